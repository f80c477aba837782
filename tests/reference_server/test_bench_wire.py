"""The bench's latency client: the target's path prefix is kept, and a keep-alive connection
the server closed while idle is replaced once, not retried without end."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from conformance.bench_wire import KeepAliveClient


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str, bytes]]] = []
    close_next = 0  # answer this many requests with Connection: close

    def _answer(self, body: bytes) -> None:
        self.seen.append((self.command, self.path, body))
        reply = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        if _Handler.close_next:
            _Handler.close_next -= 1
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(reply)

    def do_POST(self) -> None:
        self._answer(self.rfile.read(int(self.headers["Content-Length"])))

    def do_GET(self) -> None:
        self._answer(b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen = []
    _Handler.close_next = 0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_requests_keep_the_path_prefix_and_headers(server: str) -> None:
    with KeepAliveClient(server + "/indexes/one/", {"Api-Key": "k"}, timeout=5) as client:
        assert client.post("/query", b'{"topK": 1}').json() == {"ok": True}
        reply = client.get("/vectors/fetch", {"ids": "a b", "namespace": "n"})
    assert reply.status_code == 200 and reply.text == '{"ok": true}'
    assert _Handler.seen == [
        ("POST", "/indexes/one/query", b'{"topK": 1}'),
        ("GET", "/indexes/one/vectors/fetch?ids=a+b&namespace=n", b""),
    ]


def test_a_connection_the_server_closed_is_replaced(server: str) -> None:
    _Handler.close_next = 1
    with KeepAliveClient(server, {}, timeout=5) as client:
        for _ in range(3):
            assert client.post("/query", b"{}").status_code == 200
    assert len(_Handler.seen) == 3


def test_an_unreachable_server_fails_at_once() -> None:
    with KeepAliveClient("http://127.0.0.1:9", {}, timeout=5) as client, pytest.raises(OSError):
        client.post("/query", b"{}")
