"""The daily model's protocols kept in ``docs/evaluation``, read back as sentences.

A daily fold costs about 2.5 times an ``ar_level`` fold, so the daily model is not in
``make skill``. Two protocols score it instead, each in its own folder:

``daily`` (``make skill-daily``)
    ``daily_exciting`` and the variants that leave one of its terms out (excitation, season,
    exercise, state, the weeks after a change), with ``ar_level``, the naive baselines and the
    daily model pooled with ``ar_level``, on the 40 cutoffs every six months 2005-2024.
``daily-240`` (``make ablation-daily``)
    ``daily_exciting``, its two dynamic terms left out in turn (the excitation by recent
    launch days, the weeks after a change of state), ``ar_level``, the two strongest naive
    baselines and the same two pools, on the 240 monthly cutoffs of ``make skill``: the
    protocol of the evaluation, at about three times the daily protocol's cost.

Notebook 05 and the report both print :func:`daily_findings` of each kept folder, so that their
words are computed from the tables in one place.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.evaluation.ablation import ablation_findings
from forecast.evaluation.combine import check_pools
from forecast.evaluation.findings import band_sentence
from forecast.evaluation.results import read_summary

#: The daily model the protocols score.
DAILY_MODEL = "daily_exciting"

#: The protocols' folders, in the order they are read (module docstring).
DAILY_FOLDERS = ("daily", "daily-240")


def kept_daily_protocols(folder: str | Path) -> list[tuple[str, dict, dict]]:
    """The daily protocols kept in an evaluation folder: ``(name, tables, settings)`` of each
    of :data:`DAILY_FOLDERS` that holds a backtest's summary (in that order; none: ``[]``)."""
    folder = Path(folder)
    return [
        (name, *read_summary(folder / name))
        for name in DAILY_FOLDERS
        if (folder / name / "settings.json").is_file()
    ]


def daily_findings(
    tables: dict[str, pd.DataFrame], settings: dict, monthly: str, lead: str = "On those cutoffs"
) -> list[str]:
    """What a daily protocol's tables say: the daily model's skill by band, the monthly model's
    on the same folds, each pool of the two, then what each term left out earned.

    Parameters
    ----------
    tables, settings
        A protocol's summary (:func:`forecast.evaluation.read_summary`).
    monthly : str
        The monthly model it was run beside (its sentence is left out when it was not run).
    lead : str
        The words that open the daily model's sentence.

    Returns
    -------
    list of str
    """
    by_band = tables["by_band"]
    models = settings.get("models", [])
    words = band_sentence(by_band, DAILY_MODEL, lead)
    if monthly in models:
        words += band_sentence(by_band, monthly, "On the same cutoffs")
    for pool in check_pools(settings.get("pools", []), models):
        if DAILY_MODEL in pool.members:
            others = " and ".join(m for m in pool.members if m != DAILY_MODEL)
            words += band_sentence(by_band, pool.name, f"Pooled with {others}")
    if "ablation" in tables:
        words += ablation_findings(tables["ablation"])
    return words
