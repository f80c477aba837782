"""POST /vectors/delete (by ids, deleteAll, filter) and the legacy DELETE form."""

from __future__ import annotations

import pytest

from conformance.suite._helpers import (
    assert_invalid,
    fetch_absent,
    fetch_now,
    ns_count,
    ok,
    seed_visible,
    setting_up,
    setup_ok,
    stats_when,
    stored_as_written,
    unique,
    vectors_of,
)

GENRES = ["drama", "comedy", "drama", "action", "drama", "comedy"]
META = [
    {"genre": g, "year": 2000 + i, **({"flag": True} if i % 2 else {})}
    for i, g in enumerate(GENRES)
]


def _seed(space, n: int = 6, prefix: str = "r") -> list[str]:
    recs = space.vectors.records(n, prefix=prefix, metadata=lambda i: META[i % len(META)])
    return seed_visible(space, recs)


def deleted(resp) -> None:
    """A delete succeeded (HTTP 200); what its body holds is DELETE-RESPONSE-EMPTY's business."""
    assert resp.status == 200, f"expected HTTP 200, got {resp!r}"


DELETE_FORMS = {
    "ids": lambda s: s.delete(ids=["r1", "r4"]),
    "deleteAll": lambda s: s.delete(deleteAll=True),
    "filter": lambda s: s.delete(filter={"genre": "drama"}),
}


@pytest.mark.parametrize("form", list(DELETE_FORMS))
@pytest.mark.behavior("DELETE-RESPONSE-EMPTY")
def test_delete_response_is_empty(dense_space, form):
    """A successful delete (by ids, deleteAll or filter) answers 200 `{}`."""
    _seed(dense_space)
    assert ok(DELETE_FORMS[form](dense_space)) == {}


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.behavior("DELETE-BY-IDS")
def test_delete_by_ids(request, kind):
    """Deleting ids removes exactly those records."""
    space = request.getfixturevalue(f"{kind}_space")
    ids = _seed(space)
    deleted(space.delete(ids=["r1", "r4"]))
    fetch_absent(space, ["r1", "r4"])
    assert set(fetch_now(space, ids)) == set(ids) - {"r1", "r4"}


@pytest.mark.behavior("DELETE-BY-IDS")
def test_delete_by_ids_in_default_namespace(default_space, dense_space):
    """Delete by ids without a namespace acts on the default namespace only."""
    prefix = unique("del-")
    dflt = default_space.vectors.records(2, prefix=prefix)
    seed_visible(default_space, dflt)
    same = [{"id": dflt[0]["id"], "values": dense_space.vectors.dense(1)}]
    seed_visible(dense_space, same)
    # The named namespace's copy must not have overwritten the default one (isolation is
    # NAMESPACES-ISOLATION's business), else the last check below would judge isolation.
    stored_as_written(default_space, dflt)
    deleted(default_space.delete(ids=[dflt[0]["id"]]))
    fetch_absent(default_space, [dflt[0]["id"]])
    assert set(fetch_now(default_space, [r["id"] for r in dflt])) == {dflt[1]["id"]}
    assert set(fetch_now(dense_space, [dflt[0]["id"]])) == {dflt[0]["id"]}


@pytest.mark.behavior("DELETE-MISSING-IDS-NOOP")
def test_delete_missing_ids_is_noop(dense_space):
    """Deleting ids that do not exist answers 200 and deletes nothing."""
    ids = _seed(dense_space, 3)
    deleted(dense_space.delete(ids=["ghost-1", "ghost-2"]))
    dense_space.barrier()
    assert set(fetch_now(dense_space, ids)) == set(ids)


@pytest.mark.behavior("DELETEALL-CLEARS-NAMESPACE-ONLY")
def test_delete_all_only_touches_its_namespace(dense_space):
    """deleteAll empties its namespace and leaves another namespace intact."""
    other = dense_space.new_namespace()
    ids = _seed(dense_space, 4)
    seed_visible(dense_space, dense_space.vectors.records(3), namespace=other)
    deleted(dense_space.delete(deleteAll=True))
    fetch_absent(dense_space, ids)
    dense_space.barrier()
    assert set(vectors_of(dense_space.fetch(["r0", "r1", "r2"], namespace=other))) == {
        "r0",
        "r1",
        "r2",
    }
    stats_when(dense_space, lambda s: ns_count(s, other) == 3, "other namespace keeps 3")


@pytest.mark.behavior("DELETEALL-REMOVES-NAMESPACE")
def test_delete_all_namespace_leaves_stats(dense_space):
    """After deleteAll the namespace leaves the stats. Whether another namespace stays listed
    is DELETEALL-CLEARS-NAMESPACE-ONLY's business."""
    _seed(dense_space, 2)
    with setting_up("the seeded namespace in the stats"):
        stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) == 2, "namespace with 2")
    deleted(dense_space.delete(deleteAll=True))
    stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) is None, "ns gone")


@pytest.mark.parametrize("extra", ["ids", "filter"])
@pytest.mark.behavior("DELETEALL-WITH-IDS-OR-FILTER-400")
def test_delete_all_with_ids_or_filter(dense_space, extra):
    """deleteAll together with ids or with a filter is a 400 and deletes nothing."""
    ids = _seed(dense_space, 3)
    body = {"ids": ["r0"]} if extra == "ids" else {"filter": {"genre": "drama"}}
    assert_invalid(dense_space.delete(deleteAll=True, **body))
    dense_space.barrier()
    assert set(fetch_now(dense_space, ids)) == set(ids)


@pytest.mark.behavior("DELETE-EMPTY-FILTER-400")
def test_delete_empty_filter(dense_space):
    """`filter: {}` is a 400 and deletes nothing."""
    ids = _seed(dense_space, 3)
    assert_invalid(dense_space.delete(filter={}))
    dense_space.barrier()
    assert set(fetch_now(dense_space, ids)) == set(ids)


FILTERS = {
    "eq": ({"genre": {"$eq": "drama"}}, {"r0", "r2", "r4"}),
    "implicit-eq": ({"genre": "comedy"}, {"r1", "r5"}),
    "in": ({"genre": {"$in": ["comedy", "action"]}}, {"r1", "r3", "r5"}),
    "range": ({"year": {"$gte": 2004}}, {"r4", "r5"}),
    "exists": ({"flag": {"$exists": True}}, {"r1", "r3", "r5"}),
    "and": ({"$and": [{"genre": "drama"}, {"year": {"$lt": 2003}}]}, {"r0", "r2"}),
}


@pytest.mark.parametrize("flt,gone", FILTERS.values(), ids=FILTERS.keys())
@pytest.mark.behavior("DELETE-BY-FILTER")
def test_delete_by_filter(dense_space, flt, gone):
    """A delete by filter removes exactly the matching records."""
    ids = _seed(dense_space)
    deleted(dense_space.delete(filter=flt))
    fetch_absent(dense_space, sorted(gone))
    dense_space.barrier()
    assert set(fetch_now(dense_space, ids)) == set(ids) - gone


@pytest.mark.behavior("DELETE-FILTER-IGNORES-IDS")
def test_delete_filter_with_ids_ignores_ids(dense_space):
    """With both filter and ids, the filter decides and the ids are ignored."""
    ids = _seed(dense_space)
    deleted(dense_space.delete(ids=["r1", "r3"], filter={"genre": "drama"}))
    fetch_absent(dense_space, ["r0", "r2", "r4"])
    dense_space.barrier()
    assert set(fetch_now(dense_space, ids)) == {"r1", "r3", "r5"}


def _two_ids_delete(space) -> None:
    """Check as setup that a delete by several ids removes all of them (DELETE-BY-IDS), so the
    removal of the 1000 ids below judges only whether that many ids are accepted."""
    extra = space.vectors.records(2, prefix="pre")
    seed_visible(space, extra)
    setup_ok(space.delete(ids=[r["id"] for r in extra]), "a delete by two ids")
    with setting_up("a delete by two ids removing both"):
        fetch_absent(space, [r["id"] for r in extra])


@pytest.mark.parametrize("n,accepted", [(1000, True), (1001, False)])
@pytest.mark.behavior("DELETE-MAX-IDS")
def test_delete_id_count_limit(dense_space, n, accepted):
    """Delete accepts 1000 ids and rejects 1001."""
    ids = _seed(dense_space, 3)
    if accepted:
        _two_ids_delete(dense_space)
    # The seeded ids come last, so a target that silently drops the tail of the list is seen.
    resp = dense_space.delete(ids=[f"r{i}" for i in reversed(range(n))])
    if accepted:
        deleted(resp)
        fetch_absent(dense_space, ids)
    else:
        assert_invalid(resp)
        dense_space.barrier()
        assert set(fetch_now(dense_space, ids)) == set(ids)


@pytest.mark.parametrize("form", ["ids", "deleteAll"])
@pytest.mark.behavior("DELETE-LEGACY-METHOD")
def test_delete_legacy_http_delete(dense_space, form):
    """DELETE /vectors/delete?ids=..&namespace=.. behaves like the POST form."""
    ids = _seed(dense_space, 3)
    params = [("ids", "r0"), ("ids", "r2")] if form == "ids" else [("deleteAll", "true")]
    params.append(("namespace", dense_space.ns))
    resp = dense_space.client.request("DELETE", "/vectors/delete", params=params)
    assert resp.status == 200, resp
    gone = ["r0", "r2"] if form == "ids" else ids
    fetch_absent(dense_space, gone)
    dense_space.barrier()
    assert set(fetch_now(dense_space, ids)) == set(ids) - set(gone)


@pytest.mark.behavior("DELETE-QUERY-PARAMS")
def test_delete_all_as_query_parameters(dense_space):
    """POST /vectors/delete?deleteAll=true&namespace=.. empties the namespace."""
    ids = _seed(dense_space, 3)
    params = {"deleteAll": "true", "namespace": dense_space.ns}
    resp = dense_space.client.request("POST", "/vectors/delete", params=params)
    assert resp.status == 200, resp
    fetch_absent(dense_space, ids)
