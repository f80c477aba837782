"""GET /vectors/fetch and POST /vectors/fetch_by_metadata."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.suite._helpers import (
    approx,
    assert_invalid,
    fetch_now,
    fetch_present,
    listed_in_default,
    ok,
    records_of,
    seed_visible,
    setting_up,
    unique,
    upsert_ok,
    vectors_of,
)
from conformance.target.space import Space

GENRES = ["drama", "comedy", "drama", "action", "drama", "comedy", "drama"]


def _genre(i: int) -> dict:
    return {"genre": GENRES[i % len(GENRES)], "i": i}


# ---- fetch by id -------------------------------------------------------------------------------


def _fetch_now_in(space: Space, ids: list[str], namespace: str) -> dict[str, Any]:
    """One fetch of `ids` in another namespace of the Space; the records it returned."""
    return records_of(space.fetch(ids, namespace=namespace))


def _kind_record(space, kind: str) -> dict:
    """Record r1 of an index kind, with metadata (and sparse values on the hybrid index)."""
    rec = space.vectors.record(1, metadata=lambda i: {"k": "v"})
    if kind == "hybrid":
        rec["sparseValues"] = space.vectors.sparse(1)
    return rec


@pytest.mark.parametrize("kind", ["dense", "sparse", "hybrid"])
@pytest.mark.behavior("FETCH-RESPONSE-SHAPE")
def test_fetch_shape_per_index_kind(request, kind):
    """Each fetched record is `{id, values|sparseValues, metadata}` keyed by its id, beside the
    namespace (what the values are is FETCH-BY-ID's to judge)."""
    space = request.getfixturevalue(f"{kind}_space")
    seed_visible(space, [_kind_record(space, kind)])
    body = ok(space.fetch(["r1"]))
    assert body.get("namespace") == space.ns, body
    assert isinstance(body.get("vectors"), dict) and set(body["vectors"]) == {"r1"}, body
    got = body["vectors"]["r1"]
    assert isinstance(got, dict) and got.get("id") == "r1", got
    if kind != "sparse":
        assert isinstance(got.get("values"), list), got
    if kind != "dense":
        sparse = got.get("sparseValues")
        assert isinstance(sparse, dict), got
        assert isinstance(sparse.get("indices"), list), got
        assert isinstance(sparse.get("values"), list), got


@pytest.mark.parametrize("kind", ["dense", "sparse", "hybrid"])
@pytest.mark.behavior("FETCH-BY-ID")
def test_fetch_by_id_per_index_kind(request, kind):
    """Fetch by id returns the record's values (dense, sparse or both) and metadata."""
    space = request.getfixturevalue(f"{kind}_space")
    rec = _kind_record(space, kind)
    upsert_ok(space, [rec])
    got = fetch_present(space, ["r1"])["r1"]
    assert got.get("metadata") == {"k": "v"}, got
    if kind != "sparse":
        assert got.get("values") == approx(rec["values"]), got
    if kind != "dense":
        assert got["sparseValues"]["indices"] == rec["sparseValues"]["indices"]
        assert got["sparseValues"]["values"] == approx(rec["sparseValues"]["values"])


@pytest.mark.behavior("FETCH-UNKNOWN-IDS-OMITTED")
def test_fetch_omits_unknown_ids(dense_space):
    """Unknown ids are simply absent from `vectors`. One id of the request is known, so that how
    a fetch of several records answers (FETCH-BY-ID) does not decide the outcome."""
    seed_visible(dense_space, dense_space.vectors.records(1))
    got = vectors_of(dense_space.fetch(["nope", "r0", "missing too"]))
    assert set(got) == {"r0"}


@pytest.mark.behavior("FETCH-UNKNOWN-NAMESPACE")
def test_fetch_unknown_namespace(dense_space):
    """A namespace that was never written answers 200, `vectors: {}`, the namespace echoed."""
    body = ok(dense_space.fetch(["r0", "r1"]))
    assert body["vectors"] == {}
    assert body["namespace"] == dense_space.ns


@pytest.mark.behavior("FETCH-NO-IDS-400")
def test_fetch_without_ids(dense_space):
    """Fetch with no `ids` parameter is a 400."""
    resp = dense_space.client.request("GET", "/vectors/fetch", params={"namespace": dense_space.ns})
    assert_invalid(resp)


@pytest.mark.parametrize("n,accepted", [(1000, True), (1001, False)])
@pytest.mark.behavior("FETCH-MAX-IDS")
def test_fetch_id_count_limit(dense_space, n, accepted):
    """Fetch accepts 1000 ids and rejects 1001."""
    upsert_ok(dense_space, dense_space.vectors.records(2))
    fetch_present(dense_space, ["r0", "r1"])
    ids = [f"r{i}" for i in range(n)]
    resp = dense_space.fetch(ids)
    if accepted:
        assert set(vectors_of(resp)) == {"r0", "r1"}
    else:
        assert_invalid(resp)


@pytest.mark.behavior("FETCH-DEFAULT-NAMESPACE")
def test_fetch_without_namespace_reads_default(default_space, dense_space):
    """Fetch with no namespace reads the default namespace and echoes `""`."""
    rid = unique("fd-") + "x"
    listed_in_default(default_space, [{"id": rid, "values": default_space.vectors.dense(7)}])
    fetch_present(default_space, [rid])
    # A record every namespace shows would prove nothing about the default one; that a named
    # namespace does not show it is FETCH-NAMESPACE-ISOLATION's to judge, so a setup check here.
    with setting_up("the default record absent from a named namespace"):
        assert records_of(dense_space.fetch([rid])) == {}
    body = ok(dense_space.client.fetch([rid]))  # the raw client sends no namespace
    assert body["namespace"] == ""
    assert body["vectors"][rid]["values"] == approx(default_space.vectors.dense(7))


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.behavior("FETCH-NO-METADATA-KEY")
def test_fetch_record_without_metadata(request, kind):
    """A record upserted without metadata has no `metadata` key (or a null one)."""
    space = request.getfixturevalue(f"{kind}_space")
    upsert_ok(space, space.vectors.records(1))
    got = fetch_present(space, ["r0"])["r0"]
    assert got.get("metadata") is None, got


@pytest.mark.parametrize("encoded", ["a+b+c", "a%20b%20c", "a+b%20c"])
@pytest.mark.behavior("FETCH-ID-ENCODING")
def test_fetch_query_string_space_encodings(dense_space, encoded):
    """`+` and `%20` in the query string both decode to a space."""
    upsert_ok(dense_space, [{"id": "a b c", "values": dense_space.vectors.dense(1)}])
    fetch_present(dense_space, ["a b c"])
    resp = dense_space.client.request(
        "GET", f"/vectors/fetch?ids={encoded}&namespace={dense_space.ns}"
    )
    assert set(vectors_of(resp)) == {"a b c"}


@pytest.mark.parametrize("written", [False, True], ids=["empty", "with-records"])
@pytest.mark.behavior("FETCH-USAGE")
def test_fetch_reports_read_units(dense_space, written):
    """Fetch responses carry `usage.readUnits`."""
    if written:
        upsert_ok(dense_space, dense_space.vectors.records(1))
        fetch_present(dense_space, ["r0"])
    body = ok(dense_space.fetch(["r0"]))
    units = body.get("usage", {}).get("readUnits")
    assert isinstance(units, int) and not isinstance(units, bool) and units >= 0, body


@pytest.mark.behavior("FETCH-NAMESPACE-ISOLATION")
def test_fetch_namespace_isolation(dense_space):
    """The same id in two namespaces holds two records; each fetch sees only its own."""
    v = dense_space.vectors
    other = dense_space.new_namespace()
    seed_visible(dense_space, [{"id": "same", "values": v.dense(1), "metadata": {"ns": "a"}}])
    seed_visible(
        dense_space,
        [{"id": "same", "values": v.dense(2), "metadata": {"ns": "b"}}, v.record(5)],
        namespace=other,
    )
    here = fetch_now(dense_space, ["same"])
    assert here["same"]["metadata"] == {"ns": "a"}
    assert here["same"]["values"] == approx(v.dense(1))
    there = _fetch_now_in(dense_space, ["same"], other)
    assert there["same"]["metadata"] == {"ns": "b"}
    assert "r5" not in fetch_now(dense_space, ["r5"])


# ---- fetch by metadata (2025-10+) --------------------------------------------------------------


def _fbm_seed(space, n: int = 7) -> list[dict]:
    recs = space.vectors.records(n, metadata=_genre)
    seed_visible(space, recs)
    return recs


def _fbm(space, what: str, want: set[str], **body) -> dict:
    resp = space.eventually(
        lambda: space.fetch_by_metadata(**body),
        lambda r: r.status == 200 and set(vectors_of(r)) == want,
        what,
    )
    return ok(resp)


@pytest.mark.behavior("FBM-RETURNS-MATCHES")
def test_fetch_by_metadata_returns_matches(dense_space):
    """fetch_by_metadata returns exactly the matching records with values and metadata."""
    recs = _fbm_seed(dense_space)
    want = {r["id"] for r in recs if r["metadata"]["genre"] == "drama"}
    body = _fbm(dense_space, "drama records", want, filter={"genre": {"$eq": "drama"}})
    assert body["namespace"] == dense_space.ns
    assert isinstance(body.get("usage", {}).get("readUnits"), int)
    by_id = {r["id"]: r for r in recs}
    for rid, got in body["vectors"].items():
        assert got["id"] == rid
        assert got["values"] == approx(by_id[rid]["values"])
        assert got["metadata"] == by_id[rid]["metadata"]


@pytest.mark.behavior("FBM-DEFAULT-LIMIT")
def test_fetch_by_metadata_default_limit(dense_space):
    """Without `limit` at most 100 records are returned."""
    # one-hot values keep a 130-record reply within the response cap up to 20000 dimensions
    v = dense_space.vectors
    recs = [{"id": f"r{i}", "values": v.compact(i), "metadata": {"g": "x"}} for i in range(130)]
    seed_visible(dense_space, recs)
    with setting_up("fetch_by_metadata with limit 130 returning all 130 (FBM-PAGINATION's limit)"):
        _fbm(dense_space, "all 130", {r["id"] for r in recs}, filter={"g": "x"}, limit=130)
    got = vectors_of(dense_space.fetch_by_metadata(filter={"g": "x"}))
    assert len(got) == 100


@pytest.mark.parametrize("limit,accepted", [(0, False), (1, True), (10000, True), (10001, False)])
@pytest.mark.behavior("FBM-LIMIT-RANGE-400")
def test_fetch_by_metadata_limit_range(dense_space, limit, accepted):
    """`limit` must lie in 1…10000."""
    resp = dense_space.fetch_by_metadata(filter={"genre": "drama"}, limit=limit)
    if accepted:
        assert vectors_of(resp) == {}
    else:
        assert_invalid(resp)


@pytest.mark.parametrize("body", [{"filter": {}}, {}], ids=["empty", "missing"])
@pytest.mark.behavior("FBM-EMPTY-FILTER-400")
def test_fetch_by_metadata_requires_filter(dense_space, body):
    """A missing or empty filter is a 400."""
    _fbm_seed(dense_space, 2)
    assert_invalid(dense_space.fetch_by_metadata(**body))


@pytest.mark.behavior("FBM-PAGINATION")
def test_fetch_by_metadata_pagination(dense_space):
    """`pagination.next` continues the result set without repeats until it is exhausted."""
    recs = dense_space.vectors.records(7, metadata=lambda i: {"g": "p"})
    seed_visible(dense_space, recs)
    _fbm(dense_space, "all 7", {r["id"] for r in recs}, filter={"g": "p"}, limit=10)
    seen: list[str] = []
    token = None
    for _ in range(10):
        extra: dict[str, str] = {"paginationToken": token} if token else {}
        page = ok(dense_space.fetch_by_metadata(filter={"g": "p"}, limit=3, **extra))
        ids = list(page["vectors"])
        assert len(ids) <= 3
        seen += ids
        token = (page.get("pagination") or {}).get("next")
        if len(seen) < 7:
            assert isinstance(token, str) and token, page
        if not token:
            break
    assert sorted(seen) == sorted(r["id"] for r in recs)


@pytest.mark.parametrize("where", ["unknown-namespace", "no-match"])
@pytest.mark.behavior("FBM-NO-MATCH")
def test_fetch_by_metadata_no_match(dense_space, where):
    """No matching record (or no namespace) answers 200 with empty `vectors`."""
    if where == "no-match":
        _fbm_seed(dense_space, 3)
    body = ok(dense_space.fetch_by_metadata(filter={"genre": "western"}))
    assert body["vectors"] == {}
    assert body["namespace"] == dense_space.ns
