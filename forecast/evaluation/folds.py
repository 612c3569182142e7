"""The unit of work of a backtest: a fold (a model at a cutoff), its seeds and its forecasts.

Kept apart from :mod:`forecast.evaluation.backtest` so that the pieces that consume folds
(pools in :mod:`forecast.evaluation.combine`, the question backtest) depend on this small
module and not on the backtest that runs them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.evaluation.plan import _period

#: State paths of the forecasts.
STATE_PATHS: tuple[str, ...] = ("observed", "persist", "transition")


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
