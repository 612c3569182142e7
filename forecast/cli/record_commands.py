"""The backfilled track record: declared and checked here, done in
:mod:`forecast.cli.record_work` (which loads the modelling layers)."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from forecast.cli import checks
from forecast.outputs import check_output_dir

app = typer.Typer(rich_markup_mode=None)

#: The command as its output folder's marker names it (:data:`forecast.outputs.COMMAND_KINDS`).
OUTPUT_KIND = "track-record"


@app.command("track-record")
def track_record(
    out: Path = typer.Option(
        ..., "--out", help="Output folder (new or empty; see --force), e.g. out/track-record."
    ),
    every: int = typer.Option(3, "--every", help="Months between origins (3: every quarter)."),
    start: str = typer.Option("2010-03", "--from", help="First origin (YYYY-MM)."),
    end: str = typer.Option("2025-12", "--to", help="Last origin (YYYY-MM)."),
    seed: int = typer.Option(20251231, "--seed", help="Root seed (each origin derives its own)."),
    data_dir: Path = checks.DATA_DIR_OPTION,
    force: bool = typer.Option(
        False, "--force", help="Replace an earlier 'forecast track-record' output in --out."
    ),
) -> None:
    """Backfill the questions' track record.

    The shipped questions (questions/2026.yaml) asked at past origins, answered as the
    workbench would have answered them then, frozen, resolved and scored, each record labelled
    backfilled. At each origin the default model is fitted on the data up to it (backtest
    sampler preset) and answers the questions moved to the months after it. Writes
    records.json (the frozen answers in the ledger's answers.json format, outcomes as counts),
    record.csv, summary.csv, reliability.csv and settings.json; 'make track-record' copies
    them into docs/track_record, which 'forecast ledger --answers docs/track_record' prints.
    About 9 minutes for the 64 quarters of 2010-2025 on two cores.
    """

    check_output_dir(out, OUTPUT_KIND, force=force)
    checks.check_int("--every", every, 1, 120)
    checks.check_sampler(seed=seed)
    for label, value in (("--from", start), ("--to", end)):
        checks.check_month(label, value)
    importlib.import_module("forecast.cli.record_work").track_record(
        out, start, end, every, seed, checks.data_dir(data_dir), force=force
    )
