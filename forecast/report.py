"""The shareable report: notebooks executed with papermill, exported to HTML.

:func:`build_report` builds the whole folder with :func:`forecast.outputs.output_dir`:
in a temporary directory next to the destination, swapped into place only when
complete, so a failed build never leaves a half-written report behind; the
destination must be new, empty, or (with ``force``) an earlier report.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from rich.progress import Progress

from forecast import __version__
from forecast.constants import NOTEBOOK_DIR
from forecast.data import load_tables, monthly_panel, yearly_summary
from forecast.plots import plot_scenarios, plot_state_effects, plot_timeline

#: The shipped scenario file of the current outlook.
CURRENT_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios" / "current.yaml"

#: The model the report fits on all data: the default model (the best in the evaluation).
REPORT_MODEL = "default"


def kernel_config():
    """Jupyter settings of the notebooks' kernels.

    CurveZMQ keys are provisioned by the kernel manager when the kernelspec declares support
    (ipykernel 7.4's does), so the local kernel's messages are encrypted and it no longer
    prints "Kernel is running over TCP without encryption" on every start (jupyter_client
    8.10's ``transport_encryption``; older versions, which lack it and whose kernels do not
    warn, get no setting). A kernel without support runs as before.
    """
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    if "transport_encryption" not in KernelManager.class_trait_names():
        return Config()
    return Config({"KernelManager": {"transport_encryption": "auto"}})


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
        config=kernel_config(),
    )
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    page = dest_dir / f"{source.stem}.html"
    page.write_text(body, encoding="utf-8")
    return page


def fit_report_model(panel, run_dir: Path, fast: bool, seed: int):
    """Fit the report's model on every month and save it as a run folder.

    Parameters
    ----------
    panel : DataFrame
        The monthly panel.
    run_dir : Path
        Run folder to write (``fit.nc``, ``run.json``, ``forecast.json``, ``effects.png``).
    fast : bool
        The ``fast`` sampler preset instead of ``full``.
    seed : int
        Seed of the fit.

    Returns
    -------
    BaseModel
        The fitted model (``model.diagnostics`` holds the verdict).
    """
    from forecast.models import get_model
    from forecast.runs import fit_run

    run = fit_run(
        get_model(REPORT_MODEL),
        panel,
        "fast" if fast else "full",
        seed=seed,
        out=run_dir,
        extra={"fast": fast},
    )
    return run.model


def headline_table(ds) -> pd.DataFrame:
    """Per scenario: expected total, 80% interval, P(at least 1), P(ICBM), P(nuclear test)."""
    from forecast.scenarios import probability_table, total_summary

    tot = total_summary(ds)
    prob = probability_table(ds)
    table = tot[["scenario", "label", "mean", "q10", "q90", "p_any"]].copy()
    for col in ("p_icbm", "p_nuclear"):
        table[col] = prob[col].to_numpy() if col in prob else float("nan")
    return table


def _headline_html(table) -> str:
    def pct(x) -> str:
        return "n/a" if x != x else f"{x:.0%}"

    head = (
        "<tr><th>Scenario</th><th>Expected launch days</th><th>80% interval</th>"
        "<th>P(at least 1)</th><th>P(ICBM launch)</th><th>P(nuclear test)</th></tr>"
    )
    rows = "\n".join(
        f'<tr data-scenario="{html.escape(str(r.scenario))}">'
        f"<td><b>{html.escape(str(r.scenario))}</b>: {html.escape(str(r.label))}</td>"
        f"<td>{r.mean:.1f}</td><td>{r.q10:.0f} to {r.q90:.0f}</td>"
        f"<td>{pct(r.p_any)}</td><td>{pct(r.p_icbm)}</td><td>{pct(r.p_nuclear)}</td></tr>"
        for r in table.itertuples()
    )
    return f'<table id="headline">{head}\n{rows}\n</table>'


def _banner(fast: bool, passed: bool) -> str:
    reasons = []
    if fast:
        reasons.append("this report was built in <b>FAST mode</b> (a few hundred draws)")
    if not passed:
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


def _index_page(
    tables, panel, pages: list[Path], model=None, ds=None, fast: bool = False, scenario_file=None
) -> str:
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
    outlook = ""
    banner = ""
    if model is not None and ds is not None:
        passed = bool(model.diagnostics.passed)
        banner = _banner(fast, passed)
        fan = figure_to_data_uri(plot_scenarios(ds, model.training).figure)
        effects = figure_to_data_uri(plot_state_effects(model.state_effects()).figure)
        months = ds["month"].values
        first, last = (dt.date.fromisoformat(str(m)[:10]) for m in (months[0], months[-1]))
        train = model.training["month"]
        verdict_class = "pass" if passed else "fail"
        source = html.escape(Path(scenario_file).name) if scenario_file else "scenarios"
        outlook = f"""<h2>The current outlook, {first:%B %Y} to {last:%B %Y}</h2>
<p>Launch days over the next {len(months)} months under each scenario of <code>{source}</code>,
from <code>{model.name}</code> fitted on {train.iloc[0]:%Y-%m} to {train.iloc[-1]:%Y-%m}.
Each forecast is conditional on its negotiation path; which path is likely is the analyst's
call. The 80% interval leaves 10% of simulations below and 10% above.</p>
{_headline_html(headline_table(ds))}
<img id="fan" alt="Fan chart of launch days per month by scenario" src="{fan}">
<h2>Diagnostics of the fit</h2>
<p id="diagnostics" class="{verdict_class}">{html.escape(model.diagnostics.verdict())}</p>
<h2>State effects</h2>
<p>Rate ratios of each negotiation state against no talks (94% HDI), by weapon class.</p>
<img id="effects" alt="State effects as rate ratios against no talks" src="{effects}">
"""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>forecast: North Korean weapons tests and negotiations</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 4px 10px; }}
th {{ background: #f2f2f2; }} td {{ text-align: right; }} td:last-child {{ text-align: left; }}
#headline td:first-child {{ text-align: left; }} #headline td:last-child {{ text-align: right; }}
img {{ max-width: 100%; }} .meta {{ color: #666; }}
.warning {{ background: #fff3cd; border: 2px solid #d39e00; padding: 0.8em 1em; margin: 1em 0; }}
.fail {{ color: #b00020; font-weight: bold; }} .pass {{ color: #1b7a1b; font-weight: bold; }}
</style></head><body>
<h1>North Korean weapons tests and the state of negotiations</h1>
<p class="meta">Data as of <b>{as_of}</b> &middot; built {built} &middot; forecast {__version__}</p>
{banner}
{outlook}
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
    scenarios: str | Path | None = None,
    workers: int = 2,
    force: bool = False,
) -> Path:
    """Fit the report's model, execute the notebooks and write the HTML report folder.

    The report fits :data:`REPORT_MODEL` on every month into ``out/runs/latest``,
    simulates the scenario file, and passes ``RUN_DIR`` and ``SCENARIO_FILE`` to
    the notebooks that declare them, so they reuse that fit.

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
        Notebooks executed at the same time (each in its own kernel; they share
        nothing but read-only inputs). Two keep both cores of a small machine
        busy through the kernels' start-up, imports and plotting.
    force : bool
        Replace an earlier report in ``out`` (see :mod:`forecast.outputs`).

    Returns
    -------
    Path
        The ``index.html`` of the finished report.
    """
    from forecast.outputs import check_output_dir, output_dir
    from forecast.runs import load_outlook
    from forecast.scenarios import load_scenarios, simulate_scenarios

    out = check_output_dir(out, "report", force=force)  # refuse before the slow steps
    notebooks = notebook_paths() if notebooks is None else notebooks
    scenario_file = Path(scenarios).resolve() if scenarios is not None else CURRENT_SCENARIOS
    scenario_set = load_scenarios(scenario_file)  # fail before the slow steps
    params = {"FAST": fast, "SEED": seed, "SCENARIO_FILE": str(scenario_file)}
    if data_dir is not None:
        params["DATA_DIR"] = str(Path(data_dir).resolve())
    with output_dir(out, "report", force=force) as tmp:
        with Progress(transient=True) as progress:
            task = progress.add_task("Loading data", total=len(notebooks) + 3)
            tables = load_tables(data_dir)
            panel = monthly_panel(tables)
            progress.update(task, description=f"Fitting {REPORT_MODEL}")
            run_dir = tmp / "runs" / "latest"
            model = fit_report_model(panel, run_dir, fast=fast, seed=seed)
            params["RUN_DIR"] = str(run_dir)
            progress.advance(task)
            progress.update(task, description=f"Simulating {scenario_file.name}")
            outlook = load_outlook(run_dir)
            ds = simulate_scenarios(model, scenario_set, random_seed=seed, outlook=outlook)
            progress.advance(task)
            progress.update(task, description=f"Running {len(notebooks)} notebooks")
            with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                futures = [pool.submit(execute_notebook, nb, tmp, params) for nb in notebooks]
                for future in as_completed(futures):
                    if future.exception() is not None:  # a failed notebook stops the build
                        pool.shutdown(cancel_futures=True)
                        raise future.exception()
                    progress.advance(task)
                pages = [future.result() for future in futures]  # in notebook order
            progress.update(task, description="Writing index.html")
            page = _index_page(tables, panel, pages, model, ds, fast, scenario_file)
            (tmp / "index.html").write_text(page, encoding="utf-8")
            progress.advance(task)
    return out / "index.html"
