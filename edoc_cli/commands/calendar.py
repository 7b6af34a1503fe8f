"""edoc calendar: the working calendar in force."""

from __future__ import annotations

from typing import Optional

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of

app = typer.Typer(help="The working calendar in force: hours, holidays, transfers.", invoke_without_command=True,
                  add_completion=False)


@app.callback()
def calendar(
    ctx: typer.Context,
    year: Optional[int] = typer.Option(None, "--year", min=2000, max=2100, metavar="YYYY", help="The year (default: this year)."),
    month: Optional[int] = typer.Option(None, "--month", min=1, max=12, metavar="MM", help="One month, day by day."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the year's holidays and transfers, or one month day by day."""
    if ctx.invoked_subcommand is not None:
        return
    from edoc_cli import render

    env = env_of(ctx)
    report = env.desk.calendar_report(year, month)
    if as_json:
        render.print_json(report)
    else:
        render.calendar(env, report)


@app.command("check")
def check(ctx: typer.Context, day: str = typer.Argument(..., metavar="DATE"),
          as_json: bool = JSON_OPTION) -> None:
    """Is DATE a working day, and why.

    DATE: {instant_forms}; a time, if given, is ignored.
    """
    from edoc_cli import render

    env = env_of(ctx)
    report = env.desk.calendar_day(day)
    if as_json:
        render.print_json(report)
    else:
        render.day(env, report)
