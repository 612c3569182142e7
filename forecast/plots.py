"""Every figure of the workbench, with one state -> colour mapping.

Plot functions take data and an optional ``ax`` and return the axes; they never
call ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from forecast.constants import STATES
from forecast.data.panel import CLASS_COLUMNS

#: The one colour of each negotiation state, used by every figure.
STATE_COLORS: dict[str, str] = {
    "no_talks": "#d9d9d9",
    "stalled": "#fdd0a2",
    "active_talks": "#c7e9c0",
    "summitry": "#9ecae1",
}

#: Human labels of the states.
STATE_LABELS: dict[str, str] = {
    "no_talks": "No talks",
    "stalled": "Stalled",
    "active_talks": "Active talks",
    "summitry": "Summitry",
}

#: Colours of the missile-class groups in stacked bars.
CLASS_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "SRBM": (("SRBM",), "#4c72b0"),
    "MRBM/IRBM": (("MRBM", "IRBM"), "#dd8452"),
    "ICBM": (("ICBM",), "#c44e52"),
    "SLBM/SLV/other": (("SLBM", "SLV", "HGV", "unknown"), "#8172b3"),
}


def shade_states(ax: plt.Axes, panel: pd.DataFrame, alpha: float = 0.6) -> plt.Axes:
    """Shade the background of ``ax`` by the negotiation state of each month.

    Parameters
    ----------
    ax : Axes
        Axes with a date x-axis.
    panel : DataFrame
        Monthly panel with ``month`` and ``state`` columns.
    alpha : float
        Opacity of the shading.
    """
    months = panel["month"]
    runs = (panel["state"] != panel["state"].shift()).cumsum()
    for _, run in panel.groupby(runs):
        start = run["month"].iloc[0]
        end = run["month"].iloc[-1] + pd.offsets.MonthBegin(1)
        ax.axvspan(start, end, color=STATE_COLORS[run["state"].iloc[0]], alpha=alpha, lw=0)
    ax.set_xlim(months.iloc[0], months.iloc[-1] + pd.offsets.MonthBegin(1))
    return ax


def state_legend_handles() -> list[Patch]:
    """Legend patches for the four states, in the canonical order."""
    return [Patch(color=STATE_COLORS[s], label=STATE_LABELS[s]) for s in STATES]


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


def _year_axis(ax: plt.Axes) -> None:
    ax.set_xlabel("Year")
    ax.grid(axis="y", alpha=0.3)


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
    _year_axis(ax)
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
    _year_axis(ax)
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


def plot_state_effects(effects: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Rate ratio of each state against no talks, posterior mean and HDI, log scale.

    Parameters
    ----------
    effects : DataFrame
        Output of ``model.state_effects()`` (one row per state, or per weapon
        class and state).
    ax : Axes, optional
    """
    rows = effects[effects["state"] != "no_talks"].reset_index(drop=True)
    by_class = "weapon_class" in rows
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.2 + 0.45 * len(rows)))
    labels = []
    for i, row in rows.iterrows():
        color = STATE_COLORS[row["state"]]
        ax.plot([row["hdi_low"], row["hdi_high"]], [i, i], color="#555555", lw=2, zorder=1)
        ax.scatter(row["rate_ratio_mean"], i, s=90, color=color, edgecolor="#333333", zorder=2)
        label = STATE_LABELS[row["state"]]
        labels.append(f"{row['weapon_class']}: {label}" if by_class else label)
    ax.axvline(1.0, color="#333333", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    prob = int(round(100 * effects.attrs.get("hdi_prob", 0.94)))
    target = effects.attrs.get("target", "launch_days").replace("_", " ")
    ax.set_xlabel(f"Rate ratio of {target} vs no talks (mean and {prob}% HDI, log scale)")
    ax.set_title("Effect of the negotiation state on the monthly launch-day rate")
    ax.grid(axis="x", alpha=0.3, which="both")
    return ax


#: Axis label of each model target, per month.
TARGET_LABELS: dict[str, str] = {
    "launch_days": "Launch days per month",
    "missiles": "Missiles per month",
    "csis_missile_events": "CSIS missile events per month",
}


def _date_axis(ax: plt.Axes, label: str = "Month") -> None:
    ax.set_xlabel(label)
    ax.xaxis.set_major_locator(mdates.YearLocator(5))
    ax.xaxis.set_minor_locator(mdates.YearLocator(1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _by_month(draws):
    """Simulated counts with their month dimension named ``month``.

    The observed variable of a model (and so its prior and posterior predictive draws) runs
    over the training months, dim ``train_month``; the figures call it ``month``.
    """
    return draws.rename(train_month="month") if "train_month" in draws.dims else draws


def plot_predictive_bands(
    predictive,
    panel: pd.DataFrame,
    target: str = "launch_days",
    label: str = "Predictive",
    by_year: bool = False,
    log_scale: bool = False,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Prior or posterior predictive counts (50% and 90% bands) against the data, over time.

    Parameters
    ----------
    predictive : xarray.DataArray
        Simulated monthly counts with a ``month`` (or ``train_month``) dimension, e.g.
        ``idata["prior_predictive"]["y"]``; every other dimension (chain, draw) is
        pooled. Sum a ``weapon_class`` dimension out first.
    panel : DataFrame
        The months simulated (``model.training``): observed ``target`` and state shading.
    target : str
        Panel column that was modelled.
    label : str
        Legend label of the bands, e.g. ``"Prior predictive"``.
    by_year : bool
        Sum the months of each calendar year (each draw separately) and show
        yearly totals: smoother bands than single months of small counts.
    log_scale : bool
        Symmetric-log count axis (linear below 1), for wide prior predictives.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4.5))
    predictive = _by_month(predictive)
    months = pd.to_datetime(predictive["month"].values)
    observed = pd.Series(panel[target].to_numpy(), index=pd.to_datetime(panel["month"]))
    unit = TARGET_LABELS.get(target, target)
    if by_year:
        predictive = predictive.assign_coords(period=("month", months.year)).groupby("period").sum()
        observed = observed.groupby(observed.index.year).sum()
        starts = pd.to_datetime([f"{y}-01-01" for y in predictive["period"].values])
        edges = starts.append(pd.DatetimeIndex([starts[-1] + pd.DateOffset(years=1)]))
        obs_x = pd.to_datetime([f"{y}-07-01" for y in observed.index])
        unit = unit.replace("per month", "per year")
    else:
        predictive = predictive.rename(month="period")
        edges = months.append(pd.DatetimeIndex([months[-1] + pd.offsets.MonthBegin(1)]))
        obs_x = observed.index + pd.Timedelta(days=14)
    pooled = [d for d in predictive.dims if d != "period"]
    # inverted_cdf: each quantile is a simulated count (whole, nested bands), drawn as steps
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    q = predictive.quantile(levels, dim=pooled, method="inverted_cdf").values
    shade_states(ax, panel, alpha=0.45)
    color = "#4c72b0"
    ax.stairs(q[4], edges, baseline=q[0], fill=True, color=color, alpha=0.3, label=f"{label}, 90%")
    ax.stairs(q[3], edges, baseline=q[1], fill=True, color=color, alpha=0.5, label=f"{label}, 50%")
    ax.stairs(q[2], edges, color=color, lw=1.2, label=f"{label}, median")
    ax.plot(
        obs_x, observed.to_numpy(), "o", ms=3 if by_year else 2.5, color="black", label="Observed"
    )
    if log_scale:
        ax.set_yscale("symlog", linthresh=1)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(unit)
    _date_axis(ax, "Year" if by_year else "Month")
    ax.set_title(f"{label} vs observed {unit.lower()}")
    ax.legend(
        handles=[*ax.get_legend_handles_labels()[0], *state_legend_handles()],
        loc="upper left",
        ncol=2,
        fontsize="small",
    )
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
        (other dimensions pooled, as in :func:`plot_predictive_bands`).
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
        draws = _by_month(draws)
        pooled = [d for d in draws.dims if d != "month"]
        values = draws.stack(sample=pooled).transpose("sample", "month").values
        clipped = np.minimum(values, max_count).astype(int)
        shares = np.stack([np.bincount(row, minlength=max_count + 1) for row in clipped])
        shares = shares / clipped.shape[1]
        mean = shares.mean(axis=0)
        mean = np.where(mean > 0, mean, np.nan)  # log axis: leave never-simulated counts out
        ax.plot(bins, mean, "-", marker=".", color=color, label=label)
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
    ax.legend(fontsize="small")
    return ax


def plot_level(
    level,
    panel: pd.DataFrame | None = None,
    target: str = "launch_days",
    hdi_prob: float = 0.94,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Fitted level as expected counts per month: posterior mean and HDI of ``exp(level)``.

    ``exp(level)`` is the expected monthly count in ``no_talks``, in a month with
    no exercise and an average season.

    Parameters
    ----------
    level : xarray.DataArray
        Posterior level (log rate) with dims ``chain``, ``draw`` and ``year`` (a yearly
        level, ``state_rate``) or ``month`` (a monthly level, e.g.
        :meth:`forecast.models.dynamic.ARLevel.monthly_level`).
    panel : DataFrame, optional
        The fitted months (``model.training``): adds state shading and the
        observed mean count per month of each year (all states).
    target : str
        Panel column that was modelled.
    hdi_prob : float
        Width of the credible band.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import arviz as az

    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4.5))
    rate = np.exp(level).rename("rate")
    mean = rate.mean(("chain", "draw")).values
    hdi = az.hdi(rate, prob=hdi_prob)
    low, high = hdi.sel(ci_bound="lower").values, hdi.sel(ci_bound="upper").values
    monthly = "month" in level.dims
    if monthly:
        edges = _month_edges(pd.DatetimeIndex(level["month"].values))
    else:
        years = [int(y) for y in level["year"].values]
        edges = pd.to_datetime([f"{y}-01-01" for y in [*years, years[-1] + 1]])
    if panel is not None:
        shade_states(ax, panel, alpha=0.45)
    prob = int(round(100 * hdi_prob))
    ax.stairs(
        high, edges, baseline=low, fill=True, color="#4c72b0", alpha=0.35, label=f"{prob}% HDI"
    )
    ax.stairs(mean, edges, color="#4c72b0", lw=2, label="Posterior mean")
    if panel is not None:
        yearly = panel.groupby(pd.to_datetime(panel["month"]).dt.year)[target].mean()
        mid = pd.to_datetime([f"{y}-07-01" for y in yearly.index])
        ax.plot(mid, yearly.values, "o", color="black", ms=4, label="Observed mean (all states)")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"Expected {TARGET_LABELS.get(target, target).lower()}\n(no talks, no exercise)")
    _date_axis(ax, "Month" if monthly else "Year")
    step = "month by month" if monthly else "year by year"
    ax.set_title(f"Fitted level: the no-talks rate, {step}")
    handles = ax.get_legend_handles_labels()[0]
    extra = state_legend_handles() if panel is not None else []
    ax.legend(handles=[*handles, *extra], loc="upper left", ncol=2, fontsize="small")
    return ax


def plot_level_ratio(
    level, reference, panel: pd.DataFrame, labels=("this fit", "the reference"), ax=None
) -> plt.Axes:
    """Month by month, one fitted level against another: the ratio of their posterior mean
    rates ``E[exp(level)] / E[exp(reference)]`` (1: the same level), over the negotiation states.

    Parameters
    ----------
    level, reference : xarray.DataArray
        Monthly levels (log rate, dims ``chain``, ``draw``, ``month``) of two fits of the same
        months, e.g. :meth:`forecast.models.dynamic.ARLevel.monthly_level` under two priors.
    panel : DataFrame
        The fitted months (``model.training``), for the state shading.
    labels : tuple of str
        Names of the two fits, for the axis label.
    ax : Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 3.8))
    ratio = np.exp(level).mean(("chain", "draw")) / np.exp(reference).mean(("chain", "draw"))
    months = pd.DatetimeIndex(level["month"].values)
    shade_states(ax, panel, alpha=0.45)
    ax.stairs(ratio.values, _month_edges(months), baseline=None, color="#4c72b0", lw=2)
    ax.axhline(1.0, color="#333333", ls="--", lw=1)
    ax.set_xlim(months[0], months[-1] + pd.offsets.MonthBegin(1))
    ax.set_ylabel(f"Level, {labels[0]}\n/ level, {labels[1]}")
    _date_axis(ax)
    ax.set_title(f"The fitted no-talks level, {labels[0]} against {labels[1]} (1 = the same)")
    ax.legend(handles=state_legend_handles(), loc="lower right", ncol=4, fontsize="small")
    return ax


def _label(var: str, ax_coords: dict) -> str:
    sel = ", ".join(str(v) for v in ax_coords.values())
    return f"{var}[{sel}]" if sel else var


def _chain_axes(pc):
    """``(variable, coordinates, axes)`` of every plot of an ArviZ PlotCollection."""
    plots = pc.viz["plot"]
    for var in plots.data_vars:
        axes = plots[var]
        other = [d for d in axes.dims if d != "column"]
        for idx in np.ndindex(*[axes.sizes[d] for d in other]):
            coords = {d: axes[d].values[i] for d, i in zip(other, idx, strict=True)}
            yield var, coords, axes.sel(coords)


def _n_rows(pc) -> int:
    rows = pc.viz["row_index"]
    return 1 + max(int(rows[v].max()) for v in rows.data_vars)


def _chain_legend(pc, visual: str, ax: plt.Axes, loc: str) -> None:
    lines = pc.viz[visual]
    first = next(iter(lines.data_vars))
    per_chain = lines[first]
    per_chain = per_chain.isel({d: 0 for d in per_chain.dims if d != "chain"})
    handles = list(per_chain.values)
    labels = [f"chain {c}" for c in per_chain["chain"].values]
    ax.legend(handles, labels, fontsize="small", loc=loc, ncol=len(handles))


def label_trace_plot(pc, units: dict[str, str]) -> plt.Figure:
    """Units, a chain legend and a readable size for ArviZ's ``plot_trace_dist(compact=False)``.

    Parameters
    ----------
    pc : arviz_plots.PlotCollection
        What ``az.plot_trace_dist`` returned (one row per variable and coordinate; the
        ``dist`` column left, the ``trace`` column right).
    units : dict of str to str
        Variable name -> axis label with its unit, e.g. ``"log rate ratio vs no talks"``.

    Returns
    -------
    Figure
    """
    first = None
    for var, coords, axes in _chain_axes(pc):
        dist, trace = axes.sel(column="dist").item(), axes.sel(column="trace").item()
        unit = units.get(var, var)
        dist.set(xlabel=unit, ylabel="Density", title=_label(var, coords))
        trace.set(xlabel="Draw (after tuning)", ylabel=unit, title=_label(var, coords))
        first = first or trace
    _chain_legend(pc, "trace", first, "upper right")
    fig = first.figure
    fig.set_size_inches(12, 2.2 * _n_rows(pc))
    fig.tight_layout()
    return fig


def label_rank_plot(pc, units: dict[str, str] | None = None) -> plt.Figure:
    """Axis labels, a chain legend and a readable size for ArviZ's ``plot_rank`` (Delta-ECDF).

    Parameters
    ----------
    pc : arviz_plots.PlotCollection
        What ``az.plot_rank`` returned.
    units : dict of str to str, optional
        Variable name -> description added to each title.

    Returns
    -------
    Figure
    """
    first = None
    for var, coords, axes in _chain_axes(pc):
        ax = axes.item()
        title = _label(var, coords)
        if units and var in units:
            title = f"{title}\n({units[var]})"
        ax.set(xlabel="Fractional rank (all chains pooled)", ylabel="ECDF - uniform CDF")
        ax.set_title(title, fontsize="small")
        first = first or ax
    _chain_legend(pc, "ecdf_lines", first, "lower right")
    fig = first.figure
    fig.set_size_inches(12, 2.8 * _n_rows(pc))
    fig.tight_layout()
    return fig


def plot_rate_ratio_draws(draws: dict, ax: plt.Axes | None = None) -> plt.Axes:
    """Distributions of rate-ratio draws (e.g. under several priors), log scale.

    Parameters
    ----------
    draws : dict of str to array-like
        Label -> rate ratios (any shape; flattened). Values outside
        ``[1e-3, 1e3]`` are counted in the edge bins.
    ax : Axes, optional

    Returns
    -------
    Axes
    """

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    bins = np.logspace(-3, 3, 61)
    for label, values in draws.items():
        flat = np.clip(np.asarray(values, dtype=float).ravel(), bins[0], bins[-1])
        weights = np.full(flat.size, 1 / flat.size)
        ax.hist(flat, bins=bins, weights=weights, histtype="step", lw=2, label=label)
    ax.axvline(1.0, color="#333333", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("Rate ratio of launch days vs no talks (log scale; edge bins hold the tails)")
    ax.set_ylabel("Share of draws per bin")
    ax.grid(axis="x", alpha=0.3, which="major")
    ax.legend(fontsize="small")
    return ax


#: Palette for scenarios (colour-blind safe), for names without a colour of their own.
SCENARIO_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")

#: The one colour of each shipped scenario name, the same on every page: a scenario in which
#: the negotiations go the same way keeps its colour across files (``stalled``/``persist`` blue,
#: talks resuming green, a summit purple, no talks or a collapse vermilion).
SCENARIO_COLORS: dict[str, str] = {
    "persist": "#0072B2",
    "stalled": "#0072B2",
    "talks_resume": "#009E73",
    "summit": "#CC79A7",
    "no_talks": "#D55E00",
    "collapse": "#D55E00",
    # scenarios whose states follow the transition model (notebook 04)
    "outlook": "#E69F00",
    "summit_announced": "#56B4E9",
}


def scenario_colors(names) -> dict[str, str]:
    """The one colour of each scenario: :data:`SCENARIO_COLORS` for the shipped names, then
    the palette's unused colours in the order the other scenarios are given."""
    names = list(names)
    colors = {n: SCENARIO_COLORS[n] for n in names if n in SCENARIO_COLORS}
    free = [c for c in SCENARIO_PALETTE if c not in colors.values()] or list(SCENARIO_PALETTE)
    others = [n for n in names if n not in colors]
    colors.update({n: free[i % len(free)] for i, n in enumerate(others)})
    return {n: colors[n] for n in names}


#: Quantile levels of the fan chart's bands: 80% (0.1-0.9) and 50% (0.25-0.75), and the median.
BAND_LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9)


def band_column(level: float) -> str:
    """Column name of a quantile level in :func:`band_table` (``q10``, ``q25``, ...)."""
    return f"q{int(round(level * 100)):02d}"


def band_table(ds, levels=BAND_LEVELS, var: str = "counts") -> pd.DataFrame:
    """The fan chart's numbers: per scenario and month, the mean and the quantiles drawn.

    Quantiles are taken with the ``inverted_cdf`` method, so each is one of the simulated
    counts: whole numbers, never decreasing in the level (the bands are nested), and drawn as
    steps, not as smooth curves between months.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`forecast.scenarios.simulate_scenarios`.
    levels : sequence of float
        Quantile levels, increasing.
    var : str
        The simulated variable.

    Returns
    -------
    DataFrame
        ``scenario, label, month, mean`` and one ``qNN`` column per level.
    """
    rows = []
    labels = dict(zip(ds["scenario"].values, ds["label"].values, strict=True))
    for name in ds["scenario"].values:
        draws = ds[var].sel(scenario=name).transpose("draw", "month").values
        q = np.quantile(draws, list(levels), axis=0, method="inverted_cdf")
        frame = pd.DataFrame(
            {
                "scenario": str(name),
                "label": str(labels[name]),
                "month": pd.DatetimeIndex(ds["month"].values),
                "mean": draws.mean(axis=0),
            }
        )
        for level, values in zip(levels, q, strict=True):
            frame[band_column(level)] = values
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def _month_edges(months: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Month starts plus the start of the month after the last: the edges of monthly steps."""
    return months.append(pd.DatetimeIndex([months[-1] + pd.offsets.MonthBegin(1)]))


def plot_scenarios(
    ds, history: pd.DataFrame, ax: plt.Axes | None = None, history_months: int = 36
) -> plt.Axes:
    """Fan chart: observed months, then each scenario's mean and 50%/80% bands, as steps.

    The bands are :func:`band_table`'s whole-number quantiles, drawn month by month as
    steps (a month's band covers the month), so they do not suggest fractions of a launch
    day or a smooth path between months.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`forecast.scenarios.simulate_scenarios`.
    history : DataFrame
        Observed panel rows (``month``, ``state`` and the model's target).
    ax : Axes, optional
        Where to draw; a new figure with one state ribbon per scenario if omitted.
    history_months : int
        Observed months shown before the forecast.

    Returns
    -------
    Axes
        The main axes (``ax.figure`` to save).
    """
    names = list(ds["scenario"].values)
    labels = dict(zip(names, ds["label"].values, strict=True))
    colors = scenario_colors(names)
    target = ds.attrs.get("target", "launch_days")
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
    months = pd.DatetimeIndex(ds["month"].values)
    edges = _month_edges(months)
    bands = band_table(ds)
    for name in names:
        b = bands[bands["scenario"] == name]
        color = colors[name]
        for low, high, alpha in (("q10", "q90", 0.15), ("q25", "q75", 0.3)):
            ax.stairs(
                b[high].to_numpy(),
                edges,
                baseline=b[low].to_numpy(),
                fill=True,
                color=color,
                alpha=alpha,
                lw=0,
            )
        ax.stairs(b["mean"].to_numpy(), edges, baseline=None, color=color, lw=2, label=labels[name])
    ax.set_xlim(past["month"].iloc[0], edges[-1])
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"{target.replace('_', ' ').capitalize()} per month")
    ax.set_title(
        f"Forecast by scenario from {months[0]:%B %Y}: mean (line), 50% and 80% bands; "
        "observed months shaded by negotiation state"
    )
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    if ribbons is None:
        _month_axis(ax)
        return ax
    codes = {s: i for i, s in enumerate(STATES)}
    cmap = ListedColormap([STATE_COLORS[s] for s in STATES])
    for rax, name in zip(ribbons, names, strict=True):
        state_path = ds["state"].sel(scenario=name).values if "state" in ds else None
        if state_path is None:
            continue
        rax.pcolormesh(
            mdates.date2num(list(edges)),
            [0, 1],
            np.array([[codes[s] for s in state_path]]),
            cmap=cmap,
            vmin=-0.5,
            vmax=len(STATES) - 0.5,
        )
        rax.set_yticks([])
        rax.set_ylabel(
            name, rotation=0, ha="right", va="center", color=colors[name], fontsize="small"
        )
        rax.tick_params(labelbottom=False)
    _month_axis(ribbons[-1])
    ribbons[-1].set_xlabel("Month (ribbons: each scenario's negotiation state)")
    ax.tick_params(labelbottom=False)
    ax.legend(
        handles=ax.get_legend_handles_labels()[0] + state_legend_handles(),
        loc="upper left",
        fontsize="small",
        ncol=2,
    )
    return ax


def _month_axis(ax: plt.Axes) -> None:
    """Month-and-year ticks on a short date axis (a few years at most): every year labelled,
    months between it by their short name."""
    locator = mdates.AutoDateLocator(minticks=6, maxticks=16)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.tick_params(labelbottom=True)
    if not ax.get_xlabel():
        ax.set_xlabel("Month")


def plot_totals(ds, ax: plt.Axes | None = None) -> plt.Axes:
    """Total over the horizon per scenario: mean, 50% and 90% intervals.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`forecast.scenarios.simulate_scenarios`.
    ax : Axes, optional
    """
    names = list(ds["scenario"].values)
    labels = dict(zip(names, ds["label"].values, strict=True))
    colors = scenario_colors(names)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 1.2 + 0.6 * len(names)))
    totals = ds["counts"].sum("month")
    for i, name in enumerate(names):
        t = totals.sel(scenario=name)
        q05, q25, q75, q95 = (float(t.quantile(q)) for q in (0.05, 0.25, 0.75, 0.95))
        ax.plot([q05, q95], [i, i], color=colors[name], lw=2)
        ax.plot([q25, q75], [i, i], color=colors[name], lw=7, solid_capstyle="butt")
        ax.scatter(float(t.mean()), i, s=60, color="white", edgecolor=colors[name], zorder=3)
    ax.set_yticks(range(len(names)), [labels[n] for n in names])
    ax.invert_yaxis()
    months = pd.DatetimeIndex(ds["month"].values)
    target = ds.attrs.get("target", "launch_days").replace("_", " ")
    ax.set_xlabel(
        f"Total {target} {months[0]:%b %Y} - {months[-1]:%b %Y} (mean, 50% and 90% intervals)"
    )
    ax.set_title("Totals over the horizon, by scenario")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_probabilities(table: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """The probability table as an annotated heatmap (scenarios x events).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`forecast.scenarios.probability_table`.
    ax : Axes, optional
    """
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
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * len(cols) + 4, 0.7 * len(grid) + 1.5))
    sns.heatmap(grid, annot=True, fmt=".0%", cmap="Reds", vmin=0, vmax=1, cbar=False, ax=ax)
    ax.set_ylabel("")
    ax.set_xlabel("Probability over the horizon (counts are launch days)")
    ax.set_title("Event probabilities by scenario")
    return ax


#: Colours of the models in evaluation figures (baselines in greys, the oracles dark).
MODEL_COLORS: dict[str, str] = {
    "ar_level": "#0072B2",
    "state_rate": "#56B4E9",
    "self_exciting": "#D55E00",
    "class_hierarchical": "#009E73",
    "constant_rate": "#9e9e9e",
    "recent_rate": "#4d4d4d",
    "empirical_recent": "#7f7f7f",
    "last_value": "#c7c7c7",
    "pool:ar_level+recent_rate": "#CC79A7",
    "stack:ar_level+recent_rate": "#E69F00",
    "oracle_12": "#882255",
    "oracle_3": "#332288",
}


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
    ax.legend(fontsize="small")
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
    ax.legend(fontsize="small", ncol=2)
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
    ax.legend(fontsize="small")
    return ax


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
    ax.set_title("Negotiation state by month, from the transition model")
    _date_axis(ax)
    ax.legend(fontsize="small", loc="lower left")
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
    ax.legend(fontsize="small")
    return ax
