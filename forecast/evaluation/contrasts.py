"""Do the state contrasts users read in scenarios depend on the training window?

The state effects of a model fitted from 1990 are learned largely from the 1990s and 2000s,
when talks were the normal state and the missile programme was small. :func:`contrasts_by_window`
fits the same model from several first months (``since``) to the same last month and
tabulates, for each window, the rate ratio of every state against ``no_talks`` and the
expected launch days of the next 12 months with each state held, so a reader sees whether a
contrast moves when the early years are left out (``forecast contrasts``, README
"Evaluation").
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from forecast.constants import STATES
from forecast.evaluation.plan import contrast_windows
from forecast.models import get_model
from forecast.runs import fit_run
from forecast.scenarios import Scenario, scenario_future
from forecast.simulation import simulate
from forecast.summaries import totals

#: First training months compared by default.
DEFAULT_WINDOWS: tuple[str, ...] = ("1990-01", "2000-01", "2005-01", "2012-01")


def _placed(panel: pd.DataFrame, model: str, windows: list[str]) -> list:
    """One model per first month, each built on ``panel``: a window the data cannot give (a
    month after them, too few months) is refused before the first fit, not after the others."""
    built = [get_model(model, since=since) for since in windows]
    for one in built:
        one.build(panel)
    return built


def contrasts_by_window(
    panel: pd.DataFrame,
    model: str = "default",
    windows: Sequence[str] = DEFAULT_WINDOWS,
    preset: str = "full",
    seed: int = 1,
    horizon: int = 12,
    progress: bool = False,
) -> pd.DataFrame:
    """Fit ``model`` from each first month in ``windows`` and tabulate its state contrasts.

    Parameters
    ----------
    panel : DataFrame
        The monthly panel (every fit ends at its last month).
    model : str
        A registered model with state effects (``default`` by default).
    windows : sequence of str
        First training months.
    preset : str
        Sampler preset of the fits.
    seed : int
        Seed of the fits and the simulations.
    horizon : int
        Months of the held-state forecasts.
    progress : bool
        Show each fit's progress bar.

    Returns
    -------
    DataFrame
        One row per window and state: ``since``, ``state``, ``rate_ratio`` (posterior mean),
        ``hdi_low``, ``hdi_high`` (94%), ``expected_total`` (launch days over the horizon
        with the state held from the first month, mean; ``ar_level`` phases a state other
        than the last fitted month's in at the level's pace), ``total_median``,
        ``total_q10``, ``total_q90`` (from :func:`forecast.summaries.totals`), ``passed``
        (the fit's verdict).
    """
    windows = contrast_windows(windows)
    built = _placed(panel, model, windows)
    rows = []
    for since in windows:  # each model let go once fitted and tabulated
        fitted = fit_run(built.pop(0), None, preset, seed=seed, progress=progress).model
        effects = fitted.state_effects().set_index("state")
        first = fitted.last_month + 1
        months = pd.period_range(first, periods=horizon, freq="M")
        held = [
            scenario_future(Scenario(state, state, states={first: state}), months, fitted.training)
            for state in STATES
        ]
        forecast_totals = totals(simulate(fitted, held, random_seed=seed)).table
        for state, total in zip(STATES, forecast_totals.to_dict("records"), strict=True):
            rows.append(
                {
                    "since": since,
                    "state": state,
                    "rate_ratio": effects.loc[state, "rate_ratio_mean"],
                    "hdi_low": effects.loc[state, "hdi_low"],
                    "hdi_high": effects.loc[state, "hdi_high"],
                    "expected_total": total["mean"],
                    "total_median": total["median"],
                    "total_q10": total["q10"],
                    "total_q90": total["q90"],
                    "passed": bool(fitted.diagnostics.passed),
                }
            )
    return pd.DataFrame(rows)
