"""`edoc search TEXT` and list's --client, --text, --mine, --sort, --reverse, --limit and --format, on
both stores: open and archived tickets alike; expected numbers worked out by hand from the fixture."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from conftest import BIN, IIN, make_desk

T = "2026-11-26T{}:00+05:00"
LATER = T.format("16:00")


def build(edoc) -> dict[str, str]:
    """Four tickets, registered Thu 2026-11-26 at 09:00, 10:00, 11:00 and 12:00.

    a: Иванов Иван Иванович, IIN 900101301233, ivanov@example.kz, +7 701 123 45 67, ТОО «Ёлка»; closed
       at 09:30 (archived) with the message "Ключ перевыпущен".
    b: Петрова Алёна, BIN 940140000385, Petrova@Mail.KZ, phone typed 87021234567; assigned to aida.
    c: Сидоров, login sidorov_1, e-mail only; subject "100% _x_ C:\\dir"; a note "Звонил в NCALayer".
    d: Иванова Ольга (another IIN-less guest), phone 7011119999; subject "=1+2", assigned to tester.
    """
    ids = {
        "a": edoc.open_ticket(now=T.format("09:00"), phone="+7 701 123 45 67", organization="ТОО «Ёлка»"),
        "b": edoc.open_ticket(now=T.format("10:00"), name="Петрова Алёна", iin=None, bin=BIN,
                              email="Petrova@Mail.KZ", phone="87021234567"),
        "c": edoc.open_ticket(now=T.format("11:00"), name="Сидоров Пётр", iin=None, login="sidorov_1",
                              email="sidorov@example.kz", subject="100% _x_ C:\\dir"),
        "d": edoc.open_ticket(now=T.format("12:00"), client_type="guest", name="Иванова Ольга", iin=None,
                              email=None, phone="7011119999", subject="=1+2"),
    }
    assert edoc.run("close", ids["a"], "--resolution", "resolved", "-m", "Ключ перевыпущен",
                    now=T.format("09:30")).code == 0
    assert edoc.run("assign", ids["b"], "aida", now=T.format("12:30")).code == 0
    assert edoc.run("note", ids["c"], "-m", "Звонил в NCALayer", now=T.format("12:40")).code == 0
    assert edoc.run("assign", ids["d"], "tester", now=T.format("12:50")).code == 0
    return ids


@pytest.fixture
def desk(edoc):
    edoc.ids = build(edoc)
    return edoc


def found(edoc, *args, now=LATER) -> list[str]:
    result = edoc.run(*args, "--json", now=now)
    assert result.code == 0, result
    return [t["id"] for t in result.json()]


def test_search_finds_a_client_by_any_of_their_details_open_or_archived(desk):
    a, b, c, d = (desk.ids[k] for k in "abcd")
    cases = {
        "иванов": [d, a],                  # newest first; a is closed and archived
        "ИВАН ИВАНОВИЧ": [a],
        "елка": [a],                       # ё typed as е
        "ЁЛКА": [a],
        "900101 301233": [a],              # an IIN typed in groups
        "301233": [a],
        BIN: [b],
        "+7 701 123 45 67": [a],           # the phone as stored (+77011234567), typed three ways
        "87011234567": [a],
        "7011234567": [a],
        "8 (702) 123-45-67": [b],          # registered as 87021234567
        "PETROVA@mail.kz": [b],            # e-mail whatever its case
        "sidorov_1": [c],                  # the portal login
        "Алёна": [b],
        "алена": [b],
        "701111": [d],                     # part of a guest's phone
    }
    for text, expected in cases.items():
        assert found(desk, "search", text) == expected, text


def test_search_finds_free_text_in_subject_description_and_messages(desk):
    a, b, c, d = (desk.ids[k] for k in "abcd")
    assert found(desk, "search", "ПЕРЕВЫПУЩЕН") == [a]        # the closing message of an archived ticket
    assert found(desk, "search", "ncalayer") == [c]           # a note
    assert found(desk, "search", "почты в профиле") == [d, c, b, a]  # every description
    assert found(desk, "search", "смена e-mail") == [b, a]    # the default subject; c and d have their own


def test_pattern_characters_are_matched_literally(desk):
    c = desk.ids["c"]
    assert found(desk, "search", "100%") == [c]
    assert found(desk, "search", "%") == [c]
    assert found(desk, "search", "_x_") == [c]
    assert found(desk, "search", "C:\\dir") == [c]
    assert found(desk, "search", "_") == [c]      # "_x_", and the login sidorov_1
    assert found(desk, "search", "\\") == [c]
    for text in (".*", "^", "[а-я]", "(?i)x", "%%", "a%", "\\w"):
        assert found(desk, "search", text) == [], text


def test_nothing_found_is_not_an_error(desk):
    result = desk.run("search", "Нет такого клиента", now=LATER)
    assert (result.code, result.out) == (0, "")
    assert "nothing found" in result.err
    assert found(desk, "search", "Нет такого клиента") == []
    ru = desk.run("--lang", "ru", "search", "Нет такого клиента", now=LATER)
    assert ru.code == 0 and "ничего не найдено" in ru.err.lower()


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_000, "a\x00b", "\x1b[31mred", "a\tb", "a\nb", "\u202eabc"])
def test_malformed_search_text_is_a_usage_error(desk, text):
    before = desk.state()
    result = desk.run("search", text, now=LATER)
    assert result.code == 2, result
    assert "TEXT" in result.err and "\x1b" not in result.err and "Traceback" not in result.err
    assert desk.state() == before
    assert desk.run("list", "--client", text, now=LATER).code == 2
    assert desk.run("list", "--text", text, now=LATER).code == 2


def test_order_limit_and_the_note_about_more(desk):
    a, b, c, d = (desk.ids[k] for k in "abcd")
    assert found(desk, "search", "example.kz") == [c, a]            # d has no e-mail, b is at mail.kz
    assert found(desk, "search", "профил") == [d, c, b, a]
    assert found(desk, "search", "профил", "--reverse") == [a, b, c, d]
    assert found(desk, "search", "профил", "--sort", "id") == [a, b, c, d]
    # updated: the last event first (d assigned 12:50, c noted 12:40, b assigned 12:30, a closed 09:30)
    assert found(desk, "search", "профил", "--sort", "updated") == [d, c, b, a]
    result = desk.run("search", "профил", "--limit", "2", "--json", now=LATER)
    assert [t["id"] for t in result.json()] == [d, c]
    assert "the first 2 tickets shown" in result.err      # newest first: read no further than it needs
    assert "2 of 4 tickets shown" in desk.run("list", "--all", "--limit", "2", now=LATER).err  # by due: all read
    assert "shown" not in desk.run("search", "профил", "--limit", "4", now=LATER).err


@pytest.mark.parametrize("limit", ["0", "-1", "1000001", "99999999999999999999999", "abc", "1.5", ""])
def test_a_bad_limit_is_a_usage_error(desk, limit):
    for command in (["search", "x"], ["list"]):
        result = desk.run(*command, "--limit", limit, now=LATER)
        assert result.code == 2 and "Traceback" not in result.err, (command, result)


def test_list_client_and_text_filters_and_sorts(desk):
    a, b, c, d = (desk.ids[k] for k in "abcd")
    # --client looks at the client only; --text at everything search looks at.
    assert found(desk, "list", "--all", "--client", "иванов") == [d, a]   # a is closed: no deadline, last
    assert found(desk, "list", "--client", "иванов") == [d]           # open work only, as list is
    assert found(desk, "list", "--all", "--client", "NCALayer") == []
    assert found(desk, "list", "--all", "--text", "NCALayer") == [c]
    assert found(desk, "list", "--all", "--text", "иванов", "--sort", "created") == [d, a]
    assert found(desk, "list", "--all", "--sort", "id", "--limit", "3") == [a, b, c]
    assert found(desk, "list", "--sort", "created") == [d, c, b]
    assert found(desk, "list", "--sort", "created", "--reverse") == [b, c, d]
    assert desk.run("list", "--sort", "colour", now=LATER).code == 2


def test_priority_sort_puts_the_most_urgent_first(edoc):
    from conftest import BUG_FIELDS

    low = edoc.open_ticket(now=T.format("09:40"), **BUG_FIELDS)  # the bug occurred at 09:30
    critical = edoc.open_ticket(now=T.format("10:00"), **BUG_FIELDS)
    plain = edoc.open_ticket(now=T.format("11:00"))
    assert edoc.run("diagnose", low, "--priority", "low", now=T.format("11:10")).code == 0
    assert edoc.run("diagnose", critical, "--priority", "critical", now=T.format("11:20")).code == 0
    assert found(edoc, "list", "--sort", "priority", now=T.format("11:30")) == [critical, low, plain]
    assert found(edoc, "list", "--sort", "priority", "--reverse", now=T.format("11:30")) == [plain, low, critical]


def test_mine_is_the_operator_running_edoc(desk):
    b, d = desk.ids["b"], desk.ids["d"]
    assert found(desk, "list", "--mine") == [d]                        # the tests' operator is "tester"
    result = desk.run("list", "--mine", "--json", now=LATER, env=desk.as_operator("aida"))
    assert [t["id"] for t in result.json()] == [b]
    assert found(desk, "search", "example", "--mine") == []
    assert found(desk, "search", "=1+2", "--mine") == [d]
    both = desk.run("list", "--mine", "--assignee", "aida", now=LATER)
    assert both.code == 2 and "--mine" in both.err and "--assignee" in both.err


def test_csv_and_tsv_have_the_json_keys_and_guard_formulas(desk):
    d = desk.ids["d"]
    at = T.format("15:00")
    result = desk.run("search", "=1+2", "--format", "csv", now=at)
    assert result.code == 0, result
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == ["id", "status", "category", "channel", "sla_level", "priority", "assignee", "client.name",
                       "client.iin", "client.bin", "client.email", "client.phone", "client.organization",
                       "created_at", "due_at", "breached", "subject"]
    # d: a guest consultation by phone, registered 12:00, first response due 16:00; at 15:00 not breached.
    assert rows[1:] == [[d, "open", "consultation", "phone", "basic", "", "tester", "Иванова Ольга", "", "", "",
                         "'+77011119999", "", "2026-11-26T12:00:00+05:00", "2026-11-26T16:00:00+05:00", "",
                         "'=1+2"]]
    tsv = desk.run("search", "=1+2", "--format", "tsv", now=at)
    assert tsv.out.splitlines()[0] == "\t".join(rows[0])
    assert tsv.out.splitlines()[1].split("\t") == rows[1]
    as_json = desk.run("search", "=1+2", "--format", "json", now=LATER)
    assert json.loads(as_json.out) == json.loads(desk.run("search", "=1+2", "--json", now=LATER).out)
    # Nothing found: the header alone, for a script.
    empty = desk.run("list", "--client", "nobody", "--format", "csv", now=LATER)
    assert empty.out == ",".join(rows[0]) + "\n"


@pytest.mark.parametrize("args", [["--format", "xml"], ["--format", "csv", "--json"], ["--format", ""]])
def test_bad_format_is_a_usage_error(desk, args):
    for command in (["search", "x"], ["list"]):
        result = desk.run(*command, *args, now=LATER)
        assert result.code == 2 and "Traceback" not in result.err, result


def test_hostile_stored_text_never_reaches_the_terminal_and_keeps_tsv_one_line_a_ticket(edoc, tmp_path):
    """An imported record may hold escape codes, tabs and line breaks (import keeps texts as given)."""
    ticket = edoc.open_ticket()
    record = json.loads(edoc.run("export").out.splitlines()[0])
    record["id"] = ticket.replace("000001", "000002")
    record["subject"] = "=cmd\x1b[31mRED\x1b[0m\tTAB\nNL \\ end"
    record["client"]["name"] = "@Эсс\x1b]0;title\x07"
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert edoc.run("import", str(path)).code == 0, edoc.run("import", str(path))
    for fmt in ("table", "tsv", "csv"):
        result = edoc.run("search", "red", "--format", fmt)
        assert result.code == 0 and "\x1b" not in result.out and "\x07" not in result.out, (fmt, result)
    lines = edoc.run("search", "red", "--format", "tsv").out.splitlines()
    assert len(lines) == 2
    cells = lines[1].split("\t")
    assert cells[7] == "'@Эсс", cells  # the OSC sequence is dropped whole
    assert cells[-1] == "'=cmdRED\\tTAB\\nNL \\\\ end"
    rows = list(csv.reader(io.StringIO(edoc.run("search", "red", "--format", "csv").out)))
    assert rows[1][-1] == "'=cmdRED\tTAB\nNL \\ end"


def test_both_stores_find_the_same(request, tmp_path):
    """The same desk on the JSON store and on PostgreSQL: every search answers alike."""
    from conftest import STORES

    if "postgres" not in STORES:
        pytest.skip("PostgreSQL is not installed")
    desks = [make_desk(request, tmp_path / kind, kind) for kind in ("json", "postgres")]
    for desk in desks:
        build(desk)
    for args in (["search", "иванов"], ["search", "7011234567"], ["search", "профил", "--sort", "updated"],
                 ["search", "%"], ["list", "--all", "--text", "example"], ["list", "--client", "ЁЛКА", "--all"],
                 ["search", "профил", "--format", "csv"], ["search", "профил", "--limit", "1"]):
        results = [d.run(*args, now=LATER) for d in desks]
        assert results[0].code == results[1].code == 0, results
        assert results[0].out == results[1].out, args


# -- the JSON store's index of its archive (store/jsonfiles/finder.py) ------------------------------

@pytest.mark.json_only(reason="the JSON store's archive files and the search cache made from them")
def test_the_archive_index_is_a_cache_that_is_never_wrong(desk, tmp_path):
    a, b = desk.ids["a"], desk.ids["b"]
    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}

    def search(text):
        result = desk.run("search", text, "--json", now=LATER, env=env)
        assert result.code == 0, result
        return [t["id"] for t in result.json()]

    assert search("перевыпущен") == [a]                 # made now
    made = list(cache.rglob("*.find"))
    assert len(made) == 1 and b"\\u" not in made[0].read_bytes()
    assert search("перевыпущен") == [a]                 # read
    # A bucket rewritten since (b closed into the same bucket): the index is made again, b found.
    assert desk.run("close", b, "--resolution", "resolved", "-m", "Готово, ключ перевыпущен", now=LATER).code == 0
    assert search("перевыпущен") == [b, a]
    # A damaged index, or one that names the wrong place, is only slower.
    shifted = re.sub(rb"\t(\d+)\t", lambda m: b"\t%d\t" % (int(m.group(1)) + 1), made[0].read_bytes())
    for damage in (b"garbage", shifted,
                   made[0].read_bytes().split(b"\n")[0] + "\nED-2026-000001\t0\t5\tперевыпущен\n".encode()):
        made[0].write_bytes(damage)
        assert search("перевыпущен") == [b, a], damage[:80]
    # A cache that cannot be written, or a bucket edited by hand into another layout: read whole.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    result = desk.run("search", "перевыпущен", "--json", now=LATER, env={"XDG_CACHE_HOME": str(blocked)})
    assert [t["id"] for t in result.json()] == [b, a]
    bucket = next((desk.store.parent / "tickets.json.archive").glob("ED-*.json"))
    bucket.write_text(json.dumps(json.loads(bucket.read_text(encoding="utf-8")), indent=1), encoding="utf-8")
    assert search("перевыпущен") == [b, a]


@pytest.mark.json_only(reason="a damaged record in the JSON store's archive")
def test_a_damaged_archived_record_is_skipped_and_told_by_a_search(desk, tmp_path):
    a = desk.ids["a"]
    bucket = next((desk.store.parent / "tickets.json.archive").glob("ED-*.json"))
    data = json.loads(bucket.read_text(encoding="utf-8"))
    record = next(iter(data["tickets"].values()))
    record["status"] = "lost"
    bucket.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    result = desk.run("search", "перевыпущен", "--json", now=LATER, env={"XDG_CACHE_HOME": str(tmp_path / "c")})
    assert result.code == 0 and result.json() == []
    assert a in result.err and "damaged" in result.err


@pytest.mark.parametrize("columns", [80, 120])
def test_search_on_a_terminal_fits_it_and_passes_no_escape_from_stored_text(edoc, tmp_path, columns):
    from rich.cells import cell_len
    from test_screens import ANSI, screen

    first = edoc.open_ticket(now=T.format("09:00"), name="Иванов Иван Иванович")
    record = json.loads(edoc.run("export").out.splitlines()[0])
    record["id"] = first.replace("000001", "000002")
    record["subject"] = "Иванов \x1b]0;pwned\x07\x1b[2J\x1b[31mкрасный\x1b[0m " + "длинная тема " * 12
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert edoc.run("import", str(path)).code == 0
    shown = screen(edoc, columns, "search", "иванов")
    text = ANSI.sub("", shown)  # edoc's own styling (bold headings) goes; nothing else may start with ESC
    assert "\x1b" not in text and "\x07" not in text and "pwned" not in text
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    assert all(cell_len(line) <= columns for line in lines), lines
    body = [line for line in lines if re.search(r"ED-\d{4}-\d{6}", line)]
    assert [re.search(r"ED-\d{4}-\d{6}", line).group() for line in body] == [record["id"], first]


def test_a_search_read_page_by_page_finds_what_the_whole_list_finds(edoc):
    """150 tickets: the newest-first search reads them a page at a time (PostgreSQL: 64, then 256) and
    stops at --limit; what it shows is the head of the whole, ordered list."""
    requests = [{"client_type": "user", "name": f"Клиент {n:03d}", "iin": IIN, "email": f"c{n}@example.kz",
                 "category": "consultation", "channel": "phone", "topic": "profile", "subject": f"Тема {n}",
                 "description": "Смена профиля", "faq_checked": True} for n in range(150)]
    assert edoc.run("open", "--from-json", "-", input=json.dumps(requests), now=T.format("09:00")).code == 0
    assert edoc.run("close", "ED-2026-000070", "--resolution", "resolved", now=T.format("09:30")).code == 0
    whole = found(edoc, "list", "--all", "--text", "клиент", "--sort", "created")  # every one, then sorted
    assert len(whole) == 150 and whole[0] == "ED-2026-000150" and whole[-1] == "ED-2026-000001"
    for limit in ("1", "64", "65", "100", "149"):
        result = edoc.run("search", "КЛИЕНТ", "--limit", limit, "--json", now=LATER)
        assert [t["id"] for t in result.json()] == whole[:int(limit)], limit
        assert f"the first {limit} tickets shown" in result.err
    result = edoc.run("search", "клиент", "--limit", "150", "--json", "--reverse", now=LATER)
    assert [t["id"] for t in result.json()] == whole[::-1] and "shown" not in result.err
    assert found(edoc, "search", "клиент 07", "--sort", "id") == [f"ED-2026-{n:06d}" for n in range(71, 81)]
