"""gRPC request messages as the REST data plane's requests (JSON body, query parameters, path).

Proto3 cannot tell a field left out from one set to its default unless the field is `optional`, so
a default scalar or an empty list is left out of the REST request, as a client leaving the JSON
field out; a field with presence (`optional`, or a message) is sent when set, even when empty. The
values are float32 numbers and written as such (orjson's shortest text that reads back as the
same float32), so the handler sees what a REST client sending those numbers sends. An upsert whose
vectors all carry values of one length skips JSON: its values go to the handler as one matrix
(`RestRequest.decoded`), the rest of its body as the dict JSON would have given.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import ListValue, Struct

from reference_server.errors import bad_request


@dataclass(frozen=True)
class RestRequest:
    """What a REST handler reads from a request: the body, query parameters and path values."""

    body: bytes = b""
    params: list[tuple[str, str]] = field(default_factory=list)
    path: dict[str, Any] = field(default_factory=dict)
    # An upsert read without JSON: (the body less each vector's values, the values as rows).
    decoded: tuple[dict[str, Any], np.ndarray] | None = None


def _plain(value: Any) -> Any:
    """A Struct / ListValue / scalar as the value JSON gives; a NaN or infinity is a 400 (JSON
    has no such number, so REST cannot receive one either)."""
    if isinstance(value, Struct):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, ListValue):
        return [_plain(item) for item in value]
    if type(value) is float:
        if not math.isfinite(value):
            raise bad_request("Invalid request: numbers must be finite")
        if value.is_integer() and abs(value) < _EXACT_INTEGERS:
            return int(value)  # as protobuf's JSON form writes a whole double: 2020, not 2020.0
    return value


_EXACT_INTEGERS = 2.0**53  # past it a double no longer holds every integer


def _struct(message: Struct) -> dict[str, Any]:
    return _plain(message)


def _floats(values: Any) -> np.ndarray:
    """A `repeated float` as a float32 array (one copy, no Python float per value)."""
    return np.asarray(values, dtype=np.float32)


def _sparse(message: Any) -> dict[str, Any]:
    """Lists, as JSON gives them: the handler reads this dict also when the body skips JSON."""
    return {"indices": list(message.indices), "values": _floats(message.values).tolist()}


def _body(payload: dict[str, Any]) -> RestRequest:
    return RestRequest(body=orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY))


def _set(body: dict[str, Any], name: str, message: Any, attr: str, convert: Callable) -> None:
    """`body[name] = convert(message.attr)` when the field is present on the wire."""
    if message.HasField(attr):
        body[name] = convert(getattr(message, attr))


def _same(value: Any) -> Any:
    return value


def _vector(vector: Any, with_values: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": vector.id}
    if with_values and len(vector.values):
        out["values"] = _floats(vector.values)
    _set(out, "sparseValues", vector, "sparse_values", _sparse)
    _set(out, "metadata", vector, "metadata", _struct)
    return out


def upsert(request: Any) -> RestRequest:
    """Decoded when every vector has values of one length (the handler checks the dimension)."""
    vectors = request.vectors
    lengths = {len(v.values) for v in vectors}
    if len(lengths) == 1 and 0 not in lengths:
        body: dict[str, Any] = {"vectors": [_vector(v, with_values=False) for v in vectors]}
        if request.namespace:
            body["namespace"] = request.namespace
        matrix = np.array([_floats(v.values) for v in vectors])
        return RestRequest(decoded=(body, matrix))
    body = {"vectors": [_vector(v) for v in vectors]}
    if request.namespace:
        body["namespace"] = request.namespace
    return _body(body)


def with_values(rest: RestRequest) -> RestRequest:
    """A decoded upsert as JSON, values back in place (for the handler's own checks)."""
    assert rest.decoded is not None
    body, matrix = rest.decoded
    rows = zip(body["vectors"], matrix, strict=True)
    vectors = [{**vector, "values": row} for vector, row in rows]
    return _body({**body, "vectors": vectors})


def query(request: Any) -> RestRequest:
    body: dict[str, Any] = {}
    if request.namespace:
        body["namespace"] = request.namespace
    if request.top_k:
        body["topK"] = request.top_k
    _set(body, "filter", request, "filter", _struct)
    if request.include_values:
        body["includeValues"] = True
    if request.include_metadata:
        body["includeMetadata"] = True
    if len(request.queries):  # deprecated: passed on only for the handler to refuse
        body["queries"] = [MessageToDict(q) for q in request.queries]
    if len(request.vector):
        body["vector"] = _floats(request.vector)
    _set(body, "sparseVector", request, "sparse_vector", _sparse)
    if request.id:
        body["id"] = request.id
    _set(body, "scanFactor", request, "scan_factor", _same)
    _set(body, "maxCandidates", request, "max_candidates", _same)
    return _body(body)


def fetch(request: Any) -> RestRequest:
    params = [("ids", vector_id) for vector_id in request.ids]
    if request.namespace:
        params.append(("namespace", request.namespace))
    return RestRequest(params=params)


def fetch_by_metadata(request: Any) -> RestRequest:
    body: dict[str, Any] = {}
    if request.namespace:
        body["namespace"] = request.namespace
    _set(body, "filter", request, "filter", _struct)
    _set(body, "limit", request, "limit", _same)
    _set(body, "paginationToken", request, "pagination_token", _same)
    return _body(body)


def update(request: Any) -> RestRequest:
    body: dict[str, Any] = {}
    if request.id:
        body["id"] = request.id
    if len(request.values):
        body["values"] = _floats(request.values)
    _set(body, "sparseValues", request, "sparse_values", _sparse)
    _set(body, "setMetadata", request, "set_metadata", _struct)
    if request.namespace:
        body["namespace"] = request.namespace
    _set(body, "filter", request, "filter", _struct)
    _set(body, "dryRun", request, "dry_run", _same)
    return _body(body)


def delete(request: Any) -> RestRequest:
    body: dict[str, Any] = {}
    if len(request.ids):
        body["ids"] = list(request.ids)
    if request.delete_all:
        body["deleteAll"] = True
    if request.namespace:
        body["namespace"] = request.namespace
    _set(body, "filter", request, "filter", _struct)
    return _body(body)


def list_ids(request: Any) -> RestRequest:
    params: list[tuple[str, str]] = []
    if request.HasField("prefix"):
        params.append(("prefix", request.prefix))
    if request.HasField("limit"):
        params.append(("limit", str(request.limit)))
    if request.HasField("pagination_token"):
        params.append(("paginationToken", request.pagination_token))
    if request.namespace:
        params.append(("namespace", request.namespace))
    return RestRequest(params=params)


def describe_index_stats(request: Any) -> RestRequest:
    body: dict[str, Any] = {}
    _set(body, "filter", request, "filter", _struct)
    return _body(body)


def list_namespaces(request: Any) -> RestRequest:
    params: list[tuple[str, str]] = []
    if request.HasField("pagination_token"):
        params.append(("paginationToken", request.pagination_token))
    if request.HasField("limit"):
        params.append(("limit", str(request.limit)))
    if request.HasField("prefix"):
        params.append(("prefix", request.prefix))
    return RestRequest(params=params)


def one_namespace(request: Any) -> RestRequest:
    """DescribeNamespace and DeleteNamespace: the namespace is the REST path's last segment."""
    return RestRequest(path={"namespace": request.namespace})


def _schema(schema: Any) -> dict[str, Any]:
    return {"fields": {name: {"filterable": f.filterable} for name, f in schema.fields.items()}}


def create_namespace(request: Any) -> RestRequest:
    body: dict[str, Any] = {"name": request.name}
    _set(body, "schema", request, "schema", _schema)
    return _body(body)
