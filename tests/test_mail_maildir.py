"""edoc mail fetch --maildir DIR (issue 15): every new message, moved to cur/ only once it is stored.

The waiting ticket: registered Thu 26 Nov 2026 09:00, information requested at 10:00, clause-15
timer out at 18:00 the same day (8 working hours, 09:00-18:00 Astana).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from test_mail_inbound import CLIENT, events, local, mail, mail_rows, spool, waiting_ticket


def maildir(root: Path) -> Path:
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


def deliver(box: Path, raw: bytes, when: str, serial: int) -> str:
    """A message delivered as a mail server does: named by its delivery second, in new/."""
    seconds = int(datetime.fromisoformat(local(when)).timestamp())
    name = f"{seconds}.M{serial}P1.mx"
    (box / "new" / name).write_bytes(raw)
    return name


def test_every_message_is_received_and_a_bad_one_blocks_none_after_it(edoc):
    ticket_id = waiting_ticket(edoc)
    box = maildir(edoc.tmp / "Maildir")
    names = [
        deliver(box, mail(f"Re: [{ticket_id}] x", "Ответ клиента"), "2026-11-26T10:30", 1),
        deliver(box, b"\x00\x01 binary junk", "2026-11-26T10:31", 2),
        deliver(box, mail("Новый вопрос", "Без номера", sender="new@example.kz"), "2026-11-26T10:32", 3),
        deliver(box, mail(f"[{ticket_id}] Автоответ", "В отпуске", headers={"Auto-Submitted": "auto-replied"}),
                "2026-11-26T10:33", 4),
    ]
    result = edoc.run("mail", "fetch", "--maildir", box, now=local("2026-11-26T11:00"))
    assert (result.code, result.out) == (0, "received 3 (client replies 1, other mail on tickets 1, intake 1), duplicates 0, set aside 1\n"), result
    assert sorted(os.listdir(box / "new")) == []
    assert sorted(os.listdir(box / "cur")) == sorted(n + ":2,S" for n in names)
    assert [p.read_bytes() for p in spool(edoc)] == [b"\x00\x01 binary junk"]
    reply = events(edoc, ticket_id, "client_replied")[0]
    assert reply["arrived_at"] == local("2026-11-26T10:30")  # the Maildir's delivery time
    assert events(edoc, ticket_id, "mail_received")[0]["automatic"] == "auto_reply"
    assert [r["sender"] for r in mail_rows(edoc, "intake").values()] == ["new@example.kz"]
    # Delivered again (a Cc, or the pipe too): nothing recorded twice.
    deliver(box, mail(f"Re: [{ticket_id}] x", "Ответ клиента"), "2026-11-26T10:40", 5)
    again = edoc.run("mail", "fetch", "--maildir", box, "--json", now=local("2026-11-26T11:05")).json()
    assert (again["received"], again["duplicates"]) == (0, 1)
    assert len(events(edoc, ticket_id, "client_replied")) == 1


def test_a_busy_store_stops_the_fetch_and_leaves_the_messages_in_new(edoc):
    ticket_id = waiting_ticket(edoc)
    box = maildir(edoc.tmp / "Maildir")
    names = [deliver(box, mail(f"Re: [{ticket_id}] {i}", f"Ответ {i}"), "2026-11-26T10:30", i) for i in range(3)]
    before = edoc.state()
    with edoc.lock_held():
        result = edoc.proc("mail", "fetch", "--maildir", box, now=local("2026-11-26T11:00"),
                           env={"EDOC_LOCK_TIMEOUT": "0.3"})
    assert result.code == 6, result
    assert "the rest stay in new/" in result.err
    assert sorted(os.listdir(box / "new")) == sorted(names) and os.listdir(box / "cur") == []
    assert edoc.state() == before and spool(edoc) == []
    # Free again: the next fetch takes them all.
    assert edoc.run("mail", "fetch", "--maildir", box, now=local("2026-11-26T11:05")).code == 0
    assert os.listdir(box / "new") == [] and len(events(edoc, ticket_id, "client_replied")) == 3


def test_a_reply_delivered_before_the_auto_close_wins_over_the_sweep_that_ran_first(edoc):
    ticket_id = waiting_ticket(edoc)
    assert ticket_id in edoc.run("sweep", now=local("2026-11-26T18:10")).out
    box = maildir(edoc.tmp / "Maildir")
    deliver(box, mail(f"Re: [{ticket_id}] x", "Успел!"), "2026-11-26T17:59", 1)
    fetched = edoc.run("mail", "fetch", "--maildir", box, "--json", now=local("2026-11-26T18:20")).json()
    assert fetched["replies"] == 1 and fetched["messages"][0]["reopened"] is True
    view = edoc.ticket(ticket_id, now=local("2026-11-26T18:20"))
    assert view["status"] == "open"
    assert [e["type"] for e in view["history"][-3:]] == ["closed", "reopened", "client_replied"]


def test_the_configured_maildir_is_the_default_and_what_is_not_a_maildir_is_refused(edoc):
    box = maildir(edoc.tmp / "Mail box")
    deliver(box, mail("Вопрос", "Текст", sender=CLIENT), "2026-11-26T10:30", 1)
    assert edoc.run("mail", "fetch").code == 2  # none given, none configured
    edoc.write_config(f'[mail]\nmaildir = "{box}"\n')
    assert edoc.run("mail", "fetch", "--json").json()["intake"] == 1
    plain = edoc.tmp / "plain"
    plain.mkdir()
    refused = edoc.run("mail", "fetch", "--maildir", plain)
    assert refused.code == 2 and "is not a Maildir" in refused.err


def test_links_in_new_are_left_alone(edoc):
    box = maildir(edoc.tmp / "Maildir")
    secret = edoc.tmp / "secret.eml"
    secret.write_bytes(mail("Секрет", "Чужое письмо", sender="x@example.kz"))
    (box / "new" / "1764132000.M1P1.mx").symlink_to(secret)
    (box / "new" / "1764132001.M2P1.mx").mkdir()
    result = edoc.run("mail", "fetch", "--maildir", box, now=local("2026-11-26T11:00"))
    assert result.code == 0 and result.out.startswith("received 0 ")
    assert result.err.count("is not a plain file") == 2
    assert sorted(os.listdir(box / "new")) == ["1764132000.M1P1.mx", "1764132001.M2P1.mx"]
    assert mail_rows(edoc, "intake") == {} and mail_rows(edoc, "seen") == {}


def test_the_whole_corpus_goes_through_and_nothing_is_left_behind(edoc):
    from test_mail_inbound import DATA

    box = maildir(edoc.tmp / "Maildir")
    corpus = sorted(DATA.glob("*.eml"))
    for i, path in enumerate(corpus):
        (box / "new" / f"{1764132000 + i}.M{i}P1.mx").write_bytes(path.read_bytes())
    result = edoc.run("mail", "fetch", "--maildir", box, "--json", now=local("2026-12-01T12:00")).json()
    # No ticket is named that the store holds: everything readable waits in the intake.
    assert result["intake"] + result["set_aside"] == len(corpus) and result["stopped"] is None
    assert os.listdir(box / "new") == [] and len(os.listdir(box / "cur")) == len(corpus)
    rows = mail_rows(edoc, "intake")
    automatic = {r["sender"]: r["automatic"] for r in rows.values() if r["automatic"]}
    assert automatic["mailer-daemon@mail.edoc.example.kz"] == "bounce"
    assert automatic["news@shop.example.kz"] == "bulk"
