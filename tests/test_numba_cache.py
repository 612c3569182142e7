"""nutpie's callbacks from the disk cache: the same log density, new data, a second process,
and each way back to nutpie's own compilation (said once, still a valid posterior)."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import subprocess
import sys
import textwrap

import numpy as np
import nutpie
import pymc as pm
import pytest

from forecast.models import numba_cache
from forecast.models.numba_cache import compile_numba_model

#: A small count regression with data of two ranks and dtypes (what our models hold).
MODEL_SOURCE = """
import numpy as np
import pymc as pm

def small_model(y=None):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    if y is None:
        y = rng.poisson(np.exp(0.5 + X @ np.array([0.3, -0.2, 0.1])))
    with pm.Model(coords={"k": range(3), "obs": range(40)}) as model:
        x = pm.Data("X", X, dims=("obs", "k"))
        counts = pm.Data("y", y.astype("int64"), dims="obs")
        beta = pm.Normal("beta", 0, 1, dims="k")
        alpha = pm.HalfNormal("alpha", 2)
        mu = pm.Deterministic("mu", pm.math.exp(0.5 + x @ beta), dims="obs")
        pm.NegativeBinomial("obs_y", mu=mu, alpha=alpha, observed=counts, dims="obs")
    return model
"""

namespace: dict = {}
exec(MODEL_SOURCE, namespace)  # the same model in this process and in the child processes
small_model = namespace["small_model"]


def logp_and_grad(compiled, x: np.ndarray) -> tuple[int, float, np.ndarray]:
    """Call a compiled model's C log-density callback the way nutpie's sampler does."""
    return numba_cache.call_logp(compiled, x)


def expand(compiled, x: np.ndarray) -> np.ndarray:
    code, out = numba_cache.call_expand(compiled, np.ascontiguousarray(x, dtype=np.float64))
    assert code == 0
    return out


@pytest.fixture(scope="module")
def both():
    model = small_model()
    return model, compile_numba_model(model), compile_numba_model(model, cached=False)


def test_the_cached_callbacks_are_ours_and_nutpies_are_not(both):
    _, ours, nutpies = both
    assert ours.compiled_logp_func._pyfunc.__name__ == "logp_cfunc"
    assert ours.compiled_expand_func._pyfunc.__name__ == "expand_cfunc"
    assert nutpies.compiled_logp_func._pyfunc.__name__ != "logp_cfunc"
    # fixed keys, not nutpie's random ones: the two data and the length of the dimension "k"
    # of beta, whose place in the flat vector is symbolic
    assert sorted(ours.shared_data) == ["d0", "d1", "d2"]


def sized_model(n: int):
    """A model with a dimension ``month`` of ``n`` innovations (as ``ar_level``'s) and a
    transformed variable of a fixed shape."""
    rng = np.random.default_rng(5)
    y = rng.poisson(2.0, size=n)
    with pm.Model(coords={"month": range(n), "moy": range(12)}) as model:
        counts = pm.Data("y", y.astype("int64"), dims="month")
        moy = pm.Data("moy_idx", np.arange(n) % 12, dims="month")  # data, not a constant
        season = pm.ZeroSumNormal("season", sigma=0.5, dims="moy")
        sigma = pm.HalfNormal("sigma", 1.0)
        innovation = pm.Normal("innovation", 0.0, 1.0, dims="month")
        level = pm.Normal("level", 0.5, 1.0)  # a fixed shape after the symbolic one
        rate = pm.math.exp(level + season[moy] + sigma * innovation)
        pm.Poisson("obs", rate, observed=counts, dims="month")
    return model


def test_a_callback_given_other_sizes_returns_minus_one_and_the_expand_callback_is_verified():
    """nutpie passes its model's sizes; a larger one is refused (-1), as by nutpie's own
    callbacks, a smaller one fails (1: the graph cannot split the point), neither writes a
    gradient or a log density, and the stored variables the expand callback writes are
    nutpie's."""
    compiled = compile_numba_model(sized_model(30))
    double = ctypes.POINTER(ctypes.c_double)

    def call(dim: int) -> tuple[int, np.ndarray, np.ndarray]:
        x = np.full(compiled.n_dim + 1, 0.1)
        out, logp = np.full(compiled.n_dim + 1, 7.0), np.full((), 7.0)
        code = compiled.compiled_logp_func.ctypes(
            dim,
            x.ctypes.data_as(double),
            out.ctypes.data_as(double),
            logp.ctypes.data_as(double),
            compiled.user_data.ctypes.data_as(ctypes.c_void_p),
        )
        return code, out, logp

    for dim, expected in ((compiled.n_dim + 1, -1), (compiled.n_dim - 1, 1)):
        code, out, logp = call(dim)
        assert code == expected, dim
        assert (out == 7.0).all() and logp == 7.0, dim  # nothing written
    code, out, logp = call(compiled.n_dim)
    assert code == 0 and np.isfinite(logp) and (out[: compiled.n_dim] != 7.0).any()
    point = compiled.initial_point_func(2)
    code, values = numba_cache.call_expand(compiled, point)
    assert code == 0
    assert values.tobytes() == np.asarray(compiled.expand_func(point)[0]).tobytes()


def test_a_model_one_month_longer_compiles_to_the_same_code_with_nutpies_values():
    """The flat vector's offsets follow the dimension's length (a shared variable), not
    numbers in the graph: the functions of a model with 40 and with 41 months are the same
    code for PyTensor's disk cache (one key), and their values are nutpie's, to the bit."""
    import nutpie.compile_pymc as cp
    from pymc.initial_point import make_initial_point_fn

    keys = set()
    for n in (40, 41):
        model = sized_model(n)
        point_fn = make_initial_point_fn(model=model, return_transformed=True)
        ours = numba_cache._flat_functions(model, point_fn)
        theirs = cp._make_functions(
            model,
            mode="NUMBA",
            compute_grad=True,
            join_expanded=True,
            pymc_initial_point_fn=point_fn,
        )
        assert ours[0] == theirs[0] == n + 11 + 1 + 1 and ours[1] == theirs[1]
        assert ours[6] == theirs[6]  # the transformed variables' names
        assert [tuple(map(int, s)) for s in ours[5][2]] == [
            tuple(map(int, s)) for s in theirs[5][2]
        ]
        assert ours[5][1] == theirs[5][1]  # the same slices for nutpie's unravelling
        for seed in range(3):
            x = ours[4](seed)
            (logp, grad), (logp_n, grad_n) = ours[2](x), theirs[2](x)
            assert logp.tobytes() == logp_n.tobytes() and grad.tobytes() == grad_n.tobytes()
            assert ours[3](x)[0].tobytes() == theirs[3](x)[0].tobytes()
        keys.add((numba_cache.pytensor_cache_key(ours[2]), numba_cache.pytensor_cache_key(ours[3])))
    assert len(keys) == 1 and None not in next(iter(keys))


@pytest.mark.parametrize(
    "name",
    [
        "state_rate",
        "self_exciting",
        "constant_rate",
        "recent_rate",
        "ar_level",
        "class_hierarchical",
    ],
)
def test_a_catalogued_model_on_one_more_month_is_the_same_code(name, panel):
    """A refit on a month not fitted before builds the same log density and expand functions
    for PyTensor's disk cache, even when the month starts a new year (2023-01 after 2022-12:
    one more level step) or not (2023-02): the grid's covariates are data and its lengths
    symbolic, so nothing is compiled anew."""
    from pymc.initial_point import make_initial_point_fn

    from forecast.models import get_model

    keys = set()
    for until in ("2022-12", "2023-01", "2023-02"):  # a new year, then a month within it
        model = get_model(name, until=until).build(panel)
        point_fn = make_initial_point_fn(model=model, return_transformed=True)
        ours = numba_cache._flat_functions(model, point_fn)
        keys.add((numba_cache.pytensor_cache_key(ours[2]), numba_cache.pytensor_cache_key(ours[3])))
    assert len(keys) == 1 and None not in next(iter(keys))


def test_same_log_density_and_gradient_as_nutpies_own(both):
    _, ours, nutpies = both
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.normal(size=ours.n_dim) * rng.uniform(0.05, 1.5)
        code, logp, grad = logp_and_grad(ours, x)
        code_n, logp_n, grad_n = logp_and_grad(nutpies, x)
        assert code == code_n == 0
        np.testing.assert_allclose(logp, logp_n, rtol=1e-11)
        np.testing.assert_allclose(grad, grad_n, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(expand(ours, x), expand(nutpies, x), rtol=1e-12)


def test_new_data_reach_the_cached_callbacks(both):
    _, ours, nutpies = both
    y = np.arange(40) % 7
    new_ours, new_nutpies = ours.with_data(y=y), nutpies.with_data(y=y)
    x = np.full(ours.n_dim, 0.1)
    _, before, _ = logp_and_grad(ours, x)
    _, after, grad = logp_and_grad(new_ours, x)
    _, expected, grad_n = logp_and_grad(new_nutpies, x)
    assert after != before
    np.testing.assert_allclose(after, expected, rtol=1e-11)
    np.testing.assert_allclose(grad, grad_n, rtol=1e-9, atol=1e-11)
    twin = compile_numba_model(small_model(y=y))  # compiled for those data from the start
    np.testing.assert_allclose(logp_and_grad(twin, x)[1], after, rtol=1e-11)


# --- falling back to nutpie's own compilation ------------------------------------------------

#: Start of the one line a fallback prints.
FALLBACK_LINE = "forecast: compiling nutpie's callbacks afresh"

#: The coefficients ``small_model`` simulates its counts from.
TRUE_BETA = np.array([0.3, -0.2, 0.1])


@pytest.fixture
def fallback_lines(monkeypatch, caplog):
    """The lines the fallback prints during a test (each test starts a fresh process' record)."""
    monkeypatch.setattr(numba_cache, "_ANNOUNCED", set())
    caplog.set_level(logging.WARNING, logger=numba_cache.logger.name)

    def lines() -> list[str]:
        records = [r for r in caplog.records if r.name == numba_cache.logger.name]
        assert all(r.exc_info is None for r in records)  # a line, never a traceback
        return [r.getMessage() for r in records]

    return lines


@pytest.fixture
def nutpies(both):
    """nutpie's own compiled ``small_model`` (the ``both`` fixture's)."""
    return both[2]


def is_nutpies(compiled) -> bool:
    return compiled.compiled_logp_func._pyfunc.__name__ != "logp_cfunc"


def assert_valid_posterior(compiled) -> None:
    """A short NUTS run on the compiled model finds the coefficients the data came from."""
    idata = nutpie.sample(
        compiled, draws=150, tune=150, chains=2, seed=1, progress_bar=False, save_warmup=False
    )
    beta = idata["posterior"]["beta"]
    assert beta.shape == (2, 150, 3) and np.isfinite(beta.values).all()
    assert int(idata["sample_stats"]["diverging"].sum()) <= 3
    mean, sd = beta.mean(("chain", "draw")).values, beta.std(("chain", "draw")).values
    assert (np.abs(mean - TRUE_BETA) < 4 * sd).all(), (mean, sd)


def falls_back_once(lines, monkeypatch, reason: str, nutpies=None) -> str:
    """Compile twice under the patched condition: nutpie's compilation each time, one line
    naming ``reason``. Without ``nutpies`` the first compilation is nutpie's own, checked for a
    valid posterior; given nutpie's compiled model (the ``both`` fixture's), nutpie's
    compilation hands it back (compiling it anew, 3-5 s a test, is not what is tested: every
    reason falls back through the same call)."""
    calls = []
    real = nutpie.compile_pymc_model

    def nutpies_compilation(model, **kwargs):
        calls.append(kwargs)
        return real(model, **kwargs) if nutpies is None else nutpies

    monkeypatch.setattr(nutpie, "compile_pymc_model", nutpies_compilation)
    first = compile_numba_model(small_model())
    assert is_nutpies(first) and calls == [{"backend": "numba", "var_names": None}]
    if nutpies is None:
        assert_valid_posterior(first)
    nutpies = first  # the second time round our path fails the same way
    assert compile_numba_model(small_model()) is first and len(calls) == 2
    printed = lines()
    assert len(printed) == 1, printed
    assert printed[0].startswith(FALLBACK_LINE) and "\n" not in printed[0]
    assert reason in printed[0], printed[0]
    return printed[0]


@pytest.mark.slow
def test_another_nutpie_version_falls_back(monkeypatch, fallback_lines):
    monkeypatch.setattr(nutpie, "__version__", "0.17.0")
    line = falls_back_once(fallback_lines, monkeypatch, "nutpie 0.17.0 is not the version")
    assert "0.16.x" in line


@pytest.mark.slow
def test_a_missing_private_name_falls_back(monkeypatch, fallback_lines, nutpies):
    # a helper nutpie dropped (nutpie's own compilation must not need it, so it is named here)
    monkeypatch.setattr(
        numba_cache, "NUTPIE_HELPERS", (*numba_cache.NUTPIE_HELPERS, "_make_functions_v2")
    )
    falls_back_once(fallback_lines, monkeypatch, "lacks _make_functions_v2", nutpies)


def test_a_missing_private_field_is_named():
    import nutpie.compile_pymc as cp

    fields = (*numba_cache.NUTPIE_FIELDS, "_n_dims")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(numba_cache, "NUTPIE_FIELDS", fields)
        with pytest.raises(numba_cache.CacheFallback, match=r"lacks CompiledPyMCModel\._n_dims"):
            numba_cache.check_nutpie(cp)
    numba_cache.check_nutpie(cp)  # the installed nutpie has everything


def test_without_pytensors_numba_cache_helpers_it_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pytensor.link.numba.cache", None)  # import fails
    with pytest.raises(numba_cache.CacheFallback, match="has no numba cache helpers") as info:
        numba_cache._pytensor_cache()
    assert info.value.kind == "pytensor-names"


@pytest.mark.slow
def test_a_function_pytensor_did_not_cache_falls_back(monkeypatch, fallback_lines, nutpies):
    monkeypatch.setattr(numba_cache, "pytensor_cache_key", lambda function: None)
    falls_back_once(
        fallback_lines, monkeypatch, "PyTensor did not cache the graph's function", nutpies
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "original, wrong",
    [
        ("logp[()] = logp_val", "logp[()] = logp_val + 1e-6"),
        ("out[...] = grad", "out[...] = grad * (1 + 1e-7)"),
    ],
    ids=["log density", "gradient"],
)
def test_a_cached_callback_that_disagrees_with_pytensor_falls_back(
    monkeypatch, fallback_lines, nutpies, original, wrong
):
    source = numba_cache._logp_source

    def wrong_source(*args):
        text = source(*args)
        assert original in text
        return text.replace(original, wrong)

    monkeypatch.setattr(numba_cache, "_logp_source", wrong_source)
    falls_back_once(
        fallback_lines, monkeypatch, "the cached log density disagrees with PyTensor's", nutpies
    )


@pytest.mark.slow
def test_a_wrapper_numba_cannot_compile_falls_back(monkeypatch, fallback_lines, nutpies):
    source = numba_cache._expand_source

    def broken(*args):  # a wrapper numba cannot type (an undefined global)
        return source(*args).replace("out[...] = values", "out[...] = no_such_name")

    monkeypatch.setattr(numba_cache, "_expand_source", broken)
    falls_back_once(
        fallback_lines, monkeypatch, "numba could not compile the cached expand_cfunc", nutpies
    )


def test_verification_passes_on_our_callbacks_and_fails_on_a_wrong_point(both):
    _, ours, _ = both
    numba_cache.verify(ours)  # at the initial point
    x = np.full(ours.n_dim, 0.2)
    numba_cache.verify(ours, x)
    logp, grad = numba_cache.reference_logp(ours, x)
    with pytest.raises(numba_cache.CacheFallback, match="off by 1e-08"):
        numba_cache.verify(ours, x, expected=(logp + 1e-8, grad))


def test_the_cache_key_covers_nutpie_pytensor_and_numba_versions(monkeypatch):
    import numba
    import pytensor

    record = np.dtype([("a", np.uintp)])
    key = numba_cache.cache_key("source", "inner", record)
    assert numba_cache.cache_key("source", "inner", record) == key
    for module in (nutpie, pytensor, numba):
        with monkeypatch.context() as mp:
            mp.setattr(module, "__version__", "99.0.0")
            assert numba_cache.cache_key("source", "inner", record) != key, module.__name__
    assert numba_cache.cache_key("source2", "inner", record) != key
    with pytensor.config.change_flags(numba__fastmath=not pytensor.config.numba__fastmath):
        assert numba_cache.cache_key("source", "inner", record) != key


def test_without_pytensors_cache_it_falls_back_to_nutpies_compilation(fallback_lines):
    """Nothing cached: nutpie compiles every op afresh (a one-parameter model keeps it short),
    and its log density is the hand-computed one."""
    import pytensor

    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 1.0)
        pm.Normal("obs", mu, 1.0, observed=np.array([0.5, 1.0]))
    with pytensor.config.change_flags(numba__cache=False):
        compiled = compile_numba_model(model)
    assert is_nutpies(compiled)
    code, logp, grad = logp_and_grad(compiled, np.zeros(compiled.n_dim))
    # at mu = 0: three standard normal densities, at 0, 0.5 and 1
    assert code == 0 and logp == pytest.approx(-1.5 * np.log(2 * np.pi) - (0.25 + 1.0) / 2)
    assert grad == pytest.approx([1.5])  # d/dmu: (0.5 - 0) + (1 - 0) - 0
    (line,) = fallback_lines()
    assert "PyTensor did not cache the graph's function" in line


FALLBACK_CHILD = """
import json
import numpy as np
import nutpie
{model}
nutpie.__version__ = "0.17.0"
from forecast.models.numba_cache import compile_numba_model
first = compile_numba_model(small_model())
nutpie.compile_pymc_model = lambda *args, **kwargs: first  # the second time: the check only
second = compile_numba_model(small_model())
idata = nutpie.sample(second, draws=50, tune=50, chains=1, seed=1, progress_bar=False)
print(json.dumps({{
    "names": [c.compiled_logp_func._pyfunc.__name__ for c in (first, second)],
    "finite": bool(np.isfinite(idata["posterior"]["beta"].values).all()),
}}))
"""


@pytest.mark.slow
def test_a_fallback_prints_one_plain_line_on_stderr():
    """What a user sees: one line on stderr per process, no traceback, and a posterior."""
    script = FALLBACK_CHILD.format(model=textwrap.dedent(MODEL_SOURCE))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "logp_cfunc" not in result["names"] and result["finite"]
    lines = [line for line in done.stderr.splitlines() if line.startswith(FALLBACK_LINE)]
    assert len(lines) == 1, done.stderr
    assert "nutpie 0.17.0 is not the version the cached callbacks were written for" in lines[0]
    assert "Traceback" not in done.stderr


def test_a_cached_model_takes_new_data_when_some_data_was_rewritten_away():
    """Data that the graph multiplies by a left-out term (zeros) is rewritten away at
    compilation; the cached compiled model must still take new values of the data it reads
    (an ablation variant's backtest folds), and refuse none."""
    import pymc as pm
    import pytensor.tensor as pt

    from forecast.models.sampling import _known_data, compiled_nutpie

    def build(y, unused):
        with pm.Model() as model:
            data = pm.Data("y", y)
            dropped = pm.Data("unused", unused)
            mu = pm.Normal("mu", 0.0, 1.0)
            pm.Normal("obs", mu + dropped * pt.zeros(()), 1.0, observed=data)
        return model

    first = compiled_nutpie(build(np.zeros(3), np.ones(3)), key=("rewritten-away", 1))
    assert "y" in _known_data(first) and "unused" not in _known_data(first)
    second = compiled_nutpie(build(np.ones(3), np.ones(3)), key=("rewritten-away", 1))
    assert second is not None


FIT_CHILD = """
import json
import numpy as np
from forecast.data import load_tables, monthly_panel
from forecast.models import get_model, sampling
from forecast.models.numba_cache import call_logp
from forecast.runs import fit_run
model = get_model("state_rate")
settings = {"draws": 150, "tune": 150, "chains": 2}
fit_run(model, monthly_panel(load_tables()), settings, seed=5)
((compiled, _),) = sampling._COMPILED.values()  # the fit's compiled model
rng = np.random.default_rng(7)
values = []
for scale in np.repeat([0.3, 1.0, 3.0], 40):  # near the mode and far out in the tails
    _, logp, grad = call_logp(compiled, rng.normal(0.0, scale, compiled.n_dim))
    values.append([logp, *grad])
print(json.dumps({
    "alpha": model.posterior["alpha"].values.tobytes().hex(),
    "hits": [compiled.compiled_logp_func.cache_hits, compiled.compiled_expand_func.cache_hits],
    "values": np.array(values).tobytes().hex(),
}))
"""


@pytest.mark.slow
def test_a_second_process_loads_the_callbacks_and_draws_the_same_posterior(tmp_path):
    """A machine's first fit (everything compiled in the process, then saved) and the next
    (both callbacks loaded from the disk cache) give the same log densities to the bit and
    draw the same posterior for the same seed. With numba's fast-math, 19 of 300 log
    densities of ``state_rate`` differed in their last bits between the two, and the chains
    went elsewhere."""
    scratch = tmp_path / "tmpdir"  # the system's temporary directory of the two fits
    scratch.mkdir()
    env = {
        **os.environ,
        "PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'cache'}",
        "TMPDIR": str(scratch),
    }
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def fit() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", FIT_CHILD], capture_output=True, text=True, env=env, cwd=root
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    cold = fit()
    assert cold["hits"] == [0, 0]  # an empty cache: compiled, then saved
    saved = sorted(p.name for p in (tmp_path / "cache" / "numba").glob("*cfunc-forecast_*.nbi"))
    assert len(saved) == 2 and saved[0].startswith("string.expand_cfunc")
    warm = fit()
    assert warm["hits"] == [1, 1]  # loaded, not compiled
    # to the bit, at 120 points: a last-bit difference between the code compiled in the first
    # process and the code loaded in the second becomes other draws for the same seed
    assert warm["values"] == cold["values"]
    assert warm["alpha"] == cold["alpha"]
    # PyTensor's generated source went beside its cache, not into the temporary directory
    assert list(scratch.iterdir()) == []
    assert list((tmp_path / "cache").glob("compiledir_*/generated_src/*.py"))


def test_the_models_are_compiled_without_fast_math():
    compiled = compile_numba_model(small_model())
    assert compiled.logp_func.vm.jit_fn.targetoptions["fastmath"] is False


def test_a_folder_the_user_chose_for_generated_source_is_kept(tmp_path):
    import pytensor

    from forecast.models.sampling import keep_generated_source_in_the_cache

    ours = pytensor.config.generated_src_dir
    if "generated_src_dir" not in os.environ.get("PYTENSOR_FLAGS", ""):
        assert ours == str(pytensor.config.compiledir / "generated_src")  # set on import
    try:
        pytensor.config.generated_src_dir = str(tmp_path)
        keep_generated_source_in_the_cache()
        assert pytensor.config.generated_src_dir == str(tmp_path)
    finally:
        pytensor.config.generated_src_dir = ours
