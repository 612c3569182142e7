"""Run independent tasks (backtest folds) serially, in local processes, or on Dask.

Three ways to run the same list of tasks, with the same results in the same
order (each task carries its own seed, so where it runs cannot change it):

serial (``workers=1``)
    A plain loop in this process. Easiest to debug; what the tests compare to.
local processes (``workers=N``)
    :class:`concurrent.futures.ProcessPoolExecutor` with the ``spawn`` start
    method. Chosen over a Dask ``LocalCluster`` because it is the standard
    library, starts no scheduler, dashboard or nanny processes, and needs no
    ports; ``spawn`` (not ``fork``) because the parent may already hold
    threads (BLAS, rich's refresh thread, PyTensor's compile lock) that a
    forked child would inherit in an undefined state. Workers are reused
    across tasks, so each pays the imports once; PyTensor's compiled C modules
    are shared through its on-disk cache.
an existing Dask cluster (``scheduler="tcp://HOST:PORT"``)
    ``distributed.Client(address)`` and ``client.map``; this process only
    submits and collects. Workers need the same environment (this package,
    same versions). Results equal the serial run's on identical hardware and
    libraries; another CPU or BLAS build may change the last bits of a fit.

Tasks must be picklable (a module-level function, or a
:func:`functools.partial` of one) and should not themselves start parallel
work (the backtest fits with ``cores=1``), so that ``N`` workers use ``N``
cores.
"""

from __future__ import annotations

import multiprocessing
import socket
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from forecast.errors import ConfigError
from forecast.progress import task_bar

#: Address schemes of a Dask scheduler we connect to (``dask scheduler`` prints ``tcp://``;
#: ``tls://`` for a cluster with TLS).
SCHEDULER_SCHEMES = ("tcp", "tls")

#: Seconds :func:`check_scheduler` waits for a scheduler to answer.
SCHEDULER_TIMEOUT = 5.0

_SCHEDULER_FIX = "give the address printed by 'dask scheduler', e.g. tcp://10.0.0.5:8786"


def check_scheduler(address: str, reach: bool = False, timeout: float = SCHEDULER_TIMEOUT) -> str:
    """Refuse a ``--scheduler`` that is not a Dask scheduler's ``tcp://HOST:PORT`` address.

    Parameters
    ----------
    address : str
        The ``--scheduler`` option.
    reach : bool
        Also open (and close) a TCP connection to it, so that an unreachable scheduler is
        refused before any work instead of after the data and folds are prepared.
    timeout : float
        Seconds to wait for the connection when ``reach``.

    Returns
    -------
    str
        ``address``.

    Raises
    ------
    ConfigError
        Naming ``--scheduler``: not an address, another scheme (``file://``, ``http://``,
        ``inproc://``, ...), no host or port, or (``reach``) cannot reach the Dask
        scheduler at that address.
    """
    if not isinstance(address, str) or "://" not in address:
        raise ConfigError("--scheduler", f"{address!r} is not a scheduler address", _SCHEDULER_FIX)
    parts = urllib.parse.urlsplit(address)
    scheme = parts.scheme.lower()
    if scheme not in SCHEDULER_SCHEMES:
        raise ConfigError(
            "--scheduler",
            f"{address!r} is not a scheduler address: {scheme or 'no'}:// is not one of "
            f"{', '.join(s + '://' for s in SCHEDULER_SCHEMES)}",
            _SCHEDULER_FIX,
        )
    try:
        port = parts.port
    except ValueError:
        port = None
    extra = parts.path not in ("", "/") or parts.query or parts.fragment or parts.username
    if not parts.hostname or port is None or port == 0 or extra:
        raise ConfigError(
            "--scheduler",
            f"{address!r} is not a scheduler address: it needs a host and a port (1-65535), "
            "and nothing else",
            _SCHEDULER_FIX,
        )
    if reach:
        try:
            with socket.create_connection((parts.hostname, port), timeout=timeout):
                pass
        except OSError as err:
            reason = err.strerror or str(err) or f"no answer within {timeout:g} s"
            raise ConfigError(
                "--scheduler",
                f"cannot reach the Dask scheduler at {address} ({reason})",
                "start one with 'dask scheduler' (and workers with 'dask worker ADDRESS'), or "
                "check the address and that its port is open from this machine",
            ) from None
    return address


def check_executor(workers: int = 1, scheduler: str | None = None) -> None:
    """Refuse an unusable combination of ``workers`` and ``scheduler``.

    Parameters
    ----------
    workers : int
        Local processes (1 = serial).
    scheduler : str, optional
        Address of a running Dask scheduler, ``tcp://HOST:PORT`` (:func:`check_scheduler`;
        its reachability is not checked here).
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ConfigError("--workers", f"{workers!r} is not a number of processes", "use 1 or more")
    if scheduler is not None:
        check_scheduler(scheduler)
        if workers != 1:
            raise ConfigError(
                "--workers/--scheduler",
                "both local workers and a Dask scheduler were given",
                "use --workers for this machine or --scheduler for a cluster, not both",
            )


def run_tasks(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    executor=None,
    progress: bool = True,
    description: str = "folds",
    label: Callable[[Any], str] = str,
    connect_timeout: float = 20.0,
) -> list:
    """Apply ``func`` to every item, serially, in local processes or on Dask.

    Parameters
    ----------
    func : callable
        A picklable function of one item.
    items : sequence
        The tasks' arguments (picklable).
    workers : int
        Local processes; 1 runs in this process.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://HOST:PORT``); the tasks
        run on its workers. Excludes ``workers > 1``.
    executor : object, optional
        Any executor with ``.map(func, items)``: a ``concurrent.futures`` executor, a
        ``multiprocessing`` pool, or a ``distributed.Client`` (whose futures are gathered).
        Replaces ``workers`` and ``scheduler``; results come back in the order of ``items``.
    progress : bool
        Show a rich progress bar on stderr; when stderr is not a terminal (a
        log file), one line per finished task is printed instead.
    description : str
        Label of the progress bar.
    label : callable
        Names an item in the progress display and in error messages.
    connect_timeout : float
        Seconds to wait for the Dask scheduler before giving up.

    Returns
    -------
    list
        ``func(item)`` for each item, in the order of ``items``.

    Raises
    ------
    RuntimeError
        When a task fails; names the task, chained to the original error.
    """
    if executor is None:
        check_executor(workers, scheduler)
    items = list(items)
    results: list = [None] * len(items)
    with task_bar(progress) as bar:
        task = bar.add_task(description, total=len(items), last="")
        log = progress and not bar.console.is_terminal

        def done(i: int, value) -> None:
            results[i] = value
            bar.update(task, advance=1, last=label(items[i]))
            if log:
                finished = int(bar.tasks[0].completed)
                name = label(items[i])
                bar.console.print(f"{description}: {finished}/{len(items)} done ({name})")

        if executor is not None:
            _run_executor(func, items, executor, done)
        elif scheduler is not None:
            _run_dask(func, items, scheduler, done, label, connect_timeout)
        elif workers == 1 or len(items) <= 1:
            for i, item in enumerate(items):
                done(i, _call(func, item, label))
        else:
            _run_local(func, items, workers, done, label)
    return results


def _run_executor(func, items, executor, done) -> None:
    """Run the tasks with any executor's ``map`` (a Dask client's futures are gathered)."""
    mapped = executor.map(func, items)
    if hasattr(executor, "gather"):
        mapped = executor.gather(mapped)
    for i, value in enumerate(mapped):
        done(i, value)


def _call(func, item, label):
    try:
        return func(item)
    except Exception as err:
        raise RuntimeError(f"task {label(item)} failed: {err}") from err


#: The function of this worker process's tasks (set once per worker by :func:`_set_task`).
_TASK: list = []


def _set_task(func) -> None:
    _TASK[:] = [func]


def _run_task(item):
    return _TASK[0](item)


def _run_local(func, items, workers, done, label) -> None:
    """Run the tasks in ``workers`` spawned processes. When a task fails (or on Ctrl-C) the
    tasks not started are cancelled and the workers are stopped at once: a run that has
    failed must not keep two cores busy finishing folds nobody will read.

    ``func`` reaches each worker once, when it starts (a backtest's function carries the
    whole panel: pickled and sent with every task, it cost the main process 25 ms a task,
    about 35 s of a core over the 1,440 folds ``make skill`` had then); a task sends its item
    only.
    """
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_set_task, initargs=(func,)
    )
    try:
        futures = {pool.submit(_run_task, item): i for i, item in enumerate(items)}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                i = futures[future]
                err = future.exception()
                if err is not None:
                    raise RuntimeError(f"task {label(items[i])} failed: {err}") from err
                done(i, future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.terminate()  # the running folds too: the pool would wait for them
        raise
    pool.shutdown(wait=True)


def _run_dask(func, items, scheduler, done, label, connect_timeout) -> None:
    # here, not at the top: Dask's distributed takes about half a second to import, and only a
    # run on a scheduler needs it
    from distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout=f"{connect_timeout}s")
    except Exception as err:  # distributed raises OSError, TimeoutError, ValueError, ...
        raise ConfigError(
            "--scheduler",
            f"cannot reach the Dask scheduler at {scheduler} (cannot connect to the Dask "
            f"scheduler there: {type(err).__name__}: {err})",
            "start one with 'dask scheduler' and 'dask worker ADDRESS', or check the address",
        ) from None
    try:
        futures = client.map(func, items, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            i = index[future.key]
            if future.status == "error":
                err = future.exception()
                client.cancel(futures)
                raise RuntimeError(f"task {label(items[i])} failed: {err}") from err
            done(i, future.result())
    finally:
        client.close()
