"""Where and how commands write: output folders, atomic files, the bundled data left alone.

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
writable, the current folder or one of its parents, a symbolic-link loop, anything
inside (or containing) the bundled ``datasets/`` folder, and the project's own folders
(:data:`~forecast.constants.PROTECTED_DIRS`: ``notebooks/``, the package, the shipped
``scenarios/`` and ``questions/``...), whatever path spelling leads there. Paths are
resolved as the operating system resolves them (:func:`os.path.realpath`: each symbolic
link is followed before a ``..`` after it is applied), so ``link/../x`` is the ``x``
beside the link's target, and that is where the outputs go. Only ``forecast data build``
writes ``datasets/``.

The same rule for one file: :func:`check_single_file` checks a ``--single-file
FILE.html`` destination; with ``--force`` it replaces only a file that carries
:data:`SINGLE_FILE_MARKER` (written by :func:`write_single_file`), never a user's own HTML.

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
(``tempfile.mkstemp`` alone would leave 0600). :func:`write_csv` writes a table as CSV
with spreadsheet formulas neutralised (:func:`forecast.present.safe_for_csv`): every CSV
file a command writes goes through it. Multi-file updates of an overlay folder are
transactions: see :mod:`forecast.data.transaction`.

Reading
-------
Files a user may point us at are read only when they are regular files no larger than
their limit, checked before they are opened (:func:`check_regular_file`,
:func:`read_regular_bytes`): a named pipe would block forever and ``/dev/zero`` would be
read until memory runs out.
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

from forecast.constants import BUNDLED_DATA_DIR, MAX_JSON_BYTES, PROTECTED_DIRS
from forecast.errors import ConfigError, InputError, RunFileError

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

# --- the bundled data and the project's folders ---


def _resolved(path: str | Path) -> Path:
    """``path`` resolved as the operating system resolves it (:func:`os.path.realpath`).

    Each symbolic link is followed before a ``..`` after it is applied, so ``link/../x``
    is the ``x`` beside the link's target (``os.path.abspath`` would drop ``link/..``
    as text and name another folder).
    """
    return Path(os.path.realpath(Path(path).expanduser()))


def refuse_link_loop(path: str | Path, what: str) -> None:
    """Raise :class:`ConfigError` if ``path`` cannot be resolved (a symbolic-link loop).

    Parameters
    ----------
    path : str or Path
        The path as given.
    what : str
        The option naming it (``--out``, ``--single-file``, ``--data-dir``).
    """
    try:
        os.stat(Path(path).expanduser())
    except OSError as err:
        if err.errno == errnos.ELOOP:
            raise ConfigError(
                what,
                f"{path} cannot be resolved: its symbolic links form a loop (or a chain "
                "of more than 40 links)",
                "remove or correct the link (ls -l shows where each points), or choose "
                "another path; nothing was written",
            ) from None
    except ValueError:  # an embedded NUL byte: no file system accepts it
        raise ConfigError(
            what, f"{path!r} holds a NUL byte", "give a path without control characters"
        ) from None


def inside_bundled(path: str | Path) -> bool:
    """Whether ``path`` (resolved) is the bundled ``datasets/``, inside it, or contains it."""
    return _overlaps(_resolved(path), BUNDLED_DATA_DIR.resolve())


def _overlaps(target: Path, folder: Path) -> bool:
    """``target`` is ``folder``, inside it, or holds it."""
    return target == folder or folder in target.parents or target in folder.parents


def refuse_bundled(path: str | Path, what: str) -> None:
    """Raise :class:`ConfigError` if ``path`` resolves to, inside, or above ``datasets/``.

    Parameters
    ----------
    path : str or Path
        Where a command would write.
    what : str
        The option naming it (``--out``, ``--data-dir``), for the message.
    """
    refuse_link_loop(path, what)
    if inside_bundled(path):
        raise ConfigError(
            what,
            f"{path} resolves to {_resolved(path)}, which is or holds the bundled data folder "
            f"{BUNDLED_DATA_DIR.resolve()}; only 'forecast data build' writes there",
            "choose a folder outside datasets/ (e.g. --out runs/NAME, or --data-dir local-data "
            "for overlay data); nothing was written",
        )


def refuse_protected(path: str | Path, what: str) -> None:
    """Raise :class:`ConfigError` if ``path`` is the bundled data or a project folder.

    :func:`refuse_bundled`, then the project's own folders
    (:data:`~forecast.constants.PROTECTED_DIRS`: ``notebooks/``, the package, the shipped
    scenario and question files, ...): a path resolving to one of them, inside one, or
    holding one is refused, however it is spelled.

    Parameters
    ----------
    path : str or Path
        Where a command would write.
    what : str
        The option naming it, for the message.
    """
    refuse_bundled(path, what)
    target = _resolved(path)
    for folder in PROTECTED_DIRS:
        if folder.is_dir() and _overlaps(target, folder.resolve()):
            raise ConfigError(
                what,
                f"{path} resolves to {target}, which is or holds the project's own folder "
                f"{folder.resolve()}",
                "choose a folder outside the project's source folders, e.g. --out runs/NAME; "
                "nothing was written",
            )


# --- reading a user's file ---


def _stat_regular(path: Path, what: str, fix: str, limit: int, error) -> os.stat_result:
    info = path.stat()  # FileNotFoundError and other OSErrors: the caller's to map
    if stat.S_ISDIR(info.st_mode):
        raise error(path, f"the {what} is a folder", "give the path of the file")
    if not stat.S_ISREG(info.st_mode):
        raise error(
            path,
            f"the {what} is not a regular file (a named pipe or a device such as /dev/zero?), "
            "so it was not read",
            f"give a regular file; {fix}",
        )
    if info.st_size > limit:
        raise error(path, f"the {what} is {info.st_size:,} bytes, larger than {limit:,}", fix)
    return info


def check_regular_file(
    path: str | Path,
    what: str,
    fix: str,
    limit: int,
    error: type[InputError] = RunFileError,
) -> Path:
    """Refuse, without opening it, anything but a regular file of at most ``limit`` bytes.

    For readers that open the file themselves (netCDF: ``fit.nc``, ``outlook.nc``): a
    named pipe would block the open, a device such as ``/dev/zero`` would be read until
    memory runs out.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for messages (``"fit file"``).
    fix : str
        What the user should do.
    limit : int
        Largest size accepted, in bytes.
    error : type of InputError
        The exception raised (:class:`RunFileError` by default).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        ``error``, naming the file: not found, a folder, not a regular file, too large, or
        unreadable.
    """
    path = Path(path)
    try:
        _stat_regular(path, what, fix, limit, error)
    except FileNotFoundError:
        raise error(path, "file not found", fix) from None
    except OSError as err:
        raise error(path, f"cannot read it ({err.strerror or err})", fix) from None
    return path


def read_regular_bytes(
    path: str | Path,
    what: str,
    fix: str,
    limit: int,
    error: type[InputError] = RunFileError,
    missing_ok: bool = False,
) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes, checked before it is opened.

    Parameters
    ----------
    path : str or Path
        The file.
    what, fix, limit, error
        As for :func:`check_regular_file`.
    missing_ok : bool
        Return ``None`` for a file that does not exist (instead of raising).

    Returns
    -------
    bytes or None
    """
    path = Path(path)
    try:
        _stat_regular(path, what, fix, limit, error)
        with path.open("rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced since the check
                raise error(path, f"the {what} is not a regular file", fix)
            data = fh.read(limit + 1)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise error(path, "file not found", fix) from None
    except OSError as err:
        raise error(path, f"cannot read it ({err.strerror or err})", fix) from None
    if len(data) > limit:
        raise error(path, f"the {what} is larger than {limit:,} bytes", fix)
    return data


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
    checks everywhere: a regular file (not a pipe or device) of at most
    :data:`~forecast.constants.MAX_JSON_BYTES`, checked before it is opened; OS and
    decoding errors and invalid JSON -> :class:`RunFileError` naming the file and ``fix``.
    Returns ``None`` for a missing file when ``missing_ok``."""
    path = Path(path)
    raw = read_regular_bytes(path, "file", fix, MAX_JSON_BYTES, missing_ok=missing_ok)
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise RunFileError(path, f"cannot read it ({err})", fix) from None
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
    from forecast import __version__

    record = {
        "command": command,
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "forecast_version": __version__,
        "files": _files(folder),
    }
    write_text_atomic(folder / MARKER, json.dumps(record, indent=2) + "\n")


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
        The resolved path (:func:`os.path.realpath`): where the outputs go.

    Raises
    ------
    ConfigError
        Naming ``what``, the problem and the fix (see the module docstring for the rule).
    """
    kind = COMMAND_KINDS[command]
    refuse_protected(path, what)  # symlink loops, datasets/, notebooks/, ...
    target = _resolved(path)
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
    """The rule for a folder that holds something: only our marked output is replaced."""
    marker = read_marker(target)
    if marker is None:
        raise ConfigError(
            what,
            f"{path} is a folder with other content ({_shown(entries)}) that forecast did not "
            f"write (it has no {MARKER} marker)",
            "choose a new or empty folder for --out (--force replaces only a folder written by "
            f"'forecast {command}'); nothing was changed",
        )
    found_kind, by = COMMAND_KINDS[marker["command"]], f"'forecast {marker['command']}'"
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
    extra = sorted(set(_files(target)) - set(marker["files"]))
    if extra:
        raise ConfigError(
            what,
            f"{path} holds file(s) that {by} did not write: {_shown(extra)}",
            "move them out of the folder (--force replaces the whole folder), or choose "
            "another --out; nothing was changed",
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
    target = _resolved(path)
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
    existing = _nearest_existing(target.parent)
    if not existing.is_dir():
        raise ConfigError(
            what, f"{existing} is a file, so {path} cannot be created", "fix the path"
        )
    _probe_writable(existing, what, target)  # missing folders are created
    return target


# --- tables ---


def write_csv(frame, path: str | Path, **kwargs) -> None:
    """Write a table as CSV with spreadsheet formulas neutralised, atomically.

    Every CSV file a command writes goes through here: text cells (and labels) that a
    spreadsheet would run as a formula get a leading ``'``
    (:func:`forecast.present.safe_for_csv`); numbers are written as they are.

    Parameters
    ----------
    frame : DataFrame
        The table.
    path : str or Path
        The file.
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv` (``index``, ``float_format``, ...).
    """
    from forecast.present import safe_for_csv

    kwargs.setdefault("lineterminator", "\n")
    write_text_atomic(path, safe_for_csv(frame).to_csv(None, **kwargs))


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
