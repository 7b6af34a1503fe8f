"""The configuration: built-in defaults (docs/regulation.md), an optional TOML file on top.

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
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, NamedTuple

from edoc_cli.errors import ConfigError, os_reason
from edoc_cli.i18n import N_, _
from edoc_cli.config_check import HHMM_RE, WEEKDAYS, as_date, validate  # noqa: F401  (the configuration's words)
from edoc_cli.limits import hours_to_minutes
from edoc_cli.ticket import DEFAULT_AUTO_CLOSE_MINUTES, DEFAULT_WARN_AT

MAX_CONFIG_BYTES = 1024 * 1024

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
            "registration": {"en": "Registration and sign-in to the portal",
                             "ru": "Регистрация и вход на портал", "kk": "Порталға тіркелу және кіру"},
            "documents": {"en": "Documents: creating, sending, signing with EDS, statuses",
                          "ru": "Документы: создание, отправка, подписание ЭЦП, статусы",
                          "kk": "Құжаттар: жасау, жіберу, ЭЦҚ-мен қол қою, мәртебелер"},
            "profile": {"en": "Profile and organisation settings", "ru": "Профиль и настройки организации",
                        "kk": "Профиль және ұйым баптаулары"},
            "portal_errors": {"en": "Errors of the portal", "ru": "Ошибки портала", "kk": "Портал қателері"},
            "tariffs": {"en": "Tariffs of portal services", "ru": "Тарифы на услуги портала",
                        "kk": "Портал қызметтерінің тарифтері"},
        },
        "out_of_scope": {
            "client_environment": {"en": "The user's computer, operating system or network",
                                   "ru": "Компьютер, операционная система или сеть пользователя",
                                   "kk": "Пайдаланушының компьютері, операциялық жүйесі немесе желісі"},
            "third_party_software": {"en": "Third-party software", "ru": "Стороннее программное обеспечение",
                                     "kk": "Үшінші тараптың бағдарламалық қамтамасыз етуі"},
            "eds_issuing": {"en": "Issuing EDS keys (the national certification authority does this)",
                            "ru": "Выпуск ключей ЭЦП (этим занимается Национальный удостоверяющий центр)",
                            "kk": "ЭЦҚ кілттерін беру (мұны Ұлттық куәландырушы орталық жасайды)"},
            "legal_advice": {"en": "Legal or accounting advice on a document's content",
                             "ru": "Юридические или бухгалтерские консультации по содержанию документа",
                             "kk": "Құжат мазмұны бойынша заң немесе бухгалтерлік кеңес"},
            "other_systems": {"en": "Other information systems", "ru": "Другие информационные системы",
                              "kk": "Басқа ақпараттық жүйелер"},
        },
    },
    # Clause 9: why resolution may be postponed.
    "postponement": {
        "reasons": {
            "client_info": {"en": "Waiting for information from the client",
                            "ru": "Ожидание сведений от клиента", "kk": "Клиенттен мәлімет күту"},
            "third_party": {"en": "A third-party system: NCALayer, the national CA, a bank, egov",
                            "ru": "Сторонняя система: NCALayer, НУЦ, банк, egov",
                            "kk": "Үшінші тарап жүйесі: NCALayer, ҰКО, банк, egov"},
            "development": {"en": "Needs a change of the portal, planned for a release",
                            "ru": "Нужна доработка портала, запланированная в релиз",
                            "kk": "Порталды пысықтау қажет, релизге жоспарланған"},
            "client_side": {"en": "The client's environment", "ru": "Среда клиента", "kk": "Клиенттің ортасы"},
            "force_majeure": {"en": "Force majeure", "ru": "Форс-мажор", "kk": "Форс-мажор"},
        },
    },
    "clients": [],
    # The letters to clients, by the client's language: [letters.ru], [letters.kk], [letters.en], each
    # part's template (mail/letters.py PARTS); a part not given is the catalog's.
    "letters": {},
    # Canned replies: [[templates]] name, text, and optional ru / en variants of the text.
    "templates": [],
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
    # Mail to and from clients (issue 15). Off until both `from` and `smtp_host` are set; the
    # keys without a default here (from, smtp_host, smtp_port, username, password_env,
    # password_file, maildir, reply_to) are simply absent until the file gives them. The
    # password itself is never here: an environment variable or a private file holds it.
    "mail": {
        "starttls": True,
        "ssl": False,
        "timeout": 30,           # seconds, per SMTP operation
        "max_per_hour": 20,      # inbound mail per sender per hour, then throttled
        "max_attachment_mb": 10,
        "max_message_mb": 25,
    },
}



def label(value: str | dict[str, str]) -> str:
    """A label of the configuration in this run's language: a plain string, or a table of
    variants by language (`{ru = "…", kk = "…", en = "…"}`); a missing language falls back to
    English, then to Russian (Kazakh: to Russian, then English), then to whichever variant there is."""
    if isinstance(value, str):
        return value
    from edoc_cli.i18n import current

    for lang in (current(), "ru", "en") if current() == "kk" else (current(), "en", "ru"):
        if value.get(lang):
            return value[lang]
    return next(iter(value.values()))


class Targets(NamedTuple):  # a NamedTuple: a fifth of a frozen dataclass's cost to every command's start
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
        """Topic -> what it covers, in this run's language (as every label below)."""
        return {k: label(v) for k, v in self.data["scope"]["in_scope"].items()}

    @property
    def out_of_scope(self) -> dict[str, str]:
        return {k: label(v) for k, v in self.data["scope"]["out_of_scope"].items()}

    @property
    def postponement_reasons(self) -> dict[str, str]:
        return {k: label(v) for k, v in self.data["postponement"]["reasons"].items()}

    @property
    def faq(self) -> list[dict[str, Any]]:
        return [{**item, "title": label(item["title"])} for item in self.data["faq"]]

    @property
    def templates(self) -> list[dict[str, Any]]:
        return list(self.data["templates"])

    @property
    def letters(self) -> dict[str, dict[str, str]]:
        """The letter templates given, by client language and part (the catalogs' serve the rest)."""
        return self.data["letters"]

    @property
    def clients(self) -> list[dict[str, Any]]:
        return list(self.data["clients"])

    @property
    def quality_control_email(self) -> str:
        return self.data["quality_control"]["email"]

    @property
    def mail(self) -> dict[str, Any]:
        """The [mail] table as given over the defaults; optional keys are absent when unset
        (`edoc_cli.mail.settings.mail_settings` reads it with every default resolved)."""
        return dict(self.data["mail"])

    @property
    def sends_mail(self) -> bool:
        """Whether outbound mail is configured (`mail.from` and `mail.smtp_host` both set)."""
        mail = self.data["mail"]
        return bool(mail.get("from") and mail.get("smtp_host"))

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
    m = HHMM_RE.match(text)
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
    return default_config_path(env), N_("default location")


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
            where=where, reason=os_reason(exc))) from exc
    import tomllib  # only where a file is read: a desk on the defaults does without

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
                "scope.out_of_scope", "postponement.reasons",
                "mail", "letters"}  # their keys have no default: config_check knows them all
# Tables of labels: a label given replaces the default whole (its languages are not merged, so an
# English label changed alone never leaves the old Russian one beside it).
_LABEL_TABLES = {"scope.in_scope", "scope.out_of_scope", "postponement.reasons"}


def _merge(base: dict, over: dict, prefix: str, where: str) -> dict:
    """`over` on top of `base`: tables merge key by key, any other value replaces."""
    out = dict(base)
    for key, value in over.items():
        dotted = f"{prefix}.{key}"
        open_table = prefix in _OPEN_TABLES or (prefix == "sla" and isinstance(value, dict))
        if key not in base and not open_table:
            raise ConfigError(_("{where}: unknown key '{key}'").format(where=where, key=dotted))
        if isinstance(base.get(key), dict) and isinstance(value, dict) and prefix not in _LABEL_TABLES:
            out[key] = _merge(base[key], value, dotted, where)
        else:
            out[key] = value
    return out
