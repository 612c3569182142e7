"""The backtest of the number the report leads with: the total over a whole forecast window.

The monthly scores of :mod:`forecast.evaluation.backtest` judge each month on its own; the
headline is a 12-month total, whose spread depends on how the months move together (a
level that drifts up makes every month high at once). Here each fold's simulated paths are
summed draw by draw over its whole window and scored against the observed total with the
same scores as the months (:func:`forecast.scores.score_forecasts`): CRPS, the randomised-PIT
coverage of the 50 % and 80 % intervals, and the error of the mean and of the median, since a
reader quotes one or the other.

Only forecasts whose draws are joint paths are scored: the models and baselines. A pool
mixes its members' draws month by month and an oracle draws each month on its own, so their
sums are not forecasts of a total (too narrow by construction); they are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.evaluation.findings import CALIBRATED_80
from forecast.evaluation.skill import grouped_skill
from forecast.present import counted, indefinite_article, signed_percent
from forecast.scores import score_forecasts
from forecast.summaries import QUANTILE_METHOD


def total_scores(results: Sequence, horizon: int, joint: Sequence[str]) -> pd.DataFrame:
    """Scores of each fold's total over its whole window, one row per model, cutoff and path.

    Parameters
    ----------
    results : sequence of FoldResult
        Backtest folds; those with fewer than ``horizon`` months (cutoffs near the data's
        end) and those of models not in ``joint`` are skipped.
    horizon : int
        The window length (months).
    joint : sequence of str
        Models whose draws are joint paths (the fitted models and baselines).

    Returns
    -------
    DataFrame
        ``model, cutoff, state_path, horizon`` (the window length), ``observed`` (the
        total), ``pred_median``, every column of :func:`forecast.scores.score_forecasts`,
        and ``abs_error_mean`` / ``abs_error_median`` (of the total's mean and median).
    """
    keys, observed, draws = [], [], []
    for result in results:
        if result.model not in joint or len(result.months) < horizon:
            continue
        for path, paths in result.draws.items():
            keys.append((result.model, result.cutoff.to_timestamp(), path))
            observed.append(int(result.observed[:horizon].sum()))
            draws.append(np.asarray(paths[:horizon]).sum(axis=0))
    columns = ["model", "cutoff", "state_path"]
    if not keys:
        return pd.DataFrame(columns=[*columns, "horizon", "observed"])
    obs, sims = np.array(observed), np.stack(draws)
    table = pd.DataFrame(keys, columns=columns)
    table["horizon"] = horizon
    table["observed"] = obs
    table["pred_median"] = np.quantile(sims, 0.5, axis=1, method=QUANTILE_METHOD)
    for name, values in score_forecasts(obs, sims).items():
        table[name] = values
    table["abs_error_mean"] = np.abs(table["pred_mean"] - obs)
    table["abs_error_median"] = np.abs(table["pred_median"] - obs)
    return table


def totals_table(
    scores: pd.DataFrame, baselines: Sequence[str], bootstrap: int = 1000, seed: int = 1
) -> pd.DataFrame:
    """Mean scores of the totals per model and state path, with CRPS skill against the best
    baseline and its block-bootstrap interval over cutoffs (as :func:`grouped_skill`), and
    the mean error of the total's mean and median."""
    if scores.empty:
        return pd.DataFrame()
    table = grouped_skill(scores, ["state_path", "horizon"], baselines, bootstrap, seed)
    errors = (
        scores.groupby(["model", "state_path"], observed=True)[
            ["abs_error_mean", "abs_error_median", "observed", "pred_mean", "pred_median"]
        ]
        .mean()
        .rename(
            columns={
                "observed": "observed_mean",
                "pred_mean": "forecast_mean",
                "pred_median": "forecast_median",
            }
        )
        .reset_index()
    )
    return table.merge(errors, on=["model", "state_path"], how="left")


def _path_sentence(table: pd.DataFrame, model: str, held: pd.Series, unit: str) -> list[str]:
    """The same totals forecast along the state model's paths (the outlook all things
    considered) and along the states that came, against the state held: a sentence, or none
    when the table has no ``transition`` row for ``model``."""
    rows = table[table["model"] == model].set_index("state_path")
    if "transition" not in rows.index:
        return []
    drawn = rows.loc["transition", "crps"]
    change = drawn / held["crps"] - 1
    if round(change, 3) == 0:
        against = "the same as with the state held"
    else:
        against = (
            f"{abs(change):.1%} {'higher' if change > 0 else 'lower'} than with the state held"
        )
    text = (
        'With the states drawn from the state model, as the "all things considered" outlook '
        f"draws them, the CRPS of the total is {drawn:.2f} {unit}, {against}"
    )
    if "observed" in rows.index:
        text += f"; with the states that came, {rows.loc['observed', 'crps']:.2f}"
    return [text + " (no paired interval is computed for the totals)."]


def totals_findings(
    table: pd.DataFrame, model: str, state_path: str = "persist", unit: str = "launch days"
) -> list[str]:
    """Sentences on how ``model``'s window totals scored, computed from :func:`totals_table`.

    Parameters
    ----------
    table : DataFrame
        :func:`totals_table` of a backtest.
    model : str
        The model the sentences are about.
    state_path : str
        The forecasts' state path (``persist``: the state held at the cutoff). For
        ``persist`` the last sentence compares the ``transition`` path's totals, when the
        table has them.
    unit : str
        What the totals count (``launch days``, ``missiles``).

    Returns
    -------
    list of str
        The sentences (empty when the table has no row for ``model`` and ``state_path``).
    """
    rows = table[(table["model"] == model) & (table["state_path"] == state_path)]
    if rows.empty:
        return []
    r = rows.iloc[0]
    months = int(r["horizon"])
    text = (
        f"Scored on its {months}-month totals at {int(r['n'])} cutoffs ({state_path} path), "
        f"{model} has a mean CRPS of {r['crps']:.2f} {unit}"
    )
    if isinstance(r.get("crps_baseline"), str) and r["crps_baseline"] != model:
        text += (
            f", a skill of {signed_percent(r['crps_skill'])} against {r['crps_baseline']} (90% "
            "interval "
            f"{signed_percent(r['crps_skill_lo'])} to {signed_percent(r['crps_skill_hi'])}; "
            "positive = better)"
        )
        if r["crps_skill_lo"] <= 0 <= r["crps_skill_hi"]:
            text += (
                f": the interval includes zero, so on the totals it cannot be told apart from "
                f"{r['crps_baseline']}"
            )
    out = [
        text + ".",
        f"By the randomised PIT its 50% and 80% intervals of the total held "
        f"{r['pit_cov_50']:.0%} and {r['pit_cov_80']:.0%} of the observed totals (50% and 80% "
        "when calibrated)" + _as_printed(r) + ".",
        f"The total's median missed by {r['abs_error_median']:.1f} {unit} on average, its "
        f"mean by {r['abs_error_mean']:.1f} (observed totals averaged {r['observed_mean']:.1f}).",
    ]
    if "forecast_mean" in r and "forecast_median" in r:
        out.append(
            f"Its forecast totals averaged {r['forecast_mean']:.1f} {unit} (mean) and "
            f"{r['forecast_median']:.1f} (median) against {r['observed_mean']:.1f} observed."
        )
    reading = _reading(r)
    if reading and reading[1] is None:
        out.append(f"So the interval of the total is {_too(reading)}.")
    elif reading:
        out.append(
            f"So the interval of the total is too {reading[0]}: read its printed 80% interval "
            f"as about {_a(reading[1])}% one."
        )
    return out + (_path_sentence(table, model, r, unit) if state_path == "persist" else [])


#: Said of a total's 80% interval that the randomised PIT calls mis-calibrated but that, as
#: printed with its ends, held about 80% of the totals.
HELD = "as printed it held about its 80%"


def _too(reading: tuple[str, None]) -> str:
    """ "too narrow by the randomised PIT, though as printed it held about its 80%"."""
    return f"too {reading[0]} by the randomised PIT, though {HELD}"


def _a(percent: int) -> str:
    """``a 75`` / ``an 85``: the article a spoken percentage (a multiple of 5) takes."""
    return f"{indefinite_article(str(percent))} {percent}"


def _printed_coverage(r) -> float | None:
    """The share of outcomes the 80% interval as printed (ends included) held, when known."""
    closed = r.get("coverage_80")
    return None if closed is None or closed != closed else float(closed)


def _as_printed(r) -> str:
    """The interval as printed (both ends included) beside the randomised PIT, when known."""
    closed = _printed_coverage(r)
    if closed is None:
        return ""
    return f"; the 80% interval as printed, both ends included, held {closed:.0%}"


def _reading(r) -> tuple[str, int | None] | None:
    """How to read a total's printed 80% interval whose randomised-PIT coverage is outside
    :data:`~forecast.evaluation.findings.CALIBRATED_80`: ``("narrow", 75)``, the share it held
    as printed (ends included; the PIT's own share when that is unknown) to the nearest 5%,
    or ``("narrow", None)`` when that share is not on the same side of 80% (the printed
    interval held about what it says); None when calibrated."""
    pit = float(r["pit_cov_80"])
    if CALIBRATED_80[0] <= pit <= CALIBRATED_80[1]:
        return None
    narrow = pit < CALIBRATED_80[0]
    closed = _printed_coverage(r)
    held = round((pit if closed is None else closed) * 20) * 5
    pointing_back = (narrow and held >= 80) or (not narrow and held <= 80)
    return ("narrow" if narrow else "wide"), None if pointing_back else held


def interval_caveat(
    table: pd.DataFrame,
    model: str,
    state_path: str = "persist",
    brief: bool = False,
    lead: int = 0,
    role: str = "",
) -> str:
    """One sentence to print beside a forecast's 80% interval of a total, when the backtest
    found that interval mis-calibrated (its randomised-PIT coverage outside
    :data:`~forecast.evaluation.findings.CALIBRATED_80`), else "".

    Parameters
    ----------
    table : DataFrame
        ``totals.csv`` of a backtest (:func:`total_scores`).
    model : str
        The model whose interval is shown.
    state_path : str
        The path of the forecasts (``persist``: the state held at the cutoff).
    brief : bool
        The short form, for a table below one that carries the whole sentence.
    lead : int
        The months between the data's end and the forecast's first month (the outlook from
        today): a sentence is added that the backtest never scored forecasts that start there,
        whether or not it found the interval mis-calibrated.
    role : str
        What the model is to the reader, in brackets after its name (the report: "the run's
        count model"); nothing by default.

    Returns
    -------
    str
        E.g. "In the backtest (240 cutoffs) the 80% interval of the 12-month total forecast by
        ar_level (the run's count model, the ``role`` given) held 69% of the totals that came,
        counted by the randomised PIT (...); the 80% interval as printed, both ends included,
        held 77%: it is too narrow; read it as about a 75% interval."
    """
    text = _calibration_caveat(table, model, state_path, brief, role)
    if lead > 0:
        text += (
            f" The backtest scored the 12 months right after the data; these start "
            f"{counted(lead, 'month')} after them, over simulated months, which it never scored: "
            "this interval is untested there."
        )
    return text.strip()


def _calibration_caveat(
    table: pd.DataFrame, model: str, state_path: str, brief: bool, role: str = ""
) -> str:
    """:func:`interval_caveat` without the sentence on a lead."""
    rows = table[(table["model"] == model) & (table["state_path"] == state_path)]
    if rows.empty:
        return ""
    r = rows.iloc[0]
    reading = _reading(r)
    if reading is None:
        return ""
    if brief and reading[1] is None:
        return f"The backtest found this interval {_too(reading)} (said in full above)."
    if brief:
        return (
            f"Read this 80% interval as about {_a(reading[1])}% interval too (the backtest's "
            "finding, said in full above)."
        )
    advice = HELD if reading[1] is None else f"read it as about {_a(reading[1])}% interval"
    return (
        f"In the backtest ({int(r['n'])} cutoffs) the 80% interval of the "
        f"{int(r['horizon'])}-month total forecast by {model}{f' ({role})' if role else ''} "
        f"held {r['pit_cov_80']:.0%} of the totals that came, "
        "counted by the randomised PIT (which counts a total on an end of the interval only in "
        "part)" + _as_printed(r) + f": it is too {reading[0]}; {advice}."
    )
