"""Metadata filters (digest §5.2), exercised through POST /query on a fixed set of records.

Each case names the records whose presence it decides (`scope`); records outside the scope are
those for which the documentation leaves the outcome open for that filter (a missing field, another
value type), and are neither required nor forbidden.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from conformance.suite._helpers import assert_invalid
from conformance.suite._query_helpers import ids_of, seed
from conformance.target.space import Space

RECORDS: dict[str, dict[str, Any] | None] = {
    "a": {"genre": "drama", "year": 2020, "rating": 7.5, "tags": ["comedy", "documentary"],
          "active": True},
    "b": {"genre": "comedy", "year": 2021, "rating": 9, "tags": ["comedy", "drama"],
          "active": False},
    "c": {"genre": "action", "year": 2019, "rating": 5.25, "tags": ["action"], "active": True},
    "d": {"genre": "drama", "year": 2022, "tags": []},
    "e": {"year": "2020", "active": "true"},
    "f": None,
}  # fmt: skip
ALL = frozenset(RECORDS)
TYPED = frozenset("abcd")  # records whose `genre`/`year` are present and of the usual type
RATED = frozenset("abc")  # records with a numeric `rating` and a boolean `active`


class Case(NamedTuple):
    flt: dict[str, Any]
    expected: frozenset[str]
    scope: frozenset[str] = ALL


def case(flt: dict[str, Any], expected: str, scope: frozenset[str] = ALL) -> Case:
    return Case(flt, frozenset(expected), scope)


def _run(space: Space, c: Case) -> None:
    """Seed the records, run the filter, and compare within the case's scope."""
    records = []
    for i, (rid, meta) in enumerate(RECORDS.items()):
        record: dict[str, Any] = {"id": rid, "values": space.vectors.dense(i)}
        if meta is not None:
            record["metadata"] = meta
        records.append(record)
    probe = seed(space, records)
    got = set(ids_of(space.query(topK=len(RECORDS) + 1, filter=c.flt, **probe)))
    assert got & c.scope == c.expected, (
        f"filter {c.flt}: expected {sorted(c.expected)} among {sorted(c.scope)}, got {sorted(got)}"
    )


# ---- selection ----------------------------------------------------------------------------------

IMPLICIT_EQ = [
    case({"genre": "drama"}, "ad"),
    case({"genre": {"$eq": "drama"}}, "ad"),
    case({"year": 2021}, "b", TYPED),
    case({"year": {"$eq": 2021}}, "b", TYPED),
    case({"active": True}, "ac", RATED),
    case({"active": {"$eq": True}}, "ac", RATED),
]

EQ_NE = [
    case({"genre": {"$eq": "comedy"}}, "b", TYPED),
    case({"year": {"$eq": 2019}}, "c", TYPED),
    case({"rating": {"$eq": 7.5}}, "a", RATED),
    case({"active": {"$eq": False}}, "b", RATED),
    case({"genre": {"$ne": "drama"}}, "bc", TYPED),
    case({"year": {"$ne": 2020}}, "bcd", TYPED),
    case({"rating": {"$ne": 9}}, "ac", RATED),
    case({"active": {"$ne": True}}, "b", RATED),
]

RANGE = [
    case({"year": {"$gt": 2020}}, "bd", TYPED),
    case({"year": {"$gte": 2020}}, "abd", TYPED),
    case({"year": {"$lt": 2020}}, "c", TYPED),
    case({"year": {"$lte": 2020}}, "ac", TYPED),
    case({"rating": {"$gt": 7.5}}, "b", RATED),
    case({"rating": {"$gte": 7.5}}, "ab", RATED),
    case({"rating": {"$lt": 7.5}}, "c", RATED),
    case({"rating": {"$lte": 5.25}}, "c", RATED),
]

IN_NIN = [
    case({"genre": {"$in": ["comedy", "action"]}}, "bc", TYPED),
    case({"year": {"$in": [2019, 2022]}}, "cd", TYPED),
    case({"genre": {"$nin": ["drama"]}}, "bc", TYPED),
    case({"year": {"$nin": [2020, 2021]}}, "cd", TYPED),
]

EXISTS = [
    case({"rating": {"$exists": True}}, "abc"),
    case({"rating": {"$exists": False}}, "def"),
    case({"genre": {"$exists": False}}, "ef"),
]

AND_OR = [
    case({"$and": [{"genre": "drama"}, {"year": {"$gt": 2020}}]}, "d", TYPED),
    case({"$or": [{"genre": "action"}, {"year": 2021}]}, "bc", TYPED),
    case({"$or": [{"$and": [{"genre": "drama"}, {"year": 2020}]}, {"genre": "action"}]},
         "ac", TYPED),
    case({"$and": [{"$or": [{"genre": "comedy"}, {"genre": "action"}]}, {"year": {"$gte": 2020}}]},
         "b", TYPED),
]  # fmt: skip

FIELDS_ANDED = [
    case({"genre": "drama", "year": 2022}, "d", TYPED),
    case({"genre": {"$eq": "drama"}, "year": {"$eq": 2020}}, "a", TYPED),
    case({"genre": "comedy", "year": 2020}, "", TYPED),
]

LIST_ANY = [
    case({"tags": "comedy"}, "ab", TYPED),
    case({"tags": {"$eq": "drama"}}, "b", TYPED),
    case({"tags": {"$in": ["documentary", "action"]}}, "ac", TYPED),
]

LIST_AND_BOTH = [
    case({"$and": [{"tags": "comedy"}, {"tags": "documentary"}]}, "a", TYPED),
    case({"$and": [{"tags": "comedy"}, {"tags": "action"}]}, "", TYPED),
]

NE_NIN_MISSING = [
    case({"rating": {"$ne": 7.5}}, "bc"),
    case({"genre": {"$nin": ["comedy"]}}, "acd"),
]

MISSING_FIELD = [
    case({"rating": {"$eq": 9}}, "b"),
    case({"rating": {"$gte": 0}}, "abc"),
    case({"rating": {"$lt": 100}}, "abc"),
    case({"genre": {"$in": ["drama", "comedy", "action"]}}, "abcd"),
]

MULTIPLE_OPERATORS = [
    case({"year": {"$gte": 2020, "$lte": 2021}}, "ab", TYPED),
    case({"rating": {"$gt": 5.25, "$lt": 9}}, "a", RATED),
    case({"genre": {"$ne": "drama", "$in": ["comedy", "drama"]}}, "b", TYPED),
]

NUMBERS_AS_FLOAT = [
    case({"year": 2020.0}, "a", TYPED),
    case({"rating": {"$eq": 9.0}}, "b", RATED),
    case({"year": {"$in": [2019.0]}}, "c", TYPED),
]

TYPE_STRICT = [
    case({"year": "2020"}, "e", frozenset("ae")),
    case({"year": 2020}, "a", frozenset("ae")),
    case({"year": {"$in": ["2020"]}}, "e", frozenset("ae")),
]

LIST_NE_NIN = [
    case({"tags": {"$ne": "comedy"}}, "c", RATED),
    case({"tags": {"$nin": ["documentary", "action"]}}, "b", RATED),
]

SELECTION = [
    ("FILTERS-IMPLICIT-EQ", IMPLICIT_EQ),
    ("FILTERS-EQ-NE-TYPES", EQ_NE),
    ("FILTERS-RANGE", RANGE),
    ("FILTERS-IN-NIN", IN_NIN),
    ("FILTERS-EXISTS", EXISTS),
    ("FILTERS-AND-OR", AND_OR),
    ("FILTERS-FIELDS-ANDED", FIELDS_ANDED),
    ("FILTERS-LIST-ANY-ELEMENT", LIST_ANY),
    ("FILTERS-LIST-AND-BOTH", LIST_AND_BOTH),
    ("FILTERS-NE-NIN-MISSING-FIELD", NE_NIN_MISSING),
    ("FILTERS-MISSING-FIELD-NO-MATCH", MISSING_FIELD),
    ("FILTERS-MULTIPLE-OPERATORS-ANDED", MULTIPLE_OPERATORS),
    ("FILTERS-NUMBERS-AS-FLOAT", NUMBERS_AS_FLOAT),
    ("FILTERS-TYPE-STRICT", TYPE_STRICT),
    ("FILTERS-LIST-NE-NIN", LIST_NE_NIN),
]


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(c, marks=pytest.mark.behavior(bid), id=f"{bid}:{c.flt}")
        for bid, cases in SELECTION
        for c in cases
    ],
)
def test_filter_selects(dense_space, c):
    """The filter selects exactly the documented records."""
    _run(dense_space, c)


# ---- invalid filters ----------------------------------------------------------------------------

INVALID = [
    ("FILTERS-ARRAY-EQ-INVALID", {"genre": ["drama", "comedy"]}),
    ("FILTERS-ARRAY-EQ-INVALID", {"genre": {"$eq": ["drama"]}}),
    ("FILTERS-TOP-LEVEL-OPERATOR-INVALID", {"$gt": 5}),
    ("FILTERS-TOP-LEVEL-OPERATOR-INVALID", {"$eq": "drama"}),
    ("FILTERS-TOP-LEVEL-OPERATOR-INVALID", {"$in": ["drama"]}),
    ("FILTERS-TOP-LEVEL-OPERATOR-INVALID", {"$exists": True}),
    ("FILTERS-RANGE-NON-NUMBER-INVALID", {"year": {"$gt": "2020"}}),
    ("FILTERS-RANGE-NON-NUMBER-INVALID", {"year": {"$lte": True}}),
    ("FILTERS-RANGE-NON-NUMBER-INVALID", {"year": {"$gte": None}}),
    ("FILTERS-RANGE-NON-NUMBER-INVALID", {"year": {"$lt": [2020]}}),
    ("FILTERS-IN-INVALID-OPERAND", {"genre": {"$in": "drama"}}),
    ("FILTERS-IN-INVALID-OPERAND", {"genre": {"$nin": "drama"}}),
    ("FILTERS-IN-INVALID-OPERAND", {"active": {"$in": [True]}}),
    ("FILTERS-IN-INVALID-OPERAND", {"genre": {"$in": [{"x": 1}]}}),
]


@pytest.mark.parametrize(
    "flt",
    [pytest.param(f, marks=pytest.mark.behavior(bid), id=f"{bid}:{f}") for bid, f in INVALID],
)
def test_invalid_filter_rejected(dense_space, flt):
    """An invalid filter is rejected with 400."""
    assert_invalid(dense_space.query(topK=3, vector=dense_space.vectors.dense(0), filter=flt))
