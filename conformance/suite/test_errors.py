"""Error bodies and statuses on both planes (digest §3, §12.1): shapes, codes, never 5xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX, SetupFailed
from conformance.suite._control_plane_helpers import (
    assert_cp_error,
    assert_cp_shape,
    drop_index,
    index_name,
)
from conformance.suite._helpers import (
    assert_invalid,
    assert_not_retryable,
    seed_visible,
    setting_up,
)
from conformance.suite._query_helpers import assert_client_error
from conformance.target.client import WireResponse
from conformance.target.space import Space

Request = Callable[[Space], WireResponse]


def _post(path: str, body: Callable[[Any], dict[str, Any]]) -> Request:
    """A POST of `body(space)` with the Space's namespace added."""
    return lambda s: s.client.request("POST", path, json={"namespace": s.ns, **body(s)})


def _long(s: Any) -> list[float]:
    return [0.5] * (s.index.dimension + 1)


# Requests every documented rule rejects with 400 / INVALID_ARGUMENT.
INVALID: dict[str, Request] = {
    "query-no-topk": _post("/query", lambda s: {"vector": s.vectors.dense(0)}),
    "query-dimension": _post("/query", lambda s: {"topK": 1, "vector": _long(s)}),
    "query-topk-zero": _post("/query", lambda s: {"topK": 0, "vector": s.vectors.dense(0)}),
    "query-no-selector": _post("/query", lambda s: {"topK": 1}),
    "query-id-and-vector": _post(
        "/query", lambda s: {"topK": 1, "id": "r0", "vector": s.vectors.dense(0)}
    ),
    "query-bad-filter": _post(
        "/query", lambda s: {"topK": 1, "vector": s.vectors.dense(0), "filter": {"$gt": 1}}
    ),
    "upsert-empty": _post("/vectors/upsert", lambda s: {"vectors": []}),
    "upsert-dimension": _post(
        "/vectors/upsert", lambda s: {"vectors": [{"id": "a", "values": _long(s)}]}
    ),
    "update-dimension": _post("/vectors/update", lambda s: {"id": "r0", "values": _long(s)}),
    "delete-all-and-ids": _post("/vectors/delete", lambda s: {"deleteAll": True, "ids": ["r0"]}),
    "fetch-no-ids": lambda s: s.client.request("GET", "/vectors/fetch", params={"namespace": s.ns}),
}

# Bodies whose fields have the wrong JSON type.
WRONG_TYPE: dict[str, Request] = {
    "query-topk-string": _post("/query", lambda s: {"topK": "ten", "vector": s.vectors.dense(0)}),
    "query-topk-list": _post("/query", lambda s: {"topK": [1], "vector": s.vectors.dense(0)}),
    "query-vector-string": _post("/query", lambda s: {"topK": 1, "vector": "abc"}),
    "query-vector-of-strings": _post(
        "/query", lambda s: {"topK": 1, "vector": ["x"] * s.index.dimension}
    ),
    "query-filter-string": _post(
        "/query", lambda s: {"topK": 1, "vector": s.vectors.dense(0), "filter": "genre"}
    ),
    "query-include-object": _post(
        "/query", lambda s: {"topK": 1, "vector": s.vectors.dense(0), "includeValues": {}}
    ),
    "upsert-vectors-object": _post("/vectors/upsert", lambda s: {"vectors": {"id": "a"}}),
    "upsert-values-string": _post(
        "/vectors/upsert", lambda s: {"vectors": [{"id": "a", "values": "x"}]}
    ),
    "upsert-id-number": _post(
        "/vectors/upsert", lambda s: {"vectors": [{"id": 5, "values": s.vectors.dense(0)}]}
    ),
    "update-setmetadata-string": _post(
        "/vectors/update", lambda s: {"id": "r0", "setMetadata": "x"}
    ),
    "delete-ids-string": _post("/vectors/delete", lambda s: {"ids": "r0"}),
    "query-namespace-number": lambda s: s.client.request(
        "POST", "/query", json={"topK": 1, "vector": s.vectors.dense(0), "namespace": 5}
    ),
}

MALFORMED_PATHS = [
    "/query",
    "/vectors/upsert",
    "/vectors/update",
    "/vectors/delete",
    "/vectors/fetch_by_metadata",
    "/describe_index_stats",
]
MALFORMED_BODIES = {
    "truncated": b'{"topK": 1,',
    "not-json": b"{not json}",
    "array": b"[]",
    "string": b'"text"',
}


def _rejected(resp: WireResponse) -> dict[str, Any]:
    """The error body of a rejected request; a request the target accepted says nothing about
    error bodies (the rule's own behavior judges the acceptance), so the case does not apply."""
    if resp.status < 400:
        pytest.skip(f"{NOT_APPLICABLE_PREFIX}the target accepted the request: {resp!r}")
    body = resp.json
    assert isinstance(body, dict), f"expected a JSON rpcStatus object, got {resp!r}"
    return body


@pytest.mark.behavior("ERRORS-RPCSTATUS-SHAPE")
@pytest.mark.parametrize("name", list(INVALID))
def test_error_body_is_rpc_status(dense_space, name):
    """A data-plane error body is {"code": int, "message": str, "details": [...]}."""
    resp = INVALID[name](dense_space)
    body = _rejected(resp)
    code = body.get("code")
    assert isinstance(code, int) and not isinstance(code, bool), f"`code` must be an int: {resp!r}"
    assert isinstance(body.get("message"), str), f"`message` must be a string: {resp!r}"
    # details: a list of protobufAny, not necessarily empty (digest §13.1)
    assert isinstance(body.get("details"), list), f"`details` must be a list: {resp!r}"


@pytest.mark.behavior("ERRORS-VALIDATION-400")
@pytest.mark.parametrize("name", list(INVALID))
def test_validation_error_is_400_code_3(dense_space, name):
    """A validation failure is HTTP 400 with code 3."""
    resp = INVALID[name](dense_space)
    body = _rejected(resp)
    assert resp.status == 400, f"expected HTTP 400, got {resp!r}"
    assert body.get("code") == 3, f"expected code 3 (INVALID_ARGUMENT), got {resp!r}"


@pytest.mark.behavior("ERRORS-VALIDATION-NOT-RETRYABLE")
@pytest.mark.parametrize("name", list(INVALID))
def test_validation_error_not_retryable(dense_space, name):
    """A validation failure never comes back as 5xx or 429 (clients would retry it)."""
    assert_not_retryable(INVALID[name](dense_space))


@pytest.mark.behavior("ERRORS-WRONG-JSON-TYPE")
@pytest.mark.parametrize("name", list(WRONG_TYPE))
def test_wrong_json_type_is_4xx(dense_space, name):
    """A field of the wrong JSON type is rejected with 4xx, never 5xx or 429."""
    assert_client_error(WRONG_TYPE[name](dense_space))


@pytest.mark.behavior("ERRORS-MALFORMED-JSON")
@pytest.mark.parametrize("body", list(MALFORMED_BODIES))
@pytest.mark.parametrize("path", MALFORMED_PATHS)
def test_malformed_json_is_4xx(data_client, path, body):
    """A body that is not a JSON object is rejected with 4xx, never 5xx or 429."""
    resp = data_client.request(
        "POST",
        path,
        content=MALFORMED_BODIES[body],
        headers={"Content-Type": "application/json"},
    )
    assert_client_error(resp)


@pytest.mark.behavior("ERRORS-DIMENSION-MESSAGE")
@pytest.mark.parametrize("delta", [-1, 1])
def test_dimension_mismatch_message(dense_space, delta):
    """A wrong-length query vector is reported with the documented message."""
    d = dense_space.index.dimension
    resp = dense_space.query(topK=1, vector=[0.5] * (d + delta))
    with setting_up("the wrong-length query being rejected (QUERY-DIMENSION-MISMATCH)"):
        assert 400 <= resp.status < 500, resp
    text = f"Vector dimension {d + delta} does not match the dimension of the index {d}"
    assert text in resp.text, f"expected {text!r} in the error, got {resp!r}"


@pytest.mark.behavior("ERRORS-QUERY-ID-LENGTH")
def test_query_id_length_limit(dense_space):
    """A query by a (written) 512-character id is accepted; a 513-character id is a 400."""
    record = {**dense_space.vectors.record(0), "id": "q" * 512}
    seed_visible(dense_space, [record])
    accepted = dense_space.query(topK=1, id=record["id"])
    assert accepted.status == 200, f"a 512-character query id must be accepted: {accepted!r}"
    assert_invalid(dense_space.query(topK=1, id="q" * 513))


# ---- control plane ------------------------------------------------------------------------------


@pytest.mark.behavior("ERRORS-CONTROL-PLANE-SHAPE")
@pytest.mark.parametrize("op", ["describe", "configure", "delete"])
def test_control_plane_error_shape(control_plane, target, op):
    """A control-plane error body is {"error": {"code", "message"}, "status"}.

    The error is provoked through an unknown index; which status it gets is the *-UNKNOWN-404
    behaviors' to judge, so any error status is inspected and a success leaves nothing to judge.
    """
    name = index_name(target.namespace_prefix, "absent")
    resp = {
        "describe": lambda: control_plane.describe_index(name),
        "configure": lambda: control_plane.configure_index(name, deletion_protection="disabled"),
        "delete": lambda: control_plane.delete_index(name),
    }[op]()
    if resp.status < 400:
        raise SetupFailed(f"{op} of an unknown index returned no error to inspect: {resp!r}")
    assert_cp_shape(resp)


UNDESERIALISABLE = {
    "not-json": lambda name: b"{not json}",
    "array": lambda name: b"[]",
    "spec-string": lambda name: (
        b'{"name": "' + name.encode() + b'", "dimension": 8, "metric": "cosine", "spec": "x"}'
    ),
    "dimension-string": lambda name: (
        b'{"name": "' + name.encode() + b'", "dimension": "eight", "metric": "cosine", '
        b'"spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}'
    ),
}


@pytest.mark.behavior("ERRORS-CONTROL-PLANE-UNDESERIALISABLE")
@pytest.mark.parametrize("case", list(UNDESERIALISABLE))
def test_control_plane_undeserialisable_body(control_plane, target, case):
    """A create body that cannot be deserialised is 400 or 422 in the ErrorResponse shape."""
    if not target.allow_create_index:
        pytest.skip("not applicable: creating indexes needs --allow-create-index")
    name = index_name(target.namespace_prefix, "bad")
    try:
        resp = control_plane.request(
            "POST",
            "/indexes",
            content=UNDESERIALISABLE[case](name),
            headers={"Content-Type": "application/json"},
        )
        assert_cp_error(resp, (400, 422))
    finally:
        drop_index(control_plane, name)
