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

import lazy_loader

# The face names what the package offers and loads a submodule when one of its names is first
# used (Scientific Python's SPEC 1), so that a light submodule (the backtest plan, the pools'
# parser) can be imported without the backtest that fits models.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "backtest": ["backtest"],
        "fold_forecasts": ["run_fold"],
        "folds": ["STATE_PATHS", "Fold", "FoldResult", "fold_seeds"],
        "results": ["BacktestResult", "read_summary"],
        "plan": ["BASELINES", "ORACLES", "BacktestSettings", "check_cutoffs", "regular_cutoffs"],
        "combine": ["BANDS", "check_pools", "stacking_weights"],
        "executors": ["run_tasks"],
        "insample": ["compare_models", "loo_check"],
        "skill": [
            "bootstrap_skill",
            "evidence_table",
            "headline_skill",
            "headline_table",
            "pit_table",
            "skill",
            "summarise",
            "summary_tables",
        ],
        "totals": ["total_scores", "totals_findings", "totals_table"],
        "ablation": ["ablation_findings", "ablation_table"],
    },
)
