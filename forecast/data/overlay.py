"""The overlay folder: user data merged over the bundled ``datasets/``.

Where the overlay is
--------------------
Commands take ``--data-dir DIR``; without it the environment variable
``FORECAST_DATA_DIR`` is used, and without that ``./local-data`` (relative to
the working directory). :func:`resolve_data_dir` applies that order for
commands that *read*: the default ``./local-data`` that does not exist means
"bundled data only", while a folder named explicitly (option or variable) must
exist. Commands that *write* (``data import``, ``data set-state``) create it.
Nothing here writes to ``datasets/`` (only ``forecast data build`` does).

The library call :func:`forecast.data.load_tables` takes the overlay folder as
an argument (``None``: bundled only) and never looks at the environment, so
notebooks and tests are reproducible.

How the overlay merges (one file per table, same name and columns as the bundled one)
-------------------------------------------------------------------------------------
- ``missile_tests.csv``, ``nuclear_tests.csv``, ``provocations_csis.csv``,
  ``exercises.csv``: overlay rows are **appended**. An overlay row whose key
  (the table's :attr:`~forecast.data.tables.TableSpec.key`, e.g.
  ``date, salvo_index``) is already in the bundled table is a duplicate and is
  dropped: the bundled row wins. So an overlay holding a full copy of the
  bundled tables merges to the bundled data, and launches imported before a
  new bundled release that covers them are not counted twice. The overlay
  adds; to *correct* a bundled row, fix the source and rebuild.
- ``negotiation_states.csv`` and ``leaders.csv`` (per country): overlay
  periods **override**: each overlay period replaces the bundled coverage of
  its dates (a bundled period is cut around it, keeping its label on either
  side), and periods after the bundled end extend the timeline. Overlay
  periods must not overlap each other but may leave gaps, as long as the
  merged timeline is contiguous; otherwise a :class:`DataError` names the
  overlay file and the uncovered days.
- A missing overlay file leaves that table as bundled. A broken overlay file
  raises :class:`DataError` naming the overlay file, line and column.

Importing launches
------------------
:func:`import_launches` validates a CNS export (``cns``) or an events template
(``events``) with :func:`~forecast.data.read_cns_export` /
:func:`~forecast.data.read_events_template`, drops duplicates and appends the
rest to the overlay's ``missile_tests.csv`` (written atomically, or not at all).
The canonical table has no source column, so each added row's source (the
template's ``source``, or ``CNS export <file>``) goes to the overlay's
``import_sources.csv`` with the file name and date of the import
(:func:`read_source_log`); ``forecast refit`` shows it next to the new events.

- A CNS row duplicates an existing (bundled or overlay) row with the same
  ``date`` and ``salvo_index`` (position among the rows of its day). Because
  the export dates some launches by the Korean day, a row also duplicates the
  row of the **day before** with the same ``salvo_index`` and the same known
  launch time at or after 15:00 UTC (that launch's Korean date is the next day).
- An events-template row (one launch day and class) duplicates the existing
  data when a launch of that class is already recorded on that date, whatever
  its number of missiles. New rows get the salvo positions after the last one
  recorded that day.

Launches after the end of the coded state timeline are accepted (import, then
``forecast data set-state``); the panel refuses them until their state is coded.

Adding an exercise
------------------
:func:`add_exercise` appends one major US-ROK exercise to the overlay's
``exercises.csv``. Months after the exercise calendar's end (the bundled data's
end, or the last overlay exercise, whichever is later) get 0 exercise days by
assumption; :func:`forecast.data.panel.data_caveats` says so wherever a panel
runs past it.

Writing safely
--------------
Nothing here writes inside the bundled ``datasets/`` (the folder is resolved, so a
symlink, ``..`` or a sub-folder that leads there is refused too). An overlay folder
holds the user's own files as well, so it is never replaced whole: each write
replaces only our table files, through :func:`forecast.data.transaction.commit_files`,
which makes a multi-file update (``missile_tests.csv`` with ``import_sources.csv``)
all-or-nothing even under SIGKILL; every read and write first completes or undoes an
interrupted update (:func:`forecast.data.transaction.recover`). Each command reads, changes
and commits the folder under its exclusive lock
(:func:`forecast.data.transaction.overlay_lock`), and readers read under it too, so two
commands on one folder at the same time queue instead of losing an update.

Setting a state
---------------
:func:`set_state` writes one period ``START..END`` into the overlay's
``negotiation_states.csv``, replacing whatever overlay periods covered those
days. ``END`` defaults to the last day of the last complete month (the month
before today): the panel works on whole months and no date may be in the
future. A ``START`` in the current month therefore needs an explicit ``END``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pandas as pd

from forecast.constants import (
    BUNDLED_DATA_DIR,
    EARLIEST_EVENT_DATE,
    EARLIEST_STATE_DATE,
    EXERCISE_SCALES,
    MAX_EXERCISE_DAYS,
    MAX_MISSILES_PER_DAY,
    STATES,
)
from forecast.data.panel import Tables
from forecast.data.raw import read_cns_export, read_events_template
from forecast.data.tables import (
    EXERCISES,
    MISSILE_TESTS,
    NEGOTIATION_STATES,
    SPECS,
    TableSpec,
    _check_periods,
    _decode,
    format_table,
    parse_csv,
    read_bytes_checked,
    read_table,
    validate_frame,
)
from forecast.data.transaction import commit_files, overlay_lock, recover
from forecast.errors import ConfigError, DataError

#: Environment variable naming the overlay folder.
ENV_VAR = "FORECAST_DATA_DIR"

#: Default overlay folder, relative to the working directory.
DEFAULT_OVERLAY = Path("local-data")

#: Tables whose overlay periods override the bundled coverage (name -> group column).
PERIOD_TABLES = {"negotiation_states": None, "leaders": "country"}

#: A launch at or after this UTC hour falls on the next Korean day (UTC+9).
KOREAN_DAY_HOUR = 15

IMPORT_FORMATS = ("cns", "events")

#: Overlay file logging where each imported missile row came from (not a canonical table).
SOURCE_LOG = "import_sources.csv"

#: Every file of ours an overlay folder may hold.
OVERLAY_FILES = (*(spec.filename for spec in SPECS.values()), SOURCE_LOG)


# --- where the overlay is ---


def resolve_data_dir(data_dir: str | Path | None) -> Path | None:
    """The overlay folder a reading command should use (``None``: bundled data only)."""
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return DEFAULT_OVERLAY if DEFAULT_OVERLAY.is_dir() else None


def overlay_for_writing(data_dir: str | Path | None) -> Path:
    """The overlay folder a writing command should use; never in or above ``datasets/``.

    Refused before any work (:class:`ConfigError` naming ``--data-dir``): a path that
    resolves to, inside or above the bundled folder or one of the project's own folders
    (symlinks, ``..``, sub-folders; see :func:`forecast.outputs.refuse_protected`), a
    symbolic-link loop, an existing file, and a folder (or nearest existing parent) that
    cannot be written.
    """
    from forecast.outputs import _nearest_existing, _probe_writable, refuse_protected

    folder = resolve_data_dir(data_dir) or DEFAULT_OVERLAY
    refuse_protected(folder, "--data-dir")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(
            "--data-dir", f"{folder} is a file, not a folder", "point --data-dir at a folder"
        )
    existing = _nearest_existing(folder.resolve())
    if not existing.is_dir():
        raise ConfigError(
            "--data-dir", f"{existing} is a file, so {folder} cannot be created", "fix the path"
        )
    _probe_writable(existing, "--data-dir", folder)
    return folder


# --- reading and merging ---


def overlay_spec(name: str) -> TableSpec:
    """The contract of an overlay table: as bundled, but periods may leave gaps."""
    spec = SPECS[name]
    if name in PERIOD_TABLES:
        check = partial(_check_periods, group=PERIOD_TABLES[name], allow_gaps=True)
        return replace(spec, checks=[check])
    return spec


def _append(base: pd.DataFrame, over: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    key = list(spec.key)
    dup = pd.MultiIndex.from_frame(over[key]).isin(pd.MultiIndex.from_frame(base[key]))
    new = over[~dup]
    if new.empty:
        return base
    merged = pd.concat([base, new], ignore_index=True)
    return merged.sort_values(key, kind="stable").reset_index(drop=True)


def _subtract(base: pd.DataFrame, over: pd.DataFrame) -> pd.DataFrame:
    """Cut the days covered by ``over`` out of the periods of ``base``."""
    pieces = []
    day = pd.Timedelta(days=1)
    for _, row in base.iterrows():
        segments = [(row["start"], row["end"])]
        for o_start, o_end in zip(over["start"], over["end"], strict=True):
            nxt = []
            for s, e in segments:
                if o_end < s or o_start > e:
                    nxt.append((s, e))
                    continue
                if s < o_start:
                    nxt.append((s, o_start - day))
                if e > o_end:
                    nxt.append((o_end + day, e))
            segments = nxt
        for s, e in segments:
            pieces.append({**row.to_dict(), "start": s, "end": e})
    if not pieces:  # every period covered: an empty table with the columns' types
        return base.iloc[:0].reset_index(drop=True)
    return pd.DataFrame(pieces, columns=base.columns).astype(base.dtypes.to_dict())


def merge_periods(
    base: pd.DataFrame, over: pd.DataFrame, group: str | None, path: str | Path
) -> pd.DataFrame:
    """Overlay periods replace the base coverage of their dates; the result must be contiguous."""
    parts = []
    groups = [None] if group is None else sorted(set(base[group]) | set(over[group]))
    for g in groups:
        b = base if g is None else base[base[group] == g]
        o = over if g is None else over[over[group] == g]
        kept = _subtract(b, o)
        part = pd.concat([x for x in (kept, o) if len(x)], ignore_index=True)
        part = part.sort_values("start").reset_index(drop=True)
        gaps = part.index[(part["start"] - part["end"].shift()) > pd.Timedelta(days=1)]
        if len(gaps):
            i = gaps[0]
            first = part.loc[i - 1, "end"] + pd.Timedelta(days=1)
            last = part.loc[i, "start"] - pd.Timedelta(days=1)
            who = "" if g is None else f" ({g})"
            raise DataError(
                path,
                f"the merged timeline{who} has a gap from {first:%Y-%m-%d} to {last:%Y-%m-%d}",
                "overlay periods must join the bundled timeline: start the overlay period on "
                f"{first:%Y-%m-%d} or earlier",
                column="start",
            )
        parts.append(part)
    merged = pd.concat(parts, ignore_index=True)
    sort = ["start"] if group is None else [group, "start"]
    if group is not None:  # keep the bundled order of countries
        order = {c: i for i, c in enumerate(dict.fromkeys([*base[group], *over[group]]))}
        merged = merged.assign(_o=merged[group].map(order)).sort_values(["_o", "start"])
        return merged.drop(columns="_o").reset_index(drop=True)
    return merged.sort_values(sort).reset_index(drop=True)


def merge_table(name: str, base: pd.DataFrame, over: pd.DataFrame, path: str | Path):
    """Merge one overlay table over its bundled twin (see the module docstring)."""
    if name in PERIOD_TABLES:
        return merge_periods(base, over, PERIOD_TABLES[name], path)
    return _append(base, over, SPECS[name])


def read_overlay_table(folder: Path, name: str, today: dt.date | None = None):
    """The overlay's table ``name``, validated, or ``None`` when the file is absent."""
    path = folder / SPECS[name].filename
    if not path.exists():
        return None
    return read_table(path, overlay_spec(name), today=today)


def load_merged(data_dir: str | Path | None = None, today: dt.date | None = None) -> Tables:
    """The bundled tables with the overlay folder ``data_dir`` merged over them.

    Parameters
    ----------
    data_dir : str or Path, optional
        Overlay folder; ``None`` means the bundled data only. A folder that does
        not exist is refused (a typo would otherwise silently drop the overlay).
    today : date, optional
        Reference date for the "no future dates" rule.
    """
    bundled = {
        n: read_table(BUNDLED_DATA_DIR / s.filename, s, today=today) for n, s in SPECS.items()
    }
    if data_dir is None:
        return Tables(**bundled)
    folder = Path(data_dir)
    if folder.exists() and not folder.is_dir():
        raise DataError(folder, "the overlay data folder is a file", "point --data-dir at a folder")
    if not folder.is_dir():
        raise DataError(
            folder,
            "overlay data folder not found",
            "create it with 'forecast data import FILE --data-dir DIR' or "
            "'forecast data set-state', or leave out --data-dir for the bundled data",
        )
    if folder.resolve() == BUNDLED_DATA_DIR.resolve():
        return Tables(**bundled)
    with overlay_lock(folder):  # no update lands halfway through the reading
        recover(folder, names=OVERLAY_FILES)
        overlay = {name: read_overlay_table(folder, name, today=today) for name in bundled}
    merged = {}
    for name, base in bundled.items():
        over = overlay[name]
        merged[name] = (
            base if over is None else merge_table(name, base, over, folder / SPECS[name].filename)
        )
    bundled_end = Tables(**bundled).as_of

    def through(name: str, column: str) -> pd.Timestamp:
        over = overlay[name]
        return bundled_end if over is None or over.empty else max(bundled_end, over[column].max())

    return Tables(
        **merged,
        exercises_through=through("exercises", "end"),
        csis_through=through("provocations_csis", "date"),
    )


# --- import ---


@dataclass
class ImportReport:
    """What :func:`import_launches` did."""

    path: Path
    added: pd.DataFrame
    skipped: pd.DataFrame
    as_of: pd.Timestamp
    written: bool

    @property
    def late(self) -> pd.DataFrame:
        """Added launches after the end of the coded state timeline."""
        return self.added[self.added["date"] > self.as_of]

    def lines(self) -> list[str]:
        """What the import did, in sentences (the CLI prints them, notebook 06 shows them)."""
        added, skipped, late = self.added, self.skipped, self.late
        if len(added):
            out = [
                f"added {len(added)} row(s), {added['date'].nunique()} launch day(s), "
                f"{added['date'].min():%Y-%m-%d}..{added['date'].max():%Y-%m-%d} to {self.path}"
            ]
        else:
            out = [f"added nothing: {self.path} is unchanged"]
        if len(skipped):
            out.append(
                f"skipped {len(skipped)} row(s) ({skipped['date'].nunique()} launch day(s)) "
                "already recorded (duplicates)"
            )
        if len(late):
            out.append(
                f"{late['date'].nunique()} launch day(s) after the end of the state timeline "
                f"({self.as_of:%Y-%m-%d}): code their state with "
                "'forecast data set-state START STATE --source TEXT'"
            )
        return out


def _empty_missiles() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in MISSILE_TESTS.columns})


def _cns_duplicates(incoming: pd.DataFrame, existing: pd.DataFrame) -> pd.Series:
    keys = pd.MultiIndex.from_frame(existing[["date", "salvo_index"]])
    same = pd.MultiIndex.from_frame(incoming[["date", "salvo_index"]]).isin(keys)
    timed = existing[existing["time_utc"] >= f"{KOREAN_DAY_HOUR:02d}:00"]
    shifted = set(
        zip(
            timed["date"] + pd.Timedelta(days=1),
            timed["salvo_index"],
            timed["time_utc"],
            strict=True,
        )
    )
    korean = [
        (d, s, t) in shifted
        for d, s, t in zip(
            incoming["date"], incoming["salvo_index"], incoming["time_utc"], strict=True
        )
    ]
    return pd.Series(same, index=incoming.index) | pd.Series(korean, index=incoming.index)


def _event_duplicates(incoming: pd.DataFrame, existing: pd.DataFrame) -> pd.Series:
    keys = pd.MultiIndex.from_frame(existing[["date", "missile_class"]])
    dup = pd.MultiIndex.from_frame(incoming[["date", "missile_class"]]).isin(keys)
    return pd.Series(dup, index=incoming.index)


def import_launches(
    file: str | Path, fmt: str, data_dir: str | Path, today: dt.date | None = None
) -> ImportReport:
    """Validate ``file`` and append its new launches to the overlay's ``missile_tests.csv``.

    Parameters
    ----------
    file : str or Path
        A CNS export (.csv or .xlsx) or an events template CSV.
    fmt : {"cns", "events"}
        Format of ``file``.
    data_dir : str or Path
        The overlay folder (created when something is written).
    today : date, optional
        Reference date for the "no future dates" rule of the overlay tables (the
        imported file itself is checked against the real date by its reader).

    Returns
    -------
    ImportReport
        Rows added and rows skipped as duplicates. Nothing is written when the
        file is refused (:class:`DataError`) or holds nothing new.

    Notes
    -----
    The overlay is read, merged and committed under its lock
    (:func:`forecast.data.transaction.overlay_lock`): imports into one folder at the same
    time queue, and each builds on the one before.
    """
    if fmt not in IMPORT_FORMATS:
        raise ConfigError("--format", f"unknown format {fmt!r}", f"use one of {IMPORT_FORMATS}")
    folder = Path(data_dir)
    if folder.exists() and not folder.is_dir():
        raise ConfigError("--data-dir", f"{folder} is not a folder", "point it at a folder")
    incoming = read_cns_export(file) if fmt == "cns" else read_events_template(file)
    # read, merge and commit under the folder's lock: a concurrent import waits for this one
    with overlay_lock(folder, create=True):
        return _import_locked(incoming, file, fmt, folder, today)


def _import_locked(incoming, file, fmt: str, folder: Path, today) -> ImportReport:
    recover(folder, names=OVERLAY_FILES)
    tables = load_merged(folder, today=today)
    existing = tables.missile_tests
    if fmt == "cns":
        dup = _cns_duplicates(incoming, existing)
        added = incoming[~dup].copy()
    else:
        dup = _event_duplicates(incoming, existing)
        added = incoming[~dup].copy()
        last = existing.groupby("date")["salvo_index"].max()
        offset = added["date"].map(last).fillna(0)
        added["salvo_index"] = added.groupby("date").cumcount() + 1 + offset
    skipped = incoming[dup].reset_index(drop=True)
    added = added.reset_index(drop=True)
    target = folder / MISSILE_TESTS.filename
    written = False
    if len(added):
        own = read_overlay_table(folder, "missile_tests", today=today) if folder.is_dir() else None
        rows = added if own is None else pd.concat([own, added], ignore_index=True)
        rows = rows.sort_values(["date", "salvo_index"], kind="stable").reset_index(drop=True)
        _check_day_totals(existing, added, file)
        text = format_table(rows, MISSILE_TESTS)
        # the written table must read back as a valid overlay table
        check = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        validate_frame(check, MISSILE_TESTS, str(target), today=today)
        log = _source_log(folder, added, file, fmt, today)
        # one transaction: the table and its source log land together or not at all
        commit_files(folder, {MISSILE_TESTS.filename: text, SOURCE_LOG: log})
        written = True
    return ImportReport(target, added, skipped, tables.as_of, written)


def _check_day_totals(existing: pd.DataFrame, added: pd.DataFrame, file) -> None:
    """At most :data:`MAX_MISSILES_PER_DAY` missiles per day once the import is merged."""
    both = pd.concat([existing["date"], added["date"]], ignore_index=True)
    counts = both.value_counts()
    over = counts[counts > MAX_MISSILES_PER_DAY]
    if len(over):
        day = over.index.min()
        raise DataError(
            file,
            f"with this import {day:%Y-%m-%d} would have {over[day]} missiles, more than "
            f"{MAX_MISSILES_PER_DAY} in one day",
            "check the rows of that day (are they already recorded under another class?)",
            column="date",
        )


def _source_log(folder: Path, added: pd.DataFrame, file, fmt: str, today) -> str:
    """The overlay's source log with the rows of ``added`` appended (as CSV text)."""
    source = (
        added["source"]
        if "source" in added
        else pd.Series(f"CNS export {Path(file).name}", added.index)
    )
    new = pd.DataFrame(
        {
            "date": added["date"].dt.strftime("%Y-%m-%d"),
            "salvo_index": added["salvo_index"].astype(int),
            "missile_class": added["missile_class"],
            "source": source,
            "file": Path(file).name,
            "format": fmt,
            "imported_on": f"{today or dt.date.today()}",
        }
    )
    path = folder / SOURCE_LOG
    if path.exists():
        new = pd.concat([_read_log_text(path), new])
    return new.to_csv(index=False, lineterminator="\n")


#: Columns of the overlay's source log.
SOURCE_LOG_COLUMNS = ("date", "salvo_index", "missile_class", "source", "file", "format")


def _read_log_text(path: Path) -> pd.DataFrame:
    """The source log as strings, refusing a damaged one with the fix."""
    log = parse_csv(_decode(read_bytes_checked(path, "source log"), str(path)), path)
    missing = [c for c in SOURCE_LOG_COLUMNS if c not in log.columns]
    if missing:
        raise DataError(
            path,
            f"missing column(s) {missing}",
            f"restore the header {','.join(SOURCE_LOG_COLUMNS)},imported_on (the file is "
            "written by 'forecast data import')",
            rows=[1],
        )
    return log


def read_source_log(data_dir: str | Path | None) -> pd.DataFrame:
    """The overlay's source log (one row per imported missile), empty if there is none.

    Columns: ``date`` (Timestamp), ``salvo_index`` (int), ``missile_class``,
    ``source`` (the template's source, or ``CNS export <file>``), ``file``,
    ``format``, ``imported_on``.
    """
    path = Path(data_dir) / SOURCE_LOG if data_dir is not None else None
    if path is None or not path.exists():
        return pd.DataFrame(columns=[*SOURCE_LOG_COLUMNS, "imported_on"])
    log = _read_log_text(path)
    dates = pd.to_datetime(log["date"], format="%Y-%m-%d", errors="coerce")
    index = pd.to_numeric(log["salvo_index"], errors="coerce")
    bad = log.index[dates.isna() | index.isna()]
    if len(bad):
        raise DataError(
            path,
            "not a date or not a salvo number",
            "correct the row (dates YYYY-MM-DD, salvo_index a whole number) or delete it",
            rows=[int(i) + 2 for i in bad],
        )
    return log.assign(date=dates, salvo_index=index.astype(int))


# --- set-state ---


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


def _check_range(first: pd.Timestamp, last: pd.Timestamp, label: str, today: dt.date) -> None:
    """Refuse a period that ends before it starts or ends in the future."""
    if last < first:
        raise ConfigError(label, f"{last:%Y-%m-%d} is before START {first:%Y-%m-%d}", "swap them")
    if last.date() > today:
        raise ConfigError(
            label, f"{last:%Y-%m-%d} is in the future (today is {today})", "use a past date"
        )


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
        ``YYYY-MM-DD``; ``end`` defaults to :func:`default_state_end`.
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
    if first.date() > today:
        raise ConfigError(
            "START",
            f"{first:%Y-%m-%d} is in the future (today is {today})",
            "code a state only for days that have passed; scenarios (forecast scenarios) are "
            "the place for future states",
        )
    last = _date("--end", end) if end is not None else default_state_end(today)
    if end is None and last < first:
        raise ConfigError(
            "--end",
            f"START {first:%Y-%m-%d} is in the current month, which is not complete",
            "pass --end (at most today's date); the panel uses whole months, so set the "
            "state again once the month has ended",
        )
    _check_range(first, last, "--end", today)
    folder = Path(data_dir)
    with overlay_lock(folder, create=True):  # read, change and commit as one step
        return _set_state_locked(folder, first, last, state, source, events, today)


def _set_state_locked(folder: Path, first, last, state, source, events, today) -> StateReport:
    recover(folder, names=OVERLAY_FILES)
    target = folder / NEGOTIATION_STATES.filename
    own = read_overlay_table(folder, "negotiation_states", today=today)
    row = pd.DataFrame(
        {
            "start": [first],
            "end": [last],
            "state": [state],
            "defining_events": [events or f"coded with 'forecast data set-state' on {today}"],
            "source": [source],
        }
    )
    # the new period replaces whatever overlay periods covered its days (all of them when it
    # covers every one: the same period again, or an extension)
    kept = _subtract(own, row) if own is not None else row.iloc[:0]
    periods = pd.concat([kept, row], ignore_index=True) if len(kept) else row
    periods = periods.sort_values("start").reset_index(drop=True)
    text = format_table(periods, NEGOTIATION_STATES)
    check = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    periods = validate_frame(check, overlay_spec("negotiation_states"), str(target), today=today)
    bundled = read_table(BUNDLED_DATA_DIR / NEGOTIATION_STATES.filename, NEGOTIATION_STATES, today)
    merged = merge_periods(bundled, periods, None, target)
    commit_files(folder, {NEGOTIATION_STATES.filename: text})
    return StateReport(target, first, last, state, merged["end"].max())


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
    folder = Path(data_dir)
    with overlay_lock(folder, create=True):  # read, change and commit as one step
        return _add_exercise_locked(folder, name, first, last, source, scale, approximate, today)


def _add_exercise_locked(
    folder: Path, name, first, last, source, scale, approximate, today
) -> ExerciseReport:
    recover(folder, names=OVERLAY_FILES)
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
    text = format_table(rows, EXERCISES)
    check = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    rows = validate_frame(check, overlay_spec("exercises"), str(target), today=today)
    commit_files(folder, {EXERCISES.filename: text})
    through = load_merged(folder, today=today).exercises_through  # the one definition
    return ExerciseReport(target, name, first, last, scale, through)
