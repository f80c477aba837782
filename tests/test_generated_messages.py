"""The committed gRPC modules of `pinecone_messages/` are exactly what `tools/generate_messages.py`
makes of the `.proto` with the grpcio-tools the generated files name, and the `.proto` keeps the
published wire form (field numbers, the package-less `VectorService`)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pinecone_messages"
sys.path.insert(0, str(ROOT / "tools"))

import generate_messages  # noqa: E402


def _generated_with() -> str:
    """The grpcio-tools version the committed service module was generated with."""
    text = next(PACKAGE.glob("*_pb2_grpc.py")).read_text(encoding="utf-8")
    found = re.search(r"GRPC_GENERATED_VERSION = '([^']+)'", text)
    assert found, "the committed service module names no generator version"
    return found.group(1)


def test_committed_modules_match_a_fresh_generation(tmp_path: Path) -> None:
    if importlib.util.find_spec("grpc_tools") is None:
        pytest.skip("grpcio-tools is not installed (the test extra): nothing to regenerate with")
    installed = importlib.metadata.version("grpcio-tools")
    if installed != _generated_with():
        made_with = _generated_with()
        pytest.skip(f"grpcio-tools {installed} here, the committed files come from {made_with}")
    generate_messages.generate(tmp_path)
    fresh = sorted(p.name for p in (tmp_path / "pinecone_messages").iterdir())
    committed = sorted(p.name for p in PACKAGE.glob("*_pb2*"))
    assert fresh == committed
    for name in fresh:
        expected = (tmp_path / "pinecone_messages" / name).read_bytes()
        stale = f"{name} is stale: run tools/generate_messages.py"
        assert (PACKAGE / name).read_bytes() == expected, stale


def test_service_and_field_numbers_are_the_published_ones() -> None:
    pinecone_messages = pytest.importorskip("pinecone_messages")
    if pinecone_messages.missing_reason():
        pytest.skip(pinecone_messages.missing_reason())
    messages, _ = pinecone_messages.load()
    service = messages.DESCRIPTOR.services_by_name["VectorService"]
    assert service.full_name == "VectorService"
    assert sorted(m.name for m in service.methods) == sorted(
        [
            "Upsert", "Delete", "Fetch", "List", "Query", "Update", "DescribeIndexStats",
            "ListNamespaces", "DescribeNamespace", "DeleteNamespace", "CreateNamespace",
            "FetchByMetadata",
        ]
    )  # fmt: skip
    query = messages.QueryRequest.DESCRIPTOR.fields_by_name
    assert {name: query[name].number for name in ("top_k", "vector", "sparse_vector", "id")} == {
        "top_k": 2,
        "vector": 7,
        "sparse_vector": 9,
        "id": 8,
    }
    assert messages.Vector.DESCRIPTOR.fields_by_name["sparse_values"].number == 4
