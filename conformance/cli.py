"""The `pinecone-conformance` command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pinecone-conformance` command."""
    print("pinecone-conformance: not yet available", file=sys.stderr)
    return 2
