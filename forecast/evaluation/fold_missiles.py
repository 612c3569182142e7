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

import numpy as np
import pandas as pd
import pymc as pm

from forecast.evaluation.folds import STATE_PATHS, Fold, FoldResult, fold_sampler, forecast_months
from forecast.models import BaseModel
from forecast.models import components as C
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
    """Whether the model of ``config`` forecasts missiles as its launch days plus a monthly
    salvo term whose posterior is independent of the level's (``ar_level`` and its
    variants), so that its missile fold can reuse its launch-day fold."""
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
        self.months = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
        self.pairs = C.SalvoPairs.from_counts(panel["launch_days"], panel["missiles"])
        self.key = ("salvo_term", json.dumps(priors, sort_keys=True), data_hash(panel))
        first = self.pairs.window(0, len(self.months))
        with pm.Model() as self.model:
            weight = pm.Data("salvo_weight", first["salvo_weight"])
            totals = pm.Data("salvo_totals", first["salvo_totals"])
            C.monthly_salvos(priors, self.pairs, weight, totals)

    def fit(self, first, last, sampler, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Posterior draws of ``salvo_mean`` and ``salvo_alpha`` (chains stacked) from the
        months ``first..last``, and the seconds the fit took."""
        started = time.perf_counter()
        lo, hi = self.months.get_loc(first), self.months.get_loc(last) + 1
        with self.model:
            pm.set_data(self.pairs.window(lo, hi))
        idata = sample(self.model, sampler, seed, key=self.key)
        post = idata["posterior"].to_dataset()
        mean = post["salvo_mean"].values.reshape(-1)
        alpha = post["salvo_alpha"].values.reshape(-1)
        return mean, alpha, time.perf_counter() - started


def salvo_term(panel: pd.DataFrame, config: dict) -> SalvoTerm:
    """This process's salvo term for ``config``'s priors on ``panel`` (built once)."""
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
        The backtest's settings (its sampler settings serve the salvo term too).
    config : dict
        The model's configuration (custom salvo priors included).
    """
    months = pd.PeriodIndex(pd.to_datetime(model.training["month"]), freq="M")
    mean, alpha, seconds = salvo_term(panel, config).fit(
        months[0], months[-1], fold_sampler(settings), stream_seed(fold.fit_seed, FIT_STREAM)
    )
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
    info = {**days.info, "salvo_seconds": seconds, "level_from": "launch_days"}
    result = FoldResult(
        days.model, days.cutoff, days.months, observed, draws, days.states, days.exercise_days, info
    )
    result.paths = days.paths
    return result
