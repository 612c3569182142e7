"""Proper scoring rules for forecasts given as predictive draws: the one place they live.

Every function takes the observed values ``obs`` (shape ``(n,)``) and the
predictive draws ``draws`` (shape ``(n, m)``: one row of ``m`` simulated values
per forecast) and returns one value per forecast. All scores are negatively
oriented: lower is better. The backtest, the question backtest, the ledger and the
answered questions all score through here; this module needs NumPy and pandas only, so
scoring a frozen forecast loads no modelling library.

Estimators, stated once
-----------------------
CRPS
    The exact CRPS of the *empirical* distribution of the draws, in its energy form
    ``E|X - y| - E|X - X'| / 2`` with ``1/m**2``, computed from the sorted draws in
    ``O(m log m)``. It is what ``scoringrules.crps_ensemble`` computes with its default
    estimator (``"qd"``, quantile decomposition; a test checks the two agree), without
    the library's numba kernels, which compile for seconds when it is imported. For
    integer draws it equals the ranked probability score :func:`rps` exactly. The
    ``"fair"`` estimator (divisor ``m (m - 1)``) would be unbiased for the CRPS of the
    model's true predictive distribution; the empirical one is larger by
    ``E|X - X'| / (2 m)``, under 0.1% of a typical score at the 1,000 draws of a
    backtest, and every model in a backtest is scored from the same number of draws.
log score
    ``-log p(y)`` from the draws' frequencies with add-``a`` smoothing
    (``a = 0.5``, Jeffreys / Krichevsky-Trofimov) over the support
    ``0 .. K + 1`` with ``K = max(max(draws), y)``::

        p(k) = (n_k + a) / (m + a (K + 2))

    so an observation outside every draw costs ``-log(a / (m + a (K + 2)))``
    instead of infinity. The support grows with ``y`` only when ``y`` exceeds
    every draw; the smoothing mass is then at most ``a (K + 2) / m`` (0.5% at
    1,000 draws and ``K = 8``), so the score is proper up to that smoothing.
RPS
    Ranked probability score for counts, ``sum_k (F(k) - 1{y <= k})**2`` over
    ``k = 0 .. max(max(draws), y)`` (beyond it both terms are 1); ``F`` is the
    empirical CDF of the draws.
Brier score of "at least one"
    ``(P(X >= 1) - 1{y >= 1})**2`` with ``P`` the share of draws >= 1.
Interval coverage (secondary)
    Central intervals from draw quantiles (NumPy's default linear
    interpolation, as in :func:`forecast.scenarios.monthly_summary`); covered
    if ``lo <= y <= hi``. For counts a closed integer interval covers a count
    more often than its nominal level by construction (any interval holding 0
    covers every zero month when P(0) >= 0.1), so this is kept only as a
    secondary column; calibration is read from the randomised PIT below.
Randomised-PIT coverage (the calibration measure)
    For a count forecast with CDF ``F`` the randomised PIT is uniform on
    ``[F(y - 1), F(y)]``; it is exactly uniform on [0, 1] when the forecast is
    calibrated. The coverage of the central ``w`` interval is the share of that
    PIT mass inside ``[(1 - w) / 2, (1 + w) / 2]`` (the whole mass, 0 or 1, when
    ``F(y - 1) = F(y)``), averaged over forecasts: exactly ``w`` when calibrated,
    below ``w`` when the forecasts are too narrow, above when too wide.
Interval score
    The interval score (Gneiting & Raftery 2007) of the central 80 % interval from the
    draw quantiles: its width plus ``2 / alpha`` times the distance by which ``y`` falls
    outside it.
non-randomised PIT (Czado, Gneiting & Held 2009, Biometrics 65:1254)
    Per forecast ``pit_lo = F(y - 1)``, ``pit_hi = F(y)`` from the empirical
    CDF (no smoothing), and :func:`pit_histogram` averages the piecewise-linear
    conditional PIT CDF ``F(u | y)`` over forecasts. A calibrated forecast gives
    a flat histogram; a U shape means too narrow, a hump too wide.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.constants import HDI_PROB

#: Widths of the central intervals whose coverage is recorded.
COVERAGE_WIDTHS: tuple[float, ...] = (0.50, 0.80, HDI_PROB)

#: Pseudo-count added to every support cell of the log score's pmf.
LOG_SCORE_SMOOTHING = 0.5

#: Score columns, all negatively oriented (lower is better).
SCORE_COLUMNS: tuple[str, ...] = ("crps", "log_score", "rps", "brier_any", "interval_score")

#: Width of the central interval of the interval score.
INTERVAL_SCORE_WIDTH = 0.80


def pit_coverage_column(width: float) -> str:
    """Column name of a randomised-PIT coverage, e.g. ``pit_cov_80`` for 0.80."""
    return f"pit_cov_{int(round(width * 100))}"


def coverage_column(width: float) -> str:
    """Column name of a coverage indicator, e.g. ``covered_94`` for 0.94."""
    return f"covered_{int(round(width * 100))}"


def _check(obs, draws) -> tuple[np.ndarray, np.ndarray]:
    obs = np.atleast_1d(np.asarray(obs))
    draws = np.asarray(draws)
    if draws.ndim == 1:
        draws = draws[None, :]
    if draws.ndim != 2 or draws.shape[0] != obs.shape[0] or draws.shape[1] == 0:
        raise ValueError(
            f"draws must have shape (n_forecasts, n_draws) with n_forecasts = {obs.shape[0]}; "
            f"got {draws.shape}"
        )
    if obs.ndim != 1:
        raise ValueError(f"obs must be one value per forecast; got shape {obs.shape}")
    return obs, draws


def _counts(obs, draws) -> tuple[np.ndarray, np.ndarray]:
    obs, draws = _check(obs, draws)
    if (obs < 0).any() or (draws < 0).any() or (obs != np.round(obs)).any():
        raise ValueError("counts must be non-negative integers")
    if (draws != np.round(draws)).any():
        raise ValueError("draws must be integer counts")
    return obs.astype(np.int64), draws.astype(np.int64)


def crps(obs, draws) -> np.ndarray:
    """Continuous ranked probability score of each forecast (lower is better).

    Parameters
    ----------
    obs : array_like, shape (n,)
        Observed values.
    draws : array_like, shape (n, m)
        Predictive draws, one row per forecast.

    Returns
    -------
    ndarray, shape (n,)
        The CRPS of the draws' empirical distribution (see the module docstring):
        ``mean |x_i - y| - sum_i (2 i - m - 1) x_(i) / m**2`` with ``x_(i)`` the sorted
        draws.
    """
    obs, draws = _check(obs, draws)
    x = np.sort(draws.astype(float), axis=1)
    m = x.shape[1]
    spread = ((2 * np.arange(1, m + 1) - m - 1) * x).sum(axis=1) / m**2
    return np.abs(x - obs.astype(float)[:, None]).mean(axis=1) - spread


def _mean_distance(x: np.ndarray, y: np.ndarray) -> float:
    """``mean |x_i - y_j|`` over all pairs of two 1-D samples (sorted ``y``, prefix sums)."""
    y = np.sort(y)
    prefix = np.concatenate([[0.0], np.cumsum(y)])
    k = np.searchsorted(y, x, side="right")
    below = x * k - prefix[k]
    above = (prefix[-1] - prefix[k]) - x * (len(y) - k)
    return float((below + above).sum() / (len(x) * len(y)))


def mixture_crps_terms(obs, draws_a, draws_b) -> pd.DataFrame:
    """The terms of the CRPS of every mixture of two forecasts, one row per forecast.

    The CRPS of the mixture ``w F_a + (1 - w) F_b`` of two empirical distributions is
    ``w e_a + (1 - w) e_b - (w**2 d_aa + (1 - w)**2 d_bb + 2 w (1 - w) d_ab) / 2`` with
    ``e = mean |x - y|`` and ``d = mean |x - x'|`` over all pairs (:func:`mixture_crps`); at
    ``w = 1`` and ``w = 0`` it is :func:`crps` of ``draws_a`` and ``draws_b``.

    Parameters
    ----------
    obs : array_like, shape (n,)
    draws_a, draws_b : array_like, shape (n, m_a) and (n, m_b)

    Returns
    -------
    DataFrame
        ``e_a, e_b, d_aa, d_bb, d_ab``.
    """
    obs, a = _check(obs, draws_a)
    _, b = _check(obs, draws_b)
    a, b, y = a.astype(float), b.astype(float), obs.astype(float)
    rows = []
    for k in range(len(y)):
        rows.append(
            {
                "e_a": float(np.abs(a[k] - y[k]).mean()),
                "e_b": float(np.abs(b[k] - y[k]).mean()),
                "d_aa": _mean_distance(a[k], a[k]),
                "d_bb": _mean_distance(b[k], b[k]),
                "d_ab": _mean_distance(a[k], b[k]),
            }
        )
    return pd.DataFrame(rows, columns=["e_a", "e_b", "d_aa", "d_bb", "d_ab"])


def mixture_crps(terms: pd.DataFrame, weight) -> np.ndarray:
    """CRPS of the mixture ``weight F_a + (1 - weight) F_b`` from :func:`mixture_crps_terms`
    (``weight`` a number or one per row)."""
    w = np.asarray(weight, dtype=float)
    spread = w**2 * terms["d_aa"] + (1 - w) ** 2 * terms["d_bb"] + 2 * w * (1 - w) * terms["d_ab"]
    return np.asarray(w * terms["e_a"] + (1 - w) * terms["e_b"] - spread / 2, dtype=float)


def log_score(obs, draws, smoothing: float = LOG_SCORE_SMOOTHING) -> np.ndarray:
    """Negative log predictive probability of each observed count (lower is better).

    Parameters
    ----------
    obs : array_like of int, shape (n,)
        Observed counts.
    draws : array_like of int, shape (n, m)
        Predictive draws of counts.
    smoothing : float
        Pseudo-count ``a`` added to each cell of the support ``0 .. K + 1``,
        ``K = max(max(draws), y)``; must be positive.

    Returns
    -------
    ndarray, shape (n,)
        ``-log((n_y + a) / (m + a (K + 2)))`` in nats.
    """
    if smoothing <= 0:
        raise ValueError(f"smoothing must be positive, got {smoothing}")
    obs, draws = _counts(obs, draws)
    m = draws.shape[1]
    hits = (draws == obs[:, None]).sum(axis=1)
    cells = np.maximum(draws.max(axis=1), obs) + 2
    return -np.log((hits + smoothing) / (m + smoothing * cells))


def rps(obs, draws) -> np.ndarray:
    """Ranked probability score of count forecasts (lower is better).

    Parameters
    ----------
    obs : array_like of int, shape (n,)
        Observed counts.
    draws : array_like of int, shape (n, m)
        Predictive draws of counts.

    Returns
    -------
    ndarray, shape (n,)
        ``sum_{k=0}^{K} (F(k) - 1{y <= k})**2`` with ``F`` the draws' empirical
        CDF and ``K = max(max(draws), y)``.
    """
    obs, draws = _counts(obs, draws)
    out = np.empty(len(obs))
    for i, (y, row) in enumerate(zip(obs, np.sort(draws, axis=1), strict=True)):
        support = np.arange(max(row[-1], y) + 1)
        cdf = np.searchsorted(row, support, side="right") / row.size
        out[i] = ((cdf - (y <= support)) ** 2).sum()
    return out


def brier_any(obs, draws) -> np.ndarray:
    """Brier score of the event "at least one" (lower is better).

    Parameters
    ----------
    obs : array_like, shape (n,)
        Observed counts.
    draws : array_like, shape (n, m)
        Predictive draws.

    Returns
    -------
    ndarray, shape (n,)
        ``(P(X >= 1) - 1{y >= 1})**2``.
    """
    obs, draws = _check(obs, draws)
    p_any = (draws >= 1).mean(axis=1)
    return (p_any - (obs >= 1)) ** 2


def interval_coverage(
    obs, draws, widths: tuple[float, ...] = COVERAGE_WIDTHS
) -> dict[str, np.ndarray]:
    """Whether each observation falls inside the central predictive intervals.

    Parameters
    ----------
    obs : array_like, shape (n,)
        Observed values.
    draws : array_like, shape (n, m)
        Predictive draws.
    widths : tuple of float
        Interval widths in (0, 1).

    Returns
    -------
    dict of str to ndarray of bool
        ``{"covered_50": ..., ...}``; covered if ``lo <= y <= hi`` with ``lo``,
        ``hi`` the ``(1 -+ width) / 2`` quantiles of the draws (linear
        interpolation).
    """
    obs, draws = _check(obs, draws)
    out = {}
    for width in widths:
        if not 0 < width < 1:
            raise ValueError(f"interval widths must be in (0, 1), got {width}")
        lo, hi = np.quantile(draws, [(1 - width) / 2, (1 + width) / 2], axis=1)
        out[coverage_column(width)] = (lo <= obs) & (obs <= hi)
    return out


def pit_bounds(obs, draws) -> tuple[np.ndarray, np.ndarray]:
    """Non-randomised PIT bounds ``F(y - 1)`` and ``F(y)`` of count forecasts.

    Parameters
    ----------
    obs : array_like of int, shape (n,)
        Observed counts.
    draws : array_like of int, shape (n, m)
        Predictive draws of counts.

    Returns
    -------
    pit_lo, pit_hi : ndarray, shape (n,)
        Share of draws below ``y`` and at most ``y`` (the empirical CDF).
    """
    obs, draws = _counts(obs, draws)
    lo = (draws < obs[:, None]).mean(axis=1)
    hi = (draws <= obs[:, None]).mean(axis=1)
    return lo, hi


def pit_coverage(pit_lo, pit_hi, width: float) -> np.ndarray:
    """Share of each forecast's randomised-PIT mass inside the central ``width`` interval.

    Parameters
    ----------
    pit_lo, pit_hi : array_like, shape (n,)
        ``F(y - 1)`` and ``F(y)`` of each forecast (:func:`pit_bounds`).
    width : float
        Width of the central interval, in (0, 1).

    Returns
    -------
    ndarray, shape (n,)
        ``|[F(y-1), F(y)] & [(1-w)/2, (1+w)/2]| / (F(y) - F(y-1))``, or 1/0 whether the
        point ``F(y)`` lies inside when the two bounds coincide. Its mean over calibrated
        forecasts is ``width``.
    """
    if not 0 < width < 1:
        raise ValueError(f"width must be in (0, 1), got {width}")
    lo = np.asarray(pit_lo, dtype=float)
    hi = np.asarray(pit_hi, dtype=float)
    a, b = (1 - width) / 2, (1 + width) / 2
    overlap = np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None)
    span = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(span > 0, overlap / span, ((lo >= a) & (lo <= b)).astype(float))
    return share


def interval_score(obs, draws, width: float = INTERVAL_SCORE_WIDTH) -> np.ndarray:
    """Interval score of the central ``width`` interval of each forecast (lower is better).

    Parameters
    ----------
    obs : array_like, shape (n,)
        Observed values.
    draws : array_like, shape (n, m)
        Predictive draws.
    width : float
        Nominal coverage of the interval (``alpha = 1 - width``).

    Returns
    -------
    ndarray, shape (n,)
        ``(hi - lo) + 2 / alpha * (max(lo - y, 0) + max(y - hi, 0))`` with ``lo``, ``hi``
        the ``(1 -+ width) / 2`` draw quantiles and ``alpha = 1 - width``.
    """
    obs, draws = _check(obs, draws)
    lo, hi = np.quantile(draws, [(1 - width) / 2, (1 + width) / 2], axis=1)
    y = obs.astype(float)
    alpha = 1 - width
    below, above = np.clip(lo - y, 0, None), np.clip(y - hi, 0, None)
    return (hi - lo) + (2 / alpha) * (below + above)


def pit_cdf(u, pit_lo, pit_hi) -> np.ndarray:
    """Mean over forecasts of the conditional PIT CDF ``F(u | y)`` (Czado et al. 2009).

    ``F(u | y)`` is 0 for ``u <= F(y - 1)``, rises linearly to 1 at
    ``u = F(y)`` and is 1 above (and at ``u = 1``).

    Parameters
    ----------
    u : array_like
        Points in [0, 1].
    pit_lo, pit_hi : array_like, shape (n,)
        ``F(y - 1)`` and ``F(y)`` of each forecast.

    Returns
    -------
    ndarray
        Same shape as ``u``.
    """
    u = np.asarray(u, dtype=float)
    lo = np.asarray(pit_lo, dtype=float)[:, None]
    hi = np.asarray(pit_hi, dtype=float)[:, None]
    flat = u.reshape(1, -1)
    width = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        ramp = np.where(width > 0, (flat - lo) / width, 1.0)
    value = np.where(flat <= lo, 0.0, np.clip(ramp, 0.0, 1.0))
    value = np.where(flat >= 1.0, 1.0, value)
    return value.mean(axis=0).reshape(u.shape)


def pit_histogram(pit_lo, pit_hi, bins: int = 10) -> pd.DataFrame:
    """Non-randomised PIT histogram of count forecasts (Czado, Gneiting & Held 2009).

    Bin ``j`` holds ``Fbar(j / J) - Fbar((j - 1) / J)``, where ``Fbar`` is the
    mean over forecasts of the piecewise-linear ``F(u | y)`` (:func:`pit_cdf`).
    A point mass at a bin edge falls in the bin to its left (at 0: the first bin).

    Parameters
    ----------
    pit_lo, pit_hi : array_like, shape (n,)
        ``F(y - 1)`` and ``F(y)`` of each forecast (:func:`pit_bounds`).
    bins : int
        Number of equal bins ``J``.

    Returns
    -------
    DataFrame
        One row per bin: ``bin_lo``, ``bin_hi``, ``freq`` (sums to 1) and
        ``density`` (``freq * J``; 1 everywhere when calibrated), with the number
        of forecasts in ``attrs["n"]``.
    """
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    lo = np.asarray(pit_lo, dtype=float)
    hi = np.asarray(pit_hi, dtype=float)
    if lo.shape != hi.shape or lo.ndim != 1 or lo.size == 0:
        raise ValueError("pit_lo and pit_hi must be equally long, non-empty 1-d arrays")
    if ((lo < 0) | (hi > 1) | (lo > hi)).any():
        raise ValueError("PIT bounds must satisfy 0 <= pit_lo <= pit_hi <= 1")
    edges = np.linspace(0.0, 1.0, bins + 1)
    freq = np.diff(pit_cdf(edges, lo, hi))
    table = pd.DataFrame(
        {"bin_lo": edges[:-1], "bin_hi": edges[1:], "freq": freq, "density": freq * bins}
    )
    table.attrs["n"] = int(lo.size)
    return table


def score_forecasts(
    obs, draws, widths: tuple[float, ...] = COVERAGE_WIDTHS
) -> dict[str, np.ndarray]:
    """Every score of every forecast.

    Parameters
    ----------
    obs : array_like of int, shape (n,)
        Observed counts.
    draws : array_like of int, shape (n, m)
        Predictive draws of counts, one row per forecast.
    widths : tuple of float
        Widths of the central intervals whose coverage is recorded.

    Returns
    -------
    dict of str to ndarray
        ``crps``, ``log_score``, ``rps``, ``brier_any``, ``interval_score``, ``pit``,
        ``pit_lo``, ``pit_hi``, ``pit_cov_<width>`` (randomised-PIT coverage),
        ``covered_<width>`` (closed-interval coverage), plus the forecast's ``pred_mean``
        and ``p_any`` (share of draws >= 1) for reference.
    """
    obs, draws = _counts(obs, draws)
    pit_lo, pit_hi = pit_bounds(obs, draws)
    return {
        "pred_mean": draws.mean(axis=1),
        "p_any": (draws >= 1).mean(axis=1),
        "crps": crps(obs, draws),
        "log_score": log_score(obs, draws),
        "rps": rps(obs, draws),
        "brier_any": brier_any(obs, draws),
        "interval_score": interval_score(obs, draws),
        "pit": (pit_lo + pit_hi) / 2,
        "pit_lo": pit_lo,
        "pit_hi": pit_hi,
        **{pit_coverage_column(w): pit_coverage(pit_lo, pit_hi, w) for w in widths},
        **interval_coverage(obs, draws, widths),
    }
