"""Evaluation: every score against hand-computed values, skill, backtest folds and executors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import SEED, TINY_BACKTEST
from scipy import stats

from forecast.errors import ConfigError
from forecast.evaluation import (
    backtest,
    compare_models,
    fold_seeds,
    pit_table,
    regular_cutoffs,
    skill,
    summarise,
)
from forecast.evaluation.executors import run_tasks
from forecast.evaluation.folds import KEY_COLUMNS
from forecast.models import PRESETS, get_model
from forecast.scores import (
    brier_any,
    crps,
    interval_coverage,
    interval_score,
    log_score,
    pit_bounds,
    pit_cdf,
    pit_coverage,
    pit_histogram,
    rps,
    score_forecasts,
)

# Three tiny ensembles, worked out by hand below.
#   A: draws 0, 0, 1, 3 and y = 1
#   B: draws 2, 2, 2, 2 and y = 0
#   C: draws 0, 1, 2, 3, 4 and y = 4
A = np.array([0, 0, 1, 3])
B = np.array([2, 2, 2, 2])
C = np.array([0, 1, 2, 3, 4])


# --- scores against hand-computed values -------------------------------------------------------


def test_crps_by_hand():
    # CRPS of the empirical distribution = E|X - y| - E|X - X'| / 2 (1/m**2 weights).
    # A: E|X - 1| = (1 + 1 + 0 + 2) / 4 = 1; ordered |xi - xj| sum to 2 * (0+1+3+1+3+2) = 20,
    #    / 16 = 1.25; CRPS = 1 - 0.625 = 0.375.
    # B: every draw 2 from y = 0; no spread. CRPS = 2.
    # C: E|X - 4| = (4+3+2+1+0) / 5 = 2; ordered |i - j| over 0..4 sum to
    #    2 * (1*4 + 2*3 + 3*2 + 4*1) = 40, / 25 = 1.6; CRPS = 2 - 0.8 = 1.2.
    assert crps([1], [A]) == pytest.approx([0.375])
    assert crps([0], [B]) == pytest.approx([2.0])
    assert crps([4], [C]) == pytest.approx([1.2])
    # the point forecast y: CRPS = |x - y|; a perfect one scores 0
    assert crps([3.0, 5.0], [[5.0], [5.0]]) == pytest.approx([2.0, 0.0])


def test_crps_estimator_is_the_empirical_one_not_the_fair_one():
    import scoringrules as sr

    # fair estimator on C divides E|X - X'| by m (m - 1) = 20: 2 - 40 / 20 / 2 = 1.0, not 1.2
    fair = sr.crps_ensemble(np.array([4.0]), C[None, :].astype(float), estimator="fair")
    assert fair == pytest.approx([1.0])
    assert crps([4], [C]) == pytest.approx([1.2])


def test_crps_and_interval_score_agree_with_scoringrules():
    """Our numpy CRPS is the library's default estimator ("qd"), and our interval score its
    interval_score, on integer and non-integer draws (the library stays out of the package:
    its numba kernels compile for seconds at import)."""
    import scoringrules as sr

    rng = np.random.default_rng(SEED)
    draws = rng.negative_binomial(0.7, 0.2, size=(300, 250)).astype(float)
    obs = rng.negative_binomial(0.7, 0.2, size=300).astype(float)
    smooth = draws + rng.normal(0, 0.3, size=draws.shape)
    for d in (draws, smooth):
        expected = sr.crps_ensemble(obs, d, estimator="qd", backend="numpy")
        np.testing.assert_allclose(crps(obs, d), expected, rtol=1e-10, atol=1e-12)
    lo, hi = np.quantile(draws, [0.1, 0.9], axis=1)
    expected = sr.interval_score(obs, lo, hi, 0.2, backend="numpy")
    np.testing.assert_allclose(interval_score(obs, draws), expected, rtol=1e-12)


def test_rps_by_hand():
    # A, y = 1: F(0) = .5, F(1) = .75, F(2) = .75, F(3) = 1; 1{y <= k} = 0, 1, 1, 1
    #    (.5)^2 + (.25)^2 + (.25)^2 + 0 = 0.375
    # B, y = 0: F = 0, 0, 1 at k = 0, 1, 2; 1{0 <= k} = 1: 1 + 1 + 0 = 2
    # C, y = 4: F(k) = (k+1)/5; 1{4 <= k} only at k = 4: .04 + .16 + .36 + .64 + 0 = 1.2
    assert rps([1], [A]) == pytest.approx([0.375])
    assert rps([0], [B]) == pytest.approx([2.0])
    assert rps([4], [C]) == pytest.approx([1.2])
    # y above every draw: draws all 0, y = 3: F = 1 at k = 0, 1, 2 and 1{3 <= k} = 0 there: 3
    assert rps([3], [[0, 0]]) == pytest.approx([3.0])


def test_rps_equals_crps_for_integer_forecasts():
    rng = np.random.default_rng(SEED)
    draws = rng.negative_binomial(0.7, 0.2, size=(200, 300))
    obs = rng.negative_binomial(0.7, 0.2, size=200)
    np.testing.assert_allclose(rps(obs, draws), crps(obs, draws), rtol=1e-10, atol=1e-12)


def test_log_score_by_hand():
    # p(k) = (n_k + 0.5) / (m + 0.5 * (K + 2)), K = max(max draw, y); support 0..K+1
    # A, y = 1: K = 3, 5 cells; n_1 = 1: p = 1.5 / (4 + 2.5) = 3/13
    # B, y = 0: K = 2, 4 cells; n_0 = 0: p = 0.5 / (4 + 2) = 1/12
    # C, y = 4: K = 4, 6 cells; n_4 = 1: p = 1.5 / (5 + 3) = 3/16
    # draws 0,0,0,0 and y = 5 (outside every draw): K = 5, 7 cells: p = 0.5 / 7.5 = 1/15
    assert log_score([1], [A]) == pytest.approx([math.log(13 / 3)])
    assert log_score([0], [B]) == pytest.approx([math.log(12)])
    assert log_score([4], [C]) == pytest.approx([math.log(16 / 3)])
    assert log_score([5], [[0, 0, 0, 0]]) == pytest.approx([math.log(15)])
    # smoothing 1 on A: p = 2 / (4 + 5) = 2/9
    assert log_score([1], [A], smoothing=1.0) == pytest.approx([math.log(9 / 2)])
    with pytest.raises(ValueError, match="smoothing must be positive"):
        log_score([1], [A], smoothing=0)


def test_brier_any_by_hand():
    # A: P(X >= 1) = 2/4, y >= 1: (.5 - 1)^2 = .25
    # B: P = 1, y = 0: 1;  C: P = 4/5, y >= 1: (.8 - 1)^2 = .04;  draws 0,0 and y = 0: 0
    assert brier_any([1], [A]) == pytest.approx([0.25])
    assert brier_any([0], [B]) == pytest.approx([1.0])
    assert brier_any([4], [C]) == pytest.approx([0.04])
    assert brier_any([0], [[0, 0]]) == pytest.approx([0.0])


def test_interval_coverage_by_hand():
    # linear quantiles of A = 0,0,1,3 (position 3q): q.25 -> 0, q.75 -> 1 + .25*2 = 1.5,
    # q.10 -> 0, q.90 -> 1 + .7*2 = 2.4, q.03 -> 0, q.97 -> 1 + .91*2 = 2.82
    # y = 2: outside [0, 1.5], inside [0, 2.4] and [0, 2.82]
    got = interval_coverage([2], [A])
    assert got == {"covered_50": [False], "covered_80": [True], "covered_94": [True]}
    # C = 0..4 (value 4q): 50% is [1, 3]; y = 3 sits on the upper bound and counts as covered
    got = interval_coverage([3, 4], [C, C])
    assert got["covered_50"].tolist() == [True, False]
    # 94% of C is [0.12, 3.88]: y = 4 outside
    assert got["covered_94"].tolist() == [True, False]
    # B: every quantile is 2; y = 0 is never covered
    assert not any(v[0] for v in interval_coverage([0], [B]).values())


def test_randomised_pit_coverage_by_hand():
    # A, y = 1: PIT uniform on [F(0), F(1)] = [.5, .75]: inside [.1, .9] wholly (80%: 1),
    #   inside [.25, .75] wholly (50%: 1)
    # A, y = 0: [0, .5]: [.1, .5] of it in the 80% interval -> .4 / .5 = .8; [.25, .5] in the
    #   50% interval -> .25 / .5 = .5
    # C, y = 4: [.8, 1]: [.8, .9] -> .5 of it in the 80% interval; nothing in the 50%
    # B, y = 2: [0, 1] (every draw is 2): exactly the width of each interval
    bounds = [pit_bounds([y], [d]) for y, d in ((1, A), (0, A), (4, C), (2, B))]
    lo, hi = (np.concatenate(b) for b in zip(*bounds, strict=True))
    assert pit_coverage(lo, hi, 0.8) == pytest.approx([1.0, 0.8, 0.5, 0.8])
    assert pit_coverage(lo, hi, 0.5) == pytest.approx([1.0, 0.5, 0.0, 0.5])
    # a point mass (lo == hi) counts wholly inside or outside
    assert pit_coverage([0.95, 0.5], [0.95, 0.5], 0.8).tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="width"):
        pit_coverage(lo, hi, 1.2)


def test_randomised_pit_coverage_of_calibrated_poisson_forecasts_is_nominal():
    rng = np.random.default_rng(SEED)
    obs = rng.poisson(1.3, size=4000)
    draws = rng.poisson(1.3, size=(4000, 2000))
    lo, hi = pit_bounds(obs, draws)
    for width in (0.5, 0.8, 0.94):
        assert pit_coverage(lo, hi, width).mean() == pytest.approx(width, abs=0.015)
    # the closed integer interval over-covers the same calibrated forecasts (why it is secondary)
    assert interval_coverage(obs, draws)["covered_80"].mean() > 0.85


def test_interval_score_by_hand():
    # C = 0..4: 80% interval from linear quantiles [0.4, 3.6], width 3.2, alpha .2
    # y = 2 inside: 3.2; y = 4 above: 3.2 + (2 / .2) * .4 = 7.2; y = 0 below: 3.2 + 10 * .4 = 7.2
    assert interval_score([2, 4, 0], [C, C, C]) == pytest.approx([3.2, 7.2, 7.2])


def test_pit_bounds_by_hand():
    # A, y = 1: F(0) = .5, F(1) = .75;  B, y = 0: F(-1) = F(0) = 0;  C, y = 4: F(3) = .8, F(4) = 1
    lo, hi = pit_bounds([1, 0, 4], [np.r_[A, 0], np.r_[B, 2], C])
    # (A and B padded with one more draw: A' = 0,0,1,3,0: F(0) = .6, F(1) = .8; B' still 0, 0)
    assert lo == pytest.approx([0.6, 0.0, 0.8])
    assert hi == pytest.approx([0.8, 0.0, 1.0])
    lo, hi = pit_bounds([1], [A])
    assert (lo[0], hi[0]) == pytest.approx((0.5, 0.75))


def test_pit_histogram_by_hand():
    # three forecasts, J = 2 bins:
    #   (lo, hi) = (.2, .6): F(.5 | y) = (.5 - .2) / .4 = .75  -> bins .75, .25
    #   (1, 1) (y above every draw): F(.5) = 0, F(1) = 1       -> bins 0, 1
    #   (0, 0) (y below every draw): F(0) = 0, F(.5) = 1       -> bins 1, 0
    # mean: 1.75/3, 1.25/3
    table = pit_histogram([0.2, 1.0, 0.0], [0.6, 1.0, 0.0], bins=2)
    assert table["freq"].to_numpy() == pytest.approx([1.75 / 3, 1.25 / 3])
    assert table["density"].to_numpy() == pytest.approx([3.5 / 3, 2.5 / 3])
    assert table["bin_hi"].tolist() == [0.5, 1.0]
    assert table.attrs["n"] == 3
    assert pit_cdf([0.0, 0.4, 1.0], [0.2], [0.6]) == pytest.approx([0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="0 <= pit_lo <= pit_hi <= 1"):
        pit_histogram([0.5], [0.4])


def test_pit_histogram_of_a_calibrated_poisson_forecast_is_flat():
    rng = np.random.default_rng(SEED)
    lam = rng.uniform(0.3, 6.0, size=20_000)
    y = rng.poisson(lam)
    exact = pit_histogram(stats.poisson.cdf(y - 1, lam), stats.poisson.cdf(y, lam), bins=10)
    np.testing.assert_allclose(exact["freq"], 0.1, atol=0.01)
    # the same from 2,000 predictive draws per forecast (empirical CDF)
    draws = rng.poisson(lam[:3000, None], size=(3000, 2000))
    sampled = pit_histogram(*pit_bounds(y[:3000], draws), bins=10)
    np.testing.assert_allclose(sampled["freq"], 0.1, atol=0.02)
    # too narrow (Poisson draws for negative-binomial truth): a U shape
    y_wide = rng.negative_binomial(1.0, 1 / (1 + lam[:3000]))
    narrow = pit_histogram(*pit_bounds(y_wide, draws), bins=10)["freq"].to_numpy()
    assert narrow[0] > 0.15 and narrow[-1] > 0.15 and narrow[3:7].max() < 0.1


def test_score_forecasts_puts_every_score_side_by_side():
    got = score_forecasts([1, 4], [np.r_[A, 3, 0], np.r_[C, 4]])
    expected = {"crps", "log_score", "rps", "brier_any", "pit", "pit_lo", "pit_hi"}
    assert expected | {"covered_50", "covered_80", "covered_94"} <= set(got)
    np.testing.assert_allclose(got["pit"], (got["pit_lo"] + got["pit_hi"]) / 2)
    np.testing.assert_allclose(got["crps"], got["rps"])
    with pytest.raises(ValueError, match="non-negative integers"):
        score_forecasts([-1], [A])
    with pytest.raises(ValueError, match="shape"):
        score_forecasts([1, 2], [A])


# --- skill and summary -------------------------------------------------------------------------


def test_skill_against_the_best_baseline_by_hand():
    summary = pd.DataFrame(
        {
            "model": ["constant_rate", "recent_rate", "state_rate"] * 3,
            "state_path": ["observed"] * 6 + ["persist"] * 3,
            "horizon": [1] * 3 + [2] * 3 + [1] * 3,
            "crps": [1.0, 0.8, 0.6, 0.5, 1.0, 0.75, 2.0, 4.0, 1.0],
        }
    )
    got = skill(summary, "crps", baselines=["constant_rate", "recent_rate"])
    # observed h1: best baseline recent (0.8): state 1 - .6/.8 = .25, constant 1 - 1/.8 = -.25
    # observed h2: best baseline constant (0.5): state 1 - .75/.5 = -.5, recent 1 - 1/.5 = -1
    # persist h1: best baseline constant (2.0): state 1 - 1/2 = .5, recent 1 - 4/2 = -1
    assert got["crps_skill"].to_numpy() == pytest.approx(
        [-0.25, 0.0, 0.25, 0.0, -1.0, -0.5, 0.0, -1.0, 0.5]
    )
    assert got["crps_baseline"].tolist() == ["recent_rate"] * 3 + ["constant_rate"] * 6
    # a single baseline: everything against it
    only = skill(summary, "crps", baselines=["recent_rate"])
    assert only["crps_skill"].iloc[6:].to_numpy() == pytest.approx([0.5, 0.0, 0.75])


def test_summarise_means_coverage_and_skill_by_hand():
    rows = []
    for model, crps_values, covered in (
        ("constant_rate", (1.0, 3.0), (True, False)),
        ("state_rate", (0.5, 1.5), (True, True)),
    ):
        for value, cov in zip(crps_values, covered, strict=True):
            rows.append(
                {
                    "model": model,
                    "state_path": "observed",
                    "horizon": 1,
                    "crps": value,
                    "log_score": value,
                    "rps": value,
                    "brier_any": value / 10,
                    "pit": 0.5,
                    "covered_50": cov,
                    "covered_80": True,
                    "covered_94": True,
                }
            )
    table = summarise(pd.DataFrame(rows), baselines=["constant_rate"]).set_index("model")
    # constant: mean crps 2, coverage_50 .5; state: mean crps 1, skill 1 - 1/2 = .5
    assert table.loc["constant_rate", "crps"] == 2.0
    assert table.loc["state_rate", "crps"] == 1.0
    assert table.loc["state_rate", "crps_skill"] == pytest.approx(0.5)
    assert table.loc["state_rate", "brier_any_skill"] == pytest.approx(0.5)
    assert table.loc["constant_rate", "coverage_50"] == 0.5
    assert table.loc["state_rate", "coverage_50"] == 1.0
    assert table.loc["state_rate", "n"] == 2


# --- configuration errors ----------------------------------------------------------------------


def test_regular_cutoffs():
    cutoffs = regular_cutoffs("2005-01", "2024-12", every=6)
    assert len(cutoffs) == 40
    assert (str(cutoffs[0]), str(cutoffs[1]), str(cutoffs[-1])) == ("2005-01", "2005-07", "2024-07")
    assert [str(c) for c in regular_cutoffs("2020-01", "2020-03", 1)] == [
        "2020-01",
        "2020-02",
        "2020-03",
    ]
    with pytest.raises(ConfigError, match="not a number of months"):
        regular_cutoffs("2005-01", "2024-12", every=0)
    with pytest.raises(ConfigError, match="is before"):
        regular_cutoffs("2024-12", "2005-01")
    with pytest.raises(ConfigError, match="not a month"):
        regular_cutoffs("soon", "2024-12")


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"models": ["nope"]}, "unknown model 'nope'"),
        ({"models": []}, "no model was given"),
        ({"cutoffs": []}, "no cutoff months were given"),
        ({"cutoffs": ["1990-06"]}, "cutoff 1990-06 outside the data"),
        ({"cutoffs": ["1991-12", "2019-06"]}, "cutoff 1991-12 outside the data"),
        ({"cutoffs": ["2025-12"]}, "choose cutoffs from 1992-01 to 2025-11"),
        ({"cutoffs": ["2031-01"]}, "outside the data"),
        ({"cutoffs": ["not-a-month"]}, "is not a month"),
        ({"horizon": 0}, "--horizon"),
        ({"horizon": 2.5}, "not a whole number"),
        ({"draws": 0}, "--draws"),
        ({"target": "tweets"}, "unknown target"),
        ({"workers": 0}, "--workers"),
        ({"workers": 2, "scheduler": "tcp://127.0.0.1:8786"}, "not both"),
        ({"scheduler": "localhost"}, "not a scheduler address"),
        ({"baselines": ["nope"]}, "--baselines"),
    ],
)
def test_bad_backtest_arguments_are_refused_before_any_fit(panel, kwargs, words):
    args = {"models": ["constant_rate"], "cutoffs": ["2019-06"], "horizon": 3} | kwargs
    with pytest.raises(ConfigError) as info:
        backtest(panel, args.pop("models"), args.pop("cutoffs"), progress=False, **args)
    assert words in str(info.value)


def test_fold_seeds_depend_only_on_seed_model_and_cutoff():
    a = fold_seeds(SEED, "state_rate", "2019-06")
    assert a == fold_seeds(SEED, "state_rate", pd.Period("2019-06", "M"))
    assert len(set(a)) == 2
    others = {
        fold_seeds(SEED + 1, "state_rate", "2019-06"),
        fold_seeds(SEED, "constant_rate", "2019-06"),
        fold_seeds(SEED, "state_rate", "2019-07"),
    }
    assert a not in others and len(others) == 3


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three is bad")
    return x * x


def _fail_fast_or_sleep(x: int) -> int:
    import time

    if x == 0:
        raise ValueError("zero fails at once")
    time.sleep(120)
    return x


def test_a_failing_task_stops_the_workers_at_once():
    """Local processes: one task fails while the other runs for minutes; the run ends with the
    error within seconds, and no worker is left running."""
    import multiprocessing
    import time

    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="task 0 failed: zero fails at once"):
        run_tasks(_fail_fast_or_sleep, [0, 1, 2], workers=2, progress=False)
    assert time.perf_counter() - started < 60
    time.sleep(0.5)
    assert not [c for c in multiprocessing.active_children() if c.is_alive()]


def test_run_tasks_keeps_order_and_names_a_failing_task():
    assert run_tasks(_fail_on_three, [1, 2, 4], progress=False) == [1, 4, 16]
    with pytest.raises(RuntimeError, match="task 3 failed: three is bad"):
        run_tasks(_fail_on_three, [1, 3], progress=False)


# --- real backtests: serial, local processes, Dask -----------------------------------------------

TINY = {"models": ["constant_rate", "recent_rate"], **TINY_BACKTEST}


def run_tiny(panel, **kw):
    args = TINY | kw
    return backtest(panel, args.pop("models"), args.pop("cutoffs"), **args)


@pytest.fixture(scope="module")
def serial(panel):
    return run_tiny(panel)


@pytest.mark.slow
def test_backtest_tables_have_one_row_per_forecast(serial, panel, tmp_path):
    scores = serial.scores
    assert list(scores.columns[: len(KEY_COLUMNS)]) == KEY_COLUMNS
    for column in ("crps", "log_score", "interval_score", "pit_lo", "pit_hi", "pit_cov_80"):
        assert column in scores
    # 2 models x 3 paths x (3 + 2 horizons): months after 2025-12 are dropped
    assert len(scores) == 2 * 3 * 5
    late = scores[scores["cutoff"] == pd.Timestamp("2025-10-01")]
    assert sorted(late["horizon"].unique()) == [1, 2]
    truth = panel.set_index("month")
    assert (scores["observed"].to_numpy() == truth.loc[scores["target_month"], "launch_days"]).all()
    # observed path: the states that happened; persist path: the cutoff's state throughout
    obs = scores[scores["state_path"] == "observed"]
    assert (obs["state"].to_numpy() == truth.loc[obs["target_month"], "state"].astype(str)).all()
    per = scores[scores["state_path"] == "persist"]
    at_cutoff = truth.loc[per["cutoff"], "state"].astype(str).to_numpy()
    assert (per["state"].to_numpy() == at_cutoff).all()
    assert scores["crps"].ge(0).all() and scores[["pit_lo", "pit_hi"]].stack().between(0, 1).all()
    np.testing.assert_allclose(scores["crps"], scores["rps"])
    # summary: both models, three paths, three horizons; the better baseline has skill 0
    summary = serial.summary
    assert len(summary) == 2 * 3 * 3
    assert (summary.groupby(["state_path", "horizon"])["crps_skill"].max() == 0).all()
    assert summary.loc[summary["horizon"] == 3, "n"].eq(1).all()
    assert len(serial.folds) == 4 and set(serial.folds["n_forecasts"]) == {2, 3}
    # no target_accept asked: each model samples with its own, and the record says which
    assert serial.settings["target_accept"] is None
    assert serial.settings["samplers"] == {
        name: {"target_accept": PRESETS["backtest"].target_accept, "adaptation": "low_rank"}
        for name in TINY["models"]
    }
    assert set(pit_table(scores, bins=5)["n"]) == {5}
    out = serial.write(tmp_path / "bt")
    assert {p.name for p in out.iterdir() if p.name != ".forecast-output.json"} == {
        "scores.csv",
        "summary.csv",
        "by_band.csv",
        "by_era.csv",
        "evidence.csv",
        "after_changes.csv",
        "headline.csv",
        "totals.csv",
        "folds.csv",
        "settings.json",
    }
    # the 3-month totals of the cutoff with a whole window: one per model and path
    totals = pd.read_csv(out / "totals.csv")
    assert len(totals) == 2 * 3 and totals["n"].eq(1).all()
    first = truth.loc[pd.period_range("2017-07", periods=3, freq="M").to_timestamp()]
    assert totals["observed_mean"].eq(first["launch_days"].sum()).all()
    assert len(pd.read_csv(out / "scores.csv")) == len(scores)


@pytest.mark.slow
def test_local_processes_give_the_serial_results(serial, panel):
    parallel = run_tiny(panel, workers=2)
    pd.testing.assert_frame_equal(parallel.scores, serial.scores, check_exact=True)
    pd.testing.assert_frame_equal(parallel.summary, serial.summary, check_exact=True)


@pytest.mark.slow
def test_a_dask_cluster_gives_the_serial_results(serial, panel):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_tiny(panel, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(remote.scores, serial.scores, check_exact=True)
    pd.testing.assert_frame_equal(remote.summary, serial.summary, check_exact=True)


def test_an_unreachable_scheduler_is_a_clear_error(panel):
    with pytest.raises(ConfigError, match="cannot connect to the Dask scheduler"):
        run_tasks(
            _fail_on_three, [1], scheduler="tcp://127.0.0.1:9", progress=False, connect_timeout=1
        )


# --- in-sample comparison ------------------------------------------------------------------------


def _fit(name, panel, **window):
    from forecast.runs import fit_run

    model = get_model(name, **window)
    return fit_run(model, panel, "fast", seed=SEED, draws=150, tune=150).model


@pytest.mark.slow
def test_compare_models_gives_stacking_weights_summing_to_one(panel):
    window = {"since": "2016-01", "until": "2019-12"}
    fits = [_fit("constant_rate", panel, **window), _fit("state_rate", panel, **window)]
    table = compare_models(fits)
    assert set(table.index) == {"constant_rate", "state_rate"}
    assert table["weight"].sum() == pytest.approx(1.0)
    assert {"elpd", "p", "elpd_diff", "se", "weight"} <= set(table.columns)
    recent = _fit("recent_rate", panel, until="2019-12")
    with pytest.raises(ConfigError, match="cannot compare them"):
        compare_models([fits[0], recent])
    with pytest.raises(ConfigError, match="fewer than two"):
        compare_models(fits[:1])
    with pytest.raises(ConfigError, match="not fitted"):
        compare_models({"a": fits[0], "b": get_model("constant_rate")})


# --- skill intervals, pools and stacking ---------------------------------------------------------


def _scores(model_crps: dict, cutoffs=("2010-01", "2010-07", "2011-01", "2011-07")):
    rows = []
    for model, values in model_crps.items():
        for cutoff, value in zip(cutoffs, values, strict=True):
            rows.append(
                {"model": model, "cutoff": pd.Timestamp(cutoff), "horizon": 1, "crps": value}
            )
    return pd.DataFrame(rows)


def test_bootstrap_skill_interval_by_hand():
    from forecast.evaluation import bootstrap_skill

    # the model halves the baseline's CRPS at every cutoff: every resample gives skill .5
    scores = _scores({"m": [0.5, 1.0, 1.5, 2.0], "b": [1.0, 2.0, 3.0, 4.0]})
    assert bootstrap_skill(scores, "m", "b", n_boot=200, seed=SEED) == pytest.approx((0.5, 0.5))
    # better at two cutoffs, worse at two: the interval straddles the point estimate 0
    scores = _scores({"m": [0.5, 0.5, 1.5, 1.5], "b": [1.0, 1.0, 1.0, 1.0]})
    lo, hi = bootstrap_skill(scores, "m", "b", n_boot=2000, seed=SEED)
    assert lo < 0 < hi
    assert bootstrap_skill(scores, "m", "b", n_boot=0) != bootstrap_skill(
        scores, "m", "b", n_boot=0
    )


def test_an_exact_baseline_gives_no_skill_and_no_warning():
    """A baseline with CRPS 0 (quiet months forecast exactly) makes a resample's skill
    undefined: such resamples are left out, silently (numpy printed RuntimeWarnings)."""
    import warnings

    from forecast.evaluation import bootstrap_skill
    from forecast.evaluation.skill import path_gain

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        both = _scores({"m": [0.0, 0.0, 0.0, 0.0], "b": [0.0, 0.0, 0.0, 0.0]})
        lo, hi = bootstrap_skill(both, "m", "b", n_boot=200, seed=SEED)
        assert np.isnan(lo) and np.isnan(hi)  # both exact: no skill to speak of
        exact = _scores({"m": [0.5, 0.0, 0.0, 0.0], "b": [0.0, 0.0, 0.0, 0.0]})
        lo, hi = bootstrap_skill(exact, "m", "b", n_boot=200, seed=SEED)
        assert lo == hi == -np.inf  # the model's loss against an exact baseline: kept
        some = _scores({"m": [0.5, 0.5, 0.5, 0.5], "b": [0.0, 0.0, 1.0, 1.0]})
        lo, hi = bootstrap_skill(some, "m", "b", n_boot=200, seed=SEED)
        # resamples of the exact baseline's cutoffs only: the model's loss has no bound
        assert lo == -np.inf and np.isfinite(hi)
        wide = pd.DataFrame({"persist": [0.0, 0.0], "observed": [0.0, 0.0]})
        wide.index = pd.MultiIndex.from_tuples(
            [(pd.Timestamp("2010-01"), 1), (pd.Timestamp("2010-02"), 1)], names=["cutoff", "h"]
        )
        gain = path_gain(wide, "observed", n_boot=50, seed=SEED)
        assert gain["n"] == 2 and np.isnan(gain["gain"]) and np.isnan(gain["gain_lo"])


def test_stacking_weights_find_the_better_member_and_a_known_mixture():
    from forecast.evaluation import stacking_weights

    # member 0 gives every observation more probability: all weight on it
    dens = np.array([[0.5, 0.1], [0.4, 0.2], [0.6, 0.3]])
    assert stacking_weights(dens) == pytest.approx([1.0, 0.0], abs=1e-6)
    # data drawn from a 30/70 mixture of two disjoint forecasts: the weights recover it
    rng = np.random.default_rng(SEED)
    from_second = rng.random(5000) < 0.7
    dens = np.where(from_second[:, None], [[0.001, 0.5]], [[0.5, 0.001]])
    assert stacking_weights(dens)[1] == pytest.approx(from_second.mean(), abs=0.01)
    assert stacking_weights(np.zeros((0, 3))) == pytest.approx([1 / 3] * 3)


def _member_scores(n_cutoffs=40, seed=SEED):
    """Two members' log scores: 'good' beats 'bad' at every resolved forecast."""
    rng = np.random.default_rng(seed)
    rows = []
    cutoffs = pd.period_range("2010-01", periods=n_cutoffs, freq="M")
    for cutoff in cutoffs:
        for h in range(1, 13):
            target = (cutoff + h).to_timestamp()
            for model, base in (("good", 1.0), ("bad", 2.0)):
                rows.append(
                    {
                        "model": model,
                        "cutoff": cutoff.to_timestamp(),
                        "state_path": "persist",
                        "horizon": h,
                        "target_month": target,
                        "log_score": base + rng.random() * 0.1,
                    }
                )
    return pd.DataFrame(rows)


def test_stacking_weights_use_only_forecasts_resolved_by_the_cutoff():
    from forecast.evaluation.combine import MIN_RESOLVED, weights_at

    scores = _member_scores()
    cutoff = pd.Timestamp("2012-01-01")
    weights = weights_at(scores, ["good", "bad"], cutoff)
    assert weights["1-3"][0] > 0.99  # enough resolved short forecasts: the good member wins
    # change every outcome that resolved after the cutoff: the weights do not move
    later = scores["target_month"] > cutoff
    flipped = scores.copy()
    flipped.loc[later & (flipped["model"] == "good"), "log_score"] = 50.0
    again = weights_at(flipped, ["good", "bad"], cutoff)
    for band in weights:
        np.testing.assert_array_equal(weights[band], again[band])
    # too few resolved forecasts in a band: equal weights
    early = weights_at(scores, ["good", "bad"], pd.Timestamp("2010-03-01"))
    assert early["7-12"] == pytest.approx([0.5, 0.5]) and MIN_RESOLVED > 0


def test_mixture_draws_follow_the_weights():
    from forecast.evaluation.combine import _allocate, mix_draws

    assert _allocate(np.array([0.5, 0.5]), 1001).sum() == 1001
    assert _allocate(np.array([0.25, 0.75]), 1000).tolist() == [250, 750]
    rng = np.random.default_rng(SEED)
    mixed = mix_draws([np.zeros(1000, int), np.ones(1000, int)], np.array([0.3, 0.7]), rng)
    assert len(mixed) == 1000 and mixed.sum() == 700


def test_pool_names_are_checked():
    from forecast.evaluation import check_pools

    specs = check_pools("pool:constant_rate+recent_rate,stack:recent_rate+empirical_recent")
    assert [s.kind for s in specs] == ["pool", "stack"]
    for bad in ("pool:constant_rate", "mix:constant_rate+recent_rate", "pool:a+b"):
        with pytest.raises(ConfigError):
            check_pools(bad)


@pytest.mark.slow
def test_oracles_pools_and_naive_baselines_in_one_backtest(panel):
    cutoffs = ["2016-06", "2017-06", "2018-06"]
    result = backtest(
        panel,
        ["empirical_recent", "last_value", "recent_rate"],
        cutoffs,
        horizon=3,
        seed=SEED,
        draws=100,
        tune=100,
        chains=2,
        pools=["pool:empirical_recent+recent_rate"],
        oracles=True,
        questions=True,
        bootstrap=50,
        progress=False,
    )
    scores = result.scores
    models = set(scores["model"])
    assert {"oracle_12", "oracle_3", "pool:empirical_recent+recent_rate"} <= models
    # last_value is a point forecast: its CRPS is the absolute error
    last = scores[(scores["model"] == "last_value") & (scores["state_path"] == "persist")]
    truth = panel.set_index("month")["launch_days"]
    previous = truth.loc[pd.to_datetime(last["cutoff"])].to_numpy()
    np.testing.assert_allclose(last["crps"], np.abs(last["observed"] - previous))
    # the oracle of the next 3 months knows their mean: its predictive mean is close to it
    oracle = scores[(scores["model"] == "oracle_3") & (scores["state_path"] == "persist")]
    block = oracle.groupby("cutoff")["observed"].transform("mean")
    assert np.abs(oracle["pred_mean"] - block).max() < 0.5
    # the band table has a skill and a bootstrap interval for every non-baseline model
    band = result.tables["by_band"]
    row = band[(band["model"] == "pool:empirical_recent+recent_rate") & (band["band"] == "1-3")]
    assert row["crps_skill_lo"].iloc[0] <= row["crps_skill"].iloc[0] <= row["crps_skill_hi"].iloc[0]
    assert set(result.settings["baselines"]) == {"empirical_recent", "last_value", "recent_rate"}
    # the unconditional (transition) path is scored like the others; a state-free baseline
    # forecasts the same along every path
    assert set(scores["state_path"]) == {"observed", "persist", "transition"}
    evidence = result.tables["evidence"]
    flat = evidence[evidence["model"] == "empirical_recent"]
    assert set(flat["path"]) == {"observed", "transition"} and (flat["gain"] == 0).all()
    # questions answered at every cutoff by the first Bayesian model, scored by hand
    questions = result.tables["questions"]
    binary = questions[questions["type"] == "binary"]
    assert set(binary["question"]) == {"launch-3m"}  # the only window within 3 months
    np.testing.assert_allclose(binary["brier"], (binary["answer"] - binary["outcome"]) ** 2)
    np.testing.assert_allclose(binary["brier_base"], (binary["base_rate"] - binary["outcome"]) ** 2)
    assert result.tables["question_reliability"]["n"].sum() == len(binary)
    assert {"change", "state"} == set(result.tables["transition_calibration"]["event"])


def test_question_window_outcomes_and_base_rates_by_hand():
    from forecast.evaluation.question_backtest import TEMPLATES, window_outcomes

    months = pd.date_range("2000-01-01", periods=10, freq="MS")
    panel = pd.DataFrame({"month": months, "launch_days": [0, 0, 0, 0, 2, 0, 0, 0, 0, 1]})
    panel["state"] = "no_talks"
    panel["nuclear_tests"] = 0
    for column in (
        "launch_days_srbm",
        "launch_days_mrbm",
        "launch_days_irbm",
        "launch_days_icbm",
        "launch_days_slbm",
        "launch_days_slv",
        "launch_days_hgv",
        "launch_days_unknown",
        "missiles",
    ):
        panel[column] = 0
    template = next(t for t in TEMPLATES if t["id"] == "launch-3m")
    got = window_outcomes(template, panel)
    # windows of 3 months starting 2000-02 .. 2000-08 (the first month is the state-change lag)
    # YES when they hold May or October: Feb-Apr no, Mar-May .. May-Jul yes, Jun-Aug and
    # Jul-Sep no, Aug-Oct yes
    assert [str(p) for p in got.index] == [f"2000-{m:02d}" for m in range(4, 11)]
    assert got.tolist() == [0, 1, 1, 1, 0, 0, 1]
    # base rate at a cutoff: the windows ended by then (2000-06: 2 of 3)
    assert got[got.index <= pd.Period("2000-06", "M")].mean() == pytest.approx(2 / 3)


def test_the_record_of_samplers_comes_from_the_fits():
    """settings.json's ``samplers``: what each model's folds sampled with, counting baselines
    (nothing sampled) left out, a value that varied listed once each."""
    from types import SimpleNamespace

    from forecast.evaluation.backtest import fold_samplers

    def fold(model, accept, adaptation="diag"):
        return SimpleNamespace(
            info={"model": model, "target_accept": accept, "adaptation": adaptation}
        )

    folds = [
        fold("ar_level", 0.97),
        fold("ar_level", 0.97),
        fold("last_value", None, None),
        fold("odd", 0.9, "low_rank"),
        fold("odd", 0.95, "low_rank"),
    ]
    assert fold_samplers(folds) == {
        "ar_level": {"target_accept": 0.97, "adaptation": "diag"},
        "odd": {"target_accept": [0.9, 0.95], "adaptation": "low_rank"},
    }


def test_the_committed_evaluation_tables_read_back():
    """docs/evaluation: the full protocol's summaries (make skill), as notebook 05 reads them."""
    from pathlib import Path

    from forecast.evaluation import read_summary

    folder = Path(__file__).resolve().parent.parent / "docs" / "evaluation"
    tables, settings = read_summary(folder)
    assert {"by_horizon", "by_band", "by_era", "evidence", "after_changes"} <= set(tables)
    assert len(settings["cutoffs"]) == 240 and settings["horizon"] == 12
    assert {"path", "crps_path", "gain_lo"} <= set(tables["evidence"].columns)
    if "headline" in tables:
        assert set(tables["headline"]["horizon"]) == {1, 2, 3, 6, 12}
    with pytest.raises(ConfigError, match="settings.json"):
        read_summary(folder.parent)


def test_a_backtest_takes_configured_models_and_any_executor(panel):
    """A configured model (custom priors) survives the backtest: each fold rebuilds it from
    its configuration; the folds run on any executor with ``.map``."""
    from concurrent.futures import ThreadPoolExecutor

    # the rate pinned at exp(3) = 20 launch days a month and the shape at 100 (near Poisson:
    # a free shape runs to ~0 against the data, and the months, capped at their days, then
    # pull the mean far below 20); both priors tight enough that 20 years of data cannot move
    # them
    pinned = get_model(
        "constant_rate",
        priors={"log_rate": {"mu": 3.0, "sigma": 0.001}, "alpha": {"alpha": 1e6, "beta": 1e4}},
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        result = backtest(
            panel,
            {"defaults": "constant_rate", "pinned": pinned},
            ["2015-06", "2016-06"],
            horizon=3,
            seed=SEED,
            draws=100,
            tune=100,
            chains=2,
            bootstrap=0,
            executor=pool,
            progress=False,
        )
    means = result.scores.groupby("model")["pred_mean"].mean()
    assert means["pinned"] == pytest.approx(np.exp(3.0 + 0.0), rel=0.25)  # the prior held
    assert means["defaults"] < 5  # the data's rate, about 1 launch day a month
    assert result.settings["configs"]["pinned"]["priors"]["log_rate"]["mu"] == 3.0
    assert set(result.folds["model"]) == {"defaults", "pinned"}


def test_the_gain_after_a_real_change_of_state_comes_with_its_interval():
    """Only the forecasts of months whose real state differs from the cutoff's count; the gain
    and its bootstrap interval are those of the paired CRPS (here the real states cut every
    such CRPS by a fifth, so every resample gives 0.2)."""
    from forecast.evaluation.findings import evidence_findings
    from forecast.evaluation.skill import after_changes_table

    rows = []
    for i, cutoff in enumerate(pd.period_range("2010-01", periods=6, freq="M").to_timestamp()):
        for horizon in (1, 2):
            changed = horizon == 2 or i % 3 == 0
            persist = 1.0 + i + horizon
            # months whose state did not change are left out, whatever their scores
            observed = 0.8 * persist if changed else 5.0 * persist
            for path, score, state in (
                ("persist", persist, "no_talks"),
                ("observed", observed, "active_talks" if changed else "no_talks"),
            ):
                rows.append({"model": "m", "cutoff": cutoff, "horizon": horizon,
                             "state_path": path, "crps": score, "state": state})  # fmt: skip
    table = after_changes_table(pd.DataFrame(rows), n_boot=200, seed=SEED)
    row = table.set_index("model").loc["m"]
    assert row["n"] == 6 + 2  # horizon 2 at every cutoff, horizon 1 at cutoffs 0 and 3
    assert row["gain"] == pytest.approx(0.2)
    assert row["gain_lo"] == pytest.approx(0.2) and row["gain_hi"] == pytest.approx(0.2)
    evidence = pd.DataFrame(
        {"model": ["m"], "band": ["1-3"], "path": ["observed"], "gain": [0.01],
         "gain_lo": [-0.02], "gain_hi": [0.03]}
    )  # fmt: skip
    said = evidence_findings(evidence, table, "m")[1]
    assert "the gain is +20.0% [+20.0%, +20.0%] (the real states improved the CRPS by 20.0%)" in (
        said
    )
    wide = table.assign(gain_lo=-0.01, gain_hi=0.3)
    said = evidence_findings(evidence, wide, "m")[1]
    assert "by 20.0%; the gain's 90% interval includes zero)." in said
