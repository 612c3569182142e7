"""Rolling-origin backtests: fit up to each cutoff, forecast what came next, score it.

For every model and every cutoff month (a *fold*), the model is fitted to the panel up to and
including the cutoff and forecasts the months after it along three state paths (``persist``,
``observed``, ``transition``: :mod:`forecast.evaluation.fold_forecasts`), from the same fit;
every forecast is scored (:func:`forecast.evaluation.folds.score_results`) and summarised
(:func:`forecast.evaluation.skill.summary_tables`). :func:`backtest` runs the folds on any
executor (:func:`forecast.evaluation.executors.run_tasks`) and returns a
:class:`~forecast.evaluation.results.BacktestResult`.

Beside the registered models (baselines included), a backtest scores

- *oracles* (``oracle_12``, ``oracle_3``, :mod:`forecast.evaluation.oracles`): a negative
  binomial around the true mean of the next 12 (3) months, with the dispersion of the
  training data. They peek by design and show the ceiling every skill figure is read
  against; they are never a baseline.
- *pools* (``pool:a+b`` with equal weights, ``stack:a+b`` with weights per horizon band
  learned only from forecasts that had resolved by each cutoff, see
  :mod:`forecast.evaluation.combine`), built from the members' predictive draws.

Seeds: each fold's fit and simulation seeds are derived from ``(seed, model, cutoff)``
alone (:func:`forecast.evaluation.folds.fold_seeds`), never from the order or place in which
folds run. Serial, local-process and Dask runs therefore give identical scores.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace

import pandas as pd

from forecast.errors import ConfigError
from forecast.evaluation.ablation import ablation_table
from forecast.evaluation.combine import check_pools, pool_results
from forecast.evaluation.executors import check_executor, run_tasks
from forecast.evaluation.fold_forecasts import run_fold
from forecast.evaluation.fold_missiles import missile_form
from forecast.evaluation.folds import SCORE_ORDER, make_folds, score_results
from forecast.evaluation.oracles import oracle_results
from forecast.evaluation.plan import (
    BASELINES,
    ORACLES,
    BacktestSettings,
    check_cutoffs,
    check_models,
    whole_number,
)
from forecast.evaluation.question_backtest import (
    question_backtest,
    question_reliability,
    question_summary,
)
from forecast.evaluation.results import BacktestResult
from forecast.evaluation.skill import summary_tables
from forecast.evaluation.state_transitions import calibration_backtest, calibration_scores
from forecast.evaluation.totals import total_scores, totals_table
from forecast.models import DEFAULT_MODEL, PRESETS, REGISTRY, BaseModel, get_model

# --- the models ---


def model_configs(models, target: str = "launch_days") -> tuple[list[str], dict[str, dict]]:
    """The labels of a backtest's models and each one's configuration.

    Parameters
    ----------
    models : sequence or mapping
        Registered names or configured models (see :func:`backtest`), or a mapping of label
        to either.
    target : str
        The panel column forecast (every model's target).

    Returns
    -------
    labels : list of str
        In order, without repeats.
    configs : dict of str to dict
        Each label's :meth:`BaseModel.config` (``until`` dropped: the folds move it).
    """
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    items = list(models.items()) if isinstance(models, dict) else [(None, m) for m in models]
    if not items:
        raise ConfigError("--models", "no model was given", f"use some of {sorted(REGISTRY)}")
    labels, configs = [], {}
    for label, model in items:
        named = isinstance(model, str)
        if named:
            (name,) = check_models([model])
            model = get_model(name, target=target)
        elif not isinstance(model, BaseModel):
            raise ConfigError("models", f"{model!r} is not a model", "pass names or get_model(...)")
        label = str(label or model.name)
        if label in configs:
            if named and label == model.name:
                continue  # a registered name given twice counts once
            raise ConfigError(
                "models", f"two models are labelled {label!r}", "pass a mapping of labels"
            )
        if model.target != target:
            model = model.clone(target=target)
        labels.append(label)
        configs[label] = {**model.config(), "until": None}
    return labels, configs


def question_model(labels: Sequence[str], configs: dict) -> str:
    """The model whose folds answer the question backtest: the default model when present,
    else the first Bayesian one (else the first)."""
    if DEFAULT_MODEL in labels:
        return DEFAULT_MODEL
    bayesian = [m for m in labels if REGISTRY[configs[m]["model"]].uses_mcmc]
    return (bayesian or list(labels))[0]


def question_tables(results, panel, model: str, cutoffs, seed: int) -> dict:
    """The question backtest of ``model``'s folds and the transition model's calibration."""
    table = question_backtest(results, panel, model, seed)
    calibration = calibration_backtest(panel, origins=cutoffs, random_seed=seed)
    return {
        "questions": table,
        "question_summary": question_summary(table),
        "question_reliability": question_reliability(table),
        "transition_calibration": calibration_scores(calibration),
    }


# --- the backtest ---


def fold_samplers(results) -> dict[str, dict]:
    """What each sampled model's folds sampled with: ``{model: {"target_accept": ...,
    "adaptation": ...}}`` (counting baselines, which sample nothing, are left out).

    A model's own settings win over the plan's defaults (``ar_level`` samples at 0.97 where
    the ``backtest`` preset says 0.9), so the record is taken from the fits, not the plan; a
    model whose folds differ (they should not) lists each value once.
    """
    seen: dict[str, dict[str, list]] = {}
    for result in results:
        info = result.info
        if info.get("target_accept") is None:
            continue
        record = seen.setdefault(info["model"], {"target_accept": [], "adaptation": []})
        for key, values in record.items():
            if info[key] not in values:
                values.append(info[key])
    return {
        model: {key: values[0] if len(values) == 1 else values for key, values in rec.items()}
        for model, rec in seen.items()
    }


def backtest(
    panel: pd.DataFrame,
    models: Sequence[str],
    cutoffs: Iterable,
    horizon: int = 12,
    *,
    seed: int = 1,
    draws: int = PRESETS["backtest"].draws,
    tune: int = PRESETS["backtest"].tune,
    chains: int = PRESETS["backtest"].chains,
    target_accept: float | None = None,
    sim_draws: int | None = None,
    target: str = "launch_days",
    missiles: bool = False,
    baselines: Sequence[str] = BASELINES,
    pools: Sequence[str] = (),
    oracles: bool = False,
    questions: bool = False,
    bootstrap: int = 1000,
    workers: int = 1,
    scheduler: str | None = None,
    executor=None,
    progress: bool = True,
) -> BacktestResult:
    """Rolling-origin backtest of several models (see the module docstring).

    Parameters
    ----------
    panel : DataFrame
        The whole monthly panel (:func:`forecast.data.monthly_panel`).
    models : sequence of str or BaseModel, or mapping of label to str or BaseModel
        The models to fit at every cutoff: registered names (with their default priors) or
        configured models (:func:`forecast.models.get_model` with custom priors, training
        window...), whose configuration travels to every fold (a worker rebuilds the model
        from it: :meth:`BaseModel.from_config`). A mapping names each model by its label (to
        compare variants of one model, as an ablation does). The naive baselines present
        among them set the skill reference; pool members are added when missing.
    cutoffs : iterable of str or Period
        Last fitted month of each fold (see :func:`regular_cutoffs`).
    horizon : int
        Months forecast after each cutoff (those after the data are dropped).
    seed : int
        Root seed; fold seeds come from ``(seed, model, cutoff)``.
    draws, tune, chains, target_accept
        Sampler settings per fold (default: the ``backtest`` preset; ``target_accept`` None:
        each model's own, see :class:`~forecast.evaluation.plan.BacktestSettings`).
    sim_draws : int, optional
        Predictive draws per forecast (default ``draws * chains``).
    target : str
        Panel column forecast (``launch_days`` by default).
    missiles : bool
        With ``target="launch_days"``, also score missiles (the result's ``missiles``): a
        model that reaches missiles through launch days (``ar_level``) reuses each fold's
        launch-day fit and adds its salvo term's own fit
        (:mod:`forecast.evaluation.fold_missiles`); the others are fitted to the missile
        counts. The launch-day results are unchanged.
    baselines : sequence of str
        Models whose best (per horizon and band) is the skill reference.
    pools : sequence of str
        Pools to score: ``"pool:a+b"`` (equal weights) or ``"stack:a+b"`` (weights per
        horizon band learned from forecasts resolved by each cutoff).
    oracles : bool
        Also score the oracles (the ceiling).
    questions : bool
        Also backtest forecast questions with the default model (or the first Bayesian
        model) and the transition model's calibration (:mod:`forecast.evaluation.
        question_backtest`): tables ``questions``, ``question_summary``,
        ``question_reliability``, ``transition_calibration``.
    bootstrap : int
        Resamples of the cutoffs for the skill intervals (0: none).
    workers : int
        Local processes running folds in parallel (1: serial, in this process).
    scheduler : str, optional
        Address of a running Dask scheduler; folds run on its workers.
    executor : object, optional
        Any executor with ``.map`` (a :class:`concurrent.futures.ProcessPoolExecutor`, a
        ``multiprocessing`` pool, a ``distributed.Client``): folds run on it instead of
        ``workers``/``scheduler``.
    progress : bool
        Progress bar over folds on stderr.

    Returns
    -------
    BacktestResult
    """
    labels, configs = model_configs(models, target)
    pool_specs = check_pools(pools, known=labels)
    for spec in pool_specs:
        extra = [m for m in spec.members if m not in labels]
        labels += extra
        configs |= {m: get_model(m, target=target).config() for m in extra}
    baselines = check_models(baselines, "--baselines")
    cutoffs = check_cutoffs(cutoffs, panel)
    missile_configs = missile_forms(models, labels, configs) if missiles else None
    settings = BacktestSettings(
        horizon=horizon,
        seed=seed,
        draws=draws,
        tune=tune,
        chains=chains,
        target_accept=target_accept,
        sim_draws=sim_draws,
        target=target,
        missiles=missiles,
    )
    whole_number(bootstrap, "--bootstrap", 0, 100_000)
    if executor is None:
        check_executor(workers, scheduler)
    folds = make_folds(labels, cutoffs, seed)
    asked = question_model(labels, configs) if questions else None
    started = time.perf_counter()
    task = functools.partial(
        run_fold,
        panel=panel,
        settings=settings,
        configs=configs,
        keep_forecast=(asked,) if asked else (),
        missile_configs=missile_configs,
    )
    execute = functools.partial(
        run_tasks, workers=workers, scheduler=scheduler, executor=executor, progress=progress
    )
    results = execute(task, folds, label=str)
    common = {
        "panel": panel,
        "cutoffs": cutoffs,
        "labels": labels,
        "baselines": baselines,
        "pool_specs": pool_specs,
        "oracles": oracles,
        "bootstrap": bootstrap,
        "run": {"workers": workers, "scheduler": scheduler},
    }
    result = assemble(results, settings=settings, configs=configs, **common)
    if questions:
        result.tables |= question_tables(results, panel, asked, cutoffs, seed)
    result.seconds = time.perf_counter() - started
    if missiles:
        result.missiles = missile_backtest(
            results, folds, execute, settings, missile_configs, **common
        )
    return result


def missile_forms(models, labels: Sequence[str], configs: dict) -> dict[str, dict]:
    """Each label's missile configuration, for ``missiles=True``: a model configured for
    missiles keeps its own (custom salvo priors included); a model that cannot forecast
    missiles is refused here, before any fold."""
    given = dict.fromkeys(labels)
    if not isinstance(models, str):
        pairs = models.items() if isinstance(models, dict) else [(None, m) for m in models]
        for label, model in pairs:
            if isinstance(model, BaseModel) and model.target == "missiles":
                given[str(label or model.name)] = {**model.config(), "until": None}
    out = {}
    for label in labels:
        try:
            out[label] = given[label] or {**missile_form(configs[label]).config(), "until": None}
        except ConfigError as err:
            raise ConfigError(
                "--missiles",
                f"{label} cannot forecast missiles ({err.problem})",
                "leave it out of --models, or drop --missiles",
            ) from None
    return out


def missile_backtest(results, folds, execute, settings, configs, **common) -> BacktestResult:
    """The missile side of a ``missiles=True`` backtest: the missile folds that the launch-day
    folds gave (:func:`~forecast.evaluation.fold_missiles.through_launch_days` models), and
    the other models' folds fitted to the missile counts (``configs``: each label's missile
    configuration). Its ``seconds`` are this second pass's plus the salvo fits' (which ran
    inside the launch-day folds)."""
    started = time.perf_counter()
    settings = replace(settings, target="missiles", missiles=False)
    reused = [r.missiles for r in results if r.missiles is not None]
    done = {r.model for r in reused}
    rest = [f for f in folds if f.model not in done]
    task = functools.partial(run_fold, panel=common["panel"], settings=settings, configs=configs)
    fitted = execute(task, rest, label=lambda f: f"{f} (missiles)") if rest else []
    by_fold = {(r.model, r.cutoff): r for r in [*reused, *fitted]}
    ordered = [by_fold[(f.model, f.cutoff)] for f in folds]
    result = assemble(ordered, settings=settings, configs=configs, **common)
    result.settings["levels_from_launch_days"] = sorted(done)
    salvo_seconds = sum(r.info["fit_seconds"] for r in reused)
    result.settings["salvo_fit_seconds"] = round(salvo_seconds, 1)
    result.seconds = time.perf_counter() - started + salvo_seconds
    return result


def assemble(
    results,
    *,
    panel,
    cutoffs,
    settings: BacktestSettings,
    labels,
    configs,
    baselines,
    pool_specs,
    oracles: bool,
    bootstrap: int,
    run: dict,
) -> BacktestResult:
    """Score the folds' forecasts (with the pools and oracles asked for) and summarise them."""
    seed = settings.seed
    member_scores = score_results(results)
    pooled, weights = pool_results(pool_specs, results, member_scores, seed=seed)
    extra = oracle_results(panel, cutoffs, settings) if oracles else []
    scores = member_scores
    if pooled or extra:  # the members are scored once; the table in the same order
        both = pd.concat([member_scores, score_results([*pooled, *extra])], ignore_index=True)
        scores = both.sort_values(list(SCORE_ORDER), ignore_index=True)
    meta = {
        "models": labels,
        "configs": configs,
        "baselines": [b for b in baselines if b in labels],
        "pools": [s.name for s in pool_specs],
        "oracles": list(ORACLES) if oracles else [],
        "cutoffs": [str(c) for c in cutoffs],
        **run,
        "bootstrap": bootstrap,
        **asdict(settings),
        "samplers": fold_samplers(results),
    }
    tables = summary_tables(scores, meta["baselines"], bootstrap=bootstrap, seed=seed)
    totals = total_scores(results, settings.horizon, joint=labels)
    if not totals.empty:
        tables["totals"] = totals_table(totals, meta["baselines"], bootstrap, seed)
    ablation = ablation_table(scores, bootstrap, seed)
    if not ablation.empty:
        tables["ablation"] = ablation
    if len(weights):
        tables["weights"] = weights
    return BacktestResult(
        scores=scores,
        folds=pd.DataFrame([r.info for r in results]),
        tables=tables,
        settings=meta,
        seconds=0.0,
    )
