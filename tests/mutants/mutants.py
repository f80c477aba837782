"""The mutants: each breaks exactly one documented behavior of the reference server.

Most are ASGI wrappers around one index's data-plane app (`tests.mutants.asgi.Rewrite`): they
rewrite requests and responses, or send extra requests to the real app, so they keep working when
the reference server's internals change. A few monkeypatch one reference-server function where the
wire cannot express the bug (`patch`).

Each mutant names the catalog behaviors (conformance/behaviors.toml) it breaks; the suite must fail
on at least one test of one of those behaviors. They are declared by API area (`writes`,
`queries`, `reads`, `errors`, `controlplane`, `auth`, `namespaces`, `versions`); this module is the
one registry of all of them.
"""

from __future__ import annotations

from tests.mutants import (
    auth,
    backups,
    bulk_import,
    controlplane,
    errors,
    filter_droppers,
    grpc_wire,
    inference,
    namespaces,
    queries,
    reads,
    versions,
    writes,
)
from tests.mutants.registry import Mutant, join

__all__ = ["MUTANTS", "Mutant"]

MUTANTS: dict[str, Mutant] = join(
    bulk_import.GROUP,
    writes.GROUP,
    queries.GROUP,
    reads.GROUP,
    errors.GROUP,
    controlplane.GROUP,
    auth.GROUP,
    namespaces.GROUP,
    versions.GROUP,
    filter_droppers.GROUP,
    backups.GROUP,
    inference.GROUP,
    grpc_wire.GROUP,
)
