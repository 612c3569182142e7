"""The report's notebook pages: run with papermill, exported to offline HTML by nbconvert.

Each notebook is committed without outputs and declares its papermill parameters
(``FAST``, ``SEED``, ``RUN_DIR``...); :func:`run_notebooks` executes them a few at a time
(each in its own kernel), and :func:`export_notebook` turns an executed notebook into a
page with code hidden, figures embedded, and no script, style sheet or font loaded from the
network (the template in ``forecast/templates/forecast_offline`` drops nbconvert's
require.js, MathJax and mermaid.js tags).

A build that is interrupted (Ctrl-C, or SIGTERM under the command line) stops at once: the
kernels it started are kept in a :class:`KernelGroup` and killed, process group and all, so
the notebooks still running end with a dead kernel instead of running to their end while the
command waits for them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager, KernelManager
from nbconvert import HTMLExporter
from papermill.log import logger as papermill_logger
from traitlets.config import Config

from forecast.constants import NOTEBOOK_DIR

#: nbconvert template of the notebook pages (in ``forecast/templates``).
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE_NAME = "forecast_offline"

#: Markers the template puts around a notebook page's style and its cells.
CSS_MARKERS = ("<!-- forecast:css -->", "<!-- /forecast:css -->")
CELL_MARKERS = ("<!-- forecast:cells -->", "<!-- /forecast:cells -->")

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


class KernelGroup:
    """The kernels of one build, stopped together when the build is interrupted.

    nbclient makes each notebook's kernel manager from the class :attr:`manager_class`
    (papermill passes our ``config``); a manager joins the group once its kernel has started
    and leaves it when its resources are cleaned up. :meth:`stop` kills every kernel in the
    group, and any that starts afterwards as soon as it has started.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set = set()
        self.stopped = False

    @functools.cached_property
    def manager_class(self) -> type:
        """The kernel manager class whose kernels belong to this group (made once)."""
        group = self

        class GroupKernelManager(AsyncKernelManager):
            async def start_kernel(self, **kw) -> None:
                await super().start_kernel(**kw)
                group._join(self)

            async def cleanup_resources(self, restart: bool = False) -> None:
                group._leave(self)
                await super().cleanup_resources(restart=restart)

        return GroupKernelManager

    def _join(self, manager) -> None:
        with self._lock:
            self._running.add(manager)
            stopped = self.stopped
        if stopped:
            _kill(manager)

    def _leave(self, manager) -> None:
        with self._lock:
            self._running.discard(manager)

    def stop(self) -> None:
        """Kill every running kernel of the group (and each one started from now on)."""
        with self._lock:
            self.stopped = True
            running = list(self._running)
        for manager in running:
            _kill(manager)


def _kill(manager) -> None:
    """SIGKILL a kernel's process group (its own session: the kernel and whatever it started),
    or the kernel alone; a kernel already gone is not an error."""
    provisioner = getattr(manager, "provisioner", None)
    process = getattr(provisioner, "process", None)
    pgid = getattr(provisioner, "pgid", None)
    try:
        if pgid and hasattr(os, "killpg"):
            os.killpg(pgid, signal.SIGKILL)
        elif process is not None:
            process.kill()
    except (OSError, ProcessLookupError):
        pass


class _DeadKernelFilter(logging.Filter):
    """Drops nbclient's "Kernel died while waiting for execute reply" (logged through
    papermill's logger) for the kernels a stopped build killed itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Kernel died" not in record.getMessage()


@contextlib.contextmanager
def _without_dead_kernel_errors():
    """While a build stops its kernels, their death is not reported as an error."""
    quiet = _DeadKernelFilter()
    papermill_logger.addFilter(quiet)
    try:
        yield
    finally:
        papermill_logger.removeFilter(quiet)


def kernel_config(kernels: KernelGroup | None = None):
    """Jupyter settings of the notebooks' kernels (``kernels``: the group their managers
    join, :class:`KernelGroup`).

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
    config = Config({"NotebookClient": {"extra_arguments": ["--IPKernelApp.log_level=CRITICAL"]}})
    if kernels is not None:
        config.NotebookClient.kernel_manager_class = kernels.manager_class
    if "transport_encryption" in KernelManager.class_trait_names():
        config.KernelManager.transport_encryption = "auto"
    return config


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
    source: Path,
    executed: Path,
    parameters: dict,
    kernel_name: str | None = None,
    kernels: KernelGroup | None = None,
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
    kernels : KernelGroup, optional
        The group the notebook's kernel joins (to be stopped with the others of a build).

    Returns
    -------
    Path
        ``executed``.
    """
    declared = papermill.inspect_notebook(str(source))
    params = {k: v for k, v in parameters.items() if k in declared}
    papermill.execute_notebook(
        str(source),
        str(executed),
        parameters=params,
        kernel_name=kernel_name,
        progress_bar=False,
        # the kernel starts in the notebook's folder; papermill's ``cwd=`` would chdir the whole
        # process, which races when notebooks run in parallel threads (a kernel could start in
        # the folder another thread had just restored)
        resources={"metadata": {"path": str(source.parent)}},
        config=kernel_config(kernels),
    )
    return executed


def _between(text: str, markers: tuple[str, str], where: str) -> str:
    start, end = markers
    if start not in text or end not in text:
        raise RuntimeError(f"{where}: the template's markers {markers} are missing")
    return text.split(start, 1)[1].split(end, 1)[0]


#: The longest alternative text given to a figure (characters).
ALT_MAX = 200


def figure_alt(markdown: str) -> str:
    """A figure's alternative text from the prose before its cell: the section heading, if the
    prose has one, and its first sentence, without markdown (emphasis, code marks, links), at
    most :data:`ALT_MAX` characters."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # [words](link) -> words
    heading, body = "", []
    for line in (line.strip() for line in text.splitlines()):
        if line.startswith("#"):
            heading, body = line.lstrip("# ").strip(), []
        elif line:
            body.append(line.lstrip(">-* ").strip())
    sentence = re.split(r"(?<=[.;!?])\s", re.sub(r"[`*]", "", " ".join(body)), maxsplit=1)[0]
    alt = " ".join(p for p in (f"{heading}:" if heading else "", sentence.strip()) if p)
    if len(alt) > ALT_MAX:
        alt = alt[: ALT_MAX - 1].rsplit(" ", 1)[0] + "\u2026"
    return f"Figure. {alt}" if alt else "Figure"


def describe_figures(nb):
    """Give every image output of ``nb`` an alternative text (``output.metadata["alt"]``, which
    the ``forecast_offline`` template writes as the image's ``alt``): the first sentence of the
    markdown cell before its code cell, which says what the figure shows (every code cell of
    our notebooks comes after prose). Returns ``nb``, changed in place."""
    prose = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            prose = cell.source
            continue
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                output.setdefault("metadata", {})["alt"] = figure_alt(prose)
    return nb


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
    nb = describe_figures(nbformat.read(executed, as_version=4))
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATE_DIR)]
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), executed.stem)
    title = first.splitlines()[0].lstrip("# ").strip() if first else executed.stem
    resources = {"forecast_css": NOTEBOOK_CSS, "metadata": {"name": title}}  # the page's <title>
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    page = dest_dir / f"{executed.stem}.html"
    page.write_text(body, encoding="utf-8")
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


def run_notebooks(
    notebooks: list[Path],
    dest_dir: Path,
    parameters: dict,
    workers: int = 2,
    keep: bool = False,
    advance: Callable[[], None] | None = None,
) -> tuple[list[NotebookPage], dict[str, float]]:
    """Execute the notebooks (``workers`` at a time) and write their pages into ``dest_dir``.

    Parameters
    ----------
    notebooks : list of Path
        The notebooks, in page order.
    dest_dir : Path
        Folder receiving the pages (and ``notebooks/`` with the executed notebooks when
        ``keep``).
    parameters : dict
        Papermill parameters (each notebook receives those it declares).
    workers : int
        Notebooks executed at the same time, each in its own kernel.
    keep : bool
        Keep the executed notebooks.
    advance : callable, optional
        Called once per notebook finished (a progress bar's step).

    Returns
    -------
    pages : list of NotebookPage
        In the order of ``notebooks``.
    seconds : dict of str to float
        Wall time of each notebook's execution, by name.

    Raises
    ------
    Exception
        The first notebook that fails stops the build with its cell's error.
    KeyboardInterrupt
        Ctrl-C (or SIGTERM under the command line): the running kernels are killed, so the
        build stops within about a second instead of waiting for its notebooks.
    """
    keep_dir = dest_dir / "notebooks"
    if keep:
        keep_dir.mkdir()
    seconds: dict[str, float] = {}

    def run(source: Path) -> Path:
        started = time.perf_counter()
        executed = run_notebook(source, where / source.name, parameters, kernels=kernels)
        seconds[source.stem] = time.perf_counter() - started
        return executed

    with tempfile.TemporaryDirectory(prefix=".executed-", dir=dest_dir) as scratch:
        where = keep_dir if keep else Path(scratch)
        kernels = KernelGroup()
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            futures = [pool.submit(run, nb) for nb in notebooks]
            for future in as_completed(futures):
                if future.exception() is not None:  # a failed notebook stops the build
                    raise future.exception()
                if advance is not None:
                    advance()
        except BaseException:  # the others are not waited for: their kernels are killed
            pool.shutdown(wait=False, cancel_futures=True)
            with _without_dead_kernel_errors():
                kernels.stop()
                pool.shutdown(wait=True)  # about a second: nbclient polls its kernel's life
            raise
        pool.shutdown(wait=True)
        pages = [export_notebook(where / nb.name, dest_dir) for nb in notebooks]
    return pages, seconds
