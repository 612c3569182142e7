"""The daily frame: the monthly panel's days, one row per day.

The monthly panel carries each month's days as text columns (``day_launches``,
``day_missiles``, ``day_states``, ``day_exercise``; see :mod:`forecast.data.panel`), so a
model of days is built, saved and moved along a backtest from the panel alone.
:func:`daily_frame` expands those columns::

    from forecast import data
    panel = data.monthly_panel(data.load_tables())
    days = data.daily_frame(panel)       # 1990-01-01 .. the as-of day, one row per day

Columns of the daily frame
--------------------------
date : Timestamp
    The day.
month : Timestamp
    First day of its month (the panel row it comes from).
launch : int
    1 on a day with at least one CNS launch, else 0.
missiles : int
    Missiles launched that day (0 on a day without launches).
state : int
    The negotiation state of the day, as its position in :data:`~forecast.constants.STATES`.
days_since_change : float
    Days since the state last changed (0 on the first day of a new state); ``NaN`` until
    the frame's first change of state (what held before the frame's first day is unknown).
exercise : int
    1 on a day on which a major US-ROK exercise was held, else 0.
day_of_year : int
    1-366.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.constants import STATES
from forecast.errors import DataError
from forecast.present import listed

#: The panel's day-by-day text columns (documented in :mod:`forecast.data.panel`).
DAY_COLUMNS = ("day_launches", "day_missiles", "day_states", "day_exercise")


def _digits(texts: pd.Series, name: str, allowed: str) -> np.ndarray:
    """The characters of ``texts`` (one per day, concatenated) as small integers."""
    joined = "".join(texts)
    if set(joined) - set(allowed):
        raise DataError(
            "monthly panel",
            f"column {name!r} holds characters other than {', '.join(allowed)}",
            "rebuild the panel with forecast.data.monthly_panel",
        )
    return np.frombuffer(joined.encode("ascii"), dtype=np.uint8) - ord("0")


def daily_frame(panel: pd.DataFrame) -> pd.DataFrame:
    """Expand monthly panel rows into one row per day.

    Parameters
    ----------
    panel : DataFrame
        Consecutive rows of :func:`forecast.data.monthly_panel` (any slice, e.g. a stored fit's
        ``fit_data``) holding ``month`` and the day columns :data:`DAY_COLUMNS`.

    Returns
    -------
    DataFrame
        One row per day of the rows' months; columns documented in this module's docstring.

    Raises
    ------
    DataError
        Missing day columns, or day columns that disagree with their month (wrong number of
        days, launch days or missiles).
    """
    missing = [c for c in ("month", *DAY_COLUMNS) if c not in panel]
    if missing:
        raise DataError(
            "monthly panel",
            f"missing {listed('column', missing)}",
            "build the panel with forecast.data.monthly_panel (this version adds the day columns)",
        )
    months = pd.DatetimeIndex(pd.to_datetime(panel["month"])).normalize()
    lengths = months.days_in_month.to_numpy()
    for name in ("day_launches", "day_states", "day_exercise"):
        if not np.array_equal(panel[name].str.len().to_numpy(), lengths):
            raise DataError(
                "monthly panel",
                f"column {name!r} does not hold one character per day of every month",
                "rebuild the panel with forecast.data.monthly_panel",
            )
    launch = _digits(panel["day_launches"], "day_launches", "01")
    state = _digits(panel["day_states"], "day_states", "".join(str(i) for i in range(len(STATES))))
    exercise = _digits(panel["day_exercise"], "day_exercise", "01")
    salvos = [[int(x) for x in text.split()] for text in panel["day_missiles"]]
    if [len(s) for s in salvos] != panel["day_launches"].str.count("1").tolist() or any(
        min(s, default=1) < 1 for s in salvos
    ):
        raise DataError(
            "monthly panel",
            "column 'day_missiles' does not list one positive count per launch day",
            "rebuild the panel with forecast.data.monthly_panel",
        )
    missiles = np.zeros(len(launch), dtype=np.int64)
    missiles[launch == 1] = [m for s in salvos for m in s]
    dates = pd.DatetimeIndex(
        np.concatenate(
            [
                pd.date_range(m, periods=n, freq="D").to_numpy()
                for m, n in zip(months, lengths, strict=True)
            ]
        )
        if len(months)
        else []
    )
    return pd.DataFrame(
        {
            "date": dates,
            "month": np.repeat(months.to_numpy(), lengths),
            "launch": launch.astype(np.int64),
            "missiles": missiles,
            "state": state.astype(np.int64),
            "days_since_change": days_since_change(state),
            "exercise": exercise.astype(np.int64),
            "day_of_year": dates.dayofyear.to_numpy(),
        }
    )


def days_since_change(states: np.ndarray) -> np.ndarray:
    """Days since the last change in a sequence of daily states (``NaN`` before the first).

    Parameters
    ----------
    states : array of int
        One state code per consecutive day.

    Returns
    -------
    ndarray of float
        0 on the first day of a new state, 1 the day after, ...; ``NaN`` until the sequence's
        first change.
    """
    states = np.asarray(states)
    index = np.arange(len(states))
    changed = np.zeros(len(states), dtype=bool)
    changed[1:] = states[1:] != states[:-1]
    last = np.maximum.accumulate(np.where(changed, index, -1)) if len(states) else index
    return np.where(last >= 0, index - last, np.nan).astype(float)


__all__ = ["DAY_COLUMNS", "daily_frame", "days_since_change"]
