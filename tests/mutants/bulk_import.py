"""Mutants of the bulk import API: start, describe, list and cancel, and what an import writes."""

from __future__ import annotations

from typing import Any

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.registry import Ctx, MutantGroup

GROUP = MutantGroup()
mutant = GROUP.mutant
IMPORTS = "/bulk/imports"
TERMINAL = ("Completed", "Failed", "Cancelled")


def _import_id(request: Request) -> str | None:
    """The id of `/bulk/imports/{id}`, or None for other paths."""
    prefix = IMPORTS + "/"
    return request.path[len(prefix) :] if request.path.startswith(prefix) else None


def _with_error_mode(request: Request, old: str, new: str) -> Request:
    body = request.json()
    mode = body.get("errorMode") if isinstance(body, dict) else None
    if request.is_("POST", IMPORTS) and isinstance(mode, dict) and mode.get("onError") == old:
        return request.with_json({**body, "errorMode": {**mode, "onError": new}})
    return request


@mutant("imports-start-without-uri", "IMPORTS-START-URI-REQUIRED")
async def imports_start_without_uri(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A start request without `uri` is accepted as an import of an unreadable location."""
    body = request.json()
    if request.is_("POST", IMPORTS) and isinstance(body, dict) and "uri" not in body:
        body = {**body, "uri": "s3://missing-uri/none"}
        body.pop("errorMode", None)
        request = request.with_json(body)
    return await forward(request)


@mutant("imports-any-error-mode", "IMPORTS-START-ERROR-MODE-VALUES")
async def imports_any_error_mode(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An unknown `errorMode.onError` is read as `continue` instead of being rejected."""
    body = request.json()
    mode = body.get("errorMode") if isinstance(body, dict) else None
    known = (None, "abort", "continue")
    if request.is_("POST", IMPORTS) and isinstance(mode, dict) and mode.get("onError") not in known:
        request = request.with_json({**body, "errorMode": {"onError": "continue"}})
    return await forward(request)


@mutant("imports-list-limit-unchecked", "IMPORTS-LIST-LIMIT-RANGE")
async def imports_list_limit_unchecked(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A list `limit` outside 1..100 is ignored instead of rejected."""
    limit = request.param("limit")
    if request.is_("GET", IMPORTS) and limit and limit.isdigit() and not 1 <= int(limit) <= 100:
        request = request.with_params([(k, v) for k, v in request.params() if k != "limit"])
    return await forward(request)


@mutant("imports-describe-unknown-pending", "IMPORTS-DESCRIBE-UNKNOWN")
async def imports_describe_unknown_pending(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An unknown import id is described as a pending import instead of a 404."""
    reply = await forward(request)
    import_id = _import_id(request)
    if request.method == "GET" and import_id and reply.status == 404:
        return reply.with_json({"id": import_id, "uri": "", "status": "Pending"}, status=200)
    return reply


@mutant("imports-start-operation-id", "IMPORTS-START")
async def imports_start_operation_id(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A started import's id comes back as `operation_id` instead of `id`."""
    reply = await forward(request)
    body = reply.json()
    if request.is_("POST", IMPORTS) and reply.ok and isinstance(body, dict) and "id" in body:
        return reply.with_json({"operation_id": body["id"]})
    return reply


@mutant("imports-describe-no-uri", "IMPORTS-DESCRIBE")
async def imports_describe_no_uri(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Describing an import leaves out the `uri` it was started with."""
    reply = await forward(request)
    body = reply.json()
    if request.method == "GET" and _import_id(request) and reply.ok and isinstance(body, dict):
        body.pop("uri", None)
        return reply.with_json(body)
    return reply


# A wrong count also breaks IMPORTS-ERROR-MODE-CONTINUE, whose statement fixes recordsImported
# at the number of valid records.
@mutant("imports-count-one-more", "IMPORTS-COMPLETES", "IMPORTS-ERROR-MODE-CONTINUE")
async def imports_count_one_more(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A completed import reports one record more than it imported."""
    reply = await forward(request)
    body = reply.json()
    described = request.method == "GET" and _import_id(request) and isinstance(body, dict)
    if described and body.get("status") == "Completed":
        count = body.get("recordsImported")
        if isinstance(count, int):
            return reply.with_json({**body, "recordsImported": count + 1})
    return reply


@GROUP.patch("imports-drop-metadata", "IMPORTS-RECORDS-VISIBLE")
def imports_drop_metadata() -> None:
    """Imported records are stored without the metadata of their Parquet rows."""
    from reference_server import import_jobs

    original = import_jobs.ImportJobs._parse_row

    def parse_row(self: Any, row: dict[str, Any], version: str) -> Any:
        vector_id, dense, sparse, _ = original(self, row, version)
        return vector_id, dense, sparse, None

    import_jobs.ImportJobs._parse_row = parse_row  # type: ignore[method-assign]


@mutant("imports-list-empty-without-limit", "IMPORTS-LIST")
async def imports_list_empty_without_limit(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Without `limit`, the list of imports comes back empty."""
    reply = await forward(request)
    body = reply.json()
    if request.is_("GET", IMPORTS) and request.param("limit") is None and isinstance(body, dict):
        return reply.with_json({"data": []})
    return reply


@mutant("imports-list-limit-ignored", "IMPORTS-LIST-PAGINATION")
async def imports_list_limit_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A valid list `limit` is ignored: every page holds up to 100 imports."""
    limit = request.param("limit")
    if request.is_("GET", IMPORTS) and limit and limit.isdigit() and 1 <= int(limit) <= 100:
        request = request.with_params([(k, v) for k, v in request.params() if k != "limit"])
    return await forward(request)


def _seen_finished(ctx: Ctx) -> set[str]:
    return ctx.state.setdefault("seen-finished", set())


async def _described(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Forward a request, remembering the imports described as finished."""
    reply = await forward(request)
    body = reply.json()
    import_id = _import_id(request)
    finished = isinstance(body, dict) and body.get("status") in TERMINAL
    if request.method == "GET" and import_id and finished:
        _seen_finished(ctx).add(import_id)
    return reply


@mutant("imports-cancel-running-500", "IMPORTS-CANCEL")
async def imports_cancel_running_500(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Cancelling an import not yet seen finished fails with 500."""
    import_id = _import_id(request)
    if request.method == "DELETE" and import_id and import_id not in _seen_finished(ctx):
        return Reply(500).with_json({"code": 13, "message": "cannot cancel", "details": []})
    return await _described(request, forward, ctx)


@mutant("imports-cancel-finished-marks-cancelled", "IMPORTS-CANCEL-FINISHED-NOOP")
async def imports_cancel_finished_marks_cancelled(
    request: Request, forward: Forward, ctx: Ctx
) -> Reply:
    """Cancelling a finished import turns its status into `Cancelled`."""
    import_id = _import_id(request)
    cancelled: set[str] = ctx.state.setdefault("cancelled", set())
    if request.method == "DELETE" and import_id in _seen_finished(ctx):
        cancelled.add(import_id)
    reply = await _described(request, forward, ctx)
    body = reply.json()
    if request.method == "GET" and import_id in cancelled and isinstance(body, dict):
        return reply.with_json({**body, "status": "Cancelled"})
    return reply


@GROUP.patch("imports-into-existing-namespace", "IMPORTS-EXISTING-NAMESPACE")
def imports_into_existing_namespace() -> None:
    """An import writes into a namespace that already exists instead of failing."""
    from reference_server import import_jobs
    from reference_server.validation import DEFAULT_NAMESPACE_ALIAS

    def target_namespace(self: Any, source: Any) -> str:
        return "" if source.name == DEFAULT_NAMESPACE_ALIAS else source.name

    import_jobs.ImportJobs._target_namespace = target_namespace  # type: ignore[method-assign]


@mutant("imports-continue-aborts", "IMPORTS-ERROR-MODE-CONTINUE")
async def imports_continue_aborts(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """`errorMode.onError: continue` is read as `abort`."""
    return await forward(_with_error_mode(request, "continue", "abort"))


@mutant("imports-abort-continues", "IMPORTS-ERROR-MODE-ABORT")
async def imports_abort_continues(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """`errorMode.onError: abort` is read as `continue`."""
    return await forward(_with_error_mode(request, "abort", "continue"))
