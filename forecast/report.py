"""The shareable report: notebooks executed with papermill, exported to HTML.

:func:`build_report` builds the whole folder in a temporary directory next to
the destination and moves it into place only when complete, so a failed build
never leaves a half-written report behind.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from rich.progress import Progress  # noqa: E402

from forecast import __version__  # noqa: E402
from forecast.constants import NOTEBOOK_DIR  # noqa: E402
from forecast.data import load_tables, monthly_panel, yearly_summary  # noqa: E402
from forecast.plots import plot_timeline  # noqa: E402


def figure_to_data_uri(fig: plt.Figure) -> str:
    """Encode a figure as an inline PNG data URI (so pages work offline)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def notebook_paths(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """The report's notebooks, in their numbered order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def execute_notebook(
    source: Path, dest_dir: Path, parameters: dict, kernel_name: str | None = None
) -> Path:
    """Run one notebook with papermill and export it as self-contained HTML.

    Parameters
    ----------
    source : Path
        The notebook (committed without outputs).
    dest_dir : Path
        Folder receiving ``NAME.ipynb`` (executed) and ``NAME.html``.
    parameters : dict
        Papermill parameters (``FAST``, ``SEED``, ``DATA_DIR``...); only those the
        notebook declares in its ``parameters`` cell are passed.
    kernel_name : str, optional
        Jupyter kernel; defaults to the one papermill finds for this Python.

    Returns
    -------
    Path
        The HTML page.
    """
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    declared = pm.inspect_notebook(str(source))
    params = {k: v for k, v in parameters.items() if k in declared}
    executed = dest_dir / source.name
    pm.execute_notebook(
        str(source),
        str(executed),
        parameters=params,
        kernel_name=kernel_name,
        progress_bar=False,
        cwd=str(source.parent),
    )
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    page = dest_dir / f"{source.stem}.html"
    page.write_text(body, encoding="utf-8")
    return page


def _index_page(data_dir, pages: list[Path]) -> str:
    tables = load_tables(data_dir)
    panel = monthly_panel(tables)
    summary = yearly_summary(tables)
    fig, ax = plt.subplots(figsize=(12, 4.5))
    plot_timeline(panel, ax=ax)
    timeline = figure_to_data_uri(fig)
    recent = summary[summary["year"] >= summary["year"].max() - 9]
    cols = ["year", "launch_days", "missiles", "launch_days_icbm", "nuclear_tests", "state"]
    names = ["Year", "Launch days", "Missiles", "ICBM launch days", "Nuclear tests", "State"]
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in cols) + "</tr>"
        for _, r in recent.iterrows()
    )
    links = "\n".join(
        f'<li><a href="{p.name}">{html.escape(p.stem.replace("_", " "))}</a></li>' for p in pages
    )
    as_of = tables.as_of.date().isoformat()
    built = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>forecast: North Korean weapons tests and negotiations</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 4px 10px; }}
th {{ background: #f2f2f2; }} td {{ text-align: right; }} td:last-child {{ text-align: left; }}
img {{ max-width: 100%; }} .meta {{ color: #666; }}
</style></head><body>
<h1>North Korean weapons tests and the state of negotiations</h1>
<p class="meta">Data as of <b>{as_of}</b> &middot; built {built} &middot; forecast {__version__}</p>
<h2>Launches over time</h2>
<p>Launch days per month (CNS Missile Test Database), stacked by missile class, with the
coded negotiation state shaded behind.</p>
<img id="timeline" alt="Timeline of launch days by class and negotiation state" src="{timeline}">
<h2>The last ten years</h2>
<table id="summary"><tr>{"".join(f"<th>{n}</th>" for n in names)}</tr>
{rows}
</table>
<h2>Notebooks</h2>
<ul id="notebooks">
{links}
</ul>
</body></html>
"""


def build_report(
    out: str | Path,
    fast: bool = False,
    data_dir: str | Path | None = None,
    seed: int = 1,
    notebooks: list[Path] | None = None,
) -> Path:
    """Execute the notebooks and write the HTML report folder.

    Parameters
    ----------
    out : str or Path
        Destination folder (replaced whole when the build succeeds).
    fast : bool
        Pass ``FAST=True`` to the notebooks (small, real sampling).
    data_dir : str or Path, optional
        Data folder passed to the notebooks and the index page.
    seed : int
        Seed passed to every notebook.
    notebooks : list of Path, optional
        Notebooks to run; defaults to every numbered notebook in ``notebooks/``.

    Returns
    -------
    Path
        The ``index.html`` of the finished report.
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    notebooks = notebook_paths() if notebooks is None else notebooks
    params = {"FAST": fast, "SEED": seed}
    if data_dir is not None:
        params["DATA_DIR"] = str(Path(data_dir).resolve())
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        pages = []
        with Progress(transient=True) as progress:
            task = progress.add_task("Rendering notebooks", total=len(notebooks) + 1)
            for nb in notebooks:
                progress.update(task, description=f"Running {nb.name}")
                pages.append(execute_notebook(nb, tmp, params))
                progress.advance(task)
            progress.update(task, description="Writing index.html")
            (tmp / "index.html").write_text(_index_page(data_dir, pages), encoding="utf-8")
            progress.advance(task)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "index.html"
