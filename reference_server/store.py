"""IndexStore: the records of one index, by namespace, with LSNs and simulated visibility delay.

Each namespace keeps its dense vectors in fixed-size float32 row blocks (see `DenseRows`), a norms
array, ids, sparse values and metadata per row, and typed metadata columns for filtering. Deleting
a record moves the last row into the hole so rows stay dense. Metadata is kept as its compact JSON
text (see `Namespace.meta`).

Every write is validated before it reaches the store; the store assigns it an LSN and applies it at
once, or after `visibility_delay` seconds (applied in order, lazily, when the next request syncs).
All access goes through `lock`; views of the matrix never leave it.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import orjson

from reference_server.errors import ApiError, already_exists, not_found
from reference_server.filters import ALL, Node, evaluate
from reference_server.metadata_index import MetadataIndex
from reference_server.scoring import (
    BLOCK_ROWS,
    SparseMatrix,
    exact_dense,
    rank_dense,
    top_candidates,
)
from reference_server.validation import check_metadata_size

Sparse = tuple[np.ndarray, np.ndarray]
Metadata = dict[str, Any]
MetadataJson = bytes  # orjson's compact text of a non-empty Metadata
MAX_UPDATE_BY_FILTER = 100_000
FIRST_BLOCK_ROWS = 64
FEW_ROWS = 64
HUGE_PAGE = 2 * 1024 * 1024


def _heap_trimmer() -> Callable[[], object]:
    """The C library's `malloc_trim(0)` (glibc), or a no-op where there is none.

    Freed request buffers (bodies, decoded matrices) and the old copies of regrown lists and
    dicts stay in the C heap as free holes that the heap never gives back: about 10 MiB at 50,000
    records of 768. The trim hands their pages back; a namespace calls it each time it grows past
    another BLOCK_ROWS rows, which costs well under 0.1 ms a batch of 100 on average.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    return lambda: trim(0)


_trim_heap = _heap_trimmer()


def _new_block(rows: int, dimension: int) -> np.ndarray:
    """An uninitialised float32 block; large ones start on a 2 MiB boundary.

    numpy asks for transparent huge pages on large allocations, but the kernel can only use them
    for aligned 2 MiB ranges; aligning the block (4096 x 768 x 4 bytes is exactly six huge pages)
    makes the whole block huge-page backed, which speeds up the scan by about 5%. The unused
    slack is never touched, so it costs address space, not memory.
    """
    nbytes = rows * dimension * 4
    if nbytes < 2 * HUGE_PAGE:
        return np.empty((rows, dimension), dtype=np.float32)
    raw = np.empty(nbytes + HUGE_PAGE, dtype=np.uint8)
    start = -raw.ctypes.data % HUGE_PAGE
    return raw[start : start + nbytes].view(np.float32).reshape(rows, dimension)


class DenseRows:
    """float32 rows in blocks of BLOCK_ROWS, so growing never copies (or doubles) the data.

    One big matrix grown by reallocation keeps old and new buffers alive at once and over-allocates
    by its growth factor; fixed blocks bound both by one block. Only the first block starts small
    and is regrown (copied) until it reaches BLOCK_ROWS, which keeps tiny namespaces tiny. Row r
    lives at `blocks[r // BLOCK_ROWS][r % BLOCK_ROWS]`. Blocks are uninitialised, so pages are
    only touched when rows are written, and huge-page backed (see `_new_block`), which makes the
    scan about 15% faster than over a realloc'ed buffer.
    """

    __slots__ = ("blocks", "capacity", "dimension")

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.blocks: list[np.ndarray] = []
        self.capacity = 0

    def reserve(self, needed: int) -> None:
        """Make room for `needed` rows."""
        if needed <= self.capacity:
            return
        if self.capacity < BLOCK_ROWS:
            size = max(FIRST_BLOCK_ROWS, self.capacity)
            while size < min(needed, BLOCK_ROWS):
                size *= 2
            size = min(size, BLOCK_ROWS)
            first = _new_block(size, self.dimension)
            if self.blocks:
                old = self.blocks[0]
                first[: len(old)] = old
                self.blocks[0] = first
            else:
                self.blocks.append(first)
            self.capacity = size
        while self.capacity < needed:
            self.blocks.append(_new_block(BLOCK_ROWS, self.dimension))
            self.capacity += BLOCK_ROWS

    def release(self, n: int) -> None:
        """Free whole blocks no row below `n` lives in (after deletes)."""
        keep = max(1, -(-n // BLOCK_ROWS))
        if len(self.blocks) > keep:
            del self.blocks[keep:]
            self.capacity = keep * BLOCK_ROWS

    def row(self, row: int) -> np.ndarray:
        """A view of one row (never let it leave the store lock)."""
        return self.blocks[row // BLOCK_ROWS][row % BLOCK_ROWS]

    def take(self, rows: np.ndarray) -> np.ndarray:
        """A new (len(rows), dimension) array of the given rows."""
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        if len(self.blocks) == 1:
            np.take(self.blocks[0], rows, axis=0, out=out)
            return out
        if len(rows) <= FEW_ROWS:  # a query's candidates: row by row beats a mask per block
            blocks = self.blocks
            for i, row in enumerate(rows.tolist()):
                out[i] = blocks[row // BLOCK_ROWS][row % BLOCK_ROWS]
            return out
        which = rows // BLOCK_ROWS
        offset = rows % BLOCK_ROWS
        for b in np.unique(which).tolist():
            mask = which == b
            out[mask] = self.blocks[b][offset[mask]]
        return out

    def put(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Write `values[i]` into row `rows[i]` (rows unique)."""
        if len(rows) == 0:
            return
        first, last = int(rows[0]), int(rows[-1])
        b = first // BLOCK_ROWS
        if last // BLOCK_ROWS == b and last - first == len(rows) - 1 and (np.diff(rows) == 1).all():
            # The common case: a run of appended rows in one block.
            start = first % BLOCK_ROWS
            self.blocks[b][start : start + len(rows)] = values
            return
        which = rows // BLOCK_ROWS
        offset = rows % BLOCK_ROWS
        for b in np.unique(which).tolist():
            mask = which == b
            self.blocks[b][offset[mask]] = values[mask]

    def move(self, src: int, dst: int) -> None:
        self.row(dst)[:] = self.row(src)


def _encode(metadata: Metadata | None) -> MetadataJson | None:
    """The stored form of a record's metadata; None (or empty) is no metadata.

    Copied into a bytes object of its own size: the one orjson returns keeps the capacity of its
    write buffer (about 4 KiB) allocated, which held 25 times the text per record.
    """
    return bytes(memoryview(orjson.dumps(metadata))) if metadata else None


def _encode_batch(metas: list[Metadata | None]) -> list[MetadataJson | None]:
    """`_encode` of each, records of one batch with the same metadata sharing one text (a field
    or two of categories repeat a lot, and each text object costs about 60 bytes)."""
    shared: dict[MetadataJson, MetadataJson] = {}
    return [None if (text := _encode(m)) is None else shared.setdefault(text, text) for m in metas]


class Namespace:
    """The records of one namespace, as numpy rows plus per-row Python objects."""

    def __init__(self, dimension: int | None, metric: str, explicit: bool = False) -> None:
        self.dimension = dimension
        self.metric = metric
        self.explicit = explicit
        self.schema: dict[str, Any] | None = None
        self.ids: list[str] = []
        self.rows: dict[str, int] = {}
        self.dense = DenseRows(dimension) if dimension else None
        self._capacity = 0
        self.norms = np.zeros(0, dtype=np.float32)
        self._scratch = np.zeros(0, dtype=np.float32)
        self.sparse: list[Sparse | None] = []
        # JSON text rather than dicts: a third of the memory, nothing for the cyclic garbage
        # collector to walk, and replies embed it as it is (`record`).
        self.meta: list[MetadataJson | None] = []
        self.index = MetadataIndex()
        self._sorted_ids: list[str] | None = None
        self._sparse_matrix: SparseMatrix | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def capacity(self) -> int:
        """Rows that fit before the dense storage allocates again."""
        return self.dense.capacity if self.dense is not None else self._capacity

    def _reserve(self, needed: int) -> None:
        """Make room for `needed` rows: a new dense block, or about 1/8 more for sparse-only."""
        before = self.capacity
        if needed <= before:
            return
        if self.dense is not None:
            self.dense.reserve(needed)
            capacity = self.dense.capacity
        else:
            capacity = max(needed, self._capacity + max(256, self._capacity // 8))
            self._capacity = capacity
        if capacity > len(self.norms):
            # Per-row arrays (norms, scratch, metadata columns: ~22 bytes a row) are small next to
            # the vectors, so they are copied on growth; by a quarter at least, so a namespace
            # growing a block at a time copies them O(log n) times, not once per block.
            size = max(capacity, len(self.norms) * 5 // 4)
            norms = np.zeros(size, dtype=np.float32)
            norms[: len(self.norms)] = self.norms
            self.norms = norms
            self._scratch = np.empty(size, dtype=np.float32)
            self.index.grow(size)
        if capacity // BLOCK_ROWS > before // BLOCK_ROWS:
            _trim_heap()

    def _norms_of(self, values: np.ndarray) -> np.ndarray:
        """Norms (cosine) or squared norms (euclidean) of float32 rows, computed in float64."""
        block = values.astype(np.float64)
        squared = np.einsum("ij,ij->i", block, block)
        return np.sqrt(squared) if self.metric == "cosine" else squared

    def metadata(self, row: int) -> Metadata | None:
        """A new dict of one row's metadata (None when it has none)."""
        text = self.meta[row]
        return None if text is None else orjson.loads(text)

    def vector(self, row: int) -> np.ndarray:
        """A copy of one row's dense values."""
        assert self.dense is not None
        return self.dense.row(row).copy()

    def _touched(self, ids_changed: bool) -> None:
        self._sparse_matrix = None
        if ids_changed:
            self._sorted_ids = None

    def upsert(
        self,
        ids: list[str],
        matrix: np.ndarray | None,
        sparse: list[Sparse | None],
        metas: list[Metadata | None],
    ) -> None:
        """Insert or wholly replace records; for duplicate ids the last one wins."""
        known = self.rows
        if known.keys().isdisjoint(ids) and len(set(ids)) == len(ids):
            self._append(ids, matrix, sparse, metas)
            return
        last = {vector_id: i for i, vector_id in enumerate(ids)}
        new = sum(1 for vector_id in last if vector_id not in known)
        self._reserve(self.n + new)
        rows = np.empty(len(last), dtype=np.int64)
        set_row = self.index.set_row
        meta = self.meta
        texts = _encode_batch(metas)
        for j, (vector_id, i) in enumerate(last.items()):
            row = known.get(vector_id)
            if row is None:
                row = len(self.ids)
                self.ids.append(vector_id)
                known[vector_id] = row
                self.sparse.append(sparse[i])
                meta.append(None)
            else:
                self.sparse[row] = sparse[i]
            rows[j] = row
            set_row(row, self.metadata(row), metas[i])
            meta[row] = texts[i]
        if self.dense is not None and matrix is not None:
            values = matrix if len(last) == len(ids) else matrix[list(last.values())]
            self.dense.put(rows, values)
            self.norms[rows] = self._norms_of(values)
        self._touched(new > 0)

    def _append(
        self,
        ids: list[str],
        matrix: np.ndarray | None,
        sparse: list[Sparse | None],
        metas: list[Metadata | None],
    ) -> None:
        """`upsert` of distinct ids none of which exists yet: whole-batch operations only."""
        start = len(self.ids)
        stop = start + len(ids)
        self._reserve(stop)
        self.ids.extend(ids)
        self.rows.update(zip(ids, range(start, stop), strict=True))
        self.sparse.extend(sparse)
        self.meta.extend(_encode_batch(metas))
        self.index.add_rows(start, metas)
        if self.dense is not None and matrix is not None:
            self.dense.put(np.arange(start, stop), matrix)
            self.norms[start:stop] = self._norms_of(matrix)
        self._touched(True)

    def update(
        self, row: int, values: np.ndarray | None, sparse: Sparse | None, metadata: Metadata | None
    ) -> None:
        """Replace values / sparse values and set `metadata` as the record's whole metadata."""
        if values is not None and self.dense is not None:
            self.dense.row(row)[:] = values
            self.norms[row] = self._norms_of(values.reshape(1, -1))[0]
        if sparse is not None:
            self.sparse[row] = sparse
            self._touched(False)
        if metadata is not None:
            self.index.set_row(row, self.metadata(row), metadata)
            self.meta[row] = _encode(metadata)

    def delete_rows(self, rows: Iterable[int]) -> None:
        """Delete records by row; the last row moves into each hole (highest rows first)."""
        for row in sorted(rows, reverse=True):
            last = len(self.ids) - 1
            del self.rows[self.ids[row]]
            if row != last:
                moved = self.ids[last]
                if self.dense is not None:
                    self.dense.move(last, row)
                self.norms[row] = self.norms[last]
                self.index.move_row(last, row, self.metadata(last), self.metadata(row))
                self.ids[row] = moved
                self.rows[moved] = row
                self.sparse[row] = self.sparse[last]
                self.meta[row] = self.meta[last]
            else:
                self.index.set_row(row, self.metadata(row), None)
            self.ids.pop()
            self.sparse.pop()
            self.meta.pop()
        if self.dense is not None:
            self.dense.release(self.n)
        self._touched(True)

    def matching_rows(self, node: Node | None) -> np.ndarray:
        """Rows a parsed filter matches, ascending."""
        if node is None or node is ALL or node == ALL:
            return np.arange(self.n)
        return np.flatnonzero(evaluate(node, self.index, self.n))

    def sorted_ids(self) -> list[str]:
        """Ids in bytewise order (ids are ASCII, so str order is byte order); cached."""
        if self._sorted_ids is None:
            self._sorted_ids = sorted(self.ids)
        return self._sorted_ids

    def record(self, row: int, include_values: bool = True, include_metadata: bool = True) -> dict:
        """The wire form of a record (copies, never views of the matrix)."""
        out: dict[str, Any] = {"id": self.ids[row]}
        if include_values and self.dense is not None:
            out["values"] = self.dense.row(row).copy()
        else:
            out["values"] = []
        sparse = self.sparse[row]
        if include_values and sparse is not None:
            out["sparseValues"] = {"indices": sparse[0].tolist(), "values": sparse[1].copy()}
        text = self.meta[row]
        if include_metadata and text is not None:
            out["metadata"] = orjson.Fragment(text)  # written into the reply as it is
        return out

    def search(
        self, dense: np.ndarray | None, sparse: Sparse | None, node: Node | None, k: int
    ) -> list[tuple[int, float]]:
        """(row, exact score) of the k best rows, best first; euclidean ascending distance."""
        n = self.n
        if n == 0:
            return []
        rows = None
        if node is not None and node != ALL:
            rows = np.flatnonzero(evaluate(node, self.index, n))
            if len(rows) == 0:
                return []
        keys = None
        if dense is not None and self.dense is not None:
            # Ranking keys land in a reused scratch array: fine, every search holds the lock.
            keys = rank_dense(
                self.dense.blocks, self.norms[:n], self.metric, dense, rows, self._scratch
            )
        sparse_scores = None
        if sparse is not None:
            if self._sparse_matrix is None:
                self._sparse_matrix = SparseMatrix(self.sparse, n)
            full = self._sparse_matrix.scores(sparse[0], sparse[1], n)
            sparse_scores = full if rows is None else full[rows]
            keys = sparse_scores if keys is None else keys + sparse_scores
        if keys is None:
            return []
        picked = top_candidates(keys, k)
        picked_rows = picked if rows is None else rows[picked]
        exact = np.zeros(len(picked), dtype=np.float64)
        if dense is not None and self.dense is not None:
            exact += exact_dense(self.dense.take(picked_rows), self.metric, dense)
        if sparse_scores is not None:
            exact += sparse_scores[picked]
        sign = 1.0 if self.metric == "euclidean" else -1.0
        ids = self.ids
        order = sorted(range(len(picked)), key=lambda i: (sign * exact[i], ids[picked_rows[i]]))
        return [(int(picked_rows[i]), float(exact[i])) for i in order[:k]]


class IndexStore:
    """One index: its namespaces, LSN counters and the queue of not-yet-visible writes."""

    def __init__(
        self,
        name: str,
        dimension: int | None,
        metric: str = "cosine",
        vector_type: str = "dense",
        visibility_delay: float = 0.0,
    ) -> None:
        self.name = name
        self.dimension = dimension if vector_type == "dense" else None
        self.metric = metric
        self.vector_type = vector_type
        self.visibility_delay = max(0.0, float(visibility_delay))
        self.lock = threading.RLock()
        self.namespaces: dict[str, Namespace] = {}
        self.last_lsn = 0
        self.applied_lsn = 0
        self._pending: deque[tuple[float, int, Callable[[], Any]]] = deque()

    @property
    def dense_dimension(self) -> int:
        """The dimension of a dense index (a sparse index has none)."""
        if self.dimension is None:
            raise TypeError(f"index {self.name!r} is sparse: it has no dimension")
        return self.dimension

    # -- bookkeeping ------------------------------------------------------------------------

    def record_count(self) -> int:
        """Visible records in all namespaces."""
        with self.lock:
            self.sync()
            return sum(ns.n for ns in self.namespaces.values())

    def sync(self) -> None:
        """Apply queued writes whose delay has passed, in LSN order (caller holds the lock)."""
        if not self._pending:
            return
        now = time.monotonic()
        while self._pending and self._pending[0][0] <= now:
            _, lsn, apply = self._pending.popleft()
            # A state-dependent rule (merged metadata size) makes a late write a no-op.
            with contextlib.suppress(ApiError):
                apply()
            self.applied_lsn = lsn

    def submit(self, apply: Callable[[], Any]) -> int:
        """Give a validated write its LSN and apply it now or queue it (caller holds the lock).

        Applied at once, a write that fails a state-dependent rule raises and takes no LSN.
        """
        if self.visibility_delay <= 0 and not self._pending:
            apply()
            self.last_lsn += 1
            self.applied_lsn = self.last_lsn
            return self.last_lsn
        self.last_lsn += 1
        self._pending.append((time.monotonic() + self.visibility_delay, self.last_lsn, apply))
        return self.last_lsn

    def get(self, name: str) -> Namespace | None:
        return self.namespaces.get(name)

    def _writable(self, name: str) -> Namespace:
        ns = self.namespaces.get(name)
        if ns is None:
            ns = self.namespaces[name] = Namespace(self.dimension, self.metric)
        return ns

    def _drop_if_empty(self, name: str) -> None:
        ns = self.namespaces.get(name)
        if ns is not None and ns.n == 0 and not ns.explicit:
            del self.namespaces[name]

    # -- writes (validated input; the caller holds the lock) ----------------------------------

    def upsert(
        self,
        namespace: str,
        ids: list[str],
        matrix: np.ndarray | None,
        sparse: list[Sparse | None],
        metas: list[Metadata | None],
    ) -> int:
        return self.submit(lambda: self._writable(namespace).upsert(ids, matrix, sparse, metas))

    def update_by_id(
        self,
        namespace: str,
        vector_id: str,
        values: np.ndarray | None,
        sparse: Sparse | None,
        set_metadata: Metadata | None,
    ) -> int:
        def apply() -> None:
            ns = self.namespaces.get(namespace)
            row = ns.rows.get(vector_id) if ns is not None else None
            if ns is None or row is None:
                return
            merged = None
            if set_metadata:
                merged = ns.metadata(row) or {}
                merged.update(set_metadata)
                check_metadata_size(merged)
            ns.update(row, values, sparse, merged)

        return self.submit(apply)

    def count_matching(self, namespace: str, node: Node) -> int:
        ns = self.namespaces.get(namespace)
        return 0 if ns is None else len(ns.matching_rows(node))

    def update_by_filter(self, namespace: str, node: Node, set_metadata: Metadata | None) -> int:
        def apply() -> None:
            ns = self.namespaces.get(namespace)
            if ns is None or not set_metadata:
                return
            rows = ns.matching_rows(node)[:MAX_UPDATE_BY_FILTER]
            merged = []
            for row in rows.tolist():
                record = ns.metadata(row) or {}
                record.update(set_metadata)
                check_metadata_size(record)
                merged.append((row, record))
            for row, record in merged:
                ns.update(row, None, None, record)

        return self.submit(apply)

    def delete_ids(self, namespace: str, ids: list[str]) -> int:
        def apply() -> None:
            ns = self.namespaces.get(namespace)
            if ns is None:
                return
            rows = {ns.rows[i] for i in ids if i in ns.rows}
            if rows:
                ns.delete_rows(rows)
            self._drop_if_empty(namespace)

        return self.submit(apply)

    def delete_by_filter(self, namespace: str, node: Node) -> int:
        def apply() -> None:
            ns = self.namespaces.get(namespace)
            if ns is None:
                return
            rows = ns.matching_rows(node)
            if len(rows):
                ns.delete_rows(rows.tolist())
            self._drop_if_empty(namespace)

        return self.submit(apply)

    def delete_all(self, namespace: str) -> int:
        return self.submit(lambda: self.namespaces.pop(namespace, None))

    def create_namespace(self, namespace: str, schema: dict[str, Any] | None) -> int:
        """Explicitly create a namespace; 409 when it already exists (visible state)."""
        if namespace in self.namespaces:
            shown = namespace or "__default__"
            raise already_exists(f"Namespace '{shown}' already exists")

        def apply() -> None:
            ns = self._writable(namespace)
            ns.explicit = True
            ns.schema = schema

        return self.submit(apply)

    def delete_namespace(self, namespace: str) -> int:
        """Delete a namespace and its records; 404 when it does not exist (visible state)."""
        if namespace not in self.namespaces:
            shown = namespace or "__default__"
            raise not_found(f"Namespace '{shown}' not found")
        return self.submit(lambda: self.namespaces.pop(namespace, None))
