"""Backups of serverless indexes and restore jobs (control plane, 2025-04 and later).

A backup is a `Snapshot` taken when it is created, so later writes to its index do not change it,
and deleting either leaves the other as it was. It is `Initializing` for `BACKUP_SECONDS`, then
`Ready`; a restore of a backup not yet ready is 412 from 2026-07 and waits for it before.
Restoring creates a new serverless index with the backup's definition and records; the job is
`Pending` (and the index not ready) for `RESTORE_SECONDS`, then `Completed`, so clients see the
documented progression without waiting long. Each version's shapes: 201 for a new backup before
2026-07 and 200 from it; from 2026-07 a pending job has `completed_at: null` and no
`percent_complete`, a completed one the integer 100.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_server import snapshots
from reference_server.controlplane import (
    Handler,
    IndexManager,
    index_not_found,
    json_response,
    read_json,
)
from reference_server.errors import ApiError, bad_request, not_found
from reference_server.indexes import NAME_RE, NAME_RULE, IndexModel, apply_configure, unprocessable
from reference_server.jsonio import read_body
from reference_server.versions import at_least, version_of

MIN_VERSION = "2025-04"
RESHAPED = "2026-07"  # create_backup answers 200, restore jobs have the 2026-07 status model
RESTORE_SECONDS = 0.5  # how long a restore job stays Pending
BACKUP_SECONDS = 0.5  # how long a new backup stays Initializing
DEFAULT_LIMIT = 10  # 100 from 2026-07 (MAX_LIMIT)
MAX_LIMIT = 100


def now(later: float = 0.0) -> str:
    """An RFC 3339 UTC timestamp (`later` seconds from now), as the API writes them."""
    moment = datetime.fromtimestamp(time.time() + later, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def index_id(model: IndexModel) -> str:
    """A stable id for an index as long as it serves (its name and its listener)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{model.name}@{model.host}"))


@dataclass
class Backup:
    """One backup: what the index was, and the snapshot of its records."""

    backup_id: str
    source: IndexModel
    source_id: str
    snapshot: snapshots.Snapshot
    created_at: str
    name: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    ready_at: float = 0.0  # time.monotonic() from which it is Ready

    def waiting(self) -> float:
        """Seconds until it is Ready (0 once it is)."""
        return max(self.ready_at - time.monotonic(), 0.0)

    def describe(self) -> dict[str, Any]:
        """The BackupModel body (the index's `schema` as its description shows it)."""
        source = self.source
        body: dict[str, Any] = {
            "backup_id": self.backup_id,
            "source_index_name": source.name,
            "source_index_id": self.source_id,
            "status": "Initializing" if self.waiting() else "Ready",
            "cloud": source.cloud,
            "region": source.region,
        }
        if self.name is not None:
            body["name"] = self.name
        if self.description is not None:
            body["description"] = self.description
        if source.dimension is not None:
            body["dimension"] = source.dimension
        body["metric"] = source.metric
        body["schema"] = source.describe()["schema"]
        body["record_count"] = self.snapshot.record_count
        body["namespace_count"] = len(self.snapshot.namespaces)
        body["size_bytes"] = self.snapshot.size_bytes
        body["tags"] = dict(self.tags)
        body["created_at"] = self.created_at
        return body


@dataclass
class RestoreJob:
    restore_job_id: str
    backup_id: str
    target_index_name: str
    target_index_id: str
    created_at: str
    completed_at: str  # when it completes (or completed)
    done_at: float  # time.monotonic() at which it is Completed

    def describe(self, version: str) -> dict[str, Any]:
        """The RestoreJobModel as `version` shapes it: `Pending` until `done_at`, then
        `Completed` at 100 percent."""
        body: dict[str, Any] = {
            "restore_job_id": self.restore_job_id,
            "backup_id": self.backup_id,
            "target_index_name": self.target_index_name,
            "target_index_id": self.target_index_id,
            "status": "Pending",
            "created_at": self.created_at,
        }
        reshaped = at_least(version, RESHAPED)
        if time.monotonic() < self.done_at:
            if reshaped:
                body["completed_at"] = None  # nullable: null until the job has completed
            return body
        body["status"] = "Completed"
        body["completed_at"] = self.completed_at
        body["percent_complete"] = 100 if reshaped else 100.0  # int32 from 2026-07
        return body


def page(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """`{data, pagination}` for `limit` (1…100, default 10; 100 from 2026-07) and an opaque
    `paginationToken`; `pagination` only when more items follow.

    A token carries the next item's offset and the page size it was made with, which a page
    asked for by token alone keeps (the python SDK sends the token without `limit`).
    """
    reshaped = at_least(version_of(request.headers), RESHAPED)
    start, limit = 0, MAX_LIMIT if reshaped else DEFAULT_LIMIT
    token = request.query_params.get("paginationToken")
    if token:
        try:
            start, limit = map(int, base64.urlsafe_b64decode(token.encode()).decode().split(":"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise bad_request("Invalid pagination token") from None
        if start < 0 or not 1 <= limit <= MAX_LIMIT:
            raise bad_request("Invalid pagination token")
    raw_limit = request.query_params.get("limit")
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise bad_request(f"limit must be an integer, got {raw_limit[:40]!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    body: dict[str, Any] = {"data": items[start : start + limit]}
    if start + limit < len(items):
        next_token = base64.urlsafe_b64encode(f"{start + limit}:{limit}".encode()).decode()
        body["pagination"] = {"next": next_token}
    return body


def _optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise unprocessable(f"{key}: invalid type, expected a string")
    return value


class Backups:
    """The project's backups and restore jobs, over the server's indexes."""

    def __init__(self, manager: IndexManager) -> None:
        self.manager = manager
        self.backups: dict[str, Backup] = {}
        self.jobs: dict[str, RestoreJob] = {}

    def create(self, index_name: str, body: Any) -> Backup:
        if not isinstance(body, dict):
            raise unprocessable("invalid type, expected struct CreateBackupRequest")
        name = _optional_str(body, "name")
        description = _optional_str(body, "description")
        model = self.manager.get_index(index_name)
        if model is None:
            raise index_not_found(index_name)
        if model.pod is not None:
            raise bad_request("Backups can only be created for serverless indexes.")
        if model.store is None:
            raise ApiError(500, "The index's records cannot be read.", 2, "UNKNOWN")
        backup = Backup(
            backup_id=str(uuid.uuid4()),
            source=model,
            source_id=index_id(model),
            snapshot=snapshots.take(model.store),
            created_at=now(),
            name=name,
            description=description,
            tags=dict(model.tags),
            ready_at=time.monotonic() + BACKUP_SECONDS,
        )
        self.backups[backup.backup_id] = backup
        return backup

    def get(self, backup_id: str) -> Backup:
        backup = self.backups.get(backup_id)
        if backup is None:
            raise not_found(f"Backup {backup_id} not found.")
        return backup

    async def restore(self, backup_id: str, body: Any, version: str) -> RestoreJob:
        """Create the index and load the backup into it; 409 when the name is taken, 412 from
        2026-07 when the backup is not Ready yet (before 2026-07 the restore waits for it)."""
        backup = self.get(backup_id)
        if not isinstance(body, dict):
            raise unprocessable("invalid type, expected struct CreateIndexFromBackupRequest")
        name = body.get("name")
        if name is None:
            raise unprocessable("missing field `name`")
        if not isinstance(name, str):
            raise unprocessable("name: invalid type, expected a string")
        if not NAME_RE.match(name):
            raise bad_request(NAME_RULE)
        if backup.waiting() and at_least(version, RESHAPED):
            raise ApiError(412, f"Backup {backup_id} is not completed", 9, "FAILED_PRECONDITION")
        await asyncio.sleep(backup.waiting())
        source = backup.source
        model = IndexModel(
            name,
            source.dimension,
            source.metric,
            source.vector_type,
            tags=dict(backup.tags),
            cloud=source.cloud,
            region=source.region,
            vector_field=source.vector_field,
        )
        settings = {k: body[k] for k in ("deletion_protection", "read_capacity") if k in body}
        if body.get("tags") is not None:
            model.tags = {}
            settings["tags"] = body["tags"]
        apply_configure(model, settings)
        started = now()
        model.ready_at = time.monotonic() + RESTORE_SECONDS
        created = await self.manager.create_index(model)
        if created.store is not None:
            snapshots.load(created.store, backup.snapshot)
        job = RestoreJob(
            restore_job_id=str(uuid.uuid4()),
            backup_id=backup_id,
            target_index_name=name,
            target_index_id=index_id(created),
            created_at=started,
            completed_at=now(RESTORE_SECONDS),
            done_at=model.ready_at,
        )
        self.jobs[job.restore_job_id] = job
        return job


def backup_routes(
    manager: IndexManager, handles_errors: Callable[[Handler], Handler]
) -> list[Route]:
    """The backup and restore-job routes, answering 404 before API version 2025-04."""
    state = Backups(manager)

    def versioned(handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            version = version_of(request.headers)
            if not at_least(version, MIN_VERSION):
                raise not_found(f"Not found: this route needs API version {MIN_VERSION} or later")
            return await handler(request)

        return handles_errors(run)

    async def create_backup(request: Request) -> Response:
        raw = await read_body(request)
        try:
            body = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError as exc:
            raise bad_request(f"Failed to parse the request body as JSON: {exc}") from None
        backup = state.create(request.path_params["index_name"], body)
        status = 200 if at_least(version_of(request.headers), RESHAPED) else 201
        return json_response(backup.describe(), status)

    async def list_index_backups(request: Request) -> Response:
        name = request.path_params["index_name"]
        if manager.get_index(name) is None:
            raise index_not_found(name)
        items = [b.describe() for b in state.backups.values() if b.source.name == name]
        return json_response(page(request, items))

    async def list_backups(request: Request) -> Response:
        return json_response(page(request, [b.describe() for b in state.backups.values()]))

    async def describe_backup(request: Request) -> Response:
        return json_response(state.get(request.path_params["backup_id"]).describe())

    async def delete_backup(request: Request) -> Response:
        backup = state.get(request.path_params["backup_id"])
        del state.backups[backup.backup_id]
        return Response(status_code=202)

    async def create_index_from_backup(request: Request) -> Response:
        body, version = await read_json(request), version_of(request.headers)
        job = await state.restore(request.path_params["backup_id"], body, version)
        body = {"restore_job_id": job.restore_job_id, "index_id": job.target_index_id}
        return json_response(body, 202)

    async def list_restore_jobs(request: Request) -> Response:
        version = version_of(request.headers)
        return json_response(page(request, [j.describe(version) for j in state.jobs.values()]))

    async def describe_restore_job(request: Request) -> Response:
        job = state.jobs.get(request.path_params["job_id"])
        if job is None:
            raise not_found(f"Restore job {request.path_params['job_id']} not found.")
        return json_response(job.describe(version_of(request.headers)))

    return [
        Route("/indexes/{index_name}/backups", versioned(create_backup), methods=["POST"]),
        Route("/indexes/{index_name}/backups", versioned(list_index_backups), methods=["GET"]),
        Route("/backups", versioned(list_backups), methods=["GET"]),
        Route("/backups/{backup_id}", versioned(describe_backup), methods=["GET"]),
        Route("/backups/{backup_id}", versioned(delete_backup), methods=["DELETE"]),
        Route(
            "/backups/{backup_id}/create-index",
            versioned(create_index_from_backup),
            methods=["POST"],
        ),
        Route("/restore-jobs", versioned(list_restore_jobs), methods=["GET"]),
        Route("/restore-jobs/{job_id}", versioned(describe_restore_job), methods=["GET"]),
    ]
