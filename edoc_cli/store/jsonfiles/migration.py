"""Schema 1 (one file) to the current schema: the transformation; the store writes the backup first
and commits the result as any change, all or nothing."""

from __future__ import annotations

import json

from edoc_cli.store.jsonfiles.layout import SCHEMA_VERSION
from edoc_cli.store.jsonfiles.snapshot import JsonSnapshot


def migrated(snap: JsonSnapshot, backup_name: str) -> JsonSnapshot:
    """A copy of a schema 1 snapshot in the current layout: closed tickets archived, the backup noted.

    Until the store proper is replaced (the commit, the last step) it is the schema 1 file, which
    every command still reads whole; archive files staged before a crash are written again.
    """
    tables = {name: dict(table) for name, table in snap.data.items()}
    result = JsonSnapshot(json.loads(json.dumps(tables)), snap.store, snap.files, exact=snap.exact)
    result.texts_suspect = snap.texts_suspect
    meta = result.meta()
    meta["schema_version"] = SCHEMA_VERSION
    meta["migrated_from_v1"] = {"backup": backup_name}
    result.set_meta(meta)
    for ticket in result.pending_tickets():
        if ticket["status"] == "closed":
            result.take_into_archive(ticket)
    return result
