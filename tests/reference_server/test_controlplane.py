"""The control plane's routes, validation and bodies, over an in-memory index manager."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.controlplane import create_control_app
from reference_server.errors import already_exists
from reference_server.indexes import IndexModel
from tests.reference_server.asgi_client import AsgiClient

SERVERLESS = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
ON_DEMAND = {"mode": "OnDemand", "status": {"state": "Ready"}}
DEDICATED = {
    "mode": "Dedicated",
    "dedicated": {"node_type": "t1", "scaling": "Manual", "manual": {"replicas": 2, "shards": 3}},
}
DEDICATED_RESPONSE = {
    **DEDICATED,
    "status": {"state": "Ready", "current_replicas": 2, "current_shards": 3},
}


class FakeManager:
    """Keeps models in a dict and hands out fake ports, so no listener is started."""

    def __init__(self) -> None:
        self.models: dict[str, IndexModel] = {}
        self.next_port = 6000

    def list_indexes(self) -> list[IndexModel]:
        return list(self.models.values())

    def get_index(self, name: str) -> IndexModel | None:
        return self.models.get(name)

    async def create_index(self, model: IndexModel) -> IndexModel:
        if model.name in self.models:
            raise already_exists("Resource already exists.")
        self.next_port += 1
        model.host = f"http://127.0.0.1:{self.next_port}"
        self.models[model.name] = model
        return model

    async def delete_index(self, name: str) -> None:
        del self.models[name]


@pytest.fixture
def manager() -> FakeManager:
    return FakeManager()


@pytest.fixture
def client(manager: FakeManager) -> AsgiClient:
    return AsgiClient(create_control_app(manager))


def create(client: AsgiClient, **body: Any) -> Any:
    return client.post("/indexes", json=body)


def assert_error(response: Any, status: int, code: str, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert body["error"]["code"] == code
    if message is not None:
        assert body["error"]["message"] == message


def test_list_is_empty_at_first(client: AsgiClient) -> None:
    response = client.get("/indexes")
    assert response.status_code == 200
    assert response.json() == {"indexes": []}


def test_create_dense_classic_body_describes_both_shapes(client: AsgiClient) -> None:
    response = create(client, name="idx-1", dimension=8, metric="euclidean", spec=SERVERLESS)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "name": "idx-1",
        "dimension": 8,
        "metric": "euclidean",
        "host": "http://127.0.0.1:6001",
        "spec": {"serverless": {**SERVERLESS["serverless"], "read_capacity": ON_DEMAND}},
        "status": {"ready": True, "state": "Ready"},
        "vector_type": "dense",
        "deletion_protection": "disabled",
        "tags": {},
        "schema": {
            "fields": {"_values": {"type": "dense_vector", "dimension": 8, "metric": "euclidean"}}
        },
        "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
        "read_capacity": ON_DEMAND,
    }
    assert client.get("/indexes/idx-1").json() == body
    assert client.get("/indexes").json() == {"indexes": [body]}


def test_metric_defaults_to_cosine(client: AsgiClient) -> None:
    body = create(client, name="a", dimension=3, spec=SERVERLESS).json()
    assert body["metric"] == "cosine"
    assert body["schema"]["fields"]["_values"]["metric"] == "cosine"


def test_create_sparse_omits_dimension(client: AsgiClient) -> None:
    response = create(client, name="sp", vector_type="sparse", metric="dotproduct", spec=SERVERLESS)
    assert response.status_code == 201
    body = response.json()
    assert "dimension" not in body
    assert body["vector_type"] == "sparse"
    assert body["metric"] == "dotproduct"
    assert body["schema"] == {"fields": {"_sparse_values": {"type": "sparse_vector"}}}


def test_create_with_2026_07_body(client: AsgiClient) -> None:
    response = create(
        client,
        name="new",
        schema={
            "fields": {"_values": {"type": "dense_vector", "dimension": 4, "metric": "dotproduct"}}
        },
        deployment={"deployment_type": "managed", "cloud": "gcp", "region": "us-central1"},
        deletion_protection="enabled",
        tags={"env": "dev"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["dimension"], body["metric"], body["vector_type"]) == (4, "dotproduct", "dense")
    assert body["spec"] == {
        "serverless": {"cloud": "gcp", "region": "us-central1", "read_capacity": ON_DEMAND}
    }
    assert body["deployment"]["cloud"] == "gcp"
    assert body["deletion_protection"] == "enabled"
    assert body["tags"] == {"env": "dev"}


def test_create_sparse_with_2026_07_body(client: AsgiClient) -> None:
    response = create(
        client, name="sp", schema={"fields": {"_sparse_values": {"type": "sparse_vector"}}}
    )
    assert response.status_code == 201, response.text
    assert response.json()["metric"] == "dotproduct"


def test_duplicate_name_is_409(client: AsgiClient) -> None:
    assert create(client, name="a", dimension=3, spec=SERVERLESS).status_code == 201
    assert_error(create(client, name="a", dimension=3, spec=SERVERLESS), 409, "ALREADY_EXISTS")


@pytest.mark.parametrize("name", ["", "A", "-a", "a-", "a_b", "a.b", "a" * 46, "ünï", "a b"])
def test_invalid_names_are_400(client: AsgiClient, name: str) -> None:
    assert_error(create(client, name=name, dimension=3, spec=SERVERLESS), 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize("name", ["a", "a1", "1-2", "a" * 45, "x-y-z"])
def test_valid_names(client: AsgiClient, name: str) -> None:
    assert create(client, name=name, dimension=3, spec=SERVERLESS).status_code == 201


@pytest.mark.parametrize("dimension", [0, -1, 20001])
def test_dimension_out_of_range_is_400(client: AsgiClient, dimension: int) -> None:
    response = create(client, name="a", dimension=dimension, spec=SERVERLESS)
    assert_error(response, 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize("dimension", [1, 20000])
def test_dimension_bounds_are_accepted(client: AsgiClient, dimension: int) -> None:
    assert create(client, name="a", dimension=dimension, spec=SERVERLESS).status_code == 201


def test_dense_without_dimension_is_400(client: AsgiClient) -> None:
    assert_error(create(client, name="a", spec=SERVERLESS), 400, "INVALID_ARGUMENT")


def test_unknown_metric_is_400(client: AsgiClient) -> None:
    response = create(client, name="a", dimension=3, metric="manhattan", spec=SERVERLESS)
    assert_error(response, 400, "INVALID_ARGUMENT")


def test_sparse_requires_dotproduct(client: AsgiClient) -> None:
    response = create(client, name="a", vector_type="sparse", metric="cosine", spec=SERVERLESS)
    assert_error(response, 400, "INVALID_ARGUMENT")
    assert (
        "Sparse vector indexes must use the metric dotproduct"
        in response.json()["error"]["message"]
    )


def test_sparse_with_dimension_is_400(client: AsgiClient) -> None:
    response = create(client, name="a", vector_type="sparse", dimension=3, spec=SERVERLESS)
    assert_error(response, 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    "body",
    [
        {"dimension": 3, "spec": SERVERLESS},  # no name
        {"name": "a", "dimension": 3},  # no spec
        {"name": 5, "dimension": 3, "spec": SERVERLESS},
        {"name": "a", "dimension": "3", "spec": SERVERLESS},
        {"name": "a", "dimension": True, "spec": SERVERLESS},
        {"name": "a", "dimension": 3, "spec": "serverless"},
        {"name": "a", "dimension": 3, "metric": 1, "spec": SERVERLESS},
        {"name": "a", "dimension": 3, "spec": SERVERLESS, "tags": ["x"]},
        {"name": "a", "dimension": 3, "spec": SERVERLESS, "tags": {"x": 1}},
        {"name": "a", "dimension": 3, "spec": SERVERLESS, "deletion_protection": True},
    ],
)
def test_missing_fields_or_wrong_types_are_422(client: AsgiClient, body: dict[str, Any]) -> None:
    assert_error(client.post("/indexes", json=body), 422, "UNPROCESSABLE_ENTITY")


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"x"', b"null"])
def test_non_object_body_is_422(client: AsgiClient, payload: bytes) -> None:
    response = client.post(
        "/indexes", content=payload, headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "UNPROCESSABLE_ENTITY")


def test_malformed_json_is_400(client: AsgiClient) -> None:
    response = client.post("/indexes", content=b"{", headers={"content-type": "application/json"})
    assert_error(response, 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/indexes/nope"), ("PATCH", "/indexes/nope"), ("DELETE", "/indexes/nope")],
)
def test_unknown_index_is_404(client: AsgiClient, method: str, path: str) -> None:
    response = client.request(method, path, json={})
    assert_error(response, 404, "NOT_FOUND", "Index nope not found.")


def test_delete_is_202_with_empty_body(client: AsgiClient) -> None:
    create(client, name="a", dimension=3, spec=SERVERLESS)
    response = client.delete("/indexes/a")
    assert response.status_code == 202
    assert response.content == b""
    assert client.get("/indexes/a").status_code == 404


def test_deletion_protection_blocks_delete_until_disabled(client: AsgiClient) -> None:
    create(client, name="a", dimension=3, spec=SERVERLESS, deletion_protection="enabled")
    assert_error(
        client.delete("/indexes/a"),
        403,
        "FORBIDDEN",
        "Deletion protection is enabled for this index. "
        "Disable deletion protection before retrying.",
    )
    response = client.patch("/indexes/a", json={"deletion_protection": "disabled"})
    assert response.status_code == 202
    assert response.json()["deletion_protection"] == "disabled"
    assert client.delete("/indexes/a").status_code == 202


def test_configure_merges_tags_and_empty_value_removes(client: AsgiClient) -> None:
    create(client, name="a", dimension=3, spec=SERVERLESS, tags={"keep": "1", "drop": "2"})
    response = client.patch("/indexes/a", json={"tags": {"drop": "", "new": "3"}})
    assert response.status_code == 202
    assert response.json()["tags"] == {"keep": "1", "new": "3"}
    assert client.get("/indexes/a").json()["tags"] == {"keep": "1", "new": "3"}


def test_configure_rejects_bad_values_without_partial_change(client: AsgiClient) -> None:
    create(client, name="a", dimension=3, spec=SERVERLESS)
    response = client.patch("/indexes/a", json={"deletion_protection": "maybe", "tags": {"x": "1"}})
    assert_error(response, 400, "INVALID_ARGUMENT")
    assert client.get("/indexes/a").json()["tags"] == {}
    assert_error(client.patch("/indexes/a", json={"tags": "x"}), 422, "UNPROCESSABLE_ENTITY")


def test_classic_create_keeps_dedicated_read_capacity(client: AsgiClient) -> None:
    spec = {"serverless": {**SERVERLESS["serverless"], "read_capacity": DEDICATED}}
    body = create(client, name="a", dimension=3, spec=spec).json()
    assert body["spec"]["serverless"]["read_capacity"] == DEDICATED_RESPONSE
    assert body["read_capacity"] == DEDICATED_RESPONSE
    assert client.get("/indexes/a").json() == body


def test_2026_07_create_keeps_dedicated_read_capacity(client: AsgiClient) -> None:
    fields = {"_values": {"type": "dense_vector", "dimension": 3, "metric": "cosine"}}
    body = create(client, name="a", schema={"fields": fields}, read_capacity=DEDICATED).json()
    assert body["read_capacity"] == DEDICATED_RESPONSE
    assert body["spec"]["serverless"]["read_capacity"] == DEDICATED_RESPONSE


@pytest.mark.parametrize(
    "patch",
    [
        {"spec": {"serverless": {"read_capacity": DEDICATED}}},  # 2025-10 / 2026-04
        {"read_capacity": DEDICATED},  # 2026-07
    ],
)
def test_configure_replaces_read_capacity(client: AsgiClient, patch: dict[str, Any]) -> None:
    create(client, name="a", dimension=3, spec=SERVERLESS, tags={"k": "v"})
    response = client.patch("/indexes/a", json=patch)
    assert response.status_code == 202, response.text
    assert response.json()["read_capacity"] == DEDICATED_RESPONSE
    assert response.json()["tags"] == {"k": "v"}
    back = client.patch("/indexes/a", json={"read_capacity": {"mode": "OnDemand"}}).json()
    assert back["spec"]["serverless"]["read_capacity"] == ON_DEMAND


@pytest.mark.parametrize(
    "read_capacity",
    [
        "OnDemand",
        {},
        {"mode": "Serverless"},
        {"mode": "Dedicated"},
        {"mode": "Dedicated", "dedicated": {"node_type": 1}},
        {"mode": "Dedicated", "dedicated": {"manual": {"replicas": "2"}}},
    ],
)
def test_malformed_read_capacity_is_422_and_changes_nothing(
    client: AsgiClient, read_capacity: Any
) -> None:
    spec = {"serverless": {**SERVERLESS["serverless"], "read_capacity": read_capacity}}
    assert_error(create(client, name="a", dimension=3, spec=spec), 422, "UNPROCESSABLE_ENTITY")
    create(client, name="b", dimension=3, spec=SERVERLESS)
    patch = {"deletion_protection": "enabled", "read_capacity": read_capacity}
    assert_error(client.patch("/indexes/b", json=patch), 422, "UNPROCESSABLE_ENTITY")
    body = client.get("/indexes/b").json()
    assert (body["deletion_protection"], body["read_capacity"]) == ("disabled", ON_DEMAND)


def test_read_capacity_counts_out_of_range_are_400(client: AsgiClient) -> None:
    bad = {"mode": "Dedicated", "dedicated": {"manual": {"replicas": 1, "shards": 0}}}
    spec = {"serverless": {**SERVERLESS["serverless"], "read_capacity": bad}}
    assert_error(create(client, name="b", dimension=3, spec=spec), 400, "INVALID_ARGUMENT")


def test_whoami(client: AsgiClient) -> None:
    body = client.get("/actions/whoami").json()
    assert set(body) == {"project_name", "user_label", "user_name"}


def test_unknown_route_and_method_use_the_error_shape(client: AsgiClient) -> None:
    assert_error(client.get("/nope"), 404, "NOT_FOUND")
    response = client.put("/indexes")
    assert response.status_code == 405
    assert response.json()["status"] == 405
