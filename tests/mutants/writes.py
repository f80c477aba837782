"""Mutants of the write routes: upsert, update and delete."""

from __future__ import annotations

import json
from collections.abc import Callable
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


@mutant(
    "setmetadata-replaces",
    "UPDATE-SETMETADATA-MERGES",
    "UPDATE-VALUES-AND-METADATA",  # its statement: "... and unlisted fields stay"
)
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


@mutant(
    "delete-by-filter-ignored",
    "DELETE-BY-FILTER",
    "DELETE-FILTER-IGNORES-IDS",  # with ids beside it, the ignored filter decides nothing either
)
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
    # a request that is invalid anyway (ids with deleteAll) keeps its 400
    if body.get("deleteAll") or not all(isinstance(i, str) for i in ids) or len(ids) > MAX_BATCH:
        return await forward(request)
    if await fetch_records(forward, request, ids, namespace_of(request)):
        return await forward(request)
    return rpc_error(404, 5, "Vector IDs not found")


# -- upsert: ids, batches, namespaces and the body limit ------------------------------------------
async def upsert_edited(
    request: Request, forward: Forward, edit: Callable[[dict[str, Any]], dict[str, Any]]
) -> Reply:
    """Forward an upsert with `edit` applied to each vector (an unchanged one passes as it is)."""
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    if parsed is None:
        return await forward(request)
    body, vectors = parsed
    edited = [edit(dict(v)) for v in vectors]
    if edited == vectors:
        return await forward(request)
    return await forward(request.with_json({**body, "vectors": edited}))


@mutant("upsert-messages-generic", "UPSERT-ERROR-MESSAGES")
async def upsert_messages_generic(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Upsert rejections keep their status and rpcStatus body but say only "Invalid request"."""
    reply = await forward(request)
    body = reply.json()
    if not request.is_(*UPSERT) or reply.status != 400 or not isinstance(body, dict):
        return reply
    return reply.with_json({**body, "message": "Invalid request"})


@mutant("upsert-repeat-duplicates", "UPSERT-IDEMPOTENT")
async def upsert_repeat_duplicates(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Upserting an id that already exists also writes a second copy under `<id>~copy`."""
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    if parsed is None or len(parsed[1]) > MAX_BATCH // 2:
        return await forward(request)
    body, vectors = parsed
    old = await fetch_records(forward, request, [v["id"] for v in vectors], namespace_of(request))
    reply = await forward(request)
    copies = [{**v, "id": f"{v['id']}~copy"} for v in vectors if v["id"] in old]
    if reply.ok and copies:
        await forward(request.with_json({**body, "vectors": copies}))
    return reply


SPECIAL = str.maketrans({c: "_" for c in " /#?&+%"})


@mutant("upsert-special-chars-replaced", "UPSERT-ID-SPECIAL-CHARS")
async def upsert_special_chars_replaced(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Upserted ids have spaces and URL-special characters replaced by `_`."""
    return await upsert_edited(request, forward, lambda v: {**v, "id": v["id"].translate(SPECIAL)})


@mutant("upsert-batch-partial", "UPSERT-BATCH-ATOMIC")
async def upsert_batch_partial(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A rejected upsert batch still writes each of its vectors that is valid on its own."""
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    body = body_of(request) if request.is_(*UPSERT) else None
    reply = await forward(request)
    vectors = body.get("vectors") if body else None
    if reply.status != 400 or (parsed is not None and len(parsed[1]) > MAX_BATCH):
        return reply
    if not isinstance(vectors, list) or len(vectors) < 2:
        return reply
    for vector in vectors:
        await forward(request.with_json({**body, "vectors": [vector]}))
    return reply


@mutant(
    "upsert-default-elsewhere",
    "UPSERT-DEFAULT-NAMESPACE",
    "NAMESPACES-DEFAULT-EMPTY-OR-OMITTED",  # an upsert sending "" misses the default namespace too
)
async def upsert_default_elsewhere(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An upsert with no (or an empty) namespace writes to a namespace of its own."""
    body = body_of(request) if request.is_(*UPSERT) else None
    if body is None or body.get("namespace", "") != "":
        return await forward(request)
    reply = await forward(request.with_json({**body, "namespace": "mutant-default"}))
    return reply


@mutant("upsert-empty-metadata-keeps", "UPSERT-EMPTY-METADATA")
async def upsert_empty_metadata_keeps(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An upsert with `metadata: {}` keeps the record's old metadata."""
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    if parsed is None or len(parsed[1]) > MAX_BATCH:
        return await forward(request)
    body, vectors = parsed
    empty = [v["id"] for v in vectors if v.get("metadata") == {}]
    old = await fetch_records(forward, request, empty, namespace_of(request)) if empty else {}
    if not old:
        return await forward(request)
    kept = [
        {**v, "metadata": old[v["id"]]["metadata"]}
        if v["id"] in old and old[v["id"]].get("metadata")
        else v
        for v in vectors
    ]
    return await forward(request.with_json({**body, "vectors": kept}))


@mutant("upsert-oversized-metadata-dropped", "UPSERT-METADATA-SIZE-LIMIT")
async def upsert_oversized_metadata_dropped(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Metadata over the size limit is dropped (the vector stored without it) instead of a 400."""
    reply = await forward(request)
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    if (
        parsed is None
        or reply.status != 400
        or "Metadata size" not in (reply.json() or {}).get("message", "")
    ):
        return reply
    body, vectors = parsed
    bare = [{k: x for k, x in v.items() if k != "metadata"} for v in vectors]
    return await forward(request.with_json({**body, "vectors": bare}))


def _metadata_values(vector: dict[str, Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    metadata = vector.get("metadata")
    if not isinstance(metadata, dict):
        return vector
    return {**vector, "metadata": {k: convert(x) for k, x in metadata.items()}}


def _bool_as_string(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else value


def _int_as_string(value: Any) -> Any:
    return str(value) if type(value) is int else value


@mutant("metadata-bools-as-strings", "UPSERT-METADATA-ROUNDTRIP")
async def metadata_bools_as_strings(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Boolean metadata values are stored as the strings "true" and "false"."""
    return await upsert_edited(request, forward, lambda v: _metadata_values(v, _bool_as_string))


@mutant("metadata-ints-as-strings", "UPSERT-METADATA-INT-AS-FLOAT", "UPSERT-METADATA-ROUNDTRIP")
async def metadata_ints_as_strings(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Integer metadata values are stored as strings ("2020")."""
    return await upsert_edited(request, forward, lambda v: _metadata_values(v, _int_as_string))


@mutant("sparse-index-default-values", "UPSERT-SPARSE-REQUIRED")
async def sparse_index_default_values(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """On a sparse index, a vector without sparseValues gets `{indices: [0], values: [1]}`."""
    if ctx.vector_type != "sparse":
        return await forward(request)

    def fill(v: dict[str, Any]) -> dict[str, Any]:
        if "sparseValues" in v or "sparse_values" in v or "values" in v:
            return v
        return {**v, "sparseValues": {"indices": [0], "values": [1.0]}}

    return await upsert_edited(request, forward, fill)


def _sparse_of(vector: dict[str, Any]) -> dict[str, Any] | None:
    sparse = vector.get("sparseValues")
    if not isinstance(sparse, dict):
        return None
    indices, values = sparse.get("indices"), sparse.get("values")
    if not isinstance(indices, list) or not isinstance(values, list):
        return None
    return sparse


def _valid_sparse(vector: dict[str, Any]) -> dict[str, Any] | None:
    """The vector's sparseValues when the server would accept them (equal lengths, indices in
    0…2**32-1): the storage mutants lose data after validation, not instead of it."""
    sparse = _sparse_of(vector)
    if sparse is None or len(sparse["indices"]) != len(sparse["values"]):
        return None
    if not all(type(i) is int and 0 <= i < 2**32 for i in sparse["indices"]):
        return None
    return sparse


@mutant("sparse-last-pair-dropped", "UPSERT-SPARSE-ROUNDTRIP")
async def sparse_last_pair_dropped(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """On a sparse index, the last index/value pair of each upserted sparse vector is lost."""
    if ctx.vector_type != "sparse":
        return await forward(request)

    def cut(v: dict[str, Any]) -> dict[str, Any]:
        sparse = _valid_sparse(v)
        if sparse is None or len(sparse["indices"]) < 2:
            return v
        short = {"indices": sparse["indices"][:-1], "values": sparse["values"][:-1]}
        return {**v, "sparseValues": short}

    return await upsert_edited(request, forward, cut)


@mutant("hybrid-sparse-dropped", "UPSERT-HYBRID")
async def hybrid_sparse_dropped(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """On a dense index, the sparseValues of an upserted hybrid vector are silently dropped."""
    if ctx.vector_type != "dense":
        return await forward(request)

    def strip(v: dict[str, Any]) -> dict[str, Any]:
        if _valid_sparse(v) is None or not v.get("values"):
            return v
        return {k: x for k, x in v.items() if k != "sparseValues"}

    return await upsert_edited(request, forward, strip)


UINT32 = 2**32


@mutant("sparse-indices-wrapped", "UPSERT-SPARSE-INDEX-RANGE")
async def sparse_indices_wrapped(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Sparse indices outside 0…2**32-1 wrap around (mod 2**32) instead of being rejected."""

    def wrap(v: dict[str, Any]) -> dict[str, Any]:
        sparse = _sparse_of(v)
        if sparse is None or not all(type(i) is int for i in sparse["indices"]):
            return v
        wrapped = [i % UINT32 for i in sparse["indices"]]
        if wrapped == sparse["indices"] or len(set(wrapped)) < len(wrapped):
            return v
        return {**v, "sparseValues": {**sparse, "indices": wrapped}}

    return await upsert_edited(request, forward, wrap)


BODY_LIMIT = 2 * 1024 * 1024


@mutant("upsert-large-body-split", "UPSERT-BODY-LIMIT-413")
async def upsert_large_body_split(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An upsert body over 2 MB is written in smaller parts and accepted instead of a 413."""
    parsed = upsert_vectors(request) if request.is_(*UPSERT) else None
    if parsed is None or len(request.body) <= BODY_LIMIT or len(parsed[1]) > MAX_BATCH:
        return await forward(request)
    body, vectors = parsed
    parts = [vectors]
    while any(len(json.dumps({**body, "vectors": p})) > BODY_LIMIT // 2 for p in parts):
        parts = [half for p in parts for half in (p[: len(p) // 2], p[len(p) // 2 :]) if half]
        if all(len(p) == 1 for p in parts):
            break
    total = 0
    reply = Reply(500)
    for part in parts:
        reply = await forward(request.with_json({**body, "vectors": part}))
        if not reply.ok:
            return reply
        total += (reply.json() or {}).get("upsertedCount", 0)
    return reply.with_json({"upsertedCount": total})


# -- update by id: which fields change, the reply, dry runs ---------------------------------------
async def update_rewritten(
    request: Request, forward: Forward, edit: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> Reply:
    """Forward an update by id with its body rewritten by `edit` (None leaves it alone)."""
    body = update_by_id(request)
    changed = edit(dict(body)) if body is not None else None
    return await forward(request if changed is None else request.with_json(changed))


def _fits(values: Any, ctx: Ctx) -> bool:
    """Whether `values` is a valid dense vector for the index (so dropping it hides no error)."""
    return (
        isinstance(values, list)
        and len(values) == ctx.dimension
        and all(type(x) in (int, float) for x in values)
        and any(x != 0 for x in values)
    )


def _without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


@mutant("update-values-ignored", "UPDATE-VALUES")
async def update_values_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An update with only `values` answers 200 but leaves the dense vector unchanged."""

    def edit(body: dict[str, Any]) -> dict[str, Any] | None:
        if not _fits(body.get("values"), ctx) or body.get("setMetadata") is not None:
            return None
        return _without(body, "values")

    return await update_rewritten(request, forward, edit)


@mutant("update-both-drops-values", "UPDATE-VALUES-AND-METADATA")
async def update_both_drops_values(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An update with both `values` and `setMetadata` applies only the metadata."""

    def edit(body: dict[str, Any]) -> dict[str, Any] | None:
        if not _fits(body.get("values"), ctx) or not isinstance(body.get("setMetadata"), dict):
            return None
        return _without(body, "values")

    return await update_rewritten(request, forward, edit)


@mutant("update-sparse-ignored", "UPDATE-SPARSE-VALUES")
async def update_sparse_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An update's `sparseValues` are ignored: the record keeps its old sparse vector."""
    body = update_by_id(request)
    if body is None or not isinstance(body.get("sparseValues"), dict):
        return await forward(request)
    ns = namespace_of(request)
    old = await fetch_records(forward, request, [body["id"]], ns)
    reply = await forward(request)
    if not reply.ok or "sparseValues" not in old.get(body["id"], {}):
        return reply
    new = await fetch_records(forward, request, [body["id"]], ns)
    if body["id"] not in new:
        return reply
    record = as_upsert(new[body["id"]])
    record["sparseValues"] = old[body["id"]]["sparseValues"]
    return await upsert_after_update(request, forward, body, record, reply)


@mutant("setmetadata-resets-values", "UPDATE-SETMETADATA-KEEPS-VALUES")
async def setmetadata_resets_values(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An update with only setMetadata also resets the record's vector to a unit vector."""
    body = update_by_id(request)
    if body is None or not isinstance(body.get("setMetadata"), dict):
        return await forward(request)
    if body.get("values") is not None or body.get("sparseValues") is not None:
        return await forward(request)
    reply = await forward(request)
    if not reply.ok:
        return reply
    new = await fetch_records(forward, request, [body["id"]], namespace_of(request))
    if body["id"] not in new:
        return reply
    record = as_upsert(new[body["id"]])
    if record.get("values"):
        record["values"] = unit_values(ctx.dimension)
    if "sparseValues" in record:
        record["sparseValues"] = {"indices": [0], "values": [1.0]}
    return await upsert_after_update(request, forward, body, record, reply)


@mutant("update-reply-matched", "UPDATE-BY-ID-RESPONSE")
async def update_reply_matched(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An update by id answers `{"matchedRecords": 1}` instead of `{}`."""
    if update_by_id(request) is None:
        return await forward(request)

    def edit(body: dict[str, Any]) -> None:
        body.setdefault("matchedRecords", 1)

    return await edit_json(request, forward, edit)


@mutant("update-dry-run-applies", "UPDATE-DRY-RUN")
async def update_dry_run_applies(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An update by filter with `dryRun: true` still applies the change."""
    body = body_of(request) if request.is_(*UPDATE) else None
    if body is None or body.get("dryRun") is not True or body.get("filter") is None:
        return await forward(request)
    reply = await forward(request)
    if reply.ok:
        await forward(request.with_json({**body, "dryRun": False}))
    return reply


# -- delete: by ids, the reply, filter with ids, the id limit -------------------------------------
def _delete_ids(request: Request) -> tuple[dict[str, Any], list[str]] | None:
    """(body, ids) of a delete by ids alone (no filter, no deleteAll), or None."""
    body = body_of(request) if request.is_(*DELETE) else None
    ids = body.get("ids") if body else None
    if (
        body is None
        or not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, str) for i in ids)
    ):
        return None
    if body.get("filter") is not None or body.get("deleteAll") is not None:
        return None
    return body, ids


@mutant("delete-first-id-only", "DELETE-BY-IDS")
async def delete_first_id_only(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A delete by several ids deletes only the first of them."""
    parsed = _delete_ids(request)
    if parsed is None or len(parsed[1]) < 2 or len(parsed[1]) > MAX_BATCH:
        return await forward(request)
    body, ids = parsed
    return await forward(request.with_json({**body, "ids": ids[:1]}))


@mutant("delete-reply-count", "DELETE-RESPONSE-EMPTY")
async def delete_reply_count(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A delete answers `{"deletedCount": n}` instead of `{}`."""
    if not request.is_(*DELETE):
        return await forward(request)
    ids = (body_of(request) or {}).get("ids")

    def edit(body: dict[str, Any]) -> None:
        body.setdefault("deletedCount", len(ids) if isinstance(ids, list) else 0)

    return await edit_json(request, forward, edit)


@mutant("delete-filter-and-ids", "DELETE-FILTER-IGNORES-IDS")
async def delete_filter_and_ids(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A delete with both a filter and ids deletes the filter's matches and the ids."""
    body = body_of(request) if request.is_(*DELETE) else None
    ids = body.get("ids") if body else None
    if body is None or not isinstance(body.get("filter"), dict) or not isinstance(ids, list):
        return await forward(request)
    reply = await forward(request)
    if reply.ok and ids and len(ids) <= MAX_BATCH:
        await forward(request.with_json(in_namespace_of(body, {"ids": ids})))
    return reply


@mutant("delete-accepts-1001-ids", "DELETE-MAX-IDS")
async def delete_accepts_1001_ids(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A delete of more than 1000 ids is split and accepted instead of rejected."""
    parsed = _delete_ids(request)
    if parsed is None or len(parsed[1]) <= MAX_BATCH:
        return await forward(request)
    body, ids = parsed
    reply = Reply(500)
    for start in range(0, len(ids), MAX_BATCH):
        reply = await forward(request.with_json({**body, "ids": ids[start : start + MAX_BATCH]}))
        if not reply.ok:
            return reply
    return reply


# -- the seed document's request forms ------------------------------------------------------------
@mutant("upsert-json-content-type-only", "SEED-UPSERT-FORM-CONTENT-TYPE")
async def upsert_json_content_type_only(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """An upsert whose Content-Type is not application/json (curl `-d`) is refused with 415."""
    types = [v for k, v in request.headers if k.lower() == b"content-type"]
    if request.is_(*UPSERT) and types and not types[0].startswith(b"application/json"):
        return rpc_error(415, 3, "Content-Type must be application/json")
    return await forward(request)


@mutant("deleteall-default-namespace-noop", "SEED-DELETEALL-DEFAULT-NAMESPACE")
async def deleteall_default_namespace_noop(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """`deleteAll` without a namespace (or with `""`) answers 200 `{}` and deletes nothing."""
    if request.is_(*DELETE) and is_delete_all(request) and not namespace_of(request):
        return Reply(200, [(b"content-type", b"application/json")]).with_json({})
    return await forward(request)
