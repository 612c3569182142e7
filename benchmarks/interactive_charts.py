"""Benchmark: the report's scenario fan chart in Vega-Lite (Altair), Plotly and Bokeh.

Builds the same interactive fan chart with each library (observed months as bars, then five
scenarios' mean as a step line with their 50% and 80% bands; hover shows the month, the mean
and the bands of each scenario; a click on the legend switches a scenario on and off) and
writes it as one offline HTML page with the library's JavaScript inlined. Prints, per library,
the size of the page, of the JavaScript and of the chart itself (the page without the
library), and the version; with ``--out DIR`` it also keeps the pages and, where headless
Chromium is installed, a screenshot of each (to compare their look).

The bands are a synthetic table shaped like :func:`forecast.summaries.monthly` (5 scenarios x
12 months, plus 36 observed months), so the benchmark runs in seconds without a fit. The
Vega-Lite chart is the report's own (:func:`forecast.report.scenario_charts.fan_chart_spec`).

Run with ``python benchmarks/interactive_charts.py [--out DIR]``; Plotly and Bokeh come with
the ``bench`` extra (``pip install -e '.[bench]'``), the report needs neither.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.plots.style import STATE_COLORS, scenario_colors

SCENARIOS = {
    "persist": "The last observed state (no talks) persists",
    "talks_resume": "Working-level talks resume in month 3",
    "summit": "A summit is prepared from month 4",
    "outlook": "All things considered (states follow the transition model)",
    "summit_announced": "A summit is announced: P(summitry within 3 months) = 0.7",
}


def synthetic_bands(seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A band table like :func:`forecast.summaries.monthly` and 36 observed months."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2026-01-01", periods=12, freq="MS")
    rows = []
    for i, (name, label) in enumerate(SCENARIOS.items()):
        base = 0.9 - 0.1 * i
        for j, month in enumerate(months):
            draws = rng.negative_binomial(1.5, 1.5 / (1.5 + base * (1 + 0.02 * j)), 4000)
            q = np.quantile(draws, [0.1, 0.25, 0.5, 0.75, 0.9], method="inverted_cdf")
            rows.append(
                {
                    "scenario": name,
                    "label": label,
                    "month": month,
                    "n": 4000,
                    "mean": draws.mean(),
                    "median": q[2],
                    **dict(zip(["q10", "q25", "q50", "q75", "q90"], q, strict=True)),
                }
            )
    past = pd.date_range("2023-01-01", periods=36, freq="MS")
    history = pd.DataFrame(
        {
            "month": past,
            "launch_days": rng.poisson(1.2, len(past)),
            "state": np.where(past < "2024-06-01", "stalled", "no_talks"),
        }
    )
    return pd.DataFrame(rows), history


def _edges(part: pd.DataFrame) -> pd.DataFrame:
    """The rows of one scenario plus a copy of the last at the next month (steps end there)."""
    last = part.iloc[[-1]].assign(month=part["month"].iloc[-1] + pd.offsets.MonthBegin(1))
    return pd.concat([part, last], ignore_index=True)


def _hover_text(row) -> str:
    return (
        f"{row.label}<br>{row.month:%B %Y}: mean {row['mean']:.1f}, 50% {row.q25:.0f} to "
        f"{row.q75:.0f}, 80% {row.q10:.0f} to {row.q90:.0f}"
    )


def plotly_page(bands: pd.DataFrame, history: pd.DataFrame) -> tuple[str, str]:
    """The fan chart with Plotly (legend groups toggle a scenario's line and bands)."""
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    colors = scenario_colors(bands["scenario"].unique())
    fig = go.Figure()
    fig.add_bar(
        x=history["month"] + pd.Timedelta(days=14),
        y=history["launch_days"],
        marker_color=[STATE_COLORS[s] for s in history["state"]],
        marker_line_color="#444444",
        name="Observed",
    )
    for name, part in bands.groupby("scenario", sort=False):
        part = _edges(part)
        c = colors[name]
        for low, high, alpha in (("q10", "q90", 0.15), ("q25", "q75", 0.3)):
            fig.add_scatter(
                x=part["month"], y=part[low], line_shape="hv", line_width=0, legendgroup=name,
                showlegend=False, hoverinfo="skip",
            )  # fmt: skip
            fig.add_scatter(
                x=part["month"], y=part[high], line_shape="hv", line_width=0, fill="tonexty",
                fillcolor=_rgba(c, alpha), legendgroup=name, showlegend=False, hoverinfo="skip",
            )  # fmt: skip
        fig.add_scatter(
            x=part["month"], y=part["mean"], line_shape="hv", line_color=c, name=part.label[0],
            legendgroup=name, text=[_hover_text(r) for _, r in part.iterrows()],
            hovertemplate="%{text}<extra></extra>",
        )  # fmt: skip
    fig.update_layout(
        hovermode="x unified",
        yaxis_title="Launch days per month",
        xaxis_title="Month",
        template="simple_white",
        legend={"orientation": "h", "y": -0.2},
    )
    chart = fig.to_html(full_html=False, include_plotlyjs=False)
    js = get_plotlyjs()
    return _page(js, chart), js


def bokeh_page(bands: pd.DataFrame, history: pd.DataFrame) -> tuple[str, str]:
    """The fan chart with Bokeh (``click_policy="hide"`` toggles a scenario; BokehJS's core
    bundle only: no widgets, tables, WebGL or MathJax)."""
    from bokeh.embed import components
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.plotting import figure
    from bokeh.resources import Resources

    colors = scenario_colors(bands["scenario"].unique())
    p = figure(width=1000, height=450, x_axis_type="datetime", y_axis_label="Launch days per month")
    p.vbar(
        x=history["month"] + pd.Timedelta(days=14),
        top=history["launch_days"],
        width=25 * 86400000,
        color=[STATE_COLORS[s] for s in history["state"]],
        line_color="#444444",
        legend_label="Observed",
    )
    lines = []
    for name, part in bands.groupby("scenario", sort=False):
        part = _edges(part)
        src = ColumnDataSource(part.assign(text=[_hover_text(r) for _, r in part.iterrows()]))
        label = part["label"].iloc[0]
        for low, high, alpha in (("q10", "q90", 0.15), ("q25", "q75", 0.3)):
            p.varea_step(
                x="month", y1=low, y2=high, step_mode="after", source=src, fill_alpha=alpha,
                fill_color=colors[name], legend_label=label,
            )  # fmt: skip
        lines.append(
            p.step(
                x="month",
                y="mean",
                mode="after",
                source=src,
                color=colors[name],
                line_width=2,
                legend_label=label,
            )  # fmt: skip
        )
    p.add_tools(HoverTool(renderers=lines, tooltips=[("", "@text")]))
    p.legend.click_policy = "hide"
    p.legend.location = "top_left"
    script, div = components(p)
    js = "\n".join(Resources(mode="inline", components=["bokeh"]).js_raw)  # the core only
    return _page(js, script + div), js


def altair_page(bands: pd.DataFrame, history: pd.DataFrame) -> tuple[str, str]:
    """The fan chart with Vega-Lite (the report's own spec; the legend filters scenarios)."""
    from forecast.report.scenario_charts import fan_chart_spec
    from forecast.report.vega import CHART_CSS, LOADER_JS, chart_html, javascript

    spec = fan_chart_spec(bands, history, "launch_days")
    js = javascript()
    chart = f"<style>{CHART_CSS}</style>{chart_html('fan', spec)}<script>{LOADER_JS}</script>"
    return _page(js, chart), js


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _page(js: str, chart: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<script>{js}</script></head><body>{chart}</body></html>"
    )


LIBRARIES = {
    "Vega-Lite": (altair_page, "vl-convert-python"),
    "Plotly": (plotly_page, "plotly"),
    "Bokeh": (bokeh_page, "bokeh"),
}


def js_version(package: str) -> str:
    """The JavaScript library's version, and the Python package that ships it."""
    shipped = f"{package} {importlib.metadata.version(package)}"
    if package == "vl-convert-python":
        from forecast.report.vega import library_versions

        return f"Vega-Lite {library_versions()['vega-lite']} ({shipped})"
    if package == "plotly":
        from plotly.offline import get_plotlyjs_version

        return f"plotly.js {get_plotlyjs_version()} ({shipped})"
    return f"BokehJS ({shipped})"


def screenshot(page: Path, png: Path) -> bool:
    """A headless-Chromium screenshot of ``page`` (False where Chromium is missing)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        return False
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                "--virtual-time-budget=3000", "--window-size=1100,700", f"--screenshot={png}",
                page.as_uri(),
            ],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the pages (and screenshots) here")
    args = parser.parse_args()
    bands, history = synthetic_bands()
    out = args.out or Path(tempfile.mkdtemp(prefix="charts-"))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, (build, package) in LIBRARIES.items():
        page, js = build(bands, history)
        path = out / f"fan-{package}.html"
        path.write_text(page, encoding="utf-8")
        shot = screenshot(path, path.with_suffix(".png")) if args.out else False
        rows.append(
            {
                "library": name,
                "version": js_version(package),
                "page_bytes": len(page.encode()),
                "js_bytes": len(js.encode()),
                "chart_bytes": len(page.encode()) - len(js.encode()),
                "screenshot": shot,
            }
        )
    print("| library | version | page, library inlined | its JavaScript | the chart itself |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['library']} | {r['version']} | {r['page_bytes']:,} B | {r['js_bytes']:,} B "
            f"| {r['chart_bytes']:,} B |"
        )
    if args.out:
        (out / "sizes.json").write_text(json.dumps(rows, indent=2) + "\n")
        print(f"pages{' and screenshots' if rows[0]['screenshot'] else ''} in {out}")
    else:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
