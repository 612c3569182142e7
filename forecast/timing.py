"""Where a command's time goes: wall time by phase, from the process's start.

``forecast fit --verbose`` prints the phases of a fit (start-up and imports, data, model
build, compilation or cache load, sampling, diagnostics, saving, the outlook models, the
frozen forecast, printing); ``benchmarks/fit_phases.py`` records them. A :class:`Phases`
object is passed down the calls that do the work, each of which closes its phase with
:meth:`Phases.lap`.
"""

from __future__ import annotations

import os
import time

#: When this module was first imported (``forecast`` imports it first).
IMPORTED = time.perf_counter()


def process_age() -> float:
    """Seconds since this process started (Linux ``/proc``; 0 where unknown)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        return max(0.0, up - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


#: When the process started, on the clock of :func:`time.perf_counter` (interpreter start-up
#: included, to the resolution of the kernel's clock ticks, 10 ms).
PROCESS_START = IMPORTED - process_age()


class Phases:
    """Wall time of the named phases of one command, in order.

    Parameters
    ----------
    start : float, optional
        Where the first phase starts, on :func:`time.perf_counter`'s clock (default: when
        the process started).
    """

    def __init__(self, start: float | None = None) -> None:
        self.rows: list[tuple[str, float]] = []
        self._mark = PROCESS_START if start is None else start

    def lap(self, name: str) -> float:
        """Close the phase ``name`` now: it ran since the last lap (or the start)."""
        now = time.perf_counter()
        seconds = now - self._mark
        self.rows.append((name, seconds))
        self._mark = now
        return seconds

    def split(self, name: str, parts: dict[str, float]) -> None:
        """Close the phase ``name`` now, split into ``parts`` measured inside it (seconds);
        what the parts leave over is booked to ``name``."""
        total = time.perf_counter() - self._mark
        for part, seconds in parts.items():
            self.rows.append((part, seconds))
        self.rows.append((name, max(0.0, total - sum(parts.values()))))
        self._mark = time.perf_counter()

    @property
    def total(self) -> float:
        """Seconds from the start to the last lap."""
        return sum(seconds for _, seconds in self.rows)

    def lines(self) -> list[str]:
        """One line per phase, then the total: ``name  seconds  share``."""
        total = self.total or 1.0
        width = max((len(name) for name, _ in self.rows), default=5)
        lines = [
            f"{name:<{width}}  {seconds:6.2f} s  {seconds / total:4.0%}"
            for name, seconds in self.rows
        ]
        return [*lines, f"{'total':<{width}}  {self.total:6.2f} s"]
