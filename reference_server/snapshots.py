"""Point-in-time copies of an index's records, for backups and collections.

A snapshot owns its data (new arrays, new dicts): writes to the index after the copy never reach
it, and loading it into another index shares nothing with it either, so a backup, its source and
every index restored from it live independently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reference_server.store import IndexStore, Metadata, Sparse


@dataclass(frozen=True)
class NamespaceCopy:
    """The visible records of one namespace, row by row."""

    ids: list[str]
    values: np.ndarray | None
    sparse: list[Sparse | None]
    metadata: list[Metadata | None]
    explicit: bool
    schema: dict[str, Any] | None


@dataclass(frozen=True)
class Snapshot:
    """Every namespace of an index as it was when the copy was taken."""

    namespaces: dict[str, NamespaceCopy] = field(default_factory=dict)

    @property
    def record_count(self) -> int:
        return sum(len(ns.ids) for ns in self.namespaces.values())

    @property
    def size_bytes(self) -> int:
        """An estimate of the stored size: vectors, sparse values and metadata text."""
        total = 0
        for ns in self.namespaces.values():
            total += ns.values.nbytes if ns.values is not None else 0
            total += sum(8 * len(s[0]) for s in ns.sparse if s is not None)
            total += sum(len(i) for i in ns.ids) + sum(len(repr(m)) for m in ns.metadata if m)
        return total


def _copy_sparse(sparse: Sparse | None) -> Sparse | None:
    return None if sparse is None else (sparse[0].copy(), sparse[1].copy())


def take(store: IndexStore) -> Snapshot:
    """A copy of the records `store` shows now (writes still delayed are not visible yet)."""
    with store.lock:
        store.sync()
        copies = {}
        for name, ns in store.namespaces.items():
            rows = np.arange(ns.n)
            copies[name] = NamespaceCopy(
                ids=list(ns.ids),
                values=ns.dense.take(rows) if ns.dense is not None else None,
                sparse=[_copy_sparse(s) for s in ns.sparse],
                metadata=[ns.metadata(row) for row in range(ns.n)],
                explicit=ns.explicit,
                schema=dict(ns.schema) if ns.schema else None,
            )
        return Snapshot(copies)


def load(store: IndexStore, snapshot: Snapshot) -> None:
    """Write a snapshot's namespaces and records into an empty `store` (copies again, so the
    snapshot stays unchanged whatever the index does next)."""
    with store.lock:
        for name, ns in snapshot.namespaces.items():
            if ns.explicit:
                store.create_namespace(name, dict(ns.schema) if ns.schema else None)
            if not ns.ids:
                continue
            values = ns.values.copy() if ns.values is not None else None
            sparse = [_copy_sparse(s) for s in ns.sparse]
            metadata = [dict(m) if m else None for m in ns.metadata]
            store.upsert(name, list(ns.ids), values, sparse, metadata)
