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
from forecast.data.tables import write_atomic
from forecast.errors import ConfigError, RunFileError
from forecast.models import BaseModel

FIT_FILE = "fit.nc"
RUN_FILE = "run.json"
EFFECTS_FIGURE = "effects.png"


def check_new_run_dir(run_dir: str | Path, force: bool = False) -> Path:
    """Refuse to overwrite an existing run unless ``force``."""
    run_dir = Path(run_dir)
    if (run_dir / FIT_FILE).exists() and not force:
        raise ConfigError(
            "--out",
            f"{run_dir} already holds a fit",
            "choose another --out, or pass --force to replace it",
        )
    return run_dir


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
    try:
        record = json.loads((run_dir / RUN_FILE).read_text())
    except FileNotFoundError:
        record = {}
    except json.JSONDecodeError as err:
        raise RunFileError(
            run_dir / RUN_FILE, f"not valid JSON ({err})", "re-run the fit"
        ) from None
    return model, record
