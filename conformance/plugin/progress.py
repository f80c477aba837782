"""A progress line for long runs: tests done of total, and failures so far.

It lives on the controller (under xdist every worker's reports arrive there), counts a test once
when its last phase reports, and prints whole lines through pytest's terminal writer so it never
garbles pytest's own output: on a terminal every 10% of the tests, otherwise every 25% (quiet
logs), and nothing for runs of fewer than 20 tests.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import pytest

from conformance import outcomes as oc

MIN_TESTS = 20


def _isatty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


class RunProgress:
    """Counts finished suite tests and writes a status line every `step` tests."""

    def __init__(self, config: pytest.Config, is_suite: Any) -> None:
        self.config = config
        self.is_suite = is_suite  # (report) -> bool: whether a report belongs to a suite test
        self.total = 0
        self.done = 0
        self.counts: Counter[str] = Counter()
        self._seen: set[str] = set()
        self._next = 0

    @property
    def step(self) -> int:
        fraction = 0.1 if _isatty() else 0.25
        return max(10, int(self.total * fraction))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        self._next = self.step

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.total = max(self.total, len(ids))  # every worker collects the same tests
        self._next = self.step

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.is_suite(report):
            return
        data = getattr(report, "conformance", None) or {}
        if report.outcome != "passed" and report.nodeid not in self._seen:
            self._seen.add(report.nodeid)
            self.counts[data.get("outcome") or oc.NOT_APPLICABLE] += 1
        if report.when != "teardown":
            return
        self.done += 1
        if self.total >= MIN_TESTS and self.done >= self._next and self.done < self.total:
            self._next = self.done + self.step
            self.write(self.line())

    def line(self) -> str:
        failing = sum(v for k, v in self.counts.items() if k != oc.NOT_APPLICABLE)
        kinds = ", ".join(
            f"{v} {k}" for k, v in sorted(self.counts.items()) if k != "not-applicable"
        )
        detail = f" ({kinds})" if kinds else ""
        total = f"/{self.total}" if self.total else ""
        return f"conformance: {self.done}{total} tests done, {failing} failing so far{detail}"

    def write(self, text: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        reporter.ensure_newline()
        reporter.write_line(text)
