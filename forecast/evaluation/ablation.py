"""Does each term of a model earn its place out of sample? The ablation table.

For each ablation variant in a backtest (a registered model that leaves one term out,
:data:`forecast.catalog.ABLATION_OF`) and the model it comes from, scored on the same folds,
the *gain of the term* per horizon band is ``1 - CRPS with the term / CRPS without it``:
positive when the term makes the forecasts better (the sign of skill), with a 90 % moving-block
bootstrap interval over cutoffs (:func:`forecast.evaluation.skill.bootstrap_skill`, paired
fold by fold). A term whose interval lies above zero in some band helps there; one whose
interval covers zero everywhere has not shown it helps, and stays available but need not be on.
"""

from __future__ import annotations

import pandas as pd

from forecast.catalog import ABLATION_OF, LEAN_FORMS, resolve_name
from forecast.evaluation.combine import BANDS
from forecast.evaluation.findings import band_gains, credible_bands
from forecast.evaluation.skill import bootstrap_skill, with_band

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
        :data:`ABLATION_COLUMNS`, one row per term and band.
    """
    present = set(scores["model"])
    part = with_band(scores[scores["state_path"] == state_path])
    rows = []
    for variant, (model, term) in ABLATION_OF.items():
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


def ablation_findings(table: pd.DataFrame, default: str | None = None) -> list[str]:
    """One sentence per term, computed from :func:`ablation_table`: where it helps, where it
    hurts, or that it has not shown either; with ``default`` (a registered model name), then
    which of the terms that model keeps (:func:`default_terms_sentence`; ``default`` may be
    the alias ``default``)."""
    out = []
    for (model, term), rows in table.groupby(["model", "term"], sort=False):
        helps, hurts = credible_bands(rows)
        gains = band_gains(rows)
        if helps and not hurts:
            verdict = f"it helps credibly at {', '.join(helps)} months"
        elif hurts and not helps:
            verdict = f"it hurts credibly at {', '.join(hurts)} months"
        elif helps and hurts:
            verdict = f"it helps at {', '.join(helps)} and hurts at {', '.join(hurts)} months"
        else:
            verdict = "its 90% interval includes zero in every band: it has not shown it helps"
        out.append(
            f"The {term} term of {model}: gain {gains} (1 - CRPS with / CRPS without; "
            f"positive = better); {verdict}."
        )
    sentence = default_terms_sentence(table, resolve_name(default)) if default else None
    return out + ([sentence] if sentence else [])


def default_terms_sentence(table: pd.DataFrame, default: str) -> str | None:
    """Which of the ablated terms the default keeps and which it leaves out
    (:data:`forecast.catalog.LEAN_FORMS`), and whether the table still backs leaving them out.

    Parameters
    ----------
    table : DataFrame
        :func:`ablation_table`.
    default : str
        The default model's registered name.

    Returns
    -------
    str or None
        None when the default leaves no term of a model in the table out. Otherwise, e.g.
        "The default, ar_level_lean, is ar_level with its state term and without its season
        and exercise terms: none of the terms left out showed a gain ..."
    """
    if default not in LEAN_FORMS:
        return None
    full, off = LEAN_FORMS[default]
    rows = table[table["model"] == full]
    if rows.empty:
        return None
    kept = [t for t in dict.fromkeys(rows["term"]) if t not in off]
    helping = [t for t in off if credible_bands(rows[rows["term"] == t])[0]]
    which = (
        f"The default, {default}, is {full} with its {' and '.join(kept)} "
        f"term{'s' if len(kept) > 1 else ''} and without its {' and '.join(off)} "
        f"term{'s' if len(off) > 1 else ''}"
    )
    if helping:
        them = "them" if len(helping) > 1 else "it"
        return (
            f"{which}; {' and '.join(helping)} showed a gain whose 90% interval lies above "
            f"zero in some band, so leaving {them} out should be revisited."
        )
    return (
        f"{which}: none of the terms left out showed a gain whose 90% interval lies above "
        f"zero in any band, so they stay available in {full} but off by default."
    )
