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
