"""The report's charts of the scenarios: the fan chart and one panel per scenario.

Both are Vega-Lite specifications (plain dictionaries, put on a page by
:func:`forecast.report.vega.chart_html`) written from :func:`forecast.summaries.monthly`'s
bands of the forecast: a scenario's mean as steps (a month is a step) and its 50% and 80%
bands as rectangles, in the scenario's colour (:func:`forecast.plots.style.scenario_colors`).
The fan chart draws every scenario over the observed months, with a checkbox per scenario
(:func:`checkbox_css` colours them) and a choice of whose bands are drawn; the panels draw
each scenario's bands alone against the reference scenario's mean.
"""

from __future__ import annotations

import json

import pandas as pd

from forecast.plots.scenarios import fan_title
from forecast.plots.style import STATE_LABELS, scenario_colors
from forecast.present import interval_text
from forecast.report.chart_parts import (
    base_spec,
    iso,
    month_span,
    month_text,
    month_x,
    next_month,
    state_fill,
)

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
    "labelLimit": 640,  # whole labels (Vega cuts at 160 px): "month 4 (April 2026), with ..."
}

#: The bands' lower and upper quantiles: the 80% band, then the 50% band (drawn over it).
BANDS = (("q10", "q90"), ("q25", "q75"))


def checkbox_css(chart_id: str, names) -> str:
    """Each scenario's checkbox in the scenario's colour (``show<i>`` of :func:`fan_chart_spec`)."""
    colors = scenario_colors(names)
    return "".join(
        f'#{chart_id} input[name="show{i}"] {{ accent-color: {colors[n]}; }}'
        for i, n in enumerate(names)
    )


# --- parts of both charts -----------------------------------------------------------------------


def _bands_text(row) -> str:
    """A scenario's numbers of a month in words (its mean and both bands)."""
    return (
        f"mean {row['mean']:.1f}; 50% {interval_text(row['q25'], row['q75'])}; "
        f"80% {interval_text(row['q10'], row['q90'])}"
    )


def _mean_steps(part: pd.DataFrame, **fields) -> list[dict]:
    """A scenario's mean as steps: a row per month (``fields``, ``x`` its start, ``mean``),
    then the last mean again at the month after the last, so that the last step is whole."""
    rows = [
        {**fields, "x": iso(m), "mean": float(v)}
        for m, v in zip(part["month"], part["mean"], strict=True)
    ]
    rows.append({**rows[-1], "x": next_month(part["month"].iloc[-1])})
    return rows


def _scenario_color(names: list[str], labels: dict, title: str) -> dict:
    """The colour encoding of the scenarios (field ``label``), in the scenarios' colours."""
    colors = scenario_colors(names)
    return {
        "field": "label",
        "type": "nominal",
        "title": title,
        "scale": {"domain": [labels[n] for n in names], "range": [colors[n] for n in names]},
        "legend": SCENARIO_LEGEND,
    }


def _band_y(low: str, high: str, y_axis: dict) -> dict:
    """The y encoding of a band, from quantile ``low`` to quantile ``high``."""
    return {
        "y": {"field": low, "type": "quantitative", "axis": y_axis},
        "y2": {"field": high},
    }


def _mean_y(y_axis: dict) -> dict:
    """The y encoding of a mean."""
    return {"field": "mean", "type": "quantitative", "axis": y_axis}


# --- the fan chart ------------------------------------------------------------------------------


def target_title(target: str) -> str:
    """The y-axis title of a target's monthly counts (``Launch days per month``)."""
    return TARGET_TITLES.get(target, target.replace("_", " ").capitalize() + " per month")


def fan_chart_spec(
    bands: pd.DataFrame, history: pd.DataFrame, target: str, height: int = 380, today=None
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
    today : date, optional
        Marked by a dotted rule, labelled, when it falls inside the forecast (the months left
        of it have passed).

    Returns
    -------
    dict
        A Vega-Lite specification; parameter ``show<i>`` is the checkbox of scenario ``i``.
    """
    names = list(dict.fromkeys(bands["scenario"]))
    labels = dict(zip(bands["scenario"], bands["label"], strict=False))
    index = {name: i for i, name in enumerate(names)}
    title = target_title(target)
    # whether the row's scenario is shown (its checkbox ticked)
    shown = "[" + ", ".join(f"show{i}" for i in range(len(names))) + "][datum.k]"
    x = month_x(3)
    y_axis = {"title": title}
    color = _scenario_color(names, labels, "Scenario")
    band_rows = [
        {
            "k": index[r["scenario"]],
            "label": labels[r["scenario"]],
            **month_span(r["month"]),
            **{q: float(r[q]) for q in ("mean", "q10", "q25", "q75", "q90")},
        }
        for r in bands.to_dict("records")
    ]
    steps = []
    for name in names:
        part = bands[bands["scenario"] == name]
        steps += _mean_steps(part, k=index[name], label=labels[name])
    banded = {"filter": f"{shown} && (band < 0 || datum.k == band)"}
    spec = base_spec(height, fan_title(bands["month"].min()))
    spec["params"] = _fan_controls(names, labels)
    spec["layer"] = [
        *_observed_layers(history, target, x, y_axis),
        *(
            {
                "data": {"values": band_rows},
                "transform": [banded],
                "mark": {"type": "rect", "opacity": opacity},
                "encoding": {"x": x, "x2": {"field": "end"}, **_band_y(*q, y_axis), "color": color},
            }
            for q, opacity in zip(BANDS, (0.15, 0.3), strict=True)
        ),
        {  # means, as steps
            "data": {"values": steps},
            "transform": [{"filter": shown}],
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2.5},
            "encoding": {"x": {**x, "field": "x"}, "y": _mean_y(y_axis), "color": color},
        },
        _hover_layer(bands, names, labels, x),
        *_today_layers(bands, today, x),
    ]
    spec["resolve"] = {"scale": {"color": "shared"}}
    return spec


def _today_layers(bands: pd.DataFrame, today, x: dict) -> list[dict]:
    """A dotted rule at ``today`` and its label, when today falls inside the forecast."""
    if today is None:
        return []
    day = pd.Timestamp(today)
    first = pd.Timestamp(bands["month"].min())
    last = pd.Timestamp(bands["month"].max()) + pd.offsets.MonthBegin(1)
    if not first < day < last:
        return []
    at = [{"start": f"{day:%Y-%m-%d}", "label": f"today, {day:%d %b %Y}"}]
    right = day > first + (last - first) / 2  # the label on the left of the rule, inside
    text = {"type": "text", "align": "right" if right else "left", "dx": -4 if right else 4}
    return [
        {
            "data": {"values": at},
            "mark": {"type": "rule", "strokeDash": [3, 3], "color": "black"},
            "encoding": {"x": x},
        },
        {
            "data": {"values": at},
            "mark": {**text, "y": 8, "fontSize": 11},
            "encoding": {"x": x, "text": {"field": "label"}},
        },
    ]


def _fan_controls(names: list[str], labels: dict) -> list[dict]:
    """The fan chart's parameters: whose bands are drawn (``band``: a scenario's index, or -1
    for every scenario shown) and a checkbox per scenario (``show<i>``)."""
    return [
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


def _observed_layers(history: pd.DataFrame, target: str, x: dict, y_axis: dict) -> list[dict]:
    """The observed months: the negotiation state behind them, and their counts as bars."""
    noun = y_axis["title"].removesuffix(" per month").lower()
    observed = [
        {
            **month_span(m),
            "value": float(v),
            "state": STATE_LABELS.get(str(s), str(s)),
            "month": month_text(m),
        }
        for m, v, s in zip(history["month"], history[target], history["state"], strict=True)
    ]
    x2 = {"field": "end"}
    return [
        {  # the negotiation state behind the observed months
            "data": {"values": observed},
            "mark": {"type": "rect", "opacity": 0.6},
            "encoding": {
                "x": x,
                "x2": x2,
                "fill": state_fill("Negotiation state (observed months)"),
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
    ]


def _hover_layer(bands: pd.DataFrame, names: list[str], labels: dict, x: dict) -> dict:
    """The hover column of a forecast month: its tooltip holds every shown scenario's
    numbers (``m<i>``: scenario ``i``'s, in words)."""
    index = {name: i for i, name in enumerate(names)}
    months = []
    for month, part in bands.groupby("month", sort=True):
        row = {**month_span(month), "month": month_text(month)}
        for r in part.to_dict("records"):
            row[f"m{index[r['scenario']]}"] = _bands_text(r)
        months.append(row)
    # the month, then each scenario shown (a hidden one's value is undefined, which the
    # tooltip leaves out)
    tip = ", ".join(
        ['"Month": datum.month']
        + [
            f"{json.dumps(labels[n])}: show{i} ? datum.m{i} : datum.hidden"
            for i, n in enumerate(names)
        ]
    )
    return {
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
            "x2": {"field": "end"},
            "opacity": {
                "condition": {"param": "hover", "empty": False, "value": 0.08},
                "value": 0,
            },
        },
    }


# --- one panel per scenario ---------------------------------------------------------------------


#: The characters of a panel's title that fit on its line (470 px at 12 px); a longer title
#: (a scenario label such as "A summit is prepared from month 4 (April 2026), with exercises
#: scaled down from month 3 (March 2026)") breaks at its last space within them, onto two
#: lines at most (a label of more than about 140 characters is still cut at the end).
PANEL_TITLE_CHARACTERS = 70


def two_lines(characters: int) -> str:
    """A Vega expression that breaks a label longer than ``characters`` at its last space
    within the first ``characters`` + 1 (a space just after them included), into two lines
    (Vega draws an array of strings as lines); Vega-Lite would otherwise cut it with an
    ellipsis. A label without such a space stays on one line."""
    head = f"substring(datum.label, 0, {characters + 1})"
    cut = f"lastindexof({head}, ' ')"
    return (
        f"length(datum.label) > {characters} && {cut} > 0 ? "
        f"[substring(datum.label, 0, {cut}), substring(datum.label, {cut} + 1)] : datum.label"
    )


def scenario_panels_spec(
    bands: pd.DataFrame, reference: str, columns: int = 2, target: str = "launch_days"
) -> dict:
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
    target : str
        The forecast's target (the y axis' title).

    Returns
    -------
    dict
        A faceted Vega-Lite specification (hover a month for both scenarios' numbers).
    """
    names = list(dict.fromkeys(bands["scenario"]))
    labels = dict(zip(bands["scenario"], bands["label"], strict=False))
    order = [reference, *(n for n in names if n != reference)]
    x = month_x(3)
    color = _scenario_color(names, labels, "Scenario (dashed: the reference)")
    y_axis = {"title": target_title(target)}
    band = {
        "x": x,
        "x2": {"field": "end"},
        "color": color,
        "tooltip": [
            {"field": "month", "type": "nominal", "title": "Month"},
            {"field": "panel", "type": "nominal", "title": "Scenario"},
            {"field": "text", "type": "nominal", "title": "Its numbers"},
            {"field": "ref_text", "type": "nominal", "title": f"Reference: {labels[reference]}"},
        ],
    }
    layer = [
        *(
            {
                "transform": [{"filter": "datum.kind == 'band'"}],
                "mark": {"type": "rect", "opacity": opacity},
                "encoding": {**band, **_band_y(*q, y_axis)},
            }
            for q, opacity in zip(BANDS, (0.18, 0.3), strict=True)
        ),
        {
            "transform": [{"filter": "datum.kind == 'step'"}],
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2.2},
            "encoding": {
                "x": {**x, "field": "x"},
                "y": _mean_y(y_axis),
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
    spec = base_spec(170)
    for key in ("width", "height", "autosize"):
        spec.pop(key)
    spec.update(
        {
            "data": {"values": _panel_rows(bands, order, labels)},
            "facet": {
                "field": "panel",
                "type": "nominal",
                "sort": [labels[n] for n in order],
                "header": {
                    "title": None,
                    "labelFontSize": 12,
                    "labelLimit": 470,
                    "labelExpr": two_lines(PANEL_TITLE_CHARACTERS),
                },
            },
            "columns": columns,
            "spec": {"width": 470, "height": 170, "layer": layer},
            "resolve": {"axis": {"x": "independent"}},
        }
    )
    return spec


def _panel_rows(bands: pd.DataFrame, order: list[str], labels: dict) -> list[dict]:
    """The panels' data, panel by panel (``order``: the reference first): the bands of each
    month (``kind`` band, with both scenarios' numbers in words), then the means as steps
    (``kind`` step; ``role`` scenario, and reference in the other panels)."""
    reference = order[0]
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
                    **month_span(r["month"]),
                    "month": month_text(r["month"]),
                    **{q: float(r[q]) for q in ("q10", "q25", "q75", "q90")},
                    "text": _bands_text(r),
                    "ref_text": _bands_text(ref.loc[r["month"]]),
                }
            )
        roles = [("scenario", name, part)]
        if name != reference:
            roles.append(("reference", reference, ref.reset_index()))
        for role, source_name, source in roles:
            steps += _mean_steps(
                source, kind="step", panel=labels[name], role=role, label=labels[source_name]
            )
    return rows + steps
