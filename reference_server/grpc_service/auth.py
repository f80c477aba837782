"""The API-key check for gRPC: the `api-key` metadata entry, by the REST rules (`auth.py`).

With a configured key, a call without exactly one `api-key` entry equal to it ends with
UNAUTHENTICATED before any servicer code runs; without one, every call passes, like Pinecone Local.
The key is never logged or echoed.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

METADATA_KEY = "api-key"
MESSAGE = "Unauthorized"


async def _deny(request: Any, context: grpc.aio.ServicerContext) -> None:
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, MESSAGE)


_DENIED: grpc.RpcMethodHandler[Any, None] = grpc.unary_unary_rpc_method_handler(_deny)


def _value_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1", "replace")


class ApiKeyInterceptor(grpc.aio.ServerInterceptor):
    """Reject calls whose `api-key` metadata is missing, repeated or different."""

    def __init__(self, api_key: str | None) -> None:
        self._key = api_key.encode("latin-1") if api_key else None

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        if self._key is None or self._authorized(handler_call_details.invocation_metadata):
            return await continuation(handler_call_details)
        return _DENIED

    def _authorized(self, metadata: Any) -> bool:
        assert self._key is not None
        given = [_value_bytes(value) for key, value in metadata or () if key == METADATA_KEY]
        return len(given) == 1 and hmac.compare_digest(given[0], self._key)
