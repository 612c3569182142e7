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

Dwell times (Markov or semi-Markov?)
------------------------------------
A Markov chain implies geometric dwell times with a constant monthly exit
hazard. :func:`forecast.evaluation.state_transitions.dwell_time_check` fits, per
state, a discrete Weibull dwell distribution (``P(T > t) = q ** (t ** beta)``;
``beta = 1`` is the geometric) by maximum likelihood, with the ongoing last spell
right-censored and the first spell (begun before 1990) dropped, and compares it with the
geometric by a likelihood-ratio test. On the bundled data (1990-01..2025-12, 24 spells)
the shape estimates are 0.81 (``no_talks``), 1.64 (``stalled``), 1.02
(``active_talks``) and 1.38 (``summitry``), with likelihood-ratio statistics
0.26, 2.25, 0.00 and 0.45 (1 df each; sum 2.96 on 4 df, p = 0.56).
:func:`hazard_table` shows fewer exits than the chain expects in a spell's first
two months (1 against 3.8) and more in months 3-5 (8 against 4.5), partly a
mechanical effect of the majority-of-days monthly coding (a spell shorter than
half a month never shows), but the Poisson deviance over the five duration
bands is 6.9 on 4 df (p = 0.14). The data do not support duration dependence,
so no semi-Markov variant is implemented. With 23 completed spells the tests
can only detect a strong effect (a shape far from 1); rerun
:func:`dwell_time_check` and :func:`hazard_table` when the timeline grows.

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
    list (any of them). Conditioning is exact, not by rejection: the chain is
    augmented with one "event happened" flag per condition and a backward pass
    (a Doob h-transform) gives, for every posterior draw, the probability of
    each pattern of events and the conditional transition probabilities that
    produce paths with a given pattern. The target shares of the patterns are
    the ones closest to the model's (minimum relative entropy, by iterative
    proportional fitting; with one condition simply ``p`` and ``1 - p``), the
    number of paths per pattern is rounded to the draws (largest remainders,
    so one condition's share is exact to ``1 / (2 draws)``), each pattern's
    posterior draws are resampled in proportion to how likely they make the
    pattern (Bayes' rule on the transition matrices), and each path is drawn
    from the chain conditioned on its pattern. A path forced into an event the
    model finds unlikely therefore enters at a month drawn from the model's own
    conditional first-entry distribution, via the states the model deems most
    likely to lead there, and follows the chain freely afterwards; no path has
    to be found by chance first. Conditions that cannot hold together, or that
    the fixed months already decide otherwise, raise :class:`ConfigError`.

Every random step takes a seed or a :class:`numpy.random.Generator`; the same
seed gives the same numbers.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from forecast.constants import STATES
from forecast.errors import ConfigError, RunFileError

__all__ = [
    "TransitionModel",
    "state_codes",
]

#: Number of states.
N_STATES = len(STATES)

#: Most conditions one simulation accepts (the augmented chain has 2**k flags).
MAX_CONDITIONS = 3

#: Interval width of :meth:`TransitionModel.summary` (equal-tailed, exact Beta quantiles).
INTERVAL = 0.94


# --- small helpers -----------------------------------------------------------------------------


def _to_month(value, source: str, key: str) -> pd.Period:
    """A month as a Period from ``YYYY-MM`` / ``YYYY-MM-DD`` strings, Periods or Timestamps."""
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year"):
        return pd.Timestamp(value).to_period("M")
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}(-\d{2})?$", value):
        try:
            return pd.Period(value[:7], "M")
        except ValueError:
            pass
    raise ConfigError(source, f"key '{key}': {value!r} is not a month", "write months as YYYY-MM")


def _state_index(value, source: str, key: str) -> int:
    """Index of a state label (or of an int code) in :data:`STATES`."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if 0 <= int(value) < N_STATES:
            return int(value)
    elif isinstance(value, str) and value in STATES:
        return STATES.index(value)
    raise ConfigError(source, f"key '{key}': unknown state {value!r}", f"use one of {list(STATES)}")


def _rng(rng) -> np.random.Generator:
    """A Generator from a seed, a Generator, or None (seed 1)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(1 if rng is None else rng)


def state_codes(states: Iterable) -> np.ndarray:
    """Integer codes (index in :data:`STATES`) of state labels or codes.

    Parameters
    ----------
    states : iterable of str or int

    Returns
    -------
    ndarray of int
    """
    values = np.asarray(list(states) if not isinstance(states, np.ndarray) else states)
    if values.dtype.kind in "iu":
        if values.size and (values.min() < 0 or values.max() >= N_STATES):
            raise ValueError(f"state codes must be in 0..{N_STATES - 1}")
        return values.astype(int)
    lookup = {s: i for i, s in enumerate(STATES)}
    try:
        return np.array([lookup[str(v)] for v in values.ravel()], dtype=int).reshape(values.shape)
    except KeyError as err:
        raise ValueError(f"unknown state {err.args[0]!r}; use one of {list(STATES)}") from None


def _monthly_states(panel, source: str = "panel") -> pd.Series:
    """A Series of state labels indexed by monthly Periods, from a panel or a Series."""
    if isinstance(panel, pd.DataFrame):
        missing = {"month", "state"} - set(panel.columns)
        if missing:
            raise ConfigError(
                source, f"missing column(s) {sorted(missing)}", "pass the monthly panel"
            )
        months = pd.PeriodIndex(pd.to_datetime(panel["month"]).dt.to_period("M"))
        series = pd.Series(panel["state"].astype(str).to_numpy(), index=months)
    elif isinstance(panel, pd.Series):
        index = panel.index
        if isinstance(index, pd.PeriodIndex):
            months = index.asfreq("M")
        else:
            months = pd.PeriodIndex(pd.to_datetime(index).to_period("M"))
        series = pd.Series(panel.astype(str).to_numpy(), index=months)
    else:
        raise ConfigError(
            source,
            f"cannot read states from a {type(panel).__name__}",
            "pass the monthly panel (columns month, state) or a Series indexed by month",
        )
    bad = sorted(set(series) - set(STATES))
    if bad:
        raise ConfigError(source, f"unknown state(s) {bad}", f"use {list(STATES)}", column="state")
    return series.sort_index()


def transition_counts(states: pd.Series) -> np.ndarray:
    """Counts ``n[i, j]`` of consecutive months in states ``i`` then ``j``.

    Parameters
    ----------
    states : Series
        State labels indexed by monthly Periods; only pairs of consecutive
        calendar months are counted.

    Returns
    -------
    ndarray, shape (4, 4)
    """
    codes = state_codes(states.to_numpy())
    ordinal = np.array([p.ordinal for p in states.index])
    consecutive = np.diff(ordinal) == 1
    counts = np.zeros((N_STATES, N_STATES), dtype=int)
    np.add.at(counts, (codes[:-1][consecutive], codes[1:][consecutive]), 1)
    return counts


# --- the model ---------------------------------------------------------------------------------


class TransitionModel:
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
        self.priors = self.merge_priors(priors)
        self.since = _to_month(since, "--since", "since") if since is not None else None
        self.until = _to_month(until, "--until", "until") if until is not None else None
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ConfigError(
                "--since/--until", f"until {self.until} is before since {self.since}", "swap them"
            )
        if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1:
            raise ConfigError("draws", f"{draws!r} is not a positive number of draws", "use 1000")
        self.n_draws = int(draws)
        self.random_seed = int(random_seed)
        self.counts: np.ndarray | None = None
        self.fitted_states: pd.Series | None = None
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
        merged = copy.deepcopy(cls.default_priors)
        for key, value in (user or {}).items():
            if key not in merged:
                raise ConfigError(where, f"unknown prior {key!r}", f"use one of {sorted(merged)}")
            merged[key] = copy.deepcopy(value)
        for key in ("stay", "move"):
            value = merged[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigError(
                    where, f"prior {key!r} = {value!r} is not a positive pseudo-count", "use e.g. 1"
                )
        cells = merged["cells"]
        if not isinstance(cells, Mapping):
            raise ConfigError(where, "prior 'cells' is not a mapping", "use {from: {to: count}}")
        for origin, row in cells.items():
            _state_index(origin, where, f"cells.{origin}")
            if not isinstance(row, Mapping):
                raise ConfigError(where, f"prior 'cells.{origin}' is not a mapping", "{to: count}")
            for target, value in row.items():
                _state_index(target, where, f"cells.{origin}.{target}")
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    raise ConfigError(
                        where,
                        f"prior 'cells.{origin}.{target}' = {value!r} is not a positive count",
                        "use a positive pseudo-count",
                    )
        return merged

    @property
    def prior_alpha(self) -> np.ndarray:
        """Dirichlet pseudo-counts, shape (from_state, to_state)."""
        alpha = np.full((N_STATES, N_STATES), float(self.priors["move"]))
        np.fill_diagonal(alpha, float(self.priors["stay"]))
        for origin, row in self.priors["cells"].items():
            for target, value in row.items():
                alpha[STATES.index(origin), STATES.index(target)] = float(value)
        return alpha

    @property
    def posterior_alpha(self) -> np.ndarray:
        """Posterior Dirichlet parameters: prior pseudo-counts plus transition counts."""
        self._check_fitted()
        return self.prior_alpha + self.counts

    # --- fit --------------------------------------------------------------------------------

    def fit(self, panel: pd.DataFrame | pd.Series) -> TransitionModel:
        """Count the transitions in the training window and draw from the posterior.

        Parameters
        ----------
        panel : DataFrame or Series
            The monthly panel (columns ``month``, ``state``) or a Series of
            state labels indexed by month.

        Returns
        -------
        TransitionModel
            ``self``, fitted.
        """
        states = _monthly_states(panel)
        if self.since is not None:
            states = states[states.index >= self.since]
        if self.until is not None:
            states = states[states.index <= self.until]
        if len(states) < 2:
            raise ConfigError(
                "--since/--until",
                f"the training window holds {len(states)} month(s) of states",
                "choose a window with at least two months",
            )
        self.fitted_states = states
        self.counts = transition_counts(states)
        self.draws = self._draw_posterior()
        return self

    def _draw_posterior(self) -> xr.DataArray:
        rng = np.random.default_rng(self.random_seed)
        alpha = self.posterior_alpha
        values = np.stack([rng.dirichlet(alpha[i], size=self.n_draws) for i in range(N_STATES)], 1)
        return xr.DataArray(
            values,
            dims=("draw", "from_state", "to_state"),
            coords={
                "draw": np.arange(self.n_draws),
                "from_state": list(STATES),
                "to_state": list(STATES),
            },
            name="transition",
        )

    def _check_fitted(self) -> None:
        if self.counts is None:
            raise RuntimeError("the transition model is not fitted; call fit(panel) first")

    @property
    def first_month(self) -> pd.Period:
        """First fitted month."""
        self._check_fitted()
        return self.fitted_states.index[0]

    @property
    def last_month(self) -> pd.Period:
        """Last fitted month (the forecast origin)."""
        self._check_fitted()
        return self.fitted_states.index[-1]

    @property
    def last_state(self) -> str:
        """State of the last fitted month."""
        self._check_fitted()
        return str(self.fitted_states.iloc[-1])

    def config(self) -> dict:
        """JSON-ready configuration (priors, window, draws, seed)."""
        return {
            "priors": self.priors,
            "since": None if self.since is None else str(self.since),
            "until": None if self.until is None else str(self.until),
            "draws": self.n_draws,
            "random_seed": self.random_seed,
        }

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
        dwell = 1.0 / (1.0 - stay)
        table = pd.DataFrame(
            {
                "mean": dwell.mean(axis=0),
                "q03": np.quantile(dwell, 0.03, axis=0),
                "q50": np.quantile(dwell, 0.50, axis=0),
                "q97": np.quantile(dwell, 0.97, axis=0),
            },
            index=pd.Index(STATES, name="state"),
        )
        return table

    # --- save / load ------------------------------------------------------------------------

    def to_dataset(self) -> xr.Dataset:
        """The fit as an xarray Dataset (draws, counts, fitted states; config in attrs).

        Returns
        -------
        Dataset
            ``transition`` (draw, from_state, to_state), ``counts`` and
            ``prior_alpha`` (from_state, to_state), ``fitted_state``
            (fitted_month) as codes into ``attrs["states"]``. Write it with
            ``to_netcdf``.
        """
        self._check_fitted()
        coords = {"from_state": list(STATES), "to_state": list(STATES)}
        ds = xr.Dataset(
            {
                "transition": self.draws,
                "counts": (("from_state", "to_state"), self.counts),
                "prior_alpha": (("from_state", "to_state"), self.prior_alpha),
                "fitted_state": (
                    "fitted_month",
                    state_codes(self.fitted_states.to_numpy()).astype(np.int8),
                ),
            },
            coords={**coords, "fitted_month": self.fitted_states.index.to_timestamp()},
        )
        ds.attrs.update(
            model=self.name,
            config=json.dumps(self.config(), sort_keys=True),
            states=json.dumps(list(STATES)),
            first_month=str(self.first_month),
            last_month=str(self.last_month),
            last_state=self.last_state,
        )
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, source: str = "<dataset>") -> TransitionModel:
        """Rebuild a fitted model from :meth:`to_dataset` output (e.g. read from netCDF).

        Parameters
        ----------
        ds : Dataset
        source : str
            File name for error messages.

        Returns
        -------
        TransitionModel
        """
        if ds.attrs.get("model") != cls.name:
            raise RunFileError(
                source,
                f"not a {cls.name} fit (model {ds.attrs.get('model')!r})",
                "pass the file written from TransitionModel.to_dataset",
            )
        if json.loads(ds.attrs.get("states", "[]")) != list(STATES):
            raise RunFileError(
                source,
                f"saved with states {ds.attrs.get('states')}, the package uses {list(STATES)}",
                "refit the transition model",
            )
        try:
            config = json.loads(ds.attrs["config"])
            model = cls(
                priors=config["priors"],
                since=config["since"],
                until=config["until"],
                draws=config["draws"],
                random_seed=config["random_seed"],
            )
            months = pd.DatetimeIndex(ds["fitted_month"].values).to_period("M")
            codes = ds["fitted_state"].values.astype(int)
        except (KeyError, ValueError, TypeError) as err:
            raise RunFileError(source, f"incomplete transition fit ({err})", "refit") from None
        model.fitted_states = pd.Series(np.array(STATES)[codes], index=months)
        model.counts = ds["counts"].values.astype(int)
        model.draws = ds["transition"].load().copy()
        if not np.array_equal(model.counts, transition_counts(model.fitted_states)):
            raise RunFileError(source, "counts do not match the fitted states", "refit")
        return model

    # --- simulation -------------------------------------------------------------------------

    def simulate(
        self,
        start_state: str | None = None,
        months: int = 12,
        draws: int | None = None,
        rng: np.random.Generator | int | None = None,
        fixed: Mapping | None = None,
        conditions: Mapping | Sequence[Mapping] | None = None,
        start: str | pd.Period | None = None,
        source: str = "<simulate>",
    ) -> xr.DataArray:
        """Simulate monthly state paths, each from its own posterior transition matrix.

        Parameters
        ----------
        start_state : str, optional
            State of the month before the first simulated month. Default: the
            state of the last fitted month.
        months : int, default 12
            Months to return (the horizon).
        draws : int, optional
            Paths to simulate (default: the posterior draws). Path ``i`` uses
            posterior draw ``i`` modulo the number of draws (resampled under
            ``conditions``); see the ``posterior_draw`` coordinate.
        rng : Generator or int, optional
            Random generator or seed (default seed 1).
        fixed : mapping, optional
            ``{month: state}`` step function of analyst-fixed first months
            (``YYYY-MM`` keys, or ints 1..months for forecast month numbers).
            Months up to the last key are fixed; the chain takes over after it.
        conditions : mapping or list of mappings, optional
            ``{"state": s or [s, ...], "within": k, "probability": p}``: the
            share of paths in ``s`` in at least one of forecast months 1..k is
            set to ``p`` (see the module docstring); at most three.
        start : str or Period, optional
            First month returned (default: the month after the last fitted
            month). Months between the fitted data and ``start`` are simulated
            by the chain and dropped when ``start_state`` is not given.
        source : str
            Name for error messages (e.g. the scenario file).

        Returns
        -------
        DataArray
            State codes (index into ``attrs["states"]``), dims (draw, month),
            ``month`` as first-of-month Timestamps, coordinates
            ``posterior_draw`` and ``initial_state`` (the code of the month
            before the first month) along ``draw``.
        """
        self._check_fitted()
        gen = _rng(rng)
        if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or months < 1:
            raise ConfigError(
                source,
                f"horizon {months!r} is not a positive number of months",
                "use a horizon such as 12",
            )
        months = int(months)
        n = self.n_draws if draws is None else int(draws)
        if n < 1:
            raise ConfigError(source, f"draws = {draws!r} is not positive", "use e.g. 1000")
        first = _to_month(start, source, "start") if start is not None else self.last_month + 1
        if start_state is None:
            s0 = STATES.index(self.last_state)
            if first <= self.last_month:
                raise ConfigError(
                    source,
                    f"key 'start': {first} is not after the fitted data (which end "
                    f"{self.last_month})",
                    f"refit with --until {first - 1}, or give the state of {first - 1}",
                )
            gap = int(first.ordinal - self.last_month.ordinal - 1)
        else:
            s0 = _state_index(start_state, source, "start_state")
            gap = 0
        kinds = _step_kinds(fixed, first, months, gap, source)
        conds = _parse_conditions(conditions, months, source)
        matrices = self.draws.values
        if conds:
            paths, post = _conditioned_paths(matrices, kinds, s0, gap, conds, n, gen, source)
        else:
            post = np.arange(n) % matrices.shape[0]
            paths = _forward(matrices, kinds, np.full(n, s0), post, gen)
        initial = paths[:, gap - 1] if gap else np.full(n, s0)
        out = paths[:, gap:]
        month_index = pd.period_range(first, periods=months, freq="M").to_timestamp()
        return xr.DataArray(
            out.astype(np.int8),
            dims=("draw", "month"),
            coords={
                "draw": np.arange(n),
                "month": month_index,
                "posterior_draw": ("draw", post.astype(int)),
                "initial_state": ("draw", initial.astype(np.int8)),
            },
            name="state",
            attrs={"states": json.dumps(list(STATES)), "model": self.name},
        )


# --- simulation internals ----------------------------------------------------------------------

#: Step kinds: free (the chain), hold (copy the previous state), or a fixed state code >= 0.
FREE, HOLD = -1, -2


def _step_kinds(fixed, first: pd.Period, months: int, gap: int, source: str) -> np.ndarray:
    """Kind of every simulated step (gap months first): FREE, HOLD or a fixed state code."""
    kinds = np.full(gap + months, FREE, dtype=int)
    if not fixed:
        return kinds
    if not isinstance(fixed, Mapping):
        raise ConfigError(source, "key 'fixed' is not a mapping", "give {YYYY-MM: state, ...}")
    steps = {}
    for key, value in fixed.items():
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            offset = int(key) - 1
        else:
            offset = int(_to_month(key, source, f"fixed.{key}").ordinal - first.ordinal)
        if not 0 <= offset < months:
            last = first + months - 1
            raise ConfigError(
                source,
                f"key 'fixed.{key}' is outside the forecast months {first}..{last}",
                "move the month inside the horizon, or lengthen the horizon",
            )
        steps[offset] = _state_index(value, source, f"fixed.{key}")
    last_key = max(steps)
    current = HOLD
    for offset in range(last_key + 1):
        current = steps.get(offset, current)
        kinds[gap + offset] = current
    return kinds


def _parse_conditions(conditions, months: int, source: str) -> list[tuple[np.ndarray, int, float]]:
    """Validate conditions into (target state mask, within, probability) tuples."""
    if conditions is None:
        return []
    if isinstance(conditions, Mapping):
        conditions = [conditions]
    if not isinstance(conditions, Sequence) or isinstance(conditions, str):
        raise ConfigError(source, "key 'conditions' is not a list", "give a list of mappings")
    if len(conditions) > MAX_CONDITIONS:
        raise ConfigError(
            source,
            f"{len(conditions)} conditions; at most {MAX_CONDITIONS} are supported",
            "combine or drop conditions",
        )
    out = []
    for k, cond in enumerate(conditions):
        key = f"conditions[{k}]"
        if not isinstance(cond, Mapping):
            raise ConfigError(source, f"key '{key}' is not a mapping", "give state, within, prob.")
        extra = sorted(set(cond) - {"state", "within", "probability"})
        missing = sorted({"state", "within", "probability"} - set(cond))
        if extra or missing:
            raise ConfigError(
                source,
                f"key '{key}': unknown key(s) {extra}, missing key(s) {missing}",
                "use exactly state, within, probability",
            )
        targets = cond["state"] if isinstance(cond["state"], (list, tuple)) else [cond["state"]]
        if not targets:
            raise ConfigError(source, f"key '{key}.state' is empty", "name at least one state")
        mask = np.zeros(N_STATES, dtype=bool)
        for target in targets:
            mask[_state_index(target, source, f"{key}.state")] = True
        within = cond["within"]
        if isinstance(within, bool) or not isinstance(within, (int, np.integer)):
            raise ConfigError(
                source, f"key '{key}.within': {within!r} is not a number of months", "3"
            )
        if not 1 <= within <= months:
            raise ConfigError(
                source,
                f"key '{key}.within' = {within} is outside the horizon 1..{months}",
                "use a number of months inside the forecast horizon",
            )
        p = cond["probability"]
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ConfigError(
                source, f"key '{key}.probability' = {p!r} is not in [0, 1]", "e.g. 0.7"
            )
        out.append((mask, int(within), float(p)))
    return out


def _kernel(kind: int, matrices: np.ndarray) -> np.ndarray:
    """Transition matrices (draw, from, to) of one step kind."""
    n = matrices.shape[0]
    if kind == FREE:
        return matrices
    if kind == HOLD:
        return np.broadcast_to(np.eye(N_STATES), (n, N_STATES, N_STATES))
    onehot = np.zeros((N_STATES, N_STATES))
    onehot[:, kind] = 1.0
    return np.broadcast_to(onehot, (n, N_STATES, N_STATES))


def _sample_rows(probs: np.ndarray, gen: np.random.Generator) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows need not be normalised)."""
    cum = np.cumsum(probs, axis=1)
    u = gen.random(len(probs)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1)


def _forward(matrices, kinds, s0, post, gen, begin: int = 0, paths=None) -> np.ndarray:
    """Forward-simulate steps ``begin..`` of the step kinds (free steps use ``matrices``)."""
    n = len(post)
    if paths is None:
        paths = np.empty((n, len(kinds)), dtype=int)
    current = s0 if begin == 0 else paths[:, begin - 1]
    for t in range(begin, len(kinds)):
        kind = kinds[t]
        if kind == FREE:
            current = _sample_rows(matrices[post, current], gen)
        elif kind >= 0:
            current = np.full(n, kind)
        paths[:, t] = current
    return paths


def _flag_bits(conds, kinds_len: int, gap: int) -> np.ndarray:
    """Event bits set by entering each state at each step, shape (steps, states)."""
    bits = np.zeros((kinds_len, N_STATES), dtype=int)
    for j, (mask, within, _) in enumerate(conds):
        bits[gap : gap + within, mask] |= 1 << j
    return bits


def _backward(matrices, kinds, bits, cell: int, n_flags: int, keep: bool):
    """h[t][d, s, f] = P(final flags == cell | state s and flags f after step t), t = 0..T.

    Returns the list of ``h`` for every step when ``keep``, else only ``h[0]``.
    """
    n = matrices.shape[0]
    h = np.zeros((n, N_STATES, n_flags))
    h[:, :, cell] = 1.0
    out = [h]
    flags = np.arange(n_flags)
    states = np.arange(N_STATES)[None, :]
    for t in range(bits.shape[0] - 1, -1, -1):
        newf = flags[:, None] | bits[t][None, :]  # (F, S'): flags after entering S'
        gathered = h[:, states, newf]  # (D, F, S')
        h = np.einsum("dst,dft->dsf", _kernel(kinds[t], matrices), gathered)
        if keep:
            out.append(h)
    return out[::-1] if keep else h


def _ipf(model: np.ndarray, conds, source: str) -> np.ndarray:
    """Pattern shares closest to ``model`` (minimum KL) with the conditions' marginals."""
    target = model.copy()
    cells = np.arange(len(model))
    for _ in range(1000):
        for j, (_, within, p) in enumerate(conds):
            has = (cells >> j) & 1 == 1
            mass = target[has].sum()
            if (p > 0 and mass <= 0) or (p < 1 and mass >= 1):
                raise ConfigError(
                    source,
                    f"conditions[{j}] (probability {p} within {within} months) cannot hold "
                    "together with the fixed months and the other conditions",
                    "check the fixed path, the windows and the probabilities",
                )
            target[has] *= p / mass if mass > 0 else 0.0
            target[~has] *= (1 - p) / (1 - mass) if mass < 1 else 0.0
        errors = [abs(target[(cells >> j) & 1 == 1].sum() - p) for j, (_, _, p) in enumerate(conds)]
        if max(errors) < 1e-12:
            return target / target.sum()
    raise ConfigError(
        source,
        "the conditions cannot all hold at their probabilities",
        "check that the events can happen together in the given windows",
    )


def _allocate(shares: np.ndarray, n: int) -> np.ndarray:
    """Integer counts summing to ``n`` closest to ``shares * n`` (largest remainders)."""
    raw = shares * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def _systematic(weights: np.ndarray, n: int, gen: np.random.Generator) -> np.ndarray:
    """``n`` indices drawn in proportion to ``weights`` (systematic resampling)."""
    cum = np.cumsum(weights / weights.sum())
    cum[-1] = 1.0
    return np.searchsorted(cum, (gen.random() + np.arange(n)) / n, side="right")


def _conditioned_paths(matrices, kinds, s0, gap, conds, n, gen, source):
    """Paths whose event patterns have the requested shares (see the module docstring)."""
    horizon = gap + max(within for _, within, _ in conds)
    bits = _flag_bits(conds, horizon, gap)
    n_cells = 1 << len(conds)
    q = np.stack(
        [
            _backward(matrices, kinds[:horizon], bits, c, n_cells, keep=False)[:, s0, 0]
            for c in range(n_cells)
        ],
        axis=1,
    )  # (draws, cells): P(pattern | transition matrix)
    counts = _allocate(_ipf(q.mean(axis=0), conds, source), n)
    paths = np.empty((n, len(kinds)), dtype=int)
    post = np.empty(n, dtype=int)
    row = 0
    for cell, count in enumerate(counts):
        if count == 0:
            continue
        chosen = _systematic(q[:, cell], count, gen)
        h = _backward(matrices[chosen], kinds[:horizon], bits, cell, n_cells, keep=True)
        state, flags = np.full(count, s0), np.zeros(count, dtype=int)
        local = np.arange(count)
        for t in range(horizon):
            step = _kernel(kinds[t], matrices[chosen])[local, state]  # (count, S')
            newf = flags[:, None] | bits[t][None, :]
            weight = step * h[t + 1][local[:, None], np.arange(N_STATES)[None, :], newf]
            state = _sample_rows(weight, gen)
            flags = newf[local, state]
            paths[row : row + count, t] = state
        sel = slice(row, row + count)
        post[sel] = chosen
        sub = paths[sel]
        _forward(matrices, kinds, np.full(count, s0), chosen, gen, begin=horizon, paths=sub)
        paths[sel] = sub
        row += count
    order = gen.permutation(n)
    return paths[order], post[order]
