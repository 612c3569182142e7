"""Alternative codings of the negotiation states: read, checked, and applied in memory.

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

Loading and checking the alternatives needs no modelling layer: the ``forecast sensitivity``
command refuses a bad file before loading PyMC. The refits are :mod:`forecast.sensitivity`'s.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from forecast.constants import BUNDLED_DATA_DIR, EARLIEST_STATE_DATE, PROJECT_DIR, STATES
from forecast.data.checked_csv import (
    DATE,
    TEXT,
    TableSpec,
    file_line,
    read_table,
)
from forecast.data.overlay import merge_periods
from forecast.data.panel import Tables, daily_states
from forecast.data.tables import check_start_before_end
from forecast.errors import ConfigError, DataError
from forecast.present import listed

#: The shipped alternatives (CODING_NOTES.md, "Alternatives a user might prefer").
ALTERNATIVES_FILE = BUNDLED_DATA_DIR / "coding_alternatives.csv"

#: The row of the timeline as coded (a reserved alternative id).
AS_CODED = "as_coded"

#: An alternative id: what ``--only`` names (lower-case letters, digits, ``_``).
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _check_rows(df: pd.DataFrame, path: str) -> None:
    """Ids usable with ``--only`` and periods that end on or after their start."""
    bad = df.index[~df["id"].str.match(_ID) | (df["id"] == AS_CODED)]
    if len(bad):
        raise DataError(
            path,
            f"not a usable alternative id: {df.loc[bad[0], 'id']!r}",
            "write an id of lower-case letters, digits and _ (a letter first, at most 40 "
            f"characters; {AS_CODED!r} names the timeline as coded)",
            rows=[file_line(i) for i in bad],
            column="id",
        )
    check_start_before_end(
        df,
        path,
        "the alternative ends before it starts",
        "correct 'start' and 'end' (both days are included, start <= end)",
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
    table["line"] = [file_line(i) for i in table.index]
    table.attrs["source"] = str(path)
    return table


def source_of(alternatives: pd.DataFrame) -> str:
    """The file ``alternatives`` were read from, as :func:`project_path` shows it."""
    return project_path(alternatives.attrs.get("source", str(ALTERNATIVES_FILE)))


def project_path(path: str | Path) -> str:
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
            f"unknown {listed('alternative', unknown)}",
            f"use ids of {source_of(alternatives)}: {', '.join(known)} (the timeline as coded "
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
    source = source_of(alternatives)
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
