"""The gRPC data-plane client: REST requests become VectorService calls and replies come back as
the REST JSON, statuses by the documented mapping, the key masked, no answer a transport error.
Driven against a small in-process VectorService that records what it received."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import httpx
import pytest

grpc = pytest.importorskip("grpc")

from google.protobuf import struct_pb2  # noqa: E402

from conformance.redact import MASK  # noqa: E402
from conformance.target.client import ResponseTooLarge  # noqa: E402
from conformance.target.grpc import NotExpressible, missing_reason  # noqa: E402
from conformance.target.grpc.client import (  # noqa: E402
    GrpcDataPlaneClient,
    GrpcTransportError,
    parse_target,
)
from conformance.target.grpc.status import http_status  # noqa: E402
from conformance.target.stall import StallWatch, TargetStalled  # noqa: E402
from pinecone_messages import load  # noqa: E402

pb, services = load()
KEY = "grpc-secret-key-123"


class Recording(services.VectorServiceServicer):  # type: ignore[name-defined]
    """Answers each call with a fixed reply and keeps the requests and their metadata."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, str]]] = []

    def _note(self, name: str, request: Any, context: Any) -> None:
        metadata = dict(context.invocation_metadata())
        self.calls.append((name, request, metadata))
        if metadata.get("api-key") != KEY:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "Unauthorized")

    def Upsert(self, request, context):
        self._note("Upsert", request, context)
        return pb.UpsertResponse(upserted_count=len(request.vectors))

    def Query(self, request, context):
        self._note("Query", request, context)
        return pb.QueryResponse(matches=[pb.ScoredVector(id="a", score=0.0)], namespace="")

    def Fetch(self, request, context):
        self._note("Fetch", request, context)
        if request.namespace == "missing":
            context.abort(grpc.StatusCode.NOT_FOUND, "Namespace not found")
        metadata = struct_pb2.Struct()
        metadata.update({"n": 1, "f": 1.5, "tags": [2, "x"]})
        vectors = {i: pb.Vector(id=i, metadata=metadata) for i in request.ids}
        return pb.FetchResponse(vectors=vectors, namespace=request.namespace)

    def Delete(self, request, context):
        self._note("Delete", request, context)
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad request")

    def DescribeNamespace(self, request, context):
        self._note("DescribeNamespace", request, context)
        return pb.NamespaceDescription(name=request.namespace, record_count=5)

    def DescribeIndexStats(self, request, context):
        self._note("DescribeIndexStats", request, context)
        time.sleep(1.0)  # longer than the deadline the test gives
        return pb.DescribeIndexStatsResponse()

    def List(self, request, context):
        self._note("List", request, context)
        return pb.ListResponse(vectors=[pb.ListItem(id="x" * 5000)] * 50)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Recording]]:
    recording = Recording()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    services.add_VectorServiceServicer_to_server(recording, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", recording
    server.stop(None)


@pytest.fixture
def client(served: tuple[str, Recording]) -> Iterator[GrpcDataPlaneClient]:
    with GrpcDataPlaneClient(served[0], KEY, "2025-10", timeout=5) as c:
        yield c


def last_call(served: tuple[str, Recording]) -> tuple[str, Any, dict[str, str]]:
    return served[1].calls[-1]


def test_upsert_body_becomes_the_message_and_the_reply_rest_json(client, served):
    vectors = [
        {"id": "a", "values": [0.5, 1], "metadata": {"g": "x", "n": 2}},
        {"id": "b", "values": [1, 0], "sparseValues": {"indices": [3], "values": [0.25]}},
    ]
    response = client.upsert(vectors, namespace="ns")
    assert (response.status, response.json) == (200, {"upsertedCount": 2})
    name, request, metadata = last_call(served)
    assert name == "Upsert" and request.namespace == "ns"
    assert list(request.vectors[0].values) == [0.5, 1.0]
    assert request.vectors[0].metadata["g"] == "x"
    assert list(request.vectors[1].sparse_values.indices) == [3]
    assert metadata["x-pinecone-api-version"] == "2025-10"


def test_snake_case_fields_are_accepted_like_the_rest_gateway(client, served):
    client.query(top_k=3, include_values=True, vector=[0.1, 0.2])
    request = last_call(served)[1]
    assert request.top_k == 3 and request.include_values is True


def test_query_reply_keeps_rest_presence(client):
    body = client.query(topK=1, vector=[0.1, 0.2]).json
    assert body["namespace"] == "" and body["results"] == []
    assert body["matches"] == [{"id": "a", "score": 0.0, "values": []}]  # no metadata: unset


def test_fetch_parameters_and_integral_metadata(client, served):
    response = client.request(
        "GET", "/vectors/fetch", params=[("ids", "a"), ("ids", "b"), ("namespace", "ns")]
    )
    request = last_call(served)[1]
    assert list(request.ids) == ["a", "b"] and request.namespace == "ns"
    vector = response.json["vectors"]["a"]
    assert vector["metadata"] == {"n": 1, "f": 1.5, "tags": [2, "x"]}
    assert isinstance(vector["metadata"]["n"], int) and vector["values"] == []


def test_namespace_api_replies_keep_proto_names_and_64_bit_strings(client, served):
    response = client.describe_namespace("a/b c")
    assert last_call(served)[1].namespace == "a/b c"
    assert response.json == {"name": "a/b c", "record_count": "5"}


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        (lambda c: c.delete(ids=["a"]), 400, 3),
        (lambda c: c.fetch(["a"], namespace="missing"), 404, 5),
        (
            lambda c: c.request(
                "POST",
                "/vectors/upsert",
                json={"vectors": [{"id": "a"}]},
                headers={"Api-Key": None},
            ),
            401,
            16,
        ),
    ],
    ids=["invalid-argument", "not-found", "unauthenticated"],
)
def test_error_codes_map_to_http_statuses_with_the_rpc_status_body(client, call, status, code):
    response = call(client)
    assert response.status == status
    assert response.json["code"] == code and response.json["details"] == []
    assert response.headers["grpc-status"] == str(code)


def test_mapping_table_follows_google_rpc_code():
    assert [http_status(c) for c in (0, 3, 5, 6, 7, 8, 9, 12, 13, 14, 16)] == [
        200, 400, 404, 409, 403, 429, 400, 501, 500, 503, 401
    ]  # fmt: skip


def test_wrong_key_travels_as_metadata(client, served):
    response = client.request(
        "POST", "/vectors/upsert", json={"vectors": [{"id": "a"}]}, headers={"Api-Key": "wrong"}
    )
    assert response.status == 401 and last_call(served)[2]["api-key"] == "wrong"


def test_non_finite_floats_reach_the_target(client, served):
    client.query(topK=1, vector=[math.nan, math.inf])
    values = list(last_call(served)[1].vector)
    assert math.isnan(values[0]) and values[1] == math.inf


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("POST", "/query", {"json": {"topK": 1, "unknownField": 1}}),
        ("POST", "/query", {"json": {"topK": "3"}}),
        ("POST", "/query", {"json": {"topK": 1.5}}),
        ("POST", "/query", {"json": {"topK": -1}}),
        ("POST", "/query", {"json": {"topK": 1, "includeValues": "yes"}}),
        ("POST", "/vectors/upsert", {"json": [1, 2]}),
        ("POST", "/vectors/upsert", {"json": {"vectors": [{"id": "a", "metadata": "x"}]}}),
        ("POST", "/vectors/upsert", {"content": b"{not json"}),
        ("POST", "/query", {"json": {"topK": 1}, "params": {"namespace": "x"}}),
        ("GET", "/vectors/list", {"params": {"limit": "abc"}}),
        ("GET", "/vectors/list", {"params": {"color": "red"}}),
        ("POST", "/records/namespaces/ns/search", {"json": {}}),
        ("PUT", "/vectors/upsert", {"json": {"vectors": []}}),
        ("POST", "/query", {"json": {"topK": 1}, "headers": {"Content-Type": "text/plain"}}),
    ],
)
def test_requests_without_a_grpc_form_are_not_expressible(client, served, method, path, kwargs):
    sent = len(served[1].calls)
    with pytest.raises(NotExpressible, match="not expressible over gRPC"):
        client.request(method, path, **kwargs)
    assert len(served[1].calls) == sent  # nothing reached the target


def test_transcript_masks_the_key_and_names_the_rpc(client):
    body = {"vectors": [{"id": "a"}]}
    client.request("POST", "/vectors/upsert", json=body, headers={"Api-Key": KEY})
    text = client.render_transcript()
    assert KEY not in text and MASK in text
    assert "/VectorService/Upsert" in text and "REST POST /vectors/upsert" in text
    assert client.transcript[-1].sent == body


def test_no_answer_is_a_transport_error():
    unreachable = GrpcDataPlaneClient("127.0.0.1:9", KEY, timeout=2)
    with unreachable, pytest.raises(httpx.TransportError) as caught:
        unreachable.describe_index_stats()
    assert isinstance(caught.value, GrpcTransportError)
    assert unreachable.transcript[-1].error is not None


def test_a_reply_over_the_cap_is_not_read(served):
    small = GrpcDataPlaneClient(served[0], KEY, timeout=5, max_response_bytes=10_000)
    with small, pytest.raises(ResponseTooLarge):
        small.list_ids()


def test_targets_with_and_without_tls():
    assert parse_target("127.0.0.1:5091") == ("127.0.0.1:5091", False)
    assert parse_target("http://localhost:5081") == ("localhost:5081", False)
    assert parse_target("https://idx-abc.svc.pinecone.io") == ("idx-abc.svc.pinecone.io:443", True)


def test_missing_extra_names_the_install_command(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "grpc", None)
    reason = missing_reason()
    assert reason is not None and "pip install 'pinecone-conformance[grpc]'" in reason


def test_httpx_transport_sends_expressible_requests_over_grpc(served):
    """Through `grpc_http`, a REST request to the index is a gRPC call; a raw body, which has no
    gRPC form, goes to the REST fallback instead."""
    from conformance.target.grpc.transport import GrpcTransport, grpc_http

    over_rest: list[str] = []

    def rest(request: httpx.Request) -> httpx.Response:
        over_rest.append(request.url.path)
        return httpx.Response(400, json={"code": 3, "message": "bad json", "details": []})

    base = "http://127.0.0.1:5081/prefix"
    fallback = httpx.Client(transport=httpx.MockTransport(rest))
    with grpc_http({base: served[0]}, fallback, timeout=5) as http:
        auth = {"Api-Key": KEY, "X-Pinecone-Api-Version": "2025-10"}
        reply = http.post(f"{base}/vectors/upsert", json={"vectors": [{"id": "a"}]}, headers=auth)
        fetched = http.get(f"{base}/vectors/fetch", params={"ids": "a b"}, headers=auth)
        raw = http.post(f"{base}/query", content=b"{not json", headers=auth)
        transport = http._transport
        assert isinstance(transport, GrpcTransport)
    assert reply.status_code == 200 and reply.json() == {"upsertedCount": 1}
    assert "a b" in fetched.json()["vectors"]
    assert raw.status_code == 400 and over_rest == ["/prefix/query"]
    assert (transport.calls, transport.fallbacks) == (2, 1)


def test_an_empty_list_is_not_expressible(client):
    """proto3 repeated fields have no presence: `values: []` reads as no values at all, which the
    REST wire tells apart (an update to no values is a dimension error, not a no-op)."""
    with pytest.raises(NotExpressible, match="empty list"):
        client.update(id="a", values=[])


def test_a_call_past_its_deadline_is_a_transport_error(served):
    slow = GrpcDataPlaneClient(served[0], KEY, timeout=0.2)
    with slow, pytest.raises(GrpcTransportError, match="DEADLINE_EXCEEDED"):
        slow.describe_index_stats()


def test_calls_without_answer_declare_the_stall(tmp_path):
    """The stall watch counts gRPC calls that got no answer like HTTP requests; once declared,
    no further call is sent."""
    watch = StallWatch(tmp_path, threshold=2)
    gone = GrpcDataPlaneClient("127.0.0.1:9", KEY, timeout=2, watch=watch)
    with gone:
        for _ in range(2):
            with pytest.raises(GrpcTransportError):
                gone.describe_index_stats()
        with pytest.raises(TargetStalled):
            gone.describe_index_stats()
    assert watch.message() is not None


def test_a_grpc_run_without_the_extra_is_a_usage_error(monkeypatch):
    from conformance.config import TargetConfig
    from conformance.outcomes import ExitCode
    from conformance.target import session

    monkeypatch.setattr(session, "grpc_missing_reason", lambda: "install the grpc extra")
    started = session.start_session(TargetConfig(api_key="k", transport="grpc"), None, "m")
    assert isinstance(started, session.StartFailure)
    assert started.code == ExitCode.USAGE and "grpc extra" in started.message


def test_grpc_addresses_of_foreign_indexes():
    """--grpc-target HOST:PORT is the --target index's, URL=ADDRESS the index at that URL's; any
    other index serves gRPC on its own host."""
    from conformance.config import ConfigError, resolve
    from conformance.target.indexes import IndexInfo
    from conformance.target.session import SuiteSession

    cli = {
        "target": "http://127.0.0.1:5081",
        "sparse_target": "http://127.0.0.1:5082",
        "transport": "grpc",
        "grpc_target": ["127.0.0.1:6081", "http://127.0.0.1:5082=127.0.0.1:6082"],
    }
    suite = SuiteSession(resolve(cli, {}))
    try:
        address = {
            port: suite.grpc_address(IndexInfo("i", f"http://127.0.0.1:{port}", 8, "cosine"))
            for port in (5081, 5082, 5083)
        }
    finally:
        suite.close()
    assert address == {
        5081: "127.0.0.1:6081",
        5082: "127.0.0.1:6082",
        5083: "http://127.0.0.1:5083",
    }
    with pytest.raises(ConfigError, match="applies only to --transport grpc"):
        resolve({**cli, "transport": "rest"}, {})
    with pytest.raises(ConfigError, match="is not"):
        resolve({**cli, "grpc_target": ["not an address"]}, {})


@pytest.mark.parametrize(
    ("rpc", "body"),
    [
        ("UPSERT", {"vectors": [{"id": "a", "values": [1, 0.5], "metadata": {"n": 1, "z": None}}]}),
        ("UPSERT", {"vectors": [{"id": "s", "sparseValues": {"indices": [3], "values": [0.5]}}]}),
        ("QUERY", {"topK": 3.0, "id": "a", "filter": {"g": {"$in": ["x", 2]}}, "scanFactor": 1}),
        ("UPDATE", {"id": "a", "setMetadata": {}, "filter": {}, "dryRun": False}),
        ("CREATE_NAMESPACE", {"name": "n", "schema": {"fields": {"g": {"filterable": True}}}}),
    ],
)
def test_messages_are_what_the_json_parser_makes(rpc, body):
    """Built field by field, a request is the message protobuf's JSON parser makes of the same
    body, empty objects present."""
    from google.protobuf import json_format

    from conformance.target.grpc import bindings, convert

    binding = getattr(bindings, rpc)
    message_type = getattr(pb, binding.request)
    built = convert.request_message(binding, message_type, body, [], {})
    assert built == json_format.ParseDict(body, message_type())
