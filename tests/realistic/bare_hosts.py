"""The reference server with a control plane that describes index hosts without a scheme, as
hosted services do (`my-index-abc.svc.pinecone.io`): `python -m tests.realistic.bare_hosts`
takes the reference server's flags."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_server.__main__ import main
from reference_server.controlplane import create_control_app


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: v.split("://", 1)[-1] if k == "host" and isinstance(v, str) else _strip(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


class BareHosts:
    """ASGI middleware: every `host` in a JSON response loses its scheme."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        with contextlib.suppress(ValueError):
            body = json.dumps(_strip(json.loads(body))).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def bare_control_app(manager: Any) -> ASGIApp:
    return BareHosts(create_control_app(manager))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], control_app_factory=bare_control_app))
