"""Validation rules and limits, at and just past each edge."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from reference_server.errors import ApiError
from reference_server.validation import (
    check_id,
    check_ids,
    check_int,
    parse_bool_param,
    parse_dense,
    parse_dense_batch,
    parse_int_param,
    parse_metadata,
    parse_query_dense,
    parse_sparse,
    resolve_namespace,
)


def rejects(fn: Any, *args: Any) -> str:
    with pytest.raises(ApiError) as info:
        fn(*args)
    assert info.value.http_status == 400
    return info.value.message


@pytest.mark.parametrize("value", ["a", "x" * 512, "\x01", "a b/c#d", "\x7f"])
def test_valid_ids(value: str) -> None:
    assert check_id(value) == value


@pytest.mark.parametrize("value", ["", "x" * 513, "é", "a\x00b", 5, None, True, ["a"]])
def test_invalid_ids(value: Any) -> None:
    rejects(check_id, value)


def test_ids_list_limits() -> None:
    assert len(check_ids(["a"] * 1000)) == 1000
    rejects(check_ids, ["a"] * 1001)
    rejects(check_ids, "a")
    rejects(check_ids, ["a", 1])


@pytest.mark.parametrize(
    ("value", "version", "expected"),
    [
        (None, "2025-10", ""),
        ("", "2024-07", ""),
        ("ns", "2024-07", "ns"),
        ("__default__", "2025-04", ""),
    ],
)
def test_namespaces(value: Any, version: str, expected: str) -> None:
    assert resolve_namespace(value, version) == expected


def test_default_alias_before_2025_04() -> None:
    message = rejects(resolve_namespace, "__default__", "2025-01")
    assert (
        message == "Use of namespace='__default__' is not allowed in API versions prior to 2025-04"
    )


@pytest.mark.parametrize("value", [5, "x" * 513, "é", "a\x00"])
def test_invalid_namespaces(value: Any) -> None:
    rejects(resolve_namespace, value, "2025-10")


@pytest.mark.parametrize(("value", "ok"), [(1, True), (10000, True), (0, False), (10001, False)])
def test_int_range(value: int, ok: bool) -> None:
    if ok:
        assert check_int(value, "topK", 1, 10000) == value
    else:
        rejects(check_int, value, "topK", 1, 10000)


@pytest.mark.parametrize("value", ["3", 3.0, True, None, [3]])
def test_int_type(value: Any) -> None:
    rejects(check_int, value, "topK", 1, 10000)


def test_int_and_bool_params() -> None:
    assert parse_int_param(None, "limit", 1, 100, 100) == 100
    assert parse_int_param("7", "limit", 1, 100, 100) == 7
    for raw in ("0", "101", "x", "1.5", "9" * 40):
        rejects(parse_int_param, raw, "limit", 1, 100, 100)
    assert parse_bool_param("true", "deleteAll") is True
    assert parse_bool_param("False", "deleteAll") is False
    rejects(parse_bool_param, "yes", "deleteAll")


def test_dense_vector_rules() -> None:
    assert parse_dense([1, 2.5, 0, 0], 4, "a").dtype == np.float32
    assert rejects(parse_dense, [1, 2, 3], 4, "a") == (
        "Vector dimension 3 does not match the dimension of the index 4"
    )
    assert rejects(parse_dense, [], 4, "a") == (
        "Vector dimension 0 does not match the dimension of the index 4"
    )
    assert rejects(parse_dense, [0, 0, 1e-9, -1e-9], 4, "z") == (
        "Dense vectors must contain at least one non-zero value. Vector ID 'z' contains only zeros"
    )
    parse_dense([0, 0, 1e-8, 0], 4, "a")
    for bad in (["a", 1, 1, 1], [True, 1, 1, 1], [None, 1, 1, 1], [[1], 1, 1, 1], {"a": 1}, 1e39):
        rejects(parse_dense, bad, 4, "a")
    rejects(parse_dense, [1e39, 1, 1, 1], 4, "a")


def test_query_vector_rules() -> None:
    """A query vector follows the dense rules except that all zeros is allowed."""
    assert parse_query_dense([0, 0, 0, 0], 4).tolist() == [0, 0, 0, 0]
    assert parse_query_dense([0, 0, 1e-9, 0], 4).dtype == np.float32
    assert rejects(parse_query_dense, [0, 0, 0], 4) == (
        "Vector dimension 3 does not match the dimension of the index 4"
    )
    for bad in (["a", 0, 0, 0], [True, 0, 0, 0], [1e39, 0, 0, 0], "0,0,0,0"):
        rejects(parse_query_dense, bad, 4)


@pytest.mark.parametrize(
    "rows",
    [
        [[1, 2], ["a", 2]],
        [[1, 2], [True, 2]],
        [[1, 2], [1, None]],
        [[1, 2], [[1], 2]],
        [[1, 2], [0, 0]],
        [[1, 2], [1]],
        [[1, 2], "ab"],
        [[1e39, 1], [1, 2]],
    ],
)
def test_dense_batch_rejects(rows: list[Any]) -> None:
    rejects(parse_dense_batch, rows, 2, ["a", "b"], True)


def test_dense_batch_converts() -> None:
    matrix = parse_dense_batch([[1, 2], [3.5, -1]], 2, ["a", "b"], False)
    assert matrix.dtype == np.float32 and matrix.tolist() == [[1, 2], [3.5, -1]]


def test_sparse_rules() -> None:
    indices, values = parse_sparse({"indices": [5, 1], "values": [0.5, 2]}, "2025-10")
    assert indices.tolist() == [5, 1] and values.tolist() == [0.5, 2.0]
    parse_sparse({"indices": [2**32 - 1], "values": [1]}, "2025-10")
    parse_sparse({"indices": list(range(1000)), "values": [1.0] * 1000}, "2025-10")
    parse_sparse({"indices": list(range(2048)), "values": [1.0] * 2048}, "2026-07")
    for bad in (
        {"indices": [1, 2], "values": [1]},
        {"indices": [], "values": []},
        {"indices": [1, 1], "values": [1, 2]},
        {"indices": [-1], "values": [1]},
        {"indices": [2**32], "values": [1]},
        {"indices": [1.5], "values": [1]},
        {"indices": [True], "values": [1]},
        {"indices": [1], "values": ["a"]},
        {"indices": [1], "values": [1e39]},
        {"indices": [1]},
        [1, 2],
        {"indices": list(range(1001)), "values": [1.0] * 1001},
    ):
        rejects(parse_sparse, bad, "2025-10")
    rejects(parse_sparse, {"indices": list(range(2049)), "values": [1.0] * 2049}, "2026-07")


def test_metadata_rules() -> None:
    meta = parse_metadata({"s": "x", "n": 3, "b": False, "l": ["a"], "e": [], "z": None, "": "k"})
    assert meta == {"s": "x", "n": 3.0, "b": False, "l": ["a"], "e": [], "": "k"}
    assert type(meta["n"]) is float
    assert parse_metadata({}) is None
    assert parse_metadata({"z": None}) is None
    assert rejects(parse_metadata, {"$x": 1}) == "Metadata field '$x' cannot start with '$'"
    assert rejects(parse_metadata, {"o": {"a": 1}}) == (
        "Metadata value must be a string, number, boolean or list of strings, "
        """got '{"a":1}' for field 'o'"""
    )
    for bad in ([1, 2], ["a", 1], ["a", None], [["a"]]):
        rejects(parse_metadata, {"f": bad})
    rejects(parse_metadata, ["a"])


def test_metadata_size_limit() -> None:
    # {"k":"<v>"} is 8 bytes plus the value.
    parse_metadata({"k": "x" * (40960 - 8)})
    message = rejects(parse_metadata, {"k": "x" * (40960 - 7)})
    assert message == (
        "Metadata size is 40961 bytes, which exceeds the limit of 40960 bytes per vector"
    )
    # UTF-8 bytes count, not characters.
    rejects(parse_metadata, {"k": "é" * 20477})
