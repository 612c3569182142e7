"""Figures of a forecast: the fan chart by scenario, totals over the horizon, event
probabilities, and the probability of each negotiation state by month. The numbers they draw
come from :mod:`forecast.summaries`."""

from __future__ import annotations

import textwrap

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from forecast.constants import STATES
from forecast.plots.style import (
    STATE_COLORS,
    STATE_LABELS,
    literal,
    month_axis,
    month_edges,
    scenario_colors,
    shade_states,
    state_legend_handles,
    user_fonts,
    user_text,
)
from forecast.present import chance, month_span
from forecast.summaries import modal_states, monthly, reference_scenario, totals


def _bands(ax, rows: pd.DataFrame, edges, color: str, alphas: tuple[float, float]) -> None:
    """The 80% and 50% bands of one scenario's monthly rows as filled stairs (``alphas``:
    the 80% band's opacity, then the 50% band's)."""
    for (low, high), alpha in zip((("q10", "q90"), ("q25", "q75")), alphas, strict=True):
        ax.stairs(
            rows[high].to_numpy(),
            edges,
            baseline=rows[low].to_numpy(),
            fill=True,
            color=color,
            alpha=alpha,
            lw=0,
        )


def plot_scenarios(
    forecast,
    history: pd.DataFrame,
    ax: plt.Axes | None = None,
    history_months: int = 36,
    observed: pd.DataFrame | None = None,
    bands: list[str] | None = None,
    today=None,
) -> plt.Axes:
    """Fan chart: observed months, then each scenario's mean and 50%/80% bands, as steps.

    The bands are :func:`forecast.summaries.monthly`'s quantiles (whole numbers: each is a
    simulated count), drawn month by month as steps (a month's band covers the month), so
    they do not suggest fractions of a launch day or a smooth path between months.

    Parameters
    ----------
    forecast : Forecast
        A forecast (:func:`forecast.scenarios.simulate_scenarios`).
    history : DataFrame
        Observed panel rows (``month``, ``state`` and the model's target).
    ax : Axes, optional
        Where to draw; a new figure with one state ribbon per scenario if omitted.
    history_months : int
        Observed months shown before the forecast.
    observed : DataFrame, optional
        The panel now available: the forecast months it observes are marked (black x), to
        read a forecast from the past against what happened.
    bands : list of str, optional
        The scenarios whose bands are drawn (default: the first, the reference of the
        comparisons, usually the state held); the others' means are dashed. Monthly bands of
        counts are whole numbers, much the same in every scenario: drawn over each other they
        would mix into colours no scenario has.
    today : date, optional
        Marked by a dotted line when it falls inside the forecast: the months left of it have
        passed (a forecast from the data's end, read later).

    Returns
    -------
    Axes
        The main axes (``ax.figure`` to save).
    """
    names, labels = forecast.scenarios, forecast.labels
    colors = scenario_colors(names)
    target = forecast.target
    ribbons = None
    if ax is None:
        fig = plt.figure(figsize=(12, 5.5 + 0.35 * len(names)))
        grid = fig.add_gridspec(
            1 + len(names), 1, height_ratios=[12] + [1] * len(names), hspace=0.15
        )
        ax = fig.add_subplot(grid[0])
        ribbons = [fig.add_subplot(grid[i + 1], sharex=ax) for i in range(len(names))]
    past = history.tail(history_months)
    shade_states(ax, past, alpha=0.5)
    ax.bar(past["month"], past[target], width=25, align="edge", color="#444444", label="Observed")
    months = forecast.months.to_timestamp()
    edges = month_edges(months)
    banded = names[:1] if bands is None else list(bands)
    table = monthly(forecast)
    for name in names:
        b = table[table["scenario"] == name]
        color = colors[name]
        if name in banded:
            _bands(ax, b, edges, color, (0.15, 0.3))
        ax.stairs(
            b["mean"].to_numpy(),
            edges,
            baseline=None,
            color=color,
            lw=2,
            ls="-" if name in banded else "--",
            label=literal(labels[name]),
        )
    if observed is not None:
        seen = observed[pd.to_datetime(observed["month"]).isin(months)]
        if len(seen):
            ax.scatter(
                pd.to_datetime(seen["month"]) + pd.Timedelta(days=14),
                seen[target],
                marker="x",
                s=60,
                color="black",
                zorder=5,
                label="What happened",
            )
    if today is not None and edges[0] < pd.Timestamp(today) < edges[-1]:
        day = pd.Timestamp(today)
        ax.axvline(day, color="black", ls=":", lw=1.5, label=f"Today ({day:%d %b %Y})")
    ax.set_xlim(past["month"].iloc[0], edges[-1])
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"{target.replace('_', ' ').capitalize()} per month")
    whose = (
        ""
        if set(banded) >= set(names)
        else " of " + ", ".join(f"'{labels[n]}'" for n in names if n in banded)
    )
    ax.set_title(literal(fan_title(months[0], whose)), wrap=True)
    user_text(ax.legend(loc="upper left", fontsize="small").get_texts())  # scenario labels
    ax.grid(axis="y", alpha=0.3)
    if ribbons is None:
        month_axis(ax)
        return ax
    codes = {s: i for i, s in enumerate(STATES)}
    cmap = ListedColormap([STATE_COLORS[s] for s in STATES])
    modal = modal_states(forecast)
    for rax, name in zip(ribbons, names, strict=True):
        state_path = modal[modal["scenario"] == name]["state"].to_numpy()
        rax.pcolormesh(
            mdates.date2num(list(edges)),
            [0, 1],
            np.array([[codes[s] for s in state_path]]),
            cmap=cmap,
            vmin=-0.5,
            vmax=len(STATES) - 0.5,
        )
        rax.set_yticks([])
        rax.set_ylabel(  # the scenario's short name, in words ("talks resume")
            literal(name.replace("_", " ")),
            rotation=0,
            ha="right",
            va="center",
            color=colors[name],
            fontsize="small",
        )
        user_text([rax.yaxis.label])
        rax.tick_params(labelbottom=False)
    month_axis(ribbons[-1])
    ribbons[-1].set_xlabel("Month (ribbons: each scenario's negotiation state)")
    ax.tick_params(labelbottom=False)
    legend = ax.legend(
        handles=ax.get_legend_handles_labels()[0] + state_legend_handles(),
        loc="upper left",
        fontsize="small",
        ncol=2,
    )
    user_text(legend.get_texts())
    return ax


def plot_totals(forecast, ax: plt.Axes | None = None) -> plt.Axes:
    """Total over the horizon per scenario: mean, 50% and 80% intervals
    (:func:`forecast.summaries.totals`).

    Parameters
    ----------
    forecast : Forecast
        A forecast (:func:`forecast.scenarios.simulate_scenarios`).
    ax : Axes, optional
    """
    names, labels = forecast.scenarios, forecast.labels
    colors = scenario_colors(names)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 1.2 + 0.6 * len(names)))
    table = totals(forecast).table.set_index("scenario")
    for i, name in enumerate(names):
        t = table.loc[name]
        ax.plot([t["q10"], t["q90"]], [i, i], color=colors[name], lw=2)
        ax.plot([t["q25"], t["q75"]], [i, i], color=colors[name], lw=7, solid_capstyle="butt")
        ax.scatter(t["mean"], i, s=60, color="white", edgecolor=colors[name], zorder=3)
    ax.tick_params(axis="y", labelfontfamily=user_fonts())  # the labels are the scenarios'
    ax.set_yticks(range(len(names)), [literal(labels[n]) for n in names])
    if not ax.yaxis_inverted():  # the first row on top, even on a shared axis
        ax.invert_yaxis()
    months = forecast.months
    target = forecast.target.replace("_", " ")
    ax.set_xlabel(f"Total {target} {month_span(months, short=True)} (mean, 50% and 80% intervals)")
    ax.set_title(f"Totals by scenario, {month_span(months, short=True)}")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_probabilities(table: pd.DataFrame, ax: plt.Axes | None = None, months=None) -> plt.Axes:
    """The probability table as an annotated heatmap (scenarios x events).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`forecast.summaries.probabilities`.
    ax : Axes, optional
    months : PeriodIndex, optional
        The forecast's months (``Forecast.months``), named in the title.
    """
    # imported here, not at the top: seaborn adds about 1.4 s to ``import forecast.plots``,
    # and only this figure needs it
    import seaborn as sns

    names = {
        "p_ge_1": "P(>= 1)",
        "p_ge_5": "P(>= 5)",
        "p_ge_10": "P(>= 10)",
        "p_ge_20": "P(>= 20)",
        "p_icbm": "P(ICBM launch)",
        "p_nuclear": "P(nuclear test)",
    }
    cols = [c for c in names if c in table]
    grid = table.set_index("label")[cols].rename(columns=names)
    grid.index = [literal(label) for label in grid.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * len(cols) + 4, 0.7 * len(grid) + 1.5))
    # fonts first: seaborn draws the figure inside heatmap() to check the labels' overlap
    ax.tick_params(axis="y", labelfontfamily=user_fonts())  # the labels are the scenarios'
    words = grid.map(chance)  # 99.6% is not "100%"
    sns.heatmap(grid, annot=words, fmt="", cmap="Reds", vmin=0, vmax=1, cbar=False, ax=ax)
    ax.set_ylabel("")
    ax.set_xlabel("Probability over the horizon (counts are launch days)")
    span = f", {month_span(months, short=True)}" if months is not None else ""
    ax.set_title(f"Event probabilities by scenario{span}")
    return ax


def state_chart_title(months) -> str:
    """The title of a chart of P(each negotiation state) by month (static and live)."""
    months = pd.to_datetime(pd.Series(months))
    return (
        f"Negotiation state by month, {months.iloc[0]:%b %Y} to {months.iloc[-1]:%b %Y}, "
        "from the transition model"
    )


def fan_title(first, whose: str = "") -> str:
    """The title of a fan chart of scenarios from month ``first`` (static and live);
    ``whose``: which scenarios' bands are drawn, when not all."""
    return (
        f"Forecast by scenario from {pd.Timestamp(first):%B %Y}: mean (line), 50% and 80% "
        f"bands{whose}; observed months shaded by negotiation state"
    )


def plot_state_probabilities(states: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """P(each negotiation state) per future month, stacked, in the state colours.

    Parameters
    ----------
    states : DataFrame
        ``month`` and one column per state (rows sum to 1), e.g. the ``states`` table of
        :func:`forecast.outlook.outlook_tables`.
    ax : Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    months = pd.to_datetime(states["month"])
    bottom = np.zeros(len(states))
    width = 25  # days
    for state in STATES:
        values = states[state].to_numpy(dtype=float)
        ax.bar(
            months,
            values,
            width=width,
            bottom=bottom,
            color=STATE_COLORS[state],
            edgecolor="#777777",
            linewidth=0.3,
            label=STATE_LABELS[state],
        )
        bottom += values
    ax.set_ylim(0, 1)
    ax.set_ylabel("Probability of the state (share of simulated paths)")
    ax.set_title(state_chart_title(months))
    month_axis(ax)
    ax.legend(fontsize="small", loc="lower left")
    return ax


#: Characters of a panel title's line in :func:`plot_scenario_panels` (a panel is 6 inches).
PANEL_TITLE_WIDTH = 60


def plot_scenario_panels(
    forecast,
    reference: str | None = None,
    columns: int = 2,
    axes=None,
):
    """Small multiples: one panel per scenario with its own 50%/80% bands, against the
    reference scenario's mean.

    The fan chart overlays every scenario's bands; here each band is drawn alone, in the
    scenario's colour, so it can be told apart, and the reference scenario's mean (its own
    colour, dashed) repeats in every panel. The reference's own panel comes first. The
    numbers are :func:`forecast.summaries.monthly`'s, drawn as steps (a band covers its month).

    Parameters
    ----------
    forecast : Forecast
        A forecast (:func:`forecast.scenarios.simulate_scenarios`).
    reference : str, optional
        The scenario repeated in every panel (default: ``persist`` when there is one, else
        the first scenario).
    columns : int
        Panels per row.
    axes : array of Axes, optional
        At least one per scenario (a new figure if omitted).

    Returns
    -------
    ndarray of Axes
        The panels (``axes.flat[0].figure`` to save).
    """
    names, labels = forecast.scenarios, forecast.labels
    if reference is None:
        reference = reference_scenario(names)
    if reference not in names:
        raise ValueError(f"no scenario {reference!r} in {names}")
    order = [reference, *(n for n in names if n != reference)]
    colors = scenario_colors(names)
    rows = -(-len(order) // columns)
    if axes is None:
        _, axes = plt.subplots(
            rows,
            columns,
            figsize=(6 * columns, 2.6 * rows + 0.9),
            sharex=True,
            sharey=True,
            squeeze=False,
        )
    axes = np.asarray(axes)
    months = forecast.months.to_timestamp()
    edges = month_edges(months)
    bands = monthly(forecast)
    ref = bands[bands["scenario"] == reference]
    target = forecast.target.replace("_", " ")
    for ax, name in zip(axes.flat, order, strict=False):
        b = bands[bands["scenario"] == name]
        color = colors[name]
        _bands(ax, b, edges, color, (0.2, 0.4))
        ax.stairs(b["mean"].to_numpy(), edges, baseline=None, color=color, lw=2, label="Mean")
        if name != reference:
            ax.stairs(
                ref["mean"].to_numpy(),
                edges,
                baseline=None,
                color=colors[reference],
                lw=1.6,
                ls="--",
                label="Reference's mean",
            )
        # a long label on two lines or more: on one it ran into the next panel's title
        title = textwrap.fill(labels[name], PANEL_TITLE_WIDTH)
        ax.set_title(literal(title), fontsize="medium", color=color)
        user_text([ax.title])
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        month_axis(ax)
        ax.set_xlabel("")
    for ax in axes.flat[len(order) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(f"{target.capitalize()}\nper month")
    for ax in axes.flat[max(0, len(order) - columns) : len(order)]:
        ax.set_xlabel("Month")
        ax.tick_params(labelbottom=True)
    fig = axes.flat[0].figure
    fig.suptitle(
        f"Each scenario's mean (line), 50% and 80% bands from {months[0]:%B %Y}; dashed: "
        f"'{literal(labels[reference])}' (the reference)",
        fontsize="medium",
    )
    user_text([fig._suptitle])
    fig.tight_layout()
    return axes
