"""Backtests of forecast questions: the platform-style questions asked at every past cutoff.

Two backtests live here.

The strict question backtest (:func:`forecast.evaluation.strict_questions.strict_backtest`;
``make questions-backtest`` or ``python -m forecast.evaluation.strict_questions``) asks the
families of :mod:`forecast.evaluation.question_families` at every month 2000-2024 as a cutoff:

- the state families (a change of state within 3, 6, 12 months; talks resuming within 6) are
  answered exactly by each state model of :mod:`forecast.models.state_catalog` fitted on
  the months up to the cutoff (every month: 300 cutoffs; cheap);
- the nuclear family (a test within 12 months) by each candidate nuclear-test rate
  (:data:`forecast.models.events.NUCLEAR_CANDIDATES`, every month);
- the count families (at least one launch day in 3 months, three or more in 6, a launch of
  each weapon-class group in 6, launch days in 12 by CRPS) by the default count model
  (``ar_level``) fitted at every month too (300 cutoffs, the ``backtest`` sampler preset;
  about 30 minutes on two cores, ``--every 3`` a third of that), simulated along the paths of
  every state model, with the class mix fitted at the cutoff
  (:mod:`forecast.evaluation.question_folds`, cached).

Every family is scored against its strongest naive answer (the long-run base rate, the base
rate of the last five years, the naive forecast; :mod:`forecast.evaluation.question_skill`),
with joint block-bootstrap intervals and an ``overall`` row, and a reliability table per
family. The same count folds give the unconditional forecast of launch days against the state
held, by horizon band, for every state model. Nothing after a cutoff reaches its answers: the
models, their priors (those learned from data are learned from the months up to the cutoff)
and the naive answers see the months up to it only.

The older question backtest (:func:`question_backtest` here, ``forecast backtest --questions``)
asks :data:`TEMPLATES` from the folds of any backtest and compares each answer with the
long-run base rate only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from forecast.evaluation.question_families import BY_ID, family_question, window_history
from forecast.questions import (
    answer,
    outcome_code,
    reliability_table,
    resolve,
    score,
    simulated_outcomes,
)

#: The questions asked at every cutoff (window in months after the cutoff): families of the
#: strict question backtest (:mod:`forecast.evaluation.question_families`).
TEMPLATES: tuple[dict, ...] = tuple(
    BY_ID[family]
    for family in (
        "launch-3m",
        "launch-3plus-6m",
        "icbm-6m",
        "nuclear-12m",
        "talks-6m",
        "launch-days-12m",
    )
)

#: The question of a template asked at a cutoff, and a binary template's outcome for every
#: window the panel covers: the strict backtest's own functions.
template_question = family_question
window_outcomes = window_history


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
