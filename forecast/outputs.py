"""Where and how commands write: output folders, atomic files, the bundled data left alone.

The output-folder rule
----------------------
Every command that writes a folder of results (``fit``, ``refit``, ``scenarios``,
``backtest``, ``report``) goes through :func:`output_dir`, which first applies
:func:`check_output_dir`. A command writes ``--out DIR`` only when DIR is

- a path that does not exist yet (its nearest existing parent must be a writable
  folder), or
- an empty folder, or
- a folder that carries our :data:`MARKER` (or, for folders written before markers
  existed, holds only the file names that command writes) naming the **same**
  command, and ``--force`` is given. ``fit`` and ``refit`` count as the same command
  (both write run folders). ``--force`` is refused when the folder holds files that
  the command did not write (the marker lists them): move them out first.

Anything else is refused before any work starts, with a :class:`ConfigError`
naming ``--out``, the problem and the fix: an existing file, a folder with other
content and no marker, a folder written by another command, a folder that is not
writable, the current folder or one of its parents, and anything inside (or
containing) the bundled ``datasets/`` folder,
whatever path spelling leads there (the path is resolved, so symlinks, ``..`` and
sub-folders are caught). Only ``forecast data build`` writes ``datasets/``.

How a folder is written
-----------------------
:func:`output_dir` yields a fresh hidden temporary folder beside the target (same
parent, so renames stay on one file system). The command writes everything there.
On success the marker is written into it, file modes are set from the user's
umask, and the folder is swapped in: Linux ``renameat2(RENAME_EXCHANGE)`` exchanges
the old and new folders in one step, so there is no moment in which neither exists;
then the old copy is removed. Where ``renameat2`` is missing (not Linux, or a file
system without it) the fallback renames the old folder aside, renames the new one
in and removes the old one: a crash between those two renames leaves the old
outputs in the hidden ``.NAME.*.old`` folder beside the target. On any exception
(or Ctrl-C) the temporary folder is removed and the target is left as it was. A
temporary folder left by a killed process (it holds a :data:`TMP_SENTINEL` with
the writer's process id, now dead), or an old copy swapped out but not yet removed
(it carries our marker), is removed by the next write to the same target.

Files
-----
:func:`write_text_atomic` writes one file through a temporary file and an atomic
rename, with the mode ``0o666 & ~umask`` that any other tool would give it
(``tempfile.mkstemp`` alone would leave 0600). Multi-file updates of an overlay
folder are transactions: see :mod:`forecast.data.transaction`.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import fnmatch
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from forecast.constants import BUNDLED_DATA_DIR
from forecast.errors import ConfigError

#: Marker written into every output folder a command creates.
MARKER = ".forecast-output.json"

#: File inside a temporary output folder naming the process that writes it.
TMP_SENTINEL = ".forecast-tmp"

#: Commands writing output folders -> the kind of folder (same kind: may replace with --force).
COMMAND_KINDS = {
    "fit": "run",
    "refit": "run",
    "scenarios": "scenarios",
    "backtest": "backtest",
    "report": "report",
    "questions": "questions",
    "contrasts": "contrasts",
}

#: What each kind of folder holds, in words (for messages).
KIND_WORDS = {
    "run": "a fit",
    "scenarios": "scenario outputs",
    "backtest": "backtest outputs",
    "report": "a report",
    "questions": "answered questions",
    "contrasts": "state contrasts",
}

#: Names a folder of each kind holds, to recognise folders written before markers existed.
LEGACY_NAMES = {
    "run": ("fit.nc", "run.json", "effects.png", "forecast.json", "what_changed.*"),
    "scenarios": (
        "summary.csv",
        "monthly.csv",
        "comparisons.csv",
        "probabilities.csv",
        "fan.png",
        "totals.png",
        "probabilities.png",
        "draws.nc",
    ),
    "backtest": (
        "scores.csv",
        "summary.csv",
        "folds.csv",
        "settings.json",
        "scores_by_horizon.png",
        "pit.png",
        "coverage.png",
    ),
    "report": (
        "index.html",
        "runs",
        "notebooks",
        "headline.csv",
        "fan_bands.csv",
        "[0-9][0-9]_*.html",
        "[0-9][0-9]_*.ipynb",
    ),
}

#: Environment variable of the interruption tests: kill this process at a named point.
KILL_HOOK = "FORECAST_TEST_KILL_AT"


def kill_point(name: str) -> None:
    """Test hook: SIGKILL this process when :data:`KILL_HOOK` names ``name``.

    Used only by the interruption tests, to prove that a kill at the most dangerous
    moment of a write leaves the old or the new state, never a mix.
    """
    if os.environ.get(KILL_HOOK) == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


# --- the bundled data ---


def _resolved(path: str | Path) -> Path:
    return Path(os.path.abspath(Path(path).expanduser())).resolve()


def inside_bundled(path: str | Path) -> bool:
    """Whether ``path`` (resolved) is the bundled ``datasets/``, inside it, or contains it."""
    target, bundled = _resolved(path), BUNDLED_DATA_DIR.resolve()
    return target == bundled or bundled in target.parents or target in bundled.parents


def refuse_bundled(path: str | Path, what: str) -> None:
    """Raise :class:`ConfigError` if ``path`` resolves to, inside, or above ``datasets/``.

    Parameters
    ----------
    path : str or Path
        Where a command would write.
    what : str
        The option naming it (``--out``, ``--data-dir``), for the message.
    """
    if inside_bundled(path):
        raise ConfigError(
            what,
            f"{path} resolves to {_resolved(path)}, which is or holds the bundled data folder "
            f"{BUNDLED_DATA_DIR.resolve()}; only 'forecast data build' writes there",
            "choose a folder outside datasets/ (e.g. --out runs/NAME, or --data-dir local-data "
            "for overlay data); nothing was written",
        )


# --- file modes ---


def current_umask() -> int:
    """The process umask, read without changing it where possible."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it the old way (not thread-safe, but brief)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Mode of a new file under the current umask (0o644 with the usual 022)."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """Mode of a new folder under the current umask (0o755 with the usual 022)."""
    return 0o777 & ~current_umask()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes_atomic(path: str | Path, data: bytes, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    The file gets mode ``0o666 & ~umask``. On any failure the temporary file is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if fsync:
        _fsync_dir(path.parent)


def read_json(path: str | Path, fix: str, missing_ok: bool = False):
    """Read one of our JSON files (run.json, forecast.json, answers.json) with the same
    checks everywhere: size cap, OS and decoding errors, invalid JSON -> RunFileError naming
    the file and ``fix``. Returns ``None`` for a missing file when ``missing_ok``."""
    import json

    from forecast.constants import MAX_JSON_BYTES
    from forecast.errors import RunFileError

    path = Path(path)
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise RunFileError(path, f"larger than {MAX_JSON_BYTES:,} bytes", fix)
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return None
        raise RunFileError(path, "file not found", fix) from None
    except (OSError, UnicodeDecodeError) as err:
        raise RunFileError(path, f"cannot read it ({getattr(err, 'strerror', err)})", fix) from None
    except (json.JSONDecodeError, RecursionError) as err:
        raise RunFileError(path, f"not valid JSON ({err})", fix) from None


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically, mode from the umask."""
    write_bytes_atomic(path, text.encode("utf-8"))


def apply_umask(folder: Path) -> None:
    """Give a folder this command created, and everything in it, the umask's modes."""
    fmode, dmode = file_mode(), dir_mode()
    os.chmod(folder, dmode)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), dmode)
        for name in files:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                os.chmod(full, fmode)


# --- markers ---


def read_marker(folder: str | Path) -> dict | None:
    """The marker of an output folder, or ``None`` (absent, unreadable or not ours)."""
    path = Path(folder) / MARKER
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("command") not in COMMAND_KINDS:
        return None
    return record


def _files(folder: Path) -> list[str]:
    """Every file and link under ``folder``, as sorted POSIX paths relative to it."""
    found = []
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            found.append((rel / name).as_posix())
    return sorted(f for f in found if f not in (MARKER, TMP_SENTINEL))


def write_marker(folder: Path, command: str) -> None:
    """Write :data:`MARKER` into ``folder``, listing every file the command wrote there."""
    from forecast import __version__

    record = {
        "command": command,
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "forecast_version": __version__,
        "files": _files(folder),
    }
    write_text_atomic(folder / MARKER, json.dumps(record, indent=2) + "\n")


def _legacy_kind(entries: list[str]) -> str | None:
    """The kind of a folder without marker, when all its names are one kind's outputs."""
    for kind, patterns in LEGACY_NAMES.items():
        if entries and all(any(fnmatch.fnmatch(e, p) for p in patterns) for e in entries):
            return kind
    return None


# --- the rule ---


def _listing(folder: Path, what: str) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir())
    except OSError as err:
        raise ConfigError(
            what,
            f"cannot read the folder {folder} ({err.strerror or err})",
            "check its permissions, or choose another folder",
        ) from None


def _probe_writable(folder: Path, what: str, target: Path) -> None:
    """Create and remove a hidden file in ``folder``: the only test that is true for root."""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".forecast-probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise ConfigError(
            what,
            f"cannot write into {folder} ({err.strerror or err}), so {target} cannot be written",
            "choose a folder you can write to, or fix its permissions; nothing was done",
        ) from None


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")  # pragma: no cover - the root always exists


def _shown(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" (and {len(names) - 5} more)" if len(names) > 5 else "")


def check_output_dir(
    path: str | Path, command: str, force: bool = False, what: str = "--out"
) -> Path:
    """Refuse, before any work, an output folder ``command`` may not write.

    Parameters
    ----------
    path : str or Path
        The ``--out`` folder as given.
    command : str
        One of :data:`COMMAND_KINDS` (``fit``, ``refit``, ``scenarios``, ``backtest``,
        ``report``).
    force : bool
        Replace a folder written earlier by the same command (see the module docstring).
    what : str
        The option naming the folder, for messages.

    Returns
    -------
    Path
        The resolved path.

    Raises
    ------
    ConfigError
        Naming ``what``, the problem and the fix (see the module docstring for the rule).
    """
    kind = COMMAND_KINDS[command]
    target = _resolved(path)
    refuse_bundled(path, what)
    here = Path.cwd().resolve()
    if target == here or target in here.parents or target == Path(target.anchor):
        raise ConfigError(
            what,
            f"{path} is the current folder or one of its parents",
            "give the name of a sub-folder for the outputs, e.g. --out runs/NAME",
        )
    if target.exists() and not target.is_dir():
        raise ConfigError(
            what,
            f"{path} is an existing file, not a folder",
            "give the name of a new folder (the file was left as it is)",
        )
    if target.is_dir():
        entries = [e for e in _listing(target, what) if e != MARKER]
        if entries:
            _check_existing(target, path, entries, command, kind, force, what)
        _probe_writable(target, what, target)
        parent = target.parent
    else:
        parent = _nearest_existing(target.parent)
        if not parent.is_dir():
            raise ConfigError(
                what,
                f"{parent} is a file, so the folder {path} cannot be created",
                "choose a path whose parent folders are folders",
            )
    _probe_writable(parent, what, target)
    return target


def _check_existing(target, path, entries, command, kind, force, what) -> None:
    marker = read_marker(target)
    if marker is not None:
        found_kind, files = COMMAND_KINDS[marker["command"]], marker.get("files")
        by = f"'forecast {marker['command']}'"
    else:
        found_kind, files, by = _legacy_kind(entries), None, "an earlier forecast version"
    if found_kind is None:
        raise ConfigError(
            what,
            f"{path} is a folder with other content ({_shown(entries)}) that forecast did not "
            "write",
            "choose a new or empty folder for --out; nothing was changed",
        )
    if found_kind != kind:
        raise ConfigError(
            what,
            f"{path} holds {KIND_WORDS[found_kind]} written by {by}, not by 'forecast {command}'",
            f"choose another folder for the outputs of 'forecast {command}'; nothing was changed",
        )
    if not force:
        raise ConfigError(
            what,
            f"{path} already holds {KIND_WORDS[kind]} (written by {by})",
            "choose another --out, or pass --force to replace it",
        )
    if isinstance(files, list):
        extra = sorted(set(_files(target)) - set(files))
        if extra:
            raise ConfigError(
                what,
                f"{path} holds file(s) that {by} did not write: {_shown(extra)}",
                "move them out of the folder (--force replaces the whole folder), or choose "
                "another --out; nothing was changed",
            )


# --- writing a folder ---


def _libc_renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ``renameat2``); ``False`` if unsupported."""
    func = _libc_renameat2()
    if func is None:
        return False
    if func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    import errno as errnos

    if errno in (errnos.EINVAL, errnos.ENOSYS, errnos.ENOTSUP):
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def swap_in(new: Path, target: Path) -> None:
    """Put the folder ``new`` in place of ``target``; the old ``target`` is removed after.

    With ``renameat2(RENAME_EXCHANGE)`` there is no moment without either folder.
    Fallback (documented in the module docstring): rename the old folder aside to a
    hidden ``.NAME.*.old``, rename the new one in, remove the old one.
    """
    if not target.exists():
        os.rename(new, target)
    elif exchange(new, target):
        kill_point("output-exchanged")
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old folder
    else:
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
        os.rmdir(old)
        os.rename(target, old)
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(target: Path) -> None:
    """Remove temporary folders of ``target`` left by a killed writer (dead pid in sentinel)."""
    try:
        siblings = list(target.parent.glob(f".{target.name}.*.tmp"))
    except OSError:
        return
    for folder in siblings:
        sentinel = folder / TMP_SENTINEL
        try:
            pid = int(sentinel.read_text().strip())
        except FileNotFoundError:
            # an old copy swapped out by a writer killed before removing it: ours if marked
            if folder.is_dir() and read_marker(folder) is not None:
                shutil.rmtree(folder, ignore_errors=True)
            continue
        except (OSError, ValueError):
            continue  # not ours: leave it
        if not _pid_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def output_dir(
    path: str | Path, command: str, force: bool = False, what: str = "--out"
) -> Iterator[Path]:
    """Check ``path`` (:func:`check_output_dir`), then yield a temporary folder to fill.

    On normal exit the marker is written into the temporary folder and it is swapped
    in for ``path`` (:func:`swap_in`). On any exception or ``KeyboardInterrupt`` the
    temporary folder is removed, ``path`` is left byte for byte as it was, and the
    exception is re-raised.

    Parameters
    ----------
    path : str or Path
        The ``--out`` folder.
    command : str
        The writing command (see :data:`COMMAND_KINDS`).
    force : bool
        Replace a folder written earlier by the same command.
    what : str
        The option naming the folder, for messages.

    Yields
    ------
    Path
        The temporary folder (same parent as ``path``, hidden name).
    """
    target = check_output_dir(path, command, force=force, what=what)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(target)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    except OSError as err:
        raise ConfigError(
            what,
            f"cannot create a folder beside {path} ({err.strerror or err})",
            "choose a folder you can write to",
        ) from None
    try:
        (tmp / TMP_SENTINEL).write_text(f"{os.getpid()}\n")
        yield tmp
        write_marker(tmp, command)
        apply_umask(tmp)
        kill_point("output-before-swap")
        _recheck(target, command, force, what)
        swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    (target / TMP_SENTINEL).unlink(missing_ok=True)


def _recheck(target: Path, command: str, force: bool, what: str) -> None:
    """Check the target again just before the swap: it may have changed during the work."""
    if target.exists():
        check_output_dir(target, command, force=force, what=what)
