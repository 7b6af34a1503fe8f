"""The root Typer app: global options, command registration, and the one error handler."""

from __future__ import annotations

import functools
import os
import sys
from typing import Optional

import typer

from edoc_cli import __version__
from edoc_cli.commands import (
    actions, calendar_cmd, check, completion, config_cmd, listing, open_cmd, report, show, sla_cmd,
    sweep, transfer,
)
from edoc_cli.environment import Environment
from edoc_cli.errors import EdocError, ExitCode

app = typer.Typer(
    name="edoc",
    help="The E-DOC technical support desk: register requests by the regulation, "
    "run SLA clocks in Kazakhstan working time, close and report.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"edoc {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    store: Optional[str] = typer.Option(
        None, "--store", metavar="PATH", help="The ticket store (default $EDOC_STORE, else "
        "$XDG_DATA_HOME/edoc/tickets.json).", show_default=False),
    config: Optional[str] = typer.Option(
        None, "--config", metavar="PATH", help="The configuration file (default $EDOC_CONFIG, else "
        "$XDG_CONFIG_HOME/edoc/config.toml if it exists; built-in defaults otherwise)."),
    operator: Optional[str] = typer.Option(
        None, "--operator", metavar="NAME", help="Who acts (default $EDOC_OPERATOR, else the login name)."),
    lang: Optional[str] = typer.Option(
        None, "--lang", metavar="LANG", help="Language of messages: ru, kk or en (default $EDOC_LANG, else the locale)."),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on unexpected errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    ctx.obj = Environment(store, config, operator, lang, debug)


for module in (open_cmd, listing, show, actions, sla_cmd, sweep, report, calendar_cmd, config_cmd,
               transfer, check, completion):
    if module is config_cmd:
        app.add_typer(module.app, name="config")
    elif module is calendar_cmd:
        app.add_typer(module.app, name="calendar")
    else:
        app.add_typer(module.app)


@functools.lru_cache(maxsize=1)
def _command():
    """The click command tree, built once per process (building it costs more than most commands)."""
    return typer.main.get_command(app)


def run(argv: list[str] | None = None) -> int:
    """Run edoc with `argv`; return the exit code (SPEC.md). Never raises."""
    import click

    args = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in args or bool(os.environ.get("EDOC_DEBUG"))
    if "_EDOC_COMPLETE" in os.environ:
        # The shell asks for completions: use Typer's protocol for every shell.
        from typer.completion import completion_init

        completion_init()
    command = _command()
    try:
        result = command.main(args=args, prog_name="edoc", standalone_mode=False)
        code = int(result) if isinstance(result, int) else 0
        if code == ExitCode.INTERRUPTED:
            # Typer turns Ctrl-C into a silent Exit(130) before the handlers below see it.
            sys.stderr.write("\nedoc: interrupted; nothing was changed\n")
        return code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        sys.stderr.write("edoc: interrupted; nothing was changed\n")
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except EdocError as exc:
        from edoc_cli.render import say

        say(f"edoc: {exc.message}")
        for problem in getattr(exc, "problems", []):
            say(f"  - {problem}")
        if debug:
            import traceback

            traceback.print_exc()
        return exc.code
    except KeyboardInterrupt:
        sys.stderr.write("\nedoc: interrupted; nothing was changed\n")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return _reader_gone()
    except SystemExit as exc:
        # Typer turns a broken stdout pipe into sys.exit(1) before the handler above sees it.
        if isinstance(exc.__context__, BrokenPipeError):
            return _reader_gone()
        raise
    except Exception as exc:  # the last line of defence: one line, no traceback
        if debug:
            import traceback

            traceback.print_exc()
        sys.stderr.write(
            f"edoc: unexpected error: {type(exc).__name__}: {exc}; run again with --debug for details\n"
        )
        return ExitCode.UNEXPECTED


def _reader_gone() -> int:
    """The reader went away (edoc list | head): not an error of ours, so exit 0, quietly."""
    try:
        # Point fd 1 at /dev/null so the flush at interpreter exit cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    return ExitCode.OK


def main() -> None:
    sys.exit(run())
