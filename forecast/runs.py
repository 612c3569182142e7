"""Run folders: a fit with its provenance, written and read in one place.

A run folder holds ``fit.nc`` (the posterior with everything needed to rebuild
the model, see :meth:`forecast.models.BaseModel.save`), ``run.json`` (config,
sampler settings, diagnostics, state effects, data hash, versions, timings) and
``effects.png``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib.pyplot as plt

from forecast import versions
from forecast.constants import MAX_JSON_BYTES
from forecast.data.tables import write_atomic
from forecast.errors import RunFileError
from forecast.models import BaseModel

FIT_FILE = "fit.nc"
RUN_FILE = "run.json"
EFFECTS_FIGURE = "effects.png"


def check_new_run_dir(run_dir: str | Path, force: bool = False, command: str = "fit") -> Path:
    """Refuse, before any work, a run folder ``fit``/``refit`` may not write.

    The output-folder rule of :func:`forecast.outputs.check_output_dir`: new, empty, or
    an earlier run (replaced only with ``force``); never inside ``datasets/``.
    """
    from forecast.outputs import check_output_dir

    return check_output_dir(run_dir, command, force=force)


def save_run(model: BaseModel, run_dir: str | Path, extra: dict | None = None) -> Path:
    """Write a fitted model's run folder.

    Parameters
    ----------
    model : BaseModel
        A fitted model.
    run_dir : str or Path
        Destination folder (created if needed).
    extra : dict, optional
        More provenance for ``run.json`` (e.g. ``fit_seconds``, ``data_dir``).

    Returns
    -------
    Path
        The run folder.
    """
    from forecast.plots import plot_state_effects

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    model.save(run_dir / FIT_FILE)
    training = model.training
    record = {
        **model.metadata(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training_months": {
            "first": f"{training['month'].iloc[0]:%Y-%m}",
            "last": f"{training['month'].iloc[-1]:%Y-%m}",
            "n": len(training),
        },
        "versions": versions(),
        **(extra or {}),
    }
    if "state_effect" in model.idata.posterior:
        effects = model.state_effects()
        record["state_effects"] = json.loads(effects.to_json(orient="records"))
        ax = plot_state_effects(effects)
        ax.figure.savefig(run_dir / EFFECTS_FIGURE, dpi=110, bbox_inches="tight")
        plt.close(ax.figure)
    write_atomic(run_dir / RUN_FILE, json.dumps(record, indent=2) + "\n")
    return run_dir


def load_run(run_dir: str | Path) -> tuple[BaseModel, dict]:
    """Load a run folder: the rebuilt, fitted model and its ``run.json`` record."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunFileError(run_dir, "run folder not found", "pass a folder made by 'forecast fit'")
    model = BaseModel.load(run_dir / FIT_FILE)
    record = read_run_record(run_dir)
    check_record_matches(record, model, run_dir / RUN_FILE)
    return model, record


def read_run_record(run_dir: str | Path) -> dict:
    """A run's ``run.json`` (``{}`` when absent), refusing one that is not a JSON object."""
    path = Path(run_dir) / RUN_FILE
    fix = "restore run.json from a copy, or delete it and re-run 'forecast fit'"
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise RunFileError(path, f"larger than {MAX_JSON_BYTES:,} bytes", fix)
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as err:
        raise RunFileError(path, f"cannot read it ({getattr(err, 'strerror', err)})", fix) from None
    except (json.JSONDecodeError, RecursionError) as err:
        raise RunFileError(path, f"not valid JSON ({err})", fix) from None
    if not isinstance(record, dict):
        raise RunFileError(path, "not a JSON object", fix)
    return record


def check_record_matches(record: dict, model: BaseModel, path: Path) -> None:
    """Refuse a ``run.json`` whose config, sampler or data hash disagree with ``fit.nc``."""
    meta = model.metadata()
    differ = [
        key
        for key in ("config", "sampler", "data_hash")
        if key in record and key in meta and record[key] != meta[key]
    ]
    if differ:
        raise RunFileError(
            path,
            f"run.json disagrees with fit.nc on {', '.join(differ)} (edited by hand, or copied "
            "from another run?)",
            "restore the run.json written with this fit.nc, or re-run 'forecast fit' "
            "(fit.nc is what the commands use)",
        )
