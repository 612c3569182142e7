"""The work of ``forecast fit`` and ``forecast refit``, once :mod:`forecast.cli.run_commands`
has checked them. Loads the modelling layers at its top."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from forecast.cli import checks
from forecast.cli.console import console, note, print_caveats, print_freshness, say
from forecast.cli.tables import effects_table
from forecast.constants import BUNDLED_DATA_DIR
from forecast.data import load_tables, monthly_panel
from forecast.data.launch_import import read_source_log
from forecast.data.overlay import ENV_VAR
from forecast.data.panel import data_caveats
from forecast.errors import ConfigError
from forecast.freshness import data_freshness, freshness_lines
from forecast.models import get_model
from forecast.outputs import output_dir
from forecast.plots import save_effects_figure
from forecast.refit import REPORT_MD, refit_run
from forecast.runs import fit_run, load_run
from forecast.scenarios import load_scenarios
from forecast.timing import Phases
from forecast.yamlio import located


def fit(
    out: Path,
    name: str,
    settings,
    tables,
    data_dir: Path | None,
    today,
    *,
    target: str,
    since: str | None,
    until: str | None,
    seed: int,
    priors: dict | None,
    priors_file: Path | None,
    preset: str,
    force: bool,
    verbose: bool,
) -> None:
    """``forecast fit``: build, fit and save the run; print the verdict and the effects."""
    phases = Phases()
    phases.lap("start-up and imports")
    model = _configured(name, priors, priors_file, target=target, since=since, until=until)
    panel = monthly_panel(tables)
    phases.lap("data and panel")
    model.build(panel)  # a window outside the data is refused before anything is printed
    print_freshness(freshness_lines(data_freshness(tables, today=today, data_dir=data_dir)))
    for window_note in model.window_notes():
        note("window:", window_note)
    print_caveats(data_caveats(tables, model.training, model.columns()))
    with output_dir(out, "fit", force=force) as tmp:  # built beside --out, swapped in whole
        run = fit_run(
            model,
            None,
            settings,
            seed=seed,
            out=tmp,
            progress=True,
            phases=phases,
            extra={"data_dir": checks.recorded(data_dir), "preset": preset},
        )
        save_effects_figure(run.model, tmp)
        phases.lap("effects.png")
    say(
        (model.name, "bold"),
        f" on {len(model.training)} months ({_span(model.training)}), fitted in"
        f" {run.seconds:.0f} s",
    )
    _print_verdict(model.diagnostics)
    if "state_effect" in model.posterior:
        console.print(effects_table(model.state_effects()))
    console.print(f"run written: {out}")
    phases.lap("printing")
    if verbose:
        console.print("Where the time went (wall time):")
        for line in phases.lines():
            console.print("  " + line)


def check_priors(name: str, priors: dict, priors_file: Path) -> None:
    """Refuse a ``--priors`` file that does not fit the model, before any data are read."""
    _configured(name, priors, priors_file)


def _configured(name: str, priors: dict | None, priors_file: Path | None, **kwargs):
    """The configured model, a bad prior reported against the ``--priors`` file."""
    try:
        return get_model(name, priors=priors, **kwargs)
    except ConfigError as err:
        if priors_file is None or not err.file.startswith("priors of"):
            raise
        error = ConfigError(priors_file, f"{err.problem} ({err.file})", err.fix, key=err.key)
        raise located(error, priors) from None


def _span(training) -> str:
    """A training window's first and last month, ``2005-01 to 2025-12``."""
    return f"{training['month'].iloc[0]:%Y-%m} to {training['month'].iloc[-1]:%Y-%m}"


def _print_verdict(diagnostics) -> None:
    style = "green" if diagnostics.passed else "bold red"
    say("Diagnostics: ", (diagnostics.verdict(), style))


def refit(
    run_dir: Path,
    out: Path,
    data_dir: Path | None,
    *,
    until: str | None,
    draws: int | None,
    tune: int | None,
    chains: int | None,
    scenarios: Path | None,
    force: bool,
) -> None:
    """``forecast refit``: refit a run's model on the data now available."""
    scenario_set = load_scenarios(scenarios) if scenarios is not None else None
    _, record = load_run(run_dir)
    folder = _refit_data_dir(data_dir, record, run_dir)
    tables = load_tables(folder)
    print_freshness(freshness_lines(data_freshness(tables, data_dir=folder)))
    old_end = (record.get("training_months") or {}).get("last")
    if until is None and old_end and tables.last_whole_month <= pd.Period(old_end, "M"):
        note(
            "refit:",
            f"the data hold no month after the old fit's last ({old_end}): the refit is fitted "
            "to the same months (a revised count or coding would still show in what_changed.md)",
        )
    with output_dir(out, "refit", force=force) as tmp:  # built beside --out, swapped in whole
        run, old, _, problems = refit_run(
            run_dir,
            tables,
            tmp,
            until=until,
            scenarios=scenario_set,
            sources=read_source_log(folder),
            extra={"data_dir": checks.recorded(folder), "refit_of": str(Path(run_dir).resolve())},
            name=str(out),
            progress=True,
            draws=draws,
            tune=tune,
            chains=chains,
        )
        new = run.model
        save_effects_figure(new, tmp)
        for window_note in new.window_notes():
            note("window:", window_note)
        print_caveats(data_caveats(tables, new.training, new.columns()))
    say(
        (new.name, "bold"),
        f" refitted on {len(new.training)} months ({_span(new.training)}; was "
        f"{len(old.training)}, {_span(old.training)}) in {run.seconds:.0f} s",
    )
    _print_verdict(new.diagnostics)
    for problem in problems:  # also beneath the comparison in what_changed.md
        note("scenarios:", problem)
    console.print(f"run written: {out}; report: {Path(out) / REPORT_MD}")


def _refit_data_dir(data_dir: Path | None, record: dict, run_dir: Path) -> Path | None:
    """The overlay a refit reads: ``--data-dir``/``$FORECAST_DATA_DIR`` if given, else the
    one the old run recorded (if it still exists), never silently none.
    """
    if data_dir is not None or os.environ.get(ENV_VAR):
        return checks.data_dir(data_dir)
    recorded = record.get("data_dir") or ""
    if not isinstance(recorded, str) or not recorded:
        folder = checks.data_dir(None)
        if folder is not None:
            console.print(
                f"using the overlay data folder {folder} (the old run was fitted on the bundled "
                "data alone; pass --data-dir to choose another)"
            )
        return folder
    if Path(recorded).is_dir():
        console.print(
            f"using the overlay data folder the old run was fitted with: {recorded} "
            "(pass --data-dir to choose another)"
        )
        return Path(recorded)
    raise ConfigError(
        "--data-dir",
        f"the old run {run_dir} was fitted with the overlay data folder {recorded}, which no "
        "longer exists; refitting without it would silently drop its data",
        f"restore that folder, or pass --data-dir DIR (--data-dir {BUNDLED_DATA_DIR} for the "
        "bundled data only)",
    )
