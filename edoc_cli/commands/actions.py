"""The lifecycle actions on one ticket: assign, reply, request-info, ... terminate.

Each command is glue: options -> one Desk method -> a one-line confirmation
on stderr (or the ticket as JSON on stdout). `assign`, `note` and `postpone` take several
numbers, or '-' for numbers on stdin (commands/bulk.py); messages come from -m, -F, a template
or the editor (commands/messages.py).
"""

from __future__ import annotations

from typing import List, Optional

import typer

from edoc_cli.commands import completers
from edoc_cli.commands.common import JSON_OPTION, env_of, show_ticket
from edoc_cli.commands.messages import FILE, MESSAGE, OPT_MESSAGE, TEMPLATE, read_message
from edoc_cli.i18n import _
from edoc_cli.words import word

app = typer.Typer()

ID = typer.Argument(..., metavar="ID", autocompletion=completers.ticket_ids, help="The registration number, e.g. ED-2026-000042.")
CLOSED_ID = typer.Argument(..., metavar="ID", autocompletion=completers.closed_ticket_ids,
                           help="The registration number of a closed ticket.")
NO_MAIL = typer.Option(False, "--no-mail", help="Send the client no e-mail about this one action "
                       "(when mail is configured and the ticket has an address, it is sent).")
IDS = typer.Argument(..., metavar="ID...", autocompletion=completers.ticket_ids,
                     help="Registration numbers; '-' reads them from stdin, one a line.")


def _done(ctx: typer.Context, ticket: dict, as_json: bool, message: str, **values: str) -> None:
    """The changed ticket as JSON, or `message` (with {id} and {status}) on stderr."""
    env = env_of(ctx)
    if as_json:
        show_ticket(env, ticket, True)
        return
    from edoc_cli import render

    render.say(_said(message, ticket, **values))


def _said(message: str, ticket: dict, **values: str) -> str:
    """A confirmation: `message` with the ticket's {id}, its {status} in words, and `values`."""
    return message.format(id=ticket["id"], status=word("status", ticket["status"]), **values)


def _text(ctx: typer.Context, ticket_id: str, message, file, template=None, *, required: bool = True,
          action: str = "") -> Optional[str]:
    """The message for one ticket, from whichever way it was given (commands/messages.py)."""
    env = env_of(ctx)
    if template is None and (message is not None or file is not None or not required):
        # The text needs nothing of the ticket, and no editor opens: the action's own reading says
        # whether the number is right (a second reading would cost a large store 10 ms).
        return read_message(env, message, file, required=required).text
    ticket = env.desk.get(ticket_id)  # before an editor opens: a wrong number is said at once
    hint = _("The message for {id} ({action}).").format(id=ticket["id"], action=action)
    return read_message(env, message, file, template, required=required, hint=hint).for_ticket(env, ticket)


def _mail(ctx: typer.Context, no_mail: bool) -> None:
    """--no-mail: this action queues no message to the client."""
    env_of(ctx).desk.send_mail = not no_mail


def _each(ctx: typer.Context, args: list[str], act, as_json: bool, single, confirm) -> None:
    """`act(id, ticket)` on one ticket (its usual output) or on several (a summary, commands/bulk.py)."""
    from edoc_cli.commands.bulk import expand_ids, is_bulk, run_each

    env = env_of(ctx)
    if not is_bulk(args):
        single(act(args[0]))
        return
    ids, _stdin = expand_ids(args)
    raise typer.Exit(run_each(env, ids, act, as_json, confirm))


@app.command("assign")
def assign(ctx: typer.Context,
           args: List[str] = typer.Argument(..., metavar="ID... [OPERATOR]", autocompletion=completers.ticket_ids,
                                            help="Registration numbers ('-': from stdin), then who takes them; "
                                                 "without an operator, you do."),
           to: Optional[str] = typer.Option(None, "--to", metavar="OPERATOR",
                                            help="Who takes the tickets (when the name could be read as a number)."),
           as_json: bool = JSON_OPTION) -> None:
    """Assign tickets to an operator (to yourself when none is named); a new ticket becomes open."""
    from edoc_cli.commands.bulk import split_operator

    env = env_of(ctx)
    ids, operator = split_operator(args, to)
    name = operator or env.desk.operator
    text = _("{id}: assigned to {assignee}; status {status}")
    _each(ctx, ids, lambda tid: env.desk.assign(tid, name), as_json,
          lambda t: _done(ctx, t, as_json, text, assignee=t["assignee"]),
          lambda t: _said(text, t, assignee=t["assignee"]))


@app.command("reply")
def reply(ctx: typer.Context, ticket_id: str = ID, message: Optional[str] = MESSAGE, file: Optional[str] = FILE,
          template: Optional[str] = TEMPLATE,
          faq_link: Optional[str] = typer.Option(None, "--faq-link", help="A Help Centre article that answers (clause 14)."),
          no_mail: bool = NO_MAIL, as_json: bool = JSON_OPTION) -> None:
    """Record an answer to the client (counts as first response); e-mailed to the client."""
    _mail(ctx, no_mail)
    text = _text(ctx, ticket_id, message, file, template, action="reply")
    _done(ctx, env_of(ctx).desk.reply(ticket_id, text, faq_link), as_json,
          _("{id}: reply recorded; status {status}"))


@app.command("request-info")
def request_info(ctx: typer.Context, ticket_id: str = ID, message: Optional[str] = MESSAGE,
                 file: Optional[str] = FILE, template: Optional[str] = TEMPLATE,
                 no_mail: bool = NO_MAIL, as_json: bool = JSON_OPTION) -> None:
    """Ask the client for missing information (clause 15): SLA paused, auto-close after sla.auto_close_after_hours (8 working hours by default); e-mailed to the client."""
    _mail(ctx, no_mail)
    text = _text(ctx, ticket_id, message, file, template, action="request-info")
    _done(ctx, env_of(ctx).desk.request_info(ticket_id, text), as_json,
          _("{id}: information requested, SLA paused; status {status}"))


@app.command("client-reply")
def client_reply(ctx: typer.Context, ticket_id: str = ID, message: Optional[str] = MESSAGE,
                 file: Optional[str] = FILE, as_json: bool = JSON_OPTION) -> None:
    """Record the client's answer: back to open, the SLA clock resumes."""
    text = _text(ctx, ticket_id, message, file, action="client-reply")
    _done(ctx, env_of(ctx).desk.client_reply(ticket_id, text), as_json,
          _("{id}: client's answer recorded; status {status}"))


@app.command("note")
def note(ctx: typer.Context, ticket_ids: List[str] = IDS, message: Optional[str] = MESSAGE,
         file: Optional[str] = FILE, template: Optional[str] = TEMPLATE, as_json: bool = JSON_OPTION) -> None:
    """Record an internal note: an action taken (these are the 'actions done so far')."""
    env = env_of(ctx)
    text = _("{id}: note recorded; status {status}")
    given = _bulk_message(ctx, ticket_ids, message, file, template, "note")
    _each(ctx, ticket_ids, lambda tid: env.desk.note(tid, given(tid)), as_json,
          lambda t: _done(ctx, t, as_json, text), lambda t: _said(text, t))


@app.command("diagnose")
def diagnose(ctx: typer.Context, ticket_id: str = ID,
             priority: str = typer.Option(..., "--priority", autocompletion=completers.priorities, help="critical, high, normal or low."),
             message: Optional[str] = OPT_MESSAGE, file: Optional[str] = FILE, as_json: bool = JSON_OPTION) -> None:
    """Set a bug's priority (clause 13); its resolution target follows, counted from receipt."""
    text = _text(ctx, ticket_id, message, file, required=False)
    t = env_of(ctx).desk.diagnose(ticket_id, priority, text)
    _done(ctx, t, as_json, _("{id}: priority {priority}; status {status}"), priority=word("priority", t["priority"]))


@app.command("postpone")
def postpone(ctx: typer.Context, ticket_ids: List[str] = IDS,
             reason: str = typer.Option(..., "--reason", autocompletion=completers.reasons, help="client_info, third_party, development, "
                                        "client_side or force_majeure (clause 9)."),
             message: Optional[str] = MESSAGE, file: Optional[str] = FILE, template: Optional[str] = TEMPLATE,
             until: Optional[str] = typer.Option(None, "--until", metavar="WHEN", help="When it is expected to end (a day alone: its 00:00): {instant_forms}."),
             as_json: bool = JSON_OPTION) -> None:
    """Postpone resolution for a clause 9 reason: the SLA clock pauses until 'resume'."""
    env = env_of(ctx)
    text = _("{id}: postponed ({reason}); status {status}")
    label = env.config.postponement_reasons.get(reason, reason)
    given = _bulk_message(ctx, ticket_ids, message, file, template, "postpone")
    _each(ctx, ticket_ids, lambda tid: env.desk.postpone(tid, reason, given(tid), until), as_json,
          lambda t: _done(ctx, t, as_json, text, reason=label),
          lambda t: _said(text, t, reason=label))


def _bulk_message(ctx: typer.Context, ids: list[str], message, file, template, action: str):
    """The message of a command that takes several ids: read once; per ticket, its template filled."""
    from edoc_cli.commands.bulk import is_bulk

    env = env_of(ctx)
    if not is_bulk(ids):
        text = _text(ctx, ids[0], message, file, template, action=action)
        return lambda _tid: text
    hint = _("The message for each of the tickets ({action}).").format(action=action)
    given = read_message(env, message, file, template, hint=hint, stdin_taken="-" in ids)
    if given.template is None:
        return lambda _tid: given.text
    return lambda tid: given.for_ticket(env, env.desk.get(tid))


@app.command("resume")
def resume(ctx: typer.Context, ticket_id: str = ID, message: Optional[str] = OPT_MESSAGE,
           file: Optional[str] = FILE, as_json: bool = JSON_OPTION) -> None:
    """End a postponement: back to open, the SLA clock resumes."""
    text = _text(ctx, ticket_id, message, file, required=False)
    _done(ctx, env_of(ctx).desk.resume(ticket_id, text), as_json,
          _("{id}: resumed; status {status}"))


@app.command("escalate")
def escalate(ctx: typer.Context, ticket_id: str = ID,
             third_party: str = typer.Option(..., "--third-party", help="Who is involved (clause 17)."),
             message: Optional[str] = MESSAGE, file: Optional[str] = FILE, as_json: bool = JSON_OPTION) -> None:
    """Record that a third party is involved (clause 17)."""
    text = _text(ctx, ticket_id, message, file, action="escalate")
    _done(ctx, env_of(ctx).desk.escalate(ticket_id, third_party, text), as_json,
          _("{id}: escalated to {third_party}; status {status}"), third_party=third_party)


@app.command("close")
def close(ctx: typer.Context, ticket_id: str = ID,
          resolution: str = typer.Option(..., "--resolution", autocompletion=completers.resolutions, help="resolved, faq, out_of_scope, no_response, "
                                         "duplicate or rejected."),
          message: Optional[str] = OPT_MESSAGE, file: Optional[str] = FILE, template: Optional[str] = TEMPLATE,
          faq_link: Optional[str] = typer.Option(None, "--faq-link", help="Required with --resolution faq."),
          duplicate_of: Optional[str] = typer.Option(None, "--duplicate-of", metavar="ID",
                                                     help="Required with --resolution duplicate."),
          no_mail: bool = NO_MAIL, as_json: bool = JSON_OPTION) -> None:
    """Close a ticket with a resolution code; the client is told by e-mail."""
    _mail(ctx, no_mail)
    text = _text(ctx, ticket_id, message, file, template, required=False)
    t = env_of(ctx).desk.close(ticket_id, resolution, text, faq_link, duplicate_of)
    _done(ctx, t, as_json, _("{id}: closed ({resolution}); status {status}"), resolution=word("resolution", resolution))


@app.command("reopen")
def reopen(ctx: typer.Context, ticket_id: str = CLOSED_ID, message: Optional[str] = MESSAGE, file: Optional[str] = FILE,
           as_json: bool = JSON_OPTION) -> None:
    """Reopen a closed ticket; SLA clocks resume with the time already spent."""
    text = _text(ctx, ticket_id, message, file, action="reopen")
    _done(ctx, env_of(ctx).desk.reopen(ticket_id, text), as_json,
          _("{id}: reopened; status {status}"))


@app.command("terminate")
def terminate(ctx: typer.Context, ticket_id: str = ID, message: Optional[str] = MESSAGE, file: Optional[str] = FILE,
              no_mail: bool = NO_MAIL, as_json: bool = JSON_OPTION) -> None:
    """Stop service for abuse (clause 16): closed as 'abuse', listed for the supervisor; the client is told by e-mail."""
    _mail(ctx, no_mail)
    text = _text(ctx, ticket_id, message, file, action="terminate")
    _done(ctx, env_of(ctx).desk.terminate(ticket_id, text), as_json,
          _("{id}: terminated for abuse; supervisor notified in reports; status {status}"))
