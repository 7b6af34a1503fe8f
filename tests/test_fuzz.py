"""Hostile input on every way in, property-tested: flags, `--from-json`, `import`, the configuration file.

The issue: "invalid UTF-8, NUL bytes, wrong JSON types, unknown fields,
megabyte-long strings, Rich markup, ANSI and OSC escape sequences, path-like
values. Each gets a clear one-line error (exit 3 or 2), never a traceback,
and never a partial write." SPEC.md: exit 3 names every unmet item, exit 2 is
a usage or configuration error naming the key and the file, "a traceback
only with --debug", `import` "writes nothing unless every record is valid".

Every example gets its own copy of a seeded store, so a refusal is checked
byte for byte and no example sees another's tickets. The bulk runs
in-process (edoc.run); a few checks run a real interpreter. Examples are the
same on every run (derandomized, no example database), so CI never fails at
random; EDOC_FUZZ_EXPLORE=1 draws new ones, EDOC_FUZZ_EXAMPLES=N draws N per test.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import resource
import subprocess
import sys
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import DEFAULT_NOW, IIN, Edoc, request_args

pytestmark = pytest.mark.json_only(reason="hand-made store files")


NOW = DEFAULT_NOW
LATER = "2026-11-26T12:00:00+05:00"


def fuzz(max_examples: int = 60):
    return settings(
        max_examples=int(os.environ.get("EDOC_FUZZ_EXAMPLES", max_examples)), deadline=None, database=None,
        derandomize=not os.environ.get("EDOC_FUZZ_EXPLORE"),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


# -- hostile text ----------------------------------------------------------------------

HOSTILE = [
    "[bold red]ALARM[/bold red]", "[link=https://evil.example]click[/link]", "[/]", "[",
    "\x1b[31mred\x1b[0m", "\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "\x1bP+q544e\x1b\\", "\x9b31m", "\x9d0;title\x9c", "\x07", "\x08\x08\x08", "\r", "\r\n", "\t", "\x7f",
    "\x00", "a\x00b", "\u202eexe.txt", "\u2066\u2069", "\u2028", "\ufeff", "\ufffd",
    "../../etc/passwd", "/dev/zero", "/etc/shadow", "~/.ssh/id_rsa", "C:\\Windows\\system32", "file:///etc/passwd",
    "=HYPERLINK(\"http://evil\")", "+7 701 234 5678", "-1", "@SUM(A1)", "%s%n%x", "${HOME}", "$(reboot)",
    "'; DROP TABLE tickets; --", "{}", "[]", "null", "true", "", " ", "   \n  ", "Ё" * 3, "𝕏🎫", "A" * 201,
]


def hostile_text() -> st.SearchStrategy[str]:
    """Text as people paste it: printable, control characters, escape sequences, markup, paths."""
    pieces = st.one_of(
        st.sampled_from(HOSTILE),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
        st.text(st.characters(max_codepoint=0x9f), max_size=6),
    )
    return st.lists(pieces, max_size=4).map("".join)


# -- shared checks -----------------------------------------------------------------------

_counter = itertools.count()
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


Files = dict[str, bytes]


def store_files(folder: Path) -> Files:
    """Every file of a store folder (the store proper and whatever edoc keeps beside it), but the lock."""
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


def fresh_store(edoc: Edoc, seed: Files) -> tuple[dict[str, str], Path]:
    """A new store, a copy of `seed`, for one example; the env that points edoc at it.

    The store's folder holds nothing else: inputs go in `store.parent.parent`.
    """
    store = edoc.tmp / "examples" / str(next(_counter)) / "data" / "tickets.json"
    store.parent.mkdir(parents=True, mode=0o700)
    for name, raw in seed.items():
        (store.parent / name).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        (store.parent / name).write_bytes(raw)
    return {"EDOC_STORE": str(store)}, store


def snapshot(store: Path) -> Files:
    return store_files(store.parent)


def assert_refused(result, store: Path, before: Files, codes=(2, 3)) -> None:
    """A refusal: a known code, nothing on stdout, a clear message, the store byte for byte as it was."""
    assert result.code in codes, result
    assert result.out == "", result
    assert_clear_message(result.err)
    assert snapshot(store) == before, "a refused input changed the store"


def assert_clear_message(err: str) -> None:
    """`edoc: <what is wrong>` then, for exit 3, one `  - item` a line; nothing a terminal would act on."""
    assert "Traceback" not in err and "unexpected error" not in err, err
    lines = err.rstrip("\n").split("\n")
    assert lines[0].startswith(("edoc: ", "Error: ", "Usage: ")), err
    assert all(line.startswith(("edoc: ", "  - ", "Error: ", "Usage: ", "Try ")) or not line for line in lines), err
    assert not _TERMINAL_CONTROL.search(err.replace("\t", "")), repr(err)
    assert len(err) < 20_000, f"the message echoes the input back: {len(err)} characters"


def assert_one_line(err: str) -> str:
    assert "Traceback" not in err and "unexpected error" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def stored_tickets(edoc: Edoc, env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every ticket as stored, wherever the store keeps it (`edoc export`)."""
    result = edoc.run("export", now=LATER, env=env)
    assert result.code == 0, result
    return {t["id"]: t for t in map(json.loads, result.out.splitlines())}


def assert_usable(edoc: Edoc, env: dict[str, str], ids: list[str]) -> None:
    """What every later command relies on: check passes, and reading commands do not crash on the tickets."""
    for args in (["check"], ["list", "--all", "--json"], ["sweep", "--dry-run", "--json"], ["report", "--json"],
                 ["export"]):
        result = edoc.run(*args, now=LATER, env=env)
        assert result.code == 0, (args, result)
    for tid in ids:
        for args in (["show", tid], ["show", tid, "--json"], ["sla", tid]):
            result = edoc.run(*args, now=LATER, env=env)
            assert result.code == 0, (args, result)
            assert "\x1b" not in result.out and "\x9b" not in result.out, (args, result.out)


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Files:
    """A store with one registered consultation (ED-2026-000001)."""
    desk = Edoc(tmp_path_factory.mktemp("seed"))
    desk.open_ticket(now=NOW)
    return store_files(desk.store.parent)


# == (a) flags of `open` ======================================================================

VALID_FLAGS = {
    "client-type": "user", "name": "Иванов Иван Иванович", "iin": IIN, "email": "ivanov@example.kz",
    "category": "consultation", "channel": "phone", "topic": "profile",
    "subject": "Смена e-mail в профиле", "description": "Клиент хочет сменить адрес почты в профиле",
}
OPEN_FLAGS = sorted({*VALID_FLAGS, "bin", "login", "phone", "organization", "faq-link", "steps", "occurred-at",
                     "browser", "os", "attachment", "document", "received-at"})


def single_line_values(ticket: dict[str, Any]) -> list[str]:
    """Every stored value a single-line flag produced."""
    details = ticket.get("details") or {}
    values = [v for v in ticket["client"].values() if isinstance(v, str)]
    values += [ticket[k] for k in ("category", "channel", "topic", "subject") if isinstance(ticket.get(k), str)]
    values += [details[k] for k in ("browser", "os", "document", "occurred_at") if isinstance(details.get(k), str)]
    values += list(details.get("attachments") or [])
    if isinstance((ticket.get("faq") or {}).get("link"), str):
        values.append(ticket["faq"]["link"])
    return values


@fuzz(80)
@given(changes=st.dictionaries(st.sampled_from(OPEN_FLAGS), hostile_text(), min_size=1, max_size=3),
       faq=st.sampled_from(["--faq-checked", "--no-faq-checked"]))
@example(changes={"name": "[bold red]Иванов[/bold red]", "subject": "\x1b]0;pwned\x07Тема"}, faq="--faq-checked")
@example(changes={"description": "до\x1b[31mкрасный\x1b[0m\x00после"}, faq="--faq-checked")
@example(changes={"subject": "../../etc/passwd", "organization": "/dev/zero", "attachment": "~/.ssh/id_rsa"},
         faq="--faq-checked")
def test_open_flags_take_any_text_and_answer_0_or_3(edoc, seed, changes, faq):
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    flags = {**VALID_FLAGS, **changes}
    # --flag=value: a value that starts with "-" stays a value.
    result = edoc.run("open", "--no-input", *[f"--{k}={v}" for k, v in flags.items()], faq, env=env)

    if result.code != 0:
        assert_refused(result, store, before, codes=(3,))
        return
    tid = result.out.strip()
    assert re.fullmatch(r"ED-2026-\d{6}", tid), result
    tickets = stored_tickets(edoc, env)
    assert len(tickets) == 2
    ticket = tickets[tid]
    for value in single_line_values(ticket):
        assert not _LINE_CONTROL.search(value), (value, ticket)
    for value in (ticket["description"], (ticket.get("details") or {}).get("steps") or ""):
        assert not _TERMINAL_CONTROL.search(value.replace("\t", "")), (value, ticket)
    shown = edoc.run("show", tid, env=env)
    assert shown.code == 0, shown
    assert not _TERMINAL_CONTROL.search(shown.out.replace("\t", "")), repr(shown.out)


# In-process: Linux refuses a single argv string over 128 KiB (E2BIG) before edoc could see it.
@pytest.mark.parametrize("flag", ["name", "subject", "description", "steps", "attachment", "received-at", "category"])
def test_a_megabyte_in_a_flag_is_refused_briefly(edoc, seed, flag):
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    flags = {**VALID_FLAGS, flag: "Ж" * 2**20}
    result = edoc.run("open", "--no-input", *[f"--{k}={v}" for k, v in flags.items()], "--faq-checked", env=env)
    assert_refused(result, store, before, codes=(3,))
    assert "at most" in result.err or "longer than" in result.err, result


def test_invalid_utf8_in_argv_of_a_real_process(edoc, seed):
    """Bytes that are not UTF-8 reach Python as lone surrogates; they are refused, never stored or printed."""
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    args = [os.fsencode(a) for a in request_args(name="Иван", subject="Тема")]
    args[args.index(b"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd")] = b"\xd0\x98\xff\xfe\xb2\xd0"  # a broken "Иван"
    args[args.index("Тема".encode())] = b"\xc3\x28 \xe2\x82"  # an invalid 2-byte and a cut 3-byte sequence
    cases = [
        ([b"open", b"--no-input", *args], (3,), ["--name", "--subject", "not valid UTF-8"]),
        ([b"note", b"ED-2026-000001", b"--message", b"\xff\xfe\xfd"], (3,), ["--message", "not valid UTF-8"]),
        ([b"show", b"ED-2026-\xff"], (2,), ["registration number"]),  # not a number at all: a usage error
        ([b"--operator", b"\xffop\xfe", b"assign", b"ED-2026-000001", b"petrov"], (2,), ["operator"]),
        ([b"assign", b"ED-2026-000001", b"pet\xc0\xafrov"], (3,), ["not valid UTF-8"]),
    ]
    for argv, codes, words in cases:
        done = subprocess.run([sys.executable.encode(), b"-m", b"edoc_cli", *argv], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=60, env=edoc.proc_env(now=LATER, env=env))
        assert done.returncode in codes, (argv, done)
        err = done.stderr.decode("utf-8")  # what edoc prints is valid UTF-8 itself
        assert_clear_message(err)
        for word in words:
            assert word in err, (argv, err)
        assert done.stdout == b""
        assert snapshot(store) == before


# == (b) --from-json ============================================================================

VALID_JSON = {
    "client_type": "user", "name": "Иванов Иван Иванович", "iin": IIN, "email": "ivanov@example.kz",
    "category": "consultation", "channel": "phone", "topic": "profile",
    "subject": "Смена e-mail в профиле", "description": "Клиент хочет сменить адрес почты в профиле",
    "faq_checked": True,
}
REQUEST_KEYS = sorted({*VALID_JSON, "bin", "login", "phone", "organization", "faq_link", "steps", "occurred_at",
                       "browser", "os", "attachments", "attachment", "document", "received_at", "client", "type"})

json_scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
                | st.floats(allow_nan=False, allow_infinity=False) | hostile_text())
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(REQUEST_KEYS) | st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# A valid request with a few fields changed to any JSON value, or dropped.
near_valid = st.builds(
    lambda changes, dropped: {k: v for k, v in {**VALID_JSON, **changes}.items() if k not in dropped},
    st.dictionaries(st.sampled_from(REQUEST_KEYS + ["unknown_field"]), json_values, max_size=3),
    st.sets(st.sampled_from(sorted(VALID_JSON)), max_size=2),
)
json_documents = st.one_of(
    near_valid,
    st.lists(near_valid | json_values, max_size=4),
    json_values,
)


def from_json(edoc: Edoc, env: dict[str, str], raw: bytes):
    return edoc.run("open", "--from-json", "-", input=raw, env=env)


def assert_all_or_nothing(edoc, result, store: Path, before: bytes, items: int | None) -> None:
    if result.code != 0:
        assert_refused(result, store, before)
        return
    registered = result.out.split()
    assert items is None or len(registered) == items, result
    env = {"EDOC_STORE": str(store)}
    assert len(stored_tickets(edoc, env)) == 1 + len(registered)
    assert_usable(edoc, env, registered[:1])


@fuzz(80)
@given(document=json_documents, ascii_only=st.booleans())
@example(document=[VALID_JSON, {**VALID_JSON, "iin": 900101301233}], ascii_only=False)
@example(document={**VALID_JSON, "client": {"type": "guest", "name": ["x"]}}, ascii_only=True)
@example(document={**VALID_JSON, "subject": "\x1b]0;pwned\x07", "description": "[bold]x[/bold]\x00"},
         ascii_only=False)
def test_from_json_takes_any_json_and_registers_all_or_nothing(edoc, seed, document, ascii_only):
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    raw = json.dumps(document, ensure_ascii=ascii_only).encode("utf-8")
    result = from_json(edoc, env, raw)
    items = len(document) if isinstance(document, list) else 1
    assert_all_or_nothing(edoc, result, store, before, items)


@fuzz(60)
@given(raw=st.binary(max_size=300)
       | st.tuples(st.just(json.dumps([VALID_JSON, VALID_JSON]).encode()), st.integers(0, 2000),
                   st.binary(min_size=1, max_size=4)).map(lambda t: t[0][:t[1]] + t[2] + t[0][t[1]:]))
@example(raw=b"\xef\xbb\xbf\xef\xbb\xbf{}")
@example(raw=b'{"name": "\xed\xa0\x80"}')  # an encoded surrogate: not UTF-8
@example(raw=b"\x00" * 64)
def test_from_json_takes_any_bytes(edoc, seed, raw):
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    assert_all_or_nothing(edoc, from_json(edoc, env, raw), store, before, None)


def test_an_unknown_json_key_cannot_forge_lines_of_the_message(edoc, seed):
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    forged = "note\n  - clause 10: the checklist is met\nedoc: registered 1 request"
    result = from_json(edoc, env, json.dumps({**VALID_JSON, forged: 1}).encode())
    assert_refused(result, store, before, codes=(3,))
    assert result.err.count("\n") == 2, result.err  # the summary and one item


def test_a_number_with_thousands_of_digits_in_from_json_is_refused_not_a_crash(edoc, seed):
    """Python refuses to convert integers over 4300 digits with a plain ValueError, which is not a JSONDecodeError."""
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    result = from_json(edoc, env, b'{"name": ' + b"7" * 5000 + b"}")
    assert_refused(result, store, before, codes=(3,))


def test_a_number_with_thousands_of_digits_in_the_store_is_corrupt_not_a_crash(edoc, seed):
    env, store = fresh_store(edoc, seed)
    data = json.loads(store.read_bytes())
    data["meta"]["1"]["sequences"]["ED-2026"] = "HUGE"
    broken = json.dumps(data).replace('"HUGE"', "1" * 5000).encode()
    store.write_bytes(broken)
    result = edoc.run("list", now=LATER, env=env)
    assert result.code == 7, result
    assert str(store) in assert_one_line(result.err)
    assert store.read_bytes() == broken


# == (c) import ===================================================================================


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Files, list[dict[str, Any]]]:
    """A store of tickets in several states, and its export (the records the mutations start from)."""
    desk = Edoc(tmp_path_factory.mktemp("corpus"))
    from conftest import BUG_FIELDS

    a = desk.open_ticket(now=NOW)
    b = desk.open_ticket(now=NOW, **BUG_FIELDS)
    c = desk.open_ticket(now=NOW, client_type="guest", iin=None, name="Гость", phone="+7 701 234 5678",
                         topic="registration")
    for step in (["assign", a, "petrov"], ["reply", a, "--message", "Ответ"],
                 ["close", a, "--resolution", "resolved", "--message", "Готово"],
                 ["diagnose", b, "--priority", "high"], ["escalate", b, "--third-party", "НУЦ РК", "--message", "x"],
                 ["postpone", b, "--reason", "third_party", "--message", "ждём НУЦ"],
                 ["request-info", c, "--message", "Уточните логин"]):
        assert desk.run(*step, now="2026-11-26T11:00:00+05:00").code == 0, step
    exported = desk.run("export", now=NOW)
    records = [json.loads(line) for line in exported.out.splitlines()]
    return store_files(desk.store.parent), records


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key or index path inside a JSON value."""
    found = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    for key, value in items:
        found.append(prefix + (key,))
        found += _paths(value, prefix + (key,))
    return found


def _parent(record: Any, path: tuple) -> Any:
    for key in path[:-1]:
        record = record[key]
    return record


@st.composite
def mutated_dump(draw, records: list[dict[str, Any]]) -> bytes:
    """An export of fresh numbers, then: keys dropped, types changed, control characters, lines cut or doubled."""
    base = draw(st.integers(100, 900))
    chosen = draw(st.lists(st.sampled_from(records), min_size=1, max_size=3))
    lines: list[bytes] = []
    for n, original in enumerate(chosen):
        record = json.loads(json.dumps({**original, "id": f"ED-2026-{base + n:06d}"}))
        for _ in range(draw(st.integers(0, 3))):
            path = draw(st.sampled_from(_paths(record)))
            parent, key = _parent(record, path), path[-1]
            how = draw(st.sampled_from(["drop", "retype", "control"]))
            if how == "drop":
                del parent[key]
            elif how == "retype":
                parent[key] = draw(json_values.filter(lambda v, old=parent[key]: type(v) is not type(old)))
            elif isinstance(parent[key], str):
                text = parent[key]
                at = draw(st.integers(0, len(text)))
                parent[key] = text[:at] + draw(st.sampled_from(HOSTILE[4:24])) + text[at:]
        line = json.dumps(record, ensure_ascii=draw(st.booleans())).encode("utf-8")
        if draw(st.integers(0, 9)) == 0:
            line = line[: draw(st.integers(0, len(line)))]
        lines.append(line)
        if draw(st.integers(0, 9)) == 0:
            lines.append(line)
    return b"\n".join(lines) + b"\n"


@fuzz(80)
@given(data=st.data())
def test_import_of_mutated_exports_is_0_or_3_and_never_leaves_a_store_that_breaks(edoc, corpus, data):
    seed, records = corpus
    dump_bytes = data.draw(mutated_dump(records))
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    dump = store.parent.parent / "dump.jsonl"
    dump.write_bytes(dump_bytes)

    result = edoc.run("import", str(dump), "--json", now=LATER, env=env)

    if result.code != 0:
        assert_refused(result, store, before, codes=(3,))
        return
    imported = result.json()["ids"]
    assert len(stored_tickets(edoc, env)) == len(records) + len(imported)
    assert_usable(edoc, env, imported)


def _set_path(path: tuple, value: Any):
    def change(record: dict[str, Any]) -> None:
        _parent(record, path)[path[-1]] = value
    return change


def _drop_path(path: tuple):
    def change(record: dict[str, Any]) -> None:
        del _parent(record, path)[path[-1]]
    return change


# Records that `import` accepts and `check` calls consistent, but that every
# later `list`, `show` or `sweep` crashes on (exit 1, "unexpected error"): one
# line in a dump poisons the store for every operator and for cron.
POISONED = {
    "target minutes NaN": _set_path(("sla_rules", "first_response"), float("nan")),
    "target minutes 1e308": _set_path(("sla_rules", "first_response"), 1e308),
    "no rule name": _drop_path(("sla_rules", "rule")),
    "warn_at a string": _set_path(("sla_rules", "warn_at"), "80%"),
    "warn_at null": _set_path(("sla_rules", "warn_at"), None),
    "auto-close minutes a string": _set_path(("sla_rules", "auto_close_minutes"), "8h"),
    "received in year 1": _set_path(("received_at",), "0001-01-01T00:00:00+05:00"),
    "phone a boolean": _set_path(("client", "phone"), True),
    "e-mail a number": _set_path(("client", "email"), 7),
    "attachment a boolean": _set_path(("details", "attachments"), [True]),
    "details a string": _set_path(("details",), "steps: none"),
}


@pytest.mark.parametrize("case", list(POISONED))
def test_import_refuses_a_record_that_later_commands_cannot_read(edoc, corpus, case):
    seed, records = corpus
    (record,) = [json.loads(json.dumps(r)) for r in records if r["status"] == "waiting"]
    record["id"] = "ED-2026-000500"
    POISONED[case](record)
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    dump = store.parent.parent / "dump.jsonl"
    dump.write_text(json.dumps(record) + "\n", encoding="utf-8")

    result = edoc.run("import", str(dump), now=LATER, env=env)

    if result.code != 0:
        assert_refused(result, store, before, codes=(3,))
    else:
        assert_usable(edoc, env, ["ED-2026-000500"])


def test_a_number_with_thousands_of_digits_in_an_import_line_is_refused_not_a_crash(edoc, corpus):
    seed, records = corpus
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    dump = store.parent.parent / "dump.jsonl"
    dump.write_bytes(b'{"id": "ED-2026-000500", "status": ' + b"1" * 5000 + b"}\n")
    result = edoc.run("import", str(dump), now=LATER, env=env)
    assert_refused(result, store, before, codes=(3,))


# == (d) the configuration file ======================================================================

CONFIG_KEYS = [
    "registration.prefix", "registration.categories", "calendar.timezone", "calendar.workday_start",
    "calendar.workday_end", "calendar.workdays", "calendar.holidays", "calendar.extra_days_off",
    "calendar.extra_working_days", "sla.warn_at", "sla.auto_close_after_hours", "sla.basic.consultation",
    "sla.basic.bug.high", "sla.vip.feature", "sla.gold.consultation", "channels.bug", "channels.question",
    "details.bug", "details.document_topics", "scope.in_scope.tariffs", "scope.out_of_scope.tariffs",
    "postponement.reasons.client_info", "clients", "faq", "quality_control.email",
]
toml_scalars = st.one_of(
    st.integers(-10**20, 10**20), st.floats(), st.booleans(), hostile_text(),
    st.dates(), st.datetimes(timezones=st.none() | st.just(timezone.utc)), st.times(),
    st.sampled_from(["Asia/Almaty", "UTC", "09:00", "18:00", "mon", "KZ", "ED", "2026-05-27", "vip", "basic",
                     "consultation", "documents", "https://help.e-doc.kz/x", "support@mitwork.kz",
                     "../../etc/passwd", "/etc/localtime", "Asia/../../etc/passwd", "posix/Asia/Almaty"]),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["bin", "iin", "level", "valid_from", "title", "url", "keywords", "x"]),
                      inner, max_size=3),
    max_leaves=6,
)


def toml_value(value: Any) -> str:
    """TOML for a value (inline tables and arrays; strings in JSON's escapes, which TOML shares)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return value.isoformat()  # date, datetime, time


def run_with_config(edoc: Edoc, seed: Files, raw: bytes):
    env, store = fresh_store(edoc, seed)
    config = store.parent.parent / "config.toml"
    config.write_bytes(raw)
    result = edoc.run("list", "--all", "--json", now=LATER, env={**env, "EDOC_CONFIG": str(config)})
    return result, config


def assert_config_answer(result, config: Path) -> None:
    assert result.code in (0, 2), result
    if result.code == 2:
        line = assert_one_line(result.err)
        assert str(config) in line, line
        assert not _TERMINAL_CONTROL.search(result.err), repr(result.err)
        assert len(line) < 2000, f"the message echoes the input back: {len(line)} characters"
        assert result.out == ""


@fuzz(80)
@given(entries=st.dictionaries(
    st.sampled_from(CONFIG_KEYS) | st.from_regex(r"[a-z_]{1,8}(\.[a-z_]{1,8}){0,2}", fullmatch=True),
    toml_values, min_size=1, max_size=4))
@example(entries={"sla.warn_at": float("nan"), "sla.basic.consultation": [float("inf"), 1]})
@example(entries={"clients": [{"bin": "940140000385", "valid_from": "2026-02-30"}]})
def test_structurally_valid_toml_with_any_keys_and_values_is_0_or_2(edoc, seed, entries):
    text = "".join(f"{key} = {toml_value(value)}\n" for key, value in entries.items())
    assert_config_answer(*run_with_config(edoc, seed, text.encode("utf-8")))


TOML_TOKENS = ["[", "]", "[[", "]]", "{", "}", "=", ",", ".", '"', "'", '"""', "#", "\n", " ", "\\", "\\u0000",
               "calendar", "sla", "basic", "registration", "prefix", '"ED"', "true", "nan", "-inf", "1e999",
               "1979-05-27", "07:32:00", "0x7f", "1_000", "\x00", "\x1b[31m", "\ufeff", "ё"]


@fuzz(60)
@given(raw=st.lists(st.sampled_from(TOML_TOKENS) | st.text(max_size=5), max_size=30)
       .map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))
       | st.binary(max_size=200))
@example(raw=b"\xff\xfe[\x00s\x00l\x00a\x00]\x00")
def test_any_text_or_bytes_as_the_config_is_0_or_2(edoc, seed, raw):
    assert_config_answer(*run_with_config(edoc, seed, raw))


def test_an_unknown_time_zone_in_the_config_names_the_key_and_the_file(edoc, seed):
    result, config = run_with_config(edoc, seed, b'[calendar]\ntimezone = "Mars/Olympus_Mons"\n')
    assert result.code == 2, result
    line = assert_one_line(result.err)
    assert str(config) in line and "calendar.timezone" in line, line


@pytest.mark.parametrize("key", ["calendar.extra_days_off", "calendar.timezone", "registration.categories",
                                 "unknown"])
def test_a_megabyte_config_value_is_refused_without_echoing_it(edoc, seed, key):
    value = "Ж" * 2**20
    raw = f'{key} = {toml_value([value] if key != "calendar.timezone" else value)}\n'.encode()
    assert_config_answer(*run_with_config(edoc, seed, raw))


def test_a_number_with_thousands_of_digits_in_the_config_is_refused_not_a_crash(edoc, seed):
    result, config = run_with_config(edoc, seed, b"[sla]\nwarn_at = " + b"1" * 5000 + b"\n")
    assert result.code == 2, result
    assert str(config) in assert_one_line(result.err)


# == path-like values where edoc opens a file ==========================================================

MEMORY_LIMIT = 1 << 30  # a process that reads without bound dies of MemoryError, not the CI machine


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("args, codes", [
    (["--config", "/dev/zero", "list"], (2,)),
    (["--store", "/dev/zero", "list"], (7,)),
    (["import", "/dev/zero"], (2, 3)),
    (["open", "--from-json", "/dev/zero"], (2, 3)),
], ids=["config", "store", "import", "from-json"])
def test_an_endless_device_as_a_file_is_refused_in_bounded_memory(edoc, seed, args, codes):
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    done = subprocess.run([sys.executable, "-m", "edoc_cli", *args], capture_output=True, timeout=60,
                          stdin=subprocess.DEVNULL,
                          env=edoc.proc_env(now=LATER, env=env), preexec_fn=_limited)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode in codes, (done.returncode, err)
    assert_clear_message(err)  # exit 3: the summary and its items; 2 and 7: one line
    assert "/dev/zero" in (err if done.returncode == 3 else assert_one_line(err))
    assert snapshot(store) == before


@pytest.mark.parametrize("value", ["../../etc/passwd", "/etc/passwd", "/dev/null", "/etc", "~/no/.ssh/id_rsa"])
def test_path_like_config_and_json_sources_are_clear_errors(edoc, seed, value):
    env, store = fresh_store(edoc, seed)
    before = snapshot(store)
    config = edoc.run("--config", value, "list", now=LATER, env=env)
    assert config.code in (0, 2), config
    if config.code == 2:
        assert value.lstrip("~") in assert_one_line(config.err)
    for args in (["open", "--from-json", value], ["import", value]):
        result = edoc.run(*args, now=LATER, env=env)
        assert result.code in (0, 2, 3), (args, result)  # importing an empty file imports nothing: 0
        if result.code:
            assert_refused(result, store, before)
        assert snapshot(store) == before


def _for_terminal_in_full(text: str, single_line: bool) -> str:
    """safe_text.for_terminal without its shortcut for text that holds nothing to remove."""
    from edoc_cli import safe_text as s

    text = s._ESCAPE_SEQ.sub("", text)
    text = s._SEPARATORS.sub("\n", text)
    text = s._BIDI.sub("", s._CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    return text.replace("\n", " ").replace("\t", " ") if single_line else text


@pytest.mark.parametrize("single_line", [False, True])
def test_the_terminal_cleaning_shortcut_changes_nothing_it_should_not(single_line):
    """A text without one character the cleaning removes is shown as it is: every character of
    the Basic Multilingual Plane alone, between letters and after an escape sequence."""
    from edoc_cli.safe_text import for_terminal

    wrong = [(hex(code), text) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF
             for text in (chr(code), f"a{chr(code)}б", f"x\x1b[31m{chr(code)}")
             if for_terminal(text, single_line) != _for_terminal_in_full(text, single_line)]
    assert wrong == []
    # a bidi override, an OSC title sequence and a tab: what the shortcut must never let through
    assert for_terminal("Иванов\u202eвонавИ\x1b]0;t\x07 ok\tok", True) == "ИвановвонавИ ok ok"
