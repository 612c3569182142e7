"""The shareable report: notebooks executed with papermill, exported to HTML, and an index.

What a report is
----------------
A folder a reader opens from disk, offline, without Python: ``index.html`` (the first screen:
the data's age, the scenarios' headline numbers and fan chart, the fit's diagnostics and state
effects, the timeline), one page per notebook (``NN_name.html``, code hidden), and two small
CSVs of the headline numbers (``headline.csv``, ``fan_bands.csv``). Figures are inline PNGs and
nothing is loaded from the network: no script, style sheet or font from elsewhere (the notebook
pages use the template in ``forecast/templates/forecast_offline``, which drops nbconvert's
require.js, MathJax and mermaid.js tags). :func:`build_report` can also write the same report as
**one file** (``single_file``): the index and every notebook page as sections of one page, with
a table of contents made of plain anchors and a print style sheet, so that it prints to PDF from
the browser.

Where the fit lives
-------------------
The report folder holds no fitted run. :func:`build_report` either uses an existing run folder
(``run=``, ``forecast report --run RUN_DIR``) or fits :data:`REPORT_MODEL` on every month into
``run_out`` (default :data:`DEFAULT_RUN_OUT`, ``runs/report``) under the output-folder rule of
``forecast fit`` (new, empty, or an earlier run replaced with ``force``). The pages name the run
folder by its path; the notebooks that take ``RUN_DIR`` read it instead of refitting.

How it is written
-----------------
:func:`build_report` writes the folder with :func:`forecast.outputs.output_dir`: in a temporary
directory next to the destination, swapped into place only when complete, so a failed build
never leaves a half-written report behind; the destination must be new, empty, or (with
``force``) an earlier report. Every check on the destinations is done before any work.

The index page is built from :data:`INDEX_SECTIONS`, a list of functions that each take the
:class:`ReportContext` and return HTML; a new section is one more function in that list.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from rich.progress import Progress

from forecast import __version__
from forecast.constants import NOTEBOOK_DIR
from forecast.data import load_tables, monthly_panel, yearly_summary
from forecast.errors import ConfigError
from forecast.plots import band_table, plot_scenarios, plot_state_effects, plot_timeline
from forecast.present import readable
from forecast.scenarios import headline_table

#: The shipped scenario file of the current outlook.
CURRENT_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios" / "current.yaml"

#: The shipped question file the index page answers.
CURRENT_QUESTIONS = Path(__file__).resolve().parent.parent / "questions" / "2026.yaml"
#: The full evaluation protocol's summary tables (``make skill``), read by the index page's
#: "How far to trust these numbers" and by notebook 05.
EVALUATION_DIR = Path(__file__).resolve().parent.parent / "docs" / "evaluation"

#: The model the report fits on all data: the default model (the best in the evaluation).
REPORT_MODEL = "default"

#: Where the report's fit goes when no run is given (relative to the current folder).
DEFAULT_RUN_OUT = Path("runs") / "report"

#: Size a report folder and a single-file report should stay under (the issue's target).
SIZE_TARGET_BYTES = 10 * 1024 * 1024

#: nbconvert template of the notebook pages (in ``forecast/templates``).
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "forecast_offline"

#: Markers the template puts around a notebook page's style and its cells.
CSS_MARKERS = ("<!-- forecast:css -->", "<!-- /forecast:css -->")
CELL_MARKERS = ("<!-- forecast:cells -->", "<!-- /forecast:cells -->")

#: The index page's style (also the single file's, with :data:`SINGLE_CSS`).
INDEX_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222;
  padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
td, th { border: 1px solid #ccc; padding: 4px 10px; }
th { background: #f2f2f2; } td { text-align: right; } td:last-child { text-align: left; }
#headline td:first-child, #past-scores td:first-child { text-align: left; }
#headline td:last-child, #past-scores td:last-child { text-align: right; }
h1 { font-size: 1.7em; margin: 0.4em 0 0.3em; }
img { max-width: 100%; } .meta { color: #555; }
pre { background: #f6f6f6; padding: 0.6em 0.8em; overflow-x: auto; white-space: pre-wrap; }
.warning { background: #fff3cd; border: 2px solid #d39e00; padding: 0.8em 1em; margin: 1em 0; }
.past { background: #eef4fb; border-left: 4px solid #0072B2; padding: 0.6em 1em; }
.fail { color: #b00020; font-weight: bold; } .pass { color: #1b7a1b; font-weight: bold; }
"""

#: Style of the notebook pages added to JupyterLab's (``resources.forecast_css``).
NOTEBOOK_CSS = """
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { font-variant-numeric: tabular-nums; }
@media print {
  .jp-Notebook { overflow: visible !important; padding: 0 !important; }
  .jp-OutputArea-output { overflow: visible !important; }
  .jp-RenderedHTMLCommon table { font-size: 8pt; }
  .jp-Cell { break-inside: avoid-page; }
  .jp-OutputArea-output img { max-width: 100% !important; height: auto; }
  h1, h2, h3 { break-after: avoid-page; }
}
"""

#: Style of the single-file report: a table of contents, sections, and print rules.
SINGLE_CSS = """
nav#contents { border: 1px solid #ccc; background: #fafafa; padding: 0.5em 1.5em;
  margin: 1em 0 2em; }
nav#contents a { color: #0b5394; text-decoration: underline; }
section.page { border-top: 3px solid #444; margin-top: 3em; padding-top: 1em; }
section.page:first-of-type { border-top: none; margin-top: 0; }
section.jp-Notebook { overflow: visible; background: none; padding: 0; font-size: 14px; }
a.back { font-size: small; color: #0b5394; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { max-width: none; margin: 0; padding: 0; }
  a.back { display: none; }
  section.page { break-before: page; border-top: none; margin-top: 0; }
  section.page:first-of-type { break-before: auto; }
  img { max-width: 100% !important; height: auto; break-inside: avoid; }
  table, pre, .warning, .past { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  .jp-Cell { break-inside: avoid-page; }
}
"""


def kernel_config():
    """Jupyter settings of the notebooks' kernels.

    CurveZMQ keys are provisioned by the kernel manager when the kernelspec declares support
    (ipykernel 7.4's does), so the local kernel's messages are encrypted and it no longer
    prints "Kernel is running over TCP without encryption" on every start (jupyter_client
    8.10's ``transport_encryption``; older versions, which lack it and whose kernels do not
    warn, get no setting). A kernel without support runs as before.

    The kernel's own log (its stderr, which is our terminal) is limited to critical
    messages: jupyter_client interrupts every kernel (SIGINT) before asking it to shut down,
    and a kernel still busy with a message then logs "KeyboardInterrupt caught in kernel"
    for a notebook that has finished. What a notebook's cells raise does not go through
    that log: nbclient reports it and the report fails with the cell's error.
    """
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    config = Config({"NotebookClient": {"extra_arguments": ["--IPKernelApp.log_level=CRITICAL"]}})
    if "transport_encryption" in KernelManager.class_trait_names():
        config.KernelManager.transport_encryption = "auto"
    return config


def figure_to_data_uri(fig: plt.Figure, dpi: int = 100) -> str:
    """Encode a figure as an inline PNG data URI (so pages work offline)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def notebook_paths(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """The report's notebooks, in their numbered order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


# --- notebook pages ----------------------------------------------------------------------------


@dataclass
class NotebookPage:
    """One notebook exported as a page.

    Attributes
    ----------
    name : str
        The notebook's stem (``01_data``): page ``NAME.html``, anchor ``#NAME``.
    title : str
        Its first heading.
    path : Path
        The written page.
    css : str
        The page's style (JupyterLab's, once per single file).
    cells : str
        The page's body: the exported cells.
    """

    name: str
    title: str
    path: Path
    css: str
    cells: str


def run_notebook(
    source: Path, executed: Path, parameters: dict, kernel_name: str | None = None
) -> Path:
    """Run one notebook with papermill, passing the parameters it declares.

    Parameters
    ----------
    source : Path
        The notebook (committed without outputs).
    executed : Path
        Where the executed notebook is written.
    parameters : dict
        Papermill parameters (``FAST``, ``SEED``, ``DATA_DIR``...); only those the
        notebook declares in its ``parameters`` cell are passed.
    kernel_name : str, optional
        Jupyter kernel; defaults to the one papermill finds for this Python.

    Returns
    -------
    Path
        ``executed``.
    """
    import papermill as pm

    declared = pm.inspect_notebook(str(source))
    params = {k: v for k, v in parameters.items() if k in declared}
    pm.execute_notebook(
        str(source),
        str(executed),
        parameters=params,
        kernel_name=kernel_name,
        progress_bar=False,
        # the kernel starts in the notebook's folder; papermill's ``cwd=`` would chdir the whole
        # process, which races when notebooks run in parallel threads (a kernel could start in
        # the folder another thread had just restored)
        resources={"metadata": {"path": str(source.parent)}},
        config=kernel_config(),
    )
    return executed


def _between(text: str, markers: tuple[str, str], where: str) -> str:
    start, end = markers
    if start not in text or end not in text:
        raise RuntimeError(f"{where}: the template's markers {markers} are missing")
    return text.split(start, 1)[1].split(end, 1)[0]


def export_notebook(executed: Path, dest_dir: Path) -> NotebookPage:
    """Export an executed notebook as an offline HTML page, code hidden.

    Uses the ``forecast_offline`` template (JupyterLab's page without any script from the
    network) with figures embedded as data URIs.

    Parameters
    ----------
    executed : Path
        An executed notebook.
    dest_dir : Path
        Folder receiving ``NAME.html``.

    Returns
    -------
    NotebookPage
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATE_DIR)]
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    body, _ = exporter.from_notebook_node(nb, resources={"forecast_css": NOTEBOOK_CSS})
    page = dest_dir / f"{executed.stem}.html"
    page.write_text(body, encoding="utf-8")
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), executed.stem)
    title = first.splitlines()[0].lstrip("# ").strip() if first else executed.stem
    return NotebookPage(
        name=executed.stem,
        title=title,
        path=page,
        css=_between(body, CSS_MARKERS, str(page)),
        cells=_between(body, CELL_MARKERS, str(page)),
    )


def execute_notebook(
    source: Path, dest_dir: Path, parameters: dict, kernel_name: str | None = None
) -> NotebookPage:
    """Run one notebook (:func:`run_notebook`) into ``dest_dir`` and export its page there."""
    executed = run_notebook(source, dest_dir / source.name, parameters, kernel_name)
    return export_notebook(executed, dest_dir)


# --- the fit -----------------------------------------------------------------------------------


def fit_report_model(panel, run_dir: Path, fast: bool, seed: int, data_dir=None):
    """Fit the report's model on every month and save it as a run folder.

    Parameters
    ----------
    panel : DataFrame
        The monthly panel.
    run_dir : Path
        Run folder to write (``fit.nc``, ``run.json``, ``forecast.json``, ``effects.png``);
        callers pass the temporary folder of :func:`forecast.outputs.output_dir`.
    fast : bool
        The ``fast`` sampler preset instead of ``full``.
    seed : int
        Seed of the fit.
    data_dir : str or Path, optional
        The overlay folder, recorded in ``run.json`` (so ``forecast refit`` finds it).

    Returns
    -------
    BaseModel
        The fitted model (``model.diagnostics`` holds the verdict).
    """
    from forecast.models import get_model
    from forecast.runs import fit_run

    preset = "fast" if fast else "full"
    recorded = str(Path(data_dir).resolve()) if data_dir is not None else ""
    run = fit_run(
        get_model(REPORT_MODEL),
        panel,
        preset,
        seed=seed,
        out=run_dir,
        extra={"fast": fast, "preset": preset, "data_dir": recorded, "made_by": "report"},
    )
    return run.model


# --- tables ------------------------------------------------------------------------------------


def _pct(x) -> str:
    return "n/a" if x != x else f"{x:.0%}"


def _headline_html(table) -> str:
    head = (
        "<tr><th>Scenario</th><th>Expected launch days</th><th>80% interval</th>"
        "<th>P(at least 1)</th><th>P(ICBM launch)</th><th>P(nuclear test)</th></tr>"
    )
    rows = "\n".join(
        f'<tr data-scenario="{html.escape(str(r.scenario))}">'
        f"<td><b>{html.escape(str(r.scenario))}</b>: {html.escape(str(r.label))}</td>"
        f"<td>{r.mean:.1f}</td><td>{r.q10:.0f} to {r.q90:.0f}</td>"
        f"<td>{_pct(r.p_any)}</td><td>{_pct(r.p_icbm)}</td><td>{_pct(r.p_nuclear)}</td></tr>"
        for r in table.itertuples()
    )
    return f'<table id="headline">{head}\n{rows}\n</table>'


def _past_scores_html(summary: pd.DataFrame) -> str:
    head = (
        "<tr><th>Scenario</th><th>Months scored</th><th>Observed launch days</th>"
        "<th>Expected</th><th>Months inside the 80% interval</th><th>Mean CRPS</th></tr>"
    )
    rows = "\n".join(
        f"<tr><td>{html.escape(str(r.label))}</td><td>{r.months}</td><td>{r.observed:.0f}</td>"
        f"<td>{r.expected:.1f}</td><td>{r.in_80:.0f} of {r.months}</td><td>{r.crps:.2f}</td></tr>"
        for r in summary.itertuples()
    )
    return f'<table id="past-scores">{head}\n{rows}\n</table>'


# --- the index page ----------------------------------------------------------------------------


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
    model, ds
        The report's fitted model and its scenario simulation (both ``None``: no outlook).
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
    ds: object = None
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

    @property
    def today(self) -> dt.date:
        return self.freshness.today

    @property
    def has_outlook(self) -> bool:
        return self.model is not None and self.ds is not None

    def link(self, page: NotebookPage) -> str:
        """Where a notebook page is: its file, or its section in the single file."""
        return f"#{page.name}" if self.single else f"{page.name}.html"


def title_section(ctx: ReportContext) -> str:
    """The page title and when, with what and from which run it was built."""
    run = ""
    if ctx.run_dir is not None:
        run = (
            f" &middot; fitted run <code>{html.escape(str(ctx.run_dir))}</code> "
            "(on the machine that built the report)"
        )
    return (
        "<h1>North Korean weapons tests and the state of negotiations</h1>\n"
        f'<p class="meta">Built {ctx.built} &middot; forecast {__version__}{run}</p>'
    )


def freshness_section(ctx: ReportContext) -> str:
    """The data's as-of date and age; when stale, the missing months and the commands."""
    from forecast.freshness import freshness_html

    return freshness_html(ctx.freshness)


def warning_section(ctx: ReportContext) -> str:
    """A banner when the numbers are not to be quoted: a FAST build or a failed fit."""
    if not ctx.has_outlook:
        return ""
    reasons = []
    if ctx.fast:
        reasons.append("this report was built in <b>FAST mode</b> (a few hundred draws)")
    if not ctx.model.diagnostics.passed:
        reasons.append("the fit <b>failed its convergence checks</b>")
    if not reasons:
        return ""
    return (
        '<div id="warning" class="warning" role="alert"><b>Warning:</b> '
        + " and ".join(reasons)
        + ": treat every number on this page and in the notebooks as illustrative, not as a "
        "forecast. Rebuild with <code>forecast report</code> (without <code>--fast</code>) "
        "and check the verdict below before quoting them.</div>"
    )


def _past_html(ctx: ReportContext, timing) -> str:
    """What a forecast that starts in the past is, and its scores on the months observed."""
    from forecast.freshness import past_score_summary, score_past_months

    if not timing.partly_past:
        return ""
    past = timing.past
    span = past[0] if len(past) == 1 else f"{past[0]} to {past[-1]}"
    text = (
        f'<p id="past" class="past">This forecast starts where the fitted data end, so its first '
        f"{len(past)} month(s), <b>{span}</b>, are already in the past on {ctx.today}: read them "
        "as what the model would have said then, not as an outlook. "
    )
    scores = past_score_summary(score_past_months(ctx.ds, ctx.panel))
    if scores.empty:
        return text + (
            "None of those months is in the data yet, so the forecast cannot be scored on them; "
            "import them and rebuild (see above) to forecast from now.</p>"
        )
    return (
        text + "The months since imported score it as follows (CRPS in launch days, lower is "
        "better).</p>\n" + _past_scores_html(scores)
    )


def outlook_section(ctx: ReportContext) -> str:
    """Headline numbers and the fan chart of the scenarios (labelled past when they are)."""
    from forecast.freshness import forecast_timing

    if not ctx.has_outlook:
        return ""
    model, ds = ctx.model, ctx.ds
    timing = forecast_timing(ds["month"].values, today=ctx.today)
    fan = figure_to_data_uri(plot_scenarios(ds, model.training).figure)
    train = model.training["month"]
    source = html.escape(Path(ctx.scenario_file).name) if ctx.scenario_file else "scenarios"
    n = ds.sizes["month"]
    return f"""<h2 id="outlook">{html.escape(timing.title)}</h2>
{_past_html(ctx, timing)}
<p>Launch days over {n} months under each scenario of <code>{source}</code>,
from <code>{model.name}</code> fitted on {train.iloc[0]:%Y-%m} to {train.iloc[-1]:%Y-%m}.
Each forecast is conditional on its negotiation path; which path is likely is the analyst's
call. The 80% interval leaves 10% of simulations below and 10% above. The numbers are in
<code>headline.csv</code> and, month by month, <code>fan_bands.csv</code>.</p>
{_headline_html(headline_table(ds))}
<img id="fan" alt="Fan chart of launch days per month by scenario" src="{fan}">"""


def expectations_section(ctx: ReportContext) -> str:
    """The unconditional forecast (states from the transition model) and the answered
    questions."""
    from forecast.freshness import forecast_timing
    from forecast.plots import plot_state_probabilities
    from forecast.present import readable

    if ctx.outlook is None:
        return ""
    states = ctx.outlook["states"]
    timing = forecast_timing(states["month"].values, today=ctx.today)
    figure = figure_to_data_uri(plot_state_probabilities(states).figure)
    totals = ctx.outlook["totals"]
    rows = "\n".join(
        f"<tr><td>{html.escape(str(r.path))}</td><td>{r.share:.0%}</td><td>{r.mean:.1f}</td>"
        f"<td>{r.q10:.0f} to {r.q90:.0f}</td><td>{r.p_icbm:.0%}</td><td>{r.p_nuclear:.0%}</td>"
        "</tr>"
        for r in totals.itertuples()
    )
    first, last = states["month"].iloc[0], states["month"].iloc[-1]
    head = (
        "<tr><th>State path</th><th>Share of paths</th><th>Expected launch days</th>"
        "<th>80% interval</th><th>P(ICBM launch)</th><th>P(nuclear test)</th></tr>"
    )
    when = (
        f"{first:%B %Y} to {last:%B %Y}"
        if not timing.partly_past
        else f"from the data's end, {first:%B %Y} to {last:%B %Y} "
        f"({'in' if len(timing.past) == len(states) else 'partly in'} the past)"
    )
    parts = [
        f'<h2 id="expectations">What to expect, all things considered: {when}</h2>',
        "<p>Here no path is chosen: each simulation follows its own path of negotiation states, "
        "drawn from the transition model fitted on the coded timeline since 1990, so the "
        "forecast integrates over which state comes. The first row is the forecast over all "
        "paths; the others split it by the first state a path enters (a path that "
        '"stays" never leaves the current state).</p>',
        f'<table id="expectations-table">{head}\n{rows}\n</table>',
        f'<img id="states" alt="Probability of each negotiation state by month" src="{figure}">',
    ]
    if ctx.nuclear_constant is not None:
        parts.append(
            "<p>P(nuclear test) assumes old tests fade with a half-life of 28 months; a "
            f"constant rate since 1990 would give {ctx.nuclear_constant:.0%}. The data cannot "
            'tell these apart (README, "Evaluation").</p>'
        )
    if ctx.answers is not None and len(ctx.answers):
        answers = readable(ctx.answers, 2)
        cells = []
        for r in answers.itertuples():
            if r.probability == r.probability:
                text = f"{r.probability:.0%}"
            elif r.answer_type == "date":
                text = (
                    f"median {r.q50} (80%: {r.q10} to {r.q90}; none in the window {r.p_none:.0%})"
                )
            else:
                text = f"{r.mean} (80%: {r.q10} to {r.q90})"
            cells.append(
                f"<tr><td>{html.escape(str(r.title))}</td><td>{html.escape(text)}</td></tr>"
            )
        parts += [
            "<h3>Forecast questions</h3>",
            "<p>The questions of <code>questions/2026.yaml</code>, asked as forecasting "
            "platforms ask them, answered from the same simulations (conditional questions "
            "from simulations that follow the given path). The answers are in "
            "<code>answers.csv</code>; <code>forecast questions</code> freezes them and "
            "<code>forecast ledger</code> scores them once the data cover their months.</p>",
            '<table id="questions"><tr><th>Question</th><th>Answer</th></tr>\n'
            + "\n".join(cells)
            + "\n</table>",
        ]
    if ctx.unanswered:
        parts.append(
            "<p>Left out because the fitted data already cover their months: "
            + ", ".join(html.escape(q) for q in ctx.unanswered)
            + ".</p>"
        )
    return "\n".join(p for p in parts if p)


def trust_section(ctx: ReportContext, folder: Path = EVALUATION_DIR) -> str:
    """How far to trust the numbers: the full backtest's skill, calibration and the evidence
    for the state effect, for the run's model, in a table and in words."""
    from forecast.evaluation import read_summary
    from forecast.evaluation.findings import evidence_findings, held_state_rows, skill_findings
    from forecast.models import DEFAULT_MODEL
    from forecast.present import with_interval

    if not (folder / "settings.json").is_file():
        return ""
    tables, settings = read_summary(folder)
    model = ctx.model.name if ctx.has_outlook else DEFAULT_MODEL
    cutoffs = settings.get("cutoffs") or []
    span = (
        f"{len(cutoffs)} monthly cutoffs {cutoffs[0][:7]} to {cutoffs[-1][:7]}" if cutoffs else ""
    )
    head = (
        '<h2 id="trust">How far to trust these numbers</h2>\n'
        f"<p>The same model was fitted at each of {span} on the data up to it and scored on the "
        "months that followed (the state held at the cutoff, as a user forecasts; CRPS of "
        "launch days, lower is better). Skill is the share by which its error is below the best "
        "naive forecast's, with a 90% block-bootstrap interval. Details: notebook 05.</p>"
    )
    band = tables["by_band"]
    rows = held_state_rows(band, model)
    if rows.empty:
        return head + f"<p>The evaluation does not cover <code>{html.escape(model)}</code>.</p>"
    skill = with_interval(
        rows["crps_skill"], rows["crps_skill_lo"], rows["crps_skill_hi"], 1, percent=True
    )
    table = pd.DataFrame(
        {
            "Months ahead": rows["band"].to_numpy(),
            "Skill vs the best naive forecast (90% interval)": skill.to_numpy(),
            "Best naive forecast": rows["crps_baseline"].to_numpy(),
            "Outcomes inside the 80% interval": [f"{x:.1%}" for x in rows["pit_cov_80"]],
        }
    )
    words = skill_findings(band, model, tables.get("by_era"))
    if "evidence" in tables:
        words += evidence_findings(tables["evidence"], tables.get("after_changes"), model)
    items = "\n".join(f"<li>{html.escape(w)}</li>" for w in words)
    return (
        head
        + table.to_html(index=False, border=0, table_id="trust-table", escape=True)
        + f'\n<ul id="trust-words">\n{items}\n</ul>'
    )


def diagnostics_section(ctx: ReportContext) -> str:
    """The fit's convergence verdict."""
    if not ctx.has_outlook:
        return ""
    passed = bool(ctx.model.diagnostics.passed)
    verdict = html.escape(ctx.model.diagnostics.verdict())
    return (
        "<h2>Diagnostics of the fit</h2>\n"
        f'<p id="diagnostics" class="{"pass" if passed else "fail"}">{verdict}</p>'
    )


def effects_section(ctx: ReportContext) -> str:
    """Rate ratios of the states against no talks."""
    if not ctx.has_outlook or "state_effect" not in ctx.model.posterior:
        return ""
    effects = figure_to_data_uri(plot_state_effects(ctx.model.state_effects()).figure)
    return (
        "<h2>State effects</h2>\n<p>Rate ratios of each negotiation state against no talks "
        "(94% HDI).</p>\n"
        f'<img id="effects" alt="State effects as rate ratios against no talks" src="{effects}">'
    )


def timeline_section(ctx: ReportContext) -> str:
    """Launch days per month by class over the state timeline."""
    fig, ax = plt.subplots(figsize=(12, 4.5))
    plot_timeline(ctx.panel, ax=ax)
    timeline = figure_to_data_uri(fig)
    return (
        "<h2>Launches over time</h2>\n<p>Launch days per month (CNS Missile Test Database), "
        "stacked by missile class, with the coded negotiation state shaded behind.</p>\n"
        f'<img id="timeline" alt="Timeline of launch days by class and negotiation state" '
        f'src="{timeline}">'
    )


def recent_years_section(ctx: ReportContext) -> str:
    """The last ten years in numbers."""
    summary = yearly_summary(ctx.tables)
    recent = summary[summary["year"] >= summary["year"].max() - 9]
    cols = ["year", "launch_days", "missiles", "launch_days_icbm", "nuclear_tests", "state"]
    names = ["Year", "Launch days", "Missiles", "ICBM launch days", "Nuclear tests", "State"]
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in cols) + "</tr>"
        for _, r in recent.iterrows()
    )
    header = "".join(f"<th>{n}</th>" for n in names)
    return f'<h2>The last ten years</h2>\n<table id="summary"><tr>{header}</tr>\n{rows}\n</table>'


def notebooks_section(ctx: ReportContext) -> str:
    """Links to the notebook pages (or their sections in the single file)."""
    if not ctx.pages:
        return ""
    links = "\n".join(
        f'<li><a href="{ctx.link(p)}">{html.escape(p.title)}</a></li>' for p in ctx.pages
    )
    return f'<h2>Notebooks</h2>\n<ul id="notebooks">\n{links}\n</ul>'


#: The index page, top to bottom: each function takes the :class:`ReportContext` and returns
#: HTML (``""`` to leave its section out). Add a section by adding a function here.
INDEX_SECTIONS: list[Callable[[ReportContext], str]] = [
    title_section,
    freshness_section,
    warning_section,
    outlook_section,
    expectations_section,
    trust_section,
    diagnostics_section,
    effects_section,
    timeline_section,
    recent_years_section,
    notebooks_section,
]


def index_body(ctx: ReportContext, sections=None) -> str:
    """The index's content: every section of ``sections`` (default :data:`INDEX_SECTIONS`)."""
    sections = INDEX_SECTIONS if sections is None else sections
    return "\n".join(part for part in (section(ctx) for section in sections) if part)


def _document(title: str, styles: list[str], body: str) -> str:
    style = "\n".join(f"<style>{s}</style>" for s in styles)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{style}\n</head><body>\n{body}\n</body></html>\n"
    )


TITLE = "forecast: North Korean weapons tests and negotiations"


def index_page(ctx: ReportContext, sections=None) -> str:
    """The report's ``index.html``."""
    return _document(TITLE, [INDEX_CSS, SINGLE_CSS], index_body(ctx, sections))


def single_file_page(ctx: ReportContext, sections=None) -> str:
    """The whole report as one page: the index, then every notebook page as a section.

    A table of contents of plain anchors leads to the sections (no script at all), each
    notebook section links back to it, figures are the pages' inline PNGs, and JupyterLab's
    style is included once. The print style sheet starts each section on a new page.
    """
    from dataclasses import replace

    ctx = replace(ctx, single=True)
    toc = "\n".join(
        ['<li><a href="#overview">Overview: outlook, diagnostics, data</a></li>']
        + [f'<li><a href="#{p.name}">{html.escape(p.title)}</a></li>' for p in ctx.pages]
    )
    parts = [
        f'<nav id="contents"><b>Contents</b><ol>\n{toc}\n</ol></nav>',
        f'<section id="overview" class="page">\n{index_body(ctx, sections)}\n</section>',
    ]
    for page in ctx.pages:
        parts.append(
            f'<section id="{page.name}" class="page jp-Notebook" data-jp-theme-light="true">\n'
            f'<a class="back" href="#contents">&uarr; contents</a>\n{page.cells}\n</section>'
        )
    notebook_css = ctx.pages[0].css if ctx.pages else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(TITLE)}</title>\n{notebook_css}\n"
        f"<style>{INDEX_CSS}</style>\n<style>{SINGLE_CSS}</style>\n</head>"
        '<body data-jp-theme-light="true">\n' + "\n".join(parts) + "\n</body></html>\n"
    )


# --- building ----------------------------------------------------------------------------------


def check_single_file(path: str | Path, force: bool = False) -> Path:
    """Refuse, before any work, a ``--single-file`` destination that may not be written.

    It must end in ``.html``, lie outside the bundled ``datasets/``, be new unless ``force``
    (then it must be a file, which is replaced), and its folder must exist or be creatable.
    """
    from forecast.outputs import _nearest_existing, _probe_writable, refuse_bundled

    target = Path(path).expanduser()
    refuse_bundled(target, "--single-file")
    if target.suffix.lower() != ".html":
        raise ConfigError(
            "--single-file", f"{path} does not end in .html", "name the file NAME.html"
        )
    if target.is_dir():
        raise ConfigError("--single-file", f"{path} is a folder", "give the path of a file")
    if target.exists() and not force:
        raise ConfigError(
            "--single-file",
            f"{path} already exists",
            "pass --force to replace it, or choose another file name",
        )
    existing = _nearest_existing(target.resolve().parent)
    if not existing.is_dir():
        raise ConfigError(
            "--single-file", f"{existing} is a file, so {path} cannot be created", "fix the path"
        )
    _probe_writable(existing, "--single-file", target)  # missing folders are created
    # absolute: papermill changes the working folder while the notebooks run
    return target.resolve()


def expect(model, outlook, questions_file: Path, seed: int, panel: pd.DataFrame) -> dict:
    """The unconditional outlook and the answered questions for the index page.

    Questions about months the fitted data already cover are left out (and named); a run
    without outlook models (fitted by an older version) gives no section.
    """
    from forecast.outlook import answer_questions, outlook_tables, simulate_outlook
    from forecast.questions import load_questions

    if outlook is None or model.target != "launch_days":
        return {}
    questions = load_questions(questions_file)
    first = pd.Period(model.training["month"].iloc[-1], "M") + 1
    asked = [q for q in questions if q.start >= first]
    late = [q.id for q in questions if q.start < first]
    if asked:
        answers, _, sim = answer_questions(model, outlook, asked, random_seed=seed)
    else:
        answers, sim = None, simulate_outlook(model, outlook, 12, random_seed=seed)
    history = panel[pd.to_datetime(panel["month"]) < first.start_time]
    constant = type(outlook.nuclear)(priors={"half_life": float("inf")}, random_seed=seed)
    constant.fit(history)
    return {
        "outlook": outlook_tables(sim),
        "answers": answers,
        "unanswered": late,
        "nuclear_constant": constant.p_any(sim.sizes["month"]),
    }


@dataclass
class ReportPaths:
    """What :func:`build_report` wrote: the index, the run it used, the single file if any."""

    index: Path
    run_dir: Path
    single_file: Path | None = None
    fitted: bool = False


def build_report(
    out: str | Path,
    fast: bool = False,
    data_dir: str | Path | None = None,
    seed: int = 1,
    notebooks: list[Path] | None = None,
    scenarios: str | Path | None = None,
    workers: int = 2,
    force: bool = False,
    run: str | Path | None = None,
    run_out: str | Path | None = None,
    single_file: str | Path | None = None,
    today: dt.date | None = None,
    keep_notebooks: bool = False,
    on_data: Callable | None = None,
    questions: str | Path | None = None,
) -> ReportPaths:
    """Fit (or load) the report's model, execute the notebooks and write the report.

    Relative paths are taken from the current folder when the build starts.

    Parameters
    ----------
    out : str or Path
        Destination folder (replaced whole when the build succeeds).
    fast : bool
        Pass ``FAST=True`` to the notebooks and fit with small sampler settings
        (the index page then carries a warning banner).
    data_dir : str or Path, optional
        Data folder passed to the notebooks and used by the fit and the index page.
    seed : int
        Seed of the fit, the simulations and every notebook.
    notebooks : list of Path, optional
        Notebooks to run; defaults to every numbered notebook in ``notebooks/``.
    scenarios : str or Path, optional
        Scenario YAML of the outlook; defaults to ``scenarios/current.yaml``.
    workers : int
        Notebooks executed at the same time (each in its own kernel).
    force : bool
        Replace an earlier report in ``out``, an earlier run in ``run_out`` and an existing
        ``single_file`` (see :mod:`forecast.outputs`).
    run : str or Path, optional
        An existing run folder to use (no fit). Its numbers are shown as they are; a run
        made with the ``fast`` preset gets the FAST banner.
    run_out : str or Path, optional
        Without ``run``: the run folder the report's fit is written to (default
        :data:`DEFAULT_RUN_OUT`), under ``forecast fit``'s output-folder rule.
    single_file : str or Path, optional
        Also write the whole report as one self-contained HTML file here.
    today : date, optional
        The day the data's age is measured on (default: today).
    keep_notebooks : bool
        Keep the executed notebooks in ``out/notebooks/`` (for checking them; a reader does
        not need them).
    on_data : callable, optional
        Called with the loaded tables once every destination has been checked, before the
        slow steps (the CLI prints the data's age there).
    questions : str or Path, optional
        Question file the index answers (default :data:`CURRENT_QUESTIONS`).

    Returns
    -------
    ReportPaths
    """
    from forecast.freshness import data_freshness
    from forecast.outputs import check_output_dir, output_dir, write_text_atomic
    from forecast.runs import check_new_run_dir, load_outlook, load_run, read_run_record
    from forecast.scenarios import load_scenarios, simulate_scenarios

    # every destination and input is checked before the slow steps
    out = check_output_dir(out, "report", force=force)
    if run is None:
        run_out = check_new_run_dir(run_out or DEFAULT_RUN_OUT, force=force)
        if run_out == out or out in run_out.parents or run_out in out.parents:
            raise ConfigError(
                "--run-out",
                f"the run folder {run_out} and the report folder {out} overlap",
                "keep the fit outside the report: e.g. --run-out runs/report",
            )
    if single_file is not None:
        single_file = check_single_file(single_file, force=force)
    notebooks = notebook_paths() if notebooks is None else notebooks
    scenario_file = Path(scenarios).resolve() if scenarios is not None else CURRENT_SCENARIOS
    scenario_set = load_scenarios(scenario_file)
    tables = load_tables(data_dir)
    panel = monthly_panel(tables)
    freshness = data_freshness(tables, today=today, data_dir=data_dir)
    if on_data is not None:
        on_data(tables)
    params = {"FAST": fast, "SEED": seed, "SCENARIO_FILE": str(scenario_file)}
    if data_dir is not None:
        params["DATA_DIR"] = str(Path(data_dir).resolve())
    with Progress(transient=True) as progress:
        task = progress.add_task("Loading the run", total=len(notebooks) + 3)
        if run is None:
            progress.update(task, description=f"Fitting {REPORT_MODEL} into {run_out}")
            with output_dir(run_out, "fit", force=force) as tmp_run:
                model = fit_report_model(panel, tmp_run, fast=fast, seed=seed, data_dir=data_dir)
            run_dir, fitted = run_out, True
        else:
            run_dir, fitted = Path(run).resolve(), False
            model, _ = load_run(run_dir)
        record = read_run_record(run_dir)
        fast_fit = fast or record.get("preset") == "fast" or bool(record.get("fast"))
        params["RUN_DIR"] = str(run_dir)
        progress.advance(task)
        progress.update(task, description=f"Simulating {scenario_file.name}")
        outlook = load_outlook(run_dir, required=False)
        ds = simulate_scenarios(model, scenario_set, random_seed=seed, outlook=outlook)
        expectations = expect(model, outlook, questions or CURRENT_QUESTIONS, seed, panel)
        progress.advance(task)
        with output_dir(out, "report", force=force) as tmp:
            progress.update(task, description=f"Running {len(notebooks)} notebooks")
            pages = _run_notebooks(notebooks, tmp, params, workers, keep_notebooks, progress, task)
            progress.update(task, description="Writing the index")
            ctx = ReportContext(
                tables=tables,
                panel=panel,
                freshness=freshness,
                pages=pages,
                model=model,
                ds=ds,
                fast=fast_fit,
                scenario_file=scenario_file,
                run_dir=run_dir,
                **expectations,
            )
            (tmp / "index.html").write_text(index_page(ctx), encoding="utf-8")
            readable(headline_table(ds), 3).to_csv(tmp / "headline.csv", index=False)
            readable(band_table(ds), 2).to_csv(tmp / "fan_bands.csv", index=False)
            if ctx.outlook is not None:
                readable(ctx.outlook["totals"], 3).to_csv(tmp / "outlook.csv", index=False)
            if ctx.answers is not None:
                readable(ctx.answers, 3).to_csv(tmp / "answers.csv", index=False)
            if single_file is not None:
                single_file.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(single_file, single_file_page(ctx))
            progress.advance(task)
    return ReportPaths(
        index=out / "index.html", run_dir=run_dir, single_file=single_file, fitted=fitted
    )


def _run_notebooks(notebooks, tmp: Path, params, workers, keep, progress, task):
    """Execute the notebooks (``workers`` at a time) and write their pages into ``tmp``."""
    keep_dir = tmp / "notebooks"
    if keep:
        keep_dir.mkdir()
    with tempfile.TemporaryDirectory(prefix=".executed-", dir=tmp) as scratch:
        where = keep_dir if keep else Path(scratch)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(run_notebook, nb, where / nb.name, params) for nb in notebooks]
            for future in as_completed(futures):
                if future.exception() is not None:  # a failed notebook stops the build
                    pool.shutdown(cancel_futures=True)
                    raise future.exception()
                progress.advance(task)
        return [export_notebook(where / nb.name, tmp) for nb in notebooks]


def folder_size(folder: str | Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
