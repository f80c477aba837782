"""The model of the data plane (conformance/model.py) and the strategies feeding it, in-process.

The model is the fuzzing oracle, so its semantics are pinned here against the digest one rule at a
time, and what the documentation leaves open is pinned as open (None), never as the reference
server's choice; the strategies are checked to produce only input the model (and the API) call
valid, and every malformed filter to be one the model rejects.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from conformance.fuzz.invalid_requests import BAD_FILTERS
from conformance.fuzz.model import (
    FilterError,
    IndexModel,
    check_filter,
    f32,
    match_state,
    matches,
)
from conformance.fuzz.strategies import (
    dense_vectors,
    filters,
    metadata,
    metadata_values,
    namespaces,
    record_ids,
    sparse_vectors,
)

META = {"genre": "drama", "year": 2020.0, "tags": ["a", "b"], "flag": True, "empty": []}


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({}, True),
        ({"genre": "drama"}, True),
        ({"genre": {"$eq": "comedy"}}, False),
        ({"year": 2020}, True),  # numbers compare as floats
        ({"year": {"$gte": 2020, "$lt": 2021}}, True),
        ({"year": {"$gt": 2020}}, False),
        ({"genre": {"$gt": 1}}, False),  # range operators: numbers only
        ({"tags": "a"}, True),  # a list field matches through any element
        ({"tags": {"$in": ["x", "b"]}}, True),
        ({"$and": [{"tags": "a"}, {"tags": "b"}]}, True),
        ({"$and": [{"tags": "a"}, {"tags": "c"}]}, False),
        ({"tags": {"$ne": "a"}}, False),
        ({"tags": {"$nin": ["c"]}}, True),
        ({"tags": {"$gt": 0}}, False),
        ({"missing": {"$ne": "x"}}, None),  # $ne / $nin on a missing field: undocumented
        ({"missing": {"$nin": ["x"]}}, None),
        ({"$or": [{"genre": "drama"}, {"missing": {"$ne": "x"}}]}, True),
        ({"$or": [{"genre": "x"}, {"missing": {"$ne": "x"}}]}, None),
        ({"genre": "x", "missing": {"$ne": "x"}}, False),
        ({"missing": {"$eq": "x"}}, False),
        ({"missing": {"$exists": False}}, True),
        ({"genre": {"$exists": True}}, True),
        ({"flag": 1}, False),  # booleans never equal numbers
        ({"flag": True}, True),
        ({"flag": {"$in": [1]}}, False),
        ({"genre": {"$in": []}}, False),
        ({"genre": {"$nin": []}}, True),
        ({"empty": {"$nin": ["a"]}}, True),
        ({"empty": "a"}, False),
        ({"$or": [{"genre": "x"}, {}]}, True),  # {} matches everything
        ({"$or": [{"genre": "x"}, {"year": 1}]}, False),
        ({"genre": "drama", "year": 1999}, False),  # fields at one level are ANDed
    ],
)
def test_filter_semantics(flt, expected):
    check_filter(flt)
    assert match_state(flt, META) is expected
    assert matches(flt, META) is (expected is True)


@pytest.mark.parametrize("flt", BAD_FILTERS, ids=repr)
def test_every_malformed_filter_is_invalid_in_the_model(flt):
    with pytest.raises(FilterError):
        check_filter(flt)


@settings(max_examples=200, deadline=None)
@given(flt=filters(), meta=metadata())
def test_generated_filters_are_valid_and_evaluate(flt, meta):
    check_filter(flt)
    assert match_state(flt, meta) in (True, False, None)


@settings(max_examples=100, deadline=None)
@given(flt=filters(allow_empty=False))
def test_non_empty_filters_have_no_empty_parts(flt):
    assert flt
    for key, value in flt.items():
        if key in ("$and", "$or"):
            assert all(value)


@settings(max_examples=200, deadline=None)
@given(rid=record_ids(), values=dense_vectors(8), sparse=sparse_vectors(), meta=metadata())
def test_generated_input_is_within_the_limits(rid, values, sparse, meta):
    assert 1 <= len(rid) <= 512 and all(0 < ord(c) < 128 for c in rid)
    assert len(values) == 8 and all(math.isfinite(v) for v in values)
    assert max(abs(v) for v in values) >= 1e-3
    assert len(set(sparse["indices"])) == len(sparse["indices"]) == len(sparse["values"])
    assert all(0 <= i < 2**32 for i in sparse["indices"]) and all(sparse["values"])
    assert not any(k.startswith("$") for k in meta)


@given(value=metadata_values())
def test_metadata_values_are_of_the_allowed_types(value):
    ok = isinstance(value, str | bool | int | float) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )
    assert ok


@given(name=namespaces("conformance-fuzz-run-1"))
def test_namespace_names(name):
    assert name.startswith("conformance-fuzz-run-1") and len(name) <= 512
    assert all(0 < ord(c) < 128 for c in name)


# -- writes ---------------------------------------------------------------------------------------
def _model(metric: str = "cosine") -> IndexModel:
    return IndexModel(2, metric)


def test_upsert_overwrites_the_whole_record_and_last_duplicate_wins():
    m = _model()
    assert m.upsert("n", [{"id": "a", "values": [1, 0], "metadata": {"k": "v"}}]) == 1
    assert m.upsert("n", [{"id": "a", "values": [0, 1]}, {"id": "a", "values": [1, 1]}]) == 2
    assert m.fetch("n", ["a"]) == {"a": {"id": "a", "values": [1.0, 1.0]}}


def test_values_are_stored_as_float32_and_null_metadata_dropped():
    m = _model()
    m.upsert("n", [{"id": "a", "values": [0.1, 1], "metadata": {"k": None, "n": 3}}])
    record = m.fetch("n", ["a"])["a"]
    assert record["values"] == [f32(0.1), 1.0] and record["metadata"] == {"n": 3.0}


def test_update_merges_metadata_replaces_values_and_ignores_missing_ids():
    m = _model()
    m.upsert("n", [{"id": "a", "values": [1, 0], "metadata": {"k": "v", "x": 1}}])
    m.update("n", "a", set_metadata={"x": 2, "k": None, "new": True})
    m.update("n", "a", values=[0, 1])
    m.update("n", "missing", values=[1, 1], set_metadata={"k": "v"})
    assert m.fetch("n", ["a", "missing"]) == {
        "a": {"id": "a", "values": [0.0, 1.0], "metadata": {"k": "v", "x": 2.0, "new": True}}
    }


def test_update_by_filter_counts_and_dry_run_changes_nothing():
    m = _model()
    m.upsert("n", [{"id": i, "values": [1, 0], "metadata": {"g": "x"}} for i in "abc"])
    assert m.update_by_filter("n", {"g": "x"}, {"h": 1}, dry_run=True) == 3
    assert "h" not in m.fetch("n", ["a"])["a"]["metadata"]
    assert m.update_by_filter("n", {"g": "x"}, {"h": 1}, dry_run=False) == 3
    assert m.fetch("n", ["a"])["a"]["metadata"] == {"g": "x", "h": 1.0}


def test_namespaces_vanish_when_emptied():
    m = _model()
    m.upsert("n", [{"id": "a", "values": [1, 0], "metadata": {"g": 1}}])
    m.upsert("o", [{"id": "a", "values": [1, 0]}])
    assert (m.count("n"), m.count("o")) == (1, 1)
    m.delete_filter("n", {"g": 1})
    assert m.count("n") == 0 and m.count("o") == 1  # 0: listed with 0 or not at all
    m.delete_ids("o", ["a", "never"])
    assert m.count("o") == 0
    m.upsert("n", [{"id": "a", "values": [1, 0]}])
    assert m.count("n") == 1
    m.delete_all("n")
    assert m.namespaces == {} and m.count("n") is None and m.count("x") is None


def test_undecided_matches_are_optional_candidates_and_not_fetched_surely():
    m = _model()
    m.upsert("n", [{"id": "a", "values": [1, 0], "metadata": {"g": 1}}])
    m.upsert("n", [{"id": "b", "values": [0, 1]}])
    flt = {"g": {"$ne": 2}}
    assert m.fetch_by_metadata("n", flt) == ["a"] and m.undecided("n", flt) == ["b"]
    cands = {c.id: c.optional for c in m.query("n", vector=[1, 1], flt=flt)}
    assert cands == {"a": False, "b": True}


@settings(max_examples=100, deadline=None)
@given(rid=record_ids(spaces=False))
def test_ids_without_spaces(rid):
    assert " " not in rid


def test_list_is_bytewise_ascending():
    m = _model()
    ids = ["b", "a", "B", "a b", "\x01", "~", "ab", "a/b"]
    m.upsert("n", [{"id": i, "values": [1, 0]} for i in ids])
    assert m.list_ids("n") == sorted(ids, key=lambda s: s.encode())
    assert m.list_ids("n", "a") == ["a", "a b", "a/b", "ab"]


# -- queries --------------------------------------------------------------------------------------
def _scores(m: IndexModel, **query) -> dict[str, float]:
    return {c.id: c.score for c in m.query("n", **query)}


def test_query_scores_for_each_metric():
    for metric, expected in (
        ("cosine", {"a": 1.0, "b": 0.0, "c": -1.0}),
        ("dotproduct", {"a": 2.0, "b": 0.0, "c": -4.0}),
        ("euclidean", {"a": 1.0, "b": 5.0, "c": 16.0}),
    ):
        m = _model(metric)
        m.upsert("n", [{"id": "a", "values": [1, 0]}, {"id": "b", "values": [0, 1]}])
        m.upsert("n", [{"id": "c", "values": [-2, 0]}])
        got = _scores(m, vector=[2, 0])
        assert got == pytest.approx(expected), metric


def test_query_by_id_filter_and_missing_id():
    m = _model()
    m.upsert(
        "n",
        [
            {"id": "a", "values": [1, 0], "metadata": {"g": "x"}},
            {"id": "b", "values": [1, 1], "metadata": {"g": "y"}},
        ],
    )
    assert _scores(m, rid="a") == pytest.approx({"a": 1.0, "b": math.sqrt(0.5)})
    assert set(_scores(m, rid="a", flt={"g": "y"})) == {"b"}
    assert m.query("n", rid="nope") == []


def test_sparse_index_scores_and_optional_non_positive_matches():
    m = IndexModel(None, "dotproduct", "sparse")
    m.upsert(
        "n",
        [
            {"id": "a", "sparseValues": {"indices": [1, 2], "values": [1, 1]}},
            {"id": "b", "sparseValues": {"indices": [3], "values": [1]}},
            {"id": "c", "sparseValues": {"indices": [1], "values": [-1]}},
        ],
    )
    cands = {c.id: c for c in m.query("n", sparse={"indices": [2, 1], "values": [0.5, 2]})}
    assert cands["a"].score == pytest.approx(2.5) and not cands["a"].optional
    assert cands["b"].optional and cands["c"].optional


def test_hybrid_score_adds_dense_and_sparse_parts():
    m = _model("dotproduct")
    m.upsert("n", [{"id": "a", "values": [1, 0], "sparseValues": {"indices": [7], "values": [2]}}])
    m.upsert("n", [{"id": "b", "values": [1, 0]}])
    got = _scores(m, vector=[1, 0], sparse={"indices": [7], "values": [3]})
    assert got == pytest.approx({"a": 7.0, "b": 1.0})
