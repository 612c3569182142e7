"""Benchmark: simulate 10 scenarios x 24 months from 4,000 draws, with the outlook models.

Draws 4,000 "posterior" draws per model with the stand-in sampler (prior draws: the cost
of a simulation does not depend on where the draws come from; not timed), fits the run's
outlook models, then times :func:`forecast.scenarios.simulate_scenarios` (median of
``--repeat`` runs) for ten scenarios, two of which follow the transition model (a state path
per draw, one with a condition), with weapon classes and nuclear tests added. The aim in the
README is under 1 s per model.

Run with ``python benchmarks/simulate_scenarios.py [--models ar_level,state_rate]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from forecast.constants import STATES
from forecast.data import load_tables, monthly_panel
from forecast.models import get_model
from forecast.runs import fit_outlook, fit_run
from forecast.scenarios import parse_scenarios, simulate_scenarios


def ten_scenarios(horizon: int = 24) -> dict:
    """Ten scenarios: each state held throughout, four two-step paths, two from the chain."""
    scenarios = {f"all_{s}": {"states": {"2026-01": s}} for s in STATES}
    for i, (a, b) in enumerate([(a, b) for a in STATES for b in STATES if a != b][:4]):
        scenarios[f"path_{i}"] = {"states": {"2026-01": a, "2026-07": b}}
    scenarios["outlook"] = {"transitions": True}
    scenarios["summit"] = {
        "transitions": True,
        "conditions": [{"state": "summitry", "within": 3, "probability": 0.7}],
    }
    return {"start": "2026-01", "horizon": horizon, "scenarios": scenarios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="ar_level,state_rate,class_hierarchical")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    panel = monthly_panel(load_tables())
    spec = parse_scenarios(ten_scenarios())
    print("| model | posterior draws | scenarios x months | simulate (median s) |")
    print("|---|---|---|---|")
    for name in args.models.split(","):
        model = fit_run(get_model(name), panel, "fast", seed=args.seed, draws=1000, chains=4).model
        outlook = fit_outlook(model)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            ds = simulate_scenarios(model, spec, random_seed=args.seed, outlook=outlook)
            times.append(time.perf_counter() - start)
        shape = f"{ds.sizes['scenario']} x {ds.sizes['month']}"
        print(f"| {name} | {ds.sizes['draw']:,} | {shape} | {statistics.median(times):.3f} |")


if __name__ == "__main__":
    main()
