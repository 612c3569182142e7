"""Issue 25, outside the command line: nothing lost, nothing injected, nothing hangs.

Library-level tests of the fixes the commands use: ``--force`` replaces only our own
output (folders and the single file), overlay writes are serialised by a lock (concurrent
imports in real processes), ``set_state`` over covered periods, escaping of user text in
HTML and of spreadsheet formulas in CSV, regular files only with size caps, caps on
question files, ``--today`` and ``--scheduler`` checks.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import FORECAST_CLI, FRESH_TODAY, REPO, STALE_TODAY
from hostile_support import fake_output, tree_digest

from forecast.constants import (
    BUNDLED_DATA_DIR,
    MAX_HORIZON,
    MAX_QUESTIONS,
    NOTEBOOK_DIR,
    PROTECTED_DIRS,
)
from forecast.data.hand_coding import set_state
from forecast.data.launch_import import import_launches, read_source_log
from forecast.data.overlay import overlay_for_writing, read_overlay_table, subtract_periods
from forecast.data.transaction import LOCK, overlay_lock
from forecast.errors import ConfigError, DataError, InputError, RunFileError
from forecast.files import check_regular_file, read_json, write_csv
from forecast.outputs import (
    MARKER,
    SINGLE_FILE_MARKER,
    check_output_dir,
    check_single_file,
    is_single_file,
    output_dir,
    write_single_file,
)
from forecast.present import neutralise_formula, safe_for_csv, styled

HEADER = "date,missile_class,n_missiles,outcome,source\n"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@contextlib.contextmanager
def deadline(seconds: int = 20):
    """Fail instead of hanging when a read blocks (a pipe opened without a writer)."""

    def fail(*_):
        raise AssertionError(f"blocked for {seconds} s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def events(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


# --- 1. --force replaces only our own output ----------------------------------------------------

USER_FOLDERS = {
    "scenarios": ("scenarios", ["summary.csv"]),
    "fit-notes": ("fit", ["what_changed.txt", "effects.png"]),
    "backtest": ("backtest", ["settings.json", "scores.csv"]),
    "lone-run-json": ("fit", ["run.json"]),
    "report": ("report", ["01_data.ipynb", "02_priors.ipynb", "index.html"]),
}


@pytest.mark.parametrize("case", USER_FOLDERS)
def test_force_never_replaces_a_users_folder_and_names_the_files(tmp_path, case):
    command, names = USER_FOLDERS[case]
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in names:
        (mine / name).write_text("the user's own work")
    before = tree_digest(mine)
    with pytest.raises(ConfigError) as info:
        with output_dir(mine, command, force=True) as tmp:
            (tmp / names[0]).write_text("ours")
    message = str(info.value)
    assert message.startswith("--out:")
    assert all(name in message for name in names), message
    assert "did not" in message and "Fix:" in message
    assert tree_digest(mine) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mine.")]


def test_a_marker_without_its_file_list_is_not_ours(tmp_path):
    run = fake_output(tmp_path / "run", "fit", files=("fit.nc",))
    (run / MARKER).write_text(json.dumps({"command": "fit"}))  # no "files": not trusted
    with pytest.raises(ConfigError, match=r"fit\.nc.*did not\s+write"):
        check_output_dir(run, "fit", force=True)


def test_our_marked_output_is_still_replaced_with_force(tmp_path):
    with output_dir(tmp_path / "out", "scenarios") as tmp:
        (tmp / "summary.csv").write_text("old\n")
    with output_dir(tmp_path / "out", "scenarios", force=True) as tmp:
        (tmp / "summary.csv").write_text("new\n")
    assert (tmp_path / "out" / "summary.csv").read_text() == "new\n"


@pytest.mark.parametrize(
    "spelling",
    [
        lambda tmp: NOTEBOOK_DIR,
        lambda tmp: NOTEBOOK_DIR / "report",
        lambda tmp: NOTEBOOK_DIR / ".." / NOTEBOOK_DIR.name,
        lambda tmp: _link(tmp, NOTEBOOK_DIR),
        lambda tmp: REPO / "scenarios",
        lambda tmp: REPO / "forecast",
        lambda tmp: REPO / "questions" / "out",
    ],
)
@pytest.mark.parametrize("command", ["report", "fit", "scenarios"])
def test_the_projects_own_folders_are_never_outputs(tmp_path, spelling, command):
    with pytest.raises(ConfigError, match="the project's own folder"):
        check_output_dir(spelling(tmp_path), command, force=True)


def _link(tmp: Path, to: Path) -> Path:
    link = tmp / "harmless"
    link.symlink_to(to)
    return link


def test_the_protected_folders_exist_in_the_checkout():
    assert NOTEBOOK_DIR in PROTECTED_DIRS and NOTEBOOK_DIR.is_dir()


def test_the_overlay_is_never_a_project_folder(tmp_path):
    with pytest.raises(ConfigError, match="--data-dir.*the project's own folder"):
        overlay_for_writing(NOTEBOOK_DIR / "overlay")


def test_out_through_a_link_and_dot_dot_goes_where_the_os_goes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    (tmp_path / "link").symlink_to(deep)
    # the OS resolves link/.. to a/, so link/../x is a/x (not ./x, as the text suggests)
    assert check_output_dir("link/../x", "fit") == tmp_path / "a" / "x"
    with output_dir("link/../x", "fit") as tmp:
        (tmp / "fit.nc").write_text("x")
    assert (tmp_path / "a" / "x" / "fit.nc").is_file()
    assert not (tmp_path / "x").exists()


def test_a_symlink_loop_as_out_is_refused_up_front(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for path in (loop, loop / "sub"):
        with pytest.raises(ConfigError, match="--out.*loop") as info:
            check_output_dir(path, "fit")
        assert ".tmp" not in str(info.value)  # names the user's path, not a hidden folder
    assert [p.name for p in tmp_path.iterdir()] == ["loop"]


def test_a_link_to_nothing_is_refused_and_nothing_is_created(tmp_path):
    """Following a dangling link would create folders the user never named (the link's
    target and its parents): ``--out``, a folder on the way to it and ``--single-file`` are
    refused, naming the link and where it points."""
    gone = tmp_path / "elsewhere" / "deep" / "run"
    link = tmp_path / "latest"
    link.symlink_to(gone)
    for path in (link, link / "sub", link / ".." / "x"):  # the OS follows it before ".."
        with pytest.raises(ConfigError, match=r"--out: .*latest.* symbolic link to .*run, wh"):
            check_output_dir(path, "fit")
        with pytest.raises(ConfigError, match="remove the link"):
            with output_dir(path, "scenarios"):
                pass
    page = tmp_path / "pages"
    page.symlink_to(tmp_path / "elsewhere" / "pages")
    with pytest.raises(ConfigError, match="--single-file: .*pages.* does not exist"):
        check_single_file(page / "report.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "pages"]
    assert not (tmp_path / "elsewhere").exists()
    result = subprocess.run(
        [sys.executable, FORECAST_CLI, "scenarios", str(tmp_path), "--out", str(link)]
        + ["--config", str(REPO / "scenarios" / "current.yaml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "symbolic link to" in result.stderr and not (tmp_path / "elsewhere").exists()


# --- 1. --single-file ---


def test_single_file_new_ours_and_users(tmp_path):
    page = "<!DOCTYPE html>\n<html><body>report</body></html>\n"
    target = tmp_path / "sub" / "report.html"
    assert check_single_file(target) == target  # new, in a folder still to be created
    write_single_file(target, page)
    assert target.read_text().splitlines()[:2] == ["<!DOCTYPE html>", SINGLE_FILE_MARKER]
    assert is_single_file(target)
    with pytest.raises(ConfigError, match="already exists.*--force"):
        check_single_file(target)
    assert check_single_file(target, force=True) == target
    write_single_file(target, page)  # written again: still one marker
    assert target.read_text().count(SINGLE_FILE_MARKER) == 1

    mine = tmp_path / "mine.html"
    mine.write_text("<!DOCTYPE html>\n<p>my own page</p>\n")
    with pytest.raises(ConfigError) as info:
        check_single_file(mine, force=True)
    assert str(info.value).startswith("--single-file:") and "mine.html" in str(info.value)
    assert "did not write" in str(info.value)
    assert mine.read_text() == "<!DOCTYPE html>\n<p>my own page</p>\n"


@pytest.mark.parametrize(
    "path, words",
    [
        (lambda tmp: tmp / "report.txt", "does not end in .html"),
        (lambda tmp: BUNDLED_DATA_DIR / "r.html", "only 'forecast data build' writes there"),
        (lambda tmp: NOTEBOOK_DIR / "r.html", "the project's own folder"),
        (lambda tmp: tmp, "does not end in .html"),
    ],
)
def test_single_file_refusals(tmp_path, path, words):
    with pytest.raises(ConfigError, match="--single-file") as info:
        check_single_file(path(tmp_path), force=True)
    assert words in str(info.value)


def test_single_file_that_is_a_folder_or_a_pipe(tmp_path):
    (tmp_path / "d.html").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        check_single_file(tmp_path / "d.html", force=True)
    os.mkfifo(tmp_path / "p.html")
    with deadline():
        with pytest.raises(ConfigError, match="did not write"):
            check_single_file(tmp_path / "p.html", force=True)


# --- 2. overlay writes are serialised -----------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    from forecast.data.launch_import import import_launches

    file, base, rounds, me = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    for r in range(rounds):
        (base / f"ready-{r}-{me}").touch()
        while not (base / f"go-{r}").exists():
            time.sleep(0.001)
        report = import_launches(file, "events", base / f"overlay-{r}")
        print(r, len(report.added), flush=True)
    """
)


def _wait_for(condition, workers, timeout: float = 120.0) -> None:
    """Wait until ``condition()``; fail at once, with its error, if a worker has stopped."""
    end = time.monotonic() + timeout
    while not condition():
        for w in workers:
            if w.poll() is not None:
                raise AssertionError(f"a worker stopped early:\n{w.stderr.read()}")
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for the workers")
        time.sleep(0.005)


def test_concurrent_imports_in_processes_lose_no_row(tmp_path):
    procs, rounds = 3, 15
    files = [
        events(tmp_path / f"e{i}.csv", f"2025-0{i + 1}-1{i},SRBM,{i + 1},success,source {i}")
        for i in range(procs)
    ]
    env = {k: v for k, v in os.environ.items() if k != "FORECAST_DATA_DIR"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(f), str(tmp_path), str(rounds), str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        for i, f in enumerate(files)
    ]
    try:
        for r in range(rounds):  # all start each round at once
            _wait_for(
                lambda r=r: all((tmp_path / f"ready-{r}-{i}").exists() for i in range(procs)),
                workers,
            )
            (tmp_path / f"go-{r}").touch()
        outputs = [w.communicate(timeout=300) for w in workers]
    finally:
        for w in workers:
            w.kill()
    for w, (out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
        assert len(out.split("\n")) > rounds  # every round reported
    expected = sum(range(1, procs + 1))  # 1 + 2 + 3 missiles
    for r in range(rounds):
        folder = tmp_path / f"overlay-{r}"
        own = read_overlay_table(folder, "missile_tests")
        log = read_source_log(folder)
        assert len(own) == expected, f"round {r}: {len(own)} rows, not {expected}"
        assert len(log) == expected
        assert sorted(log["source"].unique()) == [f"source {i}" for i in range(procs)]
        assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]


HOLDER = textwrap.dedent(
    """
    import sys, time
    from forecast.data.transaction import overlay_lock

    with overlay_lock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(60)
    """
)


@pytest.fixture
def held_overlay(tmp_path):
    """An overlay folder whose lock another process holds, and that process."""
    folder = tmp_path / "overlay"
    events(tmp_path / "first.csv", "2025-01-04,SRBM,2,success,a")
    import_launches(tmp_path / "first.csv", "events", folder)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield folder, holder
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_held_lock_makes_a_writer_wait_then_fail_cleanly(held_overlay, tmp_path, monkeypatch):
    import forecast.data.transaction as transaction

    folder, _ = held_overlay
    before = tree_digest(folder)
    with pytest.raises(DataError, match="another forecast command is using this overlay"):
        with overlay_lock(folder, timeout=0.3):
            pass  # pragma: no cover - never reached
    monkeypatch.setattr(transaction, "LOCK_TIMEOUT", 0.3)
    second = events(tmp_path / "second.csv", "2025-02-14,SRBM,3,success,b")
    started = time.monotonic()
    with pytest.raises(DataError) as info:
        import_launches(second, "events", folder)
    assert time.monotonic() - started >= 0.3
    assert "Fix:" in str(info.value) and "nothing was written" in str(info.value)
    assert tree_digest(folder) == before


def test_the_lock_dies_with_its_process(held_overlay, tmp_path):
    folder, holder = held_overlay
    assert (folder / LOCK).exists()
    holder.kill()  # SIGKILL: its lock goes with it, its lock file stays
    holder.wait()
    second = events(tmp_path / "second.csv", "2025-02-14,SRBM,3,success,b")
    assert len(import_launches(second, "events", folder).added) == 3
    assert not (folder / LOCK).exists()  # removed by the next holder


def test_the_lock_is_reentrant_and_leaves_nothing(tmp_path):
    folder = tmp_path / "new-overlay"
    with overlay_lock(folder, create=True):
        assert (folder / LOCK).exists()
        with overlay_lock(folder):  # nested: the same lock, no deadlock
            pass
    assert not folder.exists()  # created for nothing: removed again
    with overlay_lock(tmp_path / "absent"):  # a reader of a missing folder creates nothing
        pass
    assert not (tmp_path / "absent").exists()


def test_a_refused_first_import_leaves_no_folder(tmp_path):
    bad = events(tmp_path / "bad.csv", "2025-01-04,SRBM,two,success,a")
    with pytest.raises(DataError):
        import_launches(bad, "events", tmp_path / "overlay")
    assert not (tmp_path / "overlay").exists()


# --- 3. set-state on covered periods ------------------------------------------------------------


def _states(folder: Path) -> list[tuple[str, str, str]]:
    table = read_overlay_table(folder, "negotiation_states")
    return [
        (f"{s:%Y-%m-%d}", f"{e:%Y-%m-%d}", st)
        for s, e, st in table[["start", "end", "state"]].values
    ]


def test_set_state_the_same_period_twice(tmp_path):
    for _ in range(2):
        report = set_state(tmp_path, "2026-01-01", "stalled", "src", end="2026-10-31")
    assert report.as_of == pd.Timestamp("2026-10-31")
    assert _states(tmp_path) == [("2026-01-01", "2026-10-31", "stalled")]


def test_set_state_extending_the_period(tmp_path):
    set_state(tmp_path, "2026-01-01", "no_talks", "src", end="2026-10-31")
    report = set_state(tmp_path, "2026-01-01", "no_talks", "src", end="2026-11-30")
    assert report.as_of == pd.Timestamp("2026-11-30")
    assert _states(tmp_path) == [("2026-01-01", "2026-11-30", "no_talks")]


def test_set_state_covering_every_period_of_the_overlay(tmp_path):
    set_state(tmp_path, "2026-01-01", "no_talks", "src", end="2026-03-31")
    set_state(tmp_path, "2026-04-01", "active_talks", "src", end="2026-06-30")
    set_state(tmp_path, "2025-12-01", "stalled", "src", end="2026-08-31")
    assert _states(tmp_path) == [("2025-12-01", "2026-08-31", "stalled")]
    from forecast.data import load_tables

    assert load_tables(tmp_path).as_of == pd.Timestamp("2026-08-31")


def test_notebook_06_flow_on_an_overlay_made_by_the_readmes_commands(tmp_path):
    # the README's set-state, then notebook 06: a copy, an import, set_state with the default
    # end (covering the README's period), reading the tables
    import shutil

    from forecast.data import load_tables, monthly_panel

    readme = tmp_path / "readme-overlay"
    set_state(readme, "2026-01-01", "no_talks", "README", end="2026-10-31", today=STALE_TODAY)
    copy = tmp_path / "copy"
    shutil.copytree(readme, copy)
    events(tmp_path / "e.csv", "2026-01-04,SRBM,2,success,hypothetical")
    import_launches(tmp_path / "e.csv", "events", copy, today=STALE_TODAY)
    report = set_state(copy, "2026-01-01", "no_talks", "nb06", today=STALE_TODAY)
    assert report.end == pd.Timestamp("2026-10-31")
    tables = load_tables(copy, today=STALE_TODAY)
    assert monthly_panel(tables)["month"].iloc[-1] == pd.Timestamp("2026-10-01")


def test_subtracting_every_period_keeps_the_column_types():
    base = pd.DataFrame(
        {
            "start": pd.to_datetime(["2026-01-01"]),
            "end": pd.to_datetime(["2026-03-31"]),
            "state": ["stalled"],
        }
    )
    over = base.assign(start=pd.to_datetime(["2025-12-01"]), end=pd.to_datetime(["2026-06-30"]))
    rest = subtract_periods(base, over)
    assert rest.empty and list(rest.columns) == list(base.columns)
    assert (rest.dtypes == base.dtypes).all()


# --- 4. escape everything user-written ----------------------------------------------------------


def test_styled_escapes_cells_and_labels():
    table = pd.DataFrame(
        {HOSTILE: [HOSTILE, "fine"], "P(any)": [0.41, 0.5], "n": [1.25, 2.0]},
        index=[HOSTILE, "<b>bold</b>"],
    )
    for hide in (False, True):
        page = styled(table, digits=1, percent=["P(any)"], hide_index=hide).to_html()
        assert "<script" not in page and "<img" not in page and "<b>" not in page
        assert "&lt;script&gt;" in page and "onerror" in page  # shown, as text
        assert "41%" in page and "1.2" in page  # formatting still applies


def test_styled_escapes_multi_index_labels():
    index = pd.MultiIndex.from_tuples([(HOSTILE, "<i>x</i>")], names=["a", "b"])
    page = styled(pd.DataFrame({"v": [1.0]}, index=index)).to_html()
    assert "<script" not in page and "<i>" not in page


def test_sources_in_what_changed_are_literal_in_every_renderer():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from forecast.refit import _table, _text, render_html

    sources = [HOSTILE, "[click](javascript:alert(1))", "<https://evil>", "AT&T | KCNA\nAP"]
    md = _table(pd.DataFrame({"date": ["2026-01-04"] * 4, "source": sources}))
    md = f"# What changed: {_text('<b>run</b>')}\n\n{md}\n"
    for page in (render_html(md), markdown2html_mistune(md)):  # the page, notebook 06
        assert "<script" not in page and "<img" not in page and "<b>" not in page
        assert 'href="javascript' not in page  # (a bare http URL may become a link)
        assert "harmful-link" not in page  # no javascript: link was even attempted
        assert "&lt;script&gt;" in page and "AT&amp;T | KCNA AP" in page


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("-1.5", "-1.5"),  # a number written as text stays a number
        ("+7%", "+7%"),
        ("plain", "plain"),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_formula_prefixes_are_neutralised(value, expected):
    assert neutralise_formula(value) == expected


def test_write_csv_neutralises_text_and_keeps_numbers(tmp_path):
    frame = pd.DataFrame(
        {"label": ["=1+1", "@x", "ok"], "mean": [-1.5, 2.25, 0.0], "n": [-3, 4, 5]},
        index=pd.Index(["-a", "b", "c"], name="=idx"),
    )
    write_csv(frame, tmp_path / "t.csv", float_format="%.4g")
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text())))
    assert rows[0] == ["'=idx", "label", "mean", "n"]
    assert rows[1] == ["'-a", "'=1+1", "-1.5", "-3"]
    assert rows[2] == ["b", "'@x", "2.25", "4"]
    safe = safe_for_csv(frame)
    assert (safe["mean"].to_numpy() == frame["mean"].to_numpy()).all()
    assert (safe.dtypes == frame.dtypes).all()
    assert frame.loc["-a", "label"] == "=1+1"  # the caller's frame is left as it was


def test_answers_with_hostile_titles_are_safe_in_csv(tmp_path):
    from forecast.questions import ANSWER_COLUMNS

    answers = pd.DataFrame(
        [{"question": "q1", "title": '=WEBSERVICE("http://x")', "probability": 0.25}],
        columns=list(ANSWER_COLUMNS),
    )
    write_csv(answers, tmp_path / "answers.csv", index=False)
    row = next(csv.DictReader(io.StringIO((tmp_path / "answers.csv").read_text())))
    assert row["title"] == '\'=WEBSERVICE("http://x")' and row["probability"] == "0.25"


def test_scenario_outputs_with_hostile_labels(tiny_run, tmp_path):
    from forecast.cli.forecast_work import write_scenario_outputs
    from forecast.runs import load_run
    from forecast.scenarios import parse_scenarios, simulate_scenarios

    model, _ = load_run(tiny_run)
    spec = {
        "horizon": 3,
        "scenarios": {
            "a": {"label": '=HYPERLINK("http://evil","click")'},
            "b": {"label": "-2+3"},
            "c": {"label": HOSTILE},
        },
    }
    ds = simulate_scenarios(model, parse_scenarios(spec, "hostile.yaml"), draws=20)
    tables = write_scenario_outputs(ds, model.training, tmp_path / "out")
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", keep_default_na=False)
    assert list(summary["label"]) == [
        '\'=HYPERLINK("http://evil","click")',
        "'-2+3",
        HOSTILE,
    ]
    assert summary["mean"].tolist() == pytest.approx(tables["summary"]["mean"].tolist(), 1e-3)
    for name in ("monthly", "comparisons", "probabilities"):
        text = (tmp_path / "out" / f"{name}.csv").read_text()
        assert not any(line.startswith(("=", "@", "+")) for line in text.splitlines())


# --- 5. devices, pipes and sizes ----------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _devzero_link(tmp_path: Path, name: str) -> Path:
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    return link


def test_our_json_files_must_be_regular_files(tmp_path, fifo):
    with deadline():
        for path in (fifo, _devzero_link(tmp_path, "run.json")):
            with pytest.raises(RunFileError, match="not a regular file"):
                read_json(path, "restore it")
            with pytest.raises(RunFileError, match="not a regular file"):
                read_json(path, "restore it", missing_ok=True)
    assert read_json(tmp_path / "absent.json", "x", missing_ok=True) is None


def test_run_forecast_and_answers_files_as_pipes_are_refused(tmp_path):
    from forecast.ledger import read_forecast
    from forecast.outlook import read_answers
    from forecast.runs import read_run_record

    run = tmp_path / "run"
    run.mkdir()
    os.mkfifo(run / "run.json")
    os.mkfifo(run / "forecast.json")
    (run / "answers.json").symlink_to("/dev/zero")
    with deadline():
        for read in (read_run_record, read_forecast, read_answers):
            with pytest.raises(RunFileError, match="not a regular file"):
                read(run)


def test_check_regular_file_for_netcdf_readers(tmp_path, fifo):
    fix = "re-run 'forecast fit'"
    with deadline():
        with pytest.raises(RunFileError, match="not a regular file"):
            check_regular_file(fifo, "fit file", fix, limit=10)
        with pytest.raises(RunFileError, match="not a regular file"):
            check_regular_file(_devzero_link(tmp_path, "fit.nc"), "fit file", fix, limit=10)
    with pytest.raises(RunFileError, match="file not found"):
        check_regular_file(tmp_path / "none.nc", "fit file", fix, limit=10)
    (tmp_path / "big.nc").write_bytes(b"x" * 11)
    with pytest.raises(RunFileError, match="larger than 10"):
        check_regular_file(tmp_path / "big.nc", "fit file", fix, limit=10)
    (tmp_path / "ok.nc").write_bytes(b"x" * 10)
    assert check_regular_file(tmp_path / "ok.nc", "fit file", fix, limit=10)
    with pytest.raises(ConfigError, match="is a folder"):
        check_regular_file(tmp_path, "fit file", fix, limit=10, error=ConfigError)


def test_yaml_tables_and_imports_as_pipes_or_devices_are_refused(tmp_path, fifo):
    from forecast.data import SPECS
    from forecast.data.checked_csv import read_table
    from forecast.data.raw import read_cns_export, read_events_template
    from forecast.questions import load_questions
    from forecast.yamlio import load_yaml

    zero = _devzero_link(tmp_path, "zero.csv")
    with deadline():
        for path in (fifo, zero):
            with pytest.raises(InputError, match="not a regular file"):
                load_yaml(path)
            with pytest.raises(InputError, match="not a regular file"):
                load_questions(path)
            with pytest.raises(DataError, match="not a regular file"):
                read_table(path, SPECS["missile_tests"])
            with pytest.raises(DataError, match="not a regular file"):
                read_events_template(path)
            with pytest.raises(DataError, match="not a regular file"):
                read_cns_export(path)


def _xlsx(path: Path, sheet_bytes: int) -> Path:
    """A workbook whose sheet part unpacks to ``sheet_bytes`` bytes of blanks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * sheet_bytes)
    return path


def test_a_workbook_bomb_is_refused_before_parsing(tmp_path):
    from forecast.constants import MAX_TABLE_BYTES
    from forecast.data.raw import read_cns_export

    bomb = _xlsx(tmp_path / "export.xlsx", MAX_TABLE_BYTES + 1)
    assert bomb.stat().st_size < 1_000_000  # small on disk
    with pytest.raises(DataError, match="unpacks to") as info:
        read_cns_export(bomb)
    assert "export.xlsx" in str(info.value)
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(DataError, match="not a readable .xlsx"):
        read_cns_export(tmp_path / "broken.xlsx")


def test_a_duplicate_date_column_is_refused(tmp_path):
    from forecast.data.raw import read_cns_export, read_events_template

    path = tmp_path / "events.csv"
    path.write_text(
        "date,missile_class,n_missiles,outcome,source,date\n"
        "2025-01-04,SRBM,1,success,a,2025-02-01\n"
    )
    with pytest.raises(DataError, match="the column 'date' more than once") as info:
        read_events_template(path)
    assert "line 1" in str(info.value)
    cns = tmp_path / "cns.csv"
    cns.write_text(
        "Date,Missile Name,Missile Type,Test Outcome, Date\n9-Apr-84,Scud-B,SRBM,Success,x\n"
    )
    with pytest.raises(DataError, match="more than once"):
        read_cns_export(cns)


def test_an_excel_sheet_with_a_duplicate_column_is_refused(tmp_path):
    from forecast.data.raw import read_cns_export

    frame = pd.DataFrame(
        [["9-Apr-84", "Scud-B", "SRBM", "Success", "10-Apr-84"]],
        columns=["Date", "Missile Name", "Missile Type", "Test Outcome", "Date"],
    )
    frame.to_excel(tmp_path / "dup.xlsx", index=False)
    with pytest.raises(DataError, match="more than once"):
        read_cns_export(tmp_path / "dup.xlsx")


@pytest.mark.parametrize(
    "apogee, distance, words",
    [
        ("1e308", "500", "apogee_km 1e+308 is more than 40,000 km"),
        ("4000000", "500", "apogee_km 4e+06 is more than 40,000 km"),
        ("500", "50000", "distance_km 50000 is more than 20,000 km"),
    ],
)
def test_absurd_flight_values_are_refused(tmp_path, apogee, distance, words):
    from forecast.data.raw import read_cns_export

    cns = tmp_path / "cns.csv"
    cns.write_text(
        "Date,Missile Name,Missile Type,Test Outcome,Apogee,Distance Travelled\n"
        f"9-Apr-84,Scud-B,SRBM,Success,{apogee},{distance}\n"
    )
    with pytest.raises(DataError, match="kilometres") as info:
        read_cns_export(cns)
    assert words in str(info.value)


def test_the_bundled_flights_are_within_the_limits(tables):
    assert tables.missile_tests["apogee_km"].max() < 40_000


# --- 5. question files ---


def _question(qid: str, start: str = "2026-01", end: str = "2026-06") -> dict:
    return {
        "id": qid,
        "title": "t",
        "type": "binary",
        "event": "launch_day",
        "window": {"start": start, "end": end},
        "resolution": "r",
    }


def test_too_many_questions_are_refused():
    from forecast.questions import parse_questions

    spec = {"questions": [_question(f"q{i}") for i in range(MAX_QUESTIONS + 1)]}
    with pytest.raises(ConfigError, match=f"more than {MAX_QUESTIONS}"):
        parse_questions(spec, "many.yaml")
    assert len(parse_questions({"questions": spec["questions"][:MAX_QUESTIONS]})) == MAX_QUESTIONS


@pytest.mark.parametrize(
    "question, words",
    [
        (_question("far", "9999-01", "9999-12"), "nothing after"),
        (_question("long", "2026-01", "2200-12"), "more than 120"),
        (
            {
                "id": "cond",
                "title": "t",
                "type": "conditional",
                "given": {"2026-01": "no_talks", "9999-01": "summitry"},
                "question": {
                    "type": "numeric",
                    "event": "launch_day",
                    "window": {"start": "2026-01", "end": "2026-06"},
                },
                "resolution": "r",
            },
            "nothing after",
        ),
    ],
)
def test_question_windows_beyond_any_horizon_are_refused_at_load(tmp_path, question, words):
    import yaml

    from forecast.questions import load_questions

    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump({"questions": [question]}))
    started = time.monotonic()
    with pytest.raises(ConfigError, match=words) as info:
        load_questions(path)
    assert time.monotonic() - started < 5 and str(path) in str(info.value)


def test_question_windows_are_checked_against_the_datas_end(tmp_path):
    import yaml

    from forecast.questions import check_question_horizon, load_questions, parse_questions

    questions = parse_questions(
        {"questions": [_question("ok"), _question("late", "2036-01", "2036-06")]}, "q.yaml"
    )
    check_question_horizon(questions[:1], "2025-12")
    with pytest.raises(ConfigError, match=r"late.*more than 120 months after the data's last"):
        check_question_horizon(questions, "2025-12")
    check_question_horizon(questions, pd.Period("2025-12", "M") + (MAX_HORIZON - 96))
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump({"questions": [_question("late", "2036-01", "2036-06")]}))
    with pytest.raises(ConfigError, match="late"):
        load_questions(path, last_month="2025-12")


# --- 6. --today and --scheduler -----------------------------------------------------------------


def test_check_today(tables):
    import datetime as dt

    from forecast.freshness import check_today

    assert check_today(tables, None) is None
    assert check_today(tables, FRESH_TODAY) == FRESH_TODAY
    assert check_today(tables, STALE_TODAY) == STALE_TODAY
    with pytest.raises(ConfigError, match=r"--today: 1900-01-01 is before the data begin"):
        check_today(tables, dt.date(1900, 1, 1))
    with pytest.raises(ConfigError, match="before the end of the data \\(2025-12-31\\)"):
        check_today(tables, dt.date(2025, 6, 1))
    with pytest.raises(ConfigError, match="--today"):
        check_today(pd.Timestamp("2025-12-31"), dt.date(2025, 1, 1))
    assert check_today("2025-12-31", dt.date(2025, 12, 31)) == dt.date(2025, 12, 31)


@pytest.mark.parametrize(
    "address",
    [
        "file:///etc/passwd",
        "http://h:8786",
        "inproc://x",
        "localhost",
        "tcp://h",
        "tcp://h:0",
        "tcp://h:70000",
        "tcp://h:8786/path",
        "tcp://user@h:8786",
        "",
    ],
)
def test_scheduler_addresses_are_validated(address):
    from forecast.evaluation.executors import check_executor, check_scheduler

    with pytest.raises(ConfigError, match="--scheduler.*not a scheduler address"):
        check_scheduler(address)
    with pytest.raises(ConfigError, match="--scheduler"):
        check_executor(1, address)


def test_a_good_scheduler_address_passes_and_an_unreachable_one_is_named():
    import socket

    from forecast.evaluation.executors import check_scheduler, run_tasks

    for address in ("tcp://10.0.0.5:8786", "tls://scheduler.example:8786", "tcp://[::1]:8786"):
        assert check_scheduler(address) == address
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler at tcp://127.0.0.1"):
        check_scheduler(address, reach=True, timeout=2)
    with pytest.raises(ConfigError) as info:
        run_tasks(abs, [1], scheduler=address, progress=False, connect_timeout=1)
    assert "cannot reach the Dask scheduler" in str(info.value)
    assert "memory" not in str(info.value)


# --- markup in printed paths --------------------------------------------------------------------


def test_freshness_prints_paths_with_brackets_as_they_are(tables, monkeypatch):
    from rich.console import Console

    from forecast.cli import console as cli_console
    from forecast.freshness import data_freshness, freshness_lines

    console = Console(record=True, width=300, markup=False, highlight=False)
    monkeypatch.setattr(cli_console, "console", console)
    record = data_freshness(tables, today=STALE_TODAY, data_dir="ov[/]x[bold]y")
    cli_console.print_freshness(freshness_lines(record))
    text = console.export_text()
    assert "--data-dir ov[/]x[bold]y" in text and "stale data:" in text
