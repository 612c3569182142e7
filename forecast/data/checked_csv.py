"""Checked CSV tables: a table's contract, its reading and validation, and its CSV text.

A :class:`TableSpec` names a table's columns (each of a kind below, or a tuple of allowed
labels), its key and its table-level checks. :func:`read_table` reads a CSV, checks it
against its spec and returns a typed DataFrame, or raises
:class:`~forecast.errors.DataError` naming the file, the line(s), the column and the fix;
:func:`format_table` writes a typed table back as its CSV text. The pieces serve the raw
readers too: :func:`read_bytes_checked` and :func:`decode_text` refuse unreadable, oversized,
non-UTF-8 and binary files, :func:`parse_csv` malformed CSV, and :func:`validate_frame` a
frame of strings that breaks its spec.

The contracts of the canonical tables themselves are :mod:`forecast.data.tables`'.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import stat
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.constants import MAX_TABLE_BYTES
from forecast.errors import DataError, folder_problem
from forecast.present import counted, listed, noun_for

# Column kinds understood by the validator.
DATE = "date"  # ISO YYYY-MM-DD, required
TIME = "time"  # HH:MM or empty
TEXT = "text"  # non-empty string
OPTIONAL_TEXT = "optional_text"
NUMBER = "number"  # non-negative number or empty
COUNT = "count"  # non-negative number, required (its range is the table's own check)
BOOL = "bool"  # true / false

_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class TableSpec:
    """The contract of one canonical table.

    Parameters
    ----------
    name : str
        Short name, used by loaders (``"missile_tests"``).
    filename : str
        File name inside a data folder.
    columns : dict
        Column name -> kind (one of ``date``, ``time``, ``text``,
        ``optional_text``, ``number``, ``bool``) or a tuple of allowed labels.
    key : tuple of str
        Columns that identify a row; duplicates are refused.
    checks : list of callables
        Table-level checks ``check(df, path)`` raising :class:`DataError`.
    description : str
        One line for the data card and ``--help`` texts.
    earliest : str, optional
        Earliest date (``YYYY-MM-DD``) allowed in the ``date`` or ``start`` column (see the
        limits in :mod:`forecast.constants`; an ``end`` before its ``start`` is refused by the
        period checks); ``None``: no lower bound.
    """

    name: str
    filename: str
    columns: dict[str, str | tuple[str, ...]]
    key: tuple[str, ...]
    checks: list[Callable[[pd.DataFrame, str], None]] = field(default_factory=list)
    description: str = ""
    earliest: str | None = None


def file_line(index) -> int:
    """File line of a DataFrame row read with a header (header is line 1)."""
    return int(index) + 2


def decode_text(raw: bytes, path: str) -> str:
    """The text of a file's bytes: UTF-8 (a byte-order mark dropped), neither empty nor binary.

    Parameters
    ----------
    raw : bytes
        The file's content (as :func:`read_bytes_checked` returns it).
    path : str
        File name to name in errors.

    Returns
    -------
    str

    Raises
    ------
    DataError
        On bytes that are not UTF-8, on an empty file and on NUL bytes, naming the line.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            path,
            f"the file is not UTF-8 (byte 0x{raw[err.start]:02x} cannot be decoded)",
            "re-save the file as UTF-8 (for the CNS export, use 'forecast data import "
            "--format cns', which reads its latin-1 encoding)",
            rows=[line],
        ) from None
    if not text.strip():
        raise DataError(path, "the file is empty", "write a header row and at least one data row")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataError(
            path,
            "the file holds binary data (NUL bytes), not CSV text",
            "give the CSV file itself (exported as UTF-8 text)",
            rows=[line],
        )
    return text


def read_bytes_checked(path: Path, what: str = "file", limit: int = MAX_TABLE_BYTES) -> bytes:
    """Read a user's file, mapping OS errors and oversized files to :class:`DataError`."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise DataError(path, folder_problem(path, what), "give the path of the file")
        if not stat.S_ISREG(info.st_mode):
            raise DataError(
                path, f"the {what} is not a regular file (a device or pipe?)", "give a file"
            )
        size = info.st_size
        if size > limit:
            raise DataError(
                path,
                f"the {what} is {size:,} bytes, more than {limit:,}",
                "check that this is the right file (the tables are well under a megabyte)",
            )
        with path.open("rb") as fh:
            return fh.read(limit + 1)
    except OSError as err:
        raise DataError(
            path,
            f"cannot read the {what} ({err.strerror or err})",
            "check that it exists, is a file, and that you may read it",
        ) from None


def _require_filled(stripped: pd.Series, column: str, path: str, what: str = "") -> None:
    """Refuse the rows where a required column is empty, naming them."""
    empty = stripped.index[stripped == ""]
    if len(empty):
        raise DataError(
            path,
            "required value is empty",
            f"fill in '{column}' on every row{what}",
            rows=[file_line(i) for i in empty],
            column=column,
        )


def _parse_column(
    values: pd.Series, kind, column: str, path: str, today: dt.date, earliest: str | None = None
):
    """Parse one column of strings into its typed form, raising on bad cells."""
    stripped = values.str.strip()
    if isinstance(kind, tuple):
        bad = values.index[~stripped.isin(kind)]
        if len(bad):
            shown = sorted(set(stripped[bad]))[:3]
            raise DataError(
                path,
                f"unknown {listed('label', shown)}",
                f"use one of {list(kind)}",
                rows=[file_line(i) for i in bad],
                column=column,
            )
        return stripped
    if kind == DATE:
        ok = stripped.str.match(_DATE_RE)
        parsed = pd.to_datetime(stripped.where(ok), format="%Y-%m-%d", errors="coerce")
        bad = values.index[parsed.isna()]
        if len(bad):
            raise DataError(
                path,
                f"not a valid date: {stripped[bad[0]]!r}",
                "write dates as YYYY-MM-DD (e.g. 2017-07-04)",
                rows=[file_line(i) for i in bad],
                column=column,
            )
        if earliest is not None:
            early = values.index[parsed < pd.Timestamp(earliest)]
            if len(early):
                raise DataError(
                    path,
                    f"date {stripped[early[0]]} is before {earliest}, the earliest this table "
                    "records",
                    "correct the date (a typo in the year?)",
                    rows=[file_line(i) for i in early],
                    column=column,
                )
        future = values.index[parsed.dt.date > today]
        if len(future):
            raise DataError(
                path,
                f"date {stripped[future[0]]} is in the future (today is {today})",
                "correct the date; only events that have happened can be recorded",
                rows=[file_line(i) for i in future],
                column=column,
            )
        return parsed
    if kind == TIME:
        bad = values.index[(stripped != "") & ~stripped.str.match(_TIME_RE)]
        if len(bad):
            raise DataError(
                path,
                f"not a valid time: {stripped[bad[0]]!r}",
                "write times as HH:MM in UTC (24-hour clock), or leave empty if unknown",
                rows=[file_line(i) for i in bad],
                column=column,
            )
        return stripped
    if kind == TEXT:
        _require_filled(stripped, column, path)
        return stripped
    if kind == OPTIONAL_TEXT:
        return stripped
    if kind in (NUMBER, COUNT):
        or_empty = ", or leave empty if unknown" if kind == NUMBER else ""
        if kind == COUNT:
            _require_filled(stripped, column, path, " (a whole number)")
        parsed = pd.to_numeric(stripped.replace("", np.nan), errors="coerce")
        bad = values.index[parsed.isna() & (stripped != "")]
        if len(bad):
            raise DataError(
                path,
                f"not a number: {stripped[bad[0]]!r}",
                f"write a plain number (no units){or_empty}",
                rows=[file_line(i) for i in bad],
                column=column,
            )
        inf = values.index[np.isinf(parsed.astype(float))]
        if len(inf):
            raise DataError(
                path,
                f"not a finite number: {stripped[inf[0]]!r}",
                f"write a plain number{or_empty}",
                rows=[file_line(i) for i in inf],
                column=column,
            )
        neg = values.index[parsed < 0]
        if len(neg):
            raise DataError(
                path,
                f"negative value {parsed[neg[0]]:g}",
                "counts and distances cannot be negative: correct the value",
                rows=[file_line(i) for i in neg],
                column=column,
            )
        return parsed
    if kind == BOOL:
        lowered = stripped.str.lower()
        bad = values.index[~lowered.isin(["true", "false"])]
        if len(bad):
            raise DataError(
                path,
                f"not true/false: {stripped[bad[0]]!r}",
                "write 'true' or 'false'",
                rows=[file_line(i) for i in bad],
                column=column,
            )
        return lowered == "true"
    raise ValueError(f"unknown column kind {kind!r}")  # pragma: no cover - programming error


def validate_frame(
    df: pd.DataFrame, spec: TableSpec, path: str, today: dt.date | None = None
) -> pd.DataFrame:
    """Validate a frame of strings against ``spec`` and return it typed.

    Parameters
    ----------
    df : DataFrame
        All columns as strings (as read with ``dtype=str``).
    spec : TableSpec
        The table contract.
    path : str
        File name to name in errors.
    today : date, optional
        Dates after this are refused; defaults to today's date.

    Returns
    -------
    DataFrame
        Only the spec's columns, in the spec's order, typed.

    Raises
    ------
    DataError
        On the first violation found.
    """
    today = today or dt.date.today()
    missing = [c for c in spec.columns if c not in df.columns]
    if missing:
        raise DataError(
            path,
            f"missing {listed('column', missing)}",
            f"the header must contain: {','.join(spec.columns)}",
            rows=[1],
        )
    if df.empty:
        raise DataError(path, "the file has a header but no rows", "add at least one data row")
    out = pd.DataFrame(index=df.index)
    for column, kind in spec.columns.items():
        out[column] = _parse_column(
            df[column].astype(str),
            kind,
            column,
            path,
            today,
            spec.earliest if column in ("date", "start") else None,
        )
    dup = out.index[out.duplicated(subset=list(spec.key), keep="first")]
    if len(dup):
        raise DataError(
            path,
            f"duplicate {noun_for(len(dup), 'row')}: the key {list(spec.key)} repeats an "
            "earlier row",
            "delete the repeated row or correct its key columns",
            rows=[file_line(i) for i in dup],
            column=spec.key[0],
        )
    for check in spec.checks:
        check(out, path)
    return out.reset_index(drop=True)


def read_table(path: str | Path, spec: TableSpec, today: dt.date | None = None) -> pd.DataFrame:
    """Read and validate one canonical table.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    spec : TableSpec
        Its contract (see :data:`forecast.data.tables.SPECS`).
    today : date, optional
        Reference date for the "no future dates" rule.

    Returns
    -------
    DataFrame
        The typed, validated table.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(
            path,
            "file not found",
            "run 'forecast data build --raw ../shared/data' or point --data-dir at a folder "
            f"holding {spec.filename}",
        )
    text = decode_text(read_bytes_checked(path), str(path))
    return validate_frame(parse_csv(text, path), spec, str(path), today=today)


def _ragged_row(text: str, longer: bool) -> tuple[int, int, int] | None:
    """``(line, fields, header fields)`` of the first CSV record with more (``longer``) or
    fewer fields than the header; ``None`` when there is none. Blank lines, also those of
    spaces only, are no records (pandas skips them)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    width = None
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if width is None:
                width = len(record)
            elif len(record) > width if longer else len(record) < width:
                return reader.line_num, len(record), width
    except csv.Error:
        pass
    return None


def _long_row(text: str) -> int:
    """Line number of the first CSV record with more fields than the header (1 if none is
    found: the parser's complaint then concerns the header)."""
    found = _ragged_row(text, longer=True)
    return found[0] if found else 1


def check_unique_columns(names, path: str | Path) -> None:
    """Refuse a header that names a column twice (pandas would keep one, renaming the other).

    Names are compared without surrounding spaces; empty names are left to the table's own
    checks.
    """
    seen, repeated = set(), []
    for name in (str(n).strip() for n in names):
        if name and name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise DataError(
            path,
            f"the header names the {listed('column', repeated)} more than once",
            "keep one column of each name (check which one holds the right values) and "
            "delete or rename the other",
            rows=[1],
            column=repeated[0],
        )


def _header(text: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return []  # the parser below names the problem


def parse_csv(text: str, path: str | Path) -> pd.DataFrame:
    """Parse CSV text as strings; malformed CSV (or a header naming a column twice) raises
    :class:`DataError` naming ``path``."""
    header = _header(text)
    check_unique_columns(header, path)
    if len(header) == 1:  # a spreadsheet's export in another locale: ';' or tabs between fields
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if header[0].count(sep) >= 1:
                raise DataError(
                    path,
                    f"the fields are separated by {name}, not commas",
                    "save the file as comma-separated CSV (in a spreadsheet: CSV, comma delimited)",
                    rows=[1],
                )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, index_col=False
            )
    except pd.errors.ParserWarning:  # a row with more fields than the header
        raise DataError(
            path,
            "a row has more fields than the header",
            'quote fields that contain commas ("like, this"), or remove the extra commas',
            rows=[_long_row(text)],
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        line = re.search(r"line (\d+)", detail)
        raise DataError(
            path,
            f"the file is not valid CSV ({detail})",
            "check the quoting (a field with a comma or quote must be in double quotes, "
            "with inner quotes doubled) and that every row has as many fields as the header",
            rows=[int(line[1])] if line else None,
        ) from None
    short = _ragged_row(text, longer=False)
    if short is not None:  # pandas fills the missing fields with "" (read as other errors)
        line, fields, width = short
        raise DataError(
            path,
            f"a row has {counted(fields, 'field')}, fewer than the header's {width}",
            "give every row a value (or an empty field between commas) for each column of the "
            "header",
            rows=[line],
        )
    return frame


def format_table(df: pd.DataFrame, spec: TableSpec) -> str:
    """Render a typed table as the canonical CSV text (inverse of :func:`read_table`)."""
    out = df[list(spec.columns)].copy()
    for column, kind in spec.columns.items():
        if kind == DATE:
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        elif kind in (NUMBER, COUNT):
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else f"{v:g}")
        elif kind == BOOL:
            out[column] = out[column].map({True: "true", False: "false"})
    return out.to_csv(index=False, lineterminator="\n")
