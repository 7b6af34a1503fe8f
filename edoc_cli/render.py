"""The one place that turns results into a table, a card, JSON, TSV or CSV.

Data goes to stdout, everything else to stderr. Rich is used only when
stdout is a terminal; in a pipe the output is plain TSV or JSON. Text that
came from people is data: terminal control sequences are stripped and Rich
never parses it as markup (it is passed as `Text`, not as a markup string).
"""

from __future__ import annotations

import sys
from typing import Any, Iterable, NamedTuple, Sequence

from edoc_cli.i18n import N_, _
from edoc_cli.i18n import _ as _marked  # a label marked with N_() where it is defined
from edoc_cli.json_text import json_text as to_json
from edoc_cli.safe_text import for_terminal, has_unsafe
from edoc_cli.ticket import DEFAULT_CLIENT_LANGUAGE
from edoc_cli.words import field_value, holiday_name, interval_reason, namer, word


def print_json(obj: Any) -> None:
    """JSON on stdout: indented for a person at a terminal, compact (and fast) in a pipe."""
    sys.stdout.write(to_json(obj, pretty=sys.stdout.isatty()) + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    """A message for the person (stderr), never data."""
    sys.stderr.write(for_terminal(message) + "\n")
    sys.stderr.flush()


def _console(env, stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, no_color=not env.color, highlight=False, soft_wrap=False)


def _cell(value: Any, human: bool = False) -> str:
    """A value as one line of text; `human`: for a person on a terminal (yes/no in their language)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        if human:
            return _("yes") if value else _("no")
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v, human) for v in value)
    return for_terminal(str(value), single_line=True)


def _tsv_line(row: Sequence[Any]) -> str:
    """A row of a pipe's table: its cells (_cell), a tab between them. A row with nothing to clean
    (mostly all) is joined as it is: cleaning changes no cell of it."""
    cells = [c if type(c) is str else _cell(c) for c in row]
    if not has_unsafe("".join(cells)):
        return "\t".join(cells)
    return "\t".join(_cell(c).replace("\t", " ") for c in row)


def _heading(label: str) -> str:
    """A column heading or card label marked with N_(), in the language of this run."""
    return _marked(label) if label else label


def table(env, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    """Rows as a Rich table on a terminal, as TSV (with a header line) in a pipe.

    Headings are marked with N_(): translated on a terminal; in a pipe they stay English,
    because scripts find columns by these names.
    """
    if env.stdout_tty:
        from rich.table import Table
        from rich.text import Text

        tab = Table(title=title, show_lines=False, header_style="bold")
        for head in headers:
            tab.add_column(_heading(head), overflow="fold")
        for row in rows:
            tab.add_row(*[Text(_cell(c, human=True)) for c in row])
        _console(env).print(tab)
        return
    lines = ["\t".join(headers), *map(_tsv_line, rows), ""]
    sys.stdout.write("\n".join(lines))
    sys.stdout.flush()


class Column(NamedTuple):  # (not a frozen dataclass: five times its cost to every command's start)
    """A column of a table on a terminal, and how it gives way as the terminal narrows.

    Nothing in a column ever wraps: a registration number, a code, a time or a number is whole or
    not shown. `drop`: 0, always shown; otherwise the columns are dropped lowest first until the
    rest fit. `cut`: the one column (a subject) cut with "…" to the room that is left."""

    header: str           # marked with N_(); a script's name for it in a pipe
    drop: int = 0
    cut: bool = False
    numeric: bool = False
    label: str | None = None  # on a terminal, where the header alone would be ambiguous (N_())
    folds: bool = False  # in a card's table (`fields`): text that may wrap in its cell; times and codes never


GAP = 2       # between two columns of a fitted table
MIN_CUT = 24  # a cut column is not cut narrower than this while another column can go instead


def fitted_table(env, columns: Sequence[Column], rows: Sequence[Sequence[Any]], wide: bool = False,
                 styles: Sequence[str | None] | None = None) -> None:
    """Rows that fit the terminal (`wide`: every column, whole, however wide), as TSV with every
    column in a pipe (what scripts read does not depend on a terminal). `styles`: one per row."""
    if not env.stdout_tty:
        table(env, [c.header for c in columns], rows)
        return
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    heads = [_heading(c.label or c.header) for c in columns]
    cells = [[_cell(v, human=True) for v in row] for row in rows]
    natural = [max([cell_len(h)] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    console = _console(env)
    shown = list(range(len(columns)))

    def width(kept: list[int], cut_to: int | None = None) -> int:
        return sum(min(natural[i], cut_to) if cut_to and columns[i].cut else natural[i] for i in kept) \
            + GAP * (len(kept) - 1)

    room = console.width
    if wide:
        console.width = max(room, width(shown))
    else:
        while width(shown, MIN_CUT) > room and any(columns[i].drop for i in shown):
            shown.remove(min((i for i in shown if columns[i].drop), key=lambda i: columns[i].drop))
    fixed = sum(natural[i] for i in shown if not columns[i].cut) + GAP * (len(shown) - 1)
    too_wide = not wide and width(shown) > console.width  # the cut column then takes what is left
    tab = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True,
                header_style="bold")
    for i in shown:
        col = columns[i]
        cut = col.cut and too_wide
        tab.add_column(heads[i], no_wrap=True, overflow="ellipsis" if cut else "crop",
                       justify="right" if col.numeric else "left",
                       max_width=max(1, console.width - fixed) if cut else None, min_width=natural[i] if not cut else None)
    for n, row in enumerate(cells):
        tab.add_row(*[Text(row[i]) for i in shown], style=styles[n] if styles else None)
    console.print(tab)


def fields(env, pairs: Sequence[tuple[str, Any]], title: str | None = None,
           sections: Sequence[tuple[str, Sequence[Sequence[Any]], Sequence[Column]]] = ()) -> None:
    """A card: label/value lines, then titled sub-tables (history and the like).

    Labels, section titles and columns are marked with N_() and shown in the run's language, on a
    terminal and in a pipe alike, as the values are (a card is for a person; scripts read --json,
    whose keys are codes). Values are shown as given.
    """
    if env.stdout_tty:
        from rich.table import Table
        from rich.text import Text

        console = _console(env)
        card = Table.grid(padding=(0, 2))
        card.add_column(style="bold")
        card.add_column()
        for label, value in pairs:
            text = for_terminal(str(value)) if value is not None else ""
            card.add_row(_heading(label), Text(text))
        if title:
            console.print(Text(for_terminal(title, single_line=True), style="bold"))
        console.print(card)
        for head, rows, cols in sections:
            tab = Table(title=_heading(head), title_justify="left", header_style="bold")
            for c in cols:  # a time or a code stays whole on its line; text folds in its cell
                tab.add_column(_heading(c.header), overflow="fold" if c.folds else "ellipsis", no_wrap=not c.folds,
                               justify="right" if c.numeric else "left")
            for row in rows:
                tab.add_row(*[Text(for_terminal(_plain(c))) for c in row])
            console.print(tab)
        return
    out = sys.stdout
    if title:
        out.write(for_terminal(title, single_line=True) + "\n")
    for label, value in pairs:
        text = "" if value is None else for_terminal(str(value))
        out.write(f"{_heading(label)}:\t" + text.replace("\n", "\n\t") + "\n")
    for head, rows, cols in sections:
        out.write(f"\n{_heading(head)}\n" + "\t".join(_heading(c.header) for c in cols) + "\n")
        for row in rows:
            out.write("\t".join(_cell(c) for c in row) + "\n")
    out.flush()


def _changed(field: str, value: Any) -> str:
    """A corrected field's value in an `edited` event: a category or channel by its word."""
    return _plain(field_value(field, value))


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _short_time(iso: str | None) -> str:
    """2026-11-26T10:15:00+05:00 -> 2026-11-26 10:15"""
    return iso[:16].replace("T", " ") if iso else ""


# -- tickets -------------------------------------------------------------------


# `edoc list` on a terminal: what gives way first as it narrows (README: "Everyday use"); the first
# column is the mark, and the others, in a pipe, the TSV's.
TICKET_COLUMNS = (Column(""), Column(N_("id")), Column(N_("status"), drop=5), Column(N_("category"), drop=2),
                  Column(N_("level"), drop=1), Column(N_("priority"), drop=3), Column(N_("assignee"), drop=6),
                  Column(N_("due")), Column(N_("breached"), drop=4), Column(N_("subject"), cut=True))
BREACHED, AT_RISK = "!!", "!"  # the mark column: it reads without colour (NO_COLOR) too


def ticket_rows(views: Sequence[dict[str, Any]], human: bool = False) -> tuple[list[str], list[list[Any]]]:
    """The list's headers and rows: codes for a pipe's TSV, or (`human`) words for a person."""
    from edoc_cli.sla import next_due

    say = namer(human)
    headers = [c.header for c in TICKET_COLUMNS[1:]]
    rows = []
    for v in views:
        sla = v["sla"]
        breached = [n for n in ("first_response", "resolution") if sla[n]["breached"]]
        rows.append([
            v["id"], say("status", v["status"]), say("category", v["category"]), say("level", v["sla_level"]),
            say("priority", v.get("priority")), v.get("assignee") or "", _short_time(next_due(v)),
            (", " if human else ",").join(word("target", b) if human else b.replace("_", " ") for b in breached),
            v["subject"],
        ])
    return headers, rows


def ticket_list(env, views: Sequence[dict[str, Any]], wide: bool = False) -> None:
    headers, rows = ticket_rows(views, human=env.stdout_tty)
    if not env.stdout_tty:
        table(env, headers, rows)
        return
    marks = [_mark(v) for v in views]
    styles = [{BREACHED: "red", AT_RISK: "yellow"}.get(m) for m in marks]
    fitted_table(env, TICKET_COLUMNS, [[m, *row] for m, row in zip(marks, rows)], wide=wide, styles=styles)


def _mark(view: dict[str, Any]) -> str:
    clocks = [view["sla"][n] for n in ("first_response", "resolution")]
    if any(c["breached"] for c in clocks):
        return BREACHED
    return AT_RISK if any(c.get("at_risk") for c in clocks) else ""


def _clock_line(clock: dict[str, Any]) -> str:
    if clock["target_minutes"] is None:
        return _("no target")
    parts = [_("{elapsed} of {target} working min").format(elapsed=clock["elapsed_minutes"],
                                                            target=clock["target_minutes"])]
    if clock["met_at"]:
        parts.append(_("met {at}").format(at=_short_time(clock["met_at"])))
    elif clock["due_at"]:
        parts.append(_("due {at}").format(at=_short_time(clock["due_at"])))
    if clock["breached"]:
        parts.append(_("BREACHED"))
    elif clock.get("at_risk"):
        parts.append(_("at risk"))
    return ", ".join(parts)


# Card labels for the details of clause 12, by field.
DETAIL_LABELS = {"steps": N_("steps"), "occurred_at": N_("occurred at"), "browser": N_("browser"),
                 "os": N_("os"), "document": N_("document")}
# An SLA clock's row, named apart from the outcome of a closed ticket (the "outcome" row).
TARGET_LABELS = {"first_response": N_("first response SLA"), "resolution": N_("resolution SLA")}


HISTORY_COLUMNS = (Column(N_("at")), Column(N_("by"), folds=True), Column(N_("event")),
                   Column(N_("details"), folds=True), Column(N_("message"), folds=True))
THIRD_PARTY_COLUMNS = (Column(N_("at")), Column(N_("name"), folds=True), Column(N_("note"), folds=True))
TIMELINE_COLUMNS = (Column(N_("from")), Column(N_("to")), Column(N_("kind")), Column(N_("why"), folds=True),
                    Column(N_("counted min"), numeric=True))


def ticket_card(env, view: dict[str, Any], more: Sequence[tuple] = ()) -> None:
    """A ticket's card; `more`: sections after its own (the e-mails' delivery: render_mail)."""
    client = view["client"]
    ident = [_("IIN {number}").format(number=client["iin"]) if client.get("iin") else "",
             _("BIN {number}").format(number=client["bin"]) if client.get("bin") else "",
             _("login {login}").format(login=client["login"]) if client.get("login") else ""]
    contact = ", ".join(x for x in (client.get("email"), client.get("phone")) if x)
    status = word("status", view["status"])
    if view["sla"]["paused"]:
        status = _("{status} (SLA paused)").format(status=status)
    category = _("{category} via {channel}").format(category=word("category", view["category"]),
                                                    channel=word("channel", view["channel"]))
    if view.get("topic"):
        category = _("{category}, topic {topic}").format(
            category=category, topic=env.config.in_scope.get(view["topic"]) or view["topic"])
    level = word("level", view["sla_level"])
    if view.get("priority"):
        level = _("{level}, priority {priority}").format(level=level, priority=word("priority", view["priority"]))
    pairs: list[tuple[str, Any]] = [
        (N_("status"), status),
        (N_("category"), category),
        (N_("level"), level),
        (N_("client"), " ".join(x for x in [f"{client['name']} ({word('client', client['type'])})", *ident] if x)),
        (N_("contact"), contact),
    ]
    if client.get("organization"):
        pairs.append((N_("organization"), client["organization"]))
    pairs.append((N_("letters in"), word("lang", client.get("lang") or DEFAULT_CLIENT_LANGUAGE)))
    pairs += [
        (N_("assignee"), view.get("assignee") or "-"),
        (N_("received"), _short_time(view["received_at"])),
        (N_("registered"), _short_time(view["created_at"])),
        (TARGET_LABELS["first_response"], _clock_line(view["sla"]["first_response"])),
        (TARGET_LABELS["resolution"], _clock_line(view["sla"]["resolution"])),
    ]
    if view.get("waiting"):
        pairs.append((N_("auto-close at"), _short_time(view["waiting"]["auto_close_at"])))
    if view.get("postponement"):
        p = view["postponement"]
        postponed = env.config.postponement_reasons.get(p["reason"]) or p["reason"]
        if p.get("until"):
            postponed = _("{reason} until {until}").format(reason=postponed, until=_short_time(p["until"]))
        pairs.append((N_("postponed"), postponed))
    if view.get("resolution"):
        r = view["resolution"]
        pairs.append((N_("outcome"), _("{code} by {operator} at {at}").format(
            code=word("resolution", r["code"]), operator=r["closed_by"], at=_short_time(r["closed_at"]))))
        if r.get("faq_link"):
            pairs.append((N_("faq link"), r["faq_link"]))
    details = view.get("details") or {}
    for key, label in DETAIL_LABELS.items():
        if details.get(key):
            pairs.append((label, _short_time(details[key]) if key == "occurred_at" else details[key]))
    if details.get("attachments"):
        pairs.append((N_("attachments"), ", ".join(details["attachments"])))
    pairs.append((N_("description"), view.get("description") or ""))
    sections = [(N_("history"), [history_row(e) for e in view["history"]], HISTORY_COLUMNS)]
    if view.get("third_parties"):
        sections.append((N_("third parties"), [[_short_time(t["at"]), t["name"], t.get("note", "")]
                                               for t in view["third_parties"]], THIRD_PARTY_COLUMNS))
    sections += more
    fields(env, pairs, title=f"{view['id']}  {view['subject']}", sections=sections)


def history_row(event: dict[str, Any], human: bool = True) -> list[Any]:
    """One history event as a row of HISTORY_COLUMNS: when, who, what, its details, its message;
    the event and its codes as words for a person, or (not `human`: a pipe's TSV) as codes."""
    say = namer(human)
    what = event.get("message") or "; ".join(
        f"{say('field', k)}: {_changed(k, c.get('old'))} -> {_changed(k, c.get('new'))}"
        for k, c in (event.get("changes") or {}).items())
    extra = [say(k, event[k]) if k in ("priority", "resolution", "target") else event[k]
             for k in ("assignee", "priority", "reason", "third_party", "resolution", "target")
             if isinstance(event.get(k), str) and event[k]]
    from edoc_cli.render_mail import history_marks

    extra += history_marks(event, human)
    return [_short_time(event["at"]), event.get("by", ""), say("event", event["type"]), " ".join(extra), what]


# -- SLA and calendar ----------------------------------------------------------


def sla_explanation(env, report: dict[str, Any]) -> None:
    def target_line(name: str) -> tuple[str, str]:
        return (TARGET_LABELS[name], _clock_line(report[name]))

    pairs = [
        (N_("rule"), report["rule"]),
        (N_("received"), _short_time(report["received_at"])),
        (N_("as of"), _short_time(report["at"])),
        target_line("first_response"),
        target_line("resolution"),
        (N_("counted"), _("{minutes} working minutes (the sum of the counted intervals)").format(
            minutes=report["counted_minutes"])),
    ]
    rows = [[_short_time(r["start"]), _short_time(r["end"]), word("interval", r["kind"]),
             interval_reason(r["reason"]), _minutes(r["seconds"])] for r in report["intervals"]]
    title = f"{report['id']}  SLA ({word('level', report['sla_level'])}, {word('category', report['category'])})"
    fields(env, pairs, title=title,
           sections=[(N_("timeline"), rows, TIMELINE_COLUMNS)])


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:g}" if seconds else ""


def calendar(env, report: dict[str, Any]) -> None:
    period = f"{report['year']}" + (f"-{report['month']:02d}" if "month" in report else "")
    say(_("{period}: {days} working days, {start}-{end} {timezone}").format(
        period=period, days=report["working_days"], start=report["hours"]["start"],
        end=report["hours"]["end"], timezone=report["timezone"]))
    days = report.get("days", report.get("exceptions", []))
    human, name_of = env.stdout_tty, namer(env.stdout_tty)
    table(env, [N_("date"), N_("day"), N_("working"), N_("kind"), N_("name")],
          [[d["date"], name_of("weekday", d["weekday"]), d["working"], name_of("day", d["kind"]),
            (holiday_name(d["name"]) if human else d["name"]) or ""] for d in days])


def day(env, report: dict[str, Any]) -> None:
    hours = report["hours"]
    when = f"{hours[0][11:16]}-{hours[1][11:16]}" if hours else _("no working hours")
    what = _("working day") if report["working"] else _("day off")
    why = word("day", report["kind"]) + (", " + holiday_name(report["name"]) if report["name"] else "")
    sys.stdout.write(_("{date} {weekday}: {what} ({why}), {hours}").format(
        date=report["date"], weekday=word("weekday", report["weekday"]), what=what, why=why, hours=when) + "\n")


# -- sweep and report ------------------------------------------------------------


def sweep_summary(result) -> None:
    """Lines for cron's mail: what was closed, breached, newly at risk.

    The lines are for the person reading the mail, so they speak the run's language (the ID and the
    codes stay as they are); scripts read `sweep --json`.
    """
    out = sys.stdout
    verb = _("would close") if result.dry_run else _("closed")
    for c in result.closed:
        what = _("no_response (timer ran out {at})").format(at=_short_time(c["auto_close_at"]))
        out.write(f"{verb}\t{c['id']}\t{what}\n")
    verb = _("would record breach") if result.dry_run else _("breached")
    for b in result.breached:
        what = _("{target} (due {due}, {elapsed} of {minutes} min)").format(
            target=word("target", b["target"]), due=_short_time(b["due_at"]), elapsed=b["elapsed_minutes"],
            minutes=b["target_minutes"])
        out.write(f"{verb}\t{b['id']}\t{what}\n")
    verb = _("at risk")
    for r in result.at_risk:
        if r["new"] or result.dry_run:
            what = _("{target} due {due} ({elapsed} of {minutes} min)").format(
                target=word("target", r["target"]), due=_short_time(r["due_at"]), elapsed=r["elapsed_minutes"],
                minutes=r["target_minutes"])
            out.write(f"{verb}\t{r['id']}\t{what}\n")
    if result.dry_run and not (result.closed or result.breached or result.at_risk):
        say(_("sweep --dry-run: nothing to do"))
    out.flush()
