"""The report's charts of the negotiation states' probabilities and of the backtest's skill.

Two Vega-Lite specifications (plain dictionaries, put on a page by
:func:`forecast.report.vega.chart_html`), each drawn from one table: P(each state) per
forecast month, stacked in the state colours (the outlook from the data's end and from
today), and the CRPS skill of each model per horizon band with its 90% interval (the
backtest's ``by_band`` table), in the model colours.
"""

from __future__ import annotations

import pandas as pd

from forecast.constants import STATES
from forecast.plots.scenarios import state_chart_title
from forecast.plots.style import MODEL_COLORS, STATE_LABELS
from forecast.report.chart_parts import base_spec, month_span, month_text, month_x, state_fill


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
                    **month_span(r["month"]),
                    "month": month_text(r["month"]),
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
    spec = base_spec(height, state_chart_title(states["month"]))
    spec.update(
        {
            "data": {"values": rows},
            "mark": {"type": "rect", "stroke": "#777777", "strokeWidth": 0.3, "x2Offset": -2},
            "encoding": {
                "x": month_x(),
                "x2": {"field": "end"},
                "y": {
                    "field": "y0",
                    "type": "quantitative",
                    "scale": {"domain": [0, 1]},
                    "axis": {"title": "Probability of the state", "format": ".0%"},
                },
                "y2": {"field": "y1"},
                "fill": state_fill("Negotiation state"),
                "tooltip": tips,
            },
        }
    )
    return spec


def skill_spec(rows: pd.DataFrame, model: str, height: int = 260, title: str = "") -> dict:
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
    title : str
        The chart's title (its static figure's).

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
        {"field": "coverage", "type": "nominal", "title": "80% coverage (randomised PIT)"},
    ]
    y_axis = {
        "title": "CRPS skill vs the best naive forecast (0 = as good, above 0 = better)",
        "format": ".0%",
    }
    spec = base_spec(height, title)
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
