"""The one small base class every model shares.

A model is configured in ``__init__`` (priors, target, training window), builds its PyMC
graph from the monthly panel in :meth:`BaseModel.build`, samples in :meth:`BaseModel.fit`
(keeping the posterior, an ArviZ ``DataTree``, on the object), and simulates the future from
posterior draws in :meth:`BaseModel.simulate`. :meth:`BaseModel.save` writes a netCDF file
that :meth:`BaseModel.load` can rebuild the model from, with no other file needed.

Its parts live beside it: the panel rows a model keeps, its grid and its training window,
which :meth:`BaseModel.set_until` moves without recompiling (:mod:`forecast.models.window`);
the priors merged over a model's defaults (:mod:`forecast.models.priors`); the saved fit
and its provenance (:mod:`forecast.models.storage`).
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import ClassVar

import arviz_stats as az  # the statistics of ArviZ 1 without its plotting layer (0.6 s)
import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from forecast.catalog import MODELS, ModelEntry, Sampler, resolve_sampler
from forecast.constants import HDI_PROB, REFERENCE_STATE, STATES
from forecast.data.panel import TARGETS, month_periods
from forecast.errors import ConfigError
from forecast.models.diagnostics import Diagnostics, diagnose
from forecast.models.priors import merge_priors
from forecast.models.sampling import FORWARD_COMPILE, sample
from forecast.models.storage import ATTR, data_hash, load_fit, save_fit, stamp
from forecast.models.window import TrainingWindow, month_start
from forecast.noise import quiet
from forecast.present import listed


class BaseModel(TrainingWindow):
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
    #: The registered model this one leaves terms out of (an ablation variant, the default's
    #: lean form; :func:`forecast.models.components.without_terms`), or None.
    full_form: ClassVar[str | None] = None
    #: Documented defaults; subclasses override.
    default_priors: ClassVar[dict] = {}
    #: Priors of terms a model adds for one target only (e.g. ``ar_level``'s salvo term when
    #: it forecasts missiles), merged over :attr:`default_priors` for that target; each names
    #: the parameter :meth:`summary` shows beside :attr:`summary_vars`.
    target_priors: ClassVar[dict[str, dict]] = {}
    #: Variables shown by :meth:`summary` and checked by the diagnostics.
    summary_vars: ClassVar[tuple[str, ...]] = ()
    #: Whether the model is fitted by MCMC (baselines that only count are not).
    uses_mcmc: ClassVar[bool] = True
    #: Sampler settings that suit this model's geometry, applied over every preset (settings
    #: a caller changes explicitly win).
    sampler_overrides: ClassVar[dict] = {}
    #: Settings that suit this model in one preset only, applied over
    #: :attr:`sampler_overrides` (``{"full": {"target_accept": 0.99}}``).
    preset_overrides: ClassVar[dict[str, dict]] = {}
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
        defaults = {**self.default_priors, **self.target_priors.get(target, {})}
        self.priors = merge_priors(defaults, priors, self.name)
        self.target = target
        self.since = month_start(since, "--since")
        self.until = month_start(until, "--until")
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

    @property
    def observed_target(self) -> str:
        """The panel column the likelihood's ``y`` observes (what LOO and posterior predictive
        checks compare): the target, unless the model reaches it through another count
        (``ar_level`` forecasting missiles observes launch days and their salvos)."""
        return self.target

    @property
    def reads_exercises(self) -> bool:
        """Whether the forecasts read the exercise days (a scenario's ``exercises``): not in a
        baseline that knows no covariates, nor in a model whose ``terms`` leave them out
        (``ar_level_lean``). A model without optional terms reads them when it reads the
        states (:attr:`forecast.catalog.ModelEntry.states`; the baselines read neither)."""
        terms = getattr(self, "terms", None)
        if terms is not None:
            return "exercise" in terms
        return self.reads_states

    @property
    def reads_states(self) -> bool:
        """Whether the forecasts read the negotiation state (a scenario's ``states`` or its
        transition-model paths): not in the naive baselines
        (:attr:`forecast.catalog.ModelEntry.states`)."""
        entry = MODELS.get(self.name)
        return entry is None or entry.states

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
        # here, not at the top: forecast.models imports this module, a cycle
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
            raise TypeError(f"clone() got unexpected {listed('setting', unknown)}")
        priors = copy.deepcopy(self.priors)
        if config["target"] != changes.get("target", config["target"]):
            # the old target's own terms (e.g. ar_level's salvos) do not exist for the new one
            for key in self.target_priors.get(config["target"], {}):
                priors.pop(key, None)
        config.update(changes)
        return type(self)(
            priors=priors,
            target=config["target"],
            since=config["since"],
            until=config["until"],
        )

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
        self._place_window(panel, keep_future)
        self.model = self._build()
        self.idata, self.diagnostics = None, None
        return self.model

    def _build(self) -> pm.Model:  # pragma: no cover - abstract
        raise NotImplementedError

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
        self._move_until(until)
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
            return pm.sample_prior_predictive(
                draws=draws, random_seed=random_seed, compile_kwargs=dict(FORWARD_COMPILE)
            )

    def prior_predictive_counts(self, prior: xr.DataTree, rng: np.random.Generator) -> np.ndarray:
        """The target's monthly counts in a prior predictive sample, shape (draw, month).

        By default the likelihood's ``y`` (summed over weapon classes); a model that reaches its
        target through another count simulates the rest from the prior draws (``ar_level``'s
        missiles: the launch days' salvos).

        Parameters
        ----------
        prior : xarray.DataTree
            :meth:`sample_prior_predictive`'s sample.
        rng : numpy.random.Generator
            For the simulated rest.
        """
        y = prior["prior_predictive"]["y"]
        if "weapon_class" in y.dims:
            y = y.sum("weapon_class")
        return y.values.reshape(-1, y.shape[-1])

    def suited_sampler(self, sampler: str | Sampler | dict | None = None, **changes) -> Sampler:
        """The settings this model samples with: the preset, then the model's
        :attr:`sampler_overrides` and its :attr:`preset_overrides` for that preset (nutpie
        only); settings in ``changes`` win over both.

        Parameters
        ----------
        sampler : str, Sampler or dict, optional
            As in :meth:`fit`.
        **changes
            Settings changed explicitly.

        Returns
        -------
        Sampler
        """
        settings = resolve_sampler(sampler, **changes)
        if settings.backend not in ("nutpie", "nutpie-jax"):
            return settings
        own = {**self.sampler_overrides, **self.preset_overrides.get(settings.preset, {})}
        return settings.replace(**{k: v for k, v in own.items() if changes.get(k) is None})

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
        settings = self.suited_sampler(sampler, **changes)
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
        stamp(self)
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

    def key_parameters(self, var_names: list[str] | None = None) -> tuple[list[str], dict]:
        """The parameters :meth:`summary` and the trace plots of notebook 03 show.

        Parameters
        ----------
        var_names : list of str, optional
            Names to show as given; by default (None or empty) the model's
            :attr:`summary_vars` and its target's own terms (``ar_level``'s salvos, named as
            their priors), except a term the model leaves out (constant zeros, e.g.
            ``ar_level_lean``'s exercise).

        Returns
        -------
        tuple
            The names, and the coordinates that leave out the reference state (fixed at 0, so
            its r-hat is undefined): ``{}`` when no name has a state dimension.
        """
        names = var_names or [*self.summary_vars, *self.target_priors.get(self.target, {})]
        post = self.posterior
        names = [n for n in names if var_names or float(post[n].std()) > 0]
        has_state = any("state" in post[n].dims for n in names)
        return names, ({"state": list(STATES[1:])} if has_state else {})

    def summary(self, var_names: list[str] | None = None, hdi_prob: float = HDI_PROB):
        """ArviZ summary table (mean, sd, HDI, MCSE, ESS, r-hat) of the key parameters
        (:meth:`key_parameters`)."""
        names, coords = self.key_parameters(var_names)
        post = self.posterior
        coords = coords or None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return az.summary(post, var_names=names, ci_prob=hdi_prob, ci_kind="hdi", coords=coords)

    def state_effects(self, hdi_prob: float = HDI_PROB) -> pd.DataFrame:
        """Rate ratio of each state against ``no_talks``: mean, HDI and P(ratio < 1).

        Returns
        -------
        DataFrame
            One row per state (and weapon class, for models that have them). The reference
            state's ratio is 1 by construction: its ``p_below_1`` is NaN (undefined), not 0.
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
                # the reference's effect is 0 in every draw: P(ratio < 1) is undefined there
                "p_below_1": (log_rr < 0)
                .mean(("chain", "draw"))
                .where((log_rr != 0).any(("chain", "draw")))
                .to_series(),
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
                pm.compute_log_likelihood(
                    self.idata,
                    model=self.model,
                    progressbar=False,
                    compile_kwargs=dict(FORWARD_COMPILE),
                )
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
                    compile_kwargs=dict(FORWARD_COMPILE),
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
        months = month_periods(future)
        expected = self.last_month + 1
        if len(months) == 0 or months[0] != expected or (np.diff(months.asi8) != 1).any():
            raise ConfigError(
                "future months",
                f"the simulation must run month by month from {expected} (got {months[:1]})",
                "start the scenario the month after the fitted data end",
            )
        if state_paths is None:
            unknown = sorted(set(future["state"]) - set(STATES))
            if unknown:
                raise ConfigError(
                    "future states", f"unknown {listed('state', unknown)}", f"use {STATES}"
                )
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
            class models add ``class_counts`` and their expected ``class_rate`` (draw,
            month, weapon_class) and ``nuclear_tests`` (draw, month).
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
        return save_fit(self, path)

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
        return load_fit(cls, path)
