"""Behaviors a mutant may fail besides those it declares, because the documented behavior it
breaks is the means by which other behaviors are checked.

Each entry names the mutant, the extra behavior, and why its failure is a consequence and not a
second deviation. The list should only shrink: a suite test that checks one behavior through
another is better narrowed (or its setup made a harness error) than listed here.
"""

from __future__ import annotations

CASCADES: dict[str, dict[str, str]] = {
    "fetch-unknown-ids-null": {
        "FETCH-UNKNOWN-NAMESPACE": "its statement is `vectors: {}` for a namespace never written; "
        "listing the unknown ids there with null is the same deviation, seen in that case",
    },
    "errors-error-object-body": {
        "ERRORS-VALIDATION-400": "its statement is a 400 with `code` 3, and `code` is a member of "
        "the rpcStatus body this mutant replaces: no body without `code` can satisfy it",
    },
    "sparse-last-pair-dropped": {
        "FETCH-BY-ID": "fetch is the only window onto stored sparse values: a record stored "
        "without its last pair is fetched without it, FETCH-BY-ID's sparse case seeing the same "
        "loss UPSERT-SPARSE-ROUNDTRIP states",
    },
    "hybrid-sparse-dropped": {
        "FETCH-BY-ID": "likewise for the sparse part of a hybrid record: fetch shows what was "
        "stored, and what was stored lost its sparseValues",
    },
}
"""mutant name -> {extra behavior id: why its failure follows from the mutant's own break}."""
