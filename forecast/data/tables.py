"""The canonical tables: their contracts and the checks of their rows.

Each table in ``datasets/`` has a :class:`~forecast.data.checked_csv.TableSpec` below
(:data:`SPECS`, by name): its columns, its key and the table-level checks of this module
(periods that neither overlap nor leave gaps, exercises of plausible length, missiles per
launch day, flight values within their limits; :func:`check_start_before_end` and
:func:`check_whole_numbers` serve the raw readers and the coding alternatives too).
:func:`~forecast.data.checked_csv.read_table` reads a CSV against its spec and returns a
typed DataFrame, or raises :class:`~forecast.errors.DataError` naming the file, the line(s),
the column and the fix. Every loader in the package goes through it, so a file is either
used whole and valid, or not at all.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.constants import (
    COUNTRIES,
    CSIS_TYPES,
    EARLIEST_EVENT_DATE,
    EARLIEST_STATE_DATE,
    EXERCISE_SCALES,
    MAX_APOGEE_KM,
    MAX_DISTANCE_KM,
    MAX_EXERCISE_DAYS,
    MAX_MISSILES_PER_DAY,
    MAX_YIELD_KT,
    MISSILE_CLASSES,
    OUTCOMES,
    STATES,
)
from forecast.data.checked_csv import BOOL, DATE, NUMBER, TEXT, TIME, TableSpec, file_line
from forecast.errors import DataError


def check_start_before_end(df: pd.DataFrame, path: str | Path, problem: str, fix: str) -> None:
    """Refuse the rows whose ``end`` is before their ``start``.

    Parameters
    ----------
    df : DataFrame
        Typed rows with ``start`` and ``end`` dates.
    path : str or Path
        File name to name in the error.
    problem, fix : str
        What is wrong and how to fix it, in the words of the table's rows.

    Raises
    ------
    DataError
        Naming the line of every such row and the column ``end``.
    """
    bad = df.index[df["end"] < df["start"]]
    if len(bad):
        raise DataError(path, problem, fix, rows=[file_line(i) for i in bad], column="end")


def check_whole_numbers(df: pd.DataFrame, column: str, path: str | Path, fix: str) -> None:
    """Refuse the rows whose ``column`` is empty, fractional or less than 1.

    Parameters
    ----------
    df : DataFrame
        Typed rows; ``column`` is numeric (empty cells are NaN).
    column : str
        The column of counts or positions.
    path : str or Path
        File name to name in the error.
    fix : str
        How to fix it, in the words of the table's rows.

    Raises
    ------
    DataError
        Naming the line of every such row and ``column``.
    """
    bad = df.index[df[column].isna() | (df[column] % 1 != 0)]
    bad = bad.union(df.index[df[column] < 1])
    if len(bad):
        raise DataError(
            path,
            f"{column} must be a whole number of at least 1",
            fix,
            rows=[file_line(i) for i in bad],
            column=column,
        )


def _check_periods(
    df: pd.DataFrame, path: str, group: str | None = None, allow_gaps: bool = False
) -> None:
    """Check ``start <= end`` and, per group, non-overlapping (and unless
    ``allow_gaps``, contiguous) periods."""
    check_start_before_end(
        df,
        path,
        "period ends before it starts",
        "swap or correct 'start' and 'end' so that start <= end",
    )
    groups = [(None, df)] if group is None else list(df.groupby(group, sort=False))
    for _, part in groups:
        part = part.sort_values("start")
        prev_end = part["end"].shift()
        gap = part["start"] - prev_end
        overl = part.index[gap < pd.Timedelta(days=1)]
        if len(overl):
            raise DataError(
                path,
                "period overlaps the one before it",
                "make each 'start' the day after the previous period's 'end'",
                rows=[file_line(i) for i in overl],
                column="start",
            )
        holes = part.index[gap > pd.Timedelta(days=1)]
        if len(holes) and not allow_gaps:
            raise DataError(
                path,
                "gap between this period and the one before it",
                "make each 'start' the day after the previous period's 'end' "
                "(periods must be contiguous)",
                rows=[file_line(i) for i in holes],
                column="start",
            )


def _check_state_periods(df: pd.DataFrame, path: str) -> None:
    _check_periods(df, path)


def _check_leader_periods(df: pd.DataFrame, path: str) -> None:
    _check_periods(df, path, group="country")


def _check_exercise_periods(df: pd.DataFrame, path: str) -> None:
    check_start_before_end(
        df,
        path,
        "exercise ends before it starts",
        "correct 'start' and 'end' so that start <= end",
    )
    days = (df["end"] - df["start"]).dt.days + 1
    long = df.index[days > MAX_EXERCISE_DAYS]
    if len(long):
        raise DataError(
            path,
            f"exercise lasts {days[long[0]]} days, longer than {MAX_EXERCISE_DAYS} (the longest "
            "recorded, Foal Eagle, ran about two months)",
            "check 'start' and 'end' (a typo in the year?); record a long campaign as its "
            "separate exercises",
            rows=[file_line(i) for i in long],
            column="end",
        )


def _check_missiles_per_day(df: pd.DataFrame, path: str) -> None:
    """At most :data:`MAX_MISSILES_PER_DAY` missiles (rows, salvo positions) per launch day."""
    per_day = df.groupby("date")["date"].transform("size")
    bad = df.index[(per_day > MAX_MISSILES_PER_DAY) | (df["salvo_index"] > MAX_MISSILES_PER_DAY)]
    if len(bad):
        raise DataError(
            path,
            f"more than {MAX_MISSILES_PER_DAY} missiles on {df.loc[bad[0], 'date']:%Y-%m-%d} "
            "(the most on one day in the CNS data is 18, on 2024-05-29)",
            f"check the rows of that day: one row per missile, salvo_index 1..n with n at "
            f"most {MAX_MISSILES_PER_DAY}",
            rows=[file_line(i) for i in bad],
            column="salvo_index",
        )
    check_whole_numbers(
        df, "salvo_index", path, "number the missiles of each launch day 1, 2, 3, ..."
    )


def _check_date_precision(df: pd.DataFrame, path: str) -> None:
    bad = df.index[(df["date_precision"] == "month") & (df["date"].dt.day != 1)]
    if len(bad):
        raise DataError(
            path,
            "a month-precision date must be written as the first of the month",
            "write the date as YYYY-MM-01 or set date_precision to 'day'",
            rows=[file_line(i) for i in bad],
            column="date",
        )


#: Plausible upper limits of the flight columns of ``missile_tests`` (see
#: :mod:`forecast.constants`).
FLIGHT_LIMITS = {
    "apogee_km": (MAX_APOGEE_KM, "the highest so far is 7,687 km, Hwasong-19 on 2024-10-31"),
    "distance_km": (
        MAX_DISTANCE_KM,
        "half the Earth's circumference; the longest so far is 4,500 km",
    ),
}


def _check_upper_limits(df: pd.DataFrame, path: str, limits: dict, unit: str, name: str):
    """Each column of ``limits`` (``column: (limit, why)``) at most its limit, in ``unit``
    (``name``: the unit in words): a typo or a unit error otherwise."""
    for column, (limit, why) in limits.items():
        bad = df.index[df[column] > limit]
        if len(bad):
            raise DataError(
                path,
                f"{column} {df.loc[bad[0], column]:g} is more than {limit:,} {unit} ({why})",
                f"check the value and its unit ({name}), or leave it empty if unknown",
                rows=[file_line(i) for i in bad],
                column=column,
            )


def _check_flight(df: pd.DataFrame, path: str) -> None:
    """Apogee and distance within :data:`FLIGHT_LIMITS`."""
    _check_upper_limits(df, path, FLIGHT_LIMITS, "km", "kilometres")


MISSILE_TESTS = TableSpec(
    name="missile_tests",
    filename="missile_tests.csv",
    columns={
        "date": DATE,
        "date_precision": ("day", "month"),
        "salvo_index": NUMBER,
        "time_utc": TIME,
        "missile": TEXT,
        "missile_class": MISSILE_CLASSES,
        "facility": TEXT,
        "landing": TEXT,
        "apogee_km": NUMBER,
        "distance_km": NUMBER,
        "outcome": OUTCOMES,
    },
    key=("date", "salvo_index"),
    checks=[_check_date_precision, _check_missiles_per_day, _check_flight],
    description="One row per missile launched (CNS scope).",
    earliest=EARLIEST_EVENT_DATE,
)


def _check_yields(df: pd.DataFrame, path: str) -> None:
    """Yields within :data:`MAX_YIELD_KT`, and an estimate inside its own bounds."""
    columns = ("yield_kt", "yield_kt_low", "yield_kt_high")
    why = "the largest test ever was about 50,000 kt"
    limits = {column: (MAX_YIELD_KT, why) for column in columns}
    _check_upper_limits(df, path, limits, "kt", "kilotons")
    mid, low, high = (df[c] for c in columns)
    bad = df.index[(low > high) | (mid < low) | (mid > high)]
    if len(bad):
        i = bad[0]
        raise DataError(
            path,
            f"the yield {mid[i]:g} kt and its bounds {low[i]:g}..{high[i]:g} kt are out of order",
            "write yield_kt_low <= yield_kt <= yield_kt_high (or leave a bound empty)",
            rows=[file_line(i) for i in bad],
            column="yield_kt",
        )


NUCLEAR_TESTS = TableSpec(
    name="nuclear_tests",
    filename="nuclear_tests.csv",
    columns={
        "date": DATE,
        "site": TEXT,
        "yield_kt": NUMBER,
        "yield_kt_low": NUMBER,
        "yield_kt_high": NUMBER,
        "source": TEXT,
    },
    key=("date",),
    checks=[_check_yields],
    description="North Korea's nuclear tests with estimated yields.",
    earliest=EARLIEST_EVENT_DATE,
)

PROVOCATIONS = TableSpec(
    name="provocations_csis",
    filename="provocations_csis.csv",
    columns={"date": DATE, "type": CSIS_TYPES, "event": TEXT},
    key=("date", "type", "event"),
    description="CSIS Beyond Parallel provocations (date, type, short title).",
)

NEGOTIATION_STATES = TableSpec(
    name="negotiation_states",
    filename="negotiation_states.csv",
    columns={
        "start": DATE,
        "end": DATE,
        "state": STATES,
        "defining_events": TEXT,
        "source": TEXT,
    },
    key=("start",),
    checks=[_check_state_periods],
    description="Contiguous periods of US/DPRK negotiation state.",
    earliest=EARLIEST_STATE_DATE,
)

EXERCISES = TableSpec(
    name="exercises",
    filename="exercises.csv",
    columns={
        "name": TEXT,
        "start": DATE,
        "end": DATE,
        "scale": EXERCISE_SCALES,
        "approximate": BOOL,
        "source": TEXT,
    },
    key=("name", "start"),
    checks=[_check_exercise_periods],
    description="Major US-ROK exercises with dates and scale.",
    earliest=EARLIEST_EVENT_DATE,
)

LEADERS = TableSpec(
    name="leaders",
    filename="leaders.csv",
    columns={
        "country": COUNTRIES,
        "leader": TEXT,
        "start": DATE,
        "end": DATE,
        "source": TEXT,
    },
    key=("country", "start"),
    checks=[_check_leader_periods],
    description="Leader terms in the DPRK, the US and the ROK.",
)

#: The overlay's record that the exercise calendar was checked through a day and no further
#: major exercise was held (``forecast data confirm-exercises``); not a canonical table, and
#: never bundled: it only moves the overlay's ``exercises_through`` on.
EXERCISE_CHECKS = TableSpec(
    name="exercise_checks",
    filename="exercise_checks.csv",
    columns={"through": DATE, "source": TEXT},
    key=("through",),
    description="Days through which the exercise calendar was checked (overlay only).",
    earliest=EARLIEST_EVENT_DATE,
)

#: Every canonical table, by name.
SPECS: dict[str, TableSpec] = {
    s.name: s
    for s in (MISSILE_TESTS, NUCLEAR_TESTS, PROVOCATIONS, NEGOTIATION_STATES, EXERCISES, LEADERS)
}
