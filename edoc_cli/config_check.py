"""The configuration's values checked: every key's type and range, or ConfigError naming the key
and the file (exit 2). The bounds are those of the store (`limits`): a configuration that passes
never makes a ticket edoc would then refuse to read."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from edoc_cli.errors import ConfigError
from edoc_cli.i18n import _
from edoc_cli.limits import hours_to_minutes, is_number, minutes_ok
from edoc_cli.ticket import CLIENT_LANGUAGES, PRIORITIES

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
TEMPLATE_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
HHMM_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def validate(data: dict[str, Any], where: str) -> None:
    """Check every value's type and range; raise ConfigError naming the key."""

    def fail(key: str, what: str) -> None:
        raise ConfigError(_("{where}: '{key}' {problem}").format(where=where, key=key, problem=what))

    reg = data["registration"]
    if not isinstance(reg["prefix"], str) or not PREFIX_RE.match(reg["prefix"]):
        fail("registration.prefix", _("must be 1-10 capital Latin letters or digits, starting with a letter"))
    cats = reg["categories"]
    if not _is_name_list(cats) or not cats:
        fail("registration.categories", _("must be a non-empty list of lower-case names"))

    cal = data["calendar"]
    if (not isinstance(cal["timezone"], str) or not cal["timezone"] or len(cal["timezone"]) > 64
            or not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*", cal["timezone"])):
        fail("calendar.timezone", _("must be an IANA zone name such as \"Asia/Almaty\""))
    for key in ("workday_start", "workday_end"):
        if not isinstance(cal[key], str) or not HHMM_RE.match(cal[key]):
            fail(f"calendar.{key}", _("must be a time as \"HH:MM\""))
    if cal["workday_start"] >= cal["workday_end"]:
        fail("calendar.workday_end", _("must be later than calendar.workday_start"))
    days = cal["workdays"]
    if not isinstance(days, list) or not days or any(d not in WEEKDAYS for d in days):
        fail("calendar.workdays", _("must be a non-empty list of {days}").format(days=", ".join(WEEKDAYS)))
    if cal["holidays"] not in ("KZ", "", False):
        fail("calendar.holidays", _("must be \"KZ\" (Kazakhstan's public holidays) or \"\" for none"))
    for key in ("extra_days_off", "extra_working_days"):
        if not isinstance(cal[key], list):
            fail(f"calendar.{key}", _("must be a list of dates \"YYYY-MM-DD\""))
        for item in cal[key]:
            if _as_date(item) is None:
                fail(f"calendar.{key}", _("has {value}, which is not a date \"YYYY-MM-DD\"").format(value=_shown(item)))

    sla = data["sla"]
    if not is_number(sla["warn_at"]) or not 0 < sla["warn_at"] <= 1:
        fail("sla.warn_at", _("must be a number above 0 and at most 1 (a share of the target)"))
    if not is_number(sla["auto_close_after_hours"]) or not 0 < sla["auto_close_after_hours"] <= 1000 \
            or not _one_minute_or_more(sla["auto_close_after_hours"]):
        fail("sla.auto_close_after_hours", _("must be working hours from 1/60 (one minute) to 1000"))
    levels = [k for k in sla if k not in ("warn_at", "auto_close_after_hours")]
    for level in levels:
        table = sla[level]
        if not isinstance(table, dict) or not NAME_RE.match(level):
            fail(f"sla.{level}", _("must be a table of category = [first response, resolution] hours"))
        for cat in cats:
            if cat not in table:
                fail(f"sla.{level}.{cat}", _("is missing: every category needs targets at every level"))
        for cat, entry in table.items():
            key = f"sla.{level}.{cat}"
            if cat not in cats:
                fail(key, _("names a category that is not in registration.categories ({categories})").format(
                    categories=", ".join(cats)))
            if isinstance(entry, dict):
                missing = [p for p in PRIORITIES if p not in entry]
                if missing:
                    fail(key, _("must give targets for every priority ({priorities})").format(
                        priorities=", ".join(PRIORITIES)))
                for prio, pair in entry.items():
                    if prio not in PRIORITIES:
                        fail(f"{key}.{prio}", _("is not a priority ({priorities})").format(
                            priorities=", ".join(PRIORITIES)))
                    _check_pair(pair, f"{key}.{prio}", fail)
            else:
                _check_pair(entry, key, fail)

    channels = data["channels"]
    for cat in cats:
        if cat not in channels:
            fail(f"channels.{cat}", _("is missing: every category needs its allowed channels"))
    for cat, allowed in channels.items():
        if cat not in cats:
            fail(f"channels.{cat}", _("names a category that is not in registration.categories"))
        if not _is_name_list(allowed) or not allowed:
            fail(f"channels.{cat}", _("must be a non-empty list of channel names"))

    details = data["details"]
    known_details = {"description", "steps", "occurred_at", "attachments", "browser", "os", "document"}
    for cat, fields in details.items():
        if cat == "document_topics":
            if not _is_name_list(fields):
                fail("details.document_topics", _("must be a list of topic names"))
            continue
        if cat not in cats:
            fail(f"details.{cat}", _("names a category that is not in registration.categories"))
        if not isinstance(fields, list) or any(f not in known_details for f in fields):
            fail(f"details.{cat}", _("must be a list of: {fields}").format(fields=", ".join(sorted(known_details))))

    for key in ("in_scope", "out_of_scope"):
        table = data["scope"][key]
        if not isinstance(table, dict) or not all(
            NAME_RE.match(k) and is_label(v) for k, v in table.items()
        ):
            fail(f"scope.{key}", _("must be a table of topic = \"description\" (or {ru = \"…\", en = \"…\"})"))
    if set(data["scope"]["in_scope"]) & set(data["scope"]["out_of_scope"]):
        fail("scope.out_of_scope", _("shares a topic with scope.in_scope"))
    reasons = data["postponement"]["reasons"]
    if not isinstance(reasons, dict) or not reasons or not all(
        NAME_RE.match(k) and is_label(v) for k, v in reasons.items()
    ):
        fail("postponement.reasons", _("must be a table of reason = \"description\" (or {ru = \"…\", en = \"…\"})"))

    if not isinstance(data["clients"], list):
        fail("clients", _("must be an array of tables [[clients]]"))
    for i, client in enumerate(data["clients"]):
        key = f"clients[{i}]"
        if not isinstance(client, dict):
            fail(key, _("must be a table"))
        unknown = set(client) - {"bin", "iin", "level", "valid_from", "valid_to", "name"}
        if unknown:
            fail(f"{key}.{sorted(unknown)[0]}", _("is an unknown key"))
        ident = client.get("bin") or client.get("iin")
        if not isinstance(ident, str) or not re.fullmatch(r"\d{12}", ident):
            fail(key, _("needs bin or iin: 12 digits, as a string"))
        if client.get("level", "vip") not in levels:
            fail(f"{key}.level", _("must be one of {choices}").format(choices=", ".join(levels)))
        for end in ("valid_from", "valid_to"):
            if end in client and _as_date(client[end]) is None:
                fail(f"{key}.{end}", _("must be a date \"YYYY-MM-DD\""))

    if not isinstance(data["faq"], list):
        fail("faq", _("must be an array of tables [[faq]]"))
    for i, item in enumerate(data["faq"]):
        key = f"faq[{i}]"
        if not isinstance(item, dict) or set(item) - {"title", "url", "keywords"}:
            fail(key, _("must have only title, url and keywords"))
        if not is_label(item.get("title")):
            fail(f"{key}.title", _("must be a non-empty string, or a table of them by language (ru, kk, en)"))
        if not isinstance(item.get("url"), str) or not re.match(r"^https?://\S+$", item["url"]):
            fail(f"{key}.url", _("must be an http(s) address"))
        kws = item.get("keywords", [])
        if not isinstance(kws, list) or not all(isinstance(k, str) and k.strip() for k in kws):
            fail(f"{key}.keywords", _("must be a list of words"))

    _check_templates(data["templates"], fail)
    _check_letters(data["letters"], fail, where)

    qc = data["quality_control"].get("email")
    if not isinstance(qc, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", qc):
        fail("quality_control.email", _("must be an e-mail address"))

    _check_mail(data["mail"], fail, where)


LABEL_LANGUAGES = ("ru", "kk", "en")


def is_label(value: Any) -> bool:
    """A label: a non-empty string, or a non-empty table of them by language (ru, kk, en)."""
    if isinstance(value, dict):
        return bool(value) and set(value) <= set(LABEL_LANGUAGES) and all(
            isinstance(v, str) and v.strip() for v in value.values())
    return isinstance(value, str) and bool(value.strip())


def _check_templates(templates: Any, fail) -> None:
    """[[templates]]: a unique name, a text, optional ru / en variants; texts as a message may be."""
    if not isinstance(templates, list):
        fail("templates", _("must be an array of tables [[templates]]"))
    seen = set()
    for i, item in enumerate(templates):
        key = f"templates[{i}]"
        if not isinstance(item, dict) or set(item) - {"name", "text", "ru", "en"} or "text" not in item:
            fail(key, _("must have a name and a text, and optionally ru and en variants of the text"))
        name = item.get("name")
        if not isinstance(name, str) or not TEMPLATE_NAME_RE.match(name):
            fail(f"{key}.name", _("must be 1-32 lower-case Latin letters, digits, '-' or '_', starting with a letter"))
        if name in seen:
            fail(f"{key}.name", _("repeats the template {name}").format(name=name))
        seen.add(name)
        for lang in ("text", "ru", "en"):
            if lang in item:
                _check_text(item[lang], f"{key}.{lang}", fail)


def _check_text(text: Any, key: str, fail) -> None:
    """A text the administrator wrote for people to read: non-empty lines of plain text, no longer
    than a message may be (an escape sequence there is a mistake, not noise to clean)."""
    from edoc_cli.rules.checklist import MAX_TEXT
    from edoc_cli.safe_text import control_problem

    if not isinstance(text, str) or not text.strip():
        fail(key, _("must be a non-empty string"))
    odd_break = re.search("[\r\u2028\u2029]", text)  # lines end with "\n" alone, in any file
    if odd_break:
        fail(key, _("contains a control character (U+{code}) at position {position}").format(
            code=f"{ord(odd_break.group()):04X}", position=odd_break.start() + 1))
    # Its lines as one, so that a position counts from the text's start.
    why = control_problem(text.replace("\n", " "), False) or (
        _("is longer than {limit} characters").format(limit=MAX_TEXT) if len(text) > MAX_TEXT else None)
    if why:
        fail(key, why)


def _check_letters(letters: dict[str, Any], fail, where: str) -> None:
    """[letters.<lang>]: a client language's table of letter parts, each a text naming only the
    values its part knows, and the one it exists for (mail/letters.py)."""
    if not letters:
        return
    from edoc_cli.i18n import _ as _marked  # messages marked with N_() in mail/letters.py
    from edoc_cli.mail.letters import PARTS, problems

    for lang, table in letters.items():
        if lang not in CLIENT_LANGUAGES:
            fail(f"letters.{lang}", _("is not a client language: {languages}").format(
                languages=", ".join(CLIENT_LANGUAGES)))
        if not isinstance(table, dict):
            fail(f"letters.{lang}", _("must be a table"))
        for part, text in table.items():
            key = f"letters.{lang}.{part}"
            if part not in PARTS:
                raise ConfigError(_("{where}: unknown key '{key}'; the letters' parts are {parts}").format(
                    where=where, key=key, parts=", ".join(PARTS)))
            _check_text(text, key, fail)
            for message, values in problems(part, text):
                fail(key, _marked(message).format(**values))


MAIL_KEYS = ("from", "smtp_host", "smtp_port", "starttls", "ssl", "username", "password_env", "password_file",
             "timeout", "max_per_hour", "max_attachment_mb", "max_message_mb", "maildir", "reply_to",
             "failed_dir")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
HOST_RE = re.compile(r"^[A-Za-z0-9._:\[\]-]{1,253}$")  # a name, an IPv4 or an [IPv6] address


def _check_mail(mail: dict[str, Any], fail, where: str) -> None:
    """[mail]: the keys of issue 15, and never a password (it would sit in a file many can read)."""
    import os
    import stat

    from edoc_cli.safe_text import control_problem

    if {"from", "reply_to", "password_file"} & set(mail):  # a desk without mail never loads its module
        from edoc_cli.mail.settings import file_problem, parse_address

    if "password" in mail:
        fail("mail.password", _("is not allowed: name an environment variable in mail.password_env, "
                                "or a file only you can read in mail.password_file"))
    for key in mail:
        if key not in MAIL_KEYS:
            raise ConfigError(_("{where}: unknown key '{key}'").format(where=where, key=f"mail.{key}"))

    def is_text(value: Any) -> bool:
        return isinstance(value, str) and bool(value.strip()) and len(value) <= 4096 \
            and control_problem(value, False) is None

    def number_in(key: str, low: float, high: float, integer: bool = False) -> bool:
        value = mail[key]
        return (isinstance(value, int) if integer else is_number(value)) and not isinstance(value, bool) \
            and low <= value <= high

    for key in ("from", "reply_to"):
        if key in mail and parse_address(mail[key]) is None:
            fail(f"mail.{key}", _("must be one e-mail address, with an optional name: "
                                  "\"Служба поддержки E-DOC <support@e-doc.kz>\" or \"support@e-doc.kz\""))
    if "smtp_host" in mail and (not isinstance(mail["smtp_host"], str) or not HOST_RE.match(mail["smtp_host"])):
        fail("mail.smtp_host", _("must be the SMTP server's host name or IP address"))
    for key, other in (("from", "smtp_host"), ("smtp_host", "from")):
        if key in mail and other not in mail:
            fail(f"mail.{other}", _("is missing: outbound mail needs both mail.from and mail.smtp_host"))
    if "smtp_port" in mail and not number_in("smtp_port", 1, 65535, integer=True):
        fail("mail.smtp_port", _("must be a port number from 1 to 65535"))
    for key in ("starttls", "ssl"):
        if not isinstance(mail[key], bool):
            fail(f"mail.{key}", _("must be true or false"))
    if mail["ssl"] and mail["starttls"]:
        fail("mail.ssl", _("and mail.starttls cannot both be true: ssl speaks TLS from the first byte "
                           "(port 465), starttls upgrades a plain connection (port 587); set starttls = false"))
    for key in ("username", "password_file", "maildir", "failed_dir"):
        if key in mail and not is_text(mail[key]):
            fail(f"mail.{key}", _("must be a non-empty string"))
    if "password_env" in mail and (not isinstance(mail["password_env"], str)
                                   or not ENV_NAME_RE.match(mail["password_env"])):
        fail("mail.password_env", _("must be the name of an environment variable, such as EDOC_SMTP_PASSWORD"))
    if "password_env" in mail and "password_file" in mail:
        fail("mail.password_file", _("and mail.password_env are both set: give one of them"))
    secret = next((k for k in ("password_env", "password_file") if k in mail), None)
    if "username" in mail and secret is None:
        fail("mail.username", _("needs a password: set mail.password_env or mail.password_file"))
    if secret and "username" not in mail:
        fail(f"mail.{secret}", _("is set but mail.username is not: a password is only sent with a user name"))
    if "password_file" in mail:
        # Like ssh with a private key: refuse a file others can read, as early as the file is there.
        try:
            info = os.stat(os.path.expanduser(mail["password_file"]))
        except OSError:
            info = None  # checked again, with the reason, when the password is needed
        problem = file_problem(info) if info is not None and stat.S_ISREG(info.st_mode) else None
        if problem:
            fail("mail.password_file", problem)
    if not number_in("timeout", 1, 600):
        fail("mail.timeout", _("must be seconds from 1 to 600"))
    if not number_in("max_per_hour", 1, 10000, integer=True):
        fail("mail.max_per_hour", _("must be a whole number of messages from 1 to 10000"))
    for key in ("max_attachment_mb", "max_message_mb"):
        if not number_in(key, 0.001, 1024):
            fail(f"mail.{key}", _("must be megabytes from 0.001 to 1024"))


def _shown(value: Any) -> str:
    """A value quoted in a message: never a megabyte of it."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_pair(pair: Any, key: str, fail) -> None:
    if (
        not isinstance(pair, list)
        or not 1 <= len(pair) <= 2
        or not all(is_number(x) and 0 < x <= 10000 and _one_minute_or_more(x) for x in pair)
    ):
        fail(key, _("must be [first response] or [first response, resolution] in working hours, "
                    "each from 1/60 (one minute) to 10000"))


def _one_minute_or_more(hours: float) -> bool:
    """At least one working minute before rounding (0.0085 h is half a minute: refused, not rounded up),
    and what the store keeps after rounding within its bounds."""
    return hours * 60 >= 1 and minutes_ok(hours_to_minutes(hours))


def _is_name_list(x: Any) -> bool:
    return isinstance(x, list) and all(isinstance(i, str) and NAME_RE.match(i) for i in x)


def _as_date(x: Any) -> date | None:
    if isinstance(x, datetime):
        return None  # a TOML date-time is an instant, not a day: it cannot be compared with one
    if isinstance(x, date):
        return x
    if not isinstance(x, str):
        return None
    try:
        return date.fromisoformat(x)
    except ValueError:
        return None


def as_date(x: Any) -> date:
    """A validated configuration date (TOML dates or "YYYY-MM-DD" strings)."""
    d = _as_date(x)
    assert d is not None, x
    return d
