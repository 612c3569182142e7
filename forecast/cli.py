"""The ``forecast`` command line: thin commands over the package API.

Bad input prints one clear message on stderr (no traceback) and exits with 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from forecast.constants import BUNDLED_DATA_DIR
from forecast.errors import ConfigError, InputError

app = typer.Typer(
    help="Scenario forecasts of North Korean weapons tests conditioned on negotiation state.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Build, inspect and extend the datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console(soft_wrap=True)
err_console = Console(stderr=True)


@data_app.command("build")
def data_build(
    raw: Path = typer.Option(..., "--raw", help="Folder with the raw sources (../shared/data)."),
    out: Path = typer.Option(
        BUNDLED_DATA_DIR, "--out", help="Data folder to write (default: the bundled datasets/)."
    ),
) -> None:
    """Rebuild the derived canonical tables from the raw public sources."""
    from forecast.data.build import build_datasets

    report = build_datasets(raw, out)
    for name, n in report.written.items():
        console.print(f"wrote {out / (name + '.csv')}: {n} rows")
    if len(report.csis_duplicates):
        console.print(f"collapsed {len(report.csis_duplicates)} duplicate CSIS row(s):")
        for row in report.csis_duplicates.itertuples():
            console.print(f"  {row.date}  {row.type}  {row.event}")


@data_app.command("summary")
def data_summary(
    data_dir: Path = typer.Option(
        None, "--data-dir", help="Data folder (default: the bundled datasets/)."
    ),
    since: int = typer.Option(1990, "--since", help="First year shown."),
) -> None:
    """Print a per-year table of launch days, missiles, classes, nuclear tests and state."""
    from forecast.data import load_tables, yearly_summary

    if since < 1990:
        raise ConfigError("--since", f"{since} is before the panel start (1990)", "use 1990 or later")
    table = yearly_summary(load_tables(data_dir), start=f"{since}-01")
    out = Table(title=f"North Korean missile launches per year (CNS), {since}-")
    headers = {
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
    for key, label in headers.items():
        out.add_column(label, justify="left" if key == "state" else "right")
    for row in table.itertuples(index=False):
        out.add_row(*(str(getattr(row, key)) for key in headers))
    wide = Console(width=max(console.width, 150)) if not console.is_terminal else console
    wide.print(out)
    console.print("Class columns count launch days with at least one missile of that class.")


@app.command("report")
def report(
    out: Path = typer.Option(Path("reports/latest"), "--out", help="Output folder."),
    fast: bool = typer.Option(False, "--fast", help="Small settings, for a quick check."),
    data_dir: Path = typer.Option(None, "--data-dir", help="Data folder."),
) -> None:
    """Execute the notebooks and render a self-contained HTML report."""
    from forecast.report import build_report

    index = build_report(out, fast=fast, data_dir=data_dir)
    console.print(f"report written: {index}")


def main() -> None:
    """Entry point: run the app, turning known errors into a message and exit code 2."""
    try:
        app()  # standalone: usage errors exit 2 with click's message, --help exits 0
    except InputError as err:
        err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
