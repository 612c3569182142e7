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
    assert "python=3.12" in env["dependencies"]
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip


def test_pyproject_pins_pymc_and_arviz_majors():
    deps = _pyproject_deps()
    assert deps["pymc"] == "pymc>=6.4,<7"
    assert deps["arviz"] == "arviz>=1.3,<2"


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


def test_pyproject_requires_python_312():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert meta["requires-python"] == ">=3.12"


def _make_env(tmp_path, pythons: dict[str, int]):
    """A PATH with basic tools and fake interpreters reporting the given minor version."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sh", "ls", "sort", "rm", "echo", "cat"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    for name, minor in pythons.items():
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\n[ {minor} -ge 12 ]\n")
        script.chmod(0o755)
    work = tmp_path / "project"
    work.mkdir()
    shutil.copy(REPO / "Makefile", work / "Makefile")
    (work / "pyproject.toml").write_text("")
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    return work, env


def test_makefile_stops_with_one_line_when_no_recent_python(tmp_path):
    import shutil
    import subprocess

    import pytest

    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    work, env = _make_env(tmp_path, {"python3": 11})
    result = subprocess.run([make, "install"], cwd=work, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "No Python >= 3.12 found" in result.stdout + result.stderr
    assert not (work / ".venv").exists()


def test_makefile_prefers_python313_then_312_then_pyenv(tmp_path):
    import shutil
    import subprocess

    import pytest

    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    work, env = _make_env(tmp_path, {"python3.13": 11, "python3.12": 12, "python3": 12})
    plan = subprocess.run(
        [make, "-n", "install"], cwd=work, env=env, capture_output=True, text=True
    ).stdout
    assert f"{tmp_path}/bin/python3.12 -m venv .venv" in plan  # 3.13 does not run: skipped
    pyenv = tmp_path / "pyenv" / "versions" / "3.13.0" / "bin"
    pyenv.mkdir(parents=True)
    (pyenv / "python3").write_text("#!/bin/sh\nexit 0\n")
    (pyenv / "python3").chmod(0o755)
    (tmp_path / "bin" / "python3.12").unlink()
    plan = subprocess.run(
        [make, "-n", "install"], cwd=work, env=env, capture_output=True, text=True
    ).stdout
    assert f"{pyenv}/python3 -m venv .venv" in plan
    plan = subprocess.run(
        [make, "-n", "install", "PYTHON=/opt/py/bin/python3"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert "/opt/py/bin/python3 -m venv .venv" in plan
