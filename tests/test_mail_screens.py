"""Mail's screens as an operator reads them (issue 15, from the trial of the mail feature): what a
history row says of an attachment too large to keep, the messages set aside and the outbox's queue
at 80 columns in Russian, the recipient always shown."""

from __future__ import annotations

from test_mail_inbound import local, mail, waiting_ticket
from test_mail_outbox import mail_config
from test_russian import ANSI
from test_screens import screen
from smtp_server import SMTPTestServer


def test_an_attachment_too_large_to_keep_is_named_in_the_history(edoc):
    ticket = waiting_ticket(edoc)
    edoc.write_config("[mail]\nmax_attachment_mb = 1\n")
    raw = mail(f"Re: [{ticket}] x", "Снимок во вложении", attachments=[("big.png", b"x" * (3 * 1048576 // 2)),
                                                                        ("small.txt", b"abc")])
    assert edoc.run("mail", "receive", input=raw, now=local("2026-11-26T11:00")).code == 0
    shown = edoc.run("show", ticket, now=local("2026-11-26T11:00")).out
    assert "attachments: small.txt" in shown
    assert "not kept (too large): big.png (1.5 MB)" in shown


def test_the_queue_names_the_recipient_and_the_set_aside_fit_80_columns_in_russian(edoc):
    server = SMTPTestServer()  # down
    mail_config(edoc, server.port)
    tid = edoc.open_ticket(email="aigul.serikova@example-company.kz")
    assert edoc.run("reply", tid, "-m", "Ответ").code == 0
    assert edoc.run("mail", "receive", input=b"\x00\x01 not mail at all", now=local("2026-11-26T10:30")).code == 0
    queue = ANSI.sub("", screen(edoc, 80, "mail", "queue", lang="ru"))
    failed = ANSI.sub("", screen(edoc, 80, "mail", "failed", lang="ru"))
    for shown in (queue, failed):
        assert [line for line in shown.splitlines() if len(line) > 80] == []
    assert "aigul.serikova@example-company.kz" in queue and tid in queue
    assert "2026-11-26 10:30" in failed and "T10:30" not in failed  # a person's time, not ISO


def test_a_message_set_aside_can_be_discarded_for_good_all_or_none(edoc):
    for n, junk in enumerate((b"\x00junk one", b"\x00junk two"), 1):
        assert edoc.run("mail", "receive", input=junk, now=local(f"2026-11-26T10:3{n}")).code == 0
    assert [e["number"] for e in edoc.run("mail", "failed", "--json").json()] == [1, 2]
    refused = edoc.run("mail", "discard", "1", "7")
    assert refused.code == 4 and "7" in refused.err
    assert [e["number"] for e in edoc.run("mail", "failed", "--json").json()] == [1, 2]  # none
    done = edoc.run("mail", "discard", "1", "--json")
    assert (done.code, done.json()) == (0, [1])
    assert [e["number"] for e in edoc.run("mail", "failed", "--json").json()] == [2]
