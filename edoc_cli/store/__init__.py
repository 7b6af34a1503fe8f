"""Where the tickets live: the store interface (`base`), the commit point every store keeps
(`commit`), and the one implementation today, JSON files (`jsonfiles`)."""

from __future__ import annotations

import os
from pathlib import Path

from edoc_cli.store.base import DuplicateKey, Snapshot, Store, Summarize, encode, no_duplicate_keys

__all__ = ["DuplicateKey", "Snapshot", "Store", "Summarize", "default_store_path", "encode", "no_duplicate_keys",
           "open_store"]


def default_store_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".local" / "share")
    return Path(base) / "edoc" / "tickets.json"


def is_url(location: str | Path) -> bool:
    """Whether the store's location names a PostgreSQL database rather than a file."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def open_store(location: str | Path, lock_timeout: float, summarize: Summarize | None = None) -> Store:
    """The store at `location`: a postgresql:// URL (the PostgreSQL store), or a path (the JSON store)."""
    if is_url(location):
        from edoc_cli.store.postgres.store import PgStore

        return PgStore(str(location), lock_timeout, summarize)
    from edoc_cli.store.jsonfiles.store import JsonStore

    return JsonStore(Path(location), lock_timeout, summarize)
