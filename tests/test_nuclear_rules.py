"""P(a nuclear test) under each rule of the question backtest (:mod:`forecast.nuclear_rules`):
the run's discounted rate and the constant rate against their gamma-Poisson closed forms, the
rate by state between its two groups' rates, windows outside the rules' months refused, a
run whose own rule is one of the others not given it twice, the other rules kept in a run's
``outlook.nc`` (a run saved before they were has none, and says to refit), and
``forecast questions`` / ``forecast scenarios`` giving them beside the run's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from forecast.data import month_periods
from forecast.models.events import nuclear_rule_words as rule_words
from forecast.nuclear_rules import (
    REFIT_FOR_RULES,
    asks_p_nuclear,
    nuclear_rules,
    saved_without_rules,
)
from forecast.present import chances_in_brackets
from forecast.runs import OTHER_RULE_GROUP, load_outlook, outlook_at, save_outlook

FIRST = pd.Period("2020-01", "M")


@pytest.fixture(scope="module")
def rules(panel):
    outlook = outlook_at(panel, FIRST - 1, seed=3)
    window = pd.period_range("2021-01", "2021-12", freq="M")
    return outlook, nuclear_rules(FIRST, outlook, seed=3, windows=[window])


def gamma_poisson(a: float, b: float, n: int) -> float:
    """P(>= 1 event in n months) for a monthly rate ~ Gamma(a, rate b): 1 - (b / (b + n))^a."""
    return 1 - (b / (b + n)) ** a


def test_each_rule_is_its_gamma_poisson_chance_of_a_test(rules, panel):
    """Over 1990-2019 (six tests: 2006, 2009, 2013, 2016 twice, 2017): the constant rate is
    Gamma(0.5 + 6, 60 + months); the run's rate weighs month t by 0.5^(age / 28) (the prior
    by the first month's weight). Both up to the Monte Carlo error of the posterior draws."""
    _, found = rules
    before = panel[month_periods(panel) < FIRST]
    tests = before["nuclear_tests"].to_numpy(dtype=float)
    assert tests.sum() == 6
    weight = 0.5 ** (np.arange(len(before))[::-1] / 28.0)
    discounted = (0.5 * weight[0] + (weight * tests).sum(), 60.0 * weight[0] + weight.sum())
    for n in (6, 12, 24):
        constant = gamma_poisson(0.5 + tests.sum(), 60.0 + len(before), n)
        assert found.p_nuclear(n, "constant") == pytest.approx(constant, rel=0.05), n
        assert found.p_nuclear(n, "run") == pytest.approx(gamma_poisson(*discounted, n), rel=0.05)
    # four of the six tests came in 2013-2017: weighing recent years more raises the rate
    assert found.p_nuclear(12, "run") > found.p_nuclear(12, "constant")


def test_the_table_gives_every_rule_over_each_window(rules):
    _, found = rules
    window = pd.period_range("2021-01", "2021-12", freq="M")
    table = found.table([12, window])
    assert table["window_start"].tolist() == ["2020-01"] * 3 + ["2021-01"] * 3
    assert table["window_end"].tolist() == ["2020-12"] * 3 + ["2021-12"] * 3
    assert table["months"].tolist() == [12] * 6
    assert table["run_rule"].tolist() == [True, False, False] * 2
    assert table["rule"].tolist()[:3] == [
        "old tests fade with a half-life of 28 months",
        "a constant rate since 1990",
        "a constant rate in each state group (talks / no talks) along the state paths",
    ]
    assert found.others_at(12) == dict(
        zip(table["rule"][1:3], table["p_nuclear"][1:3], strict=True)
    )
    # a rate by state lies between its rate in talks all year and out of talks all year
    by_state = found.others["by_state"]
    talks, no_talks = (by_state.p_any(12, states=np.full(12, s)) for s in (2, 0))
    assert min(talks, no_talks) <= table["p_nuclear"].iloc[2] <= max(talks, no_talks)
    assert talks != no_talks


def test_a_window_beyond_the_state_paths_is_refused(rules):
    _, found = rules
    late = pd.period_range("2030-01", periods=12, freq="M")
    with pytest.raises(ValueError, match="2030-01 to 2030-12 is not within the rules' months"):
        found.p_nuclear(late, "constant")
    # 24 months from 2020-01 (the default reach) and the window asked for: to 2021-12
    assert len(found.months) == 24 and found.p_nuclear(24, "constant") > 0
    with pytest.raises(ValueError, match="a window of 30 months: the rules' months hold 24"):
        found.table([30])


def test_a_run_whose_rule_is_the_constant_rate_has_it_once(panel):
    outlook = outlook_at(panel, FIRST - 1, seed=3, priors={"nuclear": {"half_life": np.inf}})
    found = nuclear_rules(FIRST, outlook, seed=3)
    assert list(found.others) == ["by_state"]
    assert found.table([12])["rule"].tolist() == [
        "a constant rate since 1990",
        "a constant rate in each state group (talks / no talks) along the state paths",
    ]


def test_each_rule_is_named_from_its_priors():
    assert rule_words({"half_life": 28.0}) == "old tests fade with a half-life of 28 months"
    assert rule_words({"half_life": float("inf")}) == "a constant rate since 1990"
    assert rule_words({"half_life": float("inf"), "by_state": True}).startswith(
        "a constant rate in each state group"
    )


def test_a_runs_outlook_keeps_the_other_rules_and_an_older_one_says_to_refit(rules, tmp_path):
    """``outlook.nc`` holds the other rules' posterior draws: read back, they give the same
    P(nuclear test) to the bit; without those groups (a run saved before 2026-12-07) there are
    no rules to give, and the page and the commands say to refit."""
    import xarray as xr

    outlook, found = rules
    save_outlook(outlook, tmp_path / "outlook.nc")
    back = load_outlook(tmp_path)
    assert list(back.nuclear_others) == ["constant", "by_state"]
    again = nuclear_rules(FIRST, back, seed=3, windows=found.windows)
    pd.testing.assert_frame_equal(again.table(), found.table())
    assert not saved_without_rules(back)
    tree = xr.load_datatree(tmp_path / "outlook.nc", engine="netcdf4")
    kept = {k: tree[k].to_dataset() for k in tree.children if not k.startswith(OTHER_RULE_GROUP)}
    assert set(kept) == {"transitions", "class_mix", "nuclear_rate"}
    older = tmp_path / "older"
    older.mkdir()
    xr.DataTree.from_dict(kept).to_netcdf(older / "outlook.nc", engine="netcdf4")
    old = load_outlook(older)
    assert old.nuclear_others == {} and old.nuclear is not None
    assert nuclear_rules(FIRST, old, seed=3) is None and saved_without_rules(old)
    assert "refit it ('forecast refit')" in REFIT_FOR_RULES
    from forecast.cli.forecast_work import _rules_line

    assert _rules_line(None, old) == f"P(nuclear test): {REFIT_FOR_RULES}."
    assert _rules_line(found, outlook).startswith(
        "P(nuclear test) is the run's rule (old tests fade with a half-life of 28 months)"
    )


def test_the_other_rules_follow_an_answer_in_brackets():
    assert chances_in_brackets({"a constant rate since 1990": 0.1436, "by state": 0.0004}) == (
        " (a constant rate since 1990: 14%; by state: <1%)"
    )


def test_only_a_question_on_at_least_one_test_gets_the_other_rules():
    from forecast.questions import parse_questions

    def question(kind: str, kind_of: str = "binary", threshold: int = 1):
        text = (
            f"questions:\n  - id: q\n    title: t\n    resolution: r\n    type: {kind_of}\n"
            f"    event: {kind}\n    window: {{start: 2026-01, end: 2026-12}}\n"
        )
        if kind_of == "binary":
            text += f"    threshold: {threshold}\n"
        return parse_questions(yaml.safe_load(text), "q.yaml")[0]

    assert asks_p_nuclear(question("nuclear_test"))
    assert not asks_p_nuclear(question("nuclear_test", threshold=2))
    assert not asks_p_nuclear(question("nuclear_test", "numeric"))
    assert not asks_p_nuclear(question("launch_day"))


def test_the_past_only_choice_of_a_rule_uses_only_resolved_windows():
    """``docs/evaluation/nuclear_choice.py``: at cutoff i only the windows of cutoffs up to
    i - 12 have resolved. Rule ``half_life_28`` answers 0.9 and ``other`` 0.1 everywhere; no
    test comes until cutoff 12, so from there the choice is ``other`` (Brier 0.01 against
    0.81) and the inverse-Brier mix weighs it 81 to 1."""
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location(
        "nuclear_choice", REPO / "docs" / "evaluation" / "nuclear_choice.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    table = pd.DataFrame({"half_life_28": [0.9] * 14, "other": [0.1] * 14, "came": [0] * 14})
    out = script.combined(table, ["half_life_28", "other"])
    assert out["prequential_choice"].tolist() == [0.9] * 12 + [0.1] * 2
    assert out["inverse_brier_mix"][:12].tolist() == [0.9] * 12  # nothing resolved yet
    weighted = (0.9 / 0.81 + 0.1 / 0.01) / (1 / 0.81 + 1 / 0.01)
    assert out["inverse_brier_mix"][12:].tolist() == pytest.approx([weighted] * 2)
    assert out["equal_mix"].tolist() == pytest.approx([0.5] * 14)
