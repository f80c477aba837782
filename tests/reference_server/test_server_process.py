"""The server shell: command line, listening lines, signals, one listener per index.

Process-level behaviour runs `python -m reference_server` for real; listener lifecycle is also
checked in-process with a stand-in data-plane app, so it does not depend on the data plane.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from reference_server.__main__ import build_parser, parse_index
from reference_server.indexes import IndexModel
from reference_server.server import ReferenceServer

TIMEOUT = 20.0
KEY = "process-key"


# --- process helpers -------------------------------------------------------------------------


class Process:
    """`python -m reference_server ...` with its stdout lines queued (bounded reads)."""

    def __init__(self, *args: str) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "reference_server", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, timeout: float = TIMEOUT) -> str:
        """The next stdout line; fails fast (with stderr) if the process has exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.popen.poll() is not None and self.lines.empty():
                    _, err = self.stop()
                    raise AssertionError(f"server exited {self.popen.returncode}: {err}") from None
        raise AssertionError("no line from the server in time")

    def wait_lines(self, count: int) -> list[str]:
        return [self.next_line() for _ in range(count)]

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        """Signal, wait (bounded), kill as a last resort; return (exit status, stderr)."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            _, err = self.popen.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            _, err = self.popen.communicate(timeout=TIMEOUT)
        self._pump.join(TIMEOUT)
        return self.popen.returncode, err


@contextlib.contextmanager
def running(*args: str) -> Iterator[Process]:
    process = Process("--port", "0", *args)
    try:
        yield process
    finally:
        process.stop(signal.SIGKILL)


def url_of(line: str, kind: str) -> str:
    parts = line.split()
    assert parts[:2] == ["listening", kind], line
    return parts[-1]


# --- command line ----------------------------------------------------------------------------


def test_prints_control_line_serves_and_stops_on_sigterm() -> None:
    with running() as process:
        control = url_of(process.next_line(), "control")
        assert control.startswith("http://127.0.0.1:")
        assert httpx.get(f"{control}/indexes", timeout=TIMEOUT).json() == {"indexes": []}
        status, stderr = process.stop(signal.SIGTERM)
        assert status == 0, stderr
        assert "Traceback" not in stderr


def test_sigint_stops_cleanly() -> None:
    with running("--index", "a:4:cosine") as process:
        process.wait_lines(2)
        status, stderr = process.stop(signal.SIGINT)
        assert status == 0, stderr
        assert "Traceback" not in stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--index", "bad"],
        ["--index", "a:x:cosine"],
        ["--index", "a:4:manhattan"],
        ["--index", "A:4:cosine"],
        ["--index", "a:0:cosine"],
        ["--index", "a:4:cosine:hybrid"],
        ["--index", "s:4:dotproduct:sparse"],
        ["--index", "s:0:cosine:sparse"],
        ["--index", "a:4:cosine", "--index", "a:8:cosine"],
        ["--port", "-1"],
        ["--port", "70000"],
        ["--visibility-delay", "-1"],
        ["--visibility-delay", "nan"],
        ["--no-such-flag"],
    ],
)
def test_bad_flags_exit_2_with_one_message(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exc_info:
        build_parser_main(args)
    assert exc_info.value.code == 2


def build_parser_main(args: list[str]) -> None:
    """Run `main` in-process (argparse exits with status 2 before anything listens)."""
    from reference_server.__main__ import main

    main(args)


def test_bad_flag_message_from_the_real_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reference_server", "--index", "a:4:manhattan"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Metric must be cosine, euclidean, or dotproduct." in result.stderr
    assert result.stdout == ""


def test_port_in_use_is_one_clear_message() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "reference_server", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    assert result.returncode == 1
    assert "cannot listen" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a:4:cosine", ("a", 4, "cosine", "dense")),
        ("b:8:euclidean:dense", ("b", 8, "euclidean", "dense")),
        ("s:0:dotproduct:sparse", ("s", None, "dotproduct", "sparse")),
        ("s::dotproduct:sparse", ("s", None, "dotproduct", "sparse")),
    ],
)
def test_index_flag(text: str, expected: tuple[Any, ...]) -> None:
    model = parse_index(text)
    assert (model.name, model.dimension, model.metric, model.vector_type) == expected


def test_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.api_key, args.index, args.visibility_delay) == (
        "127.0.0.1",
        5080,
        None,
        [],
        0.0,
    )


# --- the real process with the data plane ----------------------------------------------------


def test_indexes_listen_on_their_own_ports_with_auth() -> None:
    # REST listeners only: the gRPC lines and listeners have their own tests (test_grpc_service.py)
    args = ["--api-key", KEY, "--index", "dense:4:cosine", "--index", "sp:0:dotproduct:sparse"]
    with running(*args, "--no-grpc") as process:
        control = url_of(process.next_line(), "control")
        announced = {}
        for line in process.wait_lines(2):
            announced[line.split()[2]] = url_of(line, "index")
        headers = {"Api-Key": KEY}
        with httpx.Client(timeout=TIMEOUT, headers=headers) as client:
            listed = client.get(f"{control}/indexes").json()["indexes"]
            assert {i["name"]: i["host"] for i in listed} == announced
            ports = {httpx.URL(url).port for url in announced.values()}
            assert len(ports) == 2
            assert httpx.URL(control).port not in ports
            for host in announced.values():
                assert client.post(f"{host}/describe_index_stats", json={}).status_code == 200
                anonymous = httpx.post(f"{host}/describe_index_stats", json={}, timeout=TIMEOUT)
                assert (anonymous.status_code, anonymous.text) == (401, "Unauthorized")
            assert httpx.get(f"{control}/indexes", timeout=TIMEOUT).status_code == 401

            created = client.post(
                f"{control}/indexes",
                json={"name": "late", "dimension": 3, "spec": {"serverless": {}}},
            )
            assert created.status_code == 201
            host = created.json()["host"]
            assert url_of(process.next_line(), "index") == host
            upsert = client.post(
                f"{host}/vectors/upsert", json={"vectors": [{"id": "v", "values": [1, 2, 3]}]}
            )
            assert upsert.status_code == 200, upsert.text
            assert client.delete(f"{control}/indexes/late").status_code == 202
            with pytest.raises(httpx.ConnectError):
                httpx.post(f"{host}/describe_index_stats", json={}, headers=headers, timeout=5)
        status, stderr = process.stop()
        assert status == 0, stderr
        assert KEY not in stderr


# --- listener lifecycle in-process, with a stand-in data plane -------------------------------


def stand_in_app(model: IndexModel, visibility_delay: float) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = {"index": model.name, "path": scope["path"], "delay": visibility_delay}
        await JSONResponse(body)(scope, receive, send)

    return app


@contextlib.contextmanager
def in_process(**kwargs: Any) -> Iterator[ReferenceServer]:
    """A `ReferenceServer` on port 0 in a background thread; stopped on exit."""
    server = ReferenceServer(port=0, app_factory=stand_in_app, out=_Sink(), **kwargs)
    loops: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        loops.append(asyncio.get_running_loop())
        await server.run(install_signal_handlers=False)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    expected = len(kwargs.get("indexes", []))
    while (
        server.control is None
        or not server.control.server.started
        or (len(server.list_indexes()) < expected)
    ):
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.01)
    try:
        yield server
    finally:
        loops[0].call_soon_threadsafe(server.request_stop)
        thread.join(TIMEOUT)
        assert not thread.is_alive()


class _Sink:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line)
        return len(text)

    def flush(self) -> None:
        pass


def test_created_index_gets_a_listener_and_loses_it_on_delete() -> None:
    with in_process(visibility_delay=0.5) as server:
        assert server.control is not None
        control = f"http://127.0.0.1:{server.control.port}"
        with httpx.Client(timeout=TIMEOUT) as client:
            body = {"name": "x", "dimension": 2, "spec": {"serverless": {}}}
            host = client.post(f"{control}/indexes", json=body).json()["host"]
            assert client.get(f"{host}/ping").json() == {
                "index": "x",
                "path": "/ping",
                "delay": 0.5,
            }
            assert client.delete(f"{control}/indexes/x").status_code == 202
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{host}/ping", timeout=5)


def test_pre_created_indexes_and_key_on_both_planes() -> None:
    models = [IndexModel("a", 2, "cosine"), IndexModel("b", None, "dotproduct", "sparse")]
    with in_process(indexes=models, api_key=KEY) as server:
        assert server.control is not None
        out = server._out
        assert isinstance(out, _Sink)
        assert out.lines[0] == f"listening control http://127.0.0.1:{server.control.port}"
        assert out.lines[1:] == [f"listening index {m.name} {m.host}" for m in models]
        for model in models:
            assert httpx.get(f"{model.host}/ping", timeout=TIMEOUT).status_code == 401
            ok = httpx.get(f"{model.host}/ping", headers={"api-key": KEY}, timeout=TIMEOUT)
            assert ok.json()["index"] == model.name


def test_accepted_connections_have_tcp_nodelay() -> None:
    """Without TCP_NODELAY every keep-alive response waits for a delayed ACK (~40 ms)."""
    with in_process(indexes=[IndexModel("a", 2, "cosine")]) as server:
        assert server.control is not None
        model = server.get_index("a")
        assert model is not None
        for listener, url in (
            (server.control, f"http://127.0.0.1:{server.control.port}"),
            (server._listeners["a"], model.host),
        ):
            with httpx.Client(timeout=TIMEOUT) as client:
                client.get(f"{url}/indexes")
                connections = list(listener.server.server_state.connections)
                assert connections
                for connection in connections:
                    sock = connection.transport.get_extra_info("socket")
                    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
