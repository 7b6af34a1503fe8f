"""The cron sweep (clause 15): auto-close, breach records, at-risk warnings.

One locked transaction: every `waiting` ticket whose 8 working hours since
the last information request have run out is closed with `no_response` and
the regulation's wording; every SLA target newly found breached gets one
`breached` history event; tickets past `warn_at` of a target are listed.
Two sweeps at once serialise on the store's lock, and the second finds
nothing left to do, so nothing is ever closed or recorded twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from edoc_cli.errors import StoreCorrupt
from edoc_cli.i18n import _
from edoc_cli.ticket import ACTIVE, TARGETS
from edoc_cli.rules import no_response
from edoc_cli.sla import clocks, record_breaches
from edoc_cli.store import Snapshot
from edoc_cli.store.commit import RUN
from edoc_cli.tz import parse_instant, to_iso



@dataclass
class SweepResult:
    at: str
    closed: list[dict[str, Any]] = field(default_factory=list)
    breached: list[dict[str, Any]] = field(default_factory=list)
    at_risk: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    mail: dict[str, Any] | None = None  # the outbox's delivery after the sweep (mail.outbox.FlushResult)

    @property
    def happened(self) -> bool:
        """Whether anything changed (or, in a dry run, would) or newly needs attention."""
        return bool(self.closed or self.breached or any(r["new"] for r in self.at_risk))

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "dry_run": self.dry_run, "closed": self.closed,
                "breached": self.breached, "at_risk": self.at_risk, "mail": self.mail}


def sweep(desk, dry_run: bool = False) -> SweepResult:
    """Run the sweep as of desk.now() (`desk`: the Desk, which calls this); with dry_run, compute the
    same and write nothing."""
    now, cal = desk.now(), desk.calendar
    if not desk.store.exists():
        # A mistyped EDOC_STORE in a crontab must not go unnoticed (nor create a store).
        raise StoreCorrupt(_("no store at {path}: nothing to sweep (check {where})"), fields={"where": "store"},
                           path=desk.store.location)
    if dry_run:
        send, desk.send_mail = desk.send_mail, False  # a dry run's closes queue no message
        try:
            return _sweep(desk.store.snapshot(), desk, cal, now, dry_run=True)
        finally:
            desk.send_mail = send
    may_close = fetch_first(desk)
    with desk.store.transaction() as snap:
        result = _sweep(snap, desk, cal, now, dry_run=False, may_close=may_close)
    # The closing messages of clause 15 and whatever else is due go now; one that cannot is retried
    # by the next sweep or `edoc mail flush`, and a warning (cron mails it) says why.
    from edoc_cli.mail.outbox import tell

    result.mail = tell(desk.flush_mail(), news_only=True).as_dict()
    return result


def fetch_first(desk) -> bool:
    """Take in the client's mail waiting in the configured Maildir before closing anything: an
    answer that reached the mail server before the auto-close moment wins (README: "Mail").
    Receiving needs no outbound mail: `[mail] maildir` alone is enough. False when the Maildir
    could not be read whole: then this run closes nothing for want of an answer (one may be
    there), while the rest of the sweep goes on, and a warning (cron mails it) says why."""
    where = desk.config.mail.get("maildir")
    if not where:
        return True
    from pathlib import Path

    from edoc_cli.errors import EdocError
    from edoc_cli.mail.maildir import fetch_maildir

    try:
        stopped = fetch_maildir(desk, Path(where).expanduser()).stopped
    except EdocError as exc:
        stopped = exc.render(lambda field: field)
    if stopped:
        RUN.warnings.append(_("the Maildir {path} was not read whole ({problem}): nothing is closed for want of "
                              "an answer this run, since one may be waiting there").format(path=where,
                                                                                          problem=stopped))
    return not stopped


def _sweep(snap: Snapshot, desk, cal, now: datetime, dry_run: bool, may_close: bool = True) -> SweepResult:
    tz = desk.tz
    at = to_iso(now, tz)
    result = SweepResult(at=at, dry_run=dry_run)
    meta = snap.meta()
    last = parse_instant(meta["last_sweep_at"], tz) if meta.get("last_sweep_at") else None
    for ticket in snap.active_tickets():
        if parse_instant(ticket["history"][-1]["at"], tz) > now:
            continue  # this machine's clock is behind the ticket's history: leave it to a sane clock
        try:
            closed, breached, at_risk = _sweep_one(snap, desk, cal, now, last, ticket, may_close)
        except StoreCorrupt as exc:
            # One ticket the store refuses to change (held twice after a restored backup): the others
            # are swept, and cron mails the reason every run until it is repaired.
            RUN.warnings.append(exc.render(lambda field: field))
            continue
        result.closed += closed
        result.breached += breached
        result.at_risk += at_risk
    if not dry_run and meta.get("last_sweep_at") != at:  # a second sweep of the same second writes nothing
        meta["last_sweep_at"] = at
        snap.set_meta(meta)
    return result


def _sweep_one(snap: Snapshot, desk, cal, now: datetime, last: datetime | None,
               ticket: dict[str, Any], may_close: bool = True) -> tuple[list, list, list]:
    """One ticket's part of the sweep: (closed, breached, at risk) entries; the ticket changed in `snap`."""
    tz = desk.tz
    closed, breached, at_risk = [], [], []
    breaches: list = []
    due = no_response.due(ticket, cal, tz, now) if may_close else None
    if due is not None:
        # The same path as `edoc close --resolution no_response`, which stores the ticket (and records
        # its breaches) itself; a dry run's snapshot is never written.
        breaches = desk.close_for_no_response(snap, ticket)
        message = ticket["history"][-1 - len(breaches)]["message"]
        closed.append({"id": ticket["id"], "auto_close_at": to_iso(due, tz), "message": message})
    sla = clocks(ticket, cal, now, tz)  # once per ticket: breaches and risks both read it
    recorded = record_breaches(ticket, sla, now, tz, desk.operator)  # none left on a ticket just closed
    for event, clock in breaches + recorded:
        breached.append({"id": ticket["id"], "target": event["target"], "due_at": clock["due_at"],
                         "elapsed_minutes": clock["elapsed_minutes"], "target_minutes": clock["target_minutes"]})
    earlier = None  # the clocks at the last sweep, worked out only for a ticket at risk
    for target in TARGETS:
        clock = sla[target]
        if clock.get("at_risk") and not clock["breached"] and ticket["status"] in ACTIVE:
            # Compared with the last sweep's instant, the same one included: a second sweep
            # at the same second (cron runs overlapping) must not announce the risk again.
            if earlier is None and last and last <= now:
                earlier = clocks(ticket, cal, last, tz)
            before = earlier[target] if earlier else None
            at_risk.append({
                "id": ticket["id"], "target": target, "due_at": clock["due_at"],
                "elapsed_minutes": clock["elapsed_minutes"], "target_minutes": clock["target_minutes"],
                "new": not (before and before.get("at_risk")),
            })
    if recorded:
        snap.replace(ticket)
    return closed, breached, at_risk
