"""Authentication and headers (digest §1.2, §1.3, §3, §14.1–§14.5, §14.10, §14.11)."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from conformance.suite._control_plane_helpers import assert_cp_error
from conformance.suite._helpers import ok
from conformance.suite._query_helpers import ids_of, seed

VERSION = "X-Pinecone-Api-Version"


def _key(target: Any) -> str:
    """The configured API key; auth behaviors cannot be observed without one."""
    if not target.api_key:
        pytest.skip("not applicable: no API key is configured for the target (--api-key)")
    return target.api_key


BAD_KEYS = {"missing": None, "wrong": "wrong-" + secrets.token_hex(8)}


# ---- API key ------------------------------------------------------------------------------------


@pytest.mark.behavior("AUTH-KEY-HEADER-CASE-INSENSITIVE")
@pytest.mark.parametrize("header", ["api-key", "API-KEY", "aPi-kEy"])
def test_data_plane_key_header_any_case(data_client, target, header):
    """The data plane accepts the Api-Key header in any capitalisation."""
    key = _key(target)
    ok(data_client.request("POST", "/describe_index_stats", json={}, headers={header: key}))


@pytest.mark.behavior("AUTH-KEY-HEADER-CASE-INSENSITIVE")
@pytest.mark.parametrize("header", ["api-key", "API-KEY"])
def test_control_plane_key_header_any_case(control_plane, target, header):
    """The control plane accepts the Api-Key header in any capitalisation."""
    key = _key(target)
    ok(control_plane.request("GET", "/indexes", headers={header: key}))


@pytest.mark.behavior("AUTH-DATA-PLANE-REJECTS-BAD-KEY")
@pytest.mark.parametrize("key", list(BAD_KEYS))
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/describe_index_stats", {}),
        ("POST", "/query", {"topK": 1, "id": "x"}),
        ("GET", "/vectors/list", None),
    ],
    ids=["stats", "query", "list"],
)
def test_data_plane_rejects_bad_key(data_client, target, key, method, path, body):
    """A missing or wrong key is rejected with 401 (403 accepted) on the data plane."""
    _key(target)
    resp = data_client.request(method, path, json=body, headers={"Api-Key": BAD_KEYS[key]})
    assert resp.status in (401, 403), f"expected 401 or 403, got {resp!r}"


@pytest.mark.behavior("AUTH-CONTROL-PLANE-UNAUTHENTICATED")
@pytest.mark.parametrize("key", list(BAD_KEYS))
def test_control_plane_rejects_bad_key(control_plane, target, key):
    """A missing or wrong key gets 401 UNAUTHENTICATED on the control plane."""
    _key(target)
    resp = control_plane.request("GET", "/indexes", headers={"Api-Key": BAD_KEYS[key]})
    assert_cp_error(resp, 401, "UNAUTHENTICATED")


# ---- version header -----------------------------------------------------------------------------

VERSION_PROBES = {
    "query-__default__": ("POST", "/query", {"topK": 1, "id": "x", "namespace": "__default__"}),
    "query-queries": (
        "POST",
        "/query",
        {"topK": 1, "id": "x", "queries": [{"values": [1.0]}], "namespace": "x"},
    ),
    "list-namespaces": ("GET", "/namespaces", None),
    "stats": ("POST", "/describe_index_stats", {}),
}


def _summary(resp: Any) -> tuple[int, Any]:
    body = resp.json
    return resp.status, body.get("namespace") if isinstance(body, dict) else None


@pytest.mark.behavior("AUTH-VERSION-HEADER-ANY-CASE")
@pytest.mark.parametrize("probe", list(VERSION_PROBES))
@pytest.mark.parametrize(
    "spelling", ["x-pinecone-api-version", "X-PINECONE-API-VERSION", "X-Pinecone-API-Version"]
)
def test_version_header_any_case(data_client, target, probe, spelling):
    """Version-dependent requests are served alike whatever the header's capitalisation."""
    method, path, body = VERSION_PROBES[probe]
    canonical = data_client.request(method, path, json=body)
    variant = data_client.request(method, path, json=body, headers={spelling: target.api_version})
    assert _summary(variant) == _summary(canonical), (canonical, variant)


@pytest.mark.behavior("AUTH-VERSION-HEADER-ANY-CASE")
@pytest.mark.parametrize("probe", list(VERSION_PROBES))
def test_version_header_sent_twice(data_client, target, probe):
    """The version header sent twice with the same value is served like a single one."""
    method, path, body = VERSION_PROBES[probe]
    canonical = data_client.request(method, path, json=body)
    headers = [
        (VERSION, target.api_version),
        ("X-Pinecone-API-Version", target.api_version),
        ("Content-Type", "application/json"),
    ]
    if target.api_key:
        headers.append(("Api-Key", target.api_key))
    with httpx.Client(timeout=target.request_timeout) as http:
        raw = http.request(
            method, data_client.base_url + path, headers=headers, json=body if body else None
        )
    twice = type(canonical)(raw.status_code, raw.headers, raw.content)
    assert _summary(twice) == _summary(canonical), (canonical, twice)


@pytest.mark.behavior("AUTH-VERSION-HEADER-OPTIONAL")
@pytest.mark.parametrize("operation", ["stats", "query"])
def test_version_header_optional_data_plane(dense_space, operation):
    """A data-plane request without the version header is served (a query by vector: a query by
    an id the test never wrote would judge missing-id handling instead)."""
    path, body = "/describe_index_stats", {}
    if operation == "query":
        path = "/query"
        body = {"topK": 1, "vector": dense_space.vectors.dense(0), "namespace": dense_space.ns}
    ok(dense_space.client.request("POST", path, json=body, headers={VERSION: None}))


@pytest.mark.behavior("AUTH-VERSION-HEADER-OPTIONAL")
def test_version_header_optional_control_plane(control_plane):
    """A control-plane request without the version header is served."""
    body = ok(control_plane.request("GET", "/indexes", headers={VERSION: None}))
    assert isinstance(body.get("indexes"), list), body


# ---- response headers ---------------------------------------------------------------------------

OPERATIONS = {
    "upsert": lambda s: s.upsert([s.vectors.record(9)]),
    "query": lambda s: s.query(topK=2, vector=s.vectors.dense(0)),
    "fetch": lambda s: s.fetch(["r0"]),
    "list": lambda s: s.list_ids(),
    "update": lambda s: s.update(id="r0", setMetadata={"k": "v"}),
    "delete": lambda s: s.delete(ids=["r1"]),
    "stats": lambda s: s.stats(),
}


@pytest.mark.behavior("AUTH-JSON-CONTENT-TYPE")
@pytest.mark.parametrize("op", list(OPERATIONS))
def test_json_content_type(dense_space, op):
    """Successful JSON responses carry Content-Type application/json."""
    seed(dense_space, dense_space.vectors.records(2))
    resp = OPERATIONS[op](dense_space)
    ok(resp)
    kind = resp.headers.get("content-type", "")
    assert kind.split(";")[0].strip().lower() == "application/json", kind


def _lsn(resp: Any, *names: str) -> int:
    for name in names:
        value = resp.headers.get(name)
        if value is not None:
            assert value.strip().isdigit(), f"{name} must be an integer: {value!r}"
            return int(value)
    raise AssertionError(f"none of {names} in the response headers: {dict(resp.headers)}")


@pytest.mark.behavior("AUTH-LSN-HEADERS")
def test_lsn_headers(dense_space):
    """Writes report increasing LSNs and reads report an indexed LSN that reaches them."""
    write = ("x-pinecone-request-lsn", "x-pinecone-lsn-committed")
    read = ("x-pinecone-max-indexed-lsn", "x-pinecone-lsn-reconciled")
    lsn1 = _lsn(_ok_resp(dense_space.upsert([dense_space.vectors.record(1)])), *write)
    lsn2 = _lsn(_ok_resp(dense_space.upsert([dense_space.vectors.record(2)])), *write)
    assert lsn2 > lsn1, f"write LSNs must increase: {lsn1} then {lsn2}"
    dense_space.eventually(
        lambda: dense_space.query(topK=3, vector=dense_space.vectors.dense(0)),
        lambda r: r.status == 200 and _lsn(r, *read) >= lsn2,
        f"a read reporting an indexed LSN of at least {lsn2}",
    )


def _ok_resp(resp: Any) -> Any:
    ok(resp)
    return resp


@pytest.mark.behavior("AUTH-CLIENT-HEADERS-IGNORED")
@pytest.mark.parametrize(
    "headers",
    [
        {"Accept": "*/*"},
        {"Accept": "application/json"},
        {"User-Agent": "python-client-10.2.0"},
        {"User-Agent": "@pinecone-database/pinecone v8.2.0; lang=typescript"},
        {"User-Agent": "python-client-5.4.2 (urllib3:2.8.0)"},
    ],
    ids=["accept-any", "accept-json", "ua-py10", "ua-ts", "ua-py5"],
)
def test_client_headers_ignored(dense_space, headers):
    """Accept and User-Agent values do not change the answer."""
    probe = seed(dense_space, dense_space.vectors.records(3))
    body = {"topK": 3, "namespace": dense_space.ns, **probe}
    baseline = ids_of(dense_space.query(**body))
    resp = dense_space.client.request("POST", "/query", json=body, headers=headers)
    assert ids_of(resp) == baseline
