"""The style's colours and axes in the figures of notebooks 02 and 03: a model's one colour
(and a fallback for other labels), rate-ratio ticks whose labels do not touch, the default
units of the trace and rank plots, and prior predictive counts as arrays."""

from __future__ import annotations

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import SEED
from matplotlib.colors import to_hex

from forecast import plots
from forecast.plots.fit import PARAMETER_UNITS
from forecast.plots.style import (
    MODEL_COLORS,
    SERIES_PALETTE,
    STATE_COLORS,
    model_colors,
    ratio_axis,
    ratio_ticks,
)

#: matplotlib's default colour cycle (C0, C1, ...): blue, orange and green near the shades of
#: summitry, stalled and active talks.
DEFAULT_CYCLE = [to_hex(c) for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]]


def _panel(n: int = 36) -> pd.DataFrame:
    months = pd.date_range("2020-01-01", periods=n, freq="MS")
    rng = np.random.default_rng(SEED)
    return pd.DataFrame({"month": months, "state": "no_talks", "launch_days": rng.poisson(1.0, n)})


def _draws(panel: pd.DataFrame, seed: int = SEED) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    values = rng.poisson(1.0, (1, 50, len(panel)))
    return xr.DataArray(
        values, dims=("chain", "draw", "train_month"), coords={"train_month": panel["month"]}
    )


def test_model_colors_give_each_model_its_style_colour_and_others_a_free_one():
    colors = model_colors(["ar_level", "default prior", "state_rate", "too wide prior"])
    assert colors["ar_level"] == MODEL_COLORS["ar_level"]
    assert colors["state_rate"] == MODEL_COLORS["state_rate"]  # the style's strings as written
    assert [colors["default prior"], colors["too wide prior"]] == list(SERIES_PALETTE[:2])
    assert not {to_hex(c) for c in SERIES_PALETTE} & {to_hex(c) for c in MODEL_COLORS.values()}
    palette = {to_hex(c) for c in SERIES_PALETTE}
    assert not palette & {to_hex(c) for c in [*STATE_COLORS.values(), *DEFAULT_CYCLE]}


def test_count_distribution_draws_each_model_in_its_style_colour():
    panel = _panel()
    predictive = {
        "ar_level": _draws(panel),
        "state_rate": _draws(panel, SEED + 1),
        "not_a_model": _draws(panel, SEED + 2),
    }
    ax = plots.plot_count_distribution(predictive, panel["launch_days"], interval=0.8)
    lines = {line.get_label(): to_hex(line.get_color()) for line in ax.get_lines()}
    assert lines["ar_level"] == to_hex(MODEL_COLORS["ar_level"])
    assert lines["state_rate"] == to_hex(MODEL_COLORS["state_rate"])
    assert lines["not_a_model"] == to_hex(SERIES_PALETTE[0])  # the fallback: the palette's first
    bands = [to_hex(band.get_facecolor()[0]) for band in ax.collections]
    expected = [MODEL_COLORS["ar_level"], MODEL_COLORS["state_rate"], SERIES_PALETTE[0]]
    assert bands == [to_hex(c) for c in expected]
    plt.close(ax.figure)


def test_rate_ratio_draws_take_their_colours_from_the_style():
    rng = np.random.default_rng(SEED)
    draws = {
        "default prior": np.exp(rng.normal(0, 0.5, 2000)),
        "too wide prior": np.exp(rng.normal(0, 5, 2000)),
        "ar_level": np.exp(rng.normal(0, 0.05, 2000)),
    }
    ax = plots.plot_rate_ratio_draws(draws)
    edges = [to_hex(patch.get_edgecolor()) for patch in ax.patches]
    assert edges == [to_hex(c) for c in model_colors(draws).values()]
    assert edges[2] == to_hex(MODEL_COLORS["ar_level"])
    assert not set(edges) & {to_hex(c) for c in [*DEFAULT_CYCLE, *STATE_COLORS.values()]}
    plt.close(ax.figure)


def _overlaps(labels) -> list[tuple[str, str]]:
    boxes = [(t.get_text(), t.get_window_extent()) for t in labels if t.get_text()]
    boxes.sort(key=lambda b: b[1].x0)
    pairs = zip(boxes, boxes[1:], strict=False)
    return [(a, b) for (a, box_a), (b, box_b) in pairs if box_a.x1 >= box_b.x0]


def test_rate_ratio_axis_tick_labels_do_not_overlap():
    """Six decades (the edge bins at 1/1000 and 1000) on a 9-inch figure: the powers of ten,
    not 0.01 and 0.02 side by side ("0.010.02")."""
    rng = np.random.default_rng(SEED)
    ax = plots.plot_rate_ratio_draws({"wide": np.exp(rng.normal(0, 5, 2000))})
    ax.figure.canvas.draw()
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert [t.get_text() for t in labels] == ["0.001", "0.01", "0.1", "1", "10", "100", "1000"]
    assert _overlaps(labels) == []
    ax.figure.set_size_inches(3, 3)  # a small figure keeps fewer labels, still apart
    ratio_axis(ax)
    ax.figure.canvas.draw()
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert [t.get_text() for t in labels] == ["0.01", "1", "100"]
    assert _overlaps(labels) == []
    plt.close(ax.figure)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.4, 3.5, [0.5, 1, 1.5, 2, 3]),  # a state-effects axis: every tick fits
        (0.005, 60, [0.01, 0.1, 1, 10]),  # four decades on 400 points: powers of ten
    ],
)
def test_ratio_ticks_keep_every_tick_that_fits(low, high, expected):
    assert ratio_ticks(low, high, length=400, fontsize=10) == expected


def test_state_effects_keep_their_plain_ticks():
    effects = pd.DataFrame(
        {
            "state": ["no_talks", "stalled", "active_talks", "summitry"],
            "rate_ratio_mean": [1.0, 0.8, 0.6, 0.7],
            "hdi_low": [1.0, 0.2, 0.1, 0.35],
            "hdi_high": [1.0, 1.5, 1.2, 3.4],
        }
    )
    ax = plots.plot_state_effects(effects)
    ax.figure.canvas.draw()
    texts = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert texts == ["0.1", "0.2", "0.5", "1", "1.5", "2", "3"]
    assert _overlaps(ax.get_xticklabels()) == []
    plt.close(ax.figure)


def _posterior() -> xr.DataTree:
    rng = np.random.default_rng(SEED)
    post = xr.Dataset(
        {
            "ar_phi": (("chain", "draw"), rng.beta(9, 1, (2, 100))),
            "state_effect": (("chain", "draw", "state"), rng.normal(0, 1, (2, 100, 2))),
            "unlisted": (("chain", "draw"), rng.normal(0, 1, (2, 100))),
        },
        coords={"chain": [0, 1], "draw": np.arange(100), "state": ["no_talks", "stalled"]},
    )
    return xr.DataTree.from_dict({"posterior": post})


def test_trace_and_rank_plots_label_the_units_by_default():
    names = ["ar_phi", "state_effect", "unlisted"]
    pc = az.plot_trace_dist(
        _posterior(), var_names=names, coords={"state": ["stalled"]}, compact=False
    )
    fig = plots.label_trace_plot(pc)
    xlabels = {ax.get_xlabel() for ax in fig.axes}
    assert {PARAMETER_UNITS["ar_phi"], PARAMETER_UNITS["state_effect"], "unlisted"} <= xlabels
    plt.close(fig)
    pc = az.plot_rank(_posterior(), var_names=names, coords={"state": ["stalled"]})
    fig = plots.label_rank_plot(pc)
    titles = {ax.get_title() for ax in fig.axes}
    assert f"ar_phi\n({PARAMETER_UNITS['ar_phi']})" in titles
    assert "unlisted" in titles  # no unit: its name alone
    plt.close(fig)


def test_prior_counts_as_an_array_draw_as_the_dataarray_does():
    """``model.prior_predictive_counts`` gives (draws, months) arrays: the figures read them
    over the panel's months, as they read the DataArray of the same draws."""
    panel = _panel()
    y = _draws(panel)
    counts = y.values.reshape(-1, len(panel))
    a = plots.plot_predictive_bands(y, panel, by_year=True)
    b = plots.plot_predictive_bands(counts, panel, by_year=True)
    for pa, pb in zip(a.patches, b.patches, strict=True):
        np.testing.assert_array_equal(pa.get_path().vertices, pb.get_path().vertices)
    a = plots.plot_count_distribution({"ar_level": y}, panel["launch_days"])
    b = plots.plot_count_distribution({"ar_level": counts}, panel["launch_days"])
    np.testing.assert_array_equal(a.get_lines()[0].get_ydata(), b.get_lines()[0].get_ydata())
    with pytest.raises(ValueError, match="35 months given"):
        plots.plot_predictive_bands(counts, panel.iloc[1:])
    plt.close("all")
