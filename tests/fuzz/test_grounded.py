"""Draws grounded in the model's state (conformance/fuzz/grounded.py), in-process: filters built
from stored metadata are valid, most of them change the selection clause by clause, and the
vectors and batches of any dimension fit one request."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.fuzz.grounded import (
    effect,
    field_values,
    grounded_filter,
    operators_of,
    state_filter,
)
from conformance.fuzz.invalid_requests import BODY_LIMIT
from conformance.fuzz.model import IndexModel, check_filter
from conformance.fuzz.strategies import batch_limit, dense_vectors, metadata

RECORDS = [
    {"genre": "drama", "year": 2020, "tags": ["a", "b"]},
    {"genre": "comedy", "year": 2021, "flag": True},
    {"genre": "drama", "rating": 7.5},
    {},
]


def _model(metas: list[dict]) -> IndexModel:
    model = IndexModel(2, "cosine")
    model.upsert(
        "0", [{"id": f"r{i}", "values": [1.0, 0.5], "metadata": m} for i, m in enumerate(metas)]
    )
    return model


def test_field_values_lists_each_stored_scalar_once():
    values = field_values(_model(RECORDS), "0")
    assert values["genre"] == ["drama", "comedy"]
    assert values["tags"] == ["a", "b"]
    assert values["year"] == [2020.0, 2021.0]
    assert "rating" in values and "flag" in values


@pytest.mark.parametrize(
    ("flt", "matters", "excluded"),
    [
        ({"genre": {"$ne": "drama"}}, True, 2),  # the record without genre: undecided
        ({"genre": {"$ne": "western"}}, False, 0),  # at most what lacks the field (undecided)
        ({"$or": [{"genre": "comedy"}, {"year": 2020}]}, True, 2),
        ({"$or": [{"genre": "drama"}, {"year": 2020}]}, False, 2),  # year adds nothing
        ({"genre": "drama", "year": {"$exists": True}}, True, 3),
        ({"year": {"$gte": 2020, "$lte": 2030}}, False, 2),  # $lte changes nothing
    ],
)
def test_effect_says_whether_every_clause_changes_the_selection(flt, matters, excluded):
    got_matters, got_excluded, _ = effect(flt, _model(RECORDS), "0")
    assert (got_matters, got_excluded) == (matters, excluded)


@settings(max_examples=150, deadline=None)
@given(metas=st.lists(metadata(), min_size=1, max_size=6), data=st.data())
def test_state_filters_are_valid(metas, data):
    model = _model(metas)
    flt, excluded = state_filter(data, model, "0", allow_empty=data.draw(st.booleans()))
    check_filter(flt)
    assert 0 <= excluded <= len(metas)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_grounded_filters_mostly_matter_on_varied_data(data):
    """On data with several values per field, a grounded filter often excludes something."""
    flt = grounded_filter(data, field_values(_model(RECORDS), "0"))
    check_filter(flt)
    assert set(operators_of(flt)) <= {
        "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "implicit",
        "$and", "$or",
    }  # fmt: skip


def test_operators_of_walks_nested_filters():
    flt = {"$and": [{"a": 1}, {"$or": [{"b": {"$ne": 2, "$exists": True}}]}]}
    assert sorted(operators_of(flt)) == sorted(["$and", "implicit", "$or", "$ne", "$exists"])


@pytest.mark.parametrize("dimension", [1, 2, 8, 32, 33, 384, 3072, 20000])
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_batches_of_drawn_vectors_fit_one_request(dimension, data):
    """At every dimension, the most records `batch_limit` allows stay under the body limit."""
    vector = data.draw(dense_vectors(dimension))
    assert len(vector) == dimension
    n = batch_limit(dimension, 1000)
    record = {"id": "x" * 512, "values": vector, "metadata": {"genre": "drama" * 100}}
    size = len(json.dumps({"vectors": [record] * n, "namespace": "n" * 512}))
    assert size < BODY_LIMIT
    assert n >= 1
