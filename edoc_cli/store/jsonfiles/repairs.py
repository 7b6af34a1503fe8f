"""What `edoc check --repair` may change in a JSON snapshot: a mix-in of JsonSnapshot."""

from __future__ import annotations

from edoc_cli.i18n import _
from edoc_cli.store.jsonfiles.layout import NUMBERS_FILE, plain, summary_month
from edoc_cli.ticket_id import TICKET_ID_RE, split_number


class Repairs:
    """Repairs that need no judgement (the rest is a person's: damaged records, lost files)."""

    def keep_later_copy(self, tid: str, name: str) -> str:
        """Of a ticket held both by the store proper and by the archive, keep the copy whose history
        extends the other's; copies that differ otherwise are left as they are (for a person)."""
        doc_id = self._doc_id(tid)
        mine = self.tickets[str(doc_id)]
        theirs = plain(self._bucket(name)[tid])
        ours, archived = mine.get("history"), theirs.get("history")
        if not isinstance(ours, list) or not isinstance(archived, list):
            return _("{id}: a copy has no history; left for a person to compare").format(id=tid)
        self.changed = True
        if archived[:len(ours)] == ours:
            del self.tickets[str(doc_id)]
            del self._ids[tid]
            return _("{id}: the archive's copy is the later one ({count} events): the older copy in {store} "
                     "is removed").format(id=tid, count=len(archived), store=self.path.name)
        if ours[:len(archived)] == archived:
            self._lose(self._bucket(name), name, tid)
            month = summary_month(str(theirs.get("created_at", "")))
            if tid in self._summary_file(month):
                self._lose(self._summary_file(month), month, tid)
            return _("{id}: the copy in {store} is the later one ({count} events): the archive's older copy "
                     "is removed").format(id=tid, count=len(ours), store=self.path.name)
        self.changed = bool(self._leaving or self._gaining)
        return _("{id}: the two copies' histories differ; left for a person to compare ('edoc export' shows "
                 "the copy in {store})").format(id=tid, store=self.path.name)

    def raise_archive_numbers(self) -> list[str]:
        """numbers.json raised to every number the archive holds."""
        highest: dict[str, int] = {}
        for name in self.bucket_names():
            for tid in self._bucket(name, keep=False):
                if TICKET_ID_RE.match(tid):
                    prefix, year, n = split_number(tid)
                    highest[f"{prefix}-{year}"] = max(highest.get(f"{prefix}-{year}", 0), n)
        numbers = self._archive_numbers()
        done = []
        for key, n in sorted(highest.items()):
            if numbers.get(key, 0) < n:
                done.append(_("archive: numbers.json for {key} raised from {old} to {new}").format(
                    key=key, old=numbers.get(key, 0), new=n))
                numbers[key] = n
                self._gaining.add(NUMBERS_FILE)
                self.changed = True
        return done

    def rebuild_summaries(self) -> list[str]:
        """The report summary of every sound archived ticket made again where it is missing, damaged
        or differs from a replay; a summary row that names no ticket is dropped."""
        from edoc_cli.ticket_rules import record_problems

        done = []
        for name in self.bucket_names():
            for tid, doc in self._bucket(name, keep=False).items():
                if tid.startswith("#") or tid in self._id_map():
                    continue
                ticket = plain(doc)
                if record_problems(ticket, not self.texts_suspect):
                    continue  # a damaged record: a person's to repair
                month = summary_month(ticket["created_at"])
                summary = self.store.summarize(ticket)
                rows = self._summary_file(month)
                if rows.get(tid) != summary:
                    done.append(_("{id}: its report summary is made again from its history").format(id=tid))
                    self._gain(rows, month, tid, summary)
                    self.changed = True
        for month in [f"summary-{m}.json" for m in self.summary_months()]:
            rows = self._summary_file(month)
            for key in [k for k in rows if k.startswith("#")]:
                self._lose(rows, month, key)
                self.changed = True
                done.append(_("{file}: a summary row that names no ticket is removed").format(file=month))
        return done

