"""Rolling-origin backtests: fit up to each cutoff, forecast what came next, score it.

For every model and every cutoff month ``C`` (a *fold*), the model is fitted
to the panel up to and including ``C`` and forecasts months ``C + 1 .. C + H``
(horizon ``h = 1 .. H``) along two state paths, from the same fit:

``observed``
    The negotiation states and exercise days that really happened (taken from
    the panel): how good is the model *given* the state path, i.e. as a
    scenario tool.
``persist``
    The state at the cutoff persists and exercises follow the usual calendar
    (:func:`forecast.scenarios.future_covariates` with a scenario without
    states): what the model would have said with no foresight.

Both paths are simulated with the same seed (common random numbers), so their
difference is due to the covariates alone. Target months after the last panel
month are not forecast (only observed months are scored).

Seeds: each fold's fit and simulation seeds are derived from ``(seed, model,
cutoff)`` alone (SHA-256, then NumPy's ``SeedSequence``), never from the order
or place in which folds run; fits run their chains one after another
(``cores=1``). Serial, local-process and Dask runs therefore give identical
scores, and folds can be spread over as many cores as there are folds.

Cost: a fold is one NUTS fit. The defaults (``draws=500, tune=500,
chains=2``) give 1,000 posterior draws per forecast, enough for scores that
are means of many forecasts, but not for the convergence bar of a published
fit: at these settings most fits fail :func:`forecast.models.diagnose` on ESS,
and with shorter tuning a ``state_rate`` or ``self_exciting`` chain now and
then sticks in the funnel of the level walk's step sd (r-hat > 2, hundreds of
divergences); the ``folds`` table records each fit's verdict so such folds can
be found. A fold at the defaults takes about 5-15 s of CPU
(``constant_rate``, ``recent_rate``: mostly compilation), 25 s
(``state_rate``) and up to 85 s (``self_exciting``) on one core; see
``benchmarks/backtest.py``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd

from forecast.constants import MAX_CHAINS, MAX_DRAWS, MAX_SEED, MAX_TUNE, TARGET_ACCEPT
from forecast.errors import ConfigError
from forecast.evaluation.executors import check_executor, run_tasks
from forecast.evaluation.scores import (
    COVERAGE_WIDTHS,
    SCORE_COLUMNS,
    coverage_column,
    score_forecasts,
)
from forecast.models import REGISTRY, BaseModel, get_model
from forecast.scenarios import MAX_HORIZON, Scenario, future_covariates

#: Models whose skill is the reference (the best of them per horizon and path).
BASELINES: tuple[str, ...] = ("constant_rate", "recent_rate")

#: State paths of the forecasts.
STATE_PATHS: tuple[str, ...] = ("observed", "persist")

#: Months of data a cutoff needs before it (``recent_rate`` fits the last 24).
MIN_HISTORY = 24

#: Sampler defaults of a backtest fold (see the module docstring for the cost).
DEFAULT_SAMPLER = {"draws": 500, "tune": 500, "chains": 2}

#: Columns of the ``scores`` table, in order.
SCORE_TABLE_COLUMNS = [
    "model",
    "cutoff",
    "state_path",
    "horizon",
    "target_month",
    "observed",
    "state",
    "exercise_days",
    "pred_mean",
    "p_any",
    *SCORE_COLUMNS,
    "pit",
    "pit_lo",
    "pit_hi",
    *(coverage_column(w) for w in COVERAGE_WIDTHS),
]


# --- configuration ---------------------------------------------------------------------------


def _period(value, what: str) -> pd.Period:
    try:
        return pd.Period(value, "M")
    except (ValueError, TypeError):
        raise ConfigError(what, f"{value!r} is not a month", "write months as YYYY-MM") from None


def regular_cutoffs(start, end, every: int = 6) -> list[pd.Period]:
    """Cutoffs every ``every`` months from ``start`` to ``end`` (both included if on the grid).

    Parameters
    ----------
    start, end : str or Period or Timestamp
        First and last allowed cutoff month, e.g. ``"2005-01"``, ``"2024-12"``.
    every : int
        Months between cutoffs.

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

    Parameters
    ----------
    cutoffs : iterable of str, Period or Timestamp
        Last month of each fit.
    panel : DataFrame
        The monthly panel.

    Returns
    -------
    list of Period
    """
    cutoffs = [_period(c, "--cutoffs") for c in cutoffs]
    if not cutoffs:
        raise ConfigError(
            "--cutoffs", "no cutoff months were given", "give months, or --every/--from/--to"
        )
    months = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
    first, last = months.min() + MIN_HISTORY, months.max()
    bad = sorted({c for c in cutoffs if c < first or c >= last})
    if bad:
        shown = ", ".join(str(c) for c in bad[:5]) + (" ..." if len(bad) > 5 else "")
        raise ConfigError(
            "--cutoffs",
            f"cutoff(s) {shown} outside the data: a cutoff must be at least {MIN_HISTORY} "
            f"months after the panel start ({months.min()}) and before its last month ({last}), "
            "so there is a forecast month to score",
            f"choose cutoffs from {first} to {last - 1}",
        )
    return sorted(set(cutoffs))


def check_models(models: Sequence[str], what: str = "--models") -> list[str]:
    """Validate model names (non-empty, registered); keep order, drop repeats."""
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    models = list(dict.fromkeys(models))
    if not models:
        raise ConfigError(what, "no model was given", f"use some of {sorted(REGISTRY)}")
    unknown = [m for m in models if m not in REGISTRY]
    if unknown:
        raise ConfigError(what, f"unknown model(s) {unknown}", f"use some of {sorted(REGISTRY)}")
    return models


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
        NUTS settings of each fold's fit (chains run sequentially).
    target_accept : float
        NUTS target acceptance rate.
    sim_draws : int, optional
        Posterior draws per forecast (default: all, ``draws * chains``).
    target : str
        Panel column forecast.
    """

    horizon: int = 12
    seed: int = 1
    draws: int = DEFAULT_SAMPLER["draws"]
    tune: int = DEFAULT_SAMPLER["tune"]
    chains: int = DEFAULT_SAMPLER["chains"]
    target_accept: float = TARGET_ACCEPT
    sim_draws: int | None = None
    target: str = "launch_days"

    def __post_init__(self) -> None:
        _positive(self.horizon, "--horizon", 1, MAX_HORIZON)
        _positive(self.seed, "--seed", 0, MAX_SEED)
        _positive(self.draws, "--draws", 1, MAX_DRAWS)
        _positive(self.tune, "--tune", 0, MAX_TUNE)
        _positive(self.chains, "--chains", 1, MAX_CHAINS)
        if self.sim_draws is not None:
            _positive(self.sim_draws, "--sim-draws")
        if not 0 < self.target_accept < 1:
            raise ConfigError(
                "--target-accept", f"{self.target_accept!r} is not in (0, 1)", "use e.g. 0.9"
            )


# --- folds -----------------------------------------------------------------------------------


def fold_seeds(seed: int, model: str, cutoff) -> tuple[int, int]:
    """Fit and simulation seeds of one fold, from ``(seed, model, cutoff)`` only.

    Parameters
    ----------
    seed : int
        The backtest's root seed.
    model : str
        Model name.
    cutoff : str or Period
        Cutoff month.

    Returns
    -------
    fit_seed, sim_seed : int
        Independent 32-bit seeds; the same arguments always give the same pair
        (in any process: no use of Python's salted ``hash``).
    """
    key = f"{int(seed)}|{model}|{_period(cutoff, 'cutoff')}".encode()
    entropy = int.from_bytes(hashlib.sha256(key).digest()[:16], "little")
    fit_seed, sim_seed = np.random.SeedSequence(entropy).generate_state(2)
    return int(fit_seed), int(sim_seed)


@dataclass(frozen=True)
class Fold:
    """One fit: a model and a cutoff month, with the fold's seeds."""

    model: str
    cutoff: pd.Period
    fit_seed: int
    sim_seed: int

    def __str__(self) -> str:
        return f"{self.model} @ {self.cutoff}"


@dataclass
class FoldResult:
    """Scores of one fold (both state paths) and facts about its fit."""

    scores: pd.DataFrame
    info: dict = field(default_factory=dict)


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


def run_fold(fold: Fold, panel: pd.DataFrame, settings: BacktestSettings) -> FoldResult:
    """Fit one model up to one cutoff and score its forecasts along both state paths.

    Parameters
    ----------
    fold : Fold
        Model, cutoff and seeds.
    panel : DataFrame
        The whole monthly panel (the model slices it at the cutoff).
    settings : BacktestSettings
        Horizon, sampler settings, target.

    Returns
    -------
    FoldResult
        ``scores``: one row per state path and horizon (columns
        :data:`SCORE_TABLE_COLUMNS`); ``info``: wall and CPU seconds (CPU time
        is the honest cost when other work shares the cores) and diagnostics.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    model = get_model(fold.model, until=str(fold.cutoff), target=settings.target)
    model.build(panel)
    last_fit = pd.Period(model.training["month"].iloc[-1], "M")
    if last_fit != fold.cutoff:
        raise ConfigError(
            "--cutoffs",
            f"{fold}: the fit ends {last_fit}, not at the cutoff",
            "choose cutoffs inside the panel's months (see 'forecast data summary'), at least "
            "one month before its last",
        )
    pymc_log = logging.getLogger("pymc")
    level = pymc_log.level
    pymc_log.setLevel(logging.CRITICAL)  # verdicts go to the folds table
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(
                draws=settings.draws,
                tune=settings.tune,
                chains=settings.chains,
                random_seed=fold.fit_seed,
                target_accept=settings.target_accept,
                progressbar=False,
                cores=1,
            )
    finally:
        pymc_log.setLevel(level)
    fit_seconds = time.perf_counter() - started

    last = pd.Period(pd.to_datetime(panel["month"]).max(), "M")
    n_months = min(settings.horizon, (last - fold.cutoff).n)
    months = pd.period_range(fold.cutoff + 1, periods=n_months, freq="M")
    in_months = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M").isin(months)
    observed = panel.loc[in_months, settings.target].to_numpy()
    futures = {"observed": observed_future(panel, months), "persist": persist_future(model, months)}
    frames = []
    for path in STATE_PATHS:
        future = futures[path]
        sim = model.simulate(future, random_seed=fold.sim_seed, draws=settings.sim_draws)
        draws = sim["counts"].transpose("month", "draw").values
        scores = score_forecasts(observed, draws)
        frames.append(
            pd.DataFrame(
                {
                    "model": fold.model,
                    "cutoff": fold.cutoff.to_timestamp(),
                    "state_path": path,
                    "horizon": np.arange(1, n_months + 1),
                    "target_month": months.to_timestamp(),
                    "observed": observed.astype(np.int64),
                    "state": future["state"].astype(str).to_numpy(),
                    "exercise_days": future["exercise_days"].to_numpy(dtype=float),
                    **scores,
                }
            )
        )
    diag = model.diagnostics
    info = {
        "model": fold.model,
        "cutoff": fold.cutoff.to_timestamp(),
        "fit_seed": fold.fit_seed,
        "sim_seed": fold.sim_seed,
        "n_train": len(model.training),
        "n_forecasts": n_months,
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
    return FoldResult(pd.concat(frames, ignore_index=True)[SCORE_TABLE_COLUMNS], info)


# --- the backtest --------------------------------------------------------------------------


@dataclass
class BacktestResult:
    """Scores of every forecast, per-fold facts, and the summary table.

    Attributes
    ----------
    scores : DataFrame
        One row per model, cutoff, state path and horizon
        (:data:`SCORE_TABLE_COLUMNS`).
    folds : DataFrame
        One row per fit: seeds, training months, seconds, diagnostics.
    summary : DataFrame
        :func:`summarise` of ``scores``.
    settings : dict
        Models, cutoffs, baselines and :class:`BacktestSettings`.
    seconds : float
        Wall time of the whole backtest.
    """

    scores: pd.DataFrame
    folds: pd.DataFrame
    summary: pd.DataFrame
    settings: dict
    seconds: float

    def write(self, out: str | Path, force: bool = False, also=None) -> Path:
        """Write ``scores.csv``, ``summary.csv``, ``folds.csv`` and ``settings.json``.

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
        self.summary.to_csv(out / "summary.csv", index=False)
        self.folds.to_csv(out / "folds.csv", index=False, date_format="%Y-%m")
        meta = {**self.settings, "seconds": round(self.seconds, 1)}
        (out / "settings.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def backtest(
    panel: pd.DataFrame,
    models: Sequence[str],
    cutoffs: Iterable,
    horizon: int = 12,
    *,
    seed: int = 1,
    draws: int = DEFAULT_SAMPLER["draws"],
    tune: int = DEFAULT_SAMPLER["tune"],
    chains: int = DEFAULT_SAMPLER["chains"],
    target_accept: float = TARGET_ACCEPT,
    sim_draws: int | None = None,
    target: str = "launch_days",
    baselines: Sequence[str] = BASELINES,
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
        Registered model names (baselines included, e.g. ``constant_rate``).
    cutoffs : iterable of str or Period
        Last fitted month of each fold (see :func:`regular_cutoffs`), from 24
        months after the panel start to the month before its last.
    horizon : int
        Months forecast after each cutoff (those after the data are dropped).
    seed : int
        Root seed; fold seeds come from ``(seed, model, cutoff)``.
    draws, tune, chains : int
        NUTS settings per fold (default 500, 500, 2; chains run sequentially).
    target_accept : float
        NUTS target acceptance rate.
    sim_draws : int, optional
        Posterior draws per forecast (default: all ``draws * chains``).
    target : str
        Panel column forecast (``launch_days`` by default).
    baselines : sequence of str
        Models whose best (per horizon and path) is the skill reference.
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
    models = check_models(models)
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
    get_model(models[0], target=target)  # refuse a bad target before any work
    check_executor(workers, scheduler)
    folds = make_folds(models, cutoffs, seed)
    started = time.perf_counter()
    task = functools.partial(run_fold, panel=panel, settings=settings)
    results = run_tasks(
        task, folds, workers=workers, scheduler=scheduler, progress=progress, label=str
    )
    seconds = time.perf_counter() - started
    scores = pd.concat([r.scores for r in results], ignore_index=True)
    scores = scores.sort_values(["model", "cutoff", "state_path", "horizon"], ignore_index=True)
    meta = {
        "models": models,
        "baselines": baselines,
        "cutoffs": [str(c) for c in cutoffs],
        "workers": workers,
        "scheduler": scheduler,
        **asdict(settings),
    }
    return BacktestResult(
        scores=scores,
        folds=pd.DataFrame([r.info for r in results]),
        summary=summarise(scores, baselines),
        settings=meta,
        seconds=seconds,
    )


# --- summaries --------------------------------------------------------------------------------

#: Grouping of the summary table.
SUMMARY_KEYS = ["model", "state_path", "horizon"]


def skill(summary: pd.DataFrame, score: str = "crps", baselines=BASELINES) -> pd.DataFrame:
    """Skill of every row against the best baseline at the same horizon and state path.

    ``skill = 1 - mean score(model) / mean score(best baseline)``, where the best
    baseline is the baseline with the lower mean ``score`` at that horizon and
    state path. Positive: better than every baseline; 0: the best baseline itself.

    Parameters
    ----------
    summary : DataFrame
        Mean scores with columns ``model``, ``state_path``, ``horizon`` and ``score``.
    score : str
        A negatively oriented score column (e.g. ``crps``).
    baselines : sequence of str
        Baseline model names; those absent from ``summary`` are ignored.

    Returns
    -------
    DataFrame
        Same index as ``summary``, columns ``{score}_skill`` and
        ``{score}_baseline`` (the best baseline's name); NaN where no baseline
        was scored or its mean score is 0.
    """
    keys = ["state_path", "horizon"]
    base = summary[summary["model"].isin(list(baselines))]
    best = base.loc[base.groupby(keys)[score].idxmin(), [*keys, "model", score]]
    best = best.rename(columns={"model": "_base_model", score: "_base_score"})
    merged = summary[keys].merge(best, on=keys, how="left")
    denom = merged["_base_score"].where(merged["_base_score"] > 0)
    out = pd.DataFrame(
        {
            f"{score}_skill": (1 - summary[score].to_numpy() / denom.to_numpy()),
            f"{score}_baseline": merged["_base_model"].to_numpy(),
        },
        index=summary.index,
    )
    return out


def summarise(scores: pd.DataFrame, baselines=BASELINES) -> pd.DataFrame:
    """Mean scores, skill against the best baseline and coverage, by model, path and horizon.

    Parameters
    ----------
    scores : DataFrame
        The ``scores`` table of a backtest.
    baselines : sequence of str
        Reference models for the skill columns (see :func:`skill`).

    Returns
    -------
    DataFrame
        One row per model, state path and horizon: ``n`` (forecasts), the mean of
        each score, ``{score}_skill`` and ``{score}_baseline`` for every score,
        ``coverage_50/80/94`` (share of observations inside the central interval)
        and ``pit_mean``.
    """
    coverage = [c for c in scores.columns if c.startswith("covered_")]
    named = {"n": ("crps", "size")}
    named |= {s: (s, "mean") for s in SCORE_COLUMNS}
    named |= {c.replace("covered_", "coverage_"): (c, "mean") for c in coverage}
    named |= {"pit_mean": ("pit", "mean")}
    table = scores.groupby(SUMMARY_KEYS, observed=True).agg(**named).reset_index()
    for score in SCORE_COLUMNS:
        table = table.join(skill(table, score, baselines))
    return table


def pit_table(scores: pd.DataFrame, bins: int = 10, by=("model", "state_path")) -> pd.DataFrame:
    """Non-randomised PIT histograms of a backtest, one per group.

    Parameters
    ----------
    scores : DataFrame
        The ``scores`` table (``pit_lo``, ``pit_hi``).
    bins : int
        Number of bins.
    by : sequence of str
        Grouping columns (default: one histogram per model and state path).

    Returns
    -------
    DataFrame
        The ``by`` columns, ``bin_lo``, ``bin_hi``, ``freq``, ``density`` and ``n``.
    """
    from forecast.evaluation.scores import pit_histogram

    frames = []
    for key, group in scores.groupby(list(by), observed=True):
        hist = pit_histogram(group["pit_lo"].to_numpy(), group["pit_hi"].to_numpy(), bins)
        key = key if isinstance(key, tuple) else (key,)
        frames.append(hist.assign(**dict(zip(by, key, strict=True)), n=len(group)))
    return pd.concat(frames, ignore_index=True)[[*by, "bin_lo", "bin_hi", "freq", "density", "n"]]


# --- in-sample comparison ---------------------------------------------------------------------


def compare_models(
    models: Mapping[str, BaseModel] | Sequence[BaseModel], method: str = "stacking"
) -> pd.DataFrame:
    """PSIS-LOO comparison of fitted models with stacking weights (``az.compare``).

    LOO compares the models' predictions of the *same* months, so every model
    must be fitted to the same training months and target (``recent_rate``,
    which fits only the last 24 months, cannot join the others).

    Parameters
    ----------
    models : mapping of name to BaseModel, or sequence of BaseModel
        Fitted models (``fit`` keeps the pointwise log-likelihood).
    method : {"stacking", "BB-pseudo-BMA", "pseudo-BMA"}
        How ``az.compare`` weights the models.

    Returns
    -------
    DataFrame
        ``az.compare``'s table: ``rank``, ``elpd_loo``, ``p_loo``, ``elpd_diff``,
        ``weight`` (sums to 1), ``se``, ``dse``, ``warning``, ``scale``.
    """
    if not isinstance(models, Mapping):
        models = {m.name: m for m in models}
    if len(models) < 2:
        raise ConfigError("models", "fewer than two models to compare", "give two or more fits")
    idatas, reference = {}, None
    for name, model in models.items():
        idata = getattr(model, "idata", None)
        if idata is None or "log_likelihood" not in idata.groups():
            raise ConfigError(
                name, "not fitted, or fitted without the log-likelihood", "fit it with model.fit()"
            )
        months = tuple(pd.to_datetime(model.training["month"]))
        shape = idata.log_likelihood["y"].shape[2:]
        key = (model.target, months, shape)
        if reference is None:
            reference = (name, key)
        elif key != reference[1]:
            raise ConfigError(
                name,
                f"fitted to other observations than {reference[0]} (target, training months "
                "or series differ), so PSIS-LOO cannot compare them",
                "fit every model to the same months and target (recent_rate and "
                "class_hierarchical only compare with their own kind)",
            )
        idatas[name] = idata
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return az.compare(idatas, ic="loo", method=method, var_name="y")
