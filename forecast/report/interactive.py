"""The report's interactive charts: Vega-Lite specifications drawn offline by vega-embed.

Why Vega-Lite
-------------
``benchmarks/interactive_charts.py`` builds the same fan chart with Vega-Lite, Plotly and
Bokeh: with its library inlined the page weighs about 0.9 MB with Vega-Lite, 1.4 MB with Bokeh
(core only) and 4.8 MB with Plotly (whose one bundle would bring a full report folder within a
few hundred kB of the 10 MB target). Vega-Lite draws SVG (every mark is an element a browser
test can find and measure), its tooltips and checkbox bindings need no code of ours, and a
chart is a small JSON specification that this module writes as plain dictionaries from the
tables of :mod:`forecast.summaries`: nothing is computed here that a table does not hold.
The JavaScript (Vega, Vega-Lite and vega-embed in one file) comes from the ``vl-convert-python``
package (:func:`javascript`), so no network and no npm are needed to build a report.

How a chart is put on a page
----------------------------
:func:`chart_html` writes a ``<figure class="chart">`` holding an empty ``<div
class="vl-chart">``, the specification as ``<script type="application/json" class="vl-spec">``
and the static PNG (``<img class="static">``). :func:`page_scripts` adds the library once
(``<script src="vendor/vega-embed.min.js">`` in the folder, written by the build; inlined
once in the single file) and :data:`LOADER_JS`, which draws every specification and marks its
figure ``live``. The style sheet (:data:`CHART_CSS`) hides the PNG on screen once the chart is
drawn and shows the PNG, not the chart, in print; without JavaScript the PNG stays.

Colours are :mod:`forecast.plots.style`'s (one per state, scenario and model), and every
date is a month start in UTC, shown as ``Jan 2026``.
"""

from __future__ import annotations

import functools
import html
import json

import pandas as pd
import vl_convert

from forecast.constants import STATES
from forecast.plots.style import MODEL_COLORS, STATE_COLORS, STATE_LABELS, scenario_colors

#: Where the library lives in a report folder (relative to ``index.html``).
LIBRARY_FILE = "vendor/vega-embed.min.js"

#: Colour of the observed months' bars (as in the static fan chart).
OBSERVED_COLOR = "#444444"

#: Axis label of each target, per month.
TARGET_TITLES = {
    "launch_days": "Launch days per month",
    "missiles": "Missiles per month",
    "csis_missile_events": "CSIS missile events per month",
}

#: The legend of the scenarios' colours (lines drawn whole, whatever the bands' opacity).
SCENARIO_LEGEND = {
    "orient": "bottom",
    "direction": "vertical",
    "symbolType": "stroke",
    "symbolOpacity": 1,
    "symbolStrokeWidth": 3,
}

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
        A Vega-Lite specification (e.g. :func:`fan_chart_spec`).
    static : str
        The static figure (an ``<img>`` tag); shown in print and until the chart is drawn.
    caption : str
        HTML of a caption saying how to use the chart (hidden in print).
    css : str
        Style of this chart only (e.g. :func:`checkbox_css`).
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


def checkbox_css(chart_id: str, names) -> str:
    """Each scenario's checkbox in the scenario's colour (``show<i>`` of :func:`fan_chart_spec`)."""
    colors = scenario_colors(names)
    return "".join(
        f'#{chart_id} input[name="show{i}"] {{ accent-color: {colors[n]}; }}'
        for i, n in enumerate(names)
    )


# --- data helpers ------------------------------------------------------------------------------


def _iso(stamp) -> str:
    return f"{pd.Timestamp(stamp):%Y-%m-%d}"


def _next_month(stamp) -> str:
    return _iso(pd.Timestamp(stamp) + pd.offsets.MonthBegin(1))


def _bands_text(row) -> str:
    return (
        f"mean {row['mean']:.1f}; 50% {row['q25']:.0f} to {row['q75']:.0f}; "
        f"80% {row['q10']:.0f} to {row['q90']:.0f}"
    )


def _month_axis(step: int = 1, title: str = "Month") -> dict:
    """A month axis: a tick every ``step`` months, labelled ``Jan 2026``."""
    return {
        "title": title,
        "format": "%b %Y",
        "tickCount": {"interval": "month", "step": step},
        "labelOverlap": True,
        "grid": False,
    }


def _time_scale() -> dict:
    return {"type": "utc"}


def _base(height: int) -> dict:
    return {
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {
            "font": "system-ui, sans-serif",
            "axis": {"labelFontSize": 11, "titleFontSize": 12},
            "legend": {
                "labelFontSize": 11,
                "titleFontSize": 12,
                "labelLimit": 1000,
                "titleLimit": 1000,
            },
            "view": {"stroke": None},
        },
    }


# --- the charts ---------------------------------------------------------------------------------


def fan_chart_spec(
    bands: pd.DataFrame, history: pd.DataFrame, target: str, height: int = 380
) -> dict:
    """The scenario fan chart: observed months, then each scenario's mean and 50%/80% bands.

    A month is a step (the band covers the month); hovering a month shows its mean and bands
    for every scenario shown; a checkbox per scenario switches it on and off.

    Parameters
    ----------
    bands : DataFrame
        :func:`forecast.summaries.monthly` of the forecast (``scenario, label, month, mean,
        q10, q25, q75, q90``).
    history : DataFrame
        The observed months before the forecast (``month``, ``state`` and ``target``).
    target : str
        The counted quantity (its name is the y axis' title).
    height : int
        Height in pixels (the width follows the page).

    Returns
    -------
    dict
        A Vega-Lite specification; parameter ``show<i>`` is the checkbox of scenario ``i``.
    """
    names = list(dict.fromkeys(bands["scenario"]))
    labels = dict(zip(bands["scenario"], bands["label"], strict=False))
    colors = scenario_colors(names)
    index = {name: i for i, name in enumerate(names)}
    title = TARGET_TITLES.get(target, target.replace("_", " ").capitalize() + " per month")
    noun = title.removesuffix(" per month").lower()
    shown = "[" + ", ".join(f"show{i}" for i in range(len(names))) + "][datum.k]"
    band_rows = [
        {
            "k": index[r["scenario"]],
            "label": labels[r["scenario"]],
            "start": _iso(r["month"]),
            "end": _next_month(r["month"]),
            **{q: float(r[q]) for q in ("mean", "q10", "q25", "q75", "q90")},
        }
        for r in bands.to_dict("records")
    ]
    steps = []
    for name in names:
        part = bands[bands["scenario"] == name]
        steps += [
            {"k": index[name], "label": labels[name], "x": _iso(m), "mean": float(v)}
            for m, v in zip(part["month"], part["mean"], strict=True)
        ]
        steps.append({**steps[-1], "x": _next_month(part["month"].iloc[-1])})
    months = []
    for month, part in bands.groupby("month", sort=True):
        row = {"start": _iso(month), "end": _next_month(month), "month": f"{month:%B %Y}"}
        for r in part.to_dict("records"):
            row[f"m{index[r['scenario']]}"] = _bands_text(r)
        months.append(row)
    observed = [
        {
            "start": _iso(m),
            "end": _next_month(m),
            "value": float(v),
            "state": STATE_LABELS.get(str(s), str(s)),
            "month": f"{pd.Timestamp(m):%B %Y}",
        }
        for m, v, s in zip(history["month"], history[target], history["state"], strict=True)
    ]
    color = {
        "field": "label",
        "type": "nominal",
        "title": "Scenario",
        "scale": {"domain": [labels[n] for n in names], "range": [colors[n] for n in names]},
        "legend": SCENARIO_LEGEND,
    }
    x = {"field": "start", "type": "temporal", "scale": _time_scale(), "axis": _month_axis(3)}
    x2 = {"field": "end"}
    y_axis = {"title": title}
    visible = {"filter": shown}
    banded = {"filter": f"{shown} && (band < 0 || datum.k == band)"}
    # the tooltip of a forecast month: the month, then each scenario shown (a hidden one's
    # value is undefined, which the tooltip leaves out)
    tip = ", ".join(
        ['"Month": datum.month']
        + [
            f"{json.dumps(labels[n])}: show{i} ? datum.m{i} : datum.hidden"
            for i, n in enumerate(names)
        ]
    )
    spec = _base(height)
    spec["params"] = [
        {
            "name": "band",
            "value": 0,
            "bind": {
                "input": "select",
                "options": [-1, *range(len(names))],
                "labels": ["every scenario shown", *(labels[n] for n in names)],
                "name": "50% and 80% bands of ",
            },
        },
        *(
            {"name": f"show{i}", "value": True, "bind": {"input": "checkbox", "name": labels[n]}}
            for i, n in enumerate(names)
        ),
    ]
    spec["layer"] = [
        {  # the negotiation state behind the observed months
            "data": {"values": observed},
            "mark": {"type": "rect", "opacity": 0.6},
            "encoding": {
                "x": x,
                "x2": x2,
                "fill": {
                    "field": "state",
                    "type": "nominal",
                    "title": "Negotiation state (observed months)",
                    "scale": {
                        "domain": [STATE_LABELS[s] for s in STATES],
                        "range": [STATE_COLORS[s] for s in STATES],
                    },
                    "legend": {"orient": "bottom", "direction": "horizontal"},
                },
            },
        },
        {  # the observed counts
            "data": {"values": observed},
            "mark": {"type": "rect", "color": OBSERVED_COLOR, "x2Offset": -2},
            "encoding": {
                "x": x,
                "x2": x2,
                "y": {"field": "value", "type": "quantitative", "axis": y_axis},
                "y2": {"datum": 0},
                "tooltip": [
                    {"field": "month", "type": "nominal", "title": "Month"},
                    {"field": "value", "type": "quantitative", "title": f"Observed {noun}"},
                    {"field": "state", "type": "nominal", "title": "Negotiation state"},
                ],
            },
        },
        {  # 80% bands
            "data": {"values": band_rows},
            "transform": [banded],
            "mark": {"type": "rect", "opacity": 0.15},
            "encoding": {
                "x": x,
                "x2": x2,
                "y": {"field": "q10", "type": "quantitative", "axis": y_axis},
                "y2": {"field": "q90"},
                "color": color,
            },
        },
        {  # 50% bands
            "data": {"values": band_rows},
            "transform": [banded],
            "mark": {"type": "rect", "opacity": 0.3},
            "encoding": {
                "x": x,
                "x2": x2,
                "y": {"field": "q25", "type": "quantitative", "axis": y_axis},
                "y2": {"field": "q75"},
                "color": color,
            },
        },
        {  # means, as steps
            "data": {"values": steps},
            "transform": [visible],
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2.5},
            "encoding": {
                "x": {**x, "field": "x"},
                "y": {"field": "mean", "type": "quantitative", "axis": y_axis},
                "color": color,
            },
        },
        {  # the hover column of a forecast month: every shown scenario's numbers
            "data": {"values": months},
            "params": [
                {
                    "name": "hover",
                    "select": {
                        "type": "point",
                        "on": "pointerover",
                        "clear": "pointerout",
                        "fields": ["start"],
                    },
                }
            ],
            "mark": {"type": "rect", "color": "#000000", "tooltip": {"expr": "{" + tip + "}"}},
            "encoding": {
                "x": x,
                "x2": x2,
                "opacity": {
                    "condition": {"param": "hover", "empty": False, "value": 0.08},
                    "value": 0,
                },
            },
        },
    ]
    spec["resolve"] = {"scale": {"color": "shared"}}
    return spec


def scenario_panels_spec(bands: pd.DataFrame, reference: str, columns: int = 2) -> dict:
    """Small multiples: one panel per scenario, its bands alone, with the reference's mean.

    The reference scenario's own panel comes first; every other panel repeats its mean as a
    dashed line, so each band is read on its own and against the reference.

    Parameters
    ----------
    bands : DataFrame
        :func:`forecast.summaries.monthly` of the forecast.
    reference : str
        The scenario every panel repeats (e.g. ``persist``).
    columns : int
        Panels per row.

    Returns
    -------
    dict
        A faceted Vega-Lite specification (hover a month for both scenarios' numbers).
    """
    names = list(dict.fromkeys(bands["scenario"]))
    labels = dict(zip(bands["scenario"], bands["label"], strict=False))
    colors = scenario_colors(names)
    order = [reference, *(n for n in names if n != reference)]
    ref = bands[bands["scenario"] == reference].set_index("month")
    rows, steps = [], []
    for name in order:
        part = bands[bands["scenario"] == name]
        for r in part.to_dict("records"):
            rows.append(
                {
                    "kind": "band",
                    "panel": labels[name],
                    "label": labels[name],
                    "start": _iso(r["month"]),
                    "end": _next_month(r["month"]),
                    "month": f"{r['month']:%B %Y}",
                    **{q: float(r[q]) for q in ("q10", "q25", "q75", "q90")},
                    "text": _bands_text(r),
                    "ref_text": _bands_text(ref.loc[r["month"]]),
                }
            )
        roles = [("scenario", part)] + (
            [("reference", ref.reset_index())] if name != reference else []
        )
        for role, source in roles:
            line = [
                {
                    "kind": "step",
                    "panel": labels[name],
                    "role": role,
                    "label": labels[r["scenario"]],
                    "x": _iso(r["month"]),
                    "mean": float(r["mean"]),
                }
                for r in source.to_dict("records")
            ]
            line.append({**line[-1], "x": _next_month(source["month"].iloc[-1])})
            steps += line
    tips = [
        {"field": "month", "type": "nominal", "title": "Month"},
        {"field": "panel", "type": "nominal", "title": "Scenario"},
        {"field": "text", "type": "nominal", "title": "Its numbers"},
        {"field": "ref_text", "type": "nominal", "title": f"Reference: {labels[reference]}"},
    ]
    x = {"field": "start", "type": "temporal", "scale": _time_scale(), "axis": _month_axis(3)}
    color = {
        "field": "label",
        "type": "nominal",
        "title": "Scenario (dashed: the reference)",
        "scale": {"domain": [labels[n] for n in names], "range": [colors[n] for n in names]},
        "legend": SCENARIO_LEGEND,
    }
    y_axis = {"title": "Launch days per month"}
    band = {
        "x": x,
        "x2": {"field": "end"},
        "color": color,
        "tooltip": tips,
    }
    layer = [
        {
            "transform": [{"filter": "datum.kind == 'band'"}],
            "mark": {"type": "rect", "opacity": 0.18},
            "encoding": {
                **band,
                "y": {"field": "q10", "type": "quantitative", "axis": y_axis},
                "y2": {"field": "q90"},
            },
        },
        {
            "transform": [{"filter": "datum.kind == 'band'"}],
            "mark": {"type": "rect", "opacity": 0.3},
            "encoding": {
                **band,
                "y": {"field": "q25", "type": "quantitative", "axis": y_axis},
                "y2": {"field": "q75"},
            },
        },
        {
            "transform": [{"filter": "datum.kind == 'step'"}],
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2.2},
            "encoding": {
                "x": {**x, "field": "x"},
                "y": {"field": "mean", "type": "quantitative", "axis": y_axis},
                "color": color,
                "detail": {"field": "role", "type": "nominal"},
                "strokeDash": {
                    "field": "role",
                    "type": "nominal",
                    "scale": {"domain": ["scenario", "reference"], "range": [[1, 0], [6, 3]]},
                    "legend": None,
                },
            },
        },
    ]
    spec = _base(170)
    for key in ("width", "height", "autosize"):
        spec.pop(key)
    spec.update(
        {
            "data": {"values": rows + steps},
            "facet": {
                "field": "panel",
                "type": "nominal",
                "sort": [labels[n] for n in order],
                "header": {"title": None, "labelFontSize": 12, "labelLimit": 470},
            },
            "columns": columns,
            "spec": {"width": 470, "height": 170, "layer": layer},
            "resolve": {"axis": {"x": "independent"}},
        }
    )
    return spec


def state_probability_spec(states: pd.DataFrame, height: int = 260) -> dict:
    """P(each negotiation state) per forecast month, stacked, in the state colours.

    Parameters
    ----------
    states : DataFrame
        ``month`` and one column per state (rows sum to 1), e.g. the ``states`` table of
        :func:`forecast.outlook.outlook_tables`.
    height : int

    Returns
    -------
    dict
        A Vega-Lite specification (hover a bar for the month's four probabilities).
    """
    rows = []
    for r in states.to_dict("records"):
        shares = {f"p{i}": f"{float(r[s]):.0%}" for i, s in enumerate(STATES)}
        bottom = 0.0
        for s in STATES:
            top = bottom + float(r[s])
            rows.append(
                {
                    "start": _iso(r["month"]),
                    "end": _next_month(r["month"]),
                    "month": f"{pd.Timestamp(r['month']):%B %Y}",
                    "state": STATE_LABELS[s],
                    "y0": bottom,
                    "y1": top,
                    **shares,
                }
            )
            bottom = top
    tips = [{"field": "month", "type": "nominal", "title": "Month"}] + [
        {"field": f"p{i}", "type": "nominal", "title": f"P({STATE_LABELS[s]})"}
        for i, s in enumerate(STATES)
    ]
    spec = _base(height)
    spec.update(
        {
            "data": {"values": rows},
            "mark": {"type": "rect", "stroke": "#777777", "strokeWidth": 0.3, "x2Offset": -2},
            "encoding": {
                "x": {
                    "field": "start",
                    "type": "temporal",
                    "scale": _time_scale(),
                    "axis": _month_axis(),
                },
                "x2": {"field": "end"},
                "y": {
                    "field": "y0",
                    "type": "quantitative",
                    "scale": {"domain": [0, 1]},
                    "axis": {"title": "Probability of the state", "format": ".0%"},
                },
                "y2": {"field": "y1"},
                "fill": {
                    "field": "state",
                    "type": "nominal",
                    "title": "Negotiation state",
                    "scale": {
                        "domain": [STATE_LABELS[s] for s in STATES],
                        "range": [STATE_COLORS[s] for s in STATES],
                    },
                    "legend": {"orient": "bottom", "direction": "horizontal"},
                },
                "tooltip": tips,
            },
        }
    )
    return spec


def skill_spec(rows: pd.DataFrame, model: str, height: int = 260) -> dict:
    """CRPS skill against the best naive forecast, per horizon band, with its 90% interval.

    Parameters
    ----------
    rows : DataFrame
        Rows of ``by_band`` (:func:`forecast.evaluation.read_summary`), state held at the
        cutoff: ``model, band, crps_skill, crps_skill_lo, crps_skill_hi, crps_baseline,
        pit_cov_80``.
    model : str
        The report's model (drawn larger).
    height : int

    Returns
    -------
    dict
        A Vega-Lite specification (hover a point for its numbers).
    """
    models = list(dict.fromkeys(rows["model"]))
    data = [
        {
            "model": r["model"],
            "band": f"{r['band']} months",
            "skill": float(r["crps_skill"]),
            "lo": float(r["crps_skill_lo"]),
            "hi": float(r["crps_skill_hi"]),
            "interval": f"{r['crps_skill_lo']:.1%} to {r['crps_skill_hi']:.1%}",
            "baseline": str(r["crps_baseline"]),
            "coverage": f"{r['pit_cov_80']:.1%}",
            "size": 140 if r["model"] == model else 60,
        }
        for r in rows.to_dict("records")
    ]
    color = {
        "field": "model",
        "type": "nominal",
        "title": "Model",
        "scale": {"domain": models, "range": [MODEL_COLORS.get(m, "#777777") for m in models]},
        "legend": {"orient": "right"},
    }
    x = {"field": "band", "type": "nominal", "title": "Months after the cutoff", "sort": None}
    x["axis"] = {"labelAngle": 0}
    offset = {"field": "model", "type": "nominal", "sort": models}
    tips = [
        {"field": "model", "type": "nominal", "title": "Model"},
        {"field": "band", "type": "nominal", "title": "Horizon"},
        {"field": "skill", "type": "quantitative", "title": "Skill", "format": ".1%"},
        {"field": "interval", "type": "nominal", "title": "90% interval"},
        {"field": "baseline", "type": "nominal", "title": "Best naive forecast"},
        {"field": "coverage", "type": "nominal", "title": "Inside the 80% interval"},
    ]
    y_axis = {
        "title": "CRPS skill vs the best naive forecast (0 = as good)",
        "format": ".0%",
    }
    spec = _base(height)
    spec.update(
        {
            "data": {"values": data},
            "layer": [
                {
                    "mark": {"type": "rule", "strokeWidth": 2},
                    "encoding": {
                        "x": x,
                        "xOffset": offset,
                        "y": {"field": "lo", "type": "quantitative", "axis": y_axis},
                        "y2": {"field": "hi"},
                        "color": color,
                        "tooltip": tips,
                    },
                },
                {
                    "mark": {"type": "point", "filled": True, "opacity": 1},
                    "encoding": {
                        "x": x,
                        "xOffset": offset,
                        "y": {"field": "skill", "type": "quantitative", "axis": y_axis},
                        "size": {"field": "size", "type": "quantitative", "legend": None},
                        "color": color,
                        "tooltip": tips,
                    },
                },
                {
                    "data": {"values": [{"zero": 0}]},
                    "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#333333"},
                    "encoding": {"y": {"field": "zero", "type": "quantitative"}},
                },
            ],
        }
    )
    return spec
