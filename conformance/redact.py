"""Keeping the API key out of every output: transcripts, error messages, reprs and reports."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "***"
_SECRETS: set[str] = set()


def register_secret(secret: str | None) -> None:
    """Remember a secret so that `redact` masks it wherever it appears later."""
    if secret and len(secret) >= 3:
        _SECRETS.add(secret)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every registered secret and every one of `secrets` replaced by `***`."""
    for secret in sorted({*_SECRETS, *(s for s in secrets if s)}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text
