"""Benchmark: a fit of the daily model on the full data, cold and warm (issue 22: <= 30 s warm).

Run with ``python benchmarks/daily_fit.py [--runs 2] [--preset full] [--since 2005-01]
[--no-cold]``. Each fit is ``forecast.runs.fit_run(get_model("daily_exciting"), panel, preset)``
in a fresh Python process, the way ``forecast fit`` pays it: first *cold* (an empty PyTensor
compile cache, ``PYTENSOR_FLAGS=base_compiledir=...``), then ``--runs`` times *warm* (the cache
the cold run filled). ``--no-cold`` skips the cold fit and runs the warm ones on the user's own
compile cache (warm once this model has been fitted on this machine).

The table gives the process's wall time, the fit's wall time (``Run.seconds``: compiling or
loading the compiled model, and sampling), the compile part, the days and parameters of the
fit, its CPU time (all threads: the honest cost when other work shares the cores), the steps
per draw and the convergence verdict; the CPU model and load come first
(:func:`machine.describe`), since machines of our size differ 2-3x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe

#: The fit one process makes; it prints one JSON line.
FIT = """
import json, sys, time
started = time.perf_counter()
from forecast.data import load_tables, monthly_panel
from forecast.models import get_model
from forecast.runs import fit_run
panel = monthly_panel(load_tables())
model = get_model("daily_exciting", since=sys.argv[2])
cpu = time.process_time()
run = fit_run(model, panel, sys.argv[1], seed=1)
cpu = time.process_time() - cpu
posterior = model.idata["posterior"]
stats = model.idata["sample_stats"].to_dataset()
print(json.dumps({
    "fit": run.seconds,
    "cpu": cpu,
    "compile": float(posterior.attrs.get("compile_seconds", 0.0)),
    "days": len(model.training_days),
    "parameters": int(sum(v.size for v in model.model.initial_point().values())),
    "steps": float(stats["n_steps"].mean()),
    "verdict": model.diagnostics.verdict().split(" -- ")[0],
    "process": time.perf_counter() - started,
}))
"""


def run_fit(preset: str, since: str, env: dict) -> tuple[float, dict]:
    """One fit in a fresh process: its wall time and what it printed."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", FIT, preset, since],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return wall, json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="warm runs after the cold one")
    parser.add_argument("--preset", default="full")
    parser.add_argument("--since", default="2005-01", help="first training month")
    parser.add_argument("--no-cold", action="store_true", help="warm runs only (own cache)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-daily-"))
    env = {} if args.no_cold else {"PYTENSOR_FLAGS": f"base_compiledir={tmp / 'pytensor'}"}
    rows = []
    try:
        for i in range(int(args.no_cold), 1 + args.runs):
            wall, info = run_fit(args.preset, args.since, env)
            rows.append(("cold" if i == 0 else f"warm {i}", wall, info))
            print(f"{rows[-1][0]}: {wall:.1f} s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"Measured on {describe()}\n")
    print(f"daily_exciting, preset {args.preset}, training from {args.since}\n")
    print(
        "| cache | process wall s | fit s | of which compile s | fit CPU s | days | parameters "
        "| steps/draw | verdict |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for cache, wall, info in rows:
        print(
            f"| {cache} | {wall:.1f} | {info['fit']:.1f} | {info['compile']:.1f} | "
            f"{info['cpu']:.1f} | {info['days']:,} | {info['parameters']} | {info['steps']:.0f} "
            f"| {info['verdict']} |"
        )
    print(
        "\nfit CPU s: CPU time of the fit (all threads); on a machine shared with other work "
        "the honest cost, about twice the uncontended wall time of the sampling on 2 cores."
    )


if __name__ == "__main__":
    main()
