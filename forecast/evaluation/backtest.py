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
costs its sampling (preset ``backtest``: 2 chains x 500 draws, one core) and its
simulation, not a compilation.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.constants import MAX_CHAINS, MAX_DRAWS, MAX_SEED, MAX_TUNE
from forecast.errors import ConfigError
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
from forecast.scores import score_forecasts
from forecast.models import PRESETS, REGISTRY, BaseModel, get_model
from forecast.runs import fit_run
from forecast.scenarios import MAX_HORIZON, Scenario, future_covariates

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


def make_folds(models: Sequence[str], cutoffs: Sequence[pd.Period], seed: int) -> list[Fold]:
    """Every model x cutoff fold, cutoffs outermost, with their seeds."""
    return [Fold(m, c, *fold_seeds(seed, m, c)) for c in cutoffs for m in models]


def observed_future(panel: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """The covariates that really happened in ``months`` (``month, state, exercise_days``)."""
    index = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
    rows = panel.loc[index.isin(months), ["month", "state", "exercise_days"]]
    rows = rows.assign(month=pd.to_datetime(rows["month"]), state=rows["state"].astype(str))
    return rows.reset_index(drop=True)


def persist_future(model: BaseModel, months: pd.PeriodIndex) -> pd.DataFrame:
    """The cutoff's state held and the usual exercise calendar over ``months``."""
    return future_covariates(Scenario(name="persist", label="persist"), months, model.training)


def forecast_months(panel: pd.DataFrame, cutoff: pd.Period, horizon: int):
    """Months forecast after ``cutoff`` (those the panel observes) and what happened in them."""
    last = pd.Period(pd.to_datetime(panel["month"]).max(), "M")
    n_months = min(horizon, (last - cutoff).n)
    months = pd.period_range(cutoff + 1, periods=n_months, freq="M")
    index = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
    return months, index.isin(months)


#: Models built in this process for backtest folds (see :func:`fold_model`).
_FOLD_MODELS: dict = {}


def fold_model(name: str, panel: pd.DataFrame, target: str) -> BaseModel:
    """The model a worker re-uses for every cutoff of one model (built once, compiled once).

    It is built on the whole panel with the months after any cutoff kept in its grid, so that
    :meth:`~forecast.models.BaseModel.set_until` moves the training window per fold without
    rebuilding or recompiling; the likelihood only ever sees months up to the cutoff.
    """
    from forecast.models.base import data_hash

    key = (name, target, data_hash(panel.astype({"state": str})))
    model = _FOLD_MODELS.get(key)
    if model is None:
        model = get_model(name, target=target)
        model.build(panel, keep_future=True)
        _FOLD_MODELS[key] = model
    return model


def run_fold(fold: Fold, panel: pd.DataFrame, settings: BacktestSettings) -> FoldResult:
    """Fit one model up to one cutoff and forecast along both state paths.

    Parameters
    ----------
    fold : Fold
        Model, cutoff and seeds.
    panel : DataFrame
        The whole monthly panel (the model trains on it up to the cutoff).
    settings : BacktestSettings
        Horizon, sampler settings, target.

    Returns
    -------
    FoldResult
        ``info`` holds wall and CPU seconds (CPU time is the honest cost when other work
        shares the cores) and the fit's diagnostics.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    model = fold_model(fold.model, panel, settings.target).set_until(fold.cutoff)
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
    persist = persist_future(model, months)
    futures = {
        "observed": observed_future(panel, months),
        "persist": persist,
        "transition": persist,
    }
    paths = transition_paths(panel, fold, months, settings.n_draws)
    draws, states, exercise = {}, {}, {}
    for path in STATE_PATHS:
        future = futures[path]
        chain = paths if path == "transition" else None
        sim = model.simulate(
            future, random_seed=fold.sim_seed, draws=settings.n_draws, state_paths=chain
        )
        draws[path] = sim["counts"].transpose("month", "draw").values.astype(np.int32)
        states[path] = (
            future["state"].astype(str).to_numpy() if chain is None else _modal_states(chain)
        )
        exercise[path] = future["exercise_days"].to_numpy(dtype=float)
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
    result.paths = paths
    return result


def transition_paths(panel: pd.DataFrame, fold: Fold, months, n_draws: int) -> np.ndarray:
    """State paths (draw, month) from a transition model fitted on the states to the cutoff."""
    from forecast.models.transitions import TransitionModel

    index = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
    history = panel.loc[index <= fold.cutoff, ["month", "state"]]
    model = TransitionModel(random_seed=fold.sim_seed).fit(history)
    paths = model.simulate(
        months=len(months), draws=n_draws, rng=np.random.default_rng(fold.sim_seed)
    )
    return paths.values.astype(np.int8)


def _modal_states(paths: np.ndarray) -> np.ndarray:
    """The most frequent state of each month of ``paths`` (draw, month), as labels."""
    from forecast.constants import STATES

    counts = np.stack([(paths == i).sum(axis=0) for i in range(len(STATES))])
    return np.array(STATES)[counts.argmax(axis=0)]


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


def question_tables(results, panel, models, cutoffs, seed: int) -> dict:
    """The question backtest of the default model and the transition model's calibration."""
    from forecast.evaluation.question_backtest import (
        question_backtest,
        question_reliability,
        question_summary,
    )
    from forecast.evaluation.state_transitions import calibration_backtest, calibration_scores
    from forecast.models import DEFAULT_MODEL

    bayesian = [m for m in models if REGISTRY[m].uses_mcmc]
    model = DEFAULT_MODEL if DEFAULT_MODEL in models else (bayesian or models)[0]
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
    progress: bool = True,
) -> BacktestResult:
    """Rolling-origin backtest of several models (see the module docstring).

    Parameters
    ----------
    panel : DataFrame
        The whole monthly panel (:func:`forecast.data.monthly_panel`).
    models : sequence of str
        Registered model names. The naive baselines present among them set the skill
        reference; pool members are added when missing.
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
    progress : bool
        Progress bar over folds on stderr.

    Returns
    -------
    BacktestResult
    """
    from forecast.evaluation.combine import check_pools, pool_results
    from forecast.evaluation.skill import summary_tables

    models = check_models(models)
    pool_specs = check_pools(pools)
    for spec in pool_specs:
        models += [m for m in spec.members if m not in models]
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
    get_model(models[0], target=target)  # refuse a bad target before any work
    check_executor(workers, scheduler)
    folds = make_folds(models, cutoffs, seed)
    started = time.perf_counter()
    task = functools.partial(run_fold, panel=panel, settings=settings)
    results = run_tasks(
        task, folds, workers=workers, scheduler=scheduler, progress=progress, label=str
    )
    member_scores = score_results(results)
    pooled, weights = pool_results(pool_specs, results, member_scores, seed=seed)
    extra = oracle_results(panel, cutoffs, settings) if oracles else []
    scores = score_results([*results, *pooled, *extra]) if (pooled or extra) else member_scores
    seconds = time.perf_counter() - started
    meta = {
        "models": models,
        "baselines": [b for b in baselines if b in models],
        "pools": [s.name for s in pool_specs],
        "oracles": list(ORACLES) if oracles else [],
        "cutoffs": [str(c) for c in cutoffs],
        "workers": workers,
        "scheduler": scheduler,
        "bootstrap": bootstrap,
        **asdict(settings),
    }
    tables = summary_tables(scores, meta["baselines"], bootstrap=bootstrap, seed=seed)
    if len(weights):
        tables["weights"] = weights
    if questions:
        tables |= question_tables(results, panel, models, cutoffs, seed)
    return BacktestResult(
        scores=scores,
        folds=pd.DataFrame([r.info for r in results]),
        tables=tables,
        settings=meta,
        seconds=seconds,
    )
