"""The outlook from today as an analyst reads it, computed in one call for a notebook
(``04_scenarios``): the numbers of the table the report's index leads with (the same
simulation, seed and recounts), as tables and sentences.

:func:`forecast.outlook.outlook_from_today` simulates; :func:`read_outlook_today` adds what a
reader needs beside the numbers: the total split by today's state with the columns named as
the report names them, the backtest's caveat on the 80% interval of such a total
(:func:`forecast.evaluation.totals.interval_caveat`), P(ICBM launch) with unknown-class
launches recounted (:mod:`forecast.unknown_class`) and P(nuclear test) under each rule the
question backtest compared (:mod:`forecast.nuclear_rules`). Nothing here draws or prints:
the notebook renders the tables with :func:`forecast.present.styled`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from forecast.constants import EVALUATION_DIR
from forecast.evaluation.totals import interval_caveat
from forecast.nuclear_rules import REFIT_FOR_RULES, nuclear_rules
from forecast.outlook import TodayOutlook, outlook_from_today
from forecast.present import counted, for_reading, month_span, state_words
from forecast.simulation import class_mix_drawn, nuclear_from_outlook
from forecast.summaries import every_row_filled
from forecast.unknown_class import (
    FROM_TODAY_LABEL,
    icbm_range_from_today,
    icbm_words,
    unknown_class_days,
)

#: The split table's columns as the report's index names them, in its order.
COLUMNS = {
    "path": "state in today's month",
    "share": "share of simulations",
    "n": "simulations",
    "mean": "expected launch days",
    "median": "median",
    "interval": "80% interval",
    "p_icbm": "P(ICBM launch)",
    "p_nuclear": "P(nuclear test)",
    "caution": "read with care",
}

#: The columns :attr:`OutlookToday.table` shows as percentages.
PERCENT = ["share of simulations", "P(ICBM launch)", "P(nuclear test)"]


@dataclass(frozen=True)
class OutlookToday:
    """The outlook from today with its reading (:func:`read_outlook_today`).

    Attributes
    ----------
    outlook : TodayOutlook
        The simulation (:func:`forecast.outlook.outlook_from_today`).
    heading : list of str
        The forecast's months, and the months simulated before them.
    table : DataFrame
        The total over the 12 months, overall and by the state in today's month, with the
        columns of :data:`COLUMNS` (states in words: "No talks in Dec 2026"; a column without
        a value dropped).
    text : list of str
        The split in sentences, then the backtest's caveat on the 80% interval.
    icbm : DataFrame or None
        P(ICBM launch) as CNS classifies and with unknown-class launches recounted (None
        when the run's launch days carry no class mix).
    icbm_text : list of str
        The recount's sentence (empty without a class mix).
    nuclear : DataFrame or None
        P(nuclear test) under each rule (None when the run's count model draws the tests, or
        the run was saved before runs kept the other rules).
    nuclear_text : list of str
        Why the rules are missing, for a run saved before runs kept them (else empty).
    states : DataFrame
        P(each state) by month, for :func:`forecast.plots.plot_state_probabilities`.
    """

    outlook: TodayOutlook
    heading: list[str]
    table: pd.DataFrame
    text: list[str]
    icbm: pd.DataFrame | None
    icbm_text: list[str]
    nuclear: pd.DataFrame | None
    nuclear_text: list[str]
    states: pd.DataFrame


def read_outlook_today(
    model, outlook, tables, today: dt.date, random_seed: int = 1
) -> OutlookToday | None:
    """The outlook from ``today``'s month and its reading, as the report's index shows them.

    Parameters
    ----------
    model : BaseModel
        The run's fitted launch-day model.
    outlook : forecast.runs.Outlook
        The run's outlook models.
    tables : forecast.data.Tables
        The data (the unknown-class launches recounted for P(ICBM launch)).
    today : date
        The day the outlook starts from.
    random_seed : int, default 1
        The seed of the simulation and of the recounts.

    Returns
    -------
    OutlookToday or None
        None when the data reach today's month: the forecast from the data's end is the one
        to quote.
    """
    today_outlook = outlook_from_today(model, outlook, today, random_seed=random_seed)
    if today_outlook is None:
        return None
    gap, months = today_outlook.simulated, today_outlook.forecast.months
    heading = [
        f"What to expect from today: {months[0]:%B %Y} to {months[-1]:%B %Y}",
        f"Simulated, not observed: {month_span(gap)} ({counted(len(gap), 'month')} after the "
        f"fit's last month, {model.last_month:%B %Y})",
    ]
    tables_today = today_outlook.tables()
    # a rate without a state term repeats its value in every row, as on the report's page
    split = every_row_filled(tables_today["totals"])
    split = split.assign(path=split["path"].map(state_words))  # "No talks in Dec 2026"
    backtest = EVALUATION_DIR / "totals.csv"  # shipped with the package's evaluation
    caveat = (
        interval_caveat(pd.read_csv(backtest), model.name, lead=len(gap))
        if backtest.exists()
        else ""
    )
    icbm, icbm_text = None, []
    if class_mix_drawn(today_outlook.full.data):  # as the report
        icbm = icbm_range_from_today(today_outlook, tables, outlook.class_mix, random_seed)
        icbm_text = [icbm_words(unknown_class_days(tables), icbm, FROM_TODAY_LABEL)[1]]
    nuclear, nuclear_text = None, []
    if nuclear_from_outlook(today_outlook.full.data):  # the outlook's rate drew the tests
        rules = nuclear_rules(model.last_month + 1, outlook, random_seed, windows=[months])
        if rules is None:  # a run saved before runs kept them
            nuclear_text = [f"P(nuclear test): {REFIT_FOR_RULES}."]
        else:
            nuclear = rules.table([months])[["rule", "run_rule", "p_nuclear"]].rename(
                columns={"run_rule": "the run's rule (the table's)", "p_nuclear": "P(nuclear test)"}
            )
    return OutlookToday(
        outlook=today_outlook,
        heading=heading,
        table=for_reading(split, COLUMNS),
        text=[*today_outlook.split.text, *([caveat] if caveat else [])],
        icbm=icbm,
        icbm_text=icbm_text,
        nuclear=nuclear,
        nuclear_text=nuclear_text,
        states=tables_today["states"],
    )
