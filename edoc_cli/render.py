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


# -- sweep and report ------------------------------------------------------------


def sweep_summary(result) -> None:
    """Lines for cron's mail: what was closed, breached, newly at risk."""
    out = sys.stdout
    verb = "would close" if result.dry_run else "closed"
    for c in result.closed:
        out.write(f"{verb}\t{c['id']}\tno_response (timer ran out {_short_time(c['auto_close_at'])})\n")
    verb = "would record breach" if result.dry_run else "breached"
    for b in result.breached:
        out.write(f"{verb}\t{b['id']}\t{b['target']} (due {_short_time(b['due_at'])}, "
                  f"{b['elapsed_minutes']} of {b['target_minutes']} min)\n")
    for r in result.at_risk:
        if r["new"] or result.dry_run:
            out.write(f"at risk\t{r['id']}\t{r['target']} due {_short_time(r['due_at'])} "
                      f"({r['elapsed_minutes']} of {r['target_minutes']} min)\n")
    if result.dry_run and not (result.closed or result.breached or result.at_risk):
        say("sweep --dry-run: nothing to do")
    out.flush()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix with ')."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def report_csv(report: dict[str, Any]) -> None:
    import csv

    from edoc_cli.report import COLUMNS, flat_rows

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in flat_rows(report):
        writer.writerow([spreadsheet_safe(for_terminal(c, single_line=True) if isinstance(c, str) else c)
                         for c in row])
    sys.stdout.flush()


def _bar(value: float | None, maximum: float, width: int = 30) -> str:
    if value is None or maximum <= 0:
        return ""
    filled = round(width * min(value, maximum) / maximum)
    return "█" * filled + "·" * (width - filled)


def report_table(env, report: dict[str, Any]) -> None:
    from edoc_cli.report import flat_rows

    period = report["period"]
    say(f"tickets registered {_short_time(period['since'])} .. {_short_time(period['until'])}, "
        f"as of {_short_time(report['as_of'])}, by {report['group_by']}")
    headers = ["group", "opened", "closed", "backlog", "auto-closed", "terminated", "faq", "escalated",
               "1st resp met", "breached", "% met", "median min",
               "resolved met", "breached", "% met", "median min", "backlog age med", "max"]
    rows = [[("-" if r[0] is None else r[0])] + r[1:] for r in flat_rows(report)]
    table(env, headers, rows)
    if env.stdout_tty:
        _report_charts(report["groups"])
    # The supervisor's lists (clause 16) in a pipe too (a mailed or paged report): each one a
    # TSV block of its own, after a blank line.
    if report["terminated"]:
        _next_block(env)
        table(env, ["terminated (clause 16)", "at", "by", "client", "message"],
              [[t["id"], _short_time(t["at"]), t["by"], t["client"], t["message"]] for t in report["terminated"]])
    if report["complaints"]:
        _next_block(env)
        table(env, ["complaint", "status", "received", "client", "subject", "assignee"],
              [[c["id"], c["status"], _short_time(c["received_at"]), c["client"], c["subject"], c["assignee"]]
               for c in report["complaints"]])


def _next_block(env) -> None:
    if not env.stdout_tty:
        sys.stdout.write("\n")


def _report_charts(groups: list[dict[str, Any]]) -> None:
    """Bar charts for a terminal: % of SLA targets met, and backlog age, per group."""
    lines = ["", "% of SLA targets met (first response | resolution)"]
    for g in groups:
        key = _cell("-" if g["key"] is None else g["key"])[:16]
        fr, res = g["first_response"]["pct_met"], g["resolution"]["pct_met"]
        lines.append(f"  {key:<16} {_bar(fr, 100, 20)} {_pct(fr):>6} | {_bar(res, 100, 20)} {_pct(res):>6}")
    oldest = max((g["backlog_age"]["max_minutes"] or 0 for g in groups), default=0)
    lines += ["", "backlog age, working hours (median ▏ oldest)"]
    for g in groups:
        key = _cell("-" if g["key"] is None else g["key"])[:16]
        med, top = g["backlog_age"]["median_minutes"], g["backlog_age"]["max_minutes"]
        if top is None:
            lines.append(f"  {key:<16} no backlog")
            continue
        lines.append(f"  {key:<16} {_bar(med, oldest, 30)} {med / 60:6.1f} h ▏ {top / 60:.1f} h")
    sys.stdout.write("\n".join(lines) + "\n")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"
