"""The mutants whose whole-suite precision CI checks on every run: fixed, so a run is
repeatable, and chosen to span the API areas (writes, queries, reads, errors, control plane,
auth, namespaces). The others are checked in the `exhaustive` tier
(`pytest -m exhaustive tests/mutants`)."""

from __future__ import annotations

SAMPLE: tuple[str, ...] = ()
