"""The launcher: addresses parsed from the listening lines, bounded waits, always stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.target import launcher
from conformance.target.launcher import IndexSpec, LaunchError, launch_reference_server
from tests.support.standin_server import API_KEY, standin_command


def test_start_and_stop() -> None:
    with launch_reference_server(
        ["a:4:cosine", "b:0:dotproduct:sparse"], command=standin_command()
    ) as s:
        assert set(s.index_urls) == {"a", "b"}
        assert s.control_url.startswith("http://127.0.0.1:")
        assert s.specs["b"] == IndexSpec("b", 0, "dotproduct", "sparse")
        process = s.process
    assert process.poll() is not None
    s.stop()  # idempotent


def test_stopped_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), launch_reference_server(command=standin_command()) as s:
        raise RuntimeError
    assert s.process.poll() is not None


@pytest.mark.parametrize(
    ("extra", "timeout", "message"),
    [(("--crash",), 10, "exited with status 3"), (("--silent",), 0.5, "did not report")],
    ids=["crash", "silent"],
)
def test_failures_are_bounded_and_explained(extra, timeout, message) -> None:
    before = set(launcher._RUNNING)
    with pytest.raises(LaunchError, match=message) as info:
        launcher.start_server(api_key=API_KEY, command=standin_command(*extra), timeout=timeout)
    assert API_KEY not in str(info.value)
    assert before == launcher._RUNNING


def test_argv() -> None:
    argv = launcher.server_argv(
        ["x:2:cosine"], "k", 0.3, ["--flag"], "python -m tests.mutants.run M"
    )
    assert argv == [
        sys.executable, "-m", "tests.mutants.run", "M", "--host", "127.0.0.1", "--port", "0",
        "--index", "x:2:cosine", "--api-key", "k", "--visibility-delay", "0.3", "--flag",
    ]  # fmt: skip
    assert launcher.server_argv([])[:3] == [sys.executable, "-m", "reference_server"]


@pytest.mark.parametrize("bad", ["x", "x:y:cosine", "x:1:cosine:pod"])
def test_bad_index_spec(bad) -> None:
    with pytest.raises(ValueError):
        IndexSpec.parse(bad)


STARTER = """
import signal, sys, time
from conformance.target.launcher import start_server
from tests.support.standin_server import standin_command
signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run outlives the signal, as runs do
server = start_server(command=standin_command())
print(server.pid, flush=True)
time.sleep(120)
"""


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_the_server_ignores_the_groups_signal_but_not_its_starters_death() -> None:
    """A Ctrl-C or CI timeout signals the run's whole process group: the server must keep
    answering while the run finishes its test in progress, and still die with the run."""
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    try:
        assert starter.stdout is not None
        server_pid = int(starter.stdout.readline())
        assert os.getpgid(server_pid) != starter.pid
        os.killpg(starter.pid, signal.SIGINT)
        assert not _gone(server_pid, 1.0), "the group's signal stopped the server"
        starter.kill()
        starter.wait(30)
        assert _gone(server_pid, 10), "the server outlived the process that started it"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(starter.pid, signal.SIGKILL)
        starter.wait(30)


GRPC_USER = """
import sys
from concurrent import futures
import grpc
from conformance.target.launcher import start_server
from tests.support.standin_server import standin_command
service = grpc.server(futures.ThreadPoolExecutor(2))
port = service.add_insecure_port("127.0.0.1:0")
service.start()
channel = grpc.insecure_channel(f"127.0.0.1:{port}")
grpc.channel_ready_future(channel).result(timeout=10)
for _ in range(int(sys.argv[1])):
    server = start_server(command=standin_command())
    output = "".join(server._output)
    server.stop()
    print(repr(output), flush=True)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_servers_start_cleanly_from_a_process_that_uses_grpc() -> None:
    """A test process that has used gRPC starts servers without forking itself: gRPC's fork
    handlers, run in a forked copy of it, print into the server's output and, now and then,
    abort the copy before the server starts (about one start in 40 when a pre-exec hook forked)."""
    pytest.importorskip("grpc")
    starts = 25
    result = subprocess.run(
        [sys.executable, "-c", GRPC_USER, str(starts)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outputs = result.stdout.splitlines()
    assert len(outputs) == starts
    assert not [out for out in outputs if "fork" in out], outputs
