"""Shared assertions and read-after-write helpers for the suite modules.

Everything here goes through a `Space` (its namespace is injected) and its bounded polling;
there are no sleeps. Helpers raise AssertionError with the response attached, so a failure
shows the wire.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from conformance.target.client import WireResponse
from conformance.target.space import Space

# float32 on the wire: compare scores and values within this tolerance
REL = 1e-4
ABS = 1e-5

METADATA_LIMIT = 40960


def approx(value: Any) -> Any:
    """`pytest.approx` with the suite's float32 tolerance."""
    return pytest.approx(value, rel=REL, abs=ABS)


def ok(resp: WireResponse, status: int = 200) -> Any:
    """Assert a successful response and return its parsed JSON body."""
    assert resp.status == status, f"expected HTTP {status}, got {resp!r}"
    body = resp.json
    assert isinstance(body, dict), f"expected a JSON object body, got {resp!r}"
    return body


def assert_invalid(resp: WireResponse, message: str | None = None) -> dict[str, Any]:
    """Assert a data-plane validation error: HTTP 400 with `{"code": 3, "message", "details"}`.

    `message`, when given, must occur in the error message (wording around it may vary).
    """
    assert resp.status == 400, f"expected HTTP 400, got {resp!r}"
    body = resp.json
    assert isinstance(body, dict), f"expected a JSON rpcStatus body, got {resp!r}"
    assert body.get("code") == 3, f"expected code 3 (INVALID_ARGUMENT), got {resp!r}"
    assert isinstance(body.get("message"), str), f"expected a string message, got {resp!r}"
    assert isinstance(body.get("details", []), list), f"details must be a list, got {resp!r}"
    if message is not None:
        assert message in body["message"], f"expected {message!r} in the message, got {resp!r}"
    return body


def vectors_of(resp: WireResponse) -> dict[str, Any]:
    """The `vectors` map of a fetch response (asserting status and shape)."""
    body = ok(resp)
    vectors = body.get("vectors")
    assert isinstance(vectors, dict), f"fetch `vectors` must be an object, got {resp!r}"
    return vectors


def fetch_when(space: Space, ids: list[str], check: Callable[[dict[str, Any]], object], what: str):
    """Fetch `ids` until `check(vectors_map)` holds; return the vectors map."""
    resp = space.eventually(
        lambda: space.fetch(ids), lambda r: r.status == 200 and check(vectors_of(r)), what
    )
    return vectors_of(resp)


def fetch_present(space: Space, ids: list[str]) -> dict[str, Any]:
    """Fetch `ids` until all of them are visible; return the vectors map."""
    return fetch_when(space, ids, lambda v: set(ids) <= set(v), f"ids {ids} visible")


def fetch_absent(space: Space, ids: list[str]) -> dict[str, Any]:
    """Fetch `ids` until none of them is returned; return the vectors map."""
    return fetch_when(space, ids, lambda v: not set(ids) & set(v), f"ids {ids} gone")


def fetch_now(space: Space, ids: list[str]) -> dict[str, Any]:
    """One fetch (after a barrier) for checks that something did NOT happen."""
    return vectors_of(space.fetch(ids))


def upsert_ok(space: Space, vectors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Upsert and assert `upsertedCount`; does not wait for visibility."""
    body = ok(space.upsert(vectors, **extra))
    assert body.get("upsertedCount") == len(vectors), f"upsertedCount: {body}"
    return body


def stats_json(space: Space, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return ok(space.stats(body))


def ns_count(stats: dict[str, Any], ns: str) -> int | None:
    """`vectorCount` of namespace `ns` in a stats body, None when the namespace is not listed."""
    namespaces = stats.get("namespaces")
    assert isinstance(namespaces, dict), f"stats `namespaces` must be an object: {stats}"
    entry = namespaces.get(ns)
    if entry is None:
        return None
    assert isinstance(entry, dict), f"namespace entry must be an object: {entry}"
    return entry.get("vectorCount", 0)


def stats_when(
    space: Space, check: Callable[[dict[str, Any]], object], what: str
) -> dict[str, Any]:
    """Describe index stats until `check(stats_body)` holds; return the body."""
    resp = space.eventually(lambda: space.stats(), lambda r: r.status == 200 and check(ok(r)), what)
    return ok(resp)


def list_all_ids(space: Space, **params: Any) -> list[str]:
    """Follow list pagination to the end; a trailing empty page is tolerated."""
    ids: list[str] = []
    token = None
    for _ in range(1000):
        page = ok(space.list_ids(**params, paginationToken=token))
        ids += [v["id"] for v in page.get("vectors", [])]
        token = (page.get("pagination") or {}).get("next")
        if not token:
            return ids
    raise AssertionError("list pagination did not terminate")


def list_when(space: Space, expected: Iterable[str], **params: Any) -> list[str]:
    """List (all pages) until exactly `expected` ids are visible; return them in listed order."""
    want = sorted(expected)
    return space.eventually(
        lambda: list_all_ids(space, **params), lambda got: sorted(got) == want, f"list = {want}"
    )


def metadata_bytes(metadata: dict[str, Any]) -> int:
    """Compact UTF-8 JSON size of a metadata object."""
    return len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode())


def unique(prefix: str) -> str:
    """A prefix unique to this call, for ids written to the shared default namespace."""
    return f"{prefix}{secrets.token_hex(4)}-"


def at_least(version: str, minimum: str) -> bool:
    """True when API `version` is `minimum` or newer (`YYYY-MM` sorts chronologically)."""
    return version[:7] >= minimum
