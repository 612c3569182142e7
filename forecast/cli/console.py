"""The one console of the command line, which nothing a user typed can style or break.

Rich reads ``[...]`` in a printed string as markup: a path such as ``runs/a[/]`` or a
scenario named ``[bold]`` would be swallowed or raise inside the error printer. Every
console here has markup and highlighting off, so paths, names and messages print exactly
as they are; where our own words are styled, the style is attached to a piece of
:class:`rich.text.Text` (:func:`say`), never parsed out of the text.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

#: Standard output: results and messages.
console = Console(soft_wrap=True, markup=False, highlight=False)

#: Standard error: the one ``error:`` line of a refusal.
err_console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


def say(*parts: str | tuple[str, str]) -> None:
    """Print one line made of plain strings and ``(text, style)`` pieces.

    Examples
    --------
    >>> say(("Diagnostics:", "bold"), " passed")  # doctest: +SKIP
    """
    console.print(Text.assemble(*parts))


def note(label: str, message: str, style: str = "bold yellow") -> None:
    """Print ``label message`` with the label styled (``data caveat:``, ``note:``...)."""
    say((label, style), " ", message)


def error(label: str, message: str) -> None:
    """Print the one ``error:`` (or ``internal error:``) line on standard error."""
    err_console.print(Text.assemble((f"{label}:", "bold red"), " ", message))


def wide() -> Console:
    """A console at least 150 characters wide for wide tables written to a file or pipe."""
    if console.is_terminal:
        return console
    return Console(width=max(console.width, 150), markup=False, highlight=False)


def print_freshness(lines: list[tuple[str, str]]) -> None:
    """Print the data's age and, when stale, the missing months and the commands that bring
    them in (the ``(style, text)`` lines of :func:`forecast.freshness.freshness_lines`)."""
    for style, text in lines:
        if style == "warning":
            note("stale data:", text)
        elif style == "command":
            say("  ", (text, "cyan"))
        else:
            say(text)


def print_caveats(caveats) -> None:
    """Print the data caveats (months some tables do not cover), one line each."""
    for caveat in caveats:
        note("data caveat:", caveat)
