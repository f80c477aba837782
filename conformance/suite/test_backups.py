"""Backups of serverless indexes and restore jobs (control plane, 2025-04 and later).

Not applicable unless the control plane serves backups (`GET /backups` answers 200) and indexes may
be created (--allow-create-index). Each test creates its own source index, backups and restored
indexes under the namespace prefix and deletes them, also when it fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX, SetupFailed
from conformance.suite._backup_helpers import (
    BACKUP_TIMEOUT,
    DIMENSION,
    absent_id,
    all_pages,
    assert_deleted,
    backup_created_status,
    backup_of,
    backup_ready,
    data_client,
    definition,
    needs_backups,
    needs_index_creation,
    restored_job,
    restoring,
    serverless_index,
)
from conformance.suite._control_plane_helpers import assert_cp_status, drop_index, index_name
from conformance.suite._helpers import records_of, setting_up, setup_ok
from conformance.target import waiting
from conformance.target.client import ControlPlaneClient, WireResponse

REQUIRED = ("backup_id", "source_index_name", "source_index_id", "status", "cloud", "region")
JOB_REQUIRED = (
    "restore_job_id",
    "backup_id",
    "target_index_name",
    "target_index_id",
    "status",
    "created_at",
)
JOB_AFTER_READY = 30.0  # a restore job finishes about when its index is ready


def _record(vector_id: str, scale: float, **metadata: Any) -> dict[str, Any]:
    values = [scale * (i + 1) for i in range(DIMENSION)]
    return {"id": vector_id, "values": values, "metadata": metadata or {"kind": vector_id}}


RECORDS = {
    "ns-a": [_record("a1", 0.1), _record("a2", 0.2)],
    "ns-b": [_record("b1", 0.3)],
}


@pytest.fixture
def backups(control_plane: ControlPlaneClient, target: Any) -> ControlPlaneClient:
    """The control plane, once backups are shown to be served and indexes may be created."""
    needs_index_creation(target)
    needs_backups(control_plane)
    return control_plane


# ---- backups ------------------------------------------------------------------------------------


@pytest.mark.behavior("BACKUPS-CREATE")
def test_create_backup(backups, target):
    """A backup of an index answers 201 (200 from 2026-07) with the BackupModel's required fields
    and the name and description sent."""
    with serverless_index(backups, target, "bk") as (name, _):
        resp = backups.create_backup(name, name="conf-backup", description="made by a test")
        try:
            assert resp.status == backup_created_status(target.api_version), resp
            body = resp.json
            assert isinstance(body, dict), resp
            missing = [f for f in REQUIRED if not isinstance(body.get(f), str)]
            assert not missing, f"BackupModel without {missing}: {body}"
            assert body["source_index_name"] == name, body
            assert body.get("name") == "conf-backup", body
            assert body.get("description") == "made by a test", body
        finally:
            if isinstance(resp.json, dict) and isinstance(resp.json.get("backup_id"), str):
                backups.delete_backup(resp.json["backup_id"])


@pytest.mark.behavior("BACKUPS-DESCRIBE")
def test_describe_backup(backups, target):
    """Describing a backup returns that backup."""
    with (
        serverless_index(backups, target, "bk") as (name, _),
        backup_of(backups, name, name="described") as backup,
    ):
        resp = backups.describe_backup(backup["backup_id"])
        assert resp.status == 200, resp
        body = resp.json
        assert body.get("backup_id") == backup["backup_id"], body
        assert body.get("source_index_name") == name, body
        assert body.get("name") == "described", body


@pytest.mark.behavior("BACKUPS-DESCRIBE-UNKNOWN-404")
def test_describe_unknown_backup(backups):
    """A backup that does not exist describes as 404."""
    assert_cp_status(backups.describe_backup(absent_id()), 404)


@pytest.mark.behavior("BACKUPS-LIST-INDEX")
def test_list_index_backups(backups, target):
    """An index's backup listing holds its new backup and only backups of that index."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        listed = all_pages(lambda **p: backups.list_index_backups(name, **p), f"backups of {name}")
        assert backup["backup_id"] in [b.get("backup_id") for b in listed], listed
        others = [b for b in listed if b.get("source_index_name") != name]
        assert not others, f"backups of other indexes listed for {name}: {others}"


@pytest.mark.behavior("BACKUPS-LIST-INDEX-UNKNOWN-404")
def test_list_backups_of_unknown_index(backups, target):
    """Listing the backups of an index that does not exist answers 404."""
    resp = backups.list_index_backups(index_name(target.namespace_prefix, "absent"))
    assert_cp_status(resp, 404)


@pytest.mark.behavior("BACKUPS-LIST-PROJECT")
def test_list_project_backups(backups, target):
    """The project's backup listing holds a new backup."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        listed = all_pages(backups.list_backups, "the project's backups")
        assert backup["backup_id"] in [b.get("backup_id") for b in listed], listed


@pytest.mark.behavior("BACKUPS-LIST-LIMIT")
def test_backup_listing_pages(backups, target):
    """`limit=1` over an index with two backups: one on the first page, and `pagination.next`
    leads to the other."""
    with (
        serverless_index(backups, target, "bk") as (name, _),
        backup_of(backups, name) as first,
        backup_of(backups, name) as second,
    ):
        page = backups.list_index_backups(name, limit=1)
        assert page.status == 200, page
        assert len(page.json.get("data") or []) == 1, page
        token = (page.json.get("pagination") or {}).get("next")
        assert isinstance(token, str) and token, f"no pagination.next: {page!r}"
        following = backups.list_index_backups(name, paginationToken=token)
        assert following.status == 200, following
        ids = {b.get("backup_id") for b in page.json["data"] + following.json["data"]}
        assert ids == {first["backup_id"], second["backup_id"]}, (page, following)


@pytest.mark.behavior("BACKUPS-DELETE")
def test_delete_backup(backups, target):
    """A deleted backup answers 202 and then describes as 404."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        if backups.describe_backup(absent_id()).status != 404:
            raise SetupFailed("a backup that never existed must describe as 404")
        backup_id = backup["backup_id"]
        assert_deleted(
            lambda: backups.delete_backup(backup_id),
            lambda: backups.describe_backup(backup_id),
            f"backup {backup_id}",
        )


@pytest.mark.behavior("BACKUPS-DELETE-UNKNOWN-404")
def test_delete_unknown_backup(backups):
    """Deleting a backup that does not exist answers 404."""
    assert_cp_status(backups.delete_backup(absent_id()), 404)


@pytest.mark.behavior("BACKUPS-INDEPENDENT")
def test_backup_outlives_its_index(backups, target):
    """Deleting the source index leaves its backup described."""
    with (
        serverless_index(backups, target, "bk", RECORDS) as (name, _),
        backup_of(backups, name) as backup,
    ):
        backup_ready(backups, backup["backup_id"])
        setup_ok(backups.delete_index(name), f"delete index {name}", 202)
        # gone from the list of indexes (how describe answers for it is another behavior's)
        with setting_up(f"index {name} deleted"):
            waiting.eventually(
                lambda: backups.list_indexes(),
                lambda r: r.status == 200 and name not in _index_names(r),
                f"index {name} gone",
                BACKUP_TIMEOUT,
            )
        resp = backups.describe_backup(backup["backup_id"])
        assert resp.status == 200, resp
        assert resp.json.get("backup_id") == backup["backup_id"], resp


def _index_names(resp) -> set[Any]:
    indexes = resp.json.get("indexes") if isinstance(resp.json, dict) else None
    return {i.get("name") for i in indexes or [] if isinstance(i, dict)}


# ---- restore ------------------------------------------------------------------------------------


@pytest.mark.behavior("RESTORE-CREATE")
def test_create_index_from_backup(backups, target):
    """A restore answers 202 with the restore job's id and the new index's id."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        backup_ready(backups, backup["backup_id"])
        with restoring(backups, target, backup["backup_id"]) as (_, resp):
            assert resp.status == 202, resp
            assert isinstance(resp.json.get("restore_job_id"), str), resp
            assert isinstance(resp.json.get("index_id"), str), resp


@pytest.mark.behavior("RESTORE-BACKUP-NOT-READY-412")
def test_restore_of_initializing_backup(backups, target):
    """From 2026-07 restoring a backup that is not `Ready` yet answers 412. Not applicable when
    the new backup is already `Ready` when first described."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        backup_id = backup["backup_id"]
        first = setup_ok(backups.describe_backup(backup_id), f"describe backup {backup_id}")
        status = first.get("status")
        if status != "Initializing":
            pytest.skip(f"{NOT_APPLICABLE_PREFIX}the new backup was {status!r} at once")
        restored = index_name(target.namespace_prefix, "early")
        try:
            resp = backups.create_index_from_backup(backup_id, name=restored)
            if resp.status == 202:
                now = setup_ok(backups.describe_backup(backup_id), "describe the backup again")
                if now.get("status") == "Ready":
                    pytest.skip(f"{NOT_APPLICABLE_PREFIX}the backup became Ready meanwhile")
            assert_cp_status(resp, 412)
        finally:
            drop_index(backups, restored)


@pytest.mark.behavior("RESTORE-CREATE-UNKNOWN-404")
def test_restore_unknown_backup(backups, target):
    """Restoring a backup that does not exist answers 404."""
    with restoring(backups, target, absent_id()) as (_, resp):
        assert_cp_status(resp, 404)


@pytest.mark.behavior("RESTORE-CREATE-CONFLICT-409")
def test_restore_onto_existing_name(backups, target):
    """Restoring under the name of an existing index answers 409."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        backup_ready(backups, backup["backup_id"])
        resp = backups.create_index_from_backup(backup["backup_id"], name=name)
        assert_cp_status(resp, 409)


@pytest.mark.behavior("RESTORE-INDEX")
def test_restored_index_ready(backups, target):
    """The restored index exists under the requested name, ready, with the backup's dimension
    and metric."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        backup_ready(backups, backup["backup_id"])
        with restoring(backups, target, backup["backup_id"]) as (restored, resp):
            setup_ok(resp, "create an index from a backup", 202)
            model = waiting.eventually(
                lambda: backups.describe_index(restored),
                lambda r: r.status == 200 and (r.json.get("status") or {}).get("ready") is True,
                f"restored index {restored} ready",
                BACKUP_TIMEOUT,
            ).json
            assert definition(model) == (DIMENSION, "cosine"), model


@pytest.mark.behavior("RESTORE-JOB-DESCRIBE")
def test_describe_restore_job(backups, target):
    """A restore job describes with its backup and target index."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        backup_ready(backups, backup["backup_id"])
        with restoring(backups, target, backup["backup_id"]) as (restored, resp):
            job = restored_job(resp)
            described = backups.describe_restore_job(job)
            assert described.status == 200, described
            body = described.json
            missing = [f for f in JOB_REQUIRED if not isinstance(body.get(f), str)]
            assert not missing, f"RestoreJobModel without {missing}: {body}"
            assert body["restore_job_id"] == job, body
            assert body["backup_id"] == backup["backup_id"], body
            assert body["target_index_name"] == restored, body


@pytest.mark.behavior("RESTORE-JOB-UNKNOWN-404")
def test_describe_unknown_restore_job(backups):
    """A restore job that does not exist describes as 404."""
    assert_cp_status(backups.describe_restore_job(absent_id()), 404)


@pytest.mark.behavior("RESTORE-JOB-LIST")
def test_list_restore_jobs(backups, target):
    """The project's restore jobs include a new one."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        backup_ready(backups, backup["backup_id"])
        with restoring(backups, target, backup["backup_id"]) as (_, resp):
            job = restored_job(resp)
            listed = all_pages(backups.list_restore_jobs, "the project's restore jobs")
            assert job in [j.get("restore_job_id") for j in listed], listed


@pytest.mark.behavior("RESTORE-JOB-COMPLETES")
def test_restore_job_completes(backups, target):
    """Once the restored index is ready, its restore job reaches `Completed` at 100 percent."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        backup_ready(backups, backup["backup_id"])
        with restoring(backups, target, backup["backup_id"]) as (restored, resp):
            job = restored_job(resp)
            data_client(backups, target, restored).close()
            done = waiting.eventually(
                lambda: backups.describe_restore_job(job),
                lambda r: r.status == 200 and r.json.get("status") == "Completed",
                f"restore job {job} Completed",
                JOB_AFTER_READY + target.consistency_timeout,
            ).json
            assert done.get("percent_complete") == 100, done


JOB_STATUSES = ("Pending", "Completed", "Failed", "Cancelled")  # OAS 2026-07 RestoreJobModel


@pytest.mark.behavior("RESTORE-JOB-STATUS")
def test_restore_job_status_model(backups, target):
    """Every description of a restore job, from its start until it is no longer `Pending`, has
    a documented status; a `Pending` one has no `percent_complete` and no `completed_at` (null)."""
    with serverless_index(backups, target, "bk") as (name, _), backup_of(backups, name) as backup:
        backup_ready(backups, backup["backup_id"])
        with restoring(backups, target, backup["backup_id"]) as (_, resp):
            job = restored_job(resp)
            seen: list[dict[str, Any]] = []

            def settled(r: WireResponse) -> bool:
                if r.status != 200 or not isinstance(r.json, dict):
                    return False
                seen.append(r.json)
                return r.json.get("status") != "Pending"

            with setting_up(f"restore job {job} leaves Pending"):
                waiting.eventually(
                    lambda: backups.describe_restore_job(job),
                    settled,
                    f"restore job {job} past Pending",
                    BACKUP_TIMEOUT,
                )
    for body in seen:
        assert body.get("status") in JOB_STATUSES, f"undocumented status: {body}"
        if body["status"] == "Pending":
            assert "percent_complete" not in body, f"a Pending job with progress: {body}"
            assert body.get("completed_at") is None, f"a Pending job completed at: {body}"


def _restored_records(
    backups: ControlPlaneClient, target: Any, backup_id: str, ids: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """Restore `backup_id` and fetch `ids` (per namespace) from the restored index once it is
    ready, waiting (the consistency timeout) for them all; {namespace: {id: record}}."""
    with restoring(backups, target, backup_id) as (restored, resp):
        restored_job(resp)
        found: dict[str, dict[str, Any]] = {}
        with data_client(backups, target, restored) as data:
            for namespace, wanted in ids.items():

                def fetched(ns: str = namespace, wanted: list[str] = wanted) -> WireResponse:
                    resp = data.fetch(wanted, namespace=ns)
                    setup_ok(resp, "fetch restored records")
                    return resp

                def complete(resp: WireResponse, wanted: list[str] = wanted) -> bool:
                    return set(records_of(resp)) >= set(wanted)

                try:
                    resp = waiting.eventually(
                        fetched,
                        complete,
                        f"restored records of {namespace!r}",
                        target.consistency_timeout,
                    )
                except AssertionError:
                    resp = fetched()
                found[namespace] = records_of(resp)
        return found


@pytest.mark.behavior("RESTORE-RECORDS-FROM-BACKUP")
def test_restored_records_are_the_backups(backups, target):
    """Records restored are as they were at the backup: a later overwrite and a later record
    of the source are not in the restored index."""
    with (
        serverless_index(backups, target, "bk", RECORDS) as (name, data),
        backup_of(backups, name) as backup,
    ):
        backup_ready(backups, backup["backup_id"])
        later = {"ns-a": [_record("a1", 0.9, kind="later"), _record("a-later", 0.5)]}
        for namespace, vectors in later.items():
            setup_ok(data.upsert(vectors, namespace=namespace), "upsert after the backup")
        wanted = {"ns-a": ["a1", "a2", "a-later"], "ns-b": ["b1"]}
        found = _restored_records(backups, target, backup["backup_id"], wanted)
    assert "a-later" not in found["ns-a"], f"a record written after the backup: {found}"
    before = {ns: {r["id"]: r for r in records} for ns, records in RECORDS.items()}
    for namespace, records in found.items():
        for vector_id, record in records.items():
            original = before[namespace][vector_id]
            assert record.get("metadata") == original["metadata"], (namespace, record)
            assert record.get("values") == pytest.approx(original["values"], rel=1e-5), record


@pytest.mark.behavior("RESTORE-RECORDS-COMPLETE")
def test_restored_records_complete(backups, target):
    """Every record the source showed at the backup is in the restored index, in its
    namespace."""
    with (
        serverless_index(backups, target, "bk", RECORDS) as (name, _),
        backup_of(backups, name) as backup,
    ):
        backup_ready(backups, backup["backup_id"])
        wanted = {ns: [r["id"] for r in records] for ns, records in RECORDS.items()}
        found = _restored_records(backups, target, backup["backup_id"], wanted)
    for namespace, ids in wanted.items():
        assert set(found[namespace]) == set(ids), f"{namespace}: {found[namespace]}"
