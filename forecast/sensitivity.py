"""Coding sensitivity: the headline numbers refitted with each documented alternative coding.

The alternative codings of the negotiation states, and how one is applied in memory, are
:mod:`forecast.coding_alternatives`'.

What is compared
----------------
:func:`coding_sensitivity` fits one model with state effects (default: the default model)
on the panel as coded and on the panel with each alternative applied. Each fit is made the
one way (:func:`forecast.runs.fit_run`, a sampler preset of :data:`forecast.catalog.PRESETS`);
its outlook models are fitted on the same panel (:func:`forecast.runs.fit_outlook`, so the
state transitions follow the re-coded timeline); the standard scenarios
(:data:`forecast.constants.SHIPPED_SCENARIOS`, the report's outlook) are simulated from it
(:func:`forecast.scenarios.simulate_scenarios`) and summarised
(:func:`forecast.summaries.totals`). One seed drives every fit and every simulation: the same
seed gives the same table. A model fitted from a later month than an alternative's (the
default model is fitted from 2005) sees the same data with and without it, so its fit is the
same; only the transition model, fitted on every coded month, moves.

The table
---------
One row per fit, ``as_coded`` first, then the alternatives in file order:

``alternative, label, start, end, state``
    The alternative (empty dates and state on the ``as_coded`` row).
``replaces``
    The coded state(s) of the days it re-codes.
``days_recoded, months_recoded, days_recoded_in_fit``
    Days whose state changes, panel months whose (majority) state changes, and changed days
    inside the fitted months.
``model, fitted_from, fitted_to, last_state, passed``
    The model, its first and last fitted months, the state of the last fitted month (where
    the scenarios start) and the fit's diagnostics verdict.
``rr_<state>`` (``rr_<state>_<class>`` for a model with weapon classes)
    Posterior mean rate ratio of each state against ``no_talks``.
``<scenario>_mean, <scenario>_median, <scenario>_q10, <scenario>_q90``
    The total of launch days over each standard scenario's horizon: mean, median and the
    80 % interval.
``<column>_diff``
    For the rate ratios, means and medians: the alternative minus as coded. One sign
    convention: ``+`` means more launch days (a higher rate ratio) than as coded.

``table.attrs`` holds the settings (model, seed, sampler, scenario labels, files).
:func:`read_sensitivity` reads a written panel back; what it shows, in sentences and for the
report, is :mod:`forecast.sensitivity_findings`'. Checking the model needs no modelling
layer (the command refuses a bad option before loading PyMC); :func:`coding_sensitivity`
imports the models only when it fits.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from forecast.catalog import Sampler, check_name, preset_name, resolve_sampler, state_models
from forecast.coding_alternatives import (
    AS_CODED,
    check_alternatives,
    load_alternatives,
    project_path,
    recode,
    select_alternatives,
    source_of,
)
from forecast.constants import REFERENCE_STATE, SHIPPED_SCENARIOS
from forecast.data import load_tables
from forecast.data.panel import Tables, daily_states, monthly_panel
from forecast.errors import ConfigError
from forecast.progress import task_bar
from forecast.scenarios import ScenarioSet, load_scenarios, scenario_months, simulate_scenarios
from forecast.summaries import totals

#: Id of the row that refits the coding as it is with another seed: how far a refit moves the
#: numbers by chance alone (the noise floor the alternatives' differences are read against).
ANOTHER_SEED = "another_seed"

#: Files a ``forecast sensitivity`` folder holds.
TABLE_FILE, MARKDOWN_FILE, SETTINGS_FILE = "sensitivity.csv", "sensitivity.md", "settings.json"


# --- the refits -------------------------------------------------------------------------------


def check_state_model(model: str, option: str = "--model") -> str:
    """The registered name of ``model`` (``default`` resolved), refused without state effects."""
    name = check_name(model, option)
    if name not in state_models():
        usable = ", ".join(state_models())
        raise ConfigError(option, f"{model} has no state effect", f"use default or one of {usable}")
    return name


def _rate_ratios(effects: pd.DataFrame) -> dict[str, float]:
    """``rr_<state>`` (``rr_<state>_<class>``): posterior mean rate ratios against no talks."""
    out = {}
    for row in effects[effects["state"] != REFERENCE_STATE].to_dict("records"):
        suffix = f"_{str(row['weapon_class']).lower()}" if "weapon_class" in row else ""
        out[f"rr_{row['state']}{suffix}"] = float(row["rate_ratio_mean"])
    return out


def _scenario_totals(table: pd.DataFrame) -> dict[str, float]:
    """``<scenario>_mean``, ``_median``, ``_q10``, ``_q90`` of a :func:`totals` table."""
    out = {}
    for row in table.to_dict("records"):
        for stat in ("mean", "median", "q10", "q90"):
            out[f"{row['scenario']}_{stat}"] = float(row[stat])
    return out


def fit_numbers(
    panel: pd.DataFrame, model: str, sampler: Sampler, seed: int, scenarios: ScenarioSet
) -> dict:
    """Fit ``model`` on ``panel`` and return the numbers the sensitivity table compares.

    Parameters
    ----------
    panel : DataFrame
        A monthly panel (as coded, or with an alternative applied).
    model : str
        A registered model with state effects.
    sampler : Sampler
        The sampler settings (:func:`forecast.catalog.resolve_sampler`).
    seed : int
        Seed of the fit, the outlook models and the simulations.
    scenarios : ScenarioSet
        The scenarios simulated from the fit.

    Returns
    -------
    dict
        ``model, fitted_from, fitted_to, last_state, passed``, the ``rr_*`` rate ratios and
        the ``<scenario>_<stat>`` totals.
    """
    # here, not at the top: the models and runs load PyMC, which the command's checks do not need
    from forecast.models import get_model
    from forecast.runs import fit_outlook, fit_run

    fitted = fit_run(get_model(model), panel, sampler, seed=seed).model
    forecast = simulate_scenarios(fitted, scenarios, random_seed=seed, outlook=fit_outlook(fitted))
    training = fitted.training
    return {
        "model": fitted.name,
        "fitted_from": f"{pd.Timestamp(training['month'].iloc[0]):%Y-%m}",
        "fitted_to": str(fitted.last_month),
        "last_state": str(training["state"].iloc[-1]),
        "passed": bool(fitted.diagnostics.passed),
        **_rate_ratios(fitted.state_effects()),
        **_scenario_totals(totals(forecast).table),
    }


def _changes(tables: Tables, row, coded: pd.DataFrame, panel: pd.DataFrame, fitted_from) -> dict:
    """What an alternative re-codes: the states it replaces, days and months changed."""
    days = daily_states(tables, row.start, row.end)
    changed = days[days != row.state]
    in_fit = changed[changed.index >= pd.Timestamp(fitted_from)]
    return {
        "replaces": ", ".join(dict.fromkeys(changed.astype(str))),
        "days_recoded": int(len(changed)),
        "months_recoded": int((coded["state"] != panel["state"]).sum()),
        "days_recoded_in_fit": int(len(in_fit)),
    }


@contextlib.contextmanager
def _refit_progress(enabled: bool, total: int) -> Iterator:
    """A rich progress bar over the refits (on stderr; one line per refit in a log file)."""
    bar = task_bar(enabled)
    with bar:
        task = bar.add_task("Refitting", total=total, last="")
        log = enabled and not bar.console.is_terminal

        def done(name: str) -> None:
            bar.update(task, advance=1, last=name)
            if log:
                finished = int(bar.tasks[0].completed)
                bar.console.print(f"refits: {finished}/{total} done ({name})", markup=False)

        yield done


def _scenario_set(scenarios: ScenarioSet | str | Path | None) -> ScenarioSet:
    if isinstance(scenarios, ScenarioSet):
        return scenarios
    return load_scenarios(scenarios if scenarios is not None else SHIPPED_SCENARIOS)


def coding_sensitivity(
    model: str = "default",
    seed: int = 1,
    *,
    tables: Tables | None = None,
    alternatives: pd.DataFrame | None = None,
    only: Sequence[str] | None = None,
    scenarios: ScenarioSet | str | Path | None = None,
    preset: str | Sampler | dict = "full",
    progress: bool = False,
    noise: bool = True,
    **changes,
) -> pd.DataFrame:
    """Fit ``model`` as coded and with each alternative coding; tabulate the headline numbers.

    Parameters
    ----------
    model : str
        A registered model with state effects (``default``: the default model).
    seed : int
        Seed of every fit, outlook model and simulation.
    tables : Tables, optional
        The tables as coded (default: the bundled data, :func:`forecast.data.load_tables`).
    alternatives : DataFrame, optional
        From :func:`load_alternatives` (default: the shipped file).
    only : sequence of str, optional
        Ids of the alternatives to refit (default: all).
    scenarios : ScenarioSet or path, optional
        The scenarios simulated from each fit (default:
        :data:`forecast.constants.SHIPPED_SCENARIOS`).
    preset : str, Sampler or dict
        Sampler preset of every fit (:func:`forecast.catalog.resolve_sampler`).
    progress : bool
        Show a progress bar over the refits (on stderr).
    noise : bool
        Also refit the coding as it is with ``seed + 1`` (the row ``another_seed``): its
        differences from ``as_coded`` are what a refit moves by chance alone.
    **changes
        Sampler settings changed from the preset (``draws``, ``tune``, ``chains``).

    Returns
    -------
    DataFrame
        One row per fit, ``as_coded`` first (columns in the module docstring).
    """
    name = check_state_model(model)
    if tables is None:
        tables = load_tables()
    alternatives = load_alternatives() if alternatives is None else alternatives
    chosen = select_alternatives(alternatives, only)
    check_alternatives(chosen, tables)
    scenario_set = _scenario_set(scenarios)
    sampler = resolve_sampler(preset, **changes)
    coded = monthly_panel(tables)
    first = pd.Period(coded["month"].iloc[-1], "M") + 1
    _, start = scenario_months(scenario_set, first)  # a month the fits cannot use: before any fit
    rows = []
    with _refit_progress(progress, len(chosen) + 1 + noise) as done:
        numbers = fit_numbers(coded, name, sampler, seed, scenario_set)
        rows.append({"alternative": AS_CODED, "label": "As coded", **numbers})
        done(AS_CODED)
        if noise:
            numbers = fit_numbers(coded, name, sampler, seed + 1, scenario_set)
            label = "As coded, another seed (the noise of a refit)"
            rows.append({"alternative": ANOTHER_SEED, "label": label, **numbers})
            done(ANOTHER_SEED)
        for row in chosen.itertuples(index=False):
            panel = monthly_panel(recode(tables, row.start, row.end, row.state, row.label))
            numbers = fit_numbers(panel, name, sampler, seed, scenario_set)
            rows.append(
                {
                    "alternative": row.id,
                    "label": row.label,
                    "start": f"{row.start:%Y-%m-%d}",
                    "end": f"{row.end:%Y-%m-%d}",
                    "state": row.state,
                    **_changes(tables, row, coded, panel, numbers["fitted_from"]),
                    **numbers,
                }
            )
            done(row.id)
    table = _with_differences(_ordered(pd.DataFrame(rows)))
    # a label names the last state only when every fit ends in the same one: an alternative
    # that recodes the last months persists another state than the as-coded fit
    ends = set(table["last_state"])
    last = ends.pop() if len(ends) == 1 else "each fit's own"
    table.attrs.update(
        model=name,
        seed=int(seed),
        sampler=_suited(name, sampler).to_dict(),
        preset=preset_name(sampler),  # "custom" when draws, tuning or chains were changed
        scenarios=_labels(scenario_set.resolved(start, last)),
        scenario_file=project_path(scenario_set.source) if scenario_set.source else "",
        alternatives_file=source_of(chosen),
    )
    return table


def _suited(name: str, sampler: Sampler) -> Sampler:
    """The settings the fits used: ``sampler`` with the model's own settings over it."""
    from forecast.models import get_model  # the models load only when the command fits

    return get_model(name).suited_sampler(sampler)


def _labels(scenario_set: ScenarioSet) -> dict[str, str]:
    """Each scenario's label, by name."""
    return {name: s.label for name, s in scenario_set.scenarios.items()}


# --- the table ------------------------------------------------------------------------------

#: The descriptive columns, in order (the numbers follow).
_FRONT = (
    "alternative",
    "label",
    "start",
    "end",
    "state",
    "replaces",
    "days_recoded",
    "months_recoded",
    "days_recoded_in_fit",
    "model",
    "fitted_from",
    "fitted_to",
    "last_state",
    "passed",
)


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    """The descriptive columns first (the ``as_coded`` row: empty text, no day re-coded)."""
    for column in _FRONT:
        if column not in table:
            table[column] = pd.NA
    text = ["start", "end", "state", "replaces"]
    table[text] = table[text].fillna("")
    counts = ["days_recoded", "months_recoded", "days_recoded_in_fit"]
    table[counts] = table[counts].fillna(0).astype(int)
    rest = [c for c in table.columns if c not in _FRONT]
    return table[[*_FRONT, *rest]]


def _with_differences(table: pd.DataFrame) -> pd.DataFrame:
    """Each rate ratio, mean and median followed by its ``_diff`` from the ``as_coded`` row."""
    out = table.copy()
    base = table.iloc[0]
    for column in [c for c in table.columns if _differenced(c, table)]:
        position = out.columns.get_loc(column) + 1
        out.insert(position, f"{column}_diff", table[column] - base[column])
    return out


def _differenced(column: str, table: pd.DataFrame) -> bool:
    return column in ratio_columns(table) or any(
        column == f"{s}_{stat}" for s in scenario_keys(table) for stat in ("mean", "median")
    )


def ratio_columns(table: pd.DataFrame) -> list[str]:
    """The rate-ratio columns of a sensitivity table (``rr_*``, without the differences)."""
    return [c for c in table.columns if c.startswith("rr_") and not c.endswith("_diff")]


def scenario_keys(table: pd.DataFrame) -> list[str]:
    """The scenarios of a sensitivity table, in its column order."""
    return [c.removesuffix("_q90") for c in table.columns if c.endswith("_q90")]


# --- reading a written panel ------------------------------------------------------------------


def read_sensitivity(folder: str | Path) -> pd.DataFrame:
    """A panel written by ``forecast sensitivity`` (e.g. ``docs/sensitivity``), with its
    settings in ``attrs`` (from ``settings.json`` when present)."""
    folder = Path(folder)
    path = folder / TABLE_FILE
    if not path.is_file():
        raise ConfigError(
            str(folder),
            f"no {TABLE_FILE} in {folder}",
            "point at a folder written by 'forecast sensitivity' (make sensitivity writes "
            "docs/sensitivity)",
        )
    text = ["alternative", "label", "start", "end", "state", "replaces", "last_state"]
    table = pd.read_csv(path, dtype={c: str for c in text}, keep_default_na=False)
    settings = folder / SETTINGS_FILE
    if settings.is_file():
        table.attrs.update(json.loads(settings.read_text(encoding="utf-8")))
    return table
