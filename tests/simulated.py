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


#: Leader eras of :func:`ar_level_panel`: name, share of the months, long-run log rate.
AR_ERAS = (("Kim Jong Il", 0.4, float(np.log(0.8))), ("Kim Jong Un", 0.6, float(np.log(2.5))))


def ar_level_params() -> dict:
    """True parameters of the ``ar_level`` process (state effects, season, exercise, alpha
    as :func:`default_params`; the AR(1) level and the eras of its own)."""
    return default_params() | {
        "ar_phi": 0.8,
        "ar_sigma": 0.35,
        "eras": AR_ERAS,
        # the missiles of a launch day beyond the first: NegativeBinomial(mean, alpha)
        "salvo_mean": 0.9,
        "salvo_alpha": 0.6,
    }


def ar_level_panel(
    n_months: int, seed: int, params: dict | None = None
) -> tuple[pd.DataFrame, dict]:
    """Panel whose ``launch_days`` follow the ``ar_level`` process, and the realised truth.

    Months from 2005-01 (the model's default first training month), split into leader eras
    (``dprk_leader``) by their shares in ``params["eras"]``. For month ``t``::

        log mu[t] = era_level[era(t)] + state_effect[state(t)] + season[moy(t)]
                    + beta_exercise * exercise_days[t] / days_in_month[t] + z[t]
        z[0] = sigma e[0],  z[t] = phi z[t-1] + sigma e[t],  e[t] ~ N(0, 1)
        launch_days[t] ~ NegativeBinomial(mu[t], alpha)
        missiles[t] = launch_days[t] + the sum over its launch days of
                      NegativeBinomial(salvo_mean, salvo_alpha)   # drawn day by day

    With ``params["phased"]`` true (the ``ar_level_phased`` process) the state term is
    ``g[t]`` instead of ``state_effect[state(t)]``: ``g[0] = state_effect[state(0)]``,
    ``g[t] = phi g[t-1] + (1 - phi) state_effect[state(t)]``.

    Parameters
    ----------
    n_months : int
        Length of the panel.
    seed : int
        Seed of every random step.
    params : dict, optional
        Default :func:`ar_level_params`.

    Returns
    -------
    panel : DataFrame
        Columns ``month``, ``state``, ``exercise_days``, ``dprk_leader``, ``launch_days``,
        ``missiles`` and the other count columns (zeros).
    truth : dict
        ``z`` (the level's path), ``era_level`` (long-run log rate per era) and
        ``era_mean`` (the mean of ``era_level + z`` over each era's months: the model's
        ``era_mean``).
    """
    rng = np.random.default_rng(seed)
    params = params or ar_level_params()
    panel = base_panel(n_months, rng, start="2005-01")
    names = [name for name, _, _ in params["eras"]]
    ends = np.round(np.cumsum([share for _, share, _ in params["eras"]]) * n_months).astype(int)
    era_idx = np.searchsorted(ends, np.arange(n_months), side="right")
    panel["dprk_leader"] = [names[i] for i in era_idx]
    shocks = params["ar_sigma"] * rng.normal(size=n_months)
    z = np.empty(n_months)
    z[0] = shocks[0]
    for t in range(1, n_months):
        z[t] = params["ar_phi"] * z[t - 1] + shocks[t]
    level = np.array([lvl for _, _, lvl in params["eras"]])[era_idx]
    effect = np.array([params["state_effect"][s] for s in panel["state"]])
    if params.get("phased"):
        target, phi = effect, params["ar_phi"]
        effect = np.empty(n_months)
        effect[0] = target[0]
        for t in range(1, n_months):
            effect[t] = phi * effect[t - 1] + (1.0 - phi) * target[t]
    moy = panel["month"].dt.month.to_numpy() - 1
    share = (panel["exercise_days"] / panel["month"].dt.days_in_month).to_numpy()
    log_mu = level + effect + params["season"][moy] + params["beta_exercise"] * share + z
    panel["launch_days"] = negbin(np.exp(log_mu), params["alpha"], rng)
    # salvos drawn last and one launch day at a time (not through the model's summed law), so
    # that the launch days above do not depend on them
    days = panel["launch_days"].to_numpy()
    extra = negbin(np.full(days.sum(), params["salvo_mean"]), params["salvo_alpha"], rng)
    month_of_day = np.repeat(np.arange(n_months), days)
    panel["missiles"] = days + np.bincount(month_of_day, weights=extra, minlength=n_months).astype(
        int
    )
    truth = {
        "z": z,
        "state_shift": effect,
        "era_level": dict(zip(names, [lvl for _, _, lvl in params["eras"]], strict=True)),
        "era_mean": {name: float((level + z)[era_idx == i].mean()) for i, name in enumerate(names)},
    }
    return panel, truth


# --- the daily model ---------------------------------------------------------------------------

#: Time constants (days) of the daily model's excitation kernels (its ``KERNEL_DAYS``).
DAILY_KERNEL_DAYS = (3.0, 10.0)

#: Days after a change of state covered by the daily model's change term (its ``CHANGE_DAYS``).
DAILY_CHANGE_DAYS = 56


def daily_params() -> dict:
    """Known parameters of the daily model (on the log daily hazard)."""
    season = 0.25 * np.sin(2 * np.pi * np.arange(12) / 12)
    return {
        "level_mean": np.log(1.0 / 30.4),  # about one launch day a month before excitation
        "ar_phi": 0.8,
        "ar_sd": 0.5,
        "state_effect": {"no_talks": 0.0, "stalled": -0.3, "active_talks": -0.6, "summitry": 0.3},
        "change_effect": {"no_talks": 0.4, "stalled": 0.0, "active_talks": -0.3, "summitry": 0.0},
        "season": season - season.mean(),
        "beta_exercise": 0.3,
        "excitation": np.array([0.4, 0.4]),  # the 2005-2025 fit: 0.3 and 0.44
        "salvo_mean": 1.0,
        "salvo_alpha": 0.8,
    }


def _most_days(codes: np.ndarray) -> int:
    """The code held on most days (ties: the one that came later)."""
    counts = np.bincount(codes, minlength=len(STATES))
    best = np.flatnonzero(counts == counts.max())
    last_seen = {c: np.flatnonzero(codes == c).max() for c in best}
    return int(max(best, key=last_seen.get))


def day_columns(days: pd.DatetimeIndex, launch, missiles, state, exercise) -> pd.DataFrame:
    """Monthly panel rows (counts, ``state``, ``exercise_days`` and the day columns
    ``day_launches`` ...) from arrays over consecutive whole months of ``days``."""
    launch, missiles = np.asarray(launch, dtype=int), np.asarray(missiles, dtype=int)
    state, exercise = np.asarray(state, dtype=int), np.asarray(exercise, dtype=int)
    rows = []
    for month, at in pd.Series(np.arange(len(days)), index=days).groupby(days.to_period("M")):
        i = at.to_numpy()
        rows.append(
            {
                "month": month.to_timestamp(),
                "state": STATES[_most_days(state[i])],
                "exercise_days": int(exercise[i].sum()),
                "launch_days": int(launch[i].sum()),
                "missiles": int(missiles[i].sum()),
                "day_launches": "".join(map(str, launch[i])),
                "day_missiles": " ".join(str(m) for m in missiles[i] if m),
                "day_states": "".join(map(str, state[i])),
                "day_exercise": "".join(map(str, exercise[i])),
            }
        )
    return pd.DataFrame(rows)


def daily_panel(
    n_months: int, seed: int, params: dict | None = None, start: str = "2000-01"
) -> tuple[pd.DataFrame, dict]:
    """A monthly panel whose days follow the ``daily_exciting`` process.

    Days are simulated one by one: a monthly AR(1) level (stationary sd ``ar_sd``), season,
    state by day in blocks of 60-400 days (so changes of state happen mid-month), the first
    eight weeks after a change, exercise days (1-20 March, 15-28 August), and two exponential
    kernels on the past launch days; each launch day fires 1 + NegativeBinomial missiles.

    Returns
    -------
    panel : DataFrame
        Monthly rows with the panel's columns (the day columns included; one leader era).
    truth : dict
        ``params`` plus ``era_mean``, the mean simulated level over the months (what the
        model's ``era_mean`` estimates when it trains on every month).
    """
    rng = np.random.default_rng(seed)
    params = params or daily_params()
    months = pd.period_range(start, periods=n_months, freq="M")
    days = pd.date_range(months[0].start_time, months[-1].end_time.normalize(), freq="D")
    month_of_day = np.repeat(np.arange(n_months), months.days_in_month)

    phi, sd = params["ar_phi"], params["ar_sd"]
    z = np.empty(n_months)
    z[0] = sd * rng.normal()
    for t in range(1, n_months):
        z[t] = phi * z[t - 1] + sd * np.sqrt(1 - phi**2) * rng.normal()
    level = params["level_mean"] + z

    state = np.empty(len(days), dtype=int)
    at = 0
    while at < len(days):
        length = int(rng.integers(60, 401))
        state[at : at + length] = rng.integers(len(STATES))
        at += length
    changed = np.r_[False, state[1:] != state[:-1]]
    last_change = np.maximum.accumulate(np.where(changed, np.arange(len(days)), -(10**9)))
    after = np.arange(len(days)) - last_change < DAILY_CHANGE_DAYS
    exercise = ((days.month == 3) & (days.day <= 20)) | (
        (days.month == 8) & (days.day >= 15) & (days.day <= 28)
    )

    effect = np.array([params["state_effect"][s] for s in STATES])
    change = np.array([params["change_effect"][s] for s in STATES])
    base = (
        level[month_of_day]
        + params["season"][days.month - 1]
        + effect[state]
        + change[state] * after
        + params["beta_exercise"] * exercise
    )
    decay = np.exp(-1.0 / np.array(DAILY_KERNEL_DAYS))
    kernel = np.zeros(len(decay))
    launch = np.zeros(len(days), dtype=int)
    for d in range(len(days)):
        hazard = np.exp(base[d] + (params["excitation"] * np.log1p(kernel)).sum())
        launch[d] = rng.random() < 1 - np.exp(-hazard)
        kernel = decay * kernel + launch[d]
    mean, alpha = params["salvo_mean"], params["salvo_alpha"]
    extra = rng.poisson(rng.gamma(alpha, mean / alpha, len(days)))
    missiles = np.where(launch == 1, 1 + extra, 0)

    panel = day_columns(days, launch, missiles, state, exercise.astype(int))
    for column in ("csis_missile_events", "nuclear_tests", *CLASS_COLUMNS.values()):
        panel[column] = 0
    return panel, {**params, "era_mean": float(level.mean())}
