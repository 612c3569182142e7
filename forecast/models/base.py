"""The one small base class every model shares.

A model is configured in ``__init__`` (priors, target, training window), builds its PyMC
graph from the monthly panel in :meth:`BaseModel.build`, samples in :meth:`BaseModel.fit`
(keeping the posterior, an ArviZ ``DataTree``, on the object), and simulates the future from
posterior draws in :meth:`BaseModel.simulate`. :meth:`BaseModel.save` writes a netCDF file
that :meth:`BaseModel.load` can rebuild the model from, with no other file needed.

Compile once, sample many times
-------------------------------
The graph's parameters cover every month of the *grid* (the panel rows the model was built
on), while the likelihood covers only the *training* months, given to the graph as data
(``train_idx``, ``y_train``). :meth:`BaseModel.set_until` moves the end of the training
window inside the grid without rebuilding anything, so a backtest builds and compiles one model
for all its cutoffs (:mod:`forecast.models.sampling` caches the compiled model by
:meth:`BaseModel.graph_key`). Months of the grid after the training window have parameters
(e.g. a yearly level) informed by their prior only; nothing of them reaches the fit, and the
simulation of the future starts from the last training month. A model built for one fit
(``forecast fit``) has a grid that ends at its ``until``.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import warnings
from pathlib import Path
from typing import ClassVar

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from forecast import __version__
from forecast.catalog import MODELS, ModelEntry, Sampler, resolve_sampler
from forecast.constants import HDI_PROB, MAX_NETCDF_BYTES, REFERENCE_STATE, STATES
from forecast.data.panel import TARGETS
from forecast.errors import ConfigError, RunFileError
from forecast.models.diagnostics import Diagnostics, diagnose
from forecast.models.sampling import sample
from forecast.noise import quiet
from forecast.outputs import check_regular_file

#: Attribute under which the model's metadata is stored in the netCDF posterior.
ATTR = "forecast_model"

#: Panel columns stored with a fit so it can be rebuilt without the data files.
BASE_COLUMNS = ("month", "state", "exercise_days")

#: Group of a saved fit that holds the panel rows it was built on (ArviZ's name for the data a
#: model was fitted to, as pymc-marketing stores it).
FIT_DATA = "fit_data"

#: First package version whose saved fits this version reads (ArviZ 1 / PyMC 6 runs).
FIRST_READABLE_VERSION = (0, 2)


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


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split(".")[:2]:
        parts.append(int(piece) if piece.isdigit() else 0)
    return tuple(parts)


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
    #: Documented defaults; subclasses override.
    default_priors: ClassVar[dict] = {}
    #: Variables shown by :meth:`summary` and checked by the diagnostics.
    summary_vars: ClassVar[tuple[str, ...]] = ()
    #: Whether the model is fitted by MCMC (baselines that only count are not).
    uses_mcmc: ClassVar[bool] = True
    #: Sampler settings that suit this model's geometry, applied over every preset (settings
    #: a caller changes explicitly win).
    sampler_overrides: ClassVar[dict] = {}
    #: Simulations of a forecast when not told how many (None: one per posterior draw).
    simulation_draws: ClassVar[int | None] = None

    @classmethod
    def entry(cls) -> ModelEntry:
        """The model's catalogue entry (:data:`forecast.catalog.MODELS`): its description and
        kind."""
        return MODELS[cls.name]

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
        self.since = _month_start(since, "--since")
        self.until = _month_start(until, "--until")
        self.panel: pd.DataFrame | None = None
        self.source_panel: pd.DataFrame | None = None
        self.grid_start: int = 0
        self.since_row: int = 0
        self.start: int = 0
        self.stop: int = 0
        self.model: pm.Model | None = None
        self.idata: xr.DataTree | None = None
        self.diagnostics: Diagnostics | None = None
        self.sampler: dict = {}

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

    @classmethod
    def from_config(cls, config: dict) -> BaseModel:
        """A new, unfitted model of the class and configuration of :meth:`config` (a backtest
        rebuilds a configured model from it in each worker, custom priors included).

        Parameters
        ----------
        config : dict
            ``model`` (a registered name), ``priors``, ``target``, ``since``, ``until``.
        """
        from forecast.models import REGISTRY

        name = config.get("model")
        if name not in REGISTRY:
            raise ConfigError("model", f"unknown model {name!r}", f"use one of {sorted(REGISTRY)}")
        return REGISTRY[name](
            priors=copy.deepcopy(config.get("priors")),
            target=config.get("target", "launch_days"),
            since=config.get("since"),
            until=config.get("until"),
        )

    def clone(self, **changes) -> BaseModel:
        """An unfitted copy with the same configuration (priors included).

        Parameters
        ----------
        **changes
            ``target``, ``since`` or ``until`` to change (``until=None`` keeps every month).

        Returns
        -------
        BaseModel
            Not built; call :meth:`build`.
        """
        config = self.config()
        unknown = sorted(set(changes) - {"target", "since", "until"})
        if unknown:
            raise TypeError(f"clone() got unexpected setting(s) {unknown}")
        config.update(changes)
        return type(self)(
            priors=copy.deepcopy(self.priors),
            target=config["target"],
            since=config["since"],
            until=config["until"],
        )

    def columns(self) -> list[str]:
        """Panel columns this model reads."""
        return [*BASE_COLUMNS, self.target]

    def _rows(self, panel: pd.DataFrame, keep_future: bool) -> pd.DataFrame:
        """The panel rows and columns the model keeps (up to ``until`` unless ``keep_future``)."""
        missing = [c for c in self.columns() if c not in panel]
        if missing:
            raise ConfigError(
                "panel", f"missing column(s) {missing}", "build it with monthly_panel"
            )
        months = pd.to_datetime(panel["month"])
        keep = panel if keep_future or self.until is None else panel[months <= self.until]
        return keep[self.columns()].reset_index(drop=True)

    def _grid_start(self, stop: int, keep_future: bool) -> int:
        """First row of the graph's months (earlier rows feed lagged terms only)."""
        return self.since_row

    def _train_rows(self, stop: int) -> tuple[int, int]:
        """First and (exclusive) last training row for a window ending before ``stop``."""
        start = max(self.grid_start, self._min_start(stop))
        if stop - start < 12:
            raise ConfigError(
                "--since/--until",
                f"the training window has {max(stop - start, 0)} months",
                "choose a window of at least 12 months inside the data",
            )
        return start, stop

    def _min_start(self, stop: int) -> int:
        """First training row allowed by the model (``recent_rate`` overrides)."""
        return 0

    @property
    def training(self) -> pd.DataFrame:
        """The months the model is fitted to."""
        self._require("panel", "build")
        return self.panel.iloc[self.start : self.stop].reset_index(drop=True)

    @property
    def grid(self) -> pd.DataFrame:
        """The months the graph's parameters cover (training months and any after them)."""
        self._require("panel", "build")
        return self.panel.iloc[self.grid_start :].reset_index(drop=True)

    def _require(self, attr: str, step: str) -> None:
        if getattr(self, attr) is None:
            raise RuntimeError(f"{self.name}: call {step}() first")

    # --- the interface -----------------------------------------------------------------

    def build(self, panel: pd.DataFrame, keep_future: bool = False) -> pm.Model:
        """Build the PyMC model on ``panel`` (the monthly panel, whole or sliced).

        Parameters
        ----------
        panel : DataFrame
            Output of :func:`forecast.data.monthly_panel`; rows before ``since``
            feed lagged terms only.
        keep_future : bool
            Keep the rows after ``until`` in the grid (not in the training window), so that
            :meth:`set_until` can move the window later without rebuilding (backtests).

        Returns
        -------
        pymc.Model
        """
        self.source_panel = panel
        self.panel = self._rows(panel, keep_future)
        months = pd.to_datetime(self.panel["month"])
        stop = int((months <= self.until).sum()) if self.until is not None else len(self.panel)
        self.since_row = int((months < self.since).sum()) if self.since is not None else 0
        self.grid_start = self._grid_start(stop, keep_future)
        self.start, self.stop = self._train_rows(stop)
        self.model = self._build()
        self.idata, self.diagnostics = None, None
        return self.model

    def _build(self) -> pm.Model:  # pragma: no cover - abstract
        raise NotImplementedError

    def _train_data(self) -> dict[str, np.ndarray]:
        """Values of the graph's training-window data containers (subclasses extend)."""
        rows = np.arange(self.start, self.stop)
        return {"train_idx": rows - self.grid_start}

    def set_until(self, until) -> BaseModel:
        """Move the end of the training window inside the grid (no rebuild, no recompile).

        Parameters
        ----------
        until : str or Period or Timestamp
            Last training month; must be inside the grid the model was built on.

        Returns
        -------
        BaseModel
            ``self``, unfitted, with ``until`` changed.
        """
        self._require("model", "build")
        cutoff = _month_start(str(pd.Period(until, "M")), "--until")
        months = pd.to_datetime(self.panel["month"])
        if cutoff > months.iloc[-1]:
            raise ConfigError(
                "--until",
                f"{cutoff:%Y-%m} is after the model's months (which end {months.iloc[-1]:%Y-%m})",
                "build the model on a panel that covers the cutoff",
            )
        self.until = cutoff
        self.start, self.stop = self._train_rows(int((months <= cutoff).sum()))
        with self.model:
            pm.set_data(self._train_data(), coords={"train_month": self.training["month"]})
        self.idata, self.diagnostics = None, None
        return self

    def graph_key(self) -> tuple:
        """What the compiled graph depends on, beside the training-window data."""
        self._require("panel", "build")
        return (
            type(self).__name__,
            json.dumps(self.priors, sort_keys=True),
            self.target,
            self.grid_start,
            data_hash(self.panel.astype({"state": str})),
        )

    def sample_prior_predictive(self, draws: int = 500, random_seed: int = 1) -> xr.DataTree:
        """Draw from the prior and prior predictive.

        Parameters
        ----------
        draws : int
            Number of prior draws.
        random_seed : int
            Seed.
        """
        self._require("model", "build")
        with self.model, quiet(), warnings.catch_warnings():  # no "Sampling: [...]" log line
            warnings.simplefilter("ignore")
            return pm.sample_prior_predictive(draws=draws, random_seed=random_seed)

    def fit(
        self,
        sampler: str | Sampler | dict | None = None,
        random_seed: int = 1,
        progress=None,
        **changes,
    ) -> xr.DataTree:
        """Sample the posterior, record diagnostics, keep the result.

        Use :func:`forecast.runs.fit_run` for the whole lifecycle (fit, diagnose, save, freeze
        the forecast); this method is the sampling step.

        Parameters
        ----------
        sampler : str, Sampler or dict, optional
            A preset of :data:`forecast.catalog.PRESETS` (default ``full``), a
            :class:`~forecast.models.sampling.Sampler`, or settings.
        random_seed : int
            One seed for everything random in the fit.
        progress : tuple, optional
            ``(rich Progress, task)`` updated while sampling.
        **changes
            Sampler settings changed from the preset (``draws``, ``tune``, ``chains``, ...).

        Returns
        -------
        xarray.DataTree
            Also kept as ``self.idata``; ``self.diagnostics`` holds the verdict.
        """
        self._require("model", "build")
        settings = resolve_sampler(sampler, **changes)
        suited = {k: v for k, v in self.sampler_overrides.items() if changes.get(k) is None}
        if settings.backend in ("nutpie", "nutpie-jax") and suited:
            settings = settings.replace(**suited)
        idata = sample(
            self.model,
            settings,
            random_seed,
            key=self.graph_key(),
            var_names=self.trace_vars(),
            progress=progress,
        )
        self.idata = idata
        self.diagnostics = diagnose(idata, var_names=self.diagnostic_vars())
        self.sampler = {**settings.to_dict(), "random_seed": int(random_seed)}
        self._stamp()
        return idata

    def free_vars(self) -> list[str]:
        """Names of the model's free random variables."""
        self._require("model", "build")
        return [rv.name for rv in self.model.free_RVs]

    def diagnostic_vars(self) -> list[str]:
        """Variables the convergence verdict checks: by default every free variable."""
        return self.free_vars()

    def trace_vars(self) -> list[str]:
        """Variables kept in a fit: free variables and deterministics without a month dim.

        Per-month deterministics (``mu``) are left out: they can be recomputed from the
        posterior (:meth:`log_likelihood`, :meth:`posterior_predictive`) and would make a
        saved run many times larger.
        """
        self._require("model", "build")
        dims = self.model.named_vars_to_dims
        keep = list(self.free_vars())
        for det in self.model.deterministics:
            if "month" not in dims.get(det.name, ()):
                keep.append(det.name)
        return keep

    def stored_vars(self) -> list[str]:
        """Variables a saved run keeps: the whole trace (:meth:`trace_vars`), so that a loaded
        run answers everything the fit in memory did (posterior predictive checks, LOO, the
        monthly level). Latent paths by month (``ar_level``'s innovations) are stored in single
        precision (:meth:`save`)."""
        return self.trace_vars()

    def _monthly(self, name: str) -> bool:
        """Whether the model variable ``name`` has a month dimension (a latent path)."""
        return "month" in self.model.named_vars_to_dims.get(name, ())

    @property
    def posterior(self) -> xr.Dataset:
        """The posterior draws as a Dataset (dims ``chain``, ``draw``, ...)."""
        self._require("idata", "fit")
        return self.idata["posterior"].to_dataset()

    def summary(self, var_names: list[str] | None = None, hdi_prob: float = HDI_PROB):
        """ArviZ summary table (mean, sd, HDI, MCSE, ESS, r-hat) of the key parameters.

        The reference state (fixed at 0, so r-hat is undefined) is left out.
        """
        names = var_names or list(self.summary_vars)
        post = self.posterior
        has_state = any("state" in post[n].dims for n in names)
        coords = {"state": list(STATES[1:])} if has_state else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return az.summary(post, var_names=names, ci_prob=hdi_prob, ci_kind="hdi", coords=coords)

    def state_effects(self, hdi_prob: float = HDI_PROB) -> pd.DataFrame:
        """Rate ratio of each state against ``no_talks``: mean, HDI and P(ratio < 1).

        Returns
        -------
        DataFrame
            One row per state (and weapon class, for models that have them).
        """
        post = self.posterior
        if "state_effect" not in post:
            raise ConfigError(
                self.name, "this model has no state effect", "use state_rate or a richer model"
            )
        log_rr = post["state_effect"]
        ratio = np.exp(log_rr)
        hdi = az.hdi(ratio, prob=hdi_prob)
        table = pd.DataFrame(
            {
                "rate_ratio_mean": ratio.mean(("chain", "draw")).to_series(),
                "hdi_low": hdi.sel(ci_bound="lower", drop=True).to_series(),
                "hdi_high": hdi.sel(ci_bound="upper", drop=True).to_series(),
                "p_below_1": (log_rr < 0).mean(("chain", "draw")).to_series(),
            }
        )
        table.attrs.update(reference=REFERENCE_STATE, hdi_prob=hdi_prob, target=self.target)
        return table.reset_index()

    def log_likelihood(self) -> xr.DataTree:
        """Add the pointwise log-likelihood of the training months to ``idata`` (for LOO)."""
        self._require("idata", "fit")
        if "log_likelihood" not in self.idata.children:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pm.compute_log_likelihood(self.idata, model=self.model, progressbar=False)
        return self.idata

    def posterior_predictive(self, random_seed: int = 1) -> xr.DataTree:
        """Add in-sample posterior predictive draws of the training months to ``idata``."""
        self._require("idata", "fit")
        if "posterior_predictive" not in self.idata.children:
            with self.model, quiet(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pm.sample_posterior_predictive(
                    self.idata,
                    random_seed=random_seed,
                    extend_inferencedata=True,
                    progressbar=False,
                )
        return self.idata

    # --- simulation -----------------------------------------------------------------------

    def posterior_draws(self, draws: int | None, rng: np.random.Generator) -> xr.Dataset:
        """Posterior as one ``draw`` dimension, subsampled to ``draws`` if given."""
        self._require("idata", "fit")
        cached = getattr(self, "_stacked", (None, None))
        if cached[0] is not self.idata:  # stack once per fit; scenarios reuse it
            self._stacked = (self.idata, self.posterior.stack(sample=("chain", "draw")))
        post = self._stacked[1]
        n = post.sizes["sample"]
        if draws is None or draws == n:
            idx = np.arange(n)
        else:
            if draws > n:
                raise ConfigError(
                    "--draws",
                    f"{draws} draws asked for, the posterior holds {n}",
                    f"ask for at most {n} (or refit with more draws)",
                )
            idx = rng.choice(n, size=draws, replace=False)
        post = post.isel(sample=idx).drop_vars(["sample", "chain", "draw"])
        return post.rename({"sample": "draw"}).transpose("draw", ...)

    def future_design(self, future: pd.DataFrame, state_paths=None) -> dict:
        """Check a future covariate frame and turn it into index arrays.

        ``future`` has one row per month from the month after the training data,
        with columns ``month``, ``state`` and ``exercise_days``. ``state_paths``
        (draw, month) of state codes replaces the ``state`` column with a path per
        draw (see :meth:`simulate`).
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
        if state_paths is None:
            unknown = sorted(set(future["state"]) - set(STATES))
            if unknown:
                raise ConfigError("future states", f"unknown state(s) {unknown}", f"use {STATES}")
            state_idx = np.array([STATES.index(s) for s in future["state"]])
        else:
            state_idx = np.asarray(state_paths, dtype=int)
            if state_idx.ndim != 2 or state_idx.shape[1] != len(months):
                raise ConfigError(
                    "state paths",
                    f"shape {state_idx.shape} is not (draws, {len(months)} months)",
                    "give one state path per draw covering every future month",
                )
            if state_idx.min() < 0 or state_idx.max() >= len(STATES):
                raise ConfigError(
                    "state paths", "a state code is out of range", f"use 0..{len(STATES) - 1}"
                )
        stamps = months.to_timestamp()
        return {
            "months": stamps,
            "state_idx": state_idx,
            "moy_idx": (stamps.month - 1).to_numpy(),
            "year": stamps.year.to_numpy(),
            "exercise_share": (
                np.asarray(future["exercise_days"], dtype=float) / stamps.days_in_month
            ).to_numpy(),
        }

    def simulate(
        self,
        future: pd.DataFrame,
        random_seed: int = 1,
        draws: int | None = None,
        state_paths=None,
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
            Number of posterior draws to use (default: all; at most all).
        state_paths : array of int, shape (draws, months), optional
            A state path per draw (codes into :data:`~forecast.constants.STATES`), e.g.
            simulated by the transition model: draw ``i`` follows path ``i``, so the
            forecast integrates over which state comes. Replaces ``future["state"]``.

        Returns
        -------
        xarray.Dataset
            ``counts`` (draw, month) of the target and ``rate`` (draw, month);
            class models add ``class_counts`` (draw, month, weapon_class) and
            ``nuclear_tests`` (draw, month).
        """
        rng = np.random.default_rng(random_seed)
        if state_paths is not None and draws is None:
            draws = len(state_paths)
        post = self.posterior_draws(draws, rng)
        fut = self.future_design(future, state_paths)
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

    def _stamp(self) -> None:
        """Write provenance into the posterior's attrs."""
        stored = self.training_panel_for_storage()
        meta = {
            "config": self.config(),
            "grid_start": self.grid_start,
            "start": self.start,
            "stop": self.stop,
            "data_hash": data_hash(stored),
            "package_version": __version__,
            "sampler": self.sampler,
            "diagnostics": self.diagnostics.to_dict() if self.diagnostics else None,
        }
        self.idata["posterior"].attrs[ATTR] = json.dumps(meta)
        self.idata[FIT_DATA] = xr.Dataset.from_dataframe(stored.rename_axis("row"))

    def training_panel_for_storage(self) -> pd.DataFrame:
        """The panel rows a saved fit keeps: the grid up to the end of the training window."""
        stored = self.panel.iloc[: self.stop]
        stored = stored.assign(month=pd.to_datetime(stored["month"]).dt.strftime("%Y-%m"))
        stored["state"] = stored["state"].astype(str)
        return stored.reset_index(drop=True)

    def metadata(self) -> dict:
        """Provenance stored with the fit (config, data hash, version, sampler, diagnostics)."""
        self._require("idata", "fit")
        meta = json.loads(self.idata["posterior"].attrs[ATTR])
        meta.pop("panel", None)  # runs saved by 0.2.0 kept the panel here
        return meta

    def save(self, path: str | Path) -> Path:
        """Write the fit as netCDF with everything needed to rebuild it.

        The posterior (latent paths by month in single precision), the sampler statistics
        and the panel rows the model was built on (group ``fit_data``) are kept, compressed;
        what can be recomputed from them (per-month deterministics, log-likelihood,
        predictive draws) is not. Write into a temporary location and move it into place to
        make it atomic.

        Parameters
        ----------
        path : str or Path
            Destination ``.nc`` file.
        """
        self._require("idata", "fit")
        path = Path(path)
        keep = xr.DataTree()
        for group in ("posterior", "sample_stats", FIT_DATA):
            ds = self.idata[group].to_dataset()
            if group == "posterior":
                ds = ds[[v for v in self.stored_vars() if v in ds]]
            if group == "sample_stats":
                wanted = [v for v in ("diverging", "energy", "tree_depth", "n_steps") if v in ds]
                ds = ds[wanted]
            keep[group] = ds
        encoding = {}
        for group in ("posterior", "sample_stats", FIT_DATA):
            encoding[f"/{group}"] = {}
            for name, var in keep[group].to_dataset().data_vars.items():
                if var.dtype.kind not in "fiub":
                    continue
                encoding[f"/{group}"][name] = {"zlib": True, "complevel": 4}
                if group == "posterior" and self._monthly(name):
                    encoding[f"/{group}"][name]["dtype"] = "float32"
        keep.to_netcdf(path, encoding=encoding, engine="netcdf4")
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
        check_regular_file(
            path,
            "fit file",
            "check the path to fit.nc, or re-create it with 'forecast fit'",
            MAX_NETCDF_BYTES,
        )
        try:
            tree = xr.open_datatree(path, engine="netcdf4")
            tree = tree.load()  # read now: lazy groups would re-read the file on access
        except Exception as err:  # netCDF4/h5 raise many types on a damaged file
            raise RunFileError(
                path, f"not a readable netCDF file ({type(err).__name__})", fix_refit
            ) from None
        if "posterior" not in tree.children or ATTR not in tree["posterior"].attrs:
            raise RunFileError(
                path, "not a forecast fit (no model metadata in the posterior)", fix_refit
            )
        try:
            meta = json.loads(tree["posterior"].attrs[ATTR])
            config = meta["config"]
            panel = _stored_panel(tree, meta)
        except (ValueError, KeyError, TypeError) as err:
            raise RunFileError(path, f"damaged model metadata ({err})", fix_refit) from None
        name = config.get("model")
        written = str(meta.get("package_version", ""))
        if _version_tuple(written) < FIRST_READABLE_VERSION:
            raise RunFileError(
                path,
                f"written by forecast {written} (PyMC 5 / ArviZ 0.x), which this version "
                f"({__version__}) does not read",
                "re-fit it: " + _refit_command(config),
            )
        if data_hash(panel) != meta["data_hash"]:
            raise RunFileError(path, "the stored data does not match its hash", fix_refit)
        if name not in REGISTRY:
            raise RunFileError(path, f"unknown model {name!r}", f"use one of {sorted(REGISTRY)}")
        model = cls.from_config(config)
        panel["month"] = pd.to_datetime(panel["month"])
        model.build(panel)
        stored = set(model.stored_vars()) & set(model.free_vars())
        missing = sorted(stored - set(tree["posterior"].to_dataset().data_vars))
        if missing or (model.start, model.stop) != (meta.get("start"), meta.get("stop")):
            raise RunFileError(
                path,
                f"the posterior does not fit the rebuilt model (missing {missing})",
                "re-fit it: " + _refit_command(config),
            )
        single = [v for v in tree["posterior"].data_vars if tree["posterior"][v].dtype == "float32"]
        if single:  # latent paths stored in single precision: back to the graph's precision
            posterior = tree["posterior"].to_dataset()
            tree["posterior"] = posterior.assign(
                {v: posterior[v].astype("float64") for v in single}
            )
        model.idata = tree
        model.sampler = meta.get("sampler", {})
        diag = meta.get("diagnostics")
        model.diagnostics = (
            Diagnostics(**{**diag, "problems": tuple(diag["problems"])}) if diag else None
        )
        return model


def _stored_panel(tree: xr.DataTree, meta: dict) -> pd.DataFrame:
    """The panel rows a saved fit was built on: its ``fit_data`` group (runs saved by 0.2.0:
    the JSON in the posterior's attrs)."""
    if FIT_DATA in tree.children:
        return tree[FIT_DATA].to_dataset().to_dataframe().reset_index(drop=True)
    return pd.read_json(io.StringIO(meta["panel"]), orient="split", dtype=False)


def _month_start(value, label: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(str(value)).to_period("M").start_time
    except ValueError:
        raise ConfigError(label, f"not a month: {value!r}", "write YYYY-MM or YYYY-MM-DD") from None


def _refit_command(config: dict) -> str:
    """The ``forecast fit`` command that re-creates a fit of ``config``."""
    parts = [f"forecast fit --model {config.get('model')}"]
    if config.get("target") not in (None, "launch_days"):
        parts.append(f"--target {config['target']}")
    for key in ("since", "until"):
        if config.get(key):
            parts.append(f"--{key} {config[key]}")
    if config.get("priors"):
        parts.append("[--priors FILE if you changed them]")
    parts.append("--out NEW_RUN")
    return " ".join(parts)
