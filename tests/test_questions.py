"""Forecast questions: parsing, resolution, answers from draws, scores, reliability, figures."""

from __future__ import annotations

import copy
import io
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import REPO, SEED
from scipy import stats

from forecast.constants import STATES
from forecast.errors import ConfigError
from forecast.plots import plot_answers, plot_reliability
from forecast.questions import (
    ANNULLED,
    ANSWER_COLUMNS,
    NOT_IN_WINDOW,
    WEAPON_CLASSES,
    answer,
    answers_table,
    binary_scores,
    crps_draws,
    load_questions,
    parse_questions,
    reliability_table,
    resolve,
    score,
    shift_question,
    simulated_outcomes,
)

QUESTION_FILE = REPO / "questions" / "2026.yaml"


def question(**fields) -> dict:
    """A valid binary question spec, with fields replaced."""
    spec = {
        "id": "q",
        "title": "A question",
        "type": "binary",
        "event": "launch_day",
        "window": {"start": "2030-01", "end": "2030-06"},
        "resolution": "CNS launch days.",
    }
    spec.update(fields)
    return spec


def one(**fields):
    return parse_questions({"questions": [question(**fields)]}, source="q.yaml")[0]


def conditional(**fields) -> dict:
    spec = {
        "id": "c",
        "title": "If talks resume",
        "type": "conditional",
        "given": {"2030-01": "no_talks", "2030-03": "active_talks"},
        "question": {
            "type": "numeric",
            "event": "launch_day",
            "window": {"start": "2030-01", "end": "2030-06"},
        },
        "resolution": "Annulled unless the path happens.",
    }
    spec.update(fields)
    return spec


def events(months: int = 7, start: str = "2029-12", **columns) -> pd.DataFrame:
    """A hand-made monthly event table like the panel (zeros unless given)."""
    table = pd.DataFrame({"month": pd.period_range(start, periods=months, freq="M").to_timestamp()})
    for name in (
        "launch_days",
        "missiles",
        "nuclear_tests",
        *[
            f"launch_days_{c.lower()}"
            for c in ("SRBM", "MRBM", "IRBM", "ICBM", "SLBM", "SLV", "HGV", "unknown")
        ],
    ):
        table[name] = 0
    table["state"] = "no_talks"
    for name, values in columns.items():
        table[name] = values
    return table


# --- parsing -----------------------------------------------------------------------------------


def test_the_shipped_question_file_parses():
    questions = load_questions(QUESTION_FILE)
    assert 5 <= len(questions) <= 8
    assert len({q.id for q in questions}) == len(questions)
    types = {q.type for q in questions}
    assert types == {"binary", "numeric", "date", "conditional"}
    assert all(q.resolution and q.start >= pd.Period("2026-01", "M") for q in questions)
    icbm = next(q for q in questions if q.id == "icbm-2026h1")
    assert icbm.event.weapon_class == "ICBM" and str(icbm.end) == "2026-06"


def test_a_conditional_question_parses_with_its_inner_question():
    q = parse_questions({"questions": [conditional(given_through="2030-03")]})[0]
    assert q.type == "conditional" and q.answer_type == "numeric" and q.inner.type == "numeric"
    assert [str(m) for m in q.given_months] == ["2030-01", "2030-02", "2030-03"]
    assert q.given_path() == ["no_talks", "no_talks", "active_talks"]
    full = parse_questions({"questions": [conditional()]})[0]
    assert len(full.given_months) == 6  # through the window end by default


def test_event_forms():
    assert (
        one(event={"kind": "launch_day", "weapon_class": "mrbm/irbm"}).event.weapon_class
        == "MRBM/IRBM"
    )
    assert one(event={"kind": "state_change", "to": "summitry"}).event.to == ("summitry",)
    assert one(event={"kind": "state_change", "to": ["summitry", "active_talks"]}).event.to == (
        "active_talks",
        "summitry",
    )
    assert one(type="numeric").threshold == 1


BAD_QUESTIONS = [
    ({"questions": []}, "key 'questions' is missing or empty"),
    ({"questions": {"q": question()}}, "key 'questions' is a mapping; it is a list"),
    ({"questions": [question()], "deadline": 3}, "unknown key 'deadline'"),
    ({"questions": [question(), question()]}, "question 'q': the id is used twice"),
    ({"questions": [question(id=None)]}, "question #1: 'id' None is missing or not a simple name"),
    ({"questions": [question(id="has space")]}, "'id' 'has space' is missing or not a simple name"),
    (
        {"questions": [question(type="multiple_choice")]},
        "question 'q': unknown type 'multiple_choice'",
    ),
    ({"questions": [question(title="")]}, "question 'q': 'title' is missing or empty"),
    ({"questions": [question(resolution=None)]}, "question 'q': 'resolution' is missing or empty"),
    ({"questions": [question(event="missile_launch")]}, "unknown event kind 'missile_launch'"),
    (
        {"questions": [question(event={"kind": "launch_day", "weapon_class": "IRBM"})]},
        "unknown weapon_class 'IRBM' (IRBM is in the group MRBM/IRBM)",
    ),
    (
        {"questions": [question(event={"kind": "nuclear_test", "weapon_class": "ICBM"})]},
        "'weapon_class' applies to launch_day, not nuclear_test",
    ),
    (
        {"questions": [question(event={"kind": "launch_day", "to": "summitry"})]},
        "'to' applies to state_change, not launch_day",
    ),
    (
        {"questions": [question(event={"kind": "state_change", "to": "peace"})]},
        "unknown state 'peace' in 'to'",
    ),
    (
        {"questions": [question(event={"kind": "launch_day", "class": "ICBM"})]},
        "unknown event key 'class'",
    ),
    (
        {"questions": [question(window={"start": "2030-06", "end": "2030-01"})]},
        "window ends 2030-01 before it starts 2030-06",
    ),
    (
        {"questions": [question(window={"start": "2030-01-15", "end": "2030-06"})]},
        "window.start: '2030-01-15' is not a whole month",
    ),
    (
        {"questions": [question(window={"start": "2030-01"})]},
        "'window' needs exactly 'start' and 'end'",
    ),
    ({"questions": [question(threshold=0)]}, "threshold 0 is not a positive integer"),
    (  # 2030-01..2030-06: 181 days, so at most 181 launch days
        {"questions": [question(threshold=182)]},
        "threshold 182 can never be met: 2030-01..2030-06 has 181 days, so at most 181 launch",
    ),
    (
        {"questions": [question(threshold=10**12, event="missiles")]},
        "threshold 1,000,000,000,000 can never be met: 2030-01..2030-06 has 181 days, so at "
        "most 18,100 missiles",
    ),
    (
        {"questions": [question(type="numeric", threshold=3)]},
        "'threshold' applies to binary questions, not numeric",
    ),
    ({"questions": [question(deadline="2030-06")]}, "question 'q': unknown key 'deadline'"),
    ({"questions": [conditional(given=None)]}, "question 'c': 'given' is missing or not a mapping"),
    (
        {"questions": [conditional(given={"2030-01": "talks"})]},
        "given.2030-01: unknown state 'talks'",
    ),
    ({"questions": [conditional(question={"type": "conditional"})]}, "conditionals cannot nest"),
    (
        {"questions": [conditional(given_through="2030-02")]},
        "given_through 2030-02 is before the last given month 2030-03",
    ),
    ({"questions": [conditional(question=None)]}, "'question' (the inner question) is missing"),
    ({"questions": [conditional(event="launch_day")]}, "question 'c': unknown key 'event'"),
]


@pytest.mark.parametrize("spec, message", BAD_QUESTIONS)
def test_malformed_questions_are_refused_with_file_place_and_fix(spec, message):
    with pytest.raises(ConfigError) as err:
        parse_questions(spec, source="questions/bad.yaml")
    text = str(err.value)
    assert text.startswith("questions/bad.yaml: ")
    assert message in text
    assert "Fix: " in text


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="question file not found"):
        load_questions(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions: [id: {\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_questions(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a YAML list, not a mapping"):
        load_questions(bad)
    bad.write_text("as_of: 2025-12\nas_of: 2026-01\nquestions: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="appears twice"):
        load_questions(bad)


QUESTION = """  - id: {id}
    title: Any launch?
    resolution: A launch day in the window.
    type: {type}
    event: launch_day
    window: {{start: {start}, end: 2030-06}}
"""


@pytest.mark.parametrize(
    "items, line, words",
    [
        # the error of the second question with an id is on its own line, not the first's
        ([{}, {"type": "bnary"}], 9, "question 'a': unknown type 'bnary'"),
        ([{}, {}], 9, "question 'a': the id is used twice"),
        ([{"id": "b"}, {"start": "2030-13"}], 14, "question 'a', window.start"),
        ([{"id": "b"}, {"id": "a b"}], 9, "question #2: 'id' 'a b'"),
    ],
)
def test_a_question_files_error_names_its_line(tmp_path, items, line, words):
    text = "as_of: 2029-12\nquestions:\n" + "".join(
        QUESTION.format(**{"id": "a", "type": "binary", "start": "2030-01", **item})
        for item in items
    )
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_questions(path)
    assert err.value.rows == [line], str(err.value)
    assert str(err.value).startswith(f"{path}, line {line}: {words}")


def test_weapon_class_groups_agree_with_the_class_model():
    hierarchical = pytest.importorskip("forecast.models.hierarchical")
    assert WEAPON_CLASSES == hierarchical.WEAPON_CLASSES


# --- resolution against hand-made event tables -------------------------------------------------


def test_binary_resolves_yes_early_and_no_only_at_the_end():
    q = one(threshold=2)  # window 2030-01..06; the tables start 2029-12
    full = events(launch_days=[5, 0, 1, 0, 1, 0, 0])
    assert resolve(q, full) is True
    assert resolve(q, full.iloc[:5]) is True  # second launch day in 2030-04
    assert resolve(q, full.iloc[:4]) is None  # one so far, window not over
    assert resolve(q, events(launch_days=[9, 0, 1, 0, 0, 0, 0])) is False
    assert resolve(q, events(launch_days=[0, 1, 0, 0, 0, 0, 0]).iloc[:6]) is None


def test_numeric_counts_the_window_only():
    q = one(type="numeric")
    table = events(launch_days=[7, 1, 0, 3, 0, 2, 0])
    assert resolve(q, table) == 6  # December 2029 is outside the window
    assert resolve(q, table.iloc[:6]) is None


def test_weapon_class_groups_and_other_kinds():
    table = events(
        launch_days_mrbm=[0, 1, 0, 0, 0, 0, 0],
        launch_days_irbm=[0, 0, 2, 0, 0, 0, 0],
        launch_days_icbm=[1, 0, 0, 0, 0, 0, 0],
        missiles=[0, 4, 0, 0, 0, 0, 0],
        nuclear_tests=[0, 0, 0, 0, 1, 0, 0],
    )
    ask = lambda event: resolve(one(type="numeric", event=event), table)  # noqa: E731
    assert ask({"kind": "launch_day", "weapon_class": "MRBM/IRBM"}) == 3
    assert ask({"kind": "launch_day", "weapon_class": "ICBM"}) == 0  # 2029-12 is before
    assert ask("missiles") == 4
    assert ask("nuclear_test") == 1


def test_date_resolves_at_the_first_event():
    q = one(type="date", event={"kind": "launch_day", "weapon_class": "ICBM"})
    table = events(launch_days_icbm=[1, 0, 0, 1, 0, 1, 0])
    assert resolve(q, table) == pd.Period("2030-03", "M")
    assert resolve(q, table.iloc[:4]) == pd.Period("2030-03", "M")
    assert resolve(q, table.iloc[:3]) is None
    assert resolve(q, events(launch_days_icbm=[1, 0, 0, 0, 0, 0, 0])) == NOT_IN_WINDOW


def test_state_changes_need_the_month_before_the_window():
    states = [
        "no_talks",
        "no_talks",
        "stalled",
        "active_talks",
        "active_talks",
        "summitry",
        "stalled",
    ]
    table = events(state=states)
    assert resolve(one(type="numeric", event="state_change"), table) == 4
    into_talks = one(
        type="numeric", event={"kind": "state_change", "to": ["active_talks", "summitry"]}
    )
    assert resolve(into_talks, table) == 2
    first = one(type="date", event={"kind": "state_change", "to": "active_talks"})
    assert resolve(first, table) == pd.Period("2030-03", "M")
    # a window starting with a change from December
    assert resolve(one(event="state_change"), events(state=["stalled"] + ["no_talks"] * 6)) is True
    # without December the first month cannot be judged
    assert resolve(one(event="state_change"), table.iloc[1:]) is None


def test_conditional_resolution_and_annulment():
    q = parse_questions({"questions": [conditional(given_through="2030-03")]})[0]
    on_path = events(
        launch_days=[0, 1, 1, 0, 2, 0, 0],
        state=["no_talks", "no_talks", "no_talks", "active_talks", "stalled", "stalled", "stalled"],
    )
    assert resolve(q, on_path) == 4
    assert resolve(q, on_path.iloc[:5]) is None  # path done, inner window not over
    assert resolve(q, on_path.iloc[:2]) is None  # path not yet observed
    off_path = on_path.assign(state=["no_talks", "no_talks", "stalled"] + ["no_talks"] * 4)
    assert resolve(q, off_path) == ANNULLED
    assert resolve(q, off_path.iloc[:3]) == ANNULLED  # broken before the window ends


def test_questions_shift_for_backtests(panel):
    q = load_questions(QUESTION_FILE)
    template = next(x for x in q if x.id == "icbm-2026h1")
    icbm = shift_question(template, "2017-01")
    assert (str(icbm.start), str(icbm.end)) == ("2017-01", "2017-06")
    assert resolve(icbm, panel) is False  # the 2017 ICBMs flew in July and November
    assert resolve(shift_question(template, "2017-07"), panel) is True
    cond = shift_question(
        next(x for x in q if x.id == "launch-days-2026-if-talks-march"), "2018-01"
    )
    assert list(cond.given) == [pd.Period("2018-01", "M"), pd.Period("2018-03", "M")]
    assert resolve(cond, panel) == ANNULLED


# --- answers from draws ------------------------------------------------------------------------


def simulated(draws: int = 400, months: int = 12, seed: int = SEED) -> xr.Dataset:
    """Random simulated futures 2030-01.. with every variable a question may need."""
    rng = np.random.default_rng(seed)
    shape = (draws, months)
    state = rng.choice(np.array(STATES), size=shape, p=[0.6, 0.1, 0.2, 0.1])
    ds = xr.Dataset(
        {
            "counts": (("draw", "month"), rng.poisson(1.2, shape)),
            "class_counts": (
                ("draw", "month", "weapon_class"),
                rng.poisson([0.8, 0.2, 0.1, 0.1], (*shape, 4)),
            ),
            "missiles": (("draw", "month"), rng.poisson(2.5, shape)),
            "nuclear_tests": (("draw", "month"), rng.poisson(0.02, shape)),
            "state": (("draw", "month"), state),
        },
        coords={
            "draw": np.arange(draws),
            "month": pd.period_range("2030-01", periods=months, freq="M").to_timestamp(),
            "weapon_class": list(WEAPON_CLASSES),
            "initial_state": ("draw", rng.choice(np.array(STATES), size=draws)),
        },
        attrs={"target": "launch_days"},
    )
    return ds


def draw_table(sims: xr.Dataset, i: int) -> pd.DataFrame:
    """One draw of the simulations as an observed monthly table (with the month before)."""
    months = pd.DatetimeIndex(sims["month"].values)
    table = events(months=len(months) + 1)
    table["launch_days"] = [0, *sims["counts"].values[i]]
    table["missiles"] = [0, *sims["missiles"].values[i]]
    table["nuclear_tests"] = [0, *sims["nuclear_tests"].values[i]]
    for group, classes in WEAPON_CLASSES.items():
        table[f"launch_days_{classes[0].lower()}"] = [
            0,
            *sims["class_counts"].sel(weapon_class=group).values[i],
        ]
    table["state"] = [str(sims["initial_state"].values[i]), *sims["state"].values[i]]
    return table


@pytest.fixture(scope="module")
def resolved_draws():
    """200 simulated draws and each draw as an observed table (built once)."""
    sims = simulated(draws=200)
    return sims, [draw_table(sims, i) for i in range(sims.sizes["draw"])]


@pytest.mark.parametrize(
    "spec",
    [
        question(threshold=16, window={"start": "2030-01", "end": "2030-12"}),
        question(event={"kind": "launch_day", "weapon_class": "ICBM"}),
        question(event="nuclear_test", window={"start": "2030-01", "end": "2030-12"}),
        question(
            event={"kind": "state_change", "to": ["active_talks", "summitry"]},
            window={"start": "2030-01", "end": "2030-03"},
        ),
        question(event="missiles", threshold=8, window={"start": "2030-02", "end": "2030-04"}),
    ],
)
def test_binary_probability_equals_the_share_of_draws_that_resolve(spec, resolved_draws):
    sims, tables = resolved_draws
    q = parse_questions({"questions": [spec]})[0]
    resolved = [resolve(q, table) for table in tables]
    assert all(isinstance(r, bool) for r in resolved)
    row = answer(q, sims)
    assert row["probability"] == sum(resolved) / len(resolved)
    assert 0 < row["probability"] < 1


def test_numeric_and_date_answers_match_the_resolved_draws(resolved_draws):
    sims, tables = resolved_draws
    numeric = one(type="numeric", window={"start": "2030-01", "end": "2030-12"})
    totals = np.array([resolve(numeric, table) for table in tables])
    row = answer(numeric, sims)
    assert row["mean"] == pytest.approx(totals.mean())
    assert [row["q10"], row["q50"], row["q90"]] == list(np.quantile(totals, [0.1, 0.5, 0.9]))
    date = one(type="date", event={"kind": "launch_day", "weapon_class": "ICBM"})
    months = [resolve(date, table) for table in tables]
    row = answer(date, sims)
    assert row["p_none"] == pytest.approx(sum(m == NOT_IN_WINDOW for m in months) / len(tables))
    index = np.array(
        [len(date.months) if m == NOT_IN_WINDOW else (m - date.start).n for m in months]
    )
    for q in ("q10", "q50", "q90"):
        at = int(np.quantile(index, int(q[1:]) / 100, method="inverted_cdf"))
        expected = "after 2030-06" if at == len(date.months) else str(date.start + at)
        assert row[f"month_{q}"] == expected


def test_date_answer_representation_on_a_hand_made_case():
    # 10 draws over a 3-month window: first ICBM in month 1 (x3), month 2 (x2), none (x5)
    icbm = np.zeros((10, 3, 4), dtype=int)
    icbm[:3, 0, 2] = 1
    icbm[3:5, 1, 2] = 1
    sims = xr.Dataset(
        {"class_counts": (("draw", "month", "weapon_class"), icbm)},
        coords={
            "month": pd.period_range("2030-01", periods=3, freq="M").to_timestamp(),
            "weapon_class": list(WEAPON_CLASSES),
        },
    )
    q = one(
        type="date",
        event={"kind": "launch_day", "weapon_class": "ICBM"},
        window={"start": "2030-01", "end": "2030-03"},
    )
    row = answer(q, sims)
    assert row["p_none"] == 0.5
    months = (row["month_q10"], row["month_q50"], row["month_q90"])
    assert months == ("2030-01", "2030-02", "after 2030-03")
    assert row["month_mean"] == "2030-01"  # mean index 0.4 among the 5 draws with an event
    assert all(row[c] != row[c] for c in ("mean", "q10", "q50", "q90"))  # numbers only: NaN
    assert row["unit"] == "month of the first ICBM launch day"


def test_conditional_answer_uses_the_draws_on_the_path():
    sims = simulated(draws=400)
    path = np.array(["no_talks", "no_talks", "active_talks"])
    sims["state"].values[:150, :3] = path  # make the path common enough
    on = (sims["state"].values[:, :3] == path).all(axis=1)
    q = parse_questions({"questions": [conditional(given_through="2030-03")]})[0]
    row = answer(q, sims)
    assert row["p_given"] == on.mean() and row["draws"] == on.sum()
    totals = sims["counts"].values[on, :6].sum(axis=1)
    assert row["mean"] == pytest.approx(totals.mean())
    # a path imposed as a scenario: state has only a month dimension
    imposed = sims.assign(
        state=("month", np.array(["no_talks", "no_talks"] + ["active_talks"] * 10))
    )
    assert answer(q, imposed)["p_given"] == 1.0
    # integer state codes work as well
    codes = sims.assign(state=(("draw", "month"), np.vectorize(STATES.index)(sims["state"].values)))
    assert answer(q, codes)["p_given"] == row["p_given"]


def test_state_paths_from_the_transition_model_answer_questions(panel):
    from forecast.models.transitions import TransitionModel
    from forecast.summaries import change_probabilities

    chain = TransitionModel(draws=500, random_seed=SEED).fit(panel)
    paths = chain.simulate(months=12, rng=SEED)
    sims = xr.Dataset({"state": paths})
    q = parse_questions(
        {
            "questions": [
                question(event="state_change", window={"start": "2026-01", "end": "2026-06"})
            ]
        }
    )[0]
    expected = change_probabilities(paths.values, chain.last_state)["p_changed"].iloc[5]
    assert answer(q, sims)["probability"] == pytest.approx(expected)


@pytest.mark.parametrize(
    "spec, sims_change, message",
    [
        (
            question(window={"start": "2030-06", "end": "2031-03"}),
            None,
            "the simulations cover 2030-01..2030-12, not 2030-06..2031-03",
        ),
        (
            question(event={"kind": "launch_day", "weapon_class": "ICBM"}),
            lambda s: s.drop_vars("class_counts"),
            "no 'class_counts'",
        ),
        (question(), lambda s: s.drop_vars("counts"), "no 'launch_days'"),
        (
            question(),
            lambda s: s.assign_attrs(target="missiles").drop_vars("missiles"),
            "no 'launch_days'",
        ),
        (
            question(event="nuclear_test"),
            lambda s: s.drop_vars("nuclear_tests"),
            "no 'nuclear_tests'",
        ),
        (question(event="state_change"), lambda s: s.drop_vars("state"), "no 'state' paths"),
        (
            question(event="state_change"),
            lambda s: s.drop_vars("initial_state"),
            "the state before the window is unknown",
        ),
        (question(), lambda s: xr.concat([s, s], dim="scenario"), "'scenario' dimension"),
        (
            conditional(given={"2030-01": "summitry"}),
            lambda s: s.assign(state=("month", np.array(["no_talks"] * 12))),
            "no simulated path follows the given state path",
        ),
    ],
)
def test_answers_refuse_simulations_that_cannot_answer(spec, sims_change, message):
    sims = simulated(draws=50)
    if sims_change is not None:
        sims = sims_change(sims)
    q = parse_questions({"questions": [spec]}, source="questions/2030.yaml")[0]
    with pytest.raises(ConfigError) as err:
        answer(q, sims)
    assert message in str(err.value) and "questions/2030.yaml" in str(err.value)


def test_missiles_come_from_counts_when_that_is_the_target():
    sims = simulated(draws=50).drop_vars("missiles").assign_attrs(target="missiles")
    q = one(type="numeric", event="missiles")
    assert answer(q, sims)["mean"] == pytest.approx(sims["counts"].values[:, :6].sum(axis=1).mean())


def test_answers_table_and_figure():
    questions = load_questions(QUESTION_FILE)
    sims = simulated(draws=300)
    sims = sims.assign_coords(month=pd.period_range("2026-01", periods=12, freq="M").to_timestamp())
    sims["state"].values[:100] = "no_talks"
    sims["state"].values[100:150, :3] = ["no_talks", "no_talks", "active_talks"]
    sims = sims.assign_coords(initial_state=("draw", np.full(300, "no_talks")))
    table = answers_table(questions, sims, "class_hierarchical", pd.Timestamp("2025-12-31"))
    assert list(table.columns) == list(ANSWER_COLUMNS)
    assert len(table) == len(questions)
    assert (table["data_as_of"] == "2025-12-31").all() and (
        table["model"] == "class_hierarchical"
    ).all()
    binary = table[table["answer_type"] == "binary"]
    assert binary["probability"].between(0, 1).all() and binary["mean"].isna().all()
    numeric = table[table["answer_type"] == "numeric"]
    assert (numeric["q10"] <= numeric["q90"]).all()
    # one kind of value per column: the number columns read back from the CSV as numbers
    read = pd.read_csv(io.StringIO(table.to_csv(index=False)))
    assert all(pd.api.types.is_float_dtype(read[c]) for c in ("mean", "q10", "q50", "q90"))
    dates = read[read["answer_type"] == "date"]
    assert len(dates) and dates["month_q50"].str.fullmatch(r"\d{4}-\d{2}|after \d{4}-\d{2}").all()
    axes = plot_answers(table)
    assert len(axes) == 3
    assert axes[0].get_xlabel() == "probability"
    labels = [t.get_text() for t in axes[1].get_yticklabels()]
    assert any("(launch days)" in label for label in labels)
    plt.close("all")


# --- scores ------------------------------------------------------------------------------------


def test_binary_scores_by_hand():
    table = binary_scores([0.8, 0.8, 0.0, 1.0], [1, 0, 1, 1])
    np.testing.assert_allclose(table["brier"], [0.04, 0.64, 1.0, 0.0])
    expected = [-math.log(0.8), -math.log(0.2), -math.log(0.001), -math.log(0.999)]
    np.testing.assert_allclose(table["log_score"], expected)
    with pytest.raises(ValueError, match="outcomes 0/1"):
        binary_scores([0.5], [2])


def test_crps_by_hand():
    # draws {0, 2}, y = 1: E|X - y| - E|X - X'| / 2 = 1 - (0 + 2 + 2 + 0) / 4 / 2 = 0.5
    assert crps_draws([0, 2], 1) == pytest.approx(0.5)
    # a point forecast: |x - y|
    assert crps_draws([3, 3, 3], 1) == pytest.approx(2.0)


def test_score_each_type():
    binary = one()
    assert score(binary, True, np.array([1, 1, 1, 0])) == pytest.approx(
        {"probability": 0.75, "brier": 0.0625, "log_score": -math.log(0.75)}
    )
    numeric = one(type="numeric")
    assert score(numeric, 1, np.array([0, 2]))["crps"] == pytest.approx(0.5)
    # date over a 3-month window: draws at index 0 and "none" (index 3); outcome none
    date = one(type="date", window={"start": "2030-01", "end": "2030-03"})
    # E|X - 3| = 1.5, E|X - X'| = 1.5 -> 1.5 - 0.75
    assert score(date, NOT_IN_WINDOW, np.array([0, 3]))["crps"] == pytest.approx(0.75)
    # outcome February (index 1): E|X - 1| = 1.5 -> 0.75
    assert score(date, pd.Period("2030-02", "M"), np.array([0, 3]))["crps"] == pytest.approx(0.75)
    assert score(numeric, None, np.array([0])) is None
    cond = parse_questions({"questions": [conditional()]})[0]
    assert score(cond, ANNULLED, np.array([0])) is None


def test_scores_from_simulated_outcomes():
    sims = simulated(draws=200)
    q = one(threshold=3)
    sim = simulated_outcomes(q, sims)
    result = score(q, False, sim)
    assert result["probability"] == answer(q, sims)["probability"]
    assert result["brier"] == pytest.approx(result["probability"] ** 2)


# --- reliability -------------------------------------------------------------------------------


def test_reliability_table_by_hand():
    table = reliability_table([0.05, 0.05, 0.15, 0.95, 1.0, 0.3], [0, 1, 0, 1, 1, 1], bins=10)
    assert table["bin_lo"].tolist() == pytest.approx([0.0, 0.1, 0.3, 0.9])
    assert table["n"].tolist() == [2, 1, 1, 2]
    assert table["mean_probability"].tolist() == pytest.approx([0.05, 0.15, 0.3, 0.975])
    assert table["observed_frequency"].tolist() == [0.5, 0.0, 1.0, 1.0]
    assert table.loc[0, "lo90"] == pytest.approx(stats.beta(1.5, 1.5).ppf(0.05))
    ax = plot_reliability(table)
    assert ax.get_xlabel() == "forecast probability"
    plt.close("all")


def test_the_transition_model_imports_no_product_layer():
    """The transition chain is a model: its checks (which score it like a question) live in
    the evaluation layer, so the model layer does not depend on forecast.questions."""
    source = Path(REPO / "forecast" / "models" / "transitions.py").read_text(encoding="utf-8")
    assert "forecast.questions" not in source
    from forecast.evaluation import state_transitions

    assert state_transitions.binary_scores is binary_scores


def test_module_imports_stay_light():
    """Questions are parsed, resolved and scored without the modelling or plotting layers."""
    for path in (REPO / "forecast" / "questions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        for heavy in (
            "forecast.models",
            "forecast.scenarios",
            "forecast.evaluation",
            "forecast.plots",
            "pymc",
            "matplotlib",
            "scoringrules",
        ):
            assert f"import {heavy}" not in source and f"from {heavy}" not in source, path
    assert copy.deepcopy(load_questions(QUESTION_FILE))  # plain data, copyable


def test_a_date_answer_reads_as_cumulative_probabilities_by_quarter():
    """First event by March, June (the window's end): P(first month index <= quarter end)."""
    from forecast.questions import by_month, by_month_text

    q = one(type="date", window={"start": "2030-01", "end": "2030-06"})
    # first-event month indices of 10 draws (6 = none in the window)
    values = np.array([0, 0, 1, 2, 3, 5, 6, 6, 6, 6])
    table = by_month(q, values)
    assert table["month"].tolist() == ["2030-03", "2030-06"]
    # by March (index <= 2): 4 of 10; by June (<= 5): 6 of 10
    assert table["p_by"].tolist() == pytest.approx([0.4, 0.6])
    assert by_month_text(q, values) == "by 2030-03: 40%; by 2030-06: 60%"
    sims = xr.Dataset(
        {"launch_days": (("draw", "month"), np.eye(7, 6, dtype=int)[values])},
        coords={"month": pd.period_range("2030-01", periods=6, freq="M").to_timestamp()},
    )
    row = answer(q, sims)
    assert row["by_month"] == "by 2030-03: 40%; by 2030-06: 60%"
    assert row["p_none"] == pytest.approx(0.4)
    assert row["resolution"] == "CNS launch days."


@pytest.mark.parametrize(
    "problem, path",
    [
        ("question 'b', window.start: '2030-13' is not a whole month", "questions.1.window.start"),
        ("question 'b', question, window.end: bad", "questions.1.question.window.end"),
        ("question 'b': given.2026-01: unknown state 'x'", "questions.1.given.2026-01"),
        ("question 'b': unknown type 'x'", "questions.1"),
        ("question #2: 'id' 'a b' is missing or not a simple name", "questions.1"),
    ],
)
def test_an_error_in_a_question_is_placed_at_its_key(problem, path):
    from forecast.questions.spec import _item_path

    assert _item_path(1, problem) == path
