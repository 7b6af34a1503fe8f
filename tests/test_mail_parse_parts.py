"""The helpers of inbound parsing one by one: quote cutting, HTML to text, header decoding, file names."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from edoc_cli.mail.headers import address_list, decode_bytes, decode_words, header_text, message_ids, parse_date
from edoc_cli.mail.html_text import html_to_text
from edoc_cli.mail.names import clean_name, unique_name
from edoc_cli.mail.quoting import new_part

OLD = "Здравствуйте! Уточните версию NCALayer."


@pytest.mark.parametrize("body", [
    # Outlook, English and Russian separators
    f"Спасибо, заработало.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nTo: me\n\n{OLD}",
    f"Спасибо, заработало.\n\n-----Исходное сообщение-----\nОт: Служба поддержки\n\n{OLD}",
    f"Спасибо, заработало.\n----- Original Message -----\n{OLD}",
    # Outlook's header block without a separator (Outlook on the web draws a line of underscores)
    f"Спасибо, заработало.\n\n________________________________\nFrom: Support <s@edoc.example.kz>\n"
    f"Sent: Monday, November 30, 2026 10:00 AM\nTo: Client <c@example.kz>\nSubject: RE: x\n\n{OLD}",
    f"Спасибо, заработало.\n\nОт: Служба поддержки <s@edoc.example.kz>\nОтправлено: 30 ноября 2026 г. 10:00\n"
    f"Кому: Клиент\nТема: RE: x\n\n{OLD}",
    f"Спасибо, заработало.\n\n*From:* Support <s@edoc.example.kz>\n*Sent:* Monday\n*To:* Client\n\n{OLD}",
    # Gmail, English, on one line and wrapped over two; Russian
    f"Спасибо, заработало.\n\nOn Mon, 30 Nov 2026 at 10:00, Support <s@edoc.example.kz> wrote:\n\n{OLD}",
    f"Спасибо, заработало.\n\nOn Mon, 30 Nov 2026 at 10:00, Служба поддержки E-DOC <\ns@edoc.example.kz> wrote:\n\n> {OLD}",
    f"Спасибо, заработало.\n\nпн, 30 нояб. 2026 г. в 10:00, Служба поддержки <s@edoc.example.kz>:\n\n> {OLD}",
    f"Спасибо, заработало.\n\nпн, 30 нояб. 2026 г. в 10:00, Служба поддержки <s@edoc.example.kz>:\n{OLD}",
    # Mail.ru, with and without the address
    f"Спасибо, заработало.\n\nПонедельник, 30 ноября 2026, 10:00 +05:00 от Служба поддержки <s@edoc.example.kz>:\n{OLD}",
    f"Спасибо, заработало.\n\nПонедельник, 30 ноября 2026, 10:00 +05:00 от Служба поддержки:\n{OLD}",
    # Yandex
    f'Спасибо, заработало.\n\n30.11.2026, 10:00, "Служба поддержки" <s@edoc.example.kz>:\n{OLD}',
    f"Спасибо, заработало.\n\n30.11.2026, 10:00, s@edoc.example.kz:\n> {OLD}",
    # «написал(а):»
    f"Спасибо, заработало.\n\n30 нояб. 2026 г., в 10:00, Служба поддержки <s@edoc.example.kz> написал(а):\n{OLD}",
    f"Спасибо, заработало.\n\n30.11.2026 10:00, Служба поддержки E-DOC пишет:\n{OLD}",
    f"Спасибо, заработало.\n\nСлужба поддержки пишет:\n> {OLD}",
    # ">" quoting, then a "-- " signature
    f"Спасибо, заработало.\n\n> {OLD}\n>\n> --\n> Служба поддержки",
    f"Спасибо, заработало.\n\n-- \nИван Петров\nООО «Пример»\n\n> {OLD}",
    "Спасибо, заработало.\n\nSent from my iPhone",
    "Спасибо, заработало.\n\nОтправлено из мобильной Яндекс Почты",
])
def test_quotes_and_signatures_are_cut(body):
    assert new_part(body) == "Спасибо, заработало."


@pytest.mark.parametrize("body", [
    "Встреча 30.11.2026 в 10:00, приходите:\nв кабинет 5.",  # a date, a time and a colon, but no writer
    "From: my manager I got the task\nSent: nothing else",  # no To/Subject after it: not a header block
    "Ошибка --\nпродолжение текста",
    "Проверьте настройки.\nПорт: 443\nСервер: edoc.example.kz",
    "Мой коллега пишет:\nнадо обновить драйвер.",  # a person's own words, no date, no address, no ">" after
    "On second thought, my boss wrote:\nplease call us.",
])
def test_ordinary_text_is_not_taken_for_a_quote(body):
    assert new_part(body) == body


def test_inline_answers_between_quotes_stay():
    body = ("Иван Петров <i@example.kz> писал(а):\n> Первый вопрос?\n\nПервый ответ.\n\n"
            "> Второй вопрос?\n> Продолжение.\n\nВторой ответ.")
    assert new_part(body) == "Первый ответ.\n\nВторой ответ."


def test_a_body_that_is_all_quote_falls_back_to_the_full_text():
    body = "> только цитата\n> и ничего больше"
    assert new_part(body) == body


def test_a_forwarded_block_is_kept():
    body = ("Смотрите ниже.\n\n---------- Forwarded message ---------\nFrom: Клиент <c@example.kz>\n"
            "Date: Mon, 30 Nov 2026 at 10:00\nSubject: Ошибка\nTo: <me@example.kz>\n\nТекст ошибки.")
    assert new_part(body) == body
    outlook_forward = f"Пересылаю.\n\n-----Original Message-----\nFrom: Клиент\nSent: Monday\nTo: me\n\n{OLD}"
    assert new_part(outlook_forward, forwarded=True) == outlook_forward


def test_blank_lines_are_tidied():
    assert new_part("  \nПервая   \n\n\n\nВторая\n\n") == "Первая\n\nВторая"


# --- HTML

def test_html_structure_becomes_lines():
    html = ("<html><head><title>T</title><style>p{color:red}</style></head><body>"
            "<p>Первый&nbsp;абзац</p><p>Второй<br>с переносом</p>"
            "<ul><li>один</li><li>два</li></ul><script>alert('x')</script>"
            "<table><tr><td>A</td><td>B</td></tr><tr><td>C</td><td></td></tr></table></body></html>")
    assert html_to_text(html) == "Первый абзац\n\nВторой\nс переносом\n\n- один\n- два\nA | B\nC"


def test_html_entities_and_whitespace():
    assert html_to_text("a &lt;b&gt; &amp;&#160;&#x41;\n\n   c&mdash;d") == "a <b> & A c—d"


@pytest.mark.parametrize("html, text", [
    ('<a href="https://e.kz/x">кабинет</a>', "кабинет (https://e.kz/x)"),
    ('<a href="https://e.kz/x">https://e.kz/x</a>', "https://e.kz/x"),
    ('<a href="mailto:s@e.kz">s@e.kz</a>', "s@e.kz"),
    ('<a href="mailto:s@e.kz">написать</a>', "написать (s@e.kz)"),
    ('<a href="javascript:alert(1)">жми</a>', "жми"),
    ('<a href="https://e.kz/y"></a>', "https://e.kz/y"),
])
def test_html_links_keep_their_address_when_it_differs(html, text):
    assert html_to_text(html) == text


def test_html_blockquote_lines_are_marked_as_quoted():
    html = "<div>Ответ</div><div>On Mon, 30 Nov 2026, A &lt;a@b.kz&gt; wrote:</div><blockquote>Старое<br>письмо</blockquote>"
    assert html_to_text(html) == "Ответ\nOn Mon, 30 Nov 2026, A <a@b.kz> wrote:\n\n> Старое\n> письмо"


def test_html_pre_keeps_its_lines_and_broken_html_does_not_raise():
    assert html_to_text("<pre>a   b\n  c</pre>") == "a   b\n  c"
    assert html_to_text("<div><p>незакрытый <b>тег <table><td>x") == "незакрытый тег\nx"
    assert html_to_text("<!-- комментарий --><![CDATA[x]]><?php echo 1 ?>текст") .endswith("текст")


# --- headers

def test_adjacent_encoded_words_split_inside_a_character_are_joined_as_bytes():
    # "Привет" in UTF-8 is D0 9F D1 80 D0 B8 D0 B2 D0 B5 D1 82; the first word ends inside "р"
    assert decode_words("=?utf-8?Q?=D0=9F=D1?= =?utf-8?Q?=80=D0=B8=D0=B2=D0=B5=D1=82?=") == "Привет"


@pytest.mark.parametrize("value, text", [
    ("=?windows-1251?B?z/Do4uXy?=", "Привет"),
    ("=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?= world", "Привет world"),
    ("=?iso-8859-5?Q?=BF=E0=D8=D2=D5=E2?=", "Привет"),
    ("=?UTF-8*ru?B?0J/RgNC40LLQtdGC?=", "Привет"),
    ("Re: =?utf-8?B?0J/RgNC40LLQtdGC?= =?utf-8?B?INC80LjRgA==?=", "Re: Привет мир"),
    ("=?unknown-charset?B?0J/RgNC40LLQtdGC?=", "Привет"),  # unknown: UTF-8 tried first
    ("=?utf-8?B?0J/RgNC40LLQtdGC", "=?utf-8?B?0J/RgNC40LLQtdGC"),  # not closed: left as it is
    ("plain\r\n folded", "plain folded"),
    ("=?base64?Q?=CF=F0=E8=E2=E5=F2?=", "Привет"),  # not valid UTF-8: windows-1251
])
def test_header_text(value, text):
    assert header_text(value) == text


def test_raw_8bit_headers_are_decoded_as_utf8_or_windows_1251():
    cp1251 = "Привет".encode("cp1251").decode("ascii", "surrogateescape")
    utf8 = "Привет".encode("utf-8").decode("ascii", "surrogateescape")
    assert header_text(cp1251) == header_text(utf8) == "Привет"


@pytest.mark.parametrize("data, charset, text", [
    ("Добрый день".encode("koi8-r"), "koi8-r", "Добрый день"),
    ("Добрый день".encode("utf-8"), "koi8-r", "Добрый день"),  # a lying declaration
    ("Добрый день".encode("cp1251"), "utf-8", "Добрый день"),
    ("Добрый день".encode("cp1251"), None, "Добрый день"),
    ("Добрый день".encode("cp1251"), "no-such-charset", "Добрый день"),
    (b"plain", "us-ascii", "plain"),
    ("Добрый день".encode("cp1251"), "base64", "Добрый день"),  # a codec, but no charset
    ("Добрый день".encode("cp1251"), "undefined", "Добрый день"),  # a codec that always fails
    ("Добрый день".encode("utf-16"), "utf-16", "Добрый день"),
])
def test_body_bytes_are_decoded(data, charset, text):
    assert decode_bytes(data, charset) == text


def test_message_id_lists_are_read_robustly():
    assert message_ids("<a@b> <c@d>") == ["<a@b>", "<c@d>"]
    assert message_ids("junk <a@b>(comment)<c@d> <a@b> <no-at-sign> <x y@z>") == ["<a@b>", "<c@d>", "<xy@z>"]
    assert message_ids("a@b") == [] and message_ids(None) == [] and message_ids("<>") == []


def test_addresses():
    assert address_list('"Петров, Иван" <I.Petrov@Example.kz>, b@example.kz, junk, <@@>') == [
        ("Петров, Иван", "i.petrov@example.kz"), ("", "b@example.kz")]
    assert address_list("=?utf-8?B?0JjQstCw0L0=?= <ivan@example.kz>") == [("Иван", "ivan@example.kz")]
    assert address_list("") == [] and address_list("no address here") == []


def test_dates():
    assert parse_date("Mon, 30 Nov 2026 10:00:00 +0500").utcoffset().total_seconds() == 5 * 3600
    assert parse_date("Mon, 30 Nov 2026 05:00:00 -0000") == datetime(2026, 11, 30, 5, tzinfo=timezone.utc)
    assert parse_date("30 Nov 2026 05:00 GMT") == datetime(2026, 11, 30, 5, tzinfo=timezone.utc)
    assert parse_date("yesterday") is None and parse_date("") is None and parse_date(None) is None


# --- file names

@pytest.mark.parametrize("raw, name", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    ("/abs/path.txt", "path.txt"),
    ("C:\\evil.exe", "evil.exe"),
    ("C:evil.exe", "evil.exe"),
    ("CON.txt", "_CON.txt"),
    ("lpt1", "_lpt1"),
    ("aux.tar.gz", "_aux.tar.gz"),
    (".hidden", "hidden"),
    ("...", ""),
    ("..", ""),
    ("a\x00b.txt", "ab.txt"),
    ("\x1b[31mred\x1b[0m.txt", "red.txt"),
    ("what?.txt", "what_.txt"),
    ("trailing. ", "trailing"),
    ("=?utf-8?B?0J/RgNC40LLQtdGCLnBkZg==?=", "Привет.pdf"),
    ("Отчёт за ноябрь.xlsx", "Отчёт за ноябрь.xlsx"),
    ("", ""),
    (None, ""),
])
def test_clean_name(raw, name):
    assert clean_name(raw) == name


def test_long_names_keep_their_extension():
    assert clean_name("д" * 300 + ".docx") == "д" * 95 + ".docx"
    assert clean_name("x" * 300) == "x" * 100


def test_unique_names_ignore_case_and_fill_in_missing_ones():
    taken: set[str] = set()
    names = [unique_name("Scan.pdf", "application/pdf", 1, taken), unique_name("scan.pdf", "application/pdf", 2, taken),
             unique_name("SCAN.pdf", "application/pdf", 3, taken), unique_name(None, "image/png", 4, taken),
             unique_name("", "application/x-unknown-thing", 5, taken), unique_name("../", "text/plain", 6, taken)]
    assert names == ["Scan.pdf", "scan-2.pdf", "SCAN-3.pdf", "attachment-4.png", "attachment-5.bin", "attachment-6.txt"]
    long = "y" * 96 + ".pdf"
    assert unique_name(long, "application/pdf", 7, taken) == long
    assert unique_name(long, "application/pdf", 8, taken) == "y" * 94 + "-2.pdf"


def test_an_outlook_html_reply_loses_its_header_block_and_the_old_message():
    html = ("<html><head><style><!-- p.MsoNormal {margin:0cm} --></style></head><body lang=RU>"
            "<div class=WordSection1><p class=MsoNormal>Добрый день!<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
            "<p class=MsoNormal>Всё работает, спасибо.<o:p></o:p></p>"
            "<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>От:</b> Служба поддержки "
            "&lt;support@edoc.example.kz&gt;<br><b>Отправлено:</b> понедельник, 30 ноября 2026 г. 10:00<br>"
            "<b>Кому:</b> Султанова Айгуль<br><b>Тема:</b> [ED-2026-000042] Не подписывается документ</p></div>"
            "<p class=MsoNormal>Уточните версию.</p></div></body></html>")
    text = html_to_text(html)
    assert "От: Служба поддержки <support@edoc.example.kz>\nОтправлено: понедельник" in text
    assert new_part(text) == "Добрый день!\n\nВсё работает, спасибо."


def test_html_on_one_long_line_is_converted_in_linear_time():
    import time
    html = "<td><b>жирный</b> <i>курсив</i></td>" * 40_000  # 1.4 MB, one line, 160,000 text pieces
    started = time.monotonic()
    text = html_to_text(html)
    assert time.monotonic() - started < 10  # a quadratic join took minutes
    assert text.startswith("жирный курсив | жирный курсив | ") and text.count(" | ") == 39_999


def test_an_unclosed_title_does_not_swallow_the_body():
    assert html_to_text("<html><head><title>Письмо<body><p>Текст письма</p>") == "Текст письма"
