"""Scenarios: files of negotiation-state paths -> the futures they describe -> a Forecast.

A scenario file is YAML of exactly this shape::

    start: 2019-11          # first forecast month; default: the month after the fitted data
    horizon: 12             # months (1..120)
    scenarios:
      stalled:
        label: Talks stay stalled after Stockholm
        states: {2019-11: stalled}
      summit:
        label: A third summit in spring
        states: {2019-11: stalled, 2020-03: summitry}
        exercises: {2020-03: suspended}     # optional covariate override

``states`` is a step function: each entry holds from its month until the next
entry. A scenario **without** a ``states`` key means "the last observed state
persists" (the state of the last fitted month).

A month may also be given relative to the forecast: ``month 3`` is its third month, whatever
the fitted data's end (``states: {month 3: active_talks}``). A file written this way stays
valid as new data move the forecast on (``scenarios/current.yaml`` is); one mapping uses one
kind of key. A label may name the last observed state with ``{last_state}`` ("The last
observed state ({last_state}) persists" reads "... (no talks) persists").

A third kind of scenario lets the state-transition model of the run
(:mod:`forecast.models.transitions`) choose the states::

      outlook:
        label: All things considered (states follow the transition model)
        transitions: true
      talks_then_model:
        label: Talks resume in March, then the model
        states: {2026-03: active_talks}   # fixed through its last step month ...
        transitions: true                 # ... then the chain takes over
      summit_announced:
        label: A summit is announced
        transitions: true
        conditions:                       # override: P(summitry within 3 months) = 0.7
          - {state: summitry, within: 3, probability: 0.7}

With ``transitions: true`` every draw follows its own state path, simulated from
its own posterior transition matrix, so the forecast integrates over which state
comes; ``conditions`` (at most three; ``state`` may be a list) set the share of
paths in which an event happens within the first ``within`` forecast months
(exact conditioning of the chain, see
:meth:`~forecast.models.transitions.TransitionModel.simulate`). ``exercises`` works the same way
with the scales of ``exercises.csv``: ``full`` or ``simulation`` keep the usual
exercise calendar, ``reduced`` halves it, ``suspended`` removes it; without it
the usual calendar applies (mean exercise days per calendar month over the last
five fitted years). Exercise scales act only through a model with an exercise term: for one
without (``ar_level_lean``, the default's lean form), :func:`simulate_scenarios` puts a
sentence saying so in the forecast's ``note`` (:func:`unread_exercises`); for a naive baseline,
or a variant without the state term, one about the state paths (:func:`unread_states`).

Every scenario is simulated from the same posterior draws with the same seed,
so comparisons between scenarios carry the joint uncertainty (common random
numbers). This module reads and checks scenario files and turns each scenario into a
:class:`~forecast.simulation.Future`; :func:`forecast.simulation.simulate` makes the
:class:`~forecast.simulation.Forecast` and :mod:`forecast.summaries` says what it holds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.catalog import state_models
from forecast.constants import (
    EXERCISE_SCALES,
    MAX_HORIZON,
    MAX_SCENARIOS,
    MAX_SIMULATION_CELLS,
    STATE_WORDS,
    STATES,
)
from forecast.errors import ConfigError
from forecast.present import listed
from forecast.simulation import Forecast, Future, simulate, simulation_draws, state_paths
from forecast.yamlio import load_yaml, located

#: How each exercise scale scales the usual calendar.
EXERCISE_FACTOR = {"full": 1.0, "simulation": 1.0, "reduced": 0.5, "suspended": 0.0}

#: Years of fitted data that define the usual exercise calendar.
CALENDAR_YEARS = 5


@dataclass
class Scenario:
    """One scenario: a label and step-function paths of states and exercise scales."""

    name: str
    label: str
    #: Steps by calendar month, or by forecast month (``int`` N: the N-th, from 1) until the
    #: set is :meth:`ScenarioSet.resolved` against its start.
    states: dict[pd.Period | int, str] = field(default_factory=dict)
    exercises: dict[pd.Period | int, str] = field(default_factory=dict)
    #: Later months (after the last ``states`` step) follow the transition model.
    transitions: bool = False
    #: Event-probability overrides of the transition model (``state``, ``within``,
    #: ``probability``).
    conditions: list[dict] = field(default_factory=list)


@dataclass
class ScenarioSet:
    """A validated scenario file."""

    start: pd.Period | None
    horizon: int
    scenarios: dict[str, Scenario]
    source: str = ""
    #: The line of each key in the file (:class:`forecast.yamlio.YamlMapping`), for errors
    #: found after loading.
    lines: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.scenarios)

    def resolved(self, start: pd.Period, last_state: str | None = None) -> ScenarioSet:
        """The set with every ``month N`` step placed on the calendar (the N-th month from
        ``start``), each ``month N`` of a label followed by its calendar month ("in month 3
        (March 2026)") and each ``within N months`` by the month it ends (:func:`_dated_label`),
        and ``{last_state}`` in the labels replaced by ``last_state``'s words (a state code, or
        words such as "each fit's own")."""
        scenarios = {}
        for name, scenario in self.scenarios.items():
            steps = {}
            for key, given in (("states", scenario.states), ("exercises", scenario.exercises)):
                placed = {start + (k - 1) if isinstance(k, int) else k: v for k, v in given.items()}
                steps[key] = dict(sorted(placed.items()))
            label = _dated_label(scenario.label, start, self.horizon)
            if last_state is not None:
                words = STATE_WORDS.get(last_state, last_state)
                label = label.replace("{last_state}", words)
            scenarios[name] = replace(scenario, label=label, **steps)
        return replace(self, scenarios=scenarios)


def _dated_label(label: str, start: pd.Period, horizon: int = MAX_HORIZON) -> str:
    """``label`` with each ``month N`` (N from 1 to ``horizon``, written as a step key may be:
    any case, any spaces) followed by the calendar month it is from ``start``, and each
    ``within N months`` by the month its window ends, as a condition's ``within`` counts from
    ``start``: from March 2026, "month 3" -> "month 3 (May 2026)" and "within 3 months" ->
    "within 3 months (through May 2026)". Left alone when a parenthesis already follows it,
    when N is not a whole month of the forecast ("month 0", "month 3.5", "month 3-5"), and a
    window counted from something else ("within 3 months of talks resuming") or not written
    as one ("a within 12 month period")."""

    def dated(match: re.Match, words: str = "") -> str:
        n = int(match[1])
        if not 1 <= n <= horizon:
            return match[0]
        return f"{match[0]} ({words}{start + (n - 1):%B %Y})"

    def window(match: re.Match) -> str:
        if (match[2].lower() == "month") != (int(match[1]) == 1):  # "1 month", "3 months"
            return match[0]
        return dated(match, "through ")

    whole = r"(?![\d.,-]?\d)(?!\s*\()"
    label = re.sub(rf"\bmonth\s+(\d{{1,4}}){whole}", dated, label, flags=re.IGNORECASE)
    counted_from = r"(?!\s+(?:of|after|from|before|since)\b)"
    pattern = rf"\bwithin\s+(\d{{1,4}})\s+(months?)\b(?!\s*\(){counted_from}"
    return re.sub(pattern, window, label, flags=re.IGNORECASE)


#: Years a scenario month may name (the panel starts in 1990; nothing is forecast past 2200).
MONTH_YEARS = (1990, 2200)


def _month(value, file: str, key: str) -> pd.Period:
    """A scenario month: ``YYYY-MM`` or a real date ``YYYY-MM-DD`` (text or a date object)."""
    if isinstance(value, dt.date):  # a mapping built in Python (our YAML keeps dates as text)
        value = value.isoformat()[:10]
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})(-\d{2})?", text)
    try:
        if match is None:
            raise ValueError
        if match[3]:
            dt.date.fromisoformat(text)  # refuses 2026-02-30
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12 or not MONTH_YEARS[0] <= year <= MONTH_YEARS[1]:
            raise ValueError
        return pd.Period(year=year, month=month, freq="M")
    except (ValueError, TypeError):
        raise ConfigError(
            file,
            f"key '{key}': {value!r} is not a month",
            f"write months as YYYY-MM (or a real date YYYY-MM-DD), years "
            f"{MONTH_YEARS[0]}..{MONTH_YEARS[1]}",
        ) from None


def _steps(raw, allowed, file: str, key: str, start: pd.Period | None) -> dict:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(
            file,
            f"key '{key}' is empty or not a mapping",
            "give {YYYY-MM: value, ...}, or remove the key (no states: the last observed "
            "state persists)",
        )
    if len(raw) > 2 * MAX_HORIZON:
        raise ConfigError(
            file,
            f"key '{key}' has {len(raw)} entries, more than {2 * MAX_HORIZON}",
            "give one entry per change of value (a step holds until the next one)",
        )
    out = {}
    for month, value in raw.items():
        relative = re.fullmatch(r"month\s+(\d+)", str(month).strip(), flags=re.IGNORECASE)
        if relative is not None:
            period = int(relative[1])
            if not 1 <= period <= MAX_HORIZON:
                raise ConfigError(
                    file,
                    f"key '{key}.{month}': the forecast has months 1..{MAX_HORIZON}",
                    "write 'month 1' for the forecast's first month, 'month 2' for the next",
                )
        else:
            period = _month(month, file, f"{key}.{month}")
        if out and isinstance(period, int) != isinstance(next(iter(out)), int):
            raise ConfigError(
                file,
                f"key '{key}' mixes calendar months and 'month N'",
                "give every step of one mapping the same way",
            )
        if period in out:
            raise ConfigError(
                file,
                f"key '{key}': the month {period} is given twice ({month!r} and an earlier key)",
                "give each month once (a step holds until the next one)",
            )
        if value not in allowed:
            raise ConfigError(
                file, f"key '{key}.{month}': unknown value {value!r}", f"use one of {list(allowed)}"
            )
        if start is not None and not isinstance(period, int) and period < start:
            raise ConfigError(
                file,
                f"key '{key}.{month}' is before the scenario start {start}",
                "move the month to the start or later, or change 'start'",
            )
        out[period] = value
    return dict(sorted(out.items()))


#: Conditions a transition scenario may set.
MAX_CONDITIONS = 3


def _conditions(raw, source: str, key: str) -> list[dict]:
    """Validate the shape of a scenario's ``conditions`` (the transition model checks the rest)."""
    if raw is None:
        return []
    items = [raw] if isinstance(raw, dict) else raw
    example = "e.g. [{state: summitry, within: 3, probability: 0.7}]"
    if not isinstance(items, list) or not items or len(items) > MAX_CONDITIONS:
        raise ConfigError(
            source, f"key '{key}' is not a list of 1..{MAX_CONDITIONS} conditions", example
        )
    out = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if not isinstance(item, dict) or set(item) != {"state", "within", "probability"}:
            raise ConfigError(source, f"key '{where}' needs state, within, probability", example)
        states = item["state"] if isinstance(item["state"], list) else [item["state"]]
        unknown = [s for s in states if s not in STATES]
        if unknown or not states:
            raise ConfigError(source, f"key '{where}.state': unknown {unknown}", f"use {STATES}")
        within = item["within"]
        if not isinstance(within, int) or isinstance(within, bool) or within < 1:
            raise ConfigError(source, f"key '{where}.within': {within!r}", "a number of months")
        p = item["probability"]
        if not isinstance(p, int | float) or isinstance(p, bool) or not 0 <= p <= 1:
            raise ConfigError(source, f"key '{where}.probability': {p!r}", "a number in 0..1")
        out.append({"state": states, "within": within, "probability": float(p)})
    return out


def parse_scenarios(spec: dict, source: str = "<scenarios>") -> ScenarioSet:
    """Validate a scenario mapping (as loaded from YAML).

    Parameters
    ----------
    spec : dict
        ``{"start": ..., "horizon": ..., "scenarios": {...}}``.
    source : str
        File name for error messages.

    Returns
    -------
    ScenarioSet
    """
    if not isinstance(spec, dict):
        raise ConfigError(source, "the file is not a YAML mapping", "see scenarios/current.yaml")
    unknown = sorted(set(spec) - {"start", "horizon", "scenarios"})
    if unknown:
        raise ConfigError(
            source, f"unknown {listed('key', unknown)}", "use start, horizon, scenarios"
        )
    start = _month(spec["start"], source, "start") if spec.get("start") is not None else None
    horizon = spec.get("horizon")
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 0 < horizon <= MAX_HORIZON:
        raise ConfigError(
            source,
            f"key 'horizon': {horizon!r} is not a number of months in 1..{MAX_HORIZON}",
            "set horizon to e.g. 12",
        )
    raw = spec.get("scenarios")
    if isinstance(raw, list):
        raise ConfigError(
            source,
            "key 'scenarios' is a list; it is a mapping of names to scenarios",
            "write each scenario as 'name:' on its own line (no '- '), e.g. scenarios: "
            "{persist: {label: ...}}",
        )
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(source, "key 'scenarios' is missing or empty", "define at least one")
    if len(raw) > MAX_SCENARIOS:
        raise ConfigError(
            source,
            f"key 'scenarios': {len(raw)} scenarios, more than {MAX_SCENARIOS}",
            f"split them into files of at most {MAX_SCENARIOS} scenarios",
        )
    scenarios = {}
    for name, body in raw.items():
        key = f"scenarios.{name}"
        body = body or {}
        if not isinstance(body, dict):
            raise ConfigError(source, f"key '{key}' is not a mapping", "give label and states")
        allowed = {"label", "states", "exercises", "transitions", "conditions"}
        extra = sorted(set(body) - allowed)
        if extra:
            raise ConfigError(
                source,
                f"key '{key}': unknown {listed('key', extra)}",
                "use label, states, exercises, transitions, conditions",
            )
        transitions = body.get("transitions", False)
        if not isinstance(transitions, bool):
            raise ConfigError(
                source, f"key '{key}.transitions': {transitions!r} is not true/false", "write true"
            )
        conditions = _conditions(body.get("conditions"), source, f"{key}.conditions")
        if conditions and not transitions:
            raise ConfigError(
                source,
                f"key '{key}.conditions' needs the transition model",
                "add 'transitions: true' to the scenario (conditions change its probabilities)",
            )
        states = (
            _steps(body["states"], STATES, source, f"{key}.states", start)
            if "states" in body
            else {}
        )
        exercises = (
            _steps(body["exercises"], EXERCISE_SCALES, source, f"{key}.exercises", start)
            if "exercises" in body
            else {}
        )
        label = body.get("label", name)
        if not isinstance(label, str | int | float) or isinstance(label, bool):
            raise ConfigError(source, f"key '{key}.label' is not text", "write a short sentence")
        if str(name) in scenarios:
            raise ConfigError(
                source, f"scenario name {name!r} appears twice", "give each scenario its own name"
            )
        scenarios[str(name)] = Scenario(
            name=str(name),
            label=str(label)[:200],
            states=states,
            exercises=exercises,
            transitions=transitions,
            conditions=conditions,
        )
    lines = getattr(spec, "lines", {})
    parsed = ScenarioSet(start, horizon, scenarios, source=source, lines=lines)
    _check_steps(parsed, start)  # what no fit can simulate is refused when the file is read
    return parsed


def with_scenarios(
    scenario_set: ScenarioSet, extra: dict, source: str = "<added scenarios>"
) -> ScenarioSet:
    """``scenario_set`` plus the scenarios of ``extra`` that it does not define yet.

    Parameters
    ----------
    scenario_set : ScenarioSet
        A loaded scenario file.
    extra : dict
        Scenario name to its specification, as under ``scenarios:`` in a file (validated the
        same way, with the set's start and horizon).
    source : str
        Named in the error of an invalid specification.

    Returns
    -------
    ScenarioSet
        The file's scenarios first, in their order, then the added ones.
    """
    added = {name: spec for name, spec in extra.items() if name not in scenario_set.scenarios}
    if not added:
        return scenario_set
    start = None if scenario_set.start is None else str(scenario_set.start)
    spec = {"start": start, "horizon": scenario_set.horizon, "scenarios": added}
    parsed = parse_scenarios(spec, source=source)
    merged = {**scenario_set.scenarios, **parsed.scenarios}
    return ScenarioSet(scenario_set.start, scenario_set.horizon, merged, scenario_set.source)


def load_scenarios(path: str | Path) -> ScenarioSet:
    """Read and validate a scenario YAML file (see the module docstring for its shape)."""
    spec = load_yaml(path, "scenario file", example="see scenarios/current.yaml")
    try:
        return parse_scenarios(spec, source=str(path))
    except ConfigError as err:
        raise located(err, spec) from None


def usual_exercise_days(training: pd.DataFrame) -> np.ndarray:
    """Mean exercise days per calendar month over the last five fitted years."""
    recent = training.tail(12 * CALENDAR_YEARS)
    by_month = recent.groupby(pd.to_datetime(recent["month"]).dt.month)["exercise_days"].mean()
    return by_month.reindex(range(1, 13), fill_value=0.0).to_numpy()


def _step_values(months: pd.PeriodIndex, steps: dict, before: str) -> list[str]:
    """Value of a step function at each month (``before`` until the first step)."""
    values = []
    for month in months:
        current = before
        for step_month, value in steps.items():  # sorted by month
            if step_month <= month:
                current = value
        values.append(current)
    return values


def future_covariates(
    scenario: Scenario, months: pd.PeriodIndex, training: pd.DataFrame
) -> pd.DataFrame:
    """Future ``month, state, exercise_days`` of one scenario's fixed path.

    Parameters
    ----------
    scenario : Scenario
    months : PeriodIndex
        Months to cover (from the month after the fitted data).
    training : DataFrame
        The model's training panel (last state, usual exercise calendar).
    """
    last_state = str(training["state"].iloc[-1])
    states = _step_values(months, scenario.states, last_state)
    scales = _step_values(months, scenario.exercises, "full")
    usual = usual_exercise_days(training)
    days = [usual[m.month - 1] * EXERCISE_FACTOR[s] for m, s in zip(months, scales, strict=True)]
    return pd.DataFrame({"month": months.to_timestamp(), "state": states, "exercise_days": days})


def scenario_future(
    scenario: Scenario,
    months: pd.PeriodIndex,
    training: pd.DataFrame,
    outlook=None,
    n_draws: int = 1000,
    random_seed: int = 1,
    source: str = "<scenarios>",
    start: pd.Period | None = None,
) -> Future:
    """The :class:`~forecast.simulation.Future` of one scenario: its fixed path, or (with
    ``transitions: true``) a path per draw from the run's transition model after the fixed
    months, with the scenario's conditions.

    ``start`` is the set's first month shown when it is after ``months[0]``: before it a
    fixed path keeps the last observed state, a path of the transition model runs freely,
    and the conditions' windows count from it."""
    covariates = future_covariates(scenario, months, training)
    states = covariates["state"].to_numpy(dtype=str)
    if scenario.transitions:
        fixed = {str(month): state for month, state in scenario.states.items()}
        states = state_paths(
            getattr(outlook, "transitions", None),
            months,
            n_draws,
            random_seed,
            fixed=fixed,
            conditions=scenario.conditions,
            source=f"{source}: scenario {scenario.name!r}",
            start=start,
        )
    return Future(
        scenario.name,
        scenario.label,
        months,
        states,
        covariates["exercise_days"].to_numpy(dtype=float),
    )


def forecast_months(model, scenario_set: ScenarioSet) -> tuple[pd.PeriodIndex, pd.Period]:
    """The months a scenario set simulates (from the month after the fitted data to the end of
    its horizon) and its first month shown, checked against the fit."""
    return scenario_months(scenario_set, model.last_month + 1)


def scenario_months(scenario_set: ScenarioSet, first) -> tuple[pd.PeriodIndex, pd.Period]:
    """:func:`forecast_months` for a fit whose first forecast month is ``first``: a command
    that fits checks its scenario file with it before fitting."""
    try:
        return _scenario_months(scenario_set, pd.Period(first, "M"))
    except ConfigError as err:  # with the line of the key, when the set was read from a file
        raise located(err, scenario_set) from None


def _scenario_months(scenario_set: ScenarioSet, first: pd.Period):
    start = scenario_set.start or first
    if start < first:
        raise ConfigError(
            scenario_set.source,
            f"key 'start': {start} is not after the fitted data (which end {first - 1})",
            f"refit with --until {start - 1} to forecast from {start}, or move 'start'",
        )
    gap = (start - first).n
    if gap > MAX_HORIZON:
        raise ConfigError(
            scenario_set.source,
            f"key 'start': {start} is {gap} months after the fitted data (which end {first - 1}); "
            f"the months in between are simulated too, and at most {MAX_HORIZON} are allowed",
            "refit on the data now available, or move 'start' closer",
        )
    _check_steps(scenario_set, start)
    last = start + scenario_set.horizon - 1
    return pd.period_range(first, last, freq="M"), start


def simulate_scenarios(
    model,
    scenario_set: ScenarioSet,
    random_seed: int = 1,
    draws: int | None = None,
    outlook=None,
) -> Forecast:
    """Simulate every scenario of a set from one fitted model (through
    :func:`forecast.simulation.simulate`).

    Months between the fitted data end and the scenario start are simulated and dropped: a
    fixed path keeps the last observed state in them, a scenario that follows the transition
    model runs freely through them (its fixed months and conditions count from the start).

    Parameters
    ----------
    model : BaseModel
        A fitted model.
    scenario_set : ScenarioSet
    random_seed : int
        Seed shared by every scenario (common random numbers).
    draws : int, optional
        Posterior draws to use (default: all).
    outlook : forecast.runs.Outlook, optional
        The run's outlook models: the transition model for ``transitions: true`` scenarios,
        and the class mix and nuclear rate for launch-day models that do not simulate weapon
        classes and nuclear tests themselves.

    Returns
    -------
    Forecast
        One scenario per entry of the set, in its order; its ``note`` names the scenarios
        whose exercise scales the model does not read (:func:`unread_exercises`).
    """
    months, start = forecast_months(model, scenario_set)
    scenario_set = scenario_set.resolved(start, str(model.training["state"].iloc[-1]))
    n_draws = simulation_draws(model, draws)
    cells = n_draws * len(scenario_set.scenarios) * len(months)
    if cells > MAX_SIMULATION_CELLS:
        raise ConfigError(
            scenario_set.source,
            f"{n_draws:,} draws x {len(scenario_set.scenarios)} scenarios x {len(months)} months "
            f"= {cells:,} simulated values, more than {MAX_SIMULATION_CELLS:,}",
            "use fewer scenarios, a shorter horizon or an earlier start, or fewer draws (--draws)",
        )
    futures = [
        scenario_future(
            scenario,
            months,
            model.training,
            outlook,
            n_draws,
            random_seed,
            scenario_set.source,
            start=start,
        )
        for scenario in scenario_set.scenarios.values()
    ]
    forecast = simulate(
        model, futures, random_seed=random_seed, draws=draws, outlook=outlook, start=start
    )
    forecast.data.attrs.update(start=str(start), horizon=scenario_set.horizon)
    unread = [
        n for n in (unread_states(model, scenario_set), unread_exercises(model, scenario_set)) if n
    ]
    if unread:
        forecast.data.attrs["note"] = " ".join(unread)
    return forecast


def from_today(scenario_set: ScenarioSet, first: pd.Period, today) -> ScenarioSet | None:
    """The set started at ``today``'s month, for a forecast from the data's end that starts
    in the past: "the next 12 months" read from today, not from the data's end.

    Parameters
    ----------
    scenario_set : ScenarioSet
        The scenario file, as read.
    first : Period
        The forecast's first month (the month after the fitted data).
    today : date
        The day whose month the set starts in.

    Returns
    -------
    ScenarioSet or None
        The set with ``start`` at today's month (its ``month N`` steps count from there), or
        None when the set gives its own ``start`` or a calendar month (it was written for
        given months), when today's month is not after ``first``, or when more than
        :data:`MAX_HORIZON` months lie between them.
    """
    current = pd.Period(today, "M")
    if given_months(scenario_set) or not first < current <= first + MAX_HORIZON:
        return None
    return replace(scenario_set, start=current)


def given_months(scenario_set: ScenarioSet) -> str | None:
    """Why a set is written for given calendar months (its ``start``, or the first step it
    gives as a calendar month), in words, or None when it counts every month from its start
    (and :func:`from_today` may start it in another month)."""
    if scenario_set.start is not None:
        return f"key 'start' is {scenario_set.start}"
    for scenario in scenario_set.scenarios.values():
        for key, steps in (("states", scenario.states), ("exercises", scenario.exercises)):
            for month in steps:
                if not isinstance(month, int):
                    return f"key 'scenarios.{scenario.name}.{key}' names {month}"
    return None


def require_states(model, key: str = "MODEL"):
    """``model`` (configured or fitted) if its forecasts read the negotiation state, else a
    :class:`ConfigError` naming ``key`` and the models that do: for a notebook or tool whose
    point is the state contrasts (a naive baseline would give every scenario the same
    forecast, and has no state effect to show)."""
    if model.reads_states:
        return model
    raise ConfigError(
        key,
        f"{model.name} reads no negotiation state: its scenarios would not differ by their "
        "state paths, and it has no state effect to show",
        f"use a model that reads the state: 'default' or one of {state_models()}",
    )


def unread_states(model, scenario_set: ScenarioSet) -> str | None:
    """A sentence naming the scenarios whose state paths the model's forecasts do not read (a
    naive baseline, or a variant that leaves the state out), or None.

    Returns
    -------
    str or None
        E.g. "The state paths of talks_resume, outlook change nothing here: recent_rate does
        not read the negotiation state."
    """
    names = [s.name for s in scenario_set.scenarios.values() if s.states or s.transitions]
    if not names or model.reads_states:
        return None
    return (
        f"The state paths of {', '.join(names)} change nothing here: {model.name} does not "
        "read the negotiation state."
    )


def unread_exercises(model, scenario_set: ScenarioSet) -> str | None:
    """A sentence naming the scenarios whose ``exercises`` the model's forecasts do not read
    (None when every setting acts).

    Parameters
    ----------
    model : BaseModel
    scenario_set : ScenarioSet

    Returns
    -------
    str or None
        E.g. "The exercise scales of summit change nothing here: ar_level_lean leaves out
        ar_level's exercise term (see its ablation); a run of ar_level lets them act."
    """
    names = [s.name for s in scenario_set.scenarios.values() if s.exercises]
    if not names or model.reads_exercises:
        return None
    if model.full_form:
        why = f"{model.name} leaves out {model.full_form}'s exercise term (see its ablation)"
        fix = f"; a run of {model.full_form} lets them act"
    else:
        why, fix = f"{model.name} does not read exercise days", ""
    return f"The exercise scales of {', '.join(names)} change nothing here: {why}{fix}."


def _check_steps(scenario_set: ScenarioSet, start: pd.Period | None) -> None:
    """Refuse a step the forecast never reaches: ``month N`` past the horizon and, once the
    start is known, a calendar month before it or after the last month.

    Nothing here depends on a fit, so :func:`parse_scenarios` runs it when the file is read
    (with the file's own ``start``, if any) and every command refuses such a file alike (a
    refit's comparison of two fits included); :func:`forecast_months` runs it again with the
    start a fit gives.
    """
    horizon = scenario_set.horizon
    last = None if start is None else start + horizon - 1
    for scenario in scenario_set.scenarios.values():  # 'month N' named as written
        for key, steps in (("states", scenario.states), ("exercises", scenario.exercises)):
            late = [k for k in steps if isinstance(k, int) and k > horizon]
            if late:
                where = f"month {horizon}" if last is None else f"month {horizon}, {last}"
                raise ConfigError(
                    scenario_set.source,
                    f"key 'scenarios.{scenario.name}.{key}.month {late[0]}' is after the "
                    f"forecast's last month ({where})",
                    f"write month {horizon} or earlier, or raise 'horizon' (at most {MAX_HORIZON})",
                )
    if start is None:
        return
    for scenario in scenario_set.resolved(start).scenarios.values():
        for key, steps in (("states", scenario.states), ("exercises", scenario.exercises)):
            early = [m for m in steps if m < start]
            if early:
                raise ConfigError(
                    scenario_set.source,
                    f"key 'scenarios.{scenario.name}.{key}.{early[0]}' is before the forecast "
                    f"start {start}",
                    "move the month to the start or later",
                )
            late = [m for m in steps if m > last]
            if late:  # it would change nothing: the forecast ends before it
                raise ConfigError(
                    scenario_set.source,
                    f"key 'scenarios.{scenario.name}.{key}.{late[0]}' is after the forecast's "
                    f"last month {last} ({horizon} months from {start})",
                    f"move the month to {last} or earlier, or raise 'horizon' (at most "
                    f"{MAX_HORIZON})",
                )
