"""Values the shell may complete: read from the configuration and the store in force.

Completion must never fail loudly: a broken config or store completes nothing.
"""

from __future__ import annotations

from typing import Callable, Iterable


def _safe(values: Callable[[], Iterable[str]], incomplete: str) -> list[str]:
    try:
        return [v for v in values() if v.startswith(incomplete)]
    except Exception:
        return []


def _env():
    from edoc_cli.environment import Environment

    return Environment()  # the command line's own environment: the store and configuration in force


def categories(incomplete: str) -> list[str]:
    return _safe(lambda: _env().config.categories, incomplete)


def channels(incomplete: str) -> list[str]:
    return _safe(lambda: _env().config.channels, incomplete)


def topics(incomplete: str) -> list[str]:
    return _safe(lambda: list(_env().config.in_scope), incomplete)


def reasons(incomplete: str) -> list[str]:
    return _safe(lambda: list(_env().config.postponement_reasons), incomplete)


def levels(incomplete: str) -> list[str]:
    return _safe(lambda: _env().config.levels, incomplete)


def statuses(incomplete: str) -> list[str]:
    from edoc_cli.ticket import STATUSES

    return _safe(lambda: STATUSES, incomplete)


def resolutions(incomplete: str) -> list[str]:
    from edoc_cli.ticket import RESOLUTIONS

    return _safe(lambda: [r for r in RESOLUTIONS if r != "abuse"], incomplete)


def priorities(incomplete: str) -> list[str]:
    from edoc_cli.ticket import PRIORITIES

    return _safe(lambda: PRIORITIES, incomplete)


def client_types(incomplete: str) -> list[str]:
    from edoc_cli.ticket import CLIENT_TYPES

    return _safe(lambda: CLIENT_TYPES, incomplete)


def client_languages(incomplete: str) -> list[str]:
    from edoc_cli.ticket import CLIENT_LANGUAGES

    return _safe(lambda: CLIENT_LANGUAGES, incomplete)


def ticket_ids(incomplete: str) -> list[str]:
    """Registration numbers of the tickets not yet closed (case-insensitive prefix): what the
    actions act on."""
    return _safe(lambda: sorted(_env().desk.open_ids()), incomplete.upper())


def closed_ticket_ids(incomplete: str) -> list[str]:
    """Registration numbers of closed tickets: what `reopen` takes."""
    return _safe(lambda: _env().desk.closed_ids(incomplete.upper()), incomplete.upper())


def any_ticket_ids(incomplete: str) -> list[str]:
    """Every registration number, open ones first: what `show` and `sla` take."""
    def values() -> list[str]:
        desk = _env().desk
        return sorted(desk.open_ids()) + desk.closed_ids(incomplete.upper())

    return _safe(values, incomplete.upper())


def templates(incomplete: str) -> list[str]:
    """The canned replies' names ([[templates]] in the configuration)."""
    return _safe(lambda: [t["name"] for t in _env().config.templates], incomplete)


def intake_numbers(incomplete: str) -> list[str]:
    """The numbers of the intake's waiting messages: what `intake show|dismiss` and `open --from-mail` take."""
    return _safe(lambda: [str(row["n"]) for row in _env().desk.intake()], incomplete)
