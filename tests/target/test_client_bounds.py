"""Every request ends within its total deadline, and no response body is buffered past the cap,
whatever the target does: drip-feeding its body, declaring or streaming a huge one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from conformance.target.client import DataPlaneClient, ResponseTooLarge


class _Hostile(BaseHTTPRequestHandler):
    """Answers by path: /drip one byte every 0.2 s, /declared a huge Content-Length, /chunked an
    endless chunked body, anything else a small JSON body."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path.endswith("/drip"):
            self._head(200, {"Content-Length": "100"})
            for _ in range(100):
                if not self._write(b" "):
                    return
                time.sleep(0.2)
        elif self.path.endswith("/declared"):
            self._head(200, {"Content-Length": str(50 * 1024 * 1024)})
            self._write(b"x" * 1024)
        elif self.path.endswith("/chunked"):
            self._head(200, {"Transfer-Encoding": "chunked"})
            chunk = b"x" * 65536
            for _ in range(2000):  # at most 128 MiB; the client stops reading long before
                if not self._write(b"%x\r\n%s\r\n" % (len(chunk), chunk)):
                    return
        else:
            self._head(200, {"Content-Length": "2", "Content-Type": "application/json"})
            self._write(b"{}")

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _write(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            return False
        return True


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _client(url: str, *, timeout: float = 1.0, cap: int = 1024 * 1024) -> DataPlaneClient:
    return DataPlaneClient(url, "key", timeout=timeout, max_response_bytes=cap)


def test_a_drip_fed_body_ends_at_the_total_deadline(hostile: str) -> None:
    client = _client(hostile, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout, match="deadline of a whole request"):
        client.request("POST", "/drip", json={})
    elapsed = time.monotonic() - started
    assert elapsed < 5.0, f"the request took {elapsed:.1f}s, not about its 1s deadline"
    assert "transport error" in client.render_transcript()


@pytest.mark.parametrize("path", ["/declared", "/chunked"])
def test_a_body_over_the_cap_fails_that_request(hostile: str, path: str) -> None:
    client = _client(hostile, timeout=30.0)
    with pytest.raises(ResponseTooLarge, match="cap of 1048576 bytes"):
        client.request("POST", path, json={})


def test_a_normal_answer_is_read_whole(hostile: str) -> None:
    response = _client(hostile).request("POST", "/describe_index_stats", json={})
    assert (response.status, response.json) == (200, {})
