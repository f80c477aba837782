"""The wire client: sends what it is given, never raises on HTTP errors, masks the key."""

from __future__ import annotations

import json

import httpx
import pytest

from conformance.target.client import ControlPlaneClient, DataPlaneClient, WireResponse
from tests.support.standin_server import API_KEY


@pytest.fixture
def client(standin):
    with DataPlaneClient(standin.index_urls["conf-cosine"], API_KEY, "2024-07") as c:
        yield c


def test_round_trip_and_headers(client) -> None:
    body = {"vectors": [{"id": "a b/c#d", "values": [1.0] * 8}], "namespace": "client-rt"}
    assert client.upsert(body["vectors"], namespace="client-rt").json == {"upsertedCount": 1}
    fetched = client.fetch(["a b/c#d", "missing"], namespace="client-rt")
    assert fetched.status == 200
    assert list(fetched.json["vectors"]) == ["a b/c#d"]
    sent = client.transcript[0]
    assert sent.request_headers["X-Pinecone-Api-Version"] == "2024-07"
    assert sent.request_body == json.dumps(body, separators=(",", ":"))
    assert "ids=a+b%2Fc%23d&ids=missing" in client.transcript[1].url
    client.delete(deleteAll=True, namespace="client-rt")


def test_http_errors_are_returned_not_raised(client) -> None:
    response = client.request("GET", "/no/such/route")
    assert response.status == 404 and response.json["code"] == 5


def test_wrong_key_and_no_key(standin) -> None:
    url = standin.index_urls["conf-cosine"]
    assert DataPlaneClient(url, "wrong").describe_index_stats().status == 401
    no_key = DataPlaneClient(url, API_KEY).request(
        "POST", "/describe_index_stats", json={}, headers={"Api-Key": None}
    )
    assert no_key.status == 401 and no_key.text == "Unauthorized" and no_key.json is None


def test_raw_content_and_legacy_get(client) -> None:
    assert client.request("POST", "/describe_index_stats", content=b"{}").status == 200
    assert client.describe_index_stats(method="GET").json["dimension"] == 8


def test_key_is_masked_everywhere(standin) -> None:
    c = DataPlaneClient(standin.index_urls["conf-cosine"], API_KEY)
    c.request("POST", "/query", json={"echo": API_KEY}, params={"k": API_KEY})
    text = c.render_transcript() + repr(c) + repr(c.transcript)
    assert API_KEY not in text and "***" in text


def test_transport_error_raises_and_is_recorded() -> None:
    c = DataPlaneClient("http://127.0.0.1:1", API_KEY, timeout=1)
    with pytest.raises(httpx.TransportError):
        c.describe_index_stats()
    assert "transport error" in c.render_transcript()


def test_control_plane_whoami(standin) -> None:
    c = ControlPlaneClient(standin.control_url, API_KEY)
    assert c.whoami().json["project_name"] == "proj"


def test_wire_response_json_and_repr() -> None:
    r = WireResponse(400, httpx.Headers(), b"not json" * 200)
    assert r.json is None and r.text.startswith("not json")
    assert len(repr(r)) < 600
