"""edoc intake list | show | dismiss: received mail that names no ticket, waiting for an operator.

`edoc open --from-mail N` registers one (commands/open.py); the queue itself is intake.py.
"""

from __future__ import annotations

from typing import Any, List

import typer

from edoc_cli.commands import completers
from edoc_cli.commands.common import JSON_OPTION, env_of, show_rows
from edoc_cli.i18n import N_, _, ngettext
from edoc_cli.i18n import _ as _marked  # a word marked with N_() above
from edoc_cli.render import Column

app = typer.Typer(help="Received mail that names no ticket: list it, read it, dismiss spam and auto-replies; "
                  "'edoc open --from-mail N' registers a message.", add_completion=False)

# The words of the queue's codes, by words.word's kind|code (a terminal shows these, a pipe the codes).
WORDS = (N_("intake|waiting"), N_("intake|registered"), N_("intake|dismissed"),
         N_("automatic|auto_reply"), N_("automatic|bulk"), N_("automatic|bounce"))
# On a terminal, the mark column: the automatic ones (auto-replies, bulk mail, bounces) read at a glance.
AUTO_MARK = N_("auto")
MAX_SENDER = 24  # a terminal's list cuts a longer address (the card shows it whole): 80 columns hold it
# With --all the state (and the ticket a message became) is what is looked for: it goes last.
COLUMNS = (Column(N_("automatic"), label=" "), Column(N_("n"), numeric=True, label=N_("no.")),
           Column(N_("at"), label=N_("arrived"), drop=2), Column(N_("sender"), drop=1),
           Column(N_("state"), drop=3), Column(N_("subject"), cut=True))
NUMBER = typer.Argument(..., metavar="N", autocompletion=completers.intake_numbers,
                        help="The message's number in the intake (edoc intake list).")


@app.command("list")
def list_(ctx: typer.Context,
          all_: bool = typer.Option(False, "--all", help="Registered and dismissed messages too (dismissed ones are "
                                    "kept 30 days)."),
          as_json: bool = JSON_OPTION) -> None:
    """The messages waiting to be registered or dismissed, oldest first."""
    env = env_of(ctx)
    show_rows(env, env.desk.intake(include_all=all_), as_json,
              _("no mail is waiting in the intake") if not all_ else _("the intake is empty"),
              lambda rows: _table(env, rows, all_))


def _table(env, rows: list[dict[str, Any]], all_: bool) -> None:
    """The queue on a terminal (fitted), or in a pipe the codes and every column, for scripts."""
    from edoc_cli import render

    columns = COLUMNS if all_ else COLUMNS[:4] + COLUMNS[5:]
    if not env.stdout_tty:
        render.table(env, [c.header for c in columns] + (["ticket"] if all_ else []),
                     [_cells(env, r, columns, human=False) + ([r.get("ticket") or ""] if all_ else [])
                      for r in rows])
        return
    render.fitted_table(env, columns, [_cells(env, r, columns, human=True) for r in rows])


def _cells(env, row: dict[str, Any], columns, human: bool) -> list[Any]:
    from edoc_cli.words import word

    sender = row["sender"]
    if human and len(sender) > MAX_SENDER:
        sender = sender[:MAX_SENDER - 1] + "…"
    state = row.get("state") or "waiting"
    if human:
        state = word("intake", state) + (f" {row['ticket']}" if row.get("ticket") else "")
    auto = row.get("automatic") or ""
    values = {"automatic": _marked(AUTO_MARK) if human and auto else auto, "n": row["n"], "at": _local(env, row["at"]),
              "sender": sender, "state": state, "subject": row.get("subject") or ""}
    return [values[c.header] for c in columns]


def _local(env, at: str) -> str:
    """An instant as the desk's time zone reads it (Astana), to the minute."""
    from edoc_cli.tz import parse_instant

    try:
        return env.desk.iso(parse_instant(at, env.tz))[:16].replace("T", " ")
    except ValueError:
        return at


@app.command("show")
def show(ctx: typer.Context, n: int = NUMBER, as_json: bool = JSON_OPTION) -> None:
    """One message whole: who sent it, when it arrived, its subject, its text and attachments."""
    from edoc_cli import render
    from edoc_cli.words import word

    env = env_of(ctx)
    row = env.desk.intake_message(n)
    if as_json:
        render.print_json(row)
        return
    sender = row["sender"] if not row.get("sender_name") else f"{row['sender_name']} <{row['sender']}>"
    state = word("intake", row.get("state") or "waiting")
    if row.get("ticket"):
        state = _("{state} as {id} by {operator} at {at}").format(
            state=state, id=row["ticket"], operator=row.get("registered_by", "?"),
            at=_local(env, row.get("registered_at") or ""))
    elif row.get("dismissed_by"):
        state = _("{state} by {operator} at {at}").format(state=state, operator=row["dismissed_by"],
                                                          at=_local(env, row.get("dismissed_at") or ""))
        if row.get("dismissed_reason"):
            state += f": {row['dismissed_reason']}"
    pairs: list[tuple[str, Any]] = [(N_("sender"), sender), (N_("arrived"), _local(env, row["at"])),
                                    (N_("state"), state)]
    if row.get("automatic"):
        pairs.append((N_("automatic"), word("automatic", row["automatic"])))
    if row.get("message_id"):
        pairs.append((N_("message id"), row["message_id"]))
    from edoc_cli.render_mail import file_size

    files = [f"{f['name']} ({file_size(f['size'])})" for f in row["files"]]
    pairs += [(N_("subject"), row.get("subject") or ""), (N_("attachments"), "\n".join(files) or "-"),
              (N_("text"), row.get("text") or "")]
    render.fields(env, pairs, title=_("Message {number} of the intake").format(number=n))


@app.command("dismiss")
def dismiss(ctx: typer.Context,
            numbers: List[int] = typer.Argument(..., metavar="N...", autocompletion=completers.intake_numbers,
                                                help="The numbers of the messages (edoc intake list)."),
            reason: str = typer.Option(None, "--message", "-m", metavar="REASON",
                                       help="Why (spam, an auto-reply); kept with the message.")) -> None:
    """Set aside messages that are not requests (spam, auto-replies), every one or none: kept 30 days, not listed."""
    from edoc_cli import render

    env = env_of(ctx)
    done = env.desk.dismiss_mail(numbers, reason)
    render.say(ngettext("dismissed {count} message of the intake", "dismissed {count} messages of the intake",
                        len(done)).format(count=len(done)))
