"""Models: priors, prior predictive checks, parameter recovery, diagnostics, save/load."""

from __future__ import annotations

import json

import arviz as az
import numpy as np
import pandas as pd
import pytest
import simulated as sim
import xarray as xr
from conftest import SEED

from forecast import catalog
from forecast.errors import ConfigError, RunFileError
from forecast.models import REGISTRY, BaseModel, get_model, prior_predictive_check, sampling
from forecast.runs import fit_run

SMALL = {"draws": 400, "tune": 400, "chains": 2}


def fit(model, panel, **kw):
    return fit_run(model, panel, "fast", seed=SEED, **(SMALL | kw)).model


def inside_hdi(model, var: str, truth, hdi_prob: float = 0.94) -> None:
    hdi = az.hdi(model.posterior[var], prob=hdi_prob)
    low = hdi.sel(ci_bound="lower").values
    high = hdi.sel(ci_bound="upper").values
    truth = np.asarray(truth, dtype=float)
    ok = (low <= truth + 1e-9) & (truth - 1e-9 <= high)
    assert ok.all(), f"{model.name}.{var}: truth {truth} outside {hdi_prob:.0%} HDI {low}..{high}"


# --- priors ---------------------------------------------------------------------------------


def test_user_priors_override_defaults_key_by_key():
    model = get_model("state_rate", priors={"state_effect": {"sigma": 0.3}})
    assert model.priors["state_effect"] == {"sigma": 0.3}
    assert model.priors["level_start"] == REGISTRY["state_rate"].default_priors["level_start"]
    assert REGISTRY["state_rate"].default_priors["state_effect"] == {"sigma": 1.0}
    # 1e-3 in a YAML file is a number (YAML 1.1 would leave it as text)
    from forecast.yamlio import load_yaml_text

    written = load_yaml_text("state_effect: {sigma: 1e-3}\nalpha: {alpha: 2E1}\n", "p.yaml")
    assert written["state_effect"]["sigma"] == 0.001 and written["alpha"]["alpha"] == 20.0
    assert load_yaml_text("a: 2026-03\nb: 1e-x\nc: '1e-3'\n", "x.yaml") == {
        "a": "2026-03", "b": "1e-x", "c": "1e-3"
    }  # fmt: skip
    model = get_model("state_rate", priors=written)
    assert model.priors["state_effect"] == {"sigma": 0.001} and model.priors["alpha"]["alpha"] == 20


@pytest.mark.parametrize(
    "priors, words",
    [
        ({"bogus": {"sigma": 1}}, "unknown prior 'bogus'"),
        ({"state_effect": {"mu": 1}}, "unknown parameter 'mu'"),
    ],
)
def test_unknown_priors_are_refused(priors, words):
    with pytest.raises(ConfigError) as info:
        get_model("state_rate", priors=priors)
    assert words in str(info.value)


def test_unknown_model_and_target_are_refused():
    with pytest.raises(ConfigError, match="unknown model 'nope'"):
        get_model("nope")
    with pytest.raises(ConfigError, match="unknown target"):
        get_model("state_rate", target="tweets")
    with pytest.raises(ConfigError, match="not 'missiles'"):
        get_model("class_hierarchical", target="missiles")


def test_every_prior_dict_is_documented():
    source = {name: cls.__module__ for name, cls in REGISTRY.items()}
    for name, cls in REGISTRY.items():
        assert cls.default_priors or not cls.uses_mcmc, name
        assert cls.entry().description, name
        assert cls.entry().mcmc == cls.uses_mcmc, name
        assert cls.entry().states == ("state_effect" in cls.default_priors), name
        assert source[name].startswith("forecast.models")


# ar_level's ablation variants are left out: each is ar_level without one term and its prior
# (tests/test_ablation.py builds and fits each), and ar_level's check is the slowest (20 s)
@pytest.mark.parametrize(
    "name",
    sorted(n for n, c in REGISTRY.items() if c.uses_mcmc and not n.startswith("ar_level_no_")),
)
def test_default_priors_pass_the_prior_predictive_check(name, panel):
    model = get_model(name)
    model.build(panel)
    check = prior_predictive_check(model, draws=300, random_seed=SEED)
    assert check.passed, check
    assert check.share_below >= 0.99
    assert 0 < check.share_zero < 0.95


def test_a_too_wide_prior_fails_the_prior_predictive_check(panel):
    model = get_model("state_rate", priors={"level_start": {"sigma": 5.0}})
    model.build(panel)
    check = prior_predictive_check(model, draws=300, random_seed=SEED)
    assert not check.passed
    assert check.quantile_99 > 30


def test_training_window_options(panel):
    model = get_model("state_rate", since="2010-01", until="2019-10-31")
    model.build(panel)
    assert model.training["month"].iloc[0] == pd.Timestamp("2010-01-01")
    assert model.training["month"].iloc[-1] == pd.Timestamp("2019-10-01")
    recent = get_model("recent_rate", until="2019-10")
    recent.build(panel)
    assert len(recent.training) == 24
    assert recent.training["month"].iloc[0] == pd.Timestamp("2017-11-01")
    with pytest.raises(ConfigError, match="at least 12 months"):
        get_model("state_rate", since="2025-06").build(panel)
    # a window backwards is refused as such, through the API as on the command line (it was
    # said to start "after the data's last month", or to hold no month)
    with pytest.raises(ConfigError, match=r"--since 2020-01 is after --until 2010-01\. Fix: swap"):
        get_model("state_rate", since="2020-01", until="2010-01").build(panel)


def test_a_window_unlike_the_one_asked_for_is_said(panel):
    last = pd.Timestamp(panel["month"].iloc[-1])
    asked = get_model("state_rate", since="2010-01", until="2019-10-31")
    assert asked.build(panel) is not None and asked.window_notes() == []
    late = get_model("ar_level", since=f"{last:%Y}-06")  # fewer than its 60 months
    late.build(panel)
    first = last - pd.DateOffset(months=59)
    assert late.training["month"].iloc[0] == first
    assert late.window_notes() == [
        f"ar_level fits at least 60 months, so its window starts at {first:%Y-%m}, "
        f"not at --since {last:%Y}-06"
    ]
    recent = get_model("recent_rate", since="2010-01")  # its own 24 months
    recent.build(panel)
    assert recent.window_notes() == [
        f"recent_rate fits only its last 24 months, so its window starts at "
        f"{last - pd.DateOffset(months=23):%Y-%m}, after --since 2010-01"
    ]
    beyond = get_model("state_rate", until="2100-01")
    beyond.build(panel)
    assert beyond.window_notes() == [f"the data end at {last:%Y-%m}, before --until 2100-01"]
    with pytest.raises(ConfigError, match=f"2100-01 is after the data's last month, {last:%Y-%m}"):
        get_model("state_rate", since="2100-01").build(panel)


# --- parameter recovery -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def state_fit():
    return fit(get_model("state_rate"), sim.state_panel(240, seed=SEED))


@pytest.mark.slow
def test_constant_rate_recovers_rate_and_dispersion():
    model = fit(get_model("constant_rate"), sim.constant_panel(240, SEED, rate=2.5, alpha=3.0))
    inside_hdi(model, "log_rate", np.log(2.5))
    inside_hdi(model, "alpha", 3.0)


@pytest.mark.slow
def test_recent_rate_sees_only_the_last_24_months():
    early = sim.constant_panel(216, SEED, rate=0.3, alpha=3.0)
    late = sim.constant_panel(24, SEED + 1, rate=4.0, alpha=3.0)
    late["month"] = pd.date_range(early["month"].iloc[-1], periods=25, freq="MS")[1:]
    model = fit(get_model("recent_rate"), pd.concat([early, late], ignore_index=True))
    inside_hdi(model, "log_rate", np.log(4.0))
    assert float(model.posterior["log_rate"].mean()) > np.log(2.0)


@pytest.mark.slow
def test_state_rate_recovers_state_effects_and_dispersion(state_fit):
    truth = [sim.TRUE_STATE_EFFECT[s] for s in state_fit.posterior["state"].values]
    inside_hdi(state_fit, "state_effect", truth)
    inside_hdi(state_fit, "alpha", sim.default_params()["alpha"])
    inside_hdi(state_fit, "beta_exercise", sim.default_params()["beta_exercise"])


def test_the_reference_state_has_no_probability_below_1(state_fit):
    """The reference's ratio is 1 in every draw: its P(ratio < 1) is blank, not 0.00."""
    from forecast.cli.tables import effects_table

    effects = state_fit.state_effects()
    assert effects["state"].iloc[0] == "no_talks"
    assert np.isnan(effects["p_below_1"].iloc[0])
    others = effects["p_below_1"].iloc[1:]
    assert others.between(0, 1).all() and not others.isna().any()
    column = effects_table(effects).columns[-1]
    assert list(column.cells)[0] == "reference"
    assert list(column.cells)[1] == f"{others.iloc[0]:.2f}"


@pytest.mark.slow
def test_self_exciting_recovers_excitation():
    model = fit(get_model("self_exciting"), sim.exciting_panel(300, seed=SEED))
    params = sim.default_params()
    truth = [params["state_effect"][s] for s in model.posterior["state"].values]
    inside_hdi(model, "excitation", params["excitation"])
    inside_hdi(model, "state_effect", truth)
    inside_hdi(model, "alpha", params["alpha"])


@pytest.mark.slow
def test_class_hierarchical_recovers_shares_and_pooled_effects():
    shares = {"SRBM": 0.55, "MRBM/IRBM": 0.2, "ICBM": 0.1, "SLBM/SLV/other": 0.15}
    panel = sim.class_panel(240, SEED, shares, sim.TRUE_STATE_EFFECT)
    model = fit(get_model("class_hierarchical"), panel)
    post = model.posterior
    inside_hdi(model, "class_log_share", np.log([shares[c] for c in post["weapon_class"].values]))
    inside_hdi(model, "state_effect_mean", [sim.TRUE_STATE_EFFECT[s] for s in post["state"].values])
    nuclear = np.exp(post["nuclear_log_rate"]).mean()
    assert 0.005 < float(nuclear) < 0.06


@pytest.mark.slow
def test_ar_level_recovers_persistence_innovations_state_effects_dispersion_and_salvos():
    """The default model on 25 years of its own process (two leader eras, 94% HDIs), fitted
    to the missiles: the level through the launch days (the same likelihood as a launch-day
    fit, whose graph lacks only the salvo term), the salvo term through the missiles beyond
    them. One fit for both (a second, launch-day fit cost the suite 20 s of CPU).

    300 months: with 240, the N(0, 0.5) shrinkage of the state effects pulled the largest
    (-1.2) out of its HDI for one seed in three. With 300 months and these draws, seeds
    20251231, 1, 3 and 4 pass every check; seed 2 misses alpha at the HDI's edge (3.83 < 4),
    as a 94% interval should now and then.
    """
    panel, truth = sim.ar_level_panel(300, seed=SEED)
    model = fit(get_model("ar_level", target="missiles"), panel, draws=600, tune=600)
    params, post = sim.ar_level_params(), model.posterior
    inside_hdi(model, "ar_phi", params["ar_phi"])
    inside_hdi(model, "ar_sigma", params["ar_sigma"])
    inside_hdi(model, "state_effect", [params["state_effect"][s] for s in post["state"].values])
    inside_hdi(model, "alpha", params["alpha"])
    inside_hdi(model, "era_mean", [truth["era_mean"][e] for e in post["era"].values])
    # the data, not the prior, placed the level's dynamics: sds below the priors' (1, 0.5;
    # 0.53-0.71 and 0.24-0.28 of them over the five seeds above)
    assert float(post["ar_phi_logit"].std()) < 0.8 * model.priors["ar_phi"]["sigma"]
    assert float(post["ar_sigma_log"].std()) < 0.7 * model.priors["ar_sigma"]["sigma"]
    inside_hdi(model, "salvo_mean", params["salvo_mean"])
    inside_hdi(model, "salvo_alpha", params["salvo_alpha"])
    # the salvos are pinned by 590 launch days: a mean within 0.25 of the truth
    assert abs(float(post["salvo_mean"].mean()) - params["salvo_mean"]) < 0.25
    assert {"salvo_mean", "salvo_alpha", "ar_phi"} <= set(model.summary().index)


# --- diagnostics ------------------------------------------------------------------------------


@pytest.mark.slow
def test_verdict_fails_on_a_deliberately_bad_fit(panel):
    model = fit(get_model("state_rate"), panel, tune=5, draws=100)
    assert not model.diagnostics.passed
    assert "FAIL" in model.diagnostics.verdict()


@pytest.mark.slow
def test_verdict_passes_on_the_defaults_on_the_full_data(panel):
    model = fit_run(get_model("state_rate"), panel, "full", seed=SEED).model
    assert model.diagnostics.passed, model.diagnostics.verdict()
    effects = model.state_effects()
    assert list(effects["state"]) == ["no_talks", "stalled", "active_talks", "summitry"]
    assert (effects["hdi_low"] <= effects["rate_ratio_mean"]).all()
    assert (effects["rate_ratio_mean"] <= effects["hdi_high"]).all()
    # the reference's ratio is 1 in every draw: P(ratio < 1) is undefined, not 0
    assert np.isnan(effects["p_below_1"].iloc[0])
    assert effects["p_below_1"].iloc[1:].between(0, 1).all()


@pytest.mark.slow
def test_same_seed_same_numbers():
    panel = sim.constant_panel(120, SEED, rate=2.0, alpha=3.0)
    a = fit(get_model("constant_rate"), panel, draws=100, tune=100)
    b = fit(get_model("constant_rate"), panel, draws=100, tune=100)
    np.testing.assert_array_equal(a.posterior["log_rate"], b.posterior["log_rate"])


# --- save / load ------------------------------------------------------------------------------


def _future(model, months=12, state="stalled"):
    start = model.training["month"].iloc[-1] + pd.offsets.MonthBegin(1)
    return pd.DataFrame(
        {
            "month": pd.date_range(start, periods=months, freq="MS"),
            "state": state,
            "exercise_days": 0,
        }
    )


@pytest.mark.slow
def test_save_load_round_trip_gives_identical_posteriors_and_predictions(state_fit, tmp_path):
    path = state_fit.save(tmp_path / "fit.nc")
    loaded = BaseModel.load(path)
    assert type(loaded) is type(state_fit)
    assert loaded.config() == state_fit.config()
    for var in state_fit.posterior.data_vars:
        np.testing.assert_array_equal(loaded.posterior[var].values, state_fit.posterior[var].values)
    a = state_fit.simulate(_future(state_fit), random_seed=SEED)
    b = loaded.simulate(_future(loaded), random_seed=SEED)
    np.testing.assert_array_equal(a["counts"].values, b["counts"].values)
    assert loaded.diagnostics == state_fit.diagnostics
    meta = loaded.metadata()
    assert meta["package_version"] and len(meta["data_hash"]) == 64
    assert meta["sampler"]["random_seed"] == SEED


def test_a_missing_text_is_hashed_as_netcdf_gives_it_back_and_old_hashes_still_match(tmp_path):
    """A month after the leaders table ends has no leader: netCDF reads it back as "", so the
    fit is hashed with "" (hashed as missing, it could not be loaded); the hash fits saved
    before took of the same panel is still accepted."""
    from forecast.models.storage import _as_read_back, _hash_as_written_before, data_hash

    panel = pd.DataFrame(
        {"month": ["2025-12", "2026-01"], "launch_days": [0, 1], "dprk_leader": ["Kim", None]}
    )
    stored = _as_read_back(panel)
    assert stored["dprk_leader"].tolist() == ["Kim", ""]
    path = tmp_path / "panel.nc"
    xr.Dataset.from_dataframe(stored.rename_axis("row")).to_netcdf(path)
    read = xr.load_dataset(path).to_dataframe().reset_index(drop=True)
    assert data_hash(read) == data_hash(stored)  # what load_fit checks
    assert _hash_as_written_before(read) == data_hash(panel)  # a fit saved before
    assert data_hash(read) != data_hash(panel)


@pytest.mark.slow
def test_corrupted_truncated_foreign_and_tampered_files_are_refused(state_fit, tmp_path):
    good = state_fit.save(tmp_path / "fit.nc")

    garbage = tmp_path / "garbage.nc"
    garbage.write_bytes(b"this is not netCDF" * 100)
    with pytest.raises(RunFileError, match="not a readable netCDF"):
        BaseModel.load(garbage)

    truncated = tmp_path / "truncated.nc"
    truncated.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(RunFileError, match="not a readable netCDF"):
        BaseModel.load(truncated)

    foreign = tmp_path / "foreign.nc"
    az.from_dict({"posterior": {"theta": np.zeros((2, 10))}}).to_netcdf(foreign)
    with pytest.raises(RunFileError, match="not a forecast fit"):
        BaseModel.load(foreign)

    tampered = tmp_path / "tampered.nc"
    tree = xr.open_datatree(good).load()
    data = tree["fit_data"].to_dataset()
    state = data["state"].values.copy()
    state[list(state).index("stalled")] = "summitry"
    tree["fit_data"] = data.assign(state=("row", state))
    tree.to_netcdf(tampered)
    with pytest.raises(RunFileError, match="does not match its hash"):
        BaseModel.load(tampered)

    old = tmp_path / "old.nc"
    tree = xr.open_datatree(good).load()
    meta = json.loads(tree["posterior"].attrs["forecast_model"])
    meta["package_version"] = "0.1.0"
    tree["posterior"].attrs["forecast_model"] = json.dumps(meta)
    tree.to_netcdf(old)
    with pytest.raises(RunFileError) as info:
        BaseModel.load(old)
    message = str(info.value)
    assert "written by forecast 0.1.0" in message
    assert "forecast fit --model state_rate" in message and "--out NEW_RUN" in message

    with pytest.raises(RunFileError, match="file not found"):
        BaseModel.load(tmp_path / "missing.nc")


# --- simulation -------------------------------------------------------------------------------


@pytest.mark.slow
def test_simulation_is_seeded_and_checks_its_months(state_fit):
    future = _future(state_fit)
    a = state_fit.simulate(future, random_seed=1, draws=200)
    b = state_fit.simulate(future, random_seed=1, draws=200)
    c = state_fit.simulate(future, random_seed=2, draws=200)
    assert a["counts"].dims == ("draw", "month")
    assert a.sizes == {"draw": 200, "month": 12}
    np.testing.assert_array_equal(a["counts"].values, b["counts"].values)
    assert not np.array_equal(a["counts"].values, c["counts"].values)
    late = future.assign(month=future["month"] + pd.DateOffset(months=2))
    with pytest.raises(ConfigError, match="month by month"):
        state_fit.simulate(late)
    with pytest.raises(ConfigError, match="unknown state"):
        state_fit.simulate(future.assign(state="peace"))


# --- compile once, sample many times -------------------------------------------------------


@pytest.mark.slow
def test_a_moved_window_sees_no_month_after_its_cutoff(panel):
    """Folds re-use one compiled model; the months after a cutoff never reach the fit."""
    sampling.clear_compiled()
    model = get_model("state_rate")
    model.build(panel, keep_future=True)
    fold = fit_run(model.set_until("2015-06"), None, "backtest", seed=SEED, draws=100, tune=100)
    assert fold.model.training["month"].iloc[-1] == pd.Timestamp("2015-06-01")
    assert fold.model.sampler["target_accept"] == 0.95  # the model's own, over the preset's 0.9
    assert len(sampling._COMPILED) == 1
    ((compiled, _),) = sampling._COMPILED.values()
    # our model's callbacks come from the disk-cached wrappers, not nutpie's fallback
    assert compiled.compiled_logp_func._pyfunc.__name__ == "logp_cfunc"
    first = fold.model.posterior["state_effect"].values.copy()

    other = fit_run(
        model.set_until("2016-06"),
        None,
        "backtest",
        seed=SEED,
        draws=100,
        tune=100,
        target_accept=0.85,
    )
    assert other.model.sampler["target_accept"] == 0.85  # a setting changed explicitly wins
    assert len(sampling._COMPILED) == 1  # the second cutoff re-used the compiled model
    assert not np.array_equal(other.model.posterior["state_effect"].values, first)

    changed = panel.copy()
    after = changed["month"] > pd.Timestamp("2015-06-01")
    changed.loc[after, "launch_days"] = 25  # what happened later cannot change the fold
    twin = get_model("state_rate")
    twin.build(changed, keep_future=True)
    again = fit_run(twin.set_until("2015-06"), None, "backtest", seed=SEED, draws=100, tune=100)
    np.testing.assert_array_equal(again.model.posterior["state_effect"].values, first)


def test_clone_keeps_priors_and_changes_the_window():
    model = get_model("state_rate", priors={"state_effect": {"sigma": 0.3}}, until="2019-10")
    copy = model.clone(until="2015-01")
    assert type(copy) is type(model)
    assert copy.priors == model.priors and copy.priors is not model.priors
    assert copy.config()["until"] == "2015-01" and model.config()["until"] == "2019-10"
    with pytest.raises(TypeError):
        model.clone(draws=10)


def test_the_mock_sampler_fits_and_saves_a_run_in_a_second(panel, tmp_path):
    run = fit_run(get_model("state_rate"), panel, "mock", seed=SEED, out=tmp_path / "run")
    assert (tmp_path / "run" / "fit.nc").is_file() and (
        tmp_path / "run" / "forecast.json"
    ).is_file()
    assert run.model.sampler["backend"] == "mock"
    loaded = BaseModel.load(tmp_path / "run" / "fit.nc")
    assert loaded.posterior.sizes["draw"] == catalog.PRESETS["mock"].draws


def test_presets_are_defined_once_and_validated():
    assert {"full", "fast", "backtest"} <= set(catalog.PRESETS)  # and the tests' "mock"
    assert catalog.resolve_sampler("fast", draws=50).draws == 50
    assert catalog.resolve_sampler({"chains": 3}).chains == 3
    with pytest.raises(ConfigError, match="unknown sampler preset"):
        catalog.resolve_sampler("fastest")
    with pytest.raises(ConfigError, match="unknown sampler"):
        catalog.resolve_sampler("full", backend="stan")
    with pytest.raises(ConfigError, match="--draws"):
        catalog.resolve_sampler("full", draws=0)


def test_a_model_refines_a_preset_and_explicit_settings_win():
    model = get_model("ar_level")
    full, fast, backtest = (model.suited_sampler(p) for p in ("full", "fast", "backtest"))
    assert (full.target_accept, fast.target_accept, backtest.target_accept) == (0.99, 0.97, 0.97)
    assert full.adaptation == backtest.adaptation == "diag"
    assert (full.draws, full.preset) == (1000, "full")  # the preset's name survives changes
    assert model.suited_sampler("full", draws=200).preset == "full"
    assert model.suited_sampler("full", target_accept=0.8).target_accept == 0.8
    assert model.suited_sampler("full", backend="pymc").target_accept == 0.9  # nutpie only
    assert get_model("state_rate").suited_sampler("full").target_accept == 0.95
    assert catalog.PRESETS["mock"].preset is None  # a hand-made Sampler belongs to no preset
    assert model.suited_sampler({"draws": 300}).target_accept == 0.97  # custom: no preset
    stored = model.suited_sampler("full").to_dict()  # a run's settings name their preset
    assert model.suited_sampler(stored) == model.suited_sampler("full")


@pytest.mark.slow
def test_a_saved_run_is_small(state_fit, tmp_path):
    path = state_fit.save(tmp_path / "fit.nc")
    assert path.stat().st_size < 3_000_000


# --- naive baselines ---------------------------------------------------------------------------


def test_empirical_recent_draws_only_the_last_twelve_counts(panel):
    model = fit_run(get_model("empirical_recent", until="2019-10"), panel, "full").model
    last12 = panel.set_index("month").loc["2018-11-01":"2019-10-01", "launch_days"].to_numpy()
    kept = model.posterior["recent_counts"].values.reshape(-1)
    assert sorted(kept) == sorted(last12)
    assert model.diagnostics.verdict().startswith("NOT SAMPLED")
    future = _future(model, months=6)
    sims = model.simulate(future, random_seed=SEED, draws=12_000)["counts"].values
    assert set(np.unique(sims)) <= set(last12)
    # each month's predictive is the 12 values with weight 1/12: frequencies match
    values, counts = np.unique(last12, return_counts=True)
    for v, c in zip(values, counts, strict=True):
        assert abs((sims == v).mean() - c / 12) < 0.01


def test_last_value_is_a_point_forecast_and_round_trips(panel, tmp_path):
    model = fit_run(get_model("last_value", until="2017-09"), panel, "full").model
    y = int(panel.set_index("month").loc["2017-09-01", "launch_days"])
    sims = model.simulate(_future(model), random_seed=1, draws=50)["counts"].values
    assert (sims == y).all()
    loaded = BaseModel.load(model.save(tmp_path / "fit.nc"))
    assert (loaded.simulate(_future(loaded), random_seed=2, draws=5)["counts"].values == y).all()


def test_the_default_model_trains_from_2005_unless_told_otherwise(panel):
    from forecast.models import DEFAULT_MODEL

    model = get_model("default")
    assert model.name == DEFAULT_MODEL == "ar_level"
    model.build(panel)
    assert model.training["month"].iloc[0] == pd.Timestamp("2005-01-01")
    assert get_model("default", since=None).config()["since"] == "2005-01"
    early = get_model("default", since="1990-01")
    early.build(panel)
    assert early.training["month"].iloc[0] == pd.Timestamp("1990-01-01")
    # an early cutoff still sees 60 months: the window reaches back before 2005
    short = get_model("default", until="2006-06")
    short.build(panel)
    assert len(short.training) == 60


def test_ar_level_rebuilds_its_monthly_level_from_a_fit_in_memory_and_from_a_run(panel, tmp_path):
    run = fit_run(get_model("default"), panel, "mock", seed=SEED, out=tmp_path / "run")
    model = run.model
    level = model.monthly_level()
    assert level.dims == ("chain", "draw", "month") and level.sizes["month"] == len(model.training)
    # the last month's level is the era level plus the deviation the forecast starts from
    last = model.posterior["era_level"].sel(era=model._last_era()) + model.posterior["z_last"]
    np.testing.assert_allclose(level.isel(month=-1).values, last.values, atol=1e-9)
    # a saved run keeps the innovations (in single precision): the notebooks read the run
    loaded = BaseModel.load(tmp_path / "run" / "fit.nc")
    np.testing.assert_allclose(loaded.monthly_level().values, level.values, atol=1e-6)
    assert loaded.posterior["z_last"].equals(model.posterior["z_last"])  # full precision
    assert loaded.idata["fit_data"].sizes["row"] == model.stop
    size = (tmp_path / "run" / "fit.nc").stat().st_size
    assert size < 300_000, size  # the mock's 100 draws; the full preset's 4,000 stay near 4 MB


def test_a_run_read_back_names_its_folder_without_the_machines_folders(tmp_path):
    from forecast.constants import PROJECT_DIR
    from forecast.runs import shown_folder

    assert shown_folder(PROJECT_DIR / "runs" / "report-latest") == "runs/report-latest"
    assert shown_folder(tmp_path / "my-run") == "my-run"  # outside the project: its name


def test_the_last_month_and_data_end_follow_the_training_window(panel):
    """One place says where a fit's data end (the refit, the outlook and ``questions --today``
    read it): the last training month, and its last day, moved by ``set_until``."""
    model = get_model("state_rate", until="2019-10")
    model.build(panel, keep_future=True)
    assert model.last_month == pd.Period("2019-10", "M")
    assert model.data_end == pd.Timestamp("2019-10-31")
    model.set_until("2020-02")
    assert model.last_month == pd.Period("2020-02", "M")
    assert model.data_end == pd.Timestamp("2020-02-29")
    assert model.last_month == pd.Period(model.training["month"].iloc[-1], "M")
