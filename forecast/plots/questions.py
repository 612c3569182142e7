"""Figures of forecast questions: the answers and their reliability.

The place for :func:`forecast.questions.plot_reliability` (reliability diagram of resolved
questions) and :func:`forecast.questions.plot_answers` (the answers by question), which are
still defined in :mod:`forecast.questions`. When they move here they should take their
colours from :mod:`forecast.plots.style`, draw question titles with
:func:`~forecast.plots.style.literal` and :func:`~forecast.plots.style.user_text` (titles
are user-written), be re-exported by :mod:`forecast.plots`, and stay importable from
:mod:`forecast.questions` through a re-export there.
"""

from __future__ import annotations

__all__: list[str] = []
