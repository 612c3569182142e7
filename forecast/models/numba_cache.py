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
key that covers everything they are made of: our wrapper source (the number of parameters,
the data's names, ranks and dtypes) and PyTensor's key for the inner function (the graph).
A second process with the same graph loads both wrappers from disk in a fraction of a second.
Data stay outside the compiled code (pointers in nutpie's ``user_data`` record), so
``with_data`` re-uses the compiled model for new data exactly as nutpie's own does.

It uses a few of nutpie's internal helpers (``_make_functions`` and friends); if they are
missing or behave differently (another nutpie release), :func:`compile_numba_model` falls back
to ``nutpie.compile_pymc_model``, which is correct but slower to compile.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pymc as pm

#: Changes whenever the generated wrapper source changes in a way the source text does not show.
WRAPPER_VERSION = "1"

_LOGP_SIGNATURE = "int64(uint64, CPointer(double), CPointer(double), CPointer(double), voidptr)"
_EXPAND_SIGNATURE = "int64(uint64, uint64, CPointer(double), CPointer(double), voidptr)"


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


def _wrapper_source(signature: str, checks: dict[str, int], body: list[str], failed: int) -> str:
    """A C-callback function: argument checks, ``body`` in a ``try``, ``failed`` on exceptions.

    ``checks`` maps an argument to the value it must have (else ``-1``, as nutpie expects).
    """
    lines = [f"def {signature}:"]
    for argument, value in checks.items():
        lines += [f"    if {argument} != {value}:", "        return -1"]
    lines += ["    try:", *(" " * 8 + line for line in body)]
    lines += ["    except Exception:", f"        return {failed}", "    return 0"]
    return "\n".join(lines) + "\n"


def _logp_source(n_dim: int, keys: list[str], arrays: dict[str, np.ndarray]) -> str:
    body = [
        f"x = carray(x_, ({n_dim},))",
        f"out = carray(out_, ({n_dim},))",
        "logp = carray(logp_, ())",
        *_data_lines(keys, arrays),
        f"logp_val, grad = inner(x{''.join(', ' + k for k in keys)})",
        "logp[()] = logp_val",
        "out[...] = grad",
        "if not np.all(np.isfinite(out)):",
        "    return 3",
        "if not np.isfinite(logp_val):",
        "    return 4",
    ]
    return _wrapper_source(
        "logp_cfunc(dim, x_, out_, logp_, user_data_)", {"dim": n_dim}, body, failed=1
    )


def _expand_source(n_dim: int, n_expanded: int, keys: list[str], arrays) -> str:
    body = [
        f"x = carray(x_, ({n_dim},))",
        f"out = carray(out_, ({n_expanded},))",
        *_data_lines(keys, arrays),
        f"(values,) = inner(x{''.join(', ' + k for k in keys)})",
        "out[...] = values",
    ]
    return _wrapper_source(
        "expand_cfunc(dim, expanded, x_, out_, user_data_)",
        {"dim": n_dim, "expanded": n_expanded},
        body,
        failed=-2,
    )


def _cached_cfunc(source: str, name: str, signature: str, inner, record):
    """Compile ``source`` (defining ``name``) as a disk-cached ``numba.cfunc`` calling ``inner``."""
    import numba
    from nutpie.compile_pymc import address_as_void_pointer
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS, compile_numba_function_src

    inner_key = CACHED_SRC_FUNCTIONS.get(inner.py_func)
    if inner_key is None:  # PyTensor did not cache the graph's function: neither can we
        raise LookupError("the inner function has no PyTensor cache key")
    key = hashlib.sha256(
        "\n".join([WRAPPER_VERSION, source, inner_key, str(record), numba.__version__]).encode()
    ).hexdigest()
    env = {
        # numba's cached code re-imports the module named here to rebuild its environment
        "__name__": __name__,
        "np": np,
        "carray": numba.carray,
        "as_pointer": address_as_void_pointer,
        "inner": inner,
        "RECORD": record,
    }
    function = compile_numba_function_src(source, name, env, cache_key=f"forecast_{key}")
    return numba.cfunc(signature, cache=True)(function)


def _compile_cached(model: pm.Model, var_names=None):
    import nutpie.compile_pymc as cp
    from pymc.initial_point import make_initial_point_fn

    initial_point_fn = make_initial_point_fn(
        model=model,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    initial_point_fn = cp._wrap_with_lock(initial_point_fn)
    (n_dim, n_expanded, logp_fn_pt, expand_fn_pt, point_fn, shape_info, reparameterized) = (
        cp._make_functions(
            model,
            mode="NUMBA",
            compute_grad=True,
            join_expanded=True,
            pymc_initial_point_fn=initial_point_fn,
            var_names=var_names,
        )
    )
    # fixed keys (nutpie draws random ones) so that the wrappers' source is the same each time
    shared_data, shared_var_keys = {}, {}
    for var in [*logp_fn_pt.get_shared(), *expand_fn_pt.get_shared()]:
        if var in shared_var_keys:
            continue
        key = f"d{len(shared_var_keys)}"
        shared_var_keys[var] = key
        shared_data[key] = np.array(var.get_value(), order="C", copy=True)
        shared_data[key].flags.writeable = False
    user_data = cp.make_user_data(shared_var_keys, shared_data)
    record = user_data.dtype

    logp_keys = [shared_var_keys[v] for v in logp_fn_pt.get_shared()]
    expand_keys = [shared_var_keys[v] for v in expand_fn_pt.get_shared()]
    logp_cfunc = _cached_cfunc(
        _logp_source(n_dim, logp_keys, shared_data),
        "logp_cfunc",
        _LOGP_SIGNATURE,
        logp_fn_pt.vm.jit_fn,
        record,
    )
    expand_cfunc = _cached_cfunc(
        _expand_source(n_dim, n_expanded, expand_keys, shared_data),
        "expand_cfunc",
        _EXPAND_SIGNATURE,
        expand_fn_pt.vm.jit_fn,
        record,
    )
    dims, coords = cp._prepare_dims_and_coords(model, shape_info, reparameterized)
    return cp.CompiledPyMCModel(
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


def compile_numba_model(model: pm.Model, var_names=None, cached: bool = True):
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

    Returns
    -------
    nutpie.compile_pymc.CompiledPyMCModel
        Ready for ``nutpie.sample`` and ``with_data``; the same log density either way.
    """
    import nutpie
    from numba.core.errors import NumbaError

    if cached:
        try:
            return _compile_cached(model, var_names)
        except (AttributeError, ImportError, LookupError, NumbaError, TypeError, ValueError):
            pass  # another nutpie or PyTensor release, or data numba cannot view: nutpie's path
    return nutpie.compile_pymc_model(model, backend="numba", var_names=var_names)
