"""Everything a command takes from outside: paths, clock, operator, terminal.

Commands receive one Environment; tests make their own (EDOC_NOW, a store in
tmp_path), so nothing reads the real clock or the real home directory.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from edoc_cli.errors import UsageError
from edoc_cli.i18n import _


@dataclass
class Environment:
    store_flag: str | None = None
    config_flag: str | None = None
    operator_flag: str | None = None
    lang_flag: str | None = None
    debug: bool = False
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    builtin_config: bool = False  # the built-in defaults, whatever file the flags or the environment name

    # -- paths ---------------------------------------------------------------
    @cached_property
    def store_path(self) -> "Path | str":
        """The store's location: a path (the JSON store), or a postgresql:// URL as given."""
        from edoc_cli.store import default_store_path, is_url

        given = self.store_flag or self.environ.get("EDOC_STORE")
        if given and is_url(given):
            return given
        if given:
            return Path(given).expanduser()
        return default_store_path(self.environ)

    @cached_property
    def config_location(self) -> tuple[Path, str]:
        from edoc_cli.config import resolve_config_path

        return resolve_config_path(self.config_flag, self.environ)

    @cached_property
    def config(self):
        from edoc_cli.config import load_config

        if self.builtin_config:
            return load_config(None)
        path, source = self.config_location
        return load_config(path, required=source != "default location")

    @cached_property
    def tz(self):
        from edoc_cli.rules.working_time import zone_for

        return zone_for(self.config)

    # -- clock ---------------------------------------------------------------
    @cached_property
    def fixed_now(self) -> datetime | None:
        raw = self.environ.get("EDOC_NOW")
        if not raw:
            return None
        try:
            when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(_("EDOC_NOW={value} is not an ISO 8601 date and time").format(value=repr(raw))) from None
        if when.tzinfo is None:
            raise UsageError(_("EDOC_NOW={value} needs an offset, e.g. 2026-11-26T10:15:00+05:00").format(
                value=repr(raw)))
        return when

    def now(self) -> datetime:
        """The instant every command acts as of: EDOC_NOW, else the system clock, in whole seconds
        (stored instants have no fractions, so clocks add up exactly), within the years edoc handles."""
        from edoc_cli.limits import year_problem

        when = self.fixed_now or self._server_clock() or datetime.now(timezone.utc)
        try:
            local = when.astimezone(self.tz).replace(microsecond=0)
            why = year_problem(local)
        except OverflowError:
            local, why = None, _("is out of range")
        if why:
            source = "EDOC_NOW" if self.fixed_now else _("the system clock")
            raise UsageError(_("{source} says {when}, which {problem}; nothing was done").format(
                source=source, when=when.isoformat(), problem=why))
        return local

    def _server_clock(self) -> datetime | None:
        """On a database store, its server's clock: one clock for a team whose machines disagree."""
        server_now = getattr(self.store, "server_now", None)
        return server_now() if server_now else None

    # -- who -----------------------------------------------------------------
    @cached_property
    def operator(self) -> str:
        from edoc_cli.safe_text import control_problem

        current_user = getattr(self.store, "current_user", None)
        if current_user is not None:
            # On PostgreSQL the database authenticated the operator: --operator cannot say otherwise
            # (SPEC: ignored there; said once when given on the command line, never repeated).
            role = current_user()
            if self.operator_flag and self.operator_flag != role:
                from edoc_cli.store.commit import RUN

                RUN.warnings.append(_("--operator is ignored: on PostgreSQL the operator is the database role "
                                      "{role}").format(role=role))
            return role
        name = self.operator_flag or self.environ.get("EDOC_OPERATOR")
        source = "--operator" if self.operator_flag else "EDOC_OPERATOR"
        if not name:
            try:
                import getpass  # only without an operator named: it loads termios

                name = getpass.getuser()
            except Exception:
                name = "unknown"
            source = _("the login name")
        why = control_problem(name, False)
        if why or not name.strip() or len(name) > 64:
            raise UsageError(_("{source}: the operator name {problem}").format(
                source=source, problem=why or _("must be 1-64 characters")))
        return name.strip()

    @cached_property
    def lock_timeout(self) -> float:
        """How long a write waits for another edoc's lock."""
        return self._seconds("EDOC_LOCK_TIMEOUT", 5.0)

    @cached_property
    def busy_wait(self) -> float:
        """How long the wizard keeps retrying a busy store before it asks what to do."""
        return self._seconds("EDOC_BUSY_WAIT", 30.0)

    def _seconds(self, name: str, default: float) -> float:
        raw = self.environ.get(name)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = -1
        if not 0 <= value <= 3600:
            raise UsageError(_("{name}={value} must be seconds from 0 to 3600").format(name=name, value=repr(raw)))
        return value

    # -- terminal ------------------------------------------------------------
    @property
    def stdout_tty(self) -> bool:
        return sys.stdout.isatty()

    @property
    def stdin_tty(self) -> bool:
        return sys.stdin.isatty()

    @property
    def interactive(self) -> bool:
        """Whether a person can answer questions: input and the prompt's output (stderr) are a terminal."""
        return sys.stdin.isatty() and sys.stderr.isatty()

    @property
    def color(self) -> bool:
        return self.stdout_tty and "NO_COLOR" not in self.environ

    # -- the core ------------------------------------------------------------
    @cached_property
    def store(self):
        from edoc_cli.store import open_store

        return open_store(self.store_path, self.lock_timeout, summarize=self._summarize)

    def _summarize(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """An archived ticket's report summary: its figures as of its closing (its clocks stop there)."""
        from edoc_cli.report import summarize
        from edoc_cli.tz import parse_instant

        closed_at = parse_instant(ticket["resolution"]["closed_at"], self.tz)
        return summarize(ticket, self.calendar, closed_at, self.tz)

    @cached_property
    def desk(self):
        from edoc_cli.desk import Desk

        return Desk(self.store, self.config, self.now, self.operator, self.tz, self.calendar, self.environ)

    @cached_property
    def calendar(self):
        from edoc_cli.rules.working_time import calendar_for

        return calendar_for(self.config, self.tz)
