"""Figures: predictive draws, chain plots with units, fan charts, the package's names, and
user-written labels (any script, dollar signs) drawn literally without a warning."""

from __future__ import annotations

import io
import logging
import re
import warnings

import arviz as az
import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import SEED

from forecast import __version__, noise, plots, versions
from forecast.constants import STATES
from forecast.simulation import Forecast


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


def _scenario_draws(names=("persist", "talks_resume", "my_own"), labels=None, states=None):
    """A small forecast in the layout simulate_scenarios returns (integer counts)."""
    rng = np.random.default_rng(SEED)
    months = pd.date_range("2026-01-01", periods=12, freq="MS")
    counts = rng.negative_binomial(2, 0.3, size=(len(names), 500, len(months)))
    codes = np.zeros((len(names), 500, len(months)), dtype=np.int8)
    for i, state in enumerate(states or ["no_talks"] * len(names)):
        codes[i] = STATES.index(state)
    data = xr.Dataset(
        {
            "launch_days": (("scenario", "draw", "month"), counts),
            "state": (("scenario", "draw", "month"), codes),
        },
        coords={
            "scenario": list(names),
            "month": months,
            "label": ("scenario", list(labels or names)),
        },
        attrs={"target": "launch_days", "model": "test", "initial_state": "no_talks"},
    )
    return Forecast(data)


def test_fan_chart_bands_are_nested_whole_numbers_drawn_as_steps():
    from matplotlib.colors import to_hex
    from matplotlib.patches import StepPatch

    from forecast.summaries import monthly

    ds = _scenario_draws()
    table = monthly(ds)
    values = table[["q10", "q25", "q50", "q75", "q90"]].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all(), "quantile bands must be nested"
    assert np.array_equal(values, np.round(values)), "bands of counts must be whole numbers"
    assert len(table) == len(ds.scenarios) * len(ds.months)
    history = pd.DataFrame(
        {"month": pd.date_range("2023-01-01", "2025-12-01", freq="MS"), "state": "no_talks"}
    ).assign(launch_days=1)
    ax = plots.plot_scenarios(ds, history, bands=ds.scenarios)
    steps = [p for p in ax.patches if isinstance(p, StepPatch)]
    assert len(steps) == 3 * len(ds.scenarios)  # 80% band, 50% band, mean line
    assert "bands; observed" in ax.get_title()
    # by default only the first scenario's bands: one colour per scenario, none mixed
    ax = plots.plot_scenarios(ds, history)
    steps = [p for p in ax.patches if isinstance(p, StepPatch)]
    assert len(steps) == 2 + len(ds.scenarios)
    filled = {to_hex(p.get_facecolor()) for p in steps if p.get_fill()}
    assert filled == {to_hex(plots.scenario_colors(ds.scenarios)[ds.scenarios[0]])}
    assert f"bands of '{ds.labels[ds.scenarios[0]]}'" in ax.get_title()
    assert ax.figure.axes[-1].get_xaxis().get_major_formatter() is not None
    assert ax.figure.axes[-1].get_xticklabels()[0].get_text() != ""


def test_each_scenario_keeps_its_colour_whatever_the_file():
    a = plots.scenario_colors(["persist", "talks_resume", "summit", "no_talks"])
    b = plots.scenario_colors(["summit", "mine", "talks_resume"])
    assert a["summit"] == b["summit"] and a["talks_resume"] == b["talks_resume"]
    assert b["mine"] not in (b["summit"], b["talks_resume"])
    assert plots.scenario_colors(["stalled"])["stalled"] == a["persist"]
    # the explorer's path never takes a shipped scenario's colour
    mine = plots.scenario_colors(["your_path", "no_talks", "persist"])
    assert mine["your_path"] not in (mine["no_talks"], mine["persist"])


def _hue(color: str) -> float:
    import colorsys

    from matplotlib.colors import to_rgb

    return colorsys.rgb_to_hls(*to_rgb(color))[0] * 360


def test_a_scenario_takes_a_state_hue_only_when_it_moves_to_that_state():
    """Drawn light over the shaded states, a scenario's fan must not pass for a state: the
    state held was blue, read as summitry's light blue."""
    states = {s: c for s, c in plots.STATE_COLORS.items() if s != "no_talks"}  # grey: no hue
    moves_to = {"talks_resume": "active_talks", "summit": "summitry"}
    names = [n for n in plots.SCENARIO_COLORS if n != "your_path"]
    for name in names:
        for state, shade in states.items():
            gap = abs(_hue(plots.SCENARIO_COLORS[name]) - _hue(shade))
            gap = min(gap, 360 - gap)
            if moves_to.get(name) == state:
                assert gap < 25, (name, state, gap)
            else:
                assert gap >= 25, (name, state, gap)
    # a scenario of a user's file takes the palette's free colours, state-like ones last
    free = plots.scenario_colors(["persist", "talks_resume", "summit", "a", "b", "c"])
    assert [free[n] for n in "abc"] == ["#332288", "#882255", "#C0002A"]


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
    # a skill that is not zero keeps its sign and first digit; zero is never "-0.0%"
    expected = ["+7.0% (+2.0% to +13.0%)", "-0.001% (-2.0% to +5.0%)", "+0.0%", "+0.0%"]
    assert cells.tolist() == expected


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


#: The public names of the single-module ``forecast/plots.py`` that the package replaced.
OLD_PUBLIC_NAMES = (
    "CLASS_COLUMNS",
    "CLASS_GROUPS",
    "MODEL_COLORS",
    "SCENARIO_COLORS",
    "SCENARIO_PALETTE",
    "STATES",
    "STATE_COLORS",
    "STATE_LABELS",
    "TARGET_LABELS",
    "label_rank_plot",
    "label_trace_plot",
    "plot_contrasts",
    "plot_count_distribution",
    "plot_coverage",
    "plot_days_vs_missiles",
    "plot_exercise_days",
    "plot_level",
    "plot_level_ratio",
    "plot_pit",
    "plot_predictive_bands",
    "plot_probabilities",
    "plot_rate_ratio_draws",
    "plot_scenarios",
    "plot_scores_by_horizon",
    "plot_skill",
    "plot_sources",
    "plot_state_effects",
    "plot_state_probabilities",
    "plot_timeline",
    "plot_totals",
    "scenario_colors",
    "shade_states",
    "state_legend_handles",
)


def test_every_name_of_the_old_module_is_still_importable():
    namespace: dict = {}
    exec("from forecast.plots import *", namespace)  # fails if __all__ names a missing one
    assert [name for name in OLD_PUBLIC_NAMES if name not in namespace] == []
    from forecast.plots import plot_scenarios  # as the report and the CLI do

    assert plot_scenarios is plots.scenarios.plot_scenarios


LAST_RESORT = "Last Resort High-Efficiency"
CHINESE = "和平谈判"  # "peace talks": no glyph in DejaVu Sans
DOLLARS = "$5 and $6"


def _labelled_scenarios():
    """Three scenarios, one named and labelled in Chinese, one labelled with dollar signs."""
    return _scenario_draws(
        names=("persist", CHINESE, "dollars"),
        labels=("Persist", CHINESE, DOLLARS),
        states=("no_talks", "active_talks", "stalled"),
    )


def _draw_scenario_figures(fmt: str = "png") -> list[bytes]:
    """The three scenario figures of the labelled scenarios, saved to ``fmt``."""
    ds = _labelled_scenarios()
    history = pd.DataFrame(
        {"month": pd.date_range("2024-01-01", "2025-12-01", freq="MS"), "state": "no_talks"}
    ).assign(launch_days=1)
    table = pd.DataFrame({"label": list(ds.labels.values()), "p_ge_1": [0.9, 0.5, 0.7]})
    axes = [plots.plot_scenarios(ds, history), plots.plot_totals(ds)]
    axes.append(plots.plot_probabilities(table))
    saved = []
    for ax in axes:
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format=fmt)
        saved.append(buffer.getvalue())
    return saved


@pytest.mark.skipif(
    LAST_RESORT not in plots.user_fonts(),
    reason="matplotlib < 3.10 ships no Last Resort font; forecast.noise filters the warning",
)
@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_labels_in_any_script_or_with_dollars_draw_without_a_warning(fmt, caplog):
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")  # no filter: nothing may be raised at all
        _draw_scenario_figures(fmt)
    assert [str(w.message) for w in caught] == []
    # mathtext and font lookup complain through logging ("Font 'default' does not have a glyph")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("matplotlib")] == []


def test_user_fonts_start_with_the_default_and_skip_fonts_not_installed():
    fonts = plots.user_fonts()
    assert fonts[0] == "DejaVu Sans"
    assert set(fonts) <= set(plots.FONT_FALLBACK)
    assert fonts == [f for f in plots.FONT_FALLBACK if f in fonts]  # the fallback order
    ax = plots.plot_totals(_labelled_scenarios())
    assert all(t.get_fontfamily() == fonts for t in ax.get_yticklabels())


def test_project_filters_hide_the_missing_glyph_warning_of_older_matplotlib():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        noise.install()
        warnings.warn(
            "Glyph 21644 (\\N{CJK UNIFIED IDEOGRAPH-548C}) missing from font(s) DejaVu Sans.",
            UserWarning,
            stacklevel=1,
        )
    assert caught == []


def test_dollar_signs_in_labels_are_kept_literally():
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text in the SVG
        fan, totals, heatmap = (svg.decode() for svg in _draw_scenario_figures("svg"))
    for svg in (fan, totals, heatmap):
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
        assert DOLLARS in texts  # one piece, word for word: not mathtext
        assert CHINESE in " ".join(texts)
    assert plots.literal(DOLLARS) == r"\$5 and \$6"


def test_rate_ratio_axes_read_as_plain_numbers_and_state_months_are_labelled():
    effects = pd.DataFrame(
        {
            "state": list(STATES),
            "rate_ratio_mean": [1.0, 0.7, 0.45, 0.9],
            "hdi_low": [1.0, 0.3, 0.2, 0.35],
            "hdi_high": [1.0, 1.4, 1.1, 1.6],
            "p_below_1": [0.0, 0.8, 0.9, 0.6],
        }
    )
    ax = plots.plot_state_effects(effects)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(re.fullmatch(r"\d+(\.\d+)?", text) for text in labels), labels
    assert "0.5" in labels and "1" in labels
    months = pd.date_range("2026-01-01", periods=12, freq="MS")
    states = pd.DataFrame({"month": months, **{s: 0.25 for s in STATES}})
    ax = plots.plot_state_probabilities(states)
    ax.figure.canvas.draw()
    assert any(t.get_text() for t in ax.get_xticklabels())
    assert "Jan 2026" in ax.get_title()


def test_the_family_reliability_figure_wraps_its_panels_and_reads_the_titles():
    rows = []
    for i in range(11):  # 11 families, as the question backtest has
        for lo in (0.0, 0.5):
            rows.append(
                {"family": f"f{i}", "kind": "probability", "bin_lo": lo, "bin_hi": lo + 0.5,
                 "n": 10 + i, "mean_probability": lo + 0.2, "observed_frequency": lo + 0.25,
                 "lo90": lo + 0.1, "hi90": lo + 0.4}
            )  # fmt: skip
    rows.append({**rows[0], "family": "counts", "kind": "crps"})  # not a probability: not drawn
    titles = {"f0": "Talks resume (a change into active talks or summitry) within 6 months"}
    fig = plots.plot_family_reliability(pd.DataFrame(rows), titles, span="2000-01 to 2024-12")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 12 and len(shown) == 11  # 3 rows of 4, the last panel hidden
    assert shown[0].get_title() == (
        "Talks resume (a change into active\ntalks or summitry) within 6 months"
    )
    assert shown[1].get_title() == "f1"  # no title given: the id
    assert "2000-01 to 2024-12" in fig._suptitle.get_text()
    assert [t.get_text() for t in shown[3].texts] == ["13", "13"]  # n beside each point
    matplotlib.pyplot.close(fig)


def test_state_effects_read_top_down_on_shared_axes_too():
    """Two panels sharing their y axis (notebook 06's before and after) list the states in
    the same order as one panel: inverting a shared axis twice put the last state on top."""
    effects = pd.DataFrame(
        {
            "state": ["no_talks", "stalled", "active_talks", "summitry"],
            "rate_ratio_mean": [1.0, 0.8, 0.6, 0.9],
            "hdi_low": [1.0, 0.5, 0.3, 0.4],
            "hdi_high": [1.0, 1.2, 1.1, 1.6],
        }
    )
    alone = plots.plot_state_effects(effects)
    _, (left, right) = matplotlib.pyplot.subplots(1, 2, sharey=True)
    plots.plot_state_effects(effects, ax=left)
    plots.plot_state_effects(effects, ax=right)
    for ax in (alone, left, right):
        assert ax.yaxis_inverted()
        bottom, top = ax.get_ylim()
        assert bottom > top  # row 0 (stalled) drawn at the top
    for ax in (alone, left):
        assert [t.get_text() for t in ax.get_yticklabels()][0] == "Stalled"


def test_the_count_distribution_shows_each_observed_window():
    """Models that simulate different windows are compared with the months of each window:
    the first drawn filled, the others open, each share summing to one."""
    panel = _panel()
    y = _draws(panel)
    later = panel["launch_days"].iloc[len(panel) // 2 :]
    observed = {"observed, all": panel["launch_days"], "observed, later": later}
    ax = plots.plot_count_distribution({"prior": y}, observed, interval=None)
    dots = {line.get_label(): line for line in ax.get_lines()[1:]}
    assert list(dots) == ["observed, all", "observed, later"]
    assert dots["observed, all"].get_markerfacecolor() != "none"
    assert dots["observed, later"].get_markerfacecolor() == "none"
    for label, counts in observed.items():
        shares = dots[label].get_ydata()
        assert np.isclose(shares.sum(), 1.0)
        assert np.isclose(shares[0], (counts == 0).mean())  # the share of quiet months


def test_the_totals_and_probability_figures_name_their_months():
    ds = _labelled_scenarios()
    span = f"{ds.months[0]:%b %Y} - {ds.months[-1]:%b %Y}"
    assert plots.plot_totals(ds).get_title() == f"Totals by scenario, {span}"
    table = pd.DataFrame({"label": list(ds.labels.values()), "p_ge_1": [0.9, 0.5, 0.7]})
    titled = plots.plot_probabilities(table, months=ds.months).get_title()
    assert titled == f"Event probabilities by scenario, {span}"
    assert plots.plot_probabilities(table).get_title() == "Event probabilities by scenario"
    one = plots.plot_probabilities(table, months=ds.months[:1]).get_title()
    assert one == f"Event probabilities by scenario, {ds.months[0]:%b %Y}"  # not "Jan - Jan"
    matplotlib.pyplot.close("all")
