"""The ablation table: the gain of each term from hand-made scores of a model and its variant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SEED

from forecast.catalog import ABLATION_OF, AR_LEVEL_TERMS, DAILY_TERMS
from forecast.evaluation.ablation import ablation_findings, ablation_table
from forecast.models import get_model
from forecast.models.daily import ABLATIONS, TERMS
from forecast.models.dynamic import ABLATIONS as AR_LEVEL_ABLATIONS
from forecast.models.dynamic import AR_LEVEL_TERM_PRIORS as AR_LEVEL_PRIORS
from forecast.runs import fit_run, load_run


def scores(
    better_by: dict[str, float], pair=("daily_exciting", "daily_no_excitation")
) -> pd.DataFrame:
    """12 cutoffs x 12 horizons; the variant's CRPS is the model's times (1 + better_by)."""
    rng = np.random.default_rng(4)
    rows = []
    for cutoff in pd.period_range("2010-01", periods=12, freq="M").to_timestamp():
        for horizon in range(1, 13):
            base = rng.gamma(2.0, 0.2)
            band = "1-3" if horizon <= 3 else "4-6" if horizon <= 6 else "7-12"
            for model, crps in ((pair[0], base), (pair[1], base * (1 + better_by[band]))):
                rows.append(
                    {
                        "model": model,
                        "cutoff": cutoff,
                        "state_path": "persist",
                        "horizon": horizon,
                        "crps": crps,
                        "pit_cov_80": 0.8,
                    }
                )
    return pd.DataFrame(rows)


def test_the_catalogue_and_the_model_name_the_same_terms():
    assert TERMS == DAILY_TERMS
    assert tuple(AR_LEVEL_PRIORS) == AR_LEVEL_TERMS
    variants = [*ABLATIONS.values(), *AR_LEVEL_ABLATIONS.values()]
    assert {v.name for v in variants} == set(ABLATION_OF)
    for v in variants:
        full, term = ABLATION_OF[v.name]
        assert v.__mro__[1].name == full and term not in v.terms


@pytest.mark.parametrize("term", AR_LEVEL_TERMS)
def test_an_ar_level_variant_leaves_its_term_and_prior_out(panel, term, tmp_path):
    name = f"ar_level_no_{term}"
    run = fit_run(get_model(name, until="2015-06"), panel, "mock", seed=SEED, out=tmp_path / "r")
    model = run.model
    owned = AR_LEVEL_PRIORS[term]
    assert owned not in model.priors and owned in get_model("ar_level").priors
    free = set(model.free_vars())
    graph = {"state": "state_effect_raw", "season": "season", "exercise": "beta_exercise"}
    assert graph[term] not in free
    assert set(graph.values()) - {graph[term]} <= free
    zero = {"state": "state_effect", "season": "season", "exercise": "beta_exercise"}[term]
    assert (model.posterior[zero].values == 0).all()
    # a registered model: the saved fit comes back as itself and forecasts with the term at 0
    again, _ = load_run(tmp_path / "r")
    assert again.name == name and again.terms == model.terms
    fut = pd.DataFrame(
        {
            "month": pd.date_range("2015-07-01", periods=3, freq="MS"),
            "state": "stalled",
            "exercise_days": 5.0,
        }
    )
    sims = again.simulate(fut, random_seed=SEED)
    assert sims["counts"].shape[-1] == 3


def test_the_gain_of_a_term_per_band_by_hand():
    table = ablation_table(scores({"1-3": 0.25, "4-6": 0.0, "7-12": -0.2}), bootstrap=200)
    assert table["term"].unique().tolist() == ["excitation"]
    rows = table.set_index("band")
    # the variant is 25% worse at 1-3: the term's gain is 1 - 1/1.25 = 20%
    assert rows.loc["1-3", "gain"] == pytest.approx(0.2)
    assert rows.loc["4-6", "gain"] == pytest.approx(0.0, abs=1e-12)
    assert rows.loc["7-12", "gain"] == pytest.approx(1 - 1 / 0.8)
    assert rows.loc["1-3", "gain_lo"] > 0 and rows.loc["7-12", "gain_hi"] < 0
    assert rows["n"].tolist() == [36, 36, 72]
    words = ablation_findings(table)
    assert len(words) == 1 and words[0].startswith("The excitation term of daily_exciting: gain")
    assert words[0].endswith("it helps at 1-3 and hurts at 7-12 months.")


def test_no_variant_no_table():
    plain = scores({"1-3": 0.0, "4-6": 0.0, "7-12": 0.0})
    plain = plain[plain["model"] == "daily_exciting"]
    assert ablation_table(plain).empty


def test_the_same_term_of_two_models_gets_a_row_and_a_sentence_each():
    flat = {"1-3": 0.0, "4-6": 0.0, "7-12": 0.0}
    both = pd.concat(
        [
            scores({"1-3": 0.25, "4-6": 0.25, "7-12": 0.25}, ("ar_level", "ar_level_no_state")),
            scores(flat, ("daily_exciting", "daily_no_state")),
        ]
    )
    table = ablation_table(both, bootstrap=100)
    assert table.groupby("model")["variant"].unique().map(list).to_dict() == {
        "ar_level": ["ar_level_no_state"],
        "daily_exciting": ["daily_no_state"],
    }
    words = ablation_findings(table)
    assert [w.split(":")[0] for w in words] == [
        "The state term of ar_level",
        "The state term of daily_exciting",
    ]
    assert words[0].endswith("it helps credibly at 1-3, 4-6, 7-12 months.")


def test_the_default_is_ar_level_without_the_terms_that_showed_no_gain(panel, tmp_path):
    # the registered default: ar_level's state term on, season and exercise off with their priors
    lean = get_model("default")
    assert lean.name == "ar_level_lean" and type(lean).full_form == "ar_level"
    assert lean.terms == {"state"} and get_model("ar_level").terms == set(AR_LEVEL_TERMS)
    assert "season" not in lean.priors and "exercise" not in lean.priors
    run = fit_run(get_model("default", until="2015-06"), panel, "mock", seed=SEED, out=tmp_path)
    free = set(run.model.free_vars())
    assert "state_effect_raw" in free and not {"season", "beta_exercise"} & free
    assert load_run(tmp_path)[0].name == "ar_level_lean"


def _ablated(gains: dict[str, dict[str, float]]) -> pd.DataFrame:
    """The ablation table of ar_level from hand-made scores: per term, the variant's CRPS is
    the model's times (1 + gain) in each band."""
    parts = []
    for term, better_by in gains.items():
        rows = scores(better_by, ("ar_level", f"ar_level_no_{term}"))
        parts.append(rows if not parts else rows[rows["model"] != "ar_level"])
    return ablation_table(pd.concat(parts), bootstrap=200)


def test_the_default_sentence_names_the_terms_kept_and_left_out_and_whether_the_table_backs_it():
    flat = {"1-3": 0.0, "4-6": 0.0, "7-12": 0.0}
    helps = {"1-3": 0.25, "4-6": 0.25, "7-12": 0.25}
    backed = ablation_findings(
        _ablated({"state": helps, "season": flat, "exercise": flat}), default="ar_level_lean"
    )
    assert len(backed) == 4
    assert backed[-1] == (
        "The default, ar_level_lean, is ar_level with its state term and without its season and "
        "exercise terms: none of the terms left out showed a gain whose 90% interval lies above "
        "zero in any band, so they stay available in ar_level but off by default."
    )
    # a left-out term that helps is named: the choice is to be revisited
    season_helps = ablation_findings(
        _ablated({"state": helps, "season": helps, "exercise": flat}), default="ar_level_lean"
    )
    assert season_helps[-1].endswith(
        "without its season and exercise terms; season showed a gain whose 90% interval lies "
        "above zero in some band, so leaving it out should be revisited."
    )
    # a default that is not a form of the ablated model gets no sentence
    assert len(ablation_findings(_ablated({"state": helps}), default="state_rate")) == 1
