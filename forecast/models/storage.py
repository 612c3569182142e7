"""Saving a fitted model to netCDF, and rebuilding it from that file alone.

A saved fit (``fit.nc``, written by :func:`save_fit`) keeps the posterior (the variables of
:meth:`~forecast.models.base.BaseModel.stored_vars`, latent paths by month in single
precision), the sampler statistics and the panel rows the model was built on (group
:data:`FIT_DATA`), compressed; what can be recomputed from them (per-month deterministics,
log-likelihood, predictive draws) is not. The posterior's attrs hold the provenance
(:data:`ATTR`, written by :func:`stamp` after every fit): the configuration, the training
window's rows, the hash of the stored rows (:func:`data_hash`), the package version, the
sampler settings and the diagnostics.

:func:`load_fit` rebuilds the model of the class named in the file, builds it on the stored
rows and attaches the posterior; it refuses (:class:`~forecast.errors.RunFileError`, with the
command that re-creates the fit) a file that is not netCDF, not a forecast fit, whose metadata
is damaged, that an older version wrote (before :data:`FIRST_READABLE_VERSION`), whose data do
not match their hash, that names an unknown model, or whose posterior does not fit the rebuilt
model.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xarray as xr

from forecast import __version__
from forecast.constants import MAX_NETCDF_BYTES
from forecast.errors import RunFileError
from forecast.files import check_regular_file
from forecast.models.diagnostics import Diagnostics

if TYPE_CHECKING:
    from forecast.models.base import BaseModel

#: Attribute under which the model's metadata is stored in the netCDF posterior.
ATTR = "forecast_model"

#: Group of a saved fit that holds the panel rows it was built on (ArviZ's name for the data a
#: model was fitted to, as pymc-marketing stores it).
FIT_DATA = "fit_data"

#: First package version whose saved fits this version reads (ArviZ 1 / PyMC 6 runs).
FIRST_READABLE_VERSION = (0, 2)


def data_hash(frame: pd.DataFrame) -> str:
    """Stable SHA-256 of a panel slice (used to tie a fit to its data)."""
    return hashlib.sha256(frame.to_json(orient="split", date_format="iso").encode()).hexdigest()


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split(".")[:2]:
        parts.append(int(piece) if piece.isdigit() else 0)
    return tuple(parts)


def stamp(model: BaseModel) -> None:
    """Write a fit's provenance into its posterior's attrs (:data:`ATTR`) and the panel rows
    it was built on into its :data:`FIT_DATA` group (done after every fit)."""
    stored = _as_read_back(model.training_panel_for_storage())
    meta = {
        "config": model.config(),
        "grid_start": model.grid_start,
        "start": model.start,
        "stop": model.stop,
        "data_hash": data_hash(stored),
        "package_version": __version__,
        "sampler": model.sampler,
        "diagnostics": model.diagnostics.to_dict() if model.diagnostics else None,
    }
    model.idata["posterior"].attrs[ATTR] = json.dumps(meta)
    model.idata[FIT_DATA] = xr.Dataset.from_dataframe(stored.rename_axis("row"))


def _as_read_back(panel: pd.DataFrame) -> pd.DataFrame:
    """The stored panel as netCDF gives it back: a missing text (a month after the leaders
    table ends, which the panel leaves empty) is read back as "", so it is stored and hashed as
    "" (hashed as missing, the fit could not be loaded)."""
    return panel.assign(**{c: panel[c].fillna("") for c in _text_columns(panel)})


def _hash_as_written_before(panel: pd.DataFrame) -> str:
    """The hash a fit saved before 2026-12-05 took of the same panel: of its missing texts as
    missing (:func:`_as_read_back`), so that such a fit still loads."""
    return data_hash(panel.assign(**{c: panel[c].replace("", None) for c in _text_columns(panel)}))


def _text_columns(panel: pd.DataFrame) -> list[str]:
    return [c for c in panel if not pd.api.types.is_numeric_dtype(panel[c])]


def save_fit(model: BaseModel, path: str | Path) -> Path:
    """Write ``model``'s fit to ``path`` as netCDF (see the module docstring); returns ``path``.

    Not atomic by itself: write into a temporary location and move it into place.
    """
    path = Path(path)
    keep = xr.DataTree()
    for group in ("posterior", "sample_stats", FIT_DATA):
        ds = model.idata[group].to_dataset()
        if group == "posterior":
            ds = ds[[v for v in model.stored_vars() if v in ds]]
        if group == "sample_stats":
            wanted = [v for v in ("diverging", "energy", "tree_depth", "n_steps") if v in ds]
            ds = ds[wanted]
        keep[group] = ds
    encoding = {}
    for group in ("posterior", "sample_stats", FIT_DATA):
        encoding[f"/{group}"] = {}
        for name, var in keep[group].to_dataset().data_vars.items():
            if var.dtype.kind not in "fiub":
                continue
            encoding[f"/{group}"][name] = {"zlib": True, "complevel": 4}
            if group == "posterior" and model._monthly(name):
                encoding[f"/{group}"][name]["dtype"] = "float32"
    keep.to_netcdf(path, encoding=encoding, engine="netcdf4")
    return path


def load_fit(cls: type[BaseModel], path: str | Path) -> BaseModel:
    """The model saved in ``path`` (of the class named in the file; ``cls`` rebuilds it from
    its configuration), built and fitted; a file that cannot be rebuilt is refused (see the
    module docstring)."""
    # here, not at the top: forecast.models imports this module (through base), a cycle
    from forecast.models import REGISTRY

    path = Path(path)
    fix_refit = "re-create it with 'forecast fit'"
    check_regular_file(
        path,
        "fit file",
        "check the path to fit.nc, or re-create it with 'forecast fit'",
        MAX_NETCDF_BYTES,
    )
    try:
        # read now and close: lazy groups would re-read the file on access, and an open
        # handle would outlive the call in a long-lived process (a notebook, the tests)
        tree = xr.load_datatree(path, engine="netcdf4")
    except Exception as err:  # netCDF4/h5 raise many types on a damaged file
        raise RunFileError(
            path, f"not a readable netCDF file ({type(err).__name__})", fix_refit
        ) from None
    if "posterior" not in tree.children or ATTR not in tree["posterior"].attrs:
        raise RunFileError(
            path, "not a forecast fit (no model metadata in the posterior)", fix_refit
        )
    try:
        meta = json.loads(tree["posterior"].attrs[ATTR])
        config = meta["config"]
        panel = _stored_panel(tree, meta)
    except (ValueError, KeyError, TypeError) as err:
        raise RunFileError(path, f"damaged model metadata ({err})", fix_refit) from None
    name = config.get("model")
    written = str(meta.get("package_version", ""))
    if _version_tuple(written) < FIRST_READABLE_VERSION:
        raise RunFileError(
            path,
            f"written by forecast {written} (PyMC 5 / ArviZ 0.x), which this version "
            f"({__version__}) does not read",
            "re-fit it: " + _refit_command(config),
        )
    if meta["data_hash"] not in (data_hash(panel), _hash_as_written_before(panel)):
        raise RunFileError(path, "the stored data does not match its hash", fix_refit)
    if name not in REGISTRY:
        raise RunFileError(path, f"unknown model {name!r}", f"use one of {sorted(REGISTRY)}")
    model = cls.from_config(config)
    lacking = [c for c in model.columns() if c not in panel]
    if lacking:  # e.g. a missile ar_level saved before it read launch days
        raise RunFileError(
            path,
            f"made by an earlier version of {name}: its stored data lack {lacking}, which "
            "the model reads now",
            "re-fit it: " + _refit_command(config),
        )
    panel["month"] = pd.to_datetime(panel["month"])
    model.build(panel)
    stored = set(model.stored_vars()) & set(model.free_vars())
    missing = sorted(stored - set(tree["posterior"].to_dataset().data_vars))
    if missing or (model.start, model.stop) != (meta.get("start"), meta.get("stop")):
        raise RunFileError(
            path,
            f"the posterior does not fit the rebuilt model (missing {missing})",
            "re-fit it: " + _refit_command(config),
        )
    single = [v for v in tree["posterior"].data_vars if tree["posterior"][v].dtype == "float32"]
    if single:  # latent paths stored in single precision: back to the graph's precision
        posterior = tree["posterior"].to_dataset()
        tree["posterior"] = posterior.assign({v: posterior[v].astype("float64") for v in single})
    model.idata = tree
    model.sampler = meta.get("sampler", {})
    diag = meta.get("diagnostics")
    model.diagnostics = (
        Diagnostics(**{**diag, "problems": tuple(diag["problems"])}) if diag else None
    )
    return model


def _stored_panel(tree: xr.DataTree, meta: dict) -> pd.DataFrame:
    """The panel rows a saved fit was built on: its ``fit_data`` group (runs saved by 0.2.0:
    the JSON in the posterior's attrs)."""
    if FIT_DATA in tree.children:
        return tree[FIT_DATA].to_dataset().to_dataframe().reset_index(drop=True)
    return pd.read_json(io.StringIO(meta["panel"]), orient="split", dtype=False)


def _refit_command(config: dict) -> str:
    """The ``forecast fit`` command that re-creates a fit of ``config``."""
    parts = [f"forecast fit --model {config.get('model')}"]
    if config.get("target") not in (None, "launch_days"):
        parts.append(f"--target {config['target']}")
    for key in ("since", "until"):
        if config.get(key):
            parts.append(f"--{key} {config[key]}")
    if config.get("priors"):
        parts.append("[--priors FILE if you changed them]")
    parts.append("--out NEW_RUN")
    return " ".join(parts)
