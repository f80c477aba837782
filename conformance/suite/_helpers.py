"""Shared assertions and read-after-write helpers for the suite modules.

Everything here goes through a `Space` (its namespace is injected) and its bounded polling;
there are no sleeps. Helpers raise AssertionError with the response attached, so a failure
shows the wire.
"""

from __future__ import annotations

import contextlib
import functools
import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from conformance.outcomes import SetupFailed
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


def assert_invalid(resp: WireResponse, message: str | None = None) -> None:
    """Assert a request was rejected with HTTP 400, and nothing else about the body.

    The error body's shape (`code`, `message`, `details`) is judged by the ERRORS-* behaviors
    alone, so one wrong error shape does not fail every validation behavior. `message`, only for
    a behavior whose statement fixes the wording, must occur somewhere in the body.
    """
    assert resp.status == 400, f"expected HTTP 400, got {resp!r}"
    if message is not None:
        assert message in resp.text, f"expected {message!r} in the error, got {resp!r}"


def assert_not_retryable(resp: WireResponse) -> None:
    """Assert a rejected request did not come back as 5xx or 429, which clients would retry."""
    assert resp.status < 500 and resp.status != 429, f"a retryable status for a rejection: {resp!r}"


def setup_ok(resp: WireResponse, what: str, status: int = 200) -> Any:
    """A test's own preparatory request succeeded: its JSON body (or None), else SetupFailed.

    A failed setup write says nothing about the behavior under test, so it is a harness error.
    """
    if resp.status != status:
        raise SetupFailed(f"{what}: expected HTTP {status}, got {resp!r}")
    return resp.json


@contextlib.contextmanager
def setting_up(what: str) -> Iterator[None]:
    """Report an assertion raised by a test's preparation (a seed that never became visible) as
    SetupFailed rather than as the failure of the behavior under test."""
    try:
        yield
    except AssertionError as exc:
        raise SetupFailed(f"{what}: {exc}") from exc


def seed_visible(space: Space, vectors: list[dict[str, Any]], **extra: Any) -> list[str]:
    """Upsert a test's seed records and wait until they are visible; their ids."""
    with setting_up(f"seeding {len(vectors)} records"):
        space.upsert_visible(vectors, **extra)
    stored_as_written(space, vectors, **extra)
    return [v["id"] for v in vectors]


def stored_as_written(space: Space, records: Iterable[dict[str, Any]], **params: Any) -> None:
    """Read a test's seed records back; SetupFailed when the target did not store them as written.

    A test that observes filters, scores or updates through its seed cannot judge them on data
    the target changed on the way in: that change is judged by the write behaviors alone
    (UPSERT-METADATA-ROUNDTRIP, UPSERT-SPARSE-ROUNDTRIP, UPSERT-HYBRID, FETCH-BY-ID).
    """
    written = {r["id"]: r for r in records}
    ids = list(written)
    for start in range(0, len(ids), READ_BACK_CHUNK):
        chunk = ids[start : start + READ_BACK_CHUNK]
        resp = space.fetch(chunk, **params)
        body = resp.json if resp.status == 200 else None
        found = body.get("vectors") if isinstance(body, dict) else None
        if not isinstance(found, dict):
            raise SetupFailed(f"reading the seed records back: {resp!r}")
        for rid in chunk:
            problem = _stored_differently(written[rid], found.get(rid))
            if problem:
                raise SetupFailed(f"seed record {rid!r} read back {problem}")


READ_BACK_CHUNK = 100


def _stored_differently(record: dict[str, Any], got: Any) -> str | None:
    """How a fetched record differs from the one written (None when it does not)."""
    if not isinstance(got, dict):
        return f"as {got!r}"
    if "values" in record and not _close_list(got.get("values"), record["values"]):
        return f"with values {_short(got.get('values'))}, written {_short(record['values'])}"
    sparse = record.get("sparseValues")
    if sparse is not None and _sparse_map(got.get("sparseValues")) != pytest.approx(
        _sparse_map(sparse), rel=REL, abs=ABS
    ):
        return f"with sparseValues {got.get('sparseValues')!r}, written {sparse!r}"
    want = {k: v for k, v in (record.get("metadata") or {}).items() if v is not None}
    have = got.get("metadata") or {}
    if not _same_json(have, want):
        return f"with metadata {have!r}, written {want!r}"
    return None


def _close_list(got: Any, want: list[float]) -> bool:
    return isinstance(got, list) and len(got) == len(want) and got == approx(want)


def _sparse_map(sparse: Any) -> dict[Any, Any] | None:
    if not isinstance(sparse, dict):
        return None
    indices, values = sparse.get("indices"), sparse.get("values")
    if not isinstance(indices, list) or not isinstance(values, list) or len(indices) != len(values):
        return None
    return dict(zip(indices, values, strict=True))


def _same_json(got: Any, want: Any) -> bool:
    """Equal JSON values, numbers compared by value (an int may come back as a float) but never a
    boolean for a number or a string for either."""
    if isinstance(want, bool) or isinstance(got, bool):
        return type(got) is type(want) and got == want
    if isinstance(want, int | float):
        return isinstance(got, int | float) and got == approx(want)
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(got) == len(want)
            and all(_same_json(g, w) for g, w in zip(got, want, strict=True))
        )
    if isinstance(want, dict):
        return (
            isinstance(got, dict)
            and got.keys() == want.keys()
            and all(_same_json(got[k], want[k]) for k in want)
        )
    return bool(got == want)


def _short(values: Any) -> str:
    text = repr(values)
    return text if len(text) <= 80 else text[:77] + "..."


def listed_in_default(space: Space, records: list[dict[str, Any]]) -> None:
    """Upsert records without a namespace and wait, as setup, until a list without a namespace
    shows them: that upserts reach the default namespace is UPSERT-DEFAULT-NAMESPACE's to judge,
    and a list (not a fetch) confirms it without presuming what fetch is judged on there."""
    setup_ok(space.upsert(records), "upserting to the default namespace (no namespace given)")
    space.track_ids(r["id"] for r in records)
    with setting_up("the records listed in the default namespace"):
        for record in records:
            rid = record["id"]
            space.eventually(
                functools.partial(space.list_ids, prefix=rid),
                functools.partial(_lists, rid),
                f"{rid} listed without a namespace",
            )


def _lists(rid: str, resp: WireResponse) -> bool:
    """Whether a list response names `rid`."""
    body = resp.json if resp.status == 200 else None
    listed = body.get("vectors") if isinstance(body, dict) else None
    return isinstance(listed, list) and rid in [v.get("id") for v in listed if isinstance(v, dict)]


def seed_upsert(space: Space, vectors: list[dict[str, Any]], **extra: Any) -> None:
    """Upsert a test's seed records (not waiting); a rejection is a harness error."""
    setup_ok(space.upsert(vectors, **extra), f"seeding {len(vectors)} records")


def per_param(argname: str, behaviors: dict[str, tuple[str, ...]]) -> pytest.MarkDecorator:
    """Parametrize `argname` (a fixture, indirectly) so each parameter names only the behaviors
    it exercises: a passing cosine case must not credit the euclidean behavior."""
    params = [
        pytest.param(value, marks=pytest.mark.behavior(*ids), id=value)
        for value, ids in behaviors.items()
    ]
    return pytest.mark.parametrize(argname, params, indirect=True)


def by_metric(
    cosine: tuple[str, ...], euclidean: tuple[str, ...], dotproduct: tuple[str, ...]
) -> pytest.MarkDecorator:
    """`metric_space` over the three metrics, each case naming the behaviors of its metric."""
    return per_param(
        "metric_space", {"cosine": cosine, "euclidean": euclidean, "dotproduct": dotproduct}
    )


def vectors_of(resp: WireResponse) -> dict[str, Any]:
    """The `vectors` map of a fetch response (asserting status and shape)."""
    body = ok(resp)
    vectors = body.get("vectors")
    assert isinstance(vectors, dict), f"fetch `vectors` must be an object, got {resp!r}"
    return vectors


def records_of(resp: WireResponse) -> dict[str, Any]:
    """The records a fetch returned: its `vectors` map without null entries. Tests that observe
    other behaviors through fetch read presence this way, so that how a target lists unknown ids
    is judged by FETCH-UNKNOWN-IDS-OMITTED alone."""
    return {k: v for k, v in vectors_of(resp).items() if v is not None}


def fetch_when(space: Space, ids: list[str], check: Callable[[dict[str, Any]], object], what: str):
    """Fetch `ids` until `check(records)` holds; return the records."""
    resp = space.eventually(
        lambda: space.fetch(ids), lambda r: r.status == 200 and check(records_of(r)), what
    )
    return records_of(resp)


def fetch_present(space: Space, ids: list[str]) -> dict[str, Any]:
    """Fetch `ids` until all of them are visible; return the vectors map."""
    return fetch_when(space, ids, lambda v: set(ids) <= set(v), f"ids {ids} visible")


def fetch_absent(space: Space, ids: list[str]) -> dict[str, Any]:
    """Fetch `ids` until none of them is returned; return the vectors map."""
    return fetch_when(space, ids, lambda v: not set(ids) & set(v), f"ids {ids} gone")


def fetch_now(space: Space, ids: list[str]) -> dict[str, Any]:
    """One fetch (after a barrier) for checks that something did NOT happen."""
    return records_of(space.fetch(ids))


def upsert_ok(space: Space, vectors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Upsert and assert it succeeded; does not wait for visibility. The `upsertedCount` in the
    reply is judged by UPSERT-RESPONSE-COUNT alone, not by every test that writes."""
    return ok(space.upsert(vectors, **extra))


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
