"""What every model of the negotiation states shares: the window, the simulation, the file.

A state model (:class:`StateModel`) is fitted on the monthly states of the panel and
simulates state paths for the months after them, each path from its own posterior draw. For
simulation every model is a Markov chain on a :class:`~forecast.models.conditioning.Lattice`
(the four states, or states with the months already spent in them), so the analyst's inputs
(fixed months, conditions) and the exact conditioning of :mod:`forecast.models.conditioning`
work for all of them. A subclass provides the posterior (:meth:`StateModel._fit_states`), its
transition matrices on its lattice (:meth:`StateModel.matrices`), the augmented state of the
month before a forecast (:meth:`StateModel.initial_index`) and the variables it saves.

The models: :class:`forecast.models.transitions.TransitionModel` (the Markov chain),
:mod:`forecast.models.chains` (the chain shrunk toward persistence, the chain that weighs
recent years more, and that chain averaged with a state-blind one) and
:class:`forecast.models.durations.DurationModel` (an exit hazard that depends on the time spent
in the state). :mod:`forecast.models.state_catalog` names them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import STATES
from forecast.errors import ConfigError, RunFileError
from forecast.models.conditioning import (
    N_STATES,
    Lattice,
    parse_conditions,
    simulate_lattice,
    state_index,
    step_kinds,
    to_month,
)
from forecast.models.state_sequences import (
    current_duration,
    monthly_states,
    rng_of,
    state_codes,
)
from forecast.present import counted

__all__ = ["StateModel"]


class StateModel:
    """Shared plumbing of the negotiation-state models (see the module docstring).

    Parameters
    ----------
    priors : dict, optional
        Overrides of :attr:`default_priors`, merged key by key.
    since, until : str, optional
        Training window (``YYYY-MM``; whole months, inclusive).
    draws : int, default 1000
        Posterior draws kept by :meth:`fit`.
    random_seed : int, default 1
        Seed of the posterior draws.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    default_priors: ClassVar[dict] = {}

    def __init__(
        self,
        priors: dict | None = None,
        since: str | None = None,
        until: str | None = None,
        draws: int = 1000,
        random_seed: int = 1,
    ) -> None:
        self.priors = self.merge_priors(priors)
        self.since = to_month(since, "--since", "since") if since is not None else None
        self.until = to_month(until, "--until", "until") if until is not None else None
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ConfigError(
                "--since/--until", f"until {self.until} is before since {self.since}", "swap them"
            )
        if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1:
            raise ConfigError("draws", f"{draws!r} is not a positive number of draws", "use 1000")
        self.n_draws = int(draws)
        self.random_seed = int(random_seed)
        self.fitted_states: pd.Series | None = None

    # --- to be provided -----------------------------------------------------------------------

    @classmethod
    def merge_priors(cls, user: dict | None) -> dict:
        """Merge a user prior dict over :attr:`default_priors`; a model validates the values.

        A key the defaults lack is refused; a default that is a dict of named parameters
        (``{"sigma": 1.0}``) takes the user's parameters over it, any other default (a number,
        or ``cells``, empty by default) is replaced whole.

        Parameters
        ----------
        user : dict, optional
            The user's priors.

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
            if isinstance(merged[key], dict) and merged[key]:
                if not isinstance(value, dict) or set(value) - set(merged[key]):
                    raise ConfigError(
                        where, f"prior {key!r} needs {sorted(merged[key])}", "see the docstring"
                    )
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = copy.deepcopy(value)
        return merged

    @classmethod
    def positive(cls, key: str, value, fix: str, what: str = "positive") -> None:
        """Refuse a prior value that is not a number > 0 (``what`` names it in the message)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ConfigError(
                f"priors of {cls.name}", f"prior {key!r} = {value!r} is not {what}", fix
            )

    def _fit_states(self, states: pd.Series) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def lattice(self) -> Lattice:
        """The augmented states the model moves on (the four states for a Markov chain)."""
        return Lattice.plain()

    def matrices(self) -> np.ndarray:  # pragma: no cover - abstract
        """Posterior draws of the transition matrix on :attr:`lattice`, (draw, A, A)."""
        raise NotImplementedError

    def initial_index(self, state: int, duration: int | None = None) -> int:
        """The augmented state of a month in ``state`` that is the ``duration``-th of its
        spell (None: the spell just began)."""
        return int(self.lattice.entry[state])

    def _dataset_vars(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def _load_vars(self, ds: xr.Dataset, source: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- fit ----------------------------------------------------------------------------------

    def fit(self, panel: pd.DataFrame | pd.Series):
        """Fit the model on the states of the training window.

        Parameters
        ----------
        panel : DataFrame or Series
            The monthly panel (columns ``month``, ``state``) or a Series of
            state labels indexed by month.

        Returns
        -------
        StateModel
            ``self``, fitted.
        """
        states = monthly_states(panel)
        if self.since is not None:
            states = states[states.index >= self.since]
        if self.until is not None:
            states = states[states.index <= self.until]
        if len(states) < 2:
            raise ConfigError(
                "--since/--until",
                f"the training window holds {counted(len(states), 'month')} of states",
                "choose a window with at least two months",
            )
        self.fitted_states = states
        self._fit_states(states)
        return self

    def _check_fitted(self) -> None:
        if self.fitted_states is None:
            raise RuntimeError(f"the {self.name} model is not fitted; call fit(panel) first")

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

    @property
    def last_duration(self) -> int:
        """Months the last fitted state has lasted (a lower bound when it began before the
        window)."""
        self._check_fitted()
        return current_duration(self.fitted_states)

    def config(self) -> dict:
        """JSON-ready configuration (priors, window, draws, seed)."""
        return {
            "priors": self.priors,
            "since": None if self.since is None else str(self.since),
            "until": None if self.until is None else str(self.until),
            "draws": self.n_draws,
            "random_seed": self.random_seed,
        }

    # --- exact forecasts from the lattice -------------------------------------------------------

    def state_probabilities(self, months: int) -> np.ndarray:
        """P(each state) in forecast months 1..``months`` after the last fitted month, exact
        (averaged over the posterior draws).

        Returns
        -------
        ndarray, shape (months, 4)
        """
        self._check_fitted()
        mats = self.matrices()
        lattice = self.lattice
        mass = np.zeros((mats.shape[0], lattice.size))
        mass[:, self.initial_index(STATES.index(self.last_state), self.last_duration)] = 1.0
        out = np.zeros((months, N_STATES))
        for t in range(months):
            mass = np.einsum("da,dab->db", mass, mats)
            by_state = np.zeros((mats.shape[0], N_STATES))
            np.add.at(by_state.T, lattice.observed, mass.T)
            out[t] = by_state.mean(axis=0)
        return out

    def event_probability(self, months: int, to: Sequence[str] | None = None) -> float:
        """P(a change of state, or a change into one of ``to``, within ``months`` months after
        the last fitted month), exact (averaged over the posterior draws)."""
        self._check_fitted()
        mats = self.matrices()
        lattice = self.lattice
        targets = np.ones(N_STATES, bool) if not to else np.isin(np.array(STATES), list(to))
        start = self.initial_index(STATES.index(self.last_state), self.last_duration)
        mass = np.zeros((mats.shape[0], lattice.size))
        mass[:, start] = 1.0
        moved = lattice.observed[:, None] != lattice.observed[None, :]
        hit = moved & targets[lattice.observed][None, :]  # (from, to) entering an event state
        kept = np.where(hit[None], 0.0, mats)  # paths without the event so far
        for _ in range(months):
            mass = np.einsum("da,dab->db", mass, kept)
        return float(1.0 - mass.sum(axis=1).mean())

    # --- simulation ---------------------------------------------------------------------------

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
        keep_gap: bool = False,
    ) -> xr.DataArray:
        """Simulate monthly state paths, each from its own posterior draw.

        Parameters
        ----------
        start_state : str, optional
            State of the month before the first simulated month. Default: the
            state of the last fitted month (and, for a duration model, the months it has
            lasted; a given state starts a new spell).
        months : int, default 12
            Months from ``start`` (the horizon); with ``keep_gap``, the months before
            ``start`` are returned too.
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
            set to ``p`` (see :mod:`forecast.models.conditioning`); at most three.
        start : str or Period, optional
            First month of the horizon, the first returned unless ``keep_gap`` (default: the
            month after the last fitted month). Months between the fitted data and ``start``
            are simulated by the chain when ``start_state`` is not given, and dropped unless
            ``keep_gap``.
        source : str
            Name for error messages (e.g. the scenario file).
        keep_gap : bool
            Return the months between the fitted data and ``start`` too, before the
            ``months`` from ``start`` (a scenario that starts after the data simulates its
            launches in them; ``fixed`` months and ``conditions`` still count from ``start``).
            Nothing changes when ``start_state`` is given (then no month is simulated before
            ``start``).

        Returns
        -------
        DataArray
            State codes (index into ``attrs["states"]``), dims (draw, month),
            ``month`` as first-of-month Timestamps, coordinates
            ``posterior_draw`` and ``initial_state`` (the code of the month
            before the first month) along ``draw``.
        """
        self._check_fitted()
        gen = rng_of(rng)
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
        first = to_month(start, source, "start") if start is not None else self.last_month + 1
        if start_state is None:
            a0 = self.initial_index(STATES.index(self.last_state), self.last_duration)
            if first <= self.last_month:
                raise ConfigError(
                    source,
                    f"key 'start': {first} is not after the fitted data (which end "
                    f"{self.last_month})",
                    f"refit with --until {first - 1}, or give the state of {first - 1}",
                )
            gap = int(first.ordinal - self.last_month.ordinal - 1)
        else:
            s0 = state_index(start_state, source, "start_state")
            same = s0 == STATES.index(self.last_state) and first == self.last_month + 1
            a0 = self.initial_index(s0, self.last_duration if same else None)
            gap = 0
        kinds = step_kinds(fixed, first, months, gap, source)
        conds = parse_conditions(conditions, months, source)
        lattice = self.lattice
        mats = self.matrices()
        aug, post = simulate_lattice(mats, lattice, kinds, a0, gap, conds, n, gen, source)
        paths = lattice.observed[aug]
        if keep_gap:
            initial, out, first = np.full(n, lattice.observed[a0]), paths, first - gap
        else:
            initial = paths[:, gap - 1] if gap else np.full(n, lattice.observed[a0])
            out = paths[:, gap:]
        month_index = pd.period_range(first, periods=out.shape[1], freq="M").to_timestamp()
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

    # --- save / load --------------------------------------------------------------------------

    def to_dataset(self) -> xr.Dataset:
        """The fit as an xarray Dataset (posterior, fitted states; config in attrs).

        Returns
        -------
        Dataset
            The model's posterior variables and ``fitted_state`` (fitted_month) as codes into
            ``attrs["states"]``. Write it with ``to_netcdf``.
        """
        self._check_fitted()
        ds = xr.Dataset(
            {
                **self._dataset_vars(),
                "fitted_state": (
                    "fitted_month",
                    state_codes(self.fitted_states.to_numpy()).astype(np.int8),
                ),
            },
        )
        ds = ds.assign_coords(fitted_month=self.fitted_states.index.to_timestamp())
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
    def from_dataset(cls, ds: xr.Dataset, source: str = "<dataset>"):
        """Rebuild a fitted model from :meth:`to_dataset` output (e.g. read from netCDF).

        Parameters
        ----------
        ds : Dataset
        source : str
            File name for error messages.
        """
        if ds.attrs.get("model") != cls.name:
            raise RunFileError(
                source,
                f"not a {cls.name} fit (model {ds.attrs.get('model')!r})",
                f"pass the file written from {cls.__name__}.to_dataset",
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
            model.fitted_states = pd.Series(np.array(STATES)[codes], index=months)
            model._load_vars(ds, source)
        except RunFileError:
            raise
        except (KeyError, ValueError, TypeError) as err:
            raise RunFileError(source, f"incomplete {cls.name} fit ({err})", "refit") from None
        return model
