"""How a test's phases decide its outcome, and how outcomes roll up to a behavior."""

from __future__ import annotations

import httpx
import pytest
from _pytest.outcomes import Failed

from conformance import outcomes as oc
from conformance.results.document import Recorder


@pytest.mark.parametrize(
    ("when", "exc", "outcome"),
    [
        ("call", AssertionError, oc.FAILED),
        ("call", Failed, oc.FAILED),
        ("setup", AssertionError, oc.FAILED),
        ("call", KeyError, oc.HARNESS_ERROR),
        ("setup", RuntimeError, oc.HARNESS_ERROR),
        ("call", httpx.ConnectError, oc.TARGET_UNAVAILABLE),
        ("call", httpx.ReadTimeout, oc.TARGET_UNAVAILABLE),
        ("teardown", AssertionError, oc.CLEANUP_ERROR),
        ("teardown", httpx.ConnectError, oc.TARGET_UNAVAILABLE),
        ("call", None, oc.HARNESS_ERROR),
    ],
)
def test_classify_failure(when, exc, outcome) -> None:
    assert oc.classify_failure(when, exc) == outcome


def test_exceptions_raised_by_test_code_are_failures() -> None:
    """A test indexing a response that lacks a field found a non-conformance."""
    assert oc.classify_failure("call", KeyError, raised_in_test_code=True) == oc.FAILED
    assert oc.classify_failure("call", KeyError, raised_in_test_code=False) == oc.HARNESS_ERROR
    assert oc.classify_failure("call", KeyboardInterrupt, raised_in_test_code=True) == (
        oc.HARNESS_ERROR
    )


@pytest.mark.parametrize(
    ("tests", "outcome"),
    [
        (["passed", "passed"], "passed"),
        (["passed", "not-applicable"], "passed"),
        (["not-applicable"], "not-applicable"),
        (["passed", "failed"], "failed"),
        (["expected-failure", "passed"], "expected-failure"),
        (["unexpected-pass", "passed"], "unexpected-pass"),
        (["failed", "harness-error"], "harness-error"),
        (["passed", "cleanup-error"], "cleanup-error"),
        (["failed", "target-unavailable"], "target-unavailable"),
    ],
)
def test_rollup(tests, outcome) -> None:
    assert oc.rollup(tests) == outcome


def test_recorder_first_failing_phase_decides() -> None:
    rec = Recorder()
    base = {"behaviors": ["A"], "outcome": None}
    rec.add("t1", "setup", 0.1, base)
    rec.add("t1", "call", 0.2, {**base, "outcome": "failed", "message": "m"})
    rec.add("t1", "teardown", 0.1, {**base, "outcome": "cleanup-error", "message": "c"})
    rec.add("t2", "setup", 0.0, base)
    rec.add("t2", "call", 0.0, base)
    rec.add("t2", "teardown", 0.0, {**base, "outcome": "cleanup-error", "message": "c"})
    rec.add("t3", "setup", 0.0, base)  # never finished
    got = {t["nodeid"]: t for t in rec.finished()}
    assert got["t1"]["outcome"] == "failed" and got["t1"]["message"] == "m"
    assert got["t1"]["duration"] == pytest.approx(0.4)
    assert got["t2"]["outcome"] == "cleanup-error" and got["t2"]["when"] == "teardown"
    assert got["t3"]["outcome"] == "harness-error"


def test_setup_failures_are_harness_errors() -> None:
    """A test's own setup that did not work is no verdict on the behavior under test, even when
    the suite's test code raised it."""
    for in_test in (True, False):
        outcome = oc.classify_failure("call", oc.SetupFailed, raised_in_test_code=in_test)
        assert outcome == oc.HARNESS_ERROR
