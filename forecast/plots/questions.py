"""Figures of forecast questions: the answers by question and the reliability of resolved
probabilities. Question titles are the user's text: drawn literally, in the fallback fonts."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from forecast.plots.style import literal, user_text

__all__ = ["plot_answers", "plot_reliability"]


def plot_reliability(table: pd.DataFrame, ax=None, label: str | None = None):
    """Reliability diagram of :func:`forecast.questions.reliability_table` output; returns the
    axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect calibration")
    yerr = np.vstack(
        [table["observed_frequency"] - table["lo90"], table["hi90"] - table["observed_frequency"]]
    )
    ax.errorbar(
        table["mean_probability"],
        table["observed_frequency"],
        yerr=yerr,
        fmt="o",
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
        lo, mid, hi = (when(getattr(row, c), row.window_end) for c in ("q10", "q50", "q90"))
        axis.hlines(yi, lo, hi, color="tab:orange", lw=3)
        axis.plot(mid, yi, "o", color="white", mec="tab:orange")
        end = (pd.Period(row.window_end, "M") + 1).to_timestamp()
        axis.axvline(end, color="0.7", lw=0.8, ls=":")
        axis.text(end, yi, f"  P(none) {row.p_none:.2f}", va="center", fontsize=7)
    locator = mdates.AutoDateLocator(maxticks=8)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axis.set(xlabel="month of the first event (10-90% interval, o median; dotted: window end)")
