"""The work of ``forecast scenarios`` and ``forecast questions``, once
:mod:`forecast.cli.run_commands` has checked them. Loads the modelling layers at its top."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from forecast.cli.console import console, print_freshness
from forecast.cli.tables import answers_table, past_scores_table, totals_table
from forecast.columns import DICTIONARY_FILE, column_meanings
from forecast.constants import MAX_HORIZON, STATE_WORDS
from forecast.data import monthly_panel
from forecast.errors import ConfigError
from forecast.files import write_csv, write_text_atomic
from forecast.freshness import (
    answer_windows,
    check_today,
    data_freshness,
    forecast_origin,
    forecast_timing,
    freshness_lines,
    month_columns,
    past_score_summary,
    past_score_words,
    score_past_months,
    window_columns,
)
from forecast.models.events import nuclear_rule_words
from forecast.nuclear_rules import (
    REFIT_FOR_RULES,
    asks_p_nuclear,
    nuclear_rules,
    saved_without_rules,
)
from forecast.outlook import ANSWERS_FILE, answer_questions, freeze_answers, outlook_tables
from forecast.outputs import output_dir
from forecast.plots import (
    plot_answers,
    plot_probabilities,
    plot_scenarios,
    plot_state_probabilities,
    plot_totals,
    save_figures,
)
from forecast.present import counted, month_span
from forecast.questions import check_question_horizon, load_questions
from forecast.runs import load_outlook, load_run
from forecast.scenarios import from_today as from_today_set
from forecast.scenarios import simulate_scenarios
from forecast.simulation import nuclear_from_outlook, simulation_draws
from forecast.summaries import (
    compare,
    monthly,
    probabilities,
    reference_scenario,
    state_probabilities,
    target_noun,
    totals,
)


def scenarios(
    run_dir: Path,
    spec,
    out: Path,
    draws: int | None,
    seed: int,
    tables,
    data_dir: Path | None,
    today,
    *,
    force: bool,
    from_today: bool = False,
) -> None:
    """``forecast scenarios``: simulate each scenario from a run; write tables and figures
    (with ``from_today``, started in ``today``'s month: :func:`forecast.scenarios.from_today`)."""
    model, _ = load_run(run_dir)
    _check_draws(model, draws, run_dir)
    outlook = load_outlook(run_dir, required=False)
    first = model.last_month + 1
    day = today or dt.date.today()
    startable = from_today_set(spec, first, day)  # None: nothing to start in today's month
    started = startable if from_today else None
    spec = started or spec
    forecast = simulate_scenarios(model, spec, random_seed=seed, draws=draws, outlook=outlook)
    timing = forecast_timing(forecast.months.to_timestamp(), today=today)
    # the months to score are read before anything is written: data the panel refuses (an
    # imported launch after the state timeline) refuse the command with nothing on disk
    observed = monthly_panel(tables) if timing.partly_past else None
    # the data's age after the checks above: a refusal is not buried under the stale-data lines
    print_freshness(freshness_lines(data_freshness(tables, today=today, data_dir=data_dir)))
    own_rate = nuclear_from_outlook(forecast.data)  # the outlook's rate drew the nuclear tests
    rules = (
        nuclear_rules(model.last_month + 1, outlook, seed, [forecast.months]) if own_rate else None
    )
    written = write_scenario_outputs(
        forecast, model.training, out, force=force, rules=rules, data_end=model.data_end, today=day
    )
    origin = forecast_origin(model.last_month, tables.last_whole_month)
    over = counted(spec.horizon, "month")
    title = f"{timing.title_from(origin)} ({model.name}): totals over {over}"
    console.print(totals_table(written["summary"], title))
    if started:
        console.print(_skipped_words(model, forecast.months[0]), highlight=False)
    elif from_today:  # nothing to restart, or too far to simulate
        far = pd.Period(day, "M") > first
        console.print(
            f"--from-today changes nothing: the forecast starts in {first:%B %Y}, "
            + (
                f"more than {MAX_HORIZON} months before today's month (refit on newer data)."
                if far
                else "today's month or later."
            ),
            highlight=False,
        )
    elif timing.partly_past and startable:
        console.print(
            f"To count the {over} from today's month instead (the "
            "months the data lack simulated first): add --from-today.",
            highlight=False,
        )
    if forecast.note:
        console.print(forecast.note)
    if own_rate and saved_without_rules(outlook):
        console.print(_rules_line(None, outlook), highlight=False)
    if observed is not None:
        scores = score_past_months(forecast, observed)
        summary = past_score_summary(scores, forecast)
        if summary.empty:
            console.print(
                "None of the forecast's past months is in the data yet: import them (see "
                "above) to score it."
            )
        else:
            console.print(past_scores_table(summary))
            console.print(past_score_words(summary, forecast.target))
    console.print(f"written: {out}")


def _skipped_words(model, start) -> str:
    """What happened to the months between a run's data and scenarios started after them."""
    first = model.last_month + 1
    state = str(model.training["state"].iloc[-1])
    span = month_span([first, start - 1])
    return (
        f"From {start:%B %Y}: the months {span}, which the run's data lack, were simulated "
        f"first and are not counted (a fixed path keeps the last observed state, "
        f"{STATE_WORDS.get(state, state)}, in them; a path of the state model runs through them)."
    )


def write_scenario_outputs(
    forecast, history, out: Path, force: bool = False, rules=None, data_end=None, today=None
) -> dict:
    """Write the tables, figures and draws of a scenario forecast into ``out``, all or nothing.

    The folder is written with :func:`forecast.outputs.output_dir`: refused unless it is new,
    empty, or (with ``force``) an earlier output of ``forecast scenarios``; built beside
    ``out`` and swapped in when complete. Every number comes from :mod:`forecast.summaries`;
    ``rules`` (:class:`forecast.nuclear_rules.NuclearRules`, optional) adds
    :data:`RULES_FILE`, P(nuclear test) over the scenarios' months under every rule. With
    ``data_end`` (the fitted data's last day), the CSVs carry the window and its status on
    ``today`` as the report's do (:func:`forecast.freshness.window_columns` for the totals,
    comparisons and probabilities; :func:`forecast.freshness.month_columns` for the tables by
    month), so that a CSV forwarded alone does not pass a past month for a forecast; beside
    them, ``columns.csv`` says what each column means (:mod:`forecast.columns`).

    Returns
    -------
    dict of DataFrame
        ``summary`` (totals), ``monthly``, ``comparisons`` (each scenario against ``persist``,
        else the file's first: :func:`forecast.summaries.reference_scenario`),
        ``probabilities``, and, when a scenario follows the transition model,
        ``states`` (P(each state) by month).
    """
    reference = reference_scenario(forecast.scenarios)  # as the report and notebook 04
    tables = {
        "summary": totals(forecast).table,
        "monthly": monthly(forecast),
        "comparisons": compare(forecast, reference).table.assign(reference=reference),
        "probabilities": probabilities(forecast),
    }
    if forecast.drawn_states:  # a scenario follows the transition model
        tables["states"] = state_probabilities(forecast)
    if data_end is not None:
        for name in ("summary", "comparisons", "probabilities"):
            tables[name] = window_columns(tables[name], forecast.months, data_end, today)
        for name in ("monthly", "states"):
            if name in tables:
                tables[name] = month_columns(tables[name], data_end, today)
    written = {f"{name}.csv": table for name, table in tables.items()}
    noun = target_noun(forecast.target)
    if rules is not None:
        written[RULES_FILE] = rules.table()
    figures = {
        "fan.png": lambda: plot_scenarios(forecast, history).figure,
        "totals.png": lambda: plot_totals(forecast).figure,
        "probabilities.png": lambda: (
            plot_probabilities(tables["probabilities"], months=forecast.months).figure
        ),
    }
    with output_dir(out, "scenarios", force=force) as tmp:
        _write_files(tmp, written, noun, figures)
        forecast.data.to_netcdf(tmp / "draws.nc")
    return tables


def _write_files(folder: Path, tables: dict, noun: str, figures: dict) -> None:
    """Write a command's tables and figures into its output folder (still the temporary one).

    Parameters
    ----------
    folder : Path
        The folder :func:`forecast.outputs.output_dir` gave.
    tables : dict of str to DataFrame
        File name -> table, each written as CSV, and ``columns.csv`` explaining their columns
        (:func:`forecast.columns.column_meanings`).
    noun : str
        What the run counts, in the plural (:func:`forecast.summaries.target_noun`).
    figures : dict of str to callable
        File name -> a function returning the figure, saved as PNG and closed.
    """
    for name, table in tables.items():
        write_csv(table, folder / name, index=False, float_format="%.4g")
    write_csv(column_meanings(tables, noun), folder / DICTIONARY_FILE, index=False)
    save_figures(folder, figures)


def _check_draws(model, draws: int | None, run_dir: Path) -> None:
    """Refuse a ``--draws`` above the posterior draws the run holds."""
    available = simulation_draws(model)
    if draws is not None and draws > available:
        raise ConfigError(
            "--draws",
            f"{draws:,} draws asked, but {run_dir} holds {available:,} posterior draws (more "
            "would only repeat them, at the cost of memory and disk)",
            f"pass --draws from 1 to {available:,}, or leave it out to use all of them",
        )


def questions(
    run_dir: Path,
    config: Path,
    out: Path,
    draws: int | None,
    seed: int,
    *,
    force: bool,
    today=None,
) -> None:
    """``forecast questions``: answer a question file from a run; freeze the answers."""
    asked = load_questions(config)
    model, _ = load_run(run_dir)
    _check_draws(model, draws, run_dir)
    # as fit and scenarios: a --today before the fitted data's end would mark no window begun
    check_today(model.data_end, today)
    check_question_horizon(asked, model.last_month)
    outlook = load_outlook(run_dir)
    answers, outcomes, forecast = answer_questions(model, outlook, asked, seed, draws)
    tables = outlook_tables(forecast)
    own_rate = nuclear_from_outlook(forecast.data)  # the outlook's rate drew the nuclear tests
    on_nuclear = [q for q in asked if asks_p_nuclear(q)] if own_rate else []
    rules = None
    if on_nuclear:
        rules = nuclear_rules(model.last_month + 1, outlook, seed, [q.months for q in on_nuclear])
    record = freeze_answers(answers, outcomes, config, run_dir, seed)
    with output_dir(out, "questions", force=force) as tmp:
        # each answer's window, and the outlook's, placed on today as the report places them
        noun = target_noun(forecast.target)
        written = {
            "answers.csv": answer_windows(answers, today),
            "states.csv": month_columns(tables["states"], model.data_end, today),
            "outlook.csv": window_columns(tables["totals"], forecast.months, model.data_end, today),
        }
        if rules is not None:
            written[RULES_FILE] = rules.table()
        figures = {
            "answers.png": lambda: plot_answers(answers)[0].figure,
            "states.png": lambda: plot_state_probabilities(tables["states"]).figure,
        }
        _write_files(tmp, written, noun, figures)
        write_text_atomic(tmp / ANSWERS_FILE, json.dumps(record) + "\n")
    title = f"Answers from {run_dir} (data to {answers['data_as_of'].iloc[0]})"
    by_rule = rules.by_question(asked) if rules is not None else {}
    console.print(answers_table(answers, title, today=today, other_rules=by_rule))
    if on_nuclear:
        console.print(_rules_line(rules, outlook), highlight=False)
    # the report's caveats; the track record's from record.csv as shipped (the report scores
    # it on its own data: the same numbers until new months resolve more of its answers)
    from forecast.evaluation.question_caveats import question_caveats, shipped_record

    rule = dict(outlook.nuclear.priors) if own_rate else None
    caveats = question_caveats(
        answers,
        str(model.training["state"].iloc[-1]),
        record=shipped_record(config),
        nuclear_rule=rule,
    )
    if caveats:
        console.print(
            "Read with care (the question backtest, docs/evaluation; the backfilled track "
            "record, docs/track_record):"
        )
        for question, caveat in caveats.items():
            console.print(f"  {question}: {caveat}", highlight=False)
    console.print(f"written: {out}")


#: The other nuclear-test rules' answers, beside the run's, in a command's output folder.
RULES_FILE = "nuclear_rules.csv"


def _rules_line(rules, outlook) -> str:
    """Under answers on a nuclear test: which rule answered them and where the others are (a
    run saved before runs kept the other rules: that a refit adds them)."""
    if rules is None or saved_without_rules(outlook):
        return f"P(nuclear test): {REFIT_FOR_RULES}."
    return (
        f"P(nuclear test) is the run's rule ({nuclear_rule_words(outlook.nuclear.priors)}); "
        "in brackets, the other rules the question backtest cannot tell from it "
        f"(docs/evaluation/nuclear.md; every rule in {RULES_FILE})."
    )
