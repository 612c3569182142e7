"""What a launch day carries and whether a nuclear test comes: two small conjugate models.

A count model forecasts launch days; analysts also ask "will there be an ICBM launch?" and
"will there be a nuclear test?". These two models answer that for any count model, so that
every scenario and question can report them, whatever model forecasts the launch days.
Both are exact (conjugate, no MCMC), weight recent months more than old ones (a discount
with a half-life: the programme's mix of missiles and its nuclear testing change over the
years), and are fitted on a run's training months and saved with it.

:class:`ClassMix`
    For each weapon-class group ``g`` (those of
    :data:`forecast.models.hierarchical.WEAPON_CLASSES`), the probability ``p_g`` that a launch
    day includes a missile of that group: ``p_g ~ Beta(a_g, b_g)`` with ``a_g = a0 + sum_t w_t
    d_gt`` and ``b_g = b0 + sum_t w_t (D_t - d_gt)``, where ``D_t`` is the month's launch
    days, ``d_gt`` those with group ``g`` and ``w_t = 0.5 ** (age_t / half_life)``. A
    simulated month with ``D`` launch days has ``Binomial(D, p_g)`` days with group ``g``
    (groups are not exclusive: a day can carry two).

    How fast the mix drifts is learned, not assumed: by default ``half_life`` is a grid (6,
    12, 24, 36, 60 and 120 months and no discount) and each group's posterior is the mixture
    of its Beta posteriors, weighted by each half-life's prequential likelihood of the
    group's launch days in the training months (the product over months of the beta-binomial
    probability of the month's days with the group, given the months before it: Dawid's
    prequential principle, as :class:`forecast.models.chains.DiscountedChain` weighs its
    half-lives). Fitted on the bundled data (1990-2025), the short half-lives win for SRBM,
    MRBM/IRBM and SLBM/SLV/other (the programme switches missiles within a year or two) and
    the long ones for ICBM (``posterior["half_life_weight"]``). On the strict question
    backtest (the default count model's forecasts, 300 cutoffs; ``docs/evaluation/
    questions.csv``) the answers' Brier scores went from 0.184 (a fixed 36-month half-life)
    to 0.170 for MRBM/IRBM, 0.168 to 0.160 for SLBM/SLV/other, 0.146 to 0.146 for SRBM and
    0.077 to 0.078 for ICBM. A single number fixes the half-life.
:class:`NuclearRate`
    A Poisson rate of nuclear tests per month, ``lambda ~ Gamma(a, b)`` with ``a = a0 w_0 +
    sum_t w_t y_t`` and ``b = b0 w_0 + sum_t w_t`` (the prior is placed at the first month,
    1990, and discounted with the data). With a half-life of 28 months old tests fade: six
    tests in 2006-2017 and none since give P(test in the 12 months after 2025) of about
    0.06, against 0.14 from a constant rate. Optionally (``by_state``) the rate is separate
    in months with and without talks (:data:`STATE_GROUPS`; every test so far came in
    ``no_talks`` or ``stalled``) and a simulation follows each month's state.

    The three rules were scored out of sample (:mod:`forecast.evaluation.strict_questions`,
    ``docs/evaluation/nuclear.md``): P(a test within 12 months) asked at every month
    2000-2024, each rule fitted on the months up to the cutoff. Brier scores: 28-month
    half-life 0.189, constant rate 0.198, rate by state 0.187, the long-run base rate (the
    strongest naive answer) 0.200. The rate by state scores +0.8% against the half-life,
    with a 90% interval of -10% to +14%: the six tests cannot separate the rules. The
    half-life is kept (no evidence to change it, and the simulation layer draws nuclear
    tests without a state term); the constant rate is the sensitivity shown beside it
    (:meth:`NuclearRate.p_any` with ``half_life=inf``).
"""

from __future__ import annotations

import copy
import json
import math
from typing import ClassVar

import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import betaln

from forecast.constants import STATES
from forecast.data.panel import CLASS_COLUMNS
from forecast.errors import ConfigError, RunFileError

#: The state groups of a nuclear-test rate by state: months with and without talks.
STATE_GROUPS: dict[str, tuple[str, ...]] = {
    "talks": ("active_talks", "summitry"),
    "no_talks": ("no_talks", "stalled"),
}

#: The nuclear-test rules the question backtest compares (its ``model`` column) and the report
#: gives beside every P(nuclear test) (:mod:`forecast.nuclear_rules`): the 28-month half-life
#: (the default of :class:`NuclearRate`), a constant rate since 1990, and a constant rate in
#: each state group (talks / no talks) followed along the simulated state paths.
NUCLEAR_CANDIDATES: dict[str, dict] = {
    "half_life_28": {},
    "constant": {"half_life": math.inf},
    "by_state": {"half_life": math.inf, "by_state": True},
}

#: The rules given beside the run's own wherever a P(nuclear test) is shown (names in
#: :data:`NUCLEAR_CANDIDATES`); every outlook fits them (:func:`other_nuclear_rates`).
NUCLEAR_OTHER_RULES: tuple[str, ...] = ("constant", "by_state")

#: State paths drawn for a nuclear rate by state.
NUCLEAR_PATHS = 2000

#: Weapon-class groups and the CNS classes in each (as in the class model).
WEAPON_CLASSES: dict[str, tuple[str, ...]] = {
    "SRBM": ("SRBM",),
    "MRBM/IRBM": ("MRBM", "IRBM"),
    "ICBM": ("ICBM",),
    "SLBM/SLV/other": ("SLBM", "SLV", "HGV", "unknown"),
}


def discount_weights(n_months: int, half_life: float) -> np.ndarray:
    """Weight of each month, the last one 1, halving every ``half_life`` months back."""
    age = np.arange(n_months)[::-1]
    if not np.isfinite(half_life):
        return np.ones(n_months)
    return 0.5 ** (age / float(half_life))


def half_life_months(value) -> float:
    """A half-life in months (``None`` or ``"inf"``, any case: no discount); raises
    ``TypeError`` or ``ValueError`` for what is not a number."""
    if value is None or (isinstance(value, str) and value.lower() == "inf"):
        return math.inf
    return float(value)


def _positive(value, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigError(
            where, f"prior {key!r} = {value!r} is not a positive number", "use e.g. 1"
        )
    return float(value)


class _Conjugate:
    """Shared plumbing: priors merged over defaults, a seed, draws, netCDF round trip."""

    name: ClassVar[str] = ""
    default_priors: ClassVar[dict] = {}

    def __init__(self, priors: dict | None = None, draws: int = 4000, random_seed: int = 1):
        merged = copy.deepcopy(self.default_priors)
        for key, value in (priors or {}).items():
            if key not in merged:
                raise ConfigError(
                    f"priors of {self.name}", f"unknown prior {key!r}", f"use {sorted(merged)}"
                )
            merged[key] = value
        self.priors = merged
        self._validate()
        self.n_draws = int(draws)
        self.random_seed = int(random_seed)
        self.last_month: pd.Period | None = None
        self.posterior: xr.Dataset | None = None

    def _validate(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if self.posterior is None:
            raise RuntimeError(f"{self.name}: call fit() first")

    def to_dataset(self) -> xr.Dataset:
        """The posterior draws with the configuration in the attrs (for a run folder)."""
        self._check_fitted()
        ds = self.posterior.copy()
        ds.attrs = {
            "model": self.name,
            "config": json.dumps(
                {
                    "priors": self.priors,
                    "draws": self.n_draws,
                    "random_seed": self.random_seed,
                    "last_month": str(self.last_month),
                }
            ),
        }
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, source: str = "<dataset>"):
        """Rebuild a fitted model from :meth:`to_dataset`."""
        try:
            if ds.attrs.get("model") != cls.name:
                raise ValueError(f"holds {ds.attrs.get('model')!r}")
            config = json.loads(ds.attrs["config"])
            model = cls(config["priors"], config["draws"], config["random_seed"])
            model.last_month = pd.Period(config["last_month"], "M")
        except (KeyError, ValueError, TypeError) as err:
            raise RunFileError(
                source, f"not a {cls.name} model ({err})", "re-run the fit"
            ) from None
        model.posterior = ds.copy()
        model.posterior.attrs = {}
        return model

    def _draw_index(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Posterior draws to pair with ``n`` simulated paths (iid draws: resampling is fine)."""
        if n == self.n_draws:
            return np.arange(n)
        return rng.choice(self.n_draws, size=n, replace=n > self.n_draws)


class ClassMix(_Conjugate):
    """P(a launch day includes each weapon-class group), discounted Beta posteriors averaged
    over half-lives by their prequential likelihood."""

    name = "class_mix"
    #: ``share``: Beta(0.5, 0.5) (Jeffreys) for each group's share; ``half_life``: the grid of
    #: half-lives in months (``None``: no discount) whose posteriors each group averages, or
    #: one number (the fixed 36 months of runs before 2026-12-06).
    default_priors: ClassVar[dict] = {
        "share": {"alpha": 0.5, "beta": 0.5},
        "half_life": [6.0, 12.0, 24.0, 36.0, 60.0, 120.0, None],
    }

    def _validate(self) -> None:
        where = f"priors of {self.name}"
        share = self.priors["share"]
        if not isinstance(share, dict) or set(share) != {"alpha", "beta"}:
            raise ConfigError(where, "prior 'share' needs alpha and beta", "{alpha: .5, beta: .5}")
        for key in ("alpha", "beta"):
            _positive(share[key], where, f"share.{key}")
        grid = self.priors["half_life"]
        values = grid if isinstance(grid, list) else [grid]
        if not values:
            raise ConfigError(where, "prior 'half_life' is an empty list", "use e.g. [12, 36]")
        months = []
        for value in values:
            try:
                months.append(half_life_months(value))
            except (TypeError, ValueError):
                months.append(float("nan"))
            if isinstance(value, bool) or not months[-1] > 0:
                raise ConfigError(
                    where, f"half-life {value!r} is not a positive number of months", "use 36"
                )
        if len(set(months)) < len(months):
            raise ConfigError(where, f"half-lives {values} repeat a value", "list each once")

    @property
    def half_lives(self) -> list[float]:
        """The half-lives averaged, in months (``inf``: no discount)."""
        grid = self.priors["half_life"]
        return [half_life_months(v) for v in (grid if isinstance(grid, list) else [grid])]

    def fit(self, panel: pd.DataFrame) -> ClassMix:
        """Count each group's launch days in ``panel`` (training months), discounted, and
        weigh each half-life by its prequential likelihood (class docstring)."""
        days = panel["launch_days"].to_numpy(dtype=float)
        rng = np.random.default_rng(self.random_seed)
        prior = self.priors["share"]
        values, weights = {}, {}
        for group, classes in WEAPON_CLASSES.items():
            with_group = panel[[CLASS_COLUMNS[c] for c in classes]].sum(axis=1).to_numpy(float)
            with_group = np.minimum(with_group, days)
            a, b, log_score = _discounted_beta(with_group, days, self.half_lives, prior)
            weight = np.exp(log_score - log_score.max())
            weight /= weight.sum()
            if len(weight) == 1:  # one half-life: the draws of a plain discounted posterior
                values[group] = rng.beta(a[0], b[0], self.n_draws)
            else:  # each draw from a half-life drawn by its weight
                component = rng.choice(len(weight), size=self.n_draws, p=weight)
                values[group] = rng.beta(a[component], b[component])
            weights[group] = weight
        self.posterior = xr.Dataset(
            {
                "share": (("draw", "weapon_class"), np.column_stack(list(values.values()))),
                "half_life_weight": (
                    ("weapon_class", "half_life"),
                    np.vstack(list(weights.values())),
                ),
            },
            coords={
                "draw": np.arange(self.n_draws),
                "weapon_class": list(WEAPON_CLASSES),
                "half_life": self.half_lives,
            },
        )
        self.last_month = pd.Period(pd.Timestamp(panel["month"].iloc[-1]), "M")
        return self

    def draw_shares(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """The shares of ``n`` simulated paths, one posterior draw each, shape
        (draw, weapon_class)."""
        self._check_fitted()
        return self.posterior["share"].values[self._draw_index(n, rng)]

    def simulate(
        self, launch_days: np.ndarray, rng: np.random.Generator, shares: np.ndarray | None = None
    ) -> np.ndarray:
        """Days with each group in simulated months.

        Parameters
        ----------
        launch_days : ndarray of int, shape (draw, month)
            Simulated launch days.
        rng : Generator
        shares : ndarray, shape (draw, weapon_class), optional
            The paths' shares, if already drawn (:meth:`draw_shares` with the same ``rng``
            gives the same numbers as drawing them here).

        Returns
        -------
        ndarray of int, shape (draw, month, weapon_class)
        """
        if shares is None:
            shares = self.draw_shares(launch_days.shape[0], rng)
        return rng.binomial(launch_days[:, :, None], shares[:, None, :])


def _discounted_beta(k: np.ndarray, n: np.ndarray, half_lives, prior: dict):
    """For each half-life: the Beta posterior ``(a, b)`` of a share from ``k`` successes in
    ``n`` trials per month, discounted (the last month weighs 1), and the prequential log
    likelihood of the months (each month's beta-binomial probability given the months before
    it, the binomial coefficient left out: it is the same for every half-life).

    Returns
    -------
    a, b, log_score : ndarray, each of shape (half_life,)
    """
    keep = 0.5 ** (1.0 / np.asarray(half_lives, dtype=float))  # 1.0 without discount
    s_k = np.zeros(len(keep))  # discounted sums of the months before, one per half-life
    s_f = np.zeros(len(keep))
    log_score = np.zeros(len(keep))
    for k_t, n_t in zip(k, n, strict=True):
        if n_t > 0:
            a_t, b_t = prior["alpha"] + s_k, prior["beta"] + s_f
            log_score += betaln(a_t + k_t, b_t + n_t - k_t) - betaln(a_t, b_t)
        s_k = keep * s_k + k_t
        s_f = keep * s_f + (n_t - k_t)
    a, b = prior["alpha"] + s_k, prior["beta"] + s_f
    return a, b, log_score


class NuclearRate(_Conjugate):
    """A discounted gamma-Poisson rate of nuclear tests per month, optionally one per state group.

    With ``by_state`` the rate is separate in months of talks (``active_talks``,
    ``summitry``) and months without (``no_talks``, ``stalled``), each group with the same
    prior, and a simulation follows the state of each simulated month (``states``).
    """

    name = "nuclear_rate"
    #: ``rate``: Gamma(0.5, 60) placed at the first month (one test in ten years, weak);
    #: ``half_life``: 28 months, an assumption (module docstring; ``inf``: a constant rate);
    #: ``by_state``: one rate per state group (:data:`STATE_GROUPS`).
    default_priors: ClassVar[dict] = {
        "rate": {"alpha": 0.5, "beta": 60.0},
        "half_life": 28.0,
        "by_state": False,
    }

    def _validate(self) -> None:
        where = f"priors of {self.name}"
        rate = self.priors["rate"]
        if not isinstance(rate, dict) or set(rate) != {"alpha", "beta"}:
            raise ConfigError(where, "prior 'rate' needs alpha and beta", "{alpha: .5, beta: 60}")
        for key in ("alpha", "beta"):
            _positive(rate[key], where, f"rate.{key}")
        _positive(self.priors["half_life"], where, "half_life")
        if not isinstance(self.priors["by_state"], bool):
            raise ConfigError(where, "prior 'by_state' is not true/false", "use false")

    @property
    def groups(self) -> list[str]:
        """The rate's groups: ``all``, or the names of :data:`STATE_GROUPS`."""
        return list(STATE_GROUPS) if self.priors["by_state"] else ["all"]

    def fit(self, panel: pd.DataFrame) -> NuclearRate:
        """The discounted posterior of the monthly rate over ``panel`` (training months)."""
        tests = panel["nuclear_tests"].to_numpy(dtype=float)
        w = discount_weights(len(panel), self.priors["half_life"])
        member = self._membership(panel)
        a = self.priors["rate"]["alpha"] * w[0] + (member * w * tests).sum(axis=1)
        b = self.priors["rate"]["beta"] * w[0] + (member * w).sum(axis=1)
        rng = np.random.default_rng(self.random_seed)
        draws = np.column_stack([rng.gamma(a[g], 1.0 / b[g], self.n_draws) for g in range(len(a))])
        self.posterior = xr.Dataset(
            {"rate": (("draw", "group"), draws)},
            coords={"draw": np.arange(self.n_draws), "group": self.groups},
            attrs={},
        )
        self.shape_rate = (a, b)
        self.last_month = pd.Period(pd.Timestamp(panel["month"].iloc[-1]), "M")
        self.last_group = int(member[:, -1].argmax())
        return self

    def _membership(self, panel: pd.DataFrame) -> np.ndarray:
        """(group, month) 0/1: which group each training month belongs to."""
        if not self.priors["by_state"]:
            return np.ones((1, len(panel)))
        states = panel["state"].astype(str).to_numpy()
        return np.stack([np.isin(states, members) for members in STATE_GROUPS.values()]) * 1.0

    def _group_codes(self, states, n: int, months: int) -> np.ndarray:
        """The group of every simulated month, (draw, month), from state codes or labels."""
        if not self.priors["by_state"]:
            return np.zeros((n, months), dtype=int)
        if states is None:
            return np.full((n, months), getattr(self, "last_group", 0), dtype=int)
        codes = np.asarray(states)
        if codes.dtype.kind not in "iu":
            codes = np.vectorize(STATES.index)(codes.astype(str))
        lookup = np.array(
            [
                next(g for g, members in enumerate(STATE_GROUPS.values()) if s in members)
                for s in STATES
            ]
        )
        return np.broadcast_to(lookup[codes], (n, months))

    def p_any(self, months: int, states=None) -> float:
        """P(at least one test in the next ``months`` months), from the posterior draws.

        Parameters
        ----------
        months : int
        states : array of state codes, shape (draw, months) or (months,), optional
            The states of those months (``by_state`` only; default: the last fitted state
            held). Paths and posterior draws are paired in turn, the shorter list repeated.
        """
        self._check_fitted()
        rate = self.posterior["rate"].values
        if not self.priors["by_state"]:
            return float(np.mean(1 - np.exp(-rate[:, 0] * months)))
        if states is None:
            groups = self._group_codes(None, 1, months)
        else:
            paths = np.atleast_2d(states)
            groups = self._group_codes(paths, len(paths), months)
        exposure = np.stack([(groups == g).sum(axis=1) for g in range(rate.shape[1])], axis=1)
        pair = np.arange(max(len(exposure), len(rate)))  # every path with a draw, in turn
        hazard = (rate[pair % len(rate)] * exposure[pair % len(exposure)]).sum(axis=1)
        return float(np.mean(1 - np.exp(-hazard)))

    def simulate(
        self, n_draws: int, n_months: int, rng: np.random.Generator, states=None
    ) -> np.ndarray:
        """Nuclear tests per simulated month, shape (draw, month) (``states``: the state codes
        of every simulated month, (draw, month), for a rate by state)."""
        self._check_fitted()
        rate = self.posterior["rate"].values[self._draw_index(n_draws, rng)]
        groups = self._group_codes(states, n_draws, n_months)
        return rng.poisson(np.take_along_axis(rate, groups, axis=1))

    def to_dataset(self) -> xr.Dataset:
        """The posterior draws with the configuration in the attrs (for a run folder)."""
        ds = super().to_dataset()
        ds.attrs["last_group"] = int(getattr(self, "last_group", 0))
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, source: str = "<dataset>"):
        """Rebuild a fitted model from :meth:`to_dataset` (also a run saved before the rate
        had groups: one group, ``all``)."""
        if "rate" in ds and ds["rate"].dims == ("draw",):
            ds = ds.assign(rate=ds["rate"].expand_dims(group=["all"], axis=1))
        model = super().from_dataset(ds, source)
        model.last_group = int(ds.attrs.get("last_group", 0))
        return model


__all__ = [
    "STATE_GROUPS",
    "WEAPON_CLASSES",
    "ClassMix",
    "NuclearRate",
    "discount_weights",
    "nuclear_rule_words",
    "other_nuclear_rates",
]


def nuclear_rule_words(priors: dict) -> str:
    """A nuclear-test rule in words, as every table and note names it.

    Parameters
    ----------
    priors : dict
        The rule's :class:`NuclearRate` priors (``half_life``, and ``by_state`` when true).

    Returns
    -------
    str
    """
    half_life = float(priors["half_life"])
    fading = f"old tests fade with a half-life of {half_life:.0f} months"
    if priors.get("by_state"):
        if math.isinf(half_life):
            return "a constant rate in each state group (talks / no talks) along the state paths"
        return f"a rate in each state group (talks / no talks) along the state paths ({fading})"
    return "a constant rate since 1990" if math.isinf(half_life) else fading


def other_nuclear_rates(
    rule: NuclearRate, panel: pd.DataFrame, seed: int = 1
) -> dict[str, NuclearRate]:
    """The rules of :data:`NUCLEAR_OTHER_RULES` but the one ``rule`` already is, fitted on the
    same months.

    Parameters
    ----------
    rule : NuclearRate
        The run's rate.
    panel : DataFrame
        The training months (their ``nuclear_tests``, and ``state`` for a rate by state).
    seed : int
        Seed of the rates' posterior draws.

    Returns
    -------
    dict of str to NuclearRate
        By their names in :data:`NUCLEAR_CANDIDATES`, in the order of
        :data:`NUCLEAR_OTHER_RULES`.
    """

    def kind(priors: dict) -> tuple[float, bool]:
        return float(priors["half_life"]), bool(priors["by_state"])

    return {
        name: NuclearRate(NUCLEAR_CANDIDATES[name], random_seed=seed).fit(panel)
        for name in NUCLEAR_OTHER_RULES
        if kind({**NuclearRate.default_priors, **NUCLEAR_CANDIDATES[name]}) != kind(rule.priors)
    }
