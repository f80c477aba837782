"""Upsert bodies of a dense index decoded with simdjson: values go from the text into one buffer.

orjson makes a Python float of every number, and turning those lists into a matrix is a second
pass over them; together they were two thirds of an upsert's CPU. simdjson parses the body into
its own tape and copies each vector's `values` straight into a float64 buffer.

This is a fast path only. It takes a body when its decoding is certain to equal orjson's and
returns None otherwise, so that request goes through `parse_object` and `parse_dense_batch` and
gets their answer, errors included. Certain means: no byte order mark (simdjson skips one, orjson
refuses it), no array directly inside an array (simdjson flattens nested arrays into the buffer),
unique keys in the objects read field by field (orjson keeps the last of duplicates), every
vector an object whose `values` is an array of exactly `dimension` numbers, all below 2**53 in
magnitude (a batch of integers alone becomes int64 then float32 in numpy, which agrees with the
float64 route only for integers a float64 holds exactly). Every string outside `values` is made a
Python str, whose strict UTF-8 decoding refuses what orjson refuses (surrogates, overlong forms);
both parsers refuse lone surrogate escapes, nest up to 1024 levels and refuse numbers out of
range; integers past 64 bits make simdjson fail, so they take the orjson path.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import simdjson

EXACT_INTEGER_LIMIT = 2.0**53
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"
_WHITESPACE = frozenset(b" \t\n\r")
_ARRAY_OPENERS = frozenset(b"[,")
_local = threading.local()


def _parser() -> simdjson.Parser:
    """This thread's parser: a parser keeps its buffers between documents but is not shareable."""
    parser: simdjson.Parser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = simdjson.Parser()
    return parser


def _may_nest_arrays(raw: bytes) -> bool:
    """Whether some `[` follows a `[` or `,` (whitespace aside): an array inside an array.

    Strings may hold such text too; they only send the body down the orjson path.
    """
    at = raw.find(b"[")
    while at != -1:
        before = at - 1
        while before >= 0 and raw[before] in _WHITESPACE:
            before -= 1
        if before >= 0 and raw[before] in _ARRAY_OPENERS:
            return True
        at = raw.find(b"[", at + 1)
    return False


def _python(value: Any) -> Any:
    """A parsed element as the Python value orjson gives."""
    if isinstance(value, simdjson.Object):
        return value.as_dict()
    if isinstance(value, simdjson.Array):
        return value.as_list()
    return value


def _unique_keys(obj: simdjson.Object) -> list[str] | None:
    keys = list(obj.keys())
    return keys if len(set(keys)) == len(keys) else None


def decode_dense_upsert(raw: bytes, dimension: int) -> tuple[dict[str, Any], np.ndarray] | None:
    """(body, float64 values) of an upsert body, or None when only orjson's reading is certain.

    The body is what `parse_object` returns, less each vector's `values`; row i of the matrix
    holds vector i's values.
    """
    if raw.startswith(_BYTE_ORDER_MARK) or _may_nest_arrays(raw):
        return None
    try:
        doc = _parser().parse(raw)
    except (ValueError, RuntimeError, TypeError):  # malformed, or a number simdjson cannot hold
        return None
    try:
        return _decode(doc, dimension)
    except (ValueError, RuntimeError, TypeError):  # a value that is not a number, bad UTF-8
        return None
    finally:
        del doc  # the parser refuses a new document while proxies of this one live


def _decode(doc: Any, dimension: int) -> tuple[dict[str, Any], np.ndarray] | None:
    if not isinstance(doc, simdjson.Object):
        return None
    keys = _unique_keys(doc)
    vectors = doc.get("vectors")
    if keys is None or not isinstance(vectors, simdjson.Array):
        return None
    body = {key: _python(doc[key]) for key in keys if key != "vectors"}
    matrix = np.empty((len(vectors), dimension), dtype=np.float64)
    records: list[dict[str, Any]] = []
    for i, vector in enumerate(vectors):
        if not isinstance(vector, simdjson.Object):
            return None
        fields = _unique_keys(vector)
        values = vector.get("values")
        if fields is None or not isinstance(values, simdjson.Array) or len(values) != dimension:
            return None
        row = np.frombuffer(values.as_buffer(of_type="d"), dtype=np.float64)
        if len(row) != dimension:
            return None
        matrix[i] = row
        records.append({key: _python(vector[key]) for key in fields if key != "values"})
    if len(matrix) and max(matrix.max(), -matrix.min()) >= EXACT_INTEGER_LIMIT:
        return None
    body["vectors"] = records
    return body, matrix
