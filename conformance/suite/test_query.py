"""POST /query: selectors, include flags, topK, scores and ordering per metric (digest §4.2, §6)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX
from conformance.suite._helpers import approx, assert_invalid, by_metric, ok, setting_up
from conformance.suite._query_helpers import (
    assert_distinct,
    close,
    dot,
    ids_of,
    matches_of,
    score,
    seed,
    sparse_dot,
)
from conformance.target.space import Space

META = {"genre": "drama", "year": 2020, "tags": ["a", "b"], "fresh": True}


def _records(space: Space, n: int, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return space.vectors.records(n, metadata=(lambda i: dict(metadata)) if metadata else None)


# ---- topK ---------------------------------------------------------------------------------------


@pytest.mark.behavior("QUERY-TOPK-REQUIRED")
def test_topk_is_required(dense_space):
    """A query without topK is rejected with 400."""
    assert_invalid(dense_space.query(vector=dense_space.vectors.dense(0)))


@pytest.mark.behavior("QUERY-TOPK-RANGE")
@pytest.mark.parametrize("top_k", [0, -1, 10001])
def test_topk_out_of_range_rejected(dense_space, top_k):
    """topK outside 1…10000 is rejected with 400."""
    assert_invalid(dense_space.query(topK=top_k, vector=dense_space.vectors.dense(0)))


@pytest.mark.behavior("QUERY-TOPK-RANGE")
@pytest.mark.parametrize("top_k", [1, 10000])
def test_topk_edges_accepted(dense_space, top_k):
    """topK 1 and 10000 are accepted."""
    probe = seed(dense_space, _records(dense_space, 3))
    got = ids_of(dense_space.query(topK=top_k, **probe))
    assert len(got) == min(top_k, 3), got


@pytest.mark.behavior("QUERY-AT-MOST-TOPK")
@pytest.mark.parametrize(("top_k", "expected"), [(2, 2), (5, 5), (9, 5)])
def test_at_most_topk_matches(dense_space, top_k, expected):
    """A query returns topK matches, or all records when fewer exist."""
    probe = seed(dense_space, _records(dense_space, 5))
    got = ids_of(dense_space.query(topK=top_k, **probe))
    assert len(got) == expected, got
    assert len(set(got)) == len(got), f"duplicate matches: {got}"


# ---- include flags and response shape -----------------------------------------------------------


@pytest.mark.behavior("QUERY-INCLUDE-DEFAULTS-FALSE")
def test_include_flags_default_to_false(dense_space):
    """Without include flags matches carry neither values nor metadata."""
    probe = seed(dense_space, _records(dense_space, 3, META))
    for m in matches_of(dense_space.query(topK=3, **probe)):
        assert m.get("values", []) == [], m
        assert "metadata" not in m, m


@pytest.mark.behavior("QUERY-INCLUDE-VALUES")
@pytest.mark.parametrize("include", [False, True])
def test_include_values(dense_space, include):
    """includeValues true returns the stored vectors; false returns none."""
    records = _records(dense_space, 3)
    probe = seed(dense_space, records)
    stored = {r["id"]: r["values"] for r in records}
    found = matches_of(dense_space.query(topK=4, includeValues=include, **probe))
    assert {m["id"] for m in found} == set(stored)
    for m in found:
        if include:
            assert m.get("values") == approx(stored[m["id"]]), m
        else:
            assert m.get("values", []) == [], m


@pytest.mark.behavior("QUERY-INCLUDE-METADATA")
@pytest.mark.parametrize("include", [False, True])
def test_include_metadata(dense_space, include):
    """includeMetadata true returns the stored metadata; false returns none."""
    probe = seed(dense_space, _records(dense_space, 3, META))
    found = matches_of(dense_space.query(topK=4, includeMetadata=include, **probe))
    assert len(found) == 3
    for m in found:
        if include:
            assert m.get("metadata") == META, m
        else:
            assert "metadata" not in m, m


@pytest.mark.behavior("QUERY-RESPONSE-SHAPE")
@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_response_shape(request, kind):
    """The response carries matches with id and numeric score, and the namespace."""
    space = request.getfixturevalue(f"{kind}_space")
    probe = seed(space, space.vectors.records(2))
    body = ok(space.query(topK=3, **probe))
    assert body.get("namespace") == space.ns, body
    assert len(body.get("matches", [])) == 2, body
    for m in body["matches"]:
        assert isinstance(m.get("id"), str), m
        assert isinstance(m.get("score"), int | float) and not isinstance(m["score"], bool), m


@pytest.mark.behavior("QUERY-USAGE")
def test_query_reports_read_units(dense_space):
    """A query response carries `usage.readUnits`."""
    body = ok(dense_space.query(topK=1, vector=dense_space.vectors.dense(0)))
    units = (body.get("usage") or {}).get("readUnits")
    assert isinstance(units, int) and not isinstance(units, bool) and units >= 0, body


# ---- scores and order ---------------------------------------------------------------------------


def _scored(space: Space, n: int = 8) -> tuple[list[float], dict[str, float]]:
    """Records r1..rn, a query vector, and each record's expected score under the index metric,
    far apart by construction: an order never rests on a chance near-tie at any dimension."""
    vectors = space.vectors.ranked(n)
    if vectors is None:
        pytest.skip(
            f"{NOT_APPLICABLE_PREFIX}{n} records cannot have distinct {space.index.metric} "
            f"scores in {space.index.dimension} dimension(s)"
        )
    records: list[dict[str, Any]] = [
        {"id": f"r{i}", "values": values} for i, values in enumerate(vectors, start=1)
    ]
    query = space.vectors.axis()
    expected = {r["id"]: score(space.index.metric, query, r["values"]) for r in records}
    with setting_up("separating the expected scores"):
        assert_distinct(list(expected.values()))
    seed(space, records)
    return query, expected


@by_metric(("QUERY-COSINE-SCORE",), ("QUERY-EUCLIDEAN-ASCENDING",), ("QUERY-DOTPRODUCT-SCORE",))
def test_scores_follow_metric(metric_space):
    """Each score is the metric's documented formula (cosine, dot product, squared L2)."""
    query, expected = _scored(metric_space)
    found = matches_of(metric_space.query(topK=len(expected) + 1, vector=query))
    assert {m["id"] for m in found} == set(expected)
    for m in found:
        assert close(m.get("score"), expected[m["id"]]), (
            f"{metric_space.index.metric} score of {m['id']}: got {m.get('score')}, "
            f"expected {expected[m['id']]}"
        )


@by_metric(("QUERY-ORDER-DESCENDING",), ("QUERY-EUCLIDEAN-ASCENDING",), ("QUERY-ORDER-DESCENDING",))
@pytest.mark.parametrize("top_k", [3, 8])
def test_most_similar_first(metric_space, top_k):
    """Matches come most similar first: descending scores, ascending for euclidean."""
    query, expected = _scored(metric_space)
    ascending = metric_space.index.metric == "euclidean"
    want = sorted(expected, key=expected.__getitem__, reverse=not ascending)[:top_k]
    found = matches_of(metric_space.query(topK=top_k, vector=query))
    # How many matches come back is QUERY-AT-MOST-TOPK's; the order is judged on those that do.
    with setting_up("a ranking of at least two matches to judge"):
        assert len(found) >= 2, found
    assert [m["id"] for m in found] == want[: len(found)], f"expected order {want}, got {found}"
    scores = [m["score"] for m in found]
    assert scores == sorted(scores, reverse=not ascending), scores


# ---- selectors ----------------------------------------------------------------------------------


@pytest.mark.behavior("QUERY-BY-ID-SELF-FIRST")
def test_query_by_id_returns_record_first(metric_space):
    """Querying by id scores the stored vector, so the record itself comes first."""
    directions = metric_space.vectors.directions(6)  # two on a one-dimension index
    records = [{"id": f"u{i}", "values": values} for i, values in enumerate(directions)]
    seed(metric_space, records)
    stored = {r["id"]: r["values"] for r in records}
    for target in ("u2", "u5") if len(records) == 6 else ("u1",):
        found = matches_of(metric_space.query(topK=3, id=target))
        assert found and found[0]["id"] == target, found
        # The stored vector is what is scored: the same score as a query by that vector (what
        # the score is, per metric, is the metric behaviors' business).
        by_value = matches_of(metric_space.query(topK=1, vector=stored[target]))
        _same_top_score(found, by_value)


def _unit_sparse(k: int) -> dict[str, list]:
    return {"indices": [k, k + 1], "values": [0.8, 0.6]}


@pytest.mark.behavior("QUERY-BY-ID-SELF-FIRST")
def test_query_by_id_returns_record_first_sparse(sparse_space):
    """On a sparse index, querying by id puts the record itself first."""
    records = [{"id": f"s{k}", "sparseValues": _unit_sparse(k)} for k in range(5)]
    seed(sparse_space, records)
    stored = {r["id"]: r["sparseValues"] for r in records}
    for target in ("s1", "s3"):
        found = matches_of(sparse_space.query(topK=3, id=target))
        assert found and found[0]["id"] == target, found
        _same_top_score(found, matches_of(sparse_space.query(topK=1, sparseVector=stored[target])))


def _same_top_score(by_id: list[dict[str, Any]], by_value: list[dict[str, Any]]) -> None:
    """The top match of a query by id scores as the top match of a query by its stored vector."""
    with setting_up("a query by the stored vector to compare with"):
        assert by_value and by_value[0]["id"] == by_id[0]["id"], by_value
    score = by_value[0].get("score")
    assert isinstance(score, int | float) and close(by_id[0].get("score"), score), (by_id, score)


@pytest.mark.behavior("QUERY-BY-MISSING-ID-EMPTY")
def test_query_by_missing_id_is_empty(dense_space):
    """Querying by an id that does not exist returns 200 with no matches."""
    seed(dense_space, _records(dense_space, 3))
    assert matches_of(dense_space.query(topK=3, id="no-such-id")) == []


@pytest.mark.behavior("QUERY-ID-AND-VECTOR-REJECTED")
def test_id_and_vector_rejected(dense_space):
    """Giving both id and vector is rejected with 400."""
    seed(dense_space, _records(dense_space, 1))
    assert_invalid(dense_space.query(topK=1, id="r0", vector=dense_space.vectors.dense(0)))


@pytest.mark.behavior("QUERY-NO-SELECTOR-REJECTED")
@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_no_selector_rejected(request, kind):
    """A query with no id, vector or sparseVector is rejected with 400."""
    space = request.getfixturevalue(f"{kind}_space")
    assert_invalid(space.query(topK=3))


@pytest.mark.behavior("QUERY-DIMENSION-MISMATCH")
@pytest.mark.parametrize("delta", [-1, 1])
def test_dimension_mismatch_rejected(dense_space, delta):
    """A query vector shorter or longer than the index dimension is rejected with 400."""
    vector = [0.5] * (dense_space.index.dimension + delta)
    assert_invalid(dense_space.query(topK=1, vector=vector))


@pytest.mark.behavior("QUERY-DENSE-SPARSE-ONLY-REJECTED")
def test_dense_index_sparse_only_rejected(dense_space):
    """A dense index rejects a query that has only a sparse vector."""
    assert_invalid(
        dense_space.query(topK=1, sparseVector={"indices": [1, 2], "values": [0.5, 0.5]})
    )


@pytest.mark.behavior("QUERY-SPARSE-DENSE-VECTOR-REJECTED")
def test_sparse_index_dense_vector_rejected(sparse_space):
    """A sparse index rejects a query with a dense vector."""
    assert_invalid(sparse_space.query(topK=1, vector=[0.5] * 8))


@pytest.mark.behavior("QUERY-SPARSE-ID-AND-SPARSE-REJECTED")
def test_sparse_index_id_and_sparse_rejected(sparse_space):
    """A sparse index rejects a query giving both id and sparseVector."""
    seed(sparse_space, [{"id": "s0", "sparseValues": _unit_sparse(0)}])
    assert_invalid(sparse_space.query(topK=1, id="s0", sparseVector=_unit_sparse(0)))


# ---- sparse and hybrid scoring -------------------------------------------------------------------


@pytest.mark.behavior("QUERY-SPARSE-SCORE")
def test_sparse_scores(sparse_space):
    """Sparse scores are the dot product over shared indices, highest first."""
    v = sparse_space.vectors
    records = [{"id": f"s{i}", "sparseValues": v.sparse(i)} for i in range(1, 9)]
    query = v.sparse(100)
    expected = {r["id"]: sparse_dot(query, r["sparseValues"]) for r in records}
    positive = {k: s for k, s in expected.items() if s > 0}
    assert len(positive) >= 4, f"test data: too few overlapping records {expected}"
    assert_distinct(list(positive.values()))
    seed(sparse_space, records)
    found = matches_of(sparse_space.query(topK=len(records) + 1, sparseVector=query))
    want = sorted(positive, key=positive.__getitem__, reverse=True)
    assert [m["id"] for m in found][: len(want)] == want, found
    for m in found:
        assert close(m.get("score"), expected[m["id"]]), (m, expected[m["id"]])


@pytest.mark.behavior("QUERY-SPARSE-EXCLUDES-ZERO")
def test_sparse_excludes_zero_scores(sparse_space):
    """Records sharing no index with the sparse query are not returned."""
    records = [
        {"id": "hit", "sparseValues": {"indices": [1, 2], "values": [0.5, 0.5]}},
        {"id": "miss", "sparseValues": {"indices": [50, 51], "values": [0.5, 0.5]}},
    ]
    seed(sparse_space, records)
    sparse_space.barrier()
    got = ids_of(sparse_space.query(topK=5, sparseVector={"indices": [2, 3], "values": [1.0, 1.0]}))
    assert got == ["hit"], got


# Sparse parts of the hybrid records: with the `ranked` dense parts the sums are at least 0.1
# apart at any dimension, in an order neither part has alone.
HYBRID_SPARSE = (1.5, 0.25, 2.0, 0.5, 1.0, 1.25)


def _hybrid_query(hybrid_space: Space) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Seed six hybrid records whose summed scores are separated and query them with a dense and
    a sparse part: (the matches, the expected score of each record)."""
    v = hybrid_space.vectors
    dense = v.ranked(len(HYBRID_SPARSE))
    if dense is None:
        pytest.skip(f"{NOT_APPLICABLE_PREFIX}the hybrid index cannot separate dense scores")
    records: list[dict[str, Any]] = [
        {
            "id": f"h{k}",
            "values": values,
            "sparseValues": {"indices": [k, 10 + k], "values": [w, 0.5]},
        }
        for k, (values, w) in enumerate(zip(dense, HYBRID_SPARSE, strict=True))
    ]
    q_dense = v.axis()
    q_sparse: dict[str, list] = {
        "indices": list(range(len(records))),
        "values": [1.0] * len(records),
    }
    expected = {
        r["id"]: dot(q_dense, r["values"]) + sparse_dot(q_sparse, r["sparseValues"])
        for r in records
    }
    with setting_up("separating the expected scores"):
        assert_distinct(list(expected.values()))
    seed(hybrid_space, records)
    found = matches_of(
        hybrid_space.query(topK=len(records) + 1, vector=q_dense, sparseVector=q_sparse)
    )
    return found, expected


@pytest.mark.behavior("QUERY-HYBRID-SCORE")
def test_hybrid_scores(hybrid_space):
    """A hybrid query scores dense dot product plus sparse dot product."""
    found, expected = _hybrid_query(hybrid_space)
    assert sorted(m["id"] for m in found) == sorted(expected), found
    for m in found:
        assert close(m.get("score"), expected[m["id"]]), (m, expected[m["id"]])


@pytest.mark.behavior("QUERY-ORDER-DESCENDING")
def test_hybrid_most_similar_first(hybrid_space):
    """A hybrid index is dotproduct: its matches come highest score first, whatever the scores."""
    found, _ = _hybrid_query(hybrid_space)
    with setting_up("numeric scores to order"):
        assert len(found) >= 2 and all(isinstance(m.get("score"), int | float) for m in found)
    scores = [float(m["score"]) for m in found]
    assert scores == sorted(scores, reverse=True), found


# ---- filters and namespaces ---------------------------------------------------------------------


@pytest.mark.behavior("QUERY-FILTER-RESTRICTS")
@pytest.mark.parametrize(
    ("flt", "expected"),
    [({"color": "red"}, {"r0", "r2", "r4"}), ({"color": "green"}, set())],
    ids=["some-match", "none-match"],
)
def test_filter_restricts_matches(dense_space, flt, expected):
    """A filter keeps only satisfying records; with none the answer is 200 and empty."""
    records = _records(dense_space, 6)
    for i, r in enumerate(records):
        r["metadata"] = {"color": "red" if i % 2 == 0 else "blue"}
    probe = seed(dense_space, records)
    assert set(ids_of(dense_space.query(topK=6, filter=flt, **probe))) == expected


@pytest.mark.behavior("QUERY-EMPTY-FILTER-ACCEPTED")
def test_empty_filter_means_no_filter(dense_space):
    """filter {} is accepted and returns what an unfiltered query returns."""
    probe = seed(dense_space, _records(dense_space, 4))
    got = ids_of(dense_space.query(topK=5, filter={}, **probe))
    assert sorted(got) == ["r0", "r1", "r2", "r3"], got


@pytest.mark.behavior("QUERY-UNKNOWN-NAMESPACE-EMPTY")
def test_unknown_namespace_is_empty(dense_space):
    """Querying a namespace that does not exist returns 200 with no matches."""
    resp = dense_space.client.query(
        topK=3, vector=dense_space.vectors.dense(0), namespace=dense_space.ns + "-x-absent"
    )
    assert matches_of(resp) == []
