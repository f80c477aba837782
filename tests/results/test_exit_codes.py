"""The documented exit codes, for plain pytest and for `pinecone-conformance run`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.reports import run_suite

PASS = '\nimport pytest\n@pytest.mark.behavior("PASS-A")\ndef test_a():\n    pass\n'
FAIL = PASS + '\n@pytest.mark.behavior("FAIL-B")\ndef test_b():\n    assert 1 == 2\n'
BROKEN = '\n@pytest.mark.behavior("HARNESS-D")\ndef test_d(broken):\n    pass\n'
FIXTURE = '\n@pytest.fixture\ndef broken():\n    raise RuntimeError("fixture broke")\n'
HARNESS = PASS + FIXTURE + BROKEN
BOTH = FAIL + FIXTURE + BROKEN


@pytest.mark.parametrize(
    ("suite", "code", "verdict"),
    [
        (PASS, 0, "conformant"),
        (FAIL, 1, "non-conformant"),
        (HARNESS, 4, "harness-error"),
        (BOTH, 1, "non-conformant"),  # a definite failure outranks a broken test
    ],
    ids=["conformant", "non-conformant", "harness-error", "failure-and-harness"],
)
def test_plain_pytest_exit_codes(tmp_path, suite, code, verdict) -> None:
    process, doc = run_suite(tmp_path, suite=suite, server=False)
    assert process.returncode == code, process.stdout + process.stderr
    assert doc["verdict"] == verdict and doc["exit_code"] == code


def test_unreachable_target_is_3_with_results(tmp_path) -> None:
    suite = PASS.replace("def test_a():", "def test_a(dense_space):")
    process, doc = run_suite(tmp_path, "--target", "http://127.0.0.1:1", suite=suite, server=False)
    assert process.returncode == 3
    assert doc["verdict"] == "target-unavailable" and doc["aborted"]["reason"] == doc["verdict"]
    assert [t["outcome"] for t in doc["tests"]] == ["target-unavailable"]


def test_usage_error_writes_no_results(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[expectation]]\nbehavior = "X"\n')
    process, doc = run_suite(tmp_path, "--expectations", str(bad), suite=PASS, server=False)
    assert process.returncode == 4 and "'reason' is required" in process.stderr  # pytest's usage
    assert doc is None


def pc(*args: str, cwd) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "conformance.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=120)


def test_cli_usage_errors_are_2(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("not toml [")
    assert pc("run", "--expectations", str(bad), cwd=tmp_path).returncode == 2
    assert pc("run", "--profile", "nope", cwd=tmp_path).returncode == 2
    assert pc("compare", "one.json", cwd=tmp_path).returncode == 2
    assert pc("report", str(tmp_path / "missing.json"), cwd=tmp_path).returncode == 2


def test_cli_run_core_profile_is_conformant(tmp_path) -> None:
    done = pc("run", "--profile", "core", "--behavior", "UPSERT-*", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads((tmp_path / "reports" / "latest" / "results.json").read_text())
    assert doc["profile"] == "core" and doc["verdict"] == "conformant"
    assert doc["behaviors"] and all(b["source"].startswith("seed:") for b in doc["behaviors"])
