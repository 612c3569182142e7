"""Negotiation-state transitions: a Bayesian Markov chain on the monthly states.

Model
-----
The monthly state series is the panel's ``state`` column (the state covering
most days of the month, :mod:`forecast.data.panel`). A first-order Markov
chain on the four states of :data:`forecast.constants.STATES`::

    P(s[t+1] = j | s[t] = i) = P[i, j],    P[i, :] ~ Dirichlet(alpha[i, :])

with independent rows. The prior is conjugate, so the posterior is exact:
``P[i, :] | data ~ Dirichlet(alpha[i, :] + n[i, :])`` where ``n[i, j]`` counts
the months in state ``i`` followed by a month in state ``j`` inside the
training window. Posterior draws are Dirichlet draws from a seed (no MCMC);
each cell's marginal is ``Beta(a_ij, sum_k a_ik - a_ij)``, used for the exact
intervals of :meth:`TransitionModel.summary`.

Priors
------
:attr:`TransitionModel.default_priors` holds pseudo-counts: ``stay`` on the
diagonal, ``move`` on every off-diagonal cell, ``cells`` for single cells
(``{"summitry": {"no_talks": 0.2}}``). The defaults (stay 8, move 0.5) say a
state usually lasts months: the prior mean of ``P[i, i]`` is 8 / 9.5 = 0.84, a
dwell of about 6 months, with a 90% prior interval for ``P[i, i]`` of
0.62..0.98 (dwell 2.6..47 months), wide enough for the short ``summitry``
spells and the multi-year ``no_talks`` ones. The coding rules make a state
start with a round held or scheduled, or a declaration, so one-month flips are
rare (1 of the 24 monthly spells since 1990 that began inside the data lasted
under 3 months) and the longest spells run for years. The ``move`` mass is
spread evenly: no direction of change is favoured a priori. The prior weighs
as 9.5 observed months per row, against 169 (``no_talks``), 59 (``stalled``),
185 (``active_talks``) and 18 (``summitry``) observed transitions in the
bundled data, so it matters only for ``summitry``.

Other models of the same states
-------------------------------
This chain weighs every month since 1990 alike and gives every state a constant monthly
exit hazard. Four alternatives share its interface (fit, simulate with fixed months and
conditions, ``to_dataset``/``from_dataset``, :mod:`forecast.models.state_catalog` names
them): the chain shrunk toward the persistence of all states (:class:`forecast.models.
chains.ShrunkChain`), the chain that weighs recent years more
(:class:`forecast.models.chains.DiscountedChain`), that chain averaged with a chain that knows no
state (:class:`forecast.models.chains.BlindMixChain`, the outlook's) and a duration model whose
exit hazard depends on the months already spent in the state (:class:`forecast.models.durations.
DurationModel`). Which one the outlook uses is decided by the out-of-sample question
backtest (:mod:`forecast.evaluation.question_backtest`, ``docs/evaluation/questions.csv``);
:func:`forecast.evaluation.state_transitions.dwell_time_check` and :func:`~forecast.
evaluation.state_transitions.hazard_table` test the constant hazard on the dwell times: on the
bundled data (1990-01..2025-12, 24 spells, the first dropped, the last right-censored) the
discrete Weibull shapes are 0.81 (``no_talks``: the longer, the less likely to end), 1.64
(``stalled``), 1.02 (``active_talks``) and 1.38 (``summitry``), likelihood-ratio statistics
summing to 2.96 on 4 df (p = 0.56), and the hazard table's Poisson deviance over five duration
bands is 6.9 on 4 df (p = 0.14): in-sample tests that can only see a strong effect. Out of
sample the duration model answers the state questions worse than the discounted chain
(``docs/evaluation/questions_models.csv``).

Simulation
----------
:meth:`TransitionModel.simulate` draws state paths month by month, each path
with its own posterior transition matrix, from the state of the last fitted
month. Two analyst inputs shape the paths:

``fixed``
    ``{month: state}``, a step function as in scenario files. Every month up
    to the last key is fixed (months before the first key keep the state of
    the month before the forecast); the chain takes over after the last key,
    from the last fixed state.
``conditions``
    Event-probability overrides, e.g. ``{"state": "summitry", "within": 3,
    "probability": 0.7}``: the share of paths that are in ``summitry`` in at
    least one of the first 3 forecast months is set to 0.7. ``state`` may be a
    list (any of them). Conditioning is exact, not by rejection (a Doob
    h-transform on the chain augmented with one flag per condition, see
    :mod:`forecast.models.conditioning`): a path forced into an event the model finds
    unlikely enters at a month drawn from the model's own conditional first-entry
    distribution, via the states the model deems most likely to lead there, and follows
    the chain freely afterwards. Conditions that cannot hold together, or that the fixed
    months already decide otherwise, raise :class:`ConfigError`.

Every random step takes a seed or a :class:`numpy.random.Generator`; the same
seed gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from forecast.constants import STATES
from forecast.errors import ConfigError, RunFileError
from forecast.models.conditioning import MAX_CONDITIONS, N_STATES, state_index, to_month
from forecast.models.state_model import StateModel
from forecast.models.state_sequences import monthly_states, rng_of, state_codes, transition_counts

__all__ = [
    "MAX_CONDITIONS",
    "N_STATES",
    "TransitionModel",
    "state_codes",
    "transition_counts",
]

#: Interval width of :meth:`TransitionModel.summary` (equal-tailed, exact Beta quantiles).
INTERVAL = 0.94

# names kept for the modules that import them from here
_to_month = to_month
_state_index = state_index
_rng = rng_of
_monthly_states = monthly_states


class TransitionModel(StateModel):
    """Bayesian first-order Markov chain of the monthly negotiation states.

    Parameters
    ----------
    priors : dict, optional
        Overrides of :attr:`default_priors`, merged key by key.
    since, until : str, optional
        Training window (``YYYY-MM``; whole months, inclusive).
    draws : int, default 1000
        Posterior draws of the transition matrix kept by :meth:`fit`.
    random_seed : int, default 1
        Seed of the posterior draws.
    """

    name: ClassVar[str] = "state_transitions"
    description: ClassVar[str] = "Markov chain of negotiation states, conjugate Dirichlet rows."
    #: Dirichlet pseudo-counts: ``stay`` on the diagonal, ``move`` elsewhere, ``cells`` for
    #: single cells as ``{from_state: {to_state: pseudo_count}}``. Stay 8 / move 0.5: a state
    #: usually lasts months (prior mean P(stay) 0.84, mean dwell ~6 months, 90% interval of
    #: P(stay) 0.62..0.97); the prior weighs as 9.5 months per row (see the module docstring).
    default_priors: ClassVar[dict] = {"stay": 8.0, "move": 0.5, "cells": {}}

    def __init__(
        self,
        priors: dict | None = None,
        since: str | None = None,
        until: str | None = None,
        draws: int = 1000,
        random_seed: int = 1,
    ) -> None:
        super().__init__(priors, since, until, draws, random_seed)
        self.counts: np.ndarray | None = None
        self.draws: xr.DataArray | None = None

    # --- priors -----------------------------------------------------------------------------

    @classmethod
    def merge_priors(cls, user: dict | None) -> dict:
        """Merge a user prior dict over :attr:`default_priors` and validate it.

        Parameters
        ----------
        user : dict, optional
            E.g. ``{"stay": 4.0}`` or ``{"cells": {"summitry": {"no_talks": 0.2}}}``.

        Returns
        -------
        dict
            A new dict.
        """
        where = f"priors of {cls.name}"
        merged = super().merge_priors(user)
        cls._validate_stay(merged["stay"])
        cls.positive("move", merged["move"], "use e.g. 1", "a positive pseudo-count")
        cells = merged["cells"]
        if not isinstance(cells, Mapping):
            raise ConfigError(where, "prior 'cells' is not a mapping", "use {from: {to: count}}")
        for origin, row in cells.items():
            state_index(origin, where, f"cells.{origin}")
            if not isinstance(row, Mapping):
                raise ConfigError(where, f"prior 'cells.{origin}' is not a mapping", "{to: count}")
            for target, value in row.items():
                state_index(target, where, f"cells.{origin}.{target}")
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    raise ConfigError(
                        where,
                        f"prior 'cells.{origin}.{target}' = {value!r} is not a positive count",
                        "use a positive pseudo-count",
                    )
        cls._validate_extra(merged, where)
        return merged

    @classmethod
    def _validate_stay(cls, value) -> None:
        """Check the ``stay`` pseudo-count (a subclass may accept a grid of them)."""
        cls.positive("stay", value, "use e.g. 1", "a positive pseudo-count")

    @classmethod
    def _validate_extra(cls, merged: dict, where: str) -> None:
        """Check the priors a subclass adds (none here)."""

    def _alpha_with_stay(self, stay: float) -> np.ndarray:
        """Dirichlet pseudo-counts with ``stay`` on the diagonal, ``move`` off it and the
        ``cells`` overrides, shape (from_state, to_state)."""
        alpha = np.full((N_STATES, N_STATES), float(self.priors["move"]))
        np.fill_diagonal(alpha, float(stay))
        for origin, row in self.priors["cells"].items():
            for target, value in row.items():
                alpha[STATES.index(origin), STATES.index(target)] = float(value)
        return alpha

    @property
    def prior_alpha(self) -> np.ndarray:
        """Dirichlet pseudo-counts, shape (from_state, to_state)."""
        return self._alpha_with_stay(self.priors["stay"])

    @property
    def posterior_alpha(self) -> np.ndarray:
        """Posterior Dirichlet parameters: prior pseudo-counts plus transition counts."""
        self._check_fitted()
        return self.prior_alpha + self.counts

    # --- fit --------------------------------------------------------------------------------

    def _fit_states(self, states: pd.Series) -> None:
        """Count the transitions in the training window and draw from the posterior."""
        self.counts = transition_counts(states)
        self.draws = self._draw_posterior()

    def _draw_posterior(self) -> xr.DataArray:
        rng = np.random.default_rng(self.random_seed)
        alpha = self.posterior_alpha
        values = np.stack([rng.dirichlet(alpha[i], size=self.n_draws) for i in range(N_STATES)], 1)
        return self._matrix_array(values)

    def _matrix_array(self, values: np.ndarray) -> xr.DataArray:
        return xr.DataArray(
            values,
            dims=("draw", "from_state", "to_state"),
            coords={
                "draw": np.arange(len(values)),
                "from_state": list(STATES),
                "to_state": list(STATES),
            },
            name="transition",
        )

    def _check_fitted(self) -> None:
        if self.counts is None:
            raise RuntimeError("the transition model is not fitted; call fit(panel) first")

    def matrices(self) -> np.ndarray:
        """Posterior draws of the transition matrix, (draw, from_state, to_state)."""
        self._check_fitted()
        return self.draws.values

    # --- summaries --------------------------------------------------------------------------

    def summary(self, interval: float = INTERVAL) -> pd.DataFrame:
        """Posterior of every transition probability (exact Beta marginals).

        Parameters
        ----------
        interval : float, default 0.94
            Width of the equal-tailed interval.

        Returns
        -------
        DataFrame
            One row per (from_state, to_state): ``count``, ``prior``, ``mean``,
            ``sd``, ``lo``, ``hi``.
        """
        alpha = self.posterior_alpha
        rest = alpha.sum(axis=1, keepdims=True) - alpha
        rows = []
        for i, origin in enumerate(STATES):
            for j, target in enumerate(STATES):
                dist = stats.beta(alpha[i, j], rest[i, j])
                rows.append(
                    {
                        "from_state": origin,
                        "to_state": target,
                        "count": int(self.counts[i, j]),
                        "prior": float(self.prior_alpha[i, j]),
                        "mean": float(dist.mean()),
                        "sd": float(dist.std()),
                        "lo": float(dist.ppf((1 - interval) / 2)),
                        "hi": float(dist.ppf((1 + interval) / 2)),
                    }
                )
        return pd.DataFrame(rows)

    def posterior_mean(self) -> pd.DataFrame:
        """Posterior mean transition matrix (rows: from_state, columns: to_state)."""
        alpha = self.posterior_alpha
        mean = alpha / alpha.sum(axis=1, keepdims=True)
        return pd.DataFrame(mean, index=pd.Index(STATES, name="from_state"), columns=list(STATES))

    def expected_dwell(self) -> pd.DataFrame:
        """Mean dwell time per state, ``1 / (1 - P[i, i])``, over the posterior draws.

        Returns
        -------
        DataFrame
            Index ``state``; columns ``mean``, ``q03``, ``q50``, ``q97`` (months).
        """
        self._check_fitted()
        stay = np.stack([self.draws.values[:, i, i] for i in range(N_STATES)], axis=1)
        return dwell_table(1.0 / (1.0 - stay))

    # --- save / load ------------------------------------------------------------------------

    def _dataset_vars(self) -> dict:
        """``transition`` (draw, from_state, to_state), ``counts`` and ``prior_alpha``."""
        return {
            "transition": self.draws,
            "counts": (("from_state", "to_state"), self.counts),
            "prior_alpha": (("from_state", "to_state"), self.prior_alpha),
        }

    def _load_vars(self, ds: xr.Dataset, source: str) -> None:
        self.counts = ds["counts"].values.astype(int)
        self.draws = ds["transition"].load().copy()
        if not np.array_equal(self.counts, transition_counts(self.fitted_states)):
            raise RunFileError(source, "counts do not match the fitted states", "refit")


def dwell_table(dwell: np.ndarray) -> pd.DataFrame:
    """Mean and quantiles of per-draw mean dwell times (draw, state), one row per state."""
    return pd.DataFrame(
        {
            "mean": dwell.mean(axis=0),
            "q03": np.quantile(dwell, 0.03, axis=0),
            "q50": np.quantile(dwell, 0.50, axis=0),
            "q97": np.quantile(dwell, 0.97, axis=0),
        },
        index=pd.Index(STATES, name="state"),
    )
