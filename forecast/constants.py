"""Shared vocabulary: labels, defaults and paths used across the package.

Everything that more than one module needs to agree on lives here, once.
"""

from __future__ import annotations

from pathlib import Path

#: Negotiation states, in the order used for coords, tables and colours.
STATES: tuple[str, ...] = ("no_talks", "stalled", "active_talks", "summitry")

#: Reference state for rate ratios.
REFERENCE_STATE = "no_talks"

#: CNS missile classes as written in ``missile_tests.csv``.
MISSILE_CLASSES: tuple[str, ...] = ("SRBM", "MRBM", "IRBM", "ICBM", "SLBM", "SLV", "HGV", "unknown")

#: Outcomes of a single missile test.
OUTCOMES: tuple[str, ...] = ("success", "failure", "unknown")

#: Scale of a US-ROK exercise.
EXERCISE_SCALES: tuple[str, ...] = ("full", "reduced", "simulation", "suspended")

#: Countries in the leaders table.
COUNTRIES: tuple[str, ...] = ("DPRK", "US", "ROK")

#: CSIS provocation types.
CSIS_TYPES: tuple[str, ...] = ("Missile Provocation", "Nuclear Provocation", "Other Provocation")

#: Default credible-interval width (ArviZ's default, used everywhere).
HDI_PROB = 0.94

#: NUTS target acceptance rate of every fit (0.9 left one divergence in 4,000 draws of
#: state_rate on the full data for some seeds; 0.95 costs ~10% more time).
TARGET_ACCEPT = 0.95

#: First month of the default monthly panel.
PANEL_START = "1990-01"

#: Folder holding the bundled canonical tables (a source checkout or editable install).
BUNDLED_DATA_DIR = Path(__file__).resolve().parent.parent / "datasets"

#: Folder holding the notebooks.
NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
