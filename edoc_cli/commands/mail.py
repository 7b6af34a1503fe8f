"""edoc mail: e-mail to and from clients (README: "Mail").

Out: `flush` delivers the outbox (what actions queued and could not send at once; cron and the
sweep run it), `queue` shows what is not delivered yet. In: `receive` (one message on stdin),
`fetch` (a Maildir), `failed` and `retry` (messages set aside)."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of, show_rows
from edoc_cli.errors import ExitCode
from edoc_cli.i18n import _

app = typer.Typer(help="E-mail to and from clients: deliver the outbox, show what waits, receive a message, "
                  "fetch a Maildir, messages set aside.", add_completion=False)


def _out(line: str) -> None:
    from edoc_cli.safe_text import for_terminal

    sys.stdout.write(for_terminal(line, single_line=True) + "\n")
    sys.stdout.flush()


@app.command("receive")
def receive(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Receive one e-mail message on stdin (for a Postfix or Exim pipe, procmail, fetchmail's mda).

    Exits 0 when the message is recorded, found a duplicate or set aside (edoc mail failed);
    75 (the mail server keeps the message and tries again) when the store is busy or unreachable.
    """
    from edoc_cli import render
    from edoc_cli.commands.flags import render_error
    from edoc_cli.errors import EdocError
    from edoc_cli.render_mail import received_line

    env = env_of(ctx)
    if env.stdin_tty:
        render.say(_("edoc: mail receive reads a message on stdin: pipe one in (edoc mail receive < message.eml)"))
        raise typer.Exit(ExitCode.USAGE)
    raw = sys.stdin.buffer.read()
    try:
        result = env.desk.receive_mail(raw)
    except EdocError as exc:
        # Before anything is stored or set aside (the store busy or unreachable, the configuration
        # unreadable, the spool unwritable): the mail server keeps the message and tries again.
        render.say("edoc: " + _("{problem}; the message was not taken (exit 75: the mail server tries again)").format(
            problem=render_error(exc)[0]))
        raise typer.Exit(ExitCode.MAIL_TEMPFAIL)
    if as_json:
        render.print_json(result.as_dict())
    else:
        _out(received_line(result))


@app.command("fetch")
def fetch(ctx: typer.Context,
          maildir: Optional[str] = typer.Option(None, "--maildir", metavar="DIR",
                                                help="The Maildir to read (default: mail.maildir of the configuration)."),
          as_json: bool = JSON_OPTION) -> None:
    """Receive every new message of a Maildir, moving each to cur/ once it is stored or set aside.

    A busy store stops the fetch (exit 6) and leaves the rest in new/ for the next one.
    """
    from edoc_cli import render
    from edoc_cli.render_mail import fetch_line

    result = env_of(ctx).desk.fetch_mail(maildir)
    if as_json:
        render.print_json(result.as_dict())
    else:
        _out(fetch_line(result))
    for name in result.skipped:
        render.say("edoc: " + _("{name} in new/ is not a plain file (a link or a folder): left where it is").format(
            name=name))
    if result.stopped:
        render.say("edoc: " + _("the fetch stopped: {problem}; the rest stay in new/").format(problem=result.stopped))
        raise typer.Exit(result.stopped_code or ExitCode.UNEXPECTED)


@app.command("failed")
def failed(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """The messages set aside because they could not be stored, and why."""
    from edoc_cli.render_outbox import failed_table

    env = env_of(ctx)
    show_rows(env, [e.as_dict() for e in env.desk.failed_mail()], as_json, _("no mail is set aside"),
              lambda entries: failed_table(env, entries))


@app.command("retry")
def retry(ctx: typer.Context,
          numbers: Optional[List[int]] = typer.Argument(None, metavar="N...", help="The numbers 'edoc mail failed' shows."),
          every: bool = typer.Option(False, "--all", help="Every message set aside."),
          as_json: bool = JSON_OPTION) -> None:
    """Receive messages set aside again; each one stored (or found already received) leaves the list."""
    from edoc_cli import render
    from edoc_cli.errors import UsageError
    from edoc_cli.render_mail import received_line

    if bool(numbers) == every:
        raise UsageError(_("give the numbers to retry, or --all"))
    done = env_of(ctx).desk.retry_mail(None if every else list(numbers or []))
    if as_json:
        render.print_json([{"number": n, **r.as_dict()} for n, r in done])
        return
    for number, result in done:
        _out(f"{number}: {received_line(result)}")


@app.command("discard")
def discard(ctx: typer.Context,
            numbers: List[int] = typer.Argument(..., metavar="N...", help="The numbers 'edoc mail failed' shows."),
            as_json: bool = JSON_OPTION) -> None:
    """Delete messages set aside for good (junk, or read and dealt with by hand): all or none."""
    from edoc_cli import render

    gone = env_of(ctx).desk.discard_mail(list(numbers))
    if as_json:
        render.print_json(gone)
        return
    render.say(_("discarded: {numbers}").format(numbers=", ".join(map(str, gone))))


@app.command("flush")
def flush(ctx: typer.Context,
          retry_failed: bool = typer.Option(False, "--retry-failed", help="Also send again the messages that "
                                            "failed (to the ticket's address of now, after 'edoc edit')."),
          as_json: bool = JSON_OPTION) -> None:
    """Deliver the queued e-mails that are due (retries wait longer after each failure)."""
    from edoc_cli import render

    env = env_of(ctx)
    result = env.desk.flush_mail(retry_failed=retry_failed)
    if as_json:
        render.print_json(result.as_dict())
        return
    from edoc_cli.mail.outbox import tell

    tell(result)
    render.say(_("mail: {sent} sent, {later} to retry later, {failed} failed, {waiting} waiting for their "
                 "next attempt").format(sent=len(result.sent), later=len(result.later), failed=len(result.failed),
                                        waiting=result.skipped))


@app.command("queue")
def queue(ctx: typer.Context, as_json: bool = JSON_OPTION,
          wide: bool = typer.Option(False, "--wide", help="On a terminal: every column, whole, however wide.")) -> None:
    """The e-mails not delivered yet: queued, being sent, or failed (with why)."""
    from edoc_cli.render_outbox import queue_table

    env = env_of(ctx)
    show_rows(env, env.desk.undelivered_mail(), as_json, _("no e-mail waits: every one is delivered"),
              lambda rows: queue_table(env, rows, wide))
