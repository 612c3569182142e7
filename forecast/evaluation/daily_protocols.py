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
``daily-240-terms`` (``make ablation-daily-terms``)
    ``daily_exciting`` and its season, exercise and state terms left out in turn, with the
    two strongest naive baselines, on the same 240 cutoffs. Its ablation rows join those of
    ``daily-240`` (:func:`kept_daily_protocols`) when the two ran the same folds (cutoffs,
    seed, sampler settings and the daily model's configuration), so that the 240-cutoff
    protocol reads as one table of the five terms; otherwise it is a protocol of its own.

Notebook 05 and the report both print :func:`daily_findings` of each kept folder, so that their
words are computed from the tables in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.catalog import DEFAULT_MODEL
from forecast.evaluation.ablation import ablation_findings, kept_pairs
from forecast.evaluation.combine import check_pools
from forecast.evaluation.findings import band_sentence, skill_table
from forecast.evaluation.results import kept_summaries
from forecast.present import and_list

#: The daily model the protocols score.
DAILY_MODEL = "daily_exciting"

#: The protocols' folders, in the order they are read (module docstring).
DAILY_FOLDERS = ("daily", "daily-240", "daily-240-terms")

#: The protocol whose ablation rows join those of the one before it when their folds agree.
JOINS = {"daily-240-terms": "daily-240"}

#: Settings of a backtest that fix its daily model's folds (with the model's configuration).
FOLD_SETTINGS = (
    "cutoffs", "seed", "horizon", "draws", "tune", "chains", "target_accept", "sim_draws", "target",
    "missiles",
)  # fmt: skip


def kept_daily_protocols(folder: str | Path) -> list[tuple[str, dict, dict]]:
    """The daily protocols kept in an evaluation folder: ``(name, tables, settings)`` of each
    of :data:`DAILY_FOLDERS` that holds a backtest's summary (in that order; none: ``[]``).

    A protocol of :data:`JOINS` that ran the same folds as the one it joins (:func:`same_folds`)
    is not listed: its ablation rows are added to that protocol's ``ablation`` table.
    """
    kept = kept_summaries(folder, DAILY_FOLDERS)
    for name, into in JOINS.items():
        if name in kept and into in kept and same_folds(kept[name][1], kept[into][1]):
            tables, settings = kept.pop(name)
            if "ablation" in tables:
                base = kept[into][0]
                rows = [base["ablation"]] if "ablation" in base else []
                base["ablation"] = pd.concat([*rows, tables["ablation"]], ignore_index=True)
    return [(name, *summary) for name, summary in kept.items()]


def same_folds(one: dict, other: dict) -> bool:
    """Whether two backtests' settings give :data:`DAILY_MODEL` the same folds: the same
    :data:`FOLD_SETTINGS`, the same configuration of the daily model and the same sampler it
    ran with (``samplers``). The data are not recorded: both protocols are run on the bundled
    data by their ``make`` targets."""

    def model(settings: dict) -> tuple:
        return tuple(settings.get(part, {}).get(DAILY_MODEL) for part in ("configs", "samplers"))

    same_model = model(one) == model(other)
    return same_model and all(one.get(k) == other.get(k) for k in FOLD_SETTINGS)


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
            others = and_list(m for m in pool.members if m != DAILY_MODEL)
            how = "Stacked (weights learned from the past)" if pool.kind == "stack" else "Pooled"
            words += band_sentence(by_band, pool.name, f"{how} with {others}")
    if "ablation" in tables:
        words += ablation_findings(tables["ablation"])
    return words


@dataclass(frozen=True)
class DailyView:
    """One kept daily protocol as notebook 05 shows it (:func:`daily_views`).

    Attributes
    ----------
    name : str
        The protocol's folder (:data:`DAILY_FOLDERS`).
    cutoffs : list of str
        Its cutoffs (``YYYY-MM``).
    skill : DataFrame
        Skill by band, state held (:func:`~forecast.evaluation.findings.skill_table`): the
        daily model, the monthly default, their pools and ``recent_rate``, where run.
    ablation : DataFrame or None
        Its ablation rows (with the lean form's for ``daily``).
    findings : list of str
        Its sentences (:func:`daily_findings`, then the lean form's).
    """

    name: str
    cutoffs: list
    skill: pd.DataFrame
    ablation: pd.DataFrame | None
    findings: list


def daily_views(folder: str | Path, default: str = DEFAULT_MODEL) -> list[DailyView]:
    """Each daily protocol kept in an evaluation folder, with its tables and sentences.

    Parameters
    ----------
    folder : str or Path
        An evaluation folder (``docs/evaluation``; :func:`kept_daily_protocols`).
    default : str
        The monthly model the daily model was run beside.

    Returns
    -------
    list of DailyView
        In :data:`DAILY_FOLDERS` order (none: ``[]``). The ``daily`` protocol's ablation is
        joined by the daily model's lean form (``daily-lean``,
        :func:`~forecast.evaluation.ablation.kept_pairs`: its season and exercise terms left
        out together, on the same cutoffs).
    """
    lean = kept_pairs(folder, ["daily-lean"])
    views = []
    pools = [f"pool:{default}+{DAILY_MODEL}", f"stack:{default}+{DAILY_MODEL}"]
    shown = [DAILY_MODEL, default, *pools, "recent_rate"]  # skill_table skips models not run
    for name, tables, settings in kept_daily_protocols(folder):
        by_band = tables["by_band"]
        cutoffs = settings["cutoffs"]
        lead = f"On the {len(cutoffs)} cutoffs of `{name}`"
        findings = daily_findings(tables, settings, default, lead)
        ablation = tables.get("ablation")
        if name == "daily" and lean:  # its row joins the table it is read with
            rows = lean["daily-lean"][0]["ablation"]
            ablation = rows if ablation is None else pd.concat([ablation, rows], ignore_index=True)
            findings += ablation_findings(rows)
        skill = skill_table(by_band[by_band["state_path"] == "persist"], "band", shown)
        views.append(DailyView(name, cutoffs, skill, ablation, findings))
    return views
