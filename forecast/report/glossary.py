"""The terms the report uses, in plain words, for a reader who never opens Python.

:func:`glossary_section` is the index's section before the list of its files
(:func:`forecast.report.downloads.files_section`). Every model of
:data:`forecast.catalog.MODELS` but the ablation variants is described by its one line there
(one place for that text); the negotiation states
by the coding rules of ``datasets/CODING_NOTES.md``; the scores and checks here.
"""

from __future__ import annotations

import html

from forecast.catalog import MODELS
from forecast.report.context import ReportContext

#: The negotiation states as the data code them (``datasets/CODING_NOTES.md``, "Labels").
STATE_TERMS: dict[str, str] = {
    "no talks": "there is no negotiating process, or there is an explicit pressure policy, or "
    "North Korea has said it will not negotiate.",
    "stalled": "a process exists on paper or channels are open, but no rounds are held and "
    "each side blames the other.",
    "active talks": "a formal process is running: rounds are held or scheduled, or a signed "
    "agreement is being carried out.",
    "summitry": "leader-level diplomacy is under way or being prepared.",
}

#: Counts, weapons and sources.
DATA_TERMS: dict[str, str] = {
    "launch day": "a day on which North Korea launched at least one missile that CNS counts "
    "(ballistic missiles and space launch vehicles; not cruise missiles, artillery or rocket "
    "launchers), however many; the forecasts count launch days per month unless they say "
    "missiles.",
    "missiles": "the number of such missiles launched (one launch day may carry a salvo of "
    "several).",
    "CNS": "the James Martin Center for Nonproliferation Studies, whose North Korea missile "
    "test database is the source of the launches.",
    "SRBM, MRBM, IRBM, ICBM": "short-range (under 1,000 km), medium-range (1,000-3,000 km), "
    "intermediate-range (3,000-5,500 km) and intercontinental (over 5,500 km) ballistic "
    "missiles.",
    "SLBM, SLV": "a submarine-launched ballistic missile; a space launch vehicle (a rocket "
    "carrying a satellite).",
}

#: What a forecast and its checks are.
FORECAST_TERMS: dict[str, str] = {
    "simulation": "one possible future drawn from the fitted model (states month by month, "
    "then launches); a forecast is thousands of them, and a share of simulations is a "
    "probability.",
    "80% interval": "the range from the 10th to the 90th percentile of the simulations; with "
    "whole counts, both ends included, it holds at least 80% of them. If the model is right, "
    "the outcome falls outside it at most one time in five.",
    "scenario": "a forecast that holds the negotiations on a given path (for example talks "
    "resume in a given month of the forecast); the outlook ('all things considered') instead "
    "lets the state model move the negotiations as they have moved in the past.",
    "from today, from the data's end": "where a forecast's first month is: the month under way "
    "(the months the data lack are simulated first and not counted), or the month after the "
    "data's last. A scenario keeps its month numbers, so its 'month 3' is a different calendar "
    "month in each.",
    "rate ratio": "the launch rate in a negotiation state divided by the rate in no talks: "
    "0.6 means 40% fewer launch days, other things equal.",
    "94% HDI": "the narrowest range holding 94% of a fitted parameter's plausible values.",
    "state model (transition model)": "how the negotiation states have moved from month to "
    "month since 1990 (a Markov chain: the chance of each next state given the current one; "
    "for each state, half of its draws from a chain with recent years weighing more, half from "
    "one in which every state leaves at the same pooled pace); the outlook ('all things "
    "considered') draws the coming states from it.",
    "half-life": "the age at which a past month counts half as much: P(nuclear test) comes "
    "from a rate of tests in which a month 28 months old weighs half, so old tests fade; an "
    "assumption the report names.",
    "r-hat, ESS, BFMI, divergences": "checks that the sampler that fits the model explored it "
    "fully (r-hat near 1, enough effective draws, no divergences); a failed check means the "
    "numbers may be wrong.",
}

#: How forecasts are scored.
SCORE_TERMS: dict[str, str] = {
    "backtest, cutoff": "the model refitted at each past month (the cutoff) on the data up to "
    "it, and scored on the months that followed, which it had not seen.",
    "naive forecast": "a forecast that needs no model. For counts: one rate over the whole "
    "past (constant_rate), over the last 24 months (recent_rate), the last 12 months' counts "
    "(empirical_recent) or the last month's (last_value). For questions: the share of past "
    "windows since 1990 in which the event happened (the long-run base rate), the same over "
    "the last five years, or the answer of a forecast that holds the recent past "
    "(recent_rate's for launches, no change for the negotiation states, the last 24 months' "
    "rate for nuclear tests). A model is judged against the best of them.",
    "CRPS": "the continuous ranked probability score of a forecast of a count: how far the "
    "simulations lie from what came, in the count's unit (launch days), rewarding a forecast "
    "that is both close and not needlessly wide; lower is better, 0 is perfect.",
    "Brier score": "for a probability: the squared difference between the probability and "
    "what came (1 if the event happened, 0 if not); lower is better; always answering 50% "
    "scores 0.25.",
    "skill": "how much lower a forecast's score is than a reference's, as a percentage: "
    "positive means better than the reference, negative worse, 0 no better.",
    "90% interval of a skill": "the range of the skill over resamples of blocks of "
    "consecutive cutoffs (a block bootstrap); when it includes 0 the data cannot tell the two "
    "forecasts apart.",
    "randomised-PIT coverage": "the calibration check for whole counts: the share of outcomes "
    "inside the forecast's 80% interval, where an outcome on an end of the interval counts "
    "only in part (the part of its probability inside the central 80%). 80% means the "
    "intervals are as wide as they should be, less means too narrow. The interval as printed, "
    "ends included, holds more, much more for monthly launch days, where most months are 0.",
    "log score": "minus the logarithm of the probability the forecast gave to what came; "
    "lower is better; it punishes a confident miss hard.",
    "ablation": "the default model refitted with one of its terms left out (the season, the "
    "exercises, the negotiation state...) and scored on the same cutoffs: a term earns its "
    "place only if the forecasts are worse without it.",
}


def glossary_terms() -> list[tuple[str, list[tuple[str, str]]]]:
    """The glossary's groups of ``(term, meaning)``, in the order the page shows them."""
    models = [(entry.name, entry.description) for entry in MODELS.values() if not entry.ablation]
    models += [
        (
            "pool, stack",
            "a forecast mixing two models' simulations, with equal weights (pool) or with "
            "weights learned from each cutoff's past only (stack).",
        ),
        (
            "oracle",
            "a reference no one could use: a forecast told the next months' true average, "
            "showing how much skill is left to win.",
        ),
    ]
    return [
        ("Negotiation states (coded by us from public sources)", list(STATE_TERMS.items())),
        ("Launches", list(DATA_TERMS.items())),
        ("Forecasts", list(FORECAST_TERMS.items())),
        ("Scores", list(SCORE_TERMS.items())),
        ("Models", models),
    ]


def glossary_section(ctx: ReportContext) -> str:
    """The terms of the page in plain words (near the index's end)."""
    groups = []
    for title, terms in glossary_terms():
        items = "\n".join(
            f"<dt>{html.escape(term)}</dt><dd>{html.escape(meaning)}</dd>"
            for term, meaning in terms
        )
        groups.append(f"<h3>{html.escape(title)}</h3>\n<dl>\n{items}\n</dl>")
    return '<h2 id="glossary">Terms used in this report</h2>\n' + "\n".join(groups)


__all__ = ["glossary_section", "glossary_terms"]
