"""`edoc check`: prove the store is one every later command can rely on."""

from __future__ import annotations

from typing import Any

from edoc_cli.i18n import _
from edoc_cli.records import ticket_problems
from edoc_cli.store import Store, split_number


def check_store(store: Store) -> dict[str, Any]:
    """A report of every problem found; the store's own parse and schema errors raise."""
    snap = store.snapshot()
    tickets = snap.all_tickets()
    problems: list[str] = []
    seen: set[str] = set()
    highest: dict[str, int] = {}
    for ticket in tickets:
        tid = ticket.get("id", "?") if isinstance(ticket, dict) else "?"
        for why in ticket_problems(ticket):
            problems.append(f"{tid}: {why}")
        if tid in seen:
            problems.append(_("{id}: the number is used more than once").format(id=tid))
        seen.add(tid)
        try:
            prefix, year, n = split_number(tid)
        except ValueError:
            continue
        key = f"{prefix}-{year}"
        highest[key] = max(highest.get(key, 0), n)
    sequences = snap.meta().get("sequences", {})
    for key, n in sorted(highest.items()):
        if int(sequences.get(key, 0)) < n:
            problems.append(_(
                "meta: the sequence {key} is at {value} but {id} exists: "
                "a new registration could reuse a number"
            ).format(key=key, value=sequences.get(key, 0), id=f"{key}-{n:06d}"))
    return {"store": str(store.path), "tickets": len(tickets), "ok": not problems, "problems": problems}
