"""Backup schedules on the control plane (2026-07), over an in-memory manager."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.controlplane import create_control_app
from tests.reference_server.asgi_client import AsgiClient
from tests.reference_server.test_backups import StoreManager, _index
from tests.reference_server.test_controlplane import SERVERLESS

V = {"X-Pinecone-Api-Version": "2026-07"}
DAILY = {
    "name": "nightly",
    "schedule": {"type": "time-based", "frequency": "daily"},
    "retention": {"expire_after_days": 7},
}


class Client2607(AsgiClient):
    """Sends the 2026-07 version header unless a request names another."""

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        kwargs["headers"] = {**V, **(kwargs.get("headers") or {})}
        return super().request(method, url, **kwargs)


@pytest.fixture
def manager() -> StoreManager:
    return StoreManager()


@pytest.fixture
def client(manager: StoreManager) -> AsgiClient:
    return Client2607(create_control_app(manager))


def test_create_list_describe_update_delete(client: AsgiClient, manager: StoreManager) -> None:
    _index(client, manager)
    made = client.post("/indexes/src/backup-schedules", json=DAILY)
    assert made.status_code == 200, made.text
    body = made.json()
    assert (body["name"], body["frequency"], body["retention_expire_after_days"]) == (
        "nightly",
        "daily",
        7,
    )
    assert body["enabled"] is True and body["next_scheduled_run"].endswith("Z")
    schedule = f"/backup-schedules/{body['schedule_id']}"
    listed = client.get("/indexes/src/backup-schedules").json()
    assert [s["schedule_id"] for s in listed["data"]] == [body["schedule_id"]]
    history = client.get(schedule + "/history").json()["data"]
    assert [h["status"] for h in history] == ["Scheduled"]
    changed = client.patch(schedule, json={"enabled": False, "frequency": "weekly"}).json()
    assert (changed["enabled"], changed["frequency"], changed["next_scheduled_run"]) == (
        False,
        "weekly",
        None,
    )
    assert client.get(schedule + "/history").json()["data"] == []
    assert client.delete(schedule).status_code == 204
    assert client.get(schedule).status_code == 404


def test_one_enabled_schedule_per_index(client: AsgiClient, manager: StoreManager) -> None:
    _index(client, manager)
    first = client.post("/indexes/src/backup-schedules", json=DAILY).json()["schedule_id"]
    assert client.post("/indexes/src/backup-schedules", json=DAILY).status_code == 409
    client.patch(f"/backup-schedules/{first}", json={"enabled": False})
    second = client.post("/indexes/src/backup-schedules", json=DAILY)
    assert second.status_code == 200
    assert client.patch(f"/backup-schedules/{first}", json={"enabled": True}).status_code == 409


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**DAILY, "retention": {"expire_after_days": 0}}, 400),
        ({**DAILY, "schedule": {"type": "time-based", "frequency": "hourly"}}, 400),
        ({**DAILY, "schedule": {"type": "event", "frequency": "daily"}}, 400),
        ({"name": "x", "schedule": DAILY["schedule"]}, 422),
        ([], 422),
    ],
)
def test_rejections(client: AsgiClient, manager: StoreManager, body: Any, status: int) -> None:
    _index(client, manager)
    assert client.post("/indexes/src/backup-schedules", json=body).status_code == status
    assert client.get("/indexes/src/backup-schedules").json()["data"] == []


def test_unknown_index_and_schedule(client: AsgiClient) -> None:
    assert client.post("/indexes/nope/backup-schedules", json=DAILY).status_code == 404
    assert client.get("/indexes/nope/backup-schedules").status_code == 404
    for method in ("GET", "PATCH", "DELETE"):
        kwargs = {"json": {}} if method == "PATCH" else {}
        assert client.request(method, "/backup-schedules/absent", **kwargs).status_code == 404


def test_schedules_go_with_their_index(client: AsgiClient, manager: StoreManager) -> None:
    _index(client, manager)
    made = client.post("/indexes/src/backup-schedules", json=DAILY).json()["schedule_id"]
    assert client.delete("/indexes/src").status_code == 202
    assert client.get(f"/backup-schedules/{made}").status_code == 404


def test_routes_need_2026_07(client: AsgiClient, manager: StoreManager) -> None:
    body = {"name": "src", "dimension": 2, "metric": "cosine", "spec": SERVERLESS}
    old = {"X-Pinecone-Api-Version": "2026-04"}
    assert client.post("/indexes", json=body, headers=old).status_code == 201
    resp = client.post("/indexes/src/backup-schedules", json=DAILY, headers=old)
    assert resp.status_code == 404
