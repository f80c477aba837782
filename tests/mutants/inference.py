"""Mutants of the inference API (`/embed`, `/rerank`, `/models`, on the control plane) and of
integrated records (create-for-model and the `embed` setting on the control plane; records upsert
and search on each index's data plane)."""

from __future__ import annotations

import json
from typing import Any

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.helpers import body_of
from tests.mutants.registry import Ctx, MutantGroup

GROUP = MutantGroup()
mutant = GROUP.mutant
control = GROUP.control

DENSE_MODEL = "multilingual-e5-large"
KNOWN_EMBED = ("multilingual-e5-large", "llama-text-embed-v2", "pinecone-sparse-english-v0")


async def _edit(request: Request, forward: Forward, edit: Any) -> Reply:
    """Forward, then let `edit(body)` change a 200 JSON object reply in place."""
    reply = await forward(request)
    body = reply.json()
    if reply.status == 200 and isinstance(body, dict):
        edit(body)
        return reply.with_json(body)
    return reply


# -- /embed ----------------------------------------------------------------------------------------


@control("embed-dense-short", "INFERENCE-EMBED-DENSE")
async def embed_dense_short(request: Request, forward: Forward) -> Reply:
    """multilingual-e5-large embeddings come back 768 values long instead of 1024."""
    body = body_of(request)
    if not request.is_("POST", "/embed") or body is None or body.get("model") != DENSE_MODEL:
        return await forward(request)

    def cut(reply: dict[str, Any]) -> None:
        for entry in reply.get("data") or []:
            entry["values"] = entry.get("values", [])[:768]

    return await _edit(request, forward, cut)


@control("embed-ignores-dimension", "INFERENCE-EMBED-DIMENSION-PARAMETER")
async def embed_ignores_dimension(request: Request, forward: Forward) -> Reply:
    """The `dimension` parameter is ignored: vectors keep the model's default width."""
    body = body_of(request)
    parameters = body.get("parameters") if body is not None else None
    if request.is_("POST", "/embed") and isinstance(parameters, dict):
        parameters.pop("dimension", None)
        return await forward(request.with_json(body))
    return await forward(request)


@control("embed-position-dependent", "INFERENCE-EMBED-DETERMINISTIC")
async def embed_position_dependent(request: Request, forward: Forward) -> Reply:
    """An embedding depends on the input's position in the batch (rotated by it)."""
    if not request.is_("POST", "/embed"):
        return await forward(request)

    def rotate(reply: dict[str, Any]) -> None:
        for i, entry in enumerate(reply.get("data") or []):
            values = entry.get("values")
            if isinstance(values, list) and values:
                shift = (i * 7) % len(values)
                entry["values"] = values[shift:] + values[:shift]

    return await _edit(request, forward, rotate)


@control("embed-sparse-unpaired", "INFERENCE-EMBED-SPARSE")
async def embed_sparse_unpaired(request: Request, forward: Forward) -> Reply:
    """Sparse embeddings lose their last value: indices and values no longer pair up."""
    if not request.is_("POST", "/embed"):
        return await forward(request)

    def drop(reply: dict[str, Any]) -> None:
        for entry in reply.get("data") or []:
            if isinstance(entry.get("sparse_values"), list):
                entry["sparse_values"] = entry["sparse_values"][:-1]

    return await _edit(request, forward, drop)


@control("embed-unknown-model-served", "INFERENCE-EMBED-UNKNOWN-MODEL-400")
async def embed_unknown_model_served(request: Request, forward: Forward) -> Reply:
    """An unknown embedding model is served by multilingual-e5-large instead of rejected."""
    body = body_of(request)
    if request.is_("POST", "/embed") and body is not None:
        model = body.get("model")
        if isinstance(model, str) and model not in KNOWN_EMBED:
            body["model"] = DENSE_MODEL
            return await forward(request.with_json(body))
    return await forward(request)


@control("embed-missing-inputs-empty", "INFERENCE-EMBED-MISSING-INPUTS-400")
async def embed_missing_inputs_empty(request: Request, forward: Forward) -> Reply:
    """A request naming a model but no `inputs` gets 200 with no embeddings."""
    body = body_of(request)
    model = body.get("model") if body is not None else None
    if request.is_("POST", "/embed") and model is not None and "inputs" not in (body or {}):
        payload = {"model": model, "data": [], "usage": {"total_tokens": 0}}
        return Reply(200, [(b"content-type", b"application/json")]).with_json(payload)
    return await forward(request)


@control("embed-batch-unlimited", "INFERENCE-EMBED-BATCH-LIMIT")
async def embed_batch_unlimited(request: Request, forward: Forward) -> Reply:
    """More inputs than a model takes are embedded anyway (the first 96 are sent, and the last
    embedding repeated for the rest)."""
    body = body_of(request)
    inputs = body.get("inputs") if body is not None else None
    if not request.is_("POST", "/embed") or not isinstance(inputs, list) or len(inputs) <= 96:
        return await forward(request)
    extra = len(inputs) - 96
    reply = await forward(request.with_json({**(body or {}), "inputs": inputs[:96]}))

    def repeat_last(answer: dict[str, Any]) -> None:
        data = answer.get("data") or []
        answer["data"] = data + [data[-1]] * extra if data else data

    answer = reply.json()
    if reply.status == 200 and isinstance(answer, dict):
        repeat_last(answer)
        return reply.with_json(answer)
    return reply


@control("embed-truncate-none-cuts", "INFERENCE-EMBED-TRUNCATE")
async def embed_truncate_none_cuts(request: Request, forward: Forward) -> Reply:
    """`truncate: NONE` cuts an over-long input as `END` does instead of rejecting it."""
    body = body_of(request)
    parameters = body.get("parameters") if body is not None else None
    truncating = isinstance(parameters, dict) and parameters.get("truncate") == "NONE"
    if request.is_("POST", "/embed") and truncating and isinstance(parameters, dict):
        parameters["truncate"] = "END"
        return await forward(request.with_json(body))
    return await forward(request)


# -- /rerank ---------------------------------------------------------------------------------------


@control("rerank-ignores-top-n", "INFERENCE-RERANK-TOP-N")
async def rerank_ignores_top_n(request: Request, forward: Forward) -> Reply:
    """`top_n` is ignored: every document is returned."""
    body = body_of(request)
    if request.is_("POST", "/rerank") and body is not None and "top_n" in body:
        del body["top_n"]
        return await forward(request.with_json(body))
    return await forward(request)


@control(
    "rerank-inverted",
    "INFERENCE-RERANK-RELEVANCE",
    # inverted scores also rank a document whose rank field is the query last
    "INFERENCE-RERANK-RANK-FIELDS",
)
async def rerank_inverted(request: Request, forward: Forward) -> Reply:
    """Scores are inverted (1 - relevance) and results re-sorted: the least relevant comes first."""
    if not request.is_("POST", "/rerank"):
        return await forward(request)

    def invert(reply: dict[str, Any]) -> None:
        rows = reply.get("data") or []
        for row in rows:
            row["score"] = 1.0 - float(row.get("score", 0.0))
        rows.sort(key=lambda row: -row["score"])

    return await _edit(request, forward, invert)


@control("rerank-no-documents", "INFERENCE-RERANK-RETURN-DOCUMENTS")
async def rerank_no_documents(request: Request, forward: Forward) -> Reply:
    """Ranked results never carry their `document`, whatever `return_documents` says."""
    if not request.is_("POST", "/rerank"):
        return await forward(request)

    def strip(reply: dict[str, Any]) -> None:
        for row in reply.get("data") or []:
            row.pop("document", None)

    return await _edit(request, forward, strip)


# -- /models ---------------------------------------------------------------------------------------


@control("models-type-ignored", "INFERENCE-MODELS-LIST")
async def models_type_ignored(request: Request, forward: Forward) -> Reply:
    """GET /models ignores its `type` filter."""
    if request.is_("GET", "/models"):
        return await forward(request.with_params([]))
    return await forward(request)


def _model_path(request: Request) -> bool:
    return request.method == "GET" and request.path.startswith("/models/")


@control("models-describe-renamed", "INFERENCE-MODELS-DESCRIBE")
async def models_describe_renamed(request: Request, forward: Forward) -> Reply:
    """GET /models/{name} answers the model under another name."""
    if not _model_path(request):
        return await forward(request)
    return await _edit(request, forward, lambda body: body.update(model="renamed-model"))


@control("models-unknown-200", "INFERENCE-MODELS-UNKNOWN-404")
async def models_unknown_200(request: Request, forward: Forward) -> Reply:
    """GET /models/{name} of an unknown model answers the first listed model with 200."""
    reply = await forward(request)
    if not _model_path(request) or reply.status != 404:
        return reply
    listed = (await forward(Request("GET", "/models", b"", request.headers))).json() or {}
    first = (listed.get("models") or [{}])[0]
    return Reply(200, [(b"content-type", b"application/json")]).with_json(first)


# -- create-for-model and configure ---------------------------------------------------------------


@control("integrated-dimension-misdescribed", "RECORDS-CREATE-FOR-MODEL")
async def integrated_dimension_misdescribed(request: Request, forward: Forward) -> Reply:
    """An integrated index is described with dimension 768 instead of its model's."""
    reply = await forward(request)
    body = reply.json()
    if reply.ok and isinstance(body, dict) and isinstance(body.get("embed"), dict):
        body["dimension"] = 768
        return reply.with_json(body)
    return reply


@control(
    "integrated-semantic-text-missing",
    "RECORDS-CREATE-FOR-MODEL-SEMANTIC-TEXT",
    api_version="2026-07",
)
async def integrated_semantic_text_missing(request: Request, forward: Forward) -> Reply:
    """An integrated index's schema has no `semantic_text` field (only its vector field)."""
    reply = await forward(request)
    body = reply.json()
    schema = body.get("schema") if isinstance(body, dict) else None
    if not reply.ok or not isinstance(schema, dict) or not isinstance(schema.get("fields"), dict):
        return reply
    fields: dict[str, Any] = schema["fields"]
    kept = {
        name: field
        for name, field in fields.items()
        if not (isinstance(field, dict) and field.get("type") == "semantic_text")
    }
    if len(kept) == len(fields):
        return reply
    schema["fields"] = kept
    return reply.with_json(body)


@control("configure-embed-ignored", "RECORDS-CONFIGURE-EMBED")
async def configure_embed_ignored(request: Request, forward: Forward) -> Reply:
    """PATCH /indexes/{name} accepts `embed` but does not apply it."""
    body = body_of(request)
    if request.method == "PATCH" and body is not None and "embed" in body:
        del body["embed"]
        return await forward(request.with_json(body))
    return await forward(request)


# -- records upsert and search --------------------------------------------------------------------


def _records_route(request: Request, action: str) -> bool:
    return (
        request.method == "POST"
        and request.path.startswith("/records/namespaces/")
        and request.path.endswith(f"/{action}")
    )


def _ndjson(request: Request) -> list[dict[str, Any]]:
    lines = request.body.decode("utf-8", "replace").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _with_records(request: Request, records: list[dict[str, Any]]) -> Request:
    body = "\n".join(json.dumps(r) for r in records) + "\n"
    return Request(request.method, request.path, request.query_string, request.headers,
                   body.encode())  # fmt: skip


@mutant("records-upsert-200", "RECORDS-UPSERT")
async def records_upsert_200(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A records upsert answers 200 instead of the documented 201."""
    reply = await forward(request)
    if _records_route(request, "upsert") and reply.status == 201:
        reply.status = 200
    return reply


@mutant("records-id-alias-dropped", "RECORDS-UPSERT-ID-ALIAS")
async def records_id_alias_dropped(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Records naming their id as `id` (not `_id`) are silently dropped."""
    if not _records_route(request, "upsert"):
        return await forward(request)
    records = _ndjson(request)
    kept = [r for r in records if "_id" in r]
    if len(kept) == len(records):
        return await forward(request)
    if kept:
        return await forward(_with_records(request, kept))
    return Reply(201)


@mutant("records-missing-field-dropped", "RECORDS-UPSERT-MISSING-FIELD-400")
async def records_missing_field_dropped(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A record without the mapped text field is dropped with 201 instead of rejected."""
    reply = await forward(request)
    if _records_route(request, "upsert") and reply.status == 400:
        body = reply.json() or {}
        if "text field" in str(body.get("message", "")):
            return Reply(201)
    return reply


def _reverse_hits(body: dict[str, Any]) -> None:
    result = body.get("result")
    if isinstance(result, dict) and isinstance(result.get("hits"), list):
        result["hits"].reverse()


def _search_body(request: Request) -> dict[str, Any] | None:
    return body_of(request) if _records_route(request, "search") else None


@mutant("records-search-no-usage", "RECORDS-SEARCH-SHAPE")
async def records_search_no_usage(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Search responses lose their `usage`."""
    if _search_body(request) is None:
        return await forward(request)
    return await _edit(request, forward, lambda body: body.pop("usage", None))


@mutant("records-text-hits-reversed", "RECORDS-SEARCH-TEXT")
async def records_text_hits_reversed(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Text searches (without rerank) list their hits least similar first."""
    body = _search_body(request)
    query = body.get("query") if body is not None else None
    if not isinstance(query, dict) or "inputs" not in query or "rerank" in (body or {}):
        return await forward(request)
    return await _edit(request, forward, _reverse_hits)


@mutant("records-id-hits-reversed", "RECORDS-SEARCH-BY-ID")
async def records_id_hits_reversed(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Searches by id for more than one hit list the record itself last."""
    body = _search_body(request)
    query = body.get("query") if body is not None else None
    if not isinstance(query, dict) or "id" not in query or query.get("top_k", 0) <= 1:
        return await forward(request)
    return await _edit(request, forward, _reverse_hits)


@mutant("records-fields-ignored", "RECORDS-SEARCH-FIELDS")
async def records_fields_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Search ignores `fields`: every hit carries every field."""
    body = _search_body(request)
    if body is not None and "fields" in body:
        del body["fields"]
        return await forward(request.with_json(body))
    return await forward(request)


@mutant("records-filter-ignored", "RECORDS-SEARCH-FILTER")
async def records_filter_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Search ignores `query.filter`."""
    body = _search_body(request)
    query = body.get("query") if body is not None else None
    if isinstance(query, dict) and "filter" in query:
        del query["filter"]
        return await forward(request.with_json(body))
    return await forward(request)


@mutant("records-rerank-top-n-ignored", "RECORDS-SEARCH-RERANK")
async def records_rerank_top_n_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Search with rerank ignores `top_n`: it returns `top_k` hits."""
    body = _search_body(request)
    rerank = body.get("rerank") if body is not None else None
    if isinstance(rerank, dict) and "top_n" in rerank:
        del rerank["top_n"]
        return await forward(request.with_json(body))
    return await forward(request)


@mutant("records-top-k-defaulted", "RECORDS-SEARCH-TOP-K-REQUIRED")
async def records_top_k_defaulted(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A search without `top_k` is answered with 10 hits at most instead of rejected."""
    body = _search_body(request)
    query = body.get("query") if body is not None else None
    if isinstance(query, dict) and "top_k" not in query:
        query["top_k"] = 10
        return await forward(request.with_json(body))
    return await forward(request)


# -- later additions: rank fields, create-for-model rejections, match_terms ------------------------


@control("rerank-rank-fields-ignored", "INFERENCE-RERANK-RANK-FIELDS")
async def rerank_rank_fields_ignored(request: Request, forward: Forward) -> Reply:
    """`rank_fields` is ignored: documents are always ranked by their `text` field."""
    body = body_of(request)
    if request.is_("POST", "/rerank") and body is not None and "rank_fields" in body:
        del body["rank_fields"]
        return await forward(request.with_json(body))
    return await forward(request)


def _is_create_for_model(request: Request) -> dict[str, Any] | None:
    body = body_of(request)
    return body if request.is_("POST", "/indexes/create-for-model") else None


@control("create-for-model-default-embed", "RECORDS-CREATE-FOR-MODEL-MISSING-EMBED-422")
async def create_for_model_default_embed(request: Request, forward: Forward) -> Reply:
    """A create-for-model body without `embed` gets a default one instead of a 422."""
    body = _is_create_for_model(request)
    if body is not None and "embed" not in body:
        body["embed"] = {"model": DENSE_MODEL, "field_map": {"text": "text"}}
        return await forward(request.with_json(body))
    return await forward(request)


@control("create-for-model-unknown-model-served", "RECORDS-CREATE-FOR-MODEL-UNKNOWN-MODEL-400")
async def create_for_model_unknown_model_served(request: Request, forward: Forward) -> Reply:
    """create-for-model with an unknown `embed.model` uses multilingual-e5-large instead."""
    body = _is_create_for_model(request)
    embed = body.get("embed") if body is not None else None
    if isinstance(embed, dict) and embed.get("model") not in KNOWN_EMBED:
        embed["model"] = DENSE_MODEL
        return await forward(request.with_json(body))
    return await forward(request)


@control("create-for-model-duplicate-201", "RECORDS-CREATE-FOR-MODEL-DUPLICATE-409")
async def create_for_model_duplicate_201(request: Request, forward: Forward) -> Reply:
    """create-for-model with a taken name answers 201 with the existing index."""
    reply = await forward(request)
    body = _is_create_for_model(request)
    if body is None or reply.status != 409 or not isinstance(body.get("name"), str):
        return reply
    existing = await forward(Request("GET", f"/indexes/{body['name']}", b"", request.headers))
    return existing if not existing.ok else Reply(201, existing.headers, existing.body)


@mutant("records-match-terms-ignored", "RECORDS-SEARCH-MATCH-TERMS")
async def records_match_terms_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Search ignores `query.match_terms`."""
    body = _search_body(request)
    query = body.get("query") if body is not None else None
    if isinstance(query, dict) and "match_terms" in query:
        del query["match_terms"]
        return await forward(request.with_json(body))
    return await forward(request)


@mutant("records-vector-search-empty", "RECORDS-SEARCH-VECTOR")
async def records_vector_search_empty(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A records search by `vector` finds nothing."""
    body = _search_body(request)
    query = body.get("query") if body is not None else None
    if not isinstance(query, dict) or "vector" not in query:
        return await forward(request)

    def empty(reply: dict[str, Any]) -> None:
        result = reply.get("result")
        if isinstance(result, dict):
            result["hits"] = []

    return await _edit(request, forward, empty)


@mutant("records-errors-error-response", "RECORDS-ERRORS-RPCSTATUS")
async def records_errors_error_response(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Records errors answer the 2026-07 `{status, error: {code, message}}` body before
    2026-07."""
    reply = await forward(request)
    body = reply.json()
    if not request.path.startswith("/records/") or reply.status < 400:
        return reply
    if not isinstance(body, dict) or "error" in body:
        return reply
    error = {"code": "INVALID_ARGUMENT", "message": str(body.get("message", ""))}
    return reply.with_json({"error": error, "status": reply.status})


@mutant("records-errors-rpcstatus", "RECORDS-ERRORS-ERROR-RESPONSE", api_version="2026-07")
async def records_errors_rpcstatus(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """From 2026-07 records errors still answer the rpcStatus body."""
    reply = await forward(request)
    body = reply.json()
    if not request.path.startswith("/records/") or reply.status < 400:
        return reply
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return reply
    return reply.with_json({"code": 3, "message": str(error.get("message", "")), "details": []})


@mutant("records-upsert-capped-96", "RECORDS-UPSERT-MAX-RECORDS", api_version="2026-07")
async def records_upsert_capped_96(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A records upsert of more than 96 records is rejected with 400 (2026-07 takes 1000)."""
    if _records_route(request, "upsert") and request.body.count(b"\n") > 96:
        body = {"code": 3, "message": "too many records", "details": []}
        return Reply(400, [(b"content-type", b"application/json")]).with_json(body)
    return await forward(request)
