"""Forecast questions: what a question file says, checked (the shape of a question file, its
types, event kinds and limits are described in :mod:`forecast.questions`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from forecast.constants import MAX_HORIZON, MAX_MISSILES_PER_DAY, MAX_QUESTIONS, STATES
from forecast.errors import ConfigError
from forecast.present import listed, noun_for

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
    "by_month",
    "month_mean",
    "month_q10",
    "month_q50",
    "month_q90",
    "p_given",
    "draws",
    "model",
    "data_as_of",
    "resolution",
)


def window_lengths(answers: pd.DataFrame) -> pd.Series:
    """The number of months of each answer's window (``window_start`` to ``window_end``,
    both included), one per row of an answers table (:data:`ANSWER_COLUMNS`)."""
    start = pd.PeriodIndex(answers["window_start"].astype(str), freq="M")
    end = pd.PeriodIndex(answers["window_end"].astype(str), freq="M")
    return pd.Series(end.asi8 - start.asi8 + 1, index=answers.index, dtype=int)


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
        """Unit of the answer (binary: what the probability is of, "P(>= 1 ICBM launch day)",
        "P(>= 10 launch days)")."""
        kind = self.answer_type
        if kind == "binary":
            threshold = self.inner.threshold if self.inner is not None else self.threshold
            what = self.event.singular if threshold == 1 else self.event.unit
            return f"P(>= {threshold} {what})"
        return f"month of the first {self.event.singular}" if kind == "date" else self.event.unit

    @property
    def first_month(self) -> pd.Period:
        """The first month the question is about: its window's start, or a conditional
        question's first given month when that is earlier (a forecast must start by it)."""
        return min([self.start, *self.given])

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


def fail(source: str, where: str, problem: str, fix: str) -> ConfigError:
    """The error of a question file: the file, where in it, the problem and the fix."""
    return ConfigError(source, f"{where}: {problem}", fix)


def _month(value, source: str, where: str) -> pd.Period:
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, str) and _MONTH.match(value):
        try:
            return pd.Period(value, "M")
        except ValueError:
            pass
    raise fail(
        source,
        where,
        f"{value!r} is not a whole month",
        "write months as YYYY-MM (quoted or not), e.g. 2026-01; windows are whole months",
    )


def parse_event(raw, source: str, where: str) -> Event:
    """An :class:`Event` from a question file's ``event`` (a kind, or a mapping with
    ``weapon_class`` or ``to``), validated; a bad one raises naming ``source`` and ``where``."""
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, Mapping):
        raise fail(source, where, "'event' is not a kind or a mapping", "e.g. {kind: launch_day}")
    extra = sorted(set(raw) - {"kind", "weapon_class", "to"})
    if extra:
        raise fail(
            source, where, f"unknown event {listed('key', extra)}", "use kind, weapon_class, to"
        )
    kind = raw.get("kind")
    if kind not in EVENT_KINDS:
        raise fail(source, where, f"unknown event kind {kind!r}", f"use one of {list(EVENT_KINDS)}")
    weapon_class, to = raw.get("weapon_class"), raw.get("to")
    if weapon_class is not None:
        if kind != "launch_day":
            raise fail(
                source, where, f"'weapon_class' applies to launch_day, not {kind}", "remove it"
            )
        groups = {g.lower(): g for g in WEAPON_CLASSES}
        if str(weapon_class).lower() not in groups:
            inside = [g for g, members in WEAPON_CLASSES.items() if weapon_class in members]
            hint = f" ({weapon_class} is in the group {inside[0]})" if inside else ""
            raise fail(
                source,
                where,
                f"unknown weapon_class {weapon_class!r}{hint}",
                f"use one of the class groups {list(WEAPON_CLASSES)}",
            )
        weapon_class = groups[str(weapon_class).lower()]
    if to is not None:
        if kind != "state_change":
            raise fail(source, where, f"'to' applies to state_change, not {kind}", "remove it")
        targets = to if isinstance(to, list) else [to]
        bad = [t for t in targets if t not in STATES]
        if bad or not targets:
            raise fail(
                source,
                where,
                f"unknown {listed('state', bad)} in 'to'" if bad else "'to' names no state",
                f"use {list(STATES)}",
            )
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
        raise fail(
            source,
            where,
            f"{what} {month} is more than {MAX_HORIZON} months after this month; a forecast "
            f"reaches at most {MAX_HORIZON} months past the data's end (the data end no "
            f"later than today), so nothing after {latest} can be answered",
            f"ask about months up to {latest}",
        )


def _parse_window(raw, source: str, where: str) -> tuple[pd.Period, pd.Period]:
    if not isinstance(raw, Mapping) or set(raw) != {"start", "end"}:
        raise fail(
            source, where, "'window' needs exactly 'start' and 'end'", "{start: YYYY-MM, end: ...}"
        )
    start = _month(raw["start"], source, f"{where}, window.start")
    end = _month(raw["end"], source, f"{where}, window.end")
    if end < start:
        raise fail(source, where, f"window ends {end} before it starts {start}", "swap them")
    months = (end - start).n + 1
    if months > MAX_HORIZON:
        raise fail(
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
        raise fail(
            source, where, f"'threshold' applies to binary questions, not {qtype}", "drop it"
        )
    value = raw["threshold"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(source, where, f"threshold {value!r} is not a positive integer", "e.g. 1")
    return value


def _parse_simple(raw: Mapping, qtype: str, source: str, where: str) -> dict:
    missing = [k for k in ("event", "window") if k not in raw]
    if missing:
        raise fail(source, where, f"missing {listed('key', missing)}", "give event and window")
    start, end = _parse_window(raw["window"], source, where)
    event = parse_event(raw["event"], source, where)
    threshold = _parse_threshold(raw, qtype, source, where)
    _check_reachable(threshold, event, start, end, source, where)
    return {"type": qtype, "event": event, "start": start, "end": end, "threshold": threshold}


def _check_reachable(threshold: int, event: Event, start, end, source: str, where: str) -> None:
    """Refuse a threshold no window of that length can reach: one event a day at most (a
    launch day, a nuclear test, a change of state), :data:`MAX_MISSILES_PER_DAY` missiles."""
    days = int((end.end_time - start.start_time).days) + 1
    per_day = MAX_MISSILES_PER_DAY if event.kind == "missiles" else 1
    if threshold > days * per_day:
        raise fail(
            source,
            where,
            f"threshold {threshold:,} can never be met: {start}..{end} has {days} days, so at "
            f"most {days * per_day:,} {event.unit}",
            "check the threshold (a typo?) or the window",
        )


def _parse_given(raw: Mapping, end: pd.Period, source: str, where: str) -> dict:
    given = raw.get("given")
    if not isinstance(given, Mapping) or not given:
        raise fail(
            source, where, "'given' is missing or not a mapping", "give {YYYY-MM: state, ...}"
        )
    steps = {}
    for month, state in given.items():
        period = _month(month, source, f"{where}, given.{month}")
        if state not in STATES:
            raise fail(
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
        raise fail(
            source,
            where,
            f"given_through {through} is before the last given month {max(steps)}",
            "move given_through to the last given month or later",
        )
    return {"given": steps, "given_through": through if through != end else None}


def _parse_question(raw, index: int, source: str) -> Question:
    label = f"question #{index + 1}"
    if not isinstance(raw, Mapping):
        raise fail(source, label, "not a mapping", "give id, title, type, event, window, ...")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise fail(
            source,
            label,
            f"'id' {qid!r} is missing or not a simple name",
            "use letters, digits, '.', '_' and '-', e.g. icbm-2026h1",
        )
    where = f"question '{qid}'"
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise fail(source, where, f"unknown type {qtype!r}", f"use one of {list(QUESTION_TYPES)}")
    allowed = _CONDITIONAL_KEYS if qtype == "conditional" else _QUESTION_KEYS
    extra = sorted(set(raw) - allowed)
    if extra:
        raise fail(source, where, f"unknown {listed('key', extra)}", f"use {sorted(allowed)}")
    for key in ("title", "resolution"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(
                source, where, f"'{key}' is missing or empty", f"write the question's {key} as text"
            )
    common = {"id": qid, "title": raw["title"].strip(), "resolution": raw["resolution"].strip()}
    if qtype != "conditional":
        return Question(**common, **_parse_simple(raw, qtype, source, where), source=source)
    inner_raw = raw.get("question")
    if not isinstance(inner_raw, Mapping):
        raise fail(
            source, where, "'question' (the inner question) is missing", "{type, event, window}"
        )
    extra = sorted(set(inner_raw) - _INNER_KEYS)
    if extra:
        raise fail(
            source, where, f"unknown {listed('key', extra)} in 'question'", f"use {_INNER_KEYS}"
        )
    inner_type = inner_raw.get("type")
    if inner_type not in ("binary", "numeric", "date"):
        raise fail(
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
        raise ConfigError(source, f"unknown {listed('key', extra)}", f"use {sorted(_FILE_KEYS)}")
    if spec.get("as_of") is not None:
        _month(spec["as_of"], source, "key 'as_of'")
    raw = spec.get("questions")
    if isinstance(raw, Mapping):
        raise ConfigError(
            source,
            "key 'questions' is a mapping; it is a list of questions",
            "start each question with '- id: ...' (see questions/2026.yaml)",
        )
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
        try:
            question = _parse_question(item, index, source)
            if question.id in seen:
                raise fail(
                    source, f"question '{question.id}'", "the id is used twice", "give each id once"
                )
        except ConfigError as err:  # with the question's line, when read from a file
            from forecast.yamlio import located

            raise located(err, spec, _item_path(index, err.problem)) from None
        seen.add(question.id)
        questions.append(question)
    return questions


def _read_yaml(path: Path):
    """Read one YAML document with the project's safe loader (duplicate keys, aliases and size
    refused; see :mod:`forecast.yamlio`)."""
    from forecast.yamlio import load_yaml

    return load_yaml(path, "question file", "questions: [{id: ..., type: binary, ...}]")


def _item_path(index: int, problem: str) -> str:
    """The dotted YAML path of question ``index`` and of the place its error names:
    ``question 'id', window.start: ...`` -> ``questions.2.window.start``; ``question 'id',
    question, window.end: ...`` (the inner question) -> ``questions.2.question.window.end``;
    ``question 'id': given.2026-01: ...`` -> ``questions.2.given.2026-01``."""
    head = problem.split(": ")
    places = [p.strip() for p in head[0].split(",")[1:]]  # after "question 'id'"
    if not places and len(head) > 2 and re.fullmatch(r"[\w.-]+", head[1].strip()):
        places = [head[1].strip()]  # "question 'id': given.2026-01: unknown state"
    return ".".join([f"questions.{index}", *places])


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
    spec = _read_yaml(path)
    try:
        questions = parse_questions(spec, source=str(path))
    except ConfigError as err:  # a top-level key's error, with its line
        from forecast.yamlio import located

        raise located(err, spec) from None
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
            f"{noun_for(len(late), 'question')} {shown} {'reaches' if len(late) == 1 else 'reach'}"
            f" past {limit}, more than {MAX_HORIZON} months after the "
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
