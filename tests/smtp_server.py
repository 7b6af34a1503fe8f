"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd), recording what it receives.

    from smtp_server import smtp_server  # noqa: F401   (the fixture: a running plain server)

    def test_x(smtp_server):
        deliver(message, smtp_server.settings())
        assert smtp_server.received[0].rcpt_tos == ["client@example.kz"]
        smtp_server.mode = "tempfail"      # the next transactions get 451 (switchable live)

Modes: "accept" (250 2.0.0 Ok: queued as …), "refuse" (550 to RCPT TO), "refuse_data" (554 to
the message), "tempfail" (451 to the message), "drop" (the connection closed after the message's
data arrived, before any answer), "slow" (the answer to the message comes after `slow_seconds`:
give the client a shorter timeout). `SMTPTestServer(tls="starttls"|"ssl", auth=True)` serves TLS
with a certificate of a `trustme` authority (`server.client_context()` trusts it) and AUTH
LOGIN/PLAIN with USERNAME and PASSWORD. `down_port()` is a port on which nobody listens.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import warnings
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Iterator

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from edoc_cli.mail.settings import MailSettings

HOST = "127.0.0.1"
USERNAME = "edoc"
PASSWORD = "s3cret-pass"
MODES = ("accept", "refuse", "refuse_data", "tempfail", "drop", "slow")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # the message as it arrived, CRLF line ends

    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def down_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound and closed a moment ago)."""
    return free_port()


class _Handler:
    def __init__(self, server: "SMTPTestServer"):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        if self.server.mode == "refuse":
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, smtp, session, envelope):
        mode = self.server.mode
        if mode == "drop":
            smtp.transport.close()
            return "421 4.4.2 closing"  # never reaches the client: the connection is gone
        if mode == "slow":
            await asyncio.sleep(self.server.slow_seconds)
        if mode == "refuse_data":
            return "554 5.7.1 Message rejected: spam content"
        if mode == "tempfail":
            return "451 4.3.0 Temporary local problem, try again later"
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                                 bytes(envelope.original_content or envelope.content)))
            number = len(self.server.received)
        return f"250 2.0.0 Ok: queued as EDOC{number:04d}"


class _QuietController(Controller):
    def factory(self):
        # Test servers take AUTH without TLS on purpose; aiosmtpd's warning would be an error here.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


class SMTPTestServer:
    """One aiosmtpd server on a free port of 127.0.0.1; a context manager, or start()/stop()."""

    def __init__(self, mode: str = "accept", *, tls: str | None = None, auth: bool = False,
                 slow_seconds: float = 2.0):
        assert mode in MODES and tls in (None, "starttls", "ssl")
        self.mode = mode
        self.tls = tls
        self.auth = auth
        self.slow_seconds = slow_seconds
        self.received: list[Received] = []
        self.logins: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.ca = trustme.CA() if tls else None
        kwargs: dict = {}
        if tls:
            server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert(HOST, "localhost").configure_cert(server_context)
            kwargs["ssl_context" if tls == "ssl" else "tls_context"] = server_context
            if tls == "starttls":
                kwargs["require_starttls"] = True
        if auth:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=False)
        self.controller = _QuietController(_Handler(self), hostname=HOST, port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == (USERNAME, PASSWORD))

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate authority."""
        context = ssl.create_default_context()
        if self.ca:
            self.ca.configure_trust(context)
        return context

    def settings(self, **changes) -> MailSettings:
        """MailSettings that send through this server (plain SMTP unless it speaks TLS)."""
        base = MailSettings(
            sender="Служба поддержки E-DOC <support@e-doc.kz>", sender_address="support@e-doc.kz",
            domain="e-doc.kz", smtp_host=HOST, smtp_port=self.port,
            starttls=self.tls == "starttls", ssl=self.tls == "ssl",
            username=None, password_env=None, password_file=None, reply_to=None, timeout=10.0,
            max_per_hour=20, max_attachment_bytes=10 * 1024 * 1024, max_message_bytes=25 * 1024 * 1024,
            maildir=None)
        return replace(base, **changes)

    def start(self) -> "SMTPTestServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> "SMTPTestServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture
def smtp_server() -> Iterator[SMTPTestServer]:
    """A running plain SMTP server in "accept" mode (set `.mode` to change how it answers)."""
    with SMTPTestServer() as server:
        yield server
