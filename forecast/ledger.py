"""The forecast ledger: each run's frozen forecast, scored once its months are observed.

Every run folder written by ``forecast fit`` or ``forecast refit`` gets a
``forecast.json``: the ``persist`` scenario (the last fitted state carries on,
usual exercise calendar) simulated for the :data:`HORIZON` months after the
fitted data, with the monthly predictive summary (mean, quantiles, P(at least
1)), up to :data:`MAX_DRAWS` predictive draws per month (aligned by draw, so
totals can be formed), a UTC timestamp, and hashes of the data and the config.

:func:`ledger` lists the runs of a folder and scores each frozen forecast on the
months the current data now covers: mean CRPS (:func:`forecast.scores.crps`), mean
Brier score of
P(at least 1), and how many observed months fell inside the central 80%
interval.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import MAX_DRAWN_COUNT, STATES
from forecast.data.panel import TARGETS
from forecast.errors import InputError, RunFileError
from forecast.files import read_json, write_text_atomic
from forecast.outlook import ANSWERS_FILE, read_answers, score_answers
from forecast.present import listed
from forecast.questions import date_months
from forecast.scenarios import Scenario, ScenarioSet, simulate_scenarios
from forecast.scores import brier_any, crps
from forecast.simulation import Forecast, simulation_draws
from forecast.summaries import QUANTILE_METHOD, describe
from forecast.track_record import RECORDS_FILE, answers_record, read_track_record

FORECAST_FILE = "forecast.json"

#: Months frozen per run.
HORIZON = 12

#: Predictive draws kept per month: all of a ``full`` fit's 4,000, so that the frozen forecast
#: is, draw for draw, the ``persist`` scenario of ``forecast scenarios`` and of the report with
#: the same seed (about 140 KB of JSON; 1,000 draws gave totals that differed from the report's
#: by a few tenths of a launch day).
MAX_DRAWS = 4000


def config_hash(meta: dict) -> str:
    """SHA-256 of a fit's config and sampler settings."""
    payload = json.dumps({"config": meta["config"], "sampler": meta.get("sampler")}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def make_forecast(model, seed: int = 1, horizon: int = HORIZON) -> dict:
    """Simulate the persist scenario from a fitted model and freeze it (JSON-ready)."""
    n = simulation_draws(model)
    persist = Scenario("persist", "The last observed state persists")
    spec = ScenarioSet(start=None, horizon=horizon, scenarios={"persist": persist})
    forecast = simulate_scenarios(model, spec, random_seed=seed, draws=min(n, MAX_DRAWS))
    return freeze(forecast, model.metadata(), seed=seed)


def freeze(forecast: Forecast, meta: dict, seed: int = 1, scenario: str | None = None) -> dict:
    """One scenario of a :class:`~forecast.simulation.Forecast` as the frozen ``forecast.json``
    record: its draws by month, their monthly summaries, and where they came from.

    Parameters
    ----------
    forecast : Forecast
    meta : dict
        The fit's metadata (:meth:`BaseModel.metadata`: data hash, config, sampler).
    seed : int
        The simulation's seed.
    scenario : str, optional
        The scenario frozen (default: the first).
    """
    scenario = scenario or forecast.scenarios[0]
    counts = forecast.counts.sel(scenario=scenario).transpose("draw", "month").values
    counts = np.rint(counts).astype(int)
    months = forecast.months.strftime("%Y-%m")
    rows = []
    for j, month in enumerate(months):
        row = {"month": month, **describe(counts[:, j])}
        rows.append({k: v for k, v in row.items() if k not in ("n", "caution")})
    return {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": forecast.model,
        "target": forecast.target,
        "scenario": scenario,
        "state": forecast.data.attrs["initial_state"],
        "last_fitted_month": forecast.data.attrs["last_fitted_month"],
        "first_month": months[0],
        "horizon": len(months),
        "seed": seed,
        "data_hash": meta["data_hash"],
        "config_hash": config_hash(meta),
        "months": rows,
        "draws": {m: counts[:, j].tolist() for j, m in enumerate(months)},
    }


def thaw(frozen: dict) -> Forecast:
    """A frozen ``forecast.json`` record as a one-scenario :class:`~forecast.simulation.Forecast`
    (its draws of the target; no rate, classes or states beyond the held one)."""
    months = list(frozen["draws"])
    draws = np.array([frozen["draws"][m] for m in months]).T  # (draw, month)
    code = STATES.index(frozen["state"]) if frozen["state"] in STATES else 0
    data = xr.Dataset(
        {
            frozen["target"]: (("scenario", "draw", "month"), draws[None]),
            "state": (("scenario", "draw", "month"), np.full((1, *draws.shape), code, np.int8)),
        },
        coords={
            "scenario": [frozen.get("scenario", "persist")],
            "label": ("scenario", [f"The last state ({frozen['state']}) persists"]),
            "month": pd.PeriodIndex(months, freq="M").to_timestamp(),
        },
        attrs={
            "model": frozen["model"],
            "target": frozen["target"],
            "initial_state": frozen["state"],
            "last_fitted_month": frozen.get("last_fitted_month", ""),
        },
    )
    return Forecast(data)


def write_forecast(model, run_dir: str | Path, seed: int = 1) -> dict:
    """Freeze the run's forecast into ``run_dir/forecast.json`` (atomically)."""
    forecast = make_forecast(model, seed=seed)
    write_text_atomic(Path(run_dir) / FORECAST_FILE, json.dumps(forecast) + "\n")  # umask modes
    return forecast


def read_forecast(run_dir: str | Path) -> dict | None:
    """A run's frozen forecast, or ``None`` when it has none."""
    path = Path(run_dir) / FORECAST_FILE
    if not path.exists():
        return None
    fix = (
        "restore forecast.json from a copy, or move it out of the run folder (the ledger then "
        "lists the run without a frozen forecast)"
    )
    forecast = read_json(path, fix)
    problem = _forecast_problem(forecast)
    if problem:
        raise RunFileError(path, f"not a frozen forecast: {problem}", fix)
    return forecast


def _forecast_problem(forecast) -> str | None:
    """What is wrong with a loaded ``forecast.json`` (``None``: usable)."""
    if not isinstance(forecast, dict):
        return "not a JSON object"
    needed = ("created_at", "model", "target", "first_month", "horizon", "months", "draws", "state")
    missing = [k for k in needed if k not in forecast]
    if missing:
        return f"missing {listed('key', missing)}"
    if forecast["target"] not in TARGETS:
        return f"unknown target {forecast['target']!r}"
    for key in ("created_at", "model", "state"):
        if not isinstance(forecast[key], str):
            return f"{key!r} is not text"
    if not _is_month(forecast["first_month"]):
        return f"'first_month' {forecast['first_month']!r} is not a month (YYYY-MM)"
    months, draws = forecast["months"], forecast["draws"]
    if (
        not isinstance(months, list)
        or not months
        or not all(isinstance(m, dict) and _is_month(m.get("month")) for m in months)
    ):
        return "'months' is not a list of monthly summaries"
    if not isinstance(draws, dict) or not draws:
        return "'draws' is not a mapping of months to draws"
    sizes = set()
    for month, values in draws.items():
        if not _is_month(month):
            return f"draws are keyed by {month!r}, not a month (YYYY-MM)"
        if not isinstance(values, list) or not values:
            return f"draws of {month!r} are not a list"
        if not all(_is_count(v) for v in values):
            return (
                f"draws of {month!r} are not all counts (whole numbers from 0 to "
                f"{MAX_DRAWN_COUNT:,})"
            )
        sizes.add(len(values))
    if len(sizes) != 1:
        return "the months have different numbers of draws"
    horizon = forecast["horizon"]
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
        return "'horizon' is not a positive whole number"
    return None


#: A month as :func:`freeze` writes it.
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _is_month(value) -> bool:
    """Whether ``value`` is a month written ``YYYY-MM`` (as :func:`freeze` writes them)."""
    return isinstance(value, str) and _MONTH.fullmatch(value) is not None


def _is_count(value) -> bool:
    """Whether ``value`` is a drawn count: a whole number from 0 to :data:`MAX_DRAWN_COUNT`
    (JSON numbers; ``true``/``false``, ``NaN`` and ``Infinity`` are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return 0 <= value <= MAX_DRAWN_COUNT and float(value).is_integer()


def total_summary(forecast: dict) -> dict:
    """The total over a frozen forecast's months (:func:`forecast.summaries.describe`), with
    its first and last month."""
    draws = np.array(list(forecast["draws"].values()))  # (month, draw)
    return {
        "first": forecast["first_month"],
        "last": forecast["months"][-1]["month"],
        **describe(draws.sum(axis=0)),
    }


def score_forecast(forecast: dict, panel: pd.DataFrame) -> pd.DataFrame:
    """Score a frozen forecast on the months ``panel`` covers.

    Returns
    -------
    DataFrame
        One row per observed month: ``month, observed, mean, lo80, hi80,
        in_80, crps, brier_any``. Empty when no forecast month is observed yet.
    """
    observed = panel.assign(key=pd.to_datetime(panel["month"]).dt.strftime("%Y-%m"))
    observed = observed.set_index("key")[forecast["target"]]
    rows = []
    for month, draws in forecast["draws"].items():
        if month not in observed.index:
            continue
        y = int(observed[month])
        x = np.asarray(draws)
        # the 80% interval as every summary takes it: quantiles that are simulated values
        lo, hi = np.quantile(x, [0.1, 0.9], method=QUANTILE_METHOD)
        rows.append(
            {
                "month": month,
                "observed": y,
                "mean": float(x.mean()),
                "lo80": float(lo),
                "hi80": float(hi),
                "in_80": bool(lo <= y <= hi),
                "crps": float(crps([y], [x])[0]),
                "brier_any": float(brier_any([y], [x])[0]),
            }
        )
    columns = ["month", "observed", "mean", "lo80", "hi80", "in_80", "crps", "brier_any"]
    return pd.DataFrame(rows, columns=columns)


def ledger(runs_dir: str | Path, panel: pd.DataFrame) -> pd.DataFrame:
    """One row per run folder under ``runs_dir`` with its frozen forecast and scores.

    Columns: ``run, model, target, created_at, first_month, last_month,
    observed`` (months scored), ``crps``, ``brier_any`` (means), ``in_80`` (months
    inside the 80% interval), ``status``, ``verdict`` (the fit's diagnostics, ``PASS`` or
    ``FAIL``, from its ``run.json``; empty when it does not say).
    """
    rows = []
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise RunFileError(
            runs_dir,
            "folder of runs not found" if not runs_dir.exists() else "not a folder",
            "pass --runs DIR, the folder that holds your run folders (e.g. runs)",
        )
    try:
        folders = sorted(p for p in runs_dir.iterdir() if p.is_dir())
    except OSError as err:
        raise RunFileError(
            runs_dir, f"cannot list the folder ({err.strerror or err})", "check its permissions"
        ) from None
    for folder in folders:
        if not (folder / "fit.nc").exists() and not (folder / FORECAST_FILE).exists():
            continue
        forecast = read_forecast(folder)
        row = {"run": folder.name, "verdict": _verdict(folder)}
        if forecast is None:
            rows.append({**row, "status": "no frozen forecast (fitted before the ledger)"})
            continue
        scores = score_forecast(forecast, panel)
        row.update(
            model=forecast["model"],
            target=forecast["target"],
            created_at=forecast["created_at"],
            first_month=forecast["first_month"],
            last_month=forecast["months"][-1]["month"],
            observed=len(scores),
        )
        if len(scores):
            row.update(
                crps=scores["crps"].mean(),
                brier_any=scores["brier_any"].mean(),
                in_80=int(scores["in_80"].sum()),
                status="scored" if len(scores) == forecast["horizon"] else "partly observed",
            )
        else:
            row["status"] = "waiting for data"
        rows.append(row)
    columns = ["run", "model", "target", "created_at", "first_month", "last_month", "observed"]
    columns += ["crps", "brier_any", "in_80", "status", "verdict"]
    return pd.DataFrame(rows).reindex(columns=columns)


def _verdict(folder: Path) -> str:
    """``PASS`` or ``FAIL``: the diagnostics verdict a run's ``run.json`` records ("" when it
    records none or cannot be read; the run's own commands report a damaged file)."""
    try:
        record = read_json(folder / "run.json", "", missing_ok=True)
    except RunFileError:
        return ""
    diagnostics = record.get("diagnostics") if isinstance(record, dict) else None
    passed = diagnostics.get("passed") if isinstance(diagnostics, dict) else None
    return "" if passed is None else ("PASS" if passed else "FAIL")


def answers_ledger(
    answers_dir: str | Path, panel: pd.DataFrame, backfilled: bool = True
) -> pd.DataFrame:
    """The track record of frozen question answers (``forecast questions`` output folders, or
    a backfilled track record).

    Every folder under ``answers_dir`` (or ``answers_dir`` itself) holding an
    ``answers.json`` contributes one row per question, scored once the data in ``panel``
    resolve it (:func:`forecast.outlook.score_answers`). A folder holding a backfilled track
    record (``records.json``, :mod:`forecast.track_record`, e.g. ``docs/track_record``)
    contributes every origin's answers, their ``folder`` reading ``<origin> (backfilled)``
    (unless ``backfilled`` is false: then only the ``forecast questions`` outputs).

    Returns
    -------
    DataFrame
        ``folder, question, window`` (``START..END``, the months the answer is about: a
        backfilled answer's question is moved to its origin), ``type`` (the question's),
        ``answer_type`` (``binary``, ``numeric`` or ``date``: what a conditional question's
        answer is too), ``answer`` (the probability, the mean, or a date answer's median
        month), ``status``, ``outcome`` (a date
        question's as its month, ``after END`` when none came in the window), ``brier``,
        ``log_score``, ``crps``.
    """
    answers_dir = Path(answers_dir)
    if not answers_dir.is_dir():
        raise RunFileError(
            answers_dir,
            "folder of answers not found" if not answers_dir.exists() else "not a folder",
            "pass --answers DIR, the folder that holds 'forecast questions' outputs",
        )
    columns = ["folder", "question", "window", "type", "answer_type", "answer", "status"]
    columns += ["outcome", "brier", "log_score", "crps"]
    frames = []
    if backfilled and (answers_dir / RECORDS_FILE).exists():
        for record in read_track_record(answers_dir)["records"]:
            name = f"{record['origin']} (backfilled)"
            frames.append(_scored(answers_record(record), name, panel))
    # exists(), not is_file(): an answers.json that is a pipe or a device is named and refused
    # by read_answers instead of being skipped in silence
    folders = [answers_dir] if (answers_dir / ANSWERS_FILE).exists() else []
    folders += sorted(p for p in answers_dir.iterdir() if (p / ANSWERS_FILE).exists())
    for folder in folders:
        record = read_answers(folder)
        try:
            frames.append(_scored(record, folder.name, panel))
        except InputError as err:  # its question text: name the folder, not "answers.json"
            raise RunFileError(
                folder / ANSWERS_FILE,
                err.problem,
                f"re-run 'forecast questions' into a new folder, or move {folder} out of "
                f"{answers_dir} (or point --answers at another folder)",
            ) from None
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).reindex(columns=columns)


def _scored(record: dict, name: str, panel: pd.DataFrame) -> pd.DataFrame:
    """One frozen answers record scored on ``panel``, with its folder name and answers."""
    scores = score_answers(record, panel)
    given = {a["question"]: a for a in record["answers"]}

    def value(question: str):
        row = given.get(question, {})
        p = row.get("probability")
        if p is not None and p == p:
            return p
        # a date answer's median month ("after 2026-12" when most draws see none in the
        # window); its mean month would fall inside the window even then
        return date_months(row).get("month_q50") or row.get("mean")

    def window(question: str) -> str:
        row = given.get(question, {})
        start, end = row.get("window_start"), row.get("window_end")
        return f"{start}..{end}" if start and end else ""

    scores.insert(0, "folder", name)
    scores.insert(2, "window", [window(q) for q in scores["question"]])
    # what the answer is (a conditional question's is yes/no, a count or a month too)
    kinds = [given.get(q, {}).get("answer_type") for q in scores["question"]]
    scores.insert(4, "answer_type", kinds)
    scores.insert(5, "answer", [value(q) for q in scores["question"]])
    # the outcome in words: a date question's month ("after 2011-03"), not its index
    label = scores.pop("outcome_label")
    scores["outcome"] = label.where(label.notna(), scores["outcome"])
    return scores
