"""What notebooks 02 and 04 call instead of code of their own: the shipped transition
scenarios added to another scenario file, and one prior predictive sample that gives the
numbers of ``prior_predictive_check``."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO, SEED

from forecast.constants import SHIPPED_SCENARIOS
from forecast.errors import ConfigError
from forecast.models import (
    count_check,
    get_model,
    prior_predictive_check,
    prior_predictive_sample,
)
from forecast.outlook import with_transition_scenarios
from forecast.scenarios import load_scenarios

CURRENT = SHIPPED_SCENARIOS
STOCKHOLM = REPO / "scenarios" / "2019-11-after-stockholm.yaml"


def test_the_shipped_transition_scenarios_are_added_to_a_file_without_them():
    """Notebook 04 reads "all things considered" from the shipped file, not a copy of it."""
    shipped, past = load_scenarios(CURRENT), load_scenarios(STOCKHOLM)
    merged = with_transition_scenarios(past, CURRENT, ["outlook"])
    assert merged.names == [*past.names, "outlook"]
    assert merged.scenarios["outlook"] == shipped.scenarios["outlook"]
    assert (merged.start, merged.horizon) == (past.start, past.horizon)
    every = with_transition_scenarios(past, CURRENT)
    assert every.names == [*past.names, "outlook", "summit_announced"]
    assert with_transition_scenarios(shipped, CURRENT) is shipped  # it has both already


def test_only_a_transition_scenario_of_the_file_can_be_added():
    with pytest.raises(ConfigError, match="'persist': not a scenario of this file"):
        with_transition_scenarios(load_scenarios(STOCKHOLM), CURRENT, ["persist"])


def test_one_prior_sample_gives_the_numbers_of_the_prior_predictive_check(panel):
    """Notebook 02 samples each model's prior predictive once and checks its counts: the same
    draws, counts and check as ``prior_predictive_check`` with the same seed."""
    model = get_model("default")
    model.build(panel)
    sample = prior_predictive_sample(model, draws=30, random_seed=SEED)
    assert sample.counts.shape == (30, len(model.training))
    assert sample.check == count_check(sample.counts)
    assert sample.check == prior_predictive_check(model, draws=30, random_seed=SEED)
    # counting the sample's draws again gives its counts
    again = model.prior_predictive_counts(sample.prior, np.random.default_rng(SEED))
    np.testing.assert_array_equal(again, sample.counts)
