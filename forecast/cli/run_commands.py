"""Commands that fit runs and forecast from them: declared and checked here, done in
:mod:`forecast.cli.fit_work`, :mod:`forecast.cli.forecast_work` and
:mod:`forecast.cli.report_work`.

``fit``, ``refit``, ``scenarios``, ``questions``, ``report`` check every option, output
folder and input file that can be checked before any work, then hand over to
:func:`_work`; ``ledger`` needs no model and answers here.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from forecast.catalog import check_name, check_window, resolve_sampler
from forecast.cli import checks
from forecast.cli.console import console, wide
from forecast.cli.tables import backfilled_summary_table, ledger_table, track_record_table
from forecast.data import TARGETS, load_tables, monthly_panel
from forecast.errors import ConfigError
from forecast.freshness import check_today
from forecast.ledger import answers_ledger, ledger
from forecast.outlook import ANSWERS_DIR
from forecast.outputs import check_output_dir
from forecast.scenarios import given_months, load_scenarios
from forecast.track_record import (
    RECORDS_FILE,
    read_track_record,
    score_track_record,
    track_record_summary,
)

app = typer.Typer(rich_markup_mode=None)


def _work(name: str):
    """The module that does a command's work once its checks pass: ``fit`` (fit, refit),
    ``forecast`` (scenarios, questions) or ``report``. It loads the modelling layers (PyMC,
    ArviZ, matplotlib), so it is imported only then."""
    return importlib.import_module(f"forecast.cli.{name}_work")


@app.command("fit")
def fit(
    out: Path = typer.Option(..., "--out", help="Run folder to write (fit.nc, run.json)."),
    model: str = typer.Option(
        "default",
        "--model",
        help="default (the best in the evaluation) or a registered model "
        "('forecast models' lists them).",
    ),
    target: str = typer.Option(
        "launch_days", "--target", help="launch_days, missiles or csis_missile_events."
    ),
    since: str = typer.Option(None, "--since", help="First training month (YYYY-MM)."),
    until: str = typer.Option(None, "--until", help="Last training month (YYYY-MM[-DD])."),
    preset: str = typer.Option(
        "full", "--preset", help="Sampler preset: full (4 x 1000 draws) or fast (2 x 250)."
    ),
    draws: int = typer.Option(None, "--draws", help="Draws per chain (default: preset)."),
    tune: int = typer.Option(None, "--tune", help="Tuning steps (default: preset)."),
    chains: int = typer.Option(None, "--chains", help="Chains (default: preset)."),
    seed: int = typer.Option(1, "--seed", help=checks.SEED_HELP),
    sampler: str = typer.Option(
        None, "--sampler", help="nutpie (default), nutpie-jax, pymc or numpyro."
    ),
    priors: Path = typer.Option(None, "--priors", help="YAML file of prior overrides."),
    data_dir: Path = checks.DATA_DIR_OPTION,
    force: bool = typer.Option(False, "--force", help="Replace an existing run in --out."),
    today: str = checks.TODAY_OPTION,
    verbose: bool = typer.Option(
        False, "--verbose", help="Also print where the time went, phase by phase."
    ),
) -> None:
    """Fit a model, print the diagnostics verdict and state effects, save the run."""
    check_output_dir(out, "fit", force=force)
    checks.check_sampler(draws, tune, chains, seed)
    day = checks.parse_today(today)
    settings = resolve_sampler(preset, draws=draws, tune=tune, chains=chains, backend=sampler)
    for label, value in (("--since", since), ("--until", until)):
        checks.check_month(label, value)
    check_window(since, until)
    name = check_name(model)
    if target not in TARGETS:
        raise ConfigError("--target", f"unknown target {target!r}", f"use one of {TARGETS}")
    overrides = checks.read_priors(priors)
    if overrides is not None:  # the models own their priors: checking them loads the models
        _work("fit").check_priors(name, overrides, priors)
    folder = checks.data_dir(data_dir)
    tables = load_tables(folder)
    check_today(tables, day)
    _work("fit").fit(
        out,
        name,
        settings,
        tables,
        folder,
        day,
        target=target,
        since=since,
        until=until,
        seed=seed,
        priors=overrides,
        priors_file=priors,
        preset=preset,
        force=force,
        verbose=verbose,
    )


@app.command("refit")
def refit(
    run_dir: Path = typer.Argument(..., help="Run folder made by 'forecast fit'."),
    out: Path = typer.Option(..., "--out", help="New run folder."),
    data_dir: Path = checks.DATA_DIR_OPTION,
    until: str = typer.Option(
        None, "--until", help="Last training month (default: all data; the old until is dropped)."
    ),
    draws: int = typer.Option(None, "--draws", help="Draws per chain (default: as before)."),
    tune: int = typer.Option(None, "--tune", help="Tuning steps (default: as before)."),
    chains: int = typer.Option(None, "--chains", help="Chains (default: as before)."),
    scenarios: Path = typer.Option(
        None, "--scenarios", help="Scenario YAML to simulate from both fits and compare."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing run in --out."),
) -> None:
    """Refit a run's model on the data now available; write the run and what_changed.md/.html."""
    if Path(out).resolve() == Path(run_dir).resolve():
        raise ConfigError("--out", "the new run would replace the old one", "choose another --out")
    check_output_dir(out, "refit", force=force)
    checks.check_sampler(draws, tune, chains)
    checks.check_month("--until", until)
    _work("fit").refit(
        run_dir,
        out,
        data_dir,
        until=until,
        draws=draws,
        tune=tune,
        chains=chains,
        scenarios=scenarios,
        force=force,
    )


@app.command("scenarios")
def scenarios(
    run_dir: Path = typer.Argument(..., help="Run folder made by 'forecast fit'."),
    config: Path = typer.Option(..., "--config", help="Scenario YAML file."),
    out: Path = typer.Option(..., "--out", help="Output folder (new or empty; see --force)."),
    draws: int = typer.Option(None, "--draws", help="Posterior draws (default: all)."),
    seed: int = typer.Option(1, "--seed", help="Random seed shared by every scenario."),
    data_dir: Path = checks.DATA_DIR_OPTION,
    force: bool = typer.Option(
        False, "--force", help="Replace earlier 'forecast scenarios' outputs in --out."
    ),
    today: str = checks.TODAY_OPTION,
    from_today: bool = typer.Option(
        False,
        "--from-today",
        help="Start the scenarios in --today's month when the run's data end before it "
        "(the months between are simulated and dropped); for a file that gives no 'start' "
        "and counts its months ('month 3').",
    ),
) -> None:
    """Simulate each scenario of a YAML file from a fitted run; write tables and figures.

    Prints the data's age, says when the forecast starts in the past, and scores it on the
    forecast months the data (with the overlay) now cover. With --from-today the scenarios
    start in today's month instead.
    """
    check_output_dir(out, "scenarios", force=force)
    checks.check_sampler(seed=seed)
    checks.check_int("--draws", draws, 1, 10**9)
    day = checks.parse_today(today)
    spec = load_scenarios(config)
    given = given_months(spec) if from_today else None
    if given:
        raise ConfigError(
            str(config),
            f"--from-today: the file is written for given months ({given})",
            "leave --from-today out, or drop 'start' and write each step as 'month N' "
            "(counted from the first forecast month)",
        )
    folder = checks.data_dir(data_dir)
    tables = load_tables(folder)
    check_today(tables, day)
    _work("forecast").scenarios(
        run_dir, spec, out, draws, seed, tables, folder, day, force=force, from_today=from_today
    )


@app.command("questions")
def questions(
    run_dir: Path = typer.Argument(..., help="Run folder made by 'forecast fit'."),
    config: Path = typer.Option(
        ..., "--config", help="Question file (YAML), e.g. questions/2026.yaml."
    ),
    out: Path = typer.Option(..., "--out", help="Output folder (new or empty; see --force)."),
    draws: int = typer.Option(None, "--draws", help="Draws (default: the posterior's)."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    force: bool = typer.Option(
        False, "--force", help="Replace earlier 'forecast questions' outputs in --out."
    ),
    today: str = checks.TODAY_OPTION,
) -> None:
    """Answer forecast questions from a run, all things considered (states follow the run's
    transition model); freeze the answers for the ledger's track record.

    An answer whose window has begun by --today is marked as the model's view from the end of
    its data.
    """
    check_output_dir(out, "questions", force=force)
    checks.check_sampler(seed=seed)
    checks.check_int("--draws", draws, 1, 10**9)
    day = checks.parse_today(today)
    _work("forecast").questions(run_dir, config, out, draws, seed, force=force, today=day)


@app.command("report")
def report(
    out: Path = typer.Option(Path("reports/latest"), "--out", help="Report folder to write."),
    run: Path = typer.Option(
        None, "--run", help="Use this run folder (made by 'forecast fit'); nothing is fitted."
    ),
    run_out: Path = typer.Option(
        None,
        "--run-out",
        help="Without --run: the run folder the report's fit is written to (default: "
        "runs/report-NAME for --out .../NAME; new, empty, or an earlier report's fit).",
    ),
    single_file: Path = typer.Option(
        None, "--single-file", help="Also write the whole report as one HTML file (FILE.html)."
    ),
    fast: bool = typer.Option(False, "--fast", help="Small settings, for a quick check."),
    data_dir: Path = checks.DATA_DIR_OPTION,
    scenarios: Path = typer.Option(
        None, "--scenarios", help="Scenario YAML of the outlook (default: scenarios/current.yaml)."
    ),
    questions: Path = typer.Option(
        None, "--questions", help="Question YAML the index answers (default: questions/2026.yaml)."
    ),
    answers: Path = typer.Option(
        None,
        "--answers",
        help="Folder of 'forecast questions' outputs whose frozen answers join the track "
        "record (default: ./answers if it exists).",
    ),
    seed: int = typer.Option(1, "--seed", help="Seed of the fit, simulations and notebooks."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Replace an earlier report in --out, an earlier run in --run-out and an existing "
        "--single-file.",
    ),
    today: str = checks.TODAY_OPTION,
) -> None:
    """Render the shareable report: index page, notebook pages, headline CSVs.

    The report folder holds no fit: with --run it uses that run folder, otherwise it fits the
    default model into --run-out first. The pages name the run by its path.
    """
    checks.check_sampler(seed=seed)
    day = checks.parse_today(today)
    if run is not None and run_out is not None:
        raise ConfigError(
            "--run-out",
            "--run and --run-out were both given",
            "use --run to reuse a run, or --run-out to fit a new one, not both",
        )
    _work("report").report(
        out,
        run=run,
        run_out=run_out,
        single_file=single_file,
        fast=fast,
        data_dir=checks.data_dir(data_dir),
        scenarios=scenarios,
        questions=questions,
        answers=answers,
        seed=seed,
        force=force,
        today=day,
    )


@app.command("ledger")
def ledger_command(
    runs: Path = typer.Option(Path("runs"), "--runs", help="Folder of run folders."),
    answers: Path = typer.Option(
        None,
        "--answers",
        help="Folder of 'forecast questions' outputs (default: ./answers if it exists).",
    ),
    every_answer: bool = typer.Option(
        False,
        "--all",
        help="List every answer of a backfilled track record too, not only its summary by "
        "question (hundreds of rows).",
    ),
    data_dir: Path = checks.DATA_DIR_OPTION,
) -> None:
    """List runs with their frozen forecasts, and answered questions, scored on the data since."""
    folder = answers if answers is not None else ANSWERS_DIR
    backfilled = folder.is_dir() and (folder / RECORDS_FILE).exists()
    if every_answer and not backfilled:
        raise ConfigError(
            "--all",
            f"{folder} holds no backfilled track record ({RECORDS_FILE}): --all lists the "
            "answers of one",
            "pass --answers docs/track_record (or leave out --all)",
        )
    panel = monthly_panel(load_tables(checks.data_dir(data_dir)))
    if answers is not None or folder.is_dir():
        record = answers_ledger(folder, panel, backfilled=every_answer)
        if backfilled:
            _print_backfilled(folder, panel, listed=every_answer)
        if len(record):
            wide().print(track_record_table(record, folder))
        elif not backfilled:
            console.print(f"no answers in {folder} (folders written by 'forecast questions')")
        resolved = record[record["status"] == "resolved"]
        if len(resolved):
            console.print(
                f"{len(resolved)} resolved: mean Brier {resolved['brier'].mean():.3f} "
                f"({resolved['brier'].notna().sum()} binary), mean CRPS "
                f"{resolved['crps'].mean():.2f}"
            )
    table = ledger(runs, panel)
    if table.empty:
        console.print(f"no runs in {runs}")
        return
    wide().print(ledger_table(table, runs))


def _print_backfilled(folder: Path, panel, listed: bool) -> None:
    """A backfilled track record's summary by question, scored on ``panel``."""
    table = score_track_record(read_track_record(folder), panel)  # read and scored once
    origins = sorted(table["origin"].unique())
    wide().print(backfilled_summary_table(track_record_summary(table), folder, origins))
    console.print(
        "Backfilled: each origin's questions are the shipped ones moved to that origin, answered "
        "as the workbench would have answered them then; skill is against the long-run base rate."
    )
    if not listed:
        console.print("Add --all to list every answer, scored on the data now.")
