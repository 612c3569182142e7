"""The unit of work of a backtest: a fold (a model at a cutoff), its seeds and its forecasts.

Kept apart from :mod:`forecast.evaluation.backtest` so that the pieces that consume folds
(pools in :mod:`forecast.evaluation.combine`, the question backtest) depend on this small
module and not on the backtest that runs them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.errors import ConfigError
from forecast.models import REGISTRY

#: State paths of the forecasts.
STATE_PATHS: tuple[str, ...] = ("observed", "persist", "transition")


def _period(value, what: str) -> pd.Period:
    try:
        return pd.Period(value, "M")
    except (ValueError, TypeError):
        raise ConfigError(what, f"{value!r} is not a month", "write months as YYYY-MM") from None


def check_models(models: Sequence[str] | str, what: str = "--models") -> list[str]:
    """Validate model names (non-empty, registered); keep order, drop repeats."""
    from forecast.models import resolve_name

    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    models = list(dict.fromkeys(resolve_name(m) for m in models))
    if not models:
        raise ConfigError(what, "no model was given", f"use some of {sorted(REGISTRY)}")
    unknown = [m for m in models if m not in REGISTRY]
    if unknown:
        raise ConfigError(what, f"unknown model(s) {unknown}", f"use some of {sorted(REGISTRY)}")
    return models


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
