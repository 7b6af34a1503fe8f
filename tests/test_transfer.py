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
    assert edoc.state() is None  # reading never creates the store


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
        before = edoc.state()

    result = edoc.run("import", str(dump), now=LATER)

    assert result.code == 3, result
    assert "Traceback" not in result.err
    assert f"{dump}:2:" in result.err  # the file and the line number of the bad record
    assert f"{dump}:1:" not in result.err  # the good line is not blamed
    if store_exists:
        assert edoc.state() == before
    else:
        assert edoc.state() is None


def test_import_refuses_a_number_already_in_the_store(edoc, good_record):
    edoc.open_ticket(now=NOW)  # ED-2026-000001
    before = edoc.state()
    new = dict(good_record, id="ED-2026-000050")
    clash = dict(good_record, id="ED-2026-000001")
    dump = edoc.tmp / "clash.jsonl"
    dump.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (new, clash)) + "\n", encoding="utf-8")

    result = edoc.run("import", str(dump), now=LATER)

    assert result.code == 3, result
    assert "ED-2026-000001" in result.err
    assert f"{dump}:2" in result.err  # where the clashing record is
    assert edoc.state() == before
    assert edoc.run("show", "ED-2026-000050", now=LATER).code == 4


def test_import_of_a_missing_file_is_a_usage_error(edoc):
    result = edoc.run("import", str(edoc.tmp / "nope.jsonl"), now=NOW)
    assert result.code == 2
    assert "nope.jsonl" in result.err
    assert edoc.state() is None


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


@pytest.mark.json_only(reason="edits by hand of the JSON file (a database's: test_postgres)")
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
    before = edoc.state()

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
    assert edoc.state() == before  # check never repairs by itself


# -- hostile text, big numbers, and the form records come in ------------------------------


@pytest.mark.parametrize("where, line", [
    ("a value", '"description": "до \\ud800 после"'),
    ("a key", '"details": {"\\udc00": null}'),
])
def test_import_refuses_a_lone_surrogate_escape(edoc, good_record, where, line):
    # JSON can carry "\ud800", which no UTF-8 file or terminal can take: accepted, it made every
    # later write of the store (and `export`) fail with a traceback.
    key = line.split(":", 1)[0]
    record = {k: v for k, v in good_record.items() if f'"{k}"' != key}
    text = json.dumps(record, ensure_ascii=False)[:-1] + ", " + line + "}"
    dump = edoc.tmp / "surrogate.jsonl"
    dump.write_text(text + "\n", encoding="utf-8")

    result = edoc.run("import", str(dump), now=LATER)

    assert result.code == 3, result
    assert "Traceback" not in result.err and "unexpected" not in result.err
    assert f"{dump}:1:" in result.err and "is not valid UTF-8 text" in result.err
    assert edoc.state() is None


def test_a_surrogate_pair_is_an_ordinary_character(edoc, good_record):
    record = dict(good_record, subject="Подпись не ставится 😀")
    text = json.dumps(record)  # ensure_ascii: the emoji is written as the pair \ud83d\ude00
    assert "\\ud83d\\ude00" in text
    dump = edoc.tmp / "pair.jsonl"
    dump.write_text(text + "\n", encoding="utf-8")
    assert edoc.run("import", str(dump), now=LATER).code == 0
    assert edoc.ticket(record["id"], now=LATER)["subject"] == "Подпись не ставится 😀"
    assert edoc.run("check", now=LATER).code == 0


def test_numbers_past_999999_are_ordered_as_numbers(edoc, good_record):
    # As text "ED-2026-999999" sorts after "ED-2026-1000000": the sequence must follow the number.
    dump = edoc.tmp / "big.jsonl"
    dump.write_text("".join(json.dumps(dict(good_record, id=i), ensure_ascii=False) + "\n"
                            for i in ("ED-2026-1000000", "ED-2026-999999")), encoding="utf-8")
    assert edoc.run("import", str(dump), now=LATER).code == 0
    assert edoc.open_ticket(now=LATER) == "ED-2026-1000001"
    assert edoc.run("check", now=LATER).code == 0


def test_records_in_any_json_form_are_stored_as_records(edoc):
    # Indentation-free but spaced, \u-escaped Cyrillic, a byte order mark, CRLF: the archive
    # keeps a closed record's text as it came, and every reader must see the same record.
    fill(edoc)
    records = [json.loads(line) for line in export(edoc)]
    forms = [
        "\ufeff" + json.dumps(records[0]),                    # BOM, ASCII escapes, ", " and ": "
        json.dumps(records[1], ensure_ascii=False, indent=None, separators=(" ,", " : ")),
        json.dumps(records[2], ensure_ascii=False) + "\r",
    ]
    dump = edoc.tmp / "forms.jsonl"
    dump.write_bytes("\n".join(forms).encode("utf-8") + b"\n")
    other = {"EDOC_STORE": str(edoc.tmp / "other" / "tickets.json")}
    result = edoc.run("import", str(dump), now=LATER, env=other)
    assert result.code == 0, result
    assert edoc.run("export", now=LATER, env=other).out.splitlines() == export(edoc)
    assert edoc.run("check", now=LATER, env=other).code == 0
    assert edoc.run("show", records[0]["id"], "--json", now=LATER, env=other).json()["status"] == "closed"


# -- a big import: checked by worker processes ------------------------------------------

BIG = 6000  # over transfer.POOL_FROM_LINES, so the workers check it


def big_dump(edoc, path, bad: dict[int, bytes] | None = None) -> list[dict]:
    """BIG records from the three of `fill` (one closed), numbered 1..BIG; line n replaced by bad[n]."""
    fill(edoc)
    templates = [json.loads(line) for line in export(edoc)]
    records = [dict(templates[n % 3], id=f"ED-2025-{n:06d}") for n in range(1, BIG + 1)]
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in records]
    for n, raw in (bad or {}).items():
        lines[n - 1] = raw
    path.write_bytes(b"\n".join(lines) + b"\n")
    return records


def test_the_workers_check_exactly_as_this_process_does(edoc):
    from edoc_cli.errors import ValidationFailed
    from edoc_cli.export_import import POOL_FROM_LINES, bounded_lines, prepare_lines

    assert BIG > POOL_FROM_LINES
    dump = edoc.tmp / "big.jsonl"
    big_dump(edoc, dump)
    summarize = edoc.environment().store.summarize

    def prepared(workers):
        with open(dump, "rb") as handle:
            return prepare_lines(bounded_lines(handle), "big.jsonl", summarize, workers=workers)

    alone, pooled = prepared(1), prepared(2)
    assert len(alone) == BIG and pooled == alone
    assert sum(r.closed for r in alone) == BIG // 3 and all(r.summary for r in alone if r.closed)

    # Bad lines far apart (in different chunks): the same problems, in line order, either way.
    good = dump.read_bytes().split(b"\n")
    bad = {2: b"{not json", 2500: good[0], 5999: b'["a list"]'}
    big_dump(edoc, dump, bad)
    messages = []
    for workers in (1, 2):
        with pytest.raises(ValidationFailed) as failed:
            prepared(workers)
        messages.append((str(failed.value), failed.value.problems))
    assert messages[0] == messages[1]
    lines = messages[0][1]
    assert [line.split(":")[1] for line in lines] == ["2", "2500", "5999"], lines
    assert "ED-2025-000001 is already on line 1" in lines[1]


def test_a_big_import_through_the_cli_lands_whole(edoc):
    dump = edoc.tmp / "big.jsonl"
    records = big_dump(edoc, dump)
    other = {"EDOC_STORE": str(edoc.tmp / "other" / "tickets.json")}
    result = edoc.proc("import", str(dump), "--json", now=LATER, env=other)
    assert result.code == 0, result
    assert result.json()["imported"] == BIG
    exported = edoc.run("export", now=LATER, env=other).out.splitlines()
    assert [json.loads(line) for line in exported] == records
    assert edoc.run("check", now=LATER, env=other).code == 0


def test_store_info_is_a_card_of_what_the_store_holds(edoc):
    edoc.open_ticket(now=NOW)
    result = edoc.run("store", "info", now=NOW)
    assert result.code == 0, result
    # In a pipe, as every card: labels in the run's language and a tab (scripts read --json).
    lines = dict(line.split(":\t", 1) for line in result.out.splitlines())
    assert lines["store"] == ("JSON files" if edoc.kind == "json" else "PostgreSQL")
    assert (lines["open tickets"], lines["closed tickets"]) == ("1", "0")
    assert "None" not in result.out  # no Python words on a person's screen
    ru = dict(line.split(":\t", 1) for line in edoc.run("--lang", "ru", "store", "info", now=NOW).out.splitlines())
    assert ru["открытых обращений"] == "1"
    assert ru["хранилище"] == ("файлы JSON" if edoc.kind == "json" else "PostgreSQL")
