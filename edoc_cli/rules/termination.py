"""Clause 16: service stopped for abuse, and complaints about staff, for the supervisor.

`edoc terminate` closes a ticket with the resolution `abuse` (lifecycle), flagged here for the
supervisor's lists of the report; a complaint about staff is registered whatever its topic
(rules.scope) and listed for the supervisor too.
"""

from __future__ import annotations

from typing import Any

from edoc_cli.errors import UsageError
from edoc_cli.i18n import _

ABUSE = "abuse"  # the resolution of a terminated ticket
COMPLAINT_CATEGORIES = ("complaint",)  # a complaint about staff: always in scope, always listed


def for_supervisor(ticket: dict[str, Any]) -> bool:
    """Whether the supervisor's lists show the ticket: terminated, or a complaint."""
    return bool(ticket.get("terminated")) or ticket["category"] in COMPLAINT_CATEGORIES


def terminated_entry(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The report's line for a terminated ticket (who, when, why), or None."""
    stop = summary["terminated"]
    if not stop:
        return None
    return {"id": summary["id"], "at": stop["at"], "by": stop["by"], "client": summary["client"],
            "message": stop["message"]}


def complaint_entry(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The report's line for a complaint about staff, or None."""
    if summary["category"] not in COMPLAINT_CATEGORIES:
        return None
    return {"id": summary["id"], "status": summary["status"], "received_at": summary["received_at"],
            "client": summary["client"], "subject": summary["subject"], "assignee": summary["assignee"]}


def check_not_abuse(resolution: str) -> None:
    """A ticket is closed for abuse only by termination, which records who, when and why for the
    supervisor: never by an ordinary close."""
    if resolution == ABUSE:
        raise UsageError(_("a ticket is closed for abuse with 'edoc terminate' (clause 16)"))
