"""edoc sweep: the cron job of clause 15."""

from __future__ import annotations

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of

app = typer.Typer()


@app.command("sweep")
def sweep(ctx: typer.Context,
          dry_run: bool = typer.Option(False, "--dry-run", help="Show what would happen; change nothing."),
          as_json: bool = JSON_OPTION) -> None:
    """For cron: auto-close unanswered requests (clause 15: 8 working hours by default), record breaches, warn of risks.

    Prints nothing when nothing happened (so cron sends no mail).
    """
    from edoc_cli import render

    env = env_of(ctx)
    result = env.desk.sweep(dry_run)
    if as_json:
        render.print_json(result.as_dict())
    elif result.happened or dry_run:
        render.sweep_summary(result)
