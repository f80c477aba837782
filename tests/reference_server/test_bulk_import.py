"""The bulk import API of the reference server: validation, the job lifecycle, Parquet reading."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from reference_server import parquet_source

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:  # the `import` extra is not installed: only the dataset tests skip
    pa = pq = None

needs_pyarrow = pytest.mark.skipif(pa is None, reason="the import extra (pyarrow) is not installed")

DataClient = Any
MakeClient = Any


def write_dataset(root: Path, namespaces: dict[str, list[dict[str, Any]]]) -> str:
    """`root/<namespace>/0.parquet` per namespace; returns the file:// URI of `root`."""
    for name, rows in namespaces.items():
        (root / name).mkdir(parents=True)
        columns: dict[str, list[Any]] = {
            "id": [row["id"] for row in rows],
            "values": [row.get("values") for row in rows],
            "metadata": [
                json.dumps(row["metadata"]) if "metadata" in row else None for row in rows
            ],
        }
        if any("sparse_values" in row for row in rows):
            columns["sparse_values"] = [row.get("sparse_values") for row in rows]
        pq.write_table(pa.table(columns), root / name / "0.parquet")
        (root / name / "notes.log").write_text("ignored")
    return root.as_uri()


def wait_finished(client: DataClient, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = client.get(f"/bulk/imports/{job_id}").json()
        if body["status"] in ("Completed", "Failed", "Cancelled"):
            return body
        time.sleep(0.02)
    raise AssertionError(f"import {job_id} did not finish: {body}")


def start(client: DataClient, uri: str, **extra: Any) -> str:
    response = client.post("/bulk/imports", json={"uri": uri, **extra})
    assert response.status_code == 200, response.text
    return response.json()["id"]


@needs_pyarrow
def test_import_writes_each_namespace(dense: DataClient, tmp_path: Path) -> None:
    uri = write_dataset(
        tmp_path,
        {
            "a": [
                {"id": "1", "values": [1.0, 0, 0, 0], "metadata": {"g": "x"}},
                {"id": "2", "values": [0, 1.0, 0, 0]},
            ],
            "__default__": [{"id": "3", "values": [0, 0, 1.0, 0]}],
        },
    )
    body = wait_finished(dense, start(dense, uri))
    assert body["status"] == "Completed" and body["recordsImported"] == 3
    assert body["percentComplete"] == 100.0 and body["uri"] == uri
    assert "finishedAt" in body and "createdAt" in body and "error" not in body
    assert dense.fetch(["1", "2"], "a") == {
        "1": {"id": "1", "values": [1, 0, 0, 0], "metadata": {"g": "x"}},
        "2": {"id": "2", "values": [0, 1, 0, 0]},
    }
    assert set(dense.fetch(["3"], "")) == {"3"}


@needs_pyarrow
def test_existing_namespace_fails_the_import(dense: DataClient, tmp_path: Path) -> None:
    dense.upsert([{"id": "x", "values": [1, 1, 1, 1]}], namespace="a")
    uri = write_dataset(tmp_path, {"a": [{"id": "1", "values": [1.0, 0, 0, 0]}]})
    body = wait_finished(dense, start(dense, uri))
    assert body["status"] == "Failed" and "already exists" in body["error"]


@needs_pyarrow
@pytest.mark.parametrize(
    ("mode", "status", "imported"), [("abort", "Failed", 0), ("continue", "Completed", 1)]
)
def test_invalid_record_by_error_mode(
    dense: DataClient, tmp_path: Path, mode: str, status: str, imported: int
) -> None:
    rows = [{"id": "ok", "values": [1.0, 0, 0, 0]}, {"id": "bad", "values": [1.0, 2.0]}]
    uri = write_dataset(tmp_path, {"a": rows})
    body = wait_finished(dense, start(dense, uri, errorMode={"onError": mode}))
    assert (body["status"], body["recordsImported"]) == (status, imported)
    assert set(dense.fetch(["ok", "bad"], "a")) == ({"ok"} if imported else set())


@needs_pyarrow
def test_sparse_index_reads_sparse_values(sparse: DataClient, tmp_path: Path) -> None:
    rows = [{"id": "s", "sparse_values": {"indices": [3, 7], "values": [0.5, 1.5]}}]
    uri = write_dataset(tmp_path, {"a": rows})
    assert wait_finished(sparse, start(sparse, uri))["status"] == "Completed"
    got = sparse.fetch(["s"], "a")["s"]["sparseValues"]
    assert got == {"indices": [3, 7], "values": [0.5, 1.5]}


@pytest.mark.parametrize(
    "uri", ["s3://bucket/dir", "gs://bucket/dir", "https://acct.blob.core.windows.net/c/d"]
)
def test_other_schemes_fail_the_import(dense: DataClient, uri: str) -> None:
    body = wait_finished(dense, start(dense, uri))
    assert body["status"] == "Failed" and "file://" in body["error"]


def test_missing_directory_fails(dense: DataClient, tmp_path: Path) -> None:
    body = wait_finished(dense, start(dense, (tmp_path / "nothing").as_uri()))
    assert body["status"] == "Failed"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"uri": ""},
        {"uri": 3},
        {"uri": "x" * 1501},
        {"uri": "file:///x", "errorMode": {"onError": "skip"}},
        {"uri": "file:///x", "errorMode": "abort"},
        {"uri": "file:///x", "integrationId": 5},
    ],
)
def test_start_validation(dense: DataClient, body: dict[str, Any]) -> None:
    dense.assert_error(dense.post("/bulk/imports", json=body), 400)


def test_list_paginates_and_cancel_of_finished_is_noop(dense: DataClient) -> None:
    ids = [start(dense, "s3://b/d") for _ in range(3)]
    for job_id in ids:
        wait_finished(dense, job_id)
    first = dense.get("/bulk/imports?limit=2").json()
    assert [job["id"] for job in first["data"]] == ids[:2]
    token = first["pagination"]["next"]
    second = dense.get(f"/bulk/imports?limit=2&paginationToken={token}").json()
    assert [job["id"] for job in second["data"]] == ids[2:] and "pagination" not in second
    response = dense.delete(f"/bulk/imports/{ids[0]}")
    assert (response.status_code, response.json()) == (200, {})
    assert dense.get(f"/bulk/imports/{ids[0]}").json()["status"] == "Failed"
    for limit in ("0", "101", "x"):
        dense.assert_error(dense.get(f"/bulk/imports?limit={limit}"), 400)


def test_unknown_id_is_404(dense: DataClient) -> None:
    dense.assert_error(dense.get("/bulk/imports/999"), 404)
    dense.assert_error(dense.delete("/bulk/imports/999"), 404)


def test_routes_start_at_2024_10(make_client: MakeClient) -> None:
    old = make_client(version="2024-07")
    old.assert_error(old.get("/bulk/imports"), 404)
    assert make_client(version="2024-10").get("/bulk/imports").json() == {"data": []}


def test_without_pyarrow_the_import_fails_saying_how_to_install(
    dense: DataClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise parquet_source.SourceError(parquet_source.MISSING_READER)

    monkeypatch.setattr(parquet_source, "_pyarrow_parquet", missing)
    (tmp_path / "ns").mkdir()
    (tmp_path / "ns" / "0.parquet").write_bytes(b"PAR1")
    body = wait_finished(dense, start(dense, tmp_path.as_uri()))
    assert body["status"] == "Failed" and "pinecone-conformance[import]" in body["error"]
