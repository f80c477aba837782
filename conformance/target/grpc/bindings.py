"""The HTTP bindings of `VectorService` (the `google.api.http` options of the published proto,
API 2025-10): which RPC a REST method and path stand for.

The REST data plane is a transcoding of these RPCs, so a request the suite builds for REST names
its RPC through them. A route with `body` takes the JSON body as the request message (`body: "*"`);
one without takes query parameters and path fields. Each RPC also says whether its REST reply keeps
the proto field names (the namespace API's objects are snake_case on the REST wire) or uses the
lowerCamelCase JSON names like every other reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from conformance.target.grpc.errors import NotExpressible

SERVICE = "VectorService"


@dataclass(frozen=True)
class Rpc:
    """One RPC of `VectorService` and the REST conventions of its binding."""

    name: str
    request: str  # message type names in the generated module
    response: str
    body: bool = True  # the JSON body is the request; else query parameters and path fields
    snake_case: bool = False  # the REST reply keeps proto field names

    @property
    def path(self) -> str:
        """The gRPC method path, `/VectorService/Name`."""
        return f"/{SERVICE}/{self.name}"


UPSERT = Rpc("Upsert", "UpsertRequest", "UpsertResponse")
DELETE = Rpc("Delete", "DeleteRequest", "DeleteResponse")
FETCH = Rpc("Fetch", "FetchRequest", "FetchResponse", body=False)
LIST = Rpc("List", "ListRequest", "ListResponse", body=False)
QUERY = Rpc("Query", "QueryRequest", "QueryResponse")
UPDATE = Rpc("Update", "UpdateRequest", "UpdateResponse")
STATS = Rpc("DescribeIndexStats", "DescribeIndexStatsRequest", "DescribeIndexStatsResponse")
STATS_GET = Rpc(
    "DescribeIndexStats", "DescribeIndexStatsRequest", "DescribeIndexStatsResponse", body=False
)
FETCH_BY_METADATA = Rpc("FetchByMetadata", "FetchByMetadataRequest", "FetchByMetadataResponse")
LIST_NAMESPACES = Rpc(
    "ListNamespaces", "ListNamespacesRequest", "ListNamespacesResponse", False, True
)
DESCRIBE_NAMESPACE = Rpc(
    "DescribeNamespace", "DescribeNamespaceRequest", "NamespaceDescription", False, True
)
DELETE_NAMESPACE = Rpc("DeleteNamespace", "DeleteNamespaceRequest", "DeleteResponse", False, True)
# The proto's binding names no body, but the REST operation takes `{name, schema}` as its body.
CREATE_NAMESPACE = Rpc(
    "CreateNamespace", "CreateNamespaceRequest", "NamespaceDescription", True, True
)

RPCS = (
    UPSERT,
    DELETE,
    FETCH,
    LIST,
    QUERY,
    UPDATE,
    STATS,
    FETCH_BY_METADATA,
    LIST_NAMESPACES,
    DESCRIBE_NAMESPACE,
    DELETE_NAMESPACE,
    CREATE_NAMESPACE,
)

_ROUTES: dict[tuple[str, str], Rpc] = {
    ("POST", "/vectors/upsert"): UPSERT,
    ("POST", "/vectors/delete"): DELETE,
    ("DELETE", "/vectors/delete"): Rpc("Delete", "DeleteRequest", "DeleteResponse", body=False),
    ("GET", "/vectors/fetch"): FETCH,
    ("GET", "/vectors/list"): LIST,
    ("POST", "/query"): QUERY,
    ("POST", "/vectors/update"): UPDATE,
    ("POST", "/describe_index_stats"): STATS,
    ("GET", "/describe_index_stats"): STATS_GET,
    ("POST", "/vectors/fetch_by_metadata"): FETCH_BY_METADATA,
    ("GET", "/namespaces"): LIST_NAMESPACES,
    ("POST", "/namespaces"): CREATE_NAMESPACE,
}
_NAMESPACE_PATH = re.compile(r"^/namespaces/([^/]*)$")
_NAMESPACE_ROUTES = {"GET": DESCRIBE_NAMESPACE, "DELETE": DELETE_NAMESPACE}


def route(method: str, path: str) -> tuple[Rpc, dict[str, str]]:
    """The RPC a REST request stands for and its path fields (`{namespace}`), or NotExpressible
    for a route `VectorService` has no binding for (records, imports, an unknown path)."""
    method = method.upper()
    path = path.split("?", 1)[0]
    found = _ROUTES.get((method, path))
    if found is not None:
        return found, {}
    match = _NAMESPACE_PATH.match(path)
    if match and method in _NAMESPACE_ROUTES:
        return _NAMESPACE_ROUTES[method], {"namespace": unquote(match.group(1))}
    raise NotExpressible(f"{method} {path} has no gRPC binding in {SERVICE}")


def query_pairs(path: str) -> list[tuple[str, str]]:
    """The parameters of a query string written into `path`, percent-decoded. A `+` is refused:
    whether it means a space is a question of the REST wire (FETCH-ID-ENCODING's)."""
    if "?" not in path:
        return []
    query = path.split("?", 1)[1]
    if "+" in query:
        raise NotExpressible("a '+' in a query string (its decoding exists over REST only)")
    pairs = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs
