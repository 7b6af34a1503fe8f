"""The support desk: the one face of the core that every command calls.

A command turns its flags into plain values, calls one Desk method, and renders what comes back;
the Desk applies the regulation's rules (`rules/`), the state machine (`lifecycle`), the SLA
clocks (`sla`) and keeps the result in the store (`store/`), whichever store that is. Every change
of a ticket goes through `apply`: the state machine's check, the rule's own check, one history
event (who, when, what), the state rebuilt from the history, a breach recorded on closing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from edoc_cli.config import Config
from edoc_cli.desk_mail import MailDesk
from edoc_cli.errors import TicketNotFound, UsageError, ValidationFailed
from edoc_cli.i18n import _, ngettext
from edoc_cli.lifecycle import apply_replay, ensure_allowed
from edoc_cli.progress import SILENT, Progress
from edoc_cli.rules import help_centre, no_response, postponement, service_levels, termination
from edoc_cli.rules.checklist import line_text, message_text, one_of
from edoc_cli.rules.third_parties import third_party_name
from edoc_cli.sla import clocks, record_breaches
from edoc_cli.store import Snapshot, Store
from edoc_cli.ticket import RESOLUTIONS
from edoc_cli.ticket_id import normalize_id
from edoc_cli.tz import parse_instant, to_iso

if TYPE_CHECKING:  # the checklist is loaded by the commands that register (desk.register), not by every one
    from edoc_cli.rules.registration import Registration, RegistrationRequest

Ticket = dict[str, Any]
Check = Callable[[Ticket, Snapshot], None]


@dataclass
class Desk(MailDesk):
    store: Store
    config: Config
    clock: Callable[[], datetime]
    operator: str
    tz: Any
    calendar: Any = None  # the working calendar (workcal.WorkCalendar)
    send_mail: bool = True  # whether an action queues its message to the client (--no-mail: not this once)
    environ: dict[str, str] | None = None  # where per-user folders are (the mail spool); None: the process's

    def __post_init__(self) -> None:
        self.queued: list[str] = []  # Message-IDs this run queued, delivered when their change is committed

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    def iso(self, when: datetime) -> str:
        return to_iso(when, self.tz)

    # -- registration ----------------------------------------------------------
    def register(self, requests: Iterable[RegistrationRequest],
                 on_registered: Callable[[Snapshot, list[Ticket]], None] | None = None) -> list[Ticket]:
        """Register every request or none: all are checked before anything is written. `on_registered`
        runs in the same transaction before the tickets are written: it may add to their `opened`
        events, write beside them, or refuse (then nothing is registered)."""
        from edoc_cli.rules.registration import check_registration

        now = self.now()
        checked = []
        problems: list = []
        requests = list(requests)
        for i, req in enumerate(requests):
            try:
                checked.append(check_registration(req, self.config, now, self.tz))
            except ValidationFailed as exc:
                found = list(exc.problems) or [exc.message]
                if len(requests) > 1:
                    found = [p._replace(request=i + 1) if hasattr(p, "render") else
                             _("request {number}: {problem}").format(number=i + 1, problem=p) for p in found]
                problems += found
        if problems:
            message = ngettext("nothing was registered: {count} unmet item",
                               "nothing was registered: {count} unmet items", len(problems))
            raise ValidationFailed(message.format(count=len(problems)), problems)
        if not checked:
            raise ValidationFailed(_("nothing to register: the input holds no request"))
        with self.store.transaction() as snap:
            created = [self._new_ticket(snap.next_number(self.config.prefix, now.year), reg, now)
                       for reg in checked]
            if on_registered:
                on_registered(snap, created)
            snap.insert_new(created)  # at once: a store may rewrite a whole table per insert
        return created

    def _new_ticket(self, number: str, reg: Registration, now: datetime) -> Ticket:
        at = self.iso(now)
        received = self.iso(reg.received_at) if reg.received_at else at
        ticket = {
            "id": number,
            "category": reg.category,
            "channel": reg.channel,
            "sla_level": reg.sla_level,
            "client": reg.client,
            "topic": reg.topic,
            "subject": reg.subject,
            "description": reg.description,
            "faq": reg.faq,
            "details": reg.details,
            "created_at": at,
            "received_at": received,
            "sla_rules": service_levels.registration_rules(self.config, reg.sla_level, reg.category),
            "history": [{"at": at, "by": self.operator, "type": "opened",
                         "channel": reg.channel, "received_at": received}],
        }
        return apply_replay(ticket)

    def registration_problems(self, request: RegistrationRequest) -> list:
        """What the request still lacks (empty: it may be registered): what the wizard asks for."""
        from edoc_cli.rules.registration import registration_problems

        return registration_problems(request, self.config, self.now(), self.tz)

    # -- reading ---------------------------------------------------------------
    def get(self, ticket_id: str, snap: Snapshot | None = None) -> Ticket:
        tid = normalize_id(ticket_id)
        ticket = (snap or self.store.snapshot()).get(tid)
        if ticket is None:
            raise TicketNotFound(_("no ticket {id} in {store}; 'edoc list --all' shows the numbers").format(
                id=tid, store=self.store.location))
        return ticket

    def view(self, ticket: Ticket) -> dict[str, Any]:
        """The ticket as shown: stored fields plus the SLA state as of now."""
        from edoc_cli.sla import ticket_view

        return ticket_view(ticket, self.calendar, self.now(), self.config, self.tz)

    def find(self, wanted, rows: bool = False) -> Any:
        """The tickets a listing.ListFilter accepts, as views in its order (a listing.Found); `rows`: list
        views are enough (listing.select)."""
        from edoc_cli.listing import select

        return select(self, wanted, rows)

    def list_filter(self, **given) -> Any:
        """A listing.ListFilter from a person's values (see ListFilter.parse)."""
        from edoc_cli.listing import ListFilter

        return ListFilter.parse(self.config, self.now(), self.tz, self.calendar, self.operator, **given)

    def explain(self, ticket_id: str) -> dict[str, Any]:
        """Why the ticket's SLA figures are what they are (sla.explain)."""
        from edoc_cli.sla import explain

        return explain(self.get(ticket_id), self.calendar, self.now(), self.tz)

    def open_ids(self) -> list[str]:
        return [t["id"] for t in self.store.snapshot().active_tickets()]

    def closed_ids(self, prefix: str = "") -> list[str]:
        """Numbers of closed tickets starting with `prefix`, for the shell (`edoc reopen ED-<TAB>`).

        Read from the archive's report summaries, not the tickets: a year's are a few megabytes; a
        prefix that names a year (ED-2026-) reads only that year's months."""
        import re

        snap = self.store.snapshot()
        ids = [t["id"] for t in snap.pending_tickets() if t.get("status") == "closed"]
        if snap.archived:
            year = re.match(r"[A-Z]+-(\d{4})", prefix)
            months = [m for m in snap.summary_months() if not year or m.startswith(year[1])]
            ids += [row["id"] for row in snap.summaries(months)
                    if isinstance(row, dict) and isinstance(row.get("id"), str)]
        return sorted({i for i in ids if i.startswith(prefix)})

    # -- the supervisor's and the administrator's ----------------------------------
    def report(self, since: str | None, until: str | None, group_by: str,
               progress: Progress = SILENT) -> dict[str, Any]:
        from edoc_cli.report import Period, period_report

        now = self.now()
        period = Period.parse(since, until, now, self.tz)
        return period_report(self.store.snapshot(), self.calendar, now, self.tz, period, group_by,
                             progress=progress)

    def sweep(self, dry_run: bool = False):
        from edoc_cli.sweep import sweep

        return sweep(self, dry_run)

    def check(self, progress: Progress = SILENT) -> dict[str, Any]:
        from edoc_cli.integrity import check_store

        return check_store(self.store, self.calendar, self.now(), self.tz, progress)

    def repair(self) -> list[str]:
        from edoc_cli.integrity import repair_store

        return repair_store(self.store)

    def export_lines(self) -> Iterator[str]:
        from edoc_cli.export_import import export_lines

        return export_lines(self.store)

    def import_lines(self, handle, where: str, progress: Progress = SILENT) -> list[str]:
        """Import JSON Lines from a binary file: every record or none; the numbers imported."""
        from edoc_cli.export_import import import_records, prepare_lines, told_lines

        records = prepare_lines(told_lines(handle, progress), where, self.store.summarize)
        import_records(self.store, records, where, progress)
        return [r.id for r in records]

    def init_store(self, roles: bool = False) -> list[str]:
        """Create or upgrade the store's schema (with `roles`: its roles and rights); what was done
        (a JSON store makes its files as it writes, and its rights are the files')."""
        init = getattr(self.store, "init", None)
        return init(roles) if init else []

    def store_info(self) -> dict[str, Any]:
        info = getattr(self.store, "info", None)
        if info:
            return info()
        snap = self.store.snapshot()
        try:
            closed = sum(1 for t in snap.iter_all_tickets(sound_only=False) if isinstance(t, dict)
                         and t.get("status") == "closed")
            return {"backend": "json", "location": self.store.location,
                    "schema_version": snap.meta().get("schema_version"),
                    "open": len(snap.active_tickets()), "closed": closed}
        finally:
            snap.close()

    def calendar_report(self, year: int | None, month: int | None) -> dict[str, Any]:
        from edoc_cli.calendar_view import calendar_report

        return calendar_report(self.calendar, self.config, year or self.now().year, month)

    def calendar_day(self, text: str) -> dict[str, Any]:
        from edoc_cli.calendar_view import day_report

        return day_report(self.calendar, text, self.tz, self.now())

    # -- changes ---------------------------------------------------------------
    def apply(self, snap: Snapshot, ticket: Ticket, action: str, event: dict[str, Any],
              check: Check | None = None) -> list[tuple[dict, dict]]:
        """The one path of every transition, inside a transaction: the state machine, the rule's
        `check`, one history event, the state rebuilt from the history, and on closing the breaches
        not yet recorded. Returns those breaches (event, clock)."""
        ensure_allowed(ticket, action)
        if check:
            check(ticket, snap)
        now = self.now()
        last = parse_instant(ticket["history"][-1]["at"], self.tz)
        if now < last:
            raise UsageError(_(
                "the clock says {now}, earlier than {id}'s last event "
                "({last}): check the system clock or EDOC_NOW; nothing was changed"
            ).format(now=self.iso(now), id=ticket["id"], last=self.iso(last)))
        entry = {"at": self.iso(now), "by": self.operator, **event}
        ticket["history"].append({k: v for k, v in entry.items() if v is not None})
        apply_replay(ticket)
        if self.send_mail and self.config.sends_mail:
            from edoc_cli.mail.outbox import queue

            queued = queue(self, snap, ticket, ticket["history"][-1])
            if queued:
                self.queued.append(queued)
        breaches = []
        if ticket["status"] == "closed" and self.calendar is not None:
            # Closing stops the clocks: a breach the sweep has not seen yet is recorded now.
            breaches = record_breaches(ticket, clocks(ticket, self.calendar, now, self.tz), now, self.tz,
                                       self.operator)
        snap.replace(ticket)
        return breaches

    def _change(self, ticket_id: str, action: str, event: dict[str, Any], check: Check | None = None) -> Ticket:
        with self.store.transaction() as snap:
            ticket = self.get(ticket_id, snap)
            self.apply(snap, ticket, action, event, check)
        self.deliver_queued()
        return ticket

    def edit(self, ticket_id: str, given: dict[str, str]) -> tuple[Ticket, dict[str, Any]]:
        """Correct registration fields through the registration checklist (rules.correction): the
        ticket and the changes recorded in one `edited` event (none, and no event, when every value
        given is the one it holds)."""
        from edoc_cli.rules.correction import correct

        with self.store.transaction() as snap:
            ticket = self.get(ticket_id, snap)
            ensure_allowed(ticket, "edit")
            changes = correct(ticket, given, self.config, self.tz)
            if changes:
                self.apply(snap, ticket, "edit", {"type": "edited", "changes": changes})
            return ticket, changes

    def assign(self, ticket_id: str, assignee: str) -> Ticket:
        name = line_text(assignee, "assignee", _("{flag}: the operator is empty"))
        return self._change(ticket_id, "assign", {"type": "assigned", "assignee": name})

    def reply(self, ticket_id: str, message: str, faq_link: str | None = None) -> Ticket:
        return self._change(ticket_id, "reply", {
            "type": "replied", "message": message_text(message), "faq_link": help_centre.faq_link(faq_link),
        })

    def request_info(self, ticket_id: str, message: str) -> Ticket:
        return self._change(ticket_id, "request_info", {"type": "info_requested", "message": message_text(message)})

    def client_reply(self, ticket_id: str, message: str) -> Ticket:
        return self._change(ticket_id, "client_reply", {"type": "client_replied", "message": message_text(message)})

    def note(self, ticket_id: str, message: str) -> Ticket:
        return self._change(ticket_id, "note", {"type": "note", "message": message_text(message)})

    def diagnose(self, ticket_id: str, priority: str, message: str | None = None) -> Ticket:
        return self._change(ticket_id, "diagnose", {
            "type": "diagnosed", "priority": service_levels.priority(priority),
            "message": message_text(message) if message else None,
        }, lambda ticket, _snap: service_levels.check_diagnosable(ticket))

    def postpone(self, ticket_id: str, reason: str, message: str, until: str | None = None) -> Ticket:
        return self._change(ticket_id, "postpone", {
            "type": "postponed", "reason": postponement.reason(self.config, reason),
            "message": message_text(message), "until": postponement.until(until, self.tz, self.now()),
        })

    def resume(self, ticket_id: str, message: str | None = None) -> Ticket:
        return self._change(ticket_id, "resume", {
            "type": "resumed", "message": message_text(message) if message else None,
        })

    def escalate(self, ticket_id: str, third_party: str, message: str) -> Ticket:
        return self._change(ticket_id, "escalate", {
            "type": "escalated", "third_party": third_party_name(third_party), "message": message_text(message),
        })

    def close(self, ticket_id: str, resolution: str, message: str | None = None,
              faq_link: str | None = None, duplicate_of: str | None = None) -> Ticket:
        one_of("resolution", resolution, RESOLUTIONS)
        termination.check_not_abuse(resolution)
        help_centre.check_faq_closing(resolution, faq_link)
        if (resolution == "duplicate") != bool(duplicate_of):
            raise UsageError(_("{duplicate_of} goes with {resolution} duplicate, and duplicate needs it"),
                             fields={"duplicate_of": "duplicate_of", "resolution": "resolution"})
        link = help_centre.faq_link(faq_link)
        original = normalize_id(duplicate_of) if duplicate_of else None
        event = {
            "type": "closed", "resolution": resolution, "message": message_text(message) if message else None,
            "faq_link": link, "duplicate_of": original,
        }

        def check(ticket: Ticket, snap: Snapshot) -> None:
            if original is not None:
                if original == ticket["id"]:
                    raise UsageError(_("a ticket cannot be a duplicate of itself"))
                self.get(original, snap)
            if resolution == no_response.RESOLUTION:
                self._no_response_check(event)(ticket, snap)

        return self._change(ticket_id, "close", event, check)

    def close_for_no_response(self, snap: Snapshot, ticket: Ticket) -> list[tuple[dict, dict]]:
        """The sweep's close (clause 15), inside its transaction, through the same path as `close`."""
        event = {"type": "closed", "resolution": no_response.RESOLUTION, "message": None, "auto": True}
        return self.apply(snap, ticket, "close", event, self._no_response_check(event))

    def _no_response_check(self, event: dict[str, Any]) -> Check:
        """Clause 15's one decision, and its closing text (filled in under the lock: the actions are
        those recorded by now) on `event`."""
        comment = event["message"]  # the operator's own words (None: the sweep's), kept apart for the letter

        def check(ticket: Ticket, _snap: Snapshot) -> None:
            no_response.check_may_close(ticket, self.calendar, self.tz, self.now())
            event["message"] = no_response.closing_message(ticket, self.tz, comment)
            if comment:
                event["comment"] = comment
        return check

    def reopen(self, ticket_id: str, message: str) -> Ticket:
        return self._change(ticket_id, "reopen", {"type": "reopened", "message": message_text(message)})

    def terminate(self, ticket_id: str, message: str) -> Ticket:
        return self._change(ticket_id, "terminate", {"type": "terminated", "message": message_text(message)})
