"""The data dictionary of the CSV files the workbench writes: what each file holds and what
each of its columns means, for a reader who opens a CSV in a spreadsheet without the project.

:func:`column_meanings` lists ``file, column, meaning`` for a folder's tables (written beside
them as :data:`DICTIONARY_FILE` by the report and by ``forecast scenarios`` and ``forecast
questions``). A column is described once in :data:`COLUMNS` (where it means the same in every
file), in :data:`BY_FILE` where one file uses the name otherwise, or by a pattern of
:data:`PATTERNS` (the coding sensitivity's columns, named after the scenarios and states); a
command's file that repeats a report table's columns under its own name reads that table's
meanings (:data:`SAME_AS`).
"""

from __future__ import annotations

import re

import pandas as pd

from forecast.constants import CONTRASTS_TODAY, FROZEN_FILE, STATES
from forecast.present import and_list
from forecast.summaries import THRESHOLDS

#: The data dictionary written beside the tables: ``file, column, meaning``.
DICTIONARY_FILE = "columns.csv"

_TOTALS = "expected {noun} over the window (the mean of the simulated totals)"
_STATUS = (
    "where the window lies on the day the file was written (its today): future when it "
    "starts in that day's month or later (its first month may be under way: see "
    "month_status), partly past when it began before that month and has not ended, past when "
    "it ended before; for its past months the model's view from the end of its data, not a "
    "forecast"
)
_BRIER_OR_CRPS = "the model's mean {} over the cutoffs (empty for a family scored by the other)"

_SPLIT_NUCLEAR = (
    "the chance of a nuclear test in the window (share of simulations); given on the first "
    "row only when the rate of tests has no state term (the same for every path)"
)

#: What each file holds (the page names each one where it shows its table).
FILES: dict[str, str] = {
    "headline.csv": "Each scenario's {noun} over the 12 months from the data's end (when its "
    "window_status is partly past or past, the forecast to quote is scenarios_today.csv and "
    "outlook_today.csv): the expected total, its 80% interval and the "
    "chances of any {noun}, an ICBM launch and a nuclear test.",
    "fan_bands.csv": "Each scenario month by month from the data's end: the simulated {noun} "
    "of the month (the fan chart's bands).",
    "probabilities.csv": f"Each scenario's chances over its window: {and_list(THRESHOLDS, 'or')} "
    "{noun} or more, an ICBM launch, a nuclear test.",
    "contrasts.csv": "Each scenario against the reference scenario, from the data's end: the "
    "difference in expected {noun} over the window, computed draw by draw.",
    "scenarios_today.csv": "The scenarios started in today's month (the months the data lack "
    "simulated first and not counted): as headline.csv.",
    "fan_bands_today.csv": "The scenarios from today, month by month: as fan_bands.csv.",
    CONTRASTS_TODAY: "The scenarios from today against their reference: as contrasts.csv.",
    "outlook.csv": "The forecast all things considered (the states follow the state model), "
    "from the data's end, split by the path the states take.",
    "outlook_states.csv": "The state model's forecast of the negotiation state, month by "
    "month from the data's end: the share of simulations in each state.",
    "outlook_today.csv": "The outlook from today's month, split by the state each simulation "
    "is in during today's month (the first row is the whole outlook).",
    "outlook_today_states.csv": "The state model's forecast of the negotiation state from "
    "today's month: as outlook_states.csv.",
    "years.csv": "The {noun} by calendar year: the years observed, and the forecast years "
    "(a year partly observed adds its observed months to the simulated ones).",
    "icbm_sensitivity.csv": "P(ICBM launch) when launches of unknown class are counted as ICBM "
    "by their apogee (CNS leaves some launches' class unknown).",
    "coding_sensitivity.csv": "The default model refitted with each documented alternative "
    "coding of the negotiation states (make sensitivity): rate ratios and scenario totals, "
    "each beside its difference from the states as coded. Every row is a refit of its own "
    "(the as_coded row too, so its totals differ a little from the report's run), and its "
    "scenarios start from its own last state (last_state: 'persist' holds that state).",
    "nuclear_rules.csv": "P(nuclear test) over each forecast window (one row per window and "
    "rule) by each rule for the rate of nuclear tests; the run's rule is the one quoted.",
    "answers.csv": "The forecast questions of the questions file, answered from the same "
    "simulations (one row per question).",
    "answers_ahead.csv": "The shipped forecast questions of the years after the questions "
    "file's, up to the year after the report's day, answered by the same run, the months the "
    "data lack simulated first (one row per question).",
    FROZEN_FILE: "Your frozen answers (forecast questions outputs), resolved and scored on the "
    "report's data.",
    "questions.csv": "The question backtest: each question family asked at every month "
    "2000-2024 from the data before it, scored against the best naive answer (last row: "
    "overall).",
    "questions_by_state.csv": "The question backtest's state families split by the "
    "negotiation state at the cutoff.",
    "question_reliability.csv": "The question backtest's reliability: answers binned by "
    "probability against how often the event came (the coverage of the intervals for the "
    "count family).",
    DICTIONARY_FILE: "This list: every CSV file of the folder, its columns and their meanings.",
    # forecast scenarios' and forecast questions' own names
    "summary.csv": "Each scenario's {noun} over its window: the expected total, its "
    "percentiles and the chance of any {noun}.",
    "monthly.csv": "Each scenario month by month: the simulated {noun} of the month.",
    "comparisons.csv": "Each scenario against the reference scenario: the difference in "
    "expected {noun} over the window, computed draw by draw.",
    "states.csv": "The negotiation state month by month: the share of simulations in each "
    "state (forecast scenarios: every scenario, a fixed path as 0 or 1, the state model's "
    "paths as shares; forecast questions: the outlook's).",
}

#: A file whose columns mean what another file's do (file -> that file): the commands' own
#: names, and the report's bands from today.
SAME_AS: dict[str, str] = {
    "fan_bands_today.csv": "fan_bands.csv",
    "summary.csv": "headline.csv",
    "monthly.csv": "fan_bands.csv",
    "comparisons.csv": "contrasts.csv",
    "states.csv": "outlook_states.csv",
    "answers_ahead.csv": "answers.csv",
}

#: Columns that mean the same in every file they appear in.
COLUMNS: dict[str, str] = {
    "scenario": "the scenario's name in the scenario file",
    "label": "the scenario's description (its month numbers named as calendar months)",
    "n": "the number of simulations the row rests on",
    "mean": _TOTALS,
    "median": "the median of the simulated totals",
    "q10": "the 10th percentile of the simulated totals: the 80% interval's lower end",
    "q25": "the 25th percentile of the simulated totals",
    "q50": "the 50th percentile (median) of the simulated totals",
    "q75": "the 75th percentile of the simulated totals",
    "q90": "the 90th percentile of the simulated totals: the 80% interval's upper end",
    "p_any": "the chance of any {noun} in the window (share of simulations)",
    "p_icbm": "the chance of at least one ICBM launch in the window (share of simulations)",
    "p_nuclear": "the chance of a nuclear test in the window (share of simulations; where the "
    "run's outlook draws the tests, nuclear_rules.csv gives each rule's own probability, which "
    "this share meets within simulation noise)",
    "caution": "why to read the row with care: few simulations, or a mean above its 90th "
    "percentile (a few very large simulations carry it); empty when neither",
    "window_start": "the first month of the forecast window (YYYY-MM)",
    "window_end": "the last month of the forecast window (YYYY-MM)",
    "window_status": _STATUS,
    "data_as_of": "the last day of the data the model was fitted on (YYYY-MM-DD)",
    "month": "the month (its first day, YYYY-MM-DD)",
    "month_status": "past for a month before the month the file was written in (the model's "
    "view from the end of its data, not a forecast), current for that month (under way, "
    "and simulated in full), future after it",
    "reference": "the scenario every row is compared with",
    "diff_mean": "expected {noun} of the scenario minus the reference's, over the window "
    "(mean over the simulations, one per posterior draw; negative: fewer)",
    "diff_lo": "the 80% interval of that difference, lower end",
    "diff_hi": "the 80% interval of that difference, upper end",
    "p_more": "the share of the simulations in which the scenario expects more {noun} than "
    "the reference",
    "rate_ratio": "the scenario's mean expected total divided by the reference's",
    "path": "the path the simulated states take: 'stays <state>' when they never leave the "
    "last observed state, 'to <state>' for the first state they move to; 'all paths' for "
    "the whole forecast",
    "share": "the share of the simulations that took this path",
    **{
        f"p_ge_{k}": f"the chance of {k} {{{'one' if k == 1 else 'noun'}}} or more in the window"
        for k in THRESHOLDS
    },
    "family": "the question family's id",
    "title": "the question as asked",
    "frequency": "the share of the cutoffs at which the event came (binary families), or the "
    "mean outcome",
    "mean_answer": "the mean of the model's answers over the cutoffs",
    "skill": "1 minus the model's mean score divided by the baseline's: positive is better "
    "than the baseline, negative worse",
    **{state: f"the share of simulations in {state} in the month" for state in STATES},
}

#: Columns that mean something else in one file (file -> column -> meaning).
BY_FILE: dict[str, dict[str, str]] = {
    "fan_bands.csv": {
        "mean": "expected {noun} in the month (the mean of its simulated counts)",
        "median": "the median of the month's simulated {noun}",
        **{
            f"q{p}": f"the {p}th percentile of the month's simulated {{noun}}"
            for p in (10, 25, 50, 75, 90)
        },
    },
    "outlook.csv": {"p_nuclear": _SPLIT_NUCLEAR},
    "outlook_today.csv": {
        "p_nuclear": _SPLIT_NUCLEAR,
        "path": "the state the simulations are in during today's month ('all simulations' "
        "for the whole outlook)",
        "share": "the share of the simulations in that state in today's month",
    },
    "years.csv": {
        "year": "the calendar year",
        "kind": "observed (a count in the data) or forecast (simulated)",
        "observed": "the {noun} observed in the year (empty for a forecast year)",
        "observed_part": "the {noun} already observed in a forecast year that the data "
        "partly cover (empty otherwise)",
        "observed_months": "the months of that observed part (YYYY-MM..YYYY-MM)",
        "mean": "expected {noun} in the year (observed part included)",
        "p_any": "the chance of any {noun} in the year",
        "p_more_than_previous": "the chance of more {noun} than the year before it in the "
        "table (forecast years only)",
        "window_status": "where the year lies on the day the file was written: past, partly "
        "past (it began before that day's month and has not ended: for a forecast year, its "
        "past months that the data lack are the model's view from the end of its data, not a "
        "forecast) or future (it begins in that day's month or later)",
    },
    "icbm_sensitivity.csv": {
        "counting": "how launches of unknown class are counted",
        "min_apogee_km": "the apogee from which such a launch counts as ICBM (empty: as CNS "
        "classifies)",
        "p_icbm_outlook": "P(ICBM launch) over the outlook's 12 months from the data's end",
        "p_icbm_from_today": "P(ICBM launch) over the 12 months from today's month",
    },
    "nuclear_rules.csv": {
        "months": "the number of months in the window",
        "rule": "the rule for the rate of nuclear tests",
        "run_rule": "True for the run's own rule, the one the page quotes",
        "p_nuclear": "the chance of at least one nuclear test in the window by this rule",
    },
    "answers.csv": {
        "question": "the question's id in the questions file",
        "type": "the question's type: binary (yes/no), numeric (a count), date (a month) or "
        "conditional (one of them, given a path of states)",
        "answer_type": "the type of the answer (a conditional question's is its inner "
        "question's): binary, numeric or date",
        "unit": "what the answer is in: a probability P(>= N events), a count, or the month of "
        "the first event",
        "probability": "the answer to a binary question: the share of simulations in which "
        "it resolves YES",
        "mean": "the answer to a numeric question: the mean of the simulated counts",
        "q10": "a numeric answer's 10th percentile (80% interval's lower end)",
        "q50": "a numeric answer's median",
        "q90": "a numeric answer's 90th percentile (80% interval's upper end)",
        "p_none": "a date question's chance that the event does not come in the window",
        "by_month": "a date question's chance that the event has come by each quarter's end, "
        "as text in percent ('by 2026-03: 16%; ...')",
        "month_mean": "a date question's mean month of the first event, over the simulations "
        "in which it comes in the window (the percentiles below count every simulation)",
        "month_q10": "a date question's 10th percentile month ('after END' when it falls "
        "after the window)",
        "month_q50": "a date question's median month ('after END' when after the window)",
        "month_q90": "a date question's 90th percentile month ('after END' when after the window)",
        "p_given": "a conditional question's share of simulations that followed its given "
        "path (1 when the path is imposed)",
        "draws": "the number of simulations the answer rests on",
        "model": "the model whose simulations answer the question, named as in questions.csv: "
        "the run's count model (a question on a weapon class: with the run's class mix), its "
        "state model for a question about the negotiation states (blind_mix), its rule for "
        "the rate of nuclear tests for a nuclear test (half_life_28: old tests fade with a "
        "half-life of 28 months), unless the count model draws its own nuclear tests",
        "resolution": "how the question resolves",
    },
    FROZEN_FILE: {
        "folder": "the folder of the frozen answers (a forecast questions output)",
        "question": "the question's id",
        "window": "the months the answer is about (START..END)",
        "type": "the question's type: binary, numeric, date or conditional",
        "answer_type": "the type of the answer: binary, numeric or date",
        "answer": "the answer: a probability, a mean count, or a date answer's median month",
        "status": "waiting, resolved or annulled (a condition that did not come)",
        "outcome": "what came: 1 or 0, the count, or the month ('after END' when none came)",
        "brier": "the Brier score of a yes/no answer (lower is better)",
        "log_score": "the log score of a yes/no answer (lower is better)",
        "crps": "the CRPS of a count or date answer (lower is better)",
    },
    "questions.csv": {
        "family": "the question family's id ('overall' for the mean of the families)",
        "score_kind": "brier (a yes/no family) or crps (the launch-day count family)",
        "model": "the state or count model that answered the family",
        "n": "the number of cutoffs the family was asked at (overall: summed over the families)",
        "first_cutoff": "the first cutoff (YYYY-MM)",
        "last_cutoff": "the last cutoff (YYYY-MM)",
        "brier": _BRIER_OR_CRPS.format("Brier score"),
        "crps": _BRIER_OR_CRPS.format("CRPS"),
        "longrun": "the mean score of the long-run base rate (the share of earlier windows "
        "since 1990 in which the event came; for the count family their totals as the "
        "forecast)",
        "recent5y": "the mean score of the base rate of the last five years",
        "naive": "the mean score of the naive forecast's answer: recent_rate's for the launch "
        "families, no change for the state families, the last 24 months' rate of tests for "
        "the nuclear family",
        "baseline": "the best of longrun, recent5y and naive over all cutoffs: the one the "
        "skill is measured against",
        "baseline_score": "that baseline's mean score",
        "prequential_baseline_score": "the mean score of a baseline chosen at each cutoff "
        "from its own past (the one that had scored best so far)",
        "prequential_skill": "the skill against that baseline chosen from the past",
        "skill_lo": "the 90% block-bootstrap interval of the skill, lower end",
        "skill_hi": "the 90% block-bootstrap interval of the skill, upper end",
    },
    "questions_by_state.csv": {
        "state": "the negotiation state at the cutoff",
        "n": "the number of cutoffs in that state",
        "brier": "the model's mean Brier score at those cutoffs",
        "longrun": "the long-run base rate's mean Brier score at those cutoffs",
        "skill": "1 minus the model's Brier score divided by the long-run rate's",
    },
    "question_reliability.csv": {
        "kind": "probability (answers binned by probability) or coverage (a central interval "
        "of the count family)",
        "bin_lo": "the bin's lowest probability (coverage: the interval's nominal level)",
        "bin_hi": "the bin's highest probability (coverage: the interval's nominal level)",
        "n": "the number of answers in the bin",
        "mean_probability": "the mean answer in the bin (coverage: the nominal level)",
        "observed_frequency": "how often the event came for those answers (coverage: the "
        "share of outcomes inside the interval, by the randomised PIT)",
        "lo90": "the 90% interval of that frequency, lower end (empty on coverage rows)",
        "hi90": "the 90% interval of that frequency, upper end (empty on coverage rows)",
    },
    "coding_sensitivity.csv": {
        "alternative": "the alternative coding's id ('as_coded' for the states as coded)",
        "label": "the alternative in words",
        "start": "the first day the alternative recodes",
        "end": "the last day the alternative recodes",
        "state": "the state it codes those days as",
        "replaces": "the coded state(s) of those days",
        "days_recoded": "the days whose state the alternative changes",
        "months_recoded": "the months whose (majority) state changes",
        "days_recoded_in_fit": "the changed days inside the fitted months",
        "model": "the model refitted",
        "fitted_from": "the first fitted month",
        "fitted_to": "the last fitted month",
        "last_state": "the state of the last fitted month (where the scenarios start)",
        "passed": "whether the refit passed its diagnostics",
    },
    DICTIONARY_FILE: {
        "file": "the CSV file of the folder",
        "column": "a column of that file",
        "meaning": "what the column holds",
    },
}

#: Columns named after the states and scenarios (coding_sensitivity.csv): pattern -> meaning,
#: the pattern's groups filled in.
PATTERNS: dict[str, str] = {
    r"rr_(\w+?)_diff": "the rate ratio of {0} minus its value as coded (+: a higher rate)",
    r"rr_(\w+)": "the posterior mean rate ratio of {0} against no_talks",
    r"(\w+)_(mean|median)_diff": "the {1} total of scenario {0} minus its value as coded",
    r"(\w+)_mean": "the expected total of scenario {0} over its horizon",
    r"(\w+)_median": "the median total of scenario {0}",
    r"(\w+)_q10": "the 80% interval of scenario {0}'s total, lower end",
    r"(\w+)_q90": "the 80% interval of scenario {0}'s total, upper end",
}


def meaning(file: str, column: str, noun: str = "launch days") -> str | None:
    """What a column of a file holds.

    Parameters
    ----------
    file, column : str
        The file's name (``headline.csv``) and the column's.
    noun : str
        What the forecast counts (:func:`forecast.summaries.target_noun`: launch days, or
        missiles for a run fitted on them), in the plural.

    Returns
    -------
    str or None
        The meaning, or None when the dictionary does not know the column.
    """
    own = BY_FILE.get(SAME_AS.get(file, file), {})
    said = own.get(column, COLUMNS.get(column))
    if said is None and file == "coding_sensitivity.csv":
        for pattern, text in PATTERNS.items():
            found = re.fullmatch(pattern, column)
            if found:
                said = text.format(*found.groups())
                break
    if said is None:
        return None
    # {one}: the noun for one ("1 launch day or more")
    return said.replace("{noun}", noun).replace("{one}", noun.removesuffix("s"))


def column_meanings(
    files: dict[str, pd.DataFrame], noun: str = "launch days", strict: bool = False
) -> pd.DataFrame:
    """The data dictionary of a folder's tables, and of itself.

    Parameters
    ----------
    files : dict of str to DataFrame
        The tables, by file name, in the order they are listed.
    noun : str
        What the forecast counts (:func:`meaning`).
    strict : bool
        Refuse a file or column the dictionary does not describe (the tests' check that
        every table the workbench writes is described); otherwise its meaning is left
        empty, so that a table from another version of the workbench is still written.

    Returns
    -------
    DataFrame
        ``file, column, meaning``: each file's columns in its table's order, this list's own
        last (:data:`DICTIONARY_FILE`).

    Raises
    ------
    KeyError
        With ``strict``, naming the file, and the column, the dictionary does not describe.
    """
    rows = []
    columns = {name: list(table.columns) for name, table in files.items()}
    columns[DICTIONARY_FILE] = ["file", "column", "meaning"]
    for name, names in columns.items():
        if strict and name not in FILES:
            raise KeyError(f"{name}: no description in {__name__}.FILES")
        for column in names:
            said = meaning(name, column, noun)
            if said is None and strict:
                raise KeyError(f"{name}: column {column!r} has no meaning in {__name__}")
            rows.append({"file": name, "column": column, "meaning": said or ""})
    return pd.DataFrame(rows, columns=["file", "column", "meaning"])


def file_description(name: str, noun: str = "launch days") -> str:
    """What a file holds (:data:`FILES`; ``""`` for a file it does not know), counting
    ``noun``."""
    return FILES.get(name, "").replace("{noun}", noun)


__all__ = [
    "BY_FILE",
    "COLUMNS",
    "DICTIONARY_FILE",
    "FILES",
    "PATTERNS",
    "SAME_AS",
    "column_meanings",
    "file_description",
    "meaning",
]
