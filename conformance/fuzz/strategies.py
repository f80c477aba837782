"""Hypothesis strategies for valid data-plane inputs: ids, vectors, sparse vectors, metadata,
filters and namespace names.

Values come from small pools on purpose: ids collide (so overwrites, updates and deletes hit
existing records) and filter operands match stored metadata (so filters select something). Every
strategy here produces only VALID input; `conformance/fuzz/invalid_requests.py` makes the invalid
kind. Numbers stay in ranges where float32 arithmetic is well within the score tolerance.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from hypothesis import strategies as st

ID_MAX = 512
ASCII = "".join(chr(c) for c in range(1, 128))
# Ids that exercise encoding: query-string and path metacharacters, controls, quotes, long ones.
EDGE_IDS = (
    "a b",
    "a/b",
    "#1",
    "?x=1&y=2",
    "%2F",
    "+",
    "a+b",
    " ",
    "\x01",
    "\x7f",
    "\t\n",
    '"q"',
    "\\",
    "~",
    "A" * ID_MAX,
    "a" + "z" * (ID_MAX - 1),
)
SIMPLE_IDS = ("a", "b", "c", "d", "e", "f", "aa", "ab", "b0", "B")
FIELDS = ("genre", "year", "rating", "tags", "flag", "name")
EXTRA_KEYS = ("", "_x", "k with space", "ü", "a.b")  # allowed in metadata, not used in filters
WORDS = ("drama", "comedy", "action", "", "a", "Drama")
NUMBERS = (0, 1, -1, 2020, 2021, 2.5, -0.5, 1e300, 2**53 + 1)


@cache
def record_ids(spaces: bool = True) -> st.SearchStrategy[str]:
    """Record ids: mostly a small colliding pool, sometimes edge cases or random ASCII. Without
    `spaces`, no id holds a space (fetch `ids` with one are not accepted before 2026-07)."""
    alphabet = ASCII if spaces else ASCII.replace(" ", "")
    edge = [i for i in EDGE_IDS if spaces or " " not in i]
    long_ids = st.builds(
        lambda head, fill, n: (head + fill * ID_MAX)[:n],
        st.text(alphabet=alphabet, min_size=1, max_size=8),
        st.sampled_from(alphabet),
        st.integers(ID_MAX - 2, ID_MAX),
    )
    return st.one_of(
        st.sampled_from(SIMPLE_IDS),
        st.sampled_from(edge),
        st.text(alphabet=alphabet, min_size=1, max_size=20),
        long_ids,
    )


@cache
def prefixes() -> st.SearchStrategy[str]:
    """List prefixes: empty, or short prefixes likely to match pool ids."""
    return st.one_of(
        st.just(""), st.sampled_from(("a", "b", "A", "a ", "%", "zz")), st.text(ASCII, max_size=3)
    )


@cache
def _component() -> st.SearchStrategy[float]:
    return st.one_of(
        st.integers(-1000, 1000).map(lambda i: i / 100),
        st.sampled_from((0.0, 1.0, -1.0, 1e-3, 0.5)),
        st.floats(-100.0, 100.0, allow_nan=False, allow_infinity=False, width=32),
    )


DRAWN_COMPONENTS = 32  # above this dimension, components past the drawn ones come from a seed
VECTOR_CHARS = 7  # the most JSON characters one component of a drawn vector takes ("-10.0," + 1)


def _expand(head: list[float], seed: int, dimension: int) -> list[float]:
    """`head` followed by pseudo-random two-decimal components up to `dimension` (cheap to draw
    at any dimension: hypothesis draws a few components and one seed, not 20000 floats)."""
    rng = random.Random(seed)
    tail = [rng.randint(-1000, 1000) / 100 for _ in range(dimension - len(head))]
    return (head + tail)[:dimension]


@cache
def dense_vectors(dimension: int) -> st.SearchStrategy[list[float]]:
    """Finite vectors of the index dimension with at least one component of magnitude >= 1e-3.
    Each component takes at most VECTOR_CHARS characters of JSON, so a request's size is known
    from its record count (see `batch_limit`)."""

    def fix(values: list[float]) -> list[float]:
        if max(abs(v) for v in values) < 1e-3:
            values[0] = 1.0
        return values

    cheap_component = st.integers(-1000, 1000).map(lambda i: i / 100)
    if dimension > DRAWN_COMPONENTS:
        head = st.lists(cheap_component, min_size=1, max_size=DRAWN_COMPONENTS)
        return st.builds(_expand, head, st.integers(0, 2**32 - 1), st.just(dimension)).map(fix)
    cheap = st.lists(cheap_component, min_size=dimension, max_size=dimension)
    mixed = st.lists(_component(), min_size=dimension, max_size=dimension)
    return st.one_of(cheap, mixed).map(fix)


RECORD_OVERHEAD = 2048  # id, sparse values and metadata of one drawn record, in JSON characters
BODY_BUDGET = 1_500_000  # what a drawn write may take of the 2 MB request limit


def batch_limit(dimension: int, wanted: int) -> int:
    """How many drawn records (at most `wanted`, at least one) fit a request under the body
    limit at `dimension`."""
    per_record = dimension * VECTOR_CHARS + RECORD_OVERHEAD
    return max(1, min(wanted, BODY_BUDGET // per_record))


_SPARSE_VALUE = st.one_of(
    st.integers(-1000, 1000).filter(bool).map(lambda i: i / 100),
    st.sampled_from((1.0, 0.5, -2.0)),
)


@cache
def sparse_vectors(max_entries: int = 6) -> st.SearchStrategy[dict[str, list]]:
    """Sparse vectors: unique indices (small range, sometimes the uint32 maximum), any order,
    non-zero values."""
    entries = st.lists(
        st.tuples(st.one_of(st.integers(0, 15), st.just(2**32 - 1)), _SPARSE_VALUE),
        min_size=1,
        max_size=max_entries,
        unique_by=lambda e: e[0],
    )
    return entries.map(lambda es: {"indices": [e[0] for e in es], "values": [e[1] for e in es]})


@cache
def metadata_values() -> st.SearchStrategy[Any]:
    """Every allowed metadata value type: string, number, boolean, list of strings."""
    return st.one_of(
        st.sampled_from(WORDS),
        st.text(max_size=8),
        st.sampled_from(NUMBERS),
        st.integers(-10, 10),
        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.lists(st.sampled_from(WORDS), max_size=3),
        st.lists(st.text(max_size=4), max_size=2),
    )


@cache
def metadata(allow_null: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Flat metadata objects (possibly empty); with `allow_null`, `null` values sometimes (whether
    the API drops them or answers 400 is undocumented, so the fuzz machine sends none)."""
    value = st.one_of(metadata_values(), st.none()) if allow_null else metadata_values()
    keys = st.one_of(st.sampled_from(FIELDS), st.sampled_from(EXTRA_KEYS))
    return st.dictionaries(keys, value, max_size=4)


@cache
def filterable_metadata() -> st.SearchStrategy[dict[str, Any]]:
    """Metadata of one to three filter fields with values from small pools of each type, so
    records share values and a filter built from one record selects or excludes others."""
    pools: dict[str, st.SearchStrategy[Any]] = {
        "genre": st.sampled_from(WORDS[:3]),
        "year": st.integers(2019, 2022),
        "rating": st.sampled_from((1.5, 2.5, 7.5, 9.0)),
        "tags": st.lists(st.sampled_from(WORDS[:3]), min_size=1, max_size=2, unique=True),
        "flag": st.booleans(),
        "name": st.sampled_from(("x", "y", "2020")),
    }
    return st.fixed_dictionaries({}, optional=pools).filter(bool)


# -- filters ------------------------------------------------------------------------------------
@cache
def _scalar_operand() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(WORDS), st.sampled_from(NUMBERS), st.booleans())


@cache
def _number_operand() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(NUMBERS), st.integers(-10, 10), st.floats(-10, 10))


@cache
def _list_operand() -> st.SearchStrategy[list[Any]]:
    # never empty: what `$in: []` selects (or whether it is a 400) is undocumented
    return st.lists(
        st.one_of(st.sampled_from(WORDS), st.sampled_from(NUMBERS)), min_size=1, max_size=3
    )


@cache
def _condition() -> st.SearchStrategy[Any]:
    """The right-hand side for one field: an implicit value or an operator object."""
    single = st.one_of(
        st.tuples(st.sampled_from(("$eq", "$ne")), _scalar_operand()),
        st.tuples(st.sampled_from(("$gt", "$gte", "$lt", "$lte")), _number_operand()),
        st.tuples(st.sampled_from(("$in", "$nin")), _list_operand()),
        st.tuples(st.just("$exists"), st.booleans()),
    )
    return st.one_of(
        _scalar_operand(),
        st.lists(single, min_size=1, max_size=2, unique_by=lambda t: t[0]).map(dict),
    )


@cache
def _field_filter() -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(FIELDS), _condition(), min_size=1, max_size=2)


@cache
def field_conditions() -> st.SearchStrategy[dict[str, Any]]:
    """One field with one condition (`{field: value}` or `{field: {op: operand, ...}}`)."""
    return st.builds(lambda f, c: {f: c}, st.sampled_from(FIELDS), _condition())


@cache
def filters(allow_empty: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Filters from every operator, nested `$and`/`$or` up to three levels. With `allow_empty`,
    the whole filter may be `{}` (no filtering); never inside `$and`/`$or`, where its meaning is
    undocumented."""
    leaf = _field_filter()

    def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        logical = st.builds(
            lambda op, subs: {op: subs},
            st.sampled_from(("$and", "$or")),
            st.lists(children, min_size=1, max_size=3),
        )
        return st.one_of(logical, st.builds(lambda a, b: {**a, **b}, logical, _field_filter()))

    tree = st.recursive(leaf, extend, max_leaves=5)
    # one simple condition half of the time: those match often enough to select something
    simple = field_conditions()
    if allow_empty:
        return st.one_of(simple, tree, st.just({}))
    return st.one_of(simple, tree)


@cache
def namespace_suffixes() -> st.SearchStrategy[str]:
    """Suffixes that make a second namespace name with characters needing encoding."""
    return st.one_of(
        st.sampled_from(("-2", "- x", "/a", "#b", "%20", "+", "?", "~")),
        st.text(alphabet=ASCII.replace("\x00", ""), min_size=1, max_size=6).map(lambda s: "-" + s),
    )


@cache
def namespaces(prefix: str) -> st.SearchStrategy[str]:
    """Namespace names under `prefix`, at most 512 ASCII characters."""
    return namespace_suffixes().map(lambda s: (prefix + s)[:ID_MAX])
