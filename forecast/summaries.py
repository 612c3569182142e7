"""What a forecast says, in tables and in words: the one place summaries are computed.

Every consumer (the CLI, the report, the notebooks, the files a command writes) shows what
these functions return and computes nothing itself. Each returns a :class:`Summary`: a
table, and the sentences that say it in words, generated from the same table (the idea of
CausalPy's ``EffectSummary``), so text and numbers cannot drift apart.

The vocabulary, stated once
---------------------------
- Intervals are central and equal-tailed, from the simulated draws: the 50 % and 80 %
  intervals (:data:`INTERVALS`; columns ``q25``/``q75`` and ``q10``/``q90``). Each quantile
  is one of the simulated values (:data:`QUANTILE_METHOD`), so for counts they are whole
  numbers. The 94 % HDI is used only for posterior parameters
  (:data:`forecast.constants.HDI_PROB`).
- ``mean`` and ``median`` (``q50``) are shown side by side: counts of launches are skewed,
  and the median is what a typical simulated future holds.
- ``p_any`` is P(at least one); ``p_ge_<k>`` is P(total >= k).
- ``n`` is the number of simulations a row rests on. A row resting on fewer than
  :data:`MIN_SIMULATIONS`, or whose mean lies above its 90th percentile (a handful of huge
  simulations carry it), is flagged in ``caution`` and said so in words.
- Quantities are counts per month (``month`` tables) or totals over the forecast's months
  (``totals`` tables).

Heavy dependencies stay out: NumPy, pandas and xarray only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from forecast.constants import DATA_END, STATES
from forecast.data import state_runs
from forecast.errors import ConfigError
from forecast.present import (
    and_list,
    chance,
    counted,
    indefinite_article,
    interval_text,
    more_or_fewer,
    signed_number,
    state_words,
)
from forecast.scores import crps

#: The central intervals every forecast summary shows.
INTERVALS: tuple[float, ...] = (0.50, 0.80)

#: The interval a headline quotes.
INTERVAL = 0.80

#: How quantiles are taken: each is one of the simulated values (``inverted_cdf``), so the
#: quantiles of counts are whole numbers, nested across levels, never "2.5 launch days".
QUANTILE_METHOD = "inverted_cdf"

#: Fewest simulations a summary row may rest on without a caution.
MIN_SIMULATIONS = 200


#: Thresholds k of P(total >= k).
THRESHOLDS: tuple[int, ...] = (1, 5, 10, 20)

#: How each target is named in sentences.
NOUNS = {
    "launch_days": "launch days",
    "missiles": "missiles",
    "csis_missile_events": "CSIS missile events",
    "nuclear_tests": "nuclear tests",
}


@dataclass(frozen=True)
class Summary:
    """A result as a table and the sentences that say it.

    Attributes
    ----------
    table : DataFrame
        The numbers.
    text : tuple of str
        The same numbers in words, one sentence per row (or per finding).
    """

    table: pd.DataFrame
    text: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return "\n".join(self.text)


def quantile_columns() -> list[str]:
    """The quantile columns of a summary row, low to high: ``q10, q25, q50, q75, q90``."""
    levels = sorted({(1 - w) / 2 for w in INTERVALS} | {0.5} | {(1 + w) / 2 for w in INTERVALS})
    return [f"q{round(q * 100):02d}" for q in levels]


def describe(values) -> dict:
    """The summary row of a set of simulated values (totals or one month's counts).

    Parameters
    ----------
    values : array_like
        Simulated values (one per draw).

    Returns
    -------
    dict
        ``n``, ``mean``, ``median``, the quantiles of :func:`quantile_columns`, ``p_any``
        and ``caution`` (``""``, ``"few simulations"``, ``"mean above its 90th
        percentile"``, or both).
    """
    x = np.asarray(values, dtype=float).ravel()
    row = {"n": int(x.size), "mean": float(x.mean()) if x.size else float("nan")}
    quantiles = {
        name: float(np.quantile(x, int(name[1:]) / 100, method=QUANTILE_METHOD))
        if x.size
        else np.nan
        for name in quantile_columns()
    }
    row["median"] = quantiles["q50"]
    row.update(quantiles)
    row["p_any"] = float((x >= 1).mean()) if x.size else float("nan")
    row["caution"] = caution(row)
    return row


def share_noise(table: pd.DataFrame, column: str) -> tuple[int, float] | None:
    """The simulation noise of a share (``p_icbm``, ``p_any``...) in the split rows of a table
    whose first row holds all simulations: the fewest simulations a split row rests on, and
    two standard errors of a share there, ``2 sqrt(p (1 - p) / n)`` with ``p`` the first
    row's share (a row of a few simulations can show 0 or 1 itself, whose own error would
    read 0).

    Parameters
    ----------
    table : DataFrame
        Rows with ``n`` (simulations) and ``column``; the first row all simulations.
    column : str
        The share.

    Returns
    -------
    tuple of (int, float) or None
        ``(n, two_se)``, or None when the table has no split row or no such column.
    """
    if column not in table or len(table) < 2 or pd.isna(table[column].iloc[0]):
        return None
    rows = table.iloc[1:].dropna(subset=[column])
    rows = rows[rows["n"] > 0]
    if rows.empty:
        return None
    p, n = float(table[column].iloc[0]), int(rows["n"].min())
    return n, 2 * float(np.sqrt(p * (1 - p) / n))


def caution(row: dict) -> str:
    """Why a summary row must be read with care (``""``: no reason)."""
    reasons = []
    if row["n"] < MIN_SIMULATIONS:
        reasons.append("few simulations")
    if row["n"] and row["mean"] > row["q90"]:
        reasons.append("mean above its 90th percentile")
    return "; ".join(reasons)


def target_noun(target: str) -> str:
    """How a target is said in a sentence (``launch_days`` -> ``launch days``)."""
    return NOUNS.get(target, target.replace("_", " "))


def _interval_words(row) -> str:
    return f"80% interval {interval_text(row['q10'], row['q90'])}"


def _caution_words(row) -> str:
    if not row["caution"]:
        return ""
    return f" Read with care: {row['caution']} ({row['n']:,} simulations)."


# --- totals and months -----------------------------------------------------------------------


def totals(forecast, quantity: str | None = None) -> Summary:
    """The total over the forecast's months, per scenario.

    Parameters
    ----------
    forecast : Forecast
    quantity : str, optional
        A simulated quantity (default: the target).

    Returns
    -------
    Summary
        One row per scenario: ``scenario, label`` and :func:`describe`'s columns.
    """
    name = quantity or forecast.target
    total = forecast.quantity(name).sum("month")
    rows = [
        {"scenario": s, "label": label, **describe(total.sel(scenario=s).values)}
        for s, label in forecast.labels.items()
    ]
    table = pd.DataFrame(rows)
    months = len(forecast.months)
    noun = target_noun(name)
    text = tuple(
        f"'{r['label']}': {r['mean']:.1f} {noun} expected over {counted(months, 'month')} (median "
        f"{r['median']:.0f}, {_interval_words(r)}); P(at least one) = {chance(r['p_any'])}."
        + _caution_words(r)
        for r in table.to_dict("records")
    )
    return Summary(table, text)


def monthly(forecast, quantity: str | None = None) -> pd.DataFrame:
    """Per scenario and month: ``label``, ``n``, ``mean``, ``median`` and the quantiles of
    the 50 % and 80 % intervals (the fan chart's bands)."""
    x = forecast.quantity(quantity)
    qs = quantile_columns()
    levels = [int(q[1:]) / 100 for q in qs]
    quant = x.quantile(levels, dim="draw", method=QUANTILE_METHOD)
    quant = quant.transpose("scenario", "month", "quantile").values
    mean = x.mean("draw").transpose("scenario", "month").values
    rows = []
    for i, s in enumerate(forecast.scenarios):
        for j, month in enumerate(forecast.months.to_timestamp()):
            row = {
                "scenario": s,
                "label": forecast.labels[s],
                "month": month,
                "n": forecast.n_draws,
                "mean": mean[i, j],
                "median": quant[i, j][qs.index("q50")],
            }
            row.update(dict(zip(qs, quant[i, j], strict=True)))
            rows.append(row)
    return pd.DataFrame(rows)


def probabilities(forecast, thresholds: tuple[int, ...] = THRESHOLDS) -> pd.DataFrame:
    """P(total >= k) per scenario, and P(at least one ICBM launch day) and P(at least one
    nuclear test) over the forecast's months when the forecast holds them."""
    total = forecast.counts.sum("month")
    table = pd.DataFrame({"scenario": forecast.scenarios, "label": list(forecast.labels.values())})
    for k in thresholds:
        table[f"p_ge_{k}"] = (total >= k).mean("draw").values
    for column, values in _event_shares(forecast).items():
        table[column] = values
    return table


def _event_shares(forecast, mask=None) -> dict[str, np.ndarray]:
    """P(an ICBM launch day) and P(a nuclear test) per scenario (``mask``: draws kept)."""
    out = {}
    data = forecast.data
    if "class_counts" in data and "ICBM" in data["weapon_class"].values:
        icbm = data["class_counts"].sel(weapon_class="ICBM").sum("month") >= 1
        out["p_icbm"] = _share(icbm, mask)
    if "nuclear_tests" in data:
        out["p_nuclear"] = _share(data["nuclear_tests"].sum("month") >= 1, mask)
    return out


def _share(flags: xr.DataArray, mask) -> np.ndarray:
    values = flags.transpose("scenario", "draw").values
    if mask is None:
        return values.mean(axis=1)
    return np.array(
        [row[m].mean() if m.any() else np.nan for row, m in zip(values, mask, strict=True)]
    )


#: :func:`headline`'s columns as a page names them, in its order
#: (:func:`forecast.present.for_reading`; ``interval`` is the 80% interval in one column).
HEADLINE_COLUMNS = {
    "label": "scenario",
    "n": "simulations",
    "mean": "expected launch days",
    "median": "median",
    "interval": "80% interval",
    "p_any": "P(at least 1)",
    "p_icbm": "P(ICBM launch)",
    "p_nuclear": "P(nuclear test)",
}


def headline(forecast) -> Summary:
    """The numbers a reader quotes, per scenario: the total's mean and median, its 80 %
    interval, P(at least one), P(an ICBM launch), P(a nuclear test), with the number of
    simulations.

    Returns
    -------
    Summary
        Columns ``scenario, label, n, mean, median, q10, q90, p_any, p_icbm, p_nuclear,
        caution`` (``p_icbm``/``p_nuclear`` NaN when the forecast lacks them).
    """
    base = totals(forecast)
    table = base.table[["scenario", "label", "n", "mean", "median", "q10", "q90", "p_any"]].copy()
    shares = _event_shares(forecast)
    for column in ("p_icbm", "p_nuclear"):
        table[column] = shares.get(column, np.full(len(table), np.nan))
    table["caution"] = base.table["caution"].to_numpy()
    text = []
    for row, sentence in zip(table.to_dict("records"), base.text, strict=True):
        extra = []
        if row["p_icbm"] == row["p_icbm"]:
            extra.append(f"P(an ICBM launch) = {chance(row['p_icbm'])}")
        if row["p_nuclear"] == row["p_nuclear"]:
            extra.append(f"P(a nuclear test) = {chance(row['p_nuclear'])}")
        text.append(sentence + (f" {'; '.join(extra)}." if extra else ""))
    return Summary(table, tuple(text))


def observed_in(forecast, observed: float, states=None) -> Summary:
    """Where an observed total over the forecast's months falls in each scenario's forecast,
    and which scenario fitted it best.

    Parameters
    ----------
    forecast : Forecast
    observed : float
        What happened: the total of the target over the same months.
    states : sequence of str, optional
        The negotiation states coded for those months, one per month: each scenario's
        agreement with them is measured (``state_match``) and the text says whether the
        scenario closest to what happened in the negotiations fitted best.

    Returns
    -------
    Summary
        One row per scenario: ``scenario, label, mean, median, q10, q90, observed,
        p_fewer`` (P(a total below the observed one)), ``percentile`` (P(at most the
        observed)), ``inside_80`` (the observed total inside the 80 % interval),
        ``crps_total`` (the CRPS of the simulated totals against the observed one, in the
        target's unit: lower fitted better; ``forecast scenarios`` prints it beside the mean
        of the monthly CRPS, see :func:`forecast.freshness.past_score_summary`)
        and, with ``states``, ``state_match`` (the share of the months, averaged over the
        simulations, whose simulated state is the coded one).
    """
    base = totals(forecast).table
    total = forecast.counts.sum("month")
    coded = None
    if states is not None:
        coded = np.array([STATES.index(str(s)) for s in states])
        if len(coded) != forecast.data.sizes["month"]:
            raise ConfigError(
                "states",
                f"{len(coded)} states for {forecast.data.sizes['month']} forecast months",
                "pass one coded state per forecast month",
            )
    rows = []
    for r in base.to_dict("records"):
        t = total.sel(scenario=r["scenario"]).values
        row = {
            **{k: r[k] for k in ("scenario", "label", "mean", "median", "q10", "q90")},
            "observed": observed,
            "p_fewer": float((t < observed).mean()),
            "percentile": float((t <= observed).mean()),
            "inside_80": bool(r["q10"] <= observed <= r["q90"]),
            "crps_total": float(crps([observed], t[None, :])[0]),
        }
        if coded is not None:
            path = forecast.states.sel(scenario=r["scenario"]).transpose("draw", "month").values
            row["state_match"] = float((path == coded[None, :]).mean())
        rows.append(row)
    table = pd.DataFrame(rows)
    noun = target_noun(forecast.target)
    text = [
        f"'{r['label']}': {observed:.0f} {noun} observed against {r['mean']:.1f} expected "
        f"(median {r['median']:.0f}, {_interval_words(r)}): "
        + ("inside" if r["inside_80"] else "outside")
        + f" the 80% interval, at the {r['percentile']:.0%} point of the forecast."
        for r in rows
    ]
    if len(rows) > 1:
        text.append(_best_fit_words(table, noun))
    return Summary(table, tuple(text))


def _best_fit_words(table: pd.DataFrame, noun: str) -> str:
    """Which scenario fitted the observed total best, and where the closest one ranked."""
    ranked = table.sort_values("crps_total", kind="stable").reset_index(drop=True)
    best = ranked.iloc[0]
    others = [f"'{r.label}' {r.crps_total:.2f}" for r in ranked.iloc[1:].itertuples()]
    others = f"; {and_list(others)}" if others else ""
    sentence = (
        f"Scored by the CRPS of the total ({noun}, lower is better), '{best['label']}' fitted "
        f"best ({best['crps_total']:.2f}{others})"
    )
    if "state_match" not in table:
        return sentence + "."
    closest = table.loc[table["state_match"].idxmax()]
    rank = int(ranked.index[ranked["scenario"] == closest["scenario"]][0]) + 1
    agreement = f"its states match the coded ones in {closest['state_match']:.0%} of the months"
    if closest["scenario"] == best["scenario"]:
        return sentence + f": it is also the scenario closest to what happened ({agreement})."
    return (
        sentence + f". The scenario closest to what happened in the negotiations, "
        f"'{closest['label']}' ({agreement}), ranked {rank} of {len(table)} "
        f"({closest['crps_total']:.2f}): on this one realisation, getting the negotiations right "
        "did not give the best count."
    )


def against_years(
    forecast,
    observed: pd.Series,
    scenario: str | None = None,
    origin: str = DATA_END,
    year_to_date: float | None = None,
) -> Summary:
    """The forecast of each calendar year beside the years observed before it.

    Parameters
    ----------
    forecast : Forecast
    observed : Series
        Totals of the target by year (index: year), e.g. the last four years of
        :func:`forecast.data.yearly_summary`.
    scenario : str, optional
        Default: the first.
    origin : str
        Where the forecast starts, for the sentences ("the data's end", or "the end of the
        run's fit (2019-10)": :func:`forecast.freshness.forecast_origin`).
    year_to_date : float, optional
        The observed total of the forecast's first calendar year before its first month, when
        that month is not January (e.g. January and February 2026 for a forecast from March).
        That year is then shown whole: the observed months plus each draw of the rest. Without
        it a year the forecast does not cover from January is left out.

    Returns
    -------
    Summary
        One row per year, in order: ``year``, ``kind`` (``observed`` or ``forecast``),
        ``observed`` (the count; NaN for a forecast year), ``observed_part`` and
        ``observed_months`` (a year completed from ``year_to_date``: its observed count and
        months, ``2026-01..2026-02``; NaN and empty otherwise), :func:`describe`'s columns and
        ``p_more_than_previous`` (P(more than the year before it in the table), forecast years
        only); a sentence per forecast year, naming the year it is compared with.
    """
    one = forecast.scenario(scenario or forecast.scenarios[0])
    counts = one.counts.isel(scenario=0)
    months = one.months
    rows = [
        {"year": int(year), "kind": "observed", "observed": float(value)}
        | {"observed_part": np.nan, "observed_months": ""}
        for year, value in observed.sort_index().items()
    ]
    # the year before in the table: the last observed count, then each forecast year's draws
    ordered = observed.sort_index()
    previous = float(ordered.iloc[-1]) if len(ordered) else None
    previous_year = int(ordered.index[-1]) if len(ordered) else None
    text = []
    noun = target_noun(forecast.target)
    first = pd.Period(months[0], "M")
    for year in sorted(set(months.year)):
        in_year = months.year == year
        part = np.nan
        if (
            year == first.year
            and year_to_date is not None
            and first.month > 1
            and first.month - 1 + in_year.sum() == 12
        ):
            part = float(year_to_date)  # the months before the forecast's first are observed
        elif in_year.sum() != 12:
            continue  # a partial year is not comparable with a calendar year
        total = counts.isel(month=np.flatnonzero(in_year)).sum("month").values
        total = total + (0 if np.isnan(part) else part)
        known = "" if np.isnan(part) else f"{year}-01..{first - 1}"
        row = {"year": int(year), "kind": "forecast", "observed": np.nan}
        row |= {"observed_part": part, "observed_months": known, **describe(total)}
        more = np.nan if previous is None else float((total > previous).mean())
        row["p_more_than_previous"] = more
        rows.append(row)
        before = (
            f"{previous_year}'s {previous:.0f}"
            if isinstance(previous, float)
            else f"{previous_year}"
        )
        how = f"simulated from {origin}"
        if known:
            how = f"{part:.0f} observed in {known}, the rest {how}"
        text.append(
            f"{year} ({how}): {row['mean']:.1f} {noun} expected "
            f"(median {row['median']:.0f}, {_interval_words(row)})"
            + (f"; P(more than {before}) = {chance(more)}." if previous is not None else ".")
            + _caution_words(row)
        )
        previous, previous_year = total, int(year)
    return Summary(pd.DataFrame(rows), tuple(text))


# --- comparisons -------------------------------------------------------------------------------


def reference_scenario(scenarios) -> str:
    """The scenario the others are compared with on the report's page and in notebook 04:
    ``persist`` when there is one, else the first."""
    scenarios = list(scenarios)
    return "persist" if "persist" in scenarios else scenarios[0]


def compare(forecast, reference: str, width: float = INTERVAL) -> Summary:
    """Every other scenario against ``reference``, draw by draw: the difference in the
    *expected* total over the horizon.

    Each posterior draw gives every scenario its expected count per month (the forecast's
    ``rate``: the same parameters, the same simulated level shocks and, for a transition
    scenario, the draw's own state path). The difference of two scenarios' expected totals,
    draw by draw, is what the scenario changes, with the uncertainty about the model's
    parameters and the paths. The simulated *counts* are not compared: a month's count is
    drawn around its rate with a variable number of random numbers, so once two scenarios
    differ in one month the counts of every later simulated month fall out of step, and
    their difference would mostly be the counts' own noise (for talks resuming in month 3 of
    2026, an 80% interval of -7 to +4 launch days against -3.3 to +0.01 for the expected
    totals; P(more) 32% against 10%). A model whose rate follows its own simulated counts
    (``self_exciting``) has rates that fall out of step too, so its contrasts keep some of
    that noise. A forecast without rates is compared by its counts.

    Parameters
    ----------
    forecast : Forecast
    reference : str
        The scenario the others are compared with (e.g. ``persist``).
    width : float
        Width of the central interval of the difference.

    Returns
    -------
    Summary
        One row per other scenario: ``scenario, label, diff_mean, diff_lo, diff_hi``
        (the difference in expected totals and its central interval), ``p_more`` (the share
        of draws in which the scenario expects more than the reference), ``rate_ratio`` (the
        ratio of the two scenarios' mean expected totals); one sentence each. The expected
        counts are the model's rates, before the cap of a month's launch days at its days
        (which matters only at rates of several launch days a week).
    """
    if reference not in forecast.scenarios:
        raise ConfigError(
            "reference", f"no scenario {reference!r}", f"use one of {forecast.scenarios}"
        )
    expected = "rate" in forecast.data
    total = (forecast.data["rate"] if expected else forecast.counts).sum("month")
    ref = total.sel(scenario=reference)
    rows = []
    for s, label in forecast.labels.items():
        if s == reference:
            continue
        diff = (total.sel(scenario=s) - ref).values
        rows.append(
            {
                "scenario": s,
                "label": label,
                "diff_mean": float(diff.mean()),
                "diff_lo": float(np.quantile(diff, (1 - width) / 2, method=QUANTILE_METHOD)),
                "diff_hi": float(np.quantile(diff, (1 + width) / 2, method=QUANTILE_METHOD)),
                "p_more": float((diff > 0).mean()),
                "identical": bool((diff == 0).all()),
                "rate_ratio": float(total.sel(scenario=s).mean() / ref.mean()),
            }
        )
    columns = ["scenario", "label", "diff_mean", "diff_lo", "diff_hi", "p_more", "rate_ratio"]
    table = pd.DataFrame(rows, columns=[*columns, "identical"]).drop(columns="identical")
    table.attrs["width"] = width
    noun = target_noun(forecast.target)
    quoted_ref = f"'{forecast.labels[reference]}'"
    text = []
    for r in rows:
        if r["identical"]:
            text.append(
                f"'{r['label']}': the same forecast as {quoted_ref} in every simulation, no "
                "difference."
            )
            continue
        what, p_more = noun, f"P(more {noun}) = {chance(r['p_more'])}"
        if expected:
            what, p_more = (
                f"{noun} expected",
                f"{chance(r['p_more'])} of the simulations expect more",
            )
        bounds = (more_or_fewer(r[b], zero="0.0") for b in ("diff_lo", "diff_hi"))
        text.append(
            f"'{r['label']}': {more_or_fewer(r['diff_mean'], what, quoted_ref)} on "
            f"average ({width:.0%} interval: {' to '.join(bounds)}); {p_more}; the model's "
            f"expected rate {r['rate_ratio']:.2f} times the reference's."
        )
    return Summary(table, tuple(text))


def contrast_findings(
    forecast, reference: str, effects: pd.DataFrame, width: float = INTERVAL, comparison=None
) -> list[str]:
    """The scenarios' contrasts in plain words: how many state effects the data cannot sign,
    how many contrasts' intervals include zero, and the largest expected difference.

    Parameters
    ----------
    forecast : Forecast
    reference : str
        The scenario the others are compared with (:func:`compare`).
    effects : DataFrame
        The model's state effects (:meth:`forecast.models.base.BaseModel.state_effects`).
    width : float
        Width of the contrasts' interval (with ``comparison``: the width it was made with).
    comparison : Summary, optional
        :func:`compare`'s result for ``forecast`` and ``reference``, when already made.

    Returns
    -------
    list of str
        The last sentence gives the reference's expected total as :func:`compare` measures
        it (its rates summed); where the simulated counts' mean, which the headline shows,
        rounds otherwise (the cap of a month's launch days at its days, simulation noise), it
        names that too.
    """
    table = (comparison or compare(forecast, reference, width)).table
    width = table.attrs.get("width", width)
    moved = table[(table["diff_lo"] != 0) | (table["diff_hi"] != 0)]
    clear = moved[(moved["diff_lo"] > 0) | (moved["diff_hi"] < 0)]
    states = effects[effects["state"] != "no_talks"]
    open_ = states[(states["hdi_low"] < 1) & (states["hdi_high"] > 1)]
    prob = int(round(100 * effects.attrs.get("hdi_prob", 0.94)))
    noun, spoken = target_noun(forecast.target), f"{width:.0%}"
    out = [
        f"{len(open_)} of {len(states)} state rate ratios have a {prob}% HDI that includes 1 "
        "(at that credibility the data cannot tell whether that state raises or lowers the "
        "rate).",
        f"{len(moved) - len(clear)} of {len(moved)} scenarios that differ from "
        f"'{forecast.labels[reference]}' have {indefinite_article(spoken)} {spoken} interval of "
        f"the difference in expected {noun} that includes 0.",
    ]
    if len(moved):
        largest = moved.loc[moved["diff_mean"].abs().idxmax()]
        total = forecast.data["rate"] if "rate" in forecast.data else forecast.counts
        expected = float(total.sel(scenario=reference).sum("month").mean())
        simulated = float(forecast.counts.sel(scenario=reference).sum("month").mean())
        counts = (
            f" (its rates summed; its simulated {noun} average {simulated:.1f})"
            if f"{simulated:.1f}" != f"{expected:.1f}"
            else ""
        )
        out.append(
            f"The largest expected difference is {signed_number(largest['diff_mean'])} {noun} "
            f"over {counted(len(forecast.months), 'month')} ('{largest['label']}'), against "
            f"{expected:.1f} expected under '{forecast.labels[reference]}'{counts}."
        )
    return out


def state_effects(effects: pd.DataFrame, labels: dict | None = None) -> Summary:
    """A model's state effects (:meth:`BaseModel.state_effects`) in words: each state's rate
    ratio against no talks, its 94 % HDI, and whether the data can tell its direction.

    Parameters
    ----------
    effects : DataFrame
        ``state, rate_ratio_mean, hdi_low, hdi_high, p_below_1`` (and ``weapon_class`` for a
        model by class: each sentence names its class, as the chart's labels do).
    labels : dict, optional
        How each state is named (default: its code).
    """
    rows = effects[effects["state"] != effects["state"].iloc[0]]
    width = f"{effects.attrs.get('hdi_prob', 0.94):.0%}"
    text = []
    for r in rows.to_dict("records"):
        name = (labels or {}).get(r["state"], r["state"])
        if "weapon_class" in r:  # a model by weapon class: one row per class and state
            name = f"{r['weapon_class']}: {name}"
        verdict = (
            f"the interval includes 1: at {width} the data cannot tell whether it raises or "
            "lowers the rate"
            if r["hdi_low"] < 1 < r["hdi_high"]
            else "the interval excludes 1: "
            + ("a lower" if r["hdi_high"] < 1 else "a higher")
            + " rate than in no talks"
        )
        text.append(
            f"{name}: {r['rate_ratio_mean']:.2f} times the no-talks rate on average, {width} "
            f"HDI {r['hdi_low']:.2f} to {r['hdi_high']:.2f} ({verdict}); P(fewer launch days "
            f"than in no talks) = {r['p_below_1']:.0%}."
        )
    return Summary(effects, tuple(text))


# --- states and paths --------------------------------------------------------------------------


def state_probabilities(forecast) -> pd.DataFrame:
    """P(each state) per scenario and month (a fixed path gives 0 and 1).

    Returns
    -------
    DataFrame
        ``scenario, month`` and one column per state; rows sum to 1.
    """
    codes = forecast.states.transpose("scenario", "draw", "month").values
    rows = []
    for i, s in enumerate(forecast.scenarios):
        for j, month in enumerate(forecast.months.to_timestamp()):
            shares = np.bincount(codes[i, :, j], minlength=len(STATES)) / codes.shape[1]
            rows.append({"scenario": s, "month": month, **dict(zip(STATES, shares, strict=True))})
    return pd.DataFrame(rows)


def modal_states(forecast) -> pd.DataFrame:
    """The most frequent state of each scenario and month (``scenario, month, state``)."""
    probs = state_probabilities(forecast)
    probs["state"] = probs[list(STATES)].to_numpy().argmax(axis=1)
    probs["state"] = np.array(STATES)[probs["state"].to_numpy()]
    return probs[["scenario", "month", "state"]]


def path_groups(codes: np.ndarray, initial: str) -> np.ndarray:
    """Label each path by the first state it enters: ``"stays <state>"`` or ``"to <state>"``.

    Parameters
    ----------
    codes : ndarray of int, shape (draws, months)
        State paths.
    initial : str
        The state of the month before the first (the last fitted month's).
    """
    codes = np.asarray(codes)
    start = STATES.index(initial)
    moved = codes != start
    first = np.where(moved.any(axis=1), codes[np.arange(len(codes)), moved.argmax(axis=1)], -1)
    return np.array([f"to {STATES[f]}" if f >= 0 else f"stays {initial}" for f in first])


def change_probabilities(codes: np.ndarray, initial: str) -> pd.DataFrame:
    """P(the state changed within k months) and P(the state of month k differs from the
    initial one), for k = 1..months of the paths ``codes`` (draws, months)."""
    codes = np.asarray(codes)
    start = STATES.index(initial)
    previous = np.column_stack([np.full(len(codes), start), codes[:, :-1]])
    changed = np.cumsum(codes != previous, axis=1) > 0
    return pd.DataFrame(
        {
            "months_ahead": np.arange(1, codes.shape[1] + 1),
            "p_changed": changed.mean(axis=0),
            "p_different": (codes != start).mean(axis=0),
        }
    )


def by_path(forecast, scenario: str | None = None) -> Summary:
    """One scenario's total split by the path its states took (``all paths`` first, then
    ``stays <state>`` / ``to <state>``: the first state a path enters).

    Returns
    -------
    Summary
        One row per path group: ``path, share`` (of the simulations), :func:`describe`'s
        columns, ``p_icbm``, ``p_nuclear``; a sentence per group, with a caution where a row
        rests on few simulations or its mean lies above its 90th percentile. A quantity
        simulated without a state term (the run's nuclear rate) is given for all paths only.
    """
    one = forecast.scenario(scenario or forecast.scenarios[0])
    codes = one.states.isel(scenario=0).transpose("draw", "month").values
    initial = forecast.data.attrs["initial_state"]
    order = [f"stays {initial}", *(f"to {s}" for s in STATES if s != initial)]
    return _split(one, path_groups(codes, initial), "all paths", order)


def by_state_in(forecast, month: pd.Period, scenario: str | None = None) -> Summary:
    """One scenario's total split by the state its simulations are in during ``month``.

    For a forecast whose first months are simulated although they have happened (the months
    between the data's end and today), this answers "what to expect if the state today is
    X": each row keeps the simulations that reached that state.

    Parameters
    ----------
    forecast : Forecast
        A forecast with each draw's own state path (the outlook).
    month : Period
        One of the forecast's months.
    scenario : str, optional
        Default: the first.

    Returns
    -------
    Summary
        As :func:`by_path`, the rows ``all simulations`` then ``<state> in <Mon YYYY>``; the
        columns left blank below the first row (a quantity simulated without a state term is
        the same in every row) are named in ``table.attrs["same_in_every_row"]``.
    """
    one = forecast.scenario(scenario or forecast.scenarios[0])
    if pd.Period(month, "M") not in one.months:
        raise ValueError(f"{month} is not a month of the forecast ({one.months[0]}..)")
    codes = one.states.isel(scenario=0).sel(month=pd.Period(month, "M").to_timestamp()).values
    order = [f"{s} in {pd.Period(month, 'M'):%b %Y}" for s in STATES]
    return _split(one, np.array(order)[codes], "all simulations", order)


def _split(one, groups: np.ndarray, overall: str, order: list[str]) -> Summary:
    """The total of a one-scenario forecast overall and per group of draws: the groups in
    ``order`` (the callers give the states' order of every legend, a path's staying first),
    those no draw is in left out."""
    total = one.counts.isel(scenario=0).sum("month").values
    names = [overall, *(name for name in order if (groups == name).any())]
    rows = []
    for name in names:
        mask = np.ones(len(total), bool) if name == overall else groups == name
        row = {"path": name, "share": float(mask.mean()), **describe(total[mask])}
        for column, values in _event_shares(one, mask[None, :]).items():
            row[column] = float(values[0])
        rows.append(row)
    table = pd.DataFrame(rows)
    noun = target_noun(one.target)
    text = tuple(
        f"{state_words(r['path'])} ({r['share']:.0%} of the simulations): {r['mean']:.1f} {noun} "
        "expected "
        f"(median {r['median']:.0f}, {_interval_words(r)})." + _caution_words(r)
        for r in rows
    )
    state_free = [c for c in _STATE_FREE if _state_free(one, c)]
    if state_free:
        # the same rate in every group: shares per group would differ by simulation noise only
        table.loc[table["path"] != overall, [_SHARE_OF[c] for c in state_free]] = np.nan
        table.attrs["same_in_every_row"] = [_SHARE_OF[c] for c in state_free]
        text += (
            "P(a nuclear test) is the same in every row: its rate has no state term in this "
            f"model (a CSV of the table gives it for {overall} only).",
        )
    return Summary(table, text)


#: Event variables that may come without a state term, and their share column.
_SHARE_OF = {"nuclear_tests": "p_nuclear"}
_STATE_FREE = tuple(_SHARE_OF)


def _state_free(forecast, variable: str) -> bool:
    """Whether ``variable`` was simulated without a state term (see ``with_outlook_events``)."""
    data = forecast.data
    return variable in data and data[variable].attrs.get("state_term") == "none"


def level_ratio(level, reference):
    """Month by month, one fitted level against another: the ratio of their posterior mean
    rates, ``E[exp(level)] / E[exp(reference)]`` (1: the same level).

    Parameters
    ----------
    level, reference : xarray.DataArray
        Monthly levels (log rate, dims ``chain``, ``draw``, ``month``) of two fits of the same
        months.

    Returns
    -------
    xarray.DataArray
        The ratio by ``month``.
    """
    return np.exp(level).mean(("chain", "draw")) / np.exp(reference).mean(("chain", "draw"))


def level_ratio_episodes(level, reference, training: pd.DataFrame) -> pd.DataFrame:
    """One fitted level against another, averaged over each episode of the fitted months.

    The monthly ratio is :func:`level_ratio`, the one :func:`forecast.plots.plot_level_ratio`
    draws.

    Parameters
    ----------
    level, reference : xarray.DataArray
        Monthly levels (log rate, dims ``chain``, ``draw``, ``month``) of two fits of the same
        months.
    training : DataFrame
        The fitted months (``model.training``): ``month`` and ``state``.

    Returns
    -------
    DataFrame
        One row per episode (months in a row with one ``state``, the state covering most of
        each month), in time order: ``state``, ``start`` and ``end`` (first and last month),
        ``months``, ``mean_ratio``, ``lowest_ratio``, ``highest_ratio``.
    """
    ratio = level_ratio(level, reference)
    months = pd.DatetimeIndex(level["month"].values)
    states = training.set_index("month")["state"].astype(str).reindex(months)
    if states.isna().any():
        raise ValueError("the fitted months do not cover every month of the levels")
    frame = pd.DataFrame(
        {"month": months, "state": states.to_numpy(), "ratio": np.asarray(ratio, dtype=float)}
    )
    grouped = frame.groupby(state_runs(frame["state"]))
    return pd.DataFrame(
        {
            "state": grouped["state"].first(),
            "start": grouped["month"].min(),
            "end": grouped["month"].max(),
            "months": grouped.size(),
            "mean_ratio": grouped["ratio"].mean(),
            "lowest_ratio": grouped["ratio"].min(),
            "highest_ratio": grouped["ratio"].max(),
        }
    ).reset_index(drop=True)


def every_row_filled(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (:func:`by_state_in`) with each column named in
    ``attrs["same_in_every_row"]`` (a rate without a state term) repeated from the first row,
    the value of all simulations, into the state rows it leaves blank: the table as the
    report's page shows it (its CSV keeps them blank)."""
    same = [c for c in table.attrs.get("same_in_every_row", ()) if c in table]
    return table.assign(**{c: table[c].fillna(table[c].iloc[0]) for c in same})
