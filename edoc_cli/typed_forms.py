"""The lists of what a person may type for a date, a time or a duration (typed_time.py parses them):
apart from the parser, so that a --help text is filled without loading it."""

from __future__ import annotations

from edoc_cli.i18n import N_
from edoc_cli.i18n import _ as _marked  # the lists marked with N_() below

INSTANT_FORMS = N_("27.11.2026 10:05, 27.11.2026, 10:30 (today), today, yesterday or ISO 8601 "
                   "(2026-11-27T10:05; Astana time unless an offset is given)")
DURATION_FORMS = N_("a number with a unit: 90m, 2h, 1d, 1w, 1h30m (also мин, ч, д, н), "
                    "or 2wh for working hours (also рч)")


def instant_forms() -> str:
    """INSTANT_FORMS in the language of this run."""
    return _marked(INSTANT_FORMS)


def duration_forms() -> str:
    """DURATION_FORMS in the language of this run."""
    return _marked(DURATION_FORMS)
