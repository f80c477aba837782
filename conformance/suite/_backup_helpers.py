"""Setup for the backup, restore and collection tests: applicability probes, temporary source
indexes with seeded records, backups and restored indexes that are always deleted.

Everything here is a test's preparation: a step that fails raises SetupFailed (a harness error),
never the failure of the behavior under test. Hosted services take minutes to back up, restore
and copy indexes, so every wait is bounded by `BACKUP_TIMEOUT`.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX, SetupFailed
from conformance.suite._control_plane_helpers import drop_index, index_name
from conformance.suite._helpers import at_least, setting_up, setup_ok
from conformance.suite.test_indexes import DIMENSION, create_body
from conformance.target import waiting
from conformance.target.client import ControlPlaneClient, DataPlaneClient, WireResponse
from conformance.target.indexes import index_url

BACKUP_TIMEOUT = 900.0  # docs: backups and restores of small indexes take about 10 minutes
DELETE_TIMEOUT = 90.0  # a deletion is accepted (202) and done shortly after
PAGE_LIMIT = 100
MAX_PAGES = 50
POD = {"environment": "us-east-1-aws", "pod_type": "p1.x1", "pods": 1}
RESHAPED = "2026-07"  # a new backup answers 200; pod-based indexes are no longer created
POD_CREATE_VERSION = "2026-04"  # the last version that creates pod-based indexes
Records = dict[str, list[dict[str, Any]]]  # namespace -> records


def absent_id() -> str:
    """An id no backup, restore job or collection of any target has."""
    return f"00000000-0000-4000-8000-{secrets.token_hex(6)}"


def needs_index_creation(target: Any) -> None:
    if not target.allow_create_index:
        pytest.skip(NOT_APPLICABLE_PREFIX + "creating indexes needs --allow-create-index")


def needs_backups(cp: ControlPlaneClient) -> None:
    """Not applicable unless the control plane serves backups (`GET /backups` answers 200)."""
    probe = cp.list_backups(limit=1)
    if probe.status != 200:
        pytest.skip(
            f"{NOT_APPLICABLE_PREFIX}the control plane does not serve backups "
            f"(GET /backups answered {probe.status})"
        )


def needs_collections(cp: ControlPlaneClient) -> None:
    """Not applicable unless the control plane serves collections (`GET /collections` is 200)."""
    probe = cp.list_collections()
    if probe.status != 200:
        pytest.skip(
            f"{NOT_APPLICABLE_PREFIX}the control plane does not serve collections "
            f"(GET /collections answered {probe.status})"
        )


def all_pages(list_page: Callable[..., WireResponse], what: str) -> list[dict[str, Any]]:
    """Every `data` item of a paginated listing, following `pagination.next` (bounded)."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(MAX_PAGES):
        # a token carries its page size: the python SDK sends it without `limit`
        params: dict[str, Any] = {"paginationToken": token} if token else {"limit": PAGE_LIMIT}
        resp = list_page(**params)
        assert resp.status == 200, f"{what}: expected 200, got {resp!r}"
        body = resp.json
        assert isinstance(body, dict) and isinstance(body.get("data"), list), resp
        items.extend(i for i in body["data"] if isinstance(i, dict))
        token = (body.get("pagination") or {}).get("next")
        if not token:
            return items
    return items


def definition(model: dict[str, Any]) -> tuple[Any, Any]:
    """(dimension, metric) of an index description, classic or 2026-07 (`schema.fields`)."""
    dimension, metric = model.get("dimension"), model.get("metric")
    fields = (model.get("schema") or {}).get("fields") or {}
    for field in fields.values() if isinstance(fields, dict) else ():
        if isinstance(field, dict) and field.get("type") == "dense_vector":
            dimension = dimension if dimension is not None else field.get("dimension")
            metric = metric if metric is not None else field.get("metric")
    return dimension, metric


def data_client(cp: ControlPlaneClient, target: Any, name: str) -> DataPlaneClient:
    """A data-plane client of index `name` once it is ready (setup)."""
    with setting_up(f"index {name} ready"):
        model = waiting.eventually(
            lambda: cp.describe_index(name),
            lambda r: r.status == 200 and (r.json.get("status") or {}).get("ready") is True,
            f"index {name} ready",
            BACKUP_TIMEOUT,
        ).json
    return DataPlaneClient(
        index_url(model["host"], cp.base_url), target.api_key, target.api_version
    )


def seed(data: DataPlaneClient, target: Any, records: Records) -> None:
    """Upsert `records` and wait until each namespace shows them all (setup)."""
    for namespace, vectors in records.items():
        setup_ok(data.upsert(vectors, namespace=namespace), f"seed upsert into {namespace!r}")
    for namespace, vectors in records.items():
        ids = [v["id"] for v in vectors]

        def fetched(ns: str = namespace, ids: list[str] = ids) -> WireResponse:
            return data.fetch(ids, namespace=ns)

        def all_there(r: WireResponse, ids: list[str] = ids) -> bool:
            return r.status == 200 and set(r.json.get("vectors") or {}) >= set(ids)

        with setting_up(f"seeded records visible in {namespace!r}"):
            waiting.eventually(
                fetched, all_there, f"records {ids} fetched", max(target.consistency_timeout, 1.0)
            )


@contextlib.contextmanager
def serverless_index(
    cp: ControlPlaneClient, target: Any, tag: str, records: Records | None = None
) -> Iterator[tuple[str, DataPlaneClient]]:
    """A new serverless index (dense, DIMENSION, cosine) holding `records`; always deleted."""
    needs_index_creation(target)
    name = index_name(target.namespace_prefix, tag)
    try:
        setup_ok(cp.create_index(**create_body(target, name)), f"create index {name}", 201)
        with data_client(cp, target, name) as data:
            seed(data, target, records or {})
            yield name, data
    finally:
        drop_index(cp, name)


def backup_created_status(api_version: str) -> int:
    """What a created backup answers: 201 before 2026-07, 200 from it (OAS create_backup)."""
    return 200 if at_least(api_version, RESHAPED) else 201


@contextlib.contextmanager
def backup_of(cp: ControlPlaneClient, index: str, **body: Any) -> Iterator[dict[str, Any]]:
    """A backup of `index` (its BackupModel); deleted afterwards. Any 2xx will do here: which one
    is BACKUPS-CREATE's to judge."""
    resp = cp.create_backup(index, **body)
    if not 200 <= resp.status < 300:
        raise SetupFailed(f"create a backup of {index}: expected a 2xx status, got {resp!r}")
    backup = resp.json
    if not isinstance(backup, dict) or not isinstance(backup.get("backup_id"), str):
        raise SetupFailed(f"the backup of {index} has no backup_id: {backup!r}")
    try:
        yield backup
    finally:
        with contextlib.suppress(httpx.HTTPError):
            cp.delete_backup(backup["backup_id"])


def backup_ready(cp: ControlPlaneClient, backup_id: str) -> dict[str, Any]:
    """Wait (bounded) until the backup's status is `Ready` (setup)."""
    with setting_up(f"backup {backup_id} ready"):
        return waiting.eventually(
            lambda: cp.describe_backup(backup_id),
            lambda r: r.status == 200 and r.json.get("status") == "Ready",
            f"backup {backup_id} Ready",
            BACKUP_TIMEOUT,
        ).json


@contextlib.contextmanager
def restoring(
    cp: ControlPlaneClient, target: Any, backup_id: str, tag: str = "restored"
) -> Iterator[tuple[str, WireResponse]]:
    """Send a restore of `backup_id` into a new index; yield (its name, the response). The index
    is deleted afterwards, once it exists (a restore may create it after the test ends)."""
    name = index_name(target.namespace_prefix, tag)
    resp: WireResponse | None = None
    try:
        resp = cp.create_index_from_backup(backup_id, name=name)
        yield name, resp
    finally:
        if resp is not None and resp.status == 202:
            with contextlib.suppress(AssertionError, httpx.HTTPError):
                waiting.eventually(
                    lambda: cp.describe_index(name),
                    lambda r: r.status == 200,
                    f"restored index {name}",
                    BACKUP_TIMEOUT,
                )
        drop_index(cp, name)


def assert_deleted(
    delete: Callable[[], WireResponse], describe: Callable[[], WireResponse], what: str
) -> None:
    """The delete answers 202, and then `describe` answers 404 (waiting DELETE_TIMEOUT)."""
    resp = delete()
    assert resp.status == 202, resp
    waiting.eventually(describe, lambda r: r.status == 404, f"{what} gone", DELETE_TIMEOUT)


def restored_job(resp: WireResponse) -> str:
    """The restore job id of an accepted restore (setup)."""
    body = setup_ok(resp, "create an index from a backup", 202)
    job = body.get("restore_job_id") if isinstance(body, dict) else None
    if not isinstance(job, str):
        raise SetupFailed(f"the restore answered no restore_job_id: {resp!r}")
    return job


@contextlib.contextmanager
def pod_index(
    cp: ControlPlaneClient, target: Any, tag: str = "pod", **pod: Any
) -> Iterator[tuple[str, WireResponse]]:
    """Create a pod-based index (not applicable when the target rejects pod specs with a 4xx);
    yield (name, the create response); always deleted. From 2026-07, which creates no pod-based
    index, it is created speaking 2026-04 (the 2026-07 collection operations serve pod-based
    indexes created with an earlier version)."""
    needs_index_creation(target)
    name = index_name(target.namespace_prefix, tag)
    try:
        if at_least(target.api_version, RESHAPED):
            body = {"name": name, "dimension": DIMENSION, "metric": "cosine"}
            body["spec"] = {"pod": {**POD, **pod}}
            version = {"X-Pinecone-Api-Version": POD_CREATE_VERSION}
            resp = cp.request("POST", "/indexes", json=body, headers=version)
        else:
            resp = cp.create_index(**pod_create_body(target, name, **pod))
        if 400 <= resp.status < 500:
            pytest.skip(
                f"{NOT_APPLICABLE_PREFIX}the target does not create pod-based indexes "
                f"(a pod spec answered {resp.status})"
            )
        yield name, resp
    finally:
        drop_index(cp, name)


def pod_create_body(target: Any, name: str, **pod: Any) -> dict[str, Any]:
    """A pod-based create body: `spec.pod` before 2026-07, a `pod` deployment from 2026-07 (which
    the 2026-07 create rejects)."""
    settings = {**POD, **pod}
    body = create_body(target, name)
    if "deployment" in body:
        replicas = settings.get("replicas", 1)
        body["deployment"] = {
            "deployment_type": "pod",
            "environment": settings["environment"],
            "pod_type": settings["pod_type"],
            "replicas": replicas,
            "shards": settings.get("shards", settings["pods"] // replicas),
        }
    else:
        body["spec"] = {"pod": settings}
    return body


__all__ = ["DIMENSION"]
