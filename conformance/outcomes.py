"""The outcome vocabulary of tests and behaviors, and how a test's phases decide its outcome.

The split that matters to a vendor: `failed` means the target is non-conformant, while
`harness-error`, `cleanup-error` and `target-unavailable` mean the verdict could not be reached.
An AssertionError (or `pytest.fail`) is a statement about the target, and so is any exception a
test's own code raises while reading a response (a missing field); an exception raised inside the
suite machinery (client, Space, fixtures, launcher) is the suite breaking; a transport error is
the target going away. A test's own setup that did not work (`SetupFailed`) is a harness error
too: the behavior under test was never reached, so it must not be blamed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class ExitCode(enum.IntEnum):
    """The exit status of `pinecone-conformance run` and `fuzz`, a documented contract (README,
    "Exit codes"); plain pytest reports USAGE as its own usage-error code."""

    CONFORMANT = 0
    NON_CONFORMANT = 1
    USAGE = 2
    TARGET_UNAVAILABLE = 3
    HARNESS_ERROR = 4
    INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + the signal number, as shells report it
    TERMINATED = 143  # SIGTERM (a CI job timeout or cancel)

    @property
    def meaning(self) -> str:
        return EXIT_CODE_MEANINGS[self]


EXIT_CODE_MEANINGS = {
    ExitCode.CONFORMANT: "every selected test passed (or was not applicable)",
    ExitCode.NON_CONFORMANT: "the target failed at least one test (non-conformant), or an "
    "expectation problem under --strict",
    ExitCode.USAGE: "usage or configuration error (bad option, rejected key, wrong URL, nothing "
    "selected)",
    ExitCode.TARGET_UNAVAILABLE: "target unavailable (connection refused, timeout, 5xx on the "
    "first probe)",
    ExitCode.HARNESS_ERROR: "harness error (the suite broke: setup/cleanup errors, catalog "
    "problems, server start)",
    ExitCode.INTERRUPTED: "interrupted by SIGINT (Ctrl-C): the tests done so far are reported, "
    "the others as not run",
    ExitCode.TERMINATED: "interrupted by SIGTERM (a CI timeout or cancel): the tests done so far "
    "are reported, the others as not run",
}

PASSED = "passed"
FAILED = "failed"
NOT_APPLICABLE = "not-applicable"
EXPECTED_FAILURE = "expected-failure"
UNEXPECTED_PASS = "unexpected-pass"
HARNESS_ERROR = "harness-error"
CLEANUP_ERROR = "cleanup-error"
TARGET_UNAVAILABLE = "target-unavailable"
NOT_RUN = "not-run"  # the run was interrupted before this test finished
INTERRUPTED = "interrupted"  # the verdict (and `aborted` reason) of a run stopped by a signal

OUTCOMES = (
    PASSED,
    FAILED,
    NOT_APPLICABLE,
    EXPECTED_FAILURE,
    UNEXPECTED_PASS,
    HARNESS_ERROR,
    CLEANUP_ERROR,
    TARGET_UNAVAILABLE,
    NOT_RUN,
)
# Roll-up precedence: the first outcome present among a behavior's tests wins.
ROLLUP_ORDER = (
    TARGET_UNAVAILABLE,
    HARNESS_ERROR,
    FAILED,
    CLEANUP_ERROR,
    NOT_RUN,
    EXPECTED_FAILURE,
    UNEXPECTED_PASS,
    PASSED,
    NOT_APPLICABLE,
)
PASSING = frozenset({PASSED, UNEXPECTED_PASS})
NOT_APPLICABLE_PREFIX = "not applicable: "
TRANSPORT_ERRORS = ("TransportError", "ConnectError", "TimeoutException")  # httpx, by name


class SetupFailed(Exception):
    """A test's own preparation failed (a seed write rejected, data that does not fit the index):
    no verdict on the behavior under test could be reached, so the test is a harness error."""


def rollup(outcomes: Iterable[str]) -> str:
    """A behavior's outcome from its tests' outcomes (all `passed` for it to pass)."""
    present = set(outcomes)
    for outcome in ROLLUP_ORDER:
        if outcome in present:
            return outcome
    return NOT_APPLICABLE


def is_transport_error(exc_type: type[BaseException]) -> bool:
    """Whether an exception type is an httpx transport failure (the target went away)."""
    return any(
        cls.__name__ in TRANSPORT_ERRORS and cls.__module__.startswith("httpx")
        for cls in exc_type.__mro__
    )


def classify_failure(
    when: str, exc_type: type[BaseException] | None, *, raised_in_test_code: bool = False
) -> str:
    """The outcome of a test phase that raised `exc_type` (None: unknown, e.g. a lost worker).

    `raised_in_test_code`: the innermost suite frame of the traceback is a test module or a suite
    helper rather than the machinery (client, Space, fixtures). A test reading a response that
    lacks a field (KeyError, TypeError on None...) has found a non-conformance, not a suite bug.
    """
    if exc_type is None:
        return HARNESS_ERROR
    if is_transport_error(exc_type):
        return TARGET_UNAVAILABLE
    if when == "teardown":
        return CLEANUP_ERROR
    if issubclass(exc_type, SetupFailed):
        return HARNESS_ERROR
    # pytest.fail() raises Failed, an OutcomeException (not an Exception subclass).
    if issubclass(exc_type, AssertionError) or exc_type.__name__ == "Failed":
        return FAILED
    if raised_in_test_code and issubclass(exc_type, Exception):
        return FAILED
    return HARNESS_ERROR


def skip_reason(text: str) -> str:
    """The reason of a skip without the `not applicable: ` prefix."""
    return text[len(NOT_APPLICABLE_PREFIX) :] if text.startswith(NOT_APPLICABLE_PREFIX) else text
