"""edoc check: verify the store (and mend what can be mended mechanically)."""

from __future__ import annotations

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _

app = typer.Typer()


@app.command("check")
def check(ctx: typer.Context, as_json: bool = JSON_OPTION,
          repair: bool = typer.Option(False, "--repair", help="First raise counters below a number in use and "
                                      "keep the later copy of a ticket held twice; then verify.")) -> None:
    """Verify the store: it parses, schema version, unique numbers, history consistent with status (exit 7 if not)."""
    from edoc_cli import render
    from edoc_cli.errors import ExitCode
    from edoc_cli.render_progress import progress

    env = env_of(ctx)
    repaired = env.desk.repair() if repair else []
    with progress(env) as bar:
        report = env.desk.check(bar)
    if repair:
        report["repaired"] = repaired
    if as_json:
        render.print_json(report)
    else:
        for line in repaired:
            render.say(_("repaired: {what}").format(what=line))
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
