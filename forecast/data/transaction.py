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
names this module creates (``.*.forecast-new``, ``.forecast-journal.json*``) are
removed.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from pathlib import Path

from forecast.errors import DataError
from forecast.outputs import _fsync_dir, kill_point, write_bytes_atomic

#: The journal file: its presence means "committed, maybe not yet applied".
JOURNAL = ".forecast-journal.json"

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
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    recover(folder, names=files)
    encoded = {name: text.encode("utf-8") for name, text in files.items()}
    for name in encoded:
        _check_replaceable(folder / name)
    staged = []
    try:
        for name, data in encoded.items():
            write_bytes_atomic(_staged(folder, name), data)
            staged.append(name)
        kill_point("overlay-staged")
        journal = {"files": {name: _sha(data) for name, data in encoded.items()}}
        write_bytes_atomic(folder / JOURNAL, (json.dumps(journal, indent=2) + "\n").encode())
    except BaseException:
        for name in staged:
            _staged(folder, name).unlink(missing_ok=True)
        raise
    kill_point("overlay-committed")
    _apply(folder, journal["files"])


#: ``FS_IOC_GETFLAGS`` and the inode flags that forbid replacing a file (Linux).
_FS_IOC_GETFLAGS = 0x80086601
_FS_IMMUTABLE_FL, _FS_APPEND_FL = 0x10, 0x20


def _locked(path: Path) -> bool:
    """Whether ``path`` is immutable or append-only (``chattr +i``/``+a``): root cannot
    replace it either. ``False`` where the flags cannot be read (other systems)."""
    import array
    import fcntl

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
    for i, name in enumerate(hashes):
        try:
            os.replace(_staged(folder, name), folder / name)
        except FileNotFoundError:
            pass  # already applied (by an earlier recovery, or a concurrent reader)
        if i == 0:
            kill_point("overlay-half-applied")
    _fsync_dir(folder)
    (folder / JOURNAL).unlink(missing_ok=True)
    _fsync_dir(folder)


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
