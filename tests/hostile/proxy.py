"""A hostile HTTP proxy in front of a real target: it forwards requests until told to misbehave.

Each mode imitates a way a real endpoint fails in production (a hang, a slow drip, a load
balancer's HTML page, a runaway body, a reset connection, 5xx bursts, a slow network), so the
suite's promise of "always a verdict" is checked against the failure itself rather than a mock.
The proxy runs its own asyncio loop in a thread, listens on 127.0.0.1 and speaks just enough
HTTP/1.1 (keep-alive, Content-Length bodies) for the suite's wire client.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass
from typing import Any, Literal

import httpx

Kind = Literal["forward", "stall", "drip", "errors", "html", "huge", "close", "latency"]

HUGE_BYTES = 50 * 1024 * 1024
DRIP_INTERVAL = 2.0
DRIP_BYTES = 600  # a drip lasts at most 20 minutes; the suite's deadline ends it long before
LATENCY = 0.3
IDLE_TIMEOUT = 120.0  # a keep-alive connection idle this long is closed
MAX_REQUESTS_PER_CONNECTION = 100_000
STOP_TIMEOUT = 10.0
_CHUNK = 1024 * 1024
_HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}
_REASONS = {200: "OK", 500: "Internal Server Error", 501: "Not Implemented"}


@dataclass(frozen=True)
class Mode:
    """What the proxy does to request number n (1-based): `after` requests are forwarded before
    the misbehaviour starts; `errors` instead fails every `every`-th request."""

    kind: Kind = "forward"
    after: int = 0
    every: int = 10

    def action(self, n: int) -> Kind:
        if self.kind == "errors":
            return "errors" if n % self.every == 0 else "forward"
        if self.kind == "latency" or n > self.after:
            return self.kind
        return "forward"


class HostileProxy:
    """Forwards to `upstream` (a data-plane URL) with a switchable `mode`; counts requests."""

    def __init__(self, upstream: str, mode: Mode | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.mode = mode or Mode()
        self.requests = 0
        self.port = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stopped: asyncio.Event | None = None
        self._server: asyncio.Server | None = None
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HostileProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(STOP_TIMEOUT)
        return self

    def stop(self) -> None:
        """Close the listener and every held connection; idempotent, bounded in time."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            future = asyncio.run_coroutine_threadsafe(self._close(), self._loop)
            future.result(STOP_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> HostileProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _open(self) -> None:
        self._stopped = asyncio.Event()
        self._client = httpx.AsyncClient(timeout=30.0)
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        assert self._stopped is not None and self._server is not None
        self._stopped.set()
        self._server.close()
        for writer in list(self._writers):
            writer.close()  # a connection waiting for a request sees its end and returns
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
        for task in list(self._tasks):
            task.cancel()  # only what did not end by itself
        if self._client is not None:
            await self._client.aclose()

    def _next(self) -> tuple[int, Kind]:
        with self._lock:
            self.requests += 1
            return self.requests, self.mode.action(self.requests)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            for _ in range(MAX_REQUESTS_PER_CONNECTION):
                request = await asyncio.wait_for(_read_request(reader), IDLE_TIMEOUT)
                if request is None:
                    return
                _, kind = self._next()
                if not await self._answer(kind, request, writer):
                    return
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _answer(self, kind: Kind, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """Answer one request as `kind` says; False when the connection must end."""
        assert self._stopped is not None
        if kind == "stall":
            await self._stopped.wait()
            return False
        if kind == "close":
            writer.write(_head(200, "application/json", 4096) + b'{"namespaces": {"')
            await writer.drain()
            return False
        if kind == "drip":
            writer.write(_head(200, "application/json", DRIP_BYTES))
            for _ in range(DRIP_BYTES):
                await writer.drain()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), DRIP_INTERVAL)
                if self._stopped.is_set():
                    return False
                writer.write(b" ")
            return False
        if kind == "huge":
            writer.write(_head(200, "application/json", HUGE_BYTES))
            chunk = b" " * _CHUNK
            for _ in range(HUGE_BYTES // _CHUNK):
                writer.write(chunk)
                await writer.drain()
            return True
        if kind == "errors":
            body = b'{"error": {"code": "INTERNAL", "message": "injected failure"}}'
            writer.write(_head(500, "application/json", len(body)) + body)
        elif kind == "html":
            body = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
            writer.write(_head(200, "text/html; charset=utf-8", len(body)) + body)
        else:
            if kind == "latency":
                await asyncio.sleep(LATENCY)
            writer.write(await self._forward(request))
        await writer.drain()
        return True

    async def _forward(self, request: _Request) -> bytes:
        assert self._client is not None
        headers = {k: v for k, v in request.headers if k.lower() not in _HOP}
        try:
            response = await self._client.request(
                request.method,
                self.upstream + request.target,
                headers=headers,
                content=request.body,
            )
        except httpx.HTTPError:
            body = b'{"error": {"code": "UNAVAILABLE", "message": "upstream failed"}}'
            return _head(502, "application/json", len(body)) + body
        kept = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in _HOP and k.lower() != "content-encoding"
        ]
        lines = [f"HTTP/1.1 {response.status_code} {response.reason_phrase or 'Status'}"]
        lines += [f"{k}: {v}" for k, v in kept]
        lines.append(f"content-length: {len(response.content)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.content

    def namespaces(self, api_key: str) -> list[str]:
        """The namespaces the upstream holds now, asked of the upstream directly."""
        response = httpx.post(
            self.upstream + "/describe_index_stats",
            json={},
            headers={"Api-Key": api_key, "X-Pinecone-Api-Version": "2025-10"},
            timeout=10.0,
        )
        response.raise_for_status()
        return sorted(response.json().get("namespaces", {}))


@dataclass(frozen=True)
class _Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    """One request off a keep-alive connection; None when the client closed it cleanly."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
    pairs = [(k, v) for k, v in headers]
    length = next((int(v) for k, v in pairs if k.lower() == "content-length"), 0)
    if any(k.lower() == "transfer-encoding" for k, _ in pairs):
        raise ValueError("chunked request bodies are not supported by this proxy")
    body = await reader.readexactly(length) if length else b""
    return _Request(method, target, pairs, body)


def _head(status: int, content_type: str, length: int) -> bytes:
    reason = _REASONS.get(status, "Status")
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {length}\r\n\r\n"
    ).encode("latin-1")
