"""edoc config: the effective configuration and where it came from."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from edoc_cli.commands import completers
from edoc_cli.commands.common import JSON_OPTION, env_of
from edoc_cli.i18n import _
from edoc_cli.i18n import _ as _marked  # a source marked with N_() where it is named

CLIENT_LANG_SHOWN = typer.Option(None, "--client-lang", autocompletion=completers.client_languages, metavar="LANG",
                                 help="Only the letters to clients of this language: ru, kk or en.")

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


@app.command("letters")
def letters(ctx: typer.Context, client_lang: Optional[str] = CLIENT_LANG_SHOWN, as_json: bool = JSON_OPTION) -> None:
    """Print the letters to clients as TOML: every part's template in force, the configuration's or the built-in one."""
    from edoc_cli import render
    from edoc_cli.config_toml import dump_letters
    from edoc_cli.mail.letters import COMMON, PARTS, template
    from edoc_cli.rules.checklist import one_of
    from edoc_cli.ticket import CLIENT_LANGUAGES

    config = env_of(ctx).config
    if client_lang is not None:
        one_of("client_lang", client_lang, CLIENT_LANGUAGES)
    langs = [client_lang] if client_lang else list(CLIENT_LANGUAGES)
    texts = {lang: {key: template(config.letters, lang, key) for key in PARTS} for lang in langs}
    given = [f"letters.{lang}.{key}" for lang in langs for key in PARTS if key in (config.letters.get(lang) or {})]
    if as_json:
        render.print_json({"letters": texts, "configured": given})
        return
    names = {key: " ".join("{" + n + "}" for n in part.names + COMMON) for key, part in PARTS.items()}
    sys.stdout.write(dump_letters(texts, set(given), _("from the configuration"), _("built-in"), names))


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
