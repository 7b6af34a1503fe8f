"""The one place that turns results into a table, a card, JSON, TSV or CSV.

Data goes to stdout, everything else to stderr. Rich is used only when
stdout is a terminal; in a pipe the output is plain TSV or JSON. Text that
came from people is data: terminal control sequences are stripped and Rich
never parses it as markup (it is passed as `Text`, not as a markup string).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Iterable, Sequence

from edoc_cli.text import escape_c1_in_json, for_terminal


def to_json(obj: Any) -> str:
    return escape_c1_in_json(json.dumps(obj, ensure_ascii=False, indent=2))


def print_json(obj: Any) -> None:
    sys.stdout.write(to_json(obj) + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    """A message for the person (stderr), never data."""
    sys.stderr.write(for_terminal(message) + "\n")
    sys.stderr.flush()


def _console(env, stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, no_color=not env.color, highlight=False, soft_wrap=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return for_terminal(str(value), single_line=True)


def table(env, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    """Rows as a Rich table on a terminal, as TSV (with a header line) in a pipe."""
    rows = [[_cell(c) for c in row] for row in rows]
    if env.stdout_tty:
        from rich.table import Table
        from rich.text import Text

        tab = Table(title=title, show_lines=False, header_style="bold")
        for head in headers:
            tab.add_column(head, overflow="fold")
        for row in rows:
            tab.add_row(*[Text(c) for c in row])
        _console(env).print(tab)
        return
    out = sys.stdout
    out.write("\t".join(headers) + "\n")
    for row in rows:
        out.write("\t".join(c.replace("\t", " ") for c in row) + "\n")
    out.flush()


def fields(env, pairs: Sequence[tuple[str, Any]], title: str | None = None,
           sections: Sequence[tuple[str, Sequence[Sequence[Any]], Sequence[str]]] = ()) -> None:
    """A card: label/value lines, then titled sub-tables (history and the like)."""
    if env.stdout_tty:
        from rich.table import Table
        from rich.text import Text

        console = _console(env)
        card = Table.grid(padding=(0, 2))
        card.add_column(style="bold")
        card.add_column()
        for label, value in pairs:
            text = for_terminal(str(value)) if value is not None else ""
            card.add_row(label, Text(text))
        if title:
            console.print(Text(for_terminal(title, single_line=True), style="bold"))
        console.print(card)
        for head, rows, cols in sections:
            tab = Table(title=head, title_justify="left", header_style="bold")
            for c in cols:
                tab.add_column(c, overflow="fold")
            for row in rows:
                tab.add_row(*[Text(for_terminal(_plain(c))) for c in row])
            console.print(tab)
        return
    out = sys.stdout
    if title:
        out.write(for_terminal(title, single_line=True) + "\n")
    for label, value in pairs:
        text = "" if value is None else for_terminal(str(value))
        out.write(f"{label}:\t" + text.replace("\n", "\n\t") + "\n")
    for head, rows, cols in sections:
        out.write(f"\n{head}\n" + "\t".join(cols) + "\n")
        for row in rows:
            out.write("\t".join(_cell(c) for c in row) + "\n")
    out.flush()


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _short_time(iso: str | None) -> str:
    """2026-11-26T10:15:00+05:00 -> 2026-11-26 10:15"""
    return iso[:16].replace("T", " ") if iso else ""


# -- tickets -------------------------------------------------------------------


def ticket_rows(views: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    headers = ["id", "status", "category", "level", "priority", "assignee", "due", "breached", "subject"]
    rows = []
    for v in views:
        from edoc_cli.sla import next_due

        sla = v["sla"]
        breached = [n for n in ("first_response", "resolution") if sla[n]["breached"]]
        rows.append([
            v["id"], v["status"], v["category"], v["sla_level"], v.get("priority") or "",
            v.get("assignee") or "", _short_time(next_due(v)),
            ",".join(b.replace("_", " ") for b in breached), v["subject"],
        ])
    return headers, rows


def ticket_list(env, views: Sequence[dict[str, Any]]) -> None:
    headers, rows = ticket_rows(views)
    table(env, headers, rows)


def _clock_line(clock: dict[str, Any]) -> str:
    if clock["target_minutes"] is None:
        return "no target"
    parts = [f"{clock['elapsed_minutes']} of {clock['target_minutes']} working min"]
    if clock["met_at"]:
        parts.append(f"met {_short_time(clock['met_at'])}")
    elif clock["due_at"]:
        parts.append(f"due {_short_time(clock['due_at'])}")
    if clock["breached"]:
        parts.append("BREACHED")
    elif clock.get("at_risk"):
        parts.append("at risk")
    return ", ".join(parts)


def ticket_card(env, view: dict[str, Any]) -> None:
    client = view["client"]
    ident = " ".join(f"{k.upper()} {client[k]}" for k in ("iin", "bin") if client.get(k))
    if client.get("login"):
        ident += f" login {client['login']}"
    contact = ", ".join(x for x in (client.get("email"), client.get("phone")) if x)
    pairs: list[tuple[str, Any]] = [
        ("status", view["status"] + (" (SLA paused)" if view["sla"]["paused"] else "")),
        ("category", f"{view['category']} via {view['channel']}" + (f", topic {view['topic']}" if view.get("topic") else "")),
        ("level", view["sla_level"] + (f", priority {view['priority']}" if view.get("priority") else "")),
        ("client", f"{client['name']} ({client['type']}) {ident}".strip()),
        ("contact", contact),
    ]
    if client.get("organization"):
        pairs.append(("organization", client["organization"]))
    pairs += [
        ("assignee", view.get("assignee") or "-"),
        ("received", _short_time(view["received_at"])),
        ("registered", _short_time(view["created_at"])),
        ("first response", _clock_line(view["sla"]["first_response"])),
        ("resolution", _clock_line(view["sla"]["resolution"])),
    ]
    if view.get("waiting"):
        pairs.append(("auto-close at", _short_time(view["waiting"]["auto_close_at"])))
    if view.get("postponement"):
        p = view["postponement"]
        pairs.append(("postponed", p["reason"] + (f" until {_short_time(p['until'])}" if p.get("until") else "")))
    if view.get("resolution"):
        r = view["resolution"]
        pairs.append(("resolution", f"{r['code']} by {r['closed_by']} at {_short_time(r['closed_at'])}"))
        if r.get("faq_link"):
            pairs.append(("faq link", r["faq_link"]))
    details = view.get("details") or {}
    for key in ("steps", "occurred_at", "browser", "os", "document"):
        if details.get(key):
            pairs.append((key.replace("_", " "), details[key]))
    if details.get("attachments"):
        pairs.append(("attachments", ", ".join(details["attachments"])))
    pairs.append(("description", view.get("description") or ""))
    history = []
    for e in view["history"]:
        what = e.get("message") or ""
        extra = [e[k] for k in ("assignee", "priority", "reason", "third_party", "resolution", "target") if e.get(k)]
        history.append([_short_time(e["at"]), e.get("by", ""), e["type"], " ".join(extra), what])
    sections = [("history", history, ["at", "by", "event", "", "message"])]
    if view.get("third_parties"):
        sections.append(("third parties", [[_short_time(t["at"]), t["name"], t.get("note", "")]
                                           for t in view["third_parties"]], ["at", "name", "note"]))
    fields(env, pairs, title=f"{view['id']}  {view['subject']}", sections=sections)


# -- SLA and calendar ----------------------------------------------------------


def sla_explanation(env, report: dict[str, Any]) -> None:
    def target_line(name: str) -> tuple[str, str]:
        return (name.replace("_", " "), _clock_line(report[name]))

    pairs = [
        ("rule", report["rule"]),
        ("received", _short_time(report["received_at"])),
        ("as of", _short_time(report["at"])),
        target_line("first_response"),
        target_line("resolution"),
        ("counted", f"{report['counted_minutes']} working minutes (the sum of the counted intervals)"),
    ]
    rows = [[_short_time(r["start"]), _short_time(r["end"]), r["kind"], r["reason"] or "",
             _minutes(r["seconds"])] for r in report["intervals"]]
    fields(env, pairs, title=f"{report['id']}  SLA ({report['sla_level']}, {report['category']})",
           sections=[("timeline", rows, ["from", "to", "kind", "why", "counted min"])])


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:g}" if seconds else ""


def calendar(env, report: dict[str, Any]) -> None:
    head = (f"{report['year']}" + (f"-{report['month']:02d}" if "month" in report else "")
            + f": {report['working_days']} working days, {report['hours']['start']}-{report['hours']['end']} "
            + f"{report['timezone']}")
    say(head)
    days = report.get("days", report.get("exceptions", []))
    table(env, ["date", "day", "working", "kind", "name"],
          [[d["date"], d["weekday"], d["working"], d["kind"], d["name"] or ""] for d in days])


def day(env, report: dict[str, Any]) -> None:
    hours = report["hours"]
    when = f"{hours[0][11:16]}-{hours[1][11:16]}" if hours else "no working hours"
    sys.stdout.write(f"{report['date']} {report['weekday']}: {'working day' if report['working'] else 'day off'} "
                     f"({report['kind']}{', ' + report['name'] if report['name'] else ''}), {when}\n")
