"""Mutants of the control plane: `/indexes` CRUD, whoami and the control-plane error body.

Each wraps the control-plane app (behind the API-key check) with a `Rewrite` handler.
"""

from __future__ import annotations

from typing import Any

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.registry import MutantGroup

GROUP = MutantGroup()
control = GROUP.control


def _index_name(request: Request) -> str | None:
    """The `{name}` of `/indexes/{name}`, or None for other paths."""
    parts = request.path.rstrip("/").split("/")
    return parts[2] if len(parts) == 3 and parts[1] == "indexes" else None


def _cp_error(status: int, code: str, message: str) -> Reply:
    """A control-plane ErrorResponse reply."""
    body = {"error": {"code": code, "message": message}, "status": status}
    return Reply(status, [(b"content-type", b"application/json")]).with_json(body)


def _is_create(request: Request) -> bool:
    return request.is_("POST", "/indexes")


def _classic_create(request: Request) -> dict[str, Any] | None:
    """The body of a classic (non-schema) create request, or None."""
    body = request.json()
    if not _is_create(request) or not isinstance(body, dict) or "schema" in body:
        return None
    return body


@control("whoami-no-project-name", "SEED-WHOAMI-PROJECT-NAME")
async def whoami_no_project_name(request: Request, forward: Forward) -> Reply:
    """whoami answers the project as `project_id` instead of `project_name`."""
    reply = await forward(request)
    body = reply.json()
    if request.is_("GET", "/actions/whoami") and isinstance(body, dict):
        body["project_id"] = body.pop("project_name", None)
        return reply.with_json(body)
    return reply


@control("indexes-list-startup-only", "INDEXES-LIST")
async def indexes_list_startup_only(request: Request, forward: Forward) -> Reply:
    """GET /indexes lists only the indexes the server started with, not ones created later."""
    reply = await forward(request)
    body = reply.json()
    if request.is_("GET", "/indexes") and isinstance(body, dict):
        body["indexes"] = [
            i for i in body.get("indexes", []) if i.get("name", "").startswith("conf-")
        ]
        return reply.with_json(body)
    return reply


@control("indexes-create-echoes-cosine", "INDEXES-CREATE")
async def indexes_create_echoes_cosine(request: Request, forward: Forward) -> Reply:
    """The create response reports metric cosine whatever metric was asked for."""
    reply = await forward(request)
    body = reply.json()
    if _is_create(request) and reply.status == 201 and isinstance(body, dict):
        return reply.with_json({**body, "metric": "cosine"})
    return reply


@control("indexes-dimension-clamped", "INDEXES-CREATE-DIMENSION")
async def indexes_dimension_clamped(request: Request, forward: Forward) -> Reply:
    """An out-of-range dense dimension is clamped into 1…20000 instead of rejected."""
    body = _classic_create(request)
    dimension = body.get("dimension") if body else None
    if body and type(dimension) is int and body.get("vector_type", "dense") == "dense":
        request = request.with_json({**body, "dimension": min(max(dimension, 1), 20000)})
    return await forward(request)


@control("indexes-name-lowercased", "INDEXES-CREATE-NAME-RULES")
async def indexes_name_lowercased(request: Request, forward: Forward) -> Reply:
    """An index name with uppercase letters is lowercased instead of rejected."""
    body = request.json()
    if _is_create(request) and isinstance(body, dict) and isinstance(body.get("name"), str):
        request = request.with_json({**body, "name": body["name"].lower()})
    return await forward(request)


@control("indexes-duplicate-201", "INDEXES-CREATE-DUPLICATE-409")
async def indexes_duplicate_201(request: Request, forward: Forward) -> Reply:
    """Creating an index whose name exists answers 201 with the existing index."""
    reply = await forward(request)
    body = request.json()
    if _is_create(request) and reply.status == 409 and isinstance(body, dict):
        existing = await forward(Request("GET", f"/indexes/{body['name']}", b"", request.headers))
        return existing.with_json(existing.json(), status=201)
    return reply


@control("indexes-sparse-any-metric", "INDEXES-SPARSE-METRIC-DOTPRODUCT")
async def indexes_sparse_any_metric(request: Request, forward: Forward) -> Reply:
    """A sparse index asked for with another metric is silently created as dotproduct."""
    body = request.json()
    if not _is_create(request) or not isinstance(body, dict):
        return await forward(request)
    if body.get("vector_type") == "sparse" and "metric" in body:
        body["metric"] = "dotproduct"
    for field in ((body.get("schema") or {}).get("fields") or {}).values():
        if isinstance(field, dict) and field.get("type") == "sparse_vector" and "metric" in field:
            field["metric"] = "dotproduct"
    return await forward(request.with_json(body))


@control("indexes-metric-default-euclidean", "INDEXES-METRIC-DEFAULT-COSINE")
async def indexes_metric_default_euclidean(request: Request, forward: Forward) -> Reply:
    """A dense index created without a metric becomes a euclidean index."""
    body = _classic_create(request)
    if body and body.get("metric") is None and body.get("vector_type", "dense") == "dense":
        request = request.with_json({**body, "metric": "euclidean"})
    return await forward(request)


@control("indexes-protection-default-enabled", "INDEXES-DELETION-PROTECTION-DEFAULT")
async def indexes_protection_default_enabled(request: Request, forward: Forward) -> Reply:
    """Indexes are created with deletion protection enabled unless asked otherwise."""
    body = request.json()
    if _is_create(request) and isinstance(body, dict) and "deletion_protection" not in body:
        request = request.with_json({**body, "deletion_protection": "enabled"})
    return await forward(request)


@control("indexes-describe-unknown-400", "INDEXES-DESCRIBE-UNKNOWN-404")
async def indexes_describe_unknown_400(request: Request, forward: Forward) -> Reply:
    """Describing an unknown index answers 400 INVALID_ARGUMENT instead of 404 NOT_FOUND."""
    reply = await forward(request)
    if request.method == "GET" and _index_name(request) and reply.status == 404:
        return _cp_error(400, "INVALID_ARGUMENT", "Invalid index name.")
    return reply


@control("indexes-host-is-control-plane", "INDEXES-READY-HOST")
async def indexes_host_is_control_plane(request: Request, forward: Forward) -> Reply:
    """An index created at run time is described with the control plane's URL as its host."""
    reply = await forward(request)
    body = reply.json()
    own = dict(request.headers).get(b"host", b"").decode()
    described = request.method == "GET" and _index_name(request) and isinstance(body, dict)
    if described and own and not str(body.get("name", "")).startswith("conf-"):
        return reply.with_json({**body, "host": f"http://{own}"})
    return reply


@control("indexes-delete-200", "INDEXES-DELETE")
async def indexes_delete_200(request: Request, forward: Forward) -> Reply:
    """Deleting an index answers 200 instead of 202."""
    reply = await forward(request)
    if request.method == "DELETE" and _index_name(request) and reply.status == 202:
        return reply.with_json({}, status=200)
    return reply


@control("indexes-delete-unknown-202", "INDEXES-DELETE-UNKNOWN-404")
async def indexes_delete_unknown_202(request: Request, forward: Forward) -> Reply:
    """Deleting an index that does not exist answers 202, as if it had been deleted."""
    reply = await forward(request)
    if request.method == "DELETE" and _index_name(request) and reply.status == 404:
        return Reply(202)
    return reply


@control("indexes-protection-ignored", "INDEXES-DELETION-PROTECTION")
async def indexes_protection_ignored(request: Request, forward: Forward) -> Reply:
    """Deleting a protected index lifts the protection and deletes it."""
    name = _index_name(request)
    if request.method == "DELETE" and name:
        lift = Request("PATCH", request.path, b"", request.headers)
        await forward(lift.with_json({"deletion_protection": "disabled"}))
    return await forward(request)


@control("indexes-configure-ignores-tags", "INDEXES-CONFIGURE")
async def indexes_configure_ignores_tags(request: Request, forward: Forward) -> Reply:
    """PATCH /indexes/{name} ignores `tags`."""
    body = request.json()
    if request.method == "PATCH" and isinstance(body, dict) and "tags" in body:
        request = request.with_json({k: v for k, v in body.items() if k != "tags"})
    return await forward(request)


@control("indexes-configure-202-2026-07", "INDEXES-CONFIGURE", api_version="2026-07")
async def indexes_configure_202_2026_07(request: Request, forward: Forward) -> Reply:
    """From 2026-07 a configured index still answers 202 (the 2026-07 answer is 200)."""
    reply = await forward(request)
    if request.method == "PATCH" and _index_name(request) and reply.status == 200:
        return reply.with_json(reply.json(), status=202)
    return reply


@control("indexes-configure-unknown-202", "INDEXES-CONFIGURE-UNKNOWN-404")
async def indexes_configure_unknown_202(request: Request, forward: Forward) -> Reply:
    """Configuring an index that does not exist answers 202 with an empty body."""
    reply = await forward(request)
    if request.method == "PATCH" and reply.status == 404:
        return reply.with_json({}, status=202)
    return reply


@control("indexes-2026-07-no-deployment", "INDEXES-2026-07-SHAPE", api_version="2026-07")
async def indexes_2026_07_no_deployment(request: Request, forward: Forward) -> Reply:
    """IndexModel bodies lack the 2026-07 `deployment`."""
    reply = await forward(request)
    body = reply.json()
    if reply.ok and isinstance(body, dict) and "deployment" in body:
        body.pop("deployment")
        return reply.with_json(body)
    return reply


@control("indexes-host-no-scheme", "INDEXES-HOST-HTTP-SCHEME")
async def indexes_host_no_scheme(request: Request, forward: Forward) -> Reply:
    """GET /indexes lists index hosts without their http:// scheme."""
    reply = await forward(request)
    body = reply.json()
    if not request.is_("GET", "/indexes") or not reply.ok or not isinstance(body, dict):
        return reply
    for model in body.get("indexes", []):
        if isinstance(model, dict) and isinstance(model.get("host"), str):
            model["host"] = model["host"].removeprefix("http://")
    return reply.with_json(body)


@control(
    "cp-errors-rpc-shape",
    "ERRORS-CONTROL-PLANE-SHAPE",
    # its statement: an undeserialisable body is rejected "in the ErrorResponse shape"
    "ERRORS-CONTROL-PLANE-UNDESERIALISABLE",
)
async def cp_errors_rpc_shape(request: Request, forward: Forward) -> Reply:
    """Control-plane errors use the data plane's `{code, message, details}` shape."""
    reply = await forward(request)
    body = reply.json()
    if reply.status >= 400 and isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message", "")
        return reply.with_json({"code": 5 if reply.status == 404 else 3, "message": message,
                                "details": []})  # fmt: skip
    return reply


@control("cp-undeserialisable-500", "ERRORS-CONTROL-PLANE-UNDESERIALISABLE")
async def cp_undeserialisable_500(request: Request, forward: Forward) -> Reply:
    """A create body that does not deserialise answers 500 UNKNOWN instead of 400/422."""
    reply = await forward(request)
    if _is_create(request) and reply.status == 422:
        return _cp_error(500, "UNKNOWN", "Internal error.")
    return reply
