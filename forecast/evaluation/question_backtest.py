"""Backtest of forecast questions: the platform-style questions asked at every past cutoff.

At each cutoff of a backtest the default model's unconditional forecast (the ``transition``
state path: every draw its own state path) answers a fixed set of questions about the months
after the cutoff (:data:`TEMPLATES`: launch days, ICBM launches, nuclear tests, talks resuming),
with the weapon-class mix and the nuclear rate fitted on the data up to the cutoff
(:mod:`forecast.models.events`). Each answer is resolved against what happened and scored
with the Brier score; beside it the *base rate* (the share of earlier windows of the same
length, 1990 to the cutoff, in which the event happened) is scored the same way, so the
table says whether the model beats the simplest honest forecast. A reliability table bins the
probabilities against the observed frequencies.

The transition model's own calibration (P(state change) and P(each state) 1-12 months ahead,
from origins it did not see) is :func:`forecast.evaluation.state_transitions.calibration_backtest`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from forecast.questions import (
    answer,
    outcome_code,
    parse_questions,
    reliability_table,
    resolve,
    score,
    simulated_outcomes,
)

#: The questions asked at every cutoff (window in months after the cutoff).
TEMPLATES: tuple[dict, ...] = (
    {
        "id": "launch-3m",
        "title": "At least one launch day in the next 3 months",
        "type": "binary",
        "event": "launch_day",
        "months": 3,
    },
    {
        "id": "launch-3plus-6m",
        "title": "Three or more launch days in the next 6 months",
        "type": "binary",
        "event": "launch_day",
        "threshold": 3,
        "months": 6,
    },
    {
        "id": "icbm-6m",
        "title": "An ICBM launch in the next 6 months",
        "type": "binary",
        "event": {"kind": "launch_day", "weapon_class": "ICBM"},
        "months": 6,
    },
    {
        "id": "nuclear-12m",
        "title": "A nuclear test in the next 12 months",
        "type": "binary",
        "event": "nuclear_test",
        "months": 12,
    },
    {
        "id": "talks-6m",
        "title": "Talks resume (a change into active talks or summitry) within 6 months",
        "type": "binary",
        "event": {"kind": "state_change", "to": ["active_talks", "summitry"]},
        "months": 6,
    },
    {
        "id": "launch-days-12m",
        "title": "Launch days in the next 12 months",
        "type": "numeric",
        "event": "launch_day",
        "months": 12,
    },
)


def template_question(template: dict, cutoff: pd.Period):
    """The question of ``template`` asked at ``cutoff`` (window: the months after it)."""
    first, last = cutoff + 1, cutoff + template["months"]
    spec = {k: v for k, v in template.items() if k != "months"}
    spec |= {"window": {"start": str(first), "end": str(last)}, "resolution": "backtest"}
    return parse_questions({"questions": [spec]}, "question backtest")[0]


def window_outcomes(template: dict, panel: pd.DataFrame) -> pd.Series:
    """The YES/NO outcome of a binary template for every window the panel covers, by the
    window's last month (the base rate at a cutoff averages the windows ended by then)."""
    index = pd.PeriodIndex(pd.to_datetime(panel["month"]), freq="M")
    width = template["months"]
    ends, hits = [], []
    for start in index[1 : len(index) - width + 1]:  # a state change needs the month before
        question = template_question(template, start - 1)
        ends.append(start + width - 1)
        hits.append(bool(resolve(question, panel)))
    return pd.Series(hits, index=pd.PeriodIndex(ends, freq="M"), dtype=float)


def question_backtest(
    results: Sequence, panel: pd.DataFrame, model: str, seed: int = 1
) -> pd.DataFrame:
    """Ask :data:`TEMPLATES` at every cutoff of ``model``'s folds; resolve and score them.

    Parameters
    ----------
    results : sequence of FoldResult
        Backtest folds (the kept ``forecast`` of the ``transition`` path: launch days, weapon
        classes, nuclear tests and states, simulated with the outlook models fitted at the
        cutoff).
    panel : DataFrame
        The whole panel (outcomes, and the history each cutoff's outlook models see).
    model : str
        The model whose folds answer.
    seed : int
        Unused (the folds' own seeds made the draws); kept for the call's shape.

    Returns
    -------
    DataFrame
        One row per cutoff and question: ``cutoff, question, type, answer`` (the probability,
        or the predictive mean), ``outcome``, ``brier``, ``base_rate``, ``brier_base``
        (binary), ``crps`` (numeric).
    """
    rows = []
    history = {t["id"]: window_outcomes(t, panel) for t in TEMPLATES if t["type"] == "binary"}
    for result in results:
        if result.model != model or result.forecast is None:
            continue
        sims = result.forecast.data.isel(scenario=0)
        for template in TEMPLATES:
            question = template_question(template, result.cutoff)
            outcome = resolve(question, panel)
            if outcome is None or len(result.months) < template["months"]:
                continue
            given = answer(question, sims)
            draws = simulated_outcomes(question, sims).values
            scores = score(question, outcome, draws) or {}
            row = {
                "cutoff": result.cutoff.to_timestamp(),
                "question": template["id"],
                "type": question.type,
                "answer": given["probability"] if question.type == "binary" else given["mean"],
                "outcome": outcome_code(question, outcome),
            }
            if question.type == "binary":
                past = history[template["id"]]
                p0 = float(past[past.index <= result.cutoff].mean())
                row |= {
                    "brier": scores["brier"],
                    "base_rate": p0,
                    "brier_base": (p0 - row["outcome"]) ** 2,
                }
            else:
                row["crps"] = scores["crps"]
            rows.append(row)
    columns = ["cutoff", "question", "type", "answer", "outcome", "brier", "base_rate"]
    return pd.DataFrame(rows).reindex(columns=[*columns, "brier_base", "crps"])


def question_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean Brier score of each binary question against its base rate (skill = 1 - ratio)."""
    binary = table[table["type"] == "binary"]
    summary = binary.groupby("question", sort=False).agg(
        n=("brier", "size"),
        frequency=("outcome", "mean"),
        mean_probability=("answer", "mean"),
        brier=("brier", "mean"),
        brier_base=("brier_base", "mean"),
    )
    summary["skill"] = 1 - summary["brier"] / summary["brier_base"]
    return summary.reset_index()


def question_reliability(table: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Reliability table of every binary answer of the backtest, pooled over questions."""
    binary = table[table["type"] == "binary"].dropna(subset=["answer"])
    return reliability_table(binary["answer"].to_numpy(), binary["outcome"].to_numpy(), bins)
