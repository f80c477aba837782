"""Per-field typed columns over a namespace's rows, so filters evaluate as numpy masks.

Each metadata field gets one Column: a presence mask, float64 numbers (NaN when absent or not a
number), int32 string codes (-1 when absent), int8 booleans (-1 when absent) and, for the usually
few rows holding a list of strings, a side dict row -> list. Rows move when a record is deleted
(the last row fills the hole), so columns support moving a row.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _grow(array: np.ndarray, capacity: int, fill: Any) -> np.ndarray:
    grown = np.empty(capacity, dtype=array.dtype)
    grown[: len(array)] = array
    grown[len(array) :] = fill
    return grown


class Column:
    """The values of one metadata field across the rows of a namespace."""

    __slots__ = ("code", "codes", "flag", "lists", "num", "present")

    def __init__(self, capacity: int) -> None:
        self.present = np.zeros(capacity, dtype=bool)
        self.num = np.full(capacity, np.nan, dtype=np.float64)
        self.code = np.full(capacity, -1, dtype=np.int32)
        self.flag = np.full(capacity, -1, dtype=np.int8)
        self.lists: dict[int, list[str]] = {}
        self.codes: dict[str, int] = {}

    def grow(self, capacity: int) -> None:
        self.present = _grow(self.present, capacity, False)
        self.num = _grow(self.num, capacity, np.nan)
        self.code = _grow(self.code, capacity, -1)
        self.flag = _grow(self.flag, capacity, -1)

    def code_of(self, text: str) -> int:
        """The code of a string, assigned on first sight."""
        code = self.codes.get(text)
        if code is None:
            code = self.codes[text] = len(self.codes)
        return code

    def set(self, row: int, value: Any) -> None:
        self.present[row] = True
        kind = type(value)
        if kind is str:
            self.code[row] = self.code_of(value)
        elif kind is bool:
            self.flag[row] = 1 if value else 0
        elif kind is list:
            self.lists[row] = value
        else:
            self.num[row] = value

    def set_many(self, rows: list[int], values: list[Any]) -> None:
        """`set` for many rows at once; numbers and strings in one numpy assignment each."""
        kinds = set(map(type, values))
        if kinds == {float} or kinds == {str}:
            at = np.array(rows, dtype=np.int64)
            self.present[at] = True
            if str in kinds:
                code_of = self.code_of
                self.code[at] = [code_of(value) for value in values]
            else:
                self.num[at] = values
            return
        for row, value in zip(rows, values, strict=True):
            self.set(row, value)

    def clear(self, row: int) -> None:
        self.present[row] = False
        self.num[row] = np.nan
        self.code[row] = -1
        self.flag[row] = -1
        self.lists.pop(row, None)

    def move(self, src: int, dst: int) -> None:
        """Copy row `src` into `dst` and clear `src`."""
        self.present[dst] = self.present[src]
        self.num[dst] = self.num[src]
        self.code[dst] = self.code[src]
        self.flag[dst] = self.flag[src]
        items = self.lists.pop(src, None)
        if items is not None:
            self.lists[dst] = items
        self.clear(src)


class MetadataIndex:
    """All columns of one namespace, sized to the namespace's row capacity."""

    def __init__(self) -> None:
        self.columns: dict[str, Column] = {}
        self.capacity = 0

    def grow(self, capacity: int) -> None:
        self.capacity = capacity
        for column in self.columns.values():
            column.grow(capacity)

    def column(self, name: str) -> Column | None:
        return self.columns.get(name)

    def _column_for_write(self, name: str) -> Column:
        column = self.columns.get(name)
        if column is None:
            column = self.columns[name] = Column(self.capacity)
        return column

    def set_row(self, row: int, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        """Replace the metadata indexed for `row`."""
        if old:
            for name in old:
                self.columns[name].clear(row)
        if new:
            for name, value in new.items():
                self._column_for_write(name).set(row, value)

    def add_rows(self, start: int, metas: list[dict[str, Any] | None]) -> None:
        """Index fresh rows `start`, `start + 1`, ... (rows past the end hold nothing yet).

        Gathers the values field by field first, so each column is written once per batch.
        """
        fields: dict[str, tuple[list[int], list[Any]]] = {}
        for row, meta in enumerate(metas, start):
            if meta:
                for name, value in meta.items():
                    entry = fields.get(name)
                    if entry is None:
                        entry = fields[name] = ([], [])
                    entry[0].append(row)
                    entry[1].append(value)
        for name, (rows, values) in fields.items():
            self._column_for_write(name).set_many(rows, values)

    def move_row(
        self, src: int, dst: int, src_meta: dict[str, Any] | None, dst_meta: dict[str, Any] | None
    ) -> None:
        """Move `src` into `dst` (whose record is being removed); `src` ends empty."""
        if dst_meta:
            for name in dst_meta:
                self.columns[name].clear(dst)
        if src_meta:
            for name in src_meta:
                self.columns[name].move(src, dst)
