"""Bulk import datasets: small Parquet directories the suite writes for the target to import.

The documented layout is `<uri>/<namespace>/*.parquet` with the columns `id` (string), `values`
(list of floats) and `metadata` (a JSON object as a string). The suite writes them into a
`file://` directory the target reads under the same URI: the one named by `--import-uri`, or a
temporary directory when the suite starts the server itself. pyarrow (the `import` extra) is
needed to write Parquet; without it, or without such a directory, the import tests are not
applicable and `DatasetUnavailable` says why.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.config import TargetConfig

MISSING_WRITER = (
    "writing Parquet import datasets needs pyarrow: pip install 'pinecone-conformance[import]'"
)


class DatasetUnavailable(Exception):
    """The suite cannot give this target a dataset to import; the message is the reason."""


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DatasetUnavailable(MISSING_WRITER) from None
    return pa, pq


def dataset_root(config: TargetConfig, temporary: Callable[[], Path]) -> Path:
    """The local directory datasets go into, or DatasetUnavailable with the reason."""
    _pyarrow()
    if config.import_uri is None:
        if not config.embedded:
            raise DatasetUnavailable(
                "no --import-uri: bulk import needs a file:// directory the suite writes its "
                "datasets into and the target reads under the same URI"
            )
        return temporary()
    parts = urlsplit(config.import_uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise DatasetUnavailable(
            f"--import-uri {config.import_uri!r} is not a local file:// directory: the suite "
            "writes its datasets only there"
        )
    root = Path(unquote(parts.path))
    if not root.is_dir():
        raise DatasetUnavailable(f"--import-uri: {root} is not a directory")
    return root


def write_dataset(root: Path, namespaces: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """One new import directory under `root` with one subdirectory per namespace; its URI.

    Each record is `{"id", "values", "metadata"?}`; values are written as given, so a test can
    include records the target must refuse (e.g. of the wrong dimension).
    """
    pa, pq = _pyarrow()
    directory = root / f"dataset-{secrets.token_hex(6)}"
    for name, records in namespaces.items():
        (directory / name).mkdir(parents=True)
        metadata = [
            json.dumps(r["metadata"]) if r.get("metadata") is not None else None for r in records
        ]
        table = pa.table(
            {
                "id": pa.array([r["id"] for r in records], pa.string()),
                "values": pa.array([r["values"] for r in records], pa.list_(pa.float32())),
                "metadata": pa.array(metadata, pa.string()),
            }
        )
        pq.write_table(table, directory / name / "0.parquet")
    return directory.as_uri()
