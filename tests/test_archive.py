"""The store layout for years of history: open work in the store, closed tickets archived."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import BUG_FIELDS

pytestmark = pytest.mark.json_only(reason="the archive's files and buckets")


NOW = "2026-11-26T10:00:00+05:00"
LATER = "2026-11-26T11:00:00+05:00"
NEXT_DAY = "2026-11-27T10:00:00+05:00"


def archive(edoc) -> Path:
    return edoc.store.parent / "tickets.json.archive"


def store_ids(edoc) -> list[str]:
    data = json.loads(edoc.store.read_bytes())
    return sorted(t["id"] for t in data["tickets"].values())


def archive_ids(edoc, name: str, table: str = "tickets") -> list[str]:
    path = archive(edoc) / name
    if not path.exists():
        return []
    return sorted(t["id"] for t in json.loads(path.read_bytes())[table].values())


def three_tickets(edoc) -> tuple[str, str, str]:
    a = edoc.open_ticket(now=NOW)
    b = edoc.open_ticket(now=NOW, **BUG_FIELDS)
    c = edoc.open_ticket(now=NOW)
    assert edoc.run("close", a, "--resolution", "resolved", "-m", "done", now=LATER).code == 0
    return a, b, c


def test_a_closed_ticket_moves_to_its_bucket_with_a_summary(edoc):
    a, b, c = three_tickets(edoc)
    assert store_ids(edoc) == [b, c]                       # everyday commands read only these
    assert archive_ids(edoc, "ED-2026-000.json") == [a]    # numbers 0..999 of 2026
    assert archive_ids(edoc, "summary-2026-11.json", "summaries") == [a]
    summary = json.loads((archive(edoc) / "summary-2026-11.json").read_bytes())["summaries"]["1"]
    # Closed 1 h after registration on a working Thursday: 60 working minutes to both targets.
    assert summary["fr"] == [240, True, 60, False] and summary["res"] == [960, True, 60, False]
    # show, list --all and export still see it.
    assert edoc.ticket(a)["status"] == "closed"
    listed = edoc.run("list", "--all", "--json", now=LATER).json()
    assert sorted(t["id"] for t in listed) == [a, b, c]
    assert sorted(t["id"] for t in edoc.run("list", "--json", now=LATER).json()) == [b, c]
    exported = [json.loads(line)["id"] for line in edoc.run("export").out.splitlines()]
    assert exported == [a, b, c]


def test_reopen_brings_it_back_from_the_archive(edoc):
    a, b, c = three_tickets(edoc)
    result = edoc.run("reopen", a, "-m", "again", now=NEXT_DAY)
    assert result.code == 0, result
    assert store_ids(edoc) == [a, b, c]
    assert archive_ids(edoc, "ED-2026-000.json") == []
    assert archive_ids(edoc, "summary-2026-11.json", "summaries") == []
    assert edoc.ticket(a, now=NEXT_DAY)["status"] == "open"
    assert edoc.run("check", now=NEXT_DAY).code == 0


def test_numbers_fall_into_buckets_of_a_thousand(edoc):
    # Import puts closed tickets straight into their buckets: 999 in -000, 1000 in -001.
    first = edoc.open_ticket(now=NOW)
    assert edoc.run("close", first, "--resolution", "resolved", now=LATER).code == 0
    line = json.loads(edoc.run("export").out)
    lines = []
    for n in (999, 1000):
        record = dict(line, id=f"ED-2026-{n:06d}")
        lines.append(json.dumps(record, ensure_ascii=False))
    source = edoc.tmp / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert edoc.run("import", str(source)).code == 0
    assert archive_ids(edoc, "ED-2026-000.json") == [first, "ED-2026-000999"]
    assert archive_ids(edoc, "ED-2026-001.json") == ["ED-2026-001000"]
    assert edoc.open_ticket(now=LATER) == "ED-2026-001001"


def test_a_stale_archive_copy_never_wins_over_the_store(edoc):
    # A crash after the archive gained a copy but before the store was written leaves the
    # ticket in both places: the store's copy is the one every command sees.
    a, b, c = three_tickets(edoc)
    bucket = archive(edoc) / "ED-2026-000.json"
    data = json.loads(bucket.read_bytes())
    stale = json.loads(edoc.run("show", b, "--json", now=LATER).out)
    stale = {k: v for k, v in stale.items() if k not in ("sla",)}
    stale["subject"] = "STALE COPY"
    data["tickets"]["9"] = stale
    bucket.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert edoc.ticket(b, now=LATER)["subject"] != "STALE COPY"
    exported = [json.loads(line) for line in edoc.run("export").out.splitlines()]
    assert [t["id"] for t in exported] == [a, b, c]
    assert all(t["subject"] != "STALE COPY" for t in exported)


def test_a_late_close_records_the_breach_at_once(edoc):
    # Registered Thu 10:00, closed Mon 11-30 10:00: 8 + 9 + 1 = 18 working h > 16 h resolution,
    # and no reply before: first response (4 h) breached too. No sweep ran in between.
    tid = edoc.open_ticket(now=NOW)
    closed = edoc.run("close", tid, "--resolution", "resolved", "--json", now="2026-11-30T10:00:00+05:00")
    assert closed.code == 0, closed
    breaches = [e["target"] for e in closed.json()["history"] if e["type"] == "breached"]
    assert breaches == ["first_response", "resolution"]


def _as_schema_1(edoc) -> bytes:
    """The same tickets as one schema 1 file (as edoc before the archive wrote it)."""
    tickets = [json.loads(line) for line in edoc.run("export").out.splitlines()]
    sequences = json.loads(edoc.store.read_bytes())["meta"]["1"]["sequences"]
    data = {"meta": {"1": {"schema_version": 1, "sequences": sequences}},
            "tickets": {str(i + 1): t for i, t in enumerate(tickets)}}
    return json.dumps(data, ensure_ascii=False).encode()


def test_a_schema_1_store_is_read_as_it_is_and_migrated_on_the_first_write(edoc, tmp_path):
    a, b, c = three_tickets(edoc)
    exported = edoc.run("export").out
    v1 = _as_schema_1(edoc)
    report_before = edoc.run("report", "--json", now=NEXT_DAY).json()
    # A fresh folder holding only the schema 1 file.
    old = type(edoc)(tmp_path / "old")
    old.store.parent.mkdir(parents=True)
    old.store.write_bytes(v1)

    # Reading does not migrate (a reader takes no lock and writes nothing).
    assert old.run("list", "--all", "--json", now=NEXT_DAY).code == 0
    assert old.ticket(a, now=NEXT_DAY)["status"] == "closed"
    assert old.run("report", "--json", now=NEXT_DAY).json() == report_before
    assert old.store.read_bytes() == v1

    # The first write migrates: a backup byte-for-byte, the closed ticket archived, nothing lost.
    d = old.open_ticket(now=NEXT_DAY)
    backups = sorted(old.store.parent.glob("tickets.json.backup-v1-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == v1
    assert backups[0].stat().st_mode & 0o777 == 0o600
    meta = json.loads(old.store.read_bytes())["meta"]["1"]
    assert meta["schema_version"] == 3 and meta["sequences"] == {"ED-2026": 4}
    assert sorted(t["id"] for t in json.loads(old.store.read_bytes())["tickets"].values()) == [b, c, d]
    assert archive_ids(old, "ED-2026-000.json") == [a]
    after = old.run("export").out.splitlines()
    assert [x for x in after if json.loads(x)["id"] != d] == exported.splitlines()
    assert old.run("check", now=NEXT_DAY).code == 0


def test_report_from_summaries_equals_report_from_full_replay(edoc, tmp_path):
    # Archived tickets are reported from their summaries; a schema 1 copy of the same store is
    # reported by replaying every history. Both must agree to the last figure.
    a, b, c = three_tickets(edoc)
    assert edoc.run("terminate", c, "-m", "insults", now=LATER).code == 0
    assert edoc.run("reply", b, "-m", "ok", "--faq-link", "https://help.e-doc.kz/sign", now=LATER).code == 0
    for group in ("category", "level", "channel", "assignee", "priority"):
        archived = edoc.run("report", "--json", "--group-by", group, now=NEXT_DAY).json()
        copy = type(edoc)(tmp_path / group)
        copy.store.parent.mkdir(parents=True)
        copy.store.write_bytes(_as_schema_1(edoc))
        replayed = copy.run("report", "--json", "--group-by", group, now=NEXT_DAY).json()
        assert archived == replayed
        assert archived["total"]["terminated"] == 1 and archived["total"]["closed"] == 2


def test_check_proves_summaries_and_recorded_breaches_against_a_replay(edoc):
    a, b, c = three_tickets(edoc)
    assert edoc.run("check", now=NEXT_DAY).code == 0
    path = archive(edoc) / "summary-2026-11.json"
    good = path.read_bytes()
    data = json.loads(good)
    data["summaries"]["1"]["res"][2] = 5  # hand-edited: 5 minutes instead of 60
    path.write_text(json.dumps(data), encoding="utf-8")
    result = edoc.run("check", now=NEXT_DAY)
    assert result.code == 7 and f"{a}: its report summary differs" in result.err
    path.write_bytes(good)
    # A breach recorded where none happened (ticket b was registered 10:00, checked 11:00).
    store = json.loads(edoc.store.read_bytes())
    doc = next(d for d in store["tickets"].values() if d["id"] == b)
    doc["history"].append({"at": LATER, "by": "x", "type": "breached", "target": "first_response"})
    edoc.store.write_text(json.dumps(store, ensure_ascii=False), encoding="utf-8")
    result = edoc.run("check", now=LATER)
    assert result.code == 7 and "breach of first_response is recorded" in result.err


def test_a_migration_that_cannot_finish_leaves_the_schema_1_store_untouched(edoc, tmp_path):
    # The archive cannot be written (its path is taken by a file): the migration stops before
    # its last step, so the old file stays exactly as it was and every command still reads it.
    a, b, c = three_tickets(edoc)
    v1 = _as_schema_1(edoc)
    old = type(edoc)(tmp_path / "old")
    old.store.parent.mkdir(parents=True)
    old.store.write_bytes(v1)
    (old.store.parent / "tickets.json.archive").write_text("in the way")
    result = old.run("note", b, "-m", "x", now=NEXT_DAY)
    assert result.code != 0 and "Traceback" not in result.err
    assert old.store.read_bytes() == v1
    assert old.ticket(a, now=NEXT_DAY)["status"] == "closed"
    # Once the way is clear, the next write migrates and nothing was lost.
    (old.store.parent / "tickets.json.archive").unlink()
    assert old.run("note", b, "-m", "x", now=NEXT_DAY).code == 0
    assert json.loads(old.store.read_bytes())["meta"]["1"]["schema_version"] == 3
    assert [json.loads(x)["id"] for x in old.run("export").out.splitlines()] == [a, b, c]


def _half_a_year(edoc) -> dict[str, str]:
    """Tickets registered June to November 2026, archived or open, a few of every kind the report lists."""
    made = {}
    for month, day in (("06", "15"), ("07", "15"), ("08", "14"), ("09", "15"), ("10", "15"), ("11", "16")):
        at = f"2026-{month}-{day}T10:00:00+05:00"
        later = f"2026-{month}-{day}T12:00:00+05:00"
        made[f"closed-{month}"] = edoc.open_ticket(now=at)
        assert edoc.run("close", made[f"closed-{month}"], "--resolution", "resolved", "-m", "Решено",
                        now=later).code == 0
        made[f"bug-{month}"] = edoc.open_ticket(now=at, **{**BUG_FIELDS, "occurred_at": f"2026-{month}-{day}T09:30:00+05:00"})
        made[f"complaint-{month}"] = edoc.open_ticket(now=at, category="complaint", channel="email", topic=None)
    assert edoc.run("terminate", made["bug-06"], "-m", "Оскорбления", now="2026-06-15T13:00:00+05:00").code == 0
    made["late"] = edoc.open_ticket(now="2026-07-16T10:00:00+05:00")  # closed after the period below
    assert edoc.run("close", made["late"], "--resolution", "resolved", "-m", "Поздно",
                    now="2026-11-10T10:00:00+05:00").code == 0
    return made


def test_a_long_report_tallied_in_two_processes_equals_one_tallied_in_one(edoc, tmp_path):
    from datetime import datetime

    from edoc_cli.report import PARALLEL_FROM_MONTHS, Period, _months, period_report

    _half_a_year(edoc)
    now = datetime.fromisoformat("2026-11-26T10:00:00+05:00")
    env = edoc.environment()
    for since, until in (("2026-06-01", "2026-11-01"), ("2026-06-01", "2026-11-26"), ("2026-07-20", "2026-11-20")):
        period = Period.parse(since, until, now, env.tz)
        assert len(_months(period, env.tz)) >= PARALLEL_FROM_MONTHS
        for group in ("category", "assignee"):
            alone = period_report(env.store.snapshot(), env.calendar, now, env.tz, period, group, workers=1)
            two = period_report(env.store.snapshot(), env.calendar, now, env.tz, period, group, workers=2)
            assert two == alone
            # ... and both equal the replay of every history (a schema 1 copy has no summaries).
            copy = type(edoc)(tmp_path / f"{since}-{until}-{group}")
            copy.store.parent.mkdir(parents=True)
            copy.store.write_bytes(_as_schema_1(edoc))
            replayed = copy.run("report", "--json", "--since", since, "--until", until, "--group-by", group,
                                now=now.isoformat()).json()
            assert replayed == alone
    first = period_report(env.store.snapshot(), env.calendar, now, env.tz,
                          Period.parse("2026-06-01", "2026-11-01", now, env.tz), workers=2)
    # June to October: 3 a month and the late one = 16; closed by 1 Nov: one a month, and the June bug
    # terminated (a termination closes it, code "abuse"); the late one only on 10 Nov.
    assert (first["total"]["opened"], first["total"]["closed"]) == (16, 6)
    assert first["total"]["terminated"] == 1 and len(first["complaints"]) == 5


def test_a_damaged_month_in_the_older_half_is_reported_not_skipped(edoc):
    # The second process meets the damage; the report must not quietly lose those months.
    _half_a_year(edoc)
    path = archive(edoc) / "summary-2026-06.json"
    path.write_text('{"summaries": {"1": ', encoding="utf-8")
    result = edoc.run("report", "--since", "2026-06-01", "--until", "2026-11-26", "--json")
    assert result.code == 7, result
    assert "summary-2026-06.json" in result.err and "Traceback" not in result.err
