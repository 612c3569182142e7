"""The machine a benchmark ran on, printed with every figure: CPU model, cores, load, versions.

Machines of our size differ 2-3x for this work (an Intel Xeon and an AMD EPYC of 2 cores
each), so a figure without its CPU model cannot be compared with another.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; the platform's processor string elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe() -> str:
    """One line: date, CPU model, cores, 1-minute load, Python."""
    return (
        f"{dt.date.today()}, {cpu_model()}, {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}"
    )
