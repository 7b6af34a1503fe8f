"""Shared fixtures: edoc run in-process or as a real process, on a store in tmp_path.

Time is always injected (EDOC_NOW); nothing reads the real clock, the real
home directory or a real user configuration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The holiday-table cache (edoc_cli.workcal) of test runs stays out of the real home.
os.environ.setdefault("XDG_CACHE_HOME", str(Path(__import__("tempfile").mkdtemp(prefix="edoc-test-cache-"))))

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
    """edoc against one store, with a pinned clock; `run` in-process, `proc` as a subprocess."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.store = tmp_path / "data" / "tickets.json"
        self.config = tmp_path / "config.toml"
        self.env = {
            "EDOC_STORE": str(self.store),
            "EDOC_NOW": DEFAULT_NOW,
            "EDOC_OPERATOR": "tester",
            "HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "LANG": "C.UTF-8",
            "NO_COLOR": "1",
            "EDOC_CONFIG": None,
            "EDOC_LANG": None,
            "EDOC_DEBUG": None,
            "EDOC_LOCK_TIMEOUT": None,
        }

    def write_config(self, text: str) -> Path:
        self.config.write_text(text, encoding="utf-8")
        self.env["EDOC_CONFIG"] = str(self.config)
        return self.config

    def run(self, *args: str, now: str | None = None, input: str | bytes | None = None,
            env: dict[str, str | None] | None = None) -> Result:
        from click.testing import CliRunner

        from edoc_cli.app import run

        environ = {**self.env, **({"EDOC_NOW": now} if now else {}), **(env or {})}
        runner = CliRunner()
        with runner.isolation(input=input, env=environ) as (out, err, _mixed):
            code = run([str(a) for a in args])
            sys.stdout.flush()
            sys.stderr.flush()
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
    from edoc_cli.environment import Environment
    from edoc_cli.errors import EdocError
    from edoc_cli.ticket_rules import ticket_problems
    from edoc_cli.sla import explain

    if not edoc.store.is_file():
        return 0
    environ = {k: v for k, v in edoc.env.items() if v is not None}
    env = Environment(environ=environ)
    try:
        tickets = env.store.snapshot().all_tickets()
        cal, now, tz = env.calendar, env.now(), env.tz
    except EdocError:
        return 0
    checked = 0
    for ticket in tickets:
        if ticket_problems(ticket):
            continue
        report = explain(ticket, cal, now, tz)
        total = sum(row["seconds"] for row in report["intervals"])
        assert total // 60 == report["resolution"]["elapsed_minutes"], (ticket["id"], report)
        checked += 1
    return checked


@pytest.fixture
def edoc(tmp_path: Path):
    desk = Edoc(tmp_path)
    yield desk
    # An invariant over every ticket any test made (issue: SLA clocks that explain themselves).
    assert_timelines_add_up(desk)
