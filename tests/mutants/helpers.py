"""Routes and request/reply helpers shared by the mutants of every API area."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tests.mutants.asgi import Forward, Reply, Request

UPSERT = ("POST", "/vectors/upsert")
QUERY = ("POST", "/query")
FETCH = ("GET", "/vectors/fetch")
FBM = ("POST", "/vectors/fetch_by_metadata")
UPDATE = ("POST", "/vectors/update")
DELETE = ("POST", "/vectors/delete")
LIST = ("GET", "/vectors/list")
STATS = ("POST", "/describe_index_stats")
STATS_GET = ("GET", "/describe_index_stats")
NAMESPACES = ("GET", "/namespaces")
ALIAS = "__default__"
MAX_BATCH = 1000


def body_of(request: Request) -> dict[str, Any] | None:
    """The request's JSON object body, or None."""
    body = request.json()
    return body if isinstance(body, dict) else None


def namespace_of(request: Request) -> str | None:
    """The namespace a request names (body for POST, query string otherwise)."""
    body = body_of(request)
    if body is not None and "namespace" in body:
        value = body["namespace"]
        return value if isinstance(value, str) else None
    return request.param("namespace")


def get(request: Request, path: str, params: list[tuple[str, str]]) -> Request:
    """A GET sub-request with the original headers (key, API version)."""
    return Request("GET", path, b"", request.headers).with_params(params)


def post(request: Request, path: str, payload: dict[str, Any]) -> Request:
    """A POST sub-request with the original headers and a JSON body."""
    return Request("POST", path, b"", request.headers).with_json(payload)


async def fetch_records(
    forward: Forward, request: Request, ids: Iterable[str], namespace: str | None
) -> dict[str, Any]:
    """The records among `ids` that exist (one fetch per 1000 ids)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Any] = {}
    ns = [] if namespace is None else [("namespace", namespace)]
    for start in range(0, len(wanted), MAX_BATCH):
        params = [("ids", i) for i in wanted[start : start + MAX_BATCH]] + ns
        reply = await forward(get(request, "/vectors/fetch", params))
        body = reply.json()
        if reply.ok and isinstance(body, dict) and isinstance(body.get("vectors"), dict):
            found.update(body["vectors"])
    return found


def as_upsert(record: dict[str, Any]) -> dict[str, Any]:
    """A fetched record as an upsert vector."""
    keys = ("id", "values", "sparseValues", "metadata")
    return {k: record[k] for k in keys if k in record}


def upsert_vectors(request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """(body, vectors) of a well-formed upsert request, or None."""
    body = body_of(request)
    vectors = body.get("vectors") if body else None
    if body is None or not isinstance(vectors, list) or not vectors:
        return None
    if not all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in vectors):
        return None
    return body, vectors


def update_by_id(request: Request) -> dict[str, Any] | None:
    """The body of an update by id (not by filter), or None."""
    if not request.is_(*UPDATE):
        return None
    body = body_of(request)
    if body is None or not isinstance(body.get("id"), str) or body.get("filter") is not None:
        return None
    return body


def has_matches(reply: Reply, payload: Any) -> bool:
    """Whether a query reply succeeded with a `matches` list."""
    return reply.ok and isinstance(payload, dict) and isinstance(payload.get("matches"), list)


def rpc_error(status: int, code: int, message: str) -> Reply:
    """A data-plane error reply."""
    return Reply(status, [(b"content-type", b"application/json")]).with_json(
        {"code": code, "message": message, "details": []}
    )


def unit_values(dimension: int | None) -> list[float]:
    """A non-zero dense vector of the index dimension."""
    return [1.0] + [0.0] * ((dimension or 1) - 1)


def is_delete_all(request: Request) -> bool:
    """Whether a delete request asks for deleteAll (JSON body or query string)."""
    body = body_of(request)
    if body is not None:
        return body.get("deleteAll") is True or body.get("delete_all") is True
    return (request.param("deleteAll") or request.param("delete_all") or "").lower() == "true"


async def edit_json(
    request: Request, forward: Forward, edit: Callable[[dict[str, Any]], Any]
) -> Reply:
    """Forward `request` and apply `edit` to a successful JSON object reply (in place)."""
    reply = await forward(request)
    body = reply.json()
    if not reply.ok or not isinstance(body, dict):
        return reply
    edit(body)
    return reply.with_json(body)


def in_namespace_of(body: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` with the namespace `body` names, when it names one."""
    return {**payload, "namespace": body["namespace"]} if "namespace" in body else payload


async def upsert_after_update(
    request: Request, forward: Forward, body: dict[str, Any], record: dict[str, Any], reply: Reply
) -> Reply:
    """Write `record` over what the update `body` did (same namespace): `{}` when the upsert
    succeeds, else the update's own `reply`."""
    payload = in_namespace_of(body, {"vectors": [record]})
    written = await forward(post(request, "/vectors/upsert", payload))
    return written.with_json({}) if written.ok else reply
