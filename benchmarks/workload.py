"""Build the five-year workload as JSON Lines for `edoc import` (tickets replayable by edoc).

2,000 open tickets and 200,000 closed ones with realistic histories: about 150
registrations a working day, spread over five years before NOW, each with an
assignment, replies, sometimes an information request and the client's answer,
notes, and a closure. The clients are 20,000 people (about ten requests each over
five years, as repeat callers make them), a third of them from one of 300
organisations: what `edoc search` finds. Every record passes edoc's own import
validation.
"""

from __future__ import annotations

import json
import random
import zlib
from datetime import date, datetime, timedelta, timezone

TZ = timezone(timedelta(hours=5))
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
OPERATORS = ["aida", "bolat", "dana", "erlan", "gulnara", "marat", "saule", "timur"]
CATEGORIES = [("consultation", "phone", 0.55), ("bug", "portal", 0.25), ("feature", "email", 0.1),
              ("complaint", "email", 0.1)]
RULES = {
    "consultation": {"rule": "sla.basic.consultation", "first_response": 240, "resolution": 960},
    "feature": {"rule": "sla.basic.feature", "first_response": 480, "resolution": None},
    "complaint": {"rule": "sla.basic.complaint", "first_response": 480, "resolution": 2400},
    "bug": {"rule": "sla.basic.bug", "by_priority": {
        "critical": {"first_response": 60, "resolution": 480}, "high": {"first_response": 120, "resolution": 960},
        "normal": {"first_response": 240, "resolution": 2400}, "low": {"first_response": 480, "resolution": 4800}}},
}


def iso(dt: datetime) -> str:
    return dt.astimezone(TZ).isoformat(timespec="seconds")


def _iin(rng: random.Random) -> str:
    # A valid IIN: a birth date, century digit 3/4, serial, check digit (weights 1..11, then 3..11,1,2).
    while True:
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 40))
        first = f"{born:%y%m%d}{rng.choice('34')}{rng.randrange(10000):04d}"
        digits = [int(c) for c in first]
        for weights in (range(1, 12), [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]):
            rest = sum(d * w for d, w in zip(digits, weights)) % 11
            if rest != 10:
                return first + str(rest)


SURNAMES = ["Ахметов", "Байжанов", "Садыков", "Нурланов", "Жумабаев", "Касымов", "Омаров", "Сейткали",
            "Иванов", "Петров", "Смирнов", "Ким", "Есенов", "Абдрахманов", "Тулегенов", "Мухамедов",
            "Исаев", "Бекмуханов", "Серикбаев", "Кузнецов", "Ержанов", "Оспанов", "Рахимов", "Шевченко"]
FIRST_NAMES = [("Айгерим", "а"), ("Алия", "а"), ("Дана", "а"), ("Жанар", "а"), ("Гульнара", "а"), ("Ольга", "а"),
               ("Асель", "а"), ("Мадина", "а"), ("Ерлан", ""), ("Бауыржан", ""), ("Нурлан", ""), ("Алексей", ""),
               ("Марат", ""), ("Данияр", ""), ("Тимур", ""), ("Сергей", ""), ("Арман", ""), ("Ёлдош", "")]
PATRONYMICS = [("Серикович", "Сериковна"), ("Ерланович", "Ерлановна"), ("Маратович", "Маратовна"),
               ("Александрович", "Александровна"), ("Нурланович", "Нурлановна")]
ORG_WORDS = ["Алматы", "Астана", "Сарыарка", "Жетысу", "Каспий", "Алтын", "Тенгри", "Шанырак", "Береке",
             "Кайнар", "Самал", "Достык", "Арай", "Мерей", "Нур", "Тау", "Дала", "Ак Жол", "Сункар", "Болашак"]
ORG_KINDS = ["ТОО", "АО", "ИП", "ГУ", "КГП"]


def document(number: str) -> str:
    """The number of the document a ticket's note names (what a free-text search looks for)."""
    return f"ДК-{zlib.crc32(number.encode()) % 10_000_000:07d}"


def clients(seed: int, count: int = 20_000) -> list[dict]:
    """The desk's clients: people with an IIN, a phone and an e-mail; a third of them of an organisation."""
    rng = random.Random(seed + 1)  # a generator of their own: the tickets' draws stay as they were
    orgs = [f"{kind} «{a} {b}»" for kind in ORG_KINDS for a in ORG_WORDS for b in ORG_WORDS[:3]]
    people = []
    for k in range(count):
        first, feminine = rng.choice(FIRST_NAMES)
        surname = rng.choice(SURNAMES) + feminine
        patronymic = rng.choice(PATRONYMICS)[1 if feminine else 0]
        people.append({"type": "user", "name": f"{surname} {first} {patronymic}", "iin": _iin(rng), "bin": None,
                       "login": None, "email": f"client{k:05d}@example.kz",
                       "phone": f"+77{rng.randrange(0, 100):02d}{rng.randrange(10_000_000):07d}",
                       "organization": rng.choice(orgs) if k % 3 == 0 else None})
    return people


def ticket(rng: random.Random, number: str, created: datetime, closed: bool, people: list[dict]) -> dict:
    r = rng.random()
    acc = 0.0
    for category, channel, share in CATEGORIES:
        acc += share
        if r <= acc:
            break
    operator = rng.choice(OPERATORS)
    t = created
    history = [{"at": iso(t), "by": operator, "type": "opened", "channel": channel, "received_at": iso(t)}]

    def step(minutes: int, **event) -> None:
        nonlocal t
        t = t + timedelta(minutes=minutes)
        history.append({"at": iso(t), "by": operator, **event})

    step(rng.randrange(1, 30), type="assigned", assignee=operator)
    if category == "bug":
        step(rng.randrange(5, 60), type="diagnosed", priority=rng.choice(["critical", "high", "normal", "low"]),
             message="Воспроизведено на тестовом стенде")
    step(rng.randrange(10, 200), type="replied", message="Здравствуйте! Проверяем ваше обращение.")
    if rng.random() < 0.3:
        step(rng.randrange(10, 120), type="info_requested", message="Пришлите, пожалуйста, скриншот ошибки.")
        step(rng.randrange(30, 600), type="client_replied", message="Скриншот во вложении.")
    step(rng.randrange(10, 300), type="note", message="Проверили журнал подписи, сертификат действителен. "
         f"Документ {document(number)}.")
    if closed:
        step(rng.randrange(30, 900), type="closed", resolution="resolved", message="Вопрос решён.")
    priority = next((e["priority"] for e in history if e["type"] == "diagnosed"), None)
    last_close = history[-1] if closed else None
    return {
        "id": number, "category": category, "channel": channel, "sla_level": "basic",
        # One of the desk's clients (the draw that once made a new IIN picks one: the rest stay as they were).
        "client": dict(people[int(_iin(rng)) % len(people)]),
        "topic": None if category == "complaint" else "documents",
        "subject": "Не удаётся подписать документ", "description": "При подписании NCALayer выдаёт ошибку.",
        "faq": {"checked": True, "link": None, "suggested": []},
        "details": {"steps": None, "occurred_at": None, "browser": None, "os": None, "attachments": [],
                    "document": None},
        "created_at": iso(created), "received_at": iso(created),
        "sla_rules": {**RULES[category], "warn_at": 0.8, "auto_close_minutes": 480},
        "history": history,
        "status": "closed" if closed else ("open"),
        "assignee": operator, "priority": priority, "waiting": None, "postponement": None,
        "resolution": None if not closed else {
            "code": "resolved", "message": last_close["message"], "faq_link": None,
            "closed_at": last_close["at"], "closed_by": operator},
        "third_parties": [], "terminated": None,
    }


def generate(path, closed: int = 200_000, open_: int = 2_000, seed: int = 7, with_history: bool = True) -> None:
    """Write the workload: `closed` tickets over five years, then `open_` tickets of the last days."""
    rng = random.Random(seed)
    start = NOW - timedelta(days=5 * 365)
    span = (NOW - timedelta(days=3) - start).total_seconds()
    stamps = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(closed))
    recent = sorted(NOW - timedelta(days=3) + timedelta(seconds=rng.random() * 2.5 * 86400) for _ in range(open_))
    counters: dict[int, int] = {}
    people = clients(seed)
    with open(path, "w", encoding="utf-8") as out:
        for created, is_closed in [(s, True) for s in stamps] + [(s, False) for s in recent]:
            year = created.year
            counters[year] = counters.get(year, 0) + 1
            if not with_history and is_closed:
                continue
            record = ticket(rng, f"ED-{year}-{counters[year]:06d}", created, is_closed, people)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
