"""The mutants whose whole-suite precision CI checks on every run: fixed, so a run is
repeatable, and chosen to span the API areas (writes, queries, reads, errors, control plane,
auth, namespaces). The others are checked in the `exhaustive` tier
(`pytest -m exhaustive tests/mutants`)."""

from __future__ import annotations

SAMPLE: tuple[str, ...] = (
    # writes
    "accepts-1001-vectors",
    "update-missing-creates",
    "delete-reply-count",
    # queries
    "euclidean-scores-negated",
    "topk-clamped",
    # reads
    "stats-no-metric",
    "fetch-no-usage",
    # errors
    "wrong-json-type-500",
    # control plane
    "indexes-delete-200",
    # auth: a monkeypatch mutant, and one seen only at API version 2025-01
    "api-key-exact-case",
    "version-header-twice-ignored",
    # namespaces, seen only at API version 2026-07
    "namespaces-record-count-number",
)
