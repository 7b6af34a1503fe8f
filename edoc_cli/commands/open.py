"""edoc open: register a request (flags, --from-json, or the wizard on a terminal)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from edoc_cli.commands import completers
from edoc_cli.commands import request_options as ro
from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _, ngettext

app = typer.Typer()

MAX_JSON_BYTES = 64 * 1024 * 1024


@app.command("open")
def open_(
    ctx: typer.Context,
    client_type: Optional[str] = typer.Option(None, "--client-type", autocompletion=completers.client_types, help="user or guest (clause 7)."),
    client_lang: Optional[str] = ro.CLIENT_LANG,
    name: Optional[str] = typer.Option(None, "--name", help="The client's full name (clause 11)."),
    iin: Optional[str] = typer.Option(None, "--iin", help="Individual identification number, 12 digits."),
    bin_: Optional[str] = typer.Option(None, "--bin", help="Business identification number, 12 digits."),
    login: Optional[str] = typer.Option(None, "--login", help="Portal login."),
    email: Optional[str] = ro.EMAIL,
    phone: Optional[str] = ro.PHONE,
    organization: Optional[str] = ro.ORGANIZATION,
    category: Optional[str] = typer.Option(None, "--category", autocompletion=completers.categories, help="consultation, bug, feature or complaint (clause 4)."),
    channel: Optional[str] = ro.CHANNEL,
    topic: Optional[str] = ro.TOPIC,
    subject: Optional[str] = ro.SUBJECT,
    description: Optional[str] = ro.DESCRIPTION,
    faq_checked: Optional[bool] = typer.Option(None, "--faq-checked/--no-faq-checked",
                                               help="Has the client studied the Help Centre and FAQ? (clause 10)"),
    faq_link: Optional[str] = typer.Option(None, "--faq-link", help="The Help Centre article that resembles the case."),
    steps: Optional[str] = ro.STEPS,
    occurred_at: Optional[str] = ro.OCCURRED_AT,
    browser: Optional[str] = ro.BROWSER,
    os_: Optional[str] = ro.OS,
    attachment: Optional[List[str]] = typer.Option(None, "--attachment", help="Bugs: a screenshot or file reference (repeatable)."),
    document: Optional[str] = ro.DOCUMENT,
    received_at: Optional[str] = typer.Option(None, "--received-at", help="When the request reached support "
                                              "(default: now); SLA clocks start here: {instant_forms}."),
    from_json: Optional[str] = typer.Option(None, "--from-json", metavar="FILE|-",
                                            help="Read one request object, or an array of them, from a file or stdin."),
    from_mail: Optional[int] = typer.Option(None, "--from-mail", metavar="N", autocompletion=completers.intake_numbers,
                                            help="Register message N of the intake queue (edoc intake list): its "
                                            "sender, name, subject, text, arrival and attachments are the first "
                                            "answers; flags given replace them."),
    no_input: bool = typer.Option(False, "--no-input", help="Never ask: every answer comes from flags or JSON."),
    resume: bool = typer.Option(False, "--resume", help="Continue the wizard this store's last interrupted "
                                "registration left off, from its saved answers (a terminal only)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a request: only when the regulation's checklist is met (exit 3 lists what is missing)."""
    from edoc_cli import render
    from edoc_cli.rules.registration import RegistrationRequest

    env = env_of(ctx)
    flags = dict(
        client_type=client_type, client_lang=client_lang, name=name, iin=iin, bin=bin_, login=login, email=email, phone=phone,
        organization=organization, category=category, channel=channel, topic=topic, subject=subject,
        description=description, faq_checked=faq_checked, faq_link=faq_link, steps=steps,
        occurred_at=occurred_at, browser=browser, os=os_, attachments=list(attachment or []),
        document=document, received_at=received_at,
    )
    given = {k: v for k, v in flags.items() if v not in (None, [])}
    if resume and (from_json is not None or no_input or not env.interactive):
        from edoc_cli.errors import UsageError

        raise UsageError(_("--resume continues the wizard: it needs a terminal, without --no-input "
                           "and --from-json"))
    if from_json is not None:
        if from_mail is not None:
            from edoc_cli.errors import UsageError

            raise UsageError(_("--from-json and --from-mail cannot be combined: give one of them"))
        if given:
            from edoc_cli.errors import UsageError

            raise UsageError(_("--from-json cannot be combined with request flags ({flags})").format(
                flags=", ".join(sorted(given))))
        items, many = _read_json(from_json)
        tickets = env.desk.register(_requests_from_json(items))
    else:
        request, many = RegistrationRequest(**flags), False
        if resume and from_mail is None:
            from edoc_cli.commands.open_wizard import saved_from_mail

            from_mail = saved_from_mail(env)  # the interrupted wizard was registering a message
        if from_mail is not None:
            mail = _mail_answers(env, from_mail, resume)  # exit 4 or 5 before a question is asked
            if not resume:  # resumed, the saved answers hold the message's already
                request = RegistrationRequest(**{**mail, **given, "attachments": list(dict.fromkeys(
                    mail.get("attachments", []) + flags["attachments"]))})
        if not no_input and env.interactive and (resume or env.desk.registration_problems(request)):
            from edoc_cli.commands.open_wizard import register_by_wizard

            tickets = register_by_wizard(env, request, resume, from_mail)
        elif from_mail is not None:
            tickets = env.desk.register_mail(from_mail, request)
        else:
            tickets = env.desk.register([request])
    if as_json:
        views = [env.desk.view(t) for t in tickets]
        render.print_json(views if many else views[0])
        return
    for t in tickets:
        sys.stdout.write(t["id"] + "\n")
    count = len(tickets)
    render.say(ngettext("registered {count} request", "registered {count} requests", count).format(count=count))


def _mail_answers(env, n: int, resume: bool) -> dict:
    """Intake message n's answers; resuming the answers saved for a message that is no longer
    waiting (registered or dismissed since) deletes them: there is nothing left to resume."""
    from edoc_cli.errors import NotAllowed, TicketNotFound

    try:
        return env.desk.mail_answers(n)
    except (NotAllowed, TicketNotFound):
        if resume:
            from edoc_cli.commands.open_wizard import forget_saved

            forget_saved(env)
        raise


def _requests_from_json(items: list) -> list:
    """One request per JSON object; a wrong shape anywhere is refused, every item's problems listed at once."""
    from edoc_cli.errors import ValidationFailed
    from edoc_cli.commands.flags import flag_for
    from edoc_cli.rules.registration import request_from_mapping

    requests, problems = [], []
    for i, obj in enumerate(items):
        label = _("request {number}").format(number=i + 1)
        try:
            requests.append(request_from_mapping(obj, label))
        except ValidationFailed as exc:
            problems += [f"{label}: {p.render(flag_for)}" for p in exc.problems] or [exc.render(flag_for)]
    if problems:
        message = ngettext("nothing was registered: {count} item of the wrong shape",
                           "nothing was registered: {count} items of the wrong shape", len(problems))
        raise ValidationFailed(message.format(count=len(problems)), problems)
    return requests


def _read_json(source: str) -> tuple[list, bool]:
    """The request objects in a file or stdin, and whether they came as an array."""
    from edoc_cli.errors import ValidationFailed

    where = "stdin" if source == "-" else source
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_JSON_BYTES + 1)
        else:
            with open(Path(source), "rb") as handle:
                raw = handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        from edoc_cli.errors import UsageError, os_reason

        raise UsageError(f"--from-json {where}: {os_reason(exc)}") from None
    if len(raw) > MAX_JSON_BYTES:
        raise ValidationFailed(_("--from-json {where}: larger than {size} MiB").format(
            where=where, size=MAX_JSON_BYTES // 2**20))
    try:
        data = json.loads(raw.decode("utf-8-sig"))  # Notepad writes a BOM
    except UnicodeDecodeError as exc:
        raise ValidationFailed(_("--from-json {where}: not UTF-8 (byte {offset})").format(
            where=where, offset=exc.start)) from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; so is a 5000-digit number
        if isinstance(exc, json.JSONDecodeError):
            detail = _("line {line}, column {column}").format(line=exc.lineno, column=exc.colno)
        elif isinstance(exc, RecursionError):
            detail = _("nested too deep")
        else:
            detail = _("a number too large to read")
        raise ValidationFailed(_("--from-json {where}: not valid JSON ({detail})").format(
            where=where, detail=detail)) from None
    if isinstance(data, list):
        return data, True
    return [data], False
