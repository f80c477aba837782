"""Request validation rules and limits of the data plane (digest §3.3, §4, §5, §8).

Every check raises ApiError (400 unless noted) before anything is written, and runs outside the
store lock: none of these rules depends on stored state.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from reference_server.errors import bad_request
from reference_server.versions import at_least

MAX_ID_LENGTH = 512
MAX_NAMESPACE_LENGTH = 512
MAX_TOP_K = 10_000
MAX_VECTORS_PER_UPSERT = 1000
MAX_IDS_PER_REQUEST = 1000
MAX_METADATA_BYTES = 40_960
MAX_SPARSE_ENTRIES = 1000
MAX_SPARSE_ENTRIES_2026_07 = 2048
MAX_SPARSE_INDEX = 2**32 - 1
ZERO_THRESHOLD = 1e-8
DEFAULT_NAMESPACE_ALIAS = "__default__"
_NUMBER_TYPES = frozenset({int, float})


def field(body: dict[str, Any], camel: str, snake: str | None = None) -> Any:
    """A body field by its camelCase or snake_case name; JSON null counts as absent."""
    value = body.get(camel)
    if value is None and snake is not None:
        value = body.get(snake)
    return value


def has_field(body: dict[str, Any], camel: str, snake: str | None = None) -> bool:
    """True when the field is present with a non-null value."""
    return field(body, camel, snake) is not None


def get_bool(body: dict[str, Any], camel: str, snake: str | None, default: bool) -> bool:
    """A strict boolean field (`1` or `"true"` are type errors)."""
    value = field(body, camel, snake)
    if value is None:
        return default
    if type(value) is not bool:
        raise bad_request(f"Invalid request: '{camel}' must be a boolean")
    return value


def check_int(value: Any, name: str, low: int, high: int) -> int:
    """An integer (not a boolean, not a float) within [low, high]."""
    if type(value) is not int:
        raise bad_request(f"Invalid request: '{name}' must be an integer")
    if not low <= value <= high:
        raise bad_request(
            f"Invalid request: '{name}' must be between {low} and {high}, got {value}"
        )
    return value


def parse_int_param(raw: str | None, name: str, low: int, high: int, default: int) -> int:
    """An integer query parameter; absent means `default`."""
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 12:
        raise bad_request(f"Invalid request: '{name}' must be an integer")
    return check_int(int(text), name, low, high)


def parse_bool_param(raw: str | None, name: str) -> bool:
    """A boolean query parameter (`true`/`false`, `1`/`0`)."""
    if raw is None or raw == "":
        return False
    text = raw.strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise bad_request(f"Invalid request: '{name}' must be true or false")


def is_valid_id(value: Any) -> bool:
    """Ids are 1..512 characters of ASCII 0x01-0x7F."""
    return (
        type(value) is str
        and 0 < len(value) <= MAX_ID_LENGTH
        and value.isascii()
        and "\x00" not in value
    )


def check_id(value: Any, what: str = "id") -> str:
    """A record id, or 400."""
    if not is_valid_id(value):
        if type(value) is not str:
            raise bad_request(f"Invalid request: '{what}' must be a string")
        raise bad_request(
            f"Invalid request: '{what}' must be 1 to {MAX_ID_LENGTH} ASCII characters "
            f"(0x01-0x7F), got {len(value)} characters"
        )
    return value


def check_ids(value: Any, what: str = "ids") -> list[str]:
    """A list of 1..1000 record ids."""
    if type(value) is not list:
        raise bad_request(f"Invalid request: '{what}' must be an array of strings")
    if len(value) > MAX_IDS_PER_REQUEST:
        raise bad_request(
            f"Invalid request: at most {MAX_IDS_PER_REQUEST} ids are allowed per request, "
            f"got {len(value)}"
        )
    for item in value:
        check_id(item, what)
    return value


def resolve_namespace(value: Any, version: str) -> str:
    """The canonical namespace name (`""` for the default namespace), or 400."""
    if value is None or value == "":
        return ""
    if type(value) is not str:
        raise bad_request("Invalid request: 'namespace' must be a string")
    if value == DEFAULT_NAMESPACE_ALIAS:
        if not at_least(version, "2025-04"):
            raise bad_request(
                "Use of namespace='__default__' is not allowed in API versions prior to 2025-04"
            )
        return ""
    check_namespace_name(value)
    return value


def check_namespace_name(value: str) -> None:
    """Namespace names are 1..512 characters of ASCII 0x01-0x7F."""
    if not (0 < len(value) <= MAX_NAMESPACE_LENGTH and value.isascii() and "\x00" not in value):
        raise bad_request(
            f"Invalid request: namespace names must be 1 to {MAX_NAMESPACE_LENGTH} ASCII "
            "characters (0x01-0x7F)"
        )


def dimension_error(got: int, dimension: int) -> Exception:
    return bad_request(
        f"Vector dimension {got} does not match the dimension of the index {dimension}"
    )


def zero_error(vector_id: str) -> Exception:
    return bad_request(
        "Dense vectors must contain at least one non-zero value. "
        f"Vector ID '{vector_id}' contains only zeros"
    )


def _to_float32(array: np.ndarray) -> np.ndarray:
    """float32 copy; values out of float32 range become inf and are rejected by the caller."""
    with np.errstate(over="ignore"):
        return array.astype(np.float32)


def _numbers_only(values: list[Any]) -> bool:
    return set(map(type, values)) <= _NUMBER_TYPES


def _values_type_error(vector_id: str | None) -> Exception:
    where = f" of vector '{vector_id}'" if vector_id is not None else ""
    return bad_request(f"Invalid request: 'values'{where} must be an array of numbers")


def parse_dense(values: Any, dimension: int, vector_id: str | None) -> np.ndarray:
    """One stored dense vector as float32: right length, numbers only, finite, not all zero.

    Only stored vectors must be non-zero (the documented upsert rule); a query vector is parsed
    by `parse_query_dense`.
    """
    vector, array = _dense_values(values, dimension, vector_id)
    if not (np.abs(array) >= ZERO_THRESHOLD).any():
        if vector_id is None:
            raise bad_request("Dense vectors must contain at least one non-zero value.")
        raise zero_error(vector_id)
    return vector


def parse_query_dense(values: Any, dimension: int) -> np.ndarray:
    """A query vector as float32: right length, numbers only, finite; all zeros allowed.

    Clients query with `[0.0] * dimension` for filter-only lookups (docs/semantics.md gives the
    scores such a query gets).
    """
    return _dense_values(values, dimension, None)[0]


def _dense_values(
    values: Any, dimension: int, vector_id: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """(float32 vector, float64 array) of a dense vector's values, or 400."""
    if type(values) is not list or not _numbers_only(values):
        raise _values_type_error(vector_id)
    if len(values) != dimension:
        raise dimension_error(len(values), dimension)
    array = np.array(values, dtype=np.float64)
    vector = _to_float32(array)
    if not np.isfinite(vector).all():
        raise bad_request("Invalid request: vector values must be finite numbers")
    return vector, array


def parse_dense_batch(
    rows: list[Any], dimension: int, ids: list[str], maybe_booleans: bool
) -> np.ndarray:
    """Many dense vectors at once into an (n, dimension) float32 matrix.

    numpy converts the nested lists in one call; a per-element type check runs only when the raw
    body contains a boolean literal (numpy would silently turn `true` into 1.0).
    """
    for vector_id, values in zip(ids, rows, strict=True):
        if type(values) is not list:
            raise _values_type_error(vector_id)
        if len(values) != dimension:
            raise dimension_error(len(values), dimension)
    if maybe_booleans:
        for vector_id, values in zip(ids, rows, strict=True):
            if not _numbers_only(values):
                raise _values_type_error(vector_id)
    try:
        array = np.array(rows) if rows else np.zeros((0, dimension))
    except (ValueError, TypeError):
        array = None
    if array is None or array.dtype.kind not in "fiu" or array.shape != (len(rows), dimension):
        for vector_id, values in zip(ids, rows, strict=True):
            if not _numbers_only(values):
                raise _values_type_error(vector_id)
        raise bad_request("Invalid request: vector values must be numbers")
    return dense_matrix(array, ids)


def dense_matrix(array: np.ndarray, ids: list[str]) -> np.ndarray:
    """An (n, dimension) array of numbers, one row per id, as stored float32 rows, or 400:
    finite, and no row all zeros."""
    matrix = _to_float32(array)
    if not np.isfinite(matrix).all():
        raise bad_request("Invalid request: vector values must be finite numbers")
    # All |v| < threshold, from two row reductions instead of |array| and a mask the batch's size.
    zero_rows = (array.max(axis=1) < ZERO_THRESHOLD) & (array.min(axis=1) > -ZERO_THRESHOLD)
    if zero_rows.any():
        raise zero_error(ids[int(np.flatnonzero(zero_rows)[0])])
    return matrix


def parse_sparse(value: Any, version: str) -> tuple[np.ndarray, np.ndarray]:
    """Sparse values `{indices, values}` as (uint32 indices, float32 values), or 400.

    Indices are unique uint32s in any order; 1..1000 entries (2048 from 2026-07).
    """
    if type(value) is not dict:
        raise bad_request("Invalid request: 'sparseValues' must be an object")
    indices = value.get("indices")
    values = value.get("values")
    if type(indices) is not list or type(values) is not list:
        raise bad_request("Invalid request: sparse vectors need both 'indices' and 'values' arrays")
    if len(indices) != len(values):
        raise bad_request(
            f"Sparse vector indices and values must have the same length, got {len(indices)} "
            f"indices and {len(values)} values"
        )
    limit = MAX_SPARSE_ENTRIES_2026_07 if at_least(version, "2026-07") else MAX_SPARSE_ENTRIES
    if not indices:
        raise bad_request("Sparse vectors must contain at least one non-zero value")
    if len(indices) > limit:
        raise bad_request(f"Sparse vectors may have at most {limit} entries, got {len(indices)}")
    if set(map(type, indices)) != {int}:
        raise bad_request("Invalid request: sparse vector indices must be non-negative integers")
    if min(indices) < 0 or max(indices) > MAX_SPARSE_INDEX:
        raise bad_request(f"Sparse vector indices must be between 0 and {MAX_SPARSE_INDEX}")
    if not _numbers_only(values):
        raise bad_request("Invalid request: sparse vector values must be numbers")
    index_array = np.array(indices, dtype=np.uint32)
    value_array = _to_float32(np.array(values, dtype=np.float64))
    if not np.isfinite(value_array).all():
        raise bad_request("Invalid request: sparse vector values must be finite numbers")
    if len(np.unique(index_array)) != len(index_array):
        raise bad_request("Sparse vector indices must be unique")
    return index_array, value_array


SHOWN_VALUE_CHARS = 200


def _shown(value: Any) -> str:
    """A bounded rendering of a rejected value: orjson refuses values nested 255 or more levels
    deep, and such a value must still get its 400, not a 500."""
    try:
        text = orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        text = f"a {type(value).__name__} nested too deeply to show"
    return text if len(text) <= SHOWN_VALUE_CHARS else text[:SHOWN_VALUE_CHARS] + "..."


def metadata_type_error(key: str, value: Any) -> Exception:
    shown = _shown(value)
    return bad_request(
        "Metadata value must be a string, number, boolean or list of strings, "
        f"got '{shown}' for field '{key}'"
    )


def parse_metadata(value: Any) -> dict[str, Any] | None:
    """Validated metadata with null-valued keys dropped and numbers as floats; None when empty."""
    if value is None:
        return None
    if type(value) is not dict:
        raise bad_request("Invalid request: 'metadata' must be a JSON object")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key.startswith("$"):
            raise bad_request(f"Metadata field '{key}' cannot start with '$'")
        kind = type(item)
        if item is None:
            continue
        if kind is str or kind is bool:
            out[key] = item
        elif kind is float or kind is int:
            out[key] = float(item)
        elif kind is list and all(type(element) is str for element in item):
            out[key] = list(item)
        else:
            raise metadata_type_error(key, item)
    size = len(orjson.dumps(out))
    if size > MAX_METADATA_BYTES:
        raise bad_request(
            f"Metadata size is {size} bytes, which exceeds the limit of {MAX_METADATA_BYTES} "
            "bytes per vector"
        )
    return out or None


def check_metadata_size(metadata: dict[str, Any]) -> None:
    """The size rule applied to a merged record (update by id)."""
    size = len(orjson.dumps(metadata))
    if size > MAX_METADATA_BYTES:
        raise bad_request(
            f"Metadata size is {size} bytes, which exceeds the limit of {MAX_METADATA_BYTES} "
            "bytes per vector"
        )
