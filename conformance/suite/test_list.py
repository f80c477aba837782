"""GET /vectors/list: order, prefix, pagination, limits, response shape."""

from __future__ import annotations

import pytest

from conformance.suite._helpers import assert_invalid, list_when, ok
from conformance.target.vectors import batches

MIXED = ["b", "B", "a", "10", "9", "_x", "a-b", "ab", "a b", "Z9", "~"]


def _record(space, i: int, rid: str) -> dict:
    """A record whose body stays short at any dimension (many are upserted at once)."""
    if space.index.vector_type == "sparse":
        return {"id": rid, "sparseValues": space.vectors.sparse(i)}
    return {"id": rid, "values": space.vectors.compact(i)}


def _put(space, ids: list[str]) -> None:
    recs = [_record(space, i, rid) for i, rid in enumerate(ids)]
    for batch in batches(recs):
        ok(space.upsert(batch))
    list_when(space, ids)


def _page_ids(page: dict) -> list[str]:
    vectors = page.get("vectors")
    assert isinstance(vectors, list), page
    for v in vectors:
        assert isinstance(v, dict) and isinstance(v.get("id"), str), page
    return [v["id"] for v in vectors]


def _pages(space, **params) -> list[list[str]]:
    """Every page, following `pagination.next`; a trailing empty page is dropped."""
    pages: list[list[str]] = []
    token = None
    for _ in range(200):
        page = ok(space.list_ids(**params, paginationToken=token))
        pages.append(_page_ids(page))
        token = (page.get("pagination") or {}).get("next")
        if not token:
            break
    if len(pages) > 1 and pages[-1] == []:
        pages.pop()
    return pages


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.behavior("LIST-SORTED")
def test_list_bytewise_order(request, kind):
    """Ids come back in bytewise ascending order."""
    space = request.getfixturevalue(f"{kind}_space")
    _put(space, MIXED)
    got = _page_ids(ok(space.list_ids()))
    assert got == sorted(MIXED, key=lambda s: s.encode())


@pytest.mark.behavior("LIST-DEFAULT-LIMIT", "LIST-PAGINATION")
def test_list_default_page_size(dense_space):
    """Without `limit` a page holds 100 ids and pagination continues."""
    ids = [f"id{i:03d}" for i in range(130)]
    _put(dense_space, ids)
    first = ok(dense_space.list_ids())
    assert _page_ids(first) == ids[:100]
    token = first["pagination"]["next"]
    assert isinstance(token, str) and token
    second = ok(dense_space.list_ids(paginationToken=token))
    assert _page_ids(second) == ids[100:]


PREFIXES = {
    "doc1": ["doc1-a", "doc1-b", "doc10"],
    "doc1-": ["doc1-a", "doc1-b"],
    "doc2": ["doc2-a"],
    "x": [],
    "": ["doc1-a", "doc1-b", "doc10", "doc2-a", "other"],
}


@pytest.mark.parametrize("prefix", PREFIXES, ids=[p or "empty" for p in PREFIXES])
@pytest.mark.behavior("LIST-PREFIX")
def test_list_prefix(dense_space, prefix):
    """`prefix` restricts the ids to those that start with it."""
    _put(dense_space, ["doc1-a", "doc1-b", "doc10", "doc2-a", "other"])
    got = _page_ids(ok(dense_space.list_ids(prefix=prefix)))
    assert got == PREFIXES[prefix]


@pytest.mark.parametrize("limit", [1, 3, 7])
@pytest.mark.behavior("LIST-PAGINATION")
def test_list_pagination_covers_everything_once(dense_space, limit):
    """Pages of `limit` ids, joined, give every id exactly once and in order."""
    ids = [f"p{i}" for i in range(7)]
    _put(dense_space, ids)
    pages = _pages(dense_space, limit=limit)
    assert all(0 < len(p) <= limit for p in pages), pages
    assert [i for p in pages for i in p] == sorted(ids)
    assert len(pages) == -(-len(ids) // limit)


@pytest.mark.behavior("LIST-PAGINATION-EXAMPLE", "LIST-PREFIX", "LIST-PAGINATION")
def test_list_documented_pagination_example(dense_space):
    """Ids "0".."999", prefix "99", limit 5 page as [99,990..993], [994..998], [999]."""
    _put(dense_space, [str(i) for i in range(1000)])
    pages = _pages(dense_space, prefix="99", limit=5)
    assert pages == [
        ["99", "990", "991", "992", "993"],
        ["994", "995", "996", "997", "998"],
        ["999"],
    ]


@pytest.mark.behavior("LIST-LAST-PAGE-NO-PAGINATION")
def test_list_last_page_has_no_pagination(dense_space):
    """A last page that is not full carries no `pagination`."""
    _put(dense_space, [f"q{i}" for i in range(5)])
    first = ok(dense_space.list_ids(limit=3))
    last = ok(dense_space.list_ids(limit=3, paginationToken=first["pagination"]["next"]))
    assert _page_ids(last) == ["q3", "q4"]
    assert not (last.get("pagination") or {}).get("next"), last


@pytest.mark.parametrize("limit,accepted", [(0, False), (1, True), (100, True), (101, False)])
@pytest.mark.behavior("LIST-LIMIT-RANGE-400")
def test_list_limit_range(dense_space, limit, accepted):
    """`limit` must lie in 1…100."""
    resp = dense_space.list_ids(limit=limit)
    if accepted:
        assert _page_ids(ok(resp)) == []
    else:
        assert_invalid(resp)


@pytest.mark.behavior("LIST-UNKNOWN-NAMESPACE")
def test_list_unknown_namespace(dense_space):
    """A namespace never written lists as 200 `vectors: []` with the namespace echoed."""
    body = ok(dense_space.list_ids())
    assert body["vectors"] == []
    assert body["namespace"] == dense_space.ns
    assert not (body.get("pagination") or {}).get("next")


@pytest.mark.parametrize("written", [False, True], ids=["empty", "with-records"])
@pytest.mark.behavior("LIST-RESPONSE-SHAPE")
def test_list_response_shape(dense_space, written):
    """List responses carry the echoed `namespace`."""
    if written:
        _put(dense_space, ["s1", "s2"])
    body = ok(dense_space.list_ids(limit=1))
    assert body["namespace"] == dense_space.ns
    if written:
        assert _page_ids(body) == ["s1"]
        assert isinstance(body["pagination"]["next"], str)


@pytest.mark.behavior("LIST-USAGE")
def test_list_reports_read_units(dense_space):
    """List responses carry `usage.readUnits`."""
    body = ok(dense_space.list_ids(limit=1))
    units = (body.get("usage") or {}).get("readUnits")
    assert isinstance(units, int) and not isinstance(units, bool) and units >= 0, body
