"""The index page's sections on how far to trust the numbers: the backtest's skill and
calibration, the coding sensitivity, the questions backtested and the track record. Each reads
the tables that ``make skill``, ``make sensitivity`` and ``make track-record`` keep in
``docs/`` and states them in a table and in sentences computed from them."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from forecast.catalog import BASELINES
from forecast.evaluation import read_summary
from forecast.evaluation.ablation import ablation_findings
from forecast.evaluation.findings import (
    band_sentence,
    evidence_findings,
    held_state_rows,
    skill_findings,
)
from forecast.evaluation.question_skill import question_findings
from forecast.evaluation.totals import totals_findings
from forecast.models import DEFAULT_MODEL
from forecast.plots import plot_skill
from forecast.present import with_interval
from forecast.report.context import (
    EVALUATION_DIR,
    SENSITIVITY_DIR,
    TRACK_RECORD_DIR,
    ReportContext,
    figure_to_data_uri,
)
from forecast.report.state_skill_charts import skill_spec
from forecast.report.vega import chart_html
from forecast.sensitivity import read_sensitivity
from forecast.sensitivity_findings import sensitivity_findings, sensitivity_html
from forecast.track_record import track_record_tables


def trust_section(ctx: ReportContext, folder: Path = EVALUATION_DIR) -> str:
    """How far to trust the numbers: the full backtest's skill, calibration and the evidence
    for the state effect, for the run's model, in a table and in words."""

    if not (folder / "settings.json").is_file():
        return ""
    tables, settings = read_summary(folder)
    model = ctx.model.name if ctx.has_outlook else DEFAULT_MODEL
    cutoffs = settings.get("cutoffs") or []
    span = (
        f"{len(cutoffs)} monthly cutoffs {cutoffs[0][:7]} to {cutoffs[-1][:7]}" if cutoffs else ""
    )
    head = (
        '<h2 id="trust">How far to trust these numbers</h2>\n'
        f"<p>The same model was fitted at each of {span} on the data up to it and scored on the "
        "months that followed (the state held at the cutoff, as a user forecasts; CRPS of "
        "launch days, lower is better). Skill is the share by which its error is below the best "
        "naive forecast's, with a 90% block-bootstrap interval. Details: notebook 05.</p>"
    )
    band = tables["by_band"]
    rows = held_state_rows(band, model)
    if rows.empty:
        return head + f"<p>The evaluation does not cover <code>{html.escape(model)}</code>.</p>"
    skill = with_interval(
        rows["crps_skill"], rows["crps_skill_lo"], rows["crps_skill_hi"], 1, percent=True
    )
    table = pd.DataFrame(
        {
            "Months ahead": rows["band"].to_numpy(),
            "Skill vs the best naive forecast (90% interval)": skill.to_numpy(),
            "Best naive forecast": rows["crps_baseline"].to_numpy(),
            "Outcomes inside the 80% interval": [f"{x:.1%}" for x in rows["pit_cov_80"]],
        }
    )
    words = skill_findings(band, model, tables.get("by_era"))
    if "totals" in tables:  # the headline's own quantity: the total over the window
        words += totals_findings(tables["totals"], model)
    if "evidence" in tables:
        words += evidence_findings(tables["evidence"], tables.get("after_changes"), model)
    words += _other_protocols(folder, model)
    items = "\n".join(f"<li>{html.escape(w)}</li>" for w in words)
    return (
        head
        + table.to_html(index=False, border=0, table_id="trust-table", escape=True)
        + f'\n<ul id="trust-words">\n{items}\n</ul>\n'
        + _skill_chart(band, model)
    )


def _other_protocols(folder: Path, model: str) -> list[str]:
    """Sentences on the protocols kept beside the main one: missiles (``make skill``) and the
    daily model with its ablation (``make skill-daily``)."""

    words = []
    if (folder / "missiles" / "settings.json").is_file():
        tables, _ = read_summary(folder / "missiles")
        words += band_sentence(tables["by_band"], model, "Scored on CNS missile counts instead")
        if "totals" in tables:
            words += totals_findings(tables["totals"], model, unit="missiles")
    if (folder / "daily" / "settings.json").is_file():
        tables, settings = read_summary(folder / "daily")
        n = len(settings.get("cutoffs") or [])
        words += band_sentence(
            tables["by_band"], "daily_exciting", f"The daily model, on {n} cutoffs every 6 months"
        )
        words += band_sentence(tables["by_band"], model, f"On the same {n} cutoffs")
        if "ablation" in tables:
            words += ablation_findings(tables["ablation"])
    return words


def sensitivity_section(ctx: ReportContext, folder: Path = SENSITIVITY_DIR) -> str:
    """How the documented alternative codings of the negotiation states move the numbers:
    the panel ``make sensitivity`` wrote (table, sentences), with what it was made from."""

    if not (folder / "sensitivity.csv").is_file():
        return ""
    table = read_sensitivity(folder)
    made = table.attrs
    model = made.get("model", "the default model")
    note = ""
    if ctx.has_outlook and ctx.model.name != model:
        note = (
            f" It was made with <code>{html.escape(model)}</code>, not this report's "
            f"<code>{html.escape(ctx.model.name)}</code>."
        )
    items = "\n".join(f"<li>{html.escape(w)}</li>" for w in sensitivity_findings(table))
    return (
        '<h2 id="sensitivity">How much the coding of the negotiation states matters</h2>\n'
        "<p>The negotiation states are coded by hand, and some periods could be read either "
        "way (<code>datasets/CODING_NOTES.md</code>, the alternatives in "
        "<code>datasets/coding_alternatives.csv</code>). Here the model is refitted once per "
        "alternative, with the same seed and sampler, and the scenarios are simulated again; "
        "a difference of a few tenths is within the noise of a refit. Made by "
        f"<code>make sensitivity</code> ({html.escape(str(made.get('preset', '')))} preset, "
        f"seed {html.escape(str(made.get('seed', '')))}); the rows are in "
        f"<code>coding_sensitivity.csv</code>.{note}</p>\n"
        + sensitivity_html(table)
        + f'\n<ul id="sensitivity-words">\n{items}\n</ul>'
    )


def _skill_chart(band: pd.DataFrame, model: str) -> str:
    """The skill of the run's model by horizon band beside the other candidate models and the
    ceiling (an oracle that knows the next 12 months' mean), naive baselines left out."""
    held = band[band["state_path"] == "persist"] if "state_path" in band else band
    others = [
        m
        for m in dict.fromkeys(held["model"])
        if m != model and m not in BASELINES and not m.startswith("oracle")
    ]
    models = [model, *others, *(["oracle_12"] if "oracle_12" in set(held["model"]) else [])]
    rows = pd.concat([held[held["model"] == m] for m in models], ignore_index=True)
    static = figure_to_data_uri(
        plot_skill(
            rows,
            by="band",
            models=models,
            title="CRPS skill against the best naive forecast, state held at the cutoff "
            "(90% block-bootstrap interval)",
        ).figure
    )
    return chart_html(
        "skill-chart",
        skill_spec(rows, model),
        static=f'<img id="skill" alt="Skill by horizon band with its interval" src="{static}">',
        caption=f"Point at a model for its numbers; <code>{html.escape(model)}</code> is drawn "
        "larger"
        + (
            ", <code>oracle_12</code> (which knows the next 12 months' mean) is the ceiling."
            if "oracle_12" in models
            else "."
        ),
    )


def questions_section(
    ctx: ReportContext, folder: Path = EVALUATION_DIR, record: Path = TRACK_RECORD_DIR
) -> str:
    """The forecast questions scored out of sample: the strict question backtest (question
    families asked at every cutoff, against the strongest naive answer) and the backfilled
    track record of the shipped questions, each in a table and in words."""

    path = folder / "questions.csv"
    if not path.is_file():
        return ""
    table = pd.read_csv(path)
    families = table[table["family"] != "overall"]
    skill = [
        f"{r.skill:+.1%} [{r.skill_lo:+.1%}, {r.skill_hi:+.1%}]" for r in families.itertuples()
    ]
    shown = pd.DataFrame(
        {
            "Question (asked at every cutoff)": families["title"].to_numpy(),
            "Cutoffs": families["n"].astype(int).to_numpy(),
            "Score": [
                f"{'Brier' if r.score_kind == 'brier' else 'CRPS'} "
                f"{(r.brier if r.score_kind == 'brier' else r.crps):.3f}"
                for r in families.itertuples()
            ],
            "Strongest naive answer": [
                f"{r.baseline} {r.baseline_score:.3f}" for r in families.itertuples()
            ],
            "Skill (90% interval)": skill,
        }
    )
    items = "\n".join(f"<li>{html.escape(w)}</li>" for w in question_findings(table))
    parts = [
        '<h2 id="questions-backtested">The questions, backtested</h2>',
        "<p>Questions like the shipped ones, asked at every past cutoff and answered as the "
        "workbench would have answered them then (the count model and the outlook models "
        "fitted on the data up to the cutoff), scored once resolved: Brier score for a "
        "probability, CRPS for a count. Skill is against the strongest naive answer in "
        "hindsight (a base rate, or the recent rate), positive = better, with a 90% "
        "block-bootstrap interval. Tables: <code>docs/evaluation/questions.csv</code>; "
        "details: notebook 05.</p>",
        shown.to_html(index=False, border=0, table_id="questions-skill", escape=True),
        f'<ul id="questions-words">\n{items}\n</ul>',
    ]
    nuclear = folder / "nuclear.md"
    if nuclear.is_file():
        text = " ".join(
            line for line in nuclear.read_text(encoding="utf-8").splitlines()[1:] if line
        )
        parts.append(f'<p id="nuclear-rule">{html.escape(text)}</p>')
    if (record / "record.csv").is_file():
        summary = track_record_tables(record)["summary"]
        parts += [
            '<h3 id="track-record">The track record (backfilled)</h3>',
            "<p>The shipped questions asked at each quarter-end since 2010, answered by the "
            "default model fitted on the data up to each origin, frozen, then resolved and "
            "scored: a record made in hindsight with the code of today (<b>backfilled</b>, "
            "not forecasts made at the time). Brier score against the base rate known at the "
            "origin; <code>forecast ledger --answers docs/track_record</code> prints it.</p>",
            readable_table(summary).to_html(
                index=False, border=0, table_id="track-record-table", escape=True, na_rep=""
            ),
        ]
    return "\n".join(parts)


def readable_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The track record's summary with probabilities and scores rounded for reading."""
    shown = summary.copy()
    for column in shown.select_dtypes("float").columns:
        shown[column] = shown[column].map(lambda v: "" if v != v else f"{v:.3f}")
    return shown
