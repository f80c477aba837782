"""Where the suite writes bulk import datasets, and the Parquet files it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.config import TargetConfig
from conformance.target import datasets
from conformance.target.datasets import DatasetUnavailable, dataset_root, write_dataset

pq = pytest.importorskip("pyarrow.parquet")
FOREIGN = "http://127.0.0.1:9"


def test_embedded_server_gets_a_temporary_directory(tmp_path: Path) -> None:
    assert dataset_root(TargetConfig(), lambda: tmp_path) == tmp_path


def test_import_uri_names_the_directory(tmp_path: Path) -> None:
    config = TargetConfig(target=FOREIGN, import_uri=tmp_path.as_uri())
    assert dataset_root(config, lambda: Path("/unused")) == tmp_path


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        (TargetConfig(target=FOREIGN), "no --import-uri"),
        (TargetConfig(target=FOREIGN, import_uri="s3://bucket/dir"), "not a local file://"),
        (TargetConfig(target=FOREIGN, import_uri="file:///no/such/dir"), "not a directory"),
    ],
)
def test_no_place_for_datasets_says_why(config: TargetConfig, reason: str) -> None:
    with pytest.raises(DatasetUnavailable, match=reason):
        dataset_root(config, lambda: Path("/unused"))


def test_missing_pyarrow_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise DatasetUnavailable(datasets.MISSING_WRITER)

    monkeypatch.setattr(datasets, "_pyarrow", missing)
    with pytest.raises(DatasetUnavailable, match=r"pinecone-conformance\[import\]"):
        dataset_root(TargetConfig(), lambda: Path("/unused"))


def test_dataset_has_one_directory_per_namespace(tmp_path: Path) -> None:
    records = [
        {"id": "a", "values": [1.0, 2.0], "metadata": {"k": "v"}},
        {"id": "b", "values": [3.0, 4.0]},
    ]
    uri = write_dataset(tmp_path, {"ns1": records, "ns2": records[:1]})
    directory = Path(uri.removeprefix("file://"))
    assert sorted(p.name for p in directory.iterdir()) == ["ns1", "ns2"]
    rows = pq.read_table(directory / "ns1" / "0.parquet").to_pylist()
    assert [(r["id"], r["values"]) for r in rows] == [("a", [1.0, 2.0]), ("b", [3.0, 4.0])]
    assert json.loads(rows[0]["metadata"]) == {"k": "v"} and rows[1]["metadata"] is None
