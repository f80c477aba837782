"""POST /describe_index_stats (and the legacy GET): shape, counts, filters."""

from __future__ import annotations

import pytest

from conformance.suite._helpers import (
    assert_invalid,
    list_when,
    ns_count,
    ok,
    seed_upsert,
    seed_visible,
    setting_up,
    setup_ok,
    stats_when,
    unique,
)


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _counted(space, counts: dict[str, int]) -> dict:
    """The stats once they count each namespace's records as written.

    Counting per namespace is STATS-NAMESPACE-COUNTS's behavior (and the records reaching their
    namespace the write behaviors'), so for a test of another stats behavior it is setup.
    """
    with setting_up(f"describe_index_stats counting {counts}"):
        return stats_when(
            space,
            lambda s: all(ns_count(s, ns) == n for ns, n in counts.items()),
            f"vectorCount {counts}",
        )


@pytest.mark.parametrize("kind", ["dense", "hybrid"])
@pytest.mark.behavior("STATS-SHAPE")
def test_stats_shape(request, kind):
    """Stats carry `namespaces`, `dimension`, `indexFullness` and `totalVectorCount`."""
    space = request.getfixturevalue(f"{kind}_space")
    seed_upsert(space, space.vectors.records(2))
    first = ok(space.stats())
    missing = {"namespaces", "dimension", "indexFullness", "totalVectorCount"} - set(first)
    assert not missing, f"stats without {sorted(missing)}: {first}"
    stats = _counted(space, {space.ns: 2})
    assert stats["dimension"] == space.index.dimension
    assert _is_number(stats["indexFullness"]), stats
    assert isinstance(stats["totalVectorCount"], int) and stats["totalVectorCount"] >= 2
    assert isinstance(stats["namespaces"][space.ns]["vectorCount"], int)


@pytest.mark.behavior("STATS-METRIC")
def test_stats_metric(metric_space):
    """From 2025-01 stats report the index metric (the one the control plane or --metric names,
    when known)."""
    stats = ok(metric_space.stats())
    assert stats.get("metric") in ("cosine", "euclidean", "dotproduct"), stats
    if metric_space.index.metric is not None:
        assert stats["metric"] == metric_space.index.metric, stats


@pytest.mark.behavior("STATS-VECTOR-TYPE")
def test_stats_vector_type(dense_space):
    """From 2025-01 stats of a dense index report `vectorType: dense`."""
    stats = ok(dense_space.stats())
    assert stats.get("vectorType") == "dense", stats


@pytest.mark.behavior("STATS-METRIC")
def test_stats_sparse_metric(sparse_space):
    """A sparse index reports metric dotproduct."""
    stats = ok(sparse_space.stats())
    assert stats.get("metric") == "dotproduct", stats


@pytest.mark.behavior("STATS-VECTOR-TYPE")
def test_stats_sparse_vector_type(sparse_space):
    """A sparse index reports `vectorType: sparse`."""
    stats = ok(sparse_space.stats())
    assert stats.get("vectorType") == "sparse", stats


@pytest.mark.behavior("STATS-SPARSE-NO-DIMENSION")
def test_stats_sparse_index(sparse_space):
    """Stats of a sparse index leave out `dimension`."""
    seed_upsert(sparse_space, sparse_space.vectors.records(2))
    stats = _counted(sparse_space, {sparse_space.ns: 2})
    assert "dimension" not in stats, stats


@pytest.mark.behavior("STATS-TOTAL-SUM")
def test_stats_total_is_sum_of_namespaces(dense_space):
    """`totalVectorCount` equals the sum of the namespaces' `vectorCount`."""
    other = dense_space.new_namespace()
    seed_upsert(dense_space, dense_space.vectors.records(3))
    seed_upsert(dense_space, dense_space.vectors.records(5), namespace=other)
    stats = _counted(dense_space, {dense_space.ns: 3, other: 5})
    total = sum(v["vectorCount"] for v in stats["namespaces"].values())
    assert stats["totalVectorCount"] == total, stats


@pytest.mark.behavior("STATS-NAMESPACE-COUNTS")
def test_stats_counts_follow_writes_and_deletes(dense_space):
    """A namespace's `vectorCount` follows upserts, overwrites and deletes."""
    # Each count is judged against records the namespace is seen to hold (by list): what the
    # writes and deletes did is their own behaviors' business, the count alone is this one's.
    seed_upsert(dense_space, dense_space.vectors.records(4))
    _holding(dense_space, [f"r{i}" for i in range(4)])
    stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) == 4, "vectorCount 4")
    seed_upsert(dense_space, dense_space.vectors.records(6))  # r0..r3 overwritten, r4, r5 new
    _holding(dense_space, [f"r{i}" for i in range(6)])
    stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) == 6, "vectorCount 6")
    setup_ok(dense_space.delete(ids=["r0", "r5"]), "deleting r0 and r5")
    _holding(dense_space, [f"r{i}" for i in range(1, 5)])
    stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) == 4, "vectorCount 4 again")


def _holding(space, ids: list[str]) -> None:
    """Setup: the Space's namespace is listed with exactly `ids`."""
    with setting_up(f"the namespace holding exactly {ids}"):
        list_when(space, ids)


@pytest.mark.parametrize(
    "flt", [{"genre": "drama"}, {"year": {"$gt": 2000}}], ids=["implicit-eq", "range"]
)
@pytest.mark.behavior("STATS-FILTER-400")
def test_stats_with_filter_rejected(dense_space, flt):
    """A non-empty stats filter is a 400 on serverless indexes."""
    assert_invalid(dense_space.stats({"filter": flt}))


@pytest.mark.parametrize("body", [{}, {"filter": {}}], ids=["empty-body", "empty-filter"])
@pytest.mark.behavior("STATS-EMPTY-FILTER-OK")
def test_stats_empty_filter_accepted(dense_space, body):
    """`{}` and `{"filter": {}}` are accepted and report the namespaces."""
    seed_upsert(dense_space, dense_space.vectors.records(2))
    _counted(dense_space, {dense_space.ns: 2})
    stats = ok(dense_space.stats(body))
    assert ns_count(stats, dense_space.ns) == 2


@pytest.mark.behavior("STATS-DEFAULT-NAMESPACE-KEY")
def test_stats_default_namespace_key(default_space):
    """Records of the default namespace are counted under `""`."""
    seed_visible(default_space, default_space.vectors.records(2, prefix=unique("st-")))
    stats = stats_when(
        default_space, lambda s: (ns_count(s, "") or 0) >= 2, 'default namespace under ""'
    )
    assert "__default__" not in stats["namespaces"], stats


@pytest.mark.behavior("STATS-FULLNESS-ZERO")
def test_stats_index_fullness_zero(dense_space):
    """`indexFullness` is 0 on a serverless index, with records in it."""
    seed_upsert(dense_space, dense_space.vectors.records(10))
    stats = _counted(dense_space, {dense_space.ns: 10})
    assert stats["indexFullness"] == 0, stats


@pytest.mark.behavior("STATS-LEGACY-GET")
def test_stats_legacy_get_matches_post(dense_space):
    """GET /describe_index_stats answers the same fields as POST."""
    seed_upsert(dense_space, dense_space.vectors.records(3))
    post = _counted(dense_space, {dense_space.ns: 3})
    get = ok(dense_space.client.describe_index_stats(method="GET"))
    assert ns_count(get, dense_space.ns) == 3
    for key in ("dimension", "indexFullness", "metric", "vectorType"):
        assert get.get(key) == post.get(key), key
