"""The overlay folder: merge rules, 'data import' and 'data set-state' through the CLI."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hostile_support import run_cli

from forecast.data import SPECS, DataError, load_tables, monthly_panel
from forecast.data.launch_import import import_launches
from forecast.data.overlay import merge_periods, resolve_data_dir

EXPORT = "cns_export/north_korea_missile_test_database.csv"
HEADER = "date,missile_class,n_missiles,outcome,source\n"
NEW_EVENTS = (
    HEADER + "2026-01-04,SRBM,2,success,https://example.org/a\n"
    "2026-01-27,unknown,1,unknown,https://example.org/b\n"
    "2026-03-10,SRBM,3,success,https://example.org/c\n"
)


def run(*args, cwd=None, env=None):
    """``forecast ARGS`` in process (:func:`hostile_support.run_cli`)."""
    return run_cli(*args, cwd=cwd, env=env)


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else None


def test_an_overlay_of_full_copies_merges_to_the_bundled_data(tmp_path, bundled_dir, tables):
    for f in bundled_dir.glob("*.csv"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    merged = load_tables(tmp_path)
    for name in SPECS:
        pd.testing.assert_frame_equal(getattr(merged, name), getattr(tables, name))
    assert merged.exercises_through == merged.csis_through == tables.as_of


def test_a_missing_overlay_folder_is_refused_when_named(tmp_path):
    with pytest.raises(DataError, match="overlay data folder not found"):
        load_tables(tmp_path / "nope")


def test_default_overlay_resolution(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORECAST_DATA_DIR", raising=False)
    assert resolve_data_dir(None) is None  # no ./local-data: bundled only
    (tmp_path / "local-data").mkdir()
    assert resolve_data_dir(None).name == "local-data"
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path / "elsewhere"))
    assert resolve_data_dir(None, writing=True) == tmp_path / "elsewhere"  # to be created
    (tmp_path / "elsewhere").mkdir()
    assert resolve_data_dir(None) == tmp_path / "elsewhere"
    assert resolve_data_dir(tmp_path / "given") == tmp_path / "given"


def test_overlay_periods_replace_the_bundled_coverage(tables):
    states = tables.negotiation_states
    inside = pd.DataFrame(
        {
            "start": [pd.Timestamp("2018-04-01")],
            "end": [pd.Timestamp("2018-04-30")],
            "state": ["stalled"],
            "defining_events": ["test"],
            "source": ["test"],
        }
    )
    merged = merge_periods(states, inside, None, "overlay.csv")
    day = merged[(merged["start"] <= "2018-04-15") & (merged["end"] >= "2018-04-15")]
    assert day["state"].tolist() == ["stalled"]
    assert merged["start"].min() == states["start"].min()
    assert merged["end"].max() == states["end"].max()
    gap = inside.assign(start=pd.Timestamp("2026-03-01"), end=pd.Timestamp("2026-03-31"))
    with pytest.raises(DataError, match="gap from 2026-01-01 to 2026-02-28"):
        merge_periods(states, gap, None, "overlay.csv")


def test_importing_the_cns_export_adds_nothing(raw_dir, tmp_path):
    overlay = tmp_path / "overlay"
    result = run("data", "import", str(raw_dir / EXPORT), "--format", "cns", "--data-dir", overlay)
    assert result.returncode == 0, result.stderr
    assert "added nothing" in result.stdout
    assert "skipped 245 missile rows of the file" in result.stdout
    assert "launch days, 1984-04-09..2023-04-12): duplicates" in result.stdout  # its span
    assert "duplicates of launches already recorded" in result.stdout
    assert not (overlay / "missile_tests.csv").exists()


def test_import_then_set_state_shows_2026_in_the_summary(tmp_path):
    overlay = tmp_path / "overlay"
    events = tmp_path / "events.csv"
    events.write_text(NEW_EVENTS)
    result = run("data", "import", str(events), "--format", "events", "--data-dir", overlay)
    assert result.returncode == 0, result.stderr
    assert (
        "added 6 missile rows (one per missile), 3 launch days, 2026-01-04..2026-03-10"
        in result.stdout
    )
    assert "set-state" in result.stdout  # after the end of the state timeline
    again = run("data", "import", str(events), "--format", "events", "--data-dir", overlay)
    assert "added nothing" in again.stdout and "skipped 6 missile rows" in again.stdout

    before = run("data", "summary", "--data-dir", overlay, "--since", "2025")
    assert before.returncode == 0, before.stderr
    assert "│ 2026" not in before.stdout and "not shown: 3 launch days" in before.stdout

    state = ["data", "set-state", "2026-01-01", "no_talks", "--end", "2026-06-30"]
    result = run(*state, "--source", "https://example.org/s", "--data-dir", overlay)
    assert result.returncode == 0, result.stderr
    assert "timeline now ends 2026-06-30" in result.stdout
    after = run("data", "summary", "--data-dir", overlay, "--since", "2025")
    assert after.returncode == 0, after.stderr
    row = next(line for line in after.stdout.splitlines() if "│ 2026" in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[:4] == ["2026", "3", "6", "2"]
    assert cells[-1] == "no_talks"
    assert "not shown" not in after.stdout

    # the leaders table ends before the new months (their leader is empty): a fit of the
    # default model, which reads the leader, is saved and read back by the next command
    fit = ["fit", "--preset", "mock", "--seed", "1", "--out", tmp_path / "run"]
    result = run(*fit, "--data-dir", overlay)
    assert result.returncode == 0, result.stderr
    assert "leaders are coded to 2025-12-31" in result.stdout + result.stderr
    # a caveat about a column the model does not read is left out: the launch-day fit is not
    # told that the CSIS list ends, a model without leader eras not that the leaders do
    assert "exercise calendar is coded to" in result.stdout + result.stderr
    assert "CSIS" not in result.stdout + result.stderr
    other = ["fit", "--model", "state_rate", "--preset", "mock", "--out", tmp_path / "other"]
    said = run(*other, "--data-dir", overlay)
    assert said.returncode == 0, said.stderr
    assert "exercise calendar" in said.stdout + said.stderr
    assert "leaders are coded" not in said.stdout + said.stderr
    assert "CSIS" not in said.stdout + said.stderr
    config = tmp_path / "scenarios.yaml"
    config.write_text("horizon: 12\nscenarios:\n  persist:\n    label: No talks persist\n")
    scenarios = ["scenarios", tmp_path / "run", "--config", config, "--out", tmp_path / "out"]
    result = run(*scenarios, "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "summary.csv").is_file()

    # an event on a recorded day of another class continues that day's salvo positions
    more = tmp_path / "more.csv"
    more.write_text(HEADER + "2026-01-04,MRBM,1,failure,https://example.org/d\n")
    result = run("data", "import", str(more), "--format", "events", "--data-dir", overlay)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(overlay / "missile_tests.csv")
    assert table.loc[table["missile_class"] == "MRBM", "salvo_index"].tolist() == [3]
    # each imported row's source is kept in the overlay's source log
    from forecast.data.launch_import import read_source_log

    log = read_source_log(overlay)
    assert len(log) == 7 and set(log["file"]) == {"events.csv", "more.csv"}
    day = log[log["date"] == "2026-01-04"].set_index("salvo_index")["source"]
    assert day.to_dict() == {
        1: "https://example.org/a",
        2: "https://example.org/a",
        3: "https://example.org/d",
    }


def test_set_state_refuses_a_gap_and_the_future(tmp_path):
    overlay = tmp_path / "overlay"
    gap = run("data", "set-state", "2026-03-01", "stalled", "--end", "2026-03-31")
    assert gap.returncode == 2  # --source is required
    gap = run(
        *("data", "set-state", "2026-03-01", "stalled", "--end", "2026-03-31"),
        *("--source", "x", "--data-dir", overlay),
    )
    assert gap.returncode == 2 and "gap from 2026-01-01 to 2026-02-28" in gap.stderr
    # the arguments are named, not the overlay's file, which was never written
    assert gap.stderr.startswith("error: START/--end: the merged timeline has a gap")
    future = run(
        *("data", "set-state", "2026-01-01", "stalled", "--end", "2099-01-31"),
        *("--source", "x", "--data-dir", overlay),
    )
    assert future.returncode == 2 and "future" in future.stderr
    bad = run("data", "set-state", "2026-01-01", "detente", "--source", "x", "--data-dir", overlay)
    assert bad.returncode == 2 and "unknown state" in bad.stderr
    assert not overlay.exists()


def test_a_refused_update_leaves_no_folder_it_created_however_deep(tmp_path):
    """The overlay folder and the parents a refused command created for it are removed; a
    parent that existed stays."""
    from hostile_support import cli, refused

    (tmp_path / "kept").mkdir()
    overlay = tmp_path / "kept" / "new" / "deeper" / "overlay"
    gap = cli(
        *("data", "set-state", "2026-03-01", "stalled", "--end", "2026-03-31"),
        *("--source", "x", "--data-dir", overlay),
    )
    refused(gap, "gap from 2026-01-01")
    already = cli(
        *("data", "add-exercise", "Ulchi Freedom Shield 25", "2025-08-18", "2025-08-28"),
        *("--source", "x", "--data-dir", overlay),
    )
    refused(already, "already recorded")
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]
    assert list((tmp_path / "kept").iterdir()) == []


@pytest.mark.parametrize("spelling", ["", ".", ".."])
def test_the_current_folder_or_a_parent_is_no_overlay_folder(tmp_path, monkeypatch, spelling):
    """``--data-dir ""`` (an empty shell variable) would write the overlay's tables among the
    user's files: refused, as ``--out`` refuses it, and nothing is written."""
    from hostile_support import cli, refused

    here = tmp_path / "work"
    here.mkdir()
    monkeypatch.chdir(here)
    result = cli(
        *("data", "set-state", "2026-01-01", "stalled", "--end", "2026-01-31"),
        *("--source", "x", "--data-dir", spelling),
    )
    refused(result, "--data-dir", "current folder or one of its parents")
    assert list(here.iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["work"]
    if spelling:  # the same folder named by the environment: the message names the variable
        args = ("data", "set-state", "2026-01-01", "stalled", "--end", "2026-01-31")
        named = cli(*args, "--source", "x", env={"FORECAST_DATA_DIR": spelling})
        refused(named, "$FORECAST_DATA_DIR", "current folder or one of its parents")
        assert list(here.iterdir()) == []


def test_add_exercise_codes_new_months_and_the_caveats_say_what_is_assumed(tmp_path):
    overlay = tmp_path / "overlay"
    state = ["data", "set-state", "2026-01-01", "stalled", "--end", "2026-06-30"]
    assert run(*state, "--source", "https://example.org/s", "--data-dir", overlay).returncode == 0
    summary = run("data", "summary", "--data-dir", overlay, "--since", "2025")
    assert summary.returncode == 0, summary.stderr
    text = " ".join(summary.stdout.split())  # rich wraps long lines
    assert (
        "exercise calendar is coded to 2025-12-31: exercise days after it (2026-01..2026-06) are 0"
        in text
    )
    assert "CSIS provocations list ends 2025-12-31" in text and "leaders are coded to" in text

    add = ["data", "add-exercise", "Spring Drill 26", "2026-03-09", "2026-03-19"]
    result = run(*add, "--source", "https://example.org/e", "--data-dir", overlay)
    assert result.returncode == 0, result.stderr
    assert "calendar is now coded to 2026-03-19" in result.stdout
    tables = load_tables(overlay)
    assert tables.exercises_through == pd.Timestamp("2026-03-19")
    panel = monthly_panel(tables).set_index("month")
    assert panel.loc["2026-03-01", "exercise_days"] == 11
    assert panel.loc["2026-02-01", "exercise_days"] == 0
    from forecast.data.panel import data_caveats

    caveats = data_caveats(tables, panel.reset_index())
    assert "coded to 2026-03-19: exercise days after it (2026-03..2026-06) are 0" in caveats[0]
    assert not data_caveats(load_tables(), monthly_panel(load_tables()))  # bundled: none

    before = snapshot(overlay)
    again = run(*add, "--source", "x", "--data-dir", overlay)
    assert again.returncode == 2 and "already recorded" in again.stderr
    bundled = ["data", "add-exercise", "Freedom Shield 25", "2025-03-10", "2025-03-20"]
    dup = run(*bundled, "--source", "x", "--data-dir", overlay)
    assert dup.returncode == 2 and "already recorded in the bundled data" in dup.stderr
    future = run(
        "data",
        "add-exercise",
        "Later",
        "2026-03-01",
        "2099-03-10",
        "--source",
        "x",
        "--data-dir",
        overlay,
    )
    assert future.returncode == 2 and "future" in future.stderr
    swapped = run(
        "data",
        "add-exercise",
        "Swapped",
        "2026-03-10",
        "2026-03-01",
        "--source",
        "x",
        "--data-dir",
        overlay,
    )
    assert swapped.returncode == 2 and "before START" in swapped.stderr
    scale = run(
        *add[:2], "Other", *add[3:], "--scale", "huge", "--source", "x", "--data-dir", overlay
    )
    assert scale.returncode == 2 and "unknown scale" in scale.stderr
    assert snapshot(overlay) == before


def test_confirm_exercises_codes_the_months_checked_and_clears_the_caveat(tmp_path):
    """A user who checked that no further exercise was held says so: the months up to that
    day have 0 exercise days by record, the caveat stops at that day (and is gone when it
    reaches the panel's end), and a day that changes nothing is refused with nothing written."""
    from hostile_support import cli, refused, succeeded

    from forecast.data.panel import data_caveats

    overlay = tmp_path / "overlay"
    state = ["data", "set-state", "2026-01-01", "stalled", "--end", "2026-06-30"]
    succeeded(cli(*state, "--source", "https://example.org/s", "--data-dir", overlay))
    caveat = data_caveats(load_tables(overlay), monthly_panel(load_tables(overlay)))[0]
    assert "confirm-exercises 2026-06-30 --source URL" in caveat  # the caveat names the fix

    add = ["data", "add-exercise", "Spring Drill 26", "2026-03-09", "2026-03-19"]
    succeeded(cli(*add, "--source", "https://example.org/e", "--data-dir", overlay))
    confirm = ["data", "confirm-exercises", "2026-04-30", "--source", "JCS releases"]
    said = " ".join(succeeded(cli(*confirm, "--data-dir", overlay)).stdout.split())
    assert "now coded to 2026-04-30: no major exercise from 2026-03-20, written to" in said
    tables = load_tables(overlay)
    assert tables.exercises_through == pd.Timestamp("2026-04-30")
    panel = monthly_panel(tables)
    assert panel.set_index("month").loc["2026-03-01", "exercise_days"] == 11  # kept
    caveat = data_caveats(tables, panel)[0]
    assert "coded to 2026-04-30: exercise days after it (2026-05..2026-06) are 0" in caveat
    table = pd.read_csv(overlay / "exercise_checks.csv")
    assert table.to_dict("records") == [{"through": "2026-04-30", "source": "JCS releases"}]

    before = snapshot(overlay)
    for day, words in (
        ("2026-04-30", "already coded to 2026-04-30"),
        ("2026-03-31", "already coded to 2026-04-30"),
        ("2099-01-31", "in the future"),
        ("2026-13-01", "not a date"),
    ):
        refused(
            cli("data", "confirm-exercises", day, "--source", "x", "--data-dir", overlay), words
        )
    refused(cli("data", "confirm-exercises", "2026-06-30", "--source", " ", "--data-dir", overlay))
    assert snapshot(overlay) == before

    # a day inside a month leaves that month in the caveat: its later days are still assumed
    mid = ["data", "confirm-exercises", "2026-06-12", "--source", "x", "--data-dir", overlay]
    succeeded(cli(*mid))
    tables = load_tables(overlay)
    caveat = data_caveats(tables, monthly_panel(tables))[0]
    assert "coded to 2026-06-12: exercise days after it (2026-06) are 0" in caveat
    succeeded(
        cli("data", "confirm-exercises", "2026-06-30", "--source", "x", "--data-dir", overlay)
    )
    tables = load_tables(overlay)
    assert tables.exercises_through == pd.Timestamp("2026-06-30")
    caveats = data_caveats(tables, monthly_panel(tables))
    assert not [c for c in caveats if "exercise" in c]
    assert len(pd.read_csv(overlay / "exercise_checks.csv")) == 3


def test_confirm_and_set_leaders_extend_the_leaders_and_clear_the_caveat(tmp_path):
    """``confirm-leaders`` continues every country's last leader to a day, ``set-leader``
    codes a new one; the panel's leader columns follow, the caveat moves and then goes, and a
    day or period that changes nothing or leaves a gap is refused with nothing written."""
    from hostile_support import cli, refused, succeeded

    from forecast.data.panel import data_caveats

    overlay = tmp_path / "overlay"
    state = ["data", "set-state", "2026-01-01", "stalled", "--end", "2026-06-30"]
    succeeded(cli(*state, "--source", "https://example.org/s", "--data-dir", overlay))
    caveat = data_caveats(load_tables(overlay), monthly_panel(load_tables(overlay)))
    assert "leaders are coded to 2025-12-31" in caveat[-1]
    assert "confirm-leaders 2026-06-30 --source URL" in caveat[-1]  # the caveat names the fix

    confirm = ["data", "confirm-leaders", "2026-03-15", "--source", "checked"]
    said = " ".join(succeeded(cli(*confirm, "--data-dir", overlay)).stdout.split())
    assert "DPRK: Kim Jong Un from 2026-01-01 to 2026-03-15" in said
    assert "US: Donald Trump from 2026-01-01 to 2026-03-15" in said
    assert "every country's leader is now coded to 2026-03-15" in said
    table = pd.read_csv(overlay / "leaders.csv")
    assert table[["country", "leader", "start", "end"]].values.tolist() == [
        ["DPRK", "Kim Jong Un", "2026-01-01", "2026-03-15"],
        ["ROK", "Lee Jae-myung", "2026-01-01", "2026-03-15"],
        ["US", "Donald Trump", "2026-01-01", "2026-03-15"],
    ]
    tables = load_tables(overlay)
    panel = monthly_panel(tables).set_index("month")
    # March has 15 coded days of 31: its leader is the one of most of its coded days
    assert panel.loc["2026-03-01", "us_president"] == "Donald Trump"
    assert pd.isna(panel.loc["2026-04-01", "us_president"])
    caveat = [c for c in data_caveats(tables, panel.reset_index()) if "leaders" in c]
    assert (
        "leaders are coded to 2026-03-15: " in caveat[0]
        and "empty in 2026-04..2026-06" in caveat[0]
    )

    # a new US leader from April; the gap it would leave (2026-03-16..31) is refused first
    before = snapshot(overlay)
    gap = ["data", "set-leader", "US", "A Successor", "2026-04-01", "--end", "2026-06-30"]
    refused(cli(*gap, "--source", "x", "--data-dir", overlay), "gap from 2026-03-16 to 2026-03-31")
    for args, words in (
        (["set-leader", "XX", "A", "2026-03-16", "--source", "x"], "unknown country"),
        (["set-leader", "US", "A", "2099-01-01", "--source", "x"], "in the future"),
        (["set-leader", "US", "A", "2026-04-01", "--end", "2026-03-31", "--source", "x"], "swap"),
        (["confirm-leaders", "2026-03-15", "--source", "x"], "already coded to 2026-03-15"),
        (["confirm-leaders", "2099-01-31", "--source", "x"], "in the future"),
    ):
        refused(cli("data", *args, "--data-dir", overlay), words)
    assert snapshot(overlay) == before
    new = ["data", "set-leader", "US", "A Successor", "2026-03-16", "--end", "2026-06-30"]
    said = " ".join(succeeded(cli(*new, "--source", "x", "--data-dir", overlay)).stdout.split())
    assert "US: A Successor from 2026-03-16 to 2026-06-30" in said
    assert "now coded to 2026-03-15" in said  # the other two still end there
    # the caveat names only the countries behind, and only those a model reads
    tables = load_tables(overlay)
    panel = monthly_panel(tables)
    caveat = [c for c in data_caveats(tables, panel) if "leaders" in c]
    assert "dprk_leader and rok_president are empty in 2026-04..2026-06" in caveat[0]
    assert "us_president" not in caveat[0]
    only = data_caveats(tables, panel, columns=["month", "rok_president"])
    assert len(only) == 1 and "rok_president is empty in 2026-04..2026-06" in only[0]
    assert "exercise" not in only[0] and "carry the last DPRK leader" not in only[0]
    # a name spelled otherwise than the coded one would start a new leader era: refused
    before = snapshot(overlay)
    typo = ["data", "set-leader", "ROK", "lee jae myung", "2026-03-16", "--end", "2026-04-30"]
    refused(cli(*typo, "--source", "x", "--data-dir", overlay), "'Lee Jae-myung'", "2025-06-04")
    empty = ["data", "set-leader", "ROK", " ", "2026-03-16", "--source", "x"]
    refused(cli(*empty, "--data-dir", overlay), "LEADER", "empty")
    month = dt.date.today().replace(day=1).isoformat()  # the current month, not complete
    current = ["data", "set-leader", "ROK", "Lee Jae-myung", month, "--source", "x"]
    refused(cli(*current, "--data-dir", overlay), "in the current month", "set the leader again")
    assert snapshot(overlay) == before

    # confirming continues only the countries behind: DPRK and ROK, not the new US leader
    more = ["data", "confirm-leaders", "2026-06-30", "--source", "checked again"]
    said = " ".join(succeeded(cli(*more, "--data-dir", overlay)).stdout.split())
    assert "DPRK: Kim Jong Un from 2026-03-16 to 2026-06-30" in said and "US:" not in said
    tables = load_tables(overlay)
    panel = monthly_panel(tables).set_index("month")
    assert panel.loc["2026-04-01", "us_president"] == "A Successor"
    assert panel.loc["2026-06-01", "dprk_leader"] == "Kim Jong Un"
    assert not [c for c in data_caveats(tables, panel.reset_index()) if "leaders" in c]


def test_a_default_end_does_not_run_over_a_later_coded_period(tmp_path):
    """With no ``--end``, a state or leader runs to the end of last month: for a period that
    still holds. A correction of an earlier one would replace what was coded after it, so it
    is refused with the day before the later period as the fix, and nothing is written."""
    from hostile_support import cli, refused, succeeded

    from forecast.data.hand_coding import default_state_end

    overlay = tmp_path / "overlay"
    last = f"{default_state_end():%Y-%m-%d}"
    error = refused(
        cli("data", "set-state", "2019-03-01", "no_talks", "--source", "x", "--data-dir", overlay),
        "--end",
        "'summitry', coded from 2019-06-30",
        "pass --end 2019-06-29",
        f"pass --end {last}",
    )
    assert "nothing was written" in error and not overlay.exists()
    biden = ["data", "set-leader", "US", "Joe Biden", "2021-01-20", "--source", "x"]
    refused(
        cli(*biden, "--data-dir", overlay),
        "'Donald Trump', coded for US from 2025-01-20",
        "pass --end 2025-01-19",
    )
    assert not overlay.exists()
    # the correction with its end is written, and the later term is kept
    succeeded(cli(*biden, "--end", "2025-01-19", "--data-dir", overlay))
    leaders = load_tables(overlay).leaders
    us = leaders[leaders["country"] == "US"].set_index("start")["leader"]
    assert us[pd.Timestamp("2021-01-20")] == "Joe Biden"
    assert us[pd.Timestamp("2025-01-20")] == "Donald Trump"

    # a later period in the overlay counts as well; the same state continuing does not
    for start, state, end in (
        ("2026-01-01", "stalled", "2026-03-31"),
        ("2026-04-01", "active_talks", "2026-06-30"),
    ):
        args = ["data", "set-state", start, state, "--end", end, "--source", "x"]
        succeeded(cli(*args, "--data-dir", overlay))
    before = snapshot(overlay)
    error = refused(
        cli("data", "set-state", "2026-02-01", "no_talks", "--source", "x", "--data-dir", overlay),
        "'active_talks', coded from 2026-04-01",
        "pass --end 2026-03-31",
    )
    assert snapshot(overlay) == before
    longer = ["data", "set-state", "2026-04-01", "active_talks", "--source", "x"]
    succeeded(cli(*longer, "--data-dir", overlay))
    assert load_tables(overlay).as_of == pd.Timestamp(last)

    # what counts is the timeline in force: a bundled period the overlay recoded does not
    # (2019-06-30 on is recoded as no talks, so no talks from 2019-03-01 runs over no talks),
    # nor a period that starts after the default end (one in the current month)
    recoded = tmp_path / "recoded"
    args = ["data", "set-state", "2019-06-30", "no_talks", "--end", last, "--source", "x"]
    succeeded(cli(*args, "--data-dir", recoded))
    earlier = ["data", "set-state", "2019-03-01", "no_talks", "--source", "x"]
    succeeded(cli(*earlier, "--data-dir", recoded))
    today = dt.date.today()
    month = today.replace(day=1).isoformat()
    now = ["data", "set-state", month, "active_talks", "--end", today.isoformat(), "--source", "x"]
    succeeded(cli(*now, "--data-dir", recoded))
    succeeded(
        cli("data", "set-state", "2026-04-01", "stalled", "--source", "x", "--data-dir", recoded)
    )
    states = load_tables(recoded).negotiation_states.set_index("start")["state"]
    assert states[pd.Timestamp("2026-04-01")] == "stalled"
    assert states[pd.Timestamp(month)] == "active_talks"


def test_a_broken_or_gapped_leaders_file_is_named_and_nothing_is_written(tmp_path):
    """A damaged overlay ``leaders.csv`` is named with its line by both leader commands; a gap
    in a country the command does not touch is the file's, not the arguments'."""
    from hostile_support import cli, refused

    overlay = tmp_path / "overlay"
    overlay.mkdir()
    header = "country,leader,start,end,source\n"
    (overlay / "leaders.csv").write_text(header + "US,Donald Trump,2026-01-01,2026-02-30,x\n")
    before = snapshot(overlay)
    for args in (
        ["confirm-leaders", "2026-03-31", "--source", "x"],
        ["set-leader", "DPRK", "Kim Jong Un", "2026-01-01", "--end", "2026-03-31", "--source", "x"],
    ):
        refused(cli("data", *args, "--data-dir", overlay), "leaders.csv", "line 2")
        assert snapshot(overlay) == before, args
    (overlay / "leaders.csv").write_text(header + "US,Donald Trump,2026-02-01,2026-03-31,x\n")
    before = snapshot(overlay)
    args = ["set-leader", "DPRK", "Kim Jong Un", "2026-01-01", "--end", "2026-03-31"]
    error = refused(cli("data", *args, "--source", "x", "--data-dir", overlay), "leaders.csv")
    assert "(US) has a gap from 2026-01-01 to 2026-01-31" in error and "START/--end" not in error
    assert snapshot(overlay) == before


def test_a_broken_exercise_checks_file_is_named_and_nothing_is_written(tmp_path):
    """A damaged ``exercise_checks.csv`` is named with its line by every reader, and the
    commands that read the merged overlay before writing (import, add-exercise,
    confirm-exercises) write nothing beside it. (``set-state`` reads only the state table:
    it is how a user repairs a timeline the merge refuses, so it does not wait for the rest.)"""
    from hostile_support import cli, refused

    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "exercise_checks.csv").write_text("through,source\n2026-02-30,x\n")
    with pytest.raises(DataError, match="exercise_checks.csv") as error:
        load_tables(overlay)
    assert "line 2" in str(error.value)
    events = tmp_path / "events.csv"
    events.write_text("date,missile_class,n_missiles,outcome,source\n" + GOOD_ROW)
    before = snapshot(overlay)
    for args in (
        ["add-exercise", "FS", "2025-03-09", "2025-03-19", "--source", "x"],
        ["confirm-exercises", "2025-12-31", "--source", "x"],
        ["import", events, "--format", "events"],
    ):
        refused(cli("data", *args, "--data-dir", overlay), "exercise_checks.csv", "line 2")
        assert snapshot(overlay) == before, args


GOOD_ROW = "2026-02-02,SRBM,1,success,https://example.org/x\n"

MALFORMED = [
    ("bad date", HEADER + "2026-02-30,SRBM,1,success,src\n", ("not a valid date", "line 2")),
    ("unknown class", HEADER + GOOD_ROW + "2026-02-03,Cruise,1,success,src\n", ("unknown label",)),
    ("negative count", HEADER + "2026-02-03,SRBM,-2,success,src\n", ("negative",)),
    ("zero missiles", HEADER + "2026-02-03,SRBM,0,success,src\n", ("at least 1", "n_missiles")),
    ("fractional", HEADER + "2026-02-03,SRBM,1.5,success,src\n", ("whole number",)),
    ("bad outcome", HEADER + "2026-02-03,SRBM,1,partial,src\n", ("unknown label", "outcome")),
    ("wrong header", "day,class,n,outcome,source\n" + GOOD_ROW, ("missing column", "line 1")),
    ("empty", "", ("empty",)),
    ("header only", HEADER, ("no rows",)),
    ("duplicate in file", HEADER + GOOD_ROW + GOOD_ROW, ("duplicate", "line 3")),
    ("future date", HEADER + "2099-01-01,SRBM,1,success,src\n", ("future",)),
    ("missing source", HEADER + "2026-02-03,SRBM,1,success,  \n", ("empty", "source")),
    ("not a number", HEADER + "2026-02-03,SRBM,two,success,src\n", ("not a number",)),
]


@pytest.fixture(scope="module")
def seeded_overlay(tmp_path_factory):
    """An overlay holding one imported launch, to check it stays byte-for-byte unchanged."""
    root = tmp_path_factory.mktemp("seeded")
    events = root / "seed.csv"
    events.write_text(HEADER + "2026-01-04,SRBM,1,success,https://example.org/a\n")
    result = run("data", "import", str(events), "--format", "events", "--data-dir", root / "ov")
    assert result.returncode == 0, result.stderr
    return root / "ov"


@pytest.mark.parametrize("name, text, words", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_import_is_refused_and_leaves_the_overlay_unchanged(
    name, text, words, seeded_overlay, tmp_path
):
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    before = snapshot(seeded_overlay)
    with pytest.raises(DataError) as info:
        import_launches(bad, "events", seeded_overlay)
    message = str(info.value)
    assert "bad.csv" in message and "Fix:" in message
    for word in words:
        assert word in message, f"{name}: {word!r} not in {message!r}"
    assert snapshot(seeded_overlay) == before


def test_a_wrongly_encoded_import_exits_2_and_leaves_the_overlay_unchanged(
    seeded_overlay, tmp_path
):
    bad = tmp_path / "latin.csv"
    bad.write_bytes((HEADER + "2026-02-03,SRBM,1,success,Pyongyang café\n").encode("latin-1"))
    before = snapshot(seeded_overlay)
    result = run("data", "import", str(bad), "--format", "events", "--data-dir", seeded_overlay)
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert "latin.csv" in result.stderr and "line 2" in result.stderr
    assert "not UTF-8" in result.stderr
    assert snapshot(seeded_overlay) == before


def test_a_file_that_is_no_cns_export_is_refused(seeded_overlay, tmp_path):
    bad = tmp_path / "events.csv"
    bad.write_text(NEW_EVENTS)
    before = snapshot(seeded_overlay)
    result = run("data", "import", str(bad), "--format", "cns", "--data-dir", seeded_overlay)
    assert result.returncode == 2 and "does not look like a CNS export" in result.stderr
    assert snapshot(seeded_overlay) == before


def test_a_broken_overlay_file_is_named(seeded_overlay, tmp_path):
    broken = tmp_path / "ov"
    broken.mkdir()
    text = (
        (seeded_overlay / "missile_tests.csv")
        .read_text()
        .replace(",SRBM,Unknown", ",XRBM,Unknown", 1)
    )
    (broken / "missile_tests.csv").write_text(text)
    result = run("data", "summary", "--data-dir", broken)
    assert result.returncode == 2
    assert "missile_tests.csv" in result.stderr and "unknown label" in result.stderr


def test_nothing_is_written_to_the_bundled_folder(bundled_dir, tmp_path):
    events = tmp_path / "events.csv"
    events.write_text(NEW_EVENTS)
    result = run("data", "import", str(events), "--format", "events", "--data-dir", bundled_dir)
    assert result.returncode == 2 and "only 'forecast data build' writes" in result.stderr


@pytest.mark.parametrize("sep, name", [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_is_named_as_such(tmp_path, sep, name):
    events = tmp_path / "events.csv"
    events.write_text(
        (HEADER + "2026-01-04,SRBM,2,success,https://example.org/a\n").replace(",", sep)
    )
    overlay = tmp_path / "overlay"
    result = run("data", "import", str(events), "--format", "events", "--data-dir", overlay)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    said = " ".join(result.stderr.split())
    assert f"events.csv, line 1: the fields are separated by {name}, not commas" in said
    assert "save the file as comma-separated CSV" in said and not overlay.exists()
