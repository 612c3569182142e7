"""Assertions that several test modules make about what a command wrote."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.columns import DICTIONARY_FILE


def explained_columns(folder: Path) -> pd.DataFrame:
    """Assert that ``columns.csv`` in ``folder`` explains every CSV there, itself included:
    each file's columns in the file's order, each with a meaning, and no file that is not
    there.

    Returns
    -------
    DataFrame
        The dictionary, for a test's own checks of its meanings.
    """
    dictionary = pd.read_csv(folder / DICTIONARY_FILE)
    written = sorted(p.name for p in folder.glob("*.csv"))
    assert sorted(dictionary["file"].unique()) == written
    for name in written:
        header = list(pd.read_csv(folder / name, nrows=0).columns)
        assert list(dictionary.loc[dictionary["file"] == name, "column"]) == header, name
    assert dictionary["meaning"].notna().all()  # every one explained
    return dictionary
