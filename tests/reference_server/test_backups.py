"""Backups and restore jobs on the control plane, over an in-memory manager whose indexes have
stores (no listeners)."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from reference_server import backups, snapshots
from reference_server.controlplane import create_control_app
from reference_server.indexes import IndexModel
from reference_server.store import IndexStore
from tests.reference_server.asgi_client import AsgiClient
from tests.reference_server.test_controlplane import SERVERLESS, FakeManager

V = {"X-Pinecone-Api-Version": "2025-10"}


class StoreManager(FakeManager):
    """A FakeManager whose indexes get a store, as the server's app factory gives them."""

    async def create_index(self, model: IndexModel) -> IndexModel:
        created = await super().create_index(model)
        created.store = IndexStore(model.name, model.dimension, model.metric, model.vector_type)
        return created


@pytest.fixture
def manager() -> StoreManager:
    return StoreManager()


class VersionedClient(AsgiClient):
    """Sends the 2025-10 version header unless a request names another."""

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        kwargs["headers"] = {**V, **(kwargs.get("headers") or {})}
        return super().request(method, url, **kwargs)


@pytest.fixture
def client(manager: StoreManager) -> AsgiClient:
    return VersionedClient(create_control_app(manager))


def _upsert(model: IndexModel, namespace: str, ids: list[str], metadata: Any = None) -> None:
    store: IndexStore = model.store
    matrix = np.arange(len(ids) * 2, dtype=np.float32).reshape(len(ids), 2) + 1
    with store.lock:
        store.upsert(namespace, ids, matrix, [None] * len(ids), [metadata] * len(ids))


def _index(client: AsgiClient, manager: StoreManager, name: str = "src") -> IndexModel:
    body = {"name": name, "dimension": 2, "metric": "cosine", "spec": SERVERLESS}
    assert client.post("/indexes", json=body).status_code == 201
    model = manager.get_index(name)
    assert model is not None
    return model


@pytest.fixture
def restore_seconds(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Sets how long a restore job stays Pending."""
    return lambda seconds: monkeypatch.setattr(backups, "RESTORE_SECONDS", seconds)


def test_backup_is_a_snapshot_and_restores(
    client: AsgiClient, manager: StoreManager, restore_seconds: Any
) -> None:
    restore_seconds(0.0)
    source = _index(client, manager)
    _upsert(source, "a", ["1", "2"], {"k": "v"})
    created = client.post("/indexes/src/backups", json={"name": "b", "description": "d"})
    assert created.status_code == 201, created.text
    backup = created.json()
    assert backup["source_index_name"] == "src"
    assert (backup["record_count"], backup["namespace_count"]) == (2, 1)
    _upsert(source, "a", ["3"])  # after the backup: not in it
    job = client.post(f"/backups/{backup['backup_id']}/create-index", json={"name": "copy"})
    assert job.status_code == 202, job.text
    described = client.get(f"/restore-jobs/{job.json()['restore_job_id']}").json()
    assert described["status"] == "Completed" and described["target_index_name"] == "copy"
    copy = manager.get_index("copy")
    assert copy is not None and copy.dimension == 2
    restored = copy.store.get("a")
    assert sorted(restored.ids) == ["1", "2"]
    assert restored.metadata(restored.rows["1"]) == {"k": "v"}


V2607 = {"X-Pinecone-Api-Version": "2026-07"}


def _restore(client: AsgiClient, manager: StoreManager) -> str:
    _index(client, manager)
    backup = client.post("/indexes/src/backups", json={}).json()["backup_id"]
    job = client.post(f"/backups/{backup}/create-index", json={"name": "copy"})
    assert job.status_code == 202, job.text
    return job.json()["restore_job_id"]


def test_restore_is_pending_and_its_index_not_ready_for_a_while(
    client: AsgiClient, manager: StoreManager, restore_seconds: Any
) -> None:
    restore_seconds(60.0)
    job = _restore(client, manager)
    before = client.get(f"/restore-jobs/{job}").json()
    assert before["status"] == "Pending"
    assert "percent_complete" not in before and "completed_at" not in before
    now = client.get(f"/restore-jobs/{job}", headers=V2607).json()
    assert now["status"] == "Pending" and now["completed_at"] is None
    assert "percent_complete" not in now
    listed = client.get("/restore-jobs", headers=V2607).json()["data"]
    assert [j["status"] for j in listed] == ["Pending"]
    status = client.get("/indexes/copy").json()["status"]
    assert status == {"ready": False, "state": "Initializing"}


def test_restore_completes_as_each_version_shapes_it(
    client: AsgiClient, manager: StoreManager, restore_seconds: Any
) -> None:
    restore_seconds(0.0)
    job = _restore(client, manager)
    before = client.get(f"/restore-jobs/{job}").json()
    assert (before["status"], before["percent_complete"]) == ("Completed", 100.0)
    assert isinstance(before["percent_complete"], float)
    now = client.get(f"/restore-jobs/{job}", headers=V2607).json()
    assert (now["status"], now["percent_complete"]) == ("Completed", 100)
    assert isinstance(now["percent_complete"], int) and isinstance(now["completed_at"], str)
    assert client.get("/indexes/copy").json()["status"]["ready"] is True


def test_backup_created_status_by_version(client: AsgiClient, manager: StoreManager) -> None:
    _index(client, manager)
    assert client.post("/indexes/src/backups", json={}).status_code == 201
    assert client.post("/indexes/src/backups", json={}, headers=V2607).status_code == 200


def test_backup_outlives_its_index_and_the_restored_index(
    client: AsgiClient, manager: StoreManager
) -> None:
    _upsert(_index(client, manager), "", ["x"])
    backup_id = client.post("/indexes/src/backups", json={}).json()["backup_id"]
    assert client.delete("/indexes/src").status_code == 202
    assert client.get(f"/backups/{backup_id}").status_code == 200
    client.post(f"/backups/{backup_id}/create-index", json={"name": "r"})
    assert client.delete(f"/backups/{backup_id}").status_code == 202
    assert client.get(f"/backups/{backup_id}").status_code == 404
    assert manager.get_index("r").store.get("").ids == ["x"]  # type: ignore[union-attr]


def test_lists_paginate(client: AsgiClient, manager: StoreManager) -> None:
    _index(client, manager)
    ids = [client.post("/indexes/src/backups").json()["backup_id"] for _ in range(3)]
    first = client.get("/indexes/src/backups", params={"limit": 2}).json()
    assert [b["backup_id"] for b in first["data"]] == ids[:2]
    token = first["pagination"]["next"]
    rest = client.get("/backups", params={"paginationToken": token}).json()
    assert [b["backup_id"] for b in rest["data"]] == ids[2:] and "pagination" not in rest
    one = client.get("/backups", params={"limit": 1}).json()
    second = client.get("/backups", params={"paginationToken": one["pagination"]["next"]}).json()
    assert [b["backup_id"] for b in second["data"]] == ids[1:2]  # the token's page size
    assert client.get("/backups", params={"limit": 0}).status_code == 400
    assert client.get("/backups", params={"paginationToken": "%%%"}).status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/indexes/absent/backups", {}, 404),
        ("GET", "/indexes/absent/backups", None, 404),
        ("GET", "/backups/absent", None, 404),
        ("DELETE", "/backups/absent", None, 404),
        ("POST", "/backups/absent/create-index", {"name": "x"}, 404),
        ("GET", "/restore-jobs/absent", None, 404),
        ("POST", "/indexes/src/backups", {"name": 3}, 422),
        ("POST", "/indexes/src/backups", "[", 400),
    ],
)
def test_errors(
    client: AsgiClient, manager: StoreManager, method: str, path: str, body: Any, status: int
) -> None:
    _index(client, manager)
    content = body if isinstance(body, str) else None
    json = None if isinstance(body, str) else body
    response = client.request(method, path, json=json, content=content)
    assert response.status_code == status, response.text
    assert response.json()["status"] == status


@pytest.mark.parametrize(
    ("body", "status"), [({}, 422), ({"name": "Bad_Name"}, 400), ({"name": "src"}, 409)]
)
def test_restore_rejections(
    client: AsgiClient, manager: StoreManager, body: dict[str, Any], status: int
) -> None:
    _index(client, manager)
    backup_id = client.post("/indexes/src/backups").json()["backup_id"]
    response = client.post(f"/backups/{backup_id}/create-index", json=body)
    assert response.status_code == status, response.text


def test_restore_tags_default_to_the_backups(client: AsgiClient, manager: StoreManager) -> None:
    body = {"name": "src", "dimension": 2, "spec": SERVERLESS, "tags": {"team": "a"}}
    client.post("/indexes", json=body)
    backup_id = client.post("/indexes/src/backups").json()["backup_id"]
    client.post(f"/backups/{backup_id}/create-index", json={"name": "same"})
    client.post(f"/backups/{backup_id}/create-index", json={"name": "new", "tags": {"x": "y"}})
    assert client.get("/indexes/same").json()["tags"] == {"team": "a"}
    assert client.get("/indexes/new").json()["tags"] == {"x": "y"}


def test_routes_need_2025_04(client: AsgiClient) -> None:
    response = client.get("/backups", headers={"X-Pinecone-Api-Version": "2025-01"})
    assert response.status_code == 404


def test_snapshot_shares_nothing_with_the_store() -> None:
    store = IndexStore("i", 2)
    with store.lock:
        store.upsert("n", ["a"], np.ones((1, 2), dtype=np.float32), [None], [{"k": 1}])
    snapshot = snapshots.take(store)
    with store.lock:
        store.update_by_id("n", "a", np.zeros(2, dtype=np.float32), None, {"k": 2})
    copy = snapshot.namespaces["n"]
    assert copy.values is not None and copy.values.tolist() == [[1.0, 1.0]]
    assert copy.metadata == [{"k": 1}]


def test_a_new_backup_initializes_and_a_2026_07_restore_waits_for_nothing(
    client: AsgiClient, manager: StoreManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backups, "BACKUP_SECONDS", 60.0)
    _index(client, manager)
    made = client.post("/indexes/src/backups", json={}).json()
    assert made["status"] == "Initializing"
    restore = f"/backups/{made['backup_id']}/create-index"
    early = client.post(restore, json={"name": "copy"}, headers=V2607)
    assert early.status_code == 412 and early.json()["error"]["code"] == "FAILED_PRECONDITION"
    assert manager.get_index("copy") is None
    monkeypatch.setattr(backups, "BACKUP_SECONDS", 0.05)
    again = client.post("/indexes/src/backups", json={}).json()["backup_id"]
    waited = client.post(f"/backups/{again}/create-index", json={"name": "copy"})  # 2025-10
    assert waited.status_code == 202
    assert client.get(f"/backups/{again}").json()["status"] == "Ready"
