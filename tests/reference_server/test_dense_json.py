"""The simdjson fast path for upsert bodies reads exactly what orjson reads, or declines."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.dense_json import decode_dense_upsert


def _orjson_reading(raw: bytes) -> tuple[Any, np.ndarray | None]:
    """What the orjson path sees: the body less each vector's values, and the values as numpy
    makes them (None when numpy would not make a numeric matrix of them)."""
    body = orjson.loads(raw)
    rows = [vector.pop("values") for vector in body["vectors"]]
    try:
        array = np.array(rows)
    except (ValueError, TypeError):
        return body, None
    return body, array if array.dtype.kind in "fiu" else None


def _agrees(raw: bytes, dimension: int) -> bool:
    """The fast path declined, or it gives orjson's body and the same float32 rows."""
    decoded = decode_dense_upsert(raw, dimension)
    if decoded is None:
        return False
    body, matrix = decoded
    expected_body, expected = _orjson_reading(raw)
    assert body == expected_body
    assert expected is not None
    assert expected.shape == matrix.shape
    with np.errstate(over="ignore"):
        assert np.array_equal(matrix.astype(np.float32), expected.astype(np.float32))
    return True


def test_a_plain_body_takes_the_fast_path() -> None:
    vectors = [
        {"id": "a", "values": [0.1, -2.5e-7, 3], "metadata": {"genre": ["x", "y"], "n": 2}},
        {"id": "b", "values": [1, 2, 3], "sparseValues": {"indices": [1, 5], "values": [0.5, 1]}},
    ]
    for dumps in (json.dumps, lambda value: json.dumps(value, indent=2)):
        raw = dumps({"namespace": "ns", "vectors": vectors}).encode()
        assert _agrees(raw, 3)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"vectors": [{"id": "a", "values": [[1.0], 2.0]}]}',  # an array inside values
        b'{"vectors": [{"id": "a", "values": [ [1.0, 2.0] ]}]}',
        b'{"vectors": [{"id": "a", "values": [true, 2.0]}]}',
        b'{"vectors": [{"id": "a", "values": [null, 2.0]}]}',
        b'{"vectors": [{"id": "a", "values": ["1", 2.0]}]}',
        b'{"vectors": [{"id": "a", "values": [{}, 2.0]}]}',
        b'{"vectors": [{"id": "a", "values": [1.0]}]}',  # another dimension
        b'{"vectors": [{"id": "a", "values": [1.0, 2.0, 3.0]}]}',
        b'{"vectors": [{"id": "a"}]}',
        b'{"vectors": [{"id": "a", "values": null}]}',
        b'{"vectors": [{"id": "a", "values": [1.0, 2.0], "values": [3.0, 4.0]}]}',
        b'{"vectors": [], "vectors": [{"id": "a", "values": [1.0, 2.0]}]}',
        b'{"vectors": [{"id": "\\u00e9", "values": [1.0, 2.0]}]}',  # an escape
        '{"vectors": [{"id": "é", "values": [1.0, 2.0]}]}'.encode(),
        b'{"vectors": [{"id": "a", "values": [1e400, 2.0]}]}',
        b'{"vectors": [{"id": "a", "values": [123456789012345678901234567890, 2.0]}]}',
        b'{"vectors": [{"id": "a", "values": [9007199254740993, 2]}]}',  # int64 -> float32
        b'{"vectors": [{"id": "a", "values": [1.0, 2.0]}',  # malformed
        b'{"vectors": {"id": "a", "values": [1.0, 2.0]}}',
        b'{"vectors": ["a"]}',
        b'[{"id": "a", "values": [1.0, 2.0]}]',
        b"",
    ],
)
def test_declines_what_only_orjson_reads_with_certainty(raw: bytes) -> None:
    assert decode_dense_upsert(raw, 2) is None


def test_a_parser_is_reusable_after_a_declined_body() -> None:
    assert decode_dense_upsert(b'{"vectors": [{"id": "a", "values": [true, 1]}]}', 2) is None
    assert decode_dense_upsert(b'{"vectors": [{"id": "a", "values": [0.5, 1]}]}', 2) is not None


_ascii = st.characters(max_codepoint=0x7F)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(_ascii, max_size=4),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(_ascii, max_size=3), inner),
    max_leaves=6,
)
_value = st.one_of(
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(
    vectors=st.lists(
        st.fixed_dictionaries(
            {"id": _json, "values": st.lists(_value, min_size=2, max_size=2) | _json},
            optional={"metadata": _json, "sparseValues": _json},
        ),
        min_size=1,
        max_size=3,
    ),
    extra=st.dictionaries(st.sampled_from(["namespace", "x"]), _json),
    indent=st.sampled_from([None, 1]),
)
def test_whatever_it_accepts_orjson_reads_the_same(
    vectors: list[dict[str, Any]], extra: dict[str, Any], indent: int | None
) -> None:
    raw = json.dumps({**extra, "vectors": vectors}, indent=indent).encode()
    _agrees(raw, 2)
