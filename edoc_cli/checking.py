"""`edoc check`: prove the store is one every later command can rely on."""

from __future__ import annotations

from typing import Any

from edoc_cli.i18n import _
from edoc_cli.records import ticket_problems
from edoc_cli.store import Store, split_number


def check_store(store: Store, cal=None, now=None, tz=None) -> dict[str, Any]:
    """A report of every problem found; the store's own parse and schema errors raise.

    With the calendar (cal, now, tz): recorded breaches and archived summaries are also
    proved against a replay of each history.
    """
    snap = store.snapshot()
    problems: list[str] = []
    seen: set[str] = set()
    highest: dict[str, int] = {}
    in_store = {t["id"] for t in snap.pending_tickets()}
    summaries = {row["id"]: row for row in snap.summaries(snap.summary_months())} if snap.archived else {}
    count = 0
    for ticket in snap.iter_all_tickets():
        count += 1
        tid = ticket.get("id", "?") if isinstance(ticket, dict) else "?"
        found = ticket_problems(ticket)
        for why in found:
            problems.append(f"{tid}: {why}")
        if not found and cal is not None:
            problems += [f"{tid}: {why}" for why in _replay_problems(ticket, store, cal, now, tz,
                                                                      summaries, tid not in in_store)]
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
    return {"store": str(store.path), "tickets": count, "ok": not problems, "problems": problems}


def _replay_problems(ticket, store, cal, now, tz, summaries, archived: bool) -> list[str]:
    """Stored SLA figures that a replay of the history does not give."""
    from edoc_cli.sla import clocks

    problems = []
    sla = clocks(ticket, cal, now, tz)
    for event in ticket["history"]:
        target = event.get("target")
        if event["type"] == "breached" and target in sla and not sla[target]["breached"]:
            problems.append(_("a breach of {target} is recorded, but a replay of the history meets it").format(
                target=target))
    if archived:
        if summaries.get(ticket["id"]) != store.summarize(ticket):
            problems.append(_("its report summary differs from a replay of its history"))
    return problems
