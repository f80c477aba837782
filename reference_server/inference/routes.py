"""The inference API on the control-plane host: `POST /embed`, `POST /rerank`, `GET /models`,
`GET /models/{model_name}` (inference_<v>.oas.yaml), with control-plane `ErrorResponse` errors.

`/embed` is documented from 2024-07 (in the control-plane spec), `/rerank` from 2024-10 and the
model listing from 2025-04; an older version gets 404 as for an unknown route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_server.errors import ApiError, bad_request, not_found
from reference_server.inference import engine
from reference_server.inference.catalog import MODELS, lookup
from reference_server.jsonio import read_body
from reference_server.versions import at_least, version_of

Handler = Callable[[Request], Awaitable[Response]]


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def _object(request: Request) -> dict[str, Any]:
    raw = await read_body(request)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"Failed to parse the request body as JSON: {exc}") from None
    if not isinstance(body, dict):
        raise bad_request("Invalid request: the body must be a JSON object")
    return body


def _route(path: str, handler: Handler, method: str, since: str) -> Route:
    async def run(request: Request) -> Response:
        try:
            if not at_least(version_of(request.headers), since):
                raise not_found(f"Not found: {request.url.path} needs API version {since}+")
            return await handler(request)
        except ApiError as error:
            return error.to_control_plane_response()

    return Route(path, run, methods=[method])


async def embed(request: Request) -> Response:
    body = await _object(request)
    model = lookup(body.get("model"), "embed")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise bad_request("Invalid request: 'inputs' must be a non-empty array")
    texts = []
    for i, item in enumerate(inputs):
        text = item.get("text") if isinstance(item, dict) else None
        if not isinstance(text, str):
            raise bad_request(f"Invalid request: input {i} must be an object with a string 'text'")
        texts.append(text)
    parameters = model.resolve(body.get("parameters"))
    data: list[dict[str, Any]]
    if model.vector_type == "dense":
        matrix, used = engine.embed_dense(model, texts, parameters)
        data = [{"values": row, "vector_type": "dense"} for row in matrix.tolist()]
    else:
        sparse, used = engine.embed_sparse(model, texts, parameters)
        data = []
        for indices, values, words in sparse:
            entry: dict[str, Any] = {
                "sparse_values": values,
                "sparse_indices": indices,
                "vector_type": "sparse",
            }
            if parameters.get("return_tokens"):
                entry["sparse_tokens"] = words
            data.append(entry)
    return _json(
        {
            "model": model.name,
            "vector_type": model.vector_type,
            "data": data,
            "usage": {"total_tokens": used},
        }
    )


async def rerank(request: Request) -> Response:
    body = await _object(request)
    model = lookup(body.get("model"), "rerank")
    query = body.get("query")
    if not isinstance(query, str) or not query:
        raise bad_request("Invalid request: 'query' must be a non-empty string")
    documents = body.get("documents")
    if not isinstance(documents, list) or not documents:
        raise bad_request("Invalid request: 'documents' must be a non-empty array")
    rank_fields = engine.check_rank_fields(model, body.get("rank_fields"))
    top_n = body.get("top_n", len(documents))
    if top_n is None:
        top_n = len(documents)
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise bad_request("Invalid request: 'top_n' must be a positive integer")
    return_documents = body.get("return_documents", True)
    if not isinstance(return_documents, bool):
        raise bad_request("Invalid request: 'return_documents' must be a boolean")
    parameters = model.resolve(body.get("parameters"))
    texts = [engine.document_text(d, rank_fields, i) for i, d in enumerate(documents)]
    ranked = engine.rerank(model, query, texts, parameters)[:top_n]
    data = []
    for index, score in ranked:
        entry: dict[str, Any] = {"index": index, "score": score}
        if return_documents:
            entry["document"] = documents[index]
        data.append(entry)
    return _json({"model": model.name, "data": data, "usage": {"rerank_units": 1}})


async def list_models(request: Request) -> Response:
    kind = request.query_params.get("type")
    vector_type = request.query_params.get("vector_type")
    if kind is not None and kind not in ("embed", "rerank"):
        raise bad_request("Invalid 'type': must be embed or rerank")
    if vector_type is not None and vector_type not in ("dense", "sparse"):
        raise bad_request("Invalid 'vector_type': must be dense or sparse")
    models = [
        m.describe()
        for m in MODELS.values()
        if (kind is None or m.type == kind)
        and (vector_type is None or m.vector_type == vector_type)
    ]
    return _json({"models": models})


async def describe_model(request: Request) -> Response:
    name = request.path_params["model_name"]
    model = MODELS.get(name)
    if model is None:
        raise not_found(f"Model {name} not found.")
    return _json(model.describe())


def inference_routes() -> list[Route]:
    """The routes to add to the control-plane app."""
    return [
        _route("/embed", embed, "POST", "2024-07"),
        _route("/rerank", rerank, "POST", "2024-10"),
        _route("/models", list_models, "GET", "2025-04"),
        _route("/models/{model_name}", describe_model, "GET", "2025-04"),
    ]
