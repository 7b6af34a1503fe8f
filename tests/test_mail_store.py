"""The store's mail rows and files (store/mail_rows.py), on both stores: committed with the change
that writes them, never written when a reader would refuse them, skipped when damaged."""

from __future__ import annotations

import pytest

from edoc_cli.errors import StoreWriteFailed
from edoc_cli.store.commit import RUN

ROW = {"ticket": "ED-2026-000001", "message_id": "<a@b>", "to": "c@d.kz", "state": "queued", "attempts": 0,
       "queued_at": "2026-11-26T10:00:00+05:00", "next_at": "2026-11-26T10:00:00+05:00"}


def _store(edoc):
    return edoc.environment().store


def test_rows_commit_with_the_transaction_and_are_numbered_in_turn(edoc):
    store = _store(edoc)
    with store.transaction() as snap:
        assert snap.put_mail_row("outbox", ROW) == 1
        assert snap.put_mail_row("outbox", {**ROW, "message_id": "<b@b>"}) == 2
        snap.put_mail_row("seen", {"message_id": "<x@y>", "at": "2026-11-26T10:00:00+05:00"})
    rows = store.snapshot().mail_rows("outbox")
    assert [r["message_id"] for r in rows.values()] == ["<a@b>", "<b@b>"]
    assert list(rows) == [1, 2]
    with store.transaction() as snap:
        snap.put_mail_row("outbox", {**ROW, "state": "sent"}, n=1)
        snap.drop_mail_row("outbox", 2)
    rows = store.snapshot().mail_rows("outbox")
    assert list(rows) == [1] and rows[1]["state"] == "sent"
    assert store.snapshot().mail_rows("seen")[1]["message_id"] == "<x@y>"
    RUN.close()


def test_a_failed_block_writes_no_row(edoc):
    store = _store(edoc)
    with pytest.raises(KeyError):
        with store.transaction() as snap:
            snap.put_mail_row("outbox", ROW)
            raise KeyError("stop")
    assert store.snapshot().mail_rows("outbox") == {}
    RUN.close()


@pytest.mark.parametrize("bad", [
    {**ROW, "state": "lost"}, {**ROW, "attempts": "1"}, {**ROW, "attempts": True}, {k: v for k, v in ROW.items()
                                                                                    if k != "to"}])
def test_a_row_a_reader_would_refuse_is_never_written(edoc, bad):
    store = _store(edoc)
    with pytest.raises(StoreWriteFailed):
        with store.transaction() as snap:
            snap.put_mail_row("outbox", bad)
    assert store.snapshot().mail_rows("outbox") == {}
    RUN.close()


def test_files_are_kept_with_plain_names_only(edoc):
    store = _store(edoc)
    with store.transaction() as snap:
        snap.keep_file("ED-2026-000001", "scan.pdf", b"%PDF-1.4 data")
        snap.keep_file("ED-2026-000001", "a.txt", b"")
        snap.put_mail_row("seen", {"message_id": "<x@y>", "at": "2026-11-26T10:00:00+05:00"})
    snap = store.snapshot()
    assert snap.kept_files("ED-2026-000001") == [("a.txt", 0), ("scan.pdf", 13)]
    assert snap.kept_file("ED-2026-000001", "scan.pdf") == b"%PDF-1.4 data"
    assert snap.kept_file("ED-2026-000001", "missing.pdf") is None
    assert snap.kept_files("ED-2026-000002") == []
    for owner, name in [("ED-2026-000001", "../x"), ("ED-2026-000001", ".hidden"), ("../..", "x"),
                        ("ED-2026-000001", "a/b"), ("ED-2026-000001", "a\x1b[2J"), ("", "x")]:
        with pytest.raises(StoreWriteFailed):
            with store.transaction() as snap:
                snap.keep_file(owner, name, b"x")
    RUN.close()


@pytest.mark.json_only(reason="a hand edit of the JSON store's file")
def test_a_damaged_row_is_skipped_with_a_warning(edoc):
    import json

    store = _store(edoc)
    with store.transaction() as snap:
        snap.put_mail_row("outbox", ROW)
        snap.put_mail_row("outbox", {**ROW, "message_id": "<b@b>"})
    data = json.loads(edoc.store.read_text())
    data["outbox"]["1"]["state"] = 7
    edoc.store.write_text(json.dumps(data))
    RUN.close()
    rows = store.snapshot().mail_rows("outbox")
    assert list(rows) == [2]
    assert any("outbox row 1 is damaged" in w for w in RUN.warnings)
    RUN.close()
