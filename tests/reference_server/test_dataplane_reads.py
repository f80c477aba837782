"""HTTP tests of query, list, describe_index_stats, fetch_by_metadata and the namespaces API."""

from __future__ import annotations

from typing import Any

import pytest

DataClient = Any  # the conftest class (tests/ is not a package)
MakeClient = Any


def seed(client: DataClient, n: int = 5, namespace: str = "ns") -> None:
    client.upsert(
        [
            {
                "id": f"v{i}",
                "values": [1.0, float(i), 0.0, 0.5],
                "metadata": {"i": i, "g": "ab"[i % 2]},
            }
            for i in range(n)
        ],
        namespace=namespace,
    )


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dotproduct"])
def test_query_orders_and_shapes(make_client: MakeClient, metric: str) -> None:
    client = make_client(metric=metric)
    seed(client)
    body = client.query(topK=3, vector=[1.0, 4.0, 0.0, 0.5])
    assert body["results"] == [] and body["namespace"] == "ns" and body["usage"]["readUnits"] > 0
    ids = [m["id"] for m in body["matches"]]
    assert ids[0] == "v4" and len(ids) == 3
    scores = [m["score"] for m in body["matches"]]
    assert scores == sorted(scores, reverse=metric != "euclidean")
    assert all(m["values"] == [] and "metadata" not in m for m in body["matches"])
    full = client.query(topK=1, id="v2", includeValues=True, includeMetadata=True)
    assert full["matches"][0]["id"] == ("v4" if metric == "dotproduct" else "v2")
    full = client.query(topK=1, vector=[1, 2, 0, 0.5], includeValues=True, includeMetadata=True)
    full["matches"] = [m for m in full["matches"] if m["id"] == "v2"] or full["matches"]
    top = full["matches"][0]
    assert top["values"] == [1, float(top["id"][1:]), 0, 0.5]
    assert top["metadata"] == {"i": float(top["id"][1:]), "g": "ab"[int(top["id"][1:]) % 2]}


def test_query_filter_and_missing(dense: DataClient) -> None:
    seed(dense)
    body = dense.query(topK=10, vector=[1, 1, 1, 1], filter={"g": "a", "i": {"$gte": 2}})
    assert sorted(m["id"] for m in body["matches"]) == ["v2", "v4"]
    assert dense.query(topK=3, id="nope")["matches"] == []
    assert dense.query(topK=3, vector=[1, 1, 1, 1], namespace="empty")["matches"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"topK": 0, "vector": [1, 1, 1, 1]}, None),
        ({"topK": 10001, "vector": [1, 1, 1, 1]}, None),
        ({"topK": "3", "vector": [1, 1, 1, 1]}, None),
        ({"topK": True, "vector": [1, 1, 1, 1]}, None),
        ({"vector": [1, 1, 1, 1]}, None),
        (
            {"topK": 1, "vector": [1, 1, 1, 1], "id": "a"},
            "Cannot provide both 'ID' and 'vector' at the same time",
        ),
        (
            {"topK": 1, "id": "a", "sparseVector": {"indices": [1], "values": [1]}},
            "Cannot provide both 'ID' and 'sparse_vector' at the same time",
        ),
        (
            {"topK": 1, "sparseVector": {"indices": [1], "values": [1]}},
            "Cannot query index with dense 'vector_type' with only sparse vector",
        ),
        ({"topK": 1}, None),
        (
            {"topK": 1, "vector": [1, 2]},
            "Vector dimension 2 does not match the dimension of the index 4",
        ),
        ({"topK": 1, "vector": [1, 1, 1, 1], "filter": {"a": ["x"]}}, None),
        ({"topK": 1, "vector": [1, 1, 1, 1], "includeValues": "yes"}, None),
        ({"topK": 1, "vector": [1, 1, 1, 1], "queries": [{"vector": [1, 1, 1, 1]}]}, None),
        (
            {"topK": 1, "vector": [1, 1, 1, 1], "sparseVector": {"indices": [1], "values": [1]}},
            None,
        ),
    ],
)
def test_query_errors(dense: DataClient, body: dict[str, Any], message: str | None) -> None:
    dense.assert_error(dense.post("/query", json=body), 400, message)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("cosine", {"v0": 0.0, "v1": 0.0, "v2": 0.0}),
        # euclidean: the squared distance to the origin, |v|^2, ascending
        ("euclidean", {"v0": 1.25, "v1": 2.25, "v2": 5.25}),
        ("dotproduct", {"v0": 0.0, "v1": 0.0, "v2": 0.0}),
    ],
)
def test_zero_query_vector_is_answered(
    make_client: MakeClient, metric: str, expected: dict[str, float]
) -> None:
    """An all-zero query vector (filter-only lookups of LlamaIndex) gets every record scored."""
    client = make_client(metric=metric)
    seed(client, n=3)
    body = client.query(topK=3, vector=[0.0, 0.0, 0.0, 0.0], includeMetadata=True)
    scores = {m["id"]: m["score"] for m in body["matches"]}
    assert scores == expected
    if metric == "euclidean":
        assert [m["id"] for m in body["matches"]] == ["v0", "v1", "v2"]
    tiny = client.query(topK=3, vector=[1e-46, 0.0, -0.0, 0.0])  # zero once in float32
    assert {m["id"]: m["score"] for m in tiny["matches"]} == expected
    only_a = client.query(topK=3, vector=[0, 0, 0, 0], filter={"g": "a"})
    assert sorted(m["id"] for m in only_a["matches"]) == ["v0", "v2"]


def test_zero_query_vector_hybrid_and_sparse(make_client: MakeClient) -> None:
    """A zero dense part adds 0 to a hybrid score; zero sparse weights score nothing."""
    hybrid = make_client(metric="dotproduct")
    hybrid.upsert(
        [
            {"id": "a", "values": [1, 0, 0, 0], "sparseValues": {"indices": [7], "values": [3]}},
            {"id": "b", "values": [2, 0, 0, 0]},
        ]
    )
    body = hybrid.query(topK=2, vector=[0, 0, 0, 0], sparseVector={"indices": [7], "values": [1]})
    assert [(m["id"], m["score"]) for m in body["matches"]] == [("a", 3.0), ("b", 0.0)]
    sparse = make_client(dimension=None, metric="dotproduct", vector_type="sparse")
    sparse.upsert([{"id": "a", "sparseValues": {"indices": [1], "values": [1]}}])
    assert sparse.query(topK=1, sparseVector={"indices": [1], "values": [0]})["matches"] == []


def test_topk_edges(dense: DataClient) -> None:
    seed(dense)
    assert len(dense.query(topK=10000, vector=[1, 1, 1, 1])["matches"]) == 5


def test_sparse_and_hybrid_queries(make_client: MakeClient) -> None:
    sparse = make_client(dimension=None, metric="dotproduct", vector_type="sparse")
    sparse.upsert(
        [
            {"id": "a", "sparseValues": {"indices": [1, 2], "values": [1, 1]}},
            {"id": "b", "sparseValues": {"indices": [3], "values": [5]}},
        ]
    )
    body = sparse.query(topK=5, sparseVector={"indices": [2], "values": [2]})
    assert [(m["id"], m["score"]) for m in body["matches"]] == [("a", 2.0)]
    assert [m["id"] for m in sparse.query(topK=5, id="b")["matches"]] == ["b"]
    sparse.assert_error(
        sparse.post("/query", json={"topK": 1, "vector": [1.0]}),
        400,
        "Index configuration does not support dense values",
    )
    sparse.assert_error(
        sparse.post("/query", json={"topK": 1}),
        400,
        "Either 'sparse_vector' or 'ID' must be provided",
    )
    hybrid = make_client(metric="dotproduct")
    hybrid.upsert(
        [
            {"id": "a", "values": [1, 0, 0, 0], "sparseValues": {"indices": [7], "values": [3]}},
            {"id": "b", "values": [2, 0, 0, 0]},
        ]
    )
    body = hybrid.query(topK=2, vector=[1, 0, 0, 0], sparseVector={"indices": [7], "values": [1]})
    assert [(m["id"], m["score"]) for m in body["matches"]] == [("a", 4.0), ("b", 2.0)]


def test_list_pagination(dense: DataClient) -> None:
    dense.upsert([{"id": str(i), "values": [1, 1, 1, 1]} for i in range(1000)][:1000])
    pages, token = [], None
    while True:
        params = {"namespace": "ns", "prefix": "99", "limit": 5}
        if token:
            params["paginationToken"] = token
        body = dense.get("/vectors/list", params=params).json()
        pages.append([v["id"] for v in body["vectors"]])
        token = body.get("pagination", {}).get("next")
        if not token:
            break
    assert pages == [
        ["99", "990", "991", "992", "993"],
        ["994", "995", "996", "997", "998"],
        ["999"],
    ]
    for limit in ("0", "101", "x"):
        dense.assert_error(dense.get(f"/vectors/list?limit={limit}"), 400)
    assert len(dense.get("/vectors/list?namespace=ns&limit=100").json()["vectors"]) == 100
    dense.assert_error(dense.get("/vectors/list?paginationToken=garbage"), 400)
    assert dense.get("/vectors/list?namespace=zz").json()["vectors"] == []


def test_stats(make_client: MakeClient) -> None:
    client = make_client(version="2025-01")
    seed(client)
    seed(client, 2, namespace="")
    stats = client.get("/describe_index_stats").json()
    assert stats == {
        "namespaces": {"": {"vectorCount": 2}, "ns": {"vectorCount": 5}},
        "dimension": 4,
        "indexFullness": 0.0,
        "totalVectorCount": 7,
        "metric": "cosine",
        "vectorType": "dense",
    }
    assert client.post("/describe_index_stats", json={"filter": {}}).status_code == 200
    client.assert_error(
        client.post("/describe_index_stats", json={"filter": {"g": "a"}}),
        400,
        "Serverless and Starter indexes do not support describing index stats with metadata "
        "filtering.",
    )
    old = make_client(version="2024-07")
    assert "metric" not in old.post("/describe_index_stats").json()


def test_fetch_by_metadata(dense: DataClient) -> None:
    seed(dense, 7)
    first = dense.post(
        "/vectors/fetch_by_metadata", json={"namespace": "ns", "filter": {"g": "a"}, "limit": 2}
    ).json()
    assert list(first["vectors"]) == ["v0", "v2"] and first["vectors"]["v0"]["metadata"]["g"] == "a"
    token = first["pagination"]["next"]
    second = dense.post(
        "/vectors/fetch_by_metadata",
        json={"namespace": "ns", "filter": {"g": "a"}, "limit": 2, "paginationToken": token},
    ).json()
    assert list(second["vectors"]) == ["v4", "v6"] and "pagination" not in second
    dense.assert_error(
        dense.post("/vectors/fetch_by_metadata", json={"filter": {}}),
        400,
        "Empty filter provided for fetch by metadata request",
    )
    for limit in (0, 10001, "5"):
        dense.assert_error(
            dense.post("/vectors/fetch_by_metadata", json={"filter": {"g": "a"}, "limit": limit}),
            400,
        )


def test_namespaces_api(make_client: MakeClient) -> None:
    client = make_client(version="2025-10")
    seed(client, 3, namespace="a/b")
    seed(client, 1, namespace="")
    created = client.post(
        "/namespaces", json={"name": "made", "schema": {"fields": {"g": {"filterable": True}}}}
    )
    assert created.status_code == 200 and created.json()["record_count"] == "0"
    client.assert_error(client.post("/namespaces", json={"name": "made"}), 409)
    client.assert_error(client.post("/namespaces", json={"name": "__default__"}), 400)
    client.assert_error(
        client.post(
            "/namespaces", json={"name": "x", "schema": {"fields": {"g": {"filterable": False}}}}
        ),
        400,
        "Field 'g' is set to filterable: false. Only filterable: true is supported.",
    )
    fields = {f"f{i}": {"filterable": True} for i in range(51)}
    client.assert_error(
        client.post("/namespaces", json={"name": "x", "schema": {"fields": fields}}), 400
    )
    listed = client.get("/namespaces").json()
    assert [n["name"] for n in listed["namespaces"]] == ["__default__", "a/b", "made"]
    assert listed["total_count"] == 3 and "pagination" not in listed
    page = client.get("/namespaces?limit=1").json()
    assert len(page["namespaces"]) == 1 and "next" in page["pagination"]
    rest = client.get(f"/namespaces?limit=5&paginationToken={page['pagination']['next']}").json()
    assert [n["name"] for n in rest["namespaces"]] == ["a/b", "made"]
    assert client.get("/namespaces?prefix=m").json()["total_count"] == 1
    assert client.get("/namespaces/a%2Fb").json() == {"name": "a/b", "record_count": "3"}
    assert client.get("/namespaces/__default__").json()["record_count"] == "1"
    assert client.delete("/namespaces/a%2Fb").json() == {}
    client.assert_error(client.get("/namespaces/a%2Fb"), 404)
    client.assert_error(client.delete("/namespaces/a%2Fb"), 404)
    old = make_client(version="2025-01")
    old.assert_error(old.get("/namespaces"), 404)
    mid = make_client(version="2025-04")
    mid.assert_error(mid.post("/namespaces", json={"name": "x"}), 404)
    assert mid.get("/namespaces").status_code == 200
