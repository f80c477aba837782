"""Collections: static copies of pod-based indexes (control plane, every API version).

A collection is a `Snapshot` of its source index taken when it is created; serverless indexes
have none (400). Collections are ready as soon as they are created; a pod index created with a
`source_collection` starts with its records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_server import snapshots
from reference_server.controlplane import (
    Handler,
    IndexManager,
    index_not_found,
    json_response,
    read_json,
)
from reference_server.errors import ApiError, already_exists, bad_request, not_found
from reference_server.indexes import NAME_RE, NAME_RULE, IndexModel, unprocessable

SERVERLESS = "Serverless indexes do not support collections."


@dataclass
class Collection:
    name: str
    environment: str
    dimension: int | None
    snapshot: snapshots.Snapshot

    def describe(self) -> dict[str, Any]:
        """The CollectionModel body."""
        body: dict[str, Any] = {
            "name": self.name,
            "status": "Ready",
            "environment": self.environment,
            "size": self.snapshot.size_bytes,
            "vector_count": self.snapshot.record_count,
        }
        if self.dimension is not None:
            body["dimension"] = self.dimension
        return body


def _field(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        raise unprocessable(f"missing field `{key}`")
    if not isinstance(value, str):
        raise unprocessable(f"{key}: invalid type, expected a string")
    return value


class Collections(dict[str, Collection]):
    """The project's collections, by name."""

    def seed_for(self, model: IndexModel) -> Callable[[IndexModel], None] | None:
        """For a pod index created from a collection (`source_collection`), what loads the
        collection into it once it serves; None for any other index. Checked before the index
        exists: 404 for an unknown collection, 400 for another dimension."""
        name = (model.pod or {}).get("source_collection")
        if name is None:
            return None
        source = self.get(name)
        if source is None:
            raise not_found(f"Collection {name} not found.")
        if source.dimension != model.dimension:
            raise bad_request(
                f"The index dimension {model.dimension} does not match the dimension "
                f"{source.dimension} of collection {name}"
            )

        def seed(created: IndexModel) -> None:
            if created.store is not None:
                snapshots.load(created.store, source.snapshot)

        return seed


def collection_routes(
    manager: IndexManager,
    handles_errors: Callable[[Handler], Handler],
    collections: Collections | None = None,
) -> list[Route]:
    """The `/collections` routes over the indexes of `manager`."""
    collections = Collections() if collections is None else collections

    def lookup(request: Request) -> Collection:
        name = request.path_params["collection_name"]
        found = collections.get(name)
        if found is None:
            raise not_found(f"Collection {name} not found.")
        return found

    async def list_collections(request: Request) -> Response:
        return json_response({"collections": [c.describe() for c in collections.values()]})

    async def create_collection(request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise unprocessable("invalid type, expected struct CreateCollectionRequest")
        name, source = _field(body, "name"), _field(body, "source")
        if not NAME_RE.match(name):
            raise bad_request(NAME_RULE)
        model = manager.get_index(source)
        if model is None:
            raise index_not_found(source)
        if model.pod is None:
            raise bad_request(SERVERLESS)
        if name in collections:
            raise already_exists("Resource already exists.")
        if model.store is None:
            raise ApiError(500, "The index's records cannot be read.", 2, "UNKNOWN")
        environment = model.pod["environment"]
        collection = Collection(name, environment, model.dimension, snapshots.take(model.store))
        collections[name] = collection
        return json_response(collection.describe(), 201)

    async def describe_collection(request: Request) -> Response:
        return json_response(lookup(request).describe())

    async def delete_collection(request: Request) -> Response:
        del collections[lookup(request).name]
        return Response(status_code=202)

    return [
        Route("/collections", handles_errors(list_collections), methods=["GET"]),
        Route("/collections", handles_errors(create_collection), methods=["POST"]),
        Route(
            "/collections/{collection_name}",
            handles_errors(describe_collection),
            methods=["GET"],
        ),
        Route(
            "/collections/{collection_name}",
            handles_errors(delete_collection),
            methods=["DELETE"],
        ),
    ]
