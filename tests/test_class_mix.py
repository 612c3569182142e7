"""The class mix: discounted Beta shares averaged over half-lives by their prequential
likelihood (:class:`forecast.models.events.ClassMix`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.stats import betabinom

from forecast.data.panel import CLASS_COLUMNS
from forecast.errors import ConfigError
from forecast.models.events import ClassMix, _discounted_beta


def _panel(shares_by_month: np.ndarray, days: int = 6, seed: int = 3) -> pd.DataFrame:
    """A monthly panel with ``days`` launch days a month, the SRBM ones Binomial(days, share),
    the rest MRBM (the two groups exclusive)."""
    rng = np.random.default_rng(seed)
    srbm = rng.binomial(days, shares_by_month)
    frame = pd.DataFrame(
        {
            "month": pd.date_range("1990-01-01", periods=len(srbm), freq="MS"),
            "launch_days": days,
        }
    )
    for column in CLASS_COLUMNS.values():
        frame[column] = 0
    frame[CLASS_COLUMNS["SRBM"]] = srbm
    frame[CLASS_COLUMNS["MRBM"]] = days - srbm
    return frame


def test_the_prequential_score_is_the_product_of_each_months_beta_binomial():
    k = np.array([2, 0, 3, 1])
    n = np.array([3, 0, 4, 2])
    a, b, log_score = _discounted_beta(k, n, [12.0, math.inf], {"alpha": 0.5, "beta": 0.5})
    keep = 0.5 ** (1 / 12)
    by_hand = 0.0
    for t in (0, 2, 3):  # the month without launch days scores nothing
        w = keep ** np.arange(t)[::-1]
        alpha, beta = 0.5 + (w * k[:t]).sum(), 0.5 + (w * (n[:t] - k[:t])).sum()
        # the binomial coefficient is left out (the same for every half-life)
        by_hand += betabinom.logpmf(k[t], n[t], alpha, beta) - math.log(math.comb(n[t], k[t]))
    assert log_score[0] == pytest.approx(by_hand)
    w = keep ** np.arange(4)[::-1]
    assert (a[0], b[0]) == pytest.approx((0.5 + (w * k).sum(), 0.5 + (w * (n - k)).sum()))
    assert (a[1], b[1]) == (0.5 + 6, 0.5 + 3)  # no discount: the plain counts


def test_a_mix_that_switches_is_given_short_half_lives_and_a_steady_one_long_ones():
    months = 360
    # SRBM share 0.9 and 0.1 in turn, two years each; then a steady share of 0.3
    switching = np.where((np.arange(months) // 24) % 2 == 0, 0.9, 0.1)
    model = ClassMix(random_seed=1).fit(_panel(switching))
    weight = model.posterior["half_life_weight"].sel(weapon_class="SRBM")
    half_lives = weight["half_life"].values
    assert weight.values.sum() == pytest.approx(1.0)
    assert weight.values[half_lives <= 12].sum() > 0.95
    # the last two years (the 15th spell) had a share of 0.9: the shares drawn are near it, not
    # near the mean of the 30 years, 0.5
    assert model.posterior["share"].sel(weapon_class="SRBM").mean() > 0.8
    steady = ClassMix(random_seed=1).fit(_panel(np.full(months, 0.3)))
    weight = steady.posterior["half_life_weight"].sel(weapon_class="SRBM")
    assert weight.values[half_lives >= 60].sum() > 0.8
    share = steady.posterior["share"].sel(weapon_class="SRBM")
    assert float(share.mean()) == pytest.approx(0.3, abs=0.02)


def test_one_half_life_is_the_plain_discounted_posterior_and_the_fit_round_trips():
    panel = _panel(np.full(120, 0.4))
    model = ClassMix({"half_life": 36.0}, draws=20000, random_seed=2).fit(panel)
    a, b, _ = _discounted_beta(
        panel[CLASS_COLUMNS["SRBM"]].to_numpy(float),
        panel["launch_days"].to_numpy(float),
        [36.0],
        {"alpha": 0.5, "beta": 0.5},
    )
    share = model.posterior["share"].sel(weapon_class="SRBM").values
    assert share.mean() == pytest.approx(a[0] / (a[0] + b[0]), abs=0.003)
    again = ClassMix.from_dataset(ClassMix(random_seed=2).fit(panel).to_dataset())
    assert again.half_lives[-1] == math.inf and again.priors["half_life"][-1] is None
    np.testing.assert_array_equal(
        again.posterior["share"].values, ClassMix(random_seed=2).fit(panel).posterior["share"]
    )


def test_a_saved_mix_loads_from_netcdf_and_an_old_one_without_weights_too(tmp_path):
    panel = _panel(np.full(60, 0.5))
    panel[CLASS_COLUMNS["ICBM"]] = 0  # a group that never occurs: a finite score, a low share
    model = ClassMix(draws=500, random_seed=4).fit(panel)
    weight = model.posterior["half_life_weight"]
    assert np.isfinite(weight).all() and np.allclose(weight.sum("half_life"), 1.0)
    assert float(model.posterior["share"].sel(weapon_class="ICBM").mean()) < 0.01
    path = tmp_path / "mix.nc"
    model.to_dataset().to_netcdf(path)
    with xr.open_dataset(path) as ds:
        again = ClassMix.from_dataset(ds.load(), str(path))
    assert again.half_lives == model.half_lives and math.inf in again.half_lives
    np.testing.assert_array_equal(again.posterior["share"].values, model.posterior["share"])
    # a run saved before 2026-12-06: one half-life in its priors, no weights
    old = ClassMix({"half_life": 36.0}, draws=500, random_seed=4).fit(panel).to_dataset()
    old = old.drop_vars(["half_life_weight", "half_life"])
    loaded = ClassMix.from_dataset(old, "outlook.nc")
    assert loaded.half_lives == [36.0]
    assert loaded.simulate(np.full((500, 3), 2), np.random.default_rng(0)).shape == (500, 3, 4)


def test_no_discount_is_written_any_case():
    assert ClassMix({"half_life": [12, "Inf"]}).half_lives == [12.0, math.inf]


@pytest.mark.parametrize("bad", [[], [12, -1], "soon", [12, 12.0], [None, "inf"], True])
def test_a_bad_half_life_is_refused(bad):
    with pytest.raises(ConfigError, match="half_life|half-li"):
        ClassMix({"half_life": bad})


def test_shares_drawn_first_give_the_same_class_days_as_before():
    """The simulation draws each path's shares first (to keep them beside the days): the
    same random numbers in the same order as drawing them inside ``simulate``, so every
    published class count is unchanged; fewer paths than draws resample the shares."""
    model = ClassMix(draws=300, random_seed=5).fit(_panel(np.full(120, 0.4)))
    days = np.random.default_rng(0).poisson(2.0, size=(200, 12))
    rng = np.random.default_rng(9)
    index = rng.choice(300, size=200, replace=False)  # the formula before 2026-12-07
    shares = model.posterior["share"].values[index]
    before = rng.binomial(days[:, :, None], shares[:, None, :])
    inside = model.simulate(days, np.random.default_rng(9))
    rng = np.random.default_rng(9)
    drawn = model.draw_shares(200, rng)
    np.testing.assert_array_equal(drawn, shares)
    np.testing.assert_array_equal(model.simulate(days, rng, drawn), before)
    np.testing.assert_array_equal(inside, before)
