"""Noticing a target that stopped answering mid-run, across every xdist worker of the run.

Without it each remaining test would wait out its own request deadlines and a run against a
stalled target would give no verdict for hours. A `StallWatch` counts consecutive requests that
got no answer (transport errors, timeouts), whichever worker sent them, in a small file of a run
directory the workers share; any answer, whatever its status, resets the count. At `threshold`
failures in a row the stall is declared (a second file, which stays), and from then on no request
of the run is sent: each raises `TargetStalled` at once, which is itself a transport error, so the
test it interrupts is `target-unavailable` like any other test that lost the target.

The count is the size of a file grown by one byte per failure with O_APPEND (atomic between
processes, no lock) and truncated on an answer: exact enough for a threshold, and an answer costs
one `stat`.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import httpx

from conformance.options import DEFAULT_STALL_AFTER

_COUNT = "consecutive-failures"
_DECLARED = "stalled"


class TargetStalled(httpx.TransportError):
    """The run declared the target stalled: this request was not sent."""


class StallWatch:
    """The stall state of one run, shared through `directory` by every process of the run."""

    def __init__(self, directory: str | Path, threshold: int = DEFAULT_STALL_AFTER) -> None:
        self.directory = Path(directory)
        self.threshold = max(1, threshold)
        self._count = self.directory / _COUNT
        self._declared = self.directory / _DECLARED
        self._message: str | None = None

    def message(self) -> str | None:
        """Why the run declared the target stalled, or None while it has not."""
        if self._message is None and self._declared.exists():
            with contextlib.suppress(OSError):
                self._message = self._declared.read_text(encoding="utf-8").strip() or "stalled"
        return self._message

    def before(self) -> None:
        """Called before each request: raise TargetStalled once the stall is declared."""
        message = self.message()
        if message is not None:
            raise TargetStalled(message)

    def answered(self) -> None:
        """The target answered a request (any status): the failures are no longer consecutive."""
        with contextlib.suppress(OSError):
            if self._count.stat().st_size:
                os.truncate(self._count, 0)

    def failed(self, error: BaseException) -> None:
        """A request got no answer; at `threshold` in a row (any worker) the stall is declared."""
        if isinstance(error, TargetStalled):
            return
        try:
            fd = os.open(self._count, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, b".")
            finally:
                os.close(fd)
            count = self._count.stat().st_size
        except OSError:
            return
        if count >= self.threshold and self.message() is None:
            self.declare(
                f"the target stopped answering: {count} requests in a row got no answer "
                f"(last: {type(error).__name__}: {error}); the remaining tests were not run "
                "(--stall-after)"
            )

    def declare(self, message: str) -> None:
        """Declare the stall for every process of the run (the first message stays)."""
        with contextlib.suppress(OSError):
            fd = os.open(self._declared, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(message)
        self._message = None
        self.message()
