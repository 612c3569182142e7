"""The default model: a monthly AR(1) level around a level per leader era.

``ar_level_lean`` (:data:`ARLevelLean`) leaves out ar_level's season and exercise terms
together: each showed no gain when left out alone, while together their point gain is
positive in every horizon band (README "Evaluation"), so the default keeps both. For launch
days in month ``t``::

    y[t] ~ NegativeBinomial(mu[t], alpha)                    # var = mu + mu^2 / alpha
    log mu[t] = era_level[leader(t)] + state_effect[state(t)] + season[month_of_year(t)]
                + beta_exercise * exercise_share[t] + z[t]
    z[t] = phi z[t-1] + sigma e[t],  e[t] ~ N(0, 1)           # the monthly dynamic level

**Missiles** (``target="missiles"``) are reached through launch days: the level above is
fitted to the launch days, and a salvo term (:func:`forecast.models.components.monthly_salvos`)
to the missiles beyond them, each launch day adding ``NegativeBinomial(salvo_mean,
salvo_alpha)`` missiles to its first. A forecast simulates launch days, then their salvos
(:func:`~forecast.models.components.salvo_missiles`). Fitted to the monthly missile counts
directly, the level had to absorb the bursts of large salvos (2022: 69 missiles on 34 launch
days) as swings of its own, and its forecasts of a year's missiles had a mean more than three
times their median in the 240-cutoff backtest (28.6 against 8.0, with 14.7 observed; README
"Evaluation").

**A future change of state phases in** (:meth:`ARLevel._state_forward`): the forecast moves
from the last training month's state effect toward each future month's by ``1 - phi`` of the gap
a month, so a change ``k`` months ahead carries ``1 - phi^k`` of its step; a state held carries
its whole effect, as in the fit. On the 240 cutoffs the forecasts along the states that came and
along the transition model's paths lost less to the state held this way (README "A future change
of state phases in").

Why this model (README, "Evaluation"; the research behind it measured 30 variants on 240
monthly origins 2005-2024):

- A *monthly* AR(1) level follows turns within a year (2019: nothing January-April, then 11
  launch days May-November) and, unlike a random walk, reverts to a long-run level, which is
  what keeps longer horizons from drifting. The yearly random-walk level of ``state_rate``
  multiplied every month past 31 December by ``exp(N(0, 0.59^2))``.
- The long-run level belongs to a *leader era* (the panel's ``dprk_leader``): the missile
  programme grew under Kim Jong Un, and a level per era keeps that growth from being read as
  a state effect. The era held at a forecast's cutoff is the one forecast (nobody knew in
  2011 that a new era would start); a scenario cannot change it.
- State effects are shifts with strong shrinkage (N(0, 0.5)), fitted from 2005 on by default,
  so that the 1990s (talks as the normal state, a small programme) do not set the contrasts
  users read in scenarios; at least :data:`MIN_TRAINING_MONTHS` months are used (a window
  reaches back before ``since`` when a cutoff is early).

Inference: nutpie on the non-centred form (``z`` from standard-normal innovations through
:func:`forecast.models.components.ar1_path`), with a diagonal mass matrix: this model has
about 270 parameters and a low-rank matrix costs ten times more per step here. Two choices
make the geometry easy (measured on the 2005-2025 fit: from 19 divergences and ESS 300 to none
and ESS > 400 with target_accept 0.97): the path starts at its first innovation rather than
the stationary law, whose ``1 / sqrt(1 - phi^2)`` scale ties the level to ``phi`` near 1; and
the prior is placed on ``era_mean``, the mean log rate of each era's training months, from
which the era's long-run level is derived (``era_level = era_mean - mean of z over those
months``), so the level the data pin down is sampled directly instead of a long-run level
that trades off against a persistent ``z``.

The convergence verdict checks the parameters the forecast uses (:meth:`ARLevel.diagnostic_vars`).
Saved runs keep the parameters and ``z_last`` (the level's deviation at the last training
month, which the forecast starts from), not the 200-400 monthly innovations: a run of this
model is a few hundred kB. A loaded run simulates the future; in-sample checks (posterior
predictive, log-likelihood) need the fitted model in memory.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from forecast.catalog import LEAN_FORMS
from forecast.constants import STATES
from forecast.errors import ConfigError
from forecast.models import components as C
from forecast.models.count import CountModel

#: Training months the model uses at least (the window reaches back before ``since``).
MIN_TRAINING_MONTHS = 60

#: Default first training month: the 1990s do not set the state contrasts.
DEFAULT_SINCE = "2005-01"


def leaders(panel: pd.DataFrame) -> pd.Series:
    """The DPRK leader of each month, filled forward over months the leaders table lacks."""
    if "dprk_leader" not in panel:
        return pd.Series("all", index=panel.index)
    return panel["dprk_leader"].replace("", np.nan).ffill().bfill().fillna("all").astype(str)


class LeaderEras:
    """A model with a level per DPRK leader era whose window may move (a mixin before the
    model's base class: ``ar_level`` and the daily model share it).

    Its rows carry each month's leader (one era, ``"all"``, when the panel has none); at
    least :data:`MIN_TRAINING_MONTHS` months are trained on; a model whose window moves
    (backtests) keeps every month in its grid, so that any cutoff's window fits, and the
    months before a window carry the level's prior only.
    """

    def _rows(self, panel: pd.DataFrame, keep_future: bool) -> pd.DataFrame:
        if "dprk_leader" not in panel:  # a panel without leaders: one era
            panel = panel.assign(dprk_leader="all")
        return super()._rows(panel, keep_future)

    def _window_start(self, stop: int) -> int:
        return max(0, min(self.since_row, stop - MIN_TRAINING_MONTHS))

    def _grid_start(self, stop: int, keep_future: bool) -> int:
        return 0 if keep_future else self._window_start(stop)

    def _min_start(self, stop: int) -> int:
        return self._window_start(stop)

    def _eras(self) -> list[str]:
        return list(dict.fromkeys(leaders(self.grid)))

    def _era_idx(self) -> np.ndarray:
        """Each grid month's era, as an index into :meth:`_eras`."""
        eras = self._eras()
        return np.array([eras.index(x) for x in leaders(self.grid)])

    def _era_weights(self, train_idx: np.ndarray) -> np.ndarray:
        """Weights (era, grid month) that average each era's training months: the era's mean
        level is taken over the months the likelihood sees."""
        grid_leaders = leaders(self.grid).to_numpy()
        weights = np.zeros((len(self._eras()), len(grid_leaders)))
        for i, era in enumerate(self._eras()):
            rows = train_idx[grid_leaders[train_idx] == era]
            if len(rows):
                weights[i, rows] = 1.0 / len(rows)
        return weights


#: The prior each optional term of ``ar_level`` owns (an ablation variant has neither the term
#: nor its prior; the catalogue names the terms, :data:`forecast.catalog.AR_LEVEL_TERMS`).
AR_LEVEL_TERM_PRIORS: dict[str, str] = {
    "state": "state_effect",
    "season": "season",
    "exercise": "exercise",
}


def _phase_in(post: xr.Dataset, fut: dict, start: np.ndarray) -> np.ndarray:
    """The state term of each future month, (draw, month): from ``start`` (one value per draw)
    toward each month's state effect along ``fut``'s path(s), at the pace ``1 - ar_phi``."""
    effect = C.by_state(post["state_effect"].values, fut["state_idx"])  # (draw, month)
    return C.partial_adjustment(effect, start, post["ar_phi"].values)


class ARLevel(LeaderEras, CountModel):
    """Monthly AR(1) level around a level per leader era + state shifts, season, exercises."""

    name = "ar_level"
    components = ("state", "season", "exercise")
    #: The optional terms this model has (an ablation variant drops one: :data:`ABLATIONS`).
    terms: ClassVar[frozenset[str]] = frozenset(AR_LEVEL_TERM_PRIORS)
    default_priors = {
        # mean log launch days per month over each era's training months: exp(-1 +- 2 sd)
        # spans 0.02..7 per month (the Kim Jong Il era from 2005 averaged 0.04, Kim Jong Un's
        # 0.9); a sd of 2 put 2% of prior months above 30 launch days (the prior predictive check)
        "era_mean": {"mu": -1.0, "sigma": 1.5},
        # log rate ratio of each state vs no_talks: strong shrinkage (ratios within ~0.4..2.7
        # at 2 sd); the few state switches since 2005 cannot support more
        "state_effect": {"sigma": 0.5},
        # month-of-year effects (sum to zero)
        "season": {"sigma": 0.3},
        # effect of a month fully covered by a major exercise
        "exercise": {"sigma": 0.5},
        # persistence of the monthly level, on the logit scale: logit 2 +- 1 is phi 0.73..0.95
        # (a shock halves in 2-13 months)
        "ar_phi": {"mu": 2.0, "sigma": 1.0},
        # sd of the monthly level innovations, on the log scale: 0.3 x/÷ 1.65 (0.11..0.8 at
        # 2 sd; the 2005-2025 fit gives 0.42 +- 0.1)
        "ar_sigma": {"mu": float(np.log(0.3)), "sigma": 0.5},
        # negative-binomial shape, on the log scale: 2 x/÷ 2.7 (overdispersion of bursts)
        "alpha": {"mu": float(np.log(2.0)), "sigma": 1.0},
    }
    #: Missiles: the salvo term's priors (the level is fitted to the launch days).
    target_priors: ClassVar[dict[str, dict]] = {"missiles": C.SALVO_PRIORS}
    summary_vars = ("state_effect", "ar_phi", "ar_sigma", "era_level", "beta_exercise", "alpha")
    #: Diagonal mass matrix (see the module docstring) and a higher target acceptance.
    sampler_overrides: ClassVar[dict] = {"adaptation": "diag", "target_accept": 0.97}
    #: The full fit, the one users read (the report, scenarios), takes smaller steps still:
    #: at 0.97 the 2005-2025 fit failed the verdict at 1 of 10 seeds (seed 1, the report's:
    #: 2 divergences where ``ar_phi`` is near 0.98), at 0.99 at none (r-hat <= 1.005, ESS bulk
    #: >= 917), for 1.8 times the time (``benchmarks/full_fit_verdicts.py``). Backtest folds
    #: keep 0.97 (1 divergence in 480 ``ar_level`` and ``ar_level_lean`` folds of ``make
    #: skill`` as it ran until 2026-12-05; 0.99 costs them 1.6-1.8 times the time).
    preset_overrides: ClassVar[dict[str, dict]] = {"full": {"target_accept": 0.99}}

    def __init__(self, priors=None, target="launch_days", since=None, until=None):
        # no ``since`` means the default window (from 2005); fit from 1990 with since="1990-01"
        since = DEFAULT_SINCE if since is None else since
        super().__init__(priors=priors, target=target, since=since, until=until)

    @property
    def salvos(self) -> bool:
        """Whether the model forecasts missiles through launch days and their salvos."""
        return self.target == "missiles"

    @property
    def observed_target(self) -> str:
        return "launch_days" if self.salvos else self.target

    def columns(self) -> list[str]:
        extra = ["launch_days"] if self.salvos else []
        return [*super().columns(), *extra, "dprk_leader"]

    def _coords(self, d: C.Design) -> dict:
        return {**super()._coords(d), "era": self._eras()}

    def _place_window(self, panel: pd.DataFrame, keep_future: bool) -> None:
        super()._place_window(panel, keep_future)
        # the grid's missiles beyond its launch days: fixed while set_until moves the window
        grid = self.panel.iloc[self.grid_start :]
        self.salvo_pairs = (
            C.SalvoPairs.from_counts(grid["launch_days"], grid["missiles"]) if self.salvos else None
        )

    def _train_data(self) -> dict:
        data = super()._train_data()
        data = {**data, "era_weights": self._era_weights(data["train_idx"])}
        if self.salvos:  # the level sees launch days; the salvo term the missiles beyond them
            days = self.panel["launch_days"].to_numpy()[self.start : self.stop]
            data["y_train"] = days.astype("int64")
            lo, hi = self.start - self.grid_start, self.stop - self.grid_start
            data.update(self.salvo_pairs.window(lo, hi))
        return data

    def prior_predictive_counts(self, prior, rng: np.random.Generator) -> np.ndarray:
        days = super().prior_predictive_counts(prior, rng)
        if not self.salvos:
            return days
        draws = prior["prior"].to_dataset()
        mean = draws["salvo_mean"].values.reshape(-1)
        alpha = draws["salvo_alpha"].values.reshape(-1)
        return C.salvo_missiles(days, mean, alpha, rng)

    def _build(self) -> pm.Model:
        d = self.design()
        p = self.priors
        data = self._train_data()
        era_idx = self._era_idx()
        with pm.Model(coords=self._coords(d)) as model:
            train_idx = pm.Data("train_idx", data["train_idx"], dims="train_month")
            y_train = pm.Data("y_train", data["y_train"], dims="train_month")
            era_weights = pm.Data("era_weights", data["era_weights"], dims=("era", "month"))
            # its length is symbolic too (ar1_path): the same graph for a grid a month longer
            grid = C.grid_data(d, ["state_idx", "moy_idx", "exercise_share"], era_idx=era_idx)
            phi = pm.Deterministic(
                "ar_phi", pm.math.sigmoid(pm.Normal("ar_phi_logit", **p["ar_phi"]))
            )
            sigma = pm.Deterministic("ar_sigma", pt.exp(pm.Normal("ar_sigma_log", **p["ar_sigma"])))
            innovations = pm.Normal("ar_innovation", 0.0, 1.0, dims="month")
            z = C.ar1_path(sigma * innovations, phi, model.dim_lengths["month"])
            era_mean = pm.Normal("era_mean", **p["era_mean"], dims="era")
            level = pm.Deterministic("era_level", era_mean - pt.dot(era_weights, z), dims="era")
            on = self.terms
            state = C.state_effects(p) if "state" in on else C.term_off("state_effect", len(STATES))
            season = (
                pm.ZeroSumNormal("season", sigma=p["season"]["sigma"], dims="month_of_year")
                if "season" in on
                else C.term_off("season", 12, "month_of_year")
            )
            beta = C.exercise_term(p) if "exercise" in on else C.term_off("beta_exercise")
            log_mu = (
                level[grid["era_idx"]]
                + self._state_shift(state, grid["state_idx"], phi, train_idx)
                + season[grid["moy_idx"]]
                + beta * grid["exercise_share"]
                + z
            )
            rate = pt.exp(log_mu)  # expected launch days (or the target's count)
            if self.salvos:
                weight = pm.Data("salvo_weight", data["salvo_weight"])
                totals = pm.Data("salvo_totals", data["salvo_totals"])
                salvo_mean, _ = C.monthly_salvos(p, self.salvo_pairs, weight, totals)
                # expected missiles: each expected launch day brings 1 + salvo_mean
                pm.Deterministic("mu", rate * (1.0 + salvo_mean), dims="month")
            else:
                pm.Deterministic("mu", rate, dims="month")
            alpha = pm.Deterministic("alpha", pt.exp(pm.Normal("alpha_log", **p["alpha"])))
            pm.Deterministic("z_last", z[train_idx[-1]])
            pm.NegativeBinomial(
                "y", mu=rate[train_idx], alpha=alpha, observed=y_train, dims="train_month"
            )
        return model

    def _state_shift(self, state, state_idx, phi, train_idx) -> pt.TensorVariable:
        """Each grid month's state term on the log rate: the month's own state effect
        (``state_idx``: each grid month's state, as data)."""
        return state[state_idx]

    def _state_forward(self, post: xr.Dataset, fut: dict) -> np.ndarray:
        """The state term of each future month, (draw, month): a future change of state phases
        in at the level's own pace.

        The forecast starts from the whole effect of the last training month's state and moves
        toward each future month's state effect by ``1 - phi`` of the gap a month
        (:func:`~forecast.models.components.partial_adjustment`)::

            g[t] = phi g[t-1] + (1 - phi) state_effect[state(t)]   # g[-1] = effect[last state]

        A state held gives its whole effect in every month, exactly; a change arrives as
        ``1 - phi^k`` of its step ``k`` months later. The fit is unchanged: a change inside the
        training months moves the rate by the whole effect in its first month, because a change
        the cutoff already shows is better forecast whole (``ar_level_phased``, which phases
        in the fit's changes too, lost 0.8 % with the state held). Why the forecast phases in:
        on the 240 cutoffs of ``make skill`` the forecast along the states that came, and the
        unconditional one along the transition model's paths, were worse than the state held
        when a future change moved the rate at once (README "A future change of state phases
        in").
        """
        last = STATES.index(str(self.training["state"].iloc[-1]))
        return _phase_in(post, fut, post["state_effect"].values[:, last])

    def diagnostic_vars(self) -> list[str]:
        """The parameters the forecast uses: every free variable but the monthly innovations,
        whose place is taken by ``z_last`` (the level the forecast starts from). The maximum
        r-hat over 200-400 innovations exceeds 1.01 by chance alone in short chains."""
        keep = [v for v in self.free_vars() if v != "ar_innovation"]
        return [*keep, "z_last", "era_level"]

    def monthly_level(self) -> xr.DataArray:
        """The fitted level of every training month: ``era_level[era(t)] + z[t]`` (log scale).

        ``exp`` of it is the expected launch days in a ``no_talks`` month with an average
        season and no exercise: the part of the rate that negotiations do not explain.
        The path ``z`` is rebuilt from the monthly innovations, which a fit in memory and a
        saved run (in single precision) both hold.

        Returns
        -------
        xarray.DataArray
            Dims ``chain``, ``draw``, ``month`` (the training months).
        """
        post = self.posterior
        if "ar_innovation" not in post:
            raise ConfigError(
                self.name,
                "this fit has no monthly innovations (a run saved by forecast 0.2.0 keeps only "
                "the last level)",
                "refit it with 'forecast refit' or forecast.runs.fit_run",
            )
        shocks = (post["ar_innovation"] * post["ar_sigma"]).transpose(..., "month").values
        phi = post["ar_phi"].values[..., None]
        z = np.empty_like(shocks)
        z[..., 0] = shocks[..., 0]
        for t in range(1, shocks.shape[-1]):  # z_t = phi z_(t-1) + sigma e_t, z_0 = sigma e_0
            z[..., t] = phi[..., 0] * z[..., t - 1] + shocks[..., t]
        era_idx = self._era_idx()
        level = post["era_level"].transpose("chain", "draw", "era").values[..., era_idx] + z
        rows = np.arange(self.start, self.stop) - self.grid_start
        return xr.DataArray(
            level[..., rows],
            dims=("chain", "draw", "month"),
            coords={
                "chain": post["chain"].values,
                "draw": post["draw"].values,
                "month": pd.to_datetime(self.training["month"]).to_numpy(),
            },
            name="level",
        )

    def _last_era(self) -> str:
        return str(leaders(self.training).iloc[-1])

    def _simulate(self, post: xr.Dataset, fut: dict, rng: np.random.Generator) -> dict:
        h = len(fut["months"])
        z = C.ar1_forward(
            post["z_last"].values, post["ar_phi"].values, post["ar_sigma"].values, h, rng
        )
        level = post["era_level"].sel(era=self._last_era()).values
        log_mu = (
            level[:, None]
            + z
            + self._state_forward(post, fut)
            + post["season"].values[:, fut["moy_idx"]]
            + post["beta_exercise"].values[:, None] * fut["exercise_share"]
        )
        rate = np.exp(log_mu)
        counts = C.negbin(rate, post["alpha"].values[:, None], rng)
        if not self.salvos:
            return {"counts": (("draw", "month"), counts), "rate": (("draw", "month"), rate)}
        # a month holds at most as many launch days as days (the forecast caps them), and the
        # salvos are drawn for the launch days it keeps
        counts = np.minimum(counts, fut["months"].days_in_month.to_numpy()[None, :])
        mean = post["salvo_mean"].values
        missiles = C.salvo_missiles(counts, mean, post["salvo_alpha"].values, rng)
        return {
            "counts": (("draw", "month"), missiles),
            "rate": (("draw", "month"), rate * (1.0 + mean[:, None])),
            "launch_days": (("draw", "month"), counts),
        }


class ARLevelPhased(ARLevel):
    """``ar_level`` whose state shift phases in: a partial-adjustment level.

    In ``ar_level``'s fit a change of state moves the rate in its first month by the whole
    state effect (its forecast phases in future changes: :meth:`ARLevel._state_forward`). Here,
    in the fit as well, the state sets the level the month's log rate moves toward, at the pace at
    which the level forgets its shocks (``ar_phi``)::

        log mu[t] = era_level + g[t] + season + exercise + z[t]
        g[t] = phi g[t-1] + (1 - phi) state_effect[state(t)]     # g[0] = state_effect[state(0)]

    A state held for long carries its whole effect (``state_effect`` keeps its meaning, the
    long-run log rate ratio against ``no_talks``); a month after a change carries ``1 - phi``
    of its step, a year after ``1 - phi^12``. The forecast continues ``g`` from its value
    in the last training month (``state_shift_last``) along each state path. Why: on the 240
    cutoffs of ``make skill`` the default's forecast with the real future states (before it
    phased them in) was worse
    than the one holding the cutoff's state at 1-3 months (README "Evaluation"): the months
    right after a change did not move as far as the state effect says.
    """

    name = "ar_level_phased"

    def _state_shift(self, state, state_idx, phi, train_idx) -> pt.TensorVariable:
        effect = state[state_idx]
        drive = pt.concatenate([effect[:1], (1.0 - phi) * effect[1:]])
        shift = C.ar1_path(drive, phi, pm.modelcontext(None).dim_lengths["month"])
        pm.Deterministic("state_shift_last", shift[train_idx[-1]])
        return shift

    def _state_forward(self, post: xr.Dataset, fut: dict) -> np.ndarray:
        return _phase_in(post, fut, post["state_shift_last"].values)

    def diagnostic_vars(self) -> list[str]:
        return [*super().diagnostic_vars(), "state_shift_last"]


#: The ablation variants of ``ar_level``, by the term they leave out (issue 22: every term
#: earns its place out of sample, on the 240 cutoffs of ``make ablation``).
ABLATIONS: dict[str, type[ARLevel]] = {
    term: C.without_term(ARLevel, term, prior, f"ar_level_no_{term}")
    for term, prior in AR_LEVEL_TERM_PRIORS.items()
}


#: The terms of ``ar_level`` that showed no gain one at a time on the 240 cutoffs of
#: ``make ablation`` (docs/evaluation/ablation: -0.2..+0.1 % in every horizon band, each 90 %
#: interval across zero; :data:`forecast.catalog.LEAN_FORMS`), with the prior each owns.
#: :class:`ARLevelLean` leaves them out together (``make ablation`` scores it beside the default
#: and the one-term variants).
LEAN_OFF: dict[str, str] = {t: AR_LEVEL_TERM_PRIORS[t] for t in LEAN_FORMS["ar_level_lean"][1]}

#: ``ar_level`` with its state shift but without season and exercise days (:data:`LEAN_OFF`):
#: their joint ablation (issue 22), and a model of its own for a user who wants them out.
ARLevelLean: type[ARLevel] = C.without_terms(
    ARLevel,
    LEAN_OFF,
    "ar_level_lean",
    class_name="ARLevelLean",
    doc="Monthly AR(1) level around a level per leader era + state shifts (``ar_level`` "
    "without its season and exercise terms).",
)


__all__ = [
    "ABLATIONS",
    "LEAN_OFF",
    "ARLevelLean",
    "AR_LEVEL_TERM_PRIORS",
    "DEFAULT_SINCE",
    "MIN_TRAINING_MONTHS",
    "ARLevel",
    "ARLevelPhased",
    "LeaderEras",
    "leaders",
]
