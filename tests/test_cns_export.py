"""The official CNS export (CSV and .xlsx) imports to the same rows as the bundled table."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.data import DataError, read_cns_export

EXPORT = "cns_export/north_korea_missile_test_database.csv"

# The one launch the export dates by Korean time and the JSON by UTC:
# the 2022-01-04 22:10 UTC hypersonic launch (07:10 on 5 January in Pyongyang).
KNOWN_SHIFTS = {pd.Timestamp("2022-01-05"): pd.Timestamp("2022-01-04")}

# Launch times CNS revised between the export (2023) and the current database.
REVISED_TIMES = {"2019-10-01", "2022-01-26", "2022-01-29"}


@pytest.fixture(scope="module")
def exported(raw_dir):
    return read_cns_export(raw_dir / EXPORT)


@pytest.fixture(scope="module")
def bundled(tables):
    mt = tables.missile_tests
    return mt[mt["date"] <= "2023-04-12"].reset_index(drop=True)


def test_export_has_the_documented_shape(exported):
    assert len(exported) == 245
    assert exported["date"].min() == pd.Timestamp("1984-04-09")
    assert exported["date"].max() == pd.Timestamp("2023-04-12")
    assert (exported["date_precision"] == "month").sum() == 8


def test_export_reproduces_the_table_row_for_row(exported, bundled):
    assert len(exported) == len(bundled)
    shifted = exported["date"].replace(KNOWN_SHIFTS)
    differ = exported.index[exported["date"] != bundled["date"]]
    listed = exported.index[exported["date"].isin(list(KNOWN_SHIFTS))]
    assert list(differ) == list(listed), "only the listed UTC/Korean-day shifts may differ"
    assert len(listed) == 1
    assert (shifted == bundled["date"]).all()
    for column in ("date_precision", "salvo_index", "outcome"):
        pd.testing.assert_series_equal(exported[column], bundled[column])
    other = exported["time_utc"] != bundled["time_utc"]
    assert set(bundled.loc[other, "date"].dt.strftime("%Y-%m-%d")) == REVISED_TIMES


def test_export_classes_differ_only_where_one_release_says_unknown(exported, bundled):
    differ = exported["missile_class"] != bundled["missile_class"]
    both_known = (exported["missile_class"] != "unknown") & (bundled["missile_class"] != "unknown")
    assert not (differ & both_known).any()
    assert differ.mean() < 0.2


def test_xlsx_twin_imports_identically(raw_dir, exported, tmp_path):
    raw = pd.read_csv(raw_dir / EXPORT, encoding="latin-1", dtype=str, keep_default_na=False)
    xlsx = tmp_path / "export.xlsx"
    raw.to_excel(xlsx, index=False)
    pd.testing.assert_frame_equal(read_cns_export(xlsx), exported)


def test_export_with_an_unreadable_date_names_the_line(raw_dir, tmp_path):
    lines = (raw_dir / EXPORT).read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"9-Apr-84", b"31-Foo-84", 1)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(DataError, match=r"bad\.csv, line 4, column 'Date'.*9-Apr-84"):
        read_cns_export(bad)


def test_a_file_that_is_not_an_export_is_refused(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="does not look like a CNS export"):
        read_cns_export(other)


def test_export_with_an_unreadable_launch_time_names_the_line(raw_dir, tmp_path):
    """A launch time that is neither a time nor "Unknown" is refused (it was dropped in
    silence); the export's own "Unknown" still reads as no time (the round trip above)."""
    raw = pd.read_csv(raw_dir / EXPORT, encoding="latin-1", dtype=str, keep_default_na=False)
    times = raw["Launch Time (UTC)"]
    assert (times == "Unknown").any()  # what the export writes for a time it does not know
    row = int(times.str.match(r"^\d{1,2}:\d\d:\d\d [AP]M$").idxmax())
    raw.loc[row, "Launch Time (UTC)"] = "99:99"
    bad = tmp_path / "bad.csv"
    raw.to_csv(bad, index=False)
    pattern = rf"bad\.csv, line {row + 2}, column 'Launch Time \(UTC\)'.*'99:99'"
    with pytest.raises(DataError, match=pattern):
        read_cns_export(bad)
