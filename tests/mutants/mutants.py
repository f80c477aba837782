"""The mutants: each breaks exactly one documented behavior of the reference server.

Most are ASGI wrappers around one index's data-plane app (`tests.mutants.asgi.Rewrite`): they
rewrite requests and responses, or send extra requests to the real app, so they keep working when
the reference server's internals change. A few monkeypatch one reference-server function where the
wire cannot express the bug (`patch`).

Each mutant names the catalog behaviors (conformance/behaviors.toml) it breaks; the suite must fail
on at least one test of one of those behaviors.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp

from tests.mutants.asgi import Forward, Reply, Request, Rewrite

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


@dataclass
class Ctx:
    """What a handler knows about its index, plus state that lives as long as the index."""

    name: str
    dimension: int | None
    metric: str
    vector_type: str
    state: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Request, Forward, Ctx], Awaitable[Reply]]


@dataclass(frozen=True)
class Mutant:
    """A deliberately broken variant of the reference server."""

    name: str
    behaviors: tuple[str, ...]
    summary: str
    handler: Handler | None = None
    patch: Callable[[], None] | None = None

    def wrap(self, app: ASGIApp, model: Any) -> ASGIApp:
        """`app` (one index's data plane) with this mutant's handler in front, if it has one."""
        if self.handler is None:
            return app
        ctx = Ctx(model.name, model.dimension, model.metric, model.vector_type)
        handler = self.handler

        async def handle(request: Request, forward: Forward) -> Reply:
            return await handler(request, forward, ctx)

        return Rewrite(app, handle)


MUTANTS: dict[str, Mutant] = {}


def mutant(name: str, *behaviors: str, summary: str | None = None) -> Callable[[Handler], Handler]:
    """Register an ASGI-wrapper mutant; the summary defaults to its docstring's first line."""

    def register(fn: Handler) -> Handler:
        MUTANTS[name] = Mutant(name, behaviors, summary or _summary(fn), handler=fn)
        return fn

    return register


def patch_mutant(name: str, *behaviors: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a monkeypatch mutant (applied in the server process before it starts)."""

    def register(fn: Callable[[], None]) -> Callable[[], None]:
        MUTANTS[name] = Mutant(name, behaviors, _summary(fn), patch=fn)
        return fn

    return register


def _summary(fn: Callable[..., Any]) -> str:
    return (fn.__doc__ or "").strip().splitlines()[0]


# -- helpers --------------------------------------------------------------------------------------
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
@mutant("update-missing-404", "UPDATE-MISSING-ID-NOOP")
async def update_missing_404(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Updating an id that does not exist answers 404 instead of 200."""
    body = update_by_id(request)
    if body is None:
        return await forward(request)
    found = await fetch_records(forward, request, [body["id"]], namespace_of(request))
    reply = await forward(request)
    if reply.ok and not found:
        return rpc_error(404, 5, f"Vector ID {body['id']} not found")
    return reply


@mutant("update-missing-creates", "UPDATE-MISSING-ID-NOOP")
async def update_missing_creates(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Updating an id that does not exist creates the record (an upsert)."""
    body = update_by_id(request)
    if body is None:
        return await forward(request)
    existed = await fetch_records(forward, request, [body["id"]], namespace_of(request))
    reply = await forward(request)
    if existed or not reply.ok:
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
    payload: dict[str, Any] = {"vectors": [vector]}
    if "namespace" in body:
        payload["namespace"] = body["namespace"]
    written = await forward(post(request, "/vectors/upsert", payload))
    return written.with_json({}) if written.ok else reply


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
    payload: dict[str, Any] = {"vectors": [record]}
    if "namespace" in body:
        payload["namespace"] = body["namespace"]
    written = await forward(post(request, "/vectors/upsert", payload))
    return written.with_json({}) if written.ok else reply


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
    payload: dict[str, Any] = {"vectors": [record]}
    if "namespace" in body:
        payload["namespace"] = body["namespace"]
    written = await forward(post(request, "/vectors/upsert", payload))
    return written.with_json({}) if written.ok else reply


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
    payload: dict[str, Any] = {"ids": ["mutant-no-such-id"]}
    if "namespace" in body:
        payload["namespace"] = body["namespace"]
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


# -- query ----------------------------------------------------------------------------------------
def edit_matches(edit: Callable[[list[Any], dict[str, Any]], list[Any]]) -> Handler:
    """A handler that rewrites the matches of successful query replies."""

    async def handle(request: Request, forward: Forward, ctx: Ctx) -> Reply:
        if not request.is_(*QUERY):
            return await forward(request)
        body = body_of(request) or {}

        def apply(reply: dict[str, Any]) -> None:
            if isinstance(reply.get("matches"), list):
                reply["matches"] = edit(reply["matches"], body)

        return await edit_json(request, forward, apply)

    return handle


def _rotate(matches: list[Any], body: dict[str, Any]) -> list[Any]:
    return matches[1:] + matches[:1] if len(matches) > 1 else matches


def _truncate(matches: list[Any], body: dict[str, Any]) -> list[Any]:
    top_k = body.get("topK")
    full = isinstance(top_k, int) and top_k > 1 and len(matches) == top_k
    return matches[:-1] if full else matches


def _drop_self(matches: list[Any], body: dict[str, Any]) -> list[Any]:
    return [m for m in matches if not (isinstance(m, dict) and m.get("id") == body.get("id"))]


mutant(
    "matches-unsorted",
    "QUERY-ORDER-DESCENDING",
    "QUERY-EUCLIDEAN-ASCENDING",
    "QUERY-BY-ID-SELF-FIRST",
    summary="The best match is moved to the end of the matches.",
)(edit_matches(_rotate))
mutant(
    "matches-truncated",
    "QUERY-AT-MOST-TOPK",
    summary="A query that fills topK returns only topK - 1 matches.",
)(edit_matches(_truncate))
mutant(
    "query-by-id-drops-self",
    "QUERY-BY-ID-SELF-FIRST",
    summary="A query by id leaves the queried record out of its matches.",
)(edit_matches(_drop_self))


def edit_query_body(edit: Callable[[dict[str, Any], Ctx], dict[str, Any] | None]) -> Handler:
    """A handler that rewrites query request bodies (`edit` returns None to leave one alone)."""

    async def handle(request: Request, forward: Forward, ctx: Ctx) -> Reply:
        body = body_of(request) if request.is_(*QUERY) else None
        changed = edit(dict(body), ctx) if body is not None else None
        return await forward(request if changed is None else request.with_json(changed))

    return handle


def _without_flags(*keys: str) -> Callable[[dict[str, Any], Ctx], dict[str, Any] | None]:
    """Drop these boolean flags (a flag of another type is left for validation to reject)."""

    def edit(body: dict[str, Any], ctx: Ctx) -> dict[str, Any] | None:
        if not any(type(body.get(k)) is bool for k in keys):
            return None
        return {k: v for k, v in body.items() if k not in keys}

    return edit


def _force_metadata(body: dict[str, Any], ctx: Ctx) -> dict[str, Any] | None:
    flags = (body.get("includeMetadata"), body.get("include_metadata"))
    if any(f is not None and type(f) is not bool for f in flags):
        return None
    rest = {k: v for k, v in body.items() if k != "include_metadata"}
    return {**rest, "includeMetadata": True}


def _clamp_top_k(body: dict[str, Any], ctx: Ctx) -> dict[str, Any] | None:
    top_k = body.get("topK")
    if type(top_k) is int and top_k > 10_000:
        return {**body, "topK": 10_000}
    return None


@mutant("filter-ignored", "QUERY-FILTER-RESTRICTS", "FILTERS-*")
async def filter_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A query ignores its metadata filter (once the filter has passed validation)."""
    body = body_of(request) if request.is_(*QUERY) else None
    if body is None or not body.get("filter"):
        return await forward(request)
    checked = await forward(request)
    if not checked.ok:
        return checked
    return await forward(request.with_json({k: v for k, v in body.items() if k != "filter"}))


mutant(
    "include-values-ignored",
    "QUERY-INCLUDE-VALUES",
    summary="A query never returns values, whatever includeValues says.",
)(edit_query_body(_without_flags("includeValues", "include_values")))
mutant(
    "metadata-unrequested",
    "QUERY-INCLUDE-METADATA",
    "QUERY-INCLUDE-DEFAULTS-FALSE",
    summary="A query always returns metadata, even without includeMetadata.",
)(edit_query_body(_force_metadata))
mutant(
    "topk-clamped",
    "QUERY-TOPK-RANGE",
    summary="A topK above 10000 is clamped to 10000 instead of rejected.",
)(edit_query_body(_clamp_top_k))


@mutant("euclidean-descending", "QUERY-EUCLIDEAN-ASCENDING", "QUERY-BY-ID-SELF-FIRST")
async def euclidean_descending(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """On a euclidean index, queries return the farthest records first (distance descending)."""
    body = body_of(request) if request.is_(*QUERY) else None
    top_k = body.get("topK") if body else None
    if ctx.metric != "euclidean" or body is None or type(top_k) is not int or top_k > 10_000:
        return await forward(request)
    reply = await forward(request.with_json({**body, "topK": 10_000}))
    payload = reply.json()
    if not has_matches(reply, payload):
        return reply
    ranked = sorted(payload["matches"], key=lambda m: m.get("score", 0), reverse=True)
    return reply.with_json({**payload, "matches": ranked[: max(top_k, 0)]})


@mutant("cosine-unnormalised", "QUERY-COSINE-SCORE", "QUERY-ORDER-DESCENDING")
async def cosine_unnormalised(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """On a cosine index, scores are raw dot products (the vectors' lengths are not divided out)."""
    body = body_of(request) if request.is_(*QUERY) else None
    if ctx.metric != "cosine" or ctx.vector_type != "dense" or body is None:
        return await forward(request)
    flag = body.get("includeValues")
    if (flag is not None and type(flag) is not bool) or "include_values" in body:
        return await forward(request)
    query = body.get("vector")
    if query is None and isinstance(body.get("id"), str):
        found = await fetch_records(forward, request, [body["id"]], namespace_of(request))
        query = found.get(body["id"], {}).get("values")
    if not isinstance(query, list) or not query:
        return await forward(request)
    reply = await forward(request.with_json({**body, "includeValues": True}))
    payload = reply.json()
    if not has_matches(reply, payload):
        return reply
    keep_values = body.get("includeValues") is True
    matches = []
    for match in payload["matches"]:
        values = match.get("values") or []
        if len(values) == len(query):
            match["score"] = math.fsum(a * b for a, b in zip(query, values, strict=True))
        if not keep_values:
            match.pop("values", None)
        matches.append(match)
    matches.sort(key=lambda m: m.get("score", 0), reverse=True)
    return reply.with_json({**payload, "matches": matches})


@mutant("sparse-zero-scores-kept", "QUERY-SPARSE-EXCLUDES-ZERO")
async def sparse_zero_scores_kept(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """On a sparse index, records that share no index with the query come back with score 0."""
    body = body_of(request) if request.is_(*QUERY) else None
    top_k = body.get("topK") if body else None
    if ctx.vector_type != "sparse" or body is None or body.get("filter") or type(top_k) is not int:
        return await forward(request)
    reply = await forward(request)
    payload = reply.json()
    if not has_matches(reply, payload):
        return reply
    matches = payload["matches"]
    seen = {m.get("id") for m in matches}
    ns = [] if namespace_of(request) is None else [("namespace", namespace_of(request) or "")]
    listed = (await forward(get(request, "/vectors/list", ns))).json() or {}
    extra = [v["id"] for v in listed.get("vectors", []) if v.get("id") not in seen]
    extra = extra[: max(0, top_k - len(matches))]
    records = await fetch_records(forward, request, extra, namespace_of(request)) if extra else {}
    for rid in extra:
        match: dict[str, Any] = {"id": rid, "score": 0.0}
        record = records.get(rid, {})
        if body.get("includeValues") is True:
            match["values"] = []
            if "sparseValues" in record:
                match["sparseValues"] = record["sparseValues"]
        if body.get("includeMetadata") is True and "metadata" in record:
            match["metadata"] = record["metadata"]
        matches.append(match)
    return reply.with_json(payload)


# -- filters --------------------------------------------------------------------------------------
def widen_ne(flt: Any) -> Any:
    """The filter with every `{"f": {"$ne": v}}` also matching records that lack `f`."""
    if not isinstance(flt, dict):
        return flt
    parts: list[dict[str, Any]] = []
    for key, operand in flt.items():
        if key in ("$and", "$or") and isinstance(operand, list):
            parts.append({key: [widen_ne(child) for child in operand]})
        elif not key.startswith("$") and isinstance(operand, dict) and "$ne" in operand:
            parts.append({"$or": [{key: operand}, {key: {"$exists": False}}]})
        else:
            parts.append({key: operand})
    return parts[0] if len(parts) == 1 else {"$and": parts}


@mutant("ne-matches-missing", "FILTERS-NE-NIN-MISSING-FIELD", "FILTERS-EQ-NE-TYPES")
async def ne_matches_missing(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """`$ne` also matches records that lack the field."""
    routes = (QUERY, FBM, DELETE, UPDATE)
    body = body_of(request) if any(request.is_(*r) for r in routes) else None
    if (
        body is None
        or not isinstance(body.get("filter"), dict)
        or "$ne" not in request.body.decode("utf-8", "replace")
    ):
        return await forward(request)
    return await forward(request.with_json({**body, "filter": widen_ne(body["filter"])}))


@patch_mutant("list-elements-unmatched", "FILTERS-LIST-ANY-ELEMENT", "FILTERS-LIST-AND-BOTH")
def list_elements_unmatched() -> None:
    """`$eq` and `$in` never match a list-valued field through its elements."""
    import numpy as np

    from reference_server import filters

    def equals(column: Any, operand: Any, n: int) -> np.ndarray:
        kind = type(operand)
        if kind is bool:
            return column.flag[:n] == (1 if operand else 0)
        if kind is float:
            return column.num[:n] == operand
        code = column.codes.get(operand)
        return column.code[:n] == code if code is not None else np.zeros(n, dtype=bool)

    def member(column: Any, operand: Any, n: int) -> np.ndarray:
        strings, numbers = operand
        mask = np.zeros(n, dtype=bool)
        if numbers:
            mask |= np.isin(column.num[:n], np.array(numbers, dtype=np.float64))
        codes = [column.codes[s] for s in strings if s in column.codes]
        if codes:
            mask |= np.isin(column.code[:n], np.array(codes, dtype=np.int32))
        return mask

    filters._equals = equals
    filters._member = member


# -- fetch ----------------------------------------------------------------------------------------
@mutant("fetch-plus-literal", "FETCH-ID-ENCODING")
async def fetch_plus_literal(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A `+` in the fetch query string is read as a literal plus, not as a space."""
    if request.is_(*FETCH) and b"+" in request.query_string:
        request = Request(
            request.method,
            request.path,
            request.query_string.replace(b"+", b"%2B"),
            request.headers,
            request.body,
        )
    return await forward(request)


@mutant("fetch-unknown-ids-null", "FETCH-UNKNOWN-IDS-OMITTED")
async def fetch_unknown_ids_null(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Fetch lists ids that do not exist, with null, instead of omitting them."""
    if not request.is_(*FETCH):
        return await forward(request)
    wanted = [v for k, v in request.params() if k == "ids"]

    def edit(body: dict[str, Any]) -> None:
        vectors = body.get("vectors")
        if isinstance(vectors, dict):
            for rid in wanted:
                vectors.setdefault(rid, None)

    return await edit_json(request, forward, edit)


@mutant("fbm-limit-ignored", "FBM-PAGINATION", "FBM-LIMIT-RANGE-400")
async def fbm_limit_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """fetch_by_metadata ignores `limit` (always pages of 100, never rejects a bad limit)."""
    body = body_of(request) if request.is_(*FBM) else None
    if body is None or "limit" not in body:
        return await forward(request)
    return await forward(request.with_json({k: v for k, v in body.items() if k != "limit"}))


# -- list -----------------------------------------------------------------------------------------
def edit_list_params(drop: tuple[str, ...]) -> Handler:
    """A handler that drops these query parameters from list requests."""

    async def handle(request: Request, forward: Forward, ctx: Ctx) -> Reply:
        if request.is_(*LIST) and any(request.param(k) is not None for k in drop):
            request = request.with_params([(k, v) for k, v in request.params() if k not in drop])
        return await forward(request)

    return handle


def edit_reply(route: tuple[str, str], edit: Callable[[dict[str, Any]], None]) -> Handler:
    """A handler that edits successful JSON replies of one route."""

    async def handle(request: Request, forward: Forward, ctx: Ctx) -> Reply:
        if not request.is_(*route):
            return await forward(request)
        return await edit_json(request, forward, edit)

    return handle


def _drop_pagination(body: dict[str, Any]) -> None:
    body.pop("pagination", None)


def _reverse_page(body: dict[str, Any]) -> None:
    if isinstance(body.get("vectors"), list):
        body["vectors"].reverse()


mutant(
    "list-token-restarts",
    "LIST-PAGINATION",
    "LIST-DEFAULT-LIMIT",
    "LIST-PAGINATION-EXAMPLE",
    summary="A list paginationToken is ignored: every page starts from the beginning.",
)(edit_list_params(("paginationToken", "pagination_token")))
mutant(
    "list-prefix-ignored",
    "LIST-PREFIX",
    summary="list ignores `prefix` and lists every id.",
)(edit_list_params(("prefix",)))
mutant(
    "list-no-pagination",
    "LIST-PAGINATION",
    "LIST-DEFAULT-LIMIT",
    "LIST-PAGINATION-EXAMPLE",
    summary="A list page never carries `pagination`, even when more ids follow.",
)(edit_reply(LIST, _drop_pagination))
mutant(
    "list-unsorted",
    "LIST-SORTED",
    summary="list returns each page's ids in descending order.",
)(edit_reply(LIST, _reverse_page))
mutant(
    "namespaces-list-no-pagination",
    "NAMESPACES-LIST-PAGINATION",
    summary="GET /namespaces never carries `pagination`, even when more namespaces follow.",
)(edit_reply(NAMESPACES, _drop_pagination))


# -- stats ----------------------------------------------------------------------------------------
def stats_handler(edit: Callable[[dict[str, Any], Ctx], None]) -> Handler:
    """A handler that edits describe_index_stats replies (POST and GET)."""

    async def handle(request: Request, forward: Forward, ctx: Ctx) -> Reply:
        if not (request.is_(*STATS) or request.is_(*STATS_GET)):
            return await forward(request)
        return await edit_json(request, forward, lambda body: edit(body, ctx))

    return handle


def _stale_counts(body: dict[str, Any], ctx: Ctx) -> None:
    seen: dict[str, int] = ctx.state.setdefault("seen", {})
    namespaces = body.get("namespaces")
    if not isinstance(namespaces, dict):
        return
    for ns in set(seen) - set(namespaces):
        del seen[ns]
    for ns, entry in namespaces.items():
        count = max(seen.get(ns, 0), entry.get("vectorCount", 0))
        seen[ns] = entry["vectorCount"] = count
    body["totalVectorCount"] = sum(e.get("vectorCount", 0) for e in namespaces.values())


def _total_first_namespace(body: dict[str, Any], ctx: Ctx) -> None:
    namespaces = body.get("namespaces")
    if isinstance(namespaces, dict) and namespaces:
        first = sorted(namespaces)[0]
        body["totalVectorCount"] = namespaces[first].get("vectorCount", 0)


mutant(
    "stats-stale-counts",
    "STATS-NAMESPACE-COUNTS",
    summary="describe_index_stats counts never go down while a namespace exists.",
)(stats_handler(_stale_counts))
mutant(
    "stats-total-first-namespace",
    "STATS-TOTAL-SUM",
    summary="totalVectorCount counts only the first namespace.",
)(stats_handler(_total_first_namespace))


@mutant("stats-legacy-get-405", "STATS-LEGACY-GET")
async def stats_legacy_get_405(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """GET /describe_index_stats answers 405 (only POST is served)."""
    if request.is_(*STATS_GET):
        return rpc_error(405, 12, "Method Not Allowed")
    return await forward(request)


# -- namespaces -----------------------------------------------------------------------------------
def rename_namespace(request: Request, rename: Callable[[str | None], str | None]) -> Request:
    """`request` with its namespace (body field or query parameter) renamed; None removes it."""
    body = body_of(request)
    if body is not None and "namespace" in body:
        new = rename(body["namespace"] if isinstance(body["namespace"], str) else None)
        if new == body["namespace"]:
            return request
        rest = {k: v for k, v in body.items() if k != "namespace"}
        return request.with_json(rest if new is None else {**rest, "namespace": new})
    params = request.params()
    if any(k == "namespace" for k, _ in params):
        renamed: list[tuple[str, str]] = []
        for k, v in params:
            if k == "namespace":
                new = rename(v)
                if new is not None:
                    renamed.append((k, new))
            else:
                renamed.append((k, v))
        return request.with_params(renamed)
    return request


async def with_namespace_echo(reply: Reply, echo: str | None) -> Reply:
    """`reply` with its `namespace` field set to `echo` (when it has one)."""
    body = reply.json()
    if echo is None or not isinstance(body, dict) or "namespace" not in body:
        return reply
    return reply.with_json({**body, "namespace": echo})


@mutant(
    "namespace-ignored",
    "NAMESPACES-ISOLATION",
    "FETCH-NAMESPACE-ISOLATION",
    "UPSERT-CREATES-NAMESPACE",
    "DELETEALL-CLEARS-NAMESPACE-ONLY",
    "STATS-NAMESPACE-COUNTS",
    "STATS-TOTAL-SUM",
    "FETCH-UNKNOWN-NAMESPACE",
    "QUERY-UNKNOWN-NAMESPACE-EMPTY",
    "LIST-UNKNOWN-NAMESPACE",
)
async def namespace_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Every record operation goes to the default namespace, whatever namespace it names."""
    if request.path.startswith("/namespaces"):
        return await forward(request)
    asked = namespace_of(request)
    reply = await forward(rename_namespace(request, lambda ns: None))
    return await with_namespace_echo(reply, asked)


@mutant(
    "default-alias-distinct",
    "UPSERT-DEFAULT-NAMESPACE-ALIAS",
    "VERSIONS-DEFAULT-NAMESPACE-ALIAS",
)
async def default_alias_distinct(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """`__default__` is a namespace of its own instead of another name for the default one."""
    if request.path.startswith("/namespaces") or namespace_of(request) != ALIAS:
        return await forward(request)
    reply = await forward(rename_namespace(request, lambda ns: "mutant-default-alias"))
    return await with_namespace_echo(reply, "")


# -- errors and headers ---------------------------------------------------------------------------
def error_handler(edit: Callable[[Reply, dict[str, Any]], Reply]) -> Handler:
    """A handler that rewrites JSON error replies (status >= 400)."""

    async def handle(request: Request, forward: Forward, ctx: Ctx) -> Reply:
        reply = await forward(request)
        body = reply.json()
        if reply.status < 400 or not isinstance(body, dict):
            return reply
        return edit(reply, body)

    return handle


CP_CODES = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    413: "PAYLOAD_TOO_LARGE",
}


def _drop_details(reply: Reply, body: dict[str, Any]) -> Reply:
    body.pop("details", None)
    return reply.with_json(body)


def _control_plane_shape(reply: Reply, body: dict[str, Any]) -> Reply:
    code = CP_CODES.get(reply.status, "UNKNOWN")
    return reply.with_json(
        {"error": {"code": code, "message": body.get("message", "")}, "status": reply.status}
    )


def _server_error(reply: Reply, body: dict[str, Any]) -> Reply:
    if reply.status != 400:
        return reply
    return reply.with_json({**body, "code": 13}, status=500)


mutant(
    "errors-no-details",
    "ERRORS-RPCSTATUS-SHAPE",
    summary="Data-plane error bodies lack the `details` array.",
)(error_handler(_drop_details))
mutant(
    "errors-control-plane-shape",
    "ERRORS-RPCSTATUS-SHAPE",
    "ERRORS-VALIDATION-400",
    "*-400",
    summary="Data-plane errors use the control plane's `{error: {code, message}, status}` shape.",
)(error_handler(_control_plane_shape))
mutant(
    "validation-500",
    "ERRORS-VALIDATION-400",
    "*-400",
    "*REJECTED*",
    "*INVALID*",
    summary="Validation failures answer 500 (code 13) instead of 400.",
)(error_handler(_server_error))


@mutant("lsn-headers-missing", "AUTH-LSN-HEADERS")
async def lsn_headers_missing(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Responses carry no x-pinecone-request-lsn / x-pinecone-max-indexed-lsn headers."""
    reply = await forward(request)
    reply = reply.with_header("x-pinecone-request-lsn", None)
    return reply.with_header("x-pinecone-max-indexed-lsn", None)


@mutant("delete-legacy-method-405", "DELETE-LEGACY-METHOD", "DELETE-QUERY-PARAMS")
async def delete_legacy_method_405(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """DELETE /vectors/delete answers 405 (only POST is served)."""
    if request.is_("DELETE", "/vectors/delete"):
        return rpc_error(405, 12, "Method Not Allowed")
    return await forward(request)
