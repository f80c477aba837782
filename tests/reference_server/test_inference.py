"""The local models, the inference routes, create-for-model and the records routes, in process."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from reference_server.controlplane import create_control_app
from reference_server.dataplane import create_data_app
from reference_server.indexes import IndexModel
from reference_server.inference.catalog import MODELS
from reference_server.inference.records import attach
from reference_server.inference.text import dense_embedding, relevance, sparse_embedding, tokens
from reference_server.store import IndexStore
from tests.reference_server.asgi_client import AsgiClient
from tests.reference_server.test_controlplane import FakeManager

V = {"X-Pinecone-Api-Version": "2025-10"}


def test_dense_embedding_is_deterministic_unit_and_closer_for_shared_words() -> None:
    a = dense_embedding(tokens("red apples in a basket"), 256)
    again = dense_embedding(tokens("Red apples, in a basket!"), 256)
    near = dense_embedding(tokens("red apples on a table"), 256)
    far = dense_embedding(tokens("stock market news today"), 256)
    assert np.array_equal(a, again)
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-5
    assert float(a @ near) > float(a @ far)
    assert float(np.linalg.norm(dense_embedding([], 8))) == pytest.approx(1.0)


def test_sparse_embedding_and_relevance() -> None:
    indices, values, words = sparse_embedding(tokens("b a b"))
    assert indices == sorted(indices) and len(values) == 2 and sorted(words) == ["a", "b"]
    assert relevance(["x", "y"], ["y", "x"]) == 1.0
    assert relevance(["x"], ["z"]) == 0.0


@pytest.fixture
def control() -> AsgiClient:
    return AsgiClient(create_control_app(FakeManager()))


def test_embed_validates_model_inputs_and_parameters(control: AsgiClient) -> None:
    ok = control.post(
        "/embed",
        headers=V,
        json={
            "model": "llama-text-embed-v2",
            "inputs": [{"text": "a"}, {"text": "b"}],
            "parameters": {"input_type": "query", "dimension": 512},
        },
    )
    assert ok.status_code == 200
    assert [len(d["values"]) for d in ok.json()["data"]] == [512, 512]
    bad = [
        {"model": "nope", "inputs": [{"text": "a"}], "parameters": {"input_type": "query"}},
        {"model": "multilingual-e5-large", "parameters": {"input_type": "query"}},
        {"model": "multilingual-e5-large", "inputs": [{"text": "a"}]},
        {
            "model": "multilingual-e5-large",
            "inputs": [{"text": "a"}] * 97,
            "parameters": {"input_type": "query"},
        },
        {
            "model": "multilingual-e5-large",
            "inputs": [{"text": "a " * 600}],
            "parameters": {"input_type": "query", "truncate": "NONE"},
        },
    ]
    for body in bad:
        resp = control.post("/embed", headers=V, json=body)
        assert resp.status_code == 400, body
        assert resp.json()["error"]["code"] == "INVALID_ARGUMENT"


def test_rerank_rank_fields_limit_and_missing_field(control: AsgiClient) -> None:
    docs = [{"title": "x", "text": "y"}]
    two = {"model": "bge-reranker-v2-m3", "query": "q", "documents": docs}
    resp = control.post("/rerank", headers=V, json={**two, "rank_fields": ["title", "text"]})
    assert resp.status_code == 400
    resp = control.post("/rerank", headers=V, json={**two, "rank_fields": ["missing"]})
    assert resp.status_code == 400
    cohere = {**two, "model": "cohere-rerank-3.5", "rank_fields": ["title", "text"]}
    assert control.post("/rerank", headers=V, json=cohere).status_code == 200


def test_models_routes_follow_the_api_version(control: AsgiClient) -> None:
    assert control.get("/models", headers={"X-Pinecone-Api-Version": "2025-01"}).status_code == 404
    listed = control.get("/models", headers=V, params={"type": "embed", "vector_type": "sparse"})
    assert [m["model"] for m in listed.json()["models"]] == ["pinecone-sparse-english-v0"]
    assert control.get("/models/bge-reranker-v2-m3", headers=V).json()["type"] == "rerank"


def test_create_for_model_and_configure_embed(control: AsgiClient) -> None:
    body: dict[str, Any] = {
        "name": "integrated",
        "cloud": "aws",
        "region": "us-east-1",
        "embed": {"model": "pinecone-sparse-english-v0", "field_map": {"text": "body"}},
    }
    created = control.post("/indexes/create-for-model", headers=V, json=body)
    assert created.status_code == 201
    described = created.json()
    assert described["vector_type"] == "sparse" and "dimension" not in described
    assert described["schema"]["fields"]["body"]["type"] == "semantic_text"
    field_map = {"embed": {"field_map": {"text": "t"}}}
    changed = control.patch("/indexes/integrated", headers=V, json=field_map)
    assert changed.status_code == 202 and changed.json()["embed"]["field_map"] == {"text": "t"}
    other = {"embed": {"model": "multilingual-e5-large"}}
    assert control.patch("/indexes/integrated", headers=V, json=other).status_code == 400
    wrong = {**body, "name": "x", "embed": {**body["embed"], "metric": "cosine"}}
    assert control.post("/indexes/create-for-model", headers=V, json=wrong).status_code == 400
    missing = {k: v for k, v in body.items() if k != "region"}
    assert control.post("/indexes/create-for-model", headers=V, json=missing).status_code == 422


def test_records_need_an_integrated_index_for_text() -> None:
    store = IndexStore("plain", 4, "cosine")
    model = IndexModel("plain", 4, "cosine")
    attach(store, model)
    data = AsgiClient(create_data_app(store))
    ndjson = b'{"_id": "a", "text": "hello"}\n'
    upsert = data.post("/records/namespaces/ns/upsert", headers=V, content=ndjson)
    assert upsert.status_code == 400
    model.embed = {
        "model": "multilingual-e5-large",
        "metric": "cosine",
        "dimension": 4,
        "vector_type": "dense",
        "field_map": {"text": "text"},
    }
    assert MODELS["multilingual-e5-large"].dimensions == (1024,)
    search = data.post("/records/namespaces/ns/search", headers=V, json={"query": {"top_k": 1}})
    assert search.status_code == 400


def test_records_upsert_limit_and_error_shape_follow_the_api_version() -> None:
    store = IndexStore("integrated", 1024, "cosine")
    model = IndexModel("integrated", 1024, "cosine")
    model.embed = {"model": "multilingual-e5-large", "field_map": {"text": "text"}}
    attach(store, model)
    data = AsgiClient(create_data_app(store))
    lines = [f'{{"_id": "r{i}", "text": "record {i}"}}' for i in range(1001)]
    v2607 = {"X-Pinecone-Api-Version": "2026-07"}

    def upsert(count: int, headers: dict[str, str]) -> Any:
        body = "\n".join(lines[:count]).encode()
        return data.post("/records/namespaces/ns/upsert", headers=headers, content=body)

    before = upsert(97, V)
    assert before.status_code == 400 and before.json()["code"] == 3  # rpcStatus before 2026-07
    assert upsert(96, V).status_code == 201
    assert upsert(1000, v2607).status_code == 201  # embedded 96 at a time
    refused = upsert(1001, v2607)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "INVALID_ARGUMENT"  # ErrorResponse from 2026-07
    assert refused.json()["status"] == 400
