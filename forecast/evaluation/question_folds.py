"""The count-model folds of the strict question backtest: one fit, many futures, cached.

At a cutoff the default count model (``ar_level``) is fitted once on the months up to it
(the ``backtest`` sampler preset, seeds from :func:`forecast.evaluation.folds.fold_seeds`) and
simulates, with common random numbers, the state held at the cutoff (``persist``) and the
unconditional forecast along the paths of every state model of
:mod:`forecast.models.state_catalog` fitted on the same months (``transition:<name>``), with
the class mix and nuclear rate fitted at the cutoff. The naive ``recent_rate`` model is
fitted at the same cutoff and simulates the state held (it knows no state). From these
futures a fold keeps

- the answers to the count families of :mod:`forecast.evaluation.question_families`
  (probabilities; for the numeric family the mean, quantiles, CRPS and PIT bounds), and
- the CRPS of every forecast month along every path (the unconditional forecast against
  holding the state, by horizon).

Folds are written to a cache folder as they finish (one CSV pair per cutoff), so a long run
can be stopped and resumed, and the tables rebuilt without refitting.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import ConfigError
from forecast.evaluation.fold_forecasts import fold_model, persist_future
from forecast.evaluation.folds import fold_sampler, fold_seeds, forecast_months
from forecast.evaluation.question_families import FAMILIES, family_question, outcome_at
from forecast.models import DEFAULT_MODEL, PRESETS, get_model
from forecast.models.state_catalog import DEFAULT_TRANSITIONS, TRANSITION_MODELS
from forecast.questions import simulated_outcomes
from forecast.runs import fit_run, outlook_at
from forecast.scores import crps, mixture_crps_terms, pit_bounds
from forecast.simulation import Future, simulate, state_paths

#: The count model whose forecasts answer the count families (the default), and the naive one.
COUNT_MODEL = DEFAULT_MODEL
NAIVE_MODEL = "recent_rate"

#: Months forecast at each cutoff (the longest window).
HORIZON = 12

#: The layout of a cached fold: 2 adds the terms of the CRPS of blends with the state held
#: (``e_a, e_b, d_aa, d_bb, d_ab`` of :func:`forecast.scores.mixture_crps_terms`).
FOLD_FORMAT = 2


@dataclass(frozen=True)
class FoldSettings:
    """What determines a count fold's numbers (JSON-ready via ``asdict``).

    Attributes
    ----------
    seed : int
        Root seed (fold seeds from ``(seed, model, cutoff)``).
    draws, tune, chains : int
        Sampler settings of each fit (the ``backtest`` preset by default).
    sim_draws : int
        Predictive draws per forecast.
    transitions : tuple of str
        The state models whose paths are simulated.
    model : str
        The count model fitted at each cutoff, :data:`COUNT_MODEL` (recorded, not set: a cache
        of another model's folds is not read).
    """

    seed: int = 20251231
    draws: int = PRESETS["backtest"].draws
    tune: int = PRESETS["backtest"].tune
    chains: int = PRESETS["backtest"].chains
    sim_draws: int = 2000
    transitions: tuple[str, ...] = tuple(TRANSITION_MODELS)
    model: str = field(default=COUNT_MODEL, init=False)


def _fit(name: str, panel: pd.DataFrame, cutoff: pd.Period, settings: FoldSettings):
    config = get_model(name).config()
    model = fold_model(config, panel, "launch_days").set_until(cutoff)
    fit_seed, sim_seed = fold_seeds(settings.seed, name, cutoff)
    fit_run(model, None, fold_sampler(settings), seed=fit_seed, freeze=False)
    return model, fit_seed, sim_seed


def _answers(forecast, scenario: str, source: str, cutoff, panel) -> list[dict]:
    """The count families answered by one simulated future."""
    sims = forecast.data.sel(scenario=scenario)
    rows = []
    for family in FAMILIES:
        if family["group"] != "count":
            continue
        outcome = outcome_at(family, cutoff, panel)
        if outcome is None:
            continue
        values = simulated_outcomes(family_question(family, cutoff), sims).values
        row = {"cutoff": str(cutoff), "family": family["id"], "source": source, "outcome": outcome}
        if family["type"] == "binary":
            row["answer"] = float(values.mean())
        else:
            lo, hi = pit_bounds([outcome], [values])
            row |= {
                "answer": float(values.mean()),
                "crps": float(crps([outcome], [values])[0]),
                "pit_lo": float(lo[0]),
                "pit_hi": float(hi[0]),
                **{f"q{q}": float(np.quantile(values, q / 100)) for q in (10, 25, 50, 75, 90)},
            }
        rows.append(row)
    return rows


def run_count_fold(
    cutoff: pd.Period, panel: pd.DataFrame, settings: FoldSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit the count model and the naive one at ``cutoff``; answer and score (module docstring).

    Returns
    -------
    answers : DataFrame
        ``cutoff, family, source`` (``ar_level:<state model>`` or ``recent_rate``),
        ``outcome, answer`` (and for the numeric family ``crps, pit_lo, pit_hi, q10..q90``).
    months : DataFrame
        ``cutoff, horizon, path`` (``persist``, ``transition:<state model>``), ``observed``,
        ``crps``, and the terms of the CRPS of the path's forecast blended with the state held,
        ``e_a, e_b, d_aa, d_bb, d_ab`` (:func:`forecast.scores.mixture_crps_terms`; ``a`` the
        path, ``b`` the state held).
    """
    started = time.perf_counter()
    model, fit_seed, sim_seed = _fit(COUNT_MODEL, panel, cutoff, settings)
    months, rows = forecast_months(panel, cutoff, HORIZON)
    outlook = outlook_at(panel, cutoff, fit_seed)
    persist = persist_future(model, months)
    training = panel[pd.to_datetime(panel["month"]) <= cutoff.to_timestamp()]
    futures = [persist]
    for name in settings.transitions:
        chain = TRANSITION_MODELS[name](random_seed=fit_seed).fit(training)
        paths = state_paths(chain, months, settings.sim_draws, sim_seed)
        futures.append(Future(f"transition:{name}", name, months, paths, persist.exercise_days))
    forecast = simulate(
        model, futures, random_seed=sim_seed, draws=settings.sim_draws, outlook=outlook
    )
    answers = []
    for name in settings.transitions:
        answers += _answers(forecast, f"transition:{name}", f"{COUNT_MODEL}:{name}", cutoff, panel)
    naive, _, naive_seed = _fit(NAIVE_MODEL, panel, cutoff, settings)
    held = simulate(
        naive,
        [persist_future(naive, months)],
        random_seed=naive_seed,
        draws=settings.sim_draws,
        outlook=outlook,
    )
    answers += _answers(held, "persist", NAIVE_MODEL, cutoff, panel)
    observed = panel.loc[rows, "launch_days"].to_numpy(float)
    scored = []
    held_draws = forecast.counts.sel(scenario=persist.name).transpose("month", "draw").values
    for future in futures:
        draws = forecast.counts.sel(scenario=future.name).transpose("month", "draw").values
        values = crps(observed, draws.astype(float))
        # the terms of the CRPS of every blend of this path's forecast with the state held
        terms = mixture_crps_terms(observed, draws, held_draws)
        for h, value in enumerate(values, start=1):
            scored.append(
                {
                    "cutoff": str(cutoff),
                    "horizon": h,
                    "path": future.name,
                    "observed": observed[h - 1],
                    "crps": float(value),
                    **terms.iloc[h - 1].to_dict(),
                }
            )
    answers = pd.DataFrame(answers).assign(seconds=time.perf_counter() - started)
    return answers, pd.DataFrame(scored)


def state_models_digest() -> str:
    """SHA-256 (first 16 hex digits) of the source of every module the state paths depend
    on: the modules that define the state models and their counting, conditioning and
    discounting helpers, and :mod:`forecast.simulation`. The count folds follow those paths,
    so a cache made with other code there is refused rather than mixed with new answers (an
    edit of a comment there refuses it too)."""
    import forecast.simulation as simulation
    from forecast.models import conditioning, events, state_model, state_sequences

    modules = {inspect.getmodule(cls) for cls in TRANSITION_MODELS.values()}
    modules |= {conditioning, events, state_model, state_sequences, simulation}
    digest = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.__name__):
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]


def count_folds(
    panel: pd.DataFrame,
    cutoffs,
    settings: FoldSettings,
    cache: str | Path,
    progress: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run (or read from ``cache``) the count fold of every cutoff.

    Parameters
    ----------
    panel : DataFrame
    cutoffs : iterable of Period
    settings : FoldSettings
    cache : str or Path
        Folder of finished folds (``answers-YYYY-MM.csv``, ``months-YYYY-MM.csv``) and
        ``settings.json``; a fold already there is read, not refitted (a cache written with
        other settings, or with state models whose source differs,
        :func:`state_models_digest`, is refused).
    progress : bool
        Print one line per fold on stderr.

    Returns
    -------
    answers, months : DataFrame
        See :func:`run_count_fold`, for every cutoff.
    """
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    record = cache / "settings.json"
    wanted = {**asdict(settings), "state_models": state_models_digest(), "format": FOLD_FORMAT}
    if record.exists():
        # a record written before it named its model holds ar_level's folds, the only model
        # the count folds had then
        held = {"model": "ar_level", **json.loads(record.read_text(encoding="utf-8"))}
        if json.dumps(held, sort_keys=True) != json.dumps(wanted, sort_keys=True):
            raise ConfigError(
                record,
                "the folder holds folds made with other settings or other state models",
                "use another --cache folder, or delete this one to refit its folds",
            )
    record.write_text(json.dumps(wanted, sort_keys=True) + "\n", encoding="utf-8")
    answers, months = [], []
    for k, cutoff in enumerate(cutoffs):
        a_file, m_file = cache / f"answers-{cutoff}.csv", cache / f"months-{cutoff}.csv"
        if a_file.exists() and m_file.exists():
            a, m = pd.read_csv(a_file), pd.read_csv(m_file)
        else:
            a, m = run_count_fold(cutoff, panel, settings)
            a.to_csv(a_file, index=False)
            m.to_csv(m_file, index=False)
            if progress:
                seconds = a["seconds"].iloc[0] if len(a) else 0.0
                print(f"fold {k + 1}/{len(cutoffs)} {cutoff}: {seconds:.0f} s", file=sys.stderr)
        answers.append(a)
        months.append(m)
    return pd.concat(answers, ignore_index=True), pd.concat(months, ignore_index=True)


def fold_seconds(answers: pd.DataFrame) -> float:
    """The count folds' own fitting and answering time, summed over cutoffs (seconds).

    Each fold records its time when it is computed; a fold read from the cache keeps the time
    of the run that computed it, so this is the cost of the folds from scratch, whereas the
    backtest's wall time counts only the folds it computed itself.
    """
    if "seconds" not in answers or answers.empty:
        return 0.0
    return float(answers.groupby("cutoff")["seconds"].first().sum())


__all__ = [
    "COUNT_MODEL",
    "DEFAULT_TRANSITIONS",
    "NAIVE_MODEL",
    "FoldSettings",
    "count_folds",
    "fold_seconds",
    "run_count_fold",
    "state_models_digest",
]
