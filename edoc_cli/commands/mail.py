"""edoc mail: e-mail to and from clients (README: "Mail").

Out: `flush` delivers the outbox (what actions queued and could not send at once; cron and the
sweep run it), `queue` shows what is not delivered yet.
"""

from __future__ import annotations

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _

app = typer.Typer(help="E-mail to and from clients: deliver the outbox, show what waits.", add_completion=False)


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
    render.say(_("mail: {sent} sent, {later} to retry later, {failed} failed").format(
        sent=len(result.sent), later=len(result.later), failed=len(result.failed)))


@app.command("queue")
def queue(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """The e-mails not delivered yet: queued, being sent, or failed (with why)."""
    from edoc_cli import render

    rows = env_of(ctx).desk.undelivered_mail()
    if as_json:
        render.print_json(rows)
        return
    from edoc_cli.render_mail import queue_table

    queue_table(env_of(ctx), rows)
