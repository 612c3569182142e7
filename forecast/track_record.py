"""A backfilled track record: the shipped questions asked at past origins and scored.

The ledger scores frozen answers once their months are imported; a record takes years to
grow. The backfilled record shows now how the workbench's questions would have fared: the
question file the project ships (``questions/2026.yaml``) is asked at past *origins* (every
quarter 2010-2025 by default), each question's window (and given path) moved by the months
between the file's ``as_of`` and the origin, and answered as the workbench would have
answered it then: the default count model fitted on the data up to the origin (the
``backtest`` sampler preset: 4 chains x 500 draws), the outlook models fitted on the same
months (:func:`forecast.runs.outlook_at`), the answers simulated and frozen
(:func:`forecast.outlook.answer_questions`), then resolved and scored on the data now
available (:func:`forecast.outlook.score_answers`), as the ledger scores a live answer.

Every record carries ``"backfilled": true``: it was made after the fact, with the model of
today, on data that may have been revised since. Nothing after an origin reaches its answers
(models, outlook models and priors see the months up to it; the seeds come from the origin).

The answering (fits) is in :mod:`forecast.backfill`; this module reads, resolves, scores and
writes the record, and loads no modelling library (``forecast ledger`` reads it through
:func:`forecast.ledger.answers_ledger`).

Files (:func:`write_track_record`, ``forecast track-record --out DIR``; ``make track-record``
copies them into ``docs/track_record``):

``records.json``
    The frozen records in the ledger's ``answers.json`` format, one per origin, with the
    simulated outcomes stored compactly as ``outcome_counts`` (each outcome code with its
    number of draws) instead of the list of draws; :func:`answers_record` rebuilds the exact
    ``answers.json`` record. Small enough to commit.
``record.csv``
    One row per origin and question: the answer, how it resolved, its scores, the long-run
    base rate at the origin and its Brier score (binary questions), ``backfilled``.
``summary.csv``, ``reliability.csv``
    :func:`track_record_summary` and :func:`track_record_reliability`.
``settings.json``
    Origins, seeds, sampler settings, the question file's hash, the data's last month.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.constants import PROJECT_DIR
from forecast.errors import RunFileError
from forecast.files import json_text, read_json, write_csv
from forecast.outlook import embedded_questions, score_answers
from forecast.present import read_as
from forecast.questions import (
    MONTH_COLUMNS,
    date_months,
    reliability_table,
    resolve,
    rows_by_month,
    shift_question,
    window_lengths,
)

__all__ = [
    "ALL_WITH_BASE",
    "QUESTIONS_FILE",
    "RECORDS_FILE",
    "TRACK_RECORD_DIR",
    "answers_record",
    "origins",
    "shifted_spec",
    "read_record_table",
    "read_track_record",
    "record_bias",
    "record_caveat",
    "score_track_record",
    "track_record_reliability",
    "track_record_summary",
    "track_record_tables",
    "write_track_record",
]

#: The question file asked at every origin.
QUESTIONS_FILE = PROJECT_DIR / "questions" / "2026.yaml"

#: Where the shipped record lives (``make track-record``).
TRACK_RECORD_DIR = PROJECT_DIR / "docs" / "track_record"

#: The default origins: every quarter from 2010 to 2025.
ORIGINS = ("2010-03", "2025-12", 3)

#: Files of a track-record folder.
RECORDS_FILE = "records.json"
TABLE_FILE = "record.csv"


def origins(first: str = ORIGINS[0], last: str = ORIGINS[1], every: int = ORIGINS[2]):
    """Origins from ``first`` to ``last`` (months, inclusive), every ``every`` months."""
    return list(pd.period_range(pd.Period(first, "M"), pd.Period(last, "M"), freq="M")[::every])


def shifted_spec(spec: dict, origin: pd.Period) -> tuple[dict, int]:
    """The question file ``spec`` asked at ``origin``: every window and given path moved by
    the months from the file's ``as_of`` to ``origin``; titles and resolutions say so.

    Returns
    -------
    spec : dict
        A question-file mapping (:func:`forecast.questions.parse_questions` reads it).
    offset : int
        The months moved.
    """
    as_of = pd.Period(str(spec["as_of"]), "M")
    offset = (origin - as_of).n
    out = {"as_of": str(origin), "questions": []}

    def move(month) -> str:
        return str(pd.Period(str(month), "M") + offset)

    for raw in spec["questions"]:
        q = copy.deepcopy(raw)
        inner = q.get("question", q)
        if "window" in inner:
            inner["window"] = {k: move(v) for k, v in inner["window"].items()}
        if "given" in q:
            q["given"] = {move(k): v for k, v in q["given"].items()}
        if "given_through" in q:
            q["given_through"] = move(q["given_through"])
        q["title"] = f"As '{raw['id']}', asked at the end of {origin} (backfilled)"
        q["resolution"] = f"As '{raw['id']}' of questions/2026.yaml, moved by {offset} months."
        out["questions"].append(q)
    return out, offset


def outcome_counts(values) -> list[list[int]]:
    """Outcome codes as ``[[code, draws], ...]`` (sorted by code)."""
    codes, counts = np.unique(np.asarray(values, dtype=int), return_counts=True)
    return [[int(c), int(n)] for c, n in zip(codes, counts, strict=True)]


def answers_record(record: dict) -> dict:
    """A backfilled record in the exact ``answers.json`` format (``outcomes`` as lists of
    draws, rebuilt from ``outcome_counts``), for :func:`forecast.outlook.score_answers`."""
    out = {k: v for k, v in record.items() if k != "outcome_counts"}
    out["outcomes"] = {
        qid: [code for code, n in pairs for _ in range(n)]
        for qid, pairs in record["outcome_counts"].items()
    }
    return out


# --- resolution and scores ----------------------------------------------------------------------


def _base_rates(record: dict, panel: pd.DataFrame, cache: dict, questions, where) -> dict:
    """The long-run base rate at the record's origin of each binary, unconditional question
    (of ``questions``, the record's): the share of the windows of its length since 1990, ended
    by the origin, that resolved YES (``where``: :func:`rows_by_month` of ``panel``)."""
    origin = pd.Period(record["origin"], "M")
    months = pd.to_datetime(panel["month"])
    first = pd.Period(months.min(), "M") + 1
    last = pd.Period(months.max(), "M")
    out = {}
    for q in questions:
        if q.type != "binary":
            continue
        width = len(q.months)
        if q.id not in cache:
            history = {}
            for start in pd.period_range(first, last - width + 1, freq="M"):
                outcome = resolve(shift_question(q, start), panel, where)
                if outcome is not None:
                    history[start + width - 1] = float(outcome)
            cache[q.id] = pd.Series(history)
        past = cache[q.id][cache[q.id].index <= origin]
        out[q.id] = float(past.mean()) if len(past) else np.nan
    return out


def _numbers_and_months(answer: dict) -> dict:
    """An answer with its numbers in ``mean``..``q90`` and a date answer's months in their
    own columns (records frozen before 2026-12-05 kept the months in ``mean``..``q90``)."""
    months = date_months(answer)
    numbers = dict.fromkeys(("mean", "q10", "q50", "q90"), np.nan) if months else {}
    return {**answer, **dict.fromkeys(MONTH_COLUMNS, ""), **months, **numbers}


def score_track_record(track: dict, panel: pd.DataFrame) -> pd.DataFrame:
    """Resolve and score every backfilled answer on the data in ``panel``.

    Returns
    -------
    DataFrame
        One row per origin and question: ``origin, question, type, answer_type,
        window_start, window_end, probability, mean, q10, q50, q90, month_mean, month_q10,
        month_q50, month_q90, p_given, status``
        (``resolved``, ``waiting``, ``annulled``), ``outcome`` (the code the scores use: 0 or 1,
        a count, a date question's month index), ``outcome_label`` (the outcome in words: a
        date question's month or ``after END``), ``brier, log_score, crps, base_rate,
        brier_base`` (binary unconditional questions), ``backfilled``.
    """
    frames, cache, where = [], {}, rows_by_month(panel)
    for record in track["records"]:
        questions = embedded_questions(record["questions_text"], "records.json")
        scores = score_answers(answers_record(record), panel, questions, where)
        answers = pd.DataFrame([_numbers_and_months(a) for a in record["answers"]])
        keep = ["question", "answer_type", "window_start", "window_end", "probability"]
        keep += ["mean", "q10", "q50", "q90", *MONTH_COLUMNS, "p_given"]
        table = scores.merge(answers[keep], on="question", how="left")
        base = _base_rates(record, panel, cache, questions, where)
        table["base_rate"] = table["question"].map(base)
        outcome = pd.to_numeric(table["outcome"], errors="coerce")
        resolved = (table["status"] == "resolved") & table["base_rate"].notna()
        table["brier_base"] = np.where(resolved, (table["base_rate"] - outcome) ** 2, np.nan)
        table.insert(0, "origin", record["origin"])
        table["backfilled"] = bool(record.get("backfilled", False))
        frames.append(table)
    columns = ["origin", "question", "type", "answer_type", "window_start", "window_end"]
    columns += ["probability", "mean", "q10", "q50", "q90", *MONTH_COLUMNS, "p_given"]
    columns += ["status", "outcome", "outcome_label"]
    columns += ["brier", "log_score", "crps", "base_rate", "brier_base", "backfilled"]
    return pd.concat(frames, ignore_index=True)[columns]


#: The summary row pooling the binary answers that have a base rate.
ALL_WITH_BASE = "binary with a base rate"


def track_record_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per question: how many answers resolved, their mean scores, and the Brier skill against
    the long-run base rate at each origin (binary questions).

    Returns
    -------
    DataFrame
        ``question, type, asked, resolved, waiting, annulled, frequency`` (share YES, binary),
        ``mean_probability, brier, brier_base, skill, log_score, crps``, and two last rows:
        ``all binary`` pooling every binary answer (no base rate: conditional questions have
        none), and :data:`ALL_WITH_BASE` pooling those with a base rate, every column
        (the Brier score, its base rate's and the skill) on the same answers.
    """
    rows = []
    for qid, part in table.groupby("question", sort=False):
        done = part[part["status"] == "resolved"]
        binary = part["answer_type"].iloc[0] == "binary"
        outcome = pd.to_numeric(done["outcome"], errors="coerce")
        row = {
            "question": qid,
            "type": part["type"].iloc[0],
            "asked": len(part),
            "resolved": len(done),
            "waiting": int((part["status"] == "waiting").sum()),
            "annulled": int((part["status"] == "annulled").sum()),
            "frequency": float(outcome.mean()) if binary and len(done) else np.nan,
            "mean_probability": float(done["probability"].mean()) if binary else np.nan,
            "brier": float(done["brier"].mean()) if binary else np.nan,
            "brier_base": float(done["brier_base"].mean()) if binary else np.nan,
            "log_score": float(done["log_score"].mean()) if binary else np.nan,
            "crps": float(done["crps"].mean()) if not binary else np.nan,
        }
        row["skill"] = 1 - row["brier"] / row["brier_base"] if row["brier_base"] else np.nan
        rows.append(row)
    binary = table[(table["answer_type"] == "binary") & (table["status"] == "resolved")]
    asked = table[table["answer_type"] == "binary"]
    based = asked.loc[asked["brier_base"].notna(), "question"].unique()  # not conditional
    for label, part, pool in (
        ("all binary", binary, asked),
        (
            ALL_WITH_BASE,
            binary[binary["question"].isin(based)],
            asked[asked["question"].isin(based)],
        ),
    ):
        row = {
            "question": label,
            "type": "binary",
            "asked": len(pool),
            "resolved": len(part),
            "frequency": float(pd.to_numeric(part["outcome"]).mean()),
            "mean_probability": float(part["probability"].mean()),
            "brier": float(part["brier"].mean()),
            "brier_base": np.nan,
            "skill": np.nan,
            "log_score": float(part["log_score"].mean()),
        }
        if label == ALL_WITH_BASE:  # every column on the same answers
            row["brier_base"] = float(part["brier_base"].mean())
            row["skill"] = float(1 - row["brier"] / row["brier_base"])
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("waiting", "annulled"):
        table[column] = table[column].astype("Int64")
    return table


#: A question's backfilled answers "ran" high or low when their mean missed the share of YES
#: by at least this much (absolute), over at least :data:`CAVEAT_RESOLVED` resolved answers.
CAVEAT_GAP = 0.10

#: Resolved answers a question needs before its record's bias is worth a caveat.
CAVEAT_RESOLVED = 20

#: Columns of :func:`record_bias`.
BIAS_COLUMNS = ["question", "mean", "came", "n", "first", "last", "months", "overlap", "way"]


def record_bias(answers: pd.DataFrame, record: pd.DataFrame) -> pd.DataFrame:
    """The answered yes/no questions whose backfilled answers ran too high or too low: their
    mean missed the share that came true by :data:`CAVEAT_GAP` or more (rounded to 9 decimals,
    so that exactly 10 points counts) over :data:`CAVEAT_RESOLVED` or more resolved answers.

    A question of ``answers`` matches the record's question of the same id only when it is
    of the same type (``binary``, ``conditional``) and asks over as many months (a question
    file of one's own may reuse an id; the callers apply it to the shipped file only).

    Parameters
    ----------
    answers : DataFrame
        Answers (:data:`forecast.questions.ANSWER_COLUMNS`: ``question``, ``type``,
        ``answer_type``, ``window_start``, ``window_end``).
    record : DataFrame
        :func:`score_track_record`'s table (``record.csv``).

    Returns
    -------
    DataFrame
        :data:`BIAS_COLUMNS`: the mean answer, the share that ``came`` true, ``n`` resolved
        answers from origins ``first`` to ``last``, the window's ``months``, whether the
        windows ``overlap`` (origins closer than a window) and ``way`` (``too high`` or
        ``too low``).
    """
    binary = record[record["answer_type"] == "binary"]
    done = binary[binary["status"] == "resolved"]
    shape = pd.DataFrame({"type": binary["type"], "months": window_lengths(binary)})
    shape = shape.groupby(binary["question"]).first()
    asked = answers[answers["answer_type"] == "binary"]
    asked = pd.DataFrame({"type": asked["type"], "months": window_lengths(asked)}).groupby(
        asked["question"]
    )
    rows = []
    for qid, mine in asked.first().iterrows():
        part = done[done["question"] == qid]
        if len(part) < CAVEAT_RESOLVED or qid not in shape.index:
            continue
        if tuple(shape.loc[qid]) != (mine["type"], mine["months"]):
            continue
        mean = float(part["probability"].mean())
        came = float(pd.to_numeric(part["outcome"]).mean())
        if round(abs(mean - came), 9) < CAVEAT_GAP:
            continue
        origins = sorted({pd.Period(str(o), "M") for o in part["origin"]})
        step = min(((b - a).n for a, b in zip(origins, origins[1:], strict=False)), default=0)
        rows.append(
            {
                "question": qid,
                "mean": mean,
                "came": came,
                "n": len(part),
                "first": str(origins[0]),
                "last": str(origins[-1]),
                "months": int(mine["months"]),
                "overlap": 0 < step < mine["months"],
                "way": "too high" if mean > came else "too low",
            }
        )
    return pd.DataFrame(rows, columns=BIAS_COLUMNS)


def record_caveat(row, agrees: bool = False) -> str:
    """One row of :func:`record_bias` in words; ``agrees``: another caveat beside it already
    says the answer is likely too high (or low), so this one says it points the same way."""
    overlap = (
        f"; their {row['months']}-month windows overlap, so they amount to fewer independent cases"
        if row["overlap"]
        else ""
    )
    numbers = (
        f"{row['mean']:.0%} on average where {row['came']:.0%} came true ({row['n']} resolved "
        f"answers from origins {row['first']} to {row['last']}{overlap})"
    )
    if agrees:
        return f"Its backfilled track record points the same way: it answered {numbers}."
    return f"Its backfilled track record answered {numbers}: {read_as(row['way'])}"


def track_record_reliability(table: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Calibration of the resolved binary answers: probabilities binned against the observed
    frequencies (:func:`forecast.questions.reliability_table`), all questions pooled."""
    done = table[(table["answer_type"] == "binary") & (table["status"] == "resolved")]
    outcome = pd.to_numeric(done["outcome"]).to_numpy(dtype=float)
    return reliability_table(done["probability"].to_numpy(dtype=float), outcome, bins)


# --- files ---------------------------------------------------------------------------------------


def write_track_record(track: dict, panel: pd.DataFrame, out: str | Path) -> list[Path]:
    """Write ``records.json``, ``record.csv``, ``summary.csv``, ``reliability.csv`` and
    ``settings.json`` into ``out`` (an existing folder).

    Returns
    -------
    list of Path
    """
    out = Path(out)
    table = score_track_record(track, panel)
    files = {
        RECORDS_FILE: json.dumps(track, separators=(",", ":")) + "\n",
        "settings.json": json_text(track["settings"]),
    }
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    write_csv(table.round(6), out / TABLE_FILE, index=False)
    write_csv(track_record_summary(table).round(6), out / "summary.csv", index=False)
    write_csv(track_record_reliability(table).round(6), out / "reliability.csv", index=False)
    return [out / n for n in (RECORDS_FILE, "settings.json", TABLE_FILE)] + [
        out / "summary.csv",
        out / "reliability.csv",
    ]


def track_record_tables(
    folder: str | Path = TRACK_RECORD_DIR, panel: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """The track record's tables for a page: ``record`` (:func:`score_track_record`),
    ``summary`` and ``reliability``. With ``panel`` the answers are resolved and scored on
    those data (answers resolved since the record was written join it); without, the shipped
    ``record.csv`` is read as it is."""
    if panel is not None:
        table = score_track_record(read_track_record(folder), panel)
    else:
        table = read_record_table(folder)
    return {
        "record": table,
        "summary": track_record_summary(table),
        "reliability": track_record_reliability(table),
    }


def read_record_table(folder: str | Path = TRACK_RECORD_DIR) -> pd.DataFrame:
    """The record's table as written (``record.csv``: :func:`score_track_record` on the data
    it was made with), outcomes as text."""
    return pd.read_csv(Path(folder) / TABLE_FILE, dtype={"outcome": str, "outcome_label": str})


def read_track_record(folder: str | Path = TRACK_RECORD_DIR) -> dict:
    """The backfilled record of ``folder`` (``records.json``), refusing a damaged one."""
    path = Path(folder) / RECORDS_FILE
    fix = "regenerate it with 'make track-record' (or 'forecast track-record --out DIR')"
    track = read_json(path, fix)
    if not isinstance(track, dict) or not isinstance(track.get("records"), list):
        raise RunFileError(path, "not a backfilled track record (no 'records' list)", fix)
    if not track["records"]:
        raise RunFileError(path, "the record holds no origin ('records' is empty)", fix)
    needed = {"origin", "answers", "outcome_counts", "questions_text"}
    answer_keys = {"question", "answer_type", "window_start", "window_end"}
    for i, record in enumerate(track["records"], start=1):
        if not isinstance(record, dict) or not needed <= set(record):
            raise RunFileError(path, f"record {i} lacks some of {sorted(needed)}", fix)
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(record["origin"])):
            raise RunFileError(
                path, f"record {i}: origin {record['origin']!r} is not a month YYYY-MM", fix
            )
        answers = record["answers"]
        if not isinstance(answers, list) or not answers:
            raise RunFileError(path, f"record {i} ({record['origin']}) holds no answer", fix)
        for answer in answers:
            if not isinstance(answer, dict) or not answer_keys <= set(answer):
                raise RunFileError(
                    path,
                    f"record {i} ({record['origin']}): an answer lacks some of "
                    f"{sorted(answer_keys)}",
                    fix,
                )
    return track
