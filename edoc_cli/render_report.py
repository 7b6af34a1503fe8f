"""`edoc report` for a person and for a spreadsheet: the table that fits the terminal, its bar
charts, the supervisor's lists, and CSV/TSV guarded against formulas (render.py's conventions)."""

from __future__ import annotations

import sys
from typing import Any

from edoc_cli.i18n import N_, _
from edoc_cli.render import Column, _cell, _console, _short_time, fitted_table, say
from edoc_cli.render_rows import spreadsheet_safe, write_rows
from edoc_cli.safe_text import for_terminal
from edoc_cli.words import namer, word


def report_csv(report: dict[str, Any]) -> None:
    from edoc_cli.report import COLUMNS, flat_rows

    write_rows("csv", COLUMNS, flat_rows(report))


def _bar(value: float | None, maximum: float, width: int = 30) -> str:
    if value is None or maximum <= 0:
        return ""
    filled = round(width * min(value, maximum) / maximum)
    return "█" * filled + "·" * (width - filled)


# `edoc report` on a terminal: what gives way first as it narrows; each target's % met stays.
REPORT_COLUMNS = (
    Column(N_("group"), cut=True), Column(N_("opened"), numeric=True), Column(N_("closed"), numeric=True),
    Column(N_("backlog"), numeric=True), Column(N_("auto-closed"), drop=3, numeric=True),
    Column(N_("terminated"), drop=4, numeric=True), Column(N_("faq"), drop=1, numeric=True),
    Column(N_("escalated"), drop=2, numeric=True),
    Column(N_("1st resp met"), drop=7, numeric=True),
    Column(N_("breached"), drop=8, numeric=True, label=N_("1st resp breached")),
    Column(N_("% met"), numeric=True, label=N_("1st resp % met")),
    Column(N_("median min"), drop=6, numeric=True, label=N_("1st resp median min")),
    Column(N_("resolved met"), drop=7, numeric=True),
    Column(N_("breached"), drop=8, numeric=True, label=N_("resolved breached")),
    Column(N_("% met"), numeric=True, label=N_("resolved % met")),
    Column(N_("median min"), drop=6, numeric=True, label=N_("resolved median min")),
    Column(N_("backlog age med"), drop=5, numeric=True), Column(N_("max"), drop=5, numeric=True,
                                                              label=N_("backlog age max")))


# The supervisor's lists (clause 16): numbers and times whole; a name or a text gives way first.
TERMINATED_COLUMNS = (Column(N_("terminated (clause 16)")), Column(N_("at")), Column(N_("by"), drop=1),
                      Column(N_("client"), drop=2), Column(N_("message"), cut=True))
COMPLAINT_COLUMNS = (Column(N_("complaint")), Column(N_("status"), drop=2), Column(N_("received")),
                     Column(N_("client"), drop=3), Column(N_("subject"), cut=True), Column(N_("assignee"), drop=1))


def report_table(env, report: dict[str, Any], wide: bool = False) -> None:
    from edoc_cli.report import flat_rows

    period = report["period"]
    title = _("tickets registered {since} .. {until}, as of {as_of}, by {group_by}").format(
        since=_short_time(period["since"]), until=_short_time(period["until"]),
        as_of=_short_time(report["as_of"]), group_by=word("by", report["group_by"]))
    if sys.stderr.isatty():  # wrapped between words to the terminal, never inside one
        from rich.text import Text

        _console(env, stderr=True).print(Text(for_terminal(title, single_line=True)))
    else:
        say(title)
    guard = _spreadsheet_rows(env)
    key = _group_key(env, report["group_by"])
    rows = [[key(r[0])] + r[1:] for r in flat_rows(report)]
    if env.stdout_tty:
        rows[-1][0] = _("TOTAL")  # the last row is the total's (a pipe keeps the code)
    rows = guard(rows)
    fitted_table(env, REPORT_COLUMNS, rows, wide=wide)
    if env.stdout_tty:
        _report_charts(report["groups"], key)
    # The supervisor's lists (clause 16) in a pipe too (a mailed or paged report): each one a
    # TSV block of its own, after a blank line.
    if report["terminated"]:
        _next_block(env)
        fitted_table(env, TERMINATED_COLUMNS, guard([[t["id"], _short_time(t["at"]), t["by"], t["client"],
                                                      t["message"]] for t in report["terminated"]]))
    if report["complaints"]:
        _next_block(env)
        name_of = namer(env.stdout_tty)
        fitted_table(env, COMPLAINT_COLUMNS, guard([[c["id"], name_of("status", c["status"]), _short_time(c["received_at"]),
                                                     c["client"], c["subject"], c["assignee"]]
                                                    for c in report["complaints"]]))


def _spreadsheet_rows(env):
    """In a pipe a report's TSV is as likely to be opened in a spreadsheet as its CSV: the same guard
    (a "-" that stands for no group is ours, not a formula)."""
    if env.stdout_tty:
        return lambda rows: rows
    return lambda rows: [[spreadsheet_safe(c) if isinstance(c, str) and c != "-" else c for c in row]
                         for row in rows]


def _next_block(env) -> None:
    """A blank line before each of the supervisor's lists: a TSV block of its own in a pipe, and
    apart from the charts above it on a terminal."""
    sys.stdout.write("\n")
    sys.stdout.flush()


def _group_key(env, group_by: str):
    """A group's name: its code in a pipe, its word on a terminal (an operator's name as it is; "-":
    no group)."""
    name_of = namer(env.stdout_tty and group_by != "assignee")
    return lambda code: "-" if code is None else name_of(group_by, code)


def _report_charts(groups: list[dict[str, Any]], name) -> None:
    """Bar charts for a terminal: % of SLA targets met, and backlog age, per group."""
    lines = ["", _("% of SLA targets met (first response | resolution)")]
    for g in groups:
        key = _cell(name(g["key"]))[:16]
        fr, res = g["first_response"]["pct_met"], g["resolution"]["pct_met"]
        lines.append(f"  {key:<16} {_bar(fr, 100, 20)} {_pct(fr):>6} | {_bar(res, 100, 20)} {_pct(res):>6}")
    oldest = max((g["backlog_age"]["max_minutes"] or 0 for g in groups), default=0)
    lines += ["", _("backlog age, working hours (median ▏ oldest)")]
    for g in groups:
        key = _cell(name(g["key"]))[:16]
        med, top = g["backlog_age"]["median_minutes"], g["backlog_age"]["max_minutes"]
        if top is None:
            lines.append(f"  {key:<16} " + _("no backlog"))
            continue
        hours = _("{median} h ▏ {oldest} h").format(median=f"{med / 60:6.1f}", oldest=f"{top / 60:.1f}")
        lines.append(f"  {key:<16} {_bar(med, oldest, 30)} {hours}")
    sys.stdout.write("\n".join(lines) + "\n")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"
