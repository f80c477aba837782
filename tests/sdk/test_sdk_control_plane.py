"""Index management through the official SDK's control-plane client (9.x speaks the 2025-10
index shape, 10.x the 2026-07 one; the server's description carries both)."""

from __future__ import annotations

from typing import Any

import pytest
from pinecone import Pinecone, ServerlessSpec
from pinecone.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PineconeConnectionError,
    UnauthorizedError,
)

from conformance.target.launcher import RunningServer
from tests.sdk.sdk_support import KEY, SDK_MAJOR, WireLog, make_client

SPEC = ServerlessSpec(cloud="aws", region="us-east-1")


def test_sdk_version_is_one_we_support() -> None:
    assert SDK_MAJOR in (9, 10)


def test_preexisting_indexes_are_listed_and_described(pc: Pinecone, server: RunningServer) -> None:
    names = pc.list_indexes().names()
    assert {"dense", "sparse"} <= set(names)
    dense = pc.describe_index("dense")
    assert (dense.name, dense.dimension, dense.metric) == ("dense", 8, "cosine")
    assert dense.vector_type == "dense"
    assert dense.host == server.index_urls["dense"]
    assert dense.status.ready is True
    sparse = pc.describe_index("sparse")
    assert (sparse.vector_type, sparse.metric, sparse.dimension) == ("sparse", "dotproduct", None)


def test_create_describe_list_delete_dense(pc: Pinecone, index_name: str) -> None:
    created = pc.create_index(
        name=index_name, dimension=16, metric="euclidean", spec=SPEC, tags={"team": "a"}
    )
    assert created.name == index_name
    assert (created.dimension, created.metric, created.vector_type) == (16, "euclidean", "dense")
    assert created.deletion_protection == "disabled"
    assert created.tags == {"team": "a"}
    assert created.status.ready is True
    assert created.host.startswith("http://127.0.0.1:")
    assert pc.has_index(index_name)
    assert index_name in pc.list_indexes().names()
    described = pc.describe_index(index_name)
    assert (described.host, described.dimension, described.metric) == (
        created.host,
        16,
        "euclidean",
    )

    pc.delete_index(index_name)
    assert not pc.has_index(index_name)
    assert index_name not in pc.list_indexes().names()
    with pytest.raises(NotFoundError):
        pc.describe_index(index_name)


def test_create_sparse(pc: Pinecone, index_name: str) -> None:
    created = pc.create_index(name=index_name, metric="dotproduct", vector_type="sparse", spec=SPEC)
    assert (created.vector_type, created.metric, created.dimension) == (
        "sparse",
        "dotproduct",
        None,
    )
    assert pc.describe_index(index_name).vector_type == "sparse"
    pc.delete_index(index_name)
    assert not pc.has_index(index_name)


def test_metric_defaults_to_cosine(pc: Pinecone, index_name: str) -> None:
    assert pc.create_index(name=index_name, dimension=3, spec=SPEC).metric == "cosine"
    pc.delete_index(index_name)


def test_duplicate_name_is_a_conflict(pc: Pinecone, index_name: str) -> None:
    pc.create_index(name=index_name, dimension=3, metric="cosine", spec=SPEC)
    with pytest.raises(ConflictError):
        pc.create_index(name=index_name, dimension=3, metric="cosine", spec=SPEC)
    pc.delete_index(index_name)


def test_deletion_protection_and_tags(pc: Pinecone, index_name: str) -> None:
    pc.create_index(
        name=index_name,
        dimension=3,
        metric="dotproduct",
        spec=SPEC,
        deletion_protection="enabled",
        tags={"keep": "1", "drop": "2"},
    )
    with pytest.raises(ForbiddenError, match="Deletion protection is enabled"):
        pc.delete_index(index_name)
    pc.configure_index(index_name, tags={"drop": "", "new": "3"})
    assert pc.describe_index(index_name).tags == {"keep": "1", "new": "3"}
    pc.configure_index(index_name, deletion_protection="disabled")
    assert pc.describe_index(index_name).deletion_protection == "disabled"
    pc.delete_index(index_name)
    assert not pc.has_index(index_name)


def _mode(read_capacity: Any) -> str:
    """The `mode` of a read capacity as the SDK exposes it (10.x: a dict under `spec`)."""
    if isinstance(read_capacity, dict):
        return str(read_capacity["mode"])
    return str(read_capacity.mode)


def test_read_capacity_is_described_and_kept(pc: Pinecone, index_name: str) -> None:
    """`spec.serverless.read_capacity` is required by the 2025-10 and 2026-04 schemas; a
    Dedicated request is described back with its configuration."""
    assert _mode(pc.describe_index("dense").spec.serverless.read_capacity) == "OnDemand"
    manual = {"replicas": 1, "shards": 2}
    dedicated = {
        "mode": "Dedicated",
        "dedicated": {"node_type": "t1", "scaling": "Manual", "manual": manual},
    }
    spec = ServerlessSpec(cloud="aws", region="us-east-1", read_capacity=dedicated)
    created = pc.create_index(name=index_name, dimension=3, spec=spec)
    assert _mode(created.spec.serverless.read_capacity) == "Dedicated"
    # 9.x sends `read_capacity=` as a BYOC setting; a serverless one is `serverless_read_capacity=`
    # there, which 10.x deprecates in favour of `read_capacity=`.
    keyword = "serverless_read_capacity" if SDK_MAJOR == 9 else "read_capacity"
    pc.configure_index(index_name, **{keyword: {"mode": "OnDemand"}})
    assert _mode(pc.describe_index(index_name).spec.serverless.read_capacity) == "OnDemand"
    pc.configure_index(index_name, **{keyword: dedicated})
    described = pc.describe_index(index_name).spec.serverless.read_capacity
    assert _mode(described) == "Dedicated"
    if isinstance(described, dict):
        assert described["dedicated"]["manual"] == manual
    pc.delete_index(index_name)


def test_unknown_index_is_not_found(pc: Pinecone) -> None:
    with pytest.raises(NotFoundError):
        pc.describe_index("no-such-index")
    with pytest.raises(NotFoundError):
        pc.delete_index("no-such-index")


def test_wrong_key_is_unauthorized(server: RunningServer) -> None:
    with make_client(server, api_key="not-" + KEY) as wrong, pytest.raises(UnauthorizedError):
        wrong.list_indexes()


def test_created_index_is_usable_by_name_and_stops_serving_after_delete(
    pc: Pinecone, index_name: str
) -> None:
    pc.create_index(name=index_name, dimension=2, metric="cosine", spec=SPEC)
    index = pc.Index(name=index_name)
    try:
        assert index.upsert(vectors=[("v1", [1.0, 0.0])], show_progress=False).upserted_count == 1
        assert index.query(vector=[1.0, 0.1], top_k=1).matches[0].id == "v1"
        assert pc.describe_index(index_name).host == index.host
        pc.delete_index(index_name)
        with pytest.raises(PineconeConnectionError):
            index.describe_index_stats()
    finally:
        index.close()


def test_each_control_call_needs_no_retry_or_repeated_polling(
    pc: Pinecone, wire: WireLog, index_name: str
) -> None:
    """Counted on the wire: describe, list and delete are one request each; create is the POST
    plus at most one readiness check (the index is `Ready` at once, so the SDK stops polling)."""
    calls = {
        "create": lambda: pc.create_index(name=index_name, dimension=3, spec=SPEC),
        "describe": lambda: pc.describe_index(index_name),
        "list": lambda: pc.list_indexes(),
        "delete": lambda: pc.delete_index(index_name, timeout=-1),
    }
    sent = {}
    for call, run in calls.items():
        start = len(wire)
        run()
        sent[call] = [(e.method, e.status) for e in wire.since(start)]
    assert sent["create"][0] == ("POST", 201)
    assert sent["create"][1:] in ([], [("GET", 200)])
    assert sent["describe"] == [("GET", 200)]
    assert sent["list"] == [("GET", 200)]
    assert sent["delete"] == [("DELETE", 202)]
