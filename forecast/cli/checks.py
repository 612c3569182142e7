"""Options shared by several commands, and the checks every command makes before any work.

Each check raises a :class:`~forecast.errors.ConfigError` naming the option the user typed,
the problem and the fix; :func:`forecast.cli.app.main` turns it into one ``error:`` line and
exit code 2. Nothing here loads a model.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import typer

from forecast.catalog import check_name
from forecast.constants import MAX_CHAINS, MAX_DRAWS, MAX_OPTION_TEXT, MAX_SEED, MAX_TUNE
from forecast.data.overlay import resolve_data_dir
from forecast.errors import ConfigError
from forecast.yamlio import load_yaml

DATA_DIR_OPTION = typer.Option(
    None,
    "--data-dir",
    help="Overlay data folder merged over the bundled datasets/ (default: $FORECAST_DATA_DIR, "
    "else ./local-data if it exists).",
)

OVERLAY_OPTION = typer.Option(
    None,
    "--data-dir",
    help="Overlay folder to write (default: $FORECAST_DATA_DIR, else ./local-data).",
)

TODAY_OPTION = typer.Option(
    None,
    "--today",
    help="Judge the data's age as on this day, YYYY-MM-DD (default: today's date).",
)

SEED_HELP = "Random seed for every random step."


def data_dir(value: Path | None) -> Path | None:
    """The overlay folder a reading command uses (``None``: the bundled data only)."""
    return resolve_data_dir(value)


def recorded(folder: Path | None) -> str:
    """The overlay folder as recorded in run.json: absolute, so a refit finds it anywhere."""
    return str(Path(folder).resolve()) if folder is not None else ""


def parse_today(value: str | None) -> dt.date | None:
    """The ``--today`` option as a date (``None``: the real today)."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError("--today", f"not a date: {value!r}", "write YYYY-MM-DD") from None
    if not 1990 <= day.year <= 2200:  # the data start in 1990; nothing is forecast past 2200
        raise ConfigError(
            "--today", f"{day} is outside 1990..2200", "give a day from 1990 to 2200, e.g. today's"
        )
    return day


def check_int(label: str, value: int | None, low: int, high: int, why: str = "") -> None:
    """Refuse an integer option outside ``low..high``."""
    if value is None:
        return
    if not low <= value <= high:
        raise ConfigError(
            label,
            f"{value} is outside {low:,}..{high:,}" + (f" ({why})" if why else ""),
            f"pass {label} with a value from {low:,} to {high:,}",
        )


def check_sampler(draws=None, tune=None, chains=None, seed=None) -> None:
    """The sampler options against the limits of :mod:`forecast.constants`."""
    check_int("--draws", draws, 1, MAX_DRAWS, "draws per chain; the full preset has 1,000")
    check_int("--tune", tune, 0, MAX_TUNE, "tuning steps per chain; the full preset has 500")
    check_int("--chains", chains, 1, MAX_CHAINS)
    check_int("--seed", seed, 0, MAX_SEED, "seeds are 32-bit unsigned integers")


def check_month(label: str, value: str | None) -> None:
    """Refuse a month option that is not ``YYYY-MM[-DD]`` from 1984 on."""
    if value is None:
        return
    try:
        if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", str(value).strip()):
            raise ValueError  # 2026-1 or 26-01: the form the YAML files refuse too
        stamp = pd.Timestamp(value)
        if pd.isna(stamp) or not 1984 <= stamp.year <= 2200:
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        raise ConfigError(
            label, f"not a month: {value!r}", "write YYYY-MM or YYYY-MM-DD (1984 or later)"
        ) from None


def check_text(label: str, value: str | None, what: str, required: bool = True) -> None:
    """Refuse a required text option given empty (``--source ""``), and any text longer than
    :data:`MAX_OPTION_TEXT` characters."""
    if value is None:
        return
    if required and not value.strip():
        raise ConfigError(label, "is empty", f"write {what}")
    if len(value) > MAX_OPTION_TEXT:
        raise ConfigError(
            label,
            f"is {len(value):,} characters long, more than {MAX_OPTION_TEXT:,}",
            f"write {what} in at most {MAX_OPTION_TEXT:,} characters (a URL or a short citation)",
        )


def split_list(text: str | None) -> list[str]:
    """A comma-separated option as a list of its non-empty items."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def check_models(text: str, option: str = "--models") -> list[str]:
    """A comma-separated list of model names, each registered (``default`` resolved)."""
    names = split_list(text)
    for name in names:
        check_name(name, option)
    return names


def read_priors(path: Path | None) -> dict | None:
    """The ``--priors`` file, read with the safe YAML loader (see :mod:`forecast.yamlio`)."""
    if path is None:
        return None
    return load_yaml(path, "priors file", example="state_effect: {sigma: 0.5}")
