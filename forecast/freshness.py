"""How old the data is, what it lacks, and forecasts that start in the past.

One place for the data's age, used by ``forecast data summary``, ``fit``, ``scenarios`` and
the report's first screen. :func:`data_freshness` computes a :class:`Freshness` record from
the tables and a ``today`` (injectable; the default is :func:`datetime.date.today`);
:func:`freshness_lines` and :func:`freshness_html` render it for the terminal and for HTML.

The data's as-of date is the end of the coded negotiation-state timeline
(:attr:`forecast.data.panel.Tables.as_of`): the panel, and so every fit, stops there, even when
launches after it have been imported. The data are **stale** when they lack at least
:data:`STALE_AFTER_MONTHS` complete calendar months before today: the message then names those
months and the commands that bring them in.

A forecast made from the data's end starts in the month after the as-of date. When that month
is before today's month, the forecast is "from the data's end, partly in the past"
(:func:`forecast_timing`); the months of it that the data (with the user's overlay) now cover
are scored by :func:`score_past_months` with :func:`forecast.ledger.score_forecast`, as the
ledger scores frozen forecasts. A window inside such a forecast (a question's months, a
calendar year) is marked the same way by :func:`window_note`: ended before today's month, or
begun before it.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.constants import DATA_END
from forecast.data import month_periods
from forecast.errors import ConfigError
from forecast.ledger import score_forecast
from forecast.present import counted
from forecast.scores import crps
from forecast.summaries import target_noun

#: Complete calendar months the data may lack before they are called stale (and warned about).
STALE_AFTER_MONTHS = 2


@dataclass
class Freshness:
    """The age of the data on a given day.

    Attributes
    ----------
    as_of : date
        Last day the data are complete for (the end of the state timeline).
    today : date
        The day the age is measured on.
    age_days : int
        Days from ``as_of`` to ``today`` (0 when ``today`` is not later).
    age_months : int
        Whole months from ``as_of`` to ``today``, as an age is counted (0 when not later):
        2025-12-31 to 2026-12-05 is 11 months (and 5 days), 2026-12-31 twelve.
    missing_months : list of str
        Complete months (``YYYY-MM``) after the as-of date and before today's month: the
        months the data lack.
    stale : bool
        At least :data:`STALE_AFTER_MONTHS` complete months are missing.
    commands : list of str
        The commands that bring the missing months in, in the order to run them.
    late_launch_days : int
        Launch days imported after the as-of date (they wait for ``set-state``).
    """

    as_of: dt.date
    today: dt.date
    age_days: int
    age_months: int
    missing_months: list[str] = field(default_factory=list)
    stale: bool = False
    commands: list[str] = field(default_factory=list)
    late_launch_days: int = 0

    @property
    def missing_span(self) -> str:
        """The missing months as ``YYYY-MM..YYYY-MM`` (or one month, or ``""``)."""
        if not self.missing_months:
            return ""
        first, last = self.missing_months[0], self.missing_months[-1]
        return first if first == last else f"{first}..{last}"

    @property
    def age_words(self) -> str:
        """``"11 months old"``, ``"12 days old"`` or ``"current"``."""
        if self.age_days <= 0:
            return "current"
        if self.age_months >= 2:
            return f"{self.age_months} months old"
        return f"{self.age_days} day{'s' if self.age_days != 1 else ''} old"


def whole_months(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is not later): the largest
    ``k`` with ``start`` + ``k`` months <= ``end``, a month-end staying a month-end."""
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and (pd.Timestamp(start) + pd.DateOffset(months=months)).date() > end:
        months -= 1
    return max(0, months)


def check_today(tables, today: dt.date | None) -> dt.date | None:
    """Refuse a ``--today`` before the data begin or before the data end.

    The data's age is measured from their end to ``today``; a ``today`` before the end
    would call data "current" that hold events after it (``--today 1900-01-01``).

    Parameters
    ----------
    tables : Tables or date-like
        The loaded tables (their first event or state date and their as-of date), or just
        the as-of date (``Timestamp``, ``date`` or ``YYYY-MM-DD``).
    today : date or None
        The ``--today`` option (``None``: the real today, which is always accepted).

    Returns
    -------
    date or None
        ``today``.

    Raises
    ------
    ConfigError
        Naming ``--today``, the data's first and last day, and the fix.
    """
    if today is None:
        return None
    if hasattr(tables, "negotiation_states"):
        as_of = pd.Timestamp(tables.as_of).date()
        starts = [tables.negotiation_states["start"].min(), tables.missile_tests["date"].min()]
        first = min(pd.Timestamp(d) for d in starts if pd.notna(d)).date()
    else:
        as_of, first = pd.Timestamp(tables).date(), None
    fix = (
        "give a --today on or after the data's end (YYYY-MM-DD), or leave it out to use "
        "today's date"
    )
    if first is not None and today < first:
        raise ConfigError(
            "--today",
            f"{today} is before the data begin ({first}) and end ({as_of})",
            fix,
        )
    if today < as_of:
        raise ConfigError(
            "--today",
            f"{today} is before the end of the data ({as_of}): the data hold days after it, "
            "so their age on that day means nothing",
            fix,
        )
    return today


def _month_end(period: pd.Period) -> dt.date:
    return period.end_time.date()


def data_freshness(
    tables, today: dt.date | None = None, data_dir: str | Path | None = None
) -> Freshness:
    """The age of ``tables`` on ``today``, the months they lack and the commands to add them.

    Parameters
    ----------
    tables : Tables
        The loaded tables (bundled data merged with the overlay).
    today : date, optional
        The day to measure on (default: :func:`datetime.date.today`; tests pass a fixed day).
    data_dir : str or Path, optional
        The overlay folder in use, named in the commands (``--data-dir``) when given.

    Returns
    -------
    Freshness
    """
    today = today or dt.date.today()
    as_of = pd.Timestamp(tables.as_of).date()
    first_missing = pd.Period(as_of + dt.timedelta(days=1), "M")
    this_month = pd.Period(today, "M")
    missing = [str(p) for p in pd.period_range(first_missing, this_month - 1, freq="M")]
    if today <= as_of:
        missing = []
    age_days = max(0, (today - as_of).days)
    age_months = whole_months(as_of, today)
    late = tables.missile_tests[tables.missile_tests["date"] > pd.Timestamp(as_of)]
    record = Freshness(
        as_of=as_of,
        today=today,
        age_days=age_days,
        age_months=age_months,
        missing_months=missing,
        stale=len(missing) >= STALE_AFTER_MONTHS,
        late_launch_days=int(late["date"].nunique()),
    )
    if missing:
        record.commands = update_commands(as_of, _month_end(this_month - 1), data_dir)
    return record


def update_commands(
    as_of: dt.date, through: dt.date, data_dir: str | Path | None = None
) -> list[str]:
    """The exact commands that bring the months after ``as_of`` (to ``through``) into the data.

    Launches first (``data import``, either format), then the negotiation state of the new
    months (``set-state``, which extends the timeline and so the as-of date), then the
    exercises held in them (``add-exercise``) and that no other was (``confirm-exercises``),
    and that the leaders continued (``confirm-leaders``).
    Words in capitals are for the user to fill in.
    """
    where = f" --data-dir {data_dir}" if data_dir is not None else ""
    start = as_of + dt.timedelta(days=1)
    return [
        f"forecast data import NEW_LAUNCHES.csv --format events{where}   "
        "# or the CNS export: --format cns",
        f"forecast data set-state {start:%Y-%m-%d} STATE --end {through:%Y-%m-%d} "
        f'--source "WHERE THE CODING COMES FROM"{where}',
        f"forecast data add-exercise NAME START END --source URL{where}   "
        f"# each major US-ROK exercise held from {start:%Y-%m-%d} to {through:%Y-%m-%d}",
        f"forecast data confirm-exercises {through:%Y-%m-%d} --source URL{where}   "
        "# then: no other was held",
        f"forecast data confirm-leaders {through:%Y-%m-%d} --source URL{where}   "
        "# no leader changed (else first: data set-leader COUNTRY NAME START)",
    ]


def freshness_lines(record: Freshness) -> list[tuple[str, str]]:
    """The record as terminal lines, each ``(style, text)``; the CLI prints them with rich.

    Style is ``""`` for plain information, ``"warning"`` for a stale-data warning and
    ``"command"`` for a command to run.
    """
    lines = [("", f"Data as of {record.as_of:%Y-%m-%d} ({record.age_words} on {record.today})")]
    if late := record.late_launch_days:
        lines.append(
            (
                "warning",
                f"{counted(late, 'imported launch day')} after {record.as_of} "
                + ("waits for its" if late == 1 else "wait for their")
                + " negotiation state (set-state below) before any fit uses "
                + ("it" if late == 1 else "them"),
            )
        )
    if not record.stale:
        return lines
    n = len(record.missing_months)
    lines.append(
        (
            "warning",
            f"the data lack {counted(n, 'complete month')}, {record.missing_span}: no fit can "
            f"use a month after {record.as_of:%Y-%m}, and a forecast from the data's end starts in "
            "the past. Bring the new events in with:",
        )
    )
    lines += [("command", command) for command in record.commands]
    return lines


def freshness_html(record: Freshness) -> str:
    """The record as HTML: a one-line age, and a warning banner with the commands when stale."""
    age = (
        f'<p id="data-age" class="meta">Data as of <b>{record.as_of:%Y-%m-%d}</b>: '
        f"{html.escape(record.age_words)} on {record.today:%Y-%m-%d}.</p>"
    )
    if not record.stale:
        return age
    commands = "\n".join(html.escape(c) for c in record.commands)
    return (
        f"{age}\n"
        '<div id="stale" class="warning" role="alert"><b>Old data:</b> the data end '
        f"{record.as_of:%Y-%m-%d}, {html.escape(record.age_words)}; they lack "
        f"{counted(len(record.missing_months), 'complete month')}, <b>{record.missing_span}</b>. "
        "The forecasts from the data's end therefore lie partly in the past (the outlook from "
        "today, where the page has one, first simulates the missing months). "
        "To bring the new events in, then rebuild:"
        f"<pre>{commands}\nmake report   # or: forecast report --force</pre></div>"
    )


# --- forecasts that start in the past ---------------------------------------------------------


@dataclass
class ForecastTiming:
    """Where a forecast's months sit against today.

    Attributes
    ----------
    first, last : Period
        First and last forecast months.
    past : list of str
        Forecast months before today's month (``YYYY-MM``).
    """

    first: pd.Period
    last: pd.Period
    past: list[str]

    @property
    def partly_past(self) -> bool:
        """The forecast starts before today's month."""
        return bool(self.past)

    @property
    def all_past(self) -> bool:
        """Every forecast month is before today's month."""
        return len(self.past) == (self.last - self.first).n + 1

    @property
    def title(self) -> str:
        """A heading: "The current outlook" or "A forecast from the data's end, partly in
        the past" (or "in the past" when every month is)."""
        return self.title_from(DATA_END)

    @property
    def status(self) -> str:
        """``future``, ``partly past`` or ``past``: how much of the forecast today has passed."""
        return "past" if self.all_past else "partly past" if self.partly_past else "future"

    def title_from(self, origin: str) -> str:
        """:attr:`title` for a forecast made from ``origin`` (e.g. "the end of the run's fit
        (2019-10)", for a run fitted to a month before the data's end)."""
        span = f"{self.first:%B %Y} to {self.last:%B %Y}"
        if not self.past:
            return f"The current outlook, {span}"
        where = "in the past" if self.all_past else "partly in the past"
        return f"A forecast from {origin}, {where}: {span}"


def forecast_origin(fit_end, data_end) -> str:
    """Where a run's forecasts start, in words: "the data's end", or "the end of the run's fit
    (2019-10)" for a run fitted to a month before ``data_end``, the data's last whole month
    (:attr:`forecast.data.Tables.last_whole_month`)."""
    fit_end = pd.Period(fit_end, "M")
    if fit_end >= pd.Period(data_end, "M"):
        return DATA_END
    return f"the end of the run's fit ({fit_end})"


def forecast_timing(months, today: dt.date | None = None) -> ForecastTiming:
    """Which of the forecast ``months`` (timestamps or periods) are before today's month."""
    today = today or dt.date.today()
    periods = pd.PeriodIndex(pd.DatetimeIndex(pd.to_datetime(list(months))), freq="M")
    now = pd.Period(today, "M")
    past = [str(p) for p in periods if p < now]
    return ForecastTiming(first=periods[0], last=periods[-1], past=past)


def window_timing(start, end, today: dt.date | None = None) -> ForecastTiming:
    """Where the whole months ``start`` to ``end`` (``YYYY-MM``, periods or timestamps; both
    included) sit against today's month, as :func:`forecast_timing` places a forecast."""
    months = pd.period_range(pd.Period(start, "M"), pd.Period(end, "M"), freq="M")
    return forecast_timing(months.to_timestamp(), today)


def window_columns(table: pd.DataFrame, months, data_end, today) -> pd.DataFrame:
    """``table`` of totals over the forecast ``months`` with the window written beside every
    row, for a reader of the CSV without the page: ``window_start``, ``window_end``
    (``YYYY-MM``), ``data_as_of`` (the last day of the fitted data, ``data_end``) and
    ``window_status`` on ``today``: ``future``, ``partly past`` or ``past`` (a past window is
    the model's view from the data's end, not a forecast)."""
    timing = forecast_timing(pd.PeriodIndex(months, freq="M").to_timestamp(), today)
    return table.assign(
        window_start=str(timing.first),
        window_end=str(timing.last),
        data_as_of=f"{pd.Timestamp(data_end):%Y-%m-%d}",
        window_status=timing.status,
    )


def month_columns(table: pd.DataFrame, data_end, today: dt.date | None = None) -> pd.DataFrame:
    """``table`` of forecast months (a ``month`` column) with, beside every row, for a reader
    of the CSV without the page: ``data_as_of`` (the last day of the fitted data) and
    ``month_status`` on ``today``: ``past`` for a month before today's (the model's view from
    the data's end, not a forecast), ``current`` for today's month (under way: simulated in
    full, its launches so far not in the data), ``future`` after it (default today:
    :func:`datetime.date.today`)."""
    months = month_periods(table)
    now = pd.Period(today or dt.date.today(), "M")
    status = np.select([months < now, months == now], ["past", "current"], "future")
    return table.assign(data_as_of=f"{pd.Timestamp(data_end):%Y-%m-%d}", month_status=status)


def answer_windows(answers: pd.DataFrame, today) -> pd.DataFrame:
    """The answered questions with each one's ``window_status`` on ``today`` (``future``,
    ``partly past`` or ``past``, as :func:`window_timing` places it), after its window: an
    answer on a past window is the model's view from the data's end, not a forecast."""
    status = [
        window_timing(start, end, today).status
        for start, end in zip(answers["window_start"], answers["window_end"], strict=True)
    ]
    at = list(answers.columns).index("window_end") + 1
    out = answers.copy()
    out.insert(at, "window_status", status)
    return out


def window_note(start, end, as_of, today: dt.date | None = None) -> str:
    """A mark for a window of a forecast from the data's end that today has reached.

    Parameters
    ----------
    start, end : str, Period or Timestamp
        The window's first and last month (both included).
    as_of : str, Period, Timestamp or date
        The last month of the data the forecast was made from (the fit's last month).
    today : date, optional
        The day to measure on (default: :func:`datetime.date.today`; the report passes its
        :attr:`Freshness.today`).

    Returns
    -------
    str
        ``""`` when the window starts in today's month or later; ``"window already past:
        ..."`` when every month of it is before today's month; ``"window partly past: ..."``
        (naming the months before today's) when it has begun.
    """
    return timing_note(window_timing(start, end, today), as_of)


def timing_note(timing: ForecastTiming, as_of) -> str:
    """:func:`window_note` for a window already placed (:func:`window_timing`)."""
    if not timing.partly_past:
        return ""
    view = f"the model's view from the end of its data ({pd.Period(as_of, 'M')}), not a forecast"
    if timing.all_past:
        return f"window already past: {view}"
    past = timing.past
    span = past[0] if len(past) == 1 else f"{past[0]} to {past[-1]}"
    return f"window partly past: for {span}, {view}"


def score_past_months(forecast, panel: pd.DataFrame) -> pd.DataFrame:
    """Score each scenario of a simulation on the forecast months the panel now covers.

    Each scenario's monthly draws are put in the form of a frozen forecast and scored by
    :func:`forecast.ledger.score_forecast` (CRPS, Brier of P(at least 1), inside the
    central 80% interval).

    Parameters
    ----------
    forecast : Forecast
        A forecast (:func:`forecast.scenarios.simulate_scenarios`).
    panel : DataFrame
        The monthly panel now available (bundled data with the user's overlay).

    Returns
    -------
    DataFrame
        One row per scenario and observed month: ``scenario, label, month, observed, mean,
        lo80, hi80, in_80, crps, brier_any``. Empty when no forecast month is observed.
    """
    months = forecast.months.strftime("%Y-%m")
    frames = []
    for name, label in forecast.labels.items():
        counts = forecast.counts.sel(scenario=name).transpose("draw", "month").values
        counts = np.rint(counts).astype(int)
        frozen = {
            "target": forecast.target,
            "draws": {m: counts[:, j].tolist() for j, m in enumerate(months)},
        }
        scores = score_forecast(frozen, panel)
        frames.append(scores.assign(scenario=name, label=label))
    columns = ["scenario", "label", "month", "observed", "mean", "lo80", "hi80", "in_80"]
    columns += ["crps", "brier_any"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def past_score_summary(scores: pd.DataFrame, forecast=None) -> pd.DataFrame:
    """Per scenario: the months scored, observed and expected totals, the months inside their
    monthly 80% intervals, and the two CRPS that can tell how a scenario fared.

    Parameters
    ----------
    scores : DataFrame
        From :func:`score_past_months`.
    forecast : Forecast, optional
        The same forecast: with it, ``crps_total`` is added.

    Returns
    -------
    DataFrame
        ``scenario, label, months, observed, expected, in_80`` and ``crps_per_month`` (the mean
        over the observed months of each month's CRPS: how well the month-by-month path
        fitted), with ``forecast`` also ``crps_total`` (the CRPS of the simulated total of those
        months against the observed total, what notebook 04 and
        :func:`forecast.summaries.observed_in` rank scenarios by). Both are in the target's
        unit (launch days or missiles); lower fitted better.
    """
    columns = ["scenario", "label", "months", "observed", "expected", "in_80", "crps_per_month"]
    if scores.empty:
        return pd.DataFrame(columns=columns + (["crps_total"] if forecast is not None else []))
    summary = (
        scores.groupby(["scenario", "label"], sort=False)
        .agg(
            months=("month", "size"),
            observed=("observed", "sum"),
            expected=("mean", "sum"),
            in_80=("in_80", "sum"),
            crps_per_month=("crps", "mean"),
        )
        .reset_index()
    )
    if forecast is None:
        return summary
    months = forecast.months.strftime("%Y-%m")
    totals = []
    for row in summary.itertuples(index=False):
        scored = np.isin(months, scores.loc[scores["scenario"] == row.scenario, "month"])
        counts = forecast.counts.sel(scenario=row.scenario).transpose("draw", "month").values
        drawn = np.rint(counts[:, scored]).sum(axis=1)
        totals.append(float(crps([row.observed], drawn[None, :])[0]))
    return summary.assign(crps_total=totals)


def past_score_words(summary: pd.DataFrame, target: str = "launch_days") -> str:
    """The sentence under a table of :func:`past_score_summary`: what its CRPS columns are, in
    which unit, and which scenario each ranks first (the two can differ)."""
    if summary.empty:
        return ""
    noun = target_noun(target)
    n = int(summary["months"].max())
    best_months = summary.loc[summary["crps_per_month"].idxmin(), "label"]
    sentence = (
        f"Lower is better; both CRPS are in {noun}. CRPS per month: the mean over the "
        f"{counted(n, 'observed month')} of each month's CRPS (the month-by-month "
        f"path): '{best_months}' fitted best."
    )
    if "crps_total" not in summary:
        return sentence
    best_total = summary.loc[summary["crps_total"].idxmin(), "label"]
    same = " too" if best_total == best_months else ""
    return sentence + (
        f" CRPS of the total: the simulated total of those months against the observed one "
        f"(what notebook 04 ranks by): '{best_total}' fitted best{same}."
    )
