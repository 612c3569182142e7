"""The one small base class every model shares.

A model is configured in ``__init__`` (priors, target, training window), builds
its PyMC graph from the monthly panel in :meth:`BaseModel.build`, samples in
:meth:`BaseModel.fit` (keeping the ``InferenceData`` on the object), and
simulates the future from posterior draws in :meth:`BaseModel.simulate`.
:meth:`BaseModel.save` writes a netCDF file that :meth:`BaseModel.load` can
rebuild the model from, with no other file needed.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import ClassVar

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from forecast import __version__
from forecast.constants import HDI_PROB, REFERENCE_STATE, STATES, TARGET_ACCEPT
from forecast.data.panel import TARGETS
from forecast.errors import ConfigError, RunFileError
from forecast.models.diagnostics import Diagnostics, diagnose

#: Samplers ``fit`` accepts; the non-default ones need the ``fast`` extra.
SAMPLERS = ("pymc", "nutpie", "numpyro", "blackjax")

#: Attribute under which the model's metadata is stored in the netCDF posterior.
ATTR = "forecast_model"

#: Panel columns stored with a fit so it can be rebuilt without the data files.
BASE_COLUMNS = ("month", "state", "exercise_days")


#: Prior parameters that are scales or shapes (must be > 0); any other (``mu``) may be any
#: finite number. No prior parameter is sensible beyond this magnitude.
POSITIVE_PRIOR_PARAMS = ("sigma", "alpha", "beta")
MAX_PRIOR_MAGNITUDE = 1e6


def _check_prior_value(key: str, param: str, value, model: str) -> float:
    """A prior parameter as a finite float (positive for scales/shapes), else ConfigError."""
    where = f"priors of {model}"
    fix = (
        f"write a number for {key}.{param}"
        + (" greater than 0 (it is a scale or shape)" if param in POSITIVE_PRIOR_PARAMS else "")
        + f", e.g. {key}: {{{param}: 0.5}}"
    )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(where, f"{key}.{param} is {value!r}, not a number", fix)
    if not np.isfinite(value) or abs(value) > MAX_PRIOR_MAGNITUDE:
        raise ConfigError(
            where, f"{key}.{param} is {value!r}, not a finite number of plausible size", fix
        )
    if param in POSITIVE_PRIOR_PARAMS and value <= 0:
        raise ConfigError(where, f"{key}.{param} is {value!r}; it must be greater than 0", fix)
    return float(value) if isinstance(value, float) else value


def merge_priors(defaults: dict, user: dict | None, model: str) -> dict:
    """Merge a user prior dict over the defaults, key by key (one level deep), validated.

    Parameters
    ----------
    defaults : dict
        The model's ``default_priors``.
    user : dict, optional
        Overrides, e.g. ``{"state_effect": {"sigma": 0.5}}``.
    model : str
        Model name, for the error message.

    Returns
    -------
    dict
        A new dict; the defaults are not modified.

    Raises
    ------
    ConfigError
        Unknown prior or parameter, a prior that is not a mapping, or a value that is
        not a finite number (``sigma``, ``alpha`` and ``beta`` must be > 0): raised
        when the model is configured, long before any sampling.
    """
    merged = copy.deepcopy(defaults)
    if user is not None and not isinstance(user, dict):
        raise ConfigError(
            f"priors of {model}", "the priors are not a mapping", "e.g. state_effect: {sigma: 0.5}"
        )
    for key, value in (user or {}).items():
        if key not in merged:
            raise ConfigError(
                f"priors of {model}",
                f"unknown prior {key!r}",
                f"use one of {sorted(merged)}",
            )
        if not isinstance(value, dict):
            raise ConfigError(
                f"priors of {model}",
                f"prior {key!r} is {value!r}, not a mapping of its parameters",
                f"write e.g. {key}: {{{', '.join(f'{p}: {v}' for p, v in merged[key].items())}}}",
            )
        unknown = set(value) - set(merged[key])
        if unknown:
            raise ConfigError(
                f"priors of {model}",
                f"unknown parameter(s) {sorted(unknown, key=str)} for prior {key!r}",
                f"use {sorted(merged[key])}",
            )
        merged[key].update(
            {param: _check_prior_value(key, param, v, model) for param, v in value.items()}
        )
    return merged


def data_hash(frame: pd.DataFrame) -> str:
    """Stable SHA-256 of a panel slice (used to tie a fit to its data)."""
    return hashlib.sha256(frame.to_json(orient="split", date_format="iso").encode()).hexdigest()


class BaseModel:
    """Common interface of every model.

    Parameters
    ----------
    priors : dict, optional
        Overrides of :attr:`default_priors`, merged key by key.
    target : str
        Panel column to model: ``launch_days`` (default), ``missiles`` or
        ``csis_missile_events``.
    since, until : str, optional
        Training window (``YYYY-MM`` or ``YYYY-MM-DD``; whole months are used).
    """

    #: Registered name (used by the CLI).
    name: ClassVar[str] = "base"
    #: One line for listings.
    description: ClassVar[str] = ""
    #: Documented defaults; subclasses override.
    default_priors: ClassVar[dict] = {}
    #: Variables shown by :meth:`summary` and checked by the diagnostics.
    summary_vars: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        priors: dict | None = None,
        target: str = "launch_days",
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        if target not in TARGETS:
            raise ConfigError("--target", f"unknown target {target!r}", f"use one of {TARGETS}")
        self.priors = merge_priors(self.default_priors, priors, self.name)
        self.target = target
        self.since = pd.Timestamp(since).to_period("M").start_time if since else None
        self.until = pd.Timestamp(until).to_period("M").start_time if until else None
        self.panel: pd.DataFrame | None = None
        self.start: int = 0
        self.model: pm.Model | None = None
        self.idata: az.InferenceData | None = None
        self.diagnostics: Diagnostics | None = None

    # --- configuration ------------------------------------------------------------------

    def config(self) -> dict:
        """Everything needed to rebuild this model (JSON-ready)."""
        return {
            "model": self.name,
            "target": self.target,
            "since": None if self.since is None else f"{self.since:%Y-%m}",
            "until": None if self.until is None else f"{self.until:%Y-%m}",
            "priors": self.priors,
        }

    def columns(self) -> list[str]:
        """Panel columns this model reads."""
        return [*BASE_COLUMNS, self.target]

    def _window(self, panel: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        """Panel up to ``until`` and the row where training starts (earlier rows: lags)."""
        missing = [c for c in self.columns() if c not in panel]
        if missing:
            raise ConfigError(
                "panel", f"missing column(s) {missing}", "build it with monthly_panel"
            )
        months = pd.to_datetime(panel["month"])
        keep = panel[months <= self.until] if self.until is not None else panel
        keep = keep[self.columns()].reset_index(drop=True)
        kept_months = pd.to_datetime(keep["month"])
        start = int((kept_months < self.since).sum()) if self.since is not None else 0
        start = max(start, self._min_start(len(keep)))
        if len(keep) - start < 12:
            raise ConfigError(
                "--since/--until",
                f"the training window has {len(keep) - start} months",
                "choose a window of at least 12 months inside the data",
            )
        return keep, start

    def _min_start(self, n_rows: int) -> int:
        """First training row allowed by the model (``recent_rate`` overrides)."""
        return 0

    @property
    def training(self) -> pd.DataFrame:
        """The months the model is fitted to."""
        self._require("panel", "build")
        return self.panel.iloc[self.start :].reset_index(drop=True)

    def _require(self, attr: str, step: str) -> None:
        if getattr(self, attr) is None:
            raise RuntimeError(f"{self.name}: call {step}() first")

    # --- the interface -----------------------------------------------------------------

    def build(self, panel: pd.DataFrame) -> pm.Model:
        """Build the PyMC model on ``panel`` (the monthly panel, whole or sliced).

        Parameters
        ----------
        panel : DataFrame
            Output of :func:`forecast.data.monthly_panel`; rows before ``since``
            feed lagged terms only, rows after ``until`` are dropped.

        Returns
        -------
        pymc.Model
        """
        self.panel, self.start = self._window(panel)
        self.model = self._build()
        return self.model

    def _build(self) -> pm.Model:  # pragma: no cover - abstract
        raise NotImplementedError

    def sample_prior_predictive(self, draws: int = 500, random_seed: int = 1) -> az.InferenceData:
        """Draw from the prior and prior predictive.

        Parameters
        ----------
        draws : int
            Number of prior draws.
        random_seed : int
            Seed.
        """
        self._require("model", "build")
        with self.model:
            return pm.sample_prior_predictive(draws=draws, random_seed=random_seed)

    def fit(
        self,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        random_seed: int = 1,
        nuts_sampler: str = "pymc",
        target_accept: float = TARGET_ACCEPT,
        init: str = "jitter+adapt_full",
        progressbar: bool = True,
        cores: int | None = None,
    ) -> az.InferenceData:
        """Sample the posterior with NUTS, record diagnostics, keep the result.

        Parameters
        ----------
        draws, tune, chains : int
            Sampler settings.
        random_seed : int
            One seed for everything random in the fit.
        nuts_sampler : {"pymc", "nutpie", "numpyro", "blackjax"}
            ``pymc`` needs nothing extra; the others need the ``fast`` extra.
        target_accept : float
            NUTS target acceptance rate.
        init : str
            Initialisation and mass-matrix adaptation of PyMC's own NUTS. The
            default adapts a dense mass matrix: in years where one negotiation
            state held throughout, only level plus state effect is identified,
            and a dense matrix follows that ridge (state_rate on 1984-2019: 16-20 s
            instead of 37 s, same effective sample size). Ignored by the other
            samplers, which adapt their own.
        progressbar : bool
            Show the sampler's progress bar.
        cores : int, optional
            Chains run in parallel; defaults to ``min(chains, os.cpu_count())``
            (PyMC's own default halves the count, assuming hyper-threads).

        Returns
        -------
        InferenceData
            Also kept as ``self.idata``; ``self.diagnostics`` holds the verdict.
        """
        self._require("model", "build")
        if nuts_sampler not in SAMPLERS:
            raise ConfigError("--sampler", f"unknown sampler {nuts_sampler!r}", f"use {SAMPLERS}")
        cores = cores or min(chains, os.cpu_count() or 1)
        # nutpie and the JAX samplers ignore idata_kwargs: log-likelihood is added after
        kwargs = (
            {"idata_kwargs": {"log_likelihood": True}, "init": init}
            if nuts_sampler == "pymc"
            else {}
        )
        with self.model, warnings.catch_warnings():
            # PyMC flags dense adaptation as experimental; it is what makes these fits mix
            warnings.filterwarnings("ignore", "QuadPotentialFullAdapt", UserWarning)
            idata = pm.sample(
                draws=draws,
                tune=tune,
                chains=chains,
                cores=cores,
                random_seed=random_seed,
                nuts_sampler=nuts_sampler,
                target_accept=target_accept,
                progressbar=progressbar,
                **kwargs,
            )
            if "log_likelihood" not in idata.groups():
                pm.compute_log_likelihood(idata, progressbar=False)
        self.idata = idata
        self.diagnostics = diagnose(idata, var_names=self.free_vars())
        self._stamp(
            sampler={
                "draws": draws,
                "tune": tune,
                "chains": chains,
                "random_seed": random_seed,
                "nuts_sampler": nuts_sampler,
                "target_accept": target_accept,
                **({"init": init} if nuts_sampler == "pymc" else {}),
            }
        )
        if not self.diagnostics.passed:
            warnings.warn(
                f"{self.name}: the fit failed its diagnostics: {self.diagnostics.verdict()}",
                RuntimeWarning,
                stacklevel=2,
            )
        return idata

    def free_vars(self) -> list[str]:
        """Names of the model's free random variables."""
        self._require("model", "build")
        return [rv.name for rv in self.model.free_RVs]

    def summary(self, var_names: list[str] | None = None, hdi_prob: float = HDI_PROB):
        """ArviZ summary table of the key parameters.

        The reference state (fixed at 0, so r-hat is undefined) is left out.
        """
        self._require("idata", "fit")
        names = var_names or list(self.summary_vars)
        has_state = any("state" in self.idata.posterior[n].dims for n in names)
        coords = {"state": list(STATES[1:])} if has_state else None
        return az.summary(self.idata, var_names=names, hdi_prob=hdi_prob, coords=coords)

    def state_effects(self, hdi_prob: float = HDI_PROB) -> pd.DataFrame:
        """Rate ratio of each state against ``no_talks``: mean, HDI and P(ratio < 1).

        Returns
        -------
        DataFrame
            One row per state (and weapon class, for models that have them).
        """
        self._require("idata", "fit")
        if "state_effect" not in self.idata.posterior:
            raise ConfigError(
                self.name, "this model has no state effect", "use state_rate or a richer model"
            )
        log_rr = self.idata.posterior["state_effect"]
        ratio = np.exp(log_rr)
        hdi = az.hdi(ratio, hdi_prob=hdi_prob)["state_effect"]
        table = pd.DataFrame(
            {
                "rate_ratio_mean": ratio.mean(("chain", "draw")).to_series(),
                "hdi_low": hdi.sel(hdi="lower", drop=True).to_series(),
                "hdi_high": hdi.sel(hdi="higher", drop=True).to_series(),
                "p_below_1": (log_rr < 0).mean(("chain", "draw")).to_series(),
            }
        )
        table.attrs.update(reference=REFERENCE_STATE, hdi_prob=hdi_prob, target=self.target)
        return table.reset_index()

    # --- simulation -----------------------------------------------------------------------

    def posterior_draws(self, draws: int | None, rng: np.random.Generator) -> xr.Dataset:
        """Posterior as one ``draw`` dimension, subsampled to ``draws`` if given.

        Per-training-month deterministics (``mu``) are left out: simulation never
        needs them and they dominate the cost of stacking.
        """
        self._require("idata", "fit")
        cached = getattr(self, "_stacked", (None, None))
        if cached[0] is not self.idata:  # stack once per fit; scenarios reuse it
            post = self.idata.posterior
            post = post.drop_vars([v for v in post.data_vars if "month" in post[v].dims])
            self._stacked = (self.idata, post.stack(sample=("chain", "draw")))
        post = self._stacked[1]
        n = post.sizes["sample"]
        if draws is None or draws == n:
            idx = np.arange(n)
        else:
            idx = rng.choice(n, size=draws, replace=draws > n)
        post = post.isel(sample=idx).drop_vars(["sample", "chain", "draw"])
        return post.rename({"sample": "draw"}).transpose("draw", ...)

    def future_design(self, future: pd.DataFrame) -> dict:
        """Check a future covariate frame and turn it into index arrays.

        ``future`` has one row per month from the month after the training data,
        with columns ``month``, ``state`` and ``exercise_days``.
        """
        self._require("panel", "build")
        months = pd.DatetimeIndex(pd.to_datetime(future["month"])).to_period("M")
        expected = pd.Period(self.training["month"].iloc[-1], "M") + 1
        if len(months) == 0 or months[0] != expected or (np.diff(months.asi8) != 1).any():
            raise ConfigError(
                "future months",
                f"the simulation must run month by month from {expected} (got {months[:1]})",
                "start the scenario the month after the fitted data end",
            )
        unknown = sorted(set(future["state"]) - set(STATES))
        if unknown:
            raise ConfigError("future states", f"unknown state(s) {unknown}", f"use {STATES}")
        stamps = months.to_timestamp()
        return {
            "months": stamps,
            "state_idx": np.array([STATES.index(s) for s in future["state"]]),
            "moy_idx": (stamps.month - 1).to_numpy(),
            "year": stamps.year.to_numpy(),
            "exercise_share": (future["exercise_days"] / stamps.days_in_month).to_numpy(),
        }

    def simulate(
        self, future: pd.DataFrame, random_seed: int = 1, draws: int | None = None
    ) -> xr.Dataset:
        """Simulate future monthly counts from posterior draws.

        Parameters
        ----------
        future : DataFrame
            Months after the training data with columns ``month``, ``state``,
            ``exercise_days`` (see :meth:`future_design`).
        random_seed : int
            Seed; the same seed gives the same draws.
        draws : int, optional
            Number of posterior draws to use (default: all).

        Returns
        -------
        xarray.Dataset
            ``counts`` (draw, month) of the target and ``rate`` (draw, month);
            class models add ``class_counts`` (draw, month, weapon_class) and
            ``nuclear_tests`` (draw, month).
        """
        rng = np.random.default_rng(random_seed)
        post = self.posterior_draws(draws, rng)
        fut = self.future_design(future)
        data = self._simulate(post, fut, rng)
        coords = {"draw": np.arange(post.sizes["draw"]), "month": fut["months"]}
        ds = xr.Dataset(data, coords={**coords, **self._sim_coords()})
        ds.attrs.update(model=self.name, target=self.target, random_seed=random_seed)
        return ds

    def _simulate(self, post: xr.Dataset, fut: dict, rng) -> dict:  # pragma: no cover
        raise NotImplementedError

    def _sim_coords(self) -> dict:
        return {}

    # --- save / load ----------------------------------------------------------------------

    def _stamp(self, sampler: dict | None = None) -> None:
        """Write provenance into the posterior's attrs."""
        stored = self.panel.assign(month=pd.to_datetime(self.panel["month"]).dt.strftime("%Y-%m"))
        stored["state"] = stored["state"].astype(str)
        meta = {
            "config": self.config(),
            "start": self.start,
            "data_hash": data_hash(stored),
            "package_version": __version__,
            "sampler": sampler or {},
            "diagnostics": self.diagnostics.to_dict() if self.diagnostics else None,
            "panel": stored.to_json(orient="split"),
        }
        self.idata.posterior.attrs[ATTR] = json.dumps(meta)

    def metadata(self) -> dict:
        """Provenance stored with the fit (config, data hash, version, sampler, diagnostics)."""
        self._require("idata", "fit")
        meta = json.loads(self.idata.posterior.attrs[ATTR])
        meta.pop("panel")
        return meta

    def save(self, path: str | Path) -> Path:
        """Write the fit as netCDF (atomically) with everything needed to rebuild it.

        Parameters
        ----------
        path : str or Path
            Destination ``.nc`` file.
        """
        self._require("idata", "fit")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            self.idata.to_netcdf(tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | Path) -> BaseModel:
        """Rebuild a saved model and its fit; refuse a file that cannot be rebuilt.

        Parameters
        ----------
        path : str or Path
            A file written by :meth:`save`.

        Returns
        -------
        BaseModel
            The model (of the class named in the file), built and fitted.
        """
        from forecast.models import REGISTRY

        path = Path(path)
        fix_refit = "re-create it with 'forecast fit'"
        if not path.is_file():
            raise RunFileError(path, "file not found", "check the path to fit.nc")
        try:
            idata = az.from_netcdf(path)
            for group in idata.groups():  # read now: lazy groups re-read the file on access
                getattr(idata, group).load()
        except Exception as err:  # netCDF4/h5 raise many types on a damaged file
            raise RunFileError(
                path, f"not a readable netCDF file ({type(err).__name__})", fix_refit
            ) from None
        if "posterior" not in idata.groups() or ATTR not in idata.posterior.attrs:
            raise RunFileError(
                path, "not a forecast fit (no model metadata in the posterior)", fix_refit
            )
        try:
            meta = json.loads(idata.posterior.attrs[ATTR])
            config = meta["config"]
            panel = pd.read_json(io.StringIO(meta["panel"]), orient="split", dtype=False)
        except (ValueError, KeyError) as err:
            raise RunFileError(path, f"damaged model metadata ({err})", fix_refit) from None
        if data_hash(panel) != meta["data_hash"]:
            raise RunFileError(path, "the stored data does not match its hash", fix_refit)
        name = config.get("model")
        if name not in REGISTRY:
            raise RunFileError(path, f"unknown model {name!r}", f"use one of {sorted(REGISTRY)}")
        if str(meta.get("package_version", "")).split(".")[0] != __version__.split(".")[0]:
            raise RunFileError(
                path,
                f"written by forecast {meta.get('package_version')}, this is {__version__}",
                fix_refit,
            )
        model = REGISTRY[name](
            priors=config["priors"],
            target=config["target"],
            since=config["since"],
            until=config["until"],
        )
        panel["month"] = pd.to_datetime(panel["month"])
        model.build(panel)
        missing = sorted(set(model.free_vars()) - set(idata.posterior.data_vars))
        if missing or model.start != meta["start"]:
            raise RunFileError(
                path, f"the posterior does not fit the rebuilt model (missing {missing})", fix_refit
            )
        model.idata = idata
        diag = meta.get("diagnostics")
        model.diagnostics = (
            Diagnostics(**{**diag, "problems": tuple(diag["problems"])}) if diag else None
        )
        return model
