"""A small ASGI toolkit for mutants: see a whole request, forward it (or others) to the data-plane
app, and rewrite the whole response.

Everything is buffered: data-plane bodies are small (at most a few MB), and buffering keeps each
mutant a plain `async def handle(request, forward) -> Reply`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass
class Request:
    """One HTTP request to the data plane, fully read."""

    method: str
    path: str
    query_string: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    def params(self) -> list[tuple[str, str]]:
        """The decoded query parameters, in order."""
        return parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True)

    def param(self, name: str) -> str | None:
        """The first value of query parameter `name`, or None."""
        return next((v for k, v in self.params() if k == name), None)

    def with_params(self, params: list[tuple[str, str]]) -> Request:
        """A copy with these query parameters (percent-encoded, spaces as %20)."""
        return replace(self, query_string=urlencode(params, quote_via=quote).encode())

    def json(self) -> Any:
        """The parsed JSON body; None when empty or not JSON."""
        return loads(self.body)

    def with_json(self, payload: Any) -> Request:
        """A copy whose body is `payload` as JSON."""
        return replace(self, body=json.dumps(payload).encode())

    def is_(self, method: str, path: str) -> bool:
        """Whether this request is `method path` (path without trailing slash)."""
        return self.method == method and self.path.rstrip("/") == path


@dataclass
class Reply:
    """One HTTP response, fully read."""

    status: int
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    def json(self) -> Any:
        """The parsed JSON body; None when empty or not JSON."""
        return loads(self.body)

    def with_json(self, payload: Any, status: int | None = None) -> Reply:
        """A copy whose body is `payload` as JSON (content-length follows)."""
        return replace(self, status=self.status if status is None else status).with_body(
            json.dumps(payload).encode()
        )

    def with_body(self, body: bytes) -> Reply:
        """A copy with this body and a matching content-length header."""
        headers = [(k, v) for k, v in self.headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        return replace(self, headers=headers, body=body)

    def header(self, name: str) -> str | None:
        """The first value of header `name`, or None."""
        wanted = name.lower().encode()
        return next((v.decode("latin-1") for k, v in self.headers if k.lower() == wanted), None)

    def with_header(self, name: str, value: str | None) -> Reply:
        """A copy with header `name` set to `value` (removed when None)."""
        wanted = name.lower().encode()
        headers = [(k, v) for k, v in self.headers if k.lower() != wanted]
        if value is not None:
            headers.append((wanted, value.encode("latin-1")))
        return replace(self, headers=headers)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def loads(raw: bytes) -> Any:
    """JSON or None."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


Forward = Callable[[Request], Awaitable[Reply]]
Handler = Callable[[Request, Forward], Awaitable[Reply]]


class Rewrite:
    """An ASGI app that hands each HTTP request to `handler`, which may call `forward` (the wrapped
    app) any number of times and returns the reply to send."""

    def __init__(self, app: ASGIApp, handler: Handler) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        request = Request(
            scope["method"],
            scope["path"],
            scope.get("query_string", b""),
            list(scope.get("headers", [])),
            b"".join(chunks),
        )

        async def forward(req: Request) -> Reply:
            return await call(self.app, scope, req)

        reply = await self.handler(request, forward)
        await send(
            {"type": "http.response.start", "status": reply.status, "headers": reply.headers}
        )
        await send({"type": "http.response.body", "body": reply.body})


async def call(app: ASGIApp, base: Scope, request: Request) -> Reply:
    """Run `request` through `app` (with the connection details of `base`) and collect the reply."""
    headers = [(k, v) for k, v in request.headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(request.body)).encode()))
    scope = {
        **base,
        "method": request.method,
        "path": request.path,
        "raw_path": quote(request.path).encode(),
        "query_string": request.query_string,
        "headers": headers,
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": request.body, "more_body": False}

    reply = Reply(500)
    body: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            reply.status = message["status"]
            reply.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    reply.body = b"".join(body)
    return reply
