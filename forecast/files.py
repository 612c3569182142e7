"""Files: written atomically with the user's umask, read only when they are what they claim.

Writing
-------
:func:`write_text_atomic` (and :func:`write_bytes_atomic`) writes one file through a temporary
file and an atomic rename, with the mode ``0o666 & ~umask`` that any other tool would give it
(``tempfile.mkstemp`` alone would leave 0600). :func:`write_csv` writes a table as CSV with
spreadsheet formulas neutralised (:func:`forecast.present.safe_for_csv`): every CSV file a
command writes goes through it. :func:`apply_umask` gives a folder a command created, and
everything in it, the modes of the umask. Whole output folders are written by
:func:`forecast.outputs.output_dir`; multi-file updates of an overlay folder are transactions
(:mod:`forecast.data.transaction`).

Reading
-------
Files a user may point us at are read only when they are regular files no larger than
their limit, checked before they are opened (:func:`check_regular_file`,
:func:`read_regular_bytes`, :func:`read_json`): a named pipe would block forever and
``/dev/zero`` would be read until memory runs out.
"""

from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from pathlib import Path

from forecast.constants import MAX_JSON_BYTES
from forecast.errors import InputError, RunFileError, folder_problem
from forecast.present import safe_for_csv

# --- reading a user's file ---


def _stat_regular(path: Path, what: str, fix: str, limit: int, error) -> os.stat_result:
    info = path.stat()  # FileNotFoundError and other OSErrors: the caller's to map
    if stat.S_ISDIR(info.st_mode):
        raise error(path, folder_problem(path, what), "give the path of the file")
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


# --- writing ---


def fsync_dir(folder: Path) -> None:
    """Flush ``folder``'s entries (a rename into it) to disk; nothing where that fails."""
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
        fsync_dir(path.parent)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically, mode from the umask."""
    write_bytes_atomic(path, text.encode("utf-8"))


def json_text(record: dict) -> str:
    """A record as the JSON text of one of our files (``run.json``, settings, markers).

    Indented, with one trailing newline. A float that is not finite (a counting
    baseline's r-hat, NaN) is written ``null``, which every JSON reader takes; Python's
    default ``NaN`` is refused by ``JSON.parse`` and strict parsers.

    Parameters
    ----------
    record : dict
        JSON-ready values (dicts, lists, strings, numbers, booleans, None).

    Returns
    -------
    str
    """

    def finite(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {key: finite(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [finite(item) for item in value]
        return value

    return json.dumps(finite(record), indent=2, allow_nan=False) + "\n"


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

    kwargs.setdefault("lineterminator", "\n")
    write_text_atomic(path, safe_for_csv(frame).to_csv(None, **kwargs))
