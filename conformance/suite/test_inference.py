"""The inference API on the control-plane host: `/embed`, `/rerank`, `/models` (inference specs
2024-10+, models 2025-04+).

Tests judge properties any faithful model has (dimensions, shapes, counts, order, identical text),
never a particular model's scores. A target whose control plane does not serve inference (POST
/embed answers 404, 405 or 501: an emulator such as Pinecone Local) makes them not applicable.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX, SetupFailed
from conformance.suite._control_plane_helpers import assert_cp_status
from conformance.suite._helpers import setup_ok
from conformance.target.client import ControlPlaneClient, WireResponse

DENSE_MODEL = "multilingual-e5-large"
DENSE_DIMENSION = 1024
SIZED_MODEL = "llama-text-embed-v2"
SPARSE_MODEL = "pinecone-sparse-english-v0"
RERANK_MODEL = "bge-reranker-v2-m3"
NOT_SERVED = (404, 405, 501)
_served: dict[str, bool] = {}


@pytest.fixture
def inference(control_plane: ControlPlaneClient) -> ControlPlaneClient:
    """The control plane, when it serves the inference API (probed once per target)."""
    if control_plane.base_url not in _served:
        probe = control_plane.request("POST", "/embed", json={})
        _served[control_plane.base_url] = probe.status not in NOT_SERVED
    if not _served[control_plane.base_url]:
        pytest.skip(NOT_APPLICABLE_PREFIX + "the target does not serve the inference API (/embed)")
    return control_plane


def embed(cp: ControlPlaneClient, model: str, texts: list[str], **parameters: Any) -> WireResponse:
    body = {"model": model, "inputs": [{"text": t} for t in texts]}
    return cp.request("POST", "/embed", json={**body, "parameters": parameters})


def rerank(cp: ControlPlaneClient, query: str, documents: list[Any], **extra: Any) -> WireResponse:
    body = {"model": RERANK_MODEL, "query": query, "documents": documents, **extra}
    return cp.request("POST", "/rerank", json=body)


def _values(entry: Any) -> list[float]:
    values = entry.get("values") if isinstance(entry, dict) else None
    assert isinstance(values, list), f"an embedding without `values`: {entry!r}"
    assert all(isinstance(v, int | float) for v in values), "embedding values must be numbers"
    return values


@pytest.mark.behavior("INFERENCE-EMBED-DENSE")
def test_embed_dense_one_vector_per_input(inference: ControlPlaneClient) -> None:
    resp = embed(inference, DENSE_MODEL, ["first passage", "second passage"], input_type="passage")
    assert resp.status == 200, f"expected 200, got {resp!r}"
    body = resp.json
    assert isinstance(body, dict) and isinstance(body.get("model"), str), f"no `model`: {resp!r}"
    assert isinstance(body.get("usage"), dict), f"no `usage` object: {resp!r}"
    data = body.get("data")
    assert isinstance(data, list) and len(data) == 2, f"expected 2 embeddings: {resp!r}"
    for entry in data:
        assert len(_values(entry)) == DENSE_DIMENSION, f"expected {DENSE_DIMENSION} values"


@pytest.mark.behavior("INFERENCE-EMBED-DIMENSION-PARAMETER")
def test_embed_dimension_parameter_picks_the_width(inference: ControlPlaneClient) -> None:
    resp = embed(inference, SIZED_MODEL, ["a short text"], input_type="query", dimension=384)
    assert resp.status == 200, f"expected 200, got {resp!r}"
    data = (resp.json or {}).get("data") or [{}]
    assert len(_values(data[0])) == 384, f"expected 384 values: {resp!r}"


@pytest.mark.behavior("INFERENCE-EMBED-DETERMINISTIC")
def test_identical_text_embeds_identically(inference: ControlPlaneClient) -> None:
    text = "the same sentence, embedded twice"
    body = setup_ok(
        embed(inference, DENSE_MODEL, [text, "unrelated words", text], input_type="query"),
        "embed three texts",
    )
    data = body.get("data") if isinstance(body, dict) else None
    assert isinstance(data, list) and len(data) == 3, "expected three embeddings"
    a, b = _values(data[0]), _values(data[2])
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    assert norms > 0 and dot / norms >= 0.99, f"cosine of identical texts is {dot / norms:.4f}"


@pytest.mark.behavior("INFERENCE-EMBED-SPARSE")
def test_embed_sparse_gives_indices_and_values(inference: ControlPlaneClient) -> None:
    resp = embed(inference, SPARSE_MODEL, ["sparse keyword text"], input_type="passage")
    assert resp.status == 200, f"expected 200, got {resp!r}"
    body = resp.json or {}
    assert body.get("vector_type") == "sparse", f"expected vector_type sparse: {resp!r}"
    entry = (body.get("data") or [{}])[0]
    indices, values = entry.get("sparse_indices"), entry.get("sparse_values")
    assert isinstance(indices, list) and isinstance(values, list), f"no sparse data: {resp!r}"
    assert indices and len(indices) == len(values), "sparse indices and values must pair up"
    assert all(isinstance(i, int) and i >= 0 for i in indices), "indices: non-negative integers"


@pytest.mark.behavior("INFERENCE-EMBED-UNKNOWN-MODEL-400")
def test_embed_unknown_model_rejected(inference: ControlPlaneClient) -> None:
    resp = embed(inference, "no-such-model-xyz", ["text"], input_type="query")
    assert_cp_status(resp, 400)


@pytest.mark.behavior("INFERENCE-EMBED-MISSING-INPUTS-400")
def test_embed_without_inputs_rejected(inference: ControlPlaneClient) -> None:
    body = {"model": DENSE_MODEL, "parameters": {"input_type": "query"}}
    assert_cp_status(inference.request("POST", "/embed", json=body), 400)


DENSE_MAX_BATCH = 96  # docs: multilingual-e5-large takes at most 96 inputs per request
DENSE_MAX_TOKENS = 507  # docs: multilingual-e5-large reads at most 507 tokens per input


@pytest.mark.behavior("INFERENCE-EMBED-BATCH-LIMIT")
def test_embed_batch_limit(inference: ControlPlaneClient) -> None:
    """96 inputs embed (one vector each); 97 are rejected with 400."""
    texts = [f"passage number {i}" for i in range(DENSE_MAX_BATCH + 1)]
    full = embed(inference, DENSE_MODEL, texts[:DENSE_MAX_BATCH], input_type="passage")
    assert full.status == 200, f"expected 200 for {DENSE_MAX_BATCH} inputs, got {full!r}"
    data = (full.json or {}).get("data")
    assert isinstance(data, list) and len(data) == DENSE_MAX_BATCH, "one embedding per input"
    assert_cp_status(embed(inference, DENSE_MODEL, texts, input_type="passage"), 400)


@pytest.mark.behavior("INFERENCE-EMBED-TRUNCATE")
def test_embed_truncate(inference: ControlPlaneClient) -> None:
    """An input past the token limit is cut with `truncate: END` and rejected with `NONE`."""
    long_text = " ".join(["word"] * (3 * DENSE_MAX_TOKENS))  # over the limit for any tokenizer
    cut = embed(inference, DENSE_MODEL, [long_text], input_type="passage", truncate="END")
    assert cut.status == 200, f"truncate END: expected 200, got {cut!r}"
    data = (cut.json or {}).get("data")
    assert isinstance(data, list) and len(data) == 1, f"expected one embedding: {cut!r}"
    refused = embed(inference, DENSE_MODEL, [long_text], input_type="passage", truncate="NONE")
    assert_cp_status(refused, 400)


DOCUMENTS = [
    {"text": "granite mountains above the valley"},
    {"text": "a recipe for lemon cake"},
    {"text": "the train timetable for tuesday"},
    {"text": "sailing boats in a windy harbour"},
]


@pytest.mark.behavior("INFERENCE-RERANK-TOP-N")
def test_rerank_returns_top_n_ordered(inference: ControlPlaneClient) -> None:
    resp = rerank(inference, "lemon cake recipe", DOCUMENTS, top_n=2)
    assert resp.status == 200, f"expected 200, got {resp!r}"
    body = resp.json or {}
    assert isinstance(body.get("model"), str), f"no `model`: {resp!r}"
    assert isinstance(body.get("usage"), dict), f"no `usage` object: {resp!r}"
    data = body.get("data")
    assert isinstance(data, list) and len(data) == 2, f"expected top_n=2 results: {resp!r}"
    indices = [row.get("index") for row in data]
    assert len(set(indices)) == 2 and all(i in range(len(DOCUMENTS)) for i in indices), indices
    scores = [row.get("score") for row in data]
    assert all(isinstance(s, int | float) for s in scores), f"scores must be numbers: {scores}"
    assert scores == sorted(scores, reverse=True), f"not ordered by score: {scores}"


@pytest.mark.behavior("INFERENCE-RERANK-RELEVANCE")
def test_rerank_ranks_the_query_text_first(inference: ControlPlaneClient) -> None:
    query = DOCUMENTS[2]["text"]
    body = setup_ok(rerank(inference, query, DOCUMENTS, top_n=len(DOCUMENTS)), "rerank")
    data = body.get("data") if isinstance(body, dict) else None
    assert isinstance(data, list) and data, "rerank gave no results"
    assert data[0].get("index") == 2, f"the document equal to the query is not first: {data}"


@pytest.mark.behavior("INFERENCE-RERANK-RETURN-DOCUMENTS")
def test_rerank_return_documents(inference: ControlPlaneClient) -> None:
    with_docs = rerank(inference, "boats", DOCUMENTS)
    assert with_docs.status == 200, f"expected 200, got {with_docs!r}"
    for row in (with_docs.json or {}).get("data") or []:
        assert row.get("document") == DOCUMENTS[row["index"]], f"document not returned: {row}"
    without = rerank(inference, "boats", DOCUMENTS, return_documents=False)
    assert without.status == 200, f"expected 200, got {without!r}"
    rows = (without.json or {}).get("data") or []
    assert rows and all(row.get("document") is None for row in rows), f"documents returned: {rows}"


def _models(cp: ControlPlaneClient, **params: str) -> list[Any]:
    resp = cp.request("GET", "/models", params=params or None)
    assert resp.status == 200, f"expected 200, got {resp!r}"
    models = (resp.json or {}).get("models")
    assert isinstance(models, list) and models, f"expected a non-empty `models` list: {resp!r}"
    return models


@pytest.mark.behavior("INFERENCE-MODELS-LIST")
def test_models_are_listed(inference: ControlPlaneClient) -> None:
    for info in _models(inference):
        for key, kind in (("model", str), ("short_description", str), ("type", str)):
            assert isinstance(info.get(key), kind), f"ModelInfo without `{key}`: {info}"
        assert isinstance(info.get("supported_parameters"), list), f"no parameters: {info}"
    rerankers = _models(inference, type="rerank")
    assert all(info.get("type") == "rerank" for info in rerankers), f"type=rerank: {rerankers}"


@pytest.mark.behavior("INFERENCE-MODELS-DESCRIBE")
def test_listed_model_is_described(inference: ControlPlaneClient) -> None:
    listed = setup_ok(inference.request("GET", "/models"), "list models")
    models = listed.get("models") if isinstance(listed, dict) else None
    if not models or not isinstance(models[0], dict) or "model" not in models[0]:
        raise SetupFailed(f"no model name listed: {listed!r}")
    name = models[0]["model"]
    resp = inference.request("GET", f"/models/{name}")
    assert resp.status == 200, f"expected 200, got {resp!r}"
    assert (resp.json or {}).get("model") == name, f"described another model: {resp!r}"


@pytest.mark.behavior("INFERENCE-MODELS-UNKNOWN-404")
def test_unknown_model_not_found(inference: ControlPlaneClient) -> None:
    assert_cp_status(inference.request("GET", "/models/no-such-model-xyz"), 404)


@pytest.mark.behavior("INFERENCE-RERANK-RANK-FIELDS")
def test_rerank_reads_the_rank_fields(inference: ControlPlaneClient) -> None:
    query = "granite mountains above the valley"
    documents = [
        {"title": "a recipe for lemon cake", "text": query},
        {"title": query, "text": "the train timetable for tuesday"},
        {"title": "sailing boats in a windy harbour", "text": "sailing boats"},
    ]
    body = setup_ok(rerank(inference, query, documents, rank_fields=["title"]), "rerank by title")
    data = body.get("data") if isinstance(body, dict) else None
    assert isinstance(data, list) and data, "rerank gave no results"
    assert data[0].get("index") == 1, f"the document whose title is the query is not first: {data}"
