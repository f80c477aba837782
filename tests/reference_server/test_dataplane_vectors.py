"""HTTP tests of upsert, fetch, update and delete."""

from __future__ import annotations

from typing import Any

import pytest

DataClient = Any  # the conftest class (tests/ is not a package)
MakeClient = Any


def vec(vector_id: str, values: list[float] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": vector_id, "values": values or [1.0, 2.0, 3.0, 4.0], **extra}


def test_upsert_then_fetch_round_trip(dense: DataClient) -> None:
    response = dense.upsert([vec("a", metadata={"g": "x", "n": 2}), vec("b c/d", [0.1, 0, 0, 0])])
    assert response.json() == {"upsertedCount": 2}
    got = dense.get("/vectors/fetch?ids=a&ids=b+c%2Fd&ids=zz&namespace=ns").json()
    assert got["namespace"] == "ns" and got["usage"]["readUnits"] >= 1
    assert got["vectors"] == {
        "a": {"id": "a", "values": [1, 2, 3, 4], "metadata": {"g": "x", "n": 2.0}},
        "b c/d": {"id": "b c/d", "values": [0.1, 0, 0, 0]},
    }
    assert dense.get("/vectors/fetch?ids=b%20c/d&namespace=ns").json()["vectors"]


def test_upsert_overwrites_whole_record(dense: DataClient) -> None:
    dense.upsert([vec("a", metadata={"g": "x"}, sparseValues={"indices": [1], "values": [1]})])
    dense.upsert([vec("a", [4, 3, 2, 1])])
    assert dense.fetch(["a"]) == {"a": {"id": "a", "values": [4, 3, 2, 1]}}


def test_upsert_is_atomic(dense: DataClient) -> None:
    bad = dense.post(
        "/vectors/upsert", json={"vectors": [vec("ok"), vec("bad", [1, 2])], "namespace": "ns"}
    )
    dense.assert_error(bad, 400, "Vector dimension 2 does not match the dimension of the index 4")
    assert dense.fetch(["ok"]) == {}
    assert dense.store.last_lsn == 0


def test_default_namespace_and_alias(make_client: MakeClient) -> None:
    client = make_client(version="2025-04")
    client.upsert([vec("a")], namespace="__default__")
    got = client.get("/vectors/fetch?ids=a").json()
    assert got["namespace"] == "" and "a" in got["vectors"]
    old = make_client(version="2025-01")
    old.assert_error(
        old.post("/vectors/upsert", json={"vectors": [vec("a")], "namespace": "__default__"}),
        400,
        "Use of namespace='__default__' is not allowed in API versions prior to 2025-04",
    )


def test_fetch_limits(dense: DataClient) -> None:
    dense.assert_error(dense.get("/vectors/fetch"), 400, "No IDs provided for fetch query")
    ok = dense.get("/vectors/fetch", params={"ids": [str(i) for i in range(1000)]})
    assert ok.status_code == 200
    dense.assert_error(
        dense.get("/vectors/fetch", params={"ids": [str(i) for i in range(1001)]}), 400
    )
    dense.assert_error(dense.get("/vectors/fetch", params={"ids": ["x" * 513]}), 400)
    assert dense.get("/vectors/fetch?ids=a&namespace=none").json()["vectors"] == {}


def test_sparse_index_upsert_and_fetch(sparse: DataClient) -> None:
    sv = {"indices": [3, 1], "values": [0.5, 2]}
    sparse.upsert([{"id": "s", "sparseValues": sv, "metadata": {"k": "v"}}])
    assert sparse.fetch(["s"]) == {
        "s": {"id": "s", "values": [], "sparseValues": sv, "metadata": {"k": "v"}}
    }
    bad = sparse.post("/vectors/upsert", json={"vectors": [{"id": "d", "values": [1.0]}]})
    sparse.assert_error(bad, 400, "Index configuration does not support dense values")
    sparse.assert_error(sparse.post("/vectors/upsert", json={"vectors": [{"id": "d"}]}), 400)


def test_update_by_id(dense: DataClient) -> None:
    dense.upsert([vec("a", metadata={"genre": "x", "type": "t"})])
    response = dense.post(
        "/vectors/update",
        json={"id": "a", "namespace": "ns", "values": [0, 0, 0, 1], "setMetadata": {"genre": "y"}},
    )
    assert response.status_code == 200 and response.json() == {}
    assert "x-pinecone-request-lsn" in response.headers
    assert dense.fetch(["a"])["a"] == {
        "id": "a",
        "values": [0, 0, 0, 1],
        "metadata": {"genre": "y", "type": "t"},
    }
    sv = {"indices": [2], "values": [1.5]}
    dense.post("/vectors/update", json={"id": "a", "namespace": "ns", "sparseValues": sv})
    assert dense.fetch(["a"])["a"]["sparseValues"] == sv
    missing = dense.post(
        "/vectors/update", json={"id": "zz", "namespace": "ns", "values": [1, 1, 1, 1]}
    )
    assert missing.status_code == 200 and missing.json() == {}
    assert dense.fetch(["zz"]) == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"id": "a", "values": [1, 2]},
            "Vector dimension 2 does not match the dimension of the index 4",
        ),
        (
            {"id": "a", "values": [0, 0, 0, 0]},
            "Dense vectors must contain at least one non-zero value. "
            "Vector ID 'a' contains only zeros",
        ),
        ({"setMetadata": {"a": 1}}, None),
        ({"id": 5}, None),
        ({"id": "a", "setMetadata": {"$a": 1}}, "Metadata field '$a' cannot start with '$'"),
        ({"id": "a", "filter": {"g": "x"}}, None),
        (
            {"filter": {}, "setMetadata": {"a": 1}},
            "Update with empty metadata filter is not allowed",
        ),
        (
            {"filter": {"g": "x"}, "values": [1, 2, 3, 4]},
            "Update by metadata request does not support updating vector values.",
        ),
        ({"filter": {"g": {"$bad": 1}}, "setMetadata": {"a": 1}}, None),
        ({"filter": {"g": "x"}, "dryRun": "yes"}, None),
    ],
)
def test_update_errors(dense: DataClient, body: dict[str, Any], message: str | None) -> None:
    dense.assert_error(dense.post("/vectors/update", json=body), 400, message)


def test_update_by_filter_and_dry_run(dense: DataClient) -> None:
    dense.upsert([vec(f"r{i}", metadata={"g": "x" if i < 5 else "y"}) for i in range(8)])
    dry = dense.post(
        "/vectors/update",
        json={"namespace": "ns", "filter": {"g": "x"}, "setMetadata": {"k": 1}, "dry_run": True},
    )
    assert dry.json() == {"matchedRecords": 5}
    assert (
        "metadata" in dense.fetch(["r0"])["r0"] and "k" not in dense.fetch(["r0"])["r0"]["metadata"]
    )
    real = dense.post(
        "/vectors/update", json={"namespace": "ns", "filter": {"g": "x"}, "setMetadata": {"k": 1}}
    )
    assert real.json() == {"matchedRecords": 5}
    fetched = dense.fetch([f"r{i}" for i in range(8)])
    assert sorted(i for i, v in fetched.items() if v["metadata"].get("k") == 1.0) == [
        f"r{i}" for i in range(5)
    ]


def test_update_by_filter_needs_2025_10(make_client: MakeClient) -> None:
    client = make_client(version="2025-04")
    client.assert_error(client.post("/vectors/update", json={"filter": {"g": "x"}}), 400)


def test_delete_by_ids_filter_and_all(dense: DataClient) -> None:
    dense.upsert([vec(f"r{i}", metadata={"n": i}) for i in range(6)])
    assert (
        dense.post("/vectors/delete", json={"namespace": "ns", "ids": ["r0", "nope"]}).json() == {}
    )
    assert sorted(dense.fetch([f"r{i}" for i in range(6)])) == ["r1", "r2", "r3", "r4", "r5"]
    body = {"namespace": "ns", "filter": {"n": {"$gte": 4}}, "ids": ["r1"]}
    dense.post("/vectors/delete", json=body)
    assert sorted(dense.fetch([f"r{i}" for i in range(6)])) == ["r1", "r2", "r3"]
    dense.post("/vectors/delete", json={"namespace": "ns", "deleteAll": True})
    assert dense.fetch(["r1"]) == {}
    assert dense.post("/describe_index_stats", json={}).json()["namespaces"] == {}


def test_delete_with_query_parameters(dense: DataClient) -> None:
    dense.upsert([vec("a"), vec("b"), vec("c")])
    assert dense.post("/vectors/delete?ids=a&ids=b&namespace=ns").status_code == 200
    assert sorted(dense.fetch(["a", "b", "c"])) == ["c"]
    assert dense.delete("/vectors/delete?ids=c&namespace=ns").status_code == 200
    dense.upsert([vec("d")])
    assert dense.post("/vectors/delete?deleteAll=true&namespace=ns").status_code == 200
    assert dense.fetch(["d"]) == {}
    dense.assert_error(dense.post("/vectors/delete?deleteAll=maybe&namespace=ns"), 400)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"deleteAll": True, "ids": ["a"]}, "No explicit IDs allowed when delete_all=true"),
        ({"deleteAll": True, "filter": {"a": 1}}, "No filter allowed when delete_all=true"),
        ({"filter": {}}, "Delete with empty metadata filter is not allowed"),
        ({}, None),
        ({"ids": []}, None),
        ({"ids": ["a"] * 1001}, None),
        ({"ids": "a"}, None),
        ({"deleteAll": "true"}, None),
        ({"filter": {"a": {"$gt": "x"}}}, None),
    ],
)
def test_delete_errors(dense: DataClient, body: dict[str, Any], message: str | None) -> None:
    dense.upsert([vec("a")])
    dense.assert_error(
        dense.post("/vectors/delete", json={**body, "namespace": "ns"}), 400, message
    )
    assert dense.fetch(["a"])


def test_delete_1000_ids_ok(dense: DataClient) -> None:
    response = dense.post("/vectors/delete", json={"ids": [str(i) for i in range(1000)]})
    assert response.status_code == 200
