"""edoc export: every ticket as JSON Lines, history included."""

from __future__ import annotations

import sys

import typer

from edoc_cli.commands.common import env_of

app = typer.Typer()


@app.command("export")
def export(ctx: typer.Context) -> None:
    """Print every ticket, history included, as JSON Lines (one ticket a line)."""
    out = sys.stdout
    for line in env_of(ctx).desk.export_lines():
        out.write(line + "\n")
    out.flush()
