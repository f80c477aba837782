"""Namespaces: isolation, the default namespace, and the namespaces API (digest §4.9, §7)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from conformance.suite._helpers import (
    at_least,
    ns_count,
    ok,
    records_of,
    setting_up,
    setup_ok,
    stats_when,
    unique,
)
from conformance.suite._query_helpers import derived_namespaces, ids_of, record_count, seed
from conformance.target.space import Space


def _records(space: Space, n: int, prefix: str = "r") -> list[dict[str, Any]]:
    return space.vectors.records(n, prefix=prefix)


def _list_all(space: Space, **params: Any) -> list[dict[str, Any]]:
    """Every namespace description, following `pagination.next`."""
    found: list[dict[str, Any]] = []
    token = None
    for _ in range(1000):
        body = ok(space.client.list_namespaces(**params, paginationToken=token))
        page = body.get("namespaces")
        assert isinstance(page, list), f"`namespaces` must be a list: {body}"
        found += page
        token = (body.get("pagination") or {}).get("next")
        if not token:
            return found
    raise AssertionError("namespace listing did not terminate")


def _write(space: Space, records: list[dict[str, Any]], namespace: str | None = None) -> None:
    """Upsert a test's records (into `namespace`, else the Space's own); a rejection is setup."""
    where = space.ns if namespace is None else namespace
    resp = space.upsert(records, namespace=where)
    setup_ok(resp, f"seeding {len(records)} records into {where!r}")


def _in_stats(space: Space, counts: dict[str, int]) -> None:
    """Wait until describe_index_stats lists each namespace with its record count.

    That the records reached the namespaces they name is judged by the record and stats
    behaviors, so it is the precondition of a test of the namespaces API, else a harness error.
    """
    with setting_up(f"namespaces {counts} in describe_index_stats"):
        stats_when(
            space,
            lambda s: all(ns_count(s, ns) == n for ns, n in counts.items()),
            f"namespaces {counts} in the stats",
        )


def _scoped(space: Space) -> dict[str, Any]:
    """List parameters narrowing the listing to this worker's namespaces where the API allows."""
    worker_prefix = space.ns.rsplit("-", 1)[0] + "-"
    return {"prefix": worker_prefix} if at_least(space.api_version, "2025-10") else {}


def _described(space: Space, name: str, count: int) -> dict[str, Any]:
    """Describe `name` until it reports `count` records; return the description."""
    resp = space.eventually(
        lambda: space.client.describe_namespace(name),
        lambda r: r.status == 200 and record_count(r.json) == count,
        f"namespace {name!r} described with record_count {count}",
    )
    return resp.json


# ---- isolation and the default namespace ---------------------------------------------------------


@pytest.mark.behavior("NAMESPACES-ISOLATION")
def test_query_and_list_stay_in_namespace(dense_space):
    """Query and list in one namespace never return another namespace's records."""
    other = dense_space.new_namespace()
    mine = _records(dense_space, 3, "mine-")
    theirs = [{**r, "id": r["id"].replace("mine-", "theirs-")} for r in mine]
    setup_ok(dense_space.client.upsert(theirs, namespace=other), "seeding")
    probe = seed(dense_space, mine)
    dense_space.eventually(
        lambda: dense_space.client.query(topK=6, namespace=other, **probe),
        lambda r: r.status == 200 and set(ids_of(r)) == {r["id"] for r in theirs},
        "the other namespace's records visible there",
    )
    assert set(ids_of(dense_space.query(topK=6, **probe))) == {r["id"] for r in mine}
    listed = ok(dense_space.list_ids())
    assert sorted(v["id"] for v in listed.get("vectors", [])) == sorted(r["id"] for r in mine)


@pytest.mark.behavior("NAMESPACES-DEFAULT-EMPTY-OR-OMITTED")
@pytest.mark.parametrize("written", ["omitted", "empty"])
def test_default_namespace_omitted_equals_empty(default_space, written):
    """Omitting namespace and sending "" address the same default namespace."""
    # A vector no other record of the default namespace has, queried by value with room to
    # spare: ties and what a query by id returns are other behaviors' business.
    index = 200_000 + secrets.randbelow(800_000)
    record = default_space.vectors.record(index, prefix=unique("dflt-"))
    extra = {} if written == "omitted" else {"namespace": ""}
    ok(default_space.client.upsert([record], **extra))
    default_space.track_ids([record["id"]])
    for body in ({}, {"namespace": ""}):
        resp = default_space.eventually(
            lambda body=body: default_space.client.query(topK=10, vector=record["values"], **body),
            lambda r: r.status == 200 and record["id"] in ids_of(r),
            f"a query with {body or 'no namespace'} finds the record",
        )
        assert resp.json.get("namespace") == "", resp


# ---- namespaces API -----------------------------------------------------------------------------


@pytest.mark.behavior("NAMESPACES-LIST")
def test_list_namespaces(dense_space):
    """GET /namespaces lists each namespace with its record count, in bytewise order."""
    other = dense_space.new_namespace()
    _write(dense_space, _records(dense_space, 1), other)
    _write(dense_space, _records(dense_space, 3))
    counts = {dense_space.ns: 3, other: 1}
    _in_stats(dense_space, counts)

    def check(found: list[dict[str, Any]]) -> bool:
        mine = {d.get("name"): d for d in found if d.get("name") in counts}
        return set(mine) == set(counts) and all(
            record_count(mine[n]) == c for n, c in counts.items()
        )

    found = dense_space.eventually(
        lambda: _list_all(dense_space, **_scoped(dense_space)), check, f"namespaces {counts}"
    )
    names = [d.get("name") for d in found]
    assert all(isinstance(n, str) for n in names), found
    encoded = [n.encode() for n in names]
    assert encoded == sorted(encoded), f"namespaces not in bytewise order: {names}"


@pytest.mark.behavior("NAMESPACES-LIST-PAGINATION")
def test_list_namespaces_pagination(dense_space):
    """limit=2 returns two namespaces and a token that continues the listing."""
    names = [dense_space.ns, dense_space.new_namespace(), dense_space.new_namespace()]
    for name in names:
        _write(dense_space, _records(dense_space, 1), name)
    _in_stats(dense_space, dict.fromkeys(names, 1))
    dense_space.eventually(
        lambda: _list_all(dense_space, **_scoped(dense_space)),
        lambda found: set(names) <= {d.get("name") for d in found},
        f"namespaces {names} listed",
    )
    first = ok(dense_space.client.list_namespaces(limit=2, **_scoped(dense_space)))
    assert len(first.get("namespaces", [])) == 2, first
    token = (first.get("pagination") or {}).get("next")
    assert isinstance(token, str) and token, f"expected pagination.next: {first}"
    rest = _list_all(dense_space, limit=2, **_scoped(dense_space))
    listed = [d.get("name") for d in rest]
    assert len(listed) == len(set(listed)), f"a namespace was listed twice: {listed}"
    assert set(names) <= set(listed), listed


@pytest.mark.behavior("NAMESPACES-LIST-PREFIX")
def test_list_namespaces_prefix(dense_space):
    """prefix keeps only matching names and total_count counts them."""
    with derived_namespaces(dense_space) as derived:
        prefix = f"{dense_space.ns}-x-"
        names = [derived.name("alpha"), derived.name("beta")]
        for name in names:
            _write(dense_space, _records(dense_space, 1), name)
        _write(dense_space, _records(dense_space, 1))
        _in_stats(dense_space, dict.fromkeys([*names, dense_space.ns], 1))
        dense_space.eventually(
            lambda: ok(dense_space.client.list_namespaces(prefix=prefix)),
            lambda b: sorted(d.get("name") for d in b.get("namespaces", [])) == names,
            f"exactly {names} listed under prefix {prefix!r}",
        )
        body = ok(dense_space.client.list_namespaces(prefix=prefix))
        assert body.get("total_count") == 2, body


@pytest.mark.behavior("NAMESPACES-DESCRIBE")
def test_describe_namespace(dense_space):
    """GET /namespaces/{ns} returns the name and record count."""
    _write(dense_space, _records(dense_space, 3))
    _in_stats(dense_space, {dense_space.ns: 3})
    described = _described(dense_space, dense_space.ns, 3)
    assert described.get("name") == dense_space.ns, described


@pytest.mark.behavior("NAMESPACES-RECORD-COUNT-STRING")
def test_record_count_is_decimal_string(dense_space):
    """record_count is serialised as a decimal string."""
    _write(dense_space, _records(dense_space, 2))
    _in_stats(dense_space, {dense_space.ns: 2})
    value = _described(dense_space, dense_space.ns, 2).get("record_count")
    assert value == "2", f"record_count must be the string '2', got {value!r}"


@pytest.mark.behavior("NAMESPACES-DESCRIBE-UNKNOWN-404")
def test_describe_unknown_namespace_404(dense_space):
    """Describing a namespace that does not exist returns 404."""
    resp = dense_space.client.describe_namespace(dense_space.ns + "-x-absent")
    assert resp.status == 404, resp


@pytest.mark.behavior("NAMESPACES-DELETE")
def test_delete_namespace(dense_space):
    """DELETE /namespaces/{ns} removes the namespace and its records; describing it then answers
    4xx (the spec lists 404 from 2026-07, only 400 and 4XX before)."""
    name = dense_space.new_namespace()
    records = _records(dense_space, 2)
    _write(dense_space, records, name)
    _in_stats(dense_space, {name: 2})
    ok(dense_space.client.delete_namespace(name))
    gone = (404,) if at_least(dense_space.api_version, "2026-07") else tuple(range(400, 500))
    dense_space.eventually(
        lambda: dense_space.client.describe_namespace(name),
        lambda r: r.status in gone,
        f"namespace {name!r} described as {'404' if len(gone) == 1 else '4xx'} after deletion",
    )
    fetched = dense_space.fetch([r["id"] for r in records], namespace=name)
    assert records_of(fetched) == {}, fetched


@pytest.mark.behavior("NAMESPACES-PATH-DECODED")
@pytest.mark.parametrize("suffix", ["a b", "a/b"], ids=["space", "slash"])
def test_namespace_path_is_percent_decoded(dense_space, suffix):
    """A namespace name with a space or slash is described through its percent-encoded form
    (whether the description carries its `name` is NAMESPACES-DESCRIBE's)."""
    with derived_namespaces(dense_space) as derived:
        name = derived.name(suffix)
        _write(dense_space, _records(dense_space, 2), name)
        _in_stats(dense_space, {name: 2})
        described = _described(dense_space, name, 2)
        assert described.get("name") in (None, name), described


@pytest.mark.behavior("NAMESPACES-CREATE")
def test_create_namespace(dense_space):
    """POST /namespaces creates an empty namespace and returns its description; describing it
    then answers it with 0 records (the description's own shape is NAMESPACES-DESCRIBE's)."""
    name = dense_space.new_namespace()
    created = ok(dense_space.create_namespace(name))
    assert created.get("name") == name, created
    assert record_count(created) == 0, created
    _described(dense_space, name, 0)


@pytest.mark.behavior("NAMESPACES-CREATE-DUPLICATE-409")
@pytest.mark.parametrize("how", ["created", "upserted"])
def test_create_existing_namespace_409(dense_space, how):
    """Creating a namespace that exists (created or written to) returns 409."""
    if how == "created":
        name = dense_space.new_namespace()
        setup_ok(dense_space.create_namespace(name), f"creating {name!r}")
        with setting_up(f"the created namespace {name!r} described"):
            _described(dense_space, name, 0)
    else:
        name = dense_space.ns
        _write(dense_space, _records(dense_space, 1))
        _in_stats(dense_space, {name: 1})
    resp = dense_space.create_namespace(name)
    assert resp.status == 409, resp


@pytest.mark.behavior("NAMESPACES-CREATE-DEFAULT-REJECTED")
def test_create_default_namespace_rejected(dense_space):
    """A namespace named __default__ cannot be created."""
    resp = dense_space.client.create_namespace("__default__")
    assert resp.status == 400, resp


@pytest.mark.behavior("NAMESPACES-SCHEMA-FILTERABLE-TRUE")
@pytest.mark.parametrize("filterable", [False, "yes"])
def test_schema_filterable_must_be_true(dense_space, filterable):
    """A schema field whose filterable is not true is rejected with 400."""
    name = dense_space.new_namespace()
    schema = {"fields": {"genre": {"filterable": filterable}}}
    resp = dense_space.create_namespace(name, schema=schema)
    assert resp.status == 400, resp
