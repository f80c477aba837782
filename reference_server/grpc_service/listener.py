"""One index's gRPC listener: a `grpc.aio` server on the server's event loop, on loopback.

It runs on the same loop as the index's REST listener, so gRPC and REST calls take turns exactly
as REST calls do among themselves. Plaintext, loopback only; stopping is bounded.

A request message larger than the REST body limit is not parsed: the servicer receives an
`Oversized` in its place and refuses it like the REST 413 (see `servicer.py`). gRPC's own limit,
which ends a call before any servicer code runs, is set far above it (the REST drain limit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc

from pinecone_messages import db_data_2025_10_pb2 as pb
from reference_server.grpc_service import GrpcService
from reference_server.jsonio import MAX_BODY_BYTES, MAX_DRAIN_BYTES

STOP_GRACE = 2.0
LOOPBACK_V4 = "127.0.0.1"


@dataclass(frozen=True)
class Oversized:
    """Stands for a request message of `size` bytes, past the limit, that was not parsed."""

    size: int


def _limited(parse: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def read(raw: bytes) -> Any:
        return Oversized(len(raw)) if len(raw) > MAX_BODY_BYTES else parse(raw)

    return read


def vector_service_handler(servicer: Any) -> grpc.GenericRpcHandler:
    """`VectorService`'s methods on `servicer`, each request read under the size limit."""
    service = pb.DESCRIPTOR.services_by_name["VectorService"]
    handlers = {}
    for method in service.methods:
        request, response = (getattr(pb, m.name) for m in (method.input_type, method.output_type))
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            getattr(servicer, method.name),
            request_deserializer=_limited(request.FromString),
            response_serializer=response.SerializeToString,
        )
    return grpc.method_handlers_generic_handler(service.full_name, handlers)


def loopback_for(bind_host: str) -> str:
    """The loopback address a gRPC listener binds when the server binds `bind_host`."""
    return "[::1]" if bind_host in ("::1", "[::1]") else LOOPBACK_V4


class GrpcListener:
    """Serves one `GrpcService` on its own loopback port."""

    def __init__(self, service: GrpcService, host: str = LOOPBACK_V4) -> None:
        self.server = grpc.aio.server(
            interceptors=service.interceptors,
            options=[
                ("grpc.max_receive_message_length", MAX_DRAIN_BYTES),
                ("grpc.so_reuseport", 0),
            ],
        )
        self.server.add_generic_rpc_handlers((vector_service_handler(service.servicer),))
        self.port = self.server.add_insecure_port(f"{host}:0")
        if self.port == 0:
            raise OSError(f"cannot listen for gRPC on {host}")
        self.address = f"{host}:{self.port}"

    async def start(self) -> None:
        await self.server.start()

    async def stop(self) -> None:
        """Refuse new calls, give running ones STOP_GRACE seconds, then cancel them."""
        await self.server.stop(STOP_GRACE)
