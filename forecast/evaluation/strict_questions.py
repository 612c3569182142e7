"""The strict question backtest: every family at every month 2000-2024, against its strongest
naive answer (see :mod:`forecast.evaluation.question_backtest` for the design).

Run it with ``make questions-backtest`` or::

    python -m forecast.evaluation.strict_questions --out docs/evaluation

(about 30 minutes on two cores, the count folds cached in ``out/question-backtest/folds``;
``--no-count`` runs the state and nuclear families alone in a few minutes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import data
from forecast.data import month_periods
from forecast.errors import InputError
from forecast.evaluation.combine import band_of
from forecast.evaluation.folds import fold_sampler
from forecast.evaluation.path_blend import blend_rows, blend_weights
from forecast.evaluation.plan import regular_cutoffs
from forecast.evaluation.question_answers import (
    naive_answers,
    nuclear_answers,
    scored,
    state_answers,
)
from forecast.evaluation.question_families import FAMILIES
from forecast.evaluation.question_folds import COUNT_MODEL, FoldSettings, count_folds, fold_seconds
from forecast.evaluation.question_skill import (
    baseline_words,
    by_origin_state,
    paired_skill,
    reliability_by_family,
    skill_table,
)
from forecast.evaluation.skill import path_gain
from forecast.files import json_text, write_csv
from forecast.models import get_model
from forecast.models.events import NUCLEAR_CANDIDATES, NuclearRate
from forecast.models.state_catalog import DEFAULT_TRANSITIONS, TRANSITION_MODELS
from forecast.present import percent_interval, signed_percent
from forecast.simulation import state_paths

#: Cutoffs of the strict backtest (every month of the span; the count families every
#: :data:`COUNT_EVERY` months: every month too, as the state families, since 2026-12-06).
STRICT_SPAN = ("2000-01", "2024-12")
COUNT_EVERY = 1

#: Root seed of the strict backtest (that of the evaluation protocol).
STRICT_SEED = 20251231

#: The nuclear model of the outlook, by its name in ``NUCLEAR_CANDIDATES`` (the one
#: :data:`forecast.runs.OUTLOOK_NUCLEAR` configures).
OUTLOOK_NUCLEAR_NAME = "half_life_28"

#: Where the tables go (``write_strict``) and the folds are cached, by default.
TABLES_DIR = Path("docs/evaluation")
CACHE_DIR = Path("out/question-backtest/folds")


@dataclass
class StrictResult:
    """Scored answers of the strict question backtest and its tables.

    Attributes
    ----------
    answers : DataFrame
        One row per cutoff, family and source (a model or a naive answer): ``answer``,
        ``outcome``, ``score``.
    months : DataFrame
        The count folds' CRPS of every forecast month along every state path.
    tables : dict of str to DataFrame
        ``questions`` (skill per family and ``overall``), ``question_reliability``,
        ``questions_models`` (every state and nuclear model), ``questions_persist``
        (the unconditional forecast against the state held), ``nuclear``.
    settings : dict
        Cutoffs, seeds, sampler settings, defaults; ``seconds`` (this run's wall time) and
        ``count_fold_seconds`` (the count folds' own time, cached ones included).
    """

    answers: pd.DataFrame
    months: pd.DataFrame
    tables: dict
    settings: dict


def _families(group: str) -> list[str]:
    return [f["id"] for f in FAMILIES if f["group"] == group]


def default_models(transitions: str, nuclear: str) -> dict[str, str]:
    """The source that answers each family in the headline table."""
    models = {f: transitions for f in _families("state")}
    models |= {f: f"{COUNT_MODEL}:{transitions}" for f in _families("count")}
    models |= {f: nuclear for f in _families("nuclear")}
    return {f["id"]: models[f["id"]] for f in FAMILIES}


def candidates_table(answers: pd.DataFrame, n_boot: int, seed: int) -> pd.DataFrame:
    """Skill of every state model (state and count families) and every nuclear model against
    each family's strongest naive answer, and the default's skill against each candidate
    (``default_vs``, paired on the same cutoffs, with its 90% interval)."""
    default = default_models(DEFAULT_TRANSITIONS, OUTLOOK_NUCLEAR_NAME)
    frames = []
    for name in TRANSITION_MODELS:
        models = {f: name for f in _families("state")}
        models |= {f: f"{COUNT_MODEL}:{name}" for f in _families("count")}
        table = skill_table(answers, models, n_boot, seed)
        frames.append(_versus(table, answers, default, models, n_boot, seed, name))
    for name in NUCLEAR_CANDIDATES:
        models = dict.fromkeys(_families("nuclear"), name)
        table = skill_table(answers, models, n_boot, seed)
        table = table[table["family"] != "overall"]
        frames.append(_versus(table, answers, default, models, n_boot, seed, name))
    table = pd.concat(frames, ignore_index=True)
    nuclear = table["family"].isin(_families("nuclear"))
    table.insert(0, "kind", np.where(nuclear, "nuclear", "transitions"))
    return table


def _versus(table, answers, default: dict, models: dict, n_boot: int, seed: int, name: str):
    """``table`` with its candidate's name and the default's paired skill against it."""
    values = np.array(
        [
            paired_skill(answers, f, default[f], models[f], n_boot, seed)
            if f in models
            else (np.nan, np.nan, np.nan)
            for f in table["family"]
        ],
        dtype=float,
    )
    table = table.assign(
        default_vs=values[:, 0], default_vs_lo=values[:, 1], default_vs_hi=values[:, 2]
    )
    table.insert(0, "candidate", name)
    return table


def persist_table(months: pd.DataFrame, n_boot: int, seed: int, since=None) -> pd.DataFrame:
    """The unconditional forecast (each state model's paths) against the state held: mean CRPS
    of launch days by horizon band, and the gain ``1 - path / persist`` with a block-bootstrap
    90% interval over cutoffs."""
    frame = months.assign(band=months["horizon"].map(band_of))
    frame["cutoff"] = pd.PeriodIndex(frame["cutoff"], freq="M").to_timestamp()
    if since is not None:
        frame = frame[frame["cutoff"] >= pd.Period(since, "M").to_timestamp()]
    rows = []
    for band, part in frame.groupby("band", sort=False):
        wide = part.pivot_table(
            index=["cutoff", "horizon"], columns="path", values="crps", aggfunc="first"
        )
        for path in [c for c in wide.columns if c != "persist"]:
            since_label = str(since or frame["cutoff"].min().strftime("%Y-%m"))
            rows.append({"since": since_label, "band": band, **path_gain(wide, path, n_boot, seed)})
    return pd.DataFrame(rows)


def blend_table(weights: dict[str, pd.Series]) -> pd.DataFrame:
    """The past-only weight on each state model's paths in the blend with the state held
    (:func:`~forecast.evaluation.path_blend.blend_weights` by path), at every count cutoff
    and (the last forecast month) for a forecast made from there."""
    parts = [
        pd.DataFrame({"path": path, "cutoff": [str(c) for c in w.index], "weight": w.to_numpy()})
        for path, w in weights.items()
    ]
    return pd.concat(parts, ignore_index=True)


def nuclear_table(answers: pd.DataFrame, panel: pd.DataFrame, n_boot: int, seed: int):
    """The nuclear candidates: Brier score, skill against the strongest naive answer and
    against the outlook's current model, and P(a test in the 12 months after the data)."""
    family = _families("nuclear")[0]
    rows = []
    last = pd.Period(pd.to_datetime(panel["month"]).max(), "M")
    fitted = nuclear_answers_at(panel, last)
    for name in NUCLEAR_CANDIDATES:
        table = skill_table(answers, {family: name}, n_boot, seed).iloc[0]
        paired = paired_skill(answers, family, name, OUTLOOK_NUCLEAR_NAME, n_boot, seed)
        rows.append(
            {
                "model": name,
                "n": table["n"],
                "brier": table["brier"],
                "baseline": table["baseline"],
                "baseline_score": table["baseline_score"],
                "skill": table["skill"],
                "skill_lo": table["skill_lo"],
                "skill_hi": table["skill_hi"],
                "mean_answer": table["mean_answer"],
                "frequency": table["frequency"],
                "skill_vs_kept": paired[0],
                "skill_vs_kept_lo": paired[1],
                "skill_vs_kept_hi": paired[2],
                "p_next_12": fitted[name],
                "kept": name == OUTLOOK_NUCLEAR_NAME,
            }
        )
    return pd.DataFrame(rows)


def nuclear_answers_at(panel: pd.DataFrame, last: pd.Period, seed: int = 1) -> dict:
    """Each candidate's P(a test in the 12 months after ``last``), fitted on the data to it
    (the state by state model follows paths of the outlook's state model)."""
    rows = panel[month_periods(panel) <= last]
    chain = TRANSITION_MODELS[DEFAULT_TRANSITIONS](random_seed=seed).fit(rows)
    months = pd.period_range(last + 1, periods=12, freq="M")
    paths = state_paths(chain, months, 2000, seed)
    out = {}
    for name, priors in NUCLEAR_CANDIDATES.items():
        model = NuclearRate(priors or None, random_seed=seed).fit(rows)
        out[name] = model.p_any(12, states=paths if model.priors["by_state"] else None)
    return out


def nuclear_finding(table: pd.DataFrame) -> str:
    """One paragraph: which nuclear-test model the outlook keeps, and why (from the table)."""
    by = table.set_index("model")
    kept = by.loc[OUTLOOK_NUCLEAR_NAME]
    best = by["brier"].idxmin()
    words = {
        "half_life_28": "the 28-month half-life",
        "constant": "a constant rate since 1990",
        "by_state": "a constant rate in each state group (talks / no talks)",
    }
    scores = "; ".join(
        f"{words[m]} {r['brier']:.4f} (skill {signed_percent(r['skill'])} "
        f"{percent_interval(r['skill_lo'], r['skill_hi'])}; P(a test in the 12 months after "
        "the data) "
        f"{r['p_next_12']:.2f})"
        for m, r in by.iterrows()
    )
    if best == OUTLOOK_NUCLEAR_NAME:
        why = "it has the lowest Brier score"
    else:
        r = by.loc[best]
        why = (
            f"{words[best]} scores {signed_percent(r['skill_vs_kept'])} against it, paired on "
            "the same cutoffs (90% interval "
            f"{percent_interval(r['skill_vs_kept_lo'], r['skill_vs_kept_hi'])}). The six tests "
            "of 2006-2017 cannot separate the rules, so the rule already in use stays"
        )
        if best == "by_state":
            why += (
                ". A rate by state would also need every simulation to pass its state path to "
                "the nuclear model; the simulation does not, so the outlook's nuclear tests carry "
                "no state term"
            )
    return (
        f"P(a nuclear test within 12 months), asked at every month {table.attrs.get('span', '')} "
        f"({int(kept['n'])} cutoffs; a test came within 12 months after "
        f"{kept['frequency']:.0%} of them), each rule fitted on the months up to the cutoff. "
        f"Brier scores, with the skill against the strongest naive answer ("
        f"{baseline_words(kept['baseline'], 'nuclear-12m')}, {kept['baseline_score']:.4f}) and "
        f"its 90% block-bootstrap interval: {scores}. The outlook keeps "
        f"{words[OUTLOOK_NUCLEAR_NAME]}: {why}. Wherever P(nuclear test) is reported, the other "
        "two rules' figures are shown beside it."
    )


def cutoff_states(panel: pd.DataFrame) -> pd.Series:
    """The negotiation state of every panel month, indexed by ``YYYY-MM`` (as cutoffs are)."""
    return pd.Series(
        panel["state"].astype(str).to_numpy(), index=month_periods(panel).strftime("%Y-%m")
    )


def strict_backtest(
    panel: pd.DataFrame,
    span: tuple[str, str] = STRICT_SPAN,
    every: int = COUNT_EVERY,
    seed: int = STRICT_SEED,
    settings: FoldSettings | None = None,
    cache: str | Path = CACHE_DIR,
    n_boot: int = 2000,
    count: bool = True,
    progress: bool = True,
) -> StrictResult:
    """Run the strict question backtest (module docstring).

    Parameters
    ----------
    panel : DataFrame
        The whole monthly panel.
    span : (str, str)
        First and last cutoff month.
    every : int
        Months between the cutoffs of the count families.
    seed : int
        Root seed of every fit and simulation.
    settings : FoldSettings, optional
        Sampler settings of the count folds (default: the ``backtest`` preset, ``seed``).
    cache : str or Path
        Folder of the count folds (read when present, see :func:`question_folds.count_folds`).
    n_boot : int
        Bootstrap resamples.
    count : bool
        Run the count families (False: state and nuclear families only, a minute).
    progress : bool
        One line per count fold on stderr.

    Returns
    -------
    StrictResult
    """
    started = time.perf_counter()
    monthly = regular_cutoffs(*span, 1)
    counted = regular_cutoffs(*span, every) if count else []
    settings = settings or FoldSettings(seed=seed)
    parts = [
        state_answers(panel, monthly, seed=seed),
        nuclear_answers(panel, monthly, seed=seed),
    ]
    months = pd.DataFrame(columns=["cutoff", "horizon", "path", "observed", "crps"])
    count_naive = None
    count_seconds = 0.0
    if counted:
        folds, months = count_folds(panel, counted, settings, cache, progress)
        count_seconds = fold_seconds(folds)
        count_naive = folds[folds["source"] == "recent_rate"]
        parts.append(folds[folds["source"] != "recent_rate"].drop(columns="seconds"))
    answers = scored(pd.concat(parts, ignore_index=True))
    by_family = {f["id"]: (counted if f["group"] == "count" else monthly) for f in FAMILIES}
    naive = naive_answers(panel, by_family, count_naive)
    answers = pd.concat([answers, naive], ignore_index=True)
    models = default_models(DEFAULT_TRANSITIONS, OUTLOOK_NUCLEAR_NAME)
    models = {f: m for f, m in models.items() if f in set(answers["family"])}
    nuclear = nuclear_table(answers, panel, n_boot, seed)
    nuclear.attrs["span"] = f"{span[0]} to {span[1]}"
    tables = {
        "questions": skill_table(answers, models, n_boot, seed),
        "question_reliability": reliability_by_family(answers, models),
        "questions_models": candidates_table(answers, n_boot, seed),
        "questions_by_state": by_origin_state(answers, models, cutoff_states(panel)),
        "nuclear": nuclear,
    }
    if len(months):
        paths = sorted(p for p in months["path"].unique() if p.startswith("transition:"))
        weights = {p: blend_weights(months, p) for p in paths}
        blends = [blend_rows(months, p, weights[p]) for p in paths]
        with_blends = pd.concat([months, *blends], ignore_index=True)
        tables["questions_persist"] = pd.concat(
            [
                persist_table(with_blends, n_boot, seed),
                persist_table(with_blends, n_boot, seed, "2005-01"),
            ],
            ignore_index=True,
        )
        tables["questions_blend"] = blend_table(weights)
    meta = {
        "span": list(span),
        "monthly_cutoffs": len(monthly),
        "count_cutoffs": [str(c) for c in counted],
        "count_every": every,
        "seed": seed,
        "bootstrap": n_boot,
        "transitions": DEFAULT_TRANSITIONS,
        "nuclear": OUTLOOK_NUCLEAR_NAME,
        "count_model": COUNT_MODEL,
        "fold_settings": asdict(settings),
        "count_sampler": get_model(COUNT_MODEL).suited_sampler(fold_sampler(settings)).to_dict(),
        "models": models,
        # this run's wall time (count folds read from the cache cost nothing here) and the
        # count folds' own time, from the run that computed each (the cost from scratch)
        "seconds": round(time.perf_counter() - started, 1),
        "count_fold_seconds": round(count_seconds, 1),
    }
    return StrictResult(answers, months, tables, meta)


def write_strict(result: StrictResult, out: str | Path = TABLES_DIR) -> list[Path]:
    """Write the strict backtest's tables into ``out``: ``questions.csv``,
    ``question_reliability.csv``, ``questions_models.csv``, ``questions_by_state.csv`` (the
    state families by the state at the cutoff), ``questions_persist.csv`` (with
    the past-only blends of the paths with the state held), ``questions_blend.csv`` (their
    weights),
    ``nuclear.csv``, ``nuclear.md`` (the finding in words) and ``questions_settings.json``.

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in result.tables.items():
        path = out / f"{name}.csv"
        write_csv(table.round(6), path, index=False)
        written.append(path)
    finding = out / "nuclear.md"
    finding.write_text(
        "# Nuclear tests: which rule the outlook keeps\n\n"
        + nuclear_finding(result.tables["nuclear"])
        + "\n",
        encoding="utf-8",
    )
    settings = out / "questions_settings.json"
    settings.write_text(json_text(result.settings), encoding="utf-8")
    return [*written, finding, settings]


def backtested_half_life(folder: str | Path = TABLES_DIR) -> float | None:
    """The nuclear-test half-life (months) whose answers ``questions.csv`` in ``folder``
    scored for the ``nuclear-12m`` family (``inf``: a constant rate), or ``None`` when the
    table, the family or a half-life rule is missing (a rate by state has no single one)."""
    path = Path(folder) / "questions.csv"
    if not path.is_file():
        return None
    rows = pd.read_csv(path, usecols=["family", "model"])
    models = rows.loc[rows["family"] == "nuclear-12m", "model"].tolist()
    settings = NUCLEAR_CANDIDATES.get(models[0]) if models else None
    if settings is None or settings.get("by_state"):
        return None
    return float(settings.get("half_life", NuclearRate.default_priors["half_life"]))


def cadence(step: int) -> str:
    """How often cutoffs ``step`` months apart come, in words: ``every month``, ``every other
    month``, ``every third month``, ``every 6th month`` (one wording for the question backtest's
    cutoffs, in its span and in the report)."""
    step = int(step)
    named = {1: "every month", 2: "every other month", 3: "every third month"}
    if step in named:
        return named[step]
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(step % 10, "th")
    if step % 100 in (11, 12, 13):
        suffix = "th"
    return f"every {step}{suffix} month"


def question_span(folder: str | Path = TABLES_DIR) -> str:
    """The cutoffs the written question backtest in ``folder`` asked at, in words.

    "every month 2000-01 to 2024-12 (300 cutoffs; the launch families at 100 of them, every
    third month, to 2024-10)": the state and nuclear families are asked at every month of the
    span, the launch families (answered by the count model) at its ``count_cutoffs``; "" without
    the folder's ``questions_settings.json``.
    """
    path = Path(folder) / "questions_settings.json"
    if not path.is_file():
        return ""
    settings = json.loads(path.read_text(encoding="utf-8"))
    span = settings.get("span") or []
    if len(span) != 2:
        return ""
    words = f"every month {span[0]} to {span[1]}"
    monthly, counted = settings.get("monthly_cutoffs"), settings.get("count_cutoffs") or []
    if monthly and counted and len(counted) != monthly:
        step = settings.get("count_every")
        every = f", {cadence(step)}" if step else ""
        words += (
            f" ({monthly} cutoffs; the launch families at {len(counted)} of them{every}, "
            f"to {counted[-1]})"
        )
    return words


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m forecast.evaluation.strict_questions``: run the strict question backtest
    and write its tables (``make questions-backtest``)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--out", type=Path, default=TABLES_DIR, help="Folder of the tables.")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR, help="Folder of the count folds.")
    parser.add_argument("--from", dest="first", default=STRICT_SPAN[0], help="First cutoff.")
    parser.add_argument("--to", dest="last", default=STRICT_SPAN[1], help="Last cutoff.")
    parser.add_argument("--every", type=int, default=COUNT_EVERY, help="Count-family spacing.")
    parser.add_argument("--seed", type=int, default=STRICT_SEED, help="Root seed.")
    parser.add_argument("--bootstrap", type=int, default=2000, help="Bootstrap resamples.")
    parser.add_argument("--no-count", action="store_true", help="State and nuclear only.")
    parser.add_argument("--answers", type=Path, help="Also write every scored answer (CSV).")
    args = parser.parse_args(argv)
    try:
        panel = data.monthly_panel(data.load_tables())
        result = strict_backtest(
            panel,
            (args.first, args.last),
            args.every,
            args.seed,
            cache=args.cache,
            n_boot=args.bootstrap,
            count=not args.no_count,
        )
    except InputError as error:  # a bad data file or a cache of other folds: nothing written
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in write_strict(result, args.out):
        print(path, file=sys.stderr)
    if args.answers is not None:
        result.answers.to_csv(args.answers, index=False)
    table = result.tables["questions"]
    print(table[["family", "n", "baseline", "skill", "skill_lo", "skill_hi"]].to_string())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
