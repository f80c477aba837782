"""Mutants of the default namespace and the namespaces API (list, describe, delete, create)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.registry import Ctx, MutantGroup

GROUP = MutantGroup()
mutant = GROUP.mutant
HIDDEN = "_empty_"


def _namespace_path(request: Request) -> str | None:
    """The namespace of `/namespaces/{namespace}` (decoded), or None for other paths."""
    prefix = "/namespaces/"
    return request.path[len(prefix) :] if request.path.startswith(prefix) else None


def _rewrite_counts(body: Any) -> Any:
    """`body` with every namespace description's record_count as a JSON number."""
    descriptions = body.get("namespaces", []) if isinstance(body, dict) else []
    for description in [*descriptions, body]:
        if isinstance(description, dict) and isinstance(description.get("record_count"), str):
            description["record_count"] = int(description["record_count"])
    return body


@mutant("empty-namespace-not-default", "NAMESPACES-DEFAULT-EMPTY-OR-OMITTED")
async def empty_namespace_not_default(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An explicit `namespace: ""` addresses a namespace of its own, not the default one."""
    body = request.json()
    if isinstance(body, dict) and body.get("namespace") == "":
        request = request.with_json({**body, "namespace": HIDDEN})
    if request.param("namespace") == "":
        params = [(k, HIDDEN if k == "namespace" else v) for k, v in request.params()]
        request = request.with_params(params)
    reply = await forward(request)
    answer = reply.json()
    if isinstance(answer, dict) and answer.get("namespace") == HIDDEN:
        return reply.with_json({**answer, "namespace": ""})
    return reply


@mutant("namespaces-list-reversed", "NAMESPACES-LIST")
async def namespaces_list_reversed(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """GET /namespaces lists each page in reverse order."""
    reply = await forward(request)
    body = reply.json()
    if request.is_("GET", "/namespaces") and reply.ok and isinstance(body, dict):
        body["namespaces"] = list(reversed(body.get("namespaces", [])))
        return reply.with_json(body)
    return reply


@mutant("namespaces-prefix-total-all", "NAMESPACES-LIST-PREFIX")
async def namespaces_prefix_total_all(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """With `prefix`, total_count counts every namespace instead of the matching ones."""
    reply = await forward(request)
    body = reply.json()
    if request.is_("GET", "/namespaces") and request.param("prefix") and reply.ok:
        everything = await forward(request.with_params([]))
        total = (everything.json() or {}).get("total_count")
        if isinstance(body, dict) and isinstance(total, int):
            return reply.with_json({**body, "total_count": total})
    return reply


@mutant("namespaces-describe-no-name", "NAMESPACES-DESCRIBE")
async def namespaces_describe_no_name(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """GET /namespaces/{ns} leaves out the namespace's `name`."""
    reply = await forward(request)
    body = reply.json()
    if request.method == "GET" and _namespace_path(request) and isinstance(body, dict):
        body.pop("name", None)
        return reply.with_json(body)
    return reply


@mutant("namespaces-record-count-number", "NAMESPACES-RECORD-COUNT-STRING", api_version="2026-07")
async def namespaces_record_count_number(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Namespace descriptions give record_count as a JSON number, not a decimal string."""
    reply = await forward(request)
    if not request.path.startswith("/namespaces") or not reply.ok:
        return reply
    return reply.with_json(_rewrite_counts(reply.json()))


@mutant(
    "namespaces-describe-unknown-200",
    "NAMESPACES-DESCRIBE-UNKNOWN-404",
    # its statement: describing a deleted namespace answers 4xx, which this reply is not
    "NAMESPACES-DELETE",
    api_version="2026-07",
)
async def namespaces_describe_unknown_200(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Describing a namespace that does not exist answers an empty namespace."""
    reply = await forward(request)
    name = _namespace_path(request)
    if request.method == "GET" and name and reply.status == 404:
        return reply.with_json({"name": name, "record_count": "0"}, status=200)
    return reply


@mutant("namespaces-delete-noop", "NAMESPACES-DELETE")
async def namespaces_delete_noop(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """DELETE /namespaces/{ns} answers success and deletes nothing."""
    if request.method == "DELETE" and _namespace_path(request):
        return Reply(200, [(b"content-type", b"application/json")]).with_json({})
    return await forward(request)


@mutant("namespaces-path-not-decoded", "NAMESPACES-PATH-DECODED")
async def namespaces_path_not_decoded(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """The namespace in `/namespaces/{ns}` is used percent-encoded, as it came on the wire."""
    name = _namespace_path(request)
    if name and quote(name, safe="") != name:
        request.path = "/namespaces/" + quote(name, safe="")
    return await forward(request)


@mutant("namespaces-create-noop", "NAMESPACES-CREATE")
async def namespaces_create_noop(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """POST /namespaces answers the new namespace's description without creating it.

    The create is served (so a duplicate still answers 409 and a bad schema 400) and the namespace
    it made is deleted before the reply: only a successful create loses its effect.
    """
    reply = await forward(request)
    body = request.json()
    if request.is_("POST", "/namespaces") and reply.ok and isinstance(body, dict):
        path = "/namespaces/" + str(body.get("name"))
        await forward(Request("DELETE", path, b"", request.headers))
    return reply


@mutant("namespaces-create-existing-200", "NAMESPACES-CREATE-DUPLICATE-409")
async def namespaces_create_existing_200(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Creating a namespace that exists answers 200 with its description."""
    reply = await forward(request)
    body = request.json()
    if request.is_("POST", "/namespaces") and reply.status == 409 and isinstance(body, dict):
        path = "/namespaces/" + str(body.get("name"))
        return await forward(Request("GET", path, b"", request.headers))
    return reply


@mutant("namespaces-schema-any-filterable", "NAMESPACES-SCHEMA-FILTERABLE-TRUE")
async def namespaces_schema_any_filterable(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A namespace schema field with filterable other than true is accepted as filterable."""
    body = request.json()
    fields = ((body or {}).get("schema") or {}).get("fields") if isinstance(body, dict) else None
    if request.is_("POST", "/namespaces") and isinstance(fields, dict):
        for spec in fields.values():
            if isinstance(spec, dict):
                spec["filterable"] = True
        request = request.with_json(body)
    return await forward(request)
