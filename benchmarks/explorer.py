"""Benchmark: how fast the scenario explorer answers a change of path.

Makes the explorer (:func:`forecast.explore`, widgets built but not displayed) on a run
folder, or on a ``fast`` fit of the default model made here, then sets ``--changes`` random
paths (a state per month, each change one update, as a user's click) and prints the time of
making it (everything done once) and the median and worst update, split into simulating the
path, the summaries and the figure. The issue's target is under 1 s per change.

Run with ``python benchmarks/explorer.py [--run RUN_DIR] [--draws N] [--horizon 12]
[--today YYYY-MM-DD]`` (``--today``: the path starts in that day's month, the months the data
lack simulated first, as ``explore(today=...)`` does in notebook 04).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import matplotlib
import numpy as np

from forecast.constants import STATES
from forecast.explore import explore

matplotlib.use("Agg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", help="a run folder (default: a fast fit made here)")
    parser.add_argument("--draws", type=int, default=None, help="default: every draw")
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args()
    if args.run:
        run, outlook = args.run, None
    else:
        from forecast.data import load_tables, monthly_panel
        from forecast.models import get_model
        from forecast.runs import fit_outlook, fit_run

        model = fit_run(get_model("default"), monthly_panel(load_tables()), "fast", seed=1).model
        run, outlook = model, fit_outlook(model)
    started = time.perf_counter()
    explorer = explore(
        run,
        outlook,
        draws=args.draws,
        horizon=args.horizon,
        static=False,
        show=False,
        today=args.today,
    )
    made = time.perf_counter() - started
    rng = np.random.default_rng(args.seed)
    steps = {"simulate": [], "summaries": [], "figure": [], "update": []}
    for _ in range(args.changes):
        explorer.set(path=list(rng.choice(STATES, size=args.horizon)))
        for key, values in steps.items():
            values.append(explorer.timings[key])
    print(
        f"explorer of {explorer.model.name}: {explorer.forecast.n_draws:,} draws x "
        f"{args.horizon} months, {explorer.lead} simulated before them; made in {made:.2f} s "
        f"(of which precompute "
        f"{explorer.timings['precompute']:.2f} s, the rest loading and the first update)"
    )
    print("| step | median s | worst s |")
    print("|---|---:|---:|")
    for key, values in steps.items():
        print(f"| {key} | {statistics.median(values):.3f} | {max(values):.3f} |")


if __name__ == "__main__":
    main()
