"""The negotiation-state transition model: posterior, recovery, simulation, conditions, backtest."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import SEED
from scipy import stats

from forecast.constants import STATES
from forecast.errors import ConfigError, RunFileError
from forecast.evaluation.state_transitions import (
    calibration_backtest,
    calibration_scores,
    dwell_time_check,
    hazard_table,
    spells,
)
from forecast.models.transitions import TransitionModel, state_codes
from forecast.questions import reliability_table
from forecast.summaries import change_probabilities, path_groups

NT, ST, AT, SU = range(4)

#: A known transition matrix with the persistence of the real timeline.
TRUTH = np.array(
    [
        [0.95, 0.01, 0.03, 0.01],
        [0.05, 0.85, 0.07, 0.03],
        [0.02, 0.04, 0.92, 0.02],
        [0.02, 0.10, 0.08, 0.80],
    ]
)


def timeline(codes, start: str = "2000-01") -> pd.Series:
    """A Series of state labels indexed by consecutive months."""
    index = pd.period_range(start, periods=len(codes), freq="M")
    return pd.Series(np.array(STATES)[np.asarray(codes)], index=index)


def markov_chain(matrix: np.ndarray, months: int, rng: np.random.Generator, s0: int = 0):
    """Simulate one chain of ``months`` states from a transition matrix."""
    codes = np.empty(months, dtype=int)
    codes[0] = s0
    cum = matrix.cumsum(axis=1)
    u = rng.random(months)
    for t in range(1, months):
        codes[t] = min(np.searchsorted(cum[codes[t - 1]], u[t], side="right"), 3)
    return codes


def fixed_model(matrices, last_state: str = "no_talks") -> TransitionModel:
    """A fitted model whose posterior draws are the given matrices (for exact checks)."""
    model = TransitionModel().fit(timeline([NT, NT, STATES.index(last_state)]))
    matrices = np.asarray(matrices, dtype=float)
    if matrices.ndim == 2:
        matrices = matrices[None]
    model.draws = xr.DataArray(
        matrices,
        dims=("draw", "from_state", "to_state"),
        coords={"draw": np.arange(len(matrices))},
    )
    return model


# --- posterior -----------------------------------------------------------------------------------


def test_conjugate_posterior_on_a_tiny_timeline():
    model = TransitionModel().fit(timeline([NT, NT, ST, ST, ST, AT]))
    counts = np.zeros((4, 4), dtype=int)
    counts[NT, NT], counts[NT, ST], counts[ST, ST], counts[ST, AT] = 1, 1, 2, 1
    np.testing.assert_array_equal(model.counts, counts)
    # by hand: prior stay 8 / move 0.5 plus the counts
    expected = np.array(
        [
            [9.0, 1.5, 0.5, 0.5],
            [0.5, 10.0, 1.5, 0.5],
            [0.5, 0.5, 8.0, 0.5],
            [0.5, 0.5, 0.5, 8.0],
        ]
    )
    np.testing.assert_allclose(model.posterior_alpha, expected)
    summary = model.summary().set_index(["from_state", "to_state"])
    row = summary.loc[("no_talks", "stalled")]
    assert row["mean"] == pytest.approx(1.5 / 11.5)
    assert row["sd"] == pytest.approx(np.sqrt(1.5 * 10.0 / (11.5**2 * 12.5)))
    assert row["lo"] == pytest.approx(stats.beta(1.5, 10.0).ppf(0.03))
    assert model.last_state == "active_talks"
    assert (model.first_month, model.last_month) == (pd.Period("2000-01"), pd.Period("2000-06"))


def test_posterior_draws_match_the_exact_posterior():
    model = TransitionModel(draws=4000, random_seed=SEED).fit(timeline([NT, NT, ST, ST, ST, AT]))
    exact = model.posterior_alpha / model.posterior_alpha.sum(axis=1, keepdims=True)
    sd = model.summary()["sd"].to_numpy().reshape(4, 4)
    mc_error = np.abs(model.draws.mean("draw").values - exact) / (sd / np.sqrt(4000))
    assert mc_error.max() < 4.5  # 16 cells, each a z-score of the Monte Carlo mean
    np.testing.assert_allclose(model.draws.sum("to_state").values, 1.0)


def test_user_priors_merge_over_the_defaults():
    model = TransitionModel(priors={"stay": 2.0, "cells": {"summitry": {"no_talks": 0.1}}})
    assert model.priors["move"] == 0.5
    alpha = model.prior_alpha
    assert alpha[NT, NT] == 2.0 and alpha[NT, ST] == 0.5 and alpha[SU, NT] == 0.1
    assert TransitionModel.default_priors["stay"] == 8.0  # defaults untouched


@pytest.mark.parametrize(
    "priors, message",
    [
        ({"persistence": 3}, "unknown prior 'persistence'"),
        ({"stay": -1}, "prior 'stay' = -1 is not a positive pseudo-count"),
        ({"move": "a lot"}, "prior 'move' = 'a lot'"),
        ({"cells": {"talks": {"no_talks": 1}}}, "unknown state 'talks'"),
        ({"cells": {"summitry": {"no_talks": 0}}}, "is not a positive count"),
    ],
)
def test_bad_priors_are_refused(priors, message):
    with pytest.raises(ConfigError, match="priors of state_transitions") as err:
        TransitionModel(priors=priors)
    assert message in str(err.value)


def test_training_window_is_applied_and_recorded():
    series = timeline([NT] * 12 + [AT] * 12 + [ST] * 12)
    model = TransitionModel(since="2001-01", until="2001-12").fit(series)
    assert model.counts.sum() == 11 and model.counts[AT, AT] == 11
    assert model.last_state == "active_talks"
    assert model.config()["since"] == "2001-01" and model.config()["until"] == "2001-12"
    with pytest.raises(ConfigError, match="at least two months"):
        TransitionModel(since="2010-01").fit(series)


def test_the_panel_fits(panel):
    model = TransitionModel().fit(panel)
    assert model.counts.sum() == len(panel) - 1
    assert model.last_month == pd.Period("2025-12") and model.last_state == "no_talks"
    assert (model.expected_dwell()["mean"] > 1).all()


# --- recovery of known transition probabilities --------------------------------------------------


def test_recovers_known_transition_probabilities():
    """Long simulated timelines: the posterior centres on the truth and covers it.

    With ~1,500-4,000 months per row the posterior sd of a cell is 0.003-0.01; the prior
    (9.5 pseudo-months per row) shifts the mean by under 0.5 sd. A posterior mean within
    4 sd of the truth and 99% intervals covering all 16 cells are what a correct
    posterior gives (for 16 cells, P(some |z| > 4) ~ 0.1%).
    """
    rng = np.random.default_rng(SEED)
    chains = [markov_chain(TRUTH, 5000, rng, s0) for s0 in range(4)]
    series = pd.concat([timeline(c, start=f"{1000 + 600 * i}-01") for i, c in enumerate(chains)])
    model = TransitionModel(draws=500, random_seed=SEED).fit(series)
    assert model.counts.sum() == 4 * 4999  # the gaps between the chains are not transitions
    summary = model.summary(interval=0.99)
    truth = TRUTH.ravel()
    z = (summary["mean"].to_numpy() - truth) / summary["sd"].to_numpy()
    assert np.abs(z).max() < 4
    assert ((summary["lo"] <= truth) & (truth <= summary["hi"])).all()


# --- simulation -----------------------------------------------------------------------------------


def test_simulation_starts_from_the_last_state_and_is_reproducible():
    rng = np.random.default_rng(SEED)
    model = TransitionModel(draws=300, random_seed=SEED).fit(
        timeline(markov_chain(TRUTH, 400, rng))
    )
    a = model.simulate(months=12, rng=7)
    b = model.simulate(months=12, rng=np.random.default_rng(7))
    c = model.simulate(months=12, rng=8)
    xr.testing.assert_identical(a, b)
    assert not np.array_equal(a.values, c.values)
    assert a.dims == ("draw", "month") and a.shape == (300, 12)
    assert pd.Timestamp(a["month"].values[0]) == (model.last_month + 1).to_timestamp()
    assert (a["initial_state"].values == STATES.index(model.last_state)).all()
    np.testing.assert_array_equal(a["posterior_draw"].values, np.arange(300))
    # the posterior draws themselves are reproducible from the seed
    again = TransitionModel(draws=300, random_seed=SEED).fit(
        timeline(markov_chain(TRUTH, 400, np.random.default_rng(SEED)))
    )
    xr.testing.assert_identical(model.draws, again.draws)


def test_each_path_uses_its_own_transition_matrix():
    stay = np.eye(4)
    jump = np.zeros((4, 4))
    jump[:, SU] = 1.0
    model = fixed_model([stay, jump])
    paths = model.simulate(months=5, draws=6, rng=1)
    for i in range(6):
        expected = NT if i % 2 == 0 else SU
        assert (paths.values[i] == expected).all()
        assert paths["posterior_draw"].values[i] == i % 2


def test_fixed_months_then_the_chain_from_the_last_fixed_state():
    matrix = np.zeros((4, 4))
    matrix[:, ST] = 1.0  # the chain always moves to stalled
    model = fixed_model(matrix)
    paths = model.simulate(
        months=6, draws=50, rng=1, fixed={"2000-05": "summitry", "2000-07": "active_talks"}
    )
    # the data end 2000-03 (no_talks); 2000-04 holds it, 05-06 summitry, 07 active_talks
    assert pd.Timestamp(paths["month"].values[0]) == pd.Timestamp("2000-04-01")
    expected = [NT, SU, SU, AT, ST, ST]
    assert (paths.values == np.array(expected)).all()
    by_number = model.simulate(months=6, draws=50, rng=1, fixed={2: "summitry", 4: "active_talks"})
    np.testing.assert_array_equal(by_number.values, paths.values)


def test_a_later_start_simulates_the_gap_and_drops_it():
    matrix = np.zeros((4, 4))
    matrix[NT, ST], matrix[ST, AT], matrix[AT, SU], matrix[SU, SU] = 1, 1, 1, 1
    model = fixed_model(matrix)  # data end 2000-03 in no_talks
    paths = model.simulate(months=2, draws=3, rng=1, start="2000-06")
    assert (paths["initial_state"].values == AT).all()  # 04 stalled, 05 active_talks
    assert (paths.values == SU).all()
    explicit = model.simulate(start_state="stalled", months=2, draws=3, rng=1, start="2000-06")
    assert (explicit.values == np.array([AT, SU])).all()
    with pytest.raises(ConfigError, match="is not after the fitted data"):
        model.simulate(months=2, start="2000-03")


def exact_event_probability(matrix, s0, target, within):
    """P(the chain visits ``target`` in steps 1..within) by enumerating every path."""
    total = 0.0
    for path in itertools.product(range(4), repeat=within):
        if target in path:
            p, s = 1.0, s0
            for x in path:
                p, s = p * matrix[s, x], x
            total += p
    return total


def test_a_condition_sets_the_event_share_and_keeps_each_groups_paths():
    draws = 20000
    model = fixed_model(TRUTH)
    cond = {"state": "summitry", "within": 2, "probability": 0.7}
    paths = model.simulate(months=4, draws=draws, rng=SEED, conditions=cond).values
    event = (paths[:, :2] == SU).any(axis=1)
    assert event.mean() == pytest.approx(0.7, abs=1 / (2 * draws))
    # within each group, the two-month paths follow the model's conditional distribution
    q = exact_event_probability(TRUTH, NT, SU, 2)
    for a, b in itertools.product(range(4), repeat=2):
        p_path = TRUTH[NT, a] * TRUTH[a, b]
        inside = SU in (a, b)
        group = event if inside else ~event
        expected = p_path / (q if inside else 1 - q)
        share = ((paths[:, 0] == a) & (paths[:, 1] == b) & group).sum() / group.sum()
        assert share == pytest.approx(expected, abs=4 * np.sqrt(expected / group.sum()) + 1e-3)
    # after the window the chain runs freely: month 3 given month 2 follows the matrix
    from_su = paths[:, 1] == SU
    observed = np.bincount(paths[from_su, 2], minlength=4) / from_su.sum()
    np.testing.assert_allclose(observed, TRUTH[SU], atol=0.03)


def test_an_event_the_model_almost_never_produces_is_forced_sensibly():
    eps = 1e-9
    matrix = np.full((4, 4), eps)
    np.fill_diagonal(matrix, 1.0)
    matrix[:, :] /= matrix.sum(axis=1, keepdims=True)
    model = fixed_model(matrix)
    draws = 3000
    paths = model.simulate(
        months=6,
        draws=draws,
        rng=SEED,
        conditions={"state": "summitry", "within": 3, "probability": 0.5},
    ).values
    event = (paths[:, :3] == SU).any(axis=1)
    assert event.sum() == 1500
    # the entry month is drawn from the model's conditional first-entry distribution:
    # a constant tiny hazard makes months 1, 2, 3 equally likely
    entry = (paths[event, :3] == SU).argmax(axis=1)
    counts = np.bincount(entry, minlength=3)
    assert stats.chisquare(counts).pvalue > 0.001
    # once in summitry the (sticky) chain stays there
    rows = np.flatnonzero(event)
    assert all((paths[i, entry[k] :] == SU).all() for k, i in enumerate(rows))


def test_two_conditions_hold_together():
    draws = 4000
    model = fixed_model(TRUTH)
    conditions = [
        {"state": ["active_talks", "summitry"], "within": 6, "probability": 0.6},
        {"state": "stalled", "within": 3, "probability": 0.2},
    ]
    paths = model.simulate(months=12, draws=draws, rng=SEED, conditions=conditions).values
    talks = np.isin(paths[:, :6], [AT, SU]).any(axis=1).mean()
    stalled = (paths[:, :3] == ST).any(axis=1).mean()
    assert abs(talks - 0.6) <= 1 / draws and abs(stalled - 0.2) <= 1 / draws


def test_conditions_reweight_the_posterior_draws():
    likely = np.full((4, 4), 0.25)
    unlikely = np.eye(4) * 0.97 + 0.01
    model = fixed_model([likely, unlikely])
    cond = {"state": "summitry", "within": 1, "probability": 1.0}
    paths = model.simulate(months=1, draws=2000, rng=SEED, conditions=cond)
    assert (paths.values[:, 0] == SU).all()
    # P(summitry next month) is 0.25 vs 0.01: Bayes gives draw 0 a weight of 25/26
    assert (paths["posterior_draw"].values == 0).mean() == pytest.approx(25 / 26, abs=0.01)


def test_conditions_reproduce_with_the_seed():
    model = fixed_model(TRUTH)
    cond = {"state": "active_talks", "within": 4, "probability": 0.4}
    a = model.simulate(months=8, draws=500, rng=3, conditions=cond)
    b = model.simulate(months=8, draws=500, rng=3, conditions=cond)
    xr.testing.assert_identical(a, b)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"conditions": {"state": "talks", "within": 3, "probability": 0.5}},
            "unknown state 'talks'",
        ),
        (
            {"conditions": {"state": "summitry", "within": 3, "probability": 1.5}},
            "is not in [0, 1]",
        ),
        (
            {"conditions": {"state": "summitry", "within": 0, "probability": 0.5}},
            "outside the horizon 1..12",
        ),
        (
            {"conditions": {"state": "summitry", "within": 13, "probability": 0.5}},
            "outside the horizon",
        ),
        ({"conditions": {"state": "summitry", "within": 3}}, "missing key 'probability'"),
        (
            {"conditions": {"state": "summitry", "within": 3, "p": 0.5, "probability": 1}},
            "unknown key 'p'",
        ),
        (
            {
                "conditions": [
                    {"state": "summitry", "within": 1, "probability": 1.0},
                    {"state": "stalled", "within": 1, "probability": 1.0},
                ]
            },
            "within 1 month) cannot hold",
        ),
        (
            {
                "fixed": {1: "no_talks", 3: "no_talks"},
                "conditions": {"state": "summitry", "within": 3, "probability": 0.5},
            },
            "cannot hold",
        ),
        ({"fixed": {"2001-05": "summitry"}}, "outside the forecast months 2000-04..2001-03"),
        ({"fixed": {"2000-05": "peace"}}, "unknown state 'peace'"),
        ({"start_state": "war"}, "unknown state 'war'"),
    ],
)
def test_bad_simulation_inputs_are_refused(kwargs, message):
    model = fixed_model(TRUTH)
    with pytest.raises(ConfigError) as err:
        model.simulate(months=12, draws=10, rng=1, source="scenarios/x.yaml", **kwargs)
    assert message in str(err.value)
    assert "scenarios/x.yaml" in str(err.value)


# --- summaries ------------------------------------------------------------------------------------


def hand_paths() -> np.ndarray:
    return np.array([[NT, NT, AT], [NT, ST, ST], [AT, AT, AT], [NT, NT, NT]])


def test_change_probabilities_and_path_groups_on_hand_made_paths():
    change = change_probabilities(hand_paths(), "no_talks")
    assert change["p_changed"].tolist() == [0.25, 0.5, 0.75]
    assert change["p_different"].tolist() == [0.25, 0.5, 0.75]
    groups = path_groups(hand_paths(), "no_talks").tolist()
    assert groups == ["to active_talks", "to stalled", "to active_talks", "stays no_talks"]


def test_p_change_differs_from_p_different_when_paths_return():
    change = change_probabilities(np.array([[ST, NT, NT]] * 4), "no_talks")
    assert change["p_changed"].tolist() == [1.0, 1.0, 1.0]
    assert change["p_different"].tolist() == [1.0, 0.0, 0.0]


# --- save / load ---------------------------------------------------------------------------------


def test_netcdf_round_trip(tmp_path, panel):
    model = TransitionModel(priors={"stay": 6.0}, until="2019-10", draws=200, random_seed=SEED)
    model.fit(panel)
    path = tmp_path / "transitions.nc"
    model.to_dataset().to_netcdf(path)
    with xr.open_dataset(path) as ds:
        loaded = TransitionModel.from_dataset(ds, source=str(path))
    assert loaded.config() == model.config()
    assert loaded.last_month == pd.Period("2019-10") and loaded.last_state == model.last_state
    np.testing.assert_array_equal(loaded.counts, model.counts)
    np.testing.assert_allclose(loaded.draws.values, model.draws.values)
    np.testing.assert_array_equal(
        loaded.simulate(months=6, rng=2).values, model.simulate(months=6, rng=2).values
    )
    broken = model.to_dataset()
    broken.attrs["model"] = "state_rate"
    with pytest.raises(RunFileError, match="not a state_transitions fit"):
        TransitionModel.from_dataset(broken, source="fit.nc")


# --- dwell times ---------------------------------------------------------------------------------


def test_spells_and_hazard_table_on_a_hand_made_timeline():
    series = timeline([NT] * 3 + [AT] * 2 + [NT] * 4 + [ST] * 2)
    table = spells(series)
    assert table["months"].tolist() == [3, 2, 4, 2]
    assert table["left_censored"].tolist() == [True, False, False, False]
    assert table["right_censored"].tolist() == [False, False, False, True]
    hazard = hazard_table(series, bins=(1, 3)).set_index("band")
    # AT spell (2 months, ended): at risk after months 1, 2, exit after 2 -> band 1-2
    # NT spell (4 months, ended): at risk after 1..4, exit after 4 -> band 3+
    # ST spell (ongoing, 2 months): at risk after month 1 only
    assert hazard.loc["1-2", "at_risk"] == 2 + 2 + 1 and hazard.loc["1-2", "exits"] == 1
    assert hazard.loc["3+", "at_risk"] == 2 and hazard.loc["3+", "exits"] == 1


def test_dwell_time_check_accepts_a_markov_chain_and_rejects_fixed_durations():
    rng = np.random.default_rng(SEED)
    markov = dwell_time_check(timeline(markov_chain(TRUTH, 3000, rng)))
    assert markov.set_index("state").loc["all", "p_value"] > 0.01
    fixed = timeline(np.repeat(np.tile([NT, ST, AT, SU], 15), 12))  # every spell 12 months
    check = dwell_time_check(fixed).set_index("state")
    assert check.loc["all", "p_value"] < 1e-6 and (check.loc[list(STATES), "beta"] > 2).all()


def test_the_documented_dwell_time_finding(panel):
    check = dwell_time_check(panel).set_index("state")
    assert check.loc["all", "lr"] == pytest.approx(2.96, abs=0.01)
    assert check.loc["all", "p_value"] == pytest.approx(0.56, abs=0.01)
    assert check.loc["stalled", "beta"] == pytest.approx(1.64, abs=0.01)
    hazard = hazard_table(panel)
    assert hazard["deviance"].sum() == pytest.approx(6.9, abs=0.05)
    assert hazard.loc[0, "exits"] == 1 and hazard.loc[0, "expected_exits"] == pytest.approx(
        3.8, abs=0.05
    )


# --- calibration backtest -------------------------------------------------------------------------


def test_calibration_backtest_on_a_simulated_timeline():
    rng = np.random.default_rng(SEED)
    series = timeline(markov_chain(TRUTH, 240, rng), start="1990-01")
    table = calibration_backtest(
        series, origins=["2000-01", "2005-06", "2009-10"], horizons=[1, 3, 12], draws=200
    )
    # 2009-10 + 3 and + 12 are past the data end (2009-12)
    assert len(table) == (3 + 3 + 1) * 5
    assert set(table["event"]) == {"change", *[f"state:{s}" for s in STATES]}
    states = table[table["event"] != "change"].groupby(["origin", "horizon"])["probability"].sum()
    np.testing.assert_allclose(states.to_numpy(), 1.0)
    for row in table[table["event"] == "change"].itertuples():
        same = table[
            (table["origin"] == row.origin)
            & (table["horizon"] == row.horizon)
            & (table["event"] == f"state:{row.origin_state}")
        ]
        assert row.probability == pytest.approx(1 - same["probability"].item())
        target = series[pd.Period(row.target_month, "M")]
        assert row.outcome == int(target != series[pd.Period(row.origin, "M")])
    scores = calibration_scores(table)
    assert set(scores["event"]) == {"change", "state"}
    assert (scores["brier"] >= 0).all()


def test_calibration_on_the_real_timeline_is_fast_and_scored(panel):
    table = calibration_backtest(panel, draws=200)
    assert table["origin"].iloc[0] == "2005-01" and table["origin"].iloc[-1] == "2024-12"
    assert table["target_month"].max() == "2025-12"
    change = table[table["event"] == "change"]
    reliability = reliability_table(change["probability"], change["outcome"], bins=10)
    assert reliability["n"].sum() == len(change)
    scores = calibration_scores(table)
    assert len(scores) == 24


def test_state_codes_accept_labels_and_codes():
    np.testing.assert_array_equal(state_codes(["summitry", "no_talks"]), [SU, NT])
    np.testing.assert_array_equal(state_codes(np.array([1, 2])), [1, 2])
    with pytest.raises(ValueError, match="unknown state"):
        state_codes(["peace"])
