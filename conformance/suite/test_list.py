"""GET /vectors/list: order, prefix, pagination, limits, response shape."""

from __future__ import annotations

import pytest

from conformance.outcomes import SetupFailed
from conformance.suite._helpers import assert_invalid, list_when, ok, setting_up, setup_ok
from conformance.target.vectors import batches

MIXED = ["b", "B", "a", "10", "9", "_x", "a-b", "ab", "a b", "Z9", "~"]


def _record(space, i: int, rid: str) -> dict:
    """A record whose body stays short at any dimension (many are upserted at once)."""
    if space.index.vector_type == "sparse":
        return {"id": rid, "sparseValues": space.vectors.sparse(i)}
    return {"id": rid, "values": space.vectors.compact(i)}


def _write(space, ids: list[str]) -> None:
    """Upsert one record per id; a rejected write is a harness error."""
    recs = [_record(space, i, rid) for i, rid in enumerate(ids)]
    for batch in batches(recs):
        setup_ok(space.upsert(batch), f"seeding {len(batch)} records")


def _put(space, ids: list[str]) -> None:
    """Write `ids` and wait until a listing of every page shows exactly them: the seed is
    listed at all before a test judges its order, prefix or pages (else a harness error)."""
    _write(space, ids)
    with setting_up(f"the {len(ids)} seed ids listed"):
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
    """Without `limit` a page holds at most 100 ids and pagination continues to the rest (which
    ids come first is LIST-SORTED's)."""
    ids = [f"id{i:03d}" for i in range(130)]
    _write(dense_space, ids)
    pages = dense_space.eventually(
        lambda: _pages(dense_space),
        lambda got: sorted(i for p in got for i in p) == ids,
        f"the {len(ids)} ids listed once each over default pages",
    )
    assert all(len(p) <= 100 for p in pages), [len(p) for p in pages]


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
    """`prefix` restricts the ids to those that start with it (in any order: order is
    LIST-SORTED's)."""
    _put(dense_space, ["doc1-a", "doc1-b", "doc10", "doc2-a", "other"])
    got = _page_ids(ok(dense_space.list_ids(prefix=prefix)))
    assert sorted(got) == PREFIXES[prefix]


@pytest.mark.parametrize("limit", [1, 3, 7])
@pytest.mark.behavior("LIST-PAGINATION")
def test_list_pagination_covers_everything_once(dense_space, limit):
    """Pages of `limit` ids, joined, give every id exactly once (in any order: order is
    LIST-SORTED's)."""
    ids = [f"p{i}" for i in range(7)]
    _put(dense_space, ids)
    pages = _pages(dense_space, limit=limit)
    assert all(0 < len(p) <= limit for p in pages), pages
    assert sorted(i for p in pages for i in p) == sorted(ids)
    assert len(pages) == -(-len(ids) // limit)


@pytest.mark.behavior("LIST-PAGINATION-EXAMPLE")
def test_list_documented_pagination_example(dense_space):
    """Ids "0".."999", prefix "99", limit 5 page as [99,990..993], [994..998], [999].

    The ids under the prefix, listed in one page, are the precondition (prefix itself is
    LIST-PREFIX's); each page is compared as a set (the order within a page is LIST-SORTED's).
    """
    ids = [str(i) for i in range(1000)]
    _write(dense_space, ids)
    under = sorted(i for i in ids if i.startswith("99"))
    with setting_up(f"the {len(under)} ids under prefix '99' listed"):
        dense_space.eventually(
            lambda: sorted(_page_ids(ok(dense_space.list_ids(prefix="99", limit=100)))),
            lambda got: got == under,
            f"ids {under} listed under prefix '99'",
        )
    pages = _pages(dense_space, prefix="99", limit=5)
    assert [sorted(p) for p in pages] == [
        ["99", "990", "991", "992", "993"],
        ["994", "995", "996", "997", "998"],
        ["999"],
    ]


@pytest.mark.behavior("LIST-LAST-PAGE-NO-PAGINATION")
def test_list_last_page_has_no_pagination(dense_space):
    """A last page that is not full carries no `pagination`.

    Reaching that page (a first page of three with a token leading to the other two ids) is
    LIST-PAGINATION's, so it is the precondition here.
    """
    ids = [f"q{i}" for i in range(5)]
    _put(dense_space, ids)
    first = setup_ok(dense_space.list_ids(limit=3), "the first page of three")
    token = (first.get("pagination") or {}).get("next")
    if not isinstance(token, str) or not token:
        raise SetupFailed(f"the first page of three carries no pagination.next: {first}")
    last = setup_ok(dense_space.list_ids(limit=3, paginationToken=token), "the last page")
    rest = sorted(set(ids) - set(_page_ids(first)))
    if len(rest) != 2 or sorted(_page_ids(last)) != rest:
        raise SetupFailed(f"the page after {first} is not the other two ids: {last}")
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
    """List responses carry the echoed `namespace` (their ids and pages are judged by the other
    list behaviors)."""
    if written:
        _put(dense_space, ["s1", "s2"])
    body = ok(dense_space.list_ids(limit=1))
    assert body.get("namespace") == dense_space.ns, body


@pytest.mark.behavior("LIST-USAGE")
def test_list_reports_read_units(dense_space):
    """List responses carry `usage.readUnits`."""
    body = ok(dense_space.list_ids(limit=1))
    units = (body.get("usage") or {}).get("readUnits")
    assert isinstance(units, int) and not isinstance(units, bool) and units >= 0, body
