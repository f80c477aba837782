"""`VectorService` over one index: every RPC runs the REST data plane's handler for that operation.

A call becomes the REST request it stands for (`requests.py`), runs through the same handler,
validation and store as `dataplane.py` would run it, and the JSON answer becomes the response
message (`responses.py`); an ApiError ends the call with its gRPC code (`codes.py`) and message.
The API version comes from the `x-pinecone-api-version` metadata, as from the REST header, and a
method newer than that version is UNIMPLEMENTED. The LSN headers travel as initial metadata.
A request past the size limit (`listener.Oversized`) is refused like the REST 413, with the same
code. Every refusal is deterministic, so a RESOURCE_EXHAUSTED one says `grpc-retry-pushback-ms:
-1`: the gRPC retry convention for "do not retry", which clients that retry that code as
throttling (the official python client does) honour instead of retrying with backoff.
Handlers run on the event loop, exactly as the REST handlers do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
import orjson
from google.protobuf.message import Message
from starlette.datastructures import QueryParams
from starlette.responses import Response

from pinecone_messages import db_data_2025_10_pb2 as pb
from pinecone_messages import db_data_2025_10_pb2_grpc as pb_grpc
from reference_server import dataplane_namespaces as namespaces
from reference_server import dataplane_reads as reads
from reference_server import dataplane_writes as writes
from reference_server.dataplane_common import MAX_INDEXED_LSN, REQUEST_LSN, Context
from reference_server.errors import ApiError, payload_too_large
from reference_server.grpc_service import requests, responses
from reference_server.grpc_service.codes import status_of
from reference_server.grpc_service.listener import Oversized
from reference_server.jsonio import MAX_BODY_BYTES
from reference_server.store import IndexStore
from reference_server.versions import HEADER, at_least, parse_version

log = logging.getLogger(__name__)
_LSN_HEADERS = (REQUEST_LSN, MAX_INDEXED_LSN)
_NO_PARAMS = QueryParams("")
NO_RETRY = (("grpc-retry-pushback-ms", "-1"),)


@dataclass(frozen=True)
class Rpc:
    """One method: how its request reads as REST, the REST handler, how its answer is built."""

    to_rest: Callable[[Any], requests.RestRequest]
    handler: Callable[[Context], Response]
    response: type[Message]
    build: Callable[[dict[str, Any], Any], Message] = responses.generic
    min_version: str | None = None


RPCS: dict[str, Rpc] = {
    "Upsert": Rpc(requests.upsert, writes.upsert, pb.UpsertResponse),
    "Query": Rpc(requests.query, reads.query, pb.QueryResponse, responses.query),
    "Fetch": Rpc(requests.fetch, reads.fetch, pb.FetchResponse, responses.vectors),
    "FetchByMetadata": Rpc(
        requests.fetch_by_metadata,
        reads.fetch_by_metadata,
        pb.FetchByMetadataResponse,
        responses.vectors,
        "2025-10",
    ),
    "Update": Rpc(requests.update, writes.update, pb.UpdateResponse),
    "Delete": Rpc(requests.delete, writes.delete, pb.DeleteResponse),
    "DescribeIndexStats": Rpc(
        requests.describe_index_stats, reads.describe_index_stats, pb.DescribeIndexStatsResponse
    ),
    "List": Rpc(requests.list_ids, reads.list_ids, pb.ListResponse),
    "ListNamespaces": Rpc(
        requests.list_namespaces,
        namespaces.list_namespaces,
        pb.ListNamespacesResponse,
        min_version="2025-04",
    ),
    "DescribeNamespace": Rpc(
        requests.one_namespace,
        namespaces.describe_namespace,
        pb.NamespaceDescription,
        min_version="2025-04",
    ),
    "DeleteNamespace": Rpc(
        requests.one_namespace,
        namespaces.delete_namespace,
        pb.DeleteResponse,
        min_version="2025-04",
    ),
    "CreateNamespace": Rpc(
        requests.create_namespace,
        namespaces.create_namespace,
        pb.NamespaceDescription,
        min_version="2025-10",
    ),
}


def version_of(context: grpc.aio.ServicerContext) -> str:
    """The API version a call asks for (metadata keys are lowercase on the wire)."""
    for key, value in context.invocation_metadata() or ():
        if key == HEADER and isinstance(value, str):
            return parse_version(value)
    return parse_version(None)


def run(store: IndexStore, name: str, request: Any, version: str) -> tuple[Message, list]:
    """Answer one call: (response message, initial metadata), or raise ApiError."""
    rpc = RPCS[name]
    if isinstance(request, Oversized):
        raise payload_too_large(
            f"Request message of {request.size} bytes exceeds the limit of {MAX_BODY_BYTES} bytes"
        )
    if rpc.min_version is not None and not at_least(version, rpc.min_version):
        raise ApiError(
            501, f"{name} needs API version {rpc.min_version} or later", 12, "UNIMPLEMENTED"
        )
    rest = rpc.to_rest(request)
    answer = None
    if rest.decoded is not None:  # an upsert whose values are already one matrix
        body, matrix = rest.decoded
        if store.vector_type == "dense" and matrix.shape[1] == store.dense_dimension:
            ctx = Context(store, version, _NO_PARAMS, {}, b"")
            answer = writes.upsert_decoded(ctx, body, matrix)
        else:  # the handler words the refusal
            rest = requests.with_values(rest)
    if answer is None:
        ctx = Context(store, version, QueryParams(rest.params), rest.path, rest.body)
        answer = rpc.handler(ctx)
    payload = orjson.loads(answer.body)
    metadata = [(key, answer.headers[key]) for key in _LSN_HEADERS if key in answer.headers]
    return rpc.build(payload, rpc.response()), metadata


class VectorServicer(pb_grpc.VectorServiceServicer):
    """The reference `VectorService` of one index."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store

    async def _call(self, name: str, request: Any, context: grpc.aio.ServicerContext) -> Message:
        try:
            message, metadata = run(self.store, name, request, version_of(context))
        except ApiError as error:
            code, text = status_of(error), error.message
        except RecursionError:
            code, text = grpc.StatusCode.INVALID_ARGUMENT, "Invalid request: nested too deeply"
        except Exception:  # a bug, not bad input: say so instead of dropping the call
            log.exception("gRPC %s failed", name)
            code, text = grpc.StatusCode.INTERNAL, "Internal error"
        else:
            if metadata:
                await context.send_initial_metadata(metadata)
            return message
        trailer = NO_RETRY if code is grpc.StatusCode.RESOURCE_EXHAUSTED else ()
        await context.abort(code, text, trailing_metadata=trailer)
        raise AssertionError("abort returned")  # abort always raises

    async def Upsert(self, request: Any, context: Any) -> Message:
        return await self._call("Upsert", request, context)

    async def Query(self, request: Any, context: Any) -> Message:
        return await self._call("Query", request, context)

    async def Fetch(self, request: Any, context: Any) -> Message:
        return await self._call("Fetch", request, context)

    async def FetchByMetadata(self, request: Any, context: Any) -> Message:
        return await self._call("FetchByMetadata", request, context)

    async def Update(self, request: Any, context: Any) -> Message:
        return await self._call("Update", request, context)

    async def Delete(self, request: Any, context: Any) -> Message:
        return await self._call("Delete", request, context)

    async def DescribeIndexStats(self, request: Any, context: Any) -> Message:
        return await self._call("DescribeIndexStats", request, context)

    async def List(self, request: Any, context: Any) -> Message:
        return await self._call("List", request, context)

    async def ListNamespaces(self, request: Any, context: Any) -> Message:
        return await self._call("ListNamespaces", request, context)

    async def DescribeNamespace(self, request: Any, context: Any) -> Message:
        return await self._call("DescribeNamespace", request, context)

    async def DeleteNamespace(self, request: Any, context: Any) -> Message:
        return await self._call("DeleteNamespace", request, context)

    async def CreateNamespace(self, request: Any, context: Any) -> Message:
        return await self._call("CreateNamespace", request, context)
