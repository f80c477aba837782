"""The exit-code contract where a run ends early: -x and --maxfail (a verdict, not an interrupt),
and a target that stops answering mid-run (exit 3 with full reports, in bounded time)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.target.launcher import launch_reference_server
from tests.plugin.test_plugin import run
from tests.support.standin_server import API_KEY, standin_command

ROOT = Path(__file__).resolve().parents[2]
MUTANT = "python -m tests.mutants.run upsert-keeps-old"
ENTRY_POINTS = {
    "cli": [sys.executable, "-m", "conformance.cli", "run"],
    "pytest": [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite"],
}


def results_of(reports: Path) -> dict:
    """The results.json of the run that wrote `reports`."""
    return json.loads((reports / "latest" / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
@pytest.mark.parametrize("stop", [["-x"], ["--maxfail=2"]], ids=["x", "maxfail"])
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_stopping_after_failures_is_a_verdict(tmp_path, entry, stop, workers) -> None:
    """A non-conformant target stopped by -x/--maxfail is non-conformant (1), reports written."""
    command = [
        *ENTRY_POINTS[entry],
        "-p", "no:cacheprovider", "-q", *stop, *workers,
        "--behavior", "UPSERT-OVERWRITES", "--server-command", MUTANT,
        "--reports-dir", str(tmp_path / "reports"),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    doc = results_of(tmp_path / "reports")
    assert doc["exit_code"] == 1 and doc["verdict"] == "non-conformant"
    assert doc["counts"]["failed"] >= 1


STALL_SUITE = """
import os
import signal

import pytest

@pytest.mark.behavior("A-MUST")
@pytest.mark.parametrize("n", range(60))
def test_fetch(dense_space, n):
    if n == 0:  # the first test of the run on any scheduling: the freeze comes first
        os.kill(int(os.environ["STALL_PID"]), signal.SIGSTOP)
    assert dense_space.fetch(["r0"]).status == 200
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_target_that_stops_answering_ends_the_run(tmp_path, monkeypatch, workers) -> None:
    """The target freezes mid-run (SIGSTOP): exit 3 within a bound, the rest target-unavailable."""
    with launch_reference_server(api_key=API_KEY, command=standin_command()) as server:
        monkeypatch.setenv("STALL_PID", str(server.pid))
        try:
            started = time.monotonic()
            result = run(
                tmp_path,
                "--target", server.index_urls["conf-cosine"], "--api-key", API_KEY,
                "--request-timeout", "1", "--stall-after", "3", "--reports-dir", "reports",
                *workers, suite=STALL_SUITE, timeout=150,
            )  # fmt: skip
            elapsed = time.monotonic() - started
        finally:
            os.kill(server.pid, signal.SIGCONT)
    out = result.stdout + result.stderr
    assert result.returncode == 3, out[-4000:]
    assert elapsed < 120, elapsed
    assert "the target stopped answering" in out
    doc = results_of(tmp_path / "reports")
    assert doc["exit_code"] == 3 and doc["verdict"] == "target-unavailable"
    assert doc["aborted"]["reason"] == "target-unavailable", doc["aborted"]
    assert "stopped answering" in doc["aborted"]["message"], doc["aborted"]
    outcomes = [t["outcome"] for t in doc["tests"]]
    assert len(outcomes) == 60
    # A test in flight when the target froze may fail its cleanup (what it left is reported);
    # at most one per worker.
    assert set(outcomes) <= {"passed", "target-unavailable", "cleanup-error"}, outcomes
    assert outcomes.count("cleanup-error") <= 2, outcomes
    # All but the few a second worker may finish while the stall is being declared.
    assert outcomes.count("target-unavailable") >= 40, outcomes
    not_run = [t for t in doc["tests"] if "not run" in t.get("details", "")]
    assert len(not_run) >= 30
