"""How a built model is sampled: sampler settings, the named presets, and the compiled-model cache.

One place decides how posteriors are drawn (:func:`sample`), with the settings of
:class:`Sampler` and three named presets (:data:`PRESETS`):

``full``
    Published fits: 4 chains x 1,000 draws (what ``forecast fit`` and the report use).
``fast``
    Quick looks and FAST notebooks: 2 chains x 250 draws.
``backtest``
    One fold of a rolling-origin backtest: 4 chains x 500 draws = 2,000 draws per fold, run
    one after another on one core (folds run side by side); enough that folds pass the
    diagnostics (4 chains give r-hat its power; 2 chains of 500 did not).

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
is also cached on disk (``~/.pytensor``): PyTensor caches the graph's functions, and
:mod:`forecast.models.numba_cache` caches nutpie's two C callbacks that wrap them, so a new
process with a graph this machine has seen compiles nothing and loads it in about a second.

A stand-in sampler for tests of plumbing (``backend="mock"``, preset ``mock``) draws the
"posterior" from the prior with :func:`pymc.testing.mock_sample`: no MCMC, milliseconds,
diagnostics meaningless. Tests of statistics keep real NUTS.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm
import xarray as xr

from forecast.errors import ConfigError
from forecast.models.numba_cache import compile_numba_model

#: Inference backends :func:`sample` knows.
BACKENDS = ("nutpie", "nutpie-jax", "pymc", "numpyro", "mock")

#: Mass-matrix adaptations of nutpie.
ADAPTATIONS = ("low_rank", "diag")


@dataclass(frozen=True)
class Sampler:
    """Settings of one posterior sampling run.

    Attributes
    ----------
    draws, tune, chains : int
        Draws kept per chain, tuning steps per chain, number of chains.
    target_accept : float
        NUTS target acceptance rate.
    backend : str
        One of :data:`BACKENDS`: ``nutpie`` (numba, the default), ``nutpie-jax``, ``pymc``
        (PyMC's own NUTS, dense mass matrix), ``numpyro`` (needs the ``bench`` extra) or
        ``mock`` (prior draws, for tests).
    adaptation : str
        nutpie's mass-matrix adaptation (``low_rank`` or ``diag``).
    cores : int, optional
        Chains run in parallel (default: ``min(chains, cpu count)``).
    """

    draws: int = 1000
    tune: int = 500
    chains: int = 4
    target_accept: float = 0.9
    backend: str = "nutpie"
    adaptation: str = "low_rank"
    cores: int | None = None

    def __post_init__(self) -> None:
        for name in ("draws", "chains"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
                raise ConfigError(
                    f"--{name}", f"{value!r} is not a whole number >= 1", "use 1 or more"
                )
        if (
            not isinstance(self.tune, int | np.integer)
            or isinstance(self.tune, bool)
            or self.tune < 0
        ):
            raise ConfigError(
                "--tune", f"{self.tune!r} is not a whole number >= 0", "use 0 or more"
            )
        if not 0 < self.target_accept < 1:
            raise ConfigError(
                "--target-accept", f"{self.target_accept!r} is not in (0, 1)", "use e.g. 0.9"
            )
        if self.backend not in BACKENDS:
            raise ConfigError(
                "--sampler", f"unknown sampler {self.backend!r}", f"use one of {BACKENDS}"
            )
        if self.adaptation not in ADAPTATIONS:
            raise ConfigError(
                "adaptation", f"unknown adaptation {self.adaptation!r}", f"use one of {ADAPTATIONS}"
            )

    def replace(self, **changes) -> Sampler:
        """A copy with some settings changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict:
        """JSON-ready settings."""
        return dataclasses.asdict(self)

    @property
    def n_draws(self) -> int:
        """Posterior draws in total (``draws * chains``)."""
        return self.draws * self.chains


#: The named presets, defined once (see the module docstring).
PRESETS: dict[str, Sampler] = {
    "full": Sampler(draws=1000, tune=500, chains=4),
    "fast": Sampler(draws=250, tune=250, chains=2),
    "backtest": Sampler(draws=500, tune=500, chains=4, cores=1),
    "mock": Sampler(draws=50, tune=0, chains=2, backend="mock"),
}


def resolve_sampler(sampler: str | Sampler | dict | None = None, **changes) -> Sampler:
    """The :class:`Sampler` for a preset name, a Sampler, or a dict of settings.

    Parameters
    ----------
    sampler : str, Sampler or dict, optional
        A name of :data:`PRESETS` (default ``full``), a :class:`Sampler`, or settings
        (``{"draws": 500, ...}``) applied over ``full``.
    **changes
        Settings to change (``None`` values are ignored), e.g. ``draws=200``.
    """
    if sampler is None:
        base = PRESETS["full"]
    elif isinstance(sampler, Sampler):
        base = sampler
    elif isinstance(sampler, str):
        if sampler not in PRESETS:
            raise ConfigError(
                "--preset", f"unknown sampler preset {sampler!r}", f"use one of {sorted(PRESETS)}"
            )
        base = PRESETS[sampler]
    elif isinstance(sampler, dict):
        known = {f.name for f in dataclasses.fields(Sampler)}
        unknown = sorted(set(sampler) - known)
        if unknown:
            raise ConfigError("sampler", f"unknown setting(s) {unknown}", f"use {sorted(known)}")
        base = PRESETS["full"].replace(**sampler)
    else:
        raise ConfigError("sampler", f"not a sampler: {sampler!r}", "pass a preset name")
    return base.replace(**changes)


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
        # nutpie's JAX model keeps only the data its functions read; the others were folded in
        # as constants, so a change to one of them needs a new compilation
        known = getattr(compiled, "_shared_data", None)
        if known is None:
            return compiled.with_data(**values)
        folded = [k for k in values if k not in known]
        if all(np.array_equal(values[k], at_compile[k]) for k in folded):
            return compiled.with_data(**{k: v for k, v in values.items() if k in known})
    if backend == "numba":
        compiled = compile_numba_model(model, var_names=var_names, cached=cached_wrappers)
    else:
        compiled = nutpie.compile_pymc_model(
            model, backend=backend, gradient_backend="jax", var_names=var_names
        )
    if full_key is not None:
        with _COMPILED_LOCK:
            _COMPILED[full_key] = (compiled, values)
    return compiled


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


def _nutpie(model, sampler: Sampler, seed: int, key, var_names, progress) -> xr.DataTree:
    import nutpie

    backend = "jax" if sampler.backend == "nutpie-jax" else "numba"
    compiled = compiled_nutpie(model, key, backend=backend, var_names=var_names)
    cores = sampler.cores or min(sampler.chains, os.cpu_count() or 1)
    kwargs = {}
    if progress is not None:
        bar, task = progress
        total = sampler.chains * (sampler.draws + sampler.tune)
        bar.update(task, total=total, completed=0)
        kwargs = {"progress_callback": _progress_callback(bar, task, total), "progress_rate": 200}
    return nutpie.sample(
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


def _mock(model, sampler: Sampler, seed: int, var_names) -> xr.DataTree:
    from pymc.testing import mock_sample

    def zeros(size):
        return np.zeros(size, dtype=bool)

    with model:
        return mock_sample(
            draws=sampler.draws,
            chains=sampler.chains,
            random_seed=int(seed),
            model=model,
            var_names=var_names,
            sample_stats={"diverging": zeros},
        )


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
        attrs hold ``sampling_seconds``.
    """
    started = time.perf_counter()
    if sampler.backend in ("nutpie", "nutpie-jax"):
        idata = _nutpie(model, sampler, random_seed, key, var_names, progress)
    elif sampler.backend == "mock":
        idata = _mock(model, sampler, random_seed, var_names)
    else:
        idata = _pymc(model, sampler, random_seed, var_names, progress)
    idata["posterior"].attrs["sampling_seconds"] = round(time.perf_counter() - started, 3)
    return idata
