"""The daily model's building blocks: excitation kernels, day cells, launch days.

:class:`~forecast.models.daily.DailyExciting` puts these together (its module docstring gives
the model and why it has this shape); each piece here stands alone, on arrays or tensors:

- the *excitation kernels* (:data:`KERNEL_DAYS`, :func:`kernel_decays`): exponentially
  decaying sums of the past launch days, a fast one for the days right after a launch and a
  slow one for the next weeks. :func:`forecast.models.components.kernel_sums` computes them
  from observed days; :func:`excite` carries them forward while it simulates days.
- the *cells* (:func:`cell_codes`, :func:`cell_effects`): a day's negotiation state, whether
  it falls in the weeks after a change of state and whether an exercise is held, as one code,
  and the log rate ratio of each code.
- the *launch-day likelihood* (:func:`launch_logp`, :func:`launch_random`): a day holds a
  launch with probability ``1 - exp(-hazard)`` (the complementary log-log link).

The salvos (the missiles of a launch day) are a term of their own, shared with ``ar_level``'s
missile forecasts: :data:`forecast.models.components.SALVO_PRIORS`,
:func:`~forecast.models.components.salvo_parameters` and
:func:`~forecast.models.components.salvo_missiles`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytensor.tensor as pt

from forecast.constants import STATES

#: Time constants (days) of the excitation kernels: the days right after a launch, the weeks.
KERNEL_DAYS: tuple[float, ...] = (3.0, 10.0)

# The day's categorical covariates as one "cell" code: state x (after a change) x (exercise).
_CELL_STATE = np.repeat(np.arange(len(STATES)), 4)
_CELL_AFTER = np.tile(np.repeat([0.0, 1.0], 2), len(STATES))
_CELL_EXERCISE = np.tile([0.0, 1.0], 2 * len(STATES))


def kernel_decays() -> np.ndarray:
    """Per-day decay factor of each excitation kernel, ``exp(-1 / tau)``."""
    return np.exp(-1.0 / np.asarray(KERNEL_DAYS))


def cell_codes(state: np.ndarray, after: np.ndarray, exercise: np.ndarray) -> np.ndarray:
    """The cell code ``4 * state + 2 * after + exercise`` of each day."""
    return 4 * np.asarray(state) + 2 * np.asarray(after, dtype=int) + np.asarray(exercise)


def cell_effects(state, change, exercise):
    """The log rate ratio of each cell of :func:`cell_codes`.

    The state's effect, plus its change effect in the weeks after a change into it, plus the
    exercise effect on exercise days.

    Parameters
    ----------
    state, change : tensor or ndarray, shape (state,)
        Effect of each state, and its extra effect in the weeks after a change into it.
    exercise : tensor or float
        Effect of an exercise day.

    Returns
    -------
    tensor or ndarray, shape (4 * state,)
        Indexed by the cell codes.
    """
    return state[_CELL_STATE] + change[_CELL_STATE] * _CELL_AFTER + exercise * _CELL_EXERCISE


def launch_logp(value, hazard):
    """Log-probability of each day's launch indicator given its hazard (0 on padding days).

    A quiet day contributes ``-hazard``, a launch day ``log(1 - exp(-hazard))``; the latter
    is computed on the launch days only (a few in a hundred), which makes the likelihood of
    7,600 days about three times cheaper than evaluating both branches on every day.

    Parameters
    ----------
    value : tensor of int
        The launch indicators (0/1), (month, day of month).
    hazard : tensor
        Each day's launch hazard, of the same shape (0 on padding days).

    Returns
    -------
    tensor
        The log-probability of each day, of the same shape.
    """
    flat = hazard.reshape((-1,))
    launched = pt.flatnonzero(value.reshape((-1,)))
    logp = pt.set_subtensor((-flat)[launched], pt.log1mexp(-flat[launched]))
    return logp.reshape(hazard.shape)


def launch_random(hazard, rng=None, size=None):
    """Launch days (0/1) drawn given each day's hazard (the random draws of :func:`launch_logp`).

    Parameters
    ----------
    hazard : ndarray
        Each day's launch hazard.
    rng : numpy.random.Generator
        The random stream (PyMC passes it).
    size : tuple of int, optional
        Shape of the draws; ``None``: the shape of ``hazard``.

    Returns
    -------
    ndarray of int64
        1 on a launch day, 0 otherwise.
    """
    p = -np.expm1(-hazard)
    return (rng.random(size=size if size is not None else np.shape(p)) < p).astype(np.int64)


def excite(
    base: Iterator[np.ndarray],
    weights: np.ndarray,
    kernel: np.ndarray,
    rng: np.random.Generator,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Simulate launch days forward, day by day, feeding each day into the kernels.

    Parameters
    ----------
    base : iterable of ndarray, each (draw, days of the month)
        The log hazard of each day of each month without the excitation term, month by month.
    weights : ndarray, shape (draw, kernel)
        Excitation weights.
    kernel : ndarray, shape (draw, kernel) or (kernel,)
        The kernel sums on the first simulated day (:func:`forecast.models.components.kernel_sums`).
    rng : numpy.random.Generator
        The one random stream (one uniform per draw and day, in day order).

    Returns
    -------
    launches : list of ndarray of bool, each (draw, days)
        The simulated launch days of each month.
    expected : list of ndarray, each (draw,)
        The expected launch days of each month given the simulated path (the sum of the days'
        launch probabilities).
    """
    decays = kernel_decays()
    k = np.array(np.broadcast_to(kernel, weights.shape), dtype=float)
    launches, expected = [], []
    for month in base:
        n, days = month.shape
        hits = np.zeros((n, days), dtype=bool)
        total = np.zeros(n)
        for d in range(days):
            hazard = np.exp(month[:, d] + (weights * np.log1p(k)).sum(axis=1))
            p = -np.expm1(-hazard)
            hits[:, d] = rng.random(n) < p
            total += p
            k = decays * k + hits[:, d, None]
        launches.append(hits)
        expected.append(total)
    return launches, expected


__all__ = [
    "KERNEL_DAYS",
    "cell_codes",
    "cell_effects",
    "excite",
    "kernel_decays",
    "launch_logp",
    "launch_random",
]
