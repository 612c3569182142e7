"""The question families of the strict question backtest, their outcomes and naive answers.

A *family* is one question asked at every cutoff about the months after it (:data:`FAMILIES`):
a change of state within 3, 6 or 12 months, talks resuming within 6 months, at least one
launch day in 3 months, three or more in 6 months, a launch of each weapon-class group (SRBM,
MRBM/IRBM, ICBM, SLBM/SLV/other) in 6 months, a nuclear test
within 12 months (binary, Brier score) and the launch days of the next 12 months (numeric,
CRPS). Each is resolved against the panel with :func:`forecast.questions.resolve`, the
function that resolves the workbench's own questions.

Naive answers, each computed from the months up to the cutoff only:

``longrun``
    The long-run base rate: the share of all windows of the same length since 1990 that had
    ended by the cutoff in which the event happened (for the numeric family: those windows'
    totals as the predictive distribution).
``recent5y``
    The same over the windows that ended in the last five years (60 months) before the
    cutoff.
``naive``
    The answer of the naive forecast that holds the recent past: for launch families the
    ``recent_rate`` model (one negative-binomial rate over the last 24 months, fitted at the
    cutoff; ICBM launch days through the same class mix as the default), for the nuclear
    family a Poisson rate of the last 24 months' tests, for the state families the state
    held (``recent_rate`` knows no state: its forecast holds the state at the cutoff, so it
    says "no change").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data import month_periods
from forecast.questions import parse_questions, resolve
from forecast.scores import crps

#: The naive answers every family is scored against.
NAIVE = ("longrun", "recent5y", "naive")

#: Months of the "recent" base rate.
RECENT_MONTHS = 60

#: Months of the recent nuclear-test rate.
NUCLEAR_RECENT_MONTHS = 24

#: The families: ``group`` says what answers them (``state``: the transition model, exactly;
#: ``count``: the count model's forecast along the transition model's paths; ``nuclear``: the
#: nuclear-test model along those paths).
FAMILIES: tuple[dict, ...] = (
    {
        "id": "change-3m",
        "title": "The negotiation state changes within 3 months",
        "type": "binary",
        "event": "state_change",
        "months": 3,
        "group": "state",
    },
    {
        "id": "change-6m",
        "title": "The negotiation state changes within 6 months",
        "type": "binary",
        "event": "state_change",
        "months": 6,
        "group": "state",
    },
    {
        "id": "change-12m",
        "title": "The negotiation state changes within 12 months",
        "type": "binary",
        "event": "state_change",
        "months": 12,
        "group": "state",
    },
    {
        "id": "talks-6m",
        "title": "Talks resume (a change into active talks or summitry) within 6 months",
        "type": "binary",
        "event": {"kind": "state_change", "to": ["active_talks", "summitry"]},
        "months": 6,
        "group": "state",
    },
    {
        "id": "launch-3m",
        "title": "At least one launch day in the next 3 months",
        "type": "binary",
        "event": "launch_day",
        "months": 3,
        "group": "count",
    },
    {
        "id": "launch-3plus-6m",
        "title": "Three or more launch days in the next 6 months",
        "type": "binary",
        "event": "launch_day",
        "threshold": 3,
        "months": 6,
        "group": "count",
    },
    {
        "id": "icbm-6m",
        "title": "An ICBM launch in the next 6 months",
        "type": "binary",
        "event": {"kind": "launch_day", "weapon_class": "ICBM"},
        "months": 6,
        "group": "count",
    },
    # the other weapon-class groups, as the ICBM family: a class-level Brier table (issue 22)
    *(
        {
            "id": f"{slug}-6m",
            # every group name is said with a vowel sound first (ess, em, ess): "an"
            "title": f"A launch day with an {group} missile in the next 6 months",
            "type": "binary",
            "event": {"kind": "launch_day", "weapon_class": group},
            "months": 6,
            "group": "count",
        }
        for slug, group in (
            ("srbm", "SRBM"),
            ("mrbm-irbm", "MRBM/IRBM"),
            ("slbm-slv-other", "SLBM/SLV/other"),
        )
    ),
    {
        "id": "nuclear-12m",
        "title": "A nuclear test in the next 12 months",
        "type": "binary",
        "event": "nuclear_test",
        "months": 12,
        "group": "nuclear",
    },
    {
        "id": "launch-days-12m",
        "title": "Launch days in the next 12 months",
        "type": "numeric",
        "event": "launch_day",
        "months": 12,
        "group": "count",
    },
)

#: Families by id.
BY_ID = {f["id"]: f for f in FAMILIES}


def family_question(family: dict, cutoff: pd.Period):
    """The question of ``family`` asked at ``cutoff`` (window: the months after it)."""
    first, last = cutoff + 1, cutoff + family["months"]
    spec = {k: v for k, v in family.items() if k not in ("months", "group")}
    spec |= {"window": {"start": str(first), "end": str(last)}, "resolution": "backtest"}
    return parse_questions({"questions": [spec]}, "question backtest")[0]


def window_history(family: dict, panel: pd.DataFrame) -> pd.Series:
    """The outcome of ``family`` (1/0, or the total) for every window the panel covers, by the
    window's last month (a naive answer at a cutoff reads the windows ended by then)."""
    index = month_periods(panel)
    width = family["months"]
    ends, values = [], []
    for start in index[1 : len(index) - width + 1]:  # a state change needs the month before
        outcome = resolve(family_question(family, start - 1), panel)
        ends.append(start + width - 1)
        values.append(float(outcome))
    return pd.Series(values, index=pd.PeriodIndex(ends, freq="M"), dtype=float)


def outcome_at(family: dict, cutoff: pd.Period, panel: pd.DataFrame):
    """What happened in the family's window after ``cutoff`` (None when not yet observed)."""
    outcome = resolve(family_question(family, cutoff), panel)
    return None if outcome is None else float(outcome)


def base_rate_answers(history: pd.Series, cutoff: pd.Period) -> dict:
    """The long-run and five-year naive answers at ``cutoff`` from the windows ended by then.

    Returns
    -------
    dict
        ``longrun`` and ``recent5y``: a probability (binary families) or an array of past
        totals (the numeric family's predictive sample); None when no window has ended.
    """
    past = history[history.index <= cutoff]
    recent = past[past.index > cutoff - RECENT_MONTHS]
    return {"longrun": past.to_numpy(), "recent5y": recent.to_numpy()}


def nuclear_recent_answer(panel: pd.DataFrame, cutoff: pd.Period, months: int = 12) -> float:
    """P(a nuclear test within ``months``) from a Poisson rate of the last 24 months' tests."""
    rows = panel[month_periods(panel) <= cutoff]
    rate = rows["nuclear_tests"].to_numpy(float)[-NUCLEAR_RECENT_MONTHS:].mean()
    return float(1 - np.exp(-rate * months))


def score_answer(family: dict, answer, outcome: float) -> float:
    """Brier score of a probability, or CRPS of a predictive sample, against the outcome.

    ``answer`` is a probability, or (numeric family) an array of predictive draws; an array
    for a binary family is read as past outcomes whose mean is the probability.
    """
    if family["type"] == "binary":
        p = float(np.mean(answer)) if np.ndim(answer) else float(answer)
        return (p - outcome) ** 2
    draws = np.asarray(answer, dtype=float)
    return float(crps([outcome], [draws])[0])


def probability_of(answer) -> float:
    """A binary answer as a probability (the mean of past outcomes, or the value)."""
    return float(np.mean(answer)) if np.ndim(answer) else float(answer)
