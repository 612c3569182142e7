"""The monthly panel: coverage, majority-state rule, exercise days, class counts."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.data import CLASS_COLUMNS, DataError, Tables, monthly_panel


def _tiny_tables(**override) -> Tables:
    ts = pd.Timestamp
    base = dict(
        missile_tests=pd.DataFrame(
            {
                "date": [ts("2020-01-05"), ts("2020-01-05"), ts("2020-01-20"), ts("2020-03-02")],
                "missile_class": ["SRBM", "ICBM", "SRBM", "SLBM"],
            }
        ),
        nuclear_tests=pd.DataFrame({"date": [ts("2020-02-10")]}),
        provocations_csis=pd.DataFrame(
            {
                "date": [ts("2020-01-05"), ts("2020-02-01")],
                "type": ["Missile Provocation", "Other Provocation"],
            }
        ),
        negotiation_states=pd.DataFrame(
            {
                "start": [ts("2020-01-01"), ts("2020-01-17"), ts("2020-02-16")],
                "end": [ts("2020-01-16"), ts("2020-02-15"), ts("2020-03-31")],
                "state": ["no_talks", "active_talks", "summitry"],
            }
        ),
        exercises=pd.DataFrame(
            {
                "start": [ts("2020-01-30"), ts("2020-03-01")],
                "end": [ts("2020-02-03"), ts("2020-03-10")],
                "scale": ["full", "suspended"],
            }
        ),
        leaders=pd.DataFrame(
            {
                "country": ["DPRK"],
                "leader": ["Kim Jong Un"],
                "start": [ts("2011-12-17")],
                "end": [ts("2020-03-31")],
            }
        ),
    )
    base.update(override)
    return Tables(**base)


def test_counts_states_and_exercises_on_a_tiny_table():
    panel = monthly_panel(_tiny_tables(), start="2020-01")
    assert list(panel["month"].dt.strftime("%Y-%m")) == ["2020-01", "2020-02", "2020-03"]
    assert list(panel["launch_days"]) == [2, 0, 1]
    assert list(panel["missiles"]) == [3, 0, 1]
    assert list(panel[CLASS_COLUMNS["SRBM"]]) == [2, 0, 0]
    assert list(panel[CLASS_COLUMNS["ICBM"]]) == [1, 0, 0]
    assert list(panel[CLASS_COLUMNS["SLBM"]]) == [0, 0, 1]
    assert list(panel["nuclear_tests"]) == [0, 1, 0]
    assert list(panel["csis_missile_events"]) == [1, 0, 0]
    # January: 16 days no_talks vs 15 active_talks; February: 15 active vs 14 summitry.
    assert list(panel["state"]) == ["no_talks", "active_talks", "summitry"]
    # 30-31 Jan and 1-3 Feb held; the March exercise was suspended.
    assert list(panel["exercise_days"]) == [2, 3, 0]
    assert list(panel["dprk_leader"]) == ["Kim Jong Un"] * 3
    assert panel["us_president"].isna().all()


def test_a_tie_goes_to_the_later_state():
    ts = pd.Timestamp
    states = pd.DataFrame(
        {
            "start": [ts("2020-04-01"), ts("2020-04-16")],
            "end": [ts("2020-04-15"), ts("2020-04-30")],
            "state": ["stalled", "active_talks"],
        }
    )
    panel = monthly_panel(_tiny_tables(negotiation_states=states), start="2020-04")
    assert panel["state"].iloc[0] == "active_talks"


def test_panel_outside_the_state_timeline_is_refused():
    with pytest.raises(DataError, match="not covered by the state timeline"):
        monthly_panel(_tiny_tables(), start="2019-06")


def test_launch_after_the_timeline_asks_for_set_state():
    mt = pd.DataFrame({"date": [pd.Timestamp("2020-05-01")], "missile_class": ["SRBM"]})
    with pytest.raises(DataError, match="set-state"):
        monthly_panel(_tiny_tables(missile_tests=mt), start="2020-01")


def test_bundled_panel_runs_to_the_as_of_month(panel):
    assert panel["month"].iloc[0] == pd.Timestamp("1990-01-01")
    assert panel["month"].iloc[-1] == pd.Timestamp("2025-12-01")
    assert len(panel) == 36 * 12
    assert panel.loc[panel["month"] == "2025-12-01", "launch_days"].item() == 0
    assert panel["state"].notna().all()
    assert panel["dprk_leader"].notna().all()
    assert (panel["exercise_days"] <= panel["month"].dt.days_in_month).all()
    assert (panel["launch_days"] <= panel["missiles"]).all()


def test_a_month_still_under_way_is_left_out_of_the_panel():
    """A state coded to today (mid-month) used to make every panel fail: its month was in the
    panel but not covered to its end. The month now waits until it ends; its launches too."""
    ts = pd.Timestamp
    states = pd.DataFrame(
        {
            "start": [ts("2020-01-01"), ts("2020-01-17"), ts("2020-02-16")],
            "end": [ts("2020-01-16"), ts("2020-02-15"), ts("2020-03-20")],
            "state": ["no_talks", "active_talks", "summitry"],
        }
    )
    tables = _tiny_tables(negotiation_states=states)  # a launch on 2020-03-02, in the month
    assert tables.as_of == ts("2020-03-20") and str(tables.last_whole_month) == "2020-02"
    panel = monthly_panel(tables, start="2020-01")
    assert list(panel["month"].dt.strftime("%Y-%m")) == ["2020-01", "2020-02"]
    assert str(_tiny_tables().last_whole_month) == "2020-03"  # a month-end: its own month


def test_month_periods_reads_timestamps_and_month_strings_alike(panel):
    from forecast.data import month_periods

    months = month_periods(panel)
    assert months.freqstr == "M" and months[0] == pd.Period("1990-01", "M")
    assert (months[1:] - months[:-1] == pd.offsets.MonthEnd(1)).all()  # one row per month
    as_text = pd.DataFrame({"month": ["2025-11", "2025-12"]})
    assert list(month_periods(as_text)) == [pd.Period("2025-11", "M"), pd.Period("2025-12", "M")]


def test_state_runs_number_each_episode_of_a_timeline():
    from forecast.data import state_runs

    states = pd.Series(["no_talks", "no_talks", "stalled", "no_talks", "no_talks", "summitry"])
    assert state_runs(states).tolist() == [1, 1, 2, 3, 3, 4]
    assert state_runs(pd.Series(["stalled"])).tolist() == [1]
