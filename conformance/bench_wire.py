"""The bench's latency client: one keep-alive HTTP/1.1 connection from the standard library.

Fetch and query latencies are meant to show the server. A full client library spends about
0.4 ms of its own Python per request on a small machine (httpx, measured against the reference
server with 1,000 records: 0.81 ms per query against 0.38 ms over `http.client`), which would
hide a tenth of a 50,000-record query in the figure. This client sends one prepared body per
request in a single write and reads the reply whole; nothing else.
"""

from __future__ import annotations

import http.client
import socket
import urllib.parse
from dataclasses import dataclass
from typing import Any

import orjson

RECONNECTS = 1  # a server may close an idle keep-alive connection; one fresh try, no more


@dataclass(frozen=True)
class Reply:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return orjson.loads(self.content)


class KeepAliveClient:
    """Requests to one base URL (any path prefix kept) over one persistent connection."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self._prefix = parts.path.rstrip("/")
        self._headers = headers
        self._timeout = timeout
        self._secure = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> Reply:
        return self._send("POST", path, body)

    def get(self, path: str, params: dict[str, str]) -> Reply:
        return self._send("GET", f"{path}?{urllib.parse.urlencode(params)}", None)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> KeepAliveClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, method: str, path: str, body: bytes | None) -> Reply:
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(RECONNECTS + 1):
            connection = self._connect()
            try:
                connection.request(method, self._prefix + path, body=body, headers=headers)
                response = connection.getresponse()
                return Reply(response.status, response.read())
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == RECONNECTS:
                    raise
        raise AssertionError("unreachable")  # the loop returns or raises

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._secure else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self._timeout)
            connection.connect()
            assert connection.sock is not None
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connection = connection
        return self._connection
