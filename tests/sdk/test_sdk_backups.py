"""Backups, restore jobs, pod-based indexes and collections through the official SDK (9.x and
10.x), unchanged: the flat `Pinecone` methods both majors offer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pinecone import Pinecone, PodSpec, ServerlessSpec
from pinecone.errors import NotFoundError

from conformance.target.launcher import RunningServer
from tests.sdk.sdk_support import KEY, SDK_MAJOR

SPEC = ServerlessSpec(cloud="aws", region="us-east-1")
POD_SPEC = PodSpec(environment="us-east-1-aws", pod_type="p1.x1")
DIMENSION = 4


def _needs(pc: Pinecone, *methods: str) -> None:
    missing = [m for m in methods if not hasattr(pc, m)]
    if missing:
        pytest.skip(f"pinecone {SDK_MAJOR}.x has no {', '.join(missing)}")


@pytest.fixture
def source(pc: Pinecone, index_name: str) -> Iterator[str]:
    """A serverless index holding three records in two namespaces; deleted afterwards."""
    pc.create_index(name=index_name, dimension=DIMENSION, metric="cosine", spec=SPEC)
    index = pc.Index(name=index_name)
    try:
        index.upsert(vectors=[("a", [1.0, 0, 0, 0]), ("b", [0, 1.0, 0, 0])], namespace="one")
        index.upsert(vectors=[("c", [0, 0, 1.0, 0], {"genre": "x"})], namespace="two")
        yield index_name
    finally:
        index.close()
        pc.delete_index(index_name)


def _use(pc: Pinecone, name: str, call: Callable[[Any], Any]) -> Any:
    """`call(index)` on a data-plane client of `name` that is closed afterwards."""
    index = pc.Index(name=name)
    try:
        return call(index)
    finally:
        index.close()


def _create_pod_index(pc: Pinecone, server: RunningServer, name: str) -> None:
    """A pod-based index. The 2026-07 API the SDK 10.x speaks creates none (its collections serve
    pod-based indexes created with an earlier version), so 10.x gets one made speaking 2026-04."""
    if SDK_MAJOR < 10:
        pc.create_index(name=name, dimension=DIMENSION, metric="cosine", spec=POD_SPEC)
        return
    body = {"name": name, "dimension": DIMENSION, "metric": "cosine"}
    body["spec"] = {"pod": {"environment": "us-east-1-aws", "pod_type": "p1.x1"}}
    headers = {"Api-Key": KEY, "X-Pinecone-Api-Version": "2026-04"}
    created = httpx.post(f"{server.control_url}/indexes", json=body, headers=headers)
    assert created.status_code == 201, created.text


def _ready(pc: Pinecone, backup_id: str) -> Any:
    """The backup once it is `Ready` (a new one starts `Initializing`; polled for 10 s at most)."""
    deadline = time.monotonic() + 10.0
    while True:
        backup = pc.describe_backup(backup_id=backup_id)
        if backup.status == "Ready" or time.monotonic() > deadline:
            return backup
        time.sleep(0.1)


def _drop(pc: Pinecone, name: str) -> None:
    if pc.has_index(name):
        pc.delete_index(name)


def test_backup_create_list_describe_delete(pc: Pinecone, source: str) -> None:
    _needs(pc, "create_backup", "list_backups", "describe_backup", "delete_backup")
    backup = pc.create_backup(index_name=source, backup_name="nightly", description="a test")
    try:
        assert (backup.source_index_name, backup.name) == (source, "nightly")
        assert backup.status in ("Initializing", "Ready")
        assert _ready(pc, backup.backup_id).status == "Ready"
        assert (backup.record_count, backup.namespace_count) == (3, 2)
        described = pc.describe_backup(backup_id=backup.backup_id)
        assert (described.backup_id, described.description) == (backup.backup_id, "a test")
        of_index = [b.backup_id for b in pc.list_backups(index_name=source)]
        assert of_index == [backup.backup_id]
        assert backup.backup_id in [b.backup_id for b in pc.list_backups()]
    finally:
        pc.delete_backup(backup_id=backup.backup_id)
    with pytest.raises(NotFoundError):
        pc.describe_backup(backup_id=backup.backup_id)


def test_backup_listing_pages(pc: Pinecone, source: str) -> None:
    _needs(pc, "create_backup", "list_backups", "delete_backup")
    made = [pc.create_backup(index_name=source).backup_id for _ in range(3)]
    try:
        first = pc.list_backups(index_name=source, limit=2)
        assert first.pagination is not None
        token = first.pagination.next
        rest = pc.list_backups(index_name=source, pagination_token=token)
        assert [b.backup_id for b in first] + [b.backup_id for b in rest] == made
    finally:
        for backup_id in made:
            pc.delete_backup(backup_id=backup_id)


def test_restore_from_backup(pc: Pinecone, source: str, index_name: str) -> None:
    _needs(
        pc, "create_backup", "create_index_from_backup", "describe_restore_job", "list_restore_jobs"
    )
    backup = _ready(pc, pc.create_backup(index_name=source).backup_id)
    restored = f"{index_name}-r"
    try:
        _use(pc, source, lambda i: i.upsert(vectors=[("late", [1.0, 1.0, 0, 0])], namespace="one"))
        model: Any = pc.create_index_from_backup(backup_id=backup.backup_id, name=restored)
        assert model.name == restored and model.status.ready
        stats = _use(pc, restored, lambda i: i.describe_index_stats())
        assert {n: s.vector_count for n, s in stats.namespaces.items()} == {"one": 2, "two": 1}
        fetched = _use(pc, restored, lambda i: i.fetch(ids=["c"], namespace="two")).vectors
        assert fetched["c"].metadata == {"genre": "x"}
        jobs = [j for j in pc.list_restore_jobs() if j.target_index_name == restored]
        assert len(jobs) == 1 and jobs[0].backup_id == backup.backup_id
        job = pc.describe_restore_job(job_id=jobs[0].restore_job_id)
        assert (job.status, job.percent_complete) == ("Completed", 100)
    finally:
        _drop(pc, restored)
        pc.delete_backup(backup_id=backup.backup_id)


def test_restore_without_waiting(pc: Pinecone, source: str, index_name: str) -> None:
    _needs(pc, "create_backup", "create_index_from_backup", "describe_restore_job")
    backup = _ready(pc, pc.create_backup(index_name=source).backup_id)
    restored = f"{index_name}-nw"
    try:
        accepted: Any = pc.create_index_from_backup(
            backup_id=backup.backup_id, name=restored, timeout=-1
        )
        job = pc.describe_restore_job(job_id=accepted.restore_job_id)
        assert (job.target_index_name, job.backup_id) == (restored, backup.backup_id)
    finally:
        _drop(pc, restored)
        pc.delete_backup(backup_id=backup.backup_id)


def test_pod_index_and_collection(pc: Pinecone, server: RunningServer, index_name: str) -> None:
    _needs(pc, "create_collection", "list_collections", "describe_collection", "delete_collection")
    _create_pod_index(pc, server, index_name)
    collection = f"{index_name}-c"
    try:
        described: Any = pc.describe_index(index_name)
        assert described.spec.pod.environment == "us-east-1-aws"
        assert described.spec.pod.pod_type == "p1.x1"
        _use(
            pc,
            index_name,
            lambda i: i.upsert(vectors=[("a", [1.0, 0, 0, 0]), ("b", [0, 1.0, 0, 0])]),
        )
        pc.create_collection(name=collection, source=index_name)
        model = pc.describe_collection(collection)
        assert (model.name, model.status, model.vector_count) == (collection, "Ready", 2)
        assert (model.dimension, model.environment) == (DIMENSION, "us-east-1-aws")
        assert collection in [c.name for c in pc.list_collections()]
        pc.delete_collection(collection)
        assert collection not in [c.name for c in pc.list_collections()]
    finally:
        if collection in [c.name for c in pc.list_collections()]:
            pc.delete_collection(collection)
        pc.delete_index(index_name)


def test_pod_index_from_a_collection(pc: Pinecone, index_name: str) -> None:
    if SDK_MAJOR >= 10:
        pytest.skip("pinecone 10.x rejects PodSpec(source_collection=...)")
    pc.create_index(name=index_name, dimension=DIMENSION, metric="cosine", spec=POD_SPEC)
    collection, copy = f"{index_name}-c", f"{index_name}-copy"
    try:
        _use(pc, index_name, lambda i: i.upsert(vectors=[("a", [1.0, 0, 0, 0])]))
        pc.create_collection(name=collection, source=index_name)
        spec = PodSpec(environment="us-east-1-aws", source_collection=collection)
        pc.create_index(name=copy, dimension=DIMENSION, metric="cosine", spec=spec)
        fetched = _use(pc, copy, lambda i: i.fetch(ids=["a"])).vectors
        assert list(fetched) == ["a"]
    finally:
        _drop(pc, copy)
        if collection in [c.name for c in pc.list_collections()]:
            pc.delete_collection(collection)
        pc.delete_index(index_name)


def test_backup_schedules(pc: Pinecone, source: str) -> None:
    _needs(pc, "backup_schedules")
    schedules: Any = getattr(pc, "backup_schedules", None)  # 10.x only
    made = schedules.create(index_name=source, name="nightly", frequency="daily", retention_days=7)
    try:
        assert (made.name, made.frequency, made.enabled) == ("nightly", "daily", True)
        assert made.next_scheduled_run is not None
        planned = list(schedules.history(schedule_id=made.schedule_id))
        assert [b.status for b in planned] == ["Scheduled"]
        listed = schedules.list(index_name=source)
        assert [s.schedule_id for s in listed] == [made.schedule_id]
        changed = schedules.update(schedule_id=made.schedule_id, frequency="weekly", enabled=False)
        assert (changed.frequency, changed.enabled, changed.next_scheduled_run) == (
            "weekly",
            False,
            None,
        )
        assert schedules.describe(schedule_id=made.schedule_id).frequency == "weekly"
        assert list(schedules.history(schedule_id=made.schedule_id)) == []
    finally:
        schedules.delete(schedule_id=made.schedule_id)
    with pytest.raises(NotFoundError):
        schedules.describe(schedule_id=made.schedule_id)
