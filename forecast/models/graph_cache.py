"""The functions nutpie compiles from a model's graph, kept on disk between processes.

Before nutpie's callbacks can be loaded from numba's disk cache
(:mod:`forecast.models.numba_cache`), ``numba_cache._flat_functions`` (nutpie's
``_make_functions`` with symbolic offsets) builds the model's log density, gradient and
"expand" functions: PyTensor rewrites the graph (about 0.6 s for ``state_rate`` on the Intel
Xeon of the README) and then links the rewritten graph to numba code its own cache already
holds. The rewriting is the same every time a process fits the same model to the same data,
which is what a user does when re-running ``forecast fit`` or ``make report``.

This module keeps the two compiled PyTensor functions (pickled after rewriting: unpickling
links them again without rewriting) with the layout nutpie needs, in one file per model and
data under PyTensor's compile directory. An entry is named by a digest of everything the
functions are made of (:func:`entry_key`): the model's graph *before* rewriting
(:func:`graph_digest` of its random variables, observed values, deterministics and potentials:
every Op with its properties, every input's type and name, every constant's value), its
transforms, its ``check_bounds``, the values, coordinates and dimension lengths of its
data, the stored variables, the structure key of the in-process cache
(:meth:`forecast.models.BaseModel.graph_key`), the versions of the libraries, PyTensor's
settings that change a compiled function and the source of this package. A model whose graph
differs in any node (a class edited in a notebook under the same name, other priors, another
likelihood) therefore gets another entry. A loaded entry is used only when its log density
and gradient at the model's initial point are, to the bit, the ones recorded when it was
written (a damaged file is caught; that the entry belongs to this model rests on the name),
and it is written only after the callbacks built from it passed
:func:`forecast.models.numba_cache.verify`. When anything goes wrong, the model is compiled as
before and the reason is logged at DEBUG level. Writes are atomic (a temporary file renamed
into place), so two processes fitting the same model at once do not corrupt an entry; the
least recently used entries beyond :data:`MAX_ENTRIES` and files left half-written by a killed
process are removed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

#: Changes whenever the layout of an entry changes.
ENTRY_VERSION = "1"

#: Entries kept (one per model and data; each holds the model's data, 0.1-5 MB).
MAX_ENTRIES = 64

#: Suffix of an entry's file.
SUFFIX = ".graph.pickle"

#: Prefix of a file being written (renamed into place when complete).
WRITING = ".writing-"

#: Age after which a file being written is taken as left by a killed process.
ORPHAN_SECONDS = 3600

logger = logging.getLogger(__name__)


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
    """The libraries and PyTensor settings the compiled functions depend on."""
    import numba
    import nutpie
    import pymc
    import pytensor

    config = pytensor.config
    return [
        f"python {sys.version}",
        f"numpy {np.__version__}",
        f"numba {numba.__version__}",
        f"nutpie {nutpie.__version__}",
        f"pymc {pymc.__version__}",
        f"pytensor {pytensor.__version__}",
        # compile_numba_model always compiles without fast-math; kept so that a change there
        # cannot reuse an entry compiled the other way
        f"fastmath {int(config.numba__fastmath)}",
        f"floatX {config.floatX}",
        f"cast_policy {config.cast_policy}",
        f"optimizer {config.optimizer} +{config.optimizer_including} "
        f"-{config.optimizer_excluding} !{config.optimizer_requiring}",
    ]


def graph_digest(outputs) -> str:
    """SHA-256 of a graph before any rewrite: every node's Op with its properties, its inputs'
    types and names, and the values of its constants.

    Parameters
    ----------
    outputs : list of pytensor.Variable
        The graph's outputs (the model's log density and the variables kept in a trace).
    """
    from pytensor.graph.traversal import toposort

    digest = hashlib.sha256()
    names: dict = {}

    def name(variable) -> str:
        if variable not in names:
            text = f"input {variable.name} {variable.type}"
            data = getattr(variable, "data", None)
            if data is not None and not hasattr(variable, "get_value"):  # a constant
                value = np.asarray(data)
                digest.update(value.tobytes())
                text += f" {value.dtype.str} {value.shape} #{len(names)}"
            names[variable] = text
        return names[variable]

    for n, node in enumerate(toposort(outputs)):
        op = node.op
        props = [(p, repr(getattr(op, p))) for p in getattr(op, "__props__", ())]
        digest.update(f"{type(op).__module__}.{type(op).__qualname__} {op} {props} ".encode())
        digest.update(repr([name(v) for v in node.inputs]).encode())
        for k, output in enumerate(node.outputs):
            names[output] = f"{n}.{k} {output.type}"
    digest.update(repr([name(v) for v in outputs]).encode())
    return digest.hexdigest()


def entry_key(key, model, var_names: list[str] | None = None) -> str | None:
    """The name of a model's entry (``None`` when the model has no structure key).

    Parameters
    ----------
    key : hashable or None
        The model's structure key (as for the in-process cache).
    model : pymc.Model
        The built model. Its graph before PyMC derives the log density (:func:`graph_digest`
        of :func:`model_graph`, about 1 ms), its transforms, ``check_bounds``, coordinates,
        dimension lengths and the values, dtypes and shapes of its ``pm.Data`` enter the name,
        so a model class edited in a notebook does not meet the entry of its earlier form.
    var_names : list of str, optional
        Variables kept in the trace (``None``: all, as nutpie does).

    Returns
    -------
    str or None
        A SHA-256 hex digest.
    """
    if key is None:
        return None
    digest = hashlib.sha256()
    kept = None if var_names is None else list(var_names)
    parts = [ENTRY_VERSION, repr(key), repr(kept), source_digest(), *_versions()]
    coords = {name: None if c is None else tuple(map(str, c)) for name, c in model.coords.items()}
    lengths = {name: _length(v) for name, v in model.dim_lengths.items()}
    parts += [repr(sorted(coords.items())), repr(sorted(lengths.items()))]
    parts += [f"check_bounds {model.check_bounds}", graph_digest(model_graph(model))]
    parts += [repr([(rv.name, _transform(model, rv)) for rv in model.free_RVs])]
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    for var in sorted(model.data_vars, key=lambda v: v.name):
        value = np.ascontiguousarray(var.get_value())
        digest.update(f"{var.name} {value.dtype.str} {value.shape}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def model_graph(model) -> list:
    """The variables that define a model's log density and trace, before PyMC derives them: its
    random variables, observed values, deterministics and potentials (with their transforms,
    which :func:`entry_key` adds, they determine the functions nutpie compiles)."""
    observed = [model.rvs_to_values[rv] for rv in model.observed_RVs]
    return [
        *model.free_RVs,
        *model.observed_RVs,
        *observed,
        *model.deterministics,
        *model.potentials,
    ]


def _transform(model, rv) -> str:
    """A free variable's transform: its class and simple settings (``None``: untransformed)."""
    transform = model.rvs_to_transforms.get(rv)
    if transform is None:
        return "None"
    simple = {
        k: v
        for k, v in sorted(vars(transform).items())
        if not k.startswith("_") and isinstance(v, (int, float, str, tuple))
    }
    return f"{type(transform).__module__}.{type(transform).__qualname__} {simple!r}"


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


def load(name: str) -> dict | None:
    """The entry stored under ``name``, or ``None``.

    Parameters
    ----------
    name : str
        From :func:`entry_key`.

    Returns
    -------
    dict or None
        ``None`` when there is no such entry, or when it cannot be read (it is then removed,
        and the reason logged at DEBUG level).
    """
    path = folder() / f"{name}{SUFFIX}"
    try:
        with path.open("rb") as handle:
            entry = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as error:  # noqa: BLE001 - a damaged or foreign entry is compiled afresh
        logger.debug("graph cache: %s unreadable (%s); removed", path.name, error)
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


def store(name: str, entry: dict) -> None:
    """Write ``entry`` under ``name`` atomically, then prune.

    Never raises: a cache that cannot be written (a read-only compile directory, an Op that
    cannot be pickled) is not used, and the reason is logged at DEBUG level. The oldest
    entries beyond :data:`MAX_ENTRIES` are removed.

    Parameters
    ----------
    name : str
        From :func:`entry_key`.
    entry : dict
        The functions and the layout nutpie needs (see :mod:`forecast.models.numba_cache`).
    """
    target = folder()
    try:
        data = pickle.dumps({**entry, "version": ENTRY_VERSION}, protocol=pickle.HIGHEST_PROTOCOL)
        target.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target, prefix=WRITING, suffix=SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target / f"{name}{SUFFIX}")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(target)
    except Exception as error:  # noqa: BLE001
        logger.debug("graph cache: %s not written (%s)", name, error)


def _prune(target: Path) -> None:
    """Remove the least recently used entries beyond :data:`MAX_ENTRIES`, and temporary files
    older than :data:`ORPHAN_SECONDS` (left by a process killed while writing)."""
    entries = []
    now = time.time()
    for path in target.glob(f"*{SUFFIX}"):
        try:
            modified = path.stat().st_mtime
        except FileNotFoundError:
            continue
        if path.name.startswith(WRITING):
            if now - modified > ORPHAN_SECONDS:
                path.unlink(missing_ok=True)
            continue
        entries.append((modified, path))
    for _, path in sorted(entries)[: max(0, len(entries) - MAX_ENTRIES)]:
        path.unlink(missing_ok=True)
