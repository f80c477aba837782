"""The bench's REST/gRPC comparison: its figures are printed, and its hand-made upsert bytes are
the message the protobuf library makes (no timing is asserted)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("grpc", reason="the grpc extra is not installed")

from google.protobuf.struct_pb2 import Struct

from conformance.bench import main
from conformance.bench_transports import CATEGORIES, UpsertEncoder, compare
from pinecone_messages import db_data_2025_10_pb2 as pb

FIGURES = [
    r"^transports, side by side \(200 vectors x 16 each in batches of 100, ",
    r"^  upsert over REST: [\d,]+ vectors/s \([\d.]+ ms per batch; client CPU [\d.]+ ms, "
    r"server CPU [\d.]+ ms per batch\)",
    r"^  upsert over gRPC: [\d,]+ vectors/s \([\d.]+ ms per batch; client CPU [\d.]+ ms, "
    r"server CPU [\d.]+ ms per batch\)",
    r"^  upsert gRPC / REST throughput: [\d.]+x",
    r"^  query topK 10 over REST \(200 records\): p50 [\d.]+ ms, p99 [\d.]+ ms; server CPU",
    r"^  query topK 10 over gRPC \(200 records\): p50 [\d.]+ ms, p99 [\d.]+ ms; server CPU",
    r"^  query REST p50 / gRPC p50: [\d.]+x",
]


def test_a_tiny_run_compares_the_transports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["--records", "200", "--dimension", "16", "--queries", "5", "--fetches", "5"]
    assert main([*argv, "--save-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for figure in FIGURES:
        assert re.search(figure, out, re.MULTILINE), f"missing {figure!r} in:\n{out}"


def test_a_target_without_a_grpc_address_says_so() -> None:
    lines: list[str] = []
    compare(
        "http://127.0.0.1:9", None, "k", np.zeros((1, 2)), np.zeros((1, 2)), "n", None, lines.append
    )
    assert lines == ["transports: gRPC not measured (the target reports no gRPC address)"]


def test_the_upsert_encoder_writes_what_the_protobuf_library_writes() -> None:
    categories = []
    for category in range(CATEGORIES):
        struct = Struct()
        struct["category"] = category
        categories.append(struct.SerializeToString())
    rows = np.random.default_rng(3).standard_normal((12, 300)).astype(np.float32)
    decoded = pb.UpsertRequest.FromString(UpsertEncoder(categories).encode(rows, 140, "space"))
    assert decoded.namespace == "space"
    assert [v.id for v in decoded.vectors] == [f"id-{n}" for n in range(140, 152)]
    assert np.array([list(v.values) for v in decoded.vectors], dtype=np.float32).tobytes() == (
        rows.tobytes()
    )
    assert [v.metadata["category"] for v in decoded.vectors] == [n % 10 for n in range(140, 152)]
