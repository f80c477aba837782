"""Fuzz runs in the suite's results.json: each failure a failed test with its behaviors, steps and
reproducers, the session's figures as run facts, and the same reports (summary.md, junit.xml,
report.html), which `pinecone-conformance report` re-renders from results.json alone."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter

import pytest

from conformance import catalog as catalog_mod
from conformance import cli
from conformance.config import TargetConfig
from conformance.fuzz.command import main as fuzz_main
from conformance.fuzz.context import Failure
from conformance.fuzz.invalid_requests import CASES
from conformance.fuzz.report import (
    INVALID_BEHAVIORS,
    OP_BEHAVIORS,
    behaviors_of,
    results_document,
    write_reports,
)
from conformance.fuzz.session import SessionResult
from conformance.results import document as results
from conformance.target.indexes import IndexInfo
from tests.fuzz.conftest import REPO, mutant_command, run_results

STARTED = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
RUN_ID = "20250101T120000Z-abcd1234"
INDEX = IndexInfo("conf-cosine", "http://127.0.0.1:1", 8, "cosine", "dense")
STEPS = [
    {"method": "POST", "path": "/vectors/upsert", "json": {"vectors": []}, "slot": 0},
    {"method": "GET", "path": "/vectors/fetch", "params": [["ids", "a"]], "slot": 0},
]


def _failure(n: int = 1, signature: str = "fetch/mismatch") -> Failure:
    return Failure(
        signature,
        "fetched ids ['a', 'b'], expected ['a']",
        STEPS,
        INDEX,
        ["", "-x"],
        n=n,
        files=[f"reports/{RUN_ID}/repro-{n}.py", f"reports/{RUN_ID}/repro-{n}.sh"],
        first_example=3,
    )


def _result(failures=(), harness=(), interrupted=False) -> SessionResult:
    ops = Counter({"upsert": 40, "fetch": 30})
    return SessionResult(
        "abcd1234", 12, 70, 2.0, 5, list(failures), list(harness), interrupted, ops
    )


def _doc(result: SessionResult) -> dict:
    return results_document(
        result,
        run_id=RUN_ID,
        cfg=TargetConfig(),
        options={"duration": 3.0, "seed": 5, "examples_db": "redis://user:pw@h:6379"},
        started=STARTED,
        finished=STARTED + dt.timedelta(seconds=4),
    )


def test_a_failure_is_a_failed_test_with_its_reproducers():
    doc = _doc(_result([_failure()]))
    assert doc["schema"] == results.SCHEMA and doc["kind"] == "fuzz"
    assert doc["verdict"] == "non-conformant" and doc["exit_code"] == 1
    (test,) = doc["tests"]
    assert test["nodeid"] == "fuzz::fetch/mismatch" and test["outcome"] == "failed"
    assert test["behaviors"] == ["FUZZ-MODEL-AGREEMENT", "FETCH-BY-ID", "FETCH-UNKNOWN-IDS-OMITTED"]
    assert test["reproducers"] == {"python": "repro-1.py", "shell": "repro-1.sh"}
    assert len(test["steps"]) == 2 and test["steps"][1].startswith("GET /vectors/fetch")
    assert "pinecone-conformance replay" in test["message"] and "2. GET" in test["details"]
    assert {b["id"]: b["outcome"] for b in doc["behaviors"]}["FUZZ-MODEL-AGREEMENT"] == "failed"
    fuzz = doc["fuzz"]
    assert (fuzz["seed"], fuzz["examples"], fuzz["steps"]) == (5, 12, 70)
    assert fuzz["interrupted"] is False
    assert fuzz["steps_per_second"] == 35.0 and fuzz["duration"] == 2.0
    assert doc["duration"] == 4.0 and doc["seeds"]["hypothesis"] == 5
    assert "pw" not in doc["options"]["examples_db"]


def test_a_clean_session_passes_and_a_broken_one_is_a_harness_error():
    clean = _doc(_result())
    assert [(t["nodeid"], t["outcome"]) for t in clean["tests"]] == [("fuzz::session", "passed")]
    assert clean["verdict"] == "conformant" and clean["exit_code"] == 0
    broken = _doc(_result([_failure()], harness=["KeyError: 'x'"]))
    assert broken["verdict"] == "harness-error" and broken["exit_code"] == 4  # as the command
    outcomes = {t["nodeid"]: t["outcome"] for t in broken["tests"]}
    assert outcomes == {"fuzz::fetch/mismatch": "failed", "fuzz::session": "harness-error"}


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        ("invalid-garbage-body/5xx", ["ERRORS-VALIDATION-400", "ERRORS-MALFORMED-JSON"]),
        ("invalid-query-selectors/mismatch", ["ERRORS-VALIDATION-400"]),
        ("state/mismatch", []),
        ("stats-legacy-get/transport", ["STATS-LEGACY-GET"]),
    ],
)
def test_behaviors_of_a_signature(signature, expected):
    assert behaviors_of(signature) == ["FUZZ-MODEL-AGREEMENT", *expected]


def test_every_mapped_behavior_is_in_the_catalog():
    cat = catalog_mod.load()
    named = {b for ids in OP_BEHAVIORS.values() for b in ids} | set(INVALID_BEHAVIORS.values())
    assert named - set(cat) == set()
    assert set(INVALID_BEHAVIORS) - set(CASES) == set()


def test_reports_round_trip(tmp_path, capsys):
    """Written with the suite's writer and renderers, re-rendered by `pinecone-conformance
    report` from results.json alone."""
    written = write_reports(_doc(_result([_failure(1), _failure(2, "query/5xx")])), tmp_path)
    path = written[0]
    assert path == tmp_path / RUN_ID / "results.json"
    assert results.load(tmp_path / "latest")["run_id"] == RUN_ID
    first = {p.name: p.read_text() for p in written[1:]}
    for p in written[1:]:
        p.unlink()
    assert cli.main(["report", str(path)]) == 0
    again = {p.name: p.read_text() for p in written[1:]}
    assert set(again) == {"summary.md", "junit.xml", "report.html"}
    assert again["summary.md"] == first["summary.md"] and again["junit.xml"] == first["junit.xml"]
    assert "FUZZ-MODEL-AGREEMENT" in again["summary.md"]
    assert again["junit.xml"].count("<failure") == 2 and 'name="query/5xx"' in again["junit.xml"]
    for name in ("fuzz::fetch/mismatch", "fuzz::query/5xx", "repro-1.py", "repro-2.sh"):
        assert name in again["report.html"], name
    capsys.readouterr()


@pytest.mark.timeout(240)
def test_the_command_reports_a_failure_with_its_reproducers(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    for name in [k for k in os.environ if k.startswith("PINECONE_")]:
        monkeypatch.delenv(name)
    argv = ["--server-command", mutant_command("fetch-plus-literal"), "--seed", "1"]
    argv += ["--duration", "60s", "--shrink-time", "5s", "--max-failures", "1", "--quiet"]
    argv += ["--examples-db", "none", "--report-dir", str(tmp_path)]
    code = fuzz_main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    path = run_results(tmp_path)
    data = json.loads(path.read_text())
    failed = [t for t in data["tests"] if t["outcome"] == "failed"]
    assert failed and data["verdict"] == "non-conformant" and data["exit_code"] == 1
    for test in failed:
        assert test["nodeid"] == "fuzz::" + test["signature"]
        # the model's agreement, or the one behavior a documented detail of the reply breaks
        tagged = test["signature"].rpartition("/")[2].isupper()
        assert test["steps"] and test["behaviors"]
        assert tagged or "FUZZ-MODEL-AGREEMENT" in test["behaviors"]
        for name in test["reproducers"].values():
            assert (path.parent / name).is_file()
    html = (path.parent / "report.html").read_text()
    assert failed[0]["reproducers"]["python"] in html and "report: " in err
