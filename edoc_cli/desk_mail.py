"""The desk's mail: what the Desk does with e-mail to and from clients (edoc_cli/mail/), kept apart
from desk.py so that each stays one screenful of intent. Desk inherits it; the methods use the
Desk's store, config and clock like its own."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from edoc_cli.errors import UsageError
from edoc_cli.i18n import _

if TYPE_CHECKING:
    from edoc_cli.rules.registration import RegistrationRequest


class MailDesk:
    """E-mail on the desk: delivering what actions queued, and what waits."""

    queued: list[str]
    config: Any
    store: Any
    tz: Any

    def deliver_queued(self) -> Any:
        """Deliver at once the messages this run's committed changes queued (mail.outbox); one that
        cannot go now stays queued for `edoc mail flush`, and a warning says so."""
        if not self.queued:
            return None
        from edoc_cli.mail.outbox import flush, tell

        only, self.queued = set(self.queued), []
        return tell(flush(self, only=only))

    def flush_mail(self, retry_failed: bool = False) -> Any:
        """Deliver every message that is due (edoc mail flush, the sweep)."""
        from edoc_cli.mail.outbox import flush

        self.queued = []
        return flush(self, retry_failed=retry_failed)

    def undelivered_mail(self) -> list[dict[str, Any]]:
        """The messages to clients not delivered yet (mail.outbox.undelivered)."""
        from edoc_cli.mail.outbox import undelivered

        return undelivered(self.store.snapshot())

    def ticket_mail(self, ticket_id: str) -> list[dict[str, Any]]:
        """The ticket's e-mails and their delivery (none read when outbound mail is off: `show` then
        costs what it did before mail)."""
        if not self.config.sends_mail:
            return []
        from edoc_cli.mail.outbox import ticket_mail

        return ticket_mail(self.store.snapshot(), ticket_id)

    # -- mail from clients ---------------------------------------------------------
    def receive_mail(self, raw: bytes, arrived_at: datetime | None = None):
        """Record one received message where it belongs, or set it aside (an inbound.Received)."""
        from edoc_cli.mail.inbound import receive

        return receive(self, raw, arrived_at)

    def fetch_mail(self, maildir: str | None):
        """Receive every new message of a Maildir (default [mail] maildir): a maildir.FetchResult."""
        from pathlib import Path

        from edoc_cli.mail.maildir import fetch_maildir

        where = maildir or self.config.mail.get("maildir")
        if not where:
            raise UsageError(_("no Maildir given: name one with {maildir} or set mail.maildir"),
                             fields={"maildir": "maildir"})
        return fetch_maildir(self, Path(where).expanduser())

    def failed_mail(self) -> list:
        """The messages set aside (spool.SetAside), by number."""
        from edoc_cli.mail.inbound import spool_of

        return spool_of(self).entries()

    def discard_mail(self, numbers: list[int]) -> list[int]:
        """Delete messages set aside, all or none (exit 4 naming one that is not there); the numbers."""
        from edoc_cli.errors import TicketNotFound
        from edoc_cli.mail.inbound import spool_of

        spool = spool_of(self)
        numbers = list(dict.fromkeys(numbers))  # each once, in the order given
        missing = [n for n in numbers if spool.entry(n) is None]
        if missing:
            raise TicketNotFound(_("no message {number} is set aside; 'edoc mail failed' lists them").format(
                number=missing[0]))
        for n in numbers:
            spool.remove(n)
        return numbers

    def retry_mail(self, numbers: list[int] | None) -> list:
        """Receive messages set aside again (all when None): (number, inbound.Received) each."""
        from edoc_cli.mail.inbound import retry

        return retry(self, numbers)

    # -- the intake queue: received mail that names no ticket (intake.py) ----------
    def intake(self, include_all: bool = False) -> list[dict[str, Any]]:
        from edoc_cli import intake

        return intake.messages(self.store.snapshot(), include_all)

    def intake_message(self, n: int) -> dict[str, Any]:
        from edoc_cli import intake

        return intake.message(self.store.snapshot(), n)

    def dismiss_mail(self, numbers: list[int], reason: str | None = None) -> list[int]:
        from edoc_cli import intake

        return intake.dismiss(self, numbers, reason)

    def mail_answers(self, n: int) -> dict[str, Any]:
        """The registration answers intake message `n` holds (exit 4: no such message, 5: not waiting)."""
        from edoc_cli import intake

        return intake.request_values(intake.waiting(self.store.snapshot(), n), self.tz)

    def register_mail(self, n: int, request: RegistrationRequest) -> list[dict[str, Any]]:
        """Register `request` as intake message `n` (intake.registration_hook), in one transaction."""
        from edoc_cli import intake

        return self.register([request], on_registered=intake.registration_hook(self, n))
