"""The scenario explorer: its widgets, driven from Python, give the package's own numbers.

The run is a stand-in fit of the default model (prior draws, preset ``mock``: the numbers mean
nothing, but the explorer must reproduce them exactly) with its outlook models. The notebook
cell that shows the explorer is checked where the report executes notebook 04
(``tests/test_report.py``).
"""

from __future__ import annotations

import html
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import SEED

import forecast
from forecast.explore import EXPLORER_MAX_HORIZON, PATH, Explorer, explore, widgets_shown
from forecast.scenarios import parse_scenarios, simulate_scenarios
from forecast.summaries import compare, describe, totals

#: The columns of a headline row the explorer shows.
NUMBERS = ["mean", "median", "q10", "q90", "p_any"]


@pytest.fixture(scope="module")
def run(panel):
    from forecast.models import get_model
    from forecast.runs import fit_outlook, fit_run

    model = fit_run(get_model("ar_level"), panel, "mock", seed=SEED).model
    return model, fit_outlook(model)


@pytest.fixture
def explorer(run):
    model, outlook = run
    return explore(model, outlook, random_seed=SEED, static=False, show=False)


def _months(explorer, n):
    return [f"{m:%Y-%m}" for m in explorer.all_months[:n]]


def _same_path(explorer, steps: dict, horizon: int, draws=None):
    """The package's own forecast of a path written as a scenario file (a step function)
    beside the last observed state persisting, with the explorer's seed."""
    model, outlook = explorer.model, explorer.outlook
    path_label, ref_label = list(explorer.summary["label"])
    spec = {
        "horizon": horizon,
        "scenarios": {
            PATH: {"label": path_label, "states": steps},
            "persist": {"label": ref_label},
        },
    }
    return simulate_scenarios(
        model, parse_scenarios(spec), random_seed=SEED, draws=draws, outlook=outlook
    )


def test_the_widgets_give_the_package_numbers_for_the_same_path(explorer):
    """Set months by hand and the horizon, as a user would; the explorer's totals and its
    comparison are those of ``simulate_scenarios`` on the same path (same seed, same draws)."""
    months = _months(explorer, 9)
    for i in range(2, 6):
        explorer.month_states[i].value = "active_talks"
    explorer.month_states[6].value = "summitry"
    explorer.horizon.value = 9
    assert (
        explorer.states == ["no_talks"] * 2 + ["active_talks"] * 4 + ["summitry"] + ["no_talks"] * 2
    )
    steps = {
        months[0]: "no_talks",
        months[2]: "active_talks",
        months[6]: "summitry",
        months[7]: "no_talks",
    }
    theirs = _same_path(explorer, steps, 9)
    assert len(explorer.forecast.months) == 9 and explorer.forecast.n_draws == 100
    pd.testing.assert_frame_equal(explorer.summary, totals(theirs).table)
    pd.testing.assert_frame_equal(explorer.comparison.table, compare(theirs, "persist").table)
    assert explorer.comparison.text == compare(theirs, "persist").text
    # the numbers shown are the table's
    shown = explorer.numbers.value
    row = explorer.summary.iloc[0]
    assert f"<td>{row['mean']:.1f}</td>" in shown
    assert f"{row['q10']:.0f} to {row['q90']:.0f}" in shown
    assert html.escape(row["label"]) in shown  # the path in words
    words = row["label"].split(", then ")
    assert [w.rsplit(" ", 2)[0] for w in words] == [
        "No talks",
        "active talks",
        "summitry",
        "no talks",
    ]
    assert "persists" in shown and "P(at least one)" in shown


def test_icbm_launch_days_come_from_the_same_simulation(explorer):
    explorer.preset.value = "all_active_talks"
    explorer.quantity.value = "ICBM_launch_days"
    months = _months(explorer, 12)
    theirs = _same_path(explorer, {months[0]: "active_talks"}, 12)
    icbm = theirs.data["class_counts"].sel(weapon_class="ICBM").sum("month")
    for scenario, row in zip([PATH, "persist"], explorer.summary.to_dict("records"), strict=True):
        expected = describe(icbm.sel(scenario=scenario).values)
        assert [row[k] for k in NUMBERS] == [expected[k] for k in NUMBERS], scenario
    assert "ICBM launch days" in explorer.numbers.value
    assert "ICBM launch days" in explorer.comparison.text[0]
    # the path against the reference by the ICBM launch days each expects (paired draw by
    # draw), not by the simulated days (noise after the first month that differs)
    expected = theirs.expected_class_days("ICBM").sum("month")
    diff = (expected.sel(scenario=PATH) - expected.sel(scenario="persist")).values
    row = explorer.comparison.table.set_index("scenario").loc[PATH]
    np.testing.assert_allclose(row["diff_mean"], diff.mean())
    assert row["p_more"] == pytest.approx((diff > 0).mean())


def test_the_shipped_paths_give_the_reports_numbers(explorer):
    """Start from a shipped path and compare with a shipped scenario: the numbers are those of
    the same scenarios in the simulation of ``scenarios/current.yaml`` (the reference keeps
    its own exercises: the summit's scaled-down spring)."""
    from forecast.explorer_paths import SHIPPED_SCENARIOS
    from forecast.scenarios import load_scenarios

    explorer.set(preset="talks_resume", reference="summit")
    report = simulate_scenarios(
        explorer.model,
        load_scenarios(SHIPPED_SCENARIOS),
        random_seed=SEED,
        outlook=explorer.outlook,
    )
    theirs = totals(report).table.set_index("scenario")[NUMBERS]
    mine = explorer.summary.set_index("scenario")[NUMBERS]
    assert mine.loc["summit"].tolist() == theirs.loc["summit"].tolist()
    assert mine.loc[PATH].tolist() == theirs.loc["talks_resume"].tolist()
    assert explorer.summary["label"].iloc[1] == report.labels["summit"]


def test_fewer_draws_are_the_same_subsample_as_the_package(run):
    model, outlook = run
    explorer = explore(model, outlook, random_seed=SEED, draws=60, static=False, show=False)
    explorer.set(path=["stalled"] * 3, horizon=6)
    months = _months(explorer, 6)
    steps = {months[0]: "stalled", months[3]: "no_talks"}
    theirs = _same_path(explorer, steps, 6, draws=60)
    assert explorer.forecast.n_draws == 60
    pd.testing.assert_frame_equal(explorer.summary, totals(theirs).table)


def test_a_preset_or_a_setting_updates_once_and_the_horizon_hides_months(explorer, monkeypatch):
    calls = []
    update = Explorer.update
    monkeypatch.setattr(Explorer, "update", lambda self: calls.append(1) or update(self))
    explorer.preset.value = "all_summitry"  # 24 month widgets change: one update
    assert len(calls) == 1 and explorer.states == ["summitry"] * 12
    explorer.horizon.value = 4
    assert len(calls) == 2
    hidden = [c.layout.display == "none" for c in explorer.month_states]
    assert hidden == [False] * 4 + [True] * (EXPLORER_MAX_HORIZON - 4)
    explorer.set(reference="all_active_talks", horizon=5)
    assert len(calls) == 3 and explorer.reference.value == "all_active_talks"
    assert list(explorer.summary["scenario"]) == [PATH, "all_active_talks"]
    assert explorer.timings["update"] > 0 and explorer.timings["precompute"] > 0
    assert set(explorer.timings) >= {"simulate", "summaries", "figure", "update"}
    assert explorer.png.startswith(b"\x89PNG") and explorer.image.value == explorer.png


def test_the_reference_is_simulated_once_per_horizon(explorer):
    """A change of the path re-simulates the path only; the reference is kept."""
    before = explorer._reference("persist", 12)
    explorer.month_states[0].value = "stalled"
    assert explorer._reference("persist", 12) is before
    np.testing.assert_array_equal(
        explorer.forecast.counts.sel(scenario="persist").values, before["launch_days"][0].values
    )


def test_headless_it_makes_no_widget_and_shows_the_starting_path(run):
    """Under papermill (no front end), no widget is created: the notebook page shows the
    figure and the table, with nothing a browser would have to draw."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    model, outlook = run
    assert not widgets_shown()  # no kernel here
    InteractiveShell.instance()
    with capture_output() as captured:
        explorer = explore(model, outlook, random_seed=SEED)
    assert explorer.widget is None and not hasattr(explorer, "month_states")
    kinds = [sorted(o.data) for o in captured.outputs]
    assert ["image/png", "text/plain"] in kinds and ["text/html", "text/plain"] in kinds
    html = next(o.data["text/html"] for o in captured.outputs if "text/html" in o.data)
    assert "80% interval" in html and "The last observed state" in html
    explorer.set(preset="all_stalled")  # still explorable from code
    assert explorer.states == ["stalled"] * 12


def test_widgets_are_shown_when_a_front_end_sends_the_cell(monkeypatch):
    import IPython

    class Kernel:
        def __init__(self, metadata):
            self.metadata = metadata

        def get_parent(self, channel):
            return {"header": {}, "metadata": self.metadata}

    class Shell:
        kernel = None

    shell = Shell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    shell.kernel = Kernel({"cellId": "0ebfee89", "deletedCells": []})  # JupyterLab
    assert widgets_shown()
    shell.kernel = Kernel({})  # papermill / nbclient
    assert not widgets_shown()


def test_import_forecast_stays_light_and_explore_is_callable():
    code = (
        "import sys, forecast\n"
        "heavy = [m for m in ('ipywidgets', 'matplotlib.pyplot', 'forecast.explore') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert callable(forecast.explore)\n"
        "import forecast.explore as module\n"
        "assert callable(forecast.explore) and module.Explorer\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert callable(forecast.explore) and forecast.explore.explore is explore


def test_a_run_folder_is_loaded_with_its_outlook(tiny_run):
    """``explore(RUN_DIR)``: the fit and its outlook models from the folder (the stand-in
    run is a constant rate: no state effect, so every path gives the same numbers)."""
    explorer = explore(tiny_run, random_seed=SEED, static=False, show=False)
    explorer.set(preset="all_summitry")
    assert set(explorer.quantities) >= {"launch_days", "ICBM_launch_days"}
    first, second = explorer.summary[NUMBERS].to_numpy()
    np.testing.assert_array_equal(first, second)


def test_from_today_the_shipped_paths_give_the_numbers_of_the_scenarios_from_today(run):
    """With ``today`` months after the data's end, a path starts in today's month (the months
    between simulated with the last observed state, and not shown): the shipped paths then give
    the numbers of the report's scenarios from today (``scenarios.from_today``), to the digit."""
    from conftest import STALE_TODAY

    from forecast.explorer_paths import SHIPPED_SCENARIOS
    from forecast.scenarios import from_today, load_scenarios

    model, outlook = run
    explorer = explore(
        model, outlook, random_seed=SEED, static=False, show=False, today=STALE_TODAY
    )
    assert explorer.lead == 10 and str(explorer.all_months[0]) == "2026-11"
    explorer.set(preset="talks_resume", reference="summit")
    assert explorer.forecast.months[0] == pd.Period("2026-11", "M")
    assert len(explorer.forecast.months) == 12
    started = from_today(load_scenarios(SHIPPED_SCENARIOS), model.last_month + 1, STALE_TODAY)
    report = simulate_scenarios(model, started, random_seed=SEED, outlook=outlook)
    theirs = totals(report).table.set_index("scenario")[NUMBERS]
    mine = explorer.summary.set_index("scenario")[NUMBERS]
    assert mine.loc["summit"].tolist() == theirs.loc["summit"].tolist()
    assert mine.loc[PATH].tolist() == theirs.loc["talks_resume"].tolist()
    said = " ".join(explorer.numbers.value.split())
    assert "November 2026 to October 2027" in said
    assert "the 10 months since the data's end (January 2026 to October 2026)" in said
    # the figure marks the same months where they lie, between the data and the path
    ax = explorer.figure()
    gap = [t.get_text() for t in ax.texts if "not in the data" in t.get_text()]
    assert gap == ["January 2026 to October 2026:\nnot in the data,\nsimulated first,\nnot shown"]
    # without ``today`` the path starts after the data, as before, and nothing is marked
    after = explore(model, outlook, random_seed=SEED, static=True, show=False)
    assert after.lead == 0
    assert not [t for t in after.figure().texts if "not in the data" in t.get_text()]
