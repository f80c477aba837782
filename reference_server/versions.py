"""API versions: which one a request speaks, decided from the `X-Pinecone-Api-Version` header."""

from __future__ import annotations

from collections.abc import Mapping

KNOWN_VERSIONS = (
    "2024-04",
    "2024-07",
    "2024-10",
    "2025-01",
    "2025-04",
    "2025-10",
    "2026-04",
    "2026-07",
)
DEFAULT_VERSION = "2025-10"
HEADER = "x-pinecone-api-version"


def parse_version(raw: str | None) -> str:
    """Return the `YYYY-MM` version a header value asks for; absent or unreadable means the default.

    Unknown but well-formed dates are kept (a newer client should still be served), and a value such
    as `2026-01.alpha` is read by its date part.
    """
    if not raw:
        return DEFAULT_VERSION
    value = raw.split(",")[0].strip()[:7]
    if len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit():
        return value
    return DEFAULT_VERSION


def version_of(headers: Mapping[str, str]) -> str:
    """The version of a request given its headers (names compared case-insensitively)."""
    for name, value in headers.items():
        if name.lower() == HEADER:
            return parse_version(value)
    return DEFAULT_VERSION


def at_least(version: str, minimum: str) -> bool:
    """True when `version` is `minimum` or newer (`YYYY-MM` strings sort chronologically)."""
    return version >= minimum
