"""Starts and stops the bundled reference server (or any server speaking its command line) as a
subprocess on a free loopback port.

The server is asked for port 0 and reports where it listens by printing
`listening control http://127.0.0.1:PORT` and `listening index NAME http://127.0.0.1:PORT`; the
launcher waits (bounded) until every index it asked for is listed. A server that also serves gRPC
prints `listening grpc NAME HOST:PORT` before the index's own line; those addresses are collected
into `RunningServer.grpc_urls`, also for indexes the server creates later. Every server started
here is stopped by `stop()`, by leaving the context manager, or at interpreter exit.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.redact import redact

DEFAULT_INDEXES = (
    "conf-cosine:8:cosine",
    "conf-euclidean:8:euclidean",
    "conf-dotproduct:8:dotproduct",
    "conf-sparse:0:dotproduct:sparse",
)
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
PARENT_GUARD = Path(__file__).with_name("parent_guard.py")

_RUNNING: set[RunningServer] = set()


class LaunchError(RuntimeError):
    """The server did not start: it exited, or did not report its addresses in time."""


@dataclass(frozen=True)
class IndexSpec:
    """One `--index NAME:DIM:METRIC[:dense|sparse]` argument, parsed."""

    name: str
    dimension: int
    metric: str
    vector_type: str = "dense"

    @classmethod
    def parse(cls, text: str) -> IndexSpec:
        parts = text.split(":")
        if len(parts) not in (3, 4) or not parts[1].isdigit():
            raise ValueError(f"index spec {text!r} is not NAME:DIM:METRIC[:dense|sparse]")
        kind = parts[3] if len(parts) == 4 else "dense"
        if kind not in ("dense", "sparse"):
            raise ValueError(f"index spec {text!r}: kind must be dense or sparse")
        return cls(parts[0], int(parts[1]), parts[2], kind)


def _tied_to_parent(argv: list[str]) -> list[str]:
    """On Linux, `argv` run through `parent_guard.py`, so the kernel terminates the server when
    the process that started it dies, even by SIGKILL: the server lives in a process group of its
    own (so the signal a terminal or a CI timeout sends the run's group reaches the run, which
    then stops the server after its last test), and must still never outlive the run. The kernel
    ties it to the starting thread, so only the main thread uses it."""
    if not sys.platform.startswith("linux"):
        return argv
    if threading.current_thread() is not threading.main_thread():
        return argv
    return [sys.executable, str(PARENT_GUARD), str(os.getpid()), *argv]


@dataclass(eq=False)
class RunningServer:
    """A started server: where it listens, and how to stop it."""

    process: subprocess.Popen = field(repr=False)
    control_url: str
    index_urls: dict[str, str]
    specs: dict[str, IndexSpec] = field(default_factory=dict, repr=False)
    # index name -> `HOST:PORT` of its gRPC listener (empty when the server serves no gRPC)
    grpc_urls: dict[str, str] = field(default_factory=dict)
    _output: collections.deque = field(
        default_factory=lambda: collections.deque(maxlen=200), repr=False
    )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """The last lines the server printed (stdout and stderr)."""
        return "".join(self._output)

    def stop(self) -> None:
        """Terminate the server and wait for it (kill after a bounded wait); idempotent."""
        _RUNNING.discard(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        if self.process.stdout:
            with contextlib.suppress(OSError):
                self.process.stdout.close()

    def __hash__(self) -> int:
        return id(self)


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):
            server.stop()


def server_argv(
    indexes: Sequence[str],
    api_key: str | None = None,
    visibility_delay: float = 0.0,
    extra_args: Sequence[str] = (),
    command: str | Sequence[str] | None = None,
) -> list[str]:
    """The command line: `command` (default `python -m reference_server`) plus the standard flags.

    A `command` string is split shell-style; a leading `python`/`python3` becomes this interpreter.
    """
    if command is None:
        base = [sys.executable, "-m", "reference_server"]
    else:
        base = shlex.split(command) if isinstance(command, str) else list(command)
        if base and base[0] in ("python", "python3"):
            base[0] = sys.executable
    argv = [*base, "--host", "127.0.0.1", "--port", "0"]
    for spec in indexes:
        argv += ["--index", spec]
    if api_key is not None:
        argv += ["--api-key", api_key]
    if visibility_delay:
        argv += ["--visibility-delay", f"{visibility_delay:g}"]
    return [*argv, *extra_args]


def start_server(
    indexes: Sequence[str] | None = None,
    api_key: str | None = None,
    visibility_delay: float = 0.0,
    extra_args: Sequence[str] = (),
    *,
    command: str | Sequence[str] | None = None,
    timeout: float = STARTUP_TIMEOUT,
    cwd: str | None = None,
) -> RunningServer:
    """Start a server and return once it has printed every address; raise LaunchError otherwise."""
    index_list = list(DEFAULT_INDEXES if indexes is None else indexes)
    specs = {s.name: s for s in map(IndexSpec.parse, index_list)}
    argv = server_argv(index_list, api_key, visibility_delay, extra_args, command)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        _tied_to_parent(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        env=env,
        cwd=cwd,
        process_group=0,
    )
    output: collections.deque[str] = collections.deque(maxlen=200)
    addresses: dict[str, str] = {}
    grpc_urls: dict[str, str] = {}
    ready = threading.Event()
    lock = threading.Lock()

    def drain() -> None:
        assert process.stdout is not None
        with contextlib.suppress(ValueError, OSError):
            for line in process.stdout:
                output.append(line)
                words = line.split()
                with lock:
                    if len(words) == 3 and words[:2] == ["listening", "control"]:
                        addresses["\0control"] = words[2]
                    elif len(words) == 4 and words[:2] == ["listening", "index"]:
                        addresses[words[2]] = words[3]
                    elif len(words) == 4 and words[:2] == ["listening", "grpc"]:
                        grpc_urls[words[2]] = words[3]
                    if "\0control" in addresses and all(n in addresses for n in specs):
                        ready.set()
        ready.set()  # output closed: the process is gone

    threading.Thread(target=drain, name=f"server-output-{process.pid}", daemon=True).start()
    server = RunningServer(process, "", {}, specs, _output=output, grpc_urls=grpc_urls)
    _RUNNING.add(server)
    deadline = time.monotonic() + timeout
    ready.wait(timeout)
    with lock:
        complete = "\0control" in addresses and all(n in addresses for n in specs)
        found = dict(addresses)
    if not complete:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(0.5 if time.monotonic() < deadline else 0)
        exited = process.poll()
        server.stop()
        if exited is not None:
            why = f"exited with status {exited}"
        else:
            why = f"did not report its addresses within {timeout:g}s"
        tail = redact("".join(output)[-3000:], [api_key])
        raise LaunchError(f"server {redact(shlex.join(argv), [api_key])} {why}; output:\n{tail}")
    server.control_url = found.pop("\0control")
    server.index_urls = {name: found[name] for name in specs}
    return server


@contextlib.contextmanager
def launch_reference_server(
    indexes: list[str] | None = None,
    api_key: str | None = None,
    visibility_delay: float = 0.0,
    extra_args: Sequence[str] = (),
    *,
    command: str | Sequence[str] | None = None,
    timeout: float = STARTUP_TIMEOUT,
) -> Iterator[RunningServer]:
    """Run a server for the duration of a `with` block (stopped even when the block raises)."""
    server = start_server(
        indexes, api_key, visibility_delay, extra_args, command=command, timeout=timeout
    )
    try:
        yield server
    finally:
        server.stop()
