"""What a backtest will run, checked before any fit: models, cutoffs, baselines, oracles, and
the settings of every fold (:class:`BacktestSettings`).

Light on purpose (pandas and the catalogue of models only): the command line checks a
backtest's arguments here before it loads a model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.catalog import BASELINES, MODELS, PRESETS, resolve_name
from forecast.constants import (
    MAX_CHAINS,
    MAX_CONTRAST_WINDOWS,
    MAX_DRAWS,
    MAX_HORIZON,
    MAX_SEED,
    MAX_TUNE,
)
from forecast.data import month_periods
from forecast.errors import ConfigError
from forecast.present import listed, noun_for

__all__ = [
    "BASELINES",
    "BacktestSettings",
    "MIN_HISTORY",
    "ORACLES",
    "check_cutoffs",
    "check_models",
    "regular_cutoffs",
    "whole_number",
]

#: Forecasts that know the future mean (the ceiling), scored beside the models.
ORACLES: dict[str, int] = {"oracle_12": 12, "oracle_3": 3}

#: Months of data a cutoff needs before it (``recent_rate`` fits the last 24).
MIN_HISTORY = 24


def _period(value, what: str) -> pd.Period:
    try:
        return pd.Period(value, "M")
    except (ValueError, TypeError):
        raise ConfigError(what, f"{value!r} is not a month", "write months as YYYY-MM") from None


def contrast_windows(windows: Sequence[str]) -> list[str]:
    """The first months of a comparison as ``YYYY-MM``, each once, in the order given.

    A month given twice, or as a day (``2005-01-15``), is one fit; more than
    :data:`~forecast.constants.MAX_CONTRAST_WINDOWS` are refused (each is a fit of its own).

    Parameters
    ----------
    windows : sequence of str
        First training months (``--since``), as given.

    Returns
    -------
    list of str

    Raises
    ------
    ConfigError
        Naming ``--since``: no month, one that is not a month, or too many.
    """
    if not windows:
        raise ConfigError(
            "--since", "no first month given", "pass one or more, e.g. --since 1990-01,2005-01"
        )
    months = list(dict.fromkeys(str(_period(w, "--since")) for w in windows))
    if len(months) > MAX_CONTRAST_WINDOWS:
        raise ConfigError(
            "--since",
            f"{len(months)} first months: each is a fit of its own",
            f"give at most {MAX_CONTRAST_WINDOWS}",
        )
    return months


def check_models(models: Sequence[str] | str, what: str = "--models") -> list[str]:
    """Validate model names (non-empty, registered); keep order, drop repeats."""
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    models = list(dict.fromkeys(resolve_name(m) for m in models))
    if not models:
        raise ConfigError(what, "no model was given", f"use some of {sorted(MODELS)}")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ConfigError(
            what, f"unknown {listed('model', unknown)}", f"use some of {sorted(MODELS)}"
        )
    return models


def regular_cutoffs(start, end, every: int = 6) -> list[pd.Period]:
    """Cutoffs every ``every`` months from ``start`` to ``end`` (both included if on the grid).

    Parameters
    ----------
    start, end : str or Period or Timestamp
        First and last allowed cutoff month, e.g. ``"2005-01"``, ``"2024-12"``.
    every : int
        Months between cutoffs (5 or 7 spread the cutoffs over the calendar months).

    Returns
    -------
    list of Period
        E.g. ``regular_cutoffs("2005-01", "2024-12", 6)`` gives 40 months,
        2005-01, 2005-07, ..., 2024-07.
    """
    first, last = _period(start, "--from"), _period(end, "--to")
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        raise ConfigError("--every", f"{every!r} is not a number of months", "use 1 or more")
    if last < first:
        raise ConfigError("--from/--to", f"{last} is before {first}", "swap the two months")
    return list(pd.period_range(first, last, freq="M")[::every])


def check_cutoffs(cutoffs: Iterable, panel: pd.DataFrame) -> list[pd.Period]:
    """Validate cutoffs against the panel; return them sorted and de-duplicated.

    A cutoff must be at least :data:`MIN_HISTORY` months after the panel's first
    month and before its last (so at least one observed month follows it).
    """
    cutoffs = [_period(c, "--cutoffs") for c in cutoffs]
    if not cutoffs:
        raise ConfigError(
            "--cutoffs", "no cutoff months were given", "give months, or --every/--from/--to"
        )
    months = month_periods(panel)
    first, last = months.min() + MIN_HISTORY, months.max()
    bad = sorted({c for c in cutoffs if c < first or c >= last})
    if bad:
        shown = ", ".join(str(c) for c in bad[:5]) + (" ..." if len(bad) > 5 else "")
        raise ConfigError(
            "--cutoffs",
            f"{noun_for(len(bad), 'cutoff')} {shown} outside the data: a cutoff must be at "
            f"least {MIN_HISTORY} "
            f"months after the panel start ({months.min()}) and before its last month ({last}), "
            "so there is a forecast month to score",
            f"choose cutoffs from {first} to {last - 1}",
        )
    return sorted(set(cutoffs))


# --- the settings of every fold ---


def whole_number(value, what: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int, refused (naming ``what``) unless a whole number in
    ``minimum..maximum``."""
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if not ok or value < minimum or (maximum is not None and value > maximum):
        upper = f"..{maximum}" if maximum is not None else " or more"
        raise ConfigError(
            what,
            f"{value!r} is not a whole number in {minimum}{upper}",
            f"pass {what} with a whole number from {minimum}"
            + (f" to {maximum}" if maximum is not None else " up"),
        )
    return int(value)


@dataclass(frozen=True)
class BacktestSettings:
    """Everything that determines a backtest's results (JSON-ready via ``asdict``).

    Attributes
    ----------
    horizon : int
        Months forecast after each cutoff.
    seed : int
        Root seed; each fold derives its own from ``(seed, model, cutoff)``.
    draws, tune, chains : int
        Sampler settings of each fold's fit (preset ``backtest`` by default).
    target_accept : float, optional
        NUTS target acceptance rate for every model; None (the default): each model's own,
        the ``backtest`` preset's laid over by the model's settings
        (:meth:`~forecast.models.base.BaseModel.suited_sampler`; ``ar_level`` samples at
        0.97). What each model used is recorded in the backtest's ``samplers``.
    sim_draws : int, optional
        Predictive draws per forecast (default: ``draws * chains``; every model, baselines
        and oracles included, is scored on this many draws).
    target : str
        Panel column forecast.
    missiles : bool
        With the ``launch_days`` target, also forecast missiles in each fold of a model that
        reaches them through launch days (:mod:`forecast.evaluation.fold_missiles`).
    """

    horizon: int = 12
    seed: int = 1
    draws: int = PRESETS["backtest"].draws
    tune: int = PRESETS["backtest"].tune
    chains: int = PRESETS["backtest"].chains
    target_accept: float | None = None
    sim_draws: int | None = None
    target: str = "launch_days"
    missiles: bool = False

    def __post_init__(self) -> None:
        if self.missiles and self.target != "launch_days":
            raise ConfigError(
                "--missiles",
                f"missiles are scored beside launch days, not beside {self.target}",
                "drop --missiles, or use --target launch_days with it",
            )
        whole_number(self.horizon, "--horizon", 1, MAX_HORIZON)
        whole_number(self.seed, "--seed", 0, MAX_SEED)
        whole_number(self.draws, "--draws", 1, MAX_DRAWS)
        whole_number(self.tune, "--tune", 0, MAX_TUNE)
        whole_number(self.chains, "--chains", 1, MAX_CHAINS)
        if self.sim_draws is not None:
            whole_number(self.sim_draws, "--sim-draws", 1, self.draws * self.chains)
        if self.target_accept is not None and not 0 < self.target_accept < 1:
            raise ConfigError(
                "--target-accept", f"{self.target_accept!r} is not in (0, 1)", "use e.g. 0.9"
            )

    @property
    def n_draws(self) -> int:
        """Predictive draws per forecast."""
        return self.sim_draws or self.draws * self.chains
