"""Deterministic vectors and records for an index of a given dimension, metric and kind.

The same (seed, i) always gives the same vector, so a failing test reproduces exactly. Values are
rounded to 4 decimals to keep bodies small; dense vectors are never all zero; sparse vectors draw
their indices from a small range (0..63) with positive values, so two sparse vectors usually overlap
and score above zero.

Drawn vectors become near-tied at high dimension, so a test that needs an order uses `ranked` or
`directions`: records built in the plane of the first two axes, separated by design at any
dimension. Every request body must stay under the documented 2 MB limit at any dimension
(1..20000): `batches` splits records by their encoded size.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from conformance.target.client import encode_json

SPARSE_RANGE = 64
SPARSE_ENTRIES = 8

MetadataFn = Callable[[int], dict[str, Any] | None]

# The documented request limit is "2 MB"; the decimal reading is the stricter one, and the margin
# leaves room for the envelope (`{"vectors": [...], "namespace": ...}`).
MAX_REQUEST_BYTES = 2_000_000
BODY_MARGIN = 4_096
MAX_UPSERT_RECORDS = 1000

# Unit directions (cos, sin) with exact decimal components: distinct cosines to the first axis,
# at least 0.04 apart, and `RANKED_NORMS` chosen so cosine, dot product and squared euclidean
# scores against that axis are at least 0.04 apart and rank the records in three different orders.
RANKED_DIRECTIONS = (
    (0.6, 0.8), (1.0, 0.0), (-0.6, 0.8), (0.96, 0.28),
    (0.0, 1.0), (0.8, 0.6), (-0.8, 0.6), (0.28, 0.96),
)  # fmt: skip
RANKED_NORMS = (0.5, 2.5, 1.5, 3.25, 0.75, 2.0, 1.25, 2.75)
# On one axis: distinct values with distinct distances to 1 (dot product and euclidean only).
RANKED_LINE = (0.5, 2.5, -1.75, 3.5, -0.25, 2.0, -1.0, 1.25)
# Unit directions pairwise at most 0.8 in cosine (a record is strictly closest to itself).
SPREAD_DIRECTIONS = (
    (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0),
    (0.6, 0.8), (-0.8, 0.6), (0.8, -0.6), (-0.6, -0.8),
)  # fmt: skip


def body_bytes(value: Any) -> int:
    """The size of `value` as the client sends it (compact JSON)."""
    return len(encode_json(value))


def batches(
    records: Sequence[dict[str, Any]],
    max_bytes: int = MAX_REQUEST_BYTES - BODY_MARGIN,
    max_count: int = MAX_UPSERT_RECORDS,
) -> list[list[dict[str, Any]]]:
    """`records` split in order into upsert batches of at most `max_count` records and
    `max_bytes` of encoded records; ValueError when one record alone is too large."""
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for record in records:
        cost = body_bytes(record) + 1
        if cost > max_bytes:
            raise ValueError(f"record {record.get('id')!r} alone takes {cost} bytes")
        if current and (size + cost > max_bytes or len(current) >= max_count):
            out.append(current)
            current, size = [], 0
        current.append(record)
        size += cost
    if current:
        out.append(current)
    return out


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

    def _padded(self, head: Sequence[float]) -> list[float]:
        return [*head, *([0.0] * (self.dimension - len(head)))]

    def compact(self, i: int) -> list[float]:
        """A short-bodied dense vector: 1.0 on axis `i % dimension`, zeros elsewhere."""
        if self.dimension <= 0:
            raise ValueError("this index has no dense dimension (sparse index)")
        values = [0.0] * self.dimension
        values[i % self.dimension] = 1.0
        return values

    def axis(self) -> list[float]:
        """The unit vector of the first axis: the query `ranked` records are scored against."""
        return self._padded([1.0])

    def ranked(self, n: int) -> list[list[float]] | None:
        """`n` (at most 8) record vectors whose scores against `axis()` under the index metric
        are far apart by construction at any dimension; None when the dimension cannot separate
        them (cosine on one axis scores every record +1 or -1)."""
        if not 0 < n <= len(RANKED_NORMS) or self.dimension <= 0:
            raise ValueError(f"ranked() gives 1..{len(RANKED_NORMS)} dense vectors, not {n}")
        if self.dimension == 1:
            return None if self.metric == "cosine" and n > 2 else [[v] for v in RANKED_LINE[:n]]
        pairs = zip(RANKED_DIRECTIONS[:n], RANKED_NORMS, strict=False)
        return [self._padded([round(s * c, 4), round(s * t, 4)]) for (c, t), s in pairs]

    def directions(self, n: int) -> list[list[float]]:
        """Up to `n` unit vectors pairwise at most 0.8 in cosine (so each is strictly closest to
        itself under every metric): 2 on one axis, up to 8 from two axes on."""
        if self.dimension <= 0:
            raise ValueError("this index has no dense dimension (sparse index)")
        if self.dimension == 1:
            return [[1.0], [-1.0]][:n]
        return [self._padded(d) for d in SPREAD_DIRECTIONS[:n]]

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
