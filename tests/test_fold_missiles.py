"""Missile folds from launch-day folds (``forecast backtest --missiles``): the salvo term fitted
alone, the missile forecasts built on the launch-day draws, and a backtest whose launch-day
results are those of a run without missiles, to the bit."""

from __future__ import annotations

from dataclasses import replace

import arviz as az
import numpy as np
import pandas as pd
import pytest
import simulated as sim
from conftest import SEED
from hostile_support import cli, refused

from forecast.errors import ConfigError
from forecast.evaluation import backtest
from forecast.evaluation.fold_forecasts import run_fold
from forecast.evaluation.fold_missiles import SalvoTerm, through_launch_days
from forecast.evaluation.folds import STATE_PATHS, make_folds
from forecast.evaluation.plan import BacktestSettings
from forecast.models import PRESETS, get_model
from forecast.models import components as C

TINY = {
    "cutoffs": ["2017-06", "2025-10"],
    "horizon": 3,
    "seed": SEED,
    "draws": 100,
    "tune": 100,
    "chains": 1,
    "progress": False,
    "bootstrap": 20,
}


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
    mean, alpha, seconds = term.fit(months[0], months[-1], sampler, SEED)
    assert len(mean) == len(alpha) == 1000 and seconds > 0
    for draws, name in ((mean, "salvo_mean"), (alpha, "salvo_alpha")):
        low, high = az.hdi(draws, prob=0.94)
        assert low < truth[name] < high, name
    short, _, _ = term.fit(months[0], months[59], sampler, SEED)
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
