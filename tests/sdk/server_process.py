"""Run `python -m reference_server` as a real subprocess on free loopback ports.

`reference_server(...)` starts it, waits (bounded) for its `listening ...` lines and always stops
it on exit, also when the body raises. The process's stderr goes to a temporary file so a failing
start can say why.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass
class RunningServer:
    """A started server: its control-plane URL and the data-plane URL of each index."""

    process: subprocess.Popen[str]
    control_url: str
    index_urls: dict[str, str]
    lines: queue.Queue[str] = field(repr=False)
    stderr: tempfile._TemporaryFileWrapper[str] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Send `sig`, wait (bounded) for exit, kill if needed; return the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode

    def stderr_text(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()


def _pump(stream: Iterator[str], lines: queue.Queue[str]) -> None:
    """Move every stdout line into a queue, so the pipe never fills and reads can time out."""
    for line in stream:
        lines.put(line.rstrip("\n"))


def _parse_ready(line: str, server_urls: dict[str, str], index_urls: dict[str, str]) -> None:
    parts = line.split()
    if parts[:2] == ["listening", "control"] and len(parts) == 3:
        server_urls["control"] = parts[2]
    elif parts[:2] == ["listening", "index"] and len(parts) == 4:
        index_urls[parts[2]] = parts[3]


@contextlib.contextmanager
def reference_server(*args: str, timeout: float = START_TIMEOUT) -> Iterator[RunningServer]:
    """Start `python -m reference_server --port 0 *args`; yield once every address listens."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "reference_server", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        assert process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        pump = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
        pump.start()
        try:
            try:
                urls, index_urls = _wait_ready(process, lines, args.count("--index"), timeout)
            except RuntimeError as error:
                stderr.seek(0)
                raise RuntimeError(f"{error}; stderr:\n{stderr.read()}") from None
            yield RunningServer(process, urls["control"], index_urls, lines, stderr)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(STOP_TIMEOUT)
            pump.join(STOP_TIMEOUT)  # ends at EOF, once the process has exited
            if not pump.is_alive():
                process.stdout.close()


def _wait_ready(
    process: subprocess.Popen[str], lines: queue.Queue[str], indexes: int, timeout: float
) -> tuple[dict[str, str], dict[str, str]]:
    """Read `listening` lines until the control plane and `indexes` indexes are announced."""
    urls: dict[str, str] = {}
    index_urls: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while "control" not in urls or len(index_urls) < indexes:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or process.poll() is not None:
            raise RuntimeError(f"reference server not ready (exit status {process.poll()})")
        try:
            line = lines.get(timeout=min(remaining, 0.5))
        except queue.Empty:
            continue
        _parse_ready(line, urls, index_urls)
    return urls, index_urls
