"""The monthly panel: one row per month, counts and covariates.

This is the data contract every model reads (like Prophet's ``ds``/``y``).

Columns
-------
month : Timestamp
    First day of the month.
year, month_of_year : int
    Calendar year and month (1-12).
launch_days : int
    Distinct dates with at least one CNS launch (the default target; salvos
    inflate missile counts). A month-precision record (8 before 1993) counts as
    one launch day in its month.
missiles : int
    CNS missiles launched (one per row of ``missile_tests.csv``).
launch_days_<class> : int
    Launch days with at least one missile of that class (``srbm``, ``mrbm``,
    ``irbm``, ``icbm``, ``slbm``, ``slv``, ``hgv``, ``unknown``). A day with two
    classes counts once in each.
nuclear_tests : int
    Nuclear tests in the month.
csis_missile_events : int
    CSIS "Missile Provocation" events (broader scope than CNS: cruise missiles,
    rocket systems, engine tests).
state : str
    Negotiation state covering most days of the month (ties go to the later state).
exercise_days : int
    Days in the month on which at least one major US-ROK exercise was held
    (exercises with scale ``suspended`` do not count).
dprk_leader, us_president, rok_president : str
    Leader in office on most days of the month.

Day by day
----------
Four text columns carry each month's days, one character per day of the month (28-31), so
that a model of days can be built, saved with its fit and moved along a backtest from the
panel alone; :func:`forecast.data.daily.daily_frame` expands them into one row per day.

day_launches : str
    ``"1"`` on a day with at least one CNS launch, else ``"0"``; the ``"1"`` count is
    ``launch_days``. A month-precision record is placed on the first of its month.
day_missiles : str
    Missiles launched on each launch day of the month, in day order, separated by spaces
    (``""`` in a month without launches); they sum to ``missiles``.
day_states : str
    The negotiation state of each day, as its position in
    :data:`~forecast.constants.STATES` (``"0"`` = ``no_talks`` ... ``"3"`` = ``summitry``).
day_exercise : str
    ``"1"`` on a day on which a major US-ROK exercise was held (as for ``exercise_days``,
    whose count it is), else ``"0"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.constants import MISSILE_CLASSES, PANEL_START, STATES
from forecast.errors import DataError
from forecast.present import and_list

#: Panel column holding the launch days of one class.
CLASS_COLUMNS = {c: f"launch_days_{c.lower()}" for c in MISSILE_CLASSES}

#: Count columns a model may use as its target.
TARGETS = ("launch_days", "missiles", "csis_missile_events")

#: The panel column of each country's leader.
LEADER_COLUMNS = {"DPRK": "dprk_leader", "US": "us_president", "ROK": "rok_president"}


@dataclass
class Tables:
    """The six canonical tables, validated."""

    missile_tests: pd.DataFrame
    nuclear_tests: pd.DataFrame
    provocations_csis: pd.DataFrame
    negotiation_states: pd.DataFrame
    exercises: pd.DataFrame
    leaders: pd.DataFrame

    #: Last day the exercise calendar is coded for (default: :attr:`as_of`). Set by
    #: the overlay merge to the latest of the bundled data's end, the last overlay
    #: exercise and the last day confirmed with ``forecast data confirm-exercises``: after
    #: it, days have 0 exercise days by assumption, not by record.
    exercises_through: pd.Timestamp | None = None
    #: Last day the CSIS list covers (default: :attr:`as_of`): the later of the bundled
    #: data's end and the last CSIS event of the overlay.
    csis_through: pd.Timestamp | None = None
    #: The overlay folder merged over the bundled tables (``None``: the bundled data alone),
    #: named in messages about rows that can only come from it.
    overlay_dir: Path | None = None

    @property
    def as_of(self) -> pd.Timestamp:
        """Last day the data is complete for: the end of the coded state timeline."""
        return self.negotiation_states["end"].max()

    @property
    def exercise_calendar_end(self) -> pd.Timestamp:
        """Last day the exercise calendar is coded for: :attr:`exercises_through`, or
        :attr:`as_of` when no overlay set it (the bundled data alone)."""
        return self.exercises_through or self.as_of

    @property
    def csis_end(self) -> pd.Timestamp:
        """Last day the CSIS list covers: :attr:`csis_through`, or :attr:`as_of`."""
        return self.csis_through or self.as_of

    @property
    def last_whole_month(self) -> pd.Period:
        """The last month the data cover whole: :attr:`as_of`'s month when it is the month's
        last day, else the month before (a state coded to today leaves today's month out of
        the panel until it ends)."""
        return (self.as_of + pd.Timedelta(days=1)).to_period("M") - 1

    @property
    def leaders_through(self) -> pd.Timestamp:
        """Last day every country's leader is coded for."""
        return leaders_through(self.leaders)


def state_runs(states: pd.Series) -> pd.Series:
    """The run each row belongs to: consecutive rows in one state share a number (1, 2, ...),
    so that ``frame.groupby(state_runs(frame["state"]))`` gives the episodes of a timeline (a
    panel's months, the coded periods)."""
    return states.ne(states.shift()).cumsum()


def month_periods(frame: pd.DataFrame) -> pd.PeriodIndex:
    """The ``month`` column of a panel (or of any table with one: a fit's training rows, the
    outlook's states) as monthly Periods."""
    return pd.PeriodIndex(pd.to_datetime(frame["month"]), freq="M")


def leaders_through(leaders: pd.DataFrame) -> pd.Timestamp:
    """The last day every country of ``leaders`` (the leaders table) has its leader coded for."""
    return leaders.groupby("country")["end"].max().min()


def data_caveats(
    tables: Tables, panel: pd.DataFrame, columns: list[str] | None = None
) -> list[str]:
    """Plain-language warnings about panel months that some tables do not cover.

    The state timeline can be extended with ``forecast data set-state`` beyond
    the bundled data; the other tables then fall silent for the new months. Each
    caveat names the months and what they were given instead (0 exercise days, 0
    CSIS events, no leader), and the fix where there is one. Exercise days and CSIS events
    are counted by day, so a month the table covers only in part is named too (its days
    after the table's end count 0); a month's leader is the one of most of its coded days, so
    the leaders caveat starts at the first month without one.

    Parameters
    ----------
    tables : Tables
        The tables the panel was built from.
    panel : DataFrame
        A monthly panel (see :func:`monthly_panel`).
    columns : list of str, optional
        The panel columns a model reads (:meth:`forecast.models.BaseModel.columns`): a caveat
        about columns it does not read is left out (a launch-day fit is not told that the
        CSIS list ends). Default: every caveat.

    Returns
    -------
    list of str
        Empty when every table covers every month of the panel.
    """
    last_month = pd.Timestamp(panel["month"].iloc[-1]).to_period("M")
    checks = (  # (the table's last day, the caveat, the columns it is about): counted by day
        (
            tables.exercise_calendar_end,
            "the exercise calendar is coded to {through}: exercise days after it ({months}) "
            "are 0 by assumption; if a major exercise was held, add it with 'forecast data "
            "add-exercise' (e.g. Freedom Shield in March, Ulchi Freedom Shield in August), "
            "then say none other was held with 'forecast data confirm-exercises {last} "
            "--source URL'",
            ("exercise_days",),
        ),
        (
            tables.csis_end,
            "the CSIS provocations list ends {through}: csis_missile_events counts no event "
            "after it ({months}) by assumption (do not fit that target past {through})",
            ("csis_missile_events",),
        ),
    )
    last = f"{last_month.end_time:%Y-%m-%d}"  # the day a confirmation would reach

    def span(after: pd.Period) -> str:
        return after.strftime("%Y-%m") + (f"..{last_month:%Y-%m}" if after < last_month else "")

    caveats = []
    for through, text, about in checks:
        if columns is not None and not set(about) & set(columns):
            continue
        after = (through + pd.Timedelta(days=1)).to_period("M")  # the first month not whole
        if after <= last_month:
            caveats.append(
                text.format(through=f"{through:%Y-%m-%d}", months=span(after), last=last)
            )
    # leaders by country: a month's leader is the one of most of its coded days, so a country's
    # caveat starts at the first month after its last coded day
    ends = tables.leaders.groupby("country")["end"].max()
    read = {
        column: ends[country]
        for country, column in LEADER_COLUMNS.items()
        if country in ends and (columns is None or column in columns)
    }
    lagging = {c: end.to_period("M") + 1 for c, end in read.items()}
    lagging = {c: after for c, after in lagging.items() if after <= last_month}
    if lagging:
        through = min(read[c] for c in lagging)
        if len(set(lagging.values())) == 1:
            names = list(lagging)
            which = f"{and_list(names)} {'are' if len(names) > 1 else 'is'}"
            empty = f"{which} empty in {span(next(iter(lagging.values())))}"
        else:  # each from its own month
            (column, after), *rest = lagging.items()
            empty = f"{column} is empty in {span(after)}" + "".join(
                f", {c} in {span(a)}" for c, a in rest
            )
        carry = (
            " (the models' leader eras carry the last DPRK leader forward)"
            if "dprk_leader" in lagging
            else ""
        )
        caveats.append(
            f"leaders are coded to {through:%Y-%m-%d}: {empty}{carry}; if no leader changed, "
            f"say so with 'forecast data confirm-leaders {last} --source URL'; code a new one "
            "with 'forecast data set-leader COUNTRY NAME START --source URL' first"
        )
    return caveats


def _daily(periods: pd.DataFrame, value: str, index: pd.DatetimeIndex) -> pd.Series:
    """Expand contiguous ``start/end`` periods into one value per day of ``index``."""
    periods = periods.sort_values("start")
    pos = np.searchsorted(periods["start"].to_numpy(), index.to_numpy(), side="right") - 1
    values = periods[value].to_numpy()[np.clip(pos, 0, None)]
    inside = (pos >= 0) & (index.to_numpy() <= periods["end"].to_numpy()[np.clip(pos, 0, None)])
    return pd.Series(np.where(inside, values, None), index=index)


def _most_days(daily: pd.Series, freq: str) -> pd.Series:
    """The value covering most days of each period (ties: the later value)."""
    frame = daily.rename("value").to_frame()
    frame["period"] = daily.index.to_period(freq)
    frame["order"] = np.arange(len(frame))
    stats = frame.groupby(["period", "value"]).agg(days=("order", "size"), last=("order", "max"))
    best = stats.reset_index().sort_values(["period", "days", "last"]).groupby("period").tail(1)
    return best.set_index("period")["value"]


def daily_states(tables: Tables, start, end) -> pd.Series:
    """Negotiation state on every day from ``start`` to ``end``."""
    days = pd.date_range(start, end, freq="D")
    return _daily(tables.negotiation_states, "state", days)


def monthly_panel(tables: Tables, start: str = PANEL_START, end: str | None = None) -> pd.DataFrame:
    """Build the monthly panel from the canonical tables.

    Parameters
    ----------
    tables : Tables
        Validated tables (see :func:`forecast.data.load_tables`).
    start : str, default "1990-01"
        First month (``YYYY-MM``); must be covered by the state timeline.
    end : str, optional
        Last month; defaults to the last month the state timeline covers whole
        (:attr:`Tables.last_whole_month`), so quiet months at the end are kept as zeros and a
        month still under way is left out.

    Returns
    -------
    DataFrame
        One row per month; columns documented in this module's docstring.
    """
    states = tables.negotiation_states
    first = pd.Period(start, "M")
    last = pd.Period(end, "M") if end else tables.last_whole_month
    if first.start_time < states["start"].min() or last.end_time.normalize() > tables.as_of:
        raise DataError(
            "negotiation_states.csv",
            f"the panel {first}..{last} is not covered by the state timeline "
            f"({states['start'].min():%Y-%m-%d}..{tables.as_of:%Y-%m-%d})",
            "choose months inside the timeline, or extend it with 'forecast data set-state'",
        )
    if last < first:
        raise ValueError(f"panel end {last} is before its start {first}")
    months = pd.period_range(first, last, freq="M")
    late = tables.missile_tests[tables.missile_tests["date"] > tables.as_of]
    if len(late):  # imported into an overlay: the bundled launches are all inside the timeline
        folder = tables.overlay_dir
        raise DataError(
            folder / "missile_tests.csv" if folder else "missile_tests.csv",
            f"{len(late)} {'launch' if len(late) == 1 else 'launches'} after the end of the "
            f"state timeline ({tables.as_of:%Y-%m-%d})",
            "code the negotiation state for those months with 'forecast data set-state'"
            + (f" (--data-dir {folder})" if folder else ""),
        )

    panel = pd.DataFrame({"month": months.to_timestamp()})
    panel["year"] = panel["month"].dt.year
    panel["month_of_year"] = panel["month"].dt.month

    def monthly(series: pd.Series, how: str) -> np.ndarray:
        counts = getattr(series.groupby(series.dt.to_period("M")), how)()
        return counts.reindex(months, fill_value=0).to_numpy().astype(int)

    mt = tables.missile_tests
    panel["launch_days"] = monthly(mt["date"], "nunique")
    panel["missiles"] = monthly(mt["date"], "size")
    for cls, column in CLASS_COLUMNS.items():
        panel[column] = monthly(mt.loc[mt["missile_class"] == cls, "date"], "nunique")
    panel["nuclear_tests"] = monthly(tables.nuclear_tests["date"], "size")
    csis = tables.provocations_csis
    panel["csis_missile_events"] = monthly(
        csis.loc[csis["type"] == "Missile Provocation", "date"], "size"
    )

    days = pd.date_range(months[0].start_time, months[-1].end_time.normalize(), freq="D")
    panel["state"] = _most_days(_daily(states, "state", days), "M").reindex(months).to_numpy()
    panel["state"] = pd.Categorical(panel["state"], categories=STATES)

    held = tables.exercises[tables.exercises["scale"] != "suspended"]
    on = pd.Series(False, index=days)
    for row in held.itertuples():
        on[(days >= row.start) & (days <= row.end)] = True
    panel["exercise_days"] = on.groupby(days.to_period("M")).sum().reindex(months).to_numpy()

    for column, values in _day_columns(tables, days, on).items():
        panel[column] = values

    for country, column in LEADER_COLUMNS.items():
        terms = tables.leaders[tables.leaders["country"] == country]
        if terms.empty:
            panel[column] = None
            continue
        panel[column] = _most_days(_daily(terms, "leader", days), "M").reindex(months).to_numpy()
    return panel


def _day_columns(tables: Tables, days: pd.DatetimeIndex, exercise: pd.Series) -> dict:
    """The day-by-day text columns of the panel (see the module docstring), one per month."""
    mt = tables.missile_tests
    per_day = mt.groupby("date").size().reindex(days, fill_value=0).to_numpy()
    codes = {state: str(i) for i, state in enumerate(STATES)}
    states = _daily(tables.negotiation_states, "state", days).map(codes).to_numpy()
    held = exercise.to_numpy()
    ends = np.cumsum(np.bincount(pd.factorize(days.to_period("M"))[0]))
    columns: dict[str, list[str]] = {
        "day_launches": [],
        "day_missiles": [],
        "day_states": [],
        "day_exercise": [],
    }
    for first, last in zip(np.concatenate([[0], ends[:-1]]), ends, strict=True):
        missiles = per_day[first:last]
        columns["day_launches"].append("".join("1" if m else "0" for m in missiles))
        columns["day_missiles"].append(" ".join(str(m) for m in missiles if m))
        columns["day_states"].append("".join(states[first:last]))
        columns["day_exercise"].append("".join("1" if h else "0" for h in held[first:last]))
    return columns


def yearly_summary(tables: Tables, start: str = PANEL_START) -> pd.DataFrame:
    """Per-year table: launch days, missiles, by class, nuclear tests, CSIS events, state.

    Parameters
    ----------
    tables : Tables
        Validated tables.
    start : str, default "1990-01"
        First month of the underlying panel.

    Returns
    -------
    DataFrame
        One row per year; ``state`` is the negotiation state covering most days
        of the year.
    """
    panel = monthly_panel(tables, start=start)
    counts = [
        "launch_days",
        "missiles",
        *CLASS_COLUMNS.values(),
        "nuclear_tests",
        "csis_missile_events",
        "exercise_days",
    ]
    table = panel.groupby("year")[counts].sum()
    first = panel["month"].iloc[0]
    last = panel["month"].iloc[-1] + pd.offsets.MonthEnd(0)
    years = _most_days(daily_states(tables, first, last), "Y")
    table["state"] = years.to_numpy()
    return table.reset_index()
