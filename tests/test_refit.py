"""Refit on new data, the what-changed report, and the forecast ledger.

Plumbing only: the fits use the stand-in sampler (``--preset mock``, prior draws), so these
tests check files, tables and their consistency, not statistics.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from conftest import REPO
from hostile_support import run_cli

SMALL = ["--preset", "mock", "--seed", "1"]
EVENTS = (
    "date,missile_class,n_missiles,outcome,source\n"
    "2026-01-04,SRBM,2,success,https://example.org/a\n"
    "2026-01-27,unknown,1,unknown,https://example.org/b\n"
    "2026-03-10,SRBM,3,success,https://example.org/c\n"
)

# same calendar months from both fits: the old fit (data to 2024-12) simulates 2025-01..2026-06
# with its last state and drops them
SCENARIOS = """
start: 2026-07
horizon: 6
scenarios:
  persist: {label: The last state persists}
  talks: {label: Talks from September, states: {2026-09: active_talks}}
"""


def run(*args, cwd=None):
    """``forecast ARGS`` in process, with no ``$FORECAST_DATA_DIR``; it must succeed."""
    result = run_cli(*args, cwd=cwd, env={"FORECAST_DATA_DIR": None})
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A fit to 2024-12 on the bundled data, and its refit on an overlay coding 2026-01..06."""
    from forecast.data.hand_coding import set_state
    from forecast.data.launch_import import import_launches

    root = tmp_path_factory.mktemp("refit")
    overlay = root / "overlay"
    (root / "events.csv").write_text(EVENTS)
    import_launches(root / "events.csv", "events", overlay)
    set_state(overlay, "2026-01-01", "no_talks", "https://example.org/s", end="2026-06-30")
    old = root / "runs" / "old"
    window = ["--since", "2012-01", "--until", "2024-12"]  # a short window samples fast
    run("fit", "--model", "state_rate", *window, *SMALL, "--out", old)
    new = root / "runs" / "new"
    (root / "outlook.yaml").write_text(SCENARIOS)
    refit = run(
        "refit", old, "--data-dir", overlay, "--out", new, "--scenarios", root / "outlook.yaml"
    )
    return {"root": root, "old": old, "new": new, "overlay": overlay, "stdout": refit.stdout}


def test_fit_freezes_its_forecast(runs):
    forecast = json.loads((runs["old"] / "forecast.json").read_text())
    assert forecast["first_month"] == "2025-01" and forecast["horizon"] == 12
    assert forecast["scenario"] == "persist" and forecast["state"] == "no_talks"
    assert len(forecast["months"]) == 12 and len(forecast["draws"]["2025-06"]) == 100
    assert len(forecast["data_hash"]) == 64 and len(forecast["config_hash"]) == 64
    # draw for draw the persist scenario of 'forecast scenarios' with the same seed
    import numpy as np

    from forecast.runs import load_outlook, load_run
    from forecast.scenarios import parse_scenarios, simulate_scenarios

    model, _ = load_run(runs["old"])
    spec = parse_scenarios({"horizon": 12, "scenarios": {"persist": {}, "talks": {}}}, "x.yaml")
    scenarios = simulate_scenarios(model, spec, random_seed=1, outlook=load_outlook(runs["old"]))
    counts = scenarios.counts.sel(scenario="persist").transpose("month", "draw").values
    frozen = np.array([forecast["draws"][m] for m in scenarios.months.strftime("%Y-%m")])
    np.testing.assert_array_equal(frozen, np.rint(counts).astype(int))


def test_refit_keeps_the_config_and_drops_until(runs):
    old = json.loads((runs["old"] / "run.json").read_text())
    new = json.loads((runs["new"] / "run.json").read_text())
    assert new["config"]["until"] is None and old["config"]["until"] == "2024-12"
    assert new["config"]["since"] == old["config"]["since"] == "2012-01"
    assert new["config"]["priors"] == old["config"]["priors"]
    assert new["sampler"] == old["sampler"]
    assert new["training_months"]["last"] == "2026-06"
    assert new["refit_of"] == str(runs["old"])
    forecast = json.loads((runs["new"] / "forecast.json").read_text())
    assert forecast["first_month"] == "2026-07"
    # the terminal names both windows
    assert (
        "state_rate refitted on 174 months (2012-01 to 2026-06; was 156, 2012-01 to 2024-12)"
        in " ".join(runs["stdout"].split())
    )


def test_what_changed_names_the_new_events(runs):
    md = (runs["new"] / "what_changed.md").read_text()
    for date in ("2025-05-08", "2026-01-04", "2026-01-27", "2026-03-10"):
        assert f"| {date} |" in md
    assert "| 2026-03-10 | SRBM | 3 | https://example.org/c |" in md  # the template's source
    assert "| 2025-05-08 |" in md and "| bundled |" in md
    assert "State rate ratios" in md and "| active_talks |" in md
    assert "12 months observed: CRPS per month (mean)" in md  # the old forecast scored on 2025
    # the new launches counted in words: "N launch days, M missiles:", no "day(s)"
    assert re.search(r"\n\d+ launch days, \d+ missiles:\n", md) and "(s)" not in md
    assert "2025-01..2025-12" in md and "2026-07..2027-06" in md
    assert "Same priors and sampler settings." in md
    # the overlay coded states to 2026-06 but no exercises, CSIS events or leaders
    assert "## Data caveats" in md and "exercise days after it (2026-01..2026-06) are 0" in md
    section = md.split("## Scenarios of")[1].split("##")[0]
    for name in ("| persist | 2026-07..2026-12 |", "| talks | 2026-07..2026-12 |"):
        assert name in section
    assert "added nothing" not in section and "cannot simulate" not in section
    # an estimate and its interval read "mean (low to high)" in every table, as in the report

    assert re.search(r"\| persist \| 2026-07\.\.2026-12 \| \d+\.\d \(\d+ to \d+\) \|", section)
    assert re.search(r"\| \d+ to \d+ \|", md.split("## Forecast:")[1].split("##")[0])
    rates = md.split("## State rate ratios")[1].split("##")[0]
    assert re.search(r"\| \d\.\d\d \(\d\.\d\d to \d+\.\d\d\) \|", rates)
    assert ".." not in rates and "[" not in section
    assert "data caveat:" in runs["stdout"]
    page = (runs["new"] / "what_changed.html").read_text()
    assert "<table>" in page and "2026-03-10" in page


def test_the_ledger_scores_a_run_once_its_months_are_observed(runs):
    from forecast.data import load_tables, monthly_panel
    from forecast.ledger import ledger

    table = ledger(runs["root"] / "runs", monthly_panel(load_tables())).set_index("run")
    old = table.loc["old"]
    assert old["observed"] == 12 and old["status"] == "scored"
    assert 0 < old["crps"] < 5 and 0 <= old["brier_any"] <= 1
    assert 0 <= old["in_80"] <= 12
    assert table.loc["new", "status"] == "waiting for data"
    # a stand-in fit fails its diagnostics: the ledger says so beside its scores
    assert table.loc["old", "verdict"] == table.loc["new", "verdict"] == "FAIL"

    result = run("ledger", "--runs", runs["root"] / "runs")
    line = next(r for r in result.stdout.splitlines() if "│ old" in r)
    assert "2025-01..2025-12" in line and "scored" in line and "FAIL" in line
    assert f"{old['crps']:.3f}" in line and f"{old['in_80']:.0f}/12" in line
    assert math.isfinite(old["crps"])


def test_ledger_scores_agree_with_the_evaluation_module(runs):
    import numpy as np

    from forecast.data import load_tables, monthly_panel
    from forecast.ledger import read_forecast, score_forecast
    from forecast.scores import brier_any, crps

    forecast = read_forecast(runs["old"])
    scores = score_forecast(forecast, monthly_panel(load_tables()))
    draws = np.array([forecast["draws"][m] for m in scores["month"]])
    np.testing.assert_allclose(scores["crps"], crps(scores["observed"], draws))
    np.testing.assert_allclose(scores["brier_any"], brier_any(scores["observed"], draws))
    # the interval as every summary takes it: whole-number quantiles (simulated values)
    lo, hi = np.quantile(draws, [0.1, 0.9], axis=1, method="inverted_cdf")
    np.testing.assert_array_equal(scores["lo80"], lo)
    np.testing.assert_array_equal(scores["hi80"], hi)
    assert (scores["lo80"] % 1 == 0).all() and (scores["hi80"] % 1 == 0).all()
    inside = (lo <= scores["observed"]) & (scores["observed"] <= hi)
    assert scores["in_80"].tolist() == inside.tolist()


def test_what_changed_says_when_sampler_settings_were_overridden(runs):
    from forecast.models.storage import stamp
    from forecast.refit import scenario_changes, settings_note
    from forecast.runs import load_run
    from forecast.scenarios import parse_scenarios

    old, _ = load_run(runs["old"])
    new, _ = load_run(runs["new"])
    assert settings_note(old, new) == "Same priors and sampler settings."
    new.sampler = {**new.sampler, "draws": 20}
    stamp(new)
    assert settings_note(old, new) == "Same priors; sampler settings changed: draws 50 -> 20."

    # a state step in a month the refit has observed: reported, not raised
    spent = parse_scenarios(
        {"horizon": 15, "scenarios": {"talks": {"states": {"2026-03": "active_talks"}}}},
        "x.yaml",
    )
    table, problems = scenario_changes(old, new, spent)
    assert table.empty and len(problems) == 1 and problems[0].startswith("the refit cannot")

    # a scenario one fit cannot simulate leaves the others; the transition scenario follows
    # each run's own state model; each scenario alone gives the numbers of the whole set
    from forecast.runs import load_outlook
    from forecast.scenarios import simulate_scenarios
    from forecast.summaries import totals

    mixed = parse_scenarios(
        {
            "horizon": 15,  # the old fit's forecast, from 2025-01, reaches 2026-03
            "scenarios": {
                "persist": {},
                "talks": {"states": {"2026-03": "active_talks"}},
                "outlook": {"transitions": True},
            },
        },
        "x.yaml",
    )
    outlooks = (load_outlook(runs["old"]), load_outlook(runs["new"]))
    table, problems = scenario_changes(old, new, mixed, outlooks=outlooks)
    assert table["scenario"].tolist() == ["persist", "outlook"]
    assert len(problems) == 1 and "talks" in problems[0] and "refit cannot" in problems[0]
    whole = simulate_scenarios(old, mixed, random_seed=1, outlook=outlooks[0])
    row = totals(whole).table.set_index("scenario").loc["outlook"]
    assert table.set_index("scenario").loc["outlook", "before"] == (
        f"{row['mean']:.1f} ({row['q10']:g} to {row['q90']:g})"
    )
    _, problems = scenario_changes(old, new, mixed)  # without the state models: said why
    assert any("outlook" in p and "transition model" in p for p in problems)


def test_the_frozen_forecast_keeps_every_draw_of_a_full_fit():
    """A full fit has 4 x 1,000 posterior draws: all are frozen (1,000 were, before)."""
    from forecast.data import load_tables, monthly_panel
    from forecast.ledger import MAX_DRAWS, make_forecast
    from forecast.models import get_model
    from forecast.runs import fit_run
    from forecast.simulation import simulation_draws

    panel = monthly_panel(load_tables())
    model = fit_run(get_model("constant_rate"), panel, "mock", seed=1, draws=1000, chains=4).model
    assert simulation_draws(model) == 4000 == MAX_DRAWS
    frozen = make_forecast(model, seed=1)
    assert all(len(draws) == 4000 for draws in frozen["draws"].values())


def test_the_walk_through_sets_aside_an_overlay_or_run_past_its_invented_months(runs, tmp_path):
    """Notebook 06 invents the months after 2025-12: an overlay reaching them (here coded to
    2026-06) or a run fitted to another month is set aside, and a note says why."""
    from forecast.refit import demo_inputs

    alone = demo_inputs()
    assert (alone.data_dir, alone.run_dir, alone.notes) == (None, None, ())
    early = tmp_path / "early"  # an overlay that stops at the bundled data's end is kept
    early.mkdir()
    assert demo_inputs(early).data_dir == early
    inputs = demo_inputs(runs["overlay"], runs["old"])
    assert (inputs.data_dir, inputs.run_dir) == (None, None)
    assert inputs.notes == (
        "Your overlay's data reach 2026-06, past 2025-12: this walk-through invents the months "
        "after 2025-12, so it works on the bundled data alone and leaves your overlay out (it "
        "is not changed either way).",
        "The run given was fitted to 2024-12, not to 2025-12: the walk-through fits its own old "
        "run to 2025-12 instead.",
    )
    assert demo_inputs(run_dir=runs["old"], until="2024-12").run_dir == runs["old"]

    # an overlay whose state timeline stops at 2025-12 but that holds a later day elsewhere
    # (here the leaders confirmed to 2026-02-10) reaches the invented months too
    from forecast.data.hand_coding import confirm_leaders

    confirm_leaders(early, "2026-02-10", "checked")
    assert demo_inputs(early).data_dir is None
    assert demo_inputs(early).notes[0].startswith("Your overlay's data reach 2026-02, past")


def test_a_refit_with_the_old_settings_records_the_old_preset():
    """A refit passes the old run's stored settings: they name their preset, which the new run
    records (it recorded "custom"); changed draws, tuning or chains are "custom"."""
    from forecast.catalog import preset_name, resolve_sampler

    stored = resolve_sampler("full").to_dict()  # as run.json keeps them
    assert preset_name(resolve_sampler(stored)) == "full"
    assert preset_name(stored) == "full"
    assert preset_name(resolve_sampler(stored, draws=200)) == "custom"
    assert preset_name(resolve_sampler({"draws": 300})) == "custom"
    assert preset_name("fast") == "fast"


def test_a_refit_without_new_months_says_so(runs, tmp_path):
    assert "no month after" not in runs["stdout"]  # the first refit had six new months
    assert "Data as of 2026-06-30" in runs["stdout"]  # the data's age, as fit prints it
    again = run("refit", runs["new"], "--data-dir", runs["overlay"], "--out", tmp_path / "again")
    said = " ".join(again.stdout.split())
    assert "the data hold no month after the old fit's last (2026-06)" in said


def test_a_refit_of_a_bundled_data_run_says_it_reads_local_data(runs, tmp_path):
    import shutil

    shutil.copytree(runs["overlay"], tmp_path / "local-data")  # where imports write by default
    again = run("refit", runs["old"], "--out", tmp_path / "again", cwd=tmp_path)
    said = " ".join(again.stdout.split())
    assert "using the overlay data folder local-data (the old run was fitted on the bundled" in said


@pytest.mark.parametrize(
    "body, words",
    [
        # a step the forecast never reaches: no fit could simulate it
        ("horizon: 12\nscenarios:\n  a:\n    states: {month 100: stalled}\n", "month 100"),
        # a start before the old run's first forecast month, hence the refit's too
        ("start: 2024-06\nhorizon: 6\nscenarios:\n  a: {}\n", "the old run's data"),
        # a start inside the refit's new data (to 2026-06): the refit could simulate none
        ("start: 2026-03\nhorizon: 6\nscenarios:\n  a: {}\n", "the refit's data"),
    ],
)
def test_a_scenario_file_no_fit_can_simulate_is_refused_before_the_refit(
    runs, tmp_path, monkeypatch, body, words
):
    """``refit --scenarios`` with such a file: exit 2 naming the file and its line, no fit,
    nothing written (it refitted, exited 0 and only what_changed.md said so)."""
    from forecast.models.base import BaseModel

    def tripwire(*args, **kwargs):
        raise AssertionError("the refit started sampling before refusing")

    monkeypatch.setattr(BaseModel, "fit", tripwire)
    bad = tmp_path / "bad.yaml"
    bad.write_text(body)
    out = tmp_path / "new"
    result = run_cli(
        "refit", runs["old"], "--data-dir", runs["overlay"], "--out", out, "--scenarios", bad,
        env={"FORECAST_DATA_DIR": None},
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "bad.yaml" in result.stderr and words in result.stderr and "Fix:" in result.stderr
    assert "line" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_a_scenario_only_the_refit_cannot_simulate_is_said_on_the_terminal(runs, tmp_path):
    spent = tmp_path / "spent.yaml"  # a state step in a month the refit's data observe
    spent.write_text("horizon: 15\nscenarios:\n  talks: {states: {2026-03: active_talks}}\n")
    out = tmp_path / "new"
    result = run(
        "refit", runs["old"], "--data-dir", runs["overlay"], "--out", out, "--scenarios", spent
    )
    said = " ".join(result.stdout.split())
    assert "scenarios: the refit cannot simulate scenario 'talks'" in said and "2026-03" in said
    assert "the refit cannot simulate scenario" in (out / "what_changed.md").read_text()


def test_the_shipped_scenarios_refit_a_run_without_an_outlook(runs, tmp_path):
    """A run from before the outlook models (no outlook.nc) is refitted with the shipped
    scenarios: its transition scenarios are listed as not simulated by the old fit, the others
    compared (a check of the old fit before the refit refused the whole refit)."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(runs["old"], old)
    (old / "outlook.nc").unlink()
    out = tmp_path / "new"
    current = REPO / "scenarios" / "current.yaml"
    result = run("refit", old, "--data-dir", runs["overlay"], "--out", out, "--scenarios", current)
    said = " ".join(result.stdout.split())
    assert "scenarios: the old fit cannot simulate scenario" in said
    md = (out / "what_changed.md").read_text()
    assert "| persist |" in md and "the old fit cannot simulate scenario" in md
