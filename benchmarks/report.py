"""Benchmark: ``make report`` warm and on a fresh clone, and ``make test`` on a fresh clone.

Run with ``python benchmarks/report.py [--what warm fresh test] [--keep]``; progress goes to
stderr and a markdown table (ready for the README) to stdout.

warm
    ``make report`` in this checkout with its ``.venv`` installed: the full-settings fit of
    the default model into ``runs/report`` (replaced with ``--force``), the scenarios, the
    six notebooks, the index page and the single file (the Makefile passes ``--force``, so the
    earlier report and its run are replaced, as when a user re-runs it).
fresh
    ``git clone`` of this checkout's ``HEAD`` into a new temporary folder, then ``make
    report`` there: creating ``.venv``, installing the package (pip's download cache is
    warm, as on any machine that installed it once), compiling the models into an empty
    PyTensor cache (``PYTENSOR_FLAGS=base_compiledir=<new folder>``), fitting and rendering.
test
    ``make test`` in a fresh clone (the CI's ``.ci/run``): install with the test extras, then
    the whole suite, notebooks included.

Columns: wall time of the command, its user+system CPU time (children included), CPU /
wall (how much of the 2 cores it got), the 1-minute load average before and after, and the
exit code.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Run ``cmd`` in ``cwd`` and measure it (its output goes to stderr, as progress)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=sys.stderr)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall": wall,
        "cpu": cpu,
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "rc": proc.returncode,
    }


def fresh_clone(where: Path) -> Path:
    """A clone of this checkout's HEAD (committed files only, as CI sees them)."""
    clone = where / "forecast"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    return clone


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--what", nargs="+", default=["warm", "fresh"], choices=["warm", "fresh", "test"]
    )
    parser.add_argument("--keep", action="store_true", help="keep the fresh clones")
    args = parser.parse_args(argv)
    rows = []
    for what in args.what:
        print(f"--- {what} ---", file=sys.stderr, flush=True)
        if what == "warm":
            row = timed(["make", "report"], REPO)
            rows.append(("`make report`, warm (`.venv` installed)", row))
            continue
        tmp = Path(tempfile.mkdtemp(prefix=f"bench-{what}-"))
        try:
            clone = fresh_clone(tmp)
            env = {"PYTENSOR_FLAGS": f"base_compiledir={tmp / 'pytensor'}"}
            if what == "fresh":
                rows.append(
                    ("`make report` on a fresh clone", timed(["make", "report"], clone, env))
                )
            else:
                rows.append(("`make test` on a fresh clone", timed([".ci/run"], clone, env)))
        finally:
            if not args.keep:
                shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
    print("| command | wall | CPU s | CPU / wall | load before / after | exit |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows:
        minutes, seconds = divmod(round(r["wall"]), 60)
        print(
            f"| {name} | {minutes} min {seconds:02d} s | {r['cpu']:.0f} | "
            f"{r['cpu'] / r['wall']:.2f} | {r['load_before']:.1f} / {r['load_after']:.1f} | "
            f"{r['rc']} |"
        )


if __name__ == "__main__":
    main()
