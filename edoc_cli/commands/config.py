"""edoc config: the effective configuration and where it came from."""

from __future__ import annotations

import sys

import typer

from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _
from edoc_cli.i18n import _ as _marked  # a source marked with N_() where it is named

app = typer.Typer(help="The effective configuration and where it came from.", no_args_is_help=True,
                  add_completion=False)


@app.command("show")
def show(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Print the effective configuration as TOML (a valid config file), with each section's source."""
    from edoc_cli import render
    from edoc_cli.config_toml import dump_toml

    config = env_of(ctx).config
    if as_json:
        render.print_json({"path": str(config.path) if config.path else None,
                           "sources": config.sources, "config": _jsonable(config.data)})
        return
    sys.stdout.write(dump_toml(config.data, config.sources))


@app.command("path")
def path(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Print where the configuration file is looked for, and whether it exists."""
    from edoc_cli import render

    env = env_of(ctx)
    where, source = env.config_location
    if as_json:
        render.print_json({"path": str(where), "source": source, "exists": where.exists(),
                           "store": str(env.store_path)})
        return
    sys.stdout.write(f"{where}\n")
    if where.exists():
        render.say(_("chosen by {source}; exists").format(source=_marked(source)))
    else:
        render.say(_("chosen by {source}; does not exist: built-in defaults serve").format(source=_marked(source)))


def _jsonable(value):
    """The configuration with TOML dates (valid_from = 2026-01-01) as "YYYY-MM-DD" strings."""
    from datetime import date

    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
