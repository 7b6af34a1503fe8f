"""The regulation's checklist for registering a request (clauses 4, 6-8, 10-12).

One request object, filled by flags, by `--from-json` or by the wizard, and
one `check_registration` that every way in goes through.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from edoc_cli.config import Config, as_date
from edoc_cli.errors import ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.identity import bin_problem, iin_problem
from edoc_cli.safe_text import clean_multiline, control_problem
from edoc_cli.tz import parse_instant, to_iso

from edoc_cli.ticket import CLIENT_TYPES  # noqa: E402
# Clause 16: a complaint about staff is always in scope, whatever its topic.
SCOPE_FREE_CATEGORIES = ("complaint",)

MAX_LINE = 200
MAX_TEXT = 20_000
MAX_ATTACHMENTS = 20
MAX_ATTACHMENT = 500
# How long before registration a request may have reached support.
MAX_RECEIVED_AGE = timedelta(days=366)

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,22}$")
_LOGIN_RE = re.compile(r"^[\w.@+\-]{2,64}$")
_URL_RE = re.compile(r"^https?://[^\s/]+\S*$")


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

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


# field -> (the flag that gives it, clause)
FLAGS = {
    "client_type": ("--client-type", 7),
    "name": ("--name", 11),
    "iin": ("--iin", 11),
    "bin": ("--bin", 11),
    "login": ("--login", 11),
    "email": ("--email", 11),
    "phone": ("--phone", 11),
    "organization": ("--organization", 11),
    "category": ("--category", 4),
    "channel": ("--channel", 8),
    "topic": ("--topic", 6),
    "subject": ("--subject", 12),
    "description": ("--description", 12),
    "faq_checked": ("--faq-checked/--no-faq-checked", 10),
    "faq_link": ("--faq-link", 10),
    "steps": ("--steps", 12),
    "occurred_at": ("--occurred-at", 12),
    "browser": ("--browser", 12),
    "os": ("--os", 12),
    "attachments": ("--attachment", 12),
    "document": ("--document", 12),
    "received_at": ("--received-at", 5),  # the SLA clock starts here, in working time
}
MULTILINE = {"description", "steps"}


@dataclass(frozen=True)
class Problem:
    """One unmet item of the checklist."""

    field: str
    clause: int
    message: str
    # The answer is absent (an "is required" item), rather than given and refused.
    missing: bool = False

    @property
    def flag(self) -> str:
        return FLAGS.get(self.field, (f"--{self.field.replace('_', '-')}", 0))[0]

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "flag": self.flag, "clause": self.clause, "message": self.message,
                "missing": self.missing}

    def __str__(self) -> str:
        return _("clause {clause}: {flag}: {problem}").format(
            clause=self.clause, flag=self.flag, problem=self.message)


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
                flat.setdefault("client_type" if key == "type" else key, value)
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
            problems.append(Problem(key, FLAGS[key][1],
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

    for name in FLAGS:
        if name in ("faq_checked", "attachments"):
            continue
        limit = MAX_TEXT if name in MULTILINE else MAX_LINE
        v[name] = text(name, FLAGS[name][1], limit)

    # Clause 7: who is asking.
    ctype = v["client_type"]
    if ctype is None:
        if "client_type" not in refused:
            problems.append(Problem("client_type", 7, _required_one_of(CLIENT_TYPES), missing=True))
    elif ctype not in CLIENT_TYPES:
        problems.append(Problem("client_type", 7, _not_one_of(CLIENT_TYPES, ctype)))

    # Clause 11: identification.
    problems += _identification_problems(v, ctype, refused)

    # Clause 4 and 8: category and the channel it may arrive by.
    category = v["category"]
    cats = config.categories
    if category is None:
        if "category" not in refused:
            problems.append(Problem("category", 4, _required_one_of(cats), missing=True))
    elif category not in cats:
        problems.append(Problem("category", 4, _not_one_of(cats, category)))
        category = None
    channel = v["channel"]
    if channel is None:
        if "channel" not in refused:
            problems.append(Problem("channel", 8, _required_one_of(config.channels), missing=True))
    elif category is not None and channel not in config.channels_for(category):
        allowed = ", ".join(config.channels_for(category))
        problems.append(Problem("channel", 8, _(
            "a {category} request may arrive only by {channels}, not {value}"
        ).format(category=category, channels=allowed, value=repr(channel))))
    elif channel not in config.channels:
        problems.append(Problem("channel", 8, _not_one_of(config.channels, channel)))

    # Clause 6: scope.
    topic = v["topic"]
    if category in SCOPE_FREE_CATEGORIES and (topic is None or topic in config.out_of_scope):
        pass  # a complaint about staff is registered whatever it was about
    elif topic is None:
        if "topic" not in refused:
            problems.append(Problem("topic", 6, _("is required: {topics}").format(topics=", ".join(config.in_scope)),
                                    missing=True))
    elif topic in config.out_of_scope:
        problems.append(Problem(
            "topic", 6,
            _("{what} is outside what support handles; the request is not registered").format(
                what=repr(config.out_of_scope[topic])),
        ))
    elif topic not in config.in_scope:
        problems.append(Problem("topic", 6, _not_one_of(config.in_scope, topic)))

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
    faq_link = v["faq_link"]
    if faq_link is not None and not _URL_RE.match(faq_link):
        problems.append(Problem("faq_link", 10, _("must be an http(s) address of a Help Centre or FAQ page")))
        faq_link = None
    matches = match_faq(config, f"{v['subject'] or ''} {v['description'] or ''}")
    if req.faq_checked is None:
        problems.append(Problem(
            "faq_checked", 10,
            _("is required: has the client studied the Help Centre and FAQ on the topic?"),
            missing=True,
        ))
    elif req.faq_checked is False and matches:
        listed = "; ".join(f"{m['title']} <{m['url']}>" for m in matches[:3])
        problems.append(Problem(
            "faq_checked", 10,
            _("the client must first study the Help Centre articles on this topic: {articles}; "
              "if one resembles the case but needs more explanation, give its link with --faq-link").format(
                articles=listed),
        ))

    if problems:
        raise ValidationFailed(
            _("the request does not meet the regulation's checklist (unmet items: {count})").format(
                count=len(problems)),
            problems,
        )

    client = {k: v[k] for k in ("name", "iin", "bin", "login", "email", "phone", "organization")}
    client = {"type": ctype, **client}
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


def _required_one_of(choices) -> str:
    return _("is required: one of {choices}").format(choices=", ".join(choices))


def _not_one_of(choices, value: str) -> str:
    return _("must be one of {choices}, not {value}").format(choices=", ".join(choices), value=repr(value))


def _identification_problems(v: dict[str, Any], ctype: str | None, refused: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    if v["name"] is None and "name" not in refused:
        problems.append(Problem("name", 11, _("is required: the client's full name"), missing=True))
    if v["iin"] is not None and (why := iin_problem(v["iin"])):
        problems.append(Problem("iin", 11, why))
    if v["bin"] is not None and (why := bin_problem(v["bin"])):
        problems.append(Problem("bin", 11, why))
    if v["login"] is not None and not _LOGIN_RE.match(v["login"]):
        problems.append(Problem("login", 11, _("must be a portal login: 2-64 letters, digits or . _ @ + -")))
    if v["email"] is not None and not _EMAIL_RE.match(v["email"]):
        problems.append(Problem("email", 11, _("is not an e-mail address")))
    if v["phone"] is not None and not (
        _PHONE_RE.match(v["phone"]) and 10 <= len(re.sub(r"\D", "", v["phone"])) <= 15
    ):
        problems.append(Problem("phone", 11, _("is not a phone number (10-15 digits, e.g. +7 701 234 5678)")))
    ids = ("iin", "bin", "login")
    if ctype == "user" and not any(v[k] for k in ids) and not refused.intersection(ids):
        problems.append(Problem(
            "iin", 11,
            _("a portal user is identified by IIN, BIN or portal login; support may refuse service without it"),
            missing=True,
        ))
    if not (v["email"] or v["phone"]) and not refused.intersection(("email", "phone")):
        problems.append(Problem("email", 11, _("an e-mail or a phone number is required to answer the client"),
                                missing=True))
    return problems


def _instant(raw: str | None, name: str, clause: int, now: datetime, tz, problems: list[Problem]):
    if raw is None:
        return None
    try:
        when = parse_instant(raw, tz)
    except ValueError:
        problems.append(Problem(name, clause, _("{value} is not a date and time (e.g. 2026-11-26T10:05+05:00)").format(
            value=repr(raw))))
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


def normalize_phone(phone: str) -> str:
    """+<digits>; a Kazakh number written 8 7xx... or 7xx... becomes +7 7xx..."""
    digits = re.sub(r"\D", "", phone)
    # Without "+" a number is written the Kazakh way: 8 701 ... (trunk 8) or
    # 701 ... (national); "+81 3 ..." (Japan) already has its country code.
    if not phone.strip().startswith("+"):
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits.startswith("7"):
            digits = "7" + digits
    return "+" + digits


def sla_level_for(config: Config, client: dict[str, Any], on: date) -> str:
    """The client's service level on a date (clause 3): a contract in the registry, else basic."""
    ids = {client.get("iin"), client.get("bin")} - {None}
    for entry in config.clients:
        ident = entry.get("bin") or entry.get("iin")
        if ident not in ids:
            continue
        start = as_date(entry["valid_from"]) if "valid_from" in entry else date.min
        end = as_date(entry["valid_to"]) if "valid_to" in entry else date.max
        if start <= on <= end:
            return entry.get("level", "vip")
    return "basic"


_WORD_RE = re.compile(r"\w+", re.UNICODE)


def _fold(word: str) -> str:
    """Compare words the way people spell them: any case, ё written as е."""
    return word.casefold().replace("ё", "е")


def match_faq(config: Config, text: str) -> list[dict[str, Any]]:
    """FAQ articles whose keywords occur in the text, best first (clause 10, 14)."""
    words = {_fold(w) for w in _WORD_RE.findall(text)}
    if not words:
        return []
    scored = []
    for article in config.faq:
        hits = 0
        for kw in article.get("keywords", []):
            k = _fold(kw)
            # A keyword matches a word it starts (подпись ~ подписью) or equals.
            if any(w == k or (len(k) >= 4 and w.startswith(k[: max(4, len(k) - 2)])) for w in words):
                hits += 1
        if hits:
            scored.append((hits, article))
    scored.sort(key=lambda pair: -pair[0])
    return [a for _hits, a in scored]
