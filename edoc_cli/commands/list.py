"""edoc list: tickets, filtered, nearest deadline first."""

from __future__ import annotations

from typing import Optional

import typer

from edoc_cli.commands import completers
from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _

app = typer.Typer()


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Optional[str] = typer.Option(None, "--status", autocompletion=completers.statuses, help="new, open, waiting, postponed or closed "
                                         "(comma-separated for several)."),
    all_: bool = typer.Option(False, "--all", help="Closed tickets too."),
    category: Optional[str] = typer.Option(None, "--category", autocompletion=completers.categories, help="Only this category."),
    level: Optional[str] = typer.Option(None, "--level", autocompletion=completers.levels, help="Only this SLA level (basic, vip)."),
    assignee: Optional[str] = typer.Option(None, "--assignee", help="Only this operator's tickets ('-' for unassigned)."),
    priority: Optional[str] = typer.Option(None, "--priority", autocompletion=completers.priorities, help="Only this priority."),
    breached: bool = typer.Option(False, "--breached", help="Only tickets with a breached SLA target."),
    due_within: Optional[str] = typer.Option(None, "--due-within", metavar="DURATION",
                                             help="Only tickets with an unmet deadline within this time: "
                                             "{duration_forms}."),
    since: Optional[str] = typer.Option(None, "--since", metavar="WHEN", help="Registered at or after: {instant_forms}."),
    until: Optional[str] = typer.Option(None, "--until", metavar="WHEN", help="Registered before (a day alone includes that whole day): "
                                         "{instant_forms}."),
    as_json: bool = JSON_OPTION,
    wide: bool = typer.Option(False, "--wide", help="On a terminal: every column, whole, however wide "
                              "(without it, columns give way as the terminal narrows)."),
) -> None:
    """List tickets not yet closed (unless --status or --all), nearest due time first."""
    from edoc_cli import render

    env = env_of(ctx)
    wanted = env.desk.list_filter(status=status, all_=all_, category=category, level=level,
                                  assignee=assignee, priority=priority, breached=breached,
                                  due_within=due_within, since=since, until=until)
    views = env.desk.find(wanted)
    if as_json:
        render.print_json(views)
    elif views:
        render.ticket_list(env, views, wide=wide)
    else:
        render.say(_("no tickets match"))
