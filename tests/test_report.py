"""The HTML report builds in FAST mode, self-contained, and replaces the old one atomically."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from forecast.errors import DataError
from forecast.report import build_report, notebook_paths

#: The scenarios of scenarios/current.yaml, in the file's order.
CURRENT = ("persist", "talks_resume", "summit", "no_talks")

CHROMIUM = "/usr/bin/chromium"


def test_notebook_kernels_ask_for_transport_encryption():
    """No "Kernel is running over TCP without encryption" line per notebook on stderr."""
    from jupyter_client.manager import KernelManager

    from forecast.report import kernel_config

    config = kernel_config()
    if "transport_encryption" in KernelManager.class_trait_names():
        assert config.KernelManager.transport_encryption == "auto"
    else:
        assert not config


@pytest.fixture(scope="module")
def report_dir(fast_report):
    return fast_report


@pytest.fixture(scope="module")
def index(report_dir) -> str:
    return (report_dir / "index.html").read_text()


@pytest.mark.slow
def test_index_has_the_summary_table_timeline_and_links(index):
    assert "Data as of <b>2025-12-31</b>" in index
    assert re.search(r'<table id="summary">.*<td>2025</td>', index, flags=re.S)
    assert 'src="data:image/png;base64,' in index
    for nb in notebook_paths():
        assert f'href="{nb.stem}.html"' in index


@pytest.mark.slow
def test_index_has_the_headline_table_of_the_current_scenarios(index):
    table = re.search(r'<table id="headline">(.*?)</table>', index, flags=re.S)
    assert table, "no headline table"
    body = table.group(1)
    for header in ("Expected launch days", "80% interval", "P(at least 1)", "P(ICBM launch)"):
        assert header in body
    assert "P(nuclear test)" in body
    assert re.findall(r'data-scenario="([^"]+)"', body) == list(CURRENT)
    assert "n/a" not in body  # class_hierarchical gives ICBM and nuclear probabilities


@pytest.mark.slow
def test_index_embeds_the_key_figures_and_no_external_resources(index):
    for figure in ("timeline", "fan", "effects"):
        assert re.search(rf'<img id="{figure}"[^>]+src="data:image/png;base64,', index), figure
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', index)


@pytest.mark.slow
def test_fast_report_warns_plainly_and_shows_the_verdict(index):
    banner = re.search(r'<div id="warning"[^>]*>(.*?)</div>', index, flags=re.S)
    assert banner, "a FAST report must carry the warning banner"
    assert "FAST mode" in banner.group(1) and "illustrative" in banner.group(1)
    verdict = re.search(r'<p id="diagnostics" class="(pass|fail)">(PASS|FAIL): ', index)
    assert verdict and verdict.group(1).upper() == verdict.group(2)
    if verdict.group(2) == "FAIL":
        assert "failed its convergence checks" in banner.group(1)


@pytest.mark.slow
def test_the_report_keeps_its_fit_as_a_run(report_dir):
    from forecast.runs import load_run

    model, record = load_run(report_dir / "runs" / "latest")
    assert model.name == "class_hierarchical" and record["fast"] is True
    assert (report_dir / "runs" / "latest" / "effects.png").is_file()


@pytest.mark.slow
def test_every_notebook_page_exists_with_embedded_figures(report_dir):
    for nb in notebook_paths():
        page = (report_dir / f"{nb.stem}.html").read_text()
        sources = re.findall(r'<img[^>]+src="([^"]+)"', page)
        assert sources, f"{nb.stem}.html has no figure"
        assert all(s.startswith("data:image/png;base64,") for s in sources), nb.stem


@pytest.mark.slow
def test_notebooks_that_take_a_run_reuse_the_report_fit(report_dir):
    import nbformat

    for nb in notebook_paths():
        params = nbformat.read(report_dir / nb.name, as_version=4).metadata["papermill"][
            "parameters"
        ]
        if "RUN_DIR" in params:
            assert params["RUN_DIR"].endswith(os.path.join("runs", "latest"))
        if "SCENARIO_FILE" in params:
            assert params["SCENARIO_FILE"].endswith("current.yaml")


@pytest.mark.slow
def test_index_renders_in_headless_chromium(report_dir, tmp_path):
    from matplotlib.image import imread

    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is absent on CI: .ci/run should install chromium")
        pytest.skip(f"chromium is absent ({CHROMIUM} not found); apt-get install chromium")
    shot = tmp_path / "index.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            (report_dir / "index.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    colours = np.unique((pixels.reshape(-1, 3) * 255).round().astype(np.uint8), axis=0)
    assert len(colours) > 200, f"the screenshot has only {len(colours)} colours"
    assert (pixels < 0.98).any(axis=-1).mean() > 0.05, "the screenshot is almost all white"
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


@pytest.mark.slow
def test_a_failing_build_leaves_the_old_report_untouched(report_dir, tmp_path):
    before = (report_dir / "index.html").read_bytes()
    with pytest.raises(DataError):
        build_report(report_dir, fast=True, data_dir=tmp_path / "missing", force=True)
    assert (report_dir / "index.html").read_bytes() == before
    leftovers = [p for p in report_dir.parent.iterdir() if p.name.startswith(".latest")]
    assert not leftovers
