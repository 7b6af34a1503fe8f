"""The regulation's registration checklist (clauses 3, 4, 6-8, 10-12), through the real CLI.

Every refusal is checked three ways: exit 3, every unmet item named on stderr
with its flag and clause ("clause 11: --email: ..."), and the store untouched
(absent, or byte for byte what it was). Expected values come from SPEC.md and
REGULATION.md, worked out by hand in the comments.
"""

from __future__ import annotations

import pytest

from conftest import BIN, BUG_FIELDS, IIN, request_args

NOW = "2026-11-26T10:00:00+05:00"  # the harness clock: Thursday, a working day, 10:00 in Astana


# -- helpers -----------------------------------------------------------------------------------


def store_bytes(edoc) -> bytes | None:
    return edoc.state()


def problem_lines(result) -> list[str]:
    """The unmet items: edoc prints one per line as '  - clause N: --flag: why'."""
    return [line[4:] for line in result.err.splitlines() if line.startswith("  - ")]


def refuse(edoc, args: list[str], expect: list[tuple[str, int]], *, count: int | None = None,
           now: str | None = None) -> list[str]:
    """Run `edoc open` expecting a refusal naming every (flag, clause); nothing may be stored."""
    before = store_bytes(edoc)
    result = edoc.run("open", *args, now=now)
    assert result.code == 3, result
    assert result.out == "", result  # no registration number, nothing for scripts
    lines = problem_lines(result)
    for flag, clause in expect:
        assert any(line.startswith(f"clause {clause}: {flag}: ") for line in lines), (flag, clause, result.err)
    if count is not None:
        assert len(lines) == count, result.err
    assert store_bytes(edoc) == before, "a refused request changed the store"
    return lines


def accept(edoc, args: list[str], now: str | None = None) -> dict:
    result = edoc.run("open", *args, "--json", now=now)
    assert result.code == 0, result
    return result.json()


def bug(**fields) -> list[str]:
    return request_args(**{**BUG_FIELDS, **fields})


@pytest.fixture(scope="module")
def seed_store(request, tmp_path_factory, store_kind):
    """A store holding one ticket, made once by edoc itself."""
    from conftest import make_desk

    maker = make_desk(request, tmp_path_factory.mktemp("seed"), store_kind)
    assert maker.open_ticket() == "ED-2026-000001"
    return maker


@pytest.fixture
def seeded(edoc, seed_store):
    """An edoc whose store already holds one ticket, so "unchanged" means byte for byte."""
    edoc.fill_from(seed_store)
    return edoc


# -- the basics ----------------------------------------------------------------------------


def test_a_valid_consultation_is_registered_as_given(edoc):
    ticket = accept(edoc, request_args())
    assert ticket["id"] == "ED-2026-000001"
    assert ticket["status"] == "new"
    assert ticket["client"] == {
        "type": "user", "name": "Иванов Иван Иванович", "iin": IIN, "bin": None, "login": None,
        "email": "ivanov@example.kz", "phone": None, "organization": None, "lang": "ru",
    }
    assert (ticket["category"], ticket["channel"], ticket["topic"]) == ("consultation", "phone", "profile")
    # Nobody gave --received-at: the clock starts at registration.
    assert ticket["received_at"] == ticket["created_at"] == NOW


def test_a_refusal_on_an_empty_store_creates_no_file(edoc):
    refuse(edoc, request_args(email=None), [("--email", 11)], count=1)
    assert edoc.state() is None
    if edoc.kind == "json":
        assert not edoc.store.parent.exists()  # not even the folder or the lock file


def test_nothing_given_lists_every_item_at_once(edoc):
    # No flags at all. By the checklist: client type (7), name (11), e-mail or phone (11),
    # category (4), channel (8), topic (6), subject (12), the FAQ question (10).
    # Not asked: IIN/BIN/login (only a *user* needs one, and the type is unknown) and the
    # clause 12 details (they depend on the unknown category). 8 items.
    lines = refuse(edoc, ["--no-input"], [
        ("--client-type", 7), ("--name", 11), ("--email", 11), ("--category", 4),
        ("--channel", 8), ("--topic", 6), ("--subject", 12), ("--faq-checked/--no-faq-checked", 10),
    ], count=8)
    assert len(lines) == 8


def test_three_problems_three_lines(seeded):
    result = seeded.run("open", *request_args(client_type=None, email="not-an-email", channel="fax"))
    assert result.code == 3
    assert "3 unmet items" in result.err
    assert problem_lines(result) == [
        "clause 7: --client-type: is required: one of user, guest",
        "clause 11: --email: is not an e-mail address",
        "clause 8: --channel: a consultation request may arrive only by phone, email, portal, chat, not 'fax'",
    ]


def test_a_bug_by_phone_without_details_lists_six_items(seeded):
    # The channel (8), then each clause 12 detail a bug needs beyond the description:
    # steps, when, an attachment, browser, OS = 1 + 5 = 6.
    refuse(seeded, request_args(category="bug", topic="portal_errors"), [
        ("--channel", 8), ("--steps", 12), ("--occurred-at", 12), ("--attachment", 12),
        ("--browser", 12), ("--os", 12),
    ], count=6)


# -- clause 7: who is asking ---------------------------------------------------------------


@pytest.mark.parametrize("client_type", [None, "", "   ", "admin", "users", "гость"])
def test_client_type_refused(seeded, client_type):
    refuse(seeded, request_args(client_type=client_type), [("--client-type", 7)], count=1)


@pytest.mark.parametrize("client_type", ["user", "guest"])
def test_client_type_accepted(edoc, client_type):
    assert accept(edoc, request_args(client_type=client_type))["client"]["type"] == client_type


# -- clause 11: identification -------------------------------------------------------------

GOOD_BIN = "050540001232"  # check digit by hand in test_identity.py (sum 112 -> 2)


@pytest.mark.parametrize("fields, stored", [
    ({}, {"iin": IIN, "email": "ivanov@example.kz"}),
    ({"iin": None, "bin": GOOD_BIN, "email": None, "phone": "+7 701 234 5678"},
     {"bin": GOOD_BIN, "phone": "+77012345678"}),
    ({"iin": None, "login": "ivanov.i@kz", "email": "a.b-c@mail.example.kz"},
     {"login": "ivanov.i@kz", "email": "a.b-c@mail.example.kz"}),
    ({"iin": None, "login": "iv"}, {"login": "iv"}),                      # 2 characters: the shortest login
    ({"iin": "  " + IIN + " "}, {"iin": IIN}),                            # a single-line value is trimmed
    ({"client_type": "guest", "iin": None}, {"type": "guest", "iin": None}),
    ({"client_type": "guest", "iin": None, "email": None, "phone": "87012345678"},
     {"type": "guest", "phone": "+77012345678"}),
    ({"organization": "ТОО «Ромашка»"}, {"organization": "ТОО «Ромашка»"}),
])
def test_identification_accepted(edoc, fields, stored):
    client = accept(edoc, request_args(**fields))["client"]
    for key, value in stored.items():
        assert client[key] == value, key


@pytest.mark.parametrize("fields, flag", [
    # a user with neither IIN nor BIN nor login
    ({"iin": None}, "--iin"),
    # nobody to answer to
    ({"email": None}, "--email"),
    ({"client_type": "guest", "iin": None, "email": None}, "--email"),
    # a guest still needs a name
    ({"client_type": "guest", "iin": None, "name": None}, "--name"),
    ({"name": None}, "--name"),
    ({"name": "   "}, "--name"),
    # numbers that are not valid (details in test_identity.py)
    ({"iin": "900101301234"}, "--iin"),        # check digit should be 3
    ({"iin": "90010130123"}, "--iin"),         # 11 digits
    ({"iin": "９００１０１３０１２３３"}, "--iin"),  # full-width digits
    ({"iin": "٩٠٠١٠١٣٠١٢٣٣"}, "--iin"),        # Arabic-Indic digits
    ({"iin": None, "bin": "٩٤٠١٤٠٠٠٠٣٨٥"}, "--bin"),
    ({"iin": None, "bin": "940140000384"}, "--bin"),  # check digit should be 5
    ({"iin": None, "bin": IIN}, "--bin"),      # an IIN is not a BIN
    ({"client_type": "guest", "iin": "900101301234"}, "--iin"),  # a guest's wrong IIN is still wrong
    ({"iin": None, "login": "i"}, "--login"),  # 1 character
    ({"iin": None, "login": "ivan ivanov"}, "--login"),
    ({"iin": None, "login": "x" * 65}, "--login"),
])
def test_identification_refused(seeded, fields, flag):
    lines = refuse(seeded, request_args(**fields), [(flag, 11)], count=1)
    if fields == {"iin": None}:
        assert "IIN, BIN or portal login" in lines[0]


@pytest.mark.parametrize("email", [
    "ivanov",                 # no @
    "ivanov@",                # no domain
    "@example.kz",            # no local part
    "ivanov@example",         # no dot in the domain
    "ivanov@example.k",       # a one-letter top-level domain
    "iv anov@example.kz",     # a space
    "a@b@example.kz",         # two @
    "x" * 65 + "@example.kz",  # a local part over 64 characters
])
def test_bad_email_refused(seeded, email):
    refuse(seeded, request_args(email=email), [("--email", 11)], count=1)


@pytest.mark.parametrize("phone", [
    "12345",                  # 5 digits
    "+7 701 234",             # 7 digits
    "701234567",              # 9 digits: one short of the 10 needed
    "1234567890123456",       # 16 digits: one over 15
    "+7-701-abc-45-67",       # letters
    "+7 701 234 56 78 доб. 5",
    "++77012345678",
])
def test_bad_phone_refused(seeded, phone):
    refuse(seeded, request_args(email=None, phone=phone), [("--phone", 11)], count=1)


@pytest.mark.parametrize("phone, stored", [
    ("8 701 234 5678", "+77012345678"),      # trunk 8 -> country code 7
    ("8 (701) 234-56-78", "+77012345678"),
    ("87012345678", "+77012345678"),
    ("+7 (701) 234-56-78", "+77012345678"),
    ("+77012345678", "+77012345678"),
    ("7 701 234 5678", "+77012345678"),
    ("701 234 56 78", "+77012345678"),       # 10 digits, national: +7 in front
    ("8 7172 55 66 77", "+77172556677"),     # an Astana landline
    ("+81 3 1234 5678", "+81312345678"),     # Japan: "+8..." already has its country code
    ("123456789012345", "+123456789012345"),  # 15 digits: the most E.164 allows
])
def test_phone_normalised(edoc, phone, stored):
    client = accept(edoc, request_args(email=None, phone=phone))["client"]
    assert client["phone"] == stored


# -- clause 4: category; clause 8: the channel it may arrive by -----------------------------


def args_for(category: str, channel: str) -> list[str]:
    if category == "bug":
        return bug(channel=channel)
    return request_args(category=category, channel=channel)


@pytest.mark.parametrize("category", [None, "", "question", "Bug", "bugs"])
def test_category_refused(seeded, category):
    refuse(seeded, request_args(category=category), [("--category", 4)], count=1)


# REGULATION.md clause 8 defaults: consultation - all four; bug, feature - email, portal;
# complaint - email only.
CHANNEL_MATRIX = [
    ("consultation", "phone", True), ("consultation", "email", True),
    ("consultation", "portal", True), ("consultation", "chat", True),
    ("bug", "email", True), ("bug", "portal", True), ("bug", "phone", False), ("bug", "chat", False),
    ("feature", "email", True), ("feature", "portal", True),
    ("feature", "phone", False), ("feature", "chat", False),
    ("complaint", "email", True), ("complaint", "phone", False),
    ("complaint", "portal", False), ("complaint", "chat", False),
]


@pytest.mark.parametrize("category, channel, allowed", CHANNEL_MATRIX)
def test_channel_per_category(seeded, category, channel, allowed):
    if allowed:
        ticket = accept(seeded, args_for(category, channel))
        assert (ticket["category"], ticket["channel"]) == (category, channel)
    else:
        lines = refuse(seeded, args_for(category, channel), [("--channel", 8)], count=1)
        assert f"a {category} request may arrive only by" in lines[0]
        assert f"not {channel!r}" in lines[0]


@pytest.mark.parametrize("channel", [None, "fax", "telegram", "Phone"])
def test_unknown_or_missing_channel_refused(seeded, channel):
    refuse(seeded, request_args(channel=channel), [("--channel", 8)], count=1)


def test_unknown_category_and_unknown_channel_both_named(seeded):
    # With no valid category the channel is checked against every known channel.
    lines = refuse(seeded, request_args(category="question", channel="fax"),
                   [("--category", 4), ("--channel", 8)], count=2)
    assert lines[1] == "clause 8: --channel: must be one of phone, email, portal, chat, not 'fax'"


# -- clause 6: scope -------------------------------------------------------------------------

IN_SCOPE = ["registration", "documents", "profile", "portal_errors", "tariffs"]
OUT_OF_SCOPE = {
    "client_environment": "The user's computer, operating system or network",
    "third_party_software": "Third-party software",
    "eds_issuing": "Issuing EDS keys (the national certification authority does this)",
    "legal_advice": "Legal or accounting advice on a document's content",
    "other_systems": "Other information systems",
}


@pytest.mark.parametrize("topic", IN_SCOPE)
def test_in_scope_topics_accepted(edoc, topic):
    assert accept(edoc, request_args(topic=topic))["topic"] == topic


@pytest.mark.parametrize("topic, why", OUT_OF_SCOPE.items())
def test_out_of_scope_refused_with_the_reason(seeded, topic, why):
    (line,) = refuse(seeded, request_args(topic=topic), [("--topic", 6)], count=1)
    assert why in line
    assert "not registered" in line


@pytest.mark.parametrize("topic", [None, "", "weather", "Documents", "documents,profile"])
def test_missing_or_unknown_topic_refused(seeded, topic):
    (line,) = refuse(seeded, request_args(topic=topic), [("--topic", 6)], count=1)
    # The operator is told which topics there are.
    assert "registration, documents, profile, portal_errors, tariffs" in line


def test_a_complaint_needs_no_topic(edoc):
    ticket = accept(edoc, request_args(category="complaint", channel="email", topic=None))
    assert ticket["category"] == "complaint" and ticket["topic"] is None


def test_a_complaint_about_staff_is_registered_whatever_its_topic(edoc):
    # Clause 16: a complaint about staff conduct is always in scope - the client was
    # treated rudely while asking about EDS keys, which support itself does not issue.
    ticket = accept(edoc, request_args(category="complaint", channel="email", topic="eds_issuing"))
    assert ticket["topic"] == "eds_issuing"


def test_a_complaint_with_an_unknown_topic_is_still_a_typo(seeded):
    refuse(seeded, request_args(category="complaint", channel="email", topic="weather"), [("--topic", 6)],
           count=1)


# -- clause 10: the Help Centre and FAQ --------------------------------------------------------

SIGN_URL = "https://help.e-doc.kz/sign"  # the built-in FAQ article on signing


def test_the_faq_question_is_required(seeded):
    (line,) = refuse(seeded, request_args(faq_checked=None), [("--faq-checked/--no-faq-checked", 10)], count=1)
    assert "Help Centre" in line


@pytest.mark.parametrize("subject, description", [
    ("Не могу подписать документ", "Кнопка не отвечает"),           # "подписать" is a keyword
    ("Ошибка при подписи", "Документ не уходит"),                   # "подписи" starts like "подпись" (подпи-)
    ("Вопрос по документу", "NCALayer не видит ключ"),              # a keyword in the description only
    ("Вопрос по документу", "ключ эцп не подходит"),                # "ЭЦП" in lower case
])
def test_no_faq_checked_refused_when_an_article_matches(seeded, subject, description):
    (line,) = refuse(seeded, request_args(faq_checked="no", subject=subject, description=description),
                     [("--faq-checked/--no-faq-checked", 10)], count=1)
    assert SIGN_URL in line          # the operator is shown the article to send the client to
    assert "--faq-link" in line


def test_no_faq_checked_accepted_when_nothing_matches(edoc):
    # "Смена e-mail в профиле" / "Клиент хочет сменить адрес почты в профиле": none of the
    # built-in keywords (подпись, вход, пароль, тариф, отправка, ...) occurs.
    ticket = accept(edoc, request_args(faq_checked="no"))
    assert ticket["faq"] == {"checked": False, "link": None, "suggested": []}


def test_no_faq_checked_accepted_with_an_empty_faq_index(edoc):
    edoc.write_config("faq = []\n")
    ticket = accept(edoc, request_args(faq_checked="no", subject="Не могу подписать документ"))
    assert ticket["faq"]["checked"] is False


def test_faq_checked_keeps_the_link_and_the_suggestions(edoc):
    ticket = accept(edoc, request_args(subject="Не могу подписать документ", faq_link=SIGN_URL + "#step-2"))
    assert ticket["faq"] == {"checked": True, "link": SIGN_URL + "#step-2", "suggested": [SIGN_URL]}


@pytest.mark.parametrize("link", [
    "help.e-doc.kz/sign",           # no scheme
    "ftp://help.e-doc.kz/sign",
    "javascript:alert(1)",
    "https://",                     # no host
    "https:// help.e-doc.kz",
    "see the FAQ",
])
def test_bad_faq_link_refused(seeded, link):
    refuse(seeded, request_args(faq_link=link), [("--faq-link", 10)], count=1)


# -- clause 12: what a request must carry --------------------------------------------------------

BUG_DETAILS = [
    ("description", "--description"), ("steps", "--steps"), ("occurred_at", "--occurred-at"),
    ("attachment", "--attachment"), ("browser", "--browser"), ("os", "--os"),
]


def test_a_complete_bug_is_registered_with_its_details(edoc):
    ticket = accept(edoc, bug())
    assert ticket["category"] == "bug"
    assert ticket["details"] == {
        "steps": BUG_FIELDS["steps"], "occurred_at": "2026-11-26T09:30:00+05:00",
        "browser": "Chrome 131", "os": "Windows 11", "attachments": ["screenshot-500.png"], "document": None,
    }


@pytest.mark.parametrize("field, flag", BUG_DETAILS)
def test_each_missing_bug_detail_is_named(seeded, field, flag):
    refuse(seeded, bug(**{field: None}), [(flag, 12)], count=1)


@pytest.mark.parametrize("field, flag", BUG_DETAILS)
def test_a_blank_bug_detail_counts_as_missing(seeded, field, flag):
    refuse(seeded, bug(**{field: "  "}), [(flag, 12)], count=1)


def test_all_bug_details_missing_are_named_together(seeded):
    refuse(seeded, bug(**{field: None for field, _ in BUG_DETAILS}), [(flag, 12) for _, flag in BUG_DETAILS],
           count=6)


def test_a_bug_about_documents_needs_the_document_number(seeded):
    (line,) = refuse(seeded, bug(topic="documents"), [("--document", 12)], count=1)
    assert "document" in line
    ticket = accept(seeded, bug(topic="documents", document="ЭСФ-000123"))
    assert ticket["details"]["document"] == "ЭСФ-000123"


def test_a_consultation_about_documents_needs_no_document_number(edoc):
    assert accept(edoc, request_args(topic="documents"))["details"]["document"] is None


@pytest.mark.parametrize("category, channel", [("consultation", "phone"), ("feature", "email"),
                                               ("complaint", "email")])
def test_other_categories_need_a_description(seeded, category, channel):
    refuse(seeded, request_args(category=category, channel=channel, description=None),
           [("--description", 12)], count=1)


def test_subject_is_required(seeded):
    refuse(seeded, request_args(subject=None), [("--subject", 12)], count=1)


def test_several_attachments_kept_in_order(edoc):
    ticket = accept(edoc, bug() + ["--attachment", "log.txt", "--attachment", " https://disk.example/x.png "])
    assert ticket["details"]["attachments"] == ["screenshot-500.png", "log.txt", "https://disk.example/x.png"]


# -- text limits ------------------------------------------------------------------------------


@pytest.mark.parametrize("field, flag, clause, limit", [
    ("subject", "--subject", 12, 200),
    ("name", "--name", 11, 200),
    ("organization", "--organization", 11, 200),
    ("browser", "--browser", 12, 200),
    ("description", "--description", 12, 20_000),
    ("steps", "--steps", 12, 20_000),
])
def test_text_limits(seeded, field, flag, clause, limit):
    # Cyrillic on purpose: the limit is in characters, and each of these is 2 bytes.
    exact = "я" * limit
    ticket = accept(seeded, bug(**{field: exact}))
    stored = ticket["client"][field] if field in ("name", "organization") else (
        ticket["details"][field] if field in ("browser", "steps") else ticket[field])
    assert stored == exact
    (line,) = refuse(seeded, bug(**{field: exact + "я"}), [(flag, clause)], count=1)
    assert f"is {limit + 1} characters long; at most {limit}" in line


def test_the_limit_applies_after_trimming(edoc):
    # 200 letters and 3 spaces around them: 200 characters once trimmed.
    assert accept(edoc, request_args(subject=" " + "я" * 200 + "  "))["subject"] == "я" * 200


# -- control characters ------------------------------------------------------------------------------


@pytest.mark.parametrize("field, flag, clause", [
    ("name", "--name", 11), ("description", "--description", 12), ("subject", "--subject", 12),
    ("steps", "--steps", 12), ("email", "--email", 11),
])
def test_nul_byte_refused_everywhere(seeded, field, flag, clause):
    base = {"name": "Иван", "description": "текст", "subject": "тема", "steps": "шаги", "email": "a@example.kz"}
    (line,) = refuse(seeded, bug(**{field: base[field] + "\x00" + "x"}), [(flag, clause)], count=1)
    assert "NUL" in line


@pytest.mark.parametrize("field, flag, clause, value, why", [
    ("subject", "--subject", 12, "Ошибка\tвхода", "control character (U+0009) at position 7"),
    ("subject", "--subject", 12, "Ошибка\nвхода", "must be a single line"),
    ("subject", "--subject", 12, "Ошибка\rвхода", "must be a single line"),
    ("name", "--name", 11, "Иван \x1b[31mИванов", "control character (U+001B) at position 6"),
    ("name", "--name", 11, "Иван\x07", "control character (U+0007) at position 5"),
    ("email", "--email", 11, "a@example.kz\x7f", "control character (U+007F) at position 13"),
    ("login", "--login", 11, "iv\x85anov", "control character (U+0085) at position 3"),
    ("iin", "--iin", 11, IIN + "\n", "must be a single line"),
    ("organization", "--organization", 11, "ТОО\x1b]0;pwned\x07", "control character (U+001B) at position 4"),
    ("browser", "--browser", 12, "Chrome\x9b31m", "control character (U+009B) at position 7"),
    ("attachment", "--attachment", 12, "shot\x1b[2J.png", "item 1 contains a control character (U+001B)"),
])
def test_control_characters_refused_in_single_line_fields(seeded, field, flag, clause, value, why):
    (line,) = refuse(seeded, bug(**{field: value}), [(flag, clause)], count=1)
    assert why in line


def test_escape_sequences_are_removed_from_the_description(edoc):
    # A client's pasted terminal output: colour (CSI ... m), a window title (OSC ... BEL),
    # a clear-screen (CSI 2J) and a bell. Whole sequences go, not just the ESC byte, so no
    # "[31m" is left behind; newlines and tabs stay.
    description = "Ошибка \x1b[31mкрасным\x1b[0m\n\tи \x1b]0;title\x07заголовок\x1b[2J\x07 конец"
    ticket = accept(edoc, request_args(description=description, steps="1. \x1b[1mжирный\x1b[0m шаг"))
    assert ticket["description"] == "Ошибка красным\n\tи заголовок конец"
    assert ticket["details"]["steps"] == "1. жирный шаг"
    # What is stored is what every later view shows.
    assert edoc.ticket(ticket["id"])["description"] == "Ошибка красным\n\tи заголовок конец"


def test_a_description_only_of_escapes_counts_as_missing(seeded):
    refuse(seeded, request_args(description="\x1b[31m\x1b[0m"), [("--description", 12)], count=1)


# -- times: --received-at (the SLA start) and --occurred-at ---------------------------------------


@pytest.mark.parametrize("given, stored", [
    (NOW, NOW),                                        # exactly now: not in the future
    ("2026-11-26T09:00", "2026-11-26T09:00:00+05:00"),  # naive = Astana time (as UTC it would be 14:00, future)
    ("2026-11-26T09:00:00", "2026-11-26T09:00:00+05:00"),
    ("2026-11-26", "2026-11-26T00:00:00+05:00"),        # a bare date: midnight in Astana
    ("2026-11-26T03:15:00Z", "2026-11-26T08:15:00+05:00"),       # UTC + 5 h
    ("2026-11-26T03:15:00+00:00", "2026-11-26T08:15:00+05:00"),
    ("2026-11-26T07:15:00+03:00", "2026-11-26T09:15:00+05:00"),  # Moscow: 04:15 UTC
    ("2026-11-25T23:30:00-05:00", "2026-11-26T09:30:00+05:00"),  # New York, the day before: 04:30 UTC
    ("2025-11-25T10:00:00+05:00", "2025-11-25T10:00:00+05:00"),  # 366 days back: the oldest accepted
])
def test_received_at_accepted_and_stored_in_astana_time(edoc, given, stored):
    ticket = accept(edoc, request_args(received_at=given))
    assert ticket["received_at"] == stored
    assert ticket["created_at"] == NOW


@pytest.mark.parametrize("given, why", [
    ("2026-11-26T10:00:01+05:00", "in the future"),      # one second after now
    ("2026-11-26T05:00:01Z", "in the future"),           # 10:00:01 in Astana
    ("2026-11-26T10:30", "in the future"),               # naive: 10:30 Astana
    ("2027-01-01", "in the future"),
    ("2025-11-25T09:59:59+05:00", "more than a year ago"),  # one second older than 366 days
    ("0001-01-01T00:00", "more than a year ago"),
    ("9999-12-31T23:00:00-05:00", "not a date or a date and time"),   # year 10000 in Astana
    ("позавчера", "not a date or a date and time"),
    ("2026-13-01", "not a date or a date and time"),
    ("26.11.26 10:00", "not a date or a date and time"),               # a two-digit year: refused
    ("31.02.2026 10:00", "not a date or a date and time"),
    ("26.11.2026 10:01", "in the future"),                              # Kazakhstan's form, Astana time
    ("10:01", "in the future"),                                         # today
])
def test_received_at_refused(seeded, given, why):
    (line,) = refuse(seeded, request_args(received_at=given), [("--received-at", 5)], count=1)
    assert why in line


@pytest.mark.parametrize("typed", ["2026-11-26T09:00", "26.11.2026 09:00", "09:00", "сегодня 9:00",
                                   "2026-11-26T04:00Z"])
def test_received_at_is_where_the_sla_clock_starts(edoc, typed):
    # Received 09:00, registered 10:00: one working hour is already spent of the 4 h
    # (240 min) first-response target, so it is due 09:00 + 4 h = 13:00.
    ticket = accept(edoc, request_args(received_at=typed))
    assert ticket["received_at"] == "2026-11-26T09:00:00+05:00"
    assert ticket["sla"]["first_response"]["elapsed_minutes"] == 60
    assert ticket["sla"]["first_response"]["due_at"] == "2026-11-26T13:00:00+05:00"


@pytest.mark.parametrize("given", ["позавчера", "2026-11-26T25:00", "yesterday 25:00", "2026-02-30",
                                   "30.02.2026", "\x1b[2J26.11.2026", "2026-11-26T11:00:00+05:00", "11:00"])
def test_occurred_at_garbage_or_future_refused(seeded, given):
    (line,) = refuse(seeded, bug(occurred_at=given), [("--occurred-at", 12)], count=1)
    if "\x1b" in given:
        assert "control character (U+001B)" in line  # refused before it is read as a date
    elif given.endswith(("+05:00", "11:00")):
        assert "in the future" in line
    else:
        assert "not a date or a date and time; accepted: 27.11.2026 10:05" in line
    assert "\x1b" not in line


def test_occurred_at_naive_is_astana_time(edoc):
    ticket = accept(edoc, bug(occurred_at="2026-11-25T17:45"))
    assert ticket["details"]["occurred_at"] == "2026-11-25T17:45:00+05:00"


# -- clause 3: the service level ------------------------------------------------------------------

VIP_REGISTRY = f"""
[[clients]]
bin = "{BIN}"
level = "vip"
valid_from = "2026-01-01"
valid_to = "2026-12-31"
"""


def vip_args(**fields) -> list[str]:
    return request_args(iin=None, bin=BIN, **fields)


def test_a_client_in_the_registry_gets_vip_targets(edoc):
    edoc.write_config(VIP_REGISTRY)
    ticket = accept(edoc, vip_args())
    assert ticket["sla_level"] == "vip"
    # SPEC.md: a vip consultation is 1 h / 8 h = 60 / 480 working minutes.
    assert ticket["sla_rules"]["rule"] == "sla.vip.consultation"
    assert (ticket["sla_rules"]["first_response"], ticket["sla_rules"]["resolution"]) == (60, 480)
    first, resolution = ticket["sla"]["first_response"], ticket["sla"]["resolution"]
    assert (first["target_minutes"], resolution["target_minutes"]) == (60, 480)
    # Received Thursday 10:00: 60 working minutes -> 11:00; 480 -> 18:00 the same day (10-18 is 8 h).
    assert first["due_at"] == "2026-11-26T11:00:00+05:00"
    assert resolution["due_at"] == "2026-11-26T18:00:00+05:00"


def test_a_vip_bug_keeps_the_vip_matrix_for_every_priority(edoc):
    edoc.write_config(VIP_REGISTRY)
    ticket = accept(edoc, bug(iin=None, bin=BIN))
    assert ticket["sla_level"] == "vip"
    # SPEC.md vip row, hours -> minutes: critical 0.5/4, high 1/8, normal 2/24, low 4/40.
    assert ticket["sla_rules"]["by_priority"] == {
        "critical": {"first_response": 30, "resolution": 240},
        "high": {"first_response": 60, "resolution": 480},
        "normal": {"first_response": 120, "resolution": 1440},
        "low": {"first_response": 240, "resolution": 2400},
    }
    # Undiagnosed counts as normal: 120 minutes.
    assert ticket["sla"]["first_response"]["target_minutes"] == 120


@pytest.mark.parametrize("now, received_at, level", [
    ("2026-01-01T00:00:00+05:00", None, "vip"),     # the first day of the contract, at midnight
    ("2026-12-31T23:59:59+05:00", None, "vip"),     # the last second of its last day
    ("2027-01-04T10:00:00+05:00", None, "basic"),   # the next working day after it ended
    ("2027-01-01T00:00:00+05:00", None, "basic"),   # the first second after it
    ("2025-12-31T23:59:59+05:00", None, "basic"),   # the second before it began
    ("2026-12-31T19:30:00Z", None, "basic"),        # 2027-01-01 00:30 in Astana: the date is Astana's
    # The contract is looked up on the day the request reached support.
    ("2027-01-04T10:00:00+05:00", "2026-12-31T17:00", "vip"),
])
def test_vip_only_within_the_contract_dates(edoc, now, received_at, level):
    edoc.write_config(VIP_REGISTRY)
    ticket = accept(edoc, vip_args(received_at=received_at), now=now)
    assert ticket["sla_level"] == level
    targets = {"vip": (60, 480), "basic": (240, 960)}[level]  # consultation: 1/8 h or 4/16 h
    assert (ticket["sla_rules"]["first_response"], ticket["sla_rules"]["resolution"]) == targets


def test_a_client_not_in_the_registry_is_basic(edoc):
    edoc.write_config(VIP_REGISTRY)
    ticket = accept(edoc, request_args(iin=None, bin=GOOD_BIN))
    assert ticket["sla_level"] == "basic"
    assert ticket["sla"]["first_response"]["target_minutes"] == 240


def test_the_registry_also_matches_an_iin(edoc):
    edoc.write_config(f'[[clients]]\niin = "{IIN}"\nvalid_to = "2026-12-31"\n')  # level defaults to vip
    assert accept(edoc, request_args())["sla_level"] == "vip"


def test_registered_targets_survive_a_configuration_change(edoc):
    edoc.write_config(VIP_REGISTRY)
    vip = accept(edoc, vip_args())["id"]
    basic = accept(edoc, request_args())["id"]
    # The administrator changes every consultation target afterwards.
    edoc.write_config(VIP_REGISTRY + """
[sla.vip]
consultation = [2, 10]

[sla.basic]
consultation = [3, 12]
""")
    later = "2026-11-26T10:30:00+05:00"
    shown = edoc.ticket(vip, now=later)
    assert shown["sla_level"] == "vip"
    assert (shown["sla_rules"]["first_response"], shown["sla_rules"]["resolution"]) == (60, 480)
    assert shown["sla"]["first_response"]["target_minutes"] == 60
    assert shown["sla"]["first_response"]["due_at"] == "2026-11-26T11:00:00+05:00"
    shown = edoc.ticket(basic, now=later)
    assert shown["sla"]["first_response"]["target_minutes"] == 240
    assert shown["sla"]["resolution"]["target_minutes"] == 960
    # ... while a ticket registered now gets the new ones: 2 h / 10 h and 3 h / 12 h.
    fresh = accept(edoc, vip_args(), now=later)
    assert (fresh["sla_rules"]["first_response"], fresh["sla_rules"]["resolution"]) == (120, 600)
    fresh = accept(edoc, request_args(), now=later)
    assert (fresh["sla_rules"]["first_response"], fresh["sla_rules"]["resolution"]) == (180, 720)


def test_a_client_dropped_from_the_registry_keeps_the_level_it_was_registered_with(edoc):
    edoc.write_config(VIP_REGISTRY)
    number = accept(edoc, vip_args())["id"]
    edoc.write_config("clients = []\n")
    shown = edoc.ticket(number)
    assert shown["sla_level"] == "vip"
    assert shown["sla"]["resolution"]["target_minutes"] == 480
