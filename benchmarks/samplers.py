"""Benchmark: the inference backends side by side, cold and warm, on the same model and data.

Run with ``python benchmarks/samplers.py [--models state_rate class_hierarchical]
[--repeat 1] [--out samplers.csv]``; progress goes to stderr and a markdown table (ready for
the README) to stdout. It needs the ``bench`` extra for numpyro (``pip install -e '.[bench]'``);
a backend that is not installed is reported as such.

Every run is one fit of the full data (432 months), 4 chains x 1,000 draws, seed 1, in a fresh
Python process (``multiprocessing`` ``spawn``), the way ``forecast fit`` pays it:

``package``
    What ``forecast fit`` does: the ``full`` preset with the model's own sampler settings
    (``BaseModel.sampler_overrides``: nutpie on numba with a low-rank modified mass matrix,
    500 tuning steps, target_accept 0.9; ``ar_level``: a diagonal mass matrix and
    target_accept 0.97).
``package-nutpie-compile``
    The same, but nutpie's two C callbacks compiled the way ``nutpie.compile_pymc_model``
    does (afresh in every process) instead of loaded from the disk cache of
    :mod:`forecast.models.numba_cache`.
``pymc-default``
    ``pm.sample()`` with PyMC 6's own defaults (nutpie on numba, diagonal mass matrix, PyMC's
    tuning length).
``nutpie-lowrank``
    nutpie on numba with a low-rank modified mass matrix, 500 tuning steps, target_accept 0.9.
``nutpie-diag``
    The same with nutpie's diagonal mass matrix.
``nutpie-jax``
    nutpie's low-rank sampler with the model compiled to JAX.
``numpyro``
    NumPyro's NUTS with a dense mass matrix (JAX), chains vectorised.
``pymc-nuts``
    PyMC's own NUTS with a dense mass matrix and target_accept 0.95 (the previous default).

``cold`` runs start with empty compile caches (PyTensor's ``base_compiledir``, which holds its
numba cache, pointed at a new temporary folder); ``warm`` runs follow one untimed run of the
same configuration with the same cache folder. Columns:

total s
    Wall time of the whole process: imports, loading the data, building the model, compiling,
    sampling, diagnostics (what a user waits for).
fit s
    Compilation + sampling + diagnostics (``forecast.runs.fit_run`` for the package's
    backends).
compile s, sample s
    nutpie backends only: compiling the model, and sampling.
min ESS bulk, ESS/s
    Smallest bulk ESS over the free parameters, and that divided by ``fit s``.
steps/draw, ESS/1k grad
    Mean leapfrog steps per draw (tuning excluded), and min ESS bulk per 1,000 gradient
    evaluations of the kept draws.
divergences, max r-hat
    After tuning.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import importlib.util
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time

#: The configurations compared, in table order: (name, Sampler settings or None for pm.sample()).
CONFIGS = {
    "package": "package",
    "package-nutpie-compile": "package",
    "pymc-default": None,
    "nutpie-lowrank": {"backend": "nutpie", "adaptation": "low_rank"},
    "nutpie-diag": {"backend": "nutpie", "adaptation": "diag"},
    "nutpie-jax": {"backend": "nutpie-jax", "adaptation": "low_rank"},
    "numpyro": {"backend": "numpyro", "target_accept": 0.9},
    "pymc-nuts": {"backend": "pymc", "target_accept": 0.95, "tune": 1000},
}

#: Module each configuration needs.
NEEDS = {"nutpie-jax": "jax", "numpyro": "numpyro"}

VERSIONED = ("pymc", "pytensor", "nutpie", "numba", "numpyro", "jax", "arviz")


def _one(config: str, model_name: str, cache_dir: str, queue) -> None:
    """Run one fit in this (fresh) process and put its figures on ``queue``."""
    os.environ["PYTENSOR_FLAGS"] = f"base_compiledir={cache_dir}"
    started = time.perf_counter()
    import numpy as np

    from forecast.catalog import resolve_sampler
    from forecast.data import load_tables, monthly_panel
    from forecast.models import get_model
    from forecast.models.diagnostics import diagnose
    from forecast.models.sampling import compiled_nutpie, sample
    from forecast.noise import quiet

    panel = monthly_panel(load_tables())
    model = get_model(model_name)
    model.build(panel)
    row = {"config": config, "model": model_name}
    with quiet():
        fit_started = time.perf_counter()
        settings = CONFIGS[config]
        if settings == "package":
            cached = config == "package"
            compiled_nutpie(model.model, model.graph_key(), "numba", model.trace_vars(), cached)
            row["compile_s"] = time.perf_counter() - fit_started
            sample_started = time.perf_counter()
            idata = model.fit("full", random_seed=1)
            row["sample_s"] = time.perf_counter() - sample_started
        elif settings is None:
            import pymc as pm

            with model.model:
                idata = pm.sample(draws=1000, chains=4, random_seed=1, progressbar=False)
        else:
            sampler = resolve_sampler("full", **settings)
            if sampler.backend.startswith("nutpie"):
                backend = "jax" if sampler.backend == "nutpie-jax" else "numba"
                compiled_nutpie(model.model, model.graph_key(), backend, model.trace_vars())
                row["compile_s"] = time.perf_counter() - fit_started
            sample_started = time.perf_counter()
            idata = sample(
                model.model, sampler, 1, key=model.graph_key(), var_names=model.trace_vars()
            )
            row["sample_s"] = time.perf_counter() - sample_started
        diag = diagnose(idata, var_names=model.diagnostic_vars())
        row["fit_s"] = time.perf_counter() - fit_started
    stats = idata["sample_stats"].to_dataset()
    steps = next((stats[k] for k in ("n_steps", "tree_size") if k in stats), None)
    if steps is None and "tree_depth" in stats:
        steps = 2 ** stats["tree_depth"] - 1
    mean_steps = float(steps.mean()) if steps is not None else float("nan")
    gradients = float(steps.sum()) if steps is not None else float("nan")
    row.update(
        min_ess_bulk=diag.min_ess_bulk,
        ess_per_s=diag.min_ess_bulk / row["fit_s"],
        steps_per_draw=mean_steps,
        ess_per_1k_grad=1000 * diag.min_ess_bulk / gradients if gradients else float("nan"),
        divergences=diag.divergences,
        max_rhat=diag.max_rhat,
        total_s=time.perf_counter() - started,
    )
    del np
    queue.put(row)


def run_config(config: str, model: str, cache_dir: str) -> dict:
    """One fit in a fresh process; a failure is reported in the row."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_one, args=(config, model, cache_dir, queue))
    started = time.perf_counter()
    process.start()
    process.join()
    wall = time.perf_counter() - started
    if process.exitcode != 0 or queue.empty():
        return {"config": config, "model": model, "error": f"exit code {process.exitcode}"}
    row = queue.get()
    row["process_s"] = wall
    return row


def measure(config: str, model: str, repeat: int) -> list[dict]:
    """Cold run(s) in empty caches, then warm run(s) on the caches they filled."""
    rows = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
            cold = run_config(config, model, cache)
            rows.append({**cold, "cache": "cold"})
            print(f"  {model} {config} cold: {_brief(cold)}", file=sys.stderr, flush=True)
            warm = run_config(config, model, cache)
            rows.append({**warm, "cache": "warm"})
            print(f"  {model} {config} warm: {_brief(warm)}", file=sys.stderr, flush=True)
    return rows


def _brief(row: dict) -> str:
    if "error" in row:
        return row["error"]
    return f"total {row['total_s']:.1f} s, fit {row['fit_s']:.1f} s, ESS {row['min_ess_bulk']:.0f}"


COLUMNS = [
    ("model", "model", "{}"),
    ("config", "sampler", "{}"),
    ("cache", "cache", "{}"),
    ("total_s", "total s", "{:.1f}"),
    ("fit_s", "fit s", "{:.1f}"),
    ("compile_s", "compile s", "{:.1f}"),
    ("sample_s", "sample s", "{:.1f}"),
    ("min_ess_bulk", "min ESS bulk", "{:.0f}"),
    ("ess_per_s", "ESS/s", "{:.0f}"),
    ("steps_per_draw", "steps/draw", "{:.1f}"),
    ("ess_per_1k_grad", "ESS/1k grad", "{:.1f}"),
    ("divergences", "divergences", "{:.0f}"),
    ("max_rhat", "max r-hat", "{:.3f}"),
]


def median_rows(rows: list[dict]) -> list[dict]:
    """One row per model, config and cache: medians over repeats."""
    groups: dict = {}
    for row in rows:
        groups.setdefault((row["model"], row["config"], row["cache"]), []).append(row)
    out = []
    for (model, config, cache), group in groups.items():
        ok = [r for r in group if "error" not in r]
        if not ok:
            out.append(
                {"model": model, "config": config, "cache": cache, "error": group[0]["error"]}
            )
            continue
        merged = {"model": model, "config": config, "cache": cache}
        for key, _, _ in COLUMNS[3:]:
            values = [r[key] for r in ok if key in r]
            if values:
                merged[key] = statistics.median(values)
        out.append(merged)
    return out


def markdown(rows: list[dict]) -> str:
    head = "| " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    rule = "|" + "|".join("---" if i < 3 else "---:" for i in range(len(COLUMNS))) + "|"
    lines = [head, rule]
    for row in rows:
        if "error" in row:
            cells = [row["model"], row["config"], row["cache"], row["error"]]
            cells += [""] * (len(COLUMNS) - 4)
        else:
            cells = [fmt.format(row[key]) if key in row else "-" for key, _, fmt in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def versions() -> str:
    found = []
    for name in VERSIONED:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} not installed")
    return f"Python {platform.python_version()}, " + ", ".join(found)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["state_rate", "class_hierarchical"])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", help="CSV of every run")
    args = parser.parse_args(argv)
    rows = []
    for model in args.models:
        for config in args.configs:
            needed = NEEDS.get(config)
            if needed and importlib.util.find_spec(needed) is None:
                rows.append(
                    {
                        "model": model,
                        "config": config,
                        "cache": "-",
                        "error": f"{needed} not installed (pip install -e '.[bench]')",
                    }
                )
                continue
            rows += measure(config, model, args.repeat)
    if args.out:
        keys = sorted({k for row in rows for k in row})
        with open(args.out, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=keys)
            writer.writeheader()
            writer.writerows(rows)
    print(f"{versions()}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print()
    print(markdown(median_rows(rows)))


if __name__ == "__main__":
    main()
