"""edoc report: SLA compliance for people, scripts and spreadsheets."""

from __future__ import annotations

from typing import Optional

import typer

from edoc_cli.commands.common import env_of
from edoc_cli.i18n import _

app = typer.Typer()


def _groups(incomplete: str) -> list[str]:
    from edoc_cli.report import GROUPS

    return [g for g in GROUPS if g.startswith(incomplete)]


def _formats(incomplete: str) -> list[str]:
    return [f for f in ("table", "json", "csv") if f.startswith(incomplete)]


@app.command("report")
def report(
    ctx: typer.Context,
    since: Optional[str] = typer.Option(None, "--since", metavar="WHEN", help="Registered at or after (default: 30 days before --until): "
                                        "{instant_forms}."),
    until: Optional[str] = typer.Option(None, "--until", metavar="WHEN", help="Registered before (a day alone includes that whole day; "
                                        "default: now): {instant_forms}."),
    group_by: str = typer.Option("category", "--group-by", autocompletion=_groups,
                                 help="category, level, channel, assignee or priority."),
    fmt: str = typer.Option("table", "--format", autocompletion=_formats, help="table, json or csv."),
    as_json: bool = typer.Option(False, "--json", help="The same as --format json."),
    wide: bool = typer.Option(False, "--wide", help="On a terminal: every column, whole, however wide "
                              "(without it, columns give way as the terminal narrows)."),
) -> None:
    """SLA compliance over the tickets registered in a period: volume, met/breached, medians, backlog."""
    from edoc_cli import render, render_report
    from edoc_cli.errors import UsageError
    from edoc_cli.render_progress import progress

    if fmt not in ("table", "json", "csv"):
        raise UsageError(_("--format must be table, json or csv, not {value!r}").format(value=fmt))
    env = env_of(ctx)
    with progress(env) as bar:
        data = env.desk.report(since, until, group_by, bar)
    if as_json or fmt == "json":
        render.print_json(data)
    elif fmt == "csv":
        render_report.report_csv(data)
    else:
        render_report.report_table(env, data, wide=wide)
