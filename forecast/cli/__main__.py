"""``python -m forecast.cli``: the same as the ``forecast`` command."""

from forecast.cli.app import run

run()
