"""The functions nutpie compiles from a model's graph, kept on disk between processes.

Before nutpie's callbacks can be loaded from numba's disk cache
(:mod:`forecast.models.numba_cache`), ``nutpie.compile_pymc._make_functions`` builds the
model's log density, gradient and "expand" functions: PyTensor rewrites the graph (about
0.6 s for ``state_rate`` on the Intel Xeon of the README) and then links the rewritten graph to
numba code its own cache already holds. The rewriting is the same every time a process fits
the same model to the same data, which is what a user does when re-running ``forecast fit``
or ``make report``.

This module keeps the two compiled PyTensor functions (pickled after rewriting: unpickling
links them again without rewriting) with the layout nutpie needs, in one file per model and
data under PyTensor's compile directory. An entry is found by a key of everything the
functions are made of (:func:`entry_key`): the model's structure key (the one the in-process
cache uses, :meth:`forecast.models.BaseModel.graph_key`), the values and coordinates of its
data, the stored variables, the versions of the libraries, the numba flags and the source of
this package (any change to ``forecast/`` starts afresh). A loaded entry is trusted only when
its log density and gradient at the model's initial point are the ones recorded when it was
written; otherwise, or when anything goes wrong reading it, the model is compiled as before.
Writes are atomic (a temporary file renamed into place), so two processes fitting the same
model at once do not corrupt an entry; the oldest entries beyond :data:`MAX_ENTRIES` are
removed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np

#: Changes whenever the layout of an entry changes.
ENTRY_VERSION = "1"

#: Entries kept (one per model and data; each holds the model's data, 0.1-5 MB).
MAX_ENTRIES = 64

#: Suffix of an entry's file.
SUFFIX = ".graph.pickle"


@functools.cache
def source_digest() -> str:
    """SHA-256 of the Python source of the ``forecast`` package (every ``.py`` file)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _versions() -> list[str]:
    import numba
    import nutpie
    import pymc
    import pytensor

    return [
        f"python {sys.version}",
        f"numpy {np.__version__}",
        f"numba {numba.__version__}",
        f"nutpie {nutpie.__version__}",
        f"pymc {pymc.__version__}",
        f"pytensor {pytensor.__version__}",
        f"fastmath {int(pytensor.config.numba__fastmath)}",
    ]


def entry_key(key, model, var_names=None) -> str | None:
    """The key of a model's entry (``None`` when the model has no structure key).

    Parameters
    ----------
    key : hashable or None
        The model's structure key (as for the in-process cache).
    model : pymc.Model
        The built model: the values, dtypes and shapes of its ``pm.Data`` and its coordinates
        enter the key.
    var_names : list of str, optional
        Variables kept in the trace.
    """
    if key is None:
        return None
    digest = hashlib.sha256()
    parts = [ENTRY_VERSION, repr(key), repr(list(var_names or ())), source_digest(), *_versions()]
    coords = {name: None if c is None else tuple(map(str, c)) for name, c in model.coords.items()}
    lengths = {name: _length(v) for name, v in model.dim_lengths.items()}
    parts += [repr(sorted(coords.items())), repr(sorted(lengths.items()))]
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    for var in sorted(model.data_vars, key=lambda v: v.name):
        value = np.ascontiguousarray(var.get_value())
        digest.update(f"{var.name} {value.dtype.str} {value.shape}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def _length(variable) -> str:
    """A dimension's length as text: the value of a shared or constant length, else the graph."""
    if hasattr(variable, "get_value"):
        return str(variable.get_value())
    if hasattr(variable, "data"):
        return str(variable.data)
    return str(variable)


def folder() -> Path:
    """Where entries are kept: ``forecast-graphs`` in PyTensor's compile directory."""
    import pytensor

    return Path(pytensor.config.compiledir) / "forecast-graphs"


def load(key: str) -> dict | None:
    """The entry stored under ``key``, or ``None`` (absent, or unreadable: then removed)."""
    path = folder() / f"{key}{SUFFIX}"
    try:
        with path.open("rb") as handle:
            entry = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is compiled afresh
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        return None
    if not isinstance(entry, dict) or entry.get("version") != ENTRY_VERSION:
        return None
    if entry.get("logp_func") is None or entry.get("expand_func") is None:
        return None  # PyTensor's unpickle_function flag is off
    with contextlib.suppress(OSError):
        os.utime(path)  # the oldest unused entries are the ones pruned
    return entry


def store(key: str, entry: dict) -> None:
    """Write ``entry`` under ``key`` atomically; never fails (a cache that cannot be written is
    simply not used), and removes the oldest entries beyond :data:`MAX_ENTRIES`."""
    target = folder()
    try:
        data = pickle.dumps({**entry, "version": ENTRY_VERSION}, protocol=pickle.HIGHEST_PROTOCOL)
        target.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target, prefix=".writing-", suffix=SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target / f"{key}{SUFFIX}")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(target)
    except Exception:  # noqa: BLE001 - e.g. a read-only compile directory, an unpicklable Op
        return


def _prune(target: Path) -> None:
    entries = []
    for path in target.glob(f"*{SUFFIX}"):
        if path.name.startswith(".writing-"):
            continue
        try:
            entries.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    for _, path in sorted(entries)[: max(0, len(entries) - MAX_ENTRIES)]:
        path.unlink(missing_ok=True)
