"""The command line: help, the yearly summary, and clean failures with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "forecast.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


@pytest.mark.parametrize("args", [[], ["data"], ["data", "build"], ["data", "summary"], ["report"]])
def test_every_command_has_help(args):
    result = run(*args, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_summary_prints_the_yearly_table():
    result = run("data", "summary")
    assert result.returncode == 0, result.stderr
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    cells_2017 = [c.strip() for c in lines["2017"].split("│")[1:-1]]
    cells_2022 = [c.strip() for c in lines["2022"].split("│")[1:-1]]
    assert cells_2017[:3] == ["2017", "15", "21"]
    assert cells_2022[:3] == ["2022", "34", "69"]
    assert cells_2017[-2] == "1"  # the sixth nuclear test
    assert "no_talks" in lines["2017"]


def test_summary_with_a_broken_data_dir_exits_2_without_traceback(tmp_path, bundled_dir):
    for f in bundled_dir.glob("*.csv"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    path = tmp_path / "negotiation_states.csv"
    path.write_text(path.read_text().replace("summitry", "détente", 1))
    result = run("data", "summary", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "negotiation_states.csv" in result.stderr
    assert "unknown label" in result.stderr


def test_unknown_option_exits_2():
    result = run("data", "summary", "--bogus")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_build_with_a_missing_raw_folder_exits_2(tmp_path):
    result = run("data", "build", "--raw", str(tmp_path / "nowhere"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "raw data folder not found" in result.stderr


def test_build_writes_to_out_and_reports_duplicates(raw_dir, bundled_dir, tmp_path):
    for f in bundled_dir.glob("*.csv"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    result = run("data", "build", "--raw", str(raw_dir), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "missile_tests.csv: 314 rows" in result.stdout
    assert "collapsed 3 duplicate CSIS row(s)" in result.stdout
