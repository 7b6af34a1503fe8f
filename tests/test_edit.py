"""`edoc edit`: correcting a registration through the same checklist, one `edited` event.

SLA figures below are worked out by hand from SPEC.md's table (basic: consultation 4 / 16 h,
feature 8 / none, bug normal 4 / 40 h) and the working day 09:00-18:00 of Astana.
"""

from __future__ import annotations

import pytest

from conftest import BUG_FIELDS

OPENED = "2026-11-26T10:00:00+05:00"   # Thursday, a working day
EDITED = "2026-11-26T12:00:00+05:00"


def events(edoc, tid, kind):
    return [e for e in edoc.ticket(tid)["history"] if e["type"] == kind]


def test_edit_records_old_and_new_of_the_changed_fields_only(edoc):
    tid = edoc.open_ticket(now=OPENED)
    r = edoc.run("edit", tid, "--email", "new@example.kz", "--phone", "8 (701) 123-45-67",
                 "--subject", "Смена e-mail в профиле", now=EDITED)  # the subject is unchanged
    assert r.code == 0, r
    assert r.out == ""
    assert "ivanov@example.kz" in r.err and "new@example.kz" in r.err
    t = edoc.ticket(tid, now=EDITED)
    assert t["client"]["email"] == "new@example.kz"
    assert t["client"]["phone"] == "+77011234567"  # normalised as at registration
    [event] = [e for e in t["history"] if e["type"] == "edited"]
    assert event == {"at": EDITED, "by": "tester", "type": "edited", "changes": {
        "email": {"old": "ivanov@example.kz", "new": "new@example.kz"},
        "phone": {"old": None, "new": "+77011234567"}}}
    assert t["status"] == "new"
    check = edoc.run("check", "--json", now=EDITED)
    assert check.code == 0 and check.json()["ok"], check


def test_the_same_values_change_nothing_and_say_so(edoc):
    tid = edoc.open_ticket(now=OPENED)
    before = edoc.state()
    r = edoc.run("edit", tid, "--email", "ivanov@example.kz", "--category", "consultation", now=EDITED)
    assert r.code == 0, r
    assert "nothing changed" in r.err
    assert edoc.state() == before


def test_no_field_is_a_usage_error_naming_the_flags(edoc):
    tid = edoc.open_ticket(now=OPENED)
    r = edoc.run("edit", tid, now=EDITED)
    assert r.code == 2
    assert "--email" in r.err and "--category" in r.err


def test_a_correction_that_fails_the_checklist_changes_nothing(edoc):
    tid = edoc.open_ticket(now=OPENED)
    before = edoc.state()
    r = edoc.run("edit", tid, "--category", "bug", now=EDITED)  # by phone, and no steps, browser ...
    assert r.code == 3, r
    assert "clause 8: --channel" in r.err
    assert "clause 12: --steps" in r.err and "clause 12: --attachment" in r.err
    assert edoc.state() == before


@pytest.mark.parametrize("args", [
    ["--subject", "\x1b[31mred\x1b[0m"],
    ["--subject", "x" * 201],
    ["--email", "not-an-email"],
    ["--phone", "12"],
    ["--channel", "fax"],
    ["--topic", "weather"],
    ["--subject", ""],                      # the subject is required
    ["--occurred-at", "2027-01-01T10:00"],  # after registration
])
def test_hostile_and_malformed_values_are_refused(edoc, args):
    tid = edoc.open_ticket(now=OPENED)
    before = edoc.state()
    r = edoc.run("edit", tid, *args, now=EDITED)
    assert r.code == 3, r
    assert "\x1b" not in r.err
    assert edoc.state() == before


def test_a_closed_ticket_is_not_edited(edoc):
    tid = edoc.open_ticket(now=OPENED)
    assert edoc.run("close", tid, "--resolution", "resolved", "-m", "done", now=OPENED).code == 0
    before = edoc.state()
    r = edoc.run("edit", tid, "--email", "x@example.kz", now=EDITED)
    assert r.code == 5, r
    assert edoc.state() == before
    assert edoc.run("edit", "ED-2026-000099", "--email", "x@example.kz", now=EDITED).code == 4


def test_a_category_change_moves_the_targets_counted_from_receipt(edoc):
    tid = edoc.open_ticket(now=OPENED)
    sla = edoc.ticket(tid, now=EDITED)["sla"]
    # consultation: 4 h from 10:00 -> 14:00; 16 h: 8 on Thursday, 8 on Friday -> Friday 17:00
    assert sla["first_response"]["due_at"] == "2026-11-26T14:00:00+05:00"
    assert sla["resolution"]["due_at"] == "2026-11-27T17:00:00+05:00"
    r = edoc.run("edit", tid, "--category", "feature", "--channel", "email", "--json", now=EDITED)
    assert r.code == 0, r
    t = r.json()
    # feature: 8 h from 10:00 -> 18:00 the same day; 2 h spent already; no resolution target
    assert t["sla"]["first_response"]["target_minutes"] == 480
    assert t["sla"]["first_response"]["due_at"] == "2026-11-26T18:00:00+05:00"
    assert t["sla"]["first_response"]["elapsed_minutes"] == 120
    assert t["sla"]["resolution"]["target_minutes"] is None
    assert t["sla_rules"]["rule"] == "sla.basic.feature"
    assert t["history"][-1]["changes"] == {"category": {"old": "consultation", "new": "feature"},
                                           "channel": {"old": "phone", "new": "email"}}


def test_a_consultation_corrected_to_a_bug_is_held_to_the_undiagnosed_bug_targets(edoc):
    tid = edoc.open_ticket(now=OPENED)
    bug = {k: v for k, v in BUG_FIELDS.items() if k not in ("subject", "description", "occurred_at")}
    args = [a for k, v in bug.items() for a in (f"--{k.replace('_', '-')}", v)]
    r = edoc.run("edit", tid, *args, "--occurred-at", "2026-11-26T09:30", "--json", now=EDITED)
    assert r.code == 0, r
    t = r.json()
    assert t["category"] == "bug" and t["details"]["attachments"] == ["screenshot-500.png"]
    assert t["sla"]["first_response"]["target_minutes"] == 240   # bug normal, basic: 4 / 40 h
    assert t["sla"]["resolution"]["target_minutes"] == 2400
    assert edoc.run("diagnose", tid, "--priority", "critical", now=EDITED).code == 0


def test_a_breach_recorded_before_the_category_change_stays_and_check_agrees(edoc):
    tid = edoc.open_ticket(now=OPENED)
    assert edoc.run("sweep", now="2026-11-26T15:00:00+05:00").code == 0  # 5 h > 4 h: breached
    assert len(events(edoc, tid, "breached")) == 1
    r = edoc.run("edit", tid, "--category", "feature", "--channel", "email", now="2026-11-26T15:30:00+05:00")
    assert r.code == 0, r
    t = edoc.ticket(tid, now="2026-11-26T15:30:00+05:00")
    assert not t["sla"]["first_response"]["breached"]   # 330 of 480 minutes
    check = edoc.run("check", "--json", now="2026-11-26T15:30:00+05:00")
    assert check.code == 0 and check.json()["ok"], check


@pytest.mark.json_only(reason="writes a forged record into the JSON file")
def test_the_store_refuses_an_edited_event_without_changes(edoc):
    import json

    tid = edoc.open_ticket(now=OPENED)
    data = json.loads(edoc.store.read_text())
    [record] = [r for r in data["tickets"].values() if r["id"] == tid] if isinstance(data["tickets"], dict) \
        else [r for r in data["tickets"] if r["id"] == tid]
    record["history"].append({"at": EDITED, "by": "x", "type": "edited", "changes": {"email": {"old": 1}}})
    edoc.store.write_text(json.dumps(data))
    r = edoc.run("check", "--json", now=EDITED)
    assert r.code == 7
    assert "changes" in r.out
