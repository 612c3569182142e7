"""forecast: a scenario-forecasting workbench for North Korean weapons tests."""

from __future__ import annotations

__version__ = "0.1.0"

#: Packages whose versions a notebook's closing cell reports.
_REPORTED = ("forecast", "pymc", "pytensor", "arviz", "numpy", "pandas", "xarray", "matplotlib")


def versions() -> dict[str, str]:
    """Versions of Python and the main packages, for a notebook's closing cell."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in _REPORTED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
