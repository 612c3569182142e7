"""``forecast`` as the tests run it in a subprocess: the real entry point with the test doubles
of ``tests/doubles.py`` installed (the stand-in sampler, and the kill point named by
``FORECAST_TEST_KILL_AT``). Run as ``python tests/forecast_cli.py ARGS``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from doubles import KILL_AT, install_kill_point, install_stand_in_sampler  # noqa: E402

from forecast.cli import run  # noqa: E402

if __name__ == "__main__":
    install_stand_in_sampler()
    if os.environ.get(KILL_AT):
        install_kill_point(os.environ[KILL_AT])
    run()
