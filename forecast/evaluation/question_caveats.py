"""Caveats beside answered questions: what the question backtest and the backfilled track
record say about answers like them.

Computed from tables only (``docs/evaluation/questions*.csv``, ``docs/track_record``), so that
``forecast questions`` prints the caveats the report prints without loading the report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.constants import EVALUATION_DIR
from forecast.evaluation.question_families import BY_ID, family_question
from forecast.evaluation.question_skill import family_caveats
from forecast.evaluation.strict_questions import backtested_half_life
from forecast.models.events import nuclear_rule_words
from forecast.present import read_as
from forecast.questions import window_lengths
from forecast.track_record import (
    QUESTIONS_FILE,
    RECORDS_FILE,
    TABLE_FILE,
    TRACK_RECORD_DIR,
    read_record_table,
    record_bias,
    record_caveat,
)

__all__ = ["asks_shipped_questions", "nuclear_calibration", "question_caveats", "shipped_record"]


def question_caveats(
    answers: pd.DataFrame,
    state: str | None = None,
    folder: Path = EVALUATION_DIR,
    record: pd.DataFrame | None = None,
    nuclear_rule: dict | None = None,
) -> dict[str, str]:
    """Per answered question id, the caveats that apply to it: its question-backtest family's
    when that family has negative skill, overall or asked from ``state`` (the state the
    questions start from, for a question whose window starts right after the data)
    (:func:`forecast.evaluation.question_skill.family_caveats` on ``questions.csv`` and
    ``questions_by_state.csv``), then, given the backfilled track
    record's table ``record`` (for the shipped question file only: :func:`shipped_record`),
    its record's when those answers ran too high or too low
    (:func:`forecast.track_record.record_bias`); when both say which way to read the answer
    and agree, the second says it points the same way. Given the run's ``nuclear_rule`` (the
    priors of its outlook's nuclear rate, when that rate drew the nuclear tests), an answer on
    a nuclear test in 12 months after the data also gets how that rule's answers near it fared
    (:func:`nuclear_calibration`, which says nothing for a rule with states: only a rule
    without them gives any 12 months after the data the answer the backtest scored, that of
    the 12 months right after them)."""
    out: dict[str, str] = {}
    path = folder / "questions.csv"
    if path.is_file():
        split = folder / "questions_by_state.csv"
        by_state = pd.read_csv(split) if split.is_file() else None
        # ``state`` is where a question starts only when its window starts right after the
        # data; after months the data lack, the state it starts in is not known
        right_after = pd.Series(True, index=answers.index)
        if "data_as_of" in answers:
            right_after[:] = _window_starts(answers) == _after_data(answers)
        table = pd.read_csv(path)
        found = family_caveats(answers[right_after], table, by_state, state)
        found |= family_caveats(answers[~right_after], table, by_state, None)
        out = {q: found[q] for q in answers["question"] if q in found}
    if record is not None:
        for row in record_bias(answers, record).to_dict("records"):
            before = out.get(row["question"])
            agrees = before is not None and before.endswith(read_as(row["way"]))
            text = record_caveat(row, agrees)
            out[row["question"]] = f"{before} {text}" if before else text
    if nuclear_rule is not None:
        for question, p in _nuclear_12m(answers).items():
            text = nuclear_calibration(p, nuclear_rule, folder).strip()
            if text:
                out[question] = f"{out[question]} {text}" if question in out else text
    return out


def _after_data(answers: pd.DataFrame) -> pd.PeriodIndex:
    """The month after each answer's data (its ``data_as_of``)."""
    return pd.PeriodIndex(pd.to_datetime(answers["data_as_of"]).dt.to_period("M") + 1)


def _window_starts(answers: pd.DataFrame) -> pd.PeriodIndex:
    """Each answer's first window month."""
    return pd.PeriodIndex(answers["window_start"].astype(str), freq="M")


def _nuclear_12m(answers: pd.DataFrame) -> pd.Series:
    """The probabilities of the answers that ask what the ``nuclear-12m`` family asks (a
    nuclear test within 12 months, here any 12 months after the data), by question id."""
    family = BY_ID["nuclear-12m"]
    asked = family_question(family, pd.Period("2000-01", "M"))
    same = (
        (answers["type"] == asked.type)
        & (answers["unit"] == asked.unit)
        & (window_lengths(answers) == family["months"])
        & (_window_starts(answers) >= _after_data(answers))
    )
    return answers.loc[same].set_index("question")["probability"]


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


def nuclear_calibration(p: float, rule: dict, folder: Path = EVALUATION_DIR) -> str:
    """How the run's rule's answers near ``p`` fared in the question backtest (the reliability
    bin of ``nuclear-12m`` that holds ``p`` as the page rounds it,
    ``question_reliability.csv``), as a sentence; ``""`` without the table or the bin, or when
    the backtest scored another rule than ``rule`` (the run's nuclear-rate priors: another
    half-life, or a rate by state, which no single half-life stands for)."""
    path = Path(folder) / "question_reliability.csv"
    half_life = float(rule["half_life"])
    if not path.is_file() or p != p or rule.get("by_state"):
        return ""
    if backtested_half_life(folder) != half_life:
        return ""
    # the bin of the percentage the page shows, rounded as it rounds (0.0996 and 0.295 read
    # 10% and 30%, where round(p, 2) gives 0.29)
    p = float(f"{p:.0%}".rstrip("%")) / 100
    table = pd.read_csv(path)
    rows = table[
        (table["family"] == "nuclear-12m") & (table["bin_lo"] <= p) & (p < table["bin_hi"])
    ]
    if rows.empty:
        return ""
    r = rows.iloc[0]
    rule = nuclear_rule_words(rule)
    return (
        f" In the question backtest, when the run's rule ({rule}) answered {r['bin_lo']:.0%} to "
        f"{r['bin_hi']:.0%} for the next 12 months ({int(r['n'])} monthly cutoffs, "
        f"{r['mean_probability']:.1%} on average), a test came within those 12 months "
        f"{r['observed_frequency']:.0%} of the time (90% interval {r['lo90']:.0%} to "
        f"{r['hi90']:.0%}, too narrow: it treats the overlapping 12-month windows as "
        "independent)" + _way(r)
    )


def _way(r) -> str:
    """``: read this answer as likely too low.`` when the bin's answers came true more often
    than the bin allows and its interval excludes their mean (too high, the other way round);
    ``.`` otherwise."""
    if r["observed_frequency"] >= r["bin_hi"] and r["lo90"] > r["mean_probability"]:
        return ": " + read_as("too low")
    if r["observed_frequency"] < r["bin_lo"] and r["hi90"] < r["mean_probability"]:
        return ": " + read_as("too high")
    return "."
