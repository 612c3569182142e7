"""Naive baselines that only count: no parameters to sample, registered like any model.

``empirical_recent``
    The last 12 training months' counts, each with weight 1/12, as the predictive
    distribution of every future month (the baseline of the VIEWS prediction challenge).
``last_value``
    All mass on the last training month's count (a point forecast: its CRPS is the absolute
    error).

Their "posterior" is the statistic they keep (one chain, one draw), so they save, load,
simulate scenarios and run in backtests like the Bayesian models; scenarios cannot change
them (they know no state). ``constant_rate`` and ``recent_rate``
(:mod:`forecast.models.count`) are the other two baselines: negative-binomial rates fitted by
MCMC over the training window and over its last 24 months.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from forecast.models.base import BaseModel
from forecast.models.diagnostics import Diagnostics
from forecast.models.storage import stamp

#: Predictive draws a naive baseline simulates when not told how many.
DEFAULT_DRAWS = 4000


class NaiveModel(BaseModel):
    """A baseline whose predictive distribution is a statistic of the recent counts."""

    #: Simulations of a forecast when not told how many (it has no posterior draws to count).
    simulation_draws: ClassVar[int] = DEFAULT_DRAWS

    uses_mcmc: ClassVar[bool] = False
    #: Training months the statistic reads (the last ones).
    window_months: ClassVar[int] = 12
    default_priors: ClassVar[dict] = {}  # no parameters
    summary_vars: ClassVar[tuple[str, ...]] = ("recent_counts",)

    def _min_start(self, stop: int) -> int:
        return max(0, stop - self.window_months)

    def _build(self) -> pm.Model:
        return pm.Model()  # nothing to sample; kept so the model has the common shape

    def _train_rows(self, stop: int) -> tuple[int, int]:
        start = max(self.grid_start, self._min_start(stop))
        return start, stop

    def set_until(self, until) -> BaseModel:
        """Move the end of the window (nothing to recompile)."""
        months = pd.to_datetime(self.panel["month"])
        cutoff = pd.Period(until, "M").start_time
        self.until = cutoff
        self.start, self.stop = self._train_rows(int((months <= cutoff).sum()))
        self.idata, self.diagnostics = None, None
        return self

    def graph_key(self) -> tuple:
        return (type(self).__name__,)

    def free_vars(self) -> list[str]:
        return []

    def trace_vars(self) -> list[str]:
        return ["recent_counts"]

    def fit(self, sampler=None, random_seed: int = 1, progress=None, **changes) -> xr.DataTree:
        """Keep the last ``window_months`` counts (no sampling)."""
        counts = self.training[self.target].to_numpy().astype("int64")[-self.window_months :]
        post = xr.Dataset(
            {"recent_counts": (("chain", "draw", "lag"), counts[None, None, ::-1])},
            coords={"chain": [0], "draw": [0], "lag": np.arange(1, len(counts) + 1)},
        )
        stats = xr.Dataset(
            {"diverging": (("chain", "draw"), np.zeros((1, 1), dtype=bool))},
            coords={"chain": [0], "draw": [0]},
        )
        self.idata = xr.DataTree.from_dict({"posterior": post, "sample_stats": stats})
        self.diagnostics = Diagnostics.not_sampled("a counting baseline: nothing to sample")
        self.sampler = {"backend": "none", "random_seed": int(random_seed)}
        stamp(self)
        return self.idata

    def simulate(
        self, future, random_seed: int = 1, draws: int | None = None, state_paths=None
    ) -> xr.Dataset:
        """Future counts: ``draws`` independent draws per month from the statistic.

        A baseline knows no state: ``state_paths`` only sets the number of draws.
        """
        self._require("idata", "fit")
        rng = np.random.default_rng(random_seed)
        fut = self.future_design(future)
        if draws is None and state_paths is not None:
            draws = len(state_paths)
        n = DEFAULT_DRAWS if draws is None else int(draws)
        counts = self.posterior["recent_counts"].values.reshape(-1)
        sims = self._draw(counts, n, len(fut["months"]), rng)
        ds = xr.Dataset(
            {
                "counts": (("draw", "month"), sims),
                "rate": (("draw", "month"), np.broadcast_to(sims.mean(axis=0), sims.shape)),
            },
            coords={"draw": np.arange(n), "month": fut["months"]},
        )
        ds.attrs.update(model=self.name, target=self.target, random_seed=random_seed)
        return ds

    def _draw(self, counts, n, h, rng) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class EmpiricalRecent(NaiveModel):
    """The last 12 months' counts, each with weight 1/12, for every future month."""

    name = "empirical_recent"

    def _draw(self, counts, n, h, rng) -> np.ndarray:
        return counts[rng.integers(0, len(counts), size=(n, h))]


class LastValue(NaiveModel):
    """All mass on the last month's count."""

    name = "last_value"
    window_months = 1

    def _draw(self, counts, n, h, rng) -> np.ndarray:
        return np.full((n, h), counts[0], dtype="int64")


__all__ = ["DEFAULT_DRAWS", "EmpiricalRecent", "LastValue", "NaiveModel"]
