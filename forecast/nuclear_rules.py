"""P(a nuclear test) in a window under each rule the question backtest compared.

Six tests since 2006 leave the rate of nuclear tests to a rule: the run's (by default old tests
fade with a 28-month half-life), a constant rate since 1990, or a constant rate in each state
group (talks / no talks) along the state model's paths. The question backtest cannot tell them
apart (``docs/evaluation/nuclear.md``), so the report gives the other rules' answers beside
every P(nuclear test) it shows, ``forecast questions`` beside every answer on P(at least one
nuclear test),
and notebook 04 beside the outlook from today's. Every run's outlook fits the other rules on
its own months and keeps them in ``outlook.nc`` (:func:`forecast.runs.outlook_at`);
:func:`nuclear_rules` draws the state paths a rate by state follows once, and
:meth:`NuclearRules.table` gives every rule for any windows (``nuclear_rules.csv`` of a report,
of ``forecast questions`` and of ``forecast scenarios``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.models.events import NUCLEAR_PATHS, NuclearRate, nuclear_rule_words
from forecast.simulation import state_paths

__all__ = [
    "REFIT_FOR_RULES",
    "NuclearRules",
    "asks_p_nuclear",
    "nuclear_rules",
    "saved_without_rules",
]


@dataclass(eq=False)
class NuclearRules:
    """The run's nuclear-test rate and the other rules, fitted on the same months.

    Attributes
    ----------
    run_rule : NuclearRate
        The run's rate (the one its simulations draw tests from).
    others : dict of str to NuclearRate
        The other rules (the outlook's ``nuclear_others``: those of
        :data:`~forecast.models.events.NUCLEAR_OTHER_RULES` but one the run's rule already
        is), fitted on the run's months.
    months : PeriodIndex
        The months from the forecast's first month on, over which ``paths`` run: every
        window asked about lies within them.
    paths : ndarray
        State codes (path, month) from the run's state model, for a rate by state.
    windows : list of PeriodIndex
        The windows the rules were fitted to be asked about, each once, in the order given
        (what :meth:`table` gives by default).
    """

    run_rule: NuclearRate
    others: dict[str, NuclearRate]
    months: pd.PeriodIndex
    paths: np.ndarray
    windows: list = field(default_factory=list)

    def window(self, window) -> pd.PeriodIndex:
        """``window`` as months: a PeriodIndex (or month strings) as given, a number as that
        many months from the first; ValueError when they are not all within :attr:`months`."""
        if isinstance(window, int):
            if not 1 <= window <= len(self.months):
                raise ValueError(
                    f"a window of {window} months: the rules' months hold {len(self.months)}"
                )
            return self.months[:window]
        window = pd.PeriodIndex(window, freq="M")
        if (self.months.get_indexer(window) < 0).any():
            raise ValueError(
                f"the window {window[0]} to {window[-1]} is not within the rules' months "
                f"{self.months[0]} to {self.months[-1]}"
            )
        return window

    def p_nuclear(self, window, rule: str) -> float:
        """P(at least one test) in ``window`` under one rule.

        Parameters
        ----------
        window : PeriodIndex, list of str or int
            The months (a number: that many from the first month).
        rule : str
            ``run`` (the run's rule) or a key of :attr:`others`.

        Returns
        -------
        float
        """
        columns = self.months.get_indexer(self.window(window))
        model = self.run_rule if rule == "run" else self.others[rule]
        return model.p_any(len(columns), states=self.paths[:, columns])

    def others_at(self, window) -> dict[str, float]:
        """The other rules' P(at least one test) in ``window`` (as :meth:`p_nuclear`), by the
        rule in words (:func:`~forecast.models.events.nuclear_rule_words`)."""
        return {
            nuclear_rule_words(model.priors): self.p_nuclear(window, name)
            for name, model in self.others.items()
        }

    def by_question(self, questions) -> dict[str, dict[str, float]]:
        """The other rules' answers (:meth:`others_at`) to each question that asks P(at least
        one nuclear test) (:func:`asks_p_nuclear`), by question id: what follows its answer in
        brackets on the report's page and under ``forecast questions``."""
        return {q.id: self.others_at(q.months) for q in questions if asks_p_nuclear(q)}

    def table(self, windows=None) -> pd.DataFrame:
        """P(at least one test) in each window under every rule.

        Parameters
        ----------
        windows : list of PeriodIndex or int, optional
            The windows (as :meth:`p_nuclear` takes them); by default :attr:`windows`.

        Returns
        -------
        DataFrame
            A row per window and rule: ``window_start``, ``window_end``, ``months``, ``rule``
            (in words), ``run_rule`` (True for the run's rule, the one its simulations use:
            their P(nuclear test) is this number up to simulation noise) and ``p_nuclear``.
        """
        rows = []
        for window in self.windows if windows is None else windows:
            span = self.window(window)
            for name, model in [("run", self.run_rule), *self.others.items()]:
                rows.append(
                    {
                        "window_start": str(span[0]),
                        "window_end": str(span[-1]),
                        "months": len(span),
                        "rule": nuclear_rule_words(model.priors),
                        "run_rule": name == "run",
                        "p_nuclear": self.p_nuclear(span, name),
                    }
                )
        return pd.DataFrame(rows)


def nuclear_rules(first, outlook, seed: int = 1, windows=()) -> NuclearRules | None:
    """The run's nuclear-test rate beside the other rules its outlook keeps.

    Parameters
    ----------
    first : Period or str
        The forecast's first month (the month after the run's data).
    outlook : forecast.runs.Outlook
        The run's outlook models (its nuclear rates and its state model).
    seed : int
        Seed of the state paths.
    windows : list of PeriodIndex
        Windows the rules will be asked about: the state paths reach the last of their
        months (at least the 24 months from ``first``), and :meth:`NuclearRules.table` gives
        them, each once.

    Returns
    -------
    NuclearRules or None
        None when the run has no nuclear-test rate or no state model, or was saved before
        runs kept the other rules (:func:`saved_without_rules` tells which).
    """
    if outlook.nuclear is None or outlook.transitions is None or not outlook.nuclear_others:
        return None
    first = pd.Period(first, "M")
    unique = {(w[0], w[-1]): w for w in (pd.PeriodIndex(w, freq="M") for w in windows)}
    last = max([first + 23, *(w[-1] for w in unique.values())])
    months = pd.period_range(first, last, freq="M")
    paths = state_paths(outlook.transitions, months, NUCLEAR_PATHS, seed)
    return NuclearRules(
        run_rule=outlook.nuclear,
        others=dict(outlook.nuclear_others),
        months=months,
        paths=paths,
        windows=list(unique.values()),
    )


def saved_without_rules(outlook) -> bool:
    """Whether ``outlook`` has a nuclear-test rate but not the other rules (a run saved before
    runs kept them: a refit adds them)."""
    return outlook is not None and outlook.nuclear is not None and not outlook.nuclear_others


#: What a page or a command says when the run predates the other rules.
REFIT_FOR_RULES = (
    "this run was saved before runs kept the other nuclear-test rules: refit it "
    "('forecast refit') to see P(nuclear test) under them beside the run's"
)


def asks_p_nuclear(question) -> bool:
    """Whether a question asks P(at least one nuclear test) in its window: the answers the
    other rules are given beside."""
    return (
        question.type == "binary"
        and question.event.kind == "nuclear_test"
        and question.threshold == 1
    )
