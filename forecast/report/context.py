"""What the index page's sections read: the :class:`ReportContext`, where the evaluation
tables are kept, and the small helpers every section uses (an inline PNG, a percentage, the
caution mark of a row, a path and a class group as the page shows them)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from forecast.constants import DATA_END, EVALUATION_DIR
from forecast.freshness import forecast_origin
from forecast.plots.style import class_legend
from forecast.present import chance
from forecast.questions import WEAPON_CLASSES
from forecast.report.notebooks import NotebookPage
from forecast.summaries import MIN_SIMULATIONS

#: The coding-sensitivity panel ``make sensitivity`` keeps (:mod:`forecast.sensitivity`).
SENSITIVITY_DIR = EVALUATION_DIR.parent / "sensitivity"


def figure_to_data_uri(fig: plt.Figure, dpi: int = 100) -> str:
    """Encode a figure as an inline PNG data URI (so pages work offline)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def pct(x) -> str:
    """A forecast probability as the page shows it (:func:`forecast.present.chance`)."""
    return chance(x)


#: Class groups that hold the launches of unknown class, as the page names them (the data's
#: columns and the question ids keep the group's own name).
CLASS_LABELS = {
    group: class_legend(group) for group in WEAPON_CLASSES if class_legend(group) != group
}


def class_words(text: str) -> str:
    """``text`` with each class group that holds unknown-class launches labelled so
    (``SLBM/SLV/other`` -> ``SLBM/SLV/other (incl. unknown class)``, as the figures' legends
    write it: :func:`forecast.plots.style.class_legend`)."""
    text = str(text)
    for group, label in CLASS_LABELS.items():
        text = text.replace(label, group).replace(group, label)
    return text


def shown_path(path: str | Path, base: str | Path | None = None) -> str:
    """A folder as the page names it: relative to ``base`` (default: the current folder, the
    report's working directory) when inside it, else just its name (no absolute path of the
    machine that built the report).

    Parameters
    ----------
    path : str or Path
    base : str or Path, optional

    Returns
    -------
    str
    """
    path = Path(path).resolve()
    base = Path.cwd() if base is None else Path(base).resolve()
    return str(path.relative_to(base)) if path.is_relative_to(base) else path.name


def caution_html(row) -> str:
    """A mark on a summary row that rests on few simulations or a heavy tail."""
    if not row.caution:
        return ""
    return f' <span class="caution" title="{html.escape(row.caution)}">(read with care)</span>'


def caution_legend() -> str:
    """What the mark of :func:`caution_html` means, in words (one wording for every table)."""
    return (
        f"a row marked (read with care) rests on fewer than {MIN_SIMULATIONS} simulations or on "
        "a few very large ones (its mean above its 90th percentile)"
    )


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
    questions_file : Path, optional
        The question YAML answered.
    run_dir : Path, optional
        The run folder the model comes from (named on the page).
    single : bool
        Rendering for the single-file report: links to notebook pages become anchors.
    built : str
        When the report was built.
    icbm : dict, optional
        P(an ICBM launch) under the recounts of unknown-class launches
        (:mod:`forecast.unknown_class`): ``days`` (unknown-class launch days by year),
        ``range`` (``icbm_sensitivity.csv``: a row per way of counting, ``p_icbm_<scenario>``
        for the outlook from the data's end and ``p_icbm_from_today`` for the outlook from
        today), ``text`` and ``today_text`` (their sentences).
    """

    tables: object
    panel: pd.DataFrame
    freshness: object
    pages: list[NotebookPage] = field(default_factory=list)
    model: object = None
    forecast: object = None
    fast: bool = False
    scenario_file: Path | None = None
    #: The question YAML the index answers.
    questions_file: Path | None = None
    run_dir: Path | None = None
    single: bool = False
    built: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    )
    #: The unconditional outlook's tables (:func:`forecast.outlook.outlook_tables`) and the
    #: answered questions (None: the run has no outlook models).
    outlook: dict | None = None
    answers: pd.DataFrame | None = None
    #: Questions left out because their windows begin before the forecast's first month.
    unanswered: list = field(default_factory=list)
    #: The shipped questions of the years after the question file's, up to the year after
    #: today's (:func:`forecast.report.build.questions_ahead`), answered from their own
    #: simulation, and their files; None and [] when there are none.
    answers_ahead: pd.DataFrame | None = None
    ahead_files: list = field(default_factory=list)
    #: The run's nuclear-test rate beside the other rules of ``docs/evaluation/nuclear.md``
    #: (:class:`forecast.nuclear_rules.NuclearRules`: the sensitivity shown beside every
    #: P(nuclear test), ``nuclear_rules.csv``), or None.
    nuclear_rules: object = None
    #: P(a nuclear test in its window) under each other rule (name: probability), by question
    #: id (the binary questions on a nuclear test).
    nuclear_rule_answers: dict = field(default_factory=dict)
    #: The priors of the run's nuclear-test rate (``half_life``, ``by_state``); None when the
    #: count model draws its own nuclear tests (the outlook's rule is not the forecast's). Set
    #: with no :attr:`nuclear_rules`, the run predates the other rules: the page says to refit.
    nuclear_rule: dict | None = None
    #: The run's state model (``outlook.transitions``), named where the page uses it.
    transitions: object = None
    #: The outlook's calendar years (the first completed with its observed months) beside
    #: the years observed before (:func:`forecast.summaries.against_years`).
    years: object = None
    #: The outlook from today's month (:func:`forecast.outlook.outlook_from_today`; None when
    #: the data reach today's month).
    from_today: object = None
    #: The scenario file started in today's month (:func:`forecast.scenarios.from_today`), a
    #: Forecast; None when the forecast from the data's end starts in today's month or later
    #: or more than ``MAX_HORIZON`` months before it, or the file is written for given months.
    scenarios_today: object = None
    #: P(ICBM) under recounted unknown-class launches: ``days``, ``range``, ``text``
    #: (:mod:`forecast.unknown_class`).
    icbm: dict | None = None
    #: Why each flagged path row's mean lies above its 90th percentile
    #: (:func:`forecast.evaluation.tails.explain_tails`).
    tails: list = field(default_factory=list)
    #: The user's frozen answers (``forecast questions`` outputs in ``frozen_dir``), resolved
    #: and scored on ``panel`` (:func:`forecast.ledger.answers_ledger`), or None: no folder.
    frozen: pd.DataFrame | None = None
    frozen_dir: Path | None = None
    #: Tables and figures a section computes, kept for the next rendering of the same
    #: report (the single file renders the index again; ``replace`` shares this dict).
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def today(self) -> dt.date:
        return self.freshness.today

    def computed(
        self,
        name: str,
        make: Callable[[], object],
        inputs: tuple = (),
        settings: tuple = (),
    ):
        """``make()`` computed once per report build (kept in :attr:`memo`): a table the
        page and the CSV files beside it both show, or a figure the single file renders
        again.

        Parameters
        ----------
        name : str
            What is computed.
        make : callable
            Computes it.
        inputs : tuple
            The objects ``make`` reads (the forecast, the panel, the training data...). The
            value is kept under their ``id``, so a copy of the context with other data
            computes it anew; they are kept with the value, so that no other object can take
            their ``id`` while the memo lives.
        settings : tuple
            Hashable values ``make`` also depends on (a date, a path, a scenario name).
        """
        key = (name, *(id(x) for x in inputs), *settings)
        if key not in self.memo:
            self.memo[key] = (make(), inputs)
        return self.memo[key][0]

    def _headline_of(self, forecast) -> pd.DataFrame:
        """The 12-month totals of a scenario forecast (:func:`forecast.summaries.headline`)."""
        from forecast.summaries import headline

        return self.computed("headline", lambda: headline(forecast).table, inputs=(forecast,))

    def _contrasts_of(self, forecast):
        """Every other scenario of ``forecast`` against its reference
        (:func:`forecast.summaries.compare`: a table and a sentence each), or None with one
        scenario."""
        from forecast.summaries import compare, reference_scenario

        if len(forecast.scenarios) < 2:
            return None
        reference = reference_scenario(forecast.scenarios)
        return self.computed(
            "contrasts",
            lambda: compare(forecast, reference),
            inputs=(forecast,),
            settings=(reference,),
        )

    @property
    def headline(self) -> pd.DataFrame:
        """The scenarios' 12-month totals (:func:`forecast.summaries.headline`)."""
        return self._headline_of(self.forecast)

    @property
    def reference(self) -> str:
        """The scenario the others are compared with
        (:func:`forecast.summaries.reference_scenario`, as notebook 04 compares them)."""
        from forecast.summaries import reference_scenario

        return reference_scenario(self.forecast.scenarios)

    @property
    def contrasts(self):
        """Every other scenario against :attr:`reference`, or None with one scenario."""
        return self._contrasts_of(self.forecast)

    @property
    def today_headline(self) -> pd.DataFrame:
        """:attr:`headline` of the scenarios from today."""
        return self._headline_of(self.scenarios_today)

    @property
    def today_reference(self) -> str:
        """:attr:`reference` of the scenarios from today."""
        from forecast.summaries import reference_scenario

        return reference_scenario(self.scenarios_today.scenarios)

    @property
    def today_contrasts(self):
        """:attr:`contrasts` of the scenarios from today."""
        return self._contrasts_of(self.scenarios_today)

    def _bands_of(self, forecast) -> pd.DataFrame:
        """A scenario forecast's monthly bands (:func:`forecast.summaries.monthly`)."""
        from forecast.summaries import monthly

        return self.computed("bands", lambda: monthly(forecast), inputs=(forecast,))

    @property
    def bands(self) -> pd.DataFrame:
        """The scenarios' monthly bands (:func:`forecast.summaries.monthly`)."""
        return self._bands_of(self.forecast)

    @property
    def today_bands(self) -> pd.DataFrame:
        """:attr:`bands` of the scenarios from today."""
        return self._bands_of(self.scenarios_today)

    @property
    def today_tables(self) -> dict[str, pd.DataFrame] | None:
        """The outlook from today's tables (``states``, ``totals``), or None without it."""
        if self.from_today is None:
            return None
        return self.computed("from today", self.from_today.tables, inputs=(self.from_today,))

    @property
    def origin(self) -> str:
        """Where the page's forecasts start: "the data's end", or "the end of the run's fit
        (2019-10)" for a ``--run`` fitted to an earlier month
        (:func:`forecast.freshness.forecast_origin`)."""
        if self.model is None:
            return DATA_END
        return forecast_origin(self.model.last_month, self.tables.last_whole_month)

    @property
    def fit_reaches_data_end(self) -> bool:
        """Whether the run was fitted to the data's last month."""
        return self.origin == DATA_END

    @property
    def panel_end(self) -> pd.Period:
        """The last month of the data the page is built from."""
        return pd.Period(pd.to_datetime(self.panel["month"]).max(), "M")

    @property
    def beside(self) -> str:
        """Where the tables a page names are: "beside this page" (the report folder's index),
        or "in the report's folder" (the single file, which holds none of them)."""
        return "in the report's folder" if self.single else "beside this page"

    @property
    def has_outlook(self) -> bool:
        return self.model is not None and self.forecast is not None

    @property
    def first_table(self) -> str:
        """The forecast table the page shows first (``today`` when the outlook from today is
        there, else ``scenarios-today`` when the scenarios from today are, else ``headline``):
        a caveat is said in full beside it, briefly elsewhere."""
        if self.from_today is not None:
            return "today"
        return "scenarios-today" if self.scenarios_today is not None else "headline"

    def link(self, page: NotebookPage) -> str:
        """Where a notebook page is: its file, or its section in the single file."""
        return f"#{page.name}" if self.single else f"{page.name}.html"
