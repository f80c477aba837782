"""Deterministic vectors and records for an index of a given dimension, metric and kind.

The same (seed, i) always gives the same vector, so a failing test reproduces exactly. Values are
rounded to 4 decimals to keep bodies small; dense vectors are never all zero; sparse vectors draw
their indices from a small range (0..63) with positive values, so two sparse vectors usually overlap
and score above zero.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

SPARSE_RANGE = 64
SPARSE_ENTRIES = 8

MetadataFn = Callable[[int], dict[str, Any] | None]


class VectorFactory:
    """Builds wire-format vectors and records for one index."""

    def __init__(
        self,
        dimension: int | None,
        metric: str | None = "cosine",
        vector_type: str = "dense",
        seed: int = 0,
    ) -> None:
        self.dimension = dimension or 0
        self.metric = metric
        self.vector_type = vector_type
        self.seed = seed

    def _rng(self, i: int, salt: int) -> random.Random:
        return random.Random(self.seed * 1_000_003 + i * 7 + salt)

    def dense(self, i: int) -> list[float]:
        """A dense vector of the index dimension, components in [-1, 1]."""
        if self.dimension <= 0:
            raise ValueError("this index has no dense dimension (sparse index)")
        rng = self._rng(i, 1)
        values = [round(rng.uniform(-1.0, 1.0), 4) for _ in range(self.dimension)]
        if all(abs(v) < 1e-3 for v in values):
            values[0] = 1.0
        return values

    def unit(self, i: int) -> list[float]:
        """`dense(i)` scaled to length 1 (cosine and dot product then agree)."""
        values = self.dense(i)
        norm = math.sqrt(sum(v * v for v in values))
        return [v / norm for v in values]

    def sparse(self, i: int) -> dict[str, list]:
        """A sparse vector `{"indices": [...], "values": [...]}`, indices ascending and unique."""
        rng = self._rng(i, 2)
        indices = sorted(rng.sample(range(SPARSE_RANGE), SPARSE_ENTRIES))
        return {"indices": indices, "values": [round(rng.uniform(0.1, 1.0), 4) for _ in indices]}

    def record(
        self, i: int, prefix: str = "r", metadata: MetadataFn | None = None
    ) -> dict[str, Any]:
        """One record `{"id": f"{prefix}{i}", ...}` with the values the index kind needs."""
        record: dict[str, Any] = {"id": f"{prefix}{i}"}
        if self.vector_type == "sparse":
            record["sparseValues"] = self.sparse(i)
        else:
            record["values"] = self.dense(i)
        if metadata is not None:
            meta = metadata(i)
            if meta is not None:
                record["metadata"] = meta
        return record

    def records(
        self, n: int, prefix: str = "r", metadata: MetadataFn | None = None, start: int = 0
    ) -> list[dict[str, Any]]:
        """Records `{prefix}{start}`.. (n of them); `metadata(i)` gives each one's metadata."""
        return [self.record(i, prefix, metadata) for i in range(start, start + n)]
