"""Clauses 2, 3 and 13: service levels and their targets.

The client's level on a date comes from the configuration's registry of contracts (clause 3,
basic otherwise); the targets of a ticket are those of its level and category when it was
registered (stored on it, so a later configuration never rewrites its history); a bug's targets
follow the priority its diagnosis sets (clause 13), the normal ones until then.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from edoc_cli.config import Config, as_date
from edoc_cli.errors import NotAllowed
from edoc_cli.i18n import _
from edoc_cli.rules.checklist import one_of
from edoc_cli.ticket import DEFAULT_PRIORITY, PRIORITIES


def sla_level_for(config: Config, client: dict[str, Any], on: date) -> str:
    """The client's service level on a date (clause 3): a contract in the registry, else basic."""
    ids = {client.get("iin"), client.get("bin")} - {None}
    for entry in config.clients:
        ident = entry.get("bin") or entry.get("iin")
        if ident not in ids:
            continue
        start = as_date(entry["valid_from"]) if "valid_from" in entry else date.min
        end = as_date(entry["valid_to"]) if "valid_to" in entry else date.max
        if start <= on <= end:
            return entry.get("level", "vip")
    return "basic"


def registration_rules(config: Config, level: str, category: str) -> dict[str, Any]:
    """The targets, risk share and no-response timer a new ticket is registered under (its sla_rules)."""
    return {
        **config.sla_rules(level, category),
        "warn_at": config.warn_at,
        "auto_close_minutes": config.auto_close_minutes,
    }


def targets(ticket: dict[str, Any]) -> dict[str, Any]:
    """The targets in force (minutes) and the rule they came from."""
    rules = ticket["sla_rules"]
    if "by_priority" in rules:
        priority = ticket.get("priority") or DEFAULT_PRIORITY
        pair = rules["by_priority"][priority]
        undiagnosed = "" if ticket.get("priority") else " (not yet diagnosed)"
        return {"first_response": pair["first_response"], "resolution": pair["resolution"],
                "rule": f"{rules['rule']}.{priority}{undiagnosed}"}
    return {"first_response": rules["first_response"], "resolution": rules["resolution"],
            "rule": rules["rule"]}


def priority(value: str) -> str:
    """A priority a diagnosis may set (clause 13), or a usage error listing them."""
    return one_of("priority", value, PRIORITIES)


def check_diagnosable(ticket: dict[str, Any]) -> None:
    """Only a request whose targets follow a priority (a bug) is diagnosed (clause 13)."""
    if "by_priority" not in ticket["sla_rules"]:
        raise NotAllowed(_("{id} is a {category} request: only bugs are diagnosed (clause 13)").format(
            id=ticket["id"], category=ticket["category"]))
