"""Oracles: forecasts that know the mean of the months to come, the ceiling of skill.

At each cutoff, ``oracle_12`` and ``oracle_3`` (:data:`forecast.evaluation.plan.ORACLES`)
forecast each month as negative binomial around the true mean of its block of the next 12 (3)
months, with the dispersion of the training data. They peek by design and show the ceiling
every skill figure is read against; they are never a baseline. A backtest scores them beside
the models when asked (``oracles=True``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.data import month_periods
from forecast.evaluation.folds import STATE_PATHS, FoldResult, fold_seeds, forecast_months
from forecast.evaluation.plan import ORACLES, BacktestSettings

#: Training months whose counts set an oracle's dispersion.
ORACLE_DISPERSION_MONTHS = 60


def nb_dispersion(counts: np.ndarray) -> float:
    """Method-of-moments negative-binomial shape of ``counts`` (large when not overdispersed)."""
    counts = np.asarray(counts, dtype=float)
    mean, var = counts.mean(), counts.var(ddof=1) if len(counts) > 1 else 0.0
    if mean <= 0 or var <= mean:
        return 1e6
    return float(mean**2 / (var - mean))


def oracle_results(
    panel: pd.DataFrame, cutoffs: Sequence[pd.Period], settings: BacktestSettings
) -> list[FoldResult]:
    """Forecasts that know the mean of the next 12 (3) months: the ceiling of skill.

    At each cutoff, ``oracle_k`` forecasts every month of the next ``k`` months (and, for
    later horizons, of each later block of ``k`` months) as negative binomial around that
    block's true mean, with the dispersion of the last :data:`ORACLE_DISPERSION_MONTHS`
    training months. It uses the future by design: read it as what is possible, not as a
    model.
    """
    target = panel[settings.target].to_numpy()
    index = month_periods(panel)
    results = []
    for cutoff in cutoffs:
        months, rows = forecast_months(panel, cutoff, settings.horizon)
        observed = target[rows].astype(np.int64)
        end = int(np.flatnonzero(index == cutoff)[0]) + 1
        alpha = nb_dispersion(target[max(0, end - ORACLE_DISPERSION_MONTHS) : end])
        for name, block in ORACLES.items():
            rng = np.random.default_rng(fold_seeds(settings.seed, name, cutoff)[1])
            future = target[end : end + ((len(months) - 1) // block + 1) * block]
            means = np.array(
                [
                    future[(i // block) * block : (i // block + 1) * block].mean()
                    for i in range(len(months))
                ]
            )
            lam = rng.gamma(
                alpha, np.maximum(means, 1e-9)[:, None] / alpha, (len(months), settings.n_draws)
            )
            draws = rng.poisson(lam).astype(np.int32)
            paths = {p: draws for p in STATE_PATHS}
            states = {p: np.full(len(months), "-", dtype=object) for p in STATE_PATHS}
            zeros = {p: np.zeros(len(months)) for p in STATE_PATHS}
            info = {"model": name, "cutoff": cutoff.to_timestamp(), "verdict": "oracle (peeks)"}
            results.append(FoldResult(name, cutoff, months, observed, paths, states, zeros, info))
    return results
