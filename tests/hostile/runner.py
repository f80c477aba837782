"""Run `python -m conformance.cli run` against a hostile target, bounded, sampling its memory.

The run gets its own process group so an overrun kills pytest and its xdist workers together;
its output goes to files (not pipes) so a chatty run can never block on a full pipe.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.hostile.memory import PeakSampler
from tests.suite_runner import clean_env

POLL = 0.25


@dataclass(frozen=True)
class HostileRun:
    """A finished (or killed) run: status (None when killed), wall time, output, memory peaks."""

    args: list[str]
    returncode: int | None
    wall: float
    stdout: str
    stderr: str
    largest_mib: float
    total_mib: float

    def explain(self, tail: int = 3000) -> str:
        status = "killed after its time bound" if self.returncode is None else self.returncode
        return (
            f"run {' '.join(self.args)}\nexit status {status}, {self.wall:.1f}s\n"
            f"--- stdout (end) ---\n{self.stdout[-tail:]}\n--- stderr (end) ---\n"
            f"{self.stderr[-tail:]}"
        )


def run_cli(args: Sequence[str], workdir: Path, timeout: float) -> HostileRun:
    """Run the suite's CLI with `args` from `workdir`; kill its whole group past `timeout` s."""
    workdir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "conformance.cli", "run", *args]
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    start = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            argv,
            cwd=workdir,
            env=clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        sampler = PeakSampler(process.pid)
        try:
            for _ in range(int(timeout / POLL) + 1):
                if process.poll() is not None or time.monotonic() - start > timeout:
                    break
                sampler.sample()
                time.sleep(POLL)
        finally:
            status = process.poll()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # also any worker left behind
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
    return HostileRun(
        list(args),
        status,
        time.monotonic() - start,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
        sampler.largest_mib,
        sampler.total_mib,
    )
