"""Mutants of the write routes: upsert, update and delete."""

from __future__ import annotations

from typing import Any

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.helpers import (
    ALIAS,
    DELETE,
    MAX_BATCH,
    STATS,
    STATS_GET,
    UPDATE,
    UPSERT,
    as_upsert,
    body_of,
    edit_json,
    fetch_records,
    in_namespace_of,
    is_delete_all,
    namespace_of,
    post,
    rpc_error,
    unit_values,
    update_by_id,
    upsert_after_update,
    upsert_vectors,
)
from tests.mutants.registry import Ctx, MutantGroup

GROUP = MutantGroup()
mutant = GROUP.mutant


# -- upsert ---------------------------------------------------------------------------------------
@mutant("upsert-keeps-old", "UPSERT-OVERWRITES")
async def upsert_keeps_old(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Upserting an existing id keeps the old record (values and metadata)."""
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    if parsed is None or len(parsed[1]) > MAX_BATCH:
        return await forward(request)
    body, vectors = parsed
    old = await fetch_records(forward, request, [v["id"] for v in vectors], namespace_of(request))
    if not old:
        return await forward(request)
    kept = [as_upsert(old[v["id"]]) if v["id"] in old else v for v in vectors]
    return await forward(request.with_json({**body, "vectors": kept}))


@mutant("upserted-count-off-by-one", "UPSERT-RESPONSE-COUNT")
async def upserted_count_off_by_one(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """upsertedCount is one short for batches of two or more vectors."""
    if not request.is_(*UPSERT):
        return await forward(request)

    def edit(body: dict[str, Any]) -> None:
        if isinstance(body.get("upsertedCount"), int) and body["upsertedCount"] > 1:
            body["upsertedCount"] -= 1

    return await edit_json(request, forward, edit)


@mutant("accepts-1001-vectors", "UPSERT-MAX-VECTORS")
async def accepts_1001_vectors(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An upsert of more than 1000 vectors is split and accepted instead of rejected."""
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    if parsed is None or len(parsed[1]) <= MAX_BATCH:
        return await forward(request)
    body, vectors = parsed
    total = 0
    reply = Reply(500)
    for start in range(0, len(vectors), MAX_BATCH):
        part = {**body, "vectors": vectors[start : start + MAX_BATCH]}
        reply = await forward(request.with_json(part))
        if not reply.ok:
            return reply
        total += (reply.json() or {}).get("upsertedCount", 0)
    return reply.with_json({"upsertedCount": total})


@mutant("accepts-513-char-ids", "UPSERT-ID-MAX-LENGTH")
async def accepts_long_ids(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Ids longer than 512 characters are silently truncated to 512 instead of rejected."""
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    if parsed is None or all(len(v["id"]) <= 512 for v in parsed[1]):
        return await forward(request)
    body, vectors = parsed
    cut = [{**v, "id": v["id"][:512]} for v in vectors]
    return await forward(request.with_json({**body, "vectors": cut}))


@mutant("dimension-coerced", "UPSERT-DIMENSION-MISMATCH-400")
async def dimension_coerced(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Upserted dense values of the wrong length are zero-padded or cut to the index dimension."""
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    dim = ctx.dimension
    if parsed is None or not dim or ctx.vector_type != "dense":
        return await forward(request)
    body, vectors = parsed

    def fit(v: dict[str, Any]) -> dict[str, Any]:
        values = v.get("values")
        if not isinstance(values, list) or not values or len(values) == dim:
            return v
        return {**v, "values": (values + [0.0] * dim)[:dim]}

    fitted = [fit(v) for v in vectors]
    if fitted == vectors:
        return await forward(request)
    return await forward(request.with_json({**body, "vectors": fitted}))


# -- update ---------------------------------------------------------------------------------------
async def update_of_missing(
    request: Request, forward: Forward
) -> tuple[dict[str, Any] | None, Reply]:
    """Forward `request`; (its body, reply) when it is an update by id of a record that did not
    exist before it, else (None, reply)."""
    body = update_by_id(request)
    if body is None:
        return None, await forward(request)
    existed = await fetch_records(forward, request, [body["id"]], namespace_of(request))
    reply = await forward(request)
    return (None, reply) if existed else (body, reply)


@mutant("update-missing-404", "UPDATE-MISSING-ID-NOOP")
async def update_missing_404(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Updating an id that does not exist answers 404 instead of 200."""
    body, reply = await update_of_missing(request, forward)
    if body is not None and reply.ok:
        return rpc_error(404, 5, f"Vector ID {body['id']} not found")
    return reply


@mutant("update-missing-creates", "UPDATE-MISSING-ID-NOOP")
async def update_missing_creates(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Updating an id that does not exist creates the record (an upsert)."""
    body, reply = await update_of_missing(request, forward)
    if body is None or not reply.ok:
        return reply
    vector: dict[str, Any] = {"id": body["id"]}
    if ctx.vector_type == "sparse":
        vector["sparseValues"] = body.get("sparseValues") or {"indices": [0], "values": [1.0]}
    else:
        vector["values"] = body.get("values") or unit_values(ctx.dimension)
        if body.get("sparseValues"):
            vector["sparseValues"] = body["sparseValues"]
    if isinstance(body.get("setMetadata"), dict) and body["setMetadata"]:
        vector["metadata"] = body["setMetadata"]
    return await upsert_after_update(request, forward, body, vector, reply)


@mutant("setmetadata-replaces", "UPDATE-SETMETADATA-MERGES")
async def setmetadata_replaces(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """setMetadata replaces the whole metadata object instead of merging into it."""
    body = update_by_id(request)
    if body is None or not isinstance(body.get("setMetadata"), dict):
        return await forward(request)
    reply = await forward(request)
    if not reply.ok:
        return reply
    old = await fetch_records(forward, request, [body["id"]], namespace_of(request))
    if not old:
        return reply
    record = as_upsert(old[body["id"]])
    if body["setMetadata"]:
        record["metadata"] = body["setMetadata"]
    else:
        record.pop("metadata", None)
    return await upsert_after_update(request, forward, body, record, reply)


@mutant("update-values-drops-metadata", "UPDATE-VALUES-KEEPS-METADATA")
async def update_values_drops_metadata(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Updating only the values of a record also drops its metadata."""
    body = update_by_id(request)
    if body is None or body.get("values") is None or body.get("setMetadata") is not None:
        return await forward(request)
    reply = await forward(request)
    if not reply.ok:
        return reply
    old = await fetch_records(forward, request, [body["id"]], namespace_of(request))
    if not old or "metadata" not in old[body["id"]]:
        return reply
    record = as_upsert(old[body["id"]])
    record.pop("metadata")
    return await upsert_after_update(request, forward, body, record, reply)


@mutant("update-by-filter-noop", "UPDATE-BY-FILTER")
async def update_by_filter_noop(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An update by filter reports the matched records but changes none (a dry run)."""
    body = body_of(request) if request.is_(*UPDATE) else None
    if body is None or body.get("filter") is None or body.get("dryRun") is True:
        return await forward(request)
    return await forward(request.with_json({**body, "dryRun": True}))


# -- delete ---------------------------------------------------------------------------------------
@mutant("deleteall-keeps-namespace", "DELETEALL-REMOVES-NAMESPACE")
async def deleteall_keeps_namespace(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A namespace emptied by deleteAll stays listed in describe_index_stats with 0 records."""
    emptied: set[str] = ctx.state.setdefault("emptied", set())
    if request.method in ("POST", "DELETE") and request.path.rstrip("/") == "/vectors/delete":
        reply = await forward(request)
        if reply.ok and is_delete_all(request):
            ns = namespace_of(request) or ""
            emptied.add("" if ns == ALIAS else ns)
        return reply
    if request.method == "DELETE" and request.path.startswith("/namespaces/"):
        emptied.discard(request.path[len("/namespaces/") :])
        return await forward(request)
    if request.is_(*STATS) or request.is_(*STATS_GET):

        def edit(body: dict[str, Any]) -> None:
            namespaces = body.get("namespaces")
            if isinstance(namespaces, dict):
                for ns in emptied - set(namespaces):
                    namespaces[ns] = {"vectorCount": 0}

        return await edit_json(request, forward, edit)
    return await forward(request)


@mutant("deleteall-every-namespace", "DELETEALL-CLEARS-NAMESPACE-ONLY")
async def deleteall_every_namespace(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """deleteAll in one namespace empties every namespace of the index."""
    if not (request.is_(*DELETE) and is_delete_all(request)):
        return await forward(request)
    reply = await forward(request)
    if not reply.ok:
        return reply
    stats = (await forward(post(request, "/describe_index_stats", {}))).json() or {}
    for ns in stats.get("namespaces", {}):
        await forward(post(request, "/vectors/delete", {"deleteAll": True, "namespace": ns}))
    return reply


@mutant("delete-by-filter-ignored", "DELETE-BY-FILTER")
async def delete_by_filter_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A delete by metadata filter answers 200 but deletes nothing."""
    body = body_of(request) if request.is_(*DELETE) else None
    if body is None or not isinstance(body.get("filter"), dict) or not body["filter"]:
        return await forward(request)
    if body.get("deleteAll") is True:
        return await forward(request)
    payload = in_namespace_of(body, {"ids": ["mutant-no-such-id"]})
    return await forward(request.with_json(payload))


@mutant("delete-missing-ids-404", "DELETE-MISSING-IDS-NOOP")
async def delete_missing_ids_404(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Deleting only ids that do not exist answers 404 instead of 200."""
    body = body_of(request) if request.is_(*DELETE) else None
    ids = body.get("ids") if body else None
    if not isinstance(ids, list) or not ids or body.get("filter") is not None:
        return await forward(request)
    if not all(isinstance(i, str) for i in ids) or len(ids) > MAX_BATCH:
        return await forward(request)
    if await fetch_records(forward, request, ids, namespace_of(request)):
        return await forward(request)
    return rpc_error(404, 5, "Vector IDs not found")
