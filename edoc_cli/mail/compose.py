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
from datetime import datetime, timezone, tzinfo
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from edoc_cli.i18n import in_language
from edoc_cli.mail.header_fields import address_field, assemble, header_text, id_list, text_field
from edoc_cli.mail.settings import MailSettings, parse_address
from edoc_cli.safe_text import clean_multiline
from edoc_cli.ticket import CLIENT_LANGUAGES, DEFAULT_CLIENT_LANGUAGE
from edoc_cli.tz import astana_zone

# History event types that send the client a mail.
SENDING_EVENTS = ("replied", "info_requested", "closed", "terminated")
SUBJECT_LIMIT = 150      # characters of the ticket's subject kept after "[ED-…] "
NAME_LIMIT = 200         # characters of a display name
MAX_REFERENCES = 20      # msg-ids kept in References: the first (the thread's root) and the latest
_MSG_ID_RE = re.compile(r"^<[!-;=?-~]{1,250}@[!-;=?-~]{1,250}>$")  # printable ASCII, no spaces, no < >
_TICKET_ID_RE = re.compile(r"[A-Z][A-Z0-9]{0,9}-[0-9]{4}-[0-9]{1,12}")

def new_message_id(ticket_id: str, settings: MailSettings, when: datetime) -> str:
    """A new, unique Message-ID naming the ticket and the moment:
    "<ED-2026-000042.20261129T213000Z.1f2e3d4c5b@e-doc.kz>" (10 random hex digits)."""
    stamp = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    safe_id = re.sub(r"[^A-Za-z0-9-]", "", ticket_id) or "ticket"
    return f"<{safe_id}.{stamp}.{secrets.token_hex(5)}@{settings.domain}>"


def compose(ticket: dict[str, Any], event: dict[str, Any], settings: MailSettings, *, lang: str = "ru",
            message_id: str, in_reply_to: str | None = None, references: tuple[str, ...] = (),
            when: datetime, auto_close_hours: float = 8, letters: dict[str, Any] | None = None,
            tz: tzinfo | None = None) -> EmailMessage:
    """The message telling the client about `event` (one of SENDING_EVENTS) on `ticket`, from the
    letter templates of `lang` (`letters`: the configuration's [letters], over the catalogs').

    References gets `in_reply_to` appended when it is not there already (RFC 5322's threading);
    a malformed msg-id among them is left out. Raises ValueError when the event sends nothing
    or the ticket has no usable e-mail address.
    """
    if event.get("type") not in SENDING_EVENTS:
        raise ValueError(f"a {event.get('type')!r} event sends no mail")
    lang = lang if lang in CLIENT_LANGUAGES else DEFAULT_CLIENT_LANGUAGE
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
    content.set_content(body(ticket, name, event, lang, letters or {}, auto_close_hours, tz or astana_zone()),
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


def body(ticket: dict[str, Any], name: str, event: dict[str, Any], lang: str, letters: dict[str, Any],
         auto_close_hours: float, tz: tzinfo) -> str:
    """The plain text: the greeting, the event's part, the signature (mail/letters.py)."""
    from edoc_cli.mail import letters as parts

    tr = in_language(lang)
    ticket_id = str(ticket.get("id") or "")
    link = clean_multiline(str(event.get("faq_link") or ""))
    values = {
        "id": ticket_id, "name": name, "subject": header_text(ticket.get("subject") or "", SUBJECT_LIMIT),
        "message": clean_multiline(str(event.get("message") or "")).strip("\n"),
        "comment": clean_multiline(str(event.get("comment") or "")).strip("\n"),
        "within": parts.within_hours(auto_close_hours, lang),
        "other": header_text(event.get("duplicate_of") or "", 40),
    }
    values["help_centre"] = parts.fill(parts.template(letters, lang, "help_centre"), {**values, "link": link}) \
        if link else ""
    if event["type"] == "closed" and event.get("resolution") == "no_response":
        # Every action so far, as the record lists them (a close is composed when it is made).
        values["actions"] = parts.clause_15_actions(ticket.get("history") or [], tz, tr)

    def part(key: str) -> str:
        """The part filled; one whose values were all empty (a close without -m) is the built-in one."""
        text = parts.fill(parts.template(letters, lang, key), values)
        return text if text.strip() else parts.fill(parts.template({}, lang, key), values)

    greeting = part("greeting" if name else "greeting_no_name")
    return "\n\n".join(p for p in (greeting, part(parts.part_of(event))) if p) + "\n\n-- \n" + part("signature") + "\n"
