"""The zone comes from the tzdata package and is checked; ISO instants parse and print."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zoneinfo
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import pytest

from edoc_cli.tz import ZoneDataError, astana_zone, check_zone, parse_instant, to_iso

REPO = Path(__file__).resolve().parents[1]
FIVE = timedelta(hours=5)


def tzdata_file(name: str) -> Path:
    return Path(str(resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))))


def zone_from_tzdata(name: str) -> zoneinfo.ZoneInfo:
    with tzdata_file(name).open("rb") as fobj:
        return zoneinfo.ZoneInfo.from_file(fobj, key=name)


@pytest.fixture()
def almaty():
    return astana_zone()


def test_astana_zone_is_utc_plus_5_after_march_2024(almaty):
    assert datetime(2024, 6, 1, 12, tzinfo=almaty).utcoffset() == FIVE
    assert datetime(2026, 11, 26, 9, tzinfo=almaty).utcoffset() == FIVE


def test_astana_zone_keeps_history_before_march_2024(almaty):
    # Clocks went back from 00:00 UTC+6 to 23:00 UTC+5 on the night to 2024-03-01.
    assert datetime(2024, 2, 29, 12, tzinfo=almaty).utcoffset() == timedelta(hours=6)
    assert datetime(2024, 3, 1, 12, tzinfo=almaty).utcoffset() == FIVE


def test_astana_zone_is_cached_and_named(almaty):
    assert astana_zone() is almaty
    assert astana_zone("Asia/Almaty") is almaty
    assert str(almaty) == "Asia/Almaty"


def test_other_zones_load_without_the_almaty_check():
    assert datetime(2024, 6, 1, tzinfo=astana_zone("UTC")).utcoffset() == timedelta(0)
    assert datetime(2024, 6, 1, tzinfo=astana_zone("Asia/Dhaka")).utcoffset() == timedelta(hours=6)


@pytest.mark.parametrize("name", ["Nowhere/City", "", "../etc/passwd", "/etc/localtime"])
def test_unknown_zone_names_are_a_zone_data_error(name):
    with pytest.raises(ZoneDataError):
        astana_zone(name)


def test_check_zone_accepts_current_data(almaty):
    check_zone(almaty)
    check_zone(timezone(FIVE))


def test_check_zone_rejects_stale_data():
    stale = zone_from_tzdata("Asia/Dhaka")  # UTC+6, as Asia/Almaty was before 2024
    with pytest.raises(ZoneDataError, match=r"stale.*UTC\+06:00.*2024-03-01.*tzdata"):
        check_zone(stale)


PROBE = """
import json, zoneinfo
from datetime import datetime
from edoc_cli.tz import astana_zone
def offset(tz):
    return datetime(2024, 6, 1, 12, tzinfo=tz).utcoffset().total_seconds() / 3600
print(json.dumps({"system": offset(zoneinfo.ZoneInfo("Asia/Almaty")), "edoc": offset(astana_zone())}))
"""


def run_probe(tzpath: Path) -> dict:
    env = {**os.environ, "PYTHONTZPATH": str(tzpath), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_stale_system_database_is_ignored(tmp_path):
    # A system database older than IANA 2024a: Asia/Almaty is still UTC+6.
    # Dhaka's file (UTC+6) stands in for the old Almaty file.
    (tmp_path / "Asia").mkdir()
    shutil.copyfile(tzdata_file("Asia/Dhaka"), tmp_path / "Asia" / "Almaty")
    offsets = run_probe(tmp_path)
    assert offsets["system"] == 6  # what zoneinfo.ZoneInfo would have trusted
    assert offsets["edoc"] == 5


def test_empty_system_database_is_not_needed(tmp_path):
    assert run_probe(tmp_path)["edoc"] == 5


# -- parse_instant / to_iso --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T04:00:00Z", "2026-11-26T09:00:00+05:00"),  # Z is UTC
        ("2026-11-26T04:00:00+00:00", "2026-11-26T09:00:00+05:00"),
        ("2026-11-26T10:00:00+06:00", "2026-11-26T09:00:00+05:00"),  # converted, not relabelled
        ("2026-11-26T10:15", "2026-11-26T10:15:00+05:00"),  # naive: local in the zone
        ("2026-11-26 10:15:30", "2026-11-26T10:15:30+05:00"),
        ("2026-11-26", "2026-11-26T00:00:00+05:00"),  # a date is local midnight
        ("  2026-11-26T10:15:00+05:00 ", "2026-11-26T10:15:00+05:00"),
        ("2024-02-28T09:00", "2024-02-28T09:00:00+06:00"),  # before the 2024 change
    ],
)
def test_parse_instant(text, expected, almaty):
    parsed = parse_instant(text, almaty)
    assert parsed.tzinfo is almaty
    assert to_iso(parsed, almaty) == expected


@pytest.mark.parametrize("text", ["", "garbage", "2026-13-01", "2026-11-26T25:00", "26.11.2026", "tomorrow"])
def test_parse_instant_rejects_garbage_clearly(text, almaty):
    with pytest.raises(ValueError, match="not an ISO 8601 date or time"):
        parse_instant(text, almaty)


def test_parse_instant_rejects_non_strings(almaty):
    with pytest.raises(ValueError):
        parse_instant(None, almaty)  # type: ignore[arg-type]


def test_to_iso_drops_microseconds_and_converts(almaty):
    instant = datetime(2026, 11, 26, 5, 15, 0, 987654, tzinfo=timezone.utc)
    assert to_iso(instant, almaty) == "2026-11-26T10:15:00+05:00"
    assert to_iso(instant, timezone.utc) == "2026-11-26T05:15:00+00:00"


def test_to_iso_refuses_naive(almaty):
    with pytest.raises(ValueError, match="naive"):
        to_iso(datetime(2026, 11, 26, 10), almaty)


def test_round_trip(almaty):
    instant = datetime(2025, 1, 5, 12, 59, tzinfo=almaty)
    assert parse_instant(to_iso(instant, almaty), almaty) == instant
