"""Run as a script: `parent_guard.py PARENT_PID COMMAND [ARG ...]` asks the kernel to send this
process SIGTERM when PARENT_PID's starting thread dies, then becomes COMMAND (exec).

The launcher starts servers through it on Linux rather than with a pre-exec hook: a pre-exec hook
makes Python fork the whole test process, whose copy then runs every library's fork handlers
before the exec; gRPC's, in a process that has used gRPC, can abort the copy (SIGABRT, "epoll_wait
error: Bad file descriptor"), so the server never started. Without the hook the process is
spawned without running those handlers. The parent-death setting survives the exec.

Standard library only and no package imports: it is started as a file, in a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # prctl(2)
EXIT_CANNOT_RUN = 127  # as a shell reports a command it cannot run


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not argv[0].isdigit():
        print("usage: parent_guard.py PARENT_PID COMMAND [ARG ...]", file=sys.stderr)
        return 2
    parent, command = int(argv[0]), argv[1:]
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the launcher skips it there
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    if os.getppid() != parent:  # the parent died before the setting took effect
        return 1
    try:
        os.execvp(command[0], command)
    except OSError as error:
        print(f"cannot run {command[0]}: {error.strerror}", file=sys.stderr)
    return EXIT_CANNOT_RUN


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
