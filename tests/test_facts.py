"""The data facts the notebooks state in words: computed from the tables, checked by hand."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast import data, summaries
from forecast.data import facts
from forecast.evaluation import findings


@pytest.fixture(scope="module")
def tables():
    return data.load_tables()


def test_summitry_has_two_episodes_since_2005_with_the_2019_launch_days(tables):
    episodes = facts.state_episodes(tables, since="2005-01-01")
    summitry = episodes[episodes["state"] == "summitry"]
    assert summitry["start"].dt.strftime("%Y-%m-%d").tolist() == ["2018-03-08", "2019-06-30"]
    assert summitry["end"].dt.strftime("%Y-%m-%d").tolist() == ["2019-02-28", "2019-10-05"]
    # CNS launch days of 2019-07-25 .. 2019-10-02, counted by hand from missile_tests.csv
    dates = tables.missile_tests["date"].drop_duplicates()
    by_hand = int(dates.between("2019-06-30", "2019-10-05").sum())
    assert summitry["launch_days"].tolist() == [0, by_hand] and by_hand == 9
    text = facts.episode_words(episodes, "summitry")
    assert text.startswith("`summitry` rests on 2 episodes since 2005")
    assert "2019-06-30 to 2019-10-05 (98 days, 9 launch days)" in text


def test_adjacent_periods_with_one_label_are_one_episode(tables):
    episodes = facts.state_episodes(tables, since="1990-01-01")
    assert (episodes["state"] != episodes["state"].shift()).all()
    # every day of the timeline is in exactly one episode
    assert episodes["days"].sum() == (tables.as_of - pd.Timestamp("1990-01-01")).days + 1
    # rows 27-28 (2021-03-18 and 2025-01-20, both no_talks) merge into one
    last = episodes.iloc[-1]
    assert (last["state"], f"{last['start']:%Y-%m-%d}") == ("no_talks", "2021-03-18")


def test_episodes_to_a_cutoff_are_what_a_fit_to_it_saw(tables):
    """A fit to 2019-10 saw the summit episode to its end (2019-10-05) and 26 days of the
    stalled one that followed, none of its launch days after the cutoff."""
    episodes = facts.state_episodes(tables, since="2005-01-01", until="2019-10-31")
    last = episodes.iloc[-1]
    assert (last["state"], f"{last['start']:%Y-%m-%d}", f"{last['end']:%Y-%m-%d}") == (
        "stalled",
        "2019-10-06",
        "2019-10-31",
    )
    dates = tables.missile_tests["date"].drop_duplicates()
    assert last["days"] == 26 and last["launch_days"] == int(
        dates.between("2019-10-06", "2019-10-31").sum()
    )
    assert (episodes["start"] <= "2019-10-31").all()
    first = episodes.iloc[0]  # the stalled episode from 2004-06-27, as the window saw it
    assert (first["state"], f"{first['start']:%Y-%m-%d}", first["days"]) == (
        "stalled",
        "2005-01-01",
        189,
    )
    text = facts.episode_words(episodes, "stalled")
    assert "from 2005-01 to 2019-10:" in text and "2019-10-06 to 2019-10-31 (26 days" in text


def test_an_unknown_state_is_refused(tables):
    with pytest.raises(ValueError, match="unknown state 'talks'"):
        facts.episode_words(facts.state_episodes(tables), "talks")


def test_source_words_name_the_years_where_csis_is_not_above(tables):
    table = facts.source_comparison(data.yearly_summary(tables), since=2014)
    row = table.set_index("year").loc[2019]
    assert (row["csis_events"], row["cns_launch_days"]) == (12, 14)
    text = facts.source_words(table)
    above = int((table["csis_events"] > table["cns_launch_days"]).sum())
    assert text.startswith(f"CSIS lists more missile events than CNS has launch days in {above} of")
    assert "fewer in 2019 (CSIS 12, CNS 14)" in text


def _periods(*rows):
    """A hand-made state table: (start, end, state) rows."""
    table = pd.DataFrame(rows, columns=["start", "end", "state"])
    return table.assign(start=pd.to_datetime(table["start"]), end=pd.to_datetime(table["end"]))


def test_time_in_state_counts_both_ends_and_sums_the_periods_of_a_state(tables):
    tiny = dataclasses.replace(
        tables,
        negotiation_states=_periods(
            ("2000-01-01", "2000-01-10", "active_talks"),  # 10 days
            ("2000-01-11", "2000-01-15", "no_talks"),  # 5 days
            ("2000-01-16", "2000-12-31", "no_talks"),  # 351 days (2000 is a leap year)
        ),
    )
    time = facts.time_in_state(tiny)
    assert time.index.tolist() == ["no_talks", "active_talks"]  # STATES order, not a-z
    assert time["days"].tolist() == [356, 10]
    assert time["years"].tolist() == pytest.approx([356 / 365.25, 10 / 365.25])


def test_time_in_state_is_the_notebooks_old_computation_on_the_bundled_data(tables):
    # notebook 01's inline cell before the function existed
    states = tables.negotiation_states.assign(days=lambda d: (d["end"] - d["start"]).dt.days + 1)
    years = states.groupby("state", observed=True)["days"].sum().div(365.25)
    time = facts.time_in_state(tables)
    pd.testing.assert_series_equal(
        time["years"], years.reindex(time.index), check_names=False, check_index_type=False
    )
    assert sorted(time.index) == sorted(years.index)
    # every day of the timeline is in one state
    assert time["days"].sum() == (tables.as_of - tables.negotiation_states["start"].min()).days + 1


def test_state_rates_are_the_mean_and_sum_of_each_states_months():
    panel = pd.DataFrame(
        {
            "state": pd.Categorical(
                ["summitry", "no_talks", "stalled", "no_talks", "stalled", "no_talks"],
                categories=["no_talks", "stalled", "active_talks", "summitry"],
            ),
            "launch_days": [3, 2, 0, 0, 0, 1],
        }
    )
    rates = facts.state_rates(panel)
    assert rates.index.tolist() == ["no_talks", "stalled", "summitry"]  # no month of talks
    assert rates["months"].tolist() == [3, 2, 1]
    assert rates["launch_days"].tolist() == [3, 0, 3]
    assert rates["launch_days_per_month"].tolist() == [1.0, 0.0, 3.0]


def test_state_rates_are_the_notebooks_old_computation_on_the_bundled_data(tables):
    panel = data.monthly_panel(tables)
    old = panel.groupby("state", observed=True)["launch_days"].agg(["mean", "sum", "size"])
    rates = facts.state_rates(panel)
    assert rates.index.tolist() == [str(s) for s in old.index]
    assert rates["launch_days_per_month"].tolist() == old["mean"].tolist()
    assert rates["launch_days"].tolist() == old["sum"].tolist()
    assert rates["months"].tolist() == old["size"].tolist()


def _folds(divergences=(0, 0, 0)):
    return pd.DataFrame(
        {
            "model": ["ar_level"] * 3 + ["recent_rate"],
            "passed": [True, False, False, True],
            "max_rhat": [1.005, 1.02, 1.008, float("nan")],
            "min_ess_bulk": [900.0, 800.0, 300.0, float("nan")],
            "min_ess_tail": [700.0, 350.0, 500.0, float("nan")],
            "divergences": [*divergences, 0],
        }
    )


def test_fold_verdicts_count_one_models_folds_and_how_far_the_failed_ones_missed():
    verdicts = findings.fold_verdicts(_folds(), "ar_level")
    assert (verdicts["folds"], verdicts["passed"], verdicts["divergences"]) == (3, 1, 0)
    assert verdicts["share_passed"] == pytest.approx(1 / 3)
    # r-hat 1.008 is under the limit: only the fold at 1.02 missed on it
    assert (verdicts["high_rhat"], verdicts["worst_rhat"]) == (1, 1.02)
    # both missed on the ESS: one on the bulk (300), one on the tail (350)
    assert (verdicts["low_ess"], verdicts["worst_ess"]) == (2, 300.0)
    assert findings.fold_verdict_words(verdicts) == (
        "1 of the 3 `ar_level` folds (33%) passed the strict convergence check (largest r-hat "
        "at most 1.01, bulk and tail ESS at least 400, no divergence); of the other 2, 1 had a "
        "largest r-hat above 1.01 (at worst 1.020) and 2 a bulk or tail ESS below 400 (at worst "
        "300) (a fold may miss on more than one); no fold had a divergence."
    )
    text = findings.fold_verdict_words(findings.fold_verdicts(_folds((0, 2, 1)), "ar_level"))
    assert "2 a divergence (3 in all)" in text and "no fold had" not in text
    with pytest.raises(ValueError, match="no fold of 'daily_exciting'"):
        findings.fold_verdicts(_folds(), "daily_exciting")


def test_fold_verdicts_of_folds_that_all_passed_say_nothing_of_failures():
    folds = _folds().assign(passed=True, max_rhat=1.0, min_ess_bulk=1000.0, min_ess_tail=1000.0)
    text = findings.fold_verdict_words(findings.fold_verdicts(folds, "ar_level"))
    assert text.startswith("3 of the 3 `ar_level` folds (100%) passed")
    assert "the other" not in text and text.endswith("; no fold had a divergence.")


def test_level_ratio_episodes_average_the_ratio_of_mean_rates_over_each_episode():
    months = pd.date_range("2010-01-01", periods=4, freq="MS")
    # two draws: the mean rate of `level` is (1+3)/2 = 2 in January, not exp(mean log) = sqrt 3
    level = xr.DataArray(
        np.log([[[1.0, 2.0, 2.0, 4.0], [3.0, 2.0, 2.0, 4.0]]]),
        dims=("chain", "draw", "month"),
        coords={"month": months},
    )
    reference = xr.DataArray(
        np.log([[[2.0, 1.0, 4.0, 4.0], [2.0, 1.0, 4.0, 4.0]]]),
        dims=("chain", "draw", "month"),
        coords={"month": months},
    )  # month by month the ratio is 1, 2, 0.5, 1
    training = pd.DataFrame(
        {"month": months, "state": ["no_talks", "no_talks", "active_talks", "no_talks"]}
    )
    episodes = summaries.level_ratio_episodes(level, reference, training)
    assert episodes["state"].tolist() == ["no_talks", "active_talks", "no_talks"]
    assert episodes["start"].dt.strftime("%Y-%m").tolist() == ["2010-01", "2010-03", "2010-04"]
    assert episodes["end"].dt.strftime("%Y-%m").tolist() == ["2010-02", "2010-03", "2010-04"]
    assert episodes["months"].tolist() == [2, 1, 1]
    assert episodes["mean_ratio"].tolist() == pytest.approx([1.5, 0.5, 1.0])
    assert episodes["lowest_ratio"].tolist() == pytest.approx([1.0, 0.5, 1.0])
    assert episodes["highest_ratio"].tolist() == pytest.approx([2.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="do not cover"):
        summaries.level_ratio_episodes(level, reference, training.iloc[:3])
