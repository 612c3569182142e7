"""Benchmark: load and validate the six tables, then build the monthly panel.

Run with ``python benchmarks/data_panel.py``; prints the median wall time of each step.
"""

from __future__ import annotations

import statistics
import time

from forecast.data import load_tables, monthly_panel, yearly_summary


def _median_seconds(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    tables = load_tables()
    rows = {
        "load_tables (6 files, validated)": _median_seconds(load_tables),
        "monthly_panel (1990-01..2025-12)": _median_seconds(lambda: monthly_panel(tables)),
        "yearly_summary": _median_seconds(lambda: yearly_summary(tables)),
    }
    for step, seconds in rows.items():
        print(f"{step:40s} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
