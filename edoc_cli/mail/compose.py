"""The e-mail a history event sends the client: headers that thread it, words in the client's language.

`compose` is pure: the ticket, the event and the settings in, an `EmailMessage` out; the
Message-ID is chosen by the caller (`new_message_id`) so it can be recorded with the event
before the message leaves. Nothing a person typed reaches a header unchecked: control
characters go, lines become one, and `headers` writes names and subjects as encoded words that
decode back to exactly that text (never to an address list or a second header).

The words are the client's (`lang`: ru by default, kk or en), never the operator's interface
language.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Callable

from edoc_cli.i18n import N_, in_language
from edoc_cli.mail.header_fields import address_field, assemble, header_text, id_list, text_field
from edoc_cli.mail.settings import MailSettings, parse_address
from edoc_cli.safe_text import clean_multiline
from edoc_cli.ticket import CLIENT_LANGUAGES, DEFAULT_CLIENT_LANGUAGE

# History event types that send the client a mail.
SENDING_EVENTS = ("replied", "info_requested", "closed", "terminated")
SUBJECT_LIMIT = 150      # characters of the ticket's subject kept after "[ED-…] "
NAME_LIMIT = 200         # characters of a display name
MAX_REFERENCES = 20      # msg-ids kept in References: the first (the thread's root) and the latest
_MSG_ID_RE = re.compile(r"^<[!-;=?-~]{1,250}@[!-;=?-~]{1,250}>$")  # printable ASCII, no spaces, no < >
_TICKET_ID_RE = re.compile(r"[A-Z][A-Z0-9]{0,9}-[0-9]{4}-[0-9]{1,12}")

_RESOLUTIONS = {
    "resolved": N_("Your request has been resolved and closed."),
    "faq": N_("Your request has been answered with a Help Centre article and closed."),
    "out_of_scope": N_("Your request is outside the scope of the E-DOC portal's technical support "
                       "and has been closed."),
    # The closing record that follows starts with the regulation's own words, in its own case.
    "no_response": N_("Your request has been closed under clause 15 of the support regulation. "
                      "The record of the closing:"),
    "abuse": N_("Support on your request has been stopped (clause 16 of the support regulation)."),
    "duplicate": N_("Your request has been closed as a repeat of another request."),
    "rejected": N_("Your request has been declined and closed."),
}


def new_message_id(ticket_id: str, settings: MailSettings, when: datetime) -> str:
    """A new, unique Message-ID naming the ticket and the moment:
    "<ED-2026-000042.20261129T213000Z.1f2e3d4c5b@e-doc.kz>" (10 random hex digits)."""
    stamp = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    safe_id = re.sub(r"[^A-Za-z0-9-]", "", ticket_id) or "ticket"
    return f"<{safe_id}.{stamp}.{secrets.token_hex(5)}@{settings.domain}>"


def compose(ticket: dict[str, Any], event: dict[str, Any], settings: MailSettings, *, lang: str = "ru",
            message_id: str, in_reply_to: str | None = None, references: tuple[str, ...] = (),
            when: datetime, auto_close_hours: float = 8) -> EmailMessage:
    """The message telling the client about `event` (one of SENDING_EVENTS) on `ticket`.

    References gets `in_reply_to` appended when it is not there already (RFC 5322's threading);
    a malformed msg-id among them is left out. Raises ValueError when the event sends nothing
    or the ticket has no usable e-mail address.
    """
    if event.get("type") not in SENDING_EVENTS:
        raise ValueError(f"a {event.get('type')!r} event sends no mail")
    lang = lang if lang in CLIENT_LANGUAGES else DEFAULT_CLIENT_LANGUAGE
    tr = in_language(lang)
    client = ticket.get("client") or {}
    ticket_id = str(ticket.get("id") or "")
    if not _TICKET_ID_RE.fullmatch(ticket_id):
        raise ValueError(f"not a registration number: {ticket_id!r}")
    name = header_text(client.get("name") or "", NAME_LIMIT)
    to = client_address(client.get("email"))

    sender_name, sender_address = parse_address(settings.sender) or ("", settings.sender_address)
    fields = [
        ("Subject", text_field("Subject", f"[{ticket_id}]", header_text(ticket.get("subject") or "", SUBJECT_LIMIT))),
        ("From", address_field("From", header_text(sender_name, NAME_LIMIT), sender_address)),
        ("To", address_field("To", name, to)),
    ]
    if settings.reply_to:
        reply_name, reply_address = parse_address(settings.reply_to) or ("", settings.reply_to)
        fields.append(("Reply-To", address_field("Reply-To", header_text(reply_name, NAME_LIMIT), reply_address)))
    fields += [("Date", format_datetime(when)), ("Message-ID", checked_msg_id(message_id))]
    parent = in_reply_to if in_reply_to and _MSG_ID_RE.match(in_reply_to) else None
    if parent:
        fields.append(("In-Reply-To", parent))
    thread = [m for m in dict.fromkeys(references) if _MSG_ID_RE.match(m)]
    if parent and parent not in thread:
        thread.append(parent)
    if len(thread) > MAX_REFERENCES:
        thread = thread[:1] + thread[-(MAX_REFERENCES - 1):]
    if thread:
        fields.append(("References", id_list(thread, "References")))
    if event.get("auto"):
        fields.append(("Auto-Submitted", "auto-generated"))  # RFC 3834: the sweep's close, not a person's
    fields += [("X-EDOC-Ticket", ticket_id),
               ("Content-Language", lang)]
    content = EmailMessage(policy=policy.SMTP)
    content.set_content(body(ticket_id, name, event, tr, lang, auto_close_hours),
                        charset="utf-8", cte="quoted-printable")
    return assemble(fields, content)


def client_address(email: Any) -> str:
    """The client's addr-spec; ValueError when there is none usable (one plain ASCII address)."""
    addr = str(email or "").strip()
    if not addr or not addr.isascii() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in addr) \
            or addr.count("@") != 1:
        raise ValueError("the ticket has no usable e-mail address")
    Address(addr_spec=addr)  # raises ValueError for anything but one addr-spec
    if not re.fullmatch(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+", addr):
        raise ValueError("the ticket's e-mail address is not a plain addr-spec")
    return addr


def checked_msg_id(message_id: str) -> str:
    if not _MSG_ID_RE.match(message_id or ""):
        raise ValueError(f"not a Message-ID: {message_id!r}")
    return message_id


def body(ticket_id: str, name: str, event: dict[str, Any], tr: Callable[[str], str], lang: str,
         auto_close_hours: float) -> str:
    """The plain text: greeting, what happened, how to answer."""
    kind = event["type"]
    text = clean_multiline(str(event.get("message") or ""))
    link = clean_multiline(str(event.get("faq_link") or ""))
    parts = [tr(N_("Hello, {name}!")).format(name=name) if name else tr(N_("Hello!"))]
    if kind == "replied":
        parts.append(text)
        if link:
            parts.append(tr(N_("Help Centre: {link}")).format(link=link))
    elif kind == "info_requested":
        parts.append(text)
        parts.append(tr(N_(
            "Your request is waiting for your answer: please reply to this e-mail. If we receive no answer "
            "{within}, the request will be closed with the wording «ответ от клиента не получен» "
            "(clause 15 of the support regulation).")).format(within=within_hours(auto_close_hours, tr, lang)))
    elif kind == "closed":
        resolution = event.get("resolution") or ""
        parts.append(tr(_RESOLUTIONS.get(resolution, N_("Your request has been closed."))))
        if resolution == "duplicate" and event.get("duplicate_of"):
            parts.append(tr(N_("The work goes on under request {other}.")).format(
                other=header_text(event["duplicate_of"], 40)))
        if link:
            parts.append(tr(N_("Help Centre: {link}")).format(link=link))
        parts.append(text)
    else:  # terminated
        parts.append(tr(N_("Support on your request has been stopped.")))
        parts.append(text)
    parts.append("-- \n" + "\n".join((
        tr(N_("Registration number of your request: {id}")).format(id=ticket_id),
        tr(N_("To write to us about this request, reply to this e-mail keeping [{id}] in the subject.")).format(
            id=ticket_id),
        tr(N_("E-DOC technical support")),
    )))
    return "\n\n".join(p for p in parts if p) + "\n"


def within_hours(hours: float, tr: Callable[[str], str], lang: str) -> str:
    """"within 8 working hours" in the client's language (Russian: 1, 21, 1,5 рабочего часа; 8 рабочих часов;
    Kazakh has one form after a number, and a decimal comma as Russian)."""
    shown = f"{hours:g}"
    if lang in ("ru", "kk"):
        whole = float(hours).is_integer()
        number = int(hours)
        singular = not whole or (number % 10 == 1 and number % 100 != 11)
        shown = shown.replace(".", ",")
    else:
        singular = hours == 1
    if singular:
        return tr(N_("within {hours} working hour")).format(hours=shown)
    return tr(N_("within {hours} working hours")).format(hours=shown)
