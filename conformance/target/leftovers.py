"""Deletions that tell the truth: bounded retries of transient failures, and a named leftover,
with the command that removes it by hand, for whatever could not be deleted.

A cleanup that "succeeded" on an HTML page with status 200, or gave up at the first dropped
connection, would leave data on a vendor's target that no report mentions. Here a deletion counts
only when the target answers 2xx (or 404: already gone) with a JSON body; transport errors, 429
and 5xx are retried a few times within a deadline; anything else is a leftover.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.redact import redact

ATTEMPTS = 3  # tries per deletion
BACKOFF = (0.2, 0.5)  # seconds before the second and third try
DEADLINE = 20.0  # seconds one Space's cleanup may spend retrying, in all
KEY_VARIABLE = "$PINECONE_API_KEY"  # the commands name the key, never show it


def transient(status: int) -> bool:
    """Worth another try: rate limited or a server-side error."""
    return status == 429 or status >= 500


def curl(method: str, url: str, api_version: str | None, body: Any = None) -> str:
    """A shell command doing one request, the API key read from the environment."""
    parts = ["curl", "-sS", "-X", method, shlex.quote(redact(url))]
    parts += ["-H", f'"Api-Key: {KEY_VARIABLE}"']
    if api_version:
        parts += ["-H", shlex.quote(f"X-Pinecone-Api-Version: {api_version}")]
    if body is not None:
        text = redact(json.dumps(body, separators=(",", ":"), ensure_ascii=False))
        parts += ["-H", "'Content-Type: application/json'", "-d", shlex.quote(text)]
    return " ".join(parts)


@dataclass
class Deleter:
    """Runs deletions with bounded retries and keeps what could not be deleted."""

    deadline: float = DEADLINE
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    leftovers: list[dict[str, Any]] = field(default_factory=list)
    _until: float | None = None

    def attempt(self, send: Callable[[], Any], ok: tuple[int, ...] = (200, 202, 404)) -> str | None:
        """Send until it worked (None) or the tries run out; the last problem otherwise."""
        if self._until is None:
            self._until = self.clock() + self.deadline
        problem = "not attempted"
        for attempt in range(ATTEMPTS):
            try:
                response = send()
            except httpx.TransportError as exc:
                problem, retry = f"{type(exc).__name__}: {redact(str(exc))[:200]}", True
            except AssertionError as exc:  # a response over the body cap
                return f"{type(exc).__name__}: {redact(str(exc))[:200]}"
            else:
                if response.status in ok and isinstance(response.json, dict):
                    return None
                kind = "" if response.status not in ok else "a non-JSON answer, "
                problem = f"{kind}HTTP {response.status}: {redact(response.text)[:200]!r}"
                retry = transient(response.status)
            if not retry or attempt + 1 >= ATTEMPTS:
                break
            delay = BACKOFF[min(attempt, len(BACKOFF) - 1)]
            if self.clock() + delay > self._until:
                break
            self.sleep(delay)
        return problem

    def delete(
        self,
        send: Callable[[], Any],
        *,
        kind: str,
        name: str,
        host: str,
        command: str,
        ok: tuple[int, ...] = (200, 202, 404),
    ) -> bool:
        """One deletion; a leftover (kind, name, host, problem, command) when it failed."""
        problem = self.attempt(send, ok)
        if problem is None:
            return True
        self.leftovers.append(
            {
                "kind": kind,
                "name": name,
                "host": redact(host),
                "problem": problem,
                "command": command,
            }
        )
        return False
