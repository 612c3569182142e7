"""Benchmark: PyMC's forward functions compiled in PyTensor's default mode or in FAST_COMPILE.

Run with ``python benchmarks/forward_compile.py [--models ar_level state_rate ...]``. For each
model and mode, a fresh process builds the model on the bundled data and times PyMC's prior
predictive (500 draws, seed 1), first *cold* (an empty compile cache) and then *warm* (the
cache the cold process filled); both modes run in the same invocation, side by side. The last
rows check that the four processes drew the same counts (SHA-256 of the prior predictive
``y``, or the daily model's ``launch``), every process with the same ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from machine import describe

CHILD = """
import hashlib, json, sys, time, warnings
warnings.simplefilter("ignore")
import pymc as pm
from forecast.data import load_tables, monthly_panel
from forecast.models import get_model
name, mode = sys.argv[1], sys.argv[2]
model = get_model(name)
model.build(monthly_panel(load_tables()))
kwargs = {} if mode == "default" else {"compile_kwargs": {"mode": mode}}
start = time.perf_counter()
with model.model:
    prior = pm.sample_prior_predictive(draws=500, random_seed=1, **kwargs)
seconds = time.perf_counter() - start
group = "prior_predictive" if "prior_predictive" in prior.children else "prior"
names = list(prior[group].data_vars)
counts = prior[group]["y" if "y" in names else names[0]].values
digest = hashlib.sha256(counts.tobytes()).hexdigest()[:12]
print(json.dumps({"seconds": seconds, "total": float(counts.sum()), "digest": digest}))
"""


def timed(model: str, mode: str, compiledir: str) -> dict:
    # one hash seed for every process, so that only the compile mode differs between them (a
    # first version once saw the daily model's whole-graph draws differ between processes)
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={compiledir}", "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, model, mode], capture_output=True, text=True, env=env
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", nargs="+", default=["ar_level", "state_rate", "class_hierarchical"]
    )
    args = parser.parse_args()
    rows = []
    for model in args.models:
        totals = {}
        for mode in ("default", "FAST_COMPILE"):
            with tempfile.TemporaryDirectory(prefix="forward-") as cache:
                cold = timed(model, mode, cache)
                warm = timed(model, mode, cache)
            totals[mode] = (cold["digest"], warm["digest"])
            rows.append((model, mode, cold["seconds"], warm["seconds"], cold["total"]))
            print(
                f"{model} {mode}: cold {cold['seconds']:.2f} s, warm {warm['seconds']:.2f} s",
                flush=True,
            )
        same = len({*totals["default"], *totals["FAST_COMPILE"]}) == 1
        rows.append((model, "same counts", same, None, None))
    print(f"Measured on {describe()}\n")
    print("| model | mode | prior predictive, cold s | warm s | sum of the draws |")
    print("|---|---|---:|---:|---:|")
    for model, mode, cold, warm, total in rows:
        if warm is None:
            print(f"| {model} | both modes drew the same | {cold} | | |")
        else:
            print(f"| {model} | {mode} | {cold:.2f} | {warm:.2f} | {total:.0f} |")


if __name__ == "__main__":
    main()
