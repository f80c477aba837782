"""Backup schedules of serverless indexes (control plane, 2026-07).

Not applicable unless the control plane serves backups (`GET /backups` answers 200), indexes may be
created (--allow-create-index) and a schedule can be asked of an index that exists (404, 405 or 501
there means the target does not serve schedules). Each test creates its own index, whose deletion
also removes its schedules, and deletes the schedules it made.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX, SetupFailed
from conformance.suite._backup_helpers import (
    absent_id,
    all_pages,
    needs_backups,
    needs_index_creation,
    serverless_index,
)
from conformance.suite._control_plane_helpers import assert_cp_status, index_name
from conformance.suite._helpers import setting_up, setup_ok
from conformance.target import waiting
from conformance.target.client import ControlPlaneClient, WireResponse

NOT_SERVED = (404, 405, 501)
DELETE_TIMEOUT = 90.0
DAILY = {
    "name": "conformance-daily",
    "schedule": {"type": "time-based", "frequency": "daily"},
    "retention": {"expire_after_days": 7},
}
REQUIRED = (
    "schedule_id",
    "name",
    "index_id",
    "project_id",
    "schedule_type",
    "frequency",
    "retention_expire_after_days",
    "enabled",
    "next_scheduled_run",
    "created_at",
)


@pytest.fixture
def backups(control_plane: ControlPlaneClient, target: Any) -> ControlPlaneClient:
    """The control plane, once backups are shown to be served and indexes may be created."""
    needs_index_creation(target)
    needs_backups(control_plane)
    return control_plane


def _index_path(index: str) -> str:
    return f"/indexes/{quote(index, safe='')}/backup-schedules"


def _path(schedule_id: str) -> str:
    return f"/backup-schedules/{quote(schedule_id, safe='')}"


def create_schedule(cp: ControlPlaneClient, index: str, body: dict[str, Any]) -> WireResponse:
    return cp.request("POST", _index_path(index), json=body)


@contextlib.contextmanager
def scheduling(
    cp: ControlPlaneClient, index: str, body: dict[str, Any] = DAILY
) -> Iterator[WireResponse]:
    """Ask for a schedule of `index` (an index that exists); yield the response; delete the
    schedule afterwards. Not applicable when the target answers 404, 405 or 501."""
    resp = create_schedule(cp, index, body)
    if resp.status in NOT_SERVED:
        pytest.skip(
            f"{NOT_APPLICABLE_PREFIX}the target does not serve backup schedules "
            f"(a schedule of an existing index answered {resp.status})"
        )
    try:
        yield resp
    finally:
        schedule_id = resp.json.get("schedule_id") if isinstance(resp.json, dict) else None
        if isinstance(schedule_id, str):
            with contextlib.suppress(httpx.HTTPError):
                cp.request("DELETE", _path(schedule_id))


@contextlib.contextmanager
def schedule_of(cp: ControlPlaneClient, index: str) -> Iterator[dict[str, Any]]:
    """A daily schedule of `index` (its BackupScheduleResponse; setup)."""
    with scheduling(cp, index) as resp:
        made = setup_ok(resp, f"create a backup schedule of {index}")
        if not isinstance(made, dict) or not isinstance(made.get("schedule_id"), str):
            raise SetupFailed(f"the schedule of {index} has no schedule_id: {resp!r}")
        yield made


@pytest.mark.behavior("BACKUP-SCHEDULES-CREATE")
def test_create_schedule(backups, target):
    """A new schedule answers 200 with its required fields, the name, frequency and retention
    sent, `schedule_type` time-based, enabled, with a next run."""
    with serverless_index(backups, target, "sch") as (name, _), scheduling(backups, name) as resp:
        assert resp.status == 200, resp
        body = resp.json
        assert isinstance(body, dict), resp
        missing = [f for f in REQUIRED if f not in body]
        assert not missing, f"BackupScheduleResponse without {missing}: {body}"
        assert body["name"] == DAILY["name"], body
        assert body["schedule_type"] == "time-based", body
        assert body["frequency"] == "daily", body
        assert body["retention_expire_after_days"] == 7, body
        assert body["enabled"] is True, body
        assert isinstance(body["next_scheduled_run"], str), body


@pytest.mark.behavior("BACKUP-SCHEDULES-CREATE-CONFLICT-409")
def test_second_enabled_schedule_conflicts(backups, target):
    """An index with an enabled schedule takes no second one: 409."""
    second = {**DAILY, "name": "conformance-second"}
    with (
        serverless_index(backups, target, "sch") as (name, _),
        schedule_of(backups, name),
        scheduling(backups, name, second) as resp,
    ):
        assert_cp_status(resp, 409)


@pytest.mark.behavior("BACKUP-SCHEDULES-RETENTION-400")
def test_retention_below_one_day_rejected(backups, target):
    """`retention.expire_after_days` 0 is rejected with 400, and the index has no schedule."""
    body = {**DAILY, "retention": {"expire_after_days": 0}}
    with (
        serverless_index(backups, target, "sch") as (name, _),
        scheduling(backups, name, body) as r,
    ):
        assert_cp_status(r, 400)
        with setting_up(f"list the schedules of {name}"):
            listed = all_pages(
                lambda **p: backups.request("GET", _index_path(name), params=p), "schedules"
            )
        assert listed == [], f"a rejected schedule is listed: {listed}"


@pytest.mark.behavior("BACKUP-SCHEDULES-UNKNOWN-INDEX-404")
def test_schedule_of_unknown_index(backups, target):
    """A schedule of an index that does not exist answers 404."""
    resp = create_schedule(backups, index_name(target.namespace_prefix, "absent"), DAILY)
    if resp.status in (405, 501):
        pytest.skip(f"{NOT_APPLICABLE_PREFIX}the target does not serve backup schedules")
    assert_cp_status(resp, 404)


@pytest.mark.behavior("BACKUP-SCHEDULES-LIST")
def test_list_index_schedules(backups, target):
    """An index's schedule listing holds its schedule, and only schedules of that index."""
    with serverless_index(backups, target, "sch") as (name, _), schedule_of(backups, name) as made:
        listed = all_pages(
            lambda **p: backups.request("GET", _index_path(name), params=p), f"schedules of {name}"
        )
        assert [s.get("schedule_id") for s in listed] == [made["schedule_id"]], listed
        assert all(s.get("index_id") == made["index_id"] for s in listed), listed


@pytest.mark.behavior("BACKUP-SCHEDULES-DESCRIBE")
def test_describe_schedule(backups, target):
    """Describing a schedule returns that schedule."""
    with serverless_index(backups, target, "sch") as (name, _), schedule_of(backups, name) as made:
        resp = backups.request("GET", _path(made["schedule_id"]))
        assert resp.status == 200, resp
        assert resp.json.get("schedule_id") == made["schedule_id"], resp
        assert resp.json.get("name") == DAILY["name"], resp


@pytest.mark.behavior("BACKUP-SCHEDULES-UNKNOWN-404")
def test_describe_unknown_schedule(backups):
    """A schedule that does not exist describes as 404."""
    resp = backups.request("GET", _path(absent_id()))
    if resp.status in (405, 501):
        pytest.skip(f"{NOT_APPLICABLE_PREFIX}the target does not serve backup schedules")
    assert_cp_status(resp, 404)


@pytest.mark.behavior("BACKUP-SCHEDULES-UPDATE")
def test_update_schedule(backups, target):
    """PATCH changes frequency, retention and `enabled`; a disabled schedule has no next run."""
    change = {"enabled": False, "frequency": "weekly", "retention": {"expire_after_days": 30}}
    with serverless_index(backups, target, "sch") as (name, _), schedule_of(backups, name) as made:
        resp = backups.request("PATCH", _path(made["schedule_id"]), json=change)
        assert resp.status == 200, resp
        described = setup_ok(backups.request("GET", _path(made["schedule_id"])), "describe it")
        for body in (resp.json, described):
            assert body.get("enabled") is False, body
            assert body.get("frequency") == "weekly", body
            assert body.get("retention_expire_after_days") == 30, body
            assert body.get("next_scheduled_run", "absent") is None, body


@pytest.mark.behavior("BACKUP-SCHEDULES-DELETE")
def test_delete_schedule(backups, target):
    """A deleted schedule answers 204 and then describes as 404."""
    if backups.request("GET", _path(absent_id())).status != 404:
        raise SetupFailed("a schedule that never existed must describe as 404")
    with serverless_index(backups, target, "sch") as (name, _), schedule_of(backups, name) as made:
        path = _path(made["schedule_id"])
        assert backups.request("DELETE", path).status == 204
        waiting.eventually(
            lambda: backups.request("GET", path),
            lambda r: r.status == 404,
            f"schedule {made['schedule_id']} gone",
            DELETE_TIMEOUT,
        )


@pytest.mark.behavior("BACKUP-SCHEDULES-HISTORY")
def test_schedule_history(backups, target):
    """A schedule's history answers 200 with a `data` list."""
    with serverless_index(backups, target, "sch") as (name, _), schedule_of(backups, name) as made:
        resp = backups.request("GET", _path(made["schedule_id"]) + "/history")
        assert resp.status == 200, resp
        assert isinstance(resp.json, dict) and isinstance(resp.json.get("data"), list), resp
