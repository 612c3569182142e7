"""Every figure of the workbench, with one colour per state, scenario and model.

Plot functions take data and an optional ``ax`` and return the axes (or the figure); they
never call ``plt.show()``. The figures are grouped by domain:

- :mod:`~forecast.plots.style`: the colours and labels of states, scenarios and models,
  legend handles, shared axis helpers, and the fonts and escaping of user-written text;
- :mod:`~forecast.plots.data`: the observed data (timeline, the history by year with the
  state beneath, the last years by month, yearly counts, sources, exercises, the distribution
  of monthly counts);
- :mod:`~forecast.plots.fit`: a fit (state effects, predictive bands, levels, trace and
  rank plots, prior rate ratios);
- :mod:`~forecast.plots.scenarios`: a forecast (the fan chart and the table it draws, each
  scenario's bands in a panel of its own, totals, event probabilities, state probabilities);
- :mod:`~forecast.plots.evaluation`: a backtest (scores, skill, PIT, coverage, contrasts);
- :mod:`~forecast.plots.questions`: forecast questions (answers, reliability).

Every name is importable from :mod:`forecast.plots` itself, as
``from forecast.plots import plot_scenarios`` or ``plots.plot_timeline(...)``.
"""

from __future__ import annotations

from forecast.constants import STATES
from forecast.data.panel import CLASS_COLUMNS
from forecast.plots.data import (
    history_by_year,
    plot_count_distribution,
    plot_days_vs_missiles,
    plot_exercise_days,
    plot_history,
    plot_recent_months,
    plot_sources,
    plot_timeline,
)
from forecast.plots.evaluation import (
    plot_contrasts,
    plot_coverage,
    plot_pit,
    plot_scores_by_horizon,
    plot_skill,
)
from forecast.plots.fit import (
    PARAMETER_UNITS,
    label_rank_plot,
    label_trace_plot,
    plot_level,
    plot_level_ratio,
    plot_predictive_bands,
    plot_rate_ratio_draws,
    plot_state_effects,
    save_effects_figure,
)
from forecast.plots.questions import plot_answers, plot_family_reliability, plot_reliability
from forecast.plots.scenarios import (
    plot_probabilities,
    plot_scenario_panels,
    plot_scenarios,
    plot_state_probabilities,
    plot_totals,
)
from forecast.plots.style import (
    CLASS_GROUPS,
    FONT_FALLBACK,
    MODEL_COLORS,
    SCENARIO_COLORS,
    SCENARIO_PALETTE,
    SERIES_PALETTE,
    STATE_COLORS,
    STATE_LABELS,
    TARGET_LABELS,
    literal,
    model_colors,
    save_figures,
    scenario_colors,
    shade_states,
    state_legend_handles,
    user_fonts,
    user_text,
)

__all__ = [
    "save_effects_figure",
    "save_figures",
    # style
    "CLASS_COLUMNS",
    "CLASS_GROUPS",
    "FONT_FALLBACK",
    "MODEL_COLORS",
    "SCENARIO_COLORS",
    "SCENARIO_PALETTE",
    "SERIES_PALETTE",
    "STATES",
    "STATE_COLORS",
    "STATE_LABELS",
    "TARGET_LABELS",
    "literal",
    "model_colors",
    "scenario_colors",
    "shade_states",
    "state_legend_handles",
    "user_fonts",
    "user_text",
    # data
    "history_by_year",
    "plot_count_distribution",
    "plot_days_vs_missiles",
    "plot_exercise_days",
    "plot_history",
    "plot_recent_months",
    "plot_sources",
    "plot_timeline",
    # fit
    "PARAMETER_UNITS",
    "label_rank_plot",
    "label_trace_plot",
    "plot_level",
    "plot_level_ratio",
    "plot_predictive_bands",
    "plot_rate_ratio_draws",
    "plot_state_effects",
    # forecast
    "plot_answers",
    "plot_probabilities",
    "plot_family_reliability",
    "plot_reliability",
    "plot_scenario_panels",
    "plot_scenarios",
    "plot_state_probabilities",
    "plot_totals",
    # evaluation
    "plot_contrasts",
    "plot_coverage",
    "plot_pit",
    "plot_scores_by_horizon",
    "plot_skill",
]
