"""Mutants of query: ranking, scores, flags, topK, and the metadata filters it shares with
the other filtered routes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.helpers import (
    DELETE,
    FBM,
    QUERY,
    UPDATE,
    body_of,
    edit_json,
    fetch_records,
    get,
    has_matches,
    namespace_of,
    rpc_error,
)
from tests.mutants.registry import Ctx, Handler, MutantGroup

GROUP = MutantGroup()
mutant = GROUP.mutant
patch_mutant = GROUP.patch


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
    "QUERY-SPARSE-SCORE",  # its statement includes "ordered descending"
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


@mutant("euclidean-scores-negated", "QUERY-EUCLIDEAN-ASCENDING")
async def euclidean_scores_negated(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """On a euclidean index, scores are the negated squared distance (nearest still first, so the
    scores descend): the documented score is the distance itself, in ascending order."""
    if ctx.metric != "euclidean" or not request.is_(*QUERY):
        return await forward(request)

    def edit(payload: dict[str, Any]) -> None:
        for match in payload.get("matches") or []:
            if isinstance(match, dict) and isinstance(match.get("score"), int | float):
                match["score"] = -match["score"]

    return await edit_json(request, forward, edit)


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


@patch_mutant(
    "list-elements-unmatched",
    "FILTERS-LIST-ANY-ELEMENT",
    "FILTERS-LIST-AND-BOTH",
    # `$ne` and `$nin` are the negations of `$eq` and `$in`: blind to the elements, they match
    "FILTERS-LIST-NE-NIN",
)
def list_elements_unmatched() -> None:
    """`$eq` and `$in` never match a list-valued field through its elements."""
    from reference_server import filters

    class WithoutLists:
        """A column seen without its list-valued rows (every other field is the column's own)."""

        def __init__(self, column: Any) -> None:
            self.column = column
            self.lists: dict[int, list[str]] = {}

        def __getattr__(self, name: str) -> Any:
            return getattr(self.column, name)

    equals, member = filters._equals, filters._member
    filters._equals = lambda column, operand, n: equals(WithoutLists(column), operand, n)
    filters._member = lambda column, operand, n: member(WithoutLists(column), operand, n)


# -- query: required fields, the reply, scores per metric -----------------------------------------
def _default_top_k(body: dict[str, Any], ctx: Ctx) -> dict[str, Any] | None:
    return None if "topK" in body or "top_k" in body else {**body, "topK": 10}


def _fit_dimension(body: dict[str, Any], ctx: Ctx) -> dict[str, Any] | None:
    vector, dim = body.get("vector"), ctx.dimension
    if not dim or not isinstance(vector, list) or not vector or len(vector) == dim:
        return None
    return {**body, "vector": (vector + [0.0] * dim)[:dim]}


def _long_id_cut(body: dict[str, Any], ctx: Ctx) -> dict[str, Any] | None:
    rid = body.get("id")
    return {**body, "id": rid[:512]} if isinstance(rid, str) and len(rid) > 512 else None


def _drop_sparse_query(body: dict[str, Any], ctx: Ctx) -> dict[str, Any] | None:
    if ctx.vector_type != "dense" or not body.get("vector") or "sparseVector" not in body:
        return None
    return {k: v for k, v in body.items() if k != "sparseVector"}


mutant(
    "topk-defaults-10",
    "QUERY-TOPK-REQUIRED",
    summary="A query without topK is answered with 10 matches instead of rejected.",
)(edit_query_body(_default_top_k))
mutant(
    "query-dimension-coerced",
    "QUERY-DIMENSION-MISMATCH",
    summary="A query vector of the wrong length is zero-padded or cut to the index dimension.",
)(edit_query_body(_fit_dimension))
mutant(
    "query-long-id-cut",
    "ERRORS-QUERY-ID-LENGTH",
    summary="A query id longer than 512 characters is cut to 512 instead of rejected.",
)(edit_query_body(_long_id_cut))
mutant(
    "hybrid-query-dense-only",
    "QUERY-HYBRID-SCORE",
    summary="On a dense index, a query's sparseVector is ignored (scores are dense only).",
)(edit_query_body(_drop_sparse_query))


@mutant("query-empty-filter-400", "QUERY-EMPTY-FILTER-ACCEPTED")
async def query_empty_filter_400(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A query with `filter: {}` is rejected with 400 instead of read as no filter."""
    body = body_of(request) if request.is_(*QUERY) else None
    if body is not None and body.get("filter") == {}:
        return rpc_error(400, 3, "The filter must not be empty")
    return await forward(request)


@mutant("query-no-usage", "QUERY-USAGE")
async def query_no_usage(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Query responses carry no `usage`."""
    if not request.is_(*QUERY):
        return await forward(request)
    return await edit_json(request, forward, lambda body: body.pop("usage", None))


@mutant("query-no-namespace", "QUERY-RESPONSE-SHAPE")
async def query_no_namespace(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Query responses with matches in a named namespace leave out the echoed `namespace` (the
    default namespace's echo is VERSIONS-DEFAULT-NAMESPACE-ECHO's)."""
    if not request.is_(*QUERY):
        return await forward(request)

    def edit(body: dict[str, Any]) -> None:
        if body.get("namespace") not in ("", None, "__default__") and body.get("matches"):
            body.pop("namespace", None)

    return await edit_json(request, forward, edit)


@mutant("query-missing-id-404", "QUERY-BY-MISSING-ID-EMPTY")
async def query_missing_id_404(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A query by an id that does not exist answers 404 instead of 200 with no matches."""
    body = body_of(request) if request.is_(*QUERY) else None
    reply = await forward(request)
    payload = reply.json()
    if body is None or not isinstance(body.get("id"), str) or not has_matches(reply, payload):
        return reply
    if payload["matches"] or await fetch_records(
        forward, request, [body["id"]], namespace_of(request)
    ):
        return reply
    return rpc_error(404, 5, f"Vector ID {body['id']} not found")


def scaled_scores(applies: Callable[[dict[str, Any], Ctx], bool]) -> Handler:
    """A handler that halves every score of the queries `applies` selects (order is kept)."""

    async def handle(request: Request, forward: Forward, ctx: Ctx) -> Reply:
        body = body_of(request) if request.is_(*QUERY) else None
        if body is None or not applies(body, ctx):
            return await forward(request)

        def edit(payload: dict[str, Any]) -> None:
            for match in payload.get("matches") or []:
                if isinstance(match, dict) and isinstance(match.get("score"), int | float):
                    match["score"] = match["score"] / 2

        return await edit_json(request, forward, edit)

    return handle


mutant(
    "dotproduct-scores-halved",
    "QUERY-DOTPRODUCT-SCORE",
    summary="On a dense dotproduct index, dense-only query scores are half the dot product.",
)(
    scaled_scores(
        lambda body, ctx: (
            ctx.metric == "dotproduct" and ctx.vector_type == "dense" and "sparseVector" not in body
        )
    )
)
mutant(
    "sparse-scores-halved",
    "QUERY-SPARSE-SCORE",
    summary="On a sparse index, query scores are half the sparse dot product.",
)(scaled_scores(lambda body, ctx: ctx.vector_type == "sparse"))
