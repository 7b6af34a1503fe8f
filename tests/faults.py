"""Faults injected into edoc run in this process: at the n-th write-side call of the os module."""

from __future__ import annotations

import errno
import os
import signal
from typing import Callable

KINDS = ("eio", "einval", "exception", "sigint")
COUNTED = ("open", "write", "fsync", "replace", "fchmod", "mkdir", "unlink", "rename")


class Injector:
    """Counts the write-side calls of the os module; fires a fault at call number `at`."""

    def __init__(self, at: int | None = None, kind: str = "eio"):
        self.at = at
        self.kind = kind
        self.calls: list[str] = []
        self.fired: str | None = None

    def wrap(self, name: str, real: Callable) -> Callable:
        def call(*args, **kwargs):
            if name == "open" and not (len(args) > 1 and args[1] & os.O_CREAT):
                return real(*args, **kwargs)  # reading is not a step of a commit
            self.calls.append(name)
            if len(self.calls) == self.at:
                self.fired = f"{self.kind} at {name} #{self.at}"
                if self.kind == "eio":
                    raise OSError(errno.EIO, "Input/output error (injected)")
                if self.kind == "einval":
                    raise OSError(errno.EINVAL, "Invalid argument (injected)")
                if self.kind == "exception":
                    raise KeyboardInterrupt
                os.kill(os.getpid(), signal.SIGINT)  # delivered at the next bytecode, or held
            return real(*args, **kwargs)
        return call

    def run(self, edoc, args: list[str], now: str):
        """`edoc.run(*args)` with the os module's write-side calls counted, and the fault fired."""
        real = {name: getattr(os, name) for name in COUNTED}
        try:
            for name in COUNTED:
                setattr(os, name, self.wrap(name, real[name]))
            return edoc.run(*args, now=now)
        finally:
            for name, function in real.items():
                setattr(os, name, function)
