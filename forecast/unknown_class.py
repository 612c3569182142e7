"""Launch days that CNS leaves unclassified, and the range of P(ICBM) they allow.

CNS classes a missile as ``unknown`` when its type was not identified; in 2022 that covers
launch days widely reported as ICBM tests (for example the Hwasong-17 system tests of
26 February and 4 March 2022 and the failed launch of 3 November 2022). The class mix
(:class:`forecast.models.events.ClassMix`) puts ``unknown`` with "SLBM/SLV/other", so
P(an ICBM launch) counts only what CNS calls ICBM and is a lower bound. This module says how
much: it recounts the unknown-class launches whose apogee reaches a threshold as ICBM, refits
the class mix on that panel and redraws the classes of the same simulated launch days, one row
per threshold. ICBMs are flown on lofted trajectories from North Korea (apogees of 2,800 to
7,700 km in the data), so a high apogee is the one recorded trait that separates them; a
threshold is a judgement, hence a range of answers rather than one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecast.data.panel import Tables, monthly_panel
from forecast.models.events import ClassMix
from forecast.present import chance, noun_for
from forecast.simulation import STREAMS

#: Apogees (km) from which an unknown-class launch is recounted as an ICBM: 1,000 km (above
#: every SRBM in the data; only lofted long-range missiles reach it) and 350 km (also the
#: 2022 launches reported as ICBM system tests, and some medium-range ones).
APOGEE_THRESHOLDS_KM = (1000.0, 350.0)


def reclassify(tables: Tables, min_apogee_km: float | None) -> Tables:
    """The tables with unknown-class missiles of at least ``min_apogee_km`` apogee as ICBM.

    ``None`` returns the tables unchanged (the classes as CNS gives them).
    """
    if min_apogee_km is None:
        return tables
    missiles = tables.missile_tests.copy()
    recount = (missiles["missile_class"] == "unknown") & (missiles["apogee_km"] >= min_apogee_km)
    missiles.loc[recount, "missile_class"] = "ICBM"
    return replace(tables, missile_tests=missiles)


def _label(threshold: float | None) -> str:
    if threshold is None:
        return "as CNS classifies"
    return f"unknown class with apogee >= {threshold:,.0f} km counted as ICBM"


def unknown_class_days(tables: Tables, since: int = 2016) -> pd.DataFrame:
    """Per year: launch days, days with an ICBM, days with an unknown-class missile, and the
    days the thresholds of :data:`APOGEE_THRESHOLDS_KM` would recount as ICBM days.

    Returns
    -------
    DataFrame
        ``year, launch_days, icbm_days, unknown_days`` and one ``icbm_days_<km>`` column per
        threshold (ICBM days after recounting).
    """
    missiles = tables.missile_tests
    missiles = missiles[missiles["date"].dt.year >= since]
    year = missiles["date"].dt.year

    def days(rows: pd.DataFrame) -> pd.Series:
        return rows.groupby(rows["date"].dt.year)["date"].nunique()

    table = pd.DataFrame({"launch_days": missiles.groupby(year)["date"].nunique()})
    table["icbm_days"] = days(missiles[missiles["missile_class"] == "ICBM"])
    table["unknown_days"] = days(missiles[missiles["missile_class"] == "unknown"])
    for threshold in APOGEE_THRESHOLDS_KM:
        recounted = reclassify(replace(tables, missile_tests=missiles), threshold).missile_tests
        table[f"icbm_days_{threshold:.0f}km"] = days(
            recounted[recounted["missile_class"] == "ICBM"]
        )
    years = range(since, int(tables.as_of.year) + 1)
    table = table.reindex(years).fillna(0).astype(int)
    table.index.name = "year"
    return table.reset_index()


def recounted_mixes(
    tables: Tables, class_mix, thresholds: tuple[float | None, ...] = (None, *APOGEE_THRESHOLDS_KM)
) -> dict:
    """The run's class mix refitted, with its own settings (priors, draws, seed) on the months
    up to its last month, with the unknown-class launches recounted by each apogee threshold;
    ``None`` (the classes as given) is the run's class mix itself.

    Returns
    -------
    dict
        Threshold -> ClassMix.
    """
    mixes = {}
    for threshold in thresholds:
        mix = class_mix
        if threshold is not None:
            panel = monthly_panel(reclassify(tables, threshold), end=str(class_mix.last_month))
            mix = ClassMix(class_mix.priors, class_mix.n_draws, class_mix.random_seed).fit(panel)
        mixes[threshold] = mix
    return mixes


def icbm_range(
    forecast,
    tables: Tables,
    class_mix,
    seed: int,
    thresholds: tuple[float | None, ...] = (None, *APOGEE_THRESHOLDS_KM),
    months=None,
    label: str | None = None,
    mixes: dict | None = None,
) -> pd.DataFrame:
    """P(at least one ICBM launch day) over the forecast's months, per way of counting.

    For each threshold the class mix is refitted (:func:`recounted_mixes`) and the classes of
    the forecast's own simulated launch days are redrawn with the stream the forecast used;
    the first row (no recounting) is the run's class mix itself, so it reproduces the
    forecast's P(ICBM).

    Parameters
    ----------
    forecast : Forecast
        A launch-day forecast whose classes came from ``class_mix``.
    tables : Tables
        The data the run was fitted on.
    class_mix : ClassMix
        The run's class mix (``forecast.runs.Outlook.class_mix``).
    seed : int
        The seed the forecast was simulated with.
    thresholds : tuple
        ``None`` (the classes as given) and apogees in km.
    months : PeriodIndex, optional
        The months of the forecast P(ICBM) is over (default: all). The classes are still
        redrawn over all of them, so that a window at the end of a longer simulation (the
        outlook from today, after the months the data lack) gets the classes it was given.
    label : str, optional
        The name of the probability columns instead of the scenario's (``p_icbm_<label>``;
        with one scenario only).
    mixes : dict, optional
        :func:`recounted_mixes` of ``tables`` and ``class_mix`` for these thresholds, when
        already made (the report asks for two windows of the same run).

    Returns
    -------
    DataFrame
        One row per way of counting: ``counting``, ``min_apogee_km`` and one
        ``p_icbm_<scenario>`` column per scenario (``p_icbm_<label>`` with ``label``).

    Raises
    ------
    ValueError
        ``label`` for a forecast of several scenarios, or a month of ``months`` that is not a
        month of the forecast.
    """
    if label is not None and len(forecast.scenarios) != 1:
        raise ValueError("icbm_range: label names the column of a one-scenario forecast")
    names = [label] if label is not None else list(forecast.scenarios)
    window = np.ones(len(forecast.months), bool)
    if months is not None:
        wanted = pd.PeriodIndex(pd.to_datetime(pd.Index(months).astype(str)), freq="M")
        outside = wanted.difference(forecast.months)
        if len(outside):
            raise ValueError(
                f"icbm_range: {noun_for(len(outside), 'month')} {', '.join(map(str, outside))} "
                f"{'is not a month' if len(outside) == 1 else 'are not months'} of the "
                f"forecast ({forecast.months[0]} to {forecast.months[-1]})"
            )
        window = np.asarray(forecast.months.isin(wanted))
    mixes = recounted_mixes(tables, class_mix, thresholds) if mixes is None else mixes
    counts = forecast.counts.transpose("scenario", "draw", "month").values
    rows = []
    for threshold in thresholds:
        mix = mixes[threshold]
        icbm = list(mix.posterior["weapon_class"].values).index("ICBM")
        row = {"counting": _label(threshold), "min_apogee_km": threshold}
        for i, name in enumerate(names):
            rng = np.random.default_rng([seed, STREAMS["classes"]])
            days = mix.simulate(counts[i], rng)[:, window, icbm]
            row[f"p_icbm_{name}"] = float((days.sum(axis=1) >= 1).mean())
        rows.append(row)
    return pd.DataFrame(rows)


#: The label of the outlook from today's column in :func:`icbm_range` (``p_icbm_from_today``).
FROM_TODAY_LABEL = "from_today"


def icbm_range_from_today(
    from_today, tables: Tables, class_mix, seed: int, mixes: dict | None = None
) -> pd.DataFrame:
    """:func:`icbm_range` over the months of the outlook from today, redrawn along its whole
    simulation (the months the data lack first) with the simulation's own streams.

    Parameters
    ----------
    from_today : forecast.outlook.TodayOutlook
        The outlook from today.
    tables, class_mix, seed, mixes
        As :func:`icbm_range`.

    Returns
    -------
    DataFrame
        :func:`icbm_range`'s table, its column ``p_icbm_from_today``.
    """
    return icbm_range(
        from_today.full,
        tables,
        class_mix,
        seed,
        months=from_today.forecast.months,
        label=FROM_TODAY_LABEL,
        mixes=mixes,
    )


def icbm_words(days: pd.DataFrame, probabilities: pd.DataFrame, scenario: str) -> list[str]:
    """The caveat in sentences, computed from :func:`unknown_class_days` and
    :func:`icbm_range`."""
    worst = days.loc[days["unknown_days"].idxmax()]
    column = f"p_icbm_{scenario}"
    low, high = probabilities[column].min(), probabilities[column].max()
    given = probabilities.iloc[0][column]
    # "52% when unknown-class launches with an apogee of 1,000 km or more count as ICBM, 61%
    # with 350 km or more": the first recount in full, the others by their threshold
    recounts = ", ".join(
        f"{chance(getattr(r, column))} "
        + (
            f"when unknown-class launches with an apogee of {r.min_apogee_km:,.0f} km or more "
            "count as ICBM"
            if i == 0
            else f"with {r.min_apogee_km:,.0f} km or more"
        )
        for i, r in enumerate(probabilities.iloc[1:].itertuples())
    )
    return [
        f"CNS leaves the class of some launches unknown: in {worst['year']}, "
        f"{worst['unknown_days']} of {worst['launch_days']} launch days had a missile of unknown "
        f"class, including dates widely reported as ICBM tests; it lists "
        f"{worst['icbm_days']} ICBM launch days that year. The class mix counts unknown-class "
        "launches as SLBM/SLV/other, so P(an ICBM launch) counts only what CNS calls ICBM.",
        f"P(an ICBM launch) is {chance(given)} as CNS classifies; {recounts}. Read it as a "
        f"range of {chance(low)} to {chance(high)}.",
    ]
