"""Library noise we have checked and silence, in one place.

Our commands, the report and the notebooks print a progress display and our own messages
only. Each filter below names a message we have traced to its cause and judged harmless;
anything else still reaches the user. :func:`install` runs when :mod:`forecast` is imported;
:func:`quiet` additionally lowers the chatter of PyMC's and PyTensor's loggers (their INFO
lines such as "NUTS[nutpie]: [...]") around a fit.

Checked causes (see the README's "Speed" section for the backend choice):

- PyTensor's "could not link to a BLAS installation": raised when the C backend is set up,
  which PyMC 6 no longer uses by default (the numba backend does its own BLAS calls through
  SciPy); harmless for us.
- numba's "Cannot cache compiled function ... dynamic globals": nutpie's own wrapper around
  the log density cannot be cached on disk by design (we compile our own cacheable wrapper,
  :mod:`forecast.models.numba_cache`, and fall back to nutpie's only with another nutpie).
- PyMC's "QuadPotentialFullAdapt is an experimental feature": the dense mass-matrix
  adaptation of PyMC's own NUTS (``--sampler pymc``, ``init="jitter+adapt_full"``), which we
  chose on purpose and whose results the diagnostics check like any other.
- ArviZ's ``MigrationWarning`` about functions renamed in ArviZ 1: raised by libraries we do
  not control (PyMC's converters); our own code uses the ArviZ 1 names.
- matplotlib's "Glyph ... missing from font(s) ...": a user-written label (a scenario name in
  Chinese, a question title) in a script no installed font covers; the text is still drawn,
  with placeholder glyphs. :mod:`forecast.plots` draws such text through a font fallback list
  ending in matplotlib's Last Resort font, which never warns (matplotlib >= 3.10); this filter
  covers older matplotlib and figures drawn elsewhere (the question figures).
"""

from __future__ import annotations

import contextlib
import logging
import warnings

#: (message regex, category name) pairs of warnings checked to be harmless.
KNOWN_HARMLESS: tuple[tuple[str, str], ...] = (
    (r"PyTensor could not link to a BLAS installation", "UserWarning"),
    (r"Cannot cache compiled function .* dynamic globals", "NumbaWarning"),
    (r"QuadPotentialFullAdapt is an experimental feature", "UserWarning"),
    (r".*", "MigrationWarning"),
    (r"Glyph \d+ \(.*\) missing from font\(s\)", "UserWarning"),
)

#: Loggers whose INFO/WARNING chatter a fit silences.
CHATTY_LOGGERS = ("pymc", "pytensor", "numba", "nutpie")


def _category(name: str) -> type[Warning]:
    if name == "NumbaWarning":
        try:
            from numba.core.errors import NumbaWarning
        except ImportError:  # pragma: no cover - numba is a dependency
            return UserWarning
        return NumbaWarning
    if name == "MigrationWarning":
        try:
            from arviz import MigrationWarning
        except ImportError:  # pragma: no cover
            return UserWarning
        return MigrationWarning
    return {"UserWarning": UserWarning, "FutureWarning": FutureWarning}[name]


def install() -> None:
    """Add the filters of :data:`KNOWN_HARMLESS` (idempotent)."""
    for message, category in KNOWN_HARMLESS:
        if category in ("NumbaWarning", "MigrationWarning"):
            continue  # resolved lazily in quiet(): importing numba/arviz here would be slow
        warnings.filterwarnings("ignore", message=message, category=_category(category))


@contextlib.contextmanager
def quiet():
    """Silence the checked warnings and the libraries' INFO chatter around a fit."""
    levels = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS}
    try:
        with warnings.catch_warnings():
            for message, category in KNOWN_HARMLESS:
                warnings.filterwarnings("ignore", message=message, category=_category(category))
            for name in CHATTY_LOGGERS:
                logging.getLogger(name).setLevel(logging.ERROR)
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
