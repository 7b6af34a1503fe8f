"""`edoc list` answered from the rows kept between lists (listing_cache.py): the same bytes as the way
every command takes, whatever happened between two lists.

The oracle of every comparison here is a list the cache cannot answer: `--since 2000-01-01` names
every ticket too, and sends the list the way of every command (each ticket read and its clocks
replayed). The clocks' own equality with the replay is proved on random tickets below.
"""

from __future__ import annotations

import json
import os
import random
import stat
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BUG_FIELDS, request_args
from edoc_cli.sla import clocks, held, resumed, ticket_view, view_parts
from edoc_cli.tz import astana_zone
from edoc_cli.workcal import WorkCalendar

NOW = "2026-11-26T10:00:00+05:00"
LATER = "2026-11-26T16:30:00+05:00"
EVERY = ("--since", "2000-01-01")  # every ticket, the way of every command
TZ = astana_zone()
DAMAGED = "is damaged"


# -- the clocks: what held() keeps and resumed() works out is clocks() ------------------------------

RULES = {"rule": "sla.basic.consultation", "first_response": 240, "resolution": 960, "warn_at": 0.8}
BY_PRIORITY = {"rule": "sla.basic.bug", "warn_at": 0.5, "by_priority": {
    "critical": {"first_response": 30, "resolution": 240}, "high": {"first_response": 60, "resolution": 480},
    "normal": {"first_response": 240, "resolution": 1440}, "low": {"first_response": 480, "resolution": 4320}}}
KINDS = ("assigned", "replied", "info_requested", "client_replied", "client_replied_by_mail", "postponed",
         "resumed", "note", "closed", "terminated", "reopened", "diagnosed", "breached")
CALENDARS = {
    "kz": WorkCalendar(TZ),
    "six-days": WorkCalendar(TZ, workdays=frozenset(range(6)), extra_days_off=[datetime(2026, 11, 27).date()],
                             extra_working_days=[datetime(2026, 11, 29).date()]),
}


def iso(us: int) -> str:
    """An instant as edoc writes it, or with microseconds (a hand-written or mailed time)."""
    when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us)
    return when.astimezone(TZ).isoformat(timespec="seconds" if us % 1_000_000 == 0 else "microseconds")


@st.composite
def tickets(draw) -> dict:
    """A ticket with a random life: any order of events, times that may go back, stand still, carry
    microseconds, cross a weekend, a holiday or Asia/Almaty's change of offset (2024-03-01)."""
    start = draw(st.integers(1_703_000_000, 1_799_000_000)) * 1_000_000  # late 2023 to early 2027
    if draw(st.booleans()):
        start += draw(st.integers(1, 999_999))
    at = start
    history = [{"at": iso(at), "by": "aida", "type": "opened", "received_at": iso(start)}]
    for _ in range(draw(st.integers(0, 12))):
        at += draw(st.sampled_from([0, 1, 59, 3600, 86_400, 3 * 86_400])) * 1_000_000 * draw(st.integers(-1, 5))
        at += draw(st.integers(0, 999_999)) if draw(st.booleans()) else 0
        kind = draw(st.sampled_from(KINDS))
        event = {"at": iso(at), "by": "aida", "type": kind}
        if kind == "client_replied_by_mail":  # a mailed answer counts from its arrival
            event["type"] = "client_replied"
            event["arrived_at"] = iso(at - draw(st.integers(0, 5 * 86_400)) * 1_000_000)
        if kind == "postponed":
            event["reason"] = draw(st.sampled_from(["third party", "client asked"]))
        if kind == "diagnosed":
            event["priority"] = draw(st.sampled_from(sorted(BY_PRIORITY["by_priority"])))
        if kind == "breached":
            event["target"] = draw(st.sampled_from(["first_response", "resolution"]))
        history.append(event)
    bug = draw(st.booleans())
    rules = dict(BY_PRIORITY if bug else RULES)
    if not bug and draw(st.booleans()):
        rules["first_response"] = None  # a target the rules leave open
    priority = draw(st.sampled_from([None, "critical", "high", "normal", "low"])) if bug else None
    return {"id": "ED-2026-000001", "received_at": iso(start), "history": history, "sla_rules": rules,
            "priority": priority}


def horizon(ticket: dict) -> datetime:
    from edoc_cli.tz import parse_instant

    return max(parse_instant(t, TZ) for t in [ticket["received_at"], *(e["at"] for e in ticket["history"])])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ticket=tickets(), after=st.integers(0, 40 * 86_400 * 1_000_000), whole=st.booleans(),
       calendar=st.sampled_from(sorted(CALENDARS)))
def test_the_kept_clocks_resumed_are_the_replayed_clocks(ticket, after, whole, calendar):
    cal = CALENDARS[calendar]
    now = horizon(ticket) + timedelta(microseconds=after - after % 1_000_000 if whole else after)
    kept = orjson.loads(orjson.dumps(held(ticket, cal, TZ)))  # as the cache file keeps them
    assert kept[0] <= int((now - datetime(1970, 1, 1, tzinfo=timezone.utc)) / timedelta(microseconds=1))
    assert resumed(kept, cal, now, TZ) == clocks(ticket, cal, now, TZ)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(many=st.lists(tickets(), min_size=2, max_size=8), after=st.integers(0, 10 * 86_400))
def test_one_meter_shared_by_a_whole_list_changes_no_figure(many, after):
    cal = CALENDARS["kz"]
    now = max(map(horizon, many)) + timedelta(seconds=after)
    measure = cal.meter()
    assert [resumed(held(t, cal, TZ), cal, now, TZ, measure) for t in many] == [clocks(t, cal, now, TZ) for t in many]


def test_a_view_is_its_parts_around_its_clocks():
    ticket = {"id": "ED-2026-000007", "status": "waiting", "client": {"name": "Иванов"}, "sla_rules": RULES,
              "received_at": "2026-11-24T09:10:00+05:00", "priority": None, "extra": [1, "два"],
              "waiting": {"since": "2026-11-24T11:00:00+05:00"}, "sla": "a stored key of that name is not shown",
              "history": [{"at": "2026-11-24T09:10:00+05:00", "type": "opened"},
                          {"at": "2026-11-24T11:00:00+05:00", "type": "info_requested"}]}
    now = horizon(ticket) + timedelta(hours=3)
    before, after = view_parts(ticket, CALENDARS["kz"], TZ)
    view = ticket_view(ticket, CALENDARS["kz"], now, None, TZ)
    assert list(view) == [*before, "sla", *after]
    assert view["sla"] == clocks(ticket, CALENDARS["kz"], now, TZ) and "extra" in after
    assert after["waiting"] == {"since": "2026-11-24T11:00:00+05:00", "auto_close_at": "2026-11-25T10:00:00+05:00"}


# -- the command: the same output, kept rows or not ---------------------------------------------------

@pytest.fixture
def desk(edoc, tmp_path):
    """A desk of tickets in every open state, a cache folder of its own."""
    edoc.env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    first = edoc.open_ticket(now="2026-11-24T09:10:00+05:00")
    second = edoc.open_ticket(now="2026-11-24T11:00:00+05:00", subject="Не приходит «код» \"подтверждения\" \\ SMS")
    bug = edoc.open_ticket(now="2026-11-25T10:00:00+05:00", **{**BUG_FIELDS, "occurred_at": "2026-11-25T09:30:00+05:00"})
    waiting = edoc.open_ticket(now="2026-11-25T12:00:00+05:00", name="Әбілқасымова Гүлнұр")
    for args, at in ((("assign", first, "aida"), "2026-11-24T09:30:00+05:00"),
                     (("reply", first, "-m", "Проверяем"), "2026-11-24T10:00:00+05:00"),
                     (("diagnose", bug, "--priority", "high"), "2026-11-25T10:20:00+05:00"),
                     (("request-info", waiting, "-m", "Пришлите скриншот"), "2026-11-25T12:30:00+05:00"),
                     (("postpone", second, "--reason", "third_party", "-m", "Ждём ответа ЦОН",
                       "--until", "2026-11-30"), "2026-11-25T15:00:00+05:00")):
        result = edoc.run(*args, now=at)
        assert result.code == 0, result
    return {"first": first, "second": second, "bug": bug, "waiting": waiting}


def rows_files(edoc) -> list[Path]:
    return sorted((Path(edoc.env["XDG_CACHE_HOME"]) / "edoc" / "list").glob("*.rows"))


def same_as_every_command(edoc, *args: str, now: str = NOW) -> str:
    """`list ARGS` run twice (making the rows, then from them) and the way of every command: the same."""
    slow = edoc.run("list", *args, *EVERY, now=now)
    assert slow.code == 0, slow
    for _ in range(2):
        fast = edoc.run("list", *args, now=now)
        assert (fast.code, fast.out, fast.err) == (slow.code, slow.out, slow.err)
    return fast.out


@pytest.mark.parametrize("args", [(), ("--json",), ("--sort", "priority"), ("--sort", "created", "--limit", "2"),
                                  ("--sort", "id", "--reverse"), ("--breached",), ("--due-within", "3h"),
                                  ("--status", "waiting,postponed"), ("--assignee", "-"), ("--level", "basic"),
                                  ("--limit", "1", "--json")])
def test_a_list_is_the_same_from_the_kept_rows(edoc, desk, args):
    out = same_as_every_command(edoc, *args)
    same_as_every_command(edoc, *args, now=LATER)  # clocks on, deadlines passed
    if edoc.kind == "json":
        assert rows_files(edoc), "the JSON store keeps its list's rows"
    else:
        assert not rows_files(edoc), "a database lists by itself"
    if "--json" in args:
        assert isinstance(json.loads(out), list)


def test_the_json_of_a_list_is_every_view_as_show_gives_it(edoc, desk):
    listed = edoc.run("list", "--json", now=LATER).json()
    listed = edoc.run("list", "--json", now=LATER).json()  # from the rows now
    assert [v["id"] for v in listed] and len(listed) == 4
    for view in listed:
        shown = edoc.run("show", view["id"], "--json", now=LATER).json()
        assert {k: shown[k] for k in view} == view


def test_every_change_between_two_lists_shows(edoc, desk):
    same_as_every_command(edoc)
    steps = [("assign", desk["second"], "dana"), ("note", desk["bug"], "-m", "Смотрим журнал"),
             ("client-reply", desk["waiting"], "-m", "Скриншот во вложении"),
             ("close", desk["first"], "--resolution", "resolved", "-m", "Решено"),
             ("reopen", desk["first"], "-m", "Снова не работает")]
    for n, step in enumerate(steps):
        at = f"2026-11-26T{10 + n:02d}:15:00+05:00"
        assert edoc.run(*step, now=at).code == 0
        same_as_every_command(edoc, "--json", now=at)
        same_as_every_command(edoc, now=at)
    edoc.open_ticket(now="2026-11-26T16:00:00+05:00", subject="Новая заявка")
    assert "Новая заявка" in same_as_every_command(edoc, now="2026-11-26T16:05:00+05:00")


def test_a_now_before_a_tickets_last_event_replays_that_ticket(edoc, desk):
    same_as_every_command(edoc, "--json", now=LATER)
    for now in ("2026-11-25T12:15:00+05:00", "2026-11-24T09:20:00+05:00", "2026-11-20T09:00:00+05:00"):
        same_as_every_command(edoc, "--json", now=now)
        same_as_every_command(edoc, now=now)


json_only = pytest.mark.json_only(reason="the JSON store's kept rows")


@json_only
def test_a_damaged_rows_file_is_made_again(edoc, desk):
    want = same_as_every_command(edoc, "--json")
    path, = rows_files(edoc)
    good = path.read_bytes()
    rng = random.Random(7)
    table_end = good.index(b"\n", good.index(b"\n") + 1)
    damages = [b"", b"garbage", good[:len(good) // 2], good + b"tail", good[:table_end] + b" " + good[table_end:],
               bytes(b ^ 1 if i == len(good) // 3 else b for i, b in enumerate(good)),
               bytes(b ^ 4 if i == len(good) - 3 else b for i, b in enumerate(good))]
    damages += [bytes(rng.getrandbits(8) for _ in range(200))]
    for damaged in damages:
        path.write_bytes(damaged)
        result = edoc.run("list", "--json")
        assert (result.code, result.out) == (0, want)
        assert path.read_bytes() != damaged, "made again"


def rewrite_rows(path: Path, change) -> None:
    """The kept rows' file with `change(head, entries)` made to it, its checksum made anew (a hand-made
    cache, or one another code wrote)."""
    data = path.read_bytes()
    head, table, parts = data[9:].split(b"\n", 2)
    head, entries = json.loads(head), json.loads(table)
    change(head, entries)
    body = json.dumps(head).encode() + b"\n" + json.dumps(entries, ensure_ascii=False).encode() + b"\n" + parts
    path.write_bytes(b"%08x\n" % zlib.crc32(body) + body)


@json_only
@pytest.mark.parametrize("damage", ["clocks", "clock", "mark", "length", "due"])
def test_rows_of_the_wrong_shape_under_a_right_checksum_are_made_again(edoc, desk, damage):
    """An entry written by other code (or by hand, its checksum recomputed) sends the list the way of every
    command, and is made again: never a crash."""
    from edoc_cli.listing_cache import _HELD

    want = same_as_every_command(edoc, now=LATER)
    want_json = same_as_every_command(edoc, "--json", now=LATER)
    path, = rows_files(edoc)

    def change(head, entries):
        first, second = list(entries.values())[:2]
        if damage == "clocks":
            first[_HELD] = ["soon"] * 7
        elif damage == "clock":
            first[_HELD.start + 5] = [1, 2]
            second[_HELD] = [None] * 7
        elif damage == "mark":
            first[0] = "x"
        elif damage == "length":  # a line's length that sends the store's reader astray
            first[0], first[_HELD.start] = "7", 2 ** 62
        else:  # a deadline that is not a time: the list's order cannot be made
            first[_HELD.start + 6] = [480, 5, None, 3, False]
    rewrite_rows(path, change)
    for args, out in (((), want), (("--json",), want_json)):
        result = edoc.run("list", *args, now=LATER)
        assert (result.code, result.out) == (0, out), (damage, result.err)
    assert same_as_every_command(edoc, now=LATER) == want


@json_only
def test_rows_made_from_no_store_name_none(edoc, desk):
    """Rows whose head names no store file (by hand) are never taken for a missing or unsealed store."""
    same_as_every_command(edoc)
    path, = rows_files(edoc)
    rewrite_rows(path, lambda head, entries: head.update(file=None))
    edoc.store.unlink()
    result = edoc.run("list")
    assert (result.code, result.out) == (0, "") and "no tickets match" in result.err


@json_only
def test_a_cache_file_that_is_not_a_plain_file_of_this_users_is_not_read(edoc, desk):
    want = same_as_every_command(edoc)
    path, = rows_files(edoc)
    path.unlink()
    os.mkfifo(path)  # a FIFO would make a reader wait for a writer forever
    result = edoc.proc("list", timeout=30)
    assert (result.code, result.out) == (0, want)
    path.unlink()
    target = path.with_name("elsewhere")
    same_as_every_command(edoc)
    path.rename(target)
    path.symlink_to(target)
    result = edoc.run("list")
    assert (result.code, result.out) == (0, want)
    assert path.is_symlink() or not path.exists() or path.read_bytes()  # never read through the link


@json_only
def test_a_relative_cache_home_is_ignored(edoc, desk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = edoc.run("list", env={"XDG_CACHE_HOME": "relative-cache"})
    assert result.code == 0
    assert not (tmp_path / "relative-cache").exists()
    assert list((Path(edoc.env["HOME"]) / ".cache" / "edoc" / "list").glob("*.rows"))


@json_only
def test_a_symlinked_archive_is_refused_from_the_kept_rows_too(edoc, desk):
    """What a snapshot refuses in the archive, a list from the kept rows refuses the same (exit 7)."""
    assert edoc.run("close", desk["first"], "--resolution", "resolved", "-m", "Решено").code == 0
    same_as_every_command(edoc)
    archive = Path(str(edoc.store) + ".archive")
    moved = archive.with_name("moved-archive")
    archive.rename(moved)
    archive.symlink_to(moved)
    slow, fast = edoc.run("list", *EVERY), edoc.run("list")
    assert slow.code == 7 and (fast.code, fast.out, fast.err) == (slow.code, slow.out, slow.err)


@json_only
def test_a_pipe_not_in_utf8_gets_the_same_bytes(edoc, desk):
    edoc.open_ticket(name="Әбілқасымова Гүлнұр", subject="Қате хабарлама")
    for encoding in ("cp1251", "utf-8"):
        env = {"PYTHONIOENCODING": encoding}
        slow = edoc.proc("list", "--json", *EVERY, env=env)
        for _ in range(2):
            fast = edoc.proc("list", "--json", env=env)
            assert (fast.code, fast.out, fast.err) == (slow.code, slow.out, slow.err), encoding


@json_only
def test_a_number_orjson_does_not_write_sends_the_list_the_way_of_every_command(edoc, desk):
    """An integer beyond 64 bits in one record (a hand edit, sealed again by the next write) makes the
    json module write the whole list: its floats too, as the way of every command writes them."""
    raw = edoc.store.read_bytes()
    lines = raw.split(b"\n")
    big = next(i for i, line in enumerate(lines) if desk["first"].encode() in line and line.lstrip(b",").startswith(b'"'))
    small = next(i for i, line in enumerate(lines) if desk["bug"].encode() in line and line.lstrip(b",").startswith(b'"'))
    lines[big] = lines[big][:-1] + b',"x":' + str(2 ** 70).encode() + b"}"
    lines[small] = lines[small][:-1] + b',"y":1e-07}'
    edoc.store.write_bytes(b"\n".join(lines))
    assert edoc.run("note", desk["second"], "-m", "Запечатать снова").code == 0
    text = same_as_every_command(edoc, "--json")
    assert '"y":1e-07' in text and str(2 ** 70) in text


def test_the_key_follows_the_code_by_its_bytes_not_its_times(tmp_path, monkeypatch):
    import sys

    from edoc_cli import listing_cache

    cal = CALENDARS["kz"]
    before = listing_cache._key(cal)
    module = sys.modules["edoc_cli.ticket"]
    copy = tmp_path / "ticket.py"
    source = Path(module.__file__).read_bytes()
    copy.write_bytes(source.replace(b'DEFAULT_PRIORITY = "normal"', b'DEFAULT_PRIORITY = "nrmal!"'))
    assert copy.read_bytes() != source and len(copy.read_bytes()) == len(source)
    stat_of = os.stat(module.__file__)
    os.utime(copy, ns=(stat_of.st_atime_ns, stat_of.st_mtime_ns))
    monkeypatch.setattr(module, "__file__", str(copy))
    assert listing_cache._key(cal) not in (before, None)
    monkeypatch.setattr(module, "__file__", str(tmp_path / "gone.py"))
    assert listing_cache._key(cal) is None  # code not known: no rows are kept


@json_only
def test_a_hand_edited_store_is_listed_the_way_of_every_command(edoc, desk):
    same_as_every_command(edoc)
    raw = edoc.store.read_bytes()
    edited = raw.replace("Смена e-mail в профиле".encode(), "Смена почты в профиле".encode(), 1)
    assert edited != raw
    edoc.store.write_bytes(edited)  # the seal no longer holds
    out = same_as_every_command(edoc)
    assert "Смена почты в профиле" in out
    broken = edited.replace(b'"status":"open"', b'"status":"opened"', 1)
    edoc.store.write_bytes(broken)
    result = edoc.run("list")
    assert result.code == 0 and "opened" not in result.out, result
    assert result.out.count("ED-") == 3 and DAMAGED in result.err, result


@json_only
def test_a_change_of_the_calendar_makes_the_rows_again(edoc, desk):
    same_as_every_command(edoc, now=LATER)
    before = rows_files(edoc)[0].read_bytes()
    want = same_as_every_command(edoc, now=LATER)
    edoc.write_config('[calendar]\nextra_days_off = ["2026-11-25"]\nworkday_start = "08:00"\n')
    out = same_as_every_command(edoc, now=LATER)
    assert rows_files(edoc)[0].read_bytes() != before and out != want  # other deadlines
    edoc.write_config('[calendar]\n')
    assert same_as_every_command(edoc, now=LATER) == want


@json_only
def test_rows_that_cannot_be_kept_change_nothing(edoc, desk, tmp_path):
    want = same_as_every_command(edoc, "--json")
    cache = tmp_path / "read-only-cache"
    cache.mkdir()
    os.chmod(cache, stat.S_IRUSR | stat.S_IXUSR)
    try:
        result = edoc.run("list", "--json", env={"XDG_CACHE_HOME": str(cache)})
        assert (result.code, result.out, result.err) == (0, want, "")
    finally:
        os.chmod(cache, stat.S_IRWXU)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    result = edoc.run("list", "--json", env={"XDG_CACHE_HOME": str(blocked)})
    assert (result.code, result.out, result.err) == (0, want, "")


@json_only
def test_the_rows_file_is_private_and_names_its_store(edoc, desk):
    same_as_every_command(edoc)
    path, = rows_files(edoc)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    head = json.loads(path.read_bytes().split(b"\n", 2)[1])
    assert head["store"] == os.path.realpath(edoc.store)
    assert not list(path.parent.glob(".*.tmp")), "no temporary file left behind"


@json_only
def test_a_list_in_a_pipe_ends_with_all_its_output(edoc, desk):
    """A list ends its process at once after its output (app._end): all of it flushed."""
    for n in range(40):
        edoc.open_ticket(now="2026-11-26T09:00:00+05:00", subject=f"Заявка {n} " + "ж" * 150,
                         description="Описание " + "ш" * 1500)
    for args in (("list", "--json"), ("list",), ("list", "--format", "csv")):
        slow = edoc.proc(*args, *EVERY)
        for _ in range(2):
            fast = edoc.proc(*args)
            assert (fast.code, fast.out, fast.err) == (slow.code, slow.out, slow.err)
    assert len(json.loads(edoc.proc("list", "--json").out)) == 44


@json_only
def test_two_lists_and_a_writer_at_once(edoc, desk):
    """Lists in separate processes while tickets change: each list is one state of the store, in full."""
    import subprocess
    import sys

    same_as_every_command(edoc, "--json")
    env = edoc.proc_env(now=LATER)
    lists = [subprocess.Popen([sys.executable, "-m", "edoc_cli", "list", "--json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    for n in range(3):
        assert edoc.proc("note", desk["bug"], "-m", f"Запись {n}", now=LATER).code == 0
    for proc in lists:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        views = json.loads(out)
        assert len(views) == 4
        notes = [e for v in views if v["id"] == desk["bug"] for e in v["history"] if e["type"] == "note"]
        assert len(notes) <= 3
    same_as_every_command(edoc, "--json", now=LATER)


def test_texts_a_terminal_would_run_are_listed_as_every_command_lists_them(edoc, desk):
    """Control sequences an import may bring, in the kept JSON and in the table's cells."""
    record = edoc.run("show", desk["first"], "--json").json()
    scratch = {"EDOC_STORE": str(edoc.tmp / "scratch" / "tickets.json")}  # a record to edit, made by edoc
    assert edoc.run("open", *request_args(), now=NOW, env=scratch).code == 0
    hostile = json.loads(edoc.run("export", now=NOW, env=scratch).out)
    hostile["id"] = "ED-2025-000042"
    hostile["subject"] = "Тема \x1b[31mкрасная\x1b[0m \x9d8;;http://evil\x9c\u202eвонави\u2028ещё\tтаб"
    hostile["client"]["name"] = "Имя \x07\x85 [bold]не разметка[/bold]"
    dump = edoc.tmp / "hostile.jsonl"
    dump.write_text(json.dumps(hostile, ensure_ascii=False) + "\n", encoding="utf-8")
    assert edoc.run("import", str(dump), now=NOW).code == 0
    out = same_as_every_command(edoc)
    assert "красная" in out and "\x1b" not in out and "\x9d" not in out and record["id"] in out
    text = same_as_every_command(edoc, "--json")
    assert "\\u001b[31m" in text and "\\u2028" in text
    assert [v for v in json.loads(text) if v["id"] == "ED-2025-000042"][0]["subject"] == hostile["subject"]
