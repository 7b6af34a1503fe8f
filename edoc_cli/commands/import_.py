"""edoc import: add whole tickets from JSON Lines (the module's name: `import` is Python's word)."""

from __future__ import annotations

import sys

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import ngettext

app = typer.Typer()


@app.command("import")
def import_(ctx: typer.Context,
            source: str = typer.Argument(..., metavar="FILE", help="JSON Lines from 'edoc export' ('-' for stdin)."),
            as_json: bool = JSON_OPTION) -> None:
    """Add tickets from JSON Lines; refuses duplicates and invalid records, and writes nothing unless all are valid."""
    from edoc_cli import render
    from edoc_cli.errors import UsageError, os_reason
    from edoc_cli.render_progress import progress

    env = env_of(ctx)
    where = "stdin" if source == "-" else source
    try:
        handle = sys.stdin.buffer if source == "-" else open(source, "rb")
    except OSError as exc:
        raise UsageError(f"{where}: {os_reason(exc)}") from None
    with handle, progress(env) as bar:
        ids = env.desk.import_lines(handle, where, bar)
    if as_json:
        render.print_json({"imported": len(ids), "ids": ids})
    else:
        count = len(ids)
        render.say(ngettext("imported {count} ticket", "imported {count} tickets", count).format(count=count))
