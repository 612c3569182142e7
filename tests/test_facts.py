"""The data facts the notebooks state in words: computed from the tables, checked by hand."""

import pandas as pd
import pytest

from forecast import data
from forecast.data import facts


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
