"""``forecast sensitivity``: declared and checked here, done in
:mod:`forecast.cli.sensitivity_work`.

Every option, the output folder, the alternatives file, the scenario file and the data are
checked before any model is loaded (a bad alternatives row is refused with its file, line and
fix, exit code 2, nothing written); the work module loads the modelling layers.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from forecast.catalog import resolve_sampler
from forecast.cli import checks
from forecast.coding_alternatives import check_alternatives, load_alternatives, select_alternatives
from forecast.constants import SHIPPED_SCENARIOS
from forecast.data import load_tables
from forecast.errors import ConfigError
from forecast.outputs import check_output_dir
from forecast.scenarios import load_scenarios
from forecast.sensitivity import check_state_model

app = typer.Typer(rich_markup_mode=None)


def _work():
    """The module that does the work (it loads PyMC and ArviZ): imported once the checks
    pass."""
    return importlib.import_module("forecast.cli.sensitivity_work")


@app.command("sensitivity")
def sensitivity(
    out: Path = typer.Option(
        ..., "--out", help="Output folder (sensitivity.csv, sensitivity.md, settings.json)."
    ),
    model: str = typer.Option(
        "default",
        "--model",
        help="default (the best in the evaluation) or another model with state effects.",
    ),
    seed: int = typer.Option(1, "--seed", help=checks.SEED_HELP),
    only: str = typer.Option(
        None, "--only", help="Comma-separated alternative ids to refit (default: all)."
    ),
    alternatives: Path = typer.Option(
        None,
        "--alternatives",
        help="CSV of alternative codings (default: datasets/coding_alternatives.csv).",
    ),
    scenarios: Path = typer.Option(
        None,
        "--scenarios",
        help="Scenario YAML simulated from each fit (default: scenarios/current.yaml).",
    ),
    preset: str = typer.Option(
        "full", "--preset", help="Sampler preset of every fit: full (4 x 1000 draws) or fast."
    ),
    draws: int = typer.Option(None, "--draws", help="Draws per chain (default: preset)."),
    tune: int = typer.Option(None, "--tune", help="Tuning steps (default: preset)."),
    chains: int = typer.Option(None, "--chains", help="Chains (default: preset)."),
    data_dir: Path = checks.DATA_DIR_OPTION,
    force: bool = typer.Option(
        False, "--force", help="Replace earlier 'forecast sensitivity' outputs in --out."
    ),
) -> None:
    """Refit a model with each documented alternative coding of the negotiation states;
    tabulate the headline numbers they move.

    The alternatives are those of datasets/CODING_NOTES.md ("Alternatives a user might
    prefer"), listed in datasets/coding_alternatives.csv. Each is applied in memory only;
    nothing is written to datasets/ or the overlay folder.
    """
    check_output_dir(out, "sensitivity", force=force)
    checks.check_sampler(draws, tune, chains, seed)
    sampler = resolve_sampler(preset, draws=draws, tune=tune, chains=chains)
    name = check_state_model(model)
    ids = checks.split_list(only)
    if only is not None and not ids:
        raise ConfigError(
            "--only", "no alternative id given", "name one or more ids, or leave --only out for all"
        )
    chosen = select_alternatives(load_alternatives(alternatives), ids)
    spec = load_scenarios(scenarios if scenarios is not None else SHIPPED_SCENARIOS)
    folder = checks.data_dir(data_dir)
    tables = load_tables(folder)
    check_alternatives(chosen, tables)
    _work().sensitivity(
        out,
        tables,
        folder,
        name,
        seed,
        sampler,
        chosen,
        spec,
        force=force,
    )
