"""edoc check: verify the store."""

from __future__ import annotations

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _

app = typer.Typer()


@app.command("check")
def check(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Verify the store: it parses, schema version, unique numbers, history consistent with status (exit 7 if not)."""
    from edoc_cli import render
    from edoc_cli.checking import check_store
    from edoc_cli.errors import ExitCode

    env = env_of(ctx)
    report = check_store(env.store, env.calendar, env.now(), env.tz)
    if as_json:
        render.print_json(report)
    else:
        for problem in report["problems"]:
            render.say(f"  - {problem}")
        if report["ok"]:
            render.say(_("{store}: {count} tickets, consistent").format(
                store=report["store"], count=report["tickets"]))
        else:
            render.say(_("{store}: {count} tickets, {problems} problem(s)").format(
                store=report["store"], count=report["tickets"], problems=len(report["problems"])))
    if not report["ok"]:
        raise typer.Exit(ExitCode.STORE_CORRUPT)
