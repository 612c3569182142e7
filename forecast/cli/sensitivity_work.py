"""The work of ``forecast sensitivity``, once :mod:`forecast.cli.sensitivity_commands` has
checked it: the refits (which load the modelling layers), the files, the terminal table."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from rich.table import Table

from forecast.catalog import Sampler
from forecast.cli import checks
from forecast.cli.console import console, say, wide
from forecast.coding_alternatives import AS_CODED
from forecast.files import json_text, write_csv, write_text_atomic
from forecast.outputs import output_dir
from forecast.scenarios import ScenarioSet
from forecast.sensitivity import (
    MARKDOWN_FILE,
    SETTINGS_FILE,
    TABLE_FILE,
    coding_sensitivity,
    ratio_columns,
    scenario_keys,
)
from forecast.sensitivity_findings import sensitivity_findings, sensitivity_markdown, signed

#: How the table's floats are written (and rounded before its sentences are computed).
FLOAT_FORMAT = "%.10g"


def as_written(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its floats as the CSV keeps them (:data:`FLOAT_FORMAT`), so that the
    sentences written and printed are those a reader computes from the CSV: a difference such
    as 14.88 - 13.73 = 1.1500000000000004 would otherwise round to +1.2 in the sentences and
    to +1.1 from the CSV's 1.15."""
    table = table.copy()
    floats = table.select_dtypes("float").columns
    table[floats] = table[floats].map(lambda v: float(FLOAT_FORMAT % v))
    return table


def sensitivity(
    out: Path,
    tables,
    data_dir: Path | None,
    model: str,
    seed: int,
    sampler: Sampler,
    alternatives: pd.DataFrame,
    scenarios: ScenarioSet,
    *,
    force: bool,
) -> None:
    """``forecast sensitivity``: refit, then write the table, its sentences and the settings
    into ``out`` (all or nothing), and print them."""
    started = time.perf_counter()
    table = coding_sensitivity(
        model,
        seed,
        tables=tables,
        alternatives=alternatives,
        scenarios=scenarios,
        preset=sampler,
        progress=True,
    )
    seconds = time.perf_counter() - started
    table.attrs.update(data_dir=checks.recorded(data_dir))
    table = as_written(table)
    settings = {**table.attrs, "seconds": round(seconds, 1)}
    with output_dir(out, "sensitivity", force=force) as tmp:
        write_csv(table, tmp / TABLE_FILE, index=False, float_format=FLOAT_FORMAT)
        write_text_atomic(tmp / MARKDOWN_FILE, sensitivity_markdown(table))
        write_text_atomic(tmp / SETTINGS_FILE, json_text(settings))
    wide().print(_terminal_table(table))
    for sentence in sensitivity_findings(table):
        say("- ", sentence)
    console.print(f"written: {out} ({seconds:.0f} s)")


def _terminal_table(table: pd.DataFrame) -> Table:
    """The rate ratios and the first scenario's mean total per coding, with differences."""
    keys = scenario_keys(table)
    ratios = ratio_columns(table)
    first = keys[0] if keys else None
    out = Table(title=f"Coding sensitivity ({table['model'].iloc[0]}); differences from as coded")
    out.add_column("alternative", justify="left", no_wrap=True)
    out.add_column("months re-coded", justify="right")
    for column in ratios:
        out.add_column(column.removeprefix("rr_"), justify="right")
    if first:
        out.add_column(f"{first}: mean", justify="right")
    for row in table.to_dict("records"):
        base = row["alternative"] == AS_CODED
        cells = [row["alternative"], str(row["months_recoded"])]
        cells += [
            f"{row[c]:.2f}" + ("" if base else f" ({signed(row[f'{c}_diff'], 2)})") for c in ratios
        ]
        if first:
            mean = f"{row[f'{first}_mean']:.1f}"
            cells.append(mean + ("" if base else f" ({signed(row[f'{first}_mean_diff'], 1)})"))
        out.add_row(*cells)
    return out
