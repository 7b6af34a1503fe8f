"""Kazakhstan's public holidays and decreed day-off transfers, as the `holidays` package knows them,
a year at a time, cached on disk per installed copy of the package (it is slow to import and to ask).

What `holidays` 0.109 encodes for Kazakhstan (holidays/countries/kazakhstan.py):

* Decreed transfers live in `KazakhstanStaticHolidays.special_public_holidays`
  as (to_month, to_day, from_month, from_day[, from_year]): the "to" date is
  added as a holiday named "Day off (substituted from MM/DD/YYYY)" and a
  weekend "from" date is put in the instance's `weekend_workdays` set (the
  package's `is_working_day` consults it). 2025-01-05 (Sunday) is worked for
  2025-01-03 (Friday); 2024-05-04 (Saturday) for 2024-05-08 (Wednesday);
  2013-12-28 is worked for 2014-01-03 (the one cross-year entry, which the
  package puts in `weekend_workdays` whatever years are populated). There are no transfers for 2026 or later.
  When the "from" date is a weekday (an observed holiday moved elsewhere, e.g.
  2020-05-11 -> 2020-05-08) the package simply drops it: a plain workday.
* Constitution Day is 30 August up to 2025 and 15 March from 2027 (the 2026
  constitution); for 2026 the package has no Constitution Day at all, so
  neither 2026-08-30 (a Sunday) nor 2026-08-31 is off and 2026-03-15 is an
  ordinary Sunday. Republic Day (25 October) is renamed in Kazakh from 2026
  but still reads "Republic Day" in en_US. If the government decrees
  otherwise, add the days to `calendar.extra_days_off`.
* Holidays falling on a weekend move to the next workday from 2002 on
  ("Victory Day (observed)" and the like): those are days off here. Kurban
  ait (Eid al-Adha) is never moved, and from 2026 its date is an estimate
  ("Eid al-Adha (estimated)"; 2026-05-27).
* The package has no data after 2100: later years are plain Monday-Friday.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import date
from pathlib import Path
from typing import NamedTuple


class PackageYear(NamedTuple):
    off: dict[date, tuple[str, str]]  # day -> (kind, name): "holiday" | "transfer_off"
    work: dict[date, str]  # weekend day decreed working -> name


@functools.lru_cache(maxsize=None)
def _substitutions(country: str) -> tuple[dict[date, date], dict[date, date]]:
    """Decreed transfers as ({day off: day worked instead}, {day worked: day off})."""
    import holidays  # slow to import; only when a calendar is first consulted

    entity = _country_holidays(holidays, country, years=())
    off_to_work: dict[date, date] = {}
    for year, entries in getattr(entity, "special_public_holidays", {}).items():
        if entries and not isinstance(entries[0], tuple):
            entries = (entries,)
        for entry in entries:
            if len(entry) < 4:  # a one-off holiday, not a transfer
                continue
            to_month, to_day, from_month, from_day, *from_year = entry
            off_to_work[date(year, to_month, to_day)] = date(
                from_year[0] if from_year else year, from_month, from_day
            )
    return off_to_work, {worked: off for off, worked in off_to_work.items()}


@functools.lru_cache(maxsize=None)
def package_year(country: str, year: int) -> PackageYear:
    """The days of `year` that the holidays package makes exceptions of.

    Read from a small cache file when this version of the package computed them before:
    importing `holidays` and building three years of it costs a command a third of a second.
    """
    cached = _disk_cache(country).get(str(year))
    if cached is not None:
        return PackageYear(off={date.fromisoformat(d): (k, n) for d, k, n in cached["off"]},
                            work={date.fromisoformat(d): n for d, n in cached["work"]})
    package = _package_year_computed(country, year)
    _remember(country, year, package)
    return package


def _cache_path(country: str) -> Path | None:
    """$XDG_CACHE_HOME/edoc/holidays-<country>-<stamp>.json: a new file for every installed copy of the
    package. The stamp is drawn from its files' sizes and times, found without importing it or asking
    importlib.metadata (which reads every installed package's metadata: 16-20 ms a command); an
    upgrade writes new files, so it gets a new stamp, as a new version did."""
    import importlib.util
    import zlib  # not hashlib: loading OpenSSL's costs a command 2 ms

    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.origin:
        return None
    package = os.path.dirname(spec.origin)
    marks = []
    for name in ("__init__.py", "version.py", os.path.join("countries", "kazakhstan.py"),
                 os.path.join("countries", "__init__.py")):
        try:
            st = os.stat(os.path.join(package, name))
        except OSError:
            continue
        marks.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    said = f"{package}|{'|'.join(marks)}".encode()
    stamp = f"{zlib.crc32(said):08x}{zlib.adler32(said):08x}"
    from edoc_cli.cache_home import cache_home

    return cache_home() / f"holidays-{country}-{stamp}.json"


@functools.lru_cache(maxsize=None)
def _disk_cache(country: str) -> dict:
    path = _cache_path(country)
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}  # a missing or damaged cache is only slower, never wrong: it is rebuilt
    return data if isinstance(data, dict) else {}


def _remember(country: str, year: int, package: PackageYear) -> None:
    """Add a year to the cache file; any failure (read-only home, full disk) is ignored."""
    import tempfile

    cache = _disk_cache(country)
    cache[str(year)] = {"off": [[d.isoformat(), k, n] for d, (k, n) in sorted(package.off.items())],
                        "work": [[d.isoformat(), n] for d, n in sorted(package.work.items())]}
    path = _cache_path(country)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(cache, handle)
        os.replace(tmp, path)
    except OSError:
        pass


def _package_year_computed(country: str, year: int) -> PackageYear:
    import holidays

    # Neighbouring years too, in case an observed day crosses New Year.
    years = [y for y in (year - 1, year, year + 1) if 1 <= y <= 9999]
    entity = _country_holidays(holidays, country, years=years)
    off_to_work, work_to_off = _substitutions(country)

    off: dict[date, tuple[str, str]] = {}
    for day, name in entity.items():
        if day.year != year:
            continue
        if day in off_to_work:
            off[day] = ("transfer_off", f"Day off (substituted from {off_to_work[day].isoformat()})")
        else:
            off[day] = ("holiday", name)
    work: dict[date, str] = {}
    for day in getattr(entity, "weekend_workdays", ()):
        if day.year != year or day in off:
            continue
        instead = work_to_off.get(day)
        work[day] = (
            f"Working day (instead of {instead.isoformat()})" if instead else "Working day (decreed transfer)"
        )
    return PackageYear(off=off, work=work)


def _country_holidays(holidays_module, country: str, years):
    # English names whatever the process locale; a country without an
    # en_US translation keeps its original names.
    try:
        return holidays_module.country_holidays(country, years=years, language="en_US")
    except NotImplementedError:
        raise ValueError(f"the holidays package has no public holidays for country {country!r}") from None


# -- the calendar --------------------------------------------------------------
