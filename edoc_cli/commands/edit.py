"""edoc edit: correct a ticket's registration fields through the registration checklist."""

from __future__ import annotations

from typing import List, Optional

import typer

from edoc_cli.commands import completers
from edoc_cli.commands import request_options as ro
from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _

app = typer.Typer()


@app.command("edit")
def edit(
    ctx: typer.Context,
    ticket_id: str = typer.Argument(..., metavar="ID", autocompletion=completers.ticket_ids,
                                    help="The registration number, e.g. ED-2026-000042."),
    email: Optional[str] = ro.EMAIL,
    phone: Optional[str] = ro.PHONE,
    organization: Optional[str] = ro.ORGANIZATION,
    client_lang: Optional[str] = ro.CLIENT_LANG,
    category: Optional[str] = typer.Option(None, "--category", autocompletion=completers.categories,
                                           help="The request's true category: its SLA targets follow (README)."),
    channel: Optional[str] = ro.CHANNEL,
    topic: Optional[str] = ro.TOPIC,
    subject: Optional[str] = ro.SUBJECT,
    description: Optional[str] = ro.DESCRIPTION,
    steps: Optional[str] = ro.STEPS,
    occurred_at: Optional[str] = ro.OCCURRED_AT,
    browser: Optional[str] = ro.BROWSER,
    os_: Optional[str] = ro.OS,
    attachment: Optional[List[str]] = typer.Option(None, "--attachment", help="Bugs: a screenshot or file reference "
                                                   "(repeatable; replaces the list)."),
    document: Optional[str] = ro.DOCUMENT,
    as_json: bool = JSON_OPTION,
) -> None:
    """Correct a registration: the corrected request must meet the checklist (exit 3, nothing changed); one history event."""
    from edoc_cli import render
    from edoc_cli.commands.common import show_ticket

    given = dict(email=email, phone=phone, organization=organization, client_lang=client_lang, category=category, channel=channel,
                 topic=topic, subject=subject, description=description, steps=steps, occurred_at=occurred_at,
                 browser=browser, os=os_, document=document, attachments=attachment or None)
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        from edoc_cli.errors import UsageError
        from edoc_cli.rules.correction import EDITABLE
        from edoc_cli.commands.flags import flag_for

        raise UsageError(_("nothing to edit: give at least one of {flags}").format(
            flags=", ".join(flag_for(f) for f in EDITABLE)))
    env = env_of(ctx)
    ticket, changes = env.desk.edit(ticket_id, given)
    if as_json:
        show_ticket(env, ticket, True)
    elif not changes:
        render.say(_("{id}: nothing changed: it already holds these values").format(id=ticket["id"]))
    else:
        from edoc_cli.words import word

        render.say(_("{id}: corrected {fields}").format(id=ticket["id"], fields="; ".join(
            f"{word('field', name)}: {_shown(name, change['old'])} -> {_shown(name, change['new'])}"
            for name, change in changes.items())))


def _shown(field: str, value: str | list | None, limit: int = 60) -> str:
    """A value in the confirmation: quoted (so an empty one shows), "—" when absent, one line,
    short; a category or a channel by its word."""
    import json

    from edoc_cli.words import field_value

    if value is None:
        return "—"
    text = json.dumps(field_value(field, value), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 2] + "…\""
