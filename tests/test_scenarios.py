"""Scenarios: validation, analytic moments of the simulation, seeding, summaries, ordering."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest
import simulated as sim
import yaml
from conftest import REPO, SEED

from forecast.constants import STATES
from forecast.errors import ConfigError
from forecast.models import get_model
from forecast.scenarios import (
    against,
    comparisons,
    load_scenarios,
    monthly_summary,
    parse_scenarios,
    probability_table,
    simulate_scenarios,
    total_summary,
)

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
    ds = simulate_scenarios(model, spec, random_seed=SEED, draws=N_DRAWS)
    y = ds["counts"].sel(scenario="stalled").values  # (draw, month), all months alike
    mu = 2.0 * np.exp(-0.5)
    alpha = 3.0
    var = mu + mu**2 / alpha
    se_mean = np.sqrt(var / y.size)
    assert abs(y.mean() - mu) < 4 * se_mean
    assert abs(y.var() / var - 1) < 0.03
    np.testing.assert_allclose(ds["rate"].values, mu)


def test_same_seed_same_output_and_different_seed_differs(model):
    spec = scenario_set(a={"states": {"2010-01": "stalled"}}, b={})
    one = simulate_scenarios(model, spec, random_seed=5, draws=500)
    two = simulate_scenarios(model, spec, random_seed=5, draws=500)
    three = simulate_scenarios(model, spec, random_seed=6, draws=500)
    np.testing.assert_array_equal(one["counts"].values, two["counts"].values)
    assert not np.array_equal(one["counts"].values, three["counts"].values)
    pd.testing.assert_frame_equal(total_summary(one), total_summary(two))


def test_ordering_follows_the_state_effects(model):
    spec = scenario_set(**{s: {"label": s, "states": {"2010-01": s}} for s in STATES}, horizon=24)
    ds = simulate_scenarios(model, spec, random_seed=SEED, draws=4000)
    means = total_summary(ds).set_index("scenario")["mean"]
    # true effects: summitry +0.4 > no_talks 0 > stalled -0.5 > active_talks -1.2
    assert list(means.sort_values().index) == ["active_talks", "stalled", "no_talks", "summitry"]
    comp = comparisons(ds).set_index(["scenario_a", "scenario_b"])
    assert comp.loc[("summitry", "active_talks"), "p_a_greater"] > 0.95
    np.testing.assert_allclose(
        comp.loc[("summitry", "no_talks"), "rate_ratio"], np.exp(0.4), rtol=1e-9
    )


def test_against_a_reference_in_numbers_and_words(model):
    spec = scenario_set(
        same={"label": "Same", "states": {"2010-01": "no_talks"}},
        base={"label": "Base", "states": {"2010-01": "no_talks"}},
        talks={"label": "Talks", "states": {"2010-01": "active_talks"}},
        horizon=12,
    )
    ds = simulate_scenarios(model, spec, random_seed=SEED, draws=2000)
    table = against(ds, "base").set_index("scenario")
    assert list(table.index) == ["same", "talks"]
    totals = ds["counts"].sum("month")
    diff = (totals.sel(scenario="talks") - totals.sel(scenario="base")).values
    row = table.loc["talks"]
    np.testing.assert_allclose(row["diff_mean"], diff.mean())
    np.testing.assert_allclose(row["p_a_greater"], (diff > 0).mean())
    np.testing.assert_allclose(row["diff_lo"], np.quantile(diff, 0.03))
    # active talks -1.2 on the log rate: fewer launch days, at exp(-1.2) times the rate
    assert row["diff_mean"] < 0
    assert row["in_words"].startswith(f"'Talks': {abs(diff.mean()):.1f} fewer launch days")
    assert f"{np.exp(-1.2):.2f} times the reference's" in row["in_words"]
    assert table.loc["same", "in_words"] == "'Same': the same path as the reference, no difference."
    with pytest.raises(ConfigError, match="no scenario 'nope'"):
        against(ds, "nope")


def test_summaries_are_ordered_and_consistent_with_p_any(model):
    spec = scenario_set(
        low={"states": {"2010-01": "active_talks"}},
        high={"states": {"2010-01": "summitry"}},
        horizon=6,
    )
    ds = simulate_scenarios(model, spec, random_seed=SEED, draws=4000)
    table = total_summary(ds)
    q = table[["q05", "q10", "q25", "q50", "q75", "q90", "q95"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    for row in table.itertuples():
        # P(total >= 1) >= 0.95 exactly when the 5% quantile is at least 1
        assert (row.q05 >= 1) == (row.p_any >= 0.95)
        assert (row.q50 >= 1) == (row.p_any >= 0.5)
    monthly = monthly_summary(ds)
    assert len(monthly) == 2 * 6
    assert (monthly["lo94"] <= monthly["lo80"]).all() and (monthly["lo80"] <= monthly["lo50"]).all()
    assert (monthly["hi50"] <= monthly["hi80"]).all() and (monthly["hi80"] <= monthly["hi94"]).all()
    probs = probability_table(ds)
    p = probs[["p_ge_1", "p_ge_5", "p_ge_10", "p_ge_20"]].to_numpy()
    assert (np.diff(p, axis=1) <= 0).all()
    np.testing.assert_allclose(probs["p_ge_1"], table["p_any"])


def test_no_states_means_the_last_observed_state_persists(model, sim_panel):
    last = sim_panel["state"].iloc[-1]
    spec = scenario_set(persist={}, explicit={"states": {"2010-01": last}})
    ds = simulate_scenarios(model, spec, random_seed=SEED, draws=300)
    np.testing.assert_array_equal(
        ds["counts"].sel(scenario="persist").values, ds["counts"].sel(scenario="explicit").values
    )


def test_gap_months_before_start_are_simulated_and_dropped(model):
    spec = scenario_set(start="2010-04", horizon=3, s={"states": {"2010-04": "stalled"}})
    ds = simulate_scenarios(model, spec, random_seed=SEED, draws=100)
    assert list(pd.DatetimeIndex(ds["month"].values).strftime("%Y-%m")) == [
        "2010-04",
        "2010-05",
        "2010-06",
    ]


def test_start_before_the_fitted_data_is_refused(model):
    with pytest.raises(ConfigError, match="refit with --until 2009-05"):
        simulate_scenarios(model, scenario_set(start="2009-06", s={}), draws=10)


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
        ({"horizon": 12, "scenarios": {"a": {"state": {}}}}, "unknown key(s) ['state']"),
        ({"horizon": 12, "scenarios": {"a": {"states": {"Feb": "stalled"}}}}, "is not a month"),
        (
            {"horizon": 12, "scenarios": {"a": {"exercises": {"2010-01": "cancelled"}}}},
            "unknown value 'cancelled'",
        ),
        ({"start": "soon", "horizon": 12, "scenarios": {"a": {}}}, "key 'start'"),
        ({"horizon": 12, "scenarios": {"a": {}}, "end": "2011-01"}, "unknown key(s) ['end']"),
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
