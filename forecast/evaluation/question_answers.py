"""Answers of the strict question backtest that need no count model: state and nuclear families,
and the naive answers of every family.

State families are answered *exactly* by each state model of
:mod:`forecast.models.state_catalog` fitted on the months up to the cutoff
(:meth:`~forecast.models.state_model.StateModel.event_probability`: the limit of the share of
simulated paths, with no simulation noise). The nuclear family is answered by each candidate
nuclear-test rate (:data:`NUCLEAR_CANDIDATES`) fitted on the same months; a rate by state is
averaged over state paths of the outlook's state model fitted at the cutoff. Both are cheap,
so they are asked at every monthly cutoff.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data import month_periods
from forecast.evaluation.folds import fold_seeds
from forecast.evaluation.question_families import (
    FAMILIES,
    base_rate_answers,
    nuclear_recent_answer,
    outcome_at,
    probability_of,
    score_answer,
    window_history,
)
from forecast.models.events import NUCLEAR_CANDIDATES, NUCLEAR_PATHS, NuclearRate
from forecast.models.state_catalog import DEFAULT_TRANSITIONS, TRANSITION_MODELS
from forecast.simulation import state_paths


def _training(panel: pd.DataFrame, cutoff: pd.Period) -> pd.DataFrame:
    return panel[month_periods(panel) <= cutoff].reset_index(drop=True)


def _state_families() -> list[dict]:
    return [f for f in FAMILIES if f["group"] == "state"]


def state_answers(panel: pd.DataFrame, cutoffs, models=None, seed: int = 1) -> pd.DataFrame:
    """Every state model's exact answers to the state families at every cutoff.

    Parameters
    ----------
    panel : DataFrame
    cutoffs : iterable of Period
    models : iterable of str, optional
        Names of :data:`~forecast.models.state_catalog.TRANSITION_MODELS` (default: all).
    seed : int
        Root seed (each fit's from ``(seed, "transitions", cutoff)``).

    Returns
    -------
    DataFrame
        ``cutoff, family, source, answer, outcome`` (cutoffs whose window is observed).
    """
    rows = []
    for cutoff in cutoffs:
        asked = [(f, outcome_at(f, cutoff, panel)) for f in _state_families()]
        asked = [(f, o) for f, o in asked if o is not None]
        if not asked:
            continue
        training = _training(panel, cutoff)
        fit_seed = fold_seeds(seed, "transitions", cutoff)[0]
        for name in models or TRANSITION_MODELS:
            chain = TRANSITION_MODELS[name](random_seed=fit_seed).fit(training)
            for family, outcome in asked:
                to = family["event"].get("to") if isinstance(family["event"], dict) else None
                p = chain.event_probability(family["months"], to)
                rows.append(
                    {
                        "cutoff": str(cutoff),
                        "family": family["id"],
                        "source": name,
                        "answer": p,
                        "outcome": outcome,
                    }
                )
    return pd.DataFrame(rows)


def nuclear_answers(
    panel: pd.DataFrame,
    cutoffs,
    candidates: dict[str, dict] | None = None,
    transitions: str = DEFAULT_TRANSITIONS,
    seed: int = 1,
) -> pd.DataFrame:
    """Every candidate nuclear model's P(a test within 12 months) at every cutoff.

    Returns
    -------
    DataFrame
        ``cutoff, family, source, answer, outcome``.
    """
    family = next(f for f in FAMILIES if f["group"] == "nuclear")
    candidates = NUCLEAR_CANDIDATES if candidates is None else candidates
    rows = []
    for cutoff in cutoffs:
        outcome = outcome_at(family, cutoff, panel)
        if outcome is None:
            continue
        training = _training(panel, cutoff)
        fit_seed, sim_seed = fold_seeds(seed, "nuclear", cutoff)
        months = pd.period_range(cutoff + 1, periods=family["months"], freq="M")
        paths = None
        for name, priors in candidates.items():
            model = NuclearRate(priors or None, random_seed=fit_seed).fit(training)
            if model.priors["by_state"] and paths is None:
                chain = TRANSITION_MODELS[transitions](random_seed=fit_seed).fit(training)
                paths = state_paths(chain, months, NUCLEAR_PATHS, sim_seed)
            states = paths if model.priors["by_state"] else None
            rows.append(
                {
                    "cutoff": str(cutoff),
                    "family": family["id"],
                    "source": name,
                    "answer": model.p_any(family["months"], states=states),
                    "outcome": outcome,
                }
            )
    return pd.DataFrame(rows)


def naive_answers(
    panel: pd.DataFrame, cutoffs_by_family: dict, count_naive: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The naive answers (long-run and five-year base rates, the naive forecast) of each
    family at its cutoffs, scored.

    Parameters
    ----------
    panel : DataFrame
    cutoffs_by_family : dict of str to iterable of Period
        The cutoffs at which each family is asked.
    count_naive : DataFrame, optional
        The ``recent_rate`` answers of the count families (:func:`forecast.evaluation.
        question_folds.count_folds`, source ``recent_rate``).

    Returns
    -------
    DataFrame
        ``cutoff, family, source`` (``longrun``, ``recent5y``, ``naive``), ``answer`` (a
        probability, or the predictive mean), ``outcome, score``.
    """
    rows = []
    recent = {}
    if count_naive is not None and len(count_naive):
        for r in count_naive.to_dict("records"):
            recent[(r["cutoff"], r["family"])] = r
    for family in FAMILIES:
        cutoffs = cutoffs_by_family.get(family["id"], ())
        if not cutoffs:
            continue
        history = window_history(family, panel)
        for cutoff in cutoffs:
            outcome = outcome_at(family, cutoff, panel)
            if outcome is None:
                continue
            base = {"cutoff": str(cutoff), "family": family["id"], "outcome": outcome}
            for name, sample in base_rate_answers(history, cutoff).items():
                if not len(sample):
                    continue
                answer = probability_of(sample) if family["type"] == "binary" else sample.mean()
                score = score_answer(family, sample, outcome)
                rows.append({**base, "source": name, "answer": answer, "score": score})
            naive = _naive(family, cutoff, panel, recent)
            if naive is not None:
                rows.append({**base, "source": "naive", **naive})
    return pd.DataFrame(rows)


def _naive(family: dict, cutoff: pd.Period, panel: pd.DataFrame, recent: dict):
    """The naive forecast's answer and score (None when it was not run at this cutoff)."""
    outcome = outcome_at(family, cutoff, panel)
    if family["group"] == "state":
        return {"answer": 0.0, "score": (0.0 - outcome) ** 2}
    if family["group"] == "nuclear":
        p = nuclear_recent_answer(panel, cutoff, family["months"])
        return {"answer": p, "score": (p - outcome) ** 2}
    row = recent.get((str(cutoff), family["id"]))
    if row is None:
        return None
    if family["type"] == "binary":
        return {"answer": row["answer"], "score": (row["answer"] - outcome) ** 2}
    return {"answer": row["answer"], "score": row["crps"]}


def scored(answers: pd.DataFrame) -> pd.DataFrame:
    """Model answers with their ``score`` (Brier; the numeric family keeps its CRPS)."""
    out = answers.copy()
    binary = ~out["family"].isin([f["id"] for f in FAMILIES if f["type"] == "numeric"])
    crps = out["crps"] if "crps" in out else np.nan
    out["score"] = np.where(binary, (out["answer"] - out["outcome"]) ** 2, crps)
    return out
