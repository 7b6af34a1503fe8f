"""Mail out (issue 15): an action and its message commit together; delivery happens at once or by
`edoc mail flush`, with retries on edoc's clock; never lost, never sent twice. A real SMTP server
on 127.0.0.1 (tests/smtp_server.py) receives what edoc sends; both stores."""

from __future__ import annotations

import ast
import json
import os
import signal
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy

import pytest

from smtp_server import SMTPTestServer, smtp_server_fixture  # noqa: F401  (the fixture smtp_server)

NOW = "2026-11-26T10:00:00+05:00"


def mail_config(edoc, port: int, extra: str = "") -> None:
    edoc.write_config(f"""
[mail]
from = "Служба поддержки E-DOC <support@e-doc.kz>"
smtp_host = "127.0.0.1"
smtp_port = {port}
starttls = false
timeout = 5
{extra}
""")


def outbox(edoc) -> list[dict]:
    from edoc_cli.store.commit import RUN

    try:
        return list(edoc.environment().store.snapshot().mail_rows("outbox").values())
    finally:
        RUN.close()


def received(server) -> list:
    return [message_from_bytes(r.data, policy=policy.default) for r in server.received]


def test_a_reply_reaches_the_client_threaded_and_named_in_the_history(edoc, smtp_server):
    mail_config(edoc, smtp_server.port)
    tid = edoc.open_ticket()
    first = edoc.run("reply", tid, "-m", "Откройте «Профиль», затем «Почта».")
    assert first.code == 0, first
    asked = edoc.run("request-info", tid, "-m", "Пришлите, пожалуйста, снимок экрана.", now="2026-11-26T11:00:00+05:00")
    assert asked.code == 0, asked
    mails = received(smtp_server)
    assert len(mails) == 2
    assert [r.rcpt_tos for r in smtp_server.received] == [["ivanov@example.kz"], ["ivanov@example.kz"]]
    assert mails[0]["Subject"] == f"[{tid}] Смена e-mail в профиле"
    assert mails[0]["To"].addresses[0].addr_spec == "ivanov@example.kz"
    assert "Откройте «Профиль», затем «Почта»." in mails[0].get_content()
    assert "Пришлите, пожалуйста, снимок экрана." in mails[1].get_content()
    # the second answers the first: the client's mail program threads them
    assert mails[1]["In-Reply-To"] == mails[0]["Message-ID"]
    assert mails[0]["Message-ID"] in mails[1]["References"]
    assert mails[0]["Auto-Submitted"] is None  # a person's reply
    history = edoc.ticket(tid)["history"]
    assert [e.get("message_id") for e in history] == [None, mails[0]["Message-ID"], mails[1]["Message-ID"]]
    shown = edoc.ticket(tid)["mail"]
    assert [m["state"] for m in shown] == ["sent", "sent"]
    assert all(m["attempts"] == 1 for m in shown)
    assert all("raw" not in row for row in outbox(edoc))  # a sent message's text is not kept


def test_no_mail_skips_one_action_and_no_address_or_no_config_sends_nothing(edoc, smtp_server):
    mail_config(edoc, smtp_server.port)
    tid = edoc.open_ticket()
    assert edoc.run("reply", tid, "-m", "Ответ по телефону", "--no-mail").code == 0
    assert edoc.run("note", tid, "-m", "Позвонил клиенту").code == 0  # a note is never sent
    no_address = edoc.open_ticket(email=None, phone="+77011234567")
    assert edoc.run("reply", no_address, "-m", "Ответ").code == 0
    assert smtp_server.received == [] and outbox(edoc) == []
    assert all("message_id" not in e for e in edoc.ticket(tid)["history"])
    edoc.write_config("")  # mail not configured: the default
    assert edoc.run("reply", tid, "-m", "Ещё ответ").code == 0
    assert smtp_server.received == [] and outbox(edoc) == []


def test_a_server_that_is_down_leaves_the_message_queued_and_retried_on_edocs_clock(edoc):
    server = SMTPTestServer()  # its port chosen, nobody listening yet
    mail_config(edoc, server.port)
    tid = edoc.open_ticket()
    done = edoc.run("reply", tid, "-m", "Ответ клиенту")
    assert done.code == 0, done  # the action stands
    assert "queued" in done.err and "retried on its own" in done.err
    assert edoc.ticket(tid)["status"] == "open"
    [row] = outbox(edoc)
    assert (row["state"], row["attempts"]) == ("queued", 1)
    assert row["next_at"] == "2026-11-26T10:01:00+05:00"  # 1 minute after the first failure
    # still down a minute later: the second wait is 2 minutes
    again = edoc.run("mail", "flush", "--json", now="2026-11-26T10:01:00+05:00")
    assert again.code == 0 and again.json()["sent"] == 0
    [row] = outbox(edoc)
    assert (row["attempts"], row["next_at"]) == (2, "2026-11-26T10:03:00+05:00")
    with server:
        early = edoc.run("mail", "flush", "--json", now="2026-11-26T10:02:00+05:00")
        assert early.json()["sent"] == 0 and server.received == []  # not due yet
        late = edoc.run("mail", "flush", "--json", now="2026-11-26T10:03:00+05:00")
        assert late.json()["sent"] == 1
        again = edoc.run("mail", "flush", "--json", now="2026-11-26T10:10:00+05:00")
        assert again.json()["sent"] == 0
    assert len(server.received) == 1
    assert received(server)[0]["Message-ID"] == edoc.ticket(tid)["history"][-1]["message_id"]


def test_a_refusal_fails_the_message_visibly_and_it_goes_again_to_the_mended_address(edoc, smtp_server):
    mail_config(edoc, smtp_server.port)
    tid = edoc.open_ticket()
    other = edoc.open_ticket(subject="Другой вопрос")
    smtp_server.mode = "refuse"
    done = edoc.run("reply", tid, "-m", "Ответ")
    assert done.code == 0 and "550" in done.err and "--retry-failed" in done.err
    assert edoc.ticket(tid)["mail"][0]["state"] == "failed"
    listed = edoc.run("list", "--mail-failed", "--format", "json")
    assert listed.code == 0, listed
    assert [t["id"] for t in listed.json()] == [tid]
    assert other not in listed.out
    queue = edoc.run("mail", "queue", "--json").json()
    assert [(q["ticket"], q["state"]) for q in queue] == [(tid, "failed")]
    assert "550" in queue[0]["last_error"]
    # a plain flush leaves a failed message alone
    smtp_server.mode = "accept"
    assert edoc.run("mail", "flush", "--json").json()["sent"] == 0
    assert edoc.run("edit", tid, "--email", "ivanov.new@example.kz").code == 0
    sent = edoc.run("mail", "flush", "--retry-failed", "--json")
    assert sent.json()["sent"] == 1
    assert smtp_server.received[0].rcpt_tos == ["ivanov.new@example.kz"]
    assert edoc.run("mail", "queue", "--json").json() == []


def test_the_sweeps_clause_15_close_is_mailed_as_automatic_with_the_regulations_words(edoc, smtp_server):
    mail_config(edoc, smtp_server.port)
    tid = edoc.open_ticket()
    assert edoc.run("request-info", tid, "-m", "Пришлите снимок экрана", now=NOW).code == 0
    swept = edoc.run("sweep", "--json", now="2026-11-27T10:00:00+05:00")  # 8 working hours later
    assert swept.code == 0, swept
    assert [c["id"] for c in swept.json()["closed"]] == [tid]
    assert swept.json()["mail"]["sent"] == 1
    closing = received(smtp_server)[-1]
    assert closing["Auto-Submitted"] == "auto-generated"
    assert "ответ от клиента не получен" in closing.get_content()
    assert closing["In-Reply-To"] == received(smtp_server)[0]["Message-ID"]


def test_a_dry_run_sweep_queues_nothing(edoc, smtp_server):
    mail_config(edoc, smtp_server.port)
    tid = edoc.open_ticket()
    assert edoc.run("request-info", tid, "-m", "Пришлите снимок экрана", "--no-mail", now=NOW).code == 0
    before = edoc.state()
    dry = edoc.run("sweep", "--dry-run", "--json", now="2026-11-27T10:00:00+05:00")
    assert dry.code == 0 and [c["id"] for c in dry.json()["closed"]] == [tid]
    assert edoc.state() == before and smtp_server.received == []


def _queue_while_down(edoc, count: int) -> tuple[SMTPTestServer, list[str]]:
    server = SMTPTestServer()
    mail_config(edoc, server.port)
    ids = []
    for i in range(count):
        tid = edoc.open_ticket(subject=f"Вопрос {i}")
        assert edoc.run("reply", tid, "-m", f"Ответ {i}").code == 0
        ids.append(edoc.ticket(tid)["history"][-1]["message_id"])
    return server, ids


def killed_while_sending(edoc, port: int, args: list[str], now: str) -> None:
    """Run edoc `args` as a real process against a mail server on `port` that accepts and never greets,
    and kill it (SIGKILL) once its message is claimed for sending: a crash in the middle of a send."""
    mute = socket.socket()
    mute.bind(("127.0.0.1", port))
    mute.listen(1)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "edoc_cli", *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=edoc.proc_env(now=now))
        deadline = time.monotonic() + 30
        while not outbox(edoc) or outbox(edoc)[0]["state"] != "sending":
            assert time.monotonic() < deadline and proc.poll() is None, proc.returncode
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        mute.close()


def test_two_flushes_at_once_deliver_each_message_once(edoc):
    server, ids = _queue_while_down(edoc, 6)
    with server:
        later = "2026-11-26T11:00:00+05:00"
        procs = [subprocess.Popen([sys.executable, "-m", "edoc_cli", "mail", "flush", "--json"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=edoc.proc_env(now=later))
                 for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        sent = [json.loads(out)["sent"] for out, _err in outs]
        assert sum(sent) == 6
    got = [m["Message-ID"] for m in received(server)]
    assert sorted(got) == sorted(ids)  # every one, once
    assert {r["state"] for r in outbox(edoc)} == {"sent"}


def test_a_flush_killed_mid_send_leaves_the_message_to_the_next_flush_sent_once(edoc):
    """A crash between the claim and the send: the claim ends, the next flush sends it, once."""
    server, [mid] = _queue_while_down(edoc, 1)
    killed_while_sending(edoc, server.port, ["mail", "flush"], "2026-11-26T11:00:00+05:00")
    [row] = outbox(edoc)
    assert row["state"] == "sending"
    with server:
        # while its claim lasts, another flush leaves it alone: it may be on its way
        assert edoc.run("mail", "flush", "--json", now="2026-11-26T11:00:30+05:00").json()["sent"] == 0
        assert edoc.run("mail", "flush", "--json", now="2026-11-26T11:05:00+05:00").json()["sent"] == 1
        assert edoc.run("mail", "flush", "--json", now="2026-11-26T11:10:00+05:00").json()["sent"] == 0
    assert [m["Message-ID"] for m in received(server)] == [mid]


def test_mail_off_by_default_needs_no_mail_modules(edoc):
    """An action on a desk without [mail] never imports what composes or sends mail (speed)."""
    tid = edoc.open_ticket()
    code = ("import atexit, sys\n"  # the process ends at once after its exit handlers (app._end)
            "atexit.register(lambda: print('LOADED', sorted(m for m in sys.modules"
            " if m.startswith(('edoc_cli.mail', 'email')) or m == 'smtplib'), file=sys.stderr))\n"
            "from edoc_cli.entry import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code, "reply", tid, "-m", "Ответ"], capture_output=True, text=True,
                          env=edoc.proc_env())
    assert done.returncode == 0, done.stderr
    loaded = ast.literal_eval(done.stderr.split("LOADED", 1)[1].strip())
    if edoc.kind == "postgres":  # the driver itself loads the email package (importlib.metadata)
        loaded = [m for m in loaded if not m.startswith("email")]
    assert loaded == []  # not the mail modules, nor (JSON store) the email package: 7 ms a run


@pytest.mark.parametrize("args", [["reply", "-m", "x"], ["request-info", "-m", "x"],
                                  ["close", "--resolution", "resolved"], ["terminate", "-m", "x"]])
def test_each_sending_action_offers_no_mail(edoc, args):
    done = edoc.run(args[0], "--help")
    assert "--no-mail" in done.out


def test_a_tickets_mail_and_the_queue_fit_80_columns_in_russian(edoc):
    """The operator's screens of undelivered mail: whole lines at 80 columns, Russian words."""
    from test_russian import ANSI, CODES, english_words
    from test_screens import screen

    server = SMTPTestServer()  # down
    mail_config(edoc, server.port)
    tid = edoc.open_ticket(email="ivanov.ivan.ivanovich@example-company.kz")
    assert edoc.run("reply", tid, "-m", "Откройте профиль и смените адрес").code == 0
    card = ANSI.sub("", screen(edoc, 80, "show", tid, lang="ru"))
    queue = ANSI.sub("", screen(edoc, 80, "mail", "queue", lang="ru"))
    for shown in (card, queue):
        assert [line for line in shown.splitlines() if len(line) > 80] == []
        assert english_words(shown, CODES | {tid, "tester", "ivanov", "ivan", "ivanovich", "example", "company", "kz"}) == []
    assert "письма" in card and "в очереди" in card and "отказал" in card and "соединении" in card
    assert tid in queue and "в очереди" in queue


def test_the_sweep_tells_only_news_of_mail_and_a_delivered_message_keeps_no_old_error(edoc):
    """cron mails whatever the sweep prints: a message still being retried is no news on every run;
    once delivered, the old trouble is gone from `show`."""
    server = SMTPTestServer()  # down
    mail_config(edoc, server.port)
    tid = edoc.open_ticket()
    assert edoc.run("reply", tid, "-m", "Ответ").code == 0
    for minute in ("10:05", "10:10"):
        swept = edoc.run("sweep", now=f"2026-11-26T{minute}:00+05:00")
        assert (swept.code, swept.out, swept.err) == (0, "", ""), swept
    flushed = edoc.run("mail", "flush", now="2026-11-26T10:11:00+05:00")
    assert "1 waiting for their next attempt" in flushed.err  # not due yet: not an empty queue
    with server:
        swept = edoc.run("sweep", now="2026-11-26T11:00:00+05:00")
        assert (swept.code, swept.err) == (0, "")
    [row] = edoc.ticket(tid)["mail"]
    assert (row["state"], row["last_error"]) == ("sent", None)


def test_an_action_killed_between_its_commit_and_the_send_leaves_its_message_sent_later_once(edoc):
    """The operator's `reply` dies (a crash, kill -9) after its change is committed, while the mail
    server has not answered yet: the reply stands, and the next flush after the claim ends sends it."""
    server = SMTPTestServer()
    mail_config(edoc, server.port)
    tid = edoc.open_ticket()
    killed_while_sending(edoc, server.port, ["reply", tid, "-m", "Ответ клиенту"], NOW)  # after its commit
    history = edoc.ticket(tid)["history"]
    assert history[-1]["type"] == "replied"  # the action stands
    with server:
        assert edoc.run("mail", "flush", "--json", now="2026-11-26T10:05:00+05:00").json()["sent"] == 1
        assert edoc.run("mail", "flush", "--json", now="2026-11-26T10:30:00+05:00").json()["sent"] == 0
    assert [m["Message-ID"] for m in received(server)] == [history[-1]["message_id"]]
