"""How well the negotiation-state chain of :mod:`forecast.models.transitions` holds up.

Two checks of the state models against the coded timeline: the dwell times (does the time
already spent in a state change the chance of leaving it, as the semi-Markov model of
:mod:`forecast.models.durations` says?) and a calibration backtest (at each origin, a state
model fitted on the months up to it forecasts the state k months ahead; Brier and log scores
against holding the state). The strict question backtest
(:mod:`forecast.evaluation.strict_questions`) compares the state models on the questions
users ask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from forecast.constants import STATES
from forecast.models.state_catalog import DEFAULT_TRANSITIONS, transition_model
from forecast.models.transitions import (
    _monthly_states,
    _to_month,
    transition_counts,
)
from forecast.questions import binary_scores

#: Default calibration origins: every month of 2005-2024.
CALIBRATION_ORIGINS = ("2005-01", "2024-12")

#: Forecast horizons (months) of the calibration backtest.
CALIBRATION_HORIZONS = tuple(range(1, 13))

# --- dwell times -------------------------------------------------------------------------------


def spells(panel: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Runs of consecutive months in one state.

    Parameters
    ----------
    panel : DataFrame or Series
        Monthly states (see :meth:`TransitionModel.fit`).

    Returns
    -------
    DataFrame
        ``state``, ``start``, ``end`` (Periods), ``months``, ``left_censored``
        (the first run: it began before the data), ``right_censored`` (the last
        run: it is still going).
    """
    states = _monthly_states(panel)
    values = states.to_numpy()
    breaks = np.flatnonzero(values[1:] != values[:-1]) + 1
    starts = np.r_[0, breaks]
    ends = np.r_[breaks, len(values)] - 1
    table = pd.DataFrame(
        {
            "state": values[starts],
            "start": states.index[starts],
            "end": states.index[ends],
            "months": ends - starts + 1,
        }
    )
    table["left_censored"] = np.arange(len(table)) == 0
    table["right_censored"] = np.arange(len(table)) == len(table) - 1
    return table


def _weibull_loglik(q: float, beta: float, months: np.ndarray, censored: np.ndarray) -> float:
    """Log likelihood of discrete Weibull dwell times, ``P(T > t) = q ** (t ** beta)``."""
    surv_before = q ** ((months - 1.0) ** beta)
    surv = q ** (months.astype(float) ** beta)
    terms = np.where(censored, surv_before, surv_before - surv)
    return float(np.log(np.clip(terms, 1e-300, None)).sum())


def dwell_time_check(panel: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Geometric (Markov) vs discrete Weibull (semi-Markov) dwell times, per state.

    The first spell is dropped (it began before the data), the last is
    right-censored. ``beta < 1`` means the exit hazard falls with time in the
    state, ``beta > 1`` that it rises; ``beta = 1`` is the Markov chain.

    Parameters
    ----------
    panel : DataFrame or Series
        Monthly states.

    Returns
    -------
    DataFrame
        One row per state: ``spells``, ``mean_months``, ``loglik_geometric``,
        ``loglik_weibull``, ``beta``, ``lr`` (2 x log-likelihood gain),
        ``p_value`` (chi-squared, 1 df); a last row ``all`` sums the statistics
        (4 df).
    """
    table = spells(panel)
    table = table[~table["left_censored"]]
    rows = []
    for state in STATES:
        sub = table[table["state"] == state]
        if sub.empty:
            continue
        months = sub["months"].to_numpy()
        cens = sub["right_censored"].to_numpy()
        exits = int((~cens).sum())
        stays = int((months - 1).sum())
        q_geo = stays / (stays + exits) if exits else 1.0 - 1e-9
        ll_geo = _weibull_loglik(q_geo, 1.0, months, cens)
        fit = optimize.minimize(
            lambda x, m=months, c=cens: (
                -_weibull_loglik(1 / (1 + np.exp(-x[0])), np.exp(x[1]), m, c)
            ),
            x0=[np.log(max(q_geo, 1e-6) / max(1 - q_geo, 1e-6)), 0.0],
            method="Nelder-Mead",
            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
        )
        ll_wei = max(-fit.fun, ll_geo)
        lr = 2 * (ll_wei - ll_geo)
        rows.append(
            {
                "state": state,
                "spells": len(sub),
                "mean_months": float(months.mean()),
                "loglik_geometric": ll_geo,
                "loglik_weibull": ll_wei,
                "beta": float(np.exp(fit.x[1])),
                "lr": lr,
                "p_value": float(stats.chi2.sf(lr, 1)),
            }
        )
    out = pd.DataFrame(rows)
    total = {
        "state": "all",
        "spells": int(out["spells"].sum()),
        "mean_months": float(table["months"].mean()),
        "loglik_geometric": out["loglik_geometric"].sum(),
        "loglik_weibull": out["loglik_weibull"].sum(),
        "beta": np.nan,
        "lr": out["lr"].sum(),
        "p_value": float(stats.chi2.sf(out["lr"].sum(), len(out))),
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def hazard_table(
    panel: pd.DataFrame | pd.Series, bins: Sequence[int] = (1, 3, 6, 12, 24)
) -> pd.DataFrame:
    """Observed monthly exit hazard by time already spent in the state, vs the Markov chain.

    Parameters
    ----------
    panel : DataFrame or Series
        Monthly states.
    bins : sequence of int
        Lower edges of the duration bands (months already in the state).

    Returns
    -------
    DataFrame
        One row per band: ``band``, ``at_risk`` (months at risk), ``exits``,
        ``hazard`` (exits / at risk), ``markov_hazard`` (the expected
        hazard if each state kept its own constant exit rate: mean of
        ``1 - P[i, i]`` (maximum likelihood) over the months at risk),
        ``expected_exits`` and ``deviance`` (Poisson deviance of the exits
        against the expected ones; summed over bands it is roughly chi-squared
        with bands - 1 df under the Markov chain).
    """
    table = spells(panel)
    table = table[~table["left_censored"]]
    states = _monthly_states(panel)
    counts = transition_counts(states)
    stay = np.diag(counts) / np.maximum(counts.sum(axis=1), 1)
    edges = [*bins, np.inf]
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        at_risk = exits = expected = 0.0
        for spell in table.itertuples():
            # after month t of a spell (t = 1..months) the state may end; a finished spell
            # ends after its last month, an ongoing one is known to go on only up to months-1
            t = np.arange(1, spell.months + (0 if spell.right_censored else 1))
            n_risk = int(((t >= lo) & (t < hi)).sum())
            at_risk += n_risk
            exits += int((not spell.right_censored) and lo <= spell.months < hi)
            expected += n_risk * (1 - stay[STATES.index(spell.state)])
        band = f"{int(lo)}+" if hi == np.inf else f"{int(lo)}-{int(hi) - 1}"
        rows.append(
            {
                "band": band,
                "at_risk": int(at_risk),
                "exits": int(exits),
                "hazard": exits / at_risk if at_risk else np.nan,
                "markov_hazard": expected / at_risk if at_risk else np.nan,
                "expected_exits": expected,
                "deviance": 2 * (exits * np.log(exits / expected) - (exits - expected))
                if exits and expected
                else 2 * expected,
            }
        )
    return pd.DataFrame(rows)


# --- calibration backtest ----------------------------------------------------------------------


def _origins(panel_states: pd.Series, origins) -> list[pd.Period]:
    if origins is None:
        first, last = (pd.Period(m, "M") for m in CALIBRATION_ORIGINS)
        return list(pd.period_range(first, last, freq="M"))
    return [_to_month(o, "origins", "origins") for o in origins]


def calibration_backtest(
    panel: pd.DataFrame | pd.Series,
    origins: Iterable | None = None,
    horizons: Iterable[int] = CALIBRATION_HORIZONS,
    priors: dict | None = None,
    since: str | None = None,
    draws: int = 1000,
    random_seed: int = 1,
    model: str = DEFAULT_TRANSITIONS,
) -> pd.DataFrame:
    """Out-of-sample forecasts of the state k months after each origin, with outcomes.

    At each origin the state model is fitted on the months ``since..origin`` (the
    origin's state is known) and predicts, for ``k`` in ``horizons``,
    ``P(state at origin + k = j)`` exactly (for the Markov chain ``E[(P ** k)[s_origin, j]]``
    over the posterior draws; :meth:`~forecast.models.state_model.StateModel.
    state_probabilities`), and ``P(change) = 1 - P(same state as at the origin)``.
    Only target months the data cover are kept.

    Parameters
    ----------
    panel : DataFrame or Series
        Monthly states (the whole data).
    origins : iterable of months, optional
        Last fitted months; default every month of 2005-01..2024-12.
    horizons : iterable of int
        Months ahead, default 1..12.
    priors : dict, optional
        Prior overrides of the state model.
    since : str, optional
        First training month.
    draws : int
        Posterior draws per origin.
    random_seed : int
        Seed of every origin's posterior draws.
    model : str
        The state model (:data:`forecast.models.state_catalog.TRANSITION_MODELS`; default
        the outlook's).

    Returns
    -------
    DataFrame
        One row per origin, horizon and event: ``origin``, ``horizon``,
        ``target_month``, ``origin_state``, ``event`` (``change`` or
        ``state:<name>``), ``probability``, ``outcome`` (0/1), and
        ``persist_probability`` (the persisting-state forecast: 0 for a
        change, 1 for the origin's state).
    """
    states = _monthly_states(panel)
    horizons = sorted({int(k) for k in horizons})
    last = states.index[-1]
    rows = []
    for origin in _origins(states, origins):
        targets = [origin + k for k in horizons if origin + k <= last]
        if not targets:
            continue
        chain = transition_model(
            model, priors, since=since, until=str(origin), draws=draws, random_seed=random_seed
        ).fit(states)
        s0 = STATES.index(chain.last_state)
        probs = chain.state_probabilities(max(horizons))
        for k in horizons:
            target = origin + k
            if target > last:
                continue
            actual = STATES.index(states[target])
            base = {
                "origin": str(origin),
                "horizon": k,
                "target_month": str(target),
                "origin_state": STATES[s0],
            }
            rows.append(
                {
                    **base,
                    "event": "change",
                    "probability": 1.0 - probs[k - 1][s0],
                    "outcome": int(actual != s0),
                    "persist_probability": 0.0,
                }
            )
            for j, state in enumerate(STATES):
                rows.append(
                    {
                        **base,
                        "event": f"state:{state}",
                        "probability": float(probs[k - 1][j]),
                        "outcome": int(actual == j),
                        "persist_probability": float(j == s0),
                    }
                )
    return pd.DataFrame(rows)


def calibration_scores(table: pd.DataFrame) -> pd.DataFrame:
    """Brier and log scores of a calibration backtest, by event type and horizon.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`calibration_backtest`.

    Returns
    -------
    DataFrame
        ``event`` (``change`` or ``state``: all four state events pooled),
        ``horizon``, ``n``, ``mean_probability``, ``base_rate``, ``brier``,
        ``log_score`` (see :func:`forecast.questions.binary_scores`), and
        ``brier_persist`` (the persisting-state forecast's Brier score).
    """
    frame = table.assign(kind=np.where(table["event"] == "change", "change", "state"))
    rows = []
    for (kind, k), sub in frame.groupby(["kind", "horizon"], sort=True):
        scores = binary_scores(sub["probability"], sub["outcome"])
        persist = binary_scores(sub["persist_probability"], sub["outcome"])
        rows.append(
            {
                "event": kind,
                "horizon": int(k),
                "n": len(sub),
                "mean_probability": float(sub["probability"].mean()),
                "base_rate": float(sub["outcome"].mean()),
                "brier": float(scores["brier"].mean()),
                "log_score": float(scores["log_score"].mean()),
                "brier_persist": float(persist["brier"].mean()),
            }
        )
    return pd.DataFrame(rows)
