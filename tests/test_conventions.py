"""One convention for every number a reader quotes: signs, decimals, quantiles.

Skill and gain are positive when the forecast is better; percentages of skill and gain carry
one decimal, probabilities none; rate ratios two decimals in the tables as in the sentences;
quantiles of counts are simulated counts (whole numbers), in summaries and question answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.errors import ConfigError
from forecast.models.conditioning import parse_conditions
from forecast.present import chance, counted, listed, styled
from forecast.simulation import Forecast
from forecast.summaries import compare, describe


def two_scenarios() -> Forecast:
    rng = np.random.default_rng(11)
    counts = np.stack([rng.poisson(1.0, (400, 12)), rng.poisson(0.66, (400, 12))])
    months = pd.period_range("2026-01", periods=12, freq="M").to_timestamp()
    data = xr.Dataset(
        {
            "launch_days": (("scenario", "draw", "month"), counts),
            "rate": (
                ("scenario", "draw", "month"),
                np.stack([np.full((400, 12), 1.0), np.full((400, 12), 0.66)]),
            ),
            "state": (("scenario", "draw", "month"), np.zeros((2, 400, 12), np.int8)),
        },
        coords={
            "scenario": ["persist", "talks"],
            "label": ("scenario", ["No talks", "Talks"]),
            "draw": range(400),
            "month": months,
        },
        attrs={"target": "launch_days", "initial_state": "no_talks"},
    )
    return Forecast(data)


def test_a_rate_ratio_reads_the_same_in_the_table_and_the_sentence():
    summary = compare(two_scenarios(), "persist")
    ratio = summary.table["rate_ratio"].iloc[0]
    assert ratio == pytest.approx(0.66)
    assert "expected rate 0.66 times the reference's" in summary.text[0]
    page = styled(summary.table, digits=1, column_digits={"rate_ratio": 2}).to_html()
    assert ">0.66<" in page and ">0.7<" not in page


def test_a_percentage_reads_the_same_in_the_table_and_the_sentence():
    """The tables' percentages round as the sentences' ``{:.0%}`` do, halfway shares
    included (620 of 4000 paths, 0.155, was 15% in a table beside 16% in its sentence)."""
    shares = [620 / 4000, 0.405, 0.125, 0.41, 0.999]
    page = styled(pd.DataFrame({"share": shares}), percent=["share"]).to_html()
    for share in shares:
        assert f">{chance(share)}<" in page  # as every sentence writes a probability
    assert "&gt;99%" in page or ">>99%<" in page  # 0.999 is not a certainty
    assert ">16%<" in page and ">15%<" not in page and ">40%<" in page and ">41%<" in page


def test_skill_and_gain_carry_one_decimal_and_their_sign():
    table = pd.DataFrame({"gain": [-0.005, 0.051, -0.0004, 0.0, -0.0]})
    page = styled(table, percent=["gain"], percent_digits=1).to_html()
    # as the sentences print them (signed_percent): a value that is not zero keeps its first
    # digit, zero is 0.0%, never -0.0%
    assert ">-0.5%<" in page and ">5.1%<" in page and ">-0.04%<" in page and ">0.0%<" in page
    assert "-0.0%" not in page and ">-0%<" not in page and ">5%<" not in page
    with_gap = styled(pd.DataFrame({"p": [0.41, np.nan]}), percent=["p"]).to_html()
    assert ">41%<" in with_gap and ">n/a<" in with_gap


def test_quantiles_of_counts_are_simulated_counts():
    draws = np.random.default_rng(2).poisson(3.3, 999)
    row = describe(draws)
    for column in ("q10", "q25", "q50", "q75", "q90", "median"):
        assert row[column] == int(row[column]) and row[column] in set(draws)
    # the mean is not rounded: it is what the median stands beside
    assert row["mean"] == pytest.approx(draws.mean())


def test_a_bound_that_is_not_zero_does_not_print_as_zero():
    """An interval bound of -0.03% printed as +0.0% beside "measurably worse" read as an
    interval touching zero (found by a reader of the report)."""
    from forecast.present import signed_percent, with_interval

    assert signed_percent(-0.000304) == "-0.03%"
    assert signed_percent(0.000304) == "+0.03%"
    assert signed_percent(-0.0000304) == "-0.003%"
    assert signed_percent(-0.00000001) == "+0.0%"  # below 0.001%: zero at the first digit
    assert signed_percent(0.0) == "+0.0%" and signed_percent(-0.0) == "+0.0%"
    assert signed_percent(-0.0024) == "-0.2%" and signed_percent(0.051) == "+5.1%"
    cell = with_interval(pd.Series([-0.0024]), [-0.0044], [-0.0003], digits=1, percent=True)[0]
    assert cell == "-0.2% (-0.4% to -0.03%)"
    from forecast.present import percent_interval  # the sentences' [lo, hi]

    assert percent_interval(-0.000304, 0.096) == "[-0.03%, +9.6%]"
    assert percent_interval(-0.0, 0.0) == "[+0.0%, +0.0%]"


def test_a_signed_number_keeps_the_sign_of_what_is_not_zero():
    from forecast.present import signed_number

    assert signed_number(-0.02) == "-0.02" and signed_number(0.009) == "+0.01"
    assert signed_number(-3.287) == "-3.3" and signed_number(0.0) == "+0.0"
    assert signed_number(-0.0) == "+0.0" and signed_number(-0.00001) == "+0.0"


def test_a_list_in_a_message_takes_the_noun_in_the_number_it_needs():
    assert listed("key", ["deadline"]) == "key 'deadline'"
    assert listed("key", ["end", "state"]) == "keys 'end', 'state'"
    assert listed("cutoff", [pd.Period("1990-06", "M")]) == "cutoff 1990-06"
    assert counted(1, "field") == "1 field" and counted(3, "field") == "3 fields"
    # a condition with one key missing and none unknown says only what is missing
    with pytest.raises(ConfigError) as info:
        parse_conditions({"state": "summitry", "within": 3}, 12, "s.yaml")
    message = str(info.value)
    assert "missing key 'probability'" in message and "unknown" not in message
    assert "(s)" not in message
    with pytest.raises(ConfigError) as info:
        parse_conditions({"state": "summitry", "p": 1, "q": 2}, 12, "s.yaml")
    assert "unknown keys 'p', 'q'; missing keys 'probability', 'within'" in str(info.value)


def test_a_list_in_words_and_a_difference_in_words():
    from forecast.present import and_list, more_or_fewer

    assert and_list(["persist"]) == "persist" and and_list([]) == ""
    assert and_list(["a", "b"]) == "a and b" and and_list(["a", "b", "c"]) == "a, b and c"
    # one rounding for a mean and its interval's bounds: a small difference keeps a digit
    assert more_or_fewer(-3.96) == "4.0 fewer" and more_or_fewer(0.009) == "0.01 more"
    assert more_or_fewer(-0.04, "launch days") == "0.04 fewer launch days"
    assert more_or_fewer(0.0, zero="0.0") == "0.0" and more_or_fewer(-0.00001) == "about as many"
    assert more_or_fewer(0.31, "launch days", "'Base'") == "0.3 more launch days than 'Base'"
    assert more_or_fewer(0.0, "launch days", "'Base'") == "about as many launch days as 'Base'"
