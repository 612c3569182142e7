"""Backfilling the track record: the shipped questions answered at past origins.

At each origin the default count model is fitted on the data up to it (the ``backtest``
sampler preset; built once, its training window moved per origin as backtest folds do), the
outlook models are fitted on the same months, and the question file, moved to the origin
(:func:`forecast.track_record.shifted_spec`), is answered and frozen
(:func:`forecast.outlook.answer_questions`). :mod:`forecast.track_record` resolves, scores
and writes the record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import yaml

from forecast.catalog import PRESETS
from forecast.evaluation.folds import fold_seeds
from forecast.models import DEFAULT_MODEL, get_model
from forecast.outlook import answer_questions
from forecast.questions import parse_questions
from forecast.runs import fit_run, outlook_at
from forecast.simulation import simulation_draws
from forecast.track_record import QUESTIONS_FILE, origins, outcome_counts, shifted_spec
from forecast.yamlio import load_yaml

__all__ = ["PRESET", "answer_at", "backfill"]

#: The sampler preset of the fits.
PRESET = "backtest"

#: Draws each backfilled answer is simulated from, all kept (the shipped record's setting:
#: 64 origins x the question file; the live answers of 'forecast questions' keep 4,000).
BACKFILL_DRAWS = 1000


def answer_at(
    origin: pd.Period,
    panel: pd.DataFrame,
    spec: dict,
    seed: int,
    model=None,
    preset: str = PRESET,
) -> dict:
    """Fit the default model on the data up to ``origin``, answer the shifted questions and
    freeze them (a record of ``records.json``; ``preset``: the sampler preset)."""
    fit_seed, sim_seed = fold_seeds(seed, "track-record", origin)
    if model is None:
        model = get_model(DEFAULT_MODEL)
        model.build(panel, keep_future=True)
    model.set_until(origin)
    fit_run(model, None, PRESETS[preset], seed=fit_seed, freeze=False)
    outlook = outlook_at(panel, origin, fit_seed)
    asked, offset = shifted_spec(spec, origin)
    text = yaml.safe_dump(asked, sort_keys=False, allow_unicode=True)
    questions = parse_questions(asked, f"questions asked at {origin}")
    draws = min(BACKFILL_DRAWS, simulation_draws(model))  # every draw answered is kept
    answers, outcomes, _ = answer_questions(
        model, outlook, questions, random_seed=sim_seed, draws=draws
    )
    return {
        "backfilled": True,
        "origin": str(origin),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "questions_file": "questions/2026.yaml",
        "shift_months": offset,
        "questions_hash": hashlib.sha256(text.encode()).hexdigest(),
        "questions_text": text,
        "run": f"backfilled: {model.name} fitted on the data to {origin} ({preset} preset)",
        "model": model.name,
        "seed": seed,
        "fit_seed": fit_seed,
        "sim_seed": sim_seed,
        # titles and resolutions are in questions_text: the answers keep the numbers
        "answers": json.loads(
            answers.drop(columns=["title", "resolution"], errors="ignore").to_json(orient="records")
        ),
        "outcome_counts": {qid: outcome_counts(values) for qid, values in outcomes.items()},
    }


def backfill(
    panel: pd.DataFrame,
    when: list | None = None,
    seed: int = 20251231,
    questions_file: Path = QUESTIONS_FILE,
    progress=None,
    preset: str = PRESET,
) -> dict:
    """Answer the question file at every origin (see the module docstring).

    Parameters
    ----------
    panel : DataFrame
        The whole monthly panel.
    when : list of Period, optional
        Origins (default :func:`origins`).
    seed : int
        Root seed (each origin's from ``(seed, "track-record", origin)``).
    questions_file : Path
        The question file.
    progress : callable, optional
        ``progress(origin, k, n)`` after each origin.
    preset : str
        Sampler preset of the fits (``mock``: prior draws, for tests of the plumbing).

    Returns
    -------
    dict
        ``{"backfilled": True, "settings": {...}, "records": [...]}`` (``records.json``).
    """
    when = origins() if when is None else [pd.Period(o, "M") for o in when]
    spec = load_yaml(questions_file, "question file")
    model = get_model(DEFAULT_MODEL)
    model.build(panel, keep_future=True)  # built once; each origin moves its window
    records = []
    for k, origin in enumerate(when):
        records.append(answer_at(origin, panel, spec, seed, model, preset))
        if progress is not None:
            progress(origin, k + 1, len(when))
    text = Path(questions_file).read_bytes()
    settings = {
        "origins": [str(o) for o in when],
        "seed": seed,
        "model": DEFAULT_MODEL,
        "preset": preset,
        "sampler": {k: getattr(PRESETS[preset], k) for k in ("draws", "tune", "chains")},
        "draws_answered": BACKFILL_DRAWS,
        "questions_file": "questions/2026.yaml",
        "questions_file_hash": hashlib.sha256(text).hexdigest(),
        "data_last_month": f"{pd.to_datetime(panel['month']).max():%Y-%m}",
    }
    return {"backfilled": True, "settings": settings, "records": records}
