"""Every loader refuses malformed input with a message naming file, line, column and fix.

Each case starts from the valid bundled table, breaks one thing, and checks the
error. The cases that apply to a table depend on its columns (a table with no
numeric column cannot hold a negative count), and every table gets at least ten.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import pytest

from forecast.data import DataError, load_table
from forecast.data.checked_csv import BOOL, DATE, NUMBER, TEXT
from forecast.data.tables import SPECS

# Each case: (name, applies(spec) -> bool, mutate(df, spec) -> bytes, expected words, line)


def _csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _first(spec, kind) -> str | None:
    return next((c for c, k in spec.columns.items() if k == kind), None)


def _labels(spec) -> str | None:
    return next((c for c, k in spec.columns.items() if isinstance(k, tuple)), None)


def _set(df, row, column, value):
    df = df.copy()
    df.loc[row, column] = value
    return df


def _has_periods(spec):
    return "start" in spec.columns and "end" in spec.columns


def _contiguous(spec):
    return spec.name in ("negotiation_states", "leaders")


CASES: list[tuple[str, Callable, Callable, tuple[str, ...], int | None]] = [
    (
        "missing column",
        lambda s: True,
        lambda df, s: _csv(df.drop(columns=[list(s.columns)[-1]])),
        ("missing column",),
        1,
    ),
    (
        "bad date",
        lambda s: True,
        lambda df, s: _csv(_set(df, 2, _first(s, DATE), "2017-13-45")),
        ("not a valid date", "YYYY-MM-DD"),
        4,
    ),
    (
        "date in another format",
        lambda s: True,
        lambda df, s: _csv(_set(df, 0, _first(s, DATE), "04/09/2017")),
        ("not a valid date",),
        2,
    ),
    (
        "unknown label",
        lambda s: _labels(s) is not None,
        lambda df, s: _csv(_set(df, 1, _labels(s), "bogus")),
        ("unknown label", "bogus"),
        3,
    ),
    (
        "duplicate row",
        lambda s: True,
        lambda df, s: _csv(pd.concat([df, df.iloc[[0]]], ignore_index=True)),
        ("duplicate",),
        None,
    ),
    (
        "wrong encoding",
        lambda s: _first(s, TEXT) is not None,
        lambda df, s: (
            _set(df, 0, _first(s, TEXT), "Pyongyang café")
            .to_csv(index=False)
            .encode("latin-1", errors="replace")
        ),
        ("not UTF-8",),
        2,
    ),
    ("empty file", lambda s: True, lambda df, s: b"", ("empty",), None),
    (
        "blank lines only",
        lambda s: True,
        lambda df, s: b"\n\n   \n",
        ("empty",),
        None,
    ),
    (
        "header only",
        lambda s: True,
        lambda df, s: _csv(df.iloc[0:0]),
        ("no rows",),
        None,
    ),
    (
        "future date",
        lambda s: True,
        lambda df, s: _csv(_set(df, 1, _first(s, DATE), "2099-01-01")),
        ("future",),
        3,
    ),
    (
        "negative count",
        lambda s: _first(s, NUMBER) is not None,
        lambda df, s: _csv(_set(df, 2, _first(s, NUMBER), "-3")),
        ("negative",),
        4,
    ),
    (
        "number with units",
        lambda s: _first(s, NUMBER) is not None,
        lambda df, s: _csv(_set(df, 2, _first(s, NUMBER), "350 km")),
        ("not a number",),
        4,
    ),
    (
        "empty required text",
        lambda s: _first(s, TEXT) is not None,
        lambda df, s: _csv(_set(df, 3, _first(s, TEXT), "  ")),
        ("empty",),
        5,
    ),
    (
        "bad boolean",
        lambda s: _first(s, BOOL) is not None,
        lambda df, s: _csv(_set(df, 0, _first(s, BOOL), "maybe")),
        ("true/false",),
        2,
    ),
    (
        "end before start",
        _has_periods,
        lambda df, s: _csv(_set(df, 1, "end", "1980-01-01")),
        ("before it starts",),
        3,
    ),
    (
        "overlapping periods",
        _contiguous,
        lambda df, s: _csv(
            _set(
                df,
                1,
                "start",
                (pd.Timestamp(df.loc[1, "start"]) - pd.Timedelta(days=10)).date().isoformat(),
            )
        ),
        ("overlaps",),
        3,
    ),
    (
        "gap between periods",
        _contiguous,
        lambda df, s: _csv(
            _set(
                df,
                1,
                "start",
                (pd.Timestamp(df.loc[1, "start"]) + pd.Timedelta(days=10)).date().isoformat(),
            )
        ),
        ("gap",),
        3,
    ),
    (
        "broken quoting",
        lambda s: True,
        lambda df, s: _csv(df) + b'"unterminated,quote\n1,2,3,4,5,6,7,8,9,10,11,12,13\n',
        ("not valid CSV",),
        None,
    ),
]


def _valid(bundled_dir, spec) -> pd.DataFrame:
    text = (bundled_dir / spec.filename).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _cases_for(spec):
    return [c for c in CASES if c[1](spec)]


PARAMS = [
    pytest.param(name, case, id=f"{name}-{case[0].replace(' ', '_')}")
    for name, spec in SPECS.items()
    for case in _cases_for(spec)
]


@pytest.mark.parametrize("table", sorted(SPECS))
def test_each_loader_has_at_least_ten_malformed_cases(table):
    assert len(_cases_for(SPECS[table])) >= 10


@pytest.mark.parametrize("table, case", PARAMS)
def test_malformed_input_is_refused_with_a_clear_message(table, case, bundled_dir, tmp_path):
    spec = SPECS[table]
    name, _, mutate, words, line = case
    path = tmp_path / spec.filename
    path.write_bytes(mutate(_valid(bundled_dir, spec), spec))
    with pytest.raises(DataError) as info:
        load_table(table, tmp_path)
    message = str(info.value)
    assert spec.filename in message
    assert "Fix:" in message
    for word in words:
        assert word in message, f"{name}: {word!r} not in {message!r}"
    if line is not None:
        assert f"line {line}" in message or f"lines {line}" in message, message


@pytest.mark.parametrize("table", sorted(SPECS))
def test_valid_tables_load_and_round_trip(table, bundled_dir, tmp_path):
    from forecast.data.checked_csv import format_table

    spec = SPECS[table]
    df = load_table(table)
    (tmp_path / spec.filename).write_text(format_table(df, spec))
    again = load_table(table, tmp_path)
    pd.testing.assert_frame_equal(df, again)
    assert (tmp_path / spec.filename).read_bytes() == (bundled_dir / spec.filename).read_bytes()


def test_missing_file_says_how_to_build(tmp_path):
    with pytest.raises(DataError, match="forecast data build"):
        load_table("missile_tests", tmp_path)
