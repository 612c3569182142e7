"""Readers of the raw public formats, each returning a canonical table.

- :func:`read_cns_json`: the CNS database as JSON (``test.en.json`` with its
  ``missile.en.json`` and ``facility.en.json`` lookups).
- :func:`read_cns_export`: the official CNS export users download from NTI
  (latin-1 CSV with 19 columns, or its .xlsx twin).
- :func:`read_csis`: the CSIS Beyond Parallel provocations list.
- :func:`read_events_template`: the project's simple template for new events.

Free-text columns (descriptions, notes, source prose) are never read into the
returned tables.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.constants import (
    EARLIEST_EVENT_DATE,
    MAX_IMPORT_MISSILES,
    MAX_MISSILES_PER_DAY,
    MAX_TABLE_BYTES,
    MISSILE_CLASSES,
    OUTCOMES,
)
from forecast.data.checked_csv import (
    COUNT,
    DATE,
    TEXT,
    TableSpec,
    check_unique_columns,
    decode_text,
    file_line,
    parse_csv,
    read_bytes_checked,
    read_table,
    validate_frame,
)
from forecast.data.tables import MISSILE_TESTS, PROVOCATIONS, check_whole_numbers
from forecast.errors import DataError
from forecast.present import listed

#: Landing areas: raw spellings (CNS JSON keys and export text) -> canonical label.
LANDING_LABELS = {
    "sea-of-japan": "Sea of Japan (East Sea)",
    "sea of japan or east sea": "Sea of Japan (East Sea)",
    "yellow-sea": "Yellow Sea (West Sea)",
    "yellow sea or west sea": "Yellow Sea (West Sea)",
    "pacific-ocean": "Pacific Ocean",
    "pacific ocean": "Pacific Ocean",
    "north-korea": "North Korea",
    "north korea": "North Korea",
    "na": "n/a",
    "n/a": "n/a",
    "unknown": "unknown",
    "": "unknown",
}

CNS_EXPORT_COLUMNS = (
    "F1",
    "Date",
    "Date Entered/Updated",
    "Launch Time (UTC)",
    "Missile Name",
    "Missile Type",
    "Launch Agency/Authority",
    "Facility Name",
    "Facility Location",
    "Other Name",
    "Facility Latitude",
    "Facility Longitude",
    "Landing Location",
    "Apogee",
    "Distance Travelled",
    "Confirmation Status",
    "Test Outcome",
    "Additional Information",
    "Source(s)",
)

#: Launch times the CNS JSON writes on a 12-hour clock without AM/PM; the official
#: export (and launch reports: 09:30 and 09:40 Korean time) give 00:29 and 00:40 UTC.
TIME_ERRATA = {("2016-02-07", "12:29"): "00:29", ("2017-07-04", "12:40"): "00:40"}

EVENTS_TEMPLATE_COLUMNS = ("date", "missile_class", "n_missiles", "outcome", "source")

#: Most parts (files) in an .xlsx workbook read: a one-sheet export has about a dozen.
MAX_WORKBOOK_PARTS = 1_000


def _landing(value: str) -> str:
    key = str(value).strip().lower()
    if key in LANDING_LABELS:
        return LANDING_LABELS[key]
    if "pacific" in key:
        return "Pacific Ocean"
    if "japan" in key or "east sea" in key:
        return "Sea of Japan (East Sea)"
    return "unknown"


def _km(value) -> float:
    """'1,380 km' / '350' / 'unknown' / 'na' -> float or NaN."""
    text = str(value).strip().lower().replace(",", "").replace("km", "").strip()
    try:
        return float(text)
    except ValueError:
        return np.nan


def _finish(df: pd.DataFrame, path: str) -> pd.DataFrame:
    """Number missiles within each launch day and validate as ``missile_tests``."""
    df = df.reset_index(drop=True)
    df["salvo_index"] = df.groupby("date", sort=False).cumcount() + 1
    as_text = df.copy()
    as_text["date"] = df["date"].dt.strftime("%Y-%m-%d")
    for c in ("salvo_index", "apogee_km", "distance_km"):
        as_text[c] = df[c].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    return validate_frame(as_text.astype(str), MISSILE_TESTS, path)


def read_cns_json(folder: str | Path) -> pd.DataFrame:
    """Read the CNS database kept as JSON into the ``missile_tests`` table.

    Parameters
    ----------
    folder : str or Path
        Folder with ``test.en.json``, ``missile.en.json`` and ``facility.en.json``.

    Returns
    -------
    DataFrame
        One row per missile, canonical columns (see ``datasets/README.md``).
    """
    folder = Path(folder)
    tests = _read_json(folder / "test.en.json")
    missiles = _read_json(folder / "missile.en.json")
    facilities = _read_json(folder / "facility.en.json")
    try:
        records = _cns_records(tests, missiles, facilities["facilities"])
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as err:
        raise DataError(
            folder / "test.en.json",
            f"unexpected structure of the CNS JSON ({type(err).__name__}: {err})",
            "restore the files of cns_nagix/ from the CNS database as downloaded (test.en.json "
            "holds timeBins of records whose missile and facility keys are in "
            "missile.en.json and facility.en.json)",
        ) from None
    df = pd.DataFrame.from_records(records)
    return _finish(df.sort_values("date", kind="stable"), str(folder / "test.en.json"))


def _read_json(path: Path):
    """A raw JSON file, with OS, decoding and syntax errors as :class:`DataError`."""
    if not path.exists():
        raise DataError(
            path, "file not found", "point --raw at the folder holding cns_nagix/ (../shared/data)"
        )
    raw = read_bytes_checked(path, "JSON file")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise DataError(path, f"not UTF-8 ({err.reason})", "download the file again") from None
    except json.JSONDecodeError as err:
        raise DataError(
            path,
            f"not valid JSON ({err.msg}, column {err.colno}); the file may be truncated",
            "download the file again",
            rows=[err.lineno],
        ) from None
    except RecursionError:
        raise DataError(path, "the JSON nests too deeply", "download the file again") from None


def _cns_records(tests: dict, missiles: dict, facilities: dict) -> list[dict]:
    records = []
    for time_bin in tests["timeBins"]:
        for rec in time_bin["data"]:
            date = rec["date"]
            precision = "day" if len(date) == 10 else "month"
            if precision == "month":
                date = f"{date}-01"
            missile = missiles[rec["missile"]]
            time = str(rec.get("time", "unknown"))
            match = re.match(r"^(\d{1,2}):(\d{2})", time)
            time_utc = f"{int(match[1]):02d}:{match[2]}" if match else ""
            time_utc = TIME_ERRATA.get((date, time_utc), time_utc)
            cls = missile["type"] if missile["type"] in MISSILE_CLASSES else "unknown"
            records.append(
                {
                    "date": pd.Timestamp(date),
                    "date_precision": precision,
                    "time_utc": time_utc,
                    "missile": missile["name"],
                    "missile_class": cls,
                    "facility": facilities[rec["facility"]]["name"],
                    "landing": _landing(rec.get("landing", "unknown")),
                    "apogee_km": _km(rec.get("apogee")),
                    "distance_km": _km(rec.get("distance")),
                    "outcome": str(rec["outcome"]).lower(),
                }
            )
    return records


def _export_date(value: str, path: str, line: int) -> tuple[pd.Timestamp, str]:
    text = str(value).strip()
    for fmt, precision in (("%d-%b-%y", "day"), ("%b-%y", "month"), ("%Y-%m-%d", "day")):
        try:
            return pd.Timestamp(dt.datetime.strptime(text[:10], fmt)), precision
        except ValueError:
            continue
    raise DataError(
        path,
        f"cannot read the date {text!r}",
        "CNS export dates look like 9-Apr-84 (day) or Sep-84 (month only)",
        rows=[line],
        column="Date",
    )


#: What the CNS export writes for a launch time it does not know (read as no time).
UNKNOWN_TIMES = ("", "unknown")


def _export_time(value: str, path: str, line: int) -> str:
    """A launch time of the CNS export as ``HH:MM`` (``""``: not known); a value that is
    neither a time nor "Unknown" is refused, not dropped in silence."""
    text = str(value).strip()
    if text.lower() in UNKNOWN_TIMES:
        return ""
    for fmt in ("%I:%M:%S %p", "%H:%M:%S", "%H:%M"):
        try:
            return dt.datetime.strptime(text, fmt).strftime("%H:%M")
        except ValueError:
            continue
    raise DataError(
        path,
        f"cannot read the launch time {text!r}",
        "CNS export times look like 9:20:00 AM; leave the cell empty or write Unknown when the "
        "time is not known",
        rows=[line],
        column="Launch Time (UTC)",
    )


def _read_export_frame(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(path, "file not found", "check the path to the CNS export")
    raw = read_bytes_checked(path, "CNS export")
    if not raw:
        raise DataError(path, "the file is empty", "download the CNS export again")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _check_workbook_size(raw, path)
        try:
            frame = pd.read_excel(io.BytesIO(raw), dtype=str, keep_default_na=False)
        except Exception as err:  # openpyxl raises many types on a bad workbook
            raise DataError(
                path, f"cannot read the workbook ({type(err).__name__})", "save it again as .xlsx"
            ) from None
        _check_excel_columns(frame.columns, path)
        return frame
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # the official export's encoding
    text = decode_text(text.encode("utf-8"), str(path))  # refuses empty and binary content
    return parse_csv(text, path)


def _check_workbook_size(raw: bytes, path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than :data:`MAX_TABLE_BYTES`, before it is
    parsed: an .xlsx is a zip archive, and a 1 MB file can unpack to gigabytes.

    The sizes are those the archive declares; Python's zip reader never unpacks more than
    the declared size of a part, so the declared total bounds what parsing can unpack.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as err:
        raise DataError(
            path, f"not a readable .xlsx workbook ({err})", "save it again as .xlsx"
        ) from None
    if len(parts) > MAX_WORKBOOK_PARTS:
        raise DataError(
            path,
            f"the workbook holds {len(parts):,} parts, more than {MAX_WORKBOOK_PARTS:,}",
            "check that this is the CNS export (save it again as .xlsx, or use the .csv)",
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_TABLE_BYTES:
        raise DataError(
            path,
            f"the workbook unpacks to {unpacked:,} bytes, more than {MAX_TABLE_BYTES:,} "
            "(the CNS export unpacks to well under a megabyte)",
            "check that this is the CNS export (save it again as .xlsx, or use the .csv)",
        )


def _check_excel_columns(columns, path: Path) -> None:
    """Refuse a sheet header naming a column twice (pandas renames the second ``X.1``)."""
    names = [str(c) for c in columns]
    original = [
        m[1] if (m := re.match(r"^(.*)\.(\d+)$", n)) and m[1] in names else n for n in names
    ]
    check_unique_columns(original, path)


def read_cns_export(path: str | Path) -> pd.DataFrame:
    """Read the official CNS export (.csv in latin-1 or .xlsx) into ``missile_tests``.

    Parameters
    ----------
    path : str or Path
        The export file as downloaded from NTI.

    Returns
    -------
    DataFrame
        One row per missile, canonical columns. Missile classes come from the
        export's ``Missile Type`` column.
    """
    path = Path(path)
    df = _read_export_frame(path)
    missing = [c for c in ("Date", "Missile Name", "Missile Type", "Test Outcome") if c not in df]
    if missing:
        raise DataError(
            path,
            f"missing {listed('column', missing)}",
            "this does not look like a CNS export; its header has: "
            + ", ".join(CNS_EXPORT_COLUMNS),
            rows=[1],
        )
    if df.empty:
        raise DataError(path, "the export has a header but no rows", "download it again")
    if len(df) > MAX_IMPORT_MISSILES:
        raise DataError(
            path,
            f"{len(df):,} rows, more than {MAX_IMPORT_MISSILES:,} (the CNS export holds about 250)",
            "check that this is the CNS export",
        )
    records = []
    for idx, row in df.iterrows():
        date, precision = _export_date(row["Date"], str(path), file_line(idx))
        cls = str(row["Missile Type"]).strip()
        outcome = str(row["Test Outcome"]).strip().lower() or "unknown"
        records.append(
            {
                "date": date,
                "date_precision": precision,
                "time_utc": _export_time(
                    row.get("Launch Time (UTC)", ""), str(path), file_line(idx)
                ),
                "missile": str(row["Missile Name"]).strip() or "Unknown",
                "missile_class": cls if cls in MISSILE_CLASSES else cls.lower(),
                "facility": str(row.get("Facility Name", "")).strip() or "Unknown",
                "landing": _landing(row.get("Landing Location", "")),
                "apogee_km": _km(row.get("Apogee", "")),
                "distance_km": _km(row.get("Distance Travelled", "")),
                "outcome": outcome,
            }
        )
    out = pd.DataFrame.from_records(records)
    return _finish(out.sort_values("date", kind="stable"), str(path))


def read_csis(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the CSIS provocations list, keeping date, type and short title.

    Rows repeating the same ``(date, type, event)`` are reports of one event and
    are collapsed into one row.

    Parameters
    ----------
    path : str or Path
        ``north_korea_provocations_1958_present.csv``.

    Returns
    -------
    table : DataFrame
        ``date, type, event`` sorted by date, duplicates removed.
    dropped : DataFrame
        The rows that were removed as duplicates (for the data card).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, "file not found", "point --raw at ../shared/data")
    raw = parse_csv(decode_text(read_bytes_checked(path, "CSIS list"), str(path)), path)
    missing = [c for c in ("date", "type", "event") if c not in raw.columns]
    if missing:
        raise DataError(
            path,
            f"missing {listed('column', missing)} (the header has {list(raw.columns)[:8]})",
            "restore the CSIS file as downloaded: its header must name date, type and event",
            rows=[1],
        )
    raw = raw[["date", "type", "event"]].apply(lambda s: s.str.strip())
    dup = raw.duplicated(keep="first")
    dropped = raw[dup].copy()
    kept = raw[~dup].sort_values(["date", "type", "event"], kind="stable")
    table = validate_frame(kept.reset_index(drop=True), PROVOCATIONS, str(path))
    return table, dropped.reset_index(drop=True)


def read_events_template(path: str | Path) -> pd.DataFrame:
    """Read the events template (one row per launch day and class) as ``missile_tests``.

    The template's columns are ``date,missile_class,n_missiles,outcome,source``;
    each row becomes ``n_missiles`` rows of the missile table, with the missile
    name ``unspecified <class>`` and unknown facility, landing and ranges.

    Parameters
    ----------
    path : str or Path
        A UTF-8 CSV file.

    Returns
    -------
    DataFrame
        Canonical ``missile_tests`` rows, plus the row's ``source`` (which the
        canonical table has no column for; the overlay keeps it in its source log).
    """
    spec = TableSpec(
        name="events",
        filename=Path(path).name,
        columns={
            "date": DATE,
            "missile_class": MISSILE_CLASSES,
            "n_missiles": COUNT,
            "outcome": OUTCOMES,
            "source": TEXT,
        },
        key=("date", "missile_class"),
        earliest=EARLIEST_EVENT_DATE,
    )
    if not Path(path).exists():
        raise DataError(
            path,
            "file not found",
            "check the path of the events file (columns: "
            + ",".join(EVENTS_TEMPLATE_COLUMNS)
            + ")",
        )
    events = read_table(path, spec)
    _check_missile_counts(events, path)
    rows = []
    for _, ev in events.iterrows():
        for _ in range(int(ev["n_missiles"])):
            rows.append(
                {
                    "date": ev["date"],
                    "date_precision": "day",
                    "time_utc": "",
                    "missile": f"unspecified {ev['missile_class']}",
                    "missile_class": ev["missile_class"],
                    "facility": "Unknown",
                    "landing": "unknown",
                    "apogee_km": np.nan,
                    "distance_km": np.nan,
                    "outcome": ev["outcome"],
                    "source": ev["source"],
                }
            )
    frame = pd.DataFrame.from_records(rows).sort_values("date", kind="stable")
    sources = frame.pop("source").to_numpy()
    return _finish(frame, str(path)).assign(source=sources)


def _check_missile_counts(events: pd.DataFrame, path) -> None:
    """Whole numbers 1..MAX per row and at most MAX missiles per day, before expanding rows."""
    check_whole_numbers(
        events,
        "n_missiles",
        path,
        "write how many missiles were launched that day in that class (1, 2, ...)",
    )
    cap = MAX_MISSILES_PER_DAY
    big = events.index[events["n_missiles"] > cap]
    if len(big):
        raise DataError(
            path,
            f"n_missiles {events.loc[big[0], 'n_missiles']:g} is more than {cap} missiles in "
            "one day (the most in the CNS data is 18, on 2024-05-29)",
            f"check the number (a typo?); at most {cap} per row",
            rows=[file_line(i) for i in big],
            column="n_missiles",
        )
    if events["n_missiles"].sum() > MAX_IMPORT_MISSILES:
        raise DataError(
            path,
            f"{events['n_missiles'].sum():g} missiles in one file, more than "
            f"{MAX_IMPORT_MISSILES:,} (the whole CNS database since 1984 holds about 320)",
            "check that this is the right file; import a long history in parts",
            column="n_missiles",
        )
    per_day = events.groupby("date")["n_missiles"].transform("sum")
    over = events.index[per_day > cap]
    if len(over):
        raise DataError(
            path,
            f"{per_day[over[0]]:g} missiles on {events.loc[over[0], 'date']:%Y-%m-%d}, more "
            f"than {cap} in one day",
            f"check the rows of that day: at most {cap} missiles per launch day",
            rows=[file_line(i) for i in over],
            column="n_missiles",
        )
