"""The expectations lifecycle: parse, match, expiry, unmatched, unexpected pass, strict."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from conformance.results import document as results
from conformance.results import expectations as ex
from tests.support.reports import SAMPLE_PATH, run_suite, write_expectations

TODAY = dt.date(2025, 6, 1)
CATALOG_IDS = {"A", "B", "C"}


def _tests() -> list[dict]:
    return [
        {"nodeid": "s.py::test_a[1]", "behaviors": ["A"], "outcome": "failed"},
        {"nodeid": "s.py::test_a[2]", "behaviors": ["A"], "outcome": "passed"},
        {"nodeid": "s.py::test_b", "behaviors": ["B"], "outcome": "passed"},
        {"nodeid": "s.py::test_c", "behaviors": ["C"], "outcome": "not-applicable"},
    ]


def _apply(text: str, tests: list[dict], **kw) -> list[dict]:
    return ex.apply(ex.parse(text), tests, CATALOG_IDS, TODAY, **kw)


def test_behavior_entry_turns_failures_into_expected_failures() -> None:
    tests = _tests()
    rows = _apply('[[expectation]]\nbehavior = "a"\nreason = "known"\n', tests)
    assert rows[0]["status"] == "matched" and rows[0]["tests"] == ["s.py::test_a[1]"]
    assert [t["outcome"] for t in tests[:2]] == ["expected-failure", "passed"]
    assert tests[0]["expectation"]["reason"] == "known"


def test_test_entry_covers_every_parametrization() -> None:
    tests = _tests()
    rows = _apply('[[expectation]]\ntest = "s.py::test_a"\nreason = "r"\n', tests)
    assert rows[0]["status"] == "matched"
    assert tests[1]["outcome"] == "passed"  # a partial failure is still covered, not a surprise


def test_unexpected_pass() -> None:
    tests = _tests()
    rows = _apply('[[expectation]]\nbehavior = "B"\nreason = "r"\n', tests)
    assert rows[0]["status"] == "unexpected-pass" and tests[2]["outcome"] == "unexpected-pass"


def test_expired_entry_no_longer_applies() -> None:
    tests = _tests()
    rows = _apply('[[expectation]]\nbehavior = "A"\nreason = "r"\nexpires = 2025-05-31\n', tests)
    assert rows[0]["status"] == "expired" and tests[0]["outcome"] == "failed"
    tests = _tests()
    rows = _apply('[[expectation]]\nbehavior = "A"\nreason = "r"\nexpires = "2025-06-01"\n', tests)
    assert rows[0]["status"] == "matched"  # valid through its expiry day


@pytest.mark.parametrize(
    ("entry", "full", "status"),
    [
        ('behavior = "NOPE"', True, "unmatched"),
        ('test = "s.py::test_gone"', True, "unmatched"),
        ('test = "s.py::test_gone"', False, "not-run"),
        ('behavior = "C"', True, "not-run"),
    ],
)
def test_entries_matching_nothing(entry, full, status) -> None:
    rows = _apply(f'[[expectation]]\n{entry}\nreason = "r"\n', _tests(), full_selection=full)
    assert rows[0]["status"] == status


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[expectation]]\nreason = "r"\n', "exactly one of"),
        ('[[expectation]]\nbehavior = "A"\ntest = "t"\nreason = "r"\n', "exactly one of"),
        ('[[expectation]]\nbehavior = "A"\n', "'reason' is required"),
        ('[[expectation]]\nbehavior = "A"\nreason = "r"\nexpires = "soon"\n', "expires must be"),
        ('[[expectation]]\nbehavior = "A"\nreason = "r"\nowner = "x"\n', "unknown keys"),
        ("[[expectation]\n", "not valid TOML"),
    ],
)
def test_malformed_files_are_rejected(text, message) -> None:
    with pytest.raises(ex.ExpectationsError, match=message):
        ex.parse(text)


def test_baseline_round_trips() -> None:
    doc = results.load(SAMPLE_PATH)
    text = ex.baseline(doc, dt.date(2030, 1, 1))
    entries = ex.parse(text)
    failing = {b["id"] for b in doc["behaviors"] if b["outcome"] in ("failed", "expected-failure")}
    assert {e.behavior for e in entries} == failing
    assert all(e.expires == dt.date(2030, 1, 1) and e.reason for e in entries)
    known = next(e for e in entries if e.behavior == "UPSERT-MAX-VECTORS")
    assert known.reason == "batch limit not enforced yet" and known.link


def test_baseline_command(tmp_path) -> None:
    command = [sys.executable, "-m", "conformance.cli", "baseline"]
    done = subprocess.run(
        [*command, SAMPLE_PATH, "--days", "30"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and ex.parse(done.stdout)
    bad = subprocess.run([*command, str(tmp_path / "none.json")], capture_output=True, text=True)
    assert bad.returncode == 2 and "no such results file" in bad.stderr


PASSING_SUITE = """
import pytest

@pytest.mark.behavior("PASS-A")
def test_pass():
    pass

@pytest.mark.behavior("FAIL-B")
def test_fail():
    assert False, "known gap"
"""
LIFECYCLE = """
[[expectation]]
behavior = "FAIL-B"
reason = "known gap"

[[expectation]]
behavior = "PASS-A"
reason = "stale: it passes now"
"""


@pytest.mark.parametrize(("strict", "code"), [(False, 0), (True, 1)], ids=["lenient", "strict"])
def test_strict_fails_the_run_on_problems(tmp_path, strict, code) -> None:
    path = write_expectations(tmp_path, LIFECYCLE)
    args = ["--expectations", path, *(["--strict-expectations"] if strict else [])]
    process, doc = run_suite(tmp_path, *args, suite=PASSING_SUITE, server=False)
    assert process.returncode == code, process.stdout + process.stderr
    assert doc["exit_code"] == code and doc["strict"] is strict
    assert "expectation PASS-A: unexpected-pass" in process.stdout
    assert {t["outcome"] for t in doc["tests"]} == {"expected-failure", "unexpected-pass"}
