"""All-or-nothing updates of several files of an overlay folder, also under SIGKILL.

An overlay folder holds the user's own files next to ours, so it is never replaced
whole: each of our files is replaced by an atomic rename, and an update of several
files (``data import`` writes ``missile_tests.csv`` *and* ``import_sources.csv``) is a
small write-ahead transaction:

1. **stage**: each new file is written in full (and fsynced) to a hidden staging file
   ``.NAME.forecast-new`` beside its target, with the mode the umask gives;
2. **commit point**: the journal :data:`JOURNAL` is written atomically (temporary file,
   fsync, rename, fsync of the folder); it lists each target with the SHA-256 of its
   staged content. Before this rename the update has not happened; after it, it has;
3. **apply**: each staging file is renamed over its target (atomic per file);
4. **finish**: the journal is removed.

:func:`recover` runs before every overlay read and write (``load_merged``, every
overlay command). With a journal present it **rolls forward**: each staging file
whose hash matches the journal is renamed over its target (one already renamed is
simply gone), then the journal is removed. Without a journal it **rolls back**:
staging files (the update died before its commit point) and temporary files of
ours are removed. So after a kill at any moment the folder reads back byte for byte
as the old state or the new state, and no temporary file of ours stays behind once
the folder is next used. Files of the user in the folder are never touched: only
names this module creates (``.*.forecast-new``, ``.forecast-journal.json*``,
``.forecast-lock``) are removed.

One writer at a time
--------------------
Every read-modify-commit of an overlay folder (``data import``, ``set-state``,
``add-exercise``, ``confirm-exercises``, ``confirm-leaders``, ``set-leader``, ``data build``)
and every read of one
(:func:`recover` and the reading of its tables) holds the folder's exclusive lock,
:func:`overlay_lock`: ``fcntl.flock`` on the hidden file :data:`LOCK` in the folder. Two
commands on one folder therefore queue: the second reads the tables only once the first has
committed, so no update is lost, and no reader sees a half-applied update or removes a
writer's staging files. A command that cannot get the lock within
:data:`~forecast.constants.OVERLAY_LOCK_TIMEOUT` seconds stops with a :class:`DataError`
saying another command holds it (nothing written). The lock belongs to the process and dies
with it (a killed command never leaves the folder locked); the lock file is removed when the
lock is released (a waiter that then holds a removed file notices and locks the new one). A
folder where the lock file cannot be created (read-only) is read without it: nobody can
write it either."""

from __future__ import annotations

import array
import contextlib
import errno
import fcntl
import fnmatch
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from forecast.constants import OVERLAY_LOCK_TIMEOUT
from forecast.errors import DataError
from forecast.files import fsync_dir, write_bytes_atomic

#: The journal file: its presence means "committed, maybe not yet applied".
JOURNAL = ".forecast-journal.json"

#: The lock file of an overlay folder (see :func:`overlay_lock`).
LOCK = ".forecast-lock"

#: Seconds to wait for an overlay's lock (default of :func:`overlay_lock`).
LOCK_TIMEOUT = OVERLAY_LOCK_TIMEOUT

#: Seconds between two attempts to take a lock held by another process.
_LOCK_POLL = 0.05

#: The overlay folders this thread holds the lock of (real path -> nesting depth).
_held = threading.local()


def _held_locks() -> dict[str, int]:
    if not hasattr(_held, "folders"):
        _held.folders = {}
    return _held.folders


def _open_lock(path: Path) -> int | None:
    """Open (creating) the lock file; ``None`` when the folder does not allow it."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
    except OSError as err:
        if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            try:  # an existing lock file we may only read still locks
                return os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
            except OSError:
                return None
        raise


def _acquire(folder: Path, timeout: float, create: bool) -> int | None:
    """Take the exclusive lock of ``folder``; the locked descriptor, or ``None`` when the
    folder is not writable (then nobody can update it either) or is gone (and not
    ``create``)."""
    path = folder / LOCK
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = _open_lock(path)
        except FileNotFoundError:  # the folder was removed by the lock's last holder
            if not create:
                return None
            folder.mkdir(parents=True, exist_ok=True)
            continue
        except OSError as err:
            raise DataError(
                folder,
                f"cannot create the lock file {LOCK} of the overlay folder ({err.strerror or err})",
                "check that the folder exists and that you may write it",
            ) from None
        if fd is None:
            return None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise DataError(
                        folder,
                        f"another forecast command is using this overlay folder (it holds the "
                        f"lock {LOCK}); waited {timeout:g} s",
                        "wait for the other command ('forecast data import', 'set-state', "
                        "'add-exercise', 'confirm-exercises', 'confirm-leaders', 'set-leader', or "
                        "one reading the folder) to "
                        "finish, then repeat this one; nothing was written",
                    ) from None
                time.sleep(_LOCK_POLL)
            except OSError as err:  # a file system without flock (some network mounts)
                if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                    os.close(fd)
                    raise
                os.close(fd)
                return None
        try:  # the file we locked must still be the lock file (not removed by its last holder)
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextlib.contextmanager
def overlay_lock(
    folder: str | Path, create: bool = False, timeout: float | None = None
) -> Iterator[Path]:
    """Hold the exclusive lock of the overlay folder ``folder`` (see the module docstring).

    Nested use in one thread (an import reads the merged tables under its own lock) holds
    the lock once; other threads and processes wait for it.

    Parameters
    ----------
    folder : str or Path
        The overlay folder.
    create : bool
        Create the folder (and its parents) when it does not exist, for a command that
        writes it; if the folder was created here and is left empty, it is removed again
        when the lock is released (a refused first import leaves nothing behind).
        Without ``create`` a missing folder is not locked (there is nothing to protect).
    timeout : float, optional
        Seconds to wait for another process's lock (default :data:`LOCK_TIMEOUT`).

    Yields
    ------
    Path
        ``folder``.

    Raises
    ------
    DataError
        When the lock is not free within ``timeout`` seconds, or cannot be created.
    """
    folder = Path(folder)
    key = os.path.realpath(folder)
    held = _held_locks()
    if key in held:
        held[key] += 1
        try:
            yield folder
        finally:
            held[key] -= 1
        return
    created: list[Path] = []
    if not folder.is_dir():
        if not create:
            yield folder
            return
        try:
            missing = _missing_folders(folder)
            folder.mkdir(parents=True)
            created = missing
        except FileExistsError:
            pass  # created meanwhile by another command
        except OSError as err:
            raise DataError(
                folder,
                f"cannot create the overlay folder ({err.strerror or err})",
                "check the path and that you may write its parent folder",
            ) from None
    fd = _acquire(folder, LOCK_TIMEOUT if timeout is None else timeout, create)
    held[key] = 1
    try:
        yield folder
    finally:
        del held[key]
        if fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(folder / LOCK)  # while still locked: waiters then retry
            for path in created:  # deepest first, each only if nothing was written into it
                with contextlib.suppress(OSError):
                    path.rmdir()
            os.close(fd)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first: the folders
    ``folder.mkdir(parents=True)`` would create (and a command that wrote nothing removes)."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists() or path.is_symlink():
            break
        missing.append(path)
    return missing


#: Suffix of staging files.
STAGED = ".forecast-new"


def _staged(folder: Path, name: str) -> Path:
    return folder / f".{name}{STAGED}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def commit_files(folder: str | Path, files: dict[str, str]) -> None:
    """Replace the files ``files`` (name -> text) of ``folder`` all together or not at all.

    Parameters
    ----------
    folder : str or Path
        The overlay folder (created if needed).
    files : dict of str to str
        File names (no folders) and their complete new text (UTF-8).

    Notes
    -----
    Runs under the folder's lock (:func:`overlay_lock`); a caller that read the folder to
    compute ``files`` must hold the lock from that read on, or a concurrent update between
    the read and this commit would be lost.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with overlay_lock(folder, create=True):
        _commit(folder, files)


def _commit(folder: Path, files: dict[str, str]) -> None:
    recover(folder, names=files)
    encoded = {name: text.encode("utf-8") for name, text in files.items()}
    for name in encoded:
        _check_replaceable(folder / name)
    staged = []
    try:
        for name, data in encoded.items():
            write_bytes_atomic(_staged(folder, name), data)
            staged.append(name)
        journal = {"files": {name: _sha(data) for name, data in encoded.items()}}
        write_bytes_atomic(folder / JOURNAL, (json.dumps(journal, indent=2) + "\n").encode())
    except BaseException:
        for name in staged:
            _staged(folder, name).unlink(missing_ok=True)
        raise
    _apply(folder, journal["files"])


#: ``FS_IOC_GETFLAGS`` and the inode flags that forbid replacing a file (Linux).
_FS_IOC_GETFLAGS = 0x80086601
_FS_IMMUTABLE_FL, _FS_APPEND_FL = 0x10, 0x20


def _locked(path: Path) -> bool:
    """Whether ``path`` is immutable or append-only (``chattr +i``/``+a``): root cannot
    replace it either. ``False`` where the flags cannot be read (other systems)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False  # unreadable: reading it fails first, with its own message
    try:
        flags = array.array("i", [0, 0])
        fcntl.ioctl(fd, _FS_IOC_GETFLAGS, flags, True)
        return bool(flags[0] & (_FS_IMMUTABLE_FL | _FS_APPEND_FL))
    except OSError:
        return False
    finally:
        os.close(fd)


def _check_replaceable(path: Path) -> None:
    """Refuse, before the commit point, a target that a rename cannot replace."""
    if path.is_dir():
        raise DataError(path, "a folder has the name of an overlay table", "rename or move it")
    if path.exists() and _locked(path):
        raise DataError(
            path,
            "this file cannot be replaced (it is immutable or append-only); nothing was written",
            "make it writable again (chattr -i FILE), or use another --data-dir",
        )


def _apply(folder: Path, hashes: dict[str, str]) -> None:
    for name in hashes:
        try:
            os.replace(_staged(folder, name), folder / name)
        except FileNotFoundError:
            pass  # already applied (by an earlier recovery, or a concurrent reader)
    fsync_dir(folder)
    (folder / JOURNAL).unlink(missing_ok=True)
    fsync_dir(folder)


def _ours(name: str, names) -> bool:
    """Whether ``name`` is a staging or temporary file this module (or an older write) made."""
    patterns = [f".*{STAGED}", f".*{STAGED}.*.tmp", f".{JOURNAL}.*.tmp"]
    patterns += [f".{known}.*.tmp" for known in names]
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def recover(folder: str | Path, names=()) -> str | None:
    """Finish or undo an interrupted :func:`commit_files` in ``folder``.

    Parameters
    ----------
    folder : str or Path
        The overlay folder.
    names : iterable of str
        File names of ours in the folder: their temporary files (``.NAME.*.tmp``, as
        left by a write killed before its rename) are removed too.

    Returns
    -------
    str or None
        ``"rolled forward"``, ``"rolled back"`` or ``None`` (nothing to do).

    Raises
    ------
    DataError
        When the folder cannot be repaired (e.g. no write permission): naming the
        folder and the fix.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None
    with overlay_lock(folder):
        return _recover(folder, names)


def _recover(folder: Path, names) -> str | None:
    journal = folder / JOURNAL
    try:
        present = journal.exists()
        if not present:
            entries = list(folder.iterdir())
    except OSError as err:
        raise DataError(
            folder,
            f"cannot read the overlay folder ({err.strerror or err})",
            "check that the folder exists and that you may read it (ls -ld FOLDER)",
        ) from None
    try:
        if present:
            return _roll_forward(folder, journal)
        leftovers = [p for p in entries if _ours(p.name, names)]
        for path in leftovers:
            path.unlink(missing_ok=True)
        return "rolled back" if leftovers else None
    except OSError as err:
        raise DataError(
            folder,
            f"an interrupted update of this overlay folder cannot be completed "
            f"({err.strerror or err})",
            "run any 'forecast data' command on it as a user who may write the folder; "
            "until then it cannot be read safely",
        ) from None


def _roll_forward(folder: Path, journal: Path) -> str:
    try:
        hashes = json.loads(journal.read_text(encoding="utf-8"))["files"]
        ok = isinstance(hashes, dict) and all(
            isinstance(k, str) and "/" not in k and not k.startswith(".") for k in hashes
        )
    except (ValueError, KeyError, TypeError):
        ok, hashes = False, {}
    if not ok:  # not a journal of ours: a crash cannot produce this, leave the user's files
        raise DataError(
            journal,
            "the overlay's update journal is damaged",
            "delete this file and check the overlay tables (the update it describes may be "
            "half applied)",
        )
    for name, digest in hashes.items():
        source = _staged(folder, name)
        if source.exists() and _sha(source.read_bytes()) != digest:
            raise DataError(
                source,
                "a staged overlay file does not match the update journal",
                f"delete it and {JOURNAL}, then repeat the last 'forecast data' command",
            )
    _apply(folder, hashes)
    return "rolled forward"
