"""What a user codes by hand into the overlay folder: a negotiation-state period, an exercise,
the day through which the exercise calendar was checked, and the leaders.

Setting a state
---------------
:func:`set_state` (``forecast data set-state``) writes one period ``START..END`` into the
overlay's ``negotiation_states.csv``, replacing whatever overlay periods covered those
days. ``END`` defaults to the last day of the last complete month (the month
before today): the panel works on whole months and no date may be in the
future. A ``START`` in the current month therefore needs an explicit ``END``. The default
is for a state that still holds: when another state is in force between ``START`` and the
default end, the default would replace it as well, so the command refuses and asks for
``END`` (to correct an earlier period, the day before the later one starts).

Adding an exercise
------------------
:func:`add_exercise` (``forecast data add-exercise``) appends one major US-ROK exercise to
the overlay's ``exercises.csv``. Days after the exercise calendar's end (the latest of the
bundled data's end, the last overlay exercise and the last day confirmed) get 0 exercise days
by assumption; :func:`forecast.data.panel.data_caveats` says so wherever a panel
runs past it.

Confirming the exercise calendar
--------------------------------
:func:`confirm_exercises` (``forecast data confirm-exercises``) records in the overlay's
``exercise_checks.csv`` that the calendar was checked through a day and no major exercise
beyond those recorded was held: the days up to that one then have their exercise days by
record, and the caveat no longer calls them assumed.

Extending the leaders
---------------------
:func:`confirm_leaders` (``forecast data confirm-leaders``) records that no country's leader
changed up to a day: each country's last coded leader continues to it. :func:`set_leader`
(``forecast data set-leader``) codes one country's leader for a period (a new leader, or a
correction), replacing whatever overlay periods of that country covered those days, as
``set-state`` does for the negotiation state; and, as there, a correction of an earlier term
needs its ``END`` (the default would run over the successor's).

None of them writes inside the bundled ``datasets/`` or another of the project's own folders,
whoever calls them. Each reads, changes and commits the overlay folder under its lock, and
the written table must read back as a valid overlay table (see :mod:`forecast.data.overlay`,
"Writing safely").
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.constants import (
    BUNDLED_DATA_DIR,
    COUNTRIES,
    EARLIEST_EVENT_DATE,
    EARLIEST_STATE_DATE,
    EXERCISE_SCALES,
    MAX_EXERCISE_DAYS,
    STATES,
)
from forecast.data.checked_csv import format_table, read_table, validate_frame
from forecast.data.overlay import (
    OVERLAY_FILES,
    PERIOD_TABLES,
    load_merged,
    merge_periods,
    overlay_spec,
    periods_in_force,
    read_exercise_checks,
    read_overlay_table,
    subtract_periods,
)
from forecast.data.panel import leaders_through
from forecast.data.tables import (
    EXERCISE_CHECKS,
    EXERCISES,
    SPECS,
)
from forecast.data.transaction import commit_files, overlay_lock, recover
from forecast.destinations import refuse_protected
from forecast.errors import ConfigError, DataError


def default_state_end(today: dt.date | None = None) -> pd.Timestamp:
    """Last day of the last complete month before ``today``."""
    today = today or dt.date.today()
    return pd.Timestamp(today).to_period("M").start_time - pd.Timedelta(days=1)


def _date(label: str, value) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(dt.date.fromisoformat(str(value)))
    except ValueError:
        raise ConfigError(label, f"not a date: {value!r}", "write YYYY-MM-DD") from None
    return stamp


def _table_text(rows: pd.DataFrame, spec, check_spec, target: Path, today) -> tuple:
    """``rows`` as the CSV text to commit (``spec``'s format), and that text read back and
    validated as the overlay will read it (``check_spec``): nothing is written that the next
    command would refuse."""
    text = format_table(rows, spec)
    check = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return text, validate_frame(check, check_spec, str(target), today=today)


def _overlay_folder(data_dir: str | Path) -> Path:
    """``data_dir`` as a folder to write, refused when it is, holds or lies inside the bundled
    ``datasets/`` or another of the project's own folders (the CLI refuses it earlier, naming
    ``--data-dir``; this guards the library call)."""
    refuse_protected(data_dir, "data_dir")
    return Path(data_dir)


def _period_tables(folder: Path, name: str, today) -> tuple:
    """The overlay's period table ``name`` (``None`` when absent) and its bundled twin."""
    spec = SPECS[name]
    own = read_overlay_table(folder, name, today=today)
    return own, read_table(BUNDLED_DATA_DIR / spec.filename, spec, today)


def _write_periods(
    folder: Path, name: str, rows: pd.DataFrame, label: str, today, tables=None
) -> tuple:
    """Write the periods ``rows`` into the overlay's period table ``name`` and commit it
    (``tables``: :func:`_period_tables`, when the caller has read them already).

    They replace whatever overlay periods (of the same country, for leaders) covered their
    days: all of them when they cover every one (the same period again, or an extension). The
    written table must read back as a valid overlay table and merge with the bundled one into
    a timeline without a gap; otherwise nothing is written and the error names ``label`` (the
    arguments), not the overlay's file, which may not exist yet.

    Returns
    -------
    tuple
        The file written and the merged timeline.
    """
    spec, group = SPECS[name], PERIOD_TABLES[name]
    target = folder / spec.filename
    own, bundled = tables or _period_tables(folder, name, today)
    kept = []
    if own is not None:
        parts = [(None, own)] if group is None else own.groupby(group, sort=False)
        for key, part in parts:
            new = rows if group is None else rows[rows[group] == key]
            kept.append(subtract_periods(part, new) if len(new) else part)
    periods = pd.concat([*(k for k in kept if len(k)), rows], ignore_index=True)
    order = ["start"] if group is None else [group, "start"]
    periods = periods.sort_values(order).reset_index(drop=True)
    text, periods = _table_text(periods, spec, overlay_spec(name), target, today)
    if group is not None and own is not None:  # a gap of another country is the file's own:
        others = own[~own[group].isin(rows[group])]  # named as such, with its line and fix
        if len(others):
            merge_periods(bundled[bundled[group].isin(others[group])], others, group, target)
    try:
        merged = merge_periods(bundled, periods, group, target)
    except DataError as err:
        raise ConfigError(label, err.problem, f"{err.fix}; nothing was written") from None
    commit_files(folder, {spec.filename: text})
    return target, merged


def _default_end(first: pd.Timestamp, end: str | None, today: dt.date, what: str) -> pd.Timestamp:
    """``--end`` as a day, by default the end of the last complete month; refused when it is
    before ``first`` or in the future (``what`` is coded: "the state", "the leader")."""
    last = _date("--end", end) if end is not None else default_state_end(today)
    if end is None and last < first:
        raise ConfigError(
            "--end",
            f"START {first:%Y-%m-%d} is in the current month, which is not complete",
            f"pass --end (at most today's date); the panel uses whole months, so set {what} "
            "again once the month has ended",
        )
    _check_range(first, last, "--end", today)
    return last


def _check_nothing_later(tables: tuple, row: pd.DataFrame, column: str, name: str) -> None:
    """Refuse a period whose ``END`` was left to its default (the end of last month) when the
    timeline in force (``tables``: the overlay's ``name`` table laid over the bundled one)
    holds another ``column`` value starting between its start and that end: the default is
    for a period that still holds, and it would silently replace what was coded later (a
    correction of 2021 running over 2025). Later periods of the same value are extended over,
    as an explicit ``--end`` would."""
    group = PERIOD_TABLES[name]
    own, bundled = tables
    new = row.iloc[0]
    if group is not None:
        bundled = bundled[bundled[group] == new[group]]
        own = None if own is None else own[own[group] == new[group]]
    coded = bundled if own is None else periods_in_force(bundled, own)
    later = coded[
        (coded["start"] > new["start"])
        & (coded["start"] <= new["end"])
        & (coded[column] != new[column])
    ]
    if later.empty:
        return
    first = later.iloc[0]
    day_before = first["start"] - pd.Timedelta(days=1)
    whose = "" if group is None else f" for {new[group]}"
    raise ConfigError(
        "--end",
        f"with no --end, {new[column]!r} from {new['start']:%Y-%m-%d} would run to "
        f"{new['end']:%Y-%m-%d} and replace {first[column]!r}, coded{whose} from "
        f"{first['start']:%Y-%m-%d}",
        f"to correct an earlier period, pass --end {day_before:%Y-%m-%d} (the day before); "
        f"to replace the later periods too, pass --end {new['end']:%Y-%m-%d}; nothing was "
        "written",
    )


def _check_started(first: pd.Timestamp, today: dt.date, fix: str) -> None:
    """Refuse a START in the future."""
    if first.date() > today:
        raise ConfigError("START", f"{first:%Y-%m-%d} is in the future (today is {today})", fix)


def _check_range(first: pd.Timestamp, last: pd.Timestamp, label: str, today: dt.date) -> None:
    """Refuse a period that ends before it starts or ends in the future."""
    if last < first:
        raise ConfigError(label, f"{last:%Y-%m-%d} is before START {first:%Y-%m-%d}", "swap them")
    if last.date() > today:
        raise ConfigError(
            label, f"{last:%Y-%m-%d} is in the future (today is {today})", "use a past date"
        )


# --- set-state ---


@dataclass
class StateReport:
    """What :func:`set_state` wrote."""

    path: Path
    start: pd.Timestamp
    end: pd.Timestamp
    state: str
    as_of: pd.Timestamp


def set_state(
    data_dir: str | Path,
    start: str,
    state: str,
    source: str,
    end: str | None = None,
    events: str | None = None,
    today: dt.date | None = None,
) -> StateReport:
    """Code the negotiation state from ``start`` to ``end`` in the overlay.

    Parameters
    ----------
    data_dir : str or Path
        The overlay folder (created if needed).
    start, end : str
        ``YYYY-MM-DD``; ``end`` defaults to :func:`default_state_end`, and must be given
        when another state is in force between ``start`` and that day (the default would
        replace it).
    state : str
        One of :data:`forecast.constants.STATES`.
    source : str
        Where the coding comes from (required, as in the bundled table).
    events : str, optional
        Short dated summary for ``defining_events``.
    today : date, optional
        Reference date (no future dates).

    Returns
    -------
    StateReport
    """
    today = today or dt.date.today()
    if state not in STATES:
        raise ConfigError("STATE", f"unknown state {state!r}", f"use one of {list(STATES)}")
    first = _date("START", start)
    if first < pd.Timestamp(EARLIEST_STATE_DATE):
        raise ConfigError(
            "START",
            f"{first:%Y-%m-%d} is before {EARLIEST_STATE_DATE}, where the coded state timeline "
            "starts",
            "the bundled timeline covers 1990 on; correct the date",
        )
    _check_started(
        first,
        today,
        "code a state only for days that have passed; scenarios (forecast scenarios) are the "
        "place for future states",
    )
    last = _default_end(first, end, today, "the state")
    folder = _overlay_folder(data_dir)
    with overlay_lock(folder, create=True):  # read, change and commit as one step
        return _set_state_locked(folder, first, last, state, source, events, today, end is None)


def _set_state_locked(
    folder: Path, first, last, state, source, events, today, open_end: bool
) -> StateReport:
    recover(folder, names=OVERLAY_FILES)
    row = pd.DataFrame(
        {
            "start": [first],
            "end": [last],
            "state": [state],
            "defining_events": [events or f"coded with 'forecast data set-state' on {today}"],
            "source": [source],
        }
    )
    tables = _period_tables(folder, "negotiation_states", today)
    if open_end:
        _check_nothing_later(tables, row, "state", "negotiation_states")
    target, merged = _write_periods(folder, "negotiation_states", row, "START/--end", today, tables)
    return StateReport(target, first, last, state, merged["end"].max())


# --- add-exercise ---


@dataclass
class ExerciseReport:
    """What :func:`add_exercise` wrote."""

    path: Path
    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    scale: str
    exercises_through: pd.Timestamp


def add_exercise(
    data_dir: str | Path,
    name: str,
    start: str,
    end: str,
    source: str,
    scale: str = "full",
    approximate: bool = False,
    today: dt.date | None = None,
) -> ExerciseReport:
    """Add one major US-ROK exercise to the overlay's exercise calendar.

    Parameters
    ----------
    data_dir : str or Path
        The overlay folder (created if needed).
    name : str
        Exercise name, e.g. ``"Freedom Shield 26"``.
    start, end : str
        First and last day (``YYYY-MM-DD``), not in the future.
    source : str
        Where the dates come from (required, as in the bundled table).
    scale : {"full", "reduced", "simulation", "suspended"}
        ``suspended`` records an exercise that was called off (0 exercise days);
        the others count as exercise days.
    approximate : bool
        The dates are approximate (e.g. only the month is reported).
    today : date, optional
        Reference date (no future dates).

    Returns
    -------
    ExerciseReport
    """
    today = today or dt.date.today()
    if scale not in EXERCISE_SCALES:
        raise ConfigError(
            "--scale", f"unknown scale {scale!r}", f"use one of {list(EXERCISE_SCALES)}"
        )
    if not name.strip() or not source.strip():
        raise ConfigError("NAME/--source", "name and source must not be empty", "give both")
    first, last = _date("START", start), _date("END", end)
    _check_range(first, last, "END", today)
    if first < pd.Timestamp(EARLIEST_EVENT_DATE):
        raise ConfigError(
            "START",
            f"{first:%Y-%m-%d} is before {EARLIEST_EVENT_DATE}; the data start in 1984 and the "
            "panel in 1990",
            "correct the date (a typo in the year?)",
        )
    days = (last - first).days + 1
    if days > MAX_EXERCISE_DAYS:
        raise ConfigError(
            "START/END",
            f"{days} days, longer than {MAX_EXERCISE_DAYS} (the longest recorded exercise ran "
            "about two months)",
            "check the dates; record a long campaign as its separate exercises",
        )
    folder = _overlay_folder(data_dir)
    with overlay_lock(folder, create=True):  # read, change and commit as one step
        return _add_exercise_locked(folder, name, first, last, source, scale, approximate, today)


def _add_exercise_locked(
    folder: Path, name, first, last, source, scale, approximate, today
) -> ExerciseReport:
    recover(folder, names=OVERLAY_FILES)
    # the whole overlay read first: a damaged table of it is refused before anything is written
    current = load_merged(folder, today=today).exercise_calendar_end
    target = folder / EXERCISES.filename
    own = read_overlay_table(folder, "exercises", today=today)
    bundled = read_table(BUNDLED_DATA_DIR / EXERCISES.filename, EXERCISES, today)
    for where, table in (("the bundled data", bundled), (str(target), own)):
        if table is not None and ((table["name"] == name) & (table["start"] == first)).any():
            raise ConfigError(
                "NAME",
                f"{name!r} starting {first:%Y-%m-%d} is already recorded in {where}",
                f"nothing was written; to correct an overlay row, edit or delete it in {target}",
            )
    row = pd.DataFrame(
        {
            "name": [name],
            "start": [first],
            "end": [last],
            "scale": [scale],
            "approximate": [approximate],
            "source": [source],
        }
    )
    rows = row if own is None else pd.concat([own, row], ignore_index=True)
    rows = rows.sort_values(["start", "name"]).reset_index(drop=True)
    text, _ = _table_text(rows, EXERCISES, overlay_spec("exercises"), target, today)
    commit_files(folder, {EXERCISES.filename: text})
    return ExerciseReport(target, name, first, last, scale, max(current, last))


# --- confirm-exercises ---


@dataclass
class ExerciseCheckReport:
    """What :func:`confirm_exercises` wrote."""

    path: Path
    checked_from: pd.Timestamp
    exercises_through: pd.Timestamp


def confirm_exercises(
    data_dir: str | Path, through: str, source: str, today: dt.date | None = None
) -> ExerciseCheckReport:
    """Record that no major US-ROK exercise beyond those recorded was held up to ``through``.

    Without it, the days after the exercise calendar's end have 0 exercise days *by
    assumption* and every panel past it carries a caveat; with it, those days up to
    ``through`` have 0 exercise days by record (exercises held there are added first, with
    :func:`add_exercise`).

    Parameters
    ----------
    data_dir : str or Path
        The overlay folder (created if needed).
    through : str
        Last day checked (``YYYY-MM-DD``), not in the future and after the calendar's current
        end (otherwise nothing would change, and nothing is written). A day inside a month
        leaves that month in the caveat: its days after THROUGH are still assumed.
    source : str
        What was checked (e.g. the USFK or ROK JCS announcements of the period).
    today : date, optional
        Reference date (no future dates).

    Returns
    -------
    ExerciseCheckReport
    """
    today = today or dt.date.today()
    if not source.strip():
        raise ConfigError("--source", "the source must not be empty", "say what was checked")
    last = _date("THROUGH", through)
    _check_range(last, last, "THROUGH", today)
    folder = _overlay_folder(data_dir)
    with overlay_lock(folder, create=True):  # read, change and commit as one step
        return _confirm_exercises_locked(folder, last, source, today)


def _confirm_exercises_locked(folder: Path, last, source, today) -> ExerciseCheckReport:
    recover(folder, names=OVERLAY_FILES)
    current = load_merged(folder, today=today).exercise_calendar_end
    if last <= current:
        raise ConfigError(
            "THROUGH",
            f"the exercise calendar is already coded to {current:%Y-%m-%d}, so "
            f"{last:%Y-%m-%d} changes nothing; nothing was written",
            "give a later day, or add an exercise held since with 'forecast data add-exercise'",
        )
    own = read_exercise_checks(folder, today=today)
    row = pd.DataFrame({"through": [last], "source": [source]})
    rows = row if own is None else pd.concat([own, row], ignore_index=True)
    rows = rows.sort_values("through").reset_index(drop=True)
    target = folder / EXERCISE_CHECKS.filename
    text, _ = _table_text(rows, EXERCISE_CHECKS, EXERCISE_CHECKS, target, today)
    commit_files(folder, {EXERCISE_CHECKS.filename: text})
    return ExerciseCheckReport(target, current + pd.Timedelta(days=1), last)


# --- leaders ---


@dataclass
class LeaderReport:
    """What :func:`set_leader` or :func:`confirm_leaders` wrote."""

    path: Path
    #: The periods written: ``country, leader, start, end`` (one row per country extended).
    periods: pd.DataFrame
    #: The last day every country's leader is coded for, after the write.
    leaders_through: pd.Timestamp


def _leader_rows(rows: list[dict], source: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["country", "leader", "start", "end"])
    return frame.assign(source=source)


def _spelling_key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _check_spelling(tables: tuple, country: str, leader: str) -> None:
    """Refuse a name that differs from one already coded for ``country`` (``tables``: the
    overlay's and the bundled leaders) only in case, spaces or punctuation ("lee jae myung"
    for "Lee Jae-myung"): the models' leader eras compare names, so it would start a new era.
    Names that differ in letters are new leaders."""
    own, bundled = tables
    coded = pd.concat([t for t in (bundled, own) if t is not None], ignore_index=True)
    coded = coded[coded["country"] == country]
    same = coded[coded["leader"].map(_spelling_key) == _spelling_key(leader)]
    if len(same) and leader not in set(same["leader"]):
        first = same.iloc[0]
        raise ConfigError(
            "LEADER",
            f"{leader!r} is spelled differently from {first['leader']!r}, coded for {country} "
            f"from {first['start']:%Y-%m-%d}; the models' leader eras compare names, so it "
            "would count as a new leader",
            f"write {first['leader']!r}; nothing was written",
        )


def set_leader(
    data_dir: str | Path,
    country: str,
    leader: str,
    start: str,
    source: str,
    end: str | None = None,
    today: dt.date | None = None,
) -> LeaderReport:
    """Code ``country``'s leader from ``start`` to ``end`` in the overlay.

    The period replaces whatever overlay periods of that country covered those days and must
    join the country's coded timeline without a gap (a new leader starts the day after the
    last coded day, or earlier to correct it). With no ``end``, a period that would run over
    another leader in force before the default end is refused (a correction of an earlier
    term needs its ``end``).

    Parameters
    ----------
    data_dir : str or Path
        The overlay folder (created if needed).
    country : {"DPRK", "US", "ROK"}
        The country.
    leader : str
        The leader's name as the bundled table spells it for an incumbent (e.g.
        ``"Kim Jong Un"``): the models' leader eras compare names.
    start, end : str
        ``YYYY-MM-DD``; ``end`` defaults to :func:`default_state_end`.
    source : str
        Where the dates come from (required, as in the bundled table).
    today : date, optional
        Reference date (no future dates).

    Returns
    -------
    LeaderReport
    """
    today = today or dt.date.today()
    if country not in COUNTRIES:
        raise ConfigError(
            "COUNTRY", f"unknown country {country!r}", f"use one of {list(COUNTRIES)}"
        )
    if not leader.strip() or not source.strip():
        raise ConfigError("LEADER/--source", "leader and source must not be empty", "give both")
    first = _date("START", start)
    _check_started(first, today, "code a leader only for days that have passed")
    last = _default_end(first, end, today, "the leader")
    row = _leader_rows([dict(country=country, leader=leader, start=first, end=last)], source)
    folder = _overlay_folder(data_dir)
    with overlay_lock(folder, create=True):  # read, change and commit as one step
        recover(folder, names=OVERLAY_FILES)
        tables = _period_tables(folder, "leaders", today)
        _check_spelling(tables, country, leader)
        if end is None:
            _check_nothing_later(tables, row, "leader", "leaders")
        target, merged = _write_periods(folder, "leaders", row, "START/--end", today, tables)
    return LeaderReport(target, row.drop(columns="source"), leaders_through(merged))


def confirm_leaders(
    data_dir: str | Path, through: str, source: str, today: dt.date | None = None
) -> LeaderReport:
    """Record that no country's leader changed up to ``through``: each country whose leaders
    are coded to an earlier day gets its last leader continuing to ``through``.

    Parameters
    ----------
    data_dir : str or Path
        The overlay folder (created if needed).
    through : str
        Last day checked (``YYYY-MM-DD``), not in the future and after the day every country's
        leader is coded to (otherwise nothing would change, and nothing is written).
    source : str
        What was checked.
    today : date, optional
        Reference date (no future dates).

    Returns
    -------
    LeaderReport
    """
    today = today or dt.date.today()
    if not source.strip():
        raise ConfigError("--source", "the source must not be empty", "say what was checked")
    last = _date("THROUGH", through)
    _check_range(last, last, "THROUGH", today)
    folder = _overlay_folder(data_dir)
    with overlay_lock(folder, create=True):  # read, change and commit as one step
        recover(folder, names=OVERLAY_FILES)
        # the whole overlay read first: a damaged table of it is refused before anything is
        # written
        leaders = load_merged(folder, today=today).leaders
        latest = leaders.sort_values("start").groupby("country", sort=False).tail(1)
        behind = latest[latest["end"] < last]
        if behind.empty:
            raise ConfigError(
                "THROUGH",
                f"every country's leader is already coded to {leaders_through(leaders):%Y-%m-%d}"
                f" or later, so {last:%Y-%m-%d} changes nothing; nothing was written",
                "give a later day, or code a new leader with 'forecast data set-leader'",
            )
        order = {c: i for i, c in enumerate(COUNTRIES)}
        behind = behind.sort_values("country", key=lambda c: c.map(order))
        rows = _leader_rows(
            [
                dict(
                    country=r.country, leader=r.leader, start=r.end + pd.Timedelta(days=1), end=last
                )
                for r in behind.itertuples()
            ],
            source,
        )
        target, merged = _write_periods(folder, "leaders", rows, "THROUGH", today)
    return LeaderReport(target, rows.drop(columns="source"), leaders_through(merged))
