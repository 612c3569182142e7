"""Property-based hostility: whatever the bytes, the loaders and the scenario parser give a
valid result or one clear :class:`InputError`; never another exception, never a changed file.
"""

from __future__ import annotations

import string
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data import SPECS, read_cns_export, read_events_template
from forecast.data.checked_csv import read_table
from forecast.data.raw import CNS_EXPORT_COLUMNS, EVENTS_TEMPLATE_COLUMNS
from forecast.errors import InputError
from forecast.scenarios import ScenarioSet, parse_scenarios
from forecast.yamlio import load_yaml

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Cell values mixing the plausible, the nearly plausible and junk.
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "2017-07-04",
            "2025-02-30",
            "1950-01-01",
            "2999-01-01",
            "SRBM",
            "ICBM",
            "success",
            "unknown",
            "day",
            "month",
            "1",
            "3",
            "-1",
            "1e300",
            "inf",
            "nan",
            "2.5",
            "true",
            "false",
            "full",
            "stalled",
            "12:30",
            "25:99",
            '"',
            ",",
            "\x00",
            "é",
        ]
    ),
    st.text(alphabet=string.printable, max_size=12),
)


def _csv_text(columns: list[str], rows: list[list[str]]) -> str:
    lines = [",".join(columns)]
    lines += [",".join(row) for row in rows]
    return "\n".join(lines) + "\n"


@st.composite
def table_text(draw, columns):
    """CSV text with (mostly) the given columns and random cells."""
    header = list(columns)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.integers(0, 5)) == 0:
        header = header[:-1]  # a missing column now and then
    n = draw(st.integers(0, 6))
    rows = [[draw(CELLS) for _ in header] for _ in range(n)]
    return _csv_text(header, rows)


def _returns_or_refuses(call, path: Path):
    before = path.read_bytes()
    try:
        result = call(path)
    except InputError as err:
        assert str(path.name) in str(err) or "Fix:" in str(err)
        result = None
    assert path.read_bytes() == before
    return result


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(SPECS)))
def test_table_loaders_return_a_valid_table_or_refuse(tmp_path, data, name):
    spec = SPECS[name]
    path = tmp_path / spec.filename
    text = data.draw(st.one_of(table_text(list(spec.columns)), st.text(max_size=200)))
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    table = _returns_or_refuses(lambda p: read_table(p, spec), path)
    if table is not None:
        assert list(table.columns) == list(spec.columns)
        assert not table.duplicated(subset=list(spec.key)).any()


@SETTINGS
@given(text=st.one_of(table_text(list(EVENTS_TEMPLATE_COLUMNS)), st.text(max_size=200)))
def test_events_template_returns_missiles_or_refuses(tmp_path, text):
    path = tmp_path / "events.csv"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    table = _returns_or_refuses(read_events_template, path)
    if table is not None:
        assert table.groupby("date").size().max() <= 100
        assert (table["date"] >= pd.Timestamp("1984-01-01")).all()


@SETTINGS
@given(
    content=st.one_of(
        st.binary(max_size=300),
        table_text(list(CNS_EXPORT_COLUMNS)).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_cns_export_returns_missiles_or_refuses(tmp_path, content):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    table = _returns_or_refuses(read_cns_export, path)
    if table is not None:
        assert (table["date"] >= pd.Timestamp("1984-01-01")).all()


MONTH_KEYS = st.one_of(
    st.sampled_from(["2026-01", "2026-02-28", "2026-02-30", "2026-13", "1850-01", "x"]),
    st.dates().map(lambda d: d.isoformat()),
    st.dates(),
    st.integers(-5, 300000),
)
VALUES = st.one_of(
    st.sampled_from(["stalled", "summitry", "no_talks", "active_talks", "full", "reduced", "?"]),
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=5),
)
SCENARIO_BODY = st.one_of(
    st.none(),
    VALUES,
    st.dictionaries(
        st.sampled_from(["label", "states", "exercises", "other"]),
        st.one_of(VALUES, st.dictionaries(MONTH_KEYS, VALUES, max_size=4)),
        max_size=3,
    ),
)
SPEC = st.dictionaries(
    st.sampled_from(["start", "horizon", "scenarios", "extra"]),
    st.one_of(
        VALUES,
        MONTH_KEYS,
        st.dictionaries(st.text(max_size=4) | st.integers(), SCENARIO_BODY, max_size=4),
    ),
    max_size=4,
)


@SETTINGS
@given(spec=st.one_of(SPEC, VALUES, st.lists(VALUES, max_size=3)))
def test_scenario_parser_returns_a_set_or_refuses(spec):
    try:
        result = parse_scenarios(spec, source="s.yaml")
    except InputError as err:
        assert "s.yaml" in str(err) and "Fix:" in str(err)
        return
    assert isinstance(result, ScenarioSet)
    assert 1 <= result.horizon <= 120 and 1 <= len(result.scenarios) <= 50


@SETTINGS
@given(
    text=st.one_of(
        SPEC.map(lambda s: yaml.safe_dump(s, default_flow_style=bool(len(s) % 2))),
        st.text(alphabet=string.printable + "&*!|>-:[]{}é\x00", max_size=200),
    )
)
def test_scenario_files_load_or_refuse_and_stay_unchanged(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    before = path.read_bytes()
    try:
        parse_scenarios(load_yaml(path, "scenario file"), source=str(path))
    except InputError as err:
        assert "s.yaml" in str(err) and "Fix:" in str(err)
    assert path.read_bytes() == before
