"""results.json of a real run: every outcome class, the roll-up, run facts, transcripts without
the key, the `latest` pointer and the round trip through `pinecone-conformance report`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance.results import document as results
from tests.support.reports import API_KEY, SAMPLE_PATH, outcomes, run_suite, write_expectations

EXPECTATIONS = """
[[expectation]]
behavior = "FAIL-B"
reason = "fetch of a missing id answers 200"
link = "https://example.com/issues/1"
expires = 2999-12-31

[[expectation]]
test = "suite/test_suite.py::test_xpass"
reason = "was broken once"
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    path = write_expectations(tmp, EXPECTATIONS)
    process, doc = run_suite(tmp, "--expectations", path)
    assert doc is not None, process.stdout + process.stderr
    return tmp, process, doc


def test_every_outcome_class(run) -> None:
    _, _, doc = run
    assert outcomes(doc) == {
        "test_pass": "passed",
        "test_fail": "expected-failure",
        "test_missing_field": "expected-failure",
        "test_not_applicable": "not-applicable",
        "test_harness": "harness-error",
        "test_cleanup": "cleanup-error",
        "test_unavailable": "target-unavailable",
        "test_xpass": "unexpected-pass",
    }
    assert set(doc["counts"]) == set(results.oc.OUTCOMES)


def test_behavior_rollup_and_verdict(run) -> None:
    _, process, doc = run
    rolled = {b["id"]: b["outcome"] for b in doc["behaviors"]}
    assert rolled["PASS-A"] == "passed" and rolled["FAIL-B"] == "expected-failure"
    assert doc["verdict"] == "target-unavailable" and doc["exit_code"] == 3
    assert process.returncode == 3


def test_failure_detail_and_no_key(run) -> None:
    tmp, process, doc = run
    tests = {t["nodeid"].split("::")[-1]: t for t in doc["tests"]}
    failed = tests["test_fail"]
    assert "fetch answered 200" in failed["message"] and failed["when"] == "call"
    assert failed["expectation"]["link"] == "https://example.com/issues/1"
    assert any(e["url"].endswith("ids=nope&namespace=" + e["url"].rsplit("=", 1)[-1])
               for e in failed["transcript"])  # fmt: skip
    assert failed["transcript"][-1]["request_headers"]["Api-Key"] == "***"
    assert tests["test_missing_field"]["message"].startswith("KeyError: 'no-such-field'")
    assert tests["test_harness"]["message"].startswith("TypeError")
    assert tests["test_not_applicable"]["reason"] == "the target has no such thing"
    assert tests["test_cleanup"]["when"] == "teardown"
    assert "transcript" not in tests["test_pass"]
    for path in (tmp / "reports").rglob("*"):
        if path.is_file():
            assert API_KEY not in path.read_text(), path
    assert API_KEY not in process.stdout + process.stderr


def test_run_facts(run) -> None:
    _, _, doc = run
    assert doc["schema"] == results.SCHEMA
    assert doc["catalog_hash"].startswith("sha256:")
    assert doc["expectations_hash"].startswith("sha256:")
    assert doc["profile"] == "full" and doc["api_version"] and doc["target"]["embedded"]
    assert doc["started_at"] <= doc["finished_at"]
    assert "api_key" not in doc["options"] and doc["options"]["workers"] == 0
    statuses = {e.get("behavior") or e.get("test"): e["status"] for e in doc["expectations"]}
    assert statuses == {"FAIL-B": "matched", "suite/test_suite.py::test_xpass": "unexpected-pass"}


def test_round_trip_through_report(run, tmp_path) -> None:
    tmp, _, doc = run
    folder = (tmp / "reports" / "latest").resolve()
    assert folder.name == doc["run_id"]
    assert results.load(tmp / "reports" / "latest") == doc
    command = [sys.executable, "-m", "conformance.cli", "report", str(folder / "results.json")]
    done = subprocess.run([*command, "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in ("summary.md", "junit.xml"):
        assert (tmp_path / name).read_text() == (folder / name).read_text()
    assert json.loads((folder / "results.json").read_text()) == doc


def test_latest_pointer_file_fallback(tmp_path) -> None:
    doc = results.load(SAMPLE_PATH)
    (tmp_path / "latest").mkdir()  # a hand-made directory is left alone
    path = results.write(doc, tmp_path / "r")
    assert results.load(tmp_path / "r" / "latest") == doc and path.exists()
    (tmp_path / "r" / "latest").unlink()
    (tmp_path / "r" / "latest").write_text(doc["run_id"] + "\n")
    assert results.load(tmp_path / "r" / "latest") == doc


def test_sample_is_consistent_with_the_rollup() -> None:
    doc = results.load(SAMPLE_PATH)
    assert {t["outcome"] for t in doc["tests"]} == set(results.oc.OUTCOMES)
    rebuilt = results.assemble(
        {k: doc[k] for k in ("run_id", "strict")},
        [dict(t) for t in doc["tests"]],
        doc["behaviors"],
        doc["expectations"],
    )
    assert rebuilt["behaviors"] == doc["behaviors"] and rebuilt["scores"] == doc["scores"]
    assert rebuilt["verdict"] == doc["verdict"]


def test_xdist_writes_once(tmp_path) -> None:
    process, doc = run_suite(tmp_path, "-n", "2")
    assert doc is not None, process.stdout + process.stderr
    assert len(doc["tests"]) == 8 and doc["options"]["workers"] == 2
    assert len([p for p in (tmp_path / "reports").iterdir() if p.name != "latest"]) == 1
    assert outcomes(doc)["test_harness"] == "harness-error"
