"""One fold's forecasts: a model fitted up to a cutoff, then simulated along three state paths.

For a model and a cutoff month ``C`` (a *fold*, :class:`~forecast.evaluation.folds.Fold`),
:func:`run_fold` fits the model to the panel up to and including ``C`` and forecasts months
``C + 1 .. C + H`` (horizon ``h = 1 .. H``) along three state paths, from the same fit:

``persist``
    The state at the cutoff persists and exercises follow the usual calendar
    (:func:`forecast.scenarios.future_covariates` with a scenario without states): what
    the model would have said with no foresight. The headline tables use this path.
``observed``
    The negotiation states and exercise days that really happened: how good is the model
    *given* the state path, i.e. as a scenario tool. Comparing the two paths measures the
    conditional claim (:func:`forecast.evaluation.skill.evidence_table`).
``transition``
    The unconditional forecast: every draw follows its own state path from a transition
    model fitted on the states up to the cutoff (:mod:`forecast.models.transitions`), usual
    exercise calendar. It must at least match ``persist``.

The paths are simulated from the same posterior draws with the same seed (common random
numbers), so their expected counts differ only where their states do; their simulated counts
do not stay paired after the first month that differs (see :mod:`forecast.simulation`).
Target months after the last panel month are not forecast.

Cost: compile once, sample many times. A worker builds each model once on the whole panel
(:func:`fold_model`) and moves its training window per fold
(:meth:`forecast.models.BaseModel.set_until`), so the compiled model is re-used: a fold
costs its sampling (preset ``backtest``: 4 chains x 500 draws, one core) and its
simulation, not a compilation.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.data import month_periods
from forecast.errors import ConfigError
from forecast.evaluation.fold_missiles import missile_result, through_launch_days
from forecast.evaluation.folds import STATE_PATHS, Fold, FoldResult, fold_sampler, forecast_months
from forecast.evaluation.plan import BacktestSettings
from forecast.models import BaseModel, get_model
from forecast.models.storage import data_hash
from forecast.runs import fit_outlook, fit_run
from forecast.scenarios import Scenario, scenario_future
from forecast.simulation import Future, simulate
from forecast.summaries import modal_states


def observed_future(panel: pd.DataFrame, months: pd.PeriodIndex) -> Future:
    """The states and exercise days that really happened in ``months``."""
    index = month_periods(panel)
    rows = panel.loc[index.isin(months)]
    return Future(
        "observed",
        "The states and exercises that came",
        months,
        rows["state"].astype(str).to_numpy(),
        rows["exercise_days"].to_numpy(dtype=float),
    )


def persist_future(model: BaseModel, months: pd.PeriodIndex) -> Future:
    """The cutoff's state held and the usual exercise calendar over ``months``."""
    scenario = Scenario(name="persist", label="The state at the cutoff persists")
    return scenario_future(scenario, months, model.training)


def transition_future(
    model: BaseModel, outlook, months: pd.PeriodIndex, n_draws: int, seed: int
) -> Future:
    """States from the transition model fitted on the states up to the cutoff, one path per
    draw, and the usual exercise calendar."""
    scenario = Scenario(
        name="transition", label="States from the transition model", transitions=True
    )
    return scenario_future(scenario, months, model.training, outlook, n_draws, seed)


#: Models built in this process for backtest folds (see :func:`fold_model`).
_FOLD_MODELS: dict = {}


def fold_model(config: dict, panel: pd.DataFrame, target: str) -> BaseModel:
    """The model a worker re-uses for every cutoff of one configured model (built once,
    compiled once).

    It is built from its configuration (priors included: :meth:`BaseModel.config`) on the
    whole panel with the months after any cutoff kept in its grid, so that
    :meth:`~forecast.models.BaseModel.set_until` moves the training window per fold without
    rebuilding or recompiling; the likelihood only ever sees months up to the cutoff.
    """
    # one model per thread too: a fold moves the model's window, so threads of a thread-pool
    # executor must not share one
    key = (
        json.dumps(config, sort_keys=True),
        target,
        data_hash(panel.astype({"state": str})),
        threading.get_ident(),
    )
    model = _FOLD_MODELS.get(key)
    if model is None:
        model = BaseModel.from_config({**config, "target": target, "until": None})
        model.build(panel, keep_future=True)
        _FOLD_MODELS[key] = model
    return model


def run_fold(
    fold: Fold,
    panel: pd.DataFrame,
    settings: BacktestSettings,
    configs: dict | None = None,
    keep_forecast: Sequence[str] = (),
    missile_configs: dict | None = None,
) -> FoldResult:
    """Fit one model up to one cutoff and forecast along the three state paths.

    Parameters
    ----------
    fold : Fold
        Model (its label), cutoff and seeds.
    panel : DataFrame
        The whole monthly panel (the model trains on it up to the cutoff).
    settings : BacktestSettings
        Horizon, sampler settings, target.
    configs : dict, optional
        Each label's model configuration (:meth:`BaseModel.config`); a label without one is a
        registered model with its defaults.
    keep_forecast : sequence of str
        Labels whose transition-path forecast is kept whole (with weapon classes and nuclear
        tests from the outlook models fitted at the cutoff) for the question backtest.
    missile_configs : dict, optional
        With ``settings.missiles``: each label's missile configuration; a model that reaches
        missiles through launch days also gives its missile fold (``result.missiles``,
        :mod:`forecast.evaluation.fold_missiles`).

    Returns
    -------
    FoldResult
        ``info`` holds wall and CPU seconds (CPU time is the honest cost when other work
        shares the cores) and the fit's diagnostics.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    config = (configs or {}).get(fold.model) or get_model(fold.model).config()
    model = fold_model(config, panel, settings.target).set_until(fold.cutoff)
    last_fit = model.last_month
    if last_fit != fold.cutoff:
        raise ConfigError(
            "--cutoffs",
            f"{fold}: the fit ends {last_fit}, not at the cutoff",
            "choose cutoffs inside the panel's months (see 'forecast data summary'), at least "
            "one month before its last",
        )
    # target_accept None: the model's own (ar_level's 0.97); a number: that, for every model
    fit_run(
        model,
        None,
        fold_sampler(settings),
        seed=fold.fit_seed,
        freeze=False,
        target_accept=settings.target_accept,
    )
    fit_seconds = time.perf_counter() - started

    months, rows = forecast_months(panel, fold.cutoff, settings.horizon)
    outlook = fit_outlook(model)
    n = settings.n_draws
    futures = [
        observed_future(panel, months),
        persist_future(model, months),
        transition_future(model, outlook, months, n, fold.sim_seed),
    ]
    keep = fold.model in keep_forecast
    forecast = simulate(
        model,
        futures,
        random_seed=fold.sim_seed,
        draws=n,
        outlook=outlook if keep else None,
    )
    draws = {
        path: forecast.counts.sel(scenario=path).transpose("month", "draw").values.astype(np.int32)
        for path in STATE_PATHS
    }
    modal = modal_states(forecast)
    states = {path: modal[modal["scenario"] == path]["state"].to_numpy() for path in STATE_PATHS}
    exercise = {
        path: forecast.data["exercise_days"].sel(scenario=path).values for path in STATE_PATHS
    }
    diag = model.diagnostics
    info = {
        "model": fold.model,
        "cutoff": fold.cutoff.to_timestamp(),
        "fit_seed": fold.fit_seed,
        "sim_seed": fold.sim_seed,
        "n_train": len(model.training),
        "n_forecasts": len(months),
        "fit_seconds": fit_seconds,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "passed": diag.passed,
        "max_rhat": diag.max_rhat,
        "min_ess_bulk": diag.min_ess_bulk,
        "min_ess_tail": diag.min_ess_tail,
        "divergences": diag.divergences,
        "verdict": diag.verdict(),
        # what the fit sampled with (empty for a counting baseline): settings.json's samplers
        "target_accept": model.sampler.get("target_accept"),
        "adaptation": model.sampler.get("adaptation"),
    }
    observed = panel.loc[rows, settings.target].to_numpy().astype(np.int64)
    result = FoldResult(fold.model, fold.cutoff, months, observed, draws, states, exercise, info)
    result.paths = forecast.states.sel(scenario="transition").values.astype(np.int8)
    if keep:
        result.forecast = forecast.scenario("transition")
    missile_config = (missile_configs or {}).get(fold.model) or config
    if settings.missiles and through_launch_days(missile_config):
        result.missiles = missile_result(fold, result, model, panel, settings, missile_config)
    return result
