"""edoc list and edoc search: tickets, filtered and ordered, as a table, JSON, CSV or TSV."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from edoc_cli.commands import completers
from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _

app = typer.Typer()

FORMATS = ("table", "json", "csv", "tsv")
SEARCH_LIMIT = 50  # a search shows this many by default: a repeat caller's tickets, not five years of a name


def _sorts(incomplete: str) -> list[str]:
    from edoc_cli.listing import SORTS

    return [s for s in SORTS if s.startswith(incomplete)]


def _formats(incomplete: str) -> list[str]:
    return [f for f in FORMATS if f.startswith(incomplete)]


STATUS_OPTION = typer.Option(None, "--status", autocompletion=completers.statuses,
                             help="new, open, waiting, postponed or closed (comma-separated for several).")
MINE_OPTION = typer.Option(False, "--mine", help="Only tickets assigned to me (the operator running edoc).")
REVERSE_OPTION = typer.Option(False, "--reverse", help="The --sort order turned round.")
FORMAT_OPTION = typer.Option("table", "--format", autocompletion=_formats, metavar="FORMAT",
                             help="table, json, csv or tsv (csv and tsv: a header row of the JSON keys).")
WIDE_OPTION = typer.Option(False, "--wide", help="On a terminal: every column, whole, however wide "
                           "(without it, columns give way as the terminal narrows).")


def _sort_option(default: str, help: str):
    return typer.Option(default, "--sort", autocompletion=_sorts, metavar="FIELD", help=help)


def _limit_option(default: Optional[int], help: str):
    return typer.Option(default, "--limit", metavar="N", help=help)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Optional[str] = STATUS_OPTION,
    all_: bool = typer.Option(False, "--all", help="Closed tickets too."),
    category: Optional[str] = typer.Option(None, "--category", autocompletion=completers.categories, help="Only this category."),
    level: Optional[str] = typer.Option(None, "--level", autocompletion=completers.levels, help="Only this SLA level (basic, vip)."),
    assignee: Optional[str] = typer.Option(None, "--assignee", help="Only this operator's tickets ('-' for unassigned)."),
    mine: bool = MINE_OPTION,
    priority: Optional[str] = typer.Option(None, "--priority", autocompletion=completers.priorities, help="Only this priority."),
    breached: bool = typer.Option(False, "--breached", help="Only tickets with a breached SLA target."),
    due_within: Optional[str] = typer.Option(None, "--due-within", metavar="DURATION",
                                             help="Only tickets with an unmet deadline within this time: "
                                             "{duration_forms}."),
    since: Optional[str] = typer.Option(None, "--since", metavar="WHEN", help="Registered at or after: {instant_forms}."),
    until: Optional[str] = typer.Option(None, "--until", metavar="WHEN", help="Registered before (a day alone includes that whole day): "
                                         "{instant_forms}."),
    client: Optional[str] = typer.Option(None, "--client", metavar="TEXT",
                                         help="Only this client's tickets: part of a name, IIN, BIN, phone, e-mail, "
                                         "login or organisation."),
    text: Optional[str] = typer.Option(None, "--text", metavar="TEXT",
                                       help="Only tickets that say this: in the client's details, the subject, "
                                       "the description or a message (what 'edoc search' finds)."),
    sort: str = _sort_option("due", help="due (the default: the nearest deadline first), created (the newest "
                             "first), updated (the latest change first), priority (critical first) or id."),
    reverse: bool = REVERSE_OPTION,
    limit: Optional[int] = _limit_option(None, help="At most N tickets (default: all)."),
    mail_failed: bool = typer.Option(False, "--mail-failed", help="Only tickets with an e-mail to the client "
                                     "not delivered after a failure (closed tickets too): 'edoc mail queue' "
                                     "says why."),
    fmt: str = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    wide: bool = WIDE_OPTION,
) -> None:
    """List tickets not yet closed (unless --status or --all), nearest due time first."""
    only = None
    if mail_failed:
        only = {row["ticket"] for row in env_of(ctx).desk.undelivered_mail() if row["attempts"]}
        all_ = all_ or status is None
    _listed(ctx, _format(fmt, as_json), wide, _("no tickets match"), only=only, status=status, all_=all_,
            category=category, level=level, assignee=assignee, priority=priority, breached=breached,
            due_within=due_within, since=since, until=until, mine=mine, client=client, text=text, sort=sort,
            reverse=reverse, limit=limit)


@app.command("search")
def search(
    ctx: typer.Context,
    text: str = typer.Argument(..., metavar="TEXT", help="Part of a client's name, IIN, BIN, phone, e-mail, login "
                               "or organisation, or of a ticket's subject, description or messages."),
    status: Optional[str] = STATUS_OPTION,
    mine: bool = MINE_OPTION,
    sort: str = _sort_option("created", help="created (the default: the newest first), updated (the latest "
                             "change first), due (the nearest deadline first), priority (critical first) or id."),
    reverse: bool = REVERSE_OPTION,
    limit: int = _limit_option(SEARCH_LIMIT, help="At most N tickets."),
    fmt: str = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    wide: bool = WIDE_OPTION,
) -> None:
    """Find tickets, open and closed, by client (name, IIN/BIN, phone, e-mail, organisation) or by any text."""
    _listed(ctx, _format(fmt, as_json), wide, _("nothing found"), status=status, all_=True, mine=mine,
            text=_search_text(text), sort=sort, reverse=reverse, limit=limit)


def _search_text(text: str) -> str:
    """search's TEXT, whose problems name TEXT (the core names the field it is given)."""
    from edoc_cli.search import Needle

    Needle.parse(text, "search")
    return text


def _format(fmt: str, as_json: bool) -> str:
    from edoc_cli.errors import UsageError

    if fmt not in FORMATS:
        raise UsageError(_("{flag} must be table, json, csv or tsv, not {value}"), fields={"flag": "format"},
                         value=repr(fmt))
    if as_json and fmt not in ("table", "json"):
        raise UsageError(_("{json} is the same as {flag} json: give one of them"),
                         fields={"json": "json", "flag": "format"})
    return "json" if as_json else fmt


def _listed(ctx: typer.Context, fmt: str, wide: bool, none: str, only: set[str] | None = None, **given) -> None:
    """The tickets a list or a search asks for (`given`: the values of Desk.list_filter; `only`: of
    these numbers alone), in `fmt`; on stderr, `none` when there is none, and that more matched than
    --limit let through."""
    import gc

    collecting = gc.isenabled()
    gc.disable()  # a list makes thousands of objects and no cycles: collecting them only costs time
    try:
        _list_out(ctx, fmt, wide, none, only, **given)
    finally:
        if collecting:
            gc.enable()


def _utf8(stream) -> bool:
    import codecs

    try:
        return codecs.lookup(stream.encoding).name == "utf-8"
    except (AttributeError, TypeError, LookupError):
        return False


def _list_out(ctx: typer.Context, fmt: str, wide: bool, none: str, only: set[str] | None, **given) -> None:
    env = env_of(ctx)
    limit = given.pop("limit", None) if only is not None else None
    wanted = env.desk.list_filter(**given)
    # A table and a pipe's JSON (in UTF-8, as the kept JSON is) need only list views: the rows kept
    # between lists answer them fast.
    rows = only is None and (fmt == "table" or (fmt == "json" and not env.stdout_tty and _utf8(sys.stdout)))
    found = env.desk.find(wanted, rows=rows)
    if found.parts is None:
        _show(env, fmt, wide, none, found, only, limit)
        return
    from edoc_cli import listing_cache

    try:  # (nothing is printed before all of it is made)
        _show(env, fmt, wide, none, found, only, limit)
    except listing_cache.UNSOUND:  # kept rows not as this code keeps them (a hand-made cache): made again
        listing_cache.set_aside(env.desk)
        _show(env, fmt, wide, none, env.desk.find(wanted), only, limit)


def _show(env, fmt: str, wide: bool, none: str, found, only: set[str] | None, limit: int | None) -> None:
    from edoc_cli import render

    views = found.views
    if only is not None:
        views = [v for v in views if v["id"] in only]
        found.total = len(views)
        views = views[:limit] if limit is not None else views
    if fmt == "json" and found.parts is not None:
        from edoc_cli.listing_cache import json_of

        _print_bytes(json_of(views, found.parts) + b"\n")
    elif fmt == "json":
        render.print_json(views)
    elif fmt in ("csv", "tsv"):
        from edoc_cli.render_rows import TICKET_KEYS, ticket_record, write_rows

        write_rows(fmt, TICKET_KEYS, [ticket_record(v) for v in views])
    elif views:
        render.ticket_list(env, views, wide=wide)
    else:
        render.say(none)
    if found.total is None:
        render.say(_("the first {shown} tickets shown; --limit N shows more").format(shown=len(views)))
    elif found.total > len(views):
        render.say(_("{shown} of {total} tickets shown; --limit N shows more").format(
            shown=len(views), total=found.total))


def _print_bytes(data: bytes) -> None:
    """JSON already encoded (UTF-8, as _utf8 made sure stdout takes) on stdout."""
    sys.stdout.flush()
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # a stream of text alone (a caller's in-memory stdout)
        sys.stdout.write(data.decode("utf-8"))
    else:
        binary.write(data)
        binary.flush()
