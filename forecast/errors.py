"""Exceptions for bad input: each names the file, where it is wrong, and the fix.

The CLI turns any :class:`InputError` into a message on stderr and exit code 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class InputError(ValueError):
    """A file or argument that cannot be used, with where it is wrong and how to fix it.

    Parameters
    ----------
    file : str or Path
        The file (or table name) that holds the problem.
    problem : str
        What is wrong.
    fix : str
        What the user should do about it.
    rows : sequence of int, optional
        Line numbers in the file (the header is line 1, the first data row line 2).
    column : str, optional
        The offending column.
    key : str, optional
        The dotted key of a YAML file the problem is about (``state_effect.sigma``), for
        :func:`forecast.yamlio.located` to add its line.
    """

    def __init__(
        self,
        file: str | Path,
        problem: str,
        fix: str,
        rows: Sequence[int] | None = None,
        column: str | None = None,
        key: str | None = None,
    ) -> None:
        self.key = key
        self.file = str(file)
        self.problem = problem
        self.fix = fix
        self.rows = list(rows) if rows is not None else []
        self.column = column
        where = [self.file]
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (and {len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            where.append(f"{'line' if len(self.rows) == 1 else 'lines'} {shown}{more}")
        if column:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {problem}. Fix: {fix}")


class DataError(InputError):
    """A data table (bundled, overlay or imported) that fails validation."""


class RunFileError(InputError):
    """A saved fit or run folder that cannot be loaded or rebuilt."""


class ConfigError(InputError):
    """A bad model option, scenario file or command-line argument."""


def folder_problem(path: str | Path, what: str) -> str:
    """The problem of a folder given where a file was wanted.

    Parameters
    ----------
    path : str or Path
        The path given.
    what : str
        What the file is (``"file"``, ``"scenario file"``).

    Returns
    -------
    str
        ``the WHAT is a folder``; an empty path (an unset shell variable, ``""``) reads as the
        current folder, and is named as such.
    """
    if str(path) in ("", "."):
        return f"the {what} is the current folder (an empty path, or '.')"
    return f"the {what} is a folder"
