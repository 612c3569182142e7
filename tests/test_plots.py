"""Figures: predictive draws over training months, and ArviZ's chain plots with units."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr
from conftest import SEED

from forecast import __version__, plots, versions


def _panel(n: int = 36) -> pd.DataFrame:
    months = pd.date_range("2020-01-01", periods=n, freq="MS")
    rng = np.random.default_rng(SEED)
    return pd.DataFrame({"month": months, "state": "no_talks", "launch_days": rng.poisson(1.0, n)})


def _draws(panel: pd.DataFrame) -> xr.DataArray:
    """Predictive draws as a model gives them: over the training months, ``train_month``."""
    rng = np.random.default_rng(SEED)
    values = rng.poisson(1.0, (2, 50, len(panel)))
    return xr.DataArray(
        values, dims=("chain", "draw", "train_month"), coords={"train_month": panel["month"]}
    )


def test_predictive_figures_read_draws_over_training_months():
    panel = _panel()
    y = _draws(panel)
    ax = plots.plot_predictive_bands(y, panel, label="Posterior predictive", by_year=True)
    assert ax.get_ylabel() == "Launch days per year"
    assert ax.get_xlabel() == "Year"
    ax = plots.plot_count_distribution({"posterior predictive": y}, panel["launch_days"])
    shares = ax.get_lines()[0].get_ydata()
    assert np.isclose(np.nansum(shares), 1.0)  # every simulated month counted once


def _posterior() -> xr.DataTree:
    rng = np.random.default_rng(SEED)
    states = ["no_talks", "stalled"]
    post = xr.Dataset(
        {
            "alpha": (("chain", "draw"), rng.gamma(2.0, 1.0, (2, 100))),
            "state_effect": (("chain", "draw", "state"), rng.normal(0, 1, (2, 100, 2))),
        },
        coords={"chain": [0, 1], "draw": np.arange(100), "state": states},
    )
    return xr.DataTree.from_dict({"posterior": post})


UNITS = {"alpha": "NB shape (no unit)", "state_effect": "log rate ratio vs no talks"}


def test_trace_plot_gets_units_and_a_chain_legend():
    pc = az.plot_trace_dist(
        _posterior(),
        var_names=["alpha", "state_effect"],
        coords={"state": ["stalled"]},
        compact=False,
    )
    fig = plots.label_trace_plot(pc, UNITS)
    xlabels = {ax.get_xlabel() for ax in fig.axes}
    ylabels = {ax.get_ylabel() for ax in fig.axes}
    assert {"NB shape (no unit)", "log rate ratio vs no talks", "Draw (after tuning)"} <= xlabels
    assert {"Density", "NB shape (no unit)", "log rate ratio vs no talks"} <= ylabels
    assert "state_effect[stalled]" in {ax.get_title() for ax in fig.axes}
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert [t.get_text() for t in legends[0].get_texts()] == ["chain 0", "chain 1"]


def test_rank_plot_gets_axis_labels_and_a_chain_legend():
    pc = az.plot_rank(_posterior(), var_names=["alpha", "state_effect"])
    fig = plots.label_rank_plot(pc, UNITS)
    labelled = [ax for ax in fig.axes if ax.get_xlabel()]
    assert len(labelled) == 3  # alpha and two states
    assert all(ax.get_ylabel() == "ECDF - uniform CDF" for ax in labelled)
    assert any("(log rate ratio vs no talks)" in ax.get_title() for ax in labelled)
    assert any(ax.get_legend() is not None for ax in fig.axes)


def test_versions_names_the_running_package():
    assert versions()["forecast"] == __version__


def _scenario_draws():
    """A small scenario simulation as simulate_scenarios returns it (integer counts)."""
    rng = np.random.default_rng(SEED)
    months = pd.date_range("2026-01-01", periods=12, freq="MS")
    names = ["persist", "talks_resume", "my_own"]
    counts = rng.negative_binomial(2, 0.3, size=(len(names), 500, len(months)))
    ds = xr.Dataset(
        {
            "counts": (("scenario", "draw", "month"), counts),
            "state": (("scenario", "month"), np.full((len(names), len(months)), "no_talks")),
        },
        coords={"scenario": names, "month": months, "label": ("scenario", names)},
    )
    ds.attrs["target"] = "launch_days"
    return ds


def test_fan_chart_bands_are_nested_whole_numbers_drawn_as_steps():
    from matplotlib.patches import StepPatch

    ds = _scenario_draws()
    table = plots.band_table(ds)
    levels = [plots.band_column(q) for q in plots.BAND_LEVELS]
    values = table[levels].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all(), "quantile bands must be nested"
    assert np.array_equal(values, np.round(values)), "bands of counts must be whole numbers"
    assert len(table) == ds.sizes["scenario"] * ds.sizes["month"]
    history = pd.DataFrame(
        {"month": pd.date_range("2023-01-01", "2025-12-01", freq="MS"), "state": "no_talks"}
    ).assign(launch_days=1)
    ax = plots.plot_scenarios(ds, history)
    steps = [p for p in ax.patches if isinstance(p, StepPatch)]
    assert len(steps) == 3 * ds.sizes["scenario"]  # 80% band, 50% band, mean line
    assert ax.figure.axes[-1].get_xaxis().get_major_formatter() is not None
    assert ax.figure.axes[-1].get_xticklabels()[0].get_text() != ""


def test_each_scenario_keeps_its_colour_whatever_the_file():
    a = plots.scenario_colors(["persist", "talks_resume", "summit", "no_talks"])
    b = plots.scenario_colors(["summit", "mine", "talks_resume"])
    assert a["summit"] == b["summit"] and a["talks_resume"] == b["talks_resume"]
    assert b["mine"] not in (b["summit"], b["talks_resume"])
    assert plots.scenario_colors(["stalled"])["stalled"] == a["persist"]


def test_skill_figure_and_interval_cells():
    from forecast.present import with_interval

    table = pd.DataFrame(
        {
            "model": ["ar_level", "ar_level", "recent_rate", "recent_rate"],
            "band": ["1-3", "4-6", "1-3", "4-6"],
            "crps_skill": [0.07, -0.00001, 0.0, 0.0],
            "crps_skill_lo": [0.02, -0.02, np.nan, np.nan],
            "crps_skill_hi": [0.13, 0.05, np.nan, np.nan],
        }
    )
    ax = plots.plot_skill(table)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1-3", "4-6"]
    assert "baseline" in ax.get_ylabel()
    cells = with_interval(
        table["crps_skill"], table["crps_skill_lo"], table["crps_skill_hi"], 1, percent=True
    )
    assert cells.tolist() == ["+7.0% (+2.0% to +13.0%)", "+0.0% (-2.0% to +5.0%)", "+0.0%", "+0.0%"]


def test_monthly_level_is_drawn_month_by_month():
    panel = _panel(24)
    rng = np.random.default_rng(SEED)
    level = xr.DataArray(
        rng.normal(0, 0.1, (2, 30, 24)),
        dims=("chain", "draw", "month"),
        coords={"month": panel["month"].to_numpy()},
    )
    ax = plots.plot_level(level, panel)
    assert "month by month" in ax.get_title()


def test_level_ratio_is_one_for_the_same_level():
    panel = _panel(24)
    rng = np.random.default_rng(SEED)
    level = xr.DataArray(
        rng.normal(0, 0.1, (2, 30, 24)),
        dims=("chain", "draw", "month"),
        coords={"month": panel["month"].to_numpy()},
    )
    ax = plots.plot_level_ratio(level, level, panel, labels=("a", "b"))
    np.testing.assert_allclose(ax.patches[-1].get_data()[0], 1.0)
