"""Rolling-origin backtests: fit up to each cutoff, forecast what came next, score it.

For every model and every cutoff month ``C`` (a *fold*), the model is fitted to the panel up
to and including ``C`` and forecasts months ``C + 1 .. C + H`` (horizon ``h = 1 .. H``)
along two state paths, from the same fit:

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

The paths are simulated with the same seed (common random numbers), so their differences
are due to the covariates alone. Target months after the last panel month are not forecast.

Beside the registered models (baselines included), a backtest scores

- *oracles* (``oracle_12``, ``oracle_3``): a negative binomial around the true mean of the
  next 12 (3) months, with the dispersion of the training data. They peek by design and
  show the ceiling every skill figure is read against; they are never a baseline.
- *pools* (``pool:a+b`` with equal weights, ``stack:a+b`` with weights per horizon band
  learned only from forecasts that had resolved by each cutoff, see
  :mod:`forecast.evaluation.combine`), built from the members' predictive draws.

Seeds: each fold's fit and simulation seeds are derived from ``(seed, model, cutoff)``
alone (SHA-256, then NumPy's ``SeedSequence``), never from the order or place in which
folds run. Serial, local-process and Dask runs therefore give identical scores.

Cost: compile once, sample many times. A worker builds each model once on the whole panel
(:func:`fold_model`) and moves its training window per fold
(:meth:`forecast.models.BaseModel.set_until`), so the compiled model is re-used: a fold
costs its sampling (preset ``backtest``: 4 chains x 500 draws, one core) and its
simulation, not a compilation.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.constants import MAX_CHAINS, MAX_DRAWS, MAX_SEED, MAX_TUNE
from forecast.errors import ConfigError
from forecast.evaluation.ablation import ablation_table
from forecast.evaluation.combine import check_pools, pool_results
from forecast.evaluation.executors import check_executor, run_tasks
from forecast.evaluation.folds import (
    STATE_PATHS,
    Fold,
    FoldResult,
    fold_seeds,
)
from forecast.evaluation.plan import (
    BASELINES,
    ORACLES,
    check_cutoffs,
    check_models,
)
from forecast.evaluation.question_backtest import (
    question_backtest,
    question_reliability,
    question_summary,
)
from forecast.evaluation.skill import summary_tables
from forecast.evaluation.state_transitions import calibration_backtest, calibration_scores
from forecast.evaluation.totals import total_scores, totals_table
from forecast.models import DEFAULT_MODEL, PRESETS, REGISTRY, BaseModel, get_model
from forecast.models.base import data_hash
from forecast.runs import fit_outlook, fit_run
from forecast.scenarios import MAX_HORIZON, Scenario, scenario_future
from forecast.scores import score_forecasts
from forecast.simulation import Future, simulate
from forecast.summaries import modal_states

#: Training months whose counts set an oracle's dispersion.
ORACLE_DISPERSION_MONTHS = 60

#: Columns of the ``scores`` table, in order (the score columns follow ``score_forecasts``).
KEY_COLUMNS = [
    "model",
    "cutoff",
    "state_path",
    "horizon",
    "target_month",
    "observed",
    "state",
    "exercise_days",
]


# --- configuration ---------------------------------------------------------------------------


def _positive(value, what: str, minimum: int = 1, maximum: int | None = None) -> int:
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
    target_accept : float
        NUTS target acceptance rate.
    sim_draws : int, optional
        Predictive draws per forecast (default: ``draws * chains``; every model, baselines
        and oracles included, is scored on this many draws).
    target : str
        Panel column forecast.
    """

    horizon: int = 12
    seed: int = 1
    draws: int = PRESETS["backtest"].draws
    tune: int = PRESETS["backtest"].tune
    chains: int = PRESETS["backtest"].chains
    target_accept: float = PRESETS["backtest"].target_accept
    sim_draws: int | None = None
    target: str = "launch_days"

    def __post_init__(self) -> None:
        _positive(self.horizon, "--horizon", 1, MAX_HORIZON)
        _positive(self.seed, "--seed", 0, MAX_SEED)
        _positive(self.draws, "--draws", 1, MAX_DRAWS)
        _positive(self.tune, "--tune", 0, MAX_TUNE)
        _positive(self.chains, "--chains", 1, MAX_CHAINS)
        if self.sim_draws is not None:
            _positive(self.sim_draws, "--sim-draws", 1, self.draws * self.chains)
        if not 0 < self.target_accept < 1:
            raise ConfigError(
                "--target-accept", f"{self.target_accept!r} is not in (0, 1)", "use e.g. 0.9"
            )

    @property
    def n_draws(self) -> int:
        """Predictive draws per forecast."""
        return self.sim_draws or self.draws * self.chains


# --- folds -----------------------------------------------------------------------------------


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


def make_folds(models: Sequence[str], cutoffs: Sequence[pd.Period], seed: int) -> list[Fold]:
    """Every model x cutoff fold, cutoffs outermost, with their seeds."""
    return [Fold(m, c, *fold_seeds(seed, m, c)) for c in cutoffs for m in models]


def observed_future(panel: pd.DataFrame, months: pd.PeriodIndex) -> Future:
    """The states and exercise days that really happened in ``months``."""
    index = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
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


def forecast_months(panel: pd.DataFrame, cutoff: pd.Period, horizon: int):
    """Months forecast after ``cutoff`` (those the panel observes) and what happened in them."""
    last = pd.Period(pd.to_datetime(panel["month"]).max(), "M")
    n_months = min(horizon, (last - cutoff).n)
    months = pd.period_range(cutoff + 1, periods=n_months, freq="M")
    index = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
    return months, index.isin(months)


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

    Returns
    -------
    FoldResult
        ``info`` holds wall and CPU seconds (CPU time is the honest cost when other work
        shares the cores) and the fit's diagnostics.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    config = (configs or {}).get(fold.model) or get_model(fold.model).config()
    model = fold_model(config, panel, settings.target).set_until(fold.cutoff)
    last_fit = pd.Period(model.training["month"].iloc[-1], "M")
    if last_fit != fold.cutoff:
        raise ConfigError(
            "--cutoffs",
            f"{fold}: the fit ends {last_fit}, not at the cutoff",
            "choose cutoffs inside the panel's months (see 'forecast data summary'), at least "
            "one month before its last",
        )
    sampler = PRESETS["backtest"].replace(
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        target_accept=settings.target_accept,
    )
    fit_run(model, None, sampler, seed=fold.fit_seed, freeze=False)
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
    }
    observed = panel.loc[rows, settings.target].to_numpy().astype(np.int64)
    result = FoldResult(fold.model, fold.cutoff, months, observed, draws, states, exercise, info)
    result.paths = forecast.states.sel(scenario="transition").values.astype(np.int8)
    if keep:
        result.forecast = forecast.scenario("transition")
    return result


# --- oracles ---------------------------------------------------------------------------------


def nb_dispersion(counts: np.ndarray) -> float:
    """Method-of-moments negative-binomial shape of ``counts`` (large when not overdispersed)."""
    counts = np.asarray(counts, dtype=float)
    mean, var = counts.mean(), counts.var(ddof=1) if len(counts) > 1 else 0.0
    if mean <= 0 or var <= mean:
        return 1e6
    return float(mean**2 / (var - mean))


def oracle_results(
    panel: pd.DataFrame, cutoffs: Sequence[pd.Period], settings: BacktestSettings
) -> list[FoldResult]:
    """Forecasts that know the mean of the next 12 (3) months: the ceiling of skill.

    At each cutoff, ``oracle_k`` forecasts every month of the next ``k`` months (and, for
    later horizons, of each later block of ``k`` months) as negative binomial around that
    block's true mean, with the dispersion of the last :data:`ORACLE_DISPERSION_MONTHS`
    training months. It uses the future by design: read it as what is possible, not as a
    model.
    """
    target = panel[settings.target].to_numpy()
    index = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
    results = []
    for cutoff in cutoffs:
        months, rows = forecast_months(panel, cutoff, settings.horizon)
        observed = target[rows].astype(np.int64)
        end = int(np.flatnonzero(index == cutoff)[0]) + 1
        alpha = nb_dispersion(target[max(0, end - ORACLE_DISPERSION_MONTHS) : end])
        for name, block in ORACLES.items():
            rng = np.random.default_rng(fold_seeds(settings.seed, name, cutoff)[1])
            future = target[end : end + ((len(months) - 1) // block + 1) * block]
            means = np.array(
                [
                    future[(i // block) * block : (i // block + 1) * block].mean()
                    for i in range(len(months))
                ]
            )
            lam = rng.gamma(
                alpha, np.maximum(means, 1e-9)[:, None] / alpha, (len(months), settings.n_draws)
            )
            draws = rng.poisson(lam).astype(np.int32)
            paths = {p: draws for p in STATE_PATHS}
            states = {p: np.full(len(months), "-", dtype=object) for p in STATE_PATHS}
            zeros = {p: np.zeros(len(months)) for p in STATE_PATHS}
            info = {"model": name, "cutoff": cutoff.to_timestamp(), "verdict": "oracle (peeks)"}
            results.append(FoldResult(name, cutoff, months, observed, paths, states, zeros, info))
    return results


# --- scoring ---------------------------------------------------------------------------------


def score_result(result: FoldResult) -> pd.DataFrame:
    """Every score of every forecast of one fold (one row per state path and horizon)."""
    frames = []
    n = len(result.months)
    for path in STATE_PATHS:
        scores = score_forecasts(result.observed, result.draws[path])
        frames.append(
            pd.DataFrame(
                {
                    "model": result.model,
                    "cutoff": result.cutoff.to_timestamp(),
                    "state_path": path,
                    "horizon": np.arange(1, n + 1),
                    "target_month": result.months.to_timestamp(),
                    "observed": result.observed,
                    "state": result.states[path],
                    "exercise_days": result.exercise_days[path],
                    **scores,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def score_results(results: Sequence[FoldResult]) -> pd.DataFrame:
    """The ``scores`` table of many folds, sorted by model, cutoff, path and horizon."""
    scores = pd.concat([score_result(r) for r in results], ignore_index=True)
    return scores.sort_values(["model", "cutoff", "state_path", "horizon"], ignore_index=True)


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


# --- the backtest --------------------------------------------------------------------------


@dataclass
class BacktestResult:
    """Scores of every forecast, per-fold facts, and the summary tables.

    Attributes
    ----------
    scores : DataFrame
        One row per model, cutoff, state path and horizon (:data:`KEY_COLUMNS` and every
        score of :func:`forecast.scores.score_forecasts`).
    folds : DataFrame
        One row per fit: seeds, training months, seconds, diagnostics.
    tables : dict of str to DataFrame
        The summaries of :func:`forecast.evaluation.skill.summary_tables` (``by_horizon``,
        ``by_band``, ``by_era``, ``evidence``, ``after_changes``, ``weights``).
    settings : dict
        Models, cutoffs, baselines and :class:`BacktestSettings`.
    seconds : float
        Wall time of the whole backtest.
    """

    scores: pd.DataFrame
    folds: pd.DataFrame
    tables: dict
    settings: dict
    seconds: float

    @property
    def summary(self) -> pd.DataFrame:
        """Mean scores, skill and calibration by model, state path and horizon."""
        return self.tables["by_horizon"]

    def write(self, out: str | Path, force: bool = False, also=None) -> Path:
        """Write ``scores.csv``, ``folds.csv``, one CSV per summary table, ``settings.json``.

        The folder is written with :func:`forecast.outputs.output_dir`: new, empty, or
        (with ``force``) an earlier backtest output; built beside ``out`` and swapped in.

        Parameters
        ----------
        out : str or Path
            Folder to write.
        force : bool
            Replace an earlier ``forecast backtest`` output in ``out``.
        also : callable, optional
            ``also(folder)`` writes more files (e.g. figures) into the folder before it
            is swapped in.

        Returns
        -------
        Path
            The folder.
        """
        from forecast.outputs import output_dir

        with output_dir(out, "backtest", force=force) as tmp:
            self._write_files(tmp)
            if also is not None:
                also(tmp)
        return Path(out)

    def _write_files(self, out: Path) -> None:
        self.scores.to_csv(out / "scores.csv", index=False, date_format="%Y-%m")
        self.folds.to_csv(out / "folds.csv", index=False, date_format="%Y-%m")
        names = {"by_horizon": "summary"}
        for name, table in self.tables.items():
            table.to_csv(out / f"{names.get(name, name)}.csv", index=False, date_format="%Y-%m")
        meta = {**self.settings, "seconds": round(self.seconds, 1)}
        (out / "settings.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


#: Files of a backtest folder that are not summary tables.
NOT_SUMMARIES = ("scores.csv", "folds.csv")


def read_summary(folder: str | Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The summary tables and settings a backtest wrote (:meth:`BacktestResult.write`, e.g.
    ``make skill``; ``docs/evaluation`` keeps those of the full evaluation protocol).

    Parameters
    ----------
    folder : str or Path
        A backtest output folder (``scores.csv`` and ``folds.csv`` are not read).

    Returns
    -------
    tables : dict of str to DataFrame
        By table name, as in ``BacktestResult.tables`` (``summary.csv`` is ``by_horizon``).
        An evidence table written before the ``transition`` path existed (columns
        ``crps_observed``, no ``path``) is given the current columns.
    settings : dict
        ``settings.json`` (models, baselines, cutoffs, sampler settings, seconds).
    """
    folder = Path(folder)
    settings_file = folder / "settings.json"
    if not settings_file.is_file():
        raise ConfigError(
            "RESULTS_DIR", f"{folder} has no settings.json", "point it at a backtest's --out folder"
        )
    names = {"summary": "by_horizon"}
    tables = {
        names.get(path.stem, path.stem): pd.read_csv(path)
        for path in sorted(folder.glob("*.csv"))
        if path.name not in NOT_SUMMARIES
    }
    evidence = tables.get("evidence")
    if evidence is not None and "path" not in evidence:
        evidence = evidence.rename(columns={"crps_observed": "crps_path"})
        evidence.insert(2, "path", "observed")
        tables["evidence"] = evidence
    return tables, json.loads(settings_file.read_text(encoding="utf-8"))


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
    target_accept: float = PRESETS["backtest"].target_accept,
    sim_draws: int | None = None,
    target: str = "launch_days",
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
        Sampler settings per fold (default: the ``backtest`` preset).
    sim_draws : int, optional
        Predictive draws per forecast (default ``draws * chains``).
    target : str
        Panel column forecast (``launch_days`` by default).
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
    settings = BacktestSettings(
        horizon=horizon,
        seed=seed,
        draws=draws,
        tune=tune,
        chains=chains,
        target_accept=target_accept,
        sim_draws=sim_draws,
        target=target,
    )
    _positive(bootstrap, "--bootstrap", 0, 100_000)
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
    )
    results = run_tasks(
        task,
        folds,
        workers=workers,
        scheduler=scheduler,
        executor=executor,
        progress=progress,
        label=str,
    )
    member_scores = score_results(results)
    pooled, weights = pool_results(pool_specs, results, member_scores, seed=seed)
    extra = oracle_results(panel, cutoffs, settings) if oracles else []
    scores = score_results([*results, *pooled, *extra]) if (pooled or extra) else member_scores
    seconds = time.perf_counter() - started
    meta = {
        "models": labels,
        "configs": configs,
        "baselines": [b for b in baselines if b in labels],
        "pools": [s.name for s in pool_specs],
        "oracles": list(ORACLES) if oracles else [],
        "cutoffs": [str(c) for c in cutoffs],
        "workers": workers,
        "scheduler": scheduler,
        "bootstrap": bootstrap,
        **asdict(settings),
    }
    tables = summary_tables(scores, meta["baselines"], bootstrap=bootstrap, seed=seed)
    totals = total_scores(results, horizon, joint=labels)
    if not totals.empty:
        tables["totals"] = totals_table(totals, meta["baselines"], bootstrap, seed)
    ablation = ablation_table(scores, bootstrap, seed)
    if not ablation.empty:
        tables["ablation"] = ablation
    if len(weights):
        tables["weights"] = weights
    if questions:
        tables |= question_tables(results, panel, asked, cutoffs, seed)
    return BacktestResult(
        scores=scores,
        folds=pd.DataFrame([r.info for r in results]),
        tables=tables,
        settings=meta,
        seconds=seconds,
    )
