"""The shareable report: notebooks executed with papermill, exported to HTML, and an index.

What a report is
----------------
A folder a reader opens from disk, offline, without Python: ``index.html`` (the first screen:
the data's age, the scenarios' headline numbers and fan chart, the fit's diagnostics and state
effects, the timeline, the outlook from today, the coding sensitivity), one page per notebook
(``NN_name.html``, code hidden), and CSVs of every table on the index. The index's charts are
interactive Vega-Lite charts (:mod:`~forecast.report.vega`): the library is
``vendor/vega-embed.min.js`` in the folder and is inlined once in the single file; each chart
keeps its PNG for print and for a browser without JavaScript. Nothing is loaded from the
network: no script, style sheet or font from elsewhere (the notebook pages use the template in
``forecast/templates/forecast_offline``, which drops nbconvert's require.js, MathJax and
mermaid.js tags). :func:`build_report` can also write the same report as
**one file** (``single_file``): the index and every notebook page as sections of one page, with
a table of contents made of plain anchors and a print style sheet, so that it prints to PDF from
the browser.

Where the fit lives
-------------------
The report folder holds no fitted run. :func:`build_report` either uses an existing run folder
(``run=``, ``forecast report --run RUN_DIR``, checked up front to be a model the notebooks can
explain) or fits :data:`REPORT_MODEL` on every month into ``run_out``: by default
``runs/report-NAME`` for a report in ``.../NAME`` (:func:`default_run_out`), so a second report
to another folder fits beside the first instead of tripping over it. That folder must be new,
empty, or the earlier fit of a report (replaced with ``force``); a run made by
``forecast fit`` is never replaced. The pages name the run folder by its path; the notebooks
read it (papermill's ``RUN_DIR``) instead of fitting the same model again.

The package's modules: :mod:`~forecast.report.notebooks` (papermill and nbconvert),
:mod:`~forecast.report.context` (what the sections read), :mod:`~forecast.report.sections`
(the index page's sections about the forecast, and their order),
:mod:`~forecast.report.evidence` (the sections on how far to trust them),
:mod:`~forecast.report.vega` (the chart library and a chart on a page),
:mod:`~forecast.report.chart_parts`, :mod:`~forecast.report.scenario_charts` and
:mod:`~forecast.report.state_skill_charts` (the charts' specifications),
:mod:`~forecast.report.pages` (the index and the single file) and
:mod:`~forecast.report.build` (the build).

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

from forecast.report.build import (
    CURRENT_QUESTIONS,
    REPORT_MODEL,
    RUN_FOLDER,
    SIZE_TARGET_BYTES,
    ReportPaths,
    build_report,
    check_report_run,
    default_run_out,
    folder_size,
)
from forecast.report.context import EVALUATION_DIR, ReportContext
from forecast.report.notebooks import (
    NotebookPage,
    execute_notebook,
    export_notebook,
    kernel_config,
    notebook_paths,
    run_notebook,
)
from forecast.report.pages import index_page, single_file_page
from forecast.report.sections import INDEX_SECTIONS

__all__ = [
    "CURRENT_QUESTIONS",
    "RUN_FOLDER",
    "EVALUATION_DIR",
    "INDEX_SECTIONS",
    "REPORT_MODEL",
    "SIZE_TARGET_BYTES",
    "NotebookPage",
    "ReportContext",
    "ReportPaths",
    "build_report",
    "check_report_run",
    "default_run_out",
    "execute_notebook",
    "export_notebook",
    "folder_size",
    "index_page",
    "kernel_config",
    "notebook_paths",
    "run_notebook",
    "single_file_page",
]
