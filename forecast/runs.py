"""Runs: the one fitting lifecycle, and run folders written and read in one place.

:func:`fit_run` is how every fit in the package is made (CLI ``fit`` and ``refit``, the
report, backtest folds, benchmarks, notebooks): build the model if needed, sample it with a
named preset (:data:`forecast.catalog.PRESETS`), quietly and timed, diagnose, and
when given a folder save the run and freeze its forecast. Nothing else calls
:meth:`forecast.models.BaseModel.fit`.

A run folder holds ``fit.nc`` (the posterior with everything needed to rebuild the model,
see :meth:`forecast.models.BaseModel.save`), ``outlook.nc`` (three small exact models fitted
on the same training months: the negotiation-state transitions of
:mod:`forecast.models.transitions`, the weapon-class mix of launch days and the nuclear-test
rate of :mod:`forecast.models.events`; they are instant, so every run carries them and every
refit refits them), ``run.json``
(config, sampler settings, diagnostics, state effects, data hash, versions, timings),
and ``forecast.json`` (the frozen forecast of :mod:`forecast.ledger`). Figures are not the
run layer's: ``forecast fit`` and ``refit`` add ``effects.png``
(:func:`forecast.plots.save_effects_figure`) to the folder they write.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

from forecast import versions
from forecast.catalog import Sampler, preset_name, resolve_sampler
from forecast.constants import MAX_NETCDF_BYTES, PROJECT_DIR
from forecast.errors import ConfigError, RunFileError
from forecast.files import check_regular_file, json_text, read_json, write_text_atomic
from forecast.ledger import write_forecast
from forecast.models import BaseModel
from forecast.models.events import (
    NUCLEAR_OTHER_RULES,
    ClassMix,
    NuclearRate,
    other_nuclear_rates,
)
from forecast.models.state_catalog import (
    DEFAULT_TRANSITIONS,
    transition_model,
    transitions_from_dataset,
)
from forecast.noise import quiet
from forecast.outputs import check_output_dir
from forecast.progress import fit_progress
from forecast.timing import Phases

FIT_FILE = "fit.nc"
OUTLOOK_FILE = "outlook.nc"
RUN_FILE = "run.json"

#: Prefix of the groups of ``outlook.nc`` that hold the other nuclear-test rules.
OTHER_RULE_GROUP = "nuclear_rule_"


@dataclass
class Run:
    """A fitted model and what :func:`fit_run` recorded about it.

    Attributes
    ----------
    model : BaseModel
        The fitted model (``model.diagnostics`` holds the verdict).
    record : dict
        The content of ``run.json``.
    seconds : float
        Wall time of the fit (build excluded).
    path : Path, optional
        The run folder, when one was written.
    forecast : dict, optional
        The frozen forecast (``forecast.json``), when one was written.
    loaded : bool
        The fit was read from a run folder (:func:`load_or_fit`), not made here.
    """

    model: BaseModel
    record: dict = field(default_factory=dict)
    seconds: float = 0.0
    path: Path | None = None
    forecast: dict | None = None
    loaded: bool = False

    def origin(self) -> str:
        """Where the fit comes from, in words (for a notebook's or a command's output)."""
        if self.loaded:
            preset = self.record.get("preset") or "custom"
            return (
                f"read from the run {shown_folder(self.path)} (fitted with the '{preset}' preset)"
            )
        return f"fitted here in {self.seconds:.0f} s"


def shown_folder(path: str | Path) -> str:
    """A folder as output that others read shows it: relative to the project when inside it,
    else its name alone (no machine's folders in a shared notebook or report)."""
    try:
        return Path(path).resolve().relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return Path(path).name


def fit_run(
    model: BaseModel,
    panel: pd.DataFrame | None = None,
    preset: str | Sampler | dict = "full",
    *,
    seed: int = 1,
    out: str | Path | None = None,
    extra: dict | None = None,
    progress: bool = False,
    freeze: bool = True,
    phases: Phases | None = None,
    **changes,
) -> Run:
    """Fit a model the one way: build, sample quietly and timed, diagnose, save, freeze.

    Parameters
    ----------
    model : BaseModel
        A configured model; built on ``panel`` unless ``panel`` is None (then it must be
        built already, e.g. a backtest model moved with ``set_until``).
    panel : DataFrame, optional
        The monthly panel.
    preset : str, Sampler or dict
        A name of :data:`forecast.catalog.PRESETS` (``full``, ``fast``,
        ``backtest``, ``mock``), a Sampler, or settings.
    seed : int
        One seed for the fit and the frozen forecast.
    out : str or Path, optional
        Folder to write the run into (it must exist or be creatable; callers that replace a
        folder pass the temporary folder of :func:`forecast.outputs.output_dir`).
    extra : dict, optional
        More provenance for ``run.json`` (e.g. ``data_dir``, ``refit_of``).
    progress : bool
        Show a progress bar while sampling (on stderr).
    freeze : bool
        Write the frozen forecast (``forecast.json``) when saving.
    phases : Phases, optional
        Records the wall time of each step (``forecast fit --verbose``).
    **changes
        Sampler settings changed from the preset (``draws``, ``tune``, ``chains``, ...); they
        win over the model's own settings (``None`` values are ignored).

    Returns
    -------
    Run
    """
    phases = phases if phases is not None else Phases(time.perf_counter())
    resolve_sampler(preset, **changes)  # a bad preset or setting is refused before the build
    if panel is not None:
        model.build(panel)
    elif model.model is None:
        raise ConfigError(model.name, "the model is not built", "pass the panel to fit_run")
    phases.lap("model build")
    started = time.perf_counter()
    with quiet(), fit_progress(progress, f"Fitting {model.name}") as bar:
        # the changes go to the model, which lays its own settings over the preset but not
        # over settings changed explicitly (BaseModel.suited_sampler)
        model.fit(preset, random_seed=seed, progress=bar, **changes)
    seconds = time.perf_counter() - started
    attrs = model.idata["posterior"].attrs
    compiled = float(attrs.get("compile_seconds", 0.0))
    phases.split(
        "diagnostics",
        {
            "compile or cache load": compiled,
            "sampling": float(attrs.get("sampling_seconds", seconds)) - compiled,
        },
    )
    run = Run(model=model, seconds=seconds)
    if out is not None:
        info = {"fit_seconds": round(seconds, 1), "preset": preset_name(preset), **(extra or {})}
        run.path, run.record = save_run(model, out, extra=info, phases=phases)
        if freeze:
            run.forecast = write_forecast(model, out, seed=seed)
            phases.lap("frozen forecast")
    return run


def check_new_run_dir(run_dir: str | Path, force: bool = False, command: str = "fit") -> Path:
    """Refuse, before any work, a run folder ``fit``/``refit`` may not write.

    The output-folder rule of :func:`forecast.outputs.check_output_dir`: new, empty, or
    an earlier run (replaced only with ``force``); never inside ``datasets/``.
    """
    return check_output_dir(run_dir, command, force=force)


def run_record(model: BaseModel, extra: dict | None = None) -> dict:
    """The ``run.json`` record of a fitted model."""
    training = model.training
    record = {
        **model.metadata(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training_months": {
            "first": f"{training['month'].iloc[0]:%Y-%m}",
            "last": str(model.last_month),
            "n": len(training),
        },
        "versions": versions(),
        **(extra or {}),
    }
    if "state_effect" in model.posterior:
        record["state_effects"] = json.loads(model.state_effects().to_json(orient="records"))
    return record


def save_run(
    model: BaseModel,
    run_dir: str | Path,
    extra: dict | None = None,
    phases: Phases | None = None,
):
    """Write a fitted model's run folder (``fit.nc``, ``outlook.nc``, ``run.json``).

    Parameters
    ----------
    model : BaseModel
        A fitted model.
    run_dir : str or Path
        Destination folder (created if needed).
    extra : dict, optional
        More provenance for ``run.json`` (e.g. ``fit_seconds``, ``data_dir``).
    phases : Phases, optional
        Records the wall time of each step.

    Returns
    -------
    path : Path
        The run folder.
    record : dict
        What ``run.json`` holds.
    """
    phases = phases if phases is not None else Phases(time.perf_counter())
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    model.save(run_dir / FIT_FILE)
    phases.lap("save fit.nc")
    save_outlook(fit_outlook(model), run_dir / OUTLOOK_FILE)
    phases.lap("outlook models")
    record = run_record(model, extra)
    write_text_atomic(run_dir / RUN_FILE, json_text(record))
    phases.lap("state effects and run.json")
    return run_dir, record


@dataclass
class Outlook:
    """The small exact models a run carries beside its count model.

    Attributes
    ----------
    transitions : StateModel
        How negotiation states follow each other (:data:`OUTLOOK_TRANSITIONS` by default; any
        model of :mod:`forecast.models.state_catalog`).
    class_mix : ClassMix or None
        P(a launch day includes each weapon-class group) (None when the data lacked the
        class columns, e.g. a run refitted from a stored panel).
    nuclear : NuclearRate or None
        The nuclear-test rate.
    nuclear_others : dict of str to NuclearRate
        The other nuclear-test rules, fitted on the same months
        (:func:`forecast.models.events.other_nuclear_rates`: what every P(nuclear test) is
        shown beside, :mod:`forecast.nuclear_rules`); empty for a run saved before runs kept
        them (2026-12-07).
    """

    transitions: object
    class_mix: object = None
    nuclear: object = None
    nuclear_others: dict = field(default_factory=dict)


def fit_outlook(model: BaseModel) -> Outlook:
    """Fit the outlook models on every month of the panel ``model`` was built on, from its
    start to ``model``'s last training month (the coded timeline since 1990: every state
    switch, every test; the panel holds the class and nuclear columns the count model
    does not keep)."""
    seed = int(model.sampler.get("random_seed", 1))
    return outlook_at(model.source_panel, model.last_month, seed)


#: The state model of every outlook (:data:`forecast.models.state_catalog.DEFAULT_TRANSITIONS`:
#: the discounted chain averaged with a state-blind chain, the one state model at or above the
#: long-run base rate on every state question of the strict question backtest, where it was
#: chosen, a tie on talks; ``docs/evaluation/questions_models.csv``).
OUTLOOK_TRANSITIONS = DEFAULT_TRANSITIONS

#: Prior overrides of the outlook's nuclear-test rate (none: the 28-month half-life of
#: :class:`forecast.models.events.NuclearRate`, kept by the nuclear backtest,
#: ``docs/evaluation/nuclear.md``).
OUTLOOK_NUCLEAR: dict = {}


def outlook_at(
    panel: pd.DataFrame,
    last_month,
    seed: int = 1,
    priors: dict | None = None,
    transitions: str = OUTLOOK_TRANSITIONS,
) -> Outlook:
    """The outlook models fitted on the months of ``panel`` up to ``last_month``: the one place
    they are fitted (runs, backtest folds, the question backtest, the report's sensitivity).

    Parameters
    ----------
    panel : DataFrame
        The monthly panel (its ``state`` column; the class and nuclear columns when present).
    last_month : str, Period or Timestamp
        The last month the models see.
    seed : int
        Seed of the models' posterior draws.
    priors : dict, optional
        Prior overrides per model: ``{"transitions": {...}, "class_mix": {...},
        "nuclear": {...}}`` (e.g. ``{"nuclear": {"half_life": inf}}`` for a constant rate).
    transitions : str
        The state model (a name of :data:`forecast.models.state_catalog.TRANSITION_MODELS`;
        default :data:`OUTLOOK_TRANSITIONS`).

    Returns
    -------
    Outlook
        ``class_mix`` and ``nuclear`` are None when the panel lacks their columns.
    """
    priors = priors or {}
    last = pd.Period(last_month, "M").to_timestamp()
    rows = panel[pd.to_datetime(panel["month"]) <= last].reset_index(drop=True)
    chain = transition_model(transitions, priors.get("transitions"), random_seed=seed)
    outlook = Outlook(chain.fit(rows))
    if "nuclear_tests" in rows and "launch_days_icbm" in rows:
        nuclear = {**OUTLOOK_NUCLEAR, **(priors.get("nuclear") or {})}
        outlook.class_mix = ClassMix(priors.get("class_mix"), random_seed=seed).fit(rows)
        outlook.nuclear = NuclearRate(nuclear or None, random_seed=seed).fit(rows)
        outlook.nuclear_others = other_nuclear_rates(outlook.nuclear, rows, seed)
    return outlook


def save_outlook(outlook: Outlook, path: Path) -> None:
    """Write the outlook models as groups of one netCDF file."""
    groups = {"transitions": outlook.transitions.to_dataset()}
    if outlook.class_mix is not None:
        groups["class_mix"] = outlook.class_mix.to_dataset()
        groups["nuclear_rate"] = outlook.nuclear.to_dataset()
        for name, rate in outlook.nuclear_others.items():
            groups[f"{OTHER_RULE_GROUP}{name}"] = rate.to_dataset()
    xr.DataTree.from_dict(groups).to_netcdf(path, engine="netcdf4")


def load_outlook(run_dir: str | Path, required: bool = True) -> Outlook | None:
    """The outlook models of a run folder (``None`` for a run without them, unless
    ``required``)."""
    path = Path(run_dir) / OUTLOOK_FILE
    if not path.exists() and not path.is_symlink():
        if not required:
            return None
        raise RunFileError(path, "the run has no outlook models", "re-run the fit or refit")
    check_regular_file(path, "outlook file", "re-run the fit or refit", MAX_NETCDF_BYTES)
    try:
        tree = xr.load_datatree(path, engine="netcdf4")  # read and closed
        outlook = Outlook(
            transitions_from_dataset(tree["transitions"].to_dataset(), source=str(path))
        )
        if "class_mix" in tree.children:
            outlook.class_mix = ClassMix.from_dataset(tree["class_mix"].to_dataset(), str(path))
            outlook.nuclear = NuclearRate.from_dataset(tree["nuclear_rate"].to_dataset(), str(path))
            outlook.nuclear_others = {
                name: NuclearRate.from_dataset(tree[group].to_dataset(), str(path))
                for name in NUCLEAR_OTHER_RULES
                if (group := f"{OTHER_RULE_GROUP}{name}") in tree.children
            }
    except (OSError, ValueError, KeyError) as err:
        raise RunFileError(
            path, f"not a readable outlook file ({type(err).__name__})", "re-run the fit"
        ) from None
    return outlook


def load_or_fit(
    model: BaseModel,
    panel: pd.DataFrame,
    preset: str | Sampler | dict = "full",
    *,
    seed: int = 1,
    run_dir: str | Path | None = None,
) -> Run:
    """The fit of ``model``: read from ``run_dir`` when that run holds the same configuration
    (model, priors, target, training window), else made here with :func:`fit_run`.

    The report passes its run to the notebooks, which read it instead of fitting the same
    model again; a notebook asked about another model (or window) fits that one.

    Parameters
    ----------
    model : BaseModel
        The configured model wanted (not fitted).
    panel : DataFrame
        The monthly panel (used only to fit).
    preset : str, Sampler or dict
        Sampler preset of a fit made here.
    seed : int
        Seed of a fit made here.
    run_dir : str or Path, optional
        A run folder to read.

    Returns
    -------
    Run
        ``loaded`` tells which way it went; :meth:`Run.origin` says it in words.
    """
    if run_dir is not None:
        fitted, record = load_run(run_dir)
        if fitted.config() == model.config():
            return Run(model=fitted, record=record, path=Path(run_dir), loaded=True)
    return fit_run(model, panel, preset, seed=seed)


def load_run(run_dir: str | Path) -> tuple[BaseModel, dict]:
    """Load a run folder: the rebuilt, fitted model and its ``run.json`` record."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        problem = "is a file, not a run folder" if run_dir.exists() else "run folder not found"
        raise RunFileError(run_dir, problem, "pass a folder made by 'forecast fit'")
    model = BaseModel.load(run_dir / FIT_FILE)
    record = read_run_record(run_dir)
    check_record_matches(record, model, run_dir / RUN_FILE)
    return model, record


def read_run_record(run_dir: str | Path) -> dict:
    """A run's ``run.json`` (``{}`` when absent), refusing one that is not a JSON object."""
    path = Path(run_dir) / RUN_FILE
    fix = "restore run.json from a copy, or delete it and re-run 'forecast fit'"
    record = read_json(path, fix, missing_ok=True)
    if record is None:
        return {}
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
