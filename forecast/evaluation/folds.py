"""The unit of work of a backtest: a fold (a model at a cutoff), its seeds, its forecasts and
their scores.

Seeds: each fold's fit and simulation seeds are derived from ``(seed, model, cutoff)``
alone (SHA-256, then NumPy's ``SeedSequence``: :func:`fold_seeds`), never from the order or
place in which folds run. Serial, local-process and Dask runs therefore give identical scores.

Kept apart from :mod:`forecast.evaluation.backtest` (and from the fits of
:mod:`forecast.evaluation.fold_forecasts`) so that the pieces that consume folds (pools in
:mod:`forecast.evaluation.combine`, the oracles, the question backtest) depend on this small
module and not on the backtest that runs them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.catalog import PRESETS, Sampler
from forecast.data import month_periods
from forecast.evaluation.plan import _period
from forecast.scores import score_forecasts

#: State paths of the forecasts.
STATE_PATHS: tuple[str, ...] = ("observed", "persist", "transition")


def fold_sampler(settings) -> Sampler:
    """The ``backtest`` preset with a plan's ``draws``, ``tune`` and ``chains`` (a
    :class:`~forecast.evaluation.plan.BacktestSettings` or a question backtest's
    ``FoldSettings``): what a fold asks for; each model lays its own settings over it
    (:meth:`~forecast.models.base.BaseModel.suited_sampler`; ``ar_level``: 0.97, diag)."""
    return PRESETS["backtest"].replace(
        draws=settings.draws, tune=settings.tune, chains=settings.chains
    )


def fold_seeds(seed: int, model: str, cutoff) -> tuple[int, int]:
    """Fit and simulation seeds of one fold, from ``(seed, model, cutoff)`` only.

    Returns
    -------
    fit_seed, sim_seed : int
        Independent 32-bit seeds; the same arguments always give the same pair
        (in any process: no use of Python's salted ``hash``).
    """
    key = f"{int(seed)}|{model}|{_period(cutoff, 'cutoff')}".encode()
    entropy = int.from_bytes(hashlib.sha256(key).digest()[:16], "little")
    fit_seed, sim_seed = np.random.SeedSequence(entropy).generate_state(2)
    return int(fit_seed), int(sim_seed)


@dataclass(frozen=True)
class Fold:
    """One fit: a model and a cutoff month, with the fold's seeds."""

    model: str
    cutoff: pd.Period
    fit_seed: int
    sim_seed: int

    def __str__(self) -> str:
        return f"{self.model} @ {self.cutoff}"


@dataclass
class FoldResult:
    """The forecasts of one model at one cutoff, along both state paths.

    Attributes
    ----------
    model : str
        Model (or oracle, pool) name.
    cutoff : Period
        Last month the forecasts knew.
    months : PeriodIndex
        Forecast months (horizon 1 first).
    observed : ndarray of int
        What happened in those months.
    draws : dict of str to ndarray
        Per state path, predictive draws of shape ``(months, draws)`` (int32).
    states, exercise_days : dict of str to ndarray
        Per state path, the covariate path simulated.
    info : dict
        Facts about the fit (seeds, seconds, diagnostics).
    """

    model: str
    cutoff: pd.Period
    months: pd.PeriodIndex
    observed: np.ndarray
    draws: dict[str, np.ndarray]
    states: dict[str, np.ndarray]
    exercise_days: dict[str, np.ndarray]
    info: dict = field(default_factory=dict)
    #: The transition path's state codes (draw, month), when simulated.
    paths: np.ndarray | None = None
    #: The transition path's whole forecast (classes and nuclear tests included), kept for
    #: the question backtest's model only.
    forecast: object = None
    #: The fold's missile forecasts, when a launch-day fold gives them
    #: (:mod:`forecast.evaluation.fold_missiles`).
    missiles: FoldResult | None = None


# --- folds and their months ---


def make_folds(models: Sequence[str], cutoffs: Sequence[pd.Period], seed: int) -> list[Fold]:
    """Every model x cutoff fold, cutoffs outermost, with their seeds."""
    return [Fold(m, c, *fold_seeds(seed, m, c)) for c in cutoffs for m in models]


def forecast_months(panel: pd.DataFrame, cutoff: pd.Period, horizon: int):
    """Months forecast after ``cutoff`` (those the panel observes) and what happened in them."""
    index = month_periods(panel)
    n_months = min(horizon, (index.max() - cutoff).n)
    months = pd.period_range(cutoff + 1, periods=n_months, freq="M")
    return months, index.isin(months)


# --- scoring ---

#: Columns of the ``scores`` table, in order (the score columns follow ``score_forecasts``).
KEY_COLUMNS = [
    "model",
    "cutoff",
    "state_path",
    "horizon",
    "target_month",
    "observed",
    "state",
    "exercise_days",
]


def score_columns(result: FoldResult) -> dict[str, np.ndarray]:
    """Every score of every forecast of one fold (one row per state path and horizon), as
    the columns of the ``scores`` table."""
    n = len(result.months)
    parts = []
    for path in STATE_PATHS:
        parts.append(
            {
                "model": np.full(n, result.model, dtype=object),
                "cutoff": np.repeat(pd.DatetimeIndex([result.cutoff.to_timestamp()]), n),
                "state_path": np.full(n, path, dtype=object),
                "horizon": np.arange(1, n + 1),
                "target_month": np.asarray(result.months.to_timestamp()),
                "observed": np.asarray(result.observed),
                "state": np.asarray(result.states[path]),
                "exercise_days": np.asarray(result.exercise_days[path]),
                **score_forecasts(result.observed, result.draws[path]),
            }
        )
    return {key: np.concatenate([np.asarray(p[key]) for p in parts]) for key in parts[0]}


#: The order of the rows of a ``scores`` table (one row per key).
SCORE_ORDER = ("model", "cutoff", "state_path", "horizon")


def score_results(results: Sequence[FoldResult]) -> pd.DataFrame:
    """The ``scores`` table of many folds, sorted by model, cutoff, path and horizon (the
    folds' columns are joined before one table is built: a table per fold cost 10 ms)."""
    columns = [score_columns(r) for r in results]
    scores = pd.DataFrame({key: np.concatenate([c[key] for c in columns]) for key in columns[0]})
    return scores.sort_values(list(SCORE_ORDER), ignore_index=True)
