"""Registration numbers in the JSON store: never handed out twice (a mix-in of JsonSnapshot).

The next number is above the store's counter, every number in the store proper and numbers.json,
the archive's note of every number issued or filed: a store proper restored from an older backup,
a counter edited by hand, an import of numbers from elsewhere, none of them reuses a number.
"""

from __future__ import annotations

from edoc_cli.errors import StoreCorrupt, ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.store.jsonfiles.layout import NUMBERS, NUMBERS_FILE, untouched_hint
from edoc_cli.ticket_id import MAX_SEQUENCE, TICKET_ID_RE, sequence_ok, split_number


class Numbers:
    """The numbers part of a JSON snapshot."""

    def next_number(self, prefix: str, year: int) -> str:
        """The next registration number of the year: above every number the store's counter, its open
        tickets and numbers.json have ever held. numbers.json, beside the archive, notes every number
        issued or filed, so a store proper restored from an older backup never hands one out again."""
        key = f"{prefix}-{year}"
        meta = self.meta()
        seq = dict(meta.get("sequences", {}))
        n = max(int(seq.get(key, 0)), self.highest_open(key), self.archive_highest(key)) + 1
        if n > MAX_SEQUENCE:
            raise ValidationFailed(_("nothing was registered: the registration numbers of {key} are used up "
                                     "({key}-{highest} is taken)").format(key=key, highest=MAX_SEQUENCE))
        seq[key] = n
        meta["sequences"] = seq
        self.set_meta(meta)
        number = f"{prefix}-{year}-{n:06d}"
        self._raise_archive_number(number)
        return number

    def bump_sequence(self, ticket_id: str) -> None:
        """Make sure no later registration reuses an imported number."""
        prefix, year, n = split_number(ticket_id)
        meta = self.meta()
        seq = dict(meta.get("sequences", {}))
        key = f"{prefix}-{year}"
        if int(seq.get(key, 0)) < n:
            seq[key] = n
            meta["sequences"] = seq
            self.set_meta(meta)
        self._raise_archive_number(ticket_id)

    def highest_open(self, key: str) -> int:
        """The highest number of `key` ("ED-2026") among the records of the store proper, damaged ones too."""
        highest = 0
        for tid in self._id_map():
            if tid.startswith(key) and TICKET_ID_RE.match(tid):
                prefix, year, n = split_number(tid)
                if f"{prefix}-{year}" == key:
                    highest = max(highest, n)
        return highest

    def archive_highest(self, key: str) -> int:
        """The highest number of `key` the archive has held (numbers.json; for an archive written
        before it, the highest bucket of that key is read once)."""
        numbers = self._archive_numbers()
        if key not in numbers:
            buckets = [n for n in self.bucket_names() if n.startswith(f"{key}-")]
            numbers[key] = max((split_number(tid)[2] for name in buckets[-1:]
                                for tid in self._bucket(name) if TICKET_ID_RE.match(tid)), default=0)
            if numbers[key]:
                self._gaining.add(NUMBERS_FILE)  # the next commit keeps it, so this is read once
        return numbers[key]

    def _archive_numbers(self) -> dict[str, int]:
        if self._numbers is None:
            self._numbers = {}
            for doc in self._read_archive(NUMBERS_FILE, NUMBERS):
                value = doc.get("highest")
                if not sequence_ok(doc["id"], value):
                    raise StoreCorrupt(_("store {path}: {file} holds {value} for {key}; {hint}").format(
                        path=self.path, file=NUMBERS_FILE, value=repr(value)[:20], key=doc["id"][:20],
                        hint=untouched_hint()))
                self._numbers[doc["id"]] = value
        return self._numbers

    def _raise_archive_number(self, ticket_id: str) -> None:
        prefix, year, n = split_number(ticket_id)
        key = f"{prefix}-{year}"
        if n > self.archive_highest(key):
            self._numbers[key] = n
            self._gaining.add(NUMBERS_FILE)

    def issued(self) -> dict[str, int]:
        return dict(self._archive_numbers())
