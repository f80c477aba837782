"""The state of one pytest run of the suite, in one object: `ConformanceRun`.

It is created in `pytest_configure`, registered with pytest's plugin manager (its hook methods
record the run on the controller) and kept in the config's stash, where the `pinecone-conformance`
command reads the outcome back after `pytest.main` returns. Nothing about a run lives in module
globals, so several runs in one process never see each other's state.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from conformance.catalog import MARKER
from conformance.config import TargetConfig
from conformance.outcomes import ExitCode
from conformance.results.document import Recorder
from conformance.target.session import StartFailure, SuiteSession, start_session
from conformance.target.stall import StallWatch, TargetStalled

if TYPE_CHECKING:
    from conformance.results.expectations import Expectation

PLUGIN_NAME = "conformance-run"
RUN_KEY = pytest.StashKey["ConformanceRun"]()
RUN_DIR_KEY = "conformance_run_dir"  # in xdist's workerinput: the directory the run shares


@dataclass(frozen=True)
class Stop:
    """Why a run ended before its tests could give a verdict."""

    code: ExitCode
    message: str


@dataclass(frozen=True)
class Gating:
    """The reporting and gating options of a run, checked (expectations loaded)."""

    profile: str
    strict: bool
    expectations: str | None
    expectations_hash: str | None
    entries: tuple[Expectation, ...]
    reports_dir: str | None


class ConformanceRun:
    """One run: its settings, the started target, why it stopped early, and its results."""

    def __init__(self, config: pytest.Config, started: float) -> None:
        self.config = config
        self.started = started
        self.target: TargetConfig | None = None
        self.gating: Gating | None = None
        self.session: SuiteSession | None = None
        self.stop_reason: Stop | None = None
        # The outcome of the session fixture's setup when the target could not be started there.
        self.start_failure: str | None = None
        self.results: dict[str, Any] | None = None
        self.controller = not hasattr(config, "workerinput")
        self.recorder: Recorder | None = Recorder() if self.controller else None
        self._watch: StallWatch | None = None
        self._own_dir: str | None = None  # the shared run directory, when this process made it
        self.interrupt: BaseException | None = None  # what ended the run loop early, if anything

    @property
    def cfg(self) -> TargetConfig:
        """The validated target settings (set before any test is collected)."""
        assert self.target is not None, "the run's settings are resolved in pytest_configure"
        return self.target

    # -- ending early ---------------------------------------------------------------------------
    def stop(self, code: ExitCode, message: str) -> NoReturn:
        """End the run: a usage error (pytest's UsageError), or pytest.exit with `code`."""
        self.stop_reason = Stop(code, message)
        if code == ExitCode.USAGE:
            raise pytest.UsageError(message)
        pytest.exit(message, returncode=int(code))

    @property
    def exit_code(self) -> ExitCode | None:
        """The documented exit code when the run decided it (results written or stopped early)."""
        if self.stop_reason is not None and self.stop_reason.code == ExitCode.USAGE:
            return ExitCode.USAGE
        if self.results is not None:
            return ExitCode(self.results["exit_code"])
        return self.stop_reason.code if self.stop_reason is not None else None

    # -- the target -----------------------------------------------------------------------------
    def ids(self) -> tuple[str, str]:
        """(run id, worker id): the run id is shared by every xdist worker of the run."""
        workerinput = getattr(self.config, "workerinput", None)
        if workerinput:
            testrunuid = str(workerinput.get("testrunuid", uuid.uuid4().hex))
            return testrunuid[:8], workerinput["workerid"]
        return uuid.uuid4().hex[:8], "m"

    @property
    def watch(self) -> StallWatch:
        """The run's stall watch, shared by the controller and every xdist worker."""
        if self._watch is None:
            workerinput = getattr(self.config, "workerinput", None) or {}
            directory = workerinput.get(RUN_DIR_KEY)
            if directory is None:
                directory = self._own_dir = tempfile.mkdtemp(prefix="conformance-run-")
            self._watch = StallWatch(directory, self.cfg.stall_after)
        return self._watch

    def stalled_message(self) -> str | None:
        """Why the run declared the target stalled, or None when it did not (or never watched)."""
        return None if self._watch is None else self._watch.message()

    def start(self) -> SuiteSession | StartFailure:
        """Start the embedded server or probe the target (one start path for every caller)."""
        run_id, worker = self.ids()
        return start_session(self.cfg, run_id, worker, self.watch)

    def start_or_stop(self) -> SuiteSession:
        """The started session, or the run ends with the failure's exit code and message."""
        started = self.start()
        if isinstance(started, StartFailure):
            self.stop(started.code, started.message)
        return started

    # -- a stalled target, -x and --maxfail (hooks of the registered run object) -----------------
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """xdist: each worker counts failures in the run directory the controller made."""
        if self.target is not None:
            node.workerinput[RUN_DIR_KEY] = str(self.watch.directory)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Once the target is declared stalled, a suite test not yet started never contacts it:
        it ends at once as target-unavailable (TargetStalled is a transport error)."""
        if self.target is None or item.get_closest_marker(MARKER) is None:
            return
        message = self.watch.message()
        if message is not None:
            raise TargetStalled(message)

    @pytest.hookimpl(wrapper=True, trylast=True)  # innermost: the record sees the short text
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A test skipped for a stalled target shows one line, not a traceback each."""
        report = yield
        excinfo = call.excinfo
        if report.when == "setup" and excinfo is not None and excinfo.type is TargetStalled:
            report.longrepr = f"target-unavailable (not run): {excinfo.value}"
        return report

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.interrupt = excinfo.value

    def stopped_by_maxfail(self) -> bool:
        """Whether xdist ended the run for -x/--maxfail: it raises its `Interrupted`, a
        KeyboardInterrupt, as it does for Ctrl-C, but failures reaching the limit are a verdict."""
        exc = self.interrupt
        if exc is None or type(exc).__module__ != "xdist.dsession":
            return False
        dsession = self.config.pluginmanager.getplugin("dsession")
        maxfail = int(self.config.getoption("maxfail", 0) or 0)
        failures = int(getattr(dsession, "countfailures", 0))
        return 0 < maxfail <= failures and "keyboard-interrupt" not in str(exc)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)

    # -- recording (hooks of the registered run object) -----------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """On the controller (or without xdist): collect every suite test's phases."""
        data = getattr(report, "conformance", None)
        if data is not None and self.recorder is not None:
            self.recorder.add(report.nodeid, report.when, report.duration, data)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Iterator[None]:
        """Write results.json and its reports once, and make the exit status the documented one."""
        if self.recorder is not None:
            from conformance.plugin.recording import finish

            status = int(exitstatus)
            if status == pytest.ExitCode.INTERRUPTED and self.stopped_by_maxfail():
                status = pytest.ExitCode.TESTS_FAILED
            doc = finish(session, self, status)
            if doc is not None:
                self.results = doc
                session.exitstatus = doc["exit_code"]
        yield

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The verdict in one line, what the expectations found, and where the reports are."""
        if self.results is not None and self.controller:
            from conformance.plugin.recording import write_summary

            write_summary(terminalreporter, self.results)
            stalled = self.stalled_message()
            if stalled is not None:
                terminalreporter.write_line(stalled)


def get_run(config: pytest.Config) -> ConformanceRun:
    """The run of `config` (created in pytest_configure)."""
    return config.stash[RUN_KEY]


def find_run(config: pytest.Config | None) -> ConformanceRun | None:
    """The run of `config`, or None when the plugin never configured one (a usage error)."""
    return None if config is None else config.stash.get(RUN_KEY, None)
