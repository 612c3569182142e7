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

#: Registered model names (kept in step with forecast.models.REGISTRY by a test).
MODEL_NAMES = ("constant_rate", "recent_rate", "state_rate", "self_exciting", "class_hierarchical")

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
        raise ConfigError(
            "--since", f"{since} is before the panel start (1990)", "use 1990 or later"
        )
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


@app.command("fit")
def fit(
    out: Path = typer.Option(..., "--out", help="Run folder to write (fit.nc, run.json)."),
    model: str = typer.Option("state_rate", "--model", help=f"One of: {', '.join(MODEL_NAMES)}."),
    target: str = typer.Option(
        "launch_days", "--target", help="launch_days, missiles or csis_missile_events."
    ),
    since: str = typer.Option(None, "--since", help="First training month (YYYY-MM)."),
    until: str = typer.Option(None, "--until", help="Last training month (YYYY-MM[-DD])."),
    draws: int = typer.Option(1000, "--draws", min=1, help="Posterior draws per chain."),
    tune: int = typer.Option(1000, "--tune", min=0, help="Tuning steps per chain."),
    chains: int = typer.Option(4, "--chains", min=1, help="Chains."),
    seed: int = typer.Option(1, "--seed", help="Random seed for every random step."),
    sampler: str = typer.Option("pymc", "--sampler", help="pymc, nutpie or numpyro."),
    priors: Path = typer.Option(None, "--priors", help="YAML file of prior overrides."),
    data_dir: Path = typer.Option(None, "--data-dir", help="Data folder."),
    force: bool = typer.Option(False, "--force", help="Replace an existing run in --out."),
) -> None:
    """Fit a model, print the diagnostics verdict and state effects, save the run."""
    import time
    import warnings

    from forecast.data import load_tables, monthly_panel
    from forecast.models import get_model
    from forecast.runs import check_new_run_dir, save_run

    check_new_run_dir(out, force=force)
    overrides = _read_priors(priors)
    for label, value in (("--since", since), ("--until", until)):
        _check_month(label, value)
    m = get_model(model, priors=overrides, target=target, since=since, until=until)
    m.build(monthly_panel(load_tables(data_dir)))
    started = time.perf_counter()
    with warnings.catch_warnings():  # the verdict is printed below, in plain words
        warnings.simplefilter("ignore", RuntimeWarning)
        m.fit(draws=draws, tune=tune, chains=chains, random_seed=seed, nuts_sampler=sampler)
    seconds = time.perf_counter() - started
    save_run(m, out, extra={"fit_seconds": round(seconds, 1), "data_dir": str(data_dir or "")})
    console.print(f"[bold]{m.name}[/] on {len(m.training)} months, fitted in {seconds:.0f} s")
    style = "green" if m.diagnostics.passed else "bold red"
    console.print(f"Diagnostics: [{style}]{m.diagnostics.verdict()}[/]", highlight=False)
    if "state_effect" in m.idata.posterior:
        _print_effects(m.state_effects())
    console.print(f"run written: {out}")


def _check_month(label: str, value: str | None) -> None:
    import pandas as pd

    if value is None:
        return
    try:
        pd.Timestamp(value)
    except ValueError:
        raise ConfigError(label, f"not a month: {value!r}", "write YYYY-MM or YYYY-MM-DD") from None


def _read_priors(path: Path | None) -> dict | None:
    import yaml

    if path is None:
        return None
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(
            path, f"cannot read the priors file ({err})", "write a YAML mapping"
        ) from None
    if not isinstance(loaded, dict):
        raise ConfigError(
            path, "the priors file is not a mapping", "e.g. state_effect: {sigma: 0.5}"
        )
    return loaded


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
    out: Path = typer.Option(..., "--out", help="Output folder (replaced when complete)."),
    draws: int = typer.Option(None, "--draws", min=1, help="Posterior draws (default: all)."),
    seed: int = typer.Option(1, "--seed", help="Random seed shared by every scenario."),
) -> None:
    """Simulate each scenario of a YAML file from a fitted run; write tables and figures."""
    from forecast.runs import load_run
    from forecast.scenarios import load_scenarios, simulate_scenarios, write_scenario_outputs

    spec = load_scenarios(config)
    model, _ = load_run(run_dir)
    ds = simulate_scenarios(model, spec, random_seed=seed, draws=draws)
    tables = write_scenario_outputs(ds, model.training, out)
    summary = tables["summary"]
    table = Table(
        title=f"Totals over {spec.horizon} months from {ds.attrs['start']} ({model.name})"
    )
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
    console.print(f"written: {out}")


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
