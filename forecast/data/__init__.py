"""Data layer: raw readers, canonical tables with validation, and the monthly panel.

Typical use::

    from forecast import data
    tables = data.load_tables()          # bundled datasets/, validated
    panel = data.monthly_panel(tables)   # one row per month, 1990-01 .. as-of
    days = data.daily_frame(panel)       # the same months, one row per day
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from forecast.constants import BUNDLED_DATA_DIR
from forecast.data import overlay
from forecast.data.checked_csv import TableSpec, read_table
from forecast.data.daily import DAY_COLUMNS, daily_frame
from forecast.data.panel import (
    CLASS_COLUMNS,
    TARGETS,
    Tables,
    month_periods,
    monthly_panel,
    state_runs,
    yearly_summary,
)
from forecast.data.raw import read_cns_export, read_cns_json, read_csis, read_events_template
from forecast.data.tables import SPECS
from forecast.errors import DataError

__all__ = [
    "CLASS_COLUMNS",
    "DAY_COLUMNS",
    "DataError",
    "SPECS",
    "TARGETS",
    "TableSpec",
    "Tables",
    "daily_frame",
    "load_table",
    "load_tables",
    "month_periods",
    "monthly_panel",
    "read_cns_export",
    "read_cns_json",
    "read_csis",
    "read_events_template",
    "state_runs",
    "yearly_summary",
]


def load_table(name: str, data_dir: str | Path | None = None, today: dt.date | None = None):
    """Load and validate one canonical table by name (e.g. ``"missile_tests"``).

    Parameters
    ----------
    name : str
        One of ``SPECS``: missile_tests, nuclear_tests, provocations_csis,
        negotiation_states, exercises, leaders.
    data_dir : str or Path, optional
        Folder holding the table (read alone, no overlay merge); defaults to the
        bundled ``datasets/``. Use :func:`load_tables` for bundled + overlay.
    today : date, optional
        Reference date for the "no future dates" rule.

    Returns
    -------
    DataFrame
        The validated, typed table.
    """
    if name not in SPECS:
        raise KeyError(f"unknown table {name!r}; choose one of {sorted(SPECS)}")
    folder = Path(data_dir) if data_dir is not None else BUNDLED_DATA_DIR
    return read_table(folder / SPECS[name].filename, SPECS[name], today=today)


def load_tables(data_dir: str | Path | None = None, today: dt.date | None = None) -> Tables:
    """Load and validate all six canonical tables, with an overlay folder merged over them.

    Parameters
    ----------
    data_dir : str or Path, optional
        Overlay folder (see :mod:`forecast.data.overlay` for the merge rules);
        ``None`` means the bundled ``datasets/`` only. A folder holding full
        copies of the bundled tables merges to the bundled data. A folder that
        does not exist is refused. This function never reads the environment:
        the CLI resolves ``--data-dir`` / ``FORECAST_DATA_DIR`` / ``./local-data``.
    today : date, optional
        Reference date for the "no future dates" rule.

    Returns
    -------
    Tables
    """
    return overlay.load_merged(data_dir, today=today)  # looked up at each call: a test wires it
