"""Integrated records (db_data 2025-01+): an index created for a hosted embedding model
(`/indexes/create-for-model`), text records upserted as NDJSON and searched by text, id, filter,
field selection and reranking.

The module creates one integrated index (multilingual-e5-large, `field_map` text -> `chunk_text`)
and deletes it at the end; each test works in its own namespace. It needs --allow-create-index and
a control plane; a target that does not serve create-for-model (404, 405, 501) makes the tests not
applicable. Reads after writes wait through the records search itself, so nothing here depends on
the vector API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX, SetupFailed
from conformance.plugin.fixtures import CLIENTS_KEY
from conformance.suite._control_plane_helpers import assert_cp_status, drop_index, index_name
from conformance.suite._helpers import seed_visible, setting_up, setup_ok
from conformance.suite._query_helpers import assert_rpc_status
from conformance.target import waiting
from conformance.target.client import ControlPlaneClient, DataPlaneClient, WireResponse
from conformance.target.indexes import IndexInfo, index_url
from conformance.target.session import SuiteSession
from conformance.target.space import Space

MODEL = "multilingual-e5-large"
MODEL_DIMENSION = 1024
TEXT_FIELD = "chunk_text"
RERANK_MODEL = "bge-reranker-v2-m3"
NOT_SERVED = (404, 405, 501)
READY_TIMEOUT = 120.0
RECORDS = [
    {"_id": "rec-1", TEXT_FIELD: "granite mountains above a quiet valley", "topic": "nature"},
    {"_id": "rec-2", TEXT_FIELD: "a recipe for lemon cake with sugar", "topic": "food"},
    {"_id": "rec-3", TEXT_FIELD: "the train timetable for tuesday mornings", "topic": "travel"},
    {"_id": "rec-4", TEXT_FIELD: "lemon trees growing on a sunny hillside", "topic": "nature"},
]


def create_for_model_body(
    name: str, text_field: str = TEXT_FIELD, model: str = MODEL
) -> dict[str, Any]:
    embed = {"model": model, "field_map": {"text": text_field}}
    return {"name": name, "cloud": "aws", "region": "us-east-1", "embed": embed}


def _ready(cp: ControlPlaneClient, name: str) -> WireResponse:
    def probe() -> WireResponse:
        return cp.describe_index(name)

    def check(resp: WireResponse) -> bool:
        body = resp.json
        return resp.status == 200 and isinstance(body, dict) and bool(body.get("host")) and bool(
            (body.get("status") or {}).get("ready")
        )  # fmt: skip

    return waiting.eventually(probe, check, f"index {name} ready", READY_TIMEOUT, max_pause=5.0)


@dataclass
class Integrated:
    """The module's integrated index: its name, control plane, data plane and consistency wait."""

    name: str
    control: ControlPlaneClient
    data: DataPlaneClient
    session: SuiteSession

    def namespace(self) -> str:
        return self.session.next_namespace()

    def upsert(self, namespace: str, records: list[dict[str, Any]]) -> WireResponse:
        body = "\n".join(json.dumps(r) for r in records) + "\n"
        return self.data.request(
            "POST",
            f"/records/namespaces/{quote(namespace, safe='')}/upsert",
            content=body,
            headers={"Content-Type": "application/x-ndjson"},
        )

    def search(self, namespace: str, **body: Any) -> WireResponse:
        path = f"/records/namespaces/{quote(namespace, safe='')}/search"
        return self.data.request("POST", path, json=body)

    def searchable(self, namespace: str, ids: list[str]) -> None:
        """Wait until a search by each id finds it (AssertionError after the consistency
        timeout)."""
        for record_id in ids:

            def probe(record_id: str = record_id) -> WireResponse:
                return self.search(namespace, query={"id": record_id, "top_k": 1})

            def check(resp: WireResponse, record_id: str = record_id) -> bool:
                hits = ((resp.json or {}).get("result") or {}).get("hits") or []
                return resp.status == 200 and any(h.get("_id") == record_id for h in hits)

            waiting.eventually(
                probe, check, f"record {record_id} searchable", self.session.cfg.consistency_timeout
            )

    def seeded(self, records: list[dict[str, Any]] = RECORDS) -> str:
        """A fresh namespace holding `records`, each searchable (setup: SetupFailed otherwise)."""
        namespace = self.namespace()
        resp = self.upsert(namespace, records)
        if not 200 <= resp.status < 300:  # the exact status is RECORDS-UPSERT's to judge
            raise SetupFailed(f"upsert the records: expected 2xx, got {resp!r}")
        with setting_up("the upserted records become searchable by id"):
            self.searchable(namespace, [str(r.get("_id", r.get("id"))) for r in records])
        return namespace


@pytest.fixture(scope="module")
def integrated_index(conformance_session: SuiteSession) -> Iterator[Integrated]:
    """One integrated index for the module, deleted at its end."""
    suite = conformance_session
    control = suite.control_client()
    if control is None or suite.control_url is None:
        pytest.skip(NOT_APPLICABLE_PREFIX + "no control plane given (--control-plane)")
    if not suite.cfg.allow_create_index:
        pytest.skip(NOT_APPLICABLE_PREFIX + "an integrated index needs --allow-create-index")
    name = index_name(suite.cfg.namespace_prefix, "rec")
    try:
        created = control.request(
            "POST", "/indexes/create-for-model", json=create_for_model_body(name)
        )
        if created.status in NOT_SERVED:
            pytest.skip(NOT_APPLICABLE_PREFIX + "the target does not serve create-for-model")
        setup_ok(created, "create an index for a model", 201)
        with setting_up(f"index {name} becomes ready"):
            described = _ready(control, name)
        host = index_url(described.json["host"], suite.control_url)
        data = suite.data_client(IndexInfo(name, host, MODEL_DIMENSION, "cosine"))
        setup_ok(data.describe_index_stats(), f"the host of index {name} serves its data plane")
        yield Integrated(name, control, data, suite)
    finally:
        drop_index(control, name)


@pytest.fixture
def records(request: pytest.FixtureRequest, integrated_index: Integrated) -> Integrated:
    """The module's integrated index, with its clients' transcripts attached to the test."""
    node = request.node
    node.stash[CLIENTS_KEY] = [
        *node.stash.get(CLIENTS_KEY, []),
        integrated_index.control,
        integrated_index.data,
    ]
    return integrated_index


def _hits(resp: WireResponse) -> list[dict[str, Any]]:
    assert resp.status == 200, f"expected 200, got {resp!r}"
    result = (resp.json or {}).get("result")
    hits = result.get("hits") if isinstance(result, dict) else None
    assert isinstance(hits, list), f"expected `result.hits`: {resp!r}"
    return hits


@pytest.mark.behavior("RECORDS-CREATE-FOR-MODEL")
def test_create_for_model_describes_embed(records: Integrated) -> None:
    resp = records.control.describe_index(records.name)
    body = setup_ok(resp, "describe the integrated index")
    embed = body.get("embed") if isinstance(body, dict) else None
    assert isinstance(embed, dict), f"no `embed` in the description: {resp!r}"
    assert embed.get("model") == MODEL, f"embed.model: {embed}"
    assert embed.get("field_map") == {"text": TEXT_FIELD}, f"embed.field_map: {embed}"
    assert body.get("dimension") == MODEL_DIMENSION, f"the model's dimension: {resp!r}"


@pytest.mark.behavior("RECORDS-CREATE-FOR-MODEL-SEMANTIC-TEXT")
def test_create_for_model_describes_semantic_text(records: Integrated) -> None:
    resp = records.control.describe_index(records.name)
    body = setup_ok(resp, "describe the integrated index")
    schema = body.get("schema") if isinstance(body, dict) else None
    fields = schema.get("fields") if isinstance(schema, dict) else None
    assert isinstance(fields, dict), f"no `schema.fields` in the description: {resp!r}"
    field = fields.get(TEXT_FIELD)
    assert isinstance(field, dict), f"no field named after field_map.text ({TEXT_FIELD}): {fields}"
    assert field.get("type") == "semantic_text", f"{TEXT_FIELD}.type: {field}"
    assert field.get("model") == MODEL, f"{TEXT_FIELD}.model: {field}"


@pytest.mark.behavior("RECORDS-UPSERT")
def test_upsert_records_then_searchable(records: Integrated) -> None:
    namespace = records.namespace()
    resp = records.upsert(namespace, RECORDS[:2])
    assert resp.status == 201, f"expected 201, got {resp!r}"
    records.searchable(namespace, [r["_id"] for r in RECORDS[:2]])


@pytest.mark.behavior("RECORDS-UPSERT-ID-ALIAS")
def test_upsert_id_alias(records: Integrated) -> None:
    namespace = records.namespace()
    resp = records.upsert(namespace, [{"id": "alias-1", TEXT_FIELD: "records named by id"}])
    assert 200 <= resp.status < 300, f"expected the upsert accepted, got {resp!r}"
    records.searchable(namespace, ["alias-1"])


@pytest.mark.behavior("RECORDS-UPSERT-MISSING-FIELD-400")
def test_upsert_without_mapped_field_rejected(records: Integrated) -> None:
    namespace = records.namespace()
    resp = records.upsert(namespace, [{"_id": "no-text", "other_field": "not the mapped one"}])
    assert resp.status == 400, f"expected 400, got {resp!r}"


@pytest.mark.behavior("RECORDS-SEARCH-SHAPE")
def test_search_response_shape(records: Integrated) -> None:
    namespace = records.seeded()
    resp = records.search(namespace, query={"inputs": {"text": "lemon"}, "top_k": 2})
    hits = _hits(resp)
    assert 0 < len(hits) <= 2, f"expected 1 to top_k=2 hits: {resp!r}"
    for hit in hits:
        assert isinstance(hit.get("_id"), str), f"hit without `_id`: {hit}"
        assert isinstance(hit.get("_score"), int | float), f"hit without numeric `_score`: {hit}"
        assert isinstance(hit.get("fields"), dict), f"hit without `fields`: {hit}"
    usage = (resp.json or {}).get("usage")
    assert isinstance(usage, dict) and isinstance(usage.get("read_units"), int), resp


@pytest.mark.behavior("RECORDS-SEARCH-TEXT")
def test_search_by_text_ranks_exact_text_first(records: Integrated) -> None:
    namespace = records.seeded()
    wanted = RECORDS[2]
    resp = records.search(namespace, query={"inputs": {"text": wanted[TEXT_FIELD]}, "top_k": 4})
    hits = _hits(resp)
    assert hits and hits[0].get("_id") == wanted["_id"], f"expected {wanted['_id']} first: {hits}"


@pytest.mark.behavior("RECORDS-SEARCH-BY-ID")
def test_search_by_id_finds_the_record_first(records: Integrated) -> None:
    namespace = records.seeded()
    resp = records.search(namespace, query={"id": "rec-2", "top_k": 4})
    hits = _hits(resp)
    assert hits and hits[0].get("_id") == "rec-2", f"expected rec-2 first: {hits}"


@pytest.mark.behavior("RECORDS-SEARCH-FIELDS")
def test_search_fields_selection(records: Integrated) -> None:
    namespace = records.seeded()
    query = {"inputs": {"text": "lemon"}, "top_k": 4}
    stored = {r["_id"]: r for r in RECORDS}
    # judged on this test's own records: whose records a namespace holds is isolation's business
    chosen = [
        h
        for h in _hits(records.search(namespace, query=query, fields=["topic"]))
        if h.get("_id") in stored
    ]
    assert chosen, "the search found none of the seeded records"
    for hit in chosen:
        assert set(hit.get("fields") or {}) == {"topic"}, f"fields=['topic'] gave: {hit}"
    every = [h for h in _hits(records.search(namespace, query=query)) if h.get("_id") in stored]
    for hit in every:
        expected = {k: v for k, v in stored[hit["_id"]].items() if k != "_id"}
        assert hit.get("fields") == expected, f"without `fields`, every field: {hit}"


@pytest.mark.behavior("RECORDS-SEARCH-FILTER")
def test_search_filter(records: Integrated) -> None:
    namespace = records.seeded()
    query = {"inputs": {"text": "lemon"}, "top_k": 4, "filter": {"topic": {"$eq": "nature"}}}
    hits = _hits(records.search(namespace, query=query))
    nature = {r["_id"] for r in RECORDS if r["topic"] == "nature"}
    assert {h.get("_id") for h in hits} == nature, f"expected exactly {sorted(nature)}: {hits}"


@pytest.mark.behavior("RECORDS-SEARCH-RERANK")
def test_search_rerank_top_n(records: Integrated) -> None:
    namespace = records.seeded()
    rerank = {"model": RERANK_MODEL, "rank_fields": [TEXT_FIELD], "top_n": 2}
    resp = records.search(namespace, query={"inputs": {"text": "lemon"}, "top_k": 4}, rerank=rerank)
    hits = _hits(resp)
    assert 0 < len(hits) <= 2, f"expected 1 to top_n=2 hits: {hits}"
    assert {h.get("_id") for h in hits} <= {r["_id"] for r in RECORDS}, f"unknown hits: {hits}"
    scores = [h.get("_score") for h in hits]
    assert all(isinstance(s, int | float) for s in scores), f"_score must be numbers: {scores}"
    assert scores == sorted(scores, reverse=True), f"not ordered by _score: {scores}"  # type: ignore[type-var]


@pytest.mark.behavior("RECORDS-SEARCH-TOP-K-REQUIRED")
def test_search_without_top_k_rejected(records: Integrated) -> None:
    namespace = records.namespace()
    resp = records.search(namespace, query={"inputs": {"text": "lemon"}})
    assert resp.status == 400, f"expected 400, got {resp!r}"


@pytest.mark.behavior("RECORDS-CONFIGURE-EMBED")
def test_configure_embed_field_map(records: Integrated) -> None:
    control = records.control
    name = index_name(records.session.cfg.namespace_prefix, "cfg")
    try:
        created = control.request(
            "POST", "/indexes/create-for-model", json=create_for_model_body(name)
        )
        setup_ok(created, "create a second index for a model", 201)
        with setting_up(f"index {name} becomes ready"):
            _ready(control, name)
        resp = control.configure_index(name, embed={"field_map": {"text": "body"}})
        assert_cp_status(resp, 202)
        described = setup_ok(control.describe_index(name), "describe the index")
        embed = described.get("embed") if isinstance(described, dict) else None
        assert isinstance(embed, dict), f"no `embed` in the description: {described!r}"
        assert embed.get("field_map") == {"text": "body"}, f"field_map not updated: {embed}"
    finally:
        drop_index(control, name)


def _rejected_create(records: Integrated, body: dict[str, Any], status: int) -> None:
    """Send a create-for-model that must fail with `status`; no index of its name may exist."""
    control = records.control
    try:
        resp = control.request("POST", "/indexes/create-for-model", json=body)
        assert_cp_status(resp, status)
        listed = setup_ok(control.list_indexes(), "list the indexes")
        names = [i.get("name") for i in (listed or {}).get("indexes") or [] if isinstance(i, dict)]
        assert body["name"] not in names, f"the rejected index {body['name']} is listed"
    finally:
        drop_index(control, body["name"])


@pytest.mark.behavior("RECORDS-CREATE-FOR-MODEL-MISSING-EMBED-422")
def test_create_for_model_without_embed_rejected(records: Integrated) -> None:
    name = index_name(records.session.cfg.namespace_prefix, "noemb")
    body = create_for_model_body(name)
    del body["embed"]
    _rejected_create(records, body, 422)


@pytest.mark.behavior("RECORDS-CREATE-FOR-MODEL-UNKNOWN-MODEL-400")
def test_create_for_model_unknown_model_rejected(records: Integrated) -> None:
    name = index_name(records.session.cfg.namespace_prefix, "nomodel")
    _rejected_create(records, create_for_model_body(name, model="no-such-model-xyz"), 400)


@pytest.mark.behavior("RECORDS-CREATE-FOR-MODEL-DUPLICATE-409")
def test_create_for_model_duplicate_name_rejected(records: Integrated) -> None:
    body = create_for_model_body(records.name)
    resp = records.control.request("POST", "/indexes/create-for-model", json=body)
    assert_cp_status(resp, 409)


SPARSE_MODEL = "pinecone-sparse-english-v0"
TERMS_RECORDS = [
    {"_id": "duck-1", TEXT_FIELD: "Donald F. Duck is a funny animal character"},
    {"_id": "duck-2", TEXT_FIELD: "A duck is a funny animal"},
]


@pytest.mark.behavior("RECORDS-SEARCH-MATCH-TERMS")
def test_search_match_terms(records: Integrated) -> None:
    control, session = records.control, records.session
    name = index_name(session.cfg.namespace_prefix, "terms")
    try:
        body = create_for_model_body(name, model=SPARSE_MODEL)
        created = control.request("POST", "/indexes/create-for-model", json=body)
        setup_ok(created, "create a sparse index for pinecone-sparse-english-v0", 201)
        with setting_up(f"index {name} becomes ready"):
            described = _ready(control, name)
        assert session.control_url is not None
        host = index_url(described.json["host"], session.control_url)
        sparse = Integrated(
            name, control, session.data_client(IndexInfo(name, host, None, "dotproduct", "sparse")),
            session,
        )  # fmt: skip
        namespace = sparse.seeded(TERMS_RECORDS)
        terms = {"terms": ["animal", "CHARACTER", "donald Duck"], "strategy": "all"}
        query = {"inputs": {"text": "funny duck animal"}, "top_k": 10, "match_terms": terms}
        hits = _hits(sparse.search(namespace, query=query))
        assert [h.get("_id") for h in hits] == ["duck-1"], f"expected only duck-1: {hits}"
    finally:
        drop_index(control, name)


@pytest.mark.behavior("RECORDS-SEARCH-VECTOR")
def test_search_by_vector_on_any_index(dense_space: Space) -> None:
    """The records search of a plain dense index, queried with a stored record's own vector."""
    directions = dense_space.vectors.directions(2)
    seeds = [
        {"id": f"vec-{i}", "values": values, "metadata": {"n": i}}
        for i, values in enumerate(directions)
    ]
    seed_visible(dense_space, seeds)
    path = f"/records/namespaces/{quote(dense_space.ns, safe='')}/search"
    body = {"query": {"vector": {"values": directions[-1]}, "top_k": len(seeds)}}
    wanted = seeds[-1]["id"]

    def probe() -> WireResponse:
        return dense_space.client.request("POST", path, json=body)

    first = probe()
    if first.status in NOT_SERVED:
        pytest.skip(
            f"{NOT_APPLICABLE_PREFIX}the target does not serve the records search "
            f"(it answered {first.status})"
        )

    def check(resp: WireResponse) -> bool:
        hits = _hits(resp)
        assert hits and hits[0].get("_id") == wanted, f"expected {wanted} first: {hits}"
        return True

    dense_space.eventually(probe, check, f"a vector search finding {wanted} first")


# Rejected records requests whose error body is judged (their statuses are other behaviors').
REJECTED = {
    "upsert-missing-field": lambda r: r.upsert(r.namespace(), [{"_id": "x", "other": "text"}]),
    "search-without-top-k": lambda r: r.search(r.namespace(), query={"inputs": {"text": "a"}}),
}


def _error_body(resp: WireResponse) -> dict[str, Any]:
    """The error body of a rejected request; an accepted one says nothing about error bodies."""
    if resp.status < 400:
        pytest.skip(f"{NOT_APPLICABLE_PREFIX}the target accepted the request: {resp!r}")
    body = resp.json
    assert isinstance(body, dict), f"expected a JSON error object, got {resp!r}"
    return body


@pytest.mark.behavior("RECORDS-ERRORS-RPCSTATUS")
@pytest.mark.parametrize("case", list(REJECTED))
def test_records_error_is_rpc_status(records: Integrated, case: str) -> None:
    """Before 2026-07 a records error body is {"code": int, "message": str, "details": [...]}."""
    resp = REJECTED[case](records)
    _error_body(resp)
    assert_rpc_status(resp)


@pytest.mark.behavior("RECORDS-ERRORS-ERROR-RESPONSE")
@pytest.mark.parametrize("case", list(REJECTED))
def test_records_error_is_error_response(records: Integrated, case: str) -> None:
    """From 2026-07 a records error body is {"status": <the HTTP status>, "error": {"code": str,
    "message": str}}."""
    resp = REJECTED[case](records)
    body = _error_body(resp)
    assert body.get("status") == resp.status, f"`status` is not the HTTP status: {resp!r}"
    error = body.get("error")
    assert isinstance(error, dict), f"no `error` object: {resp!r}"
    assert isinstance(error.get("code"), str), f"`error.code` not a string: {resp!r}"
    assert isinstance(error.get("message"), str), f"`error.message` not a string: {resp!r}"


@pytest.mark.behavior("RECORDS-UPSERT-MAX-RECORDS")
def test_upsert_takes_at_most_1000_records(records: Integrated) -> None:
    """From 2026-07 a records upsert of 1000 records is accepted and one of 1001 rejected (the
    exact success status is RECORDS-UPSERT's to judge)."""
    batch = [{"_id": f"bulk-{i}", TEXT_FIELD: f"record number {i}"} for i in range(1001)]
    over = records.upsert(records.namespace(), batch)
    assert 400 <= over.status < 500, f"1001 records: expected a 4xx, got {over!r}"
    full = records.upsert(records.namespace(), batch[:1000])
    assert 200 <= full.status < 300, f"1000 records: expected a 2xx, got {full!r}"
