"""The gRPC wire form of the data plane (`--transport grpc`): status codes and metadata, which
the REST wire has no counterpart for (digest §3.1; PROTO 2025-10 `VectorService`).

Each request goes through the run's gRPC client, which records the call's status code as the
reply's `grpc-status` header; the behaviors here judge that code, their REST twins the HTTP status.
"""

from __future__ import annotations

import pytest

from conformance.suite._helpers import assert_invalid
from conformance.suite.test_auth import BAD_KEYS, VERSION, _key
from conformance.suite.test_errors import INVALID, _rejected
from conformance.target.client import WireResponse
from conformance.target.grpc.status import GRPC_STATUS_HEADER

OK, INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED = 0, 3, 5, 16


def grpc_code(resp: WireResponse) -> int:
    """The gRPC status code a call ended with."""
    return int(resp.headers[GRPC_STATUS_HEADER])


@pytest.mark.behavior("GRPC-INVALID-ARGUMENT")
@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_request_is_invalid_argument(dense_space, name):
    """A request every documented rule rejects ends with INVALID_ARGUMENT (3)."""
    resp = INVALID[name](dense_space)
    _rejected(resp)  # a request the target accepted is the rule's own behavior to judge
    assert grpc_code(resp) == INVALID_ARGUMENT, f"expected INVALID_ARGUMENT (3), got {resp!r}"


@pytest.mark.behavior("GRPC-NOT-FOUND")
def test_unknown_namespace_is_not_found(dense_space):
    """DescribeNamespace of a namespace that does not exist ends with NOT_FOUND (5)."""
    resp = dense_space.client.describe_namespace(dense_space.ns + "-x-absent")
    assert grpc_code(resp) == NOT_FOUND, f"expected NOT_FOUND (5), got {resp!r}"


@pytest.mark.behavior("GRPC-UNAUTHENTICATED")
@pytest.mark.parametrize("key", list(BAD_KEYS))
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/describe_index_stats", {}), ("POST", "/query", {"topK": 1, "id": "x"})],
    ids=["stats", "query"],
)
def test_bad_api_key_metadata_is_unauthenticated(data_client, target, key, method, path, body):
    """A call without `api-key` metadata, or with a wrong key, ends with UNAUTHENTICATED (16)."""
    _key(target)
    resp = data_client.request(method, path, json=body, headers={"Api-Key": BAD_KEYS[key]})
    assert grpc_code(resp) == UNAUTHENTICATED, f"expected UNAUTHENTICATED (16), got {resp!r}"


@pytest.mark.behavior("GRPC-UNAUTHENTICATED")
def test_api_key_metadata_is_served(data_client, target):
    """A call carrying the project's key as `api-key` metadata is served."""
    resp = data_client.request(
        "POST", "/describe_index_stats", json={}, headers={"Api-Key": _key(target)}
    )
    assert grpc_code(resp) == OK, f"expected OK (0), got {resp!r}"


@pytest.mark.behavior("GRPC-VERSION-METADATA")
@pytest.mark.parametrize("version", ["2025-01", "2025-04"])
def test_version_metadata_selects_the_rules(dense_space, version):
    """`x-pinecone-api-version` metadata picks the version's rules: a fetch addressed to
    `__default__` is rejected at 2025-01 (which code is GRPC-INVALID-ARGUMENT's to judge) and
    served at 2025-04."""
    resp = dense_space.client.request(
        "GET",
        "/vectors/fetch",
        params=[("ids", "r0"), ("namespace", "__default__")],
        headers={VERSION: version},
    )
    if version == "2025-01":
        assert_invalid(resp)
    else:
        assert grpc_code(resp) == OK, f"expected the call served at {version}, got {resp!r}"
