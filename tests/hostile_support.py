"""Helpers of the hostile-input tests: run the CLI in process, hash trees, make folders read-only.

The CLI is run through :func:`forecast.cli.main` (the real entry point, with its error
mapping) inside click's ``CliRunner``, so each case costs milliseconds once the
package is imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import shutil
import subprocess
import traceback
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecast.constants import BUNDLED_DATA_DIR


class _Main:
    """Duck-typed click command whose ``main`` is the real ``forecast`` entry point."""

    name = "forecast"

    def main(self, args=None, prog_name=None, **extra):
        from forecast.cli import main

        return main(list(args or ()))


def cli(*args, env: dict | None = None):
    """Run ``forecast ARGS`` in process; returns click's ``Result`` (stdout, stderr, exit_code)."""
    runner = CliRunner()
    return runner.invoke(_Main(), [str(a) for a in args], env=env, catch_exceptions=True)


def run_cli(*args, cwd=None, env: dict | None = None) -> subprocess.CompletedProcess:
    """``forecast ARGS`` in process, reported as :func:`subprocess.run` reports it
    (``returncode``, ``stdout``, ``stderr``), with the stand-in sampler registered as
    ``tests/forecast_cli.py`` registers it.

    For tests of what a command does; a test of the process itself (start-up time, the
    modules it imports, signals, kill points) runs ``tests/forecast_cli.py`` in a subprocess.
    ``cwd`` is entered for the call (relative paths and ``./local-data`` resolve there);
    ``env`` sets those variables for the call (``None`` unsets one). Warnings that pass the
    filters in force (pytest's, not a plain process's) are added to ``stderr``, and so is the
    traceback of an error that escapes the entry point. That is no test of warning noise: a
    warning raised once per process shows in whichever test comes first, and library log lines
    keep their own streams. A test that no warning reaches the user runs a process.
    """
    from doubles import install_stand_in_sampler

    install_stand_in_sampler()
    where = contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext()
    with where, warnings.catch_warnings(record=True) as caught:  # the filters in force kept
        result = cli(*args, env=env)
    stderr = result.stderr + "".join(
        f"{w.filename}:{w.lineno}: {w.category.__name__}: {w.message}\n" for w in caught
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # the entry point maps every error; one that escapes it is shown as Python would
        stderr += "".join(traceback.format_exception(result.exception))
    argv = ["forecast", *map(str, args)]
    return subprocess.CompletedProcess(argv, result.exit_code, result.stdout, stderr)


def succeeded(result):
    """Assert exit 0; on failure show what the command printed (the message names the bug)."""
    text = result.stdout + result.stderr
    assert result.exit_code == 0, f"exit {result.exit_code}: {text}\n{result.exception!r}"
    return result


def refused(result, *words: str) -> str:
    """Assert a clean refusal: exit 2, ``error:`` with a fix and ``words``, no traceback."""
    text = result.stdout + result.stderr
    assert result.exit_code == 2, f"exit {result.exit_code}: {text}\n{result.exception!r}"
    assert "Traceback" not in text, text
    assert "error:" in result.stderr, text
    assert "Fix:" in result.stderr, text
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"
    return result.stderr


def tree_digest(root: str | Path) -> dict[str, str]:
    """Every entry under ``root`` (names, kinds, bytes) as a comparable mapping."""
    root = Path(root)
    if not root.exists() and not root.is_symlink():
        return {}
    if root.is_file():
        return {".": hashlib.sha256(root.read_bytes()).hexdigest()}
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                found[rel] = f"link:{os.readlink(full)}"
            elif full.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = hashlib.sha256(full.read_bytes()).hexdigest()
    return found


def bundled_digest() -> dict[str, str]:
    return tree_digest(BUNDLED_DATA_DIR)


@contextlib.contextmanager
def immutable(path: Path):
    """Make a folder truly read-only, even for root (``chattr +i``); skip where impossible."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr not available")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i not supported here: {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


@contextlib.contextmanager
def unreadable(path: Path):
    """Make a file or folder unreadable: chmod 000, and for root (who ignores modes) make
    opening, listing and stat-free reads of it raise ``PermissionError`` as the OS would."""
    mode = path.stat().st_mode
    path.chmod(0)
    target = path.resolve()
    monkeypatch = pytest.MonkeyPatch()  # its own: undoing it leaves the test's patches alone
    if os.geteuid() == 0:
        real_open, real_iterdir = pathlib.Path.open, pathlib.Path.iterdir

        def denied(self):
            return Path(os.path.abspath(self)).resolve() == target

        def fake_open(self, *args, **kwargs):
            if denied(self):
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        def fake_iterdir(self):
            if denied(self):
                raise PermissionError(13, "Permission denied", str(self))
            return real_iterdir(self)

        monkeypatch.setattr(pathlib.Path, "open", fake_open)
        monkeypatch.setattr(pathlib.Path, "iterdir", fake_iterdir)
    try:
        yield path
    finally:
        path.chmod(mode)
        monkeypatch.undo()


def copy_bundled(dest: Path) -> Path:
    """A full copy of the bundled tables (a valid overlay that merges to the bundled data)."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in BUNDLED_DATA_DIR.glob("*.csv"):
        (dest / f.name).write_bytes(f.read_bytes())
    return dest


def fake_output(folder: Path, command: str, files=("fit.nc", "run.json")) -> Path:
    """A folder as ``command`` would leave it (marker listing ``files``), without running it."""
    import json

    from forecast.outputs import MARKER

    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        (folder / name).write_text(f"{command} output {name}\n")
    record = {"command": command, "written_at": "2026-01-01T00:00:00+00:00", "files": list(files)}
    (folder / MARKER).write_text(json.dumps(record))
    return folder
