"""How a built model is sampled, and the compiled-model cache.

One place decides how posteriors are drawn (:func:`sample`), with the settings of
:class:`forecast.catalog.Sampler` and its named presets (:data:`forecast.catalog.PRESETS`,
defined once there, where the command line checks them without loading PyMC).

The default inference, chosen by measurement (``benchmarks/samplers.py``, README "Speed"), is
nutpie's NUTS on the numba backend with a low-rank modified mass matrix: in the models of this
package the yearly level and the state effects are correlated (a year in one state identifies
only their sum), which a diagonal mass matrix follows with 100+ leapfrog steps per draw and a
low-rank one with about 15.

Compile once, sample many times: nutpie compiles a model's log density (PyTensor -> numba) in a
few seconds, far longer than sampling a small fold takes. :func:`sample` keeps the compiled
model of every graph it has seen in this process (keyed by the model's structure, see
:meth:`forecast.models.BaseModel.graph_key`) and re-uses it with the new data
(``CompiledModel.with_data``): a backtest compiles each model once per worker. The numba code
is also cached on disk (``~/.pytensor``): PyTensor caches the graph's functions,
:mod:`forecast.models.numba_cache` caches nutpie's two C callbacks that wrap them, and
:mod:`forecast.models.graph_cache` keeps the rewritten functions of a model and its data, so a
new process with a graph this machine has seen compiles nothing and loads it in about a second
(half a second for the same model and data: no graph rewrites).

The tests add a stand-in backend for plumbing (prior draws, no MCMC) to :data:`SAMPLERS` and
:data:`forecast.catalog.BACKENDS` from their own support module; nothing here knows of it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pymc as pm
import xarray as xr

from forecast.catalog import Sampler
from forecast.models.numba_cache import compile_numba_model

#: How PyMC compiles the functions that run the model forward or point by point (the prior and
#: posterior predictive, the pointwise log-likelihood): PyTensor's ``FAST_COMPILE`` mode, which
#: runs only its few fast rewrites on the Python VM, without numba. These functions are called
#: once per draw, where compiling dominates: on the Intel Xeon of the README, ``ar_level``'s
#: prior predictive (500 draws) took 0.9 s with an empty compile cache against 17.3 s in PyMC's
#: default mode, and 0.5 s against 0.7 s warm, with the same draws
#: (``benchmarks/forward_compile.py``). Without the stabilising rewrites, a log-likelihood could
#: differ from the default mode's in extreme tails; on the FAST report's ``ar_level`` fit the
#: two totals agreed to every printed digit.
FORWARD_COMPILE: Mapping[str, str] = MappingProxyType({"mode": "FAST_COMPILE"})

# --- where PyTensor writes the source it generates -------------------------------------------


def keep_generated_source_in_the_cache() -> None:
    """Have PyTensor write the Python source it generates for numba beside its compile cache.

    By default PyTensor writes each piece of generated source (an ``Alloc``, a random
    variable's sampler, ...) to its own file in the system's temporary directory and never
    removes it: about 40 files a fit, tens of thousands after a few reports, written outside
    any folder the user named. With ``generated_src_dir`` set, the files are named by their
    content (a second fit writes none) and PyTensor removes those unused for weeks. A folder
    the user chose (``PYTENSOR_FLAGS=generated_src_dir=...``) is kept.
    """
    import pytensor

    if not pytensor.config.generated_src_dir:
        folder = Path(pytensor.config.compiledir) / "generated_src"
        pytensor.config.generated_src_dir = str(folder)


keep_generated_source_in_the_cache()


# --- the compiled-model cache --------------------------------------------------------------

_COMPILED: dict = {}
_COMPILED_LOCK = threading.Lock()


def _data_values(model: pm.Model) -> dict[str, np.ndarray]:
    """Current values of the model's ``pm.Data`` containers."""
    return {v.name: v.get_value() for v in model.data_vars}


def compiled_nutpie(
    model: pm.Model, key, backend: str = "numba", var_names=None, cached_wrappers: bool = True
):
    """nutpie's compiled model for ``model``, from the cache when its structure was seen.

    Parameters
    ----------
    model : pymc.Model
        The built model.
    key : hashable
        Identifies the graph's structure (everything but the ``pm.Data`` values).
    backend : {"numba", "jax"}
        nutpie's compilation backend.
    var_names : list of str, optional
        Variables kept in the trace.
    cached_wrappers : bool
        numba backend: compile nutpie's callbacks with disk-cached wrappers
        (:mod:`forecast.models.numba_cache`, the default) or nutpie's own way (benchmarks).
    """
    import nutpie

    full_key = None if key is None else (key, backend, tuple(var_names or ()))
    values = _data_values(model)
    with _COMPILED_LOCK:
        cached = _COMPILED.get(full_key) if full_key is not None else None
    if cached is not None:
        compiled, at_compile = cached
        # nutpie's compiled model keeps only the data its functions read; the others were
        # folded in as constants or rewritten away (data multiplied by a term that is left out,
        # e.g. an ablation variant's zeros), so a change to one of them needs a new compilation
        known = _known_data(compiled)
        folded = [k for k in values if k not in known]
        if all(np.array_equal(values[k], at_compile[k]) for k in folded):
            return compiled.with_data(**{k: v for k, v in values.items() if k in known})
    if backend == "numba":
        compiled = compile_numba_model(
            model, var_names=var_names, cached=cached_wrappers, key=full_key
        )
    else:
        compiled = nutpie.compile_pymc_model(
            model, backend=backend, gradient_backend="jax", var_names=var_names
        )
    if full_key is not None:
        with _COMPILED_LOCK:
            _COMPILED[full_key] = (compiled, values)
    return compiled


def _known_data(compiled) -> set[str]:
    """Names of the ``pm.Data`` a compiled nutpie model reads (JAX: ``_shared_data``; numba:
    the keys of its shared variables)."""
    shared = getattr(compiled, "_shared_data", None)
    if shared is not None:
        return set(shared)
    return {var.name for var in getattr(compiled, "shared_var_keys", {})}


def clear_compiled() -> None:
    """Forget every compiled model of this process (for benchmarks of cold starts)."""
    with _COMPILED_LOCK:
        _COMPILED.clear()


# --- sampling ------------------------------------------------------------------------------


def _progress_callback(progress, task, total: int) -> Callable:
    def update(chains) -> None:
        done = sum(c.finished_draws for c in chains)
        divergences = sum(c.divergences for c in chains)
        progress.update(task, completed=min(done, total), divergences=divergences)

    return update


@contextlib.contextmanager
def _interrupts_raise():
    """Make Ctrl-C (and, under the command line, SIGTERM) end a sampling run with
    KeyboardInterrupt.

    nutpie catches the KeyboardInterrupt of Ctrl-C, aborts its chains and returns the
    draws made so far as if sampling had finished; a half-finished posterior must never
    pass for a fit. The SIGINT handler installed here notes the interrupt (and raises, as
    Python's own does, so nutpie stops); on leaving, a noted interrupt is raised again.
    Outside the main thread (where signals cannot be handled) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted = []
    # SIGTERM too where a handler of ours turns it into KeyboardInterrupt (the command line's),
    # which nutpie would swallow the same way; elsewhere SIGTERM keeps its default
    watched = [signal.SIGINT]
    if getattr(signal.getsignal(signal.SIGTERM), "forecast_sigterm", False):
        watched.append(signal.SIGTERM)
    before = {signum: signal.getsignal(signum) for signum in watched}

    def handler(signum, frame):
        noted.append(signum)
        raise KeyboardInterrupt

    for signum in watched:
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, previous in before.items():
            signal.signal(signum, previous)
    if noted:
        previous = before[noted[0]]
        if noted[0] == signal.SIGTERM:
            previous(noted[0], None)  # the command line's handler: it notes the signal, raises
        raise KeyboardInterrupt


def _nutpie(model, sampler: Sampler, seed: int, key, var_names, progress) -> xr.DataTree:
    import nutpie

    backend = "jax" if sampler.backend == "nutpie-jax" else "numba"
    started = time.perf_counter()
    compiled = compiled_nutpie(model, key, backend=backend, var_names=var_names)
    compile_seconds = time.perf_counter() - started
    cores = sampler.cores or min(sampler.chains, os.cpu_count() or 1)
    kwargs = {}
    if progress is not None:
        bar, task = progress
        total = sampler.chains * (sampler.draws + sampler.tune)
        bar.update(task, total=total, completed=0)
        kwargs = {"progress_callback": _progress_callback(bar, task, total), "progress_rate": 200}
    with _interrupts_raise():
        idata = nutpie.sample(
            compiled,
            draws=sampler.draws,
            tune=max(sampler.tune, 1),
            chains=sampler.chains,
            cores=cores,
            seed=int(seed),
            save_warmup=False,
            progress_bar=False,
            adaptation=sampler.adaptation,
            target_accept=sampler.target_accept,
            **kwargs,
        )
    idata["posterior"].attrs["compile_seconds"] = round(compile_seconds, 3)
    return idata


def _pymc(model, sampler: Sampler, seed: int, var_names, progress) -> xr.DataTree:
    cores = sampler.cores or min(sampler.chains, os.cpu_count() or 1)
    nuts_sampler = "numpyro" if sampler.backend == "numpyro" else "pymc"
    nuts = {"target_accept": sampler.target_accept}
    if nuts_sampler == "numpyro":  # dense mass matrix, chains vectorised on one device
        nuts |= {"dense_mass": True, "chain_method": "vectorized"}
    extra = {"init": "jitter+adapt_full"} if nuts_sampler == "pymc" else {}
    with model:
        return pm.sample(
            draws=sampler.draws,
            tune=sampler.tune,
            chains=sampler.chains,
            cores=cores,
            random_seed=int(seed),
            nuts_sampler=nuts_sampler,
            var_names=var_names,
            progressbar=progress is not None,
            quiet=progress is None,
            compute_convergence_checks=False,
            nuts=nuts,
            **extra,
        )


#: The inference of each backend of :data:`forecast.catalog.BACKENDS`: ``f(model, sampler, seed,
#: key, var_names, progress) -> DataTree``.
SAMPLERS: dict[str, Callable] = {
    "nutpie": _nutpie,
    "nutpie-jax": _nutpie,
    "pymc": lambda model, sampler, seed, key, var_names, progress: _pymc(
        model, sampler, seed, var_names, progress
    ),
}
SAMPLERS["numpyro"] = SAMPLERS["pymc"]


def sample(
    model: pm.Model,
    sampler: Sampler,
    random_seed: int,
    key=None,
    var_names: list[str] | None = None,
    progress=None,
) -> xr.DataTree:
    """Draw the posterior of a built PyMC model.

    Parameters
    ----------
    model : pymc.Model
        The model.
    sampler : Sampler
        Settings (see :data:`PRESETS`).
    random_seed : int
        One seed for the whole run; the same seed gives the same draws.
    key : hashable, optional
        The graph's structure, for the compiled-model cache (nutpie only; ``None``: no cache).
    var_names : list of str, optional
        Variables kept in the trace (default: all).
    progress : tuple, optional
        ``(rich.progress.Progress, task_id)`` to update while sampling.

    Returns
    -------
    xarray.DataTree
        With ``posterior`` and ``sample_stats`` (``diverging`` at least); the posterior's
        attrs hold ``sampling_seconds`` (compilation included) and, for nutpie,
        ``compile_seconds`` (compiling or loading the compiled model).

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C, even where the sampler would return the draws made so far.
    """
    started = time.perf_counter()
    idata = SAMPLERS[sampler.backend](model, sampler, random_seed, key, var_names, progress)
    idata["posterior"].attrs["sampling_seconds"] = round(time.perf_counter() - started, 3)
    return idata
