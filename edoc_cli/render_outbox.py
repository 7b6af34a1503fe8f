"""Mail's tables on a terminal: the outbox's rows in a ticket's card and in `edoc mail queue`, and the
messages set aside (`edoc mail failed`)."""

from __future__ import annotations

from typing import Any, Sequence

from edoc_cli.i18n import N_
from edoc_cli.render import Column, _short_time, fitted_table
from edoc_cli.words import word

# The card's section leaves the address out (the card's contact line has it; `mail queue` and the JSON
# name each message's): an address folded mid-word reads as two.
MAIL_COLUMNS = (Column(N_("queued")), Column(N_("delivery")), Column(N_("attempts"), numeric=True),
                Column(N_("why"), folds=True))
# The queue's recipient stays: mending a failure starts from the address (the times go first).
QUEUE_COLUMNS = (Column(N_("id")), Column(N_("queued"), drop=1), Column(N_("delivery")),
                 Column(N_("attempts"), numeric=True, drop=3), Column(N_("next attempt"), drop=2),
                 Column(N_("to"), label=N_("recipient")), Column(N_("why"), cut=True))


def card_section(rows: Sequence[dict[str, Any]]) -> tuple[str, list[list[Any]], Sequence[Column]]:
    """The card's section on the ticket's e-mails: each with its delivery state."""
    return (N_("e-mail"), [[_short_time(r["queued_at"]), word("delivery", r["state"]), r["attempts"],
                            r.get("last_error") or ""] for r in rows], MAIL_COLUMNS)


def queue_table(env, rows: Sequence[dict[str, Any]], wide: bool = False) -> None:
    """`edoc mail queue`: the messages not delivered yet (`wide`: every column, whole)."""
    human = env.stdout_tty
    when = _short_time if human else str  # a pipe's TSV keeps the instants whole, as scripts read them
    fitted_table(env, QUEUE_COLUMNS, [
        [r["ticket"], when(r["queued_at"]), word("delivery", r["state"]) if human else r["state"],
         r["attempts"], when(r["next_at"]) if r["state"] == "queued" else "", r["to"],
         r.get("last_error") or ""] for r in rows], wide=wide)


FAILED_COLUMNS = (Column(N_("number"), numeric=True), Column(N_("when"), drop=2), Column(N_("sender"), drop=1),
                  Column(N_("subject"), drop=3), Column(N_("reason"), cut=True))


def failed_table(env, entries: Sequence[dict[str, Any]]) -> None:
    """`edoc mail failed`: the messages set aside, and why."""
    when = _short_time if env.stdout_tty else str  # a pipe's TSV keeps the instants whole
    fitted_table(env, FAILED_COLUMNS, [[e["number"], when(e["when"]) if e["when"] else "", e["from"] or "",
                                        e["subject"] or "", e["reason"]] for e in entries])
