"""The sweep and mail together (issue 15): the sweep takes in the configured Maildir before it closes
anything, so a client's answer waiting there wins, with or without outbound mail configured.

The waiting ticket (test_mail_inbound.waiting_ticket): registered Thu 26 Nov 2026 09:00, information
requested at 10:00, clause-15 timer out at 18:00 the same day (8 working hours, 09:00-18:00 Astana).
"""

from __future__ import annotations

import os

from test_mail_inbound import events, local, mail, waiting_ticket
from test_mail_maildir import deliver, maildir


def test_the_sweep_reads_the_maildir_first_so_an_answer_waiting_there_keeps_the_ticket_open(edoc):
    first, second = waiting_ticket(edoc), waiting_ticket(edoc)
    box = maildir(edoc.tmp / "Maildir")
    edoc.write_config(f'[mail]\nmaildir = "{box}"\n')  # receiving only: no sender, no server
    name = deliver(box, mail(f"Re: [{first}] x", "Вот снимок экрана"), "2026-11-26T17:30", 1)
    swept = edoc.run("sweep", "--json", now=local("2026-11-26T18:30"))
    assert swept.code == 0, swept
    # The answer was taken in first: only the ticket nobody answered is closed.
    assert [c["id"] for c in swept.json()["closed"]] == [second]
    assert edoc.ticket(first)["status"] == "open"
    assert events(edoc, first, "client_replied")[0]["arrived_at"] == local("2026-11-26T17:30")
    assert events(edoc, first, "reopened") == []  # no close to undo: it never happened
    assert os.listdir(box / "new") == [] and os.listdir(box / "cur") == [name + ":2,S"]
    assert swept.json()["mail"] == {"sent": 0, "retry_later": [], "failed": [], "waiting": 0}  # no server


def test_a_dry_run_sweep_leaves_the_maildir_alone(edoc):
    ticket = waiting_ticket(edoc)
    box = maildir(edoc.tmp / "Maildir")
    edoc.write_config(f'[mail]\nmaildir = "{box}"\n')
    name = deliver(box, mail(f"Re: [{ticket}] x", "Ответ"), "2026-11-26T17:30", 1)
    before = edoc.state()
    dry = edoc.run("sweep", "--dry-run", "--json", now=local("2026-11-26T18:30"))
    assert dry.code == 0 and [c["id"] for c in dry.json()["closed"]] == [ticket]
    assert edoc.state() == before and os.listdir(box / "new") == [name]


def test_a_maildir_that_cannot_be_read_holds_back_only_the_clause_15_closes(edoc):
    """Dovecot makes the Maildir at its first delivery, and a share can be unmounted: the sweep then
    closes nothing for want of an answer (one may be waiting there), says why, and does the rest."""
    ticket = waiting_ticket(edoc)
    missing = edoc.tmp / "NoSuchMaildir"
    edoc.write_config(f'[mail]\nmaildir = "{missing}"\n')
    swept = edoc.run("sweep", "--json", now=local("2026-11-26T18:30"))
    assert swept.code == 0, swept
    assert swept.json()["closed"] == []
    assert [b["target"] for b in swept.json()["breached"]] == []  # the rest of the sweep ran (nothing due)
    assert "NoSuchMaildir" in swept.err and "nothing is closed" in swept.err
    assert edoc.ticket(ticket)["status"] == "waiting"
    maildir(missing)  # the first delivery makes it: the next run closes
    swept = edoc.run("sweep", "--json", now=local("2026-11-26T18:35"))
    assert [c["id"] for c in swept.json()["closed"]] == [ticket] and swept.err == ""


def test_a_client_answer_fetched_late_ends_the_pause_when_it_arrived(edoc):
    """The SLA clock runs again from the answer's arrival at the mail server, not from when edoc read
    it: the client answered at 11:00; the Maildir is read at 12:30."""
    ticket = waiting_ticket(edoc)  # information requested at 10:00 (Thu 26 Nov 2026)
    box = maildir(edoc.tmp / "Maildir")
    deliver(box, mail(f"Re: [{ticket}] x", "Вот снимок"), "2026-11-26T11:00", 1)
    assert edoc.run("mail", "fetch", "--maildir", box, now=local("2026-11-26T12:30")).code == 0
    # Registered 09:00; ran 09:00-10:00 (60 min), paused 10:00-11:00, running again from 11:00.
    # At 13:00: 60 + 120 = 180 working minutes of the 960 (consultation, basic: 16 h).
    clock = edoc.ticket(ticket, now=local("2026-11-26T13:00"))["sla"]["resolution"]
    assert clock["elapsed_minutes"] == 180
    timeline = edoc.run("sla", ticket, "--json", now=local("2026-11-26T13:00")).json()
    paused = [s for s in timeline["intervals"] if s["kind"] == "paused"]
    assert [(p["start"], p["end"]) for p in paused] == [(local("2026-11-26T10:00"), local("2026-11-26T11:00"))]
    assert timeline["counted_minutes"] == 180
