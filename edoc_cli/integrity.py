"""`edoc check`: prove the store is one every later command can rely on; `--repair` mends what can be
mended mechanically."""

from __future__ import annotations

from typing import Any

from edoc_cli.i18n import _
from edoc_cli.progress import SILENT, Progress
from edoc_cli.ticket_id import TICKET_ID_RE, sequence_key, sequence_ok, split_number
from edoc_cli.ticket_rules import ticket_problems
from edoc_cli.store import Store


def check_store(store: Store, cal=None, now=None, tz=None, progress: Progress = SILENT) -> dict[str, Any]:
    """A report of every problem found; a store that does not parse at all raises.

    With the calendar (cal, now, tz): recorded breaches and archived summaries are also
    proved against a replay of each history.
    """
    snap = store.snapshot(lenient=True)
    try:
        return _check(snap, store, cal, now, tz, progress)
    finally:
        snap.close()


PROGRESS_EVERY = 256  # tickets between two reports to a Progress


def _check(snap, store: Store, cal, now, tz, progress: Progress) -> dict[str, Any]:
    problems: list[str] = [f"meta: {why}" for why in snap.meta_problems]
    seen: set[str] = set()
    highest: dict[str, int] = {}
    archived_highest: dict[str, int] = {}
    in_store = {t.get("id") for t in snap.pending_records() if isinstance(t, dict)}
    summaries = {row["id"]: row for row in snap.summaries(snap.summary_months())} if snap.archived else {}
    count = 0
    # How many there are, near enough: the open records and the archived tickets' summaries.
    progress.begin(_("check: verifying tickets"), (len(in_store) + len(summaries)) or None)
    for ticket in snap.iter_all_tickets(sound_only=False):
        count += 1
        if not count % PROGRESS_EVERY:
            progress.update(count)
        tid = ticket.get("id", "?") if isinstance(ticket, dict) else "?"
        tid = tid if isinstance(tid, str) else "?"
        found = ticket_problems(ticket)
        problems += [f"{tid}: {why}" for why in found]
        archived = tid not in in_store
        if not found and cal is not None:
            problems += [f"{tid}: {why}" for why in _replay_problems(ticket, store, cal, now, tz,
                                                                      summaries, archived)]
        if tid in seen:
            problems.append(_("{id}: the number is used more than once").format(id=tid))
        seen.add(tid)
        if not TICKET_ID_RE.match(tid):
            continue
        prefix, year, n = split_number(tid)
        key = f"{prefix}-{year}"
        highest[key] = max(highest.get(key, 0), n)
        if archived:
            archived_highest[key] = max(archived_highest.get(key, 0), n)
    problems += snap.own_problems()
    for tid, place in snap.in_both_places():
        problems.append(_(
            "{id}: held both by {store} and by the archive ({file}); every command uses the first copy and "
            "refuses to change it ('edoc check --repair' keeps the later copy)"
        ).format(id=tid, store=store.label, file=place))
        if TICKET_ID_RE.match(tid):
            key = sequence_key(tid)
            archived_highest[key] = max(archived_highest.get(key, 0), split_number(tid)[2])
    for tid in sorted(set(summaries) - seen):
        problems.append(_(
            "{id}: the report summaries list it, but no archive file holds it (deleted?); restore "
            "{file} from a backup"
        ).format(id=tid, file=snap.archive_place(tid)))
    sequences = snap.meta().get("sequences", {})
    sequences = sequences if isinstance(sequences, dict) else {}
    for key, n in sorted(highest.items()):
        value = sequences.get(key, 0)
        if not sequence_ok(key, value) or value < n:
            problems.append(_(
                "meta: the sequence {key} is at {value} but {id} exists: "
                "a new registration could reuse a number ('edoc check --repair' raises it)"
            ).format(key=key, value=repr(value)[:20], id=f"{key}-{n:06d}"))
    if snap.archived:
        for key, issued in sorted(snap.issued().items()):
            value = sequences.get(key, 0)
            if sequence_ok(key, value) and highest.get(key, 0) <= value < issued:
                problems.append(_(
                    "meta: the sequence {key} is at {value}, but numbers up to {id} were issued: {store} is older "
                    "than its archive (restored from a backup?); tickets registered after that backup and still "
                    "open are in neither, unless a later backup holds them ('edoc check --repair' raises the "
                    "counter)").format(key=key, value=value, id=f"{key}-{issued:06d}", store=store.label))
        for key, n in sorted(archived_highest.items()):
            if snap.archive_highest(key) < n:
                problems.append(_(
                    "archive: numbers.json says {value} for {key}, but {id} is archived "
                    "('edoc check --repair' raises it)"
                ).format(key=key, value=snap.archive_highest(key), id=f"{key}-{n:06d}"))
    return {"store": store.location, "tickets": count, "ok": not problems, "problems": problems}


def _replay_problems(ticket, store, cal, now, tz, summaries, archived: bool) -> list[str]:
    """Stored SLA figures that a replay of the history does not give."""
    from edoc_cli.sla import clocks

    problems = []
    sla = clocks(ticket, cal, now, tz)
    # A breach recorded before the category was corrected was measured against the targets of then.
    edits = [i for i, e in enumerate(ticket["history"])
             if e["type"] == "edited" and "category" in (e.get("changes") or {})]
    for event in ticket["history"][edits[-1] + 1 if edits else 0:]:
        target = event.get("target")
        if event["type"] == "breached" and target in sla and not sla[target]["breached"]:
            problems.append(_("a breach of {target} is recorded, but a replay of the history meets it").format(
                target=target))
    if archived:
        if summaries.get(ticket["id"]) != store.summarize(ticket):
            problems.append(_("its report summary differs from a replay of its history"))
    return problems


def repair_store(store: Store) -> list[str]:
    """Mend what needs no judgement, in one transaction; what was done, a line each.

    - counters (meta.sequences, the archive's numbers.json) raised to the highest number in use;
      a malformed counter or last sweep time replaced;
    - a ticket held both by the store proper and by the archive: the copy whose history extends
      the other's is kept, the other removed (copies that differ otherwise are left for a person);
    - report summaries of archived tickets that are missing, damaged or differ from a replay: made
      again from the ticket;
    - on PostgreSQL, sound rows no edoc write signed (edited in psql, restored): signed, so that
      readers trust them again.
    Damaged records and missing archive files are not touched: they need a person and a backup.
    """
    done: list[str] = []
    with store.transaction(lenient=True) as snap:
        meta = snap.meta()
        sequences = meta.get("sequences") if isinstance(meta.get("sequences"), dict) else {}
        fixed = {k: v for k, v in sequences.items() if sequence_ok(k, v)}
        for key in sorted(set(sequences) - set(fixed)):
            done.append(_("meta.sequences.{key}: the malformed value {value} is replaced").format(
                key=str(key)[:20], value=repr(sequences[key])[:20]))
        if meta.get("last_sweep_at") is not None and snap.meta_problems and any(
                "last_sweep_at" in p for p in snap.meta_problems):
            meta.pop("last_sweep_at")
            done.append(_("meta.last_sweep_at: the malformed value is removed (the next sweep announces "
                          "the tickets at risk again)"))
        for tid, place in snap.in_both_places():
            done.append(snap.keep_later_copy(tid, place))
        keys: dict[str, int] = {}
        for tid in list(snap.all_ids()):
            if TICKET_ID_RE.match(tid):
                keys[sequence_key(tid)] = max(keys.get(sequence_key(tid), 0), split_number(tid)[2])
        for key, n in snap.issued().items():  # numbers issued since a backup the store proper came from
            keys[key] = max(keys.get(key, 0), n)
        for key, n in sorted(keys.items()):
            if fixed.get(key, 0) < n:
                done.append(_("meta.sequences.{key}: raised from {old} to {new}").format(
                    key=key, old=fixed.get(key, 0), new=n))
                fixed[key] = n
        meta["sequences"] = fixed
        if done:
            snap.set_meta(meta)
        done += snap.raise_archive_numbers()
        done += snap.rebuild_summaries()
        done += snap.sign_checked()
    return [line for line in done if line]
