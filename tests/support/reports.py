"""Run a tiny suite (its own catalog) in a pytest subprocess against the stand-in server, and read
back the results.json it wrote. Shared by the report tests; each run takes about a second."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

STANDIN = Path(__file__).with_name("standin_server.py")
SAMPLE_PATH = str(Path(__file__).with_name("sample_results.json"))
API_KEY = "test-key-0123456789"
SERVER = ["--server-command", f"{sys.executable} {STANDIN}"]

CATALOG = "".join(
    f'[[behavior]]\nid = "{bid}"\narea = "{area}"\nlevel = "{level}"\nstatement = "s {bid}"\n'
    f'source = "{source}"\n\n'
    for bid, area, level, source in [
        ("PASS-A", "upsert", "MUST", "seed: Upserting"),
        ("FAIL-B", "fetch", "MUST", "seed: Fetching"),
        ("NA-C", "query", "SHOULD", "digest §1"),
        ("HARNESS-D", "list", "MUST", "digest §2"),
        ("CLEANUP-E", "delete", "MUST", "digest §3"),
        ("GONE-F", "stats", "SHOULD", "digest §4"),
        ("XPASS-G", "upsert", "MUST", "digest §5"),
    ]
)

SUITE = """
import httpx
import pytest

@pytest.fixture
def broken_cleanup():
    yield
    raise AssertionError("cleanup failed: deleteAll answered 500")

@pytest.mark.behavior("PASS-A")
def test_pass(dense_space):
    assert dense_space.upsert(dense_space.vectors.records(1)).status == 200

@pytest.mark.behavior("FAIL-B")
def test_fail(dense_space):
    response = dense_space.fetch(["nope"])
    assert response.status == 418, "fetch answered " + str(response.status)

@pytest.mark.behavior("NA-C")
def test_not_applicable():
    pytest.skip("not applicable: the target has no such thing")

@pytest.mark.behavior("HARNESS-D")
def test_harness(dense_space):
    dense_space.stats()
    dense_space.upsert([{"id": "x", "values": object()}])  # the client cannot encode it

@pytest.mark.behavior("FAIL-B")
def test_missing_field(dense_space):
    assert dense_space.fetch(["nope"]).json["no-such-field"]

@pytest.mark.behavior("CLEANUP-E")
def test_cleanup(broken_cleanup):
    pass

@pytest.mark.behavior("GONE-F")
def test_unavailable():
    httpx.get("http://127.0.0.1:1/", timeout=2)

@pytest.mark.behavior("XPASS-G")
def test_xpass():
    pass
"""


def run_suite(
    tmp_path: Path,
    *args: str,
    suite: str = SUITE,
    catalog: str = CATALOG,
    server: bool = True,
    timeout: float = 60,
) -> tuple[subprocess.CompletedProcess, dict[str, Any] | None]:
    """Run the suite in `tmp_path`; return the process and the results (None if none written)."""
    (tmp_path / "behaviors.toml").write_text(catalog)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nconformance_catalog = behaviors.toml\nconformance_suite_paths = suite\n"
    )
    (tmp_path / "suite").mkdir(exist_ok=True)
    (tmp_path / "suite" / "test_suite.py").write_text(suite)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "suite", *args]
    if server:
        command += [*SERVER, "--api-key", API_KEY]
    process = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=timeout, check=False
    )
    path = tmp_path / "reports" / "latest" / "results.json"
    return process, json.loads(path.read_text()) if path.exists() else None


def outcomes(results: dict[str, Any]) -> dict[str, str]:
    """Test function name -> outcome."""
    return {t["nodeid"].split("::")[-1]: t["outcome"] for t in results["tests"]}


def write_expectations(tmp_path: Path, text: str) -> str:
    path = tmp_path / "expectations.toml"
    path.write_text(text)
    return str(path)
