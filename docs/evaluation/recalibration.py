"""Past-only recalibration of the default's forecasts, tried for issue 22 (not shipped).

    .venv/bin/python docs/evaluation/recalibration.py folds /tmp/recal-folds.pkl   # ~21 min
    .venv/bin/python docs/evaluation/recalibration.py study /tmp/recal-folds.pkl   # ~12 min
    .venv/bin/python docs/evaluation/recalibration.py stacks /tmp/recal-folds.pkl  # ~3 min

``folds`` fits ``ar_level`` and the four naive baselines at every month 2000-01..2024-12
(horizon 12, seed 20251231: ``make skill``'s folds, whose seeds come from the model and the
cutoff, plus five earlier years) and keeps their forecasts' draws. ``study`` recalibrates
``ar_level``'s forecast at each cutoff 2005-01..2024-12 of ``make skill`` with the PIT
distribution of its own forecasts resolved by that cutoff (target month at most the cutoff;
held-state path; pooled by horizon band, or per horizon), and scores both against the best
naive forecast: ``recalibration.csv`` beside this file.

The recalibrated forecast's CDF is ``G(F(y))`` (quantile recalibration, Kuleshov, Fenner &
Ermon 2018), ``F`` the forecast's and ``G`` the mean non-randomised PIT CDF of the resolved
forecasts (:func:`forecast.scores.pit_cdf`), shrunk toward the identity as ``n / (n + n0)``
and left out below 24 resolved forecasts. Its draws are ``F^-1(G^-1(v))`` at stratified ``v``.
If the model's intervals were too narrow in the same way every year, this would widen them
and lower the CRPS. They are not: every variant lowers the skill (``study`` prints the table).

``stacks`` asks the same of ``make skill``'s stacks (:mod:`forecast.evaluation.combine`) given
the longer past: ``ar_level`` stacked with ``recent_rate``, with ``empirical_recent`` and with
both, the weights learned at each cutoff from the forecasts resolved by then since 2000
(``recalibration_stacks.csv``).
"""

from __future__ import annotations

import argparse
import functools
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.data import load_tables, monthly_panel
from forecast.evaluation.backtest import model_configs
from forecast.evaluation.combine import BANDS, PoolSpec, band_of, pool_results
from forecast.evaluation.executors import run_tasks
from forecast.evaluation.fold_forecasts import run_fold
from forecast.evaluation.folds import STATE_PATHS, make_folds, score_results
from forecast.evaluation.plan import BacktestSettings, regular_cutoffs
from forecast.evaluation.skill import summary_tables
from forecast.models import PRESETS
from forecast.scores import pit_cdf

HERE = Path(__file__).parent
BASELINES = ["empirical_recent", "last_value", "constant_rate", "recent_rate"]
MODEL = "ar_level"
SEED = 20251231
#: Resolved forecasts a band (or horizon) needs before it is recalibrated.
MIN_RESOLVED = 24
#: (label, n0 of the shrinkage (0: none), pooled by "band" or "horizon", window in months (0: all))
VARIANTS = [
    ("all past, by band", 0, "band", 0),
    ("all past, by band, shrunk n0=100", 100, "band", 0),
    ("all past, by band, shrunk n0=300", 300, "band", 0),
    ("all past, by horizon", 0, "horizon", 0),
    ("last 10 years, by band", 0, "band", 120),
    ("last 10 years, by band, shrunk n0=100", 100, "band", 120),
]
GRID = np.linspace(0.0, 1.0, 2001)


def fit_folds(out: Path) -> None:
    """Fit the folds of ``ar_level`` and the baselines at every month 2000-01..2024-12."""
    panel = monthly_panel(load_tables())
    preset = PRESETS["backtest"]
    settings = BacktestSettings(
        horizon=12, seed=SEED, draws=preset.draws, tune=preset.tune, chains=preset.chains
    )
    cutoffs = regular_cutoffs("2000-01", "2024-12", every=1)
    labels, configs = model_configs([*BASELINES, MODEL])
    folds = make_folds(labels, cutoffs, SEED)
    task = functools.partial(run_fold, panel=panel, settings=settings, configs=configs)
    results = run_tasks(task, folds, workers=2)
    with out.open("wb") as fh:
        pickle.dump(results, fh)


def recalibrated(result, resolved: pd.DataFrame, n0: int, per: str, window: int, seed: int):
    """``result``'s forecast recalibrated with the PITs of ``resolved`` forecasts (``scores``
    rows of the same model, held-state path) whose target month is at most its cutoff; the
    map learned from the held-state forecasts is applied to every state path."""
    cutoff = result.cutoff.to_timestamp()
    past = resolved[resolved["target_month"] <= cutoff]
    if window:
        past = past[past["cutoff"] > cutoff - pd.DateOffset(months=window)]
    rng = np.random.default_rng(seed)
    draws = {}
    for path in STATE_PATHS:
        months = []
        for i, month_draws in enumerate(result.draws[path]):
            lo, hi = BANDS[band_of(i + 1)] if per == "band" else (i + 1, i + 1)
            part = past[past["horizon"].between(lo, hi)]
            n = len(part)
            weight = 0.0 if n < MIN_RESOLVED else n / (n + n0) if n0 else 1.0
            g = GRID if n == 0 else pit_cdf(GRID, part["pit_lo"], part["pit_hi"])
            g = (1 - weight) * GRID + weight * g
            sorted_draws = np.sort(month_draws)
            m = len(sorted_draws)
            p = np.interp((np.arange(m) + rng.random(m)) / m, g, GRID)
            idx = np.clip(np.ceil(p * m).astype(int) - 1, 0, m - 1)
            months.append(sorted_draws[idx][rng.permutation(m)])
        draws[path] = np.stack(months).astype(np.int32)
    return replace(result, model="recalibrated", draws=draws)


def study(folds_file: Path) -> pd.DataFrame:
    """Score every variant beside ``ar_level`` on ``make skill``'s cutoffs."""
    with folds_file.open("rb") as fh:
        results = pickle.load(fh)
    ours = [r for r in results if r.model == MODEL]
    resolved = score_results(ours)
    resolved = resolved[resolved["state_path"] == "persist"]
    scored = [r for r in results if r.cutoff >= pd.Period("2005-01", "M")]
    base = score_results(scored)
    rows = []
    for k, (label, n0, per, window) in enumerate(VARIANTS):
        recal = [
            recalibrated(r, resolved, n0, per, window, seed=SEED + 1000 * k + i)
            for i, r in enumerate(scored)
            if r.model == MODEL
        ]
        scores = pd.concat([base, score_results(recal)], ignore_index=True)
        table = summary_tables(scores, BASELINES, bootstrap=200, seed=1)["by_band"]
        table = table[table["model"].isin([MODEL, "recalibrated"])].copy()
        table["variant"] = np.where(table["model"] == MODEL, "none (ar_level)", label)
        rows.append(table if k == 0 else table[table["model"] == "recalibrated"])
    columns = ["variant", "state_path", "band", "n", "crps", "crps_skill", "crps_skill_lo"]
    columns += ["crps_skill_hi", "log_score", "pit_cov_50", "pit_cov_80"]
    return pd.concat(rows, ignore_index=True)[columns]


def stacks(folds_file: Path) -> pd.DataFrame:
    """Score ``ar_level``'s stacks with the naive forecasts beside it on ``make skill``'s
    cutoffs, their weights learned from every forecast resolved since 2000."""
    with folds_file.open("rb") as fh:
        results = pickle.load(fh)
    members = [("recent_rate",), ("empirical_recent",), ("recent_rate", "empirical_recent")]
    specs = [PoolSpec("stack:" + "+".join((MODEL, *m)), "stack", (MODEL, *m)) for m in members]
    scores = score_results(results)
    pooled, _ = pool_results(specs, results, scores, seed=SEED)
    scores = pd.concat([scores, score_results(pooled)], ignore_index=True)
    scores = scores[scores["cutoff"] >= pd.Timestamp("2005-01-01")]
    table = summary_tables(scores, BASELINES, bootstrap=200, seed=1)["by_band"]
    table = table[~table["model"].isin(BASELINES)]
    columns = ["model", "state_path", "band", "n", "crps", "crps_skill", "crps_skill_lo"]
    return table[[*columns, "crps_skill_hi", "log_score", "pit_cov_80"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["folds", "study", "stacks"])
    parser.add_argument("folds_file", type=Path)
    args = parser.parse_args()
    if args.step == "folds":
        fit_folds(args.folds_file)
        return
    if args.step == "stacks":
        table = stacks(args.folds_file)
        table.to_csv(HERE / "recalibration_stacks.csv", index=False, float_format="%.6g")
    else:
        table = study(args.folds_file)
        table.to_csv(HERE / "recalibration.csv", index=False, float_format="%.6g")
    persist = table[table["state_path"] == "persist"]
    print(persist.to_string(index=False, float_format=lambda x: f"{x:.4f}"))


if __name__ == "__main__":
    main()
