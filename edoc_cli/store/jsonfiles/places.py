"""Where the JSON store's files are, and how one is read: the store proper, the archive's files,
their staged copies; parsing and the schema check. Shared by the store, its snapshots and the
archive reader, so none of them needs the others."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any, Callable

from edoc_cli.errors import StoreCorrupt, os_reason
from edoc_cli.i18n import _
from edoc_cli.store.base import nonfinite
from edoc_cli.store.jsonfiles import lined
from edoc_cli.store.jsonfiles.files import check_folder, open_for_reading
from edoc_cli.store.jsonfiles.layout import (
    ARCHIVE_NAME_RE, META, SCHEMA_VERSION, SCHEMAS_READ, STAGED, TICKETS, TOKEN_RE, DuplicateKey, meta_problems,
    no_duplicate_keys, untouched_hint,
)
from edoc_cli.ticket_rules import RULES_VERSION


class StoreFiles:
    """The files of one JSON store, by name, and the reading of any of them."""

    def __init__(self, path: Path, summarize: Callable[[dict[str, Any]], dict[str, Any]] | None = None):
        self.path = Path(os.path.realpath(path))
        self.location = str(self.path)
        self.label = self.path.name
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.archive_dir = self.path.with_name(self.path.name + ".archive")
        self._summarize = summarize
        self._tmp_re = re.compile(rf"^\.{re.escape(self.path.name)}\.{TOKEN_RE}\.tmp$")

    def summarize(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """The compact summary kept beside an archived ticket (for reports)."""
        if self._summarize is None:
            return {"id": ticket["id"], "created_at": ticket["created_at"]}
        return self._summarize(ticket)

    # -- the archive -------------------------------------------------------------
    def archive_names(self) -> list[str]:
        """The archive files in place (buckets, summaries, numbers.json)."""
        try:
            names = os.listdir(self.archive_dir)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreCorrupt(_("store {path} cannot be read: {reason}; check {where}"), fields={"where": "store"},
                               path=self.archive_dir, reason=os_reason(exc)) from None
        return [n for n in names if ARCHIVE_NAME_RE.match(n)]

    def staged_files(self, meta: dict[str, Any]) -> dict[str, Path]:
        """The archive files noted as staged in the store proper's meta: name -> staged copy.

        A malformed note (hand-edited) names no file: only archive names and a hex token are taken.
        """
        note = meta.get(STAGED) if isinstance(meta, dict) else None
        if not isinstance(note, dict) or not isinstance(note.get("token"), str) \
                or not re.fullmatch(TOKEN_RE, note["token"]) or not isinstance(note.get("files"), list):
            return {}
        return {name: self.staged_path(name, note["token"]) for name in note["files"]
                if isinstance(name, str) and ARCHIVE_NAME_RE.match(name)}

    def staged_path(self, name: str, token: str) -> Path:
        return self.archive_dir / f".{name}.{token}.staged"

    def archive_docs(self, raw: bytes, path: Path, table: str, exact: bool = False) -> list[Any]:
        """The documents of one archive file's bytes, as they are (a damaged one too: the reader
        skips it, a writer keeps it); StoreCorrupt naming `path` if the file is not a store file."""
        return list(self.parse(raw, path, exact).get(table, {}).values())

    # -- reading -------------------------------------------------------------
    def decode(self, raw: bytes | None, lenient: bool = False, exact: bool = False) -> tuple[dict, list[str]]:
        """The store proper's tables from its bytes (None: no store yet), and its meta's problems
        (raised as StoreCorrupt unless `lenient`). Under an intact seal (lined.py) the tickets stay
        undecoded until asked for; otherwise the whole file is decoded, as `parse` says."""
        if raw is None:
            return {META: {"1": {"schema_version": SCHEMA_VERSION, "sequences": {}}}, TICKETS: {}}, []
        data = None if lenient else lined.read(raw, RULES_VERSION)  # check reads every byte, always
        if data is None:
            data = self.parse(raw, exact=exact)
        return data, self.check_meta(data, lenient)

    def check_meta(self, data: dict[str, Any], lenient: bool = False) -> list[str]:
        """The meta record's problems (raised as StoreCorrupt unless `lenient`), its schema checked."""
        self.check_schema(data)
        problems = meta_problems(data[META]["1"])
        if problems and not lenient:
            raise StoreCorrupt(_("store {path}: {problem}; {hint}").format(
                path=self.path, problem=problems[0],
                hint=_("it was left untouched; 'edoc check --repair' or a hand edit mends it")))
        return problems

    def refuse_odd_file(self) -> None:
        """A store is a regular file: --store /dev/zero must not be read forever, nor get a lock beside it."""
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            return  # missing (a new store) or unreadable: reading says which
        if stat.S_ISDIR(mode):
            raise StoreCorrupt(_("store {path} is a directory, not a file").format(path=self.path))
        if not stat.S_ISREG(mode):
            raise StoreCorrupt(_("store {path} is not a regular file; check {where}"), fields={"where": "store"},
                               path=self.path)

    def open_proper(self) -> int | None:
        self.refuse_odd_file()
        check_folder(self.path.parent)
        try:
            return open_for_reading(self.path)
        except StoreCorrupt:
            if not os.access(self.path, os.R_OK) and os.path.exists(self.path):
                raise StoreCorrupt(_("store {path} cannot be read: permission denied").format(
                    path=self.path)) from None
            raise

    def parse(self, raw: bytes, path: Path | None = None, exact: bool = False) -> dict[str, Any]:
        """The JSON tables of a store file, or StoreCorrupt naming `path` (default: the store).

        `exact` (writers and check): a key given twice in one object is refused: JSON keeps the
        last, and a writer would then drop the record it never saw. It costs a fifth more time to
        parse, so a reader, which can lose nothing, does without (a hand edit makes such a file,
        and check finds it). A record inside a table may be anything: a damaged record is the
        record rules' business (skipped by readers, kept by writers), not the file's.
        """
        hint = untouched_hint()
        path = path or self.path
        if not raw.strip():
            raise StoreCorrupt(_("store {path} is empty (truncated?); {hint}").format(path=path, hint=hint))
        try:
            text = raw.decode("utf-8")
            data = (json.loads(text, object_pairs_hook=no_duplicate_keys, parse_constant=nonfinite) if exact
                    else json.loads(text, parse_constant=nonfinite))
        except UnicodeDecodeError:
            raise StoreCorrupt(_("store {path} is not UTF-8 text; {hint}").format(path=path, hint=hint)) from None
        except DuplicateKey as exc:
            raise StoreCorrupt(_("store {path} gives the key {key} twice in one object (one of them would be "
                                 "lost); {hint}").format(path=path, key=repr(str(exc))[:40], hint=hint)) from None
        except RecursionError:
            raise StoreCorrupt(_("store {path} is nested too deep to be a store; {hint}").format(
                path=path, hint=hint)) from None
        except ValueError as exc:  # JSONDecodeError, or an integer of thousands of digits
            line, column = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else ("?", "?")
            raise StoreCorrupt(_("store {path} is not valid JSON (line {line}, column {column}); {hint}").format(
                path=path, line=line, column=column, hint=hint)) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StoreCorrupt(_("store {path} is not a TinyDB file of tables; {hint}").format(
                path=path, hint=hint))
        for table in data.values():
            for doc_id in table:
                if not (doc_id.isascii() and doc_id.isdigit()) or doc_id != str(int(doc_id)):  # "01": a hand edit
                    raise StoreCorrupt(_("store {path} has a malformed record {record}; {hint}").format(
                        path=path, record=repr(doc_id)[:40], hint=hint))
        return data

    def check_schema(self, data: dict[str, Any]) -> None:
        meta = data.get(META, {}).get("1")
        version = meta.get("schema_version") if isinstance(meta, dict) else None
        if type(version) is not int or version not in SCHEMAS_READ:
            if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
                raise StoreCorrupt(_(
                    "store {path} has schema version {version}, newer than this edoc "
                    "understands ({supported}); upgrade edoc"
                ).format(path=self.path, version=version, supported=SCHEMA_VERSION))
            raise StoreCorrupt(_("store {path} has no valid schema version (expected {expected})").format(
                path=self.path, expected=SCHEMA_VERSION))
        data.setdefault(TICKETS, {})
