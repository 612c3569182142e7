"""Does each term of a model earn its place out of sample? The ablation table.

For each ablation variant in a backtest (a registered model that leaves one term out,
:data:`forecast.catalog.ABLATION_OF`) and the model it comes from, scored on the same folds,
the *gain of the term* per horizon band is ``1 - CRPS with the term / CRPS without it``:
positive when the term makes the forecasts better (the sign of skill), with a 90 % moving-block
bootstrap interval over cutoffs (:func:`forecast.evaluation.skill.bootstrap_skill`, paired
fold by fold). A term whose interval lies above zero in some band helps there; one whose
interval covers zero everywhere has not shown it helps, and stays available but need not be on.

Terms can stand in for one another (a month-of-year effect and the exercise days both mark
March), so each lean form of :data:`forecast.catalog.LEAN_FORMS` leaves several out together:
its row's ``term`` names them all ("season and exercise"), and :func:`lean_form_sentence` says
whether the default's choice to keep or leave them agrees with the table.
"""

from __future__ import annotations

import pandas as pd

from forecast.catalog import (
    ABLATION_OF,
    COMPONENT_PAIRS,
    DEFAULT_MODEL,
    LEAN_FORMS,
    resolve_name,
)
from forecast.evaluation.combine import BANDS
from forecast.evaluation.findings import band_gains, credible_bands
from forecast.evaluation.results import kept_summaries
from forecast.evaluation.skill import bootstrap_skill, with_band
from forecast.present import and_list, signed_percent, with_interval

#: Columns of the ablation table.
ABLATION_COLUMNS = (
    "term",
    "model",
    "variant",
    "band",
    "n",
    "crps_with",
    "crps_without",
    "gain",
    "gain_lo",
    "gain_hi",
    "pit_cov_80_with",
    "pit_cov_80_without",
)


def ablation_table(
    scores: pd.DataFrame, bootstrap: int = 1000, seed: int = 1, state_path: str = "persist"
) -> pd.DataFrame:
    """The gain of each left-out term per horizon band (empty without a variant and its model).

    Parameters
    ----------
    scores : DataFrame
        A backtest's ``scores`` table.
    bootstrap : int
        Resamples of the interval (0: none).
    seed : int
        Seed of the resampling.
    state_path : str
        The state path scored (``persist``: the state held at the cutoff, as a user forecasts).

    Returns
    -------
    DataFrame
        :data:`ABLATION_COLUMNS`, one row per term (or group of terms left out together)
        and band.
    """
    present = set(scores["model"])
    part = with_band(scores[scores["state_path"] == state_path])
    rows = []
    for variant, (model, term) in _pairs().items():
        if variant not in present or model not in present:
            continue
        for band in BANDS:
            both = part[(part["band"] == band) & part["model"].isin([model, variant])]
            means = both.groupby("model")[["crps", "pit_cov_80"]].mean()
            low, high = bootstrap_skill(both, model, variant, "crps", bootstrap, seed)
            rows.append(
                {
                    "term": term,
                    "model": model,
                    "variant": variant,
                    "band": band,
                    "n": int((both["model"] == model).sum()),
                    "crps_with": means.loc[model, "crps"],
                    "crps_without": means.loc[variant, "crps"],
                    "gain": 1 - means.loc[model, "crps"] / means.loc[variant, "crps"],
                    "gain_lo": low,
                    "gain_hi": high,
                    "pit_cov_80_with": means.loc[model, "pit_cov_80"],
                    "pit_cov_80_without": means.loc[variant, "pit_cov_80"],
                }
            )
    return pd.DataFrame(rows, columns=list(ABLATION_COLUMNS))


def _pairs() -> dict[str, tuple[str, str]]:
    """Each variant scored against the model it comes from, with what it leaves out: the
    ablation variants (one term), the lean forms (their terms together) and the pairs of models
    that differ by one component."""
    lean = {name: (full, " and ".join(off)) for name, (full, off) in LEAN_FORMS.items()}
    return {**ABLATION_OF, **lean, **COMPONENT_PAIRS}


def left_out_together(table: pd.DataFrame) -> pd.Series:
    """Which rows of an :func:`ablation_table` leave several terms out together: those of a
    lean form (:data:`forecast.catalog.LEAN_FORMS`)."""
    return table["variant"].isin(LEAN_FORMS)


def ablation_findings(
    table: pd.DataFrame, default: str | None = None, totals: pd.DataFrame | None = None
) -> list[str]:
    """One sentence per term (or group left out together), computed from :func:`ablation_table`:
    where it helps, where it hurts, or that it has not shown either (the first sentence says
    what the gain is, the others use it); with ``default`` (a
    registered name, or the alias ``default``), then whether the default's choice on each lean
    form's terms agrees with the table (:func:`lean_form_sentence`)."""
    out = []
    for (model, term), rows in table.groupby(["model", "term"], sort=False):
        helps, hurts = credible_bands(rows)
        gains = band_gains(rows)
        group = bool(left_out_together(rows).any())
        it, s, has = ("they", "", "have") if group else ("it", "s", "has")
        if helps and not hurts:
            verdict = f"{it} help{s} credibly at {and_list(helps)} months"
        elif hurts and not helps:
            verdict = f"{it} hurt{s} credibly at {and_list(hurts)} months"
        elif helps and hurts:
            verdict = (
                f"{it} help{s} at {and_list(helps)} months and hurt{s} at {and_list(hurts)} months"
            )
        else:
            verdict = (
                f"the 90% interval includes zero in every band: {it} {has} not shown {it} help{s}"
            )
        what = (
            f"The {term} terms of {model}, left out together"
            if group
            else (f"The {term} term of {model}")
        )
        # the gain is defined once, in the first sentence of the list
        defined = "" if out else " (1 - CRPS with / CRPS without; positive = better)"
        out.append(f"{what}: gain {gains}{defined}; {verdict}.")
    sentence = lean_form_sentence(table, resolve_name(default), totals) if default else None
    return out + ([sentence] if sentence else [])


def lean_form_sentence(
    table: pd.DataFrame, default: str, totals: pd.DataFrame | None = None
) -> str | None:
    """Whether the default keeps or leaves out the terms of a lean form
    (:data:`forecast.catalog.LEAN_FORMS`) and whether the table agrees: the model that wins
    is the one with the lower mean CRPS in every band.

    Parameters
    ----------
    table : DataFrame
        :func:`ablation_table` with the lean form's rows (``variant`` is the lean form).
    default : str
        The default model's registered name.
    totals : DataFrame, optional
        The same backtest's ``totals.csv`` (:func:`forecast.evaluation.totals.total_scores`):
        when the other model has the lower CRPS of the 12-month total (the state held), the
        sentence says so, since the monthly bands alone would hide it.

    Returns
    -------
    str or None
        None unless the default is a lean form or the model it comes from, and the table has
        the lean form's rows.
    """
    for lean, (full, off) in LEAN_FORMS.items():
        rows = table[table["variant"] == lean]
        if default not in (lean, full) or rows.empty:
            continue
        terms = " and ".join(off)
        better = rows["gain"] > 0  # the full model's mean CRPS is lower in that band
        if default == full:
            choice = f"The default, {full}, keeps its {terms} terms"
            agrees = better.all()
            winner, loser = full, lean
        else:
            choice = f"The default, {lean}, leaves out the {terms} terms of {full}"
            agrees = not better.any()
            winner, loser = lean, full
        if agrees:
            return (
                f"{choice}: it has a lower mean CRPS than {loser} in every band (the 90% "
                "intervals above say how sure that is)" + _totals_clause(totals, winner, loser)
            )
        bands = and_list(rows.loc[better if default == lean else ~better, "band"])
        return (
            f"{choice}, but {loser} has the lower mean CRPS at {bands} months: the choice of "
            f"{winner} should be revisited."
        )
    return None


def _totals_clause(totals: pd.DataFrame | None, winner: str, loser: str) -> str:
    """The end of :func:`lean_form_sentence`: "." or, when ``loser`` has the lower CRPS of
    the 12-month total with the state held, a clause saying by how much."""
    if totals is None:
        return "."
    held = totals[totals["state_path"] == "persist"].set_index("model")
    if winner not in held.index or loser not in held.index:
        return "."
    w, lo = held.loc[winner], held.loc[loser]
    if lo["crps"] >= w["crps"]:
        return "."
    # relative, not in launch days: the totals of this comparison's own run, whose CRPS of
    # the default may differ in the last digit from the main protocol's quoted on the page
    lower = 1 - lo["crps"] / w["crps"]
    return (
        f"; on the {int(w['horizon'])}-month totals of the same folds, though, {loser} scores "
        f"a {100 * lower:.2g}% lower CRPS than {winner} (skill {signed_percent(lo['crps_skill'])} "
        f"against {signed_percent(w['crps_skill'])}), a difference the monthly bands do not show."
    )


#: Folders of docs/evaluation with one comparison each of two models that differ by a component
#: or a group of terms: the weapon-class split (``make ablation-class``), the daily model's
#: season and exercise terms left out together (``make ablation-daily-lean``) and the state
#: shift that phases in (``make ablation-phased``).
PAIR_FOLDERS = ("class", "daily-lean", "phased")


def kept_pairs(folder, names=PAIR_FOLDERS) -> dict[str, tuple[dict, dict]]:
    """The comparisons of ``names`` (:data:`PAIR_FOLDERS`) kept in an evaluation folder.

    Parameters
    ----------
    folder : str or Path
        An evaluation folder (``docs/evaluation``).
    names : str or sequence of str
        Which comparisons, in the order returned.

    Returns
    -------
    dict
        Folder name -> ``(tables, settings)`` (:func:`~forecast.evaluation.read_summary`) of
        each that holds a backtest with an ``ablation`` table.
    """
    kept = kept_summaries(folder, [names] if isinstance(names, str) else names)
    return {name: summary for name, summary in kept.items() if "ablation" in summary[0]}


def gains_by_term(table: pd.DataFrame) -> pd.DataFrame:
    """An :func:`ablation_table` to read: each term's gain with its 90% interval, by band.

    Parameters
    ----------
    table : DataFrame
        :func:`ablation_table` rows (of one model or several).

    Returns
    -------
    DataFrame
        One row per term in the table's order (per model and term when it holds several
        models), one column per horizon band in :data:`BANDS` order, each cell the gain and
        its interval in words ("+0.4% (-0.2% to +1.0%)",
        :func:`forecast.present.with_interval`).

    Raises
    ------
    ValueError
        When a term appears twice in a band (of one model): two ablations of one term.
    """
    shown = table.assign(
        gain=with_interval(table["gain"], table["gain_lo"], table["gain_hi"], 1, percent=True)
    )
    index = ["model", "term"] if table["model"].nunique() > 1 else ["term"]
    wide = shown.pivot(index=index, columns="band", values="gain")
    order = pd.MultiIndex.from_frame(shown[index].drop_duplicates())
    wide = wide.reindex(order if len(index) > 1 else order.get_level_values(0))
    wide = wide[[band for band in BANDS if band in wide.columns]]
    wide.columns.name = "band (months ahead)"
    return wide


def default_ablation(
    folder, pairs=("class", "phased"), default: str = DEFAULT_MODEL
) -> tuple[pd.DataFrame | None, list[str]]:
    """The default model's ablation in an evaluation folder, with its findings.

    ``make ablation``'s table (``<folder>/ablation``: each term left out in turn, and the
    lean form's terms together) joined by the kept comparisons of ``pairs``
    (:func:`kept_pairs`: the weapon-class split, the phasing state shift), and its sentences
    (:func:`ablation_findings`, with the lean form's verdict on ``default`` and the ablation's
    12-month totals).

    Parameters
    ----------
    folder : str or Path
        An evaluation folder (``docs/evaluation``).
    pairs : sequence of str
        The comparisons of :data:`PAIR_FOLDERS` to join.
    default : str
        The default model, whose lean-form choice the findings check.

    Returns
    -------
    table : DataFrame or None
        The joined :func:`ablation_table` rows; None when the folder holds no ablation.
    findings : list of str
        Its sentences, or one saying which command writes the ablation.
    """
    tables = kept_summaries(folder, ["ablation"]).get("ablation", ({}, {}))[0]
    if "ablation" not in tables:
        return None, [
            "No ablation of the default model in this results folder: `make ablation` writes one."
        ]
    compared = [pair["ablation"] for pair, _ in kept_pairs(folder, list(pairs)).values()]
    table = pd.concat([tables["ablation"], *compared], ignore_index=True)
    return table, ablation_findings(table, default=default, totals=tables.get("totals"))
