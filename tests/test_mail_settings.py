"""The [mail] configuration (issue 15): checked at load, defaults resolved, the password never in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from edoc_cli.config import load_config
from edoc_cli.config_toml import dump_toml
from edoc_cli.errors import ConfigError
from edoc_cli.mail.settings import inbound_limits, mail_settings

MB = 1024 * 1024
FROM = "Служба поддержки E-DOC <support@e-doc.kz>"
CONFIGURED = f'[mail]\nfrom = "{FROM}"\nsmtp_host = "smtp.e-doc.kz"\n'


def config_from(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        config_from(tmp_path, text)
    return caught.value.message


def private_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


# -- off by default; defaults resolved ---------------------------------------------------------------

def test_mail_is_off_by_default_but_the_inbound_limits_hold():
    config = load_config(None)
    assert mail_settings(config) is None
    assert inbound_limits(config) == (20, 10 * MB, 25 * MB)


def test_inbound_limits_come_from_the_file_even_without_outbound_mail(tmp_path):
    config = config_from(tmp_path, "[mail]\nmax_per_hour = 5\nmax_attachment_mb = 2.5\nmax_message_mb = 4\n"
                                   'maildir = "/var/mail/edoc"\n')
    assert mail_settings(config) is None
    assert inbound_limits(config) == (5, 2621440, 4 * MB)  # 2.5 MB = 2 621 440 bytes


def test_submission_with_starttls_on_587_is_the_default(tmp_path):
    settings = mail_settings(config_from(tmp_path, CONFIGURED))
    assert settings is not None
    assert (settings.sender, settings.sender_address, settings.domain) == (FROM, "support@e-doc.kz", "e-doc.kz")
    assert (settings.smtp_host, settings.smtp_port, settings.starttls, settings.ssl) == ("smtp.e-doc.kz", 587, True, False)
    assert (settings.username, settings.password_env, settings.password_file) == (None, None, None)
    assert (settings.reply_to, settings.maildir, settings.timeout) == (None, None, 30.0)
    assert (settings.max_per_hour, settings.max_attachment_bytes, settings.max_message_bytes) == (20, 10 * MB, 25 * MB)
    assert settings.password() is None


@pytest.mark.parametrize("flags, port", [
    ("ssl = true\nstarttls = false\n", 465),
    ("starttls = false\n", 25),
    ("starttls = false\nsmtp_port = 2525\n", 2525),
    ("smtp_port = 10587\n", 10587),
])
def test_the_port_follows_the_connection_unless_given(tmp_path, flags, port):
    settings = mail_settings(config_from(tmp_path, CONFIGURED + flags))
    assert settings.smtp_port == port


def test_a_bare_address_is_its_own_sender_and_reply_to_is_kept(tmp_path):
    settings = mail_settings(config_from(
        tmp_path, '[mail]\nfrom = "Help@Mail.E-Doc.KZ"\nsmtp_host = "127.0.0.1"\n'
                  'reply_to = "Группа качества <quality@e-doc.kz>"\ntimeout = 2.5\n'))
    assert (settings.sender_address, settings.domain) == ("Help@Mail.E-Doc.KZ", "mail.e-doc.kz")
    assert settings.reply_to == "Группа качества <quality@e-doc.kz>"
    assert settings.timeout == 2.5


# -- refused, naming the key -------------------------------------------------------------------------

def test_a_password_in_the_configuration_is_refused(tmp_path):
    message = refusal(tmp_path, CONFIGURED + 'username = "edoc"\npassword = "hunter2"\n')
    assert "'mail.password'" in message and "mail.password_env" in message and "mail.password_file" in message
    assert str(tmp_path / "config.toml") in message
    assert "hunter2" not in message


def test_ssl_and_starttls_together_are_refused(tmp_path):
    message = refusal(tmp_path, CONFIGURED + "ssl = true\n")  # starttls is true by default
    assert "'mail.ssl'" in message and "mail.starttls" in message


@pytest.mark.parametrize("value", ["0", "65536", '"587"', "true", "587.0"])
def test_a_bad_port_is_refused(tmp_path, value):
    assert "'mail.smtp_port' must be a port number from 1 to 65535" in refusal(tmp_path, CONFIGURED + f"smtp_port = {value}\n")


@pytest.mark.parametrize("value", ['"not an address"', '"a@b.kz, c@d.kz"', '"x@y.kz\\nBcc: z@w.kz"', '"@e-doc.kz"',
                                   '"Поддержка <поддержка@e-doc.kz>"', "42"])
def test_a_sender_that_is_not_one_address_is_refused(tmp_path, value):
    message = refusal(tmp_path, f'[mail]\nfrom = {value}\nsmtp_host = "smtp.e-doc.kz"\n')
    assert "'mail.from' must be one e-mail address" in message


@pytest.mark.parametrize("text, key", [
    ('[mail]\nfrom = "support@e-doc.kz"\n', "mail.smtp_host"),
    ('[mail]\nsmtp_host = "smtp.e-doc.kz"\n', "mail.from"),
    (CONFIGURED + 'smtp_host_name = "x"\n', "mail.smtp_host_name"),
    ('[mail]\nfrom = "support@e-doc.kz"\nsmtp_host = "smtp e-doc"\n', "mail.smtp_host"),
    ('[mail]\nfrom = "support@e-doc.kz"\nsmtp_host = "smtp.e-doc.kz\\r\\nX: y"\n', "mail.smtp_host"),
    (CONFIGURED + "starttls = 1\n", "mail.starttls"),
    (CONFIGURED + 'username = "edoc"\n', "mail.username"),
    (CONFIGURED + 'password_env = "EDOC_SMTP_PASSWORD"\n', "mail.password_env"),
    (CONFIGURED + 'username = "edoc"\npassword_env = "EDOC SMTP"\n', "mail.password_env"),
    (CONFIGURED + 'username = "edoc"\npassword_env = "A"\npassword_file = "/x"\n', "mail.password_file"),
    (CONFIGURED + "timeout = 0\n", "mail.timeout"),
    (CONFIGURED + "timeout = 601\n", "mail.timeout"),
    ("[mail]\nmax_per_hour = 0\n", "mail.max_per_hour"),
    ("[mail]\nmax_per_hour = 20.5\n", "mail.max_per_hour"),
    ("[mail]\nmax_attachment_mb = 0\n", "mail.max_attachment_mb"),
    ('[mail]\nmax_message_mb = "25"\n', "mail.max_message_mb"),
    ('[mail]\nmaildir = ""\n', "mail.maildir"),
    ('[mail]\nreply_to = "nobody"\n', "mail.reply_to"),
])
def test_each_bad_value_is_refused_naming_its_key(tmp_path, text, key):
    assert f"'{key}'" in refusal(tmp_path, text)


# -- the password: an environment variable or a private file -----------------------------------------

def test_a_password_file_others_can_read_is_refused_at_load(tmp_path):
    secret = private_file(tmp_path / "smtp-password", "s3cret\n", mode=0o644)
    message = refusal(tmp_path, CONFIGURED + f'username = "edoc"\npassword_file = "{secret}"\n')
    assert "'mail.password_file'" in message and "0644" in message and "chmod 600" in message


def test_a_private_password_file_gives_its_first_line(tmp_path):
    secret = private_file(tmp_path / "smtp-password", "  s3cret pass \nsecond line\n")
    settings = mail_settings(config_from(tmp_path, CONFIGURED + f'username = "edoc"\npassword_file = "{secret}"\n'))
    assert settings.password() == "s3cret pass"


def test_a_password_file_opened_up_after_loading_is_refused_when_read(tmp_path):
    secret = private_file(tmp_path / "smtp-password", "s3cret\n")
    settings = mail_settings(config_from(tmp_path, CONFIGURED + f'username = "edoc"\npassword_file = "{secret}"\n'))
    secret.chmod(0o640)
    with pytest.raises(ConfigError) as caught:
        settings.password()
    assert "'mail.password_file'" in caught.value.message and "0640" in caught.value.message
    secret.unlink()
    with pytest.raises(ConfigError) as caught:
        settings.password()
    assert "'mail.password_file'" in caught.value.message and "no such file" in caught.value.message


def test_an_empty_password_file_is_refused_when_read(tmp_path):
    secret = private_file(tmp_path / "smtp-password", "\n\n")
    settings = mail_settings(config_from(tmp_path, CONFIGURED + f'username = "edoc"\npassword_file = "{secret}"\n'))
    with pytest.raises(ConfigError, match="'mail.password_file'.*is empty"):
        settings.password()


def test_the_password_comes_from_the_named_environment_variable(tmp_path, monkeypatch):
    settings = mail_settings(config_from(tmp_path, CONFIGURED + 'username = "edoc"\npassword_env = "EDOC_TEST_SMTP_PW"\n'))
    monkeypatch.delenv("EDOC_TEST_SMTP_PW", raising=False)
    with pytest.raises(ConfigError) as caught:
        settings.password()
    assert "'mail.password_env'" in caught.value.message and "EDOC_TEST_SMTP_PW" in caught.value.message
    monkeypatch.setenv("EDOC_TEST_SMTP_PW", "from the environment")
    assert settings.password() == "from the environment"


# -- config show writes [mail] back ------------------------------------------------------------------

FULL = f"""[mail]
from = "{FROM}"
smtp_host = "smtp.e-doc.kz"
smtp_port = 465
ssl = true
starttls = false
username = "support@e-doc.kz"
password_env = "EDOC_SMTP_PASSWORD"
timeout = 12.5
max_per_hour = 7
max_attachment_mb = 3
max_message_mb = 9.5
maildir = "/var/mail/edoc/Maildir"
reply_to = "Контроль качества <quality@e-doc.kz>"
"""


def test_the_mail_table_round_trips_through_the_written_toml(tmp_path):
    config = config_from(tmp_path, FULL)
    again = config_from(tmp_path, dump_toml(config.data, config.sources))
    assert again.data == config.data
    assert again.mail["smtp_port"] == 465 and again.mail["reply_to"] == "Контроль качества <quality@e-doc.kz>"
    assert mail_settings(again) == mail_settings(config)


def edoc_process(tmp_path: Path, config_text: str, *args: str, lang: str = "en") -> subprocess.CompletedProcess:
    config = tmp_path / "config.toml"
    config.write_text(config_text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDOC_")}
    env.update(EDOC_CONFIG=str(config), EDOC_STORE=str(tmp_path / "store"), EDOC_LANG=lang,
               HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    return subprocess.run([sys.executable, "-m", "edoc_cli", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_config_show_writes_the_mail_table(tmp_path):
    result = edoc_process(tmp_path, FULL, "config", "show")
    assert result.returncode == 0, result.stderr
    assert "[mail]\n" in result.stdout
    assert 'from = "Служба поддержки E-DOC <support@e-doc.kz>"\n' in result.stdout
    assert "smtp_port = 465\n" in result.stdout and 'password_env = "EDOC_SMTP_PASSWORD"\n' in result.stdout
    (tmp_path / "shown").mkdir()
    assert config_from(tmp_path / "shown", result.stdout).mail == config_from(tmp_path, FULL).mail


def test_a_command_run_with_a_password_in_the_configuration_stops_with_exit_2_in_russian(tmp_path):
    result = edoc_process(tmp_path, CONFIGURED + 'username = "edoc"\npassword = "hunter2"\n', "config", "show",
                          lang="ru")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "'mail.password': недопустим: укажите переменную окружения в mail.password_env" in result.stderr
    assert "hunter2" not in result.stderr
