"""Shared fixtures: one seed, the raw sources, the bundled tables, figure clean-up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from doubles import install_stand_in_sampler  # noqa: E402

from forecast.constants import BUNDLED_DATA_DIR  # noqa: E402

#: The one seed every random step in the tests derives from.
SEED = 20251231

#: A tiny real backtest (two cutoffs; the second two months before the data end, so it has
#: horizons 1-2 only): the settings the backtest tests share.
TINY_BACKTEST = {
    "cutoffs": ["2017-06", "2025-10"],
    "horizon": 3,
    "seed": SEED,
    "draws": 100,
    "tune": 100,
    "chains": 1,
    "progress": False,
}

#: A fixed "today" on which the bundled data (to 2025-12-31) are stale: late November 2026.
STALE_TODAY = dt.date(2026, 11, 25)

#: A fixed "today" on which they are fresh.
FRESH_TODAY = dt.date(2026, 1, 20)

REPO = Path(__file__).resolve().parent.parent
RAW_DIR = REPO.parent / "shared" / "data"

#: The command line as the tests run it in a subprocess: the real entry point with the test
#: doubles installed (``tests/doubles.py``: the stand-in sampler, kill points).
FORECAST_CLI = str(Path(__file__).resolve().parent / "forecast_cli.py")


def pytest_configure(config):
    """The stand-in sampler (preset ``mock``) for the in-process tests of plumbing."""
    install_stand_in_sampler()


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The raw public sources (../shared/data, beside the checkout)."""
    if not RAW_DIR.is_dir():
        pytest.skip(f"raw sources not found at {RAW_DIR}")
    return RAW_DIR


@pytest.fixture(scope="session")
def tables():
    from forecast.data import load_tables

    return load_tables()


@pytest.fixture(scope="session")
def panel(tables):
    from forecast.data import monthly_panel

    return monthly_panel(tables)


@pytest.fixture(scope="session")
def bundled_dir() -> Path:
    return BUNDLED_DATA_DIR


@pytest.fixture(scope="session")
def fast_report_paths(tmp_path_factory):
    """The report built once in FAST mode, on :data:`STALE_TODAY`: every notebook executed by
    papermill (kept in ``notebooks/`` for the notebook tests), the fit in a run folder beside
    the report, and the single-file form."""
    from forecast.report import build_report

    base = tmp_path_factory.mktemp("reports")
    return build_report(
        base / "latest",
        fast=True,
        seed=SEED,
        run_out=base / "runs" / "report",
        single_file=base / "report.html",
        today=STALE_TODAY,
        keep_notebooks=True,
    )


@pytest.fixture(scope="session")
def fast_report(fast_report_paths) -> Path:
    """The folder of the FAST report."""
    return fast_report_paths.index.parent


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A stand-in fit (constant_rate, prior draws: preset ``mock``) saved as a run folder.

    For the run-folder and scenario tests that need a loadable fit; its numbers mean
    nothing. Treat it as read-only (copy it before changing anything).
    """
    from forecast.data import load_tables, monthly_panel
    from forecast.models import get_model
    from forecast.outputs import output_dir
    from forecast.runs import fit_run

    out = tmp_path_factory.mktemp("tiny") / "run"
    with output_dir(out, "fit") as tmp:
        fit_run(
            get_model("constant_rate"),
            monthly_panel(load_tables()),
            "mock",
            seed=SEED,
            out=tmp,
            extra={"data_dir": ""},
        )
    return out
