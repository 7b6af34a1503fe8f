"""edoc demo: a working day of the desk in a scratch store, shown as the everyday commands show it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from edoc_cli.commands.common import env_of
from edoc_cli.i18n import N_, _

app = typer.Typer()

# The environment a scratch store must not inherit: the real store, configuration, operator and clock.
NOT_INHERITED = ("EDOC_STORE", "EDOC_CONFIG", "EDOC_OPERATOR", "EDOC_NOW")


@app.command("demo")
def demo(ctx: typer.Context,
         keep: Optional[Path] = typer.Option(
             None, "--keep", metavar="DIR", help="Keep the scratch store in DIR (a new or empty folder) to "
             "explore it with the other commands; without it, the store is removed.")) -> None:
    """Show a realistic working day on the built-in defaults, in a scratch store (never your store):
    registrations, replies, a request for information, the sweep's auto-close, a breach; then the
    list, one ticket's SLA explanation and the report."""
    import shutil
    import tempfile

    from edoc_cli.demo import run_day

    env = env_of(ctx)
    folder = _kept_folder(keep) if keep is not None else Path(tempfile.mkdtemp(prefix="edoc-demo-"))
    try:
        scratch = _scratch(env, folder, env.environ.get("EDOC_NOW"))
        today = scratch.now().date()
        day = run_day(scratch.desk, today)
        _show(_scratch(env, folder, day.as_of.isoformat()), day)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    _hint(folder, day, keep is not None)


def _scratch(env, folder: Path, now: str | None):
    """An environment like `env` (language, terminal) on a store in `folder`, the built-in defaults
    and the clock at `now` (None: the real clock); it never opens the real store."""
    from edoc_cli.environment import Environment

    environ = {k: v for k, v in env.environ.items() if k not in NOT_INHERITED}
    if now:
        environ["EDOC_NOW"] = now
    return Environment(str(folder / "tickets.json"), None, "demo", env.lang_flag, env.debug, environ,
                       builtin_config=True)


def _kept_folder(keep: Path) -> Path:
    """--keep's folder, made if need be; refused when it holds anything (a store is never overwritten)."""
    from edoc_cli.errors import UsageError, os_reason
    from edoc_cli.safe_text import control_problem

    why = control_problem(str(keep), False)
    if why:
        raise UsageError(_("--keep: the folder name {problem}").format(problem=why))
    try:
        keep.mkdir(mode=0o700, parents=True, exist_ok=True)
        if any(keep.iterdir()):
            raise UsageError(_("--keep: {path} is not empty; name a new or empty folder").format(path=keep))
    except OSError as exc:
        raise UsageError(_("--keep: {path}: {reason}").format(path=keep, reason=os_reason(exc))) from None
    return keep


def _show(env, day) -> None:
    """The day's events, then the list, one ticket's SLA explanation and the report, as the commands show them."""
    from edoc_cli import render, render_report

    desk = env.desk
    _heading(env, _("A working day at the E-DOC support desk: {previous} and {day}, on the built-in defaults, "
                    "in a scratch store (your store is not touched)").format(
        previous=day.previous.isoformat(), day=day.day.isoformat()))
    _heading(env, _("What happened, event by event"))
    # On a terminal one line an event, the message cut to the room left; render is imported here,
    # not at the top, so that `edoc --help` (which loads every command module) stays fast.
    columns = (render.Column(N_("at")), render.Column(N_("id")), render.Column(N_("by"), drop=2),
               render.Column(N_("event")), render.Column(N_("details"), drop=1), render.Column(N_("message"), cut=True))
    render.fitted_table(env, columns, [[(row := render.history_row(event, human=env.stdout_tty))[0], tid, *row[1:]]
                                             for tid, event in day.events])
    _heading(env, _("Open work at {time} (edoc list): !! marks a breached SLA, ! one at risk").format(
        time=day.as_of.strftime("%H:%M")))
    render.ticket_list(env, desk.find(desk.list_filter()).views)
    _heading(env, _("Why {id} stands where it does (edoc sla {id})").format(id=day.explained))
    render.sla_explanation(env, desk.explain(day.explained))
    _heading(env, _("The last 30 days (edoc report)"))
    render_report.report_table(env, desk.report(None, None, "category"))


def _heading(env, text: str) -> None:
    if env.stdout_tty:
        from rich.console import Console
        from rich.text import Text

        Console(no_color=not env.color, highlight=False).print(Text("\n" + text, style="bold"))
        return
    sys.stdout.write(f"\n# {text}\n")
    sys.stdout.flush()


def _hint(folder: Path, day, kept: bool) -> None:
    import shlex

    from edoc_cli import render

    if not kept:
        render.say("\n" + _("The scratch store was removed; 'edoc demo --keep DIR' keeps it."))
        return
    store = folder.resolve() / "tickets.json"
    render.say("\n" + _("The demo store is kept in {folder}. Explore it with the other commands, e.g.:").format(
        folder=folder))
    render.say(f"  export EDOC_STORE={shlex.quote(str(store))} EDOC_NOW={day.as_of.isoformat()}")
    render.say("  edoc list; edoc show {id}; edoc report".format(id=day.explained))
    render.say(_("(EDOC_NOW holds the clock at the end of the demo day; without it you see the tickets as of now.)"))
