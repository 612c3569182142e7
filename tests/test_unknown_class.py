"""Unknown-class launches and the range of P(ICBM): recounts checked by hand on the data."""

from __future__ import annotations

import pytest
from conftest import SEED

from forecast import data
from forecast.models import get_model
from forecast.outlook import simulate_outlook
from forecast.runs import fit_run, load_outlook, load_run
from forecast.summaries import headline
from forecast.unknown_class import (
    icbm_range,
    icbm_range_from_today,
    icbm_words,
    reclassify,
    unknown_class_days,
)


@pytest.fixture(scope="module")
def tables():
    return data.load_tables()


def test_2022_unknown_class_days_recounted_by_apogee(tables):
    days = unknown_class_days(tables).set_index("year")
    row = days.loc[2022]
    # by hand from missile_tests.csv: 34 launch days, 3 with a CNS ICBM, 16 with an unknown
    assert (row["launch_days"], row["icbm_days"], row["unknown_days"]) == (34, 3, 16)
    # apogee >= 1000 km: 2022-11-02 (1,920 km); >= 350 km adds 02-26 (620), 03-04 (560),
    # 05-04 (780), 05-24 (360) and 12-18 (500)
    assert row["icbm_days_1000km"] == 4 and row["icbm_days_350km"] == 9
    assert days.loc[2018, "launch_days"] == 0  # a year without launches keeps its row


def test_reclassify_touches_only_unknown_classes(tables):
    recounted = reclassify(tables, 350.0).missile_tests
    changed = recounted["missile_class"] != tables.missile_tests["missile_class"]
    assert (tables.missile_tests.loc[changed, "missile_class"] == "unknown").all()
    assert (recounted.loc[changed, "missile_class"] == "ICBM").all()
    assert reclassify(tables, None) is tables


def test_the_range_starts_at_the_forecasts_own_p_icbm(tmp_path, tables):
    panel = data.monthly_panel(tables)
    fit_run(get_model("ar_level"), panel, "mock", seed=SEED, out=tmp_path / "run")
    model, _ = load_run(tmp_path / "run")
    outlook = load_outlook(tmp_path / "run")
    # a report simulates with its own seed, which need not be the run's
    forecast = simulate_outlook(model, outlook, 12, random_seed=SEED + 1)
    table = icbm_range(forecast, tables, outlook.class_mix, SEED + 1)
    given = headline(forecast).table.iloc[0]["p_icbm"]
    assert table.iloc[0]["p_icbm_outlook"] == pytest.approx(given)
    # six more ICBM days in 2022 (the 350 km recount) raise P(ICBM) on the same launch days
    assert table.iloc[-1]["p_icbm_outlook"] > given
    assert table["min_apogee_km"].tolist()[1:] == [1000.0, 350.0]
    words = icbm_words(unknown_class_days(tables), table, "outlook")
    assert words[0].startswith("CNS leaves the class of some launches unknown: in 2022, 16 of 34")
    assert f"P(an ICBM launch) is {given:.0%} as CNS classifies" in words[1]
    one, two = (f"{p:.0%}" for p in table["p_icbm_outlook"].iloc[1:])
    assert (
        f"; {one} when unknown-class launches with an apogee of 1,000 km or more count as ICBM, "
        f"{two} with 350 km or more. Read it as a range of " in words[1]
    )


def test_the_range_from_today_starts_at_that_outlooks_own_p_icbm(tmp_path, tables):
    """The outlook from today simulates the months the data lack first: its P(ICBM) over the
    12 months from today is the first row of the recount over that window of the whole
    simulation (the classes redrawn over every month, with the simulation's own stream)."""
    import datetime as dt

    from forecast.outlook import outlook_from_today

    panel = data.monthly_panel(tables)
    fit_run(get_model("ar_level"), panel, "mock", seed=SEED, out=tmp_path / "run")
    model, _ = load_run(tmp_path / "run")
    outlook = load_outlook(tmp_path / "run")
    today = outlook_from_today(model, outlook, dt.date(2026, 12, 7), random_seed=SEED)
    table = icbm_range_from_today(today, tables, outlook.class_mix, SEED)
    given = headline(today.forecast).table.iloc[0]["p_icbm"]
    assert table.iloc[0]["p_icbm_from_today"] == pytest.approx(given)
    assert table.iloc[-1]["p_icbm_from_today"] > given
    # over all 23 months the chance of an ICBM launch is higher than over the last 12
    whole = icbm_range(today.full, tables, outlook.class_mix, SEED, thresholds=(None,))
    assert whole.iloc[0]["p_icbm_outlook"] > given
    from types import SimpleNamespace

    # months are those of the forecast, however they are given
    as_dates = today.forecast.months.to_timestamp()
    again = icbm_range(today.full, tables, outlook.class_mix, SEED, months=as_dates, label="x")
    assert again["p_icbm_x"].tolist() == table["p_icbm_from_today"].tolist()
    with pytest.raises(ValueError, match="month 2030-01 is not a month of the forecast"):
        icbm_range(today.full, tables, outlook.class_mix, SEED, months=["2030-01"])
    two = SimpleNamespace(scenarios=["a", "b"])  # a label names one scenario's column only
    with pytest.raises(ValueError, match="one-scenario"):
        icbm_range(two, tables, outlook.class_mix, SEED, label="x")
