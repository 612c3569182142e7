"""The work of ``forecast track-record``, once :mod:`forecast.cli.record_commands` has checked
it. Loads the modelling layers at its top."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.backfill import backfill
from forecast.cli.console import console, say
from forecast.data import load_tables, monthly_panel
from forecast.errors import ConfigError
from forecast.outputs import output_dir
from forecast.track_record import (
    origins,
    score_track_record,
    track_record_summary,
    write_track_record,
)


def track_record(
    out: Path, start: str, end: str, every: int, seed: int, data_dir, force: bool
) -> None:
    """``forecast track-record``: backfill, write, print the summary."""
    panel = monthly_panel(load_tables(data_dir))
    last = panel["month"].max()
    first, final = pd.Period(start, "M"), pd.Period(end, "M")
    if first > final:
        raise ConfigError("--from/--to", f"--from {first} is after --to {final}", "swap them")
    if final.to_timestamp() > last:  # each origin is a fit: never one past the data
        raise ConfigError(
            "--to",
            f"{final} is after the data's last month ({last:%Y-%m}); an origin needs data "
            "after it to be scored",
            f"choose --to {last:%Y-%m} or earlier",
        )
    when = origins(start, end, every)
    if not when or when[0].to_timestamp() >= last:
        raise ConfigError(
            "--from/--to",
            f"no origin from {start} to {end} before the data's last month ({last:%Y-%m})",
            "choose origins inside the data, e.g. --from 2010-03 --to 2025-12",
        )
    with output_dir(out, "track-record", force=force) as tmp:
        track = backfill(
            panel,
            when,
            seed=seed,
            progress=lambda origin, k, n: console.print(f"origin {origin} ({k}/{n})"),
        )
        write_track_record(track, panel, tmp)
    summary = track_record_summary(score_track_record(track, panel))
    say((f"{len(when)} origins", "bold"), f" backfilled into {out}")
    console.print(summary.round(3).to_string(index=False))
