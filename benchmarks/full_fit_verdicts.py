"""Benchmark: the default's full fit at two target acceptances, side by side over seeds.

Run with ``python benchmarks/full_fit_verdicts.py [--seeds 1 2 ... 10] [--accepts 0.97 0.99]``.
For each seed the default model (``ar_level``, launch days, the bundled data, ``full`` preset:
4 chains x 1,000 draws after 500 tuning steps) is fitted once at each target acceptance in
turn; the table gives the convergence verdict (:func:`forecast.models.diagnostics.diagnose`),
its divergences, worst r-hat, smallest bulk ESS and the sampling seconds, then the share of
seeds that passed and the bulk ESS per second. This is the measurement behind
``ARLevel.preset_overrides`` (README "Speed").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

from machine import describe

from forecast.data import load_tables, monthly_panel
from forecast.models import get_model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 11)))
    parser.add_argument("--accepts", nargs="+", type=float, default=[0.97, 0.99])
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    panel = monthly_panel(load_tables())
    model = get_model("default")
    model.build(panel)
    model.fit("fast", random_seed=0)  # compile once, outside the timings
    rows = []
    for seed in args.seeds:
        for accept in args.accepts:
            started = time.perf_counter()
            model.fit("full", random_seed=seed, target_accept=accept)
            seconds = time.perf_counter() - started
            d = model.diagnostics
            rows.append(
                (accept, seed, d.passed, d.divergences, d.max_rhat, d.min_ess_bulk, seconds)
            )
            print(f"seed {seed} target_accept {accept}: {seconds:.1f} s, passed {d.passed}",
                  file=sys.stderr, flush=True)  # fmt: skip
    print(f"Measured on {describe()}\n")
    print("| target_accept | seed | verdict | divergences | max r-hat | min ESS bulk | s |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for accept, seed, passed, div, rhat, ess, seconds in rows:
        print(f"| {accept} | {seed} | {'PASS' if passed else 'FAIL'} | {div} | {rhat:.4f} | "
              f"{ess:.0f} | {seconds:.1f} |")  # fmt: skip
    print("\n| target_accept | seeds passed | median s | median ESS bulk per s |")
    print("|---:|---:|---:|---:|")
    for accept in args.accepts:
        mine = [r for r in rows if r[0] == accept]
        passed = sum(r[2] for r in mine)
        seconds = statistics.median(r[6] for r in mine)
        per_second = statistics.median(r[5] / r[6] for r in mine)
        print(f"| {accept} | {passed} / {len(mine)} | {seconds:.1f} | {per_second:.0f} |")


if __name__ == "__main__":
    main()
