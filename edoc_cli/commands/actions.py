"""The lifecycle actions on one ticket: assign, reply, request-info, ... terminate.

Each command is glue: options -> one Desk method -> a one-line confirmation
on stderr (or the ticket as JSON on stdout).
"""

from __future__ import annotations

from typing import Optional

import typer

from edoc_cli.commands import completers
from edoc_cli.commands.common import JSON_OPTION, env_of, show_ticket
from edoc_cli.i18n import _

app = typer.Typer()

ID = typer.Argument(..., metavar="ID", autocompletion=completers.ticket_ids, help="The registration number, e.g. ED-2026-000042.")
MESSAGE = typer.Option(..., "--message", "-m", help="The text (required).")
OPT_MESSAGE = typer.Option(None, "--message", "-m", help="The text (optional).")


def _done(ctx: typer.Context, ticket: dict, as_json: bool, message: str, **values: str) -> None:
    """The changed ticket as JSON, or `message` (with {id} and {status}) on stderr."""
    env = env_of(ctx)
    if as_json:
        show_ticket(env, ticket, True)
        return
    from edoc_cli import render

    render.say(message.format(id=ticket["id"], status=ticket["status"], **values))


@app.command("assign")
def assign(ctx: typer.Context, ticket_id: str = ID,
           operator: str = typer.Argument(..., metavar="OPERATOR", help="Who takes the ticket."),
           as_json: bool = JSON_OPTION) -> None:
    """Assign a ticket to an operator; a new ticket becomes open."""
    t = env_of(ctx).desk.assign(ticket_id, operator)
    _done(ctx, t, as_json, _("{id}: assigned to {assignee}; status {status}"), assignee=t["assignee"])


@app.command("reply")
def reply(ctx: typer.Context, ticket_id: str = ID, message: str = MESSAGE,
          faq_link: Optional[str] = typer.Option(None, "--faq-link", help="A Help Centre article that answers (clause 14)."),
          as_json: bool = JSON_OPTION) -> None:
    """Record an answer to the client (counts as first response)."""
    _done(ctx, env_of(ctx).desk.reply(ticket_id, message, faq_link), as_json,
          _("{id}: reply recorded; status {status}"))


@app.command("request-info")
def request_info(ctx: typer.Context, ticket_id: str = ID, message: str = MESSAGE,
                 as_json: bool = JSON_OPTION) -> None:
    """Ask the client for missing information (clause 15): SLA paused, auto-close after sla.auto_close_after_hours (8 working hours by default)."""
    _done(ctx, env_of(ctx).desk.request_info(ticket_id, message), as_json,
          _("{id}: information requested, SLA paused; status {status}"))


@app.command("client-reply")
def client_reply(ctx: typer.Context, ticket_id: str = ID, message: str = MESSAGE,
                 as_json: bool = JSON_OPTION) -> None:
    """Record the client's answer: back to open, the SLA clock resumes."""
    _done(ctx, env_of(ctx).desk.client_reply(ticket_id, message), as_json,
          _("{id}: client's answer recorded; status {status}"))


@app.command("note")
def note(ctx: typer.Context, ticket_id: str = ID, message: str = MESSAGE, as_json: bool = JSON_OPTION) -> None:
    """Record an internal note: an action taken (these are the 'actions done so far')."""
    _done(ctx, env_of(ctx).desk.note(ticket_id, message), as_json,
          _("{id}: note recorded; status {status}"))


@app.command("diagnose")
def diagnose(ctx: typer.Context, ticket_id: str = ID,
             priority: str = typer.Option(..., "--priority", autocompletion=completers.priorities, help="critical, high, normal or low."),
             message: Optional[str] = OPT_MESSAGE, as_json: bool = JSON_OPTION) -> None:
    """Set a bug's priority (clause 13); its resolution target follows, counted from receipt."""
    t = env_of(ctx).desk.diagnose(ticket_id, priority, message)
    _done(ctx, t, as_json, _("{id}: priority {priority}; status {status}"), priority=t["priority"])


@app.command("postpone")
def postpone(ctx: typer.Context, ticket_id: str = ID,
             reason: str = typer.Option(..., "--reason", autocompletion=completers.reasons, help="client_info, third_party, development, "
                                        "client_side or force_majeure (clause 9)."),
             message: str = MESSAGE,
             until: Optional[str] = typer.Option(None, "--until", metavar="WHEN", help="When it is expected to end (a day alone: its 00:00): {instant_forms}."),
             as_json: bool = JSON_OPTION) -> None:
    """Postpone resolution for a clause 9 reason: the SLA clock pauses until 'resume'."""
    _done(ctx, env_of(ctx).desk.postpone(ticket_id, reason, message, until), as_json,
          _("{id}: postponed ({reason}); status {status}"), reason=reason)


@app.command("resume")
def resume(ctx: typer.Context, ticket_id: str = ID, message: Optional[str] = OPT_MESSAGE,
           as_json: bool = JSON_OPTION) -> None:
    """End a postponement: back to open, the SLA clock resumes."""
    _done(ctx, env_of(ctx).desk.resume(ticket_id, message), as_json,
          _("{id}: resumed; status {status}"))


@app.command("escalate")
def escalate(ctx: typer.Context, ticket_id: str = ID,
             third_party: str = typer.Option(..., "--third-party", help="Who is involved (clause 17)."),
             message: str = MESSAGE, as_json: bool = JSON_OPTION) -> None:
    """Record that a third party is involved (clause 17)."""
    _done(ctx, env_of(ctx).desk.escalate(ticket_id, third_party, message), as_json,
          _("{id}: escalated to {third_party}; status {status}"), third_party=third_party)


@app.command("close")
def close(ctx: typer.Context, ticket_id: str = ID,
          resolution: str = typer.Option(..., "--resolution", autocompletion=completers.resolutions, help="resolved, faq, out_of_scope, no_response, "
                                         "duplicate or rejected."),
          message: Optional[str] = OPT_MESSAGE,
          faq_link: Optional[str] = typer.Option(None, "--faq-link", help="Required with --resolution faq."),
          duplicate_of: Optional[str] = typer.Option(None, "--duplicate-of", metavar="ID",
                                                     help="Required with --resolution duplicate."),
          as_json: bool = JSON_OPTION) -> None:
    """Close a ticket with a resolution code."""
    t = env_of(ctx).desk.close(ticket_id, resolution, message, faq_link, duplicate_of)
    _done(ctx, t, as_json, _("{id}: closed ({resolution}); status {status}"), resolution=resolution)


@app.command("reopen")
def reopen(ctx: typer.Context, ticket_id: str = ID, message: str = MESSAGE, as_json: bool = JSON_OPTION) -> None:
    """Reopen a closed ticket; SLA clocks resume with the time already spent."""
    _done(ctx, env_of(ctx).desk.reopen(ticket_id, message), as_json,
          _("{id}: reopened; status {status}"))


@app.command("terminate")
def terminate(ctx: typer.Context, ticket_id: str = ID, message: str = MESSAGE, as_json: bool = JSON_OPTION) -> None:
    """Stop service for abuse (clause 16): closed as 'abuse', listed for the supervisor."""
    _done(ctx, env_of(ctx).desk.terminate(ticket_id, message), as_json,
          _("{id}: terminated for abuse; supervisor notified in reports; status {status}"))
