"""Outbound mail (issue 15): the message composed from a history event, delivered to a real SMTP
server on 127.0.0.1 (aiosmtpd), and every way delivery fails sorted into temporary or permanent."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest

from edoc_cli import i18n
from edoc_cli.mail.compose import SENDING_EVENTS, compose, new_message_id
from edoc_cli.mail.letters import within_hours
from edoc_cli.mail.smtp import MAX_ATTEMPTS, PermanentFailure, TemporaryFailure, deliver, retry_delay, server_text
from edoc_cli.rules.no_response import closing_message
from smtp_server import PASSWORD, USERNAME, SMTPTestServer, down_port, settings_for, smtp_server_fixture  # noqa: F401

ASTANA = timezone(timedelta(hours=5))
WHEN = datetime(2026, 11, 29, 21, 30, tzinfo=ASTANA)
ID = "ED-2026-000042"
MSG_ID = "<ED-2026-000042.20261129T163000Z.0123456789@e-doc.kz>"
EARLIER = "<ED-2026-000042.20261127T050000Z.aaaaaaaaaa@e-doc.kz>"
CLIENTS = "<CAF=abc+123@mail.gmail.com>"


def ticket(**changes):
    base = {
        "id": ID, "subject": "Не подписывается документ",
        "client": {"type": "user", "name": "Айгуль Серикова", "email": "aigul@example.kz"},
        "history": [],
    }
    return {**base, **changes}


def send(server, event, *, tkt=None, lang="ru", **kwargs):
    """Compose the event's mail, deliver it to `server`, and return (server's reply, received message)."""
    settings = kwargs.pop("settings", None) or server.settings()
    message = compose(tkt or ticket(), event, settings, lang=lang, message_id=kwargs.pop("message_id", MSG_ID),
                      when=WHEN, **kwargs)
    reply = deliver(message, settings)
    return reply, server.received[-1]


def body_of(received) -> str:
    return received.message().get_content().replace("\r\n", "\n")


FOOTER_RU = (
    "-- \n"
    "Регистрационный номер вашего обращения: ED-2026-000042\n"
    "Чтобы написать нам по этому обращению, ответьте на это письмо, сохранив [ED-2026-000042] в теме письма.\n"
    "Служба технической поддержки E-DOC\n"
)
FOOTER_EN = (
    "-- \n"
    "Registration number of your request: ED-2026-000042\n"
    "To write to us about this request, reply to this e-mail keeping [ED-2026-000042] in the subject.\n"
    "E-DOC technical support\n"
)
REPLY = {"type": "replied", "at": "2026-11-29T21:30:00+05:00", "by": "aigerim",
         "message": "Переустановите NCALayer и подпишите документ снова.", "faq_link": "https://help.e-doc.kz/sign"}
REQUEST = {"type": "info_requested", "at": "2026-11-29T21:30:00+05:00", "by": "aigerim",
           "message": "Пришлите, пожалуйста, снимок экрана с ошибкой."}


# -- the message as the client's mail program sees it ------------------------------------------------

def test_a_reply_reaches_the_client_threaded_with_every_header(smtp_server):
    reply, received = send(smtp_server, REPLY, in_reply_to=CLIENTS, references=(EARLIER,))
    assert reply == "250 2.0.0 Ok: queued as EDOC0001"
    assert received.mail_from == "support@e-doc.kz"
    assert received.rcpt_tos == ["aigul@example.kz"]
    message = received.message()
    assert message["Subject"] == "[ED-2026-000042] Не подписывается документ"
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Айгуль Серикова", "aigul@example.kz")
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Служба поддержки E-DOC", "support@e-doc.kz")
    assert message["Message-ID"] == MSG_ID
    assert message["In-Reply-To"] == CLIENTS
    assert message["References"] == f"{EARLIER} {CLIENTS}"  # the parent appended, as RFC 5322 threads
    assert message["X-EDOC-Ticket"] == ID
    assert message["Auto-Submitted"] is None  # a person's reply
    assert message["Reply-To"] is None
    assert parsedate_to_datetime(message["Date"]) == WHEN
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert body_of(received) == (
        "Здравствуйте, Айгуль Серикова!\n\n"
        "Переустановите NCALayer и подпишите документ снова.\n\n"
        "Справочный центр: https://help.e-doc.kz/sign\n\n" + FOOTER_RU)


def test_without_a_thread_there_is_no_in_reply_to_and_reply_to_comes_from_the_settings(smtp_server):
    settings = smtp_server.settings(reply_to="Контроль качества <quality@e-doc.kz>")
    _, received = send(smtp_server, {**REPLY, "faq_link": None}, settings=settings)
    message = received.message()
    assert message["In-Reply-To"] is None and message["References"] is None
    (reply_to,) = message["Reply-To"].addresses
    assert (reply_to.display_name, reply_to.addr_spec) == ("Контроль качества", "quality@e-doc.kz")
    assert "Справочный центр" not in body_of(received)


def test_references_keep_their_order_without_repeats_or_malformed_ids(smtp_server):
    _, received = send(smtp_server, REPLY, in_reply_to=EARLIER,
                       references=(EARLIER, "not an id", "<a b@c>", CLIENTS, EARLIER))
    assert received.message()["References"] == f"{EARLIER} {CLIENTS}"


def test_an_information_request_in_russian_names_clause_15_and_the_hours(smtp_server):
    _, received = send(smtp_server, REQUEST)
    assert body_of(received) == (
        "Здравствуйте, Айгуль Серикова!\n\n"
        "Пришлите, пожалуйста, снимок экрана с ошибкой.\n\n"
        "Обращение ожидает вашего ответа: пожалуйста, ответьте на это письмо. В случае отсутствия обратной "
        "связи по обращению в течение 8 рабочих часов запрос будет завершён с формулировкой «ответ от клиента "
        "не получен» (пункт 15 Регламента обращения в Службу технической поддержки).\n\n" + FOOTER_RU)


def test_an_information_request_in_english_with_the_configured_hours(smtp_server):
    _, received = send(smtp_server, REQUEST, lang="en", auto_close_hours=4)
    assert body_of(received) == (
        "Hello, Айгуль Серикова!\n\n"
        "Пришлите, пожалуйста, снимок экрана с ошибкой.\n\n"
        "Your request is waiting for your answer: please reply to this e-mail. If we receive no answer "
        "within 4 working hours, the request will be closed with the wording «no answer received from the "
        "client» («ответ от клиента не получен», clause 15 of the support regulation).\n\n" + FOOTER_EN)
    assert received.message()["Content-Language"] == "en"


def test_a_kazakh_client_reads_kazakh(smtp_server):
    _, in_kazakh = send(smtp_server, REQUEST, lang="kk")
    text = body_of(in_kazakh)
    assert text.startswith("Сәлеметсіз бе, Айгуль Серикова!")
    # the regulation's clause 15 wording by its Kazakh equivalent (README, "Languages")
    assert "«клиенттен жауап алынбады»" in text and "ответ от клиента не получен" not in text
    assert "8 жұмыс сағаты ішінде" in text and "E-DOC техникалық қолдау қызметі" in text
    assert in_kazakh.message()["Content-Language"] == "kk"


def test_the_clients_language_does_not_follow_the_operators_interface(smtp_server):
    before = i18n.current()
    try:
        i18n.use("en")
        _, russian = send(smtp_server, REPLY, lang="ru")
        i18n.use("ru")
        _, english = send(smtp_server, REPLY, lang="en")
    finally:
        i18n.use(before)
    assert body_of(russian).startswith("Здравствуйте, Айгуль Серикова!\n")
    assert body_of(english).startswith("Hello, Айгуль Серикова!\n")
    assert body_of(english).endswith(FOOTER_EN)


def test_in_language_speaks_the_language_asked_whatever_the_run_speaks():
    before = i18n.current()
    try:
        i18n.use("en")
        assert i18n.in_language("ru")("Hello!") == "Здравствуйте!"
        assert i18n.in_language("kk")("Hello!") == "Сәлеметсіз бе!"
        i18n.use("ru")
        assert i18n.in_language("en")("Hello!") == "Hello!"
        assert i18n.in_language("xx")("Hello!") == "Hello!"
        assert i18n._("Hello!") == "Здравствуйте!"
    finally:
        i18n.use(before)


# Checked by hand against Russian grammar: after «в течение» (genitive) 1, 21, 101 take «рабочего часа»,
# every other whole number «рабочих часов» (2–4 included: «двух рабочих часов»), a fraction «рабочего часа».
# Kazakh keeps the noun singular after any number.
@pytest.mark.parametrize("hours, russian, kazakh, english", [
    (8, "в течение 8 рабочих часов", "8 жұмыс сағаты ішінде", "within 8 working hours"),
    (1, "в течение 1 рабочего часа", "1 жұмыс сағаты ішінде", "within 1 working hour"),
    (2, "в течение 2 рабочих часов", "2 жұмыс сағаты ішінде", "within 2 working hours"),
    (21, "в течение 21 рабочего часа", "21 жұмыс сағаты ішінде", "within 21 working hours"),
    (11, "в течение 11 рабочих часов", "11 жұмыс сағаты ішінде", "within 11 working hours"),
    (111, "в течение 111 рабочих часов", "111 жұмыс сағаты ішінде", "within 111 working hours"),
    (101, "в течение 101 рабочего часа", "101 жұмыс сағаты ішінде", "within 101 working hours"),
    (1.5, "в течение 1,5 рабочего часа", "1,5 жұмыс сағаты ішінде", "within 1.5 working hours"),
    (0.5, "в течение 0,5 рабочего часа", "0,5 жұмыс сағаты ішінде", "within 0.5 working hours"),
    (100 / 60, "в течение 1,67 рабочего часа", "1,67 жұмыс сағаты ішінде", "within 1.67 working hours"),
    (1 / 60, "в течение 0,02 рабочего часа", "0,02 жұмыс сағаты ішінде", "within 0.02 working hours"),
])
def test_the_hours_are_said_as_each_language_says_them(hours, russian, kazakh, english):
    assert within_hours(hours, "ru") == russian
    assert within_hours(hours, "kk") == kazakh
    assert within_hours(hours, "en") == english


def test_a_nameless_client_is_greeted_without_a_name(smtp_server):
    client = {"type": "guest", "name": "", "email": "aigul@example.kz"}
    _, received = send(smtp_server, REPLY, tkt=ticket(client=client))
    assert body_of(received).startswith("Здравствуйте!\n\n")
    assert received.message()["To"].addresses[0].display_name == ""


# -- closing and terminating ------------------------------------------------------------------------

CLOSED_HISTORY = [{"type": "opened", "at": "2026-11-26T10:00:00+05:00", "by": "aigerim"},
                  {**REQUEST, "at": "2026-11-26T10:05:00+05:00"},
                  {"type": "note", "at": "2026-11-26T11:00:00+05:00", "by": "aigerim", "message": "Звонила, не ответили."}]


def clause_15_close(comment=None):
    """A ticket closed for no response (as desk.close does it: the record's text, and the operator's
    own words apart), and the letter its client receives."""
    tkt = ticket(history=list(CLOSED_HISTORY))
    event = {"type": "closed", "at": "2026-11-27T10:05:00+05:00", "by": "sweep", "resolution": "no_response",
             "message": closing_message(tkt, ZoneInfo("Asia/Almaty"), comment), "auto": comment is None}
    if comment:
        event["comment"] = comment
    tkt["history"].append(event)
    return tkt, event


def test_the_sweeps_clause_15_close_is_auto_submitted_and_says_the_regulations_words(smtp_server):
    tkt, event = clause_15_close()
    _, received = send(smtp_server, event, tkt=tkt)
    assert received.message()["Auto-Submitted"] == "auto-generated"
    assert body_of(received) == (
        "Здравствуйте, Айгуль Серикова!\n\n"
        "Ваше обращение закрыто по пункту 15 Регламента обращения в Службу технической поддержки с формулировкой "
        "«ответ от клиента не получен»: в течение 8 рабочих часов ответ от вас не поступил.\n\n"
        "Выполненные по обращению действия:\n"
        "- 26.11.2026 10:05 запрошена информация: Пришлите, пожалуйста, снимок экрана с ошибкой.\n"
        "- 26.11.2026 11:00 действие: Звонила, не ответили.\n\n"
        + FOOTER_RU)


def test_a_kazakh_clients_clause_15_close_says_it_in_kazakh_with_the_operators_comment(smtp_server):
    tkt, event = clause_15_close(comment="Екі рет қоңырау шалдық.")
    _, received = send(smtp_server, event, tkt=tkt, lang="kk")
    assert received.message()["Auto-Submitted"] is None  # an operator's close
    text = body_of(received)
    assert text == (
        "Сәлеметсіз бе, Айгуль Серикова!\n\n"
        "Сіздің өтінішіңіз Техникалық қолдау қызметіне жүгіну регламентінің 15-тармағы бойынша «клиенттен жауап "
        "алынбады» деген тұжырыммен жабылды: 8 жұмыс сағаты ішінде Сізден жауап келмеді.\n\n"
        "Екі рет қоңырау шалдық.\n\n"
        "Өтініш бойынша атқарылған әрекеттер:\n"
        "- 26.11.2026 10:05 ақпарат сұралды: Пришлите, пожалуйста, снимок экрана с ошибкой.\n"
        "- 26.11.2026 11:00 әрекет: Звонила, не ответили.\n\n"
        "-- \n"
        "Сіздің өтінішіңіздің тіркеу нөмірі: ED-2026-000042\n"
        "Осы өтініш бойынша бізге жазу үшін хат тақырыбындағы [ED-2026-000042] белгісін сақтап, осы хатқа "
        "жауап беріңіз.\n"
        "E-DOC техникалық қолдау қызметі\n")
    assert "ответ от клиента не получен" not in text  # the record's Russian stays in the record


def test_an_english_clients_clause_15_close_names_the_regulations_wording_too(smtp_server):
    tkt, event = clause_15_close()
    _, received = send(smtp_server, event, tkt=tkt, lang="en", auto_close_hours=4)
    assert body_of(received).startswith(
        "Hello, Айгуль Серикова!\n\n"
        "Your request has been closed under clause 15 of the support regulation with the wording «no answer "
        "received from the client» («ответ от клиента не получен»): we received no answer from you within 4 "
        "working hours.\n\nThe actions taken on your request:\n"
        "- 26.11.2026 10:05 information requested: Пришлите, пожалуйста, снимок экрана с ошибкой.\n")


def test_an_operators_close_is_not_auto_submitted(smtp_server):
    event = {"type": "closed", "at": "2026-11-29T21:30:00+05:00", "by": "aigerim", "resolution": "resolved",
             "message": "Документ подписан, ошибка устранена."}
    _, received = send(smtp_server, event)
    assert received.message()["Auto-Submitted"] is None
    assert body_of(received) == (
        "Здравствуйте, Айгуль Серикова!\n\n"
        "Ваше обращение решено и закрыто.\n\n"
        "Документ подписан, ошибка устранена.\n\n" + FOOTER_RU)


def test_a_duplicate_close_in_english_names_the_request_that_goes_on(smtp_server):
    event = {"type": "closed", "resolution": "duplicate", "duplicate_of": "ED-2026-000040", "message": ""}
    _, received = send(smtp_server, event, lang="en")
    assert body_of(received) == (
        "Hello, Айгуль Серикова!\n\n"
        "Your request has been closed as a repeat of another request. The work goes on under request "
        "ED-2026-000040.\n\n" + FOOTER_EN)


def test_a_termination_tells_the_client_support_has_stopped(smtp_server):
    event = {"type": "terminated", "by": "aigerim", "message": "Нарушение пункта 16: оскорбления в переписке."}
    _, received = send(smtp_server, event)
    assert body_of(received) == (
        "Здравствуйте, Айгуль Серикова!\n\n"
        "Оказание технической поддержки по вашему обращению прекращено (пункт 16 Регламента обращения в Службу "
        "технической поддержки).\n\n"
        "Нарушение пункта 16: оскорбления в переписке.\n\n" + FOOTER_RU)


def test_only_the_four_events_send_and_only_to_an_address():
    settings = settings_for(25)
    assert SENDING_EVENTS == ("replied", "info_requested", "closed", "terminated")
    for kind in ("note", "client_replied", "assigned", "opened"):
        with pytest.raises(ValueError):
            compose(ticket(), {"type": kind}, settings, message_id=MSG_ID, when=WHEN)
    for email in (None, "", "not-an-address", "a@b.kz, c@d.kz", "a@b.kz\r\nBcc: c@d.kz"):
        client = {"type": "guest", "name": "X", "email": email}
        with pytest.raises(ValueError):
            compose(ticket(client=client), REPLY, settings, message_id=MSG_ID, when=WHEN)
    with pytest.raises(ValueError):
        compose(ticket(), REPLY, settings, message_id="<a>\r\nBcc: x@y.kz", when=WHEN)


# -- hostile text ------------------------------------------------------------------------------------

HOSTILE_NAME = ('Evil" <attacker@evil.example>, Bcc: victim@x.kz\r\nBcc: hidden@evil.example '
                '=?utf-8?q?=22?= \x1b[31mred\x1b[0m \u202eadmin')
HOSTILE_SUBJECT = "Help\r\nBcc: hidden@evil.example\x1b]0;title\x07 =?utf-8?b?SGFja2Vk?=\x00 end"


def test_hostile_names_and_subjects_inject_no_header(smtp_server):
    client = {"type": "guest", "name": HOSTILE_NAME, "email": "aigul@example.kz"}
    event = {**REPLY, "message": "Текст\x1b[2J с \x07 управляющими\x9b31m символами", "faq_link": None}
    _, received = send(smtp_server, event, tkt=ticket(client=client, subject=HOSTILE_SUBJECT))
    assert received.rcpt_tos == ["aigul@example.kz"]
    message = received.message()
    assert message.get_all("Bcc") is None and message.get_all("Cc") is None
    assert len(message.get_all("To")) == 1
    (to,) = message["To"].addresses
    assert to.addr_spec == "aigul@example.kz"
    # The whole name, on one line, without control characters; its encoded-word lookalike kept as
    # typed. Read as RFC 2047 says (Python's own address parser puts a space between encoded words).
    raw_to = message_from_bytes(received.data, policy=policy.compat32)["To"]
    display, _, address = raw_to.rpartition("<")
    assert address == "aigul@example.kz>"
    assert str(make_header(decode_header(display))).strip() == (
        'Evil" <attacker@evil.example>, Bcc: victim@x.kz Bcc: hidden@evil.example =?utf-8?q?=22?= red admin')
    assert message["Subject"] == "[ED-2026-000042] Help Bcc: hidden@evil.example =?utf-8?b?SGFja2Vk?= end"
    header_lines = received.data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert not [line for line in header_lines if line.lower().startswith(b"bcc")]
    assert max(len(line) for line in header_lines) <= 78
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", received.data)
    body = body_of(received)
    assert "Текст с  управляющими символами" in body
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", body)
    assert "Здравствуйте, Evil\" <attacker@evil.example>, Bcc:" in body


def test_a_long_subject_is_cut_at_a_word_with_an_ellipsis(smtp_server):
    _, received = send(smtp_server, REPLY, tkt=ticket(subject="слово " * 50))
    # 24 words and their 23 spaces are 143 characters: the last space before the 150th character.
    assert received.message()["Subject"] == "[ED-2026-000042] " + " ".join(["слово"] * 24) + "…"


def test_message_ids_name_the_ticket_the_moment_and_the_domain_and_never_repeat():
    settings = settings_for(25)
    first, second = (new_message_id(ID, settings, WHEN) for _ in range(2))
    pattern = r"<ED-2026-000042\.20261129T163000Z\.[0-9a-f]{10}@e-doc\.kz>"
    assert re.fullmatch(pattern, first) and re.fullmatch(pattern, second)
    assert first != second


# -- delivery failures --------------------------------------------------------------------------------

def message_for(settings):
    return compose(ticket(), REPLY, settings, message_id=MSG_ID, when=WHEN)


def failure(server, exception, **settings_changes):
    settings = server.settings(**settings_changes)
    with pytest.raises(exception) as caught:
        deliver(message_for(settings), settings)
    return caught.value.reason


def test_a_refused_recipient_is_a_permanent_failure(smtp_server):
    smtp_server.mode = "refuse"
    reason = failure(smtp_server, PermanentFailure)
    assert "550 5.1.1" in reason and "RCPT TO" in reason and "no such user" in reason
    assert smtp_server.received == []


def test_a_refused_message_is_a_permanent_failure(smtp_server):
    smtp_server.mode = "refuse_data"
    reason = failure(smtp_server, PermanentFailure)
    assert "554 5.7.1" in reason and "DATA" in reason
    assert smtp_server.received == []


def test_a_451_is_temporary_and_the_retry_goes_through(smtp_server):
    smtp_server.mode = "tempfail"
    reason = failure(smtp_server, TemporaryFailure)
    assert "451 4.3.0" in reason and "DATA" in reason
    assert smtp_server.received == []
    smtp_server.mode = "accept"
    settings = smtp_server.settings()
    assert deliver(message_for(settings), settings).startswith("250 ")
    assert len(smtp_server.received) == 1


def test_a_greylisted_recipient_is_temporary(smtp_server):
    smtp_server.mode = "greylist"
    reason = failure(smtp_server, TemporaryFailure)
    assert "450 4.2.0" in reason and "RCPT TO" in reason and "Greylisted" in reason


def test_a_connection_dropped_in_the_middle_of_the_message_is_temporary(smtp_server):
    smtp_server.mode = "drop"
    reason = failure(smtp_server, TemporaryFailure)
    assert "closed the connection" in reason and "DATA" in reason


def test_a_server_slower_than_the_timeout_is_temporary(smtp_server):
    smtp_server.mode = "slow"
    smtp_server.slow_seconds = 2.0
    reason = failure(smtp_server, TemporaryFailure, timeout=0.5)
    assert "did not answer within 0.5 s" in reason and "DATA" in reason


def test_a_server_that_is_down_is_temporary():
    port = down_port()
    settings = settings_for(port)
    with pytest.raises(TemporaryFailure) as caught:
        deliver(message_for(settings), settings)
    assert f"127.0.0.1:{port}" in caught.value.reason and "refused the connection" in caught.value.reason


# -- TLS and login ------------------------------------------------------------------------------------

@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_tls_to_a_server_whose_authority_the_client_trusts(tls):
    with SMTPTestServer(tls=tls) as server:
        settings = server.settings()
        assert deliver(message_for(settings), settings, context=server.client_context()).startswith("250 ")
        assert server.received[0].message()["Message-ID"] == MSG_ID


def test_a_certificate_the_client_does_not_trust_is_a_temporary_tls_failure():
    with SMTPTestServer(tls="starttls") as server:
        settings = server.settings()
        with pytest.raises(TemporaryFailure) as caught:
            deliver(message_for(settings), settings)
        assert "TLS" in caught.value.reason and "certificate" in caught.value.reason.lower()
        assert server.received == []


def test_starttls_to_a_server_without_it_is_temporary_and_names_the_setting(smtp_server):
    reason = failure(smtp_server, TemporaryFailure, starttls=True)
    assert "STARTTLS" in reason and "mail.starttls" in reason


def test_login_with_the_password_from_a_private_file(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o600)
    with SMTPTestServer(auth=True) as server:
        settings = server.settings(username=USERNAME, password_file=str(secret))
        assert deliver(message_for(settings), settings).startswith("250 ")
        assert server.logins == [(USERNAME, PASSWORD)]
        assert len(server.received) == 1


def test_a_wrong_password_is_temporary_and_says_to_fix_the_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("EDOC_TEST_SMTP_PW", "wrong")
    with SMTPTestServer(auth=True) as server:
        settings = server.settings(username=USERNAME, password_env="EDOC_TEST_SMTP_PW")
        with pytest.raises(TemporaryFailure) as caught:
            deliver(message_for(settings), settings)
        assert "535" in caught.value.reason and "mail.username" in caught.value.reason
        assert server.received == []


def test_a_missing_password_is_temporary_and_names_the_variable(monkeypatch):
    monkeypatch.delenv("EDOC_TEST_SMTP_PW", raising=False)
    with SMTPTestServer(auth=True) as server:
        settings = server.settings(username=USERNAME, password_env="EDOC_TEST_SMTP_PW")
        with pytest.raises(TemporaryFailure) as caught:
            deliver(message_for(settings), settings)
        assert "EDOC_TEST_SMTP_PW" in caught.value.reason and "mail.password_env" in caught.value.reason
        assert server.logins == []


# -- retries --------------------------------------------------------------------------------------------

def test_backoff_doubles_from_a_minute_up_to_four_hours():
    minutes = [retry_delay(n) / timedelta(minutes=1) for n in range(1, 12)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 240, 240, 240]
    assert retry_delay(0) == timedelta(minutes=1)
    assert retry_delay(10**6) == timedelta(hours=4)
    assert MAX_ATTEMPTS == 20


def test_the_servers_words_are_one_clean_line_of_at_most_300_characters():
    said = server_text(b"550 \x1b[31mno\x1b[0m such\r\nuser " + b"x" * 400)
    assert said.startswith("550 no such user xxx") and len(said) == 300 and said.endswith("…")
    assert not re.search("[\x00-\x1f\x7f-\x9f]", said)


@pytest.mark.parametrize("name", [
    "Smith, John Very Long Name Of Somebody Important In The Company Limited Partnership",
    "Серикова Айгуль Маратовна, главный бухгалтер ТОО «Очень длинное название организации»",
    '"' * 30 + "\\" * 30,
])
def test_long_names_with_commas_and_quotes_stay_one_address_even_stored_and_read_back(smtp_server, name):
    client = {"type": "user", "name": name, "email": "aigul@example.kz"}
    _, received = send(smtp_server, REPLY, tkt=ticket(client=client))
    # As an outbox would keep it: bytes, read back with the default policy, written again.
    stored = message_from_bytes(received.data, policy=policy.default).as_bytes(policy=policy.SMTP)
    for data in (received.data, stored):
        message = message_from_bytes(data, policy=policy.default)
        assert [a.addr_spec for a in message["To"].addresses] == ["aigul@example.kz"]
        display = message_from_bytes(data, policy=policy.compat32)["To"].rpartition("<")[0]
        assert str(make_header(decode_header(display))).strip() == name
        assert max(len(line) for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")) <= 78
