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
        self._json_headers = {**headers, "Content-Type": "application/json"}
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
        headers = self._headers if body is None else self._json_headers
        try:
            return self._exchange(method, self._prefix + path, body, headers)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed the idle keep-alive connection: one fresh connection, no more.
            self.close()
            return self._exchange(method, self._prefix + path, body, headers)

    def _exchange(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> Reply:
        connection = self._connect()
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.read())

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._secure else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self._timeout)
            connection.connect()
            assert connection.sock is not None
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connection = connection
        return self._connection
