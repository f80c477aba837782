"""Reading an import directory: `<uri>/<namespace>/*.parquet`, one subdirectory per namespace.

Only `file://` URIs name something this server can read; the rows come back as plain dicts with
the documented columns (`id`, `values`, `sparse_values`, `metadata` as JSON text), other
columns ignored. pyarrow is an optional dependency (the `import` extra): without it every
import fails with a message saying how to install it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

COLUMNS = ("id", "values", "sparse_values", "metadata")
MISSING_READER = (
    "Reading Parquet files needs pyarrow, which is not installed: "
    "pip install 'pinecone-conformance[import]'"
)


class SourceError(Exception):
    """The import directory cannot be read as a whole; the message says why."""


@dataclass(frozen=True)
class NamespaceSource:
    """One namespace directory and its Parquet files, in name order."""

    name: str
    files: tuple[Path, ...]


def local_directory(uri: str) -> Path:
    """The local directory a `file://` URI names; any other scheme is a SourceError."""
    parts = urlsplit(uri)
    if parts.scheme != "file":
        shown = parts.scheme or "no scheme"
        raise SourceError(
            f"This server reads imports from file:// URIs only; '{shown}' is not supported"
        )
    if parts.netloc not in ("", "localhost"):
        raise SourceError(f"file:// URIs must name a local path, got host '{parts.netloc}'")
    directory = Path(unquote(parts.path))
    if not directory.is_dir():
        raise SourceError(f"The import directory '{directory}' does not exist")
    return directory


def namespaces_in(directory: Path) -> list[NamespaceSource]:
    """Every subdirectory holding at least one `.parquet` file; other files are ignored."""
    found = []
    for child in sorted(directory.iterdir()):
        if not child.is_dir():
            continue
        files = tuple(sorted(p for p in child.iterdir() if p.suffix == ".parquet" and p.is_file()))
        if files:
            found.append(NamespaceSource(child.name, files))
    if not found:
        raise SourceError(f"No namespace directory with Parquet files under '{directory}'")
    return found


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise SourceError(MISSING_READER) from None
    return pq


def rows_of(path: Path, batch_rows: int = 1000) -> Iterator[list[dict[str, Any]]]:
    """The rows of one Parquet file in batches, as dicts of the documented columns present."""
    pq = _pyarrow_parquet()
    try:
        handle = pq.ParquetFile(path)
        present = [name for name in COLUMNS if name in handle.schema_arrow.names]
        if "id" not in present:
            raise SourceError(f"'{path.name}' has no 'id' column")
        for batch in handle.iter_batches(batch_size=batch_rows, columns=present):
            yield batch.to_pylist()
    except SourceError:
        raise
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise SourceError(f"'{path.name}' is not a readable Parquet file: {exc}") from None
