"""The simdjson fast path for upsert bodies reads exactly what orjson reads, or declines."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from reference_server import dataplane_writes as writes
from reference_server.dataplane_common import Context
from reference_server.dense_json import decode_dense_upsert
from reference_server.errors import ApiError
from reference_server.store import IndexStore


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


def test_escapes_and_non_ascii_text_read_the_same() -> None:
    vectors = [{"id": 'a"b\\c', "values": [1, 0.5], "metadata": {"t": "é\n😀\u0000", "é": ["\t"]}}]
    for ensure_ascii in (True, False):
        raw = json.dumps({"vectors": vectors}, ensure_ascii=ensure_ascii).encode()
        assert _agrees(raw, 2)
    assert _agrees(b'{"vect\\u006frs": [{"id": "a", "val\\u0075es": [1, 0.5]}]}', 2)


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
        b'\xef\xbb\xbf{"vectors": [{"id": "a", "values": [1.0, 2.0]}]}',  # a byte order mark
        b'{"vectors": [{"id": "\\ud800", "values": [1.0, 2.0]}]}',  # a lone surrogate
        b'{"vectors": [{"id": "\xed\xa0\x80", "values": [1.0, 2.0]}]}',  # an encoded one
        b'{"vectors": [{"id": "\xc0\xaf", "values": [1.0, 2.0]}]}',  # an overlong form
        b'{"vectors": [{"id": "a", "values": [1.0, 2.0], "metadata": {"\xff": 1}}]}',
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
_text = st.text(_ascii, max_size=4) | st.text(max_size=4)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner),
    max_leaves=6,
)
_value = st.one_of(
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
)

_values_or_any = st.lists(_value, min_size=2, max_size=2) | st.lists(_value, max_size=3) | _json


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
    ensure_ascii=st.booleans(),
)
def test_whatever_it_accepts_orjson_reads_the_same(
    vectors: list[dict[str, Any]], extra: dict[str, Any], indent: int | None, ensure_ascii: bool
) -> None:
    body = {**extra, "vectors": vectors}
    raw = json.dumps(body, indent=indent, ensure_ascii=ensure_ascii).encode(
        "utf-8", "surrogatepass"
    )
    _agrees(raw, 2)


def _answer(raw: bytes, simdjson_reader: bool) -> tuple[int, bytes, Any]:
    """The upsert handler's status and body for `raw`, and what the store then holds; with or
    without the simdjson reader."""
    store = IndexStore("i", 2, "cosine")
    context = Context(store, "2025-10", QueryParams(""), {}, raw)
    reader = decode_dense_upsert if simdjson_reader else lambda raw, dimension: None
    try:
        with patch.object(writes, "decode_dense_upsert", reader):
            response = writes.upsert(context)
        status, body = response.status_code, bytes(response.body)
    except ApiError as error:
        status, body = error.http_status, error.message.encode()
    held = {
        name: [(ns.ids[r], ns.vector(r).tolist(), ns.metadata(r)) for r in range(ns.n)]
        for name, ns in store.namespaces.items()
    }
    return status, body, held


@settings(max_examples=200, deadline=None)
@given(
    vectors=st.lists(
        st.fixed_dictionaries(
            {"id": st.sampled_from(["a", "b", "é"]) | _json, "values": _values_or_any},
            optional={"metadata": _json},
        ),
        min_size=1,
        max_size=3,
    ),
    ensure_ascii=st.booleans(),
)
def test_the_upsert_answers_the_same_either_way(
    vectors: list[dict[str, Any]], ensure_ascii: bool
) -> None:
    raw = json.dumps({"namespace": "ns", "vectors": vectors}, ensure_ascii=ensure_ascii).encode()
    assert _answer(raw, True) == _answer(raw, False)
