"""A daily model: launch days as a discrete-time self-exciting process, salvos as counts.

Whether day ``d`` of month ``m`` holds a launch (complementary log-log link)::

    launch[d] ~ Bernoulli(1 - exp(-h[d]))                 # h: the day's launch hazard
    log h[d] = era_level[leader(m)] + z[m] + season[month_of_year(m)]
               + state_effect[state(d)] + change_effect[state(d)] * (days since change < 56)
               + beta_exercise * exercise[d]
               + sum_k excitation[k] * log1p(K_k[d])
    K_k[d] = sum over l >= 1 of launch[d - l] * exp(-(l - 1) / tau_k),  tau = 3 and 10 days
    z[m] = phi z[m-1] + sd sqrt(1 - phi^2) e[m],  z[0] = sd e[0],  e[m] ~ N(0, 1)

and the missiles of a launch day ``1 + NegativeBinomial(salvo_mean, salvo_alpha)``.

Why this shape (issue 22): the skill left to win at 1-3 months is in short-term dynamics
that a monthly level cannot see; launches cluster within weeks (a launch day makes another in
the next days several times likelier). The pieces:

- The *baseline* follows ``ar_level``: a monthly AR(1) level around a level per leader era,
  non-centred, the prior on the mean of each era's training months (see
  :mod:`forecast.models.dynamic` for why that geometry samples well). One change: the prior is
  on the level's stationary sd (``ar_sd``), not on its innovations' sd, and the path starts
  from the stationary law. With ar_level's form the full fit had 11-97 divergences in 4,000
  draws, all where ``phi`` > 0.95 with large innovations (a near-random walk of large swings);
  with this one it had none in four seeds at target_accept 0.95. Fitted from 2005 by default
  (at least :data:`~forecast.models.dynamic.MIN_TRAINING_MONTHS` months).
- The *self-excitation* is a fixed design, not a parameter: the decaying sums ``K_k`` of the
  past launch days are data, computed once from the panel (two exponential kernels, a fast one
  for the days after a launch and one for the next weeks), so the graph only weighs them with
  non-negative ``excitation`` weights. A 21-day second kernel traded off against the monthly
  level (bulk ESS 580, r-hat 1.011 in a full fit); with 10 days the two separate (bulk ESS
  above 900). ``log1p`` makes the feedback sub-linear: a cluster raises the hazard, but ten
  launches do not raise it ten times as much as one, which keeps simulated paths from running
  away.
- The complementary log-log link makes the day a Poisson process: ``h`` is the day's
  expected number of launch events, ``exp(state_effect)`` a rate ratio exactly as in the
  monthly models (:meth:`~forecast.models.base.BaseModel.state_effects` reads the same), and
  the monthly sum of ``1 - exp(-h)`` the expected launch days.
- The *negotiation state* enters by day, with a separate shift for the first eight weeks after
  a change into each state (a breakdown, a summit), where an effect should show if it exists.
- *Exercise days* and the *month of year* (zero-sum, its spread shrunk toward none).

Forecasts simulate day by day forward from the last training day (the kernels need the recent
launch days) and sum to months, so every consumer of monthly draws works unchanged
(:meth:`DailyExciting.simulate`). A future month's state holds from its first day (a state
path changes at month starts); its exercise days are a block of consecutive days placed at a
random day of the month.

The kernels, the cells, the launch-day likelihood and the forward simulation of days are
:mod:`forecast.models.daily_process`'s, the salvo term (priors, parameters, forward
simulation) :mod:`forecast.models.components`' (``ar_level`` forecasts missiles with it too);
this module assembles them into the model and its ablation variants.

The day-level data come from the monthly panel's day columns (:mod:`forecast.data.panel`,
:func:`forecast.data.daily_frame`), so a saved fit rebuilds from its ``fit_data`` and a
backtest moves the window with ``set_until`` on the panel alone.
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from forecast.catalog import DAILY_TERMS, LEAN_FORMS
from forecast.constants import STATES
from forecast.data.daily import DAY_COLUMNS, daily_frame
from forecast.errors import ConfigError
from forecast.models import components as C
from forecast.models.base import BaseModel
from forecast.models.daily_process import (
    KERNEL_DAYS,
    cell_codes,
    cell_effects,
    excite,
    kernel_decays,
    launch_logp,
    launch_random,
)
from forecast.models.dynamic import DEFAULT_SINCE, LeaderEras, leaders
from forecast.models.sampling import FORWARD_COMPILE
from forecast.noise import quiet

#: Days after a change of state that the change term covers (eight weeks).
CHANGE_DAYS = 56

#: The model's optional terms; an ablation variant (:data:`ABLATIONS`) leaves one out (the
#: catalogue names them, :data:`forecast.catalog.DAILY_TERMS`).
TERMS: tuple[str, ...] = DAILY_TERMS

#: The prior each optional term owns (an ablation variant has neither the term nor its prior).
TERM_PRIORS: dict[str, str] = {
    "excitation": "excitation",
    "season": "season",
    "exercise": "exercise",
    "state": "state_effect",
    "change": "change_effect",
}

#: Targets a daily model simulates (CSIS events have no day-level record in the panel).
DAILY_TARGETS = ("launch_days", "missiles")


class DailyExciting(LeaderEras, BaseModel):
    """Launch days as a daily self-exciting process + salvo sizes (see the module docstring).

    Parameters
    ----------
    priors : dict, optional
        Overrides of :attr:`default_priors`.
    target : {"launch_days", "missiles"}
        What ``counts`` of :meth:`simulate` holds (both are simulated).
    since, until : str, optional
        Training window (``since`` defaults to 2005-01, as ``ar_level``'s).
    """

    name = "daily_exciting"
    #: The terms this model has (an ablation variant drops one: :data:`ABLATIONS`).
    terms: ClassVar[frozenset[str]] = frozenset(TERMS)
    default_priors = {
        # mean log daily launch hazard over each era's training months: exp(-5) a day is 0.2
        # launch days a month; +-2 sd spans 0.02..2.3 a month (since 2005 the Kim Jong Il era
        # averaged 0.05, Kim Jong Un's 0.9). A sd of 1.5 let 1.4% of prior months simulated
        # day by day reach 30 launch days (the prior predictive check)
        "era_mean": {"mu": -5.0, "sigma": 1.2},
        # persistence of the monthly level on the logit scale, as ar_level: phi 0.73..0.95
        "ar_phi": {"mu": 2.0, "sigma": 1.0},
        # the monthly level's stationary sd, log scale: 0.6 x/÷ 1.5 (0.27..1.3 at 2 sd; the
        # 2005-2025 fit gives 0.8 +- 0.2). On the stationary sd rather than the innovations'
        # sd (ar_level's choice): near phi = 1 the innovations' sd then shrinks instead of the
        # level's swings growing, which removed the divergences at phi > 0.95
        "ar_sd": {"mu": float(np.log(0.6)), "sigma": 0.4},
        # log rate ratio of each state vs no_talks: strong shrinkage (ratios ~0.4..2.7 at
        # 2 sd), as ar_level; the state switches since 2005 are few
        "state_effect": {"sigma": 0.5},
        # extra log rate ratio in the first eight weeks after a change into each state: about
        # 13 changes since 2005, two to five into each state, cannot support more
        "change_effect": {"sigma": 0.5},
        # half-normal scale of the sd of the month-of-year effects (zero-sum): most mass on
        # spreads below 0.5, none forced (season shrunk toward none)
        "season": {"sigma": 0.3},
        # log rate ratio of a day with a major exercise held
        "exercise": {"sigma": 0.5},
        # half-normal scale of the weight of each kernel's log1p(sum): a launch yesterday
        # multiplies today's hazard by 2 ** weight (fast kernel), so 0..1 at 2 sd spans "no
        # clustering" to "twice as likely"; a run of launches saturates the kernels (the slow
        # one's sum reaches 10), and wider weights let simulated months run away to 30 launch
        # days (the prior predictive check)
        "excitation": {"sigma": 0.5},
        # the missiles of a launch day beyond the first (the salvo term's priors)
        **C.SALVO_PRIORS,
    }
    summary_vars = (
        "state_effect",
        "change_effect",
        "excitation",
        "era_level",
        "ar_phi",
        "ar_sd",
        "season_sd",
        "beta_exercise",
        "salvo_mean",
        "salvo_alpha",
    )
    #: A diagonal mass matrix, as ar_level (about 270 parameters, mostly monthly innovations).
    sampler_overrides: ClassVar[dict] = {"adaptation": "diag", "target_accept": 0.95}

    def __init__(self, priors=None, target="launch_days", since=None, until=None):
        since = DEFAULT_SINCE if since is None else since
        super().__init__(priors=priors, target=target, since=since, until=until)
        if self.target not in DAILY_TARGETS:
            raise ConfigError(
                "--target",
                f"{self.name} simulates launch days and missiles, not {self.target!r}",
                f"use one of {DAILY_TARGETS}",
            )
        self.days: pd.DataFrame | None = None

    # --- rows, window and design -------------------------------------------------------------

    def columns(self) -> list[str]:
        return [*super().columns(), "dprk_leader", *DAY_COLUMNS]

    def _day_bounds(self, row: int) -> int:
        """Position in :attr:`days` of the first day of panel row ``row``."""
        lengths = pd.DatetimeIndex(pd.to_datetime(self.panel["month"])).days_in_month
        return int(np.concatenate([[0], np.cumsum(lengths)])[row])

    @property
    def training_days(self) -> pd.DataFrame:
        """The days the model is fitted to (rows of :attr:`days`, see
        :func:`forecast.data.daily_frame`)."""
        self._require("days", "build")
        start, stop = self._day_bounds(self.start), self._day_bounds(self.stop)
        return self.days.iloc[start:stop].reset_index(drop=True)

    def _by_day_of_month(self, values: np.ndarray, fill=0) -> np.ndarray:
        """Per-day ``values`` of every kept row as (row, day of month) padded to 31 days."""
        lengths = self.panel["day_states"].str.len().to_numpy()
        out = np.full((len(lengths), 31, *values.shape[1:]), fill, dtype=values.dtype)
        out[np.arange(31)[None, :] < lengths[:, None]] = values
        return out

    def _design(self) -> dict:
        """Arrays over the grid's months, by day of month (padded to 31 days, ``mask`` 0 on
        the padding); the kernels see every earlier day of the panel."""
        days = self.days
        kernel = C.kernel_sums(days["launch"].to_numpy(), kernel_decays())
        after = (days["days_since_change"] < CHANGE_DAYS).to_numpy()
        cells = cell_codes(days["state"], after, days["exercise"])
        grid = slice(self.grid_start, None)
        months = pd.DatetimeIndex(self.grid["month"])
        return {
            "cell_idx": self._by_day_of_month(cells)[grid],
            "features": np.stack(
                [
                    self._by_day_of_month(np.log1p(kernel[:, k]))[grid]
                    for k in range(kernel.shape[1])
                ]
            ),
            "mask": self._by_day_of_month(np.ones(len(days)))[grid],
            "moy_idx": (months.month - 1).to_numpy(),
            "era_idx": self._era_idx(),
        }

    def _train_data(self) -> dict:
        data = super()._train_data()
        weights = self._era_weights(data["train_idx"])
        launch = self._by_day_of_month(self.days["launch"].to_numpy())[self.start : self.stop]
        train = self.training_days
        salvos = train["missiles"].to_numpy()[train["launch"].to_numpy() == 1]
        return {
            **data,
            "era_weights": weights,
            "y_launch": launch.astype("int64"),
            "salvo_extra": (salvos - 1).astype("int64"),
        }

    def _coords(self) -> dict:
        return {
            "month": pd.DatetimeIndex(self.grid["month"]),
            "train_month": self.training["month"].to_numpy(),
            "day_of_month": np.arange(1, 32),
            "state": list(STATES),
            "state_contrast": list(STATES[1:]),
            "month_of_year": np.arange(1, 13),
            "era": self._eras(),
            "kernel": list(KERNEL_DAYS),
        }

    def _build(self) -> pm.Model:
        self.days = daily_frame(self.panel)  # every day of the kept rows, once per build
        d = self._design()
        p = self.priors
        data = self._train_data()
        with pm.Model(coords=self._coords()) as model:
            train_idx = pm.Data("train_idx", data["train_idx"], dims="train_month")
            era_weights = pm.Data("era_weights", data["era_weights"], dims=("era", "month"))
            y_launch = pm.Data("y_launch", data["y_launch"], dims=("train_month", "day_of_month"))
            salvo_extra = pm.Data("salvo_extra", data["salvo_extra"], dims="train_launch")
            # the design as data, not constants: the compiled graph then depends on the
            # panel's shape only, and the compiled code on disk serves a panel with new data
            cell_idx = pm.Data("cell_idx", d["cell_idx"], dims=("month", "day_of_month"))
            features = pm.Data("features", d["features"], dims=("kernel", "month", "day_of_month"))
            mask = pm.Data("day_mask", d["mask"], dims=("month", "day_of_month"))
            moy_idx = pm.Data("moy_idx", d["moy_idx"], dims="month")
            era_idx = pm.Data("era_idx", d["era_idx"], dims="month")

            # the monthly level: ar_level's AR(1) around an era level, non-centred
            phi = pm.Deterministic(
                "ar_phi", pm.math.sigmoid(pm.Normal("ar_phi_logit", **p["ar_phi"]))
            )
            scale = pm.Deterministic("ar_sd", pt.exp(pm.Normal("ar_sd_log", **p["ar_sd"])))
            sigma = pm.Deterministic("ar_sigma", scale * pt.sqrt(1 - phi**2))
            innovations = pm.Normal("ar_innovation", 0.0, 1.0, dims="month")
            shocks = pt.concatenate([scale * innovations[:1], sigma * innovations[1:]])
            z = C.ar1_path(shocks, phi, model.dim_lengths["month"])
            era_mean = pm.Normal("era_mean", **p["era_mean"], dims="era")
            era_level = pm.Deterministic("era_level", era_mean - pt.dot(era_weights, z), dims="era")
            level = pm.Deterministic("level", era_level[era_idx] + z, dims="month")
            pm.Deterministic("z_last", z[train_idx[-1]])
            on = self.terms
            season = (
                C.seasonality(p) if "season" in on else C.term_off("season", 12, "month_of_year")
            )
            month_base = level + season[moy_idx]

            # the day's state, the weeks after a change of state, exercise days: one cell
            n_states = len(STATES)
            state = C.state_effects(p) if "state" in on else C.term_off("state_effect", n_states)
            change = (
                pm.Normal("change_effect", 0.0, p["change_effect"]["sigma"], dims="state")
                if "change" in on
                else C.term_off("change_effect", n_states)
            )
            beta = C.exercise_term(p) if "exercise" in on else C.term_off("beta_exercise")
            cell = cell_effects(state, change, beta)
            excitation = (
                pm.HalfNormal("excitation", sigma=p["excitation"]["sigma"], dims="kernel")
                if "excitation" in on
                else C.term_off("excitation", len(KERNEL_DAYS), "kernel")
            )

            # the training months' days, (month, day of month): a slice, no gather
            window = slice(train_idx[0], train_idx[-1] + 1)
            log_hazard = month_base[window][:, None] + cell[cell_idx[window]]
            for k in range(len(KERNEL_DAYS)):  # unrolled: cheaper than a sum over a kernel axis
                log_hazard = log_hazard + features[k, window] * excitation[k]
            hazard = pt.exp(log_hazard) * mask[window]
            pm.CustomDist(
                "launch",
                hazard,
                logp=launch_logp,
                random=launch_random,
                dtype="int64",
                observed=y_launch,
                dims=("train_month", "day_of_month"),
            )

            salvo_mean, salvo_alpha = C.salvo_parameters(p)
            pm.NegativeBinomial(
                "salvo", mu=salvo_mean, alpha=salvo_alpha, observed=salvo_extra, dims="train_launch"
            )
        return model

    def diagnostic_vars(self) -> list[str]:
        """The parameters the forecast uses: every free variable but the monthly innovations,
        whose place ``z_last`` takes (as ``ar_level``'s
        :meth:`~forecast.models.dynamic.ARLevel.diagnostic_vars`)."""
        keep = [v for v in self.free_vars() if v != "ar_innovation"]
        return [*keep, "z_last", "era_level"]

    # --- prior predictive ---------------------------------------------------------------------

    def sample_prior_predictive(self, draws: int = 500, random_seed: int = 1) -> xr.DataTree:
        """Prior draws and the monthly counts they imply, simulated day by day.

        The training window's days are simulated forward from its first day with each prior
        draw (the observed states and exercise days, the observed launch days before the window
        in the kernels), as a forecast runs, so that the check sees what the priors do when
        the excitation feeds on its own launches.

        Parameters
        ----------
        draws : int
            Number of prior draws.
        random_seed : int
            Seed (of the prior draws and of the simulated days).

        Returns
        -------
        xarray.DataTree
            ``prior`` (the parameters) and ``prior_predictive`` with ``y`` (chain, draw,
            train_month): the target per training month, as the monthly models' ``y``.
        """
        self._require("model", "build")
        names = [*self.free_vars(), *(v.name for v in self.model.deterministics)]
        with self.model, quiet(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prior = pm.sample_prior_predictive(
                draws=draws,
                random_seed=random_seed,
                var_names=names,
                compile_kwargs=dict(FORWARD_COMPILE),
            )
        post = prior["prior"].to_dataset().isel(chain=0)
        rng = np.random.default_rng([random_seed, 1])
        counts = self._simulate_window(post, rng)
        months = self.training["month"].to_numpy()
        predictive = xr.Dataset(
            {"y": (("chain", "draw", "train_month"), counts[None])},
            coords={"chain": [0], "draw": np.arange(draws), "train_month": months},
        )
        prior["prior_predictive"] = predictive
        return prior

    def _simulate_window(self, post: xr.Dataset, rng: np.random.Generator) -> np.ndarray:
        """The target per training month, simulated from the window's first day, (draw, month)."""
        start = self._day_bounds(self.start)
        days = self.days
        after = (days["days_since_change"] < CHANGE_DAYS).to_numpy()
        bounds = [self._day_bounds(r) for r in range(self.start, self.stop + 1)]
        level = post["level"].transpose("draw", "month").values
        season = post["season"].values
        state = post["state_effect"].values
        change = post["change_effect"].values
        beta = post["beta_exercise"].values[:, None]
        moy = pd.DatetimeIndex(self.training["month"]).month.to_numpy() - 1

        def base():
            for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
                s = days["state"].to_numpy()[a:b]
                m = self.start + i - self.grid_start
                yield (
                    (level[:, m] + season[:, moy[i]])[:, None]
                    + state[:, s]
                    + change[:, s] * after[a:b]
                    + beta * days["exercise"].to_numpy()[a:b]
                )

        kernel = C.kernel_sums(np.append(days["launch"].to_numpy()[:start], 0), kernel_decays())
        launches, _ = excite(base(), post["excitation"].values, kernel[-1], rng)
        launch_days = np.stack([x.sum(axis=1) for x in launches], axis=1)
        if self.target == "launch_days":
            return launch_days
        return C.salvo_missiles(
            launch_days, post["salvo_mean"].values, post["salvo_alpha"].values, rng
        )

    # --- simulation ---------------------------------------------------------------------------

    def _last_era(self) -> str:
        return str(leaders(self.training).iloc[-1])

    def _history(self) -> tuple[np.ndarray, int, float]:
        """Kernel sums on the day after the training window, its last state and the days
        since that state began (``inf`` when no change was seen)."""
        stop = self._day_bounds(self.stop)
        past = self.days.iloc[:stop]
        kernel = C.kernel_sums(np.append(past["launch"].to_numpy(), 0), kernel_decays())[-1]
        since = float(past["days_since_change"].iloc[-1])
        return kernel, int(past["state"].iloc[-1]), np.inf if np.isnan(since) else since

    def _simulate(self, post: xr.Dataset, fut: dict, rng: np.random.Generator) -> dict:
        n, h = post.sizes["draw"], len(fut["months"])
        lengths = fut["months"].days_in_month.to_numpy()
        states = np.broadcast_to(np.asarray(fut["state_idx"]), (n, h))
        exercise = np.clip(np.rint(fut["exercise_share"] * lengths).astype(int), 0, lengths)
        z = C.ar1_forward(
            post["z_last"].values, post["ar_phi"].values, post["ar_sigma"].values, h, rng
        )
        offsets = rng.integers(0, lengths - exercise + 1, size=(n, h))
        level = post["era_level"].sel(era=self._last_era()).values[:, None] + z
        season = post["season"].values[:, fut["moy_idx"]]
        state_effect = post["state_effect"].values
        change = post["change_effect"].values
        beta = post["beta_exercise"].values[:, None]
        kernel, last_state, since = self._history()
        draws = np.arange(n)

        def base():
            previous = np.full(n, last_state)
            elapsed = np.full(n, since)  # days since the change, on the last simulated day
            for m in range(h):
                day = np.arange(lengths[m])
                s = states[:, m]
                first = np.where(s != previous, 0.0, elapsed + 1)
                after = (first[:, None] + day[None, :]) < CHANGE_DAYS
                held = (day[None, :] >= offsets[:, m, None]) & (
                    day[None, :] < offsets[:, m, None] + exercise[m]
                )
                yield (
                    (level[:, m] + season[:, m] + state_effect[draws, s])[:, None]
                    + change[draws, s][:, None] * after
                    + beta * held
                )
                previous, elapsed = s, first + lengths[m] - 1

        launches, expected = excite(base(), post["excitation"].values, kernel, rng)
        launch_days = np.stack([x.sum(axis=1) for x in launches], axis=1).astype(np.int64)
        rate = np.stack(expected, axis=1)
        mean, alpha = post["salvo_mean"].values, post["salvo_alpha"].values
        missiles = C.salvo_missiles(launch_days, mean, alpha, rng)
        if self.target == "launch_days":
            return {
                "counts": (("draw", "month"), launch_days),
                "rate": (("draw", "month"), rate),
                "missiles": (("draw", "month"), missiles),
            }
        return {
            "counts": (("draw", "month"), missiles),
            "rate": (("draw", "month"), rate * (1.0 + mean[:, None])),
            "launch_days": (("draw", "month"), launch_days),
        }


#: The ablation variants, by the term they leave out (issue 22: every term earns its place
#: out of sample).
ABLATIONS: dict[str, type[DailyExciting]] = {
    term: C.without_term(DailyExciting, term, TERM_PRIORS[term], f"daily_no_{term}")
    for term in TERMS
}

#: ``daily_exciting`` without its season and exercise terms together
#: (:data:`forecast.catalog.LEAN_FORMS`): the two may stand in for each other, as they do in
#: ``ar_level``, so they are also judged as a pair (``make ablation-daily-lean``).
DailyLean: type[DailyExciting] = C.without_terms(
    DailyExciting,
    {t: TERM_PRIORS[t] for t in LEAN_FORMS["daily_lean"][1]},
    "daily_lean",
    class_name="DailyLean",
    doc="daily_exciting without its season and exercise terms (their joint ablation).",
)


__all__ = [
    "ABLATIONS",
    "DailyLean",
    "CHANGE_DAYS",
    "DAILY_TARGETS",
    "TERMS",
    "TERM_PRIORS",
    "DailyExciting",
]
