"""Figures of a backtest: scores and skill by horizon, PIT histograms, interval coverage, and
state contrasts by training window."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from forecast.constants import STATES
from forecast.plots.style import MODEL_COLORS, STATE_COLORS, STATE_LABELS


def plot_scores_by_horizon(
    summary: pd.DataFrame, score: str = "crps", state_path: str = "persist", ax=None
) -> plt.Axes:
    """Mean score of each model by forecast horizon (lower is better).

    Parameters
    ----------
    summary : DataFrame
        ``BacktestResult.summary`` (columns model, state_path, horizon, score).
    score : str
        Score column (``crps``, ``log_score``, ``rps``, ``brier_any``).
    state_path : str
        ``persist`` (what a user could have forecast) or ``observed``.
    ax : Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    rows = summary[summary["state_path"] == state_path]
    for model, part in rows.groupby("model", sort=False):
        ax.plot(
            part["horizon"],
            part[score],
            marker="o",
            label=model,
            color=MODEL_COLORS.get(model),
        )
    ax.set_xlabel("Forecast horizon (months after the cutoff)")
    ax.set_ylabel(f"Mean {score.upper().replace('_', ' ')} (launch days; lower is better)")
    ax.set_title(f"Backtest scores by horizon ({state_path} state path)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_skill(
    table: pd.DataFrame,
    by: str = "band",
    models=None,
    ax=None,
    title: str | None = None,
    value: str = "crps_skill",
    ylabel: str | None = None,
) -> plt.Axes:
    """CRPS skill against the best naive baseline, with its bootstrap interval, per model.

    Parameters
    ----------
    table : DataFrame
        A summary table with ``model``, ``by``, ``value`` and optionally ``{value}_lo`` and
        ``{value}_hi`` (e.g. ``by_band``, ``by_era`` of
        :func:`forecast.evaluation.summary_tables`), one state path or era.
    by : str
        The column on the x axis (``band``, ``horizon``, ``era``).
    models : list of str, optional
        Models to show, in this order (default: all in the table).
    ax : Axes, optional
    title : str, optional
    value : str
        The column shown (e.g. ``gain`` of the evidence table).
    ylabel : str, optional
        The y label (default: that of the CRPS skill).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    models = list(dict.fromkeys(table["model"])) if models is None else list(models)
    groups = list(dict.fromkeys(table[by]))
    width = 0.8 / max(len(models), 1)
    for j, model in enumerate(models):
        part = table[table["model"] == model].set_index(by).reindex(groups)
        x = np.arange(len(groups)) + (j - (len(models) - 1) / 2) * width
        skill = part[value].to_numpy(dtype=float)
        yerr = None
        if f"{value}_lo" in part:
            lo = part[f"{value}_lo"].to_numpy(dtype=float)
            hi = part[f"{value}_hi"].to_numpy(dtype=float)
            yerr = np.nan_to_num(np.vstack([skill - lo, hi - skill]))
        ax.errorbar(
            x, skill, yerr=yerr, fmt="o", capsize=3, color=MODEL_COLORS.get(model), label=model
        )
    ax.axhline(0.0, color="#333333", ls="--", lw=1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xticks(np.arange(len(groups)), [str(g) for g in groups])
    labels = {"band": "Horizon band (months after the cutoff)", "horizon": "Horizon (months)"}
    ax.set_xlabel(labels.get(by, by))
    ax.set_ylabel(
        ylabel or "CRPS skill vs the best naive baseline\n(0 = the baseline, higher is better)"
    )
    ax.set_title(title or "Skill with its 90% bootstrap interval over cutoffs")
    ax.grid(alpha=0.3, axis="y")
    # below the axes: inside, it covered some models' intervals (notebook 05, by era)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        fontsize="small",
        ncol=max(1, min(len(models), 3)),
        frameon=False,
    )
    return ax


def plot_pit(pit: pd.DataFrame, state_path: str = "persist", axes=None):
    """Non-randomised PIT histograms, one panel per model (flat = calibrated).

    Parameters
    ----------
    pit : DataFrame
        Output of :func:`forecast.evaluation.pit_table`.
    state_path : str
        Which state path to show.
    axes : array of Axes, optional
        One per model.

    Returns
    -------
    ndarray of Axes
    """
    rows = pit[pit["state_path"] == state_path]
    models = list(dict.fromkeys(rows["model"]))
    if axes is None:
        _, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, model in zip(axes, models, strict=True):
        part = rows[rows["model"] == model]
        width = part["bin_hi"] - part["bin_lo"]
        ax.bar(
            part["bin_lo"],
            part["density"],
            width=width,
            align="edge",
            color=MODEL_COLORS.get(model),
        )
        ax.axhline(1.0, color="#333333", ls="--", lw=1)
        ax.set_title(f"{model} (n={int(part['n'].iloc[0])})", fontsize="medium")
        ax.set_xlabel("PIT value")
    axes[0].set_ylabel("Density (1 = calibrated)")
    return axes


def plot_coverage(summary: pd.DataFrame, state_path: str = "persist", ax=None) -> plt.Axes:
    """Randomised-PIT coverage of the central 50/80/94% intervals against the nominal level.

    Parameters
    ----------
    summary : DataFrame
        ``BacktestResult.summary`` (``pit_cov_50``, ``pit_cov_80``, ``pit_cov_94``).
    state_path : str
    ax : Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    rows = summary[summary["state_path"] == state_path]
    levels = [c for c in ("pit_cov_50", "pit_cov_80", "pit_cov_94") if c in rows]
    nominal = [int(c.rsplit("_", 1)[1]) / 100 for c in levels]
    for model, part in rows.groupby("model", sort=False):
        ax.plot(
            nominal,
            [part[c].mean() for c in levels],
            marker="o",
            label=model,
            color=MODEL_COLORS.get(model),
        )
    ax.plot([0.4, 1.0], [0.4, 1.0], color="#333333", ls="--", lw=1, label="nominal")
    ax.set_xlabel("Nominal interval level")
    ax.set_ylabel("Share of randomised-PIT mass inside (all horizons)")
    ax.set_title(f"Calibration: randomised-PIT coverage ({state_path} state path)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_contrasts(table: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Rate ratio of each state against no talks, by first training month (94% HDI).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`forecast.evaluation.contrasts.contrasts_by_window`.
    ax : Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    windows = list(dict.fromkeys(table["since"]))
    states = [s for s in STATES if s != "no_talks"]
    width = 0.8 / len(states)
    for j, state in enumerate(states):
        part = table[table["state"] == state].set_index("since").reindex(windows)
        x = np.arange(len(windows)) + (j - (len(states) - 1) / 2) * width
        ax.errorbar(
            x,
            part["rate_ratio"],
            yerr=[part["rate_ratio"] - part["hdi_low"], part["hdi_high"] - part["rate_ratio"]],
            fmt="o",
            color=STATE_COLORS[state],
            markeredgecolor="#333333",
            ecolor="#555555",
            capsize=3,
            label=STATE_LABELS[state],
        )
    ax.axhline(1.0, color="#333333", ls="--", lw=1)
    ax.set_xticks(np.arange(len(windows)), [f"from {w}" for w in windows])
    ax.set_xlabel("First month of the training window (all fits end at the data's end)")
    ax.set_ylabel("Rate ratio vs no talks (94% HDI)")
    ax.set_title("State contrasts by training window")
    ax.legend(loc="best", fontsize="small")
    return ax
