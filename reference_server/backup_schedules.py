"""Backup schedules of serverless indexes (control plane, 2026-07 and later).

A schedule records its cadence and retention and reports when it would run next; the reference
server never runs one (a test does not last a day), so a schedule's history holds only its next
planned backup (`Scheduled`) while it is enabled. An index has at most one enabled schedule (409
for a second one, or for re-enabling another), and its schedules go with it when it is deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_server.backups import index_id, now, page
from reference_server.controlplane import (
    Handler,
    IndexManager,
    index_not_found,
    json_response,
    read_json,
)
from reference_server.errors import ApiError, bad_request, not_found
from reference_server.indexes import IndexModel, unprocessable
from reference_server.versions import at_least, version_of

MIN_VERSION = "2026-07"
FREQUENCIES = {"daily": timedelta(days=1), "weekly": timedelta(days=7), "monthly": timedelta(30)}
MAX_RETENTION_DAYS = 3650  # the "service-configured maximum" of retention.expire_after_days
PROJECT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "reference-server-project"))
ALREADY_ENABLED = "This index already has an enabled backup schedule. Disable or delete it first."


@dataclass
class Schedule:
    schedule_id: str
    name: str
    index: IndexModel
    frequency: str
    retention_days: int
    enabled: bool
    created_at: str
    planned_backup_id: str = ""

    def next_run(self) -> str | None:
        """When it would run next (on the hour, one period on), or None while disabled."""
        if not self.enabled:
            return None
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        return (start + FREQUENCIES[self.frequency]).isoformat().replace("+00:00", "Z")

    def history(self) -> list[dict[str, Any]]:
        """The BackupScheduleHistoryItems: the planned next backup while enabled."""
        when = self.next_run()
        if when is None:
            return []
        stamp = when.replace("-", "").replace(":", "")
        return [
            {
                "backup_id": self.planned_backup_id,
                "source_index_id": index_id(self.index),
                "source_index_name": self.index.name,
                "name": f"{self.name}-{stamp}",
                "status": "Scheduled",
                "cloud": self.index.cloud,
                "region": self.index.region,
                "created_at": self.created_at,
                "scheduled_execution_at": when,
            }
        ]

    def describe(self) -> dict[str, Any]:
        """The BackupScheduleResponse: `next_scheduled_run` null while disabled."""
        next_run = self.next_run()
        return {
            "schedule_id": self.schedule_id,
            "name": self.name,
            "index_id": index_id(self.index),
            "project_id": PROJECT_ID,
            "schedule_type": "time-based",
            "frequency": self.frequency,
            "retention_expire_after_days": self.retention_days,
            "enabled": self.enabled,
            "next_scheduled_run": next_run,
            "created_at": self.created_at,
        }


def _object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise unprocessable(f"invalid type, expected struct {what}")
    return body


def _frequency(value: Any) -> str:
    if not isinstance(value, str):
        raise unprocessable("frequency: invalid type, expected a string")
    if value not in FREQUENCIES:
        raise bad_request(f"frequency must be one of daily, weekly, monthly, got {value[:40]!r}")
    return value


def _retention(raw: Any) -> int:
    retention = _object(raw, "BackupScheduleRetentionInput")
    if "expire_after_days" not in retention:
        raise unprocessable("retention: missing field `expire_after_days`")
    days = retention["expire_after_days"]
    if not isinstance(days, int) or isinstance(days, bool):
        raise unprocessable("retention.expire_after_days: invalid type, expected an integer")
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise bad_request(
            f"retention.expire_after_days must be between 1 and {MAX_RETENTION_DAYS}, got {days}"
        )
    return days


class Schedules:
    """The project's backup schedules, over the server's indexes."""

    def __init__(self, manager: IndexManager) -> None:
        self.manager = manager
        self.schedules: dict[str, Schedule] = {}

    def live(self) -> list[Schedule]:
        """The schedules whose index still serves (a deleted index takes its schedules along)."""
        for key, schedule in list(self.schedules.items()):
            if self.manager.get_index(schedule.index.name) is not schedule.index:
                del self.schedules[key]
        return list(self.schedules.values())

    def index(self, name: str) -> IndexModel:
        model = self.manager.get_index(name)
        if model is None:
            raise index_not_found(name)
        return model

    def get(self, schedule_id: str) -> Schedule:
        found = next((s for s in self.live() if s.schedule_id == schedule_id), None)
        if found is None:
            raise not_found("Backup schedule not found.")
        return found

    def _no_other_enabled(self, model: IndexModel, but: Schedule | None = None) -> None:
        if any(s.index is model and s.enabled and s is not but for s in self.live()):
            raise ApiError(409, ALREADY_ENABLED, 6, "ALREADY_EXISTS")

    def create(self, index_name: str, raw: Any) -> Schedule:
        body = _object(raw, "CreateBackupScheduleRequest")
        for key in ("name", "schedule", "retention"):
            if key not in body:
                raise unprocessable(f"missing field `{key}`")
        if not isinstance(body["name"], str):
            raise unprocessable("name: invalid type, expected a string")
        schedule = _object(body["schedule"], "BackupScheduleRequestSchedule")
        if "type" not in schedule or "frequency" not in schedule:
            raise unprocessable("schedule: missing field `type` or `frequency`")
        if schedule["type"] != "time-based":
            raise bad_request("Only time-based backup schedules are supported")
        frequency = _frequency(schedule["frequency"])
        days = _retention(body["retention"])
        model = self.index(index_name)
        if model.pod is not None:
            raise bad_request("Backup schedules are not supported for pod-based indexes")
        self._no_other_enabled(model)
        made = Schedule(str(uuid.uuid4()), body["name"], model, frequency, days, True, now())
        made.planned_backup_id = str(uuid.uuid4())
        self.schedules[made.schedule_id] = made
        return made

    def update(self, schedule_id: str, raw: Any) -> Schedule:
        body = _object(raw, "UpdateBackupScheduleRequest")
        schedule = self.get(schedule_id)
        frequency = _frequency(body["frequency"]) if "frequency" in body else schedule.frequency
        days = _retention(body["retention"]) if "retention" in body else schedule.retention_days
        enabled = body.get("enabled", schedule.enabled)
        if not isinstance(enabled, bool):
            raise unprocessable("enabled: invalid type, expected a boolean")
        if enabled and not schedule.enabled:
            self._no_other_enabled(schedule.index, but=schedule)
        schedule.frequency, schedule.retention_days, schedule.enabled = frequency, days, enabled
        return schedule


def backup_schedule_routes(
    manager: IndexManager, handles_errors: Callable[[Handler], Handler]
) -> list[Route]:
    """The backup-schedule routes, answering 404 before API version 2026-07."""
    state = Schedules(manager)

    def versioned(handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            if not at_least(version_of(request.headers), MIN_VERSION):
                raise not_found(f"Not found: this route needs API version {MIN_VERSION} or later")
            return await handler(request)

        return handles_errors(run)

    async def create(request: Request) -> Response:
        made = state.create(request.path_params["index_name"], await read_json(request))
        return json_response(made.describe())

    async def list_of_index(request: Request) -> Response:
        model = state.index(request.path_params["index_name"])
        items = [s.describe() for s in state.live() if s.index is model]
        return json_response(page(request, items))

    async def describe(request: Request) -> Response:
        return json_response(state.get(request.path_params["schedule_id"]).describe())

    async def update(request: Request) -> Response:
        body = await read_json(request)
        return json_response(state.update(request.path_params["schedule_id"], body).describe())

    async def delete(request: Request) -> Response:
        schedule = state.get(request.path_params["schedule_id"])
        del state.schedules[schedule.schedule_id]
        return Response(status_code=204)

    async def history(request: Request) -> Response:
        return json_response(page(request, state.get(request.path_params["schedule_id"]).history()))

    index_path = "/indexes/{index_name}/backup-schedules"
    one = "/backup-schedules/{schedule_id}"
    return [
        Route(index_path, versioned(create), methods=["POST"]),
        Route(index_path, versioned(list_of_index), methods=["GET"]),
        Route(one, versioned(describe), methods=["GET"]),
        Route(one, versioned(update), methods=["PATCH"]),
        Route(one, versioned(delete), methods=["DELETE"]),
        Route(one + "/history", versioned(history), methods=["GET"]),
    ]
