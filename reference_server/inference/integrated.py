"""Indexes with integrated embedding: `POST /indexes/create-for-model` and the `embed` setting of
`PATCH /indexes/{name}` (db_control 2025-01+ `CreateIndexForModelRequest`, `ConfigureIndexRequest`).

An index's `embed` is kept as its description (`ModelIndexEmbed`): model, metric, dimension,
vector_type, field_map, read_parameters, write_parameters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_server.errors import bad_request, not_found
from reference_server.indexes import IndexModel, parse_create, unprocessable
from reference_server.inference.catalog import Model, lookup
from reference_server.versions import at_least, version_of

CLOUDS = ("gcp", "aws", "azure")


def _object(container: dict[str, Any], key: str, where: str) -> dict[str, Any] | None:
    value = container.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise unprocessable(f"{where}{key}: invalid type, expected an object")
    return value


def _field_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise unprocessable("embed.field_map: invalid type, expected an object")
    text = value.get("text")
    if not isinstance(text, str) or not text:
        raise bad_request("embed.field_map must map 'text' to the name of a record field")
    return {"text": text}


def _parameters(model: Model, given: dict[str, Any] | None, input_type: str, what: str) -> None:
    """400 unless `given` (with the input_type the index uses by default) suits the model."""
    try:
        model.resolve({"input_type": input_type, **(given or {})})
    except Exception as exc:
        raise bad_request(f"Invalid embed.{what}: {exc}") from None


def embed_parameters(embed: dict[str, Any], write: bool) -> dict[str, Any]:
    """The parameters records are embedded with: the index's read or write parameters over the
    documented defaults (`input_type` passage for upsert, query for search; the index width)."""
    base: dict[str, Any] = {"input_type": "passage" if write else "query"}
    if embed.get("dimension") is not None and embed["model"] == "llama-text-embed-v2":
        base["dimension"] = embed["dimension"]
    own = embed.get("write_parameters" if write else "read_parameters") or {}
    return {**base, **own}


def parse_embed(raw: Any) -> dict[str, Any]:
    """A create-for-model `embed` object, validated, as the index will describe it."""
    if not isinstance(raw, dict):
        raise unprocessable("embed: invalid type, expected an object")
    if raw.get("model") is None:
        raise unprocessable("embed: missing field `model`")
    if raw.get("field_map") is None:
        raise unprocessable("embed: missing field `field_map`")
    model = lookup(raw.get("model"), "embed")
    field_map = _field_map(raw["field_map"])
    metric = raw.get("metric")
    if metric is None:
        metric = model.metrics[0]
    if metric not in model.metrics:
        supported = ", ".join(model.metrics)
        raise bad_request(f"Model '{model.name}' supports the metrics {supported}, not {metric!r}")
    dimension = raw.get("dimension")
    if model.vector_type == "sparse":
        if dimension is not None:
            raise bad_request(f"Model '{model.name}' is sparse: dimension must not be given")
    else:
        dimension = model.default_dimension if dimension is None else dimension
        if isinstance(dimension, bool) or dimension not in model.dimensions:
            supported = ", ".join(str(d) for d in model.dimensions)
            raise bad_request(
                f"Model '{model.name}' supports the dimensions {supported}, not {dimension!r}"
            )
    read = _object(raw, "read_parameters", "embed.")
    write = _object(raw, "write_parameters", "embed.")
    _parameters(model, read, "query", "read_parameters")
    _parameters(model, write, "passage", "write_parameters")
    embed: dict[str, Any] = {"model": model.name, "metric": metric}
    if dimension is not None:
        embed["dimension"] = dimension
    embed.update(
        {
            "vector_type": model.vector_type,
            "field_map": field_map,
            "read_parameters": read or {},
            "write_parameters": write or {},
        }
    )
    return embed


def parse_create_for_model(body: Any) -> IndexModel:
    """The index a create-for-model body asks for; 422 for a missing field or wrong type, 400 for
    an unknown model, a metric or dimension the model does not support, or a bad field_map."""
    if not isinstance(body, dict):
        raise unprocessable("invalid type, expected struct CreateIndexForModelRequest")
    for key in ("name", "cloud", "region", "embed"):
        if body.get(key) is None:
            raise unprocessable(f"missing field `{key}`")
    cloud, region = body["cloud"], body["region"]
    if not isinstance(cloud, str) or not isinstance(region, str):
        raise unprocessable("cloud, region: invalid type, expected a string")
    if cloud not in CLOUDS:
        raise bad_request(f"Invalid cloud '{cloud}': must be gcp, aws or azure")
    embed = parse_embed(body["embed"])
    serverless: dict[str, Any] = {"cloud": cloud, "region": region}
    if body.get("read_capacity") is not None:
        serverless["read_capacity"] = body["read_capacity"]
    classic: dict[str, Any] = {
        "name": body["name"],
        "spec": {"serverless": serverless},
        "metric": embed["metric"],
        "vector_type": embed["vector_type"],
    }
    if embed.get("dimension") is not None:
        classic["dimension"] = embed["dimension"]
    for key in ("deletion_protection", "tags"):
        if key in body:
            classic[key] = body[key]
    model = parse_create(classic)
    model.embed = embed
    return model


def configure_embed(index: IndexModel, body: Any) -> dict[str, Any] | None:
    """The index's new `embed` after a PATCH body, or None when the body has none.

    An index without one becomes integrated when model and field_map suit its vector type,
    dimension and metric; afterwards field_map and the read/write parameters may change, the model
    not. Validates only; the caller assigns.
    """
    if not isinstance(body, dict) or body.get("embed") is None:
        return None
    raw = body["embed"]
    if not isinstance(raw, dict):
        raise unprocessable("embed: invalid type, expected an object")
    current = index.embed
    if current is not None:
        if raw.get("model") is not None and raw["model"] != current["model"]:
            raise bad_request("The embedding model of an index cannot be changed once set")
        merged = {**current, **{k: v for k, v in raw.items() if v is not None}}
        merged["metric"], merged["model"] = current["metric"], current["model"]
        if current.get("dimension") is not None:
            merged["dimension"] = current["dimension"]
        return parse_embed(merged)
    merged = dict(raw)
    merged["metric"] = index.metric
    if index.dimension is not None:
        merged["dimension"] = index.dimension
    embed = parse_embed(merged)
    if embed["vector_type"] != index.vector_type:
        raise bad_request(
            f"Model '{embed['model']}' makes {embed['vector_type']} vectors; the index is "
            f"{index.vector_type}"
        )
    return embed


def semantic_field(embed: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The 2026-07 schema field of an integrated index: `semantic_text`, named after field_map,
    with the model's dimension (`null` for a sparse model, as `SemanticTextField` says)."""
    field: dict[str, Any] = {"type": "semantic_text", "model": embed["model"]}
    field["dimension"] = embed.get("dimension")
    field["metric"] = embed["metric"]
    for key in ("read_parameters", "write_parameters"):
        if embed.get(key):
            field[key] = embed[key]
    return embed["field_map"]["text"], field


Handler = Callable[[Request], Awaitable[Response]]


def integrated_routes(
    manager: Any,
    handles_errors: Callable[[Handler], Handler],
    json_response: Callable[[Any, int], Response],
    read_json: Callable[[Request], Awaitable[Any]],
) -> list[Route]:
    """`POST /indexes/create-for-model` (2025-01+) over the control plane's `IndexManager`."""

    async def create_for_model(request: Request) -> Response:
        if not at_least(version_of(request.headers), "2025-01"):
            raise not_found(f"Not found: {request.url.path} needs API version 2025-01+")
        model = parse_create_for_model(await read_json(request))
        created = await manager.create_index(model)
        return json_response(created.describe(), 201)

    return [Route("/indexes/create-for-model", handles_errors(create_for_model), methods=["POST"])]
