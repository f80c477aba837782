"""One index's gRPC listener: a `grpc.aio` server on the server's event loop, on loopback.

It runs on the same loop as the index's REST listener, so gRPC and REST calls take turns exactly
as REST calls do among themselves. Plaintext, loopback only; requests larger than the REST body
limit end with RESOURCE_EXHAUSTED (the code of the REST 413); stopping is bounded.
"""

from __future__ import annotations

import grpc

from pinecone_messages import db_data_2025_10_pb2_grpc as pb_grpc
from reference_server.grpc_service import GrpcService
from reference_server.jsonio import MAX_BODY_BYTES

STOP_GRACE = 2.0
LOOPBACK_V4 = "127.0.0.1"


def loopback_for(bind_host: str) -> str:
    """The loopback address a gRPC listener binds when the server binds `bind_host`."""
    return "[::1]" if bind_host in ("::1", "[::1]") else LOOPBACK_V4


class GrpcListener:
    """Serves one `GrpcService` on its own loopback port."""

    def __init__(self, service: GrpcService, host: str = LOOPBACK_V4) -> None:
        self.server = grpc.aio.server(
            interceptors=service.interceptors,
            options=[
                ("grpc.max_receive_message_length", MAX_BODY_BYTES),
                ("grpc.so_reuseport", 0),
            ],
        )
        pb_grpc.add_VectorServiceServicer_to_server(service.servicer, self.server)
        self.port = self.server.add_insecure_port(f"{host}:0")
        if self.port == 0:
            raise OSError(f"cannot listen for gRPC on {host}")
        self.address = f"{host}:{self.port}"

    async def start(self) -> None:
        await self.server.start()

    async def stop(self) -> None:
        """Refuse new calls, give running ones STOP_GRACE seconds, then cancel them."""
        await self.server.stop(STOP_GRACE)
