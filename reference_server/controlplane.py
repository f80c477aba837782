"""The control plane (digest §10): `/indexes` CRUD and the legacy `/actions/whoami`.

Routes validate and render; creating and deleting an index's listener is the `IndexManager`'s job
(the server shell), so this module knows nothing about ports or uvicorn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_server.errors import HTTP_TO_CP_CODE, ApiError, bad_request, not_found
from reference_server.indexes import IndexModel, apply_configure, parse_create
from reference_server.inference.integrated import configure_embed, integrated_routes
from reference_server.inference.routes import inference_routes
from reference_server.jsonio import read_body
from reference_server.versions import at_least, version_of

RESHAPED = "2026-07"  # configure answers 200; pod-based indexes are no longer created
PROTECTED = (
    "Deletion protection is enabled for this index. Disable deletion protection before retrying."
)


class IndexManager(Protocol):
    """What the control plane needs from the process that owns the indexes."""

    def list_indexes(self) -> list[IndexModel]: ...

    def get_index(self, name: str) -> IndexModel | None: ...

    async def create_index(self, model: IndexModel) -> IndexModel:
        """Register and start serving `model`; raise `ApiError` 409 if the name is taken."""
        ...

    async def delete_index(self, name: str) -> None: ...


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def read_json(request: Request) -> Any:
    """The decoded body; 400 when it is not JSON at all (422 is for JSON of the wrong shape), 413
    past the body limit (read as a stream, never buffered past it, as on the data plane)."""
    raw = await read_body(request)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"Failed to parse the request body as JSON: {exc}") from None


def index_not_found(name: str) -> ApiError:
    return not_found(f"Index {name} not found.")


Handler = Callable[[Request], Awaitable[Response]]


def create_control_app(manager: IndexManager) -> Starlette:
    """A Starlette app serving the control plane over `manager`."""

    def handles_errors(handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as error:
                return error.to_control_plane_response()

        return wrapped

    def lookup(request: Request) -> IndexModel:
        name = request.path_params["name"]
        model = manager.get_index(name)
        if model is None:
            raise index_not_found(name)
        return model

    async def list_indexes(request: Request) -> Response:
        return json_response({"indexes": [m.describe() for m in manager.list_indexes()]})

    async def create_index(request: Request) -> Response:
        model = parse_create(await read_json(request))
        if model.pod is not None and at_least(version_of(request.headers), RESHAPED):
            raise bad_request(f"Pod-based indexes cannot be created with API version {RESHAPED}")
        seed = collections.seed_for(model)  # a pod index from a collection (checked first)
        created = await manager.create_index(model)
        if seed is not None:
            seed(created)
        return json_response(created.describe(), 201)

    async def describe_index(request: Request) -> Response:
        return json_response(lookup(request).describe())

    async def configure_index(request: Request) -> Response:
        model = lookup(request)
        body = await read_json(request)
        embed = configure_embed(model, body)
        apply_configure(model, body)
        if embed is not None:
            model.embed = embed
        status = 200 if at_least(version_of(request.headers), RESHAPED) else 202
        return json_response(model.describe(), status)

    async def delete_index(request: Request) -> Response:
        model = lookup(request)
        if model.deletion_protection == "enabled":
            raise ApiError(403, PROTECTED, 7, "FORBIDDEN")
        await manager.delete_index(model.name)
        return Response(status_code=202)

    async def whoami(request: Request) -> Response:
        return json_response(
            {"project_name": "reference", "user_label": "reference", "user_name": "reference"}
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        """Unknown paths and methods get the control plane's JSON error shape too."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = HTTP_TO_CP_CODE.get(status, "NOT_FOUND" if status == 404 else "INVALID_ARGUMENT")
        message = "Method not allowed." if status == 405 else f"Not found: {request.url.path}"
        return ApiError(status, message, cp_code=code).to_control_plane_response()

    routes = [
        Route("/indexes", handles_errors(list_indexes), methods=["GET"]),
        Route("/indexes", handles_errors(create_index), methods=["POST"]),
        Route("/indexes/{name}", handles_errors(describe_index), methods=["GET"]),
        Route("/indexes/{name}", handles_errors(configure_index), methods=["PATCH"]),
        Route("/indexes/{name}", handles_errors(delete_index), methods=["DELETE"]),
        Route("/actions/whoami", handles_errors(whoami), methods=["GET"]),
    ]
    # these build on this module's helpers
    from reference_server.backup_schedules import backup_schedule_routes
    from reference_server.backups import backup_routes
    from reference_server.pod_collections import Collections, collection_routes

    collections = Collections()
    routes += backup_routes(manager, handles_errors)
    routes += backup_schedule_routes(manager, handles_errors)
    routes += collection_routes(manager, handles_errors, collections)
    routes += integrated_routes(manager, handles_errors, json_response, read_json)
    routes += inference_routes()
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error})
