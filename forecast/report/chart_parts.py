"""Building blocks of the report's Vega-Lite chart specifications.

Every chart of the report (:mod:`~forecast.report.scenario_charts`,
:mod:`~forecast.report.state_skill_charts`) is a plain dictionary; the parts they share are
here: the page-wide frame and fonts (:func:`base_spec`), the month axis, the rows of a month
and the negotiation states' colours. Every date is a month start in UTC, shown as
``Jan 2026`` on an axis and ``January 2026`` in a tooltip; colours are
:mod:`forecast.plots.style`'s (one per state, scenario and model). Nothing is computed here
that a table does not hold.
"""

from __future__ import annotations

import pandas as pd

from forecast.constants import STATES
from forecast.plots.style import STATE_COLORS, STATE_LABELS


def iso(stamp) -> str:
    """A month as ``2026-01-01`` (a Vega-Lite date in UTC)."""
    return f"{pd.Timestamp(stamp):%Y-%m-%d}"


def next_month(stamp) -> str:
    """The start of the month after ``stamp``, as :func:`iso` writes it."""
    return iso(pd.Timestamp(stamp) + pd.offsets.MonthBegin(1))


def month_span(stamp) -> dict[str, str]:
    """The fields ``start`` and ``end`` of a month drawn whole (a rectangle or a step)."""
    return {"start": iso(stamp), "end": next_month(stamp)}


def month_text(stamp) -> str:
    """A month in words, as a tooltip shows it: ``January 2026``."""
    return f"{pd.Timestamp(stamp):%B %Y}"


def month_axis(step: int = 1, title: str = "Month") -> dict:
    """A month axis: a tick every ``step`` months, labelled ``Jan 2026``."""
    return {
        "title": title,
        "format": "%b %Y",
        "tickCount": {"interval": "month", "step": step},
        "labelOverlap": True,
        "grid": False,
    }


def month_x(step: int = 1) -> dict:
    """The x encoding of the months: field ``start`` on a UTC time scale, a tick every
    ``step`` months (:func:`month_axis`)."""
    return {
        "field": "start",
        "type": "temporal",
        "scale": {"type": "utc"},
        "axis": month_axis(step),
    }


def state_fill(title: str) -> dict:
    """The fill encoding of the negotiation states (field ``state``, their labels), in the
    state colours, with the legend below the chart."""
    return {
        "field": "state",
        "type": "nominal",
        "title": title,
        "scale": {
            "domain": [STATE_LABELS[s] for s in STATES],
            "range": [STATE_COLORS[s] for s in STATES],
        },
        "legend": {"orient": "bottom", "direction": "horizontal"},
    }


def base_spec(height: int, title: str | None = None) -> dict:
    """A specification's frame: the page's width, ``height`` pixels, the report's fonts and,
    when given, the chart's ``title`` (as its static figure's, so that a screenshot of the
    live chart says what it shows)."""
    spec = {
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
    if title:
        spec["title"] = {"text": title, "anchor": "start", "fontSize": 13, "fontWeight": 600}
    return spec
