"""The work of the evaluation commands, once :mod:`forecast.cli.evaluation_commands` has
checked them. Loads the modelling layers at its top."""

from __future__ import annotations

import time
from pathlib import Path

from forecast.cli.console import console
from forecast.cli.tables import band_table, contrasts_table
from forecast.evaluation import backtest as run_backtest
from forecast.evaluation import pit_table
from forecast.evaluation.contrasts import contrasts_by_window
from forecast.evaluation.results import MISSILES
from forecast.files import write_csv
from forecast.outputs import output_dir
from forecast.plots import (
    plot_contrasts,
    plot_coverage,
    plot_pit,
    plot_scores_by_horizon,
    save_figures,
)


def backtest(out: Path, panel, models, cutoffs, *, force: bool, **settings) -> None:
    """``forecast backtest``: run the folds, write scores, summaries and figures."""
    started = time.perf_counter()
    result = run_backtest(panel, models, cutoffs, **settings)
    sides = {"": result} if result.missiles is None else {"": result, MISSILES: result.missiles}

    def figures(folder: Path) -> None:
        for sub, side in sides.items():
            _figures(side, folder / sub)

    result.write(out, force=force, also=figures)
    for sub, side in sides.items():
        console.print(band_table(side.tables["by_band"], len(cutoffs), side.settings["target"]))
        if sub:
            console.print(f"({side.settings['target']}: {out / sub})")
    console.print(f"written: {out} ({time.perf_counter() - started:.0f} s)")


def _figures(result, out: Path) -> None:
    """Score-by-horizon, PIT and coverage figures of a backtest, as PNG in ``out``."""
    figures = {
        "scores_by_horizon.png": lambda: plot_scores_by_horizon(result.summary).figure,
        "pit.png": lambda: plot_pit(pit_table(result.scores))[0].figure,
        "coverage.png": lambda: plot_coverage(result.summary).figure,
    }
    save_figures(out, figures)


def contrasts(
    out: Path, panel, model: str, windows: list[str], preset: str, seed: int, *, force: bool
) -> None:
    """``forecast contrasts``: fit from each first month; compare the state contrasts."""
    table = contrasts_by_window(panel, model, windows, preset, seed, progress=True)
    with output_dir(out, "contrasts", force=force) as tmp:
        write_csv(table, tmp / "contrasts.csv", index=False, float_format="%.4g")
        save_figures(tmp, {"contrasts.png": lambda: plot_contrasts(table).figure})
    console.print(contrasts_table(table))
    console.print(f"written: {out}")
