"""Exact brute-force similarity and top-K selection over a namespace's float32 rows.

Ranking runs in float32 over every candidate row (one matrix-vector product per row block); the
few rows that can reach the top K are then rescored exactly in float64, so the scores returned are
exact.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Extra candidates kept from the float32 ranking before exact rescoring, to absorb rounding.
RESCORE_MARGIN = 16
# Rows per block of a namespace's dense storage (12 MiB at dimension 768).
BLOCK_ROWS = 4096
# Threads a full scan is split across, and the fewest blocks worth a thread.


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


SCAN_THREADS = min(4, _usable_cpus())
MIN_BLOCKS_PER_THREAD = 2
_POOL: ThreadPoolExecutor | None = None


class SparseMatrix:
    """A compressed snapshot of every row's sparse values, rebuilt after writes."""

    __slots__ = ("indices", "row_of", "values")

    def __init__(self, rows: list[tuple[np.ndarray, np.ndarray] | None], n: int) -> None:
        index_parts: list[np.ndarray] = []
        value_parts: list[np.ndarray] = []
        row_parts: list[np.ndarray] = []
        for row in range(n):
            entry = rows[row]
            if entry is not None:
                index_parts.append(entry[0])
                value_parts.append(entry[1])
                row_parts.append(np.full(len(entry[0]), row, dtype=np.int64))
        if index_parts:
            self.indices = np.concatenate(index_parts).astype(np.int64)
            self.values = np.concatenate(value_parts).astype(np.float64)
            self.row_of = np.concatenate(row_parts)
        else:
            self.indices = np.zeros(0, dtype=np.int64)
            self.values = np.zeros(0, dtype=np.float64)
            self.row_of = np.zeros(0, dtype=np.int64)

    def scores(self, q_indices: np.ndarray, q_values: np.ndarray, n: int) -> np.ndarray:
        """Dot products (float64) of the query with every row; 0 where nothing overlaps."""
        order = np.argsort(q_indices)
        keys = q_indices[order].astype(np.int64)
        weights = q_values[order].astype(np.float64)
        if len(self.indices) == 0:
            return np.zeros(n, dtype=np.float64)
        pos = np.searchsorted(keys, self.indices)
        pos_clipped = np.minimum(pos, len(keys) - 1)
        hit = keys[pos_clipped] == self.indices
        contrib = self.values[hit] * weights[pos_clipped[hit]]
        return np.bincount(self.row_of[hit], weights=contrib, minlength=n)


def _scan_parallel(count: int, work: Callable[[int], None]) -> None:
    """Run `work(b)` for every block b in 0..count-1, spread over a few threads.

    The kernels release the GIL, so on a machine with more than one core the blocks are scanned
    in parallel. Threads take the next block from a shared counter, so a helper the scheduler
    starts late simply does fewer blocks, and one that has not started when the caller is done
    is cancelled instead of waited for.
    """
    parts = min(SCAN_THREADS, count // MIN_BLOCKS_PER_THREAD)
    if parts <= 1:
        for b in range(count):
            work(b)
        return
    blocks = itertools.count()  # next() on it is atomic under the GIL

    def run() -> None:
        while (b := next(blocks)) < count:
            work(b)

    helpers = [_pool().submit(run) for _ in range(parts - 1)]
    try:
        run()
    finally:
        for helper in helpers:
            if not helper.cancel():
                helper.result()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(SCAN_THREADS - 1, thread_name_prefix="scan")
    return _POOL


def rank_dense(
    blocks: list[np.ndarray],
    norms: np.ndarray,
    metric: str,
    query: np.ndarray,
    rows: np.ndarray | None,
    out: np.ndarray,
) -> np.ndarray:
    """float32 ranking keys (higher = better) of the candidate rows (all rows when None).

    `blocks` hold the rows BLOCK_ROWS at a time and `norms` has one entry per row; the keys are
    written into the front of `out` (a preallocated scratch array), block by block, so no
    temporary the size of the namespace is allocated. `rows` must be ascending.

    Products use einsum rather than BLAS: a multi-threaded BLAS call per block would synchronise
    its threads once per block (a scheduler time slice each on a busy machine); instead the
    blocks are split across a few threads once per query.
    """
    n = len(norms)
    query = np.asarray(query, dtype=np.float32)
    if rows is None:
        keys = out[:n]

        def work(b: int) -> None:
            start = b * BLOCK_ROWS
            stop = min(n, start + len(blocks[b]))
            if stop > start:
                np.einsum("ij,j->i", blocks[b][: stop - start], query, out=keys[start:stop])

        norm_part = norms
    else:
        keys = out[: len(rows)]
        edges = np.searchsorted(rows, np.arange(len(blocks) + 1) * BLOCK_ROWS).tolist()

        def work(b: int) -> None:
            lo, hi = edges[b], edges[b + 1]
            if lo == hi:
                return
            block = blocks[b]
            local = rows[lo:hi] - b * BLOCK_ROWS
            if (hi - lo) * 2 < len(block):
                np.einsum("ij,j->i", block[local], query, out=keys[lo:hi])  # gather the few
            else:
                full = np.einsum("ij,j->i", block[: int(local[-1]) + 1], query)
                keys[lo:hi] = full[local]

        norm_part = norms[rows]
    _scan_parallel(len(blocks), work)
    if metric == "cosine":
        return np.divide(keys, norm_part, out=keys)
    if metric == "euclidean":
        # norms hold squared norms here: |v|^2 - 2 v.q ranks like -|v - q|^2.
        keys *= 2.0
        return np.subtract(keys, norm_part, out=keys)
    return keys


def exact_dense(vectors: np.ndarray, metric: str, query: np.ndarray) -> np.ndarray:
    """Exact float64 scores of a few rows (euclidean: squared distance).

    An all-zero query has cosine 0 with every row (its cosine is undefined; 0 is what a
    normalising implementation that guards the division gives), see docs/semantics.md.
    """
    v = vectors.astype(np.float64)
    q = query.astype(np.float64)
    # einsum, not BLAS: a handful of rows is not worth waking BLAS threads.
    dots = np.einsum("ij,j->i", v, q)
    if metric == "cosine":
        q_norm = np.linalg.norm(q)
        if q_norm == 0.0:
            return np.zeros(len(v), dtype=np.float64)
        return dots / (np.linalg.norm(v, axis=1) * q_norm)
    if metric == "euclidean":
        diff = v - q
        return np.einsum("ij,ij->i", diff, diff)
    return dots


def top_candidates(keys: np.ndarray, k: int) -> np.ndarray:
    """Positions of the (about) k largest keys, unordered; with a margin for exact rescoring.

    Partitioning `keys` itself at its tail avoids negating a namespace-sized copy per query.
    """
    wanted = min(len(keys), k + RESCORE_MARGIN)
    if wanted >= len(keys):
        return np.arange(len(keys))
    return np.argpartition(keys, len(keys) - wanted)[len(keys) - wanted :]
