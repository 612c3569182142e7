"""The project's set-up files agree with each other."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import REPO


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _specs(items) -> dict[str, str]:
    return {_name(s): re.sub(r"\s+", "", s.strip()).lower().replace("_", "-") for s in items}


def _pyproject_deps() -> dict[str, str]:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return _specs(meta["dependencies"] + meta["optional-dependencies"]["test"])


def _environment_deps() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    return _specs(d for d in conda if _name(d) not in {"python", "pip"})


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    py, env = _pyproject_deps(), _environment_deps()
    only_py = sorted(set(py) - set(env))
    only_env = sorted(set(env) - set(py))
    assert not only_py, f"in pyproject.toml but not environment.yml: {only_py}"
    assert not only_env, f"in environment.yml but not pyproject.toml: {only_env}"
    differ = {n: (py[n], env[n]) for n in py if py[n] != env[n]}
    assert not differ, f"version specs differ (pyproject, environment.yml): {differ}"


def test_environment_yml_pins_python_and_installs_the_package():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    assert env["name"] == "forecast"
    assert "conda-forge" in env["channels"]
    assert "python=3.11" in env["dependencies"]
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip


def test_pyproject_pins_pymc_and_arviz_majors():
    deps = _pyproject_deps()
    assert deps["pymc"] == "pymc>=5.25,<6"
    assert deps["arviz"] == "arviz>=0.21,<1"


def test_readme_opens_with_the_two_commands():
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```(?:\w+)?\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no code block"
    assert blocks[0].split() == ["make", "report", "make", "test"]


def test_ci_runs_make_test():
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_makefile_has_the_targets():
    text = (REPO / "Makefile").read_text()
    for target in ("install", "report", "test", "lab"):
        assert re.search(rf"^{target}:", text, flags=re.M), target
