"""Mutants of the gRPC wire form: status codes and metadata of `VectorService` calls.

Each wraps one index's reference gRPC service (`reference_server.grpc_service.GrpcService`) with
an interceptor in front of the API-key check, so it sees every call: it may hide metadata from the
servicer and turn the status code a call ends with into another. The REST data plane is untouched,
and each mutant is run with `--transport grpc`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from reference_server.grpc_service import GrpcService
from tests.mutants.registry import MutantGroup

GROUP = MutantGroup()
grpc_mutant = GROUP.grpc
Code = grpc.StatusCode


class Recoder:
    """What a mutant changes in a call: the status code it ends with, the metadata the servicer
    reads; `observe` sees every request first (for mutants that remember)."""

    hidden_metadata: frozenset[str] = frozenset()

    def observe(self, method: str, request: Any) -> None:
        """Called with every call's request before it is answered."""

    def code(self, method: str, request: Any, code: Code) -> Code:
        """The code a call that would end with `code` ends with instead."""
        return code


class _Context:
    """A servicer context whose aborts are recoded and whose metadata may hide entries."""

    def __init__(self, context: Any, method: str, request: Any, recoder: Recoder) -> None:
        self._context, self._method, self._request, self._recoder = (
            context,
            method,
            request,
            recoder,
        )

    def invocation_metadata(self) -> Any:
        hidden = self._recoder.hidden_metadata
        return tuple(m for m in self._context.invocation_metadata() or () if m[0] not in hidden)

    async def abort(self, code: Code, details: str = "", trailing_metadata: Any = ()) -> None:
        recoded = self._recoder.code(self._method, self._request, code)
        await self._context.abort(recoded, details, trailing_metadata)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class RecodingInterceptor(grpc.aio.ServerInterceptor):
    """Put a `Recoder` around every unary call, the API-key check's rejections included."""

    def __init__(self, recoder: Recoder) -> None:
        self.recoder = recoder

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        method = str(handler_call_details.method).rsplit("/", 1)[-1]
        recoder = self.recoder

        async def behavior(request: Any, context: Any) -> Any:
            recoder.observe(method, request)
            return await inner(request, _Context(context, method, request, recoder))

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _in_front(recoder: Recoder) -> Callable[[GrpcService], GrpcService]:
    return lambda service: GrpcService(
        service.servicer, [RecodingInterceptor(recoder), *service.interceptors]
    )


class _OutOfRange(Recoder):
    def code(self, method: str, request: Any, code: Code) -> Code:
        return Code.OUT_OF_RANGE if code == Code.INVALID_ARGUMENT else code


class _UnknownNamespacePrecondition(Recoder):
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def observe(self, method: str, request: Any) -> None:
        # getattr: an oversized request reaches the servicer unparsed, without fields
        if method == "Upsert":
            self.seen.add(getattr(request, "namespace", ""))
        elif method == "CreateNamespace":
            self.seen.add(getattr(request, "name", ""))

    def code(self, method: str, request: Any, code: Code) -> Code:
        never_seen = method == "DescribeNamespace" and request.namespace not in self.seen
        return Code.FAILED_PRECONDITION if code == Code.NOT_FOUND and never_seen else code


class _PermissionDenied(Recoder):
    def code(self, method: str, request: Any, code: Code) -> Code:
        return Code.PERMISSION_DENIED if code == Code.UNAUTHENTICATED else code


class _VersionIgnored(Recoder):
    hidden_metadata = frozenset({"x-pinecone-api-version"})


@grpc_mutant("grpc-invalid-argument-out-of-range", "GRPC-INVALID-ARGUMENT")
def invalid_argument_out_of_range(service: GrpcService) -> GrpcService:
    """Invalid requests end with OUT_OF_RANGE (HTTP 400 too), not INVALID_ARGUMENT."""
    return _in_front(_OutOfRange())(service)


@grpc_mutant("grpc-unknown-namespace-precondition", "GRPC-NOT-FOUND", api_version="2026-07")
def unknown_namespace_precondition(service: GrpcService) -> GrpcService:
    """DescribeNamespace of a namespace the index never held ends with FAILED_PRECONDITION."""
    return _in_front(_UnknownNamespacePrecondition())(service)


@grpc_mutant("grpc-bad-key-permission-denied", "GRPC-UNAUTHENTICATED")
def bad_key_permission_denied(service: GrpcService) -> GrpcService:
    """A missing or wrong `api-key` ends with PERMISSION_DENIED (HTTP 403), not UNAUTHENTICATED."""
    return _in_front(_PermissionDenied())(service)


@grpc_mutant("grpc-version-metadata-ignored", "GRPC-VERSION-METADATA")
def version_metadata_ignored(service: GrpcService) -> GrpcService:
    """`x-pinecone-api-version` metadata is ignored: every call is served at the default version."""
    return _in_front(_VersionIgnored())(service)
