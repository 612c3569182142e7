"""A fold's missile forecasts from its launch-day fit: the salvo term fitted on its own.

``ar_level`` (and its variants) reaches missiles through launch days: its level is fitted to
the launch days, and a salvo term (:func:`forecast.models.components.monthly_salvos`) to the
missiles beyond them. The salvo term's log density involves only ``salvo_mean``,
``salvo_alpha`` and the observed counts, and the level's likelihood neither of them, so the
posterior of ``ar_level(target="missiles")`` is the launch-day fit's posterior times the salvo
term's own. Its missile forecast is therefore the launch-day forecast of the same fold plus,
for each draw, salvos drawn from the salvo term's posterior
(:func:`~forecast.models.components.salvo_missiles`), exactly as the model's own
simulation does.

``forecast backtest --missiles`` uses this: a launch-day fold of such a model also gives its
missile fold, at the cost of a two-parameter fit (a fraction of a second) instead of a second
fit of the level (about 6 s a fold on 2 cores: ``make skill`` ran its missile protocol as a
second backtest of 15 minutes before). The launch-day results are those of a backtest without
``--missiles``, to the bit (the launch-day fit and its seeds do not change).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymc as pm

from forecast.catalog import Sampler
from forecast.data import month_periods
from forecast.evaluation.folds import STATE_PATHS, Fold, FoldResult, fold_sampler, forecast_months
from forecast.models import BaseModel
from forecast.models import components as C
from forecast.models.diagnostics import Diagnostics, diagnose
from forecast.models.dynamic import ARLevel
from forecast.models.sampling import sample
from forecast.models.storage import data_hash

#: Seed streams of the salvo term's fit and simulation (drawn from a fold's own seeds).
FIT_STREAM, SIM_STREAM = 71, 72

#: Salvo-term models built in this process, one per priors and panel (and thread).
_SALVO_MODELS: dict = {}


def missile_form(config: dict) -> BaseModel:
    """The model of ``config`` forecasting missiles (not built)."""
    return BaseModel.from_config({**config, "target": "missiles", "until": None})


def through_launch_days(config: dict) -> bool:
    """Whether the model of ``config`` (its missile form) forecasts missiles as its launch days
    plus a monthly salvo term whose posterior is independent of the level's (``ar_level`` and
    its variants), so that its missile fold can reuse its launch-day fold."""
    model = missile_form(config)
    return isinstance(model, ARLevel) and model.salvos


class SalvoTerm:
    """The salvo term alone on a panel's months, its window moved per fold (compiled once).

    Parameters
    ----------
    panel : DataFrame
        The whole monthly panel (``launch_days`` and ``missiles``).
    priors : dict
        Holds :data:`forecast.models.components.SALVO_PRIORS`'s keys.
    """

    def __init__(self, panel: pd.DataFrame, priors: dict) -> None:
        self.months = month_periods(panel)
        self.pairs = C.SalvoPairs.from_counts(panel["launch_days"], panel["missiles"])
        self.key = ("salvo_term", json.dumps(priors, sort_keys=True), data_hash(panel))
        first = self.pairs.window(0, len(self.months))
        with pm.Model() as self.model:
            weight = pm.Data("salvo_weight", first["salvo_weight"])
            totals = pm.Data("salvo_totals", first["salvo_totals"])
            C.monthly_salvos(priors, self.pairs, weight, totals)

    def fit(self, first, last, sampler, seed: int) -> SalvoFit:
        """The salvo term's posterior from the months ``first..last``."""
        started = time.perf_counter()
        lo, hi = self.months.get_loc(first), self.months.get_loc(last) + 1
        with self.model:
            pm.set_data(self.pairs.window(lo, hi))
        idata = sample(self.model, sampler, seed, key=self.key)
        post = idata["posterior"].to_dataset()
        return SalvoFit(
            mean=post["salvo_mean"].values.reshape(-1),
            alpha=post["salvo_alpha"].values.reshape(-1),
            diagnostics=diagnose(idata, ["salvo_mean_log", "salvo_alpha_log"]),
            sampler=sampler,
            seconds=time.perf_counter() - started,
        )


@dataclass(frozen=True)
class SalvoFit:
    """The salvo term's posterior draws (chains stacked), its diagnostics, the sampler
    settings it used and the seconds it took."""

    mean: np.ndarray
    alpha: np.ndarray
    diagnostics: Diagnostics
    sampler: Sampler
    seconds: float


def salvo_term(panel: pd.DataFrame, config: dict) -> SalvoTerm:
    """This process's salvo term for the priors of ``config`` (a missile configuration: its
    custom salvo priors, else the defaults) on ``panel`` (built once)."""
    priors = {k: missile_form(config).priors[k] for k in C.SALVO_PRIORS}
    key = (json.dumps(priors, sort_keys=True), data_hash(panel), threading.get_ident())
    term = _SALVO_MODELS.get(key)
    if term is None:
        term = _SALVO_MODELS[key] = SalvoTerm(panel, priors)
    return term


def stream_seed(seed: int, stream: int) -> int:
    """A 32-bit seed drawn from ``(seed, stream)``."""
    return int(np.random.SeedSequence([int(seed), stream]).generate_state(1)[0])


def missile_result(
    fold: Fold, days: FoldResult, model: BaseModel, panel: pd.DataFrame, settings, config: dict
) -> FoldResult:
    """The missile fold of ``fold`` from its launch-day result ``days``.

    Parameters
    ----------
    fold : Fold
        The fold (its seeds seed the salvo term's fit and simulation).
    days : FoldResult
        The fold's launch-day forecasts.
    model : BaseModel
        The fitted launch-day model (its training months are the salvo term's).
    panel : DataFrame
        The whole monthly panel.
    settings : BacktestSettings
        The backtest's settings: the salvo term samples with its draws, tune and chains
        (the ``backtest`` preset's adaptation and target acceptance, or ``target_accept``).
    config : dict
        The model's missile configuration (custom salvo priors included).

    Returns
    -------
    FoldResult
        Its ``info`` describes the missile fold: the salvo fit's own seconds, sampler and
        verdict beside the level's (``level_*``); ``passed`` needs both.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    months = month_periods(model.training)
    sampler = fold_sampler(settings)
    if settings.target_accept is not None:
        sampler = sampler.replace(target_accept=settings.target_accept)
    salvos = salvo_term(panel, config).fit(
        months[0], months[-1], sampler, stream_seed(fold.fit_seed, FIT_STREAM)
    )
    mean, alpha = salvos.mean, salvos.alpha
    n = settings.n_draws
    if n < len(mean):  # as the model's own simulation: a subsample of the posterior
        pick = np.random.default_rng(stream_seed(fold.sim_seed, SIM_STREAM)).choice(
            len(mean), size=n, replace=False
        )
        mean, alpha = mean[pick], alpha[pick]
    draws = {}
    for path in STATE_PATHS:  # each path's salvos from the same seed and posterior draws
        rng = np.random.default_rng([fold.sim_seed, SIM_STREAM])
        launch_days = days.draws[path].T  # (draw, month)
        draws[path] = C.salvo_missiles(launch_days, mean, alpha, rng).T.astype(np.int32)
    _, rows = forecast_months(panel, fold.cutoff, settings.horizon)
    observed = panel.loc[rows, "missiles"].to_numpy().astype(np.int64)
    result = FoldResult(
        days.model,
        days.cutoff,
        days.months,
        observed,
        draws,
        days.states,
        days.exercise_days,
        missile_info(days.info, salvos, started, cpu_started),
    )
    result.paths = days.paths
    return result


def missile_info(level: dict, salvos: SalvoFit, started: float, cpu_started: float) -> dict:
    """A missile fold's facts: its own cost and the verdicts of both fits (the level's from
    its launch-day fold, ``level_*``; the salvo term's, ``salvo_*``)."""
    diag = salvos.diagnostics
    keep = ("model", "cutoff", "fit_seed", "sim_seed", "n_train", "n_forecasts")
    return {
        **{k: level[k] for k in keep},
        "fit_seconds": salvos.seconds,  # this fold's own fit: the salvo term
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "passed": bool(level["passed"] and diag.passed),
        "max_rhat": _known(max, level["max_rhat"], diag.max_rhat),
        "min_ess_bulk": _known(min, level["min_ess_bulk"], diag.min_ess_bulk),
        "min_ess_tail": _known(min, level["min_ess_tail"], diag.min_ess_tail),
        "divergences": int(level["divergences"]) + diag.divergences,
        "verdict": f"level: {level['verdict']}; salvos: {diag.verdict()}",
        # the model's sampler record (settings.json's samplers) is its level's fit
        "target_accept": level["target_accept"],
        "adaptation": level["adaptation"],
        "level_from": "launch_days",
        "level_fit_seconds": level["fit_seconds"],
        "level_passed": level["passed"],
        "salvo_passed": diag.passed,
        "salvo_target_accept": salvos.sampler.target_accept,
        "salvo_adaptation": salvos.sampler.adaptation,
    }


def _known(pick, *values: float) -> float:
    """``pick`` (max or min) of the values that are not NaN (NaN when none is: one chain)."""
    known = [float(v) for v in values if v == v]
    return pick(known) if known else float("nan")
