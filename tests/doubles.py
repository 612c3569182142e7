"""Test doubles, kept out of the package: a stand-in sampler and kill points.

The stand-in sampler
    Plumbing tests (files, commands, reports) need a fitted run fast, not a posterior. The
    ``mock`` preset draws the "posterior" from the prior (:func:`pymc.testing.mock_sample`):
    no MCMC, milliseconds. Its draws are all marked divergent, so its verdict fails like any
    bad fit's and no stand-in passes for a posterior. :func:`install_stand_in_sampler` adds the
    backend to :data:`forecast.models.sampling.SAMPLERS` and the preset to
    :data:`forecast.catalog.PRESETS`. Tests of statistics keep real NUTS.
Kill points
    The interruption tests SIGKILL a real ``forecast`` process at the most dangerous moments of
    a write, to prove a kill leaves the old or the new state, never a mix. The package has no
    hook for it: :func:`install_kill_point` wraps the function that does the step
    (``forecast.outputs.exchange``, ``forecast.data.transaction._apply``...) so that the
    process kills itself just there.

``tests/forecast_cli.py`` runs the real command line with both installed (a kill point named
by the ``FORECAST_TEST_KILL_AT`` variable); in-process tests get the stand-in sampler from
``conftest.py``.
"""

from __future__ import annotations

import os
import signal

import numpy as np

#: Environment variable naming the kill point of a ``tests/forecast_cli.py`` process.
KILL_AT = "FORECAST_TEST_KILL_AT"

#: The stand-in preset: 2 chains x 50 prior draws.
STAND_IN = {"draws": 50, "tune": 0, "chains": 2, "backend": "mock"}


def _stand_in_sample(model, sampler, seed, key, var_names, progress):
    from pymc.testing import mock_sample

    def divergent(size):
        return np.ones(size, dtype=bool)  # a stand-in must never pass for a posterior

    with model:
        return mock_sample(
            draws=sampler.draws,
            chains=sampler.chains,
            random_seed=int(seed),
            model=model,
            var_names=var_names,
            sample_stats={"diverging": divergent},
        )


def install_stand_in_sampler() -> None:
    """Register the ``mock`` backend and preset (idempotent)."""
    import forecast.catalog as catalog
    import forecast.models.sampling as sampling

    if "mock" not in catalog.BACKENDS:
        catalog.BACKENDS = (*catalog.BACKENDS, "mock")
    catalog.PRESETS["mock"] = catalog.Sampler(**STAND_IN)
    sampling.SAMPLERS["mock"] = _stand_in_sample


#: The signal a kill point sends (``FORECAST_TEST_KILL_SIGNAL``: ``KILL``, the default, or
#: ``TERM``, which the command line handles as Ctrl-C).
KILL_SIGNAL = "FORECAST_TEST_KILL_SIGNAL"


def _die() -> None:
    name = os.environ.get(KILL_SIGNAL, "KILL")
    os.kill(os.getpid(), getattr(signal, f"SIG{name}"))


def install_kill_point(name: str) -> None:
    """Make this process SIGKILL itself at the named point of a write.

    ``overlay-staged``
        The new overlay tables are staged, the journal not yet written.
    ``overlay-committed``
        The journal is written, no table replaced yet.
    ``overlay-half-applied``
        The first table is replaced, the others not yet.
    ``output-before-swap``
        An output folder is complete beside its target, not yet swapped in.
    ``output-exchanged``
        The new output folder and the old have just been exchanged; the old not yet removed.
    """
    import forecast.data.transaction as transaction
    import forecast.outputs as outputs

    if name == "overlay-staged":
        write = transaction.write_bytes_atomic

        def staged_then_die(path, data, *args, **kwargs):
            if os.path.basename(path) == transaction.JOURNAL:
                _die()
            return write(path, data, *args, **kwargs)

        transaction.write_bytes_atomic = staged_then_die
    elif name == "overlay-committed":
        transaction._apply = lambda folder, hashes: _die()
    elif name == "overlay-half-applied":
        replace = transaction.os.replace
        done = []

        def first_then_die(src, dst, *args, **kwargs):
            replace(src, dst, *args, **kwargs)
            if os.path.basename(src).endswith(transaction.STAGED):  # a staged table applied
                done.append(dst)
                if len(done) == 1:
                    _die()

        transaction.os.replace = first_then_die
    elif name == "output-before-swap":
        outputs.swap_in = lambda new, target: _die()
    elif name == "output-exchanged":
        exchange = outputs.exchange

        def exchanged_then_die(a, b):
            if exchange(a, b):
                _die()
            return False

        outputs.exchange = exchanged_then_die
    else:
        raise ValueError(f"unknown kill point {name!r}")
