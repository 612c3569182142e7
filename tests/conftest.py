"""Shared fixtures: one seed, the raw sources, the bundled tables, figure clean-up."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from forecast.constants import BUNDLED_DATA_DIR  # noqa: E402

#: The one seed every random step in the tests derives from.
SEED = 20251231

REPO = Path(__file__).resolve().parent.parent
RAW_DIR = REPO.parent / "shared" / "data"


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
def fast_report(tmp_path_factory) -> Path:
    """The report built once in FAST mode: every notebook executed by papermill."""
    from forecast.report import build_report

    out = tmp_path_factory.mktemp("reports") / "latest"
    build_report(out, fast=True, seed=SEED)
    return out


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
