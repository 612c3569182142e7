"""The models of the negotiation states beside the Markov chain: the chain shrunk toward
persistence, the discounted chain, the duration (semi-Markov) model, and the lattice they are
simulated and conditioned on."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import SEED

from forecast.constants import STATES
from forecast.errors import ConfigError, RunFileError
from forecast.models.chains import (
    BlindMixChain,
    DiscountedChain,
    ShrunkChain,
    blind_alpha,
    prequential_scores,
)
from forecast.models.conditioning import Lattice
from forecast.models.durations import DURATION_CAP, DurationModel, weibull_hazard
from forecast.models.state_catalog import (
    DEFAULT_TRANSITIONS,
    TRANSITION_MODELS,
    transition_model,
    transitions_from_dataset,
)
from forecast.models.state_sequences import transition_counts
from forecast.models.transitions import TransitionModel
from forecast.runs import OUTLOOK_TRANSITIONS, outlook_at

NT, ST, AT, SU = range(4)


def timeline(codes, start: str = "2000-01") -> pd.Series:
    index = pd.period_range(start, periods=len(codes), freq="M")
    return pd.Series(np.array(STATES)[np.asarray(codes)], index=index)


def spells_timeline(lengths, states) -> pd.Series:
    """A timeline of consecutive spells of the given lengths and states."""
    return timeline(np.concatenate([[s] * n for n, s in zip(lengths, states, strict=True)]))


def fixed_duration_model(scale, shape, jump, last, duration) -> DurationModel:
    """A fitted duration model whose every posterior draw has the given parameters."""
    codes = [ST if last == NT else NT] * 3 + [last] * duration
    model = DurationModel(draws=2).fit(timeline(codes))
    model.scale = np.tile(np.asarray(scale, float), (2, 1))
    model.shape = np.tile(np.asarray(shape, float), (2, 1))
    model.jump = np.tile(np.asarray(jump, float), (2, 1, 1))
    model._cache = None
    return model


JUMP = np.array(
    [
        [0.0, 0.2, 0.6, 0.2],
        [0.3, 0.0, 0.5, 0.2],
        [0.5, 0.3, 0.0, 0.2],
        [0.2, 0.4, 0.4, 0.0],
    ]
)


# --- the lattice -----------------------------------------------------------------------------


def test_the_duration_lattice_advances_and_enters_spells():
    lattice = Lattice.durations(3)
    assert lattice.size == 12
    assert lattice.observed.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    # month 1 -> 2 -> 3 -> 3 (the cap holds)
    assert lattice.advance[:3].tolist() == [1, 2, 2]
    assert lattice.entry.tolist() == [0, 3, 6, 9]
    fixed = lattice.fixed_matrix(ST)
    assert fixed[0].argmax() == 3 and fixed[4].argmax() == 5  # enter stalled / stay in it
    np.testing.assert_array_equal(Lattice.plain().hold_matrix(), np.eye(4))


# --- the duration model ----------------------------------------------------------------------


def test_the_hazard_is_the_discrete_weibull():
    h = weibull_hazard(0.1, 1.0, np.arange(1, 6))
    np.testing.assert_allclose(h, 1 - np.exp(-0.1))  # shape 1: the constant hazard
    falling = weibull_hazard(0.1, 0.5, np.arange(1, 6))
    assert (np.diff(falling) < 0).all()
    # P(T > d) = exp(-lambda d^beta): the product of the survivals
    surv = np.prod(1 - weibull_hazard(0.2, 1.5, np.arange(1, 5)))
    assert surv == pytest.approx(math.exp(-0.2 * 4**1.5))


def test_exact_event_probabilities_match_the_hazard_by_hand():
    # no_talks for the last 5 months: month 5 of the spell is its last with probability h(5)
    # (the hazard), so P(no change in 3 months) = (1 - h(5)) (1 - h(6)) (1 - h(7))
    model = fixed_duration_model([0.3, 0.1, 0.1, 0.1], [0.6, 1, 1, 1], JUMP, NT, 5)
    assert model.last_duration == 5
    stay = np.prod(1 - weibull_hazard(0.3, 0.6, np.arange(5, 8)))
    assert model.event_probability(3) == pytest.approx(1 - stay, rel=1e-6)
    # talks within 1 month: the spell ends now and jumps to active talks or summitry
    h5 = weibull_hazard(0.3, 0.6, 5)
    to_talks = model.event_probability(1, ["active_talks", "summitry"])
    assert to_talks == pytest.approx(h5 * 0.8, rel=1e-6)
    probs = model.state_probabilities(1)[0]
    np.testing.assert_allclose(probs, [1 - h5, h5 * 0.2, h5 * 0.6, h5 * 0.2], rtol=1e-6)


def test_simulated_paths_follow_the_durations_and_the_conditions():
    model = fixed_duration_model([0.2, 0.15, 0.05, 0.3], [0.7, 1.3, 1.0, 1.2], JUMP, NT, 30)
    paths = model.simulate(months=12, draws=20000, rng=SEED).values
    changed = (paths != NT).any(axis=1).mean()
    assert changed == pytest.approx(model.event_probability(12), abs=0.012)
    cond = {"state": "summitry", "within": 3, "probability": 0.6}
    forced = model.simulate(months=6, draws=2000, rng=SEED, conditions=cond).values
    assert (forced[:, :3] == SU).any(axis=1).mean() == pytest.approx(0.6, abs=1 / 4000)
    fixed = model.simulate(months=4, draws=50, rng=SEED, fixed={2: "active_talks"}).values
    assert (fixed[:, 0] == NT).all() and (fixed[:, 1] == AT).all()


def test_a_long_spell_keeps_its_duration_and_a_given_start_state_starts_a_new_one():
    model = fixed_duration_model([0.5, 0.1, 0.1, 0.1], [0.3, 1, 1, 1], JUMP, NT, 40)
    assert model.initial_index(NT, 40) == DURATION_CAP - 1  # capped
    old = model.simulate(months=1, draws=20000, rng=1).values
    new = model.simulate(start_state="no_talks", months=1, draws=20000, rng=1, start="2003-12")
    # a falling hazard: a 40-month spell is far less likely to end than a new one
    assert (old != NT).mean() < (new.values != NT).mean() / 2


def test_the_duration_model_recovers_a_falling_hazard():
    rng = np.random.default_rng(SEED)
    lengths = []
    for _ in range(60):  # spells of no talks with shape 0.6, alternating with stalled
        u = rng.random()
        lengths.append(int(np.ceil((-np.log(u) / 0.2) ** (1 / 0.6))))
    codes = np.concatenate([[NT] * n + [ST] * 3 for n in lengths])
    model = DurationModel(draws=2000, random_seed=SEED).fit(timeline(codes))
    shape = model.shape[:, NT]
    assert np.quantile(shape, 0.03) < 0.6 < np.quantile(shape, 0.97)
    assert shape.mean() < 0.85
    table = model.summary()
    assert set(table["quantity"]) >= {"scale", "shape", "hazard_1", "mean_dwell"}


def test_duration_priors_are_validated():
    assert DurationModel(priors={"shape": {"sigma": 0.2}}).priors["shape"]["mu"] == 0.0
    with pytest.raises(ConfigError, match="not positive"):
        DurationModel(priors={"move": 0})
    with pytest.raises(ConfigError, match="unknown prior"):
        DurationModel(priors={"stay": 8})


# --- the chains ------------------------------------------------------------------------------


def test_the_shrunk_chain_centres_every_row_on_the_pooled_persistence():
    states = timeline([NT, NT, ST, ST, ST, AT])
    model = ShrunkChain(draws=10).fit(states)
    e = (2 + 0.5) / (5 + 1)  # two exits in five transitions, half a pseudo-exit
    alpha = model.prior_alpha
    assert alpha[NT, NT] == pytest.approx(24 * (1 - e))
    assert alpha[SU, NT] == pytest.approx(24 * e / 3)
    np.testing.assert_allclose(model.posterior_alpha, alpha + model.counts)


def test_the_blind_chain_leaves_every_state_at_the_pooled_rate_and_the_mix_halves_it(panel):
    """Six months no talks, no talks, stalled x3, active talks: exits 2 of 5 transitions,
    e = 2.5 / 6; entries into stalled 1 and into active talks 1, each with half a pseudo-entry;
    every row weighs 6 months. The mix's draws are half the blind rows', half the chain's."""
    states = timeline([NT, NT, ST, ST, ST, AT])
    e = 2.5 / 6
    alpha = blind_alpha(transition_counts(states))
    assert alpha.sum(axis=1) == pytest.approx([6.0] * 4)
    assert alpha[NT, NT] == pytest.approx(6 * (1 - e))
    # from no talks: stalled 1.5, active talks 1.5, summitry 0.5 entries (of 3.5)
    assert alpha[NT, ST] == pytest.approx(6 * e * 1.5 / 3.5)
    assert alpha[NT, SU] == pytest.approx(6 * e * 0.5 / 3.5)
    # from stalled, its own entries do not count: no talks 0.5, active 1.5, summitry 0.5
    assert alpha[ST, AT] == pytest.approx(6 * e * 1.5 / 2.5)
    mix = BlindMixChain(draws=400, random_seed=SEED).fit(panel)
    chain = DiscountedChain(draws=400, random_seed=SEED).fit(panel)
    blind = blind_alpha(mix.counts)
    blind_mean = blind / blind.sum(axis=1, keepdims=True)
    expected = 0.5 * chain.posterior_mean().to_numpy() + 0.5 * blind_mean
    np.testing.assert_allclose(mix.posterior_mean().to_numpy(), expected)
    # the draws' mean follows the exact mean (half the draws nearly the blind rows)
    np.testing.assert_allclose(mix.matrices().mean(axis=0), expected, atol=0.02)
    p_mix, p_chain = mix.event_probability(6), chain.event_probability(6)
    chain_blind = TransitionModel(draws=400).fit(panel)
    chain_blind.draws = chain_blind._matrix_array(np.repeat(blind_mean[None], 400, axis=0))
    p_blind = chain_blind.event_probability(6)
    assert p_mix == pytest.approx((p_chain + p_blind) / 2, abs=0.01)
    with pytest.raises(ConfigError, match="blind_share"):
        BlindMixChain({"blind_share": 1.5})


def test_the_prequential_score_by_hand():
    states = timeline([NT, NT, ST])
    prior = np.full((4, 4), 0.5)
    np.fill_diagonal(prior, 8.0)
    undiscounted, halved = prequential_scores(states, prior, [math.inf, 1.0])
    # first pair: prior only; second: one NT->NT transition seen (weight 1, or 1 either way);
    # both pairs leave no_talks, so the other rows score nothing
    expected = math.log(8 / 9.5) + math.log(0.5 / 10.5)
    np.testing.assert_allclose(undiscounted, [expected, 0, 0, 0])
    np.testing.assert_allclose(halved, [expected, 0, 0, 0])  # the earlier pair weighs 1 then
    # with one half-life and one stay the discounted chain is the plain chain
    model = DiscountedChain(priors={"half_lives": [None], "stay": 8}, draws=50).fit(states)
    np.testing.assert_allclose(model.posterior_alpha, TransitionModel().fit(states).posterior_alpha)
    assert model.weights.tolist() == [[1.0] * 4]


def test_the_discounted_chain_weighs_each_row_by_its_own_prequential_score():
    # no_talks: long spells (persistence fits a strong stay prior); stalled: one-month visits
    states = timeline([NT] * 30 + [ST, NT] * 6 + [NT] * 20)
    model = DiscountedChain(priors={"half_lives": [None], "stay": [2, 40]}, draws=200).fit(states)
    weights = model.half_life_weights().set_index(["from_state", "stay"])["weight"]
    assert weights.groupby(level="from_state").sum().to_numpy() == pytest.approx(1.0)
    # each row's weights are its own: the prequential score of the months leaving that state
    prior = {s: np.full((4, 4), 0.5) for s in (2, 40)}
    for stay, alpha in prior.items():
        np.fill_diagonal(alpha, stay)
    scores = {s: prequential_scores(states, prior[s], [math.inf])[0] for s in (2, 40)}
    for state in ("no_talks", "stalled"):
        row = STATES.index(state)
        odds = math.exp(scores[40][row] - scores[2][row])
        assert weights[(state, 40)] == pytest.approx(odds / (1 + odds))
    assert weights[("no_talks", 40)] > 0.5 > weights[("stalled", 40)]
    # and the draws of each row follow its own mixture
    mean = model.posterior_mean()
    drawn = model.draws.values.mean(axis=0)
    assert abs(drawn[ST, ST] - mean.iloc[ST, ST]) < 0.03
    with pytest.raises(ConfigError, match="stay"):
        DiscountedChain(priors={"stay": [8, 0]})
    with pytest.raises(ConfigError, match="empty"):
        DiscountedChain(priors={"stay": []})


def test_the_discounted_chain_weighs_half_lives_and_shuffles_its_draws(panel):
    model = DiscountedChain(draws=600, random_seed=SEED).fit(panel)
    weights = model.half_life_weights()
    assert weights.groupby("from_state")["weight"].sum().to_numpy() == pytest.approx(1.0)
    assert len(weights) == 4 * 2 * 6 and np.isinf(weights["half_life"].iloc[-1])
    # the first draws sample each row's mixture, not one component
    mean = model.posterior_mean().to_numpy()
    for i in range(4):
        assert abs(model.draws.values[:100, i, i].mean() - mean[i, i]) < 0.03
    summary = model.summary().set_index(["from_state", "to_state"])
    assert summary.loc[("no_talks", "no_talks"), "lo"] < summary.loc[("no_talks", "no_talks"), "hi"]
    with pytest.raises(ConfigError, match="half-life"):
        DiscountedChain(priors={"half_lives": [0]})


def test_the_discounted_chains_components_line_up_and_old_files_load(panel, tmp_path):
    from forecast.models.events import discount_weights
    from forecast.models.state_sequences import transition_counts

    priors = {"stay": [4, 12], "half_lives": [24, 120, None], "cells": {"summitry": {"stalled": 2}}}
    model = DiscountedChain(priors=priors, draws=100, random_seed=SEED, until="2019-10")
    model.fit(panel)
    states = model.fitted_states
    table = model.components
    assert table["stay"].tolist() == [4, 4, 4, 12, 12, 12]
    alphas = model._prior_alphas()
    for k, (stay, half_life) in enumerate(zip(table["stay"], table["half_life"], strict=True)):
        prior = np.full((4, 4), 0.5)
        np.fill_diagonal(prior, stay)
        prior[SU, ST] = 2
        np.testing.assert_array_equal(alphas[k], prior)
        weights = discount_weights(len(states) - 1, half_life)
        np.testing.assert_allclose(model.weighted_counts[k], transition_counts(states, weights))
        np.testing.assert_allclose(
            model.log_scores[k], prequential_scores(states, prior, [half_life])[0]
        )
    # a run saved before the weights were per state: one weight per component, every row
    ds = model.to_dataset()
    old = ds.assign(
        weight=ds["weight"].isel(from_state=0).drop_vars("from_state"),
        log_score=ds["log_score"].sum("from_state"),
    )
    loaded = transitions_from_dataset(old, source="old.nc")
    assert loaded.weights.shape == (6, 4)
    np.testing.assert_allclose(loaded.weights[:, 2], ds["weight"].values[:, 0])
    again = transitions_from_dataset(model.to_dataset(), source="new.nc")
    np.testing.assert_array_equal(again.weights, model.weights)
    np.testing.assert_array_equal(again.log_scores, model.log_scores)
    np.testing.assert_array_equal(again.weighted_counts, model.weighted_counts)
    # a file whose components its priors do not make is refused
    bad = ds.isel(component=slice(0, 5))
    with pytest.raises(RunFileError, match="components"):
        transitions_from_dataset(bad, source="bad.nc")


# --- one interface ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TRANSITION_MODELS))
def test_every_state_model_simulates_what_it_computes_and_saves(name, panel, tmp_path):
    model = transition_model(name, draws=400, random_seed=SEED, until="2019-10").fit(panel)
    paths = model.simulate(months=12, draws=8000, rng=SEED)
    start = STATES.index(model.last_state)
    previous = np.column_stack([np.full(8000, start), paths.values[:, :-1]])
    changed = (paths.values != previous).any(axis=1).mean()
    assert changed == pytest.approx(model.event_probability(12), abs=0.02)
    shares = (paths.values[:, 5][:, None] == np.arange(4)).mean(axis=0)
    np.testing.assert_allclose(shares, model.state_probabilities(6)[5], atol=0.02)
    assert list(model.expected_dwell().index) == list(STATES)
    path = tmp_path / f"{name}.nc"
    model.to_dataset().to_netcdf(path)
    with xr.open_dataset(path) as ds:
        loaded = transitions_from_dataset(ds.load(), source=str(path))
    assert type(loaded) is type(model) and loaded.config() == model.config()
    np.testing.assert_array_equal(
        loaded.simulate(months=6, rng=2).values, model.simulate(months=6, rng=2).values
    )


def test_the_catalogue_and_the_outlook_name_the_default(panel):
    assert OUTLOOK_TRANSITIONS == DEFAULT_TRANSITIONS == "blind_mix"
    outlook = outlook_at(panel, "2019-10", SEED)
    assert isinstance(outlook.transitions, BlindMixChain)
    assert isinstance(
        outlook_at(panel, "2019-10", SEED, transitions="duration").transitions, DurationModel
    )
    with pytest.raises(ConfigError, match="unknown state model"):
        transition_model("hidden_markov")
    ds = TransitionModel(draws=5).fit(panel).to_dataset()
    ds.attrs["model"] = "nuclear_rate"
    with pytest.raises(RunFileError, match="not a fit of a state model"):
        transitions_from_dataset(ds)
