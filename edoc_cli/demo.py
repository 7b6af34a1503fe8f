"""`edoc demo`: a realistic working day of the desk, driven through the Desk into a scratch store.

Nothing here writes a ticket by hand: every registration, reply and close goes through the same
Desk methods (and so the same checks, history and SLA clocks) as the commands, with the clock
moved from step to step. The day is the last working day before today, so its clocks are over
and what the demo shows depends only on today's date; the working day before it holds the
request for information that the sweep closes the next morning (clause 15).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Callable

from edoc_cli.errors import UsageError
from edoc_cli.i18n import _
from edoc_cli.limits import year_problem
from edoc_cli.rules.registration import RegistrationRequest

END_OF_DAY = time(17, 30)  # the list, the explanation and the report are as of this time of the day
AIDA, MARAT = "aida", "marat"
SWEEP = "sweep"  # who the cron job's closes are recorded as (README's cron line)
MAX_DAYS_BACK = 30  # a working day is looked for this far back (holidays and transfers included)
FAQ_REGISTRATION = "https://help.e-doc.kz/registration"

# Clients: valid IINs and BINs (check digits included), invented people and organisations.
IVANOV = dict(client_type="user", name="Иванов Иван Иванович", iin="900101301233", email="ivanov@example.kz")
ALFA = dict(client_type="user", name="Жаксыбекова Динара", bin="940140000385", organization="ТОО «Альфа Логистик»",
            email="d.zhaksybekova@alfa-logistic.kz", phone="+7 701 555 12 34")
AKHMETOVA = dict(client_type="guest", name="Ахметова Сауле", email="saule.akhmetova@example.kz")
NURLANOV = dict(client_type="user", name="Нурланов Серик", iin="850412400131", phone="+7 777 123 45 67")
BEKOVA = dict(client_type="user", name="Бекова Алия", iin="920815450075", login="a.bekova",
              email="a.bekova@example.kz")


@dataclass
class DemoDay:
    """What the day left behind: its two dates, the instant it is shown as of, and its tickets."""

    previous: date
    day: date
    as_of: datetime
    ids: dict[str, str]  # the ticket's part in the story -> its registration number
    explained: str       # the ticket whose SLA the demo explains
    events: list[tuple[str, dict[str, Any]]]  # (registration number, history event), in time order


def demo_dates(cal, today: date) -> tuple[date, date]:
    """The working day before the last working day before `today`, and that last working day."""
    day = _working_day_before(cal, today)
    return _working_day_before(cal, day), day


def _working_day_before(cal, when: date) -> date:
    for back in range(1, MAX_DAYS_BACK + 1):
        day = when - timedelta(days=back)
        if cal.is_working_day(day):
            return day
    raise UsageError(_("no working day in the {days} days before {date}: check the calendar").format(
        days=MAX_DAYS_BACK, date=when.isoformat()))


# The day, in the order it happened: (0 the day before / 1 the day, time, operator, what was done).
# What was done is a function of the desk and the numbers registered so far (by part in the story).
Step = tuple[int, str, str, Callable[[Any, dict[str, str]], Any]]


def _register(part: str, client: dict[str, str], **fields: Any) -> Callable[[Any, dict[str, str]], Any]:
    def register(desk, ids: dict[str, str]) -> None:
        request = RegistrationRequest(**client, **{"faq_checked": True, **fields})
        ids[part] = desk.register([request])[0]["id"]
    return register


def _steps(occurred_at: str) -> list[Step]:
    return [
        # The day before: a consultation whose client never answers, a bug whose client answers overnight.
        (0, "10:05", AIDA, _register(
            "no_answer", IVANOV, category="consultation", channel="phone", topic="documents",
            subject="Не могу подписать документ", description="NCALayer не видит ключ ЭЦП при подписании договора")),
        (0, "10:10", AIDA, lambda d, i: d.assign(i["no_answer"], AIDA)),
        (0, "10:25", AIDA, lambda d, i: d.note(i["no_answer"], "Проверили журнал портала: запросов на подпись не было")),
        (0, "10:30", AIDA, lambda d, i: d.request_info(i["no_answer"], "Пришлите, пожалуйста, скриншот ошибки NCALayer")),
        (0, "16:40", MARAT, _register(
            "bug", ALFA, category="bug", channel="portal", topic="documents",
            subject="Ошибка 500 при отправке документа контрагенту",
            description="При нажатии «Отправить» портал показывает ошибку 500, документ остаётся черновиком",
            steps="1. Открыть документ 2. Нажать «Отправить» 3. Выбрать контрагента", occurred_at=occurred_at,
            browser="Chrome 131", os="Windows 11", attachments=["oshibka-500.png"], document="ЭД-000457")),
        (0, "16:45", MARAT, lambda d, i: d.assign(i["bug"], MARAT)),
        (0, "16:50", MARAT, lambda d, i: d.request_info(i["bug"], "Уточните, пожалуйста, БИН контрагента")),
        # The day itself.
        (1, "09:05", AIDA, _register(
            "faq", AKHMETOVA, category="consultation", channel="email", topic="registration",
            subject="Не приходит письмо для подтверждения регистрации",
            description="Зарегистрировалась вчера, письмо с подтверждением так и не пришло")),
        (1, "09:15", AIDA, _register(
            "breached", NURLANOV, category="consultation", channel="phone", topic="tariffs",
            subject="Как сменить тариф организации", description="Хочет перейти на годовой тариф с начала месяца")),
        (1, "09:20", AIDA, lambda d, i: d.assign(i["faq"], AIDA)),
        (1, "09:25", AIDA, lambda d, i: d.reply(i["faq"], "Проверьте папку «Спам»; порядок регистрации описан в статье",
                                               faq_link=FAQ_REGISTRATION)),
        (1, "09:35", SWEEP, lambda d, i: d.sweep()),  # cron: 8 working hours since 10:30 ran out at 09:30
        (1, "09:40", MARAT, lambda d, i: d.client_reply(i["bug"], "БИН контрагента 040240000013, отправляли в 16:15")),
        (1, "09:50", AIDA, lambda d, i: d.close(i["faq"], "faq", "Клиент нашёл письмо в папке «Спам»",
                                               faq_link=FAQ_REGISTRATION)),
        (1, "10:00", MARAT, lambda d, i: d.diagnose(i["bug"], "high", "Воспроизводится на контрагентах с филиалами")),
        (1, "10:20", MARAT, _register(
            "complaint", BEKOVA, category="complaint", channel="email", topic="profile",
            subject="Оператор не перезвонил, как обещал",
            description="Вчера обещали перезвонить по смене администратора организации, звонка не было")),
        (1, "10:30", MARAT, lambda d, i: d.assign(i["complaint"], MARAT)),
        (1, "11:30", MARAT, lambda d, i: d.escalate(i["bug"], "Разработка портала", "Передали разработчикам")),
        (1, "11:40", MARAT, lambda d, i: d.reply(i["bug"], "Ошибку воспроизвели, исправление выйдет в ближайшем релизе")),
        (1, "13:20", SWEEP, lambda d, i: d.sweep()),  # cron: the 4 hours to a first answer ran out at 13:15
        (1, "14:10", AIDA, _register(
            "at_risk", IVANOV, category="consultation", channel="chat", topic="documents",
            subject="Статус документа не меняется на «Подписан»",
            description="Документ подписан обеими сторонами, статус остаётся «На подписании»")),
        (1, "15:00", MARAT, lambda d, i: d.reply(i["complaint"], "Приносим извинения; администратор свяжется с вами "
                                                                  "сегодня до 18:00")),
        (1, "16:00", MARAT, _register(
            "feature", ALFA, category="feature", channel="portal", topic="documents",
            subject="Выгрузка реестра документов в Excel",
            description="Нужна выгрузка реестра отправленных документов за месяц")),
        (1, "17:25", SWEEP, lambda d, i: d.sweep()),  # cron: the chat of 14:10 has used 80 % of its 4 hours
    ]


def run_day(desk, today: date) -> DemoDay:
    """Drive the working day through `desk` (a Desk on an empty scratch store); what it left."""
    previous, day = demo_dates(desk.calendar, today)
    dates = (previous, day)
    tz = desk.tz
    for when in dates:
        why = year_problem(datetime.combine(when, time(9, 0), tz))
        if why:
            raise UsageError(_("the demo day {date} {problem}").format(date=when.isoformat(), problem=why))
    ids: dict[str, str] = {}
    occurred_at = datetime.combine(previous, time(16, 20), tz).isoformat()
    for which, hhmm, operator, act in _steps(occurred_at):
        instant = datetime.combine(dates[which], time.fromisoformat(hhmm), tz)
        act(replace(desk, clock=lambda instant=instant: instant, operator=operator), ids)
    snap = desk.store.snapshot()
    try:
        events = sorted(((t["id"], e) for t in snap.all_tickets() for e in t["history"]),
                        key=lambda pair: pair[1]["at"])  # one offset throughout: the text sorts as time
    finally:
        snap.close()
    return DemoDay(previous, day, datetime.combine(day, END_OF_DAY, tz), ids, ids["bug"], events)
