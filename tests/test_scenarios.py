"""Scenarios: validation, analytic moments of the simulation, seeding, summaries, ordering."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest
import simulated as sim
import yaml
from conftest import REPO, SEED

from forecast.constants import STATE_LABELS, STATES
from forecast.errors import ConfigError
from forecast.models import get_model
from forecast.scenarios import load_scenarios, parse_scenarios, simulate_scenarios
from forecast.summaries import compare, monthly, probabilities, totals

N_DRAWS = 40_000


def fixed_state_model(panel, level=0.6931471805599453, effects=(0.0, -0.5, -1.2, 0.4), alpha=3.0):
    """A state_rate model whose posterior is one known point (no level drift; level log 2)."""
    model = get_model("state_rate")
    model.build(panel)
    years = model.design().years
    point = {
        "level": np.full(len(years), level),
        "level_step_sd": 0.0,
        "state_effect": np.asarray(effects),
        "season": np.zeros(12),
        "beta_exercise": 0.0,
        "alpha": alpha,
    }
    # the one point repeated N_DRAWS times: simulations never resample a posterior upwards
    model.idata = az.from_dict(
        {
            "posterior": {
                k: np.broadcast_to(np.asarray(v, dtype=float), (1, N_DRAWS, *np.shape(v))).copy()
                for k, v in point.items()
            }
        },
        dims={"level": ["year"], "state_effect": ["state"], "season": ["month_of_year"]},
        coords={"year": years, "state": list(STATES), "month_of_year": np.arange(1, 13)},
    )
    return model


@pytest.fixture(scope="module")
def sim_panel():
    return sim.state_panel(120, seed=SEED)


@pytest.fixture(scope="module")
def model(sim_panel):
    return fixed_state_model(sim_panel)


def scenario_set(start="2010-01", horizon=12, **scenarios):
    return parse_scenarios({"start": start, "horizon": horizon, "scenarios": scenarios})


def test_simulated_mean_and_variance_match_the_negative_binomial(model):
    spec = scenario_set(stalled={"states": {"2010-01": "stalled"}})
    fc = simulate_scenarios(model, spec, random_seed=SEED, draws=N_DRAWS)
    y = fc.counts.sel(scenario="stalled").values  # (draw, month), all months alike
    mu = 2.0 * np.exp(-0.5)
    alpha = 3.0
    var = mu + mu**2 / alpha
    se_mean = np.sqrt(var / y.size)
    assert abs(y.mean() - mu) < 4 * se_mean
    assert abs(y.var() / var - 1) < 0.03
    np.testing.assert_allclose(fc.data["rate"].values, mu)
    assert fc.target == "launch_days" and list(fc.data[fc.target].dims) == [
        "scenario",
        "draw",
        "month",
    ]


def test_same_seed_same_output_and_different_seed_differs(model):
    spec = scenario_set(a={"states": {"2010-01": "stalled"}}, b={})
    one = simulate_scenarios(model, spec, random_seed=5, draws=500)
    two = simulate_scenarios(model, spec, random_seed=5, draws=500)
    three = simulate_scenarios(model, spec, random_seed=6, draws=500)
    np.testing.assert_array_equal(one.counts.values, two.counts.values)
    assert not np.array_equal(one.counts.values, three.counts.values)
    pd.testing.assert_frame_equal(totals(one).table, totals(two).table)


def test_ordering_follows_the_state_effects(model):
    spec = scenario_set(**{s: {"label": s, "states": {"2010-01": s}} for s in STATES}, horizon=24)
    fc = simulate_scenarios(model, spec, random_seed=SEED, draws=4000)
    means = totals(fc).table.set_index("scenario")["mean"]
    # true effects: summitry +0.4 > no_talks 0 > stalled -0.5 > active_talks -1.2
    assert list(means.sort_values().index) == ["active_talks", "stalled", "no_talks", "summitry"]
    assert compare(fc, "active_talks").table.set_index("scenario").loc["summitry", "p_more"] > 0.95
    comp = compare(fc, "no_talks").table.set_index("scenario")
    np.testing.assert_allclose(comp.loc["summitry", "rate_ratio"], np.exp(0.4), rtol=1e-9)


@pytest.fixture(scope="module")
def same_base_talks(model):
    """Three fixed paths over 12 months from 2010-01: 'Same' and 'Base' both no talks,
    'Talks' active talks (-1.2 on the log rate), 2,000 draws."""
    spec = scenario_set(
        same={"label": "Same", "states": {"2010-01": "no_talks"}},
        base={"label": "Base", "states": {"2010-01": "no_talks"}},
        talks={"label": "Talks", "states": {"2010-01": "active_talks"}},
        horizon=12,
    )
    return simulate_scenarios(model, spec, random_seed=SEED, draws=2000)


def test_against_a_reference_in_numbers_and_words(same_base_talks):
    fc = same_base_talks
    result = compare(fc, "base")
    table = result.table.set_index("scenario")
    words = dict(zip(result.table["scenario"], result.text, strict=True))
    assert list(table.index) == ["same", "talks"]
    total = fc.data["rate"].sum("month")  # the expected totals, draw by draw
    diff = (total.sel(scenario="talks") - total.sel(scenario="base")).values
    row = table.loc["talks"]
    np.testing.assert_allclose(row["diff_mean"], diff.mean())
    np.testing.assert_allclose(row["p_more"], (diff > 0).mean())
    np.testing.assert_allclose(row["diff_lo"], np.quantile(diff, 0.10))  # the 80% interval
    # active talks -1.2 on the log rate: fewer launch days, at exp(-1.2) times the rate
    assert row["diff_mean"] < 0
    assert words["talks"].startswith(
        f"'Talks': {abs(diff.mean()):.1f} fewer launch days expected than 'Base' on average "
        f"(80% interval: {abs(row['diff_lo']):.1f} fewer to {abs(row['diff_hi']):.1f} "
        f"{'fewer' if row['diff_hi'] < 0 else 'more'}); "
        f"{row['p_more']:.0%} of the simulations expect more"
    )
    assert f"{np.exp(-1.2):.2f} times the reference's" in words["talks"]
    assert words["same"] == (
        "'Same': the same forecast as 'Base' in every simulation, no difference."
    )
    with pytest.raises(ConfigError, match="no scenario 'nope'"):
        compare(fc, "nope")


def test_summaries_are_ordered_and_consistent_with_p_any(model):
    spec = scenario_set(
        low={"states": {"2010-01": "active_talks"}},
        high={"states": {"2010-01": "summitry"}},
        horizon=6,
    )
    fc = simulate_scenarios(model, spec, random_seed=SEED, draws=4000)
    table = totals(fc).table
    q = table[["q10", "q25", "q50", "q75", "q90"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    for row in table.itertuples():
        # P(total >= 1) >= 0.9 exactly when the 10% quantile is at least 1
        assert (row.q10 >= 1) == (row.p_any >= 0.9)
        assert (row.q50 >= 1) == (row.p_any >= 0.5)
        assert row.median == row.q50 and row.n == 4000
    by_month = monthly(fc)
    assert len(by_month) == 2 * 6
    assert (by_month["q10"] <= by_month["q25"]).all() and (by_month["q75"] <= by_month["q90"]).all()
    probs = probabilities(fc)
    p = probs[["p_ge_1", "p_ge_5", "p_ge_10", "p_ge_20"]].to_numpy()
    assert (np.diff(p, axis=1) <= 0).all()
    np.testing.assert_allclose(probs["p_ge_1"], table["p_any"])


def test_no_states_means_the_last_observed_state_persists(model, sim_panel):
    last = sim_panel["state"].iloc[-1]
    spec = scenario_set(persist={}, explicit={"states": {"2010-01": last}})
    fc = simulate_scenarios(model, spec, random_seed=SEED, draws=300)
    np.testing.assert_array_equal(
        fc.counts.sel(scenario="persist").values, fc.counts.sel(scenario="explicit").values
    )


def test_gap_months_before_start_are_simulated_and_dropped(model):
    spec = scenario_set(start="2010-04", horizon=3, s={"states": {"2010-04": "stalled"}})
    fc = simulate_scenarios(model, spec, random_seed=SEED, draws=100)
    assert list(fc.months.strftime("%Y-%m")) == [
        "2010-04",
        "2010-05",
        "2010-06",
    ]


def test_start_before_the_fitted_data_is_refused(model):
    with pytest.raises(ConfigError, match="refit with --until 2009-05"):
        simulate_scenarios(model, scenario_set(start="2009-06", s={}), draws=10)


def test_a_month_after_the_horizon_is_refused_not_ignored(model):
    with pytest.raises(ConfigError) as err:  # when the file is read: no fit reaches it
        scenario_set(start="2010-04", horizon=3, s={"states": {"2010-07": "summitry"}})
    said = str(err.value)
    assert "'scenarios.s.states.2010-07' is after the forecast's last month 2010-06" in said
    assert "raise 'horizon'" in said
    last = scenario_set(start="2010-04", horizon=3, s={"exercises": {"2010-06": "reduced"}})
    assert len(simulate_scenarios(model, last, draws=10).months) == 3  # the last month is fine


@pytest.mark.parametrize(
    "spec, words",
    [
        (
            {"horizon": 12, "scenarios": {"a": {"states": {"2010-01": "peace"}}}},
            "unknown value 'peace'",
        ),
        (
            {
                "start": "2010-03",
                "horizon": 12,
                "scenarios": {"a": {"states": {"2010-01": "stalled"}}},
            },
            "before the scenario start 2010-03",
        ),
        ({"horizon": 0, "scenarios": {"a": {}}}, "key 'horizon'"),
        ({"horizon": 121, "scenarios": {"a": {}}}, "key 'horizon'"),
        ({"horizon": "twelve", "scenarios": {"a": {}}}, "key 'horizon'"),
        ({"horizon": 12, "scenarios": {"a": {"states": {}}}}, "key 'scenarios.a.states' is empty"),
        (
            {"horizon": 12, "scenarios": {"a": {"states": None}}},
            "key 'scenarios.a.states' is empty",
        ),
        ({"horizon": 12, "scenarios": {}}, "key 'scenarios'"),
        ({"horizon": 12, "scenarios": {"a": {"state": {}}}}, "unknown key 'state'"),
        ({"horizon": 12, "scenarios": {"a": {"states": {"Feb": "stalled"}}}}, "is not a month"),
        (
            {"horizon": 12, "scenarios": {"a": {"exercises": {"2010-01": "cancelled"}}}},
            "unknown value 'cancelled'",
        ),
        ({"start": "soon", "horizon": 12, "scenarios": {"a": {}}}, "key 'start'"),
        ({"horizon": 12, "scenarios": {"a": {}}, "end": "2011-01"}, "unknown key 'end'"),
        (
            {"horizon": 12, "scenarios": {"a": {"states": {"month 0": "stalled"}}}},
            "key 'scenarios.a.states.month 0': the forecast has months 1..120",
        ),
        (
            {
                "horizon": 12,
                "scenarios": {"a": {"states": {"month 2": "stalled", "2010-05": "summitry"}}},
            },
            "key 'scenarios.a.states' mixes calendar months and 'month N'",
        ),
    ],
)
def test_each_validation_error_names_the_file_and_key(spec, words, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(ConfigError) as info:
        load_scenarios(path)
    message = str(info.value)
    assert "bad.yaml" in message
    assert words in message
    assert "Fix:" in message


def test_months_counted_from_the_forecast_follow_its_start(model, sim_panel):
    """'month 3' is the third forecast month, wherever the forecast starts: the same numbers as
    the calendar month it lands on; a label's {last_state} names the last fitted state."""
    relative = {"states": {"month 3": "summitry"}, "exercises": {"month 2": "reduced"}}
    last = sim_panel["state"].iloc[-1]
    label = "From {last_state}, a summit in month 3"
    for start, third in (("2010-01", "2010-03"), ("2010-05", "2010-07")):
        spec = scenario_set(start=start, a={**relative, "label": label})
        calendar = {"states": {third: "summitry"}, "exercises": {str(pd.Period(third) - 1): 0}}
        calendar["exercises"] = {k: "reduced" for k in calendar["exercises"]}
        same = scenario_set(start=start, a=calendar)
        got = simulate_scenarios(model, spec, random_seed=SEED, draws=200)
        want = simulate_scenarios(model, same, random_seed=SEED, draws=200)
        np.testing.assert_array_equal(got.counts.values, want.counts.values)
        # the label says which calendar month 'month 3' is
        named = pd.Period(third).strftime("%B %Y")
        assert got.labels["a"] == (
            f"From {STATE_LABELS[last].lower()}, a summit in month 3 ({named})"
        )
    # past the horizon: refused, named as written (not as the calendar month it would be)
    with pytest.raises(ConfigError) as err:  # when the file is read
        scenario_set(start="2010-04", horizon=3, s={"states": {"month 4": "summitry"}})
    said = str(err.value)
    assert "'scenarios.s.states.month 4' is after the forecast's last month (month 3" in said
    assert "2010-07" not in said and "write month 3 or earlier" in said


def test_the_shipped_outlook_stays_valid_as_the_data_move_on(model):
    """scenarios/current.yaml counts its months from the forecast's start: it simulates from
    any fit, where calendar months (2026-03) would be refused once the data pass them."""
    shipped = load_scenarios(REPO / "scenarios" / "current.yaml")
    for scenario in shipped.scenarios.values():
        assert all(isinstance(k, int) for k in [*scenario.states, *scenario.exercises])
    fixed = shipped.scenarios["talks_resume"]
    moved = shipped.resolved(pd.Period("2031-07", "M"))
    assert moved.scenarios["talks_resume"].states == {pd.Period("2031-09", "M"): "active_talks"}
    assert fixed.states == {3: "active_talks"}  # resolving leaves the loaded set as it was


def test_invalid_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("horizon: 12\nscenarios: {a: [}\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_scenarios(bad)
    with pytest.raises(ConfigError, match="scenario file not found"):
        load_scenarios(tmp_path / "none.yaml")


SHIPPED = {
    "2019-11-after-stockholm.yaml": ["stalled", "talks_resume", "summit", "collapse"],
    "current.yaml": ["persist", "talks_resume", "summit", "outlook", "summit_announced"],
}


@pytest.mark.parametrize("name", list(SHIPPED))
def test_shipped_scenario_files_are_valid(name):
    spec = load_scenarios(REPO / "scenarios" / name)
    assert spec.horizon == 12
    assert spec.names == SHIPPED[name]
    # the transition scenarios of the current file need a run's outlook models
    assert [n for n, s in spec.scenarios.items() if s.transitions] == (
        ["outlook", "summit_announced"] if name == "current.yaml" else []
    )


def test_exercise_override_changes_the_covariate(sim_panel):
    from forecast.scenarios import future_covariates, usual_exercise_days

    spec = scenario_set(
        start="2010-01",
        s={"states": {"2010-01": "summitry"}, "exercises": {"2010-03": "suspended"}},
    )
    months = pd.period_range("2010-01", periods=12, freq="M")
    future = future_covariates(spec.scenarios["s"], months, sim_panel)
    usual = usual_exercise_days(sim_panel)
    assert future["exercise_days"].iloc[0] == usual[0]
    assert (future["exercise_days"].iloc[2:] == 0).all()
    assert (future["state"] == "summitry").all()


def test_a_state_path_per_draw_gives_each_draw_its_own_effect(model):
    """Draws following talks get the talks rate, draws following no talks the no-talks rate."""
    months = pd.date_range("2010-01-01", periods=6, freq="MS")
    future = pd.DataFrame({"month": months, "state": "stalled", "exercise_days": 0})
    paths = np.zeros((N_DRAWS, 6), dtype=int)  # no_talks
    paths[N_DRAWS // 2 :, 3:] = STATES.index("active_talks")  # half switch in month 4
    ds = model.simulate(future, random_seed=SEED, state_paths=paths)
    rate = ds["rate"].values
    assert rate.shape == (N_DRAWS, 6)
    np.testing.assert_allclose(rate[: N_DRAWS // 2], 2.0)
    np.testing.assert_allclose(rate[N_DRAWS // 2 :, :3], 2.0)
    np.testing.assert_allclose(rate[N_DRAWS // 2 :, 3:], 2.0 * np.exp(-1.2))
    counts = ds["counts"].values
    assert counts[N_DRAWS // 2 :, 3:].mean() == pytest.approx(2.0 * np.exp(-1.2), rel=0.05)
    with pytest.raises(ConfigError, match="state paths"):
        model.simulate(future, state_paths=paths[:, :5])


def test_with_scenarios_adds_only_what_a_file_lacks():
    from forecast.scenarios import with_scenarios

    shipped = load_scenarios(REPO / "scenarios" / "current.yaml")
    assert with_scenarios(shipped, {"outlook": {"transitions": True}}) is shipped
    old = load_scenarios(REPO / "scenarios" / "2019-11-after-stockholm.yaml")
    both = with_scenarios(old, {"outlook": {"label": "All", "transitions": True}})
    assert both.names == [*old.names, "outlook"]
    assert both.scenarios["outlook"].transitions and both.horizon == old.horizon
    assert both.start == old.start and both.source == old.source
    with pytest.raises(ConfigError, match="EXTRA"):
        with_scenarios(old, {"bad": {"states": {"2019-12": "war"}}}, source="EXTRA")


def test_exercise_scales_a_model_does_not_read_are_named_and_change_nothing(panel):
    """ar_level_lean leaves out ar_level's exercise term: a scenario that scales
    the exercises gets the same draws as one that does not, and the forecast says so."""
    from forecast.runs import fit_run
    from forecast.scenarios import unread_exercises

    spec = scenario_set(
        start="2016-01",
        held={"states": {"2016-01": "stalled"}},
        suspended={"states": {"2016-01": "stalled"}, "exercises": {"2016-01": "suspended"}},
    )
    lean = fit_run(get_model("ar_level_lean", until="2015-12"), panel, "mock", seed=SEED).model
    forecast = simulate_scenarios(lean, spec, random_seed=SEED)
    counts = forecast.counts
    assert (counts.sel(scenario="held") == counts.sel(scenario="suspended")).all()
    assert (
        forecast.note
        == unread_exercises(lean, spec)
        == (
            "The exercise scales of suspended change nothing here: ar_level_lean leaves out "
            "ar_level's exercise term (see its ablation); a run of ar_level lets them act."
        )
    )
    # ar_level reads them: no note; a set without exercise scales gets none either
    full = fit_run(get_model("ar_level", until="2015-12"), panel, "mock", seed=SEED).model
    assert simulate_scenarios(full, spec, random_seed=SEED).note is None
    assert unread_exercises(lean, scenario_set(start="2016-01", held={})) is None
    assert not get_model("recent_rate").reads_exercises and get_model("state_rate").reads_exercises


def test_state_paths_a_naive_baseline_does_not_read_are_named(panel):
    """recent_rate knows no state: every scenario gets the same draws, and the note says why."""
    from forecast.runs import fit_run

    spec = scenario_set(
        start="2016-01",
        held={},
        talks={"states": {"2016-03": "active_talks"}, "exercises": {"2016-03": "suspended"}},
    )
    naive = fit_run(get_model("recent_rate", until="2015-12"), panel, "mock", seed=SEED).model
    forecast = simulate_scenarios(naive, spec, random_seed=SEED)
    counts = forecast.counts
    assert (counts.sel(scenario="held") == counts.sel(scenario="talks")).all()
    assert forecast.note.startswith(
        "The state paths of talks change nothing here: recent_rate does not read the "
        "negotiation state. The exercise scales of talks"
    )
    assert get_model("state_rate").reads_states and not get_model("last_value").reads_states


def test_a_tool_about_state_contrasts_refuses_a_model_that_reads_no_state():
    from forecast.catalog import state_models
    from forecast.scenarios import require_states

    model = get_model("state_rate")
    assert require_states(model) is model
    with pytest.raises(ConfigError) as err:
        require_states(get_model("recent_rate"))
    said = str(err.value)
    assert said.startswith("MODEL: recent_rate reads no negotiation state")
    assert said.endswith(f"use a model that reads the state: 'default' or one of {state_models()}")
    assert "recent_rate'" not in said.split("Fix:")[1]


def test_a_label_names_the_calendar_month_of_each_month_n_once():
    from forecast.scenarios import _dated_label

    start = pd.Period("2026-11", "M")
    assert (
        _dated_label("Talks resume in month 3", start) == "Talks resume in month 3 (January 2027)"
    )
    assert _dated_label("From month 1 to month 12", start) == (
        "From month 1 (November 2026) to month 12 (October 2027)"
    )
    # already dated, or not a step: left alone
    assert _dated_label("Talks in month 3 (as agreed)", start) == "Talks in month 3 (as agreed)"
    # a condition's window, counted from the start as its `within` is: the month it ends
    assert _dated_label("P(summitry within 3 months) = 0.7", start) == (
        "P(summitry within 3 months (through January 2027)) = 0.7"
    )
    assert _dated_label("Within 1 month", start, 12) == "Within 1 month (through November 2026)"
    # already dated, past the forecast, counted from something else, or not a window
    for words in (
        "within 3 months (as agreed)",
        "within 13 months",
        "a summit within 3 months of talks resuming",
        "within 2 months after the election",
        "a within 12 month period",
        "within 1 months",
    ):
        assert _dated_label(words, start, 12) == words
    # written as a step key may be; a month outside the forecast, or not a whole one, is
    # not dated
    assert _dated_label("Month  2", start, 12) == "Month  2 (December 2026)"
    for words in ("month 0", "month 13", "month 3.5", "month 3-5"):
        assert _dated_label(words, start, 12) == words


def test_a_contrast_is_the_scenarios_difference_not_the_counts_noise(model):
    """A scenario that differs from the reference only in its last month: the difference of
    the expected totals is that month's, lower in every draw (active talks, -1.2 on the log
    rate). The simulated counts fall out of step after the first month that differs (a count
    takes a variable number of random numbers), so compared count by count the interval
    reached far above zero and P(more) was about a third."""
    spec = scenario_set(
        base={"label": "Base", "states": {"2010-01": "no_talks"}},
        late={"label": "Late", "states": {"2010-01": "no_talks", "2010-12": "active_talks"}},
        horizon=12,
    )
    fc = simulate_scenarios(model, spec, random_seed=SEED, draws=2000)
    counts = fc.counts.sum("month")
    noise = (counts.sel(scenario="late") - counts.sel(scenario="base")).values
    assert (noise > 0).mean() > 0.1  # the counts' own noise, which the contrast leaves out
    row = compare(fc, "base").table.set_index("scenario").loc["late"]
    assert row["p_more"] == 0 and row["diff_hi"] < 0
    rate = fc.data["rate"]
    last = (rate.sel(scenario="late") - rate.sel(scenario="base")).isel(month=-1).values
    np.testing.assert_allclose(row["diff_mean"], last.mean())


def test_the_contrasts_in_plain_words_name_scenarios_by_their_labels(same_base_talks):
    from forecast.summaries import contrast_findings

    fc = same_base_talks
    effects = pd.DataFrame(
        {
            "state": ["no_talks", "stalled", "active_talks", "summitry"],
            "hdi_low": [1.0, 0.4, 0.2, 1.1],
            "hdi_high": [1.0, 1.3, 0.9, 2.0],
        }
    )
    words = contrast_findings(fc, "base", effects)
    assert words[0].startswith("1 of 3 state rate ratios have a 94% HDI that includes 1")
    # 'Same' does not differ; 'Talks' is lower in every draw (-1.2 on the log rate)
    assert words[1] == (
        "0 of 1 scenarios that differ from 'Base' have an 80% interval of the difference in "
        "expected launch days that includes 0."
    )
    row = compare(fc, "base").table.set_index("scenario").loc["talks"]
    total = float(fc.data["rate"].sel(scenario="base").sum("month").mean())
    simulated = float(fc.counts.sel(scenario="base").sum("month").mean())
    counts = (
        f" (its rates summed; its simulated launch days average {simulated:.1f})"
        if f"{simulated:.1f}" != f"{total:.1f}"
        else ""
    )
    assert words[2] == (
        f"The largest expected difference is {row['diff_mean']:+.1f} launch days over 12 months "
        f"('Talks'), against {total:.1f} expected under 'Base'{counts}."
    )
    assert counts  # this forecast's simulated mean rounds otherwise: the sentence names both
    # a comparison made at another width is described at its own width
    wide = compare(fc, "base", width=0.9)
    assert "have a 90% interval" in contrast_findings(fc, "base", effects, comparison=wide)[1]
