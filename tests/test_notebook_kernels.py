"""The report's notebook kernels when a build is interrupted
(:class:`forecast.report.notebooks.KernelGroup`); a file of its own, so that the test runs beside
the report's slow module."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest

_INTERRUPTED_BUILD = """
import signal, sys, time
from pathlib import Path
from forecast.report.notebooks import run_notebooks
signal.signal(signal.SIGINT, signal.default_int_handler)
folder = Path(sys.argv[1])
try:
    run_notebooks([folder / "a.ipynb", folder / "b.ipynb"], folder / "out", {}, workers=2)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_an_interrupted_build_kills_its_kernels_instead_of_waiting_for_them(tmp_path):
    """Ctrl-C while two notebooks run (each would sleep ten minutes): the build stops within
    seconds, both kernels are gone, nothing is logged about their death and no scratch
    folder is left."""
    import signal
    import time

    marks = tmp_path / "kernels"
    marks.mkdir()
    (tmp_path / "out").mkdir()
    for name in ("a", "b"):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nb.cells = [
            nbformat.v4.new_code_cell(
                f"import os, pathlib, time\n"
                f"pathlib.Path({str(marks)!r}, str(os.getpid())).touch()\n"
                "time.sleep(600)"
            )
        ]
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
    build = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED_BUILD, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list(marks.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        kernels = [int(path.name) for path in marks.iterdir()]
        assert len(kernels) == 2, "the two kernels did not start"
        signalled = time.monotonic()
        build.send_signal(signal.SIGINT)
        out, err = build.communicate(timeout=60)
    finally:
        build.kill()
    assert time.monotonic() - signalled < 20
    assert out.strip() == "interrupted", err
    assert "Kernel died" not in err
    for pid in kernels:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert list((tmp_path / "out").iterdir()) == []
