"""Read handlers: query, fetch, fetch_by_metadata, list and describe_index_stats (digest §4)."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import Any

import numpy as np
from starlette.responses import Response

from reference_server.dataplane_common import (
    Context,
    decode_token,
    encode_token,
    read_response,
    usage,
)
from reference_server.errors import bad_request
from reference_server.filters import parse_filter
from reference_server.jsonio import parse_object
from reference_server.validation import (
    MAX_IDS_PER_REQUEST,
    MAX_TOP_K,
    check_id,
    check_int,
    field,
    get_bool,
    parse_int_param,
    parse_query_dense,
    parse_sparse,
    resolve_namespace,
)
from reference_server.versions import at_least

SERVERLESS_STATS_FILTER = (
    "Serverless and Starter indexes do not support describing index stats with metadata filtering."
)
LIST_LIMIT = 100
FETCH_BY_METADATA_LIMIT = 10_000


def _query_selectors(ctx: Context, body: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Check which of id / vector / sparseVector were sent, per the selector rules (§4.2)."""
    store = ctx.store
    vector = field(body, "vector")
    sparse = field(body, "sparseVector", "sparse_vector")
    query_id = field(body, "id")
    if query_id is not None:
        if vector is not None:
            raise bad_request("Cannot provide both 'ID' and 'vector' at the same time")
        if sparse is not None:
            raise bad_request("Cannot provide both 'ID' and 'sparse_vector' at the same time")
        check_id(query_id)
    if store.vector_type == "sparse":
        if vector is not None and vector != []:
            raise bad_request("Index configuration does not support dense values")
        if query_id is None and sparse is None:
            raise bad_request("Either 'sparse_vector' or 'ID' must be provided")
        return None, sparse, query_id
    if query_id is None and vector is None:
        if sparse is not None:
            raise bad_request("Cannot query index with dense 'vector_type' with only sparse vector")
        raise bad_request("Either 'vector' or 'ID' must be provided")
    if vector is not None and sparse is not None and store.metric != "dotproduct":
        raise bad_request(
            "Sparse-dense (hybrid) queries are only supported for indexes with the dotproduct "
            f"metric; this index uses {store.metric}"
        )
    return vector, sparse, query_id


def query(ctx: Context) -> Response:
    body = parse_object(ctx.raw)
    if field(body, "queries") is not None:
        raise bad_request("The 'queries' field is not supported; send one query per request")
    top_k = field(body, "topK", "top_k")
    if top_k is None:
        raise bad_request("Invalid request: 'topK' is required")
    check_int(top_k, "topK", 1, MAX_TOP_K)
    namespace = resolve_namespace(field(body, "namespace"), ctx.version)
    raw_filter = field(body, "filter")
    node = parse_filter(raw_filter) if raw_filter is not None else None
    include_values = get_bool(body, "includeValues", "include_values", False)
    include_metadata = get_bool(body, "includeMetadata", "include_metadata", False)
    for name, snake in (("scanFactor", "scan_factor"), ("maxCandidates", "max_candidates")):
        extra = field(body, name, snake)
        if extra is not None and type(extra) not in (int, float):
            raise bad_request(f"Invalid request: '{name}' must be a number")
    vector, sparse, query_id = _query_selectors(ctx, body)
    store = ctx.store
    dense_q = parse_query_dense(vector, store.dense_dimension) if vector is not None else None
    sparse_q = parse_sparse(sparse, ctx.version) if sparse is not None else None
    with store.lock:
        store.sync()
        ns = store.get(namespace)
        matches: list[dict[str, Any]] = []
        scanned = 0
        if ns is not None:
            scanned = ns.n
            row = ns.rows.get(query_id) if query_id is not None else None
            if query_id is not None and row is not None:
                if ns.dense is not None:
                    dense_q = ns.vector(row)
                else:
                    sparse_q = ns.sparse[row]
            if dense_q is not None or sparse_q is not None:
                for hit_row, score in ns.search(dense_q, sparse_q, node, top_k):
                    if store.vector_type == "sparse" and score == 0:
                        continue
                    match = ns.record(hit_row, include_values, include_metadata)
                    match["score"] = np.float32(score)
                    matches.append(match)
        payload = {
            "results": [],
            "matches": matches,
            "namespace": namespace,
            "usage": usage(math.ceil(scanned / 10_000) + 1),
        }
        return read_response(store, payload)


def fetch(ctx: Context) -> Response:
    ids = ctx.params.getlist("ids")
    if not ids:
        raise bad_request("No IDs provided for fetch query")
    if len(ids) > MAX_IDS_PER_REQUEST:
        raise bad_request(
            f"Invalid request: at most {MAX_IDS_PER_REQUEST} ids may be fetched at once, "
            f"got {len(ids)}"
        )
    for vector_id in ids:
        check_id(vector_id, "ids")
    namespace = resolve_namespace(ctx.params.get("namespace"), ctx.version)
    store = ctx.store
    with store.lock:
        store.sync()
        ns = store.get(namespace)
        vectors: dict[str, Any] = {}
        if ns is not None:
            for vector_id in ids:
                row = ns.rows.get(vector_id)
                if row is not None:
                    vectors[vector_id] = ns.record(row)
        payload = {"vectors": vectors, "namespace": namespace, "usage": usage(len(vectors) // 10)}
        return read_response(store, payload)


def fetch_by_metadata(ctx: Context) -> Response:
    body = parse_object(ctx.raw)
    raw_filter = field(body, "filter")
    if raw_filter is None:
        raise bad_request("Invalid request: 'filter' is required")
    if raw_filter == {}:
        raise bad_request("Empty filter provided for fetch by metadata request")
    node = parse_filter(raw_filter)
    limit = field(body, "limit")
    limit = 100 if limit is None else check_int(limit, "limit", 1, FETCH_BY_METADATA_LIMIT)
    after = decode_token(field(body, "paginationToken", "pagination_token"))
    namespace = resolve_namespace(field(body, "namespace"), ctx.version)
    store = ctx.store
    with store.lock:
        store.sync()
        ns = store.get(namespace)
        vectors: dict[str, Any] = {}
        more = False
        if ns is not None:
            rows = ns.matching_rows(node).tolist()
            ordered = sorted((ns.ids[row], row) for row in rows)
            start = bisect_right(ordered, (after, float("inf"))) if after is not None else 0
            page = ordered[start : start + limit]
            more = start + limit < len(ordered)
            for vector_id, row in page:
                vectors[vector_id] = ns.record(row)
        payload: dict[str, Any] = {
            "vectors": vectors,
            "namespace": namespace,
            "usage": usage(len(vectors) // 10),
        }
        if more:
            payload["pagination"] = {"next": encode_token(next(reversed(vectors)))}
        return read_response(store, payload)


def list_ids(ctx: Context) -> Response:
    params = ctx.params
    prefix = params.get("prefix") or ""
    if len(prefix) > 512:
        raise bad_request("Invalid request: 'prefix' must be at most 512 characters")
    limit = parse_int_param(params.get("limit"), "limit", 1, LIST_LIMIT, LIST_LIMIT)
    token = params.get("paginationToken") or params.get("pagination_token")
    after = decode_token(token)
    namespace = resolve_namespace(params.get("namespace"), ctx.version)
    store = ctx.store
    with store.lock:
        store.sync()
        ns = store.get(namespace)
        page: list[str] = []
        more = False
        if ns is not None:
            ordered = ns.sorted_ids()
            start = bisect_left(ordered, prefix)
            if after is not None:
                start = max(start, bisect_right(ordered, after))
            for vector_id in ordered[start : start + limit + 1]:
                if not vector_id.startswith(prefix):
                    break
                page.append(vector_id)
            more = len(page) > limit
            page = page[:limit]
        payload: dict[str, Any] = {"vectors": [{"id": vector_id} for vector_id in page]}
        if more:
            payload["pagination"] = {"next": encode_token(page[-1])}
        payload["namespace"] = namespace
        payload["usage"] = usage(1)
        return read_response(store, payload)


def describe_index_stats(ctx: Context) -> Response:
    body = parse_object(ctx.raw)
    raw_filter = field(body, "filter")
    if raw_filter is not None and raw_filter != {}:
        raise bad_request(SERVERLESS_STATS_FILTER)
    store = ctx.store
    with store.lock:
        store.sync()
        namespaces = {name: {"vectorCount": ns.n} for name, ns in sorted(store.namespaces.items())}
        payload: dict[str, Any] = {"namespaces": namespaces}
        if store.dimension is not None:
            payload["dimension"] = store.dimension
        payload["indexFullness"] = 0.0
        payload["totalVectorCount"] = sum(ns.n for ns in store.namespaces.values())
        if at_least(ctx.version, "2025-01"):
            payload["metric"] = store.metric
            payload["vectorType"] = store.vector_type
        return read_response(store, payload)
