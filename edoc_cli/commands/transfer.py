"""edoc export / edoc import: whole tickets as JSON Lines."""

from __future__ import annotations

import sys

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _

app = typer.Typer()


@app.command("export")
def export(ctx: typer.Context) -> None:
    """Print every ticket, history included, as JSON Lines (one ticket a line)."""
    from edoc_cli.export_import import export_lines

    out = sys.stdout
    for line in export_lines(env_of(ctx).store):
        out.write(line + "\n")
    out.flush()


@app.command("import")
def import_(ctx: typer.Context,
            source: str = typer.Argument(..., metavar="FILE", help="JSON Lines from 'edoc export' ('-' for stdin)."),
            as_json: bool = JSON_OPTION) -> None:
    """Add tickets from JSON Lines; refuses duplicates and invalid records, and writes nothing unless all are valid."""
    from edoc_cli import render
    from edoc_cli.errors import UsageError
    from edoc_cli.export_import import bounded_lines, import_records, prepare_lines

    env = env_of(ctx)
    where = "stdin" if source == "-" else source
    try:
        handle = sys.stdin.buffer if source == "-" else open(source, "rb")
    except OSError as exc:
        raise UsageError(f"{where}: {exc.strerror}") from None
    with handle:
        records = prepare_lines(bounded_lines(handle), where, env.store.summarize)
    count = import_records(env.store, records, where)
    if as_json:
        render.print_json({"imported": count, "ids": [r.id for r in records]})
    else:
        render.say((_("imported {count} ticket") if count == 1 else _("imported {count} tickets")).format(count=count))
