"""Finding tickets by what a person remembers of them: the client (a name, an IIN or BIN, a phone, an
e-mail, an organisation) or any text of the ticket.

One matcher serves `edoc search TEXT`, `list --client` and `list --text`, on every store (a store may
pick candidates by index first; this is the rule that decides):

- letters match whatever their case (Unicode case folding, so Cyrillic and Kazakh letters too), and
  ё matches е;
- a text of digits (with the spaces, brackets, dashes and "+" people type them with) also matches an
  IIN, a BIN or a phone by its digits: "900101 301233" finds IIN 900101301233, and
  "+7 701 123 45 67", "87011234567" and "7011234567" all find the phone edoc stored as +77011234567
  (rules.identity.normalize_phone, the rule registration applies);
- everything else is matched literally: no pattern characters (`*`, `%`, `_`, `\\`, regex syntax).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from edoc_cli.errors import UsageError
from edoc_cli.i18n import _
from edoc_cli.rules.identity import normalize_phone
from edoc_cli.safe_text import control_problem

MAX_NEEDLE = 200  # characters: a name, a number, a phrase from a message; more is a paste gone wrong
CLIENT_FIELDS = ("name", "iin", "bin", "login", "email", "phone", "organization")
_NUMBER = re.compile(r"[0-9 +()\-]*[0-9][0-9 +()\-]*")  # digits as people type a number


def fold(text: str) -> str:
    """Text as the matcher compares it: case folded, ё as е."""
    return text.casefold().replace("ё", "е")


@dataclass(frozen=True)
class Needle:
    """What a person typed to find tickets, ready to compare."""

    text: str                 # as typed (trimmed), for messages
    folded: str               # fold(text)
    digits: tuple[str, ...]   # digit strings that find an IIN, a BIN or a phone (empty: not a number)

    @classmethod
    def parse(cls, typed: str, field: str) -> "Needle":
        """A needle from what a person typed; usage errors name `field`."""
        why = control_problem(typed, multiline=False)
        if why:
            raise UsageError(_("{flag} {problem}"), fields={"flag": field}, problem=why)
        text = typed.strip()
        if not text:
            raise UsageError(_("{flag}: the text to find is empty"), fields={"flag": field})
        if len(text) > MAX_NEEDLE:
            raise UsageError(_("{flag} is longer than {limit} characters"), fields={"flag": field},
                             limit=MAX_NEEDLE)
        digits: tuple[str, ...] = ()
        if _NUMBER.fullmatch(text):
            plain = re.sub(r"\D", "", text)
            phone = normalize_phone(text)[1:]  # 8 701 ... and 701 ... as edoc stores them: 7701...
            digits = tuple(dict.fromkeys((plain, phone)))
        return cls(text, fold(text), digits)

    def finds_client(self, client: Any) -> bool:
        """Whether the client (a ticket's `client`) is the one looked for."""
        if not isinstance(client, dict):
            return False
        for key in CLIENT_FIELDS:
            value = client.get(key)
            if not isinstance(value, str) or not value:
                continue
            if self.folded in fold(value):
                return True
            if self.digits and key in ("iin", "bin", "phone"):
                stored = re.sub(r"\D", "", value)
                if any(d in stored for d in self.digits):
                    return True
        return False

    def finds_text(self, ticket: dict[str, Any]) -> bool:
        """Whether the ticket says it anywhere a person wrote: its client, subject, description or a
        message of its history."""
        if self.finds_client(ticket.get("client")):
            return True
        return any(self.folded in fold(text) for text in _texts(ticket))


    def index_bytes(self) -> list[bytes]:
        """What an index of index_text() lines must hold (UTF-8) for a ticket to be a candidate."""
        return [self.folded.encode("utf-8"), *(d.encode("ascii") for d in self.digits)]


SEPARATOR = "\x1f"  # between the fields of index_text: a needle (never a control character) spans none


def index_text(ticket: Any) -> str:
    """All that the matcher compares, folded, as one line: a store's index of candidates. A ticket the
    matcher finds holds the needle's folded text or one of its digit strings here (Needle.index_bytes)."""
    if not isinstance(ticket, dict):
        return ""
    client = ticket.get("client") if isinstance(ticket.get("client"), dict) else {}
    parts = [fold(v) for v in (client.get(k) for k in CLIENT_FIELDS) if isinstance(v, str)]
    parts += [re.sub(r"\D", "", v) for v in (client.get(k) for k in ("iin", "bin", "phone")) if isinstance(v, str)]
    parts += [fold(t) for t in _texts(ticket)]
    return SEPARATOR.join(parts).replace("\n", SEPARATOR).replace("\r", SEPARATOR)


def _texts(ticket: dict[str, Any]) -> Iterator[str]:
    for key in ("subject", "description"):
        if isinstance(ticket.get(key), str):
            yield ticket[key]
    for event in ticket.get("history") or ():
        if isinstance(event, dict):
            if isinstance(event.get("message"), str):
                yield event["message"]
