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
    assert words[0].endswith("it helps at 1-3 months and hurts at 7-12 months.")


def test_the_gains_read_as_terms_by_band_with_their_intervals():
    """gains_by_term: one row per term (per model and term for several models), the bands in
    order, each cell the gain and its interval as present.with_interval writes them."""
    from forecast.evaluation.ablation import gains_by_term
    from forecast.present import with_interval

    table = ablation_table(scores({"1-3": 0.25, "4-6": 0.0, "7-12": -0.2}), bootstrap=200)
    wide = gains_by_term(table)
    assert list(wide.index) == ["excitation"] and list(wide.columns) == ["1-3", "4-6", "7-12"]
    row = table.set_index("band").loc["1-3"]
    said = with_interval([row["gain"]], [row["gain_lo"]], [row["gain_hi"]], 1, percent=True)
    assert wide.loc["excitation", "1-3"] == said[0] and said[0].startswith("+20.0% (+")
    flat = {"1-3": 0.0, "4-6": 0.0, "7-12": 0.0}
    two = pd.concat(
        [
            scores({"1-3": 0.25, "4-6": 0.25, "7-12": 0.25}, ("ar_level", "ar_level_no_state")),
            scores(flat, ("daily_exciting", "daily_no_state")),
        ]
    )
    wide = gains_by_term(ablation_table(two, bootstrap=50))
    assert list(wide.index) == [("ar_level", "state"), ("daily_exciting", "state")]


def test_the_kept_ablations_read_back_as_the_notebook_shows_them(tmp_path):
    """default_ablation joins make ablation's table with the kept class and phased
    comparisons; daily_views lists each kept daily protocol with the daily lean form's rows
    joined to ``daily``; a folder without them says which command writes them."""
    from forecast.constants import EVALUATION_DIR
    from forecast.evaluation import read_summary
    from forecast.evaluation.ablation import default_ablation, kept_pairs
    from forecast.evaluation.daily_protocols import daily_views, kept_daily_protocols

    table, findings = default_ablation(EVALUATION_DIR)
    own = read_summary(EVALUATION_DIR / "ablation")[0]["ablation"]
    pairs = kept_pairs(EVALUATION_DIR, ["class", "phased"])
    assert len(table) == len(own) + sum(len(t["ablation"]) for t, _ in pairs.values())
    assert set(table["model"]) == {"ar_level", "class_hierarchical", "ar_level_phased"}
    assert findings[0].startswith("The state term of ar_level: gain")
    assert default_ablation(tmp_path) == (
        None,
        ["No ablation of the default model in this results folder: `make ablation` writes one."],
    )
    views = daily_views(EVALUATION_DIR)
    assert [v.name for v in views] == [name for name, *_ in kept_daily_protocols(EVALUATION_DIR)]
    daily = views[0]
    assert daily.name == "daily" and "season and exercise" in set(daily.ablation["term"])
    assert list(daily.skill.index[:2]) == ["daily_exciting", "ar_level"]
    assert daily.findings[0].startswith(f"On the {len(daily.cutoffs)} cutoffs of `daily`")
    assert daily_views(tmp_path) == []


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
    assert words[0].endswith("it helps credibly at 1-3, 4-6 and 7-12 months.")
    # the gain is defined in the first sentence only
    assert "(1 - CRPS with / CRPS without; positive = better);" in words[0]
    assert "1 - CRPS" not in words[1] and "gain +0.0% at 1-3 months" in words[1]


def test_ar_level_lean_leaves_season_and_exercise_out_together(panel, tmp_path):
    # a registered model of its own: ar_level's state term on, season and exercise off with
    # their priors; the default stays ar_level, which keeps them
    lean = get_model("ar_level_lean")
    assert type(lean).full_form == "ar_level" and get_model("default").name == "ar_level"
    assert lean.terms == {"state"} and get_model("ar_level").terms == set(AR_LEVEL_TERMS)
    assert "season" not in lean.priors and "exercise" not in lean.priors
    run = fit_run(
        get_model("ar_level_lean", until="2015-06"), panel, "mock", seed=SEED, out=tmp_path
    )
    free = set(run.model.free_vars())
    assert "state_effect_raw" in free and not {"season", "beta_exercise"} & free
    assert load_run(tmp_path)[0].name == "ar_level_lean"
    # its summary leaves out the constant zeros of the terms it drops
    assert not {"beta_exercise", "season"} & set(run.model.summary().index.str.split("[").str[0])


def _lean_scores(better_by: dict[str, float]) -> pd.DataFrame:
    """ar_level against ar_level_lean, whose CRPS is ar_level's times (1 + better_by)."""
    return scores(better_by, ("ar_level", "ar_level_lean"))


def test_terms_left_out_together_get_one_row_and_a_sentence_in_the_plural():
    table = ablation_table(_lean_scores({"1-3": 0.25, "4-6": 0.0, "7-12": 0.0}), bootstrap=200)
    assert table["term"].unique().tolist() == ["season and exercise"]
    assert table["variant"].unique().tolist() == ["ar_level_lean"]
    assert table.set_index("band").loc["1-3", "gain"] == pytest.approx(0.2)
    words = ablation_findings(table)
    assert len(words) == 1
    assert words[0].startswith(
        "The season and exercise terms of ar_level, left out together: gain +20.0% at 1-3 months"
    )
    assert words[0].endswith("they help credibly at 1-3 months.")


def test_the_lean_form_sentence_says_whether_the_table_agrees_with_the_default():
    better = ablation_table(_lean_scores({"1-3": 0.02, "4-6": 0.01, "7-12": 0.01}), bootstrap=50)
    assert ablation_findings(better, default="default")[-1] == (
        "The default, ar_level, keeps its season and exercise terms: it has a lower mean CRPS "
        "than ar_level_lean in every band (the 90% intervals above say how sure that is)."
    )
    # the 12-month totals (state held) can disagree with the monthly bands: said, with numbers
    # (1 - 3.25 / 3.29 = 1.2%)
    totals = pd.DataFrame(
        {
            "model": ["ar_level", "ar_level_lean", "ar_level", "ar_level_lean"],
            "state_path": ["persist", "persist", "transition", "transition"],
            "horizon": [12] * 4,
            "crps": [3.29, 3.25, 1.0, 9.0],
            "crps_skill": [0.170, 0.178, 0.5, -1.0],
        }
    )
    assert ablation_findings(better, default="default", totals=totals)[-1] == (
        "The default, ar_level, keeps its season and exercise terms: it has a lower mean CRPS "
        "than ar_level_lean in every band (the 90% intervals above say how sure that is); on "
        "the 12-month totals of the same folds, though, ar_level_lean scores a 1.2% lower CRPS "
        "than ar_level (skill +17.8% against +17.0%), a difference the monthly bands do not "
        "show."
    )
    agreeing = totals.assign(crps=[3.25, 3.29, 1.0, 9.0])
    assert ablation_findings(better, default="default", totals=agreeing)[-1].endswith(
        "say how sure that is)."
    )
    # ar_level_lean better at 7-12: the choice is to be revisited, naming the band
    mixed = ablation_table(_lean_scores({"1-3": 0.02, "4-6": 0.01, "7-12": -0.01}), bootstrap=50)
    assert ablation_findings(mixed, default="ar_level")[-1] == (
        "The default, ar_level, keeps its season and exercise terms, but ar_level_lean has the "
        "lower mean CRPS at 7-12 months: the choice of ar_level should be revisited."
    )
    # were the lean form the default, the same table would back it only where it wins
    assert ablation_findings(mixed, default="ar_level_lean")[-1].endswith(
        "but ar_level has the lower mean CRPS at 1-3 and 4-6 months: the choice of ar_level_lean "
        "should be revisited."
    )
    # a default that is neither gets no such sentence; nor does a table without the lean form
    assert len(ablation_findings(mixed, default="state_rate")) == 1
    one_term = ablation_table(scores(dict.fromkeys(("1-3", "4-6", "7-12"), 0.0)), bootstrap=0)
    assert len(ablation_findings(one_term, default="ar_level")) == 1


def test_two_models_that_differ_by_a_component_are_scored_like_an_ablation():
    # state_rate is class_hierarchical's structure on the total: the class split's gain
    table = ablation_table(
        scores({"1-3": 0.0, "4-6": 0.0, "7-12": -0.2}, ("class_hierarchical", "state_rate")),
        bootstrap=200,
    )
    assert table[["term", "model", "variant"]].drop_duplicates().values.tolist() == [
        ["class", "class_hierarchical", "state_rate"]
    ]
    assert table.set_index("band").loc["7-12", "gain"] == pytest.approx(1 - 1 / 0.8)
    words = ablation_findings(table, default="default")
    assert len(words) == 1 and words[0].startswith("The class term of class_hierarchical: gain")
    assert words[0].endswith("it hurts credibly at 7-12 months.")


def test_every_lean_form_is_its_model_without_the_terms_it_names():
    from forecast.catalog import LEAN_FORMS, MODELS
    from forecast.models import REGISTRY

    for lean, (full, off) in LEAN_FORMS.items():
        cls, whole = REGISTRY[lean], REGISTRY[full]
        assert lean in MODELS and cls.full_form == full and issubclass(cls, whole)
        assert cls.terms == whole.terms - set(off) and set(off) < whole.terms
        assert len(cls.default_priors) == len(whole.default_priors) - len(off)
