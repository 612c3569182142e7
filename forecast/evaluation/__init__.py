"""Forecast evaluation: proper scores, rolling-origin backtests, skill, pools, in-sample LOO.

Typical use::

    from forecast.evaluation import backtest, regular_cutoffs

    result = backtest(
        panel,
        ["empirical_recent", "recent_rate", "constant_rate", "last_value", "state_rate"],
        regular_cutoffs("2005-01", "2024-12", every=5),
        horizon=12,
        pools=["stack:state_rate+recent_rate"],
        oracles=True,
        workers=2,                      # or scheduler="tcp://HOST:8786"
    )
    result.tables["by_band"]            # skill vs the best naive baseline, bootstrap intervals
    result.write("runs/backtest")       # scores.csv, summary.csv, by_band.csv, ...
"""

from __future__ import annotations

from forecast.evaluation.backtest import (
    BASELINES,
    ORACLES,
    STATE_PATHS,
    BacktestResult,
    BacktestSettings,
    Fold,
    FoldResult,
    backtest,
    check_cutoffs,
    fold_seeds,
    read_summary,
    regular_cutoffs,
    run_fold,
)
from forecast.evaluation.combine import BANDS, check_pools, stacking_weights
from forecast.evaluation.executors import run_tasks
from forecast.evaluation.insample import compare_models, loo_check
from forecast.evaluation.scores import (
    brier_any,
    crps,
    interval_coverage,
    interval_score,
    log_score,
    pit_bounds,
    pit_cdf,
    pit_coverage,
    pit_histogram,
    rps,
    score_forecasts,
)
from forecast.evaluation.skill import (
    bootstrap_skill,
    evidence_table,
    headline_skill,
    headline_table,
    pit_table,
    skill,
    summarise,
    summary_tables,
)

__all__ = [
    "BANDS",
    "BASELINES",
    "ORACLES",
    "STATE_PATHS",
    "BacktestResult",
    "BacktestSettings",
    "Fold",
    "FoldResult",
    "backtest",
    "bootstrap_skill",
    "brier_any",
    "check_cutoffs",
    "check_pools",
    "compare_models",
    "crps",
    "evidence_table",
    "fold_seeds",
    "headline_skill",
    "headline_table",
    "interval_coverage",
    "interval_score",
    "log_score",
    "loo_check",
    "pit_bounds",
    "pit_cdf",
    "pit_coverage",
    "pit_histogram",
    "pit_table",
    "read_summary",
    "regular_cutoffs",
    "rps",
    "run_fold",
    "run_tasks",
    "score_forecasts",
    "skill",
    "stacking_weights",
    "summarise",
    "summary_tables",
]
