"""One way to make a forecast: futures -> the model's own simulation -> a :class:`Forecast`.

Every forecast in the workbench is a set of simulated futures of one fitted model, made
here: the scenarios of a scenario file, the unconditional outlook (states from the
transition model), a backtest fold's three state paths (the states that came, the state
held, states from the transition model), the frozen forecast of a run, the held-state
forecasts of the contrasts. Each builds its :class:`Future` objects (the covariates of the
months ahead) and calls :func:`simulate`; everything downstream (summaries, scores,
questions, plots, files) reads the one :class:`Forecast` layout.

The layout
----------
An :class:`xarray.Dataset` (``Forecast.data``) with dims ``scenario``, ``draw`` and
``month`` (plus ``weapon_class``), coordinates ``scenario``, ``label`` (per scenario),
``draw``, ``month`` (month starts) and ``weapon_class``, and the variables

``<target>`` (``launch_days``, ``missiles`` or ``csis_missile_events``)
    Simulated counts of the model's target (scenario, draw, month).
``rate``
    The expected count of the target per month (scenario, draw, month).
``missiles``
    Missiles, when the model simulates them beside launch days.
``class_counts``
    Launch days by weapon-class group (scenario, draw, month, weapon_class), from the model
    or the run's class mix.
``class_rate`` or ``class_share``
    The expected launch days of each group per month (scenario, draw, month, weapon_class)
    from a model with class rates of its own (``class_hierarchical``); or the run's class
    mix's share of each draw (scenario, draw, weapon_class), the same in every month, whose
    expected days are the ``rate`` times the share. Either way
    :meth:`Forecast.expected_class_days` gives them: as ``rate`` for the total, they stay
    paired across scenarios where the counts do not.
``nuclear_tests``
    Nuclear tests (scenario, draw, month), from the model or the run's nuclear rate.
``state``
    The negotiation state of each simulated month, as codes into
    :data:`forecast.constants.STATES` (scenario, draw, month): the fixed path of a
    scenario, or each draw's own path from the transition model.
``exercise_days``
    The exercise days assumed per month (scenario, month).

and the attributes ``model``, ``target``, ``random_seed``, ``initial_state`` (the state of
the last fitted month) and ``last_fitted_month``. Every scenario is simulated from the same
posterior draws with the same seed (common random numbers), so the expected counts
(``rate``) of two scenarios differ only where their states or exercises do (or, for a model
whose rate follows its own simulated counts, after them). Their simulated
counts do not stay paired: a count takes a variable number of random numbers, so after the
first month in which two scenarios differ their later counts are drawn from different
numbers. Scenarios are therefore compared by their expected counts
(:func:`forecast.summaries.compare`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import STATES
from forecast.errors import ConfigError
from forecast.present import counted

#: Seed offsets of the random streams drawn beside the count model's (the same in every
#: scenario of a forecast: common random numbers).
STREAMS = {"classes": 7, "nuclear": 8, "states": 11}


@dataclass(frozen=True)
class Future:
    """The covariates of one simulated future: its months, states and exercise days.

    Attributes
    ----------
    name, label : str
        The scenario's key and its description for readers.
    months : PeriodIndex
        Consecutive months from the month after the fitted data.
    states : ndarray
        One state label per month (a fixed path), or state codes of shape (draws, months),
        one path per draw (from the transition model).
    exercise_days : ndarray
        Exercise days per month.
    """

    name: str
    label: str
    months: pd.PeriodIndex
    states: np.ndarray
    exercise_days: np.ndarray

    @property
    def paths(self) -> np.ndarray | None:
        """State codes (draws, months) when each draw follows its own path, else None."""
        return self.states if self.states.ndim == 2 else None

    def covariates(self) -> pd.DataFrame:
        """``month, state, exercise_days`` as a model's ``simulate`` reads them (the state of
        a month with a path per draw is the most frequent one; the paths replace it)."""
        states = self.states if self.paths is None else np.array(STATES)[modal_codes(self.paths)]
        return pd.DataFrame(
            {
                "month": self.months.to_timestamp(),
                "state": np.asarray(states, dtype=str),
                "exercise_days": np.asarray(self.exercise_days, dtype=float),
            }
        )

    def state_codes(self, n_draws: int) -> np.ndarray:
        """The state of every draw and month as codes (draws, months)."""
        if self.paths is not None:
            return np.asarray(self.paths, dtype=np.int8)
        codes = np.array([STATES.index(str(s)) for s in self.states], dtype=np.int8)
        return np.broadcast_to(codes, (n_draws, len(codes))).copy()


def simulation_draws(model, draws: int | None = None) -> int:
    """How many simulations a forecast of ``model`` holds: ``draws``, else every posterior
    draw (a counting baseline, which has no posterior, gives ``model.simulation_draws``)."""
    if draws is not None:
        return int(draws)
    fixed = getattr(model, "simulation_draws", None)
    if fixed:
        return int(fixed)
    posterior = model.idata.posterior
    return int(posterior.sizes["chain"] * posterior.sizes["draw"])


def modal_codes(codes: np.ndarray) -> np.ndarray:
    """The most frequent state code of each month (column) of ``codes`` (draw, month)."""
    counts = np.stack([(np.asarray(codes) == i).sum(axis=0) for i in range(len(STATES))])
    return counts.argmax(axis=0)


def state_paths(
    transitions,
    months: pd.PeriodIndex,
    n_draws: int,
    random_seed: int,
    fixed: dict | None = None,
    conditions: list | None = None,
    source: str = "<simulate>",
    start: pd.Period | None = None,
) -> np.ndarray:
    """State paths from a transition model: codes (draws, months), one path per draw.

    Parameters
    ----------
    transitions : TransitionModel or None
        The run's transition model (:attr:`forecast.runs.Outlook.transitions`).
    months : PeriodIndex
        The months to simulate (from the month after the fitted data).
    n_draws : int
        Paths to draw.
    random_seed : int
        Seed (the stream :data:`STREAMS` ``["states"]`` of it).
    fixed : dict, optional
        ``{YYYY-MM: state}``: months up to the last key are fixed, the chain takes over.
    conditions : list of dict, optional
        Event-probability overrides (see
        :meth:`forecast.models.transitions.TransitionModel.simulate`).
    source : str
        Named in errors (the scenario file).
    start : Period, optional
        The scenario's first month, when it starts after ``months[0]``: the months before it
        are simulated freely by the chain, and the fixed months and the conditions' windows
        count from ``start`` (default: ``months[0]``).
    """
    if transitions is None:
        raise ConfigError(
            source,
            "the states follow the transition model, but the run has none (its outlook.nc "
            "is missing: deleted, or the run predates it)",
            "restore outlook.nc from a copy of the run, or refit the run ('forecast refit RUN "
            "--out NEW'), which saves one",
        )
    start = months[0] if start is None else pd.Period(start, "M")
    lead = (start - months[0]).n  # months simulated before the scenario's start
    paths = transitions.simulate(
        months=len(months) - lead,
        draws=n_draws,
        rng=np.random.default_rng([random_seed, STREAMS["states"]]),
        fixed=fixed or None,
        conditions=conditions or None,
        start=start,
        source=source,
        keep_gap=lead > 0,
    )
    values = np.asarray(paths.values, dtype=np.int8)
    # a chain fitted to data that end before the count model's simulates more months before
    # the start: the count model's months are the last ones
    if values.shape[1] < len(months):
        raise ConfigError(
            source,
            f"the state model's data end in {transitions.last_month}, after the month before "
            f"the forecast ({months[0] - 1})",
            "use the run's own outlook (outlook.nc), fitted with its count model",
        )
    return values[:, values.shape[1] - len(months) :]


def within_the_month(sim: xr.Dataset, target: str) -> xr.Dataset:
    """Launch days capped at the days of their month.

    A monthly count model draws launch days from a Poisson or negative binomial, which puts
    a sliver of mass above the month's length (2 to 6 of 48,000 months simulated from the
    default model's posterior in the outlook; a launch-day count cannot exceed its days).
    """
    days = xr.DataArray(
        pd.DatetimeIndex(sim["month"].values).days_in_month.to_numpy(), dims="month"
    )
    names = ["counts"] if target == "launch_days" else []
    names += ["launch_days"] if "launch_days" in sim else []
    for name in names:
        sim[name] = np.minimum(sim[name], days.astype(sim[name].dtype))
    return sim


def with_outlook_events(sim: xr.Dataset, outlook, random_seed: int) -> xr.Dataset:
    """Add ``class_counts`` (with each draw's ``class_share``) and ``nuclear_tests`` drawn by
    the run's outlook models when the count model does not simulate them (launch-day models
    only).

    Parameters
    ----------
    sim : Dataset
        One future's simulation (``counts``, dims draw, month).
    outlook : forecast.runs.Outlook or None
        The run's class mix and nuclear rate (nothing is added when None).
    random_seed : int
        Seed of these draws (the same streams in every scenario).
    """
    if outlook is None or getattr(outlook, "class_mix", None) is None:
        return sim
    if sim.attrs.get("target", "launch_days") != "launch_days":
        return sim
    if "class_counts" not in sim:
        rng = np.random.default_rng([random_seed, STREAMS["classes"]])
        mix = outlook.class_mix
        shares = mix.draw_shares(sim.sizes["draw"], rng)
        classes = mix.simulate(sim["counts"].values, rng, shares)
        names = list(mix.posterior["weapon_class"].values)
        sim = sim.assign_coords(weapon_class=names)
        sim["class_counts"] = (("draw", "month", "weapon_class"), classes)
        sim["class_counts"].attrs["source"] = "class_mix"  # drawn from the run's class mix
        sim["class_share"] = (("draw", "weapon_class"), shares)  # days: Binomial(days, share)
    if "nuclear_tests" not in sim:
        rng = np.random.default_rng([random_seed, STREAMS["nuclear"]])
        n, h = sim.sizes["draw"], sim.sizes["month"]
        sim["nuclear_tests"] = (("draw", "month"), outlook.nuclear.simulate(n, h, rng))
        # the run's nuclear rate has no state term: a difference between paths is noise
        sim["nuclear_tests"].attrs["state_term"] = "none"
        sim["nuclear_tests"].attrs["source"] = "nuclear_rate"  # drawn from the outlook's rate
    return sim


def class_mix_drawn(data: xr.Dataset) -> bool:
    """Whether a simulation's launch days were split into weapon classes by the run's class
    mix (:func:`with_outlook_events`), not by the count model itself."""
    return "class_counts" in data and data["class_counts"].attrs.get("source") == "class_mix"


def nuclear_from_outlook(data: xr.Dataset) -> bool:
    """Whether a simulation's nuclear tests were drawn from the run's outlook nuclear rate
    (:func:`with_outlook_events`), not by the count model itself (``class_hierarchical``):
    only then is the outlook's rule the one its P(nuclear test) follows."""
    return "nuclear_tests" in data and data["nuclear_tests"].attrs.get("source") == "nuclear_rate"


def simulate(
    model,
    futures: Iterable[Future],
    *,
    random_seed: int = 1,
    draws: int | None = None,
    outlook=None,
    start: pd.Period | None = None,
) -> Forecast:
    """Simulate every future from one fitted model: the one way forecasts are made.

    Parameters
    ----------
    model : BaseModel
        A fitted model; its own ``simulate`` does the forward simulation.
    futures : iterable of Future
        The covariates of each scenario, all over the same months (from the month after
        the fitted data).
    random_seed : int
        One seed for every scenario (common random numbers).
    draws : int, optional
        Posterior draws to use (default: all; a path per draw fixes their number).
    outlook : forecast.runs.Outlook, optional
        The run's class mix and nuclear rate, for launch-day models that do not simulate
        weapon classes and nuclear tests themselves.
    start : Period, optional
        First month kept (months between the fitted data and it are simulated, then
        dropped).

    Returns
    -------
    Forecast
    """
    futures = list(futures)
    if not futures:
        raise ConfigError("scenarios", "nothing to simulate", "give at least one scenario")
    draws = draws or getattr(model, "simulation_draws", None)
    parts = []
    for future in futures:
        one = model.simulate(
            future.covariates(), random_seed=random_seed, draws=draws, state_paths=future.paths
        )
        one = with_outlook_events(within_the_month(one, model.target), outlook, random_seed)
        one["state"] = (("draw", "month"), future.state_codes(one.sizes["draw"]))
        one["exercise_days"] = ("month", np.asarray(future.exercise_days, dtype=float))
        parts.append(one)
    data = xr.concat(parts, dim=pd.Index([f.name for f in futures], name="scenario"))
    data = data.rename({"counts": model.target}) if model.target != "counts" else data
    if start is not None:
        data = data.sel(month=data["month"] >= start.to_timestamp())
    data = data.assign_coords(label=("scenario", [f.label for f in futures]))
    training = model.training
    data.attrs = {
        "model": model.name,
        "target": model.target,
        "random_seed": int(random_seed),
        "initial_state": str(training["state"].iloc[-1]),
        "last_fitted_month": str(model.last_month),
    }
    return Forecast(data)


class Forecast:
    """Simulated futures of one fitted model, in the layout of the module docstring.

    Parameters
    ----------
    data : xarray.Dataset
        The simulations (checked against the layout).
    """

    def __init__(self, data: xr.Dataset) -> None:
        missing = [d for d in ("scenario", "draw", "month") if d not in data.dims]
        target = data.attrs.get("target")
        if missing or target not in data or "state" not in data or "label" not in data.coords:
            raise ValueError(
                f"not a forecast: dims {dict(data.sizes)}, target {target!r}, variables "
                f"{list(data.data_vars)} (see forecast.simulation)"
            )
        self.data = data

    def __repr__(self) -> str:
        return (
            f"Forecast({self.model}: {counted(len(self.scenarios), 'scenario')} x "
            f"{self.n_draws} draws x "
            f"{len(self.months)} months, {self.months[0]}..{self.months[-1]})"
        )

    # --- what it holds ---------------------------------------------------------------------

    @property
    def target(self) -> str:
        """The quantity the model counts (``launch_days``, ``missiles``...)."""
        return self.data.attrs["target"]

    @property
    def model(self) -> str:
        """The model's name."""
        return self.data.attrs.get("model", "")

    @property
    def note(self) -> str | None:
        """What a reader should know about the settings of the scenarios (e.g. exercise scales
        the model does not read: :func:`forecast.scenarios.unread_exercises`), if anything."""
        return self.data.attrs.get("note") or None

    @property
    def scenarios(self) -> list[str]:
        """The scenarios' keys, in order."""
        return [str(s) for s in self.data["scenario"].values]

    @property
    def labels(self) -> dict[str, str]:
        """Each scenario's label."""
        return dict(zip(self.scenarios, [str(x) for x in self.data["label"].values], strict=True))

    @property
    def months(self) -> pd.PeriodIndex:
        """The forecast months."""
        return pd.DatetimeIndex(self.data["month"].values).to_period("M")

    @property
    def n_draws(self) -> int:
        """Simulations per scenario."""
        return int(self.data.sizes["draw"])

    @property
    def counts(self) -> xr.DataArray:
        """Simulated counts of the target (scenario, draw, month)."""
        return self.data[self.target]

    def quantity(self, name: str | None = None) -> xr.DataArray:
        """A simulated quantity by name (default: the target), refused when absent."""
        name = name or self.target
        if name not in self.data:
            raise ConfigError(
                "forecast",
                f"the forecast has no {name!r} (it holds {list(self.data.data_vars)})",
                "simulate with a model (or outlook) that provides it",
            )
        return self.data[name]

    @property
    def states(self) -> xr.DataArray:
        """State codes (scenario, draw, month)."""
        return self.data["state"]

    @property
    def drawn_states(self) -> list[str]:
        """The scenarios whose states differ between draws (they follow the state model), in
        order."""
        codes = self.states
        varies = (codes != codes.isel(draw=0)).any(["draw", "month"])
        return [name for name, v in zip(self.scenarios, varies.values, strict=True) if v]

    def expected_class_days(self, weapon_class: str) -> xr.DataArray | None:
        """The launch days with ``weapon_class`` each draw expects per month (scenario, draw,
        month): the model's own class rate, or the expected launch days (``rate``) times the
        draw's share of the run's class mix; None when the forecast holds neither."""
        data = self.data
        if "class_rate" in data:
            return data["class_rate"].sel(weapon_class=weapon_class, drop=True)
        if "class_share" in data and "rate" in data:
            return data["rate"] * data["class_share"].sel(weapon_class=weapon_class, drop=True)
        return None

    def scenario(self, name: str) -> Forecast:
        """The forecast of one scenario (the ``scenario`` dim kept, of length 1)."""
        return self.subset([name])

    def subset(self, names) -> Forecast:
        """The forecast of some scenarios, in the order given."""
        names = list(names)
        unknown = [n for n in names if n not in self.scenarios]
        if unknown or not names:
            raise ConfigError(
                "scenario", f"no scenario {unknown or names!r}", f"use some of {self.scenarios}"
            )
        return Forecast(self.data.sel(scenario=names))

    def months_from(self, first: pd.Period) -> Forecast:
        """The forecast from ``first`` on (earlier months dropped)."""
        return Forecast(self.data.sel(month=self.data["month"] >= first.to_timestamp()))
