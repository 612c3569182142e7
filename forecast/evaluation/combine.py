"""Pools of forecasts: equal-weight mixtures and stacking learned only from the past.

A pool's predictive distribution is a mixture of its members' (``pool:a+b``: equal weights;
``stack:a+b``: weights per horizon band). Stacking follows Yao, Vehtari, Simpson & Gelman
(2018) with the log score: at each cutoff ``C`` and for each horizon band, the weights
maximise ``sum_i log(sum_k w_k p_k(y_i))`` over the members' earlier forecasts in that band
whose target month is at most ``C`` (so they had resolved when the forecast at ``C`` was
made), fitted by the EM algorithm for mixture weights (the objective is concave). With fewer
than :data:`MIN_RESOLVED` such forecasts the weights are equal. Nothing after ``C`` can reach
the weights used at ``C``: a test changes every later outcome and checks the weights.

``p_k(y)`` is the member's smoothed predictive probability of the observed count, the one
the log score uses (:func:`forecast.scores.log_score`). The mixture's draws take
``round(w_k * n)`` draws of member ``k`` (largest remainders, so they sum to ``n``), from a
seeded permutation of its draws.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import ConfigError
from forecast.evaluation.folds import STATE_PATHS, FoldResult, fold_seeds
from forecast.evaluation.plan import check_models

#: Resolved forecasts a band needs before its stacking weights leave 1/k.
MIN_RESOLVED = 24

#: EM iterations of the stacking weights (the log-likelihood gain is < 1e-8 well before).
EM_ITERATIONS = 500

#: Horizon bands of the stacking weights and the summary tables.
BANDS: dict[str, tuple[int, int]] = {"1-3": (1, 3), "4-6": (4, 6), "7-12": (7, 12)}


def band_of(horizon: int) -> str:
    """The band of a horizon (``7-12`` for every horizon from 7 on)."""
    for name, (lo, hi) in BANDS.items():
        if lo <= horizon <= hi:
            return name
    return list(BANDS)[-1]


@dataclass(frozen=True)
class PoolSpec:
    """A pool to score: its name, kind (``pool`` or ``stack``) and member models."""

    name: str
    kind: str
    members: tuple[str, ...]


def check_pools(pools: Sequence[str] | str, known: Sequence[str] = ()) -> list[PoolSpec]:
    """Parse pool names such as ``pool:a+b`` or ``stack:a+b+c``.

    Parameters
    ----------
    pools : sequence of str or str
        Pool names (or a comma-separated list).
    known : sequence of str
        Labels of the backtest's models: a member may be one of them or a registered model.
    """
    if isinstance(pools, str):
        pools = [p.strip() for p in pools.split(",") if p.strip()]
    specs = []
    for text in pools:
        match = re.fullmatch(r"(pool|stack):([\w+]+)", text)
        members = tuple(match.group(2).split("+")) if match else ()
        if not match or len(members) < 2 or len(set(members)) != len(members):
            raise ConfigError(
                "--pools",
                f"{text!r} is not a pool",
                "write pool:MODEL+MODEL (equal weights) or stack:MODEL+MODEL (learned weights), "
                "with two or more different registered models",
            )
        unknown = [m for m in members if m not in known]
        if unknown:
            check_models(unknown, "--pools")
        specs.append(PoolSpec(text, match.group(1), members))
    return specs


def stacking_weights(density: np.ndarray) -> np.ndarray:
    """Mixture weights maximising the mean log score of ``density`` (forecasts x members).

    Parameters
    ----------
    density : ndarray, shape (n, k)
        Each member's predictive probability of each observed value (positive).

    Returns
    -------
    ndarray, shape (k,)
        Non-negative weights summing to 1 (equal when ``n`` is 0).
    """
    density = np.asarray(density, dtype=float)
    k = density.shape[1]
    weights = np.full(k, 1.0 / k)
    if len(density) == 0:
        return weights
    for _ in range(EM_ITERATIONS):
        mix = density @ weights
        weights = weights * (density / mix[:, None]).mean(axis=0)
        weights /= weights.sum()
    return weights


def weights_at(
    member_scores: pd.DataFrame, members: Sequence[str], cutoff: pd.Timestamp
) -> dict[str, np.ndarray]:
    """Stacking weights per band for a forecast made at ``cutoff``, from resolved forecasts.

    Parameters
    ----------
    member_scores : DataFrame
        Scores of the members' forecasts (``model, cutoff, state_path, horizon,
        target_month, log_score``); the ``persist`` path is used.
    members : sequence of str
        Member models, in weight order.
    cutoff : Timestamp
        The forecast's cutoff month; only forecasts with ``target_month <= cutoff`` count.
    """
    rows = member_scores[
        (member_scores["state_path"] == "persist")
        & (member_scores["target_month"] <= cutoff)
        & member_scores["model"].isin(list(members))
    ]
    wide = rows.pivot_table(
        index=["cutoff", "horizon"], columns="model", values="log_score", aggfunc="first"
    )
    wide = wide.reindex(columns=list(members)).dropna()
    out = {}
    for band, (lo, hi) in BANDS.items():
        part = wide[wide.index.get_level_values("horizon").to_series().between(lo, hi).to_numpy()]
        if len(part) < MIN_RESOLVED:
            out[band] = np.full(len(members), 1.0 / len(members))
        else:
            out[band] = stacking_weights(np.exp(-part.to_numpy()))
    return out


def _allocate(weights: np.ndarray, n: int) -> np.ndarray:
    """Integer draw counts ``round(w * n)`` by largest remainders, summing to ``n``."""
    raw = np.asarray(weights, dtype=float) * n
    counts = np.floor(raw).astype(int)
    short = n - counts.sum()
    if short > 0:
        counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def mix_draws(member_draws: Sequence[np.ndarray], weights: np.ndarray, rng) -> np.ndarray:
    """Mixture draws of one forecast month from each member's draws and the weights."""
    n = len(member_draws[0])
    counts = _allocate(weights, n)
    parts = [d[rng.permutation(len(d))[:c]] for d, c in zip(member_draws, counts, strict=True)]
    return np.concatenate(parts)


def pool_results(specs, results, member_scores: pd.DataFrame, seed: int = 1):
    """The forecasts of every pool, from its members' fold results.

    Returns
    -------
    results : list of FoldResult
        One per pool and cutoff (cutoffs where every member was forecast).
    weights : DataFrame
        ``pool, cutoff, band, model, weight`` of every pool and cutoff.
    """
    by_key = {(r.model, r.cutoff): r for r in results}
    out, rows = [], []
    for spec in specs:
        cutoffs = sorted({r.cutoff for r in results if r.model == spec.members[0]})
        for cutoff in cutoffs:
            parts = [by_key.get((m, cutoff)) for m in spec.members]
            if any(p is None for p in parts):
                continue
            if spec.kind == "stack":
                weights = weights_at(member_scores, spec.members, cutoff.to_timestamp())
            else:
                equal = np.full(len(spec.members), 1.0 / len(spec.members))
                weights = {band: equal for band in BANDS}
            rng = np.random.default_rng(fold_seeds(seed, spec.name, cutoff)[1])
            first = parts[0]
            draws = {}
            for path in STATE_PATHS:
                months = [
                    mix_draws([p.draws[path][i] for p in parts], weights[band_of(i + 1)], rng)
                    for i in range(len(first.months))
                ]
                draws[path] = np.stack(months).astype(np.int32)
            info = {"model": spec.name, "cutoff": cutoff.to_timestamp(), "verdict": spec.kind}
            out.append(
                FoldResult(
                    spec.name,
                    cutoff,
                    first.months,
                    first.observed,
                    draws,
                    first.states,
                    first.exercise_days,
                    info,
                )
            )
            for band, w in weights.items():
                for member, value in zip(spec.members, w, strict=True):
                    rows.append(
                        {
                            "pool": spec.name,
                            "cutoff": cutoff.to_timestamp(),
                            "band": band,
                            "model": member,
                            "weight": float(value),
                        }
                    )
    return out, pd.DataFrame(rows, columns=["pool", "cutoff", "band", "model", "weight"])
