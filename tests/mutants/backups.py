"""Mutants of backups, restore jobs, pod-based indexes and collections (control plane).

Most wrap the control-plane app with a `Rewrite` handler; the two that break what a backup holds
patch `reference_server.snapshots`, since the wire cannot reach the copied records.
"""

from __future__ import annotations

import re
from typing import Any

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.registry import MutantGroup

GROUP = MutantGroup()
control = GROUP.control

_BACKUP = re.compile(r"^/backups/([^/]+)$")
_INDEX_BACKUPS = re.compile(r"^/indexes/([^/]+)/backups$")
_RESTORE = re.compile(r"^/backups/([^/]+)/create-index$")
_JOB = re.compile(r"^/restore-jobs/([^/]+)$")
_COLLECTION = re.compile(r"^/collections/([^/]+)$")
_INDEX = re.compile(r"^/indexes/([^/]+)$")


def _json_reply(status: int, body: Any) -> Reply:
    return Reply(status, [(b"content-type", b"application/json")]).with_json(body)


def _error(status: int, message: str = "mutated") -> Reply:
    code = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND"}.get(status, "UNKNOWN")
    return _json_reply(status, {"error": {"code": code, "message": message}, "status": status})


def _matches(request: Request, method: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
    return pattern.match(request.path.rstrip("/")) if request.method == method else None


async def _edit_json(request: Request, forward: Forward, edit: Any) -> Reply:
    """Forward, and pass a successful JSON object reply through `edit` (which changes it)."""
    reply = await forward(request)
    body = reply.json()
    if reply.ok and isinstance(body, dict):
        edit(body)
        return reply.with_json(body)
    return reply


def _as_status(reply: Reply, was: int, status: int) -> Reply:
    """`reply` turned from HTTP `was` into an error of `status`."""
    return _error(status) if reply.status == was else reply


# ---- backups ------------------------------------------------------------------------------------


@control("backups-create-no-source-name", "BACKUPS-CREATE")
async def backups_create_no_source_name(request: Request, forward: Forward) -> Reply:
    """A created backup's model leaves out `source_index_name`."""
    if not _matches(request, "POST", _INDEX_BACKUPS):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.pop("source_index_name", None))


@control("backups-create-201-2026-07", "BACKUPS-CREATE", api_version="2026-07")
async def backups_create_201_2026_07(request: Request, forward: Forward) -> Reply:
    """From 2026-07 a created backup still answers 201 (the 2026-07 answer is 200)."""
    reply = await forward(request)
    if _matches(request, "POST", _INDEX_BACKUPS) and reply.status == 200:
        return reply.with_json(reply.json(), status=201)
    return reply


@control("backups-describe-no-name", "BACKUPS-DESCRIBE")
async def backups_describe_no_name(request: Request, forward: Forward) -> Reply:
    """Describing a backup leaves out its `name`."""
    if not _matches(request, "GET", _BACKUP):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.pop("name", None))


@control("backups-describe-unknown-400", "BACKUPS-DESCRIBE-UNKNOWN-404")
async def backups_describe_unknown_400(request: Request, forward: Forward) -> Reply:
    """Describing a backup that does not exist answers 400."""
    reply = await forward(request)
    return _as_status(reply, 404, 400) if _matches(request, "GET", _BACKUP) else reply


@control("backups-list-index-foreign", "BACKUPS-LIST-INDEX")
async def backups_list_index_foreign(request: Request, forward: Forward) -> Reply:
    """An index's first backup page also holds a backup of another index (within its limit)."""
    if not _matches(request, "GET", _INDEX_BACKUPS) or request.param("paginationToken"):
        return await forward(request)
    limit = int(request.param("limit") or 10)

    def add_foreign(body: dict[str, Any]) -> None:
        data = body.get("data") or []
        if data and len(data) < limit:
            body["data"] = [*data, {**data[0], "backup_id": "foreign", "source_index_name": "x"}]

    return await _edit_json(request, forward, add_foreign)


@control("backups-list-index-unknown-200", "BACKUPS-LIST-INDEX-UNKNOWN-404")
async def backups_list_index_unknown_200(request: Request, forward: Forward) -> Reply:
    """Listing the backups of an index that does not exist answers 200 with no backups."""
    reply = await forward(request)
    if _matches(request, "GET", _INDEX_BACKUPS) and reply.status == 404:
        return _json_reply(200, {"data": []})
    return reply


@control("backups-list-project-empty", "BACKUPS-LIST-PROJECT")
async def backups_list_project_empty(request: Request, forward: Forward) -> Reply:
    """The project's backup listing is always empty."""
    if not request.is_("GET", "/backups"):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.update(data=[], pagination=None))


@control("backups-list-ignore-limit", "BACKUPS-LIST-LIMIT")
async def backups_list_ignore_limit(request: Request, forward: Forward) -> Reply:
    """Backup listings ignore `limit` and `paginationToken`: one page of up to ten."""
    if _matches(request, "GET", _INDEX_BACKUPS) or request.is_("GET", "/backups"):
        return await forward(request.with_params([]))
    return await forward(request)


@control("backups-delete-noop", "BACKUPS-DELETE")
async def backups_delete_noop(request: Request, forward: Forward) -> Reply:
    """Deleting an existing backup answers 202 but keeps it."""
    if not _matches(request, "DELETE", _BACKUP):
        return await forward(request)
    described = await forward(Request("GET", request.path, headers=request.headers))
    return Reply(202) if described.status == 200 else await forward(request)


@control("backups-delete-unknown-202", "BACKUPS-DELETE-UNKNOWN-404")
async def backups_delete_unknown_202(request: Request, forward: Forward) -> Reply:
    """Deleting a backup that does not exist answers 202."""
    reply = await forward(request)
    return Reply(202) if _matches(request, "DELETE", _BACKUP) and reply.status == 404 else reply


@control("backups-die-with-index", "BACKUPS-INDEPENDENT")
async def backups_die_with_index(request: Request, forward: Forward) -> Reply:
    """Deleting an index deletes its backups too."""
    reply = await forward(request)
    found = _matches(request, "DELETE", _INDEX)
    if found is None or reply.status != 202:
        return reply
    listing = Request("GET", "/backups", b"limit=100", request.headers)
    for backup in (await forward(listing)).json().get("data") or []:
        if backup.get("source_index_name") == found.group(1):
            await forward(
                Request("DELETE", f"/backups/{backup['backup_id']}", b"", request.headers)
            )
    return reply


# ---- restore ------------------------------------------------------------------------------------


@control("restore-no-index-id", "RESTORE-CREATE")
async def restore_no_index_id(request: Request, forward: Forward) -> Reply:
    """An accepted restore answers without `index_id`."""
    if not _matches(request, "POST", _RESTORE):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.pop("index_id", None))


@control("restore-initializing-accepted", "RESTORE-BACKUP-NOT-READY-412", api_version="2026-07")
async def restore_initializing_accepted(request: Request, forward: Forward) -> Reply:
    """A restore of a backup still Initializing answers 202 (and restores nothing)."""
    reply = await forward(request)
    if _matches(request, "POST", _RESTORE) and reply.status == 412:
        return _json_reply(202, {"restore_job_id": "mutated", "index_id": "mutated"})
    return reply


@control("restore-unknown-400", "RESTORE-CREATE-UNKNOWN-404")
async def restore_unknown_400(request: Request, forward: Forward) -> Reply:
    """Restoring a backup that does not exist answers 400."""
    reply = await forward(request)
    return _as_status(reply, 404, 400) if _matches(request, "POST", _RESTORE) else reply


@control("restore-conflict-accepted", "RESTORE-CREATE-CONFLICT-409")
async def restore_conflict_accepted(request: Request, forward: Forward) -> Reply:
    """A restore under an existing index's name answers 202 (and restores nothing)."""
    reply = await forward(request)
    if _matches(request, "POST", _RESTORE) and reply.status == 409:
        return _json_reply(202, {"restore_job_id": "none", "index_id": "none"})
    return reply


_RESTORED: set[str] = set()


@control("restore-wrong-dimension", "RESTORE-INDEX")
async def restore_wrong_dimension(request: Request, forward: Forward) -> Reply:
    """A restored index describes with one dimension more than its backup's."""
    if _matches(request, "POST", _RESTORE):
        reply = await forward(request)
        body = request.json()
        if reply.status == 202 and isinstance(body, dict):
            _RESTORED.add(str(body.get("name")))
        return reply
    found = _matches(request, "GET", _INDEX)
    if found is None or found.group(1) not in _RESTORED:
        return await forward(request)

    def widen(model: dict[str, Any]) -> None:
        if isinstance(model.get("dimension"), int):
            model["dimension"] += 1
        for field in ((model.get("schema") or {}).get("fields") or {}).values():
            if isinstance(field, dict) and isinstance(field.get("dimension"), int):
                field["dimension"] += 1

    return await _edit_json(request, forward, widen)


@control("restore-job-wrong-backup", "RESTORE-JOB-DESCRIBE")
async def restore_job_wrong_backup(request: Request, forward: Forward) -> Reply:
    """A described restore job names another backup."""
    if not _matches(request, "GET", _JOB):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.update(backup_id="another"))


@control("restore-job-unknown-400", "RESTORE-JOB-UNKNOWN-404")
async def restore_job_unknown_400(request: Request, forward: Forward) -> Reply:
    """Describing a restore job that does not exist answers 400."""
    reply = await forward(request)
    return _as_status(reply, 404, 400) if _matches(request, "GET", _JOB) else reply


@control("restore-jobs-list-empty", "RESTORE-JOB-LIST")
async def restore_jobs_list_empty(request: Request, forward: Forward) -> Reply:
    """The restore-job listing is always empty."""
    if not request.is_("GET", "/restore-jobs"):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.update(data=[], pagination=None))


@control("restore-job-pending", "RESTORE-JOB-COMPLETES")
async def restore_job_pending(request: Request, forward: Forward) -> Reply:
    """Restore jobs stay `Pending` at 0 percent."""

    def pending(job: dict[str, Any]) -> None:
        job.update(status="Pending", percent_complete=0.0)
        job.pop("completed_at", None)

    def all_pending(listing: dict[str, Any]) -> None:
        for job in listing.get("data") or []:
            pending(job)

    if _matches(request, "GET", _JOB):
        return await _edit_json(request, forward, pending)
    if request.is_("GET", "/restore-jobs"):
        return await _edit_json(request, forward, all_pending)
    return await forward(request)


@control("restore-job-pending-progress", "RESTORE-JOB-STATUS", api_version="2026-07")
async def restore_job_pending_progress(request: Request, forward: Forward) -> Reply:
    """A `Pending` restore job reports `percent_complete: 0` (2026-07 reports none until done)."""

    def progress(job: dict[str, Any]) -> None:
        if job.get("status") == "Pending":
            job["percent_complete"] = 0

    if _matches(request, "GET", _JOB):
        return await _edit_json(request, forward, progress)
    return await forward(request)


# ---- backup schedules (2026-07) ---------------------------------------------------------------

_INDEX_SCHEDULES = re.compile(r"^/indexes/([^/]+)/backup-schedules$")
_SCHEDULE = re.compile(r"^/backup-schedules/([^/]+)$")
_HISTORY = re.compile(r"^/backup-schedules/([^/]+)/history$")


def _schedules(name: str, behavior: str) -> Any:
    return control(name, behavior, api_version="2026-07")


@_schedules("schedules-created-disabled", "BACKUP-SCHEDULES-CREATE")
async def schedules_created_disabled(request: Request, forward: Forward) -> Reply:
    """A new schedule answers `enabled: false`."""
    if not _matches(request, "POST", _INDEX_SCHEDULES):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.update(enabled=False))


@_schedules("schedules-second-accepted", "BACKUP-SCHEDULES-CREATE-CONFLICT-409")
async def schedules_second_accepted(request: Request, forward: Forward) -> Reply:
    """A second schedule of an index with an enabled one answers 200 (and makes nothing)."""
    reply = await forward(request)
    if _matches(request, "POST", _INDEX_SCHEDULES) and reply.status == 409:
        return _json_reply(200, {})
    return reply


@_schedules("schedules-retention-zero-kept", "BACKUP-SCHEDULES-RETENTION-400")
async def schedules_retention_zero_kept(request: Request, forward: Forward) -> Reply:
    """A retention of 0 days is taken as 1 day instead of being rejected."""
    body = request.json()
    retention = body.get("retention") if isinstance(body, dict) else None
    zero = isinstance(retention, dict) and retention.get("expire_after_days") == 0
    if _matches(request, "POST", _INDEX_SCHEDULES) and zero:
        request = request.with_json({**body, "retention": {"expire_after_days": 1}})
    return await forward(request)


@_schedules("schedules-unknown-index-400", "BACKUP-SCHEDULES-UNKNOWN-INDEX-404")
async def schedules_unknown_index_400(request: Request, forward: Forward) -> Reply:
    """A schedule of an index that does not exist answers 400."""
    reply = await forward(request)
    return _as_status(reply, 404, 400) if _matches(request, "POST", _INDEX_SCHEDULES) else reply


@_schedules("schedules-list-empty", "BACKUP-SCHEDULES-LIST")
async def schedules_list_empty(request: Request, forward: Forward) -> Reply:
    """An index's schedule listing is always empty."""
    if not _matches(request, "GET", _INDEX_SCHEDULES):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.update(data=[]))


@_schedules("schedules-describe-renamed", "BACKUP-SCHEDULES-DESCRIBE")
async def schedules_describe_renamed(request: Request, forward: Forward) -> Reply:
    """Describing a schedule answers another name."""
    if not _matches(request, "GET", _SCHEDULE):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.update(name="renamed"))


@_schedules("schedules-unknown-400", "BACKUP-SCHEDULES-UNKNOWN-404")
async def schedules_unknown_400(request: Request, forward: Forward) -> Reply:
    """Describing a schedule that does not exist answers 400."""
    reply = await forward(request)
    return _as_status(reply, 404, 400) if _matches(request, "GET", _SCHEDULE) else reply


@_schedules("schedules-update-ignored", "BACKUP-SCHEDULES-UPDATE")
async def schedules_update_ignored(request: Request, forward: Forward) -> Reply:
    """PATCH of a schedule changes nothing (and answers the schedule as it was)."""
    if _matches(request, "PATCH", _SCHEDULE):
        return await forward(request.with_json({}))
    return await forward(request)


@_schedules("schedules-delete-noop", "BACKUP-SCHEDULES-DELETE")
async def schedules_delete_noop(request: Request, forward: Forward) -> Reply:
    """Deleting a schedule answers 204 and keeps it."""
    if _matches(request, "DELETE", _SCHEDULE):
        return Reply(204, [])
    return await forward(request)


@_schedules("schedules-history-no-data", "BACKUP-SCHEDULES-HISTORY")
async def schedules_history_no_data(request: Request, forward: Forward) -> Reply:
    """A schedule's history answers an object without `data`."""
    if not _matches(request, "GET", _HISTORY):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.pop("data", None))


@GROUP.patch("backups-not-snapshots", "RESTORE-RECORDS-FROM-BACKUP")
def backups_not_snapshots() -> None:
    """A backup reads its index's records when restored, not when created."""
    from reference_server import snapshots

    take = snapshots.take

    class Live:
        def __init__(self, store: Any) -> None:
            self.store = store

        def __getattr__(self, name: str) -> Any:
            return getattr(take(self.store), name)

    snapshots.take = Live  # type: ignore[assignment]


@GROUP.patch("restore-loads-nothing", "RESTORE-RECORDS-COMPLETE")
def restore_loads_nothing() -> None:
    """A restored index gets the backup's namespaces but none of its records."""
    from reference_server import snapshots

    load = snapshots.load

    def empty(store: Any, snapshot: Any) -> None:
        namespaces = {
            name: snapshots.NamespaceCopy([], None, [], [], ns.explicit, ns.schema)
            for name, ns in snapshot.namespaces.items()
        }
        load(store, snapshots.Snapshot(namespaces))

    snapshots.load = empty


# ---- pod indexes and collections ----------------------------------------------------------------


@control("pod-spec-described-serverless", "INDEXES-POD-SPEC")
async def pod_spec_described_serverless(request: Request, forward: Forward) -> Reply:
    """A pod index describes as a serverless one (the pod settings are dropped)."""
    if request.method != "GET" or not _INDEX.match(request.path.rstrip("/")):
        return await forward(request)

    def serverless(model: dict[str, Any]) -> None:
        if "pod" in (model.get("spec") or {}):
            model["spec"] = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
            model["deployment"] = {"deployment_type": "managed", "cloud": "aws"}

    return await _edit_json(request, forward, serverless)


@control("pod-create-accepted-2026-07", "INDEXES-POD-CREATE-REJECTED", api_version="2026-07")
async def pod_create_accepted_2026_07(request: Request, forward: Forward) -> Reply:
    """A 2026-07 create with a `pod` deployment is served as the 2026-04 pod create it was."""
    body = request.json()
    deployment = body.get("deployment") if isinstance(body, dict) else None
    if not request.is_("POST", "/indexes") or not isinstance(deployment, dict):
        return await forward(request)
    if deployment.get("deployment_type") != "pod":
        return await forward(request)
    pod_keys = ("environment", "pod_type", "replicas", "shards")
    pod = {k: deployment[k] for k in pod_keys if k in deployment}
    fields = (body.get("schema") or {}).get("fields") or {}
    vector: dict[str, Any] = next(iter(fields.values()), {})
    classic = {"name": body.get("name"), "spec": {"pod": pod}}
    classic.update({k: vector[k] for k in ("dimension", "metric") if k in vector})
    headers = [(k, v) for k, v in request.headers if k.lower() != b"x-pinecone-api-version"]
    headers.append((b"x-pinecone-api-version", b"2026-04"))
    request.headers = headers
    return await forward(request.with_json(classic))


@control("collections-create-no-environment", "COLLECTIONS-CREATE")
async def collections_create_no_environment(request: Request, forward: Forward) -> Reply:
    """A created collection's model leaves out `environment`."""
    if not request.is_("POST", "/collections"):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.pop("environment", None))


@control("collections-create-twice-201", "COLLECTIONS-CREATE-CONFLICT-409")
async def collections_create_twice_201(request: Request, forward: Forward) -> Reply:
    """Creating a collection under a taken name answers 201 with the existing collection."""
    reply = await forward(request)
    body = request.json()
    if request.is_("POST", "/collections") and reply.status == 409 and isinstance(body, dict):
        existing = await forward(Request("GET", f"/collections/{body.get('name')}"))
        return existing.with_json(existing.json(), 201)
    return reply


@control("collections-from-serverless", "COLLECTIONS-SERVERLESS-REJECTED")
async def collections_from_serverless(request: Request, forward: Forward) -> Reply:
    """A collection of a serverless index answers 201 (and is never stored)."""
    reply = await forward(request)
    body = request.json()
    if request.is_("POST", "/collections") and reply.status == 400 and isinstance(body, dict):
        fake = {"name": body.get("name"), "status": "Ready", "environment": "serverless"}
        return _json_reply(201, fake)
    return reply


@control("collections-list-empty", "COLLECTIONS-LIST")
async def collections_list_empty(request: Request, forward: Forward) -> Reply:
    """The collection listing is always empty."""
    if not request.is_("GET", "/collections"):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.update(collections=[]))


@control("collections-describe-no-environment", "COLLECTIONS-DESCRIBE")
async def collections_describe_no_environment(request: Request, forward: Forward) -> Reply:
    """A described collection leaves out `environment`."""
    if not _matches(request, "GET", _COLLECTION):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.pop("environment", None))


@control("collections-count-zero", "COLLECTIONS-VECTOR-COUNT")
async def collections_count_zero(request: Request, forward: Forward) -> Reply:
    """A described collection counts no vectors."""
    if not _matches(request, "GET", _COLLECTION):
        return await forward(request)
    return await _edit_json(request, forward, lambda b: b.update(vector_count=0))


@control("collections-describe-unknown-400", "COLLECTIONS-DESCRIBE-UNKNOWN-404")
async def collections_describe_unknown_400(request: Request, forward: Forward) -> Reply:
    """Describing a collection that does not exist answers 400."""
    reply = await forward(request)
    return _as_status(reply, 404, 400) if _matches(request, "GET", _COLLECTION) else reply


@control("collections-delete-noop", "COLLECTIONS-DELETE")
async def collections_delete_noop(request: Request, forward: Forward) -> Reply:
    """Deleting an existing collection answers 202 but keeps it."""
    if not _matches(request, "DELETE", _COLLECTION):
        return await forward(request)
    described = await forward(Request("GET", request.path, headers=request.headers))
    return Reply(202) if described.status == 200 else await forward(request)


@control("collections-delete-unknown-202", "COLLECTIONS-DELETE-UNKNOWN-404")
async def collections_delete_unknown_202(request: Request, forward: Forward) -> Reply:
    """Deleting a collection that does not exist answers 202."""
    reply = await forward(request)
    return Reply(202) if _matches(request, "DELETE", _COLLECTION) and reply.status == 404 else reply


__all__ = ["GROUP"]
