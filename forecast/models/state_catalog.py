"""The models of the negotiation states by name, and the one the outlook uses.

Five models share one interface (:class:`forecast.models.state_model.StateModel`: fit on a
panel, ``simulate(months, draws, rng, fixed, conditions, start, source)``, ``to_dataset`` /
``from_dataset`` for a run's ``outlook.nc``, ``last_state``, ``last_month``,
``expected_dwell``):

``markov``
    :class:`~forecast.models.transitions.TransitionModel`, the Markov chain (every month
    since 1990 alike, prior stay 8 / move 0.5).
``shrunk``
    :class:`~forecast.models.chains.ShrunkChain`, the chain shrunk toward the pooled
    persistence of all states.
``discounted``
    :class:`~forecast.models.chains.DiscountedChain`, the chain with recent years weighted
    more, averaged over half-lives by their prequential likelihood.
``duration``
    :class:`~forecast.models.durations.DurationModel`, the semi-Markov model whose exit
    hazard depends on the months spent in the state.
``blind_mix``
    :class:`~forecast.models.chains.BlindMixChain`, the discounted chain averaged with equal
    weights with a state-blind chain (every state leaves at the pooled rate): a candidate of
    issue 23, measured by ``docs/evaluation/blind_mix.py``, not the default.

:data:`DEFAULT_TRANSITIONS` is the one :func:`forecast.runs.outlook_at` fits: the model with
the best Brier score on every state question of the strict question backtest (every month
2000-2024 as a cutoff, each model fitted on the months up to it;
:mod:`forecast.evaluation.strict_questions`, ``docs/evaluation/questions_models.csv``).
Skill against the strongest naive answer (the long-run base rate) of the discounted chain,
the plain chain, the shrunk chain and the duration model: a change within 3 months +2.1%,
-1.5%, -0.2%, -6.0%; within 6 months +3.7%, -1.2%, +0.1%, -3.4%; within 12 months +11.4%,
+5.7%, +4.3%, +9.3%; talks resuming within 6 months -1.6%, -9.9%, -4.8%, -7.9%; with the
count families answered along each model's paths, overall +8.3%, +6.1%, +6.6%, +6.2%. The
intervals are wide (300 monthly cutoffs, some 25 changes of state): the discounted chain beats
the plain chain by 3.6% to 7.5% on the state questions, the 90% intervals reaching just below
zero. (The discounted chain weighs its components state by state since 2026-12-04; before, one
set of weights for the whole chain gave +1.1%, +2.3%, +10.9% and -3.7%.)
"""

from __future__ import annotations

import xarray as xr

from forecast.errors import ConfigError, RunFileError
from forecast.models.chains import BlindMixChain, DiscountedChain, ShrunkChain
from forecast.models.durations import DurationModel
from forecast.models.transitions import TransitionModel

__all__ = [
    "DEFAULT_TRANSITIONS",
    "TRANSITION_MODELS",
    "transition_model",
    "transitions_from_dataset",
]

#: The state models by name.
TRANSITION_MODELS: dict[str, type] = {
    "markov": TransitionModel,
    "shrunk": ShrunkChain,
    "discounted": DiscountedChain,
    "duration": DurationModel,
    "blind_mix": BlindMixChain,
}

#: The state model of every run's outlook (:func:`forecast.runs.outlook_at`): the winner of
#: the question backtest on the state questions (``docs/evaluation/questions_models.csv``).
DEFAULT_TRANSITIONS = "discounted"


def transition_model(name: str = DEFAULT_TRANSITIONS, priors: dict | None = None, **kwargs):
    """A configured (unfitted) state model by name.

    Parameters
    ----------
    name : str
        A key of :data:`TRANSITION_MODELS`.
    priors : dict, optional
        Prior overrides of that model.
    **kwargs
        ``since``, ``until``, ``draws``, ``random_seed``.
    """
    if name not in TRANSITION_MODELS:
        raise ConfigError(
            "transitions",
            f"unknown state model {name!r}",
            f"use one of {sorted(TRANSITION_MODELS)}",
        )
    return TRANSITION_MODELS[name](priors, **kwargs)


def transitions_from_dataset(ds: xr.Dataset, source: str = "<dataset>"):
    """Rebuild whichever state model ``ds`` holds (``ds.attrs["model"]``)."""
    saved = ds.attrs.get("model")
    for cls in TRANSITION_MODELS.values():
        if cls.name == saved:
            return cls.from_dataset(ds, source)
    raise RunFileError(
        source,
        f"not a fit of a state model (model {saved!r})",
        "re-run the fit or refit (it writes outlook.nc)",
    )
