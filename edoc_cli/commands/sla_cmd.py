"""edoc sla: explain a ticket's SLA clocks interval by interval."""

from __future__ import annotations

import typer

from edoc_cli.commands import complete
from edoc_cli.commands.common import JSON_OPTION, env_of

app = typer.Typer()


@app.command("sla")
def sla(ctx: typer.Context, ticket_id: str = typer.Argument(..., metavar="ID", autocompletion=complete.ticket_ids), as_json: bool = JSON_OPTION) -> None:
    """Explain the SLA: counted, off-hours, holiday and paused intervals, targets and their rule."""
    from edoc_cli import render
    from edoc_cli.sla import explain

    env = env_of(ctx)
    ticket = env.desk.get(ticket_id)
    report = explain(ticket, env.calendar, env.now(), env.tz)
    if as_json:
        render.print_json(report)
        return
    render.sla_explanation(env, report)
