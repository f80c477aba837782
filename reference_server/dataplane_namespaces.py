"""The namespaces API (digest §4.9): list, describe, delete (2025-04+) and create (2025-10+)."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from starlette.responses import Response

from reference_server.dataplane_common import (
    Context,
    decode_token,
    encode_token,
    read_response,
    write_response,
)
from reference_server.errors import bad_request, not_found
from reference_server.jsonio import parse_object
from reference_server.store import Namespace
from reference_server.validation import (
    DEFAULT_NAMESPACE_ALIAS,
    check_namespace_name,
    field,
    parse_int_param,
)
from reference_server.versions import at_least

MAX_SCHEMA_FIELDS = 50
LIST_LIMIT = 100


def _display(name: str) -> str:
    return name or DEFAULT_NAMESPACE_ALIAS


def _path_namespace(ctx: Context) -> str:
    name = ctx.path.get("namespace", "")
    if name == DEFAULT_NAMESPACE_ALIAS:
        return ""
    check_namespace_name(name)
    return name


def describe_body(name: str, ns: Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"name": _display(name), "record_count": str(ns.n)}
    if ns.schema is not None:
        body["schema"] = ns.schema
    return body


def list_namespaces(ctx: Context) -> Response:
    params = ctx.params
    limit = parse_int_param(params.get("limit"), "limit", 1, LIST_LIMIT, LIST_LIMIT)
    after = decode_token(params.get("paginationToken") or params.get("pagination_token"))
    prefix = (params.get("prefix") or "") if at_least(ctx.version, "2025-10") else ""
    store = ctx.store
    with store.lock:
        store.sync()
        named = sorted((_display(name), name) for name in store.namespaces)
        named = [pair for pair in named if pair[0].startswith(prefix)]
        start = bisect_right(named, (after, "\x7f" * 600)) if after is not None else 0
        page = named[start : start + limit]
        payload: dict[str, Any] = {
            "namespaces": [describe_body(name, store.namespaces[name]) for _, name in page]
        }
        if start + limit < len(named):
            payload["pagination"] = {"next": encode_token(page[-1][0])}
        payload["total_count"] = len(named)
        return read_response(store, payload)


def describe_namespace(ctx: Context) -> Response:
    name = _path_namespace(ctx)
    store = ctx.store
    with store.lock:
        store.sync()
        ns = store.get(name)
        if ns is None:
            raise not_found(f"Namespace '{_display(name)}' not found")
        return read_response(store, describe_body(name, ns))


def delete_namespace(ctx: Context) -> Response:
    name = _path_namespace(ctx)
    store = ctx.store
    with store.lock:
        store.sync()
        lsn = store.delete_namespace(name)
    return write_response(lsn, {})


def _check_schema(schema: Any) -> dict[str, Any] | None:
    if schema is None:
        return None
    if type(schema) is not dict or type(schema.get("fields", {})) is not dict:
        raise bad_request("Invalid request: 'schema' must be an object with a 'fields' object")
    fields = schema.get("fields", {})
    if len(fields) > MAX_SCHEMA_FIELDS:
        raise bad_request(
            f"Invalid request: a namespace schema may have at most {MAX_SCHEMA_FIELDS} fields, "
            f"got {len(fields)}"
        )
    for name, spec in fields.items():
        if type(spec) is not dict:
            raise bad_request(f"Invalid request: schema field '{name}' must be an object")
        if spec.get("filterable") is not True:
            raise bad_request(
                f"Field '{name}' is set to filterable: false. Only filterable: true is supported."
            )
    return {"fields": {name: {"filterable": True} for name in fields}}


def create_namespace(ctx: Context) -> Response:
    body = parse_object(ctx.raw)
    name = field(body, "name")
    if type(name) is not str or name == "":
        raise bad_request("Invalid request: 'name' must be a non-empty string")
    if name == DEFAULT_NAMESPACE_ALIAS:
        raise bad_request(f"Cannot create a namespace named '{DEFAULT_NAMESPACE_ALIAS}'")
    check_namespace_name(name)
    schema = _check_schema(field(body, "schema"))
    store = ctx.store
    with store.lock:
        store.sync()
        lsn = store.create_namespace(name, schema)
        pending = store.get(name)
        payload: dict[str, Any] = {"name": name, "record_count": "0"}
        if schema is not None:
            payload["schema"] = schema
        if pending is not None:
            payload = describe_body(name, pending)
    return write_response(lsn, payload)
