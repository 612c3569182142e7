"""Importing launches into the overlay folder (``forecast data import``).

:func:`import_launches` validates a CNS export (``cns``) or an events template
(``events``) with :func:`~forecast.data.read_cns_export` /
:func:`~forecast.data.read_events_template`, drops duplicates and appends the
rest to the overlay's ``missile_tests.csv`` (written atomically, or not at all).
The canonical table has no source column, so each added row's source (the
template's ``source``, or ``CNS export <file>``) goes to the overlay's
``import_sources.csv`` (:data:`~forecast.data.overlay.SOURCE_LOG`) with the file name and
date of the import (:func:`read_source_log`); ``forecast refit`` shows it next to the new
events.

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
``forecast data set-state``); the panel refuses them until their state is coded. The table
and its source log are committed together, under the folder's lock (see
:mod:`forecast.data.overlay`, "Writing safely").
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.constants import MAX_MISSILES_PER_DAY
from forecast.data.checked_csv import (
    decode_text,
    format_table,
    parse_csv,
    read_bytes_checked,
    validate_frame,
)
from forecast.data.overlay import OVERLAY_FILES, SOURCE_LOG, load_merged, read_overlay_table
from forecast.data.raw import read_cns_export, read_events_template
from forecast.data.tables import MISSILE_TESTS
from forecast.data.transaction import commit_files, overlay_lock, recover
from forecast.destinations import refuse_protected
from forecast.errors import ConfigError, DataError
from forecast.present import counted, listed

#: A launch at or after this UTC hour falls on the next Korean day (UTC+9).
KOREAN_DAY_HOUR = 15

IMPORT_FORMATS = ("cns", "events")


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
                f"added {counted(len(added), 'missile row')} (one per missile), "
                f"{counted(added['date'].nunique(), 'launch day')}, "
                f"{added['date'].min():%Y-%m-%d}..{added['date'].max():%Y-%m-%d} to {self.path}"
            ]
        else:
            out = [f"added nothing: {self.path} is unchanged"]
        if len(skipped):
            out.append(
                f"skipped {counted(len(skipped), 'missile row')} of the file "
                f"({counted(skipped['date'].nunique(), 'launch day')}, "
                f"{skipped['date'].min():%Y-%m-%d}.."
                f"{skipped['date'].max():%Y-%m-%d}): duplicates of launches already recorded, "
                "which were kept as they are"
            )
        if len(late):
            out.append(
                f"{counted(late['date'].nunique(), 'launch day')} after the end of the state "
                "timeline "
                f"({self.as_of:%Y-%m-%d}): code their state with "
                "'forecast data set-state START STATE --source TEXT'"
            )
        return out


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
    refuse_protected(folder, "data_dir")  # the CLI refused it already, naming --data-dir
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


# --- the source log ---


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
    log = parse_csv(decode_text(read_bytes_checked(path, "source log"), str(path)), path)
    missing = [c for c in SOURCE_LOG_COLUMNS if c not in log.columns]
    if missing:
        raise DataError(
            path,
            f"missing {listed('column', missing)}",
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
