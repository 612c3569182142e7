"""Commands that evaluate models out of sample: declared and checked here, done in
:mod:`forecast.cli.evaluation_work`."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from forecast.catalog import PRESETS, check_name, resolve_sampler, state_models
from forecast.cli import checks
from forecast.constants import MAX_BACKTEST_EVERY, MAX_CONTRAST_WINDOWS, MAX_HORIZON, MAX_WORKERS
from forecast.data import TARGETS, load_tables, monthly_panel
from forecast.errors import ConfigError
from forecast.evaluation.combine import check_pools
from forecast.evaluation.executors import check_scheduler
from forecast.evaluation.plan import (
    check_cutoffs,
    check_models,
    contrast_windows,
    regular_cutoffs,
)
from forecast.outputs import check_output_dir

app = typer.Typer(rich_markup_mode=None)


def _work():
    """The module that does these commands' work (it loads PyMC, ArviZ and matplotlib):
    imported only when a command has passed its checks."""
    return importlib.import_module("forecast.cli.evaluation_work")


@app.command("backtest")
def backtest(
    out: Path = typer.Option(..., "--out", help="Output folder (scores, summaries, figures)."),
    models: str = typer.Option(
        "empirical_recent,last_value,constant_rate,recent_rate,default",
        "--models",
        help="Comma-separated registered models (the naive baselines among them set the "
        "skill reference).",
    ),
    pools: str = typer.Option(
        None, "--pools", help="Pools to score, e.g. pool:a+b (equal weights), stack:a+b."
    ),
    oracles: bool = typer.Option(
        True, "--oracles/--no-oracles", help="Score the oracles (the ceiling of skill)."
    ),
    questions: bool = typer.Option(
        False, "--questions", help="Also backtest forecast questions and the state transitions."
    ),
    cutoffs: str = typer.Option(None, "--cutoffs", help="Comma-separated YYYY-MM cutoffs."),
    every: int = typer.Option(None, "--every", help="Regular cutoffs every N months..."),
    start: str = typer.Option("2005-01", "--from", help="...from this month..."),
    end: str = typer.Option("2024-12", "--to", help="...to this month."),
    horizon: int = typer.Option(12, "--horizon", help="Months forecast after each cutoff."),
    target: str = typer.Option(
        "launch_days", "--target", help="Count forecast and scored: launch_days or missiles."
    ),
    missiles: bool = typer.Option(
        False,
        "--missiles",
        help="With --target launch_days, also score missiles (written to OUT/missiles); "
        "ar_level reuses each fold's launch-day fit and adds its salvo term.",
    ),
    seed: int = typer.Option(1, "--seed", help="Root seed (each fold derives its own)."),
    draws: int = typer.Option(
        None, "--draws", help=f"Draws per chain, per fold (preset {PRESETS['backtest'].draws})."
    ),
    tune: int = typer.Option(
        None, "--tune", help=f"Tuning steps per chain (preset {PRESETS['backtest'].tune})."
    ),
    chains: int = typer.Option(
        None, "--chains", help=f"Chains per fold (preset {PRESETS['backtest'].chains})."
    ),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Resamples for skill intervals."),
    workers: int = typer.Option(1, "--workers", help="Local processes running folds."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler, tcp://HOST:PORT."),
    data_dir: Path = checks.DATA_DIR_OPTION,
    force: bool = typer.Option(
        False, "--force", help="Replace earlier 'forecast backtest' outputs in --out."
    ),
) -> None:
    """Rolling-origin backtest: fit at each cutoff, forecast, score against what happened."""
    check_output_dir(out, "backtest", force=force)
    checks.check_sampler(draws, tune, chains, seed)
    checks.check_int("--horizon", horizon, 1, MAX_HORIZON, "months")
    checks.check_int("--every", every, 1, MAX_BACKTEST_EVERY, "months between cutoffs")
    checks.check_int("--workers", workers, 1, MAX_WORKERS)
    checks.check_int("--bootstrap", bootstrap, 0, 100_000, "resamples")
    if target not in TARGETS:
        raise ConfigError("--target", f"unknown target {target!r}", f"use one of {TARGETS}")
    if missiles and target != "launch_days":
        raise ConfigError(
            "--missiles",
            f"missiles are scored beside launch days, not beside {target}",
            "drop --missiles, or use --target launch_days with it",
        )
    if cutoffs and every:
        raise ConfigError(
            "--cutoffs/--every", "both given", "use --cutoffs for a list, or --every for a grid"
        )
    if cutoffs:
        chosen = checks.split_list(cutoffs)
    elif every:
        chosen = regular_cutoffs(start, end, every=every)
    else:
        raise ConfigError("--cutoffs/--every", "no cutoffs given", "pass --cutoffs or --every")
    if scheduler is not None:
        check_scheduler(scheduler, reach=True)
    names = check_models(models)
    pool_specs = check_pools(pools or ())
    panel = monthly_panel(load_tables(checks.data_dir(data_dir)))
    chosen = check_cutoffs(chosen, panel)
    preset = PRESETS["backtest"]
    _work().backtest(
        out,
        panel,
        names,
        chosen,
        horizon=horizon,
        target=target,
        missiles=missiles,
        seed=seed,
        draws=draws or preset.draws,
        tune=preset.tune if tune is None else tune,
        chains=chains or preset.chains,
        pools=[spec.name for spec in pool_specs],
        oracles=oracles,
        questions=questions,
        bootstrap=bootstrap,
        workers=workers,
        scheduler=scheduler,
        force=force,
    )


@app.command("contrasts")
def contrasts(
    out: Path = typer.Option(..., "--out", help="Output folder (new or empty; see --force)."),
    model: str = typer.Option("default", "--model", help="A model with state effects."),
    since: str = typer.Option(
        "1990-01,2000-01,2005-01,2012-01",
        "--since",
        help=f"Comma-separated first months (at most {MAX_CONTRAST_WINDOWS}; a month given "
        "twice is fitted once).",
    ),
    preset: str = typer.Option("full", "--preset", help="Sampler preset of every fit."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    data_dir: Path = checks.DATA_DIR_OPTION,
    force: bool = typer.Option(False, "--force", help="Replace earlier outputs in --out."),
) -> None:
    """Fit a model from several first months and compare its state contrasts (do they depend
    on the 1990s?)."""
    check_output_dir(out, "contrasts", force=force)
    checks.check_sampler(seed=seed)
    resolve_sampler(preset)
    windows = checks.split_list(since)
    for window in windows:
        checks.check_month("--since", window)
    windows = contrast_windows(windows)  # each month once, not too many: before the data are read
    name = check_name(model)
    if name not in state_models():
        usable = ", ".join(state_models())
        raise ConfigError(
            "--model", f"{model} has no state effect", f"use default or one of {usable}"
        )
    panel = monthly_panel(load_tables(checks.data_dir(data_dir)))
    _work().contrasts(out, panel, name, windows, preset, seed, force=force)
