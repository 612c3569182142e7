"""``forecast data ...``: build, inspect and extend the datasets.

Every command of this group is light: the data layer needs pandas, not the models, so the
whole work happens here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.table import Table

from forecast.cli import checks
from forecast.cli.console import console, note, print_caveats, print_freshness, say, wide
from forecast.constants import BUNDLED_DATA_DIR
from forecast.data import load_tables, monthly_panel, yearly_summary
from forecast.data.build import build_datasets
from forecast.data.hand_coding import (
    add_exercise,
    confirm_exercises,
    confirm_leaders,
    set_leader,
    set_state,
)
from forecast.data.launch_import import import_launches
from forecast.data.overlay import overlay_for_writing
from forecast.data.panel import data_caveats
from forecast.errors import ConfigError
from forecast.freshness import check_today, data_freshness, freshness_lines
from forecast.present import counted

app = typer.Typer(
    help="Build, inspect and extend the datasets.", no_args_is_help=True, rich_markup_mode=None
)

#: Columns of the yearly summary and their headings.
SUMMARY_HEADERS = {
    "year": "year",
    "launch_days": "launch days",
    "missiles": "missiles",
    "launch_days_srbm": "SRBM",
    "launch_days_mrbm": "MRBM",
    "launch_days_irbm": "IRBM",
    "launch_days_icbm": "ICBM",
    "launch_days_slbm": "SLBM",
    "launch_days_slv": "SLV",
    "launch_days_hgv": "HGV",
    "launch_days_unknown": "unkn.",
    "nuclear_tests": "nuclear",
    "state": "state (most days)",
}


@app.command("build")
def data_build(
    raw: Path = typer.Option(..., "--raw", help="Folder with the raw sources (../shared/data)."),
    out: Path = typer.Option(
        BUNDLED_DATA_DIR, "--out", help="Data folder to write (default: the bundled datasets/)."
    ),
) -> None:
    """Rebuild the derived canonical tables from the raw public sources."""
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", f"{out} is a file, not a data folder", "point --out at a folder")
    report = build_datasets(raw, out)
    for name, n in report.written.items():
        console.print(f"wrote {out / (name + '.csv')}: {n} rows")
    if len(report.csis_duplicates):
        console.print(f"collapsed {counted(len(report.csis_duplicates), 'duplicate CSIS row')}:")
        for row in report.csis_duplicates.itertuples():
            console.print(f"  {row.date}  {row.type}  {row.event}")


@app.command("summary")
def data_summary(
    data_dir: Path = checks.DATA_DIR_OPTION,
    since: int = typer.Option(1990, "--since", help="First year shown."),
    today: str = checks.TODAY_OPTION,
) -> None:
    """Print a per-year table of launch days, missiles, classes, nuclear tests and state."""
    day = checks.parse_today(today)
    if since < 1990:
        raise ConfigError(
            "--since", f"{since} is before the panel start (1990)", "use 1990 or later"
        )
    data_dir = checks.data_dir(data_dir)
    tables = load_tables(data_dir)
    check_today(tables, day)
    freshness = data_freshness(tables, today=day, data_dir=data_dir)
    if since > tables.as_of.year:
        raise ConfigError(
            "--since",
            f"{since} is after the last year of the data ({tables.as_of.year})",
            f"use a year from 1990 to {tables.as_of.year}",
        )
    mt = tables.missile_tests
    late = mt[mt["date"] > tables.as_of]
    if len(late):  # imported but not yet covered by the state timeline: show the rest
        tables = dataclasses.replace(tables, missile_tests=mt[mt["date"] <= tables.as_of])
    out = Table(title=f"North Korean missile launches per year (CNS), {since}-{tables.as_of.year}")
    for key, label in SUMMARY_HEADERS.items():
        out.add_column(label, justify="left" if key == "state" else "right")
    for row in yearly_summary(tables, start=f"{since}-01").itertuples(index=False):
        out.add_row(*(str(getattr(row, key)) for key in SUMMARY_HEADERS))
    wide().print(out)
    console.print("Class columns count launch days with at least one missile of that class.")
    print_caveats(data_caveats(tables, monthly_panel(tables, start=f"{since}-01")))
    if len(late):
        note(
            "not shown:",
            f"{counted(late['date'].nunique(), 'launch day')} "
            f"({late['date'].min():%Y-%m-%d}..{late['date'].max():%Y-%m-%d}) after the end of "
            f"the state timeline ({tables.as_of:%Y-%m-%d}); code their state with "
            "'forecast data set-state START STATE --source TEXT'",
        )
    print_freshness(freshness_lines(freshness))


@app.command("import")
def data_import(
    file: Path = typer.Argument(..., help="CNS export (.csv/.xlsx) or events template (.csv)."),
    fmt: str = typer.Option(..., "--format", help="cns (the official CNS export) or events."),
    data_dir: Path = checks.OVERLAY_OPTION,
) -> None:
    """Validate new launches and append those not already recorded to the overlay."""
    report = import_launches(file, fmt, overlay_for_writing(data_dir))
    for line in report.lines():
        console.print(line)


@app.command("set-state")
def data_set_state(
    start: str = typer.Argument(..., help="First day (YYYY-MM-DD)."),
    state: str = typer.Argument(..., help="no_talks, stalled, active_talks or summitry."),
    source: str = typer.Option(..., "--source", help="Where the coding comes from."),
    end: str = typer.Option(
        None,
        "--end",
        help=(
            "Last day (default: the end of the last complete month, refused when a "
            "different state is coded between START and that day)"
        ),
    ),
    events: str = typer.Option(None, "--events", help="Short summary of the defining events."),
    data_dir: Path = checks.OVERLAY_OPTION,
) -> None:
    """Code the negotiation state of a period in the overlay (extends or overrides)."""
    checks.check_text("--source", source, "where the coding comes from, e.g. a URL")
    checks.check_text("--events", events, "a short summary of the events", required=False)
    report = set_state(overlay_for_writing(data_dir), start, state, source, end=end, events=events)
    console.print(
        f"{report.state} from {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d} written to "
        f"{report.path}; the state timeline now ends {report.as_of:%Y-%m-%d}"
    )


@app.command("add-exercise")
def data_add_exercise(
    name: str = typer.Argument(..., help="Exercise name, e.g. 'Freedom Shield 26'."),
    start: str = typer.Argument(..., help="First day (YYYY-MM-DD)."),
    end: str = typer.Argument(..., help="Last day (YYYY-MM-DD)."),
    source: str = typer.Option(..., "--source", help="Where the dates come from."),
    scale: str = typer.Option(
        "full", "--scale", help="full, reduced, simulation or suspended (called off)."
    ),
    approximate: bool = typer.Option(False, "--approximate", help="The dates are approximate."),
    data_dir: Path = checks.OVERLAY_OPTION,
) -> None:
    """Add a major US-ROK exercise to the overlay's exercise calendar."""
    checks.check_text("--source", source, "where the dates come from, e.g. a URL")
    checks.check_text("NAME", name, "the exercise's name, e.g. 'Freedom Shield 26'")
    report = add_exercise(
        overlay_for_writing(data_dir),
        name,
        start,
        end,
        source,
        scale=scale,
        approximate=approximate,
    )
    say(
        f"{report.name} ({report.scale}) from {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d} "
        f"written to {report.path}; the exercise calendar is now coded to "
        f"{report.exercises_through:%Y-%m-%d}"
    )


@app.command("confirm-exercises")
def data_confirm_exercises(
    through: str = typer.Argument(..., help="Last day checked (YYYY-MM-DD)."),
    source: str = typer.Option(..., "--source", help="What was checked, e.g. a URL."),
    data_dir: Path = checks.OVERLAY_OPTION,
) -> None:
    """Record that no major US-ROK exercise beyond those added was held up to THROUGH."""
    checks.check_text("--source", source, "what was checked, e.g. the JCS announcements' URL")
    report = confirm_exercises(overlay_for_writing(data_dir), through, source)
    say(
        f"the exercise calendar is now coded to {report.exercises_through:%Y-%m-%d}: no major "
        f"exercise from {report.checked_from:%Y-%m-%d}, written to {report.path}"
    )


def _leaders_written(report) -> None:
    for row in report.periods.itertuples():
        say(f"{row.country}: {row.leader} from {row.start:%Y-%m-%d} to {row.end:%Y-%m-%d}")
    say(
        f"written to {report.path}; every country's leader is now coded to "
        f"{report.leaders_through:%Y-%m-%d}"
    )


@app.command("confirm-leaders")
def data_confirm_leaders(
    through: str = typer.Argument(..., help="Last day checked (YYYY-MM-DD)."),
    source: str = typer.Option(..., "--source", help="What was checked, e.g. a URL."),
    data_dir: Path = checks.OVERLAY_OPTION,
) -> None:
    """Record that no leader of the DPRK, the US or the ROK changed up to THROUGH (each
    country's last coded leader continues to it)."""
    checks.check_text("--source", source, "what was checked, e.g. a URL")
    _leaders_written(confirm_leaders(overlay_for_writing(data_dir), through, source))


@app.command("set-leader")
def data_set_leader(
    country: str = typer.Argument(..., help="DPRK, US or ROK."),
    leader: str = typer.Argument(..., help="The leader's name, e.g. 'Kim Jong Un'."),
    start: str = typer.Argument(..., help="First day in office (YYYY-MM-DD)."),
    source: str = typer.Option(..., "--source", help="Where the dates come from."),
    end: str = typer.Option(
        None,
        "--end",
        help=(
            "Last day coded (default: the end of the last complete month, refused when a "
            "different leader is coded between START and that day)"
        ),
    ),
    data_dir: Path = checks.OVERLAY_OPTION,
) -> None:
    """Code a country's leader for a period in the overlay (a new leader, or a correction)."""
    checks.check_text("--source", source, "where the dates come from, e.g. a URL")
    checks.check_text("LEADER", leader, "the leader's name, e.g. 'Kim Jong Un'")
    report = set_leader(overlay_for_writing(data_dir), country, leader, start, source, end=end)
    _leaders_written(report)
