"""Interrupted runs still report: SIGINT and SIGTERM stop the run between tests, and the run then
writes results.json and its reports with the verdict `interrupted`.

Left alone, pytest turns SIGINT into a KeyboardInterrupt wherever the main thread happens to be,
and SIGTERM (what a CI job timeout sends) kills the process outright: either way nothing is
recorded and the test in progress leaves its namespace on the target. Here the first signal asks
the run to stop after the test in progress (`shouldstop`, which pytest and every xdist worker check
between tests, and the xdist controller between events), so that test's teardown cleans up and is
reported. A second signal, or the grace period running out, interrupts at once.
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import threading
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from conformance.outcomes import ExitCode
from conformance.plugin.fixtures import live_spaces
from conformance.plugin.selection import BEHAVIORS_KEY, suite_dirs
from conformance.target.leftovers import Deleter

INTERRUPT_KEY = pytest.StashKey["Interruption"]()
# The suite tests of the run (node id, behavior ids), for the xdist controller, which collects
# none itself: a worker sends them when it stops, so the tests never started can be listed.
PLANNED_KEY = pytest.StashKey[list[tuple[str, list[str]]]]()
COLLECTED_KEY = pytest.StashKey[list[tuple[str, list[str]]]]()  # node ids alone, the fallback
WORKER_OUTPUT = "conformance_planned"
# What the cleanup of a run stopped at once could not remove (it has no test report to ride on).
STOPPED_LEFTOVERS_KEY = pytest.StashKey[list[dict[str, Any]]]()
WORKER_LEFTOVERS = "conformance_leftovers"
STOP_CLEANUP_DEADLINE = 5.0  # seconds of retries for each Space cleaned up after a hard stop
PLUGIN_NAME = "conformance-signals"
GRACE = 5.0  # seconds the tests in progress get to finish before the run stops at once
PREFIX = "interrupted by "  # of the stop reason, which crosses from xdist workers to the controller
CODES = {"SIGINT": ExitCode.INTERRUPTED, "SIGTERM": ExitCode.TERMINATED}


@dataclass(frozen=True)
class Interruption:
    """The signal that stopped the run, and the documented exit code it gives."""

    signal: str

    @property
    def code(self) -> ExitCode:
        return CODES.get(self.signal, ExitCode.INTERRUPTED)


def interruption(config: pytest.Config) -> Interruption | None:
    """Why the run was interrupted, or None when it was not."""
    return config.stash.get(INTERRUPT_KEY, None)


def planned(session: pytest.Session) -> list[tuple[str, list[str]]]:
    """Every suite test of the run, with its behavior ids (from the workers under xdist)."""
    mine = [
        (item.nodeid, [b.id for b in item.stash[BEHAVIORS_KEY]])
        for item in session.items
        if item.stash.get(BEHAVIORS_KEY, None)
    ]
    stash = session.config.stash
    return mine or stash.get(PLANNED_KEY, []) or stash.get(COLLECTED_KEY, [])


def stopped_leftovers(config: pytest.Config) -> list[dict[str, Any]]:
    """Leftovers of the Spaces a hard-stopped run cleaned up itself (workers' included)."""
    return config.stash.get(STOPPED_LEFTOVERS_KEY, [])


def _clean_live(config: pytest.Config) -> None:
    """Clean up the Spaces whose tests the signal cut short, before results.json is written (the
    fixtures' own teardown would come after it); their leftovers are recorded."""
    found = list(stopped_leftovers(config))
    for nodeid, space in list(live_spaces(config).values()):
        with contextlib.suppress(AssertionError):  # the leftovers say what failed
            space.cleanup(Deleter(deadline=STOP_CLEANUP_DEADLINE))
        found += [{**x, "test": nodeid} for x in space.leftovers]
    config.stash[STOPPED_LEFTOVERS_KEY] = found


def suite_run(session: pytest.Session) -> bool:
    """Whether the run is one of suite tests (also when a signal came before any was known)."""
    if planned(session):
        return True
    dirs = [d.resolve() for d in suite_dirs(session.config)]
    for arg in session.config.args:
        if "conformance.suite" in arg:
            return True
        path = Path(session.config.invocation_params.dir, arg.split("::")[0]).resolve()
        if any(path.is_relative_to(d) for d in dirs):
            return True
    return False


class SignalStop:
    """The SIGINT and SIGTERM handlers of one run (main thread only), restored at unconfigure."""

    def __init__(self, config: pytest.Config, grace: float = GRACE) -> None:
        self.config = config
        self.grace = grace
        self.session: pytest.Session | None = None
        self.previous: dict[int, Any] = {}
        self.timer: threading.Timer | None = None

    def install(self) -> None:
        if self.previous or threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.previous[sig] = signal.signal(sig, self.handle)

    def restore(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        for sig, old in self.previous.items():
            signal.signal(sig, old)
        self.previous.clear()

    def handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if INTERRUPT_KEY in self.config.stash or self.session is None:
            self.config.stash.setdefault(INTERRUPT_KEY, Interruption(name))
            raise KeyboardInterrupt  # a second signal, or no test loop to stop yet: at once
        self.config.stash[INTERRUPT_KEY] = Interruption(name)
        reason = PREFIX + name
        self.session.shouldstop = reason
        dsession = self.config.pluginmanager.getplugin("dsession")
        if dsession is not None:  # the xdist controller keeps its own flag
            dsession.shouldstop = reason
        self.timer = threading.Timer(self.grace, _thread.interrupt_main)
        self.timer.daemon = True
        self.timer.start()

    # -- hooks ----------------------------------------------------------------------------------
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """The xdist controller collects nothing: it stops the run for its workers."""
        self.session = session
        if self.config.pluginmanager.getplugin("dsession") is not None:
            self.install()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Only a run of suite tests changes what a signal does (the plugin is loaded in every
        pytest run of the environment); an xdist worker listens from its start."""
        if any(BEHAVIORS_KEY in item.stash for item in session.items):
            self.install()
        elif self.previous and hasattr(self.config, "workerinput"):
            self.restore()

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """On the xdist controller: a worker stopped because it got the signal."""
        text = str(excinfo.value)
        if INTERRUPT_KEY not in self.config.stash and text.startswith(PREFIX):
            self.config.stash[INTERRUPT_KEY] = Interruption(text.removeprefix(PREFIX).strip())

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        """After a signal: clean up what the tests cut short left, before results.json is
        written; an xdist worker sends the controller the run's tests and those leftovers."""
        if INTERRUPT_KEY in self.config.stash:
            _clean_live(self.config)
            output = getattr(self.config, "workeroutput", None)
            if output is not None:
                output[WORKER_OUTPUT] = planned(session)
                output[WORKER_LEFTOVERS] = stopped_leftovers(self.config)
        return (yield)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        left = output.get(WORKER_LEFTOVERS)
        if left:
            self.config.stash[STOPPED_LEFTOVERS_KEY] = [*stopped_leftovers(self.config), *left]
        tests = output.get(WORKER_OUTPUT)
        if tests:
            self.config.stash[PLANNED_KEY] = [(str(n), list(b)) for n, b in tests]

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """The fallback when no worker could say more: the suite node ids, behaviors unknown."""
        if COLLECTED_KEY in self.config.stash:
            return
        dirs = [d.resolve() for d in suite_dirs(self.config)]
        root = self.config.rootpath
        tests: list[tuple[str, list[str]]] = [
            (str(i), [])
            for i in ids
            if any((root / str(i).split("::")[0]).resolve().is_relative_to(d) for d in dirs)
        ]
        self.config.stash[COLLECTED_KEY] = tests

    def pytest_unconfigure(self) -> None:
        self.restore()


def pytest_configure(config: pytest.Config) -> None:
    stop = SignalStop(config)
    config.pluginmanager.register(stop, PLUGIN_NAME)
    if hasattr(config, "workerinput"):  # the group's signal can come while it still collects
        stop.install()
