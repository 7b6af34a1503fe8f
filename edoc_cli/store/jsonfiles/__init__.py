"""The JSON store: TinyDB JSON files in a folder, shared safely by operators and cron.

Layout (schema 2), so that everyday commands read and write only open work:
- `tickets.json`: the store proper: meta (schema, sequences) and the tickets
  not closed. Everyday commands (open, list, show of an open ticket, every
  lifecycle action, sweep) read and write this file only. It is written one
  record a line under a seal (`lined.py`), so that a command that touches one
  ticket decodes and checks that ticket alone.
- `tickets.json.archive/ED-2026-000.json`, ...: closed tickets, whole, in
  buckets of 1000 registration numbers; `show`, `reopen`, `export` and
  `check` find them there.
- `tickets.json.archive/summary-2026-11.json`, ...: a compact per-ticket
  summary of each closed ticket (its final SLA figures), by registration
  month, so a year's report reads a few small files.
- `tickets.json.archive/numbers.json`: the highest registration number the
  archive has ever held, per prefix and year, so that a store proper restored
  from an older backup never hands out a number again.

Writing. Every change is a locked read-modify-write: an exclusive `flock` on a
lock file beside the store, a fresh read, the change, the commit. The archive
files a change rewrites are first written beside their places as
`.NAME.TOKEN.staged`, then the store proper is replaced (temporary file, fsync,
rename) with a note of them in its meta ("staged"): that rename is the commit
point. Before it nothing visible has changed, and a failure or an interrupt
removes what was staged; from it on the change stands: signals are held until
the staged files are renamed into place, a failure after it is reported as
"saved, but ...", never undone, and the next writer finishes any renames a
crash cut short.

Reading. A reader takes no lock: it reads the store proper and opens every
archive file it names, then checks that the store proper is still the file it
read. Writers replace files by renaming new ones in, never by writing in place,
so the open files are one committed state however long the reader takes; if a
commit came in between, the reader starts again. Readers never wait for
writers, and writers never wait for readers.

Rules. A record is read and written under the same rules (`records.record_problems`,
`limits`): a writer refuses to write what a reader would refuse. A damaged
store (unparseable, bad meta) stops every command with exit 7 and is left as
it is; a damaged ticket record is left as it is too, skipped by every command
that reads tickets (each run names it on stderr), refused with exit 7 by a
command addressed to it, and listed by `edoc check`. A writer never overwrites
or removes a ticket it did not read. Under an intact seal every record was
checked when it was written; a seal broken by any byte (a hand edit, an older
edoc) sends the reader back to decoding the whole file and checking each
record it uses, and `edoc check` always does both.
"""
