"""Result tables rendered for the terminal.

Each function takes a table the package computed (a DataFrame) and returns a
:class:`rich.table.Table`; nothing here computes a number. The cells are plain text (the
console prints them with markup off).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pandas import NA
from rich.table import Table

from forecast.catalog import DEFAULT_MODEL, MODELS
from forecast.freshness import window_note
from forecast.present import chance, chances_in_brackets, interval_text, signed_percent

if TYPE_CHECKING:
    import pandas as pd


def _fmt(value, spec: str = "") -> str:
    """A cell: empty for a missing value, else ``format(value, spec)`` (text as it is)."""
    if value is None or value is NA or value != value:
        return ""
    return format(value, spec) if isinstance(value, int | float) else str(value)


def _table(title: str, columns: list[str], left: tuple[str, ...] = ()) -> Table:
    table = Table(title=title)
    for name in columns:
        # fold, never cut with an ellipsis: on a narrow terminal "icbm-2026h1" and
        # "icbm-2026-if-no-talks" must not both read "icbm-202..."
        table.add_column(name, justify="left" if name in left else "right", overflow="fold")
    return table


def models_table() -> Table:
    """The registered models, the default marked."""
    table = _table(
        "Registered models ('default' names the one marked *)",
        ["", "model", "kind", "description"],
        left=("", "model", "kind", "description"),
    )
    for name, entry in MODELS.items():
        table.add_row("*" if name == DEFAULT_MODEL else "", name, entry.kind, entry.description)
    return table


def effects_table(effects: pd.DataFrame) -> Table:
    """Rate ratios of the states against no talks (:meth:`BaseModel.state_effects`)."""
    by_class = "weapon_class" in effects
    columns = ["state", "rate ratio", "HDI low", "HDI high", "P(ratio < 1)"]
    table = _table(
        "Rate ratio vs no_talks (posterior mean, 94% HDI)",
        (["class"] if by_class else []) + columns,
        left=("class", "state"),
    )
    for row in effects.itertuples(index=False):
        cells = [row.weapon_class] if by_class else []
        cells += [
            row.state,
            f"{row.rate_ratio_mean:.2f}",
            f"{row.hdi_low:.2f}",
            f"{row.hdi_high:.2f}",
            "reference" if math.isnan(row.p_below_1) else f"{row.p_below_1:.2f}",
        ]
        table.add_row(*cells)
    return table


def totals_table(summary: pd.DataFrame, title: str) -> Table:
    """Scenario totals (:func:`forecast.summaries.totals`): mean, median, 80% interval,
    P(at least one), the simulations they rest on, and any caution."""
    columns = ["scenario", "mean", "median", "80% interval", "P(>=1)", "simulations"]
    caution = summary["caution"].astype(bool).any()
    table = _table(title, columns + (["caution"] if caution else []), left=("scenario", "caution"))
    for row in summary.itertuples(index=False):
        cells = [
            str(row.scenario),
            f"{row.mean:.1f}",
            f"{row.median:.0f}",
            interval_text(row.q10, row.q90),
            chance(row.p_any),
            f"{row.n:,}",
        ]
        table.add_row(*cells, *([row.caution] if caution else []))
    return table


def past_scores_table(summary: pd.DataFrame) -> Table:
    """Scenarios scored on the forecast months already observed
    (:func:`forecast.freshness.past_score_summary`, with its ``crps_total``)."""
    table = _table(
        "Scored on the forecast months now observed",
        [
            "scenario",
            "months",
            "observed",
            "expected",
            "months in their 80%",
            "CRPS per month",
            "CRPS of the total",
        ],
        left=("scenario",),
    )
    for row in summary.itertuples(index=False):
        table.add_row(
            str(row.scenario),
            str(row.months),
            f"{row.observed:.0f}",
            f"{row.expected:.1f}",
            f"{row.in_80:.0f}/{row.months}",
            f"{row.crps_per_month:.2f}",
            f"{row.crps_total:.2f}",
        )
    return table


def band_table(band: pd.DataFrame, n_cutoffs: int, target: str = "launch_days") -> Table:
    """A backtest's skill by horizon band, the state held at the cutoff."""
    from forecast.summaries import target_noun  # here: the light commands import this module

    noun = target_noun(target)
    table = _table(
        f"{noun[:1].upper()}{noun[1:]}: CRPS skill vs the best naive baseline by "
        f"horizon band ({n_cutoffs} cutoffs, state held at the cutoff; 90% bootstrap interval; "
        "randomised-PIT coverage of 80%)",
        ["model", "band", "CRPS", "skill", "90% interval", "PIT 80%", "baseline"],
        left=("model", "baseline"),
    )
    for row in band[band["state_path"] == "persist"].itertuples(index=False):
        # no skill where the best baseline was exact (CRPS 0: a few quiet months), nor a
        # bounded interval where some resample's baseline was
        bounds = (row.crps_skill, row.crps_skill_lo, row.crps_skill_hi)
        interval = (  # as the report and the README write skill: percent, "low to high"
            f"{signed_percent(row.crps_skill_lo)} to {signed_percent(row.crps_skill_hi)}"
            if all(math.isfinite(b) for b in bounds)
            else ""
        )
        table.add_row(
            row.model,
            row.band,
            f"{row.crps:.3f}",
            signed_percent(row.crps_skill) if math.isfinite(row.crps_skill) else "n/a",
            interval,
            f"{row.pit_cov_80:.2f}",
            str(row.crps_baseline),
        )
    return table


def contrasts_table(contrasts: pd.DataFrame) -> Table:
    """State contrasts by training window."""
    table = _table(
        "Rate ratio vs no talks (94% HDI) and 12-month total with the state held",
        ["since", "state", "rate ratio", "HDI", "expected total", "80% interval"],
        left=("since", "state"),
    )
    for row in contrasts.itertuples(index=False):
        table.add_row(
            row.since,
            row.state,
            f"{row.rate_ratio:.2f}",
            f"{row.hdi_low:.2f}..{row.hdi_high:.2f}",
            f"{row.expected_total:.1f}",
            f"{row.total_q10:g}..{row.total_q90:g}",
        )
    return table


def answer_text(row) -> str:
    """One answered question in words: a probability, a date's quantiles, or a number's."""
    if row.probability == row.probability:
        return chance(row.probability)
    if row.answer_type == "date":
        return f"{row.by_month}; none in the window {chance(row.p_none)}"
    return f"{row.mean:.1f} (80%: {row.q10:g} to {row.q90:g})"


def answers_table(
    answers: pd.DataFrame, title: str, today=None, other_rules: dict | None = None
) -> Table:
    """Answered questions; an answer whose window today has reached is marked as the report
    marks it (:func:`forecast.freshness.window_note`); ``other_rules``: by question, the other
    nuclear-test rules' answers, given in brackets after the run's as the report gives them
    (:meth:`forecast.nuclear_rules.NuclearRules.others_at`)."""
    table = _table(title, ["question", "type", "answer"], left=("question", "type", "answer"))
    for row in answers.itertuples(index=False):
        note = window_note(row.window_start, row.window_end, row.data_as_of, today)
        text = answer_text(row)
        if row.question in (other_rules or {}):
            text += chances_in_brackets(other_rules[row.question])
        text += f" ({note})" if note else ""
        table.add_row(str(row.question), str(row.type), text)
    return table


def ledger_table(ledger: pd.DataFrame, runs) -> Table:
    """Frozen forecasts of run folders, scored on the months observed since."""
    headers = ["run", "model", "fit", "target", "months", "observed", "CRPS", "Brier", "in 80%"]
    headers += ["status"]
    table = _table(
        f"Forecast ledger ({runs}): persist scenario, 12 months",
        headers,
        left=tuple(h for h in headers if h not in ("observed", "CRPS", "Brier")),
    )
    for row in ledger.itertuples(index=False):
        months = (
            "" if row.first_month != row.first_month else f"{row.first_month}..{row.last_month}"
        )
        table.add_row(
            str(row.run),
            _fmt(row.model),
            _fmt(row.verdict),
            _fmt(row.target),
            months,
            _fmt(row.observed, ".0f"),
            _fmt(row.crps, ".3f"),
            _fmt(row.brier_any, ".3f"),
            "" if row.in_80 != row.in_80 else f"{row.in_80:.0f}/{row.observed:.0f}",
            str(row.status),
        )
    return table


def track_record_table(record: pd.DataFrame, folder) -> Table:
    """Answered questions and how they resolved (the months each answer is about beside it)."""
    headers = ["folder", "question", "window", "type", "answer", "status", "outcome"]
    headers += ["Brier", "CRPS"]
    table = _table(f"Answered questions ({folder})", headers, left=tuple(headers))
    for name in ("folder", "question", "window"):  # ids and months read whole, never folded
        table.columns[headers.index(name)].no_wrap = True
    for row in record.itertuples(index=False):
        table.add_row(
            str(row.folder),
            str(row.question),
            str(row.window),
            str(row.type),
            _fmt(row.answer, ".2f"),
            str(row.status),
            _fmt(row.outcome),
            _fmt(row.brier, ".3f"),
            _fmt(row.crps, ".2f"),
        )
    return table


def backfilled_summary_table(summary: pd.DataFrame, folder, origins: list[str]) -> Table:
    """A backfilled track record by question (:func:`forecast.track_record.track_record_summary`):
    how many answers resolved, their mean Brier score or CRPS, and the Brier skill against the
    long-run base rate."""
    headers = ["question", "type", "asked", "resolved", "waiting", "annulled", "Brier"]
    headers += ["base-rate Brier", "skill", "CRPS"]
    span = f"{origins[0]}..{origins[-1]}" if origins else "no origin"
    table = _table(
        f"Backfilled track record ({folder}): {len(origins)} origins, {span}",
        headers,
        left=("question", "type"),
    )
    table.columns[0].no_wrap = True
    for row in summary.itertuples(index=False):
        table.add_row(
            str(row.question),
            str(row.type),
            _fmt(row.asked, ".0f"),
            _fmt(row.resolved, ".0f"),
            _fmt(row.waiting, ".0f"),
            _fmt(row.annulled, ".0f"),
            _fmt(row.brier, ".3f"),
            _fmt(row.brier_base, ".3f"),
            "" if row.skill != row.skill else signed_percent(row.skill),
            _fmt(row.crps, ".2f"),
        )
    return table
