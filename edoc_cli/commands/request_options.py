"""The request's fields as command-line options, defined once for `open` and `edit`."""

from __future__ import annotations

import typer

from edoc_cli.commands import completers

EMAIL = typer.Option(None, "--email", help="E-mail to answer to.")
PHONE = typer.Option(None, "--phone", help="Phone to answer to.")
ORGANIZATION = typer.Option(None, "--organization", help="The client's organisation.")
CLIENT_LANG = typer.Option(None, "--client-lang", autocompletion=completers.client_languages, metavar="LANG",
                           help="The language edoc writes to the client in: ru (the default), kk or en.")
CHANNEL = typer.Option(None, "--channel", autocompletion=completers.channels, help="phone, email, portal or chat (clause 8).")
TOPIC = typer.Option(None, "--topic", autocompletion=completers.topics, help="What the request is about, from the scope "
                     "lists (clause 6); 'edoc config show' lists them.")
SUBJECT = typer.Option(None, "--subject", help="A one-line summary.")
DESCRIPTION = typer.Option(None, "--description", help="The request in the client's words.")
STEPS = typer.Option(None, "--steps", help="Bugs: steps to reproduce (clause 12).")
OCCURRED_AT = typer.Option(None, "--occurred-at", help="Bugs: when it happened: {instant_forms}.")
BROWSER = typer.Option(None, "--browser", help="Bugs: browser and version.")
OS = typer.Option(None, "--os", help="Bugs: operating system.")
DOCUMENT = typer.Option(None, "--document", help="The number of the document involved.")
