"""The work of ``forecast report``, once :mod:`forecast.cli.run_commands` has checked it.
Loads the modelling layers, papermill and nbconvert at its top."""

from __future__ import annotations

import time
from pathlib import Path

from forecast.cli.console import console, note, print_freshness
from forecast.freshness import data_freshness, freshness_lines
from forecast.report import SIZE_TARGET_BYTES, build_report, folder_size


def report(
    out: Path,
    *,
    run: Path | None,
    run_out: Path | None,
    single_file: Path | None,
    fast: bool,
    data_dir: Path | None,
    scenarios: Path | None,
    questions: Path | None = None,
    answers: Path | None = None,
    seed: int,
    force: bool,
    today,
) -> None:
    """``forecast report``: fit (or load) the run, run the notebooks, write the report."""
    started = time.perf_counter()
    paths = build_report(
        out,
        fast=fast,
        data_dir=data_dir,
        scenarios=scenarios,
        questions=questions,
        answers=answers,
        seed=seed,
        force=force,
        run=run,
        run_out=run_out,
        single_file=single_file,
        today=today,
        on_data=lambda tables: print_freshness(
            freshness_lines(data_freshness(tables, today=today, data_dir=data_dir))
        ),
    )
    verb = "fitted into" if paths.fitted else "using the run"
    console.print(f"{verb} {paths.run_dir}")
    size = folder_size(paths.index.parent)
    console.print(
        f"report written: {paths.index} (the folder {size / 2**20:.1f} MB, with its notebooks, "
        "figures and tables)"
    )
    if paths.single_file is not None:
        single = paths.single_file.stat().st_size
        console.print(f"single file written: {paths.single_file} ({single / 2**20:.1f} MB)")
        size = max(size, single)
    if size > SIZE_TARGET_BYTES:
        note(
            "note:",
            f"larger than {SIZE_TARGET_BYTES / 2**20:.0f} MB, which may be too big to mail",
        )
    console.print(f"built in {time.perf_counter() - started:.0f} s")
