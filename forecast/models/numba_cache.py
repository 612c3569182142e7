"""nutpie models whose numba entry points are cached on disk, so a new process compiles nothing.

nutpie hands its sampler two C callbacks (``numba.cfunc``): the log density with its gradient,
and the "expand" function that turns an unconstrained draw into the stored variables. Both
wrap the functions PyTensor compiled from the model's graph. PyTensor caches its own numba
functions on disk (``~/.pytensor/.../numba``), but nutpie's two wrappers are compiled afresh
in every process: its generated code carries random keys and closures that numba cannot cache,
and compiling them costs 5-9 s (numba types and lowers its own helpers on first use), which
is most of a warm ``forecast fit``.

:func:`compile_numba_model` builds the same :class:`nutpie.compile_pymc.CompiledPyMCModel`
with wrappers written as plain source with fixed names, compiled with ``cache=True`` under a
key that covers everything they are made of: our wrapper source (the data's names, ranks and
dtypes), PyTensor's key for the inner function (the graph), and the versions of nutpie,
PyTensor and numba. A second process with the same graph loads both wrappers from disk in a
fraction of a second. The graph does not hold the number of parameters either
(:func:`_flat_functions`): a model whose grid is a month longer, as a user's refit after a
month of new data, is the same graph, so its compilation is loaded too (``ar_level``'s refit
on a month not fitted before: compile 3.5-4.7 s instead of 27.5-28.4 s on the Intel Xeon of
the README, ``benchmarks/fit_phases.py --new-months 2``). Data stay outside the compiled code
(pointers in nutpie's ``user_data`` record), so ``with_data`` re-uses the compiled model for
new data exactly as nutpie's own does.

Private names this module relies on
-----------------------------------
Written for nutpie 0.16 (:data:`NUTPIE_SERIES`; ``pyproject.toml`` and ``environment.yml`` pin
``nutpie>=0.16,<0.17``): **a new nutpie minor version needs a review of this module** against
nutpie's ``compile_pymc.py`` before the pin is raised. It uses

- nutpie: ``compile_pymc._make_functions``, whose work :func:`_flat_functions` does again
  (the same graph, with symbolic offsets; its return tuple of seven), ``_compute_shapes``,
  ``_rv_dict_to_flat_array_wrapper``, ``_wrap_with_lock``,
  ``_prepare_dims_and_coords``, ``make_user_data`` and the layout of the record it makes
  (``shared`` -> ``data`` / ``shape`` per key), ``address_as_void_pointer``, the private
  fields of ``CompiledPyMCModel`` (``_n_dim``, ``_coords``, ``_shapes``) and the C
  signatures and return codes of the two callbacks (``_make_c_logp_func``,
  ``_make_c_expand_func``, which our source copies);
- PyTensor: ``pytensor.link.numba.cache.CACHED_SRC_FUNCTIONS`` (its key for a compiled
  graph) and ``compile_numba_function_src``, and a compiled function's ``vm.jit_fn`` and
  ``get_shared()``;
- numba: ``carray`` and ``cfunc(cache=True)`` on source compiled by PyTensor's helper.

Safety: before anything is compiled, the nutpie version and the private names are checked;
after, the cached log density and gradient are compared with those of the PyTensor function
they wrap at the model's initial point (:func:`verify`). The check costs 0.16-0.3 s per compile
(measured on the small test model, ``state_rate``, ``ar_level`` and ``class_hierarchical``
with warm caches; 1.2-2.9 s compiles), almost all of it numba loading the function's Python
entry point from PyTensor's cache; the first time a graph is compiled on a machine, that entry
point is compiled instead (about 2.5 s of CPU for ``ar_level``, part of which the wrappers'
compilation then re-uses). When any step fails, :func:`compile_numba_model` falls
back to ``nutpie.compile_pymc_model`` (correct, 5-9 s slower to compile) and says why, once
per process and reason, as one line on stderr (the ``forecast.models.numba_cache`` logger).
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import logging
import threading

import numpy as np
import pymc as pm

# numba, nutpie and PyTensor's numba cache are imported where a model is compiled: this
# module is imported with every model (loading a saved run), and importing them costs about
# 1.2 s (nutpie 1 s, numba 0.13 s).

#: The nutpie minor version the wrappers and the private names below were written for.
NUTPIE_SERIES = "0.16"

#: Private helpers of ``nutpie.compile_pymc`` used here (checked before compiling).
NUTPIE_HELPERS = (
    "_compute_shapes",
    "_wrap_with_lock",
    "_prepare_dims_and_coords",
    "make_user_data",
    "address_as_void_pointer",
    "_rv_dict_to_flat_array_wrapper",
    "CompiledPyMCModel",
)

#: Fields of ``CompiledPyMCModel`` that :func:`_compile_cached` fills.
NUTPIE_FIELDS = (
    "_n_dim",
    "dims",
    "_coords",
    "_shapes",
    "compiled_logp_func",
    "compiled_expand_func",
    "initial_point_func",
    "shared_data",
    "shared_var_keys",
    "user_data",
    "n_expanded",
    "shape_info",
    "logp_func",
    "expand_func",
    "reparameterized_names",
)

#: Changes whenever the generated wrapper source changes in a way the source text does not show.
WRAPPER_VERSION = "2"

#: Relative tolerance of :func:`verify` (the two sides run the same machine code: they agree
#: to the last bit in practice).
RTOL = 1e-10

#: Seed of the initial point at which :func:`verify` compares.
VERIFY_SEED = 0

_LOGP_SIGNATURE = "int64(uint64, CPointer(double), CPointer(double), CPointer(double), voidptr)"
_EXPAND_SIGNATURE = "int64(uint64, uint64, CPointer(double), CPointer(double), voidptr)"

logger = logging.getLogger(__name__)

_ANNOUNCED: set[str] = set()
_ANNOUNCED_LOCK = threading.Lock()


class CacheFallback(Exception):
    """The cached callbacks cannot be used for this model; nutpie's compilation is used.

    Parameters
    ----------
    kind : str
        Which check failed (one line is printed per kind and process): ``"nutpie-version"``,
        ``"nutpie-names"``, ``"pytensor-names"``, ``"pytensor-key"``, ``"numba-compile"``
        or ``"verification"``.
    reason : str
        What happened, as the user reads it.
    """

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _announce(error: CacheFallback) -> None:
    """Say once per process and kind of failure that nutpie's own compilation is used."""
    with _ANNOUNCED_LOCK:
        if error.kind in _ANNOUNCED:
            return
        _ANNOUNCED.add(error.kind)
    logger.warning(
        "forecast: compiling nutpie's callbacks afresh (5-9 s slower, same results): %s",
        error.reason,
    )


# --- checks before compiling --------------------------------------------------------------


def check_nutpie(cp) -> None:
    """Refuse a nutpie this module was not written for, or one lacking a private name.

    Parameters
    ----------
    cp : module
        ``nutpie.compile_pymc``.

    Raises
    ------
    CacheFallback
        Another minor version than :data:`NUTPIE_SERIES`, or a name of
        :data:`NUTPIE_HELPERS` / :data:`NUTPIE_FIELDS` missing.
    """
    import nutpie

    version = str(getattr(nutpie, "__version__", "unknown"))
    if ".".join(version.split(".")[:2]) != NUTPIE_SERIES:
        raise CacheFallback(
            "nutpie-version",
            f"nutpie {version} is not the version the cached callbacks were written for "
            f"({NUTPIE_SERIES}.x)",
        )
    missing = [name for name in NUTPIE_HELPERS if not hasattr(cp, name)]
    if not missing:
        fields = {f.name for f in dataclasses.fields(cp.CompiledPyMCModel)}
        missing = [f"CompiledPyMCModel.{name}" for name in NUTPIE_FIELDS if name not in fields]
    if missing:
        raise CacheFallback(
            "nutpie-names",
            f"nutpie {version} lacks {', '.join(missing)}, which the cached callbacks use",
        )


def _pytensor_cache():
    """PyTensor's numba cache registry and source compiler (``CacheFallback`` if absent)."""
    try:
        from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS, compile_numba_function_src
    except ImportError as error:
        import pytensor

        raise CacheFallback(
            "pytensor-names",
            f"PyTensor {pytensor.__version__} has no numba cache helpers ({error})",
        ) from None
    return CACHED_SRC_FUNCTIONS, compile_numba_function_src


def pytensor_cache_key(function) -> str | None:
    """PyTensor's disk-cache key of a compiled function's numba code (``None``: not cached).

    Parameters
    ----------
    function : pytensor.compile.function.types.Function
        Compiled in ``NUMBA`` mode.
    """
    registry, _ = _pytensor_cache()
    jit_fn = getattr(function.vm, "jit_fn", None)
    if jit_fn is None:
        return None
    return registry.get(jit_fn.py_func)


# --- the wrappers -------------------------------------------------------------------------


def _data_lines(keys: list[str], arrays: dict[str, np.ndarray]) -> list[str]:
    """Source lines that view each data array through its pointer in ``user_data``."""
    if not keys:
        return []
    lines = ["shared = carray(user_data_, (), RECORD)['shared']"]
    for key in keys:
        array = arrays[key]
        dims = ", ".join(f"int(shared['shape']['{key}'][{i}])" for i in range(array.ndim))
        shape = f"({dims},)" if array.ndim else "()"
        lines.append(
            f"{key} = carray(as_pointer(shared['data']['{key}'][()]), {shape}, "
            f"np.{array.dtype.name})"
        )
    return lines


def _wrapper_source(signature: str, body: list[str], failed: int) -> str:
    """A C-callback function: ``body`` in a ``try``, ``failed`` on exceptions.

    The sizes are the callback's arguments (``dim``, ``expanded``), not numbers written into
    the source, so a model whose grid is a month longer has the same wrappers (and graph,
    :func:`_flat_functions`), loaded from disk. nutpie passes its model's sizes, which
    :func:`_flat_functions` checked are those the graph's offsets add up to; a gradient or a
    set of stored values of another length than the size passed returns ``-1``, as nutpie's
    own callbacks do for a size they were not compiled for (a size smaller than the graph's
    fails inside it, which returns ``1`` for the log density; neither writes anything).
    """
    lines = [f"def {signature}:"]
    lines += ["    try:", *(" " * 8 + line for line in body)]
    lines += ["    except Exception:", f"        return {failed}", "    return 0"]
    return "\n".join(lines) + "\n"


def _logp_source(keys: list[str], arrays: dict[str, np.ndarray]) -> str:
    body = [
        "x = carray(x_, (dim,))",
        "out = carray(out_, (dim,))",
        "logp = carray(logp_, ())",
        *_data_lines(keys, arrays),
        f"logp_val, grad = inner(x{''.join(', ' + k for k in keys)})",
        "if grad.shape[0] != dim:",
        "    return -1",
        "logp[()] = logp_val",
        "out[...] = grad",
        "if not np.all(np.isfinite(out)):",
        "    return 3",
        "if not np.isfinite(logp_val):",
        "    return 4",
    ]
    return _wrapper_source("logp_cfunc(dim, x_, out_, logp_, user_data_)", body, failed=1)


def _expand_source(keys: list[str], arrays) -> str:
    body = [
        "x = carray(x_, (dim,))",
        "out = carray(out_, (expanded,))",
        *_data_lines(keys, arrays),
        f"(values,) = inner(x{''.join(', ' + k for k in keys)})",
        "if values.shape[0] != expanded:",
        "    return -1",
        "out[...] = values",
    ]
    return _wrapper_source("expand_cfunc(dim, expanded, x_, out_, user_data_)", body, failed=-2)


def cache_key(source: str, inner_key: str, record: np.dtype) -> str:
    """The disk-cache key of a wrapper: its source, the graph's key, the record, the versions.

    Parameters
    ----------
    source : str
        The wrapper's generated source.
    inner_key : str
        PyTensor's key for the function the wrapper calls.
    record : numpy.dtype
        Layout of nutpie's ``user_data`` record.
    """
    import numba
    import nutpie
    import pytensor

    parts = [
        WRAPPER_VERSION,
        source,
        inner_key,
        str(record),
        f"numba {numba.__version__}",
        f"nutpie {nutpie.__version__}",
        f"pytensor {pytensor.__version__}",
        f"fastmath {int(pytensor.config.numba__fastmath)}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _cached_cfunc(source: str, name: str, signature: str, function, record):
    """Compile ``source`` (defining ``name``) as a disk-cached ``numba.cfunc`` calling the
    numba code of the PyTensor ``function``."""
    import numba
    from numba.core.errors import NumbaError
    from nutpie.compile_pymc import address_as_void_pointer

    inner_key = pytensor_cache_key(function)
    if inner_key is None:  # PyTensor did not cache the graph's function: neither can we
        raise CacheFallback(
            "pytensor-key",
            "PyTensor did not cache the graph's function (numba__cache is off, or an Op of "
            "the graph cannot be cached)",
        )
    _, compile_numba_function_src = _pytensor_cache()
    env = {
        # numba's cached code re-imports the module named here to rebuild its environment
        "__name__": __name__,
        "np": np,
        "carray": numba.carray,
        "as_pointer": address_as_void_pointer,
        "inner": function.vm.jit_fn,
        "RECORD": record,
    }
    key = cache_key(source, inner_key, record)
    try:
        compiled = compile_numba_function_src(source, name, env, cache_key=f"forecast_{key}")
        return numba.cfunc(signature, cache=True)(compiled)
    except NumbaError as error:  # e.g. data of a dtype numba cannot view through a pointer
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CacheFallback(
            "numba-compile",
            f"numba could not compile the cached {name} ({type(error).__name__}: {first})",
        ) from None


# --- verification -------------------------------------------------------------------------


def call_logp(compiled, x: np.ndarray) -> tuple[int, float, np.ndarray]:
    """Call a compiled model's C log-density callback the way nutpie's sampler does.

    Parameters
    ----------
    compiled : nutpie.compile_pymc.CompiledPyMCModel
        The compiled model.
    x : ndarray
        A point of the unconstrained space, shape ``(n_dim,)``.

    Returns
    -------
    tuple
        The callback's return code (0: finite values), the log density and its gradient.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.zeros(compiled.n_dim)
    logp = np.zeros(())
    double = ctypes.POINTER(ctypes.c_double)
    code = compiled.compiled_logp_func.ctypes(
        compiled.n_dim,
        x.ctypes.data_as(double),
        out.ctypes.data_as(double),
        logp.ctypes.data_as(double),
        compiled.user_data.ctypes.data_as(ctypes.c_void_p),
    )
    return int(code), float(logp), out


def call_expand(compiled, x: np.ndarray) -> tuple[int, np.ndarray]:
    """Call a compiled model's C expand callback the way nutpie's sampler does.

    Returns
    -------
    tuple
        The callback's return code (0: written) and the stored variables, shape
        ``(n_expanded,)``.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.zeros(compiled.n_expanded)
    double = ctypes.POINTER(ctypes.c_double)
    code = compiled.compiled_expand_func.ctypes(
        compiled.n_dim,
        compiled.n_expanded,
        x.ctypes.data_as(double),
        out.ctypes.data_as(double),
        compiled.user_data.ctypes.data_as(ctypes.c_void_p),
    )
    return int(code), out


def reference_logp(compiled_or_function, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The log density and gradient at ``x`` from the PyTensor function a callback wraps.

    Parameters
    ----------
    compiled_or_function : CompiledPyMCModel or pytensor Function
        A compiled model (its ``logp_func`` is used) or the function itself, called from
        Python with the data its shared variables hold (the model's, or for functions read
        from :mod:`forecast.models.graph_cache`, the copies stored with them, which are the
        same data: the data are part of the entry's name).
    x : ndarray
        A point of the unconstrained space.

    Returns
    -------
    tuple of ndarray
        The log density (0-d) and its gradient, copied.
    """
    function = getattr(compiled_or_function, "logp_func", compiled_or_function)
    logp, grad = function(np.ascontiguousarray(x, dtype=np.float64))
    return np.array(logp, dtype=float), np.array(grad, dtype=float)


def verify(compiled, x: np.ndarray | None = None, expected=None) -> None:
    """Check the cached log density and gradient against the PyTensor function they wrap.

    Both are evaluated at one point (by default the model's initial point); the reference is
    the PyTensor function nutpie's own callback would wrap (``compiled.logp_func``), called
    from Python with the model's data (:func:`reference_logp`).

    Parameters
    ----------
    compiled : nutpie.compile_pymc.CompiledPyMCModel
        Built by :func:`_compile_cached`.
    x : ndarray, optional
        The point (default: the initial point of seed :data:`VERIFY_SEED`).
    expected : tuple of ndarray, optional
        :func:`reference_logp` at ``x``, if already known.

    Raises
    ------
    CacheFallback
        The values disagree beyond :data:`RTOL`, or one side is finite and the other not.
    """
    if x is None:
        x = compiled.initial_point_func(VERIFY_SEED)
    expected_logp, expected_grad = reference_logp(compiled, x) if expected is None else expected
    if np.shape(expected_grad) != (compiled.n_dim,):
        raise CacheFallback(
            "verification",
            f"the gradient has {np.size(expected_grad)} values, the model "
            f"{compiled.n_dim} parameters",
        )
    code, logp, grad = call_logp(compiled, x)
    finite = bool(np.isfinite(expected_logp) and np.all(np.isfinite(expected_grad)))
    if not finite:  # nutpie's callback would report a non-finite point too (codes 3, 4)
        agree = code in (3, 4)
    else:
        scale = RTOL * max(1.0, float(np.max(np.abs(expected_grad), initial=0.0)))
        agree = (
            code == 0
            and bool(np.isclose(logp, expected_logp, rtol=RTOL, atol=RTOL))
            and bool(np.allclose(grad, expected_grad, rtol=RTOL, atol=scale))
        )
    if agree:  # and the stored variables the expand callback writes
        code, values = call_expand(compiled, x)
        reference = np.asarray(compiled.expand_func(x)[0], dtype=float)
        agree = code == 0 and np.allclose(values, reference, rtol=RTOL, atol=RTOL, equal_nan=True)
        if not agree:
            raise CacheFallback(
                "verification",
                f"the cached stored variables disagree with PyTensor's at the initial point "
                f"(code {code})",
            )
    if not agree:
        gap_logp = abs(logp - float(expected_logp))
        gap_grad = float(np.max(np.abs(grad - expected_grad), initial=0.0))
        raise CacheFallback(
            "verification",
            f"the cached log density disagrees with PyTensor's at the initial point (code "
            f"{code}, log density off by {gap_logp:.3g}, gradient by {gap_grad:.3g})",
        )


# --- compiling ----------------------------------------------------------------------------


def _stored_functions(cp, name: str, initial_point_fn) -> dict | None:
    """The functions stored under ``name`` with nutpie's initial-point wrapper, or ``None``.

    A stored entry is used only when, at the model's initial point, its log density and
    gradient are to the bit those recorded when it was written (a damaged or altered entry is
    compiled afresh). That the entry belongs to this model rests on its name
    (:func:`forecast.models.graph_cache.entry_key`, which covers the graph before rewriting).
    """
    from forecast.models import graph_cache

    stored = graph_cache.load(name)
    if stored is None:
        return None
    try:
        names, _, shapes = stored["shape_info"]
        n_free = stored["n_free"]
        point_fn = cp._rv_dict_to_flat_array_wrapper(
            initial_point_fn, names=list(names[:n_free]), shapes=list(shapes[:n_free])
        )
        x = point_fn(VERIFY_SEED)
        expected = reference_logp(stored["logp_func"], x)
        same = (
            np.array_equal(x, stored["x"])
            and np.array_equal(expected[0], stored["expected"][0], equal_nan=True)
            and np.array_equal(expected[1], stored["expected"][1], equal_nan=True)
        )
    except Exception as error:  # noqa: BLE001 - whatever is wrong with an entry, compile afresh
        logger.debug("graph cache: entry %s not usable (%s)", name, error)
        return None
    if not same:
        logger.debug("graph cache: entry %s computes other values than recorded", name)
        return None
    functions = (
        stored["n_dim"],
        stored["n_expanded"],
        stored["logp_func"],
        stored["expand_func"],
        point_fn,
        stored["shape_info"],
        stored["reparameterized"],
    )
    return {"functions": functions, "x": x, "expected": expected}


def _flat_functions(model: pm.Model, initial_point_fn, var_names=None) -> tuple:
    """The log density (with its gradient) and "expand" functions of ``model`` on one flat
    vector of its free variables, as ``nutpie.compile_pymc._make_functions`` builds them, but
    with the vector's length and each variable's place in it symbolic where the model's own
    shapes are (a variable whose value has the shape of its random variable, e.g. a monthly
    innovation of ``dims="month"``, whose length is a shared dimension length).

    nutpie writes every length and offset into the graph as a number, so a model whose grid is
    one month longer compiled to other code (27.5-28.4 s of ``ar_level``'s 46-49 s refit on a
    new month on the Intel Xeon of the README, 2026-12-06). Here such a model gives the same
    graph, and PyTensor's disk cache and ours hand its compiled code back. The values are the
    same: the same operations on the same numbers (a test compares them with nutpie's own
    functions', to the bit).

    Returns
    -------
    tuple
        ``(n_dim, n_expanded, logp_fn, expand_fn, initial_point_fn, shape_info,
        reparameterized)``, as ``_make_functions`` returns them.
    """
    from math import prod

    import nutpie.compile_pymc as cp
    import pytensor.tensor as pt
    from pymc.pytensorf import compile as compile_pymc
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph import clone_replace, rewrite_graph

    shapes = cp._compute_shapes(model)
    logp = model.logp()
    rewrites = ["canonicalize", "stabilize"]
    if not model.check_bounds:
        rewrites.append("local_remove_check_parameter")
    logp = rewrite_graph(logp, include=rewrites)
    value_vars = [model.rvs_to_values[var] for var in model.free_RVs]
    grads = pt.grad(logp, value_vars)
    grad = pt.concatenate([pt.as_tensor(g, allow_xtensor_conversion=True).ravel() for g in grads])

    joined = pt.dvector("_unconstrained_point")
    names, slices, concrete, flats, variables = [], [], [], [], []
    count, start = 0, pt.constant(0, dtype="int64")
    for var, value in zip(model.free_RVs, value_vars, strict=True):
        shape = tuple(shapes[value.name])
        # symbolic where the random variable's shape is its dimensions' lengths, each a shared
        # variable of the model holding the length the value has now; otherwise (a fixed
        # shape, a transform that changes it, a length given otherwise) the numbers, as
        # nutpie writes them
        dims = model.named_vars_to_dims.get(var.name) or ()
        lengths = [model.dim_lengths.get(d) for d in dims]
        symbolic = (  # (lengths equal to the value's shape: so is the variable's)
            None in var.type.shape
            and len(dims) == value.ndim
            and all(isinstance(n, SharedVariable) for n in lengths)
            and tuple(int(n.get_value()) for n in lengths) == shape
        )
        sym_shape = tuple(lengths) if symbolic else shape
        length = prod(sym_shape) if sym_shape else 1
        flats.append(joined[start : start + length])
        variables.append(flats[-1].reshape(sym_shape).astype(var.dtype))
        start = start + length
        names.append(value.name)
        slices.append(slice(count, count + prod(shape)))
        concrete.append(shape)
        count += prod(shape)
    n_dim = count
    end = int(pt.as_tensor(start).eval())
    if end != n_dim:  # the offsets must end where nutpie's do
        raise CacheFallback(
            "offsets", f"the symbolic offsets end at {end}, not at the model's {n_dim} parameters"
        )
    point_fn = cp._rv_dict_to_flat_array_wrapper(initial_point_fn, names=names, shapes=concrete)
    replacements = dict(zip(value_vars, variables, strict=True))
    logp, grad = clone_replace([logp, grad], replacements)
    with model:
        logp_fn = compile_pymc((joined,), (logp, grad), mode="NUMBA")

    reparameterized = [
        model.rvs_to_values[var].name
        for var in model.free_RVs
        if model.rvs_to_transforms.get(var) is not None
    ]
    remaining = [var for var in model.unobserved_value_vars if var.name not in names]
    if var_names is not None:
        keep = set(var_names)
        remaining = [var for var in remaining if var.name in keep]
    all_names, all_slices, all_shapes = list(names), list(slices), list(concrete)
    for var in remaining:
        shape = tuple(shapes[var.name])
        all_names.append(var.name)
        all_shapes.append(shape)
        all_slices.append(slice(count, count + prod(shape)))
        count += prod(shape)
    expanded = pt.concatenate(
        [
            *flats,  # as nutpie: the flat slices, not the reshaped variables
            *[pt.as_tensor(var, allow_xtensor_conversion=True).ravel() for var in remaining],
        ]
    )
    with model:
        expand_fn = compile_pymc(
            (joined,), [expanded], givens=list(replacements.items()), mode="NUMBA"
        )
    return (
        n_dim,
        count,
        logp_fn,
        expand_fn,
        point_fn,
        (all_names, all_slices, all_shapes),
        reparameterized,
    )


def _compile_cached(model: pm.Model, var_names=None, key=None):
    """nutpie's compiled model with our disk-cached callbacks, verified (``CacheFallback``).

    With a structure ``key``, the functions PyTensor compiled from the graph are also kept on
    disk (:mod:`forecast.models.graph_cache`), so that a new process fitting the same model to
    the same data skips PyTensor's rewrites.
    """
    import nutpie.compile_pymc as cp
    from pymc.initial_point import make_initial_point_fn

    from forecast.models import graph_cache

    check_nutpie(cp)
    _pytensor_cache()
    initial_point_fn = make_initial_point_fn(
        model=model,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    initial_point_fn = cp._wrap_with_lock(initial_point_fn)
    entry_name = graph_cache.entry_key(key, model, var_names)
    stored = _stored_functions(cp, entry_name, initial_point_fn) if entry_name else None
    to_store = None
    if stored is not None:
        n_dim, n_expanded, logp_fn_pt, expand_fn_pt, point_fn, shape_info, reparameterized = stored[
            "functions"
        ]
        x, expected = stored["x"], stored["expected"]
    else:
        (n_dim, n_expanded, logp_fn_pt, expand_fn_pt, point_fn, shape_info, reparameterized) = (
            _flat_functions(model, initial_point_fn, var_names)
        )
        # the reference for verify(), taken first: calling the function from Python compiles
        # (or loads) its Python entry point, which the wrappers' compilation then re-uses
        x = point_fn(VERIFY_SEED)
        expected = reference_logp(logp_fn_pt, x)
        if entry_name:  # written once the callbacks built from these functions are verified
            to_store = {
                "n_dim": n_dim,
                "n_expanded": n_expanded,
                "logp_func": logp_fn_pt,
                "expand_func": expand_fn_pt,
                "shape_info": shape_info,
                "reparameterized": reparameterized,
                "n_free": len(model.free_RVs),
                "x": x,
                "expected": expected,
            }
    # fixed keys (nutpie draws random ones) so that the wrappers' source is the same each time
    shared_data, shared_var_keys = {}, {}
    for var in [*logp_fn_pt.get_shared(), *expand_fn_pt.get_shared()]:
        if var in shared_var_keys:
            continue
        data_key = f"d{len(shared_var_keys)}"
        shared_var_keys[var] = data_key
        shared_data[data_key] = np.array(var.get_value(), order="C", copy=True)
        shared_data[data_key].flags.writeable = False
    user_data = cp.make_user_data(shared_var_keys, shared_data)
    record = user_data.dtype

    logp_keys = [shared_var_keys[v] for v in logp_fn_pt.get_shared()]
    expand_keys = [shared_var_keys[v] for v in expand_fn_pt.get_shared()]
    logp_cfunc = _cached_cfunc(
        _logp_source(logp_keys, shared_data),
        "logp_cfunc",
        _LOGP_SIGNATURE,
        logp_fn_pt,
        record,
    )
    expand_cfunc = _cached_cfunc(
        _expand_source(expand_keys, shared_data),
        "expand_cfunc",
        _EXPAND_SIGNATURE,
        expand_fn_pt,
        record,
    )
    dims, coords = cp._prepare_dims_and_coords(model, shape_info, reparameterized)
    compiled = cp.CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=logp_cfunc,
        compiled_expand_func=expand_cfunc,
        initial_point_func=point_fn,
        shared_data=shared_data,
        shared_var_keys=shared_var_keys,
        user_data=user_data,
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_fn_pt,
        expand_func=expand_fn_pt,
        reparameterized_names=reparameterized,
    )
    verify(compiled, x, expected)
    if to_store is not None:
        graph_cache.store(entry_name, to_store)
    return compiled


def compile_numba_model(model: pm.Model, var_names=None, cached: bool = True, key=None):
    """nutpie's compiled model of ``model`` on the numba backend.

    Parameters
    ----------
    model : pymc.Model
        The built model.
    var_names : list of str, optional
        Variables kept in the trace (default: all).
    cached : bool
        Compile nutpie's two callbacks with disk-cached wrappers (the default); ``False``
        compiles them the way ``nutpie.compile_pymc_model`` does (for comparisons).
    key : hashable, optional
        The model's structure key (:meth:`forecast.models.BaseModel.graph_key`): with it,
        the functions PyTensor compiles from the graph are kept on disk for the next process
        that fits the same model to the same data (:mod:`forecast.models.graph_cache`).

    Returns
    -------
    nutpie.compile_pymc.CompiledPyMCModel
        Ready for ``nutpie.sample`` and ``with_data``; the same log density either way.

    Notes
    -----
    When the cached callbacks cannot be used (another nutpie, a missing private name, a graph
    PyTensor did not cache, a wrapper numba cannot compile, or a log density that fails
    :func:`verify`), nutpie's own compilation is used and one line says why (once per process
    and reason, on the ``forecast.models.numba_cache`` logger, which prints to stderr when
    logging is not configured). Either way the model is compiled without numba's fast-math,
    so that a cached callback and one compiled afresh give the same bits, hence the same
    draws for the same seed.
    """
    import nutpie
    import pytensor

    # IEEE arithmetic, not numba's fast-math: with fast-math, a function compiled in this
    # process and the same function loaded from the disk cache differed in the last bits of
    # some log densities (LLVM may reassociate and approximate differently), and NUTS turns
    # such bits into other draws: the same seed gave one posterior on a machine's first fit
    # and another once the cache was warm. Sampling was no slower without it.
    with pytensor.config.change_flags(numba__fastmath=False):
        if cached:
            try:
                return _compile_cached(model, var_names, key)
            except CacheFallback as error:
                _announce(error)
        return nutpie.compile_pymc_model(model, backend="numba", var_names=var_names)
