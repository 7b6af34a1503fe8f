"""benchmarks/mail_day.py runs a small day end to end and finds nothing lost: issue 15's closing
figures come from it (real edoc processes, a real SMTP server, a real Maildir; the JSON store).

The expected figures follow from the day's script for 6 tickets (worked out by hand):
tickets 0-5; waiting (asked for information) are those with i % 3 != 0: 1, 2, 4, 5; the client
answers on every other waiting one: 1 and 4 (the second answer, n = 1, threaded by In-Reply-To
alone); ticket 1's address is mistyped. Messages: 6 replies + 4 information requests + 2 clause-15
closes (tickets 2 and 5) = 12. The ten actions fall two per phase: down (replies 0, 1), tempfail
(2, 3), drop (4, 5), refuse (requests 1, 2), accept (requests 4, 5): ticket 1's reply (queued since
the outage) and its request are refused with 550, mended, sent. Inbound: 2 answers, 1 auto-reply
(ticket 2, the first silent one), 1 bounce, 2 messages naming no ticket, each delivered into the
Maildir and piped (6 duplicates), and 2 messages that are no mail at all, set aside.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.json_only(reason="the script's own JSON store")

ROOT = Path(__file__).resolve().parent.parent


def row(table: str, label: str) -> str:
    """The value of the table's row that starts with `label`."""
    prefix = f"| {label} | "
    [line] = [x for x in table.splitlines() if x.startswith(prefix)]
    return line[len(prefix):].rstrip(" |")


def test_a_small_mail_day_loses_nothing_and_closes_only_the_unanswered(tmp_path):
    out = tmp_path / "day.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "mail_day.py"), "--tickets", "6", "--workdir", str(tmp_path / "w"),
         "--out", str(out)],
        capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                                          "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = out.read_text(encoding="utf-8")
    assert table == done.stdout
    assert table.startswith("mail day: 6 tickets, JSON store, ")
    # out
    assert row(table, "messages written by actions (Message-ID in the history)") == "12"
    assert row(table, "delivered: distinct Message-IDs the SMTP server received") == "12"
    assert row(table, "sent, as the outbox says") == "12"
    assert row(table, "refused (550), address mended with `edit`, sent by `flush --retry-failed`") == "2"
    assert row(table, "lost") == "0"
    assert row(table, "still queued or failed at the end (`mail queue`)") == "0"
    assert row(table, "of which not explained by a dropped connection") == "0"
    assert row(table, "received that edoc never wrote") == "0"
    # The six replies went into the outages; ticket 1's was refused, and `--retry-failed` counts afresh.
    assert row(table, "retried (more than one attempt)").split()[0] == "5"
    # in
    assert row(table, "messages offered (distinct) / deliveries (Maildir + pipe)") == "8 / 14"
    assert row(table, "recorded as the client's reply") == "2 (of which 1 threaded by In-Reply-To alone)"
    assert row(table, "automatic (auto-replies, a bounce) recorded, timer untouched") == "2"
    assert row(table, "duplicates recognised") == "6"
    assert row(table, "intake (naming no ticket)") == "2"
    assert row(table, "set aside (`mail failed`)") == "2"
    assert row(table, "recorded twice") == "0"
    assert row(table, "filed in the wrong place") == "0"
    assert row(table, "lost (incl. left in new/)") == "0"
    # the sweep
    assert row(table, "waiting tickets / whose client answered") == "4 / 2"
    assert row(table, "wrongly closed although the client answered") == "0"
    assert row(table, "rightly closed, clause-15 e-mail received") == "2"
    assert row(table, "unanswered but left open / closed without the e-mail") == "0 / 0"
    assert table.rstrip().endswith("RESULT: nothing lost, nothing wrongly closed")
