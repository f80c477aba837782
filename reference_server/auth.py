"""API-key check as pure ASGI middleware, shared by the control plane and every index.

With a configured key, a request whose `Api-Key` header is missing or different gets 401 before it
reaches any route. Without one, every request passes, like Pinecone Local. The key is never logged
or echoed.
"""

from __future__ import annotations

import hmac
from typing import Literal

from starlette.types import ASGIApp, Receive, Scope, Send

CONTROL_401 = b'{"error":{"code":"UNAUTHENTICATED","message":"Invalid API key."},"status":401}'
DATA_401 = b"Unauthorized"

Plane = Literal["control", "data"]


class ApiKeyMiddleware:
    """Reject HTTP requests without the right `Api-Key` (header name case-insensitive).

    The control plane answers with its JSON `ErrorResponse`; the data plane with plain text
    `Unauthorized`, as the auth proxy in front of Pinecone's data plane does (digest §3.1).
    """

    def __init__(self, app: ASGIApp, api_key: str | None, plane: Plane) -> None:
        self.app = app
        self._key = api_key.encode("latin-1") if api_key else None
        if plane == "control":
            self._body, self._type = CONTROL_401, b"application/json"
        else:
            self._body, self._type = DATA_401, b"text/plain; charset=utf-8"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._key is None or scope["type"] != "http" or self._authorized(scope):
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", self._type),
                    (b"content-length", str(len(self._body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": self._body})

    def _authorized(self, scope: Scope) -> bool:
        """True when exactly one `Api-Key` header is present and equals the key (constant time)."""
        assert self._key is not None
        given = [value for name, value in scope["headers"] if name.lower() == b"api-key"]
        return len(given) == 1 and hmac.compare_digest(given[0], self._key)
