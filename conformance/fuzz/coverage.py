"""Coverage figures of a session (`--stats`): how many sent filters used each operator, and how
many excluded a record the namespace held (a filter that excludes nothing tests no operator)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.fuzz.model import COMPARISON, LOGICAL

OPERATOR_ROWS = (*COMPARISON, "implicit", *LOGICAL)


def coverage_lines(operators: Mapping[str, int], excluding: int) -> list[str]:
    """The per-operator table, every operator listed (those never sent with 0)."""
    lines = [f"{'filter operator':<40} {'filters':>7}"]
    lines += [f"  {op:<38} {operators.get(op, 0):>7}" for op in OPERATOR_ROWS]
    lines.append(f"  {'(filters that excluded a record)':<38} {excluding:>7}")
    return lines


def print_coverage(operators: Mapping[str, int], excluding: int, err: Any) -> None:
    for line in coverage_lines(operators, excluding):
        print(line, file=err)
