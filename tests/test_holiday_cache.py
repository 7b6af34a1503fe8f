"""The holiday table cache: faster commands, never a wrong day."""

from __future__ import annotations

import json

import pytest


def test_the_cache_is_written_used_and_survives_damage(edoc, tmp_path):
    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    first = edoc.proc("calendar", "check", "2026-12-16", "--json", env=env)
    assert first.code == 0 and first.json()["kind"] == "holiday"
    (path,) = (cache / "edoc").glob("holidays-KZ-*.json")
    days = json.loads(path.read_text())["2026"]
    assert ["2026-12-16", "holiday", "Independence Day"] in days["off"]
    # A damaged cache is only slower: the answer is still right and the file is rebuilt.
    path.write_text("{not json")
    again = edoc.proc("calendar", "check", "2026-12-16", "--json", env=env)
    assert again.code == 0 and again.json() == first.json()
    assert "2026" in json.loads(path.read_text())
    # A cache that lies is not trusted blindly either: it is keyed by the installed copy of the
    # package, so a new holidays release (new file name) recomputes everything.
    assert path.name.startswith("holidays-KZ-") and path.name.count("-") >= 2


def test_an_upgraded_package_gets_a_cache_file_of_its_own(tmp_path, monkeypatch):
    """The key comes from the package's files (sizes, times), found without importing it: an
    upgrade, which writes them anew, is a new key, as a new version number was."""
    import importlib
    import os
    import sys

    from edoc_cli.holiday_table import _cache_path

    fake = tmp_path / "site" / "holidays"
    (fake / "countries").mkdir(parents=True)
    for name in ("__init__.py", "version.py", "countries/__init__.py", "countries/kazakhstan.py"):
        (fake / name).write_text("# 0.90\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delitem(sys.modules, "holidays", raising=False)
    importlib.invalidate_caches()
    before = _cache_path("KZ")
    assert before is not None and before.parent == tmp_path / "cache" / "edoc"
    assert _cache_path("KZ") == before  # the same copy, the same file
    os.utime(fake / "countries" / "kazakhstan.py", ns=(1, 1))  # an upgrade rewrote it
    assert _cache_path("KZ") != before


@pytest.mark.json_only(reason="psycopg itself reads installed packages' metadata when it is imported")
def test_a_command_never_asks_the_installed_packages_metadata(edoc):
    """importlib.metadata reads every installed package's metadata: 16-20 ms of every command that
    works out a date (show, list, the sweep)."""
    edoc.open_ticket()
    code = ("import atexit, sys\n"  # the process ends at once after its exit handlers (app._end)
            "atexit.register(lambda: print('METADATA', 'importlib.metadata' in sys.modules, file=sys.stderr))\n"
            "from edoc_cli.entry import main\nmain()\n")
    import subprocess
    import sys

    runs = [subprocess.run([sys.executable, "-c", code, "show", "ED-2026-000001"], capture_output=True, text=True,
                           env=edoc.proc_env()) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    # The first run filled the cache (importing the holidays package, which asks); the next do not.
    assert "METADATA False" in runs[1].stderr
