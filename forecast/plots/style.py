"""The one drawing style of every figure: colours, labels, legends, axes and fonts.

Each negotiation state, scenario and model has one colour, the same on every page; the
other modules of :mod:`forecast.plots` take their colours, labels and axis helpers from here.

User-written text (scenario names and labels, the labels a caller passes) is drawn with
:func:`literal` and :func:`user_text`: a ``$`` in it is shown as a dollar sign, never read
as mathtext, and each glyph comes from the first font of :data:`FONT_FALLBACK` that has it.
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib import font_manager
from matplotlib.patches import Patch
from matplotlib.text import Text

from forecast.constants import STATE_LABELS, STATES
from forecast.data import state_runs

#: The one colour of each negotiation state, used by every figure.
STATE_COLORS: dict[str, str] = {
    "no_talks": "#d9d9d9",
    "stalled": "#fdd0a2",
    "active_talks": "#c7e9c0",
    "summitry": "#9ecae1",
}


#: Colour of a model's own bands and lines drawn over the state shading (predictive bands,
#: the fitted level): a dark grey that no state's shade is (a blue band over the light blue
#: of summitry could not be told from it).
FIT_COLOR = "#3d3d3d"

#: Colours of the missile-class groups in stacked bars.
CLASS_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "SRBM": (("SRBM",), "#4c72b0"),
    "MRBM/IRBM": (("MRBM", "IRBM"), "#dd8452"),
    "ICBM": (("ICBM",), "#c44e52"),
    "SLBM/SLV/other": (("SLBM", "SLV", "HGV", "unknown"), "#8172b3"),
}


def class_legend(group: str) -> str:
    """A class group as a legend names it: a group that holds the launches CNS could not
    class says so (``SLBM/SLV/other (incl. unknown class)``: in 2022, 16 of 34 launch days)."""
    return f"{group} (incl. unknown class)" if "unknown" in CLASS_GROUPS[group][0] else group


#: Axis label of each model target, per month.
TARGET_LABELS: dict[str, str] = {
    "launch_days": "Launch days per month",
    "missiles": "Missiles per month",
    "csis_missile_events": "CSIS missile events per month",
}

#: Colours of the models in evaluation figures (baselines in greys, the oracles dark).
MODEL_COLORS: dict[str, str] = {
    "ar_level": "#0072B2",
    "ar_level_lean": "#56B4E9",
    "ar_level_phased": "#999933",
    "state_rate": "#44AA99",
    "self_exciting": "#D55E00",
    "class_hierarchical": "#009E73",
    "constant_rate": "#9e9e9e",
    "recent_rate": "#4d4d4d",
    "empirical_recent": "#7f7f7f",
    "last_value": "#c7c7c7",
    "pool:ar_level+recent_rate": "#CC79A7",
    "stack:ar_level+recent_rate": "#E69F00",
    "daily_exciting": "#117733",
    "pool:daily_exciting+recent_rate": "#AA4499",
    "stack:daily_exciting+recent_rate": "#DDCC77",
    "oracle_12": "#882255",
    "oracle_3": "#332288",
}

#: Colours of the series a figure draws that are neither a state, a scenario nor a model of
#: :data:`MODEL_COLORS` (prior variants, "posterior predictive", a model without a colour of
#: its own): dark hues at least 25 degrees from every state's shade (purple, red, dark teal,
#: navy, magenta, olive), so that no line is read as a state, as matplotlib's default blue,
#: orange and green would be, and none a model's colour.
SERIES_PALETTE = ("#6A3D9A", "#C0002A", "#01665E", "#000080", "#E7298A", "#8C8C00")


def model_colors(names) -> dict[str, str]:
    """The one colour of each model (:data:`MODEL_COLORS`), and for a name without one (a
    model not listed there, or a label such as ``"default prior"``) the colours of
    :data:`SERIES_PALETTE` that the names given do not use yet, in their order.

    Parameters
    ----------
    names : iterable of str
        Model names or series labels, in the order drawn.

    Returns
    -------
    dict of str to str
        Name -> colour, in the order given.
    """
    return _assigned(names, MODEL_COLORS, SERIES_PALETTE)


def _assigned(names, fixed: dict[str, str], palette: tuple[str, ...]) -> dict[str, str]:
    """Each name's colour in ``fixed``, else the ``palette``'s colours the names given do not
    use yet, in their order (cycling when there are more names than free colours)."""
    names = list(names)
    colors = {n: fixed[n] for n in names if n in fixed}
    free = [c for c in palette if c not in colors.values()] or list(palette)
    others = [n for n in names if n not in colors]
    colors.update({n: free[i % len(free)] for i, n in enumerate(others)})
    return {n: colors[n] for n in names}


#: Palette for scenarios, for names without a colour of their own: hues no state has first,
#: the orange and sky blue near the ``stalled`` and ``summitry`` shades last.
SCENARIO_PALETTE = (
    "#0072B2",
    "#228833",
    "#999933",
    "#332288",
    "#882255",
    "#C0002A",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
)

#: The one colour of each shipped scenario name, the same on every page: a scenario in which
#: the negotiations go the same way keeps its colour across files. A scenario that moves to a
#: state takes that state's hue, darker (talks resuming green like ``active_talks``, a summit
#: blue like ``summitry``); every other one a hue at least 25 degrees from every state's, so
#: that its fan, drawn light over the shaded states, is never read as a state: the state held
#: (``persist``, ``stalled``) olive, no talks or a collapse red, the outlook indigo, a summit
#: announced wine.
SCENARIO_COLORS: dict[str, str] = {
    "persist": "#999933",
    "stalled": "#999933",
    "talks_resume": "#228833",
    "summit": "#0072B2",
    "no_talks": "#C0002A",
    "collapse": "#C0002A",
    # scenarios whose states follow the transition model (notebook 04)
    "outlook": "#332288",
    "summit_announced": "#882255",
    # the explorer's hand-made path (forecast.explore): black, no shipped scenario's colour
    "your_path": "#000000",
}


def scenario_colors(names) -> dict[str, str]:
    """The one colour of each scenario: :data:`SCENARIO_COLORS` for the shipped names, then
    the palette's unused colours in the order the other scenarios are given."""
    return _assigned(names, SCENARIO_COLORS, SCENARIO_PALETTE)


# --- user-written text -------------------------------------------------------------------

#: Fonts tried in turn for each glyph of user-written text (matplotlib >= 3.6 falls back
#: through a family list glyph by glyph). DejaVu Sans, matplotlib's default, comes first, so
#: Latin text looks as everywhere else; then common CJK and wide-coverage fonts, where
#: installed; last Unicode's Last Resort font, shipped with matplotlib >= 3.10, which has a
#: placeholder glyph for every code point. Naming it ourselves keeps matplotlib from adding
#: it with a "Glyph ... missing from font(s)" warning: a label in a script no installed font
#: covers is drawn with placeholders, silently.
FONT_FALLBACK: tuple[str, ...] = (
    "DejaVu Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "Noto Sans",
    "Arial Unicode MS",
    "Last Resort High-Efficiency",
)


def save_figures(folder, figures: dict) -> None:
    """Save figures as PNG (110 dpi, tight) in ``folder``, each closed once saved, or failed.

    Parameters
    ----------
    folder : Path
        Where to write (a command's output folder, still the temporary one).
    figures : dict of str to callable
        File name -> a function returning the figure (drawn only when its turn comes).
    """
    for name, draw in figures.items():
        fig = draw()
        try:
            fig.savefig(folder / name, dpi=110, bbox_inches="tight")
        finally:
            plt.close(fig)


def user_fonts() -> list[str]:
    """The installed fonts of :data:`FONT_FALLBACK`, in its order.

    Only installed names are given to matplotlib: a missing one would log
    "findfont: Font family ... not found".

    Returns
    -------
    list of str
    """
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in FONT_FALLBACK if name in installed] or ["DejaVu Sans"]


def literal(text) -> str:
    """User-written text as matplotlib should show it: word for word.

    Every ``$`` is escaped (``\\$``), so a label such as ``"$5 and $6"`` is never parsed as
    mathtext (nor as TeX); matplotlib draws ``\\$`` outside mathematics as ``$``.

    Parameters
    ----------
    text : object
        A label, converted with ``str``.

    Returns
    -------
    str
    """
    return str(text).replace("$", r"\$")


def user_text(texts: Iterable[Text]) -> None:
    """Draw text artists holding user-written text in the fonts of :func:`user_fonts`.

    Parameters
    ----------
    texts : iterable of matplotlib.text.Text
        E.g. ``legend.get_texts()``, ``ax.get_yticklabels()``, ``[ax.title]``.
    """
    family = user_fonts()
    for text in texts:
        text.set_fontfamily(family)


# --- shared drawing helpers --------------------------------------------------------------


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

    Returns
    -------
    Axes
    """
    months = panel["month"]
    for _, run in panel.groupby(state_runs(panel["state"])):
        start = run["month"].iloc[0]
        end = run["month"].iloc[-1] + pd.offsets.MonthBegin(1)
        ax.axvspan(start, end, color=STATE_COLORS[run["state"].iloc[0]], alpha=alpha, lw=0)
    ax.set_xlim(months.iloc[0], months.iloc[-1] + pd.offsets.MonthBegin(1))
    return ax


def state_legend_handles() -> list[Patch]:
    """Legend patches for the four states, in the canonical order."""
    return [Patch(color=STATE_COLORS[s], label=STATE_LABELS[s]) for s in STATES]


def year_axis(ax: plt.Axes) -> None:
    """A ``Year`` x label and light horizontal grid lines, for bars or lines by year."""
    ax.set_xlabel("Year")
    ax.grid(axis="y", alpha=0.3)


def date_axis(ax: plt.Axes, label: str = "Month") -> None:
    """Ticks every five years (minor: every year) on a long date axis."""
    ax.set_xlabel(label)
    ax.xaxis.set_major_locator(mdates.YearLocator(5))
    ax.xaxis.set_minor_locator(mdates.YearLocator(1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def month_axis(ax: plt.Axes) -> None:
    """Month-and-year ticks on a short date axis (a few years at most): every year labelled,
    months between it by their short name."""
    locator = mdates.AutoDateLocator(minticks=6, maxticks=16)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.tick_params(labelbottom=True)
    if not ax.get_xlabel():
        ax.set_xlabel("Month")


#: Ticks of a rate-ratio axis (log scale), written as plain numbers.
RATIO_TICKS = (
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200,
    500, 1000,
)  # fmt: skip

#: Space left between two tick labels of a rate-ratio axis, in points.
RATIO_TICK_GAP = 8.0


def _ratio_level(tick: float) -> int:
    """How plain a ratio tick is: 0 for a power of 100 (0.01, 1, 100), 1 for another power
    of ten, 2 for 2 or 5 times one, 3 for the rest (1.5, 3)."""
    exponent = np.log10(tick)
    if np.isclose(exponent, round(exponent)):
        return 0 if round(exponent) % 2 == 0 else 1
    mantissa = tick / 10 ** np.floor(exponent)
    return 2 if np.isclose(mantissa, 2) or np.isclose(mantissa, 5) else 3


def ratio_ticks(low: float, high: float, length: float, fontsize: float, axis: str = "x"):
    """The ticks of :data:`RATIO_TICKS` between ``low`` and ``high`` whose labels fit an axis
    ``length`` points long without touching.

    The first of these sets whose neighbouring labels keep :data:`RATIO_TICK_GAP` points
    apart is used: every tick; 1, 2 and 5 times the powers of ten (no 1.5, 3); the powers of
    ten; the powers of 100. An axis over a decade or two shows 0.5, 1, 1.5, 2, 3, 5; one over
    six decades 0.001, 0.01, ..., 1000.

    Parameters
    ----------
    low, high : float
        The axis limits (positive).
    length : float
        The axis length in points.
    fontsize : float
        The tick labels' size in points (their width is estimated from it).
    axis : {"x", "y"}
        On ``y`` the labels are stacked, so a label takes its height, not its width.

    Returns
    -------
    list of float
        In increasing order; ``[1]`` when no tick lies between the limits.
    """
    candidates = [t for t in RATIO_TICKS if low <= t <= high]
    if not candidates:
        return [1]
    span = max(np.log10(high) - np.log10(low), 1e-12)

    def fits(ticks: list[float]) -> bool:
        where = [length * (np.log10(t) - np.log10(low)) / span for t in ticks]
        size = [fontsize * (0.6 * len(f"{t:g}") if axis == "x" else 1.0) for t in ticks]
        return all(
            where[i + 1] - where[i] - (size[i] + size[i + 1]) / 2 >= RATIO_TICK_GAP
            for i in range(len(ticks) - 1)
        )

    choices = [[t for t in candidates if _ratio_level(t) <= level] for level in (3, 2, 1, 0)]
    choices = [c for c in choices if c]
    return next((c for c in choices if fits(c)), choices[-1])


def ratio_axis(ax: plt.Axes, axis: str = "x") -> None:
    """A log-scale rate-ratio axis ticked at plain numbers (0.2, 0.5, 1, 1.5, 2...), not
    powers of ten, with no minor tick labels; on an axis too short for all of them, the ticks
    whose labels fit side by side (:func:`ratio_ticks`)."""
    which = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    box = ax.get_window_extent().transformed(ax.figure.dpi_scale_trans.inverted())  # inches
    length = 72 * (box.width if axis == "x" else box.height)
    size = font_manager.FontProperties(size=plt.rcParams[f"{axis}tick.labelsize"])
    ticks = ratio_ticks(min(low, high), max(low, high), length, size.get_size_in_points(), axis)
    which.set_major_locator(mticker.FixedLocator(ticks))
    which.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    which.set_minor_formatter(mticker.NullFormatter())


def month_edges(months: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Month starts plus the start of the month after the last: the edges of monthly steps."""
    return months.append(pd.DatetimeIndex([months[-1] + pd.offsets.MonthBegin(1)]))


def by_month(draws, months=None) -> xr.DataArray:
    """Simulated counts with their month dimension named ``month``.

    The observed variable of a model (and so its prior and posterior predictive draws) runs
    over the training months, dim ``train_month``; the figures call it ``month``. An array of
    shape (draws, months), as :meth:`~forecast.models.base.BaseModel.prior_predictive_counts`
    gives, becomes a DataArray over ``draw`` and ``month``.

    Parameters
    ----------
    draws : xarray.DataArray or array-like
        Simulated counts: a DataArray with a ``month`` or ``train_month`` dimension, or a 2-D
        array with the months last.
    months : array-like, optional
        The months of an array's last axis (its ``month`` coordinate); a DataArray keeps its
        own.

    Returns
    -------
    xarray.DataArray
    """
    if isinstance(draws, xr.DataArray):
        return draws.rename(train_month="month") if "train_month" in draws.dims else draws
    values = np.asarray(draws)
    if values.ndim != 2:
        raise ValueError(f"simulated counts of shape {values.shape}: expected (draws, months)")
    coords = {} if months is None else {"month": np.asarray(months)}
    if months is not None and len(coords["month"]) != values.shape[1]:
        raise ValueError(f"{values.shape[1]} simulated months, {len(coords['month'])} months given")
    return xr.DataArray(values, dims=("draw", "month"), coords=coords)
