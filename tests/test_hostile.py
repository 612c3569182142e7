"""Hostile input, tried as a careless or unlucky user would: every case must end in one clear
``error:`` line naming the file and the fix, exit code 2, no traceback, no byte changed.

Most cases run the real entry point (``forecast.cli.main``) in process; the ones that would
need a fit check that the refusal comes before any (a tripwire fails the test if data is
loaded or sampling starts). The bundled ``datasets/`` is hashed around every test.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest
from conftest import REPO
from hostile_support import (
    cli,
    copy_bundled,
    fake_output,
    immutable,
    refused,
    succeeded,
    tree_digest,
    unreadable,
)

from forecast.constants import BUNDLED_DATA_DIR
from forecast.errors import ConfigError

SCENARIOS = REPO / "scenarios" / "current.yaml"
HEADER = "date,missile_class,n_missiles,outcome,source\n"


@pytest.fixture(autouse=True)
def _guard(tmp_path, monkeypatch):
    """Work in a scratch folder, without an overlay from the environment; datasets/ unchanged."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORECAST_DATA_DIR", raising=False)
    before = tree_digest(BUNDLED_DATA_DIR)
    yield
    assert tree_digest(BUNDLED_DATA_DIR) == before, "datasets/ changed"


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if a command loads the data or starts sampling (refusals come first).

    The wire is on :func:`forecast.data.overlay.load_merged`, which every
    :func:`forecast.data.load_tables` call looks up when it runs: a module that binds
    ``load_tables`` by name while the test runs (a command module imported lazily) keeps
    the real function after the test.
    """
    import forecast.data.overlay
    from forecast.models.base import BaseModel

    def tripwire(*args, **kwargs):
        raise AssertionError("the command started working before refusing")

    monkeypatch.setattr(forecast.data.overlay, "load_merged", tripwire)
    monkeypatch.setattr(BaseModel, "fit", tripwire)


def events(tmp_path, *rows: str, name="events.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


# --- output folders: never inside datasets/, never a user's folder ------------------------------

BUNDLED_SPELLINGS = {
    "datasets": lambda tmp: BUNDLED_DATA_DIR,
    "sub-folder": lambda tmp: BUNDLED_DATA_DIR / "mine",
    "dot-dot": lambda tmp: BUNDLED_DATA_DIR / "mine" / ".." / ".." / BUNDLED_DATA_DIR.name,
    "symlink": lambda tmp: _link(tmp),
}


def _link(tmp):
    link = tmp / "looks-harmless"
    link.symlink_to(BUNDLED_DATA_DIR)
    return link


@pytest.mark.parametrize("spelling", BUNDLED_SPELLINGS)
@pytest.mark.parametrize(
    "command",
    [
        ["scenarios", "RUN", "--config", str(SCENARIOS), "--force"],
        ["fit", "--force"],
        ["backtest", "--cutoffs", "2016-06", "--force"],
        ["refit", "RUN", "--force"],
        ["report", "--fast", "--force"],
    ],
    ids=["scenarios", "fit", "backtest", "refit", "report"],
)
def test_no_command_writes_into_datasets(tmp_path, no_work, spelling, command):
    out = BUNDLED_SPELLINGS[spelling](tmp_path)
    args = [str(tmp_path / "run") if a == "RUN" else a for a in command]
    refused(cli(*args, "--out", out), "--out", "only 'forecast data build' writes there")


@pytest.mark.parametrize("spelling", BUNDLED_SPELLINGS)
@pytest.mark.parametrize(
    "command",
    [
        ["data", "import", "EVENTS", "--format", "events"],
        ["data", "set-state", "2025-01-01", "stalled", "--source", "x", "--end", "2025-01-31"],
        ["data", "add-exercise", "FS", "2025-03-10", "2025-03-20", "--source", "x"],
        ["data", "confirm-exercises", "2026-01-31", "--source", "x"],
        ["data", "confirm-leaders", "2026-01-31", "--source", "x"],
        ["data", "set-leader", "US", "Someone", "2025-01-20", "--source", "x"],
    ],
    ids=[
        "import",
        "set-state",
        "add-exercise",
        "confirm-exercises",
        "confirm-leaders",
        "set-leader",
    ],
)
def test_no_overlay_command_writes_into_datasets(tmp_path, spelling, command):
    file = events(tmp_path, "2025-01-04,SRBM,2,success,x")
    args = [str(file) if a == "EVENTS" else a for a in command]
    target = BUNDLED_SPELLINGS[spelling](tmp_path)
    refused(cli(*args, "--data-dir", target), "--data-dir", "bundled data folder")


@pytest.mark.parametrize(
    "spelling, words",
    [
        ("datasets", "only 'forecast data build' writes there"),
        ("dot-dot", "only 'forecast data build' writes there"),
        ("notebooks", "the project's own folder"),
    ],
)
def test_no_library_writer_writes_into_datasets(tmp_path, spelling, words):
    """The functions behind the overlay commands refuse the bundled folder (and the project's
    other folders) themselves, for a notebook or script that calls them without the CLI's
    check."""
    from forecast.data.hand_coding import (
        add_exercise,
        confirm_exercises,
        confirm_leaders,
        set_leader,
        set_state,
    )
    from forecast.data.launch_import import import_launches

    if spelling == "notebooks":
        target = REPO / "notebooks" / "overlay"
    else:
        target = BUNDLED_SPELLINGS[spelling](tmp_path)
    before = tree_digest(BUNDLED_DATA_DIR), tree_digest(REPO / "notebooks")
    file = events(tmp_path, "2025-01-04,SRBM,2,success,x")
    for call in (
        lambda: import_launches(file, "events", target),
        lambda: set_state(target, "2025-01-01", "stalled", "x", end="2025-01-31"),
        lambda: add_exercise(target, "FS", "2025-03-10", "2025-03-20", "x"),
        lambda: confirm_exercises(target, "2026-01-31", "x"),
        lambda: confirm_leaders(target, "2026-01-31", "x"),
        lambda: set_leader(target, "US", "Someone", "2025-01-20", "x"),
    ):
        with pytest.raises(ConfigError, match=words):
            call()
    assert (tree_digest(BUNDLED_DATA_DIR), tree_digest(REPO / "notebooks")) == before


def test_scenarios_refuses_a_users_folder_and_keeps_every_byte(tmp_path, no_work):
    mine = tmp_path / "analysis"
    mine.mkdir()
    (mine / "notes.md").write_text("three weeks of notes\n")
    (mine / "summary.csv").write_text("my own summary\n")
    before = tree_digest(mine)
    result = cli("scenarios", tmp_path / "run", "--config", SCENARIOS, "--out", mine, "--force")
    refused(result, "--out", "notes.md", "did not write")
    assert tree_digest(mine) == before


def test_scenarios_refuses_to_write_over_the_run_it_reads(tmp_path, no_work):
    run = fake_output(tmp_path / "run", "fit", files=("fit.nc", "run.json", "forecast.json"))
    before = tree_digest(run)
    result = cli("scenarios", run, "--config", SCENARIOS, "--out", run, "--force")
    refused(result, "written by 'forecast fit'")
    assert tree_digest(run) == before


@pytest.mark.parametrize("command", ["fit", "scenarios", "backtest"])
def test_an_existing_file_as_out_is_refused(tmp_path, no_work, command):
    target = tmp_path / "results.txt"
    target.write_text("keep me\n")
    extra = {
        "fit": [],
        "scenarios": [tmp_path / "run", "--config", SCENARIOS],
        "backtest": ["--cutoffs", "2016-06"],
    }[command]
    refused(cli(command, *extra, "--out", target), "existing file")
    assert target.read_text() == "keep me\n"


def test_fit_over_an_earlier_run_needs_force(tmp_path, no_work):
    run = fake_output(tmp_path / "run", "fit")
    refused(cli("fit", "--out", run), "already holds a fit", "--force")


def test_fit_force_refuses_a_run_folder_holding_user_files(tmp_path, no_work):
    run = fake_output(tmp_path / "run", "fit")
    (run / "my-reading.md").write_text("notes")
    before = tree_digest(run)
    refused(cli("fit", "--out", run, "--force"), "my-reading.md")
    assert tree_digest(run) == before


def test_backtest_force_refuses_a_folder_of_another_command(tmp_path, no_work):
    other = fake_output(tmp_path / "scen", "scenarios", files=("summary.csv",))
    refused(cli("backtest", "--cutoffs", "2016-06", "--out", other, "--force"), "scenario outputs")


def test_fit_into_a_read_only_folder_is_refused_before_sampling(tmp_path, no_work):
    folder = tmp_path / "shared"
    folder.mkdir()
    with immutable(folder):
        refused(cli("fit", "--out", folder / "run"), "cannot write into", "shared")


def test_an_out_below_a_file_is_refused(tmp_path, no_work):
    (tmp_path / "plain").write_text("x")
    refused(cli("fit", "--out", tmp_path / "plain" / "run"), "is a file")


def test_overlay_folder_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "overlay").write_text("not a folder")
    file = events(tmp_path, "2025-01-04,SRBM,2,success,x")
    result = cli("data", "import", file, "--format", "events", "--data-dir", tmp_path / "overlay")
    refused(result, "is a file")
    assert (tmp_path / "overlay").read_text() == "not a folder"


def test_read_only_overlay_folder_is_refused_cleanly(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    file = events(tmp_path, "2025-01-04,SRBM,2,success,x")
    with immutable(overlay):
        result = cli("data", "import", file, "--format", "events", "--data-dir", overlay)
    refused(result, "--data-dir", "cannot write into")
    assert list(overlay.iterdir()) == []


def test_read_only_overlay_table_is_refused_without_a_half_update(tmp_path):
    overlay = tmp_path / "overlay"
    first = events(tmp_path, "2025-01-04,SRBM,2,success,x", name="a.csv")
    succeeded(cli("data", "import", first, "--format", "events", "--data-dir", overlay))
    before = tree_digest(overlay)
    second = events(tmp_path, "2025-02-04,SRBM,1,success,y", name="b.csv")
    with immutable(overlay / "missile_tests.csv"):
        result = cli("data", "import", second, "--format", "events", "--data-dir", overlay)
    refused(result, "missile_tests.csv", "cannot be replaced")
    assert tree_digest(overlay) == before


# --- limits --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row, words",
    [
        ("2025-01-04,SRBM,1e300,success,x", ["n_missiles", "more than 100"]),
        ("2025-01-04,SRBM,1000000,success,x", ["n_missiles", "more than 100"]),
        ("2025-01-04,SRBM,101,success,x", ["n_missiles"]),
        ("2025-01-04,SRBM,inf,success,x", ["n_missiles", "finite"]),
        ("2025-01-04,SRBM,2.5,success,x", ["whole number"]),
        ("2025-01-04,SRBM,0,success,x", ["at least 1"]),
        ("1950-06-25,SRBM,1,success,x", ["1950-06-25", "1984-01-01"]),
        ("2999-01-01,SRBM,1,success,x", ["in the future"]),
        ("2025-02-30,SRBM,1,success,x", ["not a valid date"]),
        ("2025-01-04,SRBM,,success,x", ["n_missiles", "required value is empty"]),
        ("2025-01-04,SRBM,nan,success,x", ["n_missiles", "not a number"]),
        ("2025-01-04,SRBM,0x10,success,x", ["n_missiles", "not a number: '0x10'"]),
        ("2025-01-04,SRBM,1", ["line 2", "3 fields, fewer than the header's 5"]),
    ],
)
def test_events_template_limits(tmp_path, row, words):
    file = events(tmp_path, row)
    result = cli("data", "import", file, "--format", "events", "--data-dir", tmp_path / "o")
    message = refused(result, "events.csv", *words)
    assert "leave empty" not in message  # a missile count is required, never left empty
    assert not (tmp_path / "o").exists()


def test_blank_lines_of_spaces_and_a_trailing_empty_field_are_no_short_rows(tmp_path):
    """The short-row check counts records as pandas does: a line of spaces is skipped, and an
    empty last field is a field."""
    file = events(tmp_path, "  ", "2025-01-04,SRBM,1,success,x", "\t")
    result = cli("data", "import", file, "--format", "events", "--data-dir", tmp_path / "o")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "added 1 missile row (one per missile), 1 launch day," in result.stdout
    from forecast.data.checked_csv import parse_csv

    assert len(parse_csv("a,b,c\n1,2,\n \n", "t.csv")) == 1


def test_events_template_caps_missiles_per_day_across_rows(tmp_path):
    file = events(tmp_path, "2025-01-04,SRBM,60,success,x", "2025-01-04,IRBM,60,success,y")
    result = cli("data", "import", file, "--format", "events", "--data-dir", tmp_path / "o")
    refused(result, "120 missiles on 2025-01-04")


def test_overlay_table_with_an_absurd_salvo_index_is_refused(tmp_path):
    overlay = tmp_path / "o"
    overlay.mkdir()
    (overlay / "missile_tests.csv").write_text(
        "date,date_precision,salvo_index,time_utc,missile,missile_class,facility,landing,"
        "apogee_km,distance_km,outcome\n"
        "2025-01-04,day,1000000000,,x,SRBM,Unknown,unknown,,,success\n"
    )
    refused(cli("data", "summary", "--data-dir", overlay), "missile_tests.csv", "salvo_index")


@pytest.mark.parametrize(
    "row, words",
    [
        ("1e300,,", ["yield_kt 1e+300", "more than 100,000 kt"]),
        ("5,,1e9", ["yield_kt_high", "more than 100,000 kt"]),
        ("5,8,2", ["bounds 8..2 kt are out of order"]),
        ("50,1,10", ["yield 50 kt", "out of order"]),
    ],
)
def test_overlay_nuclear_yield_limits(tmp_path, row, words):
    """A unit error (1e300 kt) or bounds out of order are refused; empty bounds are fine."""
    overlay = tmp_path / "o"
    overlay.mkdir()
    header = "date,site,yield_kt,yield_kt_low,yield_kt_high,source\n"
    table = overlay / "nuclear_tests.csv"
    table.write_text(header + f"2025-01-04,Punggye-ri,{row},x\n")
    refused(cli("data", "summary", "--data-dir", overlay), "nuclear_tests.csv", *words)
    table.write_text(header + "2025-01-04,Punggye-ri,5,,,x\n")
    assert cli("data", "summary", "--data-dir", overlay).exit_code == 0


@pytest.mark.parametrize(
    "row, words",
    [
        ("Ulchi,1900-08-01,1900-08-10,full,false,x", ["1900-08-01", "1984-01-01"]),
        ("Marathon,1990-01-01,2025-12-31,full,false,x", ["longer than 120"]),
    ],
)
def test_overlay_exercise_limits(tmp_path, row, words):
    overlay = tmp_path / "o"
    overlay.mkdir()
    (overlay / "exercises.csv").write_text("name,start,end,scale,approximate,source\n" + row + "\n")
    refused(cli("data", "summary", "--data-dir", overlay), "exercises.csv", *words)


@pytest.mark.parametrize(
    "start, end, words",
    [
        ("1900-03-01", "1900-03-10", ["START", "1984"]),
        ("1989-01-01", "2025-01-01", ["START/END", "longer than 120"]),
        ("2025-03-01", "2025-02-01", ["before START"]),
        ("2025-02-30", "2025-03-10", ["not a date"]),
    ],
)
def test_add_exercise_limits(tmp_path, start, end, words):
    overlay = tmp_path / "o"
    result = cli("data", "add-exercise", "X", start, end, "--source", "s", "--data-dir", overlay)
    refused(result, *words)
    assert not (overlay / "exercises.csv").exists()


def test_set_state_in_the_future_says_so(tmp_path):
    result = cli("data", "set-state", "2099-01-01", "stalled", "--source", "x", "--data-dir", "o")
    text = refused(result, "START", "in the future")
    assert "current month" not in text


def test_set_state_before_the_timeline_is_refused(tmp_path):
    result = cli(
        "data",
        "set-state",
        "1980-01-01",
        "stalled",
        "--source",
        "x",
        "--end",
        "1980-12-31",
        "--data-dir",
        "o",
    )
    refused(result, "START", "1990-01-01")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--seed", "-5"], ["--seed", "-5"]),
        (["--seed", str(2**32)], ["--seed"]),
        (["--draws", "1000000"], ["--draws", "20,000"]),
        (["--tune", "1000000"], ["--tune"]),
        (["--chains", "100"], ["--chains", "16"]),
        (["--until", "1900-01"], ["--until", "not a month"]),
        (["--until", "2026-13"], ["--until"]),
        (["--since", "2026-1"], ["--since", "not a month"]),  # as the YAML files refuse it
        (["--today", "3000-01-01"], ["--today", "outside 1990..2200"]),
        (["--since", "2020-01", "--until", "2010-01"], ["is after --until 2010-01", "swap"]),
    ],
)
def test_fit_option_limits_come_before_any_work(tmp_path, no_work, args, words):
    refused(cli("fit", "--out", tmp_path / "run", *args), *words)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--cutoffs", "2016-06", "--workers", "1000"], ["--workers"]),
        (["--every", "1000"], ["--every"]),
        (["--cutoffs", "2016-06", "--horizon", "1000"], ["--horizon"]),
        (["--cutoffs", "2016-06", "--seed", "-1"], ["--seed"]),
        (["--cutoffs", "2016-06", "--draws", "999999"], ["--draws"]),
    ],
)
def test_backtest_option_limits_come_before_any_work(tmp_path, no_work, args, words):
    refused(cli("backtest", "--out", tmp_path / "bt", *args), *words)


@pytest.mark.parametrize(
    "args, words",
    [
        (["fit", "--out", "r", "--chians", "2"], ["--chians", "--chains", "'forecast fit --help'"]),
        (["fitt"], ["No such command 'fitt'", "'forecast --help'"]),
        (["scenarios", "r", "--config", "s.yaml", "--out", "o", "--draws", "abc"], ["--draws"]),
        (["data", "set-state", "2026-01-01", "no_talks"], ["--source", "data set-state --help"]),
    ],
)
def test_usage_errors_are_one_error_line_with_a_fix(tmp_path, args, words):
    refused(cli(*args), *words)


def test_sigterm_is_ours_only_while_a_command_runs_and_sampling_spares_a_foreign_handler():
    import signal

    from forecast.cli.app import _terminate
    from forecast.models.sampling import _interrupts_raise

    def foreign(signum, frame):  # another program's graceful shutdown
        pass

    before = signal.signal(signal.SIGTERM, foreign)
    try:
        refused(cli("fitt"), "No such command")
        assert signal.getsignal(signal.SIGTERM) is foreign  # given back after the command
        with _interrupts_raise():
            assert signal.getsignal(signal.SIGTERM) is foreign  # not taken over
        signal.signal(signal.SIGTERM, _terminate)
        with _interrupts_raise():  # the command line's: honoured as Ctrl-C is
            assert signal.getsignal(signal.SIGTERM) is not _terminate
        assert signal.getsignal(signal.SIGTERM) is _terminate
    finally:
        signal.signal(signal.SIGTERM, before)


def test_a_missing_overlay_named_by_the_environment_is_named_so(tmp_path):
    env = {"FORECAST_DATA_DIR": str(tmp_path / "none")}
    refused(cli("data", "summary", env=env), "$FORECAST_DATA_DIR", "unset FORECAST_DATA_DIR")
    written = cli(  # a writing command creates it
        "data", "set-state", "2026-01-01", "no_talks", "--source", "x", "--end", "2026-01-31",
        env=env,
    )  # fmt: skip
    assert written.exit_code == 0, written.output
    assert (tmp_path / "none" / "negotiation_states.csv").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ["set-state", "2026-01-01", "no_talks", "--source", " "],
        ["add-exercise", "FS", "2026-03-09", "2026-03-19", "--source", ""],
        ["confirm-exercises", "2026-01-31", "--source", ""],
        ["confirm-leaders", "2026-01-31", "--source", " "],
        ["set-leader", "US", "Someone", "2026-01-01", "--source", ""],
    ],
)
def test_an_empty_source_is_named_as_the_option(tmp_path, args):
    overlay = tmp_path / "overlay"
    refused(cli("data", *args, "--data-dir", overlay), "--source: is empty")
    assert not overlay.exists()  # it blamed a CSV line of a file never written


@pytest.mark.parametrize(
    "args, option",
    [
        (["set-state", "2026-01-01", "no_talks", "--source", "x" * 10_001], "--source"),
        (
            ["set-state", "2026-01-01", "no_talks", "--source", "x", "--events", "e" * 50_000],
            "--events",
        ),
        (["add-exercise", "N" * 100_000, "2026-03-09", "2026-03-19", "--source", "x"], "NAME"),
        (["confirm-exercises", "2026-01-31", "--source", "x" * 10_001], "--source"),
        (["confirm-leaders", "2026-01-31", "--source", "x" * 10_001], "--source"),
        (["set-leader", "US", "L" * 100_000, "2026-01-01", "--source", "x"], "LEADER"),
    ],
)
def test_a_text_pasted_too_long_is_refused_before_anything_is_written(tmp_path, args, option):
    overlay = tmp_path / "overlay"
    refused(cli("data", *args, "--data-dir", overlay), option, "more than 10,000")
    assert not overlay.exists()


@pytest.mark.parametrize("only", ["", ","])
def test_sensitivity_with_an_empty_only_is_refused(tmp_path, no_work, only):
    # it refitted every alternative
    refused(cli("sensitivity", "--out", tmp_path / "s", "--only", only), "no alternative id")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("since", ["", ",", " "])
def test_contrasts_without_a_first_month_is_refused(tmp_path, no_work, since):
    refused(cli("contrasts", "--out", tmp_path / "c", "--since", since), "no first month")
    assert not (tmp_path / "c").exists()


def test_contrasts_with_too_many_first_months_is_refused(tmp_path, no_work):
    since = ",".join(f"{year}-01" for year in range(1990, 2011))  # 21 fits
    refused(cli("contrasts", "--out", tmp_path / "c", "--since", since), "21 first months", "20")
    assert not (tmp_path / "c").exists()


def test_contrasts_refuses_a_month_after_the_data_before_the_first_fit(tmp_path, monkeypatch):
    from forecast.models.base import BaseModel

    def tripwire(*args, **kwargs):
        raise AssertionError("a fit ran before the refusal")

    monkeypatch.setattr(BaseModel, "fit", tripwire)
    result = cli("contrasts", "--out", tmp_path / "c", "--since", "2005-01,2030-01")
    refused(result, "--since", "2030-01 is after the data's last month")
    assert not (tmp_path / "c").exists()
    # a count model's window of 7 months, after a window it would have fitted first
    result = cli(
        "contrasts", "--out", tmp_path / "c", "--model", "state_rate",
        "--since", "2005-01,2025-06",
    )  # fmt: skip
    refused(result, "7 months")
    assert not (tmp_path / "c").exists()


def test_contrasts_fits_a_month_given_twice_once(tmp_path):
    """``--since 2005-01,2005-01-15,2005-01`` is one first month: one fit and one row per
    state (it ended in an internal error after every fit had run)."""
    import pandas as pd

    result = succeeded(
        cli(
            "contrasts",
            "--out",
            tmp_path / "c",
            "--model",
            "state_rate",
            "--since",
            "2005-01,2005-01-15,2005-01",
            "--preset",
            "mock",
        )  # fmt: skip
    )
    table = pd.read_csv(tmp_path / "c" / "contrasts.csv", dtype={"since": str})
    assert set(table["since"]) == {"2005-01"}
    assert len(table) == table["state"].nunique() == 4  # one fit: one row per state
    assert "Comma-separated" not in result.stdout


def test_backtest_errors_always_carry_a_real_fix():
    source = (REPO / "forecast" / "evaluation" / "backtest.py").read_text()
    assert '"fix it"' not in source
    from forecast.errors import ConfigError
    from forecast.evaluation.plan import BacktestSettings

    with pytest.raises(ConfigError) as info:
        BacktestSettings(draws=0)
    assert "Fix: pass --draws with a whole number from 1 to 20000" in str(info.value)


def test_scenarios_seed_is_checked_before_any_work(tmp_path, no_work):
    args = ["scenarios", tmp_path / "run", "--config", SCENARIOS, "--out", tmp_path / "o"]
    refused(cli(*args, "--seed", "-5"), "--seed")


def test_summary_since_after_the_data_is_refused():
    refused(cli("data", "summary", "--since", "2100"), "--since", "after the last year")


# --- scenario and priors YAML ---------------------------------------------------------------------

ALIAS_BOMB = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    "text, words",
    [
        (ALIAS_BOMB, ["YAML aliases"]),
        ("horizon: 12\nhorizon: 24\nscenarios: {a: {}}\n", ["'horizon' appears twice", "line 2"]),
        ("horizon: 12\nscenarios:\n  a:\n    states: {2026-02-30: stalled}\n", ["2026-02-30"]),
        ("start: 2026-02-30\nhorizon: 12\nscenarios: {a: {}}\n", ["key 'start'", "2026-02-30"]),
        ("start: 0999-01\nhorizon: 12\nscenarios: {a: {}}\n", ["key 'start'"]),
        (
            "horizon: 12\nscenarios:\n  a: {states: {2026-01: stalled, 2026-01-15: summitry}}\n",
            ["twice"],
        ),
        ("- horizon\n- 12\n", ["not a mapping"]),
        ("", ["empty"]),
        ("horizon: [12\n", ["not valid YAML"]),
        ("horizon: !!python/object/apply:os.system ['true']\n", ["not valid YAML"]),
        ("a: " + "[" * 3000, ["not valid YAML"]),
        ("horizon: 12\nscenarios: {a: {states: {2026-01: peace}}}\n", ["unknown value 'peace'"]),
        ("horizon: 10000\nscenarios: {a: {}}\n", ["key 'horizon'"]),
        ("horizon: 12\nscenarios: {a: {label: [1, 2]}}\n", ["not text"]),
        # a value refused after loading is reported on its own line
        (
            "horizon: 12\nscenarios:\n  a:\n    label: calm\n    states:\n      2026-03: peace\n",
            ["line 6:", "key 'scenarios.a.states.2026-03'", "unknown value 'peace'"],
        ),
        ("horizon: 12\nscenarios:\n  a: {label: calm}\n  b:\n    label: [1]\n", ["line 5:"]),
        ("horizon: 12\nscenarios:\n  - a: {label: calm}\n", ["line 2:", "is a list"]),
        (
            "horizon: 12\nscenarios:\n  a:\n    transitions: true\n    conditions:\n"
            "      - state: summitry\n        within: 3\n        probability: 1.7\n",
            ["line 8:", "conditions[0].probability"],
        ),
    ],
)
def test_hostile_scenario_files(tmp_path, no_work, text, words):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    before = path.read_bytes()
    result = cli("scenarios", tmp_path / "run", "--config", path, "--out", tmp_path / "o")
    refused(result, "s.yaml", *words)
    assert path.read_bytes() == before


def test_a_yaml_mapping_knows_the_line_of_each_key_and_item():
    from forecast.errors import ConfigError
    from forecast.yamlio import load_yaml_text, located

    text = "# note\na: &x [1, *x]\nb:\n  c:\n    - x\n    - {d: 2}\n"
    spec = load_yaml_text(text, "s.yaml")
    assert spec == {"a": spec["a"], "b": {"c": ["x", {"d": 2}]}}  # a recursive alias loads
    assert spec.lines == {
        "a": 2, "a.0": 2, "a.1": 2, "b": 3, "b.c": 4, "b.c.0": 5, "b.c.1": 6, "b.c.1.d": 6
    }  # fmt: skip
    error = ConfigError("s.yaml", "key 'b.c.1.d': 2 is odd", "make it even")
    assert str(located(error, spec)) == "s.yaml, line 6: key 'b.c.1.d': 2 is odd. Fix: make it even"
    # a key the file does not hold: its nearest enclosing key's line
    assert located(ConfigError("s.yaml", "key 'b.e' is missing", "add it"), spec).rows == [3]
    assert located(error, dict(spec)) is error  # a plain mapping has no lines
    placed = ConfigError("s.yaml", "key 'b': bad", "fix", rows=[9])
    assert located(placed, spec) is placed  # a line already named stays


def test_too_many_scenarios_are_refused(tmp_path, no_work):
    path = tmp_path / "s.yaml"
    path.write_text("horizon: 12\nscenarios:\n" + "".join(f"  s{i}: {{}}\n" for i in range(51)))
    refused(cli("scenarios", "run", "--config", path, "--out", "o"), "51 scenarios")


def test_an_empty_file_argument_is_named_as_the_current_folder(tmp_path):
    """``data import ""`` (an unset shell variable) reads as '.': the message says so."""
    overlay = tmp_path / "overlay"
    result = cli("data", "import", "", "--format", "events", "--data-dir", overlay)
    refused(result, "the file is the current folder (an empty path, or '.')")
    assert not overlay.exists()


@pytest.mark.parametrize(
    "content, words",
    [
        (b"horizon: 12\x00\x01\x02\n", ["binary"]),
        (b"horizon: \xff\xfe12\n", ["not UTF-8"]),
        (b"horizon: 12\n" + b"#" * 1_100_000, ["larger than 1,000,000"]),
    ],
)
def test_scenario_files_with_bad_bytes(tmp_path, no_work, content, words):
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    refused(cli("scenarios", "run", "--config", path, "--out", "o"), *words)


def test_scenario_file_that_is_a_folder_or_unreadable(tmp_path, no_work):
    refused(cli("scenarios", "run", "--config", tmp_path, "--out", "o"), "is a folder")
    refused(cli("scenarios", "run", "--config", "", "--out", "o"), "current folder (an empty path")
    path = tmp_path / "s.yaml"
    path.write_text("horizon: 12\nscenarios: {a: {}}\n")
    with unreadable(path):
        result = cli("scenarios", "run", "--config", path, "--out", "o")
    refused(result, "s.yaml", "Permission denied")


@pytest.mark.parametrize(
    "text, words",
    [
        ("state_effect: {sigma: -1}\n", ["state_effect.sigma", "greater than 0"]),
        ('state_effect: {sigma: "wide"}\n', ["state_effect.sigma", "not a number"]),
        ("state_effect: {sigma: .nan}\n", ["finite"]),
        ("state_effect: {sigma: 1.0e+400}\n", ["finite"]),
        ("state_effect: {sigma: 1e400}\n", ["finite"]),  # YAML 1.1 text, read as a number
        ("alpha: {sigma: 0}\n", ["alpha.sigma", "greater than 0"]),
        ("state_effect: 5\n", ["not a mapping"]),
        ("state_effect: {sigma: 1}\nstate_effect: {sigma: 2}\n", ["appears twice"]),
        ("state_effect: {scale: 1}\n", ["unknown parameter"]),
        ("telepathy: {sigma: 1}\n", ["unknown prior"]),
        ("[1, 2]\n", ["not a mapping"]),
        # with the line of the prior or parameter refused
        ("# mine\nseason: {sigma: 0.2}\nstate_effect:\n  sigma: -1\n", ["line 4:", "than 0"]),
        ("season: {sigma: 0.2}\ntelepathy: {sigma: 1}\n", ["line 2:", "unknown prior"]),
    ],
)
def test_bad_priors_fail_before_the_data_is_loaded(tmp_path, no_work, text, words):
    path = tmp_path / "priors.yaml"
    path.write_text(text)
    refused(cli("fit", "--out", tmp_path / "run", "--priors", path), "priors.yaml", *words)
    assert not (tmp_path / "run").exists()


# --- data files: OS and parser errors ----------------------------------------------------------


CNS_HEADER = (
    "F1,Date,Date Entered/Updated,Launch Time (UTC),Missile Name,Missile Type,Launch "
    "Agency/Authority,Facility Name,Facility Location,Other Name,Facility Latitude,Facility "
    "Longitude,Landing Location,Apogee,Distance Travelled,Confirmation Status,Test Outcome,"
    "Additional Information,Source(s)\n"
)


@pytest.mark.parametrize(
    "content, words",
    [
        (CNS_HEADER.encode() + b'1,"4-Jan-25,,,Hwasong,SRBM\n2,5-Jan-25\n', ["not valid CSV"]),
        (CNS_HEADER.encode() + bytes(range(256)) * 4, ["binary data"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["binary data"]),
        (
            CNS_HEADER.encode() + b"1,1950-06-25,,,Scud,SRBM,,,,,,,,,,,Success,,\n",
            ["1950-06-25", "1984-01-01"],
        ),
        (b"a,b\n1,2\n", ["missing column"]),
        (b"", ["empty"]),
    ],
)
def test_hostile_cns_exports(tmp_path, content, words):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    result = cli("data", "import", path, "--format", "cns", "--data-dir", tmp_path / "o")
    refused(result, "export.csv", *words)
    assert not (tmp_path / "o").exists()


def test_an_unreadable_import_file_is_reported(tmp_path):
    file = events(tmp_path, "2025-01-04,SRBM,2,success,x")
    with unreadable(file):
        result = cli("data", "import", file, "--format", "events", "--data-dir", tmp_path / "o")
    refused(result, "events.csv", "Permission denied")


def test_an_import_file_that_is_a_folder_is_reported(tmp_path):
    result = cli("data", "import", tmp_path, "--format", "cns", "--data-dir", tmp_path / "o")
    refused(result, str(tmp_path))


def test_an_unreadable_overlay_table_is_reported(tmp_path):
    overlay = copy_bundled(tmp_path / "o")
    with unreadable(overlay / "exercises.csv"):
        result = cli("data", "summary", "--data-dir", overlay)
    refused(result, "exercises.csv", "Permission denied")


def test_an_unreadable_overlay_folder_is_reported(tmp_path):
    overlay = copy_bundled(tmp_path / "o")
    with unreadable(overlay):
        result = cli("data", "summary", "--data-dir", overlay)
    refused(result, "Permission denied")


def test_a_folder_in_place_of_an_overlay_table_is_reported(tmp_path):
    overlay = tmp_path / "o"
    (overlay / "missile_tests.csv").mkdir(parents=True)
    refused(cli("data", "summary", "--data-dir", overlay), "missile_tests.csv")


def test_a_damaged_source_log_stops_the_import_without_changes(tmp_path):
    overlay = tmp_path / "o"
    first = events(tmp_path, "2025-01-04,SRBM,2,success,x", name="a.csv")
    succeeded(cli("data", "import", first, "--format", "events", "--data-dir", overlay))
    (overlay / "import_sources.csv").write_text('date,"broken\n')
    before = tree_digest(overlay)
    second = events(tmp_path, "2025-02-04,SRBM,1,success,y", name="b.csv")
    result = cli("data", "import", second, "--format", "events", "--data-dir", overlay)
    refused(result, "import_sources.csv")
    assert tree_digest(overlay) == before


@pytest.fixture
def raw_copy(raw_dir, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    return raw


@pytest.mark.parametrize(
    "damage, words",
    [
        ("truncate-json", ["test.en.json", "not valid JSON"]),
        ("empty-json-object", ["test.en.json", "unexpected structure"]),
        ("rename-csis-header", ["north_korea_provocations_1958_present.csv", "missing column"]),
        ("binary-csis", ["north_korea_provocations_1958_present.csv", "binary"]),
    ],
)
def test_damaged_raw_sources_in_data_build(raw_copy, tmp_path, damage, words):
    test_json = raw_copy / "cns_nagix" / "test.en.json"
    csis = raw_copy / "csis_provocations" / "north_korea_provocations_1958_present.csv"
    if damage == "truncate-json":
        test_json.write_bytes(test_json.read_bytes()[: test_json.stat().st_size // 2])
    elif damage == "empty-json-object":
        test_json.write_text("{}")
    elif damage == "rename-csis-header":
        lines = csis.read_text().splitlines(keepends=True)
        csis.write_text(lines[0].replace("date", "Date", 1) + "".join(lines[1:]))
    else:
        csis.write_bytes(b"\x00\x01" * 100)
    out = copy_bundled(tmp_path / "out")
    before = tree_digest(out)
    refused(cli("data", "build", "--raw", raw_copy, "--out", out), *words)
    assert tree_digest(out) == before


# --- run folders --------------------------------------------------------------------------------


def _frozen(
    draws: str = "[1]", target: str = "launch_days", first: str = '"2026-01"', key='"2026-01"'
) -> str:
    """A frozen ``forecast.json`` written by hand, one month, with the parts given."""
    head = '{"created_at": "2026-01-05T00:00:00+00:00", "model": "m", '
    months = '"horizon": 1, "state": "stalled", "months": [{"month": "2026-01"}], '
    return (
        head
        + f'"target": "{target}", "first_month": {first}, '
        + months
        + (f'"draws": {{{key}: {draws}}}}}')
    )


def test_ledger_with_a_missing_runs_folder_exits_2(tmp_path):
    refused(cli("ledger", "--runs", tmp_path / "nope"), "nope", "--runs")


@pytest.mark.parametrize(
    "content, words",
    [
        ("{}", ["missing key"]),
        ("[]", ["not a JSON object"]),
        ("{not json", ["not valid JSON"]),
        (_frozen(draws='["a"]'), ["not all counts"]),
        (_frozen(target="tweets"), ["unknown target"]),
        (_frozen().replace('"created_at": "2026-01-05T00:00:00+00:00", ', ""), ["created_at"]),
        (_frozen(draws="[Infinity, 1, 2]"), ["not all counts"]),
        (_frozen(draws="[NaN, 1, 2]"), ["not all counts"]),
        (_frozen(draws="[1e308, 1e308, 1]"), ["not all counts", "1,000,000"]),
        (_frozen(draws="[1.5, 2]"), ["not all counts"]),
        (_frozen(draws="[-1, 2]"), ["not all counts"]),
        (_frozen(draws="[true, 2]"), ["not all counts"]),
        (_frozen(first='"garbage"'), ["'first_month'", "not a month"]),
        (_frozen(first="5"), ["'first_month'", "not a month"]),
        (_frozen(key='"soon"'), ["'soon'", "not a month"]),
    ],
)
def test_ledger_with_a_damaged_forecast_json(tmp_path, content, words):
    """Refused with exit 2 naming the file and what is wrong; no library warning (numpy's
    "invalid value" on an infinite draw) reaches the output."""
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "forecast.json").write_text(content)
    with warnings.catch_warnings(record=True) as caught:  # in process: warnings are recorded
        warnings.simplefilter("always")
        result = cli("ledger", "--runs", tmp_path / "runs")
    refused(result, "forecast.json", *words)
    assert not [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


def test_ledger_scores_a_sound_hand_made_forecast_json(tmp_path):
    """The hand-made record the refusals above damage is itself read and listed."""
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "forecast.json").write_text(_frozen(draws="[0, 1, 2]"))
    result = cli("ledger", "--runs", tmp_path / "runs")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "r1" in result.stdout and "2026-01" in result.stdout


@pytest.mark.parametrize(
    "change, words",
    [
        ({"questions_text": 5}, ["'questions_text'", "not text"]),
        ({"questions_text": None}, ["'questions_text'"]),
        ({"questions_text": "  "}, ["'questions_text'", "empty"]),
        ({"answers": [5]}, ["'answers'", "each naming its question"]),
        ({"answers": "x"}, ["'answers'"]),
        ({"outcomes": []}, ["'outcomes'"]),
        ({"outcomes": {"q": [1, "a"]}}, ["outcomes kept for 'q'"]),
    ],
)
def test_ledger_with_a_damaged_answers_json(tmp_path, change, words):
    """A damaged ``answers.json`` in the answers folder: exit 2 naming it, no internal error."""
    answers = tmp_path / "answers" / "made"
    answers.mkdir(parents=True)
    record = {"answers": [], "outcomes": {}, "questions_text": "questions: []\n"} | change
    (answers / "answers.json").write_text(json.dumps(record))
    result = cli("ledger", "--runs", tmp_path / "runs", "--answers", tmp_path / "answers")
    refused(result, "answers.json", *words)


@pytest.fixture
def run_copy(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    return run


def test_scenarios_refuses_resampling_up(run_copy, tmp_path):
    args = ["scenarios", run_copy, "--config", SCENARIOS, "--out", tmp_path / "o"]
    refused(cli(*args, "--draws", "1000000"), "--draws", "holds 100 posterior draws")
    assert not (tmp_path / "o").exists()
    # the questions too, before their simulation's size check (which named no file)
    questions = REPO / "questions" / "2026.yaml"
    args = ["questions", run_copy, "--config", questions, "--out", tmp_path / "q"]
    refused(cli(*args, "--draws", "1000000000"), "--draws", "holds 100 posterior draws")
    assert not (tmp_path / "q").exists()


def test_a_file_given_as_the_run_is_named_a_file(tmp_path):
    """Not "run folder not found": the path exists, it is a file."""
    given = tmp_path / "launches.csv"
    given.write_text("date\n")
    args = ["scenarios", given, "--config", SCENARIOS, "--out", tmp_path / "o"]
    refused(cli(*args), "launches.csv", "is a file, not a run folder")
    assert not (tmp_path / "o").exists()


def test_a_run_without_its_outlook_file_says_so(run_copy, tmp_path):
    (run_copy / "outlook.nc").unlink()
    args = ["scenarios", run_copy, "--config", SCENARIOS, "--out", tmp_path / "o"]
    refused(cli(*args), "outlook.nc is missing", "restore outlook.nc")
    assert not (tmp_path / "o").exists()


def test_an_edited_run_json_that_disagrees_with_fit_nc_is_noticed(run_copy, tmp_path):
    record = json.loads((run_copy / "run.json").read_text())
    record["config"]["priors"]["log_rate"]["sigma"] = 9.0
    (run_copy / "run.json").write_text(json.dumps(record))
    result = cli("scenarios", run_copy, "--config", SCENARIOS, "--out", tmp_path / "o")
    refused(result, "run.json", "disagrees with fit.nc", "config")


@pytest.mark.parametrize("content", ["[]", "{oops", "\xff"])
def test_a_damaged_run_json_is_reported(run_copy, tmp_path, content):
    (run_copy / "run.json").write_text(content, encoding="latin-1")
    result = cli("scenarios", run_copy, "--config", SCENARIOS, "--out", tmp_path / "o")
    refused(result, "run.json")


@pytest.mark.parametrize("damage", ["garbage", "folder"])
def test_a_damaged_fit_nc_is_reported(run_copy, tmp_path, damage):
    (run_copy / "fit.nc").unlink()
    if damage == "garbage":
        (run_copy / "fit.nc").write_bytes(b"CDF\x01" + b"\x00" * 64)
    else:
        (run_copy / "fit.nc").mkdir()
    result = cli("scenarios", run_copy, "--config", SCENARIOS, "--out", tmp_path / "o")
    refused(result, "fit.nc")


def test_refit_refuses_to_drop_the_overlay_the_old_run_used(run_copy, tmp_path, no_work):
    record = json.loads((run_copy / "run.json").read_text())
    record["data_dir"] = str(tmp_path / "gone-overlay")
    (run_copy / "run.json").write_text(json.dumps(record))
    result = cli("refit", run_copy, "--out", tmp_path / "new")
    refused(result, "--data-dir", "gone-overlay", "no longer exists")
    assert not (tmp_path / "new").exists()


def test_refit_uses_the_recorded_overlay_when_it_still_exists(tmp_path, capsys):
    from forecast.cli.fit_work import _refit_data_dir

    overlay = tmp_path / "overlay"
    overlay.mkdir()
    assert _refit_data_dir(None, {"data_dir": str(overlay)}, tmp_path) == overlay
    assert "using the overlay data folder the old run was fitted with" in capsys.readouterr().out
    assert _refit_data_dir(tmp_path, {"data_dir": str(overlay)}, tmp_path) == tmp_path


def test_scenarios_write_replace_and_protect_user_files(run_copy, tmp_path):
    out = tmp_path / "out"
    args = ["scenarios", run_copy, "--config", SCENARIOS, "--out", out, "--draws", "10"]
    first = cli(*args)
    assert first.exit_code == 0, first.stdout + first.stderr
    assert (out / "summary.csv").is_file() and (out / ".forecast-output.json").is_file()
    refused(cli(*args), "already holds scenario outputs", "--force")
    succeeded(cli(*args, "--force"))
    (out / "my-notes.md").write_text("mine")
    before = tree_digest(out)
    refused(cli(*args, "--force"), "my-notes.md")
    assert tree_digest(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_what_changed_escapes_pipes_and_newlines_in_sources():
    import pandas as pd

    from forecast.refit import _table, render_html

    md = _table(pd.DataFrame({"date": ["2026-01-04"], "source": ["KCNA | AP\nYonhap"]}))
    assert md.splitlines()[-1] == "| 2026-01-04 | KCNA \\| AP Yonhap |"
    assert "<td>KCNA | AP Yonhap</td>" in render_html(md)


# --- the last resort in main() ------------------------------------------------------------------


def test_main_maps_os_errors_and_marks_bugs_as_internal():
    from forecast.cli.app import describe_error

    message, code = describe_error(PermissionError(13, "Permission denied", "/x/overlay.csv"))
    assert code == 2 and "/x/overlay.csv" in message and "Fix:" in message
    message, code = describe_error(IsADirectoryError(21, "Is a directory", "/x/d"))
    assert code == 2 and "/x/d" in message
    message, code = describe_error(ZeroDivisionError("division by zero"))
    assert code == 1 and "bug in forecast" in message


def test_usage_errors_still_exit_2():
    result = cli("fit", "--draws", "many", "--out", "x")
    assert result.exit_code == 2 and "Traceback" not in result.stdout + result.stderr


# --- files that are not files, the current folder, budgets -------------------------------


def test_a_pipe_or_device_as_input_is_refused_without_blocking(tmp_path, no_work):
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    refused(cli("scenarios", "run", "--config", fifo, "--out", "o"), "not a regular file")
    refused(cli("fit", "--out", "run", "--priors", "/dev/zero"), "not a regular file")
    events_fifo = tmp_path / "events.csv"
    os.mkfifo(events_fifo)
    result = cli("data", "import", events_fifo, "--format", "events", "--data-dir", "o")
    refused(result, "not a regular file")


@pytest.mark.parametrize("out", [".", "..", "/"])
def test_the_current_folder_or_above_is_never_an_output(tmp_path, no_work, out):
    refused(cli("fit", "--out", out, "--force"), "--out")
    assert list(tmp_path.iterdir()) == []


def test_an_import_of_absurd_total_size_is_refused(tmp_path):
    rows = [f"{d.date()},SRBM,100,success,x" for d in pd_dates(101)]
    file = events(tmp_path, *rows)
    result = cli("data", "import", file, "--format", "events", "--data-dir", tmp_path / "o")
    refused(result, "more than 10,000")


def pd_dates(n):
    import pandas as pd

    return pd.date_range("2000-01-01", periods=n, freq="D")


def test_a_scenario_start_far_after_the_fit_is_refused(run_copy, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("start: 2090-01\nhorizon: 12\nscenarios: {a: {}}\n")
    result = cli("scenarios", run_copy, "--config", path, "--out", tmp_path / "o")
    refused(result, "key 'start'", "months after the fitted data")


def test_a_simulation_beyond_the_memory_budget_is_refused(tiny_run):
    from forecast.errors import ConfigError
    from forecast.runs import load_run
    from forecast.scenarios import parse_scenarios, simulate_scenarios

    model, _ = load_run(tiny_run)
    spec = {"horizon": 120, "scenarios": {f"s{i}": {} for i in range(50)}}
    with pytest.raises(ConfigError, match="simulated values, more than 20,000,000"):
        simulate_scenarios(model, parse_scenarios(spec, "big.yaml"), draws=5000)


# --- issue 25: --force replaces only our own output; hostile text and files --------------------


@pytest.mark.parametrize(
    "command, names",
    [
        (["fit"], ["run.json"]),
        (["fit"], ["what_changed.txt", "effects.png"]),
        (["backtest", "--cutoffs", "2016-06"], ["settings.json", "scores.csv"]),
        (["report", "--fast"], ["01_data.ipynb", "02_priors.ipynb", "index.html"]),
    ],
)
def test_force_refuses_a_folder_of_the_users_own_files(tmp_path, no_work, command, names):
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in names:
        (mine / name).write_text("the user's own")
    before = tree_digest(mine)
    refused(cli(*command, "--out", mine, "--force"), "--out", *names)
    assert tree_digest(mine) == before


def test_single_file_force_refuses_the_users_own_html(tmp_path, no_work):
    mine = tmp_path / "mine.html"
    mine.write_text("<!DOCTYPE html>\n<p>mine</p>\n")
    result = cli("report", "--out", tmp_path / "r", "--single-file", mine, "--force")
    refused(result, "--single-file", "mine.html")
    assert mine.read_text() == "<!DOCTYPE html>\n<p>mine</p>\n"


def test_the_projects_notebooks_folder_is_never_an_output(no_work):
    notebooks = REPO / "notebooks"
    before = tree_digest(notebooks)
    refused(cli("report", "--fast", "--out", notebooks, "--force"), "--out", "project's own")
    assert tree_digest(notebooks) == before


def test_an_import_with_a_duplicate_date_column_is_refused(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "date,missile_class,n_missiles,outcome,source,date\n2025-01-04,SRBM,1,success,a,2025-02-01\n"
    )
    result = cli("data", "import", path, "--format", "events", "--data-dir", tmp_path / "o")
    refused(result, "events.csv", "more than once")
    assert not (tmp_path / "o").exists()


def test_set_state_over_covered_periods_through_the_command(tmp_path):
    args = ["data", "set-state", "2026-01-01", "stalled", "--end", "2026-10-31"]
    args += ["--source", "test", "--data-dir", tmp_path / "ov"]
    for _ in range(2):  # the same period twice
        result = cli(*args)
        assert result.exit_code == 0, result.stdout + result.stderr
    args[5] = "2026-11-30"  # extended
    result = cli(*args)
    assert result.exit_code == 0, result.stdout + result.stderr
