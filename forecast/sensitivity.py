"""Coding sensitivity: the headline numbers refitted with each documented alternative coding.

The negotiation states of ``datasets/negotiation_states.csv`` are coded by hand, and
``datasets/CODING_NOTES.md`` ("Alternatives a user might prefer") lists the calls that could
go the other way. ``datasets/coding_alternatives.csv`` holds them machine-readably, one row
per alternative (:data:`ALTERNATIVES`): the days ``start..end`` (both included) re-coded as
``state``, a short ``label``, and a ``note`` quoting the bullet of CODING_NOTES.md it comes
from (a test keeps the two in step). :func:`load_alternatives` validates the file on load and
:func:`check_alternatives` against the state timeline; a bad row raises
:class:`~forecast.errors.DataError` naming the file, the line and the fix.

How an alternative is applied
-----------------------------
In memory only: :func:`recode` lays the alternative's period over the state timeline the way
an overlay period is laid over the bundled one (:func:`forecast.data.overlay.merge_periods`),
and the panel is rebuilt from the re-coded tables (:func:`forecast.data.monthly_panel`), so
its monthly ``state`` and its day-by-day ``day_states`` agree. Nothing is written to
``datasets/`` or to an overlay folder.

What is compared
----------------
:func:`coding_sensitivity` fits one model with state effects (default: the default model)
on the panel as coded and on the panel with each alternative applied. Each fit is made the
one way (:func:`forecast.runs.fit_run`, a sampler preset of :data:`forecast.catalog.PRESETS`);
its outlook models are fitted on the same panel (:func:`forecast.runs.fit_outlook`, so the
state transitions follow the re-coded timeline); the standard scenarios
(:data:`STANDARD_SCENARIOS`, the report's outlook) are simulated from it
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

Presenting
----------
:func:`sensitivity_findings` says what the table shows in sentences computed from it,
:func:`sensitivity_html` renders it for the report and :func:`sensitivity_markdown` for
``sensitivity.md``; :func:`read_sensitivity` reads a written panel back. Loading and checking
the alternatives needs no modelling layer (the command refuses a bad file before loading
PyMC); :func:`coding_sensitivity` imports the models only when it fits.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from forecast.catalog import MODELS, Sampler, check_name, resolve_sampler
from forecast.constants import (
    BUNDLED_DATA_DIR,
    EARLIEST_STATE_DATE,
    PROJECT_DIR,
    REFERENCE_STATE,
    STATES,
)
from forecast.data.overlay import merge_periods
from forecast.data.panel import Tables, daily_states, monthly_panel
from forecast.data.tables import DATE, TEXT, TableSpec, read_table
from forecast.errors import ConfigError, DataError
from forecast.present import markdown_text
from forecast.scenarios import ScenarioSet, load_scenarios, simulate_scenarios
from forecast.summaries import totals

#: The shipped alternatives (CODING_NOTES.md, "Alternatives a user might prefer").
ALTERNATIVES_FILE = BUNDLED_DATA_DIR / "coding_alternatives.csv"

#: The standard scenarios: the report's outlook (``forecast.report.build.CURRENT_SCENARIOS``).
STANDARD_SCENARIOS = PROJECT_DIR / "scenarios" / "current.yaml"

#: The row of the timeline as coded (a reserved alternative id).
AS_CODED = "as_coded"

#: Id of the row that refits the coding as it is with another seed: how far a refit moves the
#: numbers by chance alone (the noise floor the alternatives' differences are read against).
ANOTHER_SEED = "another_seed"

#: Files a ``forecast sensitivity`` folder holds.
TABLE_FILE, MARKDOWN_FILE, SETTINGS_FILE = "sensitivity.csv", "sensitivity.md", "settings.json"

#: An alternative id: what ``--only`` names (lower-case letters, digits, ``_``).
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

#: How states are named in sentences and headers.
_STATE_WORDS = {s: s.replace("_", " ") for s in STATES}


def _line(index: int) -> int:
    """File line of a row read with a header (the header is line 1)."""
    return int(index) + 2


def _check_rows(df: pd.DataFrame, path: str) -> None:
    """Ids usable with ``--only`` and periods that end on or after their start."""
    bad = df.index[~df["id"].str.match(_ID) | (df["id"] == AS_CODED)]
    if len(bad):
        raise DataError(
            path,
            f"not a usable alternative id: {df.loc[bad[0], 'id']!r}",
            "write an id of lower-case letters, digits and _ (a letter first, at most 40 "
            f"characters; {AS_CODED!r} names the timeline as coded)",
            rows=[_line(i) for i in bad],
            column="id",
        )
    backwards = df.index[df["end"] < df["start"]]
    if len(backwards):
        raise DataError(
            path,
            "the alternative ends before it starts",
            "correct 'start' and 'end' (both days are included, start <= end)",
            rows=[_line(i) for i in backwards],
            column="end",
        )


#: The contract of ``coding_alternatives.csv`` (checked by :func:`load_alternatives`).
ALTERNATIVES = TableSpec(
    name="coding_alternatives",
    filename="coding_alternatives.csv",
    columns={"id": TEXT, "start": DATE, "end": DATE, "state": STATES, "label": TEXT, "note": TEXT},
    key=("id",),
    checks=[_check_rows],
    description="Alternative codings of the negotiation states (CODING_NOTES.md).",
    earliest=EARLIEST_STATE_DATE,
)


# --- the alternatives -------------------------------------------------------------------------


def load_alternatives(path: str | Path | None = None, today=None) -> pd.DataFrame:
    """Read and validate a file of alternative codings.

    Parameters
    ----------
    path : str or Path, optional
        The CSV file (default: :data:`ALTERNATIVES_FILE`).
    today : date, optional
        Reference date for the "no future dates" rule.

    Returns
    -------
    DataFrame
        ``id, start, end, state, label, note`` typed, and ``line`` (the row's line in the
        file); ``attrs["source"]`` names the file.

    Raises
    ------
    DataError
        Naming the file, the line, the column and the fix.
    """
    path = Path(path) if path is not None else ALTERNATIVES_FILE
    if not path.exists() and not path.is_symlink():
        raise DataError(
            path,
            "file not found",
            "pass --alternatives with a CSV of columns id,start,end,state,label,note (the "
            "shipped one is datasets/coding_alternatives.csv)",
        )
    table = read_table(path, ALTERNATIVES, today=today)
    table["line"] = [_line(i) for i in table.index]
    table.attrs["source"] = str(path)
    return table


def _source(alternatives: pd.DataFrame) -> str:
    return _shown(alternatives.attrs.get("source", str(ALTERNATIVES_FILE)))


def _shown(path: str | Path) -> str:
    """A file of the project as a project-relative path (no machine's folders in the files
    kept in docs/), any other file as given."""
    try:
        return Path(path).resolve().relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return str(path)


def select_alternatives(alternatives: pd.DataFrame, only: Sequence[str] | None) -> pd.DataFrame:
    """The alternatives named in ``only`` (all when empty), in file order.

    Raises
    ------
    ConfigError
        Naming ``--only`` and the known ids when one is unknown.
    """
    if not only:
        return alternatives
    known = list(alternatives["id"])
    unknown = [i for i in only if i not in known]
    if unknown:
        raise ConfigError(
            "--only",
            f"unknown alternative(s) {unknown}",
            f"use ids of {_source(alternatives)}: {', '.join(known)} (the timeline as coded "
            "is always fitted)",
        )
    chosen = alternatives[alternatives["id"].isin(only)].reset_index(drop=True)
    chosen.attrs = dict(alternatives.attrs)
    return chosen


def check_alternatives(alternatives: pd.DataFrame, tables: Tables) -> None:
    """Refuse an alternative outside the coded timeline, or one that re-codes no day.

    Parameters
    ----------
    alternatives : DataFrame
        As returned by :func:`load_alternatives` (or :func:`select_alternatives`).
    tables : Tables
        The tables the alternatives are applied to (bundled, or with an overlay merged).

    Raises
    ------
    DataError
        Naming the alternatives file, the row's line, the column and the fix.
    """
    source = _source(alternatives)
    first, last = tables.negotiation_states["start"].min(), tables.as_of
    for row in alternatives.itertuples(index=False):
        line = getattr(row, "line", None)
        rows = [line] if line is not None else None
        span = f"{row.start:%Y-%m-%d}..{row.end:%Y-%m-%d}"
        if row.start < first or row.end > last:
            raise DataError(
                source,
                f"alternative {row.id!r} ({span}) runs outside the coded state timeline "
                f"({first:%Y-%m-%d}..{last:%Y-%m-%d})",
                "move its dates inside the timeline, or leave it out with --only",
                rows=rows,
                column="start" if row.start < first else "end",
            )
        if (daily_states(tables, row.start, row.end) == row.state).all():
            raise DataError(
                source,
                f"alternative {row.id!r} codes {span} as {row.state}, as the timeline already "
                "does (with the overlay folder, if any)",
                "change its state or dates, or leave it out with --only",
                rows=rows,
                column="state",
            )


def recode(tables: Tables, start, end, state: str, label: str = "coding alternative") -> Tables:
    """The tables with the days ``start..end`` re-coded as ``state`` (in memory only).

    The period replaces the coded state of its days as an overlay period would
    (:func:`forecast.data.overlay.merge_periods`); the other tables are shared, not copied.

    Parameters
    ----------
    tables : Tables
        The tables as coded.
    start, end : str or Timestamp
        First and last day re-coded (both included).
    state : str
        One of :data:`forecast.constants.STATES`.
    label : str
        Recorded as the period's ``defining_events`` and ``source``.

    Returns
    -------
    Tables
        A new :class:`~forecast.data.panel.Tables`; ``tables`` is left as it was.
    """
    period = pd.DataFrame(
        {
            "start": [pd.Timestamp(start)],
            "end": [pd.Timestamp(end)],
            "state": [state],
            "defining_events": [label],
            "source": [label],
        }
    )
    states = merge_periods(tables.negotiation_states, period, None, ALTERNATIVES.filename)
    return dataclasses.replace(tables, negotiation_states=states)


# --- the refits -------------------------------------------------------------------------------


def check_state_model(model: str, option: str = "--model") -> str:
    """The registered name of ``model`` (``default`` resolved), refused without state effects."""
    name = check_name(model, option)
    if not MODELS[name].states:
        usable = ", ".join(n for n, entry in MODELS.items() if entry.states)
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
    from forecast.models import get_model
    from forecast.runs import fit_outlook, fit_run

    fitted = fit_run(get_model(model), panel, sampler, seed=seed).model
    forecast = simulate_scenarios(fitted, scenarios, random_seed=seed, outlook=fit_outlook(fitted))
    training = fitted.training
    return {
        "model": fitted.name,
        "fitted_from": f"{pd.Timestamp(training['month'].iloc[0]):%Y-%m}",
        "fitted_to": f"{pd.Timestamp(training['month'].iloc[-1]):%Y-%m}",
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
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}", markup=False),
        console=Console(stderr=True),
        disable=not enabled,
    )
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
    return load_scenarios(scenarios if scenarios is not None else STANDARD_SCENARIOS)


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
        The scenarios simulated from each fit (default: :data:`STANDARD_SCENARIOS`).
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
        from forecast.data import load_tables

        tables = load_tables()
    alternatives = load_alternatives() if alternatives is None else alternatives
    chosen = select_alternatives(alternatives, only)
    check_alternatives(chosen, tables)
    scenario_set = _scenario_set(scenarios)
    sampler = resolve_sampler(preset, **changes)
    coded = monthly_panel(tables)
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
    table.attrs.update(
        model=name,
        seed=int(seed),
        sampler=sampler.to_dict(),
        preset=preset if isinstance(preset, str) else "custom",
        scenarios=dict(zip(scenario_set.names, _labels(scenario_set), strict=True)),
        scenario_file=_shown(scenario_set.source) if scenario_set.source else "",
        alternatives_file=_source(chosen),
    )
    return table


def _labels(scenario_set: ScenarioSet) -> list[str]:
    return [s.label for s in scenario_set.scenarios.values()]


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


# --- presenting -------------------------------------------------------------------------------


def signed(value: float, digits: int) -> str:
    """``+1.2`` / ``-0.3`` / ``+0.0`` (never ``-0.0``)."""
    return f"{round(float(value), digits) + 0.0:+.{digits}f}"


def _ratio_name(column: str) -> str:
    """``rr_active_talks`` -> ``active talks``; ``rr_summitry_icbm`` -> ``summitry (icbm)``."""
    rest = column.removeprefix("rr_")
    for state in sorted(STATES, key=len, reverse=True):
        if rest == state:
            return _STATE_WORDS[state]
        if rest.startswith(f"{state}_"):
            return f"{_STATE_WORDS[state]} ({rest[len(state) + 1 :]})"
    return rest


def _scenario_label(table: pd.DataFrame, key: str) -> str:
    return str(table.attrs.get("scenarios", {}).get(key, key))


def _noun(row) -> str:
    return f"'{row['label']}' ({row['alternative']})"


def sensitivity_findings(table: pd.DataFrame) -> list[str]:
    """What a sensitivity table shows, in sentences computed from it.

    Parameters
    ----------
    table : DataFrame
        From :func:`coding_sensitivity` or :func:`read_sensitivity` (``as_coded`` first).

    Returns
    -------
    list of str
        The numbers as coded; for each scenario, the alternative that moves its expected
        total the most and by how much (signed: ``+`` means more launch days than as coded);
        the range of each rate ratio; the alternatives the count model does not see; changes
        of the starting state; the diagnostics.
    """
    base = table.iloc[0]
    others = _alternatives(table)
    out = [_as_coded_sentence(table), *_noise_sentence(table)]
    if others.empty:
        return out + [_diagnostics_sentence(table)]
    out += [_largest_move(table, key) for key in scenario_keys(table)]
    out += [_ratio_range(table, column) for column in ratio_columns(table)]
    out += _unseen_sentence(table)
    for row in others[others["last_state"] != base["last_state"]].to_dict("records"):
        out.append(
            f"{_noun(row)} changes the state of the last fitted month ({row['fitted_to']}) from "
            f"{_STATE_WORDS.get(base['last_state'], base['last_state'])} to "
            f"{_STATE_WORDS.get(row['last_state'], row['last_state'])}: every scenario starts "
            "from it, and a scenario without its own states keeps it."
        )
    return out + [_diagnostics_sentence(table)]


def _alternatives(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of alternative codings (not as coded, not the reseeded refit)."""
    return table[~table["alternative"].isin([AS_CODED, ANOTHER_SEED])]


def _noise(table: pd.DataFrame, key: str) -> float | None:
    """How far the reseeded refit moved ``key``'s expected total (None: no such row)."""
    row = table[table["alternative"] == ANOTHER_SEED]
    return None if row.empty else abs(float(row.iloc[0][f"{key}_mean_diff"]))


def _noise_sentence(table: pd.DataFrame) -> list[str]:
    row = table[table["alternative"] == ANOTHER_SEED]
    if row.empty:
        return []
    row = row.iloc[0]
    totals = max(abs(row[f"{k}_mean_diff"]) for k in scenario_keys(table))
    ratios = max(abs(row[f"{c}_diff"]) for c in ratio_columns(table))
    return [
        f"Refitting the coding as it is with another seed moves the expected totals by up to "
        f"{totals:.1f} launch days and the rate ratios by up to {ratios:.2f}: differences of "
        "that size come from the refit, not from the coding."
    ]


def _as_coded_sentence(table: pd.DataFrame) -> str:
    base = table.iloc[0]
    ratios = ", ".join(f"{_ratio_name(c)} {base[c]:.2f}" for c in ratio_columns(table))
    keys = scenario_keys(table)
    total = ""
    if keys:
        key = keys[0]
        total = (
            f", and '{_scenario_label(table, key)}' {base[f'{key}_mean']:.1f} launch days "
            f"(median {base[f'{key}_median']:.0f}, 80% interval {base[f'{key}_q10']:.0f} to "
            f"{base[f'{key}_q90']:.0f})"
        )
    return (
        f"As coded, {base['model']} (fitted {base['fitted_from']} to {base['fitted_to']}) gives "
        f"rate ratios against no talks of {ratios}{total}."
    )


def _largest_move(table: pd.DataFrame, key: str) -> str:
    base, others = table.iloc[0], _alternatives(table)
    diffs = others[f"{key}_mean_diff"]
    label = _scenario_label(table, key)
    if (diffs.abs().round(1) == 0).all():
        return f"'{label}': no alternative moves the expected total by 0.1 launch days or more."
    row = others.loc[diffs.abs().idxmax()]
    noise = _noise(table, key)
    within = (
        " (no more than a refit with another seed moves it)"
        if noise is not None and abs(row[f"{key}_mean_diff"]) <= noise
        else ""
    )
    return (
        f"'{label}': {_noun(row)} moves the expected total the most, "
        f"{signed(row[f'{key}_mean_diff'], 1)} launch days ({row[f'{key}_mean']:.1f} against "
        f"{base[f'{key}_mean']:.1f} as coded; median {row[f'{key}_median']:.0f} against "
        f"{base[f'{key}_median']:.0f}){within}."
    )


def _ratio_range(table: pd.DataFrame, column: str) -> str:
    base, others = table.iloc[0], _alternatives(table)
    low, high = others.loc[others[column].idxmin()], others.loc[others[column].idxmax()]
    name = _ratio_name(column)
    if f"{low[column]:.2f}" == f"{high[column]:.2f}" == f"{base[column]:.2f}":
        return (
            f"The rate ratio of {name} against no talks is {base[column]:.2f} as coded and "
            "with every alternative."
        )
    return (
        f"The rate ratio of {name} against no talks is {base[column]:.2f} as coded and runs "
        f"from {low[column]:.2f} ({low['alternative']}) to {high[column]:.2f} "
        f"({high['alternative']}) across the alternatives."
    )


def _unseen_sentence(table: pd.DataFrame) -> list[str]:
    """The alternatives that re-code no fitted day, and the scenarios they move anyway."""
    base, others = table.iloc[0], _alternatives(table)
    unseen = others[others["days_recoded_in_fit"] == 0]
    if unseen.empty:
        return []
    moved = [
        f"'{_scenario_label(table, key)}'"
        for key in scenario_keys(table)
        if (unseen[f"{key}_mean_diff"] != 0).any()
    ]
    effect = (
        f"they move only {_and(moved)}, through the state-transition model (fitted on every "
        "coded month)"
        if moved
        else "they move no scenario"
    )
    many = "s" if len(unseen) > 1 else ""
    return [
        f"{len(unseen)} alternative{many} re-code{'' if many else 's'} no month the "
        f"{base['model']} fit uses (it starts in {base['fitted_from']}): "
        f"{_and(list(unseen['alternative']))}. The count model's fit is the same with "
        f"{'them' if many else 'it'}; {effect}."
    ]


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _diagnostics_sentence(table: pd.DataFrame) -> str:
    failed = table[~table["passed"].astype(bool)]
    if failed.empty:
        return f"All {len(table)} fits passed the diagnostics."
    return (
        f"{len(failed)} of {len(table)} fits did not pass the diagnostics "
        f"({', '.join(failed['alternative'])}): read their rows with care."
    )


def _coding_cell(row) -> str:
    """The first cell of a row: the alternative's label, id, period and states."""
    label = f"<b>{html.escape(str(row['label']))}</b>"
    caution = "" if bool(row["passed"]) else ' <span class="caution">(fit not converged)</span>'
    if row["alternative"] in (AS_CODED, ANOTHER_SEED):
        return label + caution
    state = _STATE_WORDS.get(row["state"], row["state"])
    replaced = [_STATE_WORDS.get(s, s) for s in str(row["replaces"]).split(", ") if s]
    was = f" (was {html.escape(' and '.join(replaced))})" if replaced else ""
    return (
        f"{label}{caution}<br><code>{html.escape(str(row['alternative']))}</code>: "
        f"{html.escape(str(row['start']))} to {html.escape(str(row['end']))} as "
        f"{html.escape(state)}{was}"
    )


def _ratio_cell(row, column: str, base: bool) -> str:
    value = f"{row[column]:.2f}"
    return value if base else f"{value} ({signed(row[f'{column}_diff'], 2)})"


def _total_cells(row, key: str, base: bool) -> str:
    mean = f"{row[f'{key}_mean']:.1f}"
    if not base:
        mean += f" ({signed(row[f'{key}_mean_diff'], 1)})"
    interval = f"{row[f'{key}_median']:.0f} ({row[f'{key}_q10']:.0f} to {row[f'{key}_q90']:.0f})"
    return f"<td>{mean}</td><td>{interval}</td>"


def sensitivity_html(table: pd.DataFrame) -> str:
    """The sensitivity table as HTML for the report: state effects, then scenario totals.

    Rate ratios carry 2 decimals, mean totals 1, medians and 80 % intervals none. Each
    difference from as coded is in brackets, signed: ``+`` means more launch days (a higher
    rate ratio) than as coded. Every text from the alternatives file is escaped.

    Parameters
    ----------
    table : DataFrame
        From :func:`coding_sensitivity` or :func:`read_sensitivity`.

    Returns
    -------
    str
        Two ``<table>`` elements (``id="sensitivity-effects"``, ``id="sensitivity-totals"``)
        and a line stating the sign convention.
    """
    ratios, keys = ratio_columns(table), scenario_keys(table)
    rows = table.to_dict("records")
    effects_head = (
        "<tr><th>Coding</th><th>Months re-coded</th><th>Days re-coded (in the fit)</th>"
        + "".join(f"<th>{html.escape(_ratio_name(c))}</th>" for c in ratios)
        + "</tr>"
    )
    effects_rows = "\n".join(
        f'<tr data-alternative="{html.escape(str(r["alternative"]))}"><td>{_coding_cell(r)}</td>'
        f"<td>{r['months_recoded']}</td><td>{r['days_recoded']} ({r['days_recoded_in_fit']})</td>"
        + "".join(f"<td>{_ratio_cell(r, c, i == 0)}</td>" for c in ratios)
        + "</tr>"
        for i, r in enumerate(rows)
    )
    totals_head = (
        '<tr><th rowspan="2">Coding</th>'
        + "".join(f'<th colspan="2">{html.escape(_scenario_label(table, k))}</th>' for k in keys)
        + "</tr>\n<tr>"
        + "<th>Mean (difference)</th><th>Median (80% interval)</th>" * len(keys)
        + "</tr>"
    )
    totals_rows = "\n".join(
        f'<tr data-alternative="{html.escape(str(r["alternative"]))}">'
        f"<td>{html.escape(str(r['label']))}</td>"
        + "".join(_total_cells(r, k, i == 0) for k in keys)
        + "</tr>"
        for i, r in enumerate(rows)
    )
    return (
        '<table id="sensitivity-effects">'
        "<caption>Rate ratio against no talks (posterior mean; difference from as coded)"
        f"</caption>\n{effects_head}\n{effects_rows}\n</table>\n"
        '<table id="sensitivity-totals">'
        "<caption>Launch days over each scenario's horizon (difference of the mean from as "
        f"coded)</caption>\n{totals_head}\n{totals_rows}\n</table>\n"
        '<p class="sensitivity-sign">Differences are the alternative minus as coded: + means '
        "more launch days (a higher rate ratio) than as coded.</p>"
    )


def sensitivity_markdown(table: pd.DataFrame) -> str:
    """``sensitivity.md``: the settings, the findings and the headline scenario per coding.

    Parameters
    ----------
    table : DataFrame
        From :func:`coding_sensitivity` (its ``attrs`` give the settings).

    Returns
    -------
    str
        Markdown; every text from the alternatives and scenario files is escaped.
    """
    attrs = table.attrs
    keys = scenario_keys(table)
    sampler = attrs.get("sampler", {})
    settings = (
        f"Model `{table['model'].iloc[0]}`, seed {attrs.get('seed', '?')}, preset "
        f"`{attrs.get('preset', '?')}` ({sampler.get('chains', '?')} chains x "
        f"{sampler.get('draws', '?')} draws); alternatives from "
        f"`{Path(str(attrs.get('alternatives_file', ALTERNATIVES_FILE))).name}`, scenarios "
        f"from `{Path(str(attrs.get('scenario_file', STANDARD_SCENARIOS))).name}`."
    )
    findings = "\n".join(f"- {markdown_text(s)}" for s in sensitivity_findings(table))
    ratios = ratio_columns(table)
    legend = "; ".join(f"`{key}`: {markdown_text(_scenario_label(table, key))}" for key in keys)
    head = ["coding", "months re-coded", *[f"rr {_ratio_name(c)}" for c in ratios]]
    head += [f"{key} mean" for key in keys]
    lines = [
        "| " + " | ".join(markdown_text(h) for h in head) + " |",
        "|" + "---|" * len(head),
    ]
    for i, row in enumerate(table.to_dict("records")):
        cells = [
            markdown_text(f"{row['label']} ({row['alternative']})"),
            str(row["months_recoded"]),
            *[_ratio_cell(row, c, i == 0) for c in ratios],
            *[
                f"{row[f'{k}_mean']:.1f}"
                + ("" if i == 0 else f" ({signed(row[f'{k}_mean_diff'], 1)})")
                for k in keys
            ],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return (
        "# Coding sensitivity\n\n"
        "The negotiation states refitted with each alternative coding of "
        '`datasets/CODING_NOTES.md` ("Alternatives a user might prefer"). Differences are '
        "the alternative minus as coded: + means more launch days (a higher rate ratio) than "
        "as coded. The full table is `sensitivity.csv`.\n\n"
        f"{settings}\n\n{findings}\n\nScenarios: {legend}.\n\n" + "\n".join(lines) + "\n"
    )
