"""Tables for people: numbers rounded for reading, in one place.

Computing functions return full precision (CSV files and further computation need it);
the notebooks and the report round only where they show a table, with these helpers, so that
a table never prints ``14.800000``.
"""

from __future__ import annotations

import numbers

import pandas as pd

#: Decimals shown for counts averaged over draws (e.g. expected launch days: 14.8).
COUNT_DIGITS = 1

#: Decimals shown for scores, probabilities as fractions and other small numbers.
SCORE_DIGITS = 3


def _round(value, digits: int):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    if isinstance(value, numbers.Integral):
        return value
    return round(float(value), digits)


def readable(table: pd.DataFrame | pd.Series, digits: int = SCORE_DIGITS):
    """A copy of ``table`` with every float rounded to ``digits`` decimals, including floats
    in object columns (e.g. a diagnostics record mixing numbers and flags)."""
    if isinstance(table, pd.Series):
        return table.to_frame().pipe(readable, digits).iloc[:, 0]
    out = table.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_float_dtype(series):
            out[column] = series.round(digits)
        elif series.dtype == object:
            out[column] = series.map(lambda v: _round(v, digits))
    return out


def styled(
    table: pd.DataFrame,
    digits: int = COUNT_DIGITS,
    percent: list[str] | tuple[str, ...] = (),
    hide_index: bool = False,
):
    """A pandas Styler of ``table``: floats with ``digits`` decimals, ``percent`` columns as
    whole percentages (``0.41`` -> ``41%``)."""
    formats = {c: f"{{:.{digits}f}}" for c in table.select_dtypes("float").columns}
    formats.update({c: "{:.0%}" for c in percent})
    style = table.style.format(formats, na_rep="n/a")
    return style.hide(axis="index") if hide_index else style


def with_interval(
    value, low, high, digits: int = 2, signed: bool = True, percent: bool = False
) -> pd.Series:
    """``value (low to high)`` as text, element by element (an estimate and its interval in
    one table cell); a missing interval shows the value alone.

    Parameters
    ----------
    value, low, high : Series or array-like
        The estimates and the interval bounds.
    digits : int
        Decimals shown.
    signed : bool
        Show a sign on every number (skill and gains: ``+0.07``).
    percent : bool
        Show fractions as percentages (``0.07`` as ``+7.0%`` with ``digits=1``).
    """
    scale, unit = (100.0, "%") if percent else (1.0, "")

    def text(x) -> str:
        x = round(float(x) * scale, digits) + 0.0  # + 0.0: no "-0.0"
        return f"{x:{'+' if signed else ''}.{digits}f}{unit}"

    cells = []
    for v, lo, hi in zip(pd.Series(value), pd.Series(low), pd.Series(high), strict=True):
        if pd.isna(v):
            cells.append("n/a")
        elif pd.isna(lo) or pd.isna(hi):
            cells.append(text(v))
        else:
            cells.append(f"{text(v)} ({text(lo)} to {text(hi)})")
    return pd.Series(cells, index=getattr(value, "index", None))
