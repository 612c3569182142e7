"""forecast: a scenario-forecasting workbench for North Korean weapons tests."""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

from forecast import noise as _noise  # noqa: E402
from forecast import timing as _timing  # noqa: E402, F401 - first: a command's clock starts

_noise.install()

#: Packages whose versions a notebook's closing cell reports.
_REPORTED = (
    "forecast",
    "pymc",
    "pytensor",
    "nutpie",
    "arviz",
    "numpy",
    "pandas",
    "xarray",
    "matplotlib",
)


def __getattr__(name: str):
    """``forecast.explore`` (the scenario explorer), loaded on first use, so that
    ``import forecast`` loads no widget or plotting library. It is the module
    :mod:`forecast.explore`, callable as its function ``explore``."""
    if name == "explore":
        return importlib.import_module("forecast.explore")
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")


def versions() -> dict[str, str]:
    """Versions of Python and the main packages, for a notebook's closing cell."""
    # here, not at the top: every command imports this package, and importlib.metadata costs
    # tens of milliseconds that only a notebook's closing cell needs
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in _REPORTED:
        if name == "forecast":  # the code running, not the metadata of an older install
            found[name] = __version__
            continue
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
