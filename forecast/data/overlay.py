"""The overlay folder: user data merged over the bundled ``datasets/``.

Where the overlay is
--------------------
Commands take ``--data-dir DIR``; without it the environment variable
``FORECAST_DATA_DIR`` is used, and without that ``./local-data`` (relative to
the working directory). :func:`resolve_data_dir` applies that order for
commands that *read*: the default ``./local-data`` that does not exist means
"bundled data only", while a folder named explicitly (option or variable) must
exist. Commands that *write* (``data import``, ``data set-state``, ``data add-exercise``,
``data confirm-exercises``, ``data confirm-leaders``, ``data set-leader``) create it
(:func:`overlay_for_writing`). Nothing here writes to ``datasets/`` (only ``forecast data
build`` does).

The library call :func:`forecast.data.load_tables` takes the overlay folder as
an argument (``None``: bundled only) and never looks at the environment, so
notebooks and tests are reproducible.

How the overlay merges (one file per table, same name and columns as the bundled one)
-------------------------------------------------------------------------------------
- ``missile_tests.csv``, ``nuclear_tests.csv``, ``provocations_csis.csv``,
  ``exercises.csv``: overlay rows are **appended**. An overlay row whose key
  (the table's :attr:`~forecast.data.checked_csv.TableSpec.key`, e.g.
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
- ``exercise_checks.csv`` (not a canonical table, never bundled): days through which the
  user checked the exercise calendar and found no further exercise (``forecast data
  confirm-exercises``); the latest moves the merged ``exercises_through`` on, so days up to
  it have their exercise days by record, not by assumption.
- A missing overlay file leaves that table as bundled. A broken overlay file
  raises :class:`DataError` naming the overlay file, line and column.

What writes the overlay
-----------------------
Launches are imported by :mod:`forecast.data.launch_import` (``forecast data import``, with
the log of their sources, :data:`SOURCE_LOG`); a negotiation-state period and an exercise are
coded by hand with :mod:`forecast.data.hand_coding` (``forecast data set-state``, ``forecast
data add-exercise``), as is the day through which the exercise calendar was checked (``forecast
data confirm-exercises``, ``exercise_checks.csv``) and the leaders (``forecast data
confirm-leaders``, ``forecast data set-leader``, ``leaders.csv``).

Writing safely
--------------
Nothing writes inside the bundled ``datasets/`` (the folder is resolved, so a
symlink, ``..`` or a sub-folder that leads there is refused too). An overlay folder
holds the user's own files as well, so it is never replaced whole: each write
replaces only our table files, through :func:`forecast.data.transaction.commit_files`,
which makes a multi-file update (``missile_tests.csv`` with ``import_sources.csv``)
all-or-nothing even under SIGKILL; every read and write first completes or undoes an
interrupted update (:func:`forecast.data.transaction.recover`). Each command reads, changes
and commits the folder under its exclusive lock
(:func:`forecast.data.transaction.overlay_lock`), and readers read under it too, so two
commands on one folder at the same time queue instead of losing an update.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from functools import partial
from pathlib import Path

import pandas as pd

from forecast.constants import BUNDLED_DATA_DIR
from forecast.data.checked_csv import TableSpec, read_table
from forecast.data.panel import Tables
from forecast.data.tables import EXERCISE_CHECKS, SPECS, _check_periods
from forecast.data.transaction import overlay_lock, recover
from forecast.destinations import (
    nearest_existing,
    probe_writable,
    refuse_protected,
    resolved_path,
)
from forecast.errors import ConfigError, DataError

#: Environment variable naming the overlay folder.
ENV_VAR = "FORECAST_DATA_DIR"

#: Default overlay folder, relative to the working directory.
DEFAULT_OVERLAY = Path("local-data")

#: Tables whose overlay periods override the bundled coverage (name -> group column).
PERIOD_TABLES = {"negotiation_states": None, "leaders": "country"}

#: Overlay file logging where each imported missile row came from (not a canonical table).
SOURCE_LOG = "import_sources.csv"

#: Every file of ours an overlay folder may hold.
OVERLAY_FILES = (
    *(spec.filename for spec in SPECS.values()),
    SOURCE_LOG,
    EXERCISE_CHECKS.filename,
)


# --- where the overlay is ---


def resolve_data_dir(data_dir: str | Path | None, writing: bool = False) -> Path | None:
    """The overlay folder a command should use (``None``: bundled data only); for reading
    (``writing=False``), a ``$FORECAST_DATA_DIR`` that is not a folder is refused here, in
    words that name the variable."""
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get(ENV_VAR)
    if env:
        if not writing and not Path(env).is_dir():  # named here: no --data-dir was typed
            raise DataError(
                env,
                f"the overlay data folder of ${ENV_VAR} is not a folder"
                + (" (it does not exist)" if not Path(env).exists() else ""),
                f"create it with 'forecast data import FILE' or 'forecast data set-state' (they "
                f"write to ${ENV_VAR}), or unset {ENV_VAR} for the bundled data",
            )
        return Path(env)
    return DEFAULT_OVERLAY if DEFAULT_OVERLAY.is_dir() else None


def overlay_for_writing(data_dir: str | Path | None) -> Path:
    """The overlay folder a writing command should use; never in or above ``datasets/``.

    Refused before any work (:class:`ConfigError` naming ``--data-dir``): a path that
    resolves to, inside or above the bundled folder or one of the project's own folders
    (symlinks, ``..``, sub-folders; see :func:`forecast.destinations.refuse_protected`), a
    symbolic-link loop, an existing file, a folder (or nearest existing parent) that
    cannot be written, and the current folder or one of its parents (``--data-dir ""``).
    """
    folder = resolve_data_dir(data_dir, writing=True) or DEFAULT_OVERLAY
    refuse_protected(folder, "--data-dir")
    target, here = resolved_path(folder), Path.cwd().resolve()
    if target == here or target in here.parents:  # also --data-dir "" (an empty variable)
        raise ConfigError(
            "--data-dir" if data_dir is not None else f"${ENV_VAR}",
            f"{str(data_dir) if data_dir is not None else folder!r} is the current folder or one "
            "of its parents: the overlay's tables would be written among your other files",
            "give the overlay its own folder, e.g. --data-dir local-data; nothing was written",
        )
    if folder.exists() and not folder.is_dir():
        raise ConfigError(
            "--data-dir", f"{folder} is a file, not a folder", "point --data-dir at a folder"
        )
    existing = nearest_existing(folder.resolve())
    if not existing.is_dir():
        raise ConfigError(
            "--data-dir", f"{existing} is a file, so {folder} cannot be created", "fix the path"
        )
    probe_writable(existing, "--data-dir", folder)
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


def subtract_periods(base: pd.DataFrame, over: pd.DataFrame) -> pd.DataFrame:
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


def periods_in_force(base: pd.DataFrame, over: pd.DataFrame) -> pd.DataFrame:
    """The periods of one timeline (one group) in force: ``over`` laid over ``base``, by start
    (gaps are not checked: :func:`merge_periods` does)."""
    kept = subtract_periods(base, over)
    part = pd.concat([x for x in (kept, over) if len(x)], ignore_index=True)
    return part.sort_values("start").reset_index(drop=True)


def merge_periods(
    base: pd.DataFrame, over: pd.DataFrame, group: str | None, path: str | Path
) -> pd.DataFrame:
    """Overlay periods replace the base coverage of their dates; the result must be contiguous."""
    parts = []
    groups = [None] if group is None else sorted(set(base[group]) | set(over[group]))
    for g in groups:
        b = base if g is None else base[base[group] == g]
        o = over if g is None else over[over[group] == g]
        part = periods_in_force(b, o)
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


def read_exercise_checks(folder: Path, today: dt.date | None = None):
    """The overlay's ``exercise_checks.csv``: the days through which the exercise calendar was
    checked.

    Parameters
    ----------
    folder : Path
        The overlay folder.
    today : date, optional
        Reference date for the "no future dates" rule.

    Returns
    -------
    DataFrame or None
        ``through, source``, validated; ``None`` when the file is absent.
    """
    path = folder / EXERCISE_CHECKS.filename
    return read_table(path, EXERCISE_CHECKS, today=today) if path.exists() else None


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
        checks = read_exercise_checks(folder, today=today)
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

    exercises_through = through("exercises", "end")
    if checks is not None and not checks.empty:  # checked and found none: coded, not assumed
        exercises_through = max(exercises_through, checks["through"].max())
    return Tables(
        **merged,
        exercises_through=exercises_through,
        csis_through=through("provocations_csis", "date"),
        overlay_dir=folder,
    )
