"""Vector operations through the official SDK's REST `Index` client, on dense and sparse indexes.

The server is strongly consistent by default, so every read right after a write sees it.
"""

from __future__ import annotations

from typing import Any

import pytest
from pinecone import Pinecone, ServerlessSpec, Vector
from pinecone.errors import ApiError, UnauthorizedError

from conformance.target.launcher import RunningServer
from tests.sdk.sdk_support import DIMENSION, WireLog, make_client


def unit(i: int, dimension: int = DIMENSION) -> list[float]:
    """The i-th basis vector (exact cosine scores: 1 for itself, 0 for the others)."""
    values = [0.0] * dimension
    values[i % dimension] = 1.0
    return values


def seed(index: Any, namespace: str, count: int = 6) -> None:
    """`v0..v{count-1}` with genre a/b alternating and year = 2000 + i."""
    vectors = [
        (f"v{i}", unit(i), {"genre": "a" if i % 2 == 0 else "b", "year": 2000 + i})
        for i in range(count)
    ]
    assert (
        index.upsert(vectors=vectors, namespace=namespace, show_progress=False).upserted_count
        == count
    )


def test_upsert_accepts_tuples_dicts_and_vector_objects(dense_index: Any, namespace: str) -> None:
    response = dense_index.upsert(
        vectors=[
            ("t", unit(0)),
            ("tm", unit(1), {"k": "v"}),
            {"id": "d", "values": unit(2), "metadata": {"n": 1}},
            Vector(id="o", values=unit(3), metadata={"flag": True}),
        ],
        namespace=namespace,
        show_progress=False,
    )
    assert response.upserted_count == 4
    fetched = dense_index.fetch(ids=["t", "tm", "d", "o"], namespace=namespace).vectors
    assert set(fetched) == {"t", "tm", "d", "o"}
    assert fetched["tm"].metadata == {"k": "v"}
    assert fetched["d"].metadata == {"n": 1}
    assert fetched["o"].metadata == {"flag": True}
    assert fetched["t"].values == unit(0)


def test_upsert_in_batches(dense_index: Any, namespace: str) -> None:
    vectors = [(f"b{i:03}", unit(i)) for i in range(250)]
    response = dense_index.upsert(
        vectors=vectors, namespace=namespace, batch_size=100, show_progress=False
    )
    assert response.upserted_count == 250
    stats = dense_index.describe_index_stats()
    assert stats.namespaces[namespace].vector_count == 250


def test_query_by_vector_orders_by_score(dense_index: Any, namespace: str) -> None:
    seed(dense_index, namespace)
    query = [0.9 if i == 2 else 0.1 for i in range(DIMENSION)]
    result = dense_index.query(
        vector=query, top_k=3, namespace=namespace, include_metadata=True, include_values=True
    )
    assert result.namespace == namespace
    assert result.matches[0].id == "v2"
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    assert len(result.matches) == 3
    top = result.matches[0]
    assert top.metadata == {"genre": "a", "year": 2002}
    assert top.values == unit(2)


def test_query_with_filter(dense_index: Any, namespace: str) -> None:
    seed(dense_index, namespace)
    result = dense_index.query(
        vector=[1.0] * DIMENSION,
        top_k=10,
        namespace=namespace,
        filter={"genre": {"$eq": "b"}, "year": {"$gte": 2003}},
        include_metadata=True,
    )
    assert sorted(m.id for m in result.matches) == ["v3", "v5"]
    assert all(m.metadata["genre"] == "b" for m in result.matches)


def test_filter_only_query_with_a_zero_vector(dense_index: Any, namespace: str) -> None:
    """LlamaIndex's Pinecone store queries `[0.0] * dim` for filter-only lookups."""
    seed(dense_index, namespace)
    result = dense_index.query(
        vector=[0.0] * DIMENSION, top_k=10, namespace=namespace, filter={"genre": "b"}
    )
    assert sorted(m.id for m in result.matches) == ["v1", "v3", "v5"]
    assert all(m.score == 0.0 for m in result.matches)


def test_zero_vector_query_on_euclidean_index(pc: Pinecone, index_name: str) -> None:
    """The SDK's own tests query `[0, 0]` on euclidean indexes: distances are squared norms."""
    pc.create_index(
        name=index_name,
        dimension=2,
        metric="euclidean",
        spec=ServerlessSpec(cloud="aws", region="us-east-1"),
    )
    index = pc.Index(name=index_name)
    try:
        index.upsert(vectors=[("near", [1.0, 0.0]), ("far", [3.0, 4.0])], show_progress=False)
        result = index.query(vector=[0, 0], top_k=2)
        assert [(m.id, m.score) for m in result.matches] == [("near", 1.0), ("far", 25.0)]
    finally:
        index.close()
        pc.delete_index(index_name)


def test_query_by_id(dense_index: Any, namespace: str) -> None:
    seed(dense_index, namespace)
    result = dense_index.query(id="v4", top_k=1, namespace=namespace)
    assert result.matches[0].id == "v4"
    assert result.matches[0].score == pytest.approx(1.0, abs=1e-6)


def test_fetch_missing_ids_are_absent(dense_index: Any, namespace: str) -> None:
    seed(dense_index, namespace, 2)
    fetched = dense_index.fetch(ids=["v0", "nope"], namespace=namespace)
    assert set(fetched.vectors) == {"v0"}
    assert fetched.vectors["v0"].metadata == {"genre": "a", "year": 2000}


def test_update_values_and_set_metadata(dense_index: Any, namespace: str) -> None:
    seed(dense_index, namespace, 2)
    dense_index.update(id="v0", values=unit(5), namespace=namespace)
    dense_index.update(id="v0", set_metadata={"genre": "z", "extra": "x"}, namespace=namespace)
    record = dense_index.fetch(ids=["v0"], namespace=namespace).vectors["v0"]
    assert record.values == unit(5)
    assert record.metadata == {"genre": "z", "year": 2000, "extra": "x"}


def test_delete_by_ids_filter_and_all(dense_index: Any, namespace: str) -> None:
    seed(dense_index, namespace)
    dense_index.delete(ids=["v0", "v1"], namespace=namespace)
    remaining = dense_index.fetch(ids=[f"v{i}" for i in range(6)], namespace=namespace).vectors
    assert set(remaining) == {"v2", "v3", "v4", "v5"}

    dense_index.delete(filter={"genre": "a"}, namespace=namespace)
    remaining = dense_index.fetch(ids=[f"v{i}" for i in range(6)], namespace=namespace).vectors
    assert set(remaining) == {"v3", "v5"}

    dense_index.delete(delete_all=True, namespace=namespace)
    assert dense_index.fetch(ids=["v3", "v5"], namespace=namespace).vectors == {}
    assert namespace not in dense_index.describe_index_stats().namespaces


def test_describe_index_stats(dense_index: Any, namespace: str) -> None:
    seed(dense_index, namespace, 3)
    stats = dense_index.describe_index_stats()
    assert stats.dimension == DIMENSION
    assert stats.namespaces[namespace].vector_count == 3
    assert stats.total_vector_count >= 3
    assert stats.total_vector_count == sum(ns.vector_count for ns in stats.namespaces.values())


def test_list_paginated(dense_index: Any, namespace: str) -> None:
    seed(dense_index, namespace, 5)
    dense_index.upsert(vectors=[("other", unit(0))], namespace=namespace, show_progress=False)
    first = dense_index.list_paginated(prefix="v", limit=2, namespace=namespace)
    assert [item.id for item in first.vectors] == ["v0", "v1"]
    assert first.pagination is not None and first.pagination.next
    second = dense_index.list_paginated(
        prefix="v", limit=2, namespace=namespace, pagination_token=first.pagination.next
    )
    assert [item.id for item in second.vectors] == ["v2", "v3"]


def test_list_walks_every_page(dense_index: Any, namespace: str) -> None:
    seed(dense_index, namespace, 5)
    pages = list(dense_index.list(prefix="v", limit=2, namespace=namespace))
    assert [[item.id for item in page.vectors] for page in pages] == [
        ["v0", "v1"],
        ["v2", "v3"],
        ["v4"],
    ]


def test_default_namespace(dense_index: Any) -> None:
    dense_index.upsert(vectors=[("default-ns", unit(1))], show_progress=False)
    assert "default-ns" in dense_index.fetch(ids=["default-ns"]).vectors
    assert "" in dense_index.describe_index_stats().namespaces
    dense_index.delete(ids=["default-ns"])


def test_validation_errors_are_400_not_retried(
    dense_index: Any, namespace: str, wire: WireLog
) -> None:
    start = len(wire)
    with pytest.raises(ApiError) as exc_info:
        dense_index.upsert(vectors=[("bad", [1.0, 2.0])], namespace=namespace, show_progress=False)
    assert exc_info.value.status_code == 400
    assert "Vector dimension 2 does not match the dimension of the index 8" in str(exc_info.value)
    assert [e.status for e in wire.since(start)] == [400]


def test_wrong_key_is_unauthorized(server: RunningServer) -> None:
    with make_client(server, api_key="wrong") as pc:
        index = pc.Index(host=server.index_urls["dense"])
        with pytest.raises(UnauthorizedError):
            index.describe_index_stats()
        index.close()


def test_sparse_upsert_query_fetch(sparse_index: Any, namespace: str) -> None:
    vectors = [
        {
            "id": "s1",
            "sparse_values": {"indices": [1, 5], "values": [0.5, 0.5]},
            "metadata": {"k": 1},
        },
        {"id": "s2", "sparse_values": {"indices": [2, 5], "values": [1.0, 0.25]}},
    ]
    assert (
        sparse_index.upsert(
            vectors=vectors, namespace=namespace, show_progress=False
        ).upserted_count
        == 2
    )
    result = sparse_index.query(
        sparse_vector={"indices": [5], "values": [2.0]},
        top_k=2,
        namespace=namespace,
        include_values=True,
    )
    assert [(m.id, m.score) for m in result.matches] == [("s1", 1.0), ("s2", 0.5)]
    assert result.matches[0].sparse_values.indices == [1, 5]
    fetched = sparse_index.fetch(ids=["s1"], namespace=namespace).vectors["s1"]
    assert fetched.sparse_values.values == [0.5, 0.5]
    assert fetched.metadata == {"k": 1}
    stats = sparse_index.describe_index_stats()
    assert stats.namespaces[namespace].vector_count == 2


def test_every_data_call_is_one_request(dense_index: Any, namespace: str, wire: WireLog) -> None:
    start = len(wire)
    seed(dense_index, namespace, 3)
    dense_index.query(vector=unit(0), top_k=2, namespace=namespace)
    dense_index.fetch(ids=["v0"], namespace=namespace)
    dense_index.update(id="v0", set_metadata={"x": 1}, namespace=namespace)
    dense_index.delete(ids=["v1"], namespace=namespace)
    dense_index.describe_index_stats()
    dense_index.list_paginated(namespace=namespace)
    statuses = [e.status for e in wire.since(start)]
    assert statuses == [200] * 7
