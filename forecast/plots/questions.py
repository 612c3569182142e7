"""Figures of forecast questions: the answers by question and the reliability of resolved
probabilities. Question titles are the user's text: drawn literally, in the fallback fonts."""

from __future__ import annotations

import textwrap

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from forecast.plots.style import literal, user_text

__all__ = ["plot_answers", "plot_family_reliability", "plot_reliability"]


def plot_reliability(
    table: pd.DataFrame,
    ax=None,
    label: str | None = None,
    diagonal: bool = True,
    marker: str = "o",
):
    """Reliability diagram of :func:`forecast.questions.reliability_table` output; returns the
    axes. ``diagonal=False`` adds a second set of answers to axes that have their diagonal
    (``marker`` tells the sets apart)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    if diagonal:
        ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect calibration")
    yerr = np.vstack(
        [table["observed_frequency"] - table["lo90"], table["hi90"] - table["observed_frequency"]]
    )
    ax.errorbar(
        table["mean_probability"],
        table["observed_frequency"],
        yerr=yerr,
        fmt=marker,
        capsize=3,
        label=label or "forecasts (90% interval)",
    )
    for row in table.itertuples():
        ax.annotate(
            f"{row.n}",
            (row.mean_probability, row.observed_frequency),
            fontsize=7,
            xytext=(4, -10),
            textcoords="offset points",
        )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="forecast probability",
        ylabel="observed frequency",
        title="Reliability (n per bin)",
    )
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_answers(table: pd.DataFrame, ax=None):
    """Figure of an answers table: binary as bars, numeric and date as 10-90% intervals.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`forecast.questions.answers_table`.
    ax : Axes or sequence of Axes, optional
        One axes per answer type present (binary, numeric, date, in that order).

    Returns
    -------
    list of Axes
    """
    kinds = [k for k in ("binary", "numeric", "date") if (table["answer_type"] == k).any()]
    if ax is None:
        heights = [max(1.2, 0.45 * (table["answer_type"] == k).sum() + 0.8) for k in kinds]
        _, axes = plt.subplots(
            len(kinds),
            1,
            figsize=(9, sum(heights)),
            gridspec_kw={"height_ratios": heights},
            squeeze=False,
            layout="constrained",
        )
        axes = list(axes[:, 0])
    else:
        axes = list(np.atleast_1d(ax))
        if len(axes) != len(kinds):
            raise ValueError(f"need {len(kinds)} axes ({', '.join(kinds)}), got {len(axes)}")
    for kind, axis in zip(kinds, axes, strict=True):
        rows = table[table["answer_type"] == kind].iloc[::-1]
        labels = [literal(f"{r.question} ({r.unit})") for r in rows.itertuples()]
        y = np.arange(len(rows))
        if kind == "binary":
            axis.barh(y, rows["probability"].astype(float), color="tab:blue", height=0.6)
            for yi, p in zip(y, rows["probability"].astype(float), strict=True):
                axis.text(min(p + 0.01, 0.9), yi, f"{p:.2f}", va="center", fontsize=8)
            axis.set(xlim=(0, 1), xlabel="probability")
        elif kind == "numeric":
            lo, mid, hi = (rows[c].astype(float).to_numpy() for c in ("q10", "q50", "q90"))
            axis.hlines(y, lo, hi, color="tab:blue", lw=3, label="10-90% interval")
            axis.plot(mid, y, "o", color="white", mec="tab:blue", label="median")
            axis.plot(rows["mean"].astype(float), y, "|", color="black", ms=12, label="mean")
            axis.set(xlabel="count in the window (unit in brackets)")
            axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        else:
            _plot_dates(axis, rows, y)
        axis.set_yticks(y, labels, fontsize=8)
        user_text(axis.get_yticklabels())  # question ids are the user's text
        axis.set_title(f"{kind} questions", fontsize=9, loc="left")
    return axes


def _plot_dates(axis, rows: pd.DataFrame, y: np.ndarray) -> None:
    """Date answers: 10-90% interval of the first-event month; open end when past the window."""

    def when(label: str, end: str) -> pd.Timestamp:
        if label.startswith("after "):
            return (pd.Period(end, "M") + 1).to_timestamp()
        return pd.Period(label, "M").to_timestamp()

    for yi, row in zip(y, rows.itertuples(), strict=True):
        lo, mid, hi = (
            when(getattr(row, c), row.window_end) for c in ("month_q10", "month_q50", "month_q90")
        )
        axis.hlines(yi, lo, hi, color="tab:orange", lw=3)
        axis.plot(mid, yi, "o", color="white", mec="tab:orange")
        end = (pd.Period(row.window_end, "M") + 1).to_timestamp()
        axis.axvline(end, color="0.7", lw=0.8, ls=":")
        axis.text(end, yi, f"  P(none) {row.p_none:.2f}", va="center", fontsize=7)
    locator = mdates.AutoDateLocator(maxticks=8)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axis.set(xlabel="month of the first event (10-90% interval, o median; dotted: window end)")


def plot_family_reliability(
    reliability: pd.DataFrame,
    titles: dict[str, str] | None = None,
    span: str = "",
    columns: int = 4,
) -> plt.Figure:
    """One reliability diagram per question family, in rows of ``columns`` panels.

    Parameters
    ----------
    reliability : DataFrame
        ``question_reliability.csv`` of the question backtest (``family``, ``kind``, the bins);
        its ``probability`` rows are drawn.
    titles : dict of str to str, optional
        A readable title per family id (default: the id).
    span : str, optional
        The cutoffs the answers were asked at, for the figure's title (e.g. "every month
        2000-01 to 2024-12"; :func:`forecast.evaluation.strict_questions.question_span`).
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    probabilities = reliability[reliability["kind"] == "probability"]
    families = list(dict.fromkeys(probabilities["family"]))
    if not families:
        raise ValueError("no probability rows to draw")
    titles = titles or {}
    rows = -(-len(families) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.3 * columns, 3.6 * rows), sharex=True, sharey=True, squeeze=False
    )
    for ax, family in zip(axes.flat, families, strict=False):
        plot_reliability(probabilities[probabilities["family"] == family], ax=ax)
        ax.set_title(literal(_wrapped(titles.get(family, family))), fontsize="small")
        ax.legend().remove()
    for k in range(len(families), rows * columns):  # an empty panel: the one above keeps ticks
        axes.flat[k].set_visible(False)
        axes.flat[k - columns].xaxis.set_tick_params(labelbottom=True)
    where = f", answers asked at {span}" if span else ""
    title = (
        "Reliability of the backtested question probabilities: observed frequency against "
        f"forecast probability by bin (90% intervals; n answers beside each point){where}"
    )
    # about 11 characters of the medium font per inch of the figure's width
    fig.suptitle(textwrap.fill(title, width=int(11 * fig.get_figwidth())), fontsize="medium")
    fig.tight_layout()
    return fig


def _wrapped(text: str, width: int = 38) -> str:
    """A title in lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(text, width)) or text
