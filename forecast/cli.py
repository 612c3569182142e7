"""The ``forecast`` command line: thin commands over the package API.

Bad input prints one clear message on stderr (no traceback) and exits with 2: every
:class:`~forecast.errors.InputError` (raised where the problem is found, naming the
file, where and the fix), and, as a last resort in :func:`main`, OS errors (a file
that cannot be read or written: named with its path), decoding and parser errors.
Options are checked against the limits of :mod:`forecast.constants` and output
folders against the rule of :mod:`forecast.outputs` before any expensive work.
Anything else is a bug in forecast: :func:`main` prints it as one ``internal error``
line and exits with 1 (``FORECAST_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from forecast.constants import (
    BUNDLED_DATA_DIR,
    MAX_BACKTEST_EVERY,
    MAX_CHAINS,
    MAX_DRAWS,
    MAX_HORIZON,
    MAX_SEED,
    MAX_TUNE,
    MAX_WORKERS,
)
from forecast.errors import ConfigError, InputError

#: Registered model names (kept in step with forecast.models.REGISTRY by a test).
MODEL_NAMES = (
    "ar_level",
    "empirical_recent",
    "last_value",
    "constant_rate",
    "recent_rate",
    "state_rate",
    "self_exciting",
    "class_hierarchical",
)

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

DATA_DIR_OPTION = typer.Option(
    None,
    "--data-dir",
    help="Overlay data folder merged over the bundled datasets/ (default: $FORECAST_DATA_DIR, "
    "else ./local-data if it exists).",
)


def _data_dir(data_dir: Path | None) -> Path | None:
    from forecast.data.overlay import resolve_data_dir

    return resolve_data_dir(data_dir)


def _print_caveats(tables, panel) -> None:
    """Print the data caveats of a panel (months some tables do not cover), in yellow."""
    from forecast.data.panel import data_caveats

    for caveat in data_caveats(tables, panel):
        console.print(f"[bold yellow]data caveat:[/] {caveat}", highlight=False, soft_wrap=True)


TODAY_OPTION = typer.Option(
    None,
    "--today",
    help="Judge the data's age as on this day, YYYY-MM-DD (default: today's date).",
)


def _today(value: str | None):
    """The ``--today`` option as a date (``None``: the real today)."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError("--today", f"not a date: {value!r}", "write YYYY-MM-DD") from None


def _print_freshness(tables, data_dir, today) -> None:
    """Print the data's as-of date and age; when stale, the missing months and the commands."""
    from forecast.freshness import data_freshness, print_freshness

    print_freshness(console, data_freshness(tables, today=today, data_dir=data_dir))


def _check_int(label: str, value: int | None, low: int, high: int, why: str = "") -> None:
    """Refuse an integer option outside ``low..high`` (before any work)."""
    if value is None:
        return
    if not low <= value <= high:
        raise ConfigError(
            label,
            f"{value} is outside {low:,}..{high:,}" + (f" ({why})" if why else ""),
            f"pass {label} with a value from {low:,} to {high:,}",
        )


def _check_sampler(draws=None, tune=None, chains=None, seed=None) -> None:
    """The sampler options against the limits of :mod:`forecast.constants`."""
    _check_int("--draws", draws, 1, MAX_DRAWS, "draws per chain; the default is 1,000")
    _check_int("--tune", tune, 0, MAX_TUNE, "tuning steps per chain; the default is 1,000")
    _check_int("--chains", chains, 1, MAX_CHAINS)
    _check_int("--seed", seed, 0, MAX_SEED, "seeds are 32-bit unsigned integers")


@data_app.command("build")
def data_build(
    raw: Path = typer.Option(..., "--raw", help="Folder with the raw sources (../shared/data)."),
    out: Path = typer.Option(
        BUNDLED_DATA_DIR, "--out", help="Data folder to write (default: the bundled datasets/)."
    ),
) -> None:
    """Rebuild the derived canonical tables from the raw public sources."""
    from forecast.data.build import build_datasets

    if out.exists() and not out.is_dir():
        raise ConfigError("--out", f"{out} is a file, not a data folder", "point --out at a folder")
    report = build_datasets(raw, out)
    for name, n in report.written.items():
        console.print(f"wrote {out / (name + '.csv')}: {n} rows")
    if len(report.csis_duplicates):
        console.print(f"collapsed {len(report.csis_duplicates)} duplicate CSIS row(s):")
        for row in report.csis_duplicates.itertuples():
            console.print(f"  {row.date}  {row.type}  {row.event}")


@data_app.command("summary")
def data_summary(
    data_dir: Path = DATA_DIR_OPTION,
    since: int = typer.Option(1990, "--since", help="First year shown."),
    today: str = TODAY_OPTION,
) -> None:
    """Print a per-year table of launch days, missiles, classes, nuclear tests and state."""
    import dataclasses

    from forecast.data import load_tables, yearly_summary

    day = _today(today)
    if since < 1990:
        raise ConfigError(
            "--since", f"{since} is before the panel start (1990)", "use 1990 or later"
        )
    data_dir = _data_dir(data_dir)
    tables = load_tables(data_dir)
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
    table = yearly_summary(tables, start=f"{since}-01")
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
    from forecast.data import monthly_panel

    _print_caveats(tables, monthly_panel(tables, start=f"{since}-01"))
    if len(late):
        console.print(
            f"[bold yellow]not shown:[/] {late['date'].nunique()} launch day(s) "
            f"({late['date'].min():%Y-%m-%d}..{late['date'].max():%Y-%m-%d}) after the end of "
            f"the state timeline ({tables.as_of:%Y-%m-%d}); code their state with "
            "'forecast data set-state START STATE --source TEXT'",
            highlight=False,
        )
    _print_freshness(tables, data_dir, day)


@app.command("fit")
def fit(
    out: Path = typer.Option(..., "--out", help="Run folder to write (fit.nc, run.json)."),
    model: str = typer.Option(
        "default",
        "--model",
        help=f"default (the best in the evaluation) or one of: {', '.join(MODEL_NAMES)}.",
    ),
    target: str = typer.Option(
        "launch_days", "--target", help="launch_days, missiles or csis_missile_events."
    ),
    since: str = typer.Option(None, "--since", help="First training month (YYYY-MM)."),
    until: str = typer.Option(None, "--until", help="Last training month (YYYY-MM[-DD])."),
    preset: str = typer.Option(
        "full", "--preset", help="Sampler preset: full (4 x 1000 draws) or fast (2 x 250)."
    ),
    draws: int = typer.Option(None, "--draws", min=1, help="Draws per chain (default: preset)."),
    tune: int = typer.Option(None, "--tune", min=0, help="Tuning steps (default: preset)."),
    chains: int = typer.Option(None, "--chains", min=1, help="Chains (default: preset)."),
    seed: int = typer.Option(1, "--seed", help="Random seed for every random step."),
    sampler: str = typer.Option(
        None, "--sampler", help="nutpie (default), nutpie-jax, pymc or numpyro."
    ),
    priors: Path = typer.Option(None, "--priors", help="YAML file of prior overrides."),
    data_dir: Path = DATA_DIR_OPTION,
    force: bool = typer.Option(False, "--force", help="Replace an existing run in --out."),
    today: str = TODAY_OPTION,
) -> None:
    """Fit a model, print the diagnostics verdict and state effects, save the run."""
    from forecast.data import load_tables, monthly_panel
    from forecast.models import resolve_sampler
    from forecast.outputs import output_dir
    from forecast.runs import check_new_run_dir, fit_run

    check_new_run_dir(out, force=force)  # before any work: new, empty or --force over a run
    _check_sampler(draws, tune, chains, seed)
    day = _today(today)
    settings = resolve_sampler(preset, draws=draws, tune=tune, chains=chains, backend=sampler)
    data_dir = _data_dir(data_dir)
    overrides = _read_priors(priors)
    for label, value in (("--since", since), ("--until", until)):
        _check_month(label, value)
    m = _get_model(model, overrides, priors, target=target, since=since, until=until)
    tables = load_tables(data_dir)
    m.build(monthly_panel(tables))
    _print_freshness(tables, data_dir, day)
    _print_caveats(tables, m.training)
    with output_dir(out, "fit", force=force) as tmp:  # built beside --out, swapped in whole
        run = fit_run(
            m,
            None,
            settings,
            seed=seed,
            out=tmp,
            progress=True,
            extra={"data_dir": _recorded(data_dir), "preset": preset},
        )
    console.print(f"[bold]{m.name}[/] on {len(m.training)} months, fitted in {run.seconds:.0f} s")
    style = "green" if m.diagnostics.passed else "bold red"
    console.print(f"Diagnostics: [{style}]{m.diagnostics.verdict()}[/]", highlight=False)
    if "state_effect" in m.posterior:
        _print_effects(m.state_effects())
    console.print(f"run written: {out}")


def _check_month(label: str, value: str | None) -> None:
    import pandas as pd

    if value is None:
        return
    try:
        stamp = pd.Timestamp(value)
        if pd.isna(stamp) or not 1984 <= stamp.year <= 2200:
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        raise ConfigError(
            label, f"not a month: {value!r}", "write YYYY-MM or YYYY-MM-DD (1984 or later)"
        ) from None


def _read_priors(path: Path | None) -> dict | None:
    """The ``--priors`` file, read with the safe YAML loader (see :mod:`forecast.yamlio`)."""
    from forecast.yamlio import load_yaml

    if path is None:
        return None
    return load_yaml(path, "priors file", example="state_effect: {sigma: 0.5}")


def _get_model(name: str, overrides: dict | None, priors_file: Path | None, **kwargs):
    """``get_model``, with a bad prior reported against the ``--priors`` file."""
    from forecast.models import get_model

    try:
        return get_model(name, priors=overrides, **kwargs)
    except ConfigError as err:
        if priors_file is None or not err.file.startswith("priors of"):
            raise
        raise ConfigError(priors_file, f"{err.problem} ({err.file})", err.fix) from None


def _recorded(data_dir: Path | None) -> str:
    """The overlay folder as recorded in run.json: absolute, so a refit finds it anywhere."""
    return str(Path(data_dir).resolve()) if data_dir is not None else ""


def _print_effects(effects) -> None:
    table = Table(title="Rate ratio vs no_talks (posterior mean, 94% HDI)")
    by_class = "weapon_class" in effects
    if by_class:
        table.add_column("class")
    for name in ("state", "rate ratio", "HDI low", "HDI high", "P(ratio < 1)"):
        table.add_column(name, justify="left" if name == "state" else "right")
    for row in effects.itertuples(index=False):
        cells = [row.weapon_class] if by_class else []
        cells += [
            row.state,
            f"{row.rate_ratio_mean:.2f}",
            f"{row.hdi_low:.2f}",
            f"{row.hdi_high:.2f}",
            f"{row.p_below_1:.2f}",
        ]
        table.add_row(*cells)
    console.print(table)


@app.command("scenarios")
def scenarios(
    run_dir: Path = typer.Argument(..., help="Run folder made by 'forecast fit'."),
    config: Path = typer.Option(..., "--config", help="Scenario YAML file."),
    out: Path = typer.Option(..., "--out", help="Output folder (new or empty; see --force)."),
    draws: int = typer.Option(None, "--draws", min=1, help="Posterior draws (default: all)."),
    seed: int = typer.Option(1, "--seed", help="Random seed shared by every scenario."),
    data_dir: Path = DATA_DIR_OPTION,
    force: bool = typer.Option(
        False, "--force", help="Replace earlier 'forecast scenarios' outputs in --out."
    ),
    today: str = TODAY_OPTION,
) -> None:
    """Simulate each scenario of a YAML file from a fitted run; write tables and figures.

    Prints the data's age, says when the forecast starts in the past, and scores it on the
    forecast months the data (with the overlay) now cover.
    """
    from forecast.data import load_tables, monthly_panel
    from forecast.freshness import forecast_timing, past_score_summary, score_past_months
    from forecast.outputs import check_output_dir
    from forecast.runs import load_outlook, load_run
    from forecast.scenarios import load_scenarios, simulate_scenarios, write_scenario_outputs

    check_output_dir(out, "scenarios", force=force)
    _check_sampler(seed=seed)
    day = _today(today)
    spec = load_scenarios(config)
    model, _ = load_run(run_dir)
    posterior = model.idata.posterior
    available = int(posterior.sizes["chain"] * posterior.sizes["draw"])
    if draws is not None and draws > available:
        raise ConfigError(
            "--draws",
            f"{draws:,} draws asked, but {run_dir} holds {available:,} posterior draws (more "
            "would only repeat them, at the cost of memory and disk)",
            f"pass --draws from 1 to {available:,}, or leave it out to use all of them",
        )
    data_dir = _data_dir(data_dir)
    tables = load_tables(data_dir)
    _print_freshness(tables, data_dir, day)
    outlook = load_outlook(run_dir, required=False)
    ds = simulate_scenarios(model, spec, random_seed=seed, draws=draws, outlook=outlook)
    tables_out = write_scenario_outputs(ds, model.training, out, force=force)
    summary = tables_out["summary"]
    timing = forecast_timing(ds["month"].values, today=day)
    table = Table(title=f"{timing.title} ({model.name}): totals over {spec.horizon} months")
    for name in ("scenario", "mean", "q10", "q50", "q90", "P(>=1)"):
        table.add_column(name, justify="left" if name == "scenario" else "right")
    for row in summary.itertuples(index=False):
        table.add_row(
            row.scenario,
            f"{row.mean:.1f}",
            f"{row.q10:g}",
            f"{row.q50:g}",
            f"{row.q90:g}",
            f"{row.p_any:.2f}",
        )
    console.print(table)
    if timing.partly_past:
        _print_past_scores(past_score_summary(score_past_months(ds, monthly_panel(tables))))
    console.print(f"written: {out}")


def _print_past_scores(summary) -> None:
    """The scenarios scored on the forecast months already observed (or why none are)."""
    if summary.empty:
        console.print(
            "None of the forecast's past months is in the data yet: import them (see above) "
            "to score it.",
            highlight=False,
        )
        return
    table = Table(title="Scored on the forecast months now observed")
    for name in ("scenario", "months", "observed", "expected", "in 80%", "mean CRPS"):
        table.add_column(name, justify="left" if name == "scenario" else "right")
    for row in summary.itertuples(index=False):
        table.add_row(
            row.scenario,
            str(row.months),
            f"{row.observed:.0f}",
            f"{row.expected:.1f}",
            f"{row.in_80:.0f}/{row.months}",
            f"{row.crps:.2f}",
        )
    console.print(table)


@app.command("backtest")
def backtest_command(
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
    every: int = typer.Option(None, "--every", min=1, help="Regular cutoffs every N months..."),
    start: str = typer.Option("2005-01", "--from", help="...from this month..."),
    end: str = typer.Option("2024-12", "--to", help="...to this month."),
    horizon: int = typer.Option(12, "--horizon", help="Months forecast after each cutoff."),
    seed: int = typer.Option(1, "--seed", help="Root seed (each fold derives its own)."),
    draws: int = typer.Option(None, "--draws", help="Draws per chain, per fold (preset 500)."),
    tune: int = typer.Option(None, "--tune", help="Tuning steps per chain (preset 500)."),
    chains: int = typer.Option(None, "--chains", help="Chains per fold (preset 4)."),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Resamples for skill intervals."),
    workers: int = typer.Option(1, "--workers", help="Local processes running folds."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler, tcp://HOST:PORT."),
    data_dir: Path = DATA_DIR_OPTION,
    force: bool = typer.Option(
        False, "--force", help="Replace earlier 'forecast backtest' outputs in --out."
    ),
) -> None:
    """Rolling-origin backtest: fit at each cutoff, forecast, score against what happened."""
    from forecast.data import load_tables, monthly_panel
    from forecast.evaluation import backtest, regular_cutoffs
    from forecast.models import PRESETS
    from forecast.outputs import check_output_dir

    check_output_dir(out, "backtest", force=force)
    _check_sampler(draws, tune, chains, seed)
    _check_int("--horizon", horizon, 1, MAX_HORIZON, "months")
    _check_int("--every", every, 1, MAX_BACKTEST_EVERY, "months between cutoffs")
    _check_int("--workers", workers, 1, MAX_WORKERS)
    if cutoffs and every:
        raise ConfigError(
            "--cutoffs/--every", "both given", "use --cutoffs for a list, or --every for a grid"
        )
    if cutoffs:
        chosen = [c.strip() for c in cutoffs.split(",") if c.strip()]
    elif every:
        chosen = regular_cutoffs(start, end, every=every)
    else:
        raise ConfigError("--cutoffs/--every", "no cutoffs given", "pass --cutoffs or --every")
    preset = PRESETS["backtest"]
    panel = monthly_panel(load_tables(_data_dir(data_dir)))
    result = backtest(
        panel,
        [m.strip() for m in models.split(",") if m.strip()],
        chosen,
        horizon=horizon,
        seed=seed,
        draws=draws or preset.draws,
        tune=preset.tune if tune is None else tune,
        chains=chains or preset.chains,
        pools=pools or (),
        oracles=oracles,
        questions=questions,
        bootstrap=bootstrap,
        workers=workers,
        scheduler=scheduler,
    )
    result.write(out, force=force, also=lambda folder: _backtest_figures(result, folder))
    console.print(_band_table(result, len(chosen)))
    console.print(f"written: {out} ({result.seconds:.0f} s)")


def _band_table(result, n_cutoffs: int) -> Table:
    """The by-band skill table of a backtest (persist path) for the terminal."""
    table = Table(
        title=f"CRPS skill vs the best naive baseline by horizon band ({n_cutoffs} cutoffs, "
        "state held at the cutoff; 90% bootstrap interval; randomised-PIT coverage of 80%)"
    )
    for name in ("model", "band", "CRPS", "skill", "90% interval", "PIT 80%", "baseline"):
        table.add_column(name, justify="left" if name in ("model", "baseline") else "right")
    band = result.tables["by_band"]
    for row in band[band["state_path"] == "persist"].itertuples(index=False):
        interval = (
            ""
            if row.crps_skill_lo != row.crps_skill_lo
            else f"{row.crps_skill_lo:+.2f}..{row.crps_skill_hi:+.2f}"
        )
        table.add_row(
            row.model,
            row.band,
            f"{row.crps:.3f}",
            f"{row.crps_skill:+.2f}",
            interval,
            f"{row.pit_cov_80:.2f}",
            str(row.crps_baseline),
        )
    return table


def _backtest_figures(result, out: Path) -> None:
    """Score-by-horizon, PIT and coverage figures of a backtest, as PNG in ``out``."""
    import matplotlib.pyplot as plt

    from forecast.evaluation import pit_table
    from forecast.plots import plot_coverage, plot_pit, plot_scores_by_horizon

    figures = {
        "scores_by_horizon.png": lambda: plot_scores_by_horizon(result.summary).figure,
        "pit.png": lambda: plot_pit(pit_table(result.scores))[0].figure,
        "coverage.png": lambda: plot_coverage(result.summary).figure,
    }
    for name, draw in figures.items():
        fig = draw()
        fig.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig)


@app.command("contrasts")
def contrasts_command(
    out: Path = typer.Option(..., "--out", help="Output folder (new or empty; see --force)."),
    model: str = typer.Option("default", "--model", help="A model with state effects."),
    since: str = typer.Option(
        "1990-01,2000-01,2005-01,2012-01", "--since", help="Comma-separated first months."
    ),
    preset: str = typer.Option("full", "--preset", help="Sampler preset of every fit."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    data_dir: Path = DATA_DIR_OPTION,
    force: bool = typer.Option(False, "--force", help="Replace earlier outputs in --out."),
) -> None:
    """Fit a model from several first months and compare its state contrasts (do they depend
    on the 1990s?)."""
    import matplotlib.pyplot as plt

    from forecast.data import load_tables, monthly_panel
    from forecast.evaluation.contrasts import contrasts_by_window
    from forecast.models import get_model, resolve_sampler
    from forecast.outputs import check_output_dir, output_dir
    from forecast.plots import plot_contrasts

    check_output_dir(out, "contrasts", force=force)
    _check_sampler(seed=seed)
    resolve_sampler(preset)
    windows = [w.strip() for w in since.split(",") if w.strip()]
    for window in windows:
        _check_month("--since", window)
    if "state_effect" not in get_model(model).default_priors:
        raise ConfigError("--model", f"{model} has no state effect", "use default or state_rate")
    panel = monthly_panel(load_tables(_data_dir(data_dir)))
    table = contrasts_by_window(panel, model, windows, preset, seed, progress=True)
    with output_dir(out, "contrasts", force=force) as tmp:
        table.to_csv(tmp / "contrasts.csv", index=False, float_format="%.4g")
        fig = plot_contrasts(table).figure
        fig.savefig(tmp / "contrasts.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
    shown = Table(title="Rate ratio vs no talks (94% HDI) and 12-month total with the state held")
    for name in ("since", "state", "rate ratio", "HDI", "expected total", "80% interval"):
        shown.add_column(name)
    for row in table.itertuples(index=False):
        shown.add_row(
            row.since,
            row.state,
            f"{row.rate_ratio:.2f}",
            f"{row.hdi_low:.2f}..{row.hdi_high:.2f}",
            f"{row.expected_total:.1f}",
            f"{row.total_q10:g}..{row.total_q90:g}",
        )
    console.print(shown)
    console.print(f"written: {out}")


@app.command("models")
def models_command() -> None:
    """List the registered models, the default marked."""
    from forecast.models import DEFAULT_MODEL, REGISTRY

    table = Table(title="Registered models ('default' names the one marked *)")
    for name in ("", "model", "kind", "description"):
        table.add_column(name)
    for name, cls in REGISTRY.items():
        kind = "Bayesian (MCMC)" if cls.uses_mcmc else "counting baseline"
        if name in ("constant_rate", "recent_rate"):
            kind += ", baseline"
        table.add_row("*" if name == DEFAULT_MODEL else "", name, kind, cls.description)
    console.print(table)


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
        "runs/report; the rule of 'forecast fit': new, empty, or replaced with --force).",
    ),
    single_file: Path = typer.Option(
        None, "--single-file", help="Also write the whole report as one HTML file (FILE.html)."
    ),
    fast: bool = typer.Option(False, "--fast", help="Small settings, for a quick check."),
    data_dir: Path = DATA_DIR_OPTION,
    scenarios: Path = typer.Option(
        None, "--scenarios", help="Scenario YAML of the outlook (default: scenarios/current.yaml)."
    ),
    seed: int = typer.Option(1, "--seed", help="Seed of the fit, simulations and notebooks."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Replace an earlier report in --out, an earlier run in --run-out and an existing "
        "--single-file.",
    ),
    today: str = TODAY_OPTION,
) -> None:
    """Render the shareable report: index page, notebook pages, headline CSVs.

    The report folder holds no fit: with --run it uses that run folder, otherwise it fits the
    default model into --run-out (runs/report) first. The pages name the run by its path.
    """
    from forecast.report import SIZE_TARGET_BYTES, build_report, folder_size

    _check_sampler(seed=seed)
    day = _today(today)
    data_dir = _data_dir(data_dir)
    if run is not None and run_out is not None:
        raise ConfigError(
            "--run-out",
            "--run and --run-out were both given",
            "use --run to reuse a run, or --run-out to fit a new one, not both",
        )
    paths = build_report(
        out,
        fast=fast,
        data_dir=data_dir,
        scenarios=scenarios,
        seed=seed,
        force=force,
        run=run,
        run_out=run_out,
        single_file=single_file,
        today=day,
        on_data=lambda tables: _print_freshness(tables, data_dir, day),
    )
    verb = "fitted into" if paths.fitted else "using the run"
    console.print(f"{verb} {paths.run_dir}", highlight=False)
    size = folder_size(paths.index.parent)
    console.print(f"report written: {paths.index} ({size / 2**20:.1f} MB)", highlight=False)
    if paths.single_file is not None:
        single = paths.single_file.stat().st_size
        console.print(
            f"single file written: {paths.single_file} ({single / 2**20:.1f} MB)", highlight=False
        )
        size = max(size, single)
    if size > SIZE_TARGET_BYTES:
        console.print(
            f"[bold yellow]note:[/] larger than {SIZE_TARGET_BYTES / 2**20:.0f} MB, which may be "
            "too big to mail",
            highlight=False,
        )


@data_app.command("import")
def data_import(
    file: Path = typer.Argument(..., help="CNS export (.csv/.xlsx) or events template (.csv)."),
    fmt: str = typer.Option(..., "--format", help="cns (the official CNS export) or events."),
    data_dir: Path = typer.Option(
        None,
        "--data-dir",
        help="Overlay folder to write (default: $FORECAST_DATA_DIR, else ./local-data).",
    ),
) -> None:
    """Validate new launches and append those not already recorded to the overlay."""
    from forecast.data.overlay import import_launches, overlay_for_writing

    folder = overlay_for_writing(data_dir)
    report = import_launches(file, fmt, folder)
    added, skipped = report.added, report.skipped
    if len(added):
        console.print(
            f"added {len(added)} row(s), {added['date'].nunique()} launch day(s), "
            f"{added['date'].min():%Y-%m-%d}..{added['date'].max():%Y-%m-%d} "
            f"to {report.path}",
            highlight=False,
        )
    else:
        console.print(f"added nothing: {report.path} is unchanged", highlight=False)
    if len(skipped):
        console.print(
            f"skipped {len(skipped)} row(s) ({skipped['date'].nunique()} launch day(s)) "
            "already recorded (duplicates)",
            highlight=False,
        )
    late = report.late
    if len(late):
        console.print(
            f"{late['date'].nunique()} launch day(s) after the end of the state timeline "
            f"({report.as_of:%Y-%m-%d}): code their state with "
            "'forecast data set-state START STATE --source TEXT'",
            highlight=False,
        )


@data_app.command("set-state")
def data_set_state(
    start: str = typer.Argument(..., help="First day (YYYY-MM-DD)."),
    state: str = typer.Argument(..., help="no_talks, stalled, active_talks or summitry."),
    source: str = typer.Option(..., "--source", help="Where the coding comes from."),
    end: str = typer.Option(
        None, "--end", help="Last day (default: the end of the last complete month)."
    ),
    events: str = typer.Option(None, "--events", help="Short summary of the defining events."),
    data_dir: Path = typer.Option(
        None,
        "--data-dir",
        help="Overlay folder to write (default: $FORECAST_DATA_DIR, else ./local-data).",
    ),
) -> None:
    """Code the negotiation state of a period in the overlay (extends or overrides)."""
    from forecast.data.overlay import overlay_for_writing, set_state

    report = set_state(overlay_for_writing(data_dir), start, state, source, end=end, events=events)
    console.print(
        f"{report.state} from {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d} written to "
        f"{report.path}; the state timeline now ends {report.as_of:%Y-%m-%d}",
        highlight=False,
    )


@data_app.command("add-exercise")
def data_add_exercise(
    name: str = typer.Argument(..., help="Exercise name, e.g. 'Freedom Shield 26'."),
    start: str = typer.Argument(..., help="First day (YYYY-MM-DD)."),
    end: str = typer.Argument(..., help="Last day (YYYY-MM-DD)."),
    source: str = typer.Option(..., "--source", help="Where the dates come from."),
    scale: str = typer.Option(
        "full", "--scale", help="full, reduced, simulation or suspended (called off)."
    ),
    approximate: bool = typer.Option(False, "--approximate", help="The dates are approximate."),
    data_dir: Path = typer.Option(
        None,
        "--data-dir",
        help="Overlay folder to write (default: $FORECAST_DATA_DIR, else ./local-data).",
    ),
) -> None:
    """Add a major US-ROK exercise to the overlay's exercise calendar."""
    from forecast.data.overlay import add_exercise, overlay_for_writing

    report = add_exercise(
        overlay_for_writing(data_dir),
        name,
        start,
        end,
        source,
        scale=scale,
        approximate=approximate,
    )
    console.print(
        f"{report.name} ({report.scale}) from {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d} "
        f"written to {report.path}; the exercise calendar is now coded to "
        f"{report.exercises_through:%Y-%m-%d}",
        highlight=False,
    )


@app.command("refit")
def refit(
    run_dir: Path = typer.Argument(..., help="Run folder made by 'forecast fit'."),
    out: Path = typer.Option(..., "--out", help="New run folder."),
    data_dir: Path = DATA_DIR_OPTION,
    until: str = typer.Option(
        None, "--until", help="Last training month (default: all data; the old until is dropped)."
    ),
    draws: int = typer.Option(None, "--draws", min=1, help="Draws per chain (default: as before)."),
    tune: int = typer.Option(None, "--tune", min=0, help="Tuning steps (default: as before)."),
    chains: int = typer.Option(None, "--chains", min=1, help="Chains (default: as before)."),
    scenarios: Path = typer.Option(
        None, "--scenarios", help="Scenario YAML to simulate from both fits and compare."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing run in --out."),
) -> None:
    """Refit a run's model on the data now available; write the run and what_changed.md/.html."""
    from forecast.data import load_tables, monthly_panel
    from forecast.data.overlay import read_source_log
    from forecast.ledger import make_forecast, read_forecast
    from forecast.outputs import output_dir
    from forecast.refit import REPORT_HTML, REPORT_MD, refit_model, render_html, what_changed
    from forecast.runs import check_new_run_dir, load_run

    if Path(out).resolve() == Path(run_dir).resolve():
        raise ConfigError("--out", "the new run would replace the old one", "choose another --out")
    check_new_run_dir(out, force=force, command="refit")
    _check_sampler(draws, tune, chains)
    _check_month("--until", until)
    scenario_set = None
    if scenarios is not None:
        from forecast.scenarios import load_scenarios

        scenario_set = load_scenarios(scenarios)
    old, record = load_run(run_dir)
    data_dir = _refit_data_dir(data_dir, record, run_dir)
    tables = load_tables(data_dir)
    seed = old.metadata().get("sampler", {}).get("random_seed", 1)
    with output_dir(out, "refit", force=force) as tmp:  # built beside --out, swapped in whole
        run = refit_model(
            old,
            monthly_panel(tables),
            until=until,
            out=tmp,
            extra={"data_dir": _recorded(data_dir), "refit_of": str(Path(run_dir).resolve())},
            progress=True,
            draws=draws,
            tune=tune,
            chains=chains,
        )
        new, new_forecast, seconds = run.model, run.forecast, run.seconds
        _print_caveats(tables, new.training)
        old_forecast = read_forecast(run_dir) or make_forecast(old, seed=seed)
        md = what_changed(
            old,
            new,
            tables,
            old_forecast,
            new_forecast,
            run_dir,
            out,
            scenarios=scenario_set,
            sources=read_source_log(data_dir),
        )
        from forecast.data.tables import write_atomic

        write_atomic(tmp / REPORT_MD, md)
        write_atomic(tmp / REPORT_HTML, render_html(md, title=f"What changed: {Path(out).name}"))
    console.print(
        f"[bold]{new.name}[/] refitted on {len(new.training)} months "
        f"(was {len(old.training)}) in {seconds:.0f} s"
    )
    style = "green" if new.diagnostics.passed else "bold red"
    console.print(f"Diagnostics: [{style}]{new.diagnostics.verdict()}[/]", highlight=False)
    console.print(f"run written: {out}; report: {Path(out) / REPORT_MD}")


def _refit_data_dir(data_dir: Path | None, record: dict, run_dir: Path) -> Path | None:
    """The overlay a refit reads: ``--data-dir``/``$FORECAST_DATA_DIR`` if given, else the
    one the old run recorded (if it still exists), never silently none.
    """
    import os

    from forecast.data.overlay import ENV_VAR

    if data_dir is not None or os.environ.get(ENV_VAR):
        return _data_dir(data_dir)
    recorded = record.get("data_dir") or ""
    if not isinstance(recorded, str) or not recorded:
        return _data_dir(None)
    if Path(recorded).is_dir():
        console.print(
            f"using the overlay data folder the old run was fitted with: {recorded} "
            "(pass --data-dir to choose another)",
            highlight=False,
        )
        return Path(recorded)
    raise ConfigError(
        "--data-dir",
        f"the old run {run_dir} was fitted with the overlay data folder {recorded}, which no "
        "longer exists; refitting without it would silently drop its data",
        f"restore that folder, or pass --data-dir DIR (--data-dir {BUNDLED_DATA_DIR} for the "
        "bundled data only)",
    )


@app.command("questions")
def questions_command(
    run_dir: Path = typer.Argument(..., help="Run folder made by 'forecast fit'."),
    config: Path = typer.Option(
        ..., "--config", help="Question file (YAML), e.g. questions/2026.yaml."
    ),
    out: Path = typer.Option(..., "--out", help="Output folder (new or empty; see --force)."),
    draws: int = typer.Option(None, "--draws", min=1, help="Draws (default: the posterior's)."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    force: bool = typer.Option(
        False, "--force", help="Replace earlier 'forecast questions' outputs in --out."
    ),
) -> None:
    """Answer forecast questions from a run, all things considered (states follow the run's
    transition model); freeze the answers for the ledger's track record."""
    import json

    import matplotlib.pyplot as plt

    from forecast.outlook import ANSWERS_FILE, answer_questions, freeze_answers, outlook_tables
    from forecast.outputs import check_output_dir, output_dir, write_text_atomic
    from forecast.plots import plot_state_probabilities
    from forecast.questions import load_questions, plot_answers
    from forecast.runs import load_outlook, load_run

    check_output_dir(out, "questions", force=force)
    _check_sampler(seed=seed)
    questions = load_questions(config)
    model, _ = load_run(run_dir)
    outlook = load_outlook(run_dir)
    answers, outcomes, sim = answer_questions(model, outlook, questions, seed, draws)
    tables = outlook_tables(sim)
    record = freeze_answers(answers, outcomes, config, run_dir, seed)
    with output_dir(out, "questions", force=force) as tmp:
        answers.to_csv(tmp / "answers.csv", index=False, float_format="%.4g")
        tables["states"].to_csv(tmp / "states.csv", index=False, float_format="%.4g")
        tables["totals"].to_csv(tmp / "outlook.csv", index=False, float_format="%.4g")
        write_text_atomic(tmp / ANSWERS_FILE, json.dumps(record) + "\n")
        for name, draw in (
            ("answers.png", lambda: plot_answers(answers)[0].figure),
            ("states.png", lambda: plot_state_probabilities(tables["states"]).figure),
        ):
            fig = draw()
            fig.savefig(tmp / name, dpi=110, bbox_inches="tight")
            plt.close(fig)
    table = Table(title=f"Answers from {model.name} (data to {answers['data_as_of'].iloc[0]})")
    for name in ("question", "type", "answer"):
        table.add_column(name)
    for row in answers.itertuples(index=False):
        if row.probability == row.probability:
            text = f"{row.probability:.0%}"
        elif row.answer_type == "date":
            text = f"median {row.q50} (80%: {row.q10} to {row.q90}; none {row.p_none:.0%})"
        else:
            text = f"{row.mean:.1f} (80%: {row.q10:g} to {row.q90:g})"
        table.add_row(row.question, row.type, text)
    console.print(table)
    console.print(f"written: {out}")


@app.command("ledger")
def ledger_cmd(
    runs: Path = typer.Option(Path("runs"), "--runs", help="Folder of run folders."),
    answers: Path = typer.Option(
        None,
        "--answers",
        help="Folder of 'forecast questions' outputs (default: ./answers if it exists).",
    ),
    data_dir: Path = DATA_DIR_OPTION,
) -> None:
    """List runs with their frozen forecasts, and answered questions, scored on the data since."""
    from forecast.data import load_tables, monthly_panel
    from forecast.ledger import answers_ledger, ledger

    panel = monthly_panel(load_tables(_data_dir(data_dir)))
    if answers is not None or Path("answers").is_dir():
        _print_answers(answers_ledger(answers or Path("answers"), panel), answers or "answers")
    table = ledger(runs, panel)
    if table.empty:
        console.print(f"no runs in {runs}")
        return
    out = Table(title=f"Forecast ledger ({runs}): persist scenario, 12 months")
    headers = ["run", "model", "target", "months", "observed", "CRPS", "Brier", "in 80%", "status"]
    for name in headers:
        out.add_column(name, justify="right" if name in ("observed", "CRPS", "Brier") else "left")

    def fmt(value, spec):
        return "" if value is None or value != value else format(value, spec)

    for row in table.itertuples(index=False):
        months = (
            "" if row.first_month != row.first_month else f"{row.first_month}..{row.last_month}"
        )
        out.add_row(
            row.run,
            fmt(row.model, ""),
            fmt(row.target, ""),
            months,
            fmt(row.observed, ".0f"),
            fmt(row.crps, ".3f"),
            fmt(row.brier_any, ".3f"),
            "" if row.in_80 != row.in_80 else f"{row.in_80:.0f}/{row.observed:.0f}",
            row.status,
        )
    wide = Console(width=max(console.width, 150)) if not console.is_terminal else console
    wide.print(out)


def _print_answers(table, folder) -> None:
    """The track record of answered questions."""
    out = Table(title=f"Track record of answered questions ({folder})")
    for name in ("folder", "question", "type", "answer", "status", "outcome", "Brier", "CRPS"):
        out.add_column(name)

    def fmt(value, spec):
        if value is None or value != value:
            return ""
        return format(value, spec) if isinstance(value, int | float) else str(value)

    for row in table.itertuples(index=False):
        out.add_row(
            row.folder,
            row.question,
            row.type,
            fmt(row.answer, ".2f"),
            row.status,
            fmt(row.outcome, ""),
            fmt(row.brier, ".3f"),
            fmt(row.crps, ".2f"),
        )
    resolved = table[table["status"] == "resolved"]
    console.print(out)
    if len(resolved):
        console.print(
            f"{len(resolved)} resolved: mean Brier {resolved['brier'].mean():.3f} "
            f"({resolved['brier'].notna().sum()} binary), mean CRPS {resolved['crps'].mean():.2f}",
            highlight=False,
        )


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; known errors become one ``error:`` line and exit code 2.

    Usage errors exit 2 with click's message and ``--help`` exits 0 (click's standalone
    mode). An :class:`InputError` prints its message (file, where, problem, fix). OS,
    decoding and parser errors that escaped the commands' own checks are reported with
    the file they carry (:func:`describe_error`). Any other exception is a bug in
    forecast: one ``internal error`` line and exit code 1 (set ``FORECAST_DEBUG=1`` for the
    traceback).
    """
    import os

    try:
        app(args=argv, prog_name="forecast")
    except SystemExit:
        raise
    except Exception as err:  # noqa: BLE001 - the one place that turns errors into exit codes
        if os.environ.get("FORECAST_DEBUG"):
            raise
        message, code = describe_error(err)
        label = "error" if code == 2 else "internal error"
        err_console.print(f"[bold red]{label}:[/] {message}", highlight=False, soft_wrap=True)
        sys.exit(code)


def describe_error(err: BaseException) -> tuple[str, int]:
    """The message and exit code of an exception that reached :func:`main`.

    Returns
    -------
    message : str
        For bad input: the file, the problem and the fix.
    code : int
        2 for bad input (anything the user can fix), 1 for a bug in forecast.
    """
    import json

    if isinstance(err, InputError):
        return str(err), 2
    if isinstance(err, OSError):
        where = err.filename if err.filename is not None else "a file or folder"
        if getattr(err, "filename2", None):
            where = f"{where} -> {err.filename2}"
        return (
            f"{where}: {err.strerror or err}. Fix: check that the path exists, is a file or "
            "folder as expected, and that you may read (or write) it; nothing was replaced",
            2,
        )
    if isinstance(err, UnicodeError):
        return f"a file is not UTF-8 text ({err}). Fix: save it as UTF-8", 2
    if isinstance(err, json.JSONDecodeError):
        return f"a JSON file is damaged ({err}). Fix: restore it or re-create it", 2
    pandas_errors = sys.modules.get("pandas.errors")
    parser = (pandas_errors.ParserError, pandas_errors.EmptyDataError) if pandas_errors else ()
    if parser and isinstance(err, parser):
        return f"a CSV file cannot be parsed ({err}). Fix: check its quoting and separators", 2
    yaml = sys.modules.get("yaml")
    if yaml is not None and isinstance(err, yaml.YAMLError):
        return f"a YAML file cannot be parsed ({err}). Fix: check its indentation and colons", 2
    if isinstance(err, MemoryError):
        return (
            "out of memory. Fix: use smaller settings (--draws, --chains, horizon, number of "
            "scenarios)",
            2,
        )
    return (
        f"{type(err).__name__}: {err}. This is a bug in forecast, not in your input: please "
        "report it with the command line (FORECAST_DEBUG=1 shows the traceback)",
        1,
    )


if __name__ == "__main__":  # pragma: no cover
    main()
