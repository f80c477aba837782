"""Helpers for the query, filter, namespace, error, auth and version modules.

Scores are recomputed here in plain Python (cosine, dot product, squared euclidean, sparse dot
product), independently of any server. Reads after writes go through the Space's bounded polling;
namespaces a test makes besides its Space's own are derived from the Space's name (so they carry the
run's prefix) and are always deleted on exit.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import secrets
from collections.abc import Iterator, Sequence
from typing import Any

from conformance.suite._helpers import at_least, ok, setup_ok, stored_as_written
from conformance.target.client import WireResponse
from conformance.target.space import Space
from conformance.target.vectors import batches

Vector = Sequence[float]
Sparse = dict[str, list]


# ---- scores -------------------------------------------------------------------------------------


def dot(a: Vector, b: Vector) -> float:
    """Dot product."""
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def cosine(a: Vector, b: Vector) -> float:
    """Cosine similarity."""
    return dot(a, b) / (math.sqrt(dot(a, a)) * math.sqrt(dot(b, b)))


def squared_euclidean(a: Vector, b: Vector) -> float:
    """Squared L2 distance (Pinecone's euclidean score)."""
    return math.fsum((x - y) ** 2 for x, y in zip(a, b, strict=True))


def sparse_dot(a: Sparse, b: Sparse) -> float:
    """Sum of products over the indices both sparse vectors have."""
    right = dict(zip(b["indices"], b["values"], strict=True))
    return math.fsum(
        v * right[i] for i, v in zip(a["indices"], a["values"], strict=True) if i in right
    )


def score(metric: str | None, query: Vector, record: Vector) -> float:
    """The score Pinecone documents for `metric` (digest §6); None (not known) is an error."""
    if metric == "cosine":
        return cosine(query, record)
    if metric == "dotproduct":
        return dot(query, record)
    if metric == "euclidean":
        return squared_euclidean(query, record)
    raise ValueError(f"unknown metric {metric!r}")


def close(got: Any, expected: float) -> bool:
    """True when a wire score equals `expected` within float32 tolerance."""
    if isinstance(got, bool) or not isinstance(got, int | float):
        return False
    return abs(got - expected) <= 1e-4 * max(1.0, abs(expected))


def assert_distinct(scores: Sequence[float], gap: float = 1e-3) -> None:
    """Guard of the test data: no two expected scores within `gap` (tie order is unspecified)."""
    ordered = sorted(scores)
    for low, high in itertools.pairwise(ordered):
        assert high - low > gap, f"test data has near-tied scores {low} and {high}"


# ---- query responses ----------------------------------------------------------------------------


def matches_of(resp: WireResponse) -> list[dict[str, Any]]:
    """The `matches` of a 200 query response (asserting the shape of each match)."""
    body = ok(resp)
    matches = body.get("matches")
    assert isinstance(matches, list), f"`matches` must be a list: {resp!r}"
    for m in matches:
        assert isinstance(m, dict) and isinstance(m.get("id"), str), f"bad match {m!r} in {resp!r}"
    return matches


def ids_of(resp: WireResponse) -> list[str]:
    """Match ids of a 200 query response, in answer order."""
    return [m["id"] for m in matches_of(resp)]


def select_all(space: Space, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A query body (without topK) under which every record of `records` scores above zero."""
    if space.index.vector_type == "sparse":
        indices = sorted({i for r in records for i in r["sparseValues"]["indices"]})
        return {"sparseVector": {"indices": indices, "values": [1.0] * len(indices)}}
    return {"vector": space.vectors.dense(997)}


def seed(space: Space, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Upsert `records` (in batches under the request limits) into the Space and wait until a
    query sees all of them.

    Returns a query body (without topK) that selects every record, for later queries.
    """
    for batch in batches(records):
        setup_ok(space.upsert(batch), f"seeding {len(batch)} records")
    probe = select_all(space, records)
    want = {r["id"] for r in records}
    # Not a setup step: a query that never returns the records is the query behavior failing.
    # Its topK leaves room for one more match, so that only "topK at most" is judged on a reply
    # that fills topK (QUERY-AT-MOST-TOPK), not every behavior whose test seeds records.
    space.eventually(
        lambda: space.query(topK=len(want) + 1, **probe),
        lambda r: r.status == 200 and want <= set(ids_of(r)),
        f"a query returning all of {sorted(want)}",
    )
    stored_as_written(space, records)
    return probe


def query_ids(space: Space, **body: Any) -> set[str]:
    """The set of ids one query returns (asserting 200)."""
    return set(ids_of(space.query(**body)))


# ---- errors -------------------------------------------------------------------------------------


def assert_rpc_status(resp: WireResponse) -> dict[str, Any]:
    """Assert the data-plane error body `{"code": int, "message": str, "details": [...]}`."""
    body = resp.json
    assert isinstance(body, dict), f"expected a JSON rpcStatus object, got {resp!r}"
    code = body.get("code")
    assert isinstance(code, int) and not isinstance(code, bool), f"`code` must be an int: {resp!r}"
    assert isinstance(body.get("message"), str), f"`message` must be a string: {resp!r}"
    assert isinstance(body.get("details"), list), f"`details` must be a list: {resp!r}"
    return body


def assert_client_error(resp: WireResponse) -> None:
    """Assert a deterministic rejection: a 4xx status other than 429 (never 5xx)."""
    assert 400 <= resp.status < 500 and resp.status != 429, f"expected a 4xx rejection: {resp!r}"


# ---- namespaces ---------------------------------------------------------------------------------


def record_count(description: dict[str, Any]) -> int:
    """`record_count` of a namespace description, a number or a decimal string."""
    value = description.get("record_count")
    if isinstance(value, str):
        assert value.isdigit(), f"record_count must be a decimal string: {description}"
        return int(value)
    assert isinstance(value, int) and not isinstance(value, bool), f"bad record_count {description}"
    return value


class Derived:
    """Namespaces derived from a Space's own, deleted (records and namespace) on exit."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.names: list[str] = []

    def name(self, suffix: str) -> str:
        """A fresh namespace `<space ns>-x-<suffix>`, remembered for cleanup."""
        name = f"{self.space.ns}-x-{suffix}"
        self.names.append(name)
        return name

    def upsert(self, name: str, records: Sequence[dict[str, Any]]) -> None:
        """Write `records` into namespace `name` (asserting 200)."""
        ok(self.space.client.upsert(list(records), namespace=name))

    def cleanup(self) -> None:
        client = self.space.client
        for name in self.names:
            client.delete(deleteAll=True, namespace=name)
            if at_least(self.space.api_version, "2025-04"):
                client.delete_namespace(name)  # 404 when deleteAll already removed it


@contextlib.contextmanager
def derived_namespaces(space: Space) -> Iterator[Derived]:
    """Extra namespaces for one test, always cleaned up."""
    derived = Derived(space)
    try:
        yield derived
    finally:
        derived.cleanup()


def token() -> str:
    """A short random suffix."""
    return secrets.token_hex(3)
