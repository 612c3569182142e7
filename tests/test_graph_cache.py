"""The functions PyTensor compiles from a model's graph, kept on disk: a second process skips
the rewrites and samples the same bits; damaged, mismatched and old entries are not used."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import nutpie
import pytest
from test_numba_cache import MODEL_SOURCE, logp_and_grad, small_model

from forecast.models import graph_cache, numba_cache
from forecast.models.numba_cache import compile_numba_model

KEY = ("small_model", "test")


@pytest.fixture
def entries(tmp_path, monkeypatch):
    """Entries go to a folder of this test."""
    folder = tmp_path / "graphs"
    monkeypatch.setattr(graph_cache, "folder", lambda: folder)
    return folder


@pytest.fixture
def count_rewrites(monkeypatch):
    """How many times the model's functions were built (PyTensor's rewrites ran)."""
    calls = []
    original = numba_cache._flat_functions

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(numba_cache, "_flat_functions", counted)
    return calls


def points(compiled) -> np.ndarray:
    rng = np.random.default_rng(7)
    values = []
    for scale in np.repeat([0.3, 1.0, 3.0], 10):
        code, logp, grad = logp_and_grad(compiled, rng.normal(0.0, scale, compiled.n_dim))
        assert code == 0
        values.append([logp, *grad])
    return np.array(values)


def test_the_second_compilation_reads_the_entry_and_gives_the_same_bits(entries, count_rewrites):
    first = compile_numba_model(small_model(), key=KEY)
    assert len(count_rewrites) == 1
    (path,) = entries.glob(f"*{graph_cache.SUFFIX}")
    second = compile_numba_model(small_model(), key=KEY)
    assert len(count_rewrites) == 1  # no second rewrite
    assert points(second).tobytes() == points(first).tobytes()
    assert second.n_expanded == first.n_expanded and second.dims == first.dims
    # new data still reach the callbacks of a model read from an entry
    y = np.arange(40) % 5
    x = np.full(first.n_dim, 0.1)
    np.testing.assert_array_equal(
        logp_and_grad(second.with_data(y=y), x)[2], logp_and_grad(first.with_data(y=y), x)[2]
    )
    assert path.exists()


def test_without_a_key_nothing_is_stored(entries, count_rewrites):
    compile_numba_model(small_model())
    compile_numba_model(small_model())
    assert len(count_rewrites) == 2 and not entries.exists()


def test_other_data_are_another_entry(entries, count_rewrites):
    compile_numba_model(small_model(), key=KEY)
    other = compile_numba_model(small_model(y=np.arange(40) % 3), key=KEY)
    assert len(count_rewrites) == 2 and len(list(entries.glob(f"*{graph_cache.SUFFIX}"))) == 2
    twin = compile_numba_model(small_model(y=np.arange(40) % 3))
    assert points(other).tobytes() == points(twin).tobytes()


def test_a_damaged_entry_is_compiled_afresh_and_replaced(entries, count_rewrites):
    compile_numba_model(small_model(), key=KEY)
    (path,) = entries.glob(f"*{graph_cache.SUFFIX}")
    path.write_bytes(b"not a pickle")
    compiled = compile_numba_model(small_model(), key=KEY)
    assert len(count_rewrites) == 2
    assert pickle.loads(path.read_bytes())["version"] == graph_cache.ENTRY_VERSION
    assert points(compiled).shape == (30, compiled.n_dim + 1)


def test_an_entry_that_computes_other_values_is_not_used(entries, count_rewrites):
    compile_numba_model(small_model(), key=KEY)
    (path,) = entries.glob(f"*{graph_cache.SUFFIX}")
    entry = pickle.loads(path.read_bytes())
    logp, grad = entry["expected"]
    entry["expected"] = (logp + 1e-9, grad)  # written by other functions than it holds
    path.write_bytes(pickle.dumps(entry))
    compile_numba_model(small_model(), key=KEY)
    assert len(count_rewrites) == 2


def poisson_model(check_bounds: bool = True):
    """``small_model``'s data and parameters with another likelihood."""
    import pymc as pm

    base = small_model()
    with pm.Model(coords=base.coords, check_bounds=check_bounds) as model:
        x = pm.Data("X", base["X"].get_value(), dims=("obs", "k"))
        counts = pm.Data("y", base["y"].get_value(), dims="obs")
        beta = pm.Normal("beta", 0, 1, dims="k")
        alpha = pm.HalfNormal("alpha", 2)
        mu = pm.Deterministic("mu", pm.math.exp(0.5 + x @ beta) + 0 * alpha, dims="obs")
        pm.Poisson("obs_y", mu=mu, observed=counts, dims="obs")
    return model


def test_the_key_covers_structure_data_variables_and_versions(monkeypatch):
    import pymc

    model = small_model()
    key = graph_cache.entry_key(KEY, model)
    assert graph_cache.entry_key(KEY, small_model()) == key  # the same in every build
    assert graph_cache.entry_key(None, model) is None
    assert graph_cache.entry_key(("other",), model) != key
    assert graph_cache.entry_key(KEY, model, ["beta"]) != key
    # None keeps every variable, [] none: two entries
    assert graph_cache.entry_key(KEY, model, None) != graph_cache.entry_key(KEY, model, [])
    # the same structure key with another likelihood (a class edited under its old name), or
    # without bounds checks: another entry
    poisson = graph_cache.entry_key(KEY, poisson_model())
    assert poisson != key
    assert graph_cache.entry_key(KEY, poisson_model(check_bounds=False)) != poisson
    assert graph_cache.entry_key(KEY, small_model(y=np.arange(40) % 3)) != key
    with pymc.Model() as bare:  # a dimension with a length and no coordinate values
        bare.add_coord("day", length=3)
        pymc.Normal("z", dims="day")
    with pymc.Model() as longer:
        longer.add_coord("day", length=4)
        pymc.Normal("z", dims="day")
    assert graph_cache.entry_key(KEY, bare) != graph_cache.entry_key(KEY, longer)
    monkeypatch.setattr(pymc, "__version__", "99.0.0")
    assert graph_cache.entry_key(KEY, model) != key
    monkeypatch.undo()
    monkeypatch.setattr(graph_cache, "source_digest", lambda: "edited source")
    assert graph_cache.entry_key(KEY, model) != key


def test_an_entry_is_written_only_after_the_callbacks_passed_verification(entries, monkeypatch):
    from forecast.models import numba_cache

    def disagree(*args, **kwargs):
        raise numba_cache.CacheFallback("verification", "made to disagree")

    sentinel = object()
    monkeypatch.setattr(numba_cache, "verify", disagree)
    monkeypatch.setattr(numba_cache, "_announce", lambda error: None)
    monkeypatch.setattr(nutpie, "compile_pymc_model", lambda *args, **kwargs: sentinel)
    assert compile_numba_model(small_model(), key=KEY) is sentinel  # nutpie's own compilation
    assert not list(entries.glob(f"*{graph_cache.SUFFIX}"))


def test_a_file_left_half_written_is_removed_when_old(entries):
    entries.mkdir()
    old = entries / f"{graph_cache.WRITING}old{graph_cache.SUFFIX}"
    fresh = entries / f"{graph_cache.WRITING}fresh{graph_cache.SUFFIX}"
    for path in (old, fresh):
        path.write_bytes(b"half")
    os.utime(old, (1000, 1000))
    graph_cache.store("a", {"i": 0})
    assert not old.exists() and fresh.exists()  # another process may be writing that one


def test_the_oldest_entries_beyond_the_limit_are_removed(entries, monkeypatch):
    for i, name in enumerate(["a", "b", "c"]):
        graph_cache.store(name, {"i": i})
        os.utime(entries / f"{name}{graph_cache.SUFFIX}", (1000 + i, 1000 + i))
    monkeypatch.setattr(graph_cache, "MAX_ENTRIES", 2)
    graph_cache.store("d", {"i": 3})
    assert sorted(p.name for p in entries.iterdir()) == [
        f"c{graph_cache.SUFFIX}",
        f"d{graph_cache.SUFFIX}",
    ]
    assert graph_cache.load("c") is None  # not an entry of ours: no functions in it


def test_a_folder_that_cannot_be_written_is_not_an_error(tmp_path, monkeypatch, count_rewrites):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setattr(graph_cache, "folder", lambda: blocker / "graphs")
    compiled = compile_numba_model(small_model(), key=KEY)
    assert len(count_rewrites) == 1 and np.isfinite(points(compiled)).all()


CHILD = """
import json, sys
import numpy as np
{model}
from forecast.models import numba_cache
from forecast.models.numba_cache import compile_numba_model
sys.path.insert(0, "tests")
from pathlib import Path
from forecast.models import graph_cache
from test_graph_cache import points
graph_cache.folder = lambda: Path(sys.argv[3])  # entries of this test only
if sys.argv[1] == "forbid":
    def rewrites(*args, **kwargs):
        raise AssertionError("PyTensor's rewrites ran")
    numba_cache._flat_functions = rewrites
compiled = compile_numba_model(small_model(), key=("small_model", sys.argv[2]))
print(json.dumps({{"values": points(compiled).tobytes().hex()}}))
"""


@pytest.mark.slow
def test_a_second_process_skips_the_rewrites(tmp_path):
    # the machine's compile directory (numba's caches warm); the entries in a folder of this test
    script = CHILD.format(model=textwrap.dedent(MODEL_SOURCE))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folder = tmp_path / "graphs"

    def child(mode: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", script, mode, str(tmp_path), str(folder)],
            capture_output=True,
            text=True,
            cwd=root,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = child("allow")
    assert len(list(folder.glob(f"*{graph_cache.SUFFIX}"))) == 1
    second = child("forbid")  # would fail if the functions were not read from the entry
    assert second["values"] == first["values"]
