"""``forecast models``: the registered models, from the catalogue (no model is loaded)."""

from __future__ import annotations

import typer

from forecast.cli.console import console
from forecast.cli.tables import models_table

app = typer.Typer(rich_markup_mode=None)


@app.command("models")
def models() -> None:
    """List the registered models, the default marked."""
    console.print(models_table())
