"""Benchmark: one rolling-origin backtest run serially, on 2 local workers and on Dask.

Times :func:`forecast.evaluation.backtest` over the same folds (models x cutoffs
``every`` months from ``--from`` to ``--to``, horizon 12 by default) three ways:

serial
    ``workers=1``: every fold in this process, one after another.
local, 2 workers
    ``workers=2``: a ``spawn`` process pool; the time includes starting the
    workers and their imports.
Dask, 2 workers
    A ``distributed.LocalCluster(n_workers=2, threads_per_worker=1,
    processes=True)`` started before the clock (as an existing cluster would
    be); its start-up time is printed below the table.

Before timing, one untimed tiny fit of each model (``--no-warm`` to skip) fills
PyTensor's on-disk numba cache, so that no configuration pays for compiling code
that a later one reuses; each worker still compiles each model once (nutpie's
wrapper), then re-uses it for every cutoff. Every configuration must produce the
same scores (same seed); the table says whether it did.

Columns: ``wall s`` of the whole backtest; ``speed-up`` against serial;
``fold CPU s``, the CPU time of the folds (summed over workers; the same work
in every row); ``cores used`` = fold CPU s / wall s, which shows how much of the
machine the run actually got (other jobs on a shared machine lower it); the
1-minute load average before and after each run.

Run with ``python benchmarks/backtest.py [--every 6 --from 2005-01 --to 2024-12]
[--models constant_rate,recent_rate,state_rate] [--draws 500 --tune 300 --chains 2] [--out DIR]``
(the ``backtest`` preset: 1,000 draws per fold);
the markdown table goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import pandas as pd

from forecast.data import load_tables, monthly_panel
from forecast.evaluation import backtest, regular_cutoffs
from forecast.models import PRESETS, get_model
from forecast.runs import fit_run

PRESET = PRESETS["backtest"]


def warm(panel: pd.DataFrame, models: list[str]) -> None:
    """One tiny fit per model, so PyTensor's numba cache is populated."""
    for name in models:
        fit_run(get_model(name, until="2019-06"), panel, "backtest", draws=20, tune=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="constant_rate,recent_rate,state_rate")
    parser.add_argument("--every", type=int, default=6)
    parser.add_argument("--from", dest="start", default="2005-01")
    parser.add_argument("--to", dest="end", default="2024-12")
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--draws", type=int, default=PRESET.draws)
    parser.add_argument("--tune", type=int, default=PRESET.tune)
    parser.add_argument("--chains", type=int, default=PRESET.chains)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask configuration")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-warm", action="store_true", help="skip the untimed warm-up fits")
    parser.add_argument("--out", help="also write the serial run's scores.csv etc. to this folder")
    args = parser.parse_args()
    if args.out:  # refuse a folder the backtest may not write before 45 minutes of work
        from forecast.outputs import check_output_dir

        check_output_dir(args.out, "backtest", force=True)

    models = args.models.split(",")
    cutoffs = regular_cutoffs(args.start, args.end, args.every)
    panel = monthly_panel(load_tables())
    if not args.no_warm:
        print("warming PyTensor's compile cache ...", file=sys.stderr, flush=True)
        warm(panel, models)
    common = {
        "horizon": args.horizon,
        "seed": args.seed,
        "draws": args.draws,
        "tune": args.tune,
        "chains": args.chains,
        "progress": True,
    }

    rows = []

    def run(name: str, n_workers: int, **executor):
        load = os.getloadavg()[0]
        start = time.perf_counter()
        result = backtest(panel, models, cutoffs, **common, **executor)
        seconds = time.perf_counter() - start
        cpu = float(result.folds["cpu_seconds"].sum())
        same = result.scores.equals(rows[0][-1].scores) if rows else True
        rows.append((name, n_workers, seconds, cpu, load, os.getloadavg()[0], same, result))
        return result

    serial = run("serial", 1, workers=1)
    if args.out:
        serial.write(args.out, force=True)  # an earlier benchmark's output is replaced
    run("local processes", 2, workers=2)

    cluster_s = float("nan")
    if not args.no_dask:
        from distributed import LocalCluster

        start = time.perf_counter()
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            cluster_s = time.perf_counter() - start
            run("Dask LocalCluster", 2, scheduler=cluster.scheduler_address)

    n_folds = len(models) * len(cutoffs)
    print(
        f"\n{len(cutoffs)} cutoffs ({cutoffs[0]}..{cutoffs[-1]}, every {args.every} months) x "
        f"{len(models)} models ({', '.join(models)}) = {n_folds} folds; horizon {args.horizon}; "
        f"draws={args.draws}, tune={args.tune}, chains={args.chains} per fold (one core)\n"
    )
    print(
        "| executor | workers | wall s | speed-up | fold CPU s | cores used | "
        "load before/after | identical to serial |"
    )
    print("|---|---|---|---|---|---|---|---|")
    serial_s = rows[0][2]
    for name, workers, seconds, cpu, before, after, same, _ in rows:
        print(
            f"| {name} | {workers} | {seconds:.1f} | {serial_s / seconds:.2f} | {cpu:.0f} | "
            f"{cpu / seconds:.2f} | {before:.1f} / {after:.1f} | {'yes' if same else 'NO'} |"
        )
    if not args.no_dask:
        print(f"\nDask LocalCluster start-up (not in the table): {cluster_s:.1f} s")


if __name__ == "__main__":
    main()
