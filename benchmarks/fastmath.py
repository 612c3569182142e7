"""Benchmark: sampling with and without numba's fast-math, side by side, and whether a cold and
a warm compile give the same bits.

Run with ``python benchmarks/fastmath.py [--models state_rate ar_level] [--rounds 3]``. For
each model (full data) the log density is compiled twice in this process with nutpie's own
compilation, once with PyTensor's ``numba__fastmath`` on and once off, then sampled in turn
(``full`` preset: 4 chains x 1,000 draws after 500 tuning steps, the model's target_accept,
seed 1) ``--rounds`` times each; the table gives the sampling seconds (compilation excluded).
The package compiles with fast-math off (:func:`forecast.models.numba_cache.compile_numba_model`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import nutpie
import pytensor
from machine import describe

from forecast.data import load_tables, monthly_panel
from forecast.models import get_model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["state_rate", "ar_level"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    panel = monthly_panel(load_tables())
    rows = []
    for name in args.models:
        model = get_model(name)
        built = model.build(panel)
        sampler = model.suited_sampler("full")
        compiled = {}
        for fastmath in (True, False):
            with pytensor.config.change_flags(numba__fastmath=fastmath):
                compiled[fastmath] = nutpie.compile_pymc_model(built, backend="numba")
        seconds = {True: [], False: []}
        for _ in range(args.rounds):
            for fastmath, c in compiled.items():
                start = time.perf_counter()
                nutpie.sample(
                    c,
                    draws=sampler.draws,
                    tune=sampler.tune,
                    chains=sampler.chains,
                    seed=1,
                    progress_bar=False,
                    adaptation=sampler.adaptation,
                    target_accept=sampler.target_accept,
                )
                seconds[fastmath].append(time.perf_counter() - start)
                print(f"{name} fastmath={fastmath}: {seconds[fastmath][-1]:.2f} s",
                      file=sys.stderr, flush=True)  # fmt: skip
        for fastmath, values in seconds.items():
            rows.append((name, "on" if fastmath else "off (the package)", values))
    print(f"Measured on {describe()}\n")
    print("| model | fast-math | min s | median s | max s |")
    print("|---|---|---:|---:|---:|")
    for name, label, values in rows:
        print(f"| {name} | {label} | {min(values):.2f} | {statistics.median(values):.2f} | "
              f"{max(values):.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
