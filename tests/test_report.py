"""The HTML report builds in FAST mode, self-contained, and replaces the old one atomically."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import subprocess
import sys

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import FORECAST_CLI, FRESH_TODAY, REPO, SEED, STALE_TODAY

from forecast.errors import ConfigError, DataError, RunFileError
from forecast.report import SIZE_TARGET_BYTES, build_report, folder_size, notebook_paths

#: The scenarios of scenarios/current.yaml, in the file's order.
CURRENT = ("persist", "talks_resume", "summit", "outlook", "summit_announced")

CHROMIUM = "/usr/bin/chromium"

#: A link or source that would make a page call the network.
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import"""
)

#: The run's nuclear-test rule of the default run, in words, and how a note says what it answered.
RULE = "old tests fade with a half-life of 28 months"
ANSWERED = f"when the run's rule ({RULE}) answered"
RULE_28 = {"half_life": 28.0, "by_state": False}


def chromium(tmp_path, *args, timeout=180):
    """Run headless Chromium (skipped where it is absent, except on CI)."""
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is absent on CI: .ci/run should install chromium")
        pytest.skip(f"chromium is absent ({CHROMIUM} not found); apt-get install chromium")
    profile = tmp_path / "profile"
    try:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                *args,
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_notebook_kernels_ask_for_transport_encryption():
    """No "Kernel is running over TCP without encryption" line per notebook on stderr."""
    from jupyter_client.manager import KernelManager

    from forecast.report import kernel_config

    config = kernel_config()
    if "transport_encryption" in KernelManager.class_trait_names():
        assert config.KernelManager.transport_encryption == "auto"
    else:
        assert "transport_encryption" not in config.KernelManager


def test_notebook_kernels_log_only_critical_messages_to_our_terminal(tmp_path, capfd):
    """A kernel interrupted at shutdown logs nothing on stderr; cell output is unaffected."""
    import nbformat

    from forecast.report import run_notebook

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "log = get_ipython().kernel.log\n"
            "log.error('probe: an error line of the kernel log')\n"
            "log.critical('probe: a critical line of the kernel log')\n"
            "print('cell output')"
        ),
    ]
    source = tmp_path / "probe.ipynb"
    nbformat.write(nb, source)
    executed = nbformat.read(run_notebook(source, tmp_path / "out.ipynb", {}), as_version=4)
    assert executed.cells[0].outputs[-1]["text"].strip() == "cell output"
    err = capfd.readouterr().err  # the kernel's stderr is this process's
    assert "probe: a critical line of the kernel log" in err
    assert "probe: an error line" not in err


@pytest.fixture(scope="module")
def report_dir(fast_report):
    return fast_report


@pytest.fixture(scope="module")
def index(report_dir) -> str:
    return (report_dir / "index.html").read_text()


@pytest.mark.slow
def test_index_has_the_summary_table_timeline_and_links(index):
    assert "Data as of <b>2025-12-31</b>" in index
    assert re.search(r'<table id="summary">.*<td>2025</td>', index, flags=re.S)
    # each year's state as the legends name it: 2025 was a year of no talks, 2018 of summitry
    summary = re.search(r'<table id="summary">(.*?)</table>', index, flags=re.S).group(1)
    assert "<td>No talks</td></tr>" in summary and "<td>Summitry</td></tr>" in summary
    assert "no_talks" not in summary and "active_talks" not in summary
    assert 'src="data:image/png;base64,' in index
    for nb in notebook_paths():
        assert f'href="{nb.stem}.html"' in index


@pytest.mark.slow
def test_the_glossary_explains_every_model_and_score_the_page_names(index):
    from forecast.catalog import MODELS

    start = index.index('<h2 id="glossary">')
    body, glossary = index[:start], index[start:]
    assert 'href="#glossary"' in body
    named = {name for name in MODELS if re.search(rf"\b{name}\b", body)}
    assert {"ar_level", "recent_rate"} <= named
    for name in named:
        assert f"<dt>{name}</dt><dd>{html.escape(MODELS[name].description)}</dd>" in glossary
    for word, term in [
        ("CRPS", "CRPS"),
        ("Brier", "Brier score"),
        ("80% interval", "80% interval"),
        ("no talks", "no talks"),
        ("ICBM", "SRBM, MRBM, IRBM, ICBM"),
        ("HDI", "94% HDI"),
        ("randomised PIT", "randomised-PIT coverage"),
    ]:
        assert word in body and f"<dt>{term}</dt>" in glossary


@pytest.mark.slow
def test_index_has_the_headline_table_of_the_current_scenarios(index):
    table = re.search(r'<table id="headline"[^>]*>(.*?)</table>', index, flags=re.S)
    assert table, "no headline table"
    body = table.group(1)
    headers = ("Expected launch days", "80% interval", "P(at least 1 launch day)", "P(ICBM launch)")
    for header in headers:
        assert header in body
    assert "P(nuclear test)" in body
    assert re.findall(r'data-scenario="([^"]+)"', body) == list(CURRENT)
    assert "n/a" not in body  # class_hierarchical gives ICBM and nuclear probabilities
    # the default reads the summit's scaled-down exercises: no note says they do nothing
    assert "change nothing here" not in index


@pytest.mark.slow
def test_index_embeds_the_key_figures_and_no_external_resources(index):
    figures = ("timeline", "recent-months", "fan", "panels", "states", "skill", "effects")
    for figure in figures:
        assert re.search(rf'<img id="{figure}"[^>]+src="data:image/png;base64,', index), figure
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', index)


@pytest.mark.slow
def test_fast_report_warns_plainly_and_shows_the_verdict(index):
    banner = re.search(r'<div id="warning"[^>]*>(.*?)</div>', index, flags=re.S)
    assert banner, "a FAST report must carry the warning banner"
    assert "FAST mode" in banner.group(1) and "illustrative" in banner.group(1)
    verdict = re.search(r'<p id="diagnostics" class="(pass|fail)">(PASS|FAIL): ', index)
    assert verdict and verdict.group(1).upper() == verdict.group(2)
    if verdict.group(2) == "FAIL":
        assert "failed its convergence checks" in banner.group(1)


@pytest.mark.slow
def test_the_report_folder_holds_no_run_but_names_it(fast_report_paths, report_dir, index):
    from forecast.models import DEFAULT_MODEL
    from forecast.runs import load_run

    assert not (report_dir / "runs").exists()
    assert not list(report_dir.rglob("*.nc")), "a fitted run was copied into the report"
    model, record = load_run(fast_report_paths.run_dir)
    assert model.name == DEFAULT_MODEL and record["fast"] is True
    assert fast_report_paths.run_dir.parent.name == "runs"
    from forecast.report.context import shown_path

    # named relative to the working directory (or by its name), not by the builder's path
    assert f"fitted run <code>{shown_path(fast_report_paths.run_dir)}</code>" in index
    assert f"<code>{fast_report_paths.run_dir}</code>" not in index


@pytest.mark.slow
def test_the_report_folder_holds_what_a_reader_needs_and_is_small(report_dir):
    names = {p.name for p in report_dir.iterdir()}
    pages = {f"{nb.stem}.html" for nb in notebook_paths()}
    tables = {"headline.csv", "fan_bands.csv", "outlook.csv", "answers.csv"}
    tables |= {"probabilities.csv", "contrasts.csv", "outlook_states.csv", "years.csv"}
    tables |= {"icbm_sensitivity.csv", "coding_sensitivity.csv", "nuclear_rules.csv"}
    # built on STALE_TODAY, months after the data's end: the outlook and the scenarios from
    # today are there
    tables |= {"outlook_today.csv", "outlook_today_states.csv"}
    tables |= {"scenarios_today.csv", "contrasts_today.csv", "fan_bands_today.csv"}
    tables |= {"answers_ahead.csv"}  # the shipped questions of 2027
    # the question backtest's tables the page names, copied from docs/evaluation
    from forecast.columns import DICTIONARY_FILE
    from forecast.report.context import EVALUATION_DIR
    from forecast.report.downloads import QUESTION_TABLES

    tables |= {*QUESTION_TABLES, DICTIONARY_FILE}
    from forecast.report.context import class_words

    for name in QUESTION_TABLES:
        kept = pd.read_csv(EVALUATION_DIR / name)
        if "title" in kept:  # titled as on the page
            kept["title"] = kept["title"].map(class_words)
        pd.testing.assert_frame_equal(pd.read_csv(report_dir / name), kept)
    titles = pd.read_csv(report_dir / "questions.csv").set_index("family")["title"]
    assert "SLBM/SLV/other (incl. unknown class)" in titles["slbm-slv-other-6m"]
    expected = {"index.html", ".forecast-output.json", "vendor", *tables, *pages}
    assert names - {"notebooks"} == expected  # notebooks/: kept for the tests only
    assert [p.name for p in (report_dir / "vendor").iterdir()] == ["vega-embed.min.js"]
    size = folder_size(report_dir) - folder_size(report_dir / "notebooks")
    assert size < SIZE_TARGET_BYTES, f"report folder {size / 2**20:.1f} MB"
    headline = pd.read_csv(report_dir / "headline.csv")
    assert list(headline["scenario"]) == list(CURRENT)
    # a reader of a CSV alone sees its window and that, on the report's today, it has begun
    window = ["window_start", "window_end", "data_as_of", "window_status"]
    for name in ("headline.csv", "probabilities.csv", "contrasts.csv", "outlook.csv"):
        stamp = pd.read_csv(report_dir / name)[window].drop_duplicates().values.tolist()
        assert stamp == [["2026-01", "2026-12", "2025-12-31", "partly past"]], name
    for name in ("outlook_today.csv", "scenarios_today.csv", "contrasts_today.csv"):
        stamp = pd.read_csv(report_dir / name)[window].drop_duplicates().values.tolist()
        assert stamp == [["2026-11", "2027-10", "2025-12-31", "future"]], name
    from forecast.questions import load_questions
    from forecast.report import CURRENT_QUESTIONS

    answers = pd.read_csv(report_dir / "answers.csv")
    assert list(answers["question"]) == [q.id for q in load_questions(CURRENT_QUESTIONS)]
    binary = answers[answers["answer_type"] == "binary"]
    assert len(binary) and binary["probability"].between(0, 1).all()
    # each answer's own window, placed on the report's today (2026-11-25), after its end
    status = dict(zip(answers["question"], answers["window_status"], strict=True))
    assert status["icbm-2026h1"] == "past" and status["nuclear-test-2026"] == "partly past"
    columns = list(answers.columns)
    assert columns.index("window_status") == columns.index("window_end") + 1
    # and every month of the month-by-month tables: before November 2026 it is past
    for name in ("fan_bands.csv", "outlook_states.csv", "fan_bands_today.csv"):
        table = pd.read_csv(report_dir / name)
        month = table["month"].str[:7]
        expected = np.select([month < "2026-11", month == "2026-11"], ["past", "current"], "future")
        assert (table["month_status"] == expected).all(), name
        assert set(table["data_as_of"]) == {"2025-12-31"}, name
    statuses = set(pd.read_csv(report_dir / "fan_bands.csv")["month_status"])
    assert statuses == {"past", "current", "future"}


@pytest.mark.slow
def test_the_questions_of_the_year_ahead_are_answered_beside_the_shipped_ones(index, report_dir):
    """On 2026-11-25 the shipped questions of 2026 have mostly passed: the same questions for
    2027 (questions/2027.yaml) are answered too, from their own simulation through the 12
    months the data lack, with the caveats that hold for them; not the state at the data's
    end, which a question asked after simulated months does not start from."""
    from forecast.questions import load_questions
    from forecast.report import CURRENT_QUESTIONS

    ahead = pd.read_csv(report_dir / "answers_ahead.csv")
    asked = load_questions(CURRENT_QUESTIONS.parent / "2027.yaml")
    assert list(ahead["question"]) == [q.id for q in asked] and len(asked) == 8
    assert set(ahead["window_status"]) == {"future"} and ahead["window_start"].min() == "2027-01"
    assert set(ahead["data_as_of"]) == {"2025-12-31"}
    binary = ahead[ahead["answer_type"] == "binary"]
    assert len(binary) == 5 and binary["probability"].between(0, 1).all()
    section = index[index.index('<h3 id="questions-ahead">') :]
    section = section[: section.index("</table>")]
    assert section.startswith('<h3 id="questions-ahead">Forecast questions for 2027</h3>')
    assert "<code>questions/2027.yaml</code>" in section
    assert "first runs through the 12 months January 2026 to December 2026" in section
    for r in ahead.itertuples():
        assert f"<td>{html.escape(r.title)}</td>" in section, r.question
    rows = dict(re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", section))
    talks = next(a for q, a in rows.items() if q.startswith("Will talks with North Korea"))
    # its family ties the base rate overall (+0.6%), and a window after 12 simulated months is
    # not asked in the state the data end in: no caveat, where the 2026 question, asked from
    # no talks, carries that state's
    assert "negative skill" not in talks and "Asked in no talks" not in talks
    before = index[: index.index('<h3 id="questions-ahead">')]
    assert "Asked in no talks, as this one is (148 past cutoffs)" in before
    nuclear = rows["Will North Korea conduct a nuclear test in 2027?"]
    assert "(a constant rate since 1990: " in nuclear and "In the question backtest" in nuclear
    assert index.index('id="questions"') < index.index('id="questions-ahead"')


@pytest.mark.slow
def test_the_split_tables_say_how_much_their_shares_move_by_noise(index, report_dir):
    """Under the tables split by path (from the data's end) and by today's state: two standard
    errors of P(ICBM launch) in the row on the fewest simulations, from the CSV's rows."""
    for table_id, name in (("expectations-table", "outlook.csv"), ("from-today-table", None)):
        after = index[index.index(f'<table id="{table_id}">') :]
        after = after[: after.index("<h2")]  # in the table's own section
        note = re.search(r"The rows' P\(ICBM launch\) carry simulation noise: with the "
                         r"fewest simulations here \(([\d,]+)\), two standard errors are "
                         r"(\d+) points", after)  # fmt: skip
        assert note, table_id
        from forecast.summaries import share_noise

        n, two_se = share_noise(pd.read_csv(report_dir / (name or "outlook_today.csv")), "p_icbm")
        assert int(note.group(1).replace(",", "")) == n
        assert abs(int(note.group(2)) - 100 * two_se) <= 0.6
        split = "path" if name else "state"
        assert f"says nothing about the {split} (the noise" in after


def test_the_years_ahead_follow_the_shipped_file_and_today():
    from forecast.report import CURRENT_QUESTIONS
    from forecast.report.build import questions_ahead

    next_year = CURRENT_QUESTIONS.parent / "2027.yaml"
    assert questions_ahead(CURRENT_QUESTIONS, dt.date(2026, 12, 8)) == [next_year]
    assert questions_ahead(CURRENT_QUESTIONS, dt.date(2026, 2, 1)) == [next_year]
    assert questions_ahead(CURRENT_QUESTIONS, dt.date(2026, 1, 20)) == []  # 2026's are live
    assert questions_ahead(CURRENT_QUESTIONS, dt.date(2025, 6, 1)) == []
    # a file of one's own: its years are unknown, nothing is added
    assert questions_ahead(next_year, dt.date(2026, 12, 8)) == []


@pytest.mark.slow
def test_the_page_says_what_each_scenario_changes(index, report_dir):
    """Under the scenarios' table, a sentence per scenario against persist: the difference in
    expected launch days and its interval, the numbers of contrasts.csv."""
    import html

    found = re.search(r'<ul id="contrasts-list">(.*?)</ul>', index, flags=re.S).group(1)
    items = [html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", found, flags=re.S)]
    contrasts = pd.read_csv(report_dir / "contrasts.csv")
    assert list(contrasts["scenario"]) == [s for s in CURRENT if s != "persist"]
    assert len(items) == len(contrasts)
    assert (contrasts["reference"] == "persist").all()
    for item, r in zip(items, contrasts.itertuples(), strict=True):
        # the page rounds the unrounded numbers, the CSV keeps three decimals
        said = re.match(rf"'{re.escape(r.label)}': (\d+\.\d+) (more|fewer) launch days", item)
        assert said, item
        sign = 1 if said.group(2) == "more" else -1
        assert abs(sign * float(said.group(1)) - r.diff_mean) <= 0.051, item
        assert "than 'The last observed state (no talks) persists'" in item
        ratio = re.search(r"expected rate (\d\.\d\d) times the reference's", item).group(1)
        assert abs(float(ratio) - r.rate_ratio) <= 0.0051, item
    assert index.index('id="contrasts"') < index.index('id="fan-chart"')


@pytest.mark.slow
def test_the_page_says_why_a_drawn_scenario_changes_more_from_today(index, report_dir):
    """Under the contrasts from today, for each scenario whose states follow the state model
    and whose difference from persist moved by 0.1 or more: both differences (contrasts.csv,
    contrasts_today.csv) and the months its simulations spend out of no talks, more from
    today, since their states ran through the months the data lack. A fixed path has none."""
    import html

    today = pd.read_csv(report_dir / "contrasts_today.csv").set_index("scenario")
    end = pd.read_csv(report_dir / "contrasts.csv").set_index("scenario")
    moved = [
        name
        for name in ("outlook", "summit_announced")  # the shipped file's drawn scenarios
        if abs(today.loc[name, "rate_ratio"] - end.loc[name, "rate_ratio"]) >= 0.01
    ]
    assert moved  # the FAST fit's state effects move the forecast along the drawn paths
    found = re.search(r'<ul id="contrasts-today-drift-list">(.*?)</ul>', index, flags=re.S)
    items = [html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", found.group(1))]
    assert len(items) == len(moved)
    for item, name in zip(items, moved, strict=True):
        said = re.fullmatch(
            rf"<i>{name}</i>: an expected rate (\d\.\d\d) times the reference's from today, "
            r"against (\d\.\d\d) from the data's end \((\d+\.\d+) (fewer|more) launch days, "
            r"against (\d+\.\d+) (fewer|more)\)\. Its simulations spend on average (\d+\.\d) of "
            r"these 12 months out of no talks, against (\d+\.\d) of the 12 months from January "
            r"2026; in November 2026, (\d+)% of them are out of it\.",
            item,
        )
        assert said, item
        for ratio, table in ((1, today), (2, end)):
            assert abs(float(said[ratio]) - table.loc[name, "rate_ratio"]) <= 0.0051, item
        for number, way, table in ((3, 4, today), (5, 6, end)):
            signed = float(said[number]) * (1 if said[way] == "more" else -1)
            assert abs(signed - table.loc[name, "diff_mean"]) <= 0.051, item
        assert float(said[7]) > float(said[8]) and 0 < int(said[9]) < 100, item
    assert "the 10 months the data lack as well" in index


@pytest.mark.slow
def test_every_csv_beside_the_page_has_its_columns_explained(index, report_dir):
    """columns.csv lists every CSV of the report folder with each of its columns, in the
    file's order, each with its meaning; the page's last section names every file, with
    the same meanings folded under it."""
    import html

    from checks import explained_columns

    from forecast.columns import file_description

    dictionary = explained_columns(report_dir)
    written = sorted(dictionary["file"].unique())
    assert dictionary["meaning"].str.len().min() > 10
    # a word that means one thing in one file and another elsewhere is explained per file
    meanings = dictionary.set_index(["file", "column"])["meaning"]
    assert "cutoffs" in meanings["questions.csv", "n"]
    assert "simulations" in meanings["headline.csv", "n"]
    assert "in the month" in meanings["fan_bands.csv", "mean"]
    assert "scenario talks_resume" in meanings["coding_sensitivity.csv", "talks_resume_q90"]
    assert meanings["fan_bands_today.csv", "q90"] == meanings["fan_bands.csv", "q90"]
    section = index[index.index('<h2 id="files">') :]
    assert index.index('<h2 id="glossary">') < index.index('<h2 id="files">')
    for name in written:
        said = html.escape(file_description(name))
        assert said and f"<summary><code>{name}</code>: {said}</summary>" in section
    rows = re.findall(r"<tr><td><code>(.*?)</code></td><td>(.*?)</td></tr>", section)
    assert len(rows) == len(dictionary)
    assert [html.unescape(m) for _, m in rows] == list(dictionary["meaning"])


def test_the_data_dictionary_names_a_column_it_cannot_explain():
    """A table's column without a meaning is refused naming its file and column (a column
    added to a report table must be explained); a file without a description likewise; the
    coding sensitivity's columns, named after the scenarios and states, by their pattern."""
    from forecast.columns import column_meanings, meaning

    table = pd.DataFrame(columns=["scenario", "mean", "new_thing"])
    with pytest.raises(KeyError, match=r"headline\.csv: column 'new_thing' has no meaning"):
        column_meanings({"headline.csv": table}, strict=True)
    with pytest.raises(KeyError, match=r"extra\.csv: no description"):
        column_meanings({"extra.csv": table[["scenario"]]}, strict=True)
    # when writing a user's files, an unknown column is listed without a meaning instead
    lenient = column_meanings({"headline.csv": table})
    assert lenient.set_index("column").loc["new_thing", "meaning"] == ""
    said = column_meanings({"headline.csv": table[["scenario", "mean"]]}, strict=True)
    assert list(said["file"]) == ["headline.csv"] * 2 + ["columns.csv"] * 3
    # what is counted follows the run's target
    assert "expected launch days over the window" in said["meaning"][1]
    missiles = column_meanings({"headline.csv": table[["mean"]]}, noun="missiles")
    assert missiles["meaning"][0].startswith("expected missiles over the window")
    # one of them in the singular
    assert meaning("probabilities.csv", "p_ge_1").startswith("the chance of 1 launch day or")
    assert meaning("probabilities.csv", "p_ge_1", "missiles").startswith("the chance of 1 missile ")
    assert meaning("probabilities.csv", "p_ge_5", "missiles").startswith("the chance of 5 missiles")
    assert meaning("coding_sensitivity.csv", "rr_summitry_diff").startswith(
        "the rate ratio of summitry minus its value as coded"
    )
    assert (
        meaning("coding_sensitivity.csv", "my_path_median")
        == "the median total of scenario my_path"
    )
    assert meaning("headline.csv", "my_path_median") is None  # patterns: that file only


def test_a_long_panel_title_breaks_at_its_last_space_into_two_lines():
    """``two_lines`` is a Vega expression: rendered by Vega itself (vl-convert, offline), a
    label longer than the limit breaks at its last space within it into two lines, while a
    short label and a long one without a space stay on one line."""
    import vl_convert

    from forecast.report.scenario_charts import two_lines

    long = "A summit is prepared from month 4 (April 2026), with exercises scaled"
    labels = [long, "Short one", "Nospaceatallinthislabelwhichislong", "Exactly twenty chars"]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": [{"s": s, "x": 1, "y": 1} for s in labels]},
        "facet": {"field": "s", "type": "nominal", "header": {"labelExpr": two_lines(20)}},
        "columns": 1,
        "spec": {
            "mark": "point",
            "encoding": {
                "x": {"field": "x", "type": "quantitative"},
                "y": {"field": "y", "type": "quantitative"},
            },
        },
    }
    svg = vl_convert.vegalite_to_svg(spec)
    drawn = set(re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S))
    # the first space-bounded piece within 21 characters, then the rest on a second line
    assert (
        '<tspan>A summit is prepared</tspan><tspan x="0" dy="12">from month 4 (April 2026), '
        "with exercises scaled</tspan>" in drawn
    )
    assert {"Short one", "Nospaceatallinthislabelwhichislong", "Exactly twenty chars"} <= drawn


def test_the_scenarios_from_today_name_the_missing_months_once():
    """The section of the scenarios from today says the months the data lack in full only
    when no outlook from today above it has said so; else it points to it."""
    from types import SimpleNamespace

    from forecast.report.sections import _gap_again

    gap = pd.period_range("2026-01", "2026-10", freq="M")
    span = "January 2026 to October 2026"
    alone = _gap_again(SimpleNamespace(from_today=None, fit_reaches_data_end=True), gap, span)
    assert alone == (
        "The data end in December 2025; the 10 months January 2026 to October 2026 have "
        "happened but are <b>not in the data</b>. Each simulation first runs through them, "
        "launches included (simulated, not observed, and not counted below)."
    )
    below = _gap_again(SimpleNamespace(from_today=object()), gap[-1:], "October 2026")
    assert below == (
        "As in the outlook from today above, each simulation first runs through the 1 month "
        "October 2026, launches included (simulated, not observed, and not counted below)."
    )


def test_the_drift_note_counts_the_months_out_of_the_references_state_by_hand():
    """Three months from the data's end (January 2026) and three from today (June 2026), four
    draws: the drawn scenario spends 6 of 12 draw-months out of no talks from today (3, 2, 1,
    0) against 2 (1, 1, 0, 0) from the data's end, one draw of four out of it in June; its
    rate ratio moved from 0.98 to 0.95. The fixed path's did not move, and none is listed
    when the reference's path moves, the references differ or the months out did not grow."""
    from types import SimpleNamespace

    import xarray as xr

    from forecast.constants import STATES
    from forecast.report.sections import _drawn_drift_note
    from forecast.simulation import Forecast

    n, a = STATES.index("no_talks"), STATES.index("active_talks")

    def forecast(first: str, drawn: list[list[int]]) -> Forecast:
        draws = len(drawn)
        states = np.array([[[n] * 3] * draws, [[a] * 3] * draws, drawn], dtype=np.int8)
        months = pd.period_range(first, periods=3, freq="M").to_timestamp()
        return Forecast(
            xr.Dataset(
                {
                    "launch_days": (
                        ("scenario", "draw", "month"),
                        np.zeros((3, draws, 3), int),
                    ),
                    "state": (("scenario", "draw", "month"), states),
                },
                coords={
                    "scenario": ["persist", "talks", "drawn"],
                    "label": ("scenario", ["Persist", "Talks", "Drawn"]),
                    "draw": range(draws),
                    "month": months,
                },
                attrs={"target": "launch_days", "initial_state": "no_talks"},
            )
        )

    then = forecast("2026-01", [[n, n, a], [n, n, a], [n, n, n], [n, n, n]])
    now = forecast("2026-06", [[a, a, a], [n, a, a], [n, n, a], [n, n, n]])

    def contrasts(talks: tuple, drawn: tuple) -> SimpleNamespace:
        rows = [("talks", *talks), ("drawn", *drawn)]
        return SimpleNamespace(
            table=pd.DataFrame(rows, columns=["scenario", "diff_mean", "rate_ratio"])
        )

    def note(now=now, then=then, ratio=0.95, reference="persist") -> str:
        ctx = SimpleNamespace(
            scenarios_today=now,
            forecast=then,
            today_contrasts=contrasts((-1.6, 0.86), (-0.6, ratio)),
            contrasts=contrasts((-1.3, 0.86), (-0.2, 0.98)),
            today_reference=reference,
            reference="persist",
        )
        return _drawn_drift_note(ctx, 2)

    said = note()
    items = re.findall(r"<li>(.*?)</li>", said)
    assert items == [
        "<i>drawn</i>: an expected rate 0.95 times the reference's from today, against 0.98 "
        "from the data's end (0.6 fewer launch days, against 0.2 fewer). Its simulations spend "
        "on average 1.5 of these 3 months out of no talks, against 0.5 of the 3 months from "
        "January 2026; in June 2026, 25% of them are out of it."
    ]
    assert "drawn through the 2 months the data lack as well" in said
    assert note(ratio=0.975) == ""  # the ratio moved by less than 0.01: the level's doing
    assert note(now=then, then=now) == ""  # fewer months out from today
    # 0.25 months out of no talks from today against 0.2: both print as 0.2, so no note
    # saying "0.2 against 0.2"
    quarter = forecast("2026-06", [[n, n, a], [n, n, n], [n, n, n], [n, n, n]])
    fifth = forecast("2026-01", [[n, n, a], [n, n, n], [n, n, n], [n, n, n], [n, n, n]])
    assert note(now=quarter, then=fifth) == ""
    assert note(reference="talks") == ""  # the sections compare with different references
    moving = forecast("2026-06", [[a, a, a], [n, a, a], [n, n, a], [n, n, n]])
    moving.data["state"].loc[{"scenario": "persist", "month": moving.data["month"][2]}] = a
    assert note(now=moving) == ""  # a reference whose state changes: no one state to be out of


@pytest.mark.slow
def test_the_state_effects_are_said_in_words_beside_their_chart(index, fast_report_paths):
    """Each state's rate ratio against no talks, its HDI and whether the data can tell its
    direction, as notebook 03 says them, from the run's own posterior."""
    import html

    from forecast.plots import STATE_LABELS
    from forecast.runs import load_run
    from forecast.summaries import state_effects

    model, _ = load_run(fast_report_paths.run_dir)
    said = state_effects(model.state_effects(), STATE_LABELS).text
    found = re.search(r'<ul id="effects-words">(.*?)</ul>', index, flags=re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", found) == [html.escape(t) for t in said]
    assert len(said) == 3 and all("times the no-talks rate" in t for t in said)


@pytest.mark.slow
def test_no_page_loads_anything_from_the_network(report_dir, fast_report_paths):
    """No page names anything on the network; the one script loaded from a file is the chart
    library in the report folder (``vendor/``), which the single file holds inline, once."""
    from forecast.report.vega import LIBRARY_FILE

    pages = [*report_dir.glob("*.html"), fast_report_paths.single_file]
    assert len(pages) == len(notebook_paths()) + 2
    for page in pages:
        text = page.read_text()
        assert not EXTERNAL.search(text), (page.name, EXTERNAL.search(text).group(0))
        sources = re.findall(r"<script[^>]+src=[\"']?([^\"' >]+)", text)
        assert sources == ([LIBRARY_FILE] if page.name == "index.html" else []), page.name
        assert "require.js" not in text and "MathJax.Hub" not in text, page.name
    library = (report_dir / LIBRARY_FILE).read_text()
    assert not EXTERNAL.search(library) and "</script" not in library.lower()
    single = fast_report_paths.single_file.read_text()
    assert single.count("window.vegaEmbed=") == 1  # the library inlined once
    assert "window.vegaEmbed=" not in (report_dir / "index.html").read_text()


@pytest.mark.slow
def test_stale_data_are_flagged_on_the_first_screen(index):
    head = index[: index.index('id="outlook"')]
    banner = re.search(r'<div id="stale"[^>]*>(.*?)</div>', head, flags=re.S)
    assert banner, "data 10 months old on STALE_TODAY: the banner must be on the first screen"
    assert "2026-01..2026-10" in banner.group(1)
    for command in ("forecast data import", "forecast data set-state 2026-01-01", "add-exercise"):
        assert command in banner.group(1)
    assert "10 months old on 2026-11-25" in index
    assert "A forecast from the data&#x27;s end, partly in the past" in index
    assert "The current outlook" not in index
    assert re.search(r'<p id="past" class="past">.*2026-01 to 2026-10', index, flags=re.S)


def _index_without_outlook(tables, panel, today) -> str:
    from forecast.freshness import data_freshness
    from forecast.report import ReportContext, index_page

    ctx = ReportContext(tables=tables, panel=panel, freshness=data_freshness(tables, today=today))
    return index_page(ctx)


def test_the_staleness_banner_depends_on_today(tables, panel):
    stale = _index_without_outlook(tables, panel, STALE_TODAY)
    fresh = _index_without_outlook(tables, panel, FRESH_TODAY)
    assert 'id="stale"' in stale and 'id="stale"' not in fresh
    assert "Data as of <b>2025-12-31</b>" in stale and "Data as of <b>2025-12-31</b>" in fresh
    assert "20 days old on 2026-01-20" in fresh


def test_index_sections_are_a_list_of_functions(tables, panel):
    from forecast.freshness import data_freshness
    from forecast.report import INDEX_SECTIONS, ReportContext, index_page

    ctx = ReportContext(tables, panel, data_freshness(tables, today=FRESH_TODAY))
    extra = [*INDEX_SECTIONS[:4], lambda c: '<h2 id="questions">Outlook and questions</h2>']
    page = index_page(ctx, sections=[*extra, *INDEX_SECTIONS[4:]])
    assert page.index('id="questions"') < page.index('id="timeline"')


def test_a_fast_report_on_a_full_run_says_whose_draws_are_few(tables, panel, tiny_run):
    """--fast with --run: the notebooks' fits are FAST, the page's tables are the run's."""
    from forecast.freshness import data_freshness
    from forecast.report import ReportContext
    from forecast.report.sections import warning_section
    from forecast.runs import load_run
    from forecast.simulation import simulation_draws

    model, _ = load_run(tiny_run)
    ctx = ReportContext(tables, panel, data_freshness(tables, today=FRESH_TODAY))
    ctx.model, ctx.forecast, ctx.fast = model, object(), True
    n = simulation_draws(model)  # the draws the page's tables are simulated from
    for preset, words in [
        ("full", "the notebooks' own fits use a few hundred draws (the run behind this page's "
         f"tables has {n:,})"),
        ("fast", "FAST mode</b> (a few hundred draws)"),
    ]:  # fmt: skip
        model.sampler = {**model.sampler, "preset": preset}
        assert words in warning_section(ctx)


@pytest.mark.slow
def test_the_single_file_holds_every_page_and_is_small(fast_report_paths):
    page = fast_report_paths.single_file
    assert page.stat().st_size < SIZE_TARGET_BYTES, f"{page.stat().st_size / 2**20:.1f} MB"
    text = page.read_text()
    toc = re.search(r'<nav id="contents">(.*?)</nav>', text, flags=re.S).group(1)
    for nb in notebook_paths():
        assert f'href="#{nb.stem}"' in toc
        assert f'<section id="{nb.stem}"' in text
        assert f'href="{nb.stem}.html"' not in text  # links lead to the sections
    # JupyterLab's style sheet once, not once per notebook
    assert text.count("--jp-icon-add-above:") == 1
    markup = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)  # not the chart library's
    sources = re.findall(r'<img[^>]+src="([^"]+)"', markup)
    assert len(sources) > 10 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "@media print" in text
    # every anchor once, every in-page link leads to one (the notebooks share "Setup",
    # "Parameters" and "Versions used": each page's are its own)
    ids = re.findall(r'\bid="([^"]+)"', markup)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert set(re.findall(r'href="#([^"]+)"', markup)) <= set(ids)
    assert 'id="02_priors--Setup"' in markup and 'href="#02_priors--Setup"' in markup
    # the tables are files of the report's folder, not beside this single file
    assert "beside this page" not in text and "not part of this file" in text


def test_a_single_file_that_exists_is_refused_before_any_work(tmp_path, monkeypatch):
    from forecast.outputs import check_single_file, write_single_file

    existing = tmp_path / "report.html"
    write_single_file(existing, "<!DOCTYPE html><p>an earlier report</p>")
    with pytest.raises(ConfigError, match="--force"):
        check_single_file(existing)
    with pytest.raises(ConfigError, match=".html"):
        check_single_file(tmp_path / "report.pdf")
    assert check_single_file(existing, force=True) == existing
    mine = tmp_path / "mine.html"  # a user's own page is never replaced, even with --force
    mine.write_text("<p>keep me</p>")
    with pytest.raises(ConfigError, match="--single-file"):
        check_single_file(mine, force=True)
    assert mine.read_text() == "<p>keep me</p>"
    new = tmp_path / "reports" / "latest.html"  # a fresh clone has no reports/ yet
    assert check_single_file(new) == new and not new.parent.exists()
    monkeypatch.chdir(tmp_path)  # a relative path is fixed when the build starts
    assert check_single_file("reports/latest.html") == new.resolve()


@pytest.mark.slow
def test_the_single_file_prints_to_pdf_with_pages_and_figures(fast_report_paths, tmp_path):
    pdf = tmp_path / "report.pdf"
    chromium(
        tmp_path,
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        fast_report_paths.single_file.as_uri(),
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    images = len(re.findall(rb"/Subtype\s*/Image", data))
    assert pages >= len(notebook_paths()) + 1, f"{pages} pages"  # each notebook on a new page
    assert images >= 10, f"{images} images in the PDF"


@pytest.mark.slow
def test_every_notebook_page_exists_with_embedded_figures(report_dir):
    from forecast.present import run_mode

    for nb in notebook_paths():
        page = (report_dir / f"{nb.stem}.html").read_text()
        sources = re.findall(r'<img[^>]+src="([^"]+)"', page)
        assert sources, f"{nb.stem}.html has no figure"
        assert all(s.startswith("data:image/png;base64,") for s in sources), nb.stem
        # every figure says what it shows, from the prose before it
        alts = [a for _, a in re.findall(r"""<img[^>]*?alt=(["'])(.+?)\1""", page)]
        assert len(alts) == len(sources) and all(a.startswith("Figure") for a in alts), nb.stem
        assert "No description has been provided" not in page
        # titled by its first heading, with a way back to the index
        title = re.search(r"<title>(.*?)</title>", page).group(1)
        assert title.startswith(nb.stem[:2] + " ") and title != "Notebook", title
        assert re.search(r'<a href="index.html">(&larr;|\u2190) The report \(index\)</a>', page)
        # a notebook whose numbers depend on the settings says which made them
        if nb.stem[:2] in ("02", "03", "04", "06"):
            assert run_mode(True) in html.unescape(page), nb.stem


def test_a_figure_is_described_by_the_prose_before_it():
    import nbformat

    from forecast.report.notebooks import ALT_MAX, describe_figures, figure_alt

    prose = "## Fan charts\nDark *grey* bars are the `observed` [months](http://x). Then more."
    assert figure_alt(prose) == "Figure. Fan charts: Dark grey bars are the observed months."
    assert figure_alt("") == "Figure"
    assert len(figure_alt("word " * 100)) <= ALT_MAX + len("Figure. ")
    nb = nbformat.v4.new_notebook()
    png = nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"})
    text = nbformat.v4.new_output("stream", text="x")
    nb.cells = [
        nbformat.v4.new_markdown_cell("What the model expects: a table."),
        nbformat.v4.new_code_cell("plot()", outputs=[png, text]),
    ]
    describe_figures(nb)
    assert nb.cells[1].outputs[0].metadata["alt"] == "Figure. What the model expects: a table."
    assert "alt" not in nb.cells[1].outputs[1].get("metadata", {})


@pytest.mark.slow
def test_notebooks_that_take_a_run_reuse_the_report_fit(report_dir, fast_report_paths):
    import nbformat

    for nb in notebook_paths():
        executed = nbformat.read(report_dir / "notebooks" / nb.name, as_version=4)
        params = executed.metadata["papermill"]["parameters"]
        if "RUN_DIR" in params:
            assert params["RUN_DIR"] == str(fast_report_paths.run_dir)
        if "SCENARIO_FILE" in params:
            assert params["SCENARIO_FILE"].endswith("current.yaml")


@pytest.mark.slow
def test_index_renders_in_headless_chromium(report_dir, tmp_path):
    """The first screen renders; its screenshot is the README's (``FORECAST_SCREENSHOT=PATH``
    saves a small copy there: ``docs/report-first-screen.png`` comes from a full report)."""
    from matplotlib.image import imread

    shot = tmp_path / "index.png"
    chromium(
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1000,700",
        (report_dir / "index.html").as_uri(),
    )
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (700, 1000)
    colours = np.unique((pixels.reshape(-1, 3) * 255).round().astype(np.uint8), axis=0)
    assert len(colours) > 100, f"the screenshot has only {len(colours)} colours"
    assert (pixels < 0.98).any(axis=-1).mean() > 0.05, "the screenshot is almost all white"
    if os.environ.get("FORECAST_SCREENSHOT"):
        from PIL import Image

        Image.open(shot).convert("RGB").quantize(colors=64).save(
            os.environ["FORECAST_SCREENSHOT"], optimize=True
        )


# --- the interactive charts, in a real browser ------------------------------------------------

CHROMEDRIVER = "/usr/bin/chromedriver"

#: The index's interactive charts (figure ids).
CHARTS = (
    "states-today-chart",
    "fan-today-chart",
    "fan-chart",
    "panels-chart",
    "states-chart",
    "skill-chart",
)

#: For each chart: is it drawn, the size of its SVG, its marks, and whether its PNG shows.
CHART_STATE_JS = """
return Array.from(document.querySelectorAll("figure.chart")).map(function (f) {
  var svg = f.querySelector(".vl-chart svg");
  var box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {id: f.id, live: f.classList.contains("live"), width: box.width, height: box.height,
          marks: f.querySelectorAll("g.role-mark path, g.role-mark line").length,
          png: getComputedStyle(f.querySelector("img.static")).display,
          chart: getComputedStyle(f.querySelector(".vl-chart")).display};
});
"""


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, driven by Selenium through chromedriver, with the network
    log on and every host name unresolvable: no request can leave the machine."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium or chromedriver is absent on CI: .ci/run should install both")
        pytest.skip("apt-get install chromium chromium-driver for the browser tests")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,900",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _page(form, report_dir, fast_report_paths):
    return (report_dir / "index.html") if form == "folder" else fast_report_paths.single_file


def _open(browser, page) -> list[str]:
    """Load ``page`` until every chart is drawn (or failed); the URLs it requested."""
    import json

    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("performance")  # drop the previous page's log
    browser.get(page.as_uri())
    WebDriverWait(browser, 30).until(
        lambda b: (
            b.execute_script(
                "return document.querySelectorAll('figure.chart.live, figure.chart.failed').length"
            )
            == len(CHARTS)
        )
    )
    messages = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    return [
        m["params"]["request"]["url"]
        for m in messages
        if m["method"] == "Network.requestWillBeSent"
    ]


def _fan_lines(browser) -> int:
    return browser.execute_script(
        "return document.querySelectorAll('#fan-chart g.mark-line.role-mark path').length"
    )


@pytest.mark.slow
@pytest.mark.parametrize("form", ["folder", "single file"])
def test_the_charts_draw_offline_in_a_browser(form, browser, report_dir, fast_report_paths):
    """Every chart draws (an SVG of real size with marks) from files alone: every request is
    a ``file://`` or ``data:`` URL; the PNGs give way on screen and come back in print."""
    from forecast.report.vega import LIBRARY_FILE

    requests = _open(browser, _page(form, report_dir, fast_report_paths))
    assert requests and all(u.startswith(("file://", "data:")) for u in requests), [
        u[:80] for u in requests if not u.startswith(("file://", "data:"))
    ]
    library = (report_dir / LIBRARY_FILE).as_uri()
    assert (library in requests) == (form == "folder")
    charts = {c["id"]: c for c in browser.execute_script(CHART_STATE_JS)}
    assert set(charts) == set(CHARTS)
    for name, chart in charts.items():
        assert chart["live"], name
        assert chart["width"] > 300 and chart["height"] > 150, chart
        assert chart["marks"] >= 10, chart
        assert chart["png"] == "none", chart  # the chart replaces its PNG on screen
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        printed = {c["id"]: c for c in browser.execute_script(CHART_STATE_JS)}
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert all(c["png"] == "block" and c["chart"] == "none" for c in printed.values()), printed


@pytest.mark.slow
def test_every_panel_title_is_drawn_whole(browser, report_dir, fast_report_paths):
    """A scenario label longer than its panel is wide breaks onto a second line instead of
    ending in an ellipsis ("... with exercises scaled dow..." before)."""
    _open(browser, _page("folder", report_dir, fast_report_paths))
    titles = browser.execute_script(
        "return Array.from(document.querySelectorAll('#panels-chart g.role-title-text text'))"
        ".map(t => Array.from(t.children).map(c => c.textContent).join(' ') || t.textContent)"
    )
    labels = list(pd.read_csv(report_dir / "headline.csv")["label"])
    assert sorted(titles) == sorted(labels)
    assert max(map(len, labels)) > 70  # the shipped file has one that needs two lines


@pytest.mark.slow
def test_words_align_left_and_numbers_right_in_the_tables(browser, report_dir, fast_report_paths):
    """The questions' answers (sentences with caveats) read from the left; a state column
    starts at the left and the last column of numbers ends at the right."""
    _open(browser, _page("folder", report_dir, fast_report_paths))

    def align(selector: str) -> list[str]:
        return browser.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]))"
            ".map(c => getComputedStyle(c).textAlign)",
            selector,
        )

    assert set(align("#questions td")) == {"left"}
    for table in ("#from-today-table", "#expectations-table"):
        assert set(align(f"{table} td:first-child")) == {"left"}, table
        assert set(align(f"{table} td:last-child")) == {"right"}, table
        assert set(align(f"{table} td:nth-child(4)")) == {"right"}, table  # the mean


@pytest.mark.slow
@pytest.mark.parametrize("form", ["folder", "single file"])
def test_switching_a_scenario_off_changes_the_fan_chart(
    form, browser, report_dir, fast_report_paths
):
    """Untick a scenario: its line leaves the chart and its numbers the month's tooltip."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, _page(form, report_dir, fast_report_paths))
    labels = list(pd.read_csv(report_dir / "headline.csv")["label"])
    assert _fan_lines(browser) == len(CURRENT)
    svg = browser.find_element(By.CSS_SELECTOR, "#fan-chart svg")
    before = svg.get_attribute("innerHTML")
    box = browser.find_element(By.CSS_SELECTOR, '#fan-chart input[name="show1"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    WebDriverWait(browser, 5).until(lambda b: _fan_lines(b) == len(CURRENT) - 1)
    assert svg.get_attribute("innerHTML") != before
    # the last forecast month's column: its tooltip lists the scenarios still shown
    column = browser.find_elements(By.CSS_SELECTOR, "#fan-chart g.mark-rect.role-mark")[-1]
    month = column.find_elements(By.CSS_SELECTOR, "path")[-1]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", svg)
    ActionChains(browser).move_to_element(month).perform()
    tip = WebDriverWait(browser, 5).until(
        lambda b: b.execute_script(
            "var t = document.getElementById('vg-tooltip-element');"
            "return t && t.classList.contains('visible') ? t.innerText : null"
        )
    )
    assert "Month" in tip and "mean" in tip and "80%" in tip
    assert labels[1] not in tip and all(label in tip for i, label in enumerate(labels) if i != 1)
    box.click()
    WebDriverWait(browser, 5).until(lambda b: _fan_lines(b) == len(CURRENT))


@pytest.mark.slow
def test_a_failing_build_leaves_the_old_report_untouched(report_dir, tmp_path):
    before = (report_dir / "index.html").read_bytes()
    with pytest.raises(DataError):
        build_report(
            report_dir,
            fast=True,
            data_dir=tmp_path / "missing",
            force=True,
            run_out=tmp_path / "runs" / "report",
        )
    assert (report_dir / "index.html").read_bytes() == before
    leftovers = [p for p in report_dir.parent.iterdir() if p.name.startswith(".latest")]
    assert not leftovers


def test_a_run_folder_inside_the_report_is_refused_before_any_work(tmp_path, monkeypatch):
    import forecast.report.build

    def tripwire(*args, **kwargs):
        raise AssertionError("the report started working before refusing")

    monkeypatch.setattr(forecast.report.build, "load_tables", tripwire)
    with pytest.raises(ConfigError, match="overlap"):
        build_report(tmp_path / "report", run_out=tmp_path / "report" / "runs" / "latest")
    assert not (tmp_path / "report").exists()


def test_report_takes_either_a_run_or_a_run_folder_to_fit(tmp_path):
    from hostile_support import cli, refused

    result = cli(
        "report", "--run", tmp_path / "a", "--run-out", tmp_path / "b", "--out", tmp_path / "r"
    )
    refused(result, "--run-out")


def test_a_run_the_notebooks_cannot_use_is_refused_up_front(tiny_run, tmp_path):
    """``--run`` of a model without state effects (the stand-in run is ``constant_rate``) is
    refused before any work, naming --run and the models that would do."""
    from hostile_support import cli, refused

    result = cli("report", "--run", tiny_run, "--out", tmp_path / "r")
    message = refused(result, "--run", "constant_rate", "ar_level")
    assert "state effects" in message
    assert not (tmp_path / "r").exists()
    # a folder that is no run at all is called that (it was 'a fit of None')
    (tmp_path / "inputs").mkdir()
    result = cli("report", "--run", tmp_path / "inputs", "--out", tmp_path / "r")
    refused(result, "--run", "is not a run folder (it has no run.json)")


def test_a_second_report_to_another_folder_fits_beside_the_first(tmp_path, monkeypatch):
    """``--out reports/a`` then ``--out reports/b``: each report fits into its own run folder
    (runs/report-a, runs/report-b) without extra flags; a run the user made with 'forecast
    fit' is never replaced, even with --force, and the refusal names the option to choose
    another folder. (The stand-in sampler keeps this a test of plumbing.)"""
    from hostile_support import cli, refused

    import forecast.catalog

    monkeypatch.setitem(forecast.catalog.PRESETS, "fast", forecast.catalog.PRESETS["mock"])
    monkeypatch.chdir(tmp_path)
    first = build_report("reports/a", fast=True, notebooks=[], today=FRESH_TODAY)
    second = build_report("reports/b", fast=True, notebooks=[], today=FRESH_TODAY)
    assert first.run_dir == (tmp_path / "runs" / "report-a").resolve()
    assert second.run_dir == (tmp_path / "runs" / "report-b").resolve()
    assert (first.run_dir / "fit.nc").is_file() and (second.run_dir / "fit.nc").is_file()
    again = build_report("reports/a", fast=True, notebooks=[], today=FRESH_TODAY, force=True)
    assert again.run_dir == first.run_dir  # the report's own fit is replaced with --force
    made = cli("fit", "--model", "constant_rate", "--out", "runs/report-c", "--preset", "mock")
    assert made.exit_code == 0, made.stderr
    before = (tmp_path / "runs" / "report-c" / "fit.nc").read_bytes()
    result = cli("report", "--out", "reports/c", "--fast", "--force")
    message = refused(result, "runs/report-c", "--run-out", "'forecast fit'")
    assert "for --out" not in message and "--out:" not in message  # names the option meant
    assert (tmp_path / "runs" / "report-c" / "fit.nc").read_bytes() == before
    assert not (tmp_path / "reports" / "c").exists()


def test_the_index_answers_the_shipped_questions_all_things_considered(
    tiny_run, tmp_path, monkeypatch
):
    """The 'what to expect' section: the outlook over all state paths and the questions."""
    import datetime as dt

    import pandas as pd

    import forecast.plots.scenarios
    import forecast.summaries

    calls = []
    # the headline once for the page, its CSVs and the single file; the bands once for them
    # and once in each of the two figures, drawn once
    for module, name in (
        (forecast.summaries, "headline"),
        (forecast.summaries, "monthly"),
        (forecast.plots.scenarios, "monthly"),
    ):
        original = getattr(module, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    paths = build_report(
        tmp_path / "report",
        fast=True,
        run=tiny_run,
        notebooks=[],
        today=dt.date(2026, 1, 15),
        single_file=tmp_path / "report.html",
    )
    assert sorted(calls) == ["headline", "monthly", "monthly", "monthly"]
    index = paths.index.read_text()
    assert '<h2 id="expectations">What to expect, all things considered' in index
    assert 'id="questions"' in index and "Will North Korea conduct a nuclear test in 2026?" in index
    # said in full once (under the headline table), briefly under the other tables
    assert index.count("The question backtest cannot tell these rules apart") == 1
    # the outlook's note over the scenarios' 12 months points to theirs instead of repeating it
    outlook_note = re.search(r'<p id="nuclear-outlook"[^>]*>(.*?)</p>', index).group(1)
    assert outlook_note.endswith("by the other rules: as beside the scenarios above.")
    # beside the headline table and in the nuclear question's answer, the other two rules
    assert 'id="nuclear-headline"' in index and "(a constant rate since 1990: " in index
    assert (
        "; a constant rate in each state group (talks / no talks) along the state paths: " in index
    )
    # the rate by state group follows the run's state model's paths over the 12 months
    from forecast.data import load_tables, monthly_panel
    from forecast.models.events import NUCLEAR_PATHS, NuclearRate
    from forecast.runs import load_outlook, load_run
    from forecast.simulation import state_paths

    panel = monthly_panel(load_tables())
    rows = panel[pd.PeriodIndex(panel["month"], freq="M") <= "2025-12"].reset_index(drop=True)
    # fitted with the run (its outlook.nc keeps every rule), with the run's seed
    seed = int(load_run(tiny_run)[0].sampler.get("random_seed", 1))
    rate = NuclearRate({"half_life": float("inf"), "by_state": True}, random_seed=seed).fit(rows)
    months = pd.period_range("2026-01", periods=24, freq="M")
    paths = state_paths(load_outlook(tiny_run).transitions, months, NUCLEAR_PATHS, 1)
    by_state = rate.p_any(12, states=paths[:, :12])
    assert f"(talks / no talks) along the state paths gives {by_state:.0%}" in index
    # nuclear_rules.csv: every rule over the page's windows, the numbers the notes give
    rules = pd.read_csv(tmp_path / "report" / "nuclear_rules.csv")
    year = rules[(rules["window_start"] == "2026-01") & (rules["window_end"] == "2026-12")]
    assert year["run_rule"].tolist() == [True, False, False]
    assert year["rule"].iloc[0] == "old tests fade with a half-life of 28 months"
    assert year["p_nuclear"].iloc[2] == pytest.approx(by_state, abs=5e-4)
    assert len(rules) == 3 * len(rules[["window_start", "window_end"]].drop_duplicates())

    assert f"<code>{load_outlook(tiny_run).transitions.name}</code>" in index
    # in January 2026 every window starts this month or later: none is marked past
    assert 'class="caution past-window"' not in index
    outlook = pd.read_csv(tmp_path / "report" / "outlook.csv")
    assert outlook["path"].iloc[0] == "all paths" and outlook["share"].iloc[0] == 1.0
    answers = pd.read_csv(tmp_path / "report" / "answers.csv")
    assert len(answers) == 8 and answers["probability"].dropna().between(0, 1).all()
    # an answer whose backfilled record ran low or high says so beside it (the shipped record:
    # "at least 10 launch days" answered 29% on average where 48% came)
    from forecast.evaluation.question_caveats import shipped_record
    from forecast.track_record import record_bias

    bias = record_bias(answers, shipped_record(None))
    assert "launch-days-2026-at-least-10" in set(bias["question"])
    for row in bias.itertuples():
        said = (
            f"answered {row.mean:.0%} on average where {row.came:.0%} came true ({row.n} resolved "
            f"answers from origins {row.first} to {row.last}"
        )
        assert index.count(said) == 1, said
    # in January 2026 the data (to December 2025) are current: no outlook from today, and the
    # scenarios from the data's end are the scenarios from today
    assert 'id="from-today"' not in index and 'id="scenarios-today"' not in index
    assert not (tmp_path / "report" / "outlook_today.csv").exists()
    assert not (tmp_path / "report" / "scenarios_today.csv").exists()


def test_a_scenario_month_the_forecast_has_passed_is_refused_before_the_fit(tmp_path):
    """A scenario file written for an earlier forecast stops the report before its fit: no run
    folder, no report; the shipped file counts its months from the start and always runs."""
    stale = tmp_path / "stale.yaml"
    stale.write_text("horizon: 12\nscenarios:\n  a:\n    states: {2019-11: stalled}\n")
    with pytest.raises(ConfigError, match="line 4: key 'scenarios.a.states.2019-11' is before"):
        build_report(tmp_path / "report", fast=True, notebooks=[], scenarios=stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stale.yaml"]


QUESTION = """  - id: {id}
    title: Any launch?
    resolution: A launch day in the window.
    type: binary
    event: launch_day
    window: {{start: {start}, end: {end}}}
"""


def test_a_question_file_of_ones_own_is_answered_and_an_early_window_left_out(tiny_run, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "questions:\n"
        + QUESTION.format(id="early", start="2025-10", end="2026-03")
        + QUESTION.format(id="spring", start="2026-03", end="2026-05")
        # a shipped question's id and window length for another question: the shipped
        # question's record (29% answered where 48% came true) says nothing about this one
        + QUESTION.format(id="launch-days-2026-at-least-10", start="2026-01", end="2026-12")
    )
    paths = build_report(tmp_path / "report", fast=True, run=tiny_run, notebooks=[], questions=path)
    index = paths.index.read_text()
    assert "Its backfilled track record" not in index
    assert "<p>The questions of <code>mine.yaml</code>" in index
    assert 'id="questions-ahead"' not in index  # the shipped 2027 questions go with 2026's
    assert re.search(r"<tr><td>Any launch\?.*?</td><td>", index)  # "spring" is answered
    assert (
        "Left out because their windows (or a conditional question's given path) begin "
        "before the forecast's first month (January 2026), in months the fit has already "
        "seen: early." in index
    )


def test_a_run_fitted_before_the_datas_end_is_named_as_the_forecasts_origin(tmp_path):
    """A --run fitted to 2019-10 forecasts from the end of its fit, not from the data's end: the
    headings say so, and the outlook from today says its months are not in the fit (the data
    hold most of them)."""
    from forecast.data import load_tables, monthly_panel
    from forecast.models import get_model
    from forecast.outputs import output_dir
    from forecast.runs import fit_run

    run = tmp_path / "run-2019"
    with output_dir(run, "fit") as tmp:
        model = get_model("constant_rate", until="2019-10")
        fit_run(model, monthly_panel(load_tables()), "mock", seed=SEED, out=tmp)
    paths = build_report(
        tmp_path / "report",
        fast=True,
        run=run,
        notebooks=[],
        today=STALE_TODAY,
        scenarios=REPO / "scenarios" / "2019-11-after-stockholm.yaml",
    )
    index = paths.index.read_text()
    origin = "from the end of the run&#x27;s fit (2019-10)"
    assert f'<h2 id="outlook">A forecast {origin}, in the past: November 2019 to' in index
    assert f"What to expect, all things considered: {origin}, November 2019 to" in index
    assert "The run was fitted to October 2019, before the data's last month" in index
    assert "but are <b>not in its fit</b>" in index and "not in the data" not in index
    assert "<code>forecast refit</code>" in index
    # each forecast year is simulated from the fit's end and compared with the year before it in
    # the table: 2019 is its 13 launch days to October plus the draws of November and December,
    # compared with 2018's 0; 2020 with 2019's draws
    assert (
        "2019 (13 observed in 2019-01..2019-10, the rest simulated from the end of the "
        "run&#x27;s fit (2019-10))" in index
    )
    assert "2020 (simulated from the end of the run&#x27;s fit (2019-10))" in index
    assert "P(more than 2018&#x27;s 0)" in index and "P(more than 2019) = " in index
    assert "what the model said from the end of the run&#x27;s fit (2019-10)" in index


def test_the_index_gives_the_outlook_from_today_and_the_year_beside_the_last(tiny_run, tmp_path):
    """Eleven months after the data's end the index forecasts from today's month, the months
    in between simulated and said to be; the forecast year stands beside the observed years;
    P(ICBM) comes with its unknown-class range. Every number on the page is in a CSV."""
    import pandas as pd

    paths = build_report(
        tmp_path / "report", fast=True, run=tiny_run, notebooks=[], today=STALE_TODAY
    )
    index = paths.index.read_text()
    folder = tmp_path / "report"
    assert '<h2 id="from-today">What to expect from today: November 2026 to October 2027' in index
    assert "the 10 months January 2026 to October 2026 have happened" in index
    assert "<b>simulated, not observed</b>" in index
    # the month under way is simulated in full; it and December are in the year 2026 too
    assert "do not add the launches reported in it so far" in index
    assert (
        "November to December 2026 are also in the forecast year 2026 further down: the two "
        "totals overlap, so do not add them." in index
    )
    assert index.index('id="from-today"') < index.index('id="outlook"')
    today = pd.read_csv(folder / "outlook_today.csv")
    assert today["path"].iloc[0] == "all simulations"
    assert all(p.endswith(" in Nov 2026") for p in today["path"].iloc[1:])
    from forecast.report.sections import state_words

    # the page names the states as the figures do (the CSV keeps the codes)
    assert state_words("stays no_talks") == "stays no talks"
    assert state_words("active_talks in Nov 2026") == "Active talks in Nov 2026"
    assert state_words("to summitry") == "to summitry"
    for path in today["path"].iloc[1:]:
        assert f"<td>{state_words(path)}" in index and f"<td>{path}" not in index
    assert today["share"].iloc[1:].sum() == pytest.approx(1.0, abs=0.002)
    months = pd.read_csv(folder / "outlook_today_states.csv")["month"]
    assert (months.iloc[0][:7], months.iloc[-1][:7], len(months)) == ("2026-11", "2027-10", 12)
    first = today.iloc[0]
    cells = rf"</td><td>100%</td><td>{int(first['n']):,}</td><td>{first['mean']:.1f}</td>"
    assert re.search(r"<td>all simulations( <span[^>]*>[^<]*</span>)?" + cells, index)
    # the run's nuclear rate has no state term: every row gives the same P(nuclear test), said so
    table = re.search(r'<table id="from-today-table">(.*?)</table>', index, flags=re.S).group(1)
    nuclear = re.findall(r"<td>([^<]*)</td></tr>", table)
    assert len(nuclear) == len(today) > 1 and set(nuclear) == {f"{first['p_nuclear']:.0%}"}
    assert "n/a" not in table and 'id="nuclear-unsplit"' in index
    # notebook 04 reads the same outlook from today from the same run, day and seed
    from forecast.data import load_tables
    from forecast.outlook_today import read_outlook_today
    from forecast.runs import load_outlook, load_run

    model, _ = load_run(tiny_run)
    reading = read_outlook_today(model, load_outlook(tiny_run), load_tables(), STALE_TODAY)
    for shown, written in (("expected launch days", "mean"), ("P(ICBM launch)", "p_icbm")):
        assert reading.table[shown].tolist() == pytest.approx(
            today[written].tolist(), abs=5e-4
        )  # CSV: 3 decimals
    # why it differs from the 12 months from the data's end: the simulated months, not news
    then = pd.read_csv(folder / "outlook.csv").iloc[0]
    assert (
        f"Over these 12 months the model expects {first['mean']:.1f} launch days on average "
        f"(median {first['median']:.0f}, 80% interval {first['q10']:.0f} to {first['q90']:.0f}), "
        f"against {then['mean']:.1f}" in index
    )
    assert "It comes from the 10 simulated months in between" in index
    # the scenario file again from today's month: its months and 'month N' count from there
    assert (
        '<h2 id="scenarios-today">The scenarios from today: November 2026 to October 2027' in index
    )
    assert index.index('id="from-today"') < index.index('id="scenarios-today"')
    assert index.index('id="scenarios-today"') < index.index('id="outlook"')
    ahead = pd.read_csv(folder / "scenarios_today.csv")
    assert list(ahead["scenario"]) == list(CURRENT)
    assert "Working-level talks resume in month 3 (January 2027)" in set(ahead["label"])
    section = index[index.index('id="scenarios-today"') : index.index('id="outlook"')]
    table = re.search(r'<table id="headline-today"[^>]*>(.*?)</table>', section, flags=re.S)
    cells = re.findall(r"</td><td>([\d.]+)</td><td>(\d+)</td><td>(\d+) to (\d+)</td>", table[1])
    assert cells == [
        (f"{r.mean:.1f}", f"{r.median:.0f}", f"{r.q10:.0f}", f"{r.q90:.0f}")
        for r in ahead.itertuples()
    ]
    # the shipped file started in today's month and simulated with the report's seed
    from forecast.constants import SHIPPED_SCENARIOS
    from forecast.runs import load_outlook, load_run
    from forecast.scenarios import from_today, load_scenarios, simulate_scenarios
    from forecast.summaries import headline

    model, _ = load_run(tiny_run)
    started = from_today(load_scenarios(SHIPPED_SCENARIOS), model.last_month + 1, STALE_TODAY)
    fc = simulate_scenarios(model, started, random_seed=1, outlook=load_outlook(tiny_run))
    direct = headline(fc).table
    np.testing.assert_allclose(ahead["mean"], direct["mean"], atol=5e-4)
    np.testing.assert_array_equal(ahead["q90"], direct["q90"])
    said = " ".join(section.split())
    assert (
        "In the months the data lack, <i>persist</i>, <i>talks_resume</i> and <i>summit</i> "
        "assume no talks, the last observed state, from January 2026 to October 2026; "
        "<i>outlook</i> and <i>summit_announced</i> draw the states of those months from the "
        "state model." in said
    )
    assert 'month 1 is November 2026, so "month 3" is January 2027' in said
    assert (
        "As in the outlook from today above, each simulation first runs through the 10 months "
        "January 2026 to October 2026" in said
    )
    assert index.count("have happened but are") == 1  # said once, in the outlook from today
    assert set(pd.read_csv(folder / "contrasts_today.csv")["reference"]) == {"persist"}
    assert 'id="contrasts-today-list"' in section and 'id="interval-scenarios-today"' in section
    assert "(<code>contrasts_today.csv</code>)" in section
    # month by month: the chart and its CSV start in today's month
    bands = pd.read_csv(folder / "fan_bands_today.csv")
    assert bands["month"].min()[:7] == "2026-11" and bands["month"].max()[:7] == "2027-10"
    assert len(bands) == 12 * len(CURRENT)
    assert (
        'id="fan-today-chart"' in section
        and 'alt="Fan chart of launch days per month by ' in section
    )
    # over the same 12 months as the outlook from today: its other nuclear rules not repeated
    assert "as beside the outlook from today above" in section
    # the forecast year beside the observed ones (2022-2025: 34, 19, 12, 7 launch days)
    years = pd.read_csv(folder / "years.csv")
    assert years["year"].tolist() == [2022, 2023, 2024, 2025, 2026]
    assert years["observed"].iloc[:4].tolist() == [34, 19, 12, 7]
    # a reader of the CSV alone sees that the forecast year is under way on the report's today
    assert years["window_status"].tolist() == ["past"] * 4 + ["partly past"]
    text = (folder / "years.csv").read_text().splitlines()
    # whole counts: 34 launch days observed, 100 simulations (this test's), not 34.0, 100.0
    assert text[1].startswith("2022,observed,34,,,,")
    assert text[-1].startswith("2026,forecast,,,,100,")
    forecast_year = years.iloc[-1]
    assert f"P(more than 2025&#x27;s 7) = {forecast_year['p_more_than_previous']:.0%}" in index
    # on STALE_TODAY (2026-11-25) the first half of 2026 has ended, the year has begun
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", index)
    first_half = [a for q, a in rows if q.startswith("Will North Korea launch an ICBM between")]
    assert first_half and 'data-window="past"' in first_half[0]
    assert (
        "window already past: the model&#x27;s view from the end of its data (2025-12)"
        in (first_half[0])
    )
    year = [a for y, a in rows if y == "2026" and "expected" in a]
    assert year and 'data-window="partly-past"' in year[0] and "2026-01 to 2026-10" in year[0]
    assert 'id="nuclear-today"' in index
    # the first P(nuclear test) of the page, from today, carries the whole explanation, with
    # the rule by state group over today's own months; the scenarios' is brief
    today_note = re.search(r'<p id="nuclear-today"[^>]*>(.*?)</p>', index).group(1)
    assert (
        "cannot tell these rules apart" in today_note
        and "along the state paths gives" in today_note
    )
    # its other rules are the rows of nuclear_rules.csv over today's 12 months
    rules = pd.read_csv(folder / "nuclear_rules.csv")
    mine = rules[(rules["window_start"] == "2026-11") & (rules["window_end"] == "2027-10")]
    assert len(mine) == 3
    for r in mine[~mine["run_rule"]].itertuples():  # the CSV keeps 3 decimals, the page 0
        shown = re.search(rf"{re.escape(r.rule)} gives (\d+)%", today_note).group(1)
        assert abs(int(shown) - 100 * r.p_nuclear) <= 0.55, (r.rule, shown)
    # how the rule fared in the backtest (its window: the 12 months right after the data) is
    # said beside the scenarios' table and, since this rule without states gives the same
    # over any 12 months after the data, beside today's, the number readers quote
    assert f"In the question backtest, {ANSWERED} 0% to 10%" in today_note
    assert today_note.endswith("read this answer as likely too low.")
    headline_note = re.search(r'<p id="nuclear-headline"[^>]*>(.*?)</p>', index).group(1)
    assert f"In the question backtest, {ANSWERED} 0% to 10%" in headline_note
    assert index.count("cannot tell these rules apart") == 1
    # each note names its months: today's are not the 12 after the data
    assert re.search(r"Over the 12 months [A-Z][a-z]+ 20\d\d to [A-Z][a-z]+ 20\d\d, ", today_note)
    assert "over the 12 months after the data by the other rules" in index
    # today's interval: the backtest never scored forecasts that start this far after the data
    interval = re.search(r'<p id="interval-today"[^>]*>(.*?)</p>', index).group(1)
    assert "months after them, over simulated months, which it never scored" in interval
    assert f"by the other rules instead of the run's ({RULE})" in re.search(
        r'<p id="nuclear-headline"[^>]*>(.*?)</p>', index
    ).group(1)
    # P(ICBM): the first way of counting is the outlook's own number, then the recounts
    icbm = pd.read_csv(folder / "icbm_sensitivity.csv")
    outlook = pd.read_csv(folder / "outlook.csv")
    assert icbm["p_icbm_outlook"].iloc[0] == pytest.approx(outlook["p_icbm"].iloc[0], abs=1e-3)
    assert 'id="icbm-caveat"' in index and "16 of 34 launch days" in index
    # and from today: the outlook from today's own number first, then its recounts
    today = pd.read_csv(folder / "outlook_today.csv")
    assert icbm["p_icbm_from_today"].iloc[0] == pytest.approx(today["p_icbm"].iloc[0], abs=1e-3)
    icbm_today = re.search(r'<p id="icbm-today"[^>]*>(.*?)</p>', index).group(1)
    assert icbm_today.startswith("Over the 12 months from today, P(an ICBM launch) is ")
    assert "Read it as a range of " in icbm_today
    # the coding-sensitivity panel of docs/sensitivity, its rows copied beside the page
    from forecast.report.context import SENSITIVITY_DIR

    panel = pd.read_csv(SENSITIVITY_DIR / "sensitivity.csv")
    copied = pd.read_csv(folder / "coding_sensitivity.csv")
    assert copied["alternative"].tolist() == panel["alternative"].tolist()
    assert '<h2 id="sensitivity">' in index and 'id="sensitivity-totals"' in index
    for alternative in panel["alternative"]:
        assert f'data-alternative="{alternative}"' in index
    # made from the data's end (2026-01 on), it is not a forecast from today: said so
    window = re.search(r'<p id="sensitivity-window"[^>]*>(.*?)</p>', index).group(1)
    assert window.startswith(
        "Its scenarios start in January 2026, the month after the end of its fit, as the "
        "report's scenarios from the data's end do: on the report's day (2026-11-25) the 10 "
        "months January 2026 to October 2026 have passed, and the panel"
    )


def test_the_coding_panel_made_from_today_needs_no_caution():
    from forecast.report.evidence import _sensitivity_window

    table = pd.DataFrame({"fitted_to": ["2025-12"]})
    assert _sensitivity_window(table, dt.date(2026, 1, 5)) == ""
    one = _sensitivity_window(table, dt.date(2026, 2, 1))
    assert "start in January 2026, the month after the end of its fit: " in one
    assert "(2026-02-01) January 2026 has passed, and" in one
    # a run refitted on later data starts elsewhere: not said to start as it does
    later = _sensitivity_window(table, dt.date(2026, 12, 8), pd.Period("2026-07", "M"))
    assert "as the report's" not in later
    assert "the 11 months January 2026 to November 2026 have passed" in later


@pytest.mark.slow
def test_the_index_says_how_far_to_trust_the_numbers(index):
    from forecast.evaluation import read_summary
    from forecast.evaluation.findings import evidence_findings
    from forecast.models import DEFAULT_MODEL
    from forecast.report import EVALUATION_DIR

    assert 'id="trust"' in index and 'id="trust-table"' in index
    tables, _ = read_summary(EVALUATION_DIR)
    verdict = evidence_findings(tables["evidence"], tables.get("after_changes"), DEFAULT_MODEL)[-1]
    assert verdict.replace("'", "&#x27;") in index
    # the section comes after the forecasts it qualifies, before the diagnostics
    assert index.index('id="outlook"') < index.index('id="trust"') < index.index('id="diagnostics"')


# --- the figures and charts the index draws ---------------------------------------------------


@pytest.fixture(scope="module")
def small_forecast(tiny_run):
    """The shipped scenarios simulated from the stand-in run (its numbers mean nothing)."""
    from forecast.constants import SHIPPED_SCENARIOS
    from forecast.runs import load_outlook, load_run
    from forecast.scenarios import load_scenarios, simulate_scenarios

    model, _ = load_run(tiny_run)
    scenarios = load_scenarios(SHIPPED_SCENARIOS)
    forecast = simulate_scenarios(
        model, scenarios, random_seed=SEED, outlook=load_outlook(tiny_run)
    )
    return model, forecast


def test_the_history_reads_by_year_with_the_state_beneath(panel):
    """One bar per year and class group (not 432 monthly bars), the months of each state
    beneath, then the last three years month by month."""
    from forecast.constants import STATES
    from forecast.plots import CLASS_GROUPS, history_by_year, plot_history, plot_recent_months

    table = history_by_year(panel)
    years = sorted(set(pd.to_datetime(panel["month"]).dt.year))
    assert table["year"].tolist() == years
    assert (table[list(STATES)].sum(axis=1) == table["months"]).all()
    assert table["launch_days"].sum() == panel["launch_days"].sum()
    assert (table[list(CLASS_GROUPS)].sum(axis=1) >= table["launch_days"]).all()
    ax = plot_history(panel)
    bars = [p for p in ax.patches if p.get_height() > 0]
    assert len(bars) <= len(years) * len(CLASS_GROUPS)
    assert "per year" in ax.get_ylabel() and f"{years[0]}-{years[-1]}" in ax.get_title()
    strip = ax.figure.axes[1]
    assert strip.get_xlabel() == "Year" and strip.get_ylim() == (0, 12)
    assert "state" in strip.get_ylabel()
    # the group that holds the launches CNS could not class says so in the legend
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "SLBM/SLV/other (incl. unknown class) launch days" in texts
    assert "ICBM launch days" in texts
    ax = plot_recent_months(panel, years=3)
    last = pd.Timestamp(panel["month"].iloc[-1])
    assert f"to {last:%b %Y}" in ax.get_title() and ax.get_ylabel() == "Launch days per month"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "SLBM/SLV/other (incl. unknown class)" in texts


def test_scenario_panels_draw_each_band_alone_in_its_colour(small_forecast):
    from matplotlib.colors import to_hex
    from matplotlib.patches import StepPatch

    from forecast.plots import plot_scenario_panels, scenario_colors

    _, forecast = small_forecast
    axes = plot_scenario_panels(forecast)
    shown = [ax for ax in axes.flat if ax.get_visible()]
    order = ["persist", *(n for n in forecast.scenarios if n != "persist")]
    # each label whole, on lines short enough not to run into the next panel's title
    titles = [ax.get_title() for ax in shown]
    assert [t.replace("\n", " ") for t in titles] == [forecast.labels[n] for n in order]
    assert max(len(line) for t in titles for line in t.splitlines()) <= 60
    assert any("\n" in t for t in titles)  # the summit's label is longer than a line
    colors = scenario_colors(forecast.scenarios)
    for ax, name in zip(shown, order, strict=True):
        steps = [p for p in ax.patches if isinstance(p, StepPatch)]
        filled = {to_hex(p.get_facecolor()) for p in steps if p.get_fill()}
        assert filled == {to_hex(colors[name])}, name  # its own bands only
        dashed = [p for p in steps if not p.get_fill() and p.get_linestyle() == "--"]
        assert len(dashed) == (0 if name == "persist" else 1)  # the reference's mean
        assert ax.get_ylim()[0] == 0


def test_the_charts_draw_the_summaries_numbers(small_forecast):
    """The fan chart's specification holds :func:`forecast.summaries.monthly`'s bands, one
    checkbox per scenario, and user text that cannot end its ``<script>``."""
    import json

    from forecast.report.scenario_charts import fan_chart_spec
    from forecast.report.vega import chart_html
    from forecast.summaries import monthly

    model, forecast = small_forecast
    bands = monthly(forecast)
    spec = fan_chart_spec(bands, model.training.tail(24), "launch_days")
    values = spec["layer"][2]["data"]["values"]
    assert [round(v["q90"], 6) for v in values] == [round(x, 6) for x in bands["q90"]]
    checkboxes = [p for p in spec["params"] if p["bind"]["input"] == "checkbox"]
    assert [p["bind"]["name"] for p in checkboxes] == list(forecast.labels.values())
    hostile = bands.assign(label="</script><script>alert(1)</script>")
    page = chart_html("fan-chart", fan_chart_spec(hostile, model.training.tail(24), "launch_days"))
    assert "</script><script>" not in page and page.count("</script>") == 1
    embedded = re.search(r'class="vl-spec"[^>]*>(.*?)</script>', page, flags=re.S).group(1)
    assert json.loads(embedded)["params"][1]["bind"]["name"].startswith("</script>")


def test_a_live_chart_carries_its_static_figures_title(small_forecast):
    """A screenshot of an interactive chart says what it shows, as its PNG does: the fan chart
    (every scenario's bands: its menu chooses whose) and the chart of P(each state) have the
    static figures' titles (the page's two state charts, from the data's end and from today,
    differ by their months)."""
    import matplotlib.pyplot as plt

    from forecast.plots import plot_scenarios, plot_state_probabilities
    from forecast.report.scenario_charts import fan_chart_spec
    from forecast.report.state_skill_charts import state_probability_spec
    from forecast.summaries import monthly

    model, forecast = small_forecast
    spec = fan_chart_spec(monthly(forecast), model.training.tail(24), "launch_days")
    # the static figure names whose bands it draws; the live chart's menu chooses them
    ax = plot_scenarios(forecast, model.training, bands=list(forecast.scenarios))
    assert spec["title"]["text"] == ax.get_title()
    assert spec["title"]["text"].startswith(f"Forecast by scenario from {forecast.months[0]:%B %Y}")
    plt.close(ax.figure)
    states = pd.DataFrame(
        {"month": pd.date_range("2026-12-01", periods=12, freq="MS")}
        | {s: 0.25 for s in ("no_talks", "stalled", "active_talks", "summitry")}
    )
    ax = plot_state_probabilities(states)
    title = state_probability_spec(states)["title"]["text"]
    assert title == ax.get_title() and "Dec 2026 to Nov 2027" in title
    plt.close(ax.figure)


def test_the_panels_name_the_forecasts_target(small_forecast):
    """The per-scenario panels title their y axis with the target, as the fan chart does."""
    import json

    from forecast.report.scenario_charts import scenario_panels_spec
    from forecast.summaries import monthly

    _, forecast = small_forecast
    bands = monthly(forecast)
    for target, title in (
        ("launch_days", "Launch days per month"),
        ("missiles", "Missiles per month"),
    ):
        spec = json.dumps(scenario_panels_spec(bands, forecast.scenarios[0], target=target))
        assert f'"title": "{title}"' in spec
        assert ("Missiles" in spec) == (target == "missiles")


# --- the notebooks, as the report executed them ---------------------------------------------

NOTEBOOKS = notebook_paths()


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_fast_mode(path, fast_report):
    """The report fixture executed every notebook with papermill (FAST=True, SEED)."""
    executed = nbformat.read(fast_report / "notebooks" / path.name, as_version=4)
    params = executed.metadata["papermill"]["parameters"]
    assert params["FAST"] is True and params["SEED"] == SEED
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors
    images = sum(
        1
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    )
    assert images >= 1, f"{path.name} drew no figure"


@pytest.mark.slow
def test_notebook_04_shows_the_explorer_as_a_figure_and_a_table(fast_report, report_dir):
    """Headless (papermill), the explorer makes no widget: its starting path is a figure and
    the headline table, which the notebook page shows like any output."""
    executed = nbformat.read(fast_report / "notebooks" / "04_scenarios.ipynb", as_version=4)
    cells = [c for c in executed.cells if c.cell_type == "code" and "explore(" in c.source]
    assert len(cells) == 1
    outputs = cells[0].outputs
    assert ["image/png", "text/plain"] in [sorted(o.get("data", {})) for o in outputs]
    table = next(o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {}))
    assert "80% interval" in table and "P(at least one)" in table and "persists" in table
    # built on a day months after the data's end: the path starts in that day's month
    assert "Both start in today's month" in table and "since the data's end" in table
    assert "widgets" not in executed.metadata  # no widget state for a page to carry
    page = (report_dir / "04_scenarios.html").read_text()
    assert "widget-view" not in page and "widget-state" not in page


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_output_has_no_warnings(path, fast_report):
    """Executed notebooks show our output only: no library warning reaches a reader.

    Harmless library noise is filtered once, in :mod:`forecast.noise`; anything else has a cause
    to fix. (No wall-time check here: time limits live in the benchmarks.)
    """
    executed = nbformat.read(fast_report / "notebooks" / path.name, as_version=4)
    warned = [
        (i, o.text.strip()[:300])
        for i, c in enumerate(executed.cells)
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr" and "warn" in o.text.lower()
    ]
    assert not warned, f"{path.name} printed warnings: {warned}"


def test_the_questions_backtested_and_the_track_record_are_on_the_index(tables, panel):
    """The strict question backtest and the backfilled track record of docs/, each a table and
    the sentences computed from the same CSV."""
    import pandas as pd

    from forecast.evaluation.question_skill import question_findings
    from forecast.freshness import data_freshness
    from forecast.report.context import EVALUATION_DIR, ReportContext, class_words
    from forecast.report.evidence import questions_section

    ctx = ReportContext(tables, panel, data_freshness(tables, today=FRESH_TODAY))
    page = questions_section(ctx)
    table = pd.read_csv(EVALUATION_DIR / "questions.csv")
    assert 'id="questions-skill"' in page
    assert 'id="question-reliability"' in page  # the reliability diagrams, one per family
    for sentence in question_findings(table):  # the class group of unknowns labelled so
        assert html.escape(class_words(sentence)) in page
    assert "SLBM/SLV/other (incl. unknown class)" in page
    assert "SLBM/SLV/other missile" not in page
    assert page.count("<tr>") >= len(table)  # a row per family (and the header)
    # the strongest naive answer is named by its rule, never by the code "naive"
    assert "<td>naive " not in page and "<td>longrun " not in page
    if (table["baseline"] == "naive").any():
        assert "<td>recent_rate forecast " in page
    # a CRPS is in the count's unit; a Brier score has none
    count = table[table["family"] == "launch-days-12m"].iloc[0]
    assert f"<td>CRPS {count['crps']:.3f} launch days</td>" in page
    assert f"forecast (CRPS {count['baseline_score']:.3f} launch days)</td>" in page
    # the naive answer's column holds its score, said as a score (not a base rate of 0.148)
    longrun = table[table["baseline"] == "longrun"].iloc[0]
    assert f"<td>long-run base rate (Brier {longrun['baseline_score']:.3f})</td>" in page
    brier = table[table["score_kind"] == "brier"].iloc[0]
    assert f"<td>Brier {brier['brier']:.3f}</td>" in page
    assert 'id="track-record-table"' in page and "<b>backfilled</b>" in page
    assert 'id="track-record-ids"' in page and "&lt;NA&gt;" not in page
    assert 'id="track-record-reliability"' in page  # the record's calibration plot
    # the record is scored on the report's own data: on data to 2024-12 the answers about
    # 2025 wait, and they join it once the months are there
    from forecast.track_record import TRACK_RECORD_DIR, track_record_tables

    last = pd.Period(pd.to_datetime(panel["month"]).max(), "M")
    waiting = (track_record_tables(TRACK_RECORD_DIR, panel)["record"]["status"] == "waiting").sum()
    assert f"Resolved and scored on the data this report was built from, to {last}." in page
    assert f"{waiting:,} answers whose windows end after {last} wait" in page
    early = panel[pd.to_datetime(panel["month"]) < "2025-01-01"].reset_index(drop=True)
    earlier = questions_section(ReportContext(tables, early, ctx.freshness))
    record = track_record_tables(TRACK_RECORD_DIR, early)["record"]
    later = (record["status"] == "waiting").sum()
    assert later > waiting and f"{later:,} answers whose windows end after 2024-12 wait" in earlier
    # where the state model misses, by the state at the cutoff: one sentence per state family
    from forecast.evaluation.question_skill import origin_state_findings

    by_state = origin_state_findings(pd.read_csv(EVALUATION_DIR / "questions_by_state.csv"))
    assert len(by_state) == 4 and 'id="questions-by-state"' in page
    for sentence in by_state:
        assert html.escape(sentence) in page


def test_frozen_answers_join_the_track_record_scored_on_the_reports_data(tmp_path, tables, panel):
    """Answers frozen by 'forecast questions' (here: one record of the backfilled track
    record, written as the answers.json it rebuilds) join the record on the index: a table of
    each answer as the ledger scores it, the scores pooled in words, the CSV beside the page;
    without a folder the page says how to start one; a missing folder is refused up front."""
    import json

    from forecast.constants import FROZEN_FILE
    from forecast.freshness import data_freshness
    from forecast.ledger import answers_ledger
    from forecast.report.build import frozen_answers
    from forecast.report.context import ReportContext
    from forecast.report.evidence import questions_section
    from forecast.track_record import answers_record, read_track_record

    record = next(r for r in read_track_record()["records"] if r["origin"] == "2013-03")
    folder = tmp_path / "answers" / "made-2013-03"
    folder.mkdir(parents=True)
    (folder / "answers.json").write_text(json.dumps(answers_record(record)), encoding="utf-8")
    fresh = data_freshness(tables, today=FRESH_TODAY)
    where, frozen = frozen_answers(tmp_path / "answers", panel)
    ledger = answers_ledger(tmp_path / "answers", panel)
    assert where == (tmp_path / "answers").resolve() and frozen.equals(ledger)
    ctx = ReportContext(tables, panel, fresh, frozen=frozen, frozen_dir=where)
    page = questions_section(ctx)
    assert 'id="frozen-answers-table"' in page
    rows = page.split('id="frozen-answers-table"')[1].split("</table>")[0]
    assert rows.count("</tr>") == len(record["answers"]) + 1  # and the header
    done = ledger[ledger["status"] == "resolved"]
    binary = done[done["answer_type"] == "binary"]  # a conditional yes/no question too
    assert (binary["type"] == "conditional").any() and binary["brier"].notna().all()
    # its windows (2013-14) are all in the data: none waits (a conditional one whose path did
    # not come is annulled)
    assert set(ledger["status"]) <= {"resolved", "annulled"} and len(done) > 0
    assert (
        f"{len(done)} of {len(record['answers'])} resolved on the data to 2025-12, "
        f"{len(ledger) - len(done)} annulled (a condition that did not come). Mean Brier "
        f"score {binary['brier'].mean():.3f} over {len(binary)} yes/no; "
        f"{len(done) - len(binary)} counts and dates scored by CRPS in the table."
    ) in page
    assert "made-2013-03" in page
    assert f"<code>{FROZEN_FILE}</code> beside this page" in page
    # the CSV's columns are all in the data dictionary beside it
    from forecast.columns import column_meanings
    from forecast.present import readable

    explained = column_meanings({FROZEN_FILE: readable(frozen, 3)}, strict=True)
    assert list(explained["column"][: len(frozen.columns)]) == list(frozen.columns)
    # no folder: how to start one; an empty one: says so
    assert "Forecasts made at the time join the record" in questions_section(
        ReportContext(tables, panel, fresh)
    )
    (tmp_path / "empty").mkdir()
    where, none = frozen_answers(tmp_path / "empty", panel)
    empty = questions_section(ReportContext(tables, panel, fresh, frozen=none, frozen_dir=where))
    assert "No frozen answers in" in empty and "frozen-answers-table" not in empty
    # a record whose question text no longer parses is refused naming its folder
    broken = tmp_path / "broken" / "old-answers"
    broken.mkdir(parents=True)
    damaged = {**answers_record(record), "questions_text": "questions: [{id: a, type: odd}]"}
    (broken / "answers.json").write_text(json.dumps(damaged), encoding="utf-8")
    with pytest.raises(RunFileError, match=r"old-answers.answers\.json: .*move .*old-answers"):
        frozen_answers(tmp_path / "broken", panel)
    # a folder that is not there is refused before anything is fitted or written
    result = subprocess.run(
        [sys.executable, FORECAST_CLI, "report", "--out", "r", "--answers", "nowhere", "--fast"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nowhere" in result.stderr and "not found" in result.stderr
    assert not (tmp_path / "r").exists() and not (tmp_path / "runs").exists()


def test_the_trust_section_speaks_of_every_protocol_kept(tmp_path, tables, panel):
    """Missiles and the daily model's protocol (with its ablation), when their folders are
    kept beside the main one, each add their sentences."""
    import shutil

    from forecast.evaluation.findings import band_sentence
    from forecast.freshness import data_freshness
    from forecast.report.context import EVALUATION_DIR, ReportContext
    from forecast.report.evidence import trust_section

    folder = tmp_path / "evaluation"
    shutil.copytree(
        EVALUATION_DIR, folder, ignore=shutil.ignore_patterns("missiles", "daily", "daily-24*")
    )
    (folder / "missiles").mkdir()
    for name in ("by_band.csv", "settings.json"):
        shutil.copy(EVALUATION_DIR / name, folder / "missiles" / name)
    ctx = ReportContext(tables, panel, data_freshness(tables, today=FRESH_TODAY))
    page = trust_section(ctx, folder)
    by_band = pd.read_csv(folder / "missiles" / "by_band.csv")
    from forecast.models import DEFAULT_MODEL

    expected = band_sentence(by_band, DEFAULT_MODEL, "Scored on CNS missile counts instead")
    assert expected and html.escape(expected[0]) in page
    # the daily protocol was run beside the default, ar_level: its sentence, and one for each
    # pool of the daily model with it
    shutil.copytree(EVALUATION_DIR / "daily", folder / "daily")
    page = trust_section(ctx, folder)
    daily = pd.read_csv(folder / "daily" / "by_band.csv")
    said = band_sentence(daily, "ar_level", "On the same cutoffs")
    assert said and html.escape(said[0]) in page
    # a pool mixes with equal weights, a stack with weights learned from the past
    for pool, how in (
        ("pool:ar_level+daily_exciting", "Pooled"),
        ("stack:ar_level+daily_exciting", "Stacked (weights learned from the past)"),
    ):
        said = band_sentence(daily, pool, f"{how} with ar_level")
        assert said and html.escape(said[0]) in page
    # a second daily protocol (make ablation-daily) follows the first, introduced by its own
    # cutoffs and the terms its variants leave out, and the model is described once
    assert "backtested again" not in page
    import json

    shutil.copytree(EVALUATION_DIR / "daily", folder / "daily-240")
    settings = json.loads((folder / "daily-240" / "settings.json").read_text())
    settings["cutoffs"] = [str(p) for p in pd.period_range("2005-01", "2024-12", freq="M")]
    settings["models"] = ["daily_exciting", "daily_no_excitation", "daily_no_change", "ar_level"]
    (folder / "daily-240" / "settings.json").write_text(json.dumps(settings))
    ablation = pd.read_csv(folder / "daily-240" / "ablation.csv")  # the two terms it left out
    ablation = ablation[ablation["term"].isin(["excitation", "change"])]
    ablation.to_csv(folder / "daily-240" / "ablation.csv", index=False)
    page = trust_section(ctx, folder)
    again = (
        "daily_exciting was backtested again on 240 cutoffs every month, 2005-01 to 2024-12, its "
        "excitation and change terms left out in turn (more cutoffs than the 40 above: where a "
        "verdict differs, read this one):"
    )
    assert page.count("A daily model, daily_exciting (") == 1
    assert page.index("backtested on 40 cutoffs every 6 months") < page.index(html.escape(again))


def _ablation_table(rows, n: int, width: float) -> pd.DataFrame:
    """An ablation table by hand: ``(term, model, variant, band, gain)`` per row, each gain
    with a 90% interval of +-``width``."""
    from forecast.evaluation.ablation import ABLATION_COLUMNS

    return pd.DataFrame(
        [
            dict(zip(ABLATION_COLUMNS[:4], r[:4], strict=True))
            | {"n": n, "crps_with": 0.4, "crps_without": 0.4 / (1 - r[4]), "gain": r[4]}
            | {"gain_lo": r[4] - width, "gain_hi": r[4] + width}
            | {"pit_cov_80_with": 0.8, "pit_cov_80_without": 0.8}
            for r in rows
        ],
        columns=list(ABLATION_COLUMNS),
    )


def _keep(folder, name: str, table: pd.DataFrame, every: int) -> None:
    """``table`` kept as ``folder/name/ablation.csv`` with the cutoffs 2005-2024 every
    ``every`` months in its settings."""
    import json

    (folder / name).mkdir()
    table.to_csv(folder / name / "ablation.csv", index=False)
    cutoffs = [str(p) for p in pd.period_range("2005-01", "2024-12", freq=f"{every}M")]
    (folder / name / "settings.json").write_text(json.dumps({"cutoffs": cutoffs}))


def test_the_trust_section_says_what_each_term_of_the_default_earns(tmp_path, tables, panel):
    """The default's ablation (``make ablation``), kept in its own folder with its lean form
    (season and exercise left out together): a lead that names the cutoffs and the terms, one
    sentence per term and per group, then whether the table agrees with the default's choice,
    with the ablation's own 12-month totals."""
    import shutil

    from forecast.evaluation.ablation import ablation_findings
    from forecast.report.context import EVALUATION_DIR

    folder = tmp_path / "evaluation"
    shutil.copytree(EVALUATION_DIR, folder, ignore=shutil.ignore_patterns("ablation"))

    table = _ablation_table(
        [
            ("state", "ar_level", "ar_level_no_state", band, gain)
            for band, gain in (("1-3", 0.02), ("4-6", -0.01), ("7-12", 0.0))
        ]
        + [("season", "ar_level", "ar_level_no_season", "1-3", 0.05)]
        + [
            ("season and exercise", "ar_level", "ar_level_lean", band, 0.01)
            for band in ("1-3", "4-6", "7-12")
        ],
        n=720,
        width=0.01,
    )
    _keep(folder, "ablation", table, every=1)
    # the ablation's own 12-month totals: the lean form scores the lower CRPS there
    totals = pd.DataFrame(
        {
            "model": ["ar_level", "ar_level_lean", "ar_level"],
            "state_path": ["persist", "persist", "observed"],
            "horizon": [12, 12, 12],
            "crps": [3.30, 3.25, 1.0],
            "crps_skill": [0.17, 0.18, 0.5],
        }
    )
    totals.to_csv(folder / "ablation" / "totals.csv", index=False)
    page = _trust_page(tables, panel, folder)
    lead = (
        "Each term of ar_level (state and season) was left out in turn and the variant backtested "
        "on the same 240 cutoffs, 2005-01 to 2024-12 (the state held at each cutoff); the "
        "season and exercise terms were also left out together (ar_level_lean); the sentences "
        "below"
    )
    assert lead in page
    words = ablation_findings(table, default="default", totals=totals)
    assert len(words) == 4 and all(html.escape(w) in page for w in words)
    assert page.index(lead) < page.index(html.escape(words[0]))
    # one sentence for the two terms left out together, then whether the default agrees
    assert words[2].startswith("The season and exercise terms of ar_level, left out together")
    assert words[3].startswith("The default, ar_level, keeps its season and exercise terms: it")
    assert (  # 1 - 3.25 / 3.30
        "on the 12-month totals of the same folds, though, ar_level_lean scores a 1.5% lower "
        "CRPS than ar_level (skill +18.0% against +17.0%)" in words[3]
    )


def _trust_page(tables, panel, folder) -> str:
    """The report's trust section built from the evaluation tables in ``folder``."""
    from forecast.freshness import data_freshness
    from forecast.report.context import ReportContext
    from forecast.report.evidence import trust_section

    ctx = ReportContext(tables, panel, data_freshness(tables, today=FRESH_TODAY))
    return trust_section(ctx, folder)


def test_the_trust_section_says_what_the_weapon_class_split_earns(tmp_path, tables, panel):
    """make ablation-class, kept in docs/evaluation/class: a lead naming the pair of models and
    the cutoffs, then the component's sentence."""
    import shutil

    from forecast.evaluation.ablation import ablation_findings
    from forecast.report.context import EVALUATION_DIR

    folder = tmp_path / "evaluation"
    shutil.copytree(EVALUATION_DIR, folder, ignore=shutil.ignore_patterns("class"))
    table = _ablation_table(
        [
            ("class", "class_hierarchical", "state_rate", band, gain)
            for band, gain in (("1-3", -0.05), ("4-6", 0.0), ("7-12", 0.01))
        ],
        n=120,
        width=0.03,
    )
    _keep(folder, "class", table, every=6)
    page = _trust_page(tables, panel, folder)
    lead = (
        "On 40 cutoffs every 6 months, 2005-01 to 2024-07, class_hierarchical against "
        "state_rate, which lacks its class component (the state held at each cutoff):"
    )
    assert lead in page
    [sentence] = ablation_findings(table)
    assert sentence.endswith("it hurts credibly at 1-3 months.")
    assert page.index(lead) < page.index(html.escape(sentence))


def test_the_trust_section_says_what_the_phased_state_shift_costs(tables, panel):
    """make ablation-phased, kept in docs/evaluation/phased: the shipped tables give a lead with
    monthly cutoffs ("every month", not "every 1 months") and the sentence of the table."""
    from forecast.evaluation.ablation import ablation_findings
    from forecast.report.context import EVALUATION_DIR

    page = _trust_page(tables, panel, EVALUATION_DIR)
    lead = (
        "On 240 cutoffs every month, 2005-01 to 2024-12, ar_level_phased against ar_level, "
        "which lacks its phase-in of the changes of state inside its fit, while both phase in "
        "the changes on a forecast's path (the state held at each cutoff):"
    )
    assert html.escape(lead) in page
    table = pd.read_csv(EVALUATION_DIR / "phased" / "ablation.csv")
    [sentence] = ablation_findings(table)
    assert sentence.startswith("The phase-in term of ar_level_phased: gain -0.8% at 1-3 months")
    assert page.index(html.escape(lead)) < page.index(html.escape(sentence))


def test_a_flagged_path_row_comes_with_its_explanation(tiny_run, tmp_path, monkeypatch):
    """Each explanation of a heavy-tailed path row (evaluation.tails) is printed under the
    outlook's table, escaped."""
    import forecast.report.build as build

    said = pd.DataFrame({"text": ["'to stalled' rests on one <simulation> of 221 launch days."]})
    monkeypatch.setattr(build, "explain_tails", lambda forecast: said)
    paths = build_report(tmp_path / "report", fast=True, run=tiny_run, notebooks=[])
    index = paths.index.read_text()
    assert '<p class="caution tail">' + html.escape(said["text"][0]) + "</p>" in index


def test_the_track_record_table_reads_like_the_rest_of_the_page(tmp_path):
    """Readable headers, n/a where a score does not apply, percentages, skill signed, CRPS in
    its unit (from the answers of the record: launch days, months for a date)."""
    from forecast.report.evidence import RECORD_COLUMNS, readable_table

    summary = pd.DataFrame(
        {
            "question": ["icbm-2026h1", "launch-days-2026", "next-icbm-month", "all binary"],
            "type": ["binary", "numeric", "date", "binary"],
            "asked": [64, 64, 64, 320],
            "resolved": [62, 60, 60, 282],
            "waiting": pd.array([2, 4, 4, pd.NA], dtype="Int64"),
            "annulled": pd.array([0, 0, 0, pd.NA], dtype="Int64"),
            "frequency": [0.2097, np.nan, np.nan, 0.2801],
            "mean_probability": [0.2118, np.nan, np.nan, 0.2571],
            "brier": [0.1282, np.nan, np.nan, 0.1743],
            "brier_base": [0.1937, np.nan, np.nan, 0.2214],
            "log_score": [0.4202, np.nan, np.nan, 0.5356],
            "crps": [np.nan, 4.4096, 1.5021, np.nan],
            "skill": [0.338, np.nan, np.nan, -0.0004],
        }
    )
    units = {"launch-days-2026": "launch days", "next-icbm-month": "months"}
    shown = readable_table(summary, units).set_index(RECORD_COLUMNS["question"])
    assert list(shown.columns) == list(RECORD_COLUMNS.values())[1:]
    assert shown.loc["icbm-2026h1", "Brier skill vs the base rate (positive = better)"] == "+33.8%"
    # as the sentences print it: a share that is not zero keeps its first digit
    assert shown.loc["all binary", "Brier skill vs the base rate (positive = better)"] == "-0.04%"
    assert shown.loc["icbm-2026h1", "Mean probability"] == "21.2%"
    assert shown.loc["launch-days-2026", "Mean CRPS (lower is better)"] == "4.41 launch days"
    assert shown.loc["next-icbm-month", "Mean CRPS (lower is better)"] == "1.50 months"
    assert shown.loc["all binary", "Waiting"] == "n/a"
    assert shown.loc["icbm-2026h1", "Mean CRPS (lower is better)"] == "n/a"
    assert not shown.isin(["", "<NA>", "nan"]).any().any()


def test_a_run_folder_is_named_without_the_builders_path(tmp_path):
    from forecast.report.context import shown_path

    assert shown_path(tmp_path / "runs" / "report-latest", tmp_path) == "runs/report-latest"
    assert shown_path(tmp_path / "runs" / "r", tmp_path / "elsewhere") == "r"


def test_the_launch_day_family_is_told_apart_from_the_protocols_total(tmp_path):
    import json

    from forecast.models import DEFAULT_MODEL
    from forecast.report.evidence import _launch_family_note

    families = pd.DataFrame(
        {
            "family": ["launch-days-12m"],
            "title": ["Launch days in the next 12 months"],
            "n": [100],
            "first_cutoff": ["2000-01"],
            "skill": [0.18],
        }
    )
    pd.DataFrame(
        {
            "model": [DEFAULT_MODEL, DEFAULT_MODEL],
            "state_path": ["transition", "persist"],
            "n": [240, 240],
            "crps_skill": [0.1, 0.17],
        }
    ).to_csv(tmp_path / "totals.csv", index=False)
    assert _launch_family_note(families, tmp_path) == ""  # no settings: nothing said
    (tmp_path / "questions_settings.json").write_text(json.dumps({"count_every": 3}))
    note = _launch_family_note(families, tmp_path)
    assert "(+18.0%) is asked at 100 cutoffs, every third month from 2000-01" in note
    assert "(+17.0%) is scored at 240 cutoffs, every month, with the state held" in note
    assert _launch_family_note(families.assign(family="icbm-6m"), tmp_path) == ""


def test_a_table_of_totals_carries_its_window_and_whether_it_has_begun():
    from forecast.freshness import window_columns

    months = pd.period_range("2026-01", periods=12, freq="M")
    table = pd.DataFrame({"scenario": ["persist", "talks"], "mean": [9.1, 7.8]})
    end = pd.Timestamp("2025-12-31")

    def status(today) -> list:
        out = window_columns(table, months, end, today)
        assert list(out.columns) == [
            *table.columns,
            "window_start",
            "window_end",
            "data_as_of",
            "window_status",
        ]
        assert out[
            ["window_start", "window_end", "data_as_of"]
        ].drop_duplicates().values.tolist() == [["2026-01", "2026-12", "2025-12-31"]]
        return out["window_status"].unique().tolist()

    assert status(dt.date(2025, 12, 31)) == ["future"]
    assert status(dt.date(2026, 1, 1)) == ["future"]  # today's month is not past
    assert status(dt.date(2026, 2, 1)) == ["partly past"]
    assert status(dt.date(2027, 1, 1)) == ["past"]


def test_the_fan_charts_mark_today_inside_the_forecast(small_forecast):
    """A forecast from the data's end read months later: a dotted line at today (the months
    left of it have passed); none when today is outside the forecast."""
    from matplotlib.lines import Line2D

    from forecast.plots import plot_scenarios
    from forecast.report.scenario_charts import fan_chart_spec
    from forecast.summaries import monthly

    model, forecast = small_forecast
    first = forecast.months[0].to_timestamp()
    inside, after = (first + pd.DateOffset(months=5, days=14)).date(), dt.date(2099, 1, 1)

    def today_lines(today) -> list[str]:
        ax = plot_scenarios(forecast, model.training, today=today)
        lines = [line.get_label() for line in ax.get_lines() if isinstance(line, Line2D)]
        return [label for label in lines if label.startswith("Today")]

    assert today_lines(inside) == [f"Today ({pd.Timestamp(inside):%d %b %Y})"]
    assert today_lines(after) == [] and today_lines(None) == []
    bands = monthly(forecast)

    def marks(today) -> list:
        spec = fan_chart_spec(bands, model.training.tail(24), forecast.target, today=today)
        return [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "rule"]

    (rule,) = marks(inside)
    assert rule["data"]["values"][0]["start"] == f"{inside:%Y-%m-%d}"
    assert marks(after) == [] and marks(None) == []


def test_the_drift_paragraph_names_the_fit_end_and_compares_like_with_like():
    """The outlook from today against the one from the end of the fit: said only over as many
    months, the spread explanation only when the spread and the mean grew, and 'the fit's end'
    for a run fitted before the data's end (those months are in the data, not in the fit)."""
    from types import SimpleNamespace

    from forecast.report.sections import _drift_words

    def row(mean, median, q10, q90) -> pd.DataFrame:
        return pd.DataFrame([{"mean": mean, "median": median, "q10": q10, "q90": q90}])

    months = pd.date_range("2026-01-01", periods=12, freq="MS")
    outlook = {"states": pd.DataFrame({"month": months}), "totals": row(8.9, 7, 2, 18)}
    ctx = SimpleNamespace(outlook=outlook, fit_reaches_data_end=True)
    wider = _drift_words(ctx, row(10.4, 7, 2, 22), 12, 11)
    assert "for the 12 months from the data's end below" in wider
    assert "no launch after the data's end is in the data" in wider
    assert "raises their mean" in wider
    lower = _drift_words(ctx, row(7.5, 6, 2, 15), 12, 11)
    assert (
        lower.startswith("<p>Over these 12 months the model expects 7.5")
        and "raises their mean" not in lower
    )
    assert _drift_words(ctx, row(10.4, 7, 2, 22), 9, 11) == ""  # 9 months against 12
    early = SimpleNamespace(outlook=outlook, fit_reaches_data_end=False)
    text = _drift_words(early, row(10.4, 7, 2, 22), 12, 11)
    assert "from the fit's end below" in text and "the fit has no month after its end" in text


def test_the_nuclear_note_says_how_the_rule_fared_near_its_answer(tmp_path):
    """P(nuclear test) of 6% from the 28-month half-life: in the backtest, answers under 10%
    came true far more often than they said; the note says so, from the reliability table."""
    from forecast.evaluation.question_caveats import nuclear_calibration, question_caveats

    table = pd.DataFrame(
        {
            "family": ["nuclear-12m", "nuclear-12m", "icbm-6m"],
            "kind": ["probability"] * 3,
            "bin_lo": [0.0, 0.1, 0.0],
            "bin_hi": [0.1, 0.2, 0.1],
            "n": [93, 91, 50],
            "mean_probability": [0.014166, 0.155, 0.05],
            "observed_frequency": [0.129032, 0.3956, 0.2],
            "lo90": [0.080424, 0.31, 0.1],
            "hi90": [0.194437, 0.48, 0.3],
        }
    )
    table.to_csv(tmp_path / "question_reliability.csv", index=False)
    questions = pd.DataFrame({"family": ["icbm-6m", "nuclear-12m"], "model": ["x", "half_life_28"]})
    questions.to_csv(tmp_path / "questions.csv", index=False)
    assert nuclear_calibration(0.06, RULE_28, tmp_path) == (
        f" In the question backtest, {ANSWERED} 0% to 10% for the next 12 months "
        "(93 monthly cutoffs, 1.4% on average), a test came within those 12 months 13% of the "
        "time (90% interval 8% to 19%, too narrow: it treats the overlapping 12-month windows "
        "as independent): read this answer as likely too low."
    )
    assert f"{ANSWERED} 10% to 20%" in nuclear_calibration(0.15, RULE_28, tmp_path)
    # a rate by state with the same half-life is another rule: no single half-life was scored
    assert nuclear_calibration(0.06, {**RULE_28, "by_state": True}, tmp_path) == ""
    # the 10-20% bin came true 40% of the time (31% to 48%): too low as well; a bin whose
    # answers came true within it says no way to read them, one below it says too high
    assert nuclear_calibration(0.15, RULE_28, tmp_path).endswith("as likely too low.")
    within = table.assign(observed_frequency=[0.05, 0.15, 0.2], lo90=0.01, hi90=0.3)
    within.to_csv(tmp_path / "question_reliability.csv", index=False)
    assert nuclear_calibration(0.15, RULE_28, tmp_path).endswith("as independent).")
    below = table.assign(observed_frequency=[0.0, 0.05, 0.2], lo90=0.0, hi90=[0.01, 0.09, 0.3])
    below.to_csv(tmp_path / "question_reliability.csv", index=False)
    assert nuclear_calibration(0.15, RULE_28, tmp_path).endswith("as likely too high.")
    table.to_csv(tmp_path / "question_reliability.csv", index=False)
    # the same sentence as the caveat of a question on a test within 12 months (the report's
    # questions table, forecast questions), not of one within 6 months, nor without the rule
    answers = pd.DataFrame(
        {
            "question": ["nuclear-year", "nuclear-half", "icbm-year"],
            "type": ["binary"] * 3,
            "unit": ["P(>= 1 nuclear test)", "P(>= 1 nuclear test)", "P(>= 1 ICBM launch day)"],
            "window_start": ["2026-01", "2026-01", "2026-01"],
            "window_end": ["2026-12", "2026-06", "2026-12"],
            "probability": [0.06, 0.03, 0.4],
            "data_as_of": "2025-12-31",
        }
    )
    skills = {"title": "t", "n": 300, "baseline": "longrun", "skill": 0.05, "skill_lo": 0.01}
    questions.assign(**skills, skill_hi=0.1).to_csv(tmp_path / "questions.csv", index=False)
    caveats = question_caveats(answers, folder=tmp_path, nuclear_rule=RULE_28)
    assert caveats == {"nuclear-year": nuclear_calibration(0.06, RULE_28, tmp_path).strip()}
    assert question_caveats(answers, folder=tmp_path) == {}
    # a rule without states gives any 12 months after the data the answer of the 12 right
    # after them, which the backtest scored: 2026 asked from data that end earlier gets it
    # too; a rule with states gives none (no single half-life stands for it)
    earlier = answers.assign(data_as_of="2025-09-30")
    assert question_caveats(earlier, folder=tmp_path, nuclear_rule=RULE_28) == caveats
    by_state = {**RULE_28, "by_state": True}
    assert question_caveats(earlier, folder=tmp_path, nuclear_rule=by_state) == {}
    # nor of a window that starts before the data's end
    late = answers.assign(data_as_of="2026-03-31")
    assert question_caveats(late, folder=tmp_path, nuclear_rule=RULE_28) == {}
    # the bin of the percentage the page shows: 9.96% reads 10%
    assert f"{ANSWERED} 10% to 20%" in nuclear_calibration(0.0996, RULE_28, tmp_path)
    # 0.295 reads 30% on the page (round(0.295, 2) would give 0.29, the 20-30% bin)
    more = table.iloc[[1, 1]].assign(bin_lo=[0.2, 0.3], bin_hi=[0.3, 0.4])
    pd.concat([table, more]).to_csv(tmp_path / "question_reliability.csv", index=False)
    assert f"{ANSWERED} 30% to 40%" in nuclear_calibration(0.295, RULE_28, tmp_path)
    table.to_csv(tmp_path / "question_reliability.csv", index=False)
    assert nuclear_calibration(0.95, RULE_28, tmp_path) == ""  # no bin holds it
    assert nuclear_calibration(float("nan"), RULE_28, tmp_path) == ""
    assert nuclear_calibration(0.06, RULE_28, tmp_path / "absent") == ""
    # a run with another half-life than the one backtested gets no sentence about the backtest
    assert nuclear_calibration(0.06, {"half_life": 12.0}, tmp_path) == ""
    questions.assign(model=["x", "constant"]).to_csv(tmp_path / "questions.csv", index=False)
    assert nuclear_calibration(0.06, RULE_28, tmp_path) == ""
    assert "0% to 10%" in nuclear_calibration(0.06, {"half_life": float("inf")}, tmp_path)
    (tmp_path / "questions.csv").unlink()
    assert nuclear_calibration(0.06, RULE_28, tmp_path) == ""


def test_the_backtested_half_life_is_read_from_the_shipped_table():
    from forecast.evaluation.strict_questions import backtested_half_life

    assert backtested_half_life() == 28.0  # docs/evaluation/questions.csv: half_life_28


def test_the_page_and_its_csv_files_share_one_computation_of_each_table(
    small_forecast, monkeypatch
):
    """The headline and the bands are computed once per build: for the page, the CSV files
    beside it and the index rendered again for the single file (``replace`` shares them)."""
    from dataclasses import replace

    import forecast.summaries as summaries
    from forecast.report.context import ReportContext

    model, forecast = small_forecast
    calls = []
    for name in ("headline", "monthly"):
        original = getattr(summaries, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(summaries, name, counted)
    ctx = ReportContext(tables=None, panel=pd.DataFrame(), freshness=None, model=model,
                        forecast=forecast)  # fmt: skip
    single = replace(ctx, single=True)
    for each in (ctx, single, ctx):
        assert each.headline is ctx.headline and each.bands is ctx.bands
    assert sorted(calls) == ["headline", "monthly"]
    assert ctx.headline.equals(summaries.headline(forecast).table)
    assert ctx.today_tables is None  # no outlook from today: nothing to compute
    # the memo keeps the forecast whose id its keys hold, so no other object can take that id
    assert all(any(k is forecast for k in kept) for _, kept in ctx.memo.values())
    # a copy of the context with another forecast computes its own tables
    other = forecast.months_from(forecast.months[1])
    assert replace(ctx, forecast=other).headline.equals(summaries.headline(other).table)
    assert sorted(calls) == ["headline"] * 4 + ["monthly"]  # two of them by this test


def test_a_computed_value_is_kept_under_every_input_it_reads_and_its_settings():
    """``ReportContext.computed`` keys a value by the ids of all its inputs and its settings:
    the same inputs give the kept value, another object among them or another setting a new
    one (the fan chart reads the model's training months as well as the forecast)."""
    from forecast.report.context import ReportContext

    ctx = ReportContext(tables=None, panel=pd.DataFrame(), freshness=None)
    forecast, training, other = pd.DataFrame({"a": [1]}), pd.DataFrame(), pd.DataFrame()
    calls = []

    def make():
        calls.append(1)
        return len(calls)

    assert ctx.computed("chart", make, (forecast, training), ("2026-12",)) == 1
    assert ctx.computed("chart", make, (forecast, training), ("2026-12",)) == 1
    assert ctx.computed("chart", make, (forecast, other), ("2026-12",)) == 2
    assert ctx.computed("chart", make, (forecast, training), ("2027-01",)) == 3
    assert ctx.computed("table", make, (forecast, training), ("2026-12",)) == 4
    # each value keeps its inputs alive, so their ids stay theirs while the memo lives
    assert all(kept[0] is forecast for _, kept in ctx.memo.values())


def test_a_table_with_a_marked_row_says_what_the_mark_means():
    """The from-today table can mark a row (read with care); the legend is under it, with the
    number of simulations the mark starts below, and absent when no row is marked."""
    from forecast.report.sections import _caution_note
    from forecast.summaries import MIN_SIMULATIONS

    marked = pd.DataFrame({"caution": ["", "few simulations"]})
    assert _caution_note(marked) == (
        f'<p class="caution">A row marked (read with care) rests on fewer than {MIN_SIMULATIONS} '
        "simulations or on a few very large ones (its mean above its 90th percentile).</p>"
    )
    assert _caution_note(marked.assign(caution="")) == ""


def test_a_count_familys_crps_is_in_its_events_unit():
    from types import SimpleNamespace

    from forecast.report.evidence import _crps_unit

    def row(family, kind="crps"):
        return SimpleNamespace(family=family, score_kind=kind)

    assert _crps_unit(row("launch-days-12m")) == " launch days"
    assert _crps_unit(row("icbm-6m")) == " ICBM launch days"  # were it scored by CRPS
    assert _crps_unit(row("icbm-6m", "brier")) == ""  # a Brier score has no unit
    assert _crps_unit(row("no-such-family")) == ""
