"""SIGINT and SIGTERM sent to a real run (the whole process group, as a terminal or a CI job
timeout does), serial and under xdist: the run stops within a bound, exits with the documented
code and still writes results.json, summary.md, junit.xml and report.html with the verdict
`interrupted`, the tests it did not run listed as `not-run`."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.outcomes import ExitCode

STOP_BOUND = 60.0  # seconds from the signal to the exit (generous: a loaded CI machine)
START_BOUND = 180.0  # seconds until the run has done some tests
TESTS_BEFORE_SIGNAL = 20
PROGRESS = re.compile(r"^[.sFEx]+", re.MULTILINE)
_SCRUBBED_PREFIXES = ("PINECONE_", "PYTEST_")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    return {**env, "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Any]:
    """Start a run in its own process group; the group is killed in teardown whatever happens."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(argv: list[str]) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"out-{len(procs)}.txt"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv,
                cwd=tmp_path,
                env=_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        procs.append(proc)
        return proc, log

    yield start
    for proc in procs:
        if proc.poll() is None:
            with_group(proc, signal.SIGKILL)
            proc.wait(30)


def with_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def wait_for_progress(proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_BOUND
    while time.monotonic() < deadline and proc.poll() is None:
        done = sum(len(m) for m in PROGRESS.findall(log.read_text(errors="replace")))
        if done >= TESTS_BEFORE_SIGNAL:
            return
        time.sleep(0.1)
    pytest.fail(f"the run did not get going: {log.read_text(errors='replace')[-2000:]}")


def interrupt(start: Any, argv: list[str], sig: int, reports: Path) -> tuple[int, float, str]:
    proc, log = start(argv)
    wait_for_progress(proc, log)
    sent = time.monotonic()
    with_group(proc, sig)
    try:
        code = proc.wait(STOP_BOUND)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no exit {STOP_BOUND}s after the signal: {log.read_text()[-2000:]}")
    return code, time.monotonic() - sent, log.read_text(errors="replace")


def check_reports(reports: Path, signal_name: str, code: int, output: str) -> dict[str, Any]:
    folder = reports / "latest"
    assert (folder / "results.json").exists(), output[-3000:]
    doc = json.loads((folder / "results.json").read_text())
    assert (doc["verdict"], doc["exit_code"]) == ("interrupted", code)
    assert doc["aborted"]["reason"] == "interrupted" and doc["aborted"]["signal"] == signal_name
    assert doc["counts"]["not-run"] > 0 and doc["counts"]["passed"] > 0, doc["counts"]
    assert doc["counts"]["failed"] == 0, [t for t in doc["tests"] if t["outcome"] == "failed"]
    assert doc["counts"]["harness-error"] == 0 and doc["counts"]["target-unavailable"] == 0
    assert f"interrupted by {signal_name}" in doc["verdict_reason"]
    assert "did not run" in doc["verdict_reason"]
    summary = (folder / "summary.md").read_text()
    assert "conformance: interrupted" in summary.splitlines()[0]
    assert f"exit code {code}" in summary and "not-run" in summary
    junit = ET.parse(folder / "junit.xml").getroot()
    props = {p.get("name"): p.get("value") for p in junit.iter("property") if p.get("name")}
    assert props["verdict"] == "interrupted" and props["exit_code"] == str(code)
    skipped = [s for s in junit.iter("skipped") if s.get("type") == "not-run"]
    assert len(skipped) == doc["counts"]["not-run"]
    page = (folder / "report.html").read_text()
    assert 'data-verdict="interrupted"' in page and "the run was interrupted" in page
    assert f"verdict: interrupted (exit {code})" in output
    return doc


RUN = [sys.executable, "-m", "conformance.cli", "run", "-q"]
CASES = [
    pytest.param(signal.SIGINT, [], id="sigint-serial"),
    pytest.param(signal.SIGTERM, [], id="sigterm-serial"),
    pytest.param(signal.SIGINT, ["-n", "2"], id="sigint-xdist"),
    pytest.param(signal.SIGTERM, ["-n", "2"], id="sigterm-xdist"),
]
CODES = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}


@pytest.mark.parametrize(("sig", "extra"), CASES)
def test_a_signal_stops_the_run_and_it_still_reports(launch, tmp_path, sig, extra) -> None:
    reports = tmp_path / "reports"
    argv = [*RUN, *extra, "--reports-dir", str(reports)]
    code, took, output = interrupt(launch, argv, sig, reports)
    assert code == CODES[sig], output[-3000:]
    assert took < STOP_BOUND
    check_reports(reports, signal.Signals(sig).name, int(CODES[sig]), output)


def test_plain_pytest_agrees_on_the_code(launch, tmp_path) -> None:
    reports = tmp_path / "reports"
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--pyargs",
        "conformance.suite",
        "--reports-dir",
        str(reports),
    ]
    code, _, output = interrupt(launch, argv, signal.SIGTERM, reports)
    assert code == ExitCode.TERMINATED, output[-3000:]
    check_reports(reports, "SIGTERM", int(ExitCode.TERMINATED), output)
