"""Notebooks: committed clean and shaped like PyMC's examples (``test_report.py`` runs them in
FAST mode, in the report they belong to)."""

from __future__ import annotations

import json

import nbformat
import pytest

from forecast.report import notebook_paths

NOTEBOOKS = notebook_paths()


def test_there_are_notebooks():
    assert NOTEBOOKS, "no numbered notebooks in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"
    raw = json.loads(path.read_text(encoding="utf-8"))  # as written: nbformat fills missing ids
    no_id = [i for i, c in enumerate(raw["cells"]) if not c.get("id")]
    assert not no_id, f"{path.name}: cells {no_id} have no id (nbformat 4.5 requires one)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_the_expected_shape(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "What you will learn" in first.source
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for name in ("FAST", "SEED"):
        assert f"{name} =" in params[0].source
    for before, cell in zip(nb.cells, nb.cells[1:], strict=False):
        if cell.cell_type == "code":
            assert before.cell_type == "markdown", f"{path.name}: code cell without prose before it"
    assert "versions()" in nb.cells[-1].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_markdown_needs_no_mathjax(path):
    """The pages are exported without MathJax (nothing from the network): no LaTeX math."""
    import re

    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = re.sub(r"`[^`]*`", "", cell.source)  # code spans may hold anything
        assert not re.search(r"\$[^$\s][^$]*\$|\\\(|\\\[|\\begin\{", text), (
            f"{path.name} cell {i} uses LaTeX math, which the offline pages do not render: "
            "write it in plain text or Unicode"
        )
