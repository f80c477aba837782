"""`pinecone-conformance fuzz --transport grpc`: the state machine over the gRPC transport agrees
with the model against the reference server, and its results say which wire form it spoke."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.suite_runner import clean_env

pytest.importorskip("grpc")
pytestmark = pytest.mark.timeout(180)


def test_fuzz_over_grpc_against_the_reference_finds_nothing(tmp_path: Path) -> None:
    command = [
        *(sys.executable, "-m", "conformance.fuzz", "--transport", "grpc"),
        *("--duration", "60s", "--examples", "30", "--seed", "11", "--examples-db", "none"),
        *("--quiet", "--reports-dir", str(tmp_path)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=clean_env(), timeout=150)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "latest" / "results.json").read_text(encoding="utf-8"))
    assert results["options"]["transport"] == "grpc"
    assert results["verdict"] == "conformant", done.stderr[-3000:]
