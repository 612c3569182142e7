"""The same question answered once: scenarios, conditional questions and the outlook agree.

A conditional question fixes its path of states only through its given months; a scenario
holds its path to the end. When the question fixes the whole window, the two are the same
forecast and must give the same numbers, draw for draw. The outlook from today is the outlook
from the data's end with the months in between simulated and dropped.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import SEED

from forecast.constants import STATES
from forecast.models import get_model
from forecast.outlook import answer_questions, outlook_from_today, simulate_outlook
from forecast.questions import parse_questions
from forecast.runs import fit_run, load_outlook, load_run
from forecast.scenarios import parse_scenarios, simulate_scenarios
from forecast.summaries import totals

TALKS_IN_MARCH = {"2026-01": "no_talks", "2026-03": "active_talks"}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, panel):
    out = tmp_path_factory.mktemp("agreement") / "run"
    fit_run(get_model("ar_level"), panel, "mock", seed=SEED, out=out)
    model, _ = load_run(out)
    return model, load_outlook(out)


def talks_question(given_through: str | None) -> dict:
    question = {
        "id": "days-if-talks-march",
        "title": "How many launch days in 2026 if talks resume in March?",
        "type": "conditional",
        "given": dict(TALKS_IN_MARCH),
        "question": {
            "type": "numeric",
            "event": "launch_day",
            "window": {"start": "2026-01", "end": "2026-12"},
        },
        "resolution": "test",
    }
    if given_through:
        question["given_through"] = given_through
    return question


def scenario_total(model, outlook) -> dict:
    spec = parse_scenarios(
        {
            "horizon": 12,
            "scenarios": {
                "talks": {"label": "Talks in March", "states": {"2026-03": "active_talks"}}
            },
        }
    )
    forecast = simulate_scenarios(model, spec, random_seed=SEED, outlook=outlook)
    return totals(forecast).table.iloc[0].to_dict(), forecast


def test_a_question_that_fixes_the_whole_window_is_the_scenario(fitted):
    model, outlook = fitted
    questions = parse_questions({"questions": [talks_question("2026-12")]})
    answers, outcomes, _ = answer_questions(model, outlook, questions, random_seed=SEED)
    scenario, forecast = scenario_total(model, outlook)
    row = answers.iloc[0]
    assert row["mean"] == pytest.approx(scenario["mean"])
    assert (row["q10"], row["q50"], row["q90"]) == (
        scenario["q10"],
        scenario["median"],
        scenario["q90"],
    )
    # draw for draw: the kept outcomes are the scenario's first simulated totals
    kept = np.asarray(outcomes["days-if-talks-march"])
    total = forecast.counts.isel(scenario=0).sum("month").values[: len(kept)]
    np.testing.assert_array_equal(kept, total)


def test_a_question_fixed_through_march_lets_the_states_move_after(fitted):
    model, outlook = fitted
    questions = parse_questions({"questions": [talks_question("2026-03")]})
    fixed = {"2026-01": "no_talks", "2026-03": "active_talks"}
    sims = simulate_outlook(model, outlook, 12, SEED, fixed=fixed)
    codes = sims.states.isel(scenario=0).values
    march = list(pd.period_range("2026-01", periods=12, freq="M")).index(pd.Period("2026-03"))
    assert (codes[:, march] == STATES.index("active_talks")).all()
    assert (codes[:, march + 1 :] != STATES.index("active_talks")).any()  # some paths leave
    answers, _, _ = answer_questions(model, outlook, questions, random_seed=SEED)
    scenario, _ = scenario_total(model, outlook)
    assert answers.iloc[0]["mean"] != pytest.approx(scenario["mean"])


def test_the_outlook_from_today_simulates_the_months_the_data_lack(fitted):
    model, outlook = fitted
    assert outlook_from_today(model, outlook, dt.date(2026, 1, 15), random_seed=SEED) is None
    today = outlook_from_today(model, outlook, dt.date(2026, 12, 3), random_seed=SEED)
    assert [str(m) for m in today.simulated[[0, -1]]] == ["2026-01", "2026-11"]
    assert len(today.simulated) == 11
    assert [str(m) for m in today.forecast.months[[0, -1]]] == ["2026-12", "2027-11"]
    # the same joint simulation as the outlook from the data's end over 23 months
    whole = simulate_outlook(model, outlook, 23, random_seed=SEED)
    np.testing.assert_array_equal(
        today.forecast.counts.values, whole.months_from(pd.Period("2026-12")).counts.values
    )
    table = today.tables()["totals"].set_index("path")
    assert table.loc["all simulations", "n"] == today.forecast.n_draws
    in_state = table.drop("all simulations")
    assert in_state["share"].sum() == pytest.approx(1.0)
    assert all(p.endswith(" in Dec 2026") for p in in_state.index)
