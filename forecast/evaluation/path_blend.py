"""Blend the unconditional forecast with the state held, with weights learned from the past.

The unconditional launch-day forecast follows each draw along its own simulated state path.
Measured on the strict question backtest it is a little *worse* than simply holding the state
(``questions_persist.csv``): when a path changes state, the count model's state shifts move
the forecast, and the changes did not come as often as the state models expect. A blend,
``w F_path + (1 - w) F_held`` (a mixture of the two predictive distributions), keeps the
paths' information in proportion to how well it has served.

The weight is learned, at each cutoff, only from the forecast months resolved by then
(a forecast month ``cutoff' + h`` at or before the cutoff): the weight of :data:`GRID` with
the lowest mean CRPS of the blend over those months. The CRPS of every blend is exact, from
the terms :func:`forecast.scores.mixture_crps_terms` records in each fold. Before any month
has resolved the weight is 1 (the model as it is).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.scores import mixture_crps

__all__ = ["GRID", "blend_rows", "blend_weights"]

#: The weights on the path forecast that are tried (0: the state held, 1: the paths alone).
GRID = np.round(np.linspace(0.0, 1.0, 11), 2)

TERMS = ["e_a", "e_b", "d_aa", "d_bb", "d_ab"]


def _grid_crps(rows: pd.DataFrame) -> np.ndarray:
    """CRPS of every blend of :data:`GRID` for each row, (row, weight)."""
    return np.column_stack([mixture_crps(rows, w) for w in GRID])


def blend_weights(months: pd.DataFrame, path: str) -> pd.Series:
    """The past-only weight on ``path`` at each cutoff of ``months`` and after the last.

    Parameters
    ----------
    months : DataFrame
        The count folds' months (:func:`forecast.evaluation.question_folds.count_folds`):
        ``cutoff`` (``YYYY-MM``), ``horizon``, ``path`` and the terms ``e_a .. d_ab``.
    path : str
        The path blended with the state held (e.g. ``transition:discounted``).

    Returns
    -------
    Series
        Weight by cutoff (a Period), and one more entry at the last forecast month: the
        weight learned from every month, the one a forecast made from there uses.
    """
    rows = months[months["path"] == path].dropna(subset=TERMS)
    if rows.empty:
        raise ValueError(f"no months of path {path!r} with the blend terms")
    cutoffs = pd.PeriodIndex(rows["cutoff"], freq="M")
    target = (cutoffs + rows["horizon"].to_numpy()).asi8
    scores = _grid_crps(rows)
    order = np.argsort(target, kind="stable")
    target, scores = target[order], scores[order]
    cumulative = np.vstack([np.zeros(len(GRID)), np.cumsum(scores, axis=0)])
    asked = sorted(set(cutoffs) | {pd.Period(ordinal=int(target.max()), freq="M")})
    weights = {}
    for cutoff in asked:
        k = np.searchsorted(target, cutoff.ordinal, side="right")  # months resolved by then
        if k == 0:
            weights[cutoff] = 1.0
            continue
        mean = cumulative[k] / k
        best = np.flatnonzero(mean <= mean.min() + 1e-12)
        weights[cutoff] = float(GRID[best.max()])  # a tie goes to the paths
    return pd.Series(weights, name="weight")


def blend_rows(months: pd.DataFrame, path: str, weights: pd.Series | None = None) -> pd.DataFrame:
    """Rows of the blend of ``path`` with the state held, at the past-only weights.

    Parameters
    ----------
    months : DataFrame
        As for :func:`blend_weights`.
    path : str
        The path blended with the state held.
    weights : Series, optional
        :func:`blend_weights` of ``months`` and ``path``, when the caller already has them.

    Returns
    -------
    DataFrame
        ``cutoff, horizon, path`` (``blend:<state model>``), ``observed, crps, weight``.
    """
    rows = months[months["path"] == path].dropna(subset=TERMS).copy()
    weights = blend_weights(months, path) if weights is None else weights
    w = pd.PeriodIndex(rows["cutoff"], freq="M").map(weights.get).to_numpy(float)
    rows["crps"] = mixture_crps(rows, w)
    rows["weight"] = w
    rows["path"] = "blend:" + path.split(":", 1)[-1]
    return rows[["cutoff", "horizon", "path", "observed", "crps", "weight"]]
