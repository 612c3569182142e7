"""Tables for people: numbers rounded for reading, in one place, and nothing a user wrote
ever run as code.

Computing functions return full precision (CSV files and further computation need it);
the notebooks and the report round only where they show a table, with these helpers, so that
a table never prints ``14.800000``.

Labels, titles and sources are written by users. :func:`styled` escapes every cell and
label as HTML (a scenario label ``<script>...`` shows as text), and :func:`safe_for_csv`
neutralises spreadsheet formulas in text cells (a question title ``=HYPERLINK(...)`` is
written as ``'=HYPERLINK(...)``): every CSV file a command writes goes through it
(:func:`forecast.files.write_csv`).
"""

from __future__ import annotations

import numbers
import re

import pandas as pd

from forecast.constants import STATE_LABELS, STATE_WORDS

#: Characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a
#: formula, or that some of them strip before doing so (tab, carriage return), and the
#: full-width forms some locales accept.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

#: A text cell that is just a number (``-1.5``, ``+7%``, ``-2e-3``): a spreadsheet reads it
#: as that number, not a formula, so it is left as it is.
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")

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
    percent_digits: int = 0,
    column_digits: dict[str, int] | None = None,
):
    """A pandas Styler of ``table``: floats with ``digits`` decimals, ``percent`` columns as
    percentages with ``percent_digits`` decimals (probabilities whole: ``0.41`` -> ``41%``;
    skill and gain with one: ``-0.005`` -> ``-0.5%``), every cell, row label and column
    label escaped as HTML (labels are written by users: ``<script>`` shows as text).
    ``column_digits`` gives some columns their own decimals (rate ratios: 2, as the
    sentences beside them)."""
    formats = {c: f"{{:.{digits}f}}" for c in table.select_dtypes("float").columns}
    formats.update({c: f"{{:.{d}f}}" for c, d in (column_digits or {}).items()})
    formats.update({c: _percent_format(percent_digits) for c in percent})
    style = table.style.format(formats, na_rep="n/a", escape="html")
    style = style.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    return style.hide(axis="index") if hide_index else style


#: Characters Markdown reads as markup: backslash-escaped in a user's text shown as Markdown.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def chances_in_brackets(answers: dict[str, float]) -> str:
    """Other answers to the same question as they follow an answer, each by its source:
    `` (a constant rate since 1990: 14%; by state: 21%)`` (the other nuclear-test rules,
    :meth:`forecast.nuclear_rules.NuclearRules.others_at`)."""
    return " (" + "; ".join(f"{k}: {chance(p)}" for k, p in answers.items()) + ")"


def chance(p: float) -> str:
    """A forecast probability in whole percent that rounds to certainty only when every
    simulation agrees: ">99%" for a probability below 1 that would read "100%", "<1%" for one
    above 0 that would read "0%" (a simulated 99.6% is not a sure thing); "n/a" for a missing
    one."""
    if p != p:
        return "n/a"
    text = f"{p:.0%}"
    if text == "100%" and p < 1:
        return ">99%"
    if text == "0%" and p > 0:
        return "<1%"
    return text


def _percent_format(digits: int):
    """Format a share as a percentage with ``digits`` decimals, never as ``-0%``.

    Rounded exactly as ``format(value, ".0%")`` rounds it (scaled by 100, then rounded once),
    the format of every sentence in :mod:`forecast.summaries`: a table and the sentence beside
    it show the same percentage (a share of 0.155 is 16% in both, not 15% in the table); in
    whole percent through :func:`chance`, so 0.996 reads ">99%" in both.
    """

    def format_share(value) -> str:
        if digits == 0:  # whole percent: as every sentence, never a rounded certainty
            return chance(float(value))
        # as the sentences (signed_percent): a value that is not zero keeps its first digit
        # (-0.0004 -> -0.04%), zero is never -0.0%
        return _number(float(value) * 100, digits, sign=False) + "%"

    return format_share


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown: HTML special characters as entities and Markdown
    punctuation backslash-escaped, so a label ``<script>`` or ``*x*`` shows as written."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", text)


def run_mode(fast: bool) -> str:
    """The line a notebook prints first, so that a reader of its rendered page knows which
    settings made the numbers (the parameters cell is hidden in the report)."""
    if fast:
        return (
            "Run with FAST = True: small settings for a quick look; the numbers below are "
            "illustrative and not to be quoted."
        )
    return "Run with FAST = False: the full settings that published numbers use."


def words(sentences) -> Words:
    """Sentences (a :class:`forecast.summaries.Summary`'s ``text``) shown as a Markdown list
    in a notebook: wrapped at the page's width, not cut off like printed text."""
    return Words(tuple(sentences))


class Words:
    """A list of sentences that Jupyter (and nbconvert's pages) render as Markdown."""

    def __init__(self, sentences: tuple[str, ...]) -> None:
        self.sentences = sentences

    def __str__(self) -> str:
        return "\n".join(f"- {s}" for s in self.sentences)

    def _repr_markdown_(self) -> str:
        return "\n".join(f"- {markdown_text(s)}" for s in self.sentences)


def neutralise_formula(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula.

    Text starting with one of :data:`FORMULA_PREFIXES` (``=``, ``+``, ``-``, ``@``, tab,
    carriage return) gets a leading single quote, which spreadsheets show as text; text that
    is just a number (``-1.5``) and anything that is not text (numbers, dates, missing
    values) are returned unchanged.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def _safe_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_safe_labels(level) for level in index.levels])
    if index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        return index.map(neutralise_formula)
    return index


def safe_for_csv(table: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """A copy of ``table`` fit to write as CSV: formulas in text cells and labels neutralised.

    Every text cell, column name and row label is passed through
    :func:`neutralise_formula`; numeric, boolean and date columns are left exactly as they
    are (a negative number is not a formula).

    Parameters
    ----------
    table : DataFrame or Series

    Returns
    -------
    DataFrame or Series
        Same shape and index; text columns stay text (a categorical column becomes text),
        the others keep their dtype and values.
    """
    if isinstance(table, pd.Series):
        return safe_for_csv(table.to_frame()).iloc[:, 0]
    out = table.copy()
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out.isetitem(i, series.map(neutralise_formula))
    out.columns = _safe_labels(out.columns)
    out.index = _safe_labels(out.index)
    out.columns.names = [neutralise_formula(n) for n in out.columns.names]
    out.index.names = [neutralise_formula(n) for n in out.index.names]
    return out


#: Decimals a number may gain so that a value that is not zero does not print as zero.
EXTRA_DIGITS = 2


def _shown_digits(x: float, digits: int) -> int:
    """``digits``, or up to :data:`EXTRA_DIGITS` more when ``x`` is not zero but rounds to
    zero (an interval bound of -0.03% printed as +0.0% read as touching zero)."""
    shown = digits
    while x != 0 and round(x, shown) == 0 and shown < digits + EXTRA_DIGITS:
        shown += 1
    return shown if round(x, shown) != 0 else digits


def _number(x: float, digits: int, sign: bool = True) -> str:
    """``x`` with ``digits`` decimals (more when it is not zero but rounds to zero,
    :func:`_shown_digits`), never ``-0.0``; with its sign when ``sign``. The one rounding of
    every number below, so a table and its sentence agree."""
    shown = _shown_digits(x, digits)
    return f"{round(x, shown) + 0.0:{'+' if sign else ''}.{shown}f}"


def signed_number(value: float, digits: int = 1) -> str:
    """A number with its sign: ``+1.2`` / ``-0.3`` / ``+0.0`` (never ``-0.0``); a value that
    is not zero keeps its sign and first digit: ``-0.02`` is ``-0.02``, not ``-0.0``."""
    return _number(float(value), digits)


def signed_percent(value: float, digits: int = 1) -> str:
    """A fraction as a signed percentage: ``+1.2%`` / ``-0.3%`` / ``+0.0%`` (never ``-0.0%``);
    a value that is not zero keeps its sign and first digit: ``-0.0003`` is ``-0.03%``."""
    return _number(float(value) * 100.0, digits) + "%"


def more_or_fewer(value: float, noun: str = "", than: str = "", zero: str = "about as many") -> str:
    """A difference in words, rounded as :func:`signed_number` rounds it, the sign in words
    (so that "fewer" is never followed by a negative number).

    Parameters
    ----------
    value : float
        The difference (negative: fewer).
    noun : str
        What is counted ("launch days"; ``""``: the number alone).
    than : str
        What it is compared with; ``""``: no comparison.
    zero : str
        The words for a difference that shows as zero (an interval's bound passes "0.0").

    Returns
    -------
    str
        "4.0 fewer launch days", "0.01 more", "about as many launch days"; with ``than``:
        "0.3 more launch days than 'Base'", "about as many launch days as 'Base'".
    """
    shown = signed_number(value)
    if float(shown) == 0:
        said, link = f"{zero} {noun}", "as"
    else:
        said, link = f"{shown[1:]} {'fewer' if shown[0] == '-' else 'more'} {noun}", "than"
    return f"{said.rstrip()} {link} {than}" if than else said.rstrip()


def percent_interval(low: float, high: float, digits: int = 1) -> str:
    """A 90% (or any) interval of fractions as signed percentages in brackets:
    ``[-1.7%, +9.6%]``, each bound as :func:`signed_percent` prints it."""
    return f"[{signed_percent(low, digits)}, {signed_percent(high, digits)}]"


def read_as(way: str) -> str:
    """The end of a caveat that says which way to read an answer (``too high``/``too low``),
    written once: the track record's caveat checks for it to say it points the same way."""
    return f"read this answer as likely {way}."


def noun_for(n: int, noun: str) -> str:
    """``noun`` in the plural unless ``n`` is 1: "month", "months"."""
    return noun if n == 1 else f"{noun}s"


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, the noun in the plural unless ``n`` is 1: "1 month", "11 months"."""
    return f"{n:,} {noun_for(n, noun)}"


def and_list(items, word: str = "and") -> str:
    """Items as a list in words: "a", "a and b", "a, b and c" ("" for none); ``word``
    joins the last two ("or": "5, 10 or 20")."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def listed(noun: str, items) -> str:
    """``noun`` and the items it names, in the plural unless there is one: "key 'deadline'",
    "keys 'end', 'state'", "cutoffs 1990-06, 1991-12" (text quoted, other items as printed)."""
    items = list(items)
    shown = ", ".join(repr(str(i)) if isinstance(i, str) else str(i) for i in items)
    return f"{noun_for(len(items), noun)} {shown}"


def month_span(months, short: bool = False) -> str:
    """Consecutive months in words: "November 2026", or "January 2026 to November 2026"; with
    ``short`` (a figure's title or axis) "Nov 2026", or "Jan 2026 - Nov 2026"."""
    first, last = months[0], months[-1]
    form, dash = ("%b %Y", " - ") if short else ("%B %Y", " to ")
    return f"{first:{form}}" if first == last else f"{first:{form}}{dash}{last:{form}}"


def indefinite_article(spoken: str) -> str:
    """``a`` or ``an`` before a spoken number (``an 80``, ``a 90``, ``an 11``, ``an 18``)."""
    return "an" if str(spoken).startswith(("8", "11", "18")) else "a"


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
        return _number(float(x) * scale, digits, signed) + unit

    cells = []
    for v, lo, hi in zip(pd.Series(value), pd.Series(low), pd.Series(high), strict=True):
        if pd.isna(v):
            cells.append("n/a")
        elif pd.isna(lo) or pd.isna(hi):
            cells.append(text(v))
        else:
            cells.append(f"{text(v)} ({text(lo)} to {text(hi)})")
    # a Series keeps its index; a list or array (whose ``index`` is a method) gets a new one
    return pd.Series(cells, index=value.index if isinstance(value, pd.Series) else None)


def interval_text(low: float, high: float) -> str:
    """An interval of counts as the tables write it: ``2 to 20`` (whole numbers)."""
    return f"{low:.0f} to {high:.0f}"


def for_reading(table: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A summary table (with ``q10`` and ``q90``) as a page shows it: its 80% interval in one
    column (:func:`interval_text`), the ``columns`` kept in their order and renamed, and any
    column with no value dropped (a model without a nuclear-test rate has no P(nuclear test)).

    Parameters
    ----------
    table : DataFrame
        A table of :mod:`forecast.summaries` (``q10`` and ``q90`` among its columns).
    columns : dict of str to str
        Column -> the name shown; ``interval`` names the 80% interval's column.

    Returns
    -------
    DataFrame
        The columns given, renamed, without those that hold no value.
    """
    interval = [interval_text(lo, hi) for lo, hi in zip(table["q10"], table["q90"], strict=True)]
    shown = table.assign(interval=interval)[list(columns)].rename(columns=columns)
    return shown.dropna(axis=1, how="all")


def state_words(text: str) -> str:
    """A row label of a path split (``stays no_talks``, ``active_talks in Dec 2026``) with the
    states as the figures name them, capitalised only to start the label (``stays no talks``,
    ``Active talks in Dec 2026``), as the glossary writes them."""
    words = str(text).split(" ")

    def named(i: int, word: str) -> str:
        if word not in STATE_LABELS:
            return word
        return STATE_LABELS[word] if i == 0 else STATE_WORDS[word]

    return " ".join(named(i, word) for i, word in enumerate(words))
