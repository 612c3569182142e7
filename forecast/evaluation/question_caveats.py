"""Caveats beside answered questions: what the question backtest and the backfilled track
record say about answers like them.

Computed from tables only (``docs/evaluation/questions*.csv``, ``docs/track_record``), so that
``forecast questions`` prints the caveats the report prints without loading the report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.constants import EVALUATION_DIR
from forecast.evaluation.question_skill import family_caveats
from forecast.present import read_as
from forecast.track_record import (
    QUESTIONS_FILE,
    RECORDS_FILE,
    TABLE_FILE,
    TRACK_RECORD_DIR,
    read_record_table,
    record_bias,
    record_caveat,
)

__all__ = ["asks_shipped_questions", "question_caveats", "shipped_record"]


def question_caveats(
    answers: pd.DataFrame,
    state: str | None = None,
    folder: Path = EVALUATION_DIR,
    record: pd.DataFrame | None = None,
) -> dict[str, str]:
    """Per answered question id, the caveats that apply to it: its question-backtest family's
    when that family has negative skill, overall or asked from ``state`` (the state the
    questions start from) (:func:`forecast.evaluation.question_skill.family_caveats` on
    ``questions.csv`` and ``questions_by_state.csv``), then, given the backfilled track
    record's table ``record`` (for the shipped question file only: :func:`shipped_record`),
    its record's when those answers ran too high or too low
    (:func:`forecast.track_record.record_bias`); when both say which way to read the answer
    and agree, the second says it points the same way."""
    out: dict[str, str] = {}
    path = folder / "questions.csv"
    if path.is_file():
        split = folder / "questions_by_state.csv"
        by_state = pd.read_csv(split) if split.is_file() else None
        out = family_caveats(answers, pd.read_csv(path), by_state, state)
    if record is not None:
        for row in record_bias(answers, record).to_dict("records"):
            before = out.get(row["question"])
            agrees = before is not None and before.endswith(read_as(row["way"]))
            text = record_caveat(row, agrees)
            out[row["question"]] = f"{before} {text}" if before else text
    return out


def shipped_record(questions_file: str | Path | None) -> pd.DataFrame | None:
    """The shipped backfilled track record's table (``record.csv``) when ``questions_file``
    is the question file it was made from (None: the default, which is that file); None for
    another question file (an id there may name another question) or without the record.
    The report scores the record on its own data instead
    (:func:`forecast.report.evidence.record_table`)."""
    if not asks_shipped_questions(questions_file):
        return None
    if not (TRACK_RECORD_DIR / TABLE_FILE).is_file():
        return None  # records.json without its table: nothing to read without data
    return read_record_table(TRACK_RECORD_DIR)


def asks_shipped_questions(questions_file: str | Path | None) -> bool:
    """Whether answers to ``questions_file`` (None: the default, the shipped file) can carry
    the backfilled track record's caveats: it is the file the record asked, and the record
    is there."""
    if questions_file is not None and Path(questions_file).resolve() != QUESTIONS_FILE.resolve():
        return False
    return (TRACK_RECORD_DIR / RECORDS_FILE).is_file()
