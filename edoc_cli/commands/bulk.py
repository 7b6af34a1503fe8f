"""One action on several tickets: ids on the command line or on stdin ('-'), each its own change.

Each ticket is changed all or nothing, in a transaction of its own, so one refused ticket (closed,
unknown, a mistyped number) leaves the others done. The summary says what happened to each; the
exit code is that of the first failure (0 when none failed), so `set -e` scripts still stop.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from edoc_cli.errors import EdocError, ExitCode, UsageError
from edoc_cli.i18n import _

MAX_IDS_BYTES = 1024 * 1024  # ids on stdin: tens of thousands of numbers at most


def expand_ids(args: list[str]) -> tuple[list[str], bool]:
    """The ids to act on (as typed; '-' replaced by stdin's lines, blank ones skipped) and whether
    stdin gave them."""
    if args.count("-") > 1:
        raise UsageError(_("'-' (ticket numbers on stdin) may be given once"))
    if "-" not in args:
        return list(args), False
    data = sys.stdin.buffer.read(MAX_IDS_BYTES + 1)
    if len(data) > MAX_IDS_BYTES:
        raise UsageError(_("stdin: more than {size} KiB of ticket numbers").format(size=MAX_IDS_BYTES // 1024))
    text = data.decode("utf-8", "replace")
    read = [line.strip() for line in text.splitlines() if line.strip()]
    at = args.index("-")
    return args[:at] + read + args[at + 1:], True


def is_bulk(args: list[str]) -> bool:
    return len(args) > 1 or "-" in args


def run_each(env, ids: list[str], act: Callable[[str], dict[str, Any]], as_json: bool,
             done: Callable[[dict[str, Any]], str]) -> int:
    """`act` on every id in turn; per-ticket results (JSON) or lines (stderr); the exit code."""
    from edoc_cli import render
    from edoc_cli.commands.flags import render_error

    results = []
    first_failure = ExitCode.OK
    for raw in ids:
        try:
            ticket = act(raw)
        except EdocError as exc:
            message, problems = render_error(exc)
            error = "; ".join([message, *problems])
            results.append({"id": raw, "ok": False, "exit_code": int(exc.code), "error": error})
            first_failure = first_failure or exc.code
            if not as_json:
                render.say(f"edoc: {raw}: {error}")
            continue
        results.append({"id": ticket["id"], "ok": True, "status": ticket["status"],
                        "assignee": ticket.get("assignee")})
        if not as_json:
            render.say(done(ticket))
    failed = sum(1 for r in results if not r["ok"])
    if as_json:
        render.print_json({"done": len(results) - failed, "failed": failed, "results": results})
    else:
        render.say(_("done: {done}, failed: {failed}").format(done=len(results) - failed, failed=failed))
    return int(first_failure)


def split_operator(args: list[str], to: str | None) -> tuple[list[str], str | None]:
    """`assign`'s arguments: ID... [OPERATOR]. The last one names the operator unless it is '-' or
    reads as a registration number (then nobody is named: the operator running edoc takes them);
    `--to` names the operator explicitly, and then every argument is a number."""
    from edoc_cli.ticket_id import TICKET_ID_RE

    if to is not None:
        return list(args), to
    last = args[-1].strip().upper()
    if len(args) > 1 and last != "-" and not TICKET_ID_RE.match(last):
        return list(args[:-1]), args[-1]
    return list(args), None
