"""Synthetic monthly panels drawn from known parameters, for parameter-recovery tests.

The generator is written independently of the model code (plain NumPy), so a
recovery test checks the model against the process it claims to describe.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.constants import STATES
from forecast.data.panel import CLASS_COLUMNS

#: True log rate ratios vs no_talks used by default.
TRUE_STATE_EFFECT = {"no_talks": 0.0, "stalled": -0.5, "active_talks": -1.2, "summitry": 0.4}


def state_path(n_months: int, rng: np.random.Generator) -> list[str]:
    """Blocks of 4-14 months, each in a random state (so effects are identifiable)."""
    states: list[str] = []
    while len(states) < n_months:
        states += [str(rng.choice(STATES))] * int(rng.integers(4, 15))
    return states[:n_months]


def base_panel(n_months: int, rng: np.random.Generator, start: str = "2000-01") -> pd.DataFrame:
    months = pd.date_range(start, periods=n_months, freq="MS")
    exercise = np.where(np.isin(months.month, [3, 8]), rng.integers(8, 20, n_months), 0)
    panel = pd.DataFrame(
        {"month": months, "state": state_path(n_months, rng), "exercise_days": exercise}
    )
    for column in ("missiles", "csis_missile_events", "nuclear_tests", *CLASS_COLUMNS.values()):
        panel[column] = 0
    return panel


def negbin(mu: np.ndarray, alpha: float, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(rng.gamma(alpha, mu / alpha))


def log_rate(panel: pd.DataFrame, params: dict, rng: np.random.Generator) -> np.ndarray:
    """Level walk + state effect + season + exercise, on the log scale."""
    years = panel["month"].dt.year.to_numpy()
    n_years = years.max() - years.min() + 1
    walk = params["level_start"] + np.concatenate(
        [[0.0], np.cumsum(rng.normal(0, params["level_step_sd"], n_years - 1))]
    )
    effect = np.array([params["state_effect"][s] for s in panel["state"]])
    moy = panel["month"].dt.month.to_numpy() - 1
    share = panel["exercise_days"] / panel["month"].dt.days_in_month
    return (
        walk[years - years.min()]
        + effect
        + params["season"][moy]
        + params["beta_exercise"] * share.to_numpy()
    )


def default_params() -> dict:
    season = 0.3 * np.sin(2 * np.pi * np.arange(12) / 12)
    return {
        "level_start": np.log(3.0),
        "level_step_sd": 0.15,
        "state_effect": TRUE_STATE_EFFECT,
        "season": season - season.mean(),
        "beta_exercise": 0.4,
        "alpha": 4.0,
        "excitation": 0.6,
        "excitation_decay": 0.5,
    }


def state_panel(n_months: int, seed: int, params: dict | None = None) -> pd.DataFrame:
    """Panel whose ``launch_days`` follow the ``state_rate`` process."""
    rng = np.random.default_rng(seed)
    params = params or default_params()
    panel = base_panel(n_months, rng)
    panel["launch_days"] = negbin(np.exp(log_rate(panel, params, rng)), params["alpha"], rng)
    return panel


def exciting_panel(n_months: int, seed: int, params: dict | None = None) -> pd.DataFrame:
    """Panel whose ``launch_days`` follow the ``self_exciting`` process (6 lags)."""
    rng = np.random.default_rng(seed)
    params = params or default_params()
    panel = base_panel(n_months, rng)
    base = log_rate(panel, params, rng)
    kernel = params["excitation_decay"] ** np.arange(6)
    weights = params["excitation"] * kernel / kernel.sum()
    y = np.zeros(n_months, dtype=int)
    for t in range(n_months):
        past = np.log1p(y[max(0, t - 6) : t][::-1])
        mu = np.exp(base[t] + (weights[: len(past)] * past).sum())
        y[t] = negbin(np.array(mu), params["alpha"], rng)
    panel["launch_days"] = y
    return panel


def constant_panel(n_months: int, seed: int, rate: float, alpha: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    panel = base_panel(n_months, rng)
    panel["launch_days"] = negbin(np.full(n_months, rate), alpha, rng)
    return panel


def class_panel(n_months: int, seed: int, shares: dict, effect_mean: dict) -> pd.DataFrame:
    """Launch days per class group following ``class_hierarchical`` (no class spread)."""
    rng = np.random.default_rng(seed)
    params = default_params() | {"state_effect": effect_mean}
    panel = base_panel(n_months, rng)
    mu_total = np.exp(log_rate(panel, params, rng))
    for group, share in shares.items():
        column = {"SRBM": "SRBM", "MRBM/IRBM": "MRBM", "ICBM": "ICBM", "SLBM/SLV/other": "SLBM"}
        panel[CLASS_COLUMNS[column[group]]] = negbin(mu_total * share, params["alpha"], rng)
    panel["launch_days"] = panel[list(CLASS_COLUMNS.values())].sum(axis=1)
    panel["nuclear_tests"] = rng.poisson(0.02, n_months)
    return panel
