"""Mutants of the read routes: fetch, fetch_by_metadata, list, describe_index_stats and the
namespace routes, and of namespace handling on every route."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.helpers import (
    ALIAS,
    FBM,
    FETCH,
    LIST,
    MAX_BATCH,
    NAMESPACES,
    STATS,
    STATS_GET,
    body_of,
    edit_json,
    namespace_of,
    rpc_error,
)
from tests.mutants.registry import Ctx, Handler, MutantGroup

GROUP = MutantGroup()
mutant = GROUP.mutant


# -- fetch ----------------------------------------------------------------------------------------
@mutant("fetch-plus-literal", "FETCH-ID-ENCODING", api_version="2026-07")
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
    "FETCH-UNKNOWN-NAMESPACE",
    "QUERY-UNKNOWN-NAMESPACE-EMPTY",
    "LIST-UNKNOWN-NAMESPACE",
)
async def namespace_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Every record operation goes to the default namespace, whatever namespace it names."""
    parts = request.path.split(
        "/"
    )  # the records API names it in the path: /records/namespaces/NS/…
    if request.path.startswith("/records/namespaces/") and len(parts) > 4:
        if unquote(parts[3]) not in ("", ALIAS):
            request = replace(request, path="/".join([*parts[:3], ALIAS, *parts[4:]]))
        return await forward(request)
    asked = namespace_of(request)
    # a request naming no namespace, or the default one, already goes there; a namespace that is
    # not a string names none (rejecting it is ERRORS-WRONG-JSON-TYPE's, not this deviation's)
    if request.path.startswith("/namespaces") or asked in (None, "", ALIAS):
        return await forward(request)
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


# -- fetch: records, echoes and limits ------------------------------------------------------------
def _records_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    vectors = body.get("vectors")
    if not isinstance(vectors, dict):
        return []
    return [r for r in vectors.values() if isinstance(r, dict)]


def _drop_record_ids(body: dict[str, Any]) -> None:
    for record in _records_of(body):
        record.pop("id", None)


def _first_record_only(body: dict[str, Any]) -> None:
    vectors = body.get("vectors")
    if isinstance(vectors, dict) and len(vectors) > 1:
        first = next(iter(vectors))
        body["vectors"] = {first: vectors[first]}


def _drop_usage(body: dict[str, Any]) -> None:
    body.pop("usage", None)


def _drop_named_namespace(body: dict[str, Any]) -> None:
    # Only a populated, named namespace: the default's echo and an unknown namespace's echo are
    # behaviors of their own (VERSIONS-DEFAULT-NAMESPACE-ECHO, LIST-UNKNOWN-NAMESPACE).
    if body.get("namespace") not in ("", None, ALIAS) and body.get("vectors"):
        body.pop("namespace", None)


# No mutant answers `metadata: null` for a record stored without metadata: FETCH-NO-METADATA-KEY
# (and the SDK behavior it cites) accepts an absent key or null alike.
def _empty_metadata_key(body: dict[str, Any]) -> None:
    for record in _records_of(body):
        record.setdefault("metadata", {})


def _drop_values(body: dict[str, Any]) -> None:
    for record in _records_of(body):
        record.pop("values", None)


mutant(
    "fetch-record-no-id",
    "FETCH-RESPONSE-SHAPE",
    summary="Fetched records lack their `id` field (only the map key names them).",
)(edit_reply(FETCH, _drop_record_ids))
mutant(
    "fetch-first-id-only",
    "FETCH-BY-ID",
    summary="Fetch with several ids returns only the first record found.",
)(edit_reply(FETCH, _first_record_only))
mutant(
    "fetch-no-usage",
    "FETCH-USAGE",
    summary="Fetch responses carry no `usage`.",
)(edit_reply(FETCH, _drop_usage))
mutant(
    "fetch-empty-metadata-key",
    "FETCH-NO-METADATA-KEY",
    summary="Fetched records without metadata carry `metadata: {}`.",
)(edit_reply(FETCH, _empty_metadata_key))


@mutant("fetch-default-echo-alias", "FETCH-DEFAULT-NAMESPACE")
async def fetch_default_echo_alias(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A fetch without a namespace echoes `"namespace": "__default__"` instead of `""`."""
    if not request.is_(*FETCH) or request.param("namespace") is not None:
        return await forward(request)
    reply = await forward(request)
    return await with_namespace_echo(reply, ALIAS)


@mutant("fetch-accepts-1001-ids", "FETCH-MAX-IDS", api_version="2026-07")
async def fetch_accepts_1001_ids(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A fetch of more than 1000 ids is split and answered instead of rejected."""
    ids = [v for k, v in request.params() if k == "ids"] if request.is_(*FETCH) else []
    if len(ids) <= MAX_BATCH:
        return await forward(request)
    rest = [(k, v) for k, v in request.params() if k != "ids"]
    merged: dict[str, Any] = {}
    reply = Reply(500)
    for start in range(0, len(ids), MAX_BATCH):
        part = [("ids", i) for i in ids[start : start + MAX_BATCH]]
        reply = await forward(request.with_params(part + rest))
        body = reply.json()
        if not reply.ok or not isinstance(body, dict):
            return reply
        merged.update(body.get("vectors") or {})
    return reply.with_json({**(reply.json() or {}), "vectors": merged})


# -- fetch_by_metadata ----------------------------------------------------------------------------
mutant(
    "fbm-no-values",
    "FBM-RETURNS-MATCHES",
    summary="fetch_by_metadata returns the matching records without their values.",
)(edit_reply(FBM, _drop_values))


@mutant("fbm-default-limit-1000", "FBM-DEFAULT-LIMIT")
async def fbm_default_limit_1000(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """fetch_by_metadata without `limit` returns up to 1000 records instead of 100."""
    body = body_of(request) if request.is_(*FBM) else None
    if body is None or "limit" in body:
        return await forward(request)
    return await forward(request.with_json({**body, "limit": 1000}))


@mutant("fbm-no-match-404", "FBM-NO-MATCH")
async def fbm_no_match_404(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """fetch_by_metadata with no matching record answers 404 instead of an empty `vectors`."""
    if not request.is_(*FBM):
        return await forward(request)
    reply = await forward(request)
    body = reply.json()
    if reply.ok and isinstance(body, dict) and body.get("vectors") == {}:
        return rpc_error(404, 5, "No records match the filter")
    return reply


# -- list: shape and the last page ----------------------------------------------------------------
END_TOKEN = "mutant-end-of-list"

mutant(
    "list-no-usage",
    "LIST-USAGE",
    summary="List responses carry no `usage`.",
)(edit_reply(LIST, _drop_usage))
mutant(
    "list-no-namespace",
    "LIST-RESPONSE-SHAPE",
    summary="A non-empty list page of a named namespace leaves out the echoed `namespace`.",
)(edit_reply(LIST, _drop_named_namespace))


@mutant("list-last-page-token", "LIST-LAST-PAGE-NO-PAGINATION")
async def list_last_page_token(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A non-empty last list page carries a `pagination.next` that leads to an empty page."""
    if not request.is_(*LIST):
        return await forward(request)
    token = request.param("paginationToken") or request.param("pagination_token")
    if token == END_TOKEN:
        drop = ("paginationToken", "pagination_token", "prefix")
        plain = [(k, v) for k, v in request.params() if k not in drop]
        return await forward(request.with_params([*plain, ("prefix", END_TOKEN)]))

    def edit(body: dict[str, Any]) -> None:
        if body.get("vectors") and not (body.get("pagination") or {}).get("next"):
            body["pagination"] = {"next": END_TOKEN}

    return await edit_json(request, forward, edit)


# -- stats: shape and fields ----------------------------------------------------------------------
def _drop_dimension(body: dict[str, Any], ctx: Ctx) -> None:
    if ctx.vector_type == "dense":
        body.pop("dimension", None)


def _drop_vector_type(body: dict[str, Any], ctx: Ctx) -> None:
    body.pop("vectorType", None)


def _drop_metric(body: dict[str, Any], ctx: Ctx) -> None:
    body.pop("metric", None)


def _sparse_dimension(body: dict[str, Any], ctx: Ctx) -> None:
    if ctx.vector_type == "sparse":
        body["dimension"] = 0


def _default_key_alias(body: dict[str, Any], ctx: Ctx) -> None:
    namespaces = body.get("namespaces")
    if isinstance(namespaces, dict) and "" in namespaces:
        namespaces[ALIAS] = namespaces.pop("")


def _fullness_counts(body: dict[str, Any], ctx: Ctx) -> None:
    total = body.get("totalVectorCount")
    if isinstance(total, int) and total > 0:
        body["indexFullness"] = min(1.0, total / 100_000)


mutant(
    "stats-no-dimension",
    "STATS-SHAPE",
    summary="describe_index_stats of a dense index leaves out `dimension`.",
)(stats_handler(_drop_dimension))
mutant(
    "stats-no-vector-type",
    "STATS-VECTOR-TYPE",
    summary="describe_index_stats leaves out `vectorType` (and keeps `metric`).",
)(stats_handler(_drop_vector_type))
mutant(
    "stats-no-metric",
    "STATS-METRIC",
    summary="describe_index_stats leaves out `metric` (and keeps `vectorType`).",
)(stats_handler(_drop_metric))
mutant(
    "stats-sparse-dimension-zero",
    "STATS-SPARSE-NO-DIMENSION",
    summary="describe_index_stats of a sparse index reports `dimension: 0`.",
)(stats_handler(_sparse_dimension))
mutant(
    "stats-default-key-alias",
    "STATS-DEFAULT-NAMESPACE-KEY",
    summary='The default namespace is reported under "__default__" instead of "".',
)(stats_handler(_default_key_alias))
mutant(
    "stats-fullness-counts",
    "STATS-FULLNESS-ZERO",
    summary="indexFullness grows with the record count instead of staying 0.",
)(stats_handler(_fullness_counts))


@mutant("stats-empty-filter-400", "STATS-EMPTY-FILTER-OK")
async def stats_empty_filter_400(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """describe_index_stats rejects `{"filter": {}}` with 400 (any filter key is refused)."""
    body = body_of(request) if request.is_(*STATS) else None
    if body is not None and body.get("filter") == {}:
        return rpc_error(400, 3, "Filters are not supported on serverless indexes")
    return await forward(request)
