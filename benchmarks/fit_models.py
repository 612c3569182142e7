"""Benchmark: fit every registered model with every installed NUTS sampler.

Run with ``python benchmarks/fit_models.py [--warm] [--out fits.csv]``; progress
goes to stderr and a markdown table (ready to paste into the README) to stdout.

Each fit runs in its own fresh Python process (``multiprocessing`` ``spawn``),
which loads the bundled data, builds the model and calls
``model.fit(progressbar=False)`` with the requested settings and the project's
defaults otherwise (``target_accept=0.95``, dense mass matrix; PyMC's sampler runs
``min(chains, nproc)`` chains in parallel, nutpie uses its own threads).
A fresh process per fit keeps one fit's memory and in-memory caches out of the
next, and is what a ``forecast fit`` command pays; it starts its own children
(PyMC's chain workers) with the benchmark's default start method (``fork`` on
Linux with Python < 3.14), as ``forecast fit`` would. ``--warm`` first runs one
small untimed fit (50 tune + 50 draws) of each model/sampler, each in a fresh
process too, so the on-disk caches (PyTensor's compiled C modules, its numba
cache) are populated; the in-process compilation that every fit pays is still
timed.

Columns of the table (medians over ``--repeat`` runs; memory: the largest run):

fit s
    Wall time of ``model.fit(...)``: compilation, tuning, sampling, conversion
    to ``InferenceData`` (with the log-likelihood, for PyMC's sampler) and the
    diagnostics.
not sampling s
    ``fit s`` minus the sampler's own ``sampling_time`` (``posterior.attrs``),
    i.e. compilation, initialisation and post-processing.
total s
    ``get_model`` + ``build`` + ``fit``; loading the data files is not included.
min ESS bulk, ESS/s
    ``model.diagnostics.min_ess_bulk`` (smallest bulk ESS over the free
    parameters) and that divided by ``fit s``.
diagnostics
    ``pass`` or ``fail`` with the failed checks (:func:`forecast.models.diagnose`);
    ``k/n pass`` when repeats disagree.
max RSS MiB
    Resident-set high-water mark of the *largest single process* in the fit's
    process tree: ``max(ru_maxrss(RUSAGE_SELF), ru_maxrss(RUSAGE_CHILDREN))``
    read in the fit's process after the fit (PyMC's chain workers are forked
    and reaped by then; ``RUSAGE_CHILDREN`` reports the largest of them, not a
    sum). It includes the Python interpreter, the imports and the data.
tree PSS MiB
    Peak of the *sum* of the proportional set size (``Pss`` of
    ``/proc/<pid>/smaps_rollup``, which shares pages between the processes that
    map them, so forked workers are not double counted) over the fit's process
    and all its descendants, sampled every 0.2 s during build and fit; a spike
    shorter than that can be missed. ``nan`` where ``/proc`` is unavailable.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import datetime as dt
import importlib.metadata
import importlib.util
import logging
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

#: Samplers tried, in order, and the module each needs.
SAMPLER_MODULES = {"pymc": "pymc", "nutpie": "nutpie", "numpyro": "numpyro"}

#: Packages whose versions head the table.
VERSIONED = ("pymc", "pytensor", "nutpie", "numpyro", "arviz")

#: Draws and tuning steps of a ``--warm`` fit.
WARM_STEPS = 50

#: Seconds between two samples of the process tree's memory.
MEMORY_INTERVAL = 0.2


# --- memory -------------------------------------------------------------------------------


def _tree_pids(root: int) -> list[int]:
    """``root`` and all its live descendants, from ``/proc/<pid>/stat``."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:  # the process ended while we looked
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def _pss_kib(pid: int) -> int:
    """Proportional set size of one process in KiB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Sample the summed PSS of this process and its descendants in a thread.

    Use as a context manager; :attr:`peak_mib` is the largest sum seen, or
    ``nan`` where ``/proc/self/smaps_rollup`` does not exist.
    """

    def __init__(self, interval: float = MEMORY_INTERVAL) -> None:
        self.interval = interval
        self.enabled = os.path.exists("/proc/self/smaps_rollup")
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        total = sum(_pss_kib(pid) for pid in _tree_pids(os.getpid()))
        self.peak_kib = max(self.peak_kib, total)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> TreeMemory:
        if self.enabled:
            self._sample()
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()
            self._sample()

    @property
    def peak_mib(self) -> float:
        """Peak summed PSS in MiB."""
        return self.peak_kib / 1024 if self.enabled else float("nan")


def max_rss_mib() -> float:
    """RSS high-water mark of the largest process among this one and its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return max(own, children) / scale


# --- one fit (runs in a fresh process) ----------------------------------------------------


def fit_once(model_name: str, sampler: str, draws: int, tune: int, chains: int, seed: int) -> dict:
    """Build and fit one model in this process and measure it.

    Parameters
    ----------
    model_name : str
        A key of :data:`forecast.models.REGISTRY`.
    sampler : str
        ``nuts_sampler`` passed to :meth:`~forecast.models.base.BaseModel.fit`.
    draws, tune, chains : int
        Sampler settings.
    seed : int
        ``random_seed`` of the fit.

    Returns
    -------
    dict
        Timings, diagnostics and memory (see the module docstring).
    """
    from forecast import data
    from forecast.models import get_model

    logging.getLogger("pymc").setLevel(logging.WARNING)
    panel = data.monthly_panel(data.load_tables())
    with TreeMemory() as memory:
        start = time.perf_counter()
        model = get_model(model_name)
        model.build(panel)
        built = time.perf_counter()
        idata = model.fit(
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            nuts_sampler=sampler,
            progressbar=False,
        )
        fitted = time.perf_counter()
    diag = model.diagnostics
    fit_s = fitted - built
    sampling_s = float(idata.posterior.attrs.get("sampling_time", float("nan")))
    return {
        "build_s": built - start,
        "fit_s": fit_s,
        "sampling_s": sampling_s,
        "not_sampling_s": fit_s - sampling_s,
        "total_s": fitted - start,
        "min_ess_bulk": diag.min_ess_bulk,
        "ess_bulk_per_s": diag.min_ess_bulk / fit_s,
        "min_ess_tail": diag.min_ess_tail,
        "max_rhat": diag.max_rhat,
        "divergences": diag.divergences,
        "min_bfmi": diag.min_bfmi,
        "passed": diag.passed,
        "failed_checks": short_verdict(diag),
        "max_rss_mib": max_rss_mib(),
        "tree_pss_mib": memory.peak_mib,
    }


def short_verdict(diag) -> str:
    """The failed checks of a :class:`~forecast.models.Diagnostics`, tersely (empty if none)."""
    from forecast.models.diagnostics import ESS_MIN, RHAT_MAX

    parts = []
    if not diag.max_rhat <= RHAT_MAX:
        parts.append(f"r-hat {diag.max_rhat:.3f}")
    if not diag.min_ess_bulk >= ESS_MIN:
        parts.append(f"ESS bulk {diag.min_ess_bulk:.0f}")
    if not diag.min_ess_tail >= ESS_MIN:
        parts.append(f"ESS tail {diag.min_ess_tail:.0f}")
    if diag.divergences:
        parts.append(f"{diag.divergences} div.")
    return ", ".join(parts)


def _fit_in_child(start_method: str, **kwargs) -> dict:
    """Restore the parent's default start method, then :func:`fit_once`.

    A spawned process defaults to ``spawn`` for its own children, which would
    make PyMC start its chain workers by re-importing everything (seconds per
    worker) instead of forking them as ``forecast fit`` does on Linux.
    """
    multiprocessing.set_start_method(start_method, force=True)
    return fit_once(**kwargs)


def run_isolated(**kwargs) -> dict:
    """Run :func:`fit_once` in a fresh spawned process and return its result."""
    context = multiprocessing.get_context("spawn")
    start_method = multiprocessing.get_start_method()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_fit_in_child, start_method, **kwargs).result()


# --- machine and versions -----------------------------------------------------------------


def cpu_model() -> str:
    """CPU model name from ``/proc/cpuinfo`` (or :func:`platform.processor`)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> dict:
    """CPU, processor count, Python and package versions, and today's date."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    info = {
        "date": dt.date.today().isoformat(),
        "cpu": cpu_model(),
        "nproc": usable or os.cpu_count(),
        "python": platform.python_version(),
    }
    for package in VERSIONED:
        try:
            info[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            info[package] = None
    return info


def available_samplers(requested: list[str]) -> tuple[list[str], list[str]]:
    """Split the requested samplers into installed and missing ones."""
    found = [s for s in requested if importlib.util.find_spec(SAMPLER_MODULES[s]) is not None]
    return found, [s for s in requested if s not in found]


# --- reporting ----------------------------------------------------------------------------


def summarise(runs: list[dict]) -> dict:
    """Medians of the timings and ESS, worst memory and a joint verdict over repeats."""
    row = {
        key: statistics.median(r[key] for r in runs)
        for key in ("fit_s", "not_sampling_s", "total_s", "min_ess_bulk", "ess_bulk_per_s")
    }
    row["max_rss_mib"] = max(r["max_rss_mib"] for r in runs)
    row["tree_pss_mib"] = max(r["tree_pss_mib"] for r in runs)
    passed = sum(r["passed"] for r in runs)
    if passed == len(runs):
        row["verdict"] = "pass"
    elif passed == 0:
        row["verdict"] = f"fail ({runs[0]['failed_checks']})"
    else:
        row["verdict"] = f"{passed}/{len(runs)} pass"
    return row


def markdown(rows: dict[tuple[str, str], dict | str], info: dict, args, skipped, panel_span) -> str:
    """The markdown report: a header paragraph and the table."""
    versions = ", ".join(f"{p} {info[p]}" for p in VERSIONED if info[p])
    lines = [
        f"Fits on the bundled monthly panel ({panel_span}), {args.chains} chains x "
        f"{args.draws} draws ({args.tune} tuning), seed {args.seed}, "
        f"{'median of ' + str(args.repeat) + ' runs' if args.repeat > 1 else 'one run'}, "
        f"each in a fresh process{', on-disk compile caches warm' if args.warm else ''}.",
        f"Machine: {info['cpu']}, {info['nproc']} CPUs; Python {info['python']}, {versions}; "
        f"{info['date']}.",
    ]
    if skipped:
        lines.append(f"Skipped (not installed): {', '.join(skipped)}.")
    head = (
        "| model | sampler | fit s | not sampling s | total s | min ESS bulk | ESS bulk/s "
        "| diagnostics | max RSS MiB | tree PSS MiB |"
    )
    lines += ["", head, "|" + "---|" * 2 + "---:|" * 5 + "---|" + "---:|" * 2]
    for (model, sampler), row in rows.items():
        if isinstance(row, str):
            lines.append(f"| {model} | {sampler} | | | | | | error: {row} | | |")
            continue
        lines.append(
            f"| {model} | {sampler} | {row['fit_s']:.1f} | {row['not_sampling_s']:.1f} "
            f"| {row['total_s']:.1f} | {row['min_ess_bulk']:.0f} | {row['ess_bulk_per_s']:.1f} "
            f"| {row['verdict']} | {row['max_rss_mib']:.0f} | {row['tree_pss_mib']:.0f} |"
        )
    return "\n".join(lines)


def write_csv(path: Path, records: list[dict]) -> None:
    """One row per fit (warm-ups included, ``phase`` says which)."""
    fields = list(dict.fromkeys(key for record in records for key in record))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)


def log(message: str) -> None:
    """Progress to stderr, with a timestamp."""
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- main ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see ``--help``)."""
    from forecast.models import REGISTRY

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", choices=list(REGISTRY), default=list(REGISTRY))
    parser.add_argument(
        "--samplers", nargs="+", choices=list(SAMPLER_MODULES), default=list(SAMPLER_MODULES)
    )
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="timed fits per model/sampler")
    parser.add_argument("--out", type=Path, help="also write one CSV row per fit here")
    parser.add_argument(
        "--warm",
        action="store_true",
        help=f"first run one untimed {WARM_STEPS}+{WARM_STEPS}-step fit of each model/sampler",
    )
    args = parser.parse_args(argv)
    if min(args.draws, args.tune, args.chains, args.repeat) < 1:
        parser.error("--draws, --tune, --chains and --repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the markdown table."""
    from forecast import data

    args = parse_args(argv)
    info = machine()
    samplers, skipped = available_samplers(args.samplers)
    for name in skipped:
        log(f"skipping sampler {name}: module {SAMPLER_MODULES[name]!r} is not installed")
    months = data.monthly_panel(data.load_tables())["month"]
    span = f"{months.min():%Y-%m}..{months.max():%Y-%m}, {len(months)} months"
    pairs = [(m, s) for m in args.models for s in samplers]
    settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains, "seed": args.seed}
    records: list[dict] = []
    started = time.perf_counter()

    def record(phase: str, model: str, sampler: str, run: int, result: dict) -> None:
        records.append(
            {
                "phase": phase,
                "model": model,
                "sampler": sampler,
                "run": run,
                **(settings if phase == "timed" else {}),
                **result,
                **{k: info[k] for k in ("date", "cpu", "nproc", "pymc", "pytensor", "nutpie")},
            }
        )

    if args.warm:
        warm = {**settings, "draws": WARM_STEPS, "tune": WARM_STEPS}
        for model, sampler in pairs:
            t0 = time.perf_counter()
            try:
                result = run_isolated(model_name=model, sampler=sampler, **warm)
            except Exception as err:  # report and carry on
                log(f"warm-up {model}/{sampler} failed: {type(err).__name__}: {err}")
                continue
            result["process_s"] = time.perf_counter() - t0
            record("warmup", model, sampler, 0, {**result, **warm})
            log(
                f"warm-up {model}/{sampler}: fit {result['fit_s']:.1f} s "
                f"(not sampling {result['not_sampling_s']:.1f} s), "
                f"process {result['process_s']:.1f} s"
            )

    rows: dict[tuple[str, str], dict | str] = {}
    for model, sampler in pairs:
        runs = []
        for run in range(1, args.repeat + 1):
            t0 = time.perf_counter()
            try:
                result = run_isolated(model_name=model, sampler=sampler, **settings)
            except Exception as err:  # report and carry on
                log(f"{model}/{sampler} run {run} failed: {type(err).__name__}: {err}")
                rows[(model, sampler)] = f"{type(err).__name__}: {err}".replace("|", "/")[:80]
                break
            result["process_s"] = time.perf_counter() - t0
            record("timed", model, sampler, run, result)
            runs.append(result)
            log(
                f"{model}/{sampler} run {run}: fit {result['fit_s']:.1f} s, "
                f"min ESS bulk {result['min_ess_bulk']:.0f}, "
                f"{'pass' if result['passed'] else 'FAIL ' + result['failed_checks']}"
            )
        else:
            rows[(model, sampler)] = summarise(runs)

    log(f"benchmark took {time.perf_counter() - started:.0f} s")
    if args.out:
        write_csv(args.out, records)
        log(f"wrote {args.out}")
    print(markdown(rows, info, args, skipped, span))


if __name__ == "__main__":
    main()
