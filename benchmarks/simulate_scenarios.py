"""Benchmark: simulate 10 scenarios x 24 months from 4,000 posterior draws.

Fits each model once (4 chains x 1,000 draws = 4,000 draws; not timed), then times
:func:`forecast.scenarios.simulate_scenarios` (median of ``--repeat`` runs). The
aim in the README is under 1 s per model.

Run with ``python benchmarks/simulate_scenarios.py [--models state_rate,self_exciting]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

from forecast.constants import STATES
from forecast.data import load_tables, monthly_panel
from forecast.models import get_model
from forecast.scenarios import parse_scenarios, simulate_scenarios


def ten_scenarios(horizon: int = 24) -> dict:
    """Ten scenarios: each state held throughout, and six two-step paths."""
    scenarios = {f"all_{s}": {"states": {"2026-01": s}} for s in STATES}
    for i, (a, b) in enumerate([(a, b) for a in STATES for b in STATES if a != b][:6]):
        scenarios[f"path_{i}"] = {"states": {"2026-01": a, "2026-07": b}}
    return {"start": "2026-01", "horizon": horizon, "scenarios": scenarios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="state_rate,self_exciting,class_hierarchical")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    panel = monthly_panel(load_tables())
    spec = parse_scenarios(ten_scenarios())
    print("| model | posterior draws | scenarios x months | simulate (median s) |")
    print("|---|---|---|---|")
    for name in args.models.split(","):
        model = get_model(name)
        model.build(panel)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(random_seed=args.seed, progressbar=False)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            ds = simulate_scenarios(model, spec, random_seed=args.seed)
            times.append(time.perf_counter() - start)
        shape = f"{ds.sizes['scenario']} x {ds.sizes['month']}"
        print(f"| {name} | {ds.sizes['draw']:,} | {shape} | {statistics.median(times):.3f} |")


if __name__ == "__main__":
    main()
