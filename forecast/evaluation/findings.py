"""What a backtest's summary tables say, in sentences computed from them.

One convention everywhere: skill and gain are positive when the forecast is better (skill =
1 - CRPS / CRPS of the best naive forecast; gain = 1 - CRPS with the real states / CRPS with
the state held), and percentages carry one decimal.

Notebook 05 and the report's "How far to trust these numbers" print these, so that the words
stay true when the tables are regenerated (``make skill``, ``docs/evaluation``). Each function
takes the tables of :func:`forecast.evaluation.read_summary` and returns a list of sentences;
presenting them (as a list, as HTML) is the caller's job.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.constants import ESS_MIN, RHAT_MAX
from forecast.present import and_list, noun_for, percent_interval, signed_percent, with_interval

#: The era whose cutoffs had few launches (see :func:`forecast.evaluation.skill.by_era`).
QUIET_ERA = "before 2012"
#: The randomised-PIT coverage of an 80% interval read as calibrated (issue 22's band): below
#: it the intervals are called too narrow, above it too wide.
CALIBRATED_80 = (0.77, 0.83)


def skill_table(table: pd.DataFrame, columns: str = "band", models=None) -> pd.DataFrame:
    """CRPS skill with its 90 % interval as percentage text, per model (rows) and band,
    horizon or era (``columns``): the table notebook 05 shows.

    Parameters
    ----------
    table : DataFrame
        A summary table with ``model``, ``columns``, ``crps_skill`` and, when bootstrapped,
        ``crps_skill_lo``/``crps_skill_hi``.
    columns : str
        The column spread across.
    models : sequence of str, optional
        Rows first, in this order (the others follow, sorted).
    """
    missing = pd.Series(float("nan"), index=table.index)
    low, high = (table[c] if c in table else missing for c in ("crps_skill_lo", "crps_skill_hi"))
    cells = with_interval(table["crps_skill"], low, high, 1, percent=True)
    wide = table.assign(skill=cells.to_numpy()).pivot(
        index="model", columns=columns, values="skill"
    )
    order = [m for m in (models or []) if m in wide.index]
    return wide.loc[order + sorted(set(wide.index) - set(order))]


def held_state_rows(table: pd.DataFrame, model: str) -> pd.DataFrame:
    """The model's rows of a summary table, state held at the cutoff (the user's forecast)."""
    rows = table[table["model"] == model]
    if "state_path" in rows:
        rows = rows[rows["state_path"] == "persist"]
    return rows


def skill_findings(
    by_band: pd.DataFrame,
    model: str,
    by_era: pd.DataFrame | None = None,
    ceiling: str = "oracle_12",
) -> list[str]:
    """The model's skill against the best naive baseline, state held at the cutoff.

    Parameters
    ----------
    by_band : DataFrame
        ``by_band.csv``: one row per model, state path and band, with ``crps_skill``,
        ``crps_skill_lo``/``_hi`` (90% block-bootstrap interval), ``crps_baseline`` and
        ``pit_cov_80``.
    model : str
        The model to describe (the default).
    by_era : DataFrame, optional
        ``by_era.csv``, for a sentence on the quiet years before 2012.
    ceiling : str
        The oracle whose skill is the ceiling (leave out if the tables have none).

    Returns
    -------
    list of str
    """
    rows = held_state_rows(by_band, model).set_index("band")
    if rows.empty:
        return [f"The evaluation tables do not hold {model}."]
    out = []
    lo, hi = rows["crps_skill"].min(), rows["crps_skill"].max()
    baselines = sorted(set(rows["crps_baseline"]))
    sentence = (
        f"Against the best naive forecast ({', '.join(baselines)}), {model}'s mean CRPS is "
        f"{signed_percent(lo)[1:]} to {signed_percent(hi)[1:]} better across the horizon bands"
        if lo >= 0
        else f"Against the best naive forecast ({', '.join(baselines)}), {model}'s CRPS skill "
        f"is {signed_percent(lo)} to {signed_percent(hi)} across the horizon bands (positive = "
        "better)"
    )
    oracle = held_state_rows(by_band, ceiling).set_index("band")
    if not oracle.empty:
        share = (rows["crps_skill"] / oracle["crps_skill"].reindex(rows.index)).dropna()
        sentence += (
            f", {share.min():.0%} to {share.max():.0%} of the gain of a forecaster who knew "
            "the next 12 months' average rate (the ceiling of a forecast that only sets the "
            "level)"
        )
    out.append(sentence + ".")
    if "crps_skill_lo" in rows:
        unclear = rows[(rows["crps_skill_lo"] <= 0) & (rows["crps_skill_hi"] >= 0)]
        below = rows[rows["crps_skill_hi"] < 0]
        for band, row in below.iterrows():
            out.append(
                f"At {band} months the 90% interval of the skill, "
                f"{percent_interval(row['crps_skill_lo'], row['crps_skill_hi'])}, lies below "
                f"zero: there it is worse than {row['crps_baseline']}."
            )
        for band, row in unclear.iterrows():
            out.append(
                f"At {band} months the 90% interval of the skill, "
                f"{signed_percent(row['crps_skill_lo'])} to "
                f"{signed_percent(row['crps_skill_hi'])}, includes zero: there it cannot be told "
                "apart "
                f"from {row['crps_baseline']}."
            )
        if unclear.empty and below.empty:
            out.append("In every band the 90% interval of the skill lies above zero.")
    cover = rows["pit_cov_80"]
    narrow = cover[cover < CALIBRATED_80[0]]
    out.append(
        f"Its 80% intervals hold {cover.min():.1%} to {cover.max():.1%} of the outcomes "
        "(randomised PIT)"
        + (
            f"; at {and_list(narrow.index)} months they are slightly too narrow."
            if len(narrow)
            else "."
        )
    )
    printed = rows["coverage_80"] if "coverage_80" in rows else pd.Series(dtype=float)
    if len(printed) and printed.min() > CALIBRATED_80[1]:  # as printed, ends included: more
        out.append(
            f"As printed, both ends included, a month's 80% interval held {printed.min():.1%} "
            f"to {printed.max():.1%} of the months: most months have no launch, and an "
            "interval that starts at 0 holds every one of them, so the monthly bands of the "
            "fan charts are wider than 80% as drawn."
        )
    if by_era is not None:
        early = by_era[(by_era["model"] == model) & (by_era["era"] == QUIET_ERA)]
        early = held_state_rows(early, model)
        worse = early[early["crps_skill"] < 0]
        if len(worse):
            unclear = ""
            if "crps_skill_hi" in worse:
                n = int((worse["crps_skill_hi"] >= 0).sum())
                unclear = (
                    f", though the 90% interval includes zero in {n} of them"
                    if n
                    else ", each 90% interval below zero"
                )
            out.append(
                f"With cutoffs {QUIET_ERA}, when launches were rare, it is worse than "
                f"{early['crps_baseline'].iloc[0]} in {len(worse)} of {len(early)} bands "
                f"({signed_percent(early['crps_skill'].min())} to "
                f"{signed_percent(early['crps_skill'].max())}"
                f"{unclear}): its skill comes from the Kim Jong Un years."
            )
    return out


def horizon_findings(headline: pd.DataFrame, model: str) -> list[str]:
    """Where, horizon by horizon, the 90% interval of ``model``'s skill is not above zero.

    Parameters
    ----------
    headline : DataFrame
        ``headline.csv``: one row per model, state path and single horizon, with
        ``crps_skill_lo``/``_hi``; the rows with the state held at the cutoff are used (a row
        without an interval, NaN, is in neither list).
    model : str

    Returns
    -------
    list of str
        At most one sentence: the horizons whose interval includes zero, then those whose
        interval lies below zero; none when every interval lies above zero or the table has
        no interval.
    """
    rows = held_state_rows(headline, model)
    if rows.empty or "crps_skill_lo" not in rows:
        return []
    below = rows[rows["crps_skill_hi"] < 0]
    unclear = rows[(rows["crps_skill_lo"] <= 0) & (rows["crps_skill_hi"] >= 0)]
    parts = [
        f"{verdict} at {and_list(part['horizon'])} "
        f"{noun_for(int(part['horizon'].iloc[-1]), 'month')}"
        for verdict, part in (("includes zero", unclear), ("lies below zero", below))
        if len(part)
    ]
    if not parts:
        return []
    return [f"By single horizon the 90% interval of the skill {'; it '.join(parts)}."]


def credible_bands(rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The bands (column ``band``) whose 90% interval of the gain lies above zero, and those
    whose interval lies below it (``gain_lo``, ``gain_hi``)."""
    return (
        rows.loc[rows["gain_lo"] > 0, "band"].tolist(),
        rows.loc[rows["gain_hi"] < 0, "band"].tolist(),
    )


def band_gains(rows: pd.DataFrame, sep: str = ", ") -> str:
    """Each band's gain with its 90% interval: ``+1.0% at 4-6 months [+0.6%, +1.6%]``."""
    return sep.join(
        f"{signed_percent(r.gain)} at {r.band} months {percent_interval(r.gain_lo, r.gain_hi)}"
        for r in rows.itertuples()
    )


def evidence_findings(
    evidence: pd.DataFrame, after_changes: pd.DataFrame | None, model: str
) -> list[str]:
    """Whether knowing the negotiation states that came improved the model's forecasts.

    Parameters
    ----------
    evidence : DataFrame
        ``evidence.csv``: per model and band, ``gain`` = 1 - CRPS with the states that came /
        CRPS with the state held, with ``gain_lo``/``gain_hi``; rows of the ``observed`` path.
    after_changes : DataFrame, optional
        ``after_changes.csv``: the same gain over the months after a real change of state,
        with its 90% interval ``gain_lo``/``gain_hi`` when the table has them (tables made
        before 2026-12-07 do not).
    model : str

    Returns
    -------
    list of str
        With ``transition`` rows, a sentence on the forecast whose states are drawn from the
        state model (:func:`transition_sentence`) comes before the verdict; the last sentence
        is the verdict: whether the tables support the state effect as a forecasting input.
    """
    rows = evidence[evidence["model"] == model]
    drawn = transition_sentence(evidence, model)
    if "path" in rows:
        rows = rows[rows["path"] == "observed"]
    if rows.empty:
        return [f"The evidence table does not hold {model}."]
    helps, hurts = credible_bands(rows)
    out = [
        f"Forecasting with the negotiation states that really came instead of the state at the "
        f"cutoff: a gain of {signed_percent(rows['gain'].min())} to "
        f"{signed_percent(rows['gain'].max())} on {model}'s mean "
        "CRPS across the horizon bands (gain = 1 - CRPS with the real states / CRPS with the "
        "state held; positive = better, negative = worse, as for skill); "
        + (
            "the 90% interval of the gain includes zero in every band."
            if not helps and not hurts
            else f"it helped credibly {f'at {and_list(helps)} months' if helps else 'in no band'}"
            f" and hurt {f'at {and_list(hurts)} months' if hurts else 'in no band'}."
        )
    ]
    if after_changes is not None and model in set(after_changes["model"]):
        row = after_changes.set_index("model").loc[model]
        interval = (
            f" {percent_interval(row['gain_lo'], row['gain_hi'])}"
            if "gain_lo" in row and row["gain_lo"] == row["gain_lo"]
            else ""
        )
        zero = (
            "; the gain's 90% interval includes zero"
            if interval and row["gain_lo"] <= 0 <= row["gain_hi"]
            else ""
        )
        size = signed_percent(abs(row["gain"]))[1:]  # as the gain is printed, unsigned
        change = (
            "did not change the CRPS"
            if size == "0.0%"
            else f"{'improved' if row['gain'] > 0 else 'worsened'} the CRPS by {size}"
        )
        out.append(
            f"On the {row['n']:.0f} forecasts of months after a real change of state, where it "
            f"should matter most, the gain is {signed_percent(row['gain'])}{interval} (the real "
            f"states {change}{zero})."
        )
    out += drawn
    if helps:
        out.append(
            "Knowing the states helped in some bands: there the state effect has shown "
            "forecasting value."
        )
    else:
        out.append(
            "So knowing in advance which states would come did not measurably improve forecasts "
            "of launch days in any horizon band: read scenario differences, each of which "
            "assumes such a path of states, as the model's conditional beliefs, with their wide "
            "intervals, not as "
            "effects the forecasts have been shown to need. Whether the state at the cutoff "
            "earns its place as an input of the model is another question, which the "
            "ablation's state term answers."
        )
    return out


def transition_sentence(evidence: pd.DataFrame, model: str) -> list[str]:
    """How the forecast whose future states are drawn from the state model (the "all things
    considered" outlook) scored against holding the state at the cutoff.

    Parameters
    ----------
    evidence : DataFrame
        ``evidence.csv``: its ``transition`` rows (``path``) hold, per model and band, ``gain``
        = 1 - CRPS with the states drawn / CRPS with the state held, and ``gain_lo``/``_hi``.
    model : str

    Returns
    -------
    list of str
        One sentence with the gain in each band and where its 90% interval lies below or
        above zero; empty when the table has no ``transition`` rows for ``model``.
    """
    if "path" not in evidence:
        return []
    rows = evidence[(evidence["model"] == model) & (evidence["path"] == "transition")]
    if rows.empty:
        return []
    gains = band_gains(rows, "; ")
    better, worse = credible_bands(rows)
    verdicts = [
        f"measurably {word} than holding the state at {and_list(bands)} months"
        for word, bands in (("worse", worse), ("better", better))
        if bands
    ]
    verdict = " and ".join(verdicts) or "not told apart from holding the state in any band"
    carries = (
        ' The outlook from today, the "all things considered" table and the answers to the '
        "questions draw their states this way, so they carry this loss; the scenario in which "
        "the last observed state persists does not."
        if worse
        else ""
    )
    return [
        "Drawing the future states from the state model instead of holding the state at the "
        f'cutoff, as the "all things considered" outlook does, gains {gains} on {model}\'s '
        f"mean CRPS (positive = better, negative = worse). It is {verdict}.{carries}"
    ]


def band_sentence(by_band: pd.DataFrame, model: str, what: str) -> list[str]:
    """One sentence: ``model``'s skill in each band with its interval and its 80 % coverage,
    state held at the cutoff (for a second protocol: missiles, the daily model's cutoffs).

    Parameters
    ----------
    by_band : DataFrame
        ``by_band.csv`` of that protocol.
    model : str
        The model described.
    what : str
        What the protocol scores, as the sentence opens (e.g. ``"For missiles"``).
    """
    rows = held_state_rows(by_band, model)
    if rows.empty:
        return []
    skills = "; ".join(
        f"{signed_percent(r.crps_skill)} at {r.band} months "
        f"{percent_interval(r.crps_skill_lo, r.crps_skill_hi)}"
        for r in rows.itertuples()
    )
    coverage = and_list(f"{x:.0%}" for x in rows["pit_cov_80"])
    names = sorted(set(rows["crps_baseline"]))
    baselines = names[0] if len(names) == 1 else f"by band: {' or '.join(names)}"
    return [
        f"{what}, {model}'s CRPS skill against the best naive forecast ({baselines}) is "
        f"{skills} (positive = better); its 80% intervals hold {coverage} of the outcomes "
        "by band (80% when calibrated)."
    ]


def fold_verdicts(folds: pd.DataFrame, model: str) -> pd.Series:
    """How the folds of one model passed the sampler's strict convergence check, criterion by
    criterion (:data:`forecast.constants.RHAT_MAX`, ``ESS_MIN``, no divergence).

    Parameters
    ----------
    folds : DataFrame
        ``folds.csv`` of a backtest (:class:`forecast.evaluation.results.BacktestResult`):
        ``model``, ``passed``, ``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``,
        ``divergences`` (a fold that was not sampled has no r-hat or ESS).
    model : str
        The model whose folds are counted.

    Returns
    -------
    Series
        ``model``, ``folds``, ``passed``, ``share_passed``; ``high_rhat`` (folds whose largest
        r-hat is above the limit) and ``worst_rhat`` (the largest); ``low_ess`` (folds whose
        bulk or tail ESS is below the limit) and ``worst_ess`` (the smallest);
        ``divergent`` (folds with a divergence) and ``divergences`` (their sum). A worst value
        is NaN when no fold missed on it.

    Raises
    ------
    ValueError
        No fold of ``model`` in the table.
    """
    rows = folds[folds["model"] == model]
    if rows.empty:
        raise ValueError(f"the folds table holds no fold of {model!r}")
    passed = rows["passed"].astype(bool)
    rhat = rows["max_rhat"]
    ess = rows[["min_ess_bulk", "min_ess_tail"]].min(axis=1)
    high, low = rhat[rhat > RHAT_MAX], ess[ess < ESS_MIN]
    divergent = rows["divergences"] > 0
    return pd.Series(
        {
            "model": model,
            "folds": len(rows),
            "passed": int(passed.sum()),
            "share_passed": float(passed.mean()),
            "high_rhat": len(high),
            "worst_rhat": high.max() if len(high) else np.nan,
            "low_ess": len(low),
            "worst_ess": low.min() if len(low) else np.nan,
            "divergent": int(divergent.sum()),
            "divergences": int(rows["divergences"].sum()),
        }
    )


def fold_verdict_words(verdicts: pd.Series) -> str:
    """One sentence on how many folds passed the strict convergence check and, criterion by
    criterion, how many missed it and by how much.

    Parameters
    ----------
    verdicts : Series
        From :func:`fold_verdicts`.
    """
    v = verdicts
    text = (
        f"{v['passed']} of the {v['folds']} `{v['model']}` folds ({v['share_passed']:.0%}) "
        f"passed the strict convergence check (largest r-hat at most {RHAT_MAX}, bulk and tail "
        f"ESS at least {ESS_MIN}, no divergence)"
    )
    missed = []
    if v["high_rhat"]:
        missed.append(
            f"{v['high_rhat']} had a largest r-hat above {RHAT_MAX} (at worst "
            f"{v['worst_rhat']:.3f})"
        )
    if v["low_ess"]:
        missed.append(
            f"{v['low_ess']} a bulk or tail ESS below {ESS_MIN} (at worst {v['worst_ess']:.0f})"
        )
    if v["divergent"]:
        missed.append(f"{v['divergent']} a divergence ({v['divergences']} in all)")
    if missed:
        failed = v["folds"] - v["passed"]
        both = (
            " (a fold may miss on more than one)"
            if sum(v[k] for k in ("high_rhat", "low_ess", "divergent")) > failed
            else ""
        )
        text += f"; of the other {failed}, " + and_list(missed) + both
    if not v["divergent"]:
        text += "; no fold had a divergence"
    return text + "."
