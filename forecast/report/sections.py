"""The index page: its sections about the forecast, each a function of the
:class:`~forecast.report.context.ReportContext` returning HTML, and their order.

The sections on how far to trust the numbers are in :mod:`forecast.report.evidence`.

The index is built from :data:`INDEX_SECTIONS`, top to bottom; a new section is one more
function in that list. Every text a user wrote (scenario labels, question titles, paths)
is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from forecast import __version__
from forecast.constants import CONTRASTS_TODAY, STATE_WORDS, STATES
from forecast.data import month_periods, yearly_summary
from forecast.evaluation.question_caveats import (
    asks_shipped_questions,
    nuclear_calibration,
    question_caveats,
)
from forecast.freshness import (
    forecast_timing,
    freshness_html,
    past_score_summary,
    past_score_words,
    score_past_months,
    timing_note,
    window_timing,
)
from forecast.models.events import nuclear_rule_words
from forecast.nuclear_rules import REFIT_FOR_RULES
from forecast.plots import (
    STATE_LABELS,
    plot_history,
    plot_recent_months,
    plot_scenario_panels,
    plot_scenarios,
    plot_state_effects,
    plot_state_probabilities,
)
from forecast.present import (
    and_list,
    chances_in_brackets,
    counted,
    interval_text,
    month_span,
    more_or_fewer,
    readable,
    state_words,
)
from forecast.report.context import (
    ReportContext,
    caution_html,
    caution_legend,
    class_words,
    figure_to_data_uri,
    pct,
    shown_path,
)
from forecast.report.downloads import files_section
from forecast.report.evidence import (
    interval_note,
    questions_section,
    record_table,
    sensitivity_section,
    trust_section,
)
from forecast.report.glossary import glossary_section
from forecast.report.scenario_charts import checkbox_css, fan_chart_spec, scenario_panels_spec
from forecast.report.state_skill_charts import state_probability_spec
from forecast.report.vega import chart_html
from forecast.simulation import simulation_draws
from forecast.summaries import (
    THRESHOLDS,
    every_row_filled,
    share_noise,
    state_effects,
    target_noun,
)

#: Observed months the interactive fan chart shows before the forecast.
FAN_HISTORY_MONTHS = 24

#: Years shown month by month under the history by year.
RECENT_YEARS = 3


def _headline_html(table, table_id: str = "headline") -> str:
    head = (
        "<tr><th>Scenario</th><th>Expected launch days (mean)</th><th>Median</th>"
        "<th>80% interval</th><th>P(at least 1 launch day)</th><th>P(ICBM launch)</th>"
        "<th>P(nuclear test)</th><th>Simulations</th></tr>"
    )
    rows = "\n".join(
        f'<tr data-scenario="{html.escape(str(r.scenario))}">'
        f"<td><b>{html.escape(str(r.scenario))}</b>: {html.escape(str(r.label))}"
        f"{caution_html(r)}</td>"
        f"<td>{r.mean:.1f}</td><td>{r.median:.0f}</td><td>{interval_text(r.q10, r.q90)}</td>"
        f"<td>{pct(r.p_any)}</td><td>{pct(r.p_icbm)}</td><td>{pct(r.p_nuclear)}</td>"
        f"<td>{r.n:,}</td></tr>"
        for r in table.itertuples()
    )
    return f'<table id="{table_id}" class="headline">{head}\n{rows}\n</table>'


def state_model_words(model) -> str:
    """The run's state model as the page names it (HTML): its name, its description and the
    coded months it was fitted on (just "the run's state model" when the run has none)."""
    if model is None or getattr(model, "fitted_states", None) is None:
        return "the run's state model"
    description = html.escape(model.description.rstrip("."))
    return (
        f"the run's state model, <code>{html.escape(model.name)}</code> (&ldquo;{description}"
        f"&rdquo;), fitted on the coded months {pd.Period(model.first_month, 'M')} to "
        f"{pd.Period(model.last_month, 'M')}"
    )


def _nuclear_note(ctx: ReportContext, window, where: str, shown: float | None = None) -> str:
    """Beside a P(nuclear test) over ``window`` (its months): the run's rule, and what the
    other rules of
    ``docs/evaluation/nuclear.md`` give over the same months (a constant rate since 1990; a
    constant rate in each state group, along the state model's paths from the data's end).
    Said in full under the first table of the page that shows one, briefly under the others;
    over the 12 months right after the data (the backtest's window), or any later 12 months of
    a rule without states (it gives them the same answer), either adds how the run's rule's
    answers near ``shown`` (the table's P(nuclear test)) fared in the question backtest.
    A run saved before runs kept the other rules gets, under the first table, a line saying to
    refit it."""
    if ctx.nuclear_rules is None:
        if ctx.nuclear_rule is None or where != ctx.first_table:
            return ""
        return f'<p id="nuclear-{where}" class="caution">P(nuclear test): {REFIT_FOR_RULES}.</p>'
    window = pd.PeriodIndex(window, freq="M")
    months = len(window)
    # the same months as a note just above, the same numbers: not said twice
    said_above = {"outlook": (ctx.forecast.months, "the scenarios")}
    if ctx.from_today is not None:
        said_above["scenarios-today"] = (ctx.from_today.forecast.months, "the outlook from today")
    if where in said_above and window.equals(pd.PeriodIndex(said_above[where][0])):
        return (
            f'<p id="nuclear-{where}" class="caution">P(nuclear test) over these '
            f"{counted(months, 'month')} by the other rules: as beside {said_above[where][1]} "
            "above.</p>"
        )
    others = ctx.nuclear_rules.others_at(window)
    if window[0] == ctx.nuclear_rules.months[0]:
        span = f"the {counted(months, 'month')} after the data"
    else:
        span = f"the {counted(months, 'month')} {month_span(window)}"
    run_rule = nuclear_rule_words(ctx.nuclear_rules.run_rule.priors)
    # how the rule's answers of 12 months fared in the backtest: a rule without states gives
    # any 12 months after the data the answer the backtest scored (the outlook from today's,
    # the number readers quote); for a rule by state nuclear_calibration says nothing
    calibration = (
        nuclear_calibration(shown, ctx.nuclear_rules.run_rule.priors)
        if shown is not None and months == 12
        else ""
    )
    if where != ctx.first_table:
        return (
            f'<p id="nuclear-{where}" class="caution">P(nuclear test) over {span} by the '
            f"other rules instead of the run's ({run_rule}): "
            f"{'; '.join(f'{k}: {pct(p)}' for k, p in others.items())}.{calibration}</p>"
        )
    gives = and_list(f"{k} gives {pct(p)}" for k, p in others.items())
    exact = ""
    # a rule without states: the table's share differs from the rule's own by noise alone
    if not ctx.nuclear_rules.run_rule.priors["by_state"]:
        if shown is not None:
            own = ctx.nuclear_rules.p_nuclear(window, "run")
            exact = (
                f" Its own probability over {span} is {own:.1%}; the table's {shown:.1%} is the "
                "share of simulations with a test, off by simulation noise."
            )
        exact += (
            " The rule learns from the months in the data, so it gives the same over any "
            f"{counted(months, 'month')} after them, from today too: the months since the data's "
            "end hold no record yet (a refit on them would move it: up with a test, down with "
            "quiet months, as old tests fade)."
        )
    return (
        f'<p id="nuclear-{where}" class="caution">'
        f"P(nuclear test) follows the run's nuclear-test rule: {run_rule}.{exact} Over {span}, "
        f"{gives}. The question backtest cannot tell these rules apart "
        "(its comparison is under \u201cThe questions, backtested\u201d below): read "
        "P(nuclear test) as uncertain across "
        f"that range (every rule over each window of this page: <code>nuclear_rules.csv</code>)."
        f"{calibration}</p>"
    )


def _scenario_note(forecast) -> str:
    """The forecast's note on its scenarios' settings (e.g. exercise scales the model does
    not read), as a caution, or nothing."""
    return f'<p class="caution">{html.escape(forecast.note)}</p>' if forecast.note else ""


def _window_mark(ctx: ReportContext, start, end) -> str:
    """The mark of a window today has reached (:func:`forecast.freshness.window_note`, measured
    on the report's today from the fit's last month), under a table cell; ``""`` if none."""
    timing = window_timing(start, end, ctx.today)
    note = timing_note(timing, ctx.model.last_month)
    if not note:
        return ""
    kind = timing.status.replace(" ", "-")
    return (
        f'<br><span class="caution past-window" data-window="{kind}">({html.escape(note)})</span>'
    )


def _past_scores_html(summary: pd.DataFrame, target: str) -> str:
    noun = html.escape(target_noun(target))
    head = (
        f"<tr><th>Scenario</th><th>Months scored</th><th>Observed {noun}</th>"
        "<th>Expected</th><th>Months inside their 80% interval</th><th>CRPS per month</th>"
        "<th>CRPS of the total</th></tr>"
    )
    rows = "\n".join(
        f"<tr><td>{html.escape(str(r.label))}</td><td>{r.months}</td><td>{r.observed:.0f}</td>"
        f"<td>{r.expected:.1f}</td><td>{r.in_80:.0f} of {r.months}</td>"
        f"<td>{r.crps_per_month:.2f}</td><td>{r.crps_total:.2f}</td></tr>"
        for r in summary.itertuples()
    )
    return f'<table id="past-scores">{head}\n{rows}\n</table>'


def title_section(ctx: ReportContext) -> str:
    """The page title and when, with what and from which run it was built."""
    run = ""
    if ctx.run_dir is not None:
        run = (
            f" &middot; fitted run <code>{html.escape(shown_path(ctx.run_dir))}</code> "
            "(on the machine that built the report)"
        )
    return (
        "<h1>North Korean weapons tests and the state of negotiations</h1>\n"
        f'<p class="meta">Built {ctx.built} &middot; forecast {__version__}{run} &middot; '
        'the terms used are explained <a href="#glossary">near the end</a></p>'
    )


def freshness_section(ctx: ReportContext) -> str:
    """The data's as-of date and age; when stale, the missing months and the commands."""

    return freshness_html(ctx.freshness)


def warning_section(ctx: ReportContext) -> str:
    """A banner when the numbers are not to be quoted: a FAST build or a failed fit."""
    if not ctx.has_outlook:
        return ""
    reasons = []
    if ctx.fast:
        sampler = ctx.model.sampler or {}
        draws = simulation_draws(ctx.model)  # the posterior draws the page's tables use
        if sampler.get("preset") == "fast":
            reasons.append("this report was built in <b>FAST mode</b> (a few hundred draws)")
        else:  # a run fitted at other settings, passed with --run
            reasons.append(
                "this report was built in <b>FAST mode</b>: the notebooks' own fits use a few "
                f"hundred draws (the run behind this page's tables has {draws:,})"
            )
    if not ctx.model.diagnostics.passed:
        reasons.append("the fit <b>failed its convergence checks</b>")
    if not reasons:
        return ""
    return (
        '<div id="warning" class="warning" role="alert"><b>Warning:</b> '
        + " and ".join(reasons)
        + ": treat every number on this page and in the notebooks as illustrative, not as a "
        "forecast. Rebuild with <code>forecast report</code> (without <code>--fast</code>) "
        "and check the verdict below before quoting them.</div>"
    )


def _past_html(ctx: ReportContext, timing) -> str:
    """What a forecast that starts in the past is, and its scores on the months observed."""

    if not timing.partly_past:
        return ""
    past = timing.past
    span = past[0] if len(past) == 1 else f"{past[0]} to {past[-1]}"
    text = (
        f'<p id="past" class="past">This forecast starts where the fitted data end, so its first '
        f"{counted(len(past), 'month')}, <b>{span}</b>, {'is' if len(past) == 1 else 'are'} "
        f"already in the past on {ctx.today}: read them "
        "as what the model would have said then, not as an outlook. "
    )
    scores = past_score_summary(score_past_months(ctx.forecast, ctx.panel), ctx.forecast)
    if scores.empty:
        return text + (
            "None of those months is in the data yet, so the forecast cannot be scored on them; "
            "import them and rebuild (see above) to forecast from now.</p>"
        )
    words = past_score_words(scores, ctx.forecast.target)
    return (
        text
        + "The months since imported score it as follows.</p>\n"
        + _past_scores_html(scores, ctx.forecast.target)
        + f'\n<p class="past-words">{html.escape(words)}</p>'
    )


def outlook_section(ctx: ReportContext) -> str:
    """Headline numbers, the fan chart of the scenarios (interactive, the PNG for print) and
    each scenario's bands on their own (labelled past when they are)."""

    if not ctx.has_outlook:
        return ""
    model, forecast = ctx.model, ctx.forecast
    timing = forecast_timing(forecast.months.to_timestamp(), today=ctx.today)
    reference = ctx.reference
    panels = ctx.computed(
        "scenario panels",
        lambda: figure_to_data_uri(plot_scenario_panels(forecast, reference).flat[0].figure),
        inputs=(forecast,),
        settings=(reference,),
    )
    bands = ctx.bands
    table = ctx.headline
    train = model.training["month"]
    source = html.escape(Path(ctx.scenario_file).name) if ctx.scenario_file else "scenarios"
    n = len(forecast.months)
    fan_chart = _fan_chart(ctx, forecast, bands, "fan-chart", "fan")
    panels_chart = chart_html(
        "panels-chart",
        scenario_panels_spec(bands, reference, target=forecast.target),
        static='<img id="panels" alt="One panel per scenario: its mean and bands against the '
        f'reference scenario" src="{panels}">',
        caption="Point at a month for its numbers and the reference's.",
    )
    ref_label = html.escape(forecast.labels[reference])
    return f"""<h2 id="outlook">{html.escape(timing.title_from(ctx.origin))}</h2>
{_past_html(ctx, timing)}
<p>Launch days over {counted(n, "month")} under each scenario of <code>{source}</code>,
from <code>{model.name}</code> fitted on {train.iloc[0]:%Y-%m} to {train.iloc[-1]:%Y-%m}.
Each forecast is conditional on its negotiation path; which path is likely is the analyst's
call. The 80% interval leaves at most 10% of simulations below it and at most 10% above (a
count is a whole number, so an interval from 0 leaves none below). The numbers are in
<code>headline.csv</code>, month by month in <code>fan_bands.csv</code>, and as
P(at least {and_list(THRESHOLDS[1:], "or")} launch days) in
<code>probabilities.csv</code>.</p>
{_headline_html(table)}
{interval_note(ctx, "headline")}
{_scenario_note(forecast)}
{_nuclear_note(ctx, forecast.months, "headline", table["p_nuclear"].iloc[0])}
{_contrasts_html(forecast, ctx.contrasts, reference)}
{fan_chart}
<h3 id="each-scenario">Each scenario on its own</h3>
<p>The same bands one scenario at a time, each against the mean of <i>{ref_label}</i>
(dashed), so that no band hides another.</p>
{panels_chart}"""


def _fan_chart(ctx: ReportContext, forecast, bands: pd.DataFrame, chart_id: str, image: str):
    """The interactive fan chart of a scenario forecast (``bands``: its monthly bands), with
    its static PNG (the image's id ``image``) drawn once per build (the single file renders
    the page again)."""
    model = ctx.model
    fan = ctx.computed(
        "fan chart",
        lambda: figure_to_data_uri(
            plot_scenarios(forecast, model.training, today=ctx.today).figure
        ),
        inputs=(forecast, model),  # the model's training months (a new frame each time)
        settings=(ctx.today,),
    )
    return chart_html(
        chart_id,
        fan_chart_spec(
            bands, model.training.tail(FAN_HISTORY_MONTHS), forecast.target, today=ctx.today
        ),
        static=f'<img id="{image}" alt="Fan chart of launch days per month by scenario from '
        f'{forecast.months[0]:%B %Y}" src="{fan}">',
        caption="Point at a forecast month to read every scenario's mean and bands. The menu "
        "chooses whose 50% and 80% bands are drawn; a checkbox switches a scenario off.",
        css=checkbox_css(chart_id, forecast.scenarios),
    )


def _contrasts_html(
    forecast, contrasts, reference: str, name: str = "contrasts", csv: str = "contrasts.csv"
) -> str:
    """What each scenario of ``forecast`` changes against ``reference``, in words
    (``contrasts``, :func:`forecast.summaries.compare`: the difference in expected launch days
    over the horizon, draw by draw), the analyst's question the table answers only by
    subtraction; ``csv`` has it, and ``name`` prefixes the elements' ids."""
    if contrasts is None:
        return ""
    items = "\n".join(f"<li>{html.escape(text)}</li>" for text in contrasts.text)
    n, noun = len(forecast.months), target_noun(forecast.target)
    if "rate" in forecast.data:
        how = (
            f"the difference in expected {noun}, simulation by simulation. Both scenarios "
            "share each simulation's parameters and swings of the level, so the interval is "
            "the model's uncertainty about the change (and, for a scenario whose states follow "
            "the state model, about which states come), not the months' own chance. Being "
            f"expected {noun}, the mean differences are a little off the differences of the "
            "table's means, which are means of simulated counts"
        )
    else:
        how = f"the difference in simulated {noun}, simulation by simulation"
    return (
        f'<p id="{name}">What each scenario changes over these {counted(n, "month")} against '
        f"the scenario &ldquo;{html.escape(forecast.labels[reference])}&rdquo;: {how} "
        f"(<code>{csv}</code>).</p>\n"
        f'<ul id="{name}-list">\n{items}\n</ul>'
    )


def expectations_section(ctx: ReportContext) -> str:
    """The unconditional forecast (states from the run's state model) and the answered
    questions, each question whose window today has reached marked so."""

    if ctx.outlook is None:
        return ""
    states = ctx.outlook["states"]
    timing = forecast_timing(states["month"].values, today=ctx.today)
    figure = figure_to_data_uri(plot_state_probabilities(states).figure)
    totals = ctx.outlook["totals"]
    rows = "\n".join(
        f"<tr><td>{html.escape(state_words(r.path))}{caution_html(r)}</td><td>{r.share:.0%}</td>"
        f"<td>{r.n:,}</td><td>{r.mean:.1f}</td><td>{r.median:.0f}</td>"
        f"<td>{interval_text(r.q10, r.q90)}</td><td>{pct(r.p_icbm)}</td></tr>"
        for r in totals.itertuples()
    )
    first, last = states["month"].iloc[0], states["month"].iloc[-1]
    head = (
        "<tr><th>State path</th><th>Share of paths</th><th>Simulations</th>"
        "<th>Expected launch days (mean)</th><th>Median</th><th>80% interval</th>"
        "<th>P(ICBM launch)</th></tr>"
    )
    when = (
        f"{first:%B %Y} to {last:%B %Y}"
        if not timing.partly_past
        else f"from {html.escape(ctx.origin)}, {first:%B %Y} to {last:%B %Y} "
        f"({'in' if timing.all_past else 'partly in'} the past)"
    )
    parts = [
        f'<h2 id="expectations">What to expect, all things considered: {when}</h2>',
        "<p>Here no path is chosen: each simulation follows its own path of negotiation states, "
        f"drawn from {state_model_words(ctx.transitions)}, so the forecast integrates over "
        "which state comes. The first row is the forecast over all "
        "paths; the others split it by the first state a path enters (a path that "
        '"stays" never leaves the current state), with the number of simulations each rests '
        f"on; {caution_legend()}. P(nuclear test) over all paths: "
        f"{pct(totals['p_nuclear'].iloc[0]) if 'p_nuclear' in totals else 'n/a'} (the "
        + (
            "nuclear-test rate has no state term, so it is not split by path, and the path rows "
            "of the CSV leave it blank)"
            if "p_nuclear" in totals.attrs.get("same_in_every_row", ())
            else "rows split it by path)"
        )
        + ". The rows are in <code>outlook.csv</code>, each state's probability month by month "
        "in <code>outlook_states.csv</code>.</p>",
        f'<table id="expectations-table">{head}\n{rows}\n</table>',
        _noise_note(totals, "path"),
        interval_note(ctx, "expectations"),
        chart_html(
            "states-chart",
            state_probability_spec(states),
            static=f'<img id="states" alt="Probability of each negotiation state by month" '
            f'src="{figure}">',
            caption="Point at a month for the probability of each state.",
        ),
    ]
    parts += [f'<p class="caution tail">{html.escape(text)}</p>' for text in ctx.tails]
    if ctx.icbm is not None:
        parts.append(
            '<p id="icbm-caveat" class="caution">'
            + html.escape(class_words(" ".join(ctx.icbm["text"])))
            + " The rows are in <code>icbm_sensitivity.csv</code>.</p>"
        )
    parts.append(_years_html(ctx))
    parts.append(_nuclear_note(ctx, month_periods(states).unique(), "outlook"))
    if ctx.answers is not None and len(ctx.answers):
        tables = record_table(ctx) if asks_shipped_questions(ctx.questions_file) else None
        record = None if tables is None else tables["record"]
        parts += [
            "<h3>Forecast questions</h3>",
            f"<p>The questions of <code>{_questions_name(ctx)}</code>, asked as forecasting "
            "platforms ask them, answered from the same simulations. A conditional question "
            "imposes its path only through its given months; after them each simulation's "
            "states follow the state model again, as they could in the world, whereas a "
            "scenario above holds its path to the end: a question and a scenario with the "
            "same start therefore give different numbers, and the question's is the one to "
            "quote for its resolution. The answers are in "
            "<code>answers.csv</code>; <code>forecast questions</code> freezes them and "
            "<code>forecast ledger</code> scores them once the data cover their months. An "
            "answer whose window has begun before today is marked: for its past months it is "
            f"what the model said from {html.escape(ctx.origin)}, not a forecast.</p>",
            _answers_table(ctx, ctx.answers, "questions", record),
        ]
    if ctx.answers_ahead is not None and len(ctx.answers_ahead):
        parts.append(_questions_ahead(ctx))
    if ctx.unanswered:
        first = ctx.model.last_month + 1
        parts.append(
            "<p>Left out because their windows (or a conditional question's given path) "
            f"begin before the forecast's first month "
            f"({first:%B %Y}), in months the fit has already seen: "
            + ", ".join(html.escape(q) for q in ctx.unanswered)
            + ". A question file of later windows (<code>forecast report --questions</code>) "
            "is answered in full.</p>"
        )
    return "\n".join(p for p in parts if p)


def _answers_table(ctx: ReportContext, answers, table_id: str, record=None) -> str:
    """Answered questions as a table (question, answer with its window's mark and caveats,
    how it resolves); ``record``: the backfilled track record's table, whose caveats apply
    to the shipped file's questions only."""
    caveats = question_caveats(
        answers,
        ctx.forecast.data.attrs.get("initial_state"),
        record=record,
        nuclear_rule=ctx.nuclear_rule,
    )
    cells = []
    for r in readable(answers, 2).itertuples():
        if r.probability == r.probability:
            text = pct(r.probability)
        elif r.answer_type == "date":
            text = f"first event {r.by_month}; none in the window {pct(r.p_none)}"
        else:
            text = f"{r.mean:.1f} (median {r.q50:.0f}; 80%: {interval_text(r.q10, r.q90)})"
        if r.question in ctx.nuclear_rule_answers:
            text += chances_in_brackets(ctx.nuclear_rule_answers[r.question])
        caveat = caveats.get(r.question)
        marks = _window_mark(ctx, r.window_start, r.window_end) + (
            f'<br><span class="caution question-caveat">{html.escape(caveat)}</span>'
            if caveat
            else ""
        )
        cells.append(
            f"<tr><td>{html.escape(str(r.title))}</td><td>{html.escape(text)}{marks}</td>"
            f'<td class="resolution">{html.escape(str(r.resolution))}</td></tr>'
        )
    return (
        f'<table id="{table_id}"><tr><th>Question</th><th>Answer</th>'
        "<th>How it resolves</th></tr>\n" + "\n".join(cells) + "\n</table>"
    )


def _questions_ahead(ctx: ReportContext) -> str:
    """The shipped questions of the years after the question file's (``questions/2027.yaml``
    in December 2026), answered from their own simulation from the data's end."""
    answers = ctx.answers_ahead
    names = and_list(f"<code>questions/{html.escape(p.name)}</code>" for p in ctx.ahead_files)
    starts = pd.PeriodIndex(answers["window_start"], freq="M")
    first = ctx.model.last_month + 1
    gap = pd.period_range(first, starts.min() - 1, freq="M")
    ends = "The data end" if ctx.fit_reaches_data_end else "The run's fit ends"
    through = (
        f" {ends} in {first - 1:%B %Y}, so each simulation first runs through the "
        f"{counted(len(gap), 'month')} {month_span(gap)} (negotiation states from the run's "
        "state model, launches from the count model): the answers carry the uncertainty about "
        f"what happened in them, and {_gap_fix(ctx)} replaces it with the record."
        if len(gap)
        else ""
    )
    years = f"{starts.min():%Y}" + (" and after" if starts.min().year != starts.max().year else "")
    return f'<h3 id="questions-ahead">Forecast questions for {years}</h3>' + (
        f"<p>The questions of {names}, those of <code>{_questions_name(ctx)}</code> asked "
        f"about later months: what a reader asks on the report's day "
        f"({ctx.today:%Y-%m-%d}), answered by the same run from its own simulation.{through} "
        + (
            "The caveats of the backfilled track record of the questions above hold for these too. "
            if ctx.answers is not None and len(ctx.answers)
            else ""
        )
        + "The answers are in <code>answers_ahead.csv</code>.</p>"
        + _answers_table(ctx, answers, "questions-ahead-table")
    )


def _questions_name(ctx: ReportContext) -> str:
    """The question file's name as the page shows it (``questions/2026.yaml`` for the shipped
    one)."""
    path = Path(ctx.questions_file) if ctx.questions_file else None
    if path is None or path.parent.name != "questions":
        return html.escape(path.name) if path is not None else "questions/2026.yaml"
    return f"questions/{html.escape(path.name)}"


def _years_html(ctx: ReportContext) -> str:
    """The outlook's calendar year beside the years observed before it (a forecast year that
    today has reached marked so)."""
    years = ctx.years
    if years is None or not (years.table["kind"] == "forecast").any():
        return ""
    cells = []
    for r in years.table.itertuples():
        if r.kind == "observed":
            value, more = f"{r.observed:.0f} (observed)", ""
        else:
            value = (
                f"{r.mean:.1f} expected (median {r.median:.0f}; 80%: {interval_text(r.q10, r.q90)})"
            )
            if r.observed_months:
                value += f", {r.observed_part:.0f} of them observed in {r.observed_months}"
            value += _window_mark(ctx, f"{r.year}-01", f"{r.year}-12")
            more = pct(r.p_more_than_previous)
        cells.append(f"<tr><td>{r.year}</td><td>{value}</td><td>{more}</td></tr>")
    return (
        "<h3>The forecast year beside the years before</h3>\n"
        "<p>Launch days per calendar year: the observed years, then the forecast year from the "
        "same simulations as above, with the chance that it exceeds the year before "
        "(<code>years.csv</code>; its <code>observed_part</code> and "
        "<code>observed_months</code> fill in only when the data end inside the forecast "
        "year, whose total then adds the observed months to the simulated ones).</p>\n"
        '<table id="years"><tr><th>Year</th><th>Launch days</th>'
        "<th>P(more than the year before)</th></tr>\n" + "\n".join(cells) + "\n</table>\n"
        f"<p>{html.escape(' '.join(years.text))}</p>"
    )


def _overlap_words(ctx: ReportContext, first) -> str:
    """That the outlook from today and the page's forecast year share months (from ``first``,
    today's month, to the end of its year), so that their totals are not added; ``""`` when
    the page has no forecast year of today's."""
    years = ctx.years.table if ctx.years is not None else None
    if years is None or not ((years["kind"] == "forecast") & (years["year"] == first.year)).any():
        return ""
    months = f"{first:%B %Y}" if first.month == 12 else f"{first:%B} to December {first.year}"
    return (
        f" {months} {'is' if first.month == 12 else 'are'} also in the forecast year "
        f"{first.year} further down: the two totals overlap, so do not add them."
    )


def today_section(ctx: ReportContext) -> str:
    """The outlook from today's month, with the months since the data's end simulated."""

    today = ctx.from_today
    if today is None:
        return ""
    tables = ctx.today_tables
    states, totals = tables["states"], tables["totals"]
    first, last = states["month"].iloc[0], states["month"].iloc[-1]
    gap = today.simulated
    span = month_span(gap)
    figure = figure_to_data_uri(plot_state_probabilities(states).figure)
    today_chart = chart_html(
        "states-today-chart",
        state_probability_spec(states),
        static='<img id="states-today" alt="Probability of each negotiation state by month '
        f'from today" src="{figure}">',
        caption="Point at a month for the probability of each state.",
    )
    # a rate without a state term: the same P(nuclear test) in every row (by_state_in gives it
    # for all simulations only, as shares by state would differ by simulation noise alone)
    unsplit = "p_nuclear" in totals.attrs.get("same_in_every_row", ())
    nuclear = every_row_filled(totals)["p_nuclear"]
    rows = "\n".join(
        f"<tr><td>{html.escape(state_words(r.path))}{caution_html(r)}</td><td>{r.share:.0%}</td>"
        f"<td>{r.n:,}</td><td>{r.mean:.1f}</td><td>{r.median:.0f}</td>"
        f"<td>{interval_text(r.q10, r.q90)}</td><td>{pct(r.p_icbm)}</td>"
        f"<td>{pct(p)}</td></tr>"
        for r, p in zip(totals.itertuples(), nuclear, strict=True)
    )
    return f"""<h2 id="from-today">What to expect from today: {first:%B %Y} to {last:%B %Y}</h2>
<p class="past">{_gap_words(ctx, gap, span)} Here they are <b>simulated, not observed</b>: each
simulation first runs through them (negotiation states from the run's state model, launches
from the count model), so this outlook carries the uncertainty about what happened in them;
{_gap_fix(ctx)} replaces that simulation with the record. Each then forecasts the 12 months
from {first:%B %Y}, the month under way on the report's day included and simulated in full:
do not add the launches reported in it so far, which the data do not have.
{_overlap_words(ctx, first)} If you know the state of negotiations
today, read its row: it keeps the simulations that are in that state in {first:%B %Y}.</p>
<table id="from-today-table"><tr><th>State in {first:%B %Y}</th><th>Share of simulations</th>
<th>Simulations</th>
<th>Expected launch days (mean)</th><th>Median</th><th>80% interval</th><th>P(ICBM launch)</th>
<th>P(nuclear test)</th></tr>
{rows}
</table>
{_caution_note(totals)}
{_noise_note(totals, "state")}
{_unsplit_note(unsplit)}
{_icbm_today(ctx)}
{_drift_words(ctx, totals, len(today.forecast.months), len(gap))}
{interval_note(ctx, "today", lead=len(gap))}
{_nuclear_note(ctx, today.forecast.months, "today", totals["p_nuclear"].iloc[0])}
<p>The numbers are in <code>outlook_today.csv</code>, the states by month in
<code>outlook_today_states.csv</code>.</p>
{today_chart}"""


def scenarios_today_section(ctx: ReportContext) -> str:
    """The scenario file again, started in today's month (:func:`forecast.scenarios.
    from_today`): "the next 12 months" of each scenario from today, when the forecast from the
    data's end starts in the past."""
    forecast = ctx.scenarios_today
    if forecast is None or not ctx.has_outlook:
        return ""
    months = forecast.months
    first, last = months[0], months[-1]
    data_first = ctx.model.last_month + 1
    gap = pd.period_range(data_first, first - 1, freq="M")
    span = month_span(gap)
    code = str(ctx.model.training["state"].iloc[-1])
    last_state = STATE_WORDS.get(code, code)  # as the scenarios' labels name it
    source = html.escape(Path(ctx.scenario_file).name) if ctx.scenario_file else "scenarios"
    table = ctx.today_headline
    reference = ctx.today_reference
    drawn = forecast.drawn_states
    held = [n for n in forecast.scenarios if n not in drawn]
    assumed = []
    if held:
        assumed.append(
            f"{and_list(f'<i>{html.escape(n)}</i>' for n in held)} "
            f"{'assumes' if len(held) == 1 else 'assume'} {html.escape(last_state)}, "
            f"the last observed state, {'in' if len(gap) == 1 else 'from'} "
            f"{span}"
        )
    if drawn:
        assumed.append(
            f"{and_list(f'<i>{html.escape(n)}</i>' for n in drawn)} "
            f"{'draws' if len(drawn) == 1 else 'draw'} the states of those "
            "months from the state model"
        )
    split = ""
    if ctx.from_today is not None:  # the table above
        split = (
            f" The table above splits one forecast by the state the simulations happen to reach "
            f"in {first:%B %Y}; this one gives each scenario its own path of states (fixed, or "
            f"drawn from the state model) for its {counted(len(months), 'month')}."
        )
    return f"""<h2 id="scenarios-today">The scenarios from today: {first:%B %Y} to {last:%B %Y}</h2>
<p>The scenarios of the section below (<code>{source}</code>), restarted in {first:%B %Y}, the
month under way on the report's day: month 1 is {first:%B %Y}, so "month 3" is
{first + 2:%B %Y} (the scenarios keep their month numbers, not their calendar months).{split}
{_gap_again(ctx, gap, span)} The numbers are in
<code>scenarios_today.csv</code> and, month by month, <code>fan_bands_today.csv</code>; the
chart leaves the months the data lack blank.</p>
{_headline_html(table, "headline-today")}
<p id="scenarios-today-gap">In the months the data lack, {"; ".join(assumed)}.</p>
{interval_note(ctx, "scenarios-today", lead=len(gap))}
{_scenario_note(forecast)}
{_nuclear_note(ctx, months, "scenarios-today", table["p_nuclear"].iloc[0])}
{_contrasts_html(forecast, ctx.today_contrasts, reference, "contrasts-today", CONTRASTS_TODAY)}
{_drawn_drift_note(ctx, len(gap))}
{_fan_chart(ctx, forecast, ctx.today_bands, "fan-today-chart", "fan-today")}"""


def _drawn_drift_note(ctx: ReportContext, gap: int) -> str:
    """Why a scenario whose states follow the state model differs from the reference by a
    different amount from today than from the data's end.

    A difference in launch days moves with the level expected over its months, for a fixed
    path as well; a scenario of the state model moves in rate ratio too, since its states run
    through the ``gap`` months the data lack and spend more of the months out of the state the
    reference holds. One item per such scenario: in both contrast tables and both forecasts,
    its rate ratio moved by 0.01 or more and its months out of the reference's state grew.
    ``""`` when there is none, when the two sections compare with different references, when
    a forecast has no rates, or when the reference's path is not one fixed state.
    """
    today, end = ctx.today_contrasts, ctx.contrasts
    if today is None or end is None or ctx.today_reference != ctx.reference:
        return ""
    now, then = ctx.scenarios_today, ctx.forecast
    reference = ctx.today_reference
    held = [f.states.sel(scenario=reference) for f in (now, then)]
    state = int(held[0].isel(draw=0, month=0))
    if any(bool((h != state).any()) for h in held):
        return ""  # a reference whose states move: no one state to be out of
    words = STATE_WORDS[STATES[state]]
    ends = end.table.set_index("scenario")
    drawn = now.drawn_states
    noun = target_noun(now.target)
    items = []
    for row in today.table.itertuples():
        name = row.scenario
        if name not in drawn or name not in ends.index:  # ends: the scenarios of ``then``
            continue
        ratio_then = ends.loc[name, "rate_ratio"]
        if not abs(row.rate_ratio - ratio_then) >= 0.01:  # NaN (no rates) or not moved
            continue
        away_now = now.states.sel(scenario=name) != state
        away_then = then.states.sel(scenario=name) != state
        # compared as printed, so that the note never says "1.2 against 1.2"
        months_now = round(float(away_now.sum("month").mean()), 1)
        months_then = round(float(away_then.sum("month").mean()), 1)
        if months_now <= months_then:
            continue
        items.append(
            f"<li><i>{html.escape(name)}</i>: an expected rate {row.rate_ratio:.2f} times the "
            f"reference's from today, against {ratio_then:.2f} from the data's end "
            f"({more_or_fewer(row.diff_mean, noun)}, against "
            f"{more_or_fewer(ends.loc[name, 'diff_mean'])}). Its simulations spend on average "
            f"{months_now:.1f} of these {counted(len(now.months), 'month')} out of "
            f"{html.escape(words)}, against {months_then:.1f} of the "
            f"{counted(len(then.months), 'month')} from {then.months[0]:%B %Y}; in "
            f"{now.months[0]:%B %Y}, {float(away_now.isel(month=0).mean()):.0%} of them are "
            "out of it.</li>"
        )
    if not items:
        return ""
    return (
        '<p id="contrasts-today-drift">Why a scenario whose states follow the state model '
        "differs from the reference by a different amount from today than from the data's "
        f"end. A difference in {noun} moves with the level expected over the months, for a "
        "fixed path as well; a scenario of the state model also moves in rate ratio, because "
        "its states are drawn through the "
        f"{counted(gap, 'month')} the data lack as well, so its paths have had longer to leave "
        f"{html.escape(words)}, the state the reference holds. It is the state model's "
        "expectation, not news:</p>\n"
        f'<ul id="contrasts-today-drift-list">\n{"".join(items)}\n</ul>'
    )


def _icbm_today(ctx: ReportContext) -> str:
    """P(an ICBM launch) from today under the recounts of unknown-class launches, as the
    outlook from the data's end gives it (``""`` when the run's classes are not the class
    mix's)."""
    if ctx.icbm is None or "today_text" not in ctx.icbm:
        return ""
    months = len(ctx.from_today.forecast.months)
    return (
        f'<p id="icbm-today" class="caution">Over the {months} months from today, '
        + html.escape(class_words(ctx.icbm["today_text"]))
        + " The answers are in the column <code>p_icbm_from_today</code> of "
        "<code>icbm_sensitivity.csv</code>; why CNS leaves some classes unknown is said under "
        '<a href="#expectations">all things considered</a>.</p>'
    )


def _unsplit_note(unsplit: bool) -> str:
    """Under the table from today when its P(nuclear test) is the same in every row."""
    if not unsplit:
        return ""
    return (
        '<p id="nuclear-unsplit" class="caution">P(nuclear test) is the same in every row: the '
        "run's nuclear-test rate has no state term, so the state in a month does not change it "
        "and every row repeats the value of all simulations (counted state by state it would "
        "differ by simulation noise only; <code>outlook_today.csv</code> leaves those cells "
        "blank).</p>"
    )


def _noise_note(totals: pd.DataFrame, split: str) -> str:
    """Under a table split by ``split`` (``"path"``, ``"state"``): how far the rows' P(ICBM
    launch) move by simulation noise alone (:func:`forecast.summaries.share_noise`; ``""``
    without a split)."""
    noise = share_noise(totals, "p_icbm")
    if noise is None:
        return ""
    n, two_se = noise
    return (
        f'<p class="caution">The rows\' P(ICBM launch) carry simulation noise: with the fewest '
        f"simulations here ({n:,}), two standard errors are {100 * two_se:.0f} points, so a "
        f"difference between rows smaller than that says nothing about the {split} (the noise "
        "of a difference is larger still).</p>"
    )


def _caution_note(totals: pd.DataFrame) -> str:
    """Under a table with a row marked (read with care): what the mark means (``""``: none)."""
    if not totals["caution"].astype(bool).any():
        return ""
    legend = caution_legend()
    return f'<p class="caution">{legend[0].upper()}{legend[1:]}.</p>'


def _drift_words(ctx: ReportContext, totals: pd.DataFrame, months: int, lead: int) -> str:
    """Why the outlook from today differs from the one from the end of the fit over as many
    months (a paragraph; ``""`` when there is none to compare, or they agree): the months
    simulated in between, not news."""
    if ctx.outlook is None:
        return ""
    states = ctx.outlook["states"]
    if month_periods(states).nunique() != months:
        return ""  # a total over another number of months: not comparable
    now, then = totals.iloc[0], ctx.outlook["totals"].iloc[0]
    if abs(now["mean"] - then["mean"]) < 0.05 and now["q90"] == then["q90"]:
        return ""
    end = "the data's end" if ctx.fit_reaches_data_end else "the fit's end"
    news = (
        "no launch after the data's end is in the data"
        if ctx.fit_reaches_data_end
        else "the fit has no month after its end"
    )
    spread = (now["q90"] - now["q10"]) - (then["q90"] - then["q10"])
    rose = (now["mean"] - then["mean"]) - (now["median"] - then["median"])
    why = ""
    if spread > 0 and rose > 0:
        why = (
            ", so the spread widens, and a wider spread of counts raises their mean (a few "
            "simulations with many launches) more than their median"
        )
    return (
        f"<p>Over these {months} months the model expects {now['mean']:.1f} launch days on "
        f"average (median "
        f"{now['median']:.0f}, 80% interval {interval_text(now['q10'], now['q90'])}), against "
        f"{then['mean']:.1f} (median {then['median']:.0f}, "
        f"{interval_text(then['q10'], then['q90'])}) for the {months} months from {end} below. "
        f"The difference is not news from the world: {news}. It comes from the "
        f"{counted(lead, 'simulated month')} in between, which each simulation runs through on "
        "its own (its negotiation states and, "
        f"in a model whose level of launches moves, that level){why}.</p>"
    )


def _gap_words(ctx: ReportContext, gap, span: str) -> str:
    """Which months the outlook from today simulates, and why: the data lack them, or the
    run was fitted to an earlier month than the data's last."""
    months = f"the {counted(len(gap), 'month')} {span} " + ("has" if len(gap) == 1 else "have")
    months += " happened"
    if ctx.fit_reaches_data_end:
        return f"The data end in {gap[0] - 1:%B %Y}; {months} but are <b>not in the data</b>."
    return (
        f"The run was fitted to {gap[0] - 1:%B %Y}, before the data's last month; {months} "
        "but are <b>not in its fit</b>."
    )


def _gap_again(ctx: ReportContext, gap, span: str) -> str:
    """The months the data lack, for the scenarios from today: in full when the page has no
    outlook from today above to say it, else as a pointer to it."""
    tail = "launches included (simulated, not observed, and not counted below)."
    if ctx.from_today is None:
        return f"{_gap_words(ctx, gap, span)} Each simulation first runs through them, {tail}"
    return (
        f"As in the outlook from today above, each simulation first runs through the "
        f"{counted(len(gap), 'month')} {span}, {tail}"
    )


def _gap_fix(ctx: ReportContext) -> str:
    """What puts the simulated months of the outlook from today on the record."""
    if ctx.fit_reaches_data_end:
        return "importing them (the commands in the data banner above)"
    return "refitting on the data (<code>forecast refit</code>) and importing the months they lack"


def diagnostics_section(ctx: ReportContext) -> str:
    """The fit's convergence verdict."""
    if not ctx.has_outlook:
        return ""
    passed = bool(ctx.model.diagnostics.passed)
    verdict = html.escape(ctx.model.diagnostics.verdict())
    return (
        "<h2>Diagnostics of the fit</h2>\n"
        f'<p id="diagnostics" class="{"pass" if passed else "fail"}">{verdict}</p>'
    )


def effects_section(ctx: ReportContext) -> str:
    """Rate ratios of the states against no talks."""
    if not ctx.has_outlook or "state_effect" not in ctx.model.posterior:
        return ""
    table = ctx.model.state_effects()
    effects = figure_to_data_uri(plot_state_effects(table).figure)
    # each state in words, as notebook 03 and forecast fit give them
    items = "\n".join(
        f"<li>{html.escape(text)}</li>" for text in state_effects(table, STATE_LABELS).text
    )
    return (
        "<h2>State effects</h2>\n<p>Rate ratios of each negotiation state against no talks "
        "(94% HDI).</p>\n"
        f'<img id="effects" alt="State effects as rate ratios against no talks" src="{effects}">'
        f'\n<ul id="effects-words">\n{items}\n</ul>'
    )


def timeline_section(ctx: ReportContext) -> str:
    """Launch days per year by class with the negotiation state per year beneath, then the
    last few years month by month."""
    years = figure_to_data_uri(plot_history(ctx.panel).figure)
    months = figure_to_data_uri(plot_recent_months(ctx.panel, RECENT_YEARS).figure)
    return (
        '<h2 id="history">Launches over time</h2>\n<p>Launch days per year (CNS Missile Test '
        "Database), stacked by missile class (a day with launches of two classes is in both "
        "stacks; the black tick counts it once), with the months coded in each negotiation "
        f"state beneath; then the last {RECENT_YEARS} years month by month, shaded by state."
        "</p>\n"
        '<img id="timeline" alt="Launch days per year by class, with the negotiation state '
        f'of each year" src="{years}">\n'
        f'<img id="recent-months" alt="Launch days per month over the last {RECENT_YEARS} '
        f'years, by class and negotiation state" src="{months}">'
    )


def recent_years_section(ctx: ReportContext) -> str:
    """The last ten years in numbers."""
    summary = yearly_summary(ctx.tables)
    recent = summary[summary["year"] >= summary["year"].max() - 9]
    cols = ["year", "launch_days", "missiles", "launch_days_icbm", "nuclear_tests", "state"]
    # yearly_summary's state: the one covering most of the year's days
    names = [
        "Year",
        "Launch days",
        "Missiles",
        "ICBM launch days",
        "Nuclear tests",
        "State (most days)",
    ]
    # the state as every chart and legend names it (Active talks, not active_talks)
    recent = recent.assign(state=recent["state"].map(state_words))
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in cols) + "</tr>"
        for _, r in recent.iterrows()
    )
    header = "".join(f"<th>{n}</th>" for n in names)
    return f'<h2>The last ten years</h2>\n<table id="summary"><tr>{header}</tr>\n{rows}\n</table>'


def notebooks_section(ctx: ReportContext) -> str:
    """Links to the notebook pages (or their sections in the single file)."""
    if not ctx.pages:
        return ""
    links = "\n".join(
        f'<li><a href="{ctx.link(p)}">{html.escape(p.title)}</a></li>' for p in ctx.pages
    )
    return f'<h2>Notebooks</h2>\n<ul id="notebooks">\n{links}\n</ul>'


#: The index page, top to bottom: each function takes the :class:`ReportContext` and returns
#: HTML (``""`` to leave its section out). Add a section by adding a function here.
INDEX_SECTIONS: list[Callable[[ReportContext], str]] = [
    title_section,
    freshness_section,
    warning_section,
    today_section,
    scenarios_today_section,
    outlook_section,
    expectations_section,
    trust_section,
    questions_section,
    sensitivity_section,
    diagnostics_section,
    effects_section,
    timeline_section,
    recent_years_section,
    notebooks_section,
    glossary_section,
    files_section,
]


def index_body(ctx: ReportContext, sections=None) -> str:
    """The index's content: every section of ``sections`` (default :data:`INDEX_SECTIONS`)."""
    sections = INDEX_SECTIONS if sections is None else sections
    return "\n".join(part for part in (section(ctx) for section in sections) if part)
