"""The bulk import API (digest §4.10, 2024-10+): start, list, describe and cancel imports.

Requests are validated here; the imports themselves run in `import_jobs`. An import is accepted
whatever its URI's scheme: a URI this server cannot read fails the import (status `Failed` with
the reason in `error`), as an unreadable bucket does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from reference_server.dataplane_common import Context, decode_token, encode_token
from reference_server.errors import bad_request, not_found
from reference_server.import_jobs import ImportJob, ImportJobs
from reference_server.jsonio import json_response, parse_object
from reference_server.store import IndexStore
from reference_server.validation import field, parse_int_param

SINCE = "2024-10"
MAX_URI_LENGTH = 1500
MAX_INTEGRATION_ID_LENGTH = 1000
MAX_IMPORT_ID_LENGTH = 1000
LIST_LIMIT = 100
ERROR_MODES = ("abort", "continue")
DEFAULT_ERROR_MODE = "abort"

Handler = Callable[[Context], Response]
RouteFactory = Callable[[str, Handler, list[str], str | None], Route]


def _start_body(body: dict[str, Any]) -> tuple[str, str]:
    """The URI and error mode of a start request, or 400."""
    uri = field(body, "uri")
    if type(uri) is not str or not 1 <= len(uri) <= MAX_URI_LENGTH:
        raise bad_request(
            f"Invalid request: 'uri' is required: a string of 1 to {MAX_URI_LENGTH} characters"
        )
    integration = field(body, "integrationId", "integration_id")
    if integration is not None and (
        type(integration) is not str or len(integration) > MAX_INTEGRATION_ID_LENGTH
    ):
        raise bad_request(
            "Invalid request: 'integrationId' must be a string of at most "
            f"{MAX_INTEGRATION_ID_LENGTH} characters"
        )
    mode = field(body, "errorMode", "error_mode")
    if mode is None:
        return uri, DEFAULT_ERROR_MODE
    if type(mode) is not dict:
        raise bad_request("Invalid request: 'errorMode' must be an object")
    on_error = field(mode, "onError", "on_error")
    if on_error is None:
        return uri, DEFAULT_ERROR_MODE
    if on_error not in ERROR_MODES:
        raise bad_request(
            f"Invalid request: 'errorMode.onError' must be 'abort' or 'continue', got {on_error!r}"
        )
    return uri, on_error


def _job(jobs: ImportJobs, ctx: Context) -> ImportJob:
    job_id = ctx.path.get("id", "")
    if not 1 <= len(job_id) <= MAX_IMPORT_ID_LENGTH:
        raise bad_request(
            f"Invalid request: an import id has 1 to {MAX_IMPORT_ID_LENGTH} characters"
        )
    job = jobs.get(job_id)
    if job is None:
        raise not_found(f"Import '{job_id[:100]}' not found")
    return job


def routes(store: IndexStore, route: RouteFactory) -> list[Route]:
    """The four bulk import routes of one index, sharing that index's jobs."""
    jobs = ImportJobs(store)

    def start(ctx: Context) -> Response:
        uri, on_error = _start_body(parse_object(ctx.raw, empty_ok=False))
        return json_response({"id": jobs.start(uri, on_error, ctx.version).id})

    def list_imports(ctx: Context) -> Response:
        params = ctx.params
        limit = parse_int_param(params.get("limit"), "limit", 1, LIST_LIMIT, LIST_LIMIT)
        after = decode_token(params.get("paginationToken") or params.get("pagination_token"))
        listed = jobs.listed()
        if after is not None:
            if not after.isdigit():
                raise bad_request("Invalid pagination token")
            listed = [job for job in listed if int(job.id) > int(after)]
        page = listed[:limit]
        payload: dict[str, Any] = {"data": [job.describe() for job in page]}
        if len(listed) > limit:
            payload["pagination"] = {"next": encode_token(page[-1].id)}
        return json_response(payload)

    def describe(ctx: Context) -> Response:
        return json_response(_job(jobs, ctx).describe())

    def cancel(ctx: Context) -> Response:
        jobs.cancel(_job(jobs, ctx))
        return json_response({})

    return [
        route("/bulk/imports", start, ["POST"], SINCE),
        route("/bulk/imports", list_imports, ["GET"], SINCE),
        route("/bulk/imports/{id:path}", describe, ["GET"], SINCE),
        route("/bulk/imports/{id:path}", cancel, ["DELETE"], SINCE),
    ]
