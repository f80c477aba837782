"""API-version dependent behaviors (digest §1.4, §7): `__default__` and the `queries` field."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from conformance.suite._helpers import assert_invalid, setting_up, setup_ok, unique
from conformance.target.client import WireResponse
from conformance.target.space import Space

DEFAULT = "__default__"
TOP_K = 20  # room for other records of the shared default namespace near the probe


def _read(space: Space, op: str, record: dict[str, Any], namespace: str | None) -> WireResponse:
    """Read `record` back through `op` in `namespace` (None: no namespace given at all).

    The query is by the record's own vector, not by its id, so that how a query by id treats the
    queried record (QUERY-BY-ID-SELF-FIRST) does not decide which namespace a read saw.
    """
    rid = record["id"]
    if op == "query":
        return space.client.query(topK=TOP_K, vector=record["values"], **_ns(namespace))
    if op == "fetch":
        return space.client.fetch([rid], namespace=namespace)
    return space.client.list_ids(prefix=rid, namespace=namespace)


def _ns(namespace: str | None) -> dict[str, str]:
    return {} if namespace is None else {"namespace": namespace}


READS = {
    "query": lambda s, rid: s.client.query(topK=1, id=rid, namespace=DEFAULT),
    "fetch": lambda s, rid: s.client.fetch([rid], namespace=DEFAULT),
    "list": lambda s, rid: s.client.list_ids(prefix=rid, namespace=DEFAULT),
}


def _found(op: str, resp: Any, rid: str) -> bool:
    """Whether a read response shows record `rid`."""
    if resp.status != 200 or not isinstance(resp.json, dict):
        return False
    key = {"query": "matches", "fetch": "vectors", "list": "vectors"}[op]
    found = resp.json.get(key) or []
    if isinstance(found, dict):  # fetch: records keyed by id
        return isinstance(found.get(rid), dict)
    return isinstance(found, list) and rid in [m.get("id") for m in found if isinstance(m, dict)]


def _written_to_default(space: Space, op: str) -> dict[str, Any]:
    """Upsert one record without a namespace and wait, as setup, until `op` without a namespace
    shows it: a record that never reached the default namespace says nothing of `__default__`."""
    index = 200_000 + secrets.randbelow(800_000)  # a vector no other record of the namespace has
    record = space.vectors.record(index, prefix=unique("ver-"))
    setup_ok(space.client.upsert([record]), "upserting to the default namespace")
    space.track_ids([record["id"]])
    with setting_up(f"{op} without a namespace shows the record"):
        space.eventually(
            lambda: _read(space, op, record, None),
            lambda r: _found(op, r, record["id"]),
            f"{op} without a namespace shows {record['id']}",
        )
    return record


@pytest.mark.behavior("VERSIONS-DEFAULT-NAMESPACE-REJECTED")
@pytest.mark.parametrize("op", list(READS))
def test_default_alias_rejected_before_2025_04(dense_space, op):
    """Before 2025-04 a read addressed to __default__ is rejected with 400."""
    assert_invalid(READS[op](dense_space, "r0"))


@pytest.mark.behavior("VERSIONS-DEFAULT-NAMESPACE-ALIAS")
@pytest.mark.parametrize("op", list(READS))
def test_default_alias_reads_default_namespace(default_space, op):
    """From 2025-04 reads addressed to __default__ see the default namespace's records."""
    record = _written_to_default(default_space, op)
    default_space.eventually(
        lambda: _read(default_space, op, record, DEFAULT),
        lambda r: _found(op, r, record["id"]),
        f"{op} in {DEFAULT!r} shows {record['id']}",
    )


@pytest.mark.behavior("VERSIONS-DEFAULT-NAMESPACE-ECHO")
@pytest.mark.parametrize("op", list(READS))
def test_default_alias_echoed_as_empty(default_space, op):
    """A read addressed to __default__ echoes the namespace as "". That the read reached the
    default namespace at all is VERSIONS-DEFAULT-NAMESPACE-ALIAS's to judge, so it is setup."""
    record = _written_to_default(default_space, op)
    with setting_up(f"{op} in {DEFAULT!r} shows the record"):
        resp = default_space.eventually(
            lambda: _read(default_space, op, record, DEFAULT),
            lambda r: _found(op, r, record["id"]),
            f"{op} in {DEFAULT!r} shows {record['id']}",
        )
    assert resp.json.get("namespace") == "", resp


@pytest.mark.behavior("VERSIONS-QUERIES-REJECTED")
def test_queries_field_rejected(dense_space):
    """From 2026-07 a query carrying `queries` is rejected, even beside a valid vector."""
    v = dense_space.vectors.dense(0)
    assert_invalid(dense_space.query(topK=1, vector=v, queries=[{"values": v}]))
