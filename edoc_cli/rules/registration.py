"""Clauses 4, 7, 8 and 10-12: the checklist for registering a request.

One request object, filled by flags, by JSON or by the wizard, and one `check_registration` that
every way in goes through: who is asking (7), identification (11, rules.identity), category and
channel (4, 8), scope (6, rules.scope), the Help Centre (10, rules.help_centre), what each category
must carry (12), and the service level (3, rules.service_levels).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from edoc_cli.config import Config
from edoc_cli.errors import ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.rules.checklist import (
    CLAUSES, MAX_ATTACHMENT, MAX_ATTACHMENTS, MAX_LINE, MAX_TEXT, MULTILINE, Problem, not_one_of, required_one_of,
)
from edoc_cli.rules.help_centre import faq_problems
from edoc_cli.rules.identity import identification_problems, normalize_phone
from edoc_cli.rules.scope import scope_problems
from edoc_cli.rules.service_levels import sla_level_for
from edoc_cli.safe_text import clean_multiline, control_problem
from edoc_cli.ticket import CLIENT_LANGUAGES, CLIENT_TYPES, DEFAULT_CLIENT_LANGUAGE
from edoc_cli.tz import to_iso
from edoc_cli.typed_time import read_instant

# How long before registration a request may have reached support.
MAX_RECEIVED_AGE = timedelta(days=366)


@dataclass
class RegistrationRequest:
    """What an operator learnt about a request; every field may still be missing."""

    client_type: str | None = None
    name: str | None = None
    iin: str | None = None
    bin: str | None = None
    login: str | None = None
    email: str | None = None
    phone: str | None = None
    organization: str | None = None
    category: str | None = None
    channel: str | None = None
    topic: str | None = None
    subject: str | None = None
    description: str | None = None
    faq_checked: bool | None = None
    faq_link: str | None = None
    steps: str | None = None
    occurred_at: str | None = None
    browser: str | None = None
    os: str | None = None
    attachments: list[str] = field(default_factory=list)
    document: str | None = None
    received_at: str | None = None
    client_lang: str | None = None  # ru when not given (last: the summary lists the answers in this order)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def request_from_mapping(obj: Any, where: str = "") -> RegistrationRequest:
    """A request from one JSON object (flat keys as the flags, or a `client` object)."""
    label = f"{where}: " if where else ""
    if not isinstance(obj, dict):
        raise ValidationFailed(label + _("a request must be a JSON object, not {type}").format(type=_json_type(obj)))
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    flat = dict(obj)
    client = flat.pop("client", None)
    if client is not None:
        if not isinstance(client, dict):
            problems.append(Problem("client", 11, _("must be an object")))
        else:
            for key, value in client.items():
                flat.setdefault({"type": "client_type", "lang": "client_lang"}.get(key, key), value)
    if "attachment" in flat and "attachments" not in flat:
        flat["attachments"] = flat.pop("attachment")
    known = set(RegistrationRequest.field_names())
    for key, value in flat.items():
        if key not in known:
            # Quoted: a key is the client's text and must not forge lines of the message.
            name = str(key)
            shown = name if re.fullmatch(r"[A-Za-z0-9_]{1,40}", name) else json.dumps(name)[:40]
            problems.append(Problem(shown, 12, _("is not a field of a request")))
            continue
        if value is None:
            continue
        if key == "faq_checked":
            if not isinstance(value, bool):
                problems.append(Problem(key, 10, _("must be true or false, not {type}").format(type=_json_type(value))))
                continue
        elif key == "attachments":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(Problem(key, 12, _("must be a list of strings")))
                continue
        elif not isinstance(value, str):
            problems.append(Problem(key, CLAUSES[key],
                                    _("must be a string, not {type}").format(type=_json_type(value))))
            continue
        values[key] = value
    if problems:
        raise ValidationFailed(label + _("the request has fields of the wrong shape"), problems)
    return RegistrationRequest(**values)


def _json_type(value: Any) -> str:
    return {dict: _("an object"), list: _("an array"), str: _("a string"), bool: _("a boolean"),
            int: _("a number"), float: _("a number"), type(None): "null"}.get(type(value), type(value).__name__)


@dataclass
class Registration:
    """A request that met the checklist, normalised, ready to become a ticket."""

    client: dict[str, str | None]
    category: str
    channel: str
    topic: str | None
    subject: str
    description: str
    faq: dict[str, Any]
    details: dict[str, Any]
    received_at: datetime | None
    sla_level: str


def registration_problems(req: RegistrationRequest, config: Config, now: datetime, tz) -> list[Problem]:
    """Every unmet item of the checklist (empty when the request may be registered)."""
    try:
        check_registration(req, config, now, tz)
    except ValidationFailed as exc:
        return list(exc.problems)
    return []


def check_registration(req: RegistrationRequest, config: Config, now: datetime, tz) -> Registration:
    """The normalised registration, or ValidationFailed listing every unmet item."""
    problems: list[Problem] = []
    v: dict[str, Any] = {}
    # Fields given with a value that was refused: not reported as missing too.
    refused: set[str] = set()

    def text(name: str, clause: int, limit: int = MAX_LINE) -> str | None:
        raw = getattr(req, name)
        if raw is None:
            return None
        multiline = name in MULTILINE
        why = control_problem(raw, multiline)
        if why:
            problems.append(Problem(name, clause, why))
            refused.add(name)
            return None
        value = clean_multiline(raw) if multiline else raw.strip()
        if len(value) > limit:
            problems.append(Problem(name, clause, _("is {length} characters long; at most {limit}").format(
                length=len(value), limit=limit)))
            refused.add(name)
            return None
        return value or None

    for name in CLAUSES:
        if name in ("faq_checked", "attachments"):
            continue
        limit = MAX_TEXT if name in MULTILINE else MAX_LINE
        v[name] = text(name, CLAUSES[name], limit)

    # Clause 7: who is asking.
    ctype = v["client_type"]
    if ctype is None:
        if "client_type" not in refused:
            problems.append(Problem("client_type", 7, required_one_of(CLIENT_TYPES), missing=True))
    elif ctype not in CLIENT_TYPES:
        problems.append(Problem("client_type", 7, not_one_of(CLIENT_TYPES, ctype)))

    # Whom we answer, in which language (the letters of "Talking to the client"): ru unless given.
    lang = v["client_lang"] or DEFAULT_CLIENT_LANGUAGE
    if lang not in CLIENT_LANGUAGES:
        problems.append(Problem("client_lang", 7, not_one_of(CLIENT_LANGUAGES, lang)))

    # Clause 11: identification.
    problems += identification_problems(v, ctype, refused)

    # Clause 4 and 8: category and the channel it may arrive by.
    category = v["category"]
    cats = config.categories
    if category is None:
        if "category" not in refused:
            problems.append(Problem("category", 4, required_one_of(cats), missing=True))
    elif category not in cats:
        problems.append(Problem("category", 4, not_one_of(cats, category)))
        category = None
    channel = v["channel"]
    if channel is None:
        if "channel" not in refused:
            problems.append(Problem("channel", 8, required_one_of(config.channels), missing=True))
    elif category is not None and channel not in config.channels_for(category):
        allowed = ", ".join(config.channels_for(category))
        problems.append(Problem("channel", 8, _(
            "a {category} request may arrive only by {channels}, not {value}"
        ).format(category=category, channels=allowed, value=repr(channel))))
    elif channel not in config.channels:
        problems.append(Problem("channel", 8, not_one_of(config.channels, channel)))

    # Clause 6: scope.
    topic = v["topic"]
    problems += scope_problems(category, topic, refused, config)

    if v["subject"] is None and "subject" not in refused:
        problems.append(Problem("subject", 12, _("is required: a short summary of the request"), missing=True))

    # Clause 12: what the category needs for a quick resolution.
    attachments: list[str] = []
    for i, item in enumerate(req.attachments or []):
        why = control_problem(item, False) if isinstance(item, str) else _("must be a string")
        if why:
            problems.append(Problem("attachments", 12, _("item {number} {problem}").format(number=i + 1, problem=why)))
            refused.add("attachments")
        elif not item.strip():
            problems.append(Problem("attachments", 12, _("item {number} is empty").format(number=i + 1)))
            refused.add("attachments")
        elif len(item) > MAX_ATTACHMENT:
            problems.append(Problem("attachments", 12, _("item {number} is longer than {limit} characters").format(
                number=i + 1, limit=MAX_ATTACHMENT)))
            refused.add("attachments")
        else:
            attachments.append(item.strip())
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(Problem("attachments", 12, _("at most {limit} attachments").format(limit=MAX_ATTACHMENTS)))

    occurred_at = _instant(v["occurred_at"], "occurred_at", 12, now, tz, problems)
    received_at = _instant(v["received_at"], "received_at", 5, now, tz, problems)
    if category is not None:
        needed = config.details_for(category)
        if topic in config.document_topics and category == "bug" and "document" not in needed:
            needed = needed + ["document"]
        have = {**v, "attachments": attachments or None}
        names = {
            "description": _("a description of the problem"),
            "steps": _("the steps that reproduce it"),
            "occurred_at": _("when it happened"),
            "attachments": _("at least one screenshot or attachment reference"),
            "browser": _("the browser and its version"),
            "os": _("the operating system"),
            "document": _("the number of the document involved"),
        }
        for item in needed:
            if not have.get(item) and item not in refused:
                problems.append(Problem(item, 12, _("is required for a {category} request: {what}").format(
                    category=category, what=names[item]), missing=True))

    # Clause 10: the Help Centre and FAQ.
    faq, faq_link, matches = faq_problems(req.faq_checked, v["faq_link"],
                                          f"{v['subject'] or ''} {v['description'] or ''}", config)
    problems += faq

    if problems:
        raise ValidationFailed(
            _("the request does not meet the regulation's checklist (unmet items: {count})").format(
                count=len(problems)),
            problems,
        )

    client = {k: v[k] for k in ("name", "iin", "bin", "login", "email", "phone", "organization")}
    client = {"type": ctype, **client, "lang": lang}
    if client["phone"]:
        client["phone"] = normalize_phone(client["phone"])
    on = (received_at or now).astimezone(tz).date()
    return Registration(
        client=client,
        category=category,
        channel=channel,
        topic=topic,
        subject=v["subject"],
        description=v["description"] or "",
        faq={"checked": req.faq_checked, "link": faq_link,
             "suggested": [m["url"] for m in matches]},
        details={
            "steps": v["steps"],
            "occurred_at": to_iso(occurred_at, tz) if occurred_at else None,
            "browser": v["browser"],
            "os": v["os"],
            "attachments": attachments,
            "document": v["document"],
        },
        received_at=received_at,
        sla_level=sla_level_for(config, client, on),
    )


def _instant(raw: str | None, name: str, clause: int, now: datetime, tz, problems: list[Problem]):
    if raw is None:
        return None
    try:
        when = read_instant(raw, tz, now).when  # a day alone: its 00:00
    except ValueError as exc:
        problems.append(Problem(name, clause, str(exc)))
        return None
    if when > now:
        problems.append(Problem(name, clause, _("{when} is in the future").format(when=to_iso(when, tz))))
        return None
    if name == "received_at" and when < now - MAX_RECEIVED_AGE:
        # Every SLA clock is replayed from here: a typo like 0001-01-01 or
        # 2006 for 2026 would store a ticket no view can compute in time.
        problems.append(Problem(name, clause, _("{when} is more than a year ago").format(when=to_iso(when, tz))))
        return None
    return when
