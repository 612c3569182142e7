"""Building a report: check every destination, fit or load the run, simulate, run the
notebooks, write the pages and the headline CSVs, swap the folder in."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rich.progress import Progress

from forecast.catalog import state_models
from forecast.constants import SHIPPED_SCENARIOS
from forecast.data import load_tables, month_periods, monthly_panel
from forecast.errors import ConfigError
from forecast.evaluation.tails import explain_tails
from forecast.files import write_csv, write_text_atomic
from forecast.freshness import (
    check_today,
    data_freshness,
    forecast_origin,
)
from forecast.ledger import answers_ledger
from forecast.models import get_model
from forecast.nuclear_rules import asks_p_nuclear, nuclear_rules
from forecast.outlook import (
    ANSWERS_DIR,
    answer_questions,
    outlook_from_today,
    outlook_tables,
    simulate_outlook,
)
from forecast.outputs import check_output_dir, check_single_file, output_dir, write_single_file
from forecast.questions import load_questions
from forecast.report.context import (
    ReportContext,
)
from forecast.report.downloads import download_tables
from forecast.report.notebooks import notebook_paths, run_notebooks
from forecast.report.pages import index_page, single_file_page
from forecast.report.vega import LIBRARY_FILE, has_charts, javascript
from forecast.runs import fit_run, load_outlook, load_run, read_run_record
from forecast.scenarios import from_today, load_scenarios, scenario_months, simulate_scenarios
from forecast.simulation import class_mix_drawn, nuclear_from_outlook
from forecast.summaries import against_years
from forecast.track_record import QUESTIONS_FILE
from forecast.unknown_class import (
    FROM_TODAY_LABEL,
    icbm_range,
    icbm_range_from_today,
    icbm_words,
    recounted_mixes,
    unknown_class_days,
)

#: The shipped question file the index page answers (the one the track record asks).
CURRENT_QUESTIONS = QUESTIONS_FILE


def questions_ahead(questions_file: Path, today: dt.date) -> list[Path]:
    """The shipped question files of the years after the shipped one's, up to the year after
    ``today``'s, from February of the shipped file's year (``questions/2027.yaml`` from February
    2026; none in January 2026, when the shipped file's questions are the ones a reader asks):
    answered beside the shipped file's when the index answers that one (not a file of one's
    own, whose years are unknown).

    Parameters
    ----------
    questions_file : Path
        The question file the index answers.
    today : date
        The report's day.

    Returns
    -------
    list of Path
    """
    if Path(questions_file).resolve() != CURRENT_QUESTIONS.resolve():
        return []
    folder, year = CURRENT_QUESTIONS.parent, int(CURRENT_QUESTIONS.stem)
    if pd.Period(today, "M") <= pd.Period(f"{year}-01", "M"):
        return []
    files = (folder / f"{y}.yaml" for y in range(year + 1, today.year + 2))
    return [f for f in files if f.is_file()]


#: The model the report fits on all data: the default model (the best in the evaluation).
REPORT_MODEL = "default"

#: Folder of the report's fits when no run is given (relative to the current folder): the
#: report ``reports/NAME`` fits into ``runs/report-NAME``, so two reports never share a fit.
RUN_FOLDER = Path("runs")

#: Size a report folder and a single-file report should stay under (the issue's target).
SIZE_TARGET_BYTES = 10 * 1024 * 1024


def default_run_out(out: Path) -> Path:
    """Where the report written to ``out`` fits its model when no run folder is named:
    ``runs/report-NAME`` for ``--out .../NAME`` (one fit per report, never another's)."""
    return RUN_FOLDER / f"report-{Path(out).resolve().name}"


def fit_report_model(panel, run_dir: Path, fast: bool, seed: int, data_dir=None):
    """Fit the report's model on every month and save it as a run folder.

    Parameters
    ----------
    panel : DataFrame
        The monthly panel.
    run_dir : Path
        Run folder to write (``fit.nc``, ``outlook.nc``, ``run.json``, ``forecast.json``);
        callers pass the temporary folder of :func:`forecast.outputs.output_dir`.
    fast : bool
        The ``fast`` sampler preset instead of ``full``.
    seed : int
        Seed of the fit.
    data_dir : str or Path, optional
        The overlay folder, recorded in ``run.json`` (so ``forecast refit`` finds it).

    Returns
    -------
    BaseModel
        The fitted model (``model.diagnostics`` holds the verdict).
    """
    preset = "fast" if fast else "full"
    recorded = str(Path(data_dir).resolve()) if data_dir is not None else ""
    run = fit_run(
        get_model(REPORT_MODEL),
        panel,
        preset,
        seed=seed,
        out=run_dir,
        extra={"fast": fast, "preset": preset, "data_dir": recorded, "made_by": "report"},
    )
    return run.model


def check_report_run(run_dir: str | Path) -> Path:
    """Refuse, before any work, a ``--run`` the report's notebooks cannot use.

    The notebooks explain a model's state effects on launch days: the run must be a fit of
    a model with a negotiation-state effect (:func:`forecast.catalog.state_models`) whose target is
    ``launch_days``. Only ``run.json`` is read here; the fit itself is loaded later.
    """
    run_dir = Path(run_dir).resolve()
    if not run_dir.is_dir():
        raise ConfigError(
            "--run", f"{run_dir} is not a run folder", "pass a folder made by 'forecast fit'"
        )
    record = read_run_record(run_dir)
    if not record:
        raise ConfigError(
            "--run",
            f"{run_dir} is not a run folder (it has no run.json)",
            "pass a folder made by 'forecast fit', or leave --run out to fit the default model",
        )
    config = record.get("config") if isinstance(record.get("config"), dict) else {}
    name, target = config.get("model"), config.get("target", "launch_days")
    usable = state_models()
    if name not in usable or target != "launch_days":
        raise ConfigError(
            "--run",
            f"{run_dir} is a fit of {name!r} on {target!r}; the report's notebooks explain the "
            "state effects of a model of launch days",
            f"pass a run of one of {', '.join(usable)} on launch_days (e.g. 'forecast fit "
            "--out runs/NAME'), or leave --run out to fit the default model",
        )
    return run_dir


def expect(
    model,
    outlook,
    questions_file: Path,
    seed: int,
    tables,
    today: dt.date | None = None,
    windows=(),
    ahead=(),
) -> dict:
    """The unconditional outlook and the answered questions for the index page.

    Questions about months the fitted data already cover are left out (and named); a run
    without outlook models (fitted by an older version) gives no section. When ``today``
    lies months after the data's end, the outlook from today's month is simulated too
    (:func:`forecast.outlook.outlook_from_today`). P(an ICBM launch) comes with its range
    under recounted unknown-class launches (:mod:`forecast.unknown_class`); P(nuclear test)
    with the other nuclear-test rules (:mod:`forecast.nuclear_rules`: the sensitivity the
    page shows beside it), also as the answer of each question on a nuclear test; ``windows``:
    the other months the page gives a P(nuclear test) over (the scenarios'); ``ahead``: the
    question files answered beside ``questions_file`` (:func:`questions_ahead`), from their
    own simulation (their windows lie further out), as ``answers_ahead``.
    """
    panel = monthly_panel(tables)
    if outlook is None or model.target != "launch_days":
        return {}
    questions = load_questions(questions_file, last_month=model.last_month)
    first = model.last_month + 1
    asked = [q for q in questions if q.first_month >= first]
    late = [q.id for q in questions if q.first_month < first]
    if asked:
        answers, _, forecast = answer_questions(model, outlook, asked, random_seed=seed)
    else:
        answers, forecast = None, simulate_outlook(model, outlook, 12, random_seed=seed)
    ahead_asked = [q for path in ahead for q in load_questions(path, last_month=model.last_month)]
    later = [q for q in ahead_asked if q.first_month >= first]
    late += [q.id for q in ahead_asked if q.first_month < first]  # named as left out too
    answers_ahead = answer_questions(model, outlook, later, random_seed=seed)[0] if later else None
    from_today = outlook_from_today(model, outlook, today or dt.date.today(), random_seed=seed)
    nuclear = [q.months for q in (*asked, *later) if asks_p_nuclear(q)]
    windows = [*windows, forecast.months, *nuclear]
    if from_today is not None:  # its 12 months start after the months the data lack
        windows.append(from_today.forecast.months)
    # the outlook's rules only when its rate drew the tests (not a count model's own)
    own_rate = nuclear_from_outlook(forecast.data)
    rules = nuclear_rules(first, outlook, seed, windows) if own_rate else None
    icbm = None
    if class_mix_drawn(forecast.data):
        days = unknown_class_days(tables)
        mixes = recounted_mixes(tables, outlook.class_mix)  # once, for both windows
        probabilities = icbm_range(forecast, tables, outlook.class_mix, seed, mixes=mixes)
        icbm = {
            "days": days,
            "range": probabilities,
            "text": icbm_words(days, probabilities, forecast.scenarios[0]),
        }
        if from_today is not None:  # the same recounts over the 12 months from today
            today_range = icbm_range_from_today(
                from_today, tables, outlook.class_mix, seed, mixes=mixes
            )
            icbm["range"] = probabilities.merge(today_range, on=["counting", "min_apogee_km"])
            icbm["today_text"] = icbm_words(days, today_range, FROM_TODAY_LABEL)[1]
    return {
        "icbm": icbm,
        "tails": list(explain_tails(forecast)["text"]),
        "outlook": outlook_tables(forecast),
        "years": against_years(
            forecast,
            _last_years(panel, model.target, first),
            origin=forecast_origin(first - 1, tables.last_whole_month),
            year_to_date=_year_to_date(panel, model.target, first),
        ),
        "from_today": from_today,
        "answers": answers,
        "unanswered": late,
        "nuclear_rules": rules,
        "nuclear_rule_answers": rules.by_question([*asked, *later]) if rules is not None else {},
        "answers_ahead": answers_ahead,
        "ahead_files": [Path(p) for p in ahead] if answers_ahead is not None else [],
        "nuclear_rule": dict(outlook.nuclear.priors) if own_rate else None,
        "transitions": outlook.transitions,
    }


def _run_end(run: Path) -> str:
    """The last month a run was fitted to (from its ``run.json``; the panel's last month when
    the record does not say, as for a run saved before it did)."""
    last = (read_run_record(run).get("training_months") or {}).get("last")
    return last if isinstance(last, str) else str(load_run(run)[0].last_month)


def _last_years(panel: pd.DataFrame, target: str, first: pd.Period, n: int = 4) -> pd.Series:
    """The ``n`` whole calendar years of ``target`` before the forecast's first month."""
    months = month_periods(panel)
    before = panel[months < first]
    years = before.groupby(months[months < first].year)[target]
    whole = years.sum()[years.size() == 12]
    return whole.iloc[-n:]


def _year_to_date(panel: pd.DataFrame, target: str, first: pd.Period) -> float | None:
    """The observed total of ``first``'s year before ``first`` (None for a January start, or
    when the data lack one of those months)."""
    if first.month == 1:
        return None
    months = month_periods(panel)
    part = panel[(months.year == first.year) & (months < first)]
    return float(part[target].sum()) if len(part) == first.month - 1 else None


@dataclass
class ReportPaths:
    """What :func:`build_report` wrote and how long each step took.

    Attributes
    ----------
    index : Path
        The report's ``index.html``.
    run_dir : Path
        The run folder the report used (or fitted).
    single_file : Path, optional
        The single-file report, when one was written.
    fitted : bool
        The report fitted its own run.
    seconds : dict of str to float
        Wall time of each step (``fit or load``, ``simulate``, each notebook by name,
        ``notebooks`` in all, ``pages``).
    """

    index: Path
    run_dir: Path
    single_file: Path | None = None
    fitted: bool = False
    seconds: dict = field(default_factory=dict)


def build_report(
    out: str | Path,
    fast: bool = False,
    data_dir: str | Path | None = None,
    seed: int = 1,
    notebooks: list[Path] | None = None,
    scenarios: str | Path | None = None,
    workers: int = 2,
    force: bool = False,
    run: str | Path | None = None,
    run_out: str | Path | None = None,
    single_file: str | Path | None = None,
    today: dt.date | None = None,
    keep_notebooks: bool = False,
    on_data: Callable | None = None,
    questions: str | Path | None = None,
    answers: str | Path | None = None,
) -> ReportPaths:
    """Fit (or load) the report's model, execute the notebooks and write the report.

    Relative paths are taken from the current folder when the build starts.

    Parameters
    ----------
    out : str or Path
        Destination folder (replaced whole when the build succeeds).
    fast : bool
        Pass ``FAST=True`` to the notebooks and fit with small sampler settings
        (the index page then carries a warning banner).
    data_dir : str or Path, optional
        Data folder passed to the notebooks and used by the fit and the index page.
    seed : int
        Seed of the fit, the simulations and every notebook.
    notebooks : list of Path, optional
        Notebooks to run; defaults to every numbered notebook in ``notebooks/``.
    scenarios : str or Path, optional
        Scenario YAML of the outlook; defaults to ``scenarios/current.yaml``.
    workers : int
        Notebooks executed at the same time (each in its own kernel).
    force : bool
        Replace an earlier report in ``out``, the earlier fit of a report in ``run_out`` and
        an earlier single-file report (see :mod:`forecast.outputs`); never a run made by
        ``forecast fit`` or a file of the user's.
    run : str or Path, optional
        An existing run folder to use (no fit). Its numbers are shown as they are; a run
        made with the ``fast`` preset gets the FAST banner.
    run_out : str or Path, optional
        Without ``run``: the run folder the report's fit is written to (default
        :func:`default_run_out`: ``runs/report-NAME`` for ``out`` ``.../NAME``).
    single_file : str or Path, optional
        Also write the whole report as one self-contained HTML file here.
    today : date, optional
        The day the data's age is measured on (default: today).
    keep_notebooks : bool
        Keep the executed notebooks in ``out/notebooks/`` (for checking them; a reader does
        not need them).
    on_data : callable, optional
        Called with the loaded tables once every destination has been checked, before the
        slow steps (the CLI prints the data's age there).
    questions : str or Path, optional
        Question file the index answers (default :data:`CURRENT_QUESTIONS`).
    answers : str or Path, optional
        Folder of ``forecast questions`` outputs whose frozen answers join the track record,
        resolved and scored on the report's data (default: ``./answers`` if it exists).

    Returns
    -------
    ReportPaths
    """
    # every destination and input is checked before the slow steps
    out = check_output_dir(out, "report", force=force)
    if run is None:
        named = run_out is not None
        run_out = check_output_dir(
            run_out if named else default_run_out(out),
            "report-fit",
            force=force,
            what="--run-out" if named else "the report's run folder (choose it with --run-out)",
        )
        if run_out == out or out in run_out.parents or run_out in out.parents:
            raise ConfigError(
                "--run-out",
                f"the run folder {run_out} and the report folder {out} overlap",
                "keep the fit outside the report: e.g. --run-out runs/report",
            )
    notebooks = notebook_paths() if notebooks is None else notebooks
    if run is not None:  # the notebooks explain state effects: refuse a run they cannot use
        run = check_report_run(run) if notebooks else Path(run).resolve()
    if single_file is not None:
        single_file = check_single_file(single_file, force=force)
    scenario_file = Path(scenarios).resolve() if scenarios is not None else SHIPPED_SCENARIOS
    scenario_set = load_scenarios(scenario_file)
    tables = load_tables(data_dir)
    check_today(tables, today)
    panel = monthly_panel(tables)
    # the scenario months against the forecast's first month, before any fit
    fit_end = panel["month"].iloc[-1] if run is None else _run_end(run)
    scenario_months(scenario_set, pd.Period(fit_end, "M") + 1)
    questions = Path(questions).resolve() if questions is not None else CURRENT_QUESTIONS
    load_questions(questions)  # a bad question file is refused before the fit too
    frozen_dir, frozen = frozen_answers(answers, panel)  # a damaged answers.json too
    freshness = data_freshness(tables, today=today, data_dir=data_dir)
    if on_data is not None:
        on_data(tables)
    params = {"FAST": fast, "SEED": seed, "SCENARIO_FILE": str(scenario_file)}
    params["TODAY"] = freshness.today.isoformat()  # the pages judge time as the index does
    if data_dir is not None:
        params["DATA_DIR"] = str(Path(data_dir).resolve())
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = now - clock
        clock = now

    with Progress(transient=True) as progress:
        task = progress.add_task("Loading the run", total=len(notebooks) + 3)
        if run is None:
            progress.update(task, description=f"Fitting {REPORT_MODEL} into {run_out}")
            with output_dir(run_out, "report-fit", force=force) as tmp_run:
                model = fit_report_model(panel, tmp_run, fast=fast, seed=seed, data_dir=data_dir)
            run_dir, fitted = run_out, True
            record = read_run_record(run_dir)
        else:
            run_dir, fitted = run, False
            model, record = load_run(run_dir)
        fast_fit = fast or record.get("preset") == "fast" or bool(record.get("fast"))
        params["RUN_DIR"] = str(run_dir)
        progress.advance(task)
        lap("fit or load the run")
        progress.update(task, description=f"Simulating {scenario_file.name}")
        outlook = load_outlook(run_dir, required=False)
        forecast = simulate_scenarios(model, scenario_set, random_seed=seed, outlook=outlook)
        today_set = from_today(scenario_set, model.last_month + 1, freshness.today)
        scenarios_today = (
            simulate_scenarios(model, today_set, random_seed=seed, outlook=outlook)
            if today_set is not None
            else None
        )
        expectations = expect(
            model,
            outlook,
            questions,
            seed,
            tables,
            freshness.today,
            windows=[forecast.months]
            + ([scenarios_today.months] if scenarios_today is not None else []),
            ahead=questions_ahead(questions, freshness.today),
        )
        progress.advance(task)
        lap("simulate the scenarios and the outlook")
        with output_dir(out, "report", force=force) as tmp:
            progress.update(task, description=f"Running {len(notebooks)} notebooks")
            pages, by_notebook = run_notebooks(
                notebooks,
                tmp,
                params,
                workers=workers,
                keep=keep_notebooks,
                advance=lambda: progress.advance(task),
            )
            lap("notebooks")
            progress.update(task, description="Writing the index")
            ctx = ReportContext(
                tables=tables,
                panel=panel,
                freshness=freshness,
                pages=pages,
                model=model,
                forecast=forecast,
                scenarios_today=scenarios_today,
                fast=fast_fit,
                scenario_file=scenario_file,
                questions_file=questions,
                run_dir=run_dir,
                frozen=frozen,
                frozen_dir=frozen_dir,
                **expectations,
            )
            page = index_page(ctx)
            write_text_atomic(tmp / "index.html", page)
            if has_charts(page):  # the charts' library, once per folder (no network)
                (tmp / LIBRARY_FILE).parent.mkdir(exist_ok=True)
                write_text_atomic(tmp / LIBRARY_FILE, javascript())
            for name, table in download_tables(ctx).items():
                write_csv(table, tmp / name, index=False)
            if single_file is not None:
                write_single_file(single_file, single_file_page(ctx))
            progress.advance(task)
        lap("pages")
    seconds.update({f"notebook {name}": value for name, value in by_notebook.items()})
    return ReportPaths(
        index=out / "index.html",
        run_dir=run_dir,
        single_file=single_file,
        fitted=fitted,
        seconds=seconds,
    )


def frozen_answers(
    answers: str | Path | None, panel: pd.DataFrame
) -> tuple[Path | None, pd.DataFrame | None]:
    """The user's frozen answers (``forecast questions`` outputs), resolved and scored.

    Parameters
    ----------
    answers : str, Path or None
        The folder (refused when it is missing, not a folder or holds a damaged
        ``answers.json``, naming it); None: ``./answers`` when it is a folder.
    panel : DataFrame
        The data the answers are resolved on (the report's).

    Returns
    -------
    folder : Path or None
        The folder read (resolved), or None when there is none.
    ledger : DataFrame or None
        :func:`forecast.ledger.answers_ledger` of its frozen answers (not a backfilled
        record's), or None.
    """
    folder = Path(answers) if answers is not None else ANSWERS_DIR
    if answers is None and not folder.is_dir():
        return None, None
    return folder.resolve(), answers_ledger(folder, panel, backfilled=False)


def folder_size(folder: str | Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
