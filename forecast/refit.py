"""Refit a run on the data now available, and say what changed.

:func:`refit_model` rebuilds the old run's model with the same name, priors,
target, ``since`` and sampler settings (draws, tune, chains, seed, sampler,
target_accept), taken from the metadata stored in its ``fit.nc``. The old run's
``until`` is **dropped** (unless a new one is given), so the refit uses every
month the data now covers: the point of a refit is to learn from new data.

:func:`what_changed` writes a markdown report comparing the two fits: the
launches after the old fit's last month (and any month whose count was revised),
the data caveats (months past the exercise calendar or the CSIS list), whether the
sampler settings changed,
the state rate ratios before and after (mean and 94% HDI), the frozen
persist-scenario forecasts before and after (totals over 12 months), the totals
of a scenario file simulated from both fits (``--scenarios``), and the
score of the old forecast on the months now observed (CRPS, Brier of P(at least
1), and whether each month fell in the 80% interval). :func:`render_html` turns
it into a standalone page with ``mistune``.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import NamedTuple

import mistune
import pandas as pd

from forecast.catalog import resolve_sampler
from forecast.constants import HDI_PROB
from forecast.data import monthly_panel
from forecast.data.panel import Tables, data_caveats
from forecast.errors import ConfigError, InputError
from forecast.files import write_text_atomic
from forecast.ledger import make_forecast, read_forecast, score_forecast, total_summary
from forecast.present import counted, with_interval
from forecast.runs import Run, fit_run, load_outlook, load_run
from forecast.scenarios import simulate_scenarios
from forecast.summaries import totals
from forecast.yamlio import located

REPORT_MD = "what_changed.md"
REPORT_HTML = "what_changed.html"

#: The heading of the report's last section: the old forecast scored on the months now observed
#: (notebook 06 marks that its months are the notebook's own, hypothetical, after it).
SCORED_HEADING = "## How the old forecast did on the months now observed"


def refit_model(
    old,
    panel: pd.DataFrame,
    until: str | None = None,
    *,
    out: str | Path | None = None,
    extra: dict | None = None,
    progress: bool = False,
    **overrides,
):
    """Fit a new model configured like ``old`` on ``panel`` (through :func:`forecast.runs.fit_run`).

    Parameters
    ----------
    old : BaseModel
        The fitted model of the old run.
    panel : DataFrame
        The monthly panel of the data now available.
    until : str, optional
        Last training month; default: all of ``panel`` (the old ``until`` is dropped).
    out : str or Path, optional
        Run folder to write (see :func:`forecast.runs.fit_run`).
    extra : dict, optional
        More provenance for ``run.json``.
    progress : bool
        Show the sampler's progress bar.
    **overrides
        Sampler settings replacing the stored ones (``draws``, ``tune``, ``chains``, ...;
        ``None`` values are ignored).

    Returns
    -------
    forecast.runs.Run
    """

    stored = dict(old.metadata().get("sampler", {}))
    seed = stored.pop("random_seed", 1)
    sampler = resolve_sampler(stored or None, **overrides)
    return fit_run(
        old.clone(until=until), panel, sampler, seed=seed, out=out, extra=extra, progress=progress
    )


class Refit(NamedTuple):
    """What :func:`refit_run` made."""

    run: Run
    old: object
    report: str
    problems: list


def refit_run(
    old_dir: str | Path,
    tables: Tables,
    out: str | Path,
    *,
    until: str | None = None,
    scenarios=None,
    sources: pd.DataFrame | None = None,
    extra: dict | None = None,
    name: str | None = None,
    progress: bool = False,
    **overrides,
):
    """Refit a run on the data now available and write its report: the one refit flow
    (``forecast refit`` and notebook 06).

    The new run folder ``out`` gets the refit (:func:`refit_model`) and
    ``what_changed.md``/``.html`` (:func:`what_changed`): the new events, the data caveats,
    the state effects, the frozen forecasts and the scenarios before and after, and the old
    forecast scored on the months now observed.

    Parameters
    ----------
    old_dir : str or Path
        The old run folder.
    tables : Tables
        The data now available (bundled data with the overlay).
    out : str or Path
        The new run folder (a command passes the temporary folder of
        :func:`forecast.outputs.output_dir`).
    until : str, optional
        Last training month of the refit (default: every month).
    scenarios : ScenarioSet, optional
        Scenarios simulated from both fits and compared. A ``start`` not after both fits'
        data is refused (:class:`~forecast.errors.ConfigError`) before anything is fitted
        (steps no fit reaches were refused when the file was read); a scenario only one fit
        cannot simulate is listed in ``problems`` and the report.
    sources : DataFrame, optional
        The overlay's source log.
    extra : dict, optional
        More provenance for the new ``run.json``.
    name : str, optional
        The new run's name in the report (default: ``out``'s).
    progress : bool
        Show the sampler's progress bar.
    **overrides
        Sampler settings replacing the old run's (``draws``, ``tune``, ``chains``...).

    Returns
    -------
    Refit
        ``run`` (the refit, a :class:`forecast.runs.Run`), ``old`` (the old run's model),
        ``report`` (the markdown report) and ``problems`` (why a fit could not simulate a
        scenario of ``scenarios``, also listed in the report).
    """
    out = Path(out)
    old, _ = load_run(old_dir)
    old_outlook = load_outlook(old_dir, required=False)  # a damaged one is refused before fitting
    seed = old.metadata().get("sampler", {}).get("random_seed", 1)
    if scenarios is not None:
        _check_start(scenarios, old, tables, until)
    run = refit_model(
        old,
        monthly_panel(tables),
        until=until,
        out=out,
        extra=extra,
        progress=progress,
        **overrides,
    )
    old_forecast = read_forecast(old_dir) or make_forecast(old, seed=seed)
    shown = Path(name or out.name)
    compared = None
    if scenarios is not None:
        compared = scenario_changes(
            old,
            run.model,
            scenarios,
            random_seed=run.model.metadata().get("sampler", {}).get("random_seed", 1),
            outlooks=(old_outlook, load_outlook(out, required=False)),
        )
    report = what_changed(
        old,
        run.model,
        tables,
        old_forecast,
        run.forecast,
        old_dir,
        shown,
        scenarios=scenarios,
        sources=sources,
        compared=compared,
    )
    write_text_atomic(out / REPORT_MD, report)
    write_text_atomic(out / REPORT_HTML, render_html(report, title=f"What changed: {shown.name}"))
    return Refit(run, old, report, [] if compared is None else compared[1])


def _check_start(scenarios, old, tables: Tables, until: str | None = None) -> None:
    """Refuse, before the refit, a scenario file whose ``start`` is not after both fits' data:
    the old run's, and the refit's (to ``until``, or to the data's end). From such a start one
    fit can simulate none of the file's scenarios, so nothing could be compared (it was found
    after the refit, once per scenario). What only one fit cannot simulate of a scenario is
    reported beneath the comparison instead."""
    start = scenarios.start
    if start is None:
        return
    old_end = old.last_month
    new_end = tables.last_whole_month
    if until is not None:
        new_end = min(new_end, pd.Period(until, "M"))
    for whose, end in (("the old run's", old_end), ("the refit's", new_end)):
        if start <= end:
            raise located(
                ConfigError(
                    scenarios.source,
                    f"key 'start': {start} is not after {whose} data (which end {end}), so no "
                    "scenario of the file could be compared",
                    f"move 'start' to {max(old_end, new_end) + 1} or later, or leave it out "
                    "(each fit forecasts from the month after its own data)",
                ),
                scenarios,
            )


def settings_note(old, new) -> str:
    """One sentence: priors and sampler settings of the refit against the old run's."""
    before = old.metadata().get("sampler", {})
    after = new.metadata().get("sampler", {})
    changed = [
        f"{key} {before.get(key)} -> {after.get(key)}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]
    if not changed:
        return "Same priors and sampler settings."
    return f"Same priors; sampler settings changed: {', '.join(changed)}."


def scenario_changes(old, new, scenario_set, random_seed: int = 1, outlooks=(None, None)):
    """Totals of each scenario of ``scenario_set`` simulated from both fits.

    Each scenario is simulated on its own (with the same seed: the same random numbers as in
    the whole set), so one that a fit cannot simulate (a fixed month before the refit's start)
    leaves the others in the table.

    Parameters
    ----------
    old, new : BaseModel
        The old run's model and its refit.
    scenario_set : ScenarioSet
        Scenarios to simulate (see :func:`forecast.scenarios.load_scenarios`).
    random_seed : int
        Seed of both simulations (common random numbers).
    outlooks : tuple of (Outlook or None)
        The old run's and the refit's outlook models (:func:`forecast.runs.load_outlook`),
        for the scenarios whose states follow the transition model.

    Returns
    -------
    table : DataFrame
        One row per scenario that both fits simulated: forecast months, mean total and 80%
        interval before and after, and the shift of the mean (empty if there is none).
    problems : list of str
        Why a fit could not simulate a scenario (e.g. a state step in a month the refit has
        already observed).
    """
    found, problems = {"before": {}, "after": {}}, []
    for when, model, outlook in (("before", old, outlooks[0]), ("after", new, outlooks[1])):
        who = "the old fit" if when == "before" else "the refit"
        for name, scenario in scenario_set.scenarios.items():
            one = dataclasses.replace(scenario_set, scenarios={name: scenario})
            try:
                forecast = simulate_scenarios(model, one, random_seed=random_seed, outlook=outlook)
            except InputError as err:
                problems.append(f"{who} cannot simulate scenario {name!r}: {err}")
                continue
            row = totals(forecast).table.set_index("scenario").loc[name]
            months = forecast.months
            found[when][name] = (f"{months[0]}..{months[-1]}", row)

    def cell(row):  # as every table shows an estimate and its interval: "mean (low to high)"
        return f"{row['mean']:.1f} ({row['q10']:g} to {row['q90']:g})"

    both = [
        name
        for name in scenario_set.scenarios
        if name in found["before"].keys() & found["after"].keys()
    ]
    rows = []
    for name in both:
        (months_before, before), (months_after, after) = found["before"][name], found["after"][name]
        rows.append(
            {
                "scenario": name,
                "months before": months_before,
                "before": cell(before),
                "months after": months_after,
                "after": cell(after),
                "shift of the mean": f"{after['mean'] - before['mean']:+.1f}",
            }
        )
    return pd.DataFrame(rows), problems


def new_events(old, tables: Tables, sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Launch days after the old fit's last month: date, classes, missiles (and sources).

    ``sources`` is the overlay's source log (:func:`forecast.data.launch_import.read_source_log`);
    when given, a ``source`` column lists the sources of each day's imported rows
    (``bundled`` for rows of the bundled data).
    """
    mt = tables.missile_tests
    late = mt[mt["date"] > old.data_end]
    columns = ["date", "classes", "missiles", *(["source"] if sources is not None else [])]
    if late.empty:
        return pd.DataFrame(columns=columns)
    if sources is not None:
        late = late.merge(
            sources[["date", "salvo_index", "source"]], on=["date", "salvo_index"], how="left"
        ).fillna({"source": "bundled"})
    aggregations = {
        "classes": ("missile_class", lambda s: ", ".join(sorted(set(s)))),
        "missiles": ("missile_class", "size"),
    }
    if sources is not None:
        aggregations["source"] = ("source", lambda s: "; ".join(dict.fromkeys(s)))
    return late.groupby("date").agg(**aggregations).reset_index()[columns]


def revised_months(old, new) -> pd.DataFrame:
    """Months of the old fit whose target count (or the count its likelihood observes, e.g.
    the launch days of a missile ``ar_level``) differs in the new data."""
    counts = _counts(old)
    a = old.training[["month", *counts]].assign(month=lambda d: pd.to_datetime(d["month"]))
    b = new.panel[["month", *counts]].assign(month=lambda d: pd.to_datetime(d["month"]))
    both = a.merge(b, on="month", suffixes=("_old", "_new"))
    before = both[[f"{c}_old" for c in counts]].to_numpy()
    after = both[[f"{c}_new" for c in counts]].to_numpy()
    return both[(before != after).any(axis=1)].reset_index(drop=True)


def _counts(model) -> list[str]:
    """The counts a fit rests on: its target and the count its likelihood observes."""
    return list(dict.fromkeys([model.target, model.observed_target]))


#: Characters of free text that markdown could turn into live HTML, escaped with a backslash
#: by :func:`_text`: ``<``/``>`` (raw HTML such as ``<script>`` or ``<img onerror=...>``, and
#: autolinks), ``[``/``]`` (links and images, ``javascript:`` URLs), ``&`` (entities), ``|``
#: (table cells), and the backslash itself. Emphasis (``*``, ``_``) only styles text and is
#: left alone, so names such as ``active_talks`` read as they are in the markdown file.
_MARKDOWN_SPECIAL = "\\<>[]&|"


def _text(value) -> str:
    """Free text (an event's source, a scenario label, a file name) as literal markdown.

    Every character of :data:`_MARKDOWN_SPECIAL` gets a backslash, so every markdown renderer
    (mistune here, nbconvert for notebook 06, JupyterLab) shows the text as written and never
    as HTML or a link; line breaks are flattened to spaces.
    """
    text = " ".join(str(value).replace("\r", " ").split("\n"))
    return "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in text)


def _cell(value) -> str:
    """A markdown table cell: free text escaped (:func:`_text`; sources are free text)."""
    return _text(value)


def _table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *body])


def _effects(model) -> pd.DataFrame | None:
    if "state_effect" not in model.posterior:
        return None
    return model.state_effects(hdi_prob=HDI_PROB)


def what_changed(
    old,
    new,
    tables: Tables,
    old_forecast: dict,
    new_forecast: dict,
    old_dir: str | Path,
    new_dir: str | Path,
    scenarios=None,
    sources: pd.DataFrame | None = None,
    compared: tuple | None = None,
) -> str:
    """The markdown report comparing an old run with its refit.

    Parameters
    ----------
    old, new : BaseModel
        The old run's model and its refit.
    tables : Tables
        The data the refit used (for the new events and the data caveats).
    old_forecast, new_forecast : dict
        The frozen persist-scenario forecasts of both runs (see :mod:`forecast.ledger`).
    old_dir, new_dir : str or Path
        The run folders (for the title).
    scenarios : ScenarioSet, optional
        A scenario file to simulate from both fits and compare.
    sources : DataFrame, optional
        The overlay's source log, to show where each new event came from.
    compared : tuple, optional
        :func:`scenario_changes` of ``scenarios`` (its table and problems); required with
        ``scenarios``.
    """

    pct = int(round(HDI_PROB * 100))
    target = new.target
    lines = [
        f"# What changed: {_text(Path(old_dir).name)} -> {_text(Path(new_dir).name)}",
        "",
        f"Model `{new.name}`, target `{target}`. {settings_note(old, new)} The old fit "
        f"ran to {old.last_month} ({len(old.training)} months); the refit "
        f"runs to {new.last_month} ({len(new.training)} months).",
        "",
    ]
    caveats = data_caveats(tables, new.training, new.columns())
    if caveats:
        lines += ["## Data caveats", "", *[f"- {_text(c)}" for c in caveats], ""]
    lines += [
        "## New events since the old fit",
        "",
    ]
    events = new_events(old, tables, sources)
    if events.empty:
        lines.append("No launches after the old fit's last month.")
    else:
        shown = events.assign(date=events["date"].dt.strftime("%Y-%m-%d"))
        lines += [
            f"{counted(len(events), 'launch day')}, "
            f"{counted(int(events['missiles'].sum()), 'missile')}:",
            "",
            _table(shown),
        ]
    revised = revised_months(old, new)
    if len(revised):
        shown = revised.assign(month=revised["month"].dt.strftime("%Y-%m"))
        counts = " or ".join(f"`{c}`" for c in _counts(old))
        lines += ["", f"Months of the old fit whose {counts} changed:", "", _table(shown)]
    lines += ["", f"## State rate ratios vs no_talks (mean, {pct}% HDI)", ""]
    before, after = _effects(old), _effects(new)
    if before is None or after is None:
        lines.append(f"`{new.name}` has no state effect.")
    else:
        keys = [c for c in ("weapon_class", "state") if c in after]
        both = before.merge(after, on=keys, suffixes=("_before", "_after"))

        def cell(when: str) -> list[str]:  # "mean (low to high)", as every table writes it
            columns = [f"{c}_{when}" for c in ("rate_ratio_mean", "hdi_low", "hdi_high")]
            return with_interval(*(both[c] for c in columns), 2, signed=False).tolist()

        table = pd.DataFrame(
            {
                **{k: both[k] for k in keys},
                "before": cell("before"),
                "after": cell("after"),
                "shift of the mean": [
                    f"{r.rate_ratio_mean_after - r.rate_ratio_mean_before:+.2f}"
                    for r in both.itertuples()
                ],
            }
        )
        lines.append(_table(table))
    lines += ["", "## Forecast: the last state persists, 12 months", ""]
    totals = []
    for label, fc in (("before", old_forecast), ("after", new_forecast)):
        t = total_summary(fc)
        totals.append(
            {
                "fit": label,
                "months": f"{t['first']}..{t['last']}",
                "state": fc["state"],
                "mean total": f"{t['mean']:.1f}",
                "80% interval": f"{t['q10']:g} to {t['q90']:g}",
                "P(>=1)": f"{t['p_any']:.2f}",
            }
        )
    lines.append(_table(pd.DataFrame(totals)))
    if scenarios is not None:
        if compared is None:
            raise ValueError("what_changed: pass compared=scenario_changes(...) with scenarios")
        table, problems = compared
        lines += [
            "",
            f"## Scenarios of {_text(scenarios.source)}: total over the horizon (mean, 80% "
            "interval)",
            "",
        ]
        if not table.empty:
            lines.append(_table(table))
        if problems:
            lines += [""] if not table.empty else []
            lines += [f"- {_text(p)}" for p in problems]
    lines += ["", SCORED_HEADING, ""]
    scores = score_forecast(old_forecast, new.panel)
    if scores.empty:
        lines.append("None of the old forecast's months is observed yet.")
    else:
        lines += [
            f"{counted(len(scores), 'month')} observed: CRPS per month (mean) "
            f"{scores['crps'].mean():.3f}, "
            f"mean Brier of P(>=1) {scores['brier_any'].mean():.3f}, "
            f"{int(scores['in_80'].sum())} of {len(scores)} inside the 80% interval.",
            "",
            _table(
                scores.assign(
                    mean=scores["mean"].round(2),
                    lo80=scores["lo80"].map("{:g}".format),
                    hi80=scores["hi80"].map("{:g}".format),
                    crps=scores["crps"].round(3),
                    brier_any=scores["brier_any"].round(3),
                    in_80=scores["in_80"].map({True: "yes", False: "no"}),
                )
            ),
        ]
    return "\n".join(lines) + "\n"


def render_html(markdown: str, title: str = "What changed") -> str:
    """A standalone HTML page of a markdown report (tables rendered by mistune; raw HTML in
    the markdown is escaped, never passed through)."""

    body = mistune.create_markdown(escape=True, plugins=["table"])(markdown)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 4px 10px; }}
th {{ background: #f2f2f2; }}
</style></head><body>
{body}
</body></html>
"""


@dataclasses.dataclass(frozen=True)
class DemoInputs:
    """What notebook 06's walk-through of new data starts from.

    Attributes
    ----------
    data_dir : Path or None
        The overlay to copy (``None``: the bundled data only).
    run_dir : Path or None
        The run to use as "the old run" (``None``: the notebook fits one to ``until``).
    notes : tuple of str
        Why an overlay or a run given was set aside, one sentence each.
    """

    data_dir: Path | None
    run_dir: Path | None
    notes: tuple[str, ...]


def demo_inputs(data_dir=None, run_dir=None, until: str = "2025-12") -> DemoInputs:
    """The overlay and run notebook 06 may use for its hypothetical months after ``until``.

    The walk-through invents launches, a state coding, an exercise and the checks of the
    exercise calendar and the leaders for the months after ``until`` (the bundled data's end).
    An overlay whose data reach past ``until`` (any of its tables: launches imported before
    their state, an exercise, a confirmed day, a leader) holds real months there, and a run
    fitted past it has seen them: the invented months would be mixed with (and overwrite the
    codings of) the analyst's own. Such an overlay or run is set aside, and a note says so; the
    notebook then works on the bundled data, as it does when run alone.

    Parameters
    ----------
    data_dir, run_dir : str or Path, optional
        The notebook's ``DATA_DIR`` and ``RUN_DIR``.
    until : str
        The last month before the hypothetical ones (``YYYY-MM``).

    Returns
    -------
    DemoInputs
    """
    from forecast.data import SPECS, load_tables
    from forecast.runs import read_run_record

    last = pd.Period(until, "M")
    notes = []
    if data_dir is not None:
        tables = load_tables(data_dir)
        days = [tables.as_of, tables.exercises_through]  # the confirmed days as well
        for name in SPECS:
            frame = getattr(tables, name)
            days += [frame[c].max() for c in ("date", "end") if c in frame and len(frame)]
        as_of = pd.Period(max(days), "M")
        if as_of > last:
            notes.append(
                f"Your overlay's data reach {as_of}, past {last}: this walk-through invents the "
                f"months after {last}, so it works on the bundled data alone and leaves your "
                "overlay out (it is not changed either way)."
            )
            data_dir = None
    if run_dir is not None:
        fitted = (read_run_record(run_dir).get("training_months") or {}).get("last")
        if fitted is None or pd.Period(fitted, "M") != last:
            notes.append(
                f"The run given was fitted to {fitted or 'an unknown month'}, not to {last}: the "
                f"walk-through fits its own old run to {last} instead."
            )
            run_dir = None
    return DemoInputs(
        data_dir=None if data_dir is None else Path(data_dir),
        run_dir=None if run_dir is None else Path(run_dir),
        notes=tuple(notes),
    )
