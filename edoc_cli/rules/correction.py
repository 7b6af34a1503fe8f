"""Correcting a registration (`edoc edit`): the same checklist as registering, run again.

A mistyped e-mail, a request filed under the wrong category or channel: the operator corrects the
fields, the corrected request goes through `check_registration` exactly as a new one would (as of
the instant it was registered, so `received_at` and `occurred_at` are judged as they were then),
and one `edited` event records the old and the new value of every field that changed.

A category change moves the SLA targets to the new category's (clause 3: the targets are those of
the request's category; a request filed under the wrong one was never held to its own). They are
counted from `received_at` as before, so elapsed time is not forgiven; the level, the risk share and
the no-response timer stay those the ticket was registered under.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from edoc_cli.config import Config
from edoc_cli.errors import UsageError, ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.rules.registration import RegistrationRequest, check_registration
from edoc_cli.rules.service_levels import registration_rules
from edoc_cli.tz import parse_instant

# The fields `edit` corrects. Who the client is (type, name, IIN/BIN, login) is not among them: it
# decides the service level, and a ticket for someone else is a new ticket.
EDITABLE = ("email", "phone", "organization", "client_lang", "category", "channel", "topic", "subject",
            "description", "steps", "occurred_at", "browser", "os", "attachments", "document")
_CLIENT = {"email": "email", "phone": "phone", "organization": "organization", "client_lang": "lang"}  # field -> key
_DETAILS = ("steps", "occurred_at", "browser", "os", "attachments", "document")


def request_of(ticket: dict[str, Any]) -> RegistrationRequest:
    """The registration request a stored ticket was made from, as the checklist reads it."""
    client = ticket["client"]
    details = ticket.get("details") or {}
    faq = ticket.get("faq") or {}
    return RegistrationRequest(
        client_type=client.get("type"), client_lang=client.get("lang"), name=client.get("name"),
        iin=client.get("iin"), bin=client.get("bin"), login=client.get("login"), email=client.get("email"), phone=client.get("phone"),
        organization=client.get("organization"), category=ticket["category"], channel=ticket["channel"],
        topic=ticket.get("topic"), subject=ticket["subject"], description=ticket.get("description") or None,
        faq_checked=faq.get("checked"), faq_link=faq.get("link"), steps=details.get("steps"),
        occurred_at=details.get("occurred_at"), browser=details.get("browser"), os=details.get("os"),
        attachments=list(details.get("attachments") or []), document=details.get("document"),
        received_at=ticket["received_at"],
    )


def stored_value(ticket: dict[str, Any], name: str) -> Any:
    """What the ticket holds for an editable field."""
    if name in _CLIENT:
        return ticket["client"].get(_CLIENT[name])
    if name in _DETAILS:
        value = (ticket.get("details") or {}).get(name)
        return (value or None) if name == "attachments" else value
    if name == "description":
        return ticket.get("description") or None
    return ticket.get(name)


def correct(ticket: dict[str, Any], given: dict[str, str], config: Config, tz) -> dict[str, Any]:
    """The `edited` event's changes ({field: {"old", "new"}}), the ticket corrected in place; empty
    when every given value is what it holds. ValidationFailed (nothing changed) when the corrected
    request fails the checklist."""
    unknown = set(given) - set(EDITABLE)
    if unknown:
        raise UsageError(_("{flag} cannot be edited"), fields={"flag": sorted(unknown)[0]})
    if not given:
        raise UsageError(_("nothing to edit: give at least one field to correct"))
    request = replace(request_of(ticket), **given)
    registered = parse_instant(ticket["created_at"], tz)
    try:
        reg = check_registration(request, config, registered, tz)
    except ValidationFailed as exc:
        raise ValidationFailed(_("{id} was not changed: the corrected request does not meet the regulation's "
                                 "checklist (unmet items: {count})").format(id=ticket["id"], count=len(exc.problems)),
                               exc.problems) from None
    new = {**{k: reg.client.get(key) for k, key in _CLIENT.items()}, **{k: reg.details.get(k) for k in _DETAILS},
           "attachments": reg.details["attachments"] or None,
           "category": reg.category, "channel": reg.channel, "topic": reg.topic, "subject": reg.subject,
           "description": reg.description or None}
    changes = {name: {"old": stored_value(ticket, name), "new": new[name]}
               for name in EDITABLE if name in given and stored_value(ticket, name) != new[name]}
    for name, change in changes.items():
        if name in _CLIENT:
            ticket["client"][_CLIENT[name]] = change["new"]
        elif name in _DETAILS:
            ticket.setdefault("details", {})[name] = change["new"] if name != "attachments" else change["new"] or []
        else:
            ticket[name] = change["new"] if name != "description" else change["new"] or ""
    if "category" in changes:
        old = ticket["sla_rules"]
        kept = {k: old[k] for k in ("warn_at", "auto_close_minutes") if k in old}
        ticket["sla_rules"] = {**registration_rules(config, ticket["sla_level"], changes["category"]["new"]), **kept}
    return changes
