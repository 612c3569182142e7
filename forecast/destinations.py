"""Where a command may write: never into the bundled data or the project's own folders, and
only where it can write.

Anything inside (or containing) the bundled ``datasets/`` folder (:func:`refuse_bundled`; only
``forecast data build`` writes there) and the project's own folders
(:data:`~forecast.constants.PROTECTED_DIRS`: ``notebooks/``, the package, the shipped
``scenarios/`` and ``questions/``...; :func:`refuse_protected`) is refused as a destination,
whatever path spelling leads there, with a :class:`~forecast.errors.ConfigError` naming the
option, the problem and the fix; so is a path whose symbolic links form a loop
or lead to nothing (:func:`refuse_broken_links`: following one would create folders the user
never named). Paths are resolved as the operating system resolves them
(:func:`resolved_path`: each symbolic link is followed before a ``..`` after it is applied), so
``link/../x`` is the ``x`` beside the link's target. :func:`probe_writable` creates and removes
a hidden file: the only test of a folder's permissions that is true for root too.

The output-folder rule (:mod:`forecast.outputs`) and the overlay folder
(:func:`forecast.data.overlay.overlay_for_writing`) apply these checks.
"""

from __future__ import annotations

import errno as errnos
import os
import tempfile
from pathlib import Path

from forecast.constants import BUNDLED_DATA_DIR, PROTECTED_DIRS
from forecast.errors import ConfigError


def resolved_path(path: str | Path) -> Path:
    """``path`` resolved as the operating system resolves it (:func:`os.path.realpath`).

    Each symbolic link is followed before a ``..`` after it is applied, so ``link/../x``
    is the ``x`` beside the link's target (``os.path.abspath`` would drop ``link/..``
    as text and name another folder).
    """
    return Path(os.path.realpath(Path(path).expanduser()))


def refuse_broken_links(path: str | Path, what: str) -> None:
    """Raise :class:`ConfigError` if ``path`` cannot be followed: its symbolic links form a
    loop, or it (or a folder on the way to it) is a link to nothing, whose following would
    create folders somewhere the user did not name.

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
    given = Path(path).expanduser().absolute()  # keeps "link/..": the OS follows the link
    for part in (given, *given.parents):
        if part.is_symlink() and not part.exists():
            where = "" if part == given else f": {part}, on the way to it,"
            raise ConfigError(
                what,
                f"{path}{where} is a symbolic link to {os.readlink(part)}, which does not exist",
                "create the folder the link points to, remove the link, or choose another "
                "path; nothing was written",
            )


def inside_bundled(path: str | Path) -> bool:
    """Whether ``path`` (resolved) is the bundled ``datasets/``, inside it, or contains it."""
    return _overlaps(resolved_path(path), BUNDLED_DATA_DIR.resolve())


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
    refuse_broken_links(path, what)
    if inside_bundled(path):
        raise ConfigError(
            what,
            f"{path} resolves to {resolved_path(path)}, which is or holds the bundled data folder "
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
    target = resolved_path(path)
    for folder in PROTECTED_DIRS:
        if folder.is_dir() and _overlaps(target, folder.resolve()):
            raise ConfigError(
                what,
                f"{path} resolves to {target}, which is or holds the project's own folder "
                f"{folder.resolve()}",
                "choose a folder outside the project's source folders, e.g. --out runs/NAME; "
                "nothing was written",
            )


def nearest_existing(path: Path) -> Path:
    """``path`` itself when it exists, else its nearest parent that does."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")  # pragma: no cover - the root always exists


def probe_writable(folder: Path, what: str, target: Path) -> None:
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
