"""The configuration: built-in defaults (SPEC.md, REGULATION.md), an optional TOML file on top.

Every key is optional; a file's value replaces the default of the same key:
tables merge key by key (so `[sla.basic]` may set only `consultation`),
lists and the `[[clients]]`/`[[faq]]` arrays replace the default whole.
An unknown key, a wrong type or a bad date stops with exit 2 naming the key
and the file.
"""

from __future__ import annotations

import copy
import os
import stat
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from edoc_cli.errors import ConfigError
from edoc_cli.i18n import _
from edoc_cli.limits import hours_to_minutes, is_number, minutes_ok
from edoc_cli.ticket import DEFAULT_AUTO_CLOSE_MINUTES, DEFAULT_WARN_AT, PRIORITIES

MAX_CONFIG_BYTES = 1024 * 1024
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULTS: dict[str, Any] = {
    "registration": {
        "prefix": "ED",
        "categories": ["consultation", "bug", "feature", "complaint"],
    },
    "calendar": {
        "timezone": "Asia/Almaty",
        "workday_start": "09:00",
        "workday_end": "18:00",
        "workdays": ["mon", "tue", "wed", "thu", "fri"],
        "holidays": "KZ",
        "extra_days_off": [],
        "extra_working_days": [],
    },
    "sla": {
        "warn_at": DEFAULT_WARN_AT,
        "auto_close_after_hours": DEFAULT_AUTO_CLOSE_MINUTES // 60,
        "basic": {
            "consultation": [4, 16],
            "bug": {"critical": [1, 8], "high": [2, 16], "normal": [4, 40], "low": [8, 80]},
            "feature": [8],
            "complaint": [8, 40],
        },
        "vip": {
            "consultation": [1, 8],
            "bug": {"critical": [0.5, 4], "high": [1, 8], "normal": [2, 24], "low": [4, 40]},
            "feature": [4],
            "complaint": [4, 16],
        },
    },
    "channels": {
        "consultation": ["phone", "email", "portal", "chat"],
        "bug": ["email", "portal"],
        "feature": ["email", "portal"],
        "complaint": ["email"],
    },
    # Clause 12: what a request of each category must carry to be registered.
    "details": {
        "consultation": ["description"],
        "bug": ["description", "steps", "occurred_at", "attachments", "browser", "os"],
        "feature": ["description"],
        "complaint": ["description"],
        # A bug about one of these topics also needs the document's number.
        "document_topics": ["documents"],
    },
    # Clause 6: topics in scope and out of scope, key -> what it covers.
    "scope": {
        "in_scope": {
            "registration": "Registration and sign-in to the portal",
            "documents": "Documents: creating, sending, signing with EDS, statuses",
            "profile": "Profile and organisation settings",
            "portal_errors": "Errors of the portal",
            "tariffs": "Tariffs of portal services",
        },
        "out_of_scope": {
            "client_environment": "The user's computer, operating system or network",
            "third_party_software": "Third-party software",
            "eds_issuing": "Issuing EDS keys (the national certification authority does this)",
            "legal_advice": "Legal or accounting advice on a document's content",
            "other_systems": "Other information systems",
        },
    },
    # Clause 9: why resolution may be postponed.
    "postponement": {
        "reasons": {
            "client_info": "Waiting for information from the client",
            "third_party": "A third-party system: NCALayer, the national CA, a bank, egov",
            "development": "Needs a change of the portal, planned for a release",
            "client_side": "The client's environment",
            "force_majeure": "Force majeure",
        },
    },
    "clients": [],
    "faq": [
        {
            "title": "Подписание документа ЭЦП",
            "url": "https://help.e-doc.kz/sign",
            "keywords": ["подпись", "подписать", "ЭЦП", "NCALayer", "sign", "signature", "EDS"],
        },
        {
            "title": "Регистрация и вход на портал",
            "url": "https://help.e-doc.kz/registration",
            "keywords": ["регистрация", "вход", "пароль", "логин", "registration", "login", "password"],
        },
        {
            "title": "Отправка документа контрагенту",
            "url": "https://help.e-doc.kz/send",
            "keywords": ["отправить", "отправка", "контрагент", "send", "counterparty"],
        },
        {
            "title": "Тарифы портала",
            "url": "https://help.e-doc.kz/tariffs",
            "keywords": ["тариф", "оплата", "счёт", "tariff", "payment", "invoice"],
        },
    ],
    "quality_control": {"email": "support@mitwork.kz"},
}

_PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_HHMM_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Targets:
    """Working minutes: first response, and resolution (None: no target)."""

    first_response: int
    resolution: int | None


@dataclass
class Config:
    data: dict[str, Any]
    path: Path | None = None  # the file that was read, if any
    sources: dict[str, str] = field(default_factory=dict)

    # -- accessors in the support desk's words ---------------------------------
    @property
    def prefix(self) -> str:
        return self.data["registration"]["prefix"]

    @property
    def categories(self) -> list[str]:
        return list(self.data["registration"]["categories"])

    @property
    def levels(self) -> list[str]:
        return [k for k, v in self.data["sla"].items() if isinstance(v, dict)]

    @property
    def channels(self) -> list[str]:
        seen: list[str] = []
        for allowed in self.data["channels"].values():
            seen += [c for c in allowed if c not in seen]
        return seen

    def channels_for(self, category: str) -> list[str]:
        return list(self.data["channels"].get(category, []))

    def details_for(self, category: str) -> list[str]:
        return list(self.data["details"].get(category, ["description"]))

    @property
    def document_topics(self) -> list[str]:
        return list(self.data["details"].get("document_topics", []))

    @property
    def in_scope(self) -> dict[str, str]:
        return dict(self.data["scope"]["in_scope"])

    @property
    def out_of_scope(self) -> dict[str, str]:
        return dict(self.data["scope"]["out_of_scope"])

    @property
    def postponement_reasons(self) -> dict[str, str]:
        return dict(self.data["postponement"]["reasons"])

    @property
    def faq(self) -> list[dict[str, Any]]:
        return list(self.data["faq"])

    @property
    def clients(self) -> list[dict[str, Any]]:
        return list(self.data["clients"])

    @property
    def quality_control_email(self) -> str:
        return self.data["quality_control"]["email"]

    @property
    def warn_at(self) -> float:
        return float(self.data["sla"]["warn_at"])

    @property
    def auto_close_minutes(self) -> int:
        return hours_to_minutes(self.data["sla"]["auto_close_after_hours"])

    def has_priorities(self, category: str) -> bool:
        """Whether the category's targets depend on a diagnosed priority (clause 13)."""
        return any(isinstance(t.get(category), dict) for t in self._level_tables())

    def _level_tables(self) -> list[dict]:
        return [self.data["sla"][lvl] for lvl in self.levels]

    def sla_rules(self, level: str, category: str) -> dict[str, Any]:
        """The targets a ticket of this level and category is registered under.

        Stored on the ticket, so a later configuration change never rewrites
        its history. Minutes; `resolution` None where the category has none.
        """
        entry = self.data["sla"][level][category]
        if isinstance(entry, dict):
            by_priority = {p: _targets(v) for p, v in entry.items()}
            return {
                "rule": f"sla.{level}.{category}",
                "by_priority": {
                    p: {"first_response": t.first_response, "resolution": t.resolution}
                    for p, t in by_priority.items()
                },
            }
        t = _targets(entry)
        return {
            "rule": f"sla.{level}.{category}",
            "first_response": t.first_response,
            "resolution": t.resolution,
        }

    # -- calendar -------------------------------------------------------------
    @property
    def calendar(self) -> dict[str, Any]:
        return self.data["calendar"]

    def workday_hours(self) -> tuple[time, time]:
        return _hhmm(self.calendar["workday_start"]), _hhmm(self.calendar["workday_end"])


def _targets(pair: list) -> Targets:
    fr = hours_to_minutes(pair[0])
    res = hours_to_minutes(pair[1]) if len(pair) > 1 else None
    return Targets(fr, res)


def _hhmm(text: str) -> time:
    m = _HHMM_RE.match(text)
    assert m, text  # validated on load
    return time(int(m.group(1)), int(m.group(2)))


# -- where the file is -----------------------------------------------------------


def default_config_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "edoc" / "config.toml"


def resolve_config_path(flag: str | None, environ: dict[str, str] | None = None) -> tuple[Path, str]:
    """The configuration file to read and what chose it (flag, env, default)."""
    env = os.environ if environ is None else environ
    if flag:
        return Path(flag).expanduser(), "--config"
    if env.get("EDOC_CONFIG"):
        return Path(env["EDOC_CONFIG"]).expanduser(), "EDOC_CONFIG"
    return default_config_path(env), "default location"


def load_config(path: Path | None, required: bool = False) -> Config:
    """Defaults, with the file at `path` on top when it exists.

    `required`: the path was named explicitly (flag or env), so a missing
    file is an error rather than "use the defaults".
    """
    data = copy.deepcopy(DEFAULTS)
    sources = {key: "built-in default" for key in DEFAULTS}
    if path is None or not path.exists():
        if required and path is not None:
            raise ConfigError(_("configuration file {path} does not exist").format(path=path))
        return Config(data, None, sources)
    where = str(path)
    try:
        # Only a regular file of sane size: --config /dev/zero must not read forever.
        if not stat.S_ISREG(path.stat().st_mode):
            raise ConfigError(_("{where}: not a regular file").format(where=where))
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(_("{where}: larger than {size} KiB; is it the right file?").format(
                where=where, size=MAX_CONFIG_BYTES // 1024))
    except OSError as exc:
        raise ConfigError(_("{where}: cannot read the configuration: {reason}").format(
            where=where, reason=exc.strerror)) from exc
    try:
        loaded = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(_("{where}: not UTF-8 text (byte {byte})").format(where=where, byte=exc.start)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{where}: not valid TOML: {error}").format(where=where, error=exc)) from exc
    except ValueError:  # e.g. an integer of thousands of digits
        raise ConfigError(_("{where}: not valid TOML: {error}").format(
            where=where, error=_("a number too large to read"))) from None
    for key, value in loaded.items():
        if key not in DEFAULTS:
            raise ConfigError(_("{where}: unknown key '{key}'").format(where=where, key=key))
        if isinstance(DEFAULTS[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(_("{where}: '{key}' {problem}").format(
                    where=where, key=key, problem=_("must be a table")))
            data[key] = _merge(data[key], value, key, where)
        else:
            data[key] = value
        sources[key] = where
    validate(data, where)
    return Config(data, path, sources)


# Tables whose keys are the administrator's own names (not a fixed schema).
_OPEN_TABLES = {"sla.basic", "sla.vip", "channels", "details", "scope.in_scope",
                "scope.out_of_scope", "postponement.reasons"}


def _merge(base: dict, over: dict, prefix: str, where: str) -> dict:
    """`over` on top of `base`: tables merge key by key, any other value replaces."""
    out = dict(base)
    for key, value in over.items():
        dotted = f"{prefix}.{key}"
        open_table = prefix in _OPEN_TABLES or (prefix == "sla" and isinstance(value, dict))
        if key not in base and not open_table:
            raise ConfigError(_("{where}: unknown key '{key}'").format(where=where, key=dotted))
        if isinstance(base.get(key), dict) and isinstance(value, dict):
            out[key] = _merge(base[key], value, dotted, where)
        else:
            out[key] = value
    return out


def validate(data: dict[str, Any], where: str) -> None:
    """Check every value's type and range; raise ConfigError naming the key."""

    def fail(key: str, what: str) -> None:
        raise ConfigError(_("{where}: '{key}' {problem}").format(where=where, key=key, problem=what))

    reg = data["registration"]
    if not isinstance(reg["prefix"], str) or not _PREFIX_RE.match(reg["prefix"]):
        fail("registration.prefix", _("must be 1-10 capital Latin letters or digits, starting with a letter"))
    cats = reg["categories"]
    if not _is_name_list(cats) or not cats:
        fail("registration.categories", _("must be a non-empty list of lower-case names"))

    cal = data["calendar"]
    if (not isinstance(cal["timezone"], str) or not cal["timezone"] or len(cal["timezone"]) > 64
            or not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*", cal["timezone"])):
        fail("calendar.timezone", _("must be an IANA zone name such as \"Asia/Almaty\""))
    for key in ("workday_start", "workday_end"):
        if not isinstance(cal[key], str) or not _HHMM_RE.match(cal[key]):
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
            or not minutes_ok(hours_to_minutes(sla["auto_close_after_hours"])):
        fail("sla.auto_close_after_hours", _("must be working hours from 1/60 (one minute) to 1000"))
    levels = [k for k in sla if k not in ("warn_at", "auto_close_after_hours")]
    for level in levels:
        table = sla[level]
        if not isinstance(table, dict) or not _NAME_RE.match(level):
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
            _NAME_RE.match(k) and isinstance(v, str) for k, v in table.items()
        ):
            fail(f"scope.{key}", _("must be a table of topic = \"description\""))
    if set(data["scope"]["in_scope"]) & set(data["scope"]["out_of_scope"]):
        fail("scope.out_of_scope", _("shares a topic with scope.in_scope"))
    reasons = data["postponement"]["reasons"]
    if not isinstance(reasons, dict) or not reasons or not all(
        _NAME_RE.match(k) and isinstance(v, str) for k, v in reasons.items()
    ):
        fail("postponement.reasons", _("must be a table of reason = \"description\""))

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
        if not isinstance(item.get("title"), str) or not item["title"].strip():
            fail(f"{key}.title", _("must be a non-empty string"))
        if not isinstance(item.get("url"), str) or not re.match(r"^https?://\S+$", item["url"]):
            fail(f"{key}.url", _("must be an http(s) address"))
        kws = item.get("keywords", [])
        if not isinstance(kws, list) or not all(isinstance(k, str) and k.strip() for k in kws):
            fail(f"{key}.keywords", _("must be a list of words"))

    qc = data["quality_control"].get("email")
    if not isinstance(qc, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", qc):
        fail("quality_control.email", _("must be an e-mail address"))


def _shown(value: Any) -> str:
    """A value quoted in a message: never a megabyte of it."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_pair(pair: Any, key: str, fail) -> None:
    if (
        not isinstance(pair, list)
        or not 1 <= len(pair) <= 2
        or not all(is_number(x) and 0 < x <= 10000 and minutes_ok(hours_to_minutes(x)) for x in pair)
    ):
        fail(key, _("must be [first response] or [first response, resolution] in working hours, "
                    "each from 1/60 (one minute) to 10000"))


def _is_name_list(x: Any) -> bool:
    return isinstance(x, list) and all(isinstance(i, str) and _NAME_RE.match(i) for i in x)


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


# -- printing ----------------------------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        # JSON's escapes are TOML's, but JSON leaves DEL raw and TOML forbids it.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value).__name__)


def dump_toml(data: dict[str, Any], sources: dict[str, str] | None = None) -> str:
    """The configuration as TOML that `load_config` reads back to the same values."""
    out: list[str] = []

    def table(name: str, body: dict[str, Any]) -> None:
        plain = {k: v for k, v in body.items() if not isinstance(v, dict)}
        nested = {k: v for k, v in body.items() if isinstance(v, dict)}
        # A sub-table whose values are all tables of scalars reads best inline (sla.basic.bug).
        header_needed = bool(plain) or not nested
        if header_needed:
            out.append(f"[{name}]")
            for k, v in plain.items():
                out.append(f"{_toml_key(k)} = {_toml_value(v)}")
            out.append("")
        for k, v in nested.items():
            if v and all(not isinstance(x, dict) for x in v.values()) and name.startswith("sla."):
                if not header_needed:
                    out.append(f"[{name}]")
                    header_needed = True
                out.append(f"{_toml_key(k)} = {_toml_value(v)}")
                continue
            table(f"{name}.{_toml_key(k)}", v)
        if header_needed and out[-1] != "":
            out.append("")

    def is_table_array(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)

    # Top-level plain keys first: after a [table] header they would belong to it.
    for key, value in data.items():
        if not isinstance(value, dict) and not is_table_array(value):
            if sources:
                out.append(f"# {key}: {sources.get(key, 'built-in default')}")
            out.append(f"{_toml_key(key)} = {_toml_value(value)}")
            out.append("")
    for key, value in data.items():
        if isinstance(value, dict):
            if sources:
                out.append(f"# {key}: {sources.get(key, 'built-in default')}")
            table(_toml_key(key), value)
    for key, value in data.items():
        if is_table_array(value):
            if sources:
                out.append(f"# {key}: {sources.get(key, 'built-in default')}")
            for item in value:
                out.append(f"[[{_toml_key(key)}]]")
                for k, v in item.items():
                    out.append(f"{_toml_key(k)} = {_toml_value(v)}")
                out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
