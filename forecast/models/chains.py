"""Two variants of the Markov chain of negotiation states: shrunk toward persistence, and
weighing recent years more.

The chain of :mod:`forecast.models.transitions` counts every transition since 1990 alike,
under a prior (stay 8, move 0.5) that expects a state to last about six months. Measured out
of sample (:mod:`forecast.evaluation.question_backtest`) it expects changes of state more
often than they came since 2000: its rows for ``no_talks`` and ``active_talks`` are set by
the 1990s (short spells of no talks, eight years of talks), not by the long spells of no talks
since 2009. Each class here changes one thing, so that the backtest says which idea helps.

:class:`ShrunkChain`
    The prior of every row is centred on the persistence of *all* states in the training
    window: ``alpha[i, i] = w (1 - e)`` and ``alpha[i, j] = w e / 3`` where ``e`` is the
    pooled monthly exit rate (exits over transitions, with half a pseudo-exit) and ``w``
    the weight of the prior in months (default 24: two years of the average state's
    behaviour). It is learned from the training window only (empirical Bayes), so a fit
    at a backtest cutoff sees no later month. Each row is still one Dirichlet: the
    posterior is exact and conjugate as in the plain chain.
:class:`DiscountedChain`
    Transitions are weighted by their age, ``0.5 ** (age / h)`` (a power prior: old
    months count less, as the class mix and nuclear rate of :mod:`forecast.models.events`
    do), and neither the half-life ``h`` nor the strength of the prior on staying is chosen
    by hand: every pair of a stay pseudo-count (:attr:`DiscountedChain.default_priors`
    ``stay``: 8 and 16, about six months and a year of expected dwell) and a half-life
    (``half_lives``: 2, 3, 5, 10 and 20 years and no discount) is a component. The chain's
    likelihood factorises over its rows (the months leaving each state), so each *row* gets
    its own posterior weights: proportional to the component's prequential likelihood of
    the months leaving that state in the training window (the product over those months of
    the probability the component gave the next month's state from the months before it:
    Dawid's prequential principle; for the undiscounted component it is the exact marginal
    likelihood of the row). The posterior of a row is the mixture of its components'
    Dirichlet posteriors; its draws are shuffled so that any number of paths samples it
    fairly. Half-life and prior strength are thus learned only from the months before each
    cutoff, state by state: the short, frequent spells of the 1990s need not set the
    persistence of the long spells of no talks since 2009.

:class:`BlindMixChain`
    The discounted chain averaged with a chain that does not know the state: each row's
    draws come half from the discounted chain's row and half from a state-blind row, whose
    monthly exit rate is the pooled rate of all states (:func:`pooled_exit_rate`) and whose
    destinations are shared as the entries into each state were in the training window.
    The state-blind chain answers each state question about as the long-run base rate does
    (every state leaves at the same pace); averaging the two, with equal weights and nothing
    learned, pulls the discounted chain's answers from no talks down toward what came since
    2000. The state model of every run's outlook since 2026-12-08 (issue 23;
    ``docs/evaluation/blind_mix.py``).

Each keeps the plain chain's interface (its ``counts`` are the integer transition counts,
``simulate`` with fixed months and conditions, the exact conditioning, ``to_dataset`` /
``from_dataset``).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import STATES
from forecast.errors import ConfigError, RunFileError
from forecast.models.conditioning import N_STATES
from forecast.models.events import discount_weights, half_life_months
from forecast.models.state_sequences import state_codes, transition_counts
from forecast.models.transitions import INTERVAL, TransitionModel

__all__ = ["BlindMixChain", "DiscountedChain", "ShrunkChain", "blind_alpha", "pooled_exit_rate"]


def pooled_exit_rate(counts: np.ndarray) -> float:
    """Monthly exit rate pooled over states: (exits + 0.5) / (transitions + 1)."""
    counts = np.asarray(counts, dtype=float)
    exits = counts.sum() - np.trace(counts)
    return float((exits + 0.5) / (counts.sum() + 1.0))


class ShrunkChain(TransitionModel):
    """The Markov chain with every row shrunk toward the pooled persistence of all states."""

    name: ClassVar[str] = "shrunk_transitions"
    description: ClassVar[str] = (
        "Markov chain of negotiation states, rows shrunk toward the pooled persistence."
    )
    #: ``weight``: months of the pooled behaviour each row's prior counts as (24: two years);
    #: ``cells``: single prior cells ``{from: {to: pseudo_count}}`` replacing the pooled ones.
    default_priors: ClassVar[dict] = {"weight": 24.0, "cells": {}}

    @classmethod
    def merge_priors(cls, user: dict | None) -> dict:
        """Merge a user prior dict over :attr:`default_priors` and validate it."""
        # the state models' merge, not the plain chain's (which checks its own stay and move)
        merged = super(TransitionModel, cls).merge_priors(user)
        cls.positive("weight", merged["weight"], "use 24")
        checked = TransitionModel.merge_priors({"cells": merged["cells"]})
        merged["cells"] = checked["cells"]
        return merged

    @property
    def prior_alpha(self) -> np.ndarray:
        """Pseudo-counts centred on the pooled persistence of the fitted window."""
        self._check_fitted()
        e = pooled_exit_rate(self.counts)
        w = float(self.priors["weight"])
        alpha = np.full((N_STATES, N_STATES), w * e / (N_STATES - 1))
        np.fill_diagonal(alpha, w * (1 - e))
        for origin, row in self.priors["cells"].items():
            for target, value in row.items():
                alpha[STATES.index(origin), STATES.index(target)] = float(value)
        return alpha


def _largest_remainders(weights: np.ndarray, n: int) -> np.ndarray:
    """How many of ``n`` draws each mixture component gets: its share ``weights * n`` rounded
    down, the draws left going to the largest remainders (so a mixture's draws follow its
    weights as closely as whole numbers allow)."""
    raw = np.asarray(weights, dtype=float) * n
    per = np.floor(raw).astype(int)
    per[np.argsort(-(raw - per), kind="stable")[: n - per.sum()]] += 1
    return per


class DiscountedChain(TransitionModel):
    """The Markov chain with discounted transitions, averaged row by row over a grid of prior
    strengths and half-lives."""

    name: ClassVar[str] = "discounted_transitions"
    description: ClassVar[str] = (
        "Markov chain of negotiation states, recent years weighted more (half-life and prior "
        "strength averaged for each state)."
    )
    #: ``stay``: the grid of pseudo-counts on staying (a number is a grid of one); ``move``
    #: and ``cells`` as in the plain chain; ``half_lives``: the grid of half-lives in months
    #: (``None``: no discount). Every (stay, half-life) pair is a component.
    default_priors: ClassVar[dict] = {
        "stay": [8.0, 16.0],
        "move": 0.5,
        "cells": {},
        "half_lives": [24, 36, 60, 120, 240, None],
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.weights: np.ndarray | None = None
        self.weighted_counts: np.ndarray | None = None
        self.log_scores: np.ndarray | None = None

    @classmethod
    def _validate_stay(cls, value) -> None:
        grid = value if isinstance(value, (list, tuple)) else [value]
        if not grid:
            raise ConfigError(
                f"priors of {cls.name}", "prior 'stay' is an empty list", "e.g. [8, 16]"
            )
        for item in grid:
            cls.positive("stay", item, "use e.g. [8, 16]", "a positive pseudo-count")

    @classmethod
    def _validate_extra(cls, merged: dict, where: str) -> None:
        grid = merged["half_lives"]
        if not isinstance(grid, (list, tuple)) or not grid:
            raise ConfigError(where, "prior 'half_lives' is not a list", "e.g. [24, 60, null]")
        for value in grid:
            try:
                h = half_life_months(value)
            except (TypeError, ValueError):
                h = float("nan")
            if not h > 0:
                raise ConfigError(
                    where, f"half-life {value!r} is not a positive number of months", "use 60"
                )

    @property
    def stays(self) -> np.ndarray:
        """The grid of stay pseudo-counts."""
        value = self.priors["stay"]
        return np.array(value if isinstance(value, (list, tuple)) else [value], dtype=float)

    @property
    def half_lives(self) -> np.ndarray:
        """The grid of half-lives (months; ``inf``: no discount)."""
        return np.array([half_life_months(h) for h in self.priors["half_lives"]])

    @property
    def components(self) -> pd.DataFrame:
        """The (stay, half_life) pair of every component, in the order of the arrays."""
        stay, half_life = np.meshgrid(self.stays, self.half_lives, indexing="ij")
        return pd.DataFrame({"stay": stay.ravel(), "half_life": half_life.ravel()})

    def _prior_alphas(self) -> np.ndarray:
        """Prior pseudo-counts of each component, (component, from, to)."""
        return np.stack([self._alpha_with_stay(stay) for stay in self.components["stay"]])

    @property
    def prior_alpha(self) -> np.ndarray:
        """The prior pseudo-counts averaged with each row's component weights (for reading
        only; before a fit, the plain average over the grid)."""
        alphas = self._prior_alphas()
        if self.weights is None:
            return alphas.mean(axis=0)
        return np.einsum("ki,kij->ij", self.weights, alphas)

    # --- fit --------------------------------------------------------------------------------

    def _fit_states(self, states: pd.Series) -> None:
        self.counts = transition_counts(states)
        n_pairs = len(states) - 1
        by_half_life = [
            transition_counts(states, discount_weights(n_pairs, h)) for h in self.half_lives
        ]
        self.weighted_counts = np.stack(by_half_life * len(self.stays))
        self.log_scores = np.concatenate(
            [
                prequential_scores(states, self._alpha_with_stay(stay), self.half_lives)
                for stay in self.stays
            ]
        )
        w = np.exp(self.log_scores - self.log_scores.max(axis=0))
        self.weights = w / w.sum(axis=0)
        self.draws = self._draw_posterior()

    def _component_alpha(self) -> np.ndarray:
        """Posterior Dirichlet parameters of each component, (component, from, to)."""
        return self._prior_alphas() + self.weighted_counts

    def _draw_posterior(self) -> xr.DataArray:
        """Each row's draws from its own mixture: as many from a component as its weight
        asks (largest remainders), then shuffled, so any number of paths samples it fairly."""
        rng = np.random.default_rng(self.random_seed)
        alpha = self._component_alpha()
        values = np.empty((self.n_draws, N_STATES, N_STATES))
        for i in range(N_STATES):
            per = _largest_remainders(self.weights[:, i], self.n_draws)
            row = np.concatenate([rng.dirichlet(alpha[k, i], size=n) for k, n in enumerate(per)])
            values[:, i] = row[rng.permutation(self.n_draws)]
        return self._matrix_array(values)

    @property
    def posterior_alpha(self) -> np.ndarray:
        """The weighted-average pseudo-counts (for reading only; the posterior is a mixture)."""
        self._check_fitted()
        return np.einsum("ki,kij->ij", self.weights, self._component_alpha())

    # --- summaries --------------------------------------------------------------------------

    def half_life_weights(self) -> pd.DataFrame:
        """Each component's prequential log score and posterior weight, for each origin state:
        ``from_state, stay, half_life, log_score, weight`` (the weights of a state sum to 1;
        for a run saved before the weights were per state, every row repeats the whole
        chain's score and weight)."""
        self._check_fitted()
        parts = []
        for i, origin in enumerate(STATES):
            part = self.components.assign(
                log_score=self.log_scores[:, i], weight=self.weights[:, i]
            )
            parts.append(part.assign(from_state=origin))
        table = pd.concat(parts, ignore_index=True)
        return table[["from_state", "stay", "half_life", "log_score", "weight"]]

    def posterior_mean(self) -> pd.DataFrame:
        """Posterior mean transition matrix (the mixture's exact mean)."""
        alpha = self._component_alpha()
        mean = np.einsum("ki,kij->ij", self.weights, alpha / alpha.sum(axis=2, keepdims=True))
        return pd.DataFrame(mean, index=pd.Index(STATES, name="from_state"), columns=list(STATES))

    def summary(self, interval: float = INTERVAL) -> pd.DataFrame:
        """Posterior of every transition probability: exact mixture mean, sd and interval
        from the draws (the marginals are mixtures of Betas)."""
        mean = self.posterior_mean().to_numpy()
        prior = self.prior_alpha
        values = self.draws.values
        lo, hi = np.quantile(values, [(1 - interval) / 2, (1 + interval) / 2], axis=0)
        rows = []
        for i, origin in enumerate(STATES):
            for j, target in enumerate(STATES):
                rows.append(
                    {
                        "from_state": origin,
                        "to_state": target,
                        "count": int(self.counts[i, j]),
                        "prior": float(prior[i, j]),
                        "mean": float(mean[i, j]),
                        "sd": float(values[:, i, j].std()),
                        "lo": float(lo[i, j]),
                        "hi": float(hi[i, j]),
                    }
                )
        return pd.DataFrame(rows)

    # --- save / load ------------------------------------------------------------------------

    def _dataset_vars(self) -> dict:
        out = super()._dataset_vars()
        table = self.components
        coords = {
            "component": np.arange(len(table)),
            "component_stay": ("component", table["stay"].to_numpy()),
            "component_half_life": ("component", table["half_life"].to_numpy()),
        }
        out["weighted_counts"] = xr.DataArray(
            self.weighted_counts, dims=("component", "from_state", "to_state"), coords=coords
        )
        for name, values in (("log_score", self.log_scores), ("weight", self.weights)):
            out[name] = xr.DataArray(values, dims=("component", "from_state"), coords=coords)
        return out

    def _load_vars(self, ds: xr.Dataset, source: str) -> None:
        super()._load_vars(ds, source)
        self.weighted_counts = ds["weighted_counts"].values.astype(float)
        self.log_scores = ds["log_score"].values.astype(float)
        self.weights = ds["weight"].values.astype(float)
        if self.weights.ndim == 1:
            # a run saved before the weights were per state: one weight and one whole-chain
            # log score per component, the same for every row
            self.log_scores = np.repeat(self.log_scores[:, None], N_STATES, axis=1)
            self.weights = np.repeat(self.weights[:, None], N_STATES, axis=1)
        n = len(self.components)
        if self.weights.shape != (n, N_STATES) or self.weighted_counts.shape[0] != n:
            raise RunFileError(
                source,
                f"the file holds {self.weights.shape[0]} components, its priors make {n}",
                "refit the run (forecast refit)",
            )


def blind_alpha(counts: np.ndarray) -> np.ndarray:
    """Dirichlet parameters of the state-blind chain's rows, (from_state, to_state).

    Every row has the pooled monthly exit rate ``e`` (:func:`pooled_exit_rate`) and leaves
    for each other state in proportion to the entries into it in ``counts`` (with half an
    entry each); the row weighs as many months as ``counts`` holds transitions, so its draws
    are almost the pooled rates themselves.

    Parameters
    ----------
    counts : ndarray, shape (4, 4)
        Transition counts (from_state, to_state).

    Returns
    -------
    ndarray, shape (4, 4)
    """
    counts = np.asarray(counts, dtype=float)
    e = pooled_exit_rate(counts)
    entries = counts.sum(axis=0) - np.diag(counts) + 0.5
    weight = counts.sum() + 1.0
    others = np.tile(entries, (N_STATES, 1))
    np.fill_diagonal(others, 0.0)  # a row leaves only for the other states
    alpha = weight * e * others / others.sum(axis=1, keepdims=True)
    np.fill_diagonal(alpha, weight * (1 - e))
    return alpha


class BlindMixChain(DiscountedChain):
    """The discounted chain averaged, row by row and with equal weights, with the state-blind
    chain of :func:`blind_alpha`.

    Each row's draws are mixed on their own (a draw's matrix may take one row from either
    chain), as the discounted chain mixes its components. :meth:`posterior_mean` and the
    draws are the mixture's; the inherited ``prior_alpha``, ``posterior_alpha``,
    :meth:`half_life_weights` and the ``prior`` column of :meth:`summary` describe the
    discounted half only.
    """

    name: ClassVar[str] = "blind_mix_transitions"
    description: ClassVar[str] = (
        "The discounted chain of negotiation states averaged with a state-blind chain (the "
        "pooled exit rate in every state)."
    )
    #: The discounted chain's priors, and ``blind_share``: the share of each row's draws
    #: from the state-blind row (0.5: equal weights).
    default_priors: ClassVar[dict] = {**DiscountedChain.default_priors, "blind_share": 0.5}

    @classmethod
    def _validate_extra(cls, merged: dict, where: str) -> None:
        super()._validate_extra(merged, where)
        share = merged["blind_share"]
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ConfigError(
                where, f"prior 'blind_share' = {share!r} is not between 0 and 1", "use 0.5"
            )

    def _draw_posterior(self) -> xr.DataArray:
        """Each row's draws: ``blind_share`` of them from the state-blind row, the others
        from the discounted chain's row mixture, shuffled together."""
        rng = np.random.default_rng(self.random_seed)
        alpha, blind = self._component_alpha(), blind_alpha(self.counts)
        share = float(self.priors["blind_share"])
        n_blind = int(round(share * self.n_draws))
        values = np.empty((self.n_draws, N_STATES, N_STATES))
        for i in range(N_STATES):
            per = _largest_remainders(self.weights[:, i], self.n_draws - n_blind)
            parts = [rng.dirichlet(alpha[k, i], size=n) for k, n in enumerate(per)]
            row = np.concatenate([*parts, rng.dirichlet(blind[i], size=n_blind)])
            values[:, i] = row[rng.permutation(self.n_draws)]
        return self._matrix_array(values)

    def posterior_mean(self) -> pd.DataFrame:
        """Posterior mean transition matrix: the two chains' exact means, weighted."""
        share = float(self.priors["blind_share"])
        blind = blind_alpha(self.counts)
        blind_mean = blind / blind.sum(axis=1, keepdims=True)
        mean = (1 - share) * super().posterior_mean().to_numpy() + share * blind_mean
        return pd.DataFrame(mean, index=pd.Index(STATES, name="from_state"), columns=list(STATES))


def prequential_scores(states: pd.Series, prior: np.ndarray, half_lives) -> np.ndarray:
    """Log prequential likelihood of the states under the discounted chain of each half-life.

    For every consecutive pair of months ``(t, t + 1)`` in ``states``, the chain fitted on
    the pairs before it (discounted with the half-life) gives ``P(state t + 1 | state t)`` as
    its posterior mean; the logs are summed.

    Parameters
    ----------
    states : Series
        Monthly states indexed by Periods.
    prior : ndarray, shape (4, 4)
        Dirichlet pseudo-counts.
    half_lives : sequence of float
        Months (``inf``: no discount).

    Returns
    -------
    ndarray, shape (half_life, from_state)
        The log likelihood of each half-life, summed over the pairs leaving each state (the
        chain's likelihood factorises over its rows).
    """
    codes = state_codes(states.to_numpy())
    ordinal = np.array([p.ordinal for p in states.index])
    out = np.zeros((len(half_lives), N_STATES))
    for k, h in enumerate(half_lives):
        factor = 0.5 ** (1.0 / h) if np.isfinite(h) else 1.0
        counts = np.zeros((N_STATES, N_STATES))
        for t in range(len(codes) - 1):
            if ordinal[t + 1] - ordinal[t] != 1:
                continue
            i, j = codes[t], codes[t + 1]
            row = prior[i] + counts[i]
            out[k, i] += math.log(row[j] / row.sum())
            counts *= factor
            counts[i, j] += 1.0
    return out
