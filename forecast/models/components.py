"""Building blocks shared by the count models, each with its forward simulation.

Every component appears twice: once as PyMC graph (fitting) and once as NumPy
code on posterior draws (simulating the future). Keeping both here, side by side,
is what keeps the two in step.

The log rate of a month is a sum of components::

    log mu[t] = level[year(t)] + state_effect[state(t)] + season[month_of_year(t)]
                + beta_exercise * exercise_share[t] + excitation[t]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from scipy.signal import lfilter

from forecast.constants import STATES

#: Months of history the self-excitation term looks back over.
EXCITATION_LAGS = 6


@dataclass
class Design:
    """Arrays a model needs from the monthly panel (training window only).

    Attributes
    ----------
    months : DatetimeIndex
        First day of each month.
    y : ndarray
        Target counts, shape ``(n_months,)`` or ``(n_months, n_series)``.
    state_idx, moy_idx, year_idx : ndarray of int
        State code (index into :data:`~forecast.constants.STATES`), month of year
        (0-11) and year (0 = first training year).
    exercise_share : ndarray
        Share of the month's days with a major exercise held (0-1).
    lags : ndarray
        ``log1p`` of the target in the previous 1..L months, shape ``(n_months, L)``
        (months before the panel start count as zero).
    """

    months: pd.DatetimeIndex
    y: np.ndarray
    state_idx: np.ndarray
    moy_idx: np.ndarray
    year_idx: np.ndarray
    exercise_share: np.ndarray
    lags: np.ndarray

    @property
    def years(self) -> np.ndarray:
        """Calendar years covered, one per level step."""
        first = self.months[0].year
        return np.arange(first, first + self.year_idx.max() + 1)


def lag_matrix(series: np.ndarray, n_lags: int = EXCITATION_LAGS) -> np.ndarray:
    """``log1p`` of ``series`` shifted by 1..n_lags (zeros before the start)."""
    out = np.zeros((len(series), n_lags))
    logged = np.log1p(np.asarray(series, dtype=float))
    for k in range(1, n_lags + 1):
        out[k:, k - 1] = logged[:-k]
    return out


def design(panel: pd.DataFrame, target: str | list[str], start: int = 0) -> Design:
    """Design arrays from ``panel`` rows ``start:`` (earlier rows feed the lags only)."""
    y_all = panel[target].to_numpy()
    lag_source = y_all if y_all.ndim == 1 else y_all.sum(axis=1)
    months = pd.DatetimeIndex(panel["month"]).normalize()
    part = slice(start, None)
    years = months.year[part]
    return Design(
        months=months[part],
        y=y_all[part].astype("int64"),
        state_idx=np.array([STATES.index(s) for s in panel["state"].astype(str)])[part],
        moy_idx=(months.month - 1).to_numpy()[part],
        year_idx=np.asarray(years - years.min()),
        exercise_share=(panel["exercise_days"] / months.days_in_month).to_numpy()[part],
        lags=lag_matrix(lag_source)[part],
    )


# --- PyMC pieces -----------------------------------------------------------------------


def grid_data(d: Design, names, **extra: np.ndarray) -> dict[str, pt.TensorVariable]:
    """The grid's covariates as ``pm.Data`` over ``month`` (``lags`` over ``month, lag``), in
    the order given, then ``extra`` arrays (e.g. ``era_idx``): data, not constants, so a grid
    one month longer gives the same graph, whose compiled code is re-used
    (:mod:`forecast.models.numba_cache`). Call inside the model's context."""
    values = {name: getattr(d, name) for name in names} | extra
    return {
        name: pm.Data(name, value, dims=("month", "lag") if name == "lags" else "month")
        for name, value in values.items()
    }


def level_walk(priors: dict, n_years: int) -> pt.TensorVariable:
    """Yearly Gaussian random walk on the log rate (non-centred).

    Priors used: ``level_start`` (mu, sigma of the first year's log rate) and
    ``level_step`` (Gamma alpha, beta of the yearly step's sd). The walk is
    written through standard-normal ``level_z`` (the first element places the
    first year, the others are the yearly steps) and kept as the deterministic
    ``level``. Two choices remove the funnel that made whole chains stick at a
    near-zero step sd in short training windows: the non-centred form, and a
    Gamma prior on the step sd, which puts no mass at zero. On 2 chains of 500
    draws the effective sample size went from 3-60 to 450-730 in backtest folds
    (2008-2019 cutoffs), with no divergences.
    """
    step_sd = pm.Gamma("level_step_sd", **priors["level_step"])
    z = pm.Normal("level_z", 0.0, 1.0, dims="year")
    start = priors["level_start"]["mu"] + priors["level_start"]["sigma"] * z[:1]
    return pm.Deterministic(
        "level", pt.cumsum(pt.concatenate([start, z[1:] * step_sd])), dims="year"
    )


def term_off(name: str, size: int | None = None, dims: str = "state") -> pt.TensorVariable:
    """A term left out: zeros under the term's name, so the forward simulation reads it
    unchanged (a model without the term, :func:`without_terms`)."""
    if size is None:
        return pm.Deterministic(name, pt.zeros(()))
    return pm.Deterministic(name, pt.zeros(size), dims=dims)


def without_terms(
    cls: type,
    owned: dict[str, str],
    name: str,
    doc: str | None = None,
    class_name: str | None = None,
) -> type:
    """``cls`` without some of its optional terms: a registered model of its own, so that a
    backtest, a saved fit and a configuration name it like any other.

    Parameters
    ----------
    cls : type
        A model class with a ``terms`` frozenset that its ``_build`` reads (a term not in it is
        built with :func:`term_off`).
    owned : dict of str to str
        The terms left out, each with the key of ``cls.default_priors`` it owns (the new
        model has neither).
    name : str
        The new model's registered name.
    doc : str, optional
        Its docstring (default: an ablation's).
    class_name : str, optional
        Its class name (default: ``<cls>Without<Term>...``).

    Returns
    -------
    type
        A subclass of ``cls`` whose ``full_form`` names ``cls``.
    """
    left_out = " and ".join(owned) + (" terms" if len(owned) > 1 else " term")
    return type(
        class_name or f"{cls.__name__}Without{''.join(t.title() for t in owned)}",
        (cls,),
        {
            "name": name,
            "full_form": cls.name,
            "terms": cls.terms - set(owned),
            "default_priors": {
                k: v for k, v in cls.default_priors.items() if k not in owned.values()
            },
            "__doc__": doc or f"{cls.__name__} without its {left_out} (an ablation).",
            "__module__": cls.__module__,
        },
    )


def without_term(cls: type, term: str, prior: str, name: str) -> type:
    """An ablation variant: ``cls`` without one optional term and the prior it owns
    (:func:`without_terms`)."""
    return without_terms(cls, {term: prior}, name)


def state_effects(priors: dict, name: str = "state_effect", dims=("state",)) -> pt.TensorVariable:
    """Log rate ratio of each state against ``no_talks`` (fixed at 0)."""
    sigma = priors["state_effect"]["sigma"]
    contrast_dims = tuple("state_contrast" if d == "state" else d for d in dims)
    raw = pm.Normal(f"{name}_raw", 0.0, sigma, dims=contrast_dims)
    zero = pt.zeros((*raw.shape[:-1], 1)) if raw.ndim > 1 else pt.zeros(1)
    return pm.Deterministic(name, pt.concatenate([zero, raw], axis=-1), dims=dims)


def seasonality(priors: dict) -> pt.TensorVariable:
    """Partially pooled month-of-year effects summing to zero (non-centred)."""
    sd = pm.HalfNormal("season_sd", sigma=priors["season"]["sigma"])
    z = pm.ZeroSumNormal("season_z", sigma=1.0, dims="month_of_year")
    return pm.Deterministic("season", sd * z, dims="month_of_year")


def exercise_term(priors: dict) -> pt.TensorVariable:
    """Coefficient on the share of the month with a major exercise held."""
    return pm.Normal("beta_exercise", 0.0, priors["exercise"]["sigma"])


def ar1_path(innovations, phi, n, block: int = 24):
    """The AR(1) path ``z_t = phi z_(t-1) + u_t`` (``z_0 = u_0``) of the innovations, in O(n).

    Written as a blocked cumulative sum instead of a scan or an ``n x n`` matrix: within a
    block of ``block`` months ``z_(k0+j) = phi^j (phi z_(k0-1) + sum_(i<=j) phi^(-i) u_(k0+i))``,
    and the blocks are chained by a small ``(n / block)``-square matrix of ``phi^block`` powers.
    Every operation is elementwise or a cumulative sum, so the log density and its gradient
    cost microseconds (the dense ``phi^(t-s)`` matrix cost 10 times more per gradient), and
    ``phi^(-i)`` stays below ``phi^(-block)``, far from overflow for any ``phi`` in (0.01, 1).

    ``n``, the number of innovations, is best the model's length of their dimension (a shared
    variable, ``model.dim_lengths["month"]``) rather than a number: a grid one month longer
    then gives the same graph, and its compiled code is re-used
    (:mod:`forecast.models.numba_cache`). (Not ``innovations.shape[0]``: that puts the
    innovations' random variable first in the graph's order, and PyMC seeds the prior
    predictive's random variables in that order, so its draws would change.)
    """
    n_blocks = (n + block - 1) // block
    padded = pt.concatenate([innovations, pt.zeros(n_blocks * block - n)])
    u = padded.reshape((n_blocks, block))
    j = np.arange(block)
    forward = phi**j
    local = forward[None, :] * pt.cumsum(u * (phi ** (-j))[None, :], axis=1)
    k = pt.arange(n_blocks)
    lag = k[:, None] - k[None, :]
    chain = pt.switch(lag >= 0, (phi**block) ** pt.maximum(lag, 0), 0.0)
    ends = pt.dot(chain, local[:, -1])  # z at the end of every block
    before = pt.concatenate([pt.zeros(1), ends[:-1]])
    z = local + (phi * forward)[None, :] * before[:, None]
    return z.reshape((n_blocks * block,))[:n]


def ar1_forward(
    z_last: np.ndarray, phi: np.ndarray, sigma: np.ndarray, n_months: int, rng
) -> np.ndarray:
    """Continue AR(1) paths ``n_months`` past ``z_last`` (one per draw), shape (draw, month)."""
    out = np.empty((len(z_last), n_months))
    z = np.asarray(z_last, dtype=float)
    for t in range(n_months):
        z = phi * z + sigma * rng.normal(size=len(z))
        out[:, t] = z
    return out


def partial_adjustment(target: np.ndarray, start: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Move from ``start`` toward each month's ``target`` at the pace ``1 - phi`` a month.

    ``g_t = phi g_(t-1) + (1 - phi) target_t`` with ``g_(-1) = start``, written as the
    deviation from ``start`` so that a target equal to ``start`` in every month gives back
    ``start`` exactly (no rounding): a state held along a path leaves the forecast of a model
    that phases in changes identical to one that does not.

    Parameters
    ----------
    target : ndarray, shape (draw, month)
        The value each month moves toward (a state effect along each draw's state path).
    start : ndarray, shape (draw,)
        The value in the month before the first.
    phi : ndarray, shape (draw,)
        The share of the gap kept each month.

    Returns
    -------
    ndarray, shape (draw, month)
    """
    start = np.asarray(start, dtype=float)
    out = np.empty(np.shape(target))
    gap = np.zeros_like(start)
    for t in range(out.shape[1]):
        gap = phi * gap + (1.0 - phi) * (target[:, t] - start)
        out[:, t] = start + gap
    return out


def excitation_weights(branching, decay, xp=pt):
    """Lag weights ``branching * kernel``, the kernel geometric and summing to one.

    The weights sum to ``branching`` < 1, so the feedback of log1p counts on the
    log rate is sub-linear and simulated paths cannot explode.
    """
    lags = xp.arange(EXCITATION_LAGS)
    kernel = decay**lags
    return branching * kernel / kernel.sum(axis=-1, keepdims=True)


def excitation(priors: dict, lags) -> pt.TensorVariable:
    """Discrete Hawkes-style term: sum_k w_k * log1p(y[t-k]), weights from
    :func:`excitation_weights` (branching ratio and geometric decay)."""
    branching = pm.Beta("excitation", **priors["excitation"])
    decay = pm.Beta("excitation_decay", **priors["excitation_decay"])
    weights = excitation_weights(branching, decay)
    return (lags * weights[None, :]).sum(axis=1)  # elementwise: no BLAS needed


def dispersion(priors: dict, name: str = "alpha", dims=None) -> pt.TensorVariable:
    """Negative-binomial shape (variance = mu + mu**2 / alpha)."""
    return pm.Gamma(name, **priors["alpha"], dims=dims)


#: Priors of the salvo term: the missiles of a launch day are ``1 + NegativeBinomial(
#: salvo_mean, salvo_alpha)`` (the daily model, and ``ar_level`` forecasting missiles).
SALVO_PRIORS = {
    # log mean of a launch day's missiles beyond the first: exp(0 +- 2) spans 0.14..7.4
    # extra (2005-2025: 0.97, up to 17)
    "salvo_mean": {"mu": 0.0, "sigma": 1.0},
    # log negative-binomial shape of the extra missiles: 0.5 x/÷ 2.7 (heavy-tailed salvos:
    # the data's variance is 3.4 at a mean of 0.97, a shape of about 0.4)
    "salvo_alpha": {"mu": float(np.log(0.5)), "sigma": 1.0},
}


def salvo_parameters(priors: dict) -> tuple[pt.TensorVariable, pt.TensorVariable]:
    """The mean and negative-binomial shape of a launch day's missiles beyond the first."""
    mean = pm.Deterministic(
        "salvo_mean", pt.exp(pm.Normal("salvo_mean_log", **priors["salvo_mean"]))
    )
    alpha = pm.Deterministic(
        "salvo_alpha", pt.exp(pm.Normal("salvo_alpha_log", **priors["salvo_alpha"]))
    )
    return mean, alpha


@dataclass
class SalvoPairs:
    """The missiles beyond the launch days of a grid of months, one element per missile.

    A month ``t`` with ``k[t]`` launch days and ``e[t]`` missiles beyond them gives ``e[t]``
    elements ``(t, k[t], j)``, ``j = 0 .. e[t] - 1``: the terms of
    ``log Gamma(e + k alpha) - log Gamma(k alpha) = sum over j of log(k alpha + j)``, which
    :func:`monthly_salvos` sums. The elements cover the whole grid, so their number does not
    change when the training window moves; :meth:`window` weighs the window's in.

    Attributes
    ----------
    rows : ndarray of int
        Month (row of the grid) of each element.
    days, index : ndarray
        ``k[t]`` and ``j`` of each element.
    launch_days, extra : ndarray of int
        ``k`` and ``e`` of every month of the grid.
    """

    rows: np.ndarray
    days: np.ndarray
    index: np.ndarray
    launch_days: np.ndarray
    extra: np.ndarray

    @classmethod
    def from_counts(cls, launch_days, missiles) -> SalvoPairs:
        """The elements of a grid's monthly launch days and missiles."""
        days = np.asarray(launch_days, dtype=np.int64)
        extra = np.asarray(missiles, dtype=np.int64) - days
        if (extra < 0).any() or ((days == 0) & (extra > 0)).any():
            raise ValueError("missiles must be at least the launch days, and 0 without one")
        rows = np.repeat(np.arange(len(days)), extra)
        first = np.repeat(np.cumsum(extra) - extra, extra)  # first element of each month
        return cls(rows, days[rows].astype(float), np.arange(len(rows)) - first, days, extra)

    def window(self, lo: int, hi: int) -> dict[str, np.ndarray]:
        """The data of :func:`monthly_salvos` for the months ``lo:hi`` of the grid.

        Returns
        -------
        dict
            ``salvo_weight`` (1 for an element of the window, else 0) and ``salvo_totals``:
            the window's launch days, its missiles beyond them and ``sum of log(e!)``.
        """
        weight = ((self.rows >= lo) & (self.rows < hi)).astype(float)
        totals = [
            self.launch_days[lo:hi].sum(),
            self.extra[lo:hi].sum(),
            (weight * np.log1p(self.index)).sum(),
        ]
        return {"salvo_weight": weight, "salvo_totals": np.asarray(totals, dtype=float)}


def monthly_salvos(
    priors: dict, pairs: SalvoPairs, weight, totals
) -> tuple[pt.TensorVariable, pt.TensorVariable]:
    """The salvo term on monthly counts: a month's missiles beyond its launch days.

    With ``k`` launch days in a month, each day's extra missiles independent
    ``NegativeBinomial(salvo_mean, salvo_alpha)``, the month's extra missiles ``e`` are
    ``NegativeBinomial(k salvo_mean, k salvo_alpha)`` (a sum of ``k`` negative binomials of
    one shape and mean), whose log probability, with ``p = alpha / (alpha + mean)``, is::

        sum over j < e of log(k alpha + j) - log(e!) + k alpha log(p) + e log(1 - p)

    Summed over the training months, the last two terms need only the window's totals and the
    first is a sum over its missiles (:class:`SalvoPairs`): a few hundred logarithms instead
    of log-gamma and digamma functions per month, which made a fit's gradient half as
    expensive again. A month without a launch day has no missile and adds nothing.

    Parameters
    ----------
    priors : dict
        Holds :data:`SALVO_PRIORS`'s keys.
    pairs : SalvoPairs
        The grid's elements.
    weight, totals : tensor
        :meth:`SalvoPairs.window` of the training window (data containers, so that the window
        moves without recompiling).

    Returns
    -------
    tuple of tensor
        ``salvo_mean`` and ``salvo_alpha``.
    """
    mean, alpha = salvo_parameters(priors)
    log_p = pt.log(alpha) - pt.log(alpha + mean)
    log_q = pt.log(mean) - pt.log(alpha + mean)
    logp = (
        pt.sum(weight * pt.log(pairs.days * alpha + pairs.index))
        - totals[2]
        + alpha * totals[0] * log_p
        + totals[1] * log_q
    )
    pm.Potential("salvo", logp)
    return mean, alpha


# --- NumPy counterparts -------------------------------------------------------------------


def walk_forward(
    level_last: np.ndarray, step_sd: np.ndarray, n_years: int, rng: np.random.Generator
) -> np.ndarray:
    """Continue the yearly walk ``n_years`` past the last fitted year.

    Returns shape ``(n_draws, n_years + 1)``; column 0 is the last fitted year.
    """
    steps = rng.normal(size=(len(level_last), n_years)) * step_sd[:, None]
    return level_last[:, None] + np.concatenate(
        [np.zeros((len(level_last), 1)), np.cumsum(steps, axis=1)], axis=1
    )


def by_state(values: np.ndarray, state_idx: np.ndarray) -> np.ndarray:
    """Pick each future month's state effect from posterior draws.

    Parameters
    ----------
    values : ndarray, shape (draw, ..., state)
        Posterior draws of an effect per state.
    state_idx : ndarray of int, shape (month,) or (draw, month)
        One state path for every draw, or a path per draw (paths simulated by the
        transition model).

    Returns
    -------
    ndarray, shape (draw, ..., month)
    """
    if state_idx.ndim == 1:
        return values[..., state_idx]
    index = state_idx.reshape(state_idx.shape[0], *([1] * (values.ndim - 2)), -1)
    return np.take_along_axis(values, index, axis=-1)


def kernel_sums(events: np.ndarray, decays) -> np.ndarray:
    """Exponentially decaying sums of past events, one column per decay.

    ``out[t, k] = sum over l >= 1 of events[t - l] * decays[k] ** (l - 1)``: an event
    yesterday counts 1, the day before ``decays[k]``, and so on (nothing before the first
    element). The sums follow ``out[t + 1] = decays * out[t] + events[t]``, the recursion a
    forward simulation continues from ``kernel_sums(np.append(events, 0), decays)[-1]``.

    Parameters
    ----------
    events : array, shape (n,)
        Event indicators (or counts) in time order.
    decays : sequence of float
        Per-step decay factors in (0, 1), e.g. ``exp(-1 / 3)`` for a 3-day time constant.

    Returns
    -------
    ndarray, shape (n, len(decays))
    """
    events = np.asarray(events, dtype=float)
    return np.column_stack([lfilter([0.0, 1.0], [1.0, -a], events) for a in decays])


def negbin(mu: np.ndarray, alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Negative-binomial draws as a gamma-Poisson mixture (PyMC's parametrisation)."""
    alpha = np.broadcast_to(alpha, mu.shape)
    lam = rng.gamma(alpha, mu / alpha)
    return rng.poisson(lam)


def salvo_missiles(
    launch_days: np.ndarray, mean: np.ndarray, alpha: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Missiles of ``launch_days`` launch days: each day 1 + NegativeBinomial(mean, alpha).

    The forward simulation of :func:`monthly_salvos` (and of the daily model's salvos): the
    extra missiles of ``k`` days are drawn at once as NegativeBinomial(k mean, k alpha), the
    law of a sum of ``k`` independent draws with the same shape and mean.

    Parameters
    ----------
    launch_days : ndarray of int, shape (draw, month)
    mean, alpha : ndarray, shape (draw,)
        Mean and shape of the extra missiles of one launch day.
    rng : numpy.random.Generator
    """
    k = np.asarray(launch_days)
    some = k > 0
    shape = np.where(some, k * alpha[:, None], 1.0)
    lam = rng.gamma(shape, np.where(some, mean[:, None] / alpha[:, None], 0.0))
    return k + np.where(some, rng.poisson(lam), 0)
