"""The data's age: computed once (forecast.freshness), shown by the CLI and the report."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import FRESH_TODAY, REPO, SEED, STALE_TODAY
from hostile_support import run_cli

from forecast.freshness import (
    STALE_AFTER_MONTHS,
    data_freshness,
    forecast_timing,
    freshness_html,
    freshness_lines,
    past_score_summary,
    past_score_words,
    score_past_months,
    window_note,
    window_timing,
)

CURRENT = REPO / "scenarios" / "current.yaml"


def test_stale_data_name_the_missing_months_and_the_commands(tables):
    record = data_freshness(tables, today=STALE_TODAY)
    assert record.as_of == dt.date(2025, 12, 31)
    assert record.stale and record.age_months == 10 and record.age_days == 329
    assert record.missing_months == [f"2026-{m:02d}" for m in range(1, 11)]
    assert record.missing_span == "2026-01..2026-10"
    joined = "\n".join(record.commands)
    assert "forecast data import" in joined and "--format events" in joined
    assert "forecast data set-state 2026-01-01 STATE --end 2026-10-31" in joined
    assert "forecast data add-exercise" in joined
    assert "forecast data confirm-exercises 2026-10-31 --source URL" in joined
    assert "forecast data confirm-leaders 2026-10-31 --source URL" in joined
    # the banner counts the months in words: "10 complete months", not "month(s)"
    assert "they lack 10 complete months, <b>2026-01..2026-10</b>" in freshness_html(record)
    # launch days imported after the as-of date wait for their state, counted in words
    for late, said in (
        (
            1,
            "1 imported launch day after 2025-12-31 waits for its negotiation state (set-state "
            "below) before any fit uses it",
        ),
        (3, "3 imported launch days after 2025-12-31 wait for their negotiation state"),
    ):
        record.late_launch_days = late
        assert said in freshness_lines(record)[1][1]


def test_the_age_counts_whole_months_as_an_age_is_counted():
    from forecast.freshness import whole_months

    end_2025 = dt.date(2025, 12, 31)
    assert whole_months(end_2025, dt.date(2026, 12, 5)) == 11  # not 12: 11 months and 5 days
    assert whole_months(end_2025, dt.date(2026, 11, 29)) == 10
    assert whole_months(end_2025, dt.date(2026, 11, 30)) == 11  # a month-end to a month-end
    assert whole_months(end_2025, dt.date(2026, 12, 31)) == 12
    assert whole_months(dt.date(2025, 1, 15), dt.date(2025, 2, 14)) == 0
    assert whole_months(dt.date(2025, 1, 15), dt.date(2025, 2, 15)) == 1
    assert whole_months(end_2025, dt.date(2025, 6, 1)) == 0  # an end before the start


def test_fresh_data_carry_no_warning(tables):
    record = data_freshness(tables, today=FRESH_TODAY)
    assert not record.stale and record.missing_months == [] and record.commands == []
    assert record.age_words == "20 days old"
    assert [style for style, _ in freshness_lines(record)] == [""]
    assert 'id="stale"' not in freshness_html(record)


@pytest.mark.parametrize(
    "today, stale",
    [
        (dt.date(2025, 12, 31), False),  # the as-of day itself
        (dt.date(2026, 2, 27), False),  # one complete month missing
        (dt.date(2026, 3, 1), True),  # STALE_AFTER_MONTHS complete months missing
        (dt.date(2024, 6, 1), False),  # a "today" before the data's end: not stale
    ],
)
def test_the_threshold_counts_complete_missing_months(tables, today, stale):
    record = data_freshness(tables, today=today)
    assert record.stale is stale
    assert (len(record.missing_months) >= STALE_AFTER_MONTHS) is stale


def test_commands_name_the_overlay_folder(tables, tmp_path):
    record = data_freshness(tables, today=STALE_TODAY, data_dir=tmp_path / "overlay")
    assert all(f"--data-dir {tmp_path / 'overlay'}" in c for c in record.commands)


def test_a_forecast_that_starts_before_this_month_is_labelled_past():
    months = pd.date_range("2026-01-01", periods=12, freq="MS")
    partly = forecast_timing(months, today=STALE_TODAY)
    assert partly.partly_past and len(partly.past) == 10
    assert partly.title.startswith("A forecast from the data's end, partly in the past")
    current = forecast_timing(months, today=FRESH_TODAY)
    assert not current.partly_past and current.title.startswith("The current outlook")
    assert forecast_timing(months, today=dt.date(2027, 6, 1)).title.startswith(
        "A forecast from the data's end, in the past"
    )


@pytest.mark.parametrize(
    "start, end, mark",
    [
        (
            "2026-01",
            "2026-06",
            "window already past: the model's view from the end of its data (2025-12), not a "
            "forecast",
        ),
        (
            "2026-01",
            "2026-12",
            "window partly past: for 2026-01 to 2026-10, the model's view "
            "from the end of its data (2025-12), not a forecast",
        ),
        (
            "2026-10",
            "2027-03",
            "window partly past: for 2026-10, the model's view from the "
            "end of its data (2025-12), not a forecast",
        ),
        ("2026-11", "2027-04", ""),  # starts in today's month: a forecast
        ("2027-01", "2027-12", ""),
    ],
)
def test_a_window_today_has_reached_is_marked_past_or_partly_past(start, end, mark):
    """On a pinned today (2026-11-25), a question's window or a forecast year that ended
    before today's month is the model's view from the end of its data; one that began is partly
    past; one from today's month on is unmarked, as the scenarios' timing says."""
    assert window_note(start, end, "2025-12-31", today=STALE_TODAY) == mark
    timing = window_timing(start, end, today=STALE_TODAY)
    assert timing.all_past == mark.startswith("window already past")
    assert timing.partly_past == bool(mark)
    assert window_timing(start, end, today=FRESH_TODAY).past == []


@pytest.fixture(scope="module")
def early_forecast(panel):
    """A stand-in fit to 2025-06 and the current scenarios simulated from it (2025-07..)."""
    from forecast.models import get_model
    from forecast.runs import fit_outlook, fit_run
    from forecast.scenarios import load_scenarios, simulate_scenarios

    run = fit_run(get_model("constant_rate", until="2025-06-30"), panel, "mock", seed=SEED)
    outlook = fit_outlook(run.model)
    return simulate_scenarios(run.model, load_scenarios(CURRENT), random_seed=SEED, outlook=outlook)


def test_months_now_observed_are_scored_like_the_ledger(early_forecast, panel):
    from forecast.ledger import score_forecast

    scores = score_past_months(early_forecast, panel)
    assert sorted(scores["month"].unique()) == [f"2025-{m:02d}" for m in range(7, 13)]
    persist = scores[scores["scenario"] == "persist"].reset_index(drop=True)
    counts = early_forecast.counts.sel(scenario="persist").transpose("draw", "month").values
    months = early_forecast.months.strftime("%Y-%m")
    frozen = {
        "target": "launch_days",
        "draws": {m: counts[:, j].astype(int).tolist() for j, m in enumerate(months)},
    }
    expected = score_forecast(frozen, panel)
    pd.testing.assert_series_equal(persist["crps"], expected["crps"])
    summary = past_score_summary(scores, early_forecast).set_index("scenario")
    assert list(summary["months"]) == [6] * len(early_forecast.scenarios)
    observed = panel.set_index("month").loc["2025-07-01":"2025-12-01", "launch_days"].sum()
    assert (summary["observed"] == observed).all()
    assert summary.loc["persist", "crps_per_month"] == pytest.approx(persist["crps"].mean())
    # the CRPS of the six months' total, by hand: mean |x - y| - mean |x - x'| / 2
    total = np.rint(counts[:, np.isin(months, persist["month"])]).sum(axis=1)
    by_hand = np.abs(total - observed).mean() - np.abs(total[:, None] - total).mean() / 2
    assert summary.loc["persist", "crps_total"] == pytest.approx(by_hand)
    assert "crps_total" not in past_score_summary(scores)
    words = past_score_words(summary.reset_index(), "launch_days")
    best_month = summary["crps_per_month"].idxmin()
    best_total = summary["crps_total"].idxmin()
    assert words.startswith("Lower is better; both CRPS are in launch days. CRPS per month:")
    assert f"'{summary.loc[best_month, 'label']}' fitted best." in words
    assert f"(what notebook 04 ranks by): '{summary.loc[best_total, 'label']}' fitted best" in words


def test_nothing_to_score_when_no_forecast_month_is_observed(tiny_run, panel):
    from forecast.runs import load_outlook, load_run
    from forecast.scenarios import load_scenarios, simulate_scenarios

    model, _ = load_run(tiny_run)
    outlook = load_outlook(tiny_run)
    ds = simulate_scenarios(model, load_scenarios(CURRENT), random_seed=SEED, outlook=outlook)
    assert score_past_months(ds, panel).empty
    assert past_score_summary(score_past_months(ds, panel)).empty


# --- the commands ------------------------------------------------------------------------------


def run(*args):
    """``forecast ARGS`` in process, from the repository (:func:`hostile_support.run_cli`)."""
    return run_cli(*args, cwd=REPO)


def test_data_summary_warns_on_stale_data_only():
    stale = run("data", "summary", "--since", "2024", "--today", STALE_TODAY)
    assert stale.returncode == 0, stale.stderr
    assert "Data as of 2025-12-31 (10 months old on 2026-11-25)" in stale.stdout
    assert "stale data:" in stale.stdout and "2026-01..2026-10" in stale.stdout
    assert "the data lack 10 complete months, 2026-01..2026-10" in stale.stdout
    assert "forecast data set-state 2026-01-01 STATE --end 2026-10-31" in stale.stdout
    fresh = run("data", "summary", "--since", "2024", "--today", FRESH_TODAY)
    assert fresh.returncode == 0, fresh.stderr
    assert "Data as of 2025-12-31 (20 days old on 2026-01-20)" in fresh.stdout
    assert "stale data:" not in fresh.stdout


def test_a_bad_today_exits_2():
    result = run("data", "summary", "--today", "late November")
    assert result.returncode == 2 and "--today" in result.stderr
    assert "Traceback" not in result.stderr


def test_fit_states_the_data_age(tmp_path):
    args = ["fit", "--model", "constant_rate", "--preset", "mock", "--out", tmp_path / "run"]
    stale = run(*args, "--today", STALE_TODAY)
    assert stale.returncode == 0, stale.stderr
    assert "stale data:" in stale.stdout and "forecast data import" in stale.stdout
    fresh = run(*args, "--force", "--today", FRESH_TODAY)
    assert fresh.returncode == 0, fresh.stderr
    assert "20 days old" in fresh.stdout and "stale data:" not in fresh.stdout


def test_scenarios_label_and_score_a_forecast_in_the_past(tmp_path):
    fitted = run(
        "fit", "--model", "constant_rate", "--preset", "mock", "--until", "2025-06",
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert fitted.returncode == 0, fitted.stderr
    args = ["scenarios", tmp_path / "run", "--config", CURRENT, "--out", tmp_path / "out"]
    result = run(*args, "--today", STALE_TODAY)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "A forecast from the end of the run's fit (2025-06), in the past" in text
    assert "Scored on the forecast months now observed" in text
    scored = result.stdout.split("Scored on the forecast months now observed")[1]
    scored = scored.split("Lower is better")[0]  # the table, not the sentence beneath
    assert "│ persist" in scored and "The last observed" not in scored  # ids, as the totals
    assert "CRPS per month" in text and "CRPS of the total" in text
    assert "Lower is better; both CRPS are in launch days." in text
    assert "stale data:" in text


def test_scenarios_from_the_data_end_are_current_while_the_data_are_fresh(tiny_run, tmp_path):
    args = ["scenarios", tiny_run, "--config", CURRENT, "--out", tmp_path / "out"]
    fresh = run(*args, "--today", FRESH_TODAY)
    assert fresh.returncode == 0, fresh.stderr
    text = " ".join(fresh.stdout.split())
    assert "The current outlook, January 2026 to December 2026" in text
    assert "stale data:" not in text
    stale = run(*args, "--force", "--today", STALE_TODAY)
    text = " ".join(stale.stdout.split())
    assert "partly in the past" in text and "None of the forecast's past months" in text


def test_scenarios_from_a_run_fitted_to_the_data_end_say_so(tiny_run, tmp_path):
    args = ["scenarios", tiny_run, "--config", CURRENT, "--out", tmp_path / "out"]
    result = run(*args, "--today", STALE_TODAY)
    assert result.returncode == 0, result.stderr
    assert "A forecast from the data's end, partly in the past" in " ".join(result.stdout.split())


def test_a_narrow_terminal_folds_long_ids_instead_of_cutting_them():
    from rich.console import Console

    from forecast.cli.tables import _table

    table = _table("t", ["question", "answer"], left=("question",))
    for qid in ("icbm-2026h1", "icbm-2026-if-no-talks"):
        table.add_row(qid, "52%")
    console = Console(width=24, record=True)
    console.print(table)
    text = console.export_text()
    assert "…" not in text
    cells = "".join(line.split("│")[1].strip() for line in text.splitlines() if "│" in line)
    assert "icbm-2026h1" in cells and "icbm-2026-if-no-talks" in cells.replace("52%", "")


def test_a_refused_scenario_file_is_not_buried_under_the_stale_data_lines(tiny_run, tmp_path):
    config = tmp_path / "late.yaml"
    config.write_text("horizon: 12\nscenarios:\n  late:\n    states: {2030-01: summitry}\n")
    args = ["scenarios", tiny_run, "--config", config, "--out", tmp_path / "out"]
    result = run(*args, "--today", STALE_TODAY)
    assert result.returncode == 2 and "is after the forecast's last month" in result.stderr
    assert "stale data:" not in result.stdout and not (tmp_path / "out").exists()


def test_scenarios_refused_by_the_data_they_would_score_write_nothing(tiny_run, tmp_path):
    """A forecast partly in the past is scored on the observed months. When the data cannot
    give them (a launch imported after the state timeline), the command is refused before
    its output folder is written, not after."""
    events = tmp_path / "new.csv"
    events.write_text(
        "date,missile_class,n_missiles,outcome,source\n"
        "2026-01-04,SRBM,2,success,https://example.org/a\n"
    )
    overlay = tmp_path / "overlay"
    imported = run("data", "import", events, "--format", "events", "--data-dir", overlay)
    assert imported.returncode == 0, imported.stderr
    args = ["scenarios", tiny_run, "--config", CURRENT, "--out", tmp_path / "out"]
    result = run(*args, "--data-dir", overlay, "--today", STALE_TODAY)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "after the end of the state timeline" in result.stderr and "Fix:" in result.stderr
    assert str(overlay / "missile_tests.csv") in result.stderr  # the file, in its folder
    assert f"--data-dir {overlay}" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.csv", "overlay"]  # no out/
