"""The proxy misbehaves exactly as each mode says, so the hostile runs prove what they claim."""

from __future__ import annotations

import httpx
import pytest

from tests.hostile.conftest import API_KEY
from tests.hostile.proxy import HUGE_BYTES, HostileProxy, Kind, Mode

HEADERS = {"Api-Key": API_KEY, "X-Pinecone-Api-Version": "2025-10"}


def stats(client: httpx.Client, proxy: HostileProxy) -> httpx.Response:
    return client.post(f"{proxy.url}/describe_index_stats", json={}, headers=HEADERS)


def test_forward_passes_answers_through_and_counts(proxy: HostileProxy) -> None:
    with httpx.Client(timeout=5.0) as client:
        answers = [stats(client, proxy) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json()["dimension"] == 8
    assert proxy.requests == 3


def test_errors_fail_every_tenth_request(proxy: HostileProxy) -> None:
    proxy.mode = Mode("errors", every=10)
    with httpx.Client(timeout=5.0) as client:
        codes = [stats(client, proxy).status_code for _ in range(20)]
    assert [i + 1 for i, c in enumerate(codes) if c == 500] == [10, 20]
    assert set(codes) == {200, 500}


def test_html_starts_after_n_requests(proxy: HostileProxy) -> None:
    proxy.mode = Mode("html", after=2)
    with httpx.Client(timeout=5.0) as client:
        answers = [stats(client, proxy) for _ in range(3)]
    assert [a.headers["content-type"].split(";")[0] for a in answers] == [
        "application/json",
        "application/json",
        "text/html",
    ]
    assert answers[2].status_code == 200


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("stall", httpx.ReadTimeout),
        ("drip", httpx.ReadTimeout),
        ("close", httpx.RemoteProtocolError),
    ],
)
def test_unanswered_modes_never_complete_a_response(
    proxy: HostileProxy, kind: Kind, error: type[Exception]
) -> None:
    proxy.mode = Mode(kind)
    with httpx.Client(timeout=1.0) as client, pytest.raises(error):
        stats(client, proxy)


def test_huge_announces_and_streams_fifty_megabytes(proxy: HostileProxy) -> None:
    proxy.mode = Mode("huge")
    url = f"{proxy.url}/describe_index_stats"
    with httpx.Client(timeout=10.0) as client, client.stream("POST", url, json={}) as response:
        assert int(response.headers["content-length"]) == HUGE_BYTES
        first = next(response.iter_bytes(1024 * 1024))
    assert first.strip() == b""


def test_namespaces_are_read_from_the_upstream(proxy: HostileProxy) -> None:
    body = {"namespace": "hostile-probe-ns", "vectors": [{"id": "a", "values": [0.1] * 8}]}
    with httpx.Client(timeout=5.0) as client:
        client.post(f"{proxy.url}/vectors/upsert", json=body, headers=HEADERS).raise_for_status()
        assert "hostile-probe-ns" in proxy.namespaces(API_KEY)
        delete = {"namespace": "hostile-probe-ns", "deleteAll": True}
        client.post(f"{proxy.url}/vectors/delete", json=delete, headers=HEADERS)
    assert "hostile-probe-ns" not in proxy.namespaces(API_KEY)
