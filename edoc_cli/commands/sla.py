"""edoc sla: explain a ticket's SLA clocks interval by interval."""

from __future__ import annotations

import typer

from edoc_cli.commands import completers
from edoc_cli.commands.common import JSON_OPTION, env_of

app = typer.Typer()


@app.command("sla")
def sla(ctx: typer.Context, ticket_id: str = typer.Argument(..., metavar="ID", autocompletion=completers.any_ticket_ids, help="The registration number, e.g. ED-2026-000042."), as_json: bool = JSON_OPTION) -> None:
    """Explain the SLA: counted, off-hours, holiday and paused intervals, targets and their rule."""
    from edoc_cli import render

    env = env_of(ctx)
    report = env.desk.explain(ticket_id)
    if as_json:
        render.print_json(report)
        return
    render.sla_explanation(env, report)
