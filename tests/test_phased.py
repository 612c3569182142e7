"""The state shift that phases in at the level's own pace (partial adjustment): in
``ar_level_phased`` the fit's and the forecast's, in ``ar_level`` the forecast's future changes.

Its forward filter against hand-computed values, its graph against the same filter in NumPy,
and parameter recovery on data drawn from its own process (``simulated.ar_level_panel`` with
``phased``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import simulated as sim
import xarray as xr
from conftest import SEED
from test_models import fit, inside_hdi

from forecast.constants import STATES
from forecast.models import components as C
from forecast.models import get_model
from forecast.models.dynamic import ARLevel, ARLevelPhased
from forecast.runs import fit_run

EFFECT = np.array([0.0, -0.5, -1.2, 0.4])  # no_talks, stalled, active_talks, summitry


def _posterior(phi, last):
    draws = len(phi)
    return xr.Dataset(
        {
            "state_effect": (("draw", "state"), np.tile(EFFECT, (draws, 1))),
            "ar_phi": ("draw", np.asarray(phi, dtype=float)),
            "state_shift_last": ("draw", np.asarray(last, dtype=float)),
        },
        coords={"state": list(STATES)},
    )


def test_a_held_state_approaches_its_effect_and_a_change_arrives_as_one_minus_phi_to_the_k():
    stalled, talks = STATES.index("stalled"), STATES.index("active_talks")
    post = _posterior([0.8, 0.5], [-0.5, 0.1])
    held = ARLevelPhased._state_forward(None, post, {"state_idx": np.array([stalled] * 3)})
    # g_k = effect + (g_0 - effect) phi^k: draw 0 sits at stalled's effect and stays there;
    # draw 1 starts 0.6 above it and closes the gap by half each month
    np.testing.assert_allclose(held[0], -0.5)
    np.testing.assert_allclose(held[1], [-0.5 + 0.6 * 0.5**k for k in (1, 2, 3)])
    moved = ARLevelPhased._state_forward(None, post, {"state_idx": np.array([talks] * 3)})
    expected = [
        [-1.2 + 0.7 * 0.8**k for k in (1, 2, 3)],
        [-1.2 + 1.3 * 0.5**k for k in (1, 2, 3)],
    ]
    np.testing.assert_allclose(moved, expected)


def test_each_draw_follows_its_own_state_path():
    stalled, summit = STATES.index("stalled"), STATES.index("summitry")
    post = _posterior([0.5, 0.5], [0.0, 0.0])
    paths = np.array([[stalled, stalled], [summit, stalled]])
    shift = ARLevelPhased._state_forward(None, post, {"state_idx": paths})
    np.testing.assert_allclose(shift, [[-0.25, -0.375], [0.2, -0.15]])


@pytest.fixture(scope="module")
def moved_fit():
    """A stand-in fit (any draws will do) of a window that ends 20 months before its grid
    does, with a change of state after the window: the graph must stop at the window's end."""
    panel, _ = sim.ar_level_panel(120, seed=SEED, params=sim.ar_level_params() | {"phased": True})
    model = get_model("ar_level_phased", until=str(panel["month"].iloc[99])[:7])
    model.build(panel, keep_future=True)
    assert panel["state"].iloc[99:].nunique() > 1  # the state changes after the window
    return fit_run(model, None, "mock", seed=SEED).model


def test_the_graph_filters_the_training_states_as_the_forecast_does(moved_fit):
    """``state_shift_last`` is the NumPy filter of the training months' states with the same
    draws' effects and persistence, at the window's last month, not the grid's."""
    post = moved_fit.posterior.stack(sample=("chain", "draw"))
    effect = post["state_effect"].transpose("sample", "state").values
    phi = post["ar_phi"].values

    def filtered(states):
        idx = [STATES.index(s) for s in states]
        g = effect[:, idx[0]]
        for t in idx[1:]:
            g = phi * g + (1 - phi) * effect[:, t]
        return g

    assert len(moved_fit.training) == 100
    last = post["state_shift_last"].values
    np.testing.assert_allclose(last, filtered(moved_fit.training["state"]), rtol=1e-5, atol=1e-6)
    assert not np.allclose(last, filtered(moved_fit.panel["state"]), atol=1e-3)
    assert "state_shift_last" in moved_fit.diagnostic_vars()


def test_a_simulated_change_of_state_arrives_in_the_rate_at_the_level_s_pace(moved_fit):
    """Through ``simulate``: two futures that differ only in their state, with the same seed
    (the same level paths and draws), differ in log rate by (1 - phi^k) x the difference of the
    two long-run effects in month k."""
    start = moved_fit.training["month"].iloc[-1] + pd.offsets.MonthBegin(1)
    months = pd.date_range(start, periods=4, freq="MS")

    def rate(state):
        future = pd.DataFrame({"month": months, "state": state, "exercise_days": 0})
        return moved_fit.simulate(future, random_seed=SEED, draws=50)["rate"].values

    gap = np.log(rate("summitry")) - np.log(rate("active_talks"))
    post = moved_fit.posterior_draws(50, np.random.default_rng(SEED))
    effect = post["state_effect"].sel(state="summitry") - post["state_effect"].sel(
        state="active_talks"
    )
    phi = post["ar_phi"].values[:, None]
    expected = (1 - phi ** np.arange(1, 5)) * effect.values[:, None]
    np.testing.assert_allclose(gap, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.slow
def test_ar_level_phased_recovers_persistence_state_effects_and_dispersion():
    """300 months of the phased process (two eras, 94% HDIs): the long-run state effects, the
    persistence that also paces them, the innovations' sd and the dispersion."""
    params = sim.ar_level_params() | {"phased": True}
    panel, truth = sim.ar_level_panel(300, seed=SEED, params=params)
    model = fit(get_model("ar_level_phased"), panel, draws=500, tune=500)
    post = model.posterior
    inside_hdi(model, "ar_phi", params["ar_phi"])
    inside_hdi(model, "ar_sigma", params["ar_sigma"])
    inside_hdi(model, "state_effect", [params["state_effect"][s] for s in post["state"].values])
    inside_hdi(model, "alpha", params["alpha"])
    inside_hdi(model, "state_shift_last", truth["state_shift"][-1])


# --- ar_level: its fit takes a change whole, its forecast phases in the changes it is given ----


def test_partial_adjustment_closes_the_gap_by_one_minus_phi_each_month_and_keeps_a_held_target():
    start = np.array([0.1, -0.5])
    phi = np.array([0.5, 0.8])
    target = np.array([[1.1, 1.1, -0.9], [-0.5, -0.5, -0.5]])
    out = C.partial_adjustment(target, start, phi)
    # draw 0: gap 1.0 halves to 0.5, then 0.25; then the target drops to -0.9:
    # g = 0.5 * 0.85 + 0.5 * -0.9 = -0.025
    np.testing.assert_allclose(out[0], [0.6, 0.85, -0.025])
    # draw 1: a target equal to its start is returned exactly, not up to rounding
    assert np.array_equal(out[1], np.full(3, -0.5))


@pytest.fixture(scope="module")
def plain_fit():
    """``ar_level`` fitted by the stand-in sampler (any draws will do) on its own process."""
    panel, _ = sim.ar_level_panel(120, seed=SEED, params=sim.ar_level_params())
    model = get_model("ar_level")
    model.build(panel)
    return fit_run(model, None, "mock", seed=SEED).model


def _future(model, states):
    start = model.training["month"].iloc[-1] + pd.offsets.MonthBegin(1)
    months = pd.date_range(start, periods=len(states), freq="MS")
    return pd.DataFrame({"month": months, "state": states, "exercise_days": 0})


def test_ar_level_holds_the_last_state_s_whole_effect_and_phases_in_a_future_change(plain_fit):
    """Two futures with the same seed (the same level paths and draws): the state of the last
    training month held, and a change to another state in the first future month. Held, the
    log rate carries the last state's whole effect (the level and season alone make up the
    rest); changed, it is ``(1 - phi^k)`` x the step further in month ``k``."""
    last = str(plain_fit.training["state"].iloc[-1])
    new = next(s for s in STATES if s != last)
    held = plain_fit.simulate(_future(plain_fit, [last] * 4), random_seed=SEED, draws=40)
    moved = plain_fit.simulate(_future(plain_fit, [new] * 4), random_seed=SEED, draws=40)
    post = plain_fit.posterior_draws(40, np.random.default_rng(SEED))
    step = (post["state_effect"].sel(state=new) - post["state_effect"].sel(state=last)).values
    phi = post["ar_phi"].values[:, None]
    gap = np.log(moved["rate"].values) - np.log(held["rate"].values)
    np.testing.assert_allclose(gap, (1 - phi ** np.arange(1, 5)) * step[:, None], atol=1e-9)
    shift = ARLevel._state_forward(
        plain_fit, post, {"state_idx": np.array([STATES.index(last)] * 4)}
    )
    assert np.array_equal(
        shift, np.repeat(post["state_effect"].sel(state=last).values[:, None], 4, 1)
    )


def test_ar_level_phases_in_each_draw_s_own_path_from_the_last_training_state(plain_fit):
    """Paths per draw with changes after the first month, against hand-computed values: draw 0
    stays one month, then moves; draw 1 moves at once and comes back."""
    last = STATES.index(str(plain_fit.training["state"].iloc[-1]))
    new = next(i for i in range(len(STATES)) if i != last)
    effects = np.zeros((2, len(STATES)))
    effects[:, last], effects[:, new] = -0.2, 0.6  # a step of 0.8
    post = xr.Dataset(
        {"state_effect": (("draw", "state"), effects), "ar_phi": ("draw", [0.5, 0.75])},
        coords={"state": list(STATES)},
    )
    paths = np.array([[last, new, new], [new, last, last]])
    shift = ARLevel._state_forward(plain_fit, post, {"state_idx": paths})
    expected = [
        [-0.2, -0.2 + 0.5 * 0.8, -0.2 + 0.75 * 0.8],
        [-0.2 + 0.25 * 0.8, -0.2 + 0.75 * 0.25 * 0.8, -0.2 + 0.75**2 * 0.25 * 0.8],
    ]
    np.testing.assert_allclose(shift, expected)
