"""Why a path row's mean lies above its 90th percentile: the heavy tail, explained.

:func:`forecast.summaries.by_path` splits an unconditional forecast by the path its states
took and flags a row whose mean lies above its 90th percentile. The case that prompted this
module (issue 23): in a FAST report the row "to stalled" (14 of 500 simulations) read a mean
of 20.6 launch days with an 80% interval of 1 to 9. Its mean rested on one simulation of 221
launch days, and that simulation's expected launch days were already extreme in the eight
months *before* its path left ``no_talks`` (2.6 rising to 44 a month): a posterior draw of
the count model with a high era level (beyond its 99th percentile) and a persistent monthly
level (``phi`` 0.95, ``sigma`` 0.53) whose AR path drifted upward. The state shift of
``stalled`` in that draw was +0.14 on the log scale. The transition model only decided which
small group that simulation landed in. The same forecast held in ``no_talks`` (common
random numbers) has the same expected launch days in those months, to the last digit.

So the cause is the count model's predictive tail meeting a group of few simulations, not a
bug of the state paths: with the full preset (4,000 simulations) the groups are larger and no
row is flagged, though single simulations still reach 100-250 launch days (a month above 31
launch days, impossible, appeared in 2-6 of 48,000 simulated months; every simulation now caps
a month's launch days at its days, :func:`forecast.simulation.within_the_month`).
:func:`explain_tails` says this for every flagged row of a
forecast, so a reader sees why, not only that, a row is flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.constants import STATES
from forecast.summaries import by_path, path_groups

#: Percentile of the rate before the change above which a tail is the count model's.
EXTREME = 0.90


def explain_tails(forecast, scenario: str | None = None) -> pd.DataFrame:
    """Explain every path row of :func:`forecast.summaries.by_path` whose mean lies above its
    90th percentile.

    For the row's largest simulation: its total and the share of the row's total it carries,
    the row's mean without it, the month its path first left the initial state, and where
    its expected count per month *before* that month ranks among all simulations' over the
    same months. A rank at or above :data:`EXTREME` means the simulation was already extreme
    while its state was still the initial one: the count model's tail (``cause`` =
    ``count model``); otherwise the tail came with the state change (``state shift``).

    Parameters
    ----------
    forecast : Forecast
        An unconditional forecast (each draw its own state path) with a ``rate``.
    scenario : str, optional
        Default: the first.

    Returns
    -------
    DataFrame
        One row per flagged path: ``path, n, mean, q90, top_total, top_share,
        mean_without_top, change_month`` (1 = the first forecast month), ``rate_before``
        (the top simulation's mean expected count per month before the change),
        ``rate_before_rank``, ``cause``, ``text``.
    """
    scenario = scenario or forecast.scenarios[0]
    one = forecast.scenario(scenario)
    table = by_path(forecast, scenario).table
    flagged = table[table["caution"].str.contains("mean above", na=False)]
    codes = one.states.isel(scenario=0).transpose("draw", "month").values
    initial = forecast.data.attrs["initial_state"]
    groups = path_groups(codes, initial)
    totals = one.counts.isel(scenario=0).transpose("draw", "month").values.sum(axis=1)
    rate = one.data["rate"].isel(scenario=0).transpose("draw", "month").values
    moved = codes != STATES.index(initial)
    rows = []
    for row in flagged.to_dict("records"):
        mask = np.ones(len(totals), bool) if row["path"] == "all paths" else groups == row["path"]
        members = np.flatnonzero(mask)
        top = members[np.argmax(totals[members])]
        change = int(moved[top].argmax()) if moved[top].any() else codes.shape[1]
        before = max(change, 1)
        level = rate[top, :before].mean()
        rank = float((rate[:, :before].mean(axis=1) < level).mean())
        cause = "count model" if rank >= EXTREME else "state shift"
        others = totals[members[members != top]]
        out = {
            "path": row["path"],
            "n": int(mask.sum()),
            "mean": row["mean"],
            "q90": row["q90"],
            "top_total": float(totals[top]),
            "top_share": float(totals[top] / totals[members].sum()),
            "mean_without_top": float(others.mean()) if len(others) else np.nan,
            "change_month": change + 1 if change < codes.shape[1] else None,
            "rate_before": float(level),
            "rate_before_rank": rank,
            "cause": cause,
        }
        out["text"] = _sentence(out)
        rows.append(out)
    columns = ["path", "n", "mean", "q90", "top_total", "top_share", "mean_without_top"]
    columns += ["change_month", "rate_before", "rate_before_rank", "cause", "text"]
    return pd.DataFrame(rows, columns=columns)


def _sentence(row: dict) -> str:
    """The explanation of one flagged row in words."""
    head = (
        f"'{row['path']}' ({row['n']} simulations): its mean {row['mean']:.1f} lies above its "
        f"90th percentile ({row['q90']:.0f}) because one simulation of {row['top_total']:.0f} "
        f"carries {row['top_share']:.0%} of the row's total (without it the mean is "
        f"{row['mean_without_top']:.1f})."
    )
    if row["cause"] == "count model":
        when = (
            f"before its state changed (month {row['change_month']})"
            if row["change_month"]
            else "while its state stayed the same"
        )
        return head + (
            f" That simulation's expected launch days were already higher than "
            f"{row['rate_before_rank']:.1%} of all simulations' {when}: the count model's "
            "tail, not the state path."
        )
    return head + " Its expected launch days rose with the change of state: a state shift."


__all__ = ["EXTREME", "explain_tails"]
