"""API-version dependent behaviors (digest §1.4, §7): `__default__` and the `queries` field."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.suite._helpers import assert_invalid, ok, unique
from conformance.suite._query_helpers import ids_of
from conformance.target.space import Space

DEFAULT = "__default__"

READS = {
    "query": lambda s, rid: s.client.query(topK=1, id=rid, namespace=DEFAULT),
    "fetch": lambda s, rid: s.client.fetch([rid], namespace=DEFAULT),
    "list": lambda s, rid: s.client.list_ids(prefix=rid, namespace=DEFAULT),
}


def _found(op: str, resp: Any, rid: str) -> bool:
    """Whether a read response shows record `rid`."""
    if resp.status != 200:
        return False
    if op == "query":
        return ids_of(resp) == [rid]
    if op == "fetch":
        return rid in (resp.json.get("vectors") or {})
    return [v.get("id") for v in resp.json.get("vectors", [])] == [rid]


def _written_to_default(space: Space) -> str:
    """Upsert one record to the default namespace (no namespace key); return its id."""
    record = space.vectors.record(1, prefix=unique("ver-"))
    ok(space.client.upsert([record]))
    space.track_ids([record["id"]])
    return record["id"]


@pytest.mark.behavior("VERSIONS-DEFAULT-NAMESPACE-REJECTED")
@pytest.mark.parametrize("op", list(READS))
def test_default_alias_rejected_before_2025_04(dense_space, op):
    """Before 2025-04 a read addressed to __default__ is rejected with 400."""
    assert_invalid(READS[op](dense_space, "r0"))


@pytest.mark.behavior("VERSIONS-DEFAULT-NAMESPACE-ALIAS")
@pytest.mark.parametrize("op", list(READS))
def test_default_alias_reads_default_namespace(default_space, op):
    """From 2025-04 reads addressed to __default__ see the default namespace's records."""
    rid = _written_to_default(default_space)
    default_space.eventually(
        lambda: READS[op](default_space, rid),
        lambda r: _found(op, r, rid),
        f"{op} in {DEFAULT!r} shows {rid}",
    )


@pytest.mark.behavior("VERSIONS-DEFAULT-NAMESPACE-ECHO")
@pytest.mark.parametrize("op", list(READS))
def test_default_alias_echoed_as_empty(default_space, op):
    """A read addressed to __default__ echoes the namespace as ""."""
    rid = _written_to_default(default_space)
    resp = default_space.eventually(
        lambda: READS[op](default_space, rid),
        lambda r: _found(op, r, rid),
        f"{op} in {DEFAULT!r} shows {rid}",
    )
    assert resp.json.get("namespace") == "", resp


@pytest.mark.behavior("VERSIONS-QUERIES-REJECTED")
def test_queries_field_rejected(dense_space):
    """From 2026-07 a query carrying `queries` is rejected, even beside a valid vector."""
    v = dense_space.vectors.dense(0)
    assert_invalid(dense_space.query(topK=1, vector=v, queries=[{"values": v}]))
