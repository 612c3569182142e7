"""Benchmark: ``forecast fit`` with and without the console script's quick exit, side by side.

Run with ``python benchmarks/quick_exit.py [--model state_rate] [--pairs 4]``. Each pair runs
the same warm fit (full data, ``full`` preset) twice as fresh processes, in turn: through the
``forecast`` entry point (:func:`forecast.cli.run`, which ends with ``os._exit`` after the
other exit handlers) and through :func:`forecast.cli.main` (Python's normal teardown: numba's
JIT engines, PyTensor's and nutpie's objects, module by module). One warm-up fit fills the
compile cache first. Pairing keeps the difference meaningful on a machine whose speed drifts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe

VARIANTS = {
    "quick exit (forecast fit)": "from forecast.cli import run; run()",
    "normal teardown": "from forecast.cli import main; main()",
}


def one_fit(code: str, model: str, out: Path) -> float:
    """Wall seconds of one ``forecast fit`` started as ``python -c CODE fit ...``."""
    argv = ["fit", "--model", model, "--out", str(out), "--force"]
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.argv[1:] = {argv!r}; {code}"],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return wall


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="state_rate")
    parser.add_argument("--pairs", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-exit-") as tmp:
        out = Path(tmp) / "run"
        one_fit(VARIANTS["normal teardown"], args.model, out)  # warm-up: the compile cache
        walls = {name: [] for name in VARIANTS}
        for i in range(args.pairs):
            for name, code in VARIANTS.items():
                walls[name].append(one_fit(code, args.model, out))
            print(f"pair {i + 1}: " + ", ".join(f"{w[-1]:.1f} s" for w in walls.values()),
                  file=sys.stderr, flush=True)  # fmt: skip
    quick, normal = walls.values()
    saved = [b - a for a, b in zip(quick, normal, strict=True)]
    print(f"Measured on {describe()}\n")
    print(f"`forecast fit --model {args.model}`, warm, {args.pairs} pairs:\n")
    print("| variant | min s | median s | max s |")
    print("|---|---:|---:|---:|")
    for name, values in walls.items():
        print(f"| {name} | {min(values):.2f} | {statistics.median(values):.2f} | "
              f"{max(values):.2f} |")  # fmt: skip
    print(f"\nSaved by the quick exit, pair by pair: median {statistics.median(saved):.2f} s "
          f"(min {min(saved):.2f}, max {max(saved):.2f}).")  # fmt: skip


if __name__ == "__main__":
    main()
