"""The wizard driven by scripted keystrokes (prompt_toolkit pipe input), through every branch.

And the promise that matters most: the wizard and the flags/JSON path are one
checklist. A table of valid and invalid requests is put through both.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from conftest import IIN, request_args
from edoc_cli import i18n
from edoc_cli.config import load_config
from edoc_cli.rules.registration import RegistrationRequest, registration_problems
from edoc_cli.tz import astana_zone
from edoc_cli.typed_time import instant_forms
from edoc_cli.wizard import Discarded, OutOfScope, Prompter, Refused, Wizard

TZ = astana_zone()
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)  # Thursday 10:00, as EDOC_NOW in conftest
CONFIG = load_config(None)
ENTER, DOWN, BACKSPACE = "\r", "\x1b[B", "\x7f"


@pytest.fixture(autouse=True)
def english():
    i18n.use("en")
    yield
    i18n.use("en")


class Screen(DummyOutput):
    """A dummy terminal that keeps what `say` wrote (the wizard's explanations)."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""

    def write(self, data: str) -> None:
        self.text += data


def drive(keys: str, req: RegistrationRequest | None = None, config=CONFIG, partial: bool = False):
    """Run the wizard on typed keys; return (request or exception, what it said).

    `partial`: the keys answer only the first questions; return (None, screen) when they run out.
    """
    screen = Screen()
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()  # keys run out -> EOFError, never a hang
        wizard = Wizard(config, NOW, TZ, Prompter(input=pipe, output=screen))
        try:
            return wizard.run(req or RegistrationRequest()), screen.text
        except (OutOfScope, Refused, KeyboardInterrupt) as exc:
            return exc, screen.text
        except EOFError:
            if partial:
                return None, screen.text
            raise AssertionError("the wizard asked more than the keys answer:\n" + screen.text[-600:])


def ok(req: RegistrationRequest) -> bool:
    return registration_problems(req, CONFIG, NOW, TZ) == []


# -- branches, one by one ----------------------------------------------------------------------

USER_START = ENTER + "Иванов Иван" + ENTER      # a portal user, named
CONTACT = "ivanov@example.kz" + ENTER + ENTER + ENTER  # e-mail, no phone; letters in Russian (the first)
IDENT = IIN + ENTER + ENTER + ENTER             # an IIN; no BIN, no login


def test_user_consultation_with_an_iin_corrected_on_the_spot():
    keys = (USER_START + "900101301234" + ENTER          # wrong check digit: refused, still on the question
            + BACKSPACE + "3" + ENTER + ENTER + ENTER   # fixed; no BIN, no login
            + CONTACT + ENTER + ENTER                    # consultation by phone
            + DOWN + ENTER                               # topic: documents
            + "Смена почты" + ENTER + "Хочу сменить e-mail" + ENTER
            + "y" + ENTER)                               # FAQ studied; received now
    req, _ = drive(keys)
    assert (req.client_type, req.iin, req.category, req.channel, req.topic) == (
        "user", IIN, "consultation", "phone", "documents")
    assert req.faq_checked is True and ok(req)


def test_guest_is_not_asked_for_an_iin():
    keys = (DOWN + ENTER + "Гость" + ENTER + ENTER + "+7 701 234 5678" + ENTER   # no e-mail, a phone
            + ENTER + ENTER + ENTER + "Вопрос" + ENTER + "Описание" + ENTER + "y" + ENTER)
    req, _ = drive(keys)
    # An empty e-mail answer is fine once a phone is given (either one, clause 11).
    assert req.client_type == "guest" and req.iin is None and req.phone == "+7 701 234 5678"
    assert ok(req)


def test_a_user_without_any_identifier_is_asked_again():
    keys = (USER_START + ENTER + ENTER + ENTER          # no IIN, BIN or login ...
            + ENTER + ENTER + "ivanov" + ENTER           # ... asked again: a login this time
            + CONTACT + ENTER + ENTER + ENTER + "S" + ENTER + "D" + ENTER + "y" + ENTER)
    req, said = drive(keys)
    assert "identified by IIN, BIN or portal login" in said
    assert req.login == "ivanov" and ok(req)


def test_no_contact_is_asked_again():
    keys = (DOWN + ENTER + "Гость" + ENTER + ENTER + ENTER   # neither e-mail nor phone ...
            + "g@example.kz" + ENTER + ENTER + ENTER         # ... asked again: an e-mail, no phone; Russian
            + ENTER + ENTER + ENTER + "S" + ENTER + "D" + ENTER + "y" + ENTER)
    req, said = drive(keys)
    assert "e-mail or a phone number is required" in said
    assert req.email == "g@example.kz" and ok(req)


def test_out_of_scope_topic_registers_nothing():
    keys = USER_START + IDENT + CONTACT + ENTER + ENTER + DOWN * 5 + ENTER
    result, _ = drive(keys)   # the 6th topic is the first out-of-scope one: the user's computer
    assert isinstance(result, OutOfScope)
    assert "computer" in str(result)


def test_faq_not_studied_but_matching_articles_is_refused():
    keys = (USER_START + IDENT + CONTACT + ENTER + ENTER + DOWN + ENTER
            + "Не могу подписать" + ENTER + "NCALayer не видит ключ" + ENTER
            + "n" + "n")                       # not studied; and will not read them now
    result, said = drive(keys)
    assert isinstance(result, Refused)
    assert "help.e-doc.kz/sign" in said       # the article was offered


def test_faq_read_after_the_offer_continues_with_the_article_link():
    keys = (USER_START + IDENT + CONTACT + ENTER + ENTER + DOWN + ENTER
            + "Не могу подписать" + ENTER + "NCALayer не видит ключ" + ENTER
            + "n" + "y"                         # not yet; read now and still needs help
            + ENTER + ENTER)                    # the article resembles the case; received now
    req, _ = drive(keys)
    assert req.faq_checked is True and req.faq_link == "https://help.e-doc.kz/sign" and ok(req)


def test_dates_are_asked_with_the_accepted_forms_and_typed_as_in_kazakhstan():
    keys = (USER_START + IDENT + CONTACT
            + DOWN + ENTER + ENTER + DOWN * 3 + ENTER
            + "Ошибка 500" + ENTER + "Страница падает" + ENTER + "y"
            + "1. Открыть 2. Нажать" + ENTER
            + "31.02.2026 10:00" + ENTER            # no such day: refused, still asked
            + BACKSPACE * 16 + "26.11.2026 9:30" + ENTER
            + "Chrome 131" + ENTER + "Windows 11" + ENTER + "shot.png" + ENTER + ENTER
            + "25:00" + ENTER                       # received at: no such time
            + BACKSPACE * 5 + "09:45" + ENTER)      # today (Thursday 26.11), before NOW 10:00
    req, said = drive(keys)
    assert req.occurred_at == "26.11.2026 9:30" and req.received_at == "09:45" and ok(req)
    # Both questions show the accepted forms (the list the refusals and --help show: test_typed_time).
    said = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|[\r\n]", "", said)
    assert "When did it happen?  " + instant_forms() in said
    assert "When did the request reach support? (Enter = now)  " + instant_forms() in said
    from edoc_cli.rules.registration import check_registration

    data = check_registration(req, CONFIG, NOW, TZ)
    assert data.details["occurred_at"] == "2026-11-26T09:30:00+05:00"
    assert data.received_at == datetime.fromisoformat("2026-11-26T09:45:00+05:00")


def test_bug_asks_clause_12_details_and_checks_each():
    keys = (USER_START + IDENT + CONTACT
            + DOWN + ENTER + ENTER                  # bug; channel email (the first allowed)
            + DOWN * 3 + ENTER                      # topic: portal errors
            + "Ошибка 500" + ENTER + "Страница падает" + ENTER + "y"
            + "1. Открыть 2. Нажать" + ENTER
            + "2099-01-01 10:00" + ENTER            # in the future: refused, still asked
            + BACKSPACE * 16 + "2026-11-26 09:30" + ENTER
            + "Chrome 131" + ENTER + "Windows 11" + ENTER
            + ENTER                                  # no attachment yet: refused
            + "shot.png" + ENTER + ENTER            # one, then done
            + ENTER)                                 # received now
    req, _ = drive(keys)
    assert req.category == "bug" and req.channel == "email"
    assert req.occurred_at == "2026-11-26 09:30" and req.attachments == ["shot.png"]
    assert ok(req)


def test_a_bug_about_documents_needs_the_document_number():
    keys = (USER_START + IDENT + CONTACT + DOWN + ENTER + ENTER + DOWN + ENTER
            + "Статус завис" + ENTER + "Статус документа не меняется" + ENTER + "y"
            + "шаги" + ENTER + "2026-11-26 09:00" + ENTER + "Firefox" + ENTER + "Linux" + ENTER
            + "a.png" + ENTER + ENTER + "DOC-42" + ENTER + ENTER)
    req, _ = drive(keys)
    assert req.topic == "documents" and req.document == "DOC-42" and ok(req)


def test_a_complaint_asks_no_topic():
    keys = (DOWN + ENTER + "Гость" + ENTER + "g@example.kz" + ENTER + ENTER + ENTER   # letters in Russian
            + DOWN * 3 + ENTER + ENTER                 # complaint; by e-mail only
            + "Грубость оператора" + ENTER + "Оператор нагрубил" + ENTER + "y" + ENTER)
    req, _ = drive(keys)
    assert req.category == "complaint" and req.topic is None and ok(req)


def test_flags_skip_their_questions():
    given = RegistrationRequest(client_type="user", name="Иванов", iin=IIN, email="a@example.kz",
                                category="consultation", channel="chat", topic="profile",
                                description="Описание", faq_checked=True, client_lang="kk")
    req, _ = drive("Тема" + ENTER + ENTER, given)   # only the subject, then received-at
    assert req.subject == "Тема" and req.channel == "chat" and ok(req)


def test_a_refused_flag_is_asked_again_with_the_reason():
    given = RegistrationRequest(client_type="user", name="Иванов", iin="900101301234")
    keys = IDENT + CONTACT + ENTER + ENTER + ENTER + "S" + ENTER + "D" + ENTER + "y" + ENTER
    req, said = drive(keys, given)
    assert "check digit" in said and req.iin == IIN and ok(req)


def test_a_channel_not_allowed_for_the_category_is_asked_again():
    given = RegistrationRequest(category="bug", channel="phone")
    keys = USER_START + IDENT + CONTACT + ENTER   # channel asked: email
    req, said = drive(keys, given, partial=True)
    assert "may arrive only by email, portal" in said
    assert "How did it arrive? (clause 8) E-mail" in said   # asked again, and answered


@pytest.mark.parametrize("key", ["\x03", "\x1b"])
@pytest.mark.parametrize("yes", ["y", "Y", "д", "Д"])
def test_ctrl_c_or_esc_with_answers_asks_before_stopping(key, yes):
    result, said = drive(USER_START + key + yes)
    assert isinstance(result, KeyboardInterrupt)
    assert "Stop? Answers so far: 2. They will be saved" in said


@pytest.mark.parametrize("no", ["n", "N", "н", "Н", ENTER])   # Enter: the default is to go on
def test_saying_no_to_stop_asks_the_same_question_again(no):
    result, said = drive(USER_START + "\x1b" + no, partial=True)
    assert result is None                                    # not stopped: the keys ran out
    assert said.rindex("IIN (12 digits") > said.index("Stop?")   # the question, asked again


def test_ctrl_c_before_any_answer_stops_at_once():
    result, said = drive("\x03")
    assert isinstance(result, KeyboardInterrupt) and "Stop?" not in said


def test_ctrl_c_at_the_stop_question_stops():
    result, _ = drive(USER_START + "\x1b" + "\x03")
    assert isinstance(result, KeyboardInterrupt)


@pytest.mark.parametrize("keys, expected", [("y", True), ("Д", True), ("д", True), ("n", False),
                                            ("Н", False), ("н", False), (ENTER, True),
                                            ("xы5 \x07\x00" + "д", True)])  # other keys type nothing
def test_yes_no_takes_latin_and_cyrillic_keys(keys, expected):
    screen = Screen()
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()  # keys run out -> EOFError, never a hang
        assert Prompter(input=pipe, output=screen).confirm("Go on?") is expected
    assert ("Yes" if expected else "No") in screen.text


# -- the summary: register, change an answer, cancel ----------------------------------------------

UP = "\x1b[A"
DONE = dict(client_type="user", name="Иванов Иван", iin=IIN, email="ivanov@example.kz",
            category="consultation", channel="phone", topic="profile", subject="Смена почты",
            description="Хочу сменить e-mail", faq_checked=True, client_lang="ru")
CHANGE, CANCEL = DOWN + ENTER, DOWN * 2 + ENTER   # the summary's 2nd and 3rd choices


def review(keys: str, req: RegistrationRequest):
    """The summary driven by keys: (the request to register or the exception, what it said)."""
    screen = Screen()
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        wizard = Wizard(CONFIG, NOW, TZ, Prompter(input=pipe, output=screen))
        try:
            return wizard.review(req), screen.text
        except (Discarded, OutOfScope, KeyboardInterrupt) as exc:
            return exc, screen.text


def test_summary_names_every_answer_in_russian():
    i18n.use("ru")
    req = RegistrationRequest(**{**DONE, "category": "bug", "channel": "portal", "attachments": ["a.png", "b.png"],
                                 "client_type": "guest", "faq_checked": False})
    rows = Wizard(CONFIG, NOW, TZ, Prompter()).summary(req)
    assert rows[:2] == [("client_type", "Кто обращается", "Гость портала"), ("name", "ФИО", "Иванов Иван")]
    shown = {field: (label, value) for field, label, value in rows}
    assert shown["iin"] == ("ИИН", IIN)
    assert shown["category"] == ("Категория", "Ошибка или дефект")
    assert shown["channel"] == ("Канал", "Портал")
    assert shown["subject"] == ("Заголовок", "Смена почты")
    assert shown["faq_checked"] == ("Справочный центр изучен", "нет")
    assert shown["attachments"] == ("Вложения", "a.png, b.png")
    assert "phone" not in shown and "received_at" not in shown   # no answer, no line


def test_register_at_the_summary_changes_nothing():
    req = RegistrationRequest(**DONE)
    result, said = review(ENTER, req)
    assert result == req
    assert "  Who is asking: A portal user" in said and "  Channel: Phone" in said


def test_changing_the_category_asks_what_the_new_one_needs():
    keys = (CHANGE + DOWN * 4 + ENTER                  # the 5th answer: the category ...
            + DOWN + ENTER                             # ... becomes a bug
            + ENTER                                    # phone is not a bug's channel: e-mail
            + "шаги" + ENTER + "2026-11-26 09:00" + ENTER + "Chrome" + ENTER + "Linux" + ENTER
            + "a.png" + ENTER + ENTER                  # clause 12's details
            + ENTER                                    # received now
            + ENTER)                                   # back at the summary: register
    result, said = review(keys, RegistrationRequest(**DONE))
    assert (result.category, result.channel, result.steps, result.attachments) == ("bug", "email", "шаги", ["a.png"])
    assert "may arrive only by email, portal" in said
    assert ok(result)


def test_a_changed_answer_is_checked_as_it_is_typed():
    keys = (CHANGE + DOWN * 2 + ENTER                  # the IIN, offered for editing
            + BACKSPACE + "4" + ENTER                  # a wrong check digit: refused, still asked
            + BACKSPACE + "3" + ENTER                  # put right
            + ENTER + ENTER)                           # received now; register
    # Had ...4 been taken, the keys after it would have answered the next questions wrongly.
    result, said = review(keys, RegistrationRequest(**{**DONE, "iin": "900101301232"}))
    assert result.iin == IIN and ok(result)
    assert "IIN: 900101301232" in said and "IIN: 900101301233" in said   # before and after


def test_back_to_the_summary_changes_nothing():
    keys = CHANGE + UP + ENTER + ENTER                 # the last choice: back; then register
    req = RegistrationRequest(**DONE)
    result, said = review(keys, req)
    assert result == req and said.count("Summary:") == 2


def test_cancel_asks_and_no_goes_back_to_the_summary():
    result, said = review(CANCEL + "n" + CANCEL + ENTER + CANCEL + "д", RegistrationRequest(**DONE))
    assert isinstance(result, Discarded)
    assert said.count("Discard the answers (11)?") >= 3 and said.count("Summary:") == 3


def test_esc_at_the_summary_asks_before_stopping():
    result, said = review("\x1b" + "y", RegistrationRequest(**DONE))
    assert isinstance(result, KeyboardInterrupt) and "Stop? Answers so far: 11." in said


# -- one checklist, two ways in ------------------------------------------------------------------

# Good answers for whatever the wizard asks, by the question's English wording.
ANSWERS = [
    ("Who is asking", "user"), ("full name", "Иванов Иван"), ("IIN", IIN), ("BIN", ""),
    ("Portal login", ""), ("E-mail", "fixed@example.kz"), ("Phone", ""), ("Organisation", ""),
    ("Category", "consultation"), ("arrive", "email"), ("What is it about", "profile"),
    ("Subject", "Тема"), ("Description", "Описание"), ("Steps", "шаги"), ("happen", "2026-11-26 09:00"),
    ("Browser", "Chrome"), ("Operating system", "Linux"), ("attachment", ""), ("document", "D-1"),
    ("reach support", ""), ("article link", ""),
]
FIELD_OF = {"full name": "name", "IIN": "iin", "BIN": "bin", "Portal login": "login", "E-mail": "email",
            "Phone": "phone", "Category": "category", "arrive": "channel", "What is it about": "topic",
            "Subject": "subject", "Description": "description", "Steps": "steps", "happen": "occurred_at",
            "Browser": "browser", "Operating system": "os", "document": "document", "Who is asking": "client_type",
            "reach support": "received_at", "article link": "faq_link", "Organisation": "organization"}


class ScriptedOperator(Prompter):
    """Answers every question with a good answer and remembers which fields were asked."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []
        self.validators: dict[str, object] = {}
        self.attachments = iter(["shot.png", ""])

    def _answer(self, message: str) -> str:
        for key, value in ANSWERS:
            if key in message:
                if key in FIELD_OF:
                    self.asked.append(FIELD_OF[key])
                if key == "attachment":
                    self.asked.append("attachments")
                    return next(self.attachments)
                return value
        raise AssertionError(f"unexpected question {message!r}")

    def select(self, message, choices, default=None):
        return self._answer(message)

    def text(self, message, validate, default="", instruction=None):
        answer = self._answer(message)
        for key, field in FIELD_OF.items():
            if key in message:
                self.validators[field] = validate
        assert validate(answer) is True, (message, answer, validate(answer))
        return answer

    def confirm(self, message, default=True):
        return True

    def say(self, message):
        pass


BASE = dict(client_type="user", client_lang="ru", name="Иванов Иван", iin=IIN, email="ivanov@example.kz",
            category="consultation", channel="phone", topic="profile", subject="Смена почты",
            description="Хочу сменить e-mail", faq_checked=True)

# (what differs from BASE, the flags path's verdict: None = registered, else the refused flags)
TABLE = [
    ({}, None),
    ({"iin": None, "login": "ivanov"}, None),
    ({"client_type": "guest", "iin": None}, None),
    ({"iin": "900101301234"}, {"--iin"}),                       # check digit
    ({"iin": "901301301233"}, {"--iin"}),                       # birth month 13
    ({"email": "not-an-email"}, {"--email"}),
    ({"phone": "12"}, {"--phone"}),
    ({"channel": "fax"}, {"--channel"}),
    ({"category": "bug", "channel": "phone", "topic": "portal_errors"}, None),  # refused: see below
    ({"topic": "astrology"}, {"--topic"}),
    ({"subject": "x" * 201}, {"--subject"}),
    ({"name": "Ива\x1b[31mнов"}, {"--name"}),
    ({"occurred_at": "2099-01-01"}, {"--occurred-at"}),
    ({"received_at": "вчера"}, {"--received-at"}),
]


def _flags_verdict(edoc, fields: dict) -> tuple[int, set[str]]:
    values = {**BASE, **fields}
    args = request_args(**{k: v for k, v in values.items()
                           if k not in ("faq_checked",) and v is not None}, faq_checked="yes",
                        **{k: None for k, v in values.items() if v is None})
    result = edoc.run("open", "--no-input", *args)
    refused = set(re.findall(r"clause \d+: (--[a-z-]+(?:/--[a-z-]+)?):", result.err))
    return result.code, refused


@pytest.mark.parametrize("fields, _doc", TABLE, ids=[str(f)[:50] for f, _ in TABLE])
def test_flags_and_wizard_agree(edoc, fields, _doc):
    code, refused = _flags_verdict(edoc, fields)
    values = {**BASE, **fields}
    req = RegistrationRequest(**{k: v for k, v in values.items()})
    operator = ScriptedOperator()
    wizard = Wizard(CONFIG, NOW, TZ, operator)
    completed = wizard.run(req)
    asked = {f for f in operator.asked}
    problems = registration_problems(req, CONFIG, NOW, TZ)
    if code == 0:
        # Nothing refused by --no-input: `edoc open` registers without the wizard, and the
        # wizard itself would ask nothing but the optional received-at.
        assert not problems
        assert asked <= {"received_at"}, asked
        assert completed == req
    else:
        assert code == 3, refused
        refused_fields = {p.field for p in problems}
        # Every field --no-input refused is asked again, and the wizard's own check refuses
        # the same value the flag carried (one checklist).
        asked_or_required = asked | {"channel"}  # a wrong channel is re-asked by a selection
        assert refused_fields <= asked_or_required, (refused_fields, asked)
        for field in refused_fields & set(operator.validators):
            bad = getattr(req, field)
            if isinstance(bad, str):
                assert operator.validators[field](bad) is not True, (field, bad)
    # Whatever the wizard accepted, --no-input accepts too.
    assert ok(completed), registration_problems(completed, CONFIG, NOW, TZ)
    final = dataclasses.asdict(completed)
    flags = request_args(**{k: v for k, v in final.items()
                            if k not in ("faq_checked", "attachments") and v not in (None, "")},
                         faq_checked="yes" if final["faq_checked"] else "no",
                         **{k: None for k, v in final.items() if v in (None, "") and k in BASE})
    for item in final["attachments"]:
        flags += ["--attachment", item]
    again = edoc.run("open", "--no-input", *flags)
    assert again.code == 0, again
