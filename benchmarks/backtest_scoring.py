"""Benchmark: scoring a backtest's folds, a table per fold against one table from their columns.

A backtest scores every fold's forecasts (three state paths x 12 months x 2,000 draws) and
gathers them in one ``scores`` table: ``make skill`` scores 2,160 fold results per target
(1,200 model folds, 480 pool folds and 480 oracle folds; 2,400 when this was measured, with
``ar_level_lean``). Until 2026-12-05 each fold's scores
became a table of their own before the tables were joined, and the members were scored twice
(alone, for the pools' weights, then again beside the pools and oracles). This benchmark times,
side by side in one run, on the same synthetic folds:

per-fold tables
    The former way (reimplemented here as the reference): a ``DataFrame`` per fold and path,
    then ``pd.concat`` and a sort.
joined columns
    :func:`forecast.evaluation.folds.score_results`: every fold's columns joined, one table
    built, then the sort.

Both must give the same table (checked). Run with ``python benchmarks/backtest_scoring.py
[--folds 600] [--repeats 3]``; the markdown table goes to stdout.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from machine import describe

from forecast.evaluation.folds import STATE_PATHS, FoldResult, score_results
from forecast.scores import score_forecasts


def per_fold_tables(results) -> pd.DataFrame:
    """The former scoring: one table per fold and path, joined and sorted."""
    frames = []
    for result in results:
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
    scores = pd.concat(frames, ignore_index=True)
    return scores.sort_values(["model", "cutoff", "state_path", "horizon"], ignore_index=True)


def synthetic_folds(n_folds: int, seed: int = 1) -> list[FoldResult]:
    """Folds of a negative-binomial forecast: 12 months, 2,000 draws, three paths."""
    rng = np.random.default_rng(seed)
    folds = []
    for i in range(n_folds):
        cutoff = pd.Period("2005-01", "M") + i % 240
        months = pd.period_range(cutoff + 1, periods=12, freq="M")
        folds.append(
            FoldResult(
                f"model_{i // 240}",
                cutoff,
                months,
                rng.poisson(1.0, 12),
                {
                    p: rng.negative_binomial(2, 0.6, (12, 2000)).astype(np.int32)
                    for p in STATE_PATHS
                },
                {p: np.array(["no_talks"] * 12, dtype=object) for p in STATE_PATHS},
                {p: rng.random(12) for p in STATE_PATHS},
            )
        )
    return folds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    folds = synthetic_folds(args.folds)
    ways = {"per-fold tables": per_fold_tables, "joined columns": score_results}
    times = {name: [] for name in ways}
    tables = {}
    for _ in range(args.repeats):  # interleaved, so that a noisy minute hits both
        for name, way in ways.items():
            started = time.perf_counter()
            tables[name] = way(folds)
            times[name].append(time.perf_counter() - started)
    pd.testing.assert_frame_equal(tables["per-fold tables"], tables["joined columns"])
    print(f"{describe()}; {args.folds} folds x 3 paths x 12 months x 2,000 draws\n")
    print("| way | median s | min s | per fold ms |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        median = float(np.median(values))
        print(f"| {name} | {median:.2f} | {min(values):.2f} | {1000 * median / args.folds:.1f} |")
    print("\nSame table both ways: yes")


if __name__ == "__main__":
    main()
