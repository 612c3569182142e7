"""What can be fitted, and how: the registered models by name and the sampler presets.

This module is the one list of model names, their kinds and one-line descriptions, the
default model, and the sampler settings with their named presets (:data:`PRESETS`). It
imports nothing heavy, so the command line can list models, check ``--model``, ``--preset``
and the sampler options, and print its help without loading PyMC.
:data:`forecast.models.REGISTRY` maps the same names to the classes (a test keeps the two in
step; each class takes its description from here), and :mod:`forecast.models.sampling` draws
posteriors with these settings.

The presets
-----------
``full``
    Published fits: 4 chains x 1,000 draws, 500 tuning steps (what ``forecast fit`` and the
    report use).
``fast``
    Quick looks and FAST notebooks: 2 chains x 250 draws, 250 tuning steps.
``backtest``
    One fold of a rolling-origin backtest: 4 chains x 500 draws = 2,000 draws per fold, run
    one after another on one core (folds run side by side); enough that folds pass the
    diagnostics (4 chains give r-hat its power; 2 chains of 500 did not).

The tests add a ``mock`` preset and backend (prior draws, no MCMC) for plumbing, from their
own support module (``tests/doubles.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Integral

from forecast.errors import ConfigError
from forecast.present import listed


@dataclass(frozen=True)
class ModelEntry:
    """One registered model.

    Attributes
    ----------
    name : str
        The name every command and :func:`forecast.models.get_model` use.
    description : str
        One line for listings and help.
    mcmc : bool
        Fitted by MCMC (a Bayesian model) rather than by counting.
    states : bool
        Has a negotiation-state effect (state contrasts, scenarios that differ by state).
    ablation : bool
        A variant that leaves one term out, for the evaluation's ablation only.
    """

    name: str
    description: str
    mcmc: bool = True
    states: bool = False
    ablation: bool = False

    @property
    def baseline(self) -> bool:
        """A naive baseline of the evaluation (one of :data:`BASELINES`)."""
        return self.name in BASELINES

    @property
    def kind(self) -> str:
        """What the model is, in a few words."""
        kind = "Bayesian (MCMC)" if self.mcmc else "counting baseline"
        return kind + (", baseline" if self.baseline and self.mcmc else "")


#: The naive baselines of the evaluation: skill is measured against the best of them per
#: horizon band (in this order when they tie).
BASELINES: tuple[str, ...] = ("constant_rate", "recent_rate", "empirical_recent", "last_value")


#: The terms of the daily model that an ablation leaves out, one at a time
#: (:data:`forecast.models.daily.TERMS`, which a test keeps in step).
DAILY_TERMS: tuple[str, ...] = ("excitation", "season", "exercise", "state", "change")

#: The terms of the default model (``ar_level``) that an ablation leaves out, one at a time
#: (:data:`forecast.models.dynamic.AR_LEVEL_TERM_PRIORS`, which a test keeps in step).
AR_LEVEL_TERMS: tuple[str, ...] = ("state", "season", "exercise")

#: Lean forms: each leaves out some terms of a registered model together (those that showed no
#: gain when left out one at a time, ``make ablation``), so that the terms are also judged as a
#: group; :mod:`forecast.models.dynamic` builds ``ar_level_lean`` from its entry.
LEAN_FORMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ar_level_lean": ("ar_level", ("season", "exercise")),
    "daily_lean": ("daily_exciting", ("season", "exercise")),
}

#: Models of their own that differ from another by one component, scored like an ablation
#: variant: the model with the component and the component. ``state_rate`` is
#: ``class_hierarchical``'s structure (level, state, season, exercises) on the total instead of
#: one series per weapon class (``make ablation-class``); ``ar_level`` is ``ar_level_phased``
#: with its state shift arriving whole in the first month of the fit instead of phasing in
#: (``make ablation-phased``; both phase in the future changes of a forecast).
COMPONENT_PAIRS: dict[str, tuple[str, str]] = {
    "state_rate": ("class_hierarchical", "class"),
    "ar_level": ("ar_level_phased", "phase-in"),
}

#: Each ablation variant: the model it comes from and the term it leaves out.
ABLATION_OF: dict[str, tuple[str, str]] = {
    **{f"ar_level_no_{term}": ("ar_level", term) for term in AR_LEVEL_TERMS},
    **{f"daily_no_{term}": ("daily_exciting", term) for term in DAILY_TERMS},
}

#: Every registered model, in the order listings show them.
MODELS: dict[str, ModelEntry] = {
    entry.name: entry
    for entry in (
        ModelEntry(
            "ar_level",
            "Monthly AR(1) level around a level per leader era + state shift + season + "
            "exercises, fitted from 2005.",
            states=True,
        ),
        ModelEntry(
            "ar_level_lean",
            "ar_level without season and exercises (their joint ablation: make ablation).",
            states=True,
        ),
        ModelEntry(
            "ar_level_phased",
            "ar_level whose state shift phases in at the level's own pace (partial adjustment).",
            states=True,
        ),
        ModelEntry(
            "empirical_recent",
            "Baseline: the last 12 months' counts as the predictive distribution.",
            mcmc=False,
        ),
        ModelEntry(
            "last_value",
            "Baseline: the last month's count, as a point forecast.",
            mcmc=False,
        ),
        ModelEntry(
            "constant_rate",
            "Baseline: one negative-binomial rate over the training window.",
        ),
        ModelEntry(
            "recent_rate",
            "Baseline: negative binomial fitted to the last 24 months only.",
        ),
        ModelEntry(
            "state_rate",
            "Level random walk + negotiation-state effect + seasonality + exercises.",
            states=True,
        ),
        ModelEntry(
            "self_exciting",
            "state_rate plus self-excitation from the last six months' counts.",
            states=True,
        ),
        ModelEntry(
            "class_hierarchical",
            "Launch days by weapon class, pooled state effects; nuclear-test term.",
            states=True,
        ),
        ModelEntry(
            "daily_exciting",
            "Day by day: self-excitation, AR(1) level, state and the weeks after a change; "
            "salvo sizes.",
            states=True,
        ),
        ModelEntry(
            "daily_lean",
            "daily_exciting without season and exercises (their joint ablation).",
            states=True,
        ),
        *(
            ModelEntry(
                variant,
                f"Ablation: {full} without its {term} term.",
                states=term != "state",
                ablation=True,
            )
            for variant, (full, term) in ABLATION_OF.items()
        ),
    )
}

#: The model the evaluation ranks best (README, "Evaluation"): what ``default`` names in every
#: command that takes ``--model``/``--models``, the report and the scenario outlook.
DEFAULT_MODEL = "ar_level"


def resolve_name(name: str) -> str:
    """A registered model name, with ``default`` standing for :data:`DEFAULT_MODEL`."""
    return DEFAULT_MODEL if name == "default" else name


def check_name(name: str, option: str = "--model") -> str:
    """The registered name of ``name`` (``default`` resolved), or a ConfigError naming
    ``option``."""
    resolved = resolve_name(name)
    if resolved not in MODELS:
        raise ConfigError(
            option, f"unknown model {name!r}", f"use default or one of {', '.join(MODELS)}"
        )
    return resolved


def state_models() -> list[str]:
    """The registered models whose forecasts read the negotiation state, and so have state
    effects (:attr:`ModelEntry.states`): the ones a tool about state contrasts accepts."""
    return [name for name, entry in MODELS.items() if entry.states]


# --- sampler settings ----------------------------------------------------------------------

#: Inference backends :func:`sample` knows.
BACKENDS = ("nutpie", "nutpie-jax", "pymc", "numpyro")

#: Mass-matrix adaptations of nutpie.
ADAPTATIONS = ("low_rank", "diag")


@dataclass(frozen=True)
class Sampler:
    """Settings of one posterior sampling run.

    Attributes
    ----------
    draws, tune, chains : int
        Draws kept per chain, tuning steps per chain, number of chains.
    target_accept : float
        NUTS target acceptance rate.
    backend : str
        One of :data:`BACKENDS`: ``nutpie`` (numba, the default), ``nutpie-jax``, ``pymc``
        (PyMC's own NUTS, dense mass matrix) or ``numpyro`` (needs the ``bench`` extra).
    adaptation : str
        nutpie's mass-matrix adaptation (``low_rank`` or ``diag``).
    cores : int, optional
        Chains run in parallel (default: ``min(chains, cpu count)``).
    preset : str, optional
        The name of the preset these settings derive from (kept through :meth:`replace`), so
        a model can refine one preset (:attr:`forecast.models.base.BaseModel.preset_overrides`).
    """

    draws: int = 1000
    tune: int = 500
    chains: int = 4
    target_accept: float = 0.9
    backend: str = "nutpie"
    adaptation: str = "low_rank"
    cores: int | None = None
    preset: str | None = None

    def __post_init__(self) -> None:
        for name in ("draws", "chains"):
            value = getattr(self, name)
            if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
                raise ConfigError(
                    f"--{name}", f"{value!r} is not a whole number >= 1", "use 1 or more"
                )
        if not isinstance(self.tune, Integral) or isinstance(self.tune, bool) or self.tune < 0:
            raise ConfigError(
                "--tune", f"{self.tune!r} is not a whole number >= 0", "use 0 or more"
            )
        if not 0 < self.target_accept < 1:
            raise ConfigError(
                "--target-accept", f"{self.target_accept!r} is not in (0, 1)", "use e.g. 0.9"
            )
        if self.backend not in BACKENDS:
            raise ConfigError(
                "--sampler", f"unknown sampler {self.backend!r}", f"use one of {BACKENDS}"
            )
        if self.adaptation not in ADAPTATIONS:
            raise ConfigError(
                "adaptation", f"unknown adaptation {self.adaptation!r}", f"use one of {ADAPTATIONS}"
            )

    def replace(self, **changes) -> Sampler:
        """A copy with some settings changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict:
        """JSON-ready settings."""
        return dataclasses.asdict(self)

    @property
    def n_draws(self) -> int:
        """Posterior draws in total (``draws * chains``)."""
        return self.draws * self.chains


#: The named presets, defined once (see the module docstring).
PRESETS: dict[str, Sampler] = {
    "full": Sampler(draws=1000, tune=500, chains=4, preset="full"),
    "fast": Sampler(draws=250, tune=250, chains=2, preset="fast"),
    "backtest": Sampler(draws=500, tune=500, chains=4, cores=1, preset="backtest"),
}


def resolve_sampler(sampler: str | Sampler | dict | None = None, **changes) -> Sampler:
    """The :class:`Sampler` for a preset name, a Sampler, or a dict of settings.

    Parameters
    ----------
    sampler : str, Sampler or dict, optional
        A name of :data:`PRESETS` (default ``full``), a :class:`Sampler`, or settings
        (``{"draws": 500, ...}``) applied over ``full`` (they belong to no preset unless
        they name one: ``{"preset": "full", ...}``, as a run's stored settings do).
    **changes
        Settings to change (``None`` values are ignored), e.g. ``draws=200``.
    """
    if sampler is None:
        base = PRESETS["full"]
    elif isinstance(sampler, Sampler):
        base = sampler
    elif isinstance(sampler, str):
        if sampler not in PRESETS:
            raise ConfigError(
                "--preset", f"unknown sampler preset {sampler!r}", f"use one of {sorted(PRESETS)}"
            )
        base = PRESETS[sampler]
    elif isinstance(sampler, dict):
        known = {f.name for f in dataclasses.fields(Sampler)}
        unknown = sorted(set(sampler) - known)
        if unknown:
            raise ConfigError(
                "sampler", f"unknown {listed('setting', unknown)}", f"use {sorted(known)}"
            )
        # custom settings over ``full``'s: they belong to the preset they name, if any
        base = dataclasses.replace(PRESETS["full"].replace(**sampler), preset=sampler.get("preset"))
    else:
        raise ConfigError("sampler", f"not a sampler: {sampler!r}", "pass a preset name")
    return base.replace(**changes)


def preset_name(sampler: str | Sampler | dict) -> str:
    """The preset a fit's settings belong to.

    Parameters
    ----------
    sampler : str, Sampler or dict
        A preset's name, or settings (:func:`resolve_sampler`).

    Returns
    -------
    str
        The name given; or the preset a sampler's settings derive from when its draws,
        tuning steps and chains are still that preset's (a refit with the old settings);
        ``custom`` otherwise.
    """
    if isinstance(sampler, str):
        return sampler
    resolved = resolve_sampler(sampler)
    name = resolved.preset
    if name in PRESETS and all(
        getattr(resolved, k) == getattr(PRESETS[name], k) for k in ("draws", "tune", "chains")
    ):
        return name
    return "custom"


def check_window(since, until) -> None:
    """Refuse a training window whose ``--since`` comes after its ``--until``.

    The command line checks it before any work, a model when it is built.

    Parameters
    ----------
    since, until : str, Timestamp or None
        The first and last month asked for (None: not given, nothing to check).

    Raises
    ------
    ConfigError
        Naming both months, with the fix.
    """
    if since is None or until is None:
        return
    import pandas as pd  # the catalog loads nothing heavy until it is used

    first, last = pd.Period(pd.Timestamp(since), "M"), pd.Period(pd.Timestamp(until), "M")
    if first > last:
        raise ConfigError(
            "--since/--until", f"--since {first} is after --until {last}", "swap them"
        )
