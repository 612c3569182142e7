"""The app: the commands by name, loaded when used, and errors turned into exit codes.

Commands live in modules of their group (:mod:`forecast.cli.run_commands`,
:mod:`~forecast.cli.evaluation_commands`, :mod:`~forecast.cli.data_commands`,
:mod:`~forecast.cli.model_commands`); :data:`COMMANDS` names each with its module and its
one-line help, and :class:`LazyGroup` imports a command's module only when that command runs
or its own help is asked for, so ``forecast --help`` loads none of them.

Bad input prints one clear message on stderr (no traceback) and exits with 2: every
:class:`~forecast.errors.InputError` (raised where the problem is found, naming the file or
option, where and the fix), and, as a last resort in :func:`main`, OS errors (a file that
cannot be read or written: named with its path), decoding and parser errors. Ctrl-C ends
with "interrupted" and exit code 130; the commands write through temporary folders, so
nothing was replaced. Anything else is a bug in forecast: :func:`main` prints it as one
``internal error`` line and exits with 1 (``FORECAST_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import signal
import sys
import threading

import typer
from typer.core import TyperCommand, TyperGroup

from forecast.cli.console import error
from forecast.errors import InputError

#: Every command: its name, the module that declares it, and its one-line help (the first
#: line of its docstring, which a test checks). ``data`` is a group of commands.
COMMANDS: dict[str, tuple[str, str]] = {
    "backtest": (
        "forecast.cli.evaluation_commands",
        "Rolling-origin backtest: fit at each cutoff, forecast, score against what happened.",
    ),
    "contrasts": (
        "forecast.cli.evaluation_commands",
        "Fit a model from several first months and compare its state contrasts (do they "
        "depend on the 1990s?).",
    ),
    "data": ("forecast.cli.data_commands", "Build, inspect and extend the datasets."),
    "fit": (
        "forecast.cli.run_commands",
        "Fit a model, print the diagnostics verdict and state effects, save the run.",
    ),
    "ledger": (
        "forecast.cli.run_commands",
        "List runs with their frozen forecasts, and answered questions, scored on the data since.",
    ),
    "models": ("forecast.cli.model_commands", "List the registered models, the default marked."),
    "questions": (
        "forecast.cli.run_commands",
        "Answer forecast questions from a run, all things considered (states follow the run's "
        "transition model); freeze the answers for the ledger's track record.",
    ),
    "refit": (
        "forecast.cli.run_commands",
        "Refit a run's model on the data now available; write the run and what_changed.md/.html.",
    ),
    "report": (
        "forecast.cli.run_commands",
        "Render the shareable report: index page, notebook pages, headline CSVs.",
    ),
    "scenarios": (
        "forecast.cli.run_commands",
        "Simulate each scenario of a YAML file from a fitted run; write tables and figures.",
    ),
    "track-record": ("forecast.cli.record_commands", "Backfill the questions' track record."),
    "sensitivity": (
        "forecast.cli.sensitivity_commands",
        "Refit a model with each documented alternative coding of the negotiation states; "
        "tabulate the headline numbers they move.",
    ),
}

#: Exit code of a command stopped with Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130

#: Exit code of a command stopped by SIGTERM (``kill``, ``timeout``, a cancelled CI job).
TERMINATED = 128 + signal.SIGTERM

#: Set when SIGTERM stopped the command (it is handled as Ctrl-C is, then reported as itself).
_TERM_RECEIVED: list[int] = []


def _terminate(signum, frame) -> None:
    """SIGTERM: stop as Ctrl-C does, so that every write in progress is undone (an output
    folder's hidden staging copy is removed) instead of the process dying where it stands."""
    _TERM_RECEIVED.append(signum)
    raise KeyboardInterrupt


#: Marks the handler for :func:`forecast.models.sampling._interrupts_raise`, which honours this
#: handler, and no other program's, during sampling.
_terminate.forecast_sigterm = True


class LazyGroup(TyperGroup):
    """The top-level group: commands are imported from their module when one runs.

    While the group's own help is written, each command is a stand-in carrying its name and
    one-line help from :data:`COMMANDS`, so the help imports no command module.
    """

    _listing = False

    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in COMMANDS:
            return None
        module, short = COMMANDS[cmd_name]
        if self._listing:
            return TyperCommand(name=cmd_name, help=short)
        group = typer.main.get_group(importlib.import_module(module).app)
        command = group.commands.get(cmd_name, group)
        command.name = cmd_name
        return command

    def format_help(self, ctx, formatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


#: The ``forecast`` command.
cli = LazyGroup(
    name="forecast",
    help="Scenario forecasts of North Korean weapons tests conditioned on negotiation state.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command; known errors become one ``error:`` line and exit code 2.

    Usage errors (an unknown option or command, a value of the wrong type) exit 2 with
    click's message as one ``error:`` line pointing to ``--help``; ``--help`` exits 0. An
    :class:`InputError` prints its message (file, where, problem, fix). OS, decoding and
    parser errors that escaped the commands' own checks are reported with the file they
    carry (:func:`describe_error`). Ctrl-C exits 130 with one line. Any other exception is
    a bug in forecast: one ``internal error`` line and exit code 1 (set
    ``FORECAST_DEBUG=1`` for the traceback).
    """
    _TERM_RECEIVED.clear()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        try:
            code = cli.main(args=argv, prog_name="forecast", standalone_mode=False)
        except typer.Abort:
            code = INTERRUPTED
        except typer.TyperException as err:  # click's usage errors, in our one-line form
            code = getattr(err, "exit_code", 2)
            ctx = getattr(err, "ctx", None)
            if code != 2 or type(err).__name__ == "NoArgsIsHelpError":  # a bare 'forecast': help
                err.show()
                sys.exit(code)
            where = ctx.command_path if ctx is not None else "forecast"
            message = err.format_message().rstrip(".")
            error("error", f"{message}. Fix: see '{where} --help'")
            sys.exit(2)
        except Exception as err:  # noqa: BLE001 - the one place that turns errors into exit codes
            if os.environ.get("FORECAST_DEBUG"):
                raise
            message, code = describe_error(err)
            error("error" if code == 2 else "internal error", message)
            sys.exit(code)
        if code == INTERRUPTED and _TERM_RECEIVED:
            error("terminated", "stopped by a termination signal (SIGTERM); nothing was replaced")
            sys.exit(TERMINATED)
        if code == INTERRUPTED:
            error("interrupted", "stopped by Ctrl-C; nothing was replaced")
        sys.exit(code or 0)
    finally:  # a process that goes on (a test, a notebook) gets its own handler back
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def describe_error(err: BaseException) -> tuple[str, int]:
    """The message and exit code of an exception that reached :func:`main`.

    Returns
    -------
    message : str
        For bad input: the file, the problem and the fix.
    code : int
        2 for bad input (anything the user can fix), 1 for a bug in forecast.
    """
    if isinstance(err, InputError):
        return str(err), 2
    if isinstance(err, OSError):
        where = err.filename if err.filename is not None else "a file or folder"
        if getattr(err, "filename2", None):
            where = f"{where} -> {err.filename2}"
        return (
            f"{where}: {err.strerror or err}. Fix: check that the path exists, is a file or "
            "folder as expected, and that you may read (or write) it; nothing was replaced",
            2,
        )
    if isinstance(err, UnicodeError):
        return f"a file is not UTF-8 text ({err}). Fix: save it as UTF-8", 2
    if isinstance(err, json.JSONDecodeError):
        return f"a JSON file is damaged ({err}). Fix: restore it or re-create it", 2
    pandas_errors = sys.modules.get("pandas.errors")
    parser = (pandas_errors.ParserError, pandas_errors.EmptyDataError) if pandas_errors else ()
    if parser and isinstance(err, parser):
        return f"a CSV file cannot be parsed ({err}). Fix: check its quoting and separators", 2
    yaml = sys.modules.get("yaml")
    if yaml is not None and isinstance(err, yaml.YAMLError):
        return f"a YAML file cannot be parsed ({err}). Fix: check its indentation and colons", 2
    if isinstance(err, MemoryError):
        return (
            "out of memory. Fix: use smaller settings (--draws, --chains, horizon, number of "
            "scenarios)",
            2,
        )
    return (
        f"{type(err).__name__}: {err}. This is a bug in forecast, not in your input: please "
        "report it with the command line (FORECAST_DEBUG=1 shows the traceback)",
        1,
    )


def run() -> None:
    """The ``forecast`` console script (and ``python -m forecast.cli``): :func:`main`, then a
    quick exit.

    After a command that compiled or sampled a model, Python's own teardown (numba's JIT
    engines, PyTensor's and nutpie's objects, module by module) took 1.6 s on the Xeon of
    the README's Speed section, after the last byte was written. Every output is complete
    and closed by then (files are written beside their target and renamed), so the process
    skips that teardown: the first ``atexit`` handler registered is the last to run, after
    every other handler (logging, temporary folders, thread pools) and after Python has
    joined its threads; it flushes the streams and ends with :func:`os._exit`. In-process
    callers (tests, notebooks) use :func:`main`, which exits normally.
    """
    code = 0

    def quick_exit() -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be said
                pass
        os._exit(code)

    atexit.register(quick_exit)
    try:
        main()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
        raise
    except KeyboardInterrupt:  # outside a command's own handling (e.g. while importing)
        code = INTERRUPTED
        raise
    except BaseException:
        code = 1
        raise
