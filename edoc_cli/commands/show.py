"""edoc show: one ticket with its history and SLA state."""

from __future__ import annotations

import typer

from edoc_cli.commands import completers
from edoc_cli.commands.common import JSON_OPTION, env_of, show_ticket

app = typer.Typer()


@app.command("show")
def show(ctx: typer.Context, ticket_id: str = typer.Argument(..., metavar="ID", autocompletion=completers.any_ticket_ids, help="The registration number, e.g. ED-2026-000042."), as_json: bool = JSON_OPTION) -> None:
    """Show a ticket: client, request, SLA clocks and the whole history."""
    env = env_of(ctx)
    show_ticket(env, env.desk.get(ticket_id), as_json)
