"""The filter language: parse errors, and evaluation checked against a plain-Python oracle."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from reference_server.errors import ApiError
from reference_server.filters import MAX_FILTER_DEPTH, evaluate, parse_filter
from reference_server.metadata_index import MetadataIndex

RECORDS: list[dict[str, Any] | None] = [
    {"genre": "drama", "year": 2020.0, "flag": True, "tags": ["a", "b"]},
    {"genre": "comedy", "year": 2019.0, "flag": False, "tags": []},
    {"genre": "drama", "year": 2021.5},
    {"genre": ["comedy", "documentary"], "year": "2020"},
    {"year": 1.0, "flag": 1.0},
    None,
    {"genre": "", "tags": ["b"]},
]


def _values(meta: dict[str, Any] | None, field: str) -> list[Any] | None:
    if not meta or field not in meta:
        return None
    value = meta[field]
    return value if isinstance(value, list) else [value]


def _same(a: Any, b: Any) -> bool:
    return (type(a) is type(b) and a == b) or (
        type(a) in (int, float) and type(b) in (int, float) and float(a) == float(b)
    )


def oracle(flt: dict[str, Any], meta: dict[str, Any] | None) -> bool:
    """Plain-Python semantics of semantics.md, record by record."""
    for key, cond in flt.items():
        if key == "$and":
            if not all(oracle(child, meta) for child in cond):
                return False
            continue
        if key == "$or":
            if not any(oracle(child, meta) for child in cond):
                return False
            continue
        ops = cond if isinstance(cond, dict) else {"$eq": cond}
        values = _values(meta, key)
        for op, operand in ops.items():
            if op == "$exists":
                ok = (values is not None) == operand
            elif values is None:
                ok = False
            elif op == "$eq":
                ok = any(_same(v, operand) for v in values)
            elif op == "$ne":
                ok = not any(_same(v, operand) for v in values)
            elif op == "$in":
                ok = any(_same(v, o) for v in values for o in operand)
            elif op == "$nin":
                ok = not any(_same(v, o) for v in values for o in operand)
            else:
                numbers = [v for v in values if type(v) in (int, float) and not isinstance(v, list)]
                if isinstance(meta[key], list):
                    numbers = []
                compare = {
                    "$gt": lambda v, o=operand: v > o,
                    "$gte": lambda v, o=operand: v >= o,
                    "$lt": lambda v, o=operand: v < o,
                    "$lte": lambda v, o=operand: v <= o,
                }[op]
                ok = any(compare(v) for v in numbers)
            if not ok:
                return False
    return True


@pytest.fixture(scope="module")
def index() -> MetadataIndex:
    idx = MetadataIndex()
    idx.grow(len(RECORDS))
    for row, meta in enumerate(RECORDS):
        idx.set_row(row, None, meta)
    return idx


VALID = [
    {},
    {"genre": "drama"},
    {"genre": {"$eq": "drama"}},
    {"genre": {"$eq": "comedy"}},
    {"genre": {"$eq": ""}},
    {"genre": {"$ne": "drama"}},
    {"genre": {"$ne": "comedy"}},
    {"genre": {"$in": ["documentary", "action"]}},
    {"genre": {"$in": []}},
    {"genre": {"$nin": ["drama"]}},
    {"genre": {"$nin": []}},
    {"genre": {"$exists": True}},
    {"genre": {"$exists": False}},
    {"nothing": {"$exists": False}},
    {"nothing": {"$ne": 1}},
    {"year": 2020},
    {"year": 2020.0},
    {"year": {"$eq": "2020"}},
    {"year": {"$gt": 2019}},
    {"year": {"$gte": 2019}},
    {"year": {"$lt": 2020.5}},
    {"year": {"$lte": 1}},
    {"year": {"$gte": 2019, "$lte": 2020}},
    {"year": {"$in": [2019, "2020"]}},
    {"year": {"$nin": [2019, 1]}},
    {"year": {"$ne": 2020}},
    {"flag": True},
    {"flag": {"$eq": False}},
    {"flag": {"$ne": True}},
    {"flag": {"$eq": 1}},
    {"flag": {"$gt": 0}},
    {"tags": "b"},
    {"tags": {"$ne": "a"}},
    {"tags": {"$nin": ["a"]}},
    {"tags": {"$exists": True}},
    {"$and": [{"genre": "comedy"}, {"genre": "documentary"}]},
    {"$and": [{"genre": "comedy"}, {"genre": "drama"}]},
    {"$or": [{"genre": "drama"}, {"flag": False}]},
    {"$or": [{}, {"genre": "nope"}]},
    {
        "$and": [
            {"$or": [{"year": {"$lt": 2000}}, {"genre": "comedy"}]},
            {"flag": {"$exists": True}},
        ]
    },
    {"genre": "drama", "year": 2021.5},
]


@pytest.mark.parametrize("flt", VALID, ids=[str(f) for f in VALID])
def test_evaluate_matches_oracle(index: MetadataIndex, flt: dict[str, Any]) -> None:
    mask = evaluate(parse_filter(flt), index, len(RECORDS))
    expected = [oracle(flt, meta) for meta in RECORDS]
    assert mask.tolist() == expected


INVALID = [
    [],
    "genre",
    {"genre": ["a", "b"]},
    {"genre": {"$eq": ["a"]}},
    {"genre": {"$eq": None}},
    {"genre": None},
    {"genre": {"$eq": {"x": 1}}},
    {"year": {"$gt": "2020"}},
    {"year": {"$gt": True}},
    {"year": {"$lt": None}},
    {"genre": {"$in": "drama"}},
    {"genre": {"$in": [True]}},
    {"genre": {"$in": [None]}},
    {"genre": {"$nin": [["a"]]}},
    {"genre": {"$exists": 1}},
    {"genre": {"$exists": "true"}},
    {"genre": {"$regex": "d.*"}},
    {"genre": {}},
    {"$eq": "drama"},
    {"$not": {"genre": "drama"}},
    {"$and": []},
    {"$and": {"genre": "drama"}},
    {"$or": [1]},
]


@pytest.mark.parametrize("flt", INVALID, ids=[repr(f) for f in INVALID])
def test_invalid_filters_are_400(flt: Any) -> None:
    with pytest.raises(ApiError) as info:
        parse_filter(flt)
    assert info.value.http_status == 400
    assert info.value.message.startswith("Invalid filter")


def _nested(depth: int) -> dict[str, Any]:
    flt: dict[str, Any] = {"a": 1}
    for _ in range(depth):
        flt = {"$and": [flt]}
    return flt


def test_nesting_is_bounded() -> None:
    parse_filter(_nested(MAX_FILTER_DEPTH))
    with pytest.raises(ApiError):
        parse_filter(_nested(MAX_FILTER_DEPTH + 1))
    with pytest.raises(ApiError):
        parse_filter(_nested(5000))


def test_unknown_field_matches_nothing_but_exists_false() -> None:
    idx = MetadataIndex()
    idx.grow(3)
    assert not evaluate(parse_filter({"x": 1}), idx, 3).any()
    assert evaluate(parse_filter({"x": {"$exists": False}}), idx, 3).all()


def test_rows_moved_and_cleared() -> None:
    idx = MetadataIndex()
    idx.grow(4)
    idx.set_row(0, None, {"g": "a", "l": ["x"]})
    idx.set_row(1, None, {"g": "b", "l": ["y"], "n": 2.0})
    idx.move_row(1, 0, {"g": "b", "l": ["y"], "n": 2.0}, {"g": "a", "l": ["x"]})
    assert evaluate(parse_filter({"g": "b"}), idx, 1).tolist() == [True]
    assert evaluate(parse_filter({"l": "y"}), idx, 2).tolist() == [True, False]
    assert evaluate(parse_filter({"n": {"$exists": True}}), idx, 2).tolist() == [True, False]
    assert not evaluate(parse_filter({"g": "a"}), idx, 2).any()


def test_columns_grow_with_missing_defaults() -> None:
    idx = MetadataIndex()
    idx.grow(2)
    idx.set_row(0, None, {"n": 1.0})
    idx.grow(100)
    mask = evaluate(parse_filter({"n": {"$exists": True}}), idx, 100)
    assert mask.sum() == 1 and mask[0]
    assert np.count_nonzero(evaluate(parse_filter({"n": {"$lt": 5}}), idx, 100)) == 1
