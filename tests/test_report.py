"""The HTML report builds in FAST mode, self-contained, and replaces the old one atomically."""

from __future__ import annotations

import re

import pytest
from papermill.exceptions import PapermillExecutionError

from forecast.report import build_report, notebook_paths


@pytest.fixture(scope="module")
def report_dir(fast_report):
    return fast_report


@pytest.mark.slow
def test_index_has_the_summary_table_timeline_and_links(report_dir):
    index = (report_dir / "index.html").read_text()
    assert "Data as of <b>2025-12-31</b>" in index
    assert re.search(r'<table id="summary">.*<td>2025</td>', index, flags=re.S)
    assert 'src="data:image/png;base64,' in index
    for nb in notebook_paths():
        assert f'href="{nb.stem}.html"' in index


@pytest.mark.slow
def test_every_notebook_page_exists_with_embedded_figures(report_dir):
    for nb in notebook_paths():
        page = (report_dir / f"{nb.stem}.html").read_text()
        assert "data:image/png;base64," in page
        assert "http" not in re.findall(r'<img[^>]+src="([^"]+)"', page)[0][:4]


@pytest.mark.slow
def test_a_failing_build_leaves_the_old_report_untouched(report_dir, tmp_path):
    before = (report_dir / "index.html").read_bytes()
    with pytest.raises(PapermillExecutionError, match="DataError"):
        build_report(report_dir, fast=True, data_dir=tmp_path / "missing")
    assert (report_dir / "index.html").read_bytes() == before
    leftovers = [p for p in report_dir.parent.iterdir() if p.name.startswith(".latest")]
    assert not leftovers
