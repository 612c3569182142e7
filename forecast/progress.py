"""The progress bars of long work, one look for each kind, all on stderr.

- :func:`task_bar`: counted tasks (backtest folds, refits): done / total, elapsed and
  remaining time, and the last task finished.
- :func:`draws_bar`: a sampling run: draws done and divergences so far; it leaves no line
  behind when sampling ends. :func:`fit_progress` shows it around one fit, or nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def task_bar(enabled: bool = True) -> Progress:
    """A bar over counted tasks; add a task with a ``last`` field (the last one finished).

    Parameters
    ----------
    enabled : bool
        ``False``: a bar that prints nothing (``--quiet``, tests).
    """
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}", markup=False),  # names a user chose: never markup
        console=Console(stderr=True),
        disable=not enabled,
    )


def draws_bar() -> Progress:
    """A bar over a sampling run; add a task with a ``divergences`` field."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("draws"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[divergences]} divergences"),
        console=Console(stderr=True),
        transient=True,
    )


@contextlib.contextmanager
def fit_progress(enabled: bool, description: str) -> Iterator[tuple[Progress, int] | None]:
    """:func:`draws_bar` with one task around a fit, as ``(Progress, task)``; ``None`` (no
    bar, no callbacks for the sampler to make) when not ``enabled``."""
    if not enabled:
        yield None
        return
    with draws_bar() as bar:
        yield bar, bar.add_task(description, total=None, divergences=0)
