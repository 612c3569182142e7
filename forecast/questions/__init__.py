"""Forecast questions in the style of forecasting platforms: parse, resolve, answer, score.

Question file (YAML)
--------------------
::

    as_of: 2025-12                 # optional: last month of data the questions start from
    questions:
      - id: icbm-2026h1            # unique; letters, digits, '.', '_', '-'
        title: Will North Korea launch an ICBM between January and June 2026?
        type: binary               # binary | numeric | date | conditional
        event: {kind: launch_day, weapon_class: ICBM}
        window: {start: 2026-01, end: 2026-06}    # whole months, inclusive
        threshold: 1               # binary only: at least N events (default 1)
        resolution: >
          YES if the CNS missile test database lists at least one launch day
          with an ICBM-class missile dated 2026-01-01..2026-06-30.
      - id: launch-days-2026-if-talks-march
        title: Launch days in 2026 if working-level talks resume in March 2026
        type: conditional
        given: {2026-01: no_talks, 2026-03: active_talks}   # step function of states
        given_through: 2026-06     # optional: last month the path must hold
        question: {type: numeric, event: launch_day, window: {start: 2026-01, end: 2026-12}}
        resolution: Annulled unless the coded states follow the given path.

Types
    ``binary``: at least ``threshold`` events in the window (True/False).
    ``numeric``: the number of events in the window. ``date``: the month of the
    first event in the window, or :data:`NOT_IN_WINDOW`. ``conditional``: an
    inner question (``question``: binary, numeric or date) given a path of
    states (``given``, the step-function syntax of scenario files, holding from
    its first month through ``given_through``, default the inner window's
    end); it is :data:`ANNULLED` if the path does not happen, as platforms do.
Event kinds (``event``: a kind, or a mapping with ``kind``)
    ``launch_day`` (panel ``launch_days``; with ``weapon_class`` one of the
    class groups of :data:`WEAPON_CLASSES`, the sum of the group's
    ``launch_days_<class>`` columns, as in the ``class_hierarchical`` model),
    ``missiles``, ``nuclear_test`` (``nuclear_tests``), ``state_change`` (a
    month whose state differs from the previous month's; with ``to: state``
    or a list, only changes into those states).

Limits
    At most :data:`~forecast.constants.MAX_QUESTIONS` questions per file; a window of at
    most :data:`~forecast.constants.MAX_HORIZON` months that (like a given path) ends at most
    ``MAX_HORIZON`` months after the current month (:func:`latest_month`), checked when the
    file is read; once the data's end is known, :func:`check_question_horizon` applies the
    exact rule of scenario horizons: at most ``MAX_HORIZON`` months after the data's last
    month. A window ending 9999-12 is refused at once, never simulated.

Resolution
----------
:func:`resolve` reads a monthly table like the panel. A binary question
resolves YES as soon as the observed months reach the threshold, and NO only
when the whole window is observed; a date question resolves at the first
event; a numeric question when the window is complete; otherwise the answer is
``None`` (not yet resolvable). :func:`answer` applies the *same* function to
every simulated draw, so a binary question's probability is exactly the share
of draws that resolve YES.

Answers (one row per question, :data:`ANSWER_COLUMNS`)
------------------------------------------------------
binary: ``probability``. numeric: ``mean, q10, q50, q90`` of the count.
date: ``month_q10, month_q50, month_q90`` as ``YYYY-MM`` strings (quantiles of
the first-event month with "no event in the window" ranked after every month;
such a quantile reads ``after YYYY-MM``), ``month_mean`` the mean month among
draws with an event, ``by_month`` the chance of a first event by each quarter's
end, and ``p_none`` = P(no event in the window); the number columns ``mean`` to
``q90`` stay empty, so each column of ``answers.csv`` holds one kind of value.
conditional: the inner question's columns over the draws whose state path
follows ``given``, with ``p_given`` the share of such draws (1 when the path
was imposed as a scenario).

Scores (negatively oriented: lower is better)
---------------------------------------------
Brier ``(p - o) ** 2`` and log score ``-ln(p)`` if YES, ``-ln(1 - p)`` if NO,
with ``p`` clipped to [0.001, 0.999] for the log score only (the range
Metaculus accepts; a share of draws can be 0 or 1). CRPS of numeric questions:
:func:`forecast.scores.crps` on the draws. Date questions: the same CRPS on the month
index within the window (0 = first month) with "no event in the window" set
to the index one past the end, for the draws and the outcome alike; this is
the CRPS of the censored variable ``min(T, end + 1)``, which is what the
window lets one observe, and it is proper for it.

The package: :mod:`~forecast.questions.spec` (the file's questions, checked),
:mod:`~forecast.questions.resolve` (one resolution for observed months and simulated draws, and
the answers) and :mod:`~forecast.questions.scores` (scores and reliability); the figures are
in :mod:`forecast.plots.questions`.
"""

from __future__ import annotations

from forecast.questions.resolve import (
    MONTH_COLUMNS,
    Simulated,
    answer,
    answers_table,
    by_month,
    by_month_text,
    date_months,
    month_label,
    resolve,
    rows_by_month,
    simulated_outcomes,
)
from forecast.questions.scores import (
    binary_scores,
    crps_draws,
    outcome_code,
    reliability_table,
    score,
)
from forecast.questions.spec import (
    ANNULLED,
    ANSWER_COLUMNS,
    EVENT_KINDS,
    NOT_IN_WINDOW,
    PROBABILITY_CLIP,
    QUANTILES,
    QUESTION_TYPES,
    WEAPON_CLASSES,
    Event,
    Question,
    check_question_horizon,
    latest_month,
    load_questions,
    parse_questions,
    question_end,
    shift_question,
    window_lengths,
)

__all__ = [
    "MONTH_COLUMNS",
    "by_month",
    "by_month_text",
    "date_months",
    "ANNULLED",
    "ANSWER_COLUMNS",
    "EVENT_KINDS",
    "Event",
    "NOT_IN_WINDOW",
    "PROBABILITY_CLIP",
    "QUANTILES",
    "QUESTION_TYPES",
    "Question",
    "Simulated",
    "WEAPON_CLASSES",
    "answer",
    "answers_table",
    "binary_scores",
    "check_question_horizon",
    "crps_draws",
    "latest_month",
    "load_questions",
    "month_label",
    "outcome_code",
    "parse_questions",
    "question_end",
    "reliability_table",
    "resolve",
    "rows_by_month",
    "score",
    "shift_question",
    "simulated_outcomes",
    "window_lengths",
]
