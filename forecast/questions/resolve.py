"""Resolving questions: one function for observed months and for every simulated draw, and
the answers it gives (see :mod:`forecast.questions`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import STATES
from forecast.data.panel import CLASS_COLUMNS
from forecast.errors import ConfigError
from forecast.present import chance, listed
from forecast.questions.spec import (
    ANNULLED,
    ANSWER_COLUMNS,
    NOT_IN_WINDOW,
    QUANTILES,
    WEAPON_CLASSES,
    Question,
    fail,
)
from forecast.summaries import QUANTILE_METHOD

# --- event counts ------------------------------------------------------------------------------


def _periods(values) -> pd.PeriodIndex:
    """Monthly Periods from Timestamps, datetime64, Periods or ``YYYY-MM`` strings."""
    values = pd.Index(values)
    if isinstance(values, pd.PeriodIndex):
        return values.asfreq("M")
    if values.dtype == object and len(values) and isinstance(values[0], pd.Period):
        return pd.PeriodIndex(values).asfreq("M")
    return pd.PeriodIndex(pd.to_datetime(values).to_period("M"))


#: Panel column of each event kind (launch days by class: :func:`_class_columns`).
_COLUMNS = {
    "launch_day": "launch_days",
    "missiles": "missiles",
    "nuclear_test": "nuclear_tests",
}


def _class_columns(group: str) -> list[str]:
    return [CLASS_COLUMNS[c] for c in WEAPON_CLASSES[group]]


def _state_change_counts(states: np.ndarray, previous: np.ndarray, to) -> np.ndarray:
    """1 where a month's state differs from the previous month's (and is in ``to``)."""
    before = np.concatenate([previous[:, None], states[:, :-1]], axis=1)
    changed = states != before
    if to:
        changed &= np.isin(states, list(to))
    return changed.astype(int)


def rows_by_month(observed: pd.DataFrame) -> dict[int, int]:
    """Each observed month (its Period ordinal) -> its row position in ``observed``."""
    return {int(o): i for i, o in enumerate(_periods(observed["month"]).asi8)}


def _leading_rows(months, where: dict[int, int]) -> list[int]:
    """The row positions of ``months`` (Periods) up to the first one not observed."""
    rows = []
    for month in months:
        if month.ordinal not in where:
            break
        rows.append(where[month.ordinal])
    return rows


def _observed_counts(question: Question, observed: pd.DataFrame, where: dict) -> np.ndarray:
    """Event counts of the window's observed leading months, shape (1, covered) (``where``:
    :func:`rows_by_month` of ``observed``)."""
    covered = _leading_rows(question.months, where)
    event = question.event
    if event.kind == "state_change":
        before = (question.start - 1).ordinal
        if before not in where:
            return np.zeros((1, 0), dtype=int)
        state = observed["state"].astype(str).to_numpy()
        states = state[covered][None, :]
        return _state_change_counts(states, np.array([state[where[before]]]), event.to)
    if event.kind == "launch_day" and event.weapon_class:
        columns = _class_columns(event.weapon_class)
    else:
        columns = [_COLUMNS[event.kind]]
    missing = sorted(set(columns) - set(observed.columns))
    if missing:
        raise ConfigError(
            "observed table",
            f"missing {listed('column', missing)} for question '{question.id}'",
            "pass the monthly panel (forecast.data.monthly_panel)",
        )
    counts = sum(observed[c].to_numpy(dtype=int)[covered] for c in columns)
    return np.asarray(counts, dtype=int).reshape(1, len(covered))


def _sim_variable(question: Question, sims: xr.Dataset) -> xr.DataArray:
    """The simulated counts an event needs, dims (draw, month)."""
    event = question.event
    target = sims.attrs.get("target", "launch_days")
    if event.kind == "launch_day" and event.weapon_class:
        if "class_counts" in sims:
            classes = [str(c) for c in sims["class_counts"]["weapon_class"].values]
            if event.weapon_class in classes:
                return sims["class_counts"].sel(weapon_class=event.weapon_class)
        name, fix = "class_counts", "simulate with the class_hierarchical model"
    elif event.kind == "launch_day":
        if "launch_days" in sims:
            return sims["launch_days"]
        if "counts" in sims and target == "launch_days":
            return sims["counts"]
        name, fix = "launch_days", "simulate a model whose target is launch_days"
    elif event.kind == "missiles":
        if "missiles" in sims:
            return sims["missiles"]
        if "counts" in sims and target == "missiles":
            return sims["counts"]
        name, fix = "missiles", "simulate a model whose target is missiles"
    else:
        if "nuclear_tests" in sims:
            return sims["nuclear_tests"]
        name, fix = "nuclear_tests", "simulate with the class_hierarchical model"
    raise fail(
        question.source,
        f"question '{question.id}'",
        f"the simulations have no {name!r} for event {event.kind} ({event.unit})",
        fix,
    )


def _sim_months(question: Question, sims: xr.Dataset, months: pd.PeriodIndex) -> np.ndarray:
    """Positions of ``months`` in the simulated months (error if not covered)."""
    if "scenario" in sims.dims:
        raise fail(
            question.source,
            f"question '{question.id}'",
            "the simulations have a 'scenario' dimension",
            "answer from one scenario: sims.sel(scenario=name)",
        )
    simulated = _periods(sims["month"].values)
    positions = simulated.get_indexer(months)
    if (positions < 0).any():
        first, last = (simulated[0], simulated[-1]) if len(simulated) else ("-", "-")
        raise fail(
            question.source,
            f"question '{question.id}'",
            f"the simulations cover {first}..{last}, not {months[0]}..{months[-1]}",
            "simulate from the window's start to its end (longer horizon), or move the window",
        )
    return positions


def _sim_states(question: Question, sims: xr.Dataset) -> xr.DataArray:
    if "state" not in sims:
        raise fail(
            question.source,
            f"question '{question.id}'",
            "the simulations have no 'state' paths",
            "simulate state paths (the transition model, or a scenario's fixed path)",
        )
    state = sims["state"]
    if state.dtype.kind in "iu":
        state = xr.DataArray(np.array(STATES)[state.values], dims=state.dims, coords=state.coords)
    return state.astype(str)


def _sim_counts(question: Question, sims: xr.Dataset) -> np.ndarray:
    """Simulated event counts per draw and window month, shape (draws, window months)."""
    positions = _sim_months(question, sims, question.months)
    n = sims.sizes["draw"]
    if question.event.kind == "state_change":
        state = _sim_states(question, sims)
        state = state.broadcast_like(xr.DataArray(np.zeros(n), dims="draw")).transpose(
            "draw", "month"
        )
        values = state.values
        if positions[0] > 0:
            previous = values[:, positions[0] - 1]
        elif "initial_state" in sims.coords or "initial_state" in sims:
            init = np.asarray(sims["initial_state"].values)
            init = np.array(STATES)[init] if init.dtype.kind in "iu" else init.astype(str)
            previous = np.broadcast_to(init, (n,))
        elif "initial_state" in sims.attrs:
            previous = np.full(n, str(sims.attrs["initial_state"]))
        else:
            raise fail(
                question.source,
                f"question '{question.id}'",
                "the state before the window is unknown (the window starts at the first "
                "simulated month and the simulations have no 'initial_state')",
                "add the state of the month before as sims.attrs['initial_state']",
            )
        return _state_change_counts(values[:, positions], np.asarray(previous), question.event.to)
    counts = _sim_variable(question, sims).transpose("draw", "month").values[:, positions]
    return np.rint(counts).astype(int)


# --- resolution (one function for observations and draws) --------------------------------------


def _outcome_values(question: Question, counts: np.ndarray) -> np.ndarray:
    """Outcome per row of ``counts`` (rows, months observed so far, from the window start).

    binary: 1 (YES), 0 (NO) or -1 (not yet); numeric: the total, or -1 (not
    yet); date: month index of the first event, ``W`` if none in a complete
    window of ``W`` months, or -1 (not yet).
    """
    width = len(question.months)
    complete = counts.shape[1] == width
    kind = question.answer_type
    if kind == "binary":
        yes = counts.sum(axis=1) >= question.threshold
        return np.where(yes, 1, 0 if complete else -1)
    if kind == "numeric":
        return counts.sum(axis=1) if complete else np.full(counts.shape[0], -1)
    happened = (counts > 0).any(axis=1)
    first = (counts > 0).argmax(axis=1) if counts.shape[1] else np.zeros(counts.shape[0], int)
    return np.where(happened, first, width if complete else -1)


def _given_matches(question: Question, states: np.ndarray) -> np.ndarray:
    """Whether each row of ``states`` (rows, covered given months) follows the given path."""
    path = np.array(question.given_path()[: states.shape[1]])
    return (states == path[None, :]).all(axis=1)


def _public(question: Question, value: int):
    """An outcome code as the public outcome (bool, int, Period or NOT_IN_WINDOW)."""
    kind = question.answer_type
    if kind == "binary":
        return bool(value)
    if kind == "numeric":
        return int(value)
    return NOT_IN_WINDOW if value == len(question.months) else question.start + int(value)


def resolve(question: Question, observed: pd.DataFrame, where: dict | None = None):
    """Resolve a question against observed months.

    Parameters
    ----------
    question : Question
    observed : DataFrame
        Monthly table like the panel: ``month`` and the columns the event needs
        (``launch_days``, ``launch_days_<class>``, ``missiles``,
        ``nuclear_tests``, ``state``).
    where : dict, optional
        :func:`rows_by_month` of ``observed``, for a caller that resolves many questions on
        the same table.

    Returns
    -------
    bool, int, Period, str or None
        binary: True/False; numeric: the count; date: the month of the first
        event or :data:`NOT_IN_WINDOW`; conditional: the inner outcome or
        :data:`ANNULLED`. None when the observed months do not decide it yet.
    """
    where = rows_by_month(observed) if where is None else where
    if question.type == "conditional":
        prefix = _leading_rows(question.given_months, where)
        states = observed["state"].astype(str).to_numpy()[prefix][None, :]
        if not _given_matches(question, states)[0]:
            return ANNULLED
        if len(prefix) < len(question.given_months):
            return None
    value = int(_outcome_values(question, _observed_counts(question, observed, where))[0])
    return None if value < 0 else _public(question, value)


@dataclass
class Simulated:
    """Per-draw outcomes of one question.

    Attributes
    ----------
    values : ndarray of int
        Outcome codes of the draws that count (see :func:`_outcome_values`):
        binary 0/1, numeric totals, date month index (``len(window)`` = none).
    given : ndarray of bool or None
        For conditionals: which draws follow the given path.
    """

    values: np.ndarray
    given: np.ndarray | None = None


def simulated_outcomes(question: Question, sims: xr.Dataset) -> Simulated:
    """Resolve the question on every simulated draw (the code :func:`resolve` uses).

    Parameters
    ----------
    question : Question
    sims : Dataset
        Dims (draw, month): ``launch_days`` or ``counts``, and as needed
        ``class_counts`` (draw, month, weapon_class), ``missiles``,
        ``nuclear_tests``, ``state`` (labels or codes; (month) or (draw, month)).

    Returns
    -------
    Simulated
    """
    values = _outcome_values(question, _sim_counts(question, sims))
    if question.type != "conditional":
        return Simulated(values=values)
    positions = _sim_months(question, sims, question.given_months)
    n = sims.sizes["draw"]
    state = _sim_states(question, sims)
    state = state.broadcast_like(xr.DataArray(np.zeros(n), dims="draw")).transpose("draw", "month")
    given = _given_matches(question, state.values[:, positions])
    if not given.any():
        raise fail(
            question.source,
            f"question '{question.id}'",
            "no simulated path follows the given state path",
            "simulate the given path as a scenario (fixed states), or with the transition model "
            "and a condition that makes it likely",
        )
    return Simulated(values=values[given], given=given)


def month_label(question: Question, index: float) -> str:
    """The month a date question's index in its window stands for (``after END``: none in
    the window)."""
    width = len(question.months)
    if index >= width:
        return f"after {question.end}"
    return str(question.start + int(round(index)))


def by_month(question: Question, values: np.ndarray) -> pd.DataFrame:
    """A date answer as cumulative probabilities: P(the first event by the end of each quarter
    of the window), and by its last month.

    Parameters
    ----------
    question : Question
        A date question (or a conditional one around it).
    values : ndarray of int
        Simulated first-event month indices (``len(window)``: none in the window).

    Returns
    -------
    DataFrame
        ``month`` (the window's quarter ends and last month) and ``p_by``.
    """
    months = question.months
    ends = sorted({i for i, m in enumerate(months) if m.month % 3 == 0} | {len(months) - 1})
    return pd.DataFrame(
        {
            "month": [str(months[i]) for i in ends],
            "p_by": [float((np.asarray(values) <= i).mean()) for i in ends],
        }
    )


def by_month_text(question: Question, values: np.ndarray) -> str:
    """:func:`by_month` as text: ``by 2026-03: 12%; by 2026-06: 25%; ...``."""
    table = by_month(question, values)
    return "; ".join(f"by {r.month}: {chance(r.p_by)}" for r in table.itertuples())


def answer(question: Question, sims: xr.Dataset) -> dict:
    """Answer one question from simulated futures.

    Parameters
    ----------
    question : Question
    sims : Dataset
        See :func:`simulated_outcomes`.

    Returns
    -------
    dict
        One row: ``question, title, type, answer_type, unit, window_start,
        window_end, probability, mean, q10, q50, q90, p_none, by_month, month_mean,
        month_q10, month_q50, month_q90, p_given, draws``
        (NaN where a column does not apply; see the module docstring).
    """
    sim = simulated_outcomes(question, sims)
    values = sim.values
    row = {
        "question": question.id,
        "title": question.title,
        "type": question.type,
        "answer_type": question.answer_type,
        "unit": question.unit,
        "window_start": str(question.start),
        "window_end": str(question.end),
        "probability": np.nan,
        "mean": np.nan,
        "q10": np.nan,
        "q50": np.nan,
        "q90": np.nan,
        "p_none": np.nan,
        "by_month": "",
        "month_mean": "",
        "month_q10": "",
        "month_q50": "",
        "month_q90": "",
        "p_given": float(sim.given.mean()) if sim.given is not None else np.nan,
        "draws": int(len(values)),
        "resolution": question.resolution,
    }
    kind = question.answer_type
    if kind == "binary":
        row["probability"] = float(values.mean())
    elif kind == "numeric":
        row["mean"] = float(values.mean())
        for q in QUANTILES:
            # the one quantile rule of forecast.summaries: each quantile a simulated count
            row[f"q{int(q * 100)}"] = float(np.quantile(values, q, method=QUANTILE_METHOD))
    else:
        width = len(question.months)
        happened = values < width
        row["p_none"] = float(1 - happened.mean())
        row["by_month"] = by_month_text(question, values)
        # months in their own text columns: mean..q90 stay numbers in every row of answers.csv
        row["month_mean"] = month_label(question, values[happened].mean()) if happened.any() else ""
        for q in QUANTILES:
            index = np.quantile(values, q, method=QUANTILE_METHOD)
            row[f"month_q{int(q * 100)}"] = month_label(question, index)
    return row


#: The columns of a date answer's months.
MONTH_COLUMNS = ("month_mean", "month_q10", "month_q50", "month_q90")


def date_months(row) -> dict[str, str]:
    """A date answer's months (:data:`MONTH_COLUMNS`), also from an answer frozen before
    2026-12-05, which kept them in ``mean`` and ``q10``..``q90``; ``{}`` for another answer.

    Parameters
    ----------
    row : mapping
        One answer (a row of ``answers.csv`` or of an ``answers.json`` record).
    """
    if row.get("answer_type") != "date":
        return {}
    if row.get("month_q50"):
        return {c: str(row.get(c) or "") for c in MONTH_COLUMNS}
    old = ("mean", "q10", "q50", "q90")
    return {c: str(row.get(o) or "") for c, o in zip(MONTH_COLUMNS, old, strict=True)}


def answers_table(
    questions: Iterable[Question], sims: xr.Dataset, model_name: str, data_as_of
) -> pd.DataFrame:
    """Answer every question from one simulation.

    Parameters
    ----------
    questions : iterable of Question
    sims : Dataset
        See :func:`simulated_outcomes`.
    model_name : str
        Model (and scenario) the simulations come from.
    data_as_of : str or Timestamp
        Last day (or month) of the data the model was fitted on.

    Returns
    -------
    DataFrame
        One row per question, columns :data:`ANSWER_COLUMNS`.
    """
    as_of = data_as_of if isinstance(data_as_of, str) else f"{pd.Timestamp(data_as_of):%Y-%m-%d}"
    rows = [{**answer(q, sims), "model": model_name, "data_as_of": as_of} for q in questions]
    return pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))
