"""The ``forecast`` command line: thin commands over the package API.

How it is built
---------------
Light at the door: help, listings and every refusal of bad input answer without loading
PyMC, PyTensor, ArviZ, matplotlib or SciPy's statistics (a test checks which modules a light
command loads). Three tiers:

- :mod:`forecast.cli.app` names every command with its module and one-line help, and
  imports a command's module only when that command runs or its own help is asked for;
  it also turns errors into exit codes.
- ``*_commands.py`` declare a group's commands (options, help) and check every option and
  input that can be checked before any work: limits, output folders, months, model names,
  YAML files, the data. They import only light layers (the data tables, the catalogue of
  models and sampler presets, output folders).
- ``*_work.py`` do the work once the checks pass: fit, simulate, score, render. They import
  the modelling layers at their top; a command reaches its work module through its group's
  one ``_work()`` function, after its checks.

:mod:`forecast.cli.console` is the one console (markup off, so nothing a user typed is read
as style); :mod:`forecast.cli.checks` holds the shared options and checks;
:mod:`forecast.cli.tables` renders result tables for the terminal.
"""

from __future__ import annotations

from forecast.cli.app import cli, main, run

__all__ = ["cli", "main", "run"]
