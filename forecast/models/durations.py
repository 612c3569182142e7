"""A duration model of the negotiation states: the exit hazard depends on the months spent.

Model
-----
A semi-Markov model. A spell in state ``s`` lasts ``T`` months with a discrete Weibull law::

    P(T > d) = exp(-lambda_s d ** beta_s)
    h_s(d) = P(T = d | T >= d) = 1 - exp(-lambda_s (d ** beta_s - (d - 1) ** beta_s))

``h_s(d)`` is the chance that month ``d`` of the spell is its last. ``beta_s = 1`` is the
Markov chain (a constant hazard); ``beta_s < 1`` says the longer a state has lasted, the less
likely it ends (the long spells of no talks since 2009); ``beta_s > 1`` the opposite. When a
spell ends the next state is ``j`` with probability ``J[s, j]``, ``J[s, :] ~ Dirichlet``.

Priors from the observed dwell times
------------------------------------
``log lambda_s ~ N(log lambda_0, scale.sigma)`` where ``lambda_0 = -log(1 - e)`` and ``e`` is
the monthly exit rate pooled over all states of the training window (exits over months at
risk, half a pseudo-exit): each state's dwell time is centred on the average state's, and
learned from the window only, so a fit at a backtest cutoff sees no later month.
``log beta_s ~ N(shape.mu, shape.sigma)`` (0, 0.5: a shape between 0.38 and 2.7 at 2 sd,
centred on the Markov chain). ``J[s, :]`` has ``move`` pseudo-counts on every other state.

Posterior
---------
The months at risk factorise the likelihood by state: month ``d`` of a spell in ``s``
contributes ``h_s(d)`` if the next month is another state and ``1 - h_s(d)`` otherwise. The
first spell of the window is left out (it began before the window: its durations are
unknown); the last is right-censored by construction. The posterior of ``(lambda_s,
beta_s)`` is computed on a grid (160 x 100 points on the log scales) and drawn from it with
jitter inside a cell: exact up to the grid. ``J`` is conjugate.

Simulation
----------
A semi-Markov model is a Markov chain on (state, months in the state): the lattice of
:meth:`forecast.models.conditioning.Lattice.durations` with :data:`DURATION_CAP` months
(the hazard is held at its value of month ``DURATION_CAP`` beyond it). The phases are just
more states, so fixed months, conditions and the exact conditioning of
:mod:`forecast.models.conditioning` work unchanged. A forecast starts from the last fitted
state *and the months it has lasted* (a lower bound when it began before the window).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import STATES
from forecast.errors import ConfigError, RunFileError
from forecast.models.conditioning import N_STATES, Lattice
from forecast.models.state_model import StateModel
from forecast.models.state_sequences import spell_durations, state_codes, transition_counts
from forecast.models.transitions import dwell_table

__all__ = ["DURATION_CAP", "DurationModel", "weibull_hazard"]

#: Months of a spell the lattice tells apart (the hazard is constant from this month on).
DURATION_CAP = 24

#: The grid of the posterior: log lambda and log beta ranges and points.
LOG_SCALE_GRID = (np.log(1e-4), np.log(5.0), 160)
LOG_SHAPE_GRID = (np.log(0.2), np.log(5.0), 100)

#: Months summed for a mean dwell time (a spell of more than 100 years counts as 100 years).
DWELL_HORIZON = 1200


def weibull_hazard(scale, shape, months) -> np.ndarray:
    """``h(d) = 1 - exp(-scale (d ** shape - (d - 1) ** shape))``, broadcast."""
    d = np.asarray(months, dtype=float)
    return -np.expm1(-scale * (d**shape - (d - 1.0) ** shape))


def _at_risk(codes: np.ndarray, ordinal: np.ndarray):
    """Months at risk with a known duration: state, month of the spell, whether it ended."""
    duration, known = spell_durations(codes)
    pair = np.flatnonzero((np.diff(ordinal) == 1) & known[:-1])
    return codes[pair], duration[pair], codes[pair + 1] != codes[pair]


class DurationModel(StateModel):
    """Semi-Markov model of the monthly negotiation states (discrete Weibull dwell times).

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

    name: ClassVar[str] = "duration_transitions"
    description: ClassVar[str] = (
        "Semi-Markov model of negotiation states: discrete Weibull dwell times, Dirichlet jumps."
    )
    #: ``scale``: sd of log lambda around the pooled exit rate of the window; ``shape``: normal
    #: prior of log beta (0 is the Markov chain); ``move``: Dirichlet pseudo-count of each
    #: destination of a jump.
    default_priors: ClassVar[dict] = {
        "scale": {"sigma": 1.0},
        "shape": {"mu": 0.0, "sigma": 0.5},
        "move": 0.5,
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.counts: np.ndarray | None = None
        self.scale: np.ndarray | None = None
        self.shape: np.ndarray | None = None
        self.jump: np.ndarray | None = None
        self.centre: float | None = None
        self._cache: np.ndarray | None = None

    @classmethod
    def merge_priors(cls, user: dict | None) -> dict:
        """Merge a user prior dict over :attr:`default_priors` and validate it."""
        merged = super().merge_priors(user)
        for key, value in (
            ("scale.sigma", merged["scale"]["sigma"]),
            ("shape.sigma", merged["shape"]["sigma"]),
            ("move", merged["move"]),
        ):
            cls.positive(key, value, "use 0.5")
        mu = merged["shape"]["mu"]
        if isinstance(mu, bool) or not isinstance(mu, (int, float)):
            raise ConfigError(
                f"priors of {cls.name}", f"prior 'shape.mu' = {mu!r} is not a number", "use 0"
            )
        return merged

    # --- fit --------------------------------------------------------------------------------

    def _fit_states(self, states: pd.Series) -> None:
        codes = state_codes(states.to_numpy())
        ordinal = np.array([p.ordinal for p in states.index])
        self.counts = transition_counts(states)
        state, month, ended = _at_risk(codes, ordinal)
        rate = (ended.sum() + 0.5) / (len(ended) + 1.0)
        self.centre = float(-np.log1p(-rate))
        rng = np.random.default_rng(self.random_seed)
        self.scale = np.empty((self.n_draws, N_STATES))
        self.shape = np.empty((self.n_draws, N_STATES))
        for s in range(N_STATES):
            mine = state == s
            self.scale[:, s], self.shape[:, s] = self._draw_state(month[mine], ended[mine], rng)
        off = self.counts.astype(float)
        np.fill_diagonal(off, 0.0)
        self.jump = np.zeros((self.n_draws, N_STATES, N_STATES))
        for s in range(N_STATES):
            others = [j for j in range(N_STATES) if j != s]
            alpha = off[s, others] + float(self.priors["move"])
            self.jump[:, s, others] = rng.dirichlet(alpha, size=self.n_draws)
        self._cache = None

    def _draw_state(self, months: np.ndarray, ended: np.ndarray, rng):
        """Posterior draws of (lambda, beta) of one state on the grid."""
        log_l = np.linspace(*LOG_SCALE_GRID)
        log_b = np.linspace(*LOG_SHAPE_GRID)
        grid_l, grid_b = np.meshgrid(log_l, log_b, indexing="ij")
        shape = self.priors["shape"]
        logp = -0.5 * ((grid_l - np.log(self.centre)) / self.priors["scale"]["sigma"]) ** 2
        logp = logp - 0.5 * ((grid_b - shape["mu"]) / shape["sigma"]) ** 2
        if len(months):
            keys, counts = np.unique(np.column_stack([months, ended]), axis=0, return_counts=True)
            d = keys[:, 0].astype(float)
            lam, beta = np.exp(grid_l)[..., None], np.exp(grid_b)[..., None]
            delta = lam * (d**beta - (d - 1.0) ** beta)
            terms = np.where(keys[:, 1] == 1, np.log(-np.expm1(-delta) + 1e-300), -delta)
            logp = logp + (terms * counts).sum(axis=-1)
        weight = np.exp(logp - logp.max()).ravel()
        cells = rng.choice(weight.size, size=self.n_draws, p=weight / weight.sum())
        i, j = np.unravel_index(cells, grid_l.shape)
        step_l, step_b = log_l[1] - log_l[0], log_b[1] - log_b[0]
        scale = np.exp(log_l[i] + (rng.random(self.n_draws) - 0.5) * step_l)
        shape_draws = np.exp(log_b[j] + (rng.random(self.n_draws) - 0.5) * step_b)
        return scale, shape_draws

    def _check_fitted(self) -> None:
        if self.scale is None:
            raise RuntimeError("the duration model is not fitted; call fit(panel) first")

    # --- the chain on (state, months in the state) ------------------------------------------

    @property
    def lattice(self) -> Lattice:
        """(state, month of the spell) for months 1..:data:`DURATION_CAP`."""
        return Lattice.durations(DURATION_CAP)

    def hazards(self) -> np.ndarray:
        """Exit hazard of months 1..:data:`DURATION_CAP` of a spell, (draw, state, month)."""
        self._check_fitted()
        months = np.arange(1, DURATION_CAP + 1)
        return weibull_hazard(self.scale[..., None], self.shape[..., None], months)

    def matrices(self) -> np.ndarray:
        """Posterior draws of the transition matrix on the lattice, (draw, A, A), float32."""
        self._check_fitted()
        if self._cache is not None:
            return self._cache
        lattice = self.lattice
        h = self.hazards().astype(np.float32)  # (n, S, cap)
        n = self.n_draws
        mats = np.zeros((n, lattice.size, lattice.size), dtype=np.float32)
        rows = np.arange(lattice.size)
        mats[:, rows, lattice.advance] = 1.0 - h.reshape(n, -1)
        exits = h.reshape(n, -1)[:, :, None] * self.jump[:, lattice.observed, :].astype(np.float32)
        for j in range(N_STATES):
            mats[:, rows, lattice.entry[j]] += exits[:, :, j]
        self._cache = mats
        return mats

    def initial_index(self, state: int, duration: int | None = None) -> int:
        """Augmented state of a month in ``state`` that is the ``duration``-th of its spell."""
        d = 1 if duration is None else min(int(duration), DURATION_CAP)
        return int(state * DURATION_CAP + d - 1)

    # --- summaries --------------------------------------------------------------------------

    def summary(self) -> pd.DataFrame:
        """Posterior of each state's dwell law: scale, shape, hazard in months 1, 6, 12, 24
        of a spell, and the mean dwell (means and 94% intervals)."""
        self._check_fitted()
        rows = []
        h = self.hazards()
        dwell = self._dwell()
        for s, state in enumerate(STATES):
            values = {
                "scale": self.scale[:, s],
                "shape": self.shape[:, s],
                **{f"hazard_{d}": h[:, s, d - 1] for d in (1, 6, 12, 24)},
                "mean_dwell": dwell[:, s],
            }
            for name, x in values.items():
                lo, hi = np.quantile(x, [0.03, 0.97])
                rows.append(
                    {"state": state, "quantity": name, "mean": x.mean(), "lo": lo, "hi": hi}
                )
        return pd.DataFrame(rows)

    def _dwell(self) -> np.ndarray:
        """Mean dwell per draw and state, sum of P(T > d) for d < :data:`DWELL_HORIZON`."""
        d = np.arange(DWELL_HORIZON, dtype=float)
        surv = np.exp(-self.scale[..., None] * d ** self.shape[..., None])
        return surv.sum(axis=-1)

    def expected_dwell(self) -> pd.DataFrame:
        """Mean dwell time per state over the posterior draws (months).

        Returns
        -------
        DataFrame
            Index ``state``; columns ``mean``, ``q03``, ``q50``, ``q97``.
        """
        self._check_fitted()
        return dwell_table(self._dwell())

    # --- save / load ------------------------------------------------------------------------

    def _dataset_vars(self) -> dict:
        coords = {"draw": np.arange(self.n_draws), "state": list(STATES)}
        return {
            "scale": xr.DataArray(self.scale, dims=("draw", "state"), coords=coords),
            "shape": xr.DataArray(self.shape, dims=("draw", "state"), coords=coords),
            "jump": xr.DataArray(
                self.jump,
                dims=("draw", "from_state", "to_state"),
                coords={"from_state": list(STATES), "to_state": list(STATES)},
            ),
            "counts": (("from_state", "to_state"), self.counts),
            "centre": ((), self.centre),
        }

    def _load_vars(self, ds: xr.Dataset, source: str) -> None:
        self.scale = ds["scale"].values.astype(float)
        self.shape = ds["shape"].values.astype(float)
        self.jump = ds["jump"].values.astype(float)
        self.counts = ds["counts"].values.astype(int)
        self.centre = float(ds["centre"].values)
        self._cache = None
        if not np.array_equal(self.counts, transition_counts(self.fitted_states)):
            raise RunFileError(source, "counts do not match the fitted states", "refit")
