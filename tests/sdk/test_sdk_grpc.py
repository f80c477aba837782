"""Vector operations through the official SDK's gRPC client (`pc.index(..., grpc=True)` and the
legacy `PineconeGRPC`), against the reference server's gRPC listeners.

The server here counts the calls it receives: each gRPC call it serves prints
`grpc call N /VectorService/METHOD` with a running number, so a test proves that one SDK call was
one call on the wire (no retry, no hidden extra request). Warnings fail the tests of this
directory. Needs pinecone 9 or 10 (their gRPC transport is built in; 9's reaches a plaintext
server through `GrpcIndex(secure=False)` only) and the grpc extra on the server.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pinecone import Pinecone

from conformance.target.launcher import RunningServer, launch_reference_server
from tests.sdk.sdk_support import KEY, SDK_MAJOR

if SDK_MAJOR < 9:
    pytest.skip("the built-in gRPC transport arrived with pinecone 9", allow_module_level=True)
pytest.importorskip("grpc", reason="the grpc extra is not installed: the server serves no gRPC")

DIMENSION = 8
DENSE, SPARSE = "gdense", "gsparse"
TIMEOUT = 10.0
# The reference server's own entry point, with a counting interceptor in front of each index.
COUNTING_SERVER = """
import itertools, sys, grpc
from reference_server.__main__ import main
from reference_server.grpc_service import GrpcService, default_grpc_service
calls = itertools.count(1)
class Count(grpc.aio.ServerInterceptor):
    async def intercept_service(self, continuation, details):
        print(f"grpc call {next(calls)} {details.method}", flush=True)
        return await continuation(details)
def factory(store, api_key):
    service = default_grpc_service(store, api_key)
    return GrpcService(service.servicer, [Count(), *service.interceptors])
sys.exit(main(sys.argv[1:], grpc_factory=factory))
"""
_CALL = re.compile(r"^grpc call (\d+) (\S+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def grpc_server() -> Iterator[RunningServer]:
    indexes = [f"{DENSE}:{DIMENSION}:cosine", f"{SPARSE}:0:dotproduct:sparse"]
    command = [sys.executable, "-c", COUNTING_SERVER]
    with launch_reference_server(indexes, KEY, command=command, timeout=30.0) as running:
        if set(running.grpc_urls) != {DENSE, SPARSE}:
            pytest.skip(f"the server serves no gRPC here: {running.output()[-500:]}")
        yield running


class Calls:
    """The gRPC calls the server has printed (numbered, so a rotated output buffer loses none)."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server

    def last(self) -> tuple[int, list[str]]:
        found = _CALL.findall(self.server.output())
        return (int(found[-1][0]) if found else 0), [method for _, method in found]

    def methods_since(self, mark: int, expected: int) -> list[str]:
        """The methods of the calls after `mark`, once `expected` of them arrived (bounded)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            found = [(int(n), m) for n, m in _CALL.findall(self.server.output()) if int(n) > mark]
            if len(found) >= expected or time.monotonic() > deadline:
                time.sleep(0.05)  # a late extra call (a retry) shows up too
                found = [
                    (int(n), m) for n, m in _CALL.findall(self.server.output()) if int(n) > mark
                ]
                return [m.rsplit("/", 1)[-1] for _, m in sorted(found)]
            time.sleep(0.01)


@pytest.fixture(scope="module")
def calls(grpc_server: RunningServer) -> Calls:
    return Calls(grpc_server)


@pytest.fixture(scope="module")
def client(grpc_server: RunningServer) -> Iterator[Pinecone]:
    scheme = {"grpc_scheme": "http"} if SDK_MAJOR >= 10 else {}
    pc = Pinecone(api_key=KEY, host=grpc_server.control_url, **scheme)
    yield pc
    pc.close()


def grpc_index(client: Pinecone, host: str) -> Any:
    """The SDK's gRPC index over plaintext: 10.x takes the scheme from the client, 9.x from
    the index's own `secure` flag."""
    if SDK_MAJOR < 10:
        from pinecone.grpc import GrpcIndex

        return GrpcIndex(host=host, api_key=KEY, secure=False)
    return client.index(host=host, grpc=True)


@pytest.fixture(scope="module")
def dense(client: Pinecone, grpc_server: RunningServer) -> Iterator[Any]:
    index = grpc_index(client, grpc_server.grpc_urls[DENSE])
    yield index
    index.close()


@pytest.fixture(scope="module")
def sparse(client: Pinecone, grpc_server: RunningServer) -> Iterator[Any]:
    index = grpc_index(client, grpc_server.grpc_urls[SPARSE])
    yield index
    index.close()


def unit(i: int) -> list[float]:
    values = [0.0] * DIMENSION
    values[i % DIMENSION] = 1.0
    return values


def one_call(calls: Calls, method: str, action: Any) -> Any:
    """Run `action`; the server must have seen exactly one call, of `method`."""
    mark, _ = calls.last()
    result = action()
    assert calls.methods_since(mark, 1) == [method]
    return result


def test_upsert_fetch_and_query_with_a_filter(dense: Any, calls: Calls) -> None:
    ns = "basics"
    vectors = [(f"v{i}", unit(i), {"genre": "a" if i % 2 == 0 else "b"}) for i in range(6)]
    upserted = one_call(
        calls, "Upsert", lambda: dense.upsert(vectors=vectors, namespace=ns, show_progress=False)
    )
    assert upserted.upserted_count == 6
    fetched = one_call(calls, "Fetch", lambda: dense.fetch(ids=["v0", "v1", "zz"], namespace=ns))
    assert set(fetched.vectors) == {"v0", "v1"}
    assert list(fetched.vectors["v1"].values) == unit(1)
    assert fetched.vectors["v1"].metadata == {"genre": "b"}
    result = one_call(
        calls,
        "Query",
        lambda: dense.query(
            top_k=3, vector=unit(2), namespace=ns, filter={"genre": {"$eq": "a"}},
            include_metadata=True,
        ),
    )  # fmt: skip
    assert result.matches[0].id == "v2"
    assert {m.id for m in result.matches} <= {"v0", "v2", "v4"}
    assert result.matches[0].score == pytest.approx(1.0)
    assert result.matches[0].metadata == {"genre": "a"}
    by_id = one_call(calls, "Query", lambda: dense.query(top_k=1, id="v3", namespace=ns))
    assert [m.id for m in by_id.matches] == ["v3"]


def test_update_and_delete(dense: Any, calls: Calls) -> None:
    ns = "changes"
    dense.upsert(
        vectors=[("u1", unit(0), {"k": "x"}), ("u2", unit(1), {"k": "y"}), ("u3", unit(2))],
        namespace=ns,
        show_progress=False,
    )
    one_call(calls, "Update", lambda: dense.update(id="u1", values=unit(5), namespace=ns))
    one_call(
        calls,
        "Update",
        lambda: dense.update(id="u2", set_metadata={"k": "z", "n": 2}, namespace=ns),
    )
    fetched = dense.fetch(ids=["u1", "u2"], namespace=ns).vectors
    assert list(fetched["u1"].values) == unit(5)
    assert fetched["u2"].metadata == {"k": "z", "n": 2}
    dry = one_call(
        calls,
        "Update",
        lambda: dense.update(filter={"k": "z"}, set_metadata={"m": 1}, dry_run=True, namespace=ns),
    )
    assert dry.matched_records == 1
    one_call(calls, "Delete", lambda: dense.delete(ids=["u3"], namespace=ns))
    one_call(calls, "Delete", lambda: dense.delete(filter={"k": "x"}, namespace=ns))
    assert set(dense.fetch(ids=["u1", "u2", "u3"], namespace=ns).vectors) == {"u2"}
    one_call(calls, "Delete", lambda: dense.delete(delete_all=True, namespace=ns))
    assert dense.fetch(ids=["u2"], namespace=ns).vectors == {}


def test_stats_list_and_namespaces(dense: Any, calls: Calls) -> None:
    ns = "listing"
    dense.upsert(
        vectors=[(f"item-{i:02}", unit(i)) for i in range(5)], namespace=ns, show_progress=False
    )
    stats = one_call(calls, "DescribeIndexStats", lambda: dense.describe_index_stats())
    assert stats.dimension == DIMENSION
    assert stats.namespaces[ns].vector_count == 5
    page = one_call(
        calls, "List", lambda: dense.list_paginated(prefix="item-", limit=3, namespace=ns)
    )
    assert [v.id for v in page.vectors] == ["item-00", "item-01", "item-02"]
    assert page.pagination is not None and page.pagination.next
    walked = [v.id for p in dense.list(prefix="item-", limit=2, namespace=ns) for v in p.vectors]
    assert walked == [f"item-{i:02}" for i in range(5)]
    created = one_call(calls, "CreateNamespace", lambda: dense.create_namespace(name="made"))
    assert created.name == "made"
    described = one_call(calls, "DescribeNamespace", lambda: dense.describe_namespace(namespace=ns))
    assert int(described.record_count) == 5
    names = one_call(calls, "ListNamespaces", lambda: dense.list_namespaces_paginated())
    assert {"made", ns} <= {n.name for n in names.namespaces}
    one_call(calls, "DeleteNamespace", lambda: dense.delete_namespace(namespace="made"))
    if SDK_MAJOR >= 10:  # pinecone 9's gRPC index sends fetch_by_metadata over REST
        found = dense.fetch_by_metadata(filter={"missing": {"$eq": 1}}, namespace=ns)
        assert found.vectors == {}


def test_sparse_index_upsert_and_query(sparse: Any, calls: Calls) -> None:
    ns = "sparse"
    vectors = [
        {"id": "s1", "sparse_values": {"indices": [1, 5], "values": [0.5, 0.5]}},
        {"id": "s2", "sparse_values": {"indices": [2], "values": [1.0]}},
    ]
    one_call(
        calls, "Upsert", lambda: sparse.upsert(vectors=vectors, namespace=ns, show_progress=False)
    )
    result = one_call(
        calls,
        "Query",
        lambda: sparse.query(
            top_k=2, sparse_vector={"indices": [5], "values": [2.0]}, namespace=ns
        ),
    )
    assert [m.id for m in result.matches] == ["s1"]
    assert result.matches[0].score == pytest.approx(1.0)


def test_a_refusal_is_one_call_and_names_the_problem(dense: Any, calls: Calls) -> None:
    from pinecone.errors import PineconeError

    mark, _ = calls.last()
    with pytest.raises(PineconeError) as raised:
        dense.query(top_k=1, vector=[1.0, 0.0], namespace="basics")
    assert "dimension" in str(raised.value).lower()
    assert calls.methods_since(mark, 1) == ["Query"]


@pytest.mark.skipif(SDK_MAJOR < 10, reason="pinecone 9 retries RESOURCE_EXHAUSTED whatever it says")
def test_an_upsert_past_the_size_limit_is_refused_once(dense: Any, calls: Calls) -> None:
    """RESOURCE_EXHAUSTED is retried as throttling unless the server says not to; it does."""
    from pinecone.errors import PineconeError

    rows = [(f"big-{i}", [float(i % 7) + 0.5] * DIMENSION, {"pad": "x" * 5000}) for i in range(500)]
    mark, _ = calls.last()
    with pytest.raises(PineconeError) as raised:
        dense.upsert(vectors=rows, namespace="big", show_progress=False)
    assert "RESOURCE_EXHAUSTED" in str(raised.value)
    assert calls.methods_since(mark, 1) == ["Upsert"]


@pytest.mark.skipif(SDK_MAJOR < 10, reason="pinecone 9's PineconeGRPC speaks TLS only")
def test_the_legacy_pinecone_grpc_client(grpc_server: RunningServer, calls: Calls) -> None:
    from pinecone.grpc import PineconeGRPC

    pc = PineconeGRPC(api_key=KEY, host=grpc_server.control_url, grpc_scheme="http")
    try:
        index = pc.Index(host=grpc_server.grpc_urls[DENSE])
        try:
            upserted = one_call(
                calls,
                "Upsert",
                lambda: index.upsert(vectors=[("legacy", unit(7))], namespace="legacy",
                                     show_progress=False),
            )  # fmt: skip
            assert upserted.upserted_count == 1
            assert set(index.fetch(ids=["legacy"], namespace="legacy").vectors) == {"legacy"}
        finally:
            index.close()
    finally:
        pc.close()
