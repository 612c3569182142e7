"""The sentences of notebook 05 and the report follow the evaluation tables they describe."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.evaluation.findings import band_sentence, evidence_findings, skill_findings


def band_rows(model, skills, lows, highs, cover=(0.80, 0.79, 0.78), baseline="recent_rate"):
    return pd.DataFrame(
        {
            "model": model,
            "state_path": "persist",
            "band": ["1-3", "4-6", "7-12"],
            "crps_skill": skills,
            "crps_skill_lo": lows,
            "crps_skill_hi": highs,
            "crps_baseline": baseline,
            "pit_cov_80": cover,
        }
    )


def test_skill_sentences_name_the_bands_whose_interval_includes_zero():
    table = pd.concat(
        [
            band_rows("m", [0.07, 0.06, 0.05], [0.02, 0.005, -0.017], [0.13, 0.11, 0.096]),
            band_rows("oracle_12", [0.14, 0.20, 0.25], [0.1] * 3, [0.3] * 3),
        ]
    )
    words = skill_findings(table, "m")
    assert words[0].startswith("Against the best naive forecast (recent_rate), m's mean CRPS")
    assert "5.0% to 7.0% better" in words[0]
    # 0.05 / 0.25 = 20%, 0.07 / 0.14 = 50%: the share of the oracle's skill
    assert "20% to 50% of the gain of a forecaster who knew" in words[0]
    unclear = [w for w in words if "includes zero" in w]
    assert len(unclear) == 1 and unclear[0].startswith("At 7-12 months")
    assert "-1.7% to +9.6%" in unclear[0]
    assert not any("too narrow" in w for w in words)


def test_skill_sentences_flag_narrow_intervals_and_the_quiet_era():
    table = band_rows("m", [0.07, 0.06, 0.05], [0.01] * 3, [0.1] * 3, cover=(0.80, 0.78, 0.768))
    era = pd.concat(
        [
            band_rows(
                "m", [-0.004, -0.02, 0.01], [-0.1] * 3, [0.1] * 3, baseline="constant_rate"
            ).assign(era="before 2012"),
            band_rows("m", [0.07, 0.06, 0.05], [0.01] * 3, [0.1] * 3).assign(era="2012 on"),
        ]
    )
    words = skill_findings(table, "m", era)
    assert "In every band the 90% interval of the skill lies above zero." in words
    assert any(w.endswith("at 7-12 months they are slightly too narrow.") for w in words)
    quiet = [w for w in words if w.startswith("With cutoffs before 2012")]
    assert quiet and (
        "constant_rate in 2 of 3 bands (-2.0% to +1.0%, though the 90% interval includes zero "
        "in 2 of them): its skill" in quiet[0]
    )
    # worse beyond doubt: every interval of the worse bands below zero
    sure = era.assign(crps_skill_hi=[-0.001, -0.01, 0.1, 0.1, 0.1, 0.1])
    quiet = [w for w in skill_findings(table, "m", sure) if w.startswith("With cutoffs")]
    assert "(-2.0% to +1.0%, each 90% interval below zero): its skill" in quiet[0]


def test_a_monthly_interval_holding_more_as_printed_is_said_so_only_then():
    """Whole counts: most months are 0, so a printed interval from 0 holds more than 80%;
    the sentence gives the range and comes only when every band holds more than calibrated."""
    table = band_rows("m", [0.07, 0.06, 0.05], [0.01] * 3, [0.1] * 3)
    wide = skill_findings(table.assign(coverage_80=[0.933, 0.917, 0.903]), "m")
    said = [w for w in wide if w.startswith("As printed")]
    assert len(said) == 1 and "held 90.3% to 93.3% of the months" in said[0]
    assert "wider than 80% as drawn" in said[0]
    near = skill_findings(table.assign(coverage_80=[0.95, 0.82, 0.90]), "m")
    assert not any(w.startswith("As printed") for w in near)
    assert not any(w.startswith("As printed") for w in skill_findings(table, "m"))


def test_skill_sentences_for_a_model_the_tables_lack():
    assert skill_findings(band_rows("m", [0.1] * 3, [0] * 3, [0.2] * 3), "other") == [
        "The evaluation tables do not hold other."
    ]


def evidence_rows(gains, lows, highs, model="m"):
    return pd.DataFrame(
        {
            "model": model,
            "band": ["1-3", "4-6", "7-12"],
            "path": "observed",
            "gain": gains,
            "gain_lo": lows,
            "gain_hi": highs,
        }
    )


def test_no_evidence_when_every_interval_includes_zero():
    after = pd.DataFrame({"model": ["m"], "n": [681], "gain": [-0.005]})
    words = evidence_findings(
        evidence_rows([-0.008, -0.005, 0.002], [-0.02, -0.01, -0.003], [0.003, 0.003, 0.007]),
        after,
        "m",
    )
    # one sign convention with skill: the gain is positive when the real states did better
    assert "cutoff: a gain of -0.8% to +0.2% on m's mean CRPS" in words[0]
    assert "positive = better" in words[0]
    assert words[0].endswith("includes zero in every band.")
    assert words[1].startswith("On the 681 forecasts")
    assert "gain is -0.5% (the real states worsened the CRPS by 0.5%)" in words[1]
    assert words[-1].startswith("So knowing in advance which states would come did not")


@pytest.mark.parametrize(
    ("lows", "highs", "helps", "hurts"),
    [
        ([0.01, -0.01, -0.01], [0.05, 0.01, 0.01], "at 1-3 months", "in no band"),
        ([-0.05, -0.01, -0.01], [-0.01, 0.01, 0.01], "in no band", "at 1-3 months"),
    ],
)
def test_evidence_names_where_the_states_helped_or_hurt(lows, highs, helps, hurts):
    words = evidence_findings(evidence_rows([0.02, 0.0, 0.0], lows, highs), None, "m")
    assert f"helped credibly {helps} and hurt {hurts}." in words[0]
    assert len(words) == 2
    assert words[-1].startswith("Knowing the states helped") == (helps != "in no band")


def test_the_forecast_with_states_drawn_is_compared_with_the_state_held():
    """The ``transition`` rows (the "all things considered" forecast) get their own sentence,
    before the verdict, naming the bands where the interval lies below zero."""
    drawn = evidence_rows(
        [-0.0054, -0.0062, -0.0044], [-0.0079, -0.0094, -0.013], [-0.0019, -0.0018, 0.0046]
    ).assign(path="transition")
    held = evidence_rows([-0.008, -0.005, 0.002], [-0.02, -0.01, -0.003], [0.003, 0.003, 0.007])
    words = evidence_findings(pd.concat([held, drawn]), None, "m")
    assert len(words) == 3 and words[-1].startswith("So knowing in advance")
    assert '"all things considered" outlook does, gains -0.5% at 1-3 months' in words[1]
    assert "-0.5% at 1-3 months [-0.8%, -0.2%]; -0.6% at 4-6 months [-0.9%, -0.2%]" in words[1]
    assert "measurably worse than holding the state at 1-3 and 4-6 months." in words[1]
    # the loss is tied to the numbers a reader quotes, which are made this way
    assert words[1].endswith(
        "so they carry this loss; the scenario in which the last observed state persists does not."
    )
    level = drawn.assign(gain_lo=-0.01, gain_hi=0.01)
    words = evidence_findings(pd.concat([held, level]), None, "m")
    assert words[1].endswith("not told apart from holding the state in any band.")
    # the verdict is about knowing the future states; the state term's value is the ablation's
    assert "the ablation's state term answers." in words[-1]


def test_a_band_sentence_names_the_best_naive_forecast_of_each_band():
    rows = band_rows("m", [0.07, 0.06, 0.05], [0.01] * 3, [0.1] * 3)
    assert "forecast (recent_rate) is +7.0% at 1-3 months" in band_sentence(rows, "m", "On")[0]
    rows["crps_baseline"] = ["empirical_recent", "recent_rate", "recent_rate"]
    words = band_sentence(rows, "m", "On those cutoffs")
    assert words[0].startswith("On those cutoffs, m's CRPS skill against the best naive ")
    assert "(by band: empirical_recent or recent_rate)" in words[0]


def test_a_gain_below_a_tenth_of_a_percent_keeps_its_sign_and_zero_is_never_minus():
    from forecast.evaluation.findings import band_gains

    rows = pd.DataFrame(
        {"band": ["4-6"], "gain": [-0.0004], "gain_lo": [-0.0123], "gain_hi": [0.00049]}
    )
    assert band_gains(rows) == "-0.04% at 4-6 months [-1.2%, +0.05%]"
    zero = pd.DataFrame({"band": ["4-6"], "gain": [-0.0], "gain_lo": [-0.0123], "gain_hi": [0.0]})
    assert band_gains(zero) == "+0.0% at 4-6 months [-1.2%, +0.0%]"


def test_sentences_say_below_zero_and_no_change_as_their_tables_show_them():
    """A band whose whole interval lies below zero is worse than the naive forecast (not
    "includes zero"); negative skill is not called better; a gain that rounds to zero did not
    change the CRPS (not "worsened by 0.0%"); the overall question skill below zero says so."""
    words = skill_findings(band_rows("m", [-0.02, 0.01, 0.03], [-0.04, -0.01, 0.01],
                                     [-0.001, 0.03, 0.05]), "m")  # fmt: skip
    assert (
        "m's CRPS skill is -2.0% to +3.0% across the horizon bands (positive = better)"
        in (words[0])
    )
    assert "better across" not in words[0]
    below = [w for w in words if "lies below zero" in w]
    assert below == [
        "At 1-3 months the 90% interval of the skill, [-4.0%, -0.1%], lies below zero: there it "
        "is worse than recent_rate."
    ]
    assert [w for w in words if "includes zero" in w][0].startswith("At 4-6 months")
    assert not any("In every band" in w for w in words)
    for gain, said in ((0.0, "(the real states did not change the CRPS)"),
                       (-0.0004, "(the real states worsened the CRPS by 0.04%)")):  # fmt: skip
        after = pd.DataFrame({"model": ["m"], "n": [681], "gain": [gain]})
        rows = evidence_rows([0.0, 0.0, 0.0], [-0.01] * 3, [0.01] * 3)
        assert said in evidence_findings(rows, after, "m")[1]
    from forecast.evaluation.question_skill import question_findings

    overall = pd.DataFrame([{"family": "overall", "skill": -0.05, "skill_lo": -0.09,
                             "skill_hi": -0.01}])  # fmt: skip
    assert question_findings(overall)[-1].endswith("(90% interval [-9.0%, -1.0%], below zero).")


def test_single_horizons_whose_interval_is_not_above_zero_are_named_by_verdict():
    from forecast.evaluation.findings import horizon_findings

    head = pd.DataFrame(
        {
            "model": ["m"] * 4 + ["other"],
            "state_path": ["persist"] * 3 + ["observed", "persist"],
            "horizon": [1, 6, 12, 12, 12],
            "crps_skill_lo": [0.01, -0.01, -0.05, -0.5, -0.5],
            "crps_skill_hi": [0.1, 0.05, -0.01, -0.4, -0.4],
        }
    )
    assert horizon_findings(head, "m") == [
        "By single horizon the 90% interval of the skill includes zero at 6 months; it lies "
        "below zero at 12 months."
    ]
    assert horizon_findings(head.assign(crps_skill_hi=0.2), "m") == [
        "By single horizon the 90% interval of the skill includes zero at 6 and 12 months."
    ]
    one = head.iloc[:1].assign(crps_skill_lo=-0.1)  # a horizon of one month is a month
    assert horizon_findings(one, "m") == [
        "By single horizon the 90% interval of the skill includes zero at 1 month."
    ]
    assert horizon_findings(head.assign(crps_skill_lo=0.001, crps_skill_hi=0.1), "m") == []
    assert horizon_findings(head.drop(columns="crps_skill_lo"), "m") == []
