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
import pandas as pd
from matplotlib import font_manager
from matplotlib.patches import Patch
from matplotlib.text import Text

from forecast.constants import STATE_LABELS, STATE_WORDS, STATES

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


def state_words(text: str) -> str:
    """A row label of a path split (``stays no_talks``, ``active_talks in Dec 2026``) with the
    states as the figures name them, capitalised only to start the label (``stays no talks``,
    ``Active talks in Dec 2026``), as the glossary writes them."""
    words = str(text).split(" ")

    def named(i: int, word: str) -> str:
        if word not in STATE_LABELS:
            return word
        return STATE_LABELS[word] if i == 0 else STATE_WORDS[word]

    return " ".join(named(i, word) for i, word in enumerate(words))


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
    names = list(names)
    colors = {n: SCENARIO_COLORS[n] for n in names if n in SCENARIO_COLORS}
    free = [c for c in SCENARIO_PALETTE if c not in colors.values()] or list(SCENARIO_PALETTE)
    others = [n for n in names if n not in colors]
    colors.update({n: free[i % len(free)] for i, n in enumerate(others)})
    return {n: colors[n] for n in names}


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
RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 50, 100)


def ratio_axis(ax: plt.Axes, axis: str = "x") -> None:
    """A log-scale rate-ratio axis ticked at plain numbers (0.2, 0.5, 1, 1.5, 2...), not
    powers of ten, with no minor tick labels."""
    which = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    ticks = [t for t in RATIO_TICKS if low <= t <= high] or [1]
    which.set_major_locator(mticker.FixedLocator(ticks))
    which.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    which.set_minor_formatter(mticker.NullFormatter())


def month_edges(months: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Month starts plus the start of the month after the last: the edges of monthly steps."""
    return months.append(pd.DatetimeIndex([months[-1] + pd.offsets.MonthBegin(1)]))


def by_month(draws):
    """Simulated counts with their month dimension named ``month``.

    The observed variable of a model (and so its prior and posterior predictive draws) runs
    over the training months, dim ``train_month``; the figures call it ``month``.
    """
    return draws.rename(train_month="month") if "train_month" in draws.dims else draws
