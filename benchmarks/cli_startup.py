"""Benchmark: how long the commands that fit nothing take, as a user waits for them.

Run with ``python benchmarks/cli_startup.py [--runs 5]``: each command is run ``--runs``
times as a fresh process (``python -m forecast.cli ...``) and its wall time's minimum,
median and maximum are printed as a markdown table with the machine it ran on
(:mod:`benchmarks.machine`). The commands are those the README promises answer at once: the
help, the model list, the yearly summary, a help page, and refusals of bad input.
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

#: The commands timed (``{tmp}`` is a temporary folder holding a file ``mine.txt``).
COMMANDS = [
    ["--help"],
    ["models"],
    ["questions", "--help"],
    ["data", "summary"],
    ["data", "import", "{tmp}/missing.csv", "--format", "events", "--data-dir", "{tmp}/ov"],
    ["fit", "--out", "{tmp}/mine.txt"],
    ["backtest", "--out", "{tmp}/b", "--cutoffs", "1989-01"],
]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    (tmp / "mine.txt").write_text("mine\n")
    print(f"Measured on {describe()}; {args.runs} runs each\n")
    print("| command | exit | min s | median s | max s |")
    print("|---|---:|---:|---:|---:|")
    for command in COMMANDS:
        argv_ = [a.replace("{tmp}", str(tmp)) for a in command]
        times, code = [], None
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "forecast.cli", *argv_], capture_output=True
            )
            times.append(time.perf_counter() - start)
            code = proc.returncode
        shown = " ".join(command).replace("{tmp}/", "")
        print(
            f"| `forecast {shown}` | {code} | {min(times):.2f} | "
            f"{statistics.median(times):.2f} | {max(times):.2f} |"
        )


if __name__ == "__main__":
    main()
