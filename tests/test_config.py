"""`edoc config show|path` and what a configuration file may and may not say.

Expected values are SPEC.md's "Configuration defaults" and REGULATION.md's
defaults, written out here by hand; errors must exit 2 naming the key AND the file.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date

import pytest

from conftest import BIN, BUG_FIELDS, request_args

# SPEC.md, "SLA targets in working hours - first response / resolution".
SPEC_BASIC = {
    "consultation": [4, 16],
    "bug": {"critical": [1, 8], "high": [2, 16], "normal": [4, 40], "low": [8, 80]},
    "feature": [8],
    "complaint": [8, 40],
}
SPEC_VIP = {
    "consultation": [1, 8],
    "bug": {"critical": [0.5, 4], "high": [1, 8], "normal": [2, 24], "low": [4, 40]},
    "feature": [4],
    "complaint": [4, 16],
}
# SPEC.md "Working time" and the sample file.
SPEC_CALENDAR = {
    "timezone": "Asia/Almaty", "workday_start": "09:00", "workday_end": "18:00",
    "workdays": ["mon", "tue", "wed", "thu", "fri"], "holidays": "KZ",
    "extra_days_off": [], "extra_working_days": [],
}
# REGULATION.md clause 8.
REGULATION_CHANNELS = {
    "consultation": ["phone", "email", "portal", "chat"],
    "bug": ["email", "portal"],
    "feature": ["email", "portal"],
    "complaint": ["email"],
}


def show_toml(edoc, *global_flags: str, env=None) -> tuple[str, dict]:
    result = edoc.run(*global_flags, "config", "show", env=env)
    assert result.code == 0, result
    return result.out, tomllib.loads(result.out)


def show_json(edoc, *global_flags: str, env=None) -> dict:
    result = edoc.run(*global_flags, "config", "show", "--json", env=env)
    assert result.code == 0, result
    return result.json()


def without_comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("#")]


# -- config show -------------------------------------------------------------------------------------


def test_show_without_a_file_prints_the_spec_defaults_as_toml(edoc):
    _, parsed = show_toml(edoc)
    assert parsed["registration"]["prefix"] == "ED"
    assert parsed["registration"]["categories"] == ["consultation", "bug", "feature", "complaint"]
    assert parsed["calendar"] == SPEC_CALENDAR
    assert parsed["sla"]["warn_at"] == 0.8
    assert parsed["sla"]["auto_close_after_hours"] == 8
    assert parsed["sla"]["basic"] == SPEC_BASIC
    assert parsed["sla"]["vip"] == SPEC_VIP
    assert parsed["channels"] == REGULATION_CHANNELS
    assert parsed["quality_control"] == {"email": "support@mitwork.kz"}
    assert parsed["clients"] == []
    # REGULATION.md clause 6 and 9 defaults, by their keys.
    assert list(parsed["scope"]["in_scope"]) == ["registration", "documents", "profile", "portal_errors", "tariffs"]
    assert list(parsed["postponement"]["reasons"]) == [
        "client_info", "third_party", "development", "client_side", "force_majeure"]


def test_show_round_trips_through_a_file(edoc):
    text, parsed = show_toml(edoc)
    # The TOML and the JSON say the same thing ...
    assert parsed == show_json(edoc)["config"]
    # ... and the printed TOML is itself a valid configuration that means exactly the same.
    copy = edoc.tmp / "printed.toml"
    copy.write_text(text, encoding="utf-8")
    again, reparsed = show_toml(edoc, "--config", str(copy))
    assert reparsed == parsed
    assert without_comments(again) == without_comments(text)
    shown = show_json(edoc, "--config", str(copy))
    assert shown["path"] == str(copy)
    assert set(shown["sources"].values()) == {str(copy)}


USER_CONFIG = f"""
faq = []

[registration]
prefix = "HD"

[calendar]
extra_days_off = ["2026-05-27", 2026-12-30]   # a string and a TOML date: both are dates
extra_working_days = ["2026-11-28"]

[sla]
warn_at = 0.9

[sla.basic]
consultation = [2, 8]

[[clients]]
bin = "{BIN}"
valid_from = 2026-01-01
valid_to = "2026-12-31"
"""


def test_show_round_trips_a_user_config(edoc):
    edoc.write_config(USER_CONFIG)
    text, parsed = show_toml(edoc)
    # The file's values, on top of the defaults.
    assert parsed["faq"] == []
    assert parsed["registration"]["prefix"] == "HD"
    assert parsed["calendar"]["extra_days_off"] == ["2026-05-27", date(2026, 12, 30)]
    assert parsed["calendar"]["extra_working_days"] == ["2026-11-28"]
    assert parsed["calendar"]["workday_start"] == "09:00"           # not in the file: the default
    assert parsed["sla"]["warn_at"] == 0.9
    # [sla.basic] set only consultation; the other categories keep SPEC's targets.
    assert parsed["sla"]["basic"] == {**SPEC_BASIC, "consultation": [2, 8]}
    assert parsed["sla"]["vip"] == SPEC_VIP
    assert parsed["clients"] == [{"bin": BIN, "valid_from": date(2026, 1, 1), "valid_to": "2026-12-31"}]
    # Printed, read back, printed again: the same.
    copy = edoc.tmp / "printed.toml"
    copy.write_text(text, encoding="utf-8")
    again, reparsed = show_toml(edoc, "--config", str(copy))
    assert reparsed == parsed
    assert without_comments(again) == without_comments(text)


def test_show_json_has_path_sources_and_config(edoc):
    path = edoc.write_config(USER_CONFIG)
    shown = show_json(edoc)
    assert set(shown) == {"path", "sources", "config"}
    assert shown["path"] == str(path)
    # Sections the file sets come from it; the rest are built in.
    from_file = {"faq", "registration", "calendar", "sla", "clients"}
    for section, source in shown["sources"].items():
        assert source == (str(path) if section in from_file else "built-in default"), section
    assert from_file < set(shown["sources"])
    # TOML dates come out as ISO strings in JSON.
    assert shown["config"]["clients"] == [{"bin": BIN, "valid_from": "2026-01-01", "valid_to": "2026-12-31"}]
    assert shown["config"]["calendar"]["extra_days_off"] == ["2026-05-27", "2026-12-30"]


def test_show_without_a_file_says_everything_is_built_in(edoc):
    shown = show_json(edoc)
    assert shown["path"] is None
    assert set(shown["sources"].values()) == {"built-in default"}


def test_show_round_trips_awkward_strings(edoc):
    # Quotes, a backslash, a newline, a tab, and DEL (which TOML only allows escaped).
    title = 'Ошибка "500"\\ C:\\путь\nвторая строка\tи \x7f'
    edoc.write_config(
        '[[faq]]\ntitle = "Ошибка \\"500\\"\\\\ C:\\\\путь\\nвторая строка\\tи \\u007f"\n'
        'url = "https://help.e-doc.kz/500"\nkeywords = ["ошибка", "500"]\n'
    )
    _, parsed = show_toml(edoc)
    assert parsed["faq"] == [{"title": title, "url": "https://help.e-doc.kz/500", "keywords": ["ошибка", "500"]}]


# -- config path ------------------------------------------------------------------------------------


def path_json(edoc, *global_flags: str, env=None) -> dict:
    result = edoc.run(*global_flags, "config", "path", "--json", env=env)
    assert result.code == 0, result
    return result.json()


def test_path_defaults_to_xdg_config_home(edoc):
    result = edoc.run("config", "path")
    assert result.code == 0, result
    assert result.out == f"{edoc.tmp}/xdg-config/edoc/config.toml\n"
    assert "default location" in result.err and "does not exist" in result.err
    shown = path_json(edoc)
    assert (shown["path"], shown["source"], shown["exists"]) == (
        f"{edoc.tmp}/xdg-config/edoc/config.toml", "default location", False)


def test_path_without_xdg_config_home_is_under_home(edoc):
    shown = path_json(edoc, env={"XDG_CONFIG_HOME": None})
    assert shown["path"] == f"{edoc.tmp}/home/.config/edoc/config.toml"


def test_path_from_edoc_config(edoc):
    target = edoc.tmp / "elsewhere.toml"
    shown = path_json(edoc, env={"EDOC_CONFIG": str(target)})
    assert (shown["path"], shown["source"], shown["exists"]) == (str(target), "EDOC_CONFIG", False)


def test_path_flag_beats_edoc_config(edoc):
    edoc.write_config("")
    flag = edoc.tmp / "flag.toml"
    flag.write_text("", encoding="utf-8")
    shown = path_json(edoc, "--config", str(flag))
    assert (shown["path"], shown["source"], shown["exists"]) == (str(flag), "--config", True)


def test_path_flag_expands_the_home_directory(edoc):
    shown = path_json(edoc, "--config", "~/edoc.toml")
    assert shown["path"] == f"{edoc.tmp}/home/edoc.toml"


def test_a_file_at_the_default_location_is_read(edoc):
    default = edoc.tmp / "xdg-config" / "edoc" / "config.toml"
    default.parent.mkdir(parents=True)
    default.write_text('[registration]\nprefix = "XDG"\n', encoding="utf-8")
    assert path_json(edoc)["exists"] is True
    shown = show_json(edoc)
    assert shown["path"] == str(default)
    assert shown["config"]["registration"]["prefix"] == "XDG"


# -- errors: exit 2, naming the key and the file -------------------------------------------------------


@pytest.mark.parametrize("text, key", [
    ('colour = "red"\n', "colour"),
    ('[calendar]\nworkday_begin = "08:00"\n', "calendar.workday_begin"),
    ('[sla.basic.bug]\nurgent = [1, 2]\n', "sla.basic.bug.urgent"),
    ('[sla]\nwarn_at = "high"\n', "sla.warn_at"),
    ('[sla]\nwarn_at = true\n', "sla.warn_at"),        # a boolean is not a share
    ('[sla]\nwarn_at = 0\n', "sla.warn_at"),           # must be above 0
    ('[sla]\nwarn_at = 1.5\n', "sla.warn_at"),         # at most 1
    ('[sla]\nwarn_at = -0.1\n', "sla.warn_at"),
    ('[sla]\nauto_close_after_hours = 0\n', "sla.auto_close_after_hours"),
    ('[sla.basic]\nconsultation = [4, 0]\n', "sla.basic.consultation"),
    ('[sla.basic]\nconsultation = "4h"\n', "sla.basic.consultation"),
    ('[calendar]\nextra_days_off = ["2026-02-30"]\n', "calendar.extra_days_off"),   # no 30 February
    ('[calendar]\nextra_days_off = ["27.05.2026"]\n', "calendar.extra_days_off"),
    ('[calendar]\nextra_days_off = "2026-05-27"\n', "calendar.extra_days_off"),     # not a list
    ('[calendar]\nextra_working_days = [2026-11-28T09:00:00]\n', "calendar.extra_working_days"),
    ('[calendar]\nworkday_start = "18:00"\nworkday_end = "09:00"\n', "calendar.workday_end"),
    ('[calendar]\nworkday_start = "09:00"\nworkday_end = "09:00"\n', "calendar.workday_end"),  # empty day
    ('[calendar]\nworkday_start = "9:00"\n', "calendar.workday_start"),
    ('[calendar]\nworkday_end = "24:00"\n', "calendar.workday_end"),
    ('[calendar]\nworkdays = ["monday"]\n', "calendar.workdays"),
    ('[registration]\nprefix = "hd"\n', "registration.prefix"),
    ('[registration]\nprefix = "1HD"\n', "registration.prefix"),
    ('[registration]\nprefix = "H-D"\n', "registration.prefix"),
    ('[registration]\nprefix = "ABCDEFGHIJK"\n', "registration.prefix"),   # 11 characters; at most 10
    ('[registration]\nprefix = ""\n', "registration.prefix"),
    ('[registration]\nprefix = 5\n', "registration.prefix"),
    ('[channels]\nquestion = ["email"]\n', "channels.question"),
    ('[channels]\nbug = []\n', "channels.bug"),
    ('[[clients]]\nbin = "94014000038"\n', "clients[0]"),                  # 11 digits
    (f'[[clients]]\nbin = "{BIN}"\nvalid_from = "2026-13-01"\n', "clients[0].valid_from"),
    (f'[[clients]]\nbin = "{BIN}"\nvalid_from = 2026-01-01T00:00:00\n', "clients[0].valid_from"),
    (f'[[clients]]\nbin = "{BIN}"\nlevel = "gold"\n', "clients[0].level"),
    ('[[faq]]\ntitle = "x"\nurl = "ftp://help.e-doc.kz"\n', "faq[0].url"),
    ('[quality_control]\nemail = "nobody"\n', "quality_control.email"),
])
def test_a_bad_value_exits_2_naming_the_key_and_the_file(edoc, text, key):
    path = edoc.write_config(text)
    result = edoc.run("config", "show")
    assert result.code == 2, result
    assert result.out == ""
    assert f"'{key}'" in result.err
    assert str(path) in result.err
    assert result.err.count("\n") == 1, "one line, no traceback"


def test_warn_at_boundaries_accepted(edoc):
    edoc.write_config("[sla]\nwarn_at = 1\n")
    assert show_json(edoc)["config"]["sla"]["warn_at"] == 1
    edoc.write_config("[sla]\nwarn_at = 0.01\n")
    assert show_json(edoc)["config"]["sla"]["warn_at"] == 0.01


@pytest.mark.parametrize("raw, why", [
    (b"[sla\nwarn_at = 0.8\n", "not valid TOML"),
    (b'[registration]\nprefix = "HD"\nprefix = "ED"\n', "not valid TOML"),      # a key twice
    # "[registration]\n" is 15 bytes and 'prefix = "' 10 more: \xff is byte 25.
    (b'[registration]\nprefix = "\xff"\n', "not UTF-8 text (byte 25)"),
    (b"\xff\xfe[\x00s\x00l\x00a\x00]\x00", "not UTF-8 text (byte 0)"),         # UTF-16
])
def test_an_unreadable_file_exits_2_naming_the_file(edoc, raw, why):
    edoc.config.write_bytes(raw)
    edoc.env["EDOC_CONFIG"] = str(edoc.config)
    result = edoc.run("config", "show")
    assert result.code == 2, result
    assert f"{edoc.config}: {why}" in result.err


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_named_file_that_does_not_exist_exits_2(edoc, how):
    missing = edoc.tmp / "missing.toml"
    if how == "flag":
        result = edoc.run("--config", str(missing), "config", "show")
    else:
        result = edoc.run("config", "show", env={"EDOC_CONFIG": str(missing)})
    assert result.code == 2, result
    assert f"configuration file {missing} does not exist" in result.err


def test_a_config_error_stops_open_before_anything_is_stored(edoc):
    path = edoc.write_config('[calendar]\nworkday_begin = "08:00"\n')
    result = edoc.run("open", *request_args())
    assert result.code == 2, result
    assert "'calendar.workday_begin'" in result.err and str(path) in result.err
    assert edoc.state() is None


# -- the configuration at work ----------------------------------------------------------------------------


def test_a_configured_prefix_numbers_the_tickets(edoc):
    edoc.write_config('[registration]\nprefix = "HD"\n')
    assert edoc.open_ticket() == "HD-2026-000001"
    assert edoc.open_ticket() == "HD-2026-000002"
    assert edoc.ticket("hd-2026-000002")["id"] == "HD-2026-000002"  # typed in lower case


def test_channels_per_category_come_from_the_config(edoc):
    edoc.write_config('[channels]\nconsultation = ["email", "chat"]\nbug = ["email", "portal", "phone"]\n')
    before = edoc.state()
    # A consultation by phone is no longer allowed ...
    result = edoc.run("open", *request_args(channel="phone"))
    assert result.code == 3, result
    assert "clause 8: --channel: a consultation request may arrive only by email, chat, not 'phone'" in result.err
    assert (edoc.state()) == before
    # ... by chat it is, and a bug may now come by phone.
    assert edoc.open_ticket(channel="chat") == "ED-2026-000001"
    assert edoc.open_ticket(**{**BUG_FIELDS, "channel": "phone"}) == "ED-2026-000002"
    # Categories the file does not mention keep REGULATION.md's channels: feature by phone is refused.
    result = edoc.run("open", *request_args(category="feature", channel="phone"))
    assert result.code == 3
    assert "only by email, portal, not 'phone'" in result.err


def test_an_extra_day_off_moves_a_deadline(edoc):
    # Received Thursday 26 Nov 2026 at 10:00, basic consultation: resolution 16 working hours.
    # Without a day off: 8 h on Thursday (10-18) + 8 h on Friday (9-17) -> Friday 17:00.
    # With Friday 27 Nov off: 8 h Thursday, then Monday 30 Nov 9:00 + 8 h -> Monday 17:00.
    number = edoc.open_ticket()
    assert edoc.ticket(number)["sla"]["resolution"]["due_at"] == "2026-11-27T17:00:00+05:00"
    edoc.write_config('[calendar]\nextra_days_off = ["2026-11-27"]\n')
    assert edoc.ticket(number)["sla"]["resolution"]["due_at"] == "2026-11-30T17:00:00+05:00"


def test_config_show_json_is_plain_json(edoc):
    edoc.write_config(USER_CONFIG)
    result = edoc.run("config", "show", "--json")
    # Parses with the standard library, nothing else on stdout.
    assert json.loads(result.out)["config"]["registration"]["prefix"] == "HD"
