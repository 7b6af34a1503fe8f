"""The `edoc` program: the command line, with a Ctrl-C while it is still starting up ending as any
other interrupt does (exit 130, one line), not in a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from edoc_cli.app import main as run
    except KeyboardInterrupt:
        sys.stderr.write("\nedoc: interrupted; nothing was changed\n")
        sys.exit(130)
    run()
