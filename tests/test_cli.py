"""The command line: help, the yearly summary, and clean failures with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from checks import explained_columns
from conftest import REPO
from hostile_support import run_cli


def run(*args, cwd=None):
    """``forecast ARGS`` in process (:func:`hostile_support.run_cli`); the tests of the
    process itself below run ``tests/forecast_cli.py``."""
    return run_cli(*args, cwd=cwd)


@pytest.mark.parametrize("args", [[], ["data"], ["data", "build"], ["data", "summary"], ["report"]])
def test_every_command_has_help(args):
    result = run(*args, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_summary_prints_the_yearly_table():
    result = run("data", "summary")
    assert result.returncode == 0, result.stderr
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    cells_2017 = [c.strip() for c in lines["2017"].split("│")[1:-1]]
    cells_2022 = [c.strip() for c in lines["2022"].split("│")[1:-1]]
    assert cells_2017[:3] == ["2017", "15", "21"]
    assert cells_2022[:3] == ["2022", "34", "69"]
    assert cells_2017[-2] == "1"  # the sixth nuclear test
    assert "no_talks" in lines["2017"]


def test_summary_with_a_broken_data_dir_exits_2_without_traceback(tmp_path, bundled_dir):
    for f in bundled_dir.glob("*.csv"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    path = tmp_path / "negotiation_states.csv"
    path.write_text(path.read_text().replace("summitry", "détente", 1))
    result = run("data", "summary", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "negotiation_states.csv" in result.stderr
    assert "unknown label" in result.stderr


def test_unknown_option_exits_2():
    result = run("data", "summary", "--bogus")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_build_with_a_missing_raw_folder_exits_2(tmp_path):
    result = run("data", "build", "--raw", str(tmp_path / "nowhere"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "raw data folder not found" in result.stderr


def test_build_into_a_new_folder_names_the_hand_coded_tables_it_needs(tmp_path):
    """A build checks the hand-coded tables of --out: a new folder is refused before any raw
    file is read, naming the four tables to copy, and nothing is created."""
    (tmp_path / "raw").mkdir()
    out = tmp_path / "new"
    result = run("data", "build", "--raw", str(tmp_path / "raw"), "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for name in ("nuclear_tests.csv", "negotiation_states.csv", "exercises.csv", "leaders.csv"):
        assert name in result.stderr
    assert "--data-dir" not in result.stderr and "copy " in result.stderr
    assert not out.exists()


def test_build_writes_to_out_and_reports_duplicates(raw_dir, bundled_dir, tmp_path):
    for f in bundled_dir.glob("*.csv"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    result = run("data", "build", "--raw", str(raw_dir), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "missile_tests.csv: 314 rows" in result.stdout
    assert "collapsed 3 duplicate CSIS rows:" in result.stdout


def test_the_catalogue_names_the_registered_models():
    from forecast.catalog import MODELS
    from forecast.models import REGISTRY

    assert list(MODELS) == list(REGISTRY)


def test_fit_writes_the_run_and_prints_verdict_and_effects(tmp_path):
    out = tmp_path / "run"
    args = ["fit", "--model", "state_rate", "--until", "2019-10-31", "--preset", "mock"]
    args += ["--seed", "1", "--out", str(out)]
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert "Diagnostics: FAIL" in result.stdout and "divergent transitions" in result.stdout
    assert "active_talks" in result.stdout and "HDI" in result.stdout
    assert "state_rate on 358 months (1990-01 to 2019-10), fitted in" in result.stdout
    assert {p.name for p in out.iterdir()} >= {"fit.nc", "run.json", "effects.png"}
    record = json.loads((out / "run.json").read_text())
    assert record["config"]["model"] == "state_rate"
    assert record["config"]["until"] == "2019-10"
    assert record["training_months"] == {"first": "1990-01", "last": "2019-10", "n": 358}
    assert record["sampler"]["random_seed"] == 1
    assert record["diagnostics"]["passed"] is False
    assert [e["state"] for e in record["state_effects"]][0] == "no_talks"
    again = run(*args)
    assert again.returncode == 2
    assert "already holds a fit" in again.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["--model", "nope"], "unknown model 'nope'"),
        (["--target", "tweets"], "unknown target"),
        (["--until", "last-tuesday"], "not a month"),
        (["--sampler", "gibbs"], "unknown sampler"),
        (["--preset", "fastest"], "unknown sampler preset"),
        (
            ["--model", "state_rate", "--since", "2025-06"],
            "the training window has 7 months. Fix: choose a window of at least 12 months",
        ),
        (["--model", "state_rate", "--until", "1990-01"], "the training window has 1 month."),
        (["--since", "2026-06"], "--since: 2026-06 is after the data's last month, 2025-12"),
    ],
)
def test_fit_rejects_bad_arguments_with_exit_2(args, words, tmp_path):
    result = run("fit", "--out", str(tmp_path / "run"), "--preset", "mock", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory):
    """Two stand-in fits (prior draws): state_rate to 2019-10, class_hierarchical on all data."""
    root = tmp_path_factory.mktemp("runs")
    small = ["--preset", "mock", "--seed", "1"]
    specs = {
        "2019-10": ["--model", "state_rate", "--until", "2019-10-31"],
        "latest": ["--model", "class_hierarchical"],
    }
    for name, args in specs.items():
        result = run("fit", *args, *small, "--out", str(root / name))
        assert result.returncode == 0, result.stderr
    return root


SUMMARY_COLUMNS = "scenario,label,n,mean,median,q10,q25,q50,q75,q90,p_any,caution"


def month_status(month: str, today: str = "2026-12") -> str:
    """A month's ``month_status`` on a day of ``today``'s month (``YYYY-MM`` text)."""
    return "past" if month[:7] < today else "current" if month[:7] == today else "future"


@pytest.mark.parametrize(
    "run_name, config, first_month",
    [("2019-10", "2019-11-after-stockholm.yaml", "2019-11"), ("latest", "current.yaml", "2026-01")],
)
def test_shipped_scenarios_run_end_to_end(small_runs, run_name, config, first_month, tmp_path):
    import pandas as pd

    out = tmp_path / "out"
    result = run(
        "scenarios",
        str(small_runs / run_name),
        "--config",
        str(REPO / "scenarios" / config),
        "--out",
        str(out),
        "--seed",
        "2",
    )
    assert result.returncode == 0, result.stderr
    expected = {"summary.csv", "monthly.csv", "comparisons.csv", "probabilities.csv"}
    expected |= {"fan.png", "totals.png", "probabilities.png", "draws.nc"}
    if config == "current.yaml":  # two scenarios follow the transition model
        expected |= {"states.csv"}
    if run_name == "2019-10":  # P(nuclear test) under every rule, as the report gives it;
        # not for class_hierarchical, whose count model draws its own nuclear tests
        expected |= {"nuclear_rules.csv"}
    assert {p.name for p in out.iterdir()} == expected | {".forecast-output.json", "columns.csv"}
    explained_columns(out)  # every CSV's columns explained, in order, in columns.csv beside them
    summary = pd.read_csv(out / "summary.csv")
    assert ",".join(summary.columns).startswith(SUMMARY_COLUMNS)
    expected_rows = 5 if config == "current.yaml" else 4
    assert len(summary) == expected_rows
    monthly = pd.read_csv(out / "monthly.csv")
    assert monthly["month"].min().startswith(first_month)
    assert monthly.groupby("scenario").size().eq(12).all()
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert len(comparisons) == expected_rows - 1  # each scenario against persist, else the first
    from forecast.summaries import reference_scenario

    reference = "persist" if config == "current.yaml" else "stalled"  # the Stockholm file's first
    assert reference_scenario(summary["scenario"]) == reference
    assert (comparisons["reference"] == reference).all()
    probabilities = pd.read_csv(out / "probabilities.csv")
    if run_name == "2019-10":
        rules = pd.read_csv(out / "nuclear_rules.csv")
        assert rules["run_rule"].tolist() == [True, False, False]
        assert (rules["window_start"] == first_month).all() and (rules["months"] == 12).all()
        assert rules["rule"].iloc[1] == "a constant rate since 1990"
        # the run's rule is the one the simulations drew their tests from (a rate with no
        # state term): every scenario's P(a test in the 12 months) is its chance, up to the
        # simulation's noise (4 standard errors)
        run_rule = rules.loc[rules["run_rule"], "p_nuclear"].iloc[0]
        noise = 4 * (run_rule * (1 - run_rule) / summary["n"].iloc[0]) ** 0.5
        assert (probabilities["p_nuclear"] - run_rule).abs().max() < noise
    if run_name == "latest":
        assert {"p_icbm", "p_nuclear"} <= set(probabilities.columns)
        assert probabilities["p_nuclear"].between(0, 1).all()
        # the class model's expected days by class make up its expected launch days
        import numpy as np
        import xarray as xr

        from forecast.simulation import Forecast

        with xr.open_dataset(out / "draws.nc") as draws:
            np.testing.assert_allclose(draws["class_rate"].sum("weapon_class"), draws["rate"])
            icbm = Forecast(draws.load()).expected_class_days("ICBM")
            np.testing.assert_array_equal(icbm, draws["class_rate"].sel(weapon_class="ICBM"))


def test_scenarios_from_today_start_in_todays_month(small_runs, tmp_path):
    """--from-today starts the shipped file in --today's month: its months and 'month 3' count
    from there, the months the data lack are said to be simulated; a file written for given
    months is refused, naming it, with nothing written."""
    import pandas as pd

    out = tmp_path / "out"
    config = REPO / "scenarios" / "current.yaml"
    args = ["scenarios", str(small_runs / "latest"), "--config", str(config), "--out", str(out)]
    result = run(*args, "--from-today", "--today", "2026-12-07")
    assert result.returncode == 0, result.stderr
    monthly = pd.read_csv(out / "monthly.csv")
    assert monthly["month"].min().startswith("2026-12")
    assert monthly.groupby("scenario").size().eq(12).all()
    summary = pd.read_csv(out / "summary.csv")
    assert "Working-level talks resume in month 3 (February 2027)" in set(summary["label"])
    # each CSV says its window and, on --today, that it is to come (as the report's do)
    stamp = ["window_start", "window_end", "window_status"]
    for name in ("summary.csv", "comparisons.csv", "probabilities.csv"):
        table = pd.read_csv(out / name)
        assert table[stamp].drop_duplicates().values.tolist() == [["2026-12", "2027-11", "future"]]
    # December 2026 is under way on --today 2026-12-07, the months after it to come
    status = pd.read_csv(out / "monthly.csv").drop_duplicates("month")["month_status"]
    assert status.tolist() == ["current"] + ["future"] * 11
    said = " ".join(result.stdout.split())
    assert (
        "From December 2026: the months January 2026 to November 2026, which the run's data "
        "lack, were simulated first and are not counted" in said
    )
    assert "partly in the past" not in said and "add --from-today" not in said
    # without it, a forecast from the data's end that starts in the past points to it
    result = run(*args[:-1], str(tmp_path / "end"), "--today", "2026-12-07")
    assert "partly in the past" in result.stdout
    ended = pd.read_csv(tmp_path / "end" / "summary.csv")[stamp].drop_duplicates()
    assert ended.values.tolist() == [["2026-01", "2026-12", "partly past"]]
    months = pd.read_csv(tmp_path / "end" / "monthly.csv")
    assert (months["month_status"] == months["month"].map(month_status)).all()
    states = pd.read_csv(tmp_path / "end" / "states.csv")  # two scenarios follow the state model
    assert (states["month_status"] == states["month"].map(month_status)).all()
    assert set(months["data_as_of"]) == {"2025-12-31"}
    assert "To count the 12 months from today's month instead" in " ".join(result.stdout.split())
    assert "totals over 12 months" in result.stdout
    # a one-month file: counted in the singular
    one = tmp_path / "one.yaml"
    one.write_text("horizon: 1\nscenarios:\n  persist: {label: Persists}\n")
    result = run(*args[:3], str(one), "--out", str(tmp_path / "one"), "--today", "2026-12-07")
    said = " ".join(result.stdout.split())
    assert "totals over 1 month" in said and "To count the 1 month from today's month" in said
    # when the data reach today's month there is nothing to restart, and it says so
    result = run(*args[:-1], str(tmp_path / "now"), "--from-today", "--today", "2026-01-15")
    assert result.returncode == 0, result.stderr
    assert (
        "--from-today changes nothing: the forecast starts in January 2026, today's month or "
        "later." in " ".join(result.stdout.split())
    )
    assert pd.read_csv(tmp_path / "now" / "monthly.csv")["month"].min().startswith("2026-01")
    stockholm = REPO / "scenarios" / "2019-11-after-stockholm.yaml"
    refused = tmp_path / "refused"
    result = run(
        "scenarios",
        str(small_runs / "2019-10"),
        "--config",
        str(stockholm),
        "--out",
        str(refused),
        "--from-today",
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--from-today: the file is written for given months (key 'start' is 2019-11)" in (
        " ".join(result.stderr.split())
    )
    assert stockholm.name in result.stderr and not refused.exists()


def test_scenarios_compare_with_persist_wherever_the_file_puts_it(small_runs, tmp_path):
    """comparisons.csv takes ``persist`` as its reference, as the report and notebook 04 do,
    also when the file lists it second."""
    import pandas as pd

    config = tmp_path / "s.yaml"
    config.write_text(
        "horizon: 3\nscenarios:\n  talks: {states: {month 2: active_talks}}\n  persist: {}\n"
    )
    out = tmp_path / "out"
    result = run(
        "scenarios", str(small_runs / "latest"), "--config", str(config), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert comparisons["scenario"].tolist() == ["talks"]
    assert comparisons["reference"].tolist() == ["persist"]


def test_scenarios_with_a_bad_file_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon: 500\nscenarios: {a: {}}\n")
    result = run("scenarios", str(tmp_path), "--config", str(bad), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "key 'horizon'" in result.stderr
    assert not (tmp_path / "o").exists()


def test_scenarios_with_a_missing_run_exits_2(tmp_path):
    config = REPO / "scenarios" / "current.yaml"
    result = run("scenarios", str(tmp_path / "nope"), "--config", str(config), "--out", "x")
    assert result.returncode == 2
    assert "run folder not found" in result.stderr


@pytest.mark.slow
def test_backtest_writes_scores_summary_and_figures(tmp_path):
    import pandas as pd

    out = tmp_path / "bt"
    result = run(
        "backtest",
        "--models",
        "constant_rate,recent_rate",
        "--cutoffs",
        "2012-12,2016-06",
        "--horizon",
        "3",
        "--draws",
        "100",
        "--tune",
        "100",
        "--chains",
        "1",
        "--seed",
        "3",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    names = {"scores.csv", "summary.csv", "scores_by_horizon.png", "pit.png", "coverage.png"}
    assert names <= {p.name for p in out.iterdir()}
    scores = pd.read_csv(out / "scores.csv")
    needed = (
        "model,cutoff,horizon,target_month,observed,crps,log_score,rps,brier_any,pit,covered_80"
    )
    assert set(needed.split(",")) | {"state_path"} <= set(scores.columns)
    # (2 models + 2 oracles) x 2 cutoffs x 3 state paths x 3 horizons
    assert len(scores) == 72
    assert set(scores["model"]) == {"constant_rate", "recent_rate", "oracle_12", "oracle_3"}
    assert "by_band.csv" in {p.name for p in out.iterdir()}
    assert "CRPS skill vs the best naive baseline" in result.stdout
    assert set(scores["state_path"]) == {"observed", "persist", "transition"}


@pytest.mark.parametrize(
    "args, words",
    [
        (["--models", "constant_rate,oracle", "--cutoffs", "2016-06"], "oracle"),
        (["--models", "constant_rate", "--cutoffs", "1989-01"], "1989-01"),
        (["--models", "constant_rate", "--cutoffs", "2030-01"], "2030-01"),
        (["--models", "constant_rate", "--cutoffs", "2016-06", "--horizon", "0"], "--horizon"),
        (["--models", "constant_rate"], "no cutoffs given"),
    ],
)
def test_backtest_rejects_bad_arguments(args, words, tmp_path):
    result = run("backtest", *args, "--out", str(tmp_path / "bt"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr


#: Modules a command that fits nothing must not load (the modelling and plotting layers).
HEAVY = ("pymc", "pytensor", "arviz", "matplotlib", "scipy.stats", "nutpie", "numba")

#: Light commands: help, listings, the yearly summary, and refusals of bad input.
LIGHT = [
    ["--help"],
    ["models"],
    ["questions", "--help"],
    ["fit", "--help"],
    ["data", "summary"],
    ["data", "import", "nowhere.csv", "--format", "events"],
    ["data", "set-state", "2026-01-01", "détente", "--source", "x"],
    ["data", "add-exercise", "X", "2026-03-01", "2025-03-01", "--source", "x"],
    ["fit", "--out", "{tmp}/run", "--draws", "0"],
    ["fit", "--out", "{tmp}/run", "--model", "nope"],
    ["fit", "--out", "{tmp}/run", "--until", "1789-07"],
    ["fit", "--out", "{tmp}/file.txt"],
    ["scenarios", "{tmp}/run", "--config", "{tmp}/missing.yaml", "--out", "{tmp}/s"],
    ["questions", "{tmp}/run", "--config", "q.yaml", "--out", "{tmp}/file.txt"],
    ["backtest", "--out", "{tmp}/b", "--cutoffs", "1989-01", "--models", "recent_rate"],
    ["backtest", "--out", "{tmp}/b", "--every", "6", "--models", "oracle"],
    ["backtest", "--out", "{tmp}/b", "--every", "6", "--target", "tests"],
    ["contrasts", "--out", "{tmp}/c", "--model", "recent_rate"],
    ["report", "--run", "{tmp}/run", "--run-out", "{tmp}/other"],
    ["refit", "{tmp}/run", "--out", "{tmp}/run"],
    ["sensitivity", "--help"],
    ["sensitivity", "--out", "{tmp}/s", "--only", "no_such_alternative"],
]


@pytest.mark.parametrize("args", LIGHT, ids=lambda a: " ".join(a)[:40])
def test_light_commands_load_no_modelling_layer(args, tmp_path):
    """Help, listings and every refusal answer without PyMC, PyTensor, ArviZ, matplotlib or
    SciPy's statistics (the command modules load the modelling layers only to do work)."""
    (tmp_path / "file.txt").write_text("mine\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    probe = (
        "import sys\n"
        "from forecast.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        f"loaded = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print(f'EXIT {code} LOADED=' + ','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    last = result.stdout.strip().splitlines()[-1]
    code = int(last.split()[1])  # EXIT <code> LOADED=<modules>
    assert code in (0, 2), result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    loaded = last.split("LOADED=")[1]
    assert not loaded, f"{' '.join(args)} loaded {loaded}"


def test_the_top_level_help_lines_are_the_commands_own():
    """``forecast --help`` lists each command with the help it was registered with, which is
    the first line of the command's own docstring."""
    import click

    from forecast.cli.app import COMMANDS, cli

    ctx = click.Context(cli)
    for name, (_, short) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        first = " ".join((command.help or "").split("\n\n")[0].split())
        assert first == short, name


def test_the_console_script_exits_quickly_with_the_commands_code_and_all_its_output(tmp_path):
    """``forecast`` (:func:`forecast.cli.run`) ends with ``os._exit`` after the other exit
    handlers: the exit code is the command's, every line it printed arrives, and an exit
    handler registered while the command ran still runs."""
    marker = tmp_path / "handler-ran"
    probe = (
        "import atexit, sys\n"
        "import forecast.cli.app as app\n"
        "work = app.main\n"
        "def main(argv=None):\n"
        f"    atexit.register(lambda: open({str(marker)!r}, 'w').write('yes'))\n"
        "    work(argv)\n"
        "app.main = main\n"
        "sys.argv = ['forecast', *sys.argv[1:]]\n"
        "app.run()\n"
    )
    listing = subprocess.run(
        [sys.executable, "-c", probe, "models"], capture_output=True, text=True
    )
    assert listing.returncode == 0, listing.stderr
    assert "ar_level" in listing.stdout and "daily_exciting" in listing.stdout
    assert listing.stdout.endswith("\n")
    assert marker.read_text() == "yes"
    refused = subprocess.run(
        [sys.executable, "-m", "forecast.cli", "fit", "--model", "nosuch", "--out", tmp_path / "x"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2
    assert "unknown model 'nosuch'" in refused.stderr and "Fix:" in refused.stderr
    assert not (tmp_path / "x").exists()


def test_a_baselines_run_json_is_standard_json(tmp_path):
    """A counting baseline has no r-hat or ESS: ``run.json`` says ``null``, not ``NaN``, which
    JavaScript's ``JSON.parse`` and strict parsers refuse."""

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    out = tmp_path / "run"
    result = run("fit", "--model", "last_value", "--out", str(out))
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "run.json").read_text(), parse_constant=refuse)
    assert record["diagnostics"]["max_rhat"] is None and record["diagnostics"]["passed"] is True


def test_the_band_table_says_n_a_where_the_baseline_was_exact():
    """A backtest of a few quiet months: the best naive forecast scored CRPS 0, so the skill
    is undefined and some resamples unbounded; the table printed '+nan' and '-inf..-inf'."""
    import pandas as pd
    from rich.console import Console

    from forecast.cli.tables import band_table

    nan, inf = float("nan"), float("inf")
    band = pd.DataFrame(
        {
            "model": ["constant_rate", "ar_level"],
            "band": ["1-3", "1-3"],
            "state_path": ["persist", "persist"],
            "crps": [0.25, 0.125],
            "crps_skill": [nan, 0.5],
            "crps_skill_lo": [-inf, 0.25],
            "crps_skill_hi": [-inf, 0.75],
            "pit_cov_80": [1.0, 0.75],
            "crps_baseline": ["last_value", "last_value"],
        }
    )
    console = Console(width=200, record=True)
    console.print(band_table(band, n_cutoffs=1))
    text = console.export_text()
    assert "nan" not in text and "inf" not in text
    rows = [line for line in text.splitlines() if "constant_rate" in line or "ar_level" in line]
    # skill as the report writes it: a signed percentage, its interval "low to high"
    assert "n/a" in rows[0] and "+50.0%" in rows[1] and "+25.0% to +75.0%" in rows[1]
