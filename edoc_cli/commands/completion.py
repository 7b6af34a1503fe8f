"""edoc completion SHELL: the shell completion script (the files in completions/)."""

from __future__ import annotations

import sys

import typer

from edoc_cli.i18n import _

app = typer.Typer()

SHELLS = ("bash", "zsh", "fish")


def completion_script(shell: str) -> str:
    """The script that makes SHELL ask edoc itself for completions."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="edoc", complete_var="_EDOC_COMPLETE", shell=shell).rstrip("\n") + "\n"


@app.command("completion")
def completion(shell: str = typer.Argument(..., metavar="SHELL", help="bash, zsh or fish.")) -> None:
    """Print the completion script for bash, zsh or fish (see README: Shell completion)."""
    from edoc_cli.errors import UsageError

    if shell not in SHELLS:
        raise UsageError(_("SHELL must be one of {shells}, not {shell!r}").format(
            shells=", ".join(SHELLS), shell=shell))
    sys.stdout.write(completion_script(shell))
