"""Saved wizard answers (`edoc open --resume`): one file per store, private, and never trusted blindly."""

from __future__ import annotations

import json
import os
import stat

import pytest
from prompt_toolkit.input import create_pipe_input

from conftest import IIN
from edoc_cli import i18n, wizard_resume
from edoc_cli.environment import Environment
from edoc_cli.errors import UsageError, ValidationFailed
from edoc_cli.rules.registration import RegistrationRequest
from test_wizard import CONFIG, ENTER, NOW, TZ, Screen
from edoc_cli.wizard import Prompter, Wizard

ANSWERS = {"client_type": "user", "name": "Иванов Иван", "iin": IIN, "email": "ivanov@example.kz",
           "category": "bug", "attachments": ["shot.png"], "faq_checked": True}


@pytest.fixture(autouse=True)
def english():
    i18n.use("en")
    yield
    i18n.use("en")


def saved_file(tmp_path, store, answers=ANSWERS):
    path = wizard_resume.resume_path({"XDG_STATE_HOME": str(tmp_path / "state")}, store)
    wizard_resume.save(path, store, answers, "2026-11-26T10:00:00+05:00")
    return path


def test_answers_come_back_as_they_were_saved(tmp_path):
    store = tmp_path / "tickets.json"
    path = saved_file(tmp_path, store)
    assert path.parent == tmp_path / "state" / "edoc"
    assert wizard_resume.load(path, store) == RegistrationRequest(**ANSWERS)


def test_the_file_is_private_and_written_whole(tmp_path):
    path = saved_file(tmp_path, tmp_path / "tickets.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600                # a client's personal data
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    saved_file(tmp_path, tmp_path / "tickets.json", {"name": "Петров"})   # replaced, not appended
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left
    assert json.loads(path.read_text(encoding="utf-8"))["answers"] == {"name": "Петров"}


def test_a_store_never_gets_another_stores_answers(tmp_path):
    store_a, store_b = tmp_path / "a" / "tickets.json", "postgresql://tester@/desk_b?host=/tmp"
    path_a = saved_file(tmp_path, store_a)
    path_b = wizard_resume.resume_path({"XDG_STATE_HOME": str(tmp_path / "state")}, store_b)
    assert path_a != path_b
    with pytest.raises(UsageError, match="no saved answers for this store"):
        wizard_resume.load(path_b, store_b)
    path_b.write_bytes(path_a.read_bytes())                     # copied over by hand
    with pytest.raises(ValidationFailed, match="saved for another store"):
        wizard_resume.load(path_b, store_b)
    # A database URL may hold a password: the file names the store by a hash only.
    secret = "postgresql://tester:s3cret@db/desk"
    assert "s3cret" not in saved_file(tmp_path, secret).read_text(encoding="utf-8")


def test_the_same_file_store_by_another_path_is_the_same_store(tmp_path):
    (tmp_path / "data").mkdir()
    os.symlink(tmp_path / "data", tmp_path / "link")
    path = saved_file(tmp_path, tmp_path / "data" / "tickets.json")
    assert wizard_resume.load(path, tmp_path / "link" / "tickets.json").name == "Иванов Иван"


def _valid_wrapper(store, answers):
    return {"version": 1, "store": wizard_resume.store_key(store), "saved_at": "x", "answers": answers}


@pytest.mark.parametrize("content, why", [
    (b"", "not valid JSON"),
    (b"{\"version\": 1, \"answers\": {", "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),                 # nested too deep
    (b" " * (1024 * 1024 + 1), "larger than 1024 KiB"),
    (b"[]", "not a file of saved answers"),
    (b'{"version": 2, "answers": {}}', "not a file of saved answers"),
    (b'{"version": 1, "answers": []}', "not a file of saved answers"),
])
def test_a_damaged_file_is_refused_with_the_reason(tmp_path, content, why):
    store = tmp_path / "tickets.json"
    path = saved_file(tmp_path, store)
    path.write_bytes(content)
    with pytest.raises(ValidationFailed) as caught:
        wizard_resume.load(path, store)
    assert why in caught.value.message and str(path) in caught.value.message
    assert "delete the file or start again with edoc open" in caught.value.message


@pytest.mark.parametrize("answers, problem", [
    ({"name": 5}, "must be a string, not"),
    ({"faq_checked": "yes"}, "must be true or false"),
    ({"attachments": [1, 2]}, "must be a list of strings"),
    ({"\x1b]0;pwned\x07name": "x"}, "is not a field of a request"),          # a key that forges a title
    ({"password": "x"}, "is not a field of a request"),
])
def test_a_file_of_the_wrong_shape_is_refused_field_by_field(tmp_path, answers, problem):
    store = tmp_path / "tickets.json"
    path = saved_file(tmp_path, store)
    path.write_text(json.dumps(_valid_wrapper(store, answers)), encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        wizard_resume.load(path, store)
    assert "cannot be used" in caught.value.message
    listed = " ".join(caught.value.problems)
    assert problem in listed and "\x1b" not in listed and "\x07" not in listed


def test_a_symlink_in_place_of_the_file_is_not_followed(tmp_path):
    store = tmp_path / "tickets.json"
    path = saved_file(tmp_path, store)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    os.symlink(elsewhere, path)
    with pytest.raises(ValidationFailed, match="cannot be used"):
        wizard_resume.load(path, store)


@pytest.mark.parametrize("field, value, reason", [
    ("name", "Ива\x1b[31mнов", "control"),
    ("subject", "x" * 100_000, "200"),
    ("iin", "900101301234", "check digit"),
    ("email", "не-почта", "e-mail"),
])
def test_saved_values_are_checked_like_typed_ones(tmp_path, field, value, reason):
    """A hostile or wrong value has the right shape: the wizard refuses it and asks again."""
    store = tmp_path / "tickets.json"
    base = {"client_type": "user", "name": "Иванов Иван", "iin": IIN, "email": "i@example.kz",
            "category": "consultation", "channel": "phone", "topic": "profile", "subject": "Тема",
            "description": "Описание", "faq_checked": True, "client_lang": "ru"}
    path = saved_file(tmp_path, store, {**base, field: value})
    req = wizard_resume.load(path, store)
    screen = Screen()
    with create_pipe_input() as pipe:
        pipe.send_text("Иванов" + ENTER if field == "name" else "")
        pipe.close()
        wizard = Wizard(CONFIG, NOW, TZ, Prompter(input=pipe, output=screen))
        with pytest.raises(EOFError):   # asked again: the keys ran out there
            wizard.run(req)
    said = screen.text.lower()
    assert f"{field}: " in said and reason in said[said.index(f"{field}: "):]
    assert "\x1b[31m" not in screen.text


@pytest.mark.parametrize("value", ["x", "-1", "3601", "nan", "1e999"])
def test_busy_wait_must_be_seconds(value):
    with pytest.raises(UsageError, match="EDOC_BUSY_WAIT"):
        Environment(environ={"EDOC_BUSY_WAIT": value}).busy_wait


def test_busy_wait_defaults_to_30_seconds():
    assert Environment(environ={}).busy_wait == 30.0 and Environment(environ={"EDOC_BUSY_WAIT": "0"}).busy_wait == 0


@pytest.mark.parametrize("extra", [[], ["--no-input"], ["--from-json", "-"]])
def test_resume_needs_the_wizard(edoc, extra):
    result = edoc.run("open", "--resume", *extra, input="{}")
    assert result.code == 2, result
    assert "--resume continues the wizard" in result.err
    assert edoc.state() is None


def test_resume_message_in_russian(edoc):
    result = edoc.run("--lang", "ru", "open", "--resume")
    assert result.code == 2 and "--resume продолжает работу мастера" in result.err




def test_forgetting_is_quiet_when_done_and_says_when_it_cannot(tmp_path):
    path = saved_file(tmp_path, tmp_path / "tickets.json")
    assert wizard_resume.forget(path) is None and not path.exists()
    assert wizard_resume.forget(path) is None                       # already gone: fine
    path.mkdir()                                                    # something that cannot be unlinked
    warning = wizard_resume.forget(path)
    assert warning is not None and str(path) in warning and "could not be deleted" in warning
