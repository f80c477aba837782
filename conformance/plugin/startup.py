"""When the target is started or probed, and when it is let go.

Outside xdist workers the target is checked once before the first test, so an unreachable target
ends the run in seconds with one message; under xdist the controller probes a foreign target
before the workers start, and each worker starts its own session in the `conformance_session`
fixture. All three go through `ConformanceRun.start`, the one start path.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from conformance import outcomes as oc
from conformance.outcomes import ExitCode
from conformance.plugin.recording import finish, write_summary
from conformance.plugin.run import Stop, find_run, get_run
from conformance.target.session import StartFailure, SuiteSession

SUITE_FIXTURES = frozenset(
    {
        "target",
        "dense_space",
        "metric_space",
        "sparse_space",
        "hybrid_space",
        "default_space",
        "control_plane",
        "data_client",
        "conformance_session",
    }
)


def _uses_suite(items: list[pytest.Item]) -> bool:
    return any(SUITE_FIXTURES & set(getattr(i, "fixturenames", ())) for i in items)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under xdist the controller collects nothing: probe a foreign target here, once."""
    config = session.config
    run = get_run(config)
    if not run.controller or not config.pluginmanager.hasplugin("dsession"):
        return
    suite_run = any("conformance.suite" in a or "conformance/suite" in a for a in config.args)
    if not suite_run or run.cfg.embedded:
        return
    started = run.start()
    if isinstance(started, SuiteSession):
        started.close()
        return
    if started.code != ExitCode.USAGE:
        # pytest runs no sessionfinish after a failed sessionstart: write the reports here, so
        # that a target unavailable from the start still leaves a verdict behind.
        run.stop_reason = Stop(started.code, started.message)
        run.results = finish(session, run, int(started.code))
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if run.results is not None and reporter is not None:
            write_summary(reporter, run.results)
    run.stop(started.code, started.message)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Outside xdist workers, check the target before the first test rather than in every test."""
    run = get_run(session.config)
    if not run.controller or run.session is not None:
        return
    if session.items and _uses_suite(session.items) and not session.config.option.collectonly:
        run.session = run.start_or_stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    run = find_run(config)
    if run is not None and run.session is not None:
        suite, run.session = run.session, None
        for problem in suite.close():
            sys.stderr.write(f"conformance: cleanup failed: {problem}\n")


@pytest.fixture(scope="session")
def conformance_session(
    request: pytest.FixtureRequest, pytestconfig: pytest.Config
) -> Iterator[SuiteSession]:
    """The started SuiteSession: the embedded server or the probed target (one per xdist worker).

    At its end the temporary indexes it created are deleted; one that may be left over is a
    cleanup error of the last test (or, when the run was interrupted, a message on stderr).
    """
    run = get_run(pytestconfig)
    if run.session is None:
        started = run.start()
        if isinstance(started, StartFailure):
            unavailable = started.code == ExitCode.TARGET_UNAVAILABLE
            run.start_failure = oc.TARGET_UNAVAILABLE if unavailable else oc.HARNESS_ERROR
            pytest.fail(f"target not usable: {started.message}", pytrace=False)
        run.session = started
    suite = run.session
    yield suite
    run.session = None
    problems = suite.close()
    if problems:
        message = "cleanup failed: " + "; ".join(problems)
        if request.session.exitstatus == pytest.ExitCode.OK:
            raise AssertionError(message)  # still inside the last test's teardown
        sys.stderr.write(f"conformance: {message}\n")  # interrupted: no test to attach it to
