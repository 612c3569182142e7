"""The package's layers: a module imports only from its own layer or below.

The table is the README's (Architecture: "Layers, lowest first"); every module of the
package must be in it, and the README must name each of them in its layer's row.
"""

from __future__ import annotations

import ast
import re

from conftest import REPO

PACKAGE = REPO / "forecast"

#: Lowest first: the first name after ``forecast.`` of each module, by layer.
LAYERS = {
    "vocabulary": [
        "constants", "errors", "noise", "yamlio", "present", "files", "destinations", "outputs",
        "timing", "catalog", "progress",
    ],
    "data": ["data", "coding_alternatives"],
    "models": ["models"],
    "forecasting": [
        "runs", "simulation", "summaries", "scores", "scenarios", "outlook", "unknown_class",
        "nuclear_rules",
        "questions", "track_record", "ledger", "refit", "freshness", "sensitivity",
        "sensitivity_findings",
    ],
    "evaluation": ["evaluation", "backfill"],
    "presenting": [
        "plots", "explore", "explorer_paths", "columns", "outlook_today", "report", "cli",
    ],
}  # fmt: skip
ORDER = list(LAYERS)


def _layer(module: str) -> str | None:
    """The layer of a dotted module name; ``None`` outside the package (or its face)."""
    parts = module.split(".")
    if parts[0] != "forecast" or len(parts) == 1:
        return None
    for layer, names in LAYERS.items():
        if parts[1] in names:
            return layer
    raise AssertionError(f"forecast.{parts[1]} is in no layer: add it to LAYERS and the README")


def _imports(path, root=REPO) -> list[tuple[str, int]]:
    """Every module a file imports (top level or inside functions), with its line."""
    package = list(path.relative_to(root).parts[:-1])  # what a relative import starts from
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                found.append(
                    (".".join([*base, *([node.module] if node.module else [])]), node.lineno)
                )
            else:
                found.append((node.module, node.lineno))
    return found


def test_every_module_imports_only_its_own_layer_or_below():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        mine = _layer(module)
        for target, line in _imports(path):
            theirs = _layer(target)
            if mine is not None and theirs is not None and ORDER.index(theirs) > ORDER.index(mine):
                upward.append(
                    f"{path.relative_to(REPO)}:{line} ({mine}) imports {target} ({theirs})"
                )
    assert not upward, "\n".join(upward)


def test_the_layer_check_sees_an_upward_import(tmp_path):
    """The check itself: a model module importing the report is caught."""
    bad = tmp_path / "forecast" / "models" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("def f():\n    from forecast.report import build\n")
    (tmp_path / "forecast" / "models" / "near.py").write_text("from .base import BaseModel\n")
    found = [(t, _layer(t)) for t, _ in _imports(bad, tmp_path)]
    assert found == [("forecast.report", "presenting")]
    near = [t for t, _ in _imports(tmp_path / "forecast" / "models" / "near.py", tmp_path)]
    assert near == ["forecast.models.base"]


def test_the_readme_names_every_module_in_its_layers_row():
    readme = (REPO / "README.md").read_text()
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| (\w+) \| (.+?) \|", readme, flags=re.M)
        if m.group(1) in LAYERS
    }
    assert set(rows) == set(LAYERS)
    for layer, names in LAYERS.items():
        missing = [n for n in names if f"`{n}`" not in rows[layer] and f"`{n}/`" not in rows[layer]]
        assert not missing, f"README's {layer} row lacks {missing}"
    on_disk = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    on_disk -= {"__init__"}
    assert on_disk == {n for names in LAYERS.values() for n in names}
