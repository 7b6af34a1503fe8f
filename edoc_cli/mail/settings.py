"""The [mail] configuration read once, every default resolved: what sending and receiving need.

The configuration's checks (`config_check`) refuse a bad value at load time; here the values are
taken as valid. The SMTP password is never in the configuration: `MailSettings.password()` reads
it, at the moment it is needed, from the environment variable `password_env` names or from the
private file `password_file` names.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Any

from edoc_cli.errors import ConfigError, os_reason
from edoc_cli.i18n import _

MB = 1024 * 1024
PORT_SSL, PORT_STARTTLS, PORT_PLAIN = 465, 587, 25
MAX_PASSWORD_FILE_BYTES = 64 * 1024


def parse_address(value: str) -> tuple[str, str] | None:
    """(display name, addr-spec) of one address with an optional display name
    ("Служба поддержки E-DOC <support@e-doc.kz>", "support@e-doc.kz"); None when `value` is not
    exactly one such address with a local part and a domain in ASCII, on one line."""
    from edoc_cli.safe_text import control_problem

    if not isinstance(value, str) or len(value) > 500 or control_problem(value, False):
        return None
    from email.policy import default as default_policy  # here: a desk without mail never loads the email package

    header = default_policy.header_factory("From", value)
    if header.defects or len(header.addresses) != 1:
        return None
    address = header.addresses[0]
    local, _at, domain = address.addr_spec.rpartition("@")
    if not local or not domain or not address.addr_spec.isascii() or any(c.isspace() for c in address.addr_spec):
        return None
    return address.display_name, address.addr_spec


def default_port(ssl: bool, starttls: bool) -> int:
    """465 for TLS from the first byte, 587 for submission with STARTTLS, 25 for plain SMTP."""
    return PORT_SSL if ssl else PORT_STARTTLS if starttls else PORT_PLAIN


@dataclass(frozen=True)
class MailSettings:
    """Outbound mail, ready to use (see DEFAULTS["mail"] in edoc_cli/config.py for the keys)."""

    sender: str            # the `from` value as given
    sender_address: str    # its addr-spec
    domain: str            # its domain (Message-IDs)
    smtp_host: str
    smtp_port: int
    starttls: bool
    ssl: bool
    username: str | None
    password_env: str | None
    password_file: str | None
    reply_to: str | None
    timeout: float
    max_per_hour: int
    max_attachment_bytes: int
    max_message_bytes: int
    maildir: str | None

    def password(self) -> str | None:
        """The SMTP password (None when none is configured): the environment variable's value, or
        the first line of the password file, stripped. ConfigError naming the key when the
        variable is unset, or the file is missing, unreadable, empty or open to other users."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if not value:
                raise ConfigError(_("'mail.password_env': the environment variable {name} is not set").format(
                    name=self.password_env))
            return value
        if self.password_file:
            return read_password_file(self.password_file)
        return None


def read_password_file(path: str) -> str:
    """The first line of a private password file, stripped (ConfigError naming mail.password_file)."""

    def fail(problem: str) -> ConfigError:
        return ConfigError(_("'mail.password_file' {path}: {problem}").format(path=path, problem=problem))

    try:
        fd = os.open(os.path.expanduser(path), os.O_RDONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise fail(os_reason(exc)) from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())  # the file opened, not a name that may change under us
        problem = file_problem(info)
        if problem:
            raise fail(problem)
        try:
            raw = handle.read(MAX_PASSWORD_FILE_BYTES)
        except OSError as exc:
            raise fail(os_reason(exc)) from exc
    try:
        first = raw.decode("utf-8").splitlines()[0].strip() if raw.strip() else ""
    except UnicodeDecodeError:
        raise fail(_("not UTF-8 text")) from None
    if not first:
        raise fail(_("is empty"))
    return first


def file_problem(info: os.stat_result) -> str | None:
    """Why a password file may not be used (as ssh refuses a private key others can read), or None."""
    if not stat.S_ISREG(info.st_mode):
        return _("not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        return _("can be read or written by other users (mode {mode:04o}); "
                 "make it private to its owner, e.g. chmod 600").format(mode=mode)
    return None


def mail_settings(config: Any) -> MailSettings | None:
    """Outbound mail as configured, or None when it is not (`from` or `smtp_host` unset)."""
    if not config.sends_mail:
        return None
    table = config.mail
    address = (parse_address(table["from"]) or ("", table["from"]))[1]
    ssl, starttls = bool(table["ssl"]), bool(table["starttls"]) and not table["ssl"]
    max_per_hour, max_attachment, max_message = inbound_limits(config)
    return MailSettings(
        sender=table["from"], sender_address=address, domain=address.rpartition("@")[2].lower(),
        smtp_host=table["smtp_host"], smtp_port=int(table.get("smtp_port") or default_port(ssl, starttls)),
        starttls=starttls, ssl=ssl, username=table.get("username") or None,
        password_env=table.get("password_env") or None, password_file=table.get("password_file") or None,
        reply_to=table.get("reply_to") or None, timeout=float(table["timeout"]),
        max_per_hour=max_per_hour, max_attachment_bytes=max_attachment, max_message_bytes=max_message,
        maildir=table.get("maildir") or None,
    )


def inbound_limits(config: Any) -> tuple[int, int, int]:
    """(max_per_hour, max_attachment_bytes, max_message_bytes): the limits on incoming mail,
    which hold whether or not outbound mail is configured."""
    table = config.mail
    return (int(table["max_per_hour"]), int(table["max_attachment_mb"] * MB), int(table["max_message_mb"] * MB))
