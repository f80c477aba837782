"""IndexStore: the records of one index, by namespace, with LSNs and simulated visibility delay.

Each namespace keeps one contiguous float32 matrix (grown in place by about 1/8 at a time), a norms
array, ids, sparse values and metadata per row, and typed metadata columns for filtering. Deleting
a record moves the last row into the hole so rows stay dense.

Every write is validated before it reaches the store; the store assigns it an LSN and applies it at
once, or after `visibility_delay` seconds (applied in order, lazily, when the next request syncs).
All access goes through `lock`; views of the matrix never leave it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from reference_server.errors import ApiError, already_exists, not_found
from reference_server.filters import ALL, Node, evaluate
from reference_server.metadata_index import MetadataIndex
from reference_server.scoring import SparseMatrix, exact_dense, rank_dense, top_candidates
from reference_server.validation import check_metadata_size

Sparse = tuple[np.ndarray, np.ndarray]
Metadata = dict[str, Any]
MAX_UPDATE_BY_FILTER = 100_000


class Namespace:
    """The records of one namespace, as numpy rows plus per-row Python objects."""

    def __init__(self, dimension: int | None, metric: str, explicit: bool = False) -> None:
        self.dimension = dimension
        self.metric = metric
        self.explicit = explicit
        self.schema: dict[str, Any] | None = None
        self.ids: list[str] = []
        self.rows: dict[str, int] = {}
        self.capacity = 0
        self.matrix = np.zeros((0, dimension or 0), dtype=np.float32) if dimension else None
        self.norms = np.zeros(0, dtype=np.float32)
        self.sparse: list[Sparse | None] = []
        self.meta: list[Metadata | None] = []
        self.index = MetadataIndex()
        self._sorted_ids: list[str] | None = None
        self._sparse_matrix: SparseMatrix | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    def _reserve(self, needed: int) -> None:
        """Grow the row capacity in place (realloc), by about 1/8, never doubling."""
        if needed <= self.capacity:
            return
        capacity = max(needed, self.capacity + max(256, self.capacity // 8))
        if self.matrix is not None:
            self.matrix.resize((capacity, self.dimension), refcheck=False)
        self.norms.resize(capacity, refcheck=False)
        self.index.grow(capacity)
        self.capacity = capacity

    def _set_norms(self, rows: np.ndarray) -> None:
        if self.matrix is None:
            return
        block = self.matrix[rows].astype(np.float64)
        squared = np.einsum("ij,ij->i", block, block)
        self.norms[rows] = np.sqrt(squared) if self.metric == "cosine" else squared

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
        last = {vector_id: i for i, vector_id in enumerate(ids)}
        new = sum(1 for vector_id in last if vector_id not in self.rows)
        self._reserve(self.n + new)
        rows = np.empty(len(last), dtype=np.int64)
        sources = np.empty(len(last), dtype=np.int64)
        for j, (vector_id, i) in enumerate(last.items()):
            row = self.rows.get(vector_id)
            if row is None:
                row = len(self.ids)
                self.ids.append(vector_id)
                self.rows[vector_id] = row
                self.sparse.append(None)
                self.meta.append(None)
            rows[j] = row
            sources[j] = i
            self.index.set_row(row, self.meta[row], metas[i])
            self.meta[row] = metas[i]
            self.sparse[row] = sparse[i]
        if self.matrix is not None and matrix is not None:
            self.matrix[rows] = matrix[sources]
            self._set_norms(rows)
        self._touched(new > 0)

    def update(
        self, row: int, values: np.ndarray | None, sparse: Sparse | None, metadata: Metadata | None
    ) -> None:
        """Replace values / sparse values and set `metadata` as the record's whole metadata."""
        if values is not None and self.matrix is not None:
            self.matrix[row] = values
            self._set_norms(np.array([row]))
        if sparse is not None:
            self.sparse[row] = sparse
            self._touched(False)
        if metadata is not None:
            self.index.set_row(row, self.meta[row], metadata)
            self.meta[row] = metadata

    def delete_rows(self, rows: Iterable[int]) -> None:
        """Delete records by row; the last row moves into each hole (highest rows first)."""
        for row in sorted(rows, reverse=True):
            last = len(self.ids) - 1
            del self.rows[self.ids[row]]
            if row != last:
                moved = self.ids[last]
                if self.matrix is not None:
                    self.matrix[row] = self.matrix[last]
                self.norms[row] = self.norms[last]
                self.index.move_row(last, row, self.meta[last], self.meta[row])
                self.ids[row] = moved
                self.rows[moved] = row
                self.sparse[row] = self.sparse[last]
                self.meta[row] = self.meta[last]
            else:
                self.index.set_row(row, self.meta[row], None)
            self.ids.pop()
            self.sparse.pop()
            self.meta.pop()
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
        if include_values and self.matrix is not None:
            out["values"] = self.matrix[row].copy()
        else:
            out["values"] = []
        sparse = self.sparse[row]
        if include_values and sparse is not None:
            out["sparseValues"] = {"indices": sparse[0].tolist(), "values": sparse[1].copy()}
        if include_metadata and self.meta[row]:
            out["metadata"] = self.meta[row]
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
        if dense is not None and self.matrix is not None:
            keys = rank_dense(self.matrix[:n], self.norms[:n], self.metric, dense, rows)
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
        if dense is not None and self.matrix is not None:
            exact += exact_dense(self.matrix[picked_rows], self.metric, dense)
        if sparse_scores is not None:
            exact += sparse_scores[picked]
        sign = 1.0 if self.metric == "euclidean" else -1.0
        order = sorted(
            range(len(picked)), key=lambda i: (sign * exact[i], self.ids[picked_rows[i]])
        )
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
                merged = dict(ns.meta[row] or {})
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
                record = dict(ns.meta[row] or {})
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
