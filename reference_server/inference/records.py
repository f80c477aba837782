"""The integrated records API of one index (db_data 2025-01+): `POST
/records/namespaces/{namespace}/upsert` (NDJSON records, the `field_map` text field embedded) and
`POST /records/namespaces/{namespace}/search` (by text `inputs`, `vector` or `id`; `filter`,
`fields`, `rerank`).

Search by vector or id works on every index; text needs the index's `embed` configuration, which
is read from its `IndexModel` at request time so a PATCH that sets or changes it applies at once.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
from starlette.responses import Response
from starlette.routing import Route

from reference_server.dataplane_common import Context
from reference_server.errors import ApiError, bad_request
from reference_server.filters import parse_filter
from reference_server.inference import engine
from reference_server.inference.catalog import MODELS, lookup
from reference_server.inference.integrated import embed_parameters
from reference_server.jsonio import json_response, parse_object
from reference_server.store import IndexStore
from reference_server.validation import MAX_TOP_K, check_id, parse_metadata, resolve_namespace
from reference_server.versions import at_least

MAX_RECORDS_PER_UPSERT = 96
MAX_RECORDS_FROM_2026_07 = 1000  # db_data 2026-07: a records upsert takes at most 1000 records
ERROR_RESPONSE_FROM = "2026-07"  # records errors are ErrorResponse bodies, no longer rpcStatus
NOT_INTEGRATED = "Integrated inference is not configured for this index"
_MODELS: weakref.WeakKeyDictionary[IndexStore, Any] = weakref.WeakKeyDictionary()


def attach(store: IndexStore, model: Any) -> None:
    """Let the records routes of `store` read the `embed` setting of its index `model`."""
    _MODELS[store] = model


def _embed(store: IndexStore) -> dict[str, Any] | None:
    model = _MODELS.get(store)
    return None if model is None else getattr(model, "embed", None)


def _records(raw: bytes, limit: int) -> list[dict[str, Any]]:
    """The NDJSON body's records (one JSON object a line, blank lines ignored; 1 to `limit`), or
    400."""
    records = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise bad_request(f"Invalid request: line {number} is not valid JSON") from None
        if not isinstance(record, dict):
            raise bad_request(f"Invalid request: line {number} is not a JSON object")
        records.append(record)
    if not 1 <= len(records) <= limit:
        raise bad_request(
            f"Invalid request: an upsert takes 1 to {limit} records, got {len(records)}"
        )
    return records


def _embed_texts(embed: dict[str, Any], texts: list[str], write: bool) -> tuple[Any, Any, int]:
    """(dense matrix or None, sparse rows or None, tokens) for `texts` under the index's model."""
    model = MODELS[embed["model"]]
    parameters = model.resolve(embed_parameters(embed, write))
    size = model.max_batch_size  # an upsert may hold more records than the model takes at once
    batches = [texts[i : i + size] for i in range(0, len(texts), size)]
    if model.vector_type == "dense":
        parts = [engine.embed_dense(model, batch, parameters) for batch in batches]
        matrix = np.vstack([m for m, _ in parts])
        return matrix, None, sum(used for _, used in parts)
    rows, used = [], 0
    for batch in batches:
        some, counted = engine.embed_sparse(model, batch, parameters)
        rows += some
        used += counted
    sparse = []
    for i, (indices, values, _) in enumerate(rows):
        if not indices:
            raise bad_request(f"Text {i} has no tokens to embed")
        sparse.append((np.array(indices, dtype=np.uint32), np.array(values, dtype=np.float32)))
    return None, sparse, used


def upsert(ctx: Context) -> Response:
    embed = _embed(ctx.store)
    if embed is None:
        raise bad_request(NOT_INTEGRATED)
    namespace = resolve_namespace(ctx.path["namespace"], ctx.version)
    text_field = embed["field_map"]["text"]
    ids, texts, metas = [], [], []
    limit = MAX_RECORDS_FROM_2026_07 if at_least(ctx.version, "2026-07") else MAX_RECORDS_PER_UPSERT
    for record in _records(ctx.raw, limit):
        raw_id = record.get("_id", record.get("id"))
        if raw_id is None:
            raise bad_request("Invalid request: every record needs an '_id' (or 'id')")
        record_id = check_id(raw_id, "_id")
        text = record.get(text_field)
        if not isinstance(text, str):
            raise bad_request(
                f"Record '{record_id}' is missing the text field '{text_field}' "
                "that the index's field_map embeds"
            )
        fields = {k: v for k, v in record.items() if k not in ("_id", "id")}
        ids.append(record_id)
        texts.append(text)
        metas.append(parse_metadata(fields))
    matrix, sparse, _ = _embed_texts(embed, texts, write=True)
    store = ctx.store
    with store.lock:
        store.sync()
        store.upsert(namespace, ids, matrix, sparse or [None] * len(ids), metas)
    return Response(status_code=201)


def _query_vector(
    ctx: Context, query: dict[str, Any], embed: dict[str, Any] | None
) -> tuple[Any, Any, str | None, int]:
    """(dense query, sparse query, query text, embed tokens) from `inputs`, `vector` or `id`."""
    store = ctx.store
    sources = [k for k in ("inputs", "vector", "id") if query.get(k) is not None]
    if not sources:
        raise bad_request("Invalid request: the query needs one of 'inputs', 'vector' or 'id'")
    if len(sources) > 1:
        raise bad_request("Invalid request: give only one of 'inputs', 'vector' or 'id'")
    source = sources[0]
    if source == "inputs":
        if embed is None:
            raise bad_request(NOT_INTEGRATED + ": search by 'vector' or 'id' instead")
        inputs = query["inputs"]
        text = inputs.get("text") if isinstance(inputs, dict) else None
        if not isinstance(text, str):
            raise bad_request("Invalid request: 'inputs' must be an object with a string 'text'")
        matrix, sparse, used = _embed_texts(embed, [text], write=False)
        return (matrix[0] if matrix is not None else None), (sparse or [None])[0], text, used
    if source == "vector":
        vector = query["vector"]
        if not isinstance(vector, dict):
            raise bad_request("Invalid request: 'vector' must be an object")
        dense = sparse = None
        values = vector.get("values")
        if values is not None:
            if store.vector_type == "sparse":
                raise bad_request("Index configuration does not support dense values")
            if not isinstance(values, list) or len(values) != store.dense_dimension:
                raise bad_request(
                    f"Query vector dimension does not match the index dimension "
                    f"{store.dense_dimension}"
                )
            if not all(type(v) in (int, float) for v in values):
                raise bad_request("Invalid request: vector values must be numbers")
            dense = np.array(values, dtype=np.float32)
        if vector.get("sparse_indices") is not None or vector.get("sparse_values") is not None:
            from reference_server.validation import parse_sparse

            sparse = parse_sparse(
                {"indices": vector.get("sparse_indices"), "values": vector.get("sparse_values")},
                ctx.version,
            )
        if dense is None and sparse is None:
            raise bad_request("Invalid request: 'vector' needs 'values' or sparse values")
        return dense, sparse, None, 0
    return None, None, None, 0  # by id: resolved against the namespace under the lock


def _selected(fields: dict[str, Any] | None, wanted: list[str] | None) -> dict[str, Any]:
    fields = fields or {}
    if wanted is None or "*" in wanted:  # python SDK 9.x sends ["*"] for every field
        return fields
    return {name: fields[name] for name in wanted if name in fields}


def _rerank(
    spec: Any, hits: list[dict[str, Any]], documents: list[dict[str, Any]], text: str | None,
    top_k: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """`hits` reordered by the rerank model over their `rank_fields`, cut to `top_n`."""
    if not isinstance(spec, dict):
        raise bad_request("Invalid request: 'rerank' must be an object")
    if spec.get("model") is None or spec.get("rank_fields") is None:
        raise bad_request("Invalid request: 'rerank' needs 'model' and 'rank_fields'")
    model = lookup(spec["model"], "rerank")
    rank_fields = engine.check_rank_fields(model, spec["rank_fields"])
    top_n = spec.get("top_n", top_k)
    if top_n is None:
        top_n = top_k
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise bad_request("Invalid request: 'rerank.top_n' must be a positive integer")
    query = spec.get("query", text)
    if not isinstance(query, str) or not query:
        raise bad_request("Invalid request: reranking needs a query text ('rerank.query')")
    parameters = model.resolve(spec.get("parameters"))
    texts = [engine.document_text(d, rank_fields, i) for i, d in enumerate(documents)]
    ranked = engine.rerank(model, query, texts, parameters)[:top_n]
    return [{**hits[i], "_score": score} for i, score in ranked]


def search(ctx: Context) -> Response:
    body = parse_object(ctx.raw)
    query = body.get("query")
    if not isinstance(query, dict):
        raise bad_request("Invalid request: 'query' is required and must be an object")
    top_k = query.get("top_k")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise bad_request(
            f"Invalid request: 'query.top_k' must be an integer from 1 to {MAX_TOP_K}"
        )
    namespace = resolve_namespace(ctx.path["namespace"], ctx.version)
    wanted = body.get("fields")
    if wanted is not None and (
        not isinstance(wanted, list) or not all(isinstance(f, str) for f in wanted)
    ):
        raise bad_request("Invalid request: 'fields' must be an array of strings")
    raw_filter = query.get("filter")
    node = parse_filter(raw_filter) if raw_filter is not None else None
    embed = _embed(ctx.store)
    if query.get("match_terms") is not None and (
        embed is None or embed["model"] != "pinecone-sparse-english-v0"
    ):
        raise bad_request(
            "match_terms is supported only for sparse indexes with integrated embedding "
            "using pinecone-sparse-english-v0"
        )
    query_id = query.get("id")
    if query_id is not None:
        check_id(query_id)
    dense, sparse, text, used = _query_vector(ctx, query, embed)
    store = ctx.store
    with store.lock:
        store.sync()
        ns = store.get(namespace)
        hits: list[dict[str, Any]] = []
        documents: list[dict[str, Any]] = []
        scanned = 0
        if ns is not None:
            scanned = ns.n
            row = ns.rows.get(query_id) if query_id is not None else None
            if row is not None:
                if ns.dense is not None:
                    dense = ns.vector(row)
                else:
                    sparse = ns.sparse[row]
            if dense is not None or sparse is not None:
                for hit_row, score in ns.search(dense, sparse, node, top_k):
                    if store.vector_type == "sparse" and score == 0:
                        continue
                    fields = ns.metadata(hit_row) or {}
                    if not _matches_terms(query.get("match_terms"), fields, embed):
                        continue
                    documents.append(fields)
                    hits.append(
                        {
                            "_id": ns.ids[hit_row],
                            "_score": float(np.float32(score)),
                            "fields": _selected(fields, wanted),
                        }
                    )
    usage: dict[str, int] = {"read_units": max(1, math.ceil(scanned / 10_000) + 1)}
    if used:
        usage["embed_total_tokens"] = used
    if body.get("rerank") is not None:
        hits = _rerank(body["rerank"], hits, documents, text, top_k)
        usage["rerank_units"] = 1
    return json_response({"result": {"hits": hits}, "usage": usage})


def _matches_terms(spec: Any, fields: dict[str, Any], embed: dict[str, Any] | None) -> bool:
    """Whether a hit's embedded text holds every term of `match_terms` (strategy `all`)."""
    if spec is None or embed is None:
        return True
    if not isinstance(spec, dict) or not isinstance(spec.get("terms"), list):
        raise bad_request("Invalid request: 'match_terms' needs a 'terms' array")
    if spec.get("strategy", "all") != "all":
        raise bad_request("Invalid request: match_terms supports only the strategy 'all'")
    from reference_server.inference.text import tokens

    wanted = {t for term in spec["terms"] if isinstance(term, str) for t in tokens(term)}
    text = fields.get(embed["field_map"]["text"])
    return isinstance(text, str) and wanted <= set(tokens(text))


def _shaped(handler: Callable[[Context], Response]) -> Callable[[Context], Response]:
    """`handler` whose errors have the `ErrorResponse` body from 2026-07 (db_data 2026-07: the
    records operations answer `ErrorResponse`, the vector operations `rpcStatus`)."""

    def run(ctx: Context) -> Response:
        try:
            return handler(ctx)
        except ApiError as error:
            if at_least(ctx.version, ERROR_RESPONSE_FROM):
                return error.to_control_plane_response()
            raise

    return run


def routes(store: IndexStore, route: Callable[..., Route]) -> list[Route]:
    """The records routes of one index, built with the data plane's `route` helper."""
    return [
        route("/records/namespaces/{namespace:path}/upsert", _shaped(upsert), ["POST"], "2025-01"),
        route("/records/namespaces/{namespace:path}/search", _shaped(search), ["POST"], "2025-01"),
    ]
