"""Mutants of the error bodies and response headers shared by every data-plane route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.helpers import (
    QUERY,
    body_of,
    rpc_error,
)
from tests.mutants.registry import Ctx, Handler, MutantGroup

GROUP = MutantGroup()
mutant = GROUP.mutant


# -- errors and headers ---------------------------------------------------------------------------
def error_handler(edit: Callable[[Reply, dict[str, Any]], Reply]) -> Handler:
    """A handler that rewrites JSON error replies (status >= 400)."""

    async def handle(request: Request, forward: Forward, ctx: Ctx) -> Reply:
        reply = await forward(request)
        body = reply.json()
        if reply.status < 400 or not isinstance(body, dict):
            return reply
        return edit(reply, body)

    return handle


CP_CODES = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    413: "PAYLOAD_TOO_LARGE",
}


def _drop_details(reply: Reply, body: dict[str, Any]) -> Reply:
    body.pop("details", None)
    return reply.with_json(body)


def _control_plane_shape(reply: Reply, body: dict[str, Any]) -> Reply:
    code = CP_CODES.get(reply.status, "UNKNOWN")
    return reply.with_json(
        {"error": {"code": code, "message": body.get("message", "")}, "status": reply.status}
    )


def _server_error(reply: Reply, body: dict[str, Any]) -> Reply:
    if reply.status != 400:
        return reply
    return reply.with_json({**body, "code": 13}, status=500)


mutant(
    "errors-no-details",
    "ERRORS-RPCSTATUS-SHAPE",
    "RECORDS-ERRORS-RPCSTATUS",
    summary="Data-plane error bodies lack the `details` array.",
)(error_handler(_drop_details))
mutant(
    "errors-control-plane-shape",
    "ERRORS-RPCSTATUS-SHAPE",
    "RECORDS-ERRORS-RPCSTATUS",
    "ERRORS-VALIDATION-400",
    "*-400",
    summary="Data-plane errors use the control plane's `{error: {code, message}, status}` shape.",
)(error_handler(_control_plane_shape))


def _error_object_shape(reply: Reply, body: dict[str, Any]) -> Reply:
    code = CP_CODES.get(reply.status, "UNKNOWN")
    return reply.with_json({"error": {"code": code, "message": body.get("message", "")}})


mutant(
    "errors-error-object-body",
    "ERRORS-RPCSTATUS-SHAPE",
    "RECORDS-ERRORS-RPCSTATUS",
    summary="Data-plane errors keep their status but answer "
    '`{"error": {"code": "INVALID_ARGUMENT", "message": ...}}` instead of an rpcStatus body.',
)(error_handler(_error_object_shape))
# Every behavior whose statement is "... is rejected with 400": a server that answers validation
# failures with another status breaks each of them, not only the error-code behaviors.
VALIDATION_400 = (
    "ERRORS-VALIDATION-400",
    "*-400",
    "*REJECTED*",
    "*INVALID*",
    "DELETE-MAX-IDS",
    "ERRORS-MALFORMED-JSON",
    "ERRORS-QUERY-ID-LENGTH",
    "ERRORS-WRONG-JSON-TYPE",
    "IMPORTS-LIST-LIMIT-RANGE",
    "IMPORTS-START-ERROR-MODE-VALUES",
    "IMPORTS-START-URI-REQUIRED",
    "NAMESPACES-SCHEMA-FILTERABLE-TRUE",
    "QUERY-DIMENSION-MISMATCH",
    "QUERY-TOPK-RANGE",
    "QUERY-TOPK-REQUIRED",
    "RECORDS-SEARCH-TOP-K-REQUIRED",
    "UPSERT-BATCH-ATOMIC",
    "UPSERT-ID-MAX-LENGTH",
    "UPSERT-MAX-VECTORS",
    "UPSERT-METADATA-SIZE-LIMIT",
    "UPSERT-SPARSE-INDEX-RANGE",
    "UPSERT-SPARSE-REQUIRED",
)
mutant(
    "validation-500",
    *VALIDATION_400,
    "ERRORS-VALIDATION-NOT-RETRYABLE",
    summary="Validation failures answer 500 (code 13) instead of 400.",
)(error_handler(_server_error))


@mutant("lsn-headers-missing", "AUTH-LSN-HEADERS")
async def lsn_headers_missing(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Responses carry no x-pinecone-request-lsn / x-pinecone-max-indexed-lsn headers."""
    reply = await forward(request)
    reply = reply.with_header("x-pinecone-request-lsn", None)
    return reply.with_header("x-pinecone-max-indexed-lsn", None)


@mutant("delete-legacy-method-405", "DELETE-LEGACY-METHOD", "DELETE-QUERY-PARAMS")
async def delete_legacy_method_405(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """DELETE /vectors/delete answers 405 (only POST is served)."""
    if request.is_("DELETE", "/vectors/delete"):
        return rpc_error(405, 12, "Method Not Allowed")
    return await forward(request)


def _retryable(reply: Reply, body: dict[str, Any]) -> Reply:
    if reply.status != 400:
        return reply
    return reply.with_json({**body, "code": 8}, status=429)


mutant(
    "validation-429",
    "ERRORS-VALIDATION-NOT-RETRYABLE",
    *VALIDATION_400,
    summary="Validation failures answer 429 (code 8, retryable) instead of 400.",
)(error_handler(_retryable))


@mutant("malformed-json-500", "ERRORS-MALFORMED-JSON")
async def malformed_json_500(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A POST body that is not a JSON object answers 500 (code 13) instead of 4xx."""
    reply = await forward(request)
    if request.method != "POST" or not request.body.strip() or body_of(request) is not None:
        return reply
    if 400 <= reply.status < 500:
        return rpc_error(500, 13, "Internal error")
    return reply


WRONG_TYPES = {"topK": int, "vector": list, "filter": dict, "includeValues": bool}


@mutant("wrong-json-type-500", "ERRORS-WRONG-JSON-TYPE")
async def wrong_json_type_500(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A query field of the wrong JSON type (topK, vector, filter, includeValues) answers 500."""
    reply = await forward(request)
    body = body_of(request) if request.is_(*QUERY) else None
    if body is None or not 400 <= reply.status < 500:
        return reply
    wrong = [k for k, t in WRONG_TYPES.items() if k in body and type(body[k]) is not t]
    return rpc_error(500, 13, "Internal error") if wrong else reply


def _dimension_message(reply: Reply, body: dict[str, Any]) -> Reply:
    message = body.get("message")
    if reply.status != 400 or not isinstance(message, str) or "Vector dimension" not in message:
        return reply
    return reply.with_json({**body, "message": "Invalid vector"})


_query_dimension_message = error_handler(_dimension_message)


@mutant("dimension-message-generic", "ERRORS-DIMENSION-MESSAGE")
async def dimension_message_generic(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A query vector of the wrong length is reported as "Invalid vector", without the
    dimensions (upsert's wording is UPSERT-ERROR-MESSAGES', left alone)."""
    if not request.is_(*QUERY):
        return await forward(request)
    return await _query_dimension_message(request, forward, ctx)
