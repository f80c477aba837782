"""Running the local models: embed texts, rerank documents, with the documented limits (batch
size, tokens per sequence, `truncate`, rank fields). Shared by `/embed`, `/rerank` and the
integrated records API."""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_server.errors import bad_request
from reference_server.inference.catalog import Model
from reference_server.inference.text import dense_embedding, relevance, sparse_embedding, tokens


def _limited(words: list[str], limit: int, truncate: str, what: str) -> list[str]:
    """`words` cut to `limit` by `truncate` (END keeps the start, START the end); NONE: 400."""
    if len(words) <= limit:
        return words
    if truncate == "NONE":
        raise bad_request(
            f"{what} has {len(words)} tokens, more than the model's limit of {limit} "
            "(truncate is NONE)"
        )
    return words[-limit:] if truncate == "START" else words[:limit]


def _texts_words(model: Model, texts: list[str], parameters: dict[str, Any]) -> list[list[str]]:
    if len(texts) > model.max_batch_size:
        raise bad_request(
            f"Too many inputs: {len(texts)}; model '{model.name}' takes at most "
            f"{model.max_batch_size} per request"
        )
    limit = int(parameters.get("max_tokens_per_sequence", model.max_sequence_length))
    truncate = str(parameters.get("truncate", "END"))
    return [_limited(tokens(t), limit, truncate, f"Input {i}") for i, t in enumerate(texts)]


def embed_dense(
    model: Model, texts: list[str], parameters: dict[str, Any]
) -> tuple[np.ndarray, int]:
    """(float32 matrix, one unit row per text; tokens used) for a dense embedder."""
    words = _texts_words(model, texts, parameters)
    dimension = model.dimension_for(parameters) or 1
    rows = [dense_embedding(w, dimension) for w in words]
    matrix = np.vstack(rows) if rows else np.zeros((0, dimension), dtype=np.float32)
    return matrix, sum(len(w) for w in words)


def embed_sparse(
    model: Model, texts: list[str], parameters: dict[str, Any]
) -> tuple[list[tuple[list[int], list[float], list[str]]], int]:
    """(one (indices, values, tokens) per text; tokens used) for a sparse embedder."""
    words = _texts_words(model, texts, parameters)
    return [sparse_embedding(w) for w in words], sum(len(w) for w in words)


def document_text(document: Any, rank_fields: list[str], index: int) -> str:
    """The text a reranker reads from one document: its rank fields joined; 400 when a document
    is not an object or lacks a rank field, or a field is not a string."""
    if not isinstance(document, dict):
        raise bad_request(f"Document at index {index} must be an object")
    parts = []
    for name in rank_fields:
        value = document.get(name)
        if value is None:
            raise bad_request(f"Document at index {index} is missing the rank field '{name}'")
        if not isinstance(value, str):
            raise bad_request(f"Rank field '{name}' of document {index} must be a string")
        parts.append(value)
    return "\n".join(parts)


def check_rank_fields(model: Model, rank_fields: Any) -> list[str]:
    """`rank_fields` (default `["text"]`) checked against the model's field limit."""
    if rank_fields is None:
        return ["text"]
    if (
        not isinstance(rank_fields, list)
        or not rank_fields
        or not all(isinstance(f, str) and f for f in rank_fields)
    ):
        raise bad_request("Invalid request: 'rank_fields' must be a non-empty array of strings")
    if model.max_rank_fields is not None and len(rank_fields) > model.max_rank_fields:
        raise bad_request(
            f"Model '{model.name}' takes at most {model.max_rank_fields} rank field(s), got "
            f"{len(rank_fields)}"
        )
    return list(rank_fields)


def rerank(
    model: Model, query: str, texts: list[str], parameters: dict[str, Any]
) -> list[tuple[int, float]]:
    """(document index, score in [0, 1]) for every text, best first (ties by index)."""
    if len(texts) > model.max_batch_size:
        raise bad_request(
            f"Too many documents: {len(texts)}; model '{model.name}' takes at most "
            f"{model.max_batch_size}"
        )
    query_words = tokens(query)
    truncate = str(parameters.get("truncate", "END"))
    scored = []
    for i, text in enumerate(texts):
        words = tokens(text)
        room = max(model.max_sequence_length - len(query_words), 0)
        words = _limited(words, room, truncate, f"Query and document {i}")
        scored.append((i, relevance(query_words, words)))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored
