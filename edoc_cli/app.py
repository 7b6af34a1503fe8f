"""The root Typer app: global options, command registration, and the one error handler."""

from __future__ import annotations

import functools
import os
import sys
from typing import Optional

import typer

from edoc_cli import __version__
from edoc_cli.errors import EdocError, ExitCode
from edoc_cli.i18n import _

# command -> (module, the command's name in that module's Typer app, or None: the app is a group)
COMMANDS: dict[str, tuple[str, str | None]] = {
    "demo": ("demo", "demo"), "open": ("open", "open"), "list": ("list", "list"), "search": ("list", "search"),
    "show": ("show", "show"), "edit": ("edit", "edit"),
    **{name: ("actions", name) for name in (
        "assign", "reply", "request-info", "client-reply", "note", "diagnose", "postpone", "resume",
        "escalate", "close", "reopen", "terminate")},
    "sla": ("sla", "sla"), "sweep": ("sweep", "sweep"), "report": ("report", "report"),
    "calendar": ("calendar", None), "config": ("config", None),
    "export": ("export", "export"), "import": ("import_", "import"), "check": ("check", "check"),
    "store": ("store", None), "mail": ("mail", None), "intake": ("intake", None),
    "completion": ("completion", "completion"),
}


class LazyGroup(typer.core.TyperGroup):
    """Imports and builds only the command being run: startup stays fast as commands grow.

    `edoc --help` and completion still see every command (they ask for each by name).
    """

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, name: str):
        if name not in COMMANDS:
            return None
        return _load(name)

    def resolve_command(self, ctx, args):
        """click's, and for a mistyped command the nearest one: `edoc shwo` -> did you mean 'show'?"""
        name = args[0] if args else ""
        if name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            import difflib

            from edoc_cli.i18n import _

            near = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.6)
            if near:
                ctx.fail(_("No such command {name}. Did you mean '{command}'?").format(
                    name=repr(name)[:60], command=near[0]))
        return super().resolve_command(ctx, args)


_LOADED: dict[str, object] = {}


def _load(name: str):
    """The click command `name`, imported and built on first use, in the current language."""
    import importlib

    from edoc_cli import i18n

    if name in _LOADED:
        return _LOADED[name]
    module_name, command_name = COMMANDS[name]
    module = importlib.import_module(f"edoc_cli.commands.{module_name}")
    if command_name is None:
        command = typer.main.get_command(module.app)
    else:  # that command alone is built: the module's others (eleven more actions) cost an action 5 ms
        one = typer.Typer()
        one.registered_commands = [info for info in module.app.registered_commands
                                   if (info.name or typer.main.get_command_name(info.callback.__name__)) == command_name]
        command = typer.main.get_command(one)
    command.name = name
    # Typer gives every app --install-completion/--show-completion: edoc has `edoc completion`.
    command.params = [p for p in command.params if p.name not in ("install_completion", "show_completion")]
    _plain_help(command)
    _localize(command, i18n._)
    _LOADED[name] = command
    return command


app = typer.Typer(
    cls=LazyGroup,
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
    from edoc_cli.environment import Environment

    ctx.obj = Environment(store, config, operator, lang, debug)


@functools.lru_cache(maxsize=1)
def _command():
    """The click command tree, built once per process (building it costs more than most commands)."""
    return typer.main.get_command(app)


GLOBAL_VALUED = ("--store", "--config", "--operator", "--lang")  # the root's options that take a value
GLOBAL_FLAGS = ("--debug",)


def hoist_global_options(args: list[str]) -> list[str]:
    """The root's options given after the subcommand (`edoc open --lang en`) moved before it,
    where click looks for them. A subcommand's own option of the same name, and the value of one
    of its options (`note ID -m --lang`), stay where they are; nothing after `--` moves."""
    from itertools import islice

    import click

    _, i = _root_options(args)
    if i >= len(args) or args[i] not in COMMANDS:
        return args
    front, kept = list(args[:i]), [args[i]]
    command, rest = _load(args[i]), iter(args[i + 1:])

    def own(cmd) -> tuple[set[str], set[str]]:
        """cmd's option names, and those that take a value."""
        names, valued = set(), set()
        for p in cmd.params:
            if isinstance(p, click.Option):
                names.update(p.opts + p.secondary_opts)
                if not p.is_flag and not p.count:
                    valued.update(p.opts)
        return names, valued

    names, valued = own(command)
    for arg in rest:
        if arg == "--":
            kept += [arg, *rest]
            break
        flag = arg.split("=", 1)[0]
        if flag in GLOBAL_VALUED + GLOBAL_FLAGS and flag not in names:
            front.append(arg)
            if arg in GLOBAL_VALUED:
                front.append(next(rest, ""))  # none given: "" (the error then names the option)
            continue
        kept.append(arg)
        if arg in valued:
            kept += list(islice(rest, 1))
        elif not arg.startswith("-") and arg in getattr(command, "commands", {}):
            command = command.commands[arg]
            names, valued = own(command)
    return front + kept


def _root_options(args: list[str]) -> tuple[list[int], int]:
    """The root's own options before the subcommand: their indexes (a value is not an option), and
    where they end (the subcommand's index, or `--`'s, or past the end)."""
    at, i = [], 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        at.append(i)
        i += 2 if args[i] in GLOBAL_VALUED else 1
    return at, i


def _lang_flag(args: list[str]) -> str | None:
    """--lang from the command line, read before parsing so that --help and errors speak it too:
    the root's (hoist_global_options puts every one before the subcommand), the last one counting,
    as with click."""
    found = None
    for i in _root_options(args)[0]:
        if args[i] == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif args[i].startswith("--lang="):
            found = args[i].split("=", 1)[1]
    return found


def _speak(args: list[str]) -> None:
    """Choose the language; translate the command tree's help and click's own words into it."""
    import click

    from edoc_cli import i18n

    try:
        lang = i18n.language_from(_lang_flag(args), os.environ)
        problem = None
    except ValueError as exc:
        # Say so in the locale's language (not in whatever an earlier run in this process spoke).
        lang, problem = i18n.language_from(None, {k: v for k, v in os.environ.items() if k != "EDOC_LANG"}), exc
    i18n.use(lang)
    modules = [f"click.{m}" for m in ("core", "exceptions", "formatting", "decorators", "types", "parser",
                                      "termui", "utils")] + ["typer.core"]
    translate = i18n._
    # The names click gives its number types, shown in its errors and as metavars (INTEGER RANGE).
    for kind in (click.types.IntParamType, click.types.IntRange, click.types.FloatParamType,
                 click.types.FloatRange, click.types.BoolParamType):
        kind._edoc_name = vars(kind).get("_edoc_name", vars(kind)["name"])  # its own, not a base class's
        kind.name = translate(kind._edoc_name)
    for name in modules:
        mod = sys.modules.get(name)
        if mod is not None and hasattr(mod, "_"):
            mod._ = i18n._
        if mod is not None and hasattr(mod, "ngettext"):
            mod.ngettext = i18n.ngettext
    for command in [_command(), *_LOADED.values()]:
        _localize(command, i18n._)
    if problem is not None:
        raise click.UsageError(str(problem))


def _plain_help(command) -> None:
    """Help as plain click text, like the root's (rich_markup_mode=None): no boxes, no markup."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def _localize(command, translate) -> None:
    """Help texts in the current language; the English originals are kept on the objects."""
    for obj in [command, *command.params]:
        if not hasattr(obj, "_edoc_help"):
            obj._edoc_help = obj.help
        if obj._edoc_help:
            obj.help = _filled(translate(obj._edoc_help))
    # click caches --help's own option (its help text in the language of the run that made it):
    # drop it, so that it is made again in this run's language.
    if getattr(command, "_help_option", None) is not None:
        command._help_option = None
    for sub in getattr(command, "commands", {}).values():
        _localize(sub, translate)


def _filled(help_text: str) -> str:
    """A help text with the accepted forms of a date or a duration in place of {instant_forms} and
    {duration_forms}: the same lists the prompts and errors show (typed_forms)."""
    if "_forms}" not in help_text:
        return help_text
    from edoc_cli.typed_forms import duration_forms, instant_forms

    return help_text.replace("{instant_forms}", instant_forms()).replace("{duration_forms}", duration_forms())


MAX_SHOWN_PROBLEMS = 50  # an error lists this many of its problems, then how many more there are


def run(argv: list[str] | None = None) -> int:
    """Run edoc with `argv`; return the exit code (docs/contract.md). Never raises."""
    from edoc_cli.store.commit import RUN

    RUN.reset()
    try:
        code = _run(argv)
    finally:
        RUN.close()
        if "_EDOC_COMPLETE" not in os.environ:  # a shell asking for completions shows no warnings
            for warning in RUN.warnings:
                sys.stderr.write(f"edoc: {warning}\n")
    if RUN.held and code == ExitCode.OK:
        # A signal came while a change was being committed: it was held until the change stood.
        sys.stderr.write(_("edoc: interrupted; the change had been saved before the interrupt took effect") + "\n")
        return ExitCode.INTERRUPTED
    return code


def _interrupted() -> int:
    from edoc_cli.store.commit import RUN

    if RUN.commits:
        sys.stderr.write("\n" + _("edoc: interrupted; the change made before it was saved") + "\n")
    else:
        sys.stderr.write("\n" + _("edoc: interrupted; nothing was changed") + "\n")
    return ExitCode.INTERRUPTED


def _run(argv: list[str] | None) -> int:
    import click

    args = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in args or bool(os.environ.get("EDOC_DEBUG"))
    if "_EDOC_COMPLETE" in os.environ:
        # The shell asks for completions: use Typer's protocol for every shell.
        from typer.completion import completion_init

        completion_init()
    try:
        command = _command()
        if "_EDOC_COMPLETE" not in os.environ:
            args = hoist_global_options(args)
        _speak(args)
        result = command.main(args=args, prog_name="edoc", standalone_mode=False)
        code = int(result) if isinstance(result, int) else 0
        if code == ExitCode.INTERRUPTED:
            # Typer turns Ctrl-C into a silent Exit(130) before the handlers below see it.
            return _interrupted()
        return code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        return _interrupted()
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except EdocError as exc:
        from edoc_cli.commands.flags import render_error
        from edoc_cli.render import say

        message, problems = render_error(exc)
        say(f"edoc: {message}")
        for problem in problems[:MAX_SHOWN_PROBLEMS]:
            say(f"  - {problem}")
        if len(problems) > MAX_SHOWN_PROBLEMS:
            say("  " + _("... and {count} more").format(count=len(problems) - MAX_SHOWN_PROBLEMS))
        if debug:
            import traceback

            traceback.print_exc()
        return exc.code
    except KeyboardInterrupt:
        return _interrupted()
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
        sys.stderr.write(_("edoc: unexpected error: {kind}: {error}; run again with --debug for details").format(
            kind=type(exc).__name__, error=exc) + "\n")
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
    try:
        code = run()
    except KeyboardInterrupt:  # before or after the handlers of run() (reading argv, printing warnings)
        code = _interrupted()
    _end(code)


def _end(code: int) -> None:
    """End the process. With no other thread left, once the exit handlers have run and stdout and
    stderr are flushed, at once: what the interpreter would do after that is free the memory the
    system takes back anyway (10 ms of every command; 14 ms of a list of 2,000 tickets)."""
    import atexit

    threading = sys.modules.get("threading")
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)  # what sys.exit runs first (CPython)
    if run_exit_handlers is not None and (threading is None or threading.active_count() == 1):
        try:
            run_exit_handlers()
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # the way of every exit says it
        else:
            os._exit(code)
    sys.exit(code)
