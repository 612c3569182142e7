"""State paths from a chain of negotiation states: fixed months, conditions, exact conditioning.

Every transition model of the package (:mod:`forecast.models.transitions`,
:mod:`forecast.models.chains`, :mod:`forecast.models.durations`) is, for simulation, a
first-order Markov chain on a *lattice* of augmented states: the four negotiation states
themselves for a Markov chain, or (state, months already spent in it) for a model whose exit
hazard depends on the time spent in a state (a duration-dependent model is a Markov chain
once the duration is part of the state: its "phases" are just more states). A
:class:`Lattice` says which negotiation state each augmented state shows, which augmented state
follows when the state is held one more month, and which one a path enters when it moves into
a state. The machinery below only ever sees transition matrices on the lattice, so fixed
months, conditions and the exact conditioning work for every model alike.

Step kinds
    Every simulated month is *free* (the chain), *hold* (the previous state carries on) or a
    *fixed* state (an analyst's step function). :func:`step_kinds` turns a ``fixed`` mapping
    into kinds; months up to its last key are fixed, the chain takes over after it.
Conditions
    ``{"state": s or [s, ...], "within": k, "probability": p}``: the share of paths that are
    in ``s`` in at least one of the first ``k`` months is set to ``p``. Conditioning is exact,
    not by rejection: the chain is augmented with one "event happened" flag per condition and
    a backward pass (a Doob h-transform) gives, for every posterior draw, the probability of
    each pattern of events and the conditional transition probabilities that produce paths
    with a given pattern. The target shares of the patterns are the ones closest to the
    model's (minimum relative entropy, by iterative proportional fitting), the number of paths
    per pattern is rounded to the draws (largest remainders), each pattern's posterior draws
    are resampled in proportion to how likely they make the pattern (Bayes' rule), and each
    path is drawn from the chain conditioned on its pattern.

Every random step takes a :class:`numpy.random.Generator`; the same seed gives the same paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.constants import STATES
from forecast.errors import ConfigError
from forecast.present import counted, listed

__all__ = [
    "FREE",
    "HOLD",
    "MAX_CONDITIONS",
    "N_STATES",
    "Lattice",
    "parse_conditions",
    "simulate_lattice",
    "state_index",
    "step_kinds",
    "to_month",
]

#: Number of negotiation states.
N_STATES = len(STATES)

#: Most conditions one simulation accepts (the augmented chain has 2**k flags).
MAX_CONDITIONS = 3

#: Step kinds: free (the chain), hold (copy the previous state), or a fixed state code >= 0.
FREE, HOLD = -1, -2


def to_month(value, source: str, key: str) -> pd.Period:
    """A month as a Period from ``YYYY-MM`` / ``YYYY-MM-DD`` strings, Periods or Timestamps."""
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year"):
        return pd.Timestamp(value).to_period("M")
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}(-\d{2})?$", value):
        try:
            return pd.Period(value[:7], "M")
        except ValueError:
            pass
    raise ConfigError(source, f"key '{key}': {value!r} is not a month", "write months as YYYY-MM")


def state_index(value, source: str, key: str) -> int:
    """Index of a state label (or of an int code) in :data:`STATES`."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if 0 <= int(value) < N_STATES:
            return int(value)
    elif isinstance(value, str) and value in STATES:
        return STATES.index(value)
    raise ConfigError(source, f"key '{key}': unknown state {value!r}", f"use one of {list(STATES)}")


@dataclass(frozen=True)
class Lattice:
    """The augmented states a chain moves on.

    Attributes
    ----------
    observed : ndarray of int, shape (A,)
        The negotiation state (code into :data:`STATES`) each augmented state shows.
    advance : ndarray of int, shape (A,)
        The augmented state after one more month in the same negotiation state.
    entry : ndarray of int, shape (4,)
        The augmented state of a path's first month in each negotiation state.
    """

    observed: np.ndarray
    advance: np.ndarray
    entry: np.ndarray

    @property
    def size(self) -> int:
        """Number of augmented states."""
        return len(self.observed)

    @classmethod
    def plain(cls) -> Lattice:
        """The lattice of a Markov chain: the four states themselves."""
        codes = np.arange(N_STATES)
        return cls(codes, codes.copy(), codes.copy())

    @classmethod
    def durations(cls, cap: int) -> Lattice:
        """(state, months in the state) for 1..``cap`` months; ``cap`` means ``cap`` or more.

        Augmented state ``s * cap + d - 1`` is month ``d`` of a spell in state ``s``.
        """
        d = np.tile(np.arange(cap), N_STATES)
        s = np.repeat(np.arange(N_STATES), cap)
        return cls(s, s * cap + np.minimum(d + 1, cap - 1), np.arange(N_STATES) * cap)

    def hold_matrix(self) -> np.ndarray:
        """The (A, A) 0/1 matrix of a held month."""
        m = np.zeros((self.size, self.size))
        m[np.arange(self.size), self.advance] = 1.0
        return m

    def fixed_matrix(self, state: int) -> np.ndarray:
        """The (A, A) 0/1 matrix of a month fixed to ``state``."""
        m = np.zeros((self.size, self.size))
        target = np.where(self.observed == state, self.advance, self.entry[state])
        m[np.arange(self.size), target] = 1.0
        return m


def step_kinds(fixed, first: pd.Period, months: int, gap: int, source: str) -> np.ndarray:
    """Kind of every simulated step (gap months first): FREE, HOLD or a fixed state code.

    Parameters
    ----------
    fixed : mapping or None
        ``{month: state}`` with ``YYYY-MM`` keys, or ints 1..months (forecast month numbers).
    first : Period
        First forecast month.
    months : int
        Forecast months.
    gap : int
        Months simulated (and dropped) between the fitted data and ``first``.
    source : str
        Named in errors.
    """
    kinds = np.full(gap + months, FREE, dtype=int)
    if not fixed:
        return kinds
    if not isinstance(fixed, Mapping):
        raise ConfigError(source, "key 'fixed' is not a mapping", "give {YYYY-MM: state, ...}")
    steps = {}
    for key, value in fixed.items():
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            offset = int(key) - 1
        else:
            offset = int(to_month(key, source, f"fixed.{key}").ordinal - first.ordinal)
        if not 0 <= offset < months:
            last = first + months - 1
            raise ConfigError(
                source,
                f"key 'fixed.{key}' is outside the forecast months {first}..{last}",
                "move the month inside the horizon, or lengthen the horizon",
            )
        steps[offset] = state_index(value, source, f"fixed.{key}")
    last_key = max(steps)
    current = HOLD
    for offset in range(last_key + 1):
        current = steps.get(offset, current)
        kinds[gap + offset] = current
    return kinds


def parse_conditions(conditions, months: int, source: str) -> list[tuple[np.ndarray, int, float]]:
    """Validate conditions into (target state mask, within, probability) tuples."""
    if conditions is None:
        return []
    if isinstance(conditions, Mapping):
        conditions = [conditions]
    if not isinstance(conditions, Sequence) or isinstance(conditions, str):
        raise ConfigError(source, "key 'conditions' is not a list", "give a list of mappings")
    if len(conditions) > MAX_CONDITIONS:
        raise ConfigError(
            source,
            f"{len(conditions)} conditions; at most {MAX_CONDITIONS} are supported",
            "combine or drop conditions",
        )
    out = []
    for k, cond in enumerate(conditions):
        key = f"conditions[{k}]"
        if not isinstance(cond, Mapping):
            raise ConfigError(source, f"key '{key}' is not a mapping", "give state, within, prob.")
        extra = sorted(set(cond) - {"state", "within", "probability"})
        missing = sorted({"state", "within", "probability"} - set(cond))
        if extra or missing:
            raise ConfigError(
                source,
                f"key '{key}': "
                + "; ".join(
                    words
                    for words, keys in (
                        (f"unknown {listed('key', extra)}", extra),
                        (f"missing {listed('key', missing)}", missing),
                    )
                    if keys
                ),
                "use exactly state, within, probability",
            )
        targets = cond["state"] if isinstance(cond["state"], (list, tuple)) else [cond["state"]]
        if not targets:
            raise ConfigError(source, f"key '{key}.state' is empty", "name at least one state")
        mask = np.zeros(N_STATES, dtype=bool)
        for target in targets:
            mask[state_index(target, source, f"{key}.state")] = True
        within = cond["within"]
        if isinstance(within, bool) or not isinstance(within, (int, np.integer)):
            raise ConfigError(
                source, f"key '{key}.within': {within!r} is not a number of months", "3"
            )
        if not 1 <= within <= months:
            raise ConfigError(
                source,
                f"key '{key}.within' = {within} is outside the horizon 1..{months}",
                "use a number of months inside the forecast horizon",
            )
        p = cond["probability"]
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ConfigError(
                source, f"key '{key}.probability' = {p!r} is not in [0, 1]", "e.g. 0.7"
            )
        out.append((mask, int(within), float(p)))
    return out


# --- the machinery -----------------------------------------------------------------------------


def _kernel(kind: int, matrices: np.ndarray, lattice: Lattice) -> np.ndarray:
    """Transition matrices (draw, from, to) of one step kind."""
    n = matrices.shape[0]
    if kind == FREE:
        return matrices
    one = lattice.hold_matrix() if kind == HOLD else lattice.fixed_matrix(kind)
    return np.broadcast_to(one, (n, *one.shape))


def _sample_rows(probs: np.ndarray, gen: np.random.Generator) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows need not be normalised)."""
    cum = np.cumsum(probs, axis=1)
    u = gen.random(len(probs)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1)


def _forward(matrices, lattice, kinds, a0, post, gen, begin: int = 0, paths=None) -> np.ndarray:
    """Forward-simulate steps ``begin..`` of the step kinds (augmented codes)."""
    n = len(post)
    if paths is None:
        paths = np.empty((n, len(kinds)), dtype=int)
    current = a0 if begin == 0 else paths[:, begin - 1]
    for t in range(begin, len(kinds)):
        kind = kinds[t]
        if kind == FREE:
            current = _sample_rows(matrices[post, current], gen)
        elif kind == HOLD:
            current = lattice.advance[current]
        else:
            current = np.where(
                lattice.observed[current] == kind, lattice.advance[current], lattice.entry[kind]
            )
        paths[:, t] = current
    return paths


def _flag_bits(conds, lattice: Lattice, kinds_len: int, gap: int) -> np.ndarray:
    """Event bits set by entering each augmented state at each step, shape (steps, A)."""
    bits = np.zeros((kinds_len, lattice.size), dtype=int)
    for j, (mask, within, _) in enumerate(conds):
        bits[gap : gap + within, mask[lattice.observed]] |= 1 << j
    return bits


def _backward(matrices, lattice, kinds, bits, cell: int, n_flags: int, keep: bool):
    """h[t][d, a, f] = P(final flags == cell | state a and flags f after step t), t = 0..T.

    Returns the list of ``h`` for every step when ``keep``, else only ``h[0]``.
    """
    n, size = matrices.shape[0], lattice.size
    h = np.zeros((n, size, n_flags))
    h[:, :, cell] = 1.0
    out = [h]
    flags = np.arange(n_flags)
    states = np.arange(size)[None, :]
    for t in range(bits.shape[0] - 1, -1, -1):
        newf = flags[:, None] | bits[t][None, :]  # (F, A'): flags after entering A'
        gathered = h[:, states, newf]  # (D, F, A')
        h = np.einsum("dst,dft->dsf", _kernel(kinds[t], matrices, lattice), gathered)
        if keep:
            out.append(h)
    return out[::-1] if keep else h


def _ipf(model: np.ndarray, conds, source: str) -> np.ndarray:
    """Pattern shares closest to ``model`` (minimum KL) with the conditions' marginals."""
    target = model.copy()
    cells = np.arange(len(model))
    for _ in range(1000):
        for j, (_, within, p) in enumerate(conds):
            has = (cells >> j) & 1 == 1
            mass = target[has].sum()
            if (p > 0 and mass <= 0) or (p < 1 and mass >= 1):
                raise ConfigError(
                    source,
                    f"conditions[{j}] (probability {p} within {counted(within, 'month')}) "
                    "cannot hold together with the fixed months and the other conditions",
                    "check the fixed path, the windows and the probabilities",
                )
            target[has] *= p / mass if mass > 0 else 0.0
            target[~has] *= (1 - p) / (1 - mass) if mass < 1 else 0.0
        errors = [abs(target[(cells >> j) & 1 == 1].sum() - p) for j, (_, _, p) in enumerate(conds)]
        if max(errors) < 1e-12:
            return target / target.sum()
    raise ConfigError(
        source,
        "the conditions cannot all hold at their probabilities",
        "check that the events can happen together in the given windows",
    )


def _allocate(shares: np.ndarray, n: int) -> np.ndarray:
    """Integer counts summing to ``n`` closest to ``shares * n`` (largest remainders)."""
    raw = shares * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def _systematic(weights: np.ndarray, n: int, gen: np.random.Generator) -> np.ndarray:
    """``n`` indices drawn in proportion to ``weights`` (systematic resampling)."""
    cum = np.cumsum(weights / weights.sum())
    cum[-1] = 1.0
    return np.searchsorted(cum, (gen.random() + np.arange(n)) / n, side="right")


def _conditioned_paths(matrices, lattice, kinds, a0, gap, conds, n, gen, source):
    """Paths whose event patterns have the requested shares (see the module docstring)."""
    horizon = gap + max(within for _, within, _ in conds)
    bits = _flag_bits(conds, lattice, horizon, gap)
    n_cells = 1 << len(conds)
    q = np.stack(
        [
            _backward(matrices, lattice, kinds[:horizon], bits, c, n_cells, keep=False)[:, a0, 0]
            for c in range(n_cells)
        ],
        axis=1,
    )  # (draws, cells): P(pattern | transition matrix)
    counts = _allocate(_ipf(q.mean(axis=0), conds, source), n)
    paths = np.empty((n, len(kinds)), dtype=int)
    post = np.empty(n, dtype=int)
    row = 0
    states = np.arange(lattice.size)[None, :]
    for cell, count in enumerate(counts):
        if count == 0:
            continue
        chosen = _systematic(q[:, cell], count, gen)
        h = _backward(matrices[chosen], lattice, kinds[:horizon], bits, cell, n_cells, keep=True)
        state, flags = np.full(count, a0), np.zeros(count, dtype=int)
        local = np.arange(count)
        for t in range(horizon):
            step = _kernel(kinds[t], matrices[chosen], lattice)[local, state]  # (count, A')
            newf = flags[:, None] | bits[t][None, :]
            weight = step * h[t + 1][local[:, None], states, newf]
            state = _sample_rows(weight, gen)
            flags = newf[local, state]
            paths[row : row + count, t] = state
        sel = slice(row, row + count)
        post[sel] = chosen
        sub = paths[sel]
        _forward(matrices, lattice, kinds, np.full(count, a0), chosen, gen, horizon, sub)
        paths[sel] = sub
        row += count
    order = gen.permutation(n)
    return paths[order], post[order]


def simulate_lattice(
    matrices: np.ndarray,
    lattice: Lattice,
    kinds: np.ndarray,
    a0: int,
    gap: int,
    conds: list,
    n: int,
    gen: np.random.Generator,
    source: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate ``n`` augmented paths over the step ``kinds``, under the conditions.

    Parameters
    ----------
    matrices : ndarray, shape (draws, A, A)
        Posterior draws of the transition matrix on the lattice.
    lattice : Lattice
    kinds : ndarray of int
        Step kinds (:func:`step_kinds`), gap months first.
    a0 : int
        Augmented state of the month before the first step.
    gap : int
        Steps before the first forecast month (their flags are not set).
    conds : list
        Parsed conditions (:func:`parse_conditions`).
    n : int
        Paths.
    gen : Generator
    source : str
        Named in errors.

    Returns
    -------
    paths : ndarray of int, shape (n, steps)
        Augmented state codes (map them with ``lattice.observed``).
    post : ndarray of int, shape (n,)
        The posterior draw each path used.
    """
    if conds:
        return _conditioned_paths(matrices, lattice, kinds, a0, gap, conds, n, gen, source)
    post = np.arange(n) % matrices.shape[0]
    return _forward(matrices, lattice, kinds, np.full(n, a0), post, gen), post
