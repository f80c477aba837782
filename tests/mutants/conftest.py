"""Prints the mutant kill count at the end of a run (also under xdist: the controller sees every
worker's reports, with the verdict each mutant test recorded as a property)."""

from __future__ import annotations

import pytest

from tests.mutants.test_kills import VERDICT

_verdicts: dict[str, tuple[str, str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == VERDICT:
            verdict, name, first = str(value).split("|", 2)
            _verdicts[name] = (verdict, first)


def pytest_terminal_summary(terminalreporter) -> None:
    if not _verdicts:
        return
    killed = sum(1 for verdict, _ in _verdicts.values() if verdict == "killed")
    terminalreporter.section("mutants")
    for name, (verdict, first) in sorted(_verdicts.items()):
        terminalreporter.write_line(f"{verdict:8} {name:32} first failing test: {first}")
    terminalreporter.write_line(f"mutants killed: {killed}/{len(_verdicts)}")
