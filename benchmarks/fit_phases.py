"""Benchmark: where the time of ``forecast fit`` goes, phase by phase, cold and warm.

Run with ``python benchmarks/fit_phases.py [--models state_rate ar_level] [--runs 2]``. Each
model is fitted on the full data with ``forecast fit --model M --out DIR --verbose`` as a
fresh process: first *cold* (an empty compile cache, ``PYTENSOR_FLAGS=base_compiledir=...``),
then ``--runs`` times *warm* (the cache the cold run filled), then ``--new-months`` times
*new month*: the warm cache, but ``--until`` a month not fitted before (the first month before
the data's end, then the second, ...), which is what a user's refit after a month of new data
meets: a monthly grid of another length is another graph, compiled anew. The table gives the
process's wall time and each phase the command printed (:mod:`forecast.timing`); "not
sampling" is the wall time minus sampling, the overhead a user waits for around the sampler.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe

PHASE = re.compile(r"^\s{2}(.+?)\s{2,}(\d+\.\d+) s")


def run_fit(
    model: str, out: Path, env: dict, until: str | None = None
) -> tuple[float, dict[str, float]]:
    """One ``forecast fit`` as a fresh process: wall time and its printed phases."""
    start = time.perf_counter()
    window = ["--until", until] if until else []
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "forecast.cli",
            "fit",
            "--model",
            model,
            "--out",
            str(out),
            *window,
            "--verbose",
            "--force",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    phases = {}
    for line in proc.stdout.splitlines():
        match = PHASE.match(line)
        if match and match.group(1) != "total":
            phases[match.group(1)] = float(match.group(2))
    return wall, phases


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["state_rate", "ar_level"])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--new-months", type=int, default=1)
    args = parser.parse_args(argv)
    from forecast.data import load_tables

    last = load_tables().last_whole_month
    tmp = Path(tempfile.mkdtemp(prefix="bench-fit-"))
    env = {"PYTENSOR_FLAGS": f"base_compiledir={tmp / 'pytensor'}"}
    rows = []
    try:
        for model in args.models:
            cases = [("cold", None)] + [(f"warm {i + 1}", None) for i in range(args.runs)]
            cases += [
                (f"new month {last - i - 1}", str(last - i - 1)) for i in range(args.new_months)
            ]
            for cache, until in cases:
                wall, phases = run_fit(model, tmp / model, env, until)
                rows.append((model, cache, wall, phases))
                print(f"{model} {cache}: {wall:.1f} s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    names = list(dict.fromkeys(name for row in rows for name in row[3]))
    print(f"Measured on {describe()}\n")
    print("| model | cache | process wall s | not sampling s | " + " | ".join(names) + " |")
    print("|---|---|---:|---:|" + "---:|" * len(names))
    for model, cache, wall, phases in rows:
        cells = " | ".join(f"{phases.get(name, 0):.2f}" for name in names)
        overhead = wall - phases.get("sampling", 0.0)
        print(f"| {model} | {cache} | {wall:.1f} | {overhead:.1f} | {cells} |")


if __name__ == "__main__":
    main()
