"""Where an action's message comes from: -m TEXT, -m - (stdin), -F FILE, a template, or $EDITOR.

The text read is held to the limits of a message (rules.checklist.message_text) by the core; here
it is only read safely: never more than a message may hold, UTF-8 text only, and a file that is a
file. On a terminal with no message given, the operator's editor opens on a file with a commented
hint, as `git commit` does.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, Optional

import typer

from edoc_cli.commands import completers
from edoc_cli.errors import UsageError, os_reason
from edoc_cli.i18n import _

# A message holds at most MAX_TEXT characters (rules.checklist), each at most 4 bytes of UTF-8.
MAX_MESSAGE_BYTES = 4 * 20_000

MESSAGE = typer.Option(None, "--message", "-m", metavar="TEXT|-",
                       help="The text; '-' reads it from stdin. On a terminal without it, $VISUAL or $EDITOR opens.")
OPT_MESSAGE = typer.Option(None, "--message", "-m", metavar="TEXT|-", help="The text (optional); '-' reads stdin.")
FILE = typer.Option(None, "--file", "-F", metavar="FILE|-", help="Read the text from a file ('-': stdin).")
TEMPLATE = typer.Option(None, "--template", "-t", metavar="NAME", autocompletion=completers.templates,
                        help="A canned reply from [[templates]] in the configuration; -m/-F text is added after it.")


@dataclass
class Message:
    """What the operator gave: the text typed or read, and a template to put before it."""

    text: Optional[str]
    template: Optional[str] = None

    def for_ticket(self, env, ticket: dict[str, Any]) -> Optional[str]:
        """The message for one ticket: the template (its {id}, {client}, {operator} filled), then the text."""
        if self.template is None:
            return self.text
        from edoc_cli import i18n
        from edoc_cli.templates import template_text

        canned = template_text(env.config, self.template, i18n.current(), {
            "id": ticket["id"], "client": ticket["client"].get("name"), "operator": env.desk.operator})
        return canned if self.text is None else f"{canned}\n\n{self.text}"


def read_message(env, message: Optional[str], file: Optional[str], template: Optional[str] = None, *,
                 required: bool = True, hint: str = "", stdin_taken: bool = False) -> Message:
    """The message the flags give; with none on a terminal (and one required), the editor's."""
    if message is not None and file is not None:
        raise UsageError(_("{flag} and {other} cannot be combined: give the text one way"),
                         fields={"flag": "message", "other": "file"})
    stdin = message == "-" or file == "-"
    if stdin and stdin_taken:
        raise UsageError(_("stdin carries the ticket numbers ('-'): give the text with {flag} TEXT or {other} FILE"),
                         fields={"flag": "message", "other": "file"})
    if template is not None:
        from edoc_cli.templates import template_text

        template_text(env.config, template, "", {})  # an unknown name: the error listing the known ones
    if stdin:
        text = _decoded(sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1), "stdin")
    elif file is not None:
        text = read_text_file(file)
    else:
        text = message
    if text is None and template is None and required:
        if not (env.interactive and env.stdout_tty):
            raise UsageError(_("{flag} is required (or {other} FILE, or --template NAME)"),
                             fields={"flag": "message", "other": "file"})
        text = from_editor(env, hint)
    return Message(text, template)


def read_text_file(path: str, empty_ok: bool = False) -> str:
    """A message file's text: a regular file, UTF-8, not binary, within the size of a message."""
    import stat

    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise UsageError(_("{file}: is a directory, not a file").format(file=path))
        if not stat.S_ISREG(mode):
            raise UsageError(_("{file}: not a regular file").format(file=path))
        with open(path, "rb") as handle:
            data = handle.read(MAX_MESSAGE_BYTES + 1)
    except OSError as exc:
        raise UsageError(_("{file}: cannot read it: {reason}").format(file=path, reason=os_reason(exc))) from None
    return _decoded(data, path, empty_ok)


def _decoded(data: bytes, where: str, empty_ok: bool = False) -> str:
    if len(data) > MAX_MESSAGE_BYTES:
        raise UsageError(_("{file}: larger than {size} KiB, more than a message may hold").format(
            file=where, size=MAX_MESSAGE_BYTES // 1024))
    if b"\x00" in data:
        raise UsageError(_("{file}: binary data, not text").format(file=where))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(_("{file}: not UTF-8 text (byte {byte})").format(file=where, byte=exc.start)) from None
    if not text.strip() and not empty_ok:
        raise UsageError(_("{file}: the message is empty").format(file=where))
    return text


def from_editor(env, hint: str) -> str:
    """What the operator writes in $VISUAL or $EDITOR; lines starting with '#' dropped. Empty or an
    editor that fails: nothing is done (exit 2)."""
    import shlex
    import subprocess
    import tempfile

    command = env.environ.get("VISUAL") or env.environ.get("EDITOR") or "vi"
    try:
        argv = shlex.split(command)
    except ValueError:
        argv = []
    if not argv:
        raise UsageError(_("$VISUAL or $EDITOR {command} is not a command").format(command=repr(command)))
    comment = "\n".join(f"# {line}".rstrip() for line in [
        *hint.splitlines(), _("Lines starting with '#' are dropped; an empty message cancels.")])
    fd, path = tempfile.mkstemp(prefix="edoc-message-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n" + comment + "\n")
        try:
            done = subprocess.run([*argv, path])
        except OSError as exc:
            raise UsageError(_("cannot start the editor {command}: {reason}; set $EDITOR or give {flag}"),
                             fields={"flag": "message"}, command=repr(command), reason=os_reason(exc)) from None
        if done.returncode != 0:
            raise UsageError(_("the editor exited with code {code}: nothing was changed").format(code=done.returncode))
        text = read_text_file(path, empty_ok=True)
    finally:
        os.unlink(path)
    kept = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    if not kept.strip():
        raise UsageError(_("the message is empty: nothing was changed"))
    return kept

