"""What the scenario explorer computes: a path of negotiation states, simulated and summed up.

:class:`PathSimulator` holds what :func:`forecast.explore` explores (its settings: a state per
month, the horizon, the quantity and the reference scenario), the starting paths it offers,
and the simulation of a path against the reference; :mod:`forecast.explore` adds the widgets
and the figure (its :class:`~forecast.explore.Explorer` is a :class:`PathSimulator` that
draws). Nothing here draws or displays anything.

How it stays fast
-----------------
Nothing is refitted. A path is a :class:`~forecast.scenarios.Scenario` with a state for every
month, turned into a :class:`~forecast.simulation.Future` by
:func:`forecast.scenarios.scenario_future` and simulated by :func:`forecast.simulation.simulate`,
the one way the package makes forecasts; the numbers are :mod:`forecast.summaries`'
(:meth:`PathSimulator.summarise`). What does not change with the path is done once, when the
simulator is made: the posterior is stacked into draws, the history and the shipped paths are
read, and the reference scenario is simulated once per horizon and kept (a scenario's
simulation depends only on its own path and the seed: common random numbers, so the path
simulated alone and the reference simulated alone are exactly the two scenarios of one
forecast). A change then simulates one scenario: about 0.05 s with every posterior draw
(4,000 for a ``full`` fit of ``ar_level``, 12 months, on the project's 2-core machine:
``benchmarks/explorer.py``), so the explorer uses them all (:data:`EXPLORER_DRAWS`), as the
report does; ``draws=`` takes fewer.

**From today** (``today``): when the data end before today's month, the path can start in
today's month instead of the month after the data, as the report's scenarios from today do.
The months the data lack are then simulated first, the last observed state held in them (for
the path and the reference alike), and dropped from what is shown
(:meth:`~forecast.simulation.Forecast.months_from`): they have happened, but the fit does not
have them. A change then simulates those months too: with eleven of them, the median
simulation of a change went from 0.039 s to 0.056 s and the whole update (figure included)
from 0.40 s to 0.44 s (``benchmarks/explorer.py``, with and without ``--today``).

The path explored keeps the usual exercise calendar (as a scenario without ``exercises``); a
shipped scenario chosen as the reference keeps its own (``summit``: exercises scaled down from
month 3), so that its numbers are the report's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import MAX_HORIZON, SHIPPED_SCENARIOS, STATE_WORDS, STATES
from forecast.data import load_tables, monthly_panel
from forecast.errors import ConfigError
from forecast.plots import STATE_LABELS
from forecast.present import counted, listed
from forecast.scenarios import Scenario, load_scenarios, scenario_future
from forecast.simulation import Forecast, simulate, simulation_draws
from forecast.summaries import Summary, compare, totals

#: Posterior draws the explorer simulates by default: ``None``, every draw of the run (4,000
#: for a ``full`` fit), as the report does; a path then takes about 0.05 s to simulate and
#: the figure 0.35 s, so there is no need for fewer.
EXPLORER_DRAWS: int | None = None

#: The longest horizon the explorer offers (months).
EXPLORER_MAX_HORIZON = min(24, MAX_HORIZON)

#: Observed months drawn before the forecast.
HISTORY_MONTHS = 24

#: Name of the explored path in the forecast it makes.
PATH = "your_path"

#: Human names of the quantities the explorer can show.
QUANTITY_LABELS = {
    "launch_days": "Launch days",
    "missiles": "Missiles",
    "ICBM_launch_days": "ICBM launch days",
}

#: What :meth:`PathSimulator.changed_settings` can change.
SETTINGS = ("path", "preset", "horizon", "quantity", "reference")


def path_label(states: list[str], months: pd.PeriodIndex) -> str:
    """A path in words: ``No talks Jan-Feb 2026, then active talks Mar-Dec 2026``."""
    runs, start = [], 0
    for i in range(1, len(states) + 1):
        if i == len(states) or states[i] != states[start]:
            first, last = months[start], months[i - 1]
            if first == last:
                span = f"{first:%b %Y}"
            elif first.year == last.year:
                span = f"{first:%b}-{last:%b %Y}"
            else:
                span = f"{first:%b %Y}-{last:%b %Y}"
            runs.append(f"{STATE_WORDS[states[start]]} {span}")
            start = i
    text = ", then ".join(runs)
    return text[:1].upper() + text[1:]


class PathSimulator:
    """A path of negotiation states, simulated against a reference (see the module docstring).

    Parameters
    ----------
    model : BaseModel
        A fitted model (nothing is refitted).
    outlook : forecast.runs.Outlook, optional
        The run's outlook models (ICBM launch days come from its class mix).
    draws : int, optional
        Posterior draws simulated (default :data:`EXPLORER_DRAWS`: every draw; at most all).
    random_seed : int
        Seed of every simulation (the same seed, the same numbers).
    horizon : int
        Months explored first.
    panel : DataFrame, optional
        The observed panel, for the history of a quantity the fit does not keep (ICBM launch
        days, missiles); default: the bundled data with any overlay (``./local-data``).
    presets : str or Path, optional
        Scenario file whose fixed paths are offered as starting points (default
        :data:`SHIPPED_SCENARIOS`).
    today : date, optional
        Start the path in this day's month when the data end before it (the months between
        simulated first with the last observed state, and not shown); default: the month
        after the data.

    Attributes
    ----------
    settings : dict
        What is explored: ``path`` (a state per month up to :data:`EXPLORER_MAX_HORIZON`),
        ``horizon``, ``quantity`` and ``reference`` (a starting path's name).
    all_months : PeriodIndex
        The months a path can cover (:data:`EXPLORER_MAX_HORIZON` from its first month).
    lead : int
        The months simulated before the first month shown (those the data lack, with
        ``today``; else 0).
    paths : dict of str to (str, list of str, dict)
        The starting paths: name -> (label, a state per month, exercise steps).
    quantities : dict of str to str
        The quantities the run simulates: name -> label.
    history : DataFrame
        The observed months before the forecast (``month``, ``state`` and every quantity).
    """

    def __init__(
        self,
        model,
        outlook=None,
        draws: int | None = EXPLORER_DRAWS,
        random_seed: int = 1,
        horizon: int = 12,
        panel: pd.DataFrame | None = None,
        presets: str | Path | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.model, self.outlook, self.random_seed = model, outlook, int(random_seed)
        self.draws = None if draws is None else min(int(draws), simulation_draws(model))
        self.training = model.training
        first = model.last_month + 1
        start = first if today is None else max(first, pd.Period(today, "M"))
        self.lead = (start - first).n
        if self.lead + EXPLORER_MAX_HORIZON > MAX_HORIZON:
            raise ConfigError(
                "today",
                f"the data lack the {counted(self.lead, 'month')} before {today} (they end in "
                f"{first - 1}); a path shown from it would be simulated over more than "
                f"{MAX_HORIZON} months",
                "bring the data up to date ('forecast data import', 'set-state') and refit",
            )
        self.all_months = pd.period_range(start, periods=EXPLORER_MAX_HORIZON, freq="M")
        self.initial_state = str(self.training["state"].iloc[-1])
        self.paths = self._preset_paths(presets or SHIPPED_SCENARIOS)
        self._references: dict[tuple[str, int], xr.Dataset] = {}
        probe = self._simulate_one(self.paths["persist"][1], "probe", 1)  # stacks the posterior
        self.quantities = self._quantities(probe.data)
        self.history = self._history(panel)
        self.settings = {
            "path": list(self.paths["persist"][1]),
            "horizon": min(max(1, int(horizon)), EXPLORER_MAX_HORIZON),
            "quantity": model.target,
            "reference": "persist",
        }

    # --- what is done once ------------------------------------------------------------------

    def _preset_paths(self, source) -> dict[str, tuple[str, list[str]]]:
        """Starting paths: the last state persisting, each fixed path of the scenario file
        and each state held throughout (name -> (label, a state per month))."""
        months = self.all_months
        state = STATE_WORDS[self.initial_state]
        persist = f"The last observed state ({state}) persists"
        paths = {"persist": (persist, [self.initial_state] * len(months), {})}
        try:
            shipped = load_scenarios(source).resolved(months[0], self.initial_state)
            shipped = shipped.scenarios.values()
        except (ConfigError, OSError):  # a missing or invalid file only loses the presets
            shipped = []
        for scenario in shipped:
            if scenario.transitions or not scenario.states or scenario.name == "persist":
                continue
            if min(scenario.states) < months[0]:  # written for an earlier forecast
                continue
            steps = self._steps(scenario, months)
            paths[scenario.name] = (scenario.label, steps, dict(scenario.exercises))
        for state in STATES:
            label = f"{STATE_LABELS[state]} every month"
            paths[f"all_{state}"] = (label, [state] * len(months), {})
        return paths

    def _steps(self, scenario: Scenario, months: pd.PeriodIndex) -> list[str]:
        current, out = self.initial_state, []
        for month in months:
            current = scenario.states.get(month, current)
            out.append(current)
        return out

    def _quantities(self, data: xr.Dataset) -> dict[str, str]:
        """The quantities the simulation holds (name -> label)."""
        found = [self.model.target] + [q for q in ("launch_days", "missiles") if q in data]
        if "class_counts" in data and "ICBM" in data["weapon_class"].values:
            found.append("ICBM_launch_days")
        return {q: QUANTITY_LABELS.get(q, q.replace("_", " ")) for q in dict.fromkeys(found)}

    def _history(self, panel: pd.DataFrame | None) -> pd.DataFrame:
        """The observed months (``month``, ``state`` and every quantity found)."""
        columns = {"ICBM_launch_days": "launch_days_icbm"}
        wanted = {q: columns.get(q, q) for q in self.quantities}
        source = self.model.panel
        if panel is None and not set(wanted.values()) <= set(source.columns):
            panel = monthly_panel(load_tables())
        source = panel if panel is not None else source
        last = self.model.last_month.to_timestamp()
        rows = source[pd.to_datetime(source["month"]) <= last].tail(HISTORY_MONTHS)
        out = pd.DataFrame({"month": pd.to_datetime(rows["month"]), "state": rows["state"]})
        for quantity, column in wanted.items():
            out[quantity] = rows[column].to_numpy() if column in rows else np.nan
        return out.reset_index(drop=True)

    # --- the path chosen ---------------------------------------------------------------------

    @property
    def states(self) -> list[str]:
        """The path explored: a state per month of the horizon."""
        return self.settings["path"][: self.settings["horizon"]]

    def changed_settings(self, **changes) -> dict:
        """:attr:`settings` with ``changes`` made (``path``, ``preset``, ``horizon``,
        ``quantity``, ``reference``); :attr:`settings` itself is left as it is.

        ``path`` is a list of states from the first month (later months keep theirs);
        ``preset`` the name of a starting path (:attr:`paths`).
        """
        unknown = set(changes) - set(SETTINGS)
        if unknown:
            raise TypeError(f"unknown {listed('setting', sorted(unknown))}")
        new = dict(self.settings, path=list(self.settings["path"]))
        if "preset" in changes:
            new["path"] = list(self.paths[changes["preset"]][1])
        for i, state in enumerate(changes.get("path", [])[:EXPLORER_MAX_HORIZON]):
            if state not in STATES:
                raise ValueError(f"unknown state {state!r}: use one of {STATES}")
            new["path"][i] = state
        new.update({k: v for k, v in changes.items() if k not in ("path", "preset")})
        return new

    # --- simulation --------------------------------------------------------------------------

    def _simulate_one(
        self, states: list[str], name: str, horizon: int, exercises: dict | None = None
    ) -> Forecast:
        """One path over the first ``horizon`` months (with the usual exercise calendar, or
        ``exercises``' steps), through the package's simulation; the :attr:`lead` months
        before them, which keep the last observed state, are simulated first and dropped."""
        months = self.all_months[:horizon]
        label = path_label(states[:horizon], months)
        steps = dict(zip(months, states[:horizon], strict=True))
        scenario = Scenario(name, label, states=steps, exercises=exercises or {})
        n_draws = simulation_draws(self.model, self.draws)
        simulated = pd.period_range(months[0] - self.lead, months[-1], freq="M")
        future = scenario_future(
            scenario, simulated, self.training, self.outlook, n_draws, self.random_seed
        )
        return simulate(
            self.model,
            [future],
            random_seed=self.random_seed,
            draws=self.draws,
            outlook=self.outlook,
            start=months[0],
        )

    def _reference(self, name: str, horizon: int) -> xr.Dataset:
        """The reference scenario's simulation (kept per horizon: it does not change)."""
        key = (name, horizon)
        if key not in self._references:
            label, states, exercises = self.paths[name]
            one = self._simulate_one(states, name, horizon, exercises).data
            self._references[key] = one.assign_coords(label=("scenario", [label]))
        return self._references[key]

    def simulate(self, states: list[str], horizon: int, reference: str) -> Forecast:
        """The path and the reference scenario as one forecast (scenarios ``your_path`` and
        the reference's name), as :func:`forecast.simulation.simulate` makes it."""
        mine = self._simulate_one(states, PATH, horizon).data
        both = xr.concat([mine, self._reference(reference, horizon)], dim="scenario")
        both.attrs = mine.attrs
        return Forecast(both)

    @staticmethod
    def view(forecast: Forecast, quantity: str) -> Forecast:
        """``forecast`` with ``quantity`` as its target: ICBM launch days from the class
        counts, with the days each draw expects as their ``rate``
        (:meth:`~forecast.simulation.Forecast.expected_class_days`), so that the path is
        compared with the reference by what each expects, as for the model's own target.
        Another quantity (missiles of a launch-day model, launch days of a missile model)
        carries no rate: it is compared by its simulated counts."""
        data = forecast.data
        if quantity == forecast.target:
            return forecast
        expected = None
        if quantity == "ICBM_launch_days":
            values = data["class_counts"].sel(weapon_class="ICBM", drop=True)
            expected = forecast.expected_class_days("ICBM")
        else:
            values = data[quantity]
        kept = data[["state"]].assign({quantity: values})
        if expected is not None:
            kept["rate"] = expected
        kept.attrs = {**data.attrs, "target": quantity}
        return Forecast(kept)

    @staticmethod
    def summarise(forecast: Forecast, reference: str) -> tuple[pd.DataFrame, Summary]:
        """The headline numbers of the path and the reference
        (:func:`forecast.summaries.totals`' table) and the path against the reference, in a
        table and in words (:func:`forecast.summaries.compare`)."""
        return totals(forecast).table, compare(forecast, reference)
