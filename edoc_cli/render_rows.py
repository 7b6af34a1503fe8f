"""Tickets as CSV or TSV for scripts and spreadsheets: one header row of the JSON keys, one row a
ticket, every cell one value whatever it holds.

- Text that came from people loses its terminal control sequences (safe_text.for_terminal), as
  everywhere edoc prints it.
- CSV quotes as RFC 4180 says (a comma, a quote or a line break inside a quoted cell). TSV has no
  quoting, so a tab, a line break and the backslash are written as \\t, \\n and \\\\ (the escapes of
  PostgreSQL's COPY text format, which most TSV readers know): one line is always one ticket.
- A cell that a spreadsheet would run as a formula (it starts with = + - @, a tab or a line break)
  gets a leading ' (OWASP's advice for CSV injection): these files are opened in spreadsheets as often
  as they are read by scripts, and a client's name or subject is the client's to choose. A phone's
  "+" is guarded too: a spreadsheet would take +77011234567 for a formula or a number. Scripts that
  need every value exactly as stored read --json.
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

from edoc_cli.safe_text import for_terminal

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

# The columns of `list`/`search --format csv|tsv`: the ticket JSON's keys (client.* inside `client`;
# due_at: the nearest unmet deadline of the two targets; breached: the targets breached, by name).
TICKET_KEYS = ("id", "status", "category", "channel", "sla_level", "priority", "assignee", "client.name",
               "client.iin", "client.bin", "client.email", "client.phone", "client.organization", "created_at",
               "due_at", "breached", "subject")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix with ')."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def ticket_record(view: dict[str, Any]) -> list[Any]:
    """A viewed ticket's cells, in TICKET_KEYS' order."""
    from edoc_cli.sla import next_due

    client = view.get("client") or {}
    sla = view["sla"]
    breached = ",".join(n for n in ("first_response", "resolution") if sla[n]["breached"])
    return [view["id"], view["status"], view["category"], view["channel"], view["sla_level"], view.get("priority"),
            view.get("assignee"), *(client.get(k) for k in ("name", "iin", "bin", "email", "phone", "organization")),
            view["created_at"], next_due(view), breached, view["subject"]]


def write_rows(fmt: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows as CSV or TSV on stdout (`fmt`: "csv" or "tsv")."""
    out = sys.stdout
    if fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([_cell(c) for c in row] for row in rows)
    else:
        out.write("\t".join(header) + "\n")
        for row in rows:
            out.write("\t".join(_tsv(_cell(c)) for c in row) + "\n")
    out.flush()


def _cell(value: Any) -> Any:
    return spreadsheet_safe(for_terminal(value) if isinstance(value, str) else value)


def _tsv(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
