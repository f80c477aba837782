"""The data plane of one index as a Starlette app: routes, body reading and error rendering.

Every route goes through `_endpoint`, which reads the body under the size limit, works out the API
version and renders any ApiError as an rpcStatus body, so bad input always gets a clean 4xx.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_server import bulk_import
from reference_server import dataplane_namespaces as namespaces
from reference_server import dataplane_reads as reads
from reference_server import dataplane_writes as writes
from reference_server.dataplane_common import Context
from reference_server.errors import ApiError, error_response, not_found
from reference_server.inference import records
from reference_server.jsonio import read_body
from reference_server.store import IndexStore
from reference_server.versions import at_least, version_of

log = logging.getLogger(__name__)
Handler = Callable[[Context], Response]


def _endpoint(store: IndexStore, handler: Handler, min_version: str | None = None):
    async def run(request: Request) -> Response:
        try:
            raw = await read_body(request)
            version = version_of(request.headers)
            if min_version is not None and not at_least(version, min_version):
                raise not_found(f"Not Found: this route needs API version {min_version} or later")
            ctx = Context(store, version, request.query_params, dict(request.path_params), raw)
            return handler(ctx)
        except ApiError as exc:
            return exc.to_data_plane_response()
        except RecursionError:
            return ApiError(
                400, "Invalid request: the body is nested too deeply"
            ).to_data_plane_response()
        except (
            Exception
        ):  # a bug, not bad input: say so with a 500 instead of dropping the connection
            log.exception("data-plane handler failed")
            return ApiError(500, "Internal error", 13, "INTERNAL").to_data_plane_response()

    return run


async def _http_error(request: Request, exc: Exception) -> Response:
    """404 / 405 from routing, in the rpcStatus shape."""
    status = getattr(exc, "status_code", 500)
    code = {404: 5, 405: 12}.get(status, 2)
    return error_response(
        status, {"code": code, "message": str(getattr(exc, "detail", "")), "details": []}
    )


def create_data_app(store: IndexStore) -> Starlette:
    """An ASGI app serving every data-plane route of `store`'s index."""

    def route(path: str, handler: Handler, methods: list[str], min_version: str | None = None):
        return Route(path, _endpoint(store, handler, min_version), methods=methods)

    routes = [
        route("/vectors/upsert", writes.upsert, ["POST"]),
        route("/query", reads.query, ["POST"]),
        route("/vectors/fetch", reads.fetch, ["GET"]),
        route("/vectors/fetch_by_metadata", reads.fetch_by_metadata, ["POST"], "2025-10"),
        route("/vectors/update", writes.update, ["POST"]),
        route("/vectors/delete", writes.delete, ["POST", "DELETE"]),
        route("/describe_index_stats", reads.describe_index_stats, ["POST", "GET"]),
        route("/vectors/list", reads.list_ids, ["GET"]),
        route("/namespaces", namespaces.list_namespaces, ["GET"], "2025-04"),
        route("/namespaces", namespaces.create_namespace, ["POST"], "2025-10"),
        route("/namespaces/{namespace:path}", namespaces.describe_namespace, ["GET"], "2025-04"),
        route("/namespaces/{namespace:path}", namespaces.delete_namespace, ["DELETE"], "2025-04"),
    ]
    routes += bulk_import.routes(store, route)
    routes += records.routes(store, route)
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
