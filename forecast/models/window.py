"""The training window of a model: the panel rows it keeps, its grid and its training months.

A model keeps the rows of the monthly panel it reads (:meth:`TrainingWindow.columns`), up to
its ``until`` unless it is built to keep the months after it. Its *grid* is the rows its
graph's parameters cover (from ``grid_start``; earlier rows feed lagged terms only), and its
*training window* the rows ``start`` to ``stop`` (exclusive) its likelihood covers: at least 12
months, none before ``since`` nor before the first row the model allows
(:meth:`TrainingWindow._min_start`).

Compile once, sample many times
-------------------------------
The graph's parameters cover every month of the *grid* (the panel rows the model was built
on), while the likelihood covers only the *training* months, given to the graph as data
(``train_idx``, ``y_train``). :meth:`~forecast.models.base.BaseModel.set_until` moves the end
of the training window inside the grid without rebuilding anything, so a backtest builds and
compiles one model for all its cutoffs (:mod:`forecast.models.sampling` caches the compiled
model by :meth:`~forecast.models.base.BaseModel.graph_key`). Months of the grid after the
training window have parameters (e.g. a yearly level) informed by their prior only; nothing of
them reaches the fit, and the simulation of the future starts from the last training month. A
model built for one fit (``forecast fit``) has a grid that ends at its ``until``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from forecast.catalog import check_window
from forecast.errors import ConfigError
from forecast.present import listed

#: Panel columns stored with a fit so it can be rebuilt without the data files.
BASE_COLUMNS = ("month", "state", "exercise_days")


class TrainingWindow:
    """The panel rows a model keeps, its grid and its training window (see the module
    docstring); the base of :class:`~forecast.models.base.BaseModel`.

    Attributes
    ----------
    since, until : Timestamp or None
        First and last training month asked for (``None``: from the first, to the last).
    panel : DataFrame or None
        The rows and columns the model keeps (after :meth:`_place_window`).
    source_panel : DataFrame or None
        The panel as given.
    since_row, grid_start, start, stop : int
        Rows of ``panel``: the first at or after ``since``, the first of the grid, and the
        training window ``start:stop``.
    """

    name: ClassVar[str]
    target: str
    since: pd.Timestamp | None
    until: pd.Timestamp | None
    panel: pd.DataFrame | None
    source_panel: pd.DataFrame | None
    since_row: int
    grid_start: int
    start: int
    stop: int

    def columns(self) -> list[str]:
        """Panel columns this model reads."""
        return [*BASE_COLUMNS, self.target]

    def _rows(self, panel: pd.DataFrame, keep_future: bool) -> pd.DataFrame:
        """The panel rows and columns the model keeps (up to ``until`` unless ``keep_future``)."""
        missing = [c for c in self.columns() if c not in panel]
        if missing:
            raise ConfigError(
                "panel", f"missing {listed('column', missing)}", "build it with monthly_panel"
            )
        months = pd.to_datetime(panel["month"])
        keep = panel if keep_future or self.until is None else panel[months <= self.until]
        return keep[self.columns()].reset_index(drop=True)

    def _grid_start(self, stop: int, keep_future: bool) -> int:
        """First row of the graph's months (earlier rows feed lagged terms only)."""
        return self.since_row

    def _train_rows(self, stop: int) -> tuple[int, int]:
        """First and (exclusive) last training row for a window ending before ``stop``."""
        start = max(self.grid_start, self._min_start(stop))
        if stop - start < 12:
            n = max(stop - start, 0)
            raise ConfigError(
                "--since/--until",
                f"the training window has {n} month{'' if n == 1 else 's'}",
                "choose a window of at least 12 months inside the data",
            )
        return start, stop

    def _min_start(self, stop: int) -> int:
        """First training row allowed by the model (``recent_rate`` overrides)."""
        return 0

    def _shortest_window(self) -> int:
        """The fewest training months the model takes when a later ``--since`` is asked for
        (the window then starts that many months before its end)."""
        return self.stop - self._min_start(self.stop)

    def window_notes(self) -> list[str]:
        """Where the training window differs from the ``--since`` and ``--until`` asked for:
        a start moved earlier to give the model its shortest window, or an end after the
        data's last month (one sentence each; none when the window is as asked)."""
        months = pd.to_datetime(self.training["month"])
        first, last = months.iloc[0], months.iloc[-1]
        notes = []
        if self.since is not None and first < self.since:
            notes.append(
                f"{self.name} fits at least {self._shortest_window()} months, so its window "
                f"starts at {first:%Y-%m}, not at --since {self.since:%Y-%m}"
            )
        if self.since is not None and first > self.since and self.start > self.since_row:
            notes.append(
                f"{self.name} fits only its last {len(months)} months, so its window starts at "
                f"{first:%Y-%m}, after --since {self.since:%Y-%m}"
            )
        if self.until is not None and self.until > last:
            notes.append(f"the data end at {last:%Y-%m}, before --until {self.until:%Y-%m}")
        return notes

    @property
    def training(self) -> pd.DataFrame:
        """The months the model is fitted to."""
        self._require("panel", "build")
        return self.panel.iloc[self.start : self.stop].reset_index(drop=True)

    @property
    def last_month(self) -> pd.Period:
        """The last month the model is fitted to (where its forecasts start from)."""
        self._require("panel", "build")
        if self.stop < 1:
            raise RuntimeError(f"{self.name}: the training window holds no month")
        return pd.Period(self.panel["month"].iloc[self.stop - 1], "M")

    @property
    def data_end(self) -> pd.Timestamp:
        """The last day of :attr:`last_month`: the end of the data the model is fitted to."""
        return self.last_month.end_time.normalize()

    @property
    def grid(self) -> pd.DataFrame:
        """The months the graph's parameters cover (training months and any after them)."""
        self._require("panel", "build")
        return self.panel.iloc[self.grid_start :].reset_index(drop=True)

    def _require(self, attr: str, step: str) -> None:
        if getattr(self, attr) is None:
            raise RuntimeError(f"{self.name}: call {step}() first")

    def _place_window(self, panel: pd.DataFrame, keep_future: bool) -> None:
        """Keep the rows of ``panel`` the model reads and place its grid and training window."""
        check_window(self.since, self.until)
        self.source_panel = panel
        self.panel = self._rows(panel, keep_future)
        months = pd.to_datetime(self.panel["month"])
        if self.since is not None and len(months) and self.since > months.iloc[-1]:
            raise ConfigError(
                "--since",
                f"{self.since:%Y-%m} is after the data's last month, {months.iloc[-1]:%Y-%m}",
                "choose a first month inside the data (or import the months after it first)",
            )
        stop = int((months <= self.until).sum()) if self.until is not None else len(self.panel)
        self.since_row = int((months < self.since).sum()) if self.since is not None else 0
        self.grid_start = self._grid_start(stop, keep_future)
        self.start, self.stop = self._train_rows(stop)

    def _move_until(self, until) -> None:
        """End the training window at ``until``, a month inside the grid."""
        cutoff = month_start(str(pd.Period(until, "M")), "--until")
        months = pd.to_datetime(self.panel["month"])
        if cutoff > months.iloc[-1]:
            raise ConfigError(
                "--until",
                f"{cutoff:%Y-%m} is after the model's months (which end {months.iloc[-1]:%Y-%m})",
                "build the model on a panel that covers the cutoff",
            )
        self.until = cutoff
        self.start, self.stop = self._train_rows(int((months <= cutoff).sum()))

    def _train_data(self) -> dict[str, np.ndarray]:
        """Values of the graph's training-window data containers (subclasses extend)."""
        rows = np.arange(self.start, self.stop)
        return {"train_idx": rows - self.grid_start}


def month_start(value, label: str) -> pd.Timestamp | None:
    """The first day of the month of ``value`` (``None`` stays ``None``); ``label`` names the
    option in the error."""
    if value is None:
        return None
    try:
        return pd.Timestamp(str(value)).to_period("M").start_time
    except ValueError:
        raise ConfigError(label, f"not a month: {value!r}", "write YYYY-MM or YYYY-MM-DD") from None
