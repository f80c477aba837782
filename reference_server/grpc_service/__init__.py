"""The data plane over gRPC: Pinecone's `VectorService` for every index, beside its REST listener.

Each RPC is answered by the REST data plane's own handler (`dataplane_*.py`) over the same
`IndexStore`, so both wire forms share one set of rules and one set of records: a REST write is
visible to a gRPC read and back. Importing this package does not import grpc; `available()` says
whether the `grpc` extra is installed, and `listener.GrpcListener` serves one index.

Hook for other servers (the mutant tests use it): `reference_server.__main__.main(...,
grpc_factory=...)` takes a `GrpcServiceFactory`. It is called once per index with the index's
store and the server's API key and returns a `GrpcService`: the servicer whose methods answer the
RPCs (each gets the parsed request message, or a `listener.Oversized` past the size limit), and
the `grpc.aio.ServerInterceptor`s in front of it (outermost first; the default is the API-key
check). Wrap `default_grpc_service` and change either part, e.g.

    def factory(store, api_key):
        service = default_grpc_service(store, api_key)
        return GrpcService(service.servicer, [MyInterceptor(), *service.interceptors])
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reference_server.store import IndexStore


@dataclass
class GrpcService:
    """What one index's gRPC listener serves: the `VectorService` servicer and its interceptors."""

    servicer: Any
    interceptors: list[Any] = field(default_factory=list)


GrpcServiceFactory = Callable[["IndexStore", "str | None"], GrpcService]
"""Builds one index's gRPC service from its store and the server's API key (None: any key)."""


def available() -> str | None:
    """None when gRPC can be served here, else why not (the `grpc` extra is missing)."""
    try:
        from pinecone_messages import INSTALL_HINT, missing_reason
    except ImportError as error:  # an install without the package: serve REST only
        return f"the gRPC messages are not installed ({error})"
    if importlib.util.find_spec("grpc") is None:
        return INSTALL_HINT
    return missing_reason()


def default_grpc_service(store: IndexStore, api_key: str | None) -> GrpcService:
    """The reference service: the servicer over `store` behind the API-key check."""
    from reference_server.grpc_service.auth import ApiKeyInterceptor
    from reference_server.grpc_service.servicer import VectorServicer

    return GrpcService(VectorServicer(store), [ApiKeyInterceptor(api_key)])
