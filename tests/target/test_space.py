"""Space, waiting and vectors: namespace injection, bounded polling, barriers, cleanup."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from conformance.config import resolve
from conformance.target import waiting
from conformance.target.indexes import IndexInfo
from conformance.target.launcher import launch_reference_server
from conformance.target.session import SuiteSession, TargetError, probe_index
from conformance.target.vectors import VectorFactory
from tests.support.standin_server import API_KEY, standin_command


def session_for(server, **options) -> SuiteSession:
    cfg = resolve({"target": server.index_urls["conf-cosine"], "api_key": API_KEY, **options}, {})
    suite = SuiteSession(cfg, "run1", "gw0")
    suite.indexes = [
        IndexInfo(n, u, s.dimension or None, s.metric, s.vector_type)
        for (n, u), s in zip(server.index_urls.items(), server.specs.values(), strict=True)
    ]
    suite.primary = suite.indexes[0]
    suite.started = True
    return suite


def test_namespace_injection_and_cleanup(standin) -> None:
    suite = session_for(standin, consistency_timeout="0")
    space = suite.space(suite.primary)
    assert space.ns == "conformance-run1-gw0-1"
    assert space.upsert_visible(space.vectors.records(3)).json == {"upsertedCount": 3}
    assert [v["id"] for v in space.list_ids().json["vectors"]] == ["r0", "r1", "r2"]
    assert space.stats().json["namespaces"][space.ns] == {"vectorCount": 3}
    other = space.new_namespace()
    space.client.upsert(space.vectors.records(1), namespace=other)
    space.cleanup()
    counts = space.stats().json["namespaces"]
    assert space.ns not in counts and other not in counts


def test_default_space_deletes_exactly_its_ids(standin) -> None:
    suite = session_for(standin)
    client = suite.data_client(suite.primary)
    client.upsert([{"id": "foreign", "values": [1.0] * 8}])
    space = suite.space(suite.primary, default=True)
    assert space.ns == ""
    space.upsert(space.vectors.records(2, prefix="mine"))
    space.client.upsert(space.vectors.records(1, prefix="raw"), namespace="__default__")
    space.track_ids(["elsewhere"])
    space.cleanup()
    left = client.fetch(["foreign", "mine0", "mine1", "raw0"]).json["vectors"]
    assert list(left) == ["foreign"]
    client.delete(ids=["foreign"])


def test_eventual_visibility_and_barrier(delayed_standin) -> None:
    suite = session_for(delayed_standin, consistency_timeout="3")
    space = suite.space(suite.primary)
    space.upsert_visible(space.vectors.records(2))
    assert set(space.fetch(["r0", "r1"]).json["vectors"]) == {"r0", "r1"}
    assert space.barrier() == "__barrier__-1"
    assert "__barrier__-1" in space.fetch(["__barrier__-1"]).json["vectors"]
    space.cleanup()


def test_visibility_times_out_with_a_clear_message(delayed_standin) -> None:
    suite = session_for(delayed_standin, consistency_timeout="0")
    space = suite.space(suite.primary)
    with pytest.raises(AssertionError, match=r"ids \['r0'\] fetchable.*checked once"):
        space.upsert_visible(space.vectors.records(1))
    space.cleanup()


def test_eventually_polls_until_true_and_names_what() -> None:
    values = iter(range(100))
    assert waiting.eventually(lambda: next(values), lambda v: v >= 3, "three", 5) == 3
    with pytest.raises(AssertionError, match=r"expected count 10, .* \(boom\); last observed: 7"):
        waiting.eventually(lambda: 7, _raise_boom, "count 10", 0.05)


def _raise_boom(value: int) -> bool:
    raise AssertionError("boom")


def test_eventually_timeout_zero_checks_once() -> None:
    calls = []
    with pytest.raises(AssertionError, match="checked once"):
        waiting.eventually(lambda: calls.append(1), lambda v: False, "x", 0)
    assert calls == [1]


@pytest.mark.parametrize(
    ("case", "kind"),
    [("refused", "unavailable"), ("wrong-key", "auth"), ("5xx", "unavailable"), ("404", "usage")],
)
def test_probe_index_classifies_problems(standin, case, kind) -> None:
    url = standin.index_urls["conf-cosine"]
    key = "wrong-key-xyz" if case == "wrong-key" else API_KEY
    with contextlib.ExitStack() as stack:
        if case == "refused":
            url = "http://127.0.0.1:1"
        elif case == "5xx":
            server = stack.enter_context(
                launch_reference_server(command=standin_command("--status", "503"))
            )
            url = server.index_urls["conf-cosine"]
        elif case == "404":
            url += "/nowhere"
        cfg = resolve({"target": url, "api_key": key}, {})
        http = stack.enter_context(httpx.Client())
        with pytest.raises(TargetError) as info:
            probe_index(url, cfg, http)
    assert info.value.kind == kind
    assert key not in str(info.value)


def test_probe_index_learns_shape(standin) -> None:
    cfg = resolve({"target": standin.index_urls["conf-sparse"], "api_key": API_KEY}, {})
    with httpx.Client() as http:
        info = probe_index(standin.index_urls["conf-sparse"], cfg, http)
    assert (info.vector_type, info.dimension, info.metric) == ("sparse", None, "dotproduct")


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dotproduct"])
def test_vectors_are_deterministic(metric) -> None:
    a, b = VectorFactory(8, metric), VectorFactory(8, metric)
    assert a.dense(3) == b.dense(3) and a.dense(3) != a.dense(4)
    assert len(a.dense(0)) == 8 and any(a.dense(0))
    assert abs(sum(x * x for x in a.unit(5)) - 1) < 1e-9
    sparse = a.sparse(1)
    assert sparse["indices"] == sorted(set(sparse["indices"]))
    assert len(sparse["indices"]) == len(sparse["values"])


def test_records_shapes() -> None:
    dense = VectorFactory(4).records(2, prefix="p", metadata=lambda i: {"i": i} if i else None)
    assert dense == [
        {"id": "p0", "values": VectorFactory(4).dense(0)},
        {"id": "p1", "values": VectorFactory(4).dense(1), "metadata": {"i": 1}},
    ]
    sparse = VectorFactory(0, "dotproduct", "sparse").records(1)
    assert set(sparse[0]) == {"id", "sparseValues"}
    with pytest.raises(ValueError):
        VectorFactory(0, "dotproduct", "sparse").dense(0)
