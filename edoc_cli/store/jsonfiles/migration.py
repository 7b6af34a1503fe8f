"""Schema 1 (one file) to the current schema, all or nothing."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING

from edoc_cli.store.jsonfiles.layout import SCHEMA_VERSION
from edoc_cli.store.jsonfiles.snapshot import JsonSnapshot

if TYPE_CHECKING:
    from edoc_cli.store.jsonfiles.store import JsonStore


def migrate_v1(store: "JsonStore", snap: JsonSnapshot, raw: bytes) -> None:
    """Schema 1 -> the current schema, all or nothing: back up, archive the closed tickets, then the store.

    Until the store proper is replaced (the last step) it is the schema 1 file, which every
    command still reads whole; archive files written before a crash are written again. The
    backup is a new file of an unguessable name: a link planted for it is never written through.
    """
    from datetime import datetime

    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    backup = store.path.with_name(f"{store.path.name}.backup-v1-{stamp}-{secrets.token_hex(4)}")
    store._write_new(backup, raw.decode("utf-8"))
    migrated = JsonSnapshot(json.loads(json.dumps(snap.data)), store, snap.files)
    meta = migrated.meta()
    meta["schema_version"] = SCHEMA_VERSION
    meta["migrated_from_v1"] = {"backup": backup.name}
    migrated.set_meta(meta)
    for ticket in migrated.pending_tickets():
        if ticket["status"] == "closed":
            migrated._known_in_archive.add(ticket["id"])  # the schema 1 file is the only copy
            migrated.put(ticket)
    store._commit(migrated, counts=False)
