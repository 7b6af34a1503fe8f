"""`edoc open --from-json FILE|-`: one object or an array, all or nothing, and registration numbers.

SPEC.md: `--from-json FILE|-` takes one object, or an array to register many;
`--json` prints the ticket (an object) or, for an array, the tickets (an array);
missing or invalid answers exit 3 naming every unmet item; a usage error is 2.
"""

from __future__ import annotations

import json

import pytest

from conftest import IIN

NOW = "2026-11-26T10:00:00+05:00"

# A valid consultation, the same as the harness's request_args() but as JSON.
VALID = {
    "client_type": "user", "name": "Иванов Иван Иванович", "iin": IIN, "email": "ivanov@example.kz",
    "category": "consultation", "channel": "phone", "topic": "profile",
    "subject": "Смена e-mail в профиле", "description": "Клиент хочет сменить адрес почты в профиле",
    "faq_checked": True,
}


def request(**changes) -> dict:
    """VALID with fields changed; a value of None drops the field."""
    out = {**VALID, **changes}
    return {k: v for k, v in out.items() if v is not None}


def store_bytes(edoc) -> bytes | None:
    return edoc.state()


def problem_lines(result) -> list[str]:
    return [line[4:] for line in result.err.splitlines() if line.startswith("  - ")]


def write(edoc, data, name: str = "requests.json") -> str:
    path = edoc.tmp / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def open_json(edoc, data, *extra, now: str | None = None):
    return edoc.run("open", "--from-json", write(edoc, data), *extra, now=now)


def assert_refused(edoc, result, before, code: int = 3) -> None:
    assert result.code == code, result
    assert result.out == "", result
    assert "Traceback" not in result.err
    assert store_bytes(edoc) == before, "a refused input changed the store"


@pytest.fixture
def seeded(edoc):
    """A store with ED-2026-000001 in it, so "nothing stored" is a byte-for-byte comparison."""
    assert edoc.run("open", "--from-json", write(edoc, VALID, "seed.json")).code == 0
    return edoc


# -- one object, many objects --------------------------------------------------------------


def test_one_object_from_a_file_registers_one_ticket(edoc):
    result = open_json(edoc, VALID)
    assert result.code == 0, result
    assert result.out == "ED-2026-000001\n"
    assert "registered 1 request" in result.err
    ticket = edoc.ticket("ED-2026-000001")
    assert ticket["client"]["iin"] == IIN
    assert ticket["subject"] == VALID["subject"]


def test_one_object_with_json_prints_an_object(edoc):
    result = open_json(edoc, VALID, "--json")
    assert result.code == 0, result
    ticket = result.json()
    assert isinstance(ticket, dict)
    assert ticket["id"] == "ED-2026-000001"
    assert (ticket["category"], ticket["channel"], ticket["status"]) == ("consultation", "phone", "new")
    assert ticket["faq"]["checked"] is True


def test_one_object_from_stdin(edoc):
    result = edoc.run("open", "--from-json", "-", "--json", input=json.dumps(VALID))
    assert result.code == 0, result
    assert result.json()["id"] == "ED-2026-000001"


def test_an_array_from_a_real_pipe(edoc):
    # A real process reading a real pipe: what a script does.
    items = [request(), request(client_type="guest", iin=None, name="Гость")]
    result = edoc.proc("open", "--from-json", "-", input=json.dumps(items, ensure_ascii=False))
    assert result.code == 0, result
    assert result.out == "ED-2026-000001\nED-2026-000002\n"
    assert "registered 2 requests" in result.err


def test_an_array_registers_many_and_json_prints_an_array(edoc):
    items = [request(subject="Первый"), request(subject="Второй"), request(subject="Третий")]
    result = open_json(edoc, items, "--json")
    assert result.code == 0, result
    tickets = result.json()
    assert isinstance(tickets, list)
    # In the order given, numbered in that order.
    assert [(t["id"], t["subject"]) for t in tickets] == [
        ("ED-2026-000001", "Первый"), ("ED-2026-000002", "Второй"), ("ED-2026-000003", "Третий"),
    ]


def test_an_array_of_one_still_prints_an_array(edoc):
    result = open_json(edoc, [VALID], "--json")
    assert result.code == 0, result
    assert [t["id"] for t in result.json()] == ["ED-2026-000001"]


def test_the_nested_client_form(edoc):
    data = {
        "client": {"type": "guest", "name": "Петрова Анна", "phone": "8 701 234 5678",
                   "organization": "ТОО «Ромашка»"},
        **{k: v for k, v in VALID.items() if k not in ("client_type", "name", "iin", "email")},
    }
    result = open_json(edoc, data, "--json")
    assert result.code == 0, result
    assert result.json()["client"] == {
        "type": "guest", "name": "Петрова Анна", "iin": None, "bin": None, "login": None,
        "email": None, "phone": "+77012345678",  # 8 701 ... -> +7 701 ...
        "organization": "ТОО «Ромашка»", "lang": "ru",  # the client's language: Russian unless given
    }


def test_attachments_as_a_list_or_one_string(edoc):
    bug = request(category="bug", channel="portal", topic="portal_errors", steps="1. Войти",
                  occurred_at="2026-11-26T09:30", browser="Firefox 133", os="Ubuntu 24.04")
    result = open_json(edoc, [{**bug, "attachments": ["a.png", "b.log"]}, {**bug, "attachment": "c.png"}],
                       "--json")
    assert result.code == 0, result
    assert [t["details"]["attachments"] for t in result.json()] == [["a.png", "b.log"], ["c.png"]]


# -- all or nothing ------------------------------------------------------------------------------


def test_an_invalid_third_item_registers_nothing(seeded):
    before = store_bytes(seeded)
    items = [request(subject="Первый"), request(subject="Второй"), request(email=None)]
    result = open_json(seeded, items)
    assert_refused(seeded, result, before)
    assert problem_lines(result) == [
        "request 3: clause 11: --email: an e-mail or a phone number is required to answer the client",
    ]
    # The sequence was not used up either: the next number is 000002.
    result = open_json(seeded, VALID)
    assert result.out == "ED-2026-000002\n"


def test_every_invalid_item_is_named(seeded):
    before = store_bytes(seeded)
    items = [request(channel="fax"), request(), request(faq_checked=None, topic="eds_issuing")]
    result = open_json(seeded, items)
    assert_refused(seeded, result, before)
    lines = problem_lines(result)
    assert len(lines) == 3
    assert lines[0].startswith("request 1: clause 8: --channel: ")
    assert lines[1].startswith("request 3: clause 6: --topic: ")
    assert lines[2].startswith("request 3: clause 10: --faq-checked/--no-faq-checked: ")


def test_items_of_the_wrong_shape_are_all_named(seeded):
    before = store_bytes(seeded)
    items = [request(name=5), request(), "not an object", request(faq_checked="yes", colour="red")]
    result = open_json(seeded, items)
    assert_refused(seeded, result, before)
    lines = problem_lines(result)
    assert len(lines) == 4, result.err
    assert lines[0] == "request 1: clause 11: --name: must be a string, not a number"
    assert lines[1] == "request 3: a request must be a JSON object, not a string"
    assert "request 4: clause 10: --faq-checked/--no-faq-checked: must be true or false, not a string" in lines
    assert "request 4: clause 12: --colour: is not a field of a request" in lines


# -- what the JSON may hold -------------------------------------------------------------------------


@pytest.mark.parametrize("data, flag, clause, why", [
    (request(colour="red"), "--colour", 12, "is not a field of a request"),
    (request(Name="Иван"), "--Name", 12, "is not a field of a request"),          # keys are exact
    ({**request(client_type=None), "client": {"type": "user", "nickname": "ivan"}},
     "--nickname", 12, "is not a field of a request"),
    (request(name=5), "--name", 11, "must be a string, not a number"),
    (request(name=["Иван"]), "--name", 11, "must be a string, not an array"),
    (request(email={"a": 1}), "--email", 11, "must be a string, not an object"),
    (request(iin=900101301233), "--iin", 11, "must be a string, not a number"),  # a number loses leading zeros
    (request(subject=True), "--subject", 12, "must be a string, not a boolean"),
    (request(faq_checked="yes"), "--faq-checked/--no-faq-checked", 10, "must be true or false, not a string"),
    (request(faq_checked=1), "--faq-checked/--no-faq-checked", 10, "must be true or false, not a number"),
    (request(attachments={"file": "a.png"}), "--attachment", 12, "must be a list of strings"),
    (request(attachments=["a.png", 2]), "--attachment", 12, "must be a list of strings"),
    ({**request(), "client": "Иванов"}, "--client", 11, "must be an object"),
])
def test_unknown_fields_and_wrong_types_refused(seeded, data, flag, clause, why):
    before = store_bytes(seeded)
    result = open_json(seeded, data)
    assert_refused(seeded, result, before)
    assert f"request 1: clause {clause}: {flag}: {why}" in problem_lines(result)


@pytest.mark.parametrize("data", [42, "a string", None, True])
def test_a_top_level_that_is_not_an_object_or_array(seeded, data):
    before = store_bytes(seeded)
    result = open_json(seeded, json.dumps(data))
    assert_refused(seeded, result, before)
    assert "request 1: a request must be a JSON object" in result.err


def test_null_fields_count_as_absent(seeded):
    # null is "not given": the checklist then reports the item as missing.
    before = store_bytes(seeded)
    result = open_json(seeded, {**VALID, "email": None, "faq_checked": None})
    assert_refused(seeded, result, before)
    assert [line.split(": ")[1] for line in problem_lines(result)] == ["--email", "--faq-checked/--no-faq-checked"]


def test_a_nul_byte_in_json_text_is_refused(seeded):
    before = store_bytes(seeded)
    result = open_json(seeded, request(description="до\u0000после"))
    assert_refused(seeded, result, before)
    assert problem_lines(result) == ["clause 12: --description: contains a NUL byte"]


@pytest.mark.parametrize("raw, why", [
    (b'{"name": "Ivan", ', "not valid JSON (line 1, column 18)"),     # cut off after the comma
    (b"{'name': 'Ivan'}", "not valid JSON (line 1, column 2)"),       # single quotes
    (b"", "not valid JSON (line 1, column 1)"),
    (b'{"name": "\xff\xfe"}', "not UTF-8 (byte 10)"),                  # byte 10 (0-based) is \xff
    (b"[]", "nothing to register"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deep"),
])
def test_unreadable_input_exits_3_and_stores_nothing(seeded, raw, why):
    before = store_bytes(seeded)
    result = open_json(seeded, raw)
    assert_refused(seeded, result, before)
    assert why in result.err


def test_a_utf8_byte_order_mark_is_accepted(seeded):
    # Windows Notepad saves UTF-8 with a BOM; the request itself is fine.
    result = open_json(seeded, b"\xef\xbb\xbf" + json.dumps(VALID).encode())
    assert result.code == 0, result
    assert seeded.run("show", result.out.strip(), "--json").json()["client"]["name"] == VALID["name"]


def test_deep_nesting_in_a_real_process_is_a_message_not_a_crash(edoc):
    # A real interpreter: a recursion crash would kill it (negative code) or print a traceback.
    result = edoc.proc("open", "--from-json", "-", input=b"[" * 100_000 + b"]" * 100_000)
    assert result.code == 3, result
    assert result.err.count("\n") == 1 and "nested too deep" in result.err
    assert edoc.state() is None


# -- usage errors: exit 2 -----------------------------------------------------------------------------


@pytest.mark.parametrize("flags", [
    ["--name", "Иван"],
    ["--no-faq-checked"],
    ["--attachment", "a.png"],
    ["--category", "bug", "--channel", "email"],
])
def test_from_json_cannot_be_combined_with_request_flags(seeded, flags):
    before = store_bytes(seeded)
    result = seeded.run("open", "--from-json", write(seeded, VALID), *flags)
    assert_refused(seeded, result, before, code=2)
    assert "--from-json cannot be combined" in result.err


def test_a_missing_file_is_a_usage_error(edoc):
    missing = edoc.tmp / "no-such.json"
    result = edoc.run("open", "--from-json", str(missing))
    assert_refused(edoc, result, None, code=2)
    assert str(missing) in result.err and "no such file or directory" in result.err


def test_a_directory_is_a_usage_error(edoc):
    result = edoc.run("open", "--from-json", str(edoc.tmp))
    assert_refused(edoc, result, None, code=2)


# -- registration numbers ---------------------------------------------------------------------------


def test_numbers_are_sequential_across_runs_and_arrays(edoc):
    assert open_json(edoc, VALID).out == "ED-2026-000001\n"
    assert open_json(edoc, VALID).out == "ED-2026-000002\n"
    assert open_json(edoc, [VALID, VALID, VALID]).out == "ED-2026-000003\nED-2026-000004\nED-2026-000005\n"
    # A refused run in between uses no number.
    assert open_json(edoc, request(email=None)).code == 3
    assert open_json(edoc, VALID).out == "ED-2026-000006\n"


def test_the_year_comes_from_edoc_now_and_restarts_the_sequence(edoc):
    assert open_json(edoc, VALID).out == "ED-2026-000001\n"
    assert open_json(edoc, VALID).out == "ED-2026-000002\n"
    # Monday 4 January 2027, 10:00 in Astana: a new year, a new sequence.
    result = open_json(edoc, VALID, "--json", now="2027-01-04T10:00:00+05:00")
    ticket = result.json()
    assert ticket["id"] == "ED-2027-000001"
    assert ticket["created_at"] == "2027-01-04T10:00:00+05:00"
    assert open_json(edoc, VALID, now="2027-01-04T10:05:00+05:00").out == "ED-2027-000002\n"


def test_the_year_is_the_year_in_astana(edoc):
    # 2026-12-31 19:30 UTC is 2027-01-01 00:30 in Astana (UTC+5): registered in 2027.
    result = open_json(edoc, VALID, "--json", now="2026-12-31T19:30:00Z")
    assert result.code == 0, result
    assert result.json()["id"] == "ED-2027-000001"
    assert result.json()["created_at"] == "2027-01-01T00:30:00+05:00"
    # And 18:59:59 UTC is still 23:59:59 on New Year's Eve there.
    assert open_json(edoc, VALID, now="2026-12-31T18:59:59Z").out == "ED-2026-000001\n"


def test_an_edoc_now_without_an_offset_is_a_usage_error(edoc):
    result = open_json(edoc, VALID, now="2026-11-26T10:00:00")
    assert_refused(edoc, result, None, code=2)
    assert "EDOC_NOW" in result.err


@pytest.mark.parametrize("lang, count, said", [
    ("ru", 2, "зарегистрировано 2 обращения"),
    ("ru", 5, "зарегистрировано 5 обращений"),
    ("ru", 1, "зарегистрировано 1 обращение"),
    ("kk", 5, "5 өтініш тіркелді"),
])
def test_the_count_of_registered_requests_is_said_in_the_languages_own_plural(edoc, lang, count, said):
    items = [request(subject=f"Обращение {n}") for n in range(count)]
    result = edoc.run("--lang", lang, "open", "--from-json", "-", input=json.dumps(items, ensure_ascii=False))
    assert result.code == 0, result
    assert said in result.err
