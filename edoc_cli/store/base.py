"""The store interface: what the core may ask of any store (JSON files today, a database next).

The core reads a `Snapshot` (one committed state) from `Store.snapshot()`, and changes one inside
`Store.transaction()`: a block that either commits every change it made, or none. It never knows
which implementation it talks to; an implementation keeps the same guarantees (README: "Security
and reliability"): one committed state per read, a commit point after which a change stands, the
record rules of `ticket_rules` applied on read and on write, numbers never reused.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

from edoc_cli.store.mail_rows import MailRows
from edoc_cli.ticket_id import split_number

Ticket = dict[str, Any]
Summarize = Callable[[Ticket], dict[str, Any]]


_NONFINITE_READ = False  # whether this run read a NaN or an Infinity from a store file (a hand edit)


def nonfinite(name: str) -> float:
    """json.loads' parse_constant for the store's files: NaN and Infinity are read as before, and
    noted, so that `encode` writes them back as they were (orjson would write null)."""
    global _NONFINITE_READ
    _NONFINITE_READ = True
    return float(name)


def encode(doc: Any, indent: bool = False) -> str:
    """A record's compact JSON: what `put_encoded` takes, and what the JSON store's files hold
    (`indent`: indented by two spaces, as JSON is shown to a person).

    orjson writes it fifteen times faster than the json module (the whole store proper on every
    commit: 33 ms against 2 ms at 2,000 open tickets), the same bytes but for floats with an
    exponent (1e-07 as 1e-7: the same number read back). What orjson refuses (a lone surrogate of a
    damaged record kept as it is, an integer beyond 64 bits) the json module writes, as before, and
    so it does every record of a run that read a NaN or an Infinity (which orjson writes as null)."""
    try:
        import orjson
    except ImportError:  # edoc is installed with it; a copy without it is only slower
        orjson = None
    if orjson is not None and not _NONFINITE_READ:
        try:
            return orjson.dumps(doc, option=orjson.OPT_INDENT_2 if indent else 0).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError is one
            pass
    return json.dumps(doc, ensure_ascii=False, indent=2 if indent else None, separators=(",", ": " if indent else ":"))


def file_bytes(text: str) -> bytes:
    """JSON text as a store file's bytes. A lone surrogate (only a damaged record, kept as it is, holds
    one) goes back as the JSON escape it came as: it is always inside a JSON string, where "\\udxxx"
    is that escape."""
    return text.encode("utf-8", "backslashreplace")


class DuplicateKey(ValueError):
    """A JSON object gives one key twice (JSON keeps the last: the other would be lost unseen)."""


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _v in pairs]
    if len(set(keys)) != len(keys):
        seen: set[str] = set()
        twice = next(k for k in keys if k in seen or seen.add(k))
        raise DuplicateKey(twice)
    return dict(pairs)


class Snapshot(MailRows, ABC):
    """One committed state of the store; inside a transaction, also the changes to commit (and
    beside the tickets, the rows and files of mail: store/mail_rows.py)."""

    damaged: dict[str, str]    # record -> its first problem: skipped by readers, refused to writers
    meta_problems: list[str]   # a lenient read's problems of the store's own record (check, repair)

    def note_damage(self, name: str, problem: str) -> None:
        """A damaged record met: noted, and told once a run (every store alike)."""
        from edoc_cli.i18n import _
        from edoc_cli.store.commit import RUN

        if name not in self.damaged:
            self.damaged[name] = problem
            RUN.warnings.append(_(
                "ticket record {record} is damaged ({problem}); it is skipped and left as it is: "
                "run 'edoc check'").format(record=name, problem=problem))

    def damaged_error(self, ticket_id: str, problem: str):
        """The error of a command addressed to a damaged record (exit 7)."""
        from edoc_cli.errors import StoreCorrupt
        from edoc_cli.i18n import _

        return StoreCorrupt(_("ticket {id}'s record is damaged ({problem}); it was left as it is: "
                              "'edoc check' lists what is wrong, repair it by hand or from a backup").format(
            id=ticket_id, problem=problem))

    # -- reading ---------------------------------------------------------------------------
    @abstractmethod
    def get(self, ticket_id: str) -> Ticket | None:
        """The ticket, open or archived, or None; a damaged record raises StoreCorrupt."""

    @abstractmethod
    def holds(self, ticket_id: str) -> bool:
        """Whether the number is taken, by a sound record or a damaged one."""

    @abstractmethod
    def active_tickets(self) -> list[Ticket]:
        """The sound tickets not closed: what everyday commands work on."""

    @abstractmethod
    def pending_tickets(self) -> list[Ticket]:
        """The sound tickets of the everyday part of the store (not archived)."""

    @abstractmethod
    def pending_records(self) -> list[Any]:
        """Every record of the everyday part as it is, damaged ones too (check, export)."""

    @abstractmethod
    def iter_all_tickets(self, sound_only: bool = True) -> Iterator[Ticket]:
        """Every ticket in registration-number order (damaged records too, unless `sound_only`)."""

    def all_tickets(self) -> list[Ticket]:
        return list(self.iter_all_tickets())

    def listed(self, statuses: Iterable[str], category: str | None = None, level: str | None = None,
               assignee: str | None = None, priority: str | None = None, since: datetime | None = None,
               until: datetime | None = None, client: Any = None, text: Any = None,
               order: tuple[str, bool] | None = None) -> Iterable[Ticket]:
        """The sound tickets of these statuses registered in [since, until), of the `client` and saying
        the `text` looked for (search.Needle), before the SLA figures are worked out. The other fields
        (`assignee` "-": none) a store may pick by index; the caller applies them again, with the SLA figures.
        `order`: (a field of ORDERS, descending): in that order, read as they are taken (a caller that
        wants the first N stops there); may raise ListAgain."""
        from edoc_cli.ticket import ACTIVE

        statuses = set(statuses)
        # Everyday lists see only open work: the archive is read only when closed tickets are asked for.
        tickets = self.active_tickets() if statuses <= set(ACTIVE) else self.iter_all_tickets()
        chosen = (t for t in tickets if kept(t, statuses, since, until, client, text))
        yield from sorted(chosen, key=order_key(order[0]), reverse=order[1]) if order else chosen

    @abstractmethod
    def summary_months(self) -> list[str]:
        """The months ("2026-11") for which archived tickets have report summaries."""

    @abstractmethod
    def summaries(self, months: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The report summaries of archived tickets registered in these months."""

    @abstractmethod
    def meta(self) -> dict[str, Any]:
        """The store's own record: schema, sequences, last sweep."""

    @property
    @abstractmethod
    def archived(self) -> bool:
        """Whether closed tickets live apart from the everyday part (summaries can be read)."""

    # -- integrity -------------------------------------------------------------------------
    @abstractmethod
    def in_both_places(self) -> list[tuple[str, str]]:
        """(number, where archived) of numbers held twice (an everyday copy and an archived one)."""

    @abstractmethod
    def issued(self) -> dict[str, int]:
        """The highest number ever issued or filed, per counter ("ED-2026")."""

    @abstractmethod
    def archive_highest(self, key: str) -> int:
        """The highest number of `key` ("ED-2026") the archive has held."""

    def archive_place(self, ticket_id: str) -> str:
        """Where the archive keeps a ticket, for messages (a file, a table)."""
        return ticket_id

    @abstractmethod
    def all_ids(self) -> Iterator[str]:
        """Every number in the store, damaged records' too."""

    # -- changes (inside a transaction) ---------------------------------------------------
    @abstractmethod
    def set_meta(self, meta: dict[str, Any]) -> None: ...

    @abstractmethod
    def next_number(self, prefix: str, year: int) -> str:
        """The next registration number: above every number ever held (never reused)."""

    @abstractmethod
    def bump_sequence(self, ticket_id: str) -> None:
        """Make sure no later registration reuses an imported number."""

    @abstractmethod
    def insert_new(self, tickets: list[Ticket]) -> None:
        """Add tickets new to the store, at once."""

    @abstractmethod
    def put(self, ticket: Ticket) -> None:
        """Store a ticket read in this transaction (or new), where its status puts it."""

    def replace(self, ticket: Ticket) -> None:
        self.put(ticket)

    def insert(self, ticket: Ticket) -> None:
        self.put(ticket)

    @abstractmethod
    def put_encoded(self, ticket_id: str, created_at: str, text: str, summary: str) -> None:
        """File a checked closed ticket new to the store that arrives as JSON text (an import)."""

    @abstractmethod
    def keep_later_copy(self, ticket_id: str, place: str) -> str:
        """Of a number held twice, keep the copy whose history extends the other's (a repair)."""

    def own_problems(self) -> list[str]:
        """What is wrong that only this store can see ("{number}: why"), for check."""
        return []

    def sign_checked(self) -> list[str]:
        """Mark the sound records as checked where the store keeps such a mark, so that readers need
        not check them again (PostgreSQL; a repair, and a migration); what was done."""
        return []

    @abstractmethod
    def rebuild_summaries(self) -> list[str]:
        """Make the report summaries of archived tickets again where missing, damaged or wrong (a repair)."""

    @abstractmethod
    def raise_archive_numbers(self) -> list[str]:
        """Raise the archive's record of its highest numbers to what it holds (a repair)."""

    def for_child(self) -> "Callable[[], Snapshot]":
        """Called before a fork: what a forked child calls for this same committed state (a report
        tallies half its months in a child). Files opened before the fork serve the child as they
        are; a database connection must not be shared, so a store with one gives a new one."""
        return lambda: self

    def close(self) -> None:
        """Let go of what the snapshot holds (open files, a connection)."""


ORDERS = ("created", "id")  # what Snapshot.listed can give tickets in


class ListAgain(Exception):
    """A listing found midway that it must start again (an index that disagrees with its file, now set aside)."""


def order_key(field: str) -> Callable[[Ticket], tuple]:
    """A ticket's key in `field`'s order (ORDERS): registration time, then number; or number alone."""
    if field == "id":
        return lambda t: number_order(t["id"])
    return lambda t: (instant_order(t["created_at"]), number_order(t["id"]))


def number_order(ticket_id: str) -> tuple:
    """Registration-number order: by prefix, year, then the number as a number."""
    try:
        return split_number(ticket_id)
    except (ValueError, AttributeError):
        return (str(ticket_id), 0, 0)


def instant_order(iso: Any) -> float:
    """An ISO instant's place in time (a malformed one first: its record is refused when read)."""
    try:
        return datetime.fromisoformat(iso).timestamp()
    except (TypeError, ValueError):
        return float("-inf")


def kept(ticket: Ticket, statuses: set[str], since: datetime | None, until: datetime | None, client: Any = None,
         text: Any = None) -> bool:
    """Whether `listed` keeps the ticket (its status, registration time, client and text)."""
    if ticket["status"] not in statuses:
        return False
    if since is not None or until is not None:
        registered = datetime.fromisoformat(ticket["created_at"])
        if (since is not None and registered < since) or (until is not None and registered >= until):
            return False
    return found(ticket, client, text)


def found(ticket: Ticket, client: Any = None, text: Any = None) -> bool:
    """Whether the ticket is of the `client` and says the `text` looked for (search.Needle, None: any)."""
    return (client is None or client.finds_client(ticket.get("client"))) and (text is None or text.finds_text(ticket))


class Store(ABC):
    """Where the tickets live."""

    location: str   # where it is (a path, a URL), for messages
    label: str      # what its everyday part is called in messages ("tickets.json")

    @abstractmethod
    def exists(self) -> bool:
        """Whether there is a store there yet (a sweep must not create one)."""

    @abstractmethod
    def snapshot(self, lenient: bool = False) -> Snapshot:
        """One committed state, for reading. `lenient`: for check (problems of the store's own
        record kept, not raised)."""

    @abstractmethod
    def transaction(self, lenient: bool = False) -> AbstractContextManager[Snapshot]:
        """A block that changes the store: every change commits together when it ends, or none."""

    @abstractmethod
    def summarize(self, ticket: Ticket) -> dict[str, Any]:
        """The compact summary of a closed ticket that reports read."""
