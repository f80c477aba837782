"""Pod-based index definitions and collections on the control plane (in-memory manager)."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.controlplane import create_control_app
from tests.reference_server.asgi_client import AsgiClient
from tests.reference_server.test_backups import StoreManager, _upsert

POD = {"environment": "us-east-1-aws", "pod_type": "p1.x1", "pods": 1}


@pytest.fixture
def manager() -> StoreManager:
    return StoreManager()


@pytest.fixture
def client(manager: StoreManager) -> AsgiClient:
    return AsgiClient(create_control_app(manager))


def _pod_index(client: AsgiClient, name: str = "pods", **pod: Any) -> dict[str, Any]:
    body = {"name": name, "dimension": 2, "metric": "cosine", "spec": {"pod": {**POD, **pod}}}
    response = client.post("/indexes", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_pod_index_described_with_its_spec(client: AsgiClient) -> None:
    described = _pod_index(client, replicas=2, shards=1, pods=2)
    assert described["spec"] == {
        "pod": {**POD, "replicas": 2, "shards": 1, "pods": 2},
    }
    assert described["deployment"]["deployment_type"] == "pod"


def test_pod_deployment_2026_07(client: AsgiClient) -> None:
    body = {
        "name": "new",
        "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": 2}}},
        "deployment": {"deployment_type": "pod", "environment": "e", "pod_type": "s1.x2"},
    }
    described = client.post("/indexes", json=body).json()
    assert described["deployment"] == {
        "deployment_type": "pod",
        "environment": "e",
        "pod_type": "s1.x2",
        "replicas": 1,
        "shards": 1,
    }


@pytest.mark.parametrize(
    ("pod", "status"),
    [
        ({"pod_type": "p1.x1"}, 422),
        ({"environment": "e", "pod_type": "q9.x1"}, 400),
        ({"environment": "e", "replicas": 0}, 400),
        ({"environment": "e", "shards": "1"}, 422),
    ],
)
def test_bad_pod_specs(client: AsgiClient, pod: dict[str, Any], status: int) -> None:
    body = {"name": "bad", "dimension": 2, "spec": {"pod": pod}}
    assert client.post("/indexes", json=body).status_code == status


def test_collection_lifecycle(client: AsgiClient, manager: StoreManager) -> None:
    _pod_index(client)
    model = manager.get_index("pods")
    assert model is not None
    _upsert(model, "n", ["a", "b"])
    created = client.post("/collections", json={"name": "c", "source": "pods"})
    assert created.status_code == 201, created.text
    _upsert(model, "n", ["z"])  # after the copy
    described = client.get("/collections/c").json()
    assert described["vector_count"] == 2 and described["dimension"] == 2
    assert described["status"] == "Ready" and described["environment"] == POD["environment"]
    assert [c["name"] for c in client.get("/collections").json()["collections"]] == ["c"]
    assert client.post("/collections", json={"name": "c", "source": "pods"}).status_code == 409
    assert client.delete("/collections/c").status_code == 202
    assert client.get("/collections/c").status_code == 404
    assert client.delete("/collections/c").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "c"}, 422),
        ({"name": "C_", "source": "pods"}, 400),
        ({"name": "c", "source": "absent"}, 404),
        ({"name": "c", "source": "serverless"}, 400),
    ],
)
def test_collection_rejections(client: AsgiClient, body: dict[str, Any], status: int) -> None:
    _pod_index(client)
    spec = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
    client.post("/indexes", json={"name": "serverless", "dimension": 2, "spec": spec})
    response = client.post("/collections", json=body)
    assert response.status_code == status, response.text
    assert response.json()["status"] == status


def test_pod_index_not_backed_up(client: AsgiClient) -> None:
    _pod_index(client)
    headers = {"X-Pinecone-Api-Version": "2025-10"}
    assert client.post("/indexes/pods/backups", json={}, headers=headers).status_code == 400


def test_pod_index_from_a_collection(client: AsgiClient, manager: StoreManager) -> None:
    _pod_index(client)
    source = manager.get_index("pods")
    assert source is not None
    _upsert(source, "n", ["a", "b"])
    client.post("/collections", json={"name": "c", "source": "pods"})
    described = _pod_index(client, "copy", source_collection="c")
    assert described["spec"]["pod"]["source_collection"] == "c"
    copy = manager.get_index("copy")
    assert copy is not None and sorted(copy.store.get("n").ids) == ["a", "b"]


@pytest.mark.parametrize(("collection", "dimension", "status"), [("absent", 2, 404), ("c", 3, 400)])
def test_pod_index_from_a_collection_rejected(
    client: AsgiClient, collection: str, dimension: int, status: int
) -> None:
    _pod_index(client)
    client.post("/collections", json={"name": "c", "source": "pods"})
    pod = {**POD, "source_collection": collection}
    body = {"name": "copy", "dimension": dimension, "spec": {"pod": pod}}
    response = client.post("/indexes", json=body)
    assert response.status_code == status, response.text
    assert client.get("/indexes/copy").status_code == 404
