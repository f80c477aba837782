"""REST data-plane response bodies (JSON) as gRPC response messages.

Records are built field by field (a dense row of a thousand floats would be slow through the
generic JSON parser); every other body goes through `google.protobuf.json_format`, which knows the
JSON names and ignores fields the message does not have (such as the deprecated `results`).
"""

from __future__ import annotations

from typing import Any

from google.protobuf.json_format import ParseDict
from google.protobuf.message import Message


def generic(payload: dict[str, Any], message: Message) -> Message:
    return ParseDict(payload, message, ignore_unknown_fields=True)


def _fill_record(target: Any, record: dict[str, Any]) -> None:
    target.id = record["id"]
    values = record.get("values")
    if values:
        target.values.extend(values)
    sparse = record.get("sparseValues")
    if sparse is not None:
        target.sparse_values.indices.extend(sparse["indices"])
        target.sparse_values.values.extend(sparse["values"])
    metadata = record.get("metadata")
    if metadata is not None:
        target.metadata.update(metadata)


def _common(payload: dict[str, Any], message: Any) -> None:
    """`namespace`, `usage` and `pagination`, when the body has them."""
    if "namespace" in payload:
        message.namespace = payload["namespace"]
    if "usage" in payload:
        ParseDict(payload["usage"], message.usage, ignore_unknown_fields=True)
    if "pagination" in payload:
        ParseDict(payload["pagination"], message.pagination, ignore_unknown_fields=True)


def query(payload: dict[str, Any], message: Any) -> Message:
    for match in payload.get("matches", ()):
        scored = message.matches.add()
        _fill_record(scored, match)
        scored.score = match["score"]
    _common(payload, message)
    return message


def vectors(payload: dict[str, Any], message: Any) -> Message:
    """Fetch and FetchByMetadata: the `vectors` map."""
    for vector_id, record in payload.get("vectors", {}).items():
        _fill_record(message.vectors[vector_id], record)
    _common(payload, message)
    return message
