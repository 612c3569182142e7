"""Convergence diagnostics with a pass/fail verdict, computed by ArviZ."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import asdict, dataclass

import arviz_stats as az  # the statistics of ArviZ 1 without its plotting layer (0.6 s)
import numpy as np

from forecast.constants import BFMI_MIN, ESS_MIN, RHAT_MAX


@dataclass(frozen=True)
class Diagnostics:
    """Summary of a fit's convergence.

    Attributes
    ----------
    max_rhat : float
        Largest rank-normalised split r-hat over the free parameters.
    min_ess_bulk, min_ess_tail : float
        Smallest bulk and tail effective sample sizes.
    divergences : int
        Divergent transitions after tuning.
    min_bfmi : float
        Smallest Bayesian fraction of missing information over chains.
    passed : bool
        ``max_rhat <= 1.01``, both ESS ``>= 400`` and no divergences.
    problems : tuple of str
        Plain-language reasons for a failed verdict (and a low-BFMI warning).
    """

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    min_bfmi: float
    passed: bool
    problems: tuple[str, ...]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        out = asdict(self)
        out["problems"] = list(self.problems)
        return out

    @classmethod
    def not_sampled(cls, reason: str) -> Diagnostics:
        """The verdict of a model with nothing to sample (a counting baseline)."""
        nan = float("nan")
        return cls(nan, nan, nan, 0, nan, passed=True, problems=(reason,))

    @property
    def sampled(self) -> bool:
        """Whether the figures come from MCMC draws."""
        return self.max_rhat == self.max_rhat or self.min_ess_bulk == self.min_ess_bulk

    def failed(self, reason: str) -> Diagnostics:
        """The same figures with ``reason`` added and the verdict failed."""
        return dataclasses.replace(self, passed=False, problems=(reason, *self.problems))

    def verdict(self) -> str:
        """One line for the CLI and the report."""
        if not self.sampled:
            return f"NOT SAMPLED: {'; '.join(self.problems)}"
        head = "PASS" if self.passed else "FAIL"
        body = (
            f"max r-hat {self.max_rhat:.3f}, min ESS bulk {self.min_ess_bulk:.0f} / "
            f"tail {self.min_ess_tail:.0f}, {self.divergences} divergences, "
            f"min BFMI {self.min_bfmi:.2f}"
        )
        extra = f" -- {'; '.join(self.problems)}" if self.problems else ""
        return f"{head}: {body}{extra}"


def diagnose(idata, var_names: list[str] | None = None) -> Diagnostics:
    """Compute r-hat, ESS, divergences and BFMI and give a verdict.

    Parameters
    ----------
    idata : xarray.DataTree
        A fit with ``posterior`` and ``sample_stats`` groups.
    var_names : list of str, optional
        Variables to check; defaults to every posterior variable.

    Returns
    -------
    Diagnostics
    """
    post = idata["posterior"].to_dataset()
    if var_names is not None:
        post = post[var_names]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # r-hat of a constant (a fixed reference level) is nan
        rhat = az.rhat(post)
        ess_bulk = az.ess(post, method="bulk")
        ess_tail = az.ess(post, method="tail")

    def extreme(ds, fn) -> float:
        values = [
            float(fn(ds[v].values))
            for v in ds.data_vars
            if ds[v].size and np.isfinite(ds[v].values).any()
        ]
        values = [v for v in values if np.isfinite(v)]
        return fn(np.array(values)) if values else float("nan")

    max_rhat = extreme(rhat, np.nanmax)
    min_bulk = extreme(ess_bulk, np.nanmin)
    min_tail = extreme(ess_tail, np.nanmin)
    stats = idata["sample_stats"].to_dataset() if "sample_stats" in idata.children else None
    divergences = int(stats["diverging"].sum()) if stats is not None and "diverging" in stats else 0
    try:
        min_bfmi = float(np.min(az.bfmi(idata)["energy"].values))
    except (KeyError, AttributeError, ValueError, TypeError):
        min_bfmi = float("nan")

    problems = []
    if not max_rhat <= RHAT_MAX:
        problems.append(f"r-hat {max_rhat:.3f} > {RHAT_MAX}: chains disagree; run longer")
    if not min_bulk >= ESS_MIN:
        problems.append(f"bulk ESS {min_bulk:.0f} < {ESS_MIN}: draw more samples")
    if not min_tail >= ESS_MIN:
        problems.append(f"tail ESS {min_tail:.0f} < {ESS_MIN}: draw more samples")
    if divergences:
        problems.append(
            f"{divergences} divergent transitions: raise target_accept or reparametrise"
        )
    passed = not problems
    if min_bfmi < BFMI_MIN:
        problems.append(f"BFMI {min_bfmi:.2f} < {BFMI_MIN}: energy poorly explored (warning)")
    return Diagnostics(
        max_rhat=max_rhat,
        min_ess_bulk=min_bulk,
        min_ess_tail=min_tail,
        divergences=divergences,
        min_bfmi=min_bfmi,
        passed=passed,
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class PriorCheck:
    """Result of :func:`prior_predictive_check`.

    Attributes
    ----------
    share_below : float
        Share of prior predictive months with fewer than ``max_count`` events.
    share_zero : float
        Share of prior predictive months with no event.
    quantile_99 : float
        99th percentile of the prior predictive monthly count.
    max_count : int
        The threshold used for ``share_below``.
    passed : bool
        ``share_below >= 0.99`` and ``share_zero < 0.95`` (plausible, not all mass at 0).
    """

    share_below: float
    share_zero: float
    quantile_99: float
    max_count: int
    passed: bool

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True, eq=False)  # an array field: compared by identity, not by value
class PriorSample:
    """One draw of a built model's prior predictive, what it counts and its check
    (:func:`prior_predictive_sample`).

    Attributes
    ----------
    prior : arviz.InferenceData
        The prior draws and the simulated months (``prior`` and ``prior_predictive`` groups).
    counts : ndarray
        The model's target per simulated month, draws x months
        (:meth:`~forecast.models.base.BaseModel.prior_predictive_counts`).
    check : PriorCheck
        :func:`count_check` of ``counts``.
    """

    prior: object
    counts: np.ndarray
    check: PriorCheck


def prior_predictive_sample(
    model, draws: int = 500, random_seed: int = 1, max_count: int = 30
) -> PriorSample:
    """A built model's prior predictive, drawn once, with its counts and its check: the
    numbers of :func:`prior_predictive_check` for the same seed, for a caller that also
    plots the draws (notebook 02) and so need not sample twice.

    Parameters
    ----------
    model : BaseModel
        A built model (``model.build(panel)`` called).
    draws, random_seed, max_count
        As for :func:`prior_predictive_check`.

    Returns
    -------
    PriorSample
    """
    prior = model.sample_prior_predictive(draws=draws, random_seed=random_seed)
    counts = model.prior_predictive_counts(prior, np.random.default_rng(random_seed))
    return PriorSample(prior, counts, count_check(counts, max_count))


def prior_predictive_check(
    model, draws: int = 500, random_seed: int = 1, max_count: int = 30
) -> PriorCheck:
    """Check a built model's priors imply plausible monthly counts.

    Parameters
    ----------
    model : BaseModel
        A built model (``model.build(panel)`` called).
    draws : int
        Prior predictive draws.
    random_seed : int
        Seed.
    max_count : int
        99% of prior predictive months must fall below this (30: more launch
        days than a month has days is impossible, so 30 is already generous; for missiles,
        the most in a month since 1990 is 19).

    Returns
    -------
    PriorCheck
        On the model's target: a missile ``ar_level``'s months are its prior launch days
        with their salvos (:meth:`~forecast.models.base.BaseModel.prior_predictive_counts`).
    """
    return prior_predictive_sample(model, draws, random_seed, max_count).check


def count_check(values, max_count: int = 30) -> PriorCheck:
    """The check of :func:`prior_predictive_check` on any monthly counts (the prior
    predictive's, or the observed panel's for comparison): share below ``max_count``, share
    of zeros, 99th percentile, and the verdict."""
    values = np.asarray(values).ravel()
    share_below = float((values < max_count).mean())
    share_zero = float((values == 0).mean())
    return PriorCheck(
        share_below=share_below,
        share_zero=share_zero,
        quantile_99=float(np.quantile(values, 0.99)),
        max_count=max_count,
        passed=share_below >= 0.99 and share_zero < 0.95,
    )
