"""``forecast data build``: raw public sources -> the canonical tables in ``datasets/``.

Two tables are derived from raw files (``missile_tests.csv`` from the CNS JSON,
``provocations_csis.csv`` from the CSIS list). The other four are coded by hand
from public facts, each row with its source, and are only validated here; the
build also cross-checks the nuclear-test dates against CSIS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.data.checked_csv import format_table, read_table
from forecast.data.raw import read_cns_json, read_csis
from forecast.data.tables import SPECS
from forecast.data.transaction import commit_files, overlay_lock
from forecast.errors import DataError
from forecast.present import noun_for

#: Where each raw source lives under the ``--raw`` folder.
RAW_LAYOUT = {
    "cns_json": Path("cns_nagix"),
    "cns_export": Path("cns_export/north_korea_missile_test_database.csv"),
    "csis": Path("csis_provocations/north_korea_provocations_1958_present.csv"),
}

#: Tables coded by hand in ``datasets/`` (validated, never generated).
CODED_TABLES = ("nuclear_tests", "negotiation_states", "exercises", "leaders")


@dataclass
class BuildReport:
    """What a build wrote and what it resolved."""

    written: dict[str, int]
    csis_duplicates: pd.DataFrame


def build_datasets(raw_dir: str | Path, out_dir: str | Path) -> BuildReport:
    """Read the raw sources and write the derived canonical tables.

    Parameters
    ----------
    raw_dir : str or Path
        Folder laid out like ``../shared/data`` (see :data:`RAW_LAYOUT`).
    out_dir : str or Path
        The data folder to write (``datasets/``). Its hand-coded tables must
        already be there; they are validated, not rewritten.

    Returns
    -------
    BuildReport
        Row counts written and the CSIS duplicates that were collapsed.
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise DataError(raw_dir, "raw data folder not found", "pass --raw ../shared/data")
    coded = [SPECS[name].filename for name in CODED_TABLES]
    missing = [name for name in coded if not (out_dir / name).exists()]
    if missing:
        raise DataError(
            out_dir,
            f"the hand-coded {noun_for(len(missing), 'table')} {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not in this data folder "
            "(a build checks them and writes only missile_tests.csv and provocations_csis.csv)",
            f"copy {', '.join(missing)} from datasets/ into it first, or build into datasets/ "
            "(leave out --out)",
        )
    missiles = read_cns_json(raw_dir / RAW_LAYOUT["cns_json"])
    csis, dropped = read_csis(raw_dir / RAW_LAYOUT["csis"])
    # the hand-coded tables are checked and the derived ones written under the folder's lock
    with overlay_lock(out_dir):
        return _build_locked(out_dir, missiles, csis, dropped)


def _build_locked(out_dir: Path, missiles, csis, dropped) -> BuildReport:
    coded = {name: read_table(out_dir / SPECS[name].filename, SPECS[name]) for name in CODED_TABLES}

    csis_nuclear = set(csis.loc[csis["type"] == "Nuclear Provocation", "date"])
    coded_nuclear = set(coded["nuclear_tests"]["date"])
    if csis_nuclear != coded_nuclear:
        raise DataError(
            out_dir / SPECS["nuclear_tests"].filename,
            "nuclear-test dates differ from the CSIS list "
            f"(only here: {sorted(d.date() for d in coded_nuclear - csis_nuclear)}, "
            f"only in CSIS: {sorted(d.date() for d in csis_nuclear - coded_nuclear)})",
            "check the dates against the CSIS 'Nuclear Provocation' rows",
        )
    written, texts = {}, {}
    for name, table in (("missile_tests", missiles), ("provocations_csis", csis)):
        spec = SPECS[name]
        texts[spec.filename] = format_table(table, spec)
        written[name] = len(table)
    try:
        commit_files(out_dir, texts)  # both derived tables, or neither
    except OSError as err:
        raise DataError(
            out_dir,
            f"cannot write the tables ({err.strerror or err})",
            "check that you may write the data folder",
        ) from None
    return BuildReport(written=written, csis_duplicates=dropped)
