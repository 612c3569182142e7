"""ar_level_phased: the state shift that phases in at the level's own pace (partial adjustment).

Its forward filter against hand-computed values, its graph against the same filter in NumPy,
and parameter recovery on data drawn from its own process (``simulated.ar_level_panel`` with
``phased``)."""

from __future__ import annotations

import numpy as np
import pytest
import simulated as sim
import xarray as xr
from conftest import SEED
from test_models import fit, inside_hdi

from forecast.constants import STATES
from forecast.models import get_model
from forecast.models.dynamic import ARLevelPhased
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


def test_a_held_state_keeps_its_whole_effect_and_a_change_arrives_as_one_minus_phi_to_the_k():
    stalled, talks = STATES.index("stalled"), STATES.index("active_talks")
    post = _posterior([0.8, 0.5], [-0.5, -0.5])
    held = ARLevelPhased._state_forward(None, post, {"state_idx": np.array([stalled] * 4)})
    np.testing.assert_allclose(held, -0.5)
    moved = ARLevelPhased._state_forward(None, post, {"state_idx": np.array([talks] * 3)})
    # g_k = effect(talks) + (g_0 - effect(talks)) phi^k: -0.5 -> -1.2 by 0.7 (1 - phi^k)
    expected = np.array(
        [
            [-0.5 - 0.7 * (1 - 0.8**k) for k in (1, 2, 3)],
            [-0.5 - 0.7 * (1 - 0.5**k) for k in (1, 2, 3)],
        ]
    )
    np.testing.assert_allclose(moved, expected)


def test_each_draw_follows_its_own_state_path():
    stalled, summit = STATES.index("stalled"), STATES.index("summitry")
    post = _posterior([0.5, 0.5], [0.0, 0.0])
    paths = np.array([[stalled, stalled], [summit, stalled]])
    shift = ARLevelPhased._state_forward(None, post, {"state_idx": paths})
    np.testing.assert_allclose(shift, [[-0.25, -0.375], [0.2, -0.15]])


def test_the_graph_filters_the_training_states_as_the_forecast_does():
    """``state_shift_last`` in a fit (stand-in sampler: any draws will do) is the NumPy filter
    of the training months' states with the same draws' effects and persistence."""
    panel, _ = sim.ar_level_panel(120, seed=SEED, params=sim.ar_level_params() | {"phased": True})
    model = fit_run(get_model("ar_level_phased"), panel, "mock", seed=SEED).model
    post = model.posterior.stack(sample=("chain", "draw"))
    effect = post["state_effect"].transpose("sample", "state").values
    phi = post["ar_phi"].values
    idx = np.array([STATES.index(s) for s in model.training["state"]])
    g = effect[:, idx[0]]
    for t in idx[1:]:
        g = phi * g + (1 - phi) * effect[:, t]
    np.testing.assert_allclose(post["state_shift_last"].values, g, rtol=1e-5, atol=1e-6)
    assert "state_shift_last" in model.diagnostic_vars()


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
