"""Single-series negative-binomial models built from switchable components.

=================  =====  =====  ======  ========  ==========  ===================
model              level  state  season  exercise  excitation  window
=================  =====  =====  ======  ========  ==========  ===================
``constant_rate``  --     --     --      --        --          training window
``recent_rate``    --     --     --      --        --          last 24 months
``state_rate``     yes    yes    yes     yes       --          training window
``self_exciting``  yes    yes    yes     yes       yes         training window
=================  =====  =====  ======  ========  ==========  ===================

See :mod:`forecast.models.components` for the pieces and their priors.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from forecast.constants import STATES
from forecast.models import components as C
from forecast.models.base import BaseModel

#: Prior defaults shared by the component models. Scales are on the log rate of
#: launch days per month, unless said otherwise.
COMPONENT_PRIORS = {
    # first training year's log rate: exp(-2 +- 2 sd) covers 0.03..0.5 launch days per month
    # (the 1990s rate); later years move away from it through the walk
    "level_start": {"mu": -2.0, "sigma": 0.7},
    # sd of the yearly change in the log level: Gamma(2, 8), mean 0.25, 99% below 0.83, no
    # mass at zero (a half-normal's mass near zero made chains stick in short windows).
    # Tight enough that 99% of prior-predictive months stay below 30 launch days over a
    # 36-year walk, loose enough for the real swings (2017 -> 2018: 15 -> 0 launch days)
    "level_step": {"alpha": 2.0, "beta": 8.0},
    # log rate ratio of each state vs no_talks: N(0, 1) keeps ratios within ~0.14..7
    "state_effect": {"sigma": 1.0},
    # sd of the month-of-year effects (partially pooled, summing to zero)
    "season": {"sigma": 0.5},
    # effect of a month fully covered by a major exercise
    "exercise": {"sigma": 0.5},
    # negative-binomial shape: Gamma(2, 1) puts most mass on 0.2..5 (strong to mild overdispersion)
    "alpha": {"alpha": 2.0, "beta": 1.0},
    # self-excitation: branching ratio (total weight of log1p of the last six months' counts,
    # kept below 1 so simulated paths cannot explode; Beta(2, 5) has mean 0.29), and the
    # geometric decay of the weights from one lag to the next
    "excitation": {"alpha": 2.0, "beta": 5.0},
    "excitation_decay": {"alpha": 2.0, "beta": 2.0},
}


class CountModel(BaseModel):
    """Negative-binomial model of one monthly count with switchable components."""

    #: Components in the log rate (see module docstring).
    components: ClassVar[tuple[str, ...]] = ()

    def _coords(self, d: C.Design) -> dict:
        return {
            "month": d.months,
            "train_month": self.training["month"].to_numpy(),
            "state": list(STATES),
            "state_contrast": list(STATES[1:]),
            "month_of_year": np.arange(1, 13),
            "year": d.years,
            "lag": np.arange(1, C.EXCITATION_LAGS + 1),
        }

    def design(self) -> C.Design:
        """Design arrays of the grid (training months and any after them)."""
        return C.design(self.panel, self.target, start=self.grid_start)

    def _train_data(self) -> dict:
        data = super()._train_data()
        y = self.panel[self.target].to_numpy()[self.start : self.stop]
        return {**data, "y_train": y.astype("int64")}

    def _build(self) -> pm.Model:
        d = self.design()
        p = self.priors
        data = self._train_data()
        with pm.Model(coords=self._coords(d)) as model:
            train_idx = pm.Data("train_idx", data["train_idx"], dims="train_month")
            y_train = pm.Data("y_train", data["y_train"], dims="train_month")
            if self.components:
                log_mu = self._log_rate(d, p)
            else:
                log_rate = pm.Normal("log_rate", **p["log_rate"])
                log_mu = pt.ones(model.dim_lengths["month"]) * log_rate
            mu = pm.Deterministic("mu", pt.exp(log_mu), dims="month")
            alpha = C.dispersion(p)
            pm.NegativeBinomial(
                "y", mu=mu[train_idx], alpha=alpha, observed=y_train, dims="train_month"
            )
        return model

    def _log_rate(self, d: C.Design, p: dict):
        on = self.components
        used = {
            "state": "state_idx",
            "season": "moy_idx",
            "exercise": "exercise_share",
            "excitation": "lags",
        }
        grid = C.grid_data(d, ["year_idx", *(name for term, name in used.items() if term in on)])
        log_mu = C.level_walk(p, len(d.years))[grid["year_idx"]]
        if "state" in on:
            log_mu = log_mu + C.state_effects(p)[grid["state_idx"]]
        if "season" in on:
            log_mu = log_mu + C.seasonality(p)[grid["moy_idx"]]
        if "exercise" in on:
            log_mu = log_mu + C.exercise_term(p) * grid["exercise_share"]
        if "excitation" in on:
            log_mu = log_mu + C.excitation(p, grid["lags"])
        return log_mu

    def _last_train_year(self) -> int:
        return self.last_month.year

    def _simulate(self, post: xr.Dataset, fut: dict, rng: np.random.Generator) -> dict:
        n, h = post.sizes["draw"], len(fut["months"])
        if not self.components:
            log_mu = np.repeat(post["log_rate"].values[:, None], h, axis=1)
        else:
            last_year = self._last_train_year()
            level = post["level"].sel(year=last_year).values
            ahead = fut["year"] - last_year
            path = C.walk_forward(level, post["level_step_sd"].values, ahead.max(), rng)
            log_mu = path[:, ahead]
            if "state" in self.components:
                log_mu = log_mu + C.by_state(post["state_effect"].values, fut["state_idx"])
            if "season" in self.components:
                log_mu = log_mu + post["season"].values[:, fut["moy_idx"]]
            if "exercise" in self.components:
                log_mu = log_mu + post["beta_exercise"].values[:, None] * fut["exercise_share"]
        alpha = post["alpha"].values[:, None]
        if "excitation" not in self.components:
            rate = np.exp(log_mu)
            counts = C.negbin(rate, alpha, rng)
        else:
            counts, rate = self._simulate_excited(post, log_mu, alpha, rng)
        del n
        return {"counts": (("draw", "month"), counts), "rate": (("draw", "month"), rate)}

    def _simulate_excited(self, post, log_mu, alpha, rng):
        """Month by month, feeding each month's simulated counts into the next."""
        n, h = log_mu.shape
        lags = C.EXCITATION_LAGS
        history = self.training[self.target].to_numpy()[-lags:][::-1]  # most recent first
        recent = np.tile(np.log1p(history.astype(float)), (n, 1))
        weights = C.excitation_weights(
            post["excitation"].values[:, None], post["excitation_decay"].values[:, None], xp=np
        )
        counts = np.zeros((n, h), dtype=np.int64)
        rate = np.zeros((n, h))
        for t in range(h):
            rate[:, t] = np.exp(log_mu[:, t] + (weights * recent).sum(axis=1))
            counts[:, t] = C.negbin(rate[:, t], alpha[:, 0], rng)
            recent = np.concatenate([np.log1p(counts[:, t : t + 1]), recent[:, :-1]], axis=1)
        return counts, rate


class ConstantRate(CountModel):
    """Baseline: one negative-binomial rate over the whole training window."""

    name = "constant_rate"
    default_priors = {
        # log launch days per month: exp(N(-0.5, 1.5)) spans 0.03..12 at 2 sd
        "log_rate": {"mu": -0.5, "sigma": 1.5},
        "alpha": {"alpha": 2.0, "beta": 1.0},
    }
    summary_vars = ("log_rate", "alpha")


class RecentRate(ConstantRate):
    """Baseline: one negative-binomial rate over the last 24 months only."""

    name = "recent_rate"
    window_months = 24

    def _min_start(self, stop: int) -> int:
        return max(0, stop - self.window_months)


class StateRate(CountModel):
    """Negative-binomial GLM: drifting level + state effect + season + exercises."""

    name = "state_rate"
    components = ("level", "state", "season", "exercise")
    default_priors = {k: v for k, v in COMPONENT_PRIORS.items() if not k.startswith("excitation")}
    summary_vars = ("state_effect", "level_step_sd", "season_sd", "beta_exercise", "alpha")
    #: target_accept 0.95 rather than the preset's 0.9: at 0.9 the full-data fit ended with one
    #: divergent transition on some CPUs (the same seed runs a slightly different numba build on
    #: an Intel Xeon than on an AMD EPYC), and the verdict fails on any divergence
    sampler_overrides: ClassVar[dict] = {"target_accept": 0.95}


class SelfExciting(StateRate):
    """``state_rate`` plus discrete Hawkes self-excitation from recent launch months."""

    name = "self_exciting"
    components = ("level", "state", "season", "exercise", "excitation")
    default_priors = dict(COMPONENT_PRIORS)
    summary_vars = (*StateRate.summary_vars, "excitation", "excitation_decay")
