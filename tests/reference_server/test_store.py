"""IndexStore and Namespace: rows, growth, deletes by swap, exact search, LSNs and delays."""

from __future__ import annotations

import time

import numpy as np
import orjson
import pytest

from reference_server.errors import ApiError
from reference_server.filters import parse_filter
from reference_server.scoring import BLOCK_ROWS
from reference_server.store import FEW_ROWS, IndexStore, Namespace


def brute_force(matrix: np.ndarray, query: np.ndarray, metric: str) -> np.ndarray:
    m = matrix.astype(np.float64)
    q = query.astype(np.float64)
    if metric == "cosine":
        return (m @ q) / (np.linalg.norm(m, axis=1) * np.linalg.norm(q))
    if metric == "euclidean":
        return ((m - q) ** 2).sum(axis=1)
    return m @ q


def filled(metric: str, n: int = 300, dim: int = 8, seed: int = 0) -> tuple[Namespace, np.ndarray]:
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((n, dim)).astype(np.float32)
    ns = Namespace(dim, metric)
    ids = [f"id{i:04d}" for i in range(n)]
    metas = [{"even": i % 2 == 0, "i": float(i)} for i in range(n)]
    ns.upsert(ids, matrix, [None] * n, metas)
    return ns, matrix


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dotproduct"])
@pytest.mark.parametrize("k", [1, 10, 299, 300, 1000])
def test_search_is_exact(metric: str, k: int) -> None:
    ns, matrix = filled(metric)
    query = np.random.default_rng(1).standard_normal(8).astype(np.float32)
    hits = ns.search(query, None, None, k)
    scores = brute_force(matrix, query, metric)
    order = np.argsort(scores if metric == "euclidean" else -scores, kind="stable")[:k]
    assert [ns.ids[row] for row, _ in hits] == [f"id{i:04d}" for i in order]
    assert np.allclose([s for _, s in hits], scores[order], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dotproduct"])
def test_search_with_filter(metric: str) -> None:
    ns, matrix = filled(metric)
    query = np.random.default_rng(2).standard_normal(8).astype(np.float32)
    hits = ns.search(query, None, parse_filter({"even": True, "i": {"$lt": 100}}), 10)
    scores = brute_force(matrix, query, metric)
    allowed = [i for i in range(300) if i % 2 == 0 and i < 100]
    allowed.sort(key=lambda i: scores[i] if metric == "euclidean" else -scores[i])
    assert [ns.ids[row] for row, _ in hits] == [f"id{i:04d}" for i in allowed[:10]]


def test_delete_swaps_last_row_and_keeps_columns_consistent() -> None:
    ns, matrix = filled("cosine", n=50)
    ns.delete_rows([0, 10, 49, 48])
    assert ns.n == 46
    assert set(ns.ids) == {f"id{i:04d}" for i in range(50)} - {
        "id0000",
        "id0010",
        "id0049",
        "id0048",
    }
    for vector_id, row in ns.rows.items():
        assert ns.ids[row] == vector_id
        original = int(vector_id[2:])
        assert np.array_equal(ns.vector(row), matrix[original])
        assert ns.metadata(row) == {"even": original % 2 == 0, "i": float(original)}
        assert np.isclose(ns.norms[row], np.linalg.norm(matrix[original]), rtol=1e-6)
    rows = ns.matching_rows(parse_filter({"i": {"$gte": 40}}))
    assert sorted(ns.ids[r] for r in rows) == [f"id{i:04d}" for i in range(40, 48)]


def test_growth_is_by_blocks_and_never_copies_full_blocks() -> None:
    ns = Namespace(4, "dotproduct")
    seen: list[np.ndarray] = []
    total = 12_800  # three full blocks and part of a fourth
    for start in range(0, total, 100):
        ids = [str(i) for i in range(start, start + 100)]
        values = np.arange(start, start + 100, dtype=np.float32)[:, None] * np.ones(4, np.float32)
        ns.upsert(ids, values, [None] * 100, [None] * 100)
        assert ns.dense is not None
        assert 0 <= ns.capacity - ns.n < BLOCK_ROWS
        full = [block for block in ns.dense.blocks if len(block) == BLOCK_ROWS]
        assert all(a is b for a, b in zip(seen, full, strict=False))
        seen = full
    assert ns.n == total
    assert all(ns.vector(row)[0] == row for row in range(0, total, 97))
    ns.delete_rows(range(BLOCK_ROWS, total))
    assert ns.n == BLOCK_ROWS and ns.capacity == BLOCK_ROWS
    assert ns.vector(BLOCK_ROWS - 1)[0] == BLOCK_ROWS - 1


def test_search_spans_blocks_with_and_without_filter() -> None:
    n = BLOCK_ROWS * 2 + 300
    ns, matrix = filled("cosine", n=n)
    query = np.random.default_rng(3).standard_normal(8).astype(np.float32)
    expected = np.argsort(-brute_force(matrix, query, "cosine"), kind="stable")
    hits = ns.search(query, None, None, 20)
    assert [row for row, _ in hits] == expected[:20].tolist()
    for node, keep in (
        (parse_filter({"i": {"$gte": 10.0, "$lt": float(n - 10)}}), lambda i: 10 <= i < n - 10),
        (parse_filter({"i": {"$in": [5.0, 4100.0, 8200.0, float(n - 1)]}}), None),
    ):
        allowed = [i for i in expected.tolist() if keep is None or keep(i)]
        if keep is None:
            allowed = [i for i in allowed if i in (5, 4100, 8200, n - 1)]
        hits = ns.search(query, None, node, 3)
        assert [row for row, _ in hits] == allowed[:3]


@pytest.mark.parametrize("count", [FEW_ROWS, FEW_ROWS + 1])
def test_take_gathers_rows_from_every_block_in_the_order_asked(count: int) -> None:
    """A query's few candidates are copied row by row, larger takes block by block."""
    n = BLOCK_ROWS * 3 + 17
    ns, matrix = filled("dotproduct", n=n)
    assert ns.dense is not None
    rows = np.random.default_rng(5).choice(n, size=count, replace=False)
    assert len(set((rows // BLOCK_ROWS).tolist())) > 1
    assert np.array_equal(ns.dense.take(rows), matrix[rows])


def test_upsert_overwrites_and_last_duplicate_wins() -> None:
    ns = Namespace(2, "cosine")
    ns.upsert(["a"], np.array([[1, 0]], np.float32), [None], [{"x": "1"}])
    ns.upsert(["a", "a"], np.array([[0, 1], [1, 1]], np.float32), [None, None], [{"y": "2"}, None])
    assert ns.n == 1 and ns.meta[0] is None and ns.metadata(0) is None
    assert ns.vector(0).tolist() == [1, 1]
    assert not ns.matching_rows(parse_filter({"x": "1"})).size


def test_sparse_search_and_hybrid() -> None:
    ns = Namespace(None, "dotproduct")
    sparse = [
        (np.array([1, 5], np.uint32), np.array([1.0, 2.0], np.float32)),
        (np.array([7], np.uint32), np.array([3.0], np.float32)),
        (np.array([5, 9], np.uint32), np.array([0.5, 4.0], np.float32)),
    ]
    ns.upsert(["a", "b", "c"], None, sparse, [None] * 3)
    query = (np.array([9, 5], np.uint32), np.array([1.0, 2.0], np.float32))
    hits = ns.search(None, query, None, 10)
    assert [(ns.ids[r], s) for r, s in hits[:2]] == [("c", 5.0), ("a", 4.0)]
    assert hits[2][1] == 0.0

    hybrid = Namespace(2, "dotproduct")
    hybrid.upsert(
        ["a", "b"],
        np.array([[1, 0], [0, 1]], np.float32),
        [(np.array([3], np.uint32), np.array([10.0], np.float32)), None],
        [None, None],
    )
    hits = hybrid.search(
        np.array([0, 1], np.float32),
        (np.array([3], np.uint32), np.array([1.0], np.float32)),
        None,
        2,
    )
    assert [(hybrid.ids[r], s) for r, s in hits] == [("a", 10.0), ("b", 1.0)]


def test_record_count_and_implicit_namespaces() -> None:
    store = IndexStore(name="i", dimension=2, metric="cosine")
    with store.lock:
        store.upsert("a", ["x", "y"], np.ones((2, 2), np.float32), [None, None], [None, None])
        store.upsert("b", ["x"], np.ones((1, 2), np.float32), [None], [None])
    assert store.record_count() == 3
    with store.lock:
        store.delete_ids("a", ["x", "y", "nope"])
    assert "a" not in store.namespaces and store.record_count() == 1
    with store.lock:
        store.create_namespace("c", None)
        with pytest.raises(ApiError) as info:
            store.create_namespace("c", None)
        assert info.value.http_status == 409
        store.delete_all("b")
    assert set(store.namespaces) == {"c"}


def test_lsns_and_visibility_delay() -> None:
    store = IndexStore(name="i", dimension=2, metric="cosine", visibility_delay=0.2)
    with store.lock:
        first = store.upsert("a", ["x"], np.ones((1, 2), np.float32), [None], [None])
        second = store.delete_ids("a", ["x"])
        third = store.upsert("a", ["y"], np.ones((1, 2), np.float32), [None], [None])
    assert (first, second, third) == (1, 2, 3)
    assert store.record_count() == 0 and store.applied_lsn == 0
    deadline = time.monotonic() + 5
    while store.applied_lsn < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
        store.record_count()
    assert store.applied_lsn == 3
    assert list(store.namespaces["a"].ids) == ["y"]


def test_update_merges_and_checks_merged_size() -> None:
    store = IndexStore(name="i", dimension=2, metric="cosine")
    with store.lock:
        store.upsert("a", ["x"], np.ones((1, 2), np.float32), [None], [{"k": "v", "n": 1.0}])
        store.update_by_id("a", "x", None, None, {"n": 2.0, "m": True})
        assert store.namespaces["a"].metadata(0) == {"k": "v", "n": 2.0, "m": True}
        lsn = store.last_lsn
        with pytest.raises(ApiError):
            store.update_by_id("a", "x", None, None, {"big": "x" * 40950})
        assert store.last_lsn == lsn
        store.update_by_id("a", "missing", None, None, {"n": 3.0})
        assert store.namespaces["a"].n == 1


def test_batch_append_indexes_every_metadata_kind() -> None:
    ns = Namespace(2, "cosine")
    metas = [
        {"g": "a", "n": 1.0, "b": True, "l": ["x", "y"]},
        {"g": "b", "n": 2.0, "mixed": "s"},
        None,
        {"g": "a", "mixed": 3.0, "b": False},
    ]
    ns.upsert(["r0", "r1", "r2", "r3"], np.ones((4, 2), np.float32), [None] * 4, metas)

    def ids(filter_: dict) -> list[str]:
        return sorted(ns.ids[row] for row in ns.matching_rows(parse_filter(filter_)))

    assert ids({"g": "a"}) == ["r0", "r3"]
    assert ids({"n": {"$gte": 1.5}}) == ["r1"]
    assert ids({"b": True}) == ["r0"]
    assert ids({"l": {"$in": ["y"]}}) == ["r0"]
    assert ids({"mixed": "s"}) == ["r1"]
    assert ids({"mixed": {"$gt": 2.0}}) == ["r3"]
    assert ids({"g": {"$exists": False}}) == ["r2"]


def test_metadata_is_kept_as_compact_json_and_replies_carry_it_unchanged() -> None:
    ns = Namespace(2, "cosine")
    meta = {"z": 'é ✓ "q"', "a": 1e-300, "n": -0.0, "l": ["x", "y"], "b": False}
    ns.upsert(["r"], np.ones((1, 2), np.float32), [None], [meta])
    stored = ns.meta[0]
    assert type(stored) is bytes and stored == orjson.dumps(meta)
    assert ns.metadata(0) == meta and list(ns.metadata(0) or {}) == list(meta)  # key order too
    reply = orjson.loads(orjson.dumps(ns.record(0), option=orjson.OPT_SERIALIZE_NUMPY))
    assert reply["metadata"] == meta
    assert "metadata" not in ns.record(0, include_metadata=False)
    copy = ns.metadata(0)
    assert copy is not None
    copy["z"] = "changed"  # a decoded copy: the store is not touched
    assert ns.metadata(0) == meta


def test_per_row_arrays_grow_geometrically_and_stay_in_step() -> None:
    ns = Namespace(4, "dotproduct")
    sizes = set()
    for start in range(0, 12 * BLOCK_ROWS, BLOCK_ROWS):
        ids = [f"r{start + i}" for i in range(BLOCK_ROWS)]
        metas = [{"k": float(i)} for i in range(BLOCK_ROWS)]
        ns.upsert(ids, np.ones((BLOCK_ROWS, 4), np.float32), [None] * BLOCK_ROWS, metas)
        column = ns.index.column("k")
        assert column is not None
        assert len(ns.norms) == len(column.num) == ns.index.capacity >= ns.capacity
        sizes.add(len(ns.norms))
    assert len(sizes) < 12  # not one copy per block
    assert ns.matching_rows(parse_filter({"k": {"$eq": 5.0}})).size == 12
