"""What the index page's sections read: the :class:`ReportContext`, where the evaluation
tables are kept, and the small helpers every section uses (an inline PNG, a percentage, the
caution mark of a row)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from forecast.report.notebooks import NotebookPage

#: The full evaluation protocol's summary tables (``make skill``), read by the index page's
#: "How far to trust these numbers" and by notebook 05.
EVALUATION_DIR = Path(__file__).resolve().parents[2] / "docs" / "evaluation"
#: The coding-sensitivity panel ``make sensitivity`` keeps (:mod:`forecast.sensitivity`).
SENSITIVITY_DIR = EVALUATION_DIR.parent / "sensitivity"
#: The backfilled track record ``make track-record`` keeps (:mod:`forecast.track_record`).
TRACK_RECORD_DIR = EVALUATION_DIR.parent / "track_record"


def figure_to_data_uri(fig: plt.Figure, dpi: int = 100) -> str:
    """Encode a figure as an inline PNG data URI (so pages work offline)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def pct(x) -> str:
    return "n/a" if x != x else f"{x:.0%}"


def caution_html(row) -> str:
    """A mark on a summary row that rests on few simulations or a heavy tail."""
    if not row.caution:
        return ""
    return f' <span class="caution" title="{html.escape(row.caution)}">(read with care)</span>'


@dataclass
class ReportContext:
    """Everything the index page's sections read.

    Attributes
    ----------
    tables, panel
        The data (bundled plus overlay) and its monthly panel.
    freshness : forecast.freshness.Freshness
        The data's age on ``today``.
    pages : list of NotebookPage
        The notebook pages, in order.
    model, forecast
        The report's fitted model and its scenario forecast (both ``None``: no outlook).
    fast : bool
        Built with small settings (a warning banner says so).
    scenario_file : Path, optional
        The scenario YAML simulated.
    run_dir : Path, optional
        The run folder the model comes from (named on the page).
    single : bool
        Rendering for the single-file report: links to notebook pages become anchors.
    built : str
        When the report was built.
    """

    tables: object
    panel: pd.DataFrame
    freshness: object
    pages: list[NotebookPage] = field(default_factory=list)
    model: object = None
    forecast: object = None
    fast: bool = False
    scenario_file: Path | None = None
    run_dir: Path | None = None
    single: bool = False
    built: str = field(default_factory=lambda: dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    #: The unconditional outlook's tables (:func:`forecast.outlook.outlook_tables`) and the
    #: answered questions (None: the run has no outlook models).
    outlook: dict | None = None
    answers: pd.DataFrame | None = None
    #: Questions left out because the fitted data already cover their months.
    unanswered: list = field(default_factory=list)
    #: P(nuclear test) over the outlook's horizon with no discount (the sensitivity).
    nuclear_constant: float | None = None
    nuclear_half_life: float | None = None
    #: The outlook's whole calendar years beside the years observed before
    #: (:func:`forecast.summaries.against_years`).
    years: object = None
    #: The outlook from today's month (:func:`forecast.outlook.outlook_from_today`; None when
    #: the data reach today's month).
    from_today: object = None
    #: P(ICBM) under recounted unknown-class launches: ``days``, ``range``, ``text``
    #: (:mod:`forecast.unknown_class`).
    icbm: dict | None = None
    #: Why each flagged path row's mean lies above its 90th percentile
    #: (:func:`forecast.evaluation.tails.explain_tails`).
    tails: list = field(default_factory=list)

    @property
    def today(self) -> dt.date:
        return self.freshness.today

    @property
    def has_outlook(self) -> bool:
        return self.model is not None and self.forecast is not None

    def link(self, page: NotebookPage) -> str:
        """Where a notebook page is: its file, or its section in the single file."""
        return f"#{page.name}" if self.single else f"{page.name}.html"
