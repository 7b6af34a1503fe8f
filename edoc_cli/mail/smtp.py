"""Delivery over SMTP: one message, one recipient, and a verdict the outbox can act on.

Every failure is either temporary (`TemporaryFailure`: try again later, after `retry_delay`) or
permanent (`PermanentFailure`: the server refused the message or its address for good; retrying
would only repeat the refusal). Only a 5xx answer to MAIL FROM, RCPT TO or DATA is permanent.
Everything else is temporary: a server that is down, slow, resets or closes the connection mid-
message, any 4xx, a failed TLS handshake, a refused login or a missing password — those last ones
need the configuration fixed, and their reason says so, but a fixed configuration makes the
queued message go out without anyone re-sending it.

A message whose answer to DATA never came (a timeout, a dropped connection) may have been
delivered anyway; retrying it can then deliver it twice. SMTP has no cure for this (RFC 5321,
section 6.1); the client's mail program shows the repeat with the same Message-ID.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from typing import Callable, NoReturn

from edoc_cli.errors import ConfigError, os_reason
from edoc_cli.i18n import N_, _
from edoc_cli.mail.settings import MailSettings
from edoc_cli.safe_text import for_terminal

# Backoff: 1 minute after the first failed attempt, then doubling (2, 4, 8, … minutes) up to
# 4 hours between attempts. After MAX_ATTEMPTS failed attempts (about two days: 255 minutes for
# the first nine, then 4 hours each) a temporarily failing message is given up as failed.
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=4)
MAX_ATTEMPTS = 20
SERVER_TEXT_LIMIT = 300


class DeliveryFailure(Exception):
    """Why a message did not go, as a message of the catalogs and its values, so that it can be said
    in any language later (the outbox keeps it; a Russian operator reads what an English cron saw).
    `reason`: one readable line in this run's language."""

    WORDS = ("step",)  # values that are themselves words of the catalogs

    def __init__(self, template: str, **values: str):
        self.template = template
        self.values = {k: str(v) for k, v in values.items()}
        super().__init__(self.reason)

    def said(self, tr: Callable[[str], str]) -> str:
        return tr(self.template).format(**{k: tr(v) if k in self.WORDS else v for k, v in self.values.items()})

    @property
    def reason(self) -> str:
        return self.said(_)

    def as_dict(self) -> dict[str, object]:
        return {"template": self.template, "values": self.values}


def said_again(error: object) -> str | None:
    """A failure the outbox kept (DeliveryFailure.as_dict) said in this run's language; None if malformed."""
    if not (isinstance(error, dict) and isinstance(error.get("template"), str)
            and isinstance(error.get("values"), dict)):
        return None
    try:
        return DeliveryFailure(error["template"], **error["values"]).reason
    except (KeyError, IndexError, ValueError):
        return None


class TemporaryFailure(DeliveryFailure):
    """Not delivered this time; try again later."""


class PermanentFailure(DeliveryFailure):
    """The server refused the message for good (a 5xx to MAIL FROM, RCPT TO or DATA); never retry."""


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1 minute, 2, 4, 8, … capped at 4 hours."""
    step = max(attempts, 1) - 1
    return min(FIRST_DELAY * (2 ** min(step, 16)), MAX_DELAY)


def server_text(text: bytes | str) -> str:
    """The server's words, safe for a terminal and one line, at most SERVER_TEXT_LIMIT characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = " ".join(for_terminal(text, single_line=True).split())
    return text if len(text) <= SERVER_TEXT_LIMIT else text[: SERVER_TEXT_LIMIT - 1] + "…"


def deliver(message: EmailMessage, settings: MailSettings, *, context: ssl.SSLContext | None = None) -> str:
    """Send `message` to its To address (the only envelope recipient) through the configured server;
    the server's reply to DATA ("250 2.0.0 Ok: queued as …"). Raises TemporaryFailure or
    PermanentFailure. `context`: the TLS context (default: the system's trusted authorities)."""
    recipients = getattr(message["To"], "addresses", ())
    if len(recipients) != 1:
        raise PermanentFailure(N_("the message must have exactly one To address"))
    recipient = recipients[0].addr_spec
    try:
        password = settings.password() if settings.username else None
    except ConfigError as exc:
        raise TemporaryFailure(N_("cannot log in to the SMTP server: {problem}"), problem=exc.message) from exc
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    step = N_("connection")
    try:
        if settings.ssl:
            server: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.timeout,
                                                   context=context or ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout)
        with server:
            step = "EHLO"
            server.ehlo()
            if settings.starttls:
                step = "STARTTLS"
                server.starttls(context=context or ssl.create_default_context())
                server.ehlo()
            if settings.username:
                step = "AUTH"
                server.login(settings.username, password or "")
            step = "MAIL FROM"
            _expect(server.mail(settings.sender_address), "MAIL FROM", (250,))
            step = "RCPT TO"
            _expect(server.rcpt(recipient), "RCPT TO", (250, 251))
            step = "DATA"
            code, text = server.data(raw)
            _expect((code, text), "DATA", (250,))
            return f"{code} {server_text(text)}"
    except (TemporaryFailure, PermanentFailure):
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise TemporaryFailure(N_(
            "the SMTP server {server} refused the user name or password ({code} {text}); "
            "check mail.username and the password"),
            server=where, code=exc.smtp_code, text=server_text(exc.smtp_error)) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise TemporaryFailure(N_(
            "the SMTP server {server} does not support {step}; check mail.starttls, mail.ssl and mail.username"),
            server=where, step=step) from exc
    except smtplib.SMTPResponseException as exc:
        _raise_for(exc.smtp_code, exc.smtp_error, step)
    except smtplib.SMTPServerDisconnected as exc:
        if isinstance(exc.__context__, TimeoutError):  # smtplib reports a timed-out answer so
            raise TemporaryFailure(N_("the SMTP server {server} did not answer within {seconds} s ({step})"),
                server=where, seconds=f"{settings.timeout:g}", step=step) from exc
        raise TemporaryFailure(N_("the SMTP server {server} closed the connection ({step})"),
            server=where, step=step) from exc
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise TemporaryFailure(N_("the TLS handshake with {server} failed: {problem}"),
            server=where, problem=server_text(getattr(exc, "reason", None) or str(exc))) from exc
    except TimeoutError as exc:
        raise TemporaryFailure(N_("the SMTP server {server} did not answer within {seconds} s ({step})"),
            server=where, seconds=f"{settings.timeout:g}", step=step) from exc
    except ConnectionRefusedError as exc:
        raise TemporaryFailure(N_("the SMTP server {server} refused the connection; is it running?"),
            server=where) from exc
    except UnicodeEncodeError as exc:  # smtplib sends AUTH in ASCII only
        raise TemporaryFailure(N_("cannot log in to the SMTP server {server}: the user name and the password "
                                  "must be ASCII characters; check mail.username and the password"),
            server=where) from exc
    except smtplib.SMTPException as exc:  # e.g. no authentication method both sides know
        raise TemporaryFailure(N_("the SMTP server {server} ({step}): {problem}"),
            server=where, step=step, problem=server_text(str(exc))) from exc
    except OSError as exc:
        raise TemporaryFailure(N_("cannot talk to the SMTP server {server} ({step}): {reason}"),
            server=where, step=step, reason=server_text(os_reason(exc))) from exc


def _expect(reply: tuple[int, bytes], step: str, good: tuple[int, ...]) -> None:
    code, text = reply
    if code not in good:
        _raise_for(code, text, step)


def _raise_for(code: int, text: bytes | str, step: str) -> NoReturn:
    """A 5xx to MAIL FROM, RCPT TO or DATA is final; any other refusal may pass later."""
    said = f"{code} {server_text(text)}".strip()
    if 500 <= code < 600 and step in ("MAIL FROM", "RCPT TO", "DATA"):
        raise PermanentFailure(N_("the SMTP server refused the message at {step}: {reply}"),
            step=step, reply=said)
    raise TemporaryFailure(N_("the SMTP server answered {reply} at {step}; trying again later"),
        reply=said, step=step)
