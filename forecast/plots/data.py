"""Figures of the observed data: the timeline, yearly counts, sources, exercises, and how
often a month has 0, 1, 2, ... counts (against predictive draws)."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from forecast.data.panel import CLASS_COLUMNS
from forecast.plots.style import (
    CLASS_GROUPS,
    TARGET_LABELS,
    by_month,
    literal,
    shade_states,
    state_legend_handles,
    user_text,
    year_axis,
)


def plot_timeline(panel: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Launch days per month by missile class, over the negotiation-state timeline.

    Parameters
    ----------
    panel : DataFrame
        The monthly panel (:func:`forecast.data.monthly_panel`).
    ax : Axes, optional
        Where to draw; a new wide figure if omitted.

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4.5))
    shade_states(ax, panel)
    bottom = pd.Series(0, index=panel.index)
    handles = []
    for label, (classes, color) in CLASS_GROUPS.items():
        heights = sum(panel[CLASS_COLUMNS[c]] for c in classes)
        ax.bar(panel["month"], heights, bottom=bottom, width=25, color=color, align="edge")
        handles.append(Patch(color=color, label=label))
        bottom = bottom + heights
    ax.set_ylabel("Launch days per month\n(days with >= 1 launch of the class)")
    ax.set_xlabel("Month")
    ax.xaxis.set_major_locator(mdates.YearLocator(5))
    ax.xaxis.set_minor_locator(mdates.YearLocator(1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_title("North Korean missile launch days by class, shaded by negotiation state")
    ax.legend(
        handles=handles + state_legend_handles(),
        loc="upper left",
        ncol=2,
        fontsize="small",
        frameon=True,
    )
    return ax


def plot_days_vs_missiles(summary: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Launch days and missiles per year, side by side (salvos inflate missile counts).

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`forecast.data.yearly_summary`.
    ax : Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4))
    years = summary["year"]
    ax.bar(years - 0.2, summary["launch_days"], width=0.4, label="Launch days", color="#4c72b0")
    ax.bar(years + 0.2, summary["missiles"], width=0.4, label="Missiles", color="#c44e52")
    ax.set_ylabel("Count per year")
    ax.set_title("Launch days vs missiles per year (CNS)")
    ax.legend()
    year_axis(ax)
    return ax


def plot_sources(summary: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """CNS launch days vs CSIS missile events per year: two scopes of "a launch".

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`forecast.data.yearly_summary`.
    ax : Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4))
    ax.plot(summary["year"], summary["launch_days"], marker="o", label="CNS launch days")
    ax.plot(
        summary["year"],
        summary["csis_missile_events"],
        marker="s",
        label="CSIS missile provocations (incl. cruise missiles, rockets)",
    )
    ax.set_ylabel("Events per year")
    ax.set_title("Coverage of the two sources")
    ax.legend()
    year_axis(ax)
    return ax


def plot_exercise_days(panel: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Days per month with a major US-ROK exercise under way, over the state shading.

    Parameters
    ----------
    panel : DataFrame
        The monthly panel.
    ax : Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 3.5))
    shade_states(ax, panel)
    ax.bar(panel["month"], panel["exercise_days"], width=25, align="edge", color="#55a868")
    ax.set_ylabel("Exercise days per month")
    ax.set_xlabel("Month")
    ax.xaxis.set_major_locator(mdates.YearLocator(5))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_title("Major US-ROK exercises (held, not suspended), shaded by negotiation state")
    ax.legend(handles=state_legend_handles(), loc="upper left", fontsize="small", ncol=4)
    return ax


def plot_count_distribution(
    predictive: dict,
    observed: pd.Series,
    max_count: int = 30,
    interval: float | None = 0.9,
    target: str = "launch_days",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Share of months with 0, 1, 2, ... counts: predictive draws against the data, log scale.

    Parameters
    ----------
    predictive : dict of str to xarray.DataArray
        Label -> simulated monthly counts with a ``month`` (or ``train_month``) dimension
        (other dimensions pooled, as in :func:`forecast.plots.plot_predictive_bands`).
    observed : Series
        Observed monthly counts.
    max_count : int
        Counts at or above this share the last bin, labelled ``>= max_count``.
    interval : float, optional
        Width of the band of the share across draws (each draw is one simulated
        history); ``None`` draws the pooled share only.
    target : str
        Panel column that was modelled (axis label).
    ax : Axes, optional

    Returns
    -------
    Axes
    """

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    bins = np.arange(max_count + 1)
    for (label, draws), color in zip(predictive.items(), plt.cm.tab10.colors, strict=False):
        draws = by_month(draws)
        pooled = [d for d in draws.dims if d != "month"]
        values = draws.stack(sample=pooled).transpose("sample", "month").values
        clipped = np.minimum(values, max_count).astype(int)
        shares = np.stack([np.bincount(row, minlength=max_count + 1) for row in clipped])
        shares = shares / clipped.shape[1]
        mean = shares.mean(axis=0)
        mean = np.where(mean > 0, mean, np.nan)  # log axis: leave never-simulated counts out
        ax.plot(bins, mean, "-", marker=".", color=color, label=literal(label))
        if interval is not None:
            tail = (1 - interval) / 2
            low, high = np.quantile(shares, [tail, 1 - tail], axis=0)
            ax.fill_between(bins, low, high, color=color, alpha=0.2, lw=0)
    clipped = np.minimum(np.asarray(observed), max_count).astype(int)
    seen = np.bincount(clipped, minlength=max_count + 1) / len(clipped)
    ax.plot(bins[seen > 0], seen[seen > 0], "o", color="black", label="Observed")
    ax.set_yscale("log")
    ticks = bins[:: max(1, max_count // 10)]
    ax.set_xticks([*ticks, max_count], [*map(str, ticks), f">={max_count}"])
    unit = TARGET_LABELS.get(target, target)
    ax.set_xlabel(f"{unit} (count in one month)")
    ax.set_ylabel("Share of months (log scale)")
    band = "" if interval is None else f" (band: {interval:.0%} of simulated histories)"
    ax.set_title(f"How many months have 0, 1, 2, ... counts{band}")
    ax.grid(alpha=0.3)
    user_text(ax.legend(fontsize="small").get_texts())  # the labels are the caller's
    return ax
