"""P(a nuclear test) under each rule of the question backtest (:mod:`forecast.nuclear_rules`):
the constant rate against its gamma-Poisson closed form, the kept rule as the run's own, the
rate by state between its two groups' rates, and a window outside the rules' months refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data import month_periods
from forecast.nuclear_rules import nuclear_rules, rule_words
from forecast.runs import outlook_at

FIRST = pd.Period("2020-01", "M")


@pytest.fixture(scope="module")
def rules(panel):
    outlook = outlook_at(panel, FIRST - 1, seed=3)
    window = pd.period_range("2021-01", "2021-12", freq="M")
    return outlook, nuclear_rules(panel, FIRST, outlook, seed=3, windows=[window])


def test_the_constant_rate_is_the_gamma_poisson_chance_of_a_test(rules, panel):
    """Gamma(0.5 + tests, 60 + months) over 1990-2019: P(>= 1 in n months) = 1 - (b/(b+n))^a,
    up to the Monte Carlo error of the rule's posterior draws."""
    _, found = rules
    before = panel[month_periods(panel) < FIRST]
    a, b = 0.5 + before["nuclear_tests"].sum(), 60.0 + len(before)
    assert before["nuclear_tests"].sum() == 6  # 2006, 2009, 2013, 2016 (two), 2017
    for n in (6, 12, 24):
        exact = 1 - (b / (b + n)) ** a
        assert found.p(n, "constant") == pytest.approx(exact, rel=0.05), n


def test_the_table_gives_every_rule_over_each_window(rules):
    outlook, found = rules
    window = pd.period_range("2021-01", "2021-12", freq="M")
    table = found.table([12, window])
    assert table["first_month"].tolist() == ["2020-01"] * 3 + ["2021-01"] * 3
    assert table["months"].tolist() == [12] * 6
    assert table["kept"].tolist() == [True, False, False] * 2
    assert table["rule"].tolist()[:3] == [
        "old tests fade with a half-life of 28 months",
        "a constant rate since 1990",
        "a constant rate in each state group (talks / no talks) along the state paths",
    ]
    # the kept rule is the run's own rate (what its simulations draw tests from)
    assert table["p_nuclear"].iloc[0] == outlook.nuclear.p_any(12)
    assert found.others_at(12) == dict(
        zip(table["rule"][1:3], table["p_nuclear"][1:3], strict=True)
    )
    # a rate by state lies between its rate in talks all year and out of talks all year
    by_state = found.others["by_state"]
    talks, no_talks = (by_state.p_any(12, states=np.full(12, s)) for s in (2, 0))
    assert min(talks, no_talks) <= table["p_nuclear"].iloc[2] <= max(talks, no_talks)


def test_a_window_beyond_the_state_paths_is_refused(rules):
    _, found = rules
    late = pd.period_range("2030-01", periods=12, freq="M")
    with pytest.raises(ValueError, match="2030-01 to 2030-12 is not within the rules' months"):
        found.p(late, "constant")


def test_each_rule_is_named_from_its_priors():
    assert rule_words({"half_life": 28.0}) == "old tests fade with a half-life of 28 months"
    assert rule_words({"half_life": float("inf")}) == "a constant rate since 1990"
    assert rule_words({"half_life": float("inf"), "by_state": True}).startswith(
        "a constant rate in each state group"
    )
