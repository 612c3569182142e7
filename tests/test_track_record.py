"""The backfilled track record: questions moved to past origins, answered, frozen compactly,
resolved, scored, read by the ledger. Plumbing runs use the stand-in sampler (prior draws)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, SEED

from forecast.backfill import backfill
from forecast.ledger import answers_ledger
from forecast.outlook import score_answers
from forecast.present import signed_percent
from forecast.track_record import (
    ALL_WITH_BASE,
    QUESTIONS_FILE,
    answers_record,
    origins,
    outcome_counts,
    read_track_record,
    score_track_record,
    shifted_spec,
    track_record_reliability,
    track_record_summary,
    track_record_tables,
    write_track_record,
)
from forecast.yamlio import load_yaml


def test_the_question_file_moves_to_an_origin():
    spec = load_yaml(QUESTIONS_FILE, "question file")
    moved, offset = shifted_spec(spec, pd.Period("2015-03", "M"))
    assert offset == (pd.Period("2015-03", "M") - pd.Period("2025-12", "M")).n
    by_id = {q["id"]: q for q in moved["questions"]}
    assert by_id["icbm-2026h1"]["window"] == {"start": "2015-04", "end": "2015-09"}
    conditional = by_id["launch-days-2026-if-talks-march"]
    assert conditional["given"] == {"2015-04": "no_talks", "2015-06": "active_talks"}
    assert conditional["given_through"] == "2015-06"
    assert conditional["question"]["window"] == {"start": "2015-04", "end": "2016-03"}
    assert "backfilled" in by_id["icbm-2026h1"]["title"]
    assert [str(o) for o in origins("2010-03", "2011-03", 6)] == ["2010-03", "2010-09", "2011-03"]


def test_outcome_counts_rebuild_the_frozen_draws():
    values = [1, 0, 0, 3, 1, 0]
    pairs = outcome_counts(values)
    assert pairs == [[0, 3], [1, 2], [3, 1]]
    record = {"answers": [], "outcome_counts": {"q": pairs}, "questions_text": ""}
    assert sorted(answers_record(record)["outcomes"]["q"]) == sorted(values)


@pytest.fixture(scope="module")
def track(panel):
    return backfill(panel, ["2016-12", "2025-09"], seed=SEED, preset="mock")


def test_a_backfilled_record_is_answered_frozen_and_scored(track, panel, tmp_path):
    assert track["backfilled"] and len(track["records"]) == 2
    first = track["records"][0]
    assert first["backfilled"] is True and first["origin"] == "2016-12"
    assert first["shift_months"] == -108
    # the probability frozen is the share of the draws kept
    exact = answers_record(first)
    probs = {a["question"]: a["probability"] for a in first["answers"]}
    assert np.mean(exact["outcomes"]["icbm-2026h1"]) == pytest.approx(probs["icbm-2026h1"])
    table = score_track_record(track, panel)
    assert table["backfilled"].all()
    early = table[table["origin"] == "2016-12"].set_index("question")
    # the window 2017-01..2017-06 is in the data: resolved and scored as the ledger scores
    assert early.loc["icbm-2026h1", "status"] == "resolved"
    assert early.loc["icbm-2026h1", "brier"] == pytest.approx(
        (probs["icbm-2026h1"] - float(early.loc["icbm-2026h1", "outcome"])) ** 2
    )
    assert 0 <= early.loc["icbm-2026h1", "base_rate"] <= 1
    late = table[table["origin"] == "2025-09"]
    assert (late["status"].isin(["waiting", "annulled"])).all()
    summary = track_record_summary(table).set_index("question")
    assert (
        summary.loc["all binary", "resolved"]
        == ((table["answer_type"] == "binary") & (table["status"] == "resolved")).sum()
    )
    assert track_record_reliability(table)["n"].sum() == summary.loc["all binary", "resolved"]
    # the skill row: the Brier score, its base rate's and the skill on the same answers
    based = table[(table["answer_type"] == "binary") & table["brier_base"].notna()]
    pooled = summary.loc[ALL_WITH_BASE]
    assert pooled["resolved"] == len(based) > 0
    assert pooled["brier"] == pytest.approx(based["brier"].mean())
    assert pooled["skill"] == pytest.approx(1 - based["brier"].mean() / based["brier_base"].mean())
    assert np.isnan(summary.loc["all binary", "skill"])  # conditional answers have no base rate
    # the files, small and read back; the ledger prints them as backfilled folders
    written = write_track_record(track, panel, tmp_path)
    assert {p.name for p in written} >= {"records.json", "record.csv", "summary.csv"}
    assert (tmp_path / "records.json").stat().st_size < 40_000
    shipped = track_record_tables(tmp_path)  # read back as written, no refit, no panel
    pd.testing.assert_frame_equal(
        shipped["summary"], track_record_summary(table), check_dtype=False, atol=1e-4
    )
    again = read_track_record(tmp_path)
    assert again["records"][0]["answers"] == first["answers"]
    ledger = answers_ledger(tmp_path, panel)
    assert set(ledger["folder"]) == {"2016-12 (backfilled)", "2025-09 (backfilled)"}
    exact_scores = score_answers(exact, panel).set_index("question")
    mine = ledger[ledger["folder"] == "2016-12 (backfilled)"].set_index("question")
    assert mine.loc["icbm-2026h1", "brier"] == pytest.approx(
        exact_scores.loc["icbm-2026h1", "brier"]
    )


def test_a_damaged_record_is_refused(tmp_path):
    from forecast.errors import RunFileError

    (tmp_path / "records.json").write_text(json.dumps({"records": [{"origin": "2010-03"}]}))
    with pytest.raises(RunFileError, match="lacks"):
        read_track_record(tmp_path)


def _damaged(record: dict, change) -> dict:
    track = json.loads(json.dumps(record))
    change(track)
    return track


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda t: t.update(records=[]), "holds no origin"),
        (lambda t: t["records"][0].update(origin="2010-13"), "origin '2010-13' is not a month"),
        (lambda t: t["records"][0].update(answers=[]), "record 1 (2010-03) holds no answer"),
        (lambda t: t["records"][0]["answers"][0].pop("window_start"), "an answer lacks"),
    ],
)
def test_the_ledger_refuses_a_damaged_track_record_naming_what_is_wrong(tmp_path, change, words):
    """Each damage is named with exit 2 before anything is scored (an internal error before)."""
    from hostile_support import cli, refused

    from forecast.track_record import RECORDS_FILE, TRACK_RECORD_DIR

    shipped = json.loads((TRACK_RECORD_DIR / RECORDS_FILE).read_text())
    shipped["records"] = shipped["records"][:2]
    (tmp_path / RECORDS_FILE).write_text(json.dumps(_damaged(shipped, change)))
    for extra in ([], ["--all"]):
        refused(cli("ledger", "--runs", tmp_path, "--answers", tmp_path, *extra), words)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--every", "0"], "--every"),
        # 760 origins, each a fit, most after the data: refused, not attempted
        (["--to", "2200-01"], "--to: 2200-01 is after the data's last month (2025-12)"),
        (["--from", "2025-12", "--to", "2010-03"], "--from 2025-12 is after --to 2010-03"),
    ],
)
def test_the_command_refuses_bad_origins_before_any_work(tmp_path, args, words):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    cli = [sys.executable, str(REPO / "tests" / "forecast_cli.py"), "track-record"]
    result = subprocess.run(
        [*cli, "--out", str(tmp_path / "tr"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert not (tmp_path / "tr").exists()
    assert yaml.safe_load(QUESTIONS_FILE.read_text())["as_of"]  # the file the record moves


def test_date_answers_frozen_before_keep_their_months_in_their_own_columns(panel, tmp_path):
    """Records frozen before 2026-12-05 kept a date answer's months in mean..q90: scored now,
    its months are in month_mean..month_q90 and mean..q90 hold numbers only, as for a new
    record. (The shipped record is frozen the new way; its first record is put back the old
    way here.)"""
    import json

    from forecast.ledger import answers_ledger
    from forecast.track_record import RECORDS_FILE, read_track_record

    track = read_track_record()
    first = json.loads(json.dumps(track["records"][0]))
    old = next(a for a in first["answers"] if a["answer_type"] == "date")
    assert old["month_q50"] and old["q50"] is None  # the shipped record: the new layout
    for key in ("mean", "q10", "q50", "q90"):
        old[key] = old.pop(f"month_{key}")
    assert old["q50"] and "month_q50" not in old  # frozen the old way
    record = {**track, "records": [first]}
    table = score_track_record(record, panel)
    row = table.set_index("question").loc[old["question"]]
    months = (row["month_mean"], row["month_q10"], row["month_q50"], row["month_q90"])
    assert months == (old["mean"], old["q10"], old["q50"], old["q90"])
    assert all(pd.api.types.is_float_dtype(table[c]) for c in ("mean", "q10", "q50", "q90"))
    (tmp_path / RECORDS_FILE).write_text(json.dumps(record), encoding="utf-8")
    ledger = answers_ledger(tmp_path, panel)
    listed = ledger[ledger["folder"] == f"{first['origin']} (backfilled)"]
    shown = listed.set_index("question").loc[old["question"]]
    assert shown["answer"] == old["q50"]  # the median month
    # the outcome as a month: none came in 2010-04..2011-03 (the scores keep its index, 12)
    assert row["outcome"] == "12" and shown["outcome"] == "after 2011-03"


def test_the_shipped_record_csv_is_its_records_scored_with_outcomes_in_words(panel):
    """docs/track_record/record.csv is records.json scored on the bundled data, and a date
    question's outcome is written as a month (or 'after END') beside the index the scores use."""
    from forecast.track_record import TRACK_RECORD_DIR, read_track_record, track_record_tables

    shipped = track_record_tables(TRACK_RECORD_DIR)["record"]
    scored = score_track_record(read_track_record(), panel)
    assert list(shipped.columns) == list(scored.columns)
    for column in ("status", "outcome", "outcome_label"):
        assert shipped[column].fillna("").tolist() == scored[column].fillna("").tolist()
    dates = shipped[(shipped["answer_type"] == "date") & (shipped["status"] == "resolved")]
    assert len(dates) > 0
    assert dates["outcome_label"].str.fullmatch(r"(after )?\d{4}-\d{2}").all()
    first = dates.iloc[0]
    assert first["outcome"] == "12" and first["outcome_label"] == f"after {first['window_end']}"
    binary = shipped[(shipped["answer_type"] == "binary") & (shipped["status"] == "resolved")]
    assert set(binary["outcome_label"]) <= {"0", "1"}


def test_the_ledger_sums_up_a_backfilled_record_by_question_and_lists_it_on_demand(tmp_path):
    """`forecast ledger --answers docs/track_record` prints one row per question (not its 512
    answers), the skill as in summary.csv; --all lists every answer with the months it is about
    (a backfilled question keeps its 2026 id but is moved to its origin)."""
    from hostile_support import cli, succeeded

    from forecast.track_record import TRACK_RECORD_DIR

    summary = pd.read_csv(TRACK_RECORD_DIR / "summary.csv").set_index("question")
    runs = tmp_path / "runs"
    runs.mkdir()
    short = succeeded(cli("ledger", "--runs", runs, "--answers", TRACK_RECORD_DIR)).stdout
    assert "Backfilled track record" in short and "64 origins, 2010-03..2025-12" in short
    rows = [line for line in short.splitlines() if line.startswith("│")]
    assert len(rows) == len(summary)
    icbm = next(line for line in rows if "icbm-2026h1" in line)
    assert signed_percent(summary.loc["icbm-2026h1", "skill"]) in icbm  # as the report writes it
    assert "Add --all to list every answer" in short and "2010-04..2010-09" not in short
    full = succeeded(cli("ledger", "--runs", runs, "--answers", TRACK_RECORD_DIR, "--all")).stdout
    listed = [line for line in full.splitlines() if "(backfilled)" in line]
    assert len(listed) == summary.loc["icbm-2026h1", "asked"] * 8  # 64 origins x 8 questions
    first = next(line for line in listed if "icbm-2026h1" in line)
    assert "2010-03 (backfilled)" in first and "2010-04..2010-09" in first


def test_all_needs_a_track_record_and_an_empty_answers_folder_says_so(tmp_path):
    from hostile_support import cli, refused, succeeded

    (tmp_path / "answers").mkdir()
    runs = tmp_path / "runs"
    runs.mkdir()
    refused(
        cli("ledger", "--runs", runs, "--answers", tmp_path / "answers", "--all"),
        "holds no backfilled track record",
        "--answers docs/track_record",
    )
    out = succeeded(cli("ledger", "--runs", runs, "--answers", tmp_path / "answers")).stdout
    assert f"no answers in {tmp_path / 'answers'}" in out.replace("\n", "")


def _record(origins_and_answers, question="q", months=12, kind="binary"):
    """A record.csv-like table of one yes/no question: (origin, probability, outcome)."""
    rows = []
    for origin, probability, outcome in origins_and_answers:
        start = pd.Period(origin, "M") + 1
        rows.append(
            {
                "origin": origin,
                "question": question,
                "type": kind,
                "answer_type": "binary",
                "window_start": str(start),
                "window_end": str(start + months - 1),
                "probability": probability,
                "status": "resolved" if outcome is not None else "waiting",
                "outcome": None if outcome is None else str(outcome),
            }
        )
    return pd.DataFrame(rows)


def _asked(question="q", end="2026-12", kind="binary"):
    return pd.DataFrame(
        [{"question": question, "type": kind, "answer_type": "binary",
          "window_start": "2026-01", "window_end": end}]
    )  # fmt: skip


def test_a_question_whose_record_ran_low_carries_a_caveat_with_its_numbers():
    from forecast.track_record import record_bias, record_caveat

    quarters = [str(pd.Period("2010-03", "M") + 3 * i) for i in range(24)]
    # 20 resolved answers of 0.3 of which 10 came true (mean 30%, came 50%), 4 waiting
    resolved = [(o, 0.3, int(i < 10)) for i, o in enumerate(quarters[:20])]
    record = _record(resolved + [(o, 0.9, None) for o in quarters[20:]])
    bias = record_bias(_asked(), record)
    assert len(bias) == 1
    row = bias.iloc[0]
    assert row["mean"] == pytest.approx(0.3) and row["came"] == pytest.approx(0.5)
    assert (row["n"], row["first"], row["last"], row["months"]) == (20, "2010-03", "2014-12", 12)
    assert row["overlap"] and row["way"] == "too low"
    assert record_caveat(row) == (
        "Its backfilled track record answered 30% on average where 50% came true (20 resolved "
        "answers from origins 2010-03 to 2014-12; their 12-month windows overlap, so they "
        "amount to fewer independent cases): read this answer as likely too low."
    )
    assert record_caveat(row, agrees=True).startswith(
        "Its backfilled track record points the same way: it answered 30% on average where "
    )
    # one answer fewer is too few; a 6-month question or a conditional one of the same id is
    # another question; a mean within 10 points says nothing, exactly 10 points does
    assert record_bias(_asked(), record.drop(index=0)).empty
    assert record_bias(_asked(end="2026-06"), record).empty
    assert record_bias(_asked(kind="conditional"), record).empty
    close = _record([(o, 0.41, int(i < 10)) for i, o in enumerate(quarters[:20])])
    assert record_bias(_asked(), close).empty
    edge = _record([(o, 0.4, int(i < 10)) for i, o in enumerate(quarters[:20])])
    assert record_bias(_asked(), edge)["way"].tolist() == ["too low"]
    # answers every 12 months do not overlap, and ran high
    yearly = [str(pd.Period("2000-12", "M") + 12 * i) for i in range(20)]
    high = record_bias(_asked(), _record([(o, 0.7, int(i < 5)) for i, o in enumerate(yearly)]))
    text = record_caveat(high.iloc[0])
    assert "answered 70% on average where 25% came true (20 resolved answers from origins " in text
    assert "overlap" not in text and text.endswith("likely too high.")


def test_the_report_and_the_command_add_the_records_caveat_to_the_familys(tmp_path):
    """The talks question gets its family's caveat (negative skill in the question backtest)
    and then its record's, which points the same way; a question the record ran right on
    gets neither; another question file gets no record caveat."""
    from forecast.evaluation.question_caveats import asks_shipped_questions, question_caveats

    pd.DataFrame(
        {
            "family": ["talks-6m", "overall"],
            "title": ["Talks resume within 6 months", "Mean"],
            "n": [300, 300],
            "baseline": ["longrun", None],
            "skill": [-0.037, 0.076],
            "skill_lo": [-0.255, -0.005],
            "skill_hi": [0.118, 0.121],
        }
    ).to_csv(tmp_path / "questions.csv", index=False)
    by_state = pd.DataFrame(
        {"family": ["talks-6m"], "state": ["no_talks"], "n": [148], "frequency": [0.12],
         "mean_answer": [0.24], "skill": [-0.08]}
    )  # fmt: skip
    by_state.to_csv(tmp_path / "questions_by_state.csv", index=False)
    quarters = [str(pd.Period("2010-03", "M") + 3 * i) for i in range(20)]
    record = pd.concat(
        [
            _record([(o, 0.3, int(i < 2)) for i, o in enumerate(quarters)], "talks", 6),
            _record([(o, 0.3, int(i < 6)) for i, o in enumerate(quarters)], "icbm", 6),
        ]
    )
    answers = pd.DataFrame(
        {
            "question": ["talks", "icbm"],
            "type": ["binary", "binary"],
            "unit": ["P(>= 1 change to active_talks/summitry)", "P(>= 1 ICBM launch day)"],
            "answer_type": ["binary", "binary"],
            "window_start": ["2026-01", "2026-01"],
            "window_end": ["2026-06", "2026-06"],
        }
    )
    family = question_caveats(answers, "no_talks", folder=tmp_path)
    both = question_caveats(answers, "no_talks", folder=tmp_path, record=record)
    assert list(family) == list(both) == ["talks"]
    assert family["talks"].startswith("Its family has negative skill in the question backtest")
    assert family["talks"].endswith("read this answer as likely too high.")
    assert both["talks"] == family["talks"] + (
        " Its backfilled track record points the same way: it answered 30% on average where "
        "10% came true (20 resolved answers from origins 2010-03 to 2014-12; their 6-month "
        "windows overlap, so they amount to fewer independent cases)."
    )
    # asked after months the data lack, the question does not start from the data's last
    # state: the family's caveat without the state's sentence
    later = answers.assign(data_as_of=["2025-12-31", "2024-12-31"])
    not_known = question_caveats(later, "no_talks", folder=tmp_path)
    assert not_known["talks"] == family["talks"]  # 2026-01 is right after 2025-12
    later = answers.assign(data_as_of="2024-12-31")
    not_known = question_caveats(later, "no_talks", folder=tmp_path)
    assert not_known["talks"].startswith("Its family has negative skill")
    assert "Asked in no talks" not in not_known["talks"] and "Asked in no talks" in family["talks"]
    # without the state's caveat the record says which way to read the answer itself
    alone = question_caveats(answers, "active_talks", folder=tmp_path, record=record)
    assert alone["talks"].endswith("read this answer as likely too high.")
    assert "points the same way" not in alone["talks"]
    assert asks_shipped_questions(None) and asks_shipped_questions(REPO / "questions/2026.yaml")
    assert not asks_shipped_questions(tmp_path / "2026.yaml")
