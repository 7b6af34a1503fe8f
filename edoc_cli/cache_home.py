"""Where edoc keeps what it can make again: the holiday tables, a search's index, a list's rows."""

from __future__ import annotations

import os
from pathlib import Path


def cache_home(environ=None) -> Path:
    """$XDG_CACHE_HOME/edoc, or ~/.cache/edoc: a relative XDG_CACHE_HOME is ignored, as the XDG base
    directory specification says (it would be relative to whatever folder edoc runs in)."""
    base = (os.environ if environ is None else environ).get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "edoc"
