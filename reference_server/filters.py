"""The metadata filter language (digest §5.2, semantics.md): parse once, evaluate as a mask.

`parse_filter` turns the JSON filter into a small tree of tuples and rejects invalid filters with
400; `evaluate` turns a tree into a numpy boolean mask over a namespace's rows, using the typed
columns of `metadata_index` (no per-record Python loop except over list-valued rows).

Node shapes: ("all",)  ("and", [nodes])  ("or", [nodes])  ("cmp", field, op, operand)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_server.errors import bad_request
from reference_server.metadata_index import Column, MetadataIndex

MAX_FILTER_DEPTH = 32
MAX_IN_OPERANDS = 10_000
COMPARISONS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists"})
RANGES = frozenset({"$gt", "$gte", "$lt", "$lte"})
Node = tuple[Any, ...]
ALL: Node = ("all",)


def _invalid(reason: str) -> Exception:
    return bad_request(f"Invalid filter: {reason}")


def _is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


def parse_filter(value: Any) -> Node:
    """The tree of a filter object, or ApiError 400."""
    return _parse(value, 0)


def _parse(value: Any, depth: int) -> Node:
    if depth > MAX_FILTER_DEPTH:
        raise _invalid(f"filters may be nested at most {MAX_FILTER_DEPTH} levels deep")
    if type(value) is not dict:
        raise _invalid("a filter must be a JSON object")
    parts: list[Node] = []
    for key, operand in value.items():
        if key in ("$and", "$or"):
            if type(operand) is not list or not operand:
                raise _invalid(f"'{key}' needs a non-empty array of filters")
            children = [_parse(child, depth + 1) for child in operand]
            parts.append((key[1:], children))
        elif key.startswith("$"):
            raise _invalid(f"'{key}' is not allowed here; only $and and $or may join filters")
        else:
            parts.extend(_parse_field(key, operand))
    if not parts:
        return ALL
    return parts[0] if len(parts) == 1 else ("and", parts)


def _parse_field(name: str, condition: Any) -> list[Node]:
    if type(condition) is not dict:
        return [_comparison(name, "$eq", condition)]
    if not condition:
        raise _invalid(f"field '{name}' has an empty condition")
    return [_comparison(name, op, operand) for op, operand in condition.items()]


def _comparison(name: str, op: str, operand: Any) -> Node:
    if op not in COMPARISONS:
        raise _invalid(f"unknown operator '{op}' for field '{name}'")
    kind = type(operand)
    if op in ("$eq", "$ne"):
        if not (kind is str or kind is bool or _is_number(operand)):
            raise _invalid(f"'{op}' on field '{name}' needs a string, number or boolean")
        return ("cmp", name, op, float(operand) if kind is int else operand)
    if op in RANGES:
        if not _is_number(operand):
            raise _invalid(f"'{op}' on field '{name}' needs a number")
        return ("cmp", name, op, float(operand))
    if op == "$exists":
        if kind is not bool:
            raise _invalid(f"'$exists' on field '{name}' needs a boolean")
        return ("cmp", name, op, operand)
    if kind is not list:
        raise _invalid(f"'{op}' on field '{name}' needs an array")
    if len(operand) > MAX_IN_OPERANDS:
        raise _invalid(f"'{op}' accepts at most {MAX_IN_OPERANDS} values")
    strings: list[str] = []
    numbers: list[float] = []
    for item in operand:
        if type(item) is str:
            strings.append(item)
        elif _is_number(item):
            numbers.append(float(item))
        else:
            raise _invalid(f"'{op}' on field '{name}' needs an array of strings or numbers")
    return ("cmp", name, op, (tuple(strings), tuple(numbers)))


def evaluate(node: Node, index: MetadataIndex, n: int) -> np.ndarray:
    """The boolean mask (length n) of the rows a parsed filter matches."""
    tag = node[0]
    if tag == "all":
        return np.ones(n, dtype=bool)
    if tag == "and":
        mask = evaluate(node[1][0], index, n)
        for child in node[1][1:]:
            mask &= evaluate(child, index, n)
        return mask
    if tag == "or":
        mask = evaluate(node[1][0], index, n)
        for child in node[1][1:]:
            mask |= evaluate(child, index, n)
        return mask
    _, name, op, operand = node
    column = index.column(name)
    if column is None:
        if op == "$exists" and not operand:
            return np.ones(n, dtype=bool)
        return np.zeros(n, dtype=bool)
    return _compare(column, op, operand, n)


def _compare(column: Column, op: str, operand: Any, n: int) -> np.ndarray:
    if op == "$exists":
        present = column.present[:n]
        return present.copy() if operand else ~present
    if op == "$eq":
        return _equals(column, operand, n)
    if op == "$ne":
        return column.present[:n] & ~_equals(column, operand, n)
    if op == "$in":
        return _member(column, operand, n)
    if op == "$nin":
        return column.present[:n] & ~_member(column, operand, n)
    values = column.num[:n]
    with np.errstate(invalid="ignore"):
        if op == "$gt":
            return values > operand
        if op == "$gte":
            return values >= operand
        if op == "$lt":
            return values < operand
        return values <= operand


def _equals(column: Column, operand: Any, n: int) -> np.ndarray:
    kind = type(operand)
    if kind is bool:
        return column.flag[:n] == (1 if operand else 0)
    if kind is float:
        return column.num[:n] == operand
    code = column.codes.get(operand)
    mask = column.code[:n] == code if code is not None else np.zeros(n, dtype=bool)
    for row, items in column.lists.items():
        if row < n and operand in items:
            mask[row] = True
    return mask


def _member(
    column: Column, operand: tuple[tuple[str, ...], tuple[float, ...]], n: int
) -> np.ndarray:
    strings, numbers = operand
    mask = np.zeros(n, dtype=bool)
    if numbers:
        mask |= np.isin(column.num[:n], np.array(numbers, dtype=np.float64))
    if strings:
        codes = [column.codes[s] for s in strings if s in column.codes]
        if codes:
            mask |= np.isin(column.code[:n], np.array(codes, dtype=np.int32))
        wanted = set(strings)
        for row, items in column.lists.items():
            if row < n and not wanted.isdisjoint(items):
                mask[row] = True
    return mask
