"""export / import (JSON Lines of whole tickets) and `edoc check`, through the CLI.

SPEC.md: "JSON Lines of whole tickets, history included; import refuses
duplicates and invalid records, and writes nothing unless every record is
valid"; numbers are "never reused"; `check` verifies "parses, schema, unique
numbers, history consistent with status" (exit 7 when it does not hold).
"""

from __future__ import annotations

import json
import pytest

from conftest import BUG_FIELDS, request_args

NOW = "2026-11-26T10:00:00+05:00"
LATER = "2026-11-26T12:00:00+05:00"


def fill(edoc) -> list[str]:
    """Three tickets with some history, registered out of alphabetical subject order."""
    a = edoc.open_ticket(now=NOW, subject="Вопрос о тарифах", topic="tariffs")
    b = edoc.open_ticket(now=NOW, **BUG_FIELDS)
    c = edoc.open_ticket(now=NOW, client_type="guest", iin=None, name="Гость Портала",
                         email="guest@example.kz", subject="Как зарегистрироваться", topic="registration")
    steps = [
        ["assign", a, "petrov"],
        ["reply", a, "--message", "Тарифы на странице помощи"],
        ["close", a, "--resolution", "resolved", "--message", "Ответ дан"],
        ["diagnose", b, "--priority", "high"],
        ["escalate", b, "--third-party", "НУЦ РК", "--message", "сертификат"],
        ["request-info", c, "--message", "Уточните ИИН"],
    ]
    for step in steps:
        assert edoc.run(*step, now=LATER).code == 0, step
    return [a, b, c]


def export(edoc) -> list[str]:
    result = edoc.run("export", now=LATER)
    assert result.code == 0, result
    assert result.out.endswith("\n")
    return result.out.splitlines()


def store_data(edoc) -> dict:
    return json.loads(edoc.store.read_text(encoding="utf-8"))


def write_store(edoc, data: dict) -> None:
    edoc.store.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


# -- export ---------------------------------------------------------------------------


def test_export_is_one_whole_ticket_a_line_sorted_by_number(edoc):
    ids = fill(edoc)
    lines = export(edoc)
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == ["ED-2026-000001", "ED-2026-000002", "ED-2026-000003"] == ids
    first = records[0]
    assert [e["type"] for e in first["history"]] == ["opened", "assigned", "replied", "closed"]
    assert first["status"] == "closed" and first["resolution"]["code"] == "resolved"
    assert [e["type"] for e in records[1]["history"]] == ["opened", "diagnosed", "escalated"]
    assert records[2]["client"]["type"] == "guest"


def test_export_of_an_empty_or_missing_store_prints_nothing(edoc):
    result = edoc.run("export", now=NOW)
    assert (result.code, result.out) == (0, "")
    assert not edoc.store.exists()  # reading never creates the store


def test_export_then_import_into_an_empty_store_reproduces_the_tickets(edoc, tmp_path):
    fill(edoc)
    lines = export(edoc)
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")

    other = {"EDOC_STORE": str(tmp_path / "other" / "tickets.json")}
    imported = edoc.run("import", str(dump), "--json", now=LATER, env=other)
    assert imported.code == 0, imported
    assert imported.json() == {"imported": 3, "ids": ["ED-2026-000001", "ED-2026-000002", "ED-2026-000003"]}
    again = edoc.run("export", now=LATER, env=other)
    assert again.out.splitlines() == lines
    for tid in ("ED-2026-000001", "ED-2026-000003"):
        assert edoc.run("show", tid, "--json", now=LATER, env=other).json() == edoc.ticket(tid, now=LATER)
    assert edoc.run("check", now=LATER, env=other).code == 0


def test_import_from_stdin(edoc, tmp_path):
    fill(edoc)
    lines = export(edoc)
    other = {"EDOC_STORE": str(tmp_path / "other" / "tickets.json")}
    result = edoc.run("import", "-", now=LATER, env=other, input="\n".join(lines) + "\n")
    assert result.code == 0, result
    assert edoc.run("export", now=LATER, env=other).out.splitlines() == lines


def test_imported_number_is_never_reused(edoc, tmp_path):
    edoc.open_ticket(now=NOW)
    record = json.loads(export(edoc)[0])
    record["id"] = "ED-2026-000007"
    dump = tmp_path / "seven.jsonl"
    dump.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")

    fresh = {"EDOC_STORE": str(tmp_path / "fresh" / "tickets.json")}
    assert edoc.run("import", str(dump), now=LATER, env=fresh).code == 0
    opened = edoc.run("open", "--no-input", *request_args(), now=LATER, env=fresh)
    assert opened.code == 0, opened
    assert opened.out.strip() == "ED-2026-000008"
    assert edoc.run("check", now=LATER, env=fresh).code == 0


# -- import refusals ------------------------------------------------------------------


def _set(key, value):
    def change(r):
        r[key] = value
    return change


def _drop(key):
    def change(r):
        del r[key]
    return change


# (the bad second line of the file, as bytes) from a good record
BAD_LINES = {
    "missing field": lambda r: _dumps(r, _drop("subject")),
    "missing history": lambda r: _dumps(r, _drop("history")),
    "bad status": lambda r: _dumps(r, _set("status", "done")),
    "bad number": lambda r: _dumps(r, _set("id", "TICKET-7")),
    "time without offset": lambda r: _dumps(r, _set("created_at", "2026-11-26T10:00:00")),
    "status inconsistent with history": lambda r: _dumps(r, _set("status", "closed")),
    "history not starting with opened": lambda r: _dumps(
        r, lambda t: t["history"][0].update(type="note")),
    "empty history": lambda r: _dumps(r, _set("history", [])),
    "NUL byte": lambda r: _dumps(r, _set("description", "до\x00после")),
    "not JSON": lambda r: b'{"id": "ED-2026-000002", "status": ',
    "JSON but not an object": lambda r: b'["ED-2026-000002"]',
    "invalid UTF-8": lambda r: _dumps(r, _set("subject", "SUBJ")).replace(b"SUBJ", b"\xff\xfe"),
    "duplicate within the file": lambda r: _dumps(r, lambda t: None),
}


def _dumps(record: dict, change) -> bytes:
    bad = json.loads(json.dumps(record))
    change(bad)
    return json.dumps(bad, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def good_record(edoc) -> dict:
    """A valid exported ticket, from a scratch store (the test's own store stays untouched)."""
    scratch = {"EDOC_STORE": str(edoc.tmp / "scratch" / "tickets.json")}
    assert edoc.run("open", *request_args(), now=NOW, env=scratch).code == 0
    return json.loads(edoc.run("export", now=NOW, env=scratch).out)


@pytest.mark.parametrize("store_exists", [False, True], ids=["no-store", "store"])
@pytest.mark.parametrize("case", list(BAD_LINES))
def test_import_refuses_an_invalid_record_and_writes_nothing(edoc, good_record, case, store_exists):
    first = dict(good_record, id="ED-2026-000101")
    second = dict(good_record, id="ED-2026-000101" if case == "duplicate within the file" else "ED-2026-000102")
    dump = edoc.tmp / "bad.jsonl"
    dump.write_bytes(json.dumps(first, ensure_ascii=False).encode() + b"\n" + BAD_LINES[case](second) + b"\n")
    if store_exists:
        edoc.open_ticket(now=NOW)
        before = edoc.store.read_bytes()

    result = edoc.run("import", str(dump), now=LATER)

    assert result.code == 3, result
    assert "Traceback" not in result.err
    assert f"{dump}:2:" in result.err  # the file and the line number of the bad record
    assert f"{dump}:1:" not in result.err  # the good line is not blamed
    if store_exists:
        assert edoc.store.read_bytes() == before
    else:
        assert not edoc.store.exists()


def test_import_refuses_a_number_already_in_the_store(edoc, good_record):
    edoc.open_ticket(now=NOW)  # ED-2026-000001
    before = edoc.store.read_bytes()
    new = dict(good_record, id="ED-2026-000050")
    clash = dict(good_record, id="ED-2026-000001")
    dump = edoc.tmp / "clash.jsonl"
    dump.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (new, clash)) + "\n", encoding="utf-8")

    result = edoc.run("import", str(dump), now=LATER)

    assert result.code == 3, result
    assert "ED-2026-000001" in result.err
    assert f"{dump}:2" in result.err  # where the clashing record is
    assert edoc.store.read_bytes() == before
    assert edoc.run("show", "ED-2026-000050", now=LATER).code == 4


def test_import_of_a_missing_file_is_a_usage_error(edoc):
    result = edoc.run("import", str(edoc.tmp / "nope.jsonl"), now=NOW)
    assert result.code == 2
    assert "nope.jsonl" in result.err
    assert not edoc.store.exists()


# -- check ------------------------------------------------------------------------------


def test_check_passes_on_a_good_store(edoc):
    fill(edoc)
    result = edoc.run("check", now=LATER)
    assert result.code == 0, result
    assert result.out == ""
    report = edoc.run("check", "--json", now=LATER).json()
    assert report["ok"] is True
    assert report["tickets"] == 3
    assert report["problems"] == []


def _status_disagrees(data):
    data["tickets"]["2"]["status"] = "closed"  # the history says it is still open


def _duplicate_number(data):
    data["tickets"]["4"] = json.loads(json.dumps(data["tickets"]["2"]))


def _sequence_behind(data):
    data["meta"]["1"]["sequences"]["ED-2026"] = 2  # but ED-2026-000003 exists


@pytest.mark.parametrize("edit,names", [
    (_status_disagrees, ["ED-2026-000002", "status"]),
    (_duplicate_number, ["ED-2026-000002", "more than once"]),
    (_sequence_behind, ["ED-2026-000003", "sequence"]),
], ids=["status-vs-history", "duplicate-number", "sequence-behind"])
def test_check_finds_hand_edits(edoc, edit, names):
    fill(edoc)
    data = store_data(edoc)
    edit(data)
    write_store(edoc, data)
    before = edoc.store.read_bytes()

    result = edoc.run("check", now=LATER)
    assert result.code == 7, result
    assert "Traceback" not in result.err
    problem_lines = [line for line in result.err.splitlines() if line.lstrip().startswith("-")]
    assert len(problem_lines) == 1, result.err
    for word in names:
        assert word in problem_lines[0]

    report = edoc.run("check", "--json", now=LATER)
    assert report.code == 7
    body = report.json()
    assert body["ok"] is False
    # The store file holds the open tickets; ED-2026-000001 (closed) is counted from the archive.
    assert isinstance(body["tickets"], int) and body["tickets"] == len(data["tickets"]) + 1
    assert len(body["problems"]) == 1 and all(w in body["problems"][0] for w in names)
    assert edoc.store.read_bytes() == before  # check never repairs by itself
