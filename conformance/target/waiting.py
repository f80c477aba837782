"""Bounded polling for eventually consistent targets.

The only polling loop of the suite. A read after a write is retried until it shows the expected
state or the consistency deadline passes; with a timeout of 0 it is checked exactly once (strongly
consistent targets). There are no fixed sleeps: the pause between probes starts small and grows,
and it never runs past the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_FIRST_PAUSE = 0.01
_MAX_PAUSE = 0.25


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 1500 else text[:1500] + "..."


def eventually(
    probe: Callable[[], T],
    check: Callable[[T], object],
    what: str,
    timeout: float,
    *,
    first_pause: float = _FIRST_PAUSE,
    max_pause: float = _MAX_PAUSE,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `probe()` until `check(value)` is truthy (an AssertionError counts as not yet).

    The pause between probes starts at `first_pause` and doubles up to `max_pause` (index
    operations on hosted services want longer pauses than reads after writes).
    Returns the value that passed. After `timeout` seconds, raises AssertionError naming `what`,
    the last value observed and, if the check raised, its message.
    """
    deadline = clock() + max(timeout, 0.0)
    pause = first_pause
    attempts = 0
    while True:
        attempts += 1
        value = probe()
        reason = ""
        try:
            if check(value):
                return value
        except AssertionError as exc:
            reason = f" ({exc})" if str(exc) else ""
        remaining = deadline - clock()
        if remaining <= 0:
            waited = f"within {timeout:g}s ({attempts} probes)" if timeout > 0 else "(checked once)"
            raise AssertionError(
                f"expected {what}, not observed {waited}{reason}; last observed: {_describe(value)}"
            )
        sleep(min(pause, remaining))
        pause = min(pause * 2, max_pause)
