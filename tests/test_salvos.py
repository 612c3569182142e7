"""The salvo term: missiles reached through launch days (``ar_level`` and the daily model)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import simulated as sim
import xarray as xr
from conftest import SEED
from scipy import stats

from forecast.errors import ConfigError, RunFileError
from forecast.models import components as C
from forecast.models import count_check, get_model, prior_predictive_check
from forecast.models.storage import ATTR, FIT_DATA, data_hash
from forecast.outputs import output_dir
from forecast.runs import fit_run, load_run

# the stand-in sampler draws from the prior, which PyMC says ignores the salvo Potential
pytestmark = pytest.mark.filterwarnings("ignore:The effect of Potentials:UserWarning")


@pytest.mark.parametrize("window", [(0, 5), (1, 4), (2, 3)])
def test_monthly_salvos_log_density_is_the_sum_of_negative_binomials_over_the_window(window):
    days = np.array([0, 1, 3, 0, 2])
    extra = np.array([0, 2, 1, 0, 7])
    pairs = C.SalvoPairs.from_counts(days, days + extra)
    assert pairs.rows.tolist() == [1, 1, 2, 4, 4, 4, 4, 4, 4, 4]
    assert pairs.index.tolist() == [0, 1, 0, 0, 1, 2, 3, 4, 5, 6]
    data = pairs.window(*window)
    mean, alpha = 0.8, 0.5
    with pm.Model() as model:
        C.monthly_salvos(C.SALVO_PRIORS, pairs, data["salvo_weight"], data["salvo_totals"])
    point = {"salvo_mean_log": np.log(mean), "salvo_alpha_log": np.log(alpha)}
    got = model.compile_fn(model.potentiallogp, inputs=model.value_vars)(point)
    # k launch days: NegativeBinomial(k mean, k alpha); scipy n = k alpha, p = alpha / (alpha + m)
    lo, hi = window
    some = np.zeros(len(days), bool)
    some[lo:hi] = days[lo:hi] > 0
    expected = stats.nbinom.logpmf(extra[some], days[some] * alpha, alpha / (alpha + mean)).sum()
    assert float(got) == pytest.approx(expected, rel=1e-10)


def test_salvo_pairs_refuse_missiles_below_the_launch_days():
    with pytest.raises(ValueError, match="at least the launch days"):
        C.SalvoPairs.from_counts([1, 2], [1, 1])
    with pytest.raises(ValueError, match="0 without one"):
        C.SalvoPairs.from_counts([0], [2])


def test_salvo_missiles_have_the_moments_of_k_independent_salvos():
    rng = np.random.default_rng(SEED)
    n = 200_000
    days = np.tile([[0, 1, 3]], (n, 1))
    mean, alpha = np.full(n, 1.0), np.full(n, 0.5)
    missiles = C.salvo_missiles(days, mean, alpha, rng)
    assert (missiles[:, 0] == 0).all()  # no launch day, no missile
    assert (missiles[:, 1:] >= days[:, 1:]).all()
    # k days: mean k (1 + m), variance k m + k m^2 / alpha (1: 2 and 3; 3: 6 and 9)
    assert missiles[:, 1].mean() == pytest.approx(2.0, rel=0.01)
    assert missiles[:, 1].var() == pytest.approx(3.0, rel=0.03)
    assert missiles[:, 2].mean() == pytest.approx(6.0, rel=0.01)
    assert missiles[:, 2].var() == pytest.approx(9.0, rel=0.03)


def test_ar_level_fitted_to_missiles_observes_launch_days_and_the_missiles_beyond_them():
    panel, _ = sim.ar_level_panel(120, seed=SEED)
    model = get_model("ar_level", target="missiles")
    model.build(panel)
    data = model._train_data()
    window = model.training
    assert model.observed_target == "launch_days"
    assert (data["y_train"] == window["launch_days"].to_numpy()).all()
    extra = (window["missiles"] - window["launch_days"]).to_numpy()
    assert data["salvo_totals"].tolist()[:2] == [window["launch_days"].sum(), extra.sum()]
    assert data["salvo_weight"].sum() == extra.sum()
    assert {"salvo_mean_log", "salvo_alpha_log"} <= set(model.free_vars())
    assert model.priors["salvo_mean"] == C.SALVO_PRIORS["salvo_mean"]
    # moving the window moves the salvos with it (no rebuild)
    until = window["month"].iloc[99]
    model.set_until(until)
    totals = model.model["salvo_totals"].get_value()
    moved = model.training["missiles"] - model.training["launch_days"]
    assert len(model.training) == 100
    assert totals[1] == moved.sum() == model.model["salvo_weight"].get_value().sum()
    assert totals[1] < extra.sum()  # the window lost missiles beyond its launch days


def test_the_salvo_priors_belong_to_the_missile_target_only():
    assert "salvo_mean" not in get_model("ar_level").priors
    assert get_model("ar_level").observed_target == "launch_days"
    with pytest.raises(ConfigError, match="unknown prior 'salvo_mean'"):
        get_model("ar_level", priors={"salvo_mean": {"mu": 0.0, "sigma": 1.0}})
    model = get_model("ar_level", target="missiles", priors={"salvo_mean": {"sigma": 0.5}})
    assert model.priors["salvo_mean"] == {"mu": 0.0, "sigma": 0.5}


def salvo_logp(model, mean: float, alpha: float) -> float:
    point = {"salvo_mean_log": np.log(mean), "salvo_alpha_log": np.log(alpha)}
    values = [model.model.rvs_to_values[model.model[k]] for k in point]
    fn = model.model.compile_fn(model.model.potentiallogp, inputs=values)
    return float(fn(point))


def scipy_logp(window: pd.DataFrame, mean: float, alpha: float) -> float:
    days = window["launch_days"].to_numpy()
    extra = window["missiles"].to_numpy() - days
    some = days > 0
    return float(stats.nbinom.logpmf(extra[some], days[some] * alpha, alpha / (alpha + mean)).sum())


def test_a_backtest_grid_weighs_exactly_the_training_window_as_it_moves():
    """Rows before the window (lagged months) and after the cutoff (kept for set_until) are
    in the grid but must not reach the salvo term."""
    panel, _ = sim.ar_level_panel(240, seed=SEED)
    model = get_model("ar_level", target="missiles", since="2008-01", until="2016-06")
    model.build(panel, keep_future=True)
    assert model.grid_start <= model.start < model.stop < len(model.panel)
    for until in ("2016-06", "2012-03", "2020-12"):
        model.set_until(until)
        window = model.training
        assert pd.Timestamp(window["month"].iloc[-1]) == pd.Timestamp(until)
        for mean, alpha in ((0.8, 0.5), (2.0, 3.0)):
            expected = scipy_logp(window, mean, alpha)
            assert salvo_logp(model, mean, alpha) == pytest.approx(expected, rel=1e-10)


@pytest.fixture(scope="module")
def missile_run(tmp_path_factory):
    """A stand-in fit (prior draws, preset ``mock``) of ar_level on simulated missiles, saved."""
    panel, _ = sim.ar_level_panel(120, seed=SEED)
    out = tmp_path_factory.mktemp("missiles") / "run"
    with output_dir(out, "fit") as tmp:
        run = fit_run(get_model("ar_level", target="missiles"), panel, "mock", seed=SEED, out=tmp)
    return run.model, panel, out


def future(model, months: int = 12) -> pd.DataFrame:
    start = pd.Timestamp(model.training["month"].iloc[-1]) + pd.offsets.MonthBegin(1)
    return pd.DataFrame(
        {
            "month": pd.date_range(start, periods=months, freq="MS"),
            "state": "stalled",
            "exercise_days": 0,
        }
    )


def test_missiles_are_simulated_launch_days_plus_their_salvos(missile_run):
    model, panel, _ = missile_run
    days_model = get_model("ar_level")
    days_model.build(panel)
    days_model.idata = model.idata  # the same parameters: the same launch days, same seed
    a = days_model.simulate(future(model), random_seed=SEED)
    b = model.simulate(future(model), random_seed=SEED)
    length = pd.DatetimeIndex(b["month"].values).days_in_month.to_numpy()
    np.testing.assert_array_equal(b["launch_days"].values, np.minimum(a["counts"].values, length))
    missiles, days = b["counts"].values, b["launch_days"].values
    assert (missiles >= days).all() and (missiles[days == 0] == 0).all()
    assert (missiles > days).any()
    salvo = b["rate"].values / a["rate"].values - 1
    post = model.posterior_draws(None, np.random.default_rng(SEED))
    np.testing.assert_allclose(salvo[:, 0], post["salvo_mean"].values)


def test_a_saved_missile_run_loads_and_forecasts_the_same_draws(missile_run):
    model, _, out = missile_run
    loaded, _ = load_run(out)
    assert loaded.target == "missiles" and loaded.observed_target == "launch_days"
    a = model.simulate(future(model), random_seed=SEED)
    b = loaded.simulate(future(loaded), random_seed=SEED)
    np.testing.assert_array_equal(a["counts"].values, b["counts"].values)
    np.testing.assert_array_equal(a["launch_days"].values, b["launch_days"].values)


def test_a_missile_run_saved_before_the_salvo_term_asks_for_a_refit(missile_run, tmp_path):
    _, _, out = missile_run
    tree = xr.load_datatree(out / "fit.nc")
    meta = json.loads(tree["posterior"].attrs[ATTR])
    stored = tree[FIT_DATA].to_dataset().drop_vars("launch_days")
    old = xr.DataTree()
    for group in ("posterior", "sample_stats"):
        old[group] = tree[group].to_dataset()
    old[FIT_DATA] = stored
    # the hash of the stored rows as the old version wrote it (no launch_days column)
    panel = stored.to_dataframe().reset_index(drop=True)
    meta["data_hash"] = data_hash(panel)
    old["posterior"].attrs[ATTR] = json.dumps(meta)
    path = tmp_path / "fit.nc"
    old.to_netcdf(path, engine="netcdf4")
    with pytest.raises(RunFileError) as info:
        type(get_model("ar_level")).load(path)
    message = str(info.value)
    assert "lack ['launch_days']" in message
    assert "forecast fit --model ar_level --target missiles" in message


def test_cloning_a_missile_model_to_launch_days_drops_the_salvo_priors():
    model = get_model("ar_level", target="missiles", priors={"ar_phi": {"mu": 1.5, "sigma": 1.0}})
    days = model.clone(target="launch_days")
    assert days.target == "launch_days" and "salvo_mean" not in days.priors
    assert days.priors["ar_phi"] == {"mu": 1.5, "sigma": 1.0}
    back = days.clone(target="missiles")
    assert back.priors["salvo_mean"] == C.SALVO_PRIORS["salvo_mean"]


def test_the_prior_predictive_check_of_missiles_counts_the_salvos_of_the_prior_launch_days():
    panel, _ = sim.ar_level_panel(120, seed=SEED)
    model = get_model("ar_level", target="missiles")
    model.build(panel)
    prior = model.sample_prior_predictive(draws=200, random_seed=SEED)
    days = prior["prior_predictive"]["y"].values.reshape(200, -1)
    missiles = model.prior_predictive_counts(prior, np.random.default_rng(SEED))
    assert missiles.shape == days.shape
    assert (missiles >= days).all() and (missiles[days == 0] == 0).all()
    assert missiles.sum() > days.sum()
    # the check reads exactly these missiles (same seed), not the launch days
    check = prior_predictive_check(model, draws=200, random_seed=SEED)
    assert check == count_check(missiles)
    assert check.quantile_99 > count_check(days).quantile_99
