"""Summaries of a backtest's scores: skill against the best naive baseline, calibration,
results by horizon band and era with bootstrap intervals, and the evidence for the state effect.

Every table is computed from the ``scores`` table of :func:`forecast.evaluation.backtest`
(one row per model, cutoff, state path and horizon); presentation (README, notebook 05, the
report, the CLI) renders these tables and recomputes nothing.

Skill
    ``1 - mean score(model) / mean score(best baseline)``, where the best baseline is the naive
    baseline with the lowest mean score in the same group (horizon or band, state path, era).
    Positive: better than every baseline; 0: the best baseline itself.
Bootstrap intervals
    Paired over cutoffs: resample the cutoffs, recompute both means on the same forecasts,
    and take the 5th and 95th percentiles of the skill (a 90 % interval). Forecasts from one
    cutoff share its errors, so cutoffs, not forecasts, are the unit; and forecasts from
    cutoffs less than a year apart share target months, so the cutoffs are resampled in
    moving blocks covering :data:`BLOCK_MONTHS` months (12 consecutive monthly cutoffs, 2 of
    cutoffs 6 months apart). Resampling single cutoffs would give intervals that are too
    narrow when cutoffs are monthly.
Calibration
    The randomised-PIT coverage of the central 50/80/94 % intervals (``pit_cov_*``, exactly
    the nominal level when calibrated); the closed-interval coverage (``coverage_*``) is kept
    as a secondary column.
Evidence for the state effect
    The same fits forecast along the states that really happened (``observed``) and along
    the state at the cutoff (``persist``): if knowing the states helps, the observed path
    scores better, most of all in the months after a real change of state.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.evaluation.combine import BANDS, band_of
from forecast.scores import SCORE_COLUMNS, pit_histogram

#: Eras of the by-era table, by cutoff (the Kim Jong Un era starts in 2012).
ERAS: dict[str, tuple[str | None, str | None]] = {
    "before 2012": (None, "2011-12"),
    "2012 on": ("2012-01", None),
}

#: Months of cutoffs in one block of the moving-block bootstrap.
BLOCK_MONTHS = 12

#: Horizons of the short skill table (README, notebook 05).
HEADLINE_HORIZONS = (1, 2, 3, 6, 12)


def _means(scores: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    pit = [c for c in scores.columns if c.startswith("pit_cov_")]
    closed = [c for c in scores.columns if c.startswith("covered_")]
    named = {"n": ("crps", "size")}
    named |= {s: (s, "mean") for s in SCORE_COLUMNS if s in scores}
    named |= {c: (c, "mean") for c in pit}
    named |= {c.replace("covered_", "coverage_"): (c, "mean") for c in closed}
    if "pit" in scores:
        named["pit_mean"] = ("pit", "mean")
    return scores.groupby(keys, observed=True).agg(**named).reset_index()


def skill(summary: pd.DataFrame, score: str = "crps", baselines=(), keys=None) -> pd.DataFrame:
    """Skill of every row against the best baseline in the same group.

    Parameters
    ----------
    summary : DataFrame
        Mean scores with columns ``model``, the grouping ``keys`` and ``score``.
    score : str
        A negatively oriented score column (e.g. ``crps``).
    baselines : sequence of str
        Baseline model names; those absent from ``summary`` are ignored.
    keys : list of str, optional
        Grouping (default: ``state_path`` and ``horizon``).

    Returns
    -------
    DataFrame
        Same index as ``summary``, columns ``{score}_skill`` and ``{score}_baseline`` (the
        best baseline's name); NaN where no baseline was scored or its mean score is 0.
    """
    keys = keys or ["state_path", "horizon"]
    base = summary[summary["model"].isin(list(baselines))]
    best = base.loc[base.groupby(keys)[score].idxmin(), [*keys, "model", score]]
    best = best.rename(columns={"model": "_base_model", score: "_base_score"})
    merged = summary[keys].merge(best, on=keys, how="left")
    denom = merged["_base_score"].where(merged["_base_score"] > 0)
    return pd.DataFrame(
        {
            f"{score}_skill": (1 - summary[score].to_numpy() / denom.to_numpy()),
            f"{score}_baseline": merged["_base_model"].to_numpy(),
        },
        index=summary.index,
    )


def summarise(scores: pd.DataFrame, baselines=()) -> pd.DataFrame:
    """Mean scores, skill and calibration by model, state path and horizon."""
    table = _means(scores, ["model", "state_path", "horizon"])
    for score in SCORE_COLUMNS:
        if score in table:
            table = table.join(skill(table, score, baselines))
    return table


def with_band(scores: pd.DataFrame) -> pd.DataFrame:
    """``scores`` with a ``band`` column (``1-3``, ``4-6``, ``7-12``)."""
    return scores.assign(band=scores["horizon"].map(band_of))


def with_era(scores: pd.DataFrame) -> pd.DataFrame:
    """``scores`` with an ``era`` column from each cutoff (see :data:`ERAS`)."""
    cutoff = pd.to_datetime(scores["cutoff"])
    era = pd.Series("", index=scores.index)
    for name, (lo, hi) in ERAS.items():
        inside = pd.Series(True, index=scores.index)
        if lo is not None:
            inside &= cutoff >= pd.Timestamp(lo)
        if hi is not None:
            inside &= cutoff <= pd.Timestamp(hi)
        era[inside] = name
    return scores.assign(era=era)


def bootstrap_skill(
    scores: pd.DataFrame,
    model: str,
    baseline: str,
    score: str = "crps",
    n_boot: int = 1000,
    seed: int = 1,
    level: float = 0.90,
) -> tuple[float, float]:
    """Paired bootstrap interval of ``model``'s skill against ``baseline`` over cutoffs.

    Parameters
    ----------
    scores : DataFrame
        Rows of one group (one state path, band or horizon, era) for both models.
    model, baseline : str
        Model names.
    score : str
        The score column.
    n_boot : int
        Resamples (0: no interval).
    seed : int
        Seed of the resampling.
    level : float
        Coverage of the interval.

    Returns
    -------
    lo, hi : float
        Percentiles of the resampled skill (NaN when ``n_boot`` is 0 or a model is missing).
    """
    paired = scores[scores["model"].isin([model, baseline])].pivot_table(
        index=["cutoff", "horizon"], columns="model", values=score, aggfunc="first"
    )
    if n_boot == 0 or model not in paired or baseline not in paired:
        return float("nan"), float("nan")
    paired = paired[[model, baseline]].dropna()
    by_cutoff = paired.groupby(level="cutoff").agg(["sum", "size"]).sort_index()
    sums_m = by_cutoff[(model, "sum")].to_numpy()
    sums_b = by_cutoff[(baseline, "sum")].to_numpy()
    sizes = by_cutoff[(model, "size")].to_numpy()
    rng = np.random.default_rng(seed)
    pick = _block_indices(pd.DatetimeIndex(by_cutoff.index), n_boot, rng)
    mean_m = sums_m[pick].sum(axis=1) / sizes[pick].sum(axis=1)
    mean_b = sums_b[pick].sum(axis=1) / sizes[pick].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = 1 - mean_m / mean_b
    # a resample where both are exact (0 / 0) has no skill to speak of: left out; one where only
    # the baseline is exact is the model's loss without bound (-inf), and stays
    draws = draws[~np.isnan(draws)]
    if not len(draws):
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore"):  # interpolating between two -inf gives NaN
        lo, hi = np.quantile(draws, [tail, 1 - tail])
    return (-np.inf if np.isnan(lo) else float(lo)), (-np.inf if np.isnan(hi) else float(hi))


def _block_indices(cutoffs: pd.DatetimeIndex, n_boot: int, rng) -> np.ndarray:
    """Moving-block bootstrap indices of sorted cutoffs, shape (n_boot, n)."""
    n = len(cutoffs)
    if n < 2:
        return np.zeros((n_boot, n), dtype=int)
    steps = np.diff(cutoffs.to_period("M").asi8)
    spacing = max(int(np.median(steps)), 1)
    block = int(min(max(1, round(BLOCK_MONTHS / spacing)), n))
    n_blocks = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(n_boot, n_blocks))
    picks = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)
    return picks[:, :n]


def grouped_skill(
    scores: pd.DataFrame,
    keys: list[str],
    baselines: Sequence[str],
    n_boot: int = 1000,
    seed: int = 1,
) -> pd.DataFrame:
    """Mean scores, calibration and CRPS skill with a bootstrap interval, per ``keys`` group."""
    table = _means(scores, ["model", *keys])
    for score in ("crps", "log_score", "brier_any", "interval_score"):
        if score in table:
            table = table.join(skill(table, score, baselines, keys=keys))
    lows, highs = [], []
    for row in table.itertuples(index=False):
        baseline = row.crps_baseline
        if not isinstance(baseline, str) or row.model == baseline:
            lows.append(np.nan)
            highs.append(np.nan)
            continue
        part = scores
        for key in keys:
            part = part[part[key] == getattr(row, key)]
        lo, hi = bootstrap_skill(part, row.model, baseline, "crps", n_boot, seed)
        lows.append(lo)
        highs.append(hi)
    return table.assign(crps_skill_lo=lows, crps_skill_hi=highs)


def evidence_table(scores: pd.DataFrame, n_boot: int = 1000, seed: int = 1) -> pd.DataFrame:
    """The other state paths against the held one, per model and band.

    ``observed`` vs ``persist`` asks whether knowing the states that came helps (the
    conditional claim); ``transition`` vs ``persist`` whether the unconditional forecast,
    integrating over the states the transition model expects, does at least as well.

    Returns
    -------
    DataFrame
        ``model, band, path, n, crps_persist, crps_path, gain`` (``1 - path / persist``:
        positive when the path improves on holding the state) with a paired bootstrap
        interval ``gain_lo, gain_hi`` over cutoffs.
    """
    banded = with_band(scores)
    rows = []
    for (model, band), part in banded.groupby(["model", "band"], sort=False):
        wide = part.pivot_table(
            index=["cutoff", "horizon"], columns="state_path", values="crps", aggfunc="first"
        )
        if "persist" not in wide:
            continue
        for path in ("observed", "transition"):
            if path not in wide or wide[[path, "persist"]].dropna().empty:
                continue  # no forecast along this path (a model that reads no state)
            rows.append({"model": model, "band": band, **path_gain(wide, path, n_boot, seed)})
    columns = ["model", "band", "path", "n", "crps_persist", "crps_path", "gain"]
    return pd.DataFrame(rows, columns=[*columns, "gain_lo", "gain_hi"])


def path_gain(wide: pd.DataFrame, path: str, n_boot: int, seed: int) -> dict:
    """One path against the state held, on paired forecasts.

    Parameters
    ----------
    wide : DataFrame
        CRPS by (cutoff, horizon) rows, one column per path, ``persist`` among them.
    path : str
        The column compared with ``persist``.
    n_boot, seed : int
        Block-bootstrap resamples over cutoffs, and their seed.

    Returns
    -------
    dict
        ``path, n, crps_persist, crps_path, gain`` (``1 - path / persist``) and its 90%
        interval ``gain_lo, gain_hi``.
    """
    pair = wide[[path, "persist"]].dropna()
    long = pair.stack().rename("crps").reset_index()
    long = long.rename(columns={long.columns[-2]: "model"})
    long["model"] = long["model"].astype(str)
    persist, along = pair["persist"].mean(), pair[path].mean()
    if not persist > 0:  # every forecast exact (CRPS 0): no gain to speak of, and no warning
        return {"path": path, "n": len(pair), "crps_persist": persist, "crps_path": along,
                "gain": np.nan, "gain_lo": np.nan, "gain_hi": np.nan}  # fmt: skip
    lo, hi = bootstrap_skill(long, path, "persist", "crps", n_boot, seed)
    return {
        "path": path,
        "n": len(pair),
        "crps_persist": persist,
        "crps_path": along,
        "gain": 1 - along / persist,
        "gain_lo": lo,
        "gain_hi": hi,
    }


def after_changes_table(scores: pd.DataFrame, n_boot: int = 1000, seed: int = 1) -> pd.DataFrame:
    """Forecasts of months after a real change of state (the observed state differs from the
    cutoff's): mean CRPS along the observed and the held path, per model, and the gain of the
    observed path with its paired block-bootstrap interval over cutoffs (:func:`path_gain`).

    Returns
    -------
    DataFrame
        ``model, n, crps_persist, crps_observed, gain, gain_lo, gain_hi`` over the forecasts
        whose target month's real state differs from the state at their cutoff.
    """
    columns = ["model", "n", "crps_persist", "crps_observed", "gain", "gain_lo", "gain_hi"]
    wide = scores.pivot_table(
        index=["model", "cutoff", "horizon"],
        columns="state_path",
        values=["crps", "state"],
        aggfunc="first",
    )
    if ("state", "observed") not in wide or ("state", "persist") not in wide:
        return pd.DataFrame(columns=columns)
    changed = wide[wide[("state", "observed")] != wide[("state", "persist")]]
    rows = []
    for model, part in changed.groupby(level="model"):
        crps = part["crps"][["observed", "persist"]].astype(float).droplevel("model")
        gain = path_gain(crps, "observed", n_boot, seed)
        rows.append(
            {
                "model": model,
                "n": gain["n"],
                "crps_persist": gain["crps_persist"],
                "crps_observed": gain["crps_path"],
                **{k: gain[k] for k in ("gain", "gain_lo", "gain_hi")},
            }
        )
    return pd.DataFrame(rows, columns=columns)


def headline_table(by_horizon: pd.DataFrame, state_path: str = "persist") -> pd.DataFrame:
    """CRPS skill at horizons 1, 2, 3, 6 and 12, one row per model (wide)."""
    part = by_horizon[
        (by_horizon["state_path"] == state_path) & by_horizon["horizon"].isin(HEADLINE_HORIZONS)
    ]
    return part.pivot_table(index="model", columns="horizon", values="crps_skill").reset_index()


def headline_skill(
    scores: pd.DataFrame,
    baselines: Sequence[str],
    horizons: Sequence[int] = HEADLINE_HORIZONS,
    n_boot: int = 1000,
    seed: int = 1,
) -> pd.DataFrame:
    """Mean scores and CRPS skill with a bootstrap interval at a few horizons (1, 2, 3, 6, 12),
    per model and state path: the long form of :func:`headline_table` with intervals."""
    part = scores[scores["horizon"].isin(list(horizons))]
    return grouped_skill(part, ["state_path", "horizon"], baselines, n_boot, seed)


def summary_tables(
    scores: pd.DataFrame, baselines: Sequence[str], bootstrap: int = 1000, seed: int = 1
) -> dict[str, pd.DataFrame]:
    """Every summary of a backtest's scores.

    Returns
    -------
    dict of str to DataFrame
        ``by_horizon`` (:func:`summarise`), ``by_band`` (per model, state path and band,
        with bootstrap skill intervals), ``by_era`` (the same per era, persist path),
        ``evidence`` (:func:`evidence_table`), ``after_changes``
        (:func:`after_changes_table`), ``headline`` (:func:`headline_skill`).
    """
    banded = with_band(scores)
    by_band = grouped_skill(banded, ["state_path", "band"], baselines, bootstrap, seed)
    persist = with_era(banded[banded["state_path"] == "persist"])
    by_era = grouped_skill(persist, ["era", "band"], baselines, bootstrap, seed)
    return {
        "by_horizon": summarise(scores, baselines),
        "by_band": by_band,
        "by_era": by_era,
        "evidence": evidence_table(scores, bootstrap, seed),
        "after_changes": after_changes_table(scores, bootstrap, seed),
        "headline": headline_skill(scores, baselines, n_boot=bootstrap, seed=seed),
    }


def pit_table(scores: pd.DataFrame, bins: int = 10, by=("model", "state_path")) -> pd.DataFrame:
    """Non-randomised PIT histograms of a backtest, one per group.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``bin_lo``, ``bin_hi``, ``freq``, ``density`` and ``n``.
    """
    frames = []
    for key, group in scores.groupby(list(by), observed=True):
        hist = pit_histogram(group["pit_lo"].to_numpy(), group["pit_hi"].to_numpy(), bins)
        key = key if isinstance(key, tuple) else (key,)
        frames.append(hist.assign(**dict(zip(by, key, strict=True)), n=len(group)))
    return pd.concat(frames, ignore_index=True)[[*by, "bin_lo", "bin_hi", "freq", "density", "n"]]


__all__ = [
    "BANDS",
    "ERAS",
    "HEADLINE_HORIZONS",
    "after_changes_table",
    "bootstrap_skill",
    "evidence_table",
    "grouped_skill",
    "headline_skill",
    "headline_table",
    "pit_table",
    "skill",
    "summarise",
    "summary_tables",
    "with_band",
    "with_era",
]
