"""edoc mail receive (issue 15, "In"): a message on stdin recorded once, where it belongs.

Working time is 09:00-18:00 Astana (UTC+5), Monday to Friday; the clause-15 timer is 8 working
hours. The desk's waiting ticket: registered Thu 26 Nov 2026 09:00, information requested at 10:00,
so the timer runs out Thu 26 Nov 18:00 (10:00-18:00 = 8 h).
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "mail"
CLIENT = "ivanov@example.kz"


def local(text: str) -> str:
    return f"{text}:00+05:00"


def mail(subject: str, body: str = "Вот скриншот ошибки.", sender: str = CLIENT, message_id: str | None = None,
         headers: dict[str, str] | None = None, attachments: list[tuple[str, bytes]] = ()) -> bytes:
    message = EmailMessage()
    message["From"] = f"Иванов Иван <{sender}>"
    message["To"] = "support@e-doc.kz"
    message["Subject"] = subject
    message["Date"] = "Thu, 26 Nov 2026 10:30:00 +0500"
    message["Message-ID"] = message_id or f"<{abs(hash((subject, body, sender)))}@mail.example.kz>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def waiting_ticket(edoc) -> str:
    ticket_id = edoc.open_ticket(now=local("2026-11-26T09:00"))
    assert edoc.run("request-info", ticket_id, "-m", "Пришлите скриншот", now=local("2026-11-26T10:00")).code == 0
    return ticket_id


def receive(edoc, raw: bytes, now: str, *args: str):
    return edoc.run("mail", "receive", *args, input=raw, now=local(now))


def events(edoc, ticket_id: str, kind: str, now: str = "2026-11-30T12:00") -> list[dict]:
    return [e for e in edoc.ticket(ticket_id, now=local(now))["history"] if e["type"] == kind]


def spool(edoc) -> list[Path]:
    folder = edoc.tmp / "xdg-state" / "edoc" / "mail-failed"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def mail_rows(edoc, kind: str) -> dict:
    from edoc_cli.store.commit import RUN

    try:
        return edoc.environment().store.snapshot().mail_rows(kind)
    finally:
        RUN.close()


# -- the client's answer and the clause-15 sweep ----------------------------------------------


def test_a_reply_clears_the_waiting_and_the_sweep_then_leaves_it_open(edoc):
    ticket_id = waiting_ticket(edoc)
    raw = mail(f"Re: [{ticket_id}] Смена e-mail в профиле", message_id="<reply-1@mail.example.kz>")
    result = edoc.proc("mail", "receive", input=raw, now=local("2026-11-26T11:00"))  # as Postfix's pipe runs it
    assert (result.code, result.out, result.err) == (0, f"{ticket_id}: the client's reply recorded\n", "")
    view = edoc.ticket(ticket_id, now=local("2026-11-26T11:00"))
    assert view["status"] == "open" and view["waiting"] is None
    reply = view["history"][-1]
    assert {k: reply[k] for k in ("type", "by", "at", "message", "via", "from", "subject", "message_id",
                                  "arrived_at", "attachments")} == {
        "type": "client_replied", "by": "tester", "at": local("2026-11-26T11:00"), "message": "Вот скриншот ошибки.",
        "via": "email", "from": CLIENT, "subject": f"Re: [{ticket_id}] Смена e-mail в профиле",
        "message_id": "<reply-1@mail.example.kz>", "arrived_at": local("2026-11-26T11:00"), "attachments": []}
    # Past the 18:00 the timer would have run out: nothing to close.
    sweep = edoc.run("sweep", now=local("2026-11-26T19:00"))
    assert (sweep.code, sweep.out) == (0, "")
    assert edoc.ticket(ticket_id, now=local("2026-11-26T19:00"))["status"] == "open"
    seen = list(mail_rows(edoc, "seen").values())
    assert [(r["message_id"], r["ticket"], r["outcome"], r["sender"]) for r in seen] == [
        ("<reply-1@mail.example.kz>", ticket_id, "client_reply", CLIENT)]


@pytest.mark.parametrize("headers, sender, kind", [
    ({"Auto-Submitted": "auto-replied"}, CLIENT, "auto_reply"),
    ({"Return-Path": "<>"}, "MAILER-DAEMON@mx.example.kz", "bounce"),
])
def test_an_auto_reply_or_a_bounce_leaves_it_waiting_and_the_sweep_closes_it(edoc, headers, sender, kind):
    ticket_id = waiting_ticket(edoc)
    raw = mail(f"Автоответ: [{ticket_id}] Смена e-mail", "Я в отпуске до понедельника.", sender=sender,
               headers=headers)
    result = receive(edoc, raw, "2026-11-26T11:00", "--json")
    assert result.code == 0, result
    assert result.json()["outcome"] == "recorded" and result.json()["reason"] == "automatic"
    view = edoc.ticket(ticket_id, now=local("2026-11-26T11:00"))
    assert view["status"] == "waiting"
    assert view["waiting"]["since"] == local("2026-11-26T10:00")  # the timer was not reset
    event = view["history"][-1]
    assert (event["type"], event["automatic"], event["from"]) == ("mail_received", kind, sender.lower())
    assert event["message"] == "Я в отпуске до понедельника."
    sweep = edoc.run("sweep", now=local("2026-11-26T18:00"))
    assert sweep.code == 0 and ticket_id in sweep.out
    assert edoc.ticket(ticket_id, now=local("2026-11-26T18:00"))["resolution"]["code"] == "no_response"


def test_a_third_party_is_recorded_and_flagged_never_the_clients_answer(edoc):
    ticket_id = waiting_ticket(edoc)
    raw = mail(f"RE: [{ticket_id}] Смена e-mail", "Подтверждаю смену адреса.", sender="Boss@Firma.example.kz")
    result = receive(edoc, raw, "2026-11-26T11:00")
    assert result.out == f"{ticket_id}: a message from a third party recorded (boss@firma.example.kz)\n"
    view = edoc.ticket(ticket_id, now=local("2026-11-26T11:00"))
    assert view["status"] == "waiting"
    event = view["history"][-1]
    assert (event["type"], event["third_party"], event["from"]) == ("mail_received", True, "boss@firma.example.kz")
    assert "closed_ticket" not in event and "automatic" not in event
    shown = edoc.run("show", ticket_id, now=local("2026-11-26T11:00"))
    line = next(x for x in shown.out.splitlines() if "mail received" in x)
    assert "from a third party: boss@firma.example.kz" in line and "Подтверждаю смену адреса." in line


def test_mail_on_a_closed_ticket_is_recorded_and_reopens_nothing(edoc):
    ticket_id = edoc.open_ticket(now=local("2026-11-26T09:00"))
    assert edoc.run("close", ticket_id, "--resolution", "resolved", "-m", "Адрес сменён",
                    now=local("2026-11-26T09:30")).code == 0
    result = receive(edoc, mail(f"Re: [{ticket_id}] Смена", "Спасибо!"), "2026-11-26T11:00")
    assert result.out == f"{ticket_id}: a message recorded on the closed ticket (it reopens nothing)\n"
    view = edoc.ticket(ticket_id, now=local("2026-11-26T11:00"))
    assert view["status"] == "closed" and view["resolution"]["code"] == "resolved"
    event = view["history"][-1]
    assert (event["type"], event["closed_ticket"], event["message"]) == ("mail_received", True, "Спасибо!")


# -- whichever runs first, the client's answer before the clause-15 moment wins ------------


def test_an_answer_that_arrived_before_the_auto_close_reopens_the_ticket_the_sweep_closed(edoc):
    ticket_id = waiting_ticket(edoc)
    assert ticket_id in edoc.run("sweep", now=local("2026-11-26T18:30")).out  # the sweep ran first
    # The mail server took it at 17:30 (its Received line), edoc reads it at 18:40.
    raw = mail(f"Re: [{ticket_id}] Смена", "Скриншот во вложении.",
               headers={"Received": "from mx.example.kz by mail.e-doc.kz; Thu, 26 Nov 2026 17:30:00 +0500"})
    result = receive(edoc, raw, "2026-11-26T18:40")
    assert result.out == (f"{ticket_id}: reopened, the client's reply recorded "
                          "(it came before the clause-15 close)\n")
    view = edoc.ticket(ticket_id, now=local("2026-11-26T18:40"))
    assert view["status"] == "open" and view["resolution"] is None
    reopened, replied = view["history"][-2:]
    assert reopened["type"] == "reopened" and reopened["at"] == local("2026-11-26T18:40")
    assert reopened["message"] == ("Ответ клиента, полученный 26.11.2026 17:30, пришёл раньше закрытия по пункту 15 "
                                   "(срок ожидания истёк 26.11.2026 18:00): обращение открыто снова.")
    assert (replied["type"], replied["arrived_at"]) == ("client_replied", local("2026-11-26T17:30"))


def test_an_answer_that_arrived_after_the_auto_close_moment_leaves_the_close_standing(edoc):
    ticket_id = waiting_ticket(edoc)
    edoc.run("sweep", now=local("2026-11-26T18:30"))
    raw = mail(f"Re: [{ticket_id}] Смена", "Поздно, но вот.",
               headers={"Received": "from mx by mail.e-doc.kz; Thu, 26 Nov 2026 18:05:00 +0500"})
    assert receive(edoc, raw, "2026-11-26T18:40", "--json").json()["reason"] == "closed_ticket"
    view = edoc.ticket(ticket_id, now=local("2026-11-26T18:40"))
    assert view["status"] == "closed" and view["history"][-1]["type"] == "mail_received"


# -- once, and not too often ------------------------------------------------------------------


def test_the_same_message_twice_is_recorded_once(edoc):
    ticket_id = waiting_ticket(edoc)
    raw = mail(f"Re: [{ticket_id}] Смена", message_id="<same@mail.example.kz>")
    assert receive(edoc, raw, "2026-11-26T11:00", "--json").json()["outcome"] == "client_reply"
    again = receive(edoc, raw, "2026-11-26T11:05")
    assert (again.code, again.out) == (0, "already received (<same@mail.example.kz>): nothing recorded\n")
    assert len(events(edoc, ticket_id, "client_replied")) == 1
    assert len(mail_rows(edoc, "seen")) == 1


def test_a_sender_over_the_hourly_limit_is_set_aside_then_retried_by_the_operator(edoc):
    edoc.write_config("[mail]\nmax_per_hour = 3\n")
    for minute in ("00", "10", "20"):
        result = receive(edoc, mail("Вопрос", f"Письмо {minute}", sender="bot@spam.example.kz"),
                         f"2026-11-26T11:{minute}", "--json")
        assert result.json()["outcome"] == "intake", result
    fourth = receive(edoc, mail("Вопрос", "Письмо 30", sender="bot@spam.example.kz"), "2026-11-26T11:30", "--json")
    assert fourth.code == 0 and fourth.json()["outcome"] == "set_aside" and fourth.json()["set_aside"] == 1
    assert len(mail_rows(edoc, "intake")) == 3
    assert [r["outcome"] for r in mail_rows(edoc, "seen").values()] == ["intake"] * 3 + ["throttled"]
    listed = edoc.run("mail", "failed", "--json").json()
    assert [(e["number"], e["from"], e["subject"]) for e in listed] == [(1, "bot@spam.example.kz", "Вопрос")]
    assert listed[0]["reason"].startswith("throttled")
    # The same message again within the hour is a duplicate, not a second set-aside copy.
    assert receive(edoc, mail("Вопрос", "Письмо 30", sender="bot@spam.example.kz"),
                   "2026-11-26T11:35", "--json").json()["outcome"] == "duplicate"
    # Another sender is not throttled; an hour after the first three, this one is not either.
    assert receive(edoc, mail("Вопрос", "Другой", sender="c@example.kz"), "2026-11-26T11:40",
                   "--json").json()["outcome"] == "intake"
    retried = edoc.run("mail", "retry", "1", "--json", now=local("2026-11-26T11:45"))
    assert retried.code == 0 and retried.json()[0]["outcome"] == "intake", retried
    assert edoc.run("mail", "failed", "--json").json() == [] and spool(edoc) == []
    assert [r["text"] for r in mail_rows(edoc, "intake").values()][-1] == "Письмо 30"


# -- what cannot be stored is set aside, never lost; a busy store is the mail server's to retry --


def test_an_unparseable_message_is_set_aside_and_listed(edoc):
    result = edoc.proc("mail", "receive", input=b"\x00\x01\x02 not mail at all", now=local("2026-11-26T11:00"))
    assert result.code == 0, result
    assert result.out.startswith("set aside as 1: not a readable e-mail message")
    assert len(spool(edoc)) == 1 and spool(edoc)[0].read_bytes() == b"\x00\x01\x02 not mail at all"
    assert oct(spool(edoc)[0].stat().st_mode & 0o777) == "0o600"
    assert oct(spool(edoc)[0].parent.stat().st_mode & 0o777) == "0o700"
    listed = edoc.run("mail", "failed").out.splitlines()
    assert listed[0].split("\t") == ["number", "when", "sender", "subject", "reason"]
    assert listed[1].split("\t")[:2] == ["1", local("2026-11-26T11:00")]
    retried = edoc.run("mail", "retry", "--all")
    assert retried.code == 0 and retried.out.startswith("1: set aside as 1:")
    assert len(spool(edoc)) == 1  # still unreadable: kept
    assert edoc.run("mail", "retry", "7").code == 4


@pytest.mark.json_only(reason="a damaged JSON store file, then put back")
def test_a_damaged_store_sets_the_message_aside_and_retry_stores_it_once_repaired(edoc):
    ticket_id = waiting_ticket(edoc)
    good = edoc.store.read_bytes()
    edoc.store.write_bytes(good[: len(good) // 2])
    raw = mail(f"Re: [{ticket_id}] Смена", "Вот ответ.")
    result = edoc.proc("mail", "receive", input=raw, now=local("2026-11-26T11:00"))
    assert result.code == 0 and result.out.startswith("set aside as 1: "), result
    assert edoc.run("mail", "failed", "--json").json()[0]["from"] == CLIENT
    edoc.store.write_bytes(good)
    retried = edoc.run("mail", "retry", "1", now=local("2026-11-26T11:10"))
    assert retried.out == f"1: {ticket_id}: the client's reply recorded\n", retried
    assert spool(edoc) == []
    replied = events(edoc, ticket_id, "client_replied")
    assert len(replied) == 1 and replied[0]["message"] == "Вот ответ."
    assert replied[0]["arrived_at"] == local("2026-11-26T11:00")  # when it came, not when it was retried


def test_a_busy_store_exits_75_and_writes_nothing_anywhere(edoc):
    ticket_id = waiting_ticket(edoc)
    before = edoc.state()
    with edoc.lock_held():
        result = edoc.proc("mail", "receive", input=mail(f"Re: [{ticket_id}] x"), now=local("2026-11-26T11:00"),
                           env={"EDOC_LOCK_TIMEOUT": "0.3"})
    assert result.code == 75, result
    assert result.out == "" and "the mail server tries again" in result.err
    assert edoc.state() == before and spool(edoc) == []


def test_a_spool_that_cannot_be_written_exits_75(edoc):
    blocker = edoc.tmp / "not-a-folder"
    blocker.write_text("x")
    edoc.write_config(f'[mail]\nfailed_dir = "{blocker}/failed"\n')
    result = edoc.proc("mail", "receive", input=b"\x00 junk", now=local("2026-11-26T11:00"))
    assert result.code == 75 and "nor set aside" in result.err, result


# -- no ticket: the intake; attachments; hostile mail ------------------------------------------


def test_mail_naming_no_ticket_waits_in_the_intake_with_its_attachments(edoc):
    raw = mail("Не могу подписать договор", "Здравствуйте! Ошибка NCALayer.", sender="New.Client@Example.kz",
               attachments=[("../../etc/passwd", b"root:x"), ("scan.pdf", b"%PDF-1.4"), ("..\\..\\boot.ini", b"b")])
    result = receive(edoc, raw, "2026-11-26T11:00", "--json")
    assert result.json()["outcome"] == "intake" and result.json()["intake"] == 1
    row = mail_rows(edoc, "intake")[1]
    assert {k: row[k] for k in ("at", "sender", "sender_name", "subject", "text", "automatic", "state")} == {
        "at": local("2026-11-26T11:00"), "sender": "new.client@example.kz", "sender_name": "Иванов Иван",
        "subject": "Не могу подписать договор", "text": "Здравствуйте! Ошибка NCALayer.", "automatic": None,
        "state": "waiting"}
    assert sorted(row["attachments"]) == ["boot.ini", "passwd", "scan.pdf"]
    from edoc_cli.store.commit import RUN

    snap = edoc.environment().store.snapshot()
    assert snap.kept_file("intake-1", "scan.pdf") == b"%PDF-1.4" and snap.kept_file("intake-1", "passwd") == b"root:x"
    RUN.close()
    assert not (edoc.tmp / "etc").exists()


def test_attachments_on_a_ticket_never_overwrite_each_other(edoc):
    ticket_id = waiting_ticket(edoc)
    first = mail(f"Re: [{ticket_id}] x", "Первый", attachments=[("scan.pdf", b"one")])
    second = mail(f"Re: [{ticket_id}] x", "Второй", attachments=[("scan.pdf", b"two"), ("scan.pdf", b"three")])
    receive(edoc, first, "2026-11-26T11:00")
    receive(edoc, second, "2026-11-26T11:10")
    assert [e["attachments"] for e in events(edoc, ticket_id, "client_replied")] == [
        ["scan.pdf"], ["scan-2.pdf", "scan-3.pdf"]]
    from edoc_cli.store.commit import RUN

    snap = edoc.environment().store.snapshot()
    assert [snap.kept_file(ticket_id, n) for n in ("scan.pdf", "scan-2.pdf", "scan-3.pdf")] == [b"one", b"two", b"three"]
    RUN.close()


def test_an_attachment_over_the_limit_is_listed_not_kept(edoc):
    edoc.write_config("[mail]\nmax_attachment_mb = 0.001\n")  # 1048 bytes
    ticket_id = waiting_ticket(edoc)
    raw = mail(f"Re: [{ticket_id}] x", "Большой файл", attachments=[("big.bin", b"x" * 5000), ("ok.txt", b"ok")])
    receive(edoc, raw, "2026-11-26T11:00")
    event = events(edoc, ticket_id, "client_replied")[0]
    assert event["attachments"] == ["ok.txt"]
    assert event["refused_attachments"] == [{"name": "big.bin", "size": 5000, "reason": "too_large"}]


def test_escape_sequences_never_reach_the_terminal(edoc):
    ticket_id = waiting_ticket(edoc)
    raw = mail(f"Re: [{ticket_id}] \x1b[2J\x1b]0;pwned\x07", "Текст \x1b[31mкрасный\x1b[0m\x9b31m",
               sender="evil@example.kz")
    for result in (receive(edoc, raw, "2026-11-26T11:00"), edoc.run("show", ticket_id, now=local("2026-11-26T11:00")),
                   receive(edoc, b"\x1b[2J" + raw, "2026-11-26T11:05"), edoc.run("mail", "failed")):
        assert result.code == 0, result
        assert not any(c in result.out + result.err for c in "\x1b\x07\x9b"), result


# -- the corpus: a reply found by References to a message we sent ------------------------------


def test_a_reply_naming_no_ticket_is_matched_by_the_message_we_sent(edoc):
    ticket_id = edoc.open_ticket("--email", "e.seitkali@example.kz", now=local("2026-11-26T09:00"))
    assert edoc.run("request-info", ticket_id, "-m", "?", now=local("2026-11-26T10:00")).code == 0
    from edoc_cli.store.commit import RUN

    with edoc.environment().store.transaction() as snap:  # what the outbox holds after request-info's mail
        snap.put_mail_row("outbox", {"ticket": ticket_id, "message_id": "<edoc.ED-2026-000042.3@edoc.example.kz>",
                                     "to": "e.seitkali@example.kz", "state": "sent", "attempts": 1,
                                     "queued_at": local("2026-11-26T10:00"), "next_at": None})
    RUN.close()
    raw = (DATA / "reply_by_references_only.eml").read_bytes()
    result = receive(edoc, raw, "2026-11-26T11:00", "--json")
    assert (result.json()["outcome"], result.json()["ticket_id"]) == ("client_reply", ticket_id), result
    assert edoc.ticket(ticket_id, now=local("2026-11-26T11:00"))["status"] == "open"


def test_two_deliveries_at_once_record_the_message_once(edoc):
    import subprocess
    import sys

    ticket_id = waiting_ticket(edoc)
    raw = mail(f"Re: [{ticket_id}] x", message_id="<twice@mail.example.kz>")
    env = edoc.proc_env(now=local("2026-11-26T11:00"))
    runs = [subprocess.Popen([sys.executable, "-m", "edoc_cli", "mail", "receive", "--json"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    outcomes = sorted(json.loads(run.communicate(raw, timeout=60)[0])["outcome"] for run in runs)
    assert outcomes == ["client_reply", "duplicate"]
    assert len(events(edoc, ticket_id, "client_replied")) == 1


def test_an_automatic_messages_id_never_names_a_ticket(edoc):
    ticket_id = waiting_ticket(edoc)
    receive(edoc, mail(f"[{ticket_id}] Автоответ", "В отпуске", message_id="<auto@bank.example.kz>",
                       headers={"Auto-Submitted": "auto-replied"}), "2026-11-26T11:00")
    answer = mail("Re: Автоответ", "Ответ на автоответ", sender="other@bank.example.kz",
                  headers={"In-Reply-To": "<auto@bank.example.kz>"})
    assert receive(edoc, answer, "2026-11-26T11:10", "--json").json()["outcome"] == "intake"
    # A person's message recorded on the ticket does name it.
    receive(edoc, mail(f"Re: [{ticket_id}] x", "Ответ", message_id="<person@mail.example.kz>"), "2026-11-26T11:20")
    follow = mail("Ещё", "Дополнение", headers={"In-Reply-To": "<person@mail.example.kz>"})
    assert receive(edoc, follow, "2026-11-26T11:30", "--json").json()["ticket_id"] == ticket_id


def test_the_line_is_in_the_run_s_language(edoc):
    ticket_id = waiting_ticket(edoc)
    result = edoc.run("mail", "receive", input=mail(f"Re: [{ticket_id}] x"), now=local("2026-11-26T11:00"),
                      env={"EDOC_LANG": "ru"})
    assert result.out == f"{ticket_id}: ответ клиента записан\n"
    shown = edoc.run("show", ticket_id, now=local("2026-11-26T11:00"), env={"EDOC_LANG": "ru"})
    assert "ответ клиента" in shown.out


@pytest.mark.json_only(reason="a PostgreSQL server that is not there: the desk's own store does not matter")
def test_an_unreachable_database_exits_75_and_sets_nothing_aside(edoc):
    result = edoc.proc("mail", "receive", input=mail("[ED-2026-000001] x"), now=local("2026-11-26T11:00"),
                       env={"EDOC_STORE": "postgresql://tester@/edoc?host=/nonexistent-socket&connect_timeout=2"})
    assert result.code == 75 and "cannot be reached" in result.err, result
    assert spool(edoc) == []


def test_seen_rows_older_than_30_days_are_forgotten_and_an_hour_later_the_sender_is_free(edoc):
    from edoc_cli.store.commit import RUN

    edoc.write_config("[mail]\nmax_per_hour = 1\n")
    with edoc.environment().store.transaction() as snap:
        snap.put_mail_row("seen", {"message_id": "<old@x>", "at": local("2026-10-26T10:59"), "sender": CLIENT})
        snap.put_mail_row("seen", {"message_id": "<kept@x>", "at": local("2026-10-27T11:00"), "sender": CLIENT})
        snap.put_mail_row("seen", {"message_id": "<hour@x>", "at": local("2026-11-26T09:59"), "sender": CLIENT})
    RUN.close()
    # 30 days before 2026-11-26T11:00 is 2026-10-27T11:00; the 09:59 row is over an hour old.
    assert receive(edoc, mail("Вопрос"), "2026-11-26T11:00", "--json").json()["outcome"] == "intake"
    assert [r["message_id"] for r in mail_rows(edoc, "seen").values()][:2] == ["<kept@x>", "<hour@x>"]
    assert receive(edoc, mail("Вопрос 2"), "2026-11-26T11:30", "--json").json()["outcome"] == "set_aside"


def test_a_different_message_reusing_a_known_message_id_is_not_dropped_as_a_copy(edoc):
    """Copies of one message (a Cc, the pipe and the Maildir) say the same under other Received lines:
    recorded once. A different message under the same Message-ID (a mailer that reuses ids, or a
    forger) is no copy: it is taken on its own merits, never lost."""
    ticket_id = waiting_ticket(edoc)
    first = mail(f"Re: [{ticket_id}] x", "Вот снимок", message_id="<same@example.kz>")
    copy = b"Received: from mx2.example.kz by mx.e-doc.kz; Thu, 26 Nov 2026 10:31:00 +0500\r\n" + first
    other = mail("Срочно", "Совсем другое письмо", sender="newclient@example.kz", message_id="<same@example.kz>")
    outcomes = [receive(edoc, raw, "2026-11-26T10:40", "--json").json()["outcome"] for raw in (first, copy, other)]
    assert outcomes == ["client_reply", "duplicate", "intake"]
    assert len(events(edoc, ticket_id, "client_replied")) == 1
    intake = mail_rows(edoc, "intake")
    assert [r["sender"] for r in intake.values()] == ["newclient@example.kz"]
