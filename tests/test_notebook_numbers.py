"""Skills, gains and fold shares in the notebooks' prose are printed from their tables, not
typed by hand (a guard against the forms that went stale; other numbers are left to review).

A number typed into a markdown cell goes stale when the evaluation tables are regenerated; the
notebooks print such numbers from the tables (``forecast.present`` words them) and the prose
refers to what is printed. Design facts (an 80% interval, a prior's N(0, 0.5)) stay in words.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from forecast.report import notebook_paths

#: What a result typed by hand looks like: a signed percentage with decimals (``+0.4%``), an
#: interval of signed numbers (``[-0.3, +1.0]``), or a share of a model's folds (``62% of the
#: `ar_level` folds``). A whole example such as "+7% means ..." is an explanation, not a result.
RESULT = re.compile(
    r"[+-]\d+\.\d+%"
    r"|\[[+-]\d+(?:\.\d+)?%?, [+-]\d+(?:\.\d+)?%?\]"
    r"|\d+(?:\.\d+)?% of the `"
)


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_no_signed_skill_or_gain_is_typed_into_the_prose(path):
    nb = nbformat.read(path, as_version=4)
    typed = [
        (i, match.group(0))
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "markdown"
        for match in RESULT.finditer(cell.source)
    ]
    assert not typed, f"{path.name}: results typed by hand in markdown cells {typed}; print them"


def test_the_pattern_finds_the_numbers_that_went_stale():
    for stale in ("+0.4% [-0.3, +1.0] at 1-3 months", "62% of the `ar_level` folds", "-0.25%"):
        assert RESULT.search(stale), stale
    for design in ("+7% means a mean CRPS 7% lower", "80% intervals", "N(0, 0.5)", "[0, 1]"):
        assert not RESULT.search(design), design
