"""A past-only choice or mix of the nuclear-test rules, tried for issue 23 (not shipped).

    .venv/bin/python docs/evaluation/nuclear_choice.py    # about 10 s

The question backtest (``nuclear.md``) scores three rules for P(a nuclear test within 12
months) at every month 2000-01..2024-12; the outlook keeps the 28-month half-life, the rule in
use, because the six tests of 2006-2017 cannot separate them. A reader may ask why the rule is
not picked by its score. Picked in hindsight, that would be the rule by state (Brier 0.187
against 0.188). Here each cutoff instead uses only the windows resolved by then, that is
cutoffs at least 12 months earlier:

- ``prequential_choice``: the rule with the lowest mean Brier score on those windows;
- ``inverse_brier_mix``: the rules' answers weighted by the inverse of those means;
- ``equal_mix``: the three answers averaged (nothing learned).

During the first 12 cutoffs, before any window has resolved, the choice and the inverse-Brier
mix give the rule in use. Each rule is refitted at each cutoff on the data up to it
(:func:`forecast.evaluation.strict_questions.nuclear_answers_at`, seed 1). Each is scored
against the rule in use, paired on the same cutoffs, with the package's 90% moving-block
bootstrap (:func:`forecast.evaluation.question_skill.paired_skill`). The table goes to
``nuclear_choice.csv`` beside this file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from forecast.data import load_tables, monthly_panel
from forecast.evaluation.question_families import BY_ID, outcome_at
from forecast.evaluation.question_skill import paired_skill
from forecast.evaluation.strict_questions import OUTLOOK_NUCLEAR_NAME, nuclear_answers_at

HERE = Path(__file__).resolve().parent
FAMILY = "nuclear-12m"
LAG = BY_ID[FAMILY]["months"]  # a window is resolved this many months after its cutoff


def answers(panel: pd.DataFrame) -> pd.DataFrame:
    """Each rule's answer at every cutoff 2000-01..2024-12, and whether a test came (the
    backtest's own resolution of the family)."""
    rows = []
    for cutoff in pd.period_range("2000-01", "2024-12", freq="M"):
        came = int(outcome_at(BY_ID[FAMILY], cutoff, panel))
        rows.append({"cutoff": cutoff, **nuclear_answers_at(panel, cutoff, seed=1), "came": came})
    return pd.DataFrame(rows)


def combined(table: pd.DataFrame, rules: list[str]) -> dict[str, np.ndarray]:
    """The past-only choice, the inverse-Brier mix and the equal mix at every cutoff."""
    came = table["came"].to_numpy()
    briers = {r: (table[r].to_numpy() - came) ** 2 for r in rules}
    choice, mix = [], []
    for i in range(len(table)):
        resolved = max(0, i - LAG + 1)  # cutoffs 0..i-12 have resolved windows
        if resolved == 0:
            kept = table[OUTLOOK_NUCLEAR_NAME].iloc[i]
            choice.append(kept)
            mix.append(kept)
            continue
        means = {r: briers[r][:resolved].mean() for r in rules}
        choice.append(table[min(means, key=means.get)].iloc[i])
        weights = np.array([1 / means[r] for r in rules])
        mix.append(float(np.dot(weights / weights.sum(), table[rules].iloc[i])))
    return {
        "prequential_choice": np.array(choice),
        "inverse_brier_mix": np.array(mix),
        "equal_mix": table[rules].mean(axis=1).to_numpy(),
    }


def main() -> None:
    panel = monthly_panel(load_tables())
    table = answers(panel)
    rules = [c for c in table.columns if c not in ("cutoff", "came")]
    candidates = {**{r: table[r].to_numpy() for r in rules}, **combined(table, rules)}
    came = table["came"].to_numpy()
    errors = {name: (answer - came) ** 2 for name, answer in candidates.items()}
    scored = pd.concat(
        pd.DataFrame(
            {
                "family": FAMILY,
                "source": name,
                "cutoff": table["cutoff"].astype(str),
                "score": error,
            }
        )
        for name, error in errors.items()
    )
    rows = []
    for name, answer in candidates.items():
        skill, lo, hi = paired_skill(scored, FAMILY, name, OUTLOOK_NUCLEAR_NAME, 2000, 1)
        rows.append(
            {
                "candidate": name,
                "brier": float(errors[name].mean()),
                "skill_vs_kept": skill,
                "skill_vs_kept_lo": lo,
                "skill_vs_kept_hi": hi,
                "mean_answer": float(answer.mean()),
                "answer_at_last_cutoff": float(answer[-1]),
            }
        )
    out = pd.DataFrame(rows)
    out.round(4).to_csv(HERE / "nuclear_choice.csv", index=False)
    print(f"{len(table)} cutoffs, a test within 12 months after {came.mean():.1%} of them")
    print(out.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
