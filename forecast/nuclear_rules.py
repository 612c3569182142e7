"""P(a nuclear test) in a window under each rule the question backtest compared.

Six tests since 2006 leave the rate of nuclear tests to a rule: the run's (by default old tests
fade with a 28-month half-life), a constant rate since 1990, or a constant rate in each state
group (talks / no talks) along the state model's paths. The question backtest cannot tell them
apart (``docs/evaluation/nuclear.md``), so every P(nuclear test) the report and notebook 04 give
comes with the other rules' answers over the same months: :func:`nuclear_rules` fits them once
and :meth:`NuclearRules.table` gives them for any windows (``nuclear_rules.csv`` of a report).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.data import month_periods
from forecast.models.events import NUCLEAR_CANDIDATES, NUCLEAR_PATHS, NuclearRate
from forecast.simulation import state_paths

__all__ = ["NuclearRules", "nuclear_rules", "rule_words"]

#: The other rules by their names in :data:`~forecast.models.events.NUCLEAR_CANDIDATES`.
OTHER_RULES = ("constant", "by_state")


def rule_words(priors: dict) -> str:
    """A nuclear-test rule in words, from its :class:`NuclearRate` priors."""
    if priors.get("by_state"):
        return "a constant rate in each state group (talks / no talks) along the state paths"
    if math.isinf(float(priors["half_life"])):
        return "a constant rate since 1990"
    return f"old tests fade with a half-life of {float(priors['half_life']):.0f} months"


@dataclass
class NuclearRules:
    """The run's nuclear-test rate and the other rules, fitted on the same months.

    Attributes
    ----------
    kept : NuclearRate
        The run's rate (the one its simulations draw tests from).
    others : dict of str to NuclearRate
        The other rules (:data:`OTHER_RULES`), fitted on the run's months.
    months : PeriodIndex
        The months from the one after the data on, over which ``paths`` run.
    paths : ndarray
        State codes (path, month) from the run's state model, for a rate by state.
    """

    kept: NuclearRate
    others: dict[str, NuclearRate]
    months: pd.PeriodIndex
    paths: np.ndarray

    def p(self, window, rule: str) -> float:
        """P(at least one test) in ``window`` under ``rule`` (``kept`` or an other rule's name).

        ``window`` is a PeriodIndex of months from the first month on, or a number of months
        from it.
        """
        if isinstance(window, int):
            window = self.months[:window]
        columns = self.months.get_indexer(pd.PeriodIndex(window, freq="M"))
        if (columns < 0).any():
            raise ValueError(
                f"the window {window[0]} to {window[-1]} is not within the rules' months "
                f"{self.months[0]} to {self.months[-1]}"
            )
        model = self.kept if rule == "kept" else self.others[rule]
        return model.p_any(len(columns), states=self.paths[:, columns])

    def others_at(self, window) -> dict[str, float]:
        """The other rules' P(at least one test) in ``window``, by the rule in words."""
        return {rule_words(m.priors): self.p(window, name) for name, m in self.others.items()}

    def table(self, windows) -> pd.DataFrame:
        """P(at least one test) in each window under every rule.

        Parameters
        ----------
        windows : list of PeriodIndex or int

        Returns
        -------
        DataFrame
            A row per window and rule: ``first_month``, ``last_month``, ``months``, ``rule``
            (in words), ``kept`` (the run's rule, the one its simulations use: their
            P(nuclear test) is this number up to simulation noise) and ``p_nuclear``.
        """
        rows = []
        for window in windows:
            span = self.months[:window] if isinstance(window, int) else pd.PeriodIndex(window)
            for name, model in [("kept", self.kept), *self.others.items()]:
                rows.append(
                    {
                        "first_month": str(span[0]),
                        "last_month": str(span[-1]),
                        "months": len(span),
                        "rule": rule_words(model.priors),
                        "kept": name == "kept",
                        "p_nuclear": self.p(span, name),
                    }
                )
        return pd.DataFrame(rows)


def nuclear_rules(panel: pd.DataFrame, first, outlook, seed: int = 1, windows=()):
    """The run's nuclear-test rate beside the other rules, fitted on the months before
    ``first`` (the forecast's first month).

    Parameters
    ----------
    panel : DataFrame
        The monthly panel (its ``nuclear_tests`` and ``state`` columns).
    first : Period or str
        The first forecast month.
    outlook : forecast.runs.Outlook
        The run's outlook models (its nuclear rate and its state model).
    seed : int
        Seed of the rules' posterior draws and of the state paths.
    windows : list of PeriodIndex
        Windows the rules will be asked about: the state paths reach the last of their
        months (at least the 24 months from ``first``).

    Returns
    -------
    NuclearRules or None
        None when the run has no nuclear-test rate or no state model.
    """
    if outlook.nuclear is None or outlook.transitions is None:
        return None
    first = pd.Period(first, "M")
    rows = panel[month_periods(panel) < first].reset_index(drop=True)
    others = {
        name: NuclearRate(NUCLEAR_CANDIDATES[name], random_seed=seed).fit(rows)
        for name in OTHER_RULES
    }
    last = max([first + 23, *(pd.PeriodIndex(w, freq="M")[-1] for w in windows)])
    months = pd.period_range(first, last, freq="M")
    paths = state_paths(outlook.transitions, months, NUCLEAR_PATHS, seed)
    return NuclearRules(kept=outlook.nuclear, others=others, months=months, paths=paths)
