"""A backtest's result: its scores and summary tables, written to a folder and read back.

:class:`BacktestResult` holds what :func:`forecast.evaluation.backtest.backtest` returns;
:meth:`BacktestResult.write` writes it as CSV files and ``settings.json`` through the
output-folder rule (:func:`forecast.outputs.output_dir`), and :func:`read_summary` reads the
summary tables back (``docs/evaluation`` keeps those of the full evaluation protocol).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.errors import ConfigError
from forecast.files import json_text
from forecast.outputs import output_dir


@dataclass
class BacktestResult:
    """Scores of every forecast, per-fold facts, and the summary tables.

    Attributes
    ----------
    scores : DataFrame
        One row per model, cutoff, state path and horizon (:data:`KEY_COLUMNS` and every
        score of :func:`forecast.scores.score_forecasts`).
    folds : DataFrame
        One row per fit: seeds, training months, seconds, diagnostics.
    tables : dict of str to DataFrame
        The summaries of :func:`forecast.evaluation.skill.summary_tables` (``by_horizon``,
        ``by_band``, ``by_era``, ``evidence``, ``after_changes``, ``weights``).
    settings : dict
        Models, cutoffs, baselines and :class:`BacktestSettings`.
    seconds : float
        Wall time of the whole backtest (of its missile side, for ``missiles``).
    missiles : BacktestResult, optional
        The missile side of a ``missiles=True`` backtest, written to ``missiles/``.
    """

    scores: pd.DataFrame
    folds: pd.DataFrame
    tables: dict
    settings: dict
    seconds: float
    missiles: BacktestResult | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """Mean scores, skill and calibration by model, state path and horizon."""
        return self.tables["by_horizon"]

    def write(self, out: str | Path, force: bool = False, also=None) -> Path:
        """Write ``scores.csv``, ``folds.csv``, one CSV per summary table, ``settings.json``
        (and the same files of the missile side in ``missiles/``).

        The folder is written with :func:`forecast.outputs.output_dir`: new, empty, or
        (with ``force``) an earlier backtest output; built beside ``out`` and swapped in.

        Parameters
        ----------
        out : str or Path
            Folder to write.
        force : bool
            Replace an earlier ``forecast backtest`` output in ``out``.
        also : callable, optional
            ``also(folder)`` writes more files (e.g. figures) into the folder before it
            is swapped in.

        Returns
        -------
        Path
            The folder.
        """
        with output_dir(out, "backtest", force=force) as tmp:
            self._write_files(tmp)
            if self.missiles is not None:
                (tmp / MISSILES).mkdir()
                self.missiles._write_files(tmp / MISSILES)
            if also is not None:
                also(tmp)
        return Path(out)

    def _write_files(self, out: Path) -> None:
        self.scores.to_csv(out / "scores.csv", index=False, date_format="%Y-%m")
        self.folds.to_csv(out / "folds.csv", index=False, date_format="%Y-%m")
        names = {"by_horizon": "summary"}
        for name, table in self.tables.items():
            table.to_csv(out / f"{names.get(name, name)}.csv", index=False, date_format="%Y-%m")
        meta = {**self.settings, "seconds": round(self.seconds, 1)}
        (out / "settings.json").write_text(json_text(meta), encoding="utf-8")


#: The subfolder of a backtest folder that holds its missile side.
MISSILES = "missiles"

#: Files of a backtest folder that are not summary tables.
NOT_SUMMARIES = ("scores.csv", "folds.csv")


def kept_summaries(folder: str | Path, names) -> dict[str, tuple[dict, dict]]:
    """:func:`read_summary` of each of the subfolders ``names`` of ``folder`` that holds a
    backtest (its ``settings.json``), by name, in the order given."""
    folder = Path(folder)
    return {
        name: read_summary(folder / name)
        for name in names
        if (folder / name / "settings.json").is_file()
    }


def read_summary(folder: str | Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The summary tables and settings a backtest wrote (:meth:`BacktestResult.write`, e.g.
    ``make skill``; ``docs/evaluation`` keeps those of the full evaluation protocol).

    Parameters
    ----------
    folder : str or Path
        A backtest output folder (``scores.csv`` and ``folds.csv`` are not read).

    Returns
    -------
    tables : dict of str to DataFrame
        By table name, as in ``BacktestResult.tables`` (``summary.csv`` is ``by_horizon``).
        An evidence table written before the ``transition`` path existed (columns
        ``crps_observed``, no ``path``) is given the current columns.
    settings : dict
        ``settings.json`` (models, baselines, cutoffs, sampler settings, seconds).
    """
    folder = Path(folder)
    settings_file = folder / "settings.json"
    if not settings_file.is_file():
        raise ConfigError(
            "RESULTS_DIR", f"{folder} has no settings.json", "point it at a backtest's --out folder"
        )
    names = {"summary": "by_horizon"}
    tables = {
        names.get(path.stem, path.stem): pd.read_csv(path)
        for path in sorted(folder.glob("*.csv"))
        if path.name not in NOT_SUMMARIES
    }
    evidence = tables.get("evidence")
    if evidence is not None and "path" not in evidence:
        evidence = evidence.rename(columns={"crps_observed": "crps_path"})
        evidence.insert(2, "path", "observed")
        tables["evidence"] = evidence
    return tables, json.loads(settings_file.read_text(encoding="utf-8"))
