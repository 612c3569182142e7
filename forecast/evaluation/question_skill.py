"""Skill of answered question families against their strongest naive answer, with intervals.

Input: one row per cutoff, family and *source* (a model, or a naive answer of
:data:`forecast.evaluation.question_families.NAIVE`) with its ``score`` (Brier score of a
binary family, CRPS of the numeric one).

Skill
    ``1 - mean score(model) / mean score(baseline)`` over the cutoffs where every source
    answered. The baseline is the *strongest* naive answer of the family: the one with the
    lowest mean score over all its cutoffs (chosen in hindsight, so the comparison is the
    strictest one available). Beside it, ``prequential_skill`` uses at each cutoff the naive
    answer that had scored best on the questions resolved by then (a choice a forecaster
    could have made; the long-run base rate until one has resolved).
Intervals
    A moving-block bootstrap over the calendar months of the cutoffs, as in
    :mod:`forecast.evaluation.skill`: blocks of :data:`BLOCK_MONTHS` consecutive months, all
    families resampled *jointly* (the same months), so the ``overall`` row (the mean of the
    families' skills, each family weighing the same whatever its number of cutoffs) gets an
    interval too. Families asked less often (``--every 3``) simply contribute the cutoffs
    that fall in the resampled months. The 90% interval is the 5th to 95th percentile of the
    resampled skill.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.constants import STATE_WORDS, STATES
from forecast.evaluation.question_families import BY_ID, NAIVE, family_question
from forecast.present import and_list, percent_interval, read_as, signed_percent
from forecast.questions import reliability_table, window_lengths
from forecast.questions.spec import parse_event
from forecast.scores import pit_coverage

#: Months of cutoffs in one bootstrap block.
BLOCK_MONTHS = 12

#: Interval level of the skill.
LEVEL = 0.90

#: The naive answers as sentences name them.
BASELINE_WORDS = {
    "longrun": "the long-run base rate",
    "recent5y": "the base rate of the last five years",
}

#: What the naive forecast answers in each group of families
#: (:func:`forecast.evaluation.question_answers._naive`): (in a sentence, in a table cell).
NAIVE_WORDS = {
    "state": ("the naive forecast (no change: the state holds)", "no change"),
    "nuclear": (
        "the naive forecast (the nuclear-test rate of the last 24 months)",
        "24-month test rate",
    ),
    "count": (
        "the naive forecast (recent_rate: the launch rate of the last 24 months held)",
        "recent_rate forecast",
    ),
}

#: The other naive answers' short names, as a table cell shows them.
BASELINE_SHORT = {"longrun": "long-run base rate", "recent5y": "5-year base rate"}


def baseline_words(baseline: str, family: str, short: bool = False) -> str:
    """A naive answer named by its rule, for ``family`` (the naive forecast of a state
    question answers 'no change', of a launch question recent_rate's answer)."""
    if baseline == "naive":
        group = BY_ID[family]["group"] if family in BY_ID else "count"
        words = NAIVE_WORDS.get(group, NAIVE_WORDS["count"])
        return words[1] if short else words[0]
    table = BASELINE_SHORT if short else BASELINE_WORDS
    return table.get(baseline, baseline)


def _wide(scored: pd.DataFrame, family: str, model: str) -> pd.DataFrame:
    """Scores of one family by cutoff (rows) and source (columns), complete cutoffs only."""
    part = scored[(scored["family"] == family) & scored["source"].isin([model, *NAIVE])]
    wide = part.pivot_table(index="cutoff", columns="source", values="score", aggfunc="first")
    wide = wide.reindex(columns=[model, *NAIVE]).dropna()
    wide.index = pd.PeriodIndex(wide.index, freq="M")
    return wide.sort_index()


def _prequential(wide: pd.DataFrame, months: int) -> np.ndarray:
    """At each cutoff, the score of the naive answer best on the windows resolved by then."""
    naive = wide[list(NAIVE)]
    out = np.empty(len(wide))
    for k, cutoff in enumerate(wide.index):
        resolved = naive[naive.index + months <= cutoff]
        choice = resolved.mean().idxmin() if len(resolved) else "longrun"
        out[k] = naive.iloc[k][choice]
    return out


def _block_picks(n_months: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Moving-block bootstrap month indices, (n_boot, n_months)."""
    block = min(BLOCK_MONTHS, n_months)
    n_blocks = -(-n_months // block)
    starts = rng.integers(0, n_months - block + 1, size=(n_boot, n_blocks))
    picks = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)
    return picks[:, :n_months]


def skill_table(
    scored: pd.DataFrame,
    models: dict[str, str],
    n_boot: int = 2000,
    seed: int = 1,
) -> pd.DataFrame:
    """Skill of each family's model against its strongest naive answer, and ``overall``.

    Parameters
    ----------
    scored : DataFrame
        ``cutoff`` (``YYYY-MM``), ``family``, ``source``, ``score`` (and ``answer``,
        ``outcome``).
    models : dict of str to str
        The source that answers each family (e.g. ``{"change-3m": "discounted", ...}``).
    n_boot : int
        Bootstrap resamples (0: no intervals).
    seed : int
        Seed of the resampling.

    Returns
    -------
    DataFrame
        One row per family and a last ``overall`` row: ``family, title, score_kind`` (brier
        or crps), ``model, n, first_cutoff, last_cutoff, frequency, mean_answer, brier,
        crps`` (the model's mean score in its kind's column), ``longrun, recent5y, naive``
        (each naive answer's mean score), ``baseline, baseline_score, skill, skill_lo,
        skill_hi, prequential_baseline_score, prequential_skill``.
    """
    rows, series = [], {}
    for family, model in models.items():
        spec = BY_ID[family]
        wide = _wide(scored, family, model)
        if wide.empty:
            continue
        means = wide.mean()
        baseline = means[list(NAIVE)].idxmin()
        prequential = _prequential(wide, spec["months"])
        part = scored[(scored["family"] == family) & (scored["source"] == model)]
        part = part[pd.PeriodIndex(part["cutoff"], freq="M").isin(wide.index)]
        kind = "brier" if spec["type"] == "binary" else "crps"
        rows.append(
            {
                "family": family,
                "title": spec["title"],
                "score_kind": kind,
                "model": model,
                "n": len(wide),
                "first_cutoff": str(wide.index[0]),
                "last_cutoff": str(wide.index[-1]),
                "frequency": float(part["outcome"].mean()),
                "mean_answer": float(part["answer"].mean()),
                "brier": float(means[model]) if kind == "brier" else np.nan,
                "crps": float(means[model]) if kind == "crps" else np.nan,
                **{name: float(means[name]) for name in NAIVE},
                "baseline": baseline,
                "baseline_score": float(means[baseline]),
                "skill": float(1 - means[model] / means[baseline]),
                "prequential_baseline_score": float(prequential.mean()),
                "prequential_skill": float(1 - means[model] / prequential.mean()),
            }
        )
        series[family] = (wide[model], wide[baseline])
    table = pd.DataFrame(rows)
    lows, highs, overall = _bootstrap(series, n_boot, seed)
    table["skill_lo"] = [lows.get(f, np.nan) for f in table["family"]]
    table["skill_hi"] = [highs.get(f, np.nan) for f in table["family"]]
    total = {
        "family": "overall",
        "title": "Mean of the families' skills",
        "n": int(table["n"].sum()),
        "skill": float(table["skill"].mean()),
        "prequential_skill": float(table["prequential_skill"].mean()),
        "skill_lo": overall[0],
        "skill_hi": overall[1],
    }
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def paired_skill(
    scored: pd.DataFrame, family: str, model: str, reference: str, n_boot: int, seed: int
) -> tuple[float, float, float]:
    """Skill of ``model`` against another model, ``reference``, on one family (paired, same
    cutoffs), with its 90% block-bootstrap interval: ``(skill, lo, hi)`` (zeros for a model
    against itself)."""
    if model == reference:
        return 0.0, 0.0, 0.0
    part = scored[(scored["family"] == family) & scored["source"].isin([model, reference])]
    wide = part.pivot_table(index="cutoff", columns="source", values="score", aggfunc="first")
    wide = wide.reindex(columns=[model, reference]).dropna()
    wide.index = pd.PeriodIndex(wide.index, freq="M")
    lows, highs, _ = _bootstrap({family: (wide[model], wide[reference])}, n_boot, seed)
    skill = float(1 - wide[model].mean() / wide[reference].mean())
    return skill, float(lows.get(family, np.nan)), float(highs.get(family, np.nan))


def _bootstrap(series: dict, n_boot: int, seed: int):
    """Joint moving-block bootstrap of every family's skill and of their mean."""
    if not n_boot or not series:
        return {}, {}, (np.nan, np.nan)
    first = min(s[0].index.min() for s in series.values())
    last = max(s[0].index.max() for s in series.values())
    n_months = (last - first).n + 1
    rng = np.random.default_rng(seed)
    picks = _block_picks(n_months, n_boot, rng)
    tail = (1 - LEVEL) / 2
    lows, highs, skills = {}, {}, []
    for family, (model, base) in series.items():
        pos = np.array([(c - first).n for c in model.index])
        m_sum, b_sum, count = np.zeros(n_months), np.zeros(n_months), np.zeros(n_months)
        m_sum[pos], b_sum[pos], count[pos] = model.to_numpy(), base.to_numpy(), 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            draws = 1 - (m_sum[picks].sum(1) / count[picks].sum(1)) / (
                b_sum[picks].sum(1) / count[picks].sum(1)
            )
        lows[family], highs[family] = np.nanquantile(draws, [tail, 1 - tail])
        skills.append(draws)
    overall = np.nanquantile(np.mean(skills, axis=0), [tail, 1 - tail])
    return lows, highs, (float(overall[0]), float(overall[1]))


def reliability_by_family(scored: pd.DataFrame, models: dict[str, str], bins: int = 10):
    """Reliability of each family's answers: binned probabilities against observed
    frequencies (binary), interval coverage of the randomised PIT (numeric).

    Returns
    -------
    DataFrame
        ``family, kind`` (``probability`` or ``coverage``), ``bin_lo, bin_hi, n,
        mean_probability, observed_frequency, lo90, hi90`` (binary; see
        :func:`forecast.questions.reliability_table`), or for the numeric family one row per
        central interval: ``bin_lo = bin_hi = mean_probability`` the nominal level and
        ``observed_frequency`` the share of PIT mass inside it.
    """
    frames = []
    for family, model in models.items():
        part = scored[(scored["family"] == family) & (scored["source"] == model)]
        if part.empty:
            continue
        if BY_ID[family]["type"] == "binary":
            table = reliability_table(part["answer"], part["outcome"], bins)
            frames.append(table.assign(family=family, kind="probability"))
            continue
        rows = []
        for width in (0.5, 0.8):
            cover = pit_coverage(part["pit_lo"].to_numpy(), part["pit_hi"].to_numpy(), width)
            rows.append(
                {
                    "bin_lo": width,
                    "bin_hi": width,
                    "n": len(part),
                    "mean_probability": width,
                    "observed_frequency": float(np.mean(cover)),
                }
            )
        frames.append(pd.DataFrame(rows).assign(family=family, kind="coverage"))
    table = pd.concat(frames, ignore_index=True)
    first = ["family", "kind"]
    return table[first + [c for c in table.columns if c not in first]]


def question_findings(table: pd.DataFrame) -> list[str]:
    """The strict question backtest's skill table (``docs/evaluation/questions.csv``) in words:
    one sentence per family and one for ``overall``.

    Parameters
    ----------
    table : DataFrame
        :func:`skill_table`'s output (or the CSV read back).

    Returns
    -------
    list of str
    """
    out = []
    for row in table.to_dict("records"):
        interval = percent_interval(row["skill_lo"], row["skill_hi"])
        if row["family"] == "overall":
            verdict = (
                "above zero"
                if row["skill_lo"] > 0
                else "below zero"
                if row["skill_hi"] < 0
                else "including zero"
            )
            out.append(
                "Over all families (each weighing the same) the skill is "
                f"{signed_percent(row['skill'])} "
                f"(90% interval {interval}, {verdict})."
            )
            continue
        kind = "Brier score" if row["score_kind"] == "brier" else "CRPS"
        score = row["brier"] if row["score_kind"] == "brier" else row["crps"]
        out.append(
            f"{row['title']} ({int(row['n'])} cutoffs {row['first_cutoff']} to "
            f"{row['last_cutoff']}): {kind} {score:.3f} against {row['baseline_score']:.3f} for "
            f"{baseline_words(row['baseline'], row['family'])}, the strongest naive answer: skill "
            f"{signed_percent(row['skill'])} {interval}."
        )
    return out


def family_caveats(
    answers: pd.DataFrame,
    table: pd.DataFrame,
    by_state: pd.DataFrame | None = None,
    state: str | None = None,
) -> dict[str, str]:
    """A caveat for each answered question whose family scored below its strongest naive
    answer in the question backtest, or below the long-run base rate when asked from the
    state the question is asked from.

    A question is of a family when it asks the same thing over a window as long: the same
    type and unit (event and threshold) and as many months. Conditional questions are of no
    family.

    Parameters
    ----------
    answers : DataFrame
        Answers (:data:`forecast.questions.ANSWER_COLUMNS`: ``question``, ``type``, ``unit``,
        ``window_start``, ``window_end``).
    table : DataFrame
        :func:`skill_table`'s output (``docs/evaluation/questions.csv``).
    by_state : DataFrame, optional
        :func:`by_origin_state`'s output (``docs/evaluation/questions_by_state.csv``).
    state : str, optional
        The negotiation state the questions are asked from (the last coded state): with
        ``by_state``, a family whose answers from that state scored below the long-run base
        rate gets a sentence saying by how much and in which direction.

    Returns
    -------
    dict of str to str
        Question id -> one or two sentences naming the family, its skill and 90% interval,
        and its skill and bias when asked from ``state``.
    """
    months = window_lengths(answers)
    local = pd.DataFrame(columns=["family", "state"])
    if by_state is not None and state is not None:
        local = by_state[(by_state["state"] == state) & (by_state["skill"] < 0)]
    out = {}
    for row in table[table["family"].isin(list(BY_ID))].itertuples():
        sentences = []
        if row.skill < 0:
            sentences.append(
                "Its family has negative skill in the question backtest: "
                f'"{row.title}" scored {signed_percent(row.skill)} '
                f"{percent_interval(row.skill_lo, row.skill_hi)} against "
                f"{baseline_words(row.baseline, row.family)} ({int(row.n)} cutoffs), "
                "so answers like this one have not beaten that naive answer"
                + (
                    " (the interval includes zero: nor have they been shown to lose to it)."
                    if row.skill_lo <= 0 <= row.skill_hi
                    else "."
                )
            )
        for there in local[local["family"] == row.family].itertuples():
            way = "too high" if there.mean_answer > there.frequency else "too low"
            sentences.append(
                f"Asked in {state.replace('_', ' ')}, as this one is ({int(there.n)} past "
                f"cutoffs), the state model answered {there.mean_answer:.0%} on average where "
                f"{there.frequency:.0%} came true (skill there {signed_percent(there.skill)} "
                f"against the long-run base rate): {read_as(way)}"
            )
        if not sentences:
            continue
        family = BY_ID[row.family]
        asked = family_question(family, pd.Period("2000-01", "M"))
        same = (
            (answers["type"] == asked.type)
            & (answers["unit"] == asked.unit)
            & (months == family["months"])
        )
        out |= dict.fromkeys(answers.loc[same, "question"], " ".join(sentences))
    return out


def by_origin_state(
    scored: pd.DataFrame, models: dict[str, str], states: pd.Series
) -> pd.DataFrame:
    """The state families split by the negotiation state at the cutoff: where the transition
    model's answers are too high or too low, against the long-run base rate.

    Parameters
    ----------
    scored : DataFrame
        As :func:`skill_table` takes it (``cutoff, family, source, answer, outcome, score``).
    models : dict of str to str
        The source that answers each family; the families of group ``state`` are split.
    states : Series
        The state of each cutoff month, indexed by ``YYYY-MM``.

    Returns
    -------
    DataFrame
        One row per state family and origin state: ``family, state, n, frequency`` (the share
        of its windows in which the event came), ``mean_answer, brier, longrun`` (the long-run
        base rate's Brier score on the same cutoffs) and ``skill`` (``1 - brier / longrun``).
    """
    rows = []
    for family, model in models.items():
        if BY_ID[family]["group"] != "state":
            continue
        part = scored[(scored["family"] == family) & scored["source"].isin([model, "longrun"])]
        wide = part.pivot_table(index="cutoff", columns="source", values="score", aggfunc="first")
        answers = part[part["source"] == model].set_index("cutoff")
        wide = wide.dropna().join(answers[["answer", "outcome"]])
        wide["state"] = states.reindex(wide.index).to_numpy()
        for state in STATES:
            group = wide[wide["state"] == state]
            if group.empty:
                continue
            rows.append(
                {
                    "family": family,
                    "state": state,
                    "n": len(group),
                    "frequency": group["outcome"].mean(),
                    "mean_answer": group["answer"].mean(),
                    "brier": group[model].mean(),
                    "longrun": group["longrun"].mean(),
                    "skill": 1 - group[model].mean() / group["longrun"].mean(),
                }
            )
    return pd.DataFrame(rows)


def origin_state_findings(table: pd.DataFrame) -> list[str]:
    """:func:`by_origin_state`'s table (``docs/evaluation/questions_by_state.csv``) in words:
    for each family, the origin state where its answers were furthest too high, and the one
    where they were furthest too low (the gap between mean answer and frequency, weighted by
    the cutoffs asked there)."""

    def clause(row, first: bool, into: tuple[str, ...]) -> str:
        way = "too high" if row["mean_answer"] > row["frequency"] else "too low"
        said = "the state model answered " if first else "it answered "
        # asked in one of the states it counts a change into: staying there does not count
        cutoffs = f"{int(row['n'])} cutoffs"
        if row["state"] in into and len(into) > 1:
            here = STATE_WORDS.get(row["state"], row["state"])
            others = and_list((STATE_WORDS.get(s, s) for s in into if s != row["state"]), "or")
            cutoffs += (
                f"; from there a move to {others} counts, or a return to {here} after leaving it"
            )
        skill = f"skill there {signed_percent(row['skill'])}"
        if first:
            skill += " against the long-run base rate"
        if row["skill"] > 0:  # a positive skill beside a wrong answer: the rate scored worse
            skill += "; the base rate's Brier score was worse there"
        return (
            f"asked in {STATE_WORDS.get(row['state'], row['state'])} ({cutoffs}) "
            f"{said}"
            f"{row['mean_answer']:.0%} on average where {row['frequency']:.0%} came true ({way}; "
            f"{skill})"
        )

    out = []
    for family, part in table.groupby("family", sort=False):
        gap = (part["mean_answer"] - part["frequency"]) * part["n"]
        picks = [part.loc[i] for i in (gap.idxmax(), gap.idxmin()) if gap[i] != 0]
        if len(picks) == 2 and (gap[picks[0].name] > 0) == (gap[picks[1].name] > 0):
            picks = [max(picks, key=lambda r: abs(gap[r.name]))]  # all one way: the largest
        into = parse_event(BY_ID[family]["event"], "question families", family).to or ()
        first, *others = (clause(r, k == 0, into) for k, r in enumerate(picks))
        out.append(
            f"{BY_ID[family]['title']}: {first}."
            + "".join(f" {c[0].upper()}{c[1:]}." for c in others)  # "Asked in stalled ..."
        )
    return out
