"""`show` and `sla`: every row named apart, every time in one format (Astana, YYYY-MM-DD HH:MM), a
header on every column, labels in the run's language in a pipe as on a terminal (--json keeps the
codes); on both stores, and in a real terminal (a pty) at 80 columns in Russian."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from conftest import BUG_FIELDS
from test_screens import plain, screen

NOW = "2026-11-26T14:30:00+05:00"
LONG_NAME = "Айгерим Нурлановна Сапарбаева-Ким"
LONG_MESSAGE = ("Очистите кэш браузера, перезапустите NCALayer и войдите снова; если ошибка повторится, "
                "пришлите снимок экрана целиком вместе с адресной строкой")


@pytest.fixture
def closed_bug(edoc):
    """A bug that happened Thu 26.11 08:55, registered 10:00, assigned, escalated, answered, closed 14:20."""
    tid = edoc.open_ticket(now="2026-11-26T10:00:00+05:00", **{**BUG_FIELDS, "occurred_at": "26.11.2026 08:55"})
    for args, at in ((["assign", tid, LONG_NAME], "10:05"),
                     (["escalate", tid, "--third-party", "НУЦ РК (Национальный удостоверяющий центр)",
                       "-m", "Запрос в НУЦ"], "10:30"),
                     (["reply", tid, "-m", LONG_MESSAGE], "11:00"),
                     (["close", tid, "--resolution", "resolved", "-m", "Вход восстановлен"], "14:20")):
        result = edoc.run(*args, now=f"2026-11-26T{at}:00+05:00")
        assert result.code == 0, result
    edoc.tid = tid
    return edoc


def card(edoc, *args: str, lang: str) -> dict[str, str]:
    """The label: value lines of a card printed into a pipe."""
    out = edoc.run("--lang", lang, *args, now=NOW).out
    return dict(line.split(":\t", 1) for line in out.splitlines() if ":\t" in line)


LABELS = {
    "en": {"first response SLA", "resolution SLA", "outcome", "occurred at", "received", "registered"},
    "ru": {"срок первого ответа", "срок решения", "итог", "когда произошло", "поступило", "зарегистрировано"},
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_row_of_the_card_is_named_apart_and_times_read_alike(closed_bug, lang):
    lines = closed_bug.run("--lang", lang, "show", closed_bug.tid, now=NOW).out.splitlines()
    labels = [line.split(":\t", 1)[0] for line in lines if ":\t" in line]
    assert len(labels) == len(set(labels)), labels  # no two rows share a label
    shown = card(closed_bug, "show", closed_bug.tid, lang=lang)
    assert LABELS[lang] <= set(shown), set(shown)
    names = {"en": ("first response SLA", "resolution SLA", "outcome", "occurred at"),
             "ru": ("срок первого ответа", "срок решения", "итог", "когда произошло")}[lang]
    first, resolution, outcome, occurred = (shown[n] for n in names)
    # The clocks: 60 working minutes to the first answer (10:00-11:00); 260 to the close
    # (10:00-14:20); the outcome is the resolution code, who closed it and when.
    assert first.startswith("60 ") and "2026-11-26 11:00" in first
    assert resolution.startswith("260 ") and "2026-11-26 14:20" in resolution
    assert outcome.startswith({"en": "resolved", "ru": "решено"}[lang]) and "2026-11-26 14:20" in outcome
    # Every time a person reads is Astana's YYYY-MM-DD HH:MM, the occurrence too (typed 26.11.2026 08:55).
    assert occurred == "2026-11-26 08:55"
    text = "\n".join(lines)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text) and "+05:00" not in text


@pytest.mark.parametrize("lang, history, heads", [
    ("en", "history", ["at", "by", "event", "details", "message"]),
    ("ru", "история", ["когда", "кто", "событие", "подробности", "сообщение"]),
])
def test_the_history_has_a_header_on_every_column_in_the_runs_language(closed_bug, lang, history, heads):
    lines = closed_bug.run("--lang", lang, "show", closed_bug.tid, now=NOW).out.splitlines()
    at = lines.index(history)
    assert lines[at + 1].split("\t") == heads
    rows = [line.split("\t") for line in lines[at + 2:at + 7]]
    events = {"en": ["opened", "assigned", "escalated", "replied", "closed"],
              "ru": ["зарегистрировано", "назначено", "эскалация", "ответ клиенту", "закрыто"]}[lang]
    assert [r[2] for r in rows] == events
    # What the details column holds: the operator assigned, the resolution (a word, like the event).
    assert rows[1][3] == LONG_NAME and rows[4][3] == {"en": "resolved", "ru": "решено"}[lang]
    assert all(r[0].startswith("2026-11-26 ") and len(r[0]) == 16 for r in rows)


def test_the_sla_explanation_names_rows_apart_and_speaks_russian_in_a_pipe(closed_bug):
    shown = card(closed_bug, "sla", closed_bug.tid, lang="ru")
    assert {"правило", "поступило", "на момент", "срок первого ответа", "срок решения", "учтено"} <= set(shown)
    assert shown["на момент"] == "2026-11-26 14:30"
    out = closed_bug.run("--lang", "ru", "sla", closed_bug.tid, now=NOW).out.splitlines()
    assert out[out.index("хронология") + 1].split("\t") == ["с", "по", "вид", "почему", "учтено, мин"]


def test_json_keeps_the_english_codes(closed_bug):
    ru = closed_bug.run("--lang", "ru", "show", closed_bug.tid, "--json", now=NOW).json()
    en = closed_bug.run("--lang", "en", "show", closed_bug.tid, "--json", now=NOW).json()
    assert ru == en and ru["resolution"]["code"] == "resolved" and "first_response" in ru["sla"]
    assert ru["details"]["occurred_at"] == "2026-11-26T08:55:00+05:00"


def test_show_in_russian_at_80_columns_wraps_only_text(closed_bug):
    shown = plain(screen(closed_bug, 80, "show", closed_bug.tid, lang="ru"))
    lines = shown.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), max(map(cell_len, lines))
    head = next(line for line in lines if line.startswith("┃"))
    assert [h.strip() for h in head.strip("┃").split("┃")] == ["когда", "кто", "событие", "подробности", "сообщение"]
    # Each event's first line holds its time and its code whole; only names and messages fold.
    history = lines[lines.index("история"):lines.index("третьи стороны")]
    table = [line for line in history if line.startswith("│")]
    starts = [line for line in table if re.match(r"│ \d{4}-\d{2}-\d{2} \d{2}:\d{2} │", line)]
    assert len(starts) == 5
    for event, line in zip(["зарегистрировано", "назначено", "эскалация", "ответ клиенту", "закрыто"], starts):
        assert f"│ {event} " in line, line
    assert not any(re.match(r"│ \S", line) and not re.match(r"│ \d{4}-", line) for line in table)
    # A long name and a long message fold in their own cells (the message into 11 lines here).
    assert sum("│ 2026-11-26 11:00 │" in line or line.startswith("│                  │") for line in table) > 10
    # The card's own rows: one label each, the times whole.
    rows = {line[:21].rstrip(): line[21:] for line in lines[1:19]}  # label column: the longest label + 2
    assert rows["срок решения"].startswith("260 из 2400") and rows["когда произошло"] == "2026-11-26 08:55"
    assert rows["итог"] == "решено (tester, 2026-11-26 14:20)" and len(rows) == 18


def test_sla_in_russian_at_80_columns(closed_bug):
    shown = plain(screen(closed_bug, 80, "sla", closed_bug.tid, lang="ru"))
    lines = shown.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), max(map(cell_len, lines))
    rows = [line for line in lines if line.startswith("│")]
    assert all(re.match(r"│ \d{4}-\d{2}-\d{2} \d{2}:\d{2} │ \d{4}-\d{2}-\d{2} \d{2}:\d{2} │", r) for r in rows), rows
