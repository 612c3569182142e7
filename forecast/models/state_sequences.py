"""Monthly sequences of negotiation states: codes, the monthly series, transition counts and
spell durations, read the same way by every state model (:mod:`forecast.models.state_model`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from forecast.constants import STATES
from forecast.data.panel import month_periods
from forecast.errors import ConfigError
from forecast.models.conditioning import N_STATES
from forecast.present import listed

__all__ = [
    "current_duration",
    "monthly_states",
    "rng_of",
    "spell_durations",
    "state_codes",
    "transition_counts",
]


def rng_of(rng) -> np.random.Generator:
    """A Generator from a seed, a Generator, or None (seed 1)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(1 if rng is None else rng)


def state_codes(states: Iterable) -> np.ndarray:
    """Integer codes (index in :data:`STATES`) of state labels or codes.

    Parameters
    ----------
    states : iterable of str or int

    Returns
    -------
    ndarray of int
    """
    values = np.asarray(list(states) if not isinstance(states, np.ndarray) else states)
    if values.dtype.kind in "iu":
        if values.size and (values.min() < 0 or values.max() >= N_STATES):
            raise ValueError(f"state codes must be in 0..{N_STATES - 1}")
        return values.astype(int)
    lookup = {s: i for i, s in enumerate(STATES)}
    try:
        return np.array([lookup[str(v)] for v in values.ravel()], dtype=int).reshape(values.shape)
    except KeyError as err:
        raise ValueError(f"unknown state {err.args[0]!r}; use one of {list(STATES)}") from None


def monthly_states(panel, source: str = "panel") -> pd.Series:
    """A Series of state labels indexed by monthly Periods, from a panel or a Series."""
    if isinstance(panel, pd.DataFrame):
        missing = {"month", "state"} - set(panel.columns)
        if missing:
            raise ConfigError(
                source, f"missing {listed('column', sorted(missing))}", "pass the monthly panel"
            )
        months = month_periods(panel)
        series = pd.Series(panel["state"].astype(str).to_numpy(), index=months)
    elif isinstance(panel, pd.Series):
        index = panel.index
        if isinstance(index, pd.PeriodIndex):
            months = index.asfreq("M")
        else:
            months = pd.PeriodIndex(pd.to_datetime(index).to_period("M"))
        series = pd.Series(panel.astype(str).to_numpy(), index=months)
    else:
        raise ConfigError(
            source,
            f"cannot read states from a {type(panel).__name__}",
            "pass the monthly panel (columns month, state) or a Series indexed by month",
        )
    bad = sorted(set(series) - set(STATES))
    if bad:
        raise ConfigError(
            source, f"unknown {listed('state', bad)}", f"use {list(STATES)}", column="state"
        )
    return series.sort_index()


def transition_counts(states: pd.Series, weights: np.ndarray | None = None) -> np.ndarray:
    """Counts ``n[i, j]`` of consecutive months in states ``i`` then ``j``.

    Parameters
    ----------
    states : Series
        State labels indexed by monthly Periods; only pairs of consecutive
        calendar months are counted.
    weights : ndarray, optional
        A weight per pair (``len(states) - 1``), e.g. a discount by age; default 1 (then the
        counts are integers).

    Returns
    -------
    ndarray, shape (4, 4)
    """
    codes = state_codes(states.to_numpy())
    ordinal = np.array([p.ordinal for p in states.index])
    consecutive = np.diff(ordinal) == 1
    if weights is None:
        counts = np.zeros((N_STATES, N_STATES), dtype=int)
        np.add.at(counts, (codes[:-1][consecutive], codes[1:][consecutive]), 1)
        return counts
    counts = np.zeros((N_STATES, N_STATES))
    w = np.asarray(weights, dtype=float)[consecutive]
    np.add.at(counts, (codes[:-1][consecutive], codes[1:][consecutive]), w)
    return counts


def spell_durations(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Months spent in the current state at every month, and whether that is known.

    Parameters
    ----------
    codes : ndarray of int
        Monthly state codes.

    Returns
    -------
    duration : ndarray of int
        1 in a spell's first month, 2 in its second, ...
    known : ndarray of bool
        False in the first spell (it began before the data: its durations are lower bounds).
    """
    n = len(codes)
    duration = np.ones(n, dtype=int)
    known = np.zeros(n, dtype=bool)
    for t in range(1, n):
        if codes[t] == codes[t - 1]:
            duration[t], known[t] = duration[t - 1] + 1, known[t - 1]
        else:
            known[t] = True
    return duration, known


def current_duration(states: pd.Series) -> int:
    """Months the last state of ``states`` has lasted (a lower bound for the first spell)."""
    codes = state_codes(states.to_numpy())
    return int(spell_durations(codes)[0][-1])
