"""Forecast questions in the style of forecasting platforms: parse, resolve, answer, score.

Question file (YAML)
--------------------
::

    as_of: 2025-12                 # optional: last month of data the questions start from
    questions:
      - id: icbm-2026h1            # unique; letters, digits, '.', '_', '-'
        title: Will North Korea launch an ICBM between January and June 2026?
        type: binary               # binary | numeric | date | conditional
        event: {kind: launch_day, weapon_class: ICBM}
        window: {start: 2026-01, end: 2026-06}    # whole months, inclusive
        threshold: 1               # binary only: at least N events (default 1)
        resolution: >
          YES if the CNS missile test database lists at least one launch day
          with an ICBM-class missile dated 2026-01-01..2026-06-30.
      - id: launch-days-2026-if-talks-march
        title: Launch days in 2026 if working-level talks resume in March 2026
        type: conditional
        given: {2026-01: no_talks, 2026-03: active_talks}   # step function of states
        given_through: 2026-06     # optional: last month the path must hold
        question: {type: numeric, event: launch_day, window: {start: 2026-01, end: 2026-12}}
        resolution: Annulled unless the coded states follow the given path.

Types
    ``binary``: at least ``threshold`` events in the window (True/False).
    ``numeric``: the number of events in the window. ``date``: the month of the
    first event in the window, or :data:`NOT_IN_WINDOW`. ``conditional``: an
    inner question (``question``: binary, numeric or date) given a path of
    states (``given``, the step-function syntax of scenario files, holding from
    its first month through ``given_through``, default the inner window's
    end); it is :data:`ANNULLED` if the path does not happen, as platforms do.
Event kinds (``event``: a kind, or a mapping with ``kind``)
    ``launch_day`` (panel ``launch_days``; with ``weapon_class`` one of the
    class groups of :data:`WEAPON_CLASSES`, the sum of the group's
    ``launch_days_<class>`` columns, as in the ``class_hierarchical`` model),
    ``missiles``, ``nuclear_test`` (``nuclear_tests``), ``state_change`` (a
    month whose state differs from the previous month's; with ``to: state``
    or a list, only changes into those states).

Limits
    At most :data:`~forecast.constants.MAX_QUESTIONS` questions per file; a window of at
    most :data:`~forecast.constants.MAX_HORIZON` months that (like a given path) ends at most
    ``MAX_HORIZON`` months after the current month (:func:`latest_month`), checked when the
    file is read; once the data's end is known, :func:`check_question_horizon` applies the
    exact rule of scenario horizons: at most ``MAX_HORIZON`` months after the data's last
    month. A window ending 9999-12 is refused at once, never simulated.

Resolution
----------
:func:`resolve` reads a monthly table like the panel. A binary question
resolves YES as soon as the observed months reach the threshold, and NO only
when the whole window is observed; a date question resolves at the first
event; a numeric question when the window is complete; otherwise the answer is
``None`` (not yet resolvable). :func:`answer` applies the *same* function to
every simulated draw, so a binary question's probability is exactly the share
of draws that resolve YES.

Answers (one row per question, :data:`ANSWER_COLUMNS`)
------------------------------------------------------
binary: ``probability``. numeric: ``mean, q10, q50, q90`` of the count.
date: ``q10, q50, q90`` as ``YYYY-MM`` strings (quantiles of the first-event
month with "no event in the window" ranked after every month; such a quantile
reads ``after YYYY-MM``), ``mean`` the mean month among draws with an event,
and ``p_none`` = P(no event in the window). conditional: the inner question's
columns over the draws whose state path follows ``given``, with ``p_given``
the share of such draws (1 when the path was imposed as a scenario).

Scores (negatively oriented: lower is better)
---------------------------------------------
Brier ``(p - o) ** 2`` and log score ``-ln(p)`` if YES, ``-ln(1 - p)`` if NO,
with ``p`` clipped to [0.001, 0.999] for the log score only (the range
Metaculus accepts; a share of draws can be 0 or 1). CRPS of numeric questions:
:func:`forecast.scores.crps` on the draws. Date questions: the same CRPS on the month
index within the window (0 = first month) with "no event in the window" set
to the index one past the end, for the draws and the outcome alike; this is
the CRPS of the censored variable ``min(T, end + 1)``, which is what the
window lets one observe, and it is proper for it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import MAX_HORIZON, MAX_QUESTIONS, STATES
from forecast.data.panel import CLASS_COLUMNS
from forecast.errors import ConfigError
from forecast.scores import crps

#: Question types.
QUESTION_TYPES: tuple[str, ...] = ("binary", "numeric", "date", "conditional")

#: Event kinds.
EVENT_KINDS: tuple[str, ...] = ("launch_day", "missiles", "nuclear_test", "state_change")

#: Weapon-class groups (the groups of ``forecast.models.hierarchical.WEAPON_CLASSES``,
#: repeated here so this module does not import PyMC; a test checks they agree).
WEAPON_CLASSES: dict[str, tuple[str, ...]] = {
    "SRBM": ("SRBM",),
    "MRBM/IRBM": ("MRBM", "IRBM"),
    "ICBM": ("ICBM",),
    "SLBM/SLV/other": ("SLBM", "SLV", "HGV", "unknown"),
}

#: Outcome of a date question whose event did not happen in the window.
NOT_IN_WINDOW = "not in window"

#: Outcome of a conditional question whose given path did not happen.
ANNULLED = "annulled"

#: Probabilities are clipped to this range for the log score.
PROBABILITY_CLIP = (0.001, 0.999)

#: Quantiles reported for numeric and date questions.
QUANTILES = (0.10, 0.50, 0.90)

#: Columns of the answers table (``answers.csv``).
ANSWER_COLUMNS = (
    "question",
    "title",
    "type",
    "answer_type",
    "unit",
    "window_start",
    "window_end",
    "probability",
    "mean",
    "q10",
    "q50",
    "q90",
    "p_none",
    "p_given",
    "draws",
    "model",
    "data_as_of",
)

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_FILE_KEYS = {"as_of", "description", "questions"}
_QUESTION_KEYS = {"id", "title", "type", "event", "window", "threshold", "resolution"}
_CONDITIONAL_KEYS = {"id", "title", "type", "given", "given_through", "question", "resolution"}
_INNER_KEYS = {"type", "event", "window", "threshold"}


@dataclass(frozen=True)
class Event:
    """What is counted: a kind, with a weapon-class group or target states."""

    kind: str
    weapon_class: str | None = None
    to: tuple[str, ...] | None = None

    @property
    def unit(self) -> str:
        """Plural unit of one count, e.g. ``"ICBM launch days"``."""
        if self.kind == "launch_day":
            return f"{self.weapon_class} launch days" if self.weapon_class else "launch days"
        if self.kind == "missiles":
            return "missiles"
        if self.kind == "nuclear_test":
            return "nuclear tests"
        return f"changes to {'/'.join(self.to)}" if self.to else "state changes"

    @property
    def singular(self) -> str:
        """One event, e.g. ``"ICBM launch day"``."""
        if self.kind == "state_change":
            return f"change to {'/'.join(self.to)}" if self.to else "state change"
        return self.unit[:-1]


@dataclass(frozen=True)
class Question:
    """One validated question (see the module docstring).

    For ``conditional`` questions ``inner`` holds the question asked and
    ``given`` the state path; ``event``, ``window`` and ``threshold`` are the
    inner question's.
    """

    id: str
    title: str
    type: str
    event: Event
    start: pd.Period
    end: pd.Period
    threshold: int = 1
    resolution: str = ""
    given: dict[pd.Period, str] = field(default_factory=dict)
    given_through: pd.Period | None = None
    inner: Question | None = None
    source: str = "<questions>"

    @property
    def answer_type(self) -> str:
        """The type of the answer: binary, numeric or date."""
        return self.inner.type if self.inner is not None else self.type

    @property
    def months(self) -> pd.PeriodIndex:
        """The window's months."""
        return pd.period_range(self.start, self.end, freq="M")

    @property
    def unit(self) -> str:
        """Unit of the answer (binary: what the probability is of)."""
        kind = self.answer_type
        if kind == "binary":
            threshold = self.inner.threshold if self.inner is not None else self.threshold
            return f"P(>= {threshold} {self.event.unit})"
        return f"month of the first {self.event.singular}" if kind == "date" else self.event.unit

    @property
    def given_months(self) -> pd.PeriodIndex:
        """Months the given path must hold (empty for other types)."""
        if not self.given:
            return pd.PeriodIndex([], freq="M")
        return pd.period_range(min(self.given), self.given_through or self.end, freq="M")

    def given_path(self) -> list[str]:
        """State of every month of :attr:`given_months` (the step function)."""
        path, current = [], None
        for month in self.given_months:
            current = self.given.get(month, current)
            path.append(current)
        return path


# --- parsing -----------------------------------------------------------------------------------


def _fail(source: str, where: str, problem: str, fix: str) -> ConfigError:
    return ConfigError(source, f"{where}: {problem}", fix)


def _month(value, source: str, where: str) -> pd.Period:
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, str) and _MONTH.match(value):
        try:
            return pd.Period(value, "M")
        except ValueError:
            pass
    raise _fail(
        source,
        where,
        f"{value!r} is not a whole month",
        "write months as YYYY-MM (quoted or not), e.g. 2026-01; windows are whole months",
    )


def _parse_event(raw, source: str, where: str) -> Event:
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, Mapping):
        raise _fail(source, where, "'event' is not a kind or a mapping", "e.g. {kind: launch_day}")
    extra = sorted(set(raw) - {"kind", "weapon_class", "to"})
    if extra:
        raise _fail(source, where, f"unknown event key(s) {extra}", "use kind, weapon_class, to")
    kind = raw.get("kind")
    if kind not in EVENT_KINDS:
        raise _fail(
            source, where, f"unknown event kind {kind!r}", f"use one of {list(EVENT_KINDS)}"
        )
    weapon_class, to = raw.get("weapon_class"), raw.get("to")
    if weapon_class is not None:
        if kind != "launch_day":
            raise _fail(
                source, where, f"'weapon_class' applies to launch_day, not {kind}", "remove it"
            )
        groups = {g.lower(): g for g in WEAPON_CLASSES}
        if str(weapon_class).lower() not in groups:
            inside = [g for g, members in WEAPON_CLASSES.items() if weapon_class in members]
            hint = f" ({weapon_class} is in the group {inside[0]})" if inside else ""
            raise _fail(
                source,
                where,
                f"unknown weapon_class {weapon_class!r}{hint}",
                f"use one of the class groups {list(WEAPON_CLASSES)}",
            )
        weapon_class = groups[str(weapon_class).lower()]
    if to is not None:
        if kind != "state_change":
            raise _fail(source, where, f"'to' applies to state_change, not {kind}", "remove it")
        targets = to if isinstance(to, list) else [to]
        bad = [t for t in targets if t not in STATES]
        if bad or not targets:
            raise _fail(source, where, f"unknown state(s) in 'to': {bad}", f"use {list(STATES)}")
        to = tuple(s for s in STATES if s in targets)
    return Event(kind=kind, weapon_class=weapon_class, to=to)


def latest_month(today: dt.date | None = None) -> pd.Period:
    """The last month a question may reach: :data:`~forecast.constants.MAX_HORIZON` months
    after ``today``'s month (default: the real today).

    The data end no later than today and a forecast reaches at most ``MAX_HORIZON`` months
    past the data's end (the limit of scenario horizons), so a later month can never be
    answered; :func:`check_question_horizon` applies the exact rule once the data's end is
    known.
    """
    return pd.Period(today or dt.date.today(), "M") + MAX_HORIZON


def _check_reach(month: pd.Period, source: str, where: str, what: str) -> None:
    latest = latest_month()
    if month > latest:
        raise _fail(
            source,
            where,
            f"{what} {month} is more than {MAX_HORIZON} months after this month; a forecast "
            f"reaches at most {MAX_HORIZON} months past the data's end (the data end no "
            f"later than today), so nothing after {latest} can be answered",
            f"ask about months up to {latest}",
        )


def _parse_window(raw, source: str, where: str) -> tuple[pd.Period, pd.Period]:
    if not isinstance(raw, Mapping) or set(raw) != {"start", "end"}:
        raise _fail(
            source, where, "'window' needs exactly 'start' and 'end'", "{start: YYYY-MM, end: ...}"
        )
    start = _month(raw["start"], source, f"{where}, window.start")
    end = _month(raw["end"], source, f"{where}, window.end")
    if end < start:
        raise _fail(source, where, f"window ends {end} before it starts {start}", "swap them")
    months = (end - start).n + 1
    if months > MAX_HORIZON:
        raise _fail(
            source,
            where,
            f"the window {start}..{end} spans {months:,} months, more than {MAX_HORIZON} "
            "(the longest forecast horizon)",
            f"ask about a window of at most {MAX_HORIZON} months",
        )
    _check_reach(end, source, where, "the window ends")
    return start, end


def _parse_threshold(raw: Mapping, qtype: str, source: str, where: str) -> int:
    if "threshold" not in raw:
        return 1
    if qtype != "binary":
        raise _fail(
            source, where, f"'threshold' applies to binary questions, not {qtype}", "drop it"
        )
    value = raw["threshold"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(source, where, f"threshold {value!r} is not a positive integer", "e.g. 1")
    return value


def _parse_simple(raw: Mapping, qtype: str, source: str, where: str) -> dict:
    missing = [k for k in ("event", "window") if k not in raw]
    if missing:
        raise _fail(source, where, f"missing key(s) {missing}", "give event and window")
    start, end = _parse_window(raw["window"], source, where)
    return {
        "type": qtype,
        "event": _parse_event(raw["event"], source, where),
        "start": start,
        "end": end,
        "threshold": _parse_threshold(raw, qtype, source, where),
    }


def _parse_given(raw: Mapping, end: pd.Period, source: str, where: str) -> dict:
    given = raw.get("given")
    if not isinstance(given, Mapping) or not given:
        raise _fail(
            source, where, "'given' is missing or not a mapping", "give {YYYY-MM: state, ...}"
        )
    steps = {}
    for month, state in given.items():
        period = _month(month, source, f"{where}, given.{month}")
        if state not in STATES:
            raise _fail(
                source, where, f"given.{month}: unknown state {state!r}", f"use {list(STATES)}"
            )
        steps[period] = state
    steps = dict(sorted(steps.items()))
    _check_reach(max(steps), source, where, "the given path reaches")
    through = end
    if raw.get("given_through") is not None:
        through = _month(raw["given_through"], source, f"{where}, given_through")
        _check_reach(through, source, where, "given_through")
    if through < max(steps):
        raise _fail(
            source,
            where,
            f"given_through {through} is before the last given month {max(steps)}",
            "move given_through to the last given month or later",
        )
    return {"given": steps, "given_through": through if through != end else None}


def _parse_question(raw, index: int, source: str) -> Question:
    label = f"question #{index + 1}"
    if not isinstance(raw, Mapping):
        raise _fail(source, label, "not a mapping", "give id, title, type, event, window, ...")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise _fail(
            source,
            label,
            f"'id' {qid!r} is missing or not a simple name",
            "use letters, digits, '.', '_' and '-', e.g. icbm-2026h1",
        )
    where = f"question '{qid}'"
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise _fail(source, where, f"unknown type {qtype!r}", f"use one of {list(QUESTION_TYPES)}")
    allowed = _CONDITIONAL_KEYS if qtype == "conditional" else _QUESTION_KEYS
    extra = sorted(set(raw) - allowed)
    if extra:
        raise _fail(source, where, f"unknown key(s) {extra}", f"use {sorted(allowed)}")
    for key in ("title", "resolution"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _fail(
                source, where, f"'{key}' is missing or empty", f"write the question's {key} as text"
            )
    common = {"id": qid, "title": raw["title"].strip(), "resolution": raw["resolution"].strip()}
    if qtype != "conditional":
        return Question(**common, **_parse_simple(raw, qtype, source, where), source=source)
    inner_raw = raw.get("question")
    if not isinstance(inner_raw, Mapping):
        raise _fail(
            source, where, "'question' (the inner question) is missing", "{type, event, window}"
        )
    extra = sorted(set(inner_raw) - _INNER_KEYS)
    if extra:
        raise _fail(source, where, f"unknown key(s) {extra} in 'question'", f"use {_INNER_KEYS}")
    inner_type = inner_raw.get("type")
    if inner_type not in ("binary", "numeric", "date"):
        raise _fail(
            source,
            where,
            f"the inner question's type {inner_type!r} is not binary, numeric or date",
            "conditionals cannot nest; use binary, numeric or date",
        )
    fields = _parse_simple(inner_raw, inner_type, source, f"{where}, question")
    inner = Question(**common, **fields, source=source)
    given = _parse_given(raw, fields["end"], source, where)
    fields["type"] = "conditional"
    return Question(**common, **fields, **given, inner=inner, source=source)


def parse_questions(spec, source: str = "<questions>") -> list[Question]:
    """Validate a question mapping (as loaded from YAML).

    Parameters
    ----------
    spec : dict
        ``{"questions": [...], "as_of": ..., "description": ...}``.
    source : str
        File name for error messages.

    Returns
    -------
    list of Question
    """
    if not isinstance(spec, Mapping):
        raise ConfigError(source, "the file is not a YAML mapping", "see questions/2026.yaml")
    extra = sorted(set(spec) - _FILE_KEYS)
    if extra:
        raise ConfigError(source, f"unknown key(s) {extra}", f"use {sorted(_FILE_KEYS)}")
    if spec.get("as_of") is not None:
        _month(spec["as_of"], source, "key 'as_of'")
    raw = spec.get("questions")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(source, "key 'questions' is missing or empty", "list at least one")
    if len(raw) > MAX_QUESTIONS:
        raise ConfigError(
            source,
            f"key 'questions': {len(raw):,} questions, more than {MAX_QUESTIONS} (each "
            "conditional question needs its own simulation)",
            f"split them into files of at most {MAX_QUESTIONS} questions",
        )
    questions, seen = [], set()
    for index, item in enumerate(raw):
        question = _parse_question(item, index, source)
        if question.id in seen:
            raise _fail(
                source, f"question '{question.id}'", "the id is used twice", "give each id once"
            )
        seen.add(question.id)
        questions.append(question)
    return questions


def _read_yaml(path: Path):
    """Read one YAML document with the project's safe loader (duplicate keys, aliases and size
    refused; see :mod:`forecast.yamlio`)."""
    from forecast.yamlio import load_yaml

    return load_yaml(path, "question file", "questions: [{id: ..., type: binary, ...}]")


def load_questions(path: str | Path, last_month=None) -> list[Question]:
    """Read and validate a question file (see the module docstring for its shape).

    Parameters
    ----------
    path : str or Path
        The YAML file (a regular file; see :func:`forecast.yamlio.load_yaml`).
    last_month : str, Period or Timestamp, optional
        The last month of the data the questions will be answered from; when given,
        :func:`check_question_horizon` is applied too.

    Returns
    -------
    list of Question
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise ConfigError(path, "question file not found", "check the path to the YAML file")
    questions = parse_questions(_read_yaml(path), source=str(path))
    if last_month is not None:
        check_question_horizon(questions, last_month)
    return questions


def question_end(question: Question) -> pd.Period:
    """The last month a question needs: its window's end, or its given path's, if later."""
    return max([question.end, *question.given, *filter(None, [question.given_through])])


def check_question_horizon(questions: Iterable[Question], last_month) -> None:
    """Refuse questions that end more than :data:`~forecast.constants.MAX_HORIZON` months
    after the data's last month: the limit of scenario horizons (a window ending 9999-12
    would be simulated month by month until memory runs out).

    Parameters
    ----------
    questions : iterable of Question
    last_month : str, Period or Timestamp
        The last month of the data (of the fit the questions are answered from).

    Raises
    ------
    ConfigError
        Naming the question file, the questions and the fix.
    """
    questions = list(questions)
    last = pd.Period(last_month, "M")
    limit = last + MAX_HORIZON
    late = [q.id for q in questions if question_end(q) > limit]
    if late:
        shown = ", ".join(late[:5]) + (f" (and {len(late) - 5} more)" if len(late) > 5 else "")
        raise ConfigError(
            questions[0].source,
            f"question(s) {shown} reach past {limit}, more than {MAX_HORIZON} months after the "
            f"data's last month ({last}), the longest forecast horizon",
            "ask about months closer to the data, or bring the data up to date ('forecast "
            "data import', 'set-state') and refit",
        )


def shift_question(question: Question, start) -> Question:
    """The same question with its window (and given path) moved to start at ``start``.

    For backtests: ``shift_question(q, origin + 1)`` asks "ICBM launch within 6
    months" from any origin.

    Parameters
    ----------
    question : Question
    start : str or Period
        New first month of the window.

    Returns
    -------
    Question
    """
    new_start = _month(start if isinstance(start, pd.Period) else str(start), "start", "start")
    offset = new_start.ordinal - question.start.ordinal

    def move(q: Question) -> Question:
        return replace(
            q,
            start=q.start + offset,
            end=q.end + offset,
            given={m + offset: s for m, s in q.given.items()},
            given_through=None if q.given_through is None else q.given_through + offset,
            inner=None if q.inner is None else move(q.inner),
        )

    return move(question)


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
_COLUMNS = {"launch_day": "launch_days", "missiles": "missiles", "nuclear_test": "nuclear_tests"}


def _class_columns(group: str) -> list[str]:
    return [CLASS_COLUMNS[c] for c in WEAPON_CLASSES[group]]


def _state_change_counts(states: np.ndarray, previous: np.ndarray, to) -> np.ndarray:
    """1 where a month's state differs from the previous month's (and is in ``to``)."""
    before = np.concatenate([previous[:, None], states[:, :-1]], axis=1)
    changed = states != before
    if to:
        changed &= np.isin(states, list(to))
    return changed.astype(int)


def _observed_counts(question: Question, observed: pd.DataFrame) -> np.ndarray:
    """Event counts of the window's observed leading months, shape (1, covered)."""
    table = observed.assign(_period=_periods(observed["month"]))
    table = table.set_index("_period").sort_index()
    covered = []
    for month in question.months:
        if month not in table.index:
            break
        covered.append(month)
    event = question.event
    rows = table.loc[covered] if covered else table.iloc[:0]
    if event.kind == "state_change":
        before = question.start - 1
        if before not in table.index:
            return np.zeros((1, 0), dtype=int)
        states = rows["state"].astype(str).to_numpy()[None, :]
        previous = np.array([str(table.loc[before, "state"])])
        return _state_change_counts(states, previous, event.to)
    if event.kind == "launch_day" and event.weapon_class:
        columns = _class_columns(event.weapon_class)
    else:
        columns = [_COLUMNS[event.kind]]
    missing = sorted(set(columns) - set(table.columns))
    if missing:
        raise ConfigError(
            "observed table",
            f"missing column(s) {missing} for question '{question.id}'",
            "pass the monthly panel (forecast.data.monthly_panel)",
        )
    return rows[columns].to_numpy(dtype=int).sum(axis=1)[None, :]


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
    raise _fail(
        question.source,
        f"question '{question.id}'",
        f"the simulations have no {name!r} for event {event.kind} ({event.unit})",
        fix,
    )


def _sim_months(question: Question, sims: xr.Dataset, months: pd.PeriodIndex) -> np.ndarray:
    """Positions of ``months`` in the simulated months (error if not covered)."""
    if "scenario" in sims.dims:
        raise _fail(
            question.source,
            f"question '{question.id}'",
            "the simulations have a 'scenario' dimension",
            "answer from one scenario: sims.sel(scenario=name)",
        )
    simulated = _periods(sims["month"].values)
    positions = simulated.get_indexer(months)
    if (positions < 0).any():
        first, last = (simulated[0], simulated[-1]) if len(simulated) else ("-", "-")
        raise _fail(
            question.source,
            f"question '{question.id}'",
            f"the simulations cover {first}..{last}, not {months[0]}..{months[-1]}",
            "simulate from the window's start to its end (longer horizon), or move the window",
        )
    return positions


def _sim_states(question: Question, sims: xr.Dataset) -> xr.DataArray:
    if "state" not in sims:
        raise _fail(
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
            raise _fail(
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


def resolve(question: Question, observed: pd.DataFrame):
    """Resolve a question against observed months.

    Parameters
    ----------
    question : Question
    observed : DataFrame
        Monthly table like the panel: ``month`` and the columns the event needs
        (``launch_days``, ``launch_days_<class>``, ``missiles``,
        ``nuclear_tests``, ``state``).

    Returns
    -------
    bool, int, Period, str or None
        binary: True/False; numeric: the count; date: the month of the first
        event or :data:`NOT_IN_WINDOW`; conditional: the inner outcome or
        :data:`ANNULLED`. None when the observed months do not decide it yet.
    """
    if question.type == "conditional":
        table = observed.assign(_period=_periods(observed["month"])).set_index("_period")
        prefix = []
        for m in question.given_months:  # the leading observed months
            if m not in table.index:
                break
            prefix.append(m)
        states = table.loc[prefix, "state"].astype(str).to_numpy()[None, :]
        if not _given_matches(question, states)[0]:
            return ANNULLED
        if len(prefix) < len(question.given_months):
            return None
    value = int(_outcome_values(question, _observed_counts(question, observed))[0])
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
        raise _fail(
            question.source,
            f"question '{question.id}'",
            "no simulated path follows the given state path",
            "simulate the given path as a scenario (fixed states), or with the transition model "
            "and a condition that makes it likely",
        )
    return Simulated(values=values[given], given=given)


def _month_label(question: Question, index: float) -> str:
    width = len(question.months)
    if index >= width:
        return f"after {question.end}"
    return str(question.start + int(round(index)))


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
        window_end, probability, mean, q10, q50, q90, p_none, p_given, draws``
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
        "p_given": float(sim.given.mean()) if sim.given is not None else np.nan,
        "draws": int(len(values)),
    }
    kind = question.answer_type
    if kind == "binary":
        row["probability"] = float(values.mean())
    elif kind == "numeric":
        row["mean"] = float(values.mean())
        for q in QUANTILES:
            row[f"q{int(q * 100)}"] = float(np.quantile(values, q))
    else:
        width = len(question.months)
        happened = values < width
        row["p_none"] = float(1 - happened.mean())
        row["mean"] = _month_label(question, values[happened].mean()) if happened.any() else ""
        for q in QUANTILES:
            index = np.quantile(values, q, method="inverted_cdf")
            row[f"q{int(q * 100)}"] = _month_label(question, index)
    return row


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


# --- scores ------------------------------------------------------------------------------------


def binary_scores(
    probability, outcome, clip: tuple[float, float] = PROBABILITY_CLIP
) -> pd.DataFrame:
    """Brier and log scores of binary forecasts (lower is better).

    Parameters
    ----------
    probability : array_like
        Forecast probabilities of YES.
    outcome : array_like of bool or 0/1
        What happened.
    clip : (float, float)
        Range the probability is clipped to for the log score only.

    Returns
    -------
    DataFrame
        ``brier = (p - o) ** 2`` and ``log_score = -ln(p)`` if YES else
        ``-ln(1 - p)`` (natural log, ``p`` clipped).
    """
    p = np.atleast_1d(np.asarray(probability, dtype=float))
    o = np.atleast_1d(np.asarray(outcome, dtype=float))
    if p.shape != o.shape:
        raise ValueError(f"{p.shape[0]} probabilities but {o.shape[0]} outcomes")
    if ((p < 0) | (p > 1)).any() or not np.isin(o, (0, 1)).all():
        raise ValueError("probabilities must be in [0, 1] and outcomes 0/1")
    clipped = np.clip(p, *clip)
    log = -np.where(o == 1, np.log(clipped), np.log1p(-clipped))
    return pd.DataFrame({"brier": (p - o) ** 2, "log_score": log})


def crps_draws(draws, observed: float) -> float:
    """CRPS of one observation against predictive draws (:func:`forecast.scores.crps`)."""
    return float(crps([float(observed)], [np.asarray(draws, dtype=float)])[0])


def outcome_code(question: Question, outcome) -> int:
    """The outcome as the number the scores use (date: month index, none = window length)."""
    kind = question.answer_type
    if kind == "binary":
        return int(bool(outcome))
    if kind == "numeric":
        return int(outcome)
    if outcome == NOT_IN_WINDOW:
        return len(question.months)
    return int(pd.Period(outcome, "M").ordinal - question.start.ordinal)


def score(question: Question, outcome, draws) -> dict | None:
    """Score one answered question once it resolved.

    Parameters
    ----------
    question : Question
    outcome
        Output of :func:`resolve`.
    draws : array_like or Simulated
        The per-draw outcomes the answer came from (:func:`simulated_outcomes`).

    Returns
    -------
    dict or None
        binary: ``brier``, ``log_score``, ``probability``; numeric and date:
        ``crps``; None when unresolved or annulled.
    """
    if outcome is None or (isinstance(outcome, str) and outcome == ANNULLED):
        return None
    values = draws.values if isinstance(draws, Simulated) else np.asarray(draws)
    code = outcome_code(question, outcome)
    if question.answer_type == "binary":
        p = float(np.mean(values))
        return {"probability": p, **binary_scores(p, code).iloc[0].to_dict()}
    return {"crps": crps_draws(values, code)}


# --- reliability -------------------------------------------------------------------------------


def reliability_table(probabilities, outcomes, bins: int = 10) -> pd.DataFrame:
    """Forecast probabilities binned against observed frequencies.

    Parameters
    ----------
    probabilities : array_like
        Forecast probabilities in [0, 1].
    outcomes : array_like of bool or 0/1
    bins : int, default 10
        Equal-width bins on [0, 1]; a probability on an inner edge goes to the
        upper bin, 1.0 to the last.

    Returns
    -------
    DataFrame
        Non-empty bins only: ``bin_lo``, ``bin_hi``, ``n``,
        ``mean_probability``, ``observed_frequency``, ``lo90``, ``hi90``
        (Jeffreys 90% interval of the observed frequency, with the bound set to
        0 or 1 when no or every outcome happened, as Brown, Cai and DasGupta 2001
        recommend).
    """
    from scipy import stats

    p = np.asarray(probabilities, dtype=float)
    o = np.asarray(outcomes, dtype=float)
    if p.shape != o.shape:
        raise ValueError(f"{p.size} probabilities but {o.size} outcomes")
    if ((p < 0) | (p > 1)).any() or not np.isin(o, (0, 1)).all():
        raise ValueError("probabilities must be in [0, 1] and outcomes 0/1")
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.floor(p * bins).astype(int), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        if not n:
            continue
        hits = float(o[inside].sum())
        jeffreys = stats.beta(hits + 0.5, n - hits + 0.5)
        rows.append(
            {
                "bin_lo": edges[b],
                "bin_hi": edges[b + 1],
                "n": n,
                "mean_probability": float(p[inside].mean()),
                "observed_frequency": hits / n,
                "lo90": float(jeffreys.ppf(0.05)) if hits > 0 else 0.0,
                "hi90": float(jeffreys.ppf(0.95)) if hits < n else 1.0,
            }
        )
    return pd.DataFrame(rows)


# --- figures -----------------------------------------------------------------------------------


def plot_reliability(table: pd.DataFrame, ax=None, label: str | None = None):
    """Reliability diagram of :func:`reliability_table` output; returns the axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect calibration")
    yerr = np.vstack(
        [table["observed_frequency"] - table["lo90"], table["hi90"] - table["observed_frequency"]]
    )
    ax.errorbar(
        table["mean_probability"],
        table["observed_frequency"],
        yerr=yerr,
        fmt="o",
        capsize=3,
        label=label or "forecasts (90% interval)",
    )
    for row in table.itertuples():
        ax.annotate(
            f"{row.n}",
            (row.mean_probability, row.observed_frequency),
            fontsize=7,
            xytext=(4, -10),
            textcoords="offset points",
        )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="forecast probability",
        ylabel="observed frequency",
        title="Reliability (n per bin)",
    )
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_answers(table: pd.DataFrame, ax=None):
    """Figure of an answers table: binary as bars, numeric and date as 10-90% intervals.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`answers_table`.
    ax : Axes or sequence of Axes, optional
        One axes per answer type present (binary, numeric, date, in that order).

    Returns
    -------
    list of Axes
    """
    import matplotlib.pyplot as plt

    kinds = [k for k in ("binary", "numeric", "date") if (table["answer_type"] == k).any()]
    if ax is None:
        heights = [max(1.2, 0.45 * (table["answer_type"] == k).sum() + 0.8) for k in kinds]
        _, axes = plt.subplots(
            len(kinds),
            1,
            figsize=(9, sum(heights)),
            gridspec_kw={"height_ratios": heights},
            squeeze=False,
            layout="constrained",
        )
        axes = list(axes[:, 0])
    else:
        axes = list(np.atleast_1d(ax))
        if len(axes) != len(kinds):
            raise ValueError(f"need {len(kinds)} axes ({', '.join(kinds)}), got {len(axes)}")
    for kind, axis in zip(kinds, axes, strict=True):
        rows = table[table["answer_type"] == kind].iloc[::-1]
        labels = [f"{r.question} ({r.unit})" for r in rows.itertuples()]
        y = np.arange(len(rows))
        if kind == "binary":
            axis.barh(y, rows["probability"].astype(float), color="tab:blue", height=0.6)
            for yi, p in zip(y, rows["probability"].astype(float), strict=True):
                axis.text(min(p + 0.01, 0.9), yi, f"{p:.2f}", va="center", fontsize=8)
            axis.set(xlim=(0, 1), xlabel="probability")
        elif kind == "numeric":
            lo, mid, hi = (rows[c].astype(float).to_numpy() for c in ("q10", "q50", "q90"))
            axis.hlines(y, lo, hi, color="tab:blue", lw=3, label="10-90% interval")
            axis.plot(mid, y, "o", color="white", mec="tab:blue", label="median")
            axis.plot(rows["mean"].astype(float), y, "|", color="black", ms=12, label="mean")
            axis.set(xlabel="count in the window (unit in brackets)")
            axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        else:
            _plot_dates(axis, rows, y)
        axis.set_yticks(y, labels, fontsize=8)
        axis.set_title(f"{kind} questions", fontsize=9, loc="left")
    return axes


def _plot_dates(axis, rows: pd.DataFrame, y: np.ndarray) -> None:
    """Date answers: 10-90% interval of the first-event month; open end when past the window."""
    import matplotlib.dates as mdates

    def when(label: str, end: str) -> pd.Timestamp:
        if label.startswith("after "):
            return (pd.Period(end, "M") + 1).to_timestamp()
        return pd.Period(label, "M").to_timestamp()

    for yi, row in zip(y, rows.itertuples(), strict=True):
        lo, mid, hi = (when(getattr(row, c), row.window_end) for c in ("q10", "q50", "q90"))
        axis.hlines(yi, lo, hi, color="tab:orange", lw=3)
        axis.plot(mid, yi, "o", color="white", mec="tab:orange")
        end = (pd.Period(row.window_end, "M") + 1).to_timestamp()
        axis.axvline(end, color="0.7", lw=0.8, ls=":")
        axis.text(end, yi, f"  P(none) {row.p_none:.2f}", va="center", fontsize=7)
    locator = mdates.AutoDateLocator(maxticks=8)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axis.set(xlabel="month of the first event (10-90% interval, o median; dotted: window end)")
