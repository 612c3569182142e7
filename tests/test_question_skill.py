"""The strict question backtest's pieces: families, naive answers, skill with joint bootstrap
intervals, reliability; the nuclear-test rate by state; the heavy-tail diagnosis."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import SEED

from forecast.constants import STATES
from forecast.evaluation.question_answers import naive_answers, nuclear_answers, state_answers
from forecast.evaluation.question_families import BY_ID, window_history
from forecast.evaluation.question_skill import (
    family_caveats,
    paired_skill,
    question_findings,
    reliability_by_family,
    skill_table,
)
from forecast.evaluation.tails import explain_tails
from forecast.models.events import NuclearRate
from forecast.simulation import Forecast
from forecast.summaries import by_path

NT, ST, AT, SU = range(4)


def tiny_panel(states, launches=None, nuclear=None) -> pd.DataFrame:
    """A monthly panel with the columns the families read, from 2000-01."""
    n = len(states)
    panel = pd.DataFrame(
        {
            "month": pd.date_range("2000-01-01", periods=n, freq="MS"),
            "state": np.array(STATES)[np.asarray(states)],
            "launch_days": np.zeros(n, int) if launches is None else launches,
            "nuclear_tests": np.zeros(n, int) if nuclear is None else nuclear,
        }
    )
    for column in ("srbm", "mrbm", "irbm", "icbm", "slbm", "slv", "hgv", "unknown"):
        panel[f"launch_days_{column}"] = 0
    panel["missiles"] = panel["launch_days"]
    return panel


# --- families and naive answers ----------------------------------------------------------------


def test_window_history_and_naive_answers_by_hand():
    states = [NT] * 6 + [AT] * 6 + [NT] * 12
    panel = tiny_panel(states)
    history = window_history(BY_ID["change-3m"], panel)
    # windows of 3 months after each month: a change in 2000-07 (active talks) and 2001-01
    changed = history[history == 1].index.astype(str).tolist()
    assert changed == ["2000-07", "2000-08", "2000-09", "2001-01", "2001-02", "2001-03"]
    cutoff = pd.Period("2001-06", "M")
    naive = naive_answers(panel, {"change-3m": [cutoff], "talks-6m": [cutoff]})
    row = naive[(naive["family"] == "change-3m")].set_index("source")
    past = history[history.index <= cutoff]
    assert row.loc["longrun", "answer"] == pytest.approx(past.mean())
    assert row.loc["recent5y", "answer"] == pytest.approx(past.mean())  # all within 5 years
    assert row.loc["naive", "answer"] == 0.0  # the state held: no change
    assert row.loc["naive", "score"] == row.loc["naive", "outcome"] == 0.0


def test_state_and_nuclear_answers_are_probabilities_of_the_fitted_models():
    states = [NT] * 30 + [AT] * 10 + [NT] * 40
    nuclear = np.zeros(80, int)
    nuclear[[20, 55]] = 1
    panel = tiny_panel(states, nuclear=nuclear)
    cutoffs = [pd.Period("2004-06", "M")]
    answers = state_answers(panel, cutoffs, models=["markov", "duration"], seed=SEED)
    assert set(answers["family"]) == {"change-3m", "change-6m", "change-12m", "talks-6m"}
    assert answers["answer"].between(0, 1).all()
    nuclear_rows = nuclear_answers(panel, cutoffs, seed=SEED).set_index("source")
    # the constant rate: exact gamma-Poisson with the prior placed at the first month (one
    # test in the 54 months up to the cutoff)
    a, b = 0.5 + 1, 60.0 + 54
    assert nuclear_rows.loc["constant", "answer"] == pytest.approx(1 - (b / (b + 12)) ** a, 0.05)
    assert nuclear_rows.loc["by_state", "answer"] > 0


# --- skill -------------------------------------------------------------------------------------


def scored_table(n=48, seed=SEED) -> pd.DataFrame:
    """Scores of a model and the three naive answers on two families, by hand."""
    rng = np.random.default_rng(seed)
    cutoffs = pd.period_range("2010-01", periods=n, freq="M").astype(str)
    rows = []
    for family, model_scale in (("change-3m", 0.8), ("launch-3m", 1.1)):
        base = rng.uniform(0.1, 0.3, n)
        for source, scale in (("m", model_scale), ("longrun", 1.0), ("recent5y", 1.2)):
            for c, b in zip(cutoffs, base, strict=True):
                rows.append(
                    {
                        "cutoff": c,
                        "family": family,
                        "source": source,
                        "score": b * scale,
                        "answer": 0.3,
                        "outcome": float(b > 0.2),
                    }
                )
        for c, b in zip(cutoffs, base, strict=True):
            rows.append(
                {"cutoff": c, "family": family, "source": "naive", "score": b * 1.5}
                | {"answer": 0.0, "outcome": float(b > 0.2)}
            )
    return pd.DataFrame(rows)


def test_skill_against_the_strongest_naive_answer_with_joint_intervals():
    table = skill_table(scored_table(), {"change-3m": "m", "launch-3m": "m"}, n_boot=400, seed=1)
    rows = table.set_index("family")
    assert rows.loc["change-3m", "baseline"] == "longrun"
    assert rows.loc["change-3m", "skill"] == pytest.approx(0.2)
    assert rows.loc["launch-3m", "skill"] == pytest.approx(-0.1)
    # a constant ratio: every resample gives the same skill
    assert rows.loc["change-3m", "skill_lo"] == pytest.approx(0.2)
    assert rows.loc["overall", "skill"] == pytest.approx(0.05)
    assert rows.loc["overall", "skill_lo"] == pytest.approx(0.05)
    assert rows.loc["change-3m", "prequential_skill"] == pytest.approx(0.2)
    skill, lo, hi = paired_skill(scored_table(), "launch-3m", "longrun", "m", 200, 1)
    assert skill == pytest.approx(1 - 1 / 1.1) and lo == pytest.approx(skill)
    assert paired_skill(scored_table(), "launch-3m", "m", "m", 200, 1) == (0.0, 0.0, 0.0)
    words = question_findings(table)
    assert len(words) == 3 and "+20.0%" in words[0] and "the long-run base rate" in words[0]
    assert words[-1].startswith("Over all families") and "above zero" in words[-1]


def test_an_answer_of_a_family_with_negative_skill_carries_a_caveat():
    """The talks question (the same event and window length as ``talks-6m``) gets its
    family's negative skill; a longer window, a conditional question or a family with
    positive skill get none."""
    table = pd.DataFrame(
        {
            "family": ["talks-6m", "icbm-6m", "overall"],
            "title": ["Talks resume within 6 months", "An ICBM launch in 6 months", "Mean"],
            "n": [300, 100, 400],
            "baseline": ["longrun", "naive", None],
            "skill": [-0.037, 0.046, 0.076],
            "skill_lo": [-0.255, -0.098, -0.005],
            "skill_hi": [0.118, 0.192, 0.121],
        }
    )
    talks = "P(>= 1 change to active_talks/summitry)"
    answers = pd.DataFrame(
        {
            "question": ["talks-h1", "talks-year", "talks-if", "icbm-h1"],
            "type": ["binary", "binary", "conditional", "binary"],
            "unit": [talks, talks, talks, "P(>= 1 ICBM launch day)"],
            "window_start": ["2026-01"] * 4,
            "window_end": ["2026-06", "2026-12", "2026-06", "2026-06"],
        }
    )
    caveats = family_caveats(answers, table)
    assert list(caveats) == ["talks-h1"]
    assert caveats["talks-h1"].startswith("Its family has negative skill in the question")
    assert (
        "-3.7% [-25.5%, +11.8%] against the long-run base rate (300 cutoffs)"
        in (caveats["talks-h1"])
    )
    # a loss inside the noise is not called a loss
    assert (
        "have not beaten that naive answer (the interval includes zero: nor have they been "
        "shown to lose to it)." in caveats["talks-h1"]
    )
    wholly_below = family_caveats(answers, table.assign(skill_hi=-0.01))["talks-h1"]
    assert "have not beaten that naive answer." in wholly_below and "nor have" not in wholly_below
    # split by the state at the cutoff: a family with positive skill overall gets a caveat
    # when its answers from the state asked from scored below the long-run base rate
    by_state = pd.DataFrame(
        {
            "family": ["talks-6m", "talks-6m", "icbm-6m"],
            "state": ["no_talks", "active_talks", "no_talks"],
            "n": [148, 84, 50],
            "frequency": [0.12, 0.43, 0.1],
            "mean_answer": [0.24, 0.25, 0.1],
            "skill": [-0.085, -0.08, 0.02],
        }
    )
    table.loc[0, ["skill", "skill_lo", "skill_hi"]] = [0.01, -0.2, 0.1]
    local = family_caveats(answers, table, by_state, "no_talks")
    assert local == {
        "talks-h1": "Asked in no talks, as this one is (148 past cutoffs), the state model "
        "answered 24% on average where 12% came true (skill there -8.5% against the long-run "
        "base rate): read this answer as likely too high."
    }
    assert "likely too low" in family_caveats(answers, table, by_state, "active_talks")["talks-h1"]
    assert family_caveats(answers, table, by_state, "summitry") == {}
    assert family_caveats(answers, table, by_state) == {}


def test_reliability_per_family():
    table = reliability_by_family(scored_table(), {"change-3m": "m"})
    assert set(table["family"]) == {"change-3m"} and set(table["kind"]) == {"probability"}
    assert table["n"].sum() == 48


# --- the nuclear-test rate by state ------------------------------------------------------------


def test_a_nuclear_rate_by_state_follows_the_state_paths():
    panel = tiny_panel([NT] * 40 + [AT] * 40, nuclear=np.r_[np.zeros(39), 2, np.zeros(40)])
    model = NuclearRate({"half_life": math.inf, "by_state": True}, draws=4000).fit(panel)
    assert model.groups == ["talks", "no_talks"]
    a, b = model.shape_rate
    np.testing.assert_allclose(a, [0.5, 2.5])
    np.testing.assert_allclose(b, [60 + 40, 60 + 40])
    # the fitted last state (active talks) held, or paths in no talks
    held = model.p_any(12)
    assert held == pytest.approx(1 - (100 / 112) ** 0.5, abs=0.01)
    in_no_talks = model.p_any(12, states=np.full((100, 12), NT))
    assert in_no_talks == pytest.approx(1 - (100 / 112) ** 2.5, abs=0.01)
    sims = model.simulate(4000, 12, np.random.default_rng(SEED), states=np.full((4000, 12), NT))
    assert (sims.sum(axis=1) > 0).mean() == pytest.approx(in_no_talks, abs=0.03)
    # a run saved before the rate had groups still loads
    old = NuclearRate(draws=10).fit(panel).to_dataset()
    old = old.assign(rate=old["rate"].isel(group=0, drop=True))
    assert NuclearRate.from_dataset(old).groups == ["all"]


# --- heavy tails -------------------------------------------------------------------------------


def tail_forecast(shift_month: int, tail_from: int) -> Forecast:
    """200 paths: 10 go to stalled in ``shift_month``; one of those has a rate of 30 a month
    from ``tail_from`` on (1 before)."""
    draws, months = 200, 12
    states = np.zeros((draws, months), dtype=np.int8)
    states[:10, shift_month:] = ST
    rate = np.ones((draws, months))
    rate[0, tail_from:] = 30.0
    counts = np.random.default_rng(SEED).poisson(rate)
    data = xr.Dataset(
        {
            "launch_days": (("scenario", "draw", "month"), counts[None]),
            "rate": (("scenario", "draw", "month"), rate[None]),
            "state": (("scenario", "draw", "month"), states[None]),
        },
        coords={
            "scenario": ["outlook"],
            "label": ("scenario", ["All things considered"]),
            "month": pd.date_range("2026-01-01", periods=months, freq="MS"),
        },
        attrs={"target": "launch_days", "initial_state": "no_talks", "model": "test"},
    )
    return Forecast(data)


def test_a_heavy_tail_is_traced_to_the_count_model_or_to_the_state_shift():
    """The cause of issue 23's "to stalled" row (mean above its 90th percentile): one
    simulation whose rate ran away before its path changed state, in a small group."""
    count_tail = tail_forecast(shift_month=8, tail_from=0)
    flagged = by_path(count_tail).table.set_index("path")
    assert "mean above its 90th percentile" in flagged.loc["to stalled", "caution"]
    table = explain_tails(count_tail).set_index("path")
    row = table.loc["to stalled"]
    assert row["cause"] == "count model" and row["change_month"] == 9
    assert row["top_share"] > 0.7 and row["rate_before_rank"] >= 0.99
    assert "the count model's tail, not the state path" in row["text"]
    shift_tail = explain_tails(tail_forecast(shift_month=2, tail_from=2)).set_index("path")
    assert shift_tail.loc["to stalled", "cause"] == "state shift"


def test_the_rate_before_a_change_is_the_held_states_rate(panel):
    """Common random numbers: until a path leaves the initial state, its expected launch days
    are those of the forecast that holds the state, so a tail there is the count model's."""
    from forecast.models import get_model
    from forecast.runs import fit_run, outlook_at
    from forecast.scenarios import Scenario, ScenarioSet, simulate_scenarios

    model = get_model("ar_level")
    fit_run(model, panel, "mock", seed=SEED)
    outlook = outlook_at(panel, model.training["month"].iloc[-1], SEED, transitions="markov")
    spec = ScenarioSet(
        start=None,
        horizon=12,
        scenarios={
            "held": Scenario("held", "held"),
            "outlook": Scenario("outlook", "outlook", transitions=True),
        },
    )
    forecast = simulate_scenarios(model, spec, random_seed=SEED, outlook=outlook)
    rate = forecast.data["rate"].transpose("scenario", "draw", "month").values
    states = forecast.states.sel(scenario="outlook").transpose("draw", "month").values
    start = STATES.index(forecast.data.attrs["initial_state"])
    before = np.cumsum(states != start, axis=1) == 0
    np.testing.assert_allclose(rate[1][before], rate[0][before])
    assert (~before).any()  # some paths do change state


def test_a_fold_cache_is_read_only_for_its_own_count_model(panel, tmp_path):
    """The count folds' cache records the model fitted and the state models' source: a record
    from before it named the model holds ar_level's folds and is read; a record of another
    model, or of state models with another source, is refused."""
    import json
    from dataclasses import asdict

    from forecast.evaluation.question_folds import (
        FOLD_FORMAT,
        FoldSettings,
        count_folds,
        fold_seconds,
        state_models_digest,
    )

    settings = FoldSettings()
    assert settings.model == "ar_level"
    digest = state_models_digest()
    assert len(digest) == 16 and digest == state_models_digest()
    old = {k: v for k, v in asdict(settings).items() if k != "model"} | {
        "state_models": digest,
        "format": FOLD_FORMAT,
    }
    (tmp_path / "settings.json").write_text(json.dumps(old, sort_keys=True))
    pd.DataFrame(
        {
            "cutoff": ["2010-01", "2010-01"],
            "family": ["launch-3m", "icbm-6m"],
            "answer": [0.4, 0.1],
            "seconds": [7.5, 7.5],
        }
    ).to_csv(tmp_path / "answers-2010-01.csv", index=False)
    pd.DataFrame({"cutoff": ["2010-01"], "horizon": [1], "crps": [0.1]}).to_csv(
        tmp_path / "months-2010-01.csv", index=False
    )
    answers, months = count_folds(panel, [pd.Period("2010-01", "M")], settings, tmp_path)
    assert answers["answer"].tolist() == [0.4, 0.1] and months["crps"].tolist() == [0.1]
    # a cached fold keeps the time of the run that computed it, counted once per cutoff
    assert fold_seconds(answers) == 7.5
    assert fold_seconds(answers.iloc[:0]) == 0.0
    assert json.loads((tmp_path / "settings.json").read_text())["model"] == "ar_level"
    for other in (
        {**old, "model": "ar_level_lean"},
        {**old, "state_models": "0" * 16},
        {**old, "format": 1},
    ):
        (tmp_path / "settings.json").write_text(json.dumps(other, sort_keys=True))
        with pytest.raises(ValueError, match="holds folds made with other settings"):
            count_folds(panel, [pd.Period("2010-01", "M")], settings, tmp_path)


# --- blends of the unconditional forecast with the state held --------------------------------


def test_the_crps_of_a_blend_by_its_terms():
    from forecast.scores import crps, mixture_crps, mixture_crps_terms

    rng = np.random.default_rng(5)
    a = rng.poisson(3.0, size=(4, 50))
    b = rng.poisson(1.0, size=(4, 50))
    y = np.array([0, 2, 5, 1])
    terms = mixture_crps_terms(y, a, b)
    np.testing.assert_allclose(mixture_crps(terms, 1.0), crps(y, a), atol=1e-12)
    np.testing.assert_allclose(mixture_crps(terms, 0.0), crps(y, b), atol=1e-12)
    # an equal blend of two samples of one size is the pooled sample
    np.testing.assert_allclose(
        mixture_crps(terms, 0.5), crps(y, np.concatenate([a, b], axis=1)), atol=1e-12
    )
    # by hand: a = {0, 2}, b = {1}, y = 1, w = 0.5: E|X - y| = 0.5 * 1 + 0.5 * 0 = 0.5;
    # E|X - X'| = 0.25 * 1 + 0.25 * 0 + 2 * 0.25 * 1 = 0.75; CRPS = 0.5 - 0.375
    one = mixture_crps_terms([1], [[0, 2]], [[1, 1]])
    assert mixture_crps(one, 0.5)[0] == pytest.approx(0.125)
    # a blend of two forecasts never scores worse than the same mix of their scores
    w = np.linspace(0, 1, 11)[:, None]
    mixed = np.array([mixture_crps(terms, x[0]) for x in w])
    linear = w * crps(y, a)[None] + (1 - w) * crps(y, b)[None]
    assert (mixed <= linear + 1e-12).all()


def _blend_months(path_crps_shift: float, n: int = 12) -> pd.DataFrame:
    """Months of a fold table whose path forecast is ``e_a`` worse than the held one."""
    rows = []
    for k in range(n):
        cutoff = pd.Period("2010-01", "M") + 3 * k
        for h in (1, 2, 3):
            rows.append(
                {
                    "cutoff": str(cutoff),
                    "horizon": h,
                    "path": "transition:discounted",
                    "observed": 1.0,
                    "crps": 1.0 + path_crps_shift,
                    "e_a": 1.5 + path_crps_shift,
                    "e_b": 1.5,
                    "d_aa": 1.0,
                    "d_bb": 1.0,
                    "d_ab": 1.0,
                }
            )
    return pd.DataFrame(rows)


def test_the_blend_weight_is_learned_from_resolved_months_only():
    from forecast.evaluation.path_blend import blend_rows, blend_weights
    from forecast.scores import mixture_crps

    worse = _blend_months(0.2)
    weights = blend_weights(worse, "transition:discounted")
    # nothing resolved at the first cutoff: the paths as they are
    assert weights.iloc[0] == 1.0
    # a path forecast worse at every resolved month: the state held (weight 0) from the
    # second cutoff on, whose past holds the first cutoff's months 1-3
    assert (weights.iloc[1:] == 0.0).all()
    # ... and the weight of a cutoff does not look at later months: worsening only the
    # months after 2011-06 leaves every earlier weight as it was
    later = worse.copy()
    late = pd.PeriodIndex(later["cutoff"], freq="M") > pd.Period("2011-06", "M")
    later.loc[late, "e_a"] -= 1.0  # the path now better there
    again = blend_weights(later, "transition:discounted")
    early = weights.index <= pd.Period("2011-07", "M")
    pd.testing.assert_series_equal(again[early], weights[early])
    assert again.iloc[-1] > 0.0  # the weight for a new forecast sees all months
    # equal d's: the blend's CRPS is w e_a + (1 - w) e_b - 1/2, minimised at 0 or 1;
    # the rows carry the weight each cutoff used
    rows = blend_rows(worse, "transition:discounted")
    assert set(rows["path"]) == {"blend:discounted"}
    np.testing.assert_allclose(rows["crps"], mixture_crps(worse, rows["weight"]))
    assert rows["weight"].iloc[0] == 1.0 and rows["weight"].iloc[-1] == 0.0
    with pytest.raises(ValueError, match="no months of path"):
        blend_weights(worse, "transition:markov")


def test_a_month_counts_as_resolved_at_its_own_cutoff_not_before():
    """The boundary of 'resolved by the cutoff': a forecast month equal to a later cutoff is
    in that cutoff's past; one month later it is not."""
    from forecast.evaluation.path_blend import blend_weights

    def months(first_worse: bool) -> pd.DataFrame:
        # fold 2010-01 forecasts 2010-02 only; folds at 2010-02 and 2010-03 follow
        rows = []
        for cutoff in ("2010-01", "2010-02", "2010-03"):
            shift = 0.5 if (first_worse and cutoff == "2010-01") else -0.5
            rows.append(
                {
                    "cutoff": cutoff,
                    "horizon": 1,
                    "path": "transition:discounted",
                    "observed": 1.0,
                    "crps": 1.0,
                    "e_a": 1.5 + shift,
                    "e_b": 1.5,
                    "d_aa": 1.0,
                    "d_bb": 1.0,
                    "d_ab": 1.0,
                }
            )
        return pd.DataFrame(rows)

    worse = blend_weights(months(True), "transition:discounted")
    better = blend_weights(months(False), "transition:discounted")
    jan, feb = pd.Period("2010-01", "M"), pd.Period("2010-02", "M")
    # at 2010-01 nothing has resolved, whatever comes
    assert worse[jan] == better[jan] == 1.0
    # at 2010-02 the month 2010-02 (fold 2010-01, horizon 1) has resolved and decides
    assert worse[feb] == 0.0 and better[feb] == 1.0
    # the last entry is the last forecast month (2010-04), every month resolved
    assert worse.index[-1] == pd.Period("2010-04", "M")


def test_a_count_fold_records_the_blend_terms_of_its_paths(panel):
    """One real fold (small draws): every path's months carry the terms whose blend at w = 1
    is the path's CRPS and at w = 0 the held state's, and the blend rows follow from them."""
    from forecast.evaluation.path_blend import blend_rows
    from forecast.evaluation.question_folds import FoldSettings, run_count_fold
    from forecast.scores import mixture_crps

    settings = FoldSettings(
        seed=3, draws=150, tune=100, chains=2, sim_draws=300, transitions=("discounted",)
    )
    answers, months = run_count_fold(pd.Period("2015-06", "M"), panel, settings)
    assert set(months["path"]) == {"persist", "transition:discounted"}
    assert len(months) == 2 * 12
    held = months[months["path"] == "persist"].set_index("horizon")
    for _, part in months.groupby("path"):
        np.testing.assert_allclose(mixture_crps(part, 1.0), part["crps"], atol=1e-12)
        np.testing.assert_allclose(
            mixture_crps(part, 0.0), held.loc[part["horizon"], "crps"], atol=1e-12
        )
    rows = blend_rows(months, "transition:discounted")
    # one fold, nothing resolved before it: the paths as they are
    assert (rows["weight"] == 1.0).all()
    path = months[months["path"] == "transition:discounted"]
    np.testing.assert_allclose(rows["crps"], path["crps"], atol=1e-12)
    assert set(answers["source"]) == {"ar_level:discounted", "recent_rate"}


def test_the_state_families_split_by_the_state_at_the_cutoff_by_hand():
    from forecast.evaluation.question_skill import by_origin_state, origin_state_findings

    # four cutoffs of talks-6m: two in no_talks (answers 0.5, 0.3; nothing came), two in
    # stalled (0.6 came, 0.2 did not); the long-run base rate answered 0.25 throughout
    cutoffs = ["2010-01", "2010-02", "2010-03", "2010-04"]
    model = pd.DataFrame(
        {
            "cutoff": cutoffs,
            "family": "talks-6m",
            "source": "discounted",
            "answer": [0.5, 0.3, 0.6, 0.2],
            "outcome": [0, 0, 1, 0],
        }
    )
    longrun = model.assign(source="longrun", answer=0.25)
    scored = pd.concat([model, longrun], ignore_index=True)
    scored["score"] = (scored["answer"] - scored["outcome"]) ** 2
    states = pd.Series(["no_talks", "no_talks", "stalled", "stalled"], index=cutoffs)
    table = by_origin_state(scored, {"talks-6m": "discounted", "launch-3m": "x"}, states)
    assert table["state"].tolist() == ["no_talks", "stalled"]  # only state families split
    no_talks, stalled = table.to_dict("records")
    assert no_talks["n"] == 2 and no_talks["frequency"] == 0
    assert no_talks["mean_answer"] == pytest.approx(0.4)
    assert no_talks["brier"] == pytest.approx((0.25 + 0.09) / 2)
    assert no_talks["skill"] == pytest.approx(1 - 0.17 / 0.0625)
    assert stalled["brier"] == pytest.approx((0.16 + 0.04) / 2)
    assert stalled["longrun"] == pytest.approx((0.5625 + 0.0625) / 2)
    # too high in no_talks (0.4 against 0), too low in stalled (0.4 against 0.5)
    (words,) = origin_state_findings(table)
    assert words.startswith("Talks resume (a change into active talks or summitry) within 6")
    assert "asked in no talks (2 cutoffs) the state model answered 40% on average where 0%" in words
    assert "(too high; skill there -172.0% against the long-run base rate). Asked in stalled" in (
        words
    )
    assert words.endswith(
        "Asked in stalled (2 cutoffs) it answered 40% on average where 50% came true (too low; "
        "skill there "
        "+68.0%; the base rate's Brier score was worse there)."
    )
    # answers too high in both states: only the larger gap is named
    (one,) = origin_state_findings(table.assign(frequency=[0.0, 0.2]))
    assert "in no talks" in one and "stalled" not in one
    # asked in summitry, one of the states "talks resume" counts a change into: said so
    (summit,) = origin_state_findings(table.assign(state=["no_talks", "summitry"]))
    assert (
        "Asked in summitry (2 cutoffs; from there a move to active talks counts, or a return to "
        "summitry after leaving it) it answered 40%" in summit
    )
    assert "asked in no talks (2 cutoffs) the state" in summit


def test_the_question_span_says_where_the_launch_families_were_asked(tmp_path):
    from forecast.evaluation.strict_questions import question_span

    assert question_span(tmp_path) == ""  # no settings: nothing said
    settings = {"span": ["2000-01", "2024-12"], "monthly_cutoffs": 300, "count_every": 3}
    path = tmp_path / "questions_settings.json"
    path.write_text(json.dumps({**settings, "count_cutoffs": ["2000-01", "2024-10"] * 50}))
    assert question_span(tmp_path) == (
        "every month 2000-01 to 2024-12 (300 cutoffs; the launch families at 100 of them, "
        "every third month, to 2024-10)"
    )
    # every family asked at every month: the span alone
    path.write_text(json.dumps({**settings, "count_cutoffs": ["2000-01"] * 300}))
    assert question_span(tmp_path) == "every month 2000-01 to 2024-12"
    path.write_text(json.dumps({**settings, "count_every": 6, "count_cutoffs": ["2000-01"] * 50}))
    assert "at 50 of them, every 6th month, to 2000-01" in question_span(tmp_path)
    from forecast.evaluation.strict_questions import cadence

    assert [cadence(n) for n in (21, 22, 12, 113)] == [
        "every 21st month", "every 22nd month", "every 12th month", "every 113th month"
    ]  # fmt: skip


def test_the_nuclear_finding_names_rules_and_baselines_in_words():
    """The paragraph the report prints names the naive answer in words and no code object
    (it said "(longrun, 0.1999)" and "(forecast.runs.OUTLOOK_NUCLEAR)")."""
    from forecast.evaluation.strict_questions import nuclear_finding

    table = pd.read_csv(Path(__file__).parents[1] / "docs" / "evaluation" / "nuclear.csv")
    table.attrs["span"] = "2000-01 to 2024-12"
    words = nuclear_finding(table)
    kept = table[table["kept"]].iloc[0]
    assert f"(the long-run base rate, {kept['baseline_score']:.4f})" in words
    assert "forecast." not in words and "longrun" not in words and "_" not in words
    assert words.startswith("P(a nuclear test within 12 months), asked at every month 2000-01")
