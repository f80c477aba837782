"""Bulk import through the official SDK's `Index` client, from a Parquet dataset on local disk.

The SDK is used unchanged: `start_import` with a `file://` URI, `describe_import` until the
import finishes, `list_imports`, `cancel_import`; the imported records are then fetched.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.sdk.sdk_support import DIMENSION

pa = pytest.importorskip("pyarrow", reason="the import extra (pyarrow) is not installed")
pq = pytest.importorskip("pyarrow.parquet")

FINISHED = ("Completed", "Failed", "Cancelled")
DEADLINE = 20.0


def unit(i: int) -> list[float]:
    values = [0.0] * DIMENSION
    values[i % DIMENSION] = 1.0
    return values


def dataset(root: Path, namespace: str, count: int) -> str:
    """`root/<namespace>/0.parquet` with records `r0..`; the directory's file:// URI."""
    (root / namespace).mkdir(parents=True)
    table = pa.table(
        {
            "id": [f"r{i}" for i in range(count)],
            "values": pa.array([unit(i) for i in range(count)], pa.list_(pa.float32())),
            "metadata": [json.dumps({"n": i}) for i in range(count)],
        }
    )
    pq.write_table(table, root / namespace / "0.parquet")
    return root.as_uri()


def needs(index: Any, *methods: str) -> None:
    missing = [name for name in methods if not hasattr(index, name)]
    if missing:
        pytest.skip(f"this SDK's Index has no {', '.join(missing)}")


def finished(index: Any, import_id: str) -> Any:
    """`describe_import` until the import finishes (bounded)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        described = index.describe_import(import_id)
        if str(described.status) in FINISHED or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def test_start_describe_list_and_fetch(dense_index: Any, namespace: str, tmp_path: Path) -> None:
    needs(dense_index, "start_import", "describe_import", "list_imports")
    uri = dataset(tmp_path, namespace, 5)
    started = dense_index.start_import(uri=uri, error_mode="continue")
    described = finished(dense_index, started.id)
    assert (described.id, described.uri, described.status) == (started.id, uri, "Completed")
    assert described.records_imported == 5
    assert described.percent_complete == 100.0
    assert started.id in [item.id for item in dense_index.list_imports()]
    fetched = dense_index.fetch(ids=["r0", "r4"], namespace=namespace).vectors
    assert set(fetched) == {"r0", "r4"}
    assert fetched["r4"].values == unit(4)
    assert fetched["r4"].metadata == {"n": 4}


def test_unreadable_uri_fails_with_an_error(dense_index: Any) -> None:
    needs(dense_index, "start_import", "describe_import")
    started = dense_index.start_import(uri="s3://no-such-bucket/none")
    described = finished(dense_index, started.id)
    assert described.status == "Failed" and "file://" in described.error


def test_cancel_of_a_finished_import(dense_index: Any, namespace: str, tmp_path: Path) -> None:
    needs(dense_index, "start_import", "describe_import", "cancel_import")
    started = dense_index.start_import(uri=dataset(tmp_path, namespace, 1))
    assert finished(dense_index, started.id).status == "Completed"
    dense_index.cancel_import(started.id)
    assert dense_index.describe_import(started.id).status == "Completed"
