"""Figures of the observed data: the timeline, the history by year (stacked by class, with the
negotiation state beneath) and the last years month by month, yearly counts, sources,
exercises, and how often a month has 0, 1, 2, ... counts (against predictive draws)."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, MultipleLocator

from forecast.constants import STATES
from forecast.data.panel import CLASS_COLUMNS
from forecast.plots.style import (
    CLASS_GROUPS,
    STATE_COLORS,
    TARGET_LABELS,
    by_month,
    class_legend,
    literal,
    model_colors,
    month_axis,
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
        handles.append(Patch(color=color, label=class_legend(label)))
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


def history_by_year(panel: pd.DataFrame) -> pd.DataFrame:
    """Launch days per year by class group, all launch days, and the months in each state.

    Parameters
    ----------
    panel : DataFrame
        The monthly panel (:func:`forecast.data.monthly_panel`).

    Returns
    -------
    DataFrame
        One row per year: ``year``, ``months`` (months of the year in the panel), one column
        per group of :data:`~forecast.plots.style.CLASS_GROUPS` (days with at least one launch
        of the group), ``launch_days`` (days with any launch: a day with two classes counts
        once here, once per class above) and one column per state (months coded so).
    """
    rows = panel.assign(year=pd.to_datetime(panel["month"]).dt.year)
    groups = {
        label: sum(rows[CLASS_COLUMNS[c]] for c in classes)
        for label, (classes, _) in CLASS_GROUPS.items()
    }
    table = rows.assign(**groups).groupby("year")
    out = table[[*groups, "launch_days"]].sum()
    out.insert(0, "months", table.size())
    states = pd.crosstab(rows["year"], rows["state"].astype(str))
    for state in STATES:
        out[state] = states[state] if state in states else 0
    return out.reset_index()


def plot_history(panel: pd.DataFrame, axes=None):
    """Launch days per year stacked by weapon class, with the negotiation state per year beneath.

    One bar per year (readable at page width, unlike one bar per month since 1990): the bars
    stack the days with a launch of each class group, a black tick marks the days with any
    launch (a day with two classes is in two stacks), and the strip beneath shows how many
    months of the year were coded in each negotiation state.

    Parameters
    ----------
    panel : DataFrame
        The monthly panel (:func:`forecast.data.monthly_panel`).
    axes : pair of Axes, optional
        The bars' axes and the state strip's; a new wide figure if omitted.

    Returns
    -------
    Axes
        The bars' axes (``ax.figure`` to save).
    """
    table = history_by_year(panel)
    if axes is None:
        fig = plt.figure(figsize=(12, 5.6))
        grid = fig.add_gridspec(2, 1, height_ratios=[4.2, 1], hspace=0.08)
        ax = fig.add_subplot(grid[0])
        strip = fig.add_subplot(grid[1], sharex=ax)
    else:
        ax, strip = axes
    years = table["year"].to_numpy()
    bottom = np.zeros(len(table))
    handles = []
    for label, (_, color) in CLASS_GROUPS.items():
        heights = table[label].to_numpy(dtype=float)
        ax.bar(years, heights, bottom=bottom, width=0.8, color=color)
        handles.append(Patch(color=color, label=f"{class_legend(label)} launch days"))
        bottom += heights
    ticks = ax.scatter(
        years, table["launch_days"], marker="_", s=180, linewidths=2.2, color="black", zorder=3
    )
    ticks.set_label("Days with any launch")
    ax.set_ylabel("Launch days per year\n(days with >= 1 launch of the class)")
    ax.grid(axis="y", alpha=0.3)
    ax.tick_params(labelbottom=False)
    partial = table[table["months"] < 12]
    note = ""
    if len(partial):
        last = pd.Timestamp(panel["month"].iloc[-1])
        note = f" ({int(partial['year'].iloc[-1])}: to {last:%B})"
    first, final = int(years[0]), int(years[-1])
    ax.set_title(
        f"North Korean missile launch days per year by class, {first}-{final}{note}; "
        "negotiation state beneath"
    )
    ax.legend(handles=[*handles, ticks], loc="upper left", fontsize="small", ncol=2)
    low = np.zeros(len(table))
    for state in STATES:
        months = table[state].to_numpy(dtype=float)
        strip.bar(years, months, bottom=low, width=0.8, color=STATE_COLORS[state], lw=0)
        low += months
    strip.set_ylim(0, 12)
    strip.set_yticks([0, 6, 12])
    strip.set_ylabel("Months in\neach state", fontsize="small")
    strip.set_xlabel("Year")
    strip.set_xlim(first - 0.6, final + 0.6)
    strip.xaxis.set_major_locator(MultipleLocator(5))
    strip.xaxis.set_minor_locator(MultipleLocator(1))
    strip.legend(
        handles=state_legend_handles(),
        loc="upper left",
        bbox_to_anchor=(0, -0.55),
        ncol=len(STATES),
        fontsize="small",
        frameon=False,
    )
    return ax


def plot_recent_months(panel: pd.DataFrame, years: int = 3, ax: plt.Axes | None = None) -> plt.Axes:
    """Launch days per month by class over the last ``years`` years, shaded by state.

    Parameters
    ----------
    panel : DataFrame
        The monthly panel.
    years : int
        Years of months shown (the last ``12 * years`` months of the panel).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 3.6))
    recent = panel.tail(12 * years).reset_index(drop=True)
    shade_states(ax, recent)
    bottom = pd.Series(0, index=recent.index)
    handles = []
    for label, (classes, color) in CLASS_GROUPS.items():
        heights = sum(recent[CLASS_COLUMNS[c]] for c in classes)
        ax.bar(recent["month"], heights, bottom=bottom, width=25, color=color, align="edge")
        handles.append(Patch(color=color, label=class_legend(label)))
        bottom = bottom + heights
    first, last = pd.Timestamp(recent["month"].iloc[0]), pd.Timestamp(recent["month"].iloc[-1])
    ax.set_ylabel("Launch days per month")
    ax.set_title(
        f"The last {years} years month by month ({first:%b %Y} to {last:%b %Y}), by class; "
        "shaded by negotiation state"
    )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    month_axis(ax)
    ax.legend(
        handles=handles + state_legend_handles(),
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize="small",
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
    ax.legend(loc="best")
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
    ax.legend(loc="best")
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
    interval: float | None = 0.8,
    target: str = "launch_days",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Share of months with 0, 1, 2, ... counts: predictive draws against the data, log scale.

    Parameters
    ----------
    predictive : dict of str to xarray.DataArray or array-like
        Label -> simulated monthly counts with a ``month`` (or ``train_month``) dimension
        (other dimensions pooled, as in :func:`forecast.plots.plot_predictive_bands`), or an
        array of shape (draws, months) (``model.prior_predictive_counts``). A label that names
        a model is drawn in its colour (:func:`forecast.plots.style.model_colors`).
    observed : Series or dict of str to Series
        Observed monthly counts; several windows as label -> counts (e.g. the months since 1990
        and since 2005, when the models compared simulate different windows): the first is
        drawn as black dots, the others as open circles.
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
    colors = model_colors(predictive)  # a model's own colour; a fallback for other labels
    for label, draws in predictive.items():
        color = colors[label]
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
    windows = observed if isinstance(observed, dict) else {"Observed": observed}
    for i, (label, counts) in enumerate(windows.items()):
        clipped = np.minimum(np.asarray(counts), max_count).astype(int)
        seen = np.bincount(clipped, minlength=max_count + 1) / len(clipped)
        face = "black" if i == 0 else "none"  # the first window filled, the others open
        ax.plot(bins[seen > 0], seen[seen > 0], "o", color="black", mfc=face,
                ms=6 + 2 * i, label=literal(label))  # fmt: skip
    ax.set_yscale("log")
    ticks = bins[:: max(1, max_count // 10)]
    ax.set_xticks([*ticks, max_count], [*map(str, ticks), f">={max_count}"])
    unit = TARGET_LABELS.get(target, target)
    ax.set_xlabel(f"{unit} (count in one month)")
    ax.set_ylabel("Share of months (log scale)")
    band = "" if interval is None else f" (band: {interval:.0%} of simulated histories)"
    ax.set_title(f"How many months have 0, 1, 2, ... counts{band}")
    ax.grid(alpha=0.3)
    user_text(ax.legend(loc="best", fontsize="small").get_texts())  # the labels are the caller's
    return ax
