"""Priors of the count models: a user's overrides merged over a model's documented defaults.

Each model documents its priors in ``default_priors`` (a mapping of prior name to its
parameters, e.g. ``{"state_effect": {"sigma": 0.5}}``). :func:`merge_priors` lays a user's
overrides over them key by key, one level deep, and checks every value when the model is
configured, long before any sampling: an unknown prior or parameter, a prior that is not a
mapping, or a value that is not a finite number of plausible size (scales and shapes,
:data:`POSITIVE_PRIOR_PARAMS`, greater than 0) raises a :class:`~forecast.errors.ConfigError`.
"""

from __future__ import annotations

import copy

import numpy as np

from forecast.errors import ConfigError
from forecast.present import listed

#: Prior parameters that are scales or shapes (must be > 0); any other (``mu``) may be any
#: finite number. No prior parameter is sensible beyond this magnitude.
POSITIVE_PRIOR_PARAMS = ("sigma", "alpha", "beta")
MAX_PRIOR_MAGNITUDE = 1e6


def _check_prior_value(key: str, param: str, value, model: str) -> float:
    """A prior parameter as a finite float (positive for scales/shapes), else ConfigError."""
    where, path = f"priors of {model}", f"{key}.{param}"
    fix = (
        f"write a number for {key}.{param}"
        + (" greater than 0 (it is a scale or shape)" if param in POSITIVE_PRIOR_PARAMS else "")
        + f", e.g. {key}: {{{param}: 0.5}}"
    )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(where, f"{key}.{param} is {value!r}, not a number", fix, key=path)
    if not np.isfinite(value) or abs(value) > MAX_PRIOR_MAGNITUDE:
        raise ConfigError(
            where,
            f"{key}.{param} is {value!r}, not a finite number of plausible size",
            fix,
            key=path,
        )
    if param in POSITIVE_PRIOR_PARAMS and value <= 0:
        raise ConfigError(
            where, f"{key}.{param} is {value!r}; it must be greater than 0", fix, key=path
        )
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
                key=str(key),
            )
        if not isinstance(value, dict):
            raise ConfigError(
                f"priors of {model}",
                f"prior {key!r} is {value!r}, not a mapping of its parameters",
                f"write e.g. {key}: {{{', '.join(f'{p}: {v}' for p, v in merged[key].items())}}}",
                key=str(key),
            )
        unknown = set(value) - set(merged[key])
        if unknown:
            raise ConfigError(
                f"priors of {model}",
                f"unknown {listed('parameter', sorted(unknown, key=str))} for prior {key!r}",
                f"use {sorted(merged[key])}",
                key=str(key),
            )
        merged[key].update(
            {param: _check_prior_value(key, param, v, model) for param, v in value.items()}
        )
    return merged
