"""The code is ruff-clean (lint and format), so style never drifts between contributors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
TARGETS = ["forecast", "tests", "benchmarks"]


def test_ruff_check():
    result = subprocess.run([RUFF, "check", *TARGETS], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = subprocess.run(
        [RUFF, "format", "--check", *TARGETS], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_holds_no_test_double():
    """The stand-in sampler and the kill points live in tests/doubles.py: no module of the
    package branches on a test backend or a kill hook."""
    for path in (REPO / "forecast").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ('"mock"', "kill_point", "FORECAST_TEST_KILL_AT", "mock_sample"):
            assert word not in text, f"{path.relative_to(REPO)} mentions {word}"
