"""What a coding-sensitivity table shows: sentences, the report's HTML tables, ``sensitivity.md``.

:func:`sensitivity_findings` says what a table of :func:`forecast.sensitivity.coding_sensitivity`
(or one read back with :func:`forecast.sensitivity.read_sensitivity`) shows in sentences
computed from it, :func:`sensitivity_html` renders it for the report and
:func:`sensitivity_markdown` for ``sensitivity.md``. One sign convention throughout: a
difference is the alternative minus as coded, ``+`` means more launch days (a higher rate
ratio) than as coded.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from forecast.catalog import PRESETS, preset_name
from forecast.coding_alternatives import ALTERNATIVES_FILE, AS_CODED
from forecast.constants import SHIPPED_SCENARIOS, STATE_WORDS, STATES
from forecast.present import and_list, markdown_text
from forecast.sensitivity import ANOTHER_SEED, ratio_columns, scenario_keys


def signed(value: float, digits: int) -> str:
    """``+1.2`` / ``-0.3`` / ``+0.0`` (never ``-0.0``)."""
    return f"{round(float(value), digits) + 0.0:+.{digits}f}"


def _ratio_name(column: str) -> str:
    """``rr_active_talks`` -> ``active talks``; ``rr_summitry_icbm`` -> ``summitry (icbm)``."""
    rest = column.removeprefix("rr_")
    for state in sorted(STATES, key=len, reverse=True):
        if rest == state:
            return STATE_WORDS[state]
        if rest.startswith(f"{state}_"):
            return f"{STATE_WORDS[state]} ({rest[len(state) + 1 :]})"
    return rest


def _scenario_label(table: pd.DataFrame, key: str) -> str:
    return str(table.attrs.get("scenarios", {}).get(key, key))


def _noun(row) -> str:
    return f"'{row['label']}' ({row['alternative']})"


# --- the findings ---


def sensitivity_findings(table: pd.DataFrame) -> list[str]:
    """What a sensitivity table shows, in sentences computed from it.

    Parameters
    ----------
    table : DataFrame
        From :func:`coding_sensitivity` or :func:`read_sensitivity` (``as_coded`` first).

    Returns
    -------
    list of str
        The numbers as coded; for each scenario, the alternative that moves its expected
        total the most and by how much (signed: ``+`` means more launch days than as coded);
        the range of each rate ratio; the alternatives the count model does not see; changes
        of the starting state; the diagnostics.
    """
    base = table.iloc[0]
    others = _alternatives(table)
    out = [_as_coded_sentence(table), *_noise_sentence(table)]
    if others.empty:
        return out + [_diagnostics_sentence(table)]
    out += [_largest_move(table, key) for key in scenario_keys(table)]
    out += [_ratio_range(table, column) for column in ratio_columns(table)]
    out += _unseen_sentence(table)
    for row in others[others["last_state"] != base["last_state"]].to_dict("records"):
        out.append(
            f"{_noun(row)} changes the state of the last fitted month ({row['fitted_to']}) from "
            f"{STATE_WORDS.get(base['last_state'], base['last_state'])} to "
            f"{STATE_WORDS.get(row['last_state'], row['last_state'])}: every scenario starts "
            "from it, and a scenario without its own states keeps it."
        )
    return out + [_diagnostics_sentence(table)]


def _alternatives(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of alternative codings (not as coded, not the reseeded refit)."""
    return table[~table["alternative"].isin([AS_CODED, ANOTHER_SEED])]


def _noise(table: pd.DataFrame, key: str) -> float | None:
    """How far the reseeded refit moved ``key``'s expected total (None: no such row)."""
    row = table[table["alternative"] == ANOTHER_SEED]
    return None if row.empty else abs(float(row.iloc[0][f"{key}_mean_diff"]))


def _noise_sentence(table: pd.DataFrame) -> list[str]:
    row = table[table["alternative"] == ANOTHER_SEED]
    if row.empty:
        return []
    row = row.iloc[0]  # as its cells print them
    totals = max(abs(printed_difference(row, f"{k}_mean", 1)) for k in scenario_keys(table))
    ratios = max(abs(printed_difference(row, c, 2)) for c in ratio_columns(table))
    return [
        f"Refitting the coding as it is with another seed moves the expected totals by up to "
        f"{totals:.1f} launch days and the rate ratios by up to {ratios:.2f}: differences of "
        "that size come from the refit, not from the coding."
    ]


def _as_coded_sentence(table: pd.DataFrame) -> str:
    base = table.iloc[0]
    ratios = ", ".join(f"{_ratio_name(c)} {base[c]:.2f}" for c in ratio_columns(table))
    keys = scenario_keys(table)
    total = ""
    if keys:
        key = keys[0]
        total = (
            f", and '{_scenario_label(table, key)}' {base[f'{key}_mean']:.1f} launch days "
            f"(median {base[f'{key}_median']:.0f}, 80% interval {base[f'{key}_q10']:.0f} to "
            f"{base[f'{key}_q90']:.0f})"
        )
    seed = table.attrs.get("seed")
    seed = f", seed {seed}" if seed is not None else ""
    return (
        f"As coded, {base['model']} (fitted {base['fitted_from']} to {base['fitted_to']}{seed}) "
        f"gives rate ratios against no talks of {ratios}{total}."
    )


def _largest_move(table: pd.DataFrame, key: str) -> str:
    base, others = table.iloc[0], _alternatives(table)
    diffs = others[f"{key}_mean_diff"]
    label = _scenario_label(table, key)
    moves = [printed_difference(r, f"{key}_mean", 1) for _, r in others.iterrows()]
    if all(m == 0 for m in moves):  # as printed: 9.62 against 9.66 is -0.1
        return f"'{label}': no alternative moves the expected total by 0.1 launch days or more."
    # the largest move as printed (the unrounded one breaks a tie)
    printed = pd.Series([abs(m) for m in moves], index=others.index)
    largest = printed[printed == printed.max()].index
    row = others.loc[diffs.loc[largest].abs().idxmax()]
    noise = _noise(table, key)
    within = (
        " (no more than a refit with another seed moves it)"
        if noise is not None and abs(row[f"{key}_mean_diff"]) <= noise
        else ""
    )
    return (
        f"'{label}': {_noun(row)} moves the expected total the most, "
        f"{shown_difference(row, f'{key}_mean', 1)} launch days ({row[f'{key}_mean']:.1f} against "
        f"{base[f'{key}_mean']:.1f} as coded; median {row[f'{key}_median']:.0f} against "
        f"{base[f'{key}_median']:.0f}){within}."
    )


def _ratio_range(table: pd.DataFrame, column: str) -> str:
    base, others = table.iloc[0], _alternatives(table)
    low, high = others.loc[others[column].idxmin()], others.loc[others[column].idxmax()]
    name = _ratio_name(column)
    if f"{low[column]:.2f}" == f"{high[column]:.2f}" == f"{base[column]:.2f}":
        return (
            f"The rate ratio of {name} against no talks is {base[column]:.2f} as coded and "
            "with every alternative."
        )

    def end(row, sign: int) -> str:  # as coded when no alternative goes beyond it, unnamed
        if sign * (round(row[column], 2) - round(base[column], 2)) <= 0:
            return f"{base[column]:.2f}"
        return f"{row[column]:.2f} ({row['alternative']})"

    return (
        f"The rate ratio of {name} against no talks is {base[column]:.2f} as coded and runs "
        f"from {end(low, -1)} to {end(high, 1)} across the alternatives."
    )


def _unseen_sentence(table: pd.DataFrame) -> list[str]:
    """The alternatives that re-code no fitted day, and the scenarios they move anyway."""
    base, others = table.iloc[0], _alternatives(table)
    unseen = others[others["days_recoded_in_fit"] == 0]
    if unseen.empty:
        return []
    moved = [
        f"'{_scenario_label(table, key)}'"
        for key in scenario_keys(table)
        # as printed: a difference that shows as +0.0 moves nothing the reader can see
        if any(printed_difference(row, f"{key}_mean", 1) != 0 for _, row in unseen.iterrows())
    ]
    many = "s" if len(unseen) > 1 else ""
    they = "they move" if many else "it moves"
    effect = (
        f"{they} only {and_list(moved)}, through the state-transition model (fitted on every "
        "coded month)"
        if moved
        else f"{they} no scenario"
    )
    return [
        f"{len(unseen)} alternative{many} re-code{'' if many else 's'} no month the "
        f"{base['model']} fit uses (it starts in {base['fitted_from']}): "
        f"{and_list(unseen['alternative'])}. The count model's fit is the same with "
        f"{'them' if many else 'it'}; {effect}."
    ]


def _preset_of(attrs: dict) -> str:
    """The preset the fits' settings are, or "" (custom settings, or a preset with its draws,
    tuning steps or chains changed: ``--preset full --draws 200`` is not "the full preset")."""
    preset, sampler = attrs.get("preset"), attrs.get("sampler")
    if not isinstance(preset, str) or preset not in PRESETS:
        return ""
    if isinstance(sampler, dict):
        settings = {k: sampler[k] for k in ("draws", "tune", "chains") if k in sampler}
        if preset_name({**settings, "preset": preset}) != preset:
            return ""
    return preset


def _diagnostics_sentence(table: pd.DataFrame) -> str:
    failed = table[~table["passed"].astype(bool)]
    if failed.empty:
        preset = _preset_of(table.attrs)
        settings = f" (the {preset} preset)" if preset else ""
        return f"All {len(table)} fits of the panel{settings} passed the diagnostics."
    return (
        f"{len(failed)} of {len(table)} fits did not pass the diagnostics "
        f"({', '.join(failed['alternative'])}): read their rows with care."
    )


# --- the tables ---


def _coding_cell(row) -> str:
    """The first cell of a row: the alternative's label, id, period and states."""
    label = f"<b>{html.escape(str(row['label']))}</b>"
    caution = "" if bool(row["passed"]) else ' <span class="caution">(fit not converged)</span>'
    if row["alternative"] in (AS_CODED, ANOTHER_SEED):
        return label + caution
    state = STATE_WORDS.get(row["state"], row["state"])
    replaced = [STATE_WORDS.get(s, s) for s in str(row["replaces"]).split(", ") if s]
    was = f" (was {html.escape(' and '.join(replaced))})" if replaced else ""
    return (
        f"{label}{caution}<br><code>{html.escape(str(row['alternative']))}</code>: "
        f"{html.escape(str(row['start']))} to {html.escape(str(row['end']))} as "
        f"{html.escape(state)}{was}"
    )


def printed_difference(row, column: str, digits: int) -> float:
    """``row``'s difference from the as-coded value of ``column`` as the two values are
    printed (see :func:`shown_difference`), a number."""
    value = float(row[column])
    # the as-coded value, to the precision the table keeps (value - diff is off in its last bits)
    base = round(value - float(row[f"{column}_diff"]), 9)

    def printed(x: float) -> float:
        return float(f"{x:.{digits}f}")  # exactly what the cells show

    return round(printed(value) - printed(base), digits)


def shown_difference(row, column: str, digits: int) -> str:
    """``row``'s difference from the as-coded value of ``column``, as the two values are
    printed: the difference of the rounded values (9.5 against 9.2 reads +0.3, not the +0.4
    of 9.54 - 9.16), signed."""
    return signed(printed_difference(row, column, digits), digits)


def _ratio_cell(row, column: str, base: bool) -> str:
    value = f"{row[column]:.2f}"
    return value if base else f"{value} ({shown_difference(row, column, 2)})"


def _total_cells(row, key: str, base: bool) -> str:
    mean = f"{row[f'{key}_mean']:.1f}"
    if not base:
        mean += f" ({shown_difference(row, f'{key}_mean', 1)})"
    interval = f"{row[f'{key}_median']:.0f} ({row[f'{key}_q10']:.0f} to {row[f'{key}_q90']:.0f})"
    return f"<td>{mean}</td><td>{interval}</td>"


def sensitivity_html(table: pd.DataFrame) -> str:
    """The sensitivity table as HTML for the report: state effects, then scenario totals.

    Rate ratios carry 2 decimals, mean totals 1, medians and 80 % intervals none. Each
    difference from as coded is in brackets, signed: ``+`` means more launch days (a higher
    rate ratio) than as coded. Every text from the alternatives file is escaped.

    Parameters
    ----------
    table : DataFrame
        From :func:`coding_sensitivity` or :func:`read_sensitivity`.

    Returns
    -------
    str
        Two ``<table>`` elements (``id="sensitivity-effects"``, ``id="sensitivity-totals"``)
        and a line stating the sign convention.
    """
    ratios, keys = ratio_columns(table), scenario_keys(table)
    rows = table.to_dict("records")
    effects_head = (
        "<tr><th>Coding</th><th>Months re-coded</th><th>Days re-coded (in the fit)</th>"
        + "".join(f"<th>{html.escape(_ratio_name(c))}</th>" for c in ratios)
        + "</tr>"
    )
    effects_rows = "\n".join(
        f'<tr data-alternative="{html.escape(str(r["alternative"]))}"><td>{_coding_cell(r)}</td>'
        f"<td>{r['months_recoded']}</td><td>{r['days_recoded']} ({r['days_recoded_in_fit']})</td>"
        + "".join(f"<td>{_ratio_cell(r, c, i == 0)}</td>" for c in ratios)
        + "</tr>"
        for i, r in enumerate(rows)
    )
    totals_head = (
        '<tr><th rowspan="2">Coding</th>'
        + "".join(f'<th colspan="2">{html.escape(_scenario_label(table, k))}</th>' for k in keys)
        + "</tr>\n<tr>"
        + "<th>Mean (difference)</th><th>Median (80% interval)</th>" * len(keys)
        + "</tr>"
    )
    totals_rows = "\n".join(
        f'<tr data-alternative="{html.escape(str(r["alternative"]))}">'
        f"<td>{html.escape(str(r['label']))}</td>"
        + "".join(_total_cells(r, k, i == 0) for k in keys)
        + "</tr>"
        for i, r in enumerate(rows)
    )
    return (
        '<table id="sensitivity-effects">'
        "<caption>Rate ratio against no talks (posterior mean; difference from as coded)"
        f"</caption>\n{effects_head}\n{effects_rows}\n</table>\n"
        '<table id="sensitivity-totals">'
        "<caption>Launch days over each scenario's horizon (difference of the mean from as "
        f"coded)</caption>\n{totals_head}\n{totals_rows}\n</table>\n"
        '<p class="sensitivity-sign">Differences are the alternative minus as coded: + means '
        "more launch days (a higher rate ratio) than as coded.</p>"
    )


def sensitivity_markdown(table: pd.DataFrame) -> str:
    """``sensitivity.md``: the settings, the findings and the headline scenario per coding.

    Parameters
    ----------
    table : DataFrame
        From :func:`coding_sensitivity` (its ``attrs`` give the settings).

    Returns
    -------
    str
        Markdown; every text from the alternatives and scenario files is escaped.
    """
    attrs = table.attrs
    keys = scenario_keys(table)
    sampler = attrs.get("sampler", {})
    settings = (
        f"Model `{table['model'].iloc[0]}`, seed {attrs.get('seed', '?')}, preset "
        f"`{attrs.get('preset', '?')}` ({sampler.get('chains', '?')} chains x "
        f"{sampler.get('draws', '?')} draws); alternatives from "
        f"`{Path(str(attrs.get('alternatives_file', ALTERNATIVES_FILE))).name}`, scenarios "
        f"from `{Path(str(attrs.get('scenario_file', SHIPPED_SCENARIOS))).name}`."
    )
    findings = "\n".join(f"- {markdown_text(s)}" for s in sensitivity_findings(table))
    ratios = ratio_columns(table)
    legend = "; ".join(f"`{key}`: {markdown_text(_scenario_label(table, key))}" for key in keys)
    head = ["coding", "months re-coded", *[f"rr {_ratio_name(c)}" for c in ratios]]
    head += [f"{key} mean" for key in keys]
    lines = [
        "| " + " | ".join(markdown_text(h) for h in head) + " |",
        "|" + "---|" * len(head),
    ]
    for i, row in enumerate(table.to_dict("records")):
        cells = [
            markdown_text(f"{row['label']} ({row['alternative']})"),
            str(row["months_recoded"]),
            *[_ratio_cell(row, c, i == 0) for c in ratios],
            *[
                f"{row[f'{k}_mean']:.1f}"
                + ("" if i == 0 else f" ({shown_difference(row, f'{k}_mean', 1)})")
                for k in keys
            ],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return (
        "# Coding sensitivity\n\n"
        "The negotiation states refitted with each alternative coding of "
        '`datasets/CODING_NOTES.md` ("Alternatives a user might prefer"). Differences are '
        "the alternative minus as coded: + means more launch days (a higher rate ratio) than "
        "as coded. The full table is `sensitivity.csv`.\n\n"
        f"{settings}\n\n{findings}\n\nScenarios: {legend}.\n\n" + "\n".join(lines) + "\n"
    )
