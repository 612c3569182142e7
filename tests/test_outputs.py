"""forecast.outputs and forecast.data.transaction: the rules of where and how commands write."""

from __future__ import annotations

import json
import os
import stat

import pytest
from hostile_support import fake_output, immutable, tree_digest

from forecast.constants import BUNDLED_DATA_DIR
from forecast.data.transaction import JOURNAL, commit_files, recover
from forecast.destinations import refuse_bundled
from forecast.errors import ConfigError
from forecast.files import write_text_atomic
from forecast.outputs import MARKER, TMP_SENTINEL, check_output_dir, output_dir, read_marker


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _leftovers(parent) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# --- check_output_dir ---


def test_a_new_path_and_an_empty_folder_are_accepted(tmp_path):
    assert check_output_dir(tmp_path / "new" / "deeper", "fit") == tmp_path / "new" / "deeper"
    (tmp_path / "empty").mkdir()
    assert check_output_dir(tmp_path / "empty", "scenarios") == tmp_path / "empty"
    assert not (tmp_path / "new").exists()  # checking creates nothing


@pytest.mark.parametrize(
    "spelling",
    [
        lambda tmp: BUNDLED_DATA_DIR,
        lambda tmp: BUNDLED_DATA_DIR / "sub" / "deeper",
        lambda tmp: BUNDLED_DATA_DIR / ".." / BUNDLED_DATA_DIR.name,
        lambda tmp: BUNDLED_DATA_DIR.parent,  # a folder that holds datasets/
    ],
)
def test_the_bundled_folder_is_refused_however_it_is_spelled(tmp_path, spelling):
    with pytest.raises(ConfigError, match="only 'forecast data build' writes there"):
        check_output_dir(spelling(tmp_path), "fit", force=True)


def test_a_symlink_into_the_bundled_folder_is_refused(tmp_path):
    link = tmp_path / "innocent"
    link.symlink_to(BUNDLED_DATA_DIR)
    with pytest.raises(ConfigError, match="bundled data folder"):
        refuse_bundled(link / "x", "--out")
    with pytest.raises(ConfigError, match="bundled data folder"):
        check_output_dir(link, "scenarios", force=True)


def test_a_folder_with_other_content_is_refused_even_with_force(tmp_path):
    (tmp_path / "notes.md").write_text("mine")
    with pytest.raises(ConfigError, match=r"notes\.md.*did not\s+write"):
        check_output_dir(tmp_path, "fit", force=True)


def test_a_folder_of_another_command_is_refused(tmp_path):
    fake_output(tmp_path / "run", "fit")
    with pytest.raises(ConfigError, match="written by 'forecast fit', not by 'forecast scenarios'"):
        check_output_dir(tmp_path / "run", "scenarios", force=True)
    # a report's fit is named by the command that was typed, not by its internal name
    fake_output(tmp_path / "report-run", "report-fit")
    with pytest.raises(ConfigError) as refused:
        check_output_dir(tmp_path / "report-run", "fit", force=True)
    assert "the fit of a report written by 'forecast report', not by 'forecast fit'" in str(
        refused.value
    )
    assert "report-fit" not in str(refused.value)


def test_same_command_needs_force_and_refit_counts_as_fit(tmp_path):
    run = fake_output(tmp_path / "run", "fit")
    with pytest.raises(ConfigError, match="pass --force"):
        check_output_dir(run, "fit")
    assert check_output_dir(run, "refit", force=True) == run


def test_force_is_refused_when_the_folder_holds_files_we_did_not_write(tmp_path):
    run = fake_output(tmp_path / "run", "fit")
    (run / "my-notes.txt").write_text("do not lose me")
    with pytest.raises(ConfigError, match=r"my-notes\.txt"):
        check_output_dir(run, "fit", force=True)


@pytest.mark.parametrize(
    "command, names",
    [
        ("fit", ("fit.nc", "run.json", "effects.png")),
        ("fit", ("run.json",)),
        ("scenarios", ("summary.csv",)),
        ("report", ("index.html", "01_data.ipynb", "02_priors.ipynb")),
        ("backtest", ("settings.json", "scores.csv")),
    ],
)
def test_a_folder_without_marker_is_never_replaced_whatever_its_names(tmp_path, command, names):
    # Formerly a folder holding only names the command writes was taken for an old output
    # and replaced with --force: that deleted users' files. Now only our marker counts.
    run = tmp_path / "mine"
    run.mkdir()
    for name in names:
        (run / name).write_text("the user's own")
    for force in (False, True):
        with pytest.raises(ConfigError) as info:
            check_output_dir(run, command, force=force)
        assert all(name in str(info.value) for name in names), str(info.value)
        assert "did not" in str(info.value)
    assert sorted(p.name for p in run.iterdir()) == sorted(names)


def test_an_existing_file_and_a_file_as_parent_are_refused(tmp_path):
    (tmp_path / "f").write_text("keep")
    with pytest.raises(ConfigError, match="existing file"):
        check_output_dir(tmp_path / "f", "backtest")
    with pytest.raises(ConfigError, match="is a file"):
        check_output_dir(tmp_path / "f" / "out", "backtest")
    assert (tmp_path / "f").read_text() == "keep"


def test_a_read_only_destination_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    with immutable(folder):
        with pytest.raises(ConfigError, match="cannot write into"):
            check_output_dir(folder / "run", "fit")
        with pytest.raises(ConfigError, match="cannot write into"):
            check_output_dir(folder, "fit")


# --- output_dir ---


def test_output_dir_writes_the_marker_and_swaps_in(tmp_path, umask022):
    out = tmp_path / "out"
    with output_dir(out, "scenarios") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".out.")
        (tmp / "summary.csv").write_text("a\n")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "x.txt").write_text("x")
    assert read_marker(out)["command"] == "scenarios"
    assert read_marker(out)["files"] == ["sub/x.txt", "summary.csv"]
    assert not (out / TMP_SENTINEL).exists()  # removed after the swap
    assert _mode(out) == 0o755 and _mode(out / "summary.csv") == 0o644
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failure_leaves_the_target_byte_for_byte(tmp_path, exc):
    out = fake_output(tmp_path / "out", "scenarios", files=("summary.csv",))
    before = tree_digest(out)
    with pytest.raises(type(exc)):
        with output_dir(out, "scenarios", force=True) as tmp:
            (tmp / "summary.csv").write_text("new\n")
            raise exc
    assert tree_digest(out) == before
    assert _leftovers(tmp_path) == []


def test_force_replaces_the_old_outputs_whole(tmp_path):
    out = fake_output(tmp_path / "out", "backtest", files=("scores.csv", "old-only.csv"))
    with output_dir(out, "backtest", force=True) as tmp:
        (tmp / "scores.csv").write_text("new\n")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "scores.csv"]
    assert (out / "scores.csv").read_text() == "new\n"
    assert _leftovers(tmp_path) == []


def test_the_fallback_without_renameat2_also_swaps(tmp_path, monkeypatch):
    import forecast.outputs as outputs

    monkeypatch.setattr(outputs, "exchange", lambda a, b: False)
    out = fake_output(tmp_path / "out", "report", files=("index.html",))
    with output_dir(out, "report", force=True) as tmp:
        (tmp / "index.html").write_text("new")
    assert (out / "index.html").read_text() == "new"
    assert _leftovers(tmp_path) == []


def test_a_stale_temporary_folder_of_a_dead_writer_is_removed(tmp_path):
    stale = tmp_path / ".out.abc123.tmp"
    stale.mkdir()
    (stale / TMP_SENTINEL).write_text("999999999\n")  # no such process
    foreign = tmp_path / ".out.user.tmp"  # no sentinel: not ours, kept
    foreign.mkdir()
    with output_dir(tmp_path / "out", "fit") as tmp:
        (tmp / "fit.nc").write_text("x")
    assert not stale.exists() and foreign.exists()


def test_the_target_is_checked_again_before_the_swap(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match="did not\\s+write"):
        with output_dir(out, "fit") as tmp:
            (tmp / "fit.nc").write_text("x")
            out.mkdir()
            (out / "arrived-meanwhile.txt").write_text("user")
    assert (out / "arrived-meanwhile.txt").read_text() == "user"
    assert _leftovers(tmp_path) == []


# --- files ---


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_written_files_get_the_users_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        write_text_atomic(tmp_path / "a.csv", "x\n")
        commit_files(tmp_path / "overlay", {"missile_tests.csv": "y\n"})
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.csv") == mode
    assert _mode(tmp_path / "overlay" / "missile_tests.csv") == mode


def test_commit_files_replaces_every_file_and_leaves_user_files(tmp_path):
    (tmp_path / "notes.md").write_text("mine")
    (tmp_path / "a.csv").write_text("old a")
    commit_files(tmp_path, {"a.csv": "new a", "b.csv": "new b"})
    assert (tmp_path / "a.csv").read_text() == "new a"
    assert (tmp_path / "b.csv").read_text() == "new b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "notes.md"]


def test_recover_rolls_forward_a_committed_update(tmp_path):
    (tmp_path / "a.csv").write_text("old a")
    (tmp_path / "b.csv").write_text("old b")
    (tmp_path / ".a.csv.forecast-new").write_text("new a")
    (tmp_path / ".b.csv.forecast-new").write_text("new b")
    import hashlib

    hashes = {n: hashlib.sha256(f"new {n[0]}".encode()).hexdigest() for n in ("a.csv", "b.csv")}
    (tmp_path / JOURNAL).write_text(json.dumps({"files": hashes}))
    assert recover(tmp_path) == "rolled forward"
    assert (tmp_path / "a.csv").read_text() == "new a"
    assert (tmp_path / "b.csv").read_text() == "new b"
    assert _leftovers(tmp_path) == []


def test_recover_rolls_back_an_uncommitted_update(tmp_path):
    (tmp_path / "a.csv").write_text("old a")
    (tmp_path / ".a.csv.forecast-new").write_text("new a")
    (tmp_path / ".a.csv.x1y2.tmp").write_text("half")
    (tmp_path / ".my-hidden-notes").write_text("user")
    assert recover(tmp_path, names=["a.csv"]) == "rolled back"
    assert (tmp_path / "a.csv").read_text() == "old a"
    assert _leftovers(tmp_path) == [".my-hidden-notes"]
