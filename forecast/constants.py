"""Shared vocabulary: labels, defaults and paths used across the package.

Everything that more than one module needs to agree on lives here, once.
"""

from __future__ import annotations

from pathlib import Path

#: Negotiation states, in the order used for coords, tables and colours.
STATES: tuple[str, ...] = ("no_talks", "stalled", "active_talks", "summitry")

#: Human labels of the states (figures, tables, scenario labels).
STATE_LABELS: dict[str, str] = {
    "no_talks": "No talks",
    "stalled": "Stalled",
    "active_talks": "Active talks",
    "summitry": "Summitry",
}

#: The same inside a sentence or a label ("no talks", "active talks").
STATE_WORDS: dict[str, str] = {state: label.lower() for state, label in STATE_LABELS.items()}

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


# --- LIMITS -------------------------------------------------------------------------------------
# Every plausibility bound on user input lives here, once, with why the number is plausible.
# Input outside a limit is refused with a ConfigError/DataError before any work starts.

#: Earliest event date: the CNS Missile Test Database starts in 1984 (the first Scud-B tests
#: in April 1984); nothing the models use is older.
EARLIEST_EVENT_DATE = "1984-01-01"

#: Earliest start of a negotiation-state period: the coded timeline starts on 1990-01-01.
EARLIEST_STATE_DATE = "1990-01-01"

#: Most missiles on one launch day (per events-template row and per day in the merged
#: table). The most on one day in the CNS data is 18 (2024-05-29; South Korea counted about
#: 23 on 2022-11-02, which CNS records as 10 over 1-2 November); 100 is four times the largest:
#: generous for a real salvo, small enough that a typo (1e6, 1e300) cannot exhaust memory.
MAX_MISSILES_PER_DAY = 100

#: Longest major exercise, in days. Freedom Shield/Ulchi Freedom Shield and Foal Eagle (the
#: longest, about two months) run 10-60 days; 120 leaves room for combined spring drills.
MAX_EXERCISE_DAYS = 120

#: NUTS draws and tuning steps per chain: the defaults are 1,000; 20,000 is 20 times that
#: (a fit of state_rate at that size already takes most of an hour on two cores).
MAX_DRAWS = 20_000
MAX_TUNE = 20_000

#: Chains per fit: 4 by default; 16 covers any workstation.
MAX_CHAINS = 16

#: Seeds are 32-bit unsigned integers (numpy's SeedSequence and PyMC accept 0..2**32-1).
MAX_SEED = 2**32 - 1

#: Longest scenario horizon, in months (10 years: far past anything the models can say).
MAX_HORIZON = 120

#: Most scenarios in one scenario file (the shipped files have 4; every pair is compared,
#: so the comparison table grows with the square of this number).
MAX_SCENARIOS = 50

#: Most first months of one ``forecast contrasts`` run (each is a fit of its own).
MAX_CONTRAST_WINDOWS = 20

#: Largest YAML file read (scenario and priors files are a few hundred bytes).
MAX_YAML_BYTES = 1_000_000

#: Most YAML aliases (``*name``) in one file: none is needed; a few are tolerated. An
#: "alias bomb" (nested lists of aliases) needs many.
MAX_YAML_ALIASES = 10

#: Backtest: most months between cutoffs, most local worker processes.
MAX_BACKTEST_EVERY = 120
MAX_WORKERS = 64

#: Largest CSV table or import file read (the bundled tables are under 200 kB, the CNS
#: export about 150 kB): 50 MB is far past any real file and far below the memory limit.
MAX_TABLE_BYTES = 50_000_000

#: Most missiles in one import file: the whole CNS database since 1984 holds about 320, so
#: 10,000 is far past any real update and keeps a wrong file from building a huge table.
MAX_IMPORT_MISSILES = 10_000

#: Largest simulation of one scenario file: posterior draws x scenarios x simulated months
#: (the months from the end of the fitted data to the end of the horizon). The shipped files
#: need 4,000 x 4 x 12 = 192,000; 20 million keeps a class_hierarchical simulation near 1 GB.
MAX_SIMULATION_CELLS = 20_000_000

#: Largest JSON file of a run folder read (run.json, forecast.json are a few hundred kB).
MAX_JSON_BYTES = 50_000_000

#: Highest apogee of a missile, in km. The highest so far is the Hwasong-19's 7,687 km
#: (2024-10-31); 40,000 km is above the geostationary orbit (35,786 km): higher is a typo or
#: a unit error (metres?), and 1e308 would overflow every sum.
MAX_APOGEE_KM = 40_000

#: Longest distance travelled, in km: half the Earth's circumference (about 20,000 km) is the
#: farthest two points on its surface can be; the longest flight recorded is 4,500 km.
MAX_DISTANCE_KM = 20_000

#: Most questions in one question file (the shipped file has 8; each conditional question
#: needs its own simulation of the whole horizon, so 3,000 would run for hours).
MAX_QUESTIONS = 100

#: Largest netCDF file of a run folder read (``fit.nc`` is about 1 MB at the defaults and a
#: few hundred MB at the sampler limits: 16 chains x 20,000 draws).
MAX_NETCDF_BYTES = 4_000_000_000

#: Seconds a command waits for another command's lock on an overlay folder. An import,
#: set-state, add-exercise or a confirm- or set-leader command holds it for about a second, a
#: reader for less: a minute of waiting means the other command is stuck.
OVERLAY_LOCK_TIMEOUT = 60.0

#: Folders of the project checkout that no command writes its outputs into (besides the
#: bundled ``datasets/``): the notebooks, the package, the shipped scenario and question files,
#: the tests, benchmarks, docs and the git repository.
PROJECT_DIR = Path(__file__).resolve().parent.parent

#: The shipped scenario file: the report's outlook, the sensitivity panel's standard scenarios,
#: the explorer's paths and the transition scenarios a notebook adds to a file without them.
SHIPPED_SCENARIOS = PROJECT_DIR / "scenarios" / "current.yaml"

#: The full evaluation protocol's summary tables (``make skill``, the question backtest),
#: read by the report, notebook 05 and the questions' caveats.
EVALUATION_DIR = PROJECT_DIR / "docs" / "evaluation"
PROTECTED_DIRS: tuple[Path, ...] = tuple(
    PROJECT_DIR / name
    for name in (
        "notebooks",
        "forecast",
        "scenarios",
        "questions",
        "tests",
        "benchmarks",
        "docs",
        ".git",
    )
)

#: Where a forecast from the last month of the data starts, in words (a run fitted to an
#: earlier month says "the end of the run's fit (YYYY-MM)":
#: :func:`forecast.freshness.forecast_origin`).
DATA_END = "the data's end"

#: The largest yield a nuclear test row may hold, kilotons (the largest test ever, 1961, was
#: about 50,000 kt; North Korea's largest about 250 kt): above is a unit error.
MAX_YIELD_KT = 100_000

#: The longest text a data command stores from an option (a source, a name, a summary; the
#: longest source of the bundled tables has 1,844 characters): longer is a paste gone wrong,
#: refused rather than written into the overlay's tables.
MAX_OPTION_TEXT = 10_000

#: The largest monthly count a frozen forecast (``forecast.json``) may hold (a month has at
#: most 31 launch days; no month has seen a hundred missiles): above is a damaged file.
MAX_DRAWN_COUNT = 1_000_000

#: Thresholds of the sampler's strict convergence verdict (Vehtari et al. 2021
#: recommendations; :func:`forecast.models.diagnostics.diagnose`): here, so that the
#: evaluation's sentences quote them without importing the models.
RHAT_MAX = 1.01
ESS_MIN = 400
BFMI_MIN = 0.3

#: The report's CSV of the user's frozen answers, resolved and scored (beside ``index.html``).
FROZEN_FILE = "frozen_answers.csv"

#: The report's CSV of the scenarios' contrasts from today.
CONTRASTS_TODAY = "contrasts_today.csv"
