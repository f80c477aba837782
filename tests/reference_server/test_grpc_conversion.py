"""The gRPC layer's translations: ApiError to status codes, proto3 requests to REST requests."""

from __future__ import annotations

import numpy as np
import orjson
import pytest

grpc = pytest.importorskip("grpc", reason="the grpc extra is not installed")

from google.protobuf.struct_pb2 import Struct  # noqa: E402

from pinecone_messages import db_data_2025_10_pb2 as pb  # noqa: E402
from reference_server.errors import ApiError, bad_request, not_found  # noqa: E402
from reference_server.grpc_service import requests  # noqa: E402
from reference_server.grpc_service.codes import status_of  # noqa: E402


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (bad_request("x"), grpc.StatusCode.INVALID_ARGUMENT),
        (not_found("x"), grpc.StatusCode.NOT_FOUND),
        (ApiError(409, "x", 6, "ALREADY_EXISTS"), grpc.StatusCode.ALREADY_EXISTS),
        (ApiError(413, "x", 8, "PAYLOAD_TOO_LARGE"), grpc.StatusCode.RESOURCE_EXHAUSTED),
        (ApiError(500, "x", 13, "INTERNAL"), grpc.StatusCode.INTERNAL),
        (ApiError(501, "x", 12, "UNIMPLEMENTED"), grpc.StatusCode.UNIMPLEMENTED),
        (ApiError(401, "x", 0, "UNAUTHENTICATED"), grpc.StatusCode.UNAUTHENTICATED),
        (ApiError(429, "x", 99, "RESOURCE_EXHAUSTED"), grpc.StatusCode.RESOURCE_EXHAUSTED),
    ],
)
def test_an_api_error_keeps_its_grpc_code_else_its_http_status_decides(
    error: ApiError, expected: object
) -> None:
    assert status_of(error) is expected


def body(rest: requests.RestRequest) -> dict:
    return orjson.loads(rest.body)


def test_proto3_defaults_are_left_out_like_absent_json_fields() -> None:
    assert body(requests.query(pb.QueryRequest())) == {}
    assert body(requests.update(pb.UpdateRequest())) == {}
    assert body(requests.delete(pb.DeleteRequest())) == {}
    assert requests.list_ids(pb.ListRequest()).params == []


def test_fields_with_presence_are_sent_when_set_even_if_empty() -> None:
    assert body(requests.delete(pb.DeleteRequest(filter=Struct()))) == {"filter": {}}
    assert requests.list_ids(pb.ListRequest(limit=0, prefix="")).params == [
        ("prefix", ""),
        ("limit", "0"),
    ]
    fbm = body(requests.fetch_by_metadata(pb.FetchByMetadataRequest(limit=0)))
    assert fbm == {"limit": 0}
    assert body(requests.update(pb.UpdateRequest(dry_run=False))) == {"dryRun": False}


def test_float32_values_reach_the_handler_exactly() -> None:
    values = [0.1, 1 / 3, 3.4e38, -1e-30]
    request = pb.UpsertRequest(vectors=[pb.Vector(id="v", values=values)], namespace="n")
    rest = requests.upsert(request)
    assert rest.decoded is not None
    decoded_body, matrix = rest.decoded
    assert decoded_body == {"vectors": [{"id": "v"}], "namespace": "n"}
    assert matrix.dtype == np.float32 and matrix.tolist() == [list(request.vectors[0].values)]
    sent = body(requests.with_values(rest))["vectors"][0]["values"]
    # The shortest text of each float32, as a REST client sending these numbers would write.
    assert np.array(sent, dtype=np.float32).tobytes() == matrix[0].tobytes()
    assert sent[0] == 0.1


def test_vectors_of_different_lengths_go_through_json_for_the_handler_to_judge() -> None:
    request = pb.UpsertRequest(
        vectors=[pb.Vector(id="a", values=[1.0, 2.0]), pb.Vector(id="b", values=[1.0])]
    )
    rest = requests.upsert(request)
    assert rest.decoded is None
    assert [len(v["values"]) for v in body(rest)["vectors"]] == [2, 1]


def test_metadata_numbers_must_be_finite() -> None:
    metadata = Struct()
    metadata.update({"x": float("nan")})
    with pytest.raises(ApiError) as raised:
        requests.upsert(pb.UpsertRequest(vectors=[pb.Vector(id="a", metadata=metadata)]))
    assert raised.value.http_status == 400


def test_the_deprecated_queries_field_is_passed_on_for_the_handler_to_refuse() -> None:
    request = pb.QueryRequest(top_k=1, queries=[pb.QueryVector(values=[1.0])])
    assert "queries" in body(requests.query(request))


def test_a_decoded_upsert_carries_sparse_values_as_json_would() -> None:
    sparse = pb.SparseValues(indices=[3, 9], values=[0.5, 0.25])
    request = pb.UpsertRequest(vectors=[pb.Vector(id="h", values=[1.0, 2.0], sparse_values=sparse)])
    rest = requests.upsert(request)
    assert rest.decoded is not None
    assert rest.decoded[0]["vectors"][0]["sparseValues"] == {
        "indices": [3, 9],
        "values": [0.5, 0.25],
    }


def test_whole_metadata_numbers_read_back_as_integers() -> None:
    """Struct numbers are doubles: a whole one is the integer a JSON writer would have sent."""
    meta = Struct()
    meta.update({"year": 2020, "ratio": 0.5, "huge": 2.0**60, "nested": [3, 1.5]})
    assert requests._struct(meta) == {
        "year": 2020, "ratio": 0.5, "huge": 2.0**60, "nested": [3, 1.5]
    }  # fmt: skip
    assert type(requests._struct(meta)["year"]) is int
    assert type(requests._struct(meta)["huge"]) is float
