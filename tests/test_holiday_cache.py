"""The holiday table cache: faster commands, never a wrong day."""

from __future__ import annotations

import json


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
    # A cache that lies is not trusted blindly either: it is keyed by the package's version,
    # so a new holidays release (new file name) recomputes everything.
    assert path.name.startswith("holidays-KZ-") and path.name.count("-") >= 2
