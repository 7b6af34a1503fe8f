"""What every command module shares: the environment and the --json option."""

from __future__ import annotations

import typer

from edoc_cli.environment import Environment

JSON_OPTION = typer.Option(False, "--json", help="Print JSON on stdout (nothing else goes there).")


def env_of(ctx: typer.Context) -> Environment:
    obj = ctx.find_root().obj
    assert isinstance(obj, Environment)
    return obj


def show_rows(env: Environment, rows: list, as_json: bool, none: str, table) -> None:
    """A listing command's rows: JSON (an empty array when none), `none` on stderr when there is
    nothing to show a person, else `table(rows)`."""
    from edoc_cli import render

    if as_json:
        render.print_json(rows)
    elif not rows:
        render.say(none)
    else:
        table(rows)


def show_ticket(env: Environment, ticket: dict, as_json: bool, done: str | None = None) -> None:
    """Print a changed or requested ticket: its card, or JSON."""
    from edoc_cli import render

    view = env.desk.view(ticket)
    view["mail"] = env.desk.ticket_mail(ticket["id"])
    if as_json:
        render.print_json(view)
        return
    if done:
        render.say(done)
    from edoc_cli.render_outbox import card_section

    render.ticket_card(env, view, [card_section(view["mail"])] if view["mail"] else [])
