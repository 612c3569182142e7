"""The backtest of window totals: hand-made folds, every number computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.evaluation.folds import FoldResult
from forecast.evaluation.totals import interval_caveat, total_scores, totals_findings, totals_table


def fold(model: str, cutoff: str, observed, draws) -> FoldResult:
    """One path ("persist"), draws (months, draws)."""
    months = pd.period_range(pd.Period(cutoff, "M") + 1, periods=len(observed), freq="M")
    draws = np.asarray(draws, dtype=np.int32)
    none = {"persist": np.zeros(len(observed))}
    return FoldResult(
        model, pd.Period(cutoff, "M"), months, np.asarray(observed), {"persist": draws}, none, none
    )


def test_a_total_is_scored_draw_by_draw():
    # two months, four draws: totals per draw are 1+0, 2+2, 0+0, 3+1 = 1, 4, 0, 4
    result = fold("m", "2020-01", [2, 1], [[1, 2, 0, 3], [0, 2, 0, 1]])
    table = total_scores([result], horizon=2, joint=["m"])
    row = table.iloc[0]
    assert (row["observed"], row["pred_mean"], row["pred_median"]) == (3, 2.25, 1)
    # empirical CRPS: E|X - 3| - E|X - X'| / 2 with X in {1, 4, 0, 4}
    x = np.array([1, 4, 0, 4])
    by_hand = np.abs(x - 3).mean() - np.abs(x[:, None] - x[None, :]).mean() / 2
    assert row["crps"] == pytest.approx(by_hand)
    assert row["abs_error_mean"] == pytest.approx(0.75) and row["abs_error_median"] == 2


def test_short_windows_pools_and_oracles_are_left_out():
    whole = fold("m", "2020-01", [1, 1], [[1, 0], [0, 1]])
    short = fold("m", "2020-06", [1], [[1, 0]])
    pool = fold("pool:m+b", "2020-01", [1, 1], [[1, 0], [0, 1]])
    table = total_scores([whole, short, pool], horizon=2, joint=["m"])
    assert table[["model", "cutoff"]].values.tolist() == [["m", pd.Timestamp("2020-01-01")]]


def test_skill_of_totals_against_the_baseline_and_the_sentences():
    rng = np.random.default_rng(5)
    results = []
    for cutoff in pd.period_range("2015-01", periods=8, freq="M"):
        observed = rng.poisson(2, size=3)
        sharp = observed[:, None] + rng.integers(-1, 2, size=(3, 200)).clip(-observed[:, None])
        vague = rng.poisson(4, size=(3, 200))
        results += [
            fold("model", str(cutoff), observed, sharp),
            fold("base", str(cutoff), observed, vague),
        ]
    scores = total_scores(results, horizon=3, joint=["model", "base"])
    table = totals_table(scores, ["base"], bootstrap=200, seed=1)
    row = table.set_index("model").loc["model"]
    crps = scores.groupby("model")["crps"].mean()
    assert row["crps_skill"] == pytest.approx(1 - crps["model"] / crps["base"])
    assert (
        row["crps_skill"] > 0 and row["crps_skill_lo"] <= row["crps_skill"] <= row["crps_skill_hi"]
    )
    words = totals_findings(table, "model")
    assert words[0].startswith("Scored on its 3-month totals at 8 cutoffs (persist path), model")
    assert f"a skill of {row['crps_skill']:+.1%} against base" in words[0]
    assert words[2].startswith(f"The total's median missed by {row['abs_error_median']:.1f}")
    clear = row["crps_skill_lo"] > 0
    assert ("cannot be told apart from base" in words[0]) == (not clear)
    level = table.assign(crps_skill_lo=-0.01, crps_skill_hi=0.27)
    assert totals_findings(level, "model")[0].endswith(
        "(90% interval -1.0% to +27.0%; positive = better): the interval includes zero, so on "
        "the totals it cannot be told apart from base."
    )
    ahead = table.assign(crps_skill_lo=0.01, crps_skill_hi=0.27)
    assert "told apart" not in totals_findings(ahead, "model")[0]


def test_the_sentences_say_when_the_totals_interval_is_too_narrow_or_wide():
    base = {
        "model": "m",
        "state_path": "persist",
        "horizon": 12,
        "n": 240,
        "crps": 3.3,
        "crps_baseline": "m",
        "pit_cov_50": 0.42,
        "abs_error_median": 4.5,
        "abs_error_mean": 4.6,
        "observed_mean": 7.4,
    }
    narrow = totals_findings(pd.DataFrame([{**base, "pit_cov_80": 0.69}]), "m")
    assert narrow[-1] == (
        "So the interval of the total is too narrow: read its printed 80% interval as about a "
        "70% one."
    )
    # with the interval as printed (ends included, which hold more of whole-number totals):
    # the PIT says too narrow, the printed share says how to read it
    printed = totals_findings(
        pd.DataFrame([{**base, "pit_cov_80": 0.69, "coverage_80": 0.767}]), "m"
    )
    assert printed[1] == (
        "By the randomised PIT its 50% and 80% intervals of the total held 42% and 69% of the "
        "observed totals (50% and 80% when calibrated); the 80% interval as printed, both ends "
        "included, held 77%."
    )
    assert printed[-1].endswith("too narrow: read its printed 80% interval as about a 75% one.")
    # 0.76 is narrow and 0.84 wide by the calibrated band, 0.77 and 0.83 are not
    for pit, words in ((0.76, "narrow"), (0.84, "wide"), (0.77, None), (0.83, None)):
        last = totals_findings(pd.DataFrame([{**base, "pit_cov_80": pit}]), "m")[-1]
        assert (f"too {words}" in last) if words else "too" not in last
    wide = totals_findings(pd.DataFrame([{**base, "pit_cov_80": 0.93}]), "m")
    assert wide[-1].startswith("So the interval of the total is too wide") and "95% one" in wide[-1]
    calibrated = totals_findings(pd.DataFrame([{**base, "pit_cov_80": 0.8}]), "m")
    assert len(calibrated) == 3
    # the same finding, as the caveat printed beside a forecast's interval of a total
    assert interval_caveat(pd.DataFrame([{**base, "pit_cov_80": 0.69}]), "m") == (
        "In the backtest (240 cutoffs) the 80% interval of the 12-month total forecast by m held "
        "69% of the totals that came, counted by the randomised PIT (which counts a total on an "
        "end of the interval only in part): it is too narrow; read it as about a 70% interval."
    )
    named = interval_caveat(pd.DataFrame([{**base, "pit_cov_80": 0.69}]), "m", role="a model")
    assert named.startswith("In the backtest (240 cutoffs) the 80% interval of the 12-month "
                            "total forecast by m (a model) held 69%")  # fmt: skip
    both = pd.DataFrame([{**base, "pit_cov_80": 0.69, "coverage_80": 0.767}])
    assert interval_caveat(both, "m").endswith(
        "only in part); the 80% interval as printed, both ends included, held 77%: it is too "
        "narrow; read it as about a 75% interval."
    )
    assert "about a 75% interval too" in interval_caveat(both, "m", brief=True)
    # a forecast that starts after simulated months: the backtest never scored it
    led = interval_caveat(both, "m", lead=11)
    assert led.startswith(interval_caveat(both, "m") + " The backtest scored the 12 months")
    assert led.endswith(
        "these start 11 months after them, over simulated months, which it "
        "never scored: this interval is untested there."
    )
    assert interval_caveat(both, "other", lead=11).startswith("The backtest scored")
    # too narrow by the PIT while the printed interval held about 80% or more: no correction
    # that points the wrong way ("read it as an 85% one")
    for printed in (0.79, 0.83):
        row = pd.DataFrame([{**base, "pit_cov_80": 0.76, "coverage_80": printed}])
        assert interval_caveat(row, "m").endswith(
            "it is too narrow; as printed it held about its 80%."
        )
        assert "read" not in totals_findings(row, "m")[-1]
        assert "about its 80%" in interval_caveat(row, "m", brief=True)
    wide = pd.DataFrame([{**base, "pit_cov_80": 0.9, "coverage_80": 0.87}])
    assert interval_caveat(wide, "m").endswith("too wide; read it as about an 85% interval.")
    assert interval_caveat(pd.DataFrame([{**base, "pit_cov_80": 0.8}]), "m") == ""
    assert interval_caveat(pd.DataFrame([{**base, "pit_cov_80": 0.69}]), "m", brief=True) == (
        "Read this 80% interval as about a 70% interval too (the backtest's finding, said in "
        "full above)."
    )
    assert interval_caveat(pd.DataFrame([{**base, "pit_cov_80": 0.69}]), "other") == ""


def test_the_sentences_name_the_unit_and_set_the_forecast_mean_beside_its_median():
    row = {
        "model": "m",
        "state_path": "persist",
        "horizon": 12,
        "n": 240,
        "crps": 7.5,
        "crps_baseline": "m",
        "pit_cov_50": 0.43,
        "pit_cov_80": 0.8,
        "abs_error_median": 10.05,
        "abs_error_mean": 19.58,
        "observed_mean": 14.72,
        "forecast_mean": 29.5,
        "forecast_median": 8.08,
    }
    words = totals_findings(pd.DataFrame([row]), "m", unit="missiles")
    assert words[0].endswith("m has a mean CRPS of 7.50 missiles.")
    assert words[2].startswith("The total's median missed by 10.1 missiles on average")
    assert words[3] == (
        "Its forecast totals averaged 29.5 missiles (mean) and 8.1 (median) against 14.7 observed."
    )


def test_a_bound_just_below_zero_is_printed_with_its_sign():
    """-0.0003 was printed '-0.0%' by the sentences' own format (and '+0.0%' elsewhere); the
    one formatter gives '-0.03%' everywhere."""
    row = {
        "model": "m",
        "state_path": "persist",
        "horizon": 12,
        "n": 240,
        "crps": 3.3,
        "crps_baseline": "base",
        "crps_skill": 0.17,
        "crps_skill_lo": -0.0003,
        "crps_skill_hi": 0.27,
        "pit_cov_50": 0.42,
        "pit_cov_80": 0.69,
        "abs_error_median": 4.5,
        "abs_error_mean": 4.6,
        "observed_mean": 7.4,
    }
    words = totals_findings(pd.DataFrame([row]), "m")[0]
    assert "(90% interval -0.03% to +27.0%; positive = better)" in words
    assert "-0.0%" not in words


def test_the_totals_along_the_state_models_paths_are_said_against_the_state_held():
    """CRPS 3.3 held, 3.333 drawn from the state model (1.0% higher), 3.2 with the states
    that came; the sentence comes last, and only for the held path's findings."""
    base = {"model": "m", "horizon": 12, "n": 240, "crps_baseline": "m", "pit_cov_50": 0.5,
            "pit_cov_80": 0.8, "abs_error_median": 4.5, "abs_error_mean": 4.6,
            "observed_mean": 7.4}  # fmt: skip
    table = pd.DataFrame(
        [
            {**base, "state_path": "persist", "crps": 3.3},
            {**base, "state_path": "transition", "crps": 3.333},
            {**base, "state_path": "observed", "crps": 3.2},
        ]
    )
    words = totals_findings(table, "m")
    assert words[-1] == (
        'With the states drawn from the state model, as the "all things considered" outlook '
        "draws them, the CRPS of the total is 3.33 launch days, 1.0% higher than with the state "
        "held; with the states that came, 3.20 (no paired interval is computed for the totals)."
    )
    assert len(totals_findings(table, "m", state_path="transition")) == 3
    lower = table.assign(crps=[3.3, 3.234, 3.2])
    assert "2.0% lower than with the state held" in totals_findings(lower, "m")[-1]
    same = table.assign(crps=[3.3, 3.301, 3.2])  # 0.03% higher: said as the same
    assert "3.30 launch days, the same as with the state held;" in totals_findings(same, "m")[-1]
    assert len(totals_findings(table.iloc[:1], "m")) == 3  # no transition row: no sentence
