"""The bundled canonical tables: exact counts from the raw source, coverage, build round trip."""

from __future__ import annotations

import json
from collections import defaultdict

import pandas as pd
import pytest

from forecast.constants import STATES
from forecast.data.build import build_datasets
from forecast.data.tables import SPECS

# Launch days and missiles per year, as published by CNS (and re-counted from raw below).
KNOWN_YEARS = {
    2017: (15, 21),
    2022: (34, 69),
    2018: (0, 0),
    2016: (16, 24),
    2019: (14, 27),
    2024: (12, 41),
}


def _raw_counts(raw_dir):
    """Count launch days and missiles per year straight from the CNS JSON."""
    data = json.loads((raw_dir / "cns_nagix" / "test.en.json").read_text())
    days, missiles = defaultdict(set), defaultdict(int)
    for time_bin in data["timeBins"]:
        for rec in time_bin["data"]:
            year = int(rec["date"][:4])
            days[year].add(rec["date"])
            missiles[year] += 1
    return {y: (len(days[y]), missiles[y]) for y in set(days) | set(missiles)}


def test_missile_table_has_the_cns_scope(tables):
    mt = tables.missile_tests
    assert len(mt) == 314
    assert mt["date"].min() == pd.Timestamp("1984-04-09")
    assert mt["date"].max() == pd.Timestamp("2025-11-07")
    assert (mt["date_precision"] == "month").sum() == 8
    assert mt.loc[mt["date_precision"] == "month", "date"].max() < pd.Timestamp("1993-01-01")


@pytest.mark.parametrize("year", sorted(KNOWN_YEARS))
def test_known_yearly_counts(panel, year):
    rows = panel[panel["year"] == year]
    assert (rows["launch_days"].sum(), rows["missiles"].sum()) == KNOWN_YEARS[year]


def test_every_yearly_count_matches_the_raw_source(tables, raw_dir):
    from forecast.data import yearly_summary

    raw = _raw_counts(raw_dir)
    summary = yearly_summary(tables).set_index("year")
    for year in summary.index:
        expected = raw.get(year, (0, 0))
        got = tuple(summary.loc[year, ["launch_days", "missiles"]])
        assert got == expected, f"{year}: panel {got} vs raw {expected}"


def test_state_periods_cover_1990_to_2025_contiguously(tables):
    st = tables.negotiation_states.sort_values("start").reset_index(drop=True)
    assert st["start"].iloc[0] == pd.Timestamp("1990-01-01")
    assert st["end"].iloc[-1] == pd.Timestamp("2025-12-31")
    gaps = st["start"].iloc[1:].to_numpy() - st["end"].iloc[:-1].to_numpy()
    assert (gaps == pd.Timedelta(days=1)).all()
    assert set(st["state"]) == set(STATES)
    assert st["source"].str.contains("http").all(), "every state period cites a source"


def test_nuclear_tests_are_the_six(tables):
    nt = tables.nuclear_tests
    assert list(nt["date"].dt.strftime("%Y-%m-%d")) == [
        "2006-10-09",
        "2009-05-25",
        "2013-02-12",
        "2016-01-06",
        "2016-09-09",
        "2017-09-03",
    ]
    assert (nt["yield_kt_low"] <= nt["yield_kt"]).all()
    assert (nt["yield_kt"] <= nt["yield_kt_high"]).all()


def test_csis_duplicates_are_collapsed(tables, raw_dir):
    raw = pd.read_csv(
        raw_dir / "csis_provocations" / "north_korea_provocations_1958_present.csv", dtype=str
    )
    assert len(raw) == 475
    csis = tables.provocations_csis
    assert len(csis) == 472
    assert not csis.duplicated(["date", "type", "event"]).any()
    assert set(csis.columns) == {"date", "type", "event"}, "no free-text columns"


def test_build_reproduces_the_committed_tables(raw_dir, bundled_dir, tmp_path):
    for name in ("nuclear_tests", "negotiation_states", "exercises", "leaders"):
        (tmp_path / SPECS[name].filename).write_bytes(
            (bundled_dir / SPECS[name].filename).read_bytes()
        )
    report = build_datasets(raw_dir, tmp_path)
    assert report.written == {"missile_tests": 314, "provocations_csis": 472}
    assert len(report.csis_duplicates) == 3
    for name in report.written:
        built = (tmp_path / SPECS[name].filename).read_bytes()
        committed = (bundled_dir / SPECS[name].filename).read_bytes()
        assert built == committed, f"{name}: committed table is stale; run forecast data build"


def test_no_raw_free_text_in_the_project(bundled_dir, raw_dir):
    data = json.loads((raw_dir / "cns_nagix" / "test.en.json").read_text())
    descriptions = [
        r["description"][:60]
        for b in data["timeBins"]
        for r in b["data"]
        if len(r.get("description", "")) > 60
    ]
    text = "\n".join(p.read_text() for p in bundled_dir.glob("*.csv"))
    leaked = [d for d in descriptions if d in text]
    assert not leaked, f"raw descriptions copied into datasets/: {leaked[:2]}"
