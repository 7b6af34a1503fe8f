"""Time zone loading and ISO 8601 instants for the support desk.

Kazakhstan moved to a single zone, UTC+5, on 2024-03-01. A system zone
database older than IANA 2024a still says Asia/Almaty is UTC+6, which would
shift every SLA clock by an hour, so the zone is read from the `tzdata`
package shipped with edoc and checked before use.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime, timedelta, timezone, tzinfo

from edoc_cli.i18n import _

DEFAULT_ZONE = "Asia/Almaty"

# Asia/Almaty must be UTC+5 at this instant (any date after 2024-03-01 works).
_CHECK_INSTANT = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
_CHECK_OFFSET = timedelta(hours=5)


class ZoneDataError(Exception):
    """The time zone cannot be loaded or its data is wrong (e.g. stale)."""


def check_zone(tz: tzinfo) -> None:
    """Raise ZoneDataError unless `tz` says Asia/Almaty is UTC+5 on 2024-06-01."""
    offset = _CHECK_INSTANT.astimezone(tz).utcoffset()
    if offset != _CHECK_OFFSET:
        raise ZoneDataError(_(
            "time zone data for {zone} is stale: it gives UTC{offset} "
            "on 2024-06-01, but Kazakhstan has been UTC+05:00 since 2024-03-01; "
            "install a current `tzdata` package (pip install -U tzdata)"
        ).format(zone=getattr(tz, "key", tz), offset=_fmt_offset(offset)))


def astana_zone(name: str = DEFAULT_ZONE) -> tzinfo:
    """Return the zone `name`, read from the `tzdata` package when it has it.

    For Asia/Almaty the data is checked (`check_zone`); a stale zone raises
    ZoneDataError. An unknown name raises ZoneDataError too. The same name
    always gives the same object.
    """
    return _load_zone(name)


# Keyed on the name alone (not on how it was passed) so that every caller
# shares one tzinfo object per zone.
@functools.lru_cache(maxsize=None)
def _load_zone(name: str) -> tzinfo:
    if not name or name.startswith(("/", "\\")) or ".." in name.split("/"):
        raise ZoneDataError(_("{zone} is not an IANA time zone name such as \"Asia/Almaty\"").format(zone=repr(name)))
    tz = _zone_from_tzdata(name)
    if tz is None:
        try:
            tz = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ZoneDataError(
                _("unknown time zone {zone}: use an IANA name such as \"Asia/Almaty\"").format(zone=repr(name))
            ) from exc
    if name == DEFAULT_ZONE:
        check_zone(tz)
    return tz


def _zone_from_tzdata(name: str) -> tzinfo | None:
    # The system database (/usr/share/zoneinfo, PYTHONTZPATH) is searched
    # first by zoneinfo.ZoneInfo, so it could shadow tzdata with stale data;
    # reading the file directly avoids that.
    # The file is found by path (importlib.resources would cost every command 3 ms to load); a
    # tzdata that is not plain files (a zip) is read through importlib.resources.
    import importlib.util
    import os

    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None  # not a zone's name: zoneinfo says why
    try:
        spec = importlib.util.find_spec("tzdata")
        folder = os.path.join(os.path.dirname(spec.origin), "zoneinfo") if spec and spec.origin else None
        if folder is not None and os.path.isdir(folder):
            path = os.path.join(folder, *parts)
            if not os.path.isfile(path):
                return None
            with open(path, "rb") as fobj:
                return zoneinfo.ZoneInfo.from_file(fobj, key=name)
        from importlib import resources

        ref = resources.files("tzdata.zoneinfo").joinpath(*parts)
        if not ref.is_file():
            return None
        with ref.open("rb") as fobj:
            return zoneinfo.ZoneInfo.from_file(fobj, key=name)
    except (ModuleNotFoundError, OSError, ValueError):
        return None


def zone_mark(tz: tzinfo) -> str | None:
    """What names the data a zone was read from (the file the loaders above find first, by its bytes),
    or None when that is not known: a cache of times in that zone is then not kept."""
    import os
    import zlib

    key = getattr(tz, "key", None)
    if not key:
        return None
    try:
        import importlib.util

        spec = importlib.util.find_spec("tzdata")
        folders = [os.path.join(os.path.dirname(spec.origin), "zoneinfo")] if spec and spec.origin else []
    except (ImportError, ValueError):
        folders = []
    if folders and not os.path.isdir(folders[0]):
        return None  # tzdata not as plain files: read through importlib.resources
    for folder in [*folders, *zoneinfo.TZPATH]:
        try:
            with open(os.path.join(folder, *key.split("/")), "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        return f"{key}:{len(data)}:{zlib.crc32(data)}:{zlib.adler32(data)}"
    return None


def parse_instant(text: str, tz: tzinfo) -> datetime:
    """Parse ISO 8601 text into an aware datetime in `tz` (see _parse_instant)."""
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO 8601 date or time, got {text!r}")
    return _parse_instant(text, tz)


# The SLA replay reads each event's time several times (records, replay, clocks, summary):
# datetimes are immutable, so the same text gives the same object from the cache.
@functools.lru_cache(maxsize=8192)
def _parse_instant(text: str, tz: tzinfo) -> datetime:
    """Parse ISO 8601 text into an aware datetime in `tz`.

    An offset (or Z) is honoured and the instant converted to `tz`; a time
    without an offset is local time in `tz`; a bare date YYYY-MM-DD is 00:00
    local time in `tz`.
    """
    stripped = text.strip()
    try:
        # Python 3.11 reads a bare date as 00:00 and accepts "Z".
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO 8601 date or time; use e.g. "
            "\"2026-11-26\", \"2026-11-26T10:15\" or \"2026-11-26T05:15:00Z\""
        ) from None
    if parsed.tzinfo is None:  # fromisoformat gives a fixed offset (datetime.timezone) or none
        return parsed.replace(tzinfo=tz)
    try:
        return parsed.astimezone(tz)
    except OverflowError:
        # 9999-12-31T23:00-05:00 is year 10000 in Astana: not an instant we can hold.
        raise ValueError(f"{text!r} is outside the range of dates edoc handles") from None


def to_iso(dt: datetime, tz: tzinfo) -> str:
    """Format an aware instant in `tz` to the second, e.g. "2026-11-26T10:15:00+05:00"."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"cannot format a naive datetime {dt!r}: the instant is ambiguous")
    return dt.astimezone(tz).isoformat(timespec="seconds")


def _fmt_offset(offset: timedelta | None) -> str:
    if offset is None:
        return "?"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
