"""The ablation table: the gain of each term from hand-made scores of a model and its variant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.catalog import ABLATION_OF, DAILY_TERMS
from forecast.evaluation.ablation import ablation_findings, ablation_table
from forecast.models.daily import ABLATIONS, TERMS


def scores(better_by: dict[str, float]) -> pd.DataFrame:
    """12 cutoffs x 12 horizons; the variant's CRPS is the model's times (1 + better_by)."""
    rng = np.random.default_rng(4)
    rows = []
    for cutoff in pd.period_range("2010-01", periods=12, freq="M").to_timestamp():
        for horizon in range(1, 13):
            base = rng.gamma(2.0, 0.2)
            band = "1-3" if horizon <= 3 else "4-6" if horizon <= 6 else "7-12"
            for model, crps in (
                ("daily_exciting", base),
                ("daily_no_excitation", base * (1 + better_by[band])),
            ):
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
    assert {v.name for v in ABLATIONS.values()} == set(ABLATION_OF)


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
