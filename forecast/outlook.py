"""What to expect, not only what if: the unconditional forecast and forecast questions.

A scenario fixes the negotiation path; readers also ask what to expect *all things
considered*. :func:`simulate_outlook` simulates state paths from the run's transition model
jointly with the count model's draws (each draw its own path), so the forecast integrates over
which state comes; it is the ``transitions: true`` scenario of :mod:`forecast.scenarios`, so
there is one way to simulate (:func:`forecast.simulation.simulate`). :func:`outlook_tables`
gathers its summaries (:mod:`forecast.summaries`): P(each state) per month, the total overall
and split by the path taken.

:func:`answer_questions` answers a question file (:mod:`forecast.questions`) from such
simulations: unconditional questions from the outlook, conditional ones from a simulation
with the given state path imposed (so every draw follows it). The answers are frozen in
``answers.json`` with the draws each needs for scoring; :func:`score_answers` scores them
once the data cover their windows (Brier and log score for binary questions, CRPS for
numeric and date questions), and ``forecast ledger`` shows the track record.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import ConfigError, RunFileError
from forecast.files import read_json
from forecast.present import listed
from forecast.questions import (
    ANSWER_COLUMNS,
    answer,
    month_label,
    outcome_code,
    parse_questions,
    question_end,
    resolve,
    rows_by_month,
    score,
    simulated_outcomes,
)
from forecast.scenarios import Scenario, ScenarioSet, _month, load_scenarios, simulate_scenarios
from forecast.simulation import Forecast, class_mix_drawn, nuclear_from_outlook
from forecast.summaries import Summary, by_path, by_state_in, state_probabilities
from forecast.yamlio import load_yaml_text

ANSWERS_FILE = "answers.json"

#: The folder of ``forecast questions`` outputs the ledger and the report read by default
#: (relative to the folder they run in).
ANSWERS_DIR = Path("answers")

#: Draws of each answer kept for scoring: every draw of a ``full`` fit (4 chains x 1,000), so
#: that the ledger scores exactly the answer printed (a Brier score from the kept draws is the
#: answer's). A longer posterior is thinned evenly to this many, across its chains.
KEPT_DRAWS = 4000


def simulate_outlook(
    model,
    outlook,
    horizon: int,
    random_seed: int = 1,
    draws: int | None = None,
    fixed: dict | None = None,
    label: str = "All things considered",
) -> Forecast:
    """Simulate the next ``horizon`` months with the states following the transition model.

    Parameters
    ----------
    model : BaseModel
        A fitted launch-day model.
    outlook : forecast.runs.Outlook
        The run's transition, class-mix and nuclear models.
    horizon : int
        Months after the fitted data.
    random_seed : int
        Seed.
    draws : int, optional
        Draws (default: the model's posterior draws).
    fixed : dict, optional
        ``{YYYY-MM: state}``: months up to the last key are fixed (a conditional question's
        path), the chain takes over after.
    label : str
        Label of the simulation.

    Returns
    -------
    Forecast
        One scenario, ``outlook``: the ``transitions: true`` scenario of
        :mod:`forecast.scenarios` (each draw its own path of states).
    """
    states = {_month(k, "question", "given"): v for k, v in (fixed or {}).items()}
    scenario = Scenario("outlook", label, states=states, transitions=True)
    spec = ScenarioSet(start=None, horizon=horizon, scenarios={"outlook": scenario})
    return simulate_scenarios(model, spec, random_seed=random_seed, draws=draws, outlook=outlook)


def with_transition_scenarios(
    scenario_set: ScenarioSet, source: str | Path, names: list[str] | None = None
) -> ScenarioSet:
    """``scenario_set`` plus the scenarios of ``source`` whose states follow the transition
    model (``transitions: true``) that it does not define yet.

    A file of fixed paths (a user's, or one written for a past date such as
    ``scenarios/2019-11-after-stockholm.yaml``) gets "all things considered" and the other
    transition scenarios as a file defines them (the shipped ``scenarios/current.yaml``), read
    from it (:func:`forecast.scenarios.load_scenarios`), so they are written once.

    Parameters
    ----------
    scenario_set : ScenarioSet
        A loaded scenario file.
    source : str or Path
        The scenario file the transition scenarios come from.
    names : list of str, optional
        The transition scenarios of ``source`` to add (default: all of them, in its order).

    Returns
    -------
    ScenarioSet
        The set's scenarios first, in their order, then the added ones (its start and
        horizon; each added scenario's ``month N`` and ``within`` count from its start).

    Raises
    ------
    ConfigError
        A name that is not a scenario of ``source`` whose states follow the transition model.
    """
    shipped = load_scenarios(source)
    chained = [n for n, s in shipped.scenarios.items() if s.transitions]
    wanted = chained if names is None else list(names)
    unknown = [n for n in wanted if n not in chained]
    if unknown:
        raise ConfigError(
            str(source),
            f"{', '.join(map(repr, unknown))}: not a scenario of this file whose states follow "
            "the transition model",
            f"name one of {', '.join(map(repr, chained))}",
        )
    added = {n: shipped.scenarios[n] for n in wanted if n not in scenario_set.scenarios}
    if not added:
        return scenario_set
    merged = {**scenario_set.scenarios, **added}
    # the set's own lines, so that an error in one of its scenarios still names its line
    return ScenarioSet(
        scenario_set.start, scenario_set.horizon, merged, scenario_set.source, scenario_set.lines
    )


def outlook_tables(forecast: Forecast) -> dict[str, pd.DataFrame]:
    """Summaries of an outlook simulation.

    Returns
    -------
    dict of DataFrame
        ``states``: P(each state) per month; ``totals``: the total over the horizon
        (:func:`forecast.summaries.by_path`: overall and for each path taken, with the share
        and number of simulations on each path and a caution where few carry a row).
    """
    states = state_probabilities(forecast).drop(columns="scenario")
    return {"states": states, "totals": by_path(forecast).table}


@dataclass(frozen=True)
class TodayOutlook:
    """The outlook from the current month, with the months since the data's end simulated.

    Attributes
    ----------
    full : Forecast
        The whole simulation: the months between the data's end and the current month, then
        the forecast from the current month (what a quantity redrawn with the simulation's own
        random streams needs, such as the recounted P(ICBM) of
        :func:`forecast.unknown_class.icbm_range`).
    current : Period
        The current month (the first month of :attr:`forecast`).
    """

    full: Forecast
    current: pd.Period

    @functools.cached_property
    def forecast(self) -> Forecast:
        """The months from the current month on (each draw its own state path)."""
        return self.full.months_from(self.current)

    @property
    def simulated(self) -> pd.PeriodIndex:
        """The months between the data's end and the current month: they have happened, but
        the data do not have them, so their states and launches were simulated, not
        observed."""
        return self.full.months[self.full.months < self.current]

    @functools.cached_property
    def split(self) -> Summary:
        """The total split by the state in the current month, in a table and in words
        (:func:`forecast.summaries.by_state_in`), computed once."""
        return by_state_in(self.forecast, self.current)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``states``: P(each state) per month; ``totals``: :attr:`split`'s table."""
        states = state_probabilities(self.forecast).drop(columns="scenario")
        return {"states": states, "totals": self.split.table}


def outlook_from_today(
    model,
    outlook,
    today: dt.date,
    horizon: int = 12,
    random_seed: int = 1,
    draws: int | None = None,
) -> TodayOutlook | None:
    """The next ``horizon`` months from ``today``'s month, all things considered.

    The months from the data's end to the month before ``today`` are simulated first (states
    from the transition model, launches from the count model) and then dropped: one joint
    simulation, so the forecast from today carries the uncertainty about what happened in
    the months the data lack.

    Parameters
    ----------
    model : BaseModel
        A fitted launch-day model.
    outlook : forecast.runs.Outlook
        The run's transition, class-mix and nuclear models.
    today : date
        The day the outlook starts from (its month is the first forecast month).
    horizon : int
        Months from today's month on.
    random_seed, draws
        As :func:`simulate_outlook`.

    Returns
    -------
    TodayOutlook or None
        None when the data reach today's month (the outlook from the data's end is the
        outlook from today).
    """
    first = model.last_month + 1
    current = pd.Period(today, "M")
    gap = (current - first).n
    if gap <= 0:
        return None
    forecast = simulate_outlook(
        model,
        outlook,
        gap + horizon,
        random_seed=random_seed,
        draws=draws,
        label=f"From {current:%B %Y}, all things considered",
    )
    return TodayOutlook(full=forecast, current=current)


# --- questions ----------------------------------------------------------------------------------


def _horizon(model, questions) -> int:
    first = model.last_month + 1
    last = max(question_end(q) for q in questions)  # a given path may end after the window
    early = [q.id for q in questions if q.start < first]
    if early:
        raise ConfigError(
            questions[0].source,
            f"{listed('question', early)} {'starts' if len(early) == 1 else 'start'} before the "
            f"month after the fitted data ({first})",
            "ask about months after the data, or refit the run on data that end before them",
        )
    for q in questions:  # a conditional question's state path is a forecast's too
        if q.first_month < first:
            raise ConfigError(
                q.source,
                f"question {q.id!r}: given.{q.first_month} is before the month after the "
                f"fitted data ({first}); the states up to {first - 1} are observed",
                f"start the given path at {first} or later, or refit the run on data that end "
                "before it",
            )
    return (last - first).n + 1


def answer_questions(model, outlook, questions, random_seed: int = 1, draws: int | None = None):
    """Answer every question from the model and its outlook.

    Returns
    -------
    answers : DataFrame
        One row per question (:data:`forecast.questions.ANSWER_COLUMNS`).
    outcomes : dict
        Per question id, the simulated outcomes kept for scoring (at most
        :data:`KEPT_DRAWS`).
    forecast : Forecast
        The unconditional outlook simulation.
    """
    if model.target != "launch_days":
        raise ConfigError(
            "RUN_DIR",
            f"the run forecasts {model.target}, the questions count launch days",
            "answer questions from a run fitted to launch_days (the default)",
        )
    horizon = _horizon(model, questions)
    forecast = simulate_outlook(model, outlook, horizon, random_seed, draws)
    sim = forecast.data.isel(scenario=0)
    as_of = f"{model.data_end:%Y-%m-%d}"
    rows, outcomes = [], {}
    for question in questions:
        sims = sim
        if question.type == "conditional":
            fixed = {str(m): s for m, s in question.given.items()}
            last = max(question.given_months)
            fixed[str(last)] = question.given[max(question.given)]
            sims = simulate_outlook(
                model, outlook, horizon, random_seed, draws, fixed=fixed
            ).data.isel(scenario=0)
        source = answered_by(question, model, outlook, sims)
        row = {**answer(question, sims), "model": source, "data_as_of": as_of}
        rows.append(row)
        values = np.asarray(simulated_outcomes(question, sims).values)
        outcomes[question.id] = _keep(values)
    return pd.DataFrame(rows, columns=list(ANSWER_COLUMNS)), outcomes, forecast


def answered_by(question, model, outlook, sims) -> str:
    """The model whose simulations answer a question, named as ``questions.csv`` names it.

    Parameters
    ----------
    question : forecast.questions.Question
        The question (a conditional one carries its inner question's event).
    model : BaseModel
        The run's count model.
    outlook : forecast.runs.Outlook
        The run's outlook models.
    sims : Dataset
        The simulations that answer it (:func:`simulate_outlook`'s, one scenario).

    Returns
    -------
    str
        For a question about the negotiation states, the state model's catalog name
        (``blind_mix``); for a nuclear test, the nuclear-test rule's (``half_life_28``) when
        the outlook drew the tests (a count model that draws its own, ``class_hierarchical``,
        answers itself); for a question on a weapon class, the count model "with the class
        mix" when the run's class mix split its launch days; else the count model's name.
    """
    from forecast.models.events import NUCLEAR_CANDIDATES, NuclearRate, nuclear_rule_words
    from forecast.models.state_catalog import TRANSITION_MODELS

    kind = question.event.kind
    if kind == "state_change":
        chain = outlook.transitions
        return next((n for n, cls in TRANSITION_MODELS.items() if type(chain) is cls), chain.name)
    if kind == "nuclear_test" and nuclear_from_outlook(sims):
        priors = outlook.nuclear.priors
        rules = NUCLEAR_CANDIDATES.items()
        same = (n for n, v in rules if {**NuclearRate.default_priors, **v} == priors)
        return next(same, None) or nuclear_rule_words(priors)
    if question.event.weapon_class and class_mix_drawn(sims):
        return f"{model.name} with the class mix"
    return model.name


def _keep(values: np.ndarray) -> list[int]:
    """JSON-ready simulated outcome codes (1/0, counts, month indices): all of them, or
    :data:`KEPT_DRAWS` spread evenly over them when there are more."""
    values = np.asarray(values)
    if len(values) > KEPT_DRAWS:
        values = values[np.linspace(0, len(values) - 1, KEPT_DRAWS).round().astype(int)]
    return [int(v) for v in values]


def freeze_answers(
    answers: pd.DataFrame, outcomes: dict, questions_file: Path, run_dir: Path, seed: int
) -> dict:
    """The ``answers.json`` record: answers, kept outcomes, and where they came from."""
    text = Path(questions_file).read_bytes()
    return {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "questions_file": str(Path(questions_file).resolve()),
        "questions_hash": hashlib.sha256(text).hexdigest(),
        "questions_text": text.decode("utf-8"),
        "run": str(Path(run_dir).resolve()),
        "seed": seed,
        "answers": json.loads(answers.to_json(orient="records", date_format="iso")),
        "outcomes": outcomes,
    }


def read_answers(folder: Path) -> dict:
    """A frozen ``answers.json``, refusing a damaged one."""
    path = Path(folder) / ANSWERS_FILE
    fix = "re-run 'forecast questions' into a new folder"
    record = read_json(path, fix)
    needed = {"answers", "outcomes", "questions_text"}
    if not isinstance(record, dict) or not needed <= set(record):
        raise RunFileError(path, f"not a frozen answers file (needs {sorted(needed)})", fix)
    problem = _answers_problem(record)
    if problem:
        raise RunFileError(path, f"not a frozen answers file: {problem}", fix)
    return record


def _answers_problem(record: dict) -> str | None:
    """What is wrong with the parts of a loaded ``answers.json`` the ledger reads (``None``:
    usable): the question file's text, the answers by question, the kept outcomes."""
    text = record["questions_text"]
    if not isinstance(text, str) or not text.strip():
        return "'questions_text' (the question file it answered) is not text, or is empty"
    answers = record["answers"]
    if not isinstance(answers, list) or not all(
        isinstance(a, dict) and isinstance(a.get("question"), str) for a in answers
    ):
        return "'answers' is not a list of answers, each naming its question"
    outcomes = record["outcomes"]
    if not isinstance(outcomes, dict):
        return "'outcomes' is not a mapping of questions to simulated outcomes"
    for question, values in outcomes.items():
        if not isinstance(values, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in values
        ):
            return f"the outcomes kept for {question!r} are not a list of finite numbers"
    return None


@functools.lru_cache(maxsize=512)
def embedded_questions(text: str, source: str) -> tuple:
    """The questions of the text a record keeps (``questions_text`` of ``answers.json`` or of a
    backfilled record), parsed once per text: a track record scores the same few texts many
    times."""
    # a plain mapping: a line of the embedded text is no line of the file that keeps it
    return tuple(parse_questions(dict(load_yaml_text(text, source)), source))


def score_answers(
    record: dict, observed: pd.DataFrame, questions=None, where: dict | None = None
) -> pd.DataFrame:
    """Score the frozen answers whose questions the observed data resolve.

    Parameters
    ----------
    record : dict
        A frozen ``answers.json`` (:func:`freeze_answers`).
    observed : DataFrame
        The monthly panel of the data now available.
    questions : tuple of Question, optional
        The record's questions, already parsed (:func:`embedded_questions`).
    where : dict, optional
        :func:`forecast.questions.rows_by_month` of ``observed``, for a caller that scores
        many records on the same data.

    Returns
    -------
    DataFrame
        One row per question: ``question, type, status`` (``waiting``, ``resolved``,
        ``annulled``), ``outcome`` (the code the scores use: a date question's month index),
        ``outcome_label`` (the outcome in words: a date question's month, ``after END`` when
        none came), ``brier``, ``log_score`` (binary), ``crps`` (numeric, date).
    """
    if questions is None:
        questions = embedded_questions(record["questions_text"], "answers.json")
    where = rows_by_month(observed) if where is None else where
    rows = []
    for question in questions:
        outcome = resolve(question, observed, where)
        row = {"question": question.id, "type": question.type, "outcome": None}
        if outcome is None:
            rows.append({**row, "status": "waiting"})
            continue
        if isinstance(outcome, str) and outcome == "annulled":
            rows.append({**row, "status": "annulled", "outcome": outcome})
            continue
        draws = np.asarray(record["outcomes"].get(question.id, []), dtype=float)
        scores = score(question, outcome, draws)
        code = outcome_code(question, outcome)
        label = month_label(question, code) if question.answer_type == "date" else str(code)
        rows.append(
            {**row, "status": "resolved", "outcome": str(code), "outcome_label": label, **scores}
        )
    columns = ["question", "type", "status", "outcome", "outcome_label"]
    columns += ["brier", "log_score", "crps"]
    return pd.DataFrame(rows).reindex(columns=columns)
