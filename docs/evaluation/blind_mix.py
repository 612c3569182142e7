"""The discounted chain averaged with a state-blind chain (issue 23; the default since 2026-12-08).

    .venv/bin/python docs/evaluation/blind_mix.py    # about 30 s

The strict question backtest (``make questions-backtest``) asks four state families at every
month 2000-01..2024-12. The state model of the outlook until 2026-12-08, the discounted chain,
scores +2.1 / +3.7 / +11.4% against the long-run base rate on a change within 3, 6 and 12
months, and -1.6% on talks resuming within 6 months: asked in no talks it answers 24% on
average where 12% came.
The long-run base rate knows no state. :class:`forecast.models.chains.BlindMixChain` averages
the discounted chain, row by row and with equal weights (nothing learned), with a chain that
knows no state either: every state leaves at the pooled monthly rate, for the other states
in proportion to the entries into them (:func:`forecast.models.chains.blind_alpha`).

Both models are fitted at every cutoff on the months up to it, with the backtest's own code
and seeds (:func:`forecast.evaluation.question_answers.state_answers`, root seed 1, as
``make questions-backtest``). Each is scored against each family's strongest naive answer
(:func:`forecast.evaluation.question_skill.skill_table`; ``overall`` here is the mean of the
four state families only), and the mix against the discounted chain on the same cutoffs
(:func:`forecast.evaluation.question_skill.paired_skill`), with 90% moving-block bootstrap
intervals. The table goes to ``blind_mix.csv`` beside this file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.data import load_tables, monthly_panel
from forecast.evaluation.question_answers import naive_answers, scored, state_answers
from forecast.evaluation.question_families import FAMILIES
from forecast.evaluation.question_skill import paired_skill, skill_table

HERE = Path(__file__).resolve().parent
MODELS = ("discounted", "blind_mix")
N_BOOT, SEED = 2000, 1


def main() -> None:
    panel = monthly_panel(load_tables())
    cutoffs = list(pd.period_range("2000-01", "2024-12", freq="M"))
    families = [f["id"] for f in FAMILIES if f["group"] == "state"]
    answers = scored(state_answers(panel, cutoffs, models=list(MODELS), seed=SEED))
    naive = naive_answers(panel, dict.fromkeys(families, cutoffs))
    table = pd.concat([answers, naive], ignore_index=True)
    rows = []
    for name in MODELS:
        skill = skill_table(table, dict.fromkeys(families, name), N_BOOT, SEED)
        for r in skill.to_dict("records"):
            versus = (
                paired_skill(table, r["family"], name, MODELS[0], N_BOOT, SEED)
                if r["family"] in families
                else (float("nan"),) * 3
            )
            rows.append(
                {
                    "model": name,
                    "family": r["family"],
                    "n": r["n"],
                    "frequency": r["frequency"],
                    "mean_answer": r["mean_answer"],
                    "brier": r["brier"],
                    "baseline": r["baseline"],
                    "baseline_score": r["baseline_score"],
                    "skill": r["skill"],
                    "skill_lo": r["skill_lo"],
                    "skill_hi": r["skill_hi"],
                    "vs_discounted": versus[0],
                    "vs_discounted_lo": versus[1],
                    "vs_discounted_hi": versus[2],
                }
            )
    out = pd.DataFrame(rows)
    out.round(4).to_csv(HERE / "blind_mix.csv", index=False)
    print(out.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
