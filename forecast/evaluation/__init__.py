"""Forecast evaluation: proper scores, rolling-origin backtests, skill, in-sample comparison.

Typical use::

    from forecast.evaluation import backtest, regular_cutoffs

    result = backtest(
        panel,
        ["constant_rate", "recent_rate", "state_rate"],
        regular_cutoffs("2005-01", "2024-12", every=6),
        horizon=12,
        workers=2,                      # or scheduler="tcp://HOST:8786"
    )
    result.summary                      # mean scores, skill vs best baseline, coverage
    result.write("runs/backtest")       # scores.csv, summary.csv, folds.csv, settings.json
"""

from __future__ import annotations

from forecast.evaluation.backtest import (
    BASELINES,
    DEFAULT_SAMPLER,
    STATE_PATHS,
    BacktestResult,
    BacktestSettings,
    Fold,
    backtest,
    check_cutoffs,
    compare_models,
    fold_seeds,
    pit_table,
    regular_cutoffs,
    run_fold,
    skill,
    summarise,
)
from forecast.evaluation.executors import run_tasks
from forecast.evaluation.scores import (
    brier_any,
    crps,
    interval_coverage,
    log_score,
    pit_bounds,
    pit_cdf,
    pit_histogram,
    rps,
    score_forecasts,
)

__all__ = [
    "BASELINES",
    "DEFAULT_SAMPLER",
    "STATE_PATHS",
    "BacktestResult",
    "BacktestSettings",
    "Fold",
    "backtest",
    "brier_any",
    "check_cutoffs",
    "compare_models",
    "crps",
    "fold_seeds",
    "interval_coverage",
    "log_score",
    "pit_bounds",
    "pit_cdf",
    "pit_histogram",
    "pit_table",
    "regular_cutoffs",
    "rps",
    "run_fold",
    "run_tasks",
    "score_forecasts",
    "skill",
    "summarise",
]
