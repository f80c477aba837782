"""The official SDK, unchanged, runs the integrated-inference quickstart against the reference
server: hosted-model embedding and reranking, an index created for a model, text records upserted
and searched with reranking. No warning, no retry (conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from pinecone import Pinecone

from tests.sdk.sdk_support import SDK_MAJOR

RECORDS = [
    {"_id": "r1", "chunk_text": "apple pie with cinnamon", "category": "dessert"},
    {"_id": "r2", "chunk_text": "the history of the roman empire", "category": "history"},
    {"id": "r3", "chunk_text": "apple orchards in autumn", "category": "farming"},
]


def _get(obj: Any, key: str) -> Any:
    """A response field whether the SDK returns objects or dicts."""
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


def test_embed_dense_returns_one_vector_per_input_of_the_model_dimension(pc: Pinecone) -> None:
    result = pc.inference.embed(
        model="multilingual-e5-large",
        inputs=["first text", "second text"],
        parameters={"input_type": "passage", "truncate": "END"},
    )
    assert len(result.data) == 2
    assert all(len(_get(e, "values")) == 1024 for e in result.data)
    again = pc.inference.embed(
        model="multilingual-e5-large", inputs=["first text"], parameters={"input_type": "query"}
    )
    assert list(_get(again.data[0], "values")) == list(_get(result.data[0], "values"))


def test_embed_sparse_returns_indices_and_values(pc: Pinecone) -> None:
    result = pc.inference.embed(
        model="pinecone-sparse-english-v0",
        inputs=["sparse words here"],
        parameters={"input_type": "passage"},
    )
    entry = result.data[0]
    assert len(_get(entry, "sparse_indices")) == len(_get(entry, "sparse_values")) == 3


def _status(exc: BaseException) -> Any:
    """The HTTP status an SDK error carries (`status_code` in 10.x, `status` in 9.x)."""
    return getattr(exc, "status_code", getattr(exc, "status", None))


def test_embed_batch_and_token_limits(pc: Pinecone) -> None:
    """96 inputs embed and 97 are refused; an over-long input is cut with `truncate` END and
    refused with NONE (multilingual-e5-large: 96 inputs, 507 tokens)."""
    model, passage = "multilingual-e5-large", {"input_type": "passage"}
    texts = [f"text {i}" for i in range(97)]
    assert len(pc.inference.embed(model=model, inputs=texts[:96], parameters=passage).data) == 96
    with pytest.raises(Exception) as too_many:
        pc.inference.embed(model=model, inputs=texts, parameters=passage)
    assert _status(too_many.value) == 400
    long_text = " ".join(["word"] * 1600)
    cut = pc.inference.embed(
        model=model, inputs=[long_text], parameters={**passage, "truncate": "END"}
    )
    assert len(cut.data) == 1
    with pytest.raises(Exception) as refused:
        pc.inference.embed(
            model=model, inputs=[long_text], parameters={**passage, "truncate": "NONE"}
        )
    assert _status(refused.value) == 400


def test_rerank_orders_by_relevance_and_keeps_top_n(pc: Pinecone) -> None:
    result = pc.inference.rerank(
        model="bge-reranker-v2-m3",
        query="apple pie",
        documents=["the roman empire", "apple pie", "an apple"],
        top_n=2,
        return_documents=True,
    )
    assert [row.index for row in result.data] == [1, 2]
    assert result.data[0].score >= result.data[1].score


def test_models_are_listed_and_described(pc: Pinecone) -> None:
    names = {_get(m, "model") for m in pc.inference.list_models().models}
    assert {"multilingual-e5-large", "bge-reranker-v2-m3"} <= names
    if SDK_MAJOR >= 10:
        info = pc.inference.get_model(model="llama-text-embed-v2")
    else:
        info = pc.inference.get_model(model_name="llama-text-embed-v2")
    assert _get(info, "default_dimension") == 1024


@pytest.fixture
def integrated(pc: Pinecone, index_name: str) -> Any:
    created = pc.create_index_for_model(
        name=index_name,
        cloud="aws",
        region="us-east-1",
        embed={"model": "llama-text-embed-v2", "field_map": {"text": "chunk_text"}},
    )
    assert created.embed is not None and created.embed.model == "llama-text-embed-v2"
    host = pc.describe_index(index_name).host
    assert host is not None
    index = pc.Index(host=host)
    yield index
    index.close()
    pc.delete_index(index_name)


def test_quickstart_upsert_records_and_search_with_rerank(integrated: Any, namespace: str) -> None:
    integrated.upsert_records(namespace=namespace, records=RECORDS)
    found = integrated.search(
        namespace=namespace,
        query={"inputs": {"text": "apple orchards in autumn"}, "top_k": 3},
        fields=["category"],
    )
    hits = found.result.hits
    assert hits[0]["_id"] == "r3" if isinstance(hits[0], dict) else hits[0].id == "r3"
    reranked = integrated.search(
        namespace=namespace,
        query={"inputs": {"text": "apple"}, "top_k": 3, "filter": {"category": "dessert"}},
        rerank={"model": "bge-reranker-v2-m3", "rank_fields": ["chunk_text"], "top_n": 1},
    )
    assert [_hit_id(h) for h in reranked.result.hits] == ["r1"]


def _hit_id(hit: Any) -> str:
    return hit["_id"] if isinstance(hit, dict) else hit.id
