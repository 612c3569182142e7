"""The CSV files beside the report's page.

:func:`download_tables` makes the tables (name -> table) that the build writes beside
``index.html``: each is a table the page shows, so that a reader can take the numbers into a
spreadsheet, and their data dictionary (:mod:`forecast.columns`);
:func:`files_section` shows that dictionary on the page.
"""

from __future__ import annotations

import html

import pandas as pd

from forecast.columns import DICTIONARY_FILE, column_meanings, file_description
from forecast.constants import CONTRASTS_TODAY, FROZEN_FILE
from forecast.data import month_periods
from forecast.freshness import answer_windows, month_columns, window_columns, window_timing
from forecast.present import readable
from forecast.report.context import (
    EVALUATION_DIR,
    SENSITIVITY_DIR,
    ReportContext,
    class_words,
)
from forecast.sensitivity import read_sensitivity
from forecast.summaries import probabilities, target_noun

#: The question backtest's tables (``docs/evaluation``) copied beside the page, which names them.
QUESTION_TABLES = ("questions.csv", "questions_by_state.csv", "question_reliability.csv")


def download_tables(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The index page's tables as CSV files, each named on the page, and their data
    dictionary.

    The scenarios' headline, bands, probabilities and contrasts from the data's end, and
    their headline, bands and contrasts from today when the first start in the past
    (``scenarios_today.csv``, ``fan_bands_today.csv``, :data:`CONTRASTS_TODAY`), the
    outlook's states and totals (from the data's end and from today), the 2026-style year
    comparison, the range of P(ICBM), the coding sensitivity, the nuclear-test rules, the
    answers to the questions, the user's frozen answers and the question backtest's tables
    (:data:`QUESTION_TABLES`).

    Parameters
    ----------
    ctx : ReportContext
        The report's context, with its outlook (:attr:`ReportContext.has_outlook`).

    Returns
    -------
    dict of str to DataFrame
        File name -> table, the data dictionary
        (:data:`~forecast.columns.DICTIONARY_FILE`) last.
    """
    # made once per build: the files section lists them, the build writes them, and the
    # single file renders the index again (its copy of the context shares the memo)
    inputs = (ctx.forecast, ctx.scenarios_today, ctx.from_today, ctx.answers, ctx.frozen)
    return dict(
        ctx.computed("download tables", lambda: _with_dictionary(ctx), inputs, (ctx.today,))
    )


def _with_dictionary(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    files = _download_tables(ctx)
    files[DICTIONARY_FILE] = column_meanings(files, target_noun(ctx.forecast.target))
    return files


def _download_tables(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    forecast = ctx.forecast

    def stamped(table: pd.DataFrame, months) -> pd.DataFrame:
        return window_columns(table, months, ctx.model.data_end, ctx.today)

    def by_month(table: pd.DataFrame) -> pd.DataFrame:
        return month_columns(table, ctx.model.data_end, ctx.today)

    files = {
        "headline.csv": stamped(readable(ctx.headline, 3), forecast.months),
        "fan_bands.csv": by_month(readable(ctx.bands, 2)),
        "probabilities.csv": stamped(readable(probabilities(forecast), 3), forecast.months),
    }
    if ctx.contrasts is not None:  # what the page says under the scenarios' table
        contrasts = readable(ctx.contrasts.table, 3).assign(reference=ctx.reference)
        files["contrasts.csv"] = stamped(contrasts, forecast.months)
    if ctx.scenarios_today is not None:  # the same file, started in today's month
        today = ctx.scenarios_today
        files["scenarios_today.csv"] = stamped(readable(ctx.today_headline, 3), today.months)
        files["fan_bands_today.csv"] = by_month(readable(ctx.today_bands, 2))
        if ctx.today_contrasts is not None:
            contrasts = readable(ctx.today_contrasts.table, 3).assign(reference=ctx.today_reference)
            files[CONTRASTS_TODAY] = stamped(contrasts, today.months)
    if ctx.outlook is not None:
        months = month_periods(ctx.outlook["states"])
        files["outlook.csv"] = stamped(readable(ctx.outlook["totals"], 3), months.unique())
        files["outlook_states.csv"] = by_month(readable(ctx.outlook["states"], 3))
    if ctx.years is not None:
        years = readable(ctx.years.table, 3)
        # counts as whole numbers, empty where a row has none (not 34.0 for a NaN-ful column)
        years = years.astype({c: "Int64" for c in ("observed", "observed_part", "n")})
        status = [window_timing(f"{y}-01", f"{y}-12", ctx.today).status for y in years["year"]]
        files["years.csv"] = years.assign(
            data_as_of=f"{ctx.model.data_end:%Y-%m-%d}", window_status=status
        )
    if ctx.icbm is not None:
        files["icbm_sensitivity.csv"] = readable(ctx.icbm["range"], 3)
    if (SENSITIVITY_DIR / "sensitivity.csv").is_file():
        files["coding_sensitivity.csv"] = read_sensitivity(SENSITIVITY_DIR)
    if ctx.from_today is not None:
        tables = ctx.today_tables
        totals = readable(tables["totals"], 3)
        files["outlook_today.csv"] = stamped(totals, ctx.from_today.forecast.months)
        files["outlook_today_states.csv"] = by_month(readable(tables["states"], 3))
    if ctx.nuclear_rules is not None:
        files["nuclear_rules.csv"] = readable(ctx.nuclear_rules.table(), 3)
    if ctx.answers is not None:
        files["answers.csv"] = answer_windows(readable(ctx.answers, 3), ctx.today)
    if ctx.answers_ahead is not None:
        files["answers_ahead.csv"] = answer_windows(readable(ctx.answers_ahead, 3), ctx.today)
    if ctx.frozen is not None and len(ctx.frozen):
        files[FROZEN_FILE] = readable(ctx.frozen, 3)
    # the question backtest's tables the page names, for a reader without the project
    for name in QUESTION_TABLES:
        if (EVALUATION_DIR / name).is_file():
            table = pd.read_csv(EVALUATION_DIR / name)
            if "title" in table:  # as the page titles them ("(incl. unknown class)")
                table["title"] = table["title"].map(class_words)
            files[name] = table
    return files


def files_section(ctx: ReportContext) -> str:
    """The index's last section: the CSV files of the report, each with what it holds and,
    folded, what its columns mean (``""`` without an outlook: no tables are written)."""
    if not ctx.has_outlook:
        return ""
    files = download_tables(ctx)
    noun = target_noun(ctx.forecast.target)
    dictionary = files[DICTIONARY_FILE]
    items = []
    for name in files:
        rows = "\n".join(
            f"<tr><td><code>{html.escape(r.column)}</code></td><td>{html.escape(r.meaning)}</td>"
            "</tr>"
            for r in dictionary[dictionary["file"] == name].itertuples()
        )
        items.append(
            f"<details><summary><code>{html.escape(name)}</code>: "
            f"{html.escape(file_description(name, noun))}</summary>\n<table>\n{rows}\n"
            "</table></details>"
        )
    return (
        '<h2 id="files">The files of this report</h2>\n'
        f"<p>The tables of this page as CSV files, {ctx.beside}, to open in a spreadsheet: "
        "what each holds and, unfolded, what its columns mean (the same list is "
        f"<code>{DICTIONARY_FILE}</code>). Probabilities and shares are fractions (0.25 is "
        "25%); months are YYYY-MM, days YYYY-MM-DD (the month column of a month-by-month "
        "table gives the month's first day).</p>\n"
        '<div id="files-list">\n' + "\n".join(items) + "\n</div>"
    )


__all__ = [
    "QUESTION_TABLES",
    "download_tables",
    "files_section",
]
