"""The index page's sections on how far to trust the numbers: the backtest's skill and
calibration, the coding sensitivity, the questions backtested and the track record. Each reads
the tables that ``make skill``, ``make sensitivity`` and ``make track-record`` keep in
``docs/`` and states them in a table and in sentences computed from them."""

from __future__ import annotations

import html
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from forecast.catalog import ABLATION_OF, BASELINES, MODELS
from forecast.constants import FROZEN_FILE
from forecast.evaluation import read_summary
from forecast.evaluation.ablation import ablation_findings, kept_pairs, left_out_together
from forecast.evaluation.daily_protocols import DAILY_MODEL, daily_findings, kept_daily_protocols
from forecast.evaluation.findings import (
    band_sentence,
    evidence_findings,
    held_state_rows,
    skill_findings,
)
from forecast.evaluation.question_families import BY_ID
from forecast.evaluation.question_skill import (
    baseline_words,
    origin_state_findings,
    question_findings,
)
from forecast.evaluation.strict_questions import cadence, question_span
from forecast.evaluation.totals import interval_caveat, totals_findings
from forecast.models import DEFAULT_MODEL
from forecast.plots import plot_family_reliability, plot_reliability, plot_skill
from forecast.present import (
    and_list,
    counted,
    month_span,
    percent_interval,
    signed_percent,
    with_interval,
)
from forecast.questions import reliability_table
from forecast.questions.spec import parse_event
from forecast.report.context import (
    EVALUATION_DIR,
    SENSITIVITY_DIR,
    ReportContext,
    class_words,
    figure_to_data_uri,
    pct,
)
from forecast.report.state_skill_charts import skill_spec
from forecast.report.vega import chart_html
from forecast.runs import shown_folder
from forecast.sensitivity import read_sensitivity
from forecast.sensitivity_findings import sensitivity_findings, sensitivity_html
from forecast.track_record import (
    RECORDS_FILE,
    TRACK_RECORD_DIR,
    read_track_record,
    track_record_tables,
)


def interval_note(
    ctx: ReportContext, where: str, folder: Path = EVALUATION_DIR, lead: int = 0
) -> str:
    """Beside a table of 12-month totals: how the backtest found the run's model's 80% interval
    of a total (:func:`forecast.evaluation.totals.interval_caveat`; "" when it was calibrated,
    or the backtest does not cover the model). With ``lead``, the months between the data's end
    and the table's first month, it adds that the backtest did not score such forecasts."""
    path = Path(folder) / "totals.csv"
    if ctx.model is None or not path.is_file():
        return ""
    text = interval_caveat(
        pd.read_csv(path),
        ctx.model.name,
        brief=where != ctx.first_table,
        lead=lead,
        role="the run's count model",
    )
    if not text:
        return ""
    return f'<p id="interval-{where}" class="caution">{html.escape(text)}</p>'


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
            "80% interval coverage (randomised PIT)": [f"{x:.1%}" for x in rows["pit_cov_80"]],
            "Inside the printed 80% interval (ends included)": [
                f"{x:.1%}" for x in rows["coverage_80"]
            ],
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
    """Sentences on the protocols kept beside the main one: missiles (``make skill``), the
    default model's ablation (``make ablation``, with its lean form and its own 12-month
    totals), the comparisons of
    :data:`~forecast.evaluation.ablation.PAIR_FOLDERS` and the daily model's protocols with their
    ablations (:mod:`forecast.evaluation.daily_protocols`)."""

    words = []
    if (folder / "ablation" / "settings.json").is_file():
        tables, settings = read_summary(folder / "ablation")
        if "ablation" in tables:
            words.append(_ablation_lead(settings.get("cutoffs") or [], tables["ablation"]))
            words += ablation_findings(
                tables["ablation"], default=DEFAULT_MODEL, totals=tables.get("totals")
            )
    if (folder / "missiles" / "settings.json").is_file():
        tables, _ = read_summary(folder / "missiles")
        words += band_sentence(tables["by_band"], model, "Scored on CNS missile counts instead")
        if "totals" in tables:
            words += totals_findings(tables["totals"], model, unit="missiles")
    before = None  # the cutoffs of the daily protocol said before
    for _, tables, settings in kept_daily_protocols(folder):
        # the monthly model it was run beside: this page's, else the default
        models = settings.get("models", [])
        monthly = next((m for m in (model, DEFAULT_MODEL) if m in models), model)
        terms = list(dict.fromkeys(tables["ablation"]["term"])) if "ablation" in tables else []
        words.append(_daily_lead(settings, model, earlier_cutoffs=before, terms=terms))
        words += daily_findings(tables, settings, monthly)
        before = len(settings.get("cutoffs") or [])
    for tables, settings in kept_pairs(folder).values():
        words.append(_pairs_lead(settings.get("cutoffs") or [], tables["ablation"]))
        words += ablation_findings(tables["ablation"])
    return words


def _cutoffs_words(cutoffs: list[str], spacing: bool = False) -> str:
    """``240 cutoffs, 2005-01 to 2024-12`` (with ``spacing``: ``40 cutoffs every 6 months,
    ...``)."""
    months = pd.PeriodIndex(cutoffs, freq="M")
    where = f"{len(months)} cutoffs"
    if len(months) > 1:
        step = (months[1] - months[0]).n
        every = (f" every {step} months" if step > 1 else " every month") if spacing else ""
        where += f"{every}, {months[0]} to {months[-1]}"
    return where


def _ablation_lead(cutoffs: list[str], table: pd.DataFrame) -> str:
    """Where the default's terms were left out one at a time, and which were also left out
    together (:func:`~forecast.evaluation.ablation.left_out_together`)."""
    where = _cutoffs_words(cutoffs)
    models = ", ".join(sorted(set(table["model"])))
    lean = left_out_together(table)
    terms = and_list(dict.fromkeys(table.loc[~lean, "term"]))
    groups = "; ".join(
        f"the {term} terms were also left out together ({variant})"
        for term, variant in dict.fromkeys(
            zip(table.loc[lean, "term"], table.loc[lean, "variant"], strict=True)
        )
    )
    return (
        f"Each term of {models} ({terms}) was left out in turn and the variant backtested on "
        f"the same {where} (the state held at each cutoff){'; ' + groups if groups else ''}; "
        "the sentences below say what each term earns."
    )


#: A compared component named in words where its name alone would mislead: ``ar_level``
#: phases in the changes of state on a forecast's path too, and lacks only the phase-in of
#: the changes inside its fit.
PAIR_TERM_WORDS = {
    "phase-in": "phase-in of the changes of state inside its fit, while both phase in the "
    "changes on a forecast's path",
}


def _pairs_lead(cutoffs: list[str], table: pd.DataFrame) -> str:
    """Where models that differ by one component were scored against each other
    (:data:`forecast.catalog.COMPONENT_PAIRS`)."""
    where = _cutoffs_words(cutoffs, spacing=True)
    pairs = "; ".join(
        f"{model} against {variant}, which lacks its "
        + PAIR_TERM_WORDS.get(term, f"{term} {'terms' if ' and ' in term else 'component'}")
        for term, model, variant in dict.fromkeys(
            zip(table["term"], table["model"], table["variant"], strict=True)
        )
    )
    return f"On {where}, {pairs} (the state held at each cutoff):"


def _daily_lead(
    settings: dict,
    model: str,
    earlier_cutoffs: int | None = None,
    terms: list[str] | None = None,
) -> str:
    """Where a daily protocol scored the daily model and beside what; the first also says what
    the model is, and that no forecast here comes from it (``earlier_cutoffs``: this protocol
    comes after another, run on that many cutoffs; when this one has more, it says its
    verdicts are the ones to read; ``terms``: the terms its ablation table left out, else
    those its variants name)."""
    cutoffs = settings.get("cutoffs") or []
    where = _cutoffs_words(cutoffs, spacing=True)
    if earlier_cutoffs is not None:
        terms = terms or [
            ABLATION_OF[m][1]
            for m in settings.get("models", [])
            if ABLATION_OF.get(m, ("",))[0] == DAILY_MODEL
        ]
        left = f", its {and_list(terms)} terms left out in turn" if terms else ""
        weighs = (
            f" (more cutoffs than the {earlier_cutoffs} above: where a verdict differs, read "
            "this one)"
            if 0 < earlier_cutoffs < len(cutoffs)
            else ""
        )
        return f"{DAILY_MODEL} was backtested again on {where}{left}{weighs}:"
    description = MODELS[DAILY_MODEL].description.rstrip(".")
    return (
        f"A daily model, {DAILY_MODEL} ({description[0].lower()}{description[1:]}), was "
        f"backtested on {where}; it feeds no forecast on this page, which all come from "
        f"{model}."
    )


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
        "a difference of a few tenths is within the noise of a refit. Its \u201cas coded\u201d "
        "row is that panel's own fit, not this report's run, so it can differ from the "
        "numbers above by the same noise: compare the rows of this table with each other. "
        "Made by "
        f"<code>make sensitivity</code> ({html.escape(str(made.get('preset', '')))} preset, "
        f"seed {html.escape(str(made.get('seed', '')))}); the rows are in "
        f"<code>coding_sensitivity.csv</code>. A difference in brackets is that of the "
        "printed values (9.5 against 9.2 reads +0.3), so that each cell reads against the "
        "printed \u201cas coded\u201d row; the exact differences are the CSV's "
        "<code>_diff</code> columns, and differences of a tenth or two can rank otherwise "
        f"there.{note}</p>\n"
        + _sensitivity_window(
            table, ctx.today, ctx.model.last_month + 1 if ctx.model is not None else None
        )
        + sensitivity_html(table)
        + f'\n<ul id="sensitivity-words">\n{items}\n</ul>'
    )


def _sensitivity_window(table: pd.DataFrame, today, run_first=None) -> str:
    """A caution when the panel's scenarios start before today's month: they forecast from the
    end of its fit (as the report's scenarios from the data's end do when ``run_first``, the
    run's first forecast month, is the same) and were not rerun from today."""
    fitted_to = table["fitted_to"].dropna()
    if fitted_to.empty:
        return ""
    first = pd.Period(str(fitted_to.iloc[0]), "M") + 1
    passed = (pd.Period(today, "M") - first).n
    if passed <= 0:
        return ""
    same = (
        ", as the report's scenarios from the data's end do"
        if run_first is not None and pd.Period(run_first, "M") == first
        else ""
    )
    return (
        f'<p id="sensitivity-window" class="past">Its scenarios start in {first:%B %Y}, the '
        f"month after the end of its fit{same}: on the report's day ({today:%Y-%m-%d}) "
        + (
            f"{first:%B %Y} has passed"
            if passed == 1
            else f"the {counted(passed, 'month')} "
            f"{month_span(pd.period_range(first, periods=passed, freq='M'))} have passed"
        )
        + ", and the panel has not been rerun from today. Read its differences as how much the "
        "coding moves the model's numbers, not as forecasts of the months from today.</p>\n"
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
    title = (
        "CRPS skill against the best naive forecast, state held at the cutoff "
        "(90% block-bootstrap interval)"
    )
    static = figure_to_data_uri(plot_skill(rows, by="band", models=models, title=title).figure)
    return chart_html(
        "skill-chart",
        skill_spec(rows, model, title=title),
        static=f'<img id="skill" alt="Skill by horizon band with its interval" src="{static}">',
        caption=f"Point at a model for its numbers; <code>{html.escape(model)}</code> is drawn "
        "larger"
        + (
            ", <code>oracle_12</code> (which knows the next 12 months' mean) is the ceiling."
            if "oracle_12" in models
            else "."
        ),
    )


def _crps_unit(row) -> str:
    """`` launch days`` after a count family's CRPS (a score in the count's unit: the event's,
    :attr:`forecast.questions.spec.Event.unit`, or months for a date); ``""`` for a Brier
    score (no unit) or a family this version does not know."""
    family = BY_ID.get(row.family)
    if row.score_kind == "brier" or family is None:
        return ""
    if family["type"] == "date":
        return " months"
    return f" {parse_event(family['event'], 'question backtest', family['id']).unit}"


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
        f"{signed_percent(r.skill)} {percent_interval(r.skill_lo, r.skill_hi)}"
        for r in families.itertuples()
    ]
    shown = pd.DataFrame(
        {
            "Question (asked at every cutoff)": families["title"].map(class_words).to_numpy(),
            "Cutoffs": families["n"].astype(int).to_numpy(),
            "Score": [
                f"{'Brier' if r.score_kind == 'brier' else 'CRPS'} "
                f"{(r.brier if r.score_kind == 'brier' else r.crps):.3f}{_crps_unit(r)}"
                for r in families.itertuples()
            ],
            "Strongest naive answer (its score)": [
                f"{baseline_words(r.baseline, r.family, short=True)} "
                f"({'Brier' if r.score_kind == 'brier' else 'CRPS'} {r.baseline_score:.3f}"
                f"{_crps_unit(r)})"
                for r in families.itertuples()
            ],
            "Skill (90% interval)": skill,
        }
    )
    items = "\n".join(f"<li>{html.escape(class_words(w))}</li>" for w in question_findings(table))
    parts = [
        '<h2 id="questions-backtested">The questions, backtested</h2>',
        "<p>Questions like the shipped ones, asked at every past cutoff and answered as the "
        "workbench would have answered them then (the count model and the outlook models "
        "fitted on the data up to the cutoff), scored once resolved: Brier score for a "
        "probability, CRPS for a count. Skill is against the strongest naive answer in "
        "hindsight (a base rate, or the recent rate), positive = better, with a 90% "
        f"block-bootstrap interval. Tables: <code>questions.csv</code> {ctx.beside} (from "
        "the project's <code>docs/evaluation</code>); "
        "details: notebook 05.</p>",
        shown.to_html(index=False, border=0, table_id="questions-skill", escape=True),
        _reliability_figure(
            folder, dict(zip(table["family"], table["title"], strict=True)), ctx.beside
        ),
        f'<ul id="questions-words">\n{items}\n</ul>',
        _launch_family_note(families, folder),
        _by_state_words(folder, ctx.beside),
    ]
    nuclear = folder / "nuclear.md"
    if nuclear.is_file():
        text = " ".join(
            line for line in nuclear.read_text(encoding="utf-8").splitlines()[1:] if line
        )
        parts.append(f'<p id="nuclear-rule">{html.escape(text)}</p>')
    tables = record_table(ctx, record)  # scored on this report's data, once per build
    if tables is not None:
        figure = ctx.computed(
            "track record figure",
            lambda: _track_record_figure(tables["reliability"], tables["record"], ctx.frozen),
            inputs=(ctx.panel, ctx.frozen),
            settings=(record,),
        )
        first = tables["record"].iloc[0]
        parts += [
            '<h3 id="track-record">The track record (backfilled)</h3>',
            "<p>The shipped questions asked at each quarter-end since 2010, answered by the "
            "default model fitted on the data up to each origin, frozen, then resolved and "
            "scored: a record made in hindsight with the code of today (<b>backfilled</b>, "
            "not forecasts made at the time). Brier score against the base rate known at the "
            "origin; <code>forecast ledger --answers docs/track_record</code> prints it by "
            "question (<code>--all</code>: every answer).</p>",
            '<p id="track-record-ids">A question id names the shipped question, but at each '
            "origin the question is asked with its window shifted to the months after the "
            f"origin: <code>{html.escape(str(first['question']))}</code> asked at "
            f"{html.escape(str(first['origin']))} covers {html.escape(str(first['window_start']))}"
            f" to {html.escape(str(first['window_end']))}.</p>",
            _record_data_words(tables["record"], ctx.panel_end),
            readable_table(tables["summary"], crps_units(record)).to_html(
                index=False, border=0, table_id="track-record-table", escape=True
            ),
            figure,
        ]
    parts.append(_frozen_html(ctx))
    return "\n".join(parts)


def _frozen_html(ctx: ReportContext) -> str:
    """The user's own frozen answers (``forecast questions`` outputs), resolved and scored on
    the report's data as ``forecast ledger`` scores them; or how to start such a record."""
    how = (
        "<code>forecast questions RUN --config QUESTIONS.yaml --out answers/NAME</code> "
        "freezes a question file's answers; a report built in the folder that holds "
        "<code>answers/</code> (or given <code>--answers DIR</code>) resolves and scores them "
        "on its data, as <code>forecast ledger</code> does"
    )
    if ctx.frozen is None:
        return f'<p id="frozen-answers">Forecasts made at the time join the record: {how}.</p>'
    folder = html.escape(shown_folder(ctx.frozen_dir))
    if not len(ctx.frozen):
        return (
            f'<p id="frozen-answers">No frozen answers in <code>{folder}</code> yet '
            f"(folders written by <code>forecast questions</code>): {how}.</p>"
        )
    table = ctx.frozen
    status = table["status"].value_counts()
    resolved = table[table["status"] == "resolved"]
    binary = resolved[resolved["answer_type"] == "binary"]
    others = len(resolved) - len(binary)
    words = f"{status.get('resolved', 0)} of {len(table)} resolved on the data to {ctx.panel_end}"
    if status.get("annulled", 0):
        words += f", {status['annulled']} annulled (a condition that did not come)"
    if status.get("waiting", 0):
        words += f", {status['waiting']} waiting for their months"
    scores = []
    if len(binary):
        scores.append(f"mean Brier score {binary['brier'].mean():.3f} over {len(binary)} yes/no")
    if others:  # counts and months: CRPS in their own units, not pooled
        scores.append(f"{others} counts and dates scored by CRPS in the table")
    if scores:
        joined = "; ".join(scores)
        words += f". {joined[0].upper()}{joined[1:]}"
    shown = pd.DataFrame(
        {
            "Folder": table["folder"].astype(str).to_numpy(),
            "Question": table["question"].astype(str).to_numpy(),
            "Months": table["window"].astype(str).to_numpy(),
            "Answer": [
                _frozen_answer(r.answer_type, r.answer) for r in table.itertuples(index=False)
            ],
            "Status": table["status"].astype(str).to_numpy(),
            "Outcome": table["outcome"].fillna("").astype(str).to_numpy(),
            "Brier": table["brier"].map(lambda v: f"{v:.3f}" if v == v else "").to_numpy(),
            "CRPS": table["crps"].map(lambda v: f"{v:.2f}" if v == v else "").to_numpy(),
        }
    )
    unit = (
        " (a count's answer is its mean, a date's its median month)"
        if (table["answer_type"] != "binary").any()
        else ""
    )
    return (
        f'<h3 id="frozen-answers">Your frozen forecasts</h3><p>The answers frozen in '
        f"<code>{folder}</code> when they were made, not backfilled: {words}. An answer "
        f"waits until the data cover its months{unit}. Table: "
        f"<code>{FROZEN_FILE}</code> {ctx.beside}.</p>"
        + shown.to_html(index=False, border=0, table_id="frozen-answers-table", escape=True)
    )


def _frozen_answer(kind: str, value) -> str:
    """A frozen answer as the page shows it: a chance, a mean, or a median month ("" when
    the record holds none, e.g. a condition no simulation met)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if kind == "binary":
        return pct(float(value))
    if kind == "numeric":
        return f"{float(value):.1f}"
    return str(value)


def _record_data_words(record: pd.DataFrame, last: pd.Period) -> str:
    """Which data (to ``last``) scored the track record, and how many answers wait for months
    to come."""
    waiting = int((record["status"] == "waiting").sum())
    many = waiting != 1
    later = (
        f" {waiting:,} answer{'s' if many else ''} whose window{'s end' if many else ' ends'} "
        f"after {last} {'wait' if many else 'waits'}: "
        "each joins the record, resolved and scored, in the first report built on data "
        "that cover its window (new months added with <code>forecast data import</code>)."
        if waiting
        else ""
    )
    return (
        f'<p id="track-record-data">Resolved and scored on the data this report was built '
        f"from, to {last}.{later}</p>"
    )


def _track_record_figure(
    reliability: pd.DataFrame, record: pd.DataFrame, frozen: pd.DataFrame | None = None
) -> str:
    """The track record's calibration plot: its resolved yes/no answers, binned, with the
    user's resolved frozen ones beside them when there are any; or ""."""
    if reliability.empty:
        return ""
    fig, ax = plt.subplots(figsize=(4.8, 4.8))
    plot_reliability(reliability, ax=ax, label="backfilled answers (90% interval)")
    live = pd.DataFrame() if frozen is None else frozen
    if len(live):
        live = live[(live["answer_type"] == "binary") & (live["status"] == "resolved")]
        live = live[pd.to_numeric(live["answer"], errors="coerce").notna()]
    if len(live):
        plot_reliability(
            reliability_table(
                live["answer"].to_numpy(float), pd.to_numeric(live["outcome"]).to_numpy(float)
            ),
            ax=ax,
            label=f"your frozen answers ({len(live)})",
            diagonal=False,
            marker="s",
        )
    origins = record["origin"].astype(str)
    ax.set_title(
        f"Track record (backfilled), origins {origins.min()} to {origins.max()}:\n"
        f"{int(reliability['n'].sum()):,} resolved yes/no answers (n per bin)",
        fontsize="medium",
    )
    return (
        f'<figure><img id="track-record-reliability" alt="Calibration of the track record\'s '
        f'yes/no answers" src="{figure_to_data_uri(fig)}"><figcaption>Each point: the answers '
        "of the record given about that probability, against how often the event came; on "
        "the diagonal, answers of 20% came true 20% of the time. Every shipped yes/no "
        "question is pooled; squares, when there are any, are your frozen answers (below), "
        "binned the same way. On the bundled data the same table is the project's "
        "<code>docs/track_record/reliability.csv</code>.</figcaption></figure>"
    )


def _launch_family_note(families: pd.DataFrame, folder: Path) -> str:
    """Why the launch-day family's skill is not the 12-month total's of "How far to trust"
    (other cutoffs, other state paths), with both numbers; "" without either table."""
    row = families[families["family"] == "launch-days-12m"]
    path, settings = folder / "totals.csv", folder / "questions_settings.json"
    if row.empty or not path.is_file() or not settings.is_file():
        return ""
    held = held_state_rows(pd.read_csv(path), DEFAULT_MODEL)
    if held.empty:
        return ""
    r, t = row.iloc[0], held.iloc[0]
    step = json.loads(settings.read_text(encoding="utf-8")).get("count_every", 1)
    return (
        f'<p id="questions-launch-days">"{html.escape(str(r["title"]))}" '
        f"({signed_percent(r['skill'])}) "
        f"is asked at {int(r['n'])} cutoffs, {cadence(step)} from "
        f"{html.escape(str(r['first_cutoff']))}, each simulation following its own path of "
        "negotiation states; the 12-month total under \u201cHow far to trust these "
        f"numbers\u201d ({signed_percent(t['crps_skill'])}) is scored at {int(t['n'])} cutoffs, "
        f"{cadence(1)}, with the state held at the cutoff. The same question, on other cutoffs "
        "and other state paths: the two skills do not measure the same thing.</p>"
    )


def _by_state_words(folder: Path, beside: str) -> str:
    """Where the state model's answers miss, by the state at the cutoff, or ""."""
    path = folder / "questions_by_state.csv"
    if not path.is_file():
        return ""
    items = "\n".join(
        f"<li>{html.escape(w)}</li>" for w in origin_state_findings(pd.read_csv(path))
    )
    return (
        '<p id="questions-by-state">Where the state model misses: the state questions split '
        f"by the negotiation state at the cutoff (<code>questions_by_state.csv</code> {beside}"
        "). Its errors by state partly offset in the averages above: since 2000 most "
        "spells of no talks have lasted years and spells of talks months to two years, while "
        "its chain, fitted on the timeline since 1990 with recent years weighing more, still "
        "carries some of the 1990s' short spells of no talks and eight years of talks "
        "(1994-2002), and the half of its draws that ignores the state leaves every state at "
        "the same pace.</p>"
        f'\n<ul id="questions-by-state-words">\n{items}\n</ul>'
    )


def _reliability_figure(folder: Path, titles: dict[str, str], beside: str) -> str:
    """The question backtest's reliability diagrams, one per family (static), or ""."""
    path = folder / "question_reliability.csv"
    if not path.is_file():
        return ""
    fig = plot_family_reliability(
        pd.read_csv(path),
        {k: class_words(v) for k, v in titles.items()},
        span=question_span(folder),
    )
    return (
        f'<figure><img id="question-reliability" alt="Reliability diagram of each question '
        f'family" src="{figure_to_data_uri(fig)}"><figcaption>A point on the diagonal: answers '
        "of that probability came true that often. Table: "
        f"<code>question_reliability.csv</code> {beside}.</figcaption></figure>"
    )


def record_table(ctx: ReportContext, record: Path = TRACK_RECORD_DIR) -> dict | None:
    """The track record's tables scored on the report's data (:func:`forecast.track_record.
    track_record_tables`), computed once per build; None without ``records.json``."""
    if not (record / RECORDS_FILE).is_file():
        return None
    return ctx.computed(
        "track record",
        lambda: track_record_tables(record, ctx.panel),
        inputs=(ctx.panel,),
        settings=(record,),
    )


def crps_units(record: Path = TRACK_RECORD_DIR) -> dict[str, str]:
    """The unit of each track-record question's CRPS (its answer's unit, ``months`` for a
    date), from the answers of the record's last origin; empty without ``records.json``."""
    if not (record / RECORDS_FILE).is_file():
        return {}
    answers = read_track_record(record)["records"][-1]["answers"]
    return {a["question"]: "months" if a["answer_type"] == "date" else a["unit"] for a in answers}


#: The track record's summary columns as the page heads them (:func:`readable_table`).
RECORD_COLUMNS = {
    "question": "Question id",
    "type": "Type",
    "asked": "Origins asked",
    "resolved": "Resolved",
    "waiting": "Waiting",
    "annulled": "Annulled",
    "frequency": "Share resolved YES",
    "mean_probability": "Mean probability",
    "brier": "Brier score (lower is better)",
    "brier_base": "Brier of the base rate",
    "log_score": "Log score (lower is better)",
    "crps": "Mean CRPS (lower is better)",
    "skill": "Brier skill vs the base rate (positive = better)",
}


def readable_table(summary: pd.DataFrame, units: dict[str, str] | None = None) -> pd.DataFrame:
    """The track record's summary as the page shows it: readable headers, ``n/a`` where a
    score does not apply, shares and probabilities as percentages, skill as a signed
    percentage (as everywhere on the page), CRPS with its unit.

    Parameters
    ----------
    summary : DataFrame
        :func:`forecast.track_record.track_record_summary`.
    units : dict of str to str, optional
        The CRPS unit of each question id (:func:`crps_units`).

    Returns
    -------
    DataFrame
        Text cells, columns renamed by :data:`RECORD_COLUMNS`.
    """
    units = units or {}

    def cell(value, text: str) -> str:
        return "n/a" if pd.isna(value) else text.format(value)

    shown = summary.astype(object).copy()
    for column in ("asked", "resolved", "waiting", "annulled"):
        shown[column] = [cell(v, "{:.0f}") for v in summary[column]]
    for column in ("frequency", "mean_probability"):
        shown[column] = [cell(v, "{:.1%}") for v in summary[column]]
    for column in ("brier", "brier_base", "log_score"):
        shown[column] = [cell(v, "{:.3f}") for v in summary[column]]
    shown["skill"] = ["n/a" if pd.isna(v) else signed_percent(v) for v in summary["skill"]]
    shown["crps"] = [
        cell(v, "{:.2f} " + units.get(q, "")).strip()
        for q, v in zip(summary["question"], summary["crps"], strict=True)
    ]
    return shown.rename(columns=RECORD_COLUMNS)
