"""The report's charts on a page: the Vega-Lite library, drawn offline by vega-embed.

Why Vega-Lite
-------------
``benchmarks/interactive_charts.py`` builds the same fan chart with Vega-Lite, Plotly and
Bokeh: with its library inlined the page weighs about 0.9 MB with Vega-Lite, 1.4 MB with Bokeh
(core only) and 4.8 MB with Plotly (whose one bundle would bring a full report folder within a
few hundred kB of the 10 MB target). Vega-Lite draws SVG (every mark is an element a browser
test can find and measure), its tooltips and checkbox bindings need no code of ours, and a
chart is a small JSON specification written as plain dictionaries from the tables of
:mod:`forecast.summaries` (:mod:`~forecast.report.scenario_charts` and
:mod:`~forecast.report.state_skill_charts`). The JavaScript (Vega, Vega-Lite and vega-embed
in one file) comes from the ``vl-convert-python`` package (:func:`javascript`), so no network
and no npm are needed to build a report.

How a chart is put on a page
----------------------------
:func:`chart_html` writes a ``<figure class="chart">`` holding an empty ``<div
class="vl-chart">``, the specification as ``<script type="application/json" class="vl-spec">``
and the static PNG (``<img class="static">``). :func:`page_scripts` adds the library once
(``<script src="vendor/vega-embed.min.js">`` in the folder, written by the build; inlined
once in the single file) and :data:`LOADER_JS`, which draws every specification and marks its
figure ``live``. The style sheet (:data:`CHART_CSS`) hides the PNG on screen once the chart is
drawn and shows the PNG, not the chart, in print; without JavaScript the PNG stays.
"""

from __future__ import annotations

import functools
import html
import json

import vl_convert

#: Where the library lives in a report folder (relative to ``index.html``).
LIBRARY_FILE = "vendor/vega-embed.min.js"

#: Options of every chart: Vega-Lite (the specifications name no schema URL), SVG (the
#: browser tests measure its marks), no action menu (it would link to the online Vega editor).
EMBED_OPTIONS = {"mode": "vega-lite", "actions": False, "renderer": "svg"}

#: Draws every chart of the page once the library is loaded; its figure is then ``live``.
LOADER_JS = """
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  window.forecastCharts = {};
  var specs = document.querySelectorAll("script.vl-spec");
  if (typeof window.vegaEmbed !== "function") { root.classList.add("no-charts"); return; }
  specs.forEach(function (node) {
    var figure = node.closest("figure");
    var target = figure.querySelector(".vl-chart");
    var options = JSON.parse(node.getAttribute("data-options") || "{}");
    window.vegaEmbed(target, JSON.parse(node.textContent), options)
      .then(function (result) {
        window.forecastCharts[figure.id] = result.view;
        figure.classList.add("live");
      })
      .catch(function (error) { figure.classList.add("failed"); console.error(error); });
  });
})();
"""

#: Style of the charts: the PNG on screen only until the chart is drawn; in print, the PNG.
CHART_CSS = """
figure.chart { margin: 0.8em 0 1.4em; }
figure.chart .vl-chart { width: 100%; }
figure.chart.live img.static { display: none; }
figure.chart figcaption { color: #555; font-size: small; margin-top: 0.3em; }
figure.chart .vega-bindings { display: flex; flex-wrap: wrap; gap: 0.2em 1.4em;
  font-size: small; margin: 0.4em 0 0; }
figure.chart .vega-bind label { display: inline-flex; align-items: center; gap: 0.4em; }
figure.chart .vega-bind label:has(input[type="checkbox"]) { flex-direction: row-reverse; }
figure.chart .vega-bind select { font-size: small; max-width: 40em; }
@media print {
  figure.chart .vl-chart, figure.chart figcaption.live-only { display: none !important; }
  figure.chart img.static { display: block !important; }
}
"""


@functools.cache
def javascript() -> str:
    """Vega, Vega-Lite (the newest ``vl-convert-python`` has) and vega-embed in one script,
    with their dependencies; it sets ``window.vegaEmbed``. Made once per process (about 2 s:
    vl-convert bundles it)."""
    versions = library_versions()
    head = (
        f"/* vega {versions['vega']}, vega-lite {versions['vega-lite']}, vega-embed "
        f"{versions['vega-embed']} (BSD-3-Clause) and their dependencies, bundled by "
        "vl-convert-python */\n"
    )
    return head + vl_convert.javascript_bundle(vl_version=versions["vega-lite"])


def library_versions() -> dict[str, str]:
    """The versions of the bundled Vega libraries (the newest Vega-Lite vl-convert has)."""
    return {
        "vega": vl_convert.get_vega_version(),
        "vega-lite": vl_convert.get_vegalite_versions()[-1],
        "vega-embed": vl_convert.get_vega_embed_version(),
    }


def page_scripts(inline: bool) -> str:
    """The library (a relative ``<script src>``, or inlined) and :data:`LOADER_JS`."""
    if inline:
        library = f"<script>\n{javascript()}\n</script>"
    else:
        library = f'<script src="{LIBRARY_FILE}"></script>'
    return f"{library}\n<script>{LOADER_JS}</script>"


def has_charts(page: str) -> bool:
    """Whether a page holds a chart specification (and so needs :func:`page_scripts`)."""
    return 'class="vl-spec"' in page


def _json(value) -> str:
    """JSON safe inside ``<script>``: no ``<``, so no ``</script>`` in a label ends it."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")


def chart_html(
    chart_id: str, spec: dict, static: str = "", caption: str = "", css: str = ""
) -> str:
    """A figure holding a chart, its specification and its static PNG.

    Parameters
    ----------
    chart_id : str
        The figure's id (``fan-chart``...); the drawn view is ``window.forecastCharts[id]``.
    spec : dict
        A Vega-Lite specification (e.g.
        :func:`~forecast.report.scenario_charts.fan_chart_spec`).
    static : str
        The static figure (an ``<img>`` tag); shown in print and until the chart is drawn.
    caption : str
        HTML of a caption saying how to use the chart (hidden in print).
    css : str
        Style of this chart only (e.g. :func:`~forecast.report.scenario_charts.checkbox_css`).
    """
    if static:  # the class after the image's own attributes (its id stays first)
        static = static[: static.rindex(">")].rstrip("/ ") + ' class="static">'

    note = f'<figcaption class="live-only">{caption}</figcaption>' if caption else ""
    style = f"<style>{css}</style>" if css else ""
    return (
        f'<figure class="chart" id="{html.escape(chart_id)}">{style}'
        '<div class="vl-chart"></div>\n'
        f'<script type="application/json" class="vl-spec" data-options=\''
        f"{_json(EMBED_OPTIONS)}'>{_json(spec)}</script>\n{static}{note}</figure>"
    )
