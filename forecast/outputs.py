"""Where commands write their folders of results: the output-folder rule, and how a folder is
written.

The output-folder rule
----------------------
Every command that writes a folder of results (``fit``, ``refit``, ``scenarios``,
``backtest``, ``report``) goes through :func:`output_dir`, which first applies
:func:`check_output_dir`. A command writes ``--out DIR`` only when DIR is

- a path that does not exist yet (its nearest existing parent must be a writable
  folder), or
- an empty folder, or
- a folder that carries our :data:`MARKER` naming the **same** command, and ``--force``
  is given. ``fit`` and ``refit`` count as the same command (both write run folders).
  ``--force`` is refused when the folder holds files that the command did not write (the
  marker lists them): move them out first.

A folder without our marker is never replaced, whatever its files are called: a folder
holding a ``summary.csv``, a ``run.json`` or an ``index.html`` of the user's own is
refused, and the refusal names those files. (Versions before markers existed recognised
their folders by the file names alone; that rule could delete a user's files and is gone:
delete such an old output folder by hand.)

Anything else is refused before any work starts, with a :class:`ConfigError`
naming ``--out``, the problem and the fix: an existing file, a folder with other
content and no marker, a folder written by another command, a folder that is not
writable, the current folder or one of its parents, and the places no command writes
(:mod:`forecast.destinations`: a symbolic-link loop, anything inside (or containing) the
bundled ``datasets/`` folder, and the project's own folders), whatever path spelling leads
there. Paths are resolved as the operating system resolves them
(:func:`~forecast.destinations.resolved_path`), so ``link/../x`` is the ``x`` beside the
link's target, and that is where the outputs go. Only ``forecast data build`` writes
``datasets/``.

The same rule for one file: :func:`check_single_file` checks a ``--single-file
FILE.html`` destination; with ``--force`` it replaces only a file that carries
:data:`SINGLE_FILE_MARKER` (written by :func:`write_single_file`), never a user's own HTML.

How a folder is written
-----------------------
:func:`output_dir` yields a fresh hidden temporary folder beside the target (same
parent, so renames stay on one file system). The command writes everything there.
On success the marker is written into it, file modes are set from the user's
umask (:func:`forecast.files.apply_umask`), and the folder is swapped in: Linux
``renameat2(RENAME_EXCHANGE)`` exchanges the old and new folders in one step, so there is
no moment in which neither exists; then the old copy is removed. Where ``renameat2`` is
missing (not Linux, or a file system without it) the fallback renames the old folder aside,
renames the new one in and removes the old one: a crash between those two renames leaves
the old outputs in the hidden ``.NAME.*.old`` folder beside the target. On any exception
(or Ctrl-C) the temporary folder is removed and the target is left as it was. A
temporary folder left by a killed process (it holds a :data:`TMP_SENTINEL` with
the writer's process id, now dead), or an old copy swapped out but not yet removed
(it carries our marker), is removed by the next write to the same target.

Single files are written atomically by :mod:`forecast.files`; multi-file updates of an
overlay folder are transactions (:mod:`forecast.data.transaction`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import errno as errnos
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from forecast import __version__
from forecast.destinations import nearest_existing, probe_writable, refuse_protected, resolved_path
from forecast.errors import ConfigError
from forecast.files import apply_umask, fsync_dir, json_text, write_text_atomic

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
    "report-fit": "report-run",
    "questions": "questions",
    "contrasts": "contrasts",
    "sensitivity": "sensitivity",
    "track-record": "track-record",
}

#: What each kind of folder holds, in words (for messages).
KIND_WORDS = {
    "run": "a fit",
    "scenarios": "scenario outputs",
    "backtest": "backtest outputs",
    "report": "a report",
    "report-run": "the fit of a report",
    "questions": "answered questions",
    "contrasts": "state contrasts",
    "sensitivity": "a coding-sensitivity panel",
    "track-record": "a backfilled track record",
}

#: First line after the doctype of a ``--single-file`` report: only a file that carries it
#: may be replaced with ``--force`` (see :func:`check_single_file`).
SINGLE_FILE_MARKER = "<!-- forecast:single-file -->"

#: Bytes of a file read to look for :data:`SINGLE_FILE_MARKER`.
_MARKER_WINDOW = 4096


# --- markers ---

#: Largest marker file read (a marker lists the files of one output folder).
_MAX_MARKER_BYTES = 10_000_000


def read_marker(folder: str | Path) -> dict | None:
    """The marker of an output folder, or ``None`` (absent, unreadable or not ours).

    Ours means: a regular JSON file naming one of :data:`COMMAND_KINDS` and listing the
    files the command wrote (a list of relative paths).
    """
    path = Path(folder) / MARKER
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_MARKER_BYTES:
            return None  # a link, pipe or device named like our marker: not ours
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or record.get("command") not in COMMAND_KINDS:
        return None
    files = record.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
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
    record = {
        "command": command,
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "forecast_version": __version__,
        "files": _files(folder),
    }
    write_text_atomic(folder / MARKER, json_text(record))


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
        The resolved path (:func:`os.path.realpath`): where the outputs go.

    Raises
    ------
    ConfigError
        Naming ``what``, the problem and the fix (see the module docstring for the rule).
    """
    kind = COMMAND_KINDS[command]
    refuse_protected(path, what)  # symlink loops, datasets/, notebooks/, ...
    target = resolved_path(path)
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
        probe_writable(target, what, target)
        parent = target.parent
    else:
        parent = nearest_existing(target.parent)
        if not parent.is_dir():
            raise ConfigError(
                what,
                f"{parent} is a file, so the folder {path} cannot be created",
                "choose a path whose parent folders are folders",
            )
    probe_writable(parent, what, target)
    return target


def _said(command: str) -> str:
    """A command as the user typed it: the report's fit is 'forecast report', not a command
    of its own."""
    return "'forecast report'" if command == "report-fit" else f"'forecast {command}'"


def _check_existing(target, path, entries, command, kind, force, what) -> None:
    """The rule for a folder that holds something: only our marked output is replaced."""
    marker = read_marker(target)
    if marker is None:
        raise ConfigError(
            what,
            f"{path} is a folder with other content ({_shown(entries)}) that forecast did not "
            f"write (it has no {MARKER} marker)",
            "choose a new or empty folder for --out (--force replaces only a folder written by "
            f"{_said(command)}); nothing was changed",
        )
    found_kind, by = COMMAND_KINDS[marker["command"]], _said(marker["command"])
    if found_kind != kind:
        raise ConfigError(
            what,
            f"{path} holds {KIND_WORDS[found_kind]} written by {by}, not by {_said(command)}",
            f"choose another folder for the outputs of {_said(command)}; nothing was changed",
        )
    if not force:
        raise ConfigError(
            what,
            f"{path} already holds {KIND_WORDS[kind]} (written by {by})",
            "choose another --out, or pass --force to replace it",
        )
    extra = sorted(set(_files(target)) - set(marker["files"]))
    if extra:
        raise ConfigError(
            what,
            f"{path} holds {'a file' if len(extra) == 1 else 'files'} that {by} did not "
            f"write: {_shown(extra)}",
            f"move {'it' if len(extra) == 1 else 'them'} out of the folder (--force replaces "
            "the whole folder), or choose another --out; nothing was changed",
        )


# --- one file: the single-file report ---


def is_single_file(path: str | Path) -> bool:
    """Whether ``path`` is a regular file that starts with our :data:`SINGLE_FILE_MARKER`
    (within its first few kilobytes): a file :func:`write_single_file` wrote."""
    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        with path.open("rb") as fh:
            head = fh.read(_MARKER_WINDOW)
    except OSError:
        return False
    return SINGLE_FILE_MARKER.encode() in head


def mark_single_file(page: str) -> str:
    """``page`` (an HTML document) with :data:`SINGLE_FILE_MARKER` as its second line (right
    after the doctype; first when it has none). Idempotent."""
    if SINGLE_FILE_MARKER in page[:_MARKER_WINDOW]:
        return page
    text = page.lstrip()
    if text[:9].lower() == "<!doctype":
        head, _, rest = text.partition("\n")
        return f"{head}\n{SINGLE_FILE_MARKER}\n{rest}"
    return f"{SINGLE_FILE_MARKER}\n{page}"


def write_single_file(path: str | Path, page: str) -> None:
    """Write the single-file report ``page`` to ``path`` atomically, marked as ours
    (:func:`mark_single_file`), creating missing parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, mark_single_file(page))


def check_single_file(path: str | Path, force: bool = False) -> Path:
    """Refuse, before any work, a ``--single-file`` destination that may not be written.

    It must end in ``.html``; lie outside the bundled ``datasets/`` and the project's own
    folders (:func:`refuse_protected`), and resolve (no symbolic-link loop); be new unless
    ``force``, and then be a regular file that :func:`write_single_file` wrote (it carries
    :data:`SINGLE_FILE_MARKER`): a user's own HTML file is never replaced. Its folder must
    exist or be creatable, and be writable.

    Parameters
    ----------
    path : str or Path
        The ``--single-file`` destination as given.
    force : bool
        Replace a single-file report written earlier.

    Returns
    -------
    Path
        The resolved (absolute) path: the notebooks run in another working folder.

    Raises
    ------
    ConfigError
        Naming ``--single-file``, the problem and the fix.
    """
    what = "--single-file"
    refuse_protected(path, what)
    target = resolved_path(path)
    if Path(path).suffix.lower() != ".html" or target.suffix.lower() != ".html":
        raise ConfigError(what, f"{path} does not end in .html", "name the file NAME.html")
    if target.is_dir():
        raise ConfigError(what, f"{path} is a folder", "give the path of a file")
    if target.exists():
        if not force:
            raise ConfigError(
                what,
                f"{path} already exists",
                "pass --force to replace it, or choose another file name",
            )
        if not is_single_file(target):
            raise ConfigError(
                what,
                f"{path} is a file that 'forecast report' did not write (it lacks the line "
                f"{SINGLE_FILE_MARKER}); --force replaces only a single-file report",
                "move your file away or choose another file name (a single file written by "
                "forecast 0.2, before the marker existed, has to be deleted by hand once); "
                "nothing was changed",
            )
    existing = nearest_existing(target.parent)
    if not existing.is_dir():
        raise ConfigError(
            what, f"{existing} is a file, so {path} cannot be created", "fix the path"
        )
    probe_writable(existing, what, target)  # missing folders are created
    return target


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
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old folder
    else:
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
        os.rmdir(old)
        os.rename(target, old)
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    fsync_dir(target.parent)


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
