"""The reference server's gRPC data plane, driven over the wire with the project's own messages.

A real `python -m reference_server` serves REST and gRPC for each index; the tests prove the two
wire forms share records and rules (a write on one is read on the other, the same request is
refused by both), that errors keep their gRPC code, and that the `api-key` and API-version
metadata are read like the REST headers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("grpc", reason="the grpc extra is not installed")

import grpc
from google.protobuf.struct_pb2 import Struct

from conformance.target.launcher import RunningServer, launch_reference_server
from pinecone_messages import db_data_2025_10_pb2 as pb
from pinecone_messages import db_data_2025_10_pb2_grpc as pb_grpc

KEY = "grpc-test-key"
TIMEOUT = 10.0
DENSE, SPARSE = "gdense", "gsparse"
AUTH = (("api-key", KEY),)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    indexes = [f"{DENSE}:4:cosine", f"{SPARSE}:0:dotproduct:sparse"]
    with launch_reference_server(indexes, KEY, timeout=30.0) as running:
        yield running


@pytest.fixture(scope="module")
def stubs(server: RunningServer) -> Iterator[dict[str, Any]]:
    channels = {name: grpc.insecure_channel(address) for name, address in server.grpc_urls.items()}
    yield {name: pb_grpc.VectorServiceStub(channel) for name, channel in channels.items()}
    for channel in channels.values():
        channel.close()


@pytest.fixture()
def rest(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.index_urls[DENSE], headers={"Api-Key": KEY}, timeout=TIMEOUT
    ) as client:
        yield client


def struct(value: dict[str, Any]) -> Struct:
    out = Struct()
    out.update(value)
    return out


def code_of(call: Any, *args: Any, **kwargs: Any) -> tuple[grpc.StatusCode, str]:
    """The status code and message a call ends with (it must fail)."""
    with pytest.raises(grpc.RpcError) as raised:
        call(*args, timeout=TIMEOUT, **kwargs)
    return raised.value.code(), raised.value.details()


def test_every_index_announces_a_grpc_address(server: RunningServer) -> None:
    assert set(server.grpc_urls) == {DENSE, SPARSE}
    for address in server.grpc_urls.values():
        host, port = address.rsplit(":", 1)
        assert host == "127.0.0.1" and port.isdigit()
    assert set(server.grpc_urls.values()).isdisjoint(server.index_urls.values())


def test_a_grpc_write_is_read_over_rest_and_back(stubs: dict, rest: httpx.Client) -> None:
    stub = stubs[DENSE]
    vectors = [
        pb.Vector(id="g1", values=[0.5, 0.25, 0.125, 1.0], metadata=struct({"genre": "drama"})),
        pb.Vector(id="g2", values=[1.0, 0.0, 0.0, 0.0]),
    ]
    reply = stub.Upsert(
        pb.UpsertRequest(vectors=vectors, namespace="cross"), metadata=AUTH, timeout=TIMEOUT
    )
    assert reply.upserted_count == 2
    fetched = rest.get("/vectors/fetch", params={"ids": ["g1", "g2"], "namespace": "cross"})
    assert fetched.status_code == 200, fetched.text
    records = fetched.json()["vectors"]
    assert records["g1"]["values"] == [0.5, 0.25, 0.125, 1.0]
    assert records["g1"]["metadata"] == {"genre": "drama"}

    written = rest.post(
        "/vectors/upsert",
        json={"vectors": [{"id": "r1", "values": [0, 1, 0, 0], "metadata": {"n": 3}}],
              "namespace": "cross"},
    )  # fmt: skip
    assert written.status_code == 200, written.text
    got = stub.Fetch(
        pb.FetchRequest(ids=["r1", "absent"], namespace="cross"), metadata=AUTH, timeout=TIMEOUT
    )
    assert set(got.vectors) == {"r1"}
    assert list(got.vectors["r1"].values) == [0.0, 1.0, 0.0, 0.0]
    assert got.vectors["r1"].metadata["n"] == 3
    assert got.namespace == "cross"


def test_query_with_a_filter_answers_as_rest_does(stubs: dict, rest: httpx.Client) -> None:
    rest.post(
        "/vectors/upsert",
        json={"namespace": "q", "vectors": [
            {"id": "a", "values": [1, 0, 0, 0], "metadata": {"kind": "x"}},
            {"id": "b", "values": [0.9, 0.1, 0, 0], "metadata": {"kind": "y"}},
            {"id": "c", "values": [0, 1, 0, 0], "metadata": {"kind": "x"}},
        ]},
    ).raise_for_status()  # fmt: skip
    flt = {"kind": {"$eq": "x"}}
    over_rest = rest.post(
        "/query",
        json={"namespace": "q", "topK": 3, "vector": [1, 0, 0, 0], "filter": flt,
              "includeMetadata": True},
    ).json()  # fmt: skip
    over_grpc = stubs[DENSE].Query(
        pb.QueryRequest(
            namespace="q", top_k=3, vector=[1, 0, 0, 0], filter=struct(flt), include_metadata=True
        ),
        metadata=AUTH,
        timeout=TIMEOUT,
    )
    assert (
        [m.id for m in over_grpc.matches] == [m["id"] for m in over_rest["matches"]] == ["a", "c"]
    )
    assert [m.score for m in over_grpc.matches] == pytest.approx(
        [m["score"] for m in over_rest["matches"]]
    )
    assert over_grpc.matches[0].metadata["kind"] == "x"
    assert over_grpc.usage.read_units == over_rest["usage"]["readUnits"]


def test_the_same_bad_request_is_refused_with_the_same_code_and_message(
    stubs: dict, rest: httpx.Client
) -> None:
    body = rest.post("/query", json={"topK": 1, "vector": [1.0]})
    assert body.status_code == 400
    code, message = code_of(
        stubs[DENSE].Query, pb.QueryRequest(top_k=1, vector=[1.0]), metadata=AUTH
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert code.value[0] == body.json()["code"]
    assert message == body.json()["message"]


@pytest.mark.parametrize(
    ("rpc", "request_", "expected"),
    [
        ("Fetch", pb.FetchRequest(), grpc.StatusCode.INVALID_ARGUMENT),
        ("Upsert", pb.UpsertRequest(), grpc.StatusCode.INVALID_ARGUMENT),
        (
            "Upsert",
            pb.UpsertRequest(vectors=[pb.Vector(id="z", values=[0, 0, 0, 0])]),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            "Upsert",
            pb.UpsertRequest(vectors=[pb.Vector(id="n", values=[1, float("nan"), 0, 0])]),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            "Upsert",
            pb.UpsertRequest(vectors=[pb.Vector(id="d", values=[1, 2, 3])]),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        ("Query", pb.QueryRequest(vector=[1, 0, 0, 0]), grpc.StatusCode.INVALID_ARGUMENT),
        ("Delete", pb.DeleteRequest(), grpc.StatusCode.INVALID_ARGUMENT),
        ("Delete", pb.DeleteRequest(filter=Struct()), grpc.StatusCode.INVALID_ARGUMENT),
        ("List", pb.ListRequest(limit=0), grpc.StatusCode.INVALID_ARGUMENT),
        ("Update", pb.UpdateRequest(id="x", values=[1, 2]), grpc.StatusCode.INVALID_ARGUMENT),
        (
            "DescribeNamespace",
            pb.DescribeNamespaceRequest(namespace="never-written"),
            grpc.StatusCode.NOT_FOUND,
        ),
    ],
)
def test_refusals_keep_their_grpc_code(
    stubs: dict, rpc: str, request_: Any, expected: grpc.StatusCode
) -> None:
    code, message = code_of(getattr(stubs[DENSE], rpc), request_, metadata=AUTH)
    assert code is expected
    assert message


def test_a_request_over_the_body_limit_is_resource_exhausted(stubs: dict) -> None:
    big = [pb.Vector(id=f"v{i}", values=[0.5] * 4, metadata=struct({"t": "x" * 4000}))
           for i in range(600)]  # fmt: skip
    with pytest.raises(grpc.RpcError) as raised:
        stubs[DENSE].Upsert(pb.UpsertRequest(vectors=big), metadata=AUTH, timeout=TIMEOUT)
    assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "exceeds the limit of 2097152 bytes" in raised.value.details()
    # deterministic: the gRPC convention that tells a retrying client not to retry
    assert ("grpc-retry-pushback-ms", "-1") in raised.value.trailing_metadata()


@pytest.mark.parametrize(
    "metadata",
    [(), (("api-key", "wrong"),), (("api-key", KEY), ("api-key", KEY))],
    ids=["missing", "wrong", "repeated"],
)
def test_calls_without_the_right_key_are_unauthenticated(stubs: dict, metadata: tuple) -> None:
    code, _ = code_of(
        stubs[DENSE].DescribeIndexStats, pb.DescribeIndexStatsRequest(), metadata=metadata
    )
    assert code is grpc.StatusCode.UNAUTHENTICATED


def test_the_api_version_metadata_gates_newer_methods(stubs: dict) -> None:
    old = (*AUTH, ("x-pinecone-api-version", "2025-01"))
    code, _ = code_of(stubs[DENSE].ListNamespaces, pb.ListNamespacesRequest(), metadata=old)
    assert code is grpc.StatusCode.UNIMPLEMENTED
    current = (*AUTH, ("x-pinecone-api-version", "2025-10"))
    listed = stubs[DENSE].ListNamespaces(
        pb.ListNamespacesRequest(), metadata=current, timeout=TIMEOUT
    )
    assert listed.total_count >= 0


def test_namespaces_and_stats_over_grpc(stubs: dict) -> None:
    stub = stubs[SPARSE]
    sparse = pb.SparseValues(indices=[1, 7], values=[0.5, 0.25])
    stub.Upsert(
        pb.UpsertRequest(vectors=[pb.Vector(id="s", sparse_values=sparse)], namespace="one"),
        metadata=AUTH,
        timeout=TIMEOUT,
    )
    created = stub.CreateNamespace(
        pb.CreateNamespaceRequest(name="two"), metadata=AUTH, timeout=TIMEOUT
    )
    assert created.name == "two"
    described = stub.DescribeNamespace(
        pb.DescribeNamespaceRequest(namespace="one"), metadata=AUTH, timeout=TIMEOUT
    )
    assert (described.name, described.record_count) == ("one", 1)
    stats = stub.DescribeIndexStats(pb.DescribeIndexStatsRequest(), metadata=AUTH, timeout=TIMEOUT)
    assert stats.namespaces["one"].vector_count == 1
    assert stats.vector_type == "sparse" and not stats.HasField("dimension")
    listed = stub.List(pb.ListRequest(namespace="one"), metadata=AUTH, timeout=TIMEOUT)
    assert [item.id for item in listed.vectors] == ["s"]
    stub.DeleteNamespace(pb.DeleteNamespaceRequest(namespace="one"), metadata=AUTH, timeout=TIMEOUT)
    code, _ = code_of(
        stub.DescribeNamespace, pb.DescribeNamespaceRequest(namespace="one"), metadata=AUTH
    )
    assert code is grpc.StatusCode.NOT_FOUND


def test_update_and_delete_by_id_and_filter(stubs: dict, rest: httpx.Client) -> None:
    stub = stubs[DENSE]
    rest.post(
        "/vectors/upsert",
        json={"namespace": "w", "vectors": [
            {"id": "u1", "values": [1, 0, 0, 0], "metadata": {"k": "a"}},
            {"id": "u2", "values": [0, 1, 0, 0], "metadata": {"k": "b"}},
        ]},
    ).raise_for_status()  # fmt: skip
    stub.Update(
        pb.UpdateRequest(id="u1", values=[0, 0, 1, 0], namespace="w"),
        metadata=AUTH,
        timeout=TIMEOUT,
    )
    dry = stub.Update(
        pb.UpdateRequest(
            namespace="w", filter=struct({"k": "b"}), set_metadata=struct({"m": 1}), dry_run=True
        ),
        metadata=AUTH,
        timeout=TIMEOUT,
    )
    assert dry.matched_records == 1
    stub.Delete(
        pb.DeleteRequest(namespace="w", filter=struct({"k": "b"})), metadata=AUTH, timeout=TIMEOUT
    )
    records = rest.get("/vectors/fetch", params={"ids": ["u1", "u2"], "namespace": "w"}).json()
    assert set(records["vectors"]) == {"u1"}
    assert records["vectors"]["u1"]["values"] == [0, 0, 1, 0]
    stub.Delete(pb.DeleteRequest(namespace="w", delete_all=True), metadata=AUTH, timeout=TIMEOUT)
    assert rest.post("/describe_index_stats", json={}).json()["namespaces"].get("w") is None


def test_an_index_created_later_serves_grpc_too(server: RunningServer) -> None:
    created = httpx.post(
        f"{server.control_url}/indexes",
        headers={"Api-Key": KEY},
        json={"name": "glate", "dimension": 2, "spec": {"serverless": {}}},
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    try:
        address = _wait_for_address(server, "glate")
        with grpc.insecure_channel(address) as channel:
            stats = pb_grpc.VectorServiceStub(channel).DescribeIndexStats(
                pb.DescribeIndexStatsRequest(), metadata=AUTH, timeout=TIMEOUT
            )
        assert stats.dimension == 2
    finally:
        httpx.delete(
            f"{server.control_url}/indexes/glate", headers={"Api-Key": KEY}, timeout=TIMEOUT
        )
    with grpc.insecure_channel(address) as channel:  # deleting the index closed its listener
        code, _ = code_of(
            pb_grpc.VectorServiceStub(channel).DescribeIndexStats,
            pb.DescribeIndexStatsRequest(),
            metadata=AUTH,
        )
    assert code is grpc.StatusCode.UNAVAILABLE


def _wait_for_address(server: RunningServer, name: str) -> str:
    """The gRPC address the server announced for `name` (announced before the 201 is sent)."""
    deadline = time.monotonic() + TIMEOUT
    while name not in server.grpc_urls and time.monotonic() < deadline:
        time.sleep(0.02)
    assert name in server.grpc_urls, server.output()
    return server.grpc_urls[name]


def test_no_grpc_serves_rest_only() -> None:
    with launch_reference_server([f"{DENSE}:4:cosine"], KEY, extra_args=["--no-grpc"]) as running:
        assert running.grpc_urls == {}
        assert "grpc" not in running.output()
