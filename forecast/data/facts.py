"""Facts about the data that the notebooks state in words, computed from the tables.

A sentence such as "summitry is essentially one episode" or "CSIS runs above CNS" goes stale or
wrong when the coding or the data change; these functions return the table behind such a
sentence and the sentence itself, so the words always match the numbers beside them.
"""

from __future__ import annotations

import pandas as pd

from forecast.constants import STATES
from forecast.data.panel import Tables, state_runs


def state_episodes(tables: Tables, since: str = "2005-01-01", until=None) -> pd.DataFrame:
    """Episodes of each negotiation state: adjacent coded periods with one label, merged.

    Parameters
    ----------
    tables : Tables
        Validated tables.
    since : str, default "2005-01-01"
        Keep the episodes that end on or after this day (the era the default model's state
        effects are mostly learned from).
    until : str or Timestamp, optional
        Keep the window ``since``..``until`` as a fit to it saw it: the episodes that start on
        or before ``until``, the first cut at ``since`` and the last at ``until`` (their days
        and launch days counted inside the window). Without it, episodes are kept whole.

    Returns
    -------
    DataFrame
        ``state``, ``start``, ``end`` (days, both included), ``days``, ``launch_days``
        (distinct dates with a CNS-listed launch inside the episode), one row per episode in
        time order.
    """
    periods = tables.negotiation_states.sort_values("start").reset_index(drop=True)
    grouped = periods.groupby(state_runs(periods["state"]))
    episodes = pd.DataFrame(
        {
            "state": grouped["state"].first(),
            "start": grouped["start"].min(),
            "end": grouped["end"].max(),
        }
    ).reset_index(drop=True)
    if until is not None:
        until = pd.Timestamp(until)
        episodes = episodes[episodes["start"] <= until].reset_index(drop=True)
        episodes["end"] = episodes["end"].clip(upper=until)
        episodes["start"] = episodes["start"].clip(lower=pd.Timestamp(since))
    episodes["days"] = (episodes["end"] - episodes["start"]).dt.days + 1
    dates = pd.Series(tables.missile_tests["date"].drop_duplicates())
    episodes["launch_days"] = [
        int(dates.between(start, end).sum())
        for start, end in zip(episodes["start"], episodes["end"], strict=True)
    ]
    kept = episodes[episodes["end"] >= pd.Timestamp(since)].reset_index(drop=True)
    kept.attrs["since"] = pd.Timestamp(since)
    kept.attrs["until"] = until
    return kept


def time_in_state(tables: Tables) -> pd.DataFrame:
    """Days and years spent in each negotiation state over the whole coded timeline.

    Days are counted from the coded periods, both ends included; the models count months
    instead (each month in the state covering most of its days, :func:`state_rates`), so the
    two differ slightly.

    Parameters
    ----------
    tables : Tables
        Validated tables.

    Returns
    -------
    DataFrame
        Indexed by ``state`` in the order of :data:`forecast.constants.STATES` (states never
        coded are left out): ``days`` and ``years`` (days / 365.25).
    """
    periods = tables.negotiation_states
    days = (periods["end"] - periods["start"]).dt.days + 1
    total = days.groupby(periods["state"]).sum()
    total = total.reindex([s for s in STATES if s in total.index]).astype(int)
    return pd.DataFrame({"days": total, "years": total / 365.25}).rename_axis("state")


def state_rates(panel: pd.DataFrame) -> pd.DataFrame:
    """Raw launch-day rate of the months in each negotiation state, uncontrolled.

    A description only: the mean mixes the state with the capability build-up, the season and
    the clustering that the models separate.

    Parameters
    ----------
    panel : DataFrame
        From :func:`forecast.data.monthly_panel` (``state``: the state covering most of the
        month; ``launch_days``).

    Returns
    -------
    DataFrame
        Indexed by ``state`` in the order of :data:`forecast.constants.STATES` (states with no
        month are left out): ``months``, ``launch_days`` (their sum) and
        ``launch_days_per_month`` (their mean).
    """
    grouped = panel.groupby(panel["state"].astype(str))["launch_days"]
    table = pd.DataFrame(
        {
            "months": grouped.size(),
            "launch_days": grouped.sum(),
            "launch_days_per_month": grouped.mean(),
        }
    )
    return table.reindex([s for s in STATES if s in table.index]).rename_axis("state")


def episode_words(episodes: pd.DataFrame, state: str) -> str:
    """One sentence on how many episodes of ``state`` the table holds, with their dates.

    Parameters
    ----------
    episodes : DataFrame
        From :func:`state_episodes`.
    state : str
        One of :data:`forecast.constants.STATES`.
    """
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}; use one of {', '.join(STATES)}")
    rows = episodes[episodes["state"] == state]
    since = episodes.attrs.get("since", episodes["start"].min())
    if rows.empty:
        return f"No `{state}` episode since {since:%Y}."
    parts = [
        f"{r.start:%Y-%m-%d} to {r.end:%Y-%m-%d} ({r.days} days, {r.launch_days} launch "
        f"day{'s' if r.launch_days != 1 else ''})"
        for r in rows.itertuples()
    ]
    count = len(rows)
    until = episodes.attrs.get("until")
    span = f"from {since:%Y-%m} to {until:%Y-%m}" if until is not None else f"since {since:%Y}"
    return (
        f"`{state}` rests on {count} episode{'s' if count != 1 else ''} {span}: "
        + "; ".join(parts)
        + "."
    )


def source_comparison(summary: pd.DataFrame, since: int = 2014) -> pd.DataFrame:
    """CNS launch days beside CSIS missile events, year by year.

    Parameters
    ----------
    summary : DataFrame
        From :func:`forecast.data.yearly_summary`.
    since : int, default 2014
        First year (the CSIS list is sparse before the 2010s).

    Returns
    -------
    DataFrame
        ``year``, ``cns_launch_days``, ``csis_events``, ``csis_minus_cns``.
    """
    rows = summary[summary["year"] >= since]
    table = pd.DataFrame(
        {
            "year": rows["year"].astype(int),
            "cns_launch_days": rows["launch_days"].astype(int),
            "csis_events": rows["csis_missile_events"].astype(int),
        }
    )
    table["csis_minus_cns"] = table["csis_events"] - table["cns_launch_days"]
    return table.reset_index(drop=True)


def source_words(comparison: pd.DataFrame) -> str:
    """One sentence on where CSIS counts more than CNS and where it does not.

    Parameters
    ----------
    comparison : DataFrame
        From :func:`source_comparison`.
    """
    difference = comparison["csis_minus_cns"]
    first, last = comparison["year"].min(), comparison["year"].max()
    text = (
        f"CSIS lists more missile events than CNS has launch days in {int((difference > 0).sum())}"
        f" of the {len(comparison)} years {first}-{last}"
    )
    for label, rows in (
        ("fewer in", comparison[difference < 0]),
        ("as many in", comparison[difference == 0]),
    ):
        if not rows.empty:
            years = ", ".join(
                f"{r.year} (CSIS {r.csis_events}, CNS {r.cns_launch_days})"
                for r in rows.itertuples()
            )
            text += f"; {label} {years}"
    return text + "."
