"""Scenarios: negotiation-state paths -> future covariates -> simulated counts -> summaries.

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
five fitted years).

Every scenario is simulated from the same posterior draws with the same seed,
so comparisons between scenarios carry the joint uncertainty (common random
numbers).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import (
    EXERCISE_SCALES,
    HDI_PROB,
    MAX_HORIZON,
    MAX_SCENARIOS,
    MAX_SIMULATION_CELLS,
    STATES,
)
from forecast.errors import ConfigError

#: Total-count quantiles reported over the horizon.
TOTAL_QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)

#: Thresholds k of P(total >= k) in the probability table.
THRESHOLDS = (1, 5, 10, 20)

#: Central intervals of the monthly table (widths).
MONTHLY_INTERVALS = (0.50, 0.80, HDI_PROB)

#: How each exercise scale scales the usual calendar.
EXERCISE_FACTOR = {"full": 1.0, "simulation": 1.0, "reduced": 0.5, "suspended": 0.0}

#: Years of fitted data that define the usual exercise calendar.
CALENDAR_YEARS = 5


@dataclass
class Scenario:
    """One scenario: a label and step-function paths of states and exercise scales."""

    name: str
    label: str
    states: dict[pd.Period, str] = field(default_factory=dict)
    exercises: dict[pd.Period, str] = field(default_factory=dict)
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

    @property
    def names(self) -> list[str]:
        return list(self.scenarios)


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


def _steps(raw, allowed, file: str, key: str, start: pd.Period | None) -> dict[pd.Period, str]:
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
        period = _month(month, file, f"{key}.{month}")
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
        if start is not None and period < start:
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
        raise ConfigError(source, f"unknown key(s) {unknown}", "use start, horizon, scenarios")
    start = _month(spec["start"], source, "start") if spec.get("start") is not None else None
    horizon = spec.get("horizon")
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 0 < horizon <= MAX_HORIZON:
        raise ConfigError(
            source,
            f"key 'horizon': {horizon!r} is not a number of months in 1..{MAX_HORIZON}",
            "set horizon to e.g. 12",
        )
    raw = spec.get("scenarios")
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
                f"key '{key}': unknown key(s) {extra}",
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
    return ScenarioSet(start=start, horizon=horizon, scenarios=scenarios, source=source)


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
    from forecast.yamlio import load_yaml

    spec = load_yaml(path, "scenario file", example="see scenarios/current.yaml")
    return parse_scenarios(spec, source=str(path))


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
    """Future ``month, state, exercise_days`` of one scenario.

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


def simulate_scenarios(
    model,
    scenario_set: ScenarioSet,
    random_seed: int = 1,
    draws: int | None = None,
    outlook=None,
) -> xr.Dataset:
    """Simulate every scenario of a set from one fitted model.

    Months between the fitted data end and the scenario start are simulated
    with the last observed state and dropped.

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
        The run's outlook models: when the count model does not simulate weapon classes
        and nuclear tests itself, its launch days are split into classes by the class mix
        and nuclear tests are drawn from the nuclear rate (same seed in every scenario).

    Returns
    -------
    xarray.Dataset
        Dims ``(scenario, draw, month)``: ``counts``, ``rate``, and ``class_counts``
        (with a ``weapon_class`` dim), ``nuclear_tests`` when the model or the outlook
        provides them; the covariate paths ``state`` and ``exercise_days`` (scenario,
        month). Scenario labels are in the ``label`` coordinate.
    """
    training = model.training
    first = pd.Period(training["month"].iloc[-1], "M") + 1
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
    months = pd.period_range(first, start + scenario_set.horizon - 1, freq="M")
    posterior = model.idata.posterior
    if draws is None and not getattr(model, "uses_mcmc", True):
        from forecast.models.naive import DEFAULT_DRAWS

        draws = DEFAULT_DRAWS
    n_draws = draws or int(posterior.sizes["chain"] * posterior.sizes["draw"])
    cells = n_draws * len(scenario_set.scenarios) * len(months)
    if cells > MAX_SIMULATION_CELLS:
        raise ConfigError(
            scenario_set.source,
            f"{n_draws:,} draws x {len(scenario_set.scenarios)} scenarios x {len(months)} months "
            f"= {cells:,} simulated values, more than {MAX_SIMULATION_CELLS:,}",
            "use fewer scenarios, a shorter horizon or an earlier start, or fewer draws (--draws)",
        )
    for scenario in scenario_set.scenarios.values():
        for key, steps in (("states", scenario.states), ("exercises", scenario.exercises)):
            early = [m for m in steps if m < start]
            if early:
                raise ConfigError(
                    scenario_set.source,
                    f"key 'scenarios.{scenario.name}.{key}.{early[0]}' is before the forecast "
                    f"start {start}",
                    "move the month to the start or later",
                )
    sims = []
    chained = any(s.transitions for s in scenario_set.scenarios.values())
    for scenario in scenario_set.scenarios.values():
        future = future_covariates(scenario, months, training)
        paths = None
        if scenario.transitions:
            paths = transition_paths(
                scenario, outlook, months, n_draws, random_seed, scenario_set.source
            )
        one = model.simulate(future, random_seed=random_seed, draws=draws, state_paths=paths)
        one = add_outlook_events(one, outlook, random_seed)
        if chained:
            codes = (
                paths
                if paths is not None
                else np.broadcast_to(
                    [STATES.index(x) for x in future["state"]], (one.sizes["draw"], len(months))
                )
            )
            one["state_draws"] = (("draw", "month"), np.asarray(codes, dtype=np.int8))
            modal = np.array(STATES)[_modal(np.asarray(codes))]
            one["state"] = ("month", modal)
        else:
            one["state"] = ("month", future["state"].to_numpy(dtype=str))
        one["exercise_days"] = ("month", future["exercise_days"].to_numpy(dtype=float))
        sims.append(one)
    ds = xr.concat(sims, dim=pd.Index(scenario_set.names, name="scenario"))
    ds = ds.sel(month=ds["month"] >= start.to_timestamp())
    labels = [s.label for s in scenario_set.scenarios.values()]
    ds = ds.assign_coords(label=("scenario", labels))
    ds.attrs.update(start=str(start), horizon=scenario_set.horizon, random_seed=random_seed)
    return ds


def _modal(codes: np.ndarray) -> np.ndarray:
    """The most frequent state code of each month (column) of ``codes`` (draw, month)."""
    counts = np.stack([(codes == i).sum(axis=0) for i in range(len(STATES))])
    return counts.argmax(axis=0)


def transition_paths(scenario: Scenario, outlook, months, n_draws: int, seed: int, source: str):
    """State paths of a ``transitions: true`` scenario: one per draw, codes (draw, month).

    Months up to the last ``states`` step are fixed; the run's transition model simulates the
    rest (each path from its own posterior transition matrix), with the scenario's
    ``conditions``.
    """
    model = getattr(outlook, "transitions", None)
    if model is None:
        raise ConfigError(
            source,
            f"scenario {scenario.name!r} follows the transition model, but the run has none",
            "refit the run with this version ('forecast refit RUN --out NEW'), which saves it",
        )
    fixed = {str(month): state for month, state in scenario.states.items()}
    paths = model.simulate(
        months=len(months),
        draws=n_draws,
        rng=np.random.default_rng([seed, 11]),
        fixed=fixed or None,
        conditions=scenario.conditions or None,
        start=months[0],
        source=source,
    )
    return paths.values


def state_probabilities(ds: xr.Dataset) -> pd.DataFrame:
    """P(each state) per scenario and month (from ``state_draws``; fixed paths give 0/1).

    Returns
    -------
    DataFrame
        ``scenario, month`` and one column per state; empty when ``ds`` has no per-draw
        state paths (no scenario follows the transition model).
    """
    if "state_draws" not in ds:
        return pd.DataFrame(columns=["scenario", "month", *STATES])
    codes = ds["state_draws"]
    parts = {state: (codes == i).mean("draw") for i, state in enumerate(STATES)}
    table = xr.Dataset(parts).to_dataframe().reset_index()
    return table.drop(columns=[c for c in ("label",) if c in table])


def add_outlook_events(sim: xr.Dataset, outlook, random_seed: int) -> xr.Dataset:
    """Add ``class_counts`` and ``nuclear_tests`` drawn by the outlook models, when missing.

    Parameters
    ----------
    sim : Dataset
        One simulation (``counts`` with dims draw, month) of a launch-day model.
    outlook : forecast.runs.Outlook or None
        The run's class mix and nuclear rate (nothing is added when None).
    random_seed : int
        Seed of these draws (the same for every scenario: common random numbers).
    """
    if outlook is None or getattr(outlook, "class_mix", None) is None:
        return sim
    if sim.attrs.get("target", "launch_days") != "launch_days":
        return sim
    if "class_counts" not in sim:
        rng = np.random.default_rng([random_seed, 7])
        classes = outlook.class_mix.simulate(sim["counts"].values, rng)
        names = list(outlook.class_mix.posterior["weapon_class"].values)
        sim = sim.assign_coords(weapon_class=names)
        sim["class_counts"] = (("draw", "month", "weapon_class"), classes)
    if "nuclear_tests" not in sim:  # its own stream: the same draws in every scenario
        rng = np.random.default_rng([random_seed, 8])
        n, h = sim.sizes["draw"], sim.sizes["month"]
        sim["nuclear_tests"] = (("draw", "month"), outlook.nuclear.simulate(n, h, rng))
    return sim


# --- summaries ---------------------------------------------------------------------------------


def _interval_columns(width: float) -> tuple[str, str]:
    pct = int(round(width * 100))
    return f"lo{pct}", f"hi{pct}"


def monthly_summary(ds: xr.Dataset, var: str = "counts") -> pd.DataFrame:
    """Per scenario and month: mean, median and central 50/80/94% intervals."""
    x = ds[var]
    cols = {"mean": x.mean("draw"), "median": x.median("draw")}
    for width in MONTHLY_INTERVALS:
        lo, hi = _interval_columns(width)
        cols[lo] = x.quantile((1 - width) / 2, dim="draw").drop_vars("quantile")
        cols[hi] = x.quantile((1 + width) / 2, dim="draw").drop_vars("quantile")
    table = xr.Dataset(cols).to_dataframe().reset_index()
    return table.drop(columns=[c for c in ("label",) if c in table])


def totals(ds: xr.Dataset, var: str = "counts") -> xr.DataArray:
    """Draws of the total over the horizon, dims ``(scenario, draw)``."""
    return ds[var].sum("month")


def total_summary(ds: xr.Dataset, var: str = "counts") -> pd.DataFrame:
    """Totals over the horizon: mean, q05..q95 and P(at least 1), per scenario."""
    tot = totals(ds, var)
    table = pd.DataFrame({"scenario": ds["scenario"].values, "label": ds["label"].values})
    table["mean"] = tot.mean("draw").values
    for q in TOTAL_QUANTILES:
        table[f"q{int(round(q * 100)):02d}"] = tot.quantile(q, dim="draw").values
    table["p_any"] = (tot >= 1).mean("draw").values
    return table


def probability_table(ds: xr.Dataset) -> pd.DataFrame:
    """P(total >= k) for several k, plus P(ICBM) and P(nuclear test) when available."""
    tot = totals(ds)
    table = pd.DataFrame({"scenario": ds["scenario"].values, "label": ds["label"].values})
    for k in THRESHOLDS:
        table[f"p_ge_{k}"] = (tot >= k).mean("draw").values
    if "class_counts" in ds:
        icbm = ds["class_counts"].sel(weapon_class="ICBM").sum("month")
        table["p_icbm"] = (icbm >= 1).mean("draw").values
    if "nuclear_tests" in ds:
        table["p_nuclear"] = (ds["nuclear_tests"].sum("month") >= 1).mean("draw").values
    return table


def headline_table(ds: xr.Dataset) -> pd.DataFrame:
    """Per scenario: expected total, 80% interval (``q10``, ``q90``), P(at least 1), P(ICBM),
    P(nuclear test): the numbers the report's headline and notebook 04 show."""
    tot = total_summary(ds)
    prob = probability_table(ds)
    table = tot[["scenario", "label", "mean", "q10", "q90", "p_any"]].copy()
    for col in ("p_icbm", "p_nuclear"):
        table[col] = prob[col].to_numpy() if col in prob else float("nan")
    return table


def comparisons(ds: xr.Dataset, hdi_prob: float = HDI_PROB) -> pd.DataFrame:
    """Every ordered pair of scenarios: difference in totals, P(A > B), rate ratio.

    The difference is taken draw by draw (same posterior draw, same seed), so its
    interval reflects the joint uncertainty of the two forecasts.
    """
    return _compare(ds, itertools.permutations(ds["scenario"].values, 2), hdi_prob)


def _compare(ds: xr.Dataset, pairs, hdi_prob: float) -> pd.DataFrame:
    """The rows of :func:`comparisons` for the given ``(a, b)`` pairs."""
    tot = totals(ds)
    rate = ds["rate"].sum("month")
    rows = []
    for a, b in pairs:
        diff = (tot.sel(scenario=a) - tot.sel(scenario=b)).values
        rows.append(
            {
                "scenario_a": a,
                "scenario_b": b,
                "diff_mean": diff.mean(),
                "diff_lo": np.quantile(diff, (1 - hdi_prob) / 2),
                "diff_hi": np.quantile(diff, (1 + hdi_prob) / 2),
                "p_a_greater": (diff > 0).mean(),
                "rate_ratio": float(rate.sel(scenario=a).mean() / rate.sel(scenario=b).mean()),
            }
        )
    return pd.DataFrame(rows)


def against(ds: xr.Dataset, reference: str, hdi_prob: float = HDI_PROB) -> pd.DataFrame:
    """Every other scenario against ``reference``: :func:`comparisons` plus a sentence.

    Parameters
    ----------
    ds : Dataset
        Output of :func:`simulate_scenarios`.
    reference : str
        The scenario the others are compared with (e.g. ``persist``).
    hdi_prob : float
        Width of the central interval of the difference.

    Returns
    -------
    DataFrame
        One row per other scenario: ``scenario``, ``diff_mean``, ``diff_lo``, ``diff_hi``,
        ``p_a_greater``, ``rate_ratio`` and ``in_words``, the comparison in a sentence.
    """
    names = list(ds["scenario"].values)
    if reference not in names:
        raise ConfigError("reference", f"no scenario {reference!r}", f"use one of {names}")
    labels = dict(zip(names, ds["label"].values, strict=True))
    pairs = [(name, reference) for name in names if name != reference]
    comp = _compare(ds, pairs, hdi_prob).drop(columns="scenario_b")
    comp = comp.rename(columns={"scenario_a": "scenario"})
    width = f"{hdi_prob:.0%}"
    words = []
    for row in comp.itertuples():
        label = labels[row.scenario]
        if row.diff_mean == 0 and row.diff_lo == 0 and row.diff_hi == 0:
            words.append(f"'{label}': the same path as the reference, no difference.")
            continue
        more = "more" if row.diff_mean >= 0 else "fewer"
        words.append(
            f"'{label}': {abs(row.diff_mean):.1f} {more} launch days on average "
            f"({width} interval {row.diff_lo:+.0f} to {row.diff_hi:+.0f}); P(more launch days "
            f"than the reference) = {row.p_a_greater:.0%}; its expected rate is "
            f"{row.rate_ratio:.2f} times the reference's."
        )
    return comp.assign(in_words=words)


#: Columns of ``summary.csv``.
SUMMARY_COLUMNS = ["scenario", "mean", "q05", "q10", "q25", "q50", "q75", "q90", "q95", "p_any"]


def write_scenario_outputs(
    ds: xr.Dataset, history: pd.DataFrame, out: str | Path, force: bool = False
) -> dict:
    """Write the tables, figures and draws of a scenario simulation, all or nothing.

    The folder is written with :func:`forecast.outputs.output_dir`: refused unless it
    is new, empty, or (with ``force``) an earlier output of ``forecast scenarios``;
    built beside ``out`` and swapped in when complete.

    Parameters
    ----------
    ds : Dataset
        Output of :func:`simulate_scenarios`.
    history : DataFrame
        Observed months (the model's training panel) for the fan chart.
    out : str or Path
        Folder to write.
    force : bool
        Replace an earlier ``forecast scenarios`` output in ``out``.

    Returns
    -------
    dict of DataFrame
        ``summary``, ``monthly``, ``comparisons``, ``probabilities``.
    """
    import matplotlib.pyplot as plt

    from forecast.outputs import output_dir, write_csv
    from forecast.plots import plot_probabilities, plot_scenarios, plot_totals

    tables = {
        "summary": total_summary(ds)[[*SUMMARY_COLUMNS, "label"]],
        "monthly": monthly_summary(ds),
        "comparisons": comparisons(ds),
        "probabilities": probability_table(ds),
    }
    if "state_draws" in ds:
        tables["states"] = state_probabilities(ds)
    with output_dir(out, "scenarios", force=force) as tmp:
        for name, table in tables.items():
            # labels are the user's text: formulas neutralised (forecast.present.safe_for_csv)
            write_csv(table, tmp / f"{name}.csv", index=False, float_format="%.4g")
        for name, plot in (
            ("fan", lambda: plot_scenarios(ds, history)),
            ("totals", lambda: plot_totals(ds)),
            ("probabilities", lambda: plot_probabilities(tables["probabilities"])),
        ):
            fig = plot().figure
            try:
                fig.savefig(tmp / f"{name}.png", dpi=110, bbox_inches="tight")
            finally:
                plt.close(fig)
        ds.to_netcdf(tmp / "draws.nc")
    return tables
