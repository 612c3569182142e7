"""The daily model's protocols read back from an evaluation folder
(:mod:`forecast.evaluation.daily_protocols`)."""

from __future__ import annotations

import json

import pandas as pd

from forecast.evaluation.daily_protocols import DAILY_FOLDERS, daily_findings, kept_daily_protocols


def _by_band(models) -> pd.DataFrame:
    """A by_band table by hand: each model's skill 0.10 / 0.05 / 0.01 with intervals of
    +-0.02, state held."""
    rows = []
    for model in models:
        for band, skill in zip(("1-3", "4-6", "7-12"), (0.10, 0.05, 0.01), strict=True):
            rows.append(
                {"model": model, "state_path": "persist", "band": band, "crps_skill": skill}
                | {"crps_skill_lo": skill - 0.02, "crps_skill_hi": skill + 0.02}
                | {"crps_baseline": "recent_rate", "pit_cov_80": 0.8}
            )
    return pd.DataFrame(rows)


def _keep(folder, name, models, pools=()):
    (folder / name).mkdir(parents=True)
    _by_band([*models, *pools]).to_csv(folder / name / "by_band.csv", index=False)
    settings = {"models": list(models), "pools": list(pools), "cutoffs": ["2005-01", "2005-02"]}
    (folder / name / "settings.json").write_text(json.dumps(settings))


def test_the_kept_protocols_are_read_in_their_order_and_only_when_kept(tmp_path):
    assert kept_daily_protocols(tmp_path) == []
    _keep(tmp_path, DAILY_FOLDERS[1], ["daily_exciting"])
    (tmp_path / "daily").mkdir()  # a folder without a backtest's settings is not a protocol
    assert [name for name, *_ in kept_daily_protocols(tmp_path)] == ["daily-240"]
    (tmp_path / "daily").rmdir()
    _keep(tmp_path, DAILY_FOLDERS[0], ["daily_exciting"])
    assert [name for name, *_ in kept_daily_protocols(tmp_path)] == ["daily", "daily-240"]


def test_the_findings_name_the_daily_model_the_monthly_one_and_each_pool_with_it(tmp_path):
    pools = ["pool:ar_level+daily_exciting", "stack:ar_level+recent_rate"]
    _keep(tmp_path, "daily", ["daily_exciting", "ar_level", "recent_rate"], pools)
    [(_, tables, settings)] = kept_daily_protocols(tmp_path)
    words = daily_findings(tables, settings, "ar_level", "On the 2 cutoffs")
    assert len(words) == 3  # daily model, monthly model, the one pool with the daily model
    assert words[0].startswith("On the 2 cutoffs, daily_exciting's CRPS skill")
    assert "+10.0% at 1-3 months [+8.0%, +12.0%]" in words[0]
    assert words[1].startswith("On the same cutoffs, ar_level's")
    assert words[2].startswith("Pooled with ar_level, pool:ar_level+daily_exciting's")
    # a monthly model the protocol did not run gets no sentence
    assert len(daily_findings(tables, settings, "state_rate")) == 2


def _ablation(folder, terms):
    rows = [
        {"term": term, "model": "daily_exciting", "variant": f"daily_no_{term}", "band": band}
        | {"n": 6, "crps_with": 0.4, "crps_without": 0.41, "gain": 0.0244}
        | {"gain_lo": -0.01, "gain_hi": 0.05, "pit_cov_80_with": 0.8, "pit_cov_80_without": 0.8}
        for term in terms
        for band in ("1-3", "4-6", "7-12")
    ]
    pd.DataFrame(rows).to_csv(folder / "ablation.csv", index=False)


def test_the_other_terms_join_the_240_cutoff_protocol_only_when_they_ran_its_folds(tmp_path):
    """``daily-240-terms`` (season, exercise, state) adds its rows to ``daily-240``'s ablation
    (excitation, change) when cutoffs, seed, sampler and the daily model's configuration
    agree; with another seed it stays a protocol of its own."""
    from forecast.report.evidence import _daily_lead

    config = {"daily_exciting": {"model": "daily_exciting", "priors": {"a": 1}}}
    sampler = {"daily_exciting": {"target_accept": 0.95, "adaptation": "diag"}}
    folds = {"seed": 7, "horizon": 12, "draws": 500, "tune": 500, "chains": 4, "configs": config}
    folds |= {"samplers": sampler, "missiles": False, "sim_draws": None}
    for name, terms in (("daily-240", ["excitation", "change"]), (DAILY_FOLDERS[2], [])):
        _keep(tmp_path, name, ["daily_exciting", *(f"daily_no_{t}" for t in terms)])
        settings = json.loads((tmp_path / name / "settings.json").read_text())
        (tmp_path / name / "settings.json").write_text(json.dumps(settings | folds))
    _ablation(tmp_path / "daily-240", ["excitation", "change"])
    _ablation(tmp_path / DAILY_FOLDERS[2], ["season", "exercise", "state"])

    [(name, tables, settings)] = kept_daily_protocols(tmp_path)
    assert name == "daily-240"
    terms = list(dict.fromkeys(tables["ablation"]["term"]))
    assert terms == ["excitation", "change", "season", "exercise", "state"]
    assert len(tables["ablation"]) == 15
    words = daily_findings(tables, settings, "ar_level")
    assert sum("season" in w for w in words) == 1 and sum("excitation" in w for w in words) == 1
    lead = _daily_lead(settings, "ar_level", earlier_cutoffs=len(settings["cutoffs"]), terms=terms)
    named = "excitation, change, season, exercise and state"
    assert lead.endswith(f"its {named} terms left out in turn:")
    # after a protocol on fewer cutoffs, its verdicts are the ones to read
    fewer = len(settings["cutoffs"]) - 1
    lead = _daily_lead(settings, "ar_level", earlier_cutoffs=fewer, terms=terms)
    assert lead.endswith(
        f"left out in turn (more cutoffs than the {fewer} above: where a verdict differs, "
        "read this one):"
    )
    # an earlier protocol without cutoffs is no measure
    lead = _daily_lead(settings, "ar_level", earlier_cutoffs=0, terms=terms)
    assert lead.endswith("left out in turn:")

    other = tmp_path / DAILY_FOLDERS[2] / "settings.json"
    joined = json.loads(other.read_text())
    other_sampler = {"daily_exciting": {"target_accept": 0.99, "adaptation": "diag"}}
    for change in ({"seed": 8}, {"samplers": other_sampler}, {"sim_draws": 100}):
        other.write_text(json.dumps(joined | change))
        kept = kept_daily_protocols(tmp_path)
        assert [name for name, *_ in kept] == ["daily-240", "daily-240-terms"], change
        assert set(kept[0][1]["ablation"]["term"]) == {"excitation", "change"}
        assert set(kept[1][1]["ablation"]["term"]) == {"season", "exercise", "state"}
