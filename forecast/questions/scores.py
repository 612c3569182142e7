"""Scoring resolved questions: Brier and log scores of binary answers, CRPS of numeric and
date answers (:func:`forecast.scores.crps`), and the reliability of probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.questions.resolve import Simulated
from forecast.questions.spec import ANNULLED, NOT_IN_WINDOW, PROBABILITY_CLIP, Question
from forecast.scores import crps

# --- scores ------------------------------------------------------------------------------------


def binary_scores(
    probability, outcome, clip: tuple[float, float] = PROBABILITY_CLIP
) -> pd.DataFrame:
    """Brier and log scores of binary forecasts (lower is better).

    Parameters
    ----------
    probability : array_like
        Forecast probabilities of YES.
    outcome : array_like of bool or 0/1
        What happened.
    clip : (float, float)
        Range the probability is clipped to for the log score only.

    Returns
    -------
    DataFrame
        ``brier = (p - o) ** 2`` and ``log_score = -ln(p)`` if YES else
        ``-ln(1 - p)`` (natural log, ``p`` clipped).
    """
    p = np.atleast_1d(np.asarray(probability, dtype=float))
    o = np.atleast_1d(np.asarray(outcome, dtype=float))
    if p.shape != o.shape:
        raise ValueError(f"{p.shape[0]} probabilities but {o.shape[0]} outcomes")
    if ((p < 0) | (p > 1)).any() or not np.isin(o, (0, 1)).all():
        raise ValueError("probabilities must be in [0, 1] and outcomes 0/1")
    clipped = np.clip(p, *clip)
    log = -np.where(o == 1, np.log(clipped), np.log1p(-clipped))
    return pd.DataFrame({"brier": (p - o) ** 2, "log_score": log})


def crps_draws(draws, observed: float) -> float:
    """CRPS of one observation against predictive draws (:func:`forecast.scores.crps`)."""
    return float(crps([float(observed)], [np.asarray(draws, dtype=float)])[0])


def outcome_code(question: Question, outcome) -> int:
    """The outcome as the number the scores use (date: month index, none = window length)."""
    kind = question.answer_type
    if kind == "binary":
        return int(bool(outcome))
    if kind == "numeric":
        return int(outcome)
    if outcome == NOT_IN_WINDOW:
        return len(question.months)
    return int(pd.Period(outcome, "M").ordinal - question.start.ordinal)


def score(question: Question, outcome, draws) -> dict | None:
    """Score one answered question once it resolved.

    Parameters
    ----------
    question : Question
    outcome
        Output of :func:`resolve`.
    draws : array_like or Simulated
        The per-draw outcomes the answer came from (:func:`simulated_outcomes`).

    Returns
    -------
    dict or None
        binary: ``brier``, ``log_score``, ``probability``; numeric and date:
        ``crps``; None when unresolved or annulled.
    """
    if outcome is None or (isinstance(outcome, str) and outcome == ANNULLED):
        return None
    values = draws.values if isinstance(draws, Simulated) else np.asarray(draws)
    code = outcome_code(question, outcome)
    if question.answer_type == "binary":
        p = float(np.mean(values))
        return {"probability": p, **binary_scores(p, code).iloc[0].to_dict()}
    return {"crps": crps_draws(values, code)}


# --- reliability -------------------------------------------------------------------------------


def reliability_table(probabilities, outcomes, bins: int = 10) -> pd.DataFrame:
    """Forecast probabilities binned against observed frequencies.

    Parameters
    ----------
    probabilities : array_like
        Forecast probabilities in [0, 1].
    outcomes : array_like of bool or 0/1
    bins : int, default 10
        Equal-width bins on [0, 1]; a probability on an inner edge goes to the
        upper bin, 1.0 to the last.

    Returns
    -------
    DataFrame
        Non-empty bins only: ``bin_lo``, ``bin_hi``, ``n``,
        ``mean_probability``, ``observed_frequency``, ``lo90``, ``hi90``
        (Jeffreys 90% interval of the observed frequency, with the bound set to
        0 or 1 when no or every outcome happened, as Brown, Cai and DasGupta 2001
        recommend).
    """
    from scipy import stats

    p = np.asarray(probabilities, dtype=float)
    o = np.asarray(outcomes, dtype=float)
    if p.shape != o.shape:
        raise ValueError(f"{p.size} probabilities but {o.size} outcomes")
    if ((p < 0) | (p > 1)).any() or not np.isin(o, (0, 1)).all():
        raise ValueError("probabilities must be in [0, 1] and outcomes 0/1")
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.floor(p * bins).astype(int), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        if not n:
            continue
        hits = float(o[inside].sum())
        jeffreys = stats.beta(hits + 0.5, n - hits + 0.5)
        rows.append(
            {
                "bin_lo": edges[b],
                "bin_hi": edges[b + 1],
                "n": n,
                "mean_probability": float(p[inside].mean()),
                "observed_frequency": hits / n,
                "lo90": float(jeffreys.ppf(0.05)) if hits > 0 else 0.0,
                "hi90": float(jeffreys.ppf(0.95)) if hits < n else 1.0,
            }
        )
    return pd.DataFrame(rows)
