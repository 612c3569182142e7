"""The salvo term: missiles reached through launch days (``ar_level`` and the daily model)."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest
import simulated as sim
from conftest import SEED
from scipy import stats

from forecast.errors import ConfigError
from forecast.models import components as C
from forecast.models import get_model


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
