"""One consistent view of the JSON store, and the changes a transaction makes to it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable, Iterator

from edoc_cli.errors import StoreCorrupt, StoreWriteFailed
from edoc_cli.i18n import _
from edoc_cli.store.base import ListAgain, Snapshot, kept, nonfinite, order_key
from edoc_cli.store.jsonfiles.archive import ArchiveFiles
from edoc_cli.store.jsonfiles import lined
from edoc_cli.store.jsonfiles.lined import Records
from edoc_cli.store.jsonfiles.places import StoreFiles
from edoc_cli.store.jsonfiles.mail_rows import JsonMailRows
from edoc_cli.store.jsonfiles.numbers import Numbers
from edoc_cli.store.jsonfiles.repairs import Repairs
from edoc_cli.store.jsonfiles.layout import (
    ARCHIVED_SCHEMAS, META, NUMBERS, NUMBERS_FILE, SCHEMA_VERSION, SUMMARIES, TICKETS, Encoded, bucket_name,
    bucket_of, bucket_order, meta_problems, order_of, order_of_id, plain, schema_of, summary_month, untouched_hint,
)
from edoc_cli.ticket import ACTIVE
from edoc_cli.ticket_rules import RULES_VERSION, SUSPECT_ESCAPE, record_problems



class JsonSnapshot(Numbers, Repairs, JsonMailRows, Snapshot):
    """One consistent view of the store: the store proper's tables (`data`; its tickets decoded as they
    are asked for: lined.py), the archive on demand."""

    def __init__(self, data: dict[str, Any], store: StoreFiles, files: ArchiveFiles,
                 meta_problems: list[str] | None = None, exact: bool = False, raw: bytes | None = None):
        """`exact`: archive files are parsed refusing keys given twice (writers, check); `raw`: the store
        proper's bytes, whose NUL or surrogate escapes make every record's texts be checked."""
        self.store = store
        self.path = store.path
        self.files = files
        self.meta_problems = meta_problems or []  # only a lenient read (edoc check) keeps them
        self.data = data
        if not isinstance(data.get(TICKETS), Records):
            data[TICKETS] = Records(data.get(TICKETS, {}))
        self.tickets: Records = data[TICKETS]
        self.changed = False
        self.exact = exact
        # whether texts must be checked: a NUL or a surrogate escaped in what is read (once an archive file
        # read has one, too); a sealed file's records were checked whole when they were written
        self.texts_suspect = bool(raw and not self.tickets.sealed and SUSPECT_ESCAPE.search(raw))
        self.damaged: dict[str, str] = {}                           # record -> its first problem
        self._sound: set[str] = set()                              # doc ids of records that passed
        self._archive: dict[str, dict[str, dict[str, Any]]] = {}   # file -> {id: ticket}
        self._summaries: dict[str, dict[str, dict[str, Any]]] = {}  # file -> {id: summary}
        self._leaving: dict[str, dict[str, dict[str, Any]]] = {}    # file -> {id: doc moved out}
        self._gaining: set[str] = set()
        self._known_in_archive: set[str] = set()  # archived tickets this snapshot read or put there
        self._numbers: dict[str, int] | None = None  # the archive's highest numbers, read on demand
        self._ids: dict[str, int] | None = None  # ticket id -> TinyDB doc id in the store proper

    @property
    def archived(self) -> bool:
        """Schema 2: closed tickets live in the archive (a schema 1 store keeps all in one file)."""
        return schema_of(self.data) in ARCHIVED_SCHEMAS  # read directly: asked once a ticket on an import

    def close(self) -> None:
        self.files.close()

    # -- meta ----------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        doc = self.data.get(META, {}).get("1")
        return dict(doc) if doc else {"schema_version": SCHEMA_VERSION, "sequences": {}}

    def set_meta(self, meta: dict[str, Any]) -> None:
        problems = meta_problems(meta)
        if problems:  # never write what a reader would refuse
            raise StoreWriteFailed(_("refusing to write the store's meta: {problem}; nothing was changed").format(
                problem=problems[0]))
        self.changed = True
        self.data.setdefault(META, {})["1"] = dict(meta)

    def encoded(self) -> list[bytes]:
        """The store proper's bytes to commit: one record a line, sealed if every ticket is sound (lined.py).
        A record not checked yet (the file was read without a seal) is checked now, quietly."""
        def sound(doc_id: str) -> bool:
            return (doc_id in self._sound or self.tickets.unchanged(doc_id)
                    or not record_problems(self.tickets[doc_id], not self.texts_suspect))
        return lined.write(self.data, RULES_VERSION, sound)

    # -- tickets in the store proper ---------------------------------------------
    def _id_map(self) -> dict[str, int]:
        if self._ids is None and self.tickets.ids is not None:
            self._ids = dict(self.tickets.ids)
        if self._ids is None:
            self._ids = {}
            for doc_id, doc in self.tickets.items():
                tid = doc.get("id") if isinstance(doc, dict) else None
                if isinstance(tid, str):
                    self._ids[tid] = int(doc_id)
        return self._ids

    def _doc_id(self, ticket_id: str) -> int | None:
        return self._id_map().get(ticket_id)

    def _passes(self, doc_id: str, doc: Any) -> bool:
        """Whether a record of the store proper is sound; a damaged one is noted (and told once)."""
        if doc_id in self._sound or self.tickets.unchanged(doc_id):
            return True
        problems = record_problems(doc, not self.texts_suspect)
        if problems:
            self.note_damage(record_name(doc, doc_id), problems[0])
            return False
        self._sound.add(doc_id)
        return True

    def pending_tickets(self) -> list[dict[str, Any]]:
        """Every sound ticket in the store proper (in a schema 1 store: closed ones too)."""
        return [_copy(doc) for doc_id, doc in self.tickets.items() if self._passes(doc_id, doc)]

    def pending_records(self) -> list[Any]:
        """Every record of the store proper as it is, damaged ones too (check, export)."""
        return [dict(doc) if isinstance(doc, dict) else doc for doc in self.tickets.values()]

    def active_tickets(self) -> list[dict[str, Any]]:
        """The tickets not closed: what everyday commands work on."""
        return [t for t in self.pending_tickets() if t.get("status") != "closed"]

    # -- every ticket ------------------------------------------------------------
    def get(self, ticket_id: str) -> dict[str, Any] | None:
        """The ticket, or None; a damaged record of it is refused (exit 7), never half used."""
        doc_id = self._doc_id(ticket_id)
        if doc_id is not None:
            doc = self.tickets[str(doc_id)]
            if not self._passes(str(doc_id), doc):
                raise self.damaged_error(ticket_id, self.damaged.get(ticket_id, "?"))
            return _copy(doc)
        name = bucket_name(ticket_id)
        if name is None:
            return None
        found = self._bucket(name).get(ticket_id)
        if found is None:
            return None
        ticket = _copy(plain(found))
        problems = record_problems(ticket, not self.texts_suspect)
        if problems:
            self.note_damage(ticket_id, problems[0])
            raise self.damaged_error(ticket_id, self.damaged.get(ticket_id, "?"))
        self._known_in_archive.add(ticket_id)
        return ticket

    def holds(self, ticket_id: str) -> bool:
        """Whether the number is in the store, open or archived, sound or not (`get` without the copy)."""
        if self._doc_id(ticket_id) is not None:
            return True
        name = bucket_name(ticket_id)
        return name is not None and self._archived(name, ticket_id)

    def _archived(self, name: str, ticket_id: str) -> bool:
        """Whether archive bucket `name` holds the number; decoded (a thousand closed tickets) only when
        its bytes may: not as edoc writes a bucket, naming the number, or escaping a character."""
        if name not in self._archive:
            raw, _path = self.files.raw(name)
            if raw is None or (raw.startswith(b'{"tickets":{') and ticket_id.encode() not in raw
                               and b"\\u" not in raw):
                return False
        return ticket_id in self._bucket(name)

    def iter_all_tickets(self, sound_only: bool = True) -> Iterator[dict[str, Any]]:
        """Every ticket in registration-number order, one archive bucket in memory at a time.

        `sound_only`: damaged records are skipped (and noted); otherwise every record comes as it is.
        """
        import heapq

        pending = sorted(self.pending_tickets() if sound_only else self.pending_records(), key=order_of)
        in_store = set(self._id_map())

        def archived() -> Iterator[dict[str, Any]]:
            for name in self.bucket_names():
                if sound_only:
                    yield from self._bucket_tickets(name, in_store)
                    continue
                tickets = self._bucket(name, keep=False)
                yield from (plain(tickets[tid]) for tid in sorted(tickets, key=order_of_id) if tid not in in_store)

        yield from heapq.merge(pending, archived(), key=order_of)

    def listed(self, statuses: Iterable[str], category: str | None = None, level: str | None = None,
               assignee: str | None = None, priority: str | None = None, since: datetime | None = None,
               until: datetime | None = None, client: Any = None, text: Any = None,
               order: tuple[str, bool] | None = None) -> Iterator[dict[str, Any]]:
        """As every store lists; a search of closed tickets reads of the archive only the tickets its
        index names (finder.py), in `order` as it goes (only those taken are read)."""
        statuses = set(statuses)
        needle = text or client
        if needle is None or statuses <= set(ACTIVE) or not self.archived:
            yield from super().listed(statuses, category, level, assignee, priority, since, until, client, text, order)
            return
        from edoc_cli.store.jsonfiles import finder  # a search of closed tickets' only

        key = order_key(order[0] if order else "id")
        read: list[dict[str, Any]] = []  # tickets read whole (open ones, and buckets without an index)

        def entries(tickets: Iterable[dict[str, Any]]) -> list[bytes]:
            start, _ = len(read), read.extend(tickets)
            return [finder.entry(key(t), finder.IN_MEMORY, i) for i, t in enumerate(read[start:], start)]
        found = entries(self.pending_tickets())
        in_store = set(self._id_map())
        folder = None if getattr(self.store, "index_set_aside", False) else finder.cache_folder(self.store.archive_dir)
        names = self.bucket_names()
        for slot, name in enumerate(names):
            stat = None if folder is None or name in self._archive else self.files.stat(name)
            places = stat and finder.candidates(folder, name, stat, lambda: self.files.raw(name)[0],
                                                needle.index_bytes())
            if places is None:
                found += entries(self._bucket_tickets(name, in_store))
                continue
            found += [finder.entry(key({"id": tid, "created_at": created}), slot, offset, length)
                      for tid, offset, length, created in places if tid not in in_store]
        if order:
            found.sort(reverse=order[1])
        for packed in found:
            slot, offset, length = finder.place(packed)
            ticket = read[offset] if slot == finder.IN_MEMORY else self._indexed(names[slot], packed, key)
            if ticket is not None and kept(ticket, statuses, since, until, client, text):
                yield ticket

    def _indexed(self, name: str, packed: bytes, key) -> dict[str, Any] | None:
        """The ticket an index entry places in bucket `name`, if sound (None: damaged, and noted); ListAgain
        when the bucket holds another there (the store's indexes are then set aside for this run)."""
        from edoc_cli.store.jsonfiles import finder

        slot, offset, length = finder.place(packed)
        chunk = self.files.read_at(name, offset, length)
        try:  # the same number (and time) as the index says, or the index is set aside
            ticket = json.loads(chunk, parse_constant=nonfinite)
            same = finder.entry(key(ticket), slot, offset, length) == packed
        except (ValueError, TypeError, KeyError, AttributeError):
            ticket, same = None, False
        if not same:
            self.store.index_set_aside = True
            raise ListAgain(name)
        problems = record_problems(ticket, not (self.texts_suspect or SUSPECT_ESCAPE.search(chunk)))
        if problems:
            self.note_damage(str(ticket["id"])[:40], problems[0])
            return None
        return ticket

    def _bucket_tickets(self, name: str, in_store: set[str] = frozenset()) -> Iterator[dict[str, Any]]:
        """The sound tickets of one archive bucket but those `in_store` (damaged records noted)."""
        tickets = self._bucket(name, keep=False)
        for tid in sorted(tickets, key=order_of_id):
            if tid in in_store:
                continue
            ticket = plain(tickets[tid])
            problems = record_problems(ticket, not self.texts_suspect)
            if problems:
                self.note_damage(tid, problems[0])
                continue
            yield ticket

    def archive_place(self, ticket_id: str) -> str:
        return bucket_name(ticket_id) or "?"

    def in_both_places(self) -> list[tuple[str, str]]:
        """(number, archive file) of every number held both by the store proper and by the archive (a
        store proper restored from an older backup, or a hand edit): readers see the store proper's
        copy; writers refuse them."""
        found = []
        ids = self._id_map()
        for name in self.bucket_names():
            found += [(tid, name) for tid in self._bucket(name, keep=False) if tid in ids]
        return sorted(found, key=lambda pair: order_of_id(pair[0]))

    def bucket_names(self) -> list[str]:
        """The archive buckets, those only staged so far included."""
        return sorted((n for n in self.files.names() if not n.startswith("summary-") and n != NUMBERS_FILE),
                      key=bucket_order)

    def summary_months(self) -> list[str]:
        return sorted(n[len("summary-"):-len(".json")] for n in self.files.names() if n.startswith("summary-"))

    def _read_archive(self, name: str, table: str) -> list[dict[str, Any]]:
        raw, path = self.files.raw(name)
        if raw is None:
            return []
        if not self.texts_suspect and SUSPECT_ESCAPE.search(raw):
            self.texts_suspect = True
        return self.store.archive_docs(raw, path, table, self.exact)

    def summaries(self, months: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Summaries of archived tickets registered in these months ("2026-11"), stale ones skipped."""
        in_store = set(self._id_map())
        for month in months:
            name = f"summary-{month}.json"
            # Read one month at a time and let it go: a year of summaries never sits in memory whole.
            rows = (self._summaries[name].values() if name in self._summaries
                    else self._read_archive(name, SUMMARIES))
            for row in map(plain, rows):
                if not (isinstance(row, dict) and row.get("id") in in_store):
                    yield row  # a damaged row too: the report refuses it, check lists it

    def all_ids(self) -> Iterator[str]:
        """Every registration number in the store, open or archived, damaged records' too."""
        yield from list(self._id_map())
        for name in self.bucket_names():
            yield from self._bucket(name, keep=False)

    # -- changes -----------------------------------------------------------------
    def take_into_archive(self, ticket: dict[str, Any]) -> None:
        """Archive a closed ticket this snapshot holds as its only copy (a schema 1 store's migration)."""
        self._known_in_archive.add(ticket["id"])
        self.put(ticket)

    def insert_new(self, tickets: list[dict[str, Any]]) -> None:
        """Add tickets new to the store and not closed, at once (TinyDB rewrites its table per insert)."""
        if any(t["status"] == "closed" or self.holds(t["id"]) for t in tickets):
            for ticket in tickets:
                self.put(ticket)
            return
        for ticket in tickets:
            _refuse_unreadable(ticket)
        if tickets:
            self.changed = True
            ids = self._id_map()
            for ticket in tickets:
                doc_id = self.tickets.add(dict(ticket))
                ids[ticket["id"]] = doc_id
                self._sound.add(str(doc_id))

    def put(self, ticket: dict[str, Any]) -> None:
        """Store the ticket where it belongs: open ones in the store proper, closed ones archived.

        Refused: a record a reader would refuse, and a ticket whose number the archive holds in a
        copy this snapshot never read (it would be overwritten or removed unseen).
        """
        _refuse_unreadable(ticket)
        tid = ticket["id"]
        doc_id = self._doc_id(tid)
        name = bucket_name(tid)
        in_archive = name is not None and self._archived(name, tid)
        if in_archive and tid not in self._known_in_archive:
            raise StoreCorrupt(_(
                "{id} is both in {store} and in its archive, or its number was taken again: "
                "nothing was changed; 'edoc check' explains, 'edoc check --repair' keeps the later copy"
            ).format(id=tid, store=self.path.name))
        self.changed = True
        if ticket["status"] == "closed" and self.archived and name is not None:
            if doc_id is not None:
                del self.tickets[str(doc_id)]
                del self._ids[tid]
            self._gain(self._bucket(name), name, tid, ticket)
            month = summary_month(ticket["created_at"])
            self._gain(self._summary_file(month), month, tid, self.store.summarize(ticket))
            return
        if doc_id is None:
            doc_id = self.tickets.add(dict(ticket))
            self._id_map()[tid] = doc_id
        else:
            self.tickets[str(doc_id)] = dict(ticket)
        self._sound.add(str(doc_id))
        if in_archive:  # a reopened ticket leaves the archive
            self._lose(self._bucket(name), name, tid)
            month = summary_month(ticket["created_at"])  # never changes in a ticket's life
            if tid in self._summary_file(month):
                self._lose(self._summary_file(month), month, tid)

    def put_encoded(self, ticket_id: str, created_at: str, text: str, summary: str) -> None:
        """File a closed ticket new to the store that arrives encoded, with its encoded summary (an import;
        its record was checked by the same rules when it was read)."""
        order = order_of_id(ticket_id)  # (prefix, year, number, "") of a registration number
        if order[3] or not self.archived or self._doc_id(ticket_id) is not None:
            self.put(json.loads(text, parse_constant=nonfinite))
            return
        self.changed = True
        name = bucket_of(*order[:3])
        self._gain(self._bucket(name), name, ticket_id, Encoded(ticket_id, text, order))
        month = summary_month(created_at)
        self._gain(self._summary_file(month), month, ticket_id, Encoded(ticket_id, summary, order))

    def _gain(self, docs: dict[str, Any], name: str, tid: str, doc: dict[str, Any]) -> None:
        docs[tid] = doc
        self._gaining.add(name)
        if not name.startswith("summary-"):
            self._known_in_archive.add(tid)
            self._raise_archive_number(tid)

    def _lose(self, docs: dict[str, Any], name: str, tid: str) -> None:
        self._leaving.setdefault(name, {})[tid] = docs.pop(tid)

    def _bucket(self, name: str, keep: bool = True) -> dict[str, dict[str, Any]]:
        if name in self._archive:
            return self._archive[name]
        docs = self._keyed(name, TICKETS)
        if keep:
            self._archive[name] = docs
        return docs

    def _summary_file(self, name: str) -> dict[str, dict[str, Any]]:
        if name not in self._summaries:
            self._summaries[name] = self._keyed(name, SUMMARIES)
        return self._summaries[name]

    def _keyed(self, name: str, table: str) -> dict[str, Any]:
        """An archive file's records by number; a record without one under "#N" (kept, never matched).
        A number twice in one file is refused: rewriting the file would keep only one of the two."""
        docs: dict[str, Any] = {}
        for i, doc in enumerate(self._read_archive(name, table), 1):
            tid = doc.get("id") if isinstance(doc, dict) else None
            key = tid if isinstance(tid, str) and tid and not tid.startswith("#") else f"#{i}"
            if key in docs:
                raise StoreCorrupt(_("store {path} holds {id} twice; {hint}").format(
                    path=self.store.archive_dir / name, id=key[:40], hint=untouched_hint()))
            docs[key] = doc
        return docs

    def archive_writes(self) -> list[tuple[str, str, list]]:
        """(file, table, documents) of every archive file this change rewrites."""
        writes = []
        for name in sorted(self._gaining | set(self._leaving)):
            if name == NUMBERS_FILE:
                docs = [{"id": key, "highest": n} for key, n in sorted(self._archive_numbers().items())]
                writes.append((name, NUMBERS, docs))
            elif name in self._archive:
                writes.append((name, TICKETS, list(self._archive[name].values())))
            else:
                writes.append((name, SUMMARIES, list(self._summaries[name].values())))
        return writes


def record_name(doc: Any, doc_id: str) -> str:
    tid = doc.get("id") if isinstance(doc, dict) else None
    return tid[:40] if isinstance(tid, str) and tid else f"#{doc_id}"


def _copy(doc: dict[str, Any]) -> dict[str, Any]:
    """A ticket to change: its history a list of its own, so that a change a command does not
    complete never reaches the snapshot's data (events themselves are never changed)."""
    ticket = dict(doc)
    if isinstance(ticket.get("history"), list):
        ticket["history"] = list(ticket["history"])
    return ticket


def _refuse_unreadable(ticket: dict[str, Any]) -> None:
    """The writer's side of the one set of rules: a record a reader would refuse is never written."""
    problems = record_problems(ticket, texts_checked=False)  # one record: its texts too
    if problems:
        raise StoreWriteFailed(_("refusing to write {id}: {problem}; nothing was changed").format(
            id=record_name(ticket, "?"), problem=problems[0]))

