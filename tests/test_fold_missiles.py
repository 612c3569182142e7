"""Missile folds from launch-day folds (``forecast backtest --missiles``): the salvo term fitted
alone, the missile forecasts built on the launch-day draws, and a backtest whose launch-day
results are those of a run without missiles, to the bit."""

from __future__ import annotations

from dataclasses import replace

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytest
import simulated as sim
from conftest import SEED, TINY_BACKTEST
from hostile_support import cli, refused

from forecast.errors import ConfigError
from forecast.evaluation import backtest
from forecast.evaluation.backtest import missile_forms, model_configs
from forecast.evaluation.fold_forecasts import run_fold
from forecast.evaluation.fold_missiles import SalvoTerm, through_launch_days
from forecast.evaluation.folds import STATE_PATHS, make_folds
from forecast.evaluation.plan import BacktestSettings
from forecast.models import PRESETS, get_model
from forecast.models import components as C

TINY = {**TINY_BACKTEST, "bootstrap": 20}


def test_the_missile_posterior_is_the_launch_day_posterior_times_the_salvo_terms(panel):
    """What the reuse rests on: at any point, ar_level's missile log density (priors
    included) is its launch-day log density plus the salvo term's alone, on the window of a
    moved cutoff (so the two posteriors are independent and each can be fitted alone)."""
    joint = get_model("ar_level", target="missiles")
    level = get_model("ar_level")
    for model in (joint, level):
        model.build(panel, keep_future=True)
        model.set_until("2019-06")
    months = pd.PeriodIndex(pd.to_datetime(level.training["month"]), freq="M")
    term = SalvoTerm(panel, C.SALVO_PRIORS)
    all_months = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
    with term.model:
        pm.set_data(
            term.pairs.window(all_months.get_loc(months[0]), all_months.get_loc(months[-1]) + 1)
        )
    logp = {
        name: m.compile_logp()
        for name, m in (("joint", joint.model), ("level", level.model), ("salvo", term.model))
    }
    start = joint.model.initial_point()
    level_keys = set(level.model.initial_point())
    salvo_keys = set(term.model.initial_point())
    assert level_keys | salvo_keys == set(start) and not level_keys & salvo_keys
    rng = np.random.default_rng(SEED)
    for _ in range(3):
        point = {k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in start.items()}
        split = logp["level"]({k: point[k] for k in level_keys}) + logp["salvo"](
            {k: point[k] for k in salvo_keys}
        )
        assert float(logp["joint"](point)) == pytest.approx(float(split), rel=1e-10)


def test_custom_salvo_priors_reach_the_salvo_term_and_bad_models_are_refused(panel):
    tight = {"salvo_mean": {"mu": float(np.log(40.0)), "sigma": 0.01}}
    custom = get_model("ar_level", target="missiles", priors=tight)
    configs = missile_forms([custom, "constant_rate"], *model_configs([custom, "constant_rate"]))
    assert configs["ar_level"]["priors"]["salvo_mean"] == tight["salvo_mean"]
    assert "salvo_mean" not in configs["constant_rate"]["priors"]
    plain = missile_forms(["ar_level"], *model_configs(["ar_level"]))
    assert plain["ar_level"]["priors"]["salvo_mean"] == C.SALVO_PRIORS["salvo_mean"]
    with pytest.raises(ConfigError, match="class_hierarchical cannot forecast missiles"):
        backtest(panel, ["class_hierarchical"], missiles=True, **TINY)


@pytest.mark.slow
def test_a_missile_fold_honours_custom_salvo_priors_and_fewer_draws(panel):
    tight = {"salvo_mean": {"mu": float(np.log(40.0)), "sigma": 0.01}}
    custom = get_model("ar_level", target="missiles", priors=tight)
    settings = BacktestSettings(
        horizon=3, seed=SEED, draws=100, tune=100, chains=2, sim_draws=50, missiles=True
    )
    (fold,) = make_folds(["ar_level"], [pd.Period("2022-06", "M")], SEED)
    configs = missile_forms([custom], *model_configs([custom]))
    days = run_fold(fold, panel, settings, missile_configs=configs)
    d, m = days.draws["persist"], days.missiles.draws["persist"]
    assert d.shape == m.shape == (3, 50)
    # about 41 missiles a launch day: the prior pins the salvo mean at 40
    assert 30 < (m.sum() / d.sum()) < 55
    info = days.missiles.info
    assert info["level_from"] == "launch_days" and info["fit_seconds"] > 0
    assert info["salvo_target_accept"] == PRESETS["backtest"].target_accept
    assert info["verdict"].startswith("level: ") and "; salvos: " in info["verdict"]


def test_only_models_reaching_missiles_through_launch_days_reuse_their_fit():
    for name in ("ar_level", "ar_level_lean", "ar_level_phased"):
        assert through_launch_days(get_model(name).config())
    for name in ("constant_rate", "recent_rate", "empirical_recent", "daily_exciting"):
        assert not through_launch_days(get_model(name).config())


@pytest.mark.slow
def test_the_salvo_term_alone_recovers_the_salvos_of_its_window():
    """The salvo term fitted on its own (the posterior ar_level's missile fit has for it): on
    300 months of the ar_level process, both salvo parameters inside their 94% HDIs; on the
    first 60 months only, a wider posterior."""
    panel, _ = sim.ar_level_panel(300, seed=SEED)
    truth = sim.ar_level_params()
    term = SalvoTerm(panel, C.SALVO_PRIORS)
    months = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
    sampler = PRESETS["backtest"].replace(draws=500, tune=500, chains=2)
    fit = term.fit(months[0], months[-1], sampler, SEED)
    mean, alpha = fit.mean, fit.alpha
    assert len(mean) == len(alpha) == 1000 and fit.seconds > 0 and fit.diagnostics.passed
    for draws, name in ((mean, "salvo_mean"), (alpha, "salvo_alpha")):
        low, high = az.hdi(draws, prob=0.94)
        assert low < truth[name] < high, name
    short = term.fit(months[0], months[59], sampler, SEED).mean
    assert short.std() > 1.5 * mean.std()


@pytest.mark.slow
def test_a_missile_fold_adds_salvos_to_the_launch_day_draws(panel):
    settings = BacktestSettings(horizon=6, seed=SEED, draws=100, tune=100, chains=2, missiles=True)
    (fold,) = make_folds(["ar_level"], [pd.Period("2022-12", "M")], SEED)
    days = run_fold(fold, panel, settings)
    missiles = days.missiles
    assert missiles is not None and missiles.info["level_from"] == "launch_days"
    truth = panel.set_index(pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M"))
    assert missiles.observed.tolist() == truth.loc[days.months, "missiles"].tolist()
    for path in STATE_PATHS:
        d, m = days.draws[path], missiles.draws[path]
        assert d.shape == m.shape == (6, 200)
        assert (m >= d).all() and (m[d == 0] == 0).all()
        assert (m > d).any()  # salvos of more than one missile in 2023
    # a launch-day fold without --missiles: the same launch-day draws, no missile fold
    plain = run_fold(fold, panel, replace(settings, missiles=False))
    assert plain.missiles is None
    for path in STATE_PATHS:
        np.testing.assert_array_equal(plain.draws[path], days.draws[path])


@pytest.mark.slow
def test_a_backtest_with_missiles_keeps_its_launch_day_results(panel, tmp_path):
    models = ["constant_rate", "ar_level"]
    both = backtest(panel, models, missiles=True, **TINY)
    days = backtest(panel, models, **TINY)
    pd.testing.assert_frame_equal(both.scores, days.scores, check_exact=True)
    assert days.missiles is None
    side = both.missiles
    assert side.settings["target"] == "missiles"
    assert side.settings["levels_from_launch_days"] == ["ar_level"]
    # the naive model's missile folds are fitted to the missile counts, as in a missile run
    alone = backtest(panel, ["constant_rate"], target="missiles", **TINY)
    naive = side.scores[side.scores["model"] == "constant_rate"].reset_index(drop=True)
    pd.testing.assert_frame_equal(naive, alone.scores, check_exact=True)
    truth = panel.set_index("month")
    expected = truth.loc[side.scores["target_month"], "missiles"].to_numpy()
    assert (side.scores["observed"].to_numpy() == expected).all()
    # 2 models x 3 paths x (3 + 2 horizons), as the launch days
    assert len(side.scores) == len(both.scores) == 2 * 3 * 5
    assert set(side.tables) == set(both.tables)
    out = both.write(tmp_path / "bt")
    written = {p.name for p in (out / "missiles").iterdir()}
    assert written == {p.name for p in out.iterdir() if p.is_file()} - {".forecast-output.json"}
    assert (
        pd.read_csv(out / "missiles" / "scores.csv")["observed"].sum()
        == side.scores["observed"].sum()
    )


def test_missiles_beside_another_target_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="missiles are scored beside launch days"):
        BacktestSettings(target="missiles", missiles=True)
    out = tmp_path / "bt"
    args = ("backtest", "--target", "missiles", "--missiles", "--cutoffs", "2017-06", "--out", out)
    refused(cli(*args), "missiles are scored beside launch days", "--target launch_days")
    assert not out.exists()
