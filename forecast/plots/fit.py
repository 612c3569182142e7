"""Figures of a fit: state effects, predictive bands, fitted levels, prior rate ratios, and
units and chain legends for ArviZ's trace and rank plots."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from forecast.plots.style import (
    FIT_COLOR,
    STATE_COLORS,
    STATE_LABELS,
    TARGET_LABELS,
    by_month,
    date_axis,
    literal,
    model_colors,
    month_edges,
    ratio_axis,
    shade_states,
    state_legend_handles,
    user_text,
)
from forecast.summaries import level_ratio


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
    ax.set_yticks(range(len(rows)), labels)
    if not ax.yaxis_inverted():  # the first row on top, even on a shared axis
        ax.invert_yaxis()
    prob = int(round(100 * effects.attrs.get("hdi_prob", 0.94)))
    target = effects.attrs.get("target", "launch_days").replace("_", " ")
    ax.set_xlabel(f"Rate ratio of {target} vs no talks (mean and {prob}% HDI, log scale)")
    ax.set_title("Effect of the negotiation state on the monthly launch-day rate")
    ax.set_xscale("log")
    ax.margins(x=0.1)
    ratio_axis(ax)
    ax.grid(axis="x", alpha=0.3, which="major")
    return ax


#: The state-effects figure a fitted run's folder gets from ``forecast fit`` and ``refit``.
EFFECTS_FIGURE = "effects.png"


def save_effects_figure(model, folder: str | Path) -> Path | None:
    """Draw :func:`plot_state_effects` of a fitted model into ``folder``/``effects.png``.

    Parameters
    ----------
    model : BaseModel
        A fitted model; one without a negotiation-state effect gets no figure.
    folder : str or Path
        The run folder being written (a command passes its temporary folder, so the
        figure is swapped in with the run, all or nothing).

    Returns
    -------
    Path or None
        The figure written, or ``None`` for a model without state effects.
    """
    if "state_effect" not in model.posterior:
        return None
    path = Path(folder) / EFFECTS_FIGURE
    ax = plot_state_effects(model.state_effects())
    try:
        ax.figure.savefig(path, dpi=110, bbox_inches="tight")
    finally:
        plt.close(ax.figure)
    return path


def plot_predictive_bands(
    predictive,
    panel: pd.DataFrame,
    target: str = "launch_days",
    label: str = "Predictive",
    by_year: bool = False,
    log_scale: bool = False,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Prior or posterior predictive counts (50% and 80% bands) against the data, over time.

    Parameters
    ----------
    predictive : xarray.DataArray or array-like
        Simulated monthly counts with a ``month`` (or ``train_month``) dimension, e.g.
        ``idata["prior_predictive"]["y"]``; every other dimension (chain, draw) is
        pooled. Sum a ``weapon_class`` dimension out first. Or an array of shape (draws,
        months) over the months of ``panel``, as ``model.prior_predictive_counts`` gives.
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
    predictive = by_month(predictive, panel["month"])
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
    name = literal(label)
    # inverted_cdf: each quantile is a simulated count (whole, nested bands), drawn as steps
    levels = [0.10, 0.25, 0.5, 0.75, 0.90]  # the 50% and 80% bands used everywhere
    q = predictive.quantile(levels, dim=pooled, method="inverted_cdf").values
    shade_states(ax, panel, alpha=0.45)
    color = FIT_COLOR
    ax.stairs(q[4], edges, baseline=q[0], fill=True, color=color, alpha=0.3, label=f"{name}, 80%")
    ax.stairs(q[3], edges, baseline=q[1], fill=True, color=color, alpha=0.5, label=f"{name}, 50%")
    ax.stairs(q[2], edges, color=color, lw=1.2, label=f"{name}, median")
    ax.plot(
        obs_x, observed.to_numpy(), "o", ms=3 if by_year else 2.5, color="black", label="Observed"
    )
    if log_scale:
        ax.set_yscale("symlog", linthresh=1)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(unit)
    date_axis(ax, "Year" if by_year else "Month")
    ax.set_title(f"{name} vs observed {unit.lower()}")
    legend = ax.legend(
        handles=[*ax.get_legend_handles_labels()[0], *state_legend_handles()],
        loc="upper left",
        ncol=2,
        fontsize="small",
    )
    user_text([ax.title, *legend.get_texts()])  # they hold the caller's label
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
    # imported here, not at the top: ArviZ adds about 1.5 s to ``import forecast.plots``,
    # and only this figure needs it
    import arviz as az

    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4.5))
    rate = np.exp(level).rename("rate")
    mean = rate.mean(("chain", "draw")).values
    hdi = az.hdi(rate, prob=hdi_prob)
    low, high = hdi.sel(ci_bound="lower").values, hdi.sel(ci_bound="upper").values
    monthly = "month" in level.dims
    if monthly:
        edges = month_edges(pd.DatetimeIndex(level["month"].values))
    else:
        years = [int(y) for y in level["year"].values]
        edges = pd.to_datetime([f"{y}-01-01" for y in [*years, years[-1] + 1]])
    if panel is not None:
        shade_states(ax, panel, alpha=0.45)
    prob = int(round(100 * hdi_prob))
    ax.stairs(
        high, edges, baseline=low, fill=True, color=FIT_COLOR, alpha=0.35, label=f"{prob}% HDI"
    )
    ax.stairs(mean, edges, color=FIT_COLOR, lw=2, label="Posterior mean")
    if panel is not None:
        yearly = panel.groupby(pd.to_datetime(panel["month"]).dt.year)[target].mean()
        mid = pd.to_datetime([f"{y}-07-01" for y in yearly.index])
        ax.plot(mid, yearly.values, "o", color="black", ms=4, label="Observed mean (all states)")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"Expected {TARGET_LABELS.get(target, target).lower()}\n(no talks, no exercise)")
    date_axis(ax, "Month" if monthly else "Year")
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
    ratio = level_ratio(level, reference)
    months = pd.DatetimeIndex(level["month"].values)
    shade_states(ax, panel, alpha=0.45)
    ax.stairs(ratio.values, month_edges(months), baseline=None, color=FIT_COLOR, lw=2)
    ax.axhline(1.0, color="#333333", ls="--", lw=1)
    ax.set_xlim(months[0], months[-1] + pd.offsets.MonthBegin(1))
    first, second = (literal(label) for label in labels)
    ax.set_ylabel(f"Level, {first}\n/ level, {second}")
    date_axis(ax)
    ax.set_title(f"The fitted no-talks level, {first} against {second} (1 = the same)")
    user_text([ax.yaxis.label, ax.title])  # they hold the caller's labels
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


#: What each parameter of the models' summaries (``model.summary_vars``) measures, with its
#: unit: the axis labels of trace plots and the subtitles of rank plots
#: (:func:`label_trace_plot`, :func:`label_rank_plot`). A parameter without an entry is
#: labelled by its name.
PARAMETER_UNITS: dict[str, str] = {
    # ar_level and its variants
    "ar_phi": "AR(1) persistence (no unit)",
    "ar_sigma": "monthly shock sd (log rate)",
    "era_level": "era level (log launch days / month)",
    "era_mean": "era mean (log launch days / month)",
    "state_effect": "log rate ratio vs no talks",
    "beta_exercise": "exercise effect (log rate)",
    "alpha": "NB shape (no unit)",
    # the baselines, state_rate and its relatives
    "log_rate": "log launch days / month",
    "level_step_sd": "yearly level step sd (log rate)",
    "season_sd": "season effect sd (log rate)",
    # the missile target's salvo term
    "salvo_mean": "missiles beyond the first on a launch day (mean)",
    "salvo_alpha": "salvo NB shape (no unit)",
}


#: Characters of a trace plot's y label per line (a longer unit is wrapped).
TRACE_LABEL_WIDTH = 28


def label_trace_plot(pc, units: dict[str, str] | None = None) -> plt.Figure:
    """Units, a chain legend and a readable size for ArviZ's ``plot_trace_dist(compact=False)``.

    Parameters
    ----------
    pc : arviz_plots.PlotCollection
        What ``az.plot_trace_dist`` returned (one row per variable and coordinate; the
        ``dist`` column left, the ``trace`` column right).
    units : dict of str to str, optional
        Variable name -> axis label with its unit, e.g. ``"log rate ratio vs no talks"``
        (default :data:`PARAMETER_UNITS`; a variable without one is labelled by its name).

    Returns
    -------
    Figure
    """
    units = PARAMETER_UNITS if units is None else units
    first = None
    for var, coords, axes in _chain_axes(pc):
        dist, trace = axes.sel(column="dist").item(), axes.sel(column="trace").item()
        unit = units.get(var, var)
        dist.set(xlabel=unit, ylabel="Density", title=_label(var, coords))
        # a row is about 2 inches high: a long unit takes two lines, not its neighbours' room
        label = textwrap.fill(unit, TRACE_LABEL_WIDTH)
        trace.set(xlabel="Draw (after tuning)", ylabel=label, title=_label(var, coords))
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
        Variable name -> description added to each title (default :data:`PARAMETER_UNITS`;
        ``{}`` for none).

    Returns
    -------
    Figure
    """
    units = PARAMETER_UNITS if units is None else units
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
        ``[1e-3, 1e3]`` are counted in the edge bins. Each label is drawn in a colour of
        :func:`forecast.plots.style.model_colors` (a model's own; dark hues no state has for
        other labels), and the axis, six decades long, is ticked at labels that do not touch
        (:func:`forecast.plots.style.ratio_ticks`).
    ax : Axes, optional

    Returns
    -------
    Axes
    """

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    bins = np.logspace(-3, 3, 61)
    colors = model_colors(draws)
    for label, values in draws.items():
        flat = np.clip(np.asarray(values, dtype=float).ravel(), bins[0], bins[-1])
        weights = np.full(flat.size, 1 / flat.size)
        ax.hist(
            flat,
            bins=bins,
            weights=weights,
            histtype="step",
            lw=2,
            color=colors[label],
            label=literal(label),
        )
    ax.axvline(1.0, color="#333333", ls="--", lw=1)
    ax.set_xlim(bins[0], bins[-1])
    ratio_axis(ax)
    ax.set_xlabel("Rate ratio of launch days vs no talks (log scale; edge bins hold the tails)")
    ax.set_ylabel("Share of draws per bin")
    ax.grid(axis="x", alpha=0.3, which="major")
    user_text(ax.legend(loc="best", fontsize="small").get_texts())  # the labels are the caller's
    return ax
