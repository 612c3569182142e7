"""Bayesian count models of launch frequency conditioned on negotiation state.

Every model shares :class:`~forecast.models.base.BaseModel`'s interface::

    model = get_model("state_rate", until="2019-10")
    model.build(panel)
    model.fit("fast", random_seed=1)   # or forecast.runs.fit_run for the whole lifecycle
    model.state_effects()           # rate ratios vs no_talks, 94% HDI
    model.save("runs/x/fit.nc"); BaseModel.load("runs/x/fit.nc")
    model.simulate(future, random_seed=1)
"""

from __future__ import annotations

from forecast.catalog import (
    DEFAULT_MODEL,
    PRESETS,
    Sampler,
    check_name,
    resolve_name,
    resolve_sampler,
)
from forecast.models.base import BaseModel
from forecast.models.count import ConstantRate, RecentRate, SelfExciting, StateRate
from forecast.models.daily import ABLATIONS as DAILY_ABLATIONS
from forecast.models.daily import DailyExciting, DailyLean
from forecast.models.diagnostics import (
    Diagnostics,
    PriorCheck,
    PriorSample,
    count_check,
    diagnose,
    prior_predictive_check,
    prior_predictive_sample,
)
from forecast.models.dynamic import ABLATIONS as AR_LEVEL_ABLATIONS
from forecast.models.dynamic import ARLevel, ARLevelLean, ARLevelPhased
from forecast.models.hierarchical import ClassHierarchical
from forecast.models.naive import EmpiricalRecent, LastValue

#: Registered models, by the name the CLI uses (the names, kinds and descriptions are those of
#: :data:`forecast.catalog.MODELS`, which a test keeps in step).
REGISTRY: dict[str, type[BaseModel]] = {
    cls.name: cls
    for cls in (
        ARLevel,
        ARLevelLean,
        ARLevelPhased,
        EmpiricalRecent,
        LastValue,
        ConstantRate,
        RecentRate,
        StateRate,
        SelfExciting,
        ClassHierarchical,
        DailyExciting,
        DailyLean,
        *AR_LEVEL_ABLATIONS.values(),
        *DAILY_ABLATIONS.values(),
    )
}


def get_model(name: str, **kwargs) -> BaseModel:
    """Instantiate a registered model by name (``default``: :data:`DEFAULT_MODEL`; kwargs
    go to its constructor)."""
    return REGISTRY[check_name(name)](**kwargs)


def load_model(path) -> BaseModel:
    """Load a saved fit (see :meth:`BaseModel.load`)."""
    return BaseModel.load(path)


__all__ = [
    "DEFAULT_MODEL",
    "PRESETS",
    "REGISTRY",
    "Sampler",
    "BaseModel",
    "Diagnostics",
    "count_check",
    "PriorCheck",
    "PriorSample",
    "diagnose",
    "get_model",
    "load_model",
    "prior_predictive_check",
    "prior_predictive_sample",
    "resolve_name",
    "resolve_sampler",
]
