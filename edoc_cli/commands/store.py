"""edoc store init | migrate | info: the store's own life (a PostgreSQL schema; a JSON store's files)."""

from __future__ import annotations

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import N_, _
from edoc_cli.i18n import _ as _marked  # a word marked with N_()

app = typer.Typer(help="The store itself: create or upgrade its schema, and what it holds.", add_completion=False)


@app.command("init")
def init(ctx: typer.Context,
         roles: bool = typer.Option(False, "--roles", help="Also the roles edoc_operator, edoc_sweep and "
                                    "edoc_supervisor with their rights (the history append-only for all).")) -> None:
    """Create the store's schema (PostgreSQL), or bring it up to date; safe to run again."""
    from edoc_cli import render

    done = env_of(ctx).desk.init_store(roles)
    render.say(_("store ready: {what}").format(what=", ".join(done)) if done else _("store ready: nothing to do"))


@app.command("migrate")
def migrate(ctx: typer.Context) -> None:
    """Upgrade the store's schema from any earlier version, in one transaction."""
    init(ctx, roles=False)


@app.command("info")
def info(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """The store's backend, where it is, its schema version and how many tickets it holds."""
    from edoc_cli import render

    env = env_of(ctx)
    report = env.desk.store_info()
    if as_json:
        render.print_json(report)
        return
    labels = {"backend": N_("store"), "location": N_("where"), "schema_version": N_("schema version"),
              "open": N_("open tickets"), "closed": N_("closed tickets"), "events": N_("history events"),
              "tls": N_("connection encrypted (TLS)")}
    backends = {"json": N_("JSON files"), "postgresql": N_("PostgreSQL")}
    shown = {**report, "backend": _marked(backends.get(report["backend"], report["backend"]))}
    render.fields(env, [(labels.get(key, key), value) for key, value in shown.items()])
