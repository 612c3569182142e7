"""nutpie's callbacks from the disk cache: the same log density, new data, a second process."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

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
    out = np.zeros(compiled.n_dim)
    logp = np.zeros(())
    double = ctypes.POINTER(ctypes.c_double)
    code = compiled.compiled_logp_func.ctypes(
        compiled.n_dim,
        x.ctypes.data_as(double),
        out.ctypes.data_as(double),
        logp.ctypes.data_as(double),
        compiled.user_data.ctypes.data_as(ctypes.c_void_p),
    )
    return code, float(logp), out


def expand(compiled, x: np.ndarray) -> np.ndarray:
    out = np.zeros(compiled.n_expanded)
    double = ctypes.POINTER(ctypes.c_double)
    code = compiled.compiled_expand_func.ctypes(
        compiled.n_dim,
        compiled.n_expanded,
        x.ctypes.data_as(double),
        out.ctypes.data_as(double),
        compiled.user_data.ctypes.data_as(ctypes.c_void_p),
    )
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
    assert sorted(ours.shared_data) == ["d0", "d1"]  # fixed keys, not nutpie's random ones


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


CHILD = """
import json, sys
import numpy as np
{model}
from forecast.models.numba_cache import compile_numba_model
from tests.test_numba_cache import logp_and_grad
compiled = compile_numba_model(small_model())
x = np.linspace(-0.5, 0.5, compiled.n_dim)
print(json.dumps({{
    "hits": [compiled.compiled_logp_func.cache_hits, compiled.compiled_expand_func.cache_hits],
    "logp": logp_and_grad(compiled, x)[1],
}}))
"""


@pytest.mark.slow
def test_a_second_process_loads_both_callbacks_from_disk(tmp_path):
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'cache'}"}
    script = CHILD.format(model=textwrap.dedent(MODEL_SOURCE))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def child() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=root
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    first, second = child(), child()
    assert first["hits"] == [0, 0]  # an empty cache: compiled, then saved
    assert second["hits"] == [1, 1]  # loaded, not compiled
    np.testing.assert_allclose(second["logp"], first["logp"], rtol=1e-12)
    saved = sorted(p.name for p in (tmp_path / "cache" / "numba").glob("*cfunc-forecast_*.nbi"))
    assert len(saved) == 2 and saved[0].startswith("string.expand_cfunc")


def test_without_pytensors_cache_it_falls_back_to_nutpies_compilation():
    import pytensor

    with pytensor.config.change_flags(numba__cache=False):
        compiled = compile_numba_model(small_model())
    assert compiled.compiled_logp_func._pyfunc.__name__ != "logp_cfunc"
    code, logp, _ = logp_and_grad(compiled, np.zeros(compiled.n_dim))
    assert code == 0 and np.isfinite(logp)
