"""Summaries of hand-made forecasts: every number checked against a hand computation."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.constants import STATES
from forecast.errors import ConfigError
from forecast.present import for_reading
from forecast.simulation import Forecast
from forecast.summaries import (
    HEADLINE_COLUMNS,
    against_years,
    by_path,
    by_state_in,
    every_row_filled,
    headline,
    observed_in,
    reference_scenario,
    share_noise,
    state_effects,
    totals,
)

NO_TALKS, ACTIVE = STATES.index("no_talks"), STATES.index("active_talks")


def hand_forecast(nuclear_state_term: bool) -> Forecast:
    """Four draws of three months: draws 0-1 stay in no_talks, 2-3 move to active_talks; the
    only nuclear test is in draw 0."""
    states = np.array([[NO_TALKS] * 3, [NO_TALKS] * 3, [NO_TALKS, ACTIVE, ACTIVE], [ACTIVE] * 3])
    counts = np.array([[1, 2, 0], [3, 0, 0], [0, 0, 1], [0, 0, 0]])
    nuclear = np.zeros((4, 3), int)
    nuclear[0, 1] = 1
    months = pd.period_range("2026-01", periods=3, freq="M").to_timestamp()
    data = xr.Dataset(
        {
            "launch_days": (("scenario", "draw", "month"), counts[None]),
            "state": (("scenario", "draw", "month"), states[None].astype(np.int8)),
            "nuclear_tests": (("scenario", "draw", "month"), nuclear[None]),
        },
        coords={
            "scenario": ["outlook"],
            "label": ("scenario", ["Outlook"]),
            "draw": range(4),
            "month": months,
        },
        attrs={"target": "launch_days", "initial_state": "no_talks"},
    )
    if not nuclear_state_term:
        data["nuclear_tests"].attrs["state_term"] = "none"
    return Forecast(data)


def test_paths_split_the_total_by_hand():
    table = by_path(hand_forecast(nuclear_state_term=True)).table.set_index("path")
    assert table.loc["all paths", "mean"] == pytest.approx((3 + 3 + 1 + 0) / 4)
    assert table.loc["stays no_talks", "mean"] == pytest.approx(3.0)
    assert table.loc["to active_talks", "mean"] == pytest.approx(0.5)
    # with a state term, the per-path shares of a nuclear test are reported as simulated
    assert table.loc["stays no_talks", "p_nuclear"] == pytest.approx(0.5)
    assert table.loc["to active_talks", "p_nuclear"] == pytest.approx(0.0)


def test_a_rate_without_a_state_term_is_not_split_by_path():
    summary = by_path(hand_forecast(nuclear_state_term=False))
    table = summary.table.set_index("path")
    assert table.loc["all paths", "p_nuclear"] == pytest.approx(0.25)
    assert table.drop("all paths")["p_nuclear"].isna().all()
    assert summary.text[-1].startswith("P(a nuclear test) is the same in every row")


def test_the_total_split_by_the_state_in_a_month():
    forecast = hand_forecast(nuclear_state_term=True)
    table = by_state_in(forecast, pd.Period("2026-02", "M")).table.set_index("path")
    assert table.loc["all simulations", "n"] == 4
    assert table.loc["no_talks in Feb 2026", ["share", "mean"]].tolist() == [0.5, 3.0]
    assert table.loc["active_talks in Feb 2026", ["share", "mean"]].tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="2027-01 is not a month of the forecast"):
        by_state_in(forecast, pd.Period("2027-01", "M"))


def test_the_rows_follow_the_states_order_not_their_size():
    """Rows by state come in the order of every chart's legend (no talks, stalled, active
    talks, summitry), whatever their shares: here three of five draws are in summitry."""
    codes = [STATES.index(s) for s in ("summitry", "summitry", "summitry", "stalled")]
    codes.append(STATES.index("no_talks"))
    data = xr.Dataset(
        {
            "launch_days": (("scenario", "draw", "month"), np.ones((1, 5, 1), int)),
            "state": (("scenario", "draw", "month"), np.array(codes, np.int8)[None, :, None]),
        },
        coords={
            "scenario": ["outlook"],
            "label": ("scenario", ["Outlook"]),
            "draw": range(5),
            "month": pd.period_range("2026-01", periods=1, freq="M").to_timestamp(),
        },
        attrs={"target": "launch_days", "initial_state": "no_talks"},
    )
    forecast = Forecast(data)
    assert by_path(forecast).table["path"].tolist() == [
        "all paths", "stays no_talks", "to stalled", "to summitry",
    ]  # fmt: skip
    assert by_state_in(forecast, pd.Period("2026-01", "M")).table["share"].tolist() == [
        1.0, 0.2, 0.2, 0.6,
    ]  # fmt: skip


def test_a_forecast_year_beside_the_years_before():
    months = pd.period_range("2026-01", periods=24, freq="M").to_timestamp()
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.8, size=(1, 500, 24))
    data = xr.Dataset(
        {
            "launch_days": (("scenario", "draw", "month"), counts),
            "state": (("scenario", "draw", "month"), np.zeros((1, 500, 24), np.int8)),
        },
        coords={
            "scenario": ["outlook"],
            "label": ("scenario", ["Outlook"]),
            "draw": range(500),
            "month": months,
        },
        attrs={"target": "launch_days", "initial_state": "no_talks"},
    )
    observed = pd.Series({2022: 34, 2023: 19, 2024: 12, 2025: 7})
    summary = against_years(Forecast(data), observed)
    table = summary.table.set_index("year")
    assert table["kind"].tolist() == ["observed"] * 4 + ["forecast"] * 2
    assert table.loc[2025, "observed"] == 7
    first = counts[0, :, :12].sum(axis=1)
    second = counts[0, :, 12:].sum(axis=1)
    assert table.loc[2026, "mean"] == pytest.approx(first.mean())
    assert table.loc[2026, "p_more_than_previous"] == pytest.approx((first > 7).mean())
    # the second forecast year is compared with the first, draw by draw
    assert table.loc[2027, "p_more_than_previous"] == pytest.approx((second > first).mean())
    assert summary.text[0].startswith(
        f"2026 (simulated from the data's end): {first.mean():.1f} launch days expected"
    )
    assert f"P(more than 2025's 7) = {(first > 7).mean():.0%}." in summary.text[0]
    assert "P(more than 2026) = " in summary.text[1]


def test_launch_days_never_exceed_the_days_of_their_month():
    from forecast.simulation import within_the_month

    months = pd.to_datetime(["2026-01-01", "2026-02-01"])
    sim = xr.Dataset(
        {"counts": (("draw", "month"), np.array([[40, 29], [3, 28]]))},
        coords={"draw": [0, 1], "month": months},
    )
    capped = within_the_month(sim.copy(), "launch_days")
    assert capped["counts"].values.tolist() == [[31, 28], [3, 28]]
    # missiles are not days: a missile count is left as drawn
    assert within_the_month(sim.copy(), "missiles")["counts"].values.tolist() == [[40, 29], [3, 28]]


def test_which_scenario_fitted_the_observed_total_best():
    """Two scenarios of four draws: 'held' keeps no_talks, 'talks' moves to active talks in
    month 2; the observed total and states decide the CRPS and the agreement by hand."""
    held = np.array([[1, 2, 0], [3, 0, 0], [0, 0, 1], [4, 4, 4]])
    talks = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0]])
    states = np.array([[[NO_TALKS] * 3] * 4, [[NO_TALKS, ACTIVE, ACTIVE]] * 4], dtype=np.int8)
    months = pd.period_range("2020-01", periods=3, freq="M").to_timestamp()
    data = xr.Dataset(
        {
            "launch_days": (("scenario", "draw", "month"), np.stack([held, talks])),
            "state": (("scenario", "draw", "month"), states),
        },
        coords={
            "scenario": ["held", "talks"],
            "label": ("scenario", ["Held", "Talks"]),
            "draw": range(4),
            "month": months,
        },
        attrs={"target": "launch_days", "initial_state": "no_talks"},
    )
    forecast = Forecast(data)
    # totals: held 3, 3, 1, 12; talks 0, 1, 1, 0; observed 3, the months coded no_talks
    summary = observed_in(forecast, 3, states=["no_talks"] * 3)
    table = summary.table.set_index("scenario")
    # CRPS = mean |x - y| - mean |x - x'| / 2, by hand
    assert table.loc["held", "crps_total"] == pytest.approx((0 + 0 + 2 + 9) / 4 - 66 / 16 / 2)
    assert table.loc["talks", "crps_total"] == pytest.approx((3 + 2 + 2 + 3) / 4 - 8 / 16 / 2)
    assert table["state_match"].tolist() == [1.0, pytest.approx(1 / 3)]
    assert summary.text[-1].startswith(
        "Scored by the CRPS of the total (launch days, lower is better), 'Held'"
    )
    assert summary.text[-1].endswith("(its states match the coded ones in 100% of the months).")
    assert "'Held' fitted best (0.69; 'Talks' 2.25)" in summary.text[-1]  # the one it beat
    # coded talks from month 2: 'talks' is the closest, and it did not fit best
    other = observed_in(forecast, 3, states=["no_talks", "active_talks", "active_talks"])
    assert (
        "'Talks' (its states match the coded ones in 100% of the months), ranked 2 of 2 (2.25)"
        in other.text[-1]
    )
    with pytest.raises(ConfigError, match="2 states for 3 forecast months"):
        observed_in(forecast, 3, states=["no_talks"] * 2)


def test_a_probability_never_rounds_to_certainty():
    from forecast.present import chance

    assert [chance(p) for p in (0.9958, 0.995, 0.9949, 1.0, 0.0, 0.004, 0.005, 0.0051, 0.5)] == [
        ">99%", ">99%", "99%", "100%", "0%", "<1%", "<1%", "1%", "50%"
    ]  # fmt: skip
    assert chance(float("nan")) == "n/a"


def test_a_forecast_from_march_completes_its_year_with_the_months_observed():
    """Data to 2026-02: the year 2026 is the 3 launch days of January and February plus each
    draw of March..December; 2027 (two months) is left out, and so is 2026 when the forecast
    stops before December or nothing says what January and February held."""
    rng = np.random.default_rng(5)

    def forecast_from(start: str, periods: int):
        counts = rng.poisson(0.8, size=(1, 400, periods))
        data = xr.Dataset(
            {
                "launch_days": (("scenario", "draw", "month"), counts),
                "state": (("scenario", "draw", "month"), np.zeros((1, 400, periods), np.int8)),
            },
            coords={
                "scenario": ["outlook"],
                "label": ("scenario", ["Outlook"]),
                "draw": range(400),
                "month": pd.period_range(start, periods=periods, freq="M").to_timestamp(),
            },
            attrs={"target": "launch_days", "initial_state": "no_talks"},
        )
        return Forecast(data), counts[0]

    observed = pd.Series({2024: 12, 2025: 7})
    forecast, counts = forecast_from("2026-03", 12)
    summary = against_years(forecast, observed, year_to_date=3)
    table = summary.table.set_index("year")
    assert table["kind"].tolist() == ["observed", "observed", "forecast"]  # no 2027 row
    total = 3 + counts[:, :10].sum(axis=1)
    assert table.loc[2026, "mean"] == pytest.approx(total.mean())
    assert table.loc[2026, "p_more_than_previous"] == pytest.approx((total > 7).mean())
    assert table.loc[2026, "observed_part"] == 3
    assert table.loc[2026, "observed_months"] == "2026-01..2026-02"
    assert summary.text[0].startswith(
        f"2026 (3 observed in 2026-01..2026-02, the rest simulated from the data's end): "
        f"{total.mean():.1f} launch days expected"
    )
    assert 2026 not in set(against_years(forecast, observed).table["year"])
    short, _ = forecast_from("2026-03", 6)  # to 2026-08: the year is not whole
    assert 2026 not in set(against_years(short, observed, year_to_date=3).table["year"])


def test_the_report_reads_the_year_to_date_from_the_panel(panel):
    from forecast.report.build import _year_to_date

    months = pd.PeriodIndex(panel["month"], freq="M").astype(str)
    jan_feb = panel.loc[months.isin(["2025-01", "2025-02"]), "launch_days"].sum()
    assert _year_to_date(panel, "launch_days", pd.Period("2025-03", "M")) == jan_feb
    assert _year_to_date(panel, "launch_days", pd.Period("2025-01", "M")) is None
    no_january = panel.iloc[1:]  # the data start in 1990-02: January 1990 is unknown
    assert _year_to_date(no_january, "launch_days", pd.Period("1990-03", "M")) is None


def test_the_path_sentences_name_the_states_as_the_table_shows_them():
    """The table keeps the codes (``stays no_talks``); its sentences say them in words, as the
    report's and notebook 04's tables show them (``stays no talks``)."""
    text = by_path(hand_forecast(nuclear_state_term=True)).text
    assert text[1].startswith("stays no talks (50% of the simulations): 3.0 launch days expected")
    assert any(t.startswith("to active talks (") for t in text)
    assert not any("_talks" in t for t in text)


def test_state_effects_say_which_way_an_interval_that_excludes_1_points():
    effects = pd.DataFrame(
        {
            "state": ["no_talks", "stalled", "active_talks", "summitry"],
            "rate_ratio_mean": [1.0, 0.9, 0.5, 1.6],
            "hdi_low": [1.0, 0.6, 0.3, 1.1],
            "hdi_high": [1.0, 1.3, 0.8, 2.2],
            "p_below_1": [0.0, 0.7, 0.99, 0.01],
        }
    )
    said = state_effects(effects, {"stalled": "Stalled", "active_talks": "Active talks"}).text
    assert said[0].startswith("Stalled: 0.90 times the no-talks rate on average, 94% HDI 0.60")
    assert "at 94% the data cannot tell whether it raises or lowers the rate" in said[0]
    assert "the interval excludes 1: a lower rate than in no talks" in said[1]
    assert "the interval excludes 1: a higher rate than in no talks" in said[2]
    # a model by weapon class: one sentence per class and state, each naming its class
    by_class = effects.assign(weapon_class="ICBM")
    assert state_effects(by_class, {"stalled": "Stalled"}).text[0].startswith("ICBM: Stalled: ")


def test_the_reference_scenario_is_persist_wherever_it_is_else_the_first():
    assert reference_scenario(["talks_resume", "persist", "summit"]) == "persist"
    assert reference_scenario(["talks_resume", "summit"]) == "talks_resume"


def test_a_forecast_of_one_month_is_said_over_1_month():
    one = Forecast(hand_forecast(True).data.isel(month=[0]))
    assert "launch days expected over 1 month (median" in totals(one).text[0]


def test_a_rate_without_a_state_term_fills_every_row_as_the_page_shows_it():
    table = by_state_in(hand_forecast(False), pd.Period("2026-02", "M")).table
    assert table["p_nuclear"].iloc[1:].isna().all()  # the CSV leaves the state rows blank
    filled = every_row_filled(table)
    assert (filled["p_nuclear"] == table["p_nuclear"].iloc[0]).all()
    assert filled["p_nuclear"].iloc[0] == 0.25  # one test in four draws
    # a rate with a state term is split by state already: nothing to fill
    split = by_state_in(hand_forecast(True), pd.Period("2026-02", "M")).table
    pd.testing.assert_frame_equal(every_row_filled(split), split)


def test_the_headline_for_reading_has_its_interval_in_one_column_and_no_empty_column():
    """Totals 3, 3, 1, 0 in four draws: the 10th and 90th percentiles are simulated totals (0
    and 3); no ICBM class in the forecast, so no P(ICBM launch)."""
    table = headline(hand_forecast(True)).table
    assert table[["q10", "q90"]].iloc[0].tolist() == [0, 3]
    shown = for_reading(table, HEADLINE_COLUMNS)
    assert shown["80% interval"].tolist() == ["0 to 3"]
    assert "P(ICBM launch)" not in shown and shown["P(nuclear test)"].tolist() == [0.25]
    assert list(shown.columns[:5]) == [
        "scenario", "simulations", "expected launch days", "median", "80% interval"
    ]  # fmt: skip


def test_the_noise_of_a_share_is_that_of_the_row_on_the_fewest_simulations():
    """Two standard errors of a share, 2 sqrt(p (1 - p) / n), with p the share of all
    simulations (the first row) and n the fewest simulations of a split row (empty rows are
    not split rows)."""
    table = pd.DataFrame(
        {
            "path": ["all", "stays", "to summitry", "to stalled"],
            "n": [4000, 3500, 200, 0],
            "p_icbm": [0.5, 0.49, 0.54, np.nan],
        }
    )
    n, two_se = share_noise(table, "p_icbm")
    # the share of all simulations, with the smallest split row's count
    assert n == 200 and two_se == pytest.approx(2 * (0.5 * 0.5 / 200) ** 0.5)
    # a row of few simulations that all launched (p = 1) is not read as exact
    few = pd.concat([table, pd.DataFrame({"path": ["to x"], "n": [12], "p_icbm": [1.0]})])
    assert share_noise(few, "p_icbm") == (12, pytest.approx(2 * (0.25 / 12) ** 0.5))
    assert share_noise(table.iloc[:1], "p_icbm") is None  # no split row
    assert share_noise(table, "p_nuclear") is None  # no such column
