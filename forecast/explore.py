"""A scenario explorer for JupyterLab: try a path of negotiation states by hand.

``forecast.explore(run)`` shows widgets (``ipywidgets``): a negotiation state for each month
of the horizon (or one of the shipped paths of ``scenarios/current.yaml`` as a start), the
horizon, the quantity (launch days; missiles where the model simulates them; ICBM launch days
from the run's class mix) and the reference scenario. Every change re-simulates the path
from the run's posterior and redraws the fan chart and the headline numbers (expected count,
median, 80% interval, P(at least one), and the path against the reference in words).

This module draws: the widgets, the figure and the table. What it shows is computed by
:mod:`forecast.explorer_paths` (the settings, the starting paths, the simulation of a path
against the reference and its numbers): an :class:`Explorer` is a
:class:`~forecast.explorer_paths.PathSimulator` with widgets.

How it stays fast
-----------------
Nothing is refitted, and what does not change with the path is done once, when the explorer
is made (:mod:`forecast.explorer_paths` says how; :attr:`Explorer.timings`). A change then
simulates one scenario and draws one figure: about 0.4 s in all with every posterior draw
(4,000 for a ``full`` fit of ``ar_level``, 12 months, on the project's 2-core machine: 0.05 s
to simulate, 0.35 s to draw: ``benchmarks/explorer.py``), so the explorer uses them all
(:data:`~forecast.explorer_paths.EXPLORER_DRAWS`), as the report does; ``draws=`` takes fewer.

Without a live front end
------------------------
Run headless (papermill, ``nbconvert --execute``), no one can move a widget and the exported
page could not draw one: the explorer then shows its starting path as a static figure and a
table, and makes no widget (a widget's state would only weigh down the exported page). It
tells the two apart by the request that runs the cell (:func:`widgets_shown`): JupyterLab
(and Notebook 7, built on it) sends the cell's id with it, papermill and nbclient do not.
``explore(..., static=False)`` forces the widgets in a front end that sends no id,
``static=True`` the figure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import sys
import time
import types
from pathlib import Path

import IPython
import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Image, display

from forecast.constants import STATES
from forecast.explorer_paths import (
    EXPLORER_DRAWS,
    EXPLORER_MAX_HORIZON,
    HISTORY_MONTHS,
    PATH,
    PathSimulator,
)
from forecast.plots import STATE_LABELS, plot_scenarios
from forecast.present import chance, counted, interval_text, month_span
from forecast.runs import load_outlook, load_run


def widgets_shown() -> bool:
    """Whether the cell running now was sent by a front end that draws widgets.

    JupyterLab (4.6 checked, in headless Chromium; Notebook 7 is built on it) puts the cell's
    id (``cellId``) in the metadata of the request that executes a cell; papermill and
    nbclient (headless) send none.

    Returns
    -------
    bool
        False outside IPython, and when run headless.
    """
    shell = IPython.get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return False
    parent = kernel.get_parent("shell") if hasattr(kernel, "get_parent") else {}
    return "cellId" in (parent or {}).get("metadata", {})


def _month_names(months: pd.PeriodIndex) -> list[str]:
    return [f"{m:%b %Y}" for m in months]


class Explorer(PathSimulator):
    """A path of negotiation states tried by hand (see the module docstring).

    What it explores and how it simulates it are
    :class:`~forecast.explorer_paths.PathSimulator`'s (its attributes ``settings``, ``paths``,
    ``quantities`` and ``history``, its methods ``simulate``, ``view`` and ``summarise``);
    this class adds the widgets and the figure.

    Parameters
    ----------
    model, outlook, draws, random_seed, horizon, panel, presets, today
        As for :class:`~forecast.explorer_paths.PathSimulator` (``horizon``: the months shown
        first; ``today``: start the path in today's month).
    controls : bool
        Build the widgets (False: a static explorer, e.g. headless, which creates no widget;
        :meth:`set` still changes it).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The explorer, as displayed (with ``controls``).
    month_states : list of ipywidgets.Dropdown
        One state per month (those past the horizon hidden).
    preset, horizon, quantity, reference : ipywidgets widgets
        The starting path, the horizon, the quantity and the reference scenario.
    forecast : Forecast
        The last simulation: the path (``your_path``) and the reference, of the quantity.
    summary : DataFrame
        :func:`forecast.summaries.totals` of both (the headline numbers shown).
    comparison : forecast.summaries.Summary
        :func:`forecast.summaries.compare` of the path against the reference.
    timings : dict of str to float
        Seconds spent making the explorer (``precompute``: everything but the first update)
        and in the last update (``simulate``, ``summaries``, ``figure``, ``update``).
    png : bytes
        The figure shown.
    """

    def __init__(
        self,
        model,
        outlook=None,
        draws: int | None = EXPLORER_DRAWS,
        random_seed: int = 1,
        horizon: int = 12,
        controls: bool = True,
        panel: pd.DataFrame | None = None,
        presets: str | Path | None = None,
        today: dt.date | None = None,
    ) -> None:
        started = time.perf_counter()
        super().__init__(model, outlook, draws, random_seed, horizon, panel, presets, today)
        self.timings: dict[str, float] = {}
        self._holding = False
        self.widget = None
        if controls:
            self._build_widgets()
        self.update()
        self.timings["precompute"] = time.perf_counter() - started - self.timings["update"]

    # --- settings and widgets ----------------------------------------------------------------

    def set(self, **settings) -> None:
        """Change settings (``path``, ``preset``, ``horizon``, ``quantity``, ``reference``)
        and update once; the widgets, when there are any, follow.

        ``path`` is a list of states from the first month (later months keep theirs);
        ``preset`` the name of a starting path (:attr:`paths`).
        """
        new = self.changed_settings(**settings)
        if self.widget is None:
            self.settings = new
            self.update()
            return
        with self.hold():  # the widgets' observers copy them back into the settings
            for control, state in zip(self.month_states, new["path"], strict=True):
                control.value = state
            self.horizon.value = new["horizon"]
            self.quantity.value = new["quantity"]
            self.reference.value = new["reference"]
            if "preset" in settings:
                self.preset.value = settings["preset"]

    def _build_widgets(self) -> None:
        choices = [(label, name) for name, (label, *_) in self.paths.items()]
        wide = {"description_width": "initial"}
        long = widgets.Layout(width="460px")
        self.preset = widgets.Dropdown(
            options=choices, value="persist", description="Start from", style=wide, layout=long
        )
        self.reference = widgets.Dropdown(
            options=choices,
            value=self.settings["reference"],
            description="Against",
            style=wide,
            layout=long,
        )
        self.horizon = widgets.IntSlider(
            value=self.settings["horizon"],
            min=1,
            max=EXPLORER_MAX_HORIZON,
            description="Months",
            continuous_update=False,
        )
        self.quantity = widgets.Dropdown(
            options=[(label, name) for name, label in self.quantities.items()],
            value=self.settings["quantity"],
            description="Quantity",
        )
        options = [(STATE_LABELS[s], s) for s in STATES]
        self.month_states = [
            widgets.Dropdown(
                options=options,
                value=state,
                description=name,
                layout=widgets.Layout(width="200px"),
                style={"description_width": "70px"},
            )
            for name, state in zip(
                _month_names(self.all_months), self.settings["path"], strict=True
            )
        ]
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.numbers = widgets.HTML()
        self.status = widgets.HTML()
        for control in (self.horizon, self.quantity, self.reference, *self.month_states):
            control.observe(self._changed, names="value")
        self.preset.observe(self._preset_changed, names="value")
        grid = widgets.GridBox(
            self.month_states,
            layout=widgets.Layout(
                grid_template_columns="repeat(auto-fill, 204px)", grid_gap="2px 6px"
            ),
        )
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.preset, self.horizon]),
                widgets.HBox([self.quantity, self.reference]),
                widgets.HTML("<b>Negotiation state of each month</b>"),
                grid,
                self.image,
                self.numbers,
                self.status,
            ]
        )

    @contextlib.contextmanager
    def hold(self):
        """Change several widgets at once, then update once."""
        self._holding = True
        try:
            yield self
        finally:
            self._holding = False
            self._changed()

    def _changed(self, change=None) -> None:
        if self._holding:
            return
        self.settings = {
            "path": [c.value for c in self.month_states],
            "horizon": self.horizon.value,
            "quantity": self.quantity.value,
            "reference": self.reference.value,
        }
        self.update()

    def _preset_changed(self, change) -> None:
        if self._holding:
            return
        with self.hold():
            for control, state in zip(self.month_states, self.paths[change["new"]][1], strict=True):
                control.value = state

    # --- update ----------------------------------------------------------------------------

    def update(self) -> None:
        """Simulate the path set and redraw the figure and the numbers."""
        started = time.perf_counter()
        horizon, quantity = self.settings["horizon"], self.settings["quantity"]
        both = self.simulate(self.states, horizon, self.settings["reference"])
        simulated = time.perf_counter()
        self.forecast = self.view(both, quantity)
        self.summary, self.comparison = self.summarise(self.forecast, self.settings["reference"])
        summarised = time.perf_counter()
        self.png = self._figure_png()
        done = time.perf_counter()
        self.timings.update(
            simulate=simulated - started,
            summaries=summarised - simulated,
            figure=done - summarised,
            update=done - started,
        )
        if self.widget is not None:
            for i, control in enumerate(self.month_states):
                control.layout.display = None if i < horizon else "none"
            self.image.value = self.png
            self.numbers.value = self.numbers_html()
            self.status.value = (
                f'<span style="color:#555;font-size:small">Updated in {done - started:.2f} s '
                f"({self.forecast.n_draws:,} simulations of each path, seed "
                f"{self.random_seed}: simulation {simulated - started:.2f} s, figure "
                f"{done - summarised:.2f} s).</span>"
            )

    def _figure_png(self) -> bytes:
        ax = self.figure()
        buf = io.BytesIO()
        # no tight bounding box: it draws the figure twice, and the figure is the slow step
        ax.figure.savefig(buf, format="png", dpi=80)
        plt.close(ax.figure)
        return buf.getvalue()

    def figure(self):
        """The fan chart of the path against the reference (a matplotlib Axes): the last
        :data:`HISTORY_MONTHS` observed, then the path's months; when the path starts in
        today's month, the months the data lack are marked as simulated and not shown."""
        quantity = self.forecast.target
        history = self.history
        if history[quantity].isna().all():  # a quantity the data do not hold: no bars
            history = history.assign(**{quantity: 0})
        ax = plot_scenarios(self.forecast, history, history_months=HISTORY_MONTHS, bands=[PATH])
        name = self.quantities[quantity]
        ax.set_ylabel(f"{name} per month")
        ax.set_ylim(0, max(ax.get_ylim()[1], 1) * 1.5)  # room for the legend above the data
        ax.set_title(
            f"{name} per month from {self.forecast.months[0]:%B %Y}: your path (mean, 50% and "
            "80% bands) against the reference (dashed: its mean)"
        )
        if self.lead:  # the gap between the data and today's month, said where it shows
            first = self.forecast.months[0]
            start, end = (first - self.lead).to_timestamp(), first.to_timestamp()
            ax.axvspan(start, end, color="0.5", alpha=0.12, lw=0, zorder=0)
            ax.text(
                start + (end - start) / 2,
                ax.get_ylim()[1] * 0.45,
                f"{month_span([first - self.lead, first - 1])}:\nnot in the data,\n"
                "simulated first,\nnot shown",
                ha="center",
                va="center",
                fontsize="small",
                color="0.3",
            )
        return ax

    def numbers_html(self) -> str:
        """The headline numbers of the path and the reference (a table), and the comparison
        in words, from :attr:`summary` and :attr:`comparison`."""
        months = self.forecast.months
        noun = self.quantities[self.forecast.target].lower().replace("icbm", "ICBM")
        head = (
            f"<tr><th>Path</th><th>Expected {noun} (mean)</th><th>Median</th>"
            "<th>80% interval</th><th>P(at least one)</th></tr>"
        )
        rows = "".join(
            f"<tr><td style='text-align:left'>{html.escape(str(r.label))}</td>"
            f"<td>{r.mean:.1f}</td><td>{r.median:.0f}</td><td>{interval_text(r.q10, r.q90)}</td>"
            f"<td>{chance(r.p_any)}</td></tr>"
            for r in self.summary.itertuples()
        )
        words = " ".join(html.escape(t) for t in self.comparison.text)
        lead = ""
        if self.lead:
            were, are = ("was", "is") if self.lead == 1 else ("were", "are")
            lacked = month_span([months[0] - self.lead, months[0] - 1])
            lead = (
                f" Both start in today's month; the {counted(self.lead, 'month')} since the "
                f"data's end ({lacked}) {were} simulated first with the last observed state "
                f"and {are} not counted."
            )
        return (
            f"<p><b>{noun[:1].upper() + noun[1:]} over {counted(len(months), 'month')}, "
            f"{month_span(months)}</b> ({self.forecast.n_draws:,} "
            f"simulations each).{lead}</p><table>{head}{rows}</table><p>{words}</p>"
        )

    # --- display ---------------------------------------------------------------------------

    def show(self) -> None:
        """Display the widgets, or (without them) the figure and the numbers."""
        if self.widget is not None:
            display(self.widget)
        else:
            display(Image(data=self.png, format="png"), HTML(self.numbers_html()))


def explore(
    run,
    outlook=None,
    *,
    draws: int | None = EXPLORER_DRAWS,
    random_seed: int = 1,
    horizon: int = 12,
    static: bool | None = None,
    show: bool = True,
    today: dt.date | None = None,
) -> Explorer:
    """Explore a path of negotiation states by hand, in JupyterLab.

    Parameters
    ----------
    run : str, Path or BaseModel
        A run folder (its fit and outlook models are loaded) or a fitted model.
    outlook : forecast.runs.Outlook, optional
        The outlook models of a model given directly (a run folder brings its own).
    draws : int, optional
        Posterior draws simulated per path (default
        :data:`~forecast.explorer_paths.EXPLORER_DRAWS`: all).
    random_seed : int
        Seed of every simulation.
    horizon : int
        Months shown first (1 to :data:`~forecast.explorer_paths.EXPLORER_MAX_HORIZON`).
    static : bool, optional
        Make no widgets: show the starting path as a figure and a table (default: when no
        front end draws widgets, e.g. under papermill; see :func:`widgets_shown`).
    show : bool
        Display it now (False: only return it).
    today : date, optional
        Start the path in this day's month when the data end before it (as the report's
        scenarios from today; the months the data lack are simulated first with the last
        observed state and not shown); default: the month after the data.

    Returns
    -------
    Explorer
        Its widgets (``month_states``, ``preset``, ``horizon``, ``quantity``,
        ``reference``) can be set from Python, as can :meth:`Explorer.set`; each change
        updates it.

    Examples
    --------
    >>> import forecast
    >>> explorer = forecast.explore("runs/report-latest")  # doctest: +SKIP
    >>> explorer.month_states[2].value = "active_talks"  # doctest: +SKIP
    >>> explorer.summary  # doctest: +SKIP
    """
    if isinstance(run, str | Path):
        model, _ = load_run(run)
        outlook = load_outlook(run, required=False) if outlook is None else outlook
    else:
        model = run
    if static is None:
        static = not widgets_shown()
    explorer = Explorer(
        model,
        outlook,
        draws=draws,
        random_seed=random_seed,
        horizon=horizon,
        controls=not static,
        today=today,
    )
    if show:
        explorer.show()
    return explorer


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`explore`: ``forecast.explore(run)`` works whether
    ``forecast.explore`` was reached through :mod:`forecast` (which loads it on first use)
    or bound by ``import forecast.explore``."""

    def __call__(self, *args, **kwargs) -> Explorer:
        return explore(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
